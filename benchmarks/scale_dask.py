"""``bench_scale.py --what dask-scale``: memory and speed of the Dask runner at 10,000 and
100,000 generated weekly series, per kind of process.

The cluster is started as a user starts one (``dask scheduler`` and ``dask worker
--nworkers N --nthreads 1``, separate processes), so the peak resident memory is sampled for
each kind apart: the client (this process: the history it was given, the blocks in flight, the
result), the scheduler, the worker processes and their nannies. The history is generated once
per size in a child process and read back from Parquet (the generator's own garbage would
otherwise stay in this process's heap and count as the client's). The local serial runner runs
the same input first: its series per second, its memory and its numbers (each Dask run must
give the same frame).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "forecast_bench_scale"

KIND_SAMPLER = r"""
import json, select, sys, psutil
roots = json.loads(sys.argv[1])  # kind -> [pid, with_children]
me = psutil.Process().pid
def sample():
    seen, out = {me}, {}
    for kind, (pid, with_children) in roots.items():
        try:
            root = psutil.Process(pid)
            procs = [root] + (root.children(recursive=True) if with_children else [])
        except psutil.Error:
            procs = []
        total = 0
        for p in procs:
            if p.pid in seen:
                continue
            seen.add(p.pid)
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        out[kind] = total
    return out
peak = {}
def take():
    s = sample()
    for k, v in s.items():
        peak[k] = max(peak.get(k, 0), v)
    peak["all"] = max(peak.get("all", 0), sum(s.values()))
while True:
    take()
    ready, _, _ = select.select([sys.stdin], [], [], 0.1)
    if ready:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            break
        take()
        print(json.dumps(peak), flush=True)
        peak = {}
