"""Seasonal naive (the floor), naive, and a zero-aware mean for short or intermittent series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.gaps import gap_mask
from forecast.engine.models.base import ModelError, as_float_array, normal_intervals


def copies_season(length: int, season: int) -> bool:
    """Whether seasonal naive copies the last season of a history of ``length`` periods (one
    whole season or more), rather than repeating the last value."""
    return season > 1 and length >= season


SHORT_FOR_A_SEASON = "snaive needs one season"


FEW_SEASONAL_DIFFERENCES = 13
"""Seasonal differences (a period minus the same period a season before) that size seasonal
naive's intervals on their own (a quarter of a year of weeks; all of them on a season of under 13
periods, as from two seasons of history up): with fewer, the intervals are no narrower than the
one-step differences make them (``SeasonalNaive``). On 13-week windows after one to two years
of weekly history (Walmart stores, Walmart store x dept, Rossmann by week), 13 to 39 seasonal
differences covered 80 to 97 % at 80 %, and a history of exactly a year (none) 0 %."""


def last_value_note(season: int) -> str:
    """Why seasonal naive served the last value: said in the ``model`` column (the same words
    for every short series, so that the labels count together)."""
    return f"{SHORT_FOR_A_SEASON} of history, {season} periods"


class SeasonalNaive:
    """Repeat the last season, from one whole season of history up; with less, the plain naive
    (last value): ``copies_season`` says which, and the ``model`` column names the last value
    where it served (``baseline.run_chain``).

    Gaps. A period of the last season inside a gap (``gap_mask``: no rows, or a long closure)
    is repeated from the same period of the latest season before it that had sales, so a store
    closed for refurbishment last summer is not forecast closed this summer. Where no season
    before it had sales (a history of one to two seasons whose gap lies in its first year), the
    period is read on the straight line between the last sales before the gap and the first
    after it: the level the store sold at around its closure, neither zero nor another part of
    the year.

    Intervals: sigma * sqrt(k + 1) in the k-th season ahead, sigma the root mean square of the
    seasonal differences (each period minus the same period a season before). A history under
    two seasons has fewer than a season of them, from one part of the year only, and a handful
    can be near zero by chance (a history of exactly one season has none): with fewer than
    ``FEW_SEASONAL_DIFFERENCES`` (13, or a whole season where it is shorter) sigma is the wider
    of theirs and that of the one-step differences (each period minus the one before), so the
    intervals are never narrower than the week-to-week movement of the series.

    A history whose gaps were filled already (``baseline._cut_series``) names them in ``gaps``:
    the residuals leave out every pair that touches one, as for a gap it finds itself. A filled
    period is a copy of the season before, so its pair would be an error of exactly zero (and
    the pair a season after it a two-season difference), and the intervals too narrow."""

    name = "snaive"

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = max(int(season_length), 1)

    def fit(
        self,
        y: np.ndarray,
        ds: pd.DatetimeIndex | None = None,
        exog: np.ndarray | None = None,
        gaps: np.ndarray | None = None,
    ) -> SeasonalNaive:
        y = as_float_array(y)
        if len(y) == 0:
            raise ModelError("seasonal naive needs at least one observation")
        m = self.season_length if copies_season(len(y), self.season_length) else 1
        self._m = m
        unseen = _unseen(y, m, gaps)
        self._last = _last_season(y, m, unseen)
        seasonal = _differences(y, m, unseen)
        self._sigma = _rms(seasonal)
        if m > 1 and len(seasonal) < min(m, FEW_SEASONAL_DIFFERENCES):
            self._sigma = max(self._sigma, _rms(_differences(y, 1, unseen)))
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        steps = np.arange(h)
        mean = self._last[steps % self._m]
        sigma = self._sigma * np.sqrt(steps // self._m + 1)
        return normal_intervals(mean, sigma, levels)


def _unseen(y: np.ndarray, m: int, gaps: np.ndarray | None) -> np.ndarray:
    """The periods inside a gap: those it finds (``gap_mask``) and those filled already
    (``gaps``). A gap filled only in part (its periods with a season before them) is found
    whole: the filled periods are read as the zeros they were."""
    if m <= 1:
        return np.zeros(len(y), dtype=bool)
    filled = np.zeros(len(y), dtype=bool)
    if gaps is not None and len(gaps):
        filled[np.asarray(gaps, dtype=int)] = True
    return gap_mask(np.where(filled, 0.0, y), m) | filled


def _last_season(y: np.ndarray, m: int, unseen: np.ndarray) -> np.ndarray:
    """The last ``m`` periods, each inside a gap taken from the same period of the latest
    season before it outside one, else from the straight line between the sales around it."""
    last = y[-m:].copy()
    if m <= 1 or not unseen[-m:].any():
        return last
    seen = np.flatnonzero(~unseen)
    for i, t in enumerate(range(len(y) - m, len(y))):
        if not unseen[t]:
            continue
        before = [s for s in range(t - m, -1, -m) if not unseen[s]]
        last[i] = y[before[0]] if before else float(np.interp(t, seen, y[seen]))
    return last


def _differences(y: np.ndarray, lag: int, unseen: np.ndarray) -> np.ndarray:
    """``y[t] - y[t - lag]`` for the pairs that touch no gap."""
    if len(y) <= lag:
        return np.zeros(0)
    keep = ~(unseen[lag:] | unseen[:-lag])
    return (y[lag:] - y[:-lag])[keep]


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2))) if len(values) else 0.0


class Naive(SeasonalNaive):
    """Last value carried forward."""

    name = "naive"

    def __init__(self, season_length: int = 1) -> None:
        super().__init__(1)


class ZeroAwareMean:
    """Mean of the recent window: for short series and intermittent demand (many zeros).

    The forecast is the average per period (zeros included, so the level is right for
    intermittent demand); intervals come from the spread of the window's values."""

    name = "mean"

    def __init__(self, window: int = 52) -> None:
        self.window = max(int(window), 1)

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> ZeroAwareMean:
        y = as_float_array(y)
        if len(y) == 0:
            raise ModelError("mean needs at least one observation")
        recent = y[-self.window :]
        self._mean = float(np.mean(recent))
        self._sigma = float(np.std(recent)) if len(recent) > 1 else abs(self._mean) * 0.5
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        return normal_intervals(np.full(h, self._mean), np.full(h, self._sigma), levels)


class Zeros:
    """All-zero history: forecast zero with zero-width intervals."""

    name = "zeros"

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> Zeros:
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        return normal_intervals(np.zeros(h), np.zeros(h), levels)
