"""Value added by each human touch: the plan without the touch against the plan with it.

- an event, an event kind, a planner (all events they authored): the system plan rebuilt without
  those events (the combination rule of `forecast.overrides`: set, then percents, additions, caps)
  against the system plan; only the cells the events touch change.
- a reason code: the cells explained with that code, baseline against system plan.
- a value given instead of the system's offer ("vs suggestion"): a percent event at the value the
  add-event form offered (the learned uplift, net of what a seasonal naive baseline repeats)
  against the event at the value its author gave; positive: the person's number was closer.
- a lead's claim, a team's assignment, the assignment rule (every assignment): the team's target
  without that amount against the target. The target is spread down in proportion within a team,
  so a series-period's target without an amount is its target x (team target - amount) / team
  target.

value added = absolute error without the touch - absolute error with it, over the touched cells
that have actuals (positive: the touch made the forecast better); ``value_added_wape`` is the same
in WAPE points of the whole scored set (value added / sum |actual|), so touches compare directly
with the steps between layers.

A touch none of whose cells has an actual yet is not scored: its errors and value added are
empty (not 0), ``scored`` is False and ``not_scored`` says why (no actuals for its periods yet,
or it covers no series-period of the plan).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from forecast.accuracy.grid import UNIQUE_ID, ScoredGrid
from forecast.money import format_amount, format_money, format_percent_value
from forecast.overrides import (
    Event,
    Explanation,
    apply_effect,
    compose,
    effect_parts,
    event_shares,
    horizon_periods,
)
from forecast.vocabulary import IMPORTED_HISTORY

COLUMNS = [
    "touch_type",
    "touch",
    "who",
    "step",
    "series_periods",
    "error_without",
    "error_with",
    "value_added",
    "value_added_wape",
    "made_worse",
    "audit_ids",
    "audit",
    "scored",
    "not_scored",
]
NO_ACTUALS_YET = "no actuals yet for its series and periods"
POINTS_DECIMALS = 2
"""A touch's value added is read in WAPE points to two decimals: one that rounds to 0.00 pts
made no visible change (it is listed after those that made it worse or helped)."""


def shown_points(value_added_wape: float) -> float:
    """A touch's value added in WAPE points as it reads beside the touch (`POINTS_DECIMALS`,
    rounded as ``format_points`` rounds): 0.0 there is no change, whichever way it went."""
    return round(float(value_added_wape) * 100, POINTS_DECIMALS)


COVERS_NOTHING = "it covers no series-period of the plan"
EVENT_STEP = "baseline -> system plan"
# The effect each of the combination rule's components (``overrides.effect_parts``) comes from.
PART_EFFECTS = ("set", "set", "percent", "add", "cap", "cap")
FACTOR, ADDED = 2, 3
TARGET_STEP = "system plan -> negotiated target"
"""The target's step when its negotiation was set on the system plan (`target_step`)."""


def target_step(basis: str) -> str:
    """The step a claim or assignment belongs to: from the layer the negotiation was set on (its
    recorded basis, ``baseline`` or ``system_plan``) to the negotiated target."""
    return f"{basis.replace('_', ' ')} -> negotiated target"


@dataclass(frozen=True)
class AuditRef:
    """The part of an audit row a touch is traced to."""

    id: int
    at: str
    actor: str
    action: str
    before: Any = None
    after: Any = None

    def describe(self) -> str:
        return f"#{self.id} {self.at} {self.actor} {self.action}"


@dataclass(frozen=True)
class EventTouchInput:
    events: Sequence[Event]
    explanations: Sequence[Explanation]
    attributes: pd.DataFrame  # unique_id + attribute columns (the events' scopes)
    freq: str  # the plan's: the days each period holds (``overrides.horizon_periods``)
    currency: str | None = None  # the plan's ISO code, for the add, cap and set amounts


@dataclass(frozen=True)
class ClaimTouch:
    team: str
    amount: int  # minor units
    author: str
    note: str = ""


