"""`read_sales`: a user's sales file (CSV, Parquet, XLSX; path or uploaded bytes) to the long contract."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from forecast.engine.ingest import detect, reader
from forecast.engine.ingest.dates import parse_dates
from forecast.engine.ingest.regularise import (
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
from forecast.engine.ingest.values import number_problem, parse_flag, parse_numbers
from forecast.schema import DS, UNIQUE_ID, Y

MAX_PROBLEMS_PER_KIND = 20
"""Rows listed per column and kind of problem; the rest are counted in one closing problem."""

ID_SEPARATOR = "/"
SINGLE_SERIES_ID = "total"
_INTEGRAL_FLOAT = re.compile(r"^[-+]?\d+\.0+$")


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
    if kind == "csv":
        fmt = reader.sniff_csv(raw, name)
        sample = reader.read_csv_sample(raw, fmt, name)
        if fmt.encoding not in ("utf-8", "utf-8-sig"):
            notes.append(f"file is not UTF-8; read as {fmt.encoding}")
    elif kind == "parquet":
        frame = reader.read_parquet(raw, name)
        sample = frame.head(reader.SAMPLE_ROWS)
    else:
        frame, xlsx_notes = reader.read_xlsx(raw, name)
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
    row_numbers = np.arange(rows) + 2  # header is row 1

    dates = parse_dates(frame[resolved_date])
    notes += dates.notes
    date_text = _texts(frame[resolved_date])
    problems += _row_problems(
        name,
        resolved_date,
        row_numbers,
        dates.missing,
        date_text,
        lambda v: "date is missing (empty or NA)",
        "enter the date or delete the row",
    )
    problems += _row_problems(
        name,
        resolved_date,
        row_numbers,
        dates.bad,
        date_text,
        lambda v: "is not a date",
        "write dates as YYYY-MM-DD (or one consistent day/month/year format)",
    )
    numbers = parse_numbers(frame[resolved_value], decimal_comma=bool(fmt and fmt.decimal == ","))
    value_text = _texts(frame[resolved_value])
    problems += _row_problems(
        name,
        resolved_value,
        row_numbers,
        numbers.missing,
        value_text,
        lambda v: "value is missing (empty or NA)",
        "enter the sales (0 if nothing was sold) or delete the row",
    )
    problems += _grouped_number_problems(name, resolved_value, row_numbers, numbers.bad, value_text)

    flag_values: dict[str, np.ndarray] = {}
    for col in flags:
        values = parse_flag(frame[col], hinted=True)
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
    uid_codes, uid_names, id_missing = _series_codes(frame, resolved_ids)
    problems += _row_problems(
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
        problems += _duplicate_problems(
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
            problems = _spreadsheet_numbering(problems, reader.spreadsheet_rows(raw, fmt), rows)
        raise IngestError(problems)
    assert chosen is not None
    if inferred.note and chosen == inferred.freq:
        notes.append(inferred.note)

    p = periods(ds, chosen)
    grid = build_grid(uid_codes, p, len(uid_names))
    merged = int((grid.rows_per_cell[grid.rows_per_cell > 1] - 1).sum())
    # On a daily calendar a cell is a date; otherwise count rows sharing an exact date.
    same_date = merged if chosen == "D" or not merged else _same_date_duplicates(uid_codes, ds)
    if merged:
        if same_date:
            notes.append(f"{same_date} rows share a series and date with another row; summed")
        if merged > same_date:
            notes.append(f"{merged - same_date} rows aggregated (sum) to {chosen} periods")

    history = pd.DataFrame(
        {
            UNIQUE_ID: _take_text(uid_names, grid.series),
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

    attr_cols, attributes = _attributes(frame, others, resolved_ids, uid_codes, uid_names)
    if attributes_file is not None:
        attributes, extra_notes = _merge_attributes_file(attributes, attributes_file, resolved_ids)
        notes += extra_notes
        attr_cols = [c for c in attributes.columns if c != UNIQUE_ID]
    ignored = [c for c in others if c not in attr_cols and c not in resolved_ids]
    notes += _ignored_notes(frame, ignored)
    if not resolved_ids:
        notes.append(
            f"no series key column: one series named {SINGLE_SERIES_ID!r}; pass --id to split"
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


def _spreadsheet_numbering(problems: list[Problem], rows: np.ndarray, n: int) -> list[Problem]:
    """Renumber problems from "data index + 2" to the spreadsheet row (blank lines counted)."""
    if len(rows) != n or np.array_equal(rows, np.arange(n) + 2):
        return problems

    def real(number: int) -> int:
        return int(rows[number - 2]) if 2 <= number < n + 2 else number

    def renumber(text: str) -> str:
        return re.sub(r"\brow (\d+)", lambda m: f"row {real(int(m.group(1)))}", text)

    return [
        dataclasses.replace(
            p, row=None if p.row is None else real(p.row), message=renumber(p.message)
        )
        for p in problems
    ]


def _zero_padded(sample: pd.Series) -> bool:
    """Digit codes with a leading zero (007) that a numeric parse would turn into 7."""
    text = sample.dropna().astype(str)
    return bool(text.str.fullmatch(r"0\d+").any())


def _take_text(names: np.ndarray, codes: np.ndarray) -> pd.Series:
    """names[codes] as a pandas str column, built in Arrow (a million rows in milliseconds)."""
    table = pa.array(list(names), pa.large_string()).take(pa.array(codes))
    return pd.Series(table, dtype=pd.StringDtype(storage="pyarrow", na_value=np.nan))


def _texts(column: pd.Series) -> pd.Series:
    return column


def _cell(column: pd.Series | None, i: int) -> str | None:
    if column is None:
        return None
    value = column.iloc[i]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _row_problems(
    file: str,
    column: str,
    row_numbers: np.ndarray,
    mask: np.ndarray,
    cells: pd.Series | None,
    message: Callable[[str | None], str],
    fix: str,
) -> list[Problem]:
    hits = np.flatnonzero(mask)
    out = []
    for i in hits[:MAX_PROBLEMS_PER_KIND]:
        value = _cell(cells, int(i))
        out.append(Problem(file, int(row_numbers[i]), column, value, message(value), fix))
    if len(hits) > MAX_PROBLEMS_PER_KIND:
        rest = len(hits) - MAX_PROBLEMS_PER_KIND
        out.append(
            Problem(
                file,
                None,
                column,
                None,
                f"{rest} more rows have the same problem ({len(hits)} in all, last at row "
                f"{int(row_numbers[hits[-1]])})",
                fix,
            )
        )
    return out


def _grouped_number_problems(
    file: str, column: str, row_numbers: np.ndarray, bad: np.ndarray, cells: pd.Series
) -> list[Problem]:
    """Non-numbers, grouped by what is wrong with them so each kind gets its own fix."""
    hits = np.flatnonzero(bad)
    if not len(hits):
        return []
    texts = [str(cells.iloc[i]).strip() for i in hits]
    kinds: dict[tuple[str, str], list[int]] = {}
    for i, text in zip(hits, texts, strict=True):
        kinds.setdefault(number_problem(text), []).append(int(i))
    out = []
    for (message, fix), idx in kinds.items():
        mask = np.zeros(len(bad), dtype=bool)
        mask[idx] = True
        out += _row_problems(file, column, row_numbers, mask, cells, lambda v, m=message: m, fix)
    return out


def _key_text(values: np.ndarray) -> np.ndarray:
    """Key values as text: stripped, integral floats without '.0' (11.0 -> 11)."""
    out = []
    for v in values:
        if isinstance(v, float | np.floating) and float(v).is_integer():
            out.append(str(int(v)))
            continue
        text = str(v).strip()
        if _INTEGRAL_FLOAT.match(text):
            text = text.split(".")[0]
        out.append(text)
    return np.asarray(out, dtype=object)


def _series_codes(
    frame: pd.DataFrame, id_cols: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code per row, sorted unique_id per code, row has an empty key) for the key columns."""
    n = len(frame)
    if not id_cols:
        return (
            np.zeros(n, dtype=np.int64),
            np.asarray([SINGLE_SERIES_ID], dtype=object),
            np.zeros(n, bool),
        )
    combined = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    parts: list[np.ndarray] = []
    for col in id_cols:
        raw_codes, raw_uniques = pd.factorize(frame[col], use_na_sentinel=True)
        # 15 and "15" (a column typed differently in two parts of a file) are the same key.
        text_codes, text_uniques = pd.factorize(_key_text(np.asarray(raw_uniques, dtype=object)))
        text = np.asarray(text_uniques, dtype=object)
        codes = np.where(raw_codes < 0, -1, text_codes[np.maximum(raw_codes, 0)])
        uniques = text
        blank = text == ""
        missing |= (codes < 0) | (blank[np.maximum(codes, 0)] if len(text) else False)
        combined = combined * (len(uniques) + 1) + (codes + 1)
        parts.append(text)
    codes, uniques = pd.factorize(combined)
    names = []
    radix = [len(p) + 1 for p in parts]
    for value in uniques:
        pieces = []
        for size, text in zip(reversed(radix), reversed(parts), strict=True):
            value, digit = divmod(int(value), size)
            pieces.append(text[digit - 1] if digit > 0 else "")
        names.append(ID_SEPARATOR.join(reversed(pieces)))
    names_arr = np.asarray(names, dtype=object)
    # Plain text order, as schema.validate_history sorts: the frame is already in canonical order.
    order = np.argsort(names_arr.astype(str), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes], names_arr[order], missing


