"""Use cases of the system track: events, the system plan, the deviation gate, publish, factors.

Every edit takes `actor` and `expected_version` (None = current) and goes through
``plans.change_plan`` (role check, lock check, optimistic version, one audit row). Planners edit
events, explanations and factors; the owner sets the threshold and publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from forecast import bounds, overrides, schema
from forecast.engine.calendar import season_length
from forecast.engine.uplift import (
    KIND_FLAG_WORDS,
    MIN_FLAGGED,
    Uplift,
    flag_for_kind,
    learned_uplift,
    pooled_uplift,
    series_uplift,
)
from forecast.money import format_percent as percent_text
from forecast.money import format_percent_value, quantum
from forecast.overrides import Event, Explanation, Factor, OverrideError, Scope, UnknownSeries
from forecast.plan import PUBLISHED, PlanState, utc_now
from forecast.services import (
    accuracy_grid,
    model_names,
    plan_checks,
    plan_create,
    plan_frames,
    plan_standing,
    plan_versions,
    plans,
    series_frames,
)
from forecast.services.cache import PerStoreCache
from forecast.services.errors import Fix, FixKey, Invalid, NotFound, WrongStage
from forecast.services.money import MoneyError, event_value
from forecast.store import AuditEntry, PlanRepository, frame_to_bytes
from forecast.vocabulary import PLAN_LEVELS

COMBINATION_RULE = overrides.COMBINATION_RULE
REASON_CODES = overrides.REASON_CODES
EVENT_KINDS = overrides.EVENT_KINDS
EFFECTS = overrides.EFFECTS
LEVELS = PLAN_LEVELS


def _refusal(exc: OverrideError) -> Invalid | NotFound:
    """The service error of a domain refusal: a series or team the plan does not have is not
    found; any other broken rule is invalid input."""
    return (NotFound if isinstance(exc, UnknownSeries) else Invalid).from_error(exc)


@dataclass
class Saved:
    """The result of an edit: the plan at its new version, and what the edit made."""

    plan: PlanState
    event: Event | None = None
    explained: int = 0
    factor: Factor | None = None
    note: str | None = None  # e.g. that an event covers some periods only in part

    @property
    def version(self) -> int:
        return self.plan.version


# -- reading ---------------------------------------------------------------------------------


def events_of(state: PlanState) -> list[Event]:
    return [Event.from_dict(e) for e in state.events]


def explanations_of(state: PlanState) -> list[Explanation]:
    return [Explanation.from_dict(e) for e in state.explanations]


def factors_of(state: PlanState) -> list[Factor]:
    """The plan's new factors, oldest first."""
    return [Factor.from_dict(f) for f in state.factors]


@dataclass(frozen=True)
class GateStatus:
    """The deviation gate of a plan: how many deviations are above the threshold (`marked`),
    how many of them still need a reason (`open`), and whether publishing is possible."""

    threshold: float
    marked: int
    open: int
    locked: bool
    status: str

    @property
    def blocks_publishing(self) -> bool:
        return self.open > 0


def gate_of(state: PlanState, marked: pd.DataFrame) -> GateStatus:
    """THE count of open deviations: marked cells without a (still valid) explanation.

    `marked` is the frame ``deviations`` returns (with its ``explained`` column)."""
    n_open = int((~marked["explained"]).sum()) if len(marked) else 0
    return GateStatus(state.threshold, len(marked), n_open, state.locked, state.status)


def gate_status(store: PlanRepository, plan: str) -> GateStatus:
    """The gate of the plan now (the System plan page, `forecast plan show`, publish)."""
    state = plans.get_plan(store, plan)
    return gate_of(state, _marked(store, state))


def _marked(store: PlanRepository, state: PlanState) -> pd.DataFrame:
    """The marked deviations of this plan version (shared: callers read them, never change)."""

    def compute() -> pd.DataFrame:
        marked = overrides.deviations(_system_plan_frame(store, state), state.threshold)
        return _annotated(state, marked)

    return _MARKED.get(store, state, (state.plan_id, state.version), compute)


# A saved plan version never changes (every edit, threshold and explanation moves the version),
# so its system plan and marked deviations are computed once per version and then reused by
# every render, gate check and chart of it.
_SYSTEM_PLAN: PerStoreCache[pd.DataFrame] = PerStoreCache(size=4)
_MARKED: PerStoreCache[pd.DataFrame] = PerStoreCache(size=4)


def keep_series_plan(store: PlanRepository, state: PlanState, series_plan: pd.DataFrame) -> None:
    """A writer that has just applied the saved version's events keeps the result for the
    version's readers (the frame `_system_plan_frame` would compute; read-only from here on)."""
    _SYSTEM_PLAN.put(store, state, (state.plan_id, state.version), series_plan)


def carry_series_plan(store: PlanRepository, before: PlanState, saved: PlanState) -> None:
    """A writer whose save left the events and the data as they were hands the version before's
    system plan (if computed) on to the saved version (the same frame; read-only)."""
    _SYSTEM_PLAN.carry(
        store, before, (before.plan_id, before.version), saved, (saved.plan_id, saved.version)
    )


def _annotated(state: PlanState, marked: pd.DataFrame) -> pd.DataFrame:
    """`marked` with whether each cell is explained (``overrides.mark_explained``). Explanations
    stored before they kept their events count as outdated on a draft plan (they cannot say
    which events they were written for); on a published or agreed plan, whose events can no
    longer change, they hold by the old rule (the deviation)."""
    return overrides.mark_explained(
        marked,
        explanations_of(state),
        events_of(state),
        legacy_holds=state.locked,
        currency=state.currency,
    )


def list_events(store: PlanRepository, plan: str) -> list[Event]:
    return events_of(plans.get_plan(store, plan))


def get_event(state: PlanState, event_id: str) -> Event:
    for event in events_of(state):
        if event.event_id == event_id:
            return event
    known = ", ".join(e["event_id"] for e in state.events) or "none yet"
    raise NotFound(f"plan {state.plan_id} has no event {event_id!r}; its events: {known}")


def _system_plan_frame(
    store: PlanRepository, state: PlanState, events: Sequence[Event] | None = None
) -> pd.DataFrame:
    """The baseline with the plan's events (or `events`) applied. With the plan's own events the
    frame is shared between callers of the same version: read it, do not change it."""

    def compute() -> pd.DataFrame:
        baseline = plan_frames.version_frame(store, state, plan_frames.BASELINE)
        attributes = plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES)
        return overrides.apply_events(
            baseline,
            attributes,
            events_of(state) if events is None else events,
            state.team_attr,
            state.freq,
        )

    if events is not None:
        return compute()
    return _SYSTEM_PLAN.get(store, state, (state.plan_id, state.version), compute)


def system_plan(store: PlanRepository, plan: str, level: str = "series") -> pd.DataFrame:
    """The baseline with the events applied.

    ``series``: unique_id, ds, team, baseline, adjustment, system_plan, deviation_pct, events;
    ``team`` / ``total``: the same summed per team (or overall) and period, keyed by ``team``."""
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    state = plans.get_plan(store, plan)
    frame = _system_plan_frame(store, state)
    if level == "series":
        return frame.copy()  # the shared frame stays as it is
    return overrides.aggregate(frame, level)


