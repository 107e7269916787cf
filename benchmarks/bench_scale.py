"""Speed at scale: generated weekly series against statsforecast AutoETS, Dask workers, and
the sample plan.

- ``speed``: N generated weekly series (engine_data.load_synthetic), ours ``auto`` (global
  model included) with ``jobs`` workers against statsforecast AutoETS(52) with ``n_jobs=jobs``
  (in the peers venv, peers_venv.sh); wall and CPU seconds and the ratio.
- ``dask``: series per second of ours ``auto`` on a distributed.LocalCluster with 1 and with 2
  worker processes (one thread each), and the same numbers as the local runner checked.
- ``dask-scale`` (``scale_dask.py``): 10,000 and 100,000 generated weekly series
  (``--scale-series``) with a cheap model each (``--scale-models``, default ETS and seasonal
  naive) on a ``dask scheduler`` + ``dask worker`` cluster of 1 and 2 worker processes, after
  the local serial runner on the same input: series per second, per-series wall and CPU cost,
  peak memory per kind of process (client, scheduler, workers), same frame, scaling.
- ``plan``: the sample plan (100 Rossmann stores, weekly, ``auto``) as ``forecast demo
  --no-serve`` creates it, in a fresh data directory: wall and CPU seconds.

    .venv/bin/python benchmarks/bench_scale.py --what speed,dask,plan --series 1000 --jobs 2

Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks.bench_accuracy import PEERS_VENV, cpu_seconds  # noqa: E402
from benchmarks.engine_data import load_synthetic  # noqa: E402


def ours(history: pd.DataFrame, horizon: int, jobs: int, runner=None) -> pd.DataFrame:
    from forecast.engine.baseline import forecast_baseline

    return forecast_baseline(history, horizon, freq="W", model="auto", jobs=jobs, runner=runner)


def speed(series: int, jobs: int) -> list[str]:
    suite = load_synthetic(series)
    lines = []
    t0, c0 = time.perf_counter(), cpu_seconds()
    fc = ours(suite.history, suite.horizon, jobs)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    served = fc.drop_duplicates("unique_id")["model"].value_counts().head(2).to_dict()
    lines.append(
        f"ours auto, {series} weekly series, jobs={jobs}: {wall:.1f} s wall, {cpu:.1f} s CPU ({served})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "h.parquet", Path(tmp) / "f.parquet"
        suite.history[["unique_id", "ds", "y"]].to_parquet(inp, index=False)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        t0 = time.perf_counter()
        subprocess.run(
            [
                str(PEERS_VENV / "bin" / "python"),
                str(ROOT / "benchmarks" / "peers_statsforecast.py"),
            ]
            + [str(inp), str(out), "--horizon", str(suite.horizon), "--freq", suite.freq]
            + ["--season", "52", "--jobs", str(jobs), "--models", "AutoETS"],
            check=True,
            env=env,
        )
        sf_wall = time.perf_counter() - t0
    lines.append(
        f"statsforecast AutoETS(52), n_jobs={jobs}: {sf_wall:.1f} s wall (incl. its start-up); "
        f"AutoETS / ours = {sf_wall / wall:.2f} (target >= 2)"
    )
    return lines


def dask(series: int) -> list[str]:
    from distributed import LocalCluster

    from forecast.engine.dask_runner import DaskRunner

    suite = load_synthetic(series)
    lines = []
    local = ours(suite.history, suite.horizon, 1)
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            DaskRunner(cluster.scheduler_address) as runner,
        ):
            runner.map(abs, [1])  # workers warm
            t0 = time.perf_counter()
            fc = ours(suite.history, suite.horizon, 1, runner=runner)
            wall = time.perf_counter() - t0
        same = np.allclose(fc["baseline"].to_numpy(), local["baseline"].to_numpy())
        lines.append(
            f"dask {workers} worker(s): {series} series in {wall:.1f} s = {series / wall:.1f} "
            f"series/s; same numbers as the local runner: {same}"
        )
    return lines


def _tree_cpu() -> float:
    """CPU seconds of this process and all its live and finished children (the workers)."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    t = os.times()
    return total + t.children_user + t.children_system


def plan() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FORECAST_DATA_DIR": tmp, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
        t0, c0 = time.perf_counter(), cpu_seconds()
        subprocess.run(
            [sys.executable, "-c", "from forecast.cli import main; main()"]
            + ["demo", "--no-serve", "--data-dir", tmp],
            check=True,
            env=env,
            cwd=ROOT,
        )
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return [
        f"sample plan (forecast demo --no-serve): {wall:.1f} s wall, {cpu:.1f} s CPU (target < 30 s)"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--what", default="speed,dask,plan")
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--scale-series", default="10000,100000", help="sizes for dask-scale")
    parser.add_argument("--scale-workers", default="1,2", help="worker processes for dask-scale")
    parser.add_argument(
        "--scale-models",
        default="ets,snaive",
        help="the model of each dask-scale size (auto's selection and ETS cost tens of ms a "
        "series: minutes per worker count at 10,000)",
    )
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    lines: list[str] = [f"load average at start: {os.getloadavg()[0]:.1f}"]
    for what in args.what.split(","):
        if what == "speed":
            lines += speed(args.series, args.jobs)
        elif what == "dask":
            lines += dask(args.series)
        elif what == "dask-scale":
            from benchmarks.scale_dask import dask_scale

            lines += dask_scale(
                [int(n) for n in args.scale_series.split(",")],
                args.scale_models.split(","),
                [int(n) for n in args.scale_workers.split(",")],
            )
        elif what == "plan":
            lines += plan()
        print("\n".join(lines), flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(f"- {line}" for line in lines) + "\n")


if __name__ == "__main__":
    main()
