"""A daily sales file with no row on some weekday (a shop shut on Saturdays, the file simply
has no Saturday rows): the history holds those days as 0, which a weekly season learns as a
low day. Found trying the Prophet project's online retail file: the baseline planned 1,701
units on the two Saturdays of a 14-day horizon, and up to 221 for one item on one Saturday."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.engine.baseline import forecast_baseline
from forecast.schema import BASELINE, interval_columns
from forecast.services import plan_create, plans
from forecast.services.store_factory import open_store


def shut_on_saturdays_csv(days: int = 140) -> bytes:
    """Three items' daily sales, no row on any Saturday, a weekly rhythm and noise."""
    rng = np.random.default_rng(4)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    open_days = dates[dates.day_of_week != 5]
    rows = [
        (item, day.date().isoformat(), round(base * (1.3 if day.weekday() == 4 else 1.0)
                                             + rng.normal(0, 3), 2))
        for item, base in (("A", 40.0), ("B", 25.0), ("C", 60.0))
        for day in open_days
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["item", "date", "sales"])
    return frame.to_csv(index=False).encode()


def test_a_weekday_the_file_never_has_is_forecast_as_exactly_zero(tmp_path):
    store = open_store(data_dir=tmp_path)
    state = plan_create.create_plan(
        store,
        name="shut saturdays",
        source=shut_on_saturdays_csv(),
        filename="daily.csv",
        horizon=14,
        team_attr=None,
        actor="ann",
        model="ets",
    )
    assert state.dataset.mapping.get("weekdays_never") == [5]
    assert any("forecasts 0 on Saturdays" in note for note in state.dataset.notes)
    baseline = plans.load_frames(store, state.plan_id).baseline
    saturday = baseline["ds"].dt.day_of_week == 5
    assert saturday.sum() == 2 * 3  # two Saturdays, three items
    values = [BASELINE, *interval_columns(state.baseline.levels)]
    assert (baseline.loc[saturday, values] == 0).all().all()
    assert (baseline.loc[~saturday, BASELINE] > 10).all()  # the open days keep their forecast
    store.close()


def test_without_shut_weekdays_the_same_history_is_forecast_above_zero_on_them():
    """The case the option is for: ETS fitted on the zero-filled Saturdays forecasts more than
    nothing on them (so the test above could fail)."""
    from forecast.engine.ingest import read_sales

    read = read_sales(shut_on_saturdays_csv(), filename="daily.csv")
    levels = (80, 95)
    free = forecast_baseline(read.history, 14, freq=read.freq, model="ets", levels=levels)
    shut = forecast_baseline(
        read.history, 14, freq=read.freq, model="ets", levels=levels, shut_weekdays=[5]
    )
    saturday = free["ds"].dt.day_of_week == 5
    assert (free.loc[saturday, "baseline-hi-95"] > 0).all()
    assert (shut.loc[saturday, [BASELINE, *interval_columns(levels)]] == 0).all().all()
    other = [BASELINE, *interval_columns(levels)]
    pd.testing.assert_frame_equal(free.loc[~saturday, other], shut.loc[~saturday, other])


def test_a_weekly_plan_of_the_same_file_is_left_as_it_is():
    from forecast.engine.ingest import read_sales

    read = read_sales(shut_on_saturdays_csv(), filename="daily.csv", freq="W")
    assert read.report.weekdays_never == [5]
    assert not any("forecasts 0" in note for note in read.report.notes)
    plain = forecast_baseline(read.history, 4, freq=read.freq, model="snaive")
    shut = forecast_baseline(read.history, 4, freq=read.freq, model="snaive", shut_weekdays=[5])
    pd.testing.assert_frame_equal(plain, shut)


def test_a_plans_shut_weekdays_are_read_as_weekday_numbers_only(tmp_path):
    """A plan document may come from an imported bundle: what it keeps as the weekdays its
    history never had is read as the whole numbers 0..6 in it, nothing else (a text there made
    a factor re-forecast or a replay fail inside the engine)."""
    store = open_store(data_dir=tmp_path)
    state = plan_create.create_plan(
        store,
        name="shut saturdays",
        source=shut_on_saturdays_csv(),
        filename="daily.csv",
        horizon=7,
        team_attr=None,
        actor="ann",
        model="snaive",
    )
    assert plan_create.shut_weekdays(state) == (5,)
    for kept, read in (([5, "6", 9, True, 2.0, 0], (0, 5)), ("Saturday", ()), (None, ())):
        state.dataset.mapping["weekdays_never"] = kept
        assert plan_create.shut_weekdays(state) == read
    store.close()
