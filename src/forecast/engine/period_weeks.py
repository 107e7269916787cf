"""Monthly or quarterly sales that are sums of weekly figures: a month holds four or five of
them, a quarter 12 to 14.

Weekly sales summed by month (as ``forecast ingest --freq M`` does with a weekly file, or as an
export from a weekly system arrives) jump by a quarter whenever a month has a fifth week:
Walmart's 45 stores summed by month rise 25 % from a four-Friday June to a five-Friday one.
Summed by quarter, a 14-Friday quarter holds 8 % more than a 13-Friday one. No model of the
periods' own history knows which periods have the extra week; the seasonal naive repeats last
year's count, and its errors are that jump.

``weekly_sums_weekday`` finds the weekday whose count per period explains the history's changes
over a year, pooled over all series: the log of a period's sales against a year before, and the
log of its count of that weekday against a year before. Where that weekday explains at least
``MIN_SHARE_EXPLAINED`` of those changes with a slope near 1 (sales proportional to the count:
``SLOPE_RANGE``), the history is read as weekly sums (``WeeklySums``). The run then forecasts the
sales of an average period (``WeeklySums.per_average_period``: each period's sales times the
average count over its own) and gives each future period back its own count of that weekday
(``WeeklySums.back_to_periods``). The model column says so (``WeeklySums.note``).

Measured (2026-12-04) on the accuracy suite's data, the share of the year-on-year log changes the
best weekday explains: Walmart's stores by month 86 % (Fridays, the day its weeks are dated by,
slope 0.93) and by quarter 66 % (Fridays, slope 0.91); Rossmann's stores by month 3.5 %,
Superstore's cuts 0.3 to 11 %, US retail 5 % (their best slopes 0.1 to 14): none of them is read
as weekly sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import schema
from forecast.engine import calendar

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PERIODS_A_YEAR = {"M": 12, "Q": 4}
PERIOD_NAMES = {"M": "month", "Q": "quarter"}
COUNT_RANGES = {"M": "4 or 5", "Q": "12 to 14"}
"""How many of one weekday a month or a quarter holds, as said to people."""
START_FREQ = {"M": "MS", "Q": "QS"}
MIN_SHARE_EXPLAINED = 0.5
SLOPE_RANGE = (0.75, 1.25)
MIN_PAIRS = 24
"""Year-on-year changes (pooled over the series) needed before the history is judged at all."""


def average_count(period: str) -> float:
    """How many of one weekday an average month (about 4.35) or quarter (about 13.04) holds."""
    return 365.2425 / 7 / PERIODS_A_YEAR[period]


def weekday_counts(
    dates: pd.Series | pd.DatetimeIndex, weekday: int, period: str = "M"
) -> np.ndarray:
    """How many times ``weekday`` (0 Monday .. 6 Sunday) falls in the month (``period`` "M")
    or quarter ("Q") of each date."""
    periods = pd.DatetimeIndex(dates).to_period(period)
    first = periods.to_timestamp()
    days = np.asarray(((periods + 1).to_timestamp() - first).days)
    offset = (weekday - first.day_of_week.to_numpy()) % 7  # days to the period's first one
    return 1 + (days - 1 - offset) // 7


@dataclass(frozen=True)
class WeeklySums:
    """A history of weekly figures summed by ``period`` ("M" or "Q"): its sales follow the
    count of ``weekday`` (0 Monday .. 6 Sunday) in each period."""

    weekday: int
    period: str = "M"

    @property
    def day(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def note(self) -> str:
        """What the model column adds: ``sales per Friday of the month: weekly figures summed
        by month``."""
        noun = PERIOD_NAMES[self.period]
        return f"sales per {self.day} of the {noun}: weekly figures summed by {noun}"

    def counts(self, dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        return weekday_counts(dates, self.weekday, self.period)

    def sizes(self, dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """Each period's weeks against an average period's (1.15 for a five-Friday month)."""
        return self.counts(dates) / average_count(self.period)

    def periods_after(self, last: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
        """The ``horizon`` periods after the one holding ``last``."""
        start = pd.Timestamp(last).to_period(self.period).to_timestamp()
        return pd.date_range(start, periods=horizon + 1, freq=START_FREQ[self.period])[1:]

    def per_average_period(self, history: pd.DataFrame) -> pd.DataFrame:
        """The history with each period's sales scaled to an average period's weeks."""
        sizes = self.sizes(history[schema.DS])
        return history.assign(**{schema.Y: history[schema.Y].to_numpy(dtype=float) / sizes})

    def back_to_periods(self, frame: pd.DataFrame, value_columns: list[str]) -> pd.DataFrame:
        """A forecast of average periods given each period's own weeks back, with the model
        column saying so."""
        sizes = self.sizes(frame[schema.DS])
        out = frame.copy()
        for column in value_columns:
            out[column] = out[column].to_numpy(dtype=float) * sizes
        labels = out[schema.MODEL].astype(str)
        notes = {label: with_note(label, self.note) for label in labels.unique()}
        out[schema.MODEL] = labels.map(notes)
        return out


def period_of(history: pd.DataFrame, freq: str | None) -> str | None:
    """ "M" or "Q" for a monthly or quarterly run (by ``freq`` when given, else by the history's
    dates), None for any other (or one whose frequency cannot be told: the baseline's own check
    says so)."""
    try:
        base = calendar.history_base(history, freq)
    except schema.SchemaError:
        return None
    return base if base in PERIODS_A_YEAR else None


def weekly_sums_of(history: pd.DataFrame, freq: str | None) -> WeeklySums | None:
    """How a monthly or quarterly history is weekly sums (module doc); None where it is not, or
    the run is daily or weekly."""
    period = period_of(history, freq)
    if period is None:
        return None
    weekday = weekly_sums_weekday(history, period)
    return None if weekday is None else WeeklySums(weekday, period)


def weekly_sums_weekday(history: pd.DataFrame, period: str = "M") -> int | None:
    """The weekday (0 Monday .. 6 Sunday) whose count per month (or quarter) the ``history``
    follows, as weekly figures summed by period do; None where no weekday does (module doc)."""
    season = PERIODS_A_YEAR[period]
    frame = history[[schema.UNIQUE_ID, schema.DS, schema.Y]].copy()
    frame["period"] = pd.DatetimeIndex(frame[schema.DS]).to_period(period)
    frame = frame.sort_values([schema.UNIQUE_ID, "period"])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_y = np.log(frame[schema.Y].to_numpy(dtype=float))
    frame["log_y"] = np.where(np.isfinite(log_y), log_y, np.nan)
    before = frame.assign(period=frame["period"] + season).rename(columns={"log_y": "log_before"})
    pairs = frame.merge(
        before[[schema.UNIQUE_ID, "period", "log_before"]], on=[schema.UNIQUE_ID, "period"]
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
    now = pairs["period"].dt.to_timestamp()
    year_before = (pairs["period"] - season).dt.to_timestamp()
    best: tuple[float, int] | None = None
    for weekday in range(7):
        ratio = weekday_counts(now, weekday, period) / weekday_counts(year_before, weekday, period)
        x = np.log(ratio)
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


def with_note(label: str, note: str) -> str:
    """``label`` with ``note`` among its notes: ``arima (note)``, ``snaive (a gap ...; note)``."""
    if " (" in label and label.endswith(")"):
        return f"{label[:-1]}; {note})"
    return f"{label} ({note})"
