"""`read_sales`: a user's sales file (CSV, Parquet, XLSX; path or uploaded bytes) to the long contract."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.engine import period_weeks
from forecast.engine.ingest import detect, reader, series
from forecast.engine.ingest.dates import EARLIEST, LATEST, ParsedDates, parse_dates, parse_unique
from forecast.engine.ingest.problems import (
    NUL,
    duplicate_problems,
    grouped_number_problems,
    header_nul_problems,
    nul_cells,
    nul_problems,
    row_problems,
    spreadsheet_numbering,
    spreadsheet_row_numbers,
)
from forecast.engine.ingest.regularise import (
    WEEKDAYS,
    CalendarTooLarge,
    Grid,
    Inferred,
    base,
    build_grid,
    choose_freq,
    infer_freq,
    native_step_days,
    normalise_freq,
    partial_edge_periods,
    period_starts,
    periods,
)
from forecast.engine.ingest.totals import (
    is_totals_label,
    totals_labelled,
    totals_match,
    totals_series_problems,
)
from forecast.engine.ingest.types import (
    VALUE_FIRST_NUMERIC,
    VALUE_SEVERAL_NAMED,
    ColumnMapping,
    IngestError,
    IngestReport,
    IngestResult,
    NoRows,
    NoteFix,
    Problem,
    ReaderNote,
    ValueChoice,
)
from forecast.engine.ingest.values import (
    DECIMAL_MARKS,
    DOT_THOUSANDS_FIX,
    Amounts,
    ParsedNumbers,
    currency_amounts,
    currency_sign_of,
    dot_thousands,
    dot_thousands_message,
    is_currency_code,
    maybe_dot_thousands,
    one_currency,
    parse_flag,
    parse_numbers,
)
from forecast.engine.period_weeks import WEEKDAYS as DAY_NAMES
from forecast.errors import Fix, FixKey
from forecast.money import format_count, format_percent
from forecast.schema import DS, UNIQUE_ID, Y
from forecast.vocabulary import DUPLICATE_RULES, PERIOD_WORDS, WEEK_DATES


def read_sales(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    id_cols: Sequence[str] | str | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    duplicates: str = "sum",
    attributes_file: str | Path | bytes | None = None,
    attributes_filename: str | None = None,
    week_dates: str = "start",
    shut_weekdays: Sequence[int] = (),
    dense_days: bool = False,
    decimal: str | None = None,
    whole_edges: bool = False,
    future_rows: bool = False,
) -> IngestResult:
    """Read a sales file into `unique_id, ds, y` (+ flag columns) on a regular calendar.

    ``shut_weekdays`` and ``dense_days``: what a plan knows of its daily history (the weekdays
    it never has, and that its days were all there), for reading its actuals: a day of such a
    file without rows is missing, not quiet (``report.absent_days``). ``whole_edges``: keep a
    first or last period the file's dates cover only in part (its reader was told they are
    whole); else it is left out, with a note.

    ``future_rows``: rows dated after the file's last sales date whose sales cell is empty, in a
    file with flags, are the flags planned for the periods ahead (``IngestResult.future``), not
    missing sales; a flag left empty on such a row is refused by row and column. Without it (an
    actuals file), they are missing sales, as an empty sales cell inside the history always is.

    ``week_dates="end"``: the dates of a weekly file mark the last day of each week ("week
    ending", as US retail files have them); each week is then labelled by its first day, as
    every plan's periods are. Dates that are not weekly are read as they are, with a note.

    ``decimal``: the decimal mark of a CSV file ('.' or ','; None: detected). Detected, a value
    column whose every number with a '.' is written like 44.537 is refused as ambiguous (the
    '.' may group thousands, as in many ';' files); naming the mark reads it one way or the other.

    Columns are detected (date, value, series key, 0/1 flags, per-series attributes) unless given.
    Every problem in the file is collected and raised together as `IngestError`; nothing is
    returned half-read. Negative values are kept (returns and corrections are real sales events)
    and counted in `report.negative_values` with a note, not refused.
    """
    raw, name = reader.load_source(source, filename)
    kind, raw, notes = reader.detect_type(raw, name)
    requested_freq, option_problems = _check_options(name, freq, duplicates, week_dates, decimal)
    user_ids = [id_cols] if isinstance(id_cols, str) else (list(id_cols) if id_cols else None)
    table = _open(raw, name, kind, notes, option_problems, decimal)
    if date_col is None and value_col is None:
        wide = wide_headers(table.sample.columns)
        if len(wide) >= MIN_WIDE_PERIODS:
            table, keys = _melt_wide(
                table, wide, raw, name, notes, option_problems, check_dot_thousands=decimal is None
            )
            date_col, value_col = WIDE_DATE, WIDE_VALUE
            user_ids = user_ids if user_ids is not None else keys
    note_fixes: dict[str, NoteFix] = {}  # the notes that say a fix, by their neutral words
    roles = _choose_columns(
        table, name, user_ids, date_col, value_col, notes, note_fixes, option_problems
    )
    problems: list[Problem] = []
    frame = (
        table.frame if table.frame is not None else _read_whole_csv(table, roles, raw, name, notes)
    )
    data_rows = len(frame)
    row_numbers = (
        table.row_numbers
        if table.row_numbers is not None
        else np.arange(data_rows) + table.first_row
    )
    empty = empty_rows(frame)
    if empty.any():
        notes.append(
            _empty_rows_note(row_numbers[empty], table.fmt, table.first_row, raw, name, data_rows)
        )
        frame, row_numbers = frame[~empty].reset_index(drop=True), row_numbers[~empty]
    rows = len(frame)
    if rows == 0:
        raise _no_rows(name, list(table.sample.columns))
    decimal_comma = bool(table.fmt and table.fmt.decimal == ",")

    # Every row-level check runs before anything raises: all problems are reported at once.
    date_col_name, value_col_name = roles.date, roles.value
    dates = parse_dates(frame[date_col_name])
    amounts, numbers = _sales_read(frame[value_col_name], decimal_comma)
    ahead = _future_rows(frame, row_numbers, dates, roles, numbers) if future_rows else None
    if ahead is not None:  # the history is the rows up to the last sales date
        sold_rows = ~ahead.mask
        frame, row_numbers = frame[sold_rows].reset_index(drop=True), row_numbers[sold_rows]
        dates = dates.rows(sold_rows)
        amounts, numbers = _rows_of(amounts, numbers, sold_rows)
    notes += dates.notes
    totals = _totals_rows(frame, value_col_name, dates.missing | dates.bad)
    problems += _date_problems(
        name, date_col_name, row_numbers, dates, frame[date_col_name], totals
    )
    value_cells = frame[value_col_name]
    read_as = value_cells if amounts is None else amounts.text
    missing_fix = "enter the sales (0 if nothing was sold) or delete the row"
    if not future_rows and numbers.missing.any():
        missing_fix = _planned_rows_fix(frame, row_numbers, dates, roles, numbers)
    problems += row_problems(
        name,
        value_col_name,
        row_numbers,
        numbers.missing,
        value_cells,
        lambda v: "value is missing (empty or NA)",
        missing_fix,
    )
    problems += grouped_number_problems(
        name, value_col_name, row_numbers, numbers.bad, value_cells, read_as
    )
    currency_sign = table.currency_sign
    if amounts is not None:
        found, currency_sign = _currency_problems(
            name, {value_col_name: amounts}, frame, row_numbers, f"column {value_col_name}", notes
        )
        problems += found
    if table.fmt is not None and decimal is None and table.frame is None:
        problems += _dot_thousands_problems(
            name,
            table.fmt,
            raw,
            frame,
            value_col_name,
            row_numbers,
            numbers.values,
            None if amounts is None else read_as,
        )
    flag_values = _flag_values(frame, roles.flags, notes)
    flags = list(flag_values)

    others = [c for c in frame.columns if c not in {date_col_name, value_col_name, *flags}]
    id_names = roles.ids
    if id_names is None:
        id_names, id_notes = detect.choose_id_columns(frame, others, np.asarray(dates.values))
        notes += id_notes
    uid_codes, uid_names, id_missing = series.series_codes(frame, id_names)
    totals_keyed = _labelled_totals(frame, id_names, id_missing)
    problems += row_problems(
        name,
        ", ".join(id_names),
        row_numbers,
        id_missing & ~totals_keyed,
        None,
        lambda v: "series key is empty",
        KEY_FIX,
    )
    problems += row_problems(
        name,
        ", ".join(id_names),
        row_numbers,
        totals_keyed,
        None,
        lambda v: "series key is partly empty and reads Total",
        TOTALS_FIX,
    )
    ds = np.asarray(dates.values)
    usable = ~(dates.missing | dates.bad | dates.out_of_range | id_missing)
    problems += totals_series_problems(
        name,
        frame,
        id_names,
        uid_codes,
        uid_names,
        ds,
        numbers.values,
        row_numbers,
        usable & ~(numbers.missing | numbers.bad),
    )
    problems += _nul_problems(
        name, kind, raw, frame, id_names, others, uid_codes, len(uid_names), row_numbers
    )
    if duplicates == "refuse":
        problems += duplicate_problems(
            name, date_col_name, row_numbers, uid_codes, ds, uid_names, frame[date_col_name], usable
        )
    assert dates.distinct is not None  # always filled in by ParsedDates.__post_init__
    inferred = infer_freq(dates.distinct)
    if week_dates == "end":
        ds, inferred, note = _week_ending(ds, dates.distinct, inferred, requested_freq)
        notes.append(note)
        if inferred.freq is None or base(inferred.freq) != "W":
            # Kept with the plan as how its files date weeks: a daily file dates no week's end.
            week_dates = "start"
    chosen, freq_problem = choose_freq(requested_freq, inferred)
    if chosen is None and not problems:
        message = freq_problem or inferred.note or "the frequency cannot be told from the dates"
        problems.append(
            Problem.keyed(name, None, date_col_name, None, message, Fix(FixKey.NAME_FREQ))
        )
    if ahead is not None:
        problems += ahead.problems(name, flags, id_names)
    if problems:
        if table.fmt is not None:
            spreadsheet = reader.spreadsheet_rows(raw, table.fmt, name)
            problems = spreadsheet_numbering(
                problems, spreadsheet, table.source_rows or data_rows, table.first_row
            )
        raise IngestError(list(dict.fromkeys(problems)))  # a wide file repeats key problems
    assert chosen is not None
    if inferred.note and chosen == inferred.freq:
        notes.append(inferred.note)

    # The regular calendar: sum rows into periods, fill the gaps inside each series with 0.
    grid = _grid(name, date_col_name, uid_codes, periods(ds, chosen), len(uid_names), chosen)
    merged = int((grid.rows_per_cell[grid.rows_per_cell > 1] - 1).sum())
    # On a daily calendar a cell is a date; otherwise count the rows sharing an exact date.
    same_date = (
        0 if not merged else merged if chosen == "D" else series.same_date_duplicates(uid_codes, ds)
    )
    note_kinds: dict[str, ReaderNote] = {}
    if same_date:
        summed = _same_date_note(same_date, uid_codes, ds, uid_names, row_numbers)
        notes.append(summed)
        note_kinds[summed] = ReaderNote.SAME_DATE_ROWS_SUMMED
    if merged > same_date:
        notes.append(
            f"{format_count(merged - same_date)} rows aggregated (sum) to {chosen} periods"
        )
    history = pd.DataFrame(
        {
            UNIQUE_ID: series.take_text(uid_names, grid.series),
            DS: period_starts(grid.period, chosen),
            Y: grid.sum(numbers.values),
        }
    )
    for col, values in flag_values.items():
        history[col] = grid.any(values)
    density = _density(ds, inferred.freq) if len(ds) else 0.0
    history, kept = _drop_partial_edges(
        history, grid, inferred.freq, chosen, ds, density, whole_edges
    )
    partial_notes = kept.notes
    # The cells the file had no row for (y filled with 0), row by row of the history.
    filled_rows = pd.Series(grid.rows_per_cell[kept.rows] == 0, index=history.index)
    notes += partial_notes
    note_kinds |= dict.fromkeys(partial_notes, ReaderNote.EDGE_PERIOD_LEFT_OUT)
    note_periods = dict(zip(partial_notes, kept.periods, strict=True))
    negative = int((numbers.values < 0).sum())
    if negative:
        notes.append(f"{negative} negative values kept as they are (returns or corrections?)")
    filled = grid.filled_per_series()
    sparse = [_said(note, note_fixes) for note in _sparse_note(history, filled_rows, chosen)]
    notes += sparse
    note_kinds |= dict.fromkeys(sparse, ReaderNote.EMPTY_PERIODS_FILLED)
    notes += _weekly_sums_note(history, chosen)

    attr_cols, attributes = series.attributes(frame, others, id_names, uid_codes, uid_names)
    if attributes_file is not None:
        attributes, extra_notes = series.merge_attributes_file(
            attributes, attributes_file, id_names, attributes_filename
        )
        notes += extra_notes
        attr_cols = [c for c in attributes.columns if c != UNIQUE_ID]
    if partial_notes:
        attributes = attributes[attributes[UNIQUE_ID].isin(history[UNIQUE_ID].unique())]
        attributes = attributes.reset_index(drop=True)
    ignored = [c for c in others if c not in attr_cols and c not in id_names]
    notes += series.ignored_notes(frame, ignored)
    if not id_names:
        _fixed_note(
            notes,
            note_fixes,
            f"no series key column: one series named {series.SINGLE_SERIES_ID!r}; {{fix}}",
            Fix(FixKey.SPLIT_SERIES),
        )

    mapping = ColumnMapping(
        id_cols=tuple(id_names),
        date_col=date_col_name,
        value_col=value_col_name,
        flags=tuple(flags),
        attributes=tuple(c for c in attr_cols if c not in id_names),
        ignored=tuple(ignored),
        week_dates=week_dates,
    )
    fmt = table.fmt
    absent_days, weekdays_never, dates_regular = _absent_days(
        ds, inferred.freq, chosen, shut_weekdays, dense_days
    )
    if weekdays_never and chosen == "D":
        one = " or ".join(DAY_NAMES[day] for day in weekdays_never)
        days = " or ".join(DAY_NAMES[day] + "s" for day in weekdays_never)
        notes.append(
            f"no row falls on a {one} in the whole "
            f"file: read as days the business is shut, and a plan forecasts 0 on {days}"
        )
    report = IngestReport(
        file=name,
        file_type=kind,
        rows_read=rows,
        series=len(uid_names),
        start=pd.Timestamp(history[DS].min()) if len(history) else None,
        end=pd.Timestamp(history[DS].max()) if len(history) else None,
        freq=chosen,
        periods=int(history[DS].nunique()),
        series_periods=len(history),
        missing_periods_filled=int(filled.sum()),
        missing_by_series={str(uid_names[i]): int(filled[i]) for i in np.flatnonzero(filled)},
        duplicates_summed=merged,
        same_date_summed=same_date,
        negative_values=negative,
        encoding=fmt.encoding if fmt else None,
        delimiter=fmt.delimiter if fmt else None,
        decimal=fmt.decimal if fmt else None,
        notes=notes,
        first_day=pd.Timestamp(ds.min()) if len(ds) else None,
        last_day=pd.Timestamp(ds.max()) if len(ds) else None,
        native_freq=inferred.freq,
        absent_days=absent_days,
        weekdays_never=weekdays_never,
        dates_regular=dates_regular,
        date_density=density,
        series_days=_short_series_days(uid_codes, ds, uid_names),
        currency_sign=currency_sign,
        note_kinds=note_kinds,
        note_periods=note_periods,
        note_fixes=note_fixes,
    )
    future = None
    if ahead is not None and flags:
        known = set(history[UNIQUE_ID].unique())  # not set() of every row: 1.5 s a million
        future, note = ahead.flags_frame(frame, id_names, flags, chosen, known)
        notes.append(note)
        if future.empty:  # every future row names a series without sales: none is read
            future = None
    return IngestResult(
        history,
        attributes,
        chosen,
        flags,
        mapping,
        report,
        roles.value_choice,
        filled_rows,
        future,
    )


def _nul_problems(
    name: str,
    kind: str,
    raw: bytes,
    frame: pd.DataFrame,
    id_names: Sequence[str],
    others: Sequence[str],
    codes: np.ndarray,
    n_series: int,
    row_numbers: np.ndarray,
) -> list[Problem]:
    """The rows whose series key, or attribute the plan keeps per series (a team's name), holds
    a NUL character (`nul_problems`); a column the plan does not keep (it varies within a
    series) may hold one. A CSV file without a NUL byte is not looked through."""
    if kind == "csv" and NUL.encode() not in raw:
        return []
    found: list[Problem] = []
    for col in dict.fromkeys([*id_names, *others]):
        mask = nul_cells(frame[col])
        if not mask.any():
            continue
        if col in id_names:
            what = "a series key"
        elif series.constant_per_series(frame[col], codes, n_series):
            what = "an attribute of a series"
        else:
            continue  # not kept: the plan never sees it
        found += nul_problems(name, col, row_numbers, frame[col], mask, what)
    return found


KEY_FIX = "fill in the key (store, item...) or delete the row"
"""The fix of a row whose series key is empty, in the history or among the future rows."""


@dataclass
class _Ahead:
    """Rows after the file's last sales date whose sales cell is empty: the planned flags
    (promotions, holidays, openings) of the periods ahead, not sales (``_future_rows``)."""

    mask: np.ndarray  # per row of the file as read
    frame: pd.DataFrame  # those rows
    row_numbers: np.ndarray
    dates: np.ndarray  # datetime64[ns]
    last_sold: pd.Timestamp

    def problems(self, name: str, flags: Sequence[str], id_names: Sequence[str]) -> list[Problem]:
        """A future row must name its series and give every flag: an empty key or flag cell is
        named by row and column (a row without its key would give its flags to another series)."""
        keys = ", ".join(id_names)
        found = row_problems(
            name,
            keys,
            self.row_numbers,
            series.series_codes(self.frame, list(id_names))[2],
            None,
            lambda v: "series key is empty",
            KEY_FIX,
        )
        after = f"{self.last_sold:%Y-%m-%d}"
        for flag in flags:
            message = (
                f"future row (sales empty, after the last sales date {after}): flag {flag} is empty"
            )

            def said(_value: str | None, text: str = message) -> str:
                return text

            found += row_problems(
                name,
                flag,
                self.row_numbers,
                _blank(self.frame[flag]),
                None,
                said,
                f"give {flag} (0 or 1) on every future row, or delete the future rows",
            )
        return found

    def flags_frame(
        self,
        history: pd.DataFrame,
        id_names: Sequence[str],
        flags: Sequence[str],
        freq: str,
        known: set[str],
    ) -> tuple[pd.DataFrame, str]:
        """``unique_id, ds`` and the flags of the future rows on the history's calendar (a
        period's flag is 1 if any of its rows says so), and the note saying so."""
        keys = list(id_names)
        both = pd.concat([history[keys], self.frame[keys]], ignore_index=True)
        codes, names, _ = series.series_codes(both, keys)
        uids = np.asarray(names, dtype=object)[codes[len(history) :]].astype(str)
        out = pd.DataFrame({UNIQUE_ID: uids, DS: period_starts(periods(self.dates, freq), freq)})
        for flag in flags:
            cells = pd.concat([history[flag], self.frame[flag]], ignore_index=True)
            parsed = parse_flag(cells, hinted=detect.flag_named(flag))
            out[flag] = 0.0 if parsed is None else parsed[len(history) :]
        out = out.groupby([UNIQUE_ID, DS], as_index=False, sort=True).max()
        unknown = sorted(set(out[UNIQUE_ID]) - known)
        out = out[out[UNIQUE_ID].isin(known)].reset_index(drop=True)
        note = (
            f"{format_count(len(self.frame))} future rows (sales empty, after the last sales date "
            f"{self.last_sold:%Y-%m-%d}): read as the planned {', '.join(flags)} of "
            f"{format_count(out[UNIQUE_ID].nunique())} series"
        )
        if len(out):
            note += f" from {out[DS].min():%Y-%m-%d} to {out[DS].max():%Y-%m-%d}"
        if unknown:
            note += f"; left out for {len(unknown)} series without sales ({unknown[0]}...)"
        return out, note


def _sales_read(cells: pd.Series, decimal_comma: bool) -> tuple[Amounts | None, ParsedNumbers]:
    """The sales column read once: its currency signs taken off (None: it carries none), then
    its numbers."""
    amounts = currency_amounts(cells, decimal_comma)
    numbers = parse_numbers(cells if amounts is None else amounts.text, decimal_comma=decimal_comma)
    return amounts, numbers


def _rows_of(
    amounts: Amounts | None, numbers: ParsedNumbers, kept: np.ndarray
) -> tuple[Amounts | None, ParsedNumbers]:
    """`_sales_read`'s reading of the rows `kept` (numbered from 0 again, as the frame is); no
    `Amounts` when none of those rows carries a sign, as `currency_amounts` reads them."""
    if amounts is not None:
        signs = amounts.signs[kept]
        text = amounts.text[kept].reset_index(drop=True)
        amounts = Amounts(text, signs) if any(signs) else None
    return amounts, ParsedNumbers(numbers.values[kept], numbers.missing[kept], numbers.bad[kept])


def _future_rows(
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    dates: ParsedDates,
    roles: _Roles,
    numbers: ParsedNumbers,
) -> _Ahead | None:
    """The rows dated after the file's last sales date whose sales cell is empty (`numbers`:
    the sales column as read), in a file with flag columns: planned flags, not sales (None: no
    such rows). An empty sales cell up to the last sales date is missing sales, refused as
    before."""
    if not roles.flags:
        return None
    if not numbers.missing.any():
        return None
    assert dates.out_of_range is not None
    ds = np.asarray(dates.values, dtype="datetime64[ns]")
    dated = ~(dates.missing | dates.bad | dates.out_of_range)
    sold = dated & ~numbers.missing
    if not sold.any():
        return None
    last = ds[sold].max()
    mask = dated & numbers.missing & (ds > last)
    if not mask.any():
        return None
    return _Ahead(
        mask, frame[mask].reset_index(drop=True), row_numbers[mask], ds[mask], pd.Timestamp(last)
    )


def _planned_rows_fix(
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    dates: ParsedDates,
    roles: _Roles,
    numbers: ParsedNumbers,
) -> str:
    """The fix of the rows without sales in a reading that takes no future rows (a plan's sales
    or actuals): where they all come after the last sales date, with flags, they look like
    planned flags, which a plan does not read; entering 0 would make them periods of no sales."""
    ahead = _future_rows(frame, row_numbers, dates, roles, numbers)
    if ahead is None or (numbers.missing & ~ahead.mask).any():  # missing sales in the history
        return "enter the sales (0 if nothing was sold) or delete the row"
    return (
        f"the rows after the last sales date ({ahead.last_sold:%Y-%m-%d}) with the sales empty "
        f"look like planned flags ({', '.join(roles.flags)}): a plan does not read them (promotions "
        "enter a plan as events), so delete those rows (do not enter 0: that would make them "
        "periods of no sales)"
    )


@dataclass
class _Table:
    """A file opened far enough to decide what its columns are."""

    fmt: reader.CsvFormat | None  # CSV only
    frame: pd.DataFrame | None  # Parquet and XLSX are read whole at once; CSV later, typed
    sample: pd.DataFrame  # the first rows, for detection
    first_row: int  # spreadsheet row of the first data row
    row_numbers: np.ndarray | None = None  # per row of `frame` when it is not the file's own
    source_rows: int | None = None  # data rows in the file when `frame` was reshaped
    currency_sign: str | None = None  # the one sign a wide file's amounts carried


@dataclass
class _Roles:
    date: str
    value: str
    ids: list[str] | None  # None: decide from the whole file
    flags: list[str]
    value_choice: ValueChoice


WIDE_DATE, WIDE_VALUE = "date", "value"
MIN_WIDE_PERIODS = 3


def wide_headers(columns: Sequence[str] | pd.Index) -> dict[str, np.datetime64]:
    """Column headers that are dates (2024-01, Jan 2024, 05/01/2024...): a wide table."""
    parsed, _, _ = parse_unique(pd.Series([str(c) for c in columns]))
    ok = ~np.isnat(parsed) & (parsed >= EARLIEST) & (parsed <= LATEST)
    return {col: parsed[i] for i, col in enumerate(columns) if ok[i]}


def _melt_wide(
    table: _Table,
    wide: dict[str, np.datetime64],
    raw: bytes,
    name: str,
    notes: list[str],
    problems: list[Problem],
    check_dot_thousands: bool = True,
) -> tuple[_Table, list[str]]:
    """One column per period (a pivot from Excel) to one row per key and period.

    Every other column is part of the key: each row of a wide table is one series. Empty cells are
    periods without a row (filled with 0 inside a series, and counted); cells that are not
    numbers are problems named by their period column. A CSV whose period columns write every
    dotted number like 44.537 is refused as a long file's value column is (unless the decimal
    mark was named)."""
    keys = [c for c in table.sample.columns if c not in wide]
    problems += _same_period_columns(name, wide)
    frame = table.frame
    fmt = table.fmt
    if frame is None:
        assert fmt is not None
        frame, fmt = reader.read_csv_full(raw, fmt, name, dict.fromkeys(keys, "str"))
    decimal_comma = bool(fmt and fmt.decimal == ",")
    n = len(frame)
    row_numbers = np.arange(n) + table.first_row
    empty = empty_rows(frame)
    if empty.any():  # they make no rows; said, as a long file's are
        notes.append(_empty_rows_note(row_numbers[empty], fmt, table.first_row, raw, name, n))
    values = np.empty((n, len(wide)))
    present = np.empty((n, len(wide)), dtype=bool)
    signed: dict[str, Amounts] = {}
    for j, col in enumerate(wide):
        amounts = currency_amounts(frame[col], decimal_comma)
        read_as = frame[col] if amounts is None else amounts.text
        if amounts is not None:
            signed[col] = amounts
        numbers = parse_numbers(read_as, decimal_comma=decimal_comma)
        problems += grouped_number_problems(
            name, col, row_numbers, numbers.bad, frame[col], read_as
        )
        values[:, j] = numbers.values
        present[:, j] = ~numbers.missing & ~numbers.bad
    currency_sign = None
    if signed:
        columns = f"columns {next(iter(wide))} .. {list(wide)[-1]}"
        found, currency_sign = _currency_problems(name, signed, frame, row_numbers, columns, notes)
        problems += found
    if check_dot_thousands and fmt is not None and fmt.decimal == ".":
        read_texts = {col: amounts.text for col, amounts in signed.items()}
        problems += _wide_dot_thousands_problems(
            name, fmt, raw, frame, wide, row_numbers, values, read_texts
        )
    if problems:
        raise IngestError(problems)
    for column in [key for key in keys if _blank(frame[key]).all()]:
        keys.remove(column)  # a header wider than its rows, or a column left empty
        notes.append(f"column {column!r} is empty in every row; left out (not a key)")
    for column in [key for key in keys if is_totals_label(str(key))]:
        if _row_totals(frame[column], values, present, decimal_comma):
            keys.remove(column)
            notes.append(f"column {column!r} holds each row's total; left out (not a key)")
    rows, cols = np.nonzero(present)
    long = pd.DataFrame({key: frame[key].to_numpy()[rows] for key in keys})
    long[WIDE_DATE] = np.asarray(list(wide.values()), dtype="datetime64[ns]")[cols]
    long[WIDE_VALUE] = values[rows, cols]
    notes.append(
        f"wide table: {len(wide)} period columns ({next(iter(wide))} .. {list(wide)[-1]}) "
        f"turned into rows keyed by {' + '.join(keys) or 'nothing (one series)'}"
    )
    melted = _Table(
        fmt,
        long,
        long.head(reader.SAMPLE_ROWS),
        table.first_row,
        row_numbers[rows],
        n,
        currency_sign,
    )
    return melted, keys


def _same_period_columns(name: str, wide: dict[str, np.datetime64]) -> list[Problem]:
    """A wide table with two columns for one period (2024-01 and 2024-1): which one holds its
    sales cannot be told, so the file is refused naming both."""
    first: dict[np.datetime64, str] = {}
    problems = []
    for column, period in wide.items():
        if period in first:
            problems.append(
                Problem(
                    name,
                    1,
                    str(column),
                    None,
                    f"column {column} is the same period as column {first[period]}",
                    "keep one column per period (merge or rename the other) and read the file "
                    "again",
                )
            )
        else:
            first[period] = str(column)
    return problems


def _blank(cells: pd.Series) -> np.ndarray:
    return (cells.isna() | (cells.astype("str").str.strip() == "")).to_numpy(dtype=bool)


def _row_totals(
    column: pd.Series, values: np.ndarray, present: np.ndarray, decimal_comma: bool
) -> bool:
    """Whether a wide table's column holds, on every row, the sum of the row's period cells (a
    pivot's "Grand Total" column), to the cent or one part in a million."""
    amounts = currency_amounts(column, decimal_comma)
    numbers = parse_numbers(
        column if amounts is None else amounts.text, decimal_comma=decimal_comma
    )
    if len(column) == 0 or numbers.bad.any() or numbers.missing.any():
        return False
    sums = np.where(present, values, 0.0).sum(axis=1)
    return bool(totals_match(numbers.values, sums).all())


def _dot_thousands_problems(
    name: str,
    fmt: reader.CsvFormat,
    raw: bytes,
    frame: pd.DataFrame,
    column: str,
    row_numbers: np.ndarray,
    values: np.ndarray,
    read_as: pd.Series | None = None,
) -> list[Problem]:
    """A CSV value column written like 44.537 throughout: '.' a thousands separator or a
    decimal point? Refused row by row with both readings, unless the user named the mark. The
    cells' text is read again only when the numbers allow the doubt (a cheap test first).
    `read_as`: the cells as they were read (a currency sign taken off), when not the cells."""
    if fmt.decimal != "." or not maybe_dot_thousands(values):
        return []
    cells = frame[column]
    if pd.api.types.is_numeric_dtype(cells.dtype):
        cells = reader.read_csv_column_text(raw, fmt, list(frame.columns).index(column))
        if len(cells) != len(frame):
            return []
    ambiguous = dot_thousands(cells if read_as is None else read_as)
    if ambiguous is None:
        return []
    return row_problems(
        name, column, row_numbers, ambiguous, cells, dot_thousands_message, DOT_THOUSANDS_FIX
    )


def _wide_dot_thousands_problems(
    name: str,
    fmt: reader.CsvFormat,
    raw: bytes,
    frame: pd.DataFrame,
    wide: dict[str, np.datetime64],
    row_numbers: np.ndarray,
    values: np.ndarray,
    read_texts: dict[str, pd.Series] | None = None,
) -> list[Problem]:
    """`_dot_thousands_problems` over all period columns of a wide CSV together: ambiguous only
    when every dotted number in every period column is written like 44.537. `read_texts`: the
    cells of the columns whose currency signs were taken off, as they were read."""
    if not maybe_dot_thousands(values.ravel()):
        return []
    columns = list(frame.columns)
    numeric = [c for c in wide if pd.api.types.is_numeric_dtype(frame[c].dtype)]
    texts = {col: frame[col] for col in wide}
    if numeric:  # their text, in one more pass over the file (not one per column)
        written = reader.read_csv_columns_text(raw, fmt, [columns.index(c) for c in numeric])
        if len(written) != len(frame):
            return []
        texts |= {col: written.iloc[:, i] for i, col in enumerate(numeric)}
    read = texts | (read_texts or {})
    ambiguous = {col: dot_thousands(cells) for col, cells in read.items()}
    for col, mask in ambiguous.items():
        written_otherwise = read[col].dropna().astype("str").str.contains(".", regex=False)
        if mask is None and written_otherwise.any():  # 12.5 somewhere: '.' is a decimal point
            return []
    return [
        problem
        for col, mask in ambiguous.items()
        if mask is not None
        for problem in row_problems(
            name, col, row_numbers, mask, texts[col], dot_thousands_message, DOT_THOUSANDS_FIX
        )
    ]


def _check_options(
    name: str,
    freq: str | None,
    duplicates: str,
    week_dates: str = "start",
    decimal: str | None = None,
) -> tuple[str | None, list[Problem]]:
    problems = []
    if decimal is not None and decimal not in DECIMAL_MARKS:
        problems.append(
            Problem(
                name,
                None,
                None,
                str(decimal)[:32],
                "unknown decimal mark",
                "use '.' (a decimal point: 44.537 is 44.537) or ',' (a decimal comma, '.' "
                "grouping thousands: 44.537 is 44537)",
            )
        )
    if week_dates not in WEEK_DATES:
        problems.append(
            Problem(
                name,
                None,
                None,
                str(week_dates)[:32],
                "unknown way of dating weeks",
                "use 'start' (a week is dated by its first day) or 'end' (by its last day)",
            )
        )
    if duplicates not in DUPLICATE_RULES:
        problems.append(
            Problem(
                name, None, None, duplicates, "unknown duplicates rule", "use 'sum' or 'refuse'"
            )
        )
    requested = None
    if freq is not None:
        requested = normalise_freq(str(freq))
        if requested is None:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    str(freq),
                    "unknown frequency",
                    "use D (daily), W (weekly), M (monthly) or Q (quarterly)",
                )
            )
    return requested, problems


