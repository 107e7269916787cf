"""Bytes in, DataFrame out: file type, gzip, encoding, delimiter and decimal mark of a sales file."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.bounds import UNNAMED_FILE
from forecast.engine.ingest import bounds
from forecast.engine.ingest.types import IngestError, NoRows, Problem
from forecast.engine.ingest.values import without_currency_sign
from forecast.engine.quiet import quiet_warnings

CSV_DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
SAMPLE_ROWS = 2000

_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_UNSUPPORTED_EXT = {
    ".xls": "save it from Excel as .xlsx or .csv",
    ".json": "export it as .csv, .xlsx or .parquet",
    ".ods": "save it as .xlsx or .csv",
    ".numbers": "export it from Numbers as .csv or .xlsx",
    ".pdf": "export the table as .csv or .xlsx",
    ".zip": "unzip it and pass the .csv, .xlsx or .parquet file inside",
    ".xml": "export it as .csv, .xlsx or .parquet",
}
_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})*,\d+$|^[-+]?\d+,\d+$")


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str
    decimal: str  # "." or ","
    skiprows: int = 0  # title lines above the header

    @property
    def first_data_row(self) -> int:
        """Spreadsheet row number of the first data row (header = the row after the title)."""
        return self.skiprows + 2


def load_source(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
    """The raw bytes of `source` and the name used in problems."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), filename or UNNAMED_FILE
    path = Path(source).expanduser()
    name = filename or str(source)
    if not path.exists():
        raise IngestError(
            [Problem.whole_file(name, "file not found", "check the path and try again")]
        )
    if path.is_dir():
        raise IngestError(
            [Problem.whole_file(name, "this is a folder, not a file", "pass one sales file")]
        )
    limit = bounds.MAX_UNPACKED_BYTES
    try:
        return bounds.read_bounded(path, limit), name
    except bounds.FileTooBig as exc:
        raise bounds.too_big(
            name,
            f"the file is {max(exc.size, limit + 1) / 1024 / 1024:,.0f} MB, more "
            f"than the limit of {limit / 1024 / 1024:,.0f} MB; it was not read",
            "split the file (for example one file per year or per region)",
        ) from None


def unpacked(source: str | Path | bytes, filename: str | None = None) -> tuple[bytes, str]:
    """The file's bytes, gunzipped when it is gzip (within the bound), and the name used in
    problems: for reading one file in several ways without reading or unpacking it each time."""
    raw, name = load_source(source, filename)
    return (_gunzip(raw, name) if raw[:2] == _GZIP_MAGIC else raw), name


def _gunzip(raw: bytes, name: str) -> bytes:
    try:
        return bounds.gunzip(raw, name)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"the gzip file is damaged ({exc})",
                    "compress the file again or pass the uncompressed file",
                )
            ]
        ) from None


def detect_type(raw: bytes, name: str) -> tuple[str, bytes, list[str]]:
    """("csv" | "parquet" | "xlsx", bytes after gunzip, notes)."""
    notes: list[str] = []
    lower = name.lower()
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, name)
        notes.append("file was gzip-compressed")
        if lower.endswith(".gz"):
            lower = lower[:-3]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16, tab-separated
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise IngestError(
                [
                    Problem.whole_file(
                        name,
                        "the file starts like UTF-16 text but is damaged",
                        "save it again as CSV UTF-8 (comma delimited)",
                    )
                ]
            ) from None
        notes.append("file was UTF-16 text; converted")
    if raw[:4] == _PARQUET_MAGIC:
        return "parquet", raw, notes
    if raw[:4] == _ZIP_MAGIC:
        if (
            lower.endswith((".xlsx", ".xlsm"))
            or b"xl/" in raw[:4096]
            or b"[Content_Types]" in raw[:4096]
        ):
            return "xlsx", raw, notes
        fix = _UNSUPPORTED_EXT[".zip"]
        raise IngestError([Problem.whole_file(name, "a zip archive is not a sales file", fix)])
    if raw[:4] == _OLE_MAGIC:
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    "legacy Excel .xls files are not supported",
                    _UNSUPPORTED_EXT[".xls"],
                )
            ]
        )
    suffix = Path(lower).suffix
    if suffix in _UNSUPPORTED_EXT:
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"unsupported file type {suffix}",
                    _UNSUPPORTED_EXT[suffix] + " (supported: .csv/.tsv/.txt, .gz, .parquet, .xlsx)",
                )
            ]
        )
    if suffix in (".parquet", ".pq", ".xlsx"):
        kind = "Parquet" if suffix != ".xlsx" else "XLSX"
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"the file is named {suffix} but is not a {kind} file",
                    "export it again, or give it the extension of what it really is (.csv, .xlsx, .parquet)",
                )
            ]
        )
    if b"\x00" in raw[:4096]:
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    "this is a binary file, not a text (CSV) table",
                    "export the data as .csv, .xlsx or .parquet",
                )
            ]
        )
    return "csv", raw, notes