def shown_plan(store: PlanRepository, plan: str, level: str = "series") -> pd.DataFrame:
    """`system_plan` at `level` in the amounts the exports carry: each series-period's baseline
    and system plan in whole cents (yen: whole yen, each team's total rounded once and spread
    back, `series_frames.whole_cells`), the adjustment their difference, and the team and total
    levels summed from those cells, so a period's total reads as the exported rows add up and
    baseline + adjustment = system plan on every row. The deviation of a series-period stays the
    gate's (from the unrounded amounts). The series level ends with each series' ``model``
    label, as the engine wrote it (an ended series, a fallback model)."""
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    state = plans.get_plan(store, plan)
    frame = _system_plan_frame(store, state).copy()
    step = quantum(state.currency)
    frame[schema.BASELINE] = series_frames.whole_cells(frame, schema.BASELINE, step)
    frame[schema.SYSTEM_PLAN] = series_frames.whole_cells(frame, schema.SYSTEM_PLAN, step)
    frame["adjustment"] = frame[schema.SYSTEM_PLAN] - frame[schema.BASELINE]
    if level != "series":
        frame = overrides.aggregate(frame, level)  # exact sums of the cells' minor units
    for column in (schema.BASELINE, "adjustment", schema.SYSTEM_PLAN):
        frame[column] = frame[column].astype("int64") / 100
    if level == "series":  # which model served each series, as the engine labelled it
        labels = plan_standing.series_models(store, state)
        frame[schema.MODEL] = frame[schema.UNIQUE_ID].astype(str).map(labels)
    return frame


def deviations(store: PlanRepository, plan: str) -> pd.DataFrame:
    """Every marked deviation (above the plan's threshold, per series-period and per team total)
    with ``explained``, ``outdated``, ``reason_code``, ``text`` and ``author`` columns."""
    return _marked(store, plans.get_plan(store, plan)).copy()


def unexplained(store: PlanRepository, plan: str) -> pd.DataFrame:
    marked = _marked(store, plans.get_plan(store, plan))
    return marked.loc[~marked["explained"], overrides.DEVIATION_COLUMNS].reset_index(drop=True)


def audit_log(store: PlanRepository, plan: str) -> list[AuditEntry]:
    return plans.audit_log(store, plan)


def horizon_dates(store: PlanRepository, state: PlanState) -> pd.DatetimeIndex:
    baseline = plan_frames.version_frame(store, state, plan_frames.BASELINE)
    return pd.DatetimeIndex(sorted(baseline[schema.DS].unique()))


# -- learned uplift --------------------------------------------------------------------------


def suggest_uplift(
    store: PlanRepository, plan: str, kind: str, scope: Scope | None = None
) -> Uplift | None:
    """What the history says an event of `kind` does to the series in `scope` (None when the
    history has no flag for that kind, e.g. purchase limits)."""
    return event_suggestion(store, plan, kind, scope, None, None)[0]


@dataclass(frozen=True)
class NoSuggestion:
    """Why the history suggests no effect for an event of `kind`. `flag` is the history's column
    that teaches the kind (None when it has none); `flag_words` are what a column's name holds
    for it to teach the kind (none: no column can, e.g. purchase limits); `reason` says it in
    words that fit every face."""

    kind: str
    flag: str | None
    flag_words: tuple[str, ...]
    reason: str


def no_suggestion(store: PlanRepository, plan: str, kind: str) -> NoSuggestion:
    """Why `event_suggestion` finds no learned uplift for `kind` on this plan."""
    state = plans.get_plan(store, plan)
    words = KIND_FLAG_WORDS.get(kind, ())
    flag = flag_for_kind(state.dataset.flags, kind)
    if not words:
        learned = " and ".join(KIND_FLAG_WORDS)
        reason = (
            f"no history teaches what events of kind {kind} do: only {learned} events are learned, "
            "from 0/1 columns of the sales file that mark their periods"
        )
    elif flag is None:
        quoted = " or ".join(f"'{word}'" for word in words)
        reason = (
            f"the history has no flag for it: no 0/1 column of the plan's sales file has "
            f"{quoted} in its name"
        )
    else:
        reason = (
            f"too few periods with {flag} in the history of these series to learn from (a series "
            f"needs {MIN_FLAGGED})"
        )
    return NoSuggestion(kind=kind, flag=flag, flag_words=words, reason=reason)


# The learned uplift of a kind on a scope, once per plan version: a file of events asks for
# the same few kinds and scopes over and over, with other dates.
_SUGGESTIONS: PerStoreCache[Uplift | None] = PerStoreCache(size=64)


def _suggest(store: PlanRepository, state: PlanState, kind: str, scope: Scope) -> Uplift | None:
    if not state.dataset.flags:
        return None
    attributes = sorted((key, tuple(values)) for key, values in scope.attributes.items())
    key = (state.plan_id, state.version, kind, tuple(attributes), tuple(scope.ids))
    return _SUGGESTIONS.get(store, state, key, lambda: _learn(store, state, kind, scope))


def _learn(store: PlanRepository, state: PlanState, kind: str, scope: Scope) -> Uplift | None:
    attributes = plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES)
    try:
        scope.validate(attributes)
    except OverrideError as exc:
        raise _refusal(exc) from exc
    flag = flag_for_kind(state.dataset.flags, kind)
    if flag is None:
        return None
    return learned_uplift(
        pd.DataFrame(),
        attributes,
        kind,
        state.dataset.flags,
        series=scope.series_ids(attributes),
        segment_attr=state.team_attr,
        per_series=_series_uplift(store, state, flag),
    )


@dataclass(frozen=True)
class FlagInBaseline:
    """How much of an event's window the baseline already holds the learned flag in: seasonal
    naive repeats the periods a season before, so where those had the flag (last year's
    promotion in the same weeks) the baseline carries its effect, and an event adds it again.
    ``share`` of the window's series-periods served by seasonal naive (``cells``) had the flag
    then. ``new_value`` is the learned percent spread over the cells of the whole scope
    (``scope_cells``; a fitted model's series count as not holding it) where the baseline does
    not hold it: ``value * (1 - flagged / scope_cells)``, what the event adds that the
    baseline does not know, and what an event with the suggestion takes."""

    flag: str
    share: float
    cells: int
    value: float
    new_value: float
    scope_cells: int = 0

    @property
    def taken_out(self) -> float:
        """The percent over the scope's cells that takes last year's effect out where the
        baseline repeats it: what an event should do when the flagged occasion of a year before
        does not recur in the window (a holiday that fell elsewhere this year)."""
        flagged = self.share * self.cells / self.scope_cells if self.scope_cells else 0.0
        undo = 1.0 / (1.0 + self.value / 100.0) - 1.0 if self.value > -100.0 else 0.0
        return round(100.0 * undo * flagged, 1)

    def record(self) -> dict[str, Any]:
        """What an event keeps of it, beside the learned uplift it was offered."""
        return {"in_baseline": round(self.share, 4), "net_value": self.new_value}


def event_suggestion(
    store: PlanRepository,
    plan: str,
    kind: str,
    scope: Scope | None,
    start: str | date | None,
    end: str | date | None,
) -> tuple[Uplift | None, FlagInBaseline | None]:
    """What the add-event form shows: the learned uplift of `kind` on `scope`
    (``suggest_uplift``), and for an event from `start` to `end` how much of it the seasonal
    naive baseline already repeats from a season before (``FlagInBaseline``; None where the
    history has no flag for the kind, no series in scope is served by seasonal naive, or the
    window holds none of the plan's periods). The uplift is learned once for both."""
    state = plans.get_plan(store, plan)
    if kind not in EVENT_KINDS:
        raise Invalid(f"unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS)}")
    if not start or not end:
        return _suggest(store, state, kind, scope or Scope()), None
    return _offer(store, state, kind, scope or Scope(), start, end)


def _flag_in_baseline(
    store: PlanRepository,
    state: PlanState,
    uplift: Uplift,
    scope: Scope | None,
    start: str | date,
    end: str | date,
) -> FlagInBaseline | None:
    cells = _flag_cells(store, state, uplift.flag)
    if cells is None:
        return None
    grid = _OfferGrid(store, state, cells)
    return grid.flag_in_baseline(uplift, grid.scope_masks.mask(scope or Scope()), start, end)


