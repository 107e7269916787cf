"""What the history has never seen: the share of the planned window in parts of the year no period
of the history falls in counts as an even chance in the stretch probability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecast.engine import stretch as st
from forecast.engine.stretch_calendar import calendar_slots, unseen_share


def _daily(start: str, days: int, seed: int = 0) -> pd.DataFrame:
    """Two teams of daily sales with a weekly pattern and some noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=days, freq="D")
    week = 100 + 30 * (ds.day_of_week.to_numpy() >= 5)
    return pd.DataFrame(
        {
            "a": week * np.exp(rng.normal(0, 0.05, days)),
            "b": 2 * week * np.exp(rng.normal(0, 0.05, days)),
        },
        index=ds,
    )


def test_weeks_of_the_year_the_history_never_reached_make_the_unseen_share() -> None:
    # History 2013-01-01 .. 2013-10-31; the next 42 days (Nov 1 .. Dec 12) lie in ISO weeks 44 to
    # 50 of which only week 44 (Oct 28 .. Nov 3) has days in the history: 39 of 42 days unseen.
    index = pd.date_range("2013-01-01", "2013-10-31", freq="D")
    assert unseen_share(index, 42, "D") == pytest.approx(39 / 42)
    # A history of more than a year has seen every week.
    two_years = pd.date_range("2012-01-01", "2013-10-31", freq="D")
    assert unseen_share(two_years, 42, "D") == 0.0


def test_monthly_and_quarterly_histories_count_months_and_quarters() -> None:
    months = pd.date_range("2020-01-01", periods=9, freq="MS")  # January .. September
    assert unseen_share(months, 6, "MS") == pytest.approx(3 / 6)  # Oct, Nov, Dec of 6 months
    quarters = pd.date_range("2020-01-01", periods=3, freq="QS")  # Q1 .. Q3
    assert unseen_share(quarters, 4, "QS") == pytest.approx(1 / 4)  # Q4 (Q1 .. Q3 seen)
    assert list(calendar_slots(pd.DatetimeIndex(["2020-12-31", "2021-01-01"]), "Q")) == [4, 1]


def test_a_53rd_iso_week_counts_as_the_52nd_so_long_histories_see_every_week() -> None:
    # 2020 has an ISO week 53; a history without one must not call it unseen.
    assert calendar_slots(pd.DatetimeIndex(["2020-12-31"]), "W").tolist() == [52]
    weekly = pd.date_range("2021-01-08", periods=60, freq="W-FRI")
    assert unseen_share(weekly, 13, "W-FRI") == 0.0


def test_dates_that_say_nothing_about_the_calendar_leave_the_probability_alone() -> None:
    assert unseen_share(pd.RangeIndex(100), 13, "W") == 0.0
    assert unseen_share(pd.date_range("2020-01-01", periods=10, freq="D"), 5, "H") == 0.0


def test_a_window_the_history_never_covered_is_pulled_towards_an_even_chance() -> None:
    # History to Wednesday 2013-10-23; of the next 42 days only Oct 24 .. 27 (ISO week 43) fall
    # in a week the history has days of.
    history = _daily("2013-01-01", 296)
    cal = st.calibrate(history, 42, "D", model="snaive")
    assert cal.usable and cal.unseen == pytest.approx(38 / 42)
    seen = dataclasses.replace(cal, unseen=0.0)
    anchor = cal.anchor["a"]
    for uplift in (0.5, -0.5):  # far above / far below the forecast
        target = anchor * (1 + uplift)
        unseen_p = st.reach_probability(cal, "a", anchor, target)
        seen_p = st.reach_probability(seen, "a", anchor, target)
        assert unseen_p is not None and seen_p is not None
        # The backtest alone is all but certain; with the window unseen, much less so.
        assert abs(seen_p - 0.5) > 0.49
        assert unseen_p == pytest.approx((1 - cal.unseen) * seen_p + cal.unseen * 0.5)
        assert abs(unseen_p - 0.5) < 0.05 < abs(seen_p - 0.5)
    assert "weeks of the year this history has never covered" in cal.rests_on()
    assert "count as an even chance" in cal.rests_on()


def test_a_history_that_covers_the_year_is_not_touched() -> None:
    cal = st.calibrate(_daily("2012-01-01", 700), 42, "D", model="snaive")
    assert cal.usable and cal.unseen == 0.0
    assert "never covered" not in cal.rests_on()


def test_the_unseen_share_survives_the_plan_document_and_older_documents_read_as_none() -> None:
    cal = st.calibrate(_daily("2013-01-01", 300), 42, "D", model="snaive")
    assert st.StretchCalibration.from_dict(cal.to_dict()) == cal
    older = cal.to_dict()
    del older["unseen"]
    assert st.StretchCalibration.from_dict(older).unseen == 0.0


def test_the_stretch_table_of_a_plan_in_its_first_year_says_the_unseen_days_are_an_even_chance() -> (
    None
):
    cal = st.calibrate(_daily("2013-01-01", 296), 42, "D", model="snaive")
    anchor = cal.anchor["a"]
    table = pd.DataFrame(
        {
            "team": ["a"],
            "target": [anchor * 1.10],
            "expected": [anchor],
            "probability_reach": [0.01],
        }
    )
    row = st.apply_calibration(table, cal).iloc[0]
    assert bool(row["calibrated"])
    assert 0.45 < row["probability_reach"] < 0.5  # +10 %: nearly hopeless by the backtest alone
    assert row["rests_on"].startswith("from ")
    assert "38 of the 42 days ahead fall in weeks of the year" in row["rests_on"]
