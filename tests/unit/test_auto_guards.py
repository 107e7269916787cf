"""auto's guards: strategies worse than seasonal naive on many series passed over (the
intervals' calibration on the backtest windows: test_interval_calibration.py)."""

from __future__ import annotations

import pytest

from forecast.engine.auto import FEW_SERIES, _worse_than_naive, worse_shares


def test_share_of_series_worse_than_seasonal_naive_is_counted_per_strategy() -> None:
    naive = ("single", ("snaive",))
    ets = ("single", ("ets",))
    per_series = {naive: {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0}, ets: {0: 0.5, 1: 1.2, 2: 0.9, 3: 0.8}}
    worse = _worse_than_naive(per_series)
    assert worse[ets] == 0.25
    assert worse[naive] == 0.0


def test_with_many_series_a_window_lost_to_seasonal_naive_counts_though_the_mean_wins() -> None:
    # two windows per series: the pair wins the first window by far on every series and loses
    # the second on a third of them, so its series' means all beat seasonal naive
    naive = ("single", ("snaive",))
    pair = ("mean", ("fourier_ets", "prophet"))
    series = 30
    per_window = {naive: {}, pair: {}}
    for i in range(series):
        per_window[naive].update({2 * i: 1.0, 2 * i + 1: 1.0})
        per_window[pair].update({2 * i: 0.5, 2 * i + 1: 1.2 if i % 3 == 0 else 0.9})
    per_series = {
        s: {i: (v[2 * i] + v[2 * i + 1]) / 2 for i in range(series)} for s, v in per_window.items()
    }
    worse = worse_shares(per_window, per_series, series)
    assert worse[pair] == pytest.approx(10 / 60)  # 10 of 60 horizons, over the 15 % guard
    assert worse[naive] == 0.0
    assert _worse_than_naive(per_series)[pair] == 0.0
    # with few series one window would weigh too much: each series' mean counts
    few = FEW_SERIES - 1
    assert worse_shares(per_window, per_series, few) == _worse_than_naive(per_series)


def test_few_monthly_series_keep_the_prior_unless_a_pick_clearly_beats_it() -> None:
    from forecast.engine.auto import PRIOR, _prefer_prior

    prior = PRIOR["M"]
    theta = ("single", ("theta",))
    assert _prefer_prior(theta, {theta: 0.98, prior: 1.0}, "M", series=3) == prior
    assert _prefer_prior(theta, {theta: 0.90, prior: 1.0}, "M", series=3) == theta
    assert _prefer_prior(theta, {theta: 0.98, prior: 1.0}, "M", series=40) == theta
    assert _prefer_prior(theta, {theta: 0.98, prior: 1.0}, "W", series=3) == theta


def test_seasonal_naive_enters_monthly_combinations_only_alone() -> None:
    from forecast.engine.auto import _strategies

    monthly = _strategies(("ets", "theta", "snaive"), "M")
    weekly = _strategies(("ets", "theta", "snaive"), "W")
    assert ("single", ("snaive",)) in monthly
    assert not any("snaive" in members for _, members in monthly if len(members) > 1)
    assert ("mean", ("ets", "snaive")) in weekly


def test_four_and_five_fitted_members_are_combined_too_without_seasonal_naive() -> None:
    from forecast.engine.auto import _strategies

    members = ("ets", "stl_ets", "theta", "prophet", "lightgbm", "snaive")
    weekly = _strategies(members, "W")
    assert ("median", ("ets", "stl_ets", "prophet", "lightgbm")) in weekly
    assert ("mean", ("ets", "stl_ets", "theta", "prophet", "lightgbm")) in weekly
    larger = [m for _, m in weekly if len(m) > 3]
    # C(5, 4) + C(5, 5) member sets, each as a mean and a median; none with seasonal naive
    assert len(larger) == 2 * (5 + 1) and not any("snaive" in m for m in larger)
    assert len(set(weekly)) == len(weekly)