def _same_date_duplicates(codes: np.ndarray, ds: np.ndarray) -> int:
    key = pd.DataFrame({"c": codes, "d": ds})
    return int(key.duplicated().sum())


def _duplicate_problems(
    file: str,
    column: str,
    row_numbers: np.ndarray,
    codes: np.ndarray,
    ds: np.ndarray,
    names: np.ndarray,
    cells: pd.Series,
    usable: np.ndarray,
) -> list[Problem]:
    """A problem per row that repeats an earlier row's series and date (rows with bad keys or
    dates are reported on their own and left out here)."""
    index = np.flatnonzero(usable)
    key = pd.DataFrame({"c": codes[index], "d": ds[index]})
    dup = key.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    first_of = key.assign(i=index).drop_duplicates(["c", "d"]).set_index(["c", "d"])["i"]
    hits = index[dup]
    fix = "remove the duplicate row, or let ingest sum duplicates (--duplicates sum)"
    out = []
    for i in hits[:MAX_PROBLEMS_PER_KIND]:
        first = int(first_of.loc[(codes[i], ds[i])])
        out.append(
            Problem(
                file,
                int(row_numbers[i]),
                column,
                _cell(cells, int(i)),
                f"second row for series {names[codes[i]]!r} on this date (first at row "
                f"{int(row_numbers[first])})",
                fix,
            )
        )
    if len(hits) > MAX_PROBLEMS_PER_KIND:
        out.append(
            Problem(
                file,
                None,
                column,
                None,
                f"{len(hits) - MAX_PROBLEMS_PER_KIND} more duplicate rows ({len(hits)} in all)",
                fix,
            )
        )
    return out


