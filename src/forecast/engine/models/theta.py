"""Theta method (statsmodels ThetaModel): SES with drift on the seasonally adjusted series.

The season is removed by a classical decomposition (multiplicative for positive series,
additive otherwise) when the history has two full seasons; the seasonal test of statsmodels
decides whether it is needed. Intervals are the SES forecast intervals of statsmodels
(additive errors on the adjusted scale) with the season put back, matching its error form.
Flag columns (promo...) enter as an additive effect (see ``exog``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, hi_key, lo_key, z_value
from forecast.engine.models.exog import apply_effects, flag_effects
from forecast.engine.quiet import quiet_warnings


class Theta:
    name = "theta"

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = max(int(season_length), 1)

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> Theta:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        y = as_float_array(y)
        if len(y) < 6:
            raise ModelError("Theta needs at least 6 observations")
        self._beta = flag_effects(y, exog, self.season_length)
        target = y - apply_effects(exog, self._beta, len(y))
        m = self.season_length
        seasonal = m > 1 and len(target) >= 2 * m
        method = "multiplicative" if np.all(target > 0) else "additive"
        with quiet_warnings():
            model = ThetaModel(
                target,
                period=m if seasonal else 1,
                deseasonalize=seasonal,
                method=method,
            )
            self._res = model.fit()
        self._sigma2 = drift_ses_variance(target, self._res)
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        effect = apply_effects(future_exog, self._beta, h)
        return theta_forecast(self._res, self._sigma2, h, 2.0, levels, effect)


def drift_ses_variance(y: np.ndarray, res: Any) -> float:
    """One-step error variance of SES with drift (ARIMA(0,1,1) with drift) on the series, with
    the Theta fit's smoothing weight and drift. statsmodels' ``sigma2`` fits that ARIMA afresh
    by maximum likelihood at the first interval asked for (tens of milliseconds, more than the
    Theta fit itself); this reads the same variance off the fit (auto calibrates the intervals
    on its windows in any case)."""
    params = np.asarray(res.params, dtype=float)
    drift, alpha = float(params[0]), float(params[1])
    level, total = float(y[0]), 0.0
    for value in y[1:]:
        error = float(value) - (level + drift)
        total += error * error
        level += drift + alpha * error
    return total / max(len(y) - 1, 1)


def theta_forecast(
    res: Any, sigma2: float, h: int, theta: float, levels: Sequence[int], effect: np.ndarray
) -> dict[str, np.ndarray]:
    """The forecast and intervals of a fitted statsmodels ThetaModel: the intervals are those
    of its ``prediction_intervals`` (variance growing as SES's, normal quantiles), from one
    forecast (statsmodels forecasts again for every level)."""
    with quiet_warnings():
        mean = np.asarray(res.forecast(h, theta=theta), dtype=float)
        alpha = float(np.asarray(res.params)[1])
        sigma = np.sqrt((1 + np.arange(h) * (1 + (alpha - 1) ** 2)) * sigma2)
    out = {"mean": mean + effect}
    for level in levels:
        z = z_value(level)
        out[lo_key(level)] = mean - z * sigma + effect
        out[hi_key(level)] = mean + z * sigma + effect
    return out
