"""Seasonal naive does not repeat last year's gap (weeks without rows, a long closure) as this
year's sales; closures that recur, series that end closed and intermittent demand it repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.gaps import gap_mask
from forecast.engine.models import make_model

SEASON = 52


def _three_years(gap: slice | None = None) -> np.ndarray:
    weeks = np.arange(3 * SEASON)
    y = 1000 + 100 * np.sin(2 * np.pi * weeks / SEASON) + weeks
    if gap is not None:
        y[gap] = 0.0
    return y


def test_a_store_closed_for_half_of_last_year_is_not_forecast_closed_this_year() -> None:
    # no rows from week 26 to 51 of the second year (filled with 0 at ingest)
    y = _three_years(slice(SEASON + 26, 2 * SEASON))
    y = y[: 2 * SEASON + 30]  # the history ends in week 30 of the third year
    forecast = make_model("snaive", SEASON).fit(y).predict(13, (80,))
    # weeks 30..42 of the third year: last year's were in the gap, the year before's were not
    np.testing.assert_array_equal(forecast["mean"], y[30:43])
    assert np.all(forecast["lo-80"] < forecast["mean"])
    # the jump into and out of the gap does not count as a seasonal-naive error
    assert forecast["hi-80"][0] - forecast["mean"][0] < 0.2 * forecast["mean"][0]


def test_closures_that_recur_series_that_end_closed_and_intermittent_demand_are_repeated() -> None:
    daily = np.tile([0.0, 80, 90, 100, 95, 85, 120], 20)  # closed every Sunday
    assert not gap_mask(daily, 7).any()
    np.testing.assert_array_equal(
        make_model("snaive", 7).fit(daily).predict(7, (80,))["mean"], daily[-7:]
    )
    closed_now = _three_years(slice(3 * SEASON - 20, 3 * SEASON))
    assert not gap_mask(closed_now, SEASON).any()
    forecast = make_model("snaive", SEASON).fit(closed_now).predict(SEASON, (80,))["mean"]
    np.testing.assert_array_equal(forecast, closed_now[-SEASON:])  # its last 20 weeks: 0
    intermittent = np.zeros(3 * SEASON)
    intermittent[::5] = 3.0
    assert not gap_mask(intermittent, SEASON).any()


def test_a_gap_is_a_long_run_of_zeros_between_sales() -> None:
    y = _three_years(slice(60, 75))
    mask = gap_mask(y, SEASON)
    assert mask[60:75].all() and mask.sum() == 15
    short = _three_years(slice(60, 65))  # five weeks: shorter than a quarter of the season
    assert not gap_mask(short, SEASON).any()


def test_a_week_of_one_days_sales_at_a_gaps_edge_is_part_of_the_gap() -> None:
    """Shops that sold on the Monday they closed and from the Friday they reopened:
    the weeks at the gap's edges held a seventh and three sevenths of a week. Seasonal naive
    copied the one-day week a year later as that week's forecast; now the edge weeks join the
    gap and are forecast from the season before. A week at an edge that sold as usual, or a
    dip that is no gap's edge, stays as it is."""
    y = _three_years(slice(SEASON + 26, 2 * SEASON - 10))
    y[SEASON + 25] *= 1 / 7  # closed on Tuesday of the week before the gap
    y[2 * SEASON - 10] *= 3 / 7  # reopened on Friday
    mask = gap_mask(y, SEASON)
    assert mask[SEASON + 25 : 2 * SEASON - 9].all() and mask.sum() == 18
    forecast = make_model("snaive", SEASON).fit(y[: 2 * SEASON + 20]).predict(13, (80,))["mean"]
    np.testing.assert_array_equal(forecast[5], y[25])  # not a seventh of a week
    whole_edges = _three_years(slice(SEASON + 26, 2 * SEASON - 10))
    assert gap_mask(whole_edges, SEASON).sum() == 16
    dip = _three_years()
    dip[40] *= 1 / 7
    assert not gap_mask(dip, SEASON).any()


def test_team_totals_for_the_stretch_read_a_gap_as_seasonal_naive_does() -> None:
    from forecast.engine.stretch import team_totals

    ds = pd.date_range("2013-01-07", periods=3 * SEASON, freq="W-MON")
    open_all_along = _three_years()
    closed_a_while = _three_years(slice(SEASON + 26, 2 * SEASON))
    history = pd.DataFrame(
        {
            "unique_id": ["1"] * len(ds) + ["2"] * len(ds),
            "ds": list(ds) * 2,
            "y": np.r_[open_all_along, closed_a_while],
        }
    )
    teams = pd.Series({"1": "a", "2": "a"})
    totals = team_totals(history, teams, SEASON)["a"].to_numpy()
    gap = slice(SEASON + 26, 2 * SEASON)
    expected = open_all_along[gap] + closed_a_while[26:SEASON]  # the year before's weeks
    np.testing.assert_allclose(totals[gap], expected)
    raw = team_totals(history, teams)["a"].to_numpy()  # without a season: as the file has it
    np.testing.assert_allclose(raw[gap], open_all_along[gap])


