"""Easter on a weekly calendar: its dates, its weeks, and the weekly members that use it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.moving_holidays import (
    FAR,
    easter_sundays,
    easter_week_indicators,
    easters_seen,
    weeks_to_easter,
)


def test_easter_sundays_are_the_real_dates_of_2010_to_2013() -> None:
    assert list(easter_sundays(2010, 2013)) == [
        pd.Timestamp("2010-04-04"),
        pd.Timestamp("2011-04-24"),
        pd.Timestamp("2012-04-08"),
        pd.Timestamp("2013-03-31"),
    ]


def test_weeks_to_easter_counts_from_the_week_that_holds_easter_sunday() -> None:
    # Fridays: the week from Friday 6 April 2012 holds Easter Sunday 8 April 2012
    fridays = pd.date_range("2012-03-02", "2012-05-18", freq="W-FRI")
    weeks = dict(zip(fridays, weeks_to_easter(fridays), strict=True))
    assert weeks[pd.Timestamp("2012-04-06")] == 0
    assert weeks[pd.Timestamp("2012-03-30")] == 1
    assert weeks[pd.Timestamp("2012-04-13")] == -1
    assert weeks[pd.Timestamp("2012-03-09")] == 4
    assert weeks[pd.Timestamp("2012-03-02")] == FAR
    assert weeks[pd.Timestamp("2012-05-18")] == FAR


def test_easter_moves_between_weeks_of_the_year() -> None:
    # the same week of the year is Easter's week in 2011 and far from it in 2012
    fridays = pd.DatetimeIndex(["2011-04-22", "2012-04-20"])
    assert list(weeks_to_easter(fridays)) == [0, -2]


def test_easter_indicators_mark_the_week_before_of_and_after() -> None:
    fridays = pd.date_range("2012-03-23", periods=5, freq="W-FRI")
    marks = easter_week_indicators(fridays)
    assert marks.shape == (5, 3)
    np.testing.assert_array_equal(marks.argmax(axis=0), [1, 2, 3])
    assert marks.sum() == 3


def test_a_history_from_february_2010_to_october_2012_holds_three_easters() -> None:
    assert easters_seen(pd.date_range("2010-02-05", "2012-10-26", freq="W-FRI")) == 3


def test_us_weekly_holidays_add_easter_and_german_ones_keep_their_own_easter_days() -> None:
    from forecast.engine.models.prophet_adapter import holiday_weeks

    fridays = pd.Series(pd.date_range("2010-02-05", "2012-10-26", freq="W-FRI"))
    us = holiday_weeks("US", fridays, "W-FRI")
    weeks = us.loc[us["holiday"] == "Easter Sunday", "ds"]
    easter = dict(zip(weeks.dt.year, weeks, strict=True))
    assert easter[2011] == pd.Timestamp("2011-04-22")
    assert easter[2012] == pd.Timestamp("2012-04-06")
    german = holiday_weeks("DE", fridays, "W-FRI")
    assert not german["holiday"].str.startswith("Easter Sunday").any()


def test_the_global_model_sees_easter_on_weekly_data_with_a_country_only() -> None:
    pytest.importorskip("lightgbm")
    from forecast.engine.models.global_lgbm import GlobalLightGBM

    fridays = pd.date_range("2011-01-07", periods=120, freq="W-FRI")
    weekly_us = GlobalLightGBM(52, "W", "US")._dates(fridays)
    weekly_none = GlobalLightGBM(52, "W", None)._dates(fridays)
    daily_de = GlobalLightGBM(7, "D", "DE")._dates(pd.date_range("2012-01-01", periods=60))
    assert weekly_us.shape[1] == weekly_none.shape[1] + 2
    assert daily_de.shape[1] == GlobalLightGBM(7, "D", None)._dates(fridays).shape[1]
    now, season_before = weekly_us[:, -2], weekly_us[:, -1]
    at = int(np.flatnonzero(fridays == pd.Timestamp("2012-04-06"))[0])
    assert now[at] == 0  # Easter 2012's week
    # 52 weeks before: the week from 8 April 2011, two before Easter's (from 22 April)
    assert season_before[at] == 2


def easter_history(years: int = 5, seed: int = 5) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Weekly sales (Fridays from 2009) with a smooth yearly season and a lift in Easter's week."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2009-01-02", periods=52 * years + 10, freq="W-FRI")
    t = np.arange(len(ds))
    y = 200 + 30 * np.sin(2 * np.pi * t / (365.25 / 7)) + rng.normal(0, 3, len(ds))
    y = y + 60 * (weeks_to_easter(ds) == 0)
    return ds, y


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fourier_ets", "prophet"])
def test_weekly_members_put_the_easter_lift_on_next_years_easter_week(name: str) -> None:
    from forecast.engine.models import make_model

    ds, y = easter_history()
    cut = int(np.flatnonzero(ds == pd.Timestamp("2013-01-04"))[0])
    future = ds[cut : cut + 26]
    easter_at = int(np.flatnonzero(weeks_to_easter(future) == 0)[0])  # 29 March 2013
    lifts = {}
    for country in ("US", None):
        model = make_model(name, 52, base_freq="W", holidays=country, offset="W-FRI")
        mean = model.fit(y[:cut], ds[:cut]).predict(26, (80,))["mean"]
        lifts[country] = mean[easter_at] - (mean[easter_at - 2] + mean[easter_at + 2]) / 2
    assert lifts["US"] > 40
    assert lifts[None] < 20
