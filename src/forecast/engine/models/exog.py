"""Regressor effects for models without native exogenous support (ETS, seasonal naive).

The effect of flag columns (promo, holiday...) is estimated by least squares on seasonally
differenced data, which removes level and season so that only the flag's own effect remains;
the model is then fitted on ``y - X @ beta`` and ``future_X @ beta`` is added back."""

from __future__ import annotations

import numpy as np


def flag_effects(y: np.ndarray, exog: np.ndarray | None, season: int) -> np.ndarray | None:
    """Coefficients of the flag columns, or None when there is nothing usable to estimate."""
    if exog is None or exog.size == 0:
        return None
    x = np.asarray(exog, dtype=float)
    lag = season if len(y) > 2 * season else 1
    dy = y[lag:] - y[:-lag]
    dx = x[lag:] - x[:-lag]
    keep = np.abs(dx).sum(axis=0) > 0
    if not keep.any() or len(dy) < 3 * int(keep.sum()):
        return None
    beta = np.zeros(x.shape[1])
    coef, *_ = np.linalg.lstsq(dx[:, keep], dy, rcond=None)
    beta[keep] = coef
    if not np.isfinite(beta).all():
        return None
    return beta


def apply_effects(exog: np.ndarray | None, beta: np.ndarray | None, h: int) -> np.ndarray:
    if beta is None or exog is None:
        return np.zeros(h)
    return np.asarray(exog, dtype=float) @ beta
