"""Use cases of plans as a whole: create, read, list, members, versions, audit, archive.

``change_plan`` is the one way every track writes a plan: it loads the plan, checks role and lock,
lets a callback mutate a copy, and saves it with one audit row in one transaction (optimistic
locking on ``expected_version``; ``None`` means "the version I just read").
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from forecast import bounds, overrides, schema
from forecast.bounds import MAX_HORIZON as MAX_HORIZON  # re-exported for the pages
from forecast.bounds import horizon_problem
from forecast.engine import label_notes
from forecast.plan import (
    AGREED,
    DRAFT,
    ROLES,
    BaselineInfo,
    DatasetInfo,
    PlanState,
    utc_now,
)
from forecast.services import accounts, accuracy_grid, model_names, plan_totals
from forecast.services.cache import PerStoreCache
from forecast.services.errors import (
    Conflict,
    Fix,
    FixKey,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    ServiceError,
    StaleVersion,
)
from forecast.services.series_frames import labels_of
from forecast.store import (
    Account,
    AuditEntry,
    Change,
    PastActuals,
    PastChange,
    PlanRepository,
    PlanSummary,
    frame_from_bytes,
    frame_to_bytes,
)
from forecast.vocabulary import SERIES_STANDINGS

Progress = Callable[[float, str], None]

HISTORY = "history"
ATTRIBUTES = "attributes"
BASELINE = "baseline"
NO_TEAM = "all"  # the one team when a plan has no team dimension


@dataclass
class PlanFrames:
    history: pd.DataFrame  # unique_id, ds, y (+ flag columns)
    attributes: pd.DataFrame  # unique_id + attribute columns (str)
    baseline: pd.DataFrame  # unique_id, ds, baseline, intervals, model


# -- reading ---------------------------------------------------------------------------------


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


NAME_TAKEN = "nothing was created"
NAME_TAKEN_FIXED = Fix(FixKey.CHOOSE_PLAN_NAME)
"""What a refusal of a taken name says was done (its fix: ``FixKey.CHOOSE_PLAN_NAME``)."""


class Likeness(Protocol):
    """What a plan made like another takes from it (`plan_like`): the attribute columns its file
    lacks, then, once the new plan is computed, the other plan's members and events."""

    def attributes(self, history: pd.DataFrame, attributes: pd.DataFrame | None) -> pd.DataFrame:
        """The new file's attributes with the other plan's columns it has none of."""
        ...

    def carry(
        self, state: PlanState, attributes: pd.DataFrame, baseline: pd.DataFrame
    ) -> tuple[str, dict[str, Any]]:
        """Put the other plan's members and events on the new plan (in place): the creation's
        audit row's words and record of what was carried."""
        ...


def _newest_version(store: PlanRepository, same_name: list[PlanSummary]) -> PlanSummary | None:
    """The plan of `same_name` that all the others are ancestors of (one line of versions,
    through plans of other names too); None for none, or for two lines (two plans made apart,
    or two new versions of one plan), where the name alone does not say which is meant."""
    for candidate in same_name:
        line = _ancestors(store, candidate.plan_id)
        if all(s.plan_id in line for s in same_name if s.plan_id != candidate.plan_id):
            return candidate
    return None


def _ancestors(store: PlanRepository, plan_id: str) -> set[str]:
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


def load_blob_frame(store: PlanRepository, plan_id: str, kind: str) -> pd.DataFrame:
    return blob_frame(store.get_blob(plan_id, kind))


# The frames of a plan version that several read models start from (the system plan, the
# negotiation's series frame, the plan totals): read once per version, shared read-only.
_VERSION_FRAMES: PerStoreCache[pd.DataFrame] = PerStoreCache(size=6)


# Columns the read models never use, left unread: which model served each series (a string
# per series-period) is for the exports, which read the whole baseline.
VERSION_FRAME_SKIPS = {BASELINE: ("model",)}


def version_frame(store: PlanRepository, state: PlanState, kind: str) -> pd.DataFrame:
    """`load_blob_frame` of this plan version without `VERSION_FRAME_SKIPS`, shared between
    callers: read it, never change it."""
    return _VERSION_FRAMES.get(
        store,
        state,
        (state.plan_id, state.version, kind),
        lambda: blob_frame(store.get_blob(state.plan_id, kind), VERSION_FRAME_SKIPS.get(kind, ())),
    )


_SERIES_MODELS: PerStoreCache[dict[str, str]] = PerStoreCache(size=4)


def series_models(store: PlanRepository, state: PlanState) -> dict[str, str]:
    """Which model served each series of this plan (its ``model`` label), read from the
    baseline's two columns only, once per baseline (events and publishing leave it as it is)."""

    def read() -> dict[str, str]:
        columns = [schema.UNIQUE_ID, schema.MODEL]
        return labels_of(blob_frame(store.get_blob(state.plan_id, BASELINE), columns=columns))

    key = (state.plan_id, store.blob_hashes(state.plan_id).get(BASELINE))
    return _SERIES_MODELS.get(store, state, key, read)


@dataclass(frozen=True)
class SeriesStanding:
    """The series of a plan the model asked for did not serve, as their ``model`` labels say
    (`engine.label_notes.standing`, the one reader): those read as ended (a closed store:
    forecast as 0) with the date of each one's last row, the special cases served before any
    model is tried (too short, constant, mostly or all without sales), and those a fallback
    model served (the model asked for failed)."""

    ended: dict[str, date] = field(default_factory=dict)
    on_fallback: tuple[str, ...] = ()
    special: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ended or self.on_fallback or self.special)

    def series(self, standing: str) -> list[str]:
        """The series of a `vocabulary.SERIES_STANDINGS` choice: "ended", "special",
        "fallback", or "other-model" (all three: what `served_by_fallback` lists)."""
        if standing not in SERIES_STANDINGS:
            raise Invalid(
                f"standing must be one of {', '.join(SERIES_STANDINGS)}, got {standing!r}"
            )
        if standing == "other-model":
            return sorted({*self.ended, *self.special, *self.on_fallback})
        chosen = {"ended": self.ended, "special": self.special, "fallback": self.on_fallback}
        return list(chosen[standing])

    def text(self) -> str:
        """``2 series ended (forecast as 0), 1 special case (...), 3 on a fallback model``."""
        parts = []
        if self.ended:
            parts.append(f"{len(self.ended):,} series ended (forecast as 0)")
        if self.special:
            cases = "special case" if len(self.special) == 1 else "special cases"
            parts.append(
                f"{len(self.special):,} {cases} (too short, constant, mostly or all without sales)"
            )
        if self.on_fallback:
            parts.append(f"{len(self.on_fallback):,} on a fallback model")
        return ", ".join(parts)


