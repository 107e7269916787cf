"""Workbooks whose zip Python's reader cannot open (a newer zip version, a compression method
it lacks): refused as a file that cannot be read, with the fix, not an internal error.
Found by feeding the reader damaged workbooks."""

from __future__ import annotations

import io
import struct

import pandas as pd
import pytest

from forecast.engine.ingest import IngestError, read_sales

CENTRAL = b"PK\x01\x02"


def workbook() -> bytes:
    buf = io.BytesIO()
    sales = {"store": ["A"] * 3, "date": pd.date_range("2024-01-01", periods=3, freq="W-MON")}
    pd.DataFrame(sales | {"sales": [1, 2, 3]}).to_excel(buf, index=False)
    return buf.getvalue()


def with_central_field(raw: bytes, offset: int, value: int) -> bytes:
    """Every central directory entry with the 2-byte field at `offset` set to `value`."""
    data = bytearray(raw)
    at = data.find(CENTRAL)
    while at >= 0:
        struct.pack_into("<H", data, at + offset, value)
        at = data.find(CENTRAL, at + 4)
    return bytes(data)


@pytest.mark.parametrize(
    ("offset", "value"),
    [(6, 245), (10, 98)],
    ids=["zip-version-24.5", "ppmd-compression"],
)
def test_a_workbook_in_a_zip_python_cannot_unpack_is_refused_as_unreadable(offset, value):
    raw = with_central_field(workbook(), offset, value)
    with pytest.raises(IngestError) as refused:
        read_sales(raw, filename="sales.xlsx")
    (problem,) = refused.value.problems
    assert problem.file == "sales.xlsx"
    assert problem.message.startswith("the XLSX file cannot be read")
    assert problem.fix == "save the workbook again from Excel, or export the sheet as .csv"
