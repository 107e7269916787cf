"""`read_sales`: a user's sales file (CSV, Parquet, XLSX; path or uploaded bytes) to the long contract."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.engine.ingest import detect, reader, series
from forecast.engine.ingest.dates import parse_dates
from forecast.engine.ingest.problems import (
    duplicate_problems,
    grouped_number_problems,
    row_problems,
    spreadsheet_numbering,
)
from forecast.engine.ingest.regularise import (
    CalendarTooLarge,
    build_grid,
    choose_freq,
    infer_freq,
    normalise_freq,
    period_starts,
    periods,
)
from forecast.engine.ingest.types import (
    ColumnMapping,
    IngestError,
    IngestReport,
    IngestResult,
    Problem,
)
from forecast.engine.ingest.values import parse_flag, parse_numbers
from forecast.schema import DS, UNIQUE_ID, Y


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
) -> IngestResult:
    """Read a sales file into `unique_id, ds, y` (+ flag columns) on a regular calendar.

    Columns are detected (date, value, series key, 0/1 flags, per-series attributes) unless given.
    Every problem in the file is collected and raised together as `IngestError`; nothing is
    returned half-read. Negative values are kept (returns and corrections are real sales events)
    and counted in `report.negative_values` with a note, not refused.
    """
    raw, name = reader.load_source(source, filename)
    kind, raw, notes = reader.detect_type(raw, name)
    problems: list[Problem] = []

    if duplicates not in ("sum", "refuse"):
        problems.append(
            Problem(
                name, None, None, duplicates, "unknown duplicates rule", "use 'sum' or 'refuse'"
            )
        )
    requested_freq = None
    if freq is not None:
        requested_freq = normalise_freq(str(freq))
        if requested_freq is None:
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
    user_ids = [id_cols] if isinstance(id_cols, str) else (list(id_cols) if id_cols else None)

    fmt: reader.CsvFormat | None = None
    frame: pd.DataFrame | None = None
    first_row = 2  # spreadsheet row of the first data row (header = row 1)
    if kind == "csv":
        fmt = reader.sniff_csv(raw, name)
        first_row = fmt.first_data_row
        sample = reader.read_csv_sample(raw, fmt, name)
        if fmt.encoding not in ("utf-8", "utf-8-sig"):
            notes.append(f"file is not UTF-8; read as {fmt.encoding}")
        if fmt.skiprows:
            notes.append(f"skipped {fmt.skiprows} line(s) above the header line {fmt.skiprows + 1}")
    elif kind == "parquet":
        frame = reader.read_parquet(raw, name)
        sample = frame.head(reader.SAMPLE_ROWS)
    else:
        frame, xlsx_notes, first_row = reader.read_xlsx(raw, name)
        notes += xlsx_notes
        sample = frame.head(reader.SAMPLE_ROWS)

    if len(sample) == 0:
        raise IngestError(
            [
                *problems,
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "the file has a header but no data rows",
                    "export the sales table again with its data rows",
                ),
            ]
        )
    if len(sample.columns) < 2:
        raise IngestError(
            [
                *problems,
                Problem(
                    name,
                    1,
                    None,
                    str(sample.columns[0]),
                    "the file has only one column, so it holds no dates beside values",
                    "save it with a comma or semicolon between columns",
                ),
            ]
        )

    columns = list(sample.columns)
    resolved_date = resolved_value = None
    resolved_ids: list[str] | None = None
    if date_col is not None:
        resolved_date, found = detect.resolve(date_col, columns, name, "date column", "--date")
        problems += found
    if value_col is not None:
        resolved_value, found = detect.resolve(value_col, columns, name, "value column", "--value")
        problems += found
    if user_ids is not None:
        resolved_ids = []
        for col in user_ids:
            got, found = detect.resolve(col, columns, name, "series key (id) column", "--id")
            problems += found
            if got is not None:
                resolved_ids.append(got)
    roles = [("date", resolved_date), ("value", resolved_value)]
    roles += [("series key", c) for c in resolved_ids or []]
    seen: dict[str, str] = {}
    for role, col in roles:
        if col is None:
            continue
        if col in seen:
            problems.append(
                Problem(
                    name,
                    None,
                    col,
                    None,
                    f"column {col!r} cannot be both the {seen[col]} and the {role}",
                    "give each of --date, --value and --id a different column",
                )
            )
        seen.setdefault(col, role)
    if problems:
        raise IngestError(problems)

    taken = set(resolved_ids or []) | {c for c in (resolved_date, resolved_value) if c}
    if resolved_date is None:
        resolved_date = detect.find_date_column(sample, taken)
        if resolved_date is None:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "no column holds dates",
                    f"pass --date with the date column; the columns are: {', '.join(columns)}",
                )
            )
    taken |= {resolved_date} if resolved_date else set()
    flags = detect.find_flags(sample, taken | ({resolved_value} if resolved_value else set()))
    if resolved_value is None:
        resolved_value = detect.find_value_column(
            sample, taken, set(flags), decimal_comma=bool(fmt and fmt.decimal == ",")
        )
        if resolved_value is not None and not detect.is_value_name(resolved_value):
            notes.append(
                f"no column is named like sales; forecasting {resolved_value}, the first numeric "
                "column (pass --value to choose another)"
            )
        if resolved_value is None:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "no column holds numbers to forecast",
                    f"pass --value with the sales column; the columns are: {', '.join(columns)}",
                )
            )
    if problems:
        raise IngestError(problems)
    assert resolved_date is not None and resolved_value is not None
    flags = [f for f in flags if f != resolved_value]

    if frame is None:
        assert fmt is not None
        # Let the parser type the columns (fast); only codes such as 007 must stay text.
        # The date stays text too (with thousands="." a parser would read 05.02.2024 as 5022024).
        european = fmt.decimal == ","
        text_cols = {
            c: "str"
            for c in columns
            if c == resolved_date or (c != resolved_value and (european or _zero_padded(sample[c])))
        }
        frame = reader.read_csv_full(raw, fmt, name, text_cols)
    rows = len(frame)
    if rows == 0:
        raise IngestError(
            [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "the file has a header but no data rows",
                    "export the sales table again with its data rows",
                )
            ]
        )
    row_numbers = np.arange(rows) + first_row

    dates = parse_dates(frame[resolved_date])
    notes += dates.notes
    date_text = frame[resolved_date]
    problems += row_problems(
        name,
        resolved_date,
        row_numbers,
        dates.missing,
        date_text,
        lambda v: "date is missing (empty or NA)",
        "enter the date or delete the row",
    )
    problems += row_problems(
        name,
        resolved_date,
        row_numbers,
        dates.bad,
        date_text,
        lambda v: _not_a_date(v, dates.day_first),
        "write dates as YYYY-MM-DD (or one consistent day/month/year format)",
    )
    problems += row_problems(
        name,
        resolved_date,
        row_numbers,
        dates.out_of_range,
        date_text,
        lambda v: "date is before 1900 or after 2100 (a typo?)",
        "correct the year",
    )
    numbers = parse_numbers(frame[resolved_value], decimal_comma=bool(fmt and fmt.decimal == ","))
    value_text = frame[resolved_value]
    problems += row_problems(
        name,
        resolved_value,
        row_numbers,
        numbers.missing,
        value_text,
        lambda v: "value is missing (empty or NA)",
        "enter the sales (0 if nothing was sold) or delete the row",
    )
    problems += grouped_number_problems(name, resolved_value, row_numbers, numbers.bad, value_text)

    flag_values: dict[str, np.ndarray] = {}
    for col in flags:
        values = parse_flag(frame[col], hinted=detect.flag_named(col))
        if values is None:
            notes.append(
                f"column {col} looked like a 0/1 flag in the first rows but is not; ignored"
            )
        else:
            flag_values[col] = values
    flags = list(flag_values)

    others = [c for c in frame.columns if c not in {resolved_date, resolved_value, *flags}]
    if resolved_ids is None:
        resolved_ids, id_notes = detect.choose_id_columns(frame, others, np.asarray(dates.values))
        notes += id_notes
    uid_codes, uid_names, id_missing = series.series_codes(frame, resolved_ids)
    problems += row_problems(
        name,
        ", ".join(resolved_ids),
        row_numbers,
        id_missing,
        None,
        lambda v: "series key is empty",
        "fill in the key (store, item...) or delete the row",
    )

    ds = np.asarray(dates.values)
    if duplicates == "refuse":
        usable = ~(dates.missing | dates.bad | id_missing)
        problems += duplicate_problems(
            name, resolved_date, row_numbers, uid_codes, ds, uid_names, date_text, usable
        )

    inferred = infer_freq(dates.distinct)
    chosen, freq_problem = choose_freq(requested_freq, inferred)
    if chosen is None and not problems:
        message = freq_problem or inferred.note or "the frequency cannot be told from the dates"
        problems.append(
            Problem(name, None, resolved_date, None, message, "pass --freq D, W, M or Q")
        )
    if problems:
        if fmt is not None:
            problems = spreadsheet_numbering(
                problems, reader.spreadsheet_rows(raw, fmt), rows, first_row
            )
        raise IngestError(problems)
    assert chosen is not None
    if inferred.note and chosen == inferred.freq:
        notes.append(inferred.note)

    p = periods(ds, chosen)
    try:
        grid = build_grid(uid_codes, p, len(uid_names))
    except CalendarTooLarge as exc:
        raise IngestError(
            [
                Problem(
                    name,
                    None,
                    resolved_date,
                    None,
                    f"the regular {chosen} calendar would need {exc.cells:,} series-periods",
                    "pass a coarser --freq (W or M), or check the dates for typos",
                )
            ]
        ) from None
    merged = int((grid.rows_per_cell[grid.rows_per_cell > 1] - 1).sum())
    # On a daily calendar a cell is a date; otherwise count rows sharing an exact date.
    same_date = (
        merged if chosen == "D" or not merged else series.same_date_duplicates(uid_codes, ds)
    )
    if merged:
        if same_date:
            notes.append(f"{same_date} rows share a series and date with another row; summed")
        if merged > same_date:
            notes.append(f"{merged - same_date} rows aggregated (sum) to {chosen} periods")

    history = pd.DataFrame(
        {
            UNIQUE_ID: series.take_text(uid_names, grid.series),
            DS: period_starts(grid.period, chosen),
            Y: grid.sum(numbers.values),
        }
    )
    for col, values in flag_values.items():
        history[col] = grid.any(values)

    negative = int((numbers.values < 0).sum())
    if negative:
        notes.append(f"{negative} negative values kept as they are (returns or corrections?)")
    filled = grid.filled_per_series()
    missing_by_series = {str(uid_names[i]): int(filled[i]) for i in np.flatnonzero(filled)}
    if len(history) and filled.sum() > 0.5 * len(history) and chosen != "Q":
        coarser = {"D": "W", "M": "Q"}.get(chosen[0], "M")
        notes.append(
            f"{filled.sum() / len(history):.0%} of the {chosen} periods had no rows and were filled "
            f"with 0; a coarser calendar (--freq {coarser}) may suit these series better"
        )

    attr_cols, attributes = series.attributes(frame, others, resolved_ids, uid_codes, uid_names)
    if attributes_file is not None:
        attributes, extra_notes = series.merge_attributes_file(
            attributes, attributes_file, resolved_ids
        )
        notes += extra_notes
        attr_cols = [c for c in attributes.columns if c != UNIQUE_ID]
    ignored = [c for c in others if c not in attr_cols and c not in resolved_ids]
    notes += series.ignored_notes(frame, ignored)
    if not resolved_ids:
        notes.append(
            f"no series key column: one series named {series.SINGLE_SERIES_ID!r}; pass --id to split"
        )

    mapping = ColumnMapping(
        id_cols=tuple(resolved_ids),
        date_col=resolved_date,
        value_col=resolved_value,
        flags=tuple(flags),
        attributes=tuple(c for c in attr_cols if c not in resolved_ids),
        ignored=tuple(ignored),
    )
    report = IngestReport(
        file=name,
        file_type=kind,
        rows_read=rows,
        series=len(uid_names),
        start=pd.Timestamp(history[DS].min()) if len(history) else None,
        end=pd.Timestamp(history[DS].max()) if len(history) else None,
        freq=chosen,
        periods=len(history),
        missing_periods_filled=int(filled.sum()),
        missing_by_series=missing_by_series,
        duplicates_summed=merged,
        negative_values=negative,
        encoding=fmt.encoding if fmt else None,
        delimiter=fmt.delimiter if fmt else None,
        decimal=fmt.decimal if fmt else None,
        notes=notes,
    )
    return IngestResult(history, attributes, chosen, flags, mapping, report)


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


def _zero_padded(sample: pd.Series) -> bool:
    """Digit codes with a leading zero (007) that a numeric parse would turn into 7."""
    text = sample.dropna().astype(str)
    return bool(text.str.fullmatch(r"0\d+").any())
