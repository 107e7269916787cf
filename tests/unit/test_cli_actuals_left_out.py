"""`plan score` and `plan actuals` on files that leave periods out: `plan score` reads a
week-ending file as `plan actuals` does (--week-dates), refuses a file of partial periods in the
words of scoring, and both say what was left out as warnings, which -q does not silence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services.store_factory import open_store
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

SERIES = ("a0", "a1", "b0", "b1")


@pytest.fixture
def setup(tmp_path) -> dict:
    """A weekly plan (weeks Friday to Thursday) of four series, without a goal."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    history, attributes, baseline = team_frames({"a": 3.0e6, "b": 2.0e6}, per_team=2)
    plan = weekly_team_plan(store, (history, attributes, baseline), name="spring").plan_id
    store.close()
    weeks = sorted(pd.to_datetime(baseline["ds"]).unique())
    return {"plan": plan, "data_dir": data_dir, "weeks": weeks, "base": tmp_path}


def invoke(setup: dict, *args: str):
    return CliRunner().invoke(app, [*args, "--data-dir", str(setup["data_dir"])])


def sales_file(setup: dict, name: str, rows: list[tuple[str, pd.Timestamp, float]]) -> Path:
    path = setup["base"] / name
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False)
    return path


def daily_rows(start: pd.Timestamp, days: int) -> list[tuple[str, pd.Timestamp, float]]:
    return [(uid, start + pd.Timedelta(days=k), 10.0) for uid in SERIES for k in range(days)]


def test_plan_score_reads_a_week_ending_file_with_week_dates_end(setup):
    first_two = setup["weeks"][:2]
    ending = [(uid, w + pd.Timedelta(days=6), 70.0) for uid in SERIES for w in first_two]
    starting = [(uid, w, 70.0) for uid in SERIES for w in first_two]
    week_ending = sales_file(setup, "week_ending.csv", ending)
    week_starting = sales_file(setup, "week_starting.csv", starting)
    plan = setup["plan"]

    read_as_ending = invoke(setup, "plan", "score", plan, str(week_ending), "--week-dates", "end")
    as_dated = invoke(setup, "plan", "score", plan, str(week_starting))

    assert read_as_ending.exit_code == 0, read_as_ending.output
    assert read_as_ending.stdout == as_dated.stdout
    assert "2 of 4" in read_as_ending.stdout  # both weeks scored
    unread = invoke(setup, "plan", "score", plan, str(week_ending))
    assert unread.exit_code == 2 and "--week-dates end" in unread.stderr


def test_plan_score_refuses_a_file_of_a_partial_week_in_the_words_of_scoring(setup):
    partial = sales_file(setup, "partial.csv", daily_rows(setup["weeks"][0], 3))

    refused = invoke(setup, "plan", "score", setup["plan"], str(partial), "--json")

    assert refused.exit_code == 2
    message = refused.stdout
    assert "partial.csv" in message and "(3 of 7 days): left out" in message
    assert "nothing to score" in message
    assert "replace that period's actual" not in message and "upload" not in message
    assert "score it once the whole period is in" in message


def test_plan_actuals_with_quiet_still_warns_of_a_partial_week_left_out(setup):
    # a whole week and the first three days of the next: that one is left out
    ten_days = sales_file(setup, "ten_days.csv", daily_rows(setup["weeks"][0], 10))
    args = ("plan", "actuals", setup["plan"], str(ten_days), "--as", "olga", "-q")

    quiet = invoke(setup, *args)

    assert quiet.exit_code == 0, quiet.output
    assert "4 series-periods kept" in quiet.stdout
    week = f"{setup['weeks'][1]:%Y-%m-%d}"
    warnings = [line for line in quiet.stderr.splitlines() if line.startswith("warning: ")]
    assert any(week in line and "left out" in line for line in warnings)
    assert "note:" not in quiet.stderr  # what left nothing out stays silenced


def test_plan_score_with_quiet_still_warns_of_what_it_left_out(setup):
    ten_days = sales_file(setup, "ten_days.csv", daily_rows(setup["weeks"][0], 10))

    quiet = invoke(setup, "plan", "score", setup["plan"], str(ten_days), "-q")

    assert quiet.exit_code == 0, quiet.output
    week = f"{setup['weeks'][1]:%Y-%m-%d}"
    assert f"warning: the last W-FRI period (starting {week})" in quiet.stderr
    assert "note:" not in quiet.stderr  # "no goal yet" is a note: silenced


def test_plan_score_names_the_plan_series_without_actuals_and_those_the_plan_lacks(setup):
    # a0 closed since the plan was made (no actuals); z9 opened (no forecast)
    rows = [(uid, w, 70.0) for uid in ("a1", "b0", "b1", "z9") for w in setup["weeks"][:2]]
    portfolio_changed = sales_file(setup, "changed.csv", rows)

    scored = invoke(setup, "plan", "score", setup["plan"], str(portfolio_changed))

    assert scored.exit_code == 0, scored.output
    assert "3 of 4" in scored.stdout
    warnings = [line for line in scored.stderr.splitlines() if line.startswith("warning: ")]
    assert "warning: 2 row(s) of 1 series not in the plan left out: z9" in warnings
    assert (
        "warning: 1 series of the plan with no actuals in its horizon, left out of the score: a0"
        in warnings
    )
