"""auto's intervals calibrated on its backtest windows (engine/interval_calibration.py): too
narrow intervals are widened and too wide ones narrowed until the windows' actuals fall inside
at the nominal rate, step by step; the point forecast never moves; closures stay 0; with too
few window periods the parametric intervals are kept and the calibration says so. The last two
tests run ``auto`` for real (slow)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from forecast.engine.auto import SHORT_WINDOWS_NOTE, _interval_scale
from forecast.engine.baseline import INTERVAL_CALIBRATION, clip_nonnegative, forecast_baseline
from forecast.engine.interval_calibration import (
    BOUNDS,
    MIN_RESIDUALS,
    STEP_SHRINKAGE,
    IntervalCalibration,
    WindowForecast,
    apply_calibration,
    conformal_quantile,
    fit_calibration,
    same_part_of_season,
)
from tests.histories import long_history

Z80 = 1.2816  # 80 % of a normal error lies within 1.28 standard deviations


def forecast_with(half_width: float | np.ndarray, steps: int = 4) -> dict[str, np.ndarray]:
    mean = np.full(steps, 100.0)
    return {"mean": mean, "lo-80": mean - half_width, "hi-80": mean + half_width}


def windows_with(
    half_width: float | np.ndarray,
    noise: float | np.ndarray,
    count: int = 200,
    steps: int = 4,
    seed: int = 0,
) -> list[WindowForecast]:
    """Windows whose actuals are the forecast plus normal noise of known size (per step)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        values = forecast_with(half_width, steps)
        actual = values["mean"] + rng.normal(0.0, 1.0, steps) * noise
        out.append(WindowForecast(actual, values, origin=k % 3))
    return out


def share_inside(values: dict[str, np.ndarray], windows: list[WindowForecast]) -> np.ndarray:
    """Per step, the share of the windows' actuals inside the 80 % interval."""
    inside = [(w.actual >= values["lo-80"]) & (w.actual <= values["hi-80"]) for w in windows]
    return np.mean(inside, axis=0)


@pytest.mark.parametrize(
    ("half_width", "coverage_before"),
    [(5.0, "far too few"), (40.0, "nearly all")],
    ids=["under-covering intervals are widened", "over-covering intervals are narrowed"],
)
def test_intervals_are_rescaled_until_fresh_actuals_fall_inside_at_the_nominal_share(
    half_width: float, coverage_before: str
) -> None:
    calibration = fit_calibration(windows_with(half_width=half_width, noise=10.0), (80,))
    # the half-width must become the 12.8 within which 80 % of N(0, 10) lies
    assert np.mean(calibration.factors[80]) == pytest.approx(10.0 * Z80 / half_width, rel=0.1)
    rescaled = apply_calibration(forecast_with(half_width), calibration)
    fresh = windows_with(half_width=half_width, noise=10.0, count=2000, seed=1)
    assert np.mean(share_inside(rescaled, fresh)) == pytest.approx(0.8, abs=0.03)
    before = np.mean(share_inside(forecast_with(half_width), fresh))
    assert before < 0.45 if coverage_before == "far too few" else before > 0.99


def test_each_step_follows_its_own_error_size() -> None:
    # parametric widths that grow with the step while the errors stay the same size
    half = np.array([5.0, 10.0, 20.0, 40.0])
    # (with many series a step's own quantile outweighs its window's all-step one it is shrunk
    # towards: 1,000 series at each of 3 origins)
    calibration = fit_calibration(windows_with(half, noise=10.0, count=3000), (80,))
    factors = np.array(calibration.factors[80])
    assert factors[0] > 1.5 and factors[-1] < 0.5
    fresh = windows_with(half, noise=10.0, count=3000, seed=2)
    per_step = share_inside(apply_calibration(forecast_with(half), calibration), fresh)
    assert per_step == pytest.approx(np.full(4, 0.8), abs=0.06)


def windows_of_noise(noise_by_origin: dict[int, float], series: int = 300) -> list[WindowForecast]:
    """``series`` windows at each origin, their actuals off the forecast by that origin's noise."""
    out = []
    for origin, noise in noise_by_origin.items():
        out += [
            replace(w, origin=origin)
            for w in windows_with(10.0, noise=noise, count=series, seed=origin)
        ]
    return out


