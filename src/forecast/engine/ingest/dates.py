"""Date parsing that decides the format from the data, per column.

Dates repeat a lot (a million rows rarely hold more than a few thousand distinct dates), so each
distinct text is parsed once and the result is spread back over the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.engine.quiet import quiet_warnings

_ISO_DAY = r"\d{4}-\d{1,2}-\d{1,2}"
_ISO_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}.*"
_YMD = r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})"
_DMY = (
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?"
)
_YM = r"(\d{4})[-/.](\d{1,2})"
_YQ = r"(\d{4})\s*[-/ ]?\s*[Qq]([1-4])"
_QY = r"[Qq]([1-4])\s*[-/ ]?\s*(\d{4})"
_COMPACT = r"(\d{4})(\d{2})(\d{2})"
_WORDY = re.compile(r"[A-Za-z]{3}|\d:\d\d")
_NOW = re.compile(r"(?i)today|now|\d{1,2}:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?")
"""What pandas' general parser dates at the moment it reads it ("today", "now", a time of day
alone): no day of a sales file, so said to be no date."""

DATE_NAME_HINTS = (
    "ds",
    "date",
    "day",
    "week",
    "month",
    "quarter",
    "period",
    "time",
    "timestamp",
    "orderdate",
    "salesdate",
    "saledate",
    "transactiondate",
    "invoicedate",
    "weekstart",
    "weekending",
    "weekdate",
    "datum",
    "fecha",
)


@dataclass
class ParsedDates:
    values: pd.DatetimeIndex  # NaT where the text is missing or not a date
    missing: np.ndarray  # bool per row: empty cell
    bad: np.ndarray  # bool per row: text that is not a date
    notes: list[str] = field(default_factory=list)
    day_first: bool | None = None
    distinct: np.ndarray | None = None  # the distinct valid dates (datetime64[ns])
    out_of_range: np.ndarray | None = None  # bool per row: a date before 1900 or after 2100

    def __post_init__(self) -> None:
        if self.out_of_range is None:
            self.out_of_range = np.zeros(len(self.missing), dtype=bool)
        if self.distinct is None:
            values = np.asarray(self.values)
            # hashed then sorted: about twice as fast as np.unique's sort of every row
            self.distinct = np.sort(pd.unique(values[~np.isnat(values)]))

    def rows(self, kept: np.ndarray) -> ParsedDates:
        """The reading of the rows `kept` (a bool mask), as the whole column was read: one date
        order for the whole file (the history's dates are not parsed again on their own)."""
        assert self.out_of_range is not None
        return ParsedDates(
            self.values[kept],
            self.missing[kept],
            self.bad[kept],
            list(self.notes),
            self.day_first,
            out_of_range=self.out_of_range[kept],
        )


def _months(year: pd.Series, month: pd.Series, day: pd.Series | int = 1) -> pd.Series:
    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    return pd.to_datetime(parts, errors="coerce")


def _ambiguous_order(
    day_first: pd.Series, month_first: pd.Series, separators: pd.Series
) -> tuple[bool, str]:
    """The reading of dates with no day above 12 (day-first or not, and why): the one whose dates
    fill more of their calendar, so that 01/02/2024, 01/03/2024, ... read as monthly rather than as
    twelve days in January; where both fill it alike, the separator says (Europe writes 05.02.2010
    and 05-02-2010, the US 2/5/2010)."""
    by_days, by_months = _calendar_filled(day_first), _calendar_filled(month_first)
    if by_days[0] != by_months[0]:
        chosen = by_days if by_days[0] > by_months[0] else by_months
        return by_days[0] > by_months[0], f", as that spaces them evenly ({chosen[1]})"
    return bool((separators != "/").all()), ""


def _calendar_filled(dates: pd.Series) -> tuple[float, str]:
    """The share of its calendar that a set of dates fills (1.0: one date every day, week, month
    or quarter from the first to the last), at the step among those that fits it best."""
    days = pd.DatetimeIndex(dates.dropna().unique()).sort_values()
    if len(days) < 2:
        return 0.0, ""
    best = (len(days) / ((days[-1] - days[0]).days + 1), "daily")
    ordinals: np.ndarray = days.to_numpy(dtype="datetime64[D]").astype(np.int64)
    gaps = np.diff(ordinals)
    if (gaps % 7 == 0).all():
        best = max(best, (len(days) / (int(gaps.sum()) // 7 + 1), "weekly"))
    if (days.day == days[0].day).all():
        months = days.year * 12 + days.month
        span = int(months[-1] - months[0])
        best = max(best, (len(days) / (span + 1), "monthly"))
        if ((months - months[0]) % 3 == 0).all():
            best = max(best, (len(days) / (span // 3 + 1), "quarterly"))
    return best


def parse_unique(texts: pd.Series) -> tuple[np.ndarray, bool | None, list[str]]:
    """Parse distinct date texts; returns datetime64[ns] (NaT = not a date), day_first, notes."""
    texts = texts.astype(object).astype(str).str.strip()
    n = len(texts)
    out = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    done = np.zeros(n, dtype=bool)
    notes: list[str] = []
    day_first: bool | None = None

    def take(mask: np.ndarray, values: pd.Series | pd.DatetimeIndex) -> None:
        out.loc[mask] = np.asarray(values, dtype="datetime64[ns]")
        done[mask] = True

    m = texts.str.fullmatch(_ISO_DAY).to_numpy(dtype=bool)
    if m.any():
        take(m, pd.to_datetime(texts[m], format="%Y-%m-%d", errors="coerce"))
    m = ~done & texts.str.fullmatch(_ISO_TIME).to_numpy(dtype=bool)
    if m.any():
        # Sales belong to the local calendar day: drop a UTC offset, keep the wall-clock time.
        local = texts[m].str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "", regex=True)
        take(m, pd.to_datetime(local, format="ISO8601", errors="coerce"))
    m = ~done & texts.str.fullmatch(_YMD).to_numpy(dtype=bool)
    if m.any():
        ex = texts[m].str.extract(_YMD).astype(int)
        take(m, _months(ex[0], ex[1], ex[2]))
    m = ~done & texts.str.fullmatch(_DMY).to_numpy(dtype=bool)
    if m.any():
        ex = texts[m].str.extract(_DMY)
        first, second = ex[0].astype(int), ex[2].astype(int)
        year = ex[3].astype(int)
        # Series.where takes an array as `other`; the stubs only allow a scalar or a Series.
        year = year.where(  # type: ignore[call-overload]
            ex[3].str.len() == 4, np.where(year < 69, 2000 + year, 1900 + year)
        )
        first_big, second_big = int((first > 12).sum()), int((second > 12).sum())
        if first_big or second_big:
            day_first = first_big >= second_big
        else:
            day_first, why = _ambiguous_order(
                _months(year, second, first), _months(year, first, second), ex[1]
            )
            order = "day-first" if day_first else "month-first"
            notes.append(
                f"dates such as {texts[m].iloc[0]!r} are ambiguous (no day above 12); read them "
                f"{order}{why}"
            )
        day, month = (first, second) if day_first else (second, first)
        take(m, _months(year, month, day))
    m = ~done & texts.str.fullmatch(_YM).to_numpy(dtype=bool)
    if m.any():
        ex = texts[m].str.extract(_YM).astype(int)
        take(m, _months(ex[0], ex[1]))
    m = ~done & texts.str.fullmatch(_YQ).to_numpy(dtype=bool)
    if m.any():
        ex = texts[m].str.extract(_YQ).astype(int)
        take(m, _months(ex[0], ex[1] * 3 - 2))
    m = ~done & texts.str.fullmatch(_QY).to_numpy(dtype=bool)
    if m.any():
        ex = texts[m].str.extract(_QY).astype(int)
        take(m, _months(ex[1], ex[0] * 3 - 2))
    m = ~done & texts.str.fullmatch(_COMPACT).to_numpy(dtype=bool)
    if m.any():
        take(m, pd.to_datetime(texts[m], format="%Y%m%d", errors="coerce"))
    # Anything else with a month name or a clock time goes to the general parser, one by one.
    rest = np.flatnonzero(
        ~done
        & texts.str.contains(_WORDY).to_numpy(dtype=bool)
        & ~texts.str.fullmatch(_NOW).to_numpy(dtype=bool)
    )
    for i in rest:
        with quiet_warnings():
            try:
                stamp = pd.Timestamp(pd.to_datetime(texts.iloc[i], dayfirst=bool(day_first)))
            except (ValueError, TypeError, OverflowError):
                continue
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        if not pd.Timestamp.min <= stamp <= pd.Timestamp.max:  # '2.000:00' reads as year 1
            continue  # not a date a sales file holds: said as such, not as out of range
        out.iloc[int(i)] = stamp
    return out.to_numpy(dtype="datetime64[ns]"), day_first, notes


def parse_dates(column: pd.Series) -> ParsedDates:
    """Parse a whole date column (text, datetime or numbers such as 20100205)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)  # local wall-clock dates, not UTC
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = column.astype("datetime64[ns]").to_numpy()
        missing = np.isnat(stamps)
        outside = ~missing & _outside(stamps)
        stamps = np.where(outside, np.datetime64("NaT", "ns"), stamps)
        none = np.zeros(len(column), dtype=bool)
        return ParsedDates(pd.DatetimeIndex(stamps), missing, none, out_of_range=outside)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = pd.Series(np.asarray(uniques, dtype=object)).map(_as_text)
    parsed, day_first, notes = parse_unique(texts)
    blank = texts.str.strip().eq("").to_numpy(dtype=bool)
    parsed = np.where(blank, np.datetime64("NaT"), parsed)
    missing = codes < 0
    if blank.any():
        missing |= np.isin(codes, np.flatnonzero(blank))
    outside_unique = ~np.isnat(parsed) & _outside(parsed)
    parsed = np.where(outside_unique, np.datetime64("NaT", "ns"), parsed)
    bad_unique = np.isnat(parsed) & ~blank & ~outside_unique
    safe = np.maximum(codes, 0)
    rows = np.where(missing, np.datetime64("NaT", "ns"), parsed[safe])
    bad = ~missing & bad_unique[safe]
    outside = ~missing & outside_unique[safe]
    distinct = np.unique(parsed[~np.isnat(parsed)])
    return ParsedDates(
        pd.DatetimeIndex(rows), missing, bad, notes, day_first, distinct, out_of_range=outside
    )


EARLIEST, LATEST = np.datetime64("1900-01-01", "ns"), np.datetime64("2100-12-31", "ns")


def _outside(stamps: np.ndarray) -> np.ndarray:
    """Dates no sales history holds (typos such as 2204 for 2024), which would stretch the calendar."""
    return (stamps < EARLIEST) | (stamps > LATEST)


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def looks_like_dates(sample: pd.Series) -> float:
    """Share of the non-empty sample values that parse as dates (0 when they are plain numbers)."""
    if pd.api.types.is_datetime64_any_dtype(sample.dtype):
        return 1.0
    texts = sample.dropna().astype(str).str.strip()
    texts = texts[texts != ""]
    if texts.empty:
        return 0.0
    uniques = pd.Series(texts.unique())
    if (
        uniques.str.fullmatch(r"[-+]?\d+(\.\d+)?").all()
        and not uniques.str.fullmatch(_COMPACT).all()
    ):
        return 0.0
    parsed, _, _ = parse_unique(uniques)
    ok = ~np.isnat(parsed)
    # Compact yyyymmdd numbers count only when every one of them is a valid date in a sane range.
    if uniques.str.fullmatch(_COMPACT).all():
        years = pd.DatetimeIndex(parsed[ok]).year
        if not ok.all() or (years < 1900).any() or (years > 2100).any():
            return 0.0
    lookup = dict(zip(uniques, ok, strict=True))
    return float(texts.map(lookup).mean())
