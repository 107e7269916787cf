"""Monthly or quarterly sales that are sums of weekly figures: each future month or quarter gets
its own count of weeks, and sales of any other kind are left as they are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine import period_weeks
from forecast.engine.baseline import forecast_baseline

FRIDAY = 4


def _weekly(stores: int = 4, weeks: int = 160, seed: int = 0) -> pd.DataFrame:
    """Weekly sales dated on Fridays: a yearly wave, growth and noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2010-01-01", periods=weeks, freq="W-FRI")
    frames = []
    for k in range(stores):
        t = np.arange(weeks)
        y = (1000 + 200 * k) * (1 + 0.2 * np.sin(2 * np.pi * t / 52.18)) * (1 + 0.001 * t)
        frames.append(
            pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": y * rng.normal(1, 0.02, weeks)})
        )
    return pd.concat(frames, ignore_index=True)


def _by_month(frame: pd.DataFrame, period: str = "M") -> pd.DataFrame:
    start = frame["ds"].dt.to_period(period).dt.to_timestamp()
    out = frame.assign(ds=start).groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    return out[out["ds"] < out["ds"].max()]  # the last period may be cut short


def _by_quarter(frame: pd.DataFrame) -> pd.DataFrame:
    out = _by_month(frame, "Q")
    return out[out["ds"] > out["ds"].min()]  # so may the first


def test_a_month_has_four_or_five_of_each_weekday() -> None:
    months = pd.DatetimeIndex(["2012-05-01", "2012-06-01", "2021-02-01", "2012-02-01"])
    np.testing.assert_array_equal(period_weeks.weekday_counts(months, FRIDAY), [4, 5, 4, 4])
    np.testing.assert_array_equal(period_weeks.weekday_counts(months, 2), [5, 4, 4, 5])  # Wed
    # month ends name the same months
    ends = months + pd.offsets.MonthEnd(0)
    np.testing.assert_array_equal(period_weeks.weekday_counts(ends, FRIDAY), [4, 5, 4, 4])


@pytest.mark.parametrize("period", ["M", "Q"])
def test_the_weekday_counts_of_months_and_quarters_match_the_calendar(period: str) -> None:
    days = pd.Series(pd.date_range("2010-01-01", "2017-12-31", freq="D"))
    starts = pd.DatetimeIndex(sorted(days.dt.to_period(period).dt.to_timestamp().unique()))
    for weekday in range(7):
        on_it = days[days.dt.day_of_week == weekday]
        expected = on_it.dt.to_period(period).value_counts().sort_index().to_numpy()
        counted = period_weeks.weekday_counts(starts, weekday, period)
        np.testing.assert_array_equal(counted, expected)
    if period == "Q":
        assert set(period_weeks.weekday_counts(starts, FRIDAY, "Q")) == {12, 13, 14}


def test_weekly_sales_summed_by_month_are_read_as_sums_of_their_fridays() -> None:
    monthly = _by_month(_weekly())
    assert period_weeks.period_of(monthly, None) == "M"
    assert period_weeks.weekly_sums_of(monthly, None) == period_weeks.WeeklySums(FRIDAY, "M")


def test_weekly_sales_summed_by_quarter_are_read_as_sums_of_their_fridays() -> None:
    quarterly = _by_quarter(_weekly(stores=6, weeks=320))
    assert period_weeks.period_of(quarterly, None) == "Q"
    assert period_weeks.weekly_sums_of(quarterly, "Q") == period_weeks.WeeklySums(FRIDAY, "Q")
    # the same sales read as they are by month are not read by quarter
    assert period_weeks.weekly_sums_of(_by_month(_weekly(stores=6, weeks=320)), "M") == (
        period_weeks.WeeklySums(FRIDAY, "M")
    )


def test_monthly_sales_of_other_kinds_are_left_as_they_are() -> None:
    rng = np.random.default_rng(1)
    months = pd.date_range("2015-01-01", periods=40, freq="MS")
    t = np.arange(40)
    monthly = pd.concat(
        pd.DataFrame(
            {
                "unique_id": f"m{k}",
                "ds": months,
                "y": 500 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * rng.normal(1, 0.05, 40),
            }
        )
        for k in range(5)
    )
    assert period_weeks.weekly_sums_weekday(monthly) is None
    # daily sales summed by month follow the days of the month, not a weekday's count
    days = pd.date_range("2015-01-01", "2018-12-31", freq="D")
    daily = pd.DataFrame({"unique_id": "d", "ds": days, "y": rng.normal(100, 5, len(days))})
    assert period_weeks.weekly_sums_weekday(_by_month(daily)) is None
    # nor are daily sales summed by quarter, nor quarterly sales of any other kind
    assert period_weeks.weekly_sums_of(_by_month(daily, "Q"), "Q") is None
    quarters = pd.date_range("2005-01-01", periods=48, freq="QS")
    wave = 1 + 0.3 * np.sin(np.pi * np.arange(48) / 2)
    quarterly = pd.concat(
        pd.DataFrame(
            {"unique_id": f"q{k}", "ds": quarters, "y": 800 * wave * rng.normal(1, 0.05, 48)}
        )
        for k in range(4)
    )
    assert period_weeks.weekly_sums_of(quarterly, None) is None
    # and a weekly run is not judged at all
    assert period_weeks.weekly_sums_of(_weekly(), None) is None


