"""Bad input: every problem is reported (file, row, column, value, fix), all at once, nothing returned."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.cli.fix_hints import CLI_FIXES
from forecast.engine.ingest import IngestError, NoRows, Problem, read_sales


def problems_of(data: bytes | str, name: str = "sales.csv", **kwargs) -> list[Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(IngestError) as err:
        read_sales(raw, filename=name, **kwargs)
    return err.value.problems


GOOD = "store,date,sales\n1,2024-01-01,10\n1,2024-01-02,11\n2,2024-01-01,5\n2,2024-01-02,6\n"


def test_all_problems_are_collected_before_raising():
    data = (
        "store,date,sales\n"
        "1,2024-01-01,10\n"
        "1,2024-13-45,11\n"  # row 3: not a date
        "1,,12\n"  # row 4: empty date
        "2,2024-01-01,abc\n"  # row 5: not a number
        "2,2024-01-02,\n"  # row 6: empty value
        ",2024-01-03,7\n"  # row 7: empty key
    )
    problems = problems_of(data)
    found = {(p.row, p.column) for p in problems}
    assert found == {(3, "date"), (4, "date"), (5, "sales"), (6, "sales"), (7, "store")}
    bad_date = next(p for p in problems if p.row == 3)
    assert bad_date.file == "sales.csv"
    assert bad_date.value == "2024-13-45"
    assert bad_date.message == "is not a date"
    assert "YYYY-MM-DD" in bad_date.fix
    bad_number = next(p for p in problems if p.row == 5)
    assert (bad_number.value, bad_number.message) == ("abc", "value is not a number")


def test_error_text_lists_one_problem_per_line_in_file_row_column_form():
    with pytest.raises(IngestError) as err:
        read_sales(b"store,date,sales\n1,2024-01-01,x\n1,2024-01-02,y\n", filename="s.csv")
    assert str(err.value).splitlines() == [
        "s.csv:2:sales: value is not a number (x) -> correct or remove the cell; sales must be numbers",
        "s.csv:3:sales: value is not a number (y) -> correct or remove the cell; sales must be numbers",
    ]


def test_thousands_separators_are_refused():
    data = 'store,date,sales\n1,2024-01-01,"1,234.50"\n1,2024-01-02,12\n'
    (problem,) = problems_of(data)
    assert (problem.row, problem.value) == (2, "1,234.50")
    assert "thousands separators" in problem.message
    assert "no thousands separators" in problem.fix


def test_decimal_comma_in_a_comma_separated_file_is_refused():
    (problem,) = problems_of('store,date,sales\n1,2024-01-01,"12,5"\n1,2024-01-02,12\n')
    assert "decimal comma" in problem.message and "';' separators" in problem.fix


def test_percent_signs_are_refused():
    (problem,) = problems_of("store,date,sales\n1,2024-01-01,12.5%\n1,2024-01-02,12\n")
    assert problem.message == "value contains a percent sign"
    assert "without percent signs" in problem.fix


def test_many_bad_rows_are_listed_up_to_a_limit_then_counted():
    rows = "".join(f"1,2024-01-{d:02d},n/a?\n" for d in range(1, 31))
    problems = problems_of("store,date,sales\n" + rows)
    assert len(problems) == 21
    assert problems[-1].row is None
    assert "10 more rows have the same problem (30 in all, last at row 31)" in problems[-1].message


def test_wrong_separator_gives_one_column_problem():
    (problem,) = problems_of("store:date:sales\n1:2024-01-01:10\n1:2024-01-02:11\n")
    assert problem.row == 1
    assert "only one column" in problem.message
    assert "comma or semicolon" in problem.fix


def test_empty_file():
    (problem,) = problems_of(b"")
    assert problem.message == "the file is empty"
    (problem,) = problems_of(b"\n\n  \n")
    assert problem.message == "the file is empty"


def test_header_without_rows():
    (problem,) = problems_of("store,date,sales\n")
    assert "no data rows" in problem.message


def test_a_header_without_rows_is_named_with_its_columns_and_the_fix_says_to_add_rows():
    with pytest.raises(NoRows) as err:
        read_sales(b"store,date,sales\n", filename="sales.csv")
    (problem,) = err.value.problems
    assert problem.message == "the file has a header (store, date, sales) but no data rows under it"
    assert problem.fix.startswith("add a row per series and date under the header")
    assert err.value.problem == problem and err.value.columns == ("store", "date", "sales")
    (empty,) = problems_of(b"")
    assert "header row naming its columns" in empty.fix and "a row per series" in empty.fix


def test_no_date_column_lists_the_columns():
    (problem,) = problems_of("store,week,sales\n1,a,10\n2,b,11\n")
    assert problem.message == "no column holds dates"
    assert "--date" in problem.fix_in(CLI_FIXES) and "store, week, sales" in problem.fix


def test_no_numeric_column():
    (problem,) = problems_of("store,date,note\n1,2024-01-01,good\n1,2024-01-02,bad\n")
    assert problem.message == "no column holds numbers to forecast"
    assert "--value" in problem.fix_in(CLI_FIXES)


def test_unknown_columns_given_by_the_user_are_all_reported_with_the_available_ones():
    problems = problems_of(GOOD, id_cols=["shop"], date_col="day", value_col="qty")
    assert [p.column for p in problems] == ["day", "qty", "shop"]
    assert all("store, date, sales" in p.fix for p in problems)
    assert "--value" in problems[1].fix_in(CLI_FIXES)


def test_user_column_names_match_ignoring_case_and_spacing():
    result = read_sales(GOOD.encode(), filename="s.csv", id_cols="STORE", value_col="Sales")
    assert result.mapping.id_cols == ("store",) and result.mapping.value_col == "sales"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("sales.json", b'{"a": 1}', "unsupported file type .json"),
        ("sales.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy Excel .xls"),
        ("sales.bin", b"\x00\x01\x02garbage", "binary file"),
        ("sales.parquet", b"store,date\n1,2024-01-01\n", "not a Parquet file"),
        ("sales.zip", b"PK\x03\x04" + b"\0" * 100, "zip archive"),
    ],
)
def test_unsupported_file_types(name, data, expected):
    (problem,) = problems_of(data, name=name)
    assert expected in problem.message
    assert ".csv" in problem.fix


def test_missing_file(tmp_path):
    with pytest.raises(IngestError) as err:
        read_sales(tmp_path / "nope.csv")
    assert err.value.problems[0].message == "file not found"


def test_duplicates_can_be_refused_row_by_row():
    data = GOOD + "1,2024-01-02,3\n2,2024-01-01,4\n"
    problems = problems_of(data, duplicates="refuse")
    assert [(p.row, p.value) for p in problems] == [(6, "2024-01-02"), (7, "2024-01-01")]
    assert "second row for series '1'" in problems[0].message
    assert "first at row 3" in problems[0].message
    assert "--duplicates sum" in problems[0].fix_in(CLI_FIXES)


def test_duplicates_are_summed_by_default():
    result = read_sales((GOOD + "1,2024-01-02,3\n").encode(), filename="s.csv")
    h = result.history.set_index(["unique_id", "ds"]).y
    assert h[("1", "2024-01-02")] == 14
    assert result.report.duplicates_summed == 1
    summed = [n for n in result.report.notes if "share a series and date" in n]
    assert summed == [
        "1 rows share a series and date with another row; summed (the first: rows 3 and 6, "
        "series 1 on 2024-01-02)"
    ]


def test_rows_at_two_times_of_one_day_are_summed_and_said_so():
    data = "store,date,sales\n" + "".join(
        f"1,2024-01-0{d} {hour}:00,5\n" for d in range(1, 8) for hour in ("09", "15")
    )
    result = read_sales(data.encode(), filename="times.csv")
    assert list(result.history.y) == [10.0] * 7
    assert "7 rows share a series and date with another row; summed" in result.report.notes


def test_unknown_options_are_problems():
    problems = problems_of(GOOD, freq="hourly", duplicates="keep")
    assert {p.value for p in problems} == {"hourly", "keep"}


def test_negative_sales_are_kept_and_reported():
    result = read_sales(b"store,date,sales\n1,2024-01-01,10\n1,2024-01-02,-3\n", filename="s.csv")
    assert list(result.history.y) == [10, -3]
    assert result.report.negative_values == 1
    assert any("negative" in n for n in result.report.notes)


def test_cannot_make_weekly_data_daily():
    fridays = pd.date_range("2024-01-05", periods=8, freq="W-FRI")
    data = "store,date,sales\n" + "".join(f"1,{d:%Y-%m-%d},1\n" for d in fridays)
    (problem,) = problems_of(data, freq="D")
    assert problem.message == "the data is weekly, it cannot be made daily"
    assert "--freq" in problem.fix_in(CLI_FIXES)


def test_single_date_needs_a_frequency():
    (problem,) = problems_of("store,date,sales\n1,2024-01-05,1\n2,2024-01-05,2\n")
    assert "single date" in problem.message
    result = read_sales(
        b"store,date,sales\n1,2024-01-05,1\n2,2024-01-05,2\n", filename="s", freq="W"
    )
    assert result.report.series == 2


def test_day_first_and_month_first_in_one_column_is_a_problem():
    data = "store,date,sales\n1,13/01/2024,1\n1,01/14/2024,2\n1,13/02/2024,3\n"
    (problem,) = problems_of(data)
    assert (problem.row, problem.value) == (3, "01/14/2024")
    assert problem.message == "is not a date when read day-first, as the rest of the column is"


def test_attributes_file_without_the_key_column_is_a_problem(tmp_path):
    attrs = tmp_path / "stores.csv"
    attrs.write_text("shop,type\n1,A\n")
    with pytest.raises(IngestError) as err:
        read_sales(GOOD.encode(), filename="s.csv", attributes_file=attrs)
    (problem,) = err.value.problems
    assert "no column named like the series key store" in problem.message
    assert "shop, type" in problem.fix


def test_attributes_file_with_two_rows_for_a_key_is_a_problem(tmp_path):
    attrs = tmp_path / "stores.csv"
    attrs.write_text("store,type\n1,A\n2,B\n1,C\n")
    with pytest.raises(IngestError) as err:
        read_sales(GOOD.encode(), filename="s.csv", attributes_file=attrs)
    (problem,) = err.value.problems
    assert (problem.row, problem.value) == (4, "1")


def test_rows_are_numbered_like_a_spreadsheet_despite_blank_lines_and_quoted_newlines():
    data = (
        "store,date,sales,note\n"  # row 1
        "1,2024-01-01,10,ok\n"  # row 2
        "\n"  # row 3: blank
        '1,2024-01-02,11,"two\nlines"\n'  # row 4 (one spreadsheet row, two lines)
        "1,2024-01-03,x,ok\n"  # row 5
        "1,2024-01-03,12,ok\n"  # row 6
    )
    problems = problems_of(data, duplicates="refuse")
    assert [(p.row, p.message) for p in problems] == [
        (5, "value is not a number"),
        (6, "second row for series '1' on this date (first at row 5)"),
    ]


def test_a_row_with_too_many_fields_names_its_line():
    (problem,) = problems_of("store,date,sales\n1,2024-01-01,1\n1,2024-01-02,2,oops\n")
    assert problem.row == 3
    assert "cannot be parsed" in problem.message and "Expected 3 fields" in problem.message
    assert "as many fields as the header" in problem.fix


def _rows(first: int, count: int) -> str:
    return "".join(f"1,2024-01-{day:02d},{day},ok\n" for day in range(first, first + count))


@pytest.mark.parametrize("where", ["sample", "past-the-sample"])
def test_a_cell_longer_than_the_csv_limit_is_refused_by_row_and_column(where):
    """A quoted cell over 131,072 characters (or a quote left open): refused by file, row and
    column, saying the limit and what to do; not an error of the program."""
    head = "store,date,sales,note\n" + _rows(1, 3)
    if where == "past-the-sample":  # found after the first 256 KB, while rows are numbered
        head += "".join(f"{s},2024-01-01,1,{'x' * 200}\n" for s in range(2, 2000))
    row = head.count("\n") + 1
    data = head + '1,2024-01-04,bad,"' + "y" * 140_000 + '"\n' + _rows(5, 2)
    (problem,) = problems_of(data)
    assert (problem.file, problem.row, problem.column) == ("sales.csv", row, "note")
    assert "longer than 131,072 characters" in problem.message
    assert "quote left open" in problem.fix and "shorten the cell" in problem.fix


def test_na_cells_are_reported_as_missing():
    (problem,) = problems_of("store,date,sales\n1,2024-01-01,NA\n1,2024-01-02,2\n")
    assert (problem.row, problem.column, problem.message) == (
        2,
        "sales",
        "value is missing (empty or NA)",
    )


def test_one_column_cannot_play_two_roles():
    (problem,) = problems_of(GOOD, id_cols=["date"], date_col="date")
    assert problem.message == "column 'date' cannot be both the date and the series key"


def test_a_sales_column_of_zeros_and_ones_is_not_taken_for_a_flag():
    result = read_sales(
        b"item,date,qty\nA,2024-01-01,0\nA,2024-01-02,1\nA,2024-01-03,0\n", filename="s.csv"
    )
    assert result.mapping.value_col == "qty" and result.flags == []


def test_weekly_dates_off_the_weekday_are_counted_in_their_week_with_a_note():
    data = "store,date,sales\n1,2024-01-05,1\n1,2024-01-12,2\n1,2024-01-18,3\n1,2024-01-26,4\n"
    result = read_sales(data.encode(), filename="s.csv")
    assert result.freq == "W-FRI"
    assert list(result.history.y) == [1, 5, 0, 4]
    assert any("1 of 4 dates are not on a Fri" in n for n in result.report.notes)


def test_attributes_file_joins_on_part_of_the_key_ignoring_case(tmp_path):
    attrs = tmp_path / "stores.csv"
    attrs.write_text("STORE,type,size\n1,A,100.0\n2,B,\n")
    data = "Store,Dept,Date,Sales\n1,1,2024-01-01,1\n1,2,2024-01-01,2\n2,1,2024-01-01,3\n"
    result = read_sales(data.encode(), filename="s.csv", attributes_file=attrs, freq="D")
    a = result.attributes
    assert list(a.unique_id) == ["1/1", "1/2", "2/1"]
    assert list(a.type) == ["A", "A", "B"]
    assert a["size"].iloc[0] == "100" and pd.isna(a["size"].iloc[2])


def test_dates_outside_1900_to_2100_are_typos():
    (problem,) = problems_of("store,date,sales\n1,2024-01-01,1\n1,2204-01-02,2\n1,2024-01-03,3\n")
    assert (problem.row, problem.value) == (3, "2204-01-02")
    assert problem.message == "date is before 1900 or after 2100 (a typo?)"


def test_infinite_values_are_refused():
    (problem,) = problems_of("store,date,sales\n1,2024-01-01,1\n1,2024-01-02,inf\n")
    assert (problem.row, problem.message) == (3, "value is infinite")


def test_space_grouped_thousands_are_refused():
    (problem,) = problems_of('store,date,sales\n1,2024-01-01,"1 234"\n1,2024-01-02,2\n')
    assert "thousands separators" in problem.message


def test_headers_that_clash_after_trimming_stay_separate_columns():
    data = "store,date,sales, sales\n1,2024-01-01,1,9\n1,2024-01-02,2,9\n"
    result = read_sales(data.encode(), filename="s.csv")
    assert result.mapping.value_col == "sales"
    assert list(result.history.y) == [1, 2]


def test_a_calendar_too_large_asks_for_a_coarser_frequency(monkeypatch):
    from forecast.engine.ingest import regularise

    monkeypatch.setattr(regularise, "MAX_CELLS", 10)
    data = "store,date,sales\n" + "".join(f"1,2024-01-0{d},1\n" for d in range(1, 6))
    (problem,) = problems_of(data + "1,2024-03-01,2\n")
    assert problem.message == "the regular D calendar would need 61 series-periods"
    assert "coarser --freq" in problem.fix_in(CLI_FIXES)
    assert (
        len(
            read_sales(
                b"store,date,sales\n1,2024-01-01,1\n1,2024-03-01,2\n", filename="s", freq="M"
            ).history
        )
        == 3
    )


def test_bad_options_and_unknown_columns_are_reported_together():
    problems = problems_of(GOOD, freq="fortnightly", value_col="qty")
    assert [p.value for p in problems] == ["fortnightly", None]
    assert problems[1].column == "qty"


def test_ingest_error_survives_pickling():
    import pickle

    with pytest.raises(IngestError) as err:
        read_sales(b"store,date,sales\n1,2024-01-01,x\n", filename="s.csv")
    copy = pickle.loads(pickle.dumps(err.value))
    assert copy.problems == err.value.problems
    assert str(copy) == str(err.value)


def test_problems_are_listed_in_the_order_of_the_files_rows():
    """Found check by check (dates, then values, then keys), they are shown row by row, as a
    spreadsheet user walks through the file."""
    text = (
        "store,date,sales\n1,2024-01-01,10\n1,2024-01-08,abc\n1,2024-13-15,5\n1,,7\n,2024-01-29,3\n"
    )
    with pytest.raises(IngestError) as err:
        read_sales(text.encode(), filename="bad.csv")
    found = [(p.row, p.column) for p in err.value.problems]
    assert found == [(3, "sales"), (4, "date"), (5, "date"), (6, "store")]
