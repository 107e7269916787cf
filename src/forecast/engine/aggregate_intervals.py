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
) -> pd.DataFrame:
    """``columns`` summed by ``by`` (as ``DataFrame.groupby``, result reset to columns): the
    interval columns of ``mean`` (``schema.interval_columns``) that are among them as the
    interval of the sum (module doc), every other column as its plain sum."""
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
        parts[f"_lo2_{lv}"] = np.maximum(below, above) ** 2  # a bound clipped at 0 hides the fall
        parts[f"_hi2_{lv}"] = above**2
    summed = parts.groupby(keys, as_index=False).sum()
    total = summed[mean].to_numpy(dtype=float)
    inner_lo, inner_hi = total, total
    for lv in levels:  # ascending: each level at least as wide as the one inside it
        lo = np.minimum(np.maximum(total - np.sqrt(summed.pop(f"_lo2_{lv}")), 0.0), inner_lo)
        hi = np.maximum(total + np.sqrt(summed.pop(f"_hi2_{lv}")), inner_hi)
        summed[schema.lo_col(lv, mean)], summed[schema.hi_col(lv, mean)] = lo, hi
        inner_lo, inner_hi = lo, hi
    named = [c for c in summed.columns if c not in columns]
    return summed[[*named, *columns]]


def _one(by: object) -> bool:
    return isinstance(by, str | pd.Series)


def _bounds(levels: Sequence[int], mean: str) -> list[str]:
    return schema.interval_columns(levels, mean)
