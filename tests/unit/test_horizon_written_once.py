"""One plan's horizon is written one way everywhere: its first day to its last day. `plan show`
and `plan actuals` wrote the first day of the last week (2011-10-01..2011-12-24) where the event
messages wrote its last day (..2011-12-30): with week-ending dates the plan's last week, dated
2011-12-30 in the user's file, read as outside the plan."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from test_week_ending_dates import _weekly_csv
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import plans, system
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store

HORIZON = re.compile(r"horizon (?:is )?(\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d)")


def _plan(tmp_path, week_dates: str, ends: pd.DatetimeIndex) -> str:
    store = open_store(data_dir=tmp_path)
    state = plans.create_plan(
        store,
        name=f"weeks {week_dates}",
        source=_weekly_csv(ends),
        filename="walmart.csv",
        horizon=13,
        team_attr=None,
        actor="olga",
        model="snaive",
        week_dates=week_dates,
    )
    store.close()
    return state.plan_id


def _horizons(tmp_path, plan: str, first_week: pd.Timestamp, outside: pd.Timestamp) -> set[str]:
    """Every horizon `plan show`, `plan actuals` (a row after it) and an event after it write."""
    runner = CliRunner()
    shown = runner.invoke(app, ["plan", "show", plan, "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    periods = re.search(r"over 13 periods (\S+);", shown.stdout)
    assert periods is not None, shown.stdout
    header = "Store,Date,Weekly_Sales,Holiday_Flag\n"
    late_row = f"1,{outside:%d-%m-%Y},1000,0\n"
    first_row = f"1,{first_week:%d-%m-%Y},1000,0\n"
    said: list[str] = []
    for name, rows in (("late.csv", late_row), ("both.csv", first_row + late_row)):
        (tmp_path / name).write_text(header + rows)
        kept = runner.invoke(
            app,
            ["plan", "actuals", plan, str(tmp_path / name), "--data-dir", str(tmp_path)]
            + ["--as", "olga"],
        )
        said += HORIZON.findall(kept.output)
    store = open_store(data_dir=tmp_path)
    with pytest.raises(Invalid) as refused:
        system.add_event(
            store,
            plan,
            "olga",
            name="late",
            kind="other",
            start=outside.date(),
            end=outside.date(),
            effect="percent",
            value=5.0,
        )
    store.close()
    said += HORIZON.findall(str(refused.value))
    assert len(said) == 3, said
    return {periods.group(1), *said}


def test_a_week_ending_plan_writes_its_horizon_to_the_last_day_of_its_last_week(tmp_path):
    ends = pd.date_range("2011-01-07", "2011-09-30", freq="W-FRI")
    plan = _plan(tmp_path, "end", ends)
    first = pd.Timestamp("2011-10-07")

    # the plan's weeks end 2011-10-07 .. 2011-12-30 in the user's dates; a row of the week after
    assert _horizons(tmp_path, plan, first, pd.Timestamp("2012-01-06")) == {
        "2011-10-01..2011-12-30"
    }


def test_a_week_start_plan_writes_its_horizon_to_the_last_day_of_its_last_week(tmp_path):
    starts = pd.date_range("2011-01-07", "2011-09-30", freq="W-FRI")
    plan = _plan(tmp_path, "start", starts)
    first = pd.Timestamp("2011-10-07")

    assert _horizons(tmp_path, plan, first, pd.Timestamp("2012-01-06")) == {
        "2011-10-07..2012-01-05"
    }


def test_the_span_of_monthly_and_daily_periods_runs_to_their_last_day():
    assert plans.period_span("M", "2024-01-01", "2024-02-01") == (
        date(2024, 1, 1),
        date(2024, 2, 29),
    )
    assert plans.span_text("D", "2024-03-01", "2024-03-07") == "2024-03-01..2024-03-07"
