"""Value added by each human touch: the plan without the touch against the plan with it.

- an event, an event kind, a planner (all events they authored): the system plan rebuilt without
  those events (the combination rule of `forecast.overrides`: set, then percents, additions, caps)
  against the system plan; only the cells the events touch change.
- a reason code: the cells explained with that code, baseline against system plan.
- a lead's claim, a team's assignment, the assignment rule (every assignment): the team's target
  without that amount against the target. The target is spread down in proportion within a team,
  so a series-period's target without an amount is its target x (team target - amount) / team
  target.

value added = absolute error without the touch - absolute error with it, over the touched cells
that have actuals (positive: the touch made the forecast better); ``value_added_wape`` is the same
in WAPE points of the whole scored set (value added / sum |actual|), so touches compare directly
with the steps between layers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.accuracy.grid import UNIQUE_ID, ScoredGrid
from forecast.overrides import Event, Explanation, horizon_periods

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
]
EVENT_STEP = "baseline -> system plan"
TARGET_STEP = "system plan -> negotiated target"


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


# -- events on the grid ----------------------------------------------------------------------


class EventGrid:
    """The events' blocks (series x periods) on a `ScoredGrid`, to rebuild the system plan without
    some of them on just the cells they touch."""

    def __init__(self, grid: ScoredGrid, attributes: pd.DataFrame, events: Sequence[Event]):
        self.grid = grid
        self.events = list(events)
        attrs = attributes.copy()
        attrs[UNIQUE_ID] = attrs[UNIQUE_ID].astype(str)
        attrs = attrs.drop_duplicates(UNIQUE_ID).set_index(UNIQUE_ID).reindex(grid.series)
        periods = horizon_periods(grid.periods)
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
        self.period_masks = np.zeros((len(self.events), n_periods), dtype=bool)
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
            start, end = np.datetime64(event.start, "ns"), np.datetime64(event.end, "ns")
            self.period_masks[i] = (starts <= end) & (ends >= start)
        self._series_f = self.series_masks.astype(np.float32)
        self._period_f = self.period_masks.astype(np.float32)

    def plan_on(self, rows: np.ndarray, cols: np.ndarray, dropped: set[int]) -> np.ndarray:
        """The system plan on the block rows x cols (boolean masks) without the `dropped` events."""
        base = self.grid.layers["baseline"][np.ix_(rows, cols)]
        shape = base.shape
        set_value = np.full(shape, np.nan)
        factor = np.ones(shape)
        added = np.zeros(shape)
        cap = np.full(shape, np.inf)
        overlapping = np.flatnonzero(
            (self._series_f @ rows.astype(np.float32) > 0)
            & (self._period_f @ cols.astype(np.float32) > 0)
        )
        for i in overlapping:  # list order: a later set wins, as in overrides.apply_events
            if i in dropped:
                continue
            s = self.series_masks[i][rows]
            p = self.period_masks[i][cols]
            if not s.any() or not p.any():
                continue
            block = np.ix_(np.flatnonzero(s), np.flatnonzero(p))
            event = self.events[i]
            value = float(event.value)
            if event.effect == "set":
                set_value[block] = value
            elif event.effect == "percent":
                factor[block] *= 1.0 + value / 100.0
            elif event.effect == "add":
                added[block] += value
            elif event.effect == "cap":
                cap[block] = np.minimum(cap[block], value)
        final = np.where(np.isnan(set_value), base, set_value) * factor + added
        return np.minimum(np.maximum(final, 0.0), cap)

    def value_added(self, group: Sequence[int]) -> tuple[int, float, float]:
        """(cells with actuals touched, error without the group, error with it)."""
        if not group:
            return 0, 0.0, 0.0
        index = list(group)
        rows = self.series_masks[index].any(axis=0)
        cols = self.period_masks[index].any(axis=0)
        y_block = self.grid.y[np.ix_(rows, cols)]
        has_actual = ~np.isnan(y_block)
        if not has_actual.any():
            return 0, 0.0, 0.0
        touched = np.zeros(y_block.shape, dtype=bool)
        for i in index:
            touched |= np.outer(self.series_masks[i][rows], self.period_masks[i][cols])
        cells = touched & has_actual
        if not cells.any():
            return 0, 0.0, 0.0
        with_plan = self.plan_on(rows, cols, set())
        without = self.plan_on(rows, cols, set(index))
        y = y_block[cells]
        return (
            int(cells.sum()),
            float(np.abs(y - without[cells]).sum()),
            float(np.abs(y - with_plan[cells]).sum()),
        )


# -- tracing to the audit log -----------------------------------------------------------------


def _mentions(value: Any, key: str, wanted: str) -> bool:
    if isinstance(value, Mapping):
        if str(value.get(key)) == wanted:
            return True
        return any(_mentions(v, key, wanted) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, key, wanted) for v in value)
    return False


def _trace(
    audit: Sequence[AuditRef], actions: set[str], key: str | None, wanted: str | None
) -> list[AuditRef]:
    """The audit rows of `actions` whose before or after names `wanted` under `key` (all rows of
    those actions when no key is given)."""
    return [
        entry
        for entry in audit
        if entry.action in actions
        and (
            key is None
            or wanted is None
            or _mentions(entry.after, key, wanted)
            or _mentions(entry.before, key, wanted)
        )
    ]


EVENT_ACTIONS = {"add_event", "edit_event", "remove_event"}


# -- the table ------------------------------------------------------------------------------


def _row(
    touch_type: str,
    touch: str,
    who: str,
    step: str,
    measured: tuple[int, float, float],
    total_abs_actual: float,
    audit: Sequence[AuditRef],
) -> dict[str, Any]:
    cells, without, with_ = measured
    added = without - with_
    unique = {e.id: e for e in audit}
    refs = [unique[k] for k in sorted(unique)]
    return {
        "touch_type": touch_type,
        "touch": touch,
        "who": who,
        "step": step,
        "series_periods": cells,
        "error_without": without,
        "error_with": with_,
        "value_added": added,
        "value_added_wape": added / total_abs_actual if total_abs_actual else None,
        "made_worse": bool(added < -1e-9),
        "audit_ids": json.dumps([e.id for e in refs]),
        "audit": "; ".join(e.describe() for e in refs),
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


def touch_table(
    grid: ScoredGrid,
    events: EventTouchInput | None,
    negotiation: NegotiationTouches | None,
    audit: Sequence[AuditRef] = (),
    *,
    progress: Callable[[float, str], None] | None = None,
) -> pd.DataFrame:
    """Every touch with its value added; the ones that made the forecast worse first (worst
    first), then the rest (best first)."""
    total = float(np.abs(np.where(grid.has_actual, grid.y, 0.0)).sum())
    rows: list[dict[str, Any]] = []
    if events is not None and events.events and "system_plan" in grid.layers:
        egrid = EventGrid(grid, events.attributes, events.events)
        for i, event in enumerate(egrid.events):
            if progress and i % 20 == 0:
                progress(i / max(1, len(egrid.events)), f"event {i + 1} of {len(egrid.events)}")
            refs = _trace(audit, EVENT_ACTIONS, "event_id", event.event_id)
            rows.append(
                _row(
                    "event",
                    f"{event.event_id} {event.name} ({event.effect} {event.value:g})",
                    event.author,
                    EVENT_STEP,
                    egrid.value_added([i]),
                    total,
                    refs,
                )
            )
        for attr, touch_type in (("kind", "event kind"), ("author", "planner")):
            groups: dict[str, list[int]] = {}
            for i, event in enumerate(egrid.events):
                groups.setdefault(str(getattr(event, attr)) or "(none)", []).append(i)
            for name, index in sorted(groups.items()):
                refs = [
                    r
                    for i in index
                    for r in _trace(audit, EVENT_ACTIONS, "event_id", egrid.events[i].event_id)
                ]
                who = ", ".join(sorted({egrid.events[i].author for i in index}))
                label = f"{name} ({len(index)} event{'s' if len(index) != 1 else ''})"
                rows.append(
                    _row(touch_type, label, who, EVENT_STEP, egrid.value_added(index), total, refs)
                )
        by_code: dict[str, list[Explanation]] = {}
        for item in events.explanations:
            by_code.setdefault(item.reason_code, []).append(item)
        for code, items in sorted(by_code.items()):
            cells = _explained_cells(grid, items) & grid.has_actual
            y = grid.y[cells]
            measured = (
                int(cells.sum()),
                float(np.abs(y - grid.layers["baseline"][cells]).sum()),
                float(np.abs(y - grid.layers["system_plan"][cells]).sum()),
            )
            refs = _trace(audit, {"explain"}, "reason_code", code)
            who = ", ".join(sorted({i.author for i in items}))
            rows.append(_row("reason code", code, who, EVENT_STEP, measured, total, refs))
    if negotiation is not None and "target" in grid.layers:
        targets = {str(k): int(v) for k, v in negotiation.targets.items()}
        for claim in negotiation.claims:
            if not claim.amount:
                continue
            refs = _trace(audit, {"claim", "unclaim"}, "team", claim.team)
            measured = _scaled_touch(grid, claim.team, claim.amount, targets.get(claim.team, 0))
            label = f"claim of team {claim.team} ({claim.amount / 100:+,.2f})"
            rows.append(_row("claim", label, claim.author, TARGET_STEP, measured, total, refs))
        assign_refs = _trace(audit, {"assign"}, None, None)
        totals = [0, 0.0, 0.0]
        for team, amount in sorted(negotiation.assignments.items()):
            if not amount:
                continue
            measured = _scaled_touch(grid, str(team), int(amount), targets.get(str(team), 0))
            totals = [totals[0] + measured[0], totals[1] + measured[1], totals[2] + measured[2]]
            label = f"assignment to team {team} ({int(amount) / 100:+,.2f})"
            who = negotiation.assigned_by or ""
            rows.append(_row("assignment", label, who, TARGET_STEP, measured, total, assign_refs))
        if negotiation.rule and any(negotiation.assignments.values()):
            rows.append(
                _row(
                    "assignment rule",
                    str(negotiation.rule),
                    negotiation.assigned_by or "",
                    TARGET_STEP,
                    (int(totals[0]), float(totals[1]), float(totals[2])),
                    total,
                    assign_refs,
                )
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    worse = table[table["made_worse"]].sort_values("value_added", kind="stable")
    better = table[~table["made_worse"]].sort_values("value_added", ascending=False, kind="stable")
    return pd.concat([worse, better], ignore_index=True)