def standing_of(labels: Mapping[str, str]) -> SeriesStanding:
    """`SeriesStanding` of the series' ``model`` labels (series key: label)."""
    ended: dict[str, date] = {}
    by_kind: dict[str, list[str]] = {label_notes.SPECIAL_CASE: [], label_notes.MODEL_FAILED: []}
    for uid, label in sorted(labels.items()):
        found = label_notes.standing(label)
        if found is None:
            continue
        if found.kind == label_notes.ENDED and found.ended is not None:
            ended[uid] = found.ended
        else:
            by_kind[found.kind].append(uid)
    return SeriesStanding(
        ended,
        tuple(by_kind[label_notes.MODEL_FAILED]),
        tuple(by_kind[label_notes.SPECIAL_CASE]),
    )


def series_standing(store: PlanRepository, state: PlanState) -> SeriesStanding:
    """How the series of this plan the model asked for did not serve stand."""
    return standing_of(series_models(store, state))


def served_by_fallback(
    store: PlanRepository, state: PlanState
) -> tuple[model_names.FallbackServed, ...]:
    """The series of this plan the model asked for did not serve (special cases, ended series,
    failed models: `SeriesStanding.series("other-model")`), each with the model that served it
    and why, as its ``model`` label says: what the Data page names after the plan is made
    (`model_names.served_by_fallback`)."""
    return model_names.served_by_fallback(series_models(store, state))


def keep_version_frame(
    store: PlanRepository, state: PlanState, kind: str, frame: pd.DataFrame
) -> None:
    """A writer that saved `state` without changing its `kind` blob hands on the `version_frame`
    it read of the version before (the same data)."""
    _VERSION_FRAMES.put(store, state, (state.plan_id, state.version, kind), frame)