def test_one_wild_window_does_not_size_the_intervals_of_the_calm_ones() -> None:
    # the latest window was wild (a crisis quarter), the two before it calm
    calibration = fit_calibration(windows_of_noise({0: 40.0, 1: 10.0, 2: 10.0}), (80,))
    calm = 10.0 * Z80 / 10.0  # what covers 80 % of a calm window
    assert np.array(calibration.factors[80]) == pytest.approx(np.full(4, calm), rel=0.1)
    fresh = windows_with(10.0, noise=10.0, count=2000, seed=9)
    served = apply_calibration(forecast_with(10.0), calibration)
    assert np.mean(share_inside(served, fresh)) == pytest.approx(0.8, abs=0.03)


def test_two_windows_meet_in_the_geometric_mean_of_their_factors() -> None:
    calibration = fit_calibration(windows_of_noise({0: 5.0, 1: 20.0}), (80,))
    between = np.sqrt(5.0 * 20.0) * Z80 / 10.0
    assert np.array(calibration.factors[80]) == pytest.approx(np.full(4, between), rel=0.1)


def test_a_single_window_takes_its_split_conformal_quantile() -> None:
    mean = np.full(1, 100.0)
    values = {"mean": mean, "lo-80": mean - 10.0, "hi-80": mean + 10.0}
    errors = np.arange(1.0, 21.0)  # ratios 0.1 .. 2.0 over 20 series, one step
    calibration = fit_calibration(
        [WindowForecast(mean + e, values, origin=0) for e in errors], (80,)
    )
    ratios = errors / 10.0
    whole = conformal_quantile(ratios, 80)
    step = np.quantile(ratios, 0.8)
    # shrunk on the ratio scale (a weighted geometric mean)
    expected = np.exp((20 * np.log(step) + STEP_SHRINKAGE * np.log(whole)) / (20 + STEP_SHRINKAGE))
    assert calibration.factors[80] == pytest.approx((expected,))
    assert whole > step  # the finite-sample correction of a lone window


def test_factors_stay_within_their_bounds() -> None:
    calibration = fit_calibration(windows_with(half_width=1000.0, noise=10.0), (80,))
    assert calibration.factors[80] == (BOUNDS[0],) * 4


def test_the_point_forecast_is_unchanged_and_inside_every_interval() -> None:
    values = {
        "mean": np.array([10.0, 50.0, 0.0, 3.0]),
        "lo-80": np.array([8.0, 20.0, 0.0, -1.0]),
        "hi-80": np.array([12.0, 90.0, 0.0, 9.0]),
        "lo-95": np.array([6.0, 10.0, 0.0, -4.0]),
        "hi-95": np.array([14.0, 110.0, 0.0, 12.0]),
    }
    calibration = IntervalCalibration({80: (0.3, 2.0, 2.0, 3.0), 95: (0.2, 0.5, 3.0, 4.0)})
    out = clip_nonnegative(apply_calibration(values, calibration), (80, 95))
    np.testing.assert_array_equal(out["mean"], values["mean"])
    for level in (80, 95):
        assert (out[f"lo-{level}"] <= out["mean"]).all()
        assert (out[f"hi-{level}"] >= out["mean"]).all()
        assert (out[f"lo-{level}"] >= 0).all()
    assert (out["lo-95"] <= out["lo-80"]).all() and (out["hi-95"] >= out["hi-80"]).all()
    # a closed period (forecast and bounds exactly 0) stays exactly 0
    assert all(out[key][2] == 0.0 for key in out)


def test_too_few_window_periods_keep_the_parametric_intervals_and_say_so() -> None:
    few = windows_with(half_width=5.0, noise=10.0, count=1, steps=MIN_RESIDUALS - 1)
    calibration = fit_calibration(few, (80,))
    assert not calibration.calibrated
    assert "parametric intervals" in calibration.note
    assert f"{MIN_RESIDUALS - 1} window periods" in calibration.note
    values = forecast_with(5.0, MIN_RESIDUALS - 1)
    assert apply_calibration(values, calibration) is values