def _constant_per_series(column: pd.Series, codes: np.ndarray, n_series: int) -> bool:
    values, _ = pd.factorize(column, use_na_sentinel=True)
    low = np.full(n_series, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(n_series, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    return bool((low == high).all())


def _attribute_text(column: pd.Series) -> pd.Series:
    """Attribute values as text; integral floats lose their '.0', missing stays missing."""
    values = np.asarray(column.astype(object), dtype=object)
    missing = pd.isna(column).to_numpy()
    text = _key_text(values)
    out = pd.Series(text, index=column.index, dtype=object)
    out[missing] = None
    return out.astype("str")


def _attributes(
    frame: pd.DataFrame, others: list[str], ids: list[str], codes: np.ndarray, names: np.ndarray
) -> tuple[list[str], pd.DataFrame]:
    n_series = len(names)
    first = np.full(n_series, len(frame), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(frame)))
    cols = [c for c in others if c in ids or _constant_per_series(frame[c], codes, n_series)]
    attributes = pd.DataFrame({UNIQUE_ID: pd.array(names, dtype="str")})
    picked = frame.iloc[first]
    for col in cols:
        attributes[col] = _attribute_text(picked[col]).to_numpy()
    return cols, attributes


def _merge_attributes_file(
    attributes: pd.DataFrame, source: str | Path | bytes, ids: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    raw, name = reader.load_source(source, None)
    kind, raw, _ = reader.detect_type(raw, name)
    if kind == "csv":
        fmt = reader.sniff_csv(raw, name)
        table = reader.read_csv_full(
            raw, fmt, name, dict.fromkeys(reader.read_csv_sample(raw, fmt, name).columns, "str")
        )
    elif kind == "parquet":
        table = reader.read_parquet(raw, name)
    else:
        table, _ = reader.read_xlsx(raw, name)
    keys = [c for c in table.columns if c in ids]
    if not keys:
        key_names = ", ".join(ids) if ids else "(none: the sales file is one series)"
        raise IngestError(
            [
                Problem(
                    name,
                    1,
                    None,
                    None,
                    f"the attributes file has no column named like the series key {key_names}",
                    f"rename its key column to match; its columns are: {', '.join(table.columns)}",
                )
            ]
        )
    table = table.copy()
    for col in table.columns:
        table[col] = _attribute_text(table[col])
    dup = table.duplicated(keys, keep="first").to_numpy()
    if dup.any():
        problems = [
            Problem(
                name,
                int(i) + 2,
                ", ".join(keys),
                " / ".join(str(table[k].iloc[i]) for k in keys),
                "the attributes file has a second row for this key",
                "keep one row per key in the attributes file",
            )
            for i in np.flatnonzero(dup)[:MAX_PROBLEMS_PER_KIND]
        ]
        raise IngestError(problems)
    new_cols = [c for c in table.columns if c not in attributes.columns]
    merged = attributes.merge(table[keys + new_cols], on=keys, how="left", validate="one_to_one")
    notes = [f"attributes from {name}: {', '.join(new_cols)}"]
    unmatched = int(merged[new_cols[0]].isna().sum()) if new_cols else 0
    if new_cols and unmatched:
        notes.append(f"{unmatched} series have no row in {name}")
    return merged, notes


def _ignored_notes(frame: pd.DataFrame, ignored: list[str]) -> list[str]:
    """Warn about ignored text columns that hold mangled numbers (e.g. CPI 2.110.963.582)."""
    notes = []
    for col in ignored:
        column = frame[col]
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        sample = column.dropna().astype(str).head(1000)
        mangled = sample[sample.str.fullmatch(r"[-+]?\d+(?:\.\d+){2,}")]
        if len(mangled):
            notes.append(
                f"column {col} (ignored) holds numbers with several dots such as {mangled.iloc[0]}: "
                "a mangled decimal mark; re-export the file if you need it"
            )
    if ignored:
        notes.append(f"columns not used (they vary within a series): {', '.join(ignored)}")
    return notes
