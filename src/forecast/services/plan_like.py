"""A plan made like another from a longer sales file: the weekly rerun of a plan.

`create_plan_like` makes a new plan (a name of its own) from a file, taking from the other plan
whatever the caller does not give again: the team attribute, the attribute columns stored with it
when the new file has none, the frequency, how weeks are dated, the file's id, date and value
columns, the model, the currency, the deviation threshold and the horizon. The new plan gets the
other plan's members (as `plan_members.copy_members` gives them) and its events whose days still overlap
the new horizon: one partly outside it is clipped to it, one wholly outside is left out. The
events kept go through the checks `system.add_event` runs, on the new plan's baseline: one that
would plan a series-period there beyond `forecast.bounds` is left out too, and said. Each
carried event keeps its author and reason; the creation's one audit row says the plan was made
like the other and records which events came from it. Explanations are not carried: the
deviations of a new baseline are new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import bounds, schema
from forecast.money import NO_CURRENCY_TEXT
from forecast.overrides import (
    OFFER_COUNTS,
    SYSTEM_PLAN,
    Event,
    OverrideError,
    apply_events,
    cell_without_each,
    check_plan_bounds,
    horizon_periods,
    takes_offer,
    validate_event,
)
from forecast.plan import PlanState
from forecast.services import plan_access, plan_create, plan_frames, plan_members, plans, system
from forecast.services.errors import Fix, FixKey, Invalid, NotFound
from forecast.services.like_notes import LikeFix, LikeNote, WordsOf
from forecast.store import PlanRepository, PlanSummary

CARRIED = "carried"
CLIPPED = "clipped"
LEFT_OUT = "left out"
DOING = "make a plan like this one"


@dataclass(frozen=True)
class EventCarried:
    """What became of one event of the other plan: carried as it was, clipped to the new
    horizon (its new days), or left out (why); a clipped one that took the suggestion says
    what it keeps and how to take the one for its new days (`note`)."""

    event_id: str
    name: str
    outcome: str  # CARRIED, CLIPPED or LEFT_OUT
    detail: str = ""
    note: LikeNote | None = None

    def said(self, fixes: WordsOf | None = None) -> str:
        """The detail with the note's fix in the words of `fixes` (a face's)."""
        if self.note is None:
            return self.detail
        return f"{self.detail}; {self.note.text(fixes)}"

    def text(self, fixes: WordsOf | None = None) -> str:
        said = self.said(fixes)
        return f"{self.event_id} {self.name!r} {self.outcome}" + (f" ({said})" if said else "")

    def to_dict(self, fixes: WordsOf | None = None) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "name": self.name,
            "outcome": self.outcome,
            "detail": self.said(fixes),
        }


@dataclass
class PlanLike:
    """The new plan and what it took from the other: the settings not given again, the members
    added and left out, and each event's outcome."""

    plan: PlanState
    like: str  # the other plan's id
    taken: dict[str, Any]
    members: list[str] = field(default_factory=list)
    members_left_out: list[str] = field(default_factory=list)
    events: list[EventCarried] = field(default_factory=list)
    not_carried: list[LikeNote] = field(default_factory=list)
    """What the other plan had that the new one starts without, each with what to do."""
    teams_without_lead: list[LikeNote] = field(default_factory=list)
    """Where the other plan had leads: the new plan's teams nobody leads, new ones or ones led
    there, each with what to do; nobody can claim for such a team."""

    def of(self, outcome: str) -> list[EventCarried]:
        return [e for e in self.events if e.outcome == outcome]

    def to_dict(self, fixes: WordsOf | None = None) -> dict[str, Any]:
        """The report as data, its notes worded with the fixes of `fixes` (a face's)."""
        return self.plan.to_dict() | {
            "version": self.plan.version,
            "like": self.like,
            "taken": self.taken,
            "members_added": self.members,
            "members_left_out": self.members_left_out,
            "events_carried": [e.to_dict(fixes) for e in self.of(CARRIED)],
            "events_clipped": [e.to_dict(fixes) for e in self.of(CLIPPED)],
            "events_left_out": [e.to_dict(fixes) for e in self.of(LEFT_OUT)],
            "not_carried": [n.text(fixes) for n in self.not_carried],
            "teams_without_lead": [n.text(fixes) for n in self.teams_without_lead],
        }


