"""Frequency inference and the regular calendar: every series gets every period between its first
and last date, duplicates in a period are summed, missing periods are filled with 0.

Periods are integers (days, weeks, months, quarters since 1970), so aggregation and gap filling
are a few numpy calls whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.vocabulary import WEEKDAY_CODES as WEEKDAYS

_RANK = {"D": 0, "W": 1, "M": 2, "Q": 3}
_NAMES = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly"}


def base(freq: str) -> str:
    return freq.split("-")[0]


def pandas_freq(freq: str) -> str:
    """The pandas offset alias of an ingest frequency: D, W-FRI, MS, QS."""
    return {"M": "MS", "Q": "QS"}.get(freq, freq)


def normalise_freq(text: str) -> str | None:
    """User input such as d, W, w-fri, MS, month, QS -> D, W, W-FRI, M, Q; None if unknown."""
    t = text.strip().upper()
    aliases = {
        "D": "D",
        "DAY": "D",
        "DAILY": "D",
        "W": "W",
        "WEEK": "W",
        "WEEKLY": "W",
        "M": "M",
        "MS": "M",
        "ME": "M",
        "MONTH": "M",
        "MONTHLY": "M",
        "Q": "Q",
        "QS": "Q",
        "QE": "Q",
        "QUARTER": "Q",
        "QUARTERLY": "Q",
    }
    if t in aliases:
        return aliases[t]
    if t.startswith("W-") and t[2:] in WEEKDAYS:
        return t
    return None


def _days(ds: np.ndarray) -> np.ndarray:
    return ds.astype("datetime64[D]").astype(np.int64)


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)


@dataclass
class Inferred:
    freq: str | None  # D, W-XXX, M, Q or None when it cannot be told
    note: str | None = None
    dates: int = 0  # distinct dates it was told from
    weekday: int = 0  # the most common weekday of the dates (0 = Monday)
    one_weekday: bool = False  # every date falls on `weekday`


def infer_freq(ds: np.ndarray) -> Inferred:
    """The data's own frequency from its distinct dates.

    Dates that all fall on the first (or last) day of a month are monthly, or quarterly when they
    are all quarter starts a quarter or more apart; dates a week or more apart that all fall on one
    weekday are weekly; otherwise the typical gap decides (up to 6 days: daily)."""
    days = np.unique(_days(ds))
    weekdays = _weekday(days)
    weekday = int(np.bincount(weekdays, minlength=7).argmax()) if len(days) else 0
    one = bool((weekdays == weekday).all())
    if len(days) < 2:
        return Inferred(None, "the file holds a single date", len(days), weekday, one)
    typical = int(round(float(np.median(np.diff(days)))))  # robust to a few odd dates
    n = len(days)
    if typical <= 6:
        note = (
            None if typical == 1 else f"dates are {typical} days apart typically; treated as daily"
        )
        return Inferred("D", note, n, weekday, one)
    stamps = days.astype("datetime64[D]")
    month_start = stamps.astype("datetime64[M]").astype("datetime64[D]")
    month_end = (stamps.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    if (stamps == month_start).all() or (stamps == month_end).all():
        months = stamps.astype("datetime64[M]").astype(np.int64)
        if typical >= 80 and (months % 3 == (0 if (stamps == month_start).all() else 2)).all():
            return Inferred("Q", None, n, weekday, one)
        return Inferred("M", None, n, weekday, one)
    off = int((weekdays != weekday).sum())
    if off == 0 or typical <= 13:
        note = None
        if off:
            day = WEEKDAYS[weekday].title()
            note = (
                f"{off} of {n} dates are not on a {day}; each is counted in the week "
                f"starting on the {day} before it"
            )
        return Inferred(f"W-{WEEKDAYS[weekday]}", note, n, weekday, one)
    if typical <= 45:
        return Inferred("M", None, n, weekday, one)
    if typical <= 135:
        return Inferred("Q", None, n, weekday, one)
    return Inferred(
        None,
        f"dates are {typical} days apart typically (yearly data is not supported)",
        n,
        weekday,
        one,
    )


def choose_freq(requested: str | None, inferred: Inferred) -> tuple[str | None, str | None]:
    """(frequency to use, problem text) from the user's request and the data's own frequency."""
    if requested is None:
        return inferred.freq, None
    # Only a clear native frequency (enough dates, all on its grid) overrules the user.
    native = inferred.freq if inferred.dates >= 8 and inferred.note is None else None
    if native is not None and _RANK[base(requested)] < _RANK[base(native)]:
        return None, (
            f"the data is {_NAMES[base(native)]}, it cannot be made {_NAMES[base(requested)]}"
        )
    if requested == "W":
        if inferred.freq is not None and base(inferred.freq) == "W":
            return inferred.freq, None  # keep the data's own weekday
        if inferred.freq is None or inferred.one_weekday:
            # e.g. a few month starts that all fall on a Friday: weeks start on that Friday
            return f"W-{WEEKDAYS[inferred.weekday]}", None
        return "W-MON", None  # daily data: ISO weeks
    return requested, None


def periods(ds: np.ndarray, freq: str) -> np.ndarray:
    """Integer period of each date (its period start is `period_starts`)."""
    kind = base(freq)
    if kind == "D":
        return _days(ds)
    if kind == "W":
        anchor = WEEKDAYS.index(freq.split("-")[1])
        first = (anchor - 3) % 7  # the first day >= 1970-01-01 that falls on the anchor
        return (_days(ds) - first) // 7
    months = ds.astype("datetime64[M]").astype(np.int64)
    return months if kind == "M" else months // 3


def period_starts(p: np.ndarray, freq: str) -> np.ndarray:
    kind = base(freq)
    if kind == "D":
        return p.astype("datetime64[D]").astype("datetime64[ns]")
    if kind == "W":
        anchor = WEEKDAYS.index(freq.split("-")[1])
        first = (anchor - 3) % 7
        return (p * 7 + first).astype("datetime64[D]").astype("datetime64[ns]")
    months = p if kind == "M" else p * 3
    return months.astype("datetime64[M]").astype("datetime64[ns]")


@dataclass
class Grid:
    """The regular calendar of every series, and where each input row lands on it."""

    series: np.ndarray  # series code per grid cell
    period: np.ndarray  # integer period per grid cell
    position: np.ndarray  # grid cell of each input row
    rows_per_cell: np.ndarray  # input rows per grid cell (0 = filled gap, >1 = summed)
    n_series: int

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.position, weights=values, minlength=len(self.period))

    def any(self, flags: np.ndarray) -> np.ndarray:
        return (self.sum(flags) > 0).astype(float)

    def filled_per_series(self) -> np.ndarray:
        gaps = self.rows_per_cell == 0
        return np.bincount(self.series[gaps], minlength=self.n_series)


MAX_CELLS = 100_000_000
"""Largest regular calendar built (series x periods); beyond it a coarser frequency is needed."""


class CalendarTooLarge(ValueError):
    def __init__(self, cells: int):
        super().__init__(f"{cells} cells")
        self.cells = cells


def build_grid(codes: np.ndarray, p: np.ndarray, n_series: int) -> Grid:
    """Cells from each series' first to last period; `codes` are series codes 0..n_series-1."""
    first = np.full(n_series, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_series, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, codes, p)
    np.maximum.at(last, codes, p)
    length = last - first + 1
    if int(length.sum()) > MAX_CELLS:
        raise CalendarTooLarge(int(length.sum()))
    offset = np.concatenate(([0], np.cumsum(length)[:-1]))
    total = int(length.sum())
    series = np.repeat(np.arange(n_series), length)
    period = np.arange(total) - np.repeat(offset, length) + np.repeat(first, length)
    position = offset[codes] + (p - first[codes])
    rows_per_cell = np.bincount(position, minlength=total)
    return Grid(series, period, position, rows_per_cell, n_series)


