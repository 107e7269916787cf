"""`forecast baseline --model auto` says how its intervals were made: calibrated on auto's
backtest windows, or the models' own where the windows are too few (real fits: slow)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("horizon", "said"),
    [
        # one monthly series, three windows of a year: 36 window periods
        (12, "intervals: calibrated on 36 window periods from 3 windows"),
        # three windows of six months: 18, fewer than the 20 needed
        (6, "intervals: parametric intervals: 18 window periods from 3 windows, fewer than"),
    ],
)
def test_auto_baseline_says_how_its_intervals_were_made(
    retail_monthly, tmp_path, horizon: int, said: str
) -> None:
    out = tmp_path / "baseline.csv"
    result = CliRunner().invoke(
        app, ["baseline", str(retail_monthly), "--horizon", str(horizon), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert said in result.output
    frame = pd.read_csv(out)
    assert (frame["baseline-lo-80"] <= frame["baseline"]).all()
    assert (frame["baseline"] <= frame["baseline-hi-80"]).all()
