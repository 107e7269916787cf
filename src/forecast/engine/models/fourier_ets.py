"""Fourier season + damped-trend exponential smoothing ("fourier_ets"), an ``auto`` member."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, normal_intervals
from forecast.engine.models.ets import FIT_METHOD, variance_multipliers
from forecast.engine.models.exog import apply_effects, flag_effects
from forecast.engine.quiet import quiet_warnings

YEAR_IN_PERIODS = {"D": 365.25, "W": 365.25 / 7, "M": 12.0, "Q": 4.0}


class FourierETS:
    """Smooth season by Fourier regression, then damped-trend exponential smoothing on the rest.

    For long, noisy seasons (52 weeks) a seasonal ETS estimates 52 separate states from two or
    three noisy years; a handful of yearly harmonics (as Prophet uses) is far steadier. Daily
    data gets weekly harmonics (plus yearly ones with two years of history). The true length
    of a year in weeks (52.18) is used, so the season does not drift against the calendar."""

    name = "fourier_ets"

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
        with quiet_warnings():
            self._res = ExponentialSmoothing(
                rest, trend="add", damped_trend=True, initialization_method="estimated"
            ).fit(use_brute=False, method=FIT_METHOD)
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
        mult = variance_multipliers(h, float(p["smoothing_level"]), beta, 0.0, phi, 1)
        return normal_intervals(mean, self._sigma * mult, levels)