def native_step_days(native: str | None) -> int | None:
    """The days one row of a file's own calendar `native` covers: 1 daily, 7 weekly; None for
    a coarser calendar (or none told)."""
    if native is None:
        return None
    return {"D": 1, "W": 7}.get(base(native))


def partial_edge_periods(
    native: str | None, chosen: str, first_date: np.datetime64, last_date: np.datetime64
) -> tuple[int | None, int | None]:
    """The first and last periods of the chosen calendar that the data covers only in part.

    Daily rows summed into weeks that end after the file's last day (or start before its first)
    would look like a collapse in sales; such edge periods are left out. Only when the data is
    finer (daily or weekly) than the chosen calendar; (None, None) otherwise."""
    step = native_step_days(native)
    if step is None or _RANK[base(chosen)] <= _RANK[base(native or "D")]:
        return None, None
    first_day = int(_days(np.array([first_date]))[0])
    last_covered = int(_days(np.array([last_date]))[0]) + step - 1
    first_p = int(periods(np.array([first_date]), chosen)[0])
    last_p = int(periods(np.array([last_date]), chosen)[0])
    first_start = int(_days(period_starts(np.array([first_p]), chosen))[0])
    next_start = int(_days(period_starts(np.array([last_p + 1]), chosen))[0])
    drop_first = first_p if first_day > first_start and first_p < last_p else None
    drop_last = last_p if last_covered < next_start - 1 and last_p > first_p else None
    return drop_first, drop_last
