"""Seasonal naive copies the last season from one whole season of history up: a planner with 60
to 100 weeks of sales gets last year's shape, not a flat line. What the two-season rule protected
stays: a gap in the only season is not forecast closed, and intervals resting on a handful of
seasonal differences are not narrower than the series' week-to-week movement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.engine.baseline import forecast_baseline
from forecast.engine.models import make_model
from forecast.engine.models.naive import copies_season, last_value_note

SEASON = 52


def _weeks(n: int, gap: slice | None = None) -> np.ndarray:
    weeks = np.arange(n)
    y = 1000 + 300 * np.sin(2 * np.pi * weeks / SEASON) + 2 * weeks
    if gap is not None:
        y[gap] = 0.0
    return y


def _frame(y: np.ndarray) -> pd.DataFrame:
    ds = pd.date_range("2022-01-07", periods=len(y), freq="W-FRI")
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})


def test_seasonal_naive_copies_the_last_season_from_one_season_of_history() -> None:
    for n in (SEASON, 60, 2 * SEASON - 1):
        y = _weeks(n)
        forecast = make_model("snaive", SEASON).fit(y).predict(13, (80,))["mean"]
        np.testing.assert_array_equal(forecast, y[n - SEASON : n - SEASON + 13])
    assert copies_season(SEASON, SEASON) and not copies_season(SEASON - 1, SEASON)


def test_a_baseline_on_seventy_weeks_is_labelled_seasonal_naive_and_follows_last_year() -> None:
    y = _weeks(70)
    out = forecast_baseline(_frame(y), 13, model="snaive", levels=(80,))
    assert set(out["model"]) == {"snaive"}
    np.testing.assert_allclose(out["baseline"], y[70 - SEASON : 70 - SEASON + 13])


def test_under_one_season_the_baseline_repeats_the_last_value_and_says_why() -> None:
    y = _weeks(SEASON - 1)
    out = forecast_baseline(_frame(y), 13, model="snaive", levels=(80,))
    np.testing.assert_allclose(out["baseline"], y[-1])
    assert set(out["model"]) == {"naive (fallback: snaive needs one season of history, 52 periods)"}
    assert last_value_note(SEASON) == "snaive needs one season of history, 52 periods"


def test_a_store_closed_in_its_only_season_is_not_forecast_closed() -> None:
    # 70 weeks; closed from week 20 to 35 of the first year: no season before it had sales
    y = _weeks(70, slice(20, 36))
    forecast = make_model("snaive", SEASON).fit(y).predict(SEASON, (80,))["mean"]
    reopened = forecast[20 - 18 : 36 - 18]  # the last season starts at week 18
    line = np.interp(np.arange(20, 36), [19, 36], [y[19], y[36]])
    np.testing.assert_allclose(reopened, line)
    assert reopened.min() > 0.5 * np.median(y[y > 0])
    # the rest of the season is copied as it was
    np.testing.assert_array_equal(forecast[:2], y[18:20])
    np.testing.assert_array_equal(forecast[36 - 18 :], y[36:70])


def test_a_gap_across_the_years_turn_is_filled_whole_in_a_baseline() -> None:
    # closed from week 45 of the first year to week 60: the weeks from 52 on have a season
    # before them (filled from it when the history is cut), those before 52 have none
    y = _weeks(80, slice(45, 61))
    out = forecast_baseline(_frame(y), SEASON, model="snaive", levels=(80,))
    assert out["model"].iloc[0].startswith("snaive")
    forecast = out["baseline"].to_numpy()
    last = 80 - SEASON  # week 28 starts the last season
    assert forecast[45 - last : 61 - last].min() > 0.5 * np.median(y[y > 0])
    np.testing.assert_allclose(forecast[52 - last : 61 - last], y[0:9])  # a season before
    np.testing.assert_allclose(
        forecast[45 - last : 52 - last],
        np.interp(np.arange(45, 52), [44, 61], [y[44], y[61]]),
    )


def test_80_percent_intervals_on_a_short_seasonal_series_are_not_absurdly_narrow() -> None:
    # 55 weeks of a season plus noise (sd 40): three seasonal differences, and by chance the
    # first weeks of the second year repeat those of the first almost exactly. A sigma from
    # those three differences alone would be under 1.
    rng = np.random.default_rng(11)
    shape = 1000 + 300 * np.sin(2 * np.pi * np.arange(68) / SEASON)
    y = shape[:55] + rng.normal(0, 40, 55)
    y[52:55] = y[0:3] + np.array([0.5, -0.4, 0.3])
    forecast = make_model("snaive", SEASON).fit(y).predict(13, (80,))
    half = forecast["hi-80"] - forecast["mean"]
    assert half.min() > 1.28 * 40  # at least the noise's own 80 % half-width
    # and they cover most of what the same series does next (200 continuations)
    inside = 0
    for _ in range(200):
        ahead = shape[55:68] + rng.normal(0, 40, 13)
        inside += int(((ahead >= forecast["lo-80"]) & (ahead <= forecast["hi-80"])).sum())
    assert inside / (200 * 13) > 0.7


def test_a_full_season_of_seasonal_differences_sizes_the_intervals_alone() -> None:
    # two years and more: as before, the seasonal differences alone
    y = _weeks(2 * SEASON + 10) + np.random.default_rng(3).normal(0, 5, 2 * SEASON + 10)
    forecast = make_model("snaive", SEASON).fit(y).predict(1, (80,))
    seasonal = y[SEASON:] - y[:-SEASON]
    sigma = np.sqrt(np.mean(seasonal**2))
    np.testing.assert_allclose(forecast["hi-80"] - forecast["mean"], 1.2815515655446004 * sigma)
