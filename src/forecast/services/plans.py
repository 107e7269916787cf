"""Plans as a whole: read a plan (by id or name), list them, and the one write path.

``change_plan`` is the one way every track writes a plan: it loads the plan, checks role and lock,
lets a callback mutate a copy, and saves it with one audit row in one transaction (optimistic
locking on ``expected_version``; ``None`` means "the version I just read"). Members and roles are
in `plan_members` and `plan_access`, creating a plan in `plan_create`, new versions in
`plan_versions`, archiving in `plan_archive`, the stored frames in `plan_frames`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from forecast import overrides, schema
from forecast.plan import PlanState
from forecast.services import plan_totals
from forecast.services.errors import Fix, FixKey, Forbidden, Invalid, Locked, NotFound, StaleVersion
from forecast.services.plan_checks import check_actor, check_counts, check_text
from forecast.services.plan_frames import (
    ATTRIBUTES,
    BASELINE,
    HISTORY,
    PlanFrames,
    carry_read_models,
    load_blob_frame,
    version_frame,
)
from forecast.store import AuditEntry, Change, PlanRepository, PlanSummary

NO_TEAM = "all"  # the one team when a plan has no team dimension


def get_plan(store: PlanRepository, plan: str) -> PlanState:
    """A plan by id, or by name: the one plan of that name, or, where the plans of that name
    are versions of one another (`new_version` keeps the name), the newest of them. Spaces
    around it are not part of it, as a name is checked when it is given (`check_plan_name`);
    letters keep their case."""
    key = plan.strip() if isinstance(plan, str) else ""
    try:
        return store.get(key)
    except NotFound:
        matches = [s for s in store.list() if s.name.strip() == key]
        newest = _newest_version(store, matches)
        if newest is not None:
            return store.get(newest.plan_id)
        if len(matches) > 1:
            ids = ", ".join(f"{s.plan_id} (version {s.version}, {s.status})" for s in matches)
            raise Invalid(f"several plans are named {plan!r}: {ids}; use the plan id") from None
        raise


def _newest_version(store: PlanRepository, same_name: list[PlanSummary]) -> PlanSummary | None:
    """The plan of `same_name` that all the others are ancestors of (one line of versions,
    through plans of other names too); None for none, or for two lines (two plans made apart,
    or two new versions of one plan), where the name alone does not say which is meant."""
    for candidate in same_name:
        line = ancestors(store, candidate.plan_id)
        if all(s.plan_id in line for s in same_name if s.plan_id != candidate.plan_id):
            return candidate
    return None


def ancestors(store: PlanRepository, plan_id: str) -> set[str]:
    """The plans `plan_id` was made from, parent by parent (a parent not in this store, as an
    imported plan's may be, ends the line)."""
    seen: set[str] = set()
    current = store.get(plan_id).parent_id
    while current is not None and current not in seen and current != plan_id:
        seen.add(current)
        try:
            current = store.get(current).parent_id
        except NotFound:
            break
    return seen


def list_plans(store: PlanRepository, *, include_archived: bool = True) -> list[PlanSummary]:
    """Every plan, oldest first; the archived ones too unless `include_archived` is False (the
    lists a person picks a plan from leave them out)."""
    summaries = store.list()
    return summaries if include_archived else [s for s in summaries if not s.archived]


def load_frames(store: PlanRepository, plan: str) -> PlanFrames:
    state = get_plan(store, plan)
    return PlanFrames(
        history=load_blob_frame(store, state.plan_id, HISTORY),
        attributes=load_blob_frame(store, state.plan_id, ATTRIBUTES),
        baseline=load_blob_frame(store, state.plan_id, BASELINE),
    )


def audit_log(store: PlanRepository, plan: str) -> list[AuditEntry]:
    return store.audit(get_plan(store, plan).plan_id)


def period_span(freq: str, first: Any, last: Any) -> tuple[date, date]:
    """The days periods `first`..`last` cover: the first period's first day to the last
    period's last day, by the one rule of a horizon's periods (``overrides.horizon_periods``),
    the days an event's dates are checked against. A week-ending file's last week
    (2011-12-24..2011-12-30, its date 2011-12-30) reads inside it, as a week-start file's does.

    `first` and `last` are period starts of `freq`, as the plan keeps them (a plan's dates, never
    a file's week-ending or month-end dates): another day is refused (ValueError), since the
    period would be counted from it (2024-01-31 as a month would end 2024-02-29)."""
    import numpy as np

    from forecast.engine.ingest.regularise import period_starts
    from forecast.engine.ingest.regularise import periods as period_codes

    days = pd.DatetimeIndex([first, last]).to_numpy(dtype="datetime64[ns]")
    starts = period_starts(period_codes(days, freq), freq)
    if not np.array_equal(starts, days):
        raise ValueError(f"{first}..{last}: not period starts of {freq}")
    periods = overrides.horizon_periods([first, last], freq)
    return periods[schema.DS].min().date(), periods["end"].max().date()


def span_text(freq: str, first: Any, last: Any) -> str:
    """The one way a horizon (or any run of periods) is written: ``2011-10-01..2011-12-30``, its
    first day to its last (``period_span``), the days an event's dates are checked against;
    ``None..None`` where a plan does not know them (as it was written before)."""
    if not first or not last:
        return f"{first}..{last}"
    start, end = period_span(freq, first, last)
    return f"{start}..{end}"


def horizon_text(state: PlanState) -> str:
    """The plan's horizon as `span_text` writes it."""
    return span_text(state.freq, state.baseline.start, state.baseline.end)


def teams_text(team_attr: str | None) -> str:
    """How a plan's teams are made, in words: "teams by StoreType", or for a plan without a team
    dimension the one team it has (the Data page's "none: one team for all series")."""
    if team_attr:
        return f"teams by {team_attr}"
    return f"no team dimension: one team, {NO_TEAM!r}, for all series"


def teams_of(attributes: pd.DataFrame, team_attr: str | None) -> pd.Series:
    """unique_id -> team (str), from the plan's team dimension."""
    ids = attributes[schema.UNIQUE_ID].astype(str)
    if team_attr is None:
        return pd.Series(NO_TEAM, index=ids.values, name=schema.TEAM)
    return pd.Series(attributes[team_attr].astype(str).values, index=ids.values, name=schema.TEAM)


def require_role(state: PlanState, actor: str, role: str, doing: str) -> None:
    if not state.has_role(actor, role):
        # Who holds the role is told to members only: a non-member learns nothing of the plan.
        holders = sorted(u for u in state.members if state.has_role(u, role))
        held = f" (held by {', '.join(holders) or 'nobody'})" if actor in state.members else ""
        raise Forbidden(
            f"user {actor} may not {doing} on plan {state.plan_id}: that needs the {role} role{held}",
            Fix(FixKey.GRANT_ROLE, plan=state.plan_id, user=actor, role=role),
        )


def require_not_archived(state: PlanState, doing: str) -> None:
    """An archived plan is read-only until it is unarchived."""
    if state.archived:
        raise Locked(
            f"plan {state.plan_id} ({state.name!r}) is archived and read-only, so you cannot "
            f"{doing}",
            Fix(FixKey.UNARCHIVE_PLAN, plan=state.plan_id),
        )


def require_unlocked(state: PlanState, doing: str) -> None:
    require_not_archived(state, doing)
    if state.locked:
        raise Locked(
            f"plan {state.plan_id} is {state.status} and read-only, so you cannot {doing}",
            Fix(FixKey.NEW_VERSION, plan=state.plan_id),
        )


def change_plan(
    store: PlanRepository,
    plan: str,
    *,
    actor: str,
    action: str,
    mutate: Callable[[PlanState], tuple[str, Any, Any]],
    expected_version: int | None = None,
    role: str | None = None,
    doing: str | None = None,
    reason: str | None = None,
    allow_locked: bool = False,
    blobs: Mapping[str, bytes | None] | None = None,
    allow_archived: bool = False,
    guard: Callable[[PlanState], None] | None = None,
    authorize: Callable[[PlanState], None] | None = None,
) -> PlanState:
    """Load, check, mutate, save: the one write path of every use case.

    `mutate(state)` changes the given copy in place (raise ``Invalid`` etc. to refuse; nothing is
    written then) and returns ``(what, before, after)`` for the audit log. `blobs` are written in
    the same transaction. Returns the saved state at its new version.

    Without an `expected_version` ("whatever is current"), a save that loses a race to another
    writer is redone on the fresh state (mutate runs again) for as long as it takes: every lost
    race means another writer made progress, and mutate re-checks the change on the fresh state
    and refuses (with its reason) once it no longer applies. So mutate must be valid on any later
    state: it finds what it changes in the state it is given (an event by its id), not in the
    state read before.

    An archived plan is refused whatever `allow_locked` says (only `unarchive` passes
    `allow_archived`). `guard(state)` refuses what no version of the plan would allow (e.g. an
    edit of an agreed negotiation): like the role, archive and lock checks it runs before the
    version check, so an edit from a stale page is told the plan is read-only, not to reload
    and try again (also when the save itself finds the plan moved on). `authorize(state)` stands
    in for `role` where more than one role's holder may act (it runs where the role check does)."""
    check_actor(actor)
    check_text("a change's reason", reason)
    retry = expected_version is None
    attempt = 0
    while True:
        attempt += 1
        state = get_plan(store, plan)
        doing = doing or action.replace("_", " ")
        if role is not None:
            require_role(state, actor, role, doing)
        if authorize is not None:
            authorize(state)
        if not allow_archived:
            require_not_archived(state, doing)
        if not allow_locked:
            require_unlocked(state, doing)
        if guard is not None:
            guard(state)
        expected = state.version if expected_version is None else int(expected_version)
        if expected != state.version:
            # Fail early with the audit-based message; the store re-checks atomically on save.
            raise store.stale_error(state.plan_id, expected)
        working = state.copy()
        what, before, after = mutate(working)
        check_counts(state, working)  # every write path: events, explanations, factors
        # The plan totals rest on the events and the data: rewritten with them, in one transaction.
        totals = plan_totals.written_with(store, state, working, blobs)
        try:
            saved = store.save(
                working,
                Change(
                    actor=actor,
                    action=action,
                    what=what,
                    before=before,
                    after=after,
                    reason=reason,
                ),
                expected_version=expected,
                blobs={**(blobs or {}), **totals.blobs} if totals else blobs,
            )
        except StaleVersion:
            if not retry:
                if guard is not None or not allow_locked:
                    # the plan moved on under the save: read-only now says so, not "reload"
                    fresh = get_plan(store, plan)
                    if not allow_locked:
                        require_unlocked(fresh, doing)
                    if guard is not None:
                        guard(fresh)
                raise
            # Another writer saved first, so the plan moved on: redo the change on the fresh
            # state (mutate refuses, with its reason, once the change no longer applies there).
            time.sleep(min(0.05, 0.001 * attempt) * random.random())
            continue
        if totals is not None:
            totals.keep(store, saved)
        elif not blobs and _same_read_model_inputs(state, working):
            carry_read_models(store, state, saved)
        return saved


def _same_read_model_inputs(before: PlanState, after: PlanState) -> bool:
    """Whether a change left what the system plan is computed from as it was (its data blobs
    aside): the events, the team dimension and the calendar."""
    return (
        before.events == after.events
        and before.team_attr == after.team_attr
        and before.freq == after.freq
    )


def plan_teams(store: PlanRepository, plan: str) -> list[str]:
    """The teams of a plan (values of its team attribute), sorted."""
    return state_teams(store, get_plan(store, plan))


def state_teams(store: PlanRepository, state: PlanState) -> list[str]:
    attributes = version_frame(store, state, ATTRIBUTES)  # read once per version, shared
    return sorted(teams_of(attributes, state.team_attr).unique().tolist())


def team_list_text(store: PlanRepository, state: PlanState) -> str:
    return ", ".join(state_teams(store, state))
