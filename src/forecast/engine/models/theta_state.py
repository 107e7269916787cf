"""The optimised and dynamic Theta models (Fiorucci et al. 2016), written for this engine.

The theta line ``ell + (1 - 1/theta) * trend`` is a state-space model: a level ``ell`` smoothed
with weight ``alpha``, and a linear trend ``A + B t`` that is either fitted once on the whole
history (static: "optimised Theta", OTM) or updated with every new observation (dynamic: DOTM,
the intercept and slope of the least-squares line through the points seen so far). The one-step
forecast at time ``i`` is

    mu_i = ell_{i-1} + (1 - 1/theta) * (A (1 - alpha)^i + B (1 - (1 - alpha)^(i+1)) / alpha)

and ``alpha``, ``theta`` and the initial level are chosen by the sum of squared one-step errors
(the first three left out). With ``theta = 2`` fixed they are the standard Theta method (STM,
DSTM). The member with the lowest in-sample mean squared error serves, as in statsforecast's
AutoTheta.

The season is taken out first by a classical decomposition, multiplicative where the series is
positive (its seasonal indices must stay above 0.01, else additive), when the autocorrelation at
the seasonal lag is significant (90 %, the test of Hyndman's ``thetaf``). Intervals come from
sample paths of the fitted model (normal errors with the residuals' spread, fixed seed) with the
season put back, so a multiplicative season widens them in its peaks.

Everything is a few numpy passes: in-sample the dynamic trend depends on the data only, the
level is a first-order filter, and the initial level enters the errors linearly (it is solved
by least squares for each ``alpha`` and ``theta`` the optimiser tries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, hi_key, lo_key
from forecast.engine.models.exog import apply_effects, flag_effects
from forecast.engine.quiet import quiet_warnings

KINDS = ("STM", "OTM", "DSTM", "DOTM")
"""S: standard (theta = 2), O: optimised theta; D: dynamic trend."""
ALPHA_BOUNDS = (0.1, 0.99)
THETA_BOUNDS = (1.0, 1000.0)
BURN_IN = 3
"""One-step errors left out of the fit's objective (the first forecasts have no history)."""
SIMULATIONS = 500
SEASONAL_TEST_Z = 1.645


def seasonal_indices(
    y: np.ndarray, m: int, multiplicative: bool = True
) -> tuple[np.ndarray, str] | None:
    """One cycle of seasonal indices (ratios, or additive offsets) by classical decomposition,
    aligned so that ``cycle[i % m]`` belongs to ``y[i]``; None when the series shows no season.
    Ratios where ``multiplicative`` and the series is positive."""
    from statsmodels.tsa.seasonal import seasonal_decompose
    from statsmodels.tsa.stattools import acf

    n = len(y)
    if m < 4 or n < 2 * m or np.std(y) == 0:
        return None
    r = acf(y, nlags=m, fft=False)[1:]
    limit = np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / n)
    if not abs(r[-1]) / limit > SEASONAL_TEST_Z:
        return None
    kind = "multiplicative" if multiplicative and np.min(y) > 0 else "additive"
    seasonal = np.asarray(seasonal_decompose(y, model=kind, period=m).seasonal, dtype=float)
    if kind == "multiplicative" and np.any(seasonal < 0.01):
        kind = "additive"
        seasonal = np.asarray(seasonal_decompose(y, model=kind, period=m).seasonal, dtype=float)
    return seasonal[:m].copy(), kind


