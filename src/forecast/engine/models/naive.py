"""Seasonal naive (the floor), naive, and a zero-aware mean for short or intermittent series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, normal_intervals

MIN_GAP = 3
"""A run of zeros this long (or a quarter of a season, if longer) inside a selling series is a
gap (``gap_mask``)."""


def gap_mask(y: np.ndarray, season: int) -> np.ndarray:
    """Periods inside a gap: a run of zeros of at least ``MIN_GAP`` periods (or a quarter of the
    season) with sales before and after it, in a series that sells in most periods. Such a run
    is a stretch without rows in the file (ingest fills those with 0) or a closure such as a
    refurbishment: not a level for next year. A single closed day or week, a series that ends
    in zeros, and intermittent demand are not gaps."""
    zero = np.asarray(y) == 0
    mask = np.zeros(len(zero), dtype=bool)
    if not zero.any() or zero.mean() > 0.5:
        return mask
    edges = np.diff(np.concatenate(([0], zero.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    shortest = max(MIN_GAP, season // 4)
    for start, end in zip(starts, ends, strict=True):
        if start > 0 and end < len(zero) and end - start >= shortest:
            mask[start:end] = True
    return mask


def gap_sources(y: np.ndarray, season: int) -> tuple[np.ndarray, np.ndarray]:
    """The periods inside a gap (``gap_mask``) and, for each, the same period of the nearest
    season before it that is not in a gap (else after it); periods with none are left out."""
    gaps = gap_mask(y, season) if season > 1 else np.zeros(len(y), dtype=bool)
    at: list[int] = []
    sources: list[int] = []
    for t in np.flatnonzero(gaps):
        for source in (*range(t - season, -1, -season), *range(t + season, len(y), season)):
            if not gaps[source]:
                at.append(int(t))
                sources.append(source)
                break
    return np.array(at, dtype=int), np.array(sources, dtype=int)


def fill_gaps(y: np.ndarray, season: int) -> np.ndarray:
    """``y`` with each period inside a gap taken from its source (``gap_sources``)."""
    y = np.asarray(y, dtype=float)
    at, sources = gap_sources(y, season)
    if not len(at):
        return y
    filled = y.copy()
    filled[at] = y[sources]
    return filled


class SeasonalNaive:
    """Repeat the last season; intervals from the seasonal-naive residuals (sigma * sqrt(k + 1)).

    A period of the last season inside a gap (``gap_mask``: no rows, or a long closure) is
    repeated from the same period of the latest season before it that had sales, so a store
    closed for refurbishment last summer is not forecast closed this summer. With fewer than two
    seasons of history it degrades to the plain naive (last value)."""

    name = "snaive"

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = max(int(season_length), 1)

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> SeasonalNaive:
        y = as_float_array(y)
        if len(y) == 0:
            raise ModelError("seasonal naive needs at least one observation")
        m = self.season_length if len(y) >= 2 * self.season_length else 1
        self._m = m
        gaps = gap_mask(y, m) if m > 1 else np.zeros(len(y), dtype=bool)
        self._last = fill_gaps(y, m)[-m:] if m > 1 else y[-m:].copy()
        resid = y[m:] - y[:-m] if len(y) > m else np.zeros(1)
        if len(y) > m:
            resid = resid[~(gaps[m:] | gaps[:-m])]
        self._sigma = float(np.sqrt(np.mean(resid**2))) if len(resid) else 0.0
        return self

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        steps = np.arange(h)
        mean = self._last[steps % self._m]
        sigma = self._sigma * np.sqrt(steps // self._m + 1)
        return normal_intervals(mean, sigma, levels)


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
