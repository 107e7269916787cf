"""Bounds on what a file may unpack to, checked before the file is read in full.

A sales file of a few megabytes can unpack to gigabytes (an XLSX is a zip of XML; a .gz CSV; a
Parquet file whose pages compress well). Every reader asks here first, from the file's own
directory or metadata, so a decompression bomb is refused in a moment with a message instead of
keeping the machine busy for minutes.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from forecast.engine.ingest.types import IngestError, Problem

MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # gunzipped CSV, Parquet pages
MAX_ROWS = 10_000_000
MAX_COLUMNS = 2_000
"""A sales file needs few columns (key, date, sales, flags, attributes); a wide one a column per
period: five years of days and their keys fit. Checked from the header, before the file is
parsed: every column costs detection work (milliseconds each in pandas)."""

# A workbook costs far more per cell than a CSV: openpyxl builds Python objects for every XML
# element (3 to 8 microseconds each on one core, shared strings included), so its bounds are
# its own. Measured on 2026-12-06: a 100,000-row sheet of three columns (1.7 million tags,
# 17 MB of XML) read in about 6 s of CPU; 10 MB of shared strings took 21.6 s before these
# bounds, and the old 512 MB would have taken 15 to 20 minutes.
MAX_XLSX_UNPACKED_BYTES = 128 * 1024 * 1024
"""All parts of a workbook together, unpacked (a 200,000-row sales sheet: ~30 MB of XML)."""
MAX_XLSX_TAGS = 4_000_000
"""XML tags (each '<') in all parts together: the work openpyxl does, shared strings included,
counted before it opens the file (about 250,000 rows of four columns; at most ~30 s of CPU)."""
MAX_XLSX_CELLS = 4_000_000
"""Cells of the sheet's grid as it is read (rows times the widest row: the empty cells a row
number far down or a cell far right makes count too), checked row by row while streaming."""
MAX_XLSX_ROWS = 1_048_576
"""The last row an Excel sheet has: a row numbered past it is no workbook Excel wrote."""
XLSX_FIX = (
    "save the sheet as .csv (read far faster) and load that, or split the workbook (for "
    "example one file per year or per region)"
)

_SPLIT_FIX = (
    "split the file (for example one file per year or per region), or export it as .csv and "
    "load it from the command line"
)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


class FileTooBig(Exception):
    """A file holds more than the bound it was read under. `size` is what its size said before
    it was read: within the bound when the file grew while it was read (one still being
    written)."""

    def __init__(self, size: int):
        super().__init__(f"the file holds more than its bound ({size:,} bytes when looked at)")
        self.size = size


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the file at `path`, refused (`FileTooBig`) from its size before it is read
    when that is over `limit`, and while it is read when it grows past it: never more than
    ``limit + 1`` bytes are read. Each caller words the refusal its own way."""
    size = path.stat().st_size
    if size > limit:
        raise FileTooBig(size)
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooBig(size)
    return data


def too_big(name: str, what: str, fix: str = _SPLIT_FIX) -> IngestError:
    return IngestError([Problem.whole_file(name, what, fix)])


def check_unpacked(raw: bytes, name: str, limit: int, fix: str) -> None:
    """Refuse a file (an upload) that unpacks to more than `limit` bytes, with `fix`: a gzip
    file inflated in steps and counted (nothing kept, so memory stays small), an XLSX's sheet
    data from its zip directory, a Parquet file's pages from its footer. Other files pass."""
    if raw[:2] == b"\x1f\x8b":
        try:
            gunzip(raw, name, limit=limit, fix=fix, keep=False)
        except (OSError, EOFError, zlib.error):
            return  # a damaged file: the reader says so
    elif raw[:4] == b"PK\x03\x04":
        check_xlsx(raw, name, limit=limit, fix=fix, damaged_ok=True)
    elif raw[:4] == b"PAR1":
        check_parquet(raw, name, limit=limit, fix=fix, damaged_ok=True)


MAX_XLSX_RATIO = 100
"""How many times its packed size a workbook part may unpack to. Excel packs sheet XML about
ten to one (a 200,000-row sheet: 30 MB in 3.4 MB); a part of repeated markup packs a thousand to
one, which only a decompression bomb has."""
RATIO_FROM_BYTES = 1024 * 1024
"""Parts smaller than this unpacked are not held to the ratio (tiny XML packs well)."""