@dataclass(frozen=True)
class _FlagCells:
    """The history's flag by series and date: ``hits`` counts the rows of each (series of
    ``series``, date of ``seen``) that held it (flag >= 0.5): one byte a cell, as a series has
    one row a date."""

    series: pd.Index
    seen: pd.DatetimeIndex
    hits: np.ndarray


# The flag's cells, once per plan history and flag: what the offer of every event reads.
_FLAG_CELLS: PerStoreCache[_FlagCells | None] = PerStoreCache(size=4)


def _flag_cells(store: PlanRepository, state: PlanState, flag: str) -> _FlagCells | None:
    def compute() -> _FlagCells | None:
        history = _flag_history(store, state, flag)
        if history is None:
            return None
        series_codes, series = pd.factorize(history[schema.UNIQUE_ID])
        seen = pd.DatetimeIndex(sorted(history[schema.DS].unique()))
        date_codes = seen.get_indexer(pd.DatetimeIndex(history[schema.DS]))
        hit = (history[flag].astype(float) >= 0.5).to_numpy() & (series_codes >= 0)
        flat = series_codes[hit].astype(np.int64) * len(seen) + date_codes[hit]
        counts = np.bincount(flat, minlength=len(series) * len(seen))
        hits = np.minimum(counts, 255).astype(np.uint8)
        return _FlagCells(pd.Index(series), seen, hits.reshape(len(series), len(seen)))

    key = (state.plan_id, state.dataset.history_hash, flag)
    return _FLAG_CELLS.get(store, state, key, compute)


class _OfferGrid:
    """What the offer of an event reads of one plan version, worked out once for any number of
    events: the series (masks of scopes over the attributes), which of them the seasonal naive
    serves and where each sits in the flag's history, and for each period of the horizon the
    date of the history its seasonal naive copies (a column of the flag's cells, or -1)."""

    def __init__(self, store: PlanRepository, state: PlanState, cells: _FlagCells) -> None:
        attributes = plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES)
        served = plan_standing.series_models(store, state)
        ids = attributes[schema.UNIQUE_ID].astype(str).tolist()
        self.cells = cells
        self.scope_masks = overrides.ScopeMasks(attributes)
        self.copies = np.array([_copies(served.get(i, "")) for i in ids], dtype=bool)
        self.history_rows = cells.series.get_indexer(pd.Index(ids, dtype=object))
        ahead = horizon_dates(store, state)
        calendar = cells.seen.append(ahead)
        periods = overrides.horizon_periods(ahead, state.freq)
        self.starts = periods[schema.DS].to_numpy(dtype="datetime64[ns]")
        self.ends = periods["end"].to_numpy(dtype="datetime64[ns]")
        copied = calendar.get_indexer(pd.DatetimeIndex(self.starts)) - season_length(state.freq)
        then = pd.DatetimeIndex([calendar[int(p)] if p >= 0 else pd.NaT for p in copied])
        self.copied_columns = cells.seen.get_indexer(then)

    def flag_in_baseline(
        self, uplift: Uplift, in_scope: np.ndarray, start: str | date, end: str | date
    ) -> FlagInBaseline | None:
        """``FlagInBaseline`` of an event from `start` to `end` on the series of the mask
        `in_scope`."""
        copying = in_scope & self.copies
        n_ids, n_scope = int(copying.sum()), int(in_scope.sum())
        if not n_ids:
            return None
        first, last = _window_date(start), _window_date(end)
        # Every period the event touches, whole: an event that takes the offer counts so
        # (overrides.OFFER_COUNTS).
        shares = overrides.period_coverage(first, last, self.starts, self.ends)
        columns = self.copied_columns[shares > 0]
        columns = columns[columns >= 0]
        if not len(columns):
            return None
        rows = self.history_rows[copying]
        flagged = float(self.cells.hits[np.ix_(rows[rows >= 0], columns)].sum())
        weight = float(len(columns))  # each copied period counts whole
        cells, scope_cells = n_ids * len(columns), n_scope * len(columns)
        value = float(uplift.value)
        net = round(value * (1.0 - flagged / (n_scope * weight)), 1)
        return FlagInBaseline(
            uplift.flag, flagged / (n_ids * weight), cells, value, net, scope_cells
        )


def _flag_history(store: PlanRepository, state: PlanState, flag: str) -> pd.DataFrame | None:
    """The history's flag column by series and date, read for `_flag_cells` (which is kept; the
    frame is not: on a large daily plan it is a few hundred MB)."""
    if flag not in state.dataset.flags:
        return None
    columns = [schema.UNIQUE_ID, schema.DS, flag]
    return plan_frames.blob_frame(
        store.get_blob(state.plan_id, plan_frames.HISTORY), columns=columns
    )


def _window_date(value: str | date) -> pd.Timestamp:
    """An event window's date as sent by a form: refused with a reason unless it is one."""
    text = str(value)
    try:
        if len(text) > 32 or not overrides.is_day_text(text):  # not "today", "now"
            raise ValueError(text[:32])
        return pd.Timestamp(text.strip())
    except (ValueError, TypeError) as exc:
        raise Invalid(
            f"{text[:32]!r} is not a date: pick the event's From and To among the plan's periods"
        ) from exc


def _copies(label: str) -> bool:
    """Whether a ``model`` label is the seasonal naive (any note after it)."""
    return model_names.split(label)[0] == "snaive"


# The per-series uplift depends only on the history's flag column, which no edit changes (a
# marked factor adds columns of its own), so it is computed once per plan, history and flag:
# the suggestion shown while an event is typed and the event's own record reuse it.
_SERIES_UPLIFT: PerStoreCache[pd.DataFrame] = PerStoreCache(size=8)


def _series_uplift(store: PlanRepository, state: PlanState, flag: str) -> pd.DataFrame:
    def compute() -> pd.DataFrame:
        history = plan_frames.load_blob_frame(store, state.plan_id, plan_frames.HISTORY)
        if flag not in history.columns:
            return pd.DataFrame({"unique_id": [], "ratio": [], "n_flagged": []})
        return series_uplift(history, flag)

    key = (state.plan_id, state.dataset.history_hash, flag)
    return _SERIES_UPLIFT.get(store, state, key, compute)


# -- events ----------------------------------------------------------------------------------


def _checked(store: PlanRepository, state: PlanState, event: Event) -> Event:
    """The event's own rules, then the system plan it would make within ``forecast.bounds``
    (with the plan's other events; an edited event in its place)."""
    attributes = plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES)
    others = [e for e in events_of(state) if e.event_id != event.event_id]
    placed = [event if e.event_id == event.event_id else e for e in events_of(state)]
    try:
        overrides.validate_event(event, attributes, horizon_dates(store, state), state.freq)
        after = placed if len(placed) > len(others) else [*others, event]
        overrides.check_plan_bounds(_system_plan_frame(store, state, after))
    except OverrideError as exc:
        raise _refusal(exc) from exc
    return event


class InvalidValue(Invalid):
    """An event's value typed as text that is no number (a percent) or no amount of the plan's
    currency (add, cap, set); `effect` names what it was typed for (the CLI's option)."""

    def __init__(self, reason: str = "", fix: Fix | None = None, effect: str | None = None) -> None:
        super().__init__(reason, fix)
        self.effect = effect

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.fix, self.effect))


def typed_value(value: float | str, effect: str | None, currency: str | None) -> float:
    """An event's value as typed, read the same on every face (the page's value box and grid
    cell, `plan event add|edit`): ``money.event_value``, a percent with a decimal comma, an
    amount with thousands separators and the plan's `currency`, a number kept as it was; refused
    saying what to type (`InvalidValue`). ``add_event`` and ``edit_event`` read a value given
    as text with it."""
    try:
        return event_value(value, effect, currency)
    except MoneyError as exc:
        raise InvalidValue(str(exc), effect=effect) from exc


