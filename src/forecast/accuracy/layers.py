"""WAPE, MASE and bias of each layer, and the value added by each step, overall / per team / per
period over the cells that have actuals.

- WAPE = sum |actual - forecast| / sum |actual|
- MASE = mean over cells of |actual - forecast| / scale of the cell's series (the seasonal naive's
  in-sample mean absolute error on the plan's history); series without a usable scale drop out
- bias = (sum forecast - sum actual) / sum |actual| (positive: the layer forecast too much)
- value added of a step = the error of the layer it was built on minus this layer's (positive:
  the step made the forecast better), for WAPE and MASE; the baseline's value added is empty.
  The system plan is built on the baseline; the negotiated target on its negotiation's recorded
  basis (`ScoredGrid.step_from`), named in ``step_from``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecast.accuracy.grid import LAYER_LABELS, ScoredGrid

COLUMNS = [
    "scope",
    "key",
    "layer",
    "label",
    "actual",
    "forecast",
    "wape",
    "mase",
    "bias",
    "value_added_wape",
    "value_added_mase",
    "series_periods",
    "step_from",  # the layer the value added is measured from (empty for the baseline)
]


def _sums(grid: ScoredGrid, mask: np.ndarray, axis: int | None) -> dict[str, Any]:
    """Sums of actuals and of each layer's errors over the masked cells, along `axis`."""
    y = np.where(mask, grid.y, 0.0)
    out: dict[str, Any] = {
        "actual": y.sum(axis=axis),
        "abs_actual": np.abs(y).sum(axis=axis),
        "n": mask.sum(axis=axis),
    }
    scale = grid.scale[:, None]
    scaled_mask = mask & np.isfinite(scale)
    out["n_scaled"] = scaled_mask.sum(axis=axis)
    for name in grid.layer_names:
        forecast = np.where(mask, grid.layers[name], 0.0)
        error = np.abs(y - forecast)
        out[f"{name}:forecast"] = forecast.sum(axis=axis)
        out[f"{name}:abs_error"] = error.sum(axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}:scaled"] = np.where(scaled_mask, error / scale, 0.0).sum(axis=axis)
    return out


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _rows(grid: ScoredGrid, scope: str, keys: list[str], sums: dict[str, Any]) -> list[dict]:
    rows = []
    for i, key in enumerate(keys):
        measured: dict[str, dict[str, float | None]] = {}
        for name in grid.layer_names:
            n = int(np.atleast_1d(sums["n"])[i])
            if n == 0:
                continue
            abs_actual = float(np.atleast_1d(sums["abs_actual"])[i])
            actual = float(np.atleast_1d(sums["actual"])[i])
            forecast = float(np.atleast_1d(sums[f"{name}:forecast"])[i])
            wape = _ratio(np.atleast_1d(sums[f"{name}:abs_error"])[i], abs_actual)
            mase = _ratio(
                np.atleast_1d(sums[f"{name}:scaled"])[i], np.atleast_1d(sums["n_scaled"])[i]
            )
            bias = _ratio(forecast - actual, abs_actual)
            source = grid.step_from(name)
            previous = measured.get(source) if source is not None else None
            row = {
                "scope": scope,
                "key": key,
                "layer": name,
                "label": LAYER_LABELS[name],
                "actual": actual,
                "forecast": forecast,
                "wape": wape,
                "mase": mase,
                "bias": bias,
                "value_added_wape": _step(previous, "wape", wape),
                "value_added_mase": _step(previous, "mase", mase),
                "series_periods": n,
                "step_from": source,
            }
            measured[name] = {"wape": wape, "mase": mase}
            rows.append(row)
    return rows


def _step(previous: dict[str, float | None] | None, key: str, value: float | None) -> float | None:
    before = None if previous is None else previous[key]
    if before is None or value is None:
        return None
    return float(before) - float(value)


def layer_table(grid: ScoredGrid) -> pd.DataFrame:
    """One row per (scope, key, layer): scope ``overall`` (key ``TOTAL``), ``team`` and
    ``period`` (key ``YYYY-MM-DD``); see the module text for the measures."""
    mask = grid.has_actual
    per_series = _sums(grid, mask, 1)  # one pass over the grid; teams and total add series up
    rows = _rows(grid, "overall", ["TOTAL"], {k: np.sum(v) for k, v in per_series.items()})
    codes, teams = pd.factorize(pd.Index(grid.team), sort=True)
    by_team = {
        k: np.bincount(codes, weights=np.asarray(v, dtype=float), minlength=len(teams))
        for k, v in per_series.items()
    }
    rows += _rows(grid, "team", [str(t) for t in teams], by_team)
    keys = [d.strftime("%Y-%m-%d") for d in grid.periods]
    rows += _rows(grid, "period", keys, _sums(grid, mask, 0))
    return pd.DataFrame(rows, columns=COLUMNS)


TIE_MARGIN = 5e-4  # WAPE points below which two layers are shown as equally close (0.0 %)


def closer(system_wape: float | None, target_wape: float | None) -> dict[str, Any]:
    """Which culture came closer: ``system_plan``, ``target`` or ``tie`` (a margin under 0.05 WAPE
    points, which a one-decimal percentage shows as 0.0), and the margin in WAPE points."""
    if system_wape is None or target_wape is None:
        return {"closer": None, "margin": None}
    margin = abs(float(system_wape) - float(target_wape))
    if margin < TIE_MARGIN:
        return {"closer": "tie", "margin": margin}
    return {"closer": "system_plan" if system_wape < target_wape else "target", "margin": margin}
