"""The interval of a sum of series (a team, the whole plan) from the series' own intervals.

Adding up the series' bounds gives the interval of the sum only where every series errs in the
same direction at once, at its own extreme, in every period: on lumpy sales it is many times
too wide. Superstore by Region x Sub-Category, weekly (68 series, 2026-12-06): the whole plan's
summed 95 % upper bounds were 68,202 to 204,122 a week for a baseline of 6,500 to 9,400 (80 %:
37,532 to 63,376), where the highest weekly total in four years was 35,018. Each series' upper
bound is right for that series (a lumpy week is often five times the mean one); the sum of
the series is far steadier than each.

Here each side's half-width of the sum is the square root of the sum of the series' squared
half-widths on that side: the series' errors taken as independent, as the negotiation's
stretch probability takes them (``negotiation.stretch_moments`` adds the series' variances).
Below the forecast a series counts with the wider of its two sides: a lumpy series' lower
bound is clipped at zero, which hides how much it moves, and a sum of many such series falls
as far as it rises (on the plan above, with its bounds as they were, the 95 % lower bound of
the whole plan would have sat 16 % under the baseline, where six of the thirteen weeks of the
same quarter a year before sold less than that). Where errors move together (a holiday all
stores miss) it is too narrow; the sum of the bounds is the upper limit of what correlation
can make of it. The point forecast is the plain sum; the lower bound is kept at or above zero,
and wider levels contain narrower ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast import schema


def sum_with_intervals(
    frame: pd.DataFrame,
    by: pd.Series | str | Sequence[pd.Series | str],
    columns: Sequence[str],
    mean: str = schema.BASELINE,
    correlation: float = 0.0,
) -> pd.DataFrame:
    """``columns`` summed by ``by`` (as ``DataFrame.groupby``, result reset to columns): the
    interval columns of ``mean`` (``schema.interval_columns``) that are among them as the
    interval of the sum (module doc), every other column as its plain sum. ``correlation``:
    the series' errors' common correlation (``error_correlation``); 0 adds the half-widths in
    quadrature, 1 adds them up (the sum of the bounds)."""
    rho = float(np.clip(correlation, 0.0, 1.0)) if np.isfinite(correlation) else 0.0
    levels = [
        lv
        for lv in schema.levels_in(frame, mean)
        if schema.lo_col(lv, mean) in columns and schema.hi_col(lv, mean) in columns
    ]
    keys = [frame[b] if isinstance(b, str) else b for b in ([by] if _one(by) else by)]
    if mean not in columns or not levels:
        return frame.groupby(keys, as_index=False)[list(columns)].sum()
    centre = frame[mean].to_numpy(dtype=float)
    parts = frame[[c for c in columns if c not in _bounds(levels, mean)]].copy()
    for lv in levels:
        lo = frame[schema.lo_col(lv, mean)].to_numpy(dtype=float)
        hi = frame[schema.hi_col(lv, mean)].to_numpy(dtype=float)
        below, above = np.maximum(centre - lo, 0.0), np.maximum(hi - centre, 0.0)
        parts[f"_lo1_{lv}"] = np.maximum(below, above)  # a bound clipped at 0 hides the fall
        parts[f"_hi1_{lv}"] = above
        parts[f"_lo2_{lv}"] = parts[f"_lo1_{lv}"] ** 2
        parts[f"_hi2_{lv}"] = above**2
    summed = parts.groupby(keys, as_index=False).sum()
    total = summed[mean].to_numpy(dtype=float)
    inner_lo, inner_hi = total, total
    for lv in levels:  # ascending: each level at least as wide as the one inside it
        below = _half_width(summed.pop(f"_lo1_{lv}"), summed.pop(f"_lo2_{lv}"), rho)
        above = _half_width(summed.pop(f"_hi1_{lv}"), summed.pop(f"_hi2_{lv}"), rho)
        lo = np.minimum(np.maximum(total - below, 0.0), inner_lo)
        hi = np.maximum(total + above, inner_hi)
        summed[schema.lo_col(lv, mean)], summed[schema.hi_col(lv, mean)] = lo, hi
        inner_lo, inner_hi = lo, hi
    named = [c for c in summed.columns if c not in columns]
    return summed[[*named, *columns]]


def _half_width(sums: pd.Series, squares: pd.Series, rho: float) -> np.ndarray:
    """The half-width of a sum of errors with half-widths h_i and a common correlation rho:
    sqrt(sum h_i^2 + rho * ((sum h_i)^2 - sum h_i^2))."""
    s1, s2 = sums.to_numpy(dtype=float), squares.to_numpy(dtype=float)
    return np.sqrt(np.maximum(s2 + rho * (s1**2 - s2), 0.0))


def error_correlation(history: pd.DataFrame, season: int, periods: int = 104) -> float:
    """The common correlation of the series' errors, estimated from the history as that of
    their seasonal differences (y against y a season before, the seasonal naive's error) over
    the last `periods`: from the variance of the differences' sum against the series' own,
    var(sum) = sum var_i + rho * ((sum sd_i)^2 - sum var_i), clipped to [0, 1]. The Rossmann
    sample's stores move together (holidays, promotions chain-wide: about 0.4 by week); lumpy
    order lines of a shop's sub-categories hardly (Superstore, under 0.1). 0 where it cannot be
    told (one series, a history shorter than a season and a few periods)."""
    if history.empty or history[schema.UNIQUE_ID].nunique() < 2:
        return 0.0
    wide = history.pivot_table(
        index=schema.DS, columns=schema.UNIQUE_ID, values=schema.Y, aggfunc="sum"
    ).sort_index()
    lag = season if len(wide) >= season + 8 else 1
    diffs = (wide - wide.shift(lag)).iloc[lag:].tail(periods)
    diffs = diffs.loc[:, diffs.notna().sum() >= 4]
    if diffs.shape[1] < 2 or len(diffs) < 4:
        return 0.0
    sd = diffs.std(ddof=1).fillna(0.0).to_numpy(dtype=float)
    total_var = float(diffs.fillna(0.0).sum(axis=1).var(ddof=1))
    spread = float(sd.sum() ** 2 - (sd**2).sum())
    if not np.isfinite(total_var) or spread <= 0:
        return 0.0
    return float(np.clip((total_var - (sd**2).sum()) / spread, 0.0, 1.0))


def _one(by: object) -> bool:
    return isinstance(by, str | pd.Series)


def _bounds(levels: Sequence[int], mean: str) -> list[str]:
    return schema.interval_columns(levels, mean)