def settings_of(origin: PlanState) -> dict[str, Any]:
    """The settings a plan made like `origin` takes from it unless given again, by the names
    `create_plan_like` takes them: a team or frequency it has none of is None, its currency
    ``none`` for plain numbers."""
    mapping = origin.dataset.mapping or {}
    return {
        "horizon": origin.horizon,
        "team_attr": origin.team_attr or None,
        "model": origin.baseline.model,
        "currency": origin.currency or NO_CURRENCY_TEXT,
        "freq": origin.freq or None,
        "week_dates": mapping.get("week_dates") or "start",
        "id_cols": list(mapping.get("id_cols") or []) or None,
        "date_col": mapping.get("date_col"),
        "value_col": mapping.get("value_col"),
        "threshold": origin.threshold,
    }


@dataclass(frozen=True)
class SettingWords:
    """A setting a plan made like another took, as each face names it: the command line after
    its option, the Data page after its create form's field."""

    command: str
    page: str


TAKEN_WORDS = {
    "horizon": SettingWords("horizon", "horizon"),
    "team_attr": SettingWords("team attribute", "team dimension"),
    "freq": SettingWords("frequency", "periods"),
    "week_dates": SettingWords("week dates", "weeks dated by"),
    "model": SettingWords("model", "model"),
    "id_cols": SettingWords("id columns", "series key"),
    "date_col": SettingWords("date column", "date column"),
    "value_col": SettingWords("value column", "sales column"),
    "threshold": SettingWords("threshold", "deviation threshold"),
    "currency": SettingWords("currency", "currency"),
    "attribute_columns": SettingWords(
        "attribute columns", "store table columns (the file has none)"
    ),
}


def taken_text(
    key: str, value: Any, *, on_page: bool, formats: Mapping[str, Callable[[Any], str]]
) -> str:
    """A setting of `PlanLike.taken` in a face's words: its name there (`TAKEN_WORDS`), then its
    value as the face's `formats` show it by key (a threshold as a percent), a list joined by
    commas, anything else as text."""
    words = TAKEN_WORDS.get(key)
    name = key if words is None else words.page if on_page else words.command
    if key in formats:
        shown = formats[key](value)
    elif isinstance(value, list):
        shown = ", ".join(map(str, value))
    else:
        shown = str(value)
    return f"{name} {shown}"


