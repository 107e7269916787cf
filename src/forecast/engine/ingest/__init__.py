"""Ingest: a user's sales file to the long contract `unique_id, ds, y` (+ flags, attributes).

`read_sales` is the one entry point (docs/ARCHITECTURE.md has the contract). What it decides:

- Files: CSV (delimiter sniffed among , ; TAB |; UTF-8, UTF-8 with BOM, else Windows-1252;
  decimal comma understood in ';' files; gzip by magic bytes; CR, LF or CRLF lines), Parquet, XLSX
  (first sheet). Anything else is refused with the formats that work.
- Columns, unless given: the date is the (first, date-named first) column whose values parse as
  dates; the value is the first column named like sales (Sales, Weekly_Sales, y, qty, amount...),
  else the first numeric column (with a note); `IngestResult.value_choice` says how sure that
  is (several columns named like sales, or none, leave it to a person); the series key is the columns named like a store,
  department or item (Store, Dept, item, sku...), else grouping columns (Region + Sub-Category,
  with columns implied by others dropped), else whatever splits rows sharing a date; flags are
  0/1, TRUE/FALSE or (for flag-named columns) 0/a/b/c codes; columns constant within every series
  are attributes; the rest are ignored and listed.
- Dates: parsed per distinct value; day-first vs month-first is decided per column from the data
  (a first field above 12 means day-first), so Excel's mix of 19-02-2010 and 5/2/10 reads right.
- Wide tables (one column per period, as an Excel pivot exports them: Store, 2024-01, 2024-02...)
  become rows; every non-period column is part of the key, empty cells are gaps.
- Calendar: frequency from the typical gap between dates (D, W-<weekday>, M, Q) or `freq`;
  rows are summed into periods (transactions aggregate); each series gets every period between
  its own first and last date, missing ones filled with 0 (y and flags) and counted per series.
- Duplicates (same series and date) are summed, or refused row by row with duplicates="refuse".
- Negative values are kept and counted with a note: returns and corrections are real, and the
  baseline never forecasts below zero anyway.
- Problems are collected lazily and raised together (`IngestError`), each with file, spreadsheet
  row (header = 1), column, value, message and fix; numbers whose magnitude is ambiguous
  (2.110.963.582, 1,234.50) are refused, never guessed. Nothing is returned half-read.
"""

from forecast.engine.ingest.bounds import check_unpacked
from forecast.engine.ingest.core import read_sales
from forecast.engine.ingest.reader import unpacked
from forecast.engine.ingest.regularise import pandas_freq
from forecast.engine.ingest.types import (
    ColumnMapping,
    IngestError,
    IngestReport,
    IngestResult,
    NoRows,
    Problem,
    ReaderNote,
    ValueChoice,
)

__all__ = [
    "ColumnMapping",
    "IngestError",
    "IngestReport",
    "IngestResult",
    "NoRows",
    "Problem",
    "ReaderNote",
    "ValueChoice",
    "check_unpacked",
    "pandas_freq",
    "read_sales",
    "unpacked",
]
