"""Seasonal naive (the floor), naive, and a zero-aware mean for short or intermittent series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.gaps import fill_gaps, gap_mask
from forecast.engine.models.base import ModelError, as_float_array, normal_intervals


def copies_season(length: int, season: int) -> bool:
    """Whether seasonal naive copies the last season of a history of ``length`` periods (two
    seasons or more), rather than repeating the last value."""
    return season > 1 and length >= 2 * season


SHORT_FOR_A_SEASON = "snaive needs two seasons"


def last_value_note(season: int) -> str:
    """Why seasonal naive served the last value: said in the ``model`` column (the same words
    for every short series, so that the labels count together)."""
    return f"{SHORT_FOR_A_SEASON} of history, {2 * season} periods"


class SeasonalNaive:
    """Repeat the last season; intervals from the seasonal-naive residuals (sigma * sqrt(k + 1)).

    A period of the last season inside a gap (``gap_mask``: no rows, or a long closure) is
    repeated from the same period of the latest season before it that had sales, so a store
    closed for refurbishment last summer is not forecast closed this summer. With fewer than two
    seasons of history it degrades to the plain naive (last value): ``copies_season`` says which,
    and the ``model`` column names the last value where it served (``baseline.run_chain``).
    Two seasons, because one season alone has no season before it: a gap in it could not be
    filled (it would be forecast closed), and its intervals would rest on fewer than a season of
    seasonal differences, all from one part of the year.

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
        unseen = gap_mask(y, m) if m > 1 else np.zeros(len(y), dtype=bool)
        if gaps is not None and len(gaps):
            unseen[np.asarray(gaps, dtype=int)] = True
        self._last = fill_gaps(y, m)[-m:] if m > 1 else y[-m:].copy()
        resid = y[m:] - y[:-m] if len(y) > m else np.zeros(1)
        if len(y) > m:
            resid = resid[~(unseen[m:] | unseen[:-m])]
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
