"""Real fits on the shipped real data: auto beats seasonal naive over a holdout.

Each check reads the shipped file through ingest, holds out the last periods, forecasts them
with seasonal naive and with ``auto`` (future flags such as the promotion calendar are known in
advance, as planners know them), and compares mean MASE over the series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.engine.baseline import forecast_baseline
from forecast.engine.ingest import read_sales
from forecast.engine.metrics import mase, mase_scale

pytestmark = pytest.mark.slow


def store_subset(source: Path, stores: int, target: Path) -> Path:
    frame = pd.read_csv(source, low_memory=False)
    keep = sorted(frame["Store"].unique())[:stores]
    frame[frame["Store"].isin(keep)].to_csv(target, index=False)
    return target


def holdout_mase(history: pd.DataFrame, horizon: int, season: int, freq: str, model: str) -> float:
    position = history.groupby("unique_id").cumcount(ascending=False)
    train, test = history[position >= horizon], history[position < horizon]
    fc = forecast_baseline(
        train, horizon, freq=freq, model=model, future=test.drop(columns="y"), levels=(80,)
    )
    scores = []
    for uid, actual in test.groupby("unique_id"):
        forecast = fc.loc[fc["unique_id"] == uid].sort_values("ds")["baseline"].to_numpy()
        scale = mase_scale(train.loc[train["unique_id"] == uid, "y"].to_numpy(), season)
        scores.append(mase(actual.sort_values("ds")["y"].to_numpy(), forecast, scale))
    return float(np.nanmean(scores))


def test_auto_beats_seasonal_naive_on_rossmann_weekly(rossmann_train, tmp_path) -> None:
    subset = store_subset(rossmann_train, 6, tmp_path / "rossmann6.csv")
    result = read_sales(subset, freq="W")
    history = result.history  # ingest leaves out the partial first and last weeks
    naive = holdout_mase(history, 13, 52, result.freq, "snaive")
    auto = holdout_mase(history, 13, 52, result.freq, "auto")
    assert auto < naive * 0.9, f"auto MASE {auto:.3f} vs seasonal naive {naive:.3f}"


def test_auto_beats_seasonal_naive_on_rossmann_daily(rossmann_train, tmp_path) -> None:
    subset = store_subset(rossmann_train, 4, tmp_path / "rossmann4.csv")
    result = read_sales(subset)
    naive = holdout_mase(result.history, 28, 7, result.freq, "snaive")
    auto = holdout_mase(result.history, 28, 7, result.freq, "auto")
    assert auto < naive * 0.9, f"auto MASE {auto:.3f} vs seasonal naive {naive:.3f}"


def test_auto_beats_seasonal_naive_on_monthly_retail(retail_monthly) -> None:
    result = read_sales(retail_monthly)
    naive = holdout_mase(result.history, 12, 12, result.freq, "snaive")
    auto = holdout_mase(result.history, 12, 12, result.freq, "auto")
    assert auto < naive, f"auto MASE {auto:.3f} vs seasonal naive {naive:.3f}"
