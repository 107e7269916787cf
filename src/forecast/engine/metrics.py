"""Accuracy measures shared by the backtest and ``auto``: MASE, WAPE, bias."""

from __future__ import annotations

import numpy as np


def mase_scale(train: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive (naive when the history is shorter than two seasons).

    Returns NaN when the scale is zero (a constant history), so the series drops out of means."""
    train = np.asarray(train, dtype=float)
    lag = season if len(train) > season and len(train) >= 2 * season else 1
    if len(train) <= lag:
        return float("nan")
    tiny = 1e-9 * max(float(np.mean(np.abs(train))), 1e-12)  # rounding noise counts as zero
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    if scale <= tiny and lag > 1:
        scale = float(np.mean(np.abs(np.diff(train))))
    return scale if scale > tiny else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error over ``scale``. Periods whose actual is NaN (not observed, such as a
    gap in the history) are not scored; NaN when none is left."""
    actual = np.asarray(actual, dtype=float)
    observed = ~np.isnan(actual)
    if not np.isfinite(scale) or scale <= 0 or not observed.any():
        return float("nan")
    return float(np.mean(np.abs(actual[observed] - np.asarray(forecast)[observed])) / scale)
