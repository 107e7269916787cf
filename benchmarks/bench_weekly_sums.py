"""Weekly sales summed by quarter: the engine's reading of weekly sums (``engine/period_weeks``)
on and off, on Walmart's 45 stores.

The weekly file is summed by quarter as ``forecast ingest --freq Q`` does (the first and last
quarters, only partly covered, are left out: 10 full quarters, 2010Q2 to 2012Q3). The last
``--horizon`` quarters are held out; each model forecasts them from the quarters before, with
the reading as the product runs it, and with it switched off (``weekly_sums_of`` returning None:
the quarters as given). MASE is scaled by each store's mean year-on-year change in its history.

    .venv/bin/python benchmarks/bench_weekly_sums.py --data-dir ../shared/data/real --horizon 1,2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from forecast.engine import baseline, period_weeks  # noqa: E402
from forecast.engine.ingest import read_sales  # noqa: E402

MODELS = ("snaive", "ets", "auto")


def quarterly(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "walmart" / "walmart_store_sales.csv"
    frame = read_sales(path, value_col="Weekly_Sales", freq="Q").history[["unique_id", "ds", "y"]]
    print(
        f"{path.name} by quarter: {frame['ds'].nunique()} quarters x {frame['unique_id'].nunique()} stores"
    )
    print(f"read as: {period_weeks.weekly_sums_of(frame, 'Q')}")
    return frame


def score(out: pd.DataFrame, history: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    both = out.merge(test, on=["unique_id", "ds"])
    scale = history.groupby("unique_id")["y"].apply(
        lambda y: float(np.mean(np.abs(y.to_numpy()[4:] - y.to_numpy()[:-4])))
    )
    error = (both["baseline"] - both["y"]).abs()
    inside = (both["y"] >= both["baseline-lo-80"]) & (both["y"] <= both["baseline-hi-80"])
    return {
        "mase": float((error.groupby(both["unique_id"]).mean() / scale).mean()),
        "wape": float(error.sum() / both["y"].sum()),
        "cov80": float(inside.mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--horizon", default="1,2", help="quarters held out, comma-separated")
    args = parser.parse_args()
    frame = quarterly(args.data_dir)
    reading = period_weeks.weekly_sums_of
    print("| held out | model | reading | MASE | WAPE | coverage 80 | model column |")
    print("|---|---|---|---|---|---|---|")
    for horizon in (int(h) for h in args.horizon.split(",")):
        held_out = sorted(frame["ds"].unique())[-horizon:]
        history = frame[~frame["ds"].isin(held_out)]
        test = frame[frame["ds"].isin(held_out)]
        for model in MODELS:
            for on in (False, True):
                baseline.period_weeks.weekly_sums_of = reading if on else (lambda *a, **k: None)  # type: ignore[assignment]
                try:
                    out = baseline.forecast_baseline(
                        history, horizon, freq="QS", model=model, levels=(80,), jobs=1
                    )
                finally:
                    baseline.period_weeks.weekly_sums_of = reading  # type: ignore[assignment]
                s = score(out, history, test)
                print(
                    f"| {horizon} | {model} | {'on' if on else 'off'} | {s['mase']:.3f} | "
                    f"{s['wape']:.3f} | {s['cov80']:.2f} | {out['model'].iloc[0]} |"
                )


if __name__ == "__main__":
    main()