def _week_ending(
    ds: np.ndarray, distinct: np.ndarray, inferred: Inferred, requested: str | None = None
) -> tuple[np.ndarray, Inferred, str]:
    """Weekly dates that mark each week's last day, moved to its first day (6 days before).
    A file of a single date tells no frequency: it is one week when weekly data was asked for
    (a one-week correction of a weekly plan), and its weekday is then checked like any week's."""
    one_week = inferred.dates == 1 and requested is not None and base(requested) == "W"
    if one_week:
        start_weekday = (inferred.weekday + 1) % 7
        inferred = Inferred(f"W-{WEEKDAYS[start_weekday]}", None, 1, start_weekday, True)
    if inferred.freq is None or not inferred.freq.startswith("W-"):
        note = "the dates are not weekly: read as they are (week dates 'end' is for weekly files)"
        return ds, inferred, note
    shift = np.timedelta64(6, "D")
    moved = distinct - shift
    first = pd.Timestamp(distinct.min())
    note = (
        f"the dates mark the end of each week: weeks are dated by their first day "
        f"({(first - pd.Timedelta(days=6)).date()} for the week ending {first.date()})"
    )
    return ds - shift, inferred if one_week else infer_freq(moved), note


HEADER_SHOWN = 8  # columns of a header named in a problem; the rest are counted