@pytest.mark.slow
def test_auto_says_its_intervals_were_calibrated_and_on_how_many_windows() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(130)
    series = [200 + 30 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 8, 130) for _ in range(3)]
    out = forecast_baseline(
        long_history(series, "2020-01-03", "W-FRI"), 8, freq="W-FRI", model="auto"
    )
    found = out.attrs[INTERVAL_CALIBRATION]
    assert found["calibrated"] and found["windows"] == 3
    assert found["residuals"] == 3 * 3 * 8  # series x windows x steps
    assert set(found["factors"]) == {80, 95} and len(found["factors"][80]) == 8
    assert (out["baseline-lo-80"] <= out["baseline"]).all()
    assert (out["baseline"] <= out["baseline-hi-80"]).all()


@pytest.mark.slow
def test_a_history_too_short_for_a_window_keeps_the_parametric_intervals_and_says_so() -> None:
    rng = np.random.default_rng(6)
    series = [50 + rng.normal(0, 5, 14) for _ in range(2)]
    out = forecast_baseline(
        long_history(series, "2020-01-03", "W-FRI"), 4, freq="W-FRI", model="auto"
    )
    found = out.attrs[INTERVAL_CALIBRATION]
    assert not found["calibrated"]
    # one window of 4 weeks on 2 series, cut from 10 weeks: far from two years of history
    assert found["note"] == SHORT_WINDOWS_NOTE


def test_windows_shorter_than_two_seasons_do_not_size_the_intervals_of_full_fits() -> None:
    # 25 months: the windows are cut from 13 and 19 months, where seasonal naive's widths rest
    # on one to seven residuals; the intervals stay the members' own, which cover as they should
    rng = np.random.default_rng(8)
    months = np.arange(31)
    series = [
        1000 + 200 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 30, 31) for _ in range(12)
    ]
    history = long_history([y[:25] for y in series], "2013-01-01", "MS")
    out = forecast_baseline(history, 6, freq="MS", model="auto", levels=(80,))
    found = out.attrs[INTERVAL_CALIBRATION]
    assert not found["calibrated"] and found["note"] == SHORT_WINDOWS_NOTE
    actual = np.concatenate([y[25:] for y in series])
    inside = (actual >= out["baseline-lo-80"]) & (actual <= out["baseline-hi-80"])
    assert inside.mean() >= 0.6


def test_window_periods_in_a_gap_of_the_history_are_left_out_of_the_calibration() -> None:
    windows = windows_with(1.0, 2.0, count=60)
    in_gap = [replace(w, actual=np.where(np.arange(4) < 2, np.nan, w.actual)) for w in windows]
    calibration = fit_calibration(in_gap, (80,))
    assert calibration.residuals == 60 * 2
    kept = [
        WindowForecast(w.actual[2:], {k: v[2:] for k, v in w.values.items()}, w.origin)
        for w in windows
    ]
    assert fit_calibration(kept, (80,)).factors[80] == pytest.approx(calibration.factors[80][2:])


def test_a_windows_few_wild_steps_leave_its_calm_steps_sized_for_calm_errors() -> None:
    # one window of 40 series whose last 4 of 13 steps were wild (a holiday moved): the window's
    # all-step quantile is the wild steps', and a calm step's factor is shrunk towards it on the
    # ratio scale; on the linear scale the calm steps got 4.5 times what their errors need
    rng = np.random.default_rng(4)
    noise = np.where(np.arange(13) < 9, 2.0, 60.0)
    windows = windows_with(10.0, noise, count=40, steps=13)
    windows = [replace(w, actual=100.0 + rng.normal(0, 1, 13) * noise, origin=0) for w in windows]
    calm = 2.0 * Z80 / 10.0  # what covers 80 % of a calm step
    factors = np.array(fit_calibration(windows, (80,)).factors[80])
    assert factors[:9] == pytest.approx(np.full(9, 2.1 * calm), rel=0.35)
    assert (factors[:9] < factors[9:].min() / 3).all()


