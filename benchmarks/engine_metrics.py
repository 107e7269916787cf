"""Accuracy metrics and memory sampling for bench_engine.

Per series: MASE (mean absolute error over the horizon divided by the in-sample MAE of the
seasonal-naive forecast, season 52 weekly / 7 daily; season 1 when the history is too short),
WAPE (sum |error| / sum |actual|) and bias (sum (forecast - actual) / sum |actual|, positive means
over-forecast). Set figures are plain means over the series.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd

SCORE_COLUMNS = ["unique_id", "mase", "wape", "bias", "n_scored"]


def seasonal_naive_scale(history: pd.DataFrame, season: int) -> pd.Series:
    """In-sample MAE of the seasonal-naive forecast per series (NaN when it is 0)."""
    scales = {}
    for uid, grp in history.groupby("unique_id", sort=False):
        y = grp.sort_values("ds")["y"].to_numpy(dtype=float)
        m = season if len(y) > season else 1
        diffs = np.abs(y[m:] - y[:-m]) if len(y) > m else np.array([np.nan])
        scale = float(np.mean(diffs))
        scales[uid] = scale if scale > 0 else np.nan
    return pd.Series(scales, name="scale")


def reference_seasonal_naive(
    history: pd.DataFrame, horizon: int, season: int, freq: str
) -> pd.DataFrame:
    """The last season repeated: the floor every model is compared with (numpy, no library)."""
    rows = []
    for uid, grp in history.groupby("unique_id", sort=False):
        grp = grp.sort_values("ds")
        y = grp["y"].to_numpy(dtype=float)
        m = season if len(y) >= season else 1
        last = y[-m:]
        yhat = np.resize(last, horizon) if m > 1 else np.full(horizon, y[-1])
        ds = pd.date_range(grp["ds"].iloc[-1], periods=horizon + 1, freq=freq)[1:]
        rows.append(pd.DataFrame({"unique_id": uid, "ds": ds, "yhat": yhat}))
    return pd.concat(rows, ignore_index=True)


def score_series(actuals: pd.DataFrame, forecast: pd.DataFrame, scale: pd.Series) -> pd.DataFrame:
    """MASE, WAPE and bias per series. ``forecast`` has unique_id, ds, yhat.

    A series whose forecast misses some held-out periods is scored on the ones present; one
    with no matching forecast at all gets NaN (and counts as missing in the summary)."""
    merged = actuals.merge(
        forecast[["unique_id", "ds", "yhat"]], on=["unique_id", "ds"], how="left"
    )
    merged["abs_err"] = (merged["yhat"] - merged["y"]).abs()
    merged["err"] = merged["yhat"] - merged["y"]
    merged["abs_y"] = merged["y"].abs()
    scored = merged.dropna(subset=["yhat"])
    grouped = scored.groupby("unique_id", sort=False)
    out = pd.DataFrame(
        {
            "mae": grouped["abs_err"].mean(),
            "sum_abs_err": grouped["abs_err"].sum(),
            "sum_err": grouped["err"].sum(),
            "sum_abs_y": grouped["abs_y"].sum(),
            "n_scored": grouped.size(),
        }
    )
    out = out.reindex(actuals["unique_id"].unique())
    out["n_scored"] = out["n_scored"].fillna(0).astype(int)
    out["mase"] = out["mae"] / scale.reindex(out.index)
    denom = out["sum_abs_y"].where(out["sum_abs_y"] > 0)
    out["wape"] = out["sum_abs_err"] / denom
    out["bias"] = out["sum_err"] / denom
    out = out.rename_axis("unique_id").reset_index()
    return out[SCORE_COLUMNS]


def summarise_scores(scores: pd.DataFrame, reference: pd.DataFrame | None) -> dict[str, float]:
    """Mean MASE/WAPE/bias over series, and the share of series worse than the reference."""
    summary = {
        "mase": float(scores["mase"].mean()),
        "wape": float(scores["wape"].mean()),
        "bias": float(scores["bias"].mean()),
        "series_missing": int((scores["n_scored"] == 0).sum()),
    }
    if reference is not None:
        both = scores.merge(reference[["unique_id", "mase"]], on="unique_id", suffixes=("", "_ref"))
        both = both.dropna(subset=["mase", "mase_ref"])
        summary["worse_than_snaive"] = (
            float((both["mase"] > both["mase_ref"] + 1e-12).mean()) if len(both) else float("nan")
        )
    return summary


_SAMPLER_CODE = r"""
import select, sys, psutil
root = psutil.Process(int(sys.argv[1]))
me = psutil.Process().pid
peak = 0
def tree_rss():
    total = 0
    try:
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        if p.pid == me:
            continue
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total
while True:
    peak = max(peak, tree_rss())
    ready, _, _ = select.select([sys.stdin], [], [], 0.1)
    if ready:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            break
        peak = max(peak, tree_rss())
        print(peak, flush=True)
        peak = 0
"""


class RssSampler:
    """Peak resident memory of this process plus all its children, sampled every 0.1 s.

    The sampler is a separate process (not a thread) so that fork-based pools in the measured
    code never fork while a sampling thread holds a lock. ``take()`` returns the peak in bytes
    since the previous ``take()`` (or start) and starts a new window."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        try:
            import psutil  # noqa: F401
        except ImportError:
            return
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SAMPLER_CODE, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    @property
    def available(self) -> bool:
        return self._proc is not None

    def take(self) -> float:
        if self._proc is None or self._proc.stdin is None or self._proc.stdout is None:
            return float("nan")
        self._proc.stdin.write("take\n")
        self._proc.stdin.flush()
        return float(self._proc.stdout.readline().strip() or "nan")

    def close(self) -> None:
        if self._proc is not None and self._proc.stdin is not None:
            try:
                self._proc.stdin.write("quit\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            self._proc.wait(timeout=5)
            self._proc = None


def resource_peak_mb() -> tuple[float, float]:
    """Lifetime max RSS (MB) of this process and of its largest waited-for child (getrusage)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return own, child