def _no_rows(name: str, columns: Sequence[object], problems: Sequence[Problem] = ()) -> NoRows:
    """The file has a header (`columns`) and no data rows under it."""
    names = [str(c) for c in columns]
    shown = ", ".join(names[:HEADER_SHOWN])
    if len(names) > HEADER_SHOWN:
        shown += f" and {len(names) - HEADER_SHOWN} more"
    problem = Problem.whole_file(
        name,
        f"the file has a header ({shown}) but no data rows under it",
        "add a row per series and date under the header, or export the sales table again "
        "with its rows",
    )
    return NoRows([*problems, problem], problem, tuple(names))


def _open(
    raw: bytes,
    name: str,
    kind: str,
    notes: list[str],
    problems: list[Problem],
    decimal: str | None = None,
) -> _Table:
    if kind == "csv":
        fmt = reader.sniff_csv(raw, name)
        if decimal in DECIMAL_MARKS and decimal != fmt.decimal:
            fmt = dataclasses.replace(fmt, decimal=decimal)
            notes.append(f"read with the decimal mark {decimal!r}, as asked")
        table = _Table(fmt, None, reader.read_csv_sample(raw, fmt, name), fmt.first_data_row)
        if fmt.encoding not in ("utf-8", "utf-8-sig"):
            notes.append(f"file is not UTF-8; read as {fmt.encoding}")
        if fmt.skiprows:
            notes.append(f"skipped {fmt.skiprows} line(s) above the header line {fmt.skiprows + 1}")
    elif kind == "parquet":
        frame = reader.read_parquet(raw, name)
        table = _Table(None, frame, frame.head(reader.SAMPLE_ROWS), 2)
    else:
        frame, xlsx_notes, first_row = reader.read_xlsx(raw, name)
        notes += xlsx_notes
        table = _Table(None, frame, frame.head(reader.SAMPLE_ROWS), first_row)
    named = header_nul_problems(name, list(table.sample.columns), table.first_row - 1)
    if named:  # before a column is chosen by its name
        raise IngestError([*problems, *named])
    blank = empty_rows(table.sample)
    if blank.any():  # detection looks at rows with something in them
        table.sample = table.sample[~blank].reset_index(drop=True)
    if len(table.sample) == 0:
        raise _no_rows(name, list(table.sample.columns), problems)
    if len(table.sample.columns) < 2:
        raise IngestError(
            [
                *problems,
                Problem(
                    name,
                    1,
                    None,
                    str(table.sample.columns[0]),
                    "the file has only one column, so it holds no dates beside values",
                    "save it with a comma or semicolon between columns",
                ),
            ]
        )
    return table


