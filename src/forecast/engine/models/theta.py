"""Theta method (statsmodels ThetaModel): SES with drift on the seasonally adjusted series.

The season is removed by a classical decomposition (multiplicative for positive series,
additive otherwise) when the history has two full seasons; the seasonal test of statsmodels
decides whether it is needed. Intervals are the SES forecast intervals of statsmodels
(additive errors on the adjusted scale) with the season put back, matching its error form.
Flag columns (promo...) enter as an additive effect (see ``exog``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, hi_key, lo_key, z_value
from forecast.engine.models.exog import apply_effects, flag_effects


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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.asarray(res.forecast(h, theta=theta), dtype=float)
        alpha = float(np.asarray(res.params)[1])
        sigma = np.sqrt((1 + np.arange(h) * (1 + (alpha - 1) ** 2)) * sigma2)
    out = {"mean": mean + effect}
    for level in levels:
        z = z_value(level)
        out[lo_key(level)] = mean - z * sigma + effect
        out[hi_key(level)] = mean + z * sigma + effect
    return out


THETAS = (1.0, 1.5, 2.0, 3.0)
"""Weights of the theta line tried by ``OptimisedTheta`` (1: no trend, 2: the classic method)."""


class OptimisedTheta:
    """Theta with its theta weight chosen per series, as statsforecast's AutoTheta optimises
    it: each weight of ``thetas`` forecasts the last ``holdout`` periods from the history
    before them, the one with the lowest mean absolute error forecasts from the whole history.
    The deseasonalisation (multiplicative for positive series, else additive) is tested per
    series by statsmodels. Intervals as for ``Theta``."""

    name = "opt_theta"

    def __init__(self, season_length: int = 1, thetas: Sequence[float] = THETAS) -> None:
        self.season_length = max(int(season_length), 1)
        self.thetas = tuple(thetas)

    def _fit(self, target: np.ndarray, method: str) -> object:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        m = self.season_length
        seasonal = m > 1 and len(target) >= 2 * m
        return ThetaModel(
            target, period=m if seasonal else 1, deseasonalize=seasonal, method=method
        ).fit()

    @staticmethod
    def method_for(target: np.ndarray) -> str:
        """Multiplicative deseasonalisation for positive series (AutoTheta's default), else
        additive. (Choosing between both on the holdout cost a third more time and changed
        little: validation MASE 0.433 -> 0.433 on Walmart store x dept.)"""
        return "multiplicative" if np.all(target > 0) else "additive"

    def holdout(self, n: int) -> int:
        return int(min(max(self.season_length, 8), n // 5))

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> OptimisedTheta:
        y = as_float_array(y)
        if len(y) < 10:
            raise ModelError("optimised Theta needs at least 10 observations")
        self._beta = flag_effects(y, exog, self.season_length)
        target = y - apply_effects(exog, self._beta, len(y))
        methods = [self.method_for(target)]
        k = self.holdout(len(target))
        best: tuple[float, str, float] | None = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for method in methods:
                try:
                    fitted: Any = self._fit(target[:-k], method)
                    paths = [np.asarray(fitted.forecast(k, theta=t)) for t in self.thetas]
                except Exception:  # noqa: BLE001 - try the next deseasonalisation
                    continue
                for theta, path in zip(self.thetas, paths, strict=True):
                    error = float(np.mean(np.abs(path - target[-k:])))
                    if np.isfinite(error) and (best is None or error < best[0]):
                        best = (error, method, theta)
            method, self.theta = (best[1], best[2]) if best else (methods[-1], 2.0)
            self.method = method
            self._res = self._fit(target, method)
        self._sigma2 = drift_ses_variance(target, self._res)
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        effect = apply_effects(future_exog, self._beta, h)
        return theta_forecast(self._res, self._sigma2, h, self.theta, levels, effect)
