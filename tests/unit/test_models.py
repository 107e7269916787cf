"""One contract for every model adapter: shape, keys, ordered intervals, determinism, no leaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.models import ModelError, hi_key, lo_key, make_model

# Every test here fits real models (statsmodels, Prophet) or starts a process pool.
pytestmark = pytest.mark.slow

MODELS = (
    "snaive",
    "ets",
    "fourier_ets",
    "theta",
    "dyn_theta",
    "stl_ets",
    "stat_ensemble",
    "arima",
    "prophet",
    "naive",
    "mean",
)
LEVELS = (80, 95)


def monthly_series(n: int = 72, seed: int = 0) -> tuple[np.ndarray, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 100 + 0.5 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n)
    return y, pd.date_range("2018-01-01", periods=n, freq="MS")


def fitted(name: str, y: np.ndarray, ds: pd.DatetimeIndex, exog: np.ndarray | None = None):
    return make_model(name, 12, base_freq="M").fit(y, ds, exog)


@pytest.mark.parametrize("name", MODELS)
def test_every_model_returns_mean_and_ordered_intervals_of_length_h(name: str) -> None:
    y, ds = monthly_series()
    out = fitted(name, y, ds).predict(9, LEVELS)

    assert set(out) == {"mean", "lo-80", "hi-80", "lo-95", "hi-95"}
    for values in out.values():
        assert values.shape == (9,)
        assert np.isfinite(values).all()
    assert (out["lo-95"] <= out["lo-80"]).all()
    assert (out["lo-80"] <= out["mean"]).all()
    assert (out["mean"] <= out["hi-80"]).all()
    assert (out["hi-80"] <= out["hi-95"]).all()
    assert (out["hi-95"] - out["lo-95"] > 0).all()


@pytest.mark.parametrize("name", MODELS)
def test_every_model_is_deterministic(name: str) -> None:
    y, ds = monthly_series()
    first = fitted(name, y, ds).predict(6, LEVELS)
    second = fitted(name, y, ds).predict(6, LEVELS)
    for key in first:
        np.testing.assert_allclose(first[key], second[key], rtol=1e-9)


@pytest.mark.parametrize("name", MODELS)
def test_refitting_one_adapter_on_another_series_leaks_nothing(name: str) -> None:
    y_a, ds = monthly_series(seed=1)
    y_b = monthly_series(seed=2)[0] * 3 + 50
    reused = make_model(name, 12, base_freq="M")
    reused.fit(y_a, ds).predict(6, LEVELS)
    again = reused.fit(y_b, ds).predict(6, LEVELS)
    fresh = fitted(name, y_b, ds).predict(6, LEVELS)
    for key in fresh:
        np.testing.assert_allclose(again[key], fresh[key], rtol=1e-9)


@pytest.mark.parametrize(
    "name", ("snaive", "ets", "fourier_ets", "stl_ets", "stat_ensemble", "arima", "prophet")
)
def test_seasonal_models_follow_the_season(name: str) -> None:
    y, ds = monthly_series(n=96)
    mean = fitted(name, y, ds).predict(12, LEVELS)["mean"]
    # the synthetic season peaks in April (t % 12 == 3) and bottoms out in October
    assert mean[3] > mean[9] + 15


def test_intervals_widen_with_the_horizon_for_snaive_and_ets() -> None:
    y, ds = monthly_series()
    for name in ("snaive", "ets"):
        out = fitted(name, y, ds).predict(24, (95,))
        width = out["hi-95"] - out["lo-95"]
        assert width[-1] > width[0]


@pytest.mark.parametrize("name", ("ets", "fourier_ets", "arima", "prophet"))
def test_models_learn_a_flag_effect_from_regressors(name: str) -> None:
    rng = np.random.default_rng(3)
    n = 120
    ds = pd.date_range("2020-01-06", periods=n, freq="D")
    promo = ((np.arange(n) // 7) % 2 == 0).astype(float)[:, None]
    y = 200 + 20 * (ds.day_of_week == 5) + 80 * promo[:, 0] + rng.normal(0, 4, n)
    model = make_model(name, 7, base_freq="D", exog_names=("promo",)).fit(y, ds, promo)
    with_promo = model.predict(7, (80,), np.ones((7, 1)))["mean"]
    without = model.predict(7, (80,), np.zeros((7, 1)))["mean"]
    assert np.mean(with_promo - without) == pytest.approx(80, abs=15)


def test_seasonal_naive_repeats_the_last_season_and_falls_back_to_naive_when_short() -> None:
    y = np.arange(24, dtype=float)
    out = make_model("snaive", 12).fit(y).predict(14, (80,))
    np.testing.assert_array_equal(out["mean"], np.r_[np.arange(12, 24), 12, 13])
    short = make_model("snaive", 12).fit(np.array([3.0, 4.0, 5.0])).predict(2, (80,))
    np.testing.assert_array_equal(short["mean"], [5.0, 5.0])


def test_models_refuse_series_too_short_to_fit() -> None:
    with pytest.raises(ModelError, match="at least"):
        make_model("arima", 12).fit(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ModelError, match="at least"):
        make_model("ets", 12).fit(np.array([1.0, 2.0]))


def test_unknown_model_name_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown model"):
        make_model("lstm", 12)


def test_the_retired_opt_theta_is_refused_naming_its_replacement() -> None:
    with pytest.raises(ModelError, match="'opt_theta' was retired; use 'dyn_theta'"):
        make_model("opt_theta", 12)


def test_interval_keys_are_named_by_level() -> None:
    assert lo_key(80) == "lo-80" and hi_key(95) == "hi-95"


def test_weekly_holidays_land_on_the_week_that_contains_them() -> None:
    from forecast.engine.models.prophet_adapter import holiday_weeks

    fridays = pd.Series(pd.date_range("2021-01-01", periods=160, freq="W-FRI"))
    weeks = holiday_weeks("US", fridays, "W-FRI")
    thanksgiving = weeks[weeks["holiday"].str.startswith("Thanksgiving")]
    in_2023 = thanksgiving[thanksgiving["ds"].dt.year == 2023].set_index("holiday")["ds"]
    # Thanksgiving 2023 is Thursday 23 November: the week Friday 17 .. Thursday 23
    assert in_2023["Thanksgiving Day"] == pd.Timestamp("2023-11-17")
    assert in_2023["Thanksgiving Day (week before)"] == pd.Timestamp("2023-11-10")
    assert in_2023["Thanksgiving Day (week after)"] == pd.Timestamp("2023-11-24")
    assert (weeks["ds"].dt.day_of_week == 4).all()


def test_prophet_learns_a_holiday_week_on_weekly_data() -> None:
    rng = np.random.default_rng(4)
    ds = pd.date_range("2020-01-03", periods=160, freq="W-FRI")
    y = 100 + rng.normal(0, 2, len(ds))
    spike = [pd.Timestamp(d) for d in ("2020-11-20", "2021-11-19", "2022-11-18")]
    y[ds.isin(spike)] += 80  # the weeks that contain Thanksgiving
    model = make_model("prophet", 52, base_freq="W", holidays="US", offset="W-FRI").fit(y, ds)
    mean = model.predict(52, (80,))["mean"]
    future = pd.date_range(ds[-1] + pd.Timedelta(weeks=1), periods=52, freq="W-FRI")
    at = int(np.flatnonzero(future == pd.Timestamp("2023-11-17"))[0])
    assert mean[at] - np.median(mean) > 40


def test_fourier_ets_tracks_a_noisy_yearly_season_better_than_seasonal_naive() -> None:
    rng = np.random.default_rng(8)
    t = np.arange(169)
    signal = 300 + 80 * np.sin(2 * np.pi * t / (365.25 / 7))
    y = signal + rng.normal(0, 40, len(t))
    ds = pd.date_range("2021-01-01", periods=156, freq="W-FRI")
    errors = {}
    for name in ("fourier_ets", "snaive"):
        mean = make_model(name, 52, base_freq="W").fit(y[:156], ds).predict(13, (80,))["mean"]
        errors[name] = np.mean(np.abs(mean - signal[156:]))
    assert errors["fourier_ets"] < 0.5 * errors["snaive"]


def test_prophet_learns_a_weekday_specific_promotion_effect_on_daily_data() -> None:
    rng = np.random.default_rng(6)
    n = 196
    ds = pd.date_range("2022-01-03", periods=n, freq="D")  # starts on a Monday
    promo = ((np.arange(n) // 7) % 2 == 0).astype(float)
    monday = (ds.day_of_week == 0).astype(float)
    y = 200 + promo * (20 + 100 * monday) + rng.normal(0, 3, n)
    model = make_model("prophet", 7, base_freq="D", offset="D").fit(y, ds, promo[:, None])
    future_promo = np.ones((7, 1))  # the next week (Monday to Sunday) is on promotion
    lift = (
        model.predict(7, (80,), future_promo)["mean"]
        - model.predict(7, (80,), 0 * future_promo)["mean"]
    )
    assert lift[0] > lift[2] + 50  # Monday's lift is far above Wednesday's


def growing_season_series(n: int = 84, seed: int = 1) -> np.ndarray:
    """Monthly sales whose December peak grows with the level (a souvenir-shop shape)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = np.array([0.1, 0.2, 0.4, 0.3, 0.3, 0.35, 0.5, 0.45, 0.4, 0.5, 0.9, 1.8])
    return np.exp(7 + 0.025 * t + season[t % 12] + rng.normal(0, 0.1, n))