def create_plan_like(
    store: PlanRepository,
    *,
    name: str,
    source: str | Path | bytes,
    like: str,
    actor: str,
    horizon: int | None = None,
    team_attr: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    filename: str | None = None,
    attributes_filename: str | None = None,
    freq: str | None = None,
    week_dates: str | None = None,
    decimal: str | None = None,
    model: str | None = None,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    threshold: float | None = None,
    currency: str | None = None,
    jobs: int = 1,
    progress: plan_create.Progress | None = None,
) -> PlanLike:
    """A new draft plan of the file `source` made like the plan `like` (see the module); each
    option left None is taken from that plan; `team_attr` or `freq` given as "" is given as none
    (one team for all series; the file's own frequency). The actor owns `like` or is an admin, as copying
    its members asks (checked before the file is read). `filename` and `attributes_filename`
    tell the formats of files given as bytes (an upload)."""
    origin = plans.get_plan(store, like)
    plan_access.require_members_manager(store, origin, actor, DOING)
    theirs = settings_of(origin)
    taken: dict[str, Any] = {}

    def given_or_taken(key: str, given: Any, theirs: Any) -> Any:
        if given is not None:
            return given
        if theirs is not None:
            taken[key] = theirs
        return theirs

    likeness = _Likeness(store, origin, attributes_given=attributes_file is not None)
    given_ids = list(id_cols) if id_cols else None
    state = plan_create.create_plan(
        store,
        name=name,
        source=source,
        horizon=given_or_taken("horizon", horizon, theirs["horizon"]),
        team_attr=given_or_taken("team_attr", team_attr, theirs["team_attr"]) or None,
        actor=actor,
        filename=filename,
        attributes_file=attributes_file,
        attributes_filename=attributes_filename,
        freq=given_or_taken("freq", freq, theirs["freq"]) or None,
        week_dates=given_or_taken("week_dates", week_dates, theirs["week_dates"]),
        decimal=decimal,
        model=given_or_taken("model", model, theirs["model"]),
        levels=origin.baseline.levels,
        id_cols=given_or_taken("id_cols", given_ids, theirs["id_cols"]),
        date_col=given_or_taken("date_col", date_col, theirs["date_col"]),
        value_col=given_or_taken("value_col", value_col, theirs["value_col"]),
        threshold=given_or_taken("threshold", threshold, theirs["threshold"]),
        currency=given_or_taken("currency", currency, theirs["currency"]),
        jobs=jobs,
        progress=progress,
        like=likeness,
    )
    if likeness.filled:
        taken["attribute_columns"] = likeness.filled
    return PlanLike(
        state,
        origin.plan_id,
        taken,
        likeness.members,
        likeness.members_left_out,
        likeness.events,
        not_carried(store, origin, state),
        likeness.teams_without_lead,
    )


def plans_to_make_like(store: PlanRepository, user: str | None) -> list[PlanSummary]:
    """The plans `user` owns (every plan for an admin account), newest first: those a page
    offers to make a plan like, as copying their members asks (`plan_access.member_sources`)."""
    return plan_access.owned_plans(store, user)


def plan_to_make_like(store: PlanRepository, like: object, user: str | None) -> PlanState:
    """The plan `like` (an id a page sent) if `user` may make a plan like it; one they may not,
    or anything the browser sent that is no id, is refused as if it did not exist (nobody learns
    it does)."""
    owned = {s.plan_id for s in plans_to_make_like(store, user)}
    if not isinstance(like, str) or like not in owned:
        raise NotFound(
            "the earlier plan picked under 'Like an earlier plan' is not one of the plans you own "
            "(it was removed, or you no longer hold its owner role): pick another there, or "
            "leave it empty to make a plan of the file alone"
        )
    return plans.get_plan(store, like)


def not_carried(store: PlanRepository, origin: PlanState, made: PlanState) -> list[LikeNote]:
    """What `origin` holds that a plan made like it does not take, each with how to put it in
    `made` again (worded by each face); only what `origin` has."""
    said: list[LikeNote] = []
    plan = {"plan": made.plan_id}
    explained = len(origin.explanations)
    if explained:
        said.append(
            LikeNote(
                f"{explained} explanation(s) not carried: the new baseline has its own deviations;",
                LikeFix.EXPLAIN_AGAIN,
                plan,
            )
        )
    if origin.factors:
        said.append(
            LikeNote(
                f"{len(origin.factors)} marked factor(s) not carried:",
                LikeFix.MARK_FACTORS_AGAIN,
                plan,
            )
        )
    negotiation = origin.negotiation or {}
    if negotiation.get("goal") is not None:
        basis = str(negotiation.get("basis") or "baseline")
        spread_by = str(negotiation.get("spread_by") or "system_plan")
        against = f"against the {basis.replace('_', ' ')}" + (
            f", spread by the {spread_by.replace('_', ' ')}" * (spread_by != "system_plan")
        )
        claims = len(negotiation.get("claims") or {})
        parts = ["the goal"] + [f"its {claims} claim(s)"] * bool(claims)
        parts += ["the assignment"] * bool(negotiation.get("assignments"))
        what = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        said.append(
            LikeNote(
                f"{what} not carried: the negotiation starts again;",
                LikeFix.SET_GOAL_AGAIN,
                plan
                | {
                    "per_period": bool(negotiation.get("period_goals")),
                    "ratio": negotiation.get("goal_ratio"),
                    "basis": basis,
                    "spread_by": spread_by,
                    "against": against,
                },
            )
        )
    if store.actuals_versions(origin.plan_id):
        said.append(
            LikeNote(
                f"actuals not carried: those kept with plan {origin.plan_id} score that plan;",
                LikeFix.UPLOAD_ACTUALS,
                plan,
            )
        )
    return said