def _choose_columns(
    table: _Table,
    name: str,
    user_ids: list[str] | None,
    date_col: str | None,
    value_col: str | None,
    notes: list[str],
    note_fixes: dict[str, NoteFix],
    problems: list[Problem],
) -> _Roles:
    """The user's columns checked (all problems at once, with those of the options), then the
    rest detected. Raises `IngestError` when a role cannot be filled."""
    sample = table.sample
    columns = list(sample.columns)
    problems = list(problems)
    date = value = None
    ids: list[str] | None = None
    if date_col is not None:
        date, found = detect.resolve(
            date_col, columns, name, "date column", FixKey.DATE_COLUMN_OF_FILE
        )
        problems += found
    if value_col is not None:
        value, found = detect.resolve(
            value_col, columns, name, "value column", FixKey.VALUE_COLUMN_OF_FILE
        )
        problems += found
    if user_ids is not None:
        ids = []
        for col in user_ids:
            got, found = detect.resolve(
                col, columns, name, "series key (id) column", FixKey.ID_COLUMN_OF_FILE
            )
            problems += found
            if got is not None:
                ids.append(got)
    problems += _role_clashes(name, date, value, ids or [])
    if problems:
        raise IngestError(problems)

    taken = set(ids or []) | {c for c in (date, value) if c}
    decimal_comma = bool(table.fmt and table.fmt.decimal == ",")
    text = detect.sample_text(sample, decimal_comma)  # every column at once, not one by one
    if date is None:
        date = detect.find_date_column(sample, taken, text)
        if date is None:
            problems.append(
                Problem.whole_file(
                    name,
                    "no column holds dates",
                    Fix(FixKey.NAME_DATE_COLUMN, columns=", ".join(columns)),
                )
            )
    taken |= {date} if date else set()
    flags = detect.find_flags(sample, taken | ({value} if value else set()), text)
    choice = ValueChoice(value) if value is not None else None
    if value is None:
        choice = detect.choose_value(sample, taken, set(flags), decimal_comma, text)
        value = choice.column if choice is not None else None
        if choice is not None and choice.how == VALUE_FIRST_NUMERIC:
            _fixed_note(
                notes,
                note_fixes,
                f"no column is named like sales; forecasting {value}, the first numeric "
                "column ({fix})",
                Fix(FixKey.OTHER_VALUE_COLUMN),
            )
        if choice is not None and choice.how == VALUE_SEVERAL_NAMED:
            others = ", ".join(
                c for c in choice.candidates if c != value and detect.is_value_name(c)
            )
            _fixed_note(
                notes,
                note_fixes,
                f"several columns are named like sales; forecasting {value}, not {others} "
                "({fix})",
                Fix(FixKey.OTHER_VALUE_COLUMN),
            )
        if value is None:
            problems.append(
                Problem.whole_file(
                    name,
                    "no column holds numbers to forecast",
                    Fix(FixKey.NAME_VALUE_COLUMN, columns=", ".join(columns)),
                )
            )
    if problems:
        raise IngestError(problems)
    assert date is not None and value is not None and choice is not None
    return _Roles(date, value, ids, [f for f in flags if f != value], choice)


