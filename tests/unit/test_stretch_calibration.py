"""The calibrated stretch: rolling-origin misses of team totals, a t predictive, a clear fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.engine import stretch as st


def _totals(weeks: int, growth: float = 0.0, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2020-01-03", periods=weeks, freq="W-FRI")
    season = 100 + 20 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    trend = (1 + growth) ** (np.arange(weeks) / 52)
    a = season * trend * np.exp(rng.normal(0, noise, weeks))
    b = 2 * season * trend * np.exp(rng.normal(0, noise, weeks))
    return pd.DataFrame({"a": a, "b": b}, index=ds)


def test_windows_step_back_from_the_end_by_the_horizon() -> None:
    cal = st.calibrate(_totals(52 + 6 * 13), 13, "W-FRI", model="snaive")
    assert cal.windows == 6
    assert set(cal.log_ratios) == {"a", "b", "TOTAL"}
    assert cal.rests_on().startswith("from 6 past 13-week windows")


def test_a_perfect_seasonal_history_has_no_misses() -> None:
    cal = st.calibrate(_totals(52 + 4 * 13), 13, "W-FRI", model="snaive")
    assert all(abs(x) < 1e-12 for v in cal.log_ratios.values() for x in v)
    assert st.reach_probability(cal, "a", 1000.0, 990.0) == pytest.approx(1.0)
    assert st.reach_probability(cal, "a", 1000.0, 1010.0) == pytest.approx(0.0, abs=1e-9)


def test_steady_growth_shows_up_as_the_model_bias() -> None:
    # Seasonal naive misses 10 % a year of growth by about 10 %: reaching +5 % is likely,
    # +20 % is not.
    cal = st.calibrate(_totals(52 * 3, growth=0.10, noise=0.01), 13, "W-FRI", model="snaive")
    mean = float(np.mean(cal.log_ratios["a"]))
    assert mean == pytest.approx(math.log(1.10), abs=0.02)
    assert st.reach_probability(cal, "a", 1000.0, 1050.0) > 0.8
    assert st.reach_probability(cal, "a", 1000.0, 1200.0) < 0.2


def test_probability_falls_as_the_target_rises() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=3), 13, "W-FRI", model="snaive")
    probs = [st.reach_probability(cal, "b", 1000.0, 1000.0 * (1 + u)) for u in (0, 0.02, 0.05, 0.1)]
    assert all(p is not None for p in probs)
    assert probs == sorted(probs, reverse=True)
    assert 0 < probs[-1] < probs[0] < 1


def test_too_short_a_history_is_not_calibrated_and_says_why() -> None:
    cal = st.calibrate(_totals(52 + 2 * 13), 13, "W-FRI", model="snaive")
    assert not cal.usable
    assert st.reach_probability(cal, "a", 1000.0, 1000.0) is None
    assert "Not calibrated" in cal.rests_on() and "2 past 13-week" in cal.rests_on()


def test_apply_calibration_replaces_the_probability_and_keeps_the_fallback_for_unknown_teams() -> (
    None
):
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=1), 13, "W-FRI", model="snaive")
    table = pd.DataFrame(
        {
            "team": ["a", "zz"],
            "target": [1050.0, 10.0],
            "expected": [1000.0, 10.0],
            "probability_reach": [0.123, 0.5],
        }
    )
    out = st.apply_calibration(table, cal)
    assert out.loc[0, "probability_reach"] == pytest.approx(
        st.reach_probability(cal, "a", 1000.0, 1050.0)
    )
    assert bool(out.loc[0, "calibrated"]) and not bool(out.loc[1, "calibrated"])
    assert out.loc[1, "probability_reach"] == 0.5


def test_calibration_survives_the_plan_document_round_trip() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05), 13, "W-FRI", model="snaive")
    assert st.StretchCalibration.from_dict(cal.to_dict()) == cal


def test_expensive_plan_models_are_calibrated_with_seasonal_naive() -> None:
    assert st.calibration_model("auto") == "snaive"
    assert st.calibration_model("prophet") == "snaive"
    assert st.calibration_model("ets") == "snaive"
    assert st.calibration_model("naive") == "naive"
