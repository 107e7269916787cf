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

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, hi_key, lo_key
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
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        effect = apply_effects(future_exog, self._beta, h)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.asarray(self._res.forecast(h), dtype=float)
            out = {"mean": mean + effect}
            for level in levels:
                bounds = np.asarray(self._res.prediction_intervals(h, alpha=1 - level / 100))
                out[lo_key(level)] = bounds[:, 0] + effect
                out[hi_key(level)] = bounds[:, 1] + effect
        return out