@dataclass(frozen=True)
class NegotiationTouches:
    targets: Mapping[str, int]  # team -> target over the whole horizon (minor units)
    claims: Sequence[ClaimTouch] = ()
    assignments: Mapping[str, int] = field(default_factory=dict)  # team -> minor units
    rule: str | None = None
    assigned_by: str | None = None
    currency: str | None = None  # the plan's ISO code, for the amounts in the labels


# -- events on the grid ----------------------------------------------------------------------


class EventGrid:
    """The events' blocks (series x periods) on a `ScoredGrid`, to rebuild the system plan without
    some of them on just the cells they touch. `freq`: the plan's, for the days each period holds."""

    def __init__(
        self,
        grid: ScoredGrid,
        attributes: pd.DataFrame,
        events: Sequence[Event],
        freq: str,
    ):
        self.grid = grid
        self.events = list(events)
        attrs = attributes.copy()
        attrs[UNIQUE_ID] = attrs[UNIQUE_ID].astype(str)
        attrs = attrs.drop_duplicates(UNIQUE_ID).set_index(UNIQUE_ID).reindex(grid.series)
        periods = horizon_periods(grid.periods, freq)
        starts = periods["ds"].to_numpy(dtype="datetime64[ns]")
        ends = periods["end"].to_numpy(dtype="datetime64[ns]")
        codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}

        def select(column: str, values: Iterable[str]) -> np.ndarray:
            if column not in codes:
                source = grid.series if column == UNIQUE_ID else attrs[column].astype(str)
                found, uniques = pd.factorize(pd.Index(source))
                codes[column] = (found, {str(v): i for i, v in enumerate(uniques)})
            found, positions = codes[column]
            wanted = np.zeros(len(positions) + 1, dtype=bool)
            for value in values:
                if value in positions:
                    wanted[positions[value]] = True
            return wanted[found]

        n_series, n_periods = len(grid.series), len(grid.periods)
        self.series_masks = np.zeros((len(self.events), n_series), dtype=bool)
        self.period_shares = np.zeros((len(self.events), n_periods))
        for i, event in enumerate(self.events):
            mask = np.ones(n_series, dtype=bool)
            for key, values in event.scope.attributes.items():
                if key not in attrs.columns:
                    mask[:] = False
                    break
                mask &= select(key, values)
            if event.scope.ids:
                mask &= select(UNIQUE_ID, event.scope.ids)
            self.series_masks[i] = mask
            self.period_shares[i] = event_shares(event, starts, ends)
        self.period_masks = self.period_shares > 0
        self.series_idx = [np.flatnonzero(m) for m in self.series_masks]
        self.period_idx = [np.flatnonzero(m) for m in self.period_masks]
        # The components of the combination rule over the whole grid, once; a touch's
        # "without" undoes only its own events on the cells they cover.
        everything = (np.arange(n_series), np.arange(n_periods))
        self.components = self._components(*everything, dropped=set(), only=None)
        self.full = compose(self.grid.layers["baseline"], *self.components)

    def _components(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        dropped: set[int],
        only: set[str] | None,
    ) -> list[np.ndarray]:
        """``overrides.effect_parts`` on rows x cols (index arrays) from the events not dropped
        (of the effects in `only`, all when None), in list order: a later set wins."""
        parts = effect_parts((len(rows), len(cols)))
        block_of = self._blocks(rows, cols)
        for i, event in enumerate(self.events):
            if i in dropped or (only is not None and event.effect not in only):
                continue
            if only is not None and not self.period_masks[i][cols].any():
                continue  # outside the columns asked for
            found = block_of(i)
            if found is not None:
                apply_effect(parts, event, *found)
        return parts

    def _blocks(self, rows: np.ndarray, cols: np.ndarray) -> Callable[[int], Any]:
        """For an event's index, its cells on the rows x cols rectangle (index arrays) as an
        ``np.ix_`` block of that rectangle and the event's share in each of the block's
        columns; None where it has none there."""
        row_pos = np.full(len(self.grid.series), -1)
        row_pos[rows] = np.arange(len(rows))
        col_pos = np.full(len(self.grid.periods), -1)
        col_pos[cols] = np.arange(len(cols))

        def block(i: int) -> Any:
            periods = self.period_idx[i]
            r, c = row_pos[self.series_idx[i]], col_pos[periods]
            inside = c >= 0
            r, c = r[r >= 0], c[inside]
            if not len(r) or not len(c):
                return None
            return np.ix_(r, c), self.period_shares[i][periods[inside]]

        return block

    def plan_on(self, rows: np.ndarray, cols: np.ndarray, dropped: set[int]) -> np.ndarray:
        """The system plan on rows x cols (boolean masks or index arrays) without the `dropped`
        events: their percents divided out and additions taken off the cells they cover; sets and
        caps (which do not undo) rebuilt from the other events of their kind."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        cols = np.flatnonzero(cols) if cols.dtype == bool else cols
        rect = np.ix_(rows, cols)
        # Sets and caps do not undo (nor does a -100 % percent): those components are rebuilt
        # from the other events of their kind; the others are read (fancy indexing copies).
        rebuild = {
            self.events[i].effect
            for i in dropped
            if self.events[i].effect in ("set", "cap")
            or (self.events[i].effect == "percent" and float(self.events[i].value) == -100.0)
        }
        if rebuild:
            fresh = self._components(rows, cols, dropped, only=rebuild)
        parts = [
            fresh[position] if effect in rebuild else component[rect]
            for position, (effect, component) in enumerate(
                zip(PART_EFFECTS, self.components, strict=True)
            )
        ]
        block_of = self._blocks(rows, cols)
        for i in sorted(dropped):
            event = self.events[i]
            if event.effect in rebuild or event.effect not in ("percent", "add"):
                continue
            found = block_of(i)
            if found is None:
                continue
            block, share = found[0], found[1][np.newaxis, :]
            if event.effect == "percent":
                parts[FACTOR][block] /= 1.0 + share * float(event.value) / 100.0
            else:
                parts[ADDED][block] -= share * float(event.value)
        return compose(self.grid.layers["baseline"][rect], *parts)

    def covers(self, group: Sequence[int]) -> bool:
        """Whether some event of the group touches a series-period of the plan (actuals or not)."""
        index = list(group)
        if not index:
            return False
        return bool(
            (self.series_masks[index].any(axis=1) & self.period_masks[index].any(axis=1)).any()
        )

    def value_added(self, group: Sequence[int]) -> tuple[int, float, float]:
        """(cells with actuals touched, error without the group, error with it)."""
        found = self._touched(group)
        if found is None:
            return 0, 0.0, 0.0
        rows, cols, cells = found
        return self._errors(rows, cols, cells, self.plan_on(rows, cols, set(group)))

    def value_against(
        self, group: Sequence[int], offered: Mapping[int, float]
    ) -> tuple[int, float, float]:
        """(cells with actuals touched, error with the percent events of `group` at the values
        the system offered them, error with the values people gave). Events at -100 %, which
        do not scale back, are left as they are."""
        found = self._touched(group)
        if found is None:
            return 0, 0.0, 0.0
        rows, cols, cells = found
        rect = np.ix_(rows, cols)
        parts = [component[rect] for component in self.components]
        block_of = self._blocks(rows, cols)
        for i in group:
            event, value, found = self.events[i], offered.get(i), block_of(i)
            if value is None or found is None or event.effect != "percent":
                continue
            if float(event.value) != -100.0:
                block, share = found[0], found[1][np.newaxis, :]
                parts[FACTOR][block] *= (1.0 + share * value / 100.0) / (
                    1.0 + share * float(event.value) / 100.0
                )
        return self._errors(rows, cols, cells, compose(self.grid.layers["baseline"][rect], *parts))

    def _touched(self, group: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The group's rectangle (rows, cols) and, on it, the cells it touches that have an
        actual; None where there are none."""
        if not group:
            return None
        index = list(group)
        rows = np.flatnonzero(self.series_masks[index].any(axis=0))
        cols = np.flatnonzero(self.period_masks[index].any(axis=0))
        if not len(rows) or not len(cols):
            return None
        has_actual = ~np.isnan(self.grid.y[np.ix_(rows, cols)])
        if len(index) == 1:
            touched = has_actual  # one event's rectangle is exactly its cells
        else:
            # A cell is touched when some event of the group covers its series and its period:
            # (series x events) @ (events x periods) counts them (exactly, in float32).
            members = np.asarray(index, dtype=np.int64)
            series_hit = self.series_masks[np.ix_(members, rows)].T.astype(np.float32)
            period_hit = self.period_masks[np.ix_(members, cols)].astype(np.float32)
            touched = (series_hit @ period_hit) > 0
        cells = touched & has_actual
        return (rows, cols, cells) if cells.any() else None

    def _errors(
        self, rows: np.ndarray, cols: np.ndarray, cells: np.ndarray, other: np.ndarray
    ) -> tuple[int, float, float]:
        """(cells, error of `other` on them, error of the system plan on them)."""
        rect = np.ix_(rows, cols)
        y = self.grid.y[rect][cells]
        return (
            int(cells.sum()),
            float(np.abs(y - other[cells]).sum()),
            float(np.abs(y - self.full[rect][cells]).sum()),
        )


