"""A NUL character (U+0000) in a sales file's series key or per-series attribute (a team's name)
is no text a plan can keep: PostgreSQL refuses to store it, and on SQLite it became a series or
a team whose name prints a NUL. The file is refused naming file, row and column, and nothing of
it is read; a NUL in a column the plan does not keep leaves the file as it was."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from forecast.engine.ingest import IngestError, read_sales

WEEKS = pd.date_range("2022-01-03", periods=60, freq="W-MON")


def _frame(store_d: str = "D", region_d: str = "south", note_d: str = "ok") -> pd.DataFrame:
    rows = []
    for store, region in (("A", "north"), ("B", "north"), ("C", "south"), ("D", "south")):
        for i, day in enumerate(WEEKS):
            rows.append(
                {
                    "store": store_d if store == "D" else store,
                    "region": region_d if store == "D" else region,
                    "date": day.strftime("%Y-%m-%d"),
                    "sales": 50 + (i * 7) % 40,
                    # varies within a series: not an attribute, not kept
                    "note": note_d if (store == "D" and i == 30) else f"n{i}",
                }
            )
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame) -> bytes:
    data = frame.to_csv(index=False).encode()
    assert data.find(b"\x00") in (-1,) or data.find(b"\x00") > 4096  # not read as a binary file
    return data


def _row_of(frame: pd.DataFrame, column: str, text: str) -> int:
    """The file's row (header = row 1) of the first cell of `column` holding `text`."""
    return int(frame.index[frame[column] == text][0]) + 2


def test_a_nul_in_a_series_key_is_refused_naming_file_row_and_column():
    frame = _frame(store_d="D\x00x")
    with pytest.raises(IngestError) as caught:
        read_sales(_csv(frame), filename="sales.csv")
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == (
        "sales.csv",
        _row_of(frame, "store", "D\x00x"),
        "store",
    )
    assert "NUL" in problem.message
    assert "\x00" not in str(caught.value)  # said back as an escape
    assert "D\\x00x" in str(caught.value)


def test_a_nul_in_a_team_attribute_is_refused_naming_its_column():
    frame = _frame(region_d="so\x00uth")
    with pytest.raises(IngestError) as caught:
        read_sales(_csv(frame), filename="sales.csv")
    where = {(p.row, p.column) for p in caught.value.problems}
    assert (_row_of(frame, "region", "so\x00uth"), "region") in where


def test_a_nul_in_a_parquet_file_is_refused_too():
    buffer = io.BytesIO()
    _frame(store_d="D\x00").to_parquet(buffer, index=False)
    with pytest.raises(IngestError) as caught:
        read_sales(buffer.getvalue(), filename="sales.parquet")
    assert {p.column for p in caught.value.problems} == {"store"}


def test_a_nul_in_a_column_the_plan_does_not_keep_leaves_the_file_readable():
    result = read_sales(_csv(_frame(note_d="x\x00y")), filename="sales.csv")
    assert "note" in result.mapping.ignored
    assert sorted(result.history["unique_id"].unique()) == ["A", "B", "C", "D"]


def test_a_nul_in_an_attributes_file_is_refused_naming_that_file():
    # a Parquet file (a short CSV with a NUL is refused whole, as a binary file)
    stores = pd.DataFrame({"store": ["A", "B", "C", "D"], "manager": ["x", "y", "z\x00", "w"]})
    buffer = io.BytesIO()
    stores.to_parquet(buffer, index=False)
    with pytest.raises(IngestError) as caught:
        read_sales(
            _csv(_frame()),
            filename="sales.csv",
            attributes_file=buffer.getvalue(),
            attributes_filename="stores.parquet",
        )
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("stores.parquet", 4, "manager")


def test_names_in_any_script_still_load():
    frame = _frame(store_d="Café 中文 🎉", region_d="süd")
    result = read_sales(_csv(frame), filename="sales.csv")
    assert "Café 中文 🎉" in set(result.history["unique_id"])
    assert "süd" in set(result.attributes["region"])


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.mark.parametrize("header", ["reg\x00ion", "no\x00te"])
def test_a_nul_in_a_column_name_is_refused_naming_the_header_cell(header):
    """A column's name is kept by the plan (an attribute's, a team's) or named in its notes (a
    column not used): PostgreSQL stores no NUL, so the header cell is named, row 1."""
    frame = _frame().rename(columns={header.replace("\x00", ""): header})
    with pytest.raises(IngestError) as caught:
        read_sales(_parquet(frame), filename="sales.parquet")
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("sales.parquet", 1, header)
    assert "NUL" in problem.message and "name" in problem.message
    assert "\x00" not in str(caught.value)
    assert header.replace("\x00", "\\x00") in str(caught.value)


def test_a_nul_in_an_attributes_files_column_name_is_refused_naming_that_file():
    frame = _frame()
    attributes = pd.DataFrame({"store": ["A", "B", "C", "D"], "for\x00mat": ["x", "y", "x", "y"]})
    with pytest.raises(IngestError) as caught:
        read_sales(
            _csv(frame),
            filename="sales.csv",
            attributes_file=_parquet(attributes),
            attributes_filename="stores.parquet",
        )
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("stores.parquet", 1, "for\x00mat")
