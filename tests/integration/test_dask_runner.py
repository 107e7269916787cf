"""The Dask runner on a real distributed.LocalCluster: same numbers as the local runner, input
order kept, a worker killed mid-run does not lose the run, a scheduler that is not there is
named in the error."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from forecast.engine.baseline import forecast_baseline, forecast_series, prepare_tasks
from forecast.engine.dask_runner import DaskRunner
from forecast.engine.runner import SCHEDULER_ENV, LocalRunner, make_runner
from forecast.schema import SchemaError

distributed = pytest.importorskip("distributed")


def weekly_history(count: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frames = []
    for k in range(count):
        t = np.arange(120)
        y = 200 + 7 * k + 30 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 5, len(t))
        ds = pd.date_range("2021-01-01", periods=len(t), freq="W-FRI")
        frames.append(pd.DataFrame({"unique_id": f"s{k:02d}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def thread_cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        yield cluster


def test_dask_baseline_has_the_same_numbers_as_the_local_runner(thread_cluster) -> None:
    history = weekly_history(10)
    local = forecast_baseline(history, 8, model="ets", runner=LocalRunner(1))
    with DaskRunner(thread_cluster.scheduler_address, batch_size=3) as runner:
        remote = forecast_baseline(history, 8, model="ets", runner=runner)
    pdt.assert_frame_equal(local, remote)


def test_scheduler_from_the_environment_picks_the_dask_runner(thread_cluster, monkeypatch) -> None:
    monkeypatch.setenv(SCHEDULER_ENV, thread_cluster.scheduler_address)
    runner = make_runner(jobs=1)
    try:
        assert isinstance(runner, DaskRunner)
        assert runner.map(abs, [-3, 2, -1] * 50) == [3, 2, 1] * 50
    finally:
        runner.close()


def test_an_unreachable_scheduler_is_named_in_the_error() -> None:
    with pytest.raises(SchemaError, match="tcp://127.0.0.1:1"):
        DaskRunner("tcp://127.0.0.1:1", timeout="1s")


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_replaced_and_the_run_completes() -> None:
    tasks = prepare_tasks(weekly_history(24), 8, model="ets")
    expected = [forecast_series(t).values["mean"] for t in tasks]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        DaskRunner(cluster.scheduler_address, batch_size=1, in_flight=1) as runner,
    ):
        pids = list(runner.client.run(os.getpid).values())

        def kill_one() -> None:
            time.sleep(1.0)
            os.kill(pids[0], signal.SIGKILL)

        killer = threading.Thread(target=kill_one)
        killer.start()
        got = runner.map(forecast_series, tasks)
        killer.join()
        after = list(runner.client.run(os.getpid).values())
    assert pids[0] not in after  # the worker was really lost (and replaced by its nanny)
    assert [r.uid for r in got] == [t.uid for t in tasks]
    for result, mean in zip(got, expected, strict=True):
        np.testing.assert_allclose(result.values["mean"], mean, rtol=1e-9)


@pytest.mark.slow
def test_the_global_model_trains_once_here_and_predicts_on_the_workers_with_the_same_numbers() -> (
    None
):
    from forecast.engine.models import global_lgbm

    history = weekly_history(12)
    local = forecast_baseline(history, 8, model="lightgbm", runner=LocalRunner(1))
    assert (local["model"] == "lightgbm").all()
    global_lgbm._BOOSTERS.clear()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        DaskRunner(cluster.scheduler_address, batch_size=1) as runner,
    ):
        remote = forecast_baseline(history, 8, model="lightgbm", runner=runner)
        loaded = runner.client.run(lambda: len(global_lgbm._BOOSTERS))
    pdt.assert_frame_equal(local, remote)
    assert global_lgbm._BOOSTERS == {}  # nothing predicted in this process
    assert sum(loaded.values()) >= 1  # the workers rebuilt the shipped model and predicted
