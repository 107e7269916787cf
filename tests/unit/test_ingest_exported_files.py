"""Files as Excel and shop systems export them: empty rows at the end, amounts with a currency
sign, a totals row under the data."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from forecast.cli.fix_hints import CLI_FIXES
from forecast.engine.ingest import IngestError, NoRows, Problem, read_sales

TOTALS_FIX = "this looks like a totals row: delete it (forecast sums the series itself)"


def problems_of(data: str | bytes, name: str = "sales.csv", **kwargs) -> list[Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(IngestError) as err:
        read_sales(raw, filename=name, **kwargs)
    return err.value.problems


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, header=False, engine="openpyxl")
    return buffer.getvalue()


WEEKS = "sku,date,sales\nA,2024-01-05,10\nA,2024-01-12,11\nA,2024-01-19,12\n"


def test_trailing_empty_rows_are_skipped_with_a_note():
    result = read_sales((WEEKS + ",,\n , ,\n").encode(), filename="sales.csv")

    assert list(result.history.y) == [10, 11, 12]
    assert result.report.rows_read == 3
    assert "2 empty rows skipped (rows 5-6)" in result.report.notes


def test_empty_rows_between_data_rows_are_skipped_but_a_partly_filled_row_is_refused():
    data = "sku,date,sales\nA,2024-01-05,10\n,,\nA,2024-01-12,11\n,,\n,,\nA,2024-01-19,12\n"
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [10, 11, 12]
    assert "3 empty rows skipped (rows 3, 5-6)" in result.report.notes

    problems = problems_of(data + ",,7\n")
    assert {(p.row, p.column) for p in problems} == {(8, "date"), (8, "sku")}


def test_an_empty_row_is_named_by_its_spreadsheet_row_after_a_quoted_line_break():
    data = 'sku,note,date,sales\nA,"two\nlines",2024-01-05,10\nA,,2024-01-12,11\nA,,2024-01-19,12\n,,,\n'
    result = read_sales(data.encode(), filename="sales.csv", id_cols="sku")
    assert "1 empty row skipped (row 5)" in result.report.notes


def test_empty_rows_of_an_excel_sheet_are_skipped_with_a_note():
    day = pd.Timestamp("2024-01-05")
    rows = [
        ["sku", "date", "sales"],
        ["A", day, 10],
        [None, None, None],
        ["A", day + pd.Timedelta(days=7), 11],
        ["A", day + pd.Timedelta(days=14), 12],
        ["  ", None, None],
    ]
    result = read_sales(xlsx_bytes(rows), filename="sales.xlsx")
    assert list(result.history.y) == [10, 11, 12]
    assert "2 empty rows skipped (rows 3, 6)" in result.report.notes


def test_empty_rows_of_a_wide_file_are_skipped_with_a_note():
    data = "Sales by month\nsku,2024-01,2024-02,2024-03\nA,1,2,3\n,,,\nB,4,5,6\n,,,\n"
    result = read_sales(data.encode(), filename="wide.csv")
    assert list(result.history.y) == [1, 2, 3, 4, 5, 6]
    assert "2 empty rows skipped (rows 4, 6)" in result.report.notes


def test_a_file_of_only_empty_rows_under_its_header_has_no_data_rows():
    with pytest.raises(NoRows) as err:
        read_sales(b"sku,date,sales\n,,\n,,\n", filename="sales.csv")
    assert "no data rows" in err.value.problem.message


def test_dollar_amounts_with_thousands_commas_are_read_as_numbers():
    data = 'sku,date,sales\nA,2024-01-05,"$1,234.00"\nA,2024-01-12,"$1,100.50"\nA,2024-01-19,$900\n'
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [1234, 1100.5, 900]
    assert "values in column sales carry the currency sign $; read as plain numbers" in (
        result.report.notes
    )


def test_a_currency_sign_may_follow_the_amount_or_be_left_out_of_some_cells():
    data = 'sku,date,sales\nA,2024-01-05,"1,234.00 €"\nA,2024-01-12,€ 12.5\nA,2024-01-19,7\n'
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [1234, 12.5, 7]
    assert "values in column sales carry the currency sign €; read as plain numbers" in (
        result.report.notes
    )


def test_euro_amounts_with_a_decimal_comma_in_a_semicolon_file_are_read_as_numbers():
    data = "sku;date;sales\nA;2024-01-05;1.234,56 €\nA;2024-01-12;€ 2.000,00\nA;2024-01-19;12,5€\n"
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [1234.56, 2000, 12.5]


def test_negative_amounts_with_a_minus_before_or_after_the_sign_are_read():
    data = "sku,date,sales\nA,2024-01-05,-$12.00\nA,2024-01-12,$-3\nA,2024-01-19,- $ 900\n"
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [-12, -3, -900]
    assert result.report.negative_values == 3


def test_a_column_mixing_dollars_and_euros_is_refused_naming_both():
    data = 'sku,date,sales\nA,2024-01-05,$10\nA,2024-01-12,$11\nA,2024-01-19,"€ 12"\n'
    (problem,) = problems_of(data)
    assert (problem.row, problem.column, problem.value) == (4, "sales", "€ 12")
    assert "€" in problem.message and "$" in problem.message and "row 2" in problem.message
    assert problem.fix.startswith("convert the amounts to one currency")


def test_amounts_in_a_dollar_column_that_do_not_read_as_numbers_are_refused_as_such():
    data = 'sku,date,sales\nA,2024-01-05,$10\nA,2024-01-12,"$1.234,50"\nA,2024-01-19,$ten\n'
    problems = problems_of(data)
    assert [(p.row, p.value) for p in problems] == [(3, "$1.234,50"), (4, "$ten")]
    assert "thousands separators" in problems[0].message
    assert problems[1].message == "value is not a number"


def test_dollar_amounts_written_like_44_537_throughout_are_refused_as_ambiguous():
    data = "sku,date,sales\nA,2024-01-05,$44.537\nA,2024-01-12,$12.000\nA,2024-01-19,$7\n"
    problems = problems_of(data)
    assert [(p.row, p.value) for p in problems] == [(2, "$44.537"), (3, "$12.000")]
    assert "ambiguous" in problems[0].message and "--decimal" in problems[0].fix_in(CLI_FIXES)
    result = read_sales(data.encode(), filename="sales.csv", decimal=",")
    assert list(result.history.y) == [44537, 12000, 7]


def test_a_wide_file_of_dollar_amounts_is_read_with_one_note():
    data = 'sku,2024-01,2024-02,2024-03\nA,"$1,000",$2,$3\nB,$4,,"$6.50"\n'
    result = read_sales(data.encode(), filename="wide.csv")
    assert list(result.history.y) == [1000, 2, 3, 4, 0, 6.5]
    said = [n for n in result.report.notes if "currency sign" in n]
    assert said == [
        "values in columns 2024-01 .. 2024-03 carry the currency sign $; read as plain numbers"
    ]


def test_a_wide_file_mixing_pounds_and_dollars_is_refused_naming_both():
    data = "sku,2024-01,2024-02,2024-03\nA,£1,£2,£3\nB,£4,$5,£6\n"
    (problem,) = problems_of(data, "wide.csv")
    assert (problem.row, problem.column, problem.value) == (3, "2024-02", "$5")
    assert "£" in problem.message and "$" in problem.message


def test_amounts_with_an_iso_code_before_them_and_thousands_commas_are_read_as_numbers():
    data = 'sku,date,sales\nA,2024-01-05,"USD 1,234.00"\nA,2024-01-12,"USD1,100.50"\nA,2024-01-19,900\n'
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [1234, 1100.5, 900]
    assert result.report.currency_sign == "USD"
    assert "values in column sales carry the currency code USD; read as plain numbers" in (
        result.report.notes
    )


def test_amounts_with_an_iso_code_after_them_and_a_decimal_comma_in_a_semicolon_file_are_read():
    data = (
        "sku;date;sales\nA;2024-01-05;1.234,00 EUR\nA;2024-01-12;EUR 12,50\nA;2024-01-19;7,5EUR\n"
    )
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [1234, 12.5, 7.5]
    assert result.report.currency_sign == "EUR"


def test_negative_amounts_with_a_minus_before_or_after_an_iso_code_are_read():
    data = "sku,date,sales\nA,2024-01-05,-CHF 5\nA,2024-01-12,CHF -3.25\nA,2024-01-19,-12 CHF\n"
    result = read_sales(data.encode(), filename="sales.csv")
    assert list(result.history.y) == [-5, -3.25, -12]
    assert result.report.negative_values == 3


def test_a_column_mixing_usd_and_eur_codes_is_refused_naming_both_with_row_and_column():
    data = "sku,date,sales\nA,2024-01-05,USD 10\nA,2024-01-12,USD 11\nA,2024-01-19,EUR 12\n"
    (problem,) = problems_of(data)
    assert (problem.row, problem.column, problem.value) == (4, "sales", "EUR 12")
    assert problem.message == (
        "value carries the currency code EUR where the other amounts carry USD (from row 2): "
        "two currencies in one column"
    )
    assert problem.fix.startswith("convert the amounts to one currency")


def test_a_dollar_sign_beside_a_eur_code_is_refused_naming_both():
    data = "sku,date,sales\nA,2024-01-05,EUR 10\nA,2024-01-12,$11\nA,2024-01-19,12 EUR\n"
    (problem,) = problems_of(data)
    assert (problem.row, problem.value) == (3, "$11")
    assert "currency sign $" in problem.message and "carry EUR" in problem.message


def test_a_euro_sign_beside_the_eur_code_is_one_currency_but_a_dollar_sign_beside_usd_is_not():
    euros = "sku,date,sales\nA,2024-01-05,EUR 10\nA,2024-01-12,€11\nA,2024-01-19,12 EUR\n"
    result = read_sales(euros.encode(), filename="sales.csv")
    assert list(result.history.y) == [10, 11, 12]
    assert result.report.currency_sign == "EUR"
    assert (
        "values in column sales carry the currency code EUR (also written €); read as plain numbers"
        in result.report.notes
    )

    dollars = "sku,date,sales\nA,2024-01-05,USD 10\nA,2024-01-12,$11\nA,2024-01-19,12 USD\n"
    (problem,) = problems_of(dollars)  # CA$ and A$ write '$' too
    assert (problem.row, problem.value) == (3, "$11")
    assert "currency sign $" in problem.message and "carry USD" in problem.message


@pytest.mark.parametrize("cell", ["ABC 5", "5 ABC", "usd 5", "USDX 5"])
def test_three_letters_that_are_no_upper_case_currency_code_are_refused_as_not_a_number(cell):
    data = f"sku,date,sales\nA,2024-01-05,10\nA,2024-01-12,{cell}\nA,2024-01-19,12\n"
    (problem,) = problems_of(data)
    assert (problem.row, problem.value) == (3, cell)
    assert problem.message == "value is not a number"


def test_a_wide_file_of_amounts_with_iso_codes_is_read_with_one_note():
    data = 'sku,2024-01,2024-02,2024-03\nA,"GBP 1,000",GBP 2,3 GBP\nB,GBP 4,,GBP 6.50\n'
    result = read_sales(data.encode(), filename="wide.csv")
    assert list(result.history.y) == [1000, 2, 3, 4, 0, 6.5]
    assert result.report.currency_sign == "GBP"
    said = [n for n in result.report.notes if "currency" in n]
    assert said == [
        "values in columns 2024-01 .. 2024-03 carry the currency code GBP; read as plain numbers"
    ]


def test_dollar_amounts_typed_as_text_in_an_excel_sheet_are_read_as_numbers():
    day = pd.Timestamp("2024-01-05")
    rows = [
        ["sku", "date", "sales"],
        ["A", day, "$1,234.00"],
        ["A", day + pd.Timedelta(days=7), 11.5],
        ["A", day + pd.Timedelta(days=14), "$12"],
    ]
    result = read_sales(xlsx_bytes(rows), filename="sales.xlsx")
    assert list(result.history.y) == [1234, 11.5, 12]


def test_amounts_in_accounting_parentheses_are_refused_with_a_fix_to_write_a_minus():
    data = "sku,date,sales\nA,2024-01-05,($12.00)\nA,2024-01-12,(3)\nA,2024-01-19,4\n"
    problems = problems_of(data)
    assert [p.row for p in problems] == [2, 3]
    assert all("parentheses" in p.message and "-12.00" in p.fix for p in problems)


def test_a_totals_row_is_refused_with_a_fix_that_names_it():
    data = WEEKS + "B,,12\n" + 'Total,,"$3,234.50"\n'
    undated, totals = problems_of(data)
    assert (totals.row, totals.column) == (6, "date")
    assert totals.message == "date is missing (empty or NA)"
    assert totals.fix == TOTALS_FIX
    assert (undated.row, undated.fix) == (5, "enter the date or delete the row")


@pytest.mark.parametrize("label", ["Grand Total", "TOTALS", " sum "])
def test_totals_rows_are_told_by_their_label_whatever_its_case(label):
    (problem,) = problems_of(WEEKS + f"{label},,33\n")
    assert problem.fix == TOTALS_FIX


def test_a_grand_total_label_in_the_date_column_is_refused_as_a_totals_row():
    data = "date,sales\n2024-01-05,10\n2024-01-12,11\n2024-01-19,12\nGrand Total,33\n"
    (problem,) = problems_of(data)
    assert (problem.row, problem.column, problem.value) == (5, "date", "Grand Total")
    assert problem.fix == TOTALS_FIX


def test_a_shop_export_with_dollars_a_totals_row_and_an_empty_row_reports_only_the_totals_row():
    data = (
        'sku,date,sales\nA,2024-01-05,"$1,234.00"\nA,2024-01-12,"$1,100.50"\nA,2024-01-19,$900\n'
        'Total,,"$3,234.50"\n,,\n'
    )
    (problem,) = problems_of(data)
    assert (problem.row, problem.fix) == (5, TOTALS_FIX)


TOTALS_SERIES_MESSAGE = "a totals series: its values are the sum of the other series on every date"
TOTALS_SERIES_FIX = "delete the totals row(s) (forecast sums the series itself)"


def test_a_grand_total_row_that_sums_the_stores_is_refused_in_a_wide_file():
    data = (
        "Store,2024-01,2024-02,2024-03\n"
        "North,10,20,30.25\nSouth,1,2,3\nWest,100,,300\nGrand Total,111,22,333.25\n"
    )
    (problem,) = problems_of(data, "pivot.csv")
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "pivot.csv",
        5,
        "Store",
        "Grand Total",
    )
    assert (problem.message, problem.fix) == (TOTALS_SERIES_MESSAGE, TOTALS_SERIES_FIX)


def test_a_total_series_in_a_long_file_is_refused():
    data = WEEKS + "B,2024-01-05,5\nB,2024-01-12,5\nB,2024-01-19,5\n"
    data += "TOTAL,2024-01-05,15\nTOTAL,2024-01-12,16\nTOTAL,2024-01-19,17\n"
    (problem,) = problems_of(data)
    assert (problem.row, problem.column, problem.value) == (8, "sku", "TOTAL")
    assert problem.message == TOTALS_SERIES_MESSAGE


def test_a_totals_series_rounded_to_the_cent_is_refused():
    data = "sku,2024-01,2024-02,2024-03\nA,0.333,0.333,1000000\nB,0.333,0.333,2.5\n"
    data += "Sum,0.67,0.67,1000002.5\n"
    (problem,) = problems_of(data, "pivot.csv")
    assert (problem.row, problem.value) == (4, "Sum")


def test_a_store_named_total_that_is_not_a_sum_is_read():
    data = "Store,2024-01,2024-02,2024-03\nNorth,10,20,30\nSouth,1,2,3\nTotal,11,22,34\n"
    result = read_sales(data.encode(), filename="stores.csv")
    assert result.report.series == 3
    assert list(result.history[result.history.unique_id == "Total"].y) == [11, 22, 34]
    assert not [n for n in result.report.notes if "total" in n.lower()]


def test_a_totals_series_missing_a_date_on_which_the_others_sold_is_read():
    data = "Store,2024-01,2024-02,2024-03\nNorth,10,20,30\nSouth,1,2,3\nTotal,11,22,\n"
    result = read_sales(data.encode(), filename="stores.csv")
    assert result.report.series == 3


def test_a_subtotal_per_region_is_refused_where_it_sums_the_stores_of_its_region():
    data = (
        "Region,Store,2024-01,2024-02,2024-03\n"
        "North,1,10,20,30\nNorth,2,1,2,3\nNorth,Subtotal,11,22,33\n"
        "South,3,5,5,5\nSouth,Subtotal,5,5,6\n"
    )
    (problem,) = problems_of(data, "pivot.csv")
    assert (problem.row, problem.column, problem.value) == (4, "Store", "Subtotal")
    assert problem.message == TOTALS_SERIES_MESSAGE


def test_a_pivots_grand_total_row_with_an_empty_second_key_is_refused_as_a_totals_row():
    """A pivot of Region x Store ends with 'Grand Total' under Region and nothing under Store:
    the fix says to delete the totals row, not to fill in a store."""
    data = "Region,Store,2024-01,2024-02,2024-03\nNorth,1,10,20,30\nSouth,2,1,2,3\n"
    data += "Grand Total,,11,22,33\n"
    (problem,) = problems_of(data, "pivot.csv")
    assert (problem.row, problem.column) == (4, "Region, Store")
    assert problem.fix == TOTALS_FIX


def test_a_row_with_an_empty_key_and_no_totals_label_is_still_asked_to_be_filled_in():
    data = "Region,Store,2024-01,2024-02,2024-03\nNorth,1,10,20,30\nSouth,,1,2,3\n"
    (problem,) = problems_of(data, "pivot.csv")
    assert (problem.row, problem.message) == (3, "series key is empty")
    assert problem.fix == "fill in the key (store, item...) or delete the row"


def test_a_pivots_grand_total_column_is_left_out_with_a_note_not_made_a_key():
    data = "Store,2024-01,2024-02,2024-03,Grand Total\nNorth,10,20,30,60\nSouth,1,2,3,6\n"
    result = read_sales(data.encode(), filename="pivot.csv")

    assert sorted(result.history.unique_id.unique()) == ["North", "South"]
    assert (
        "column 'Grand Total' holds each row's total; left out (not a key)" in result.report.notes
    )


def test_a_column_called_total_that_is_not_the_rows_sum_stays_a_key():
    data = "Store,2024-01,2024-02,2024-03,Total\nNorth,10,20,30,A\nSouth,1,2,3,B\n"
    result = read_sales(data.encode(), filename="pivot.csv")

    assert sorted(result.history.unique_id.unique()) == ["North/A", "South/B"]
