"""auto's statistical members: STL + ETS, the dynamic Theta and the stat ensemble; and the
global model's leaves, learning rate and rounds tuned on auto's own windows (real fits: slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.auto import ENSEMBLE, select_strategy
from forecast.engine.baseline import prepare_tasks
from forecast.engine.models import make_model
from forecast.engine.models.global_lgbm import GRID
from forecast.engine.runner import make_runner

pytestmark = pytest.mark.slow

WEEKS_A_YEAR = 52


def weekly_with_holiday_spikes(years: int = 3, seed: int = 3) -> np.ndarray:
    """A smooth yearly season plus a spike of +150 % in one week of the first two years, the week
    moving (as Easter does) so that the season cannot absorb it."""
    rng = np.random.default_rng(seed)
    t = np.arange(years * WEEKS_A_YEAR)
    y = 1000 + 200 * np.sin(2 * np.pi * t / WEEKS_A_YEAR) + rng.normal(0, 20, len(t))
    for year, week in enumerate((10, 14)):
        y[year * WEEKS_A_YEAR + week] *= 2.5
    return y


def test_stl_ets_carries_the_season_forward_without_the_holiday_spikes() -> None:
    y = weekly_with_holiday_spikes()
    mean = make_model("stl_ets", WEEKS_A_YEAR, base_freq="W").fit(y).predict(26, (80,))["mean"]
    t = np.arange(len(y), len(y) + 26)
    season = 1000 + 200 * np.sin(2 * np.pi * t / WEEKS_A_YEAR)
    # the spikes of past years do not come back in the next year's weeks 10 and 14
    assert np.max(np.abs(mean - season)) < 150


def test_stl_ets_averages_a_seasons_yearly_noise_instead_of_extrapolating_it() -> None:
    """Each week of the year wanders by chance (sd 40) around a fixed season; with two and a
    half years seen, a locally constant seasonal smoother lands nearer the true season than a
    line through each week's two yearly values would (statsmodels' default degree 1: about 31
    on these series)."""
    errors = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        n = 2 * WEEKS_A_YEAR + 26
        season = 1000 + 200 * np.sin(2 * np.pi * np.arange(n + WEEKS_A_YEAR) / WEEKS_A_YEAR)
        y = season[:n] + rng.normal(0, 40, n)
        model = make_model("stl_ets", WEEKS_A_YEAR, base_freq="W").fit(y)
        mean = model.predict(WEEKS_A_YEAR, (80,))["mean"]
        errors.append(np.mean(np.abs(mean - season[n:])))
    assert np.mean(errors) < 26


def test_dyn_theta_keeps_climbing_on_a_steep_trend_where_the_retired_opt_theta_did() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(60)
    steep = 100 + 3 * t + rng.normal(0, 2, 60)
    forecast = make_model("dyn_theta", 1, base_freq="M").fit(steep).predict(6, (80,))["mean"]
    assert forecast[-1] > steep[-1] + 6


def test_stat_ensemble_is_the_mean_of_ets_theta_and_stl_ets() -> None:
    y = weekly_with_holiday_spikes()
    ensemble = make_model("stat_ensemble", WEEKS_A_YEAR, base_freq="W").fit(y).predict(8, (80,))
    parts = [
        make_model(name, WEEKS_A_YEAR, base_freq="W").fit(y).predict(8, (80,))
        for name in ("ets", "theta", "stl_ets")
    ]
    for key in ensemble:
        np.testing.assert_allclose(ensemble[key], np.mean([p[key] for p in parts], axis=0))


def test_auto_scores_the_stat_ensemble_and_tunes_the_global_model_on_its_windows() -> None:
    frames = []
    for k in range(3):
        y = weekly_with_holiday_spikes(seed=k) * (1 + k / 2)
        ds = pd.date_range("2021-01-01", periods=len(y), freq="W-FRI")
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": y}))
    tasks = prepare_tasks(pd.concat(frames), 8, freq="W", levels=(80,), model="auto")
    selection = select_strategy(tasks, make_runner(1, None), sample=2, windows=1)
    assert ("single", (ENSEMBLE,)) in selection.scores
    assert ("mean", (ENSEMBLE, "lightgbm")) in selection.scores
    assert selection.global_tuning in [dict(point) for point in GRID]