def check_xlsx(
    raw: bytes,
    name: str,
    *,
    limit: int | None = None,
    fix: str = _SPLIT_FIX,
    damaged_ok: bool = False,
) -> None:
    """Refuse a workbook whose parts unpack to more than the bound, or a part that unpacks to
    more than `MAX_XLSX_RATIO` times its packed size.

    Every part counts, wherever it lies: openpyxl follows ``[Content_Types].xml`` and the
    workbook's relationships to a sheet or shared strings at any path (``xl/data/sheet1.xml``),
    so counting ``xl/worksheets/`` alone let a relocated bomb through. The sizes come from the
    zip's directory; Python's zip reader never inflates an entry past the size its directory
    states (a lying entry ends in a CRC error), so the bound holds."""
    limit = MAX_XLSX_UNPACKED_BYTES if limit is None else limit  # read now: tests lower it
    limit = min(limit, MAX_XLSX_UNPACKED_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: a zip version or compression method Python cannot read
        if damaged_ok:
            return
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"the XLSX file cannot be read: {exc}",
                    "save the workbook again from Excel, or export the sheet as .csv",
                )
            ]
        ) from None
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limit:
        raise too_big(
            name,
            f"the XLSX file unpacks to {_mb(unpacked)} (all its parts), more than the limit of "
            f"{_mb(limit)}; it was not read",
            fix,
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size >= RATIO_FROM_BYTES and ratio > MAX_XLSX_RATIO:
            raise too_big(
                name,
                f"the XLSX part {entry.filename[:80]} unpacks to {ratio:,.0f} times its packed "
                f"size ({entry.compress_size:,} bytes to {entry.file_size:,}), more than the "
                f"{MAX_XLSX_RATIO} times a workbook's data packs to; it was not read",
                fix,
            )


def check_xlsx_tags(raw: bytes, name: str, fix: str = XLSX_FIX) -> None:
    """Refuse a workbook with more than `MAX_XLSX_TAGS` XML tags in its parts, counted before
    openpyxl opens it: every part is inflated in steps of `STEP_BYTES` (within the size bound
    `check_xlsx` checked) and its '<' counted, nothing kept. Text cannot hold a bare '<', so
    every element openpyxl would build (a cell, a value, a shared string) is counted."""
    limit = MAX_XLSX_TAGS  # read now: tests lower it
    tags = 0
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            for entry in archive.infolist():
                with archive.open(entry) as part:
                    while piece := part.read(STEP_BYTES):
                        tags += piece.count(b"<")
                        if tags > limit:
                            raise too_big(
                                name,
                                f"the XLSX file holds more than {limit:,} XML tags (the limit, "
                                f"about {limit // 16:,} rows of four columns); it was not read",
                                fix,
                            )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError):
        return  # a damaged part: openpyxl says so when it reads it


def check_rows_columns(name: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise too_big(
            name, f"the file has more than {MAX_ROWS:,} rows (the limit); it was not read"
        )
    if columns > MAX_COLUMNS:
        raise too_big(
            name,
            f"the file has {columns:,} columns, more than the limit of {MAX_COLUMNS:,} (a wide "
            "table of five years of days fits); it was not read",
            "keep the columns the forecast needs (series key, date, sales, flags, attributes), "
            "or write the table long: one row per series and date",
        )


def check_parquet(
    raw: bytes,
    name: str,
    *,
    limit: int | None = None,
    fix: str = _SPLIT_FIX,
    damaged_ok: bool = False,
) -> None:
    """Rows, columns and unpacked size from the Parquet footer, before any page is read."""
    limit = MAX_UNPACKED_BYTES if limit is None else limit  # read now: tests lower it
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(raw)).metadata
    except Exception as exc:  # pyarrow raises many types for damaged files
        if damaged_ok:
            return
        raise IngestError(
            [
                Problem.whole_file(
                    name,
                    f"the Parquet file cannot be read: {exc}",
                    "write the Parquet file again or export the data as .csv",
                )
            ]
        ) from None
    check_rows_columns(name, meta.num_rows, meta.num_columns)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > limit:
        raise too_big(
            name,
            f"the Parquet file unpacks to {_mb(unpacked)}, more than the limit of "
            f"{_mb(limit)}; it was not read",
            fix,
        )


STEP_BYTES = 1024 * 1024
"""What `gunzip(keep=False)` inflates at a time: counting needs no more memory than that."""


def gunzip(
    raw: bytes,
    name: str,
    *,
    limit: int | None = None,
    fix: str = _SPLIT_FIX,
    keep: bool = True,
) -> bytes:
    """The gzip file's content, refused as soon as it grows past `limit` (never inflated whole).
    With ``keep=False`` only the size is checked: each step is counted and dropped (b"" back).

    Concatenated gzip members (as `cat a.gz b.gz` makes) are read one after the other."""
    limit = MAX_UNPACKED_BYTES if limit is None else limit  # read now: tests lower it
    out = bytearray()
    size = 0
    data = raw
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        while data and not inflater.eof:
            room = limit - size + 1
            piece = inflater.decompress(data, room if keep else min(room, STEP_BYTES))
            size += len(piece)
            if keep:
                out += piece
            data = inflater.unconsumed_tail
            if size > limit:
                raise too_big(
                    name,
                    f"the gzip file unpacks to more than {_mb(limit)} (the limit); it was not read",
                    fix,
                )
        if not inflater.eof:
            raise zlib.error("the compressed data ends early")
        data = inflater.unused_data.lstrip(b"\x00")
    return bytes(out)