def detect_encoding(raw: bytes) -> str:
    """utf-8-sig when there is a BOM, utf-8 when the first megabyte decodes, else Windows-1252
    (Latin-1 when even that fails). A bad byte further down is caught by `read_csv_full`."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    head = raw[: SAMPLE_BYTES * 4]
    try:
        # final=False: a character cut in two at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return legacy_encoding(raw)


def legacy_encoding(raw: bytes) -> str:
    """Windows-1252 when the bytes decode as such (five byte values do not), else Latin-1."""
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _sample_lines(raw: bytes, encoding: str) -> list[str]:
    """The first physical lines of the file (blank ones kept, so indexes are line numbers)."""
    chunk = raw[:SAMPLE_BYTES]
    text = chunk.decode(encoding, errors="replace")
    lines = text.splitlines()
    if len(raw) > SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample is partial
    return lines[:300]


def _records(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """(index of the line it starts on, fields) of each non-blank record."""
    out = []
    reader = csv.reader(lines, delimiter=delimiter)
    start = 0
    try:
        for row in reader:
            if len(row) > 1 or (row and row[0].strip()):
                out.append((start, row))
            start = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise
        raise _FieldTooLong(start, delimiter) from exc
    return out


class _FieldTooLong(Exception):
    def __init__(self, start: int, delimiter: str) -> None:
        super().__init__(start, delimiter)
        self.start, self.delimiter = start, delimiter


def sniff_delimiter(lines: list[str]) -> tuple[str, int] | None:
    """(delimiter, lines above the header) for the delimiter among , ; TAB | that splits the
    sample most consistently into most fields. Single-cell lines above the header (a report
    title, a date stamp) are skipped."""
    best: tuple[float, int] | None = None
    found = None
    for delim in CSV_DELIMITERS:
        records = _records(lines, delim)
        header = next((k for k, (_, row) in enumerate(records) if len(row) >= 2), None)
        if header is None:
            continue
        width = len(records[header][1])
        body = [len(row) for _, row in records[header:]]
        consistent = sum(1 for c in body if c == width) / len(body)
        score = (round(consistent, 2), width)
        if best is None or score > best:
            best, found = score, (delim, records[header][0])
    return found


def _long_field_column(lines: list[str], start: int, delimiter: str) -> int | None:
    """The 1-based column of the first field longer than the csv module's limit in the record
    starting on line index `start` (None if none is found). It reads that record only, a
    character at a time, up to the limit: a quote left open runs on over the lines after it."""
    limit = csv.field_size_limit()
    column, length, quoted, field_start, closed = 1, 0, False, True, False
    for line in lines[start:]:
        for ch in line + "\n":
            if ch == '"' and (field_start or (closed and not quoted)):
                quoted, field_start, closed = True, False, False
                continue  # an opening quote, or the second of a doubled one
            field_start = False
            if quoted and ch == '"':
                quoted, closed = False, True
                continue
            closed = False
            if not quoted and ch == delimiter:
                column, length, field_start = column + 1, 0, True
            elif not quoted and ch == "\n":
                return None
            else:
                length += 1
                if length > limit:
                    return column
    return None


def field_too_long(name: str, lines: list[str], start: int, delimiter: str) -> IngestError:
    """The refusal of a record (from line index `start`) holding a field over the csv limit."""
    column = _long_field_column(lines, start, delimiter)
    header = next(csv.reader(lines[:1], delimiter=delimiter), []) if start else []
    named = header[column - 1].strip() if column and column <= len(header) else None
    where = named or (f"column {column}" if column else None)
    return IngestError(
        [
            Problem(
                name,
                start + 1,
                where,
                None,
                f"a cell is longer than {csv.field_size_limit():,} characters, the most one may "
                "hold",
                'a quote left open (a lone ") runs a cell on over the rows after it: close or '
                "remove it; or shorten the cell, or leave that column out of the file",
            )
        ]
    )


def sniff_csv(raw: bytes, name: str) -> CsvFormat:
    """Encoding, delimiter and decimal mark of a CSV file (problems if it is empty or one column)."""
    encoding = detect_encoding(raw)
    lines = _sample_lines(raw, encoding)
    if not any(line.strip() for line in lines):
        empty = Problem.whole_file(
            name,
            "the file is empty",
            "export the sales table again: a header row naming its columns (e.g. store, date, "
            "sales) and a row per series and date under it",
        )
        raise NoRows([empty], empty)
    try:
        sniffed = sniff_delimiter(lines)
    except _FieldTooLong as exc:
        raise field_too_long(name, lines, exc.start, exc.delimiter) from None
    if sniffed is None:
        header = next(line for line in lines if line.strip())[:80]
        raise IngestError(
            [
                Problem(
                    name,
                    1,
                    None,
                    header,
                    "the file has only one column: its separator is not one of , ; TAB |",
                    "save the file as CSV with a comma or semicolon between columns",
                )
            ]
        )
    delimiter, skip = sniffed
    decimal = "."
    if delimiter == ";":
        body = lines[skip + 1 :]
        cells = (cell.strip() for row in csv.reader(body, delimiter=";") for cell in row)
        if any(_DECIMAL_COMMA.match(without_currency_sign(c)) for c in cells):
            decimal = ","
    return CsvFormat(encoding=encoding, delimiter=delimiter, decimal=decimal, skiprows=skip)


def _csv_kwargs(fmt: CsvFormat) -> dict:
    kwargs: dict = {"sep": fmt.delimiter, "encoding": fmt.encoding, "skiprows": fmt.skiprows}
    if fmt.decimal == ",":
        kwargs.update(decimal=",", thousands=".")
    return kwargs


def read_csv_sample(raw: bytes, fmt: CsvFormat, name: str) -> pd.DataFrame:
    """The first rows of the file, every column as text (for deciding what each column is)."""
    head = raw
    if len(raw) > SAMPLE_BYTES * 4:
        head = raw[: SAMPLE_BYTES * 4]
        # Cut after a line break: never inside a row or a multi-byte character.
        head = head[: max(head.rfind(b"\n"), head.rfind(b"\r")) + 1] or head
    try:
        frame = pd.read_csv(
            io.BytesIO(head),
            dtype=str,
            nrows=SAMPLE_ROWS,
            keep_default_na=True,
            on_bad_lines="skip",
            **_csv_kwargs(fmt),
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise IngestError([_parser_problem(name, exc)]) from None
    bounds.check_rows_columns(
        name, 0, frame.shape[1]
    )  # from the header: before any work per column
    frame.columns = clean_header(frame.columns)
    return frame


NA_WORDS_KEPT: dict[str, Any] = {"keep_default_na": False, "na_values": [""]}
"""pandas' reading of cells as written: only an empty one is missing (not NA, N/A, null...)."""