def test_ets_picks_a_growing_season_form_and_beats_the_additive_family_on_it() -> None:
    from forecast.engine.models.ets import ETS

    y = growing_season_series()
    train, test = y[:72], y[72:]
    full = ETS(12).fit(train)
    additive = ETS(12, ("damped_seasonal", "damped", "seasonal")).fit(train)
    assert full.variant in ("mul_seasonal", "boxcox")
    error_full = np.mean(np.abs(full.predict(12)["mean"] - test))
    error_additive = np.mean(np.abs(additive.predict(12)["mean"] - test))
    assert error_full < 0.7 * error_additive


def test_boxcox_intervals_are_skewed_upwards_like_the_data() -> None:
    from forecast.engine.models.ets import ETS

    model = ETS(12, ("boxcox",)).fit(growing_season_series()[:72])
    out = model.predict(12, (95,))
    upper = out["hi-95"] - out["mean"]
    lower = out["mean"] - out["lo-95"]
    assert (upper > lower).all()
    assert (out["lo-95"] > 0).all()


def test_multiplicative_season_intervals_come_from_sample_paths_and_scale_with_the_peak() -> None:
    from forecast.engine.models.ets import ETS

    model = ETS(12, ("mul_seasonal",)).fit(growing_season_series()[:72])
    out = model.predict(12, (80,))
    width = out["hi-80"] - out["lo-80"]
    assert (out["lo-80"] < out["mean"]).all() and (out["mean"] < out["hi-80"]).all()
    # December (index 11 of the horizon, as the history is 72 months) is the widest month
    assert int(np.argmax(width)) == 11


