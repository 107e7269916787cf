"""auto's guards: strategies worse than seasonal naive on many series passed over (the
intervals' calibration on the backtest windows: test_interval_calibration.py)."""

from __future__ import annotations

from forecast.engine.auto import _worse_than_naive


def test_share_of_series_worse_than_seasonal_naive_is_counted_per_strategy() -> None:
    naive = ("single", ("snaive",))
    ets = ("single", ("ets",))
    per_series = {naive: {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0}, ets: {0: 0.5, 1: 1.2, 2: 0.9, 3: 0.8}}
    worse = _worse_than_naive(per_series)
    assert worse[ets] == 0.25
    assert worse[naive] == 0.0


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
