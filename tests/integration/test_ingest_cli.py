"""`forecast ingest` end to end through the real typer app: summary, --out, --json, exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app

MESSY = Path(__file__).resolve().parents[1] / "data" / "messy"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["ingest", *map(str, args)])


def test_summary_of_rossmann_with_attributes(rossmann_train, rossmann_stores):
    result = run(rossmann_train, "--attributes", rossmann_stores)

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "series:      100" in out
    assert "date range:  2013-01-01 .. 2015-07-31" in out
    assert "frequency:   D" in out
    assert "missing periods filled with 0: 3,128 in 17 series" in out
    # those 17, and 5 stores closed for 3 days or more (a refurbishment) between sales
    assert "gaps: 22 series have a long run without sales between sales" in out
    assert "flags:       Open, Promo, StateHoliday, SchoolHoliday" in out
    assert "StoreType, Assortment" in out
    assert "mapping:     id=Store, date=Date, value=Sales" in out


def test_out_writes_the_long_frame_as_csv_and_parquet(tmp_path, online_retail_daily):
    for name in ("history.csv", "history.parquet"):
        out = tmp_path / name
        result = run(online_retail_daily, "--out", out)
        assert result.exit_code == 0, result.stderr
        frame = (
            pd.read_parquet(out)
            if name.endswith("parquet")
            else pd.read_csv(out, dtype={"unique_id": str})
        )
        assert list(frame.columns) == ["unique_id", "ds", "y"]
        assert frame.unique_id.nunique() == 30
        assert f"wrote {len(frame):,} rows to {out}" in result.stdout


def test_json_summary(retail_monthly):
    result = run(retail_monthly, "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["freq"] == "M"
    assert payload["report"]["series"] == 1
    assert payload["report"]["start"] == "1992-01-01"
    assert payload["mapping"]["value_col"] == "y"


def test_explicit_mapping_and_weekly_aggregation():
    result = run(
        MESSY / "superstore_utf8_bom_crlf.csv",
        "--id",
        "Region",
        "--id",
        "Category",
        "--date",
        "Order Date",
        "--value",
        "Quantity",
        "--freq",
        "W",
    )
    assert result.exit_code == 0, result.stderr
    assert "frequency:   W-MON" in result.stdout
    assert "id=Region + Category, date=Order Date, value=Quantity" in result.stdout


def test_locale_mangled_numbers_exit_2_with_every_problem_on_stderr():
    result = run(MESSY / "walmart_sales_locale_mangled.csv")

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 9
    assert lines[0].startswith(
        f"{MESSY / 'walmart_sales_locale_mangled.csv'}:2:Weekly_Sales: value has several dots"
    )
    assert lines[0].endswith(
        "(1.600.000.000) -> re-export the file with plain numbers: a '.' decimal point and no thousands separators (e.g. 1234.56)"
    )
    assert lines[-1].endswith("8 problems; nothing was written")
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_refused_duplicates_exit_2(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("store,date,sales\n1,2024-01-01,1\n1,2024-01-01,2\n")
    result = run(path, "--duplicates", "refuse")
    assert result.exit_code == 2
    assert (
        f"{path}:3:date: second row for series '1' on this date (first at row 2) (2024-01-01)"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (b"", (), ":-:-: the file is empty -> "),
        (b"store:date:sales\n1:2024-01-01:1\n", (), ":1:-: the file has only one column"),
        (
            b"store,date,sales\n1,2024-01-01,1\n",
            ("--value", "qty"),
            ":-:qty: there is no column 'qty'",
        ),
        (
            b"store,date,sales\n1,2024-01-01,1\n1,2024-01-02,1\n",
            ("--freq", "H"),
            "'H' is not one of 'D', 'W', 'M', 'Q'",
        ),
        (b"store,when,sales\n1,soon,1\n", (), "no column holds dates -> pass --date-col"),
        (
            b"store,date,sales\n1,2024-01-01,1\n1,someday,2\n",
            (),
            ":3:date: is not a date (someday)",
        ),
    ],
)
def test_bad_input_exits_2_with_the_problem_on_stderr(tmp_path, content, args, expected):
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    result = run(path, *args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_unsupported_type_and_missing_file_exit_2(tmp_path):
    path = tmp_path / "sales.json"
    path.write_text("{}")
    result = run(path)
    assert result.exit_code == 2 and "unsupported file type .json" in result.stderr
    result = run(tmp_path / "absent.csv")
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_out_with_an_unknown_extension_is_refused_before_reading(tmp_path, retail_monthly):
    result = run(retail_monthly, "--out", tmp_path / "x.txt")
    assert result.exit_code == 2
    assert ".csv or .parquet" in result.stderr
    assert not (tmp_path / "x.txt").exists()


def test_nothing_is_written_when_the_file_is_bad(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("store,date,sales\n1,2024-01-01,x\n")
    out = tmp_path / "out.csv"
    assert run(path, "--out", out).exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("twin", "args", "expected"),
    [
        ("walmart_mixed_date_formats.csv", (), "date range:  2010-02-05 .. 2010-04-23"),
        (
            "walmart_cpi_locale_mangled.csv",
            (),
            "column CPI (ignored) holds numbers with several dots",
        ),
        ("superstore_cp1252_mixed_date_columns.csv", (), "note: file is not UTF-8; read as cp1252"),
        ("superstore_utf8_bom_crlf.csv", ("--freq", "M"), "date range:  2016-11-01 .. 2016-11-01"),
    ],
)
def test_messy_twins_read_with_a_summary(twin, args, expected):
    result = run(MESSY / twin, *args)
    assert result.exit_code == 0, result.stderr
    assert expected in result.stdout


def test_semicolon_file_and_cr_only_attributes(sample_data):
    result = run(sample_data / "store_visitors" / "store_visitors_semicolon_quoted.csv")
    assert result.exit_code == 0
    assert "separator ';'" in result.stdout and "series:      1" in result.stdout
    result = run(
        MESSY / "walmart_mixed_date_formats.csv",
        "--attributes",
        MESSY / "walmart_stores_cr_only.csv",
    )
    assert result.exit_code == 0
    assert "attributes:  Store, Unemployment, Type, Size" in result.stdout


def test_locale_mangled_value_column_chosen_by_the_user_exits_2():
    result = run(MESSY / "walmart_cpi_locale_mangled.csv", "--value", "CPI")
    assert result.exit_code == 2
    assert ":2:CPI: value has several dots" in result.stderr
    assert "16 more rows have the same problem" in result.stderr