def _refuse_more(part: str, had: int, adding: int) -> None:
    """Refuse adding `adding` `part` to a plan that holds `had` before any work is done for them
    (`plan_checks.count_problem`; the write path checks again what it saves)."""
    problem = plan_checks.count_problem(part, had, had + adding)
    if problem is not None:
        raise Invalid(f"{problem}; nothing was changed")


def add_event(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    name: str,
    kind: str,
    scope: Scope | None = None,
    start: date | str,
    end: date | str,
    effect: str | None = None,
    value: float | str | None = None,
    use_suggestion: bool = False,
    reason: str = "",
    expected_version: int | None = None,
) -> Saved:
    """Add an event. Without effect/value and with `use_suggestion`, the learned uplift is used;
    the suggestion (when there is one) is recorded on the event either way. A value typed as
    text is read in the plan's currency (``typed_value``)."""
    plan_checks.check_text("an event's name", name, bounds.MAX_NAME_CHARS)
    plan_checks.check_text("an event's reason", reason)
    state = plans.get_plan(store, plan)
    if isinstance(value, str):  # a bad value is refused first, as every face reads it first
        value = typed_value(value, effect, state.currency)
    plans.require_role(state, actor, "planner", "add events")
    plans.require_unlocked(state, "add events")
    _refuse_more("events", len(state.events), 1)  # before the system plan is computed
    scope = scope or Scope()
    _valid_dates(start, end)
    suggestion, already = _offer(store, state, kind, scope, start, end)
    counts = overrides.DAYS
    if effect is None and value is None:
        if not use_suggestion:
            raise Invalid(
                "say what the event does",
                Fix(FixKey.GIVE_EFFECT_OR_SUGGESTION, suggestion=_offered(suggestion, already))
                if suggestion
                else Fix(FixKey.GIVE_EFFECT),
            )
        effect, value = _take_offer(state, kind, suggestion, already, "the effect")
        counts = overrides.OFFER_COUNTS
    elif effect is None or value is None:
        raise Invalid("an effect needs both its kind (percent, add, cap, set) and a value")
    event = Event(
        event_id=f"E{state.next_event_number}",
        name=name,
        kind=kind,
        scope=scope,
        # The same parsing Event.__post_init__ does; Event's fields are typed as parsed dates.
        start=overrides._as_date(start, "start"),
        end=overrides._as_date(end, "end"),
        effect=effect,
        value=float(value),
        reason=reason or "",
        author=actor,
        suggested=_suggestion_record(suggestion, already),
        created_at=utc_now(),
        counts=counts,
    )
    _checked(store, state, event)

    added: list[Event] = []

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        # The id comes from the state being saved, so a retried save never reuses an id.
        numbered = replace(event, event_id=f"E{s.next_event_number}")
        if s.version != state.version:
            _checked(store, s, numbered)  # a redone save: checked with the fresh events
        added[:] = [numbered]
        s.events.append(numbered.to_dict())
        s.next_event_number += 1
        return f"add event {numbered.describe(currency=s.currency)}", None, numbered.to_dict()

    saved = _change_events(
        store,
        state.plan_id,
        actor,
        "add_event",
        mutate,
        expected_version,
        reason=reason or None,
    )
    return Saved(saved, event=added[0], note=_coverage_note(store, saved, added[0]))


def offer_records(
    store: PlanRepository, state: PlanState, events: Sequence[Event]
) -> list[dict[str, Any] | None]:
    """What each event records as offered (the learned uplift of its kind on its scope, net of
    what the baseline repeats over its dates), as ``add_event`` records it beside a typed value,
    for many events at once (an imported file): the plan's series, the flag's history and the
    learned uplift of each set of series are worked out once, not per event."""
    offers = _Offers(store, state)
    return [offers.record(event) for event in events]


class _Offers:
    """``_offer`` of many events on one plan version (its scopes already validated)."""

    def __init__(self, store: PlanRepository, state: PlanState) -> None:
        self.store, self.state = store, state
        attributes = plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES)
        self.ids = pd.Index(attributes[schema.UNIQUE_ID].astype(str), dtype=object)
        self.scope_masks = overrides.ScopeMasks(attributes)
        self.learned: dict[tuple[str, bytes], Uplift | None] = {}
        self.per_series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.grids: dict[str, _OfferGrid | None] = {}

    def record(self, event: Event) -> dict[str, Any] | None:
        flags = self.state.dataset.flags
        flag = flag_for_kind(flags, event.kind) if flags and event.kind in EVENT_KINDS else None
        if flag is None:
            return None
        in_scope = self.scope_masks.mask(event.scope)
        key = (event.kind, in_scope.tobytes())
        if key not in self.learned:
            self.learned[key] = self._uplift(event.kind, flag, in_scope)
        uplift = self.learned[key]
        if uplift is None or uplift.effect != "percent":
            return _suggestion_record(uplift)
        if flag not in self.grids:
            cells = _flag_cells(self.store, self.state, flag)
            self.grids[flag] = None if cells is None else _OfferGrid(self.store, self.state, cells)
        grid = self.grids[flag]
        if grid is None:
            return _suggestion_record(uplift)
        return _suggestion_record(
            uplift, grid.flag_in_baseline(uplift, in_scope, event.start, event.end)
        )

    def _uplift(self, kind: str, flag: str, in_scope: np.ndarray) -> Uplift | None:
        """``learned_uplift`` of the series in scope, without the breakdown by segment that an
        event's record leaves out."""
        if flag not in self.per_series:
            table = _series_uplift(self.store, self.state, flag)
            rows = self.ids.get_indexer(pd.Index(table[schema.UNIQUE_ID].astype(str)))
            ratios, n_flagged = table["ratio"].to_numpy(dtype=float), table["n_flagged"].to_numpy()
            self.per_series[flag] = (rows, ratios, n_flagged)
        rows, ratios, n_flagged = self.per_series[flag]
        kept = (rows >= 0) & in_scope[np.maximum(rows, 0)]
        if not kept.any():
            return None
        return pooled_uplift(kind, flag, ratios[kept], n_flagged[kept])


def check_added_events(store: PlanRepository, state: PlanState, events: Sequence[Event]) -> None:
    """Refuse (``OverrideError``) `events` that, added to the plan's own, would push the system
    plan beyond ``forecast.bounds``."""
    overrides.check_plan_bounds(_system_plan_frame(store, state, [*events_of(state), *events]))


def _coverage_note(store: PlanRepository, state: PlanState, event: Event) -> str | None:
    return overrides.partly_covered_text(event, horizon_dates(store, state), state.freq)


def _change_events(
    store: PlanRepository,
    plan_id: str,
    actor: str,
    action: str,
    mutate: Callable[[PlanState], tuple[str, Any, Any]],
    expected_version: int | None,
    **options: Any,
) -> PlanState:
    """A planner's change of the events: one audit row `action` ("add_event", "edit_event"...),
    named in a refusal as "add events", "edit events"...; `options` go to `plans.change_plan`."""
    return plans.change_plan(
        store,
        plan_id,
        actor=actor,
        action=action,
        mutate=mutate,
        expected_version=expected_version,
        role="planner",
        doing=f"{action.removesuffix('_event')} events",
        **options,
    )


def _valid_dates(start: Any, end: Any) -> None:
    for label, value in (("start", start), ("end", end)):
        text = str(value)
        try:
            if len(text) > 32:  # no date is longer; the parser is not given megabytes
                raise ValueError(text[:32])
            if isinstance(value, str) and not overrides.is_day_text(value):
                raise Invalid(overrides.not_a_day(value, f"the {label} date"))
            pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise Invalid(f"the {label} date {text[:32]!r} is not a date; use YYYY-MM-DD") from exc


