"""The runner: results in input order, identical serial vs process pool, BLAS pinned in workers."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from forecast.engine.baseline import forecast_baseline
from forecast.engine.runner import LocalRunner, Runner, make_runner, stream_map

# Every test here fits real models (statsmodels, Prophet) or starts a process pool.
pytestmark = pytest.mark.slow


def square(x: int) -> int:
    return x * x


def worker_blas_threads(_: int) -> tuple[str | None, str | None]:
    return os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS")


def weekly_history(count: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    frames = []
    for k in range(count):
        t = np.arange(130)
        y = 100 + 5 * k + 20 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 3, len(t))
        ds = pd.date_range("2021-01-01", periods=len(t), freq="W-FRI")
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_serial_runner_maps_in_order() -> None:
    assert LocalRunner(jobs=1).map(square, [3, 1, 2]) == [9, 1, 4]


def test_pool_keeps_input_order_across_chunks() -> None:
    items = list(range(23))
    assert LocalRunner(jobs=2, chunk_size=4).map(square, items) == [x * x for x in items]


def test_pool_workers_run_with_one_blas_thread() -> None:
    results = LocalRunner(jobs=2, chunk_size=1).map(worker_blas_threads, [0, 1])
    assert results == [("1", "1"), ("1", "1")]


def test_pool_leaves_the_parent_environment_as_it_was() -> None:
    before = dict(os.environ)
    LocalRunner(jobs=2).map(square, [1, 2, 3])
    assert dict(os.environ) == before


def test_baseline_in_a_pool_is_identical_to_serial() -> None:
    history = weekly_history()
    serial = forecast_baseline(history, 8, model="ets", jobs=1)
    pooled = forecast_baseline(history, 8, model="ets", jobs=2)
    pdt.assert_frame_equal(serial, pooled)


def test_auto_in_a_pool_is_identical_to_serial() -> None:
    # Two series: eight backtest windows of eight members, the global model tuned and trained,
    # then each series fitted, all through the pool (four series took twice as long for
    # sixteen windows of the same work). The runner is used as a block, as a caller passing
    # one does: its workers start once, not for each of auto's maps.
    history = weekly_history(2)
    serial = forecast_baseline(history, 6, model="auto", jobs=1)
    with LocalRunner(jobs=2) as runner:
        pooled = forecast_baseline(history, 6, model="auto", runner=runner)
    pdt.assert_frame_equal(serial, pooled)


def test_make_runner_prefers_an_explicit_runner() -> None:
    mine = LocalRunner(jobs=3)
    assert make_runner(1, mine) is mine
    made = make_runner(2)
    assert isinstance(made, Runner) and made.jobs == 2


def worker_pid(_: int) -> int:
    return os.getpid()


def test_a_runner_used_as_context_reuses_its_workers_across_maps() -> None:
    with LocalRunner(jobs=2, chunk_size=1) as pool:
        first = set(pool.map(worker_pid, range(6)))
        second = set(pool.map(worker_pid, range(6)))
    assert os.getpid() not in first
    assert len(first | second) <= 2  # the same two workers served both maps
    assert LocalRunner(jobs=2).map(square, [2, 3]) == [4, 9]  # still works without a block


def test_pool_streams_items_lazily_and_in_order() -> None:
    pulled: list[int] = []

    def items():
        for i in range(40):
            pulled.append(i)
            yield i

    with LocalRunner(jobs=2) as runner:
        stream = runner.imap(square, items())
        first = next(stream)
        pulled_at_first = len(pulled)
        rest = list(stream)
    assert [first, *rest] == [i * i for i in range(40)]
    assert pulled_at_first <= 4  # two items a worker in flight, not the whole input


def test_stream_map_on_a_runner_without_imap_keeps_order_and_takes_items_in_waves() -> None:
    class MapOnly:
        jobs = 1

        def __init__(self) -> None:
            self.calls: list[int] = []

        def map(self, fn, items):
            self.calls.append(len(items))
            return [fn(item) for item in items]

    runner = MapOnly()
    assert list(stream_map(runner, square, iter(range(10)))) == [i * i for i in range(10)]
    assert runner.calls == [4, 4, 2]