def blob_frame(
    data: bytes, skip: Sequence[str] = (), columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A stored frame as the services read it: ids as str, dates as datetimes; the columns in
    `skip` are not read, nor any but `columns` when given."""
    if skip or columns is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        names = (
            list(columns) if columns is not None else pq.read_schema(pa.BufferReader(data)).names
        )
        names = [n for n in names if n not in skip]
        frame = pq.read_table(pa.BufferReader(data), columns=names).to_pandas()
    else:
        frame = frame_from_bytes(data)
    if schema.UNIQUE_ID in frame:
        frame[schema.UNIQUE_ID] = frame[schema.UNIQUE_ID].astype(str)
    if schema.DS in frame:
        frame[schema.DS] = pd.to_datetime(frame[schema.DS])
    return frame


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


# -- roles and changes -----------------------------------------------------------------------

GRANT, REVOKE = "grant", "revoke"
MEMBER_CHANGES = (GRANT, REVOKE)
"""The audit actions that change a plan's members (and so who leads which team)."""


def team_led_by(state: PlanState, user: str | None) -> str | None:
    """The team `user` leads on the plan, None when they lead none (not a lead, or no longer: a
    member whose lead role was revoked keeps their other roles, and the team recorded with it)."""
    if user is None or not state.has_role(user, "lead"):
        return None
    return state.team_of(user)


@dataclass(frozen=True)
class LeadChange:
    """What became of someone's lead of `team` (`led`): they lead `now` instead, or no team
    (None)."""

    led: str
    now: str | None


def lead_change_since(
    store: PlanRepository, plan: str, user: str | None, team: str, since: int
) -> LeadChange | None:
    """How `user`'s lead of `team` changed after version `since` (a page drawn then offered them
    that team's claim): their lead now, when someone else changed the members since and they no
    longer lead `team`; None when they still lead it or the members did not change."""
    if user is None:
        return None
    changed = [e for e in audit_log(store, plan) if e.version > since and e.actor != user]
    if not any(e.action in MEMBER_CHANGES for e in changed):
        return None
    now = team_led_by(get_plan(store, plan), user)
    return None if now == team else LeadChange(led=team, now=now)


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
            _carry_read_models(store, state, saved)
        return saved


def _same_read_model_inputs(before: PlanState, after: PlanState) -> bool:
    """Whether a change left what the system plan is computed from as it was (its data blobs
    aside): the events, the team dimension and the calendar."""
    return (
        before.events == after.events
        and before.team_attr == after.team_attr
        and before.freq == after.freq
    )


def _carry_read_models(store: PlanRepository, before: PlanState, saved: PlanState) -> None:
    """A save that changed neither the data nor the events, team dimension or calendar (an
    explanation, a threshold, a claim) leaves the frames the system plan is computed from, and
    the system plan itself, as they were: the new version reuses those read or computed for the
    version before, not reading and computing them again."""
    from forecast.services import system as system_track

    for kind in (HISTORY, ATTRIBUTES, BASELINE):
        _VERSION_FRAMES.carry(
            store,
            before,
            (before.plan_id, before.version, kind),
            saved,
            (saved.plan_id, saved.version, kind),
        )
    system_track.carry_series_plan(store, before, saved)


def _account_name(store: PlanRepository, user: str) -> str:
    """The account a typed name means, in its own spelling, matched as `--as` and a sign-in
    match it (`Piet` is piet's account); the name as typed when no account matches. A name that
    two accounts match (piet and PIET, in a store from before such names were refused) is
    refused, naming both."""
    return _matched_account(store, user)[0]


def _matched_account(store: PlanRepository, user: str) -> tuple[str, Account | None]:
    """``_account_name`` and the account it names (None: no account matches), read once."""
    account, either = accounts.matching(store, user)
    if either:
        raise NotFound(
            f"there is no account {user!r}, and the accounts {', '.join(either)} differ from it "
            "only in capitals: name the one you mean as it is spelled"
        )
    if account is None and user != user.strip():  # as a sign-in matches a typed name
        account = accounts.matching(store, user.strip())[0]
    return (account.name, account) if account is not None else (user, None)


def _require_account(store: PlanRepository, user: str) -> str:
    """Once the store has accounts, a role goes to an active one: a typo made a member nobody
    could sign in as, and a disabled account (someone who left) was put back on the plan
    unnoticed. The name is matched as `--as` and a sign-in match it (`Piet` is piet's account)
    and the account's own spelling is returned. A store from before accounts takes any name,
    as before."""
    if not accounts.has_accounts(store):
        return user
    user, account = _matched_account(store, user)
    if account is None:
        raise NotFound(
            f"there is no account {user!r}; an admin adds it with `forecast user add {user}` "
            "(`forecast user list` lists the accounts)"
        )
    if not account.active:
        raise Invalid(
            f"the account {user!r} is disabled, so it gets no role; if they are back, an admin "
            f"enables it first (`forecast user enable {user}`, or Enable under Accounts on the "
            "Plans page)"
        )
    return user


def grant(
    store: PlanRepository,
    plan: str,
    actor: str,
    user: str,
    role: str,
    team: str | None = None,
    expected_version: int | None = None,
) -> Granted:
    """Give `user` a role on the plan (its owner, or an admin account). A lead needs a team of the plan; a lead has
    one team, so making the lead of another team lead `team` moves them, and the result's note
    says so (and whether the team they leave has a lead)."""
    user = user.strip() if isinstance(user, str) else ""
    if not user:
        raise Invalid("grant needs a user name")
    check_actor(user)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    state = get_plan(store, plan)
    require_members_manager(store, state, actor, "grant roles")  # before the teams are named
    user = _require_account(store, user)
    if role == "lead":
        if not team:
            raise Invalid(
                "a lead needs a team",
                Fix(FixKey.CHOOSE_LEAD_TEAM, plan=state.plan_id, teams=_team_list(store, state)),
            )
        valid = _teams(store, state)
        if str(team) not in valid:
            raise NotFound(
                f"there is no team {team!r} in plan {state.plan_id}; teams are {', '.join(valid)}"
            )

    notes: list[str] = []

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        before = s.members[user].to_dict() if user in s.members else None
        notes[:] = [n for n in [lead_move(s, user, role, team)] if n]
        s.grant(user, role, str(team) if team is not None else None)
        suffix = f" for team {team}" if team else ""
        what = f"grant {role}{suffix} to {user}" + "".join(f" ({n})" for n in notes)
        return what, before, s.members[user].to_dict()

    saved = _change_members(store, state, actor, GRANT, "grant roles", mutate, expected_version)
    return Granted(saved, notes[0] if notes else None)


@dataclass(frozen=True)
class Granted:
    """The result of `grant`: the plan at its new version and, when the grant moved a lead from
    another team (a lead has one team), what moved in words (`note`), else None."""

    plan: PlanState
    note: str | None = None

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def version(self) -> int:
        return self.plan.version


def lead_move(state: PlanState, user: str, role: str, team: str | None) -> str | None:
    """What granting `user` the lead of `team` moves, in words: a lead has one team, so one who
    leads another team leads `team` instead, and the team they leave may be left without a lead
    ("lead-a now leads team b instead of team a; team a has no lead"). None when nothing moves."""
    member = state.members.get(user)
    if role != "lead" or team is None or member is None or "lead" not in member.roles:
        return None
    old = member.team
    if old is None or str(old) == str(team):
        return None
    others = sorted(
        name
        for name, m in state.members.items()
        if name != user and "lead" in m.roles and m.team == old
    )
    left = (
        f"team {old} is still led by {', '.join(others)}" if others else f"team {old} has no lead"
    )
    return f"{user} now leads team {team} instead of team {old}; {left}"


def copy_members(
    store: PlanRepository,
    plan: str,
    actor: str,
    source: str,
    *,
    expected_version: int | None = None,
) -> tuple[PlanState, list[str]]:
    """The members of `source` with their roles on `plan` too, in one audit row: a new cycle's
    plan gets the same planners, leads and co-owners without a grant each. The actor owns both
    plans, or is an admin (the members of a plan are told to its members only). A lead whose
    team `plan` does not have, and a member whose account is disabled, are left out and named in
    the returned notes; roles held already stay as they are."""
    origin = get_plan(store, source)
    require_members_manager(store, origin, actor, "copy the members of this plan")
    state = get_plan(store, plan)
    if origin.plan_id == state.plan_id:
        raise Invalid("a plan's members are its own already; name another plan to copy them from")
    teams = set(_teams(store, state))
    notes: list[str] = []
    disabled = disabled_members(store, origin)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        before = {u: m.to_dict() for u, m in s.members.items()}
        added, notes[:] = copy_roles(s, origin, teams, disabled)
        if not added:
            raise Invalid(
                f"nothing to copy: every member of plan {origin.plan_id} is on plan "
                f"{s.plan_id} already, or left out" + (f" ({'; '.join(notes)})" if notes else "")
            )
        what = f"copy members from plan {origin.plan_id}: {', '.join(added)}"
        if notes:
            what += f"; {'; '.join(notes)}"
        return what, before, {u: m.to_dict() for u, m in s.members.items()}

    saved = _change_members(store, state, actor, GRANT, "grant roles", mutate, expected_version)
    return saved, list(notes)


def copy_roles(
    state: PlanState, origin: PlanState, teams: Collection[str], disabled: Collection[str]
) -> tuple[list[str], list[str]]:
    """Grant on `state` (in place) the roles the members of `origin` hold there: what was added
    and what was left out, in words. A lead of a team `state` does not have (`teams`), a lead of
    another team here, and a member whose account is `disabled` are left out."""
    added: list[str] = []
    notes: list[str] = []
    for user, member in sorted(origin.members.items()):
        if user in disabled:  # someone who left: not put back on a plan unnoticed
            if any(not state.has_role(user, role) for role in member.roles):
                why = "the account is disabled"
                notes.append(f"{user} ({_roles_text(member)}) left out: {why}")
            continue
        for role in member.roles:
            here = state.members.get(user)
            if role == "lead" and str(member.team) not in teams:
                why = f"team {member.team} is not in this plan"
            elif role == "lead" and here is not None and here.team not in (None, member.team):
                why = f"they lead team {here.team} here, and a lead has one team"
            elif state.has_role(user, role):
                continue
            else:
                why = ""
            if why:
                notes.append(f"{user} (lead of team {member.team}) left out: {why}")
                continue
            state.grant(user, role, str(member.team) if role == "lead" else None)
            added.append(f"{user} as {role}{f' of team {member.team}' if role == 'lead' else ''}")
    return added, notes


def revoke(
    store: PlanRepository,
    plan: str,
    actor: str,
    user: str,
    role: str,
    *,
    expected_version: int | None = None,
) -> PlanState:
    """The owner (or an admin) takes `role` from `user` (one audit row). The last owner
    cannot be removed, nor the last owner whose account is active: a plan whose only owner is
    a disabled account has nobody who may change it but an admin."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    state = get_plan(store, plan)
    if user not in state.members:  # a member's name as the account spells it (`--as` alike)
        require_members_manager(store, state, actor, "change members")  # before naming any
        user = _account_name(store, user)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if not s.has_role(user, role):
            raise Invalid(f"user {user} is not {role} of plan {s.plan_id}; nothing to remove")
        owners = [u for u in s.members if s.has_role(u, "owner")]
        if role == "owner" and owners == [user]:
            raise Conflict(
                f"user {user} is the only owner of plan {s.plan_id}, and a plan keeps at least one "
                "owner",
                Fix(FixKey.ADD_OWNER, plan=s.plan_id),
            )
        active = active_names(store, owners)
        if role == "owner" and active == [user]:
            disabled = ", ".join(u for u in owners if u not in active)
            raise Conflict(
                f"user {user} is the only owner of plan {s.plan_id} whose account is active (the "
                f"account of {disabled} is disabled), and a plan keeps an owner who can sign in",
                Fix(FixKey.ADD_OWNER, plan=s.plan_id),
            )
        before = s.members[user].to_dict()
        s.revoke(user, role)
        after = s.members[user].to_dict() if user in s.members else None
        return f"revoke {role} from {user}", before, after

    return _change_members(store, state, actor, REVOKE, "change members", mutate, expected_version)


def require_members_open(state: PlanState, doing: str) -> None:
    """Members change until the plan is agreed (publishing freezes the system track only: the
    negotiation may still run on a published plan); an archived plan is read-only."""
    if state.status == AGREED:
        require_unlocked(state, doing)
    else:
        require_not_archived(state, doing)


@dataclass(frozen=True)
class MembersPermission:
    """Whether a user may add and remove members of the plan now; if not, why and the fix."""

    allowed: bool
    reason: str = ""
    fix: Fix | None = None


def members_permission(
    state: PlanState, user: str | None, *, admin: bool = False
) -> MembersPermission:
    """What the members editor says to `user` (`admin`: an active admin account): the guards
    `grant` and `revoke` run (the plan archived or agreed, then the owner role or an admin
    account), without changing anything."""
    try:
        require_members_open(state, "change members")
    except ServiceError as exc:
        return MembersPermission(False, exc.reason, exc.fix)
    if not user or not (admin or state.has_role(user, "owner")):
        who = user or "nobody"
        return MembersPermission(
            False, f"{who} cannot change members: only the plan's owner or an admin can."
        )
    return MembersPermission(True)


def disabled_members(store: PlanRepository, state: PlanState) -> set[str]:
    """The plan's members whose account is disabled (people who left): the members lists mark
    them (none in a store from before accounts)."""
    names = list(state.members)
    return set(names) - set(active_names(store, names))


def _roles_text(member: Any) -> str:
    return ", ".join(
        f"lead of team {member.team}" if role == "lead" else role for role in member.roles
    )


def is_admin(store: PlanRepository, user: str | None) -> bool:
    """Whether `user` is an active admin account."""
    account = accounts.active_account(store, user)
    return account is not None and account.is_admin


def active_names(store: PlanRepository, names: Sequence[str]) -> list[str]:
    """Those of `names` whose account is active (all of them in a store from before accounts,
    where any name was a member)."""
    if not accounts.has_accounts(store):
        return list(names)
    return [n for n in names if accounts.active_account(store, n) is not None]


def plans_left_without_owner(store: PlanRepository, name: str) -> list[PlanSummary]:
    """The plans still being planned (members may change: neither agreed nor archived) that
    `name` owns where no other owner has an active account: after `name` is disabled, only an
    admin can give them an owner again."""
    left = []
    for summary in list_plans(store, include_archived=False):
        state = store.get(summary.plan_id)
        if not state.has_role(name, "owner"):
            continue
        try:
            require_members_open(state, "change members")
        except ServiceError:
            continue
        others = [u for u in state.members if u != name and state.has_role(u, "owner")]
        if not any(accounts.active_account(store, u) is not None for u in others):
            left.append(summary)
    return left


def without_owner_note(
    summaries: Sequence[PlanSummary], name: str, *, admin_exists: bool = True
) -> str:
    """What to do about the plans `name` leaves without an active owner ('' for none). Only
    an admin can give them an owner: in a store without an active admin, how to make one."""
    if not summaries:
        return ""
    shown = ", ".join(f"{s.plan_id} ({s.name!r})" for s in summaries)
    first = summaries[0].plan_id
    each = "each" if len(summaries) > 1 else "it"
    note = (
        f"{name} was the only active owner of {shown}: give {each} an owner (`forecast plan grant "
        f"{first} USER --role owner --as ADMIN`, or an admin on the Plans page)"
    )
    if not admin_exists:
        note += (
            "; no active account is an admin, so make one first with "
            "`forecast user set NAME --admin`"
        )
    return note


@dataclass(frozen=True)
class DisabledAccount:
    """An account just disabled and the plans still being planned it leaves without an active
    owner (``plans_left_without_owner``)."""

    name: str
    plans_without_owner: list[PlanSummary]
    admin_exists: bool = True  # whether an active admin account is left to give them an owner

    @property
    def note(self) -> str:
        """What to do about those plans ('' for none): ``without_owner_note``."""
        return without_owner_note(
            self.plans_without_owner, self.name, admin_exists=self.admin_exists
        )


def disable_account(
    store: PlanRepository, name: str, *, actor: str | None, require_admin: bool = False
) -> DisabledAccount:
    """Disable `name`'s account (``accounts.disable``; with `require_admin`, by an admin other
    than `name`: ``accounts.disable_as``) and say which plans it leaves without an owner."""
    if require_admin:
        accounts.disable_as(store, actor, name)
    else:
        accounts.disable(store, name, actor=actor)
    admins = [a for a in accounts.list_users(store) if a.is_admin and a.active]
    return DisabledAccount(name, plans_left_without_owner(store, name), admin_exists=bool(admins))


def require_members_manager(
    store: PlanRepository, state: PlanState, actor: str, doing: str
) -> None:
    """The plan's owner or an admin account changes its members: an admin is the way back for a
    plan whose only owner has left (their account disabled)."""
    if state.has_role(actor, "owner") or is_admin(store, actor):
        return
    raise owner_or_admin_needed(state, actor, f"{doing} on plan {state.plan_id}")


def owner_or_admin_needed(
    state: PlanState, actor: str, doing: str, role: str = "the owner role"
) -> Forbidden:
    """The refusal of a change only an owner of the plan or an admin may make; a member is told
    who holds the owner role."""
    holders = sorted(u for u in state.members if state.has_role(u, "owner"))
    held = f" (held by {', '.join(holders) or 'nobody'})" if actor in state.members else ""
    return Forbidden(
        f"user {actor} may not {doing}: that needs {role}{held} or an admin account",
        Fix(FixKey.GRANT_ROLE, plan=state.plan_id, user=actor, role="owner"),
    )


def _change_members(
    store: PlanRepository,
    state: PlanState,
    actor: str,
    action: str,
    doing: str,
    mutate: Callable[[PlanState], tuple[str, Any, Any]],
    expected_version: int | None,
) -> PlanState:
    """The owner, or an admin account, changes who is on the plan (one audit row `action`,
    which says "as admin" when the admin is not an owner; `doing` names it in a refusal). Publishing freezes the system track only: the negotiation (leads, claims) may
    still run on a published plan, so members can change until the plan is agreed. A save that
    loses a race is redone (mutate re-checks the change on the fresh state)."""
    if state.status == AGREED:
        require_unlocked(state, doing)

    def recorded(s: PlanState) -> tuple[str, Any, Any]:
        as_admin = not s.has_role(actor, "owner")  # before mutate: an owner may grant themself
        what, before, after = mutate(s)
        return (f"{what} (as admin)" if as_admin else what), before, after

    return change_plan(
        store,
        state.plan_id,
        actor=actor,
        action=action,
        mutate=recorded,
        expected_version=expected_version,
        authorize=lambda s: require_members_manager(store, s, actor, doing),
        doing=doing,
        allow_locked=True,
    )


# -- archiving -------------------------------------------------------------------------------


def may_archive(store: PlanRepository, state: PlanState, user: str | None) -> bool:
    """The plan's owner or an admin account may archive and unarchive it."""
    if not user:
        return False
    if state.has_role(user, "owner"):
        return True
    account = accounts.active_account(store, user)
    return account is not None and account.is_admin


