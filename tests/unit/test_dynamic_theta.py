"""The optimised / dynamic Theta member ("dyn_theta") and auto's windows with few series."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecast.engine.auto import MAX_WINDOWS, WINDOWS, window_count
from forecast.engine.models.theta_state import DynamicTheta, dynamic_trend, static_trend

MONTHS = 12


def growing_peaks(years: int = 12, seed: int = 0) -> np.ndarray:
    """A positive monthly series whose December peak grows with the level (a straight trend from
    100 to about 530, a multiplicative season: +60 % in December, -20 % in February), 2 % noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(years * MONTHS)
    level = 100 + 3.0 * t
    shape = np.ones(MONTHS)
    shape[11], shape[1] = 1.6, 0.8
    return level * shape[t % MONTHS] * (1 + rng.normal(0, 0.02, len(t)))


def test_dynamic_trend_is_the_least_squares_line_through_the_points_so_far() -> None:
    y = np.random.default_rng(1).normal(size=40).cumsum()
    _, intercept, slope = dynamic_trend(y)
    for i in (1, 7, 39):
        fitted_slope, fitted_intercept = np.polyfit(np.arange(1, i + 2), y[: i + 1], 1)
        assert slope[i] == pytest.approx(fitted_slope)
        assert intercept[i] == pytest.approx(fitted_intercept)


def test_static_trend_is_the_least_squares_line_through_the_whole_history() -> None:
    y = np.random.default_rng(2).normal(size=25).cumsum()
    fitted_slope, fitted_intercept = np.polyfit(np.arange(1, 26), y, 1)
    assert static_trend(y) == pytest.approx((fitted_intercept, fitted_slope))


def test_few_series_get_more_backtest_windows_many_series_three() -> None:
    assert window_count(1) == MAX_WINDOWS
    assert window_count(4) == 6
    assert window_count(12) == WINDOWS
    assert window_count(40) == WINDOWS


@pytest.mark.slow
def test_growing_peaks_get_a_multiplicative_season_that_beats_the_additive_one() -> None:
    y = growing_peaks()
    train, held = y[:-MONTHS], y[-MONTHS:]
    multiplicative = DynamicTheta(MONTHS).fit(train)
    additive = DynamicTheta(MONTHS, multiplicative=False).fit(train)
    assert multiplicative.decomposition == "multiplicative"
    assert additive.decomposition == "additive"
    error = {
        name: float(np.mean(np.abs(model.predict(MONTHS, (80,))["mean"] - held)))
        for name, model in (("mul", multiplicative), ("add", additive))
    }
    assert error["mul"] < 0.6 * error["add"]


@pytest.mark.slow
def test_intervals_contain_the_forecast_and_are_widest_in_the_seasonal_peak() -> None:
    y = growing_peaks(seed=3)
    out = DynamicTheta(MONTHS).fit(y).predict(MONTHS, (80, 95))
    assert (out["lo-95"] <= out["lo-80"]).all() and (out["lo-80"] <= out["mean"]).all()
    assert (out["mean"] <= out["hi-80"]).all() and (out["hi-80"] <= out["hi-95"]).all()
    width = out["hi-80"] - out["lo-80"]
    december = (len(y) + np.arange(MONTHS)) % MONTHS == 11
    assert width[december][0] > np.median(width)  # the season scales the spread too


@pytest.mark.slow
def test_a_series_without_a_season_is_not_deseasonalised_and_keeps_its_trend() -> None:
    rng = np.random.default_rng(4)
    y = 50 + 2.0 * np.arange(72) + rng.normal(0, 1, 72)
    model = DynamicTheta(MONTHS).fit(y)
    assert model.decomposition == "none"
    mean = model.predict(6, (80,))["mean"]
    assert np.all(np.diff(mean) > 1.0)  # it keeps climbing close to the series' own slope


@pytest.mark.slow
def test_a_series_falling_towards_zero_is_never_forecast_below_zero() -> None:
    from forecast.engine.baseline import forecast_series, prepare_tasks

    y = np.maximum(60 - 1.5 * np.arange(36), 1.0)
    history = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=36, freq="MS"), "y": y}
    )
    task = prepare_tasks(history, 12, freq="M", model="theta")[0]
    result = forecast_series(replace(task, model="dyn_theta"))
    assert result.label == "dyn_theta"
    for values in result.values.values():
        assert (values >= 0).all()
