"""What an actuals upload must not keep silently: weeks dated on another weekday than the plan's,
figures a few times off the plan's scale, repeated rows, and what it set aside when it made no
version."""

from __future__ import annotations

import pandas as pd
import pytest
from test_actuals_scale import as_csv, forecast_times, make_plan

from forecast.services import actuals
from forecast.services.plans import InvalidFile
from forecast.store import MemoryStore


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan(store: MemoryStore) -> str:
    return make_plan(store)  # weekly, weeks starting on Fridays


def test_weekly_actuals_dated_on_another_weekday_are_refused_naming_both_weekdays(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    sundays = weeks.assign(ds=weeks["ds"] + pd.Timedelta(days=2))  # Sunday-to-Saturday weeks

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, as_csv(sundays), filename="sun.csv", actor="olga")

    [problem] = refused.value.problems
    assert (problem.file, problem.column, problem.value) == ("sun.csv", "ds", "Sunday")
    said = str(refused.value)
    assert "dated by Sundays" in said and "weeks run Friday to Thursday" in said
    assert "date each row by the Friday its week starts on" in problem.fix
    assert "nothing was kept" in said
    assert store.actuals_versions(plan) == []


def test_weekly_actuals_dated_by_the_last_day_of_the_plans_weeks_are_kept_when_read_as_week_ending(
    store, plan
):
    weeks = forecast_times(store, plan, 1.0)
    ending = weeks.assign(ds=weeks["ds"] + pd.Timedelta(days=6))  # each Thursday ending a week

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, as_csv(ending), filename="end.csv", actor="olga")
    assert "--week-dates end" in refused.value.problems[0].fix

    kept = actuals.upload_actuals(
        store, plan, as_csv(ending), filename="end.csv", actor="olga", week_dates="end"
    )
    _, frame = actuals.load_actuals(store, plan)
    assert kept.new == len(weeks)
    assert sorted(frame["ds"].unique()) == sorted(weeks["ds"].unique())


def test_weekly_actuals_on_the_plans_weekday_and_daily_actuals_are_kept(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    days = weeks.loc[weeks.index.repeat(7)].copy()
    days["ds"] = days["ds"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
    days["y"] = days["y"] / 7

    assert actuals.upload_actuals(store, plan, as_csv(days), filename="d.csv", actor="olga").new
    again = actuals.upload_actuals(store, plan, as_csv(weeks), filename="w.csv", actor="olga")
    assert again.new == 0
