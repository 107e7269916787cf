"""Planned promotions given as future rows of the sales file: rows after the last sales date
whose sales cell is empty and whose flags are filled are read as known-future flags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.engine.ingest import IngestError, read_sales


def sales_with_future(count: int = 12, weeks: int = 130, ahead: int = 8, seed: int = 4) -> str:
    """A weekly CSV of shops with promo weeks (+40 %), then ``ahead`` weeks of planned flags
    with the sales cell empty (every other week a promo)."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2023-01-06", periods=weeks + ahead, freq="W-FRI")
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    lines = ["store,week,sales,promo,open"]
    for k in range(count):
        promo = (rng.random(weeks) < 0.25).astype(int)
        y = (80 + 10 * k) * season * (1 + 0.4 * promo) * rng.normal(1, 0.03, weeks)
        for t in range(weeks):
            lines.append(f"S{k},{ds[t]:%Y-%m-%d},{y[t]:.1f},{promo[t]},1")
        for t in range(weeks, weeks + ahead):
            lines.append(f"S{k},{ds[t]:%Y-%m-%d},,{int(t % 2 == 0)},1")
    return "\n".join(lines) + "\n"


def without_future(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if ",," not in line) + "\n"


def test_future_rows_are_read_as_planned_flags_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(sales_with_future(count=2))
    result = read_sales(path, future_rows=True)
    assert result.history["ds"].max() == pd.Timestamp("2025-06-27")  # the last sales week
    assert result.history["y"].notna().all()
    future = result.future
    assert future is not None
    assert list(future.columns) == ["unique_id", "ds", "promo", "open"]
    assert len(future) == 2 * 8
    assert future["ds"].min() == pd.Timestamp("2025-07-04")
    assert future.groupby("unique_id")["promo"].sum().tolist() == [4.0, 4.0]
    assert any("future rows" in note and "promo, open" in note for note in result.report.notes)


def test_a_future_row_with_a_flag_empty_names_the_flag_the_row_and_the_column(
    tmp_path: Path,
) -> None:
    lines = sales_with_future(count=2).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("S1,2025-07-18"))
    lines[at] = "S1,2025-07-18,,,1"
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        read_sales(path, future_rows=True)
    (problem,) = err.value.problems
    assert problem.row == at + 1  # spreadsheet row: the header is row 1
    assert problem.column == "promo"
    assert "flag promo is empty" in problem.message
    assert "future row" in problem.message


def test_an_empty_sales_cell_inside_the_history_is_still_refused(tmp_path: Path) -> None:
    lines = sales_with_future(count=2).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("S0,2024-03-01"))
    store, week, _, promo, open_ = lines[at].split(",")
    lines[at] = f"{store},{week},,{promo},{open_}"
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        read_sales(path, future_rows=True)
    (problem,) = err.value.problems
    assert problem.row == at + 1
    assert problem.column == "sales"
    assert problem.message == "value is missing (empty or NA)"


