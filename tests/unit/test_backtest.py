"""Rolling-origin backtest: metric definitions, windows, models incl. auto, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.backtest import backtest, summarise
from forecast.engine.metrics import mase, mase_scale
from forecast.schema import SchemaError


def history(n: int = 60, noise: float = 1.0, ids: tuple[str, ...] = ("a", "b")) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frames = []
    for k, uid in enumerate(ids):
        t = np.arange(n)
        y = 40 + 10 * k + 10 * np.sin(2 * np.pi * t / 12) + noise * rng.normal(0, 1, n)
        ds = pd.date_range("2018-01-01", periods=n, freq="MS")
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_mase_scale_is_the_in_sample_seasonal_naive_error() -> None:
    y = np.r_[np.arange(12.0), np.arange(12.0) + 2]
    assert mase_scale(y, 12) == pytest.approx(2.0)
    # shorter than two seasons: naive scale
    assert mase_scale(np.array([1.0, 3.0, 6.0]), 12) == pytest.approx(2.5)
    assert np.isnan(mase_scale(np.full(30, 4.0), 12))
    assert mase(np.array([3.0, 5.0]), np.array([4.0, 4.0]), 2.0) == pytest.approx(0.5)


def test_summarise_computes_wape_and_bias_over_windows() -> None:
    detail = pd.DataFrame(
        {
            "unique_id": ["a", "a", "b"],
            "model": ["m", "m", "m"],
            "window": [0, 1, 0],
            "mase": [1.0, 0.5, 2.0],
            "abs_err": [10.0, 30.0, 5.0],
            "err": [10.0, -30.0, 5.0],
            "abs_y": [100.0, 100.0, 50.0],
        }
    )
    by_series, overall = summarise(detail)
    a = by_series.set_index("unique_id").loc["a"]
    assert a["mase"] == pytest.approx(0.75)
    assert a["wape"] == pytest.approx(0.2)
    assert a["bias"] == pytest.approx(-0.1)
    assert a["windows"] == 2
    row = overall.iloc[0]
    assert row["mase"] == pytest.approx((0.75 + 2.0) / 2)
    assert row["wape"] == pytest.approx(45 / 250)
    assert row["bias"] == pytest.approx(-15 / 250)
    assert row["series"] == 2


def test_seasonal_naive_is_perfect_on_a_pure_season() -> None:
    exact = history(noise=0.0)
    by_series, overall = backtest(exact, 6, windows=2, models=("snaive",))
    assert overall.loc[0, "mase"] == pytest.approx(0.0, abs=1e-9)
    assert (by_series["windows"] == 2).all()


@pytest.mark.slow  # real model fits
def test_backtest_reports_every_model_and_auto_per_series_and_overall() -> None:
    by_series, overall = backtest(history(), 6, windows=2, models=("snaive", "ets", "auto"))
    assert list(by_series.columns) == ["unique_id", "model", "mase", "wape", "bias", "windows"]
    assert list(overall.columns) == ["model", "mase", "wape", "bias", "series"]
    assert set(overall["model"]) == {"snaive", "ets", "auto"}
    assert len(by_series) == 2 * 3
    assert overall["mase"].is_monotonic_increasing
    assert np.isfinite(overall[["mase", "wape", "bias"]].to_numpy()).all()


def test_windows_step_back_by_the_horizon() -> None:
    # a level shift inside the last window makes later windows worse for seasonal naive
    data = history(noise=0.0, ids=("a",))
    data.loc[data.index[-3:], "y"] += 100
    one, _ = backtest(data, 3, windows=1, models=("snaive",))
    two, _ = backtest(data, 3, windows=2, models=("snaive",))
    assert one.loc[0, "mase"] > 0
    assert two.loc[0, "mase"] == pytest.approx(one.loc[0, "mase"] / 2)


def test_series_too_short_for_any_window_is_refused_clearly() -> None:
    with pytest.raises(SchemaError, match="long enough"):
        backtest(history(n=5, ids=("a",)), 6, windows=1, models=("snaive",))


def test_unknown_model_and_bad_windows_are_refused() -> None:
    with pytest.raises(SchemaError, match="unknown model"):
        backtest(history(), 3, models=("lstm",))
    with pytest.raises(SchemaError, match="windows"):
        backtest(history(), 3, windows=0)