def test_growth_over_last_year_is_not_measured_over_a_gap() -> None:
    import pandas as pd

    from forecast.services.series_frames import last_year_by_team

    ds = pd.date_range("2013-01-07", periods=3 * SEASON, freq="W-MON")
    history = pd.DataFrame(
        {
            "unique_id": ["1"] * len(ds) + ["2"] * len(ds),
            "ds": list(ds) * 2,
            "y": np.r_[_three_years(), _three_years(slice(SEASON + 26, 2 * SEASON))],
        }
    )
    # the plan's horizon: weeks 30..42 of the third year; a year before, store 2 had no rows
    horizon = ds[2 * SEASON + 30 : 2 * SEASON + 43]
    frame = pd.DataFrame(
        {
            "unique_id": ["1"] * 13 + ["2"] * 13,
            "ds": list(horizon) * 2,
            "team": ["a"] * 13 + ["b"] * 13,
            "baseline": 100.0,
            "system_plan": 100.0,
        }
    )
    last_year = last_year_by_team(frame, history, "W-MON", ended=())
    assert last_year["a"].sales == pytest.approx(_three_years()[SEASON + 30 : SEASON + 43].sum())
    assert last_year["b"].sales is None


def test_a_store_without_rows_last_year_is_not_assumed_closed_this_year() -> None:
    # the file's Open flag is unknown for the horizon: it is assumed as a year before, which
    # fell in the gap (no rows: sales and flags filled with 0 at ingest)
    import pandas as pd

    from forecast.engine.baseline import forecast_baseline

    ds = pd.date_range("2013-01-07", periods=2 * SEASON + 30, freq="W-MON")
    y = _three_years(slice(SEASON + 26, 2 * SEASON))[: len(ds)]
    history = pd.DataFrame({"unique_id": "7", "ds": ds, "y": y, "Open": (y > 0).astype(float)})
    out = forecast_baseline(history, 13, freq="W", model="snaive")
    np.testing.assert_array_equal(out["baseline"].to_numpy(), y[30:43])
    assert out["model"].iloc[0] == "snaive (a gap of 26 periods filled from a season before)"


def _weekly_frame(y: np.ndarray, uid: str = "store") -> pd.DataFrame:
    ds = pd.date_range("2021-01-03", periods=len(y), freq="W-SUN")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


def test_a_backtest_does_not_score_a_forecast_against_weeks_without_sales_rows() -> None:
    from forecast.engine.backtest import backtest
    from forecast.engine.metrics import mase_scale

    # the last 26 weeks hold 20 weeks without rows (0 at ingest) between weeks of sales
    y = _three_years()
    y[-24:-4] = 0.0
    by_series, _ = backtest(_weekly_frame(y), 26, windows=1, models=("snaive",))
    forecast, actual = y[-26 - SEASON : -SEASON], y[-26:]
    seen = actual != 0
    expected = np.mean(np.abs(forecast[seen] - actual[seen])) / mase_scale(y[:-26], SEASON)
    assert by_series.loc[0, "mase"] == pytest.approx(expected)
    assert by_series.loc[0, "wape"] == pytest.approx(
        np.abs(forecast[seen] - actual[seen]).sum() / actual[seen].sum()
    )


def test_the_periods_filled_in_a_gap_are_known_to_the_task_and_not_scored() -> None:
    from forecast.engine.baseline import prepare_tasks
    from forecast.engine.gaps import observed
    from forecast.engine.metrics import mase

    y = _three_years(slice(SEASON + 26, 2 * SEASON))
    (task,) = prepare_tasks(_weekly_frame(y), 13, model="snaive")
    np.testing.assert_array_equal(task.gaps, np.arange(SEASON + 26, 2 * SEASON))
    assert (task.y[task.gaps] > 0).all()  # filled from the season before
    window = observed(task.y, task.gaps, 2 * SEASON - 13, 2 * SEASON + 13)
    assert np.isnan(window[:13]).all() and np.isfinite(window[13:]).all()
    # a copy of last year forecasts the filled weeks exactly: only the 13 real weeks count
    forecast = task.y[SEASON - 13 : SEASON + 13]
    assert mase(window, forecast, 1.0) == pytest.approx(
        np.mean(np.abs(task.y[2 * SEASON : 2 * SEASON + 13] - forecast[13:]))
    )
    assert np.isnan(mase(np.full(3, np.nan), np.ones(3), 1.0))


def test_weeks_filled_in_a_gap_do_not_narrow_the_seasonal_naive_intervals() -> None:
    from forecast.engine.baseline import fit_predict, prepare_tasks

    rng = np.random.default_rng(7)
    raw = _three_years() + rng.normal(0, 40, 3 * SEASON)
    raw[2 * SEASON : 2 * SEASON + 26] = 0.0  # closed for the first half of the last year
    (task,) = prepare_tasks(_weekly_frame(raw), 13, model="snaive")
    served = fit_predict(task, "snaive")
    # the errors are those of the weeks that had sales a year before and now
    errors = raw[SEASON : 2 * SEASON] - raw[:SEASON]
    errors = np.r_[errors, raw[2 * SEASON + 26 :] - raw[SEASON + 26 : 2 * SEASON]]
    sigma = np.sqrt(np.mean(errors**2))
    np.testing.assert_allclose(served["hi-80"] - served["mean"], 1.2815516 * sigma, rtol=1e-6)
    # counted as errors of zero, the 26 copies of last year would shrink the interval
    blind = make_model("snaive", SEASON).fit(task.y).predict(13, (80,))
    assert np.all(blind["hi-80"] - blind["mean"] < 0.9 * (served["hi-80"] - served["mean"]))