def dynamic_trend(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running mean, intercept and slope of the least-squares line through ``y[:i+1]``, updated
    one point at a time (the dynamic models' trend), for every ``i``."""
    n = len(y)
    mean, a, b = np.empty(n), np.empty(n), np.empty(n)
    mean[0], a[0], b[0] = y[0], y[0], 0.0
    for i in range(1, n):
        mean[i] = (i * mean[i - 1] + y[i]) / (i + 1)
        b[i] = ((i - 1) * b[i - 1] + 6 * (y[i] - mean[i - 1]) / (i + 1)) / (i + 2)
        a[i] = mean[i] - b[i] * (i + 2) / 2
    return mean, a, b


def static_trend(y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of the least-squares line through ``y`` at times 1..n."""
    n = len(y)
    t = np.arange(1, n + 1)
    slope = 6 * (2 * float(np.dot(t, y)) / n - (n + 1) * float(np.mean(y))) / (n * n - 1)
    return float(np.mean(y)) - (n + 1) * slope / 2, slope


@dataclass
class ThetaFit:
    kind: str
    alpha: float
    theta: float
    level0: float
    mse: float
    residuals: np.ndarray


class ThetaState:
    """One Theta model of ``KINDS`` fitted to a (seasonally adjusted) series."""

    def __init__(self, y: np.ndarray) -> None:
        self.y = y
        self.n = len(y)
        self._dyn = dynamic_trend(y)
        self._static = static_trend(y)
        self._scale = max(float(np.mean(np.abs(y))), 1e-10)

    def _trend(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """A and B in force before each step (index i: the state after y[i-1]) for i >= 1."""
        if kind.startswith("D"):
            _, a, b = self._dyn
            return a[:-1], b[:-1]
        a0, b0 = self._static
        return np.full(self.n - 1, a0), np.full(self.n - 1, b0)

    def errors(self, kind: str, alpha: float, theta: float) -> tuple[np.ndarray, float]:
        """One-step errors for i >= 1 with the least-squares initial level, and that level."""
        from scipy.signal import lfilter

        y, n = self.y, self.n
        i = np.arange(1, n)
        a, b = self._trend(kind)
        decay = (1 - alpha) ** i
        drift = (1 - 1 / theta) * (a * decay + b * (1 - (1 - alpha) * decay) / alpha)
        # level after y[k] with a zero initial level; the initial level adds (1-alpha)^(k+1)
        level = lfilter([alpha], [1.0, alpha - 1.0], y)
        base = y[1:] - level[:-1] - drift
        used = slice(BURN_IN - 1, None)
        c = decay[used]
        level0 = float(np.dot(base[used], c) / np.dot(c, c)) if np.dot(c, c) > 1e-300 else 0.0
        return base - decay * level0, level0

    def fit(self, kind: str) -> ThetaFit:
        from scipy.optimize import minimize

        optimised = kind in ("OTM", "DOTM")

        def objective(params: np.ndarray) -> float:
            theta = float(params[1]) if optimised else 2.0
            e, _ = self.errors(kind, float(params[0]), theta)
            value = float(np.sum(e[BURN_IN - 1 :] ** 2)) / self._scale
            return value if np.isfinite(value) else 1e300

        x0 = np.array([0.5, 2.0]) if optimised else np.array([0.5])
        bounds = [ALPHA_BOUNDS, THETA_BOUNDS] if optimised else [ALPHA_BOUNDS]
        res = minimize(
            objective,
            x0,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-4, "fatol": 1e-8, "maxiter": 400},
        )
        alpha = float(res.x[0])
        theta = float(res.x[1]) if optimised else 2.0
        e, level0 = self.errors(kind, alpha, theta)
        mse = float(np.mean(e[BURN_IN - 1 :] ** 2)) if len(e) >= BURN_IN else np.inf
        return ThetaFit(kind, alpha, theta, level0, mse, e)

    def final_state(self, fit: ThetaFit) -> tuple[float, float, float, float]:
        """(level, running mean, A, B) after the last observation."""
        from scipy.signal import lfilter

        level = lfilter([fit.alpha], [1.0, fit.alpha - 1.0], self.y)[-1]
        level += (1 - fit.alpha) ** self.n * fit.level0
        mean, a, b = self._dyn
        if fit.kind.startswith("D"):
            return float(level), float(mean[-1]), float(a[-1]), float(b[-1])
        a0, b0 = self._static
        return float(level), float(mean[-1]), a0, b0

    def paths(self, fit: ThetaFit, h: int, noise: np.ndarray) -> np.ndarray:
        """Forecast paths of shape (h, k): column j driven by the errors ``noise[:, j]``
        (zeros give the point forecast)."""
        level, mean, a, b = self.final_state(fit)
        k = noise.shape[1]
        level_, mean_ = np.full(k, level), np.full(k, mean)
        a_, b_ = np.full(k, a), np.full(k, b)
        alpha, weight = fit.alpha, 1 - 1 / fit.theta
        out = np.empty((h, k))
        for j in range(h):
            i = self.n + j
            mu = level_ + weight * (
                a_ * (1 - alpha) ** i + b_ * (1 - (1 - alpha) ** (i + 1)) / alpha
            )
            value = mu + noise[j]
            out[j] = value
            level_ = alpha * value + (1 - alpha) * level_
            new_mean = (i * mean_ + value) / (i + 1)
            if fit.kind.startswith("D"):
                b_ = ((i - 1) * b_ + 6 * (value - mean_) / (i + 1)) / (i + 2)
                a_ = new_mean - b_ * (i + 2) / 2
            mean_ = new_mean
        return out


class DynamicTheta:
    """Theta chosen among the standard, optimised and dynamic models by in-sample error, on
    the series with its season taken out (see the module docstring; ``multiplicative=False``
    takes an additive season out of positive series too)."""

    name = "dyn_theta"

    def __init__(
        self, season_length: int = 1, kinds: Sequence[str] = KINDS, multiplicative: bool = True
    ) -> None:
        self.season_length = max(int(season_length), 1)
        self.kinds = tuple(kinds)
        self.multiplicative = multiplicative

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> DynamicTheta:
        y = as_float_array(y)
        if len(y) < 2 * BURN_IN + 2:
            raise ModelError(f"Theta needs at least {2 * BURN_IN + 2} observations")
        self._beta = flag_effects(y, exog, self.season_length)
        target = y - apply_effects(exog, self._beta, len(y))
        found = seasonal_indices(target, self.season_length, self.multiplicative)
        self._cycle: np.ndarray | None = None
        self.decomposition = "none"
        adjusted = target
        if found is not None:
            self._cycle, self.decomposition = found
            season = np.resize(self._cycle, len(target))
            multiplicative = self.decomposition == "multiplicative"
            adjusted = target / season if multiplicative else target - season
        self._n = len(target)
        self._state = ThetaState(adjusted)
        best: ThetaFit | None = None
        with quiet_warnings():
            for kind in self.kinds:
                fit = self._state.fit(kind)
                if np.isfinite(fit.mse) and (best is None or fit.mse < best.mse):
                    best = fit
        if best is None:
            raise ModelError("no Theta model could be fitted")
        self._fit = best
        self.kind, self.alpha, self.theta = best.kind, best.alpha, best.theta
        tail = best.residuals[BURN_IN - 1 :]
        self._sigma = float(np.std(tail, ddof=1)) if len(tail) > 1 else 0.0
        return self

    def _season(self, h: int) -> np.ndarray | None:
        if self._cycle is None:
            return None
        start = self._n % self.season_length
        return np.resize(np.roll(self._cycle, -start), h)

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        effect = apply_effects(future_exog, self._beta, h)
        mean = self._state.paths(self._fit, h, np.zeros((h, 1)))[:, 0]
        noise = np.random.default_rng(0).normal(0.0, self._sigma, (h, SIMULATIONS))
        paths = self._state.paths(self._fit, h, noise)
        season = self._season(h)
        if season is not None:
            if self.decomposition == "multiplicative":
                mean, paths = mean * season, paths * season[:, None]
            else:
                mean, paths = mean + season, paths + season[:, None]
        out = {"mean": mean + effect}
        for level in levels:
            tail = (100 - level) / 2
            lo = np.minimum(np.percentile(paths, tail, axis=1), mean)
            hi = np.maximum(np.percentile(paths, 100 - tail, axis=1), mean)
            out[lo_key(level)], out[hi_key(level)] = lo + effect, hi + effect
        return out
