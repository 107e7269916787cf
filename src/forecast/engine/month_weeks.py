"""Monthly sales that are sums of weekly figures: a month holds four or five of them.

Weekly sales summed by month (as ``forecast ingest --freq M`` does with a weekly file, or as an
export from a weekly system arrives) jump by a quarter whenever a month has a fifth week:
Walmart's 45 stores summed by month rise 25 % from a four-Friday June to a five-Friday one. No
model of the month's own history knows which months have five; the seasonal naive repeats last
June's four weeks, and its errors are that jump.

``weekly_sums_weekday`` finds the weekday whose count per month explains the history's changes
over a year, pooled over all series: the log of a month's sales against a year before, and the
log of its count of that weekday against a year before. Where that weekday explains at least
``MIN_SHARE_EXPLAINED`` of those changes with a slope near 1 (sales proportional to the count:
``SLOPE_RANGE``), the history is read as weekly sums. The run then forecasts the sales of an
average month (``per_average_month``: each month's sales times the average count over its own)
and gives each future month back its own count of that weekday (``back_to_months``). The model
column says so (``NOTE``).

Measured (2026-12-04) on the accuracy suite's monthly sets, the share of the year-on-year log
changes the best weekday explains: Walmart's stores by month 86 % (Fridays, the day its weeks
are dated by, slope 0.93); Rossmann's stores by month 3.5 %, Superstore's cuts 0.3 to 11 %, US
retail 5 % (their best slopes 0.1 to 14): none of them is read as weekly sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import schema
from forecast.engine import calendar

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AVERAGE_COUNT = 365.2425 / 7 / 12
"""How many of one weekday an average month holds (about 4.35)."""
MIN_SHARE_EXPLAINED = 0.5
SLOPE_RANGE = (0.75, 1.25)
MIN_PAIRS = 24
"""Year-on-year changes (pooled over the series) needed before the history is judged at all."""
NOTE = "sales per {day} of the month: weekly figures summed by month"


def weekday_counts(months: pd.Series | pd.DatetimeIndex, weekday: int) -> np.ndarray:
    """How many times ``weekday`` (0 Monday .. 6 Sunday) falls in the month of each date."""
    dates = pd.DatetimeIndex(months)
    first = dates.to_period("M").to_timestamp()
    days = dates.days_in_month.to_numpy()
    offset = (weekday - first.day_of_week.to_numpy()) % 7  # days to the month's first one
    return 1 + (days - 1 - offset) // 7


def is_monthly(history: pd.DataFrame, freq: str | None) -> bool:
    """Whether the run is monthly: by ``freq`` when given, else by the history's dates (a
    history whose frequency cannot be told is left to the baseline's own check)."""
    try:
        return calendar.history_base(history, freq) == "M"
    except schema.SchemaError:
        return False


def weekly_sums_of(history: pd.DataFrame, freq: str | None) -> int | None:
    """``weekly_sums_weekday`` of a monthly history; None for any other frequency."""
    return weekly_sums_weekday(history) if is_monthly(history, freq) else None


def weekly_sums_weekday(history: pd.DataFrame, season: int = 12) -> int | None:
    """The weekday (0 Monday .. 6 Sunday) whose count per month the monthly ``history``
    follows, as weekly figures summed by month do; None where no weekday does (module doc)."""
    frame = history[[schema.UNIQUE_ID, schema.DS, schema.Y]].copy()
    frame["month"] = pd.DatetimeIndex(frame[schema.DS]).to_period("M")
    frame = frame.sort_values([schema.UNIQUE_ID, "month"])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_y = np.log(frame[schema.Y].to_numpy(dtype=float))
    frame["log_y"] = np.where(np.isfinite(log_y), log_y, np.nan)
    before = frame.assign(month=frame["month"] + season).rename(columns={"log_y": "log_before"})
    pairs = frame.merge(
        before[[schema.UNIQUE_ID, "month", "log_before"]], on=[schema.UNIQUE_ID, "month"]
    )
    pairs["change"] = pairs["log_y"] - pairs["log_before"]
    pairs = pairs.dropna(subset=["change"])
    if len(pairs) < MIN_PAIRS:
        return None
    # each series' own growth over the year is not the calendar's doing
    change = (
        pairs["change"] - pairs.groupby(schema.UNIQUE_ID)["change"].transform("mean")
    ).to_numpy()
    total = float(change @ change)
    if total <= 0:
        return None
    now = pairs["month"].dt.to_timestamp()
    year_before = (pairs["month"] - season).dt.to_timestamp()
    best: tuple[float, int] | None = None
    for weekday in range(7):
        x = np.log(weekday_counts(now, weekday) / weekday_counts(year_before, weekday))
        x = (
            x
            - pd.Series(x, index=pairs.index)
            .groupby(pairs[schema.UNIQUE_ID])
            .transform("mean")
            .to_numpy()
        )
        sxx = float(x @ x)
        if sxx <= 0:
            continue
        slope = float(x @ change) / sxx
        explained = slope * slope * sxx / total
        fits = SLOPE_RANGE[0] <= slope <= SLOPE_RANGE[1] and explained >= MIN_SHARE_EXPLAINED
        if fits and (best is None or explained > best[0]):
            best = (explained, weekday)
    return None if best is None else best[1]


def per_average_month(history: pd.DataFrame, weekday: int) -> pd.DataFrame:
    """The history with each month's sales scaled to an average month's count of ``weekday``."""
    counts = weekday_counts(history[schema.DS], weekday)
    return history.assign(
        **{schema.Y: history[schema.Y].to_numpy(dtype=float) * AVERAGE_COUNT / counts}
    )


def back_to_months(frame: pd.DataFrame, weekday: int, value_columns: list[str]) -> pd.DataFrame:
    """A forecast of average months given each month's own count of ``weekday`` back, with the
    model column saying so."""
    scale = weekday_counts(frame[schema.DS], weekday) / AVERAGE_COUNT
    out = frame.copy()
    for column in value_columns:
        out[column] = out[column].to_numpy(dtype=float) * scale
    note = NOTE.format(day=WEEKDAYS[weekday])
    labels = out[schema.MODEL].astype(str)
    out[schema.MODEL] = labels.map({label: with_note(label, note) for label in labels.unique()})
    return out


def with_note(label: str, note: str) -> str:
    """``label`` with ``note`` among its notes: ``arima (note)``, ``snaive (a gap ...; note)``."""
    if " (" in label and label.endswith(")"):
        return f"{label[:-1]}; {note})"
    return f"{label} ({note})"