def test_windows_that_cover_the_same_part_of_the_season_size_the_intervals() -> None:
    # monthly, six months ahead: windows 0 and 2 cover the half-year before and the one a year
    # before that (January to June), window 1 the same half-year as the horizon a year before
    # (July to December, with the peaks, where the errors are three times the size)
    windows = windows_of_noise({0: 10.0, 1: 30.0, 2: 10.0})
    same = same_part_of_season(windows, horizon=6, season=12)
    assert {w.origin for w in same} == {1}
    calibration = fit_calibration(same, (80,))
    fresh = windows_with(10.0, noise=30.0, count=2000, seed=12)
    served = apply_calibration(forecast_with(10.0), calibration)
    assert np.mean(share_inside(served, fresh)) == pytest.approx(0.8, abs=0.04)
    # a horizon of whole seasons, or none a whole number of seasons back: every window
    assert same_part_of_season(windows, horizon=12, season=12) == windows
    assert same_part_of_season(windows, horizon=13, season=52) == windows


def test_a_step_without_errors_is_shrunk_towards_its_window_not_floored() -> None:
    # one window of 10 series, 4 steps: at step 0, 9 of the 10 forecasts were exact (an
    # intermittent series' zeros) and one was off by 0.6 of the half-width. The step's own 80 %
    # quantile is 0; floored at 1e-12 before the logs, its log outweighed the window's 20
    # pseudo-periods and the factor fell to the 0.1 bound (the linear rule gave about 0.49).
    # A step's quantile counts as at least the lowest factor served, as if the window's all-step
    # quantile had been seen on 20 more periods.
    rng = np.random.default_rng(0)
    windows = []
    for s in range(10):
        values = forecast_with(5.0)
        error = np.r_[3.0 if s == 9 else 0.0, rng.normal(0, 4, 3)]
        windows.append(WindowForecast(values["mean"] + error, values, origin=0))
    factors = fit_calibration(windows, (80,)).factors[80]
    ratios = np.concatenate([np.abs(w.actual - 100.0) / 5.0 for w in windows])
    whole = conformal_quantile(ratios, 80)
    weight = 10 / (10 + STEP_SHRINKAGE)
    assert factors[0] == pytest.approx(BOUNDS[0] ** weight * whole ** (1 - weight))
    assert factors[0] > 3 * BOUNDS[0]
    assert factors[0] < min(factors[1:])  # still below the steps with errors


def backtest_of(series: int, noise_by_origin: dict[int, float], horizon: int = 6) -> tuple:
    """auto's backtest of one strategy, as ``_interval_scale`` reads it: per forecast (series x
    window), the member's forecast, the window's actuals and which window it is on."""
    rng = np.random.default_rng(series)
    forecasts, actual, origins = {}, {}, []
    for k in range(series * len(noise_by_origin)):
        origin = k % len(noise_by_origin)
        forecasts[(k, "m")] = forecast_with(10.0, horizon)
        actual[k] = 100.0 + rng.normal(0.0, noise_by_origin[origin], horizon)
        origins.append(origin)
    return forecasts, actual, origins


@pytest.mark.parametrize("series", [4, 3], ids=["enough periods", "too few periods"])
def test_auto_calibrates_on_the_windows_covering_the_same_part_of_the_season_where_they_suffice(
    series: int,
) -> None:
    # six months ahead on monthly sales: window 1 covers the horizon's half-year a year before
    # (errors three times the others'). With 4 series it holds 24 periods and calibrates alone;
    # with 3, 18 (fewer than the 20 needed): all three windows calibrate, and the note says why
    noise = {0: 5.0, 1: 15.0, 2: 5.0}
    forecasts, actual, origins = backtest_of(series, noise)
    calibration = _interval_scale(("mean", ("m",)), forecasts, actual, (80,), origins, (6, 12))
    windows = [WindowForecast(actual[k], forecasts[(k, "m")], origins[k]) for k in sorted(actual)]
    if series == 4:
        same = [w for w in windows if w.origin == 1]
        assert calibration.factors == fit_calibration(same, (80,)).factors
        assert calibration.windows == 1
        # sized for the horizon's part of the season, not the calm windows' typical one
        everywhere = fit_calibration(windows, (80,)).factors[80]
        assert min(calibration.factors[80]) > 1.5 * max(everywhere)
        assert calibration.note == (
            "calibrated on 24 window periods from 1 window"
            " (those covering the same part of the season as the horizon)"
        )
    else:
        assert calibration.factors == fit_calibration(windows, (80,)).factors
        assert calibration.windows == 3
        assert calibration.note == (
            "calibrated on 54 window periods from 3 windows (too few periods in the windows"
            " covering the same part of the season: all windows)"
        )
