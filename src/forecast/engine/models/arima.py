"""ARIMA via statsmodels SARIMAX with a small automatic order search by AIC.

Short seasons (daily 7, quarterly 4, monthly 12) use a seasonal MA term on the seasonally
differenced series when the history has three seasons; long seasons (weekly 52) use Fourier
terms as regressors instead of seasonal orders, which is far cheaper and more stable. The
order of differencing comes from a KPSS test. Flag columns are regressors, as are the Fourier
terms; their future values come from ``future_exog`` (0 when unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, normal_intervals
from forecast.engine.quiet import quiet_warnings

LONG_SEASON = 24
ORDERS: tuple[tuple[int, int], ...] = ((1, 1), (0, 1))
"""(p, q) pairs tried, in order; the first found with the lowest AIC wins."""


def fourier_terms(t: np.ndarray, period: float, k: int) -> np.ndarray:
    cols = []
    for i in range(1, k + 1):
        angle = 2 * np.pi * i * t / period
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols) if cols else np.empty((len(t), 0))


def _needs_difference(y: np.ndarray) -> bool:
    from statsmodels.tsa.stattools import kpss

    if len(y) < 8 or np.std(y) == 0:
        return False
    with quiet_warnings():
        try:
            _, pvalue, *_ = kpss(y, regression="c", nlags="auto")
        except Exception:  # noqa: BLE001 - treat an untestable series as non-stationary
            return True
    return pvalue < 0.05


def _stationary_ar(res: object) -> bool:
    """Whether the fitted AR part is stationary (every root outside the unit circle). The fit
    does not enforce it (that is slower and fails more often), and an AR coefficient of -1.28
    on Superstore's office supplies by month made the forecast swing from -110,900 to 335,100
    within a year; such an order is passed over."""
    roots = np.asarray(getattr(res, "arroots", []), dtype=complex)
    return bool(np.all(np.abs(roots) > 1.0 + 1e-6))


class ARIMA:
    name = "arima"

    def __init__(
        self,
        season_length: int = 1,
        fourier_k: int = 6,
        orders: Sequence[tuple[int, int]] = ORDERS,
        max_iter: int = 50,
        max_points: int = 400,
        force_d: bool = True,
    ) -> None:
        self.season_length = max(int(season_length), 1)
        self.fourier_k = fourier_k
        self.orders = tuple(orders)
        self.max_iter = max_iter
        self.max_points = max_points
        self.force_d = force_d

    def _regressors(self, t: np.ndarray, exog: np.ndarray | None) -> np.ndarray | None:
        parts = []
        if self._fourier_k:
            parts.append(fourier_terms(t, self.season_length, self._fourier_k))
        if exog is not None and self._use_exog:
            parts.append(np.asarray(exog, dtype=float)[:, self._exog_keep])
        if not parts:
            return None
        return np.column_stack(parts)

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> ARIMA:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        y = as_float_array(y)
        if len(y) > self.max_points:
            # the state-space likelihood costs time linear in the length: long daily histories
            # are cut to the recent past (the season and ARMA terms are local anyway)
            exog = None if exog is None else np.asarray(exog)[-self.max_points :]
            y = y[-self.max_points :]
        n = len(y)
        if n < 8:
            raise ModelError("ARIMA needs at least 8 observations")
        m = self.season_length
        long_season = m > LONG_SEASON
        self._fourier_k = min(self.fourier_k, m // 2) if long_season and n >= 2 * m else 0
        seasonal = (0, 0, 0, 0)
        if 1 < m <= LONG_SEASON and n >= 3 * m:
            seasonal = (0, 1, 1, m)
        base = y[m:] - y[:-m] if seasonal[1] else y
        d = 1 if self.force_d or _needs_difference(base) else 0
        self._exog_keep = (
            np.asarray(exog).std(axis=0) > 0 if exog is not None and np.size(exog) else None
        )
        self._use_exog = self._exog_keep is not None and bool(np.any(self._exog_keep))
        self._n = n
        x = self._regressors(np.arange(n, dtype=float), exog)
        trend = "c" if d == 0 and not seasonal[1] else "n"
        best = None
        with quiet_warnings():
            for p, q in self.orders:
                try:
                    model = SARIMAX(
                        y,
                        exog=x,
                        order=(p, d, q),
                        seasonal_order=seasonal,
                        trend=trend,
                        enforce_stationarity=False,
                        enforce_invertibility=False,
                    )
                    res = model.fit(disp=False, maxiter=self.max_iter, method="lbfgs")
                except Exception:  # noqa: BLE001 - try the next order
                    continue
                if not np.isfinite(res.aic) or not _stationary_ar(res):
                    continue
                if best is None or res.aic < best[0]:
                    best = (res.aic, res, (p, d, q))
        if best is None:
            raise ModelError("no ARIMA order could be fitted")
        _, self._res, self.order = best
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        t = np.arange(self._n, self._n + h, dtype=float)
        fut = future_exog
        if self._use_exog and fut is None:
            width = 0 if self._exog_keep is None else int(self._exog_keep.size)
            fut = np.zeros([h, width])
        x = self._regressors(t, fut)
        fc = self._res.get_forecast(h, exog=x)
        mean = np.asarray(fc.predicted_mean, dtype=float)
        sigma = np.sqrt(np.maximum(np.asarray(fc.var_pred_mean, dtype=float), 0.0))
        return normal_intervals(mean, sigma, levels)