def _offer(
    store: PlanRepository,
    state: PlanState,
    kind: str,
    scope: Scope,
    start: str | date,
    end: str | date,
) -> tuple[Uplift | None, FlagInBaseline | None]:
    """What the system offers an event of `kind` on `scope` from `start` to `end`: the learned
    uplift and what of it a seasonal naive baseline already repeats there."""
    suggestion = _suggest(store, state, kind, scope) if kind in EVENT_KINDS else None
    if suggestion is None or suggestion.effect != "percent":
        return suggestion, None
    return suggestion, _flag_in_baseline(store, state, suggestion, scope, start, end)


def offered_value(uplift: Uplift, already: FlagInBaseline | None) -> float:
    """What an event that takes the suggestion gets: the learned uplift, net of what a
    seasonal naive baseline already repeats (as the replay does per period)."""
    return already.new_value if already is not None else float(uplift.value)


def _take_offer(
    state: PlanState, kind: str, uplift: Uplift | None, already: FlagInBaseline | None, what: str
) -> tuple[str, float]:
    """(effect, value) of the offer, refused where the history teaches nothing of `kind`."""
    if uplift is None:
        raise Invalid(
            f"there is no learned uplift for a {kind} event in this plan's history "
            f"(flags: {', '.join(state.dataset.flags) or 'none'}); give {what} yourself"
        )
    return uplift.effect, offered_value(uplift, already)


def _offered(suggestion: Uplift, already: FlagInBaseline | None) -> str:
    """What an event without a value would take, in words."""
    if already is None or already.share <= 0:
        return suggestion.describe()
    offered = format_percent_value(already.new_value, signed=True)
    return (
        f"{offered}: the {suggestion.describe()}, net of the "
        f"{percent_text(already.share, 0)} of the window the seasonal naive baseline repeats"
    )


def _suggestion_record(
    suggestion: Uplift | None, already: FlagInBaseline | None = None
) -> dict[str, Any] | None:
    if suggestion is None:
        return None
    return {
        "effect": suggestion.effect,
        "value": suggestion.value,
        "low": suggestion.low,
        "high": suggestion.high,
        "flag": suggestion.flag,
        "n_series": suggestion.n_series,
    } | (already.record() if already is not None and already.share > 0 else {})


def suggestion_text(record: Mapping[str, Any] | None) -> str:
    """An event's recorded suggestion in words: the learned uplift with its range, and, where
    the seasonal naive baseline already repeated part of it, the net value offered."""
    if not record:
        return ""
    value, low, high = (
        format_percent_value(record.get(key, 0), signed=True) for key in ("value", "low", "high")
    )
    text = f"{value} (range {low} to {high}) from {record.get('flag', '')}"
    if "net_value" in record:
        text += (
            f", {format_percent_value(record['net_value'], signed=True)} net of the "
            f"{percent_text(record.get('in_baseline', 0), 0)} the baseline repeats"
        )
    return text


def edit_event(
    store: PlanRepository,
    plan: str,
    actor: str,
    event_id: str,
    *,
    name: str | None = None,
    kind: str | None = None,
    scope: Scope | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    effect: str | None = None,
    value: float | str | None = None,
    reason: str | None = None,
    use_suggestion: bool = False,
    expected_version: int | None = None,
) -> Saved:
    """Change some fields of an event (the others stay); it keeps its place in the order. With
    `use_suggestion` its value becomes what the system offers for it as it then stands (the
    learned uplift, net of what a seasonal naive baseline repeats). A value typed as text is
    read in the plan's currency for its effect, the new one or the event's (``typed_value``)."""
    plan_checks.check_text("an event's name", name, bounds.MAX_NAME_CHARS)
    plan_checks.check_text("an event's reason", reason)
    state = plans.get_plan(store, plan)
    if isinstance(value, str):  # a bad value is refused first, as every face reads it first
        known = next((e.effect for e in events_of(state) if e.event_id == event_id), None)
        value = typed_value(value, effect or known, state.currency)  # (no event: refused below)
    plans.require_role(state, actor, "planner", "edit events")
    plans.require_unlocked(state, "edit events")
    get_event(state, event_id)
    if (effect is None) != (value is None) and effect is not None:
        raise Invalid("a new effect needs its value too", Fix(FixKey.GIVE_EFFECT_VALUE))
    if use_suggestion and value is not None:
        raise Invalid("give a value or take the suggestion, not both")
    fields = {"name": name, "kind": kind, "scope": scope, "start": start, "end": end}
    made: list[tuple[Event, str | None]] = []

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        # The edit is made on the event as the state being saved has it: a save redone after a
        # lost race applies the fields given to the event as the other writer left it, and is
        # refused (with the reason) once the event is gone or already is as asked.
        old = _event_still_there(s, event_id, "edit")
        new, followed = _edited(
            store,
            s,
            old,
            fields,
            effect=effect,
            value=value,
            reason=reason,
            use_suggestion=use_suggestion,
        )
        made[:] = [(new, followed)]
        s.events = [new.to_dict() if e["event_id"] == event_id else e for e in s.events]
        return f"edit event {new.describe(currency=s.currency)}", old.to_dict(), new.to_dict()

    saved = _change_events(
        store, state.plan_id, actor, "edit_event", mutate, expected_version, reason=reason
    )
    new, followed = made[0]
    notes = [n for n in (followed, _coverage_note(store, saved, new)) if n]
    return Saved(saved, event=new, note="; ".join(notes) or None)


def _event_still_there(state: PlanState, event_id: str, doing: str) -> Event:
    """The event `event_id` as `state` has it; refused, saying so, if it was removed since the
    edit was asked for (a save redone after losing a race to the removal)."""
    try:
        return get_event(state, event_id)
    except NotFound as exc:
        raise NotFound(
            f"event {event_id!r} is no longer in plan {state.plan_id}: it was removed meanwhile, "
            f"so there is nothing to {doing} (the plan's audit log says who removed it)"
        ) from exc


def _edited(
    store: PlanRepository,
    state: PlanState,
    old: Event,
    fields: Mapping[str, Any],
    *,
    effect: str | None,
    value: float | None,
    reason: str | None,
    use_suggestion: bool,
) -> tuple[Event, str | None]:
    """`old` with the fields given changed (the others stay), checked on `state`, and a note
    when it follows the suggestion for its new window."""
    event_id = old.event_id
    name, kind, scope = fields["name"], fields["kind"], fields["scope"]
    start, end = fields["start"], fields["end"]
    _valid_dates(start or old.start, end or old.end)
    new = Event(
        event_id=old.event_id,
        name=old.name if name is None else name,
        kind=old.kind if kind is None else kind,
        scope=old.scope if scope is None else scope,
        start=old.start if start is None else overrides._as_date(start, "start"),
        end=old.end if end is None else overrides._as_date(end, "end"),
        effect=old.effect if effect is None else effect,
        value=old.value if value is None else float(value),
        reason=old.reason if reason is None else reason,
        author=old.author,
        suggested=old.suggested,
        created_at=old.created_at,
        # A value typed now counts by days; otherwise the event keeps how it counts.
        counts=old.counts if value is None else overrides.DAYS,
    )
    old_text = old.describe(currency=state.currency)
    if new == old and not use_suggestion:
        raise Invalid(f"nothing to change: event {event_id} already is {old_text}")
    _checked(store, state, new)
    where = (new.kind, new.scope, new.start, new.end)
    followed: str | None = None
    if use_suggestion or where != (old.kind, old.scope, old.start, old.end):
        # What the system offers for the event as it now stands (the value stays the person's
        # unless the suggestion is asked for, or the event took the offer and no value is typed).
        uplift, already = _offer(store, state, *where)
        new = replace(new, suggested=_suggestion_record(uplift, already))
        took_offer = old.counts == overrides.OFFER_COUNTS and overrides.takes_offer(old)
        follows = took_offer and effect is None and value is None and not use_suggestion
        if use_suggestion or (follows and uplift is not None):
            effect, value = _take_offer(state, new.kind, uplift, already, "the value")
            new = replace(new, effect=effect, value=value, counts=overrides.OFFER_COUNTS)
            if follows:
                followed = (
                    f"{event_id} took the suggestion, so it takes the one for its "
                    f"{_moved(old, new)} now: {new.describe_effect(currency=state.currency)} "
                    f"(was {old.describe_effect(currency=state.currency)})"
                )
        elif follows:
            # Nothing offered there: the value stays, counted by days as a typed one is.
            new = replace(new, counts=overrides.DAYS)
            followed = (
                f"there is no suggestion for {event_id}'s {_moved(old, new)}: it keeps "
                f"{old.describe_effect(currency=state.currency)} and now counts by the days it "
                "covers, as a typed value"
            )
        if new == old:
            raise Invalid(f"nothing to change: event {event_id} already is {old_text}")
    return new, followed