def test_a_store_selling_the_same_each_week_is_forecast_by_the_fridays_of_each_month() -> None:
    weekly = _weekly(stores=1, weeks=170).assign(y=100.0)
    monthly = _by_month(weekly)
    out = forecast_baseline(monthly, 6, freq="MS", model="snaive", levels=(80,))
    expected = 100.0 * period_weeks.weekday_counts(out["ds"], FRIDAY)
    np.testing.assert_allclose(out["baseline"], expected)
    assert set(expected) == {400.0, 500.0}  # a year before, the months had other counts
    assert (
        out["model"]
        .str.endswith("sales per Friday of the month: weekly figures summed by month)")
        .all()
    )


def test_a_store_selling_the_same_each_week_is_forecast_by_the_fridays_of_each_quarter() -> None:
    weekly = _weekly(stores=2, weeks=350).assign(y=100.0)  # to 2016Q2
    quarterly = _by_quarter(weekly)
    out = forecast_baseline(quarterly, 8, freq="QS", model="snaive", levels=(80,))
    expected = 100.0 * period_weeks.weekday_counts(out["ds"], FRIDAY, "Q")
    np.testing.assert_allclose(out["baseline"], expected)
    assert 1400.0 in set(expected)  # a quarter with a 14th Friday gets it
    assert out["model"].str.endswith("summed by quarter)").all()


@pytest.mark.slow
def test_auto_on_weekly_sums_by_month_misses_by_a_few_percent_not_by_a_week() -> None:
    weekly = _weekly(stores=6, weeks=148, seed=4)
    monthly = _by_month(weekly)
    held_out = monthly[monthly["ds"] >= monthly["ds"].max() - pd.DateOffset(months=5)]
    history = monthly[monthly["ds"] < held_out["ds"].min()]
    out = forecast_baseline(history, 6, freq="MS", model="auto", levels=(80,))
    both = out.merge(held_out, on=["unique_id", "ds"])
    error = np.abs(both["baseline"] / both["y"] - 1)
    assert len(both) == 36 and error.median() < 0.06  # a fifth Friday is 25 %
    assert both["model"].str.contains("per Friday").all()
    assert "interval_calibration" in out.attrs, out.attrs  # the plan's note still reads it


def test_the_stretch_backtests_weekly_sums_per_week_as_the_baseline_reads_them() -> None:
    from forecast.engine import stretch
    from forecast.engine.stretch_models import forecast_total
    from forecast.services.stretch_calibration import period_sizes

    monthly = _by_month(_weekly(stores=2, weeks=240, seed=2))
    dates = pd.DatetimeIndex(sorted(monthly["ds"].unique()))
    sizes = period_sizes(monthly, dates, 6, "M")
    assert sizes is not None and period_sizes(monthly, dates, 6, "W") is None
    future = pd.date_range(dates[-1], periods=7, freq="MS")[1:]
    flat = np.full(len(dates), 100.0) * period_weeks.weekday_counts(dates, FRIDAY)
    assert forecast_total(flat, 6, "snaive", 12, sizes) == pytest.approx(
        100.0 * period_weeks.weekday_counts(future, FRIDAY).sum()
    )
    # a team of both stores: its past windows miss by the noise, not by a week more or less
    totals = stretch.team_totals(monthly, pd.Series({"s0": "a", "s1": "a"}), 12)
    per_week = stretch.calibrate_plan(totals, 6, "M", "snaive", sizes=sizes)
    as_months = stretch.calibrate_plan(totals, 6, "M", "snaive")
    spread = {
        name: stretch.sp.Predictive(**cal.predictive["a"]).scale
        for name, cal in (("per week", per_week), ("as months", as_months))
    }
    assert spread["per week"] < 0.5 * spread["as months"]


def test_the_stretch_sizes_each_quarter_by_its_fridays_ahead_too() -> None:
    from forecast.services.stretch_calibration import period_sizes

    quarterly = _by_quarter(_weekly(stores=6, weeks=320))
    dates = pd.DatetimeIndex(sorted(quarterly["ds"].unique()))
    sizes = period_sizes(quarterly, dates, 4, "Q")
    assert sizes is not None and len(sizes) == len(dates) + 4
    ahead = pd.date_range(dates[-1], periods=5, freq="QS")[1:]
    fridays = period_weeks.weekday_counts(dates.append(ahead), FRIDAY, "Q")
    np.testing.assert_allclose(sizes * period_weeks.average_count("Q"), fridays)
