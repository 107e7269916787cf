"""File formats, column detection, dates and the regular calendar of `read_sales`."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from forecast.engine.ingest import IngestError, pandas_freq, read_sales
from forecast.schema import validate_history


def frame_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "parquet":
        frame.to_parquet(buffer, index=False)
    else:
        frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


SMALL = pd.DataFrame(
    {
        "Store": [1, 1, 1, 2, 2, 2],
        "Date": pd.to_datetime(["2024-01-05", "2024-01-12", "2024-01-19"] * 2),
        "Sales": [10.5, 11.0, 12.0, 20.0, 21.0, 22.0],
        "Promo": [0, 1, 0, 1, 0, 0],
        "Type": ["a", "a", "a", "b", "b", "b"],
    }
)


@pytest.mark.parametrize("kind", ["parquet", "xlsx"])
def test_parquet_and_xlsx_read_like_csv(kind):
    result = read_sales(frame_bytes(SMALL, kind), filename=f"sales.{kind}")

    assert result.report.file_type == kind
    assert result.freq == "W-FRI"
    assert result.mapping.id_cols == ("Store",)
    assert result.flags == ["Promo"]
    assert list(result.history.y) == [10.5, 11.0, 12.0, 20.0, 21.0, 22.0]
    assert list(result.history.Promo) == [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    assert list(result.attributes.Type) == ["a", "b"]


def test_gzip_is_recognised_by_its_bytes_and_by_its_name(tmp_path):
    csv = SMALL.to_csv(index=False).encode()
    packed = gzip.compress(csv)
    by_bytes = read_sales(packed, filename="upload")
    path = tmp_path / "sales.csv.gz"
    path.write_bytes(packed)
    by_path = read_sales(path)
    for result in (by_bytes, by_path):
        assert result.report.series == 2 and len(result.history) == 6
        assert "file was gzip-compressed" in result.report.notes


def test_semicolon_file_with_decimal_comma_and_thousands_dots():
    data = "Filiale;Datum;Umsatz\n1;05.02.2024;1.234,56\n1;06.02.2024;99,5\n1;07.02.2024;7\n"
    result = read_sales(data.encode("cp1252"), filename="umsatz.csv", id_cols=["Filiale"])

    assert (result.report.delimiter, result.report.decimal) == (";", ",")
    assert list(result.history.y) == [1234.56, 99.5, 7.0]
    # dd.mm.yyyy with no day above 12 is read day-first (the European dotted form).
    assert list(result.history.ds) == list(pd.date_range("2024-02-05", periods=3))


def test_a_british_monthly_file_dated_on_the_first_reads_as_months_not_as_days_in_january():
    rows = [
        f"1,01/{month:02d}/{year},{100 + month}" for year in (2023, 2024) for month in range(1, 13)
    ]
    result = read_sales(("Store,Date,Sales\n" + "\n".join(rows)).encode(), filename="uk.csv")

    assert result.report.freq.startswith("M")
    assert list(result.history.ds) == list(pd.date_range("2023-01-01", periods=24, freq="MS"))
    assert any(
        "read them day-first, as that spaces them evenly (monthly)" in note
        for note in result.report.notes
    )


def test_ambiguous_slashed_dates_that_space_evenly_either_way_are_read_month_first():
    rows = [f"1,01/{day:02d}/2024,{day}" for day in range(1, 13)]
    result = read_sales(("Store,Date,Sales\n" + "\n".join(rows)).encode(), filename="us.csv")

    assert list(result.history.ds) == list(pd.date_range("2024-01-01", periods=12))
    assert (
        "dates such as '01/01/2024' are ambiguous (no day above 12); read them month-first"
        in result.report.notes
    )


@pytest.mark.parametrize("sep", ["\t", "|", ";", ","])
def test_delimiters_are_sniffed(sep):
    data = (
        sep.join(["item", "ds", "y"])
        + "\n"
        + "\n".join(sep.join([f"A{i % 2}", f"2024-01-{1 + i // 2:02d}", str(i)]) for i in range(8))
    )
    result = read_sales(data.encode(), filename="f.txt")
    assert result.report.delimiter == sep
    assert result.report.series == 2 and len(result.history) == 8


def test_ids_keep_leading_zeros_and_sort_as_text():
    data = "sku,date,qty\n007,2024-01-01,1\n10,2024-01-01,2\n9,2024-01-01,3\n007,2024-01-02,4\n10,2024-01-02,5\n9,2024-01-02,6\n"
    result = read_sales(data.encode(), filename="f.csv")
    assert list(result.attributes.unique_id) == ["007", "10", "9"]
    assert result.mapping.value_col == "qty"


def test_several_key_columns_join_with_a_slash():
    rows = [
        f"{s},{d},2024-01-0{day},{s * 10 + d}" for s in (1, 2) for d in (1, 3) for day in (1, 2)
    ]
    result = read_sales(
        ("Store,Dept,Date,Weekly_Sales\n" + "\n".join(rows)).encode(), filename="w.csv"
    )
    assert result.mapping.id_cols == ("Store", "Dept")
    assert list(result.attributes.unique_id) == ["1/1", "1/3", "2/1", "2/3"]
    assert list(result.attributes.Dept) == ["1", "3", "1", "3"]


def test_a_unique_id_column_is_used_as_is():
    data = "unique_id,store,ds,y\nA,1,2024-01-01,1\nB,1,2024-01-01,2\nA,1,2024-01-02,3\nB,1,2024-01-02,4\n"
    result = read_sales(data.encode(), filename="f.csv")
    assert result.mapping.id_cols == ("unique_id",)
    assert list(result.attributes.columns) == ["unique_id", "store"]


def test_file_without_key_is_one_series():
    result = read_sales(b"ds,y\n2024-01-01,1\n2024-02-01,2\n2024-03-01,3\n", filename="f.csv")
    assert set(result.history.unique_id) == {"total"}
    assert result.freq == "M"


def test_key_is_found_from_the_data_when_no_column_name_tells():
    data = (
        "country,date,amount\nDE,2024-01-01,1\nFR,2024-01-01,2\nDE,2024-01-02,3\nFR,2024-01-02,4\n"
    )
    result = read_sales(data.encode(), filename="f.csv")
    assert result.mapping.id_cols == ("country",)
    assert any("guessed from the data" in n for n in result.report.notes)


def test_flags_true_false_and_rossmann_state_holiday_codes():
    data = (
        "Store,Date,Sales,IsHoliday,StateHoliday,Open\n"
        "1,2024-01-01,0,TRUE,a,0\n1,2024-01-02,5,FALSE,0,1\n1,2024-01-03,6,FALSE,b,1\n"
        "1,2024-01-04,7,FALSE,c,1\n1,2024-01-05,8,False,0,1\n"
    )
    result = read_sales(data.encode(), filename="f.csv")
    assert result.flags == ["IsHoliday", "StateHoliday", "Open"]
    h = result.history
    assert list(h.IsHoliday) == [1, 0, 0, 0, 0]
    assert list(h.StateHoliday) == [1, 0, 1, 1, 0]
    assert list(h.Open) == [0, 1, 1, 1, 1]
    assert all(h[c].dtype == float for c in result.flags)


def test_unnamed_zero_one_column_is_a_flag_but_a_constant_one_is_an_attribute():
    data = "item,date,y,special,size\n1,2024-01-01,1,0,1\n1,2024-01-02,2,1,1\n1,2024-01-03,3,0,1\n"
    result = read_sales(data.encode(), filename="f.csv")
    assert result.flags == ["special"]
    assert "size" in result.mapping.attributes


def test_gaps_inside_each_series_are_filled_with_zero_and_reported():
    data = (
        "item,ds,y,promo\nA,2024-01-01,1,1\nA,2024-01-04,4,1\nB,2024-01-02,2,0\nB,2024-01-03,3,0\n"
    )
    result = read_sales(data.encode(), filename="f.csv")
    a = result.history[result.history.unique_id == "A"]
    assert list(a.ds) == list(pd.date_range("2024-01-01", "2024-01-04"))
    assert list(a.y) == [1, 0, 0, 4]
    assert list(a.promo) == [1, 0, 0, 1]
    # B is not stretched to A's range: each series keeps its own first and last date.
    assert len(result.history[result.history.unique_id == "B"]) == 2
    assert result.report.missing_periods_filled == 2
    assert result.report.missing_by_series == {"A": 2}


def test_daily_transactions_aggregate_to_weeks_and_months():
    days = pd.date_range("2024-01-01", "2024-03-31")
    lines = [f"X,{d:%Y-%m-%d},{k % 5}" for k, d in enumerate(days) for _ in range(2)]
    data = ("item,date,sales\n" + "\n".join(lines)).encode()
    total = sum(2 * (k % 5) for k in range(len(days)))

    weekly = read_sales(data, filename="f.csv", freq="W")
    assert weekly.freq == "W-MON"  # daily data has no weekday of its own: ISO weeks
    assert set(weekly.history.ds.dt.day_of_week) == {0}
    assert weekly.history.y.sum() == total
    assert weekly.history.y.iloc[0] == sum(2 * (k % 5) for k in range(7))

    monthly = read_sales(data, filename="f.csv", freq="M")
    assert list(monthly.history.ds) == list(pd.date_range("2024-01-01", periods=3, freq="MS"))
    assert monthly.history.y.sum() == total

    quarterly = read_sales(data, filename="f.csv", freq="QS")
    assert list(quarterly.history.ds) == [pd.Timestamp("2024-01-01")]


def test_weekly_data_keeps_its_weekday_even_when_asked_for_w():
    data = "store,date,sales\n1,2024-01-05,1\n1,2024-01-12,2\n1,2024-01-26,3\n"
    result = read_sales(data.encode(), filename="f.csv", freq="W")
    assert result.freq == "W-FRI"
    assert list(result.history.y) == [1, 2, 0, 3]
    assert pandas_freq(result.freq) == "W-FRI"


def test_month_end_dates_become_month_starts():
    data = "ds,y\n2024-01-31,1\n2024-02-29,2\n2024-03-31,3\n"
    result = read_sales(data.encode(), filename="f.csv")
    assert result.freq == "M" and pandas_freq(result.freq) == "MS"
    assert list(result.history.ds) == list(pd.date_range("2024-01-01", periods=3, freq="MS"))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["1998 Q1", "1998 Q2", "1998 Q3"], ["1998-01-01", "1998-04-01", "1998-07-01"]),
        (["Q1-1998", "Q2-1998", "Q3-1998"], ["1998-01-01", "1998-04-01", "1998-07-01"]),
        (["2/5/2010", "2/12/2010", "2/19/2010"], ["2010-02-05", "2010-02-12", "2010-02-19"]),
        (["19-02-2010", "26-02-2010", "05-03-2010"], ["2010-02-19", "2010-02-26", "2010-03-05"]),
        (["2010/02/05", "2010/02/12", "2010/02/19"], ["2010-02-05", "2010-02-12", "2010-02-19"]),
        (["20100205", "20100212", "20100219"], ["2010-02-05", "2010-02-12", "2010-02-19"]),
        (["2010-02", "2010-03", "2010-04"], ["2010-02-01", "2010-03-01", "2010-04-01"]),
        (
            ["Feb 5, 2010", "Feb 12, 2010", "Feb 19, 2010"],
            ["2010-02-05", "2010-02-12", "2010-02-19"],
        ),
        (
            ["2010-02-05 00:00:00", "2010-02-12 00:00:00", "2010-02-19 00:00:00"],
            ["2010-02-05", "2010-02-12", "2010-02-19"],
        ),
    ],
)
def test_date_formats(texts, expected):
    data = "date,sales\n" + "\n".join(f'"{t}",{i}' for i, t in enumerate(texts))
    result = read_sales(data.encode(), filename="f.csv")
    assert list(result.history.ds) == list(pd.to_datetime(expected))


def test_history_follows_the_long_contract():
    result = read_sales(frame_bytes(SMALL, "parquet"), filename="s.parquet")
    h = result.history
    assert list(h.columns[:3]) == ["unique_id", "ds", "y"]
    assert h.ds.dtype == "datetime64[ns]" and h.y.dtype == float
    pd.testing.assert_frame_equal(validate_history(h), h)
    assert result.to_dict()["report"]["start"] == "2024-01-05"
    assert not h.duplicated(["unique_id", "ds"]).any()
    assert np.isfinite(h.y).all()


def test_title_lines_above_a_csv_header_are_skipped_and_rows_still_count_from_the_top():
    data = "Sales report 2024\nexported 2024-02-01\n\nstore,date,sales\n1,2024-01-01,10\n1,2024-01-02,x\n"
    with pytest.raises(IngestError) as err:
        read_sales(data.encode(), filename="r.csv")
    (problem,) = err.value.problems
    assert (problem.row, problem.value) == (6, "x")

    result = read_sales(data.replace(",x", ",11").encode(), filename="r.csv")
    assert list(result.history.y) == [10, 11]
    assert "skipped 3 line(s) above the header line 4" in result.report.notes


def test_title_rows_above_an_xlsx_header_are_skipped():
    grid = pd.DataFrame(
        [
            ["Weekly sales", None, None],
            [None, None, None],
            ["Store", "Date", "Sales"],
            [1, pd.Timestamp("2024-01-05"), 10],
            [1, pd.Timestamp("2024-01-12"), "ten"],
        ]
    )
    buffer = io.BytesIO()
    grid.to_excel(buffer, index=False, header=False, engine="openpyxl")
    with pytest.raises(IngestError) as err:
        read_sales(buffer.getvalue(), filename="r.xlsx")
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.value) == (5, "Sales", "ten")


def test_a_wide_file_with_accents_is_sampled_without_cutting_a_character():
    # 2,000 rows of 600+ bytes pass the 1 MB sample; make its cut fall inside a two-byte é.
    cut = 4 * 256 * 1024
    for pad in range(2):
        header = "shop,date,sales,note" + "x" * pad + "\n"
        body = "".join(f"A,2024-01-{1 + k % 28:02d},{k},{'é' * 300}\n" for k in range(3_000))
        data = (header + body).encode()
        if data[cut - 1] == 0xC3:  # the first byte of é
            break
    assert data[cut - 1] == 0xC3
    result = read_sales(data, filename="wide.csv")
    assert result.report.rows_read == 3_000
    assert result.history.y.sum() == sum(range(3_000))


def test_a_zero_one_column_that_holds_other_codes_after_the_sample_is_not_a_flag():
    days = pd.date_range("2020-01-01", periods=2100)
    rows = [f"A,{d:%Y-%m-%d},{k},{k % 2}" for k, d in enumerate(days)]
    rows[-1] = rows[-1][:-1] + "2"  # beyond the 2,000 rows used for detection
    result = read_sales(("item,date,sales,kind\n" + "\n".join(rows)).encode(), filename="f.csv")
    assert result.flags == []
    assert any("kind looked like a 0/1 flag" in n for n in result.report.notes)


def test_a_key_column_numbered_zero_and_one_is_a_key_not_a_flag():
    data = "Store,Dept,Date,Sales\n1,0,2024-01-01,1\n1,1,2024-01-01,2\n1,0,2024-01-02,3\n1,1,2024-01-02,4\n"
    result = read_sales(data.encode(), filename="f.csv")
    assert result.flags == []
    assert result.mapping.id_cols == ("Store", "Dept")
    assert list(result.attributes.unique_id) == ["1/0", "1/1"]


def test_time_zones_keep_the_local_calendar_day():
    frame = pd.DataFrame(
        {
            "store": ["a", "a"],
            "ts": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("Europe/Berlin"),
            "units": [1, 2],
        }
    )
    result = read_sales(frame_bytes(frame, "parquet"), filename="x.parquet")
    assert list(result.history.ds) == list(pd.date_range("2024-01-01", periods=2))
    text = b"store,ts,units\na,2024-01-01T00:30:00+01:00,1\na,2024-01-02T23:30:00-05:00,2\n"
    result = read_sales(text, filename="x.csv")
    assert list(result.history.ds) == list(pd.date_range("2024-01-01", periods=2))


def test_excel_unicode_text_utf16_tab_separated():
    text = "Store\tDate\tSales\r\n1\t05.02.2024\t10\r\n1\t06.02.2024\t11\r\n"
    result = read_sales(text.encode("utf-16"), filename="export.txt")
    assert result.report.delimiter == "\t"
    assert list(result.history.y) == [10, 11]
    assert "file was UTF-16 text; converted" in result.report.notes


def test_a_windows_1252_byte_far_down_the_file_switches_the_encoding():
    rows = "".join(f"A,2024-01-{1 + k % 28:02d},{k}\n" for k in range(60_000))
    data = ("shop,date,sales\n" + rows).encode() + "Caf\xe9,2024-01-01,1\n".encode("cp1252")
    assert len(data) > 4 * 256 * 1024  # the é is past the sample the encoding is guessed from
    result = read_sales(data, filename="late.csv")
    assert result.report.encoding == "cp1252"
    assert "Café" in set(result.attributes.unique_id)
    assert any("past its first lines" in n for n in result.report.notes)


def test_a_holiday_column_of_event_names_is_a_flag():
    data = (
        "item,date,sales,holiday\nA,2024-12-24,5,Christmas Eve\nA,2024-12-25,0,Christmas\n"
        "A,2024-12-26,7,\nA,2024-12-27,8,\nA,2024-12-28,9,\n"
    )
    result = read_sales(data.encode(), filename="f.csv")
    assert result.flags == ["holiday"]
    assert list(result.history.holiday) == [1, 1, 0, 0, 0]


def test_a_wide_table_with_one_column_per_month_becomes_long():
    data = "Store,Region,2024-01,2024-02,2024-03,2024-04\n1,North,10,11,,13\n2,South,20,21,22,23\n"
    result = read_sales(data.encode(), filename="wide.csv")

    assert result.freq == "M"
    assert result.mapping.id_cols == ("Store", "Region")
    h = result.history
    assert list(h.unique_id.unique()) == ["1/North", "2/South"]
    assert list(h[h.unique_id == "1/North"].y) == [10, 11, 0, 13]  # the empty cell is a gap
    assert result.report.missing_by_series == {"1/North": 1}
    assert list(result.attributes.Region) == ["North", "South"]
    assert any(n.startswith("wide table: 4 period columns") for n in result.report.notes)


def test_a_bad_cell_in_a_wide_table_is_named_by_its_row_and_period_column():
    data = "Store,Jan 2024,Feb 2024,Mar 2024\n1,10,11,12\n1,20,x,22\n"
    with pytest.raises(IngestError) as err:
        read_sales(data.encode(), filename="wide.csv")
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "Feb 2024", "x")
    assert problem.message == "value is not a number"


WIDE_DOTTED = "store;2024-01-01;2024-01-08;2024-01-15\nA;44.537;12.000;1.250\nB;5.120;7.777;12\n"


def test_a_wide_file_written_like_44_537_throughout_is_refused_until_the_mark_is_named():
    with pytest.raises(IngestError) as err:
        read_sales(WIDE_DOTTED.encode(), filename="wide.csv")
    first = err.value.problems[0]
    assert (first.row, first.column, first.value) == (2, "2024-01-01", "44.537")
    assert "ambiguous" in first.message and "44537" in first.message
    assert len(err.value.problems) == 5  # every dotted cell, the plain 12 is not

    grouped = read_sales(WIDE_DOTTED.encode(), filename="wide.csv", decimal=",").history
    assert list(grouped.y) == [44537, 12000, 1250, 5120, 7777, 12]
    pointed = read_sales(WIDE_DOTTED.encode(), filename="wide.csv", decimal=".").history
    assert list(pointed.y) == [44.537, 12, 1.25, 5.12, 7.777, 12]


def test_a_wide_file_with_one_plainly_decimal_cell_reads_the_dot_as_a_decimal_point():
    data = WIDE_DOTTED.replace("1.250", "1.25")
    history = read_sales(data.encode(), filename="wide.csv").history
    assert list(history.y) == [44.537, 12, 1.25, 5.12, 7.777, 12]


def test_a_wide_xlsx_reads_like_a_wide_csv():
    frame = pd.DataFrame(
        [["A", 1.0, 2.0, 3.0], ["B", 4.0, 5.0, 6.0]],
        columns=["item", "2024-01-05", "2024-01-12", "2024-01-19"],
    )
    result = read_sales(frame_bytes(frame, "xlsx"), filename="wide.xlsx")
    assert result.freq == "W-FRI"
    assert list(result.history.y) == [1, 2, 3, 4, 5, 6]
