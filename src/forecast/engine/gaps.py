"""Gaps in a sales history: a long run of zeros between sales (periods without rows, which
ingest fills with 0, or a long closure such as a refurbishment), read as missing rather than as
sales. The models, the flags assumed for the future (``baseline._cut_series``), seasonal naive,
the stretch's team totals and last year's sales all read a gap through these functions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import schema

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
    y = np.asarray(y, dtype=float)
    usual = float(np.median(y[~zero])) if (~zero).any() else 0.0
    for start, end in zip(starts, ends, strict=True):
        if start > 0 and end < len(zero) and end - start >= shortest:
            mask[start:end] = True
            for edge, outer in ((int(start) - 1, int(start) - 2), (int(end), int(end) + 1)):
                if _partial_edge(y, edge, outer, usual):
                    mask[edge] = True
    return mask


def _partial_edge(y: np.ndarray, edge: int, outer: int, usual: float) -> bool:
    """Whether the period at a gap's edge holds only part of one: a shop that closed on a
    Tuesday sells a day of its week (Rossmann's stores without rows from July 2014: a week of
    one day's sales, which seasonal naive would copy a year later). Read so when it sold under
    half of both the period further out and the series' usual (median) period."""
    if not 0 <= outer < len(y) or y[edge] <= 0 or y[outer] <= 0:
        return False
    return bool(y[edge] < 0.5 * y[outer] and y[edge] < 0.5 * usual)


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


def observed(y: np.ndarray, gaps: np.ndarray | None, start: int, end: int) -> np.ndarray:
    """``y[start:end]`` as floats with the periods inside a gap (positions ``gaps``, filled from
    a season before) as NaN: what a backtest scores a forecast against. A filled period holds
    a copy of the season before, which seasonal naive forecasts exactly, so scoring it would
    make the windows favour seasonal naive and shrink the intervals calibrated on them."""
    out = np.asarray(y[start:end], dtype=float).copy()
    if gaps is not None and len(gaps):
        inside = gaps[(gaps >= start) & (gaps < end)]
        out[inside - start] = np.nan
    return out


def gap_rows(history: pd.DataFrame, season: int) -> pd.Series:
    """Per row of a long ``history`` (``unique_id, ds, y``, sorted by series and date): whether
    it lies in a gap of its series. Only series with enough zeros for one are looked at."""
    out = pd.Series(False, index=history.index)
    candidates = _candidate_rows(history, season)
    if candidates.any():
        part = history.loc[candidates]
        out.loc[candidates] = (
            part.groupby(schema.UNIQUE_ID, sort=False)[schema.Y]
            .transform(lambda y: gap_mask(y.to_numpy(dtype=float), season))
            .astype(bool)
        )
    return out


def gap_mask_sorted(codes: np.ndarray, y: np.ndarray, season: int) -> np.ndarray:
    """``gap_mask`` per series of rows sorted by series (``codes``: each series' rows together)
    and date: whether each row lies in a gap of its series. As the MASE scale reads them
    (``metrics.mase_scale``: lag one season from two seasons of history up), only series of at
    least two seasons are looked at (a shorter one is read at lag 1, without gaps), and of them
    only those with at least as many zeros as the shortest gap."""
    codes = np.asarray(codes)
    y = np.asarray(y, dtype=float)
    out = np.zeros(len(y), dtype=bool)
    if season <= 1 or not len(y):
        return out
    if len(y) > 1 and (np.diff(codes) < 0).any():
        raise ValueError("gap_mask_sorted needs the rows sorted by series")
    n = int(codes.max()) + 1
    length = np.bincount(codes, minlength=n)
    zeros = np.bincount(codes, weights=(y == 0).astype(float), minlength=n)
    candidates = np.flatnonzero((length >= 2 * season) & (zeros >= max(MIN_GAP, season // 4)))
    if not len(candidates):
        return out
    starts = np.searchsorted(codes, candidates, side="left")
    ends = np.searchsorted(codes, candidates, side="right")
    for start, end in zip(starts, ends, strict=True):
        out[start:end] = gap_mask(y[start:end], season)
    return out


def filled_sales(history: pd.DataFrame, season: int) -> pd.Series:
    """The ``y`` of a long ``history`` (sorted by series and date) with each series' gaps taken
    from its sources (``fill_gaps``)."""
    out = history[schema.Y].astype(float)
    candidates = _candidate_rows(history, season)
    if candidates.any():
        part = history.loc[candidates]
        out.loc[candidates] = part.groupby(schema.UNIQUE_ID, sort=False)[schema.Y].transform(
            lambda y: fill_gaps(y.to_numpy(dtype=float), season)
        )
    return out


def _candidate_rows(history: pd.DataFrame, season: int) -> pd.Series:
    """Rows of the series with at least as many zeros as the shortest gap."""
    zero = history[schema.Y].eq(0)
    if season <= 1 or not zero.any():
        return pd.Series(False, index=history.index)
    zeros = zero.groupby(history[schema.UNIQUE_ID], sort=False).sum()
    return history[schema.UNIQUE_ID].isin(zeros.index[zeros >= max(MIN_GAP, season // 4)])
