"""Files whose header and rows disagree, found by feeding the reader mutated sales files: each
is read or refused with the file, row, column and fix, never with an internal error."""

from __future__ import annotations

import pytest

from forecast.engine.ingest import IngestError, read_sales


def test_a_wide_files_header_wider_than_its_rows_leaves_the_empty_column_out_with_a_note():
    """Every row one cell short of the header: the last header named a column no row fills,
    taken for a series key; the reader failed with an IndexError."""
    data = "Region,Store,2024-01,2024-02,2024-03,notes\nNorth,1,10,20,30\nSouth,2,1,2,3\n"
    result = read_sales(data.encode(), filename="pivot.csv")
    assert sorted(result.history["unique_id"].unique()) == ["North/1", "South/2"]
    assert "column 'notes' is empty in every row; left out (not a key)" in result.report.notes


def test_two_columns_of_one_period_in_a_wide_file_are_refused_naming_both():
    """2024-01 and 2024-1 are one month: their cells were summed as rows 'sharing a series and
    date' (said as 'rows 2 and 2')."""
    data = "Store,2024-01,2024-02,2024-1\nNorth,10,20,30\nSouth,1,2,3\n"
    with pytest.raises(IngestError) as refused:
        read_sales(data.encode(), filename="pivot.csv")
    (problem,) = refused.value.problems
    assert (problem.file, problem.row, problem.column) == ("pivot.csv", 1, "2024-1")
    assert problem.message == "column 2024-1 is the same period as column 2024-01"
    assert "one column per period" in problem.fix


def test_a_clock_time_that_reads_as_year_one_is_not_taken_for_a_date():
    """'2.000:00' parsed as 0001-01-01 02:00, which no datetime column holds: the reader failed
    with pandas' OutOfBoundsDatetime while looking for the date column."""
    data = "sku;date;sales\nA;01.02.2024;1.234,50\nA;2.000:00;2.000,00\nA;01.04.2024;7,25\n"
    with pytest.raises(IngestError) as refused:
        read_sales(data.encode(), filename="sales.csv")
    (problem,) = refused.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "date", "2.000:00")


def test_a_sales_file_over_the_size_bound_is_refused_from_its_size_before_it_is_read(tmp_path):
    """A path was read into memory whole (761 MB resident for a 600 MB file) before any bound
    applied; now its size is checked first (the file here is sparse: it takes no disk)."""
    from forecast.engine.ingest import bounds

    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(bounds.MAX_UNPACKED_BYTES + 10 * 1024 * 1024)
    with pytest.raises(IngestError) as refused:
        read_sales(huge, filename="huge.csv")
    (problem,) = refused.value.problems
    assert problem.message == "the file is 522 MB, more than the limit of 512 MB; it was not read"
    assert problem.fix == "split the file (for example one file per year or per region)"