class _Likeness:
    """The `plan_create.Likeness` of a plan made like `origin`: what it took, kept for the report."""

    def __init__(self, store: PlanRepository, origin: PlanState, *, attributes_given: bool):
        self.store = store
        self.origin = origin
        self.attributes_given = attributes_given
        self.filled: list[str] = []
        self.members: list[str] = []
        self.members_left_out: list[str] = []
        self.events: list[EventCarried] = []
        self.teams_without_lead: list[LikeNote] = []

    def attributes(self, history: pd.DataFrame, attributes: pd.DataFrame | None) -> pd.DataFrame:
        ids = pd.Index(history[schema.UNIQUE_ID].astype(str).unique())
        if attributes is None or attributes.empty:
            attributes = pd.DataFrame({schema.UNIQUE_ID: ids})
        attributes = attributes.assign(
            **{schema.UNIQUE_ID: attributes[schema.UNIQUE_ID].astype(str)}
        )
        missing = [c for c in self.origin.dataset.attribute_columns if c not in attributes]
        if self.attributes_given or not missing:
            return attributes
        theirs = plan_frames.version_frame(self.store, self.origin, plan_frames.ATTRIBUTES)
        unknown = ids.difference(pd.Index(theirs[schema.UNIQUE_ID].astype(str)))
        if len(unknown):
            shown = ", ".join(map(str, unknown[:10]))
            raise Invalid(
                f"{len(unknown)} series of the file are not in plan {self.origin.plan_id} "
                f"(e.g. {shown}), whose attributes ({', '.join(missing)}) the new plan takes; the "
                "attributes file must have every series",
                Fix(FixKey.GIVE_ATTRIBUTES),
            )
        self.filled = missing
        return attributes.merge(
            theirs[[schema.UNIQUE_ID, *missing]], on=schema.UNIQUE_ID, how="left"
        )

    def carry(
        self, state: PlanState, attributes: pd.DataFrame, baseline: pd.DataFrame
    ) -> tuple[str, dict[str, Any]]:
        teams = {str(t) for t in plans.teams_of(attributes, state.team_attr).unique()}
        disabled = plan_access.disabled_members(self.store, self.origin)
        self.members, self.members_left_out = plan_members.copy_roles(
            state, self.origin, teams, disabled
        )
        self.teams_without_lead = self._leaderless(state, teams)
        periods = horizon_periods(baseline[schema.DS].unique(), state.freq)
        first, last = periods[schema.DS].min().date(), periods["end"].max().date()
        carried: list[dict[str, Any]] = []
        events = system.events_of(self.origin)
        within = [_within(event, first, last, attributes, state) for event in events]
        for kept, outcome in _fitting(within, baseline, attributes, state):
            self.events.append(outcome)
            if kept is not None:
                state.events.append(kept.to_dict())
                carried.append(
                    {
                        "event_id": kept.event_id,
                        "copied_from": self.origin.plan_id,
                        "author": kept.author,
                        "reason": kept.reason,
                    }
                )
        state.next_event_number = max(state.next_event_number, self.origin.next_event_number)
        words = [f"like plan {self.origin.plan_id} {self.origin.name!r}"]
        if self.members:
            words.append(f"members copied: {', '.join(self.members)}")
        words += [f"member {note}" for note in self.members_left_out]
        words += [e.text() for e in self.events]
        record = {
            "like": self.origin.plan_id,
            "members_added": self.members,
            "members_left_out": self.members_left_out,
            "events": carried,
            "events_clipped": [e.to_dict() for e in self.events if e.outcome == CLIPPED],
            "events_left_out": [e.to_dict() for e in self.events if e.outcome == LEFT_OUT],
        }
        return "; " + "; ".join(words), record

    def _leaderless(self, state: PlanState, teams: set[str]) -> list[LikeNote]:
        """The teams of `state` nobody leads that are new or were led in the other plan; none
        where the other plan had no leads (negotiated without them)."""
        led_before = {str(m.team) for m in self.origin.members.values() if "lead" in m.roles}
        if not led_before:
            return []
        led = {str(m.team) for m in state.members.values() if "lead" in m.roles}
        theirs = plan_frames.version_frame(self.store, self.origin, plan_frames.ATTRIBUTES)
        before = {str(t) for t in plans.teams_of(theirs, self.origin.team_attr).unique()}
        said = []
        for team in sorted(teams - led):
            if team in before and team not in led_before:
                continue  # nobody led it before either: as the owner left it
            new = f" (new: not in plan {self.origin.plan_id})" if team not in before else ""
            said.append(
                LikeNote(
                    f"team {team}{new} has no lead, so nobody can claim for it:",
                    LikeFix.NAME_LEAD,
                    {"plan": state.plan_id, "team": team},
                )
            )
        return said