"""


class KindSampler:
    """Peak RSS per kind of process, sampled every 0.1 s in a separate process. ``kinds`` maps
    a name to ``(pid, with_children)``; a process counts for the first kind that lists it (list
    the workers, children of the ``dask worker`` process, before the nannies)."""

    def __init__(self, kinds: dict[str, tuple[int, bool]]) -> None:
        import json

        self._proc = subprocess.Popen(
            [sys.executable, "-c", KIND_SAMPLER, json.dumps(kinds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def take(self) -> dict[str, float]:
        """Peak MB per kind (and ``all``: the peak of their sum) since the last take."""
        import json

        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("take\n")
        self._proc.stdin.flush()
        return {k: v / 2**20 for k, v in json.loads(self._proc.stdout.readline()).items()}

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write("quit\n")
        self._proc.stdin.flush()
        self._proc.wait(timeout=5)


def history_of(size: int) -> pd.DataFrame:
    """The generated history of ``size`` weekly series, made once in a child process."""
    path = CACHE / f"synthetic_{size}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        code = (
            "import sys; sys.path[:0] = [sys.argv[3]];"
            "from benchmarks.engine_data import load_synthetic;"
            "load_synthetic(int(sys.argv[1])).history.to_parquet(sys.argv[2] + '.tmp', index=False)"
        )
        subprocess.run([sys.executable, "-c", code, str(size), str(path), str(ROOT)], check=True)
        os.replace(f"{path}.tmp", path)
    return pd.read_parquet(path)


def _env() -> dict[str, str]:
    path = f"{ROOT / 'src'}:{ROOT}"
    return {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@contextmanager
def cli_cluster(workers: int):
    """``dask scheduler`` and ``dask worker --nworkers N --nthreads 1`` as separate processes;
    yields (scheduler address, scheduler pid, dask-worker pid)."""
    from distributed import Client

    dask_cli = str(Path(sys.executable).parent / "dask")
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "scheduler.json"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        scheduler = subprocess.Popen(
            [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", str(file)],
            env=_env(),
            **quiet,
        )
        worker = None
        try:
            for _ in range(300):
                if file.exists():
                    break
                time.sleep(0.1)
            worker = subprocess.Popen(
                [dask_cli, "worker", "--scheduler-file", str(file), "--nworkers", str(workers)]
                + ["--nthreads", "1", "--no-dashboard", "--memory-limit", "0"],
                env=_env(),
                **quiet,
            )
            with Client(scheduler_file=str(file), timeout="60s") as client:
                client.wait_for_workers(workers, timeout=120)
                address = client.scheduler.address
            yield address, scheduler.pid, worker.pid
        finally:
            for proc in (worker, scheduler):
                if proc is not None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        proc.kill()


def _served(fc: pd.DataFrame) -> dict[str, int]:
    return fc.drop_duplicates("unique_id")["model"].value_counts().head(2).to_dict()


def dask_scale(sizes: list[int], models: list[str], workers_list: list[int]) -> list[str]:
    """Series per second, per-series wall and CPU cost, and peak RSS per kind of process."""
    from benchmarks.bench_scale import _tree_cpu
    from forecast.engine.baseline import forecast_baseline
    from forecast.engine.runner import LocalRunner

    lines = []
    for size, model in zip(sizes, models, strict=True):
        t0 = time.perf_counter()
        history = history_of(size)
        lines.append(
            f"{size:,} generated weekly series ({model}, {len(history):,} rows): read in "
            f"{time.perf_counter() - t0:.1f} s; load average {os.getloadavg()[0]:.1f}"
        )
        me = {"client": (os.getpid(), False)}
        sampler = KindSampler(me)
        before = sampler.take()["client"]
        t0, c0 = time.perf_counter(), _tree_cpu()
        local = forecast_baseline(history, 13, freq="W", model=model, runner=LocalRunner(1))
        wall, cpu = time.perf_counter() - t0, _tree_cpu() - c0
        peak = sampler.take()["client"]
        sampler.close()
        lines.append(
            f"  local serial runner: {wall:.1f} s wall = {size / wall:.0f} series/s; "
            f"{1000 * cpu / size:.2f} ms CPU a series; client RSS {before:.0f} MB holding the "
            f"history, peak {peak:.0f} MB; served {_served(local)}"
        )
        rates: dict[int, float] = {}
        for workers in workers_list:
            lines.append(_dask_run(history, model, workers, local, rates))
        if len(rates) > 1:
            lo, hi = min(rates), max(rates)
            lines.append(
                f"  scaling {lo} -> {hi} workers: {rates[hi] / rates[lo]:.2f}x series/s "
                f"(load average {os.getloadavg()[0]:.1f})"
            )
        del local, history
    return lines


def _dask_run(
    history: pd.DataFrame, model: str, workers: int, local: pd.DataFrame, rates: dict[int, Any]
) -> str:
    from benchmarks.bench_scale import _tree_cpu
    from forecast.engine.baseline import forecast_baseline
    from forecast.engine.dask_runner import DaskRunner

    size = int(history["unique_id"].nunique())
    with (
        cli_cluster(workers) as (address, scheduler_pid, worker_pid),
        DaskRunner(address) as runner,
    ):
        # warm: every worker (and the scheduler, which unpickles the tasks) imports the engine
        warm = history[history["unique_id"].isin(history["unique_id"].unique()[: 8 * workers])]
        forecast_baseline(warm, 13, freq="W", model=model, runner=runner)
        sampler = KindSampler(
            {
                "client": (os.getpid(), False),
                "scheduler": (scheduler_pid, True),
                "workers": (worker_pid, True),  # the nannies' children, listed below apart
            }
        )
        idle = sampler.take()
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), _tree_cpu()
        fc = forecast_baseline(history, 13, freq="W", model=model, runner=runner)
        wall, cpu = time.perf_counter() - t0, _tree_cpu() - c0
        peak = sampler.take()
        sampler.close()
    same = fc.equals(local)
    rates[workers] = size / wall
    return (
        f"  dask {workers} worker(s) (load average {load:.1f}): {wall:.1f} s wall = "
        f"{size / wall:.0f} series/s; {1000 * wall / size:.2f} ms wall and "
        f"{1000 * cpu / size:.2f} ms CPU a series (client, scheduler and workers); peak RSS "
        f"client {peak['client']:.0f} MB (idle with the history {idle['client']:.0f}), "
        f"scheduler {peak['scheduler']:.0f} MB (idle {idle['scheduler']:.0f}), "
        f"worker processes + nannies {peak['workers']:.0f} MB (idle {idle['workers']:.0f}), "
        f"all {peak['all']:.0f} MB; same frame as the local runner: {same}"
    )