def test_positive_only_ets_members_are_skipped_for_series_with_zeros() -> None:
    from forecast.engine.models.ets import ETS

    y = growing_season_series()[:72]
    y[5] = 0.0
    assert ETS(12).fit(y).variant in ("damped_seasonal", "damped", "seasonal")


def test_theta_follows_a_trend() -> None:
    y = 50 + 2.0 * np.arange(60) + np.random.default_rng(2).normal(0, 1, 60)
    mean = make_model("theta", 1).fit(y).predict(6, (80,))["mean"]
    assert mean[-1] > y[-1]


def test_prophet_on_two_years_of_monthly_sales_neither_copies_its_noise_nor_claims_certainty() -> (
    None
):
    rng = np.random.default_rng(4)
    months = np.arange(31)
    truth = 1000 + 150 * np.sin(2 * np.pi * months / 12)
    y = truth + rng.normal(0, 40, 31)
    ds = pd.date_range("2013-01-01", periods=31, freq="MS")
    model = make_model("prophet", 12, base_freq="M", offset="MS").fit(y[:25], ds[:25])
    forecast = model.predict(6, (80,), future_ds=ds[25:])
    # twelve months seen twice: no more yearly harmonics than months can show, so the forecast
    # stays near the pattern and the intervals keep a width (the default order: a July at half)
    assert np.abs(forecast["mean"] - truth[25:]).max() < 200
    # the noise is 40 a month; the fitted residuals' own scale was 27 (14 columns on 25 points)
    noise_read = (forecast["hi-80"] - forecast["mean"]) / 1.2816
    assert 34 < noise_read[0] < 60
    assert np.all(np.diff(noise_read) > 0)


def test_arima_passes_over_an_explosive_ar_fit_and_keeps_the_forecast_in_range() -> None:
    # three years of monthly sales with strongly alternating noise: left to itself, the
    # (1,1,1) fit takes an AR coefficient beyond -1 and swings from -310,000 to 462,000
    rng = np.random.default_rng(183)
    t = np.arange(36)
    e = rng.normal(0, 3000, 37)
    y = 15000 + 4000 * np.sin(2 * np.pi * t / 12) + 150 * t + e[1:] - 0.95 * e[:-1]
    y = y + rng.normal(0, 2000, 36) * (t % 2)
    model = make_model("arima", 12).fit(y)
    assert np.all(np.abs(model._res.arroots) > 1.0)
    forecast = model.predict(12, (80,))["mean"]
    assert forecast.min() > 0 and forecast.max() < 3 * y.max()
