"""Ingest speed: `read_sales` (read + validate + regularise) against a bare `pandas.read_csv`.

Generates a long CSV (unique_id, ds, y, promo) in a temporary folder, times both on the same file
in the same run, and prints the figures and the ratio (target: within 4x). Asserts nothing.

    .venv/bin/python benchmarks/bench_ingest.py [--rows 1000000] [--repeat 3] [--future 28]

``--future N`` adds N days of planned promo rows (sales empty) after each series' last sale,
read with ``future_rows=True`` (as a plan's sales file is).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from forecast.engine.ingest import read_sales  # noqa: E402


def make_file(path: Path, rows: int, seed: int = 7, future: int = 0) -> tuple[int, int]:
    """A daily panel of `rows` rows: about 1,000 series with a few gaps to fill, then `future`
    days of planned promo rows (sales empty) per series."""
    rng = np.random.default_rng(seed)
    days = 1000 if rows >= 100_000 else max(10, rows // 100)
    n_series = max(1, -(-rows // days))
    ids = np.repeat([f"store_{i:04d}" for i in range(n_series)], days)[:rows]
    ds = np.tile(pd.date_range("2021-01-01", periods=days).strftime("%Y-%m-%d"), n_series)[:rows]
    y = rng.gamma(2.0, 50.0, rows).round(2)
    promo = (rng.random(rows) < 0.2).astype(int)
    frame = pd.DataFrame({"unique_id": ids, "ds": ds, "y": y, "promo": promo})
    frame = frame.drop(index=rng.choice(rows, size=rows // 1000, replace=False))  # gaps
    if future:
        last = pd.Timestamp("2021-01-01") + pd.Timedelta(days=days - 1)
        ahead = pd.date_range(last + pd.Timedelta(days=1), periods=future).strftime("%Y-%m-%d")
        planned = pd.DataFrame(
            {
                "unique_id": np.repeat(frame["unique_id"].unique(), future),
                "ds": np.tile(ahead, frame["unique_id"].nunique()),
                "y": np.nan,
                "promo": (rng.random(future * frame["unique_id"].nunique()) < 0.2).astype(int),
            }
        )
        frame = pd.concat([frame, planned], ignore_index=True)
    frame.to_csv(path, index=False)
    return len(frame), n_series


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of each")
    parser.add_argument("--future", type=int, default=0, help="days of planned rows per series")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.csv"
        rows, n_series = make_file(path, args.rows, future=args.future)
        size_mb = path.stat().st_size / 1e6
        print(f"file: {rows:,} rows, {n_series:,} series, {size_mb:.1f} MB")
        bare, frame = best_of(args.repeat, lambda: pd.read_csv(path))
        ours, result = best_of(args.repeat, lambda: read_sales(path, future_rows=args.future > 0))
        assert isinstance(frame, pd.DataFrame)
        print(f"pandas.read_csv:  {bare:7.3f} s  ({len(frame):,} rows)")
        print(
            f"read_sales:       {ours:7.3f} s  ({len(result.history):,} rows on the calendar, "
            f"{result.report.missing_periods_filled:,} gaps filled, freq {result.freq}, "
            f"flags {result.flags})"
        )
        if result.future is not None:
            print(f"future rows:      {len(result.future):,} planned flag rows")
        print(f"ratio:            {ours / bare:7.2f} x  (target: 4x or less)")


if __name__ == "__main__":
    main()