def read_csv_full(
    raw: bytes, fmt: CsvFormat, name: str, dtypes: Mapping[str, str], *, na_words: bool = True
) -> tuple[pd.DataFrame, CsvFormat]:
    """The whole file, and its format (the encoding falls back to Windows-1252 when a byte past
    the sample is not UTF-8). `dtypes` names columns to keep as text (e.g. keys such as 007).
    ``na_words=False`` reads a cell that says NA, N/A, null... as that text, not as missing (an
    events file's names and reasons)."""
    try:
        return _read_csv(raw, fmt, name, dtypes, na_words), fmt
    except UnicodeDecodeError:
        if not fmt.encoding.startswith("utf-8"):
            raise
    fallback = dataclasses.replace(fmt, encoding=legacy_encoding(raw))
    return _read_csv(raw, fallback, name, dtypes, na_words), fallback


def _read_csv(
    raw: bytes, fmt: CsvFormat, name: str, dtypes: Mapping[str, str], na_words: bool = True
) -> pd.DataFrame:
    # The header is cleaned after reading, so map dtypes back to the raw header names.
    raw_header = pd.read_csv(io.BytesIO(raw), nrows=0, **_csv_kwargs(fmt)).columns
    cleaned = clean_header(raw_header)
    by_clean = dict(zip(cleaned, raw_header, strict=True))
    dtype = {by_clean[c]: t for c, t in dtypes.items() if c in by_clean}
    try:
        with quiet_warnings():
            # Mixed types in a column (a text cell among numbers) are handled by the caller;
            # pandas' DtypeWarning about them is not for the user. Uploads are read in threads
            # side by side: catch_warnings would leave its filter behind (see quiet.py).
            frame = pd.read_csv(
                io.BytesIO(raw),
                dtype=dtype,
                **_csv_kwargs(fmt),
                **({} if na_words else NA_WORDS_KEPT),
            )
    except pd.errors.ParserError as exc:
        raise IngestError([_parser_problem(name, exc)]) from None
    except UnicodeDecodeError:
        raise
    except ValueError as exc:
        raise IngestError([_parser_problem(name, exc)]) from None
    frame.columns = cleaned
    bounds.check_rows_columns(name, len(frame), frame.shape[1])
    return frame