def _role_clashes(name: str, date: str | None, value: str | None, ids: list[str]) -> list[Problem]:
    roles = [("date", date), ("value", value), *(("series key", c) for c in ids)]
    seen: dict[str, str] = {}
    problems = []
    for role, col in roles:
        if col is None:
            continue
        if col in seen:
            problems.append(
                Problem.keyed(
                    name,
                    None,
                    col,
                    None,
                    f"column {col!r} cannot be both the {seen[col]} and the {role}",
                    Fix(FixKey.DISTINCT_COLUMNS),
                )
            )
        seen.setdefault(col, role)
    return problems


def _read_whole_csv(
    table: _Table, roles: _Roles, raw: bytes, name: str, notes: list[str]
) -> pd.DataFrame:
    """The whole CSV, typed by the parser (fast) except columns that must stay text."""
    fmt = table.fmt
    assert fmt is not None
    # Codes such as 007 stay text, and in a decimal-comma file everything but the value (with
    # thousands="." a parser would read the date 05.02.2024 as 5022024). Asking the parser for
    # text costs more than letting it infer, so only these columns ask.
    european = fmt.decimal == ","
    padded = set() if european else _zero_padded_columns(table.sample)
    text_cols = {
        c: "str" for c in table.sample.columns if c != roles.value and (european or c in padded)
    }
    frame, read_as = reader.read_csv_full(raw, fmt, name, text_cols)
    if read_as.encoding != fmt.encoding:
        table.fmt = read_as
        notes.append(f"file is not UTF-8 past its first lines; read as {read_as.encoding}")
    return frame


