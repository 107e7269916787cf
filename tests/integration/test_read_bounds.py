"""Decompression bombs are refused from the file's directory or metadata, before they are read.

The XLSX bomb is real: a workbook whose sheet XML is larger than the bound but compresses to a
few hundred kilobytes. A spy on the zip reader counts the bytes inflated, so the tests show the
refusal came before the sheet was read (not how long it took).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.engine.ingest import IngestError, bounds, read_sales

ROW = b'<row><c t="inlineStr"><is><t>1</t></is></c><c><v>1</v></c></row>'


def _small_workbook() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"Store": ["a"], "Date": ["2024-01-01"], "Sales": [1]}).to_excel(
        buffer, index=False
    )
    return buffer.getvalue()


@pytest.fixture(scope="module")
def xlsx_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid workbook whose first sheet is replaced by XML past the bound (it compresses ~1000:1)."""
    source = zipfile.ZipFile(io.BytesIO(_small_workbook()))
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    chunk = ROW * (1024 * 1024 // len(ROW))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                out.writestr(entry, source.read(entry))
                continue
            with out.open(entry.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                written = 0
                while written <= bounds.MAX_UNPACKED_BYTES:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture
def inflated_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes handed out by the zip reader (a spy: it calls through to the real read)."""
    counted = [0]
    real_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        data = real_read(self, n)
        counted[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counted


def test_xlsx_bomb_is_refused_before_its_sheet_is_inflated(xlsx_bomb, inflated_bytes):
    assert xlsx_bomb.stat().st_size < 5 * 1024 * 1024  # a small upload ...

    with pytest.raises(IngestError) as refused:
        read_sales(xlsx_bomb)

    message = str(refused.value)
    assert "unpacks to" in message and "more than the limit of 512 MB" in message
    assert "split the file" in message
    assert inflated_bytes[0] < 1024 * 1024  # ... of which nothing of the sheet was inflated


def test_forecast_ingest_refuses_the_xlsx_bomb_with_exit_2(xlsx_bomb, inflated_bytes):
    result = CliRunner().invoke(app, ["ingest", str(xlsx_bomb)])

    assert result.exit_code == 2
    assert "unpacks to" in result.stderr and "nothing was read" in result.stderr
    assert "Traceback" not in result.stderr
    assert inflated_bytes[0] < 1024 * 1024


def test_gzip_bomb_is_refused_as_soon_as_it_grows_past_the_bound(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    body = b"Store,Date,Sales\n" + b"1,2024-01-01,1\n" * 400_000  # ~6 MB unpacked
    packed = gzip.compress(body)

    with pytest.raises(IngestError, match="the gzip file unpacks to more than 4 MB"):
        read_sales(packed, filename="sales.csv.gz")


def test_gzip_file_within_the_bound_reads_as_before():
    body = b"Store,Date,Sales\n1,2024-01-01,1\n1,2024-01-08,2\n2,2024-01-01,3\n2,2024-01-08,4\n"

    result = read_sales(gzip.compress(body) + gzip.compress(b""), filename="sales.csv.gz")

    assert float(result.history["y"].sum()) == 10.0


def test_parquet_with_too_many_columns_is_refused_from_its_footer(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_COLUMNS", 50)
    wide = pd.DataFrame({f"c{i}": [1.0, 2.0] for i in range(60)})
    buffer = io.BytesIO()
    wide.to_parquet(buffer)

    with pytest.raises(IngestError, match="60 columns, more than the limit of 50"):
        read_sales(buffer.getvalue(), filename="wide.parquet")


def test_parquet_with_too_many_rows_is_refused_from_its_footer(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_ROWS", 1000)
    long = pd.DataFrame({"Store": ["a"] * 1001, "Date": ["2024-01-01"] * 1001, "Sales": 1.0})
    buffer = io.BytesIO()
    long.to_parquet(buffer)

    with pytest.raises(IngestError, match="more than 1,000 rows"):
        read_sales(buffer.getvalue(), filename="long.parquet")