def read_csv_column_text(raw: bytes, fmt: CsvFormat, position: int) -> pd.Series:
    """One column of the whole file (by position) as the text written in it (NaN where empty),
    row for row as `read_csv_full` returns the file."""
    return read_csv_columns_text(raw, fmt, [position]).iloc[:, 0]


def read_csv_columns_text(raw: bytes, fmt: CsvFormat, positions: list[int]) -> pd.DataFrame:
    """Columns of the whole file (by position, in file order) as the text written in them, read
    in one pass however many (a wide file's period columns)."""
    return pd.read_csv(
        io.BytesIO(raw), usecols=positions, dtype=str, keep_default_na=True, **_csv_kwargs(fmt)
    )


def spreadsheet_rows(raw: bytes, fmt: CsvFormat, name: str = UNNAMED_FILE) -> np.ndarray:
    """Spreadsheet row number (header = 1) of each data row pandas returns.

    pandas skips blank lines and a quoted cell may span lines, so the data row index alone can be
    off; the csv module counts records the way a spreadsheet numbers its rows. Slow (pure
    Python), so it runs only when there are problems to report.
    """
    text = io.TextIOWrapper(io.BytesIO(raw), encoding=fmt.encoding, errors="replace", newline="")
    header = fmt.skiprows + 1  # title lines hold no quoted line breaks: records == lines there
    reader = csv.reader(text, delimiter=fmt.delimiter)
    kept, start = [], 0
    try:
        for number, record in enumerate(reader, start=1):
            if number > header and (len(record) > 1 or (record and record[0].strip())):
                kept.append(number)
            start = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise
        lines = raw.decode(fmt.encoding, errors="replace").splitlines()
        raise field_too_long(name, lines, start, fmt.delimiter) from None
    return np.asarray(kept, dtype=np.int64)


def _parser_problem(name: str, exc: Exception) -> Problem:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    row = None
    match = re.search(r"line (\d+)", text)
    if match:
        row = int(match.group(1))
    return Problem(
        name,
        row,
        None,
        None,
        f"the CSV file cannot be parsed: {text}",
        "check that every row has as many fields as the header and that quotes are closed",
    )


def clean_header(columns: pd.Index) -> list[str]:
    """Column names without surrounding spaces or a stray BOM; blank names become column_N."""
    out: list[str] = []
    for i, col in enumerate(columns):
        text = "" if col is None or col is pd.NA or col != col else str(col)  # col != col: NaN
        text = text.replace("\ufeff", "").strip()
        if not text or text.startswith("Unnamed: "):
            text = f"column_{i + 1}"
        while text in out:  # " Sales" and "Sales" must stay two columns
            text += "_2"
        out.append(text)
    return out


def read_parquet(raw: bytes, name: str) -> pd.DataFrame:
    bounds.check_parquet(raw, name)
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"the Parquet file cannot be read: {exc}",
                    "write the Parquet file again or export the data as .csv",
                )
            ]
        ) from None
    frame = frame.reset_index(drop=not _has_named_index(frame))
    frame.columns = clean_header(frame.columns)
    return frame


def _has_named_index(frame: pd.DataFrame) -> bool:
    return any(name is not None for name in frame.index.names)


def read_xlsx(
    raw: bytes, name: str, sheet: str | None = None, *, na_words: bool = True
) -> tuple[pd.DataFrame, list[str], int]:
    """(first sheet, notes, spreadsheet row of its first data row). With `sheet`, the sheet of
    that name (any case) when the workbook has one, else the first. ``na_words=False`` reads a
    cell that says NA, N/A, null... as that text, not as missing (as `read_csv_full`).

    The header is the first row with two or more cells; a title above it is skipped. Bounded
    before openpyxl opens the file (every part's size and packing, its XML tags) and row by row
    while the sheet streams (rows, columns, cells of the grid): see `bounds`."""
    notes: list[str] = []
    bounds.check_xlsx(raw, name)
    bounds.check_xlsx_tags(raw, name)
    try:
        sheet_names, read, data = _xlsx_sheet(raw, name, sheet)
        grid = _xlsx_grid(data, na_words)
    except IngestError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"the XLSX file cannot be read: {exc}",
                    "save the workbook again from Excel, or export the sheet as .csv",
                )
            ]
        ) from None
    bounds.check_rows_columns(name, len(grid), grid.shape[1])
    if len(sheet_names) > 1:
        which = "the first sheet" if read == 0 else "the sheet"
        notes.append(f"read {which} {sheet_names[read]!r} of {len(sheet_names)}")
    filled = grid.notna().sum(axis=1).to_numpy()
    wide = np.flatnonzero(filled >= 2)
    header = int(wide[0]) if len(wide) else 0
    if header:
        notes.append(f"skipped {header} row(s) above the header row {header + 1}")
    frame = grid.iloc[header + 1 :].reset_index(drop=True)
    frame.columns = clean_header(
        pd.Index(grid.iloc[header].tolist()) if len(grid) else grid.columns
    )
    return frame, notes, header + 2


