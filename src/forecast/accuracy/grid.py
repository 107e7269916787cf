"""The plan's layers and the actuals on one series x period grid (numpy), built once per score.

Cells without an actual are NaN in ``y`` and count nowhere; every figure is over the cells that
have actuals (a partial horizon scores only the periods that arrived).

Each layer's value added is measured from the layer it was built on: the system plan from the
baseline (events on it), the negotiated target from the layer its negotiation was set on, its
recorded basis (``ScoredGrid.target_basis``: the baseline or the system plan), so an event does
not move the target's value added when the target was never built on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

UNIQUE_ID = "unique_id"
DS = "ds"
Y = "y"
TEAM = "team"

LAYERS = ("baseline", "system_plan", "target")
LAYER_LABELS = {
    "baseline": "Baseline",
    "system_plan": "System plan (events)",
    "target": "Negotiated target",
}
TARGET_BASES = ("baseline", "system_plan")
"""The layers a negotiation can be set on (``forecast.vocabulary.Basis``)."""


class AccuracyError(ValueError):
    """Input the scoring cannot use (message meant for a planner)."""


@dataclass
class ScoredGrid:
    series: pd.Index  # unique_id per row of the grids
    periods: pd.DatetimeIndex  # the plan's horizon, one column each
    team: np.ndarray  # team (str) per series
    y: np.ndarray  # actuals, NaN where none
    layers: dict[str, np.ndarray]  # layer name -> forecast grid (same shape as y)
    scale: np.ndarray  # MASE scale per series (NaN: no usable scale)
    # The layer the target's negotiation was set on (its recorded basis): the target's step
    # starts there.
    target_basis: str = "system_plan"

    def __post_init__(self) -> None:
        if self.target_basis not in TARGET_BASES:
            raise AccuracyError(
                f"unknown basis {self.target_basis!r} of the target; use baseline or system_plan"
            )

    def step_from(self, name: str) -> str | None:
        """The layer `name`'s value added is measured from (None for the baseline): the one it
        was built on, present on the grid."""
        source = {"system_plan": "baseline", "target": self.target_basis}.get(name)
        if source is not None and source not in self.layers:
            source = "baseline"
        return source

    @property
    def has_actual(self) -> np.ndarray:
        return ~np.isnan(self.y)

    @property
    def layer_names(self) -> list[str]:
        return [name for name in LAYERS if name in self.layers]


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    return np.asarray(index.get_indexer(pd.Index(values)))


def build_grid(
    plan: pd.DataFrame,
    actuals: pd.DataFrame,
    scale: Mapping[str, float] | pd.Series,
    *,
    target_basis: str = "system_plan",
) -> ScoredGrid:
    """`plan`: ``unique_id, ds, team`` and a column per layer present (``baseline``,
    ``system_plan``, ``target``); `actuals`: ``unique_id, ds, y`` (only cells of the plan count);
    `scale`: unique_id -> MASE scale (the seasonal naive's in-sample MAE of the history);
    `target_basis`: the layer the target's negotiation was set on (``baseline`` or
    ``system_plan``)."""
    layers = [name for name in LAYERS if name in plan.columns]
    if "baseline" not in layers:
        raise AccuracyError("the plan frame needs a baseline column")
    # One factorisation over the plan's ids and then the actuals' ids: the plan's series get the
    # first codes, ids only the actuals have get codes after them (and count nowhere).
    ids = pd.concat(
        [plan[UNIQUE_ID].astype(str), actuals[UNIQUE_ID].astype(str)], ignore_index=True
    )
    codes, uniques = pd.factorize(ids)
    n_plan = len(plan)
    rows = codes[:n_plan]
    n_series = int(rows.max()) + 1 if n_plan else 0
    series = pd.Index(uniques[:n_series]).astype(str)
    periods = pd.DatetimeIndex(sorted(pd.unique(pd.to_datetime(plan[DS]))))
    cols = _positions(periods, pd.to_datetime(plan[DS]))
    shape = (len(series), len(periods))
    grids: dict[str, np.ndarray] = {}
    for name in layers:
        grid = np.full(shape, np.nan)
        grid[rows, cols] = plan[name].to_numpy(dtype=float)
        grids[name] = grid
    team = np.full(len(series), "", dtype=object)
    team[rows] = plan[TEAM].astype(str).to_numpy() if TEAM in plan else "all"
    y = np.full(shape, np.nan)
    a_rows = np.where(codes[n_plan:] < n_series, codes[n_plan:], -1)
    a_cols = _positions(periods, pd.to_datetime(actuals[DS]))
    inside = (a_rows >= 0) & (a_cols >= 0)
    y[a_rows[inside], a_cols[inside]] = actuals[Y].to_numpy(dtype=float)[inside]
    y[np.isnan(grids["baseline"])] = np.nan  # a cell the plan does not have does not count
    scales = pd.Series(scale, dtype=float).reindex(series).to_numpy(dtype=float, copy=True)
    scales[~(scales > 0)] = np.nan
    return ScoredGrid(series, periods, team.astype(str), y, grids, scales, str(target_basis))
