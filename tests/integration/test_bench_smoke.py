"""Smoke test of the engine benchmark harness (benchmarks/bench_engine.py) on 3 generated series.

Real fits, no timing assertions: the harness must produce its result table with the expected
columns, score every held-out period, and agree with itself on what seasonal naive scores.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from benchmarks.bench_engine import SUMMARY_COLUMNS, evaluate_targets, run_suite, select_models
from benchmarks.engine_data import load_synthetic
from benchmarks.engine_metrics import score_series, seasonal_naive_scale
from benchmarks.engine_models import ours_status, statsforecast_status

SCORE_COLUMNS = {"unique_id", "mase", "wape", "bias", "n_scored", "suite", "key"}


@pytest.fixture(scope="module")
def suite():
    return load_synthetic(n_series=3)


def test_generated_suite_holds_out_thirteen_weeks_of_156(suite) -> None:
    sizes = suite.history.groupby("unique_id").size()
    assert list(sizes) == [156, 156, 156]
    assert list(suite.actuals.groupby("unique_id").size()) == [13, 13, 13]
    assert suite.history["ds"].max() < suite.actuals["ds"].min()


def test_mase_is_scaled_by_in_sample_seasonal_naive_error() -> None:
    ds = pd.date_range("2024-01-01", periods=6, freq="D")
    history = pd.DataFrame({"unique_id": "a", "ds": ds[:4], "y": [1.0, 3.0, 2.0, 6.0]})
    actuals = pd.DataFrame({"unique_id": "a", "ds": ds[4:], "y": [4.0, 4.0]})
    forecast = pd.DataFrame({"unique_id": "a", "ds": ds[4:], "yhat": [5.0, 2.0]})
    scale = seasonal_naive_scale(history, season=2)  # |2-1|, |6-3| -> 2.0
    scores = score_series(actuals, forecast, scale).set_index("unique_id")
    assert scale["a"] == 2.0
    assert scores.loc["a", "mase"] == pytest.approx(1.5 / 2.0)
    assert scores.loc["a", "wape"] == pytest.approx(3.0 / 8.0)
    assert scores.loc["a", "bias"] == pytest.approx(-1.0 / 8.0)


def test_harness_scores_ours_and_seasonal_naive(suite) -> None:
    why = ours_status()
    if why:
        pytest.skip(f"our engine is not importable yet: {why}")
    chosen = select_models("ours_auto,ours_snaive", suite)
    summary, scores = run_suite(suite, chosen, jobs=1, sampler=None, log=print)

    assert list(summary.columns) == SUMMARY_COLUMNS
    assert list(summary["key"]) == ["reference", "ours_auto", "ours_snaive"]
    assert (summary["status"] == "ok").all(), summary[["key", "status"]]
    assert set(scores.columns) == SCORE_COLUMNS
    ours = summary[summary["family"] == "ours"]
    assert ours["mase"].map(math.isfinite).all()
    assert (ours["wall_s"] > 0).all()
    assert (ours["worse_than_snaive"].between(0, 1)).all()
    # every held-out week got a forecast on the data's own Friday calendar
    assert (scores["n_scored"] == suite.horizon).all()
    assert set(summary.loc[summary["key"] == "ours_auto", "served"].iloc[0].split()) != set()

    targets = evaluate_targets(summary)
    verdicts = {target: verdict for target, _, verdict in targets}
    assert any(t.startswith("synthetic (3 series): auto under 60 s") for t in verdicts)
    assert set(verdicts.values()) <= {"met", "not met", "n/a (not measured)", ""}


def test_statsforecast_seasonal_naive_matches_the_reference(suite) -> None:
    why = statsforecast_status()
    if why:
        pytest.skip(f"peer part skipped: {why}")
    summary, _ = run_suite(suite, select_models("sf_snaive", suite), jobs=1, log=print)
    ref, peer = summary.set_index("key").loc[["reference", "sf_snaive"], "mase"]
    assert peer == pytest.approx(ref)
    assert summary.set_index("key").loc["sf_snaive", "worse_than_snaive"] == 0.0
