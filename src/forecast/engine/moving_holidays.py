"""Easter on a weekly calendar: the retail holiday that moves by weeks from year to year.

A weekly model with a 52-week memory (a seasonal lag, a yearly season) puts last year's Easter
weeks on the same weeks this year, but Easter moves by up to five weeks (24 April 2011,
8 April 2012). The weekly members get Easter's position as a feature instead: the signed
number of weeks from each week of the series to the week that holds Easter Sunday.

A week is the seven days from its date (``week <= Easter < week + 7 days`` is week 0), the
same convention as ``prophet_adapter.holiday_weeks``; weeks labelled by their last day
(Walmart's Fridays) meet the pre-Easter shopping at +1 and 0 instead of 0 and -1, so the
members look at the week before and after too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dateutil.easter import easter

FAR = 9
"""Value of the weeks far from any Easter (more than ``NEAR`` weeks away)."""
NEAR = 4


def easter_sundays(first_year: int, last_year: int) -> pd.DatetimeIndex:
    """Western Easter Sunday of each year from ``first_year`` to ``last_year`` inclusive."""
    days = [pd.Timestamp(easter(year)) for year in range(first_year, last_year + 1)]
    return pd.DatetimeIndex(days).as_unit("ns")


def weeks_to_easter(ds: pd.DatetimeIndex) -> np.ndarray:
    """Signed weeks from each week (starting at its date) to the week holding Easter Sunday:
    0 for that week, 1 for the week before, -1 for the week after; ``FAR`` when more than
    ``NEAR`` weeks away."""
    dates = pd.DatetimeIndex(ds).as_unit("ns")
    if len(dates) == 0:
        return np.zeros(0)
    sundays = easter_sundays(dates.min().year - 1, dates.max().year + 1).values
    values = dates.values
    gaps = (sundays[None, :] - values[:, None]) / np.timedelta64(1, "D")
    nearest = gaps[np.arange(len(values)), np.argmin(np.abs(gaps), axis=1)]
    weeks = np.floor(nearest / 7.0)
    return np.where(np.abs(weeks) > NEAR, float(FAR), weeks)


def easter_week_indicators(
    ds: pd.DatetimeIndex, shifts: tuple[int, ...] = (1, 0, -1)
) -> np.ndarray:
    """0/1 columns, one per shift: the week ``shift`` weeks before Easter's week (1: the week
    before, 0: Easter's own week, -1: the week after)."""
    weeks = weeks_to_easter(ds)
    return np.column_stack([(weeks == shift).astype(float) for shift in shifts])


def easters_seen(ds: pd.DatetimeIndex) -> int:
    """How many Easter weeks the dates hold."""
    return int(np.sum(weeks_to_easter(ds) == 0))


REGRESSOR_MEMBERS = frozenset(
    {
        "ets",
        "hw",
        "theta",
        "opt_theta",
        "dyn_theta",
        "stl_ets",
        "stat_ensemble",
        "fourier_ets",
        "prophet",
    }
)
"""Per-series models that take Easter's weeks as known-future regressors on weekly data (with
the file's flags, as additive effects estimated on seasonally differenced data, ``exog``;
Prophet as extra regressors). Seasonal naive stays plain: it is the guard's reference."""
REGRESSORS = True


def easter_applies(name: str, base_freq: str, holidays: str | None, ds: pd.DatetimeIndex) -> bool:
    """Weekly data with a holiday country, a model that takes regressors, and at least two
    Easters in the history (one Easter's weeks would be fitted exactly, noise and all)."""
    if not (REGRESSORS and base_freq == "W" and holidays and name in REGRESSOR_MEMBERS):
        return False
    return easters_seen(ds) >= 2


def with_easter(exog: np.ndarray | None, ds: pd.DatetimeIndex) -> np.ndarray:
    """``exog`` (or nothing) with Easter's week-before, week and week-after columns appended."""
    marks = easter_week_indicators(ds)
    if exog is None or np.size(exog) == 0:
        return marks
    return np.column_stack([np.asarray(exog, dtype=float), marks])