# -- tracing to the audit log -----------------------------------------------------------------


TRACED_KEYS = ("event_id", "team", "reason_code")


def _collect(value: Any, found: set[tuple[str, str]]) -> None:
    """Every (key, value) of the traced keys anywhere in an audit row's before/after."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in TRACED_KEYS and not isinstance(item, Mapping | list):
                found.add((str(key), str(item)))
            elif isinstance(item, Mapping | list):
                _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def _as_done(entry: AuditRef) -> tuple[str, AuditRef, Any, Any] | None:
    """An audit row as the change it records: (its action, the row as cited, its before, its
    after). A row an import carried in (``IMPORTED_HISTORY``) reads as the source plan's row it
    stands for, its source action and details, through any number of imports, and is cited as
    that action imported; None where it carries no details (a bundle from before they were
    carried), which traces it to nothing."""
    action, before, after = entry.action, entry.before, entry.after
    while action == IMPORTED_HISTORY:
        if (
            not isinstance(after, Mapping)
            or not isinstance(after.get("source_action"), str)
            or ("source_before" not in after and "source_after" not in after)
        ):
            return None
        action, before, after = (
            after["source_action"],
            after.get("source_before"),
            after.get("source_after"),
        )
    if action == entry.action:
        return action, entry, before, after
    return action, replace(entry, action=f"{action} (imported)"), before, after


class AuditIndex:
    """The audit rows of the traced actions by what they name, built in one pass."""

    def __init__(self, audit: Sequence[AuditRef], actions: set[str]) -> None:
        self.by_action: dict[str, list[AuditRef]] = {}
        self.by_key: dict[tuple[str, str, str], list[AuditRef]] = {}
        self.carried_by: AuditRef | None = None
        for entry in audit:
            done = _as_done(entry)
            if done is None:
                continue
            action, ref, before, after = done
            if action == NEW_VERSION and self.carried_by is None:
                self.carried_by = ref
            if action not in actions:
                continue
            self.by_action.setdefault(action, []).append(ref)
            found: set[tuple[str, str]] = set()
            _collect(before, found)
            _collect(after, found)
            for key, value in found:
                self.by_key.setdefault((action, key, value), []).append(ref)

    def find(self, actions: set[str], key: str | None, wanted: str | None) -> list[AuditRef]:
        """The rows of `actions` that name `wanted` under `key` (all rows of them without)."""
        out: list[AuditRef] = []
        for action in sorted(actions):
            if key is None or wanted is None:
                out += self.by_action.get(action, [])
            else:
                out += self.by_key.get((action, key, str(wanted)), [])
        if not out and self.carried_by is not None:
            # Nothing done to it in this plan: a new version carried it in from the one before.
            return [self.carried_by]
        return sorted(out, key=lambda e: e.id)


NEW_VERSION = "new_version"
"""The row that made a plan as a new version of another: it carried in every event, claim,
explanation and assignment not touched since (cited for those, which no row of their own names)."""

# "create": a plan made like another records there the events it carried from it.
EVENT_ACTIONS = {"create", "add_event", "edit_event", "remove_event"}
CLAIM_ACTIONS = {"claim", "unclaim"}
TRACED_ACTIONS = EVENT_ACTIONS | CLAIM_ACTIONS | {"explain", "assign"}


# -- the table ------------------------------------------------------------------------------


def _row(
    touch_type: str,
    touch: str,
    who: str,
    step: str,
    measured: tuple[int, float, float],
    total_abs_actual: float,
    audit: Sequence[AuditRef],
    covers: bool = True,
) -> dict[str, Any]:
    """One touch's row; `covers`: whether it touches any series-period of the plan (said as
    the reason when none of its cells has an actual, so it is not scored)."""
    cells, without, with_ = measured
    unique = {e.id: e for e in audit}
    refs = [unique[k] for k in sorted(unique)]
    row: dict[str, Any] = {
        "touch_type": touch_type,
        "touch": touch,
        "who": who,
        "step": step,
        "series_periods": cells,
        "audit_ids": json.dumps([e.id for e in refs]),
        "audit": "; ".join(e.describe() for e in refs),
    }
    if not cells:  # nothing to score it on: no figures, and why
        return row | {
            "error_without": None,
            "error_with": None,
            "value_added": None,
            "value_added_wape": None,
            "made_worse": False,
            "scored": False,
            "not_scored": NO_ACTUALS_YET if covers else COVERS_NOTHING,
        }
    added = without - with_
    return row | {
        "error_without": without,
        "error_with": with_,
        "value_added": added,
        "value_added_wape": added / total_abs_actual if total_abs_actual else None,
        "made_worse": bool(added < -1e-9),
        "scored": True,
        "not_scored": None,
    }


def _scaled_touch(
    grid: ScoredGrid, team: str, amount: int, team_target: int
) -> tuple[int, float, float]:
    """(cells, error without `amount` of the team's target, error with it)."""
    target = grid.layers["target"]
    mask = (grid.team == team)[:, None] & grid.has_actual
    if not mask.any():
        return 0, 0.0, 0.0
    ratio = (team_target - amount) / team_target if team_target else 0.0
    y = grid.y[mask]
    with_ = target[mask]
    return (
        int(mask.sum()),
        float(np.abs(y - with_ * ratio).sum()),
        float(np.abs(y - with_).sum()),
    )


def _explained_cells(grid: ScoredGrid, explanations: Sequence[Explanation]) -> np.ndarray:
    mask = np.zeros(grid.y.shape, dtype=bool)
    col_of = {d.date(): j for j, d in enumerate(grid.periods)}
    row_of = {str(s): i for i, s in enumerate(grid.series)}
    for item in explanations:
        j = col_of.get(item.ds)
        if j is None:
            continue
        if item.level == "series":
            i = row_of.get(str(item.key))
            if i is not None:
                mask[i, j] = True
        else:
            mask[grid.team == str(item.key), j] = True
    return mask


OFFER_TOUCH = "vs suggestion"
OFFERS_TOGETHER = "all {count} values given instead of the offer"


def offered_value(event: Event) -> float | None:
    """What the system offered a percent event (the learned uplift, net of what a seasonal
    naive baseline repeated), where the person gave another value; else None."""
    offer = event.suggested or {}
    value = offer.get("net_value", offer.get("value"))
    if event.effect != "percent" or value is None or offer.get("effect", "percent") != "percent":
        return None
    return None if round(float(value), 1) == round(float(event.value), 1) else float(value)


def _against_offers(egrid: EventGrid, index: AuditIndex, total: float) -> list[dict[str, Any]]:
    """Each event whose person gave another value than the system offered, scored against the
    offer (value added > 0: the person's number was closer), and all of them together."""
    offered = {
        i: value
        for i, event in enumerate(egrid.events)
        if (value := offered_value(event)) is not None
    }
    rows = []
    for i, value in offered.items():
        event = egrid.events[i]
        refs = index.find(EVENT_ACTIONS, "event_id", event.event_id)
        given, offer = (format_percent_value(v, signed=True) for v in (event.value, value))
        label = f"{event.event_id} {event.name}: {given} given, {offer} offered"
        measured = egrid.value_against([i], {i: value})
        covers = egrid.covers([i])
        rows.append(
            _row(OFFER_TOUCH, label, event.author, EVENT_STEP, measured, total, refs, covers)
        )
    if len(offered) > 1:
        members = sorted(offered)
        refs = [
            r
            for i in members
            for r in index.find(EVENT_ACTIONS, "event_id", egrid.events[i].event_id)
        ]
        who = ", ".join(sorted({egrid.events[i].author for i in members}))
        label = OFFERS_TOGETHER.format(count=len(members))
        measured = egrid.value_against(members, offered)
        covers = egrid.covers(members)
        rows.append(_row(OFFER_TOUCH, label, who, EVENT_STEP, measured, total, refs, covers))
    return rows


def _events_scored(count: int, scored: int) -> str:
    """``2 events``, or ``2 events, 1 scored`` while some have no actuals yet."""
    events = f"{count} event{'s' if count != 1 else ''}"
    return events if scored == count else f"{events}, {scored} scored"


NONE_TYPED_INSTEAD = "no value was typed instead of a suggestion"
OFFERS_NOT_SCORED = "the values typed instead of a suggestion have no actuals yet"


def given_vs_offered_why_none(touches: pd.DataFrame) -> str | None:
    """Why `given_vs_offered` has no value (None when it has one): no event's value differs
    from the system's suggestion, or those that do are not scored yet."""
    if given_vs_offered(touches) is not None:
        return None
    if len(touches) and (touches["touch_type"] == OFFER_TOUCH).any():
        return OFFERS_NOT_SCORED
    return NONE_TYPED_INSTEAD


def given_vs_offered(touches: pd.DataFrame) -> float | None:
    """The WAPE points the values people gave added over the system's offers, all events
    together (the table's row for all of them, else its one event's row); None where every
    event took the offer or none had one."""
    if not len(touches):
        return None
    offered = touches[touches["touch_type"] == OFFER_TOUCH]
    together = offered[offered["touch"].str.fullmatch(OFFERS_TOGETHER.format(count=r"\d+"))]
    rows = together if len(together) else offered
    if not len(rows) or pd.isna(rows.iloc[0]["value_added_wape"]):
        return None
    return float(rows.iloc[0]["value_added_wape"])


def _effect_label(event: Event, currency: str | None) -> str:
    """``percent 20``, ``add $6,000``: an event's effect in a touch's label, its amount in the
    plan's currency."""
    if event.effect == "percent":
        return f"percent {event.value:g}"
    return f"{event.effect} {format_amount(event.value, currency)}"


def _amount(minor: int, currency: str | None) -> str:
    """``+$532,469.96``: a claim or assignment in the plan's currency, signed."""
    return format_money(Decimal(int(minor)) / 100, currency, decimals=2, signed=True)


def touch_table(
    grid: ScoredGrid,
    events: EventTouchInput | None,
    negotiation: NegotiationTouches | None,
    audit: Sequence[AuditRef] = (),
    *,
    progress: Callable[[float, str], None] | None = None,
    event_grid: EventGrid | None = None,
) -> pd.DataFrame:
    """Every touch with its value added; the ones that made the forecast worse first (worst
    first), then the rest (best first). `event_grid`: the events already on this grid (built
    with it), else they are put on it here."""
    total = float(np.abs(np.where(grid.has_actual, grid.y, 0.0)).sum())
    index = AuditIndex(audit, TRACED_ACTIONS)
    rows: list[dict[str, Any]] = []
    if events is not None and events.events and "system_plan" in grid.layers:
        egrid = event_grid or EventGrid(grid, events.attributes, events.events, events.freq)
        scored_events: set[int] = set()
        for i, event in enumerate(egrid.events):
            if progress and i % 20 == 0:
                progress(i / max(1, len(egrid.events)), f"event {i + 1} of {len(egrid.events)}")
            refs = index.find(EVENT_ACTIONS, "event_id", event.event_id)
            measured = egrid.value_added([i])
            if measured[0]:
                scored_events.add(i)
            rows.append(
                _row(
                    "event",
                    f"{event.event_id} {event.name} ({_effect_label(event, events.currency)})",
                    event.author,
                    EVENT_STEP,
                    measured,
                    total,
                    refs,
                    egrid.covers([i]),
                )
            )
        rows.extend(_against_offers(egrid, index, total))
        for attr, touch_type in (("kind", "event kind"), ("author", "planner")):
            groups: dict[str, list[int]] = {}
            for i, event in enumerate(egrid.events):
                groups.setdefault(str(getattr(event, attr)) or "(none)", []).append(i)
            for name, members in sorted(groups.items()):
                refs = [
                    r
                    for i in members
                    for r in index.find(EVENT_ACTIONS, "event_id", egrid.events[i].event_id)
                ]
                who = ", ".join(sorted({egrid.events[i].author for i in members}))
                label = (
                    f"{name} ({_events_scored(len(members), len(scored_events & set(members)))})"
                )
                measured = egrid.value_added(members)
                covers = egrid.covers(members)
                rows.append(_row(touch_type, label, who, EVENT_STEP, measured, total, refs, covers))
        by_code: dict[str, list[Explanation]] = {}
        for item in events.explanations:
            by_code.setdefault(item.reason_code, []).append(item)
        for code, items in sorted(by_code.items()):
            explained = _explained_cells(grid, items)
            cells = explained & grid.has_actual
            y = grid.y[cells]
            measured = (
                int(cells.sum()),
                float(np.abs(y - grid.layers["baseline"][cells]).sum()),
                float(np.abs(y - grid.layers["system_plan"][cells]).sum()),
            )
            refs = index.find({"explain"}, "reason_code", code)
            who = ", ".join(sorted({i.author for i in items}))
            covers = bool(explained.any())
            rows.append(_row("reason code", code, who, EVENT_STEP, measured, total, refs, covers))
    if negotiation is not None and "target" in grid.layers:
        step = target_step(grid.step_from("target") or "baseline")
        targets = {str(k): int(v) for k, v in negotiation.targets.items()}
        for claim in negotiation.claims:
            if not claim.amount:
                continue
            refs = index.find(CLAIM_ACTIONS, "team", claim.team)
            measured = _scaled_touch(grid, claim.team, claim.amount, targets.get(claim.team, 0))
            shown = _amount(claim.amount, negotiation.currency)
            label = f"claim of team {claim.team} ({shown})"
            covers = bool((grid.team == claim.team).any())
            rows.append(_row("claim", label, claim.author, step, measured, total, refs, covers))
        assign_refs = index.find({"assign"}, None, None)
        totals = [0, 0.0, 0.0]
        for team, amount in sorted(negotiation.assignments.items()):
            if not amount:
                continue
            measured = _scaled_touch(grid, str(team), int(amount), targets.get(str(team), 0))
            totals = [totals[0] + measured[0], totals[1] + measured[1], totals[2] + measured[2]]
            label = f"assignment to team {team} ({_amount(int(amount), negotiation.currency)})"
            who = negotiation.assigned_by or ""
            covers = bool((grid.team == str(team)).any())
            rows.append(_row("assignment", label, who, step, measured, total, assign_refs, covers))
        if negotiation.rule and any(negotiation.assignments.values()):
            rows.append(
                _row(
                    "assignment rule",
                    str(negotiation.rule),
                    negotiation.assigned_by or "",
                    step,
                    (int(totals[0]), float(totals[1]), float(totals[2])),
                    total,
                    assign_refs,
                    any(
                        (grid.team == str(t)).any() for t, a in negotiation.assignments.items() if a
                    ),
                )
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    # made it worse first, then helped, then those whose change reads 0.00 pts (either way),
    # then those not scored
    unseen = table["value_added_wape"].astype(float).map(shown_points).eq(0)
    scored = table["scored"].astype(bool)
    worse = table[table["made_worse"] & ~unseen].sort_values("value_added", kind="stable")
    better = table[scored & ~table["made_worse"] & ~unseen].sort_values(
        "value_added", ascending=False, kind="stable"
    )
    level = table[scored & unseen].sort_values("value_added", ascending=False, kind="stable")
    return pd.concat([worse, better, level, table[~scored]], ignore_index=True)