TOTALS_FIX = "this looks like a totals row: delete it (forecast sums the series itself)"


def _labelled_totals(frame: pd.DataFrame, id_names: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """Those of `rows` one of whose key cells says Total, Grand Total, Totals, Subtotal or Sum
    (a pivot's Grand Total row leaves the other key columns empty)."""
    labelled = np.zeros(len(frame), dtype=bool)
    at = np.flatnonzero(rows)
    for col in id_names if len(at) else ():
        labelled[at] |= totals_labelled(frame[col].iloc[at])
    return labelled


def _totals_rows(frame: pd.DataFrame, value_col: str, undated: np.ndarray) -> np.ndarray:
    """The rows without a date that read as a spreadsheet's totals: a cell other than the
    value says Total, Grand Total, Totals, Subtotal or Sum (in any case)."""
    totals = np.zeros(len(frame), dtype=bool)
    rows = np.flatnonzero(undated)
    if not len(rows):
        return totals
    for col in frame.columns:
        cells = frame[col]
        if col == value_col or pd.api.types.is_numeric_dtype(cells.dtype):
            continue
        totals[rows] |= totals_labelled(cells.iloc[rows])
    return totals


def _date_problems(
    name: str,
    column: str,
    row_numbers: np.ndarray,
    dates: ParsedDates,
    cells: pd.Series,
    totals: np.ndarray,
) -> list[Problem]:
    assert dates.out_of_range is not None  # always filled in by ParsedDates.__post_init__
    problems = row_problems(
        name,
        column,
        row_numbers,
        dates.missing & ~totals,
        cells,
        lambda v: "date is missing (empty or NA)",
        "enter the date or delete the row",
    )
    problems += row_problems(
        name,
        column,
        row_numbers,
        dates.bad & ~totals,
        cells,
        lambda v: _not_a_date(v, dates.day_first),
        "write dates as YYYY-MM-DD (or one consistent day/month/year format)",
    )
    problems += row_problems(
        name,
        column,
        row_numbers,
        dates.missing & totals,
        cells,
        lambda v: "date is missing (empty or NA)",
        TOTALS_FIX,
    )
    problems += row_problems(
        name,
        column,
        row_numbers,
        dates.bad & totals,
        cells,
        lambda v: _not_a_date(v, dates.day_first),
        TOTALS_FIX,
    )
    problems += row_problems(
        name,
        column,
        row_numbers,
        dates.out_of_range,
        cells,
        lambda v: "date is before 1900 or after 2100 (a typo?)",
        "correct the year",
    )
    return problems


def empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """The rows whose every cell is empty or blank (``,,`` at the end of an Excel export);
    text is looked at only in rows whose other cells are all missing."""
    empty = np.ones(len(frame), dtype=bool)
    numeric_first = sorted(
        frame.columns, key=lambda c: not pd.api.types.is_numeric_dtype(frame[c].dtype)
    )
    for col in numeric_first:
        if not empty.any():
            break
        cells = frame[col]
        missing = cells.isna().to_numpy(dtype=bool, copy=True)
        rows = np.flatnonzero(empty & ~missing)
        if len(rows) and not pd.api.types.is_numeric_dtype(cells.dtype):
            blank = cells.iloc[rows].astype("str").str.strip() == ""
            missing[rows] = blank.to_numpy(dtype=bool)
        empty &= missing
    return empty


SKIPPED_ROWS_SHOWN = 10  # stretches of empty rows named in the note; the rest are counted


def _empty_rows_note(
    numbers: np.ndarray,
    fmt: reader.CsvFormat | None,
    first_row: int,
    raw: bytes,
    name: str,
    data_rows: int,
) -> str:
    """One note for the empty rows left out, named by their spreadsheet rows (in a CSV, blank
    lines and quoted line breaks counted, as in problems)."""
    if fmt is not None:
        spreadsheet = reader.spreadsheet_rows(raw, fmt, name)
        numbers = spreadsheet_row_numbers(numbers, spreadsheet, data_rows, first_row)
    stretches: list[list[int]] = []
    for number in (int(n) for n in numbers):
        if stretches and number == stretches[-1][1] + 1:
            stretches[-1][1] = number
        else:
            stretches.append([number, number])
    shown = [f"{a}" if a == b else f"{a}-{b}" for a, b in stretches[:SKIPPED_ROWS_SHOWN]]
    if len(stretches) > SKIPPED_ROWS_SHOWN:
        shown.append("...")
    count = len(numbers)
    rows = "row" if count == 1 and len(stretches) == 1 else "rows"
    return f"{count} empty {'row' if count == 1 else 'rows'} skipped ({rows} {', '.join(shown)})"


MIXED_CURRENCY_FIX = (
    "convert the amounts to one currency (or put each currency in a file of its own) and read "
    "the file again"
)


def _currency_problems(
    name: str,
    signed: dict[str, Amounts],
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    where: str,
    notes: list[str],
) -> tuple[list[Problem], str]:
    """The currency signs or ISO 4217 codes of value columns and the one most cells carry: one
    currency throughout is said in a note; the cells in another are refused, naming both. A
    symbol beside the code of the one currency it names (€ beside EUR) is that currency and
    counts as its code; '$' beside USD does not (see `one_currency`)."""
    written = Counter(sign for amounts in signed.values() for sign in amounts.signs if sign)
    same = one_currency(written)
    counts: Counter[str] = Counter()
    for sign, count in written.items():  # on a tie below, the sign met first
        counts[same.get(sign, sign)] += count
    signs = {
        col: pd.Series(amounts.signs).replace(same).to_numpy(dtype=object)
        if same
        else amounts.signs
        for col, amounts in signed.items()
    }
    main = counts.most_common(1)[0][0]
    if len(counts) == 1:
        also = "".join(f" (also written {sign})" for sign, code in same.items() if code == main)
        notes.append(
            f"values in {where} carry the {_currency_said(main)}{also}; read as plain numbers"
        )
        return [], main
    col, first = next(
        (col, int(np.flatnonzero(column_signs == main)[0]))
        for col, column_signs in signs.items()
        if (column_signs == main).any()
    )
    at = f"row {int(row_numbers[first])}" + ("" if len(signed) == 1 else f", column {col}")

    def message(value: str | None) -> str:
        other = currency_sign_of((value or "").strip())
        return (
            f"value carries the {_currency_said(other or '?')} where the other amounts carry "
            f"{main} (from {at}): two currencies in one column"
        )

    problems = []
    for column, column_signs in signs.items():
        others = (column_signs != "") & (column_signs != main)
        problems += row_problems(
            name, column, row_numbers, others, frame[column], message, MIXED_CURRENCY_FIX
        )
    return problems, main


def _currency_said(sign: str) -> str:
    return f"currency code {sign}" if is_currency_code(sign) else f"currency sign {sign}"


def _flag_values(frame: pd.DataFrame, flags: list[str], notes: list[str]) -> dict[str, np.ndarray]:
    """0/1 floats per flag column, checked on the whole file with the rule detection used."""
    values: dict[str, np.ndarray] = {}
    for col in flags:
        parsed = parse_flag(frame[col], hinted=detect.flag_named(col))
        if parsed is None:
            notes.append(
                f"column {col} looked like a 0/1 flag in the first rows but is not; ignored"
            )
        else:
            values[col] = parsed
    return values


def _grid(name: str, date_col: str, codes: np.ndarray, p: np.ndarray, n: int, freq: str) -> Grid:
    try:
        return build_grid(codes, p, n)
    except CalendarTooLarge as exc:
        raise IngestError(
            [
                Problem.keyed(
                    name,
                    None,
                    date_col,
                    None,
                    f"the regular {freq} calendar would need {exc.cells:,} series-periods",
                    Fix(FixKey.COARSER_FREQ),
                )
            ]
        ) from None


@dataclass(frozen=True)
class _Kept:
    rows: np.ndarray  # the grid's cells kept, one per row of the history left
    notes: list[str]
    periods: list[tuple[pd.Timestamp, pd.Timestamp]]  # of each note, its first and last day


def _drop_partial_edges(
    history: pd.DataFrame,
    grid: Grid,
    native: str | None,
    chosen: str,
    ds: np.ndarray,
    density: float,
    whole: bool = False,
) -> tuple[pd.DataFrame, _Kept]:
    """Leave out a first or last period that the (finer) data covers only in part (unless
    `whole`; `density` is the file's `_density`); with the history, which of the grid's cells
    it kept and the notes."""
    everything = _Kept(np.arange(len(history)), [], [])
    if not len(ds) or whole:
        return history, everything
    first_date, last_date = ds.min(), ds.max()
    if density < EDGE_DENSITY:
        return history, everything  # sparse dates: a quiet edge is not partial
    drop_first, drop_last = partial_edge_periods(native, chosen, first_date, last_date)
    notes: list[str] = []
    left_out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    keep = np.ones(len(history), dtype=bool)
    for period, edge, day in ((drop_first, "first", first_date), (drop_last, "last", last_date)):
        if period is None or not _uncovered_is_telling(period, edge, day, chosen, native, density):
            continue
        keep &= grid.period != period
        start, after = (
            pd.Timestamp(d) for d in period_starts(np.array([period, period + 1]), chosen)
        )
        left_out.append((start, after - pd.Timedelta(days=1)))
        notes.append(
            f"the {edge} {chosen} period (starting {start:%Y-%m-%d}) is only partly covered by the "
            f"data ({'from' if edge == 'first' else 'up to'} {pd.Timestamp(day):%Y-%m-%d}); left out so "
            "a partial period does not look like a drop in sales"
        )
    if keep.all():
        return history, everything
    return history[keep].reset_index(drop=True), _Kept(np.flatnonzero(keep), notes, left_out)


EDGE_DENSITY = 0.5
"""Dates on at least this share of the days (or weeks) of a file's span make an edge period
that ends before the chosen period does a partial one: order lines of a shop that sells on most
days (Superstore: 85 % of its days) whose file ends on a Thursday end in a part week, where
sparse dates (a sale now and then) do not say the data stops there."""


def _density(ds: np.ndarray, native: str | None) -> float:
    """The share of the days (or weeks) from the first date to the last that have rows; 0 for a
    calendar coarser than weekly."""
    step = native_step_days(native)
    if step is None:
        return 0.0
    days = np.unique(ds.astype("datetime64[D]").astype(np.int64))
    return float(len(days) / ((days[-1] - days[0]) // step + 1))


QUIET_CHANCE = 0.01
"""How unlikely a quiet stretch must be, at the file's density, before it reads as the data
stopping (or not yet started) rather than days without sales."""


def _uncovered_is_telling(
    period: int, edge: str, day: np.datetime64, chosen: str, native: str | None, density: float
) -> bool:
    """Whether the part of an edge period without data says the data stops there. In a file
    with rows on 95 % of its days any such part does; at a lower density the stretch must be
    one that chance would leave without rows less than `QUIET_CHANCE` of the time (at 85 %,
    three days: a Thursday ending a Monday week, not the 31st of a month)."""
    step = 7 if (native or "")[:1] == "W" else 1
    start = int(_day_number(period_starts(np.array([period]), chosen)[0]))
    end = int(_day_number(period_starts(np.array([period + 1]), chosen)[0])) - 1
    seen = int(_day_number(day))
    uncovered = (seen - start if edge == "first" else end - seen) // step
    return uncovered > 0 and not quiet_by_chance(uncovered, density)


def quiet_by_chance(uncovered: int, density: float) -> bool:
    """Whether `uncovered` dates (days, or weeks of a weekly file) without rows at a file's
    edge are a stretch its `density` (the share of its dates with rows) leaves quiet at least
    `QUIET_CHANCE` of the time: days without sales, no sign that the data stops there. Never
    in a file with rows on 95 % of its dates."""
    return density < 0.95 and (1 - density) ** uncovered >= QUIET_CHANCE


def _day_number(value: np.datetime64 | pd.Timestamp) -> int:
    return int(pd.Timestamp(value).normalize().value // 86_400_000_000_000)


def _absent_days(
    ds: np.ndarray,
    native: str | None,
    chosen: str,
    shut: Sequence[int] = (),
    dense: bool = False,
) -> tuple[list[pd.Timestamp], list[int], bool]:
    """(the dates of a regular file's own calendar, between its first and last, that no row has;
    the weekdays a daily file never has though each falls twice in its span, Monday 0; whether
    the file is regular). Those weekdays (shops shut on Sundays), and `shut` (known from the
    plan's history), are not expected. A file is regular when at least half of the `chosen`
    periods it spans have every expected date (or, on its own calendar, 95 % of its dates are
    there), or when `dense` (the plan's daily history was): in sparse data (order lines) a
    quiet day is no missing delivery."""
    step = native_step_days(native)
    if step is None or not len(ds):
        return [], [], False
    days = np.unique(ds.astype("datetime64[D]").astype(np.int64))
    expected = np.arange(days[0], days[-1] + 1, step)
    never: list[int] = []
    if step == 1:
        weekday = (expected + 3) % 7  # 1970-01-01, day 0, was a Thursday (weekday 3)
        if len(expected) >= 14:
            never = sorted(set(range(7)) - set(((days + 3) % 7).tolist()))
        expected = expected[~np.isin(weekday, [*never, *shut])]
    absent = np.setdiff1d(expected, days)
    if not len(absent):
        return [], never, True
    as_dates = expected.astype("datetime64[D]")
    spanned = np.unique(periods(as_dates, chosen))
    incomplete = np.unique(periods(absent.astype("datetime64[D]"), chosen))
    if dense:
        regular = True
    elif 1 < len(spanned) < len(expected):  # periods coarser than the file's dates
        regular = len(spanned) - len(incomplete) >= len(spanned) / 2
    else:
        regular = len(days) >= 0.95 * len(expected)
    if not regular:
        return [], never, False
    return [pd.Timestamp(day, unit="D") for day in absent], never, True


DUPLICATES_SUMMED = "share a series and date with another row; summed"
"""The words of the note on rows summed under ``duplicates="sum"``."""


def _same_date_note(
    same_date: int, codes: np.ndarray, ds: np.ndarray, names: np.ndarray, row_numbers: np.ndarray
) -> str:
    """The note on rows sharing a series and date, summed, naming the first such pair."""
    said = f"{same_date} rows {DUPLICATES_SUMMED}"
    # rows at other times of one day share its date but no timestamp: no pair to name
    first = series.first_same_date_rows(codes, ds)
    if first is not None:
        earlier, later = first
        day = pd.Timestamp(ds[later]).strftime("%Y-%m-%d")
        said += (
            f" (the first: rows {int(row_numbers[earlier])} and {int(row_numbers[later])}, "
            f"series {names[int(codes[later])]} on {day})"
        )
    return said


def _weekly_sums_note(history: pd.DataFrame, freq: str) -> list[str]:
    """Monthly or quarterly sales that follow the count of one weekday per period (weekly
    figures summed by period): said here, since the baseline then forecasts per week."""
    weekly_sums = period_weeks.weekly_sums_of(history, freq)
    if weekly_sums is None:
        return []
    day, noun = weekly_sums.day, period_weeks.PERIOD_NAMES[weekly_sums.period]
    counts = period_weeks.COUNT_RANGES[weekly_sums.period]
    return [
        f"the {noun}s follow their number of {day}s ({counts}): weekly figures summed by "
        f"{noun}; the baseline forecasts sales per {day} and gives each {noun} its own count"
    ]


SPARSE_SHARE = 0.5
"""More empty periods than this share, filled with 0, and the reader suggests a coarser calendar."""
SUITED_EMPTY_SHARE = 0.25
"""The suggested calendar is the finest coarser one whose periods are empty at most this often."""


def _sparse_note(history: pd.DataFrame, filled: pd.Series, freq: str) -> list[NoteFix]:
    """The note for a history mostly made of filled zeros: the share empty, and the finest
    coarser calendar whose periods are seldom empty (Superstore's order lines by region and
    sub-category: 91 % of the days empty, by week 59 %, by month 21 %: monthly), with the
    shares of the calendars on the way."""
    cells = len(history)
    empty = int(filled.sum())
    if not cells or empty <= SPARSE_SHARE * cells or freq[0] == "Q":
        return []
    names = {"D": "days", "W": "weeks", "M": "months"}
    coarser = [f for f in ("W", "M", "Q") if "DWMQ".index(f) > "DWMQ".index(freq[0])]
    sold = ~filled.to_numpy(dtype=bool)
    shares: list[tuple[str, float]] = []
    for code in coarser:
        period = history[DS].dt.to_period(code)
        spanned = period.groupby(history[UNIQUE_ID]).nunique().sum()
        with_sales = period[sold].groupby(history[UNIQUE_ID][sold]).nunique().sum()
        shares.append((code, 1 - with_sales / spanned))
        if shares[-1][1] <= SUITED_EMPTY_SHARE:
            break
    by = {"W": "by week", "M": "by month", "Q": "by quarter"}
    steps = ", ".join(f"{by[code]} {format_percent(share, 0)}" for code, share in shares)
    suited = shares[-1][0]
    return [
        NoteFix(
            f"{format_percent(empty / cells, 0)} of the {names.get(freq[0], 'periods')} had no "
            f"rows and were filled with 0 ({steps} would be empty); a coarser calendar ({{fix}}) "
            "may suit these series better",
            Fix(FixKey.COARSER_CALENDAR, freq=suited, period=PERIOD_WORDS[suited]),
        )
    ]


def _fixed_note(notes: list[str], fixes: dict[str, NoteFix], words: str, fix: Fix) -> None:
    """A note that says a fix, in neutral words, its fix kept as a key each face words."""
    said = _said(NoteFix(words, fix), fixes)
    notes.append(said)


def _said(note: NoteFix, fixes: dict[str, NoteFix]) -> str:
    """The note in neutral words, its fix kept (by those words) in `fixes`."""
    text = note.said()
    fixes[text] = note
    return text


def _not_a_date(text: str | None, day_first: bool | None) -> str:
    """Say which order was used when a d/m/y date fails: 01/14/2024 among 13/01/2024 dates."""
    if (
        day_first is not None
        and text
        and re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", text.strip())
    ):
        order = "day-first" if day_first else "month-first"
        return f"is not a date when read {order}, as the rest of the column is"
    return "is not a date"


def _zero_padded_columns(sample: pd.DataFrame) -> set[str]:
    """Columns with digit codes that have a leading zero (007), which a numeric parse would turn
    into 7: every column's cells in one regex pass (one per column cost ~3 ms each)."""
    rows, width = sample.shape
    flat = pd.Series(sample.to_numpy(dtype=object).ravel(order="F"), dtype=object)
    where = np.repeat(np.arange(width), rows)
    present = flat.notna().to_numpy(dtype=bool)
    padded = flat[present].astype(str).str.fullmatch(r"0\d+").to_numpy(dtype=bool)
    hits = np.bincount(where[present][padded], minlength=width)
    return {col for col, hit in zip(sample.columns, hits, strict=True) if hit}


def _short_series_days(
    codes: np.ndarray, ds: np.ndarray, names: np.ndarray
) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """Each series' own first and last date, for the series that start after the file's first
    date or end before its last."""
    if len(ds) == 0:
        return {}
    days = pd.Series(ds).groupby(codes).agg(["min", "max"])
    short = days[(days["min"] > ds.min()) | (days["max"] < ds.max())]
    return {
        str(names[int(code)]): (pd.Timestamp(first), pd.Timestamp(last))
        for code, first, last in zip(short.index, short["min"], short["max"], strict=True)
    }