def _xlsx_sheet(
    raw: bytes, name: str, wanted: str | None = None
) -> tuple[list[str], int, list[list[object]]]:
    """The sheet names, the position of the sheet read (the one named `wanted`, any case, when
    there is one, else the first) and its rows as pandas' openpyxl reader converts them
    (empty "" , an error NaN, a whole number int), streamed in read-only mode with the bounds
    checked after every row: a row numbered a million rows down or a cell far to the right
    makes openpyxl fill the grid with empty cells, which count (one row's worth at most is
    made before the refusal)."""
    import openpyxl
    from openpyxl.cell.cell import TYPE_ERROR, TYPE_NUMERIC

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    try:
        names = [str(title).strip().lower() for title in book.sheetnames]
        wanted_name = (wanted or "").strip().lower()
        position = names.index(wanted_name) if wanted_name in names else 0
        sheet = book.worksheets[position]
        sheet.reset_dimensions()  # a declared size may be wrong: openpyxl finds the extent
        max_rows = min(bounds.MAX_ROWS + 1, bounds.MAX_XLSX_ROWS)
        max_cells = bounds.MAX_XLSX_CELLS
        data: list[list[object]] = []
        # Empty rows (openpyxl lists them down to a formatted empty cell) join the grid only
        # when a later row holds data: trailing ones are never built, nor counted against it.
        empty_rows = 0
        width = made = 0
        for number, row in enumerate(sheet.rows):
            if number >= max_rows:
                if max_rows > bounds.MAX_ROWS:
                    break  # check_rows_columns says "more than MAX_ROWS rows"
                raise bounds.too_big(
                    name,
                    f"the sheet has rows past row {bounds.MAX_XLSX_ROWS:,}, the last row of an "
                    "Excel sheet; it was not read",
                    bounds.XLSX_FIX,
                )
            converted: list[object] = []
            for cell in row:
                value = cell.value
                if value is None:
                    converted.append("")
                elif cell.data_type == TYPE_ERROR:
                    converted.append(np.nan)
                elif cell.data_type == TYPE_NUMERIC:
                    whole = int(value)
                    converted.append(whole if whole == value else float(value))
                else:
                    converted.append(value)
            while converted and converted[-1] == "":
                converted.pop()
            if len(converted) > bounds.MAX_COLUMNS:
                message = (
                    f"row {number + 1} of the sheet has {len(converted):,} columns, more than "
                    f"the limit of {bounds.MAX_COLUMNS:,}; it was not read"
                )
                raise IngestError([Problem(name, number + 1, None, None, message, bounds.XLSX_FIX)])
            width = max(width, len(converted), 1)
            made += len(row)  # what openpyxl built for the row, trailing empty cells included
            if not converted:
                empty_rows += 1
                continue
            # and what the padded grid will hold with this row, checked before it is built
            cells = max(made, (len(data) + empty_rows + 1) * width)
            if cells > max_cells:
                message = (
                    f"the sheet's grid reaches {cells:,} cells by row {number + 1} (empty ones "
                    f"between included), more than the limit of {max_cells:,}; it was not read"
                )
                raise IngestError([Problem(name, number + 1, None, None, message, bounds.XLSX_FIX)])
            data.extend([] for _ in range(empty_rows))
            empty_rows = 0
            data.append(converted)
        return list(book.sheetnames), position, data
    finally:
        book.close()


def _xlsx_grid(data: list[list[object]], na_words: bool = True) -> pd.DataFrame:
    """The rows as pandas' read_excel(header=None, dtype=object) makes them a frame: padded to
    the widest row, its usual missing-value texts (NA, N/A, ...) read as missing unless
    ``na_words=False``."""
    if not data:
        return pd.DataFrame()
    width = max(len(row) for row in data)
    rows = [row + [""] * (width - len(row)) for row in data]
    parser = pd.io.parsers.TextParser(  # type: ignore[attr-defined]
        rows,
        header=None,
        dtype=object,
        skip_blank_lines=False,
        **({} if na_words else NA_WORDS_KEPT),
    )
    return parser.read()
