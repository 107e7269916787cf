"""`forecast baseline` and `forecast backtest` on shipped data, through the real command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app

pytestmark = pytest.mark.slow

runner = CliRunner()


def rossmann_stores(source: Path, target: Path, stores: int = 3) -> Path:
    frame = pd.read_csv(source, low_memory=False)
    keep = sorted(frame["Store"].unique())[:stores]
    frame[frame["Store"].isin(keep)].to_csv(target, index=False)
    return target


def test_baseline_writes_csv_and_summarises(retail_monthly, tmp_path) -> None:
    out = tmp_path / "baseline.csv"
    result = runner.invoke(
        app,
        ["baseline", str(retail_monthly), "--horizon", "6", "--out", str(out), "--model", "ets"],
    )
    assert result.exit_code == 0, result.output
    assert "baseline: 1 series x 6 periods" in result.output
    assert "models used" in result.output and "ets" in result.output
    frame = pd.read_csv(out, parse_dates=["ds"])
    assert list(frame.columns) == [
        "unique_id",
        "ds",
        "baseline",
        "baseline-lo-80",
        "baseline-hi-80",
        "baseline-lo-95",
        "baseline-hi-95",
        "model",
    ]
    assert list(frame["ds"].dt.strftime("%Y-%m-%d")) == [
        "2016-06-01",
        "2016-07-01",
        "2016-08-01",
        "2016-09-01",
        "2016-10-01",
        "2016-11-01",
    ]
    assert (frame["baseline-lo-95"] <= frame["baseline"]).all()


def test_baseline_writes_parquet_with_chosen_levels_in_a_pool(rossmann_train, tmp_path) -> None:
    source = rossmann_stores(rossmann_train, tmp_path / "stores.csv")
    out = tmp_path / "baseline.parquet"
    result = runner.invoke(
        app,
        [
            "baseline", str(source), "--horizon", "4", "--out", str(out), "--freq", "W",
            "--level", "50", "--level", "90", "--model", "snaive", "--jobs", "2",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert frame["unique_id"].nunique() == 3
    assert {"baseline-lo-50", "baseline-hi-90"} <= set(frame.columns)
    assert "baseline-lo-80" not in frame.columns
    assert (pd.to_datetime(frame["ds"]).dt.day_of_week == 0).all()  # weeks start on Monday


def test_more_jobs_than_cores_use_one_per_core_and_say_so(rossmann_train, tmp_path) -> None:
    """Each worker process holds its own copy of the libraries: --jobs 10000 was taken as the
    pool's worker limit whatever the machine."""
    source = rossmann_stores(rossmann_train, tmp_path / "stores.csv")
    out = tmp_path / "baseline.csv"
    args = ["baseline", str(source), "--horizon", "2", "--out", str(out), "--freq", "W"]
    result = runner.invoke(app, [*args, "--model", "snaive", "--jobs", "10000"])
    assert result.exit_code == 0, result.output
    assert "--jobs 10000 is more than the" in result.stderr and "core(s)" in result.stderr
    assert pd.read_csv(out)["unique_id"].nunique() == 3


def test_backtest_prints_the_table_with_auto_and_writes_per_series_metrics(
    rossmann_train, tmp_path
) -> None:
    source = rossmann_stores(rossmann_train, tmp_path / "stores.csv")
    out = tmp_path / "metrics.csv"
    result = runner.invoke(
        app,
        [
            "backtest", str(source), "--horizon", "8", "--windows", "1", "--freq", "W",
            "--model", "snaive", "--model", "ets", "--model", "auto", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "MASE" in result.output and "WAPE" in result.output
    for model in ("snaive", "ets", "auto"):
        assert f"\n{model} " in result.output
    assert "auto chose its model per series afresh at each window" in result.output
    metrics = pd.read_csv(out)
    assert set(metrics["model"]) == {"snaive", "ets", "auto"}
    assert metrics["unique_id"].nunique() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.txt"], "write to a .csv or .parquet file"),
        (["--out", "x.csv", "--model", "lstm"], "'lstm' is not one of 'auto', 'snaive'"),
        (["--out", "x.csv", "--holidays", "XX"], "unknown holiday country 'XX'"),
    ],
)
def test_baseline_bad_options_exit_2_with_a_message(
    retail_monthly, tmp_path, args, message
) -> None:
    args = [a if a not in ("x.txt", "x.csv") else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["baseline", str(retail_monthly), "--horizon", "3", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


def test_unreadable_file_exits_2_and_writes_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,sales\nnot a date,abc\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["baseline", str(bad), "--horizon", "3", "--out", str(out)])
    assert result.exit_code == 2
    assert "nothing was written" in result.output
    assert not out.exists()


def test_backtest_too_long_horizon_exits_2_with_advice(retail_monthly) -> None:
    result = runner.invoke(app, ["backtest", str(retail_monthly), "--horizon", "400"])
    assert result.exit_code == 2
    assert "shorter --horizon" in result.output


def test_forecast_models_says_what_each_name_in_the_model_column_means() -> None:
    listed = runner.invoke(app, ["models"])
    assert listed.exit_code == 0, listed.output
    assert "snaive" in listed.output and "seasonal naive" in listed.output
    assert "stl_ets" in listed.output and "loess" in listed.output
    one = runner.invoke(app, ["models", "mean(ets,prophet) (flags left out)"])
    assert one.exit_code == 0 and one.output.startswith("the mean of 2 forecasts: exponential")
    as_json = runner.invoke(app, ["models", "--json", "snaive"])
    assert '"means": "seasonal naive' in as_json.output


def test_weights_written_with_three_decimals_are_read_once_the_decimal_mark_is_given(tmp_path):
    """576.896 could be 576896 (a '.' between thousands) or 576.896: the reader asks, and every
    command that reads a sales file takes the answer."""
    days = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    rows = ["sku,date,kg"] + [
        f"{sku},{day.date()},{100 + sku * 7 + i % 13}.{(i * 37 + sku) % 1000:03d}"
        for sku in (1, 2)
        for i, day in enumerate(days)
    ]
    path = tmp_path / "kg.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "baseline.csv"
    base = ["baseline", str(path), "--horizon", "4", "--out", str(out), "--model", "snaive"]
    asked = runner.invoke(app, base)
    assert asked.exit_code == 2 and "ambiguous" in asked.output and "--decimal" in asked.output
    read = runner.invoke(app, [*base, "--decimal", "."])
    assert read.exit_code == 0, read.output
    assert pd.read_csv(out)["baseline"].between(100, 200).all()
    replayed = runner.invoke(
        app, ["replay", str(path), "--decimal", ".", "--cycles", "1", "--horizon", "4"]
    )
    assert "ambiguous" not in replayed.output