def _fitting(
    within: list[tuple[Event | None, EventCarried]],
    baseline: pd.DataFrame,
    attributes: pd.DataFrame,
    state: PlanState,
) -> list[tuple[Event | None, EventCarried]]:
    """The events kept on the new horizon (`_within`'s answers) put through the checks
    ``system.add_event`` runs, on the new plan's own baseline: the event's rules, its days
    within the horizon and its scope (``overrides.validate_event``), then the system plan they
    make within ``forecast.bounds`` (``overrides.check_plan_bounds``: events compound). One that
    fails is left out with why and what to do; the others are kept. Where all of them together
    fit (the usual case) the system plan is computed once. Otherwise each is judged alone on the
    new baseline first, and one that alone goes beyond the bounds is left out; then, while the
    rest together still go beyond, the one with the largest effect on the series-period beyond
    (on the total, where the total is) is left out, naming the others stacked there. The order
    of the other plan's events does not decide which is blamed."""
    horizon = baseline[schema.DS].unique()
    checked: list[tuple[Event | None, EventCarried]] = []
    for kept, outcome in within:
        if kept is not None:
            try:
                validate_event(kept, attributes, horizon, state.freq)
            except OverrideError as exc:
                checked.append((None, _left_out(kept, str(exc), state)))
                continue
        checked.append((kept, outcome))

    def planned(events: list[Event]) -> pd.DataFrame:
        return apply_events(baseline, attributes, events, state.team_attr, state.freq)

    def beyond(plan: pd.DataFrame) -> str | None:
        try:
            check_plan_bounds(plan)
        except OverrideError as exc:
            return str(exc)
        return None

    rest = [e for e, _ in checked if e is not None]
    together = planned(rest)
    if beyond(together) is None:
        return checked
    left_out: dict[str, EventCarried] = {}
    for event in rest:
        why = beyond(planned([event]))
        if why is not None:
            left_out[event.event_id] = _left_out(event, why, state, on_baseline=True)
    rest = [e for e in rest if e.event_id not in left_out]
    while rest:
        together = planned(rest)
        why = beyond(together)
        if why is None:
            break
        culprit, stacked = _largest_effect(rest, together, planned, baseline, attributes, state)
        left_out[culprit.event_id] = _left_out(
            culprit, why, state, on_baseline=True, stacked=stacked
        )
        rest = [e for e in rest if e is not culprit]
    return [
        (None, left_out[kept.event_id])
        if kept is not None and kept.event_id in left_out
        else (kept, outcome)
        for kept, outcome in checked
    ]


