"""Exponential smoothing (statsmodels Holt-Winters), a small family chosen by AICc.

Family: additive damped trend with additive season (when the history has two full seasons),
additive damped trend without season, and level with season. Heuristic initialisation and a
plain local optimiser keep a fit near 10 ms for 156 weekly points. Intervals use the
ETS(A,Ad,A) forecast-variance formula with the fitted smoothing parameters and the in-sample
one-step residual variance. Flag columns (promo...) enter as an additive effect (see ``exog``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, normal_intervals
from forecast.engine.models.exog import apply_effects, flag_effects


def _variance_multipliers(
    h: int, alpha: float, beta: float, gamma: float, phi: float, m: int
) -> np.ndarray:
    """sqrt(1 + sum_{j<k} c_j^2) for k = 1..h, for the additive damped-trend seasonal model."""
    j = np.arange(1, h)
    damp = phi * (1 - phi**j) / (1 - phi) if phi < 1 else j.astype(float)
    c = alpha * (1 + beta * damp)
    if m > 1:
        c = c + gamma * (1 - alpha) * (j % m == 0)
    return np.sqrt(1 + np.concatenate([[0.0], np.cumsum(c**2)]))


class ETS:
    """Holt-Winters family by AICc (``variants`` restricts it, e.g. ``("damped_seasonal",)``)."""

    name = "ets"
    VARIANTS = ("damped_seasonal", "damped", "seasonal")

    def __init__(self, season_length: int = 1, variants: Sequence[str] | None = None) -> None:
        self.season_length = max(int(season_length), 1)
        self.variants = tuple(variants) if variants else self.VARIANTS

    def _candidates(self, n: int) -> list[dict[str, object]]:
        seasonal_ok = self.season_length > 1 and n >= 2 * self.season_length
        specs: dict[str, dict[str, object]] = {
            "damped_seasonal": dict(trend="add", damped_trend=True, seasonal="add"),
            "damped": dict(trend="add", damped_trend=True, seasonal=None),
            "seasonal": dict(trend=None, damped_trend=False, seasonal="add"),
        }
        out = []
        for name in self.variants:
            spec = specs[name]
            if spec["seasonal"] and not seasonal_ok:
                continue
            out.append(spec)
        if not out:
            out.append(specs["damped"])
        return out

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> ETS:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        y = as_float_array(y)
        if len(y) < 4:
            raise ModelError("ETS needs at least 4 observations")
        self._beta = flag_effects(y, exog, self.season_length)
        target = y - apply_effects(exog, self._beta, len(y))
        best = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for spec in self._candidates(len(y)):
                model = ExponentialSmoothing(
                    target,
                    trend=spec["trend"],
                    damped_trend=spec["damped_trend"],
                    seasonal=spec["seasonal"],
                    seasonal_periods=self.season_length if spec["seasonal"] else None,
                    initialization_method="heuristic" if spec["seasonal"] else "estimated",
                )
                try:
                    res = model.fit(use_brute=False)
                except Exception:  # noqa: BLE001 - try the next member of the family
                    continue
                score = res.aicc if np.isfinite(res.aicc) else res.aic
                if not np.isfinite(score):
                    score = np.inf
                if best is None or score < best[0]:
                    best = (score, res, spec)
        if best is None:
            raise ModelError("no exponential smoothing model could be fitted")
        _, self._res, self._spec = best
        resid = np.asarray(self._res.resid, dtype=float)
        self._sigma = float(np.sqrt(np.nanmean(resid**2)))
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        mean = np.asarray(self._res.forecast(h), dtype=float)
        mean = mean + apply_effects(future_exog, self._beta, h)
        p = self._res.params
        phi = float(p.get("damping_trend", 1.0) or 1.0) if self._spec["damped_trend"] else 1.0
        beta = float(p.get("smoothing_trend", 0.0) or 0.0) if self._spec["trend"] else 0.0
        gamma = float(p.get("smoothing_seasonal", 0.0) or 0.0) if self._spec["seasonal"] else 0.0
        m = self.season_length if self._spec["seasonal"] else 1
        mult = _variance_multipliers(h, float(p["smoothing_level"]), beta, gamma, phi, m)
        return normal_intervals(mean, self._sigma * mult, levels)

    @property
    def variant(self) -> str:
        spec = self._spec
        if spec["trend"] and spec["seasonal"]:
            return "damped_seasonal"
        return "damped" if spec["trend"] else "seasonal"


YEAR_IN_PERIODS = {"D": 365.25, "W": 365.25 / 7, "M": 12.0, "Q": 4.0}


class FourierETS:
    """Smooth season by Fourier regression, then damped-trend exponential smoothing on the rest.

    For long, noisy seasons (52 weeks) a seasonal ETS estimates 52 separate states from two or
    three noisy years; a handful of yearly harmonics (as Prophet uses) is far steadier. Daily
    data gets weekly harmonics (plus yearly ones with two years of history). The true length
    of a year in weeks (52.18) is used, so the season does not drift against the calendar."""

    name = "fets"

    def __init__(self, season_length: int = 52, base_freq: str = "W", yearly_k: int = 10) -> None:
        self.season_length = max(int(season_length), 1)
        self.base_freq = base_freq
        self.yearly_k = yearly_k

    def _design(self, t: np.ndarray) -> np.ndarray:
        from forecast.engine.models.arima import fourier_terms

        parts = [np.ones((len(t), 1)), (t / max(self._n, 1))[:, None]]
        for period, k in self._seasons:
            parts.append(fourier_terms(t, period, k))
        return np.column_stack(parts)

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> FourierETS:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        y = as_float_array(y)
        n = len(y)
        if n < 10:
            raise ModelError("Fourier ETS needs at least 10 observations")
        self._n = n
        year = YEAR_IN_PERIODS.get(self.base_freq, float(self.season_length))
        seasons: list[tuple[float, int]] = []
        if self.base_freq == "D":
            seasons.append((7.0, 3))
            if n >= 2 * 365:
                seasons.append((year, min(self.yearly_k, 5)))
        elif n >= 2 * year - 4:
            seasons.append((year, min(self.yearly_k, int(year // 2))))
        self._seasons = seasons
        self._beta = flag_effects(y, exog, self.season_length)
        target = y - apply_effects(exog, self._beta, n)
        t = np.arange(n, dtype=float)
        x = self._design(t)
        coef, *_ = np.linalg.lstsq(x, target, rcond=None)
        self._coef = coef
        season_part = x[:, 2:] @ coef[2:]
        rest = target - season_part
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._res = ExponentialSmoothing(
                rest, trend="add", damped_trend=True, initialization_method="estimated"
            ).fit(use_brute=False)
        resid = np.asarray(self._res.resid, dtype=float)
        self._sigma = float(np.sqrt(np.nanmean(resid**2)))
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        t = np.arange(self._n, self._n + h, dtype=float)
        season_part = self._design(t)[:, 2:] @ self._coef[2:]
        mean = np.asarray(self._res.forecast(h), dtype=float) + season_part
        mean = mean + apply_effects(future_exog, self._beta, h)
        p = self._res.params
        phi = float(p.get("damping_trend", 1.0) or 1.0)
        beta = float(p.get("smoothing_trend", 0.0) or 0.0)
        mult = _variance_multipliers(h, float(p["smoothing_level"]), beta, 0.0, phi, 1)
        return normal_intervals(mean, self._sigma * mult, levels)
