"""A weekly sales file planned by month: ingest sums the weeks into months, and the plan's
baseline gives each future month its own count of weeks (real ingest, baseline and SQLite)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.engine.period_weeks import weekday_counts
from forecast.services import plan_create, plans
from forecast.services.store_factory import open_store


def test_a_weekly_file_planned_by_month_forecasts_four_and_five_week_months(tmp_path) -> None:
    fridays = pd.date_range("2019-01-04", periods=170, freq="W-FRI")
    weekly = pd.DataFrame(
        {
            "store": np.repeat(["north", "south"], len(fridays)),
            "week": np.tile(fridays.strftime("%Y-%m-%d"), 2),
            "sales": np.repeat([100.0, 250.0], len(fridays)),
        }
    )
    source = tmp_path / "weekly_sales.csv"
    weekly.to_csv(source, index=False)
    store = open_store(data_dir=tmp_path)
    state = plan_create.create_plan(
        store,
        name="by month",
        source=source,
        horizon=6,
        team_attr=None,
        actor="olga",
        freq="M",
        model="snaive",
    )
    baseline = plans.load_frames(store, state.plan_id).baseline
    north = baseline[baseline["unique_id"] == "north"]
    assert len(north) == 6
    np.testing.assert_allclose(north["baseline"], 100.0 * weekday_counts(north["ds"], 4))
    assert {400.0, 500.0} <= set(north["baseline"].round(6))
    assert north["model"].str.contains("sales per Friday of the month").all()


def test_ingest_says_when_months_are_weekly_sums(tmp_path) -> None:
    from forecast.engine.ingest import read_sales

    fridays = pd.date_range("2019-01-04", periods=170, freq="W-FRI")
    rng = np.random.default_rng(0)
    weekly = pd.DataFrame(
        {"store": "north", "week": fridays.strftime("%Y-%m-%d"), "sales": rng.normal(100, 2, 170)}
    )
    source = tmp_path / "weekly_sales.csv"
    weekly.to_csv(source, index=False)
    by_month = read_sales(source, freq="M")
    assert any("number of Fridays (4 or 5)" in note for note in by_month.report.notes)
    by_week = read_sales(source, freq="W")
    assert not any("Fridays" in note for note in by_week.report.notes)