def _largest_effect(
    events: list[Event],
    together: pd.DataFrame,
    planned: Callable[[list[Event]], pd.DataFrame],
    baseline: pd.DataFrame,
    attributes: pd.DataFrame,
    state: PlanState,
) -> tuple[Event, list[Event]]:
    """Of `events`, whose system plan `together` goes beyond the bounds (each alone does not),
    the one whose leaving out brings the first series-period beyond furthest back (where no
    series-period is beyond, the plan's total), and the others that touch that series-period.
    The series-period without each event is computed on that one cell (``cell_without_each``),
    not as a system plan per event: with many events stacked there that was a system plan per
    event per event left out."""
    values = together[SYSTEM_PLAN].to_numpy(dtype=float)
    over = np.flatnonzero(~(np.abs(values) <= bounds.MAX_ABS_VALUE))
    if len(over):
        row = int(over[0])
        touching = set(str(together["events"].iloc[row]).split(","))
        stacked = [e for e in events if e.event_id in touching] or list(events)
        without = cell_without_each(baseline, attributes, events, row, stacked, state.freq)
        left = [abs(float(v)) for v in without]
    else:
        stacked = list(events)
        left = [
            float(planned([o for o in events if o is not e])[SYSTEM_PLAN].abs().sum())
            for e in stacked
        ]
    culprit = stacked[min(range(len(stacked)), key=left.__getitem__)]
    return culprit, [e for e in stacked if e is not culprit]


def _left_out(
    event: Event,
    why: str,
    state: PlanState,
    *,
    on_baseline: bool = False,
    stacked: Sequence[Event] = (),
) -> EventCarried:
    """An event of the other plan that the new plan's checks refuse: why (`on_baseline`: the
    system plan it makes on the new baseline is beyond the bounds, with the `stacked` events
    there too; else its own rules refuse it), and a note on adding it again (with a smaller
    effect, or other dates or series), worded by each face."""
    if on_baseline:
        why = why.removeprefix("with this event ")
        if stacked:
            others = ", ".join(f"{e.event_id} {e.name!r}" for e in stacked)
            where = "too" if why.startswith("the system plan") else "on the same series-period"
            why = f"with {others} {where}, {why}"
        why = f"on the new plan's baseline{',' * bool(stacked)} {why}"
    again = LikeNote(
        "", LikeFix.ADD_EVENT_AGAIN, {"plan": state.plan_id, "event_id": event.event_id}
    )
    return EventCarried(event.event_id, event.name, LEFT_OUT, why, again)


def _within(
    event: Event, first: Any, last: Any, attributes: pd.DataFrame, state: PlanState
) -> tuple[Event | None, EventCarried]:
    """The event on the new horizon `first`..`last` (clipped to it where it reaches beyond),
    or None with why it is left out."""
    days = f"{event.start}..{event.end}"
    if event.end < first or event.start > last:
        why = f"{days} is outside the new horizon {first}..{last}"
        return None, EventCarried(event.event_id, event.name, LEFT_OUT, why)
    try:
        event.scope.validate(attributes)
    except OverrideError as exc:
        return None, EventCarried(event.event_id, event.name, LEFT_OUT, str(exc))
    start, end = max(event.start, first), min(event.end, last)
    if (start, end) == (event.start, event.end):
        return event, EventCarried(event.event_id, event.name, CARRIED)
    clipped = replace(event, start=start, end=end)
    detail = f"{days} to {start}..{end}, the new horizon's part"
    note = None
    if event.counts == OFFER_COUNTS and takes_offer(event):
        # Its value is the uplift learned for its whole old window, not for the part kept.
        note = LikeNote(
            f"it keeps {event.describe_effect(currency=state.currency)}, the suggestion for "
            f"{days}:",
            LikeFix.TAKE_SUGGESTION,
            {"plan": state.plan_id, "event_id": event.event_id, "days": f"{start}..{end}"},
        )
    return clipped, EventCarried(event.event_id, event.name, CLIPPED, detail, note)