def archive(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> PlanState:
    """Retire a plan (its owner or an admin): left out of the plan lists and read-only until
    `unarchive`; it stays readable and exportable and nothing of it is deleted. One audit row."""
    return _set_archived(store, plan, actor, True, reason, expected_version)


def unarchive(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> PlanState:
    """Bring an archived plan back into the lists, editable as before (its owner or an admin).
    One audit row."""
    return _set_archived(store, plan, actor, False, reason, expected_version)


def _set_archived(
    store: PlanRepository,
    plan: str,
    actor: str,
    archived: bool,
    reason: str | None,
    expected_version: int | None,
) -> PlanState:
    doing = "archive" if archived else "unarchive"
    check_text(f"the reason to {doing} a plan", reason)
    state = get_plan(store, plan)
    if not may_archive(store, state, actor):
        where = f"{doing} plan {state.plan_id}"
        raise owner_or_admin_needed(state, actor, where, "the owner role on it")

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if s.archived == archived:
            already = (
                f"archived already (by {s.archived_by} at {s.archived_at})"
                if archived
                else "not archived"
            )
            raise Conflict(f"plan {s.plan_id} ({s.name!r}) is {already}; nothing to {doing}")
        before = {"archived_at": s.archived_at, "archived_by": s.archived_by}
        s.archived_at, s.archived_by = (utc_now(), actor) if archived else (None, None)
        after = {"archived_at": s.archived_at, "archived_by": s.archived_by}
        return f"{doing} plan {s.name!r}", before, after

    # Any stage: an agreed plan is the one most often retired (allow_locked); the archive
    # check itself is mutate's, so an archived plan may be unarchived.
    return change_plan(
        store,
        state.plan_id,
        actor=actor,
        action=doing,
        mutate=mutate,
        expected_version=expected_version,
        doing=f"{doing} it",
        reason=(reason or "").strip() or None,
        allow_locked=True,
        allow_archived=True,
    )


def may_view(state: PlanState, user: str | None, *, admin: bool = False) -> bool:
    """Members (and admins) see a plan; nobody else learns it exists."""
    return admin or (bool(user) and user in state.members)


def plans_visible_to(
    store: PlanRepository, user: str | None, *, admin: bool = False, include_archived: bool = True
) -> list[PlanSummary]:
    """The plans `user` is a member of (every plan for an admin), oldest first; the archived ones
    too unless `include_archived` is False."""
    summaries = list_plans(store, include_archived=include_archived)
    if admin:
        return summaries
    if not user:
        return []
    # The members alone, not every plan's document (`may_view` of each, without reading it).
    members = store.plan_members()
    return [s for s in summaries if user in members.get(s.plan_id, {})]


def member_sources(store: PlanRepository, plan: str, user: str | None) -> list[PlanSummary]:
    """The other plans whose members `user` may copy onto `plan` (`copy_members`): those they
    own (every plan for an admin), newest first; none unless they may change the members of
    `plan` (they own it or are an admin, and it is neither archived nor agreed)."""
    target = get_plan(store, plan) if user else None
    admin = is_admin(store, user)
    if target is None or not user or not members_permission(target, user, admin=admin).allowed:
        return []
    return [s for s in owned_plans(store, user) if s.plan_id != plan]


def owned_plans(store: PlanRepository, user: str | None) -> list[PlanSummary]:
    """The plans `user` owns (every plan for an admin account), newest first."""
    if not user:
        return []
    summaries = list_plans(store)
    if not is_admin(store, user):
        members = store.plan_members()  # the members alone, not every plan's document
        summaries = [s for s in summaries if "owner" in members.get(s.plan_id, {}).get(user, [])]
    return sorted(summaries, key=lambda s: s.created_at, reverse=True)


def plan_to_open(summaries: Sequence[PlanSummary]) -> PlanSummary | None:
    """The plan a dashboard opens on when none is remembered: the newest still being planned
    (not yet agreed), else the newest. An agreed plan added later, such as a held-out plan kept
    for scoring, does not take the place of the round in progress."""
    in_progress = [s for s in summaries if s.status != AGREED]
    chosen = in_progress or list(summaries)
    return max(chosen, key=lambda s: (s.created_at, s.plan_id)) if chosen else None


def plan_teams(store: PlanRepository, plan: str) -> list[str]:
    """The teams of a plan (values of its team attribute), sorted."""
    return _teams(store, get_plan(store, plan))


def _teams(store: PlanRepository, state: PlanState) -> list[str]:
    attributes = load_blob_frame(store, state.plan_id, ATTRIBUTES)
    return sorted(teams_of(attributes, state.team_attr).unique().tolist())


def _team_list(store: PlanRepository, state: PlanState) -> str:
    return ", ".join(_teams(store, state))


# -- creating --------------------------------------------------------------------------------


def history_hash(history: pd.DataFrame) -> str:
    """Content hash of the history's ids, dates and values (independent of Parquet encoding)."""
    core = history[[schema.UNIQUE_ID, schema.DS, schema.Y]]
    hashed = pd.util.hash_pandas_object(core, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def new_plan_id(draw: Callable[[], str] = lambda: uuid.uuid4().hex[:8]) -> str:
    """Eight hex digits that never read as a number: spreadsheets and pandas turn an id like
    ``293039e0`` or ``12345678`` in a CSV download into 293039 or 12345678.0."""
    while True:
        plan_id = draw()
        if not _reads_as_number(plan_id):
            return plan_id


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


class InvalidFile(Invalid):
    """A sales file that cannot be read; ``problems`` holds each one with its row and column."""

    def __init__(self, message: str, problems: Sequence[Any], fix: Fix | None = None):
        super().__init__(message, fix)
        self.problems = list(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.problems, self.fix))


def read_file(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    attributes_filename: str | None = None,
    week_dates: str = "start",
    decimal: str | None = None,
) -> Any:
    """Read a sales file into the long contract without storing anything (the upload preview).

    Returns the ingest result (history, attributes, freq, flags, mapping, report); raises
    ``InvalidFile`` listing every problem."""
    from forecast.engine.ingest import IngestError, read_sales

    options: dict[str, Any] = {}
    if id_cols:
        options["id_cols"] = list(id_cols)
    if date_col:
        options["date_col"] = date_col
    if value_col:
        options["value_col"] = value_col
    if freq:
        options["freq"] = freq
    if attributes_file:
        options["attributes_file"] = attributes_file
        options["attributes_filename"] = attributes_filename
    if week_dates != "start":
        options["week_dates"] = week_dates
    if decimal is not None:
        options["decimal"] = decimal
    try:
        return read_sales(source, filename=filename, **options)
    except IngestError as exc:
        raise InvalidFile(str(exc), exc.problems) from exc


def create_plan(
    store: PlanRepository,
    *,
    name: str,
    source: str | Path | bytes,
    horizon: int,
    team_attr: str | None,
    actor: str,
    filename: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    attributes_filename: str | None = None,
    freq: str | None = None,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    model: str = "auto",
    levels: Sequence[int] = schema.DEFAULT_LEVELS,
    threshold: float = 0.20,
    currency: str | None = "EUR",
    jobs: int = 1,
    progress: Progress | None = None,
    week_dates: str = "start",
    decimal: str | None = None,
    like: Likeness | None = None,
) -> PlanState:
    """Ingest a sales file, compute the baseline, and store a new draft plan (one transaction).
    `like`: what the plan takes from another (`plan_like.create_plan_like`).
    ``week_dates="end"``: a weekly file dates each week by its last day (see ``read_sales``);
    the plan keeps that, so its actuals are read the same way.

    Ingest problems are raised as ``Invalid`` listing every problem; nothing is stored then."""
    _check_plan_inputs(name, horizon, threshold)
    refuse_taken_name(store, name, actor, doing=NAME_TAKEN, fix=NAME_TAKEN_FIXED)  # first
    _currency(currency)  # refuse a bad code before reading the file
    check_model(model)
    if filename is not None:  # a browser's file name: its base name, at most ~200 characters
        filename = bounds.base_filename(filename)
    _report(progress, 0.0, "reading the sales file")
    result = read_file(
        source,
        filename=filename,
        id_cols=id_cols,
        date_col=date_col,
        value_col=value_col,
        freq=freq,
        attributes_file=attributes_file,
        attributes_filename=attributes_filename,
        week_dates=week_dates,
        decimal=decimal,
    )
    if filename is None and not isinstance(source, bytes):
        filename = Path(source).name
    mapping = getattr(result, "mapping", None)
    report = getattr(result, "report", None)
    return create_plan_from_frames(
        store,
        name=name,
        history=result.history,
        attributes=result.attributes,
        freq=result.freq,
        horizon=horizon,
        team_attr=team_attr,
        actor=actor,
        flags=list(result.flags),
        filename=filename,
        mapping=_jsonable(mapping) | _daily_history_facts(report) | _summed_rows_fact(report),
        notes=[str(n) for n in (getattr(report, "notes", None) or [])],
        model=model,
        levels=levels,
        threshold=threshold,
        currency=currency,
        jobs=jobs,
        progress=progress,
        like=like,
        _progress_start=READ_SHARE,
    )


def shut_weekdays(state: PlanState) -> tuple[int, ...]:
    """The weekdays (Monday 0) the plan's daily history never had (`_daily_history_facts`), as
    whole numbers 0..6 only: a plan document may come from an imported bundle, and a value of
    another kind there is no weekday."""
    kept = (state.dataset.mapping or {}).get("weekdays_never") or ()
    if not isinstance(kept, list | tuple):
        return ()
    return tuple(
        sorted(
            {day for day in kept if isinstance(day, int) and not isinstance(day, bool)}
            & set(range(7))
        )
    )


def _daily_history_facts(report: Any) -> dict[str, Any]:
    """What the plan keeps of its daily history for reading its actuals: the weekdays it never
    has (Monday 0: shops shut on Sundays), so a week of actuals without them is whole, and that
    its days were all there (`dense_days`), so a day an actuals file skips is missing."""
    out: dict[str, Any] = {}
    never = list(getattr(report, "weekdays_never", None) or [])
    if never:
        out["weekdays_never"] = never
    if str(getattr(report, "native_freq", "") or "").startswith("D") and getattr(
        report, "dates_regular", False
    ):
        out["dense_days"] = True
    return out


SAME_DATE_ROWS_SUMMED = "same_date_rows_summed"
"""The plan's mapping key saying that its history file had several rows of a series on one date
(order lines), summed: its actuals in the same layout are summed as well (`read_actuals`)."""


def _summed_rows_fact(report: Any) -> dict[str, Any]:
    """Whether the history summed rows sharing a series and date, for reading its actuals."""
    return {SAME_DATE_ROWS_SUMMED: True} if getattr(report, "same_date_summed", 0) else {}


def _jsonable(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return dict(obj)
    return {"value": str(obj)}


def check_model(model: str) -> None:
    from forecast.engine.baseline import MODELS

    if model not in MODELS:
        raise Invalid(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


def _currency(code: str | None) -> str | None:
    from forecast.money import MoneyError, check_plan_currency, normalise_currency

    try:
        currency = normalise_currency(code)
        check_plan_currency(currency)
        return currency
    except MoneyError as exc:
        raise Invalid.from_error(exc) from exc


MAX_PLAN_NAME = 200
MAX_ACTOR_NAME = 100


def check_plan_name(name: str) -> str:
    """The same limits on SQLite and PostgreSQL (which would refuse an over-long VARCHAR)."""
    name = (name or "").strip()
    if not name:
        raise Invalid("a plan needs a name", Fix(FixKey.NAME_PLAN))
    if len(name) > MAX_PLAN_NAME:
        raise Invalid(
            f"a plan name has at most {MAX_PLAN_NAME} characters; this one has {len(name)}: "
            "choose a shorter name"
        )
    if problem := bounds.control_problem("a plan name", name, one_line=True):
        raise Invalid(problem)
    return name


def check_text(field: str, text: str | None, limit: int = bounds.MAX_TEXT_CHARS) -> None:
    """Refuse free text over its bound (`forecast.bounds`: notes, reasons and explanations a
    few thousand characters, names ~200), naming the field, the limit and the length; and
    anything but text (a grid's cell sent as a number reached `len`, or a 0 emptied it)."""
    if text is not None and not isinstance(text, str):
        raise Invalid(f"{field} is text, not {text!r}; nothing was changed")
    problem = bounds.text_problem(field, text, limit)
    if problem is not None:
        raise Invalid(problem + "; nothing was changed")


def check_actor(actor: str) -> None:
    if len(actor or "") > MAX_ACTOR_NAME:
        raise Invalid(f"a user name has at most {MAX_ACTOR_NAME} characters")


def refuse_taken_name(
    store: PlanRepository,
    name: str,
    actor: str | None,
    *,
    doing: str,
    why: str = "",
    fix: Fix | None = None,
    allowed_line: str | None = None,
) -> None:
    """``Conflict`` when a plan here is named `name` already (a name must say which plan it
    means: `get_plan`); the plan is named only to someone who may see it (``may_view``).
    `allowed_line`: a plan whose versions may share the name (a new version of it)."""
    taken = [s for s in list_plans(store) if s.name == name.strip()]
    if not taken or (allowed_line is not None and _same_line(store, taken, allowed_line)):
        return
    account = accounts.active_account(store, actor)
    admin = bool(account and account.is_admin)
    seen = [s for s in taken if may_view(store.get(s.plan_id), actor, admin=admin)]
    found = ", ".join(
        f"{s.plan_id} (version {s.version}, {s.status}{', archived' if s.archived else ''})"
        for s in seen
    )
    where = f": {found}{why}" if len(seen) == len(taken) else ""
    if fix is not None and fix.key == FixKey.CHOOSE_PLAN_NAME and seen:
        fix = fix.given(plan=seen[0].plan_id)  # the plan to make like, or a new version of
    raise Conflict(f"there is already a plan named {name.strip()!r} here{where}; {doing}", fix)


def add_under_name(
    store: PlanRepository,
    state: PlanState,
    blobs: Mapping[str, bytes],
    change: Change,
    actor: str,
    *,
    doing: str,
    why: str = "",
    fix: Fix | None = None,
    line: Collection[str] = (),
    history: Sequence[PastChange] = (),
    actuals: Sequence[PastActuals] = (),
) -> PlanState:
    """``store.add``, whose writing transaction refuses a name another plan took meanwhile (two
    plans made at once under one name); the refusal then names that plan as
    ``refuse_taken_name`` does. `line`: the versions a new version continues; `history` and
    `actuals`: an imported plan's, written in the same transaction."""
    try:
        return store.add(state, blobs, change, line=line, history=history, actuals=actuals)
    except Conflict:
        refuse_taken_name(store, state.name, actor, doing=doing, why=why, fix=fix)
        raise


def _same_line(store: PlanRepository, taken: list[PlanSummary], plan_id: str) -> bool:
    """Whether every plan of `taken` is `plan_id` or one of its ancestors (a line of versions
    that a new version of `plan_id` continues)."""
    line = {plan_id} | _ancestors(store, plan_id)
    return all(s.plan_id in line for s in taken)


MAX_THRESHOLD = 1.0
"""The largest deviation threshold, as a fraction (100 %): above it the gate would mark almost
nothing (only cells more than doubled or wiped out), which is never a planner's intent."""


def threshold_problem(threshold: float) -> str | None:
    """Why `threshold` (a fraction: 0.2 = 20 %) cannot be a plan's deviation threshold, or None:
    it must be more than 0 % and at most 100 %."""
    value = float(threshold)
    if 0 < value <= MAX_THRESHOLD:
        return None
    shown = f"{100 * value:,.6g} % (the fraction {value:g})" if value == value else "no number"
    return (
        "the deviation threshold must be more than 0 % and at most 100 % (as a fraction, "
        f"more than 0 and at most 1: 0.2 is 20 %), got {shown}"
    )


def _check_plan_inputs(name: str, horizon: int, threshold: float) -> None:
    check_plan_name(name)
    if (problem := horizon_problem(int(horizon))) is not None:
        raise Invalid(problem)
    if (problem := threshold_problem(threshold)) is not None:
        raise Invalid(problem)


def create_plan_from_frames(
    store: PlanRepository,
    *,
    name: str,
    history: pd.DataFrame,
    attributes: pd.DataFrame | None,
    freq: str,
    horizon: int,
    team_attr: str | None,
    actor: str,
    baseline: pd.DataFrame | None = None,
    flags: Sequence[str] | None = None,
    filename: str | None = None,
    mapping: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
    model: str = "auto",
    levels: Sequence[int] = schema.DEFAULT_LEVELS,
    threshold: float = 0.20,
    currency: str | None = "EUR",
    jobs: int = 1,
    progress: Progress | None = None,
    parent_id: str | None = None,
    like: Likeness | None = None,
    _progress_start: float = 0.0,
) -> PlanState:
    """Store a new draft plan from frames already in the long contract.

    Without `baseline`, it is computed with ``forecast.engine.baseline.forecast_baseline``."""
    actor = (actor or "").strip()
    if not actor:
        raise Invalid("the plan needs an author", Fix(FixKey.NAME_USER))
    _check_plan_inputs(name, horizon, threshold)
    refuse_taken_name(store, name, actor, doing=NAME_TAKEN, fix=NAME_TAKEN_FIXED)
    currency = _currency(currency)
    try:
        history = schema.validate_history(history)
    except schema.SchemaError as exc:
        raise Invalid.from_error(exc) from exc
    if history.empty:
        raise Invalid("the history has no rows; nothing to plan")
    if like is not None:
        attributes = like.attributes(history, attributes)
    attributes = _check_attributes(history, attributes, team_attr)
    if flags is None:
        flags = [
            c
            for c in history.columns
            if c not in (schema.UNIQUE_ID, schema.DS, schema.Y)
            and pd.api.types.is_numeric_dtype(history[c])
            and history[c].dropna().isin([0, 1]).all()
        ]
    if baseline is None:
        shut = (mapping or {}).get("weekdays_never") or ()
        baseline = _compute_baseline(
            history, horizon, freq, model, levels, jobs, progress, _progress_start, shut
        )
    from forecast.engine.baseline import SELECTION

    selection = dict(baseline.attrs.get(SELECTION) or {})
    try:
        baseline = schema.validate_baseline(baseline)
    except schema.SchemaError as exc:
        raise Invalid.from_error(exc) from exc

    ds = history[schema.DS]
    state = PlanState(
        plan_id=new_plan_id(),
        name=name.strip(),
        freq=freq,
        horizon=int(horizon),
        team_attr=team_attr,
        created_by=actor,
        status=DRAFT,
        parent_id=parent_id,
        threshold=float(threshold),
        currency=currency,
        dataset=DatasetInfo(
            filename=filename,
            history_hash=history_hash(history),
            n_series=int(history[schema.UNIQUE_ID].nunique()),
            start=ds.min().date().isoformat(),
            end=ds.max().date().isoformat(),
            flags=list(flags),
            attribute_columns=[c for c in attributes.columns if c != schema.UNIQUE_ID],
            mapping=mapping or {},
            notes=list(notes),
        ),
        baseline=baseline_info(baseline, model, levels, selection),
    )
    _check_bounds(history, baseline)
    _report(progress, BASELINE_DONE, "calibrating the stretch probability on past team totals")
    state.stretch_calibration = _stretch_calibration(history, attributes, state)
    _report(progress, CALIBRATED, "saving the plan")
    state.grant(actor, "owner")
    state.grant(actor, "planner")
    carried_what, carried = like.carry(state, attributes, baseline) if like else ("", {})
    history_bytes = frame_to_bytes(history)
    blobs = {
        HISTORY: history_bytes,
        ATTRIBUTES: frame_to_bytes(attributes),
        BASELINE: frame_to_bytes(baseline),
        accuracy_grid.SCALES_BLOB: accuracy_grid.scales_blob(history_bytes, state.freq),
    }
    blobs |= plan_totals.for_new_plan(state, blobs)
    change = Change(
        actor=actor,
        action="create",
        what=f"create plan {state.name!r} ({state.dataset.n_series} series, horizon "
        f"{state.horizon} x {freq}, {teams_text(team_attr)}){carried_what}",
        after={"name": state.name, "history_hash": state.dataset.history_hash} | carried,
    )
    saved = add_under_name(
        store, state, blobs, change, actor, doing=NAME_TAKEN, fix=NAME_TAKEN_FIXED
    )
    _report(progress, 1.0, "done")
    return saved


# Where plan creation's progress stands after each step (fractions of the whole).
READ_SHARE = 0.1  # the file is read
SELECTION_DONE = 0.45  # model="auto" has chosen its model (backtests on a sample of series)
BASELINE_DONE = 0.88  # every series is fitted
CALIBRATED = 0.95  # the stretch calibration is done; then the plan is saved


def _compute_baseline(
    history: pd.DataFrame,
    horizon: int,
    freq: str,
    model: str,
    levels: Sequence[int],
    jobs: int,
    progress: Progress | None,
    start: float,
    shut_weekdays: Sequence[int] = (),
) -> pd.DataFrame:
    """The baseline of every series, with progress moving through the model choice (auto) and
    the fits; 0 on the weekdays a daily history never has (`shut_weekdays`)."""
    from forecast.engine.baseline import forecast_baseline

    check_model(model)
    n_series = history[schema.UNIQUE_ID].nunique()
    fit_start = max(start, SELECTION_DONE) if model == "auto" else start
    if model == "auto":
        _report(
            progress, start, f"choosing the model for {n_series:,} series (backtests on a sample)"
        )
    else:
        _report(progress, start, f"computing the baseline ({model}) for {n_series:,} series")

    def step(low: float, high: float, what: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None

        def report(done: int, total: int) -> None:
            share = done / total if total else 1.0
            message = what.format(done=f"{done:,}", total=f"{total:,}")
            _report(progress, low + (high - low) * share, message)

        return report

    try:
        return forecast_baseline(
            history[[schema.UNIQUE_ID, schema.DS, schema.Y]],
            int(horizon),
            freq=freq,
            levels=tuple(levels),
            model=model,
            jobs=jobs,
            progress=step(
                fit_start, BASELINE_DONE, f"baseline ({model}): {{done}} of {{total}} series fitted"
            ),
            selection_progress=step(
                start, fit_start, "choosing the model: {done} of {total} backtests run"
            ),
            shut_weekdays=shut_weekdays,
        )
    except schema.SchemaError as exc:
        raise Invalid.from_error(exc) from exc


def baseline_info(
    baseline: pd.DataFrame,
    model: str,
    levels: Sequence[int],
    selection: dict[str, Any] | None = None,
) -> BaselineInfo:
    per_series = baseline.drop_duplicates(schema.UNIQUE_ID)[schema.MODEL].astype(str)
    return BaselineInfo(
        model=model,
        levels=[int(x) for x in (schema.levels_in(baseline) or list(levels))],
        start=baseline[schema.DS].min().date().isoformat(),
        end=baseline[schema.DS].max().date().isoformat(),
        models_used={str(k): int(v) for k, v in per_series.value_counts().sort_index().items()},
        computed_at=utc_now(),
        selection=dict(selection or {}),
    )


def _check_attributes(
    history: pd.DataFrame, attributes: pd.DataFrame | None, team_attr: str | None
) -> pd.DataFrame:
    ids = pd.Index(history[schema.UNIQUE_ID].unique())
    if attributes is None or attributes.empty:
        attributes = pd.DataFrame({schema.UNIQUE_ID: ids.astype(str)})
    if schema.UNIQUE_ID not in attributes:
        raise Invalid("the attributes table needs a unique_id column")
    attributes = attributes.copy()
    attributes[schema.UNIQUE_ID] = attributes[schema.UNIQUE_ID].astype(str)
    attributes = attributes.drop_duplicates(schema.UNIQUE_ID)
    for col in attributes.columns:
        if col != schema.UNIQUE_ID:
            attributes[col] = attributes[col].astype(str)
    if team_attr is not None and team_attr not in attributes:
        available = [c for c in attributes.columns if c != schema.UNIQUE_ID]
        raise Invalid(
            f"the team dimension {team_attr!r} is not an attribute of the series; available: "
            f"{', '.join(available) or 'none'}",
            None if available else Fix(FixKey.GIVE_ATTRIBUTES),
        )
    missing = ids.difference(pd.Index(attributes[schema.UNIQUE_ID]))
    if len(missing):
        shown = ", ".join(map(str, missing[:10]))
        raise Invalid(
            f"{len(missing)} series have no attributes row (e.g. {shown}); add them to the "
            "attributes file"
        )
    attributes = attributes[attributes[schema.UNIQUE_ID].isin(ids)]
    return attributes.sort_values(schema.UNIQUE_ID).reset_index(drop=True)


# -- versions --------------------------------------------------------------------------------


def new_version(store: PlanRepository, plan: str, actor: str, name: str | None = None) -> PlanState:
    """A new draft copied from a plan (typically a published or agreed one), with parent_id.

    Events, explanations, factors, members and negotiation state are carried over; the copy is a
    draft at version 1 whose creator (the actor, who must be the source's owner) owns it."""
    source = get_plan(store, plan)
    require_role(source, actor, "owner", "make a new version")
    if name is not None:
        check_plan_name(name)
    # A new version continues its plan's line under its name; one made from an older version
    # (a second line) or under another plan's name would leave the name meaning nothing.
    doing = (
        "make the new version from the newest version of that line, or give it another name "
        "(`forecast plan new-version PLAN --name NEW_NAME`)"
    )
    refuse_taken_name(store, name or source.name, actor, doing=doing, allowed_line=source.plan_id)
    copy = source.copy()
    copy.plan_id = new_plan_id()
    copy.parent_id = source.plan_id
    copy.status = DRAFT
    copy.name = (name or source.name).strip()
    copy.created_by = actor
    copy.created_at = utc_now()
    copy.published_at = None
    copy.published_by = None
    copy.archived_at = copy.archived_by = None  # a new version of an archived plan is live
    copy.grant(actor, "owner")
    copy.grant(actor, "planner")
    blobs = {
        kind: store.get_blob(source.plan_id, kind) for kind in store.blob_kinds(source.plan_id)
    }
    change = Change(
        actor=actor,
        action="new_version",
        what=f"new version of plan {source.plan_id} (version {source.version}, {source.status})",
        after={"parent_id": source.plan_id},
    )
    line = {source.plan_id} | _ancestors(store, source.plan_id)
    return add_under_name(store, copy, blobs, change, actor, doing=doing, line=line)


def _stretch_calibration(
    history: pd.DataFrame, attributes: pd.DataFrame, state: PlanState
) -> dict[str, Any]:
    """The backtest the stretch probability rests on (cheap: team totals, a cheap model)."""
    from forecast.services import stretch_calibration

    return stretch_calibration.of_state(
        state, history, teams_of(attributes, state.team_attr)
    ).to_dict()


def _check_bounds(history: pd.DataFrame, baseline: pd.DataFrame) -> None:
    """Values and totals within ``forecast.bounds``, so every sum in minor units stays exact."""

    for what, frame, col in (
        ("history", history, schema.Y),
        ("baseline", baseline, schema.BASELINE),
    ):
        values = frame[col].astype(float).abs()
        over = frame[~(values <= bounds.MAX_ABS_VALUE) & values.notna()]
        if len(over):
            row = over.iloc[0]
            raise Invalid(
                f"{what}: series {row[schema.UNIQUE_ID]} at {pd.Timestamp(row[schema.DS]).date()} "
                f"has {row[col]:g}, beyond the largest value accepted ({bounds.value_bound_text()}"
                f"; {len(over)} value(s) in all); check the sales column or report in thousands"
            )
        total_minor = float(values.sum()) * 100
        if total_minor > bounds.MAX_ABS_TOTAL_MINOR:
            raise Invalid(
                f"{what}: the plan's values add up to {total_minor / 100:.3g}, beyond the "
                f"{bounds.MAX_ABS_TOTAL_MINOR / 100:.3g} that keeps totals exact to the cent; "
                "report in thousands or split the plan"
            )
