"""auto's choice: where every model loses to seasonal naive on many series (the bundled weekly
sample, whose plan leaves its promo flags out), seasonal naive is served; where a model beats
it on nearly every series, that model is; and a smooth trend with a smooth season is not left
to seasonal naive in a real run (real fits: slow)."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.engine.auto import MAX_WORSE_THAN_NAIVE, choose
from forecast.engine.baseline import forecast_baseline
from tests.histories import long_history

NAIVE = ("single", ("snaive",))
ETS = ("single", ("ets",))
PAIR = ("mean", ("ets", "prophet"))


def test_seasonal_naive_is_served_where_every_model_loses_to_it_on_many_series() -> None:
    # the weekly sample's windows: the pair is lower in the mean but worse on 42 % of series
    scores = {NAIVE: 0.545, ETS: 0.60, PAIR: 0.506}
    worse = {NAIVE: 0.0, ETS: 0.55, PAIR: 0.42}
    assert choose(scores, worse, "W", series=40) == NAIVE


def test_a_model_that_beats_seasonal_naive_on_nearly_every_series_is_served() -> None:
    scores = {NAIVE: 0.545, ETS: 0.395, PAIR: 0.39}
    worse = {NAIVE: 0.0, ETS: 0.05, PAIR: MAX_WORSE_THAN_NAIVE}
    assert choose(scores, worse, "W", series=40) == ETS  # cheaper, within the tie margin
    scores[PAIR] = 0.30
    assert choose(scores, worse, "W", series=40) == PAIR


@pytest.mark.slow
def test_a_smooth_trend_with_a_smooth_season_is_not_left_to_seasonal_naive() -> None:
    rng = np.random.default_rng(12)
    t = np.arange(96)
    series = [
        100 + (2 + k / 4) * t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, 96)
        for k in range(8)
    ]
    out = forecast_baseline(long_history(series, "2015-01-01", "MS"), 6, freq="MS", model="auto")
    assert not any("snaive" in label for label in out["model"])


def test_with_few_series_the_lowest_mean_wins_over_a_cheaper_strategy_within_the_margin() -> None:
    # Superstore's windows (12 series): LightGBM alone 0.934, its mean with the stat ensemble
    # 0.928; with few series fitting time does not count, so the better combination is served
    lgbm = ("single", ("lightgbm",))
    pair = ("mean", ("stat_ensemble", "lightgbm"))
    scores = {NAIVE: 1.136, lgbm: 0.934, pair: 0.928}
    worse = {NAIVE: 0.0, lgbm: 0.08, pair: 0.08}
    assert choose(scores, worse, "W", series=12) == pair
    assert choose(scores, worse, "W", series=40) == lgbm


def test_with_few_series_a_model_not_clearly_over_the_naive_limit_is_served_over_naive() -> None:
    # Superstore by Region x Segment (12 series): every model worse than seasonal naive on 3 or
    # more series (25 %), but 3 of 12 is what a model at the 15 % limit often shows
    median = ("median", ("stl_ets", "arima", "lightgbm"))
    scores = {NAIVE: 1.311, median: 1.159, ETS: 1.902}
    worse = {NAIVE: 0.0, median: 0.25, ETS: 0.67}
    assert choose(scores, worse, "W", series=12) == median
    # 5 of 12 is clearly over the limit: seasonal naive is served
    worse[median] = 5 / 12
    assert choose(scores, worse, "W", series=12) == NAIVE


def test_a_model_within_the_naive_limit_is_preferred_to_one_merely_not_clearly_over_it() -> None:
    scores = {NAIVE: 1.3, ETS: 1.2, PAIR: 1.0}
    worse = {NAIVE: 0.0, ETS: 0.10, PAIR: 0.25}
    assert choose(scores, worse, "W", series=12) == ETS


def test_a_share_is_judged_by_how_many_series_or_windows_it_was_counted_on() -> None:
    from forecast.engine.auto import clearly_above_limit

    assert not clearly_above_limit(4 / 12, 12)
    assert clearly_above_limit(5 / 12, 12)
    # the same 25 % over 120 windows is clear
    assert not clearly_above_limit(0.25, 12)
    assert clearly_above_limit(0.25, 120)
    scores = {NAIVE: 1.3, PAIR: 1.0}
    worse = {NAIVE: 0.0, PAIR: 0.25}
    assert choose(scores, worse, "W", series=40, units=40) == PAIR
    assert choose(scores, worse, "W", series=40, units=120) == NAIVE