def _moved(old: Event, new: Event) -> str:
    """What of an event an edit changed, in words: "new dates", "new scope and kind"."""
    changed = [
        what
        for what, before, after in (
            ("dates", (old.start, old.end), (new.start, new.end)),
            ("scope", old.scope, new.scope),
            ("kind", old.kind, new.kind),
        )
        if before != after
    ]
    return "new " + " and ".join(changed) if changed else "window"


def remove_event(
    store: PlanRepository,
    plan: str,
    actor: str,
    event_id: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Saved:
    plan_checks.check_text("the reason for removing an event", reason)
    state = plans.get_plan(store, plan)
    get_event(state, event_id)
    removed: list[Event] = []

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        # the event as the state being saved has it (a redone save: as another writer left it)
        old = _event_still_there(s, event_id, "remove")
        removed[:] = [old]
        s.events = [e for e in s.events if e["event_id"] != event_id]
        return f"remove event {old.describe(currency=s.currency)}", old.to_dict(), None

    saved = _change_events(
        store, state.plan_id, actor, "remove_event", mutate, expected_version, reason=reason
    )
    return Saved(saved, event=removed[0])


def restore_event(
    store: PlanRepository,
    plan: str,
    actor: str,
    event_id: str,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Undo the removal of `event_id`: re-add the event as the audit log recorded it when it was
    removed (same id, since ids are never reused) in its place in the order (``_place_of``), so
    the plan is as it was before the removal; with an audit row of its own."""
    state = plans.get_plan(store, plan)
    plans.require_role(state, actor, "planner", "restore events")
    plans.require_unlocked(state, "restore events")
    if any(e["event_id"] == event_id for e in state.events):
        raise Invalid(f"event {event_id} is in plan {state.plan_id}; there is nothing to restore")
    removals = [
        entry
        for entry in plans.audit_log(store, state.plan_id)
        if entry.action == "remove_event" and (entry.before or {}).get("event_id") == event_id
    ]
    if not removals:
        raise NotFound(
            f"plan {state.plan_id} has no recorded removal of event {event_id!r}; the audit log "
            "lists the events that were removed"
        )
    event = Event.from_dict(removals[-1].before)
    _checked(store, state, event)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if any(e["event_id"] == event_id for e in s.events):
            raise Invalid(f"event {event_id} was restored already; reload the page")
        if s.version != state.version:
            _checked(store, s, event)  # a redone save: the event checked with the fresh events
        # Back in its place, not at the end: where 'set' events overlap the one added last
        # wins, so an appended event would now win over events added after it.
        s.events.insert(_place_of(s.events, event_id), event.to_dict())
        return f"restore event {event.describe(currency=s.currency)}", None, event.to_dict()

    saved = _change_events(store, state.plan_id, actor, "restore_event", mutate, expected_version)
    return Saved(saved, event=event)


def _event_number(event_id: str) -> int | None:
    """12 of "E12" (event ids are numbered in the order the events were added)."""
    digits = event_id[1:] if event_id[:1] == "E" else ""
    return int(digits) if digits.isdigit() else None


def _place_of(events: Sequence[Mapping[str, Any]], event_id: str) -> int:
    """Where a removed event goes back in the plan's order: the events stay in the order they
    were added (an edit keeps an event's place), which is the order of their numbers, so after
    the last event added before it (the end if its id is not numbered)."""
    number = _event_number(event_id)
    if number is None:
        return len(events)
    place = 0
    for i, e in enumerate(events):
        other = _event_number(str(e["event_id"]))
        if other is not None and other < number:
            place = i + 1
    return place


# -- explanations, threshold, publish --------------------------------------------------------


def explain(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    reason_code: str,
    text: str,
    level: str | None = None,
    key: str | None = None,
    ds: date | str | None = None,
    event_id: str | None = None,
    cells: Sequence[tuple[str, str, date | str]] | None = None,
    expected_version: int | None = None,
) -> Saved:
    """Explain marked deviations in one change: one cell (`level`, `key`, `ds`), several
    (`cells` = [(level, key, ds), ...]), or with `event_id` every unexplained marked cell that
    event touches (and with ``ds`` only those of that period)."""
    plan_checks.check_text("an explanation", text)
    state = plans.get_plan(store, plan)
    plans.require_role(state, actor, "planner", "explain deviations")
    plans.require_unlocked(state, "explain deviations")
    frame = _system_plan_frame(store, state)
    marked = _marked(store, state)  # shared: selections below copy, nothing changes it
    fingerprints = overrides.event_fingerprints(events_of(state))
    when: pd.Timestamp | None = None
    if ds is not None:
        try:
            when = _period_start(frame, pd.Timestamp(ds), state.freq)
        except (ValueError, TypeError) as exc:
            raise Invalid(f"the period {ds!r} is not a date", Fix(FixKey.PERIOD_DATE)) from exc
    if event_id is not None:
        get_event(state, event_id)
        touched = marked["events"].astype(str).str.split(",").apply(lambda ids: event_id in ids)
        targets = marked.loc[touched & ~marked["explained"]]
        if level is not None:
            targets = targets.loc[targets["level"] == level]
        if key is not None:
            targets = targets.loc[targets["key"] == str(key)]
        if when is not None:
            targets = targets.loc[targets[schema.DS] == when]
        if targets.empty:
            raise Invalid(
                f"event {event_id} touches no unexplained deviation above the threshold "
                f"({percent_text(state.threshold, 0)})",
                Fix(FixKey.LIST_DEVIATIONS, plan=state.plan_id),
            )
    elif cells:
        try:
            wanted = {(str(lv), str(k), pd.Timestamp(d).date()) for lv, k, d in cells}
        except (ValueError, TypeError) as exc:
            raise Invalid(
                f"cells must be (level, key, date) with dates as YYYY-MM-DD: {exc}"
            ) from exc
        marked_cells = [
            (str(r.level), str(r.key), pd.Timestamp(cast(pd.Timestamp, r.ds)).date())
            for r in marked.itertuples(index=False)
        ]
        hit = np.array([c in wanted for c in marked_cells], dtype=bool)
        missing = wanted - set(marked_cells)
        if missing:
            shown = ", ".join(f"{lv} {k} {d}" for lv, k, d in sorted(missing)[:10])
            raise Invalid(
                f"{len(missing)} of the cells have no marked deviation to explain: {shown}"
            )
        targets = marked.loc[hit]
    else:
        if level is None or key is None or when is None:
            raise Invalid("say which deviation to explain", Fix(FixKey.CHOOSE_DEVIATION))
        targets = marked.loc[
            (marked["level"] == level) & (marked["key"] == str(key)) & (marked[schema.DS] == when)
        ]
        if targets.empty:
            _require_known(store, state, level, str(key))
            nearby = marked.loc[(marked["level"] == level) & (marked["key"] == str(key))]
            hint = (
                "its marked periods: " + ", ".join(f"{d:%Y-%m-%d}" for d in nearby[schema.DS])
                if len(nearby)
                else f"nothing of {level} {key} is above the threshold ({percent_text(state.threshold, 0)})"
            )
            raise Invalid(
                f"{level} {key} on {when:%Y-%m-%d} has no marked deviation to explain; {hint}"
            )
    now = utc_now()
    new = [
        Explanation(
            # Rows of the marked-deviation frame (the stubs type each field as any scalar).
            level=cast(str, row.level),
            key=str(row.key),
            ds=pd.Timestamp(cast(pd.Timestamp, row.ds)).date(),
            reason_code=reason_code,
            text=(text or "").strip(),
            author=actor,
            at=now,
            deviation_pct=_finite_or_none(cast(float, row.deviation_pct)),
            # What it is written for: the cell's change and the events that make it, as they are.
            amount=_amount(cast(float, row.system_plan) - cast(float, row.baseline)),
            events=tuple(
                (i, fingerprints[i])
                for i in overrides.cell_event_ids(row.events)
                if i in fingerprints
            ),
        )
        for row in targets.itertuples(index=False)
    ]
    try:
        for explanation in new:
            explanation.check()
    except OverrideError as exc:
        raise _refusal(exc) from exc

    replaced: list[dict[str, Any]] = []

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        cells = {e.cell for e in new}
        hit = [Explanation.cell_of(e) in cells for e in s.explanations]
        kept = [e for e, h in zip(s.explanations, hit, strict=True) if not h]
        replaced[:] = [e for e, h in zip(s.explanations, hit, strict=True) if h]
        s.explanations = kept + [e.to_dict() for e in new]
        first = new[0]
        if len(new) == 1:
            where = f"{first.level} {first.key} {first.ds}"
        elif event_id is not None:
            where = f"{len(new)} deviations of event {event_id}"
        else:
            where = f"{len(new)} deviations"
        what = f"explain {where}: {reason_code}: {first.text}"
        if replaced:
            what += f" (replacing {_replaced_text(replaced)})"
        # The replaced explanations stay in the audit log as what was there before.
        return what, replaced or None, [e.to_dict() for e in new]

    saved = plans.change_plan(
        store,
        state.plan_id,
        actor=actor,
        action="explain",
        mutate=mutate,
        expected_version=expected_version,
        role="planner",
        doing="explain deviations",
    )
    note = f"this replaces {_replaced_text(replaced)}" if replaced else None
    return Saved(saved, explained=len(new), note=note)


def _replaced_text(replaced: Sequence[Mapping[str, Any]]) -> str:
    """``the explanation by ann (promotion: 'flyer')`` or ``3 earlier explanations``."""
    if len(replaced) > 1:
        return f"{len(replaced)} earlier explanations"
    old = Explanation.from_dict(replaced[0])
    return f"the explanation by {old.author or 'someone'} ({old.reason_code}: {old.text!r})"


def _require_known(store: PlanRepository, state: PlanState, level: str, key: str) -> None:
    """A series or team the plan does not have is not found (the CLI's exit code 4)."""
    attributes = plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES)
    known = (
        set(attributes[schema.UNIQUE_ID].astype(str))
        if level == "series"
        else set(plans.teams_of(attributes, state.team_attr).astype(str))
    )
    if key not in known:
        raise NotFound(f"plan {state.plan_id} has no {level} {key!r}; `plan show` lists them")


def _period_start(frame: pd.DataFrame, when: pd.Timestamp, freq: str) -> pd.Timestamp:
    """The start of the horizon period that contains `when` (any day of a week names the week)."""
    periods = overrides.horizon_periods(frame[schema.DS].unique(), freq)
    start = overrides.period_start(periods, when)
    return when if start is None else start


def _amount(value: float) -> float:
    """A cell's change from the baseline as recorded, to 15 significant digits."""
    return float(f"{float(value):.15g}")


def _finite_or_none(value: float) -> float | None:
    """A percentage as recorded: to 15 significant digits (35.000000000000014 is 35), or None."""
    return float(f"{value:.15g}") if np.isfinite(value) else None


def set_threshold(
    store: PlanRepository,
    plan: str,
    actor: str,
    threshold: float,
    *,
    expected_version: int | None = None,
) -> Saved:
    """The deviation threshold as a fraction (0.2 = 20 %), more than 0 and at most 1 (100 %:
    ``plan_checks.threshold_problem``); owner only."""
    try:
        threshold = float(threshold)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"the threshold must be a number such as 0.2, got {threshold!r}") from exc
    if (problem := plan_checks.threshold_problem(threshold)) is not None:
        raise Invalid(problem)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        before = s.threshold
        s.threshold = threshold
        return (
            f"threshold {percent_text(before, 0)} -> {percent_text(threshold, 0)}",
            before,
            threshold,
        )

    return Saved(
        plans.change_plan(
            store,
            plan,
            actor=actor,
            action="threshold",
            mutate=mutate,
            expected_version=expected_version,
            role="owner",
            doing="change the threshold",
        )
    )


def publish(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    expected_version: int | None = None,
) -> Saved:
    """Publish the system plan (owner). Refused while any marked deviation is unexplained; the
    error lists them. A published plan's system track is read-only (the negotiation goes on)."""
    state = plans.get_plan(store, plan)
    plans.require_role(state, actor, "owner", "publish")
    plans.require_unlocked(state, "publish it again")
    _require_explained(store, state)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if s.version != state.version:
            # a redone save: the gate as the fresh state stands (another writer's event may
            # have opened a deviation, or an explanation closed one)
            _require_explained(store, s)
        s.status = PUBLISHED
        s.published_at = utc_now()
        s.published_by = actor
        return "publish the system plan", "draft", PUBLISHED

    return Saved(
        plans.change_plan(
            store,
            state.plan_id,
            actor=actor,
            action="publish",
            mutate=mutate,
            expected_version=expected_version,
            role="owner",
            doing="publish",
        )
    )


def _require_explained(store: PlanRepository, state: PlanState) -> None:
    """Refuse to publish while any marked deviation of `state` is unexplained, listing them."""
    marked = _marked(store, state)
    gate = gate_of(state, marked)
    if gate.blocks_publishing:
        open_cells = marked.loc[~marked["explained"]]
        raise WrongStage(
            f"plan {state.plan_id} cannot be published: {gate.open} deviation(s) above "
            f"{percent_text(state.threshold, 0)} have no explanation:\n"
            f"{overrides.describe_cells(open_cells)}\n",
            Fix(FixKey.EXPLAIN_DEVIATIONS, plan=state.plan_id),
        )


def new_version(store: PlanRepository, plan: str, actor: str, name: str | None = None) -> PlanState:
    return plan_versions.new_version(store, plan, actor, name)


# -- new factors -----------------------------------------------------------------------------


def factor_column(factor_id: str) -> str:
    return f"factor_{factor_id}"


class _InputsMoved(Exception):
    """What a change was computed from moved under it (another writer saved first): compute it
    again on the fresh state."""


def _factor_inputs(state: PlanState) -> tuple[Any, ...]:
    """What marking a factor re-forecasts from: the data, the baseline, the factors marked so
    far (their ids and markers) and the calendar."""
    return (state.dataset, state.baseline, state.factors, state.freq, state.horizon)


def mark_factor(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    name: str,
    scope: Scope,
    start: date | str,
    model: str | None = None,
    expected_version: int | None = None,
) -> Saved:
    """Mark series with a factor the model has not seen (from `start` on) and re-forecast them
    with a 0/1 marker as regressor (1 from `start` on and over the whole horizon). The baselines
    before and after are kept (blobs ``factor_before:<id>`` / ``factor_after:<id>``) and the plan's
    baseline uses the new one.

    Without `expected_version`, a save that loses a race is redone on the fresh state; when
    another writer changed what the re-forecast rests on (marked a factor itself), the factor
    is computed again on the fresh data."""
    while True:
        try:
            return _mark_factor_once(
                store,
                plan,
                actor,
                name=name,
                scope=scope,
                start=start,
                model=model,
                expected_version=expected_version,
            )
        except _InputsMoved:
            continue


def _mark_factor_once(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    name: str,
    scope: Scope,
    start: date | str,
    model: str | None,
    expected_version: int | None,
) -> Saved:
    from forecast.engine.baseline import forecast_baseline

    plan_checks.check_text("a factor's name", name, bounds.MAX_NAME_CHARS)
    state = plans.get_plan(store, plan)
    plans.require_role(state, actor, "planner", "mark factors")
    plans.require_unlocked(state, "mark factors")
    _refuse_more("factors", len(state.factors), 1)  # before the series are forecast again
    name = (name or "").strip()
    if not name:
        raise Invalid("a factor needs a name (e.g. 'became a hit')")
    frames = plans.load_frames(store, state.plan_id)
    try:
        scope.validate(frames.attributes)
    except OverrideError as exc:
        raise _refusal(exc) from exc
    try:
        when = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"the start {start!r} is not a date; use YYYY-MM-DD") from exc
    history = frames.history
    first, last = history[schema.DS].min(), history[schema.DS].max()
    if not first < when <= last:
        raise Invalid(
            f"the factor must start inside the history ({first:%Y-%m-%d} .. {last:%Y-%m-%d}, "
            "after its first period) so the model can learn its effect"
        )
    ids = scope.series_ids(frames.attributes)
    factor_id = f"F{len(state.factors) + 1}"
    marker = factor_column(factor_id)
    history = history.copy()
    history[marker] = (history[schema.DS] >= when).astype(float)
    history.loc[~history[schema.UNIQUE_ID].isin(ids), marker] = 0.0
    markers = [c for c in history.columns if c.startswith("factor_")]
    affected = history.loc[history[schema.UNIQUE_ID].isin(ids)]
    before = frames.baseline.loc[frames.baseline[schema.UNIQUE_ID].isin(ids)]
    future = before[[schema.UNIQUE_ID, schema.DS]].copy()
    for column in markers:
        future[column] = 1.0 if column == marker else _last_value(affected, column, future)
    # Seasonal naive ignores regressors (and "auto" may pick it), so a marker could change
    # nothing: re-forecast with ETS and its flag effects unless the user names a model.
    chosen = model or (
        "ets" if state.baseline.model in ("snaive", "auto") else state.baseline.model
    )
    plan_checks.check_model(chosen)

    def reforecast(columns: list[str]) -> pd.DataFrame:
        try:
            out = forecast_baseline(
                affected[[schema.UNIQUE_ID, schema.DS, schema.Y, *columns]],
                state.horizon,
                freq=state.freq,
                levels=tuple(state.baseline.levels),
                model=chosen,
                future=future[[schema.UNIQUE_ID, schema.DS, *columns]],
                shut_weekdays=plan_create.shut_weekdays(state),
            )
        except schema.SchemaError as exc:
            raise Invalid.from_error(exc) from exc
        return schema.validate_baseline(out)

    after = reforecast(markers)
    # The same model without the new marker: separates the factor's effect from the model's.
    control = reforecast([c for c in markers if c != marker])
    rest = frames.baseline.loc[~frames.baseline[schema.UNIQUE_ID].isin(ids)]
    new_baseline = pd.concat([rest, after[list(frames.baseline.columns)]], ignore_index=True)
    new_baseline = schema.validate_baseline(new_baseline)
    factor = Factor(
        factor_id=factor_id,
        name=name,
        scope=scope,
        start=when.date().isoformat(),
        author=actor,
        at=utc_now(),
        model=chosen,
        n_series=len(ids),
        baseline_before=float(before[schema.BASELINE].sum()),
        baseline_after=float(after[schema.BASELINE].sum()),
        baseline_without_factor=float(control[schema.BASELINE].sum()),
    )

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if _factor_inputs(s) != _factor_inputs(state):
            raise _InputsMoved  # nothing is written; the factor is computed again
        s.factors.append(factor.to_dict())
        s.baseline = plan_create.baseline_info(
            new_baseline, s.baseline.model, s.baseline.levels, s.baseline.selection
        )
        if marker not in s.dataset.flags:
            s.dataset.flags.append(marker)
        return (
            f"mark factor {factor_id} {name!r} on {scope.describe()} from {factor.start}: "
            f"{len(ids)} series re-forecast, their baseline "
            f"{percent_text(factor.change or 0.0, 1, signed=True)}",
            {"baseline": factor.baseline_before},
            {"baseline": factor.baseline_after},
        )

    history_bytes = frame_to_bytes(history)
    saved = plans.change_plan(
        store,
        state.plan_id,
        actor=actor,
        action="mark_factor",
        mutate=mutate,
        expected_version=expected_version,
        role="planner",
        doing="mark factors",
        blobs={
            plan_frames.HISTORY: history_bytes,
            accuracy_grid.SCALES_BLOB: accuracy_grid.scales_blob(history_bytes, state.freq),
            plan_frames.BASELINE: frame_to_bytes(new_baseline),
            f"factor_before:{factor_id}": frame_to_bytes(before),
            f"factor_after:{factor_id}": frame_to_bytes(after),
            f"factor_control:{factor_id}": frame_to_bytes(control),
        },
    )
    return Saved(saved, factor=factor)


def _last_value(history: pd.DataFrame, column: str, future: pd.DataFrame) -> pd.Series:
    """Older markers stay at their last value over the horizon."""
    last = history.sort_values(schema.DS).groupby(schema.UNIQUE_ID)[column].last()
    return future[schema.UNIQUE_ID].map(last).fillna(0.0).astype(float)


def factor_comparison(store: PlanRepository, plan: str, factor_id: str) -> pd.DataFrame:
    """unique_id, ds, before (the plan's baseline before marking), after (re-forecast with the
    marker), without_factor (the same model without the marker: after - without_factor is the
    factor's own effect), change_pct (after against before)."""
    state = plans.get_plan(store, plan)
    known_ids = [f.factor_id for f in factors_of(state)]
    if factor_id not in known_ids:
        known = ", ".join(known_ids) or "none yet"
        raise NotFound(f"plan {state.plan_id} has no factor {factor_id!r}; its factors: {known}")
    before = plan_frames.load_blob_frame(store, state.plan_id, f"factor_before:{factor_id}")
    after = plan_frames.load_blob_frame(store, state.plan_id, f"factor_after:{factor_id}")
    out = (
        before[[schema.UNIQUE_ID, schema.DS, schema.BASELINE]]
        .rename(columns={schema.BASELINE: "before"})
        .merge(
            after[[schema.UNIQUE_ID, schema.DS, schema.BASELINE]].rename(
                columns={schema.BASELINE: "after"}
            ),
            on=[schema.UNIQUE_ID, schema.DS],
        )
    )
    kinds = store.blob_kinds(state.plan_id)
    if f"factor_control:{factor_id}" in kinds:
        control = plan_frames.load_blob_frame(store, state.plan_id, f"factor_control:{factor_id}")
        out = out.merge(
            control[[schema.UNIQUE_ID, schema.DS, schema.BASELINE]].rename(
                columns={schema.BASELINE: "without_factor"}
            ),
            on=[schema.UNIQUE_ID, schema.DS],
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = np.where(
            out["before"] > 0, 100.0 * (out["after"] / out["before"] - 1.0), np.nan
        )
    return out
