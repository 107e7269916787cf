"""Calibrate ``auto``'s served intervals on its own rolling-origin windows (split conformal).

``auto`` backtests its candidates on a few windows before the horizon it forecasts
(``auto.select_strategy``). On those windows the chosen strategy's forecasts and bounds are
compared with what happened: for every window period, the error is divided by the interval's
half-width on the error's side (``|y - mean| / (hi - mean)`` above the forecast, ``/ (mean -
lo)`` below). Per level and horizon step, a quantile of those ratios (pooled over the sample
series and windows) is the factor by which the served half-widths are multiplied: with it, the
windows' actuals fall inside the intervals at the nominal rate. A step has a few tens of
ratios where all steps together have hundreds, so a step's own quantile is shrunk towards the
conformal quantile of all steps, as if that one had been seen on ``STEP_SHRINKAGE`` more
periods. Only the windows are used, never the horizon being forecast; the rule is the same for
every file.

Measured on the accuracy suite (benchmarks/README.md): one factor for all steps left the 80 %
intervals too wide where the parametric widths grow with the step faster than the errors do
(Walmart, Superstore); per-step factors follow the errors' own growth.

The point forecast is never touched: bounds are stretched (or shrunk) about it, so intervals
still contain it; ``baseline.clip_nonnegative`` then clips at zero and keeps wider levels
around narrower ones, and closures stay exactly 0 (their half-width is 0).

With fewer than ``MIN_RESIDUALS`` usable window periods the parametric intervals are kept and
the calibration says so (``note``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from forecast.engine.models import hi_key, lo_key

MIN_RESIDUALS = 20
"""Fewer window periods than this leave the parametric intervals as they are."""
STEP_SHRINKAGE = 20
"""Weight of the pooled quantile in a step's factor, in window periods."""
BOUNDS = (0.1, 4.0)
"""Calibration factors are kept within these bounds. (With (0.5, 3.0) the monthly US retail
intervals stayed at 100 % coverage: its windows asked for 0.27 at 80 %; with (0.25, 4.0) the
weekly Walmart ones stayed at 88 %: Prophet's and Theta's widths there are 4 to 5 times the
errors' quantile.)"""


@dataclass(frozen=True)
class WindowForecast:
    """The served strategy's forecast and bounds on one backtest window, with the actuals."""

    actual: np.ndarray
    values: dict[str, np.ndarray]
    origin: int = 0
    """Which window (0: the latest, just before the forecast horizon)."""


@dataclass(frozen=True)
class IntervalCalibration:
    """Per-level factors for the served half-widths (absent level: left as it is), the number of
    windows and window periods they were fitted on, and a note when nothing was calibrated."""

    factors: dict[int, tuple[float, ...]] = field(default_factory=dict)
    """Per level, one factor per horizon step."""
    windows: int = 0
    residuals: int = 0
    note: str = "parametric intervals: no backtest window (the history is too short for one)"

    @property
    def calibrated(self) -> bool:
        return bool(self.factors)

    def describe(self) -> dict[str, object]:
        """Plain values for a frame's ``attrs`` or a run's log."""
        return {
            "calibrated": self.calibrated,
            "factors": {
                int(level): [round(f, 4) for f in steps] for level, steps in self.factors.items()
            },
            "windows": self.windows,
            "residuals": self.residuals,
            "note": self.note,
        }


def fit_calibration(
    windows: Sequence[WindowForecast], levels: Sequence[int]
) -> IntervalCalibration:
    """Per level and step, the quantile of the windows' error-to-half-width ratios at that step,
    shrunk towards the conformal quantile of all steps."""
    origins = len({w.origin for w in windows})
    horizon = max((len(w.actual) for w in windows), default=0)
    factors: dict[int, tuple[float, ...]] = {}
    counts = []
    for level in levels:
        ratios, steps = _ratios(windows, level)
        counts.append(ratios.size)
        if ratios.size < MIN_RESIDUALS:
            continue
        pooled = conformal_quantile(ratios, level)
        per_step = []
        for step in range(horizon):
            own = ratios[steps == step]
            # a step's plain quantile: its few tens of ratios would make the finite-sample
            # correction of the conformal one too wide (with 12, 80 % reads the 92nd percentile)
            mine = float(np.quantile(own, level / 100)) if own.size else pooled
            factor = (own.size * mine + STEP_SHRINKAGE * pooled) / (own.size + STEP_SHRINKAGE)
            per_step.append(float(np.clip(factor, *BOUNDS)))
        factors[int(level)] = tuple(per_step)
    residuals = max(counts, default=0)
    source = f"{residuals} window periods from {origins} window{'s' if origins != 1 else ''}"
    note = f"calibrated on {source}"
    if not factors:
        note = f"parametric intervals: {source}, fewer than the {MIN_RESIDUALS} needed to calibrate"
    return IntervalCalibration(factors, origins, residuals, note)


def conformal_quantile(ratios: np.ndarray, level: float) -> float:
    """The split-conformal quantile: the ``ceil((n + 1) level) / n`` empirical quantile."""
    n = ratios.size
    q = min(math.ceil((n + 1) * level / 100) / n, 1.0)
    return float(np.quantile(ratios, q))


def _ratios(windows: Sequence[WindowForecast], level: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows' ``|error| / half-width`` on the error's side, and the step of each."""
    out, steps = [], []
    for window in windows:
        values = window.values
        if lo_key(level) not in values or hi_key(level) not in values:
            continue
        mean = np.asarray(values["mean"], dtype=float)
        err = np.asarray(window.actual, dtype=float) - mean
        half = np.where(err >= 0, values[hi_key(level)] - mean, mean - values[lo_key(level)])
        ok = half > 1e-9 * np.maximum(np.abs(mean), 1.0)
        out.append(np.abs(err[ok]) / half[ok])
        steps.append(np.flatnonzero(ok))
    if not out:
        return np.array([]), np.array([], dtype=int)
    return np.concatenate(out), np.concatenate(steps)


def apply_calibration(
    values: dict[str, np.ndarray], calibration: IntervalCalibration | None
) -> dict[str, np.ndarray]:
    """Stretch (or shrink) each calibrated level's bounds about the point forecast, step by
    step (steps past the windows' horizon take the last step's factor)."""
    if calibration is None or not calibration.factors:
        return values
    out = dict(values)
    mean = values["mean"]
    for level, per_step in calibration.factors.items():
        lo, hi = lo_key(level), hi_key(level)
        if lo in values and hi in values:
            at = np.minimum(np.arange(len(mean)), len(per_step) - 1)
            factor = np.asarray(per_step, dtype=float)[at]
            out[lo] = mean - factor * (mean - values[lo])
            out[hi] = mean + factor * (values[hi] - mean)
    return out