@pytest.mark.slow  # trains LightGBM twice
def test_planned_promotions_raise_the_lightgbm_forecast_where_promo_is_1(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    text = sales_with_future()
    (tmp_path / "planned.csv").write_text(text)
    (tmp_path / "plain.csv").write_text(without_future(text))
    runner = CliRunner()
    outputs = {}
    for name in ("planned", "plain"):
        out = tmp_path / f"{name}_baseline.csv"
        done = runner.invoke(
            app,
            [
                "baseline",
                str(tmp_path / f"{name}.csv"),
                "-h",
                "8",
                "-m",
                "lightgbm",
                "-o",
                str(out),
            ],
        )
        assert done.exit_code == 0, done.output
        outputs[name] = (done.output, pd.read_csv(out, parse_dates=["ds"]))
    said, planned = outputs["planned"]
    _, plain = outputs["plain"]
    assert "planned flags given in the file: promo, open" in said
    promo_week = (planned["ds"] - pd.Timestamp("2025-07-04")).dt.days // 7 % 2 == 0
    lift = planned["baseline"] / plain["baseline"]
    assert lift[promo_week].mean() > 1.2  # the promo weeks: about +40 %
    assert lift[~promo_week].mean() == pytest.approx(1.0, abs=0.1)


def test_future_rows_shorter_than_the_horizon_name_the_flag_the_series_and_the_week(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    path = tmp_path / "sales.csv"
    path.write_text(sales_with_future(count=2, ahead=4))
    out = tmp_path / "baseline.csv"
    done = CliRunner().invoke(
        app, ["baseline", str(path), "-h", "6", "-m", "snaive", "-o", str(out)]
    )
    assert done.exit_code != 0
    said = " ".join(done.output.split())
    assert "future flag 'promo' is missing for series 'S0' on 2025-08-01" in said
    assert "2 of 6 horizon periods" in said


def test_an_actuals_reading_still_refuses_rows_without_sales(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(sales_with_future(count=1, ahead=2))
    with pytest.raises(IngestError) as err:
        read_sales(path)  # future_rows not asked for: an actuals file has no plans in it
    assert {p.message for p in err.value.problems} == {"value is missing (empty or NA)"}


def test_future_rows_only_of_a_series_without_sales_leave_the_baseline_as_without_them(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    # the future rows name only S9, which has no sales: none of them is read, and the
    # baseline said "internal error: ValueError: NaTType does not support strftime"
    plain = without_future(sales_with_future(count=2))
    path = tmp_path / "sales.csv"
    path.write_text(plain + "S9,2025-07-04,,1,1\nS9,2025-07-11,,0,1\n")
    result = read_sales(path, future_rows=True)
    assert result.future is None
    assert any("left out for 1 series without sales (S9...)" in n for n in result.report.notes)
    out = tmp_path / "baseline.csv"
    done = CliRunner().invoke(
        app, ["baseline", str(path), "-h", "4", "-m", "snaive", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "internal error" not in done.output
    assert "planned flags given" not in done.output
    assert pd.read_csv(out)["unique_id"].unique().tolist() == ["S0", "S1"]


def test_plan_create_says_to_delete_future_flag_rows_not_to_enter_0_sales(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    # a plan reads no planned flags: its fix said "enter the sales (0 if nothing was sold)",
    # which would have made the planned weeks weeks without sales
    path = tmp_path / "sales.csv"
    path.write_text(sales_with_future(count=2, ahead=2))
    data_dir = tmp_path / "data"
    args = ["--name", "spring", "--horizon", "8", "--data-dir", str(data_dir)]
    done = CliRunner().invoke(app, ["plan", "create", str(path), *args])
    assert done.exit_code != 0
    said = " ".join(done.output.split())
    assert "0 if nothing was sold" not in said
    assert (
        "the rows after the last sales date (2025-06-27) with the sales empty look like planned "
        "flags (promo, open): a plan does not read them (promotions enter a plan as events), so "
        "delete those rows"
    ) in said
    # deleted, the plan is created
    (tmp_path / "plain.csv").write_text(without_future(path.read_text()))
    done = CliRunner().invoke(app, ["plan", "create", str(tmp_path / "plain.csv"), *args])
    assert done.exit_code == 0, done.output


def test_an_empty_sales_cell_inside_the_history_keeps_its_fix_in_a_plan(tmp_path: Path) -> None:
    lines = sales_with_future(count=2, ahead=2).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("S0,2024-03-01"))
    store, week, _, promo, open_ = lines[at].split(",")
    lines[at] = f"{store},{week},,{promo},{open_}"
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        read_sales(path)
    assert {p.fix for p in err.value.problems} == {
        "enter the sales (0 if nothing was sold) or delete the row"
    }


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ingest_out_keeps_the_planned_flags_for_the_baseline_to_read(
    tmp_path: Path, suffix: str
) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    # --out wrote the history only: the planned flags were dropped without a word
    path = tmp_path / "sales.csv"
    path.write_text(sales_with_future(count=2))
    out = tmp_path / f"long{suffix}"
    done = CliRunner().invoke(app, ["ingest", str(path), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert f"wrote 260 rows and 16 rows of planned flags (sales empty) to {out}" in " ".join(
        done.output.split()
    )
    given, written = read_sales(path, future_rows=True), read_sales(out, future_rows=True)
    assert given.future is not None and written.future is not None
    pd.testing.assert_frame_equal(written.future, given.future)
    pd.testing.assert_frame_equal(written.history, given.history)


def test_the_planned_flags_line_spans_the_horizon_and_says_when_the_model_ignores_them(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    # 8 weeks of planned flags, a 3-week horizon: the line said "to 2025-08-22", and a
    # seasonal naive baseline, which reads no flags, was said to be given them like any other
    path = tmp_path / "sales.csv"
    path.write_text(sales_with_future(count=2, ahead=8))
    said = {}
    for model in ("snaive", "ets"):
        out = tmp_path / f"{model}.csv"
        done = CliRunner().invoke(
            app, ["baseline", str(path), "-h", "3", "-m", model, "-o", str(out)]
        )
        assert done.exit_code == 0, done.output
        said[model] = " ".join(done.output.split())
    span = "planned flags given in the file: promo, open (2 series, 2025-07-04 to 2025-07-18)"
    assert f"{span} (not used by snaive)" in said["snaive"]
    assert span in said["ets"]
    assert "not used by" not in said["ets"]


def test_a_future_row_without_its_series_key_is_refused_not_given_to_another_series(
    tmp_path: Path,
) -> None:
    lines = sales_with_future(count=2).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("S1,2025-07-18"))
    lines[at] = lines[at].removeprefix("S1")
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        read_sales(path, future_rows=True)
    (problem,) = err.value.problems
    assert problem.row == at + 1
    assert problem.column == "store"
    assert "series key is empty" in problem.message


def test_the_history_reads_its_dates_as_the_future_rows_tell_them(tmp_path: Path) -> None:
    """Dates written 01/01/2024 with no day above 12 in the history: the future rows' 13/01/2024
    says day-first, for the whole file (the history was read again alone, month-first, as twelve
    months of 2024, with its planned flags dated inside it)."""
    days = pd.date_range("2024-01-01", periods=19, freq="D")
    lines = ["store,date,sales,promo"]
    for store in ("S1", "S2"):
        for t, day in enumerate(days):
            sales = "" if t >= 12 else f"{100 + t}"
            lines.append(f"{store},{day:%d/%m/%Y},{sales},{int(t % 3 == 0)}")
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    result = read_sales(path, future_rows=True)
    assert result.freq == "D"
    assert result.history["ds"].min() == pd.Timestamp("2024-01-01")
    assert result.history["ds"].max() == pd.Timestamp("2024-01-12")
    assert result.future is not None
    assert result.future["ds"].min() == pd.Timestamp("2024-01-13")
    assert result.future["ds"].max() == pd.Timestamp("2024-01-19")
