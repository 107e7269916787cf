"""Which part of the planned window falls in a part of the year the history has never seen.

The backtest learns how the engine misses from past windows; a part of the year that is not in
the history at all (the first December of a history that starts in January) has never been
forecast or scored, and a model whose season is shorter than a year (a week of days) cannot know
its yearly peak either. Nothing in the history speaks to that part of the window, so the stretch
probability counts it as an even chance (``stretch.reach_probability``): the probability is
pulled towards one half by the share of the window's periods whose part of the year is unseen.

Parts of the year: the week of the year for daily and weekly data (ISO weeks, 53 counted as 52),
the month for monthly data, the quarter for quarterly data. A part is seen when at least one
period of the history falls in it. Pure pandas/numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.schema import SchemaError


def calendar_slots(dates: pd.DatetimeIndex, base: str) -> np.ndarray:
    """The part of the year of each date: ISO week (D, W; 53 -> 52), month (M), quarter (Q)."""
    if base in ("D", "W"):
        weeks = dates.isocalendar().week.to_numpy(dtype=int)
        return np.minimum(weeks, 52)
    if base == "M":
        return np.asarray(dates.month, dtype=int)
    if base == "Q":
        return np.asarray(dates.quarter, dtype=int)
    raise SchemaError(f"unsupported frequency {base!r}")


def unseen_share(index: pd.Index, horizon: int, freq: str) -> float:
    """The share of the ``horizon`` periods after ``index`` (the history's dates, oldest first)
    whose part of the year no date of the history falls in; 0 when the dates or the frequency say
    nothing about the calendar."""
    from forecast.engine.calendar import base_freq, next_dates, resolve_offset

    if horizon < 1 or len(index) < 2 or not isinstance(index, pd.DatetimeIndex):
        return 0.0
    try:
        base = base_freq(freq)
        ahead = next_dates(index[-1], resolve_offset(index, freq), horizon)
    except (SchemaError, ValueError):
        return 0.0
    seen = set(calendar_slots(index, base).tolist())
    slots = calendar_slots(ahead, base)
    return float(np.mean([slot not in seen for slot in slots.tolist()]))
