"""The Dask runner on a real distributed.LocalCluster: same numbers as the local runner, input
order kept, a worker killed mid-run does not lose the run, a scheduler that is not there is
named in the error."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from forecast.engine.baseline import forecast_baseline
from forecast.engine.dask_runner import AHEAD, DaskRunner
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
    from dashboard import components
    from forecast.cli.fix_hints import cli_message
    from forecast.services.errors import Unavailable

    # the cluster is down, not the input wrong: unavailable (exit 5), no longer a SchemaError
    with pytest.raises(Unavailable, match="tcp://127.0.0.1:1") as refused:
        DaskRunner("tcp://127.0.0.1:1", timeout="1s")
    assert "drop --scheduler" in cli_message(refused.value)
    shown = "".join(str(c) for c in components.error_alert(refused.value).children[1].children)
    assert "The Dask cluster at tcp://127.0.0.1:1 cannot be reached" in shown
    assert "ask whoever runs the server" in shown and "--scheduler" not in shown


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_replaced_and_the_run_completes() -> None:
    history = weekly_history(40)
    expected = forecast_baseline(history, 8, model="snaive", runner=LocalRunner(1))
    killed: list[int] = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        DaskRunner(cluster.scheduler_address, batch_size=1, in_flight=1) as runner,
    ):
        pids = list(runner.client.run(os.getpid).values())

        def kill_a_worker_once_work_is_back(done: int, total: int) -> None:
            if 0 < done < total and not killed:  # series still on the cluster
                os.kill(pids[0], signal.SIGKILL)
                killed.append(done)

        got = forecast_baseline(
            history, 8, model="snaive", runner=runner, progress=kill_a_worker_once_work_is_back
        )
        after = list(runner.client.run(os.getpid).values())
    assert killed and pids[0] not in after  # lost mid-run (and replaced by its nanny)
    pdt.assert_frame_equal(got, expected)


def test_dask_stream_takes_items_only_as_room_frees_and_keeps_input_order(thread_cluster) -> None:
    pulled: list[int] = []

    def items():
        for i in range(-300, 300):
            pulled.append(i)
            yield i

    with DaskRunner(thread_cluster.scheduler_address, in_flight=2) as runner:
        stream = runner.imap(abs, items())
        first = next(stream)
        pulled_at_first = len(pulled)
        rest = list(stream)
    assert [first, *rest] == [abs(i) for i in range(-300, 300)]
    window = 2 * 2  # two worker threads, two tasks each
    assert pulled_at_first <= AHEAD * window  # not the whole input at once


def test_dask_baseline_of_an_unsorted_file_with_gaps_and_flags_equals_the_local_runner(
    thread_cluster,
) -> None:
    history = weekly_history(14).assign(
        promo=lambda f: (f["ds"].dt.day % 3 == 0).astype(int),
        unique_id=lambda f: f["unique_id"].str.replace("s0", "s"),  # s1 < s10 < s2 as text
    )
    history = history.drop(index=[5, 6, 300]).sample(frac=1.0, random_state=2)
    local = forecast_baseline(history, 8, model="ets", runner=LocalRunner(1))
    with DaskRunner(thread_cluster.scheduler_address, batch_size=2, in_flight=1) as runner:
        remote = forecast_baseline(history, 8, model="ets", runner=runner)
    pdt.assert_frame_equal(local, remote)
    ids = remote["unique_id"].drop_duplicates().tolist()
    assert ids == sorted(ids) and len(ids) == 14 and ids[:3] == ["s0", "s1", "s10"]


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


def test_a_cluster_without_workers_is_refused_saying_how_to_start_one() -> None:
    """Not "internal error: TimeoutError: No valid workers found" a minute later."""
    from dashboard.fix_hints import page_message
    from forecast.cli.fix_hints import cli_message
    from forecast.services.errors import Unavailable

    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        address = cluster.scheduler_address
        with (
            pytest.raises(Unavailable, match=f"{address} has no workers") as refused,
            DaskRunner(address, timeout="1s") as runner,
        ):
            runner.map(abs, [-1, 2])
    assert f"`dask worker {address}`" in cli_message(refused.value)
    on_the_page = page_message(refused.value)
    assert "ask whoever runs the server" in on_the_page and "--scheduler" not in on_the_page


def test_all_workers_lost_mid_run_is_refused_saying_how_to_start_one() -> None:
    from forecast.cli.fix_hints import cli_message
    from forecast.services.errors import Unavailable

    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address
        with DaskRunner(address, timeout="1s", in_flight=2) as runner:
            stream = runner.imap(abs, range(-500, 500))
            assert next(stream) == 500
            cluster.scale(0)
            for _ in range(200):  # until the scheduler knows the worker is gone
                if not runner.client.nthreads():
                    break
                time.sleep(0.05)
            with pytest.raises(Unavailable, match=f"{address} has no workers") as refused:
                list(stream)
    assert f"`dask worker {address}`" in cli_message(refused.value)


@pytest.mark.parametrize("address", ["http://127.0.0.1:8561", "garbage", "tcp://127.0.0.1"])
def test_a_malformed_scheduler_address_is_refused_with_the_form_expected(address) -> None:
    """Not "internal error: ValueError: unknown address scheme 'http'"."""
    with pytest.raises(SchemaError, match="not of the form tcp://HOST:PORT"):
        make_runner(scheduler=address)
    with pytest.raises(SchemaError, match="not of the form tcp://HOST:PORT"):
        DaskRunner(address, timeout="1s")


def test_baseline_with_a_malformed_scheduler_exits_2_saying_the_form(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    monkeypatch.setenv(SCHEDULER_ENV, "")  # unset; --scheduler sets it, undone after the test
    sales = tmp_path / "sales.csv"
    weekly_history(2).to_csv(sales, index=False)
    out = tmp_path / "out.csv"
    args = ["baseline", str(sales), "--horizon", "4", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--scheduler", "http://127.0.0.1:8561"])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert "'http://127.0.0.1:8561' is not of the form tcp://HOST:PORT" in result.output
    assert not out.exists()


@pytest.mark.parametrize("how", ["--scheduler", SCHEDULER_ENV])
def test_a_malformed_scheduler_address_is_refused_naming_where_it_came_from(
    how, tmp_path, monkeypatch
) -> None:
    """From the variable it was refused as if given on the command line, which it was not."""
    from typer.testing import CliRunner

    from forecast.cli import app

    monkeypatch.setenv(SCHEDULER_ENV, "")  # unset; --scheduler sets it, undone after the test
    sales = tmp_path / "sales.csv"
    weekly_history(2).to_csv(sales, index=False)
    args = ["baseline", str(sales), "--horizon", "4", "--out", str(tmp_path / "out.csv")]
    if how == SCHEDULER_ENV:
        monkeypatch.setenv(SCHEDULER_ENV, "garbage")
    else:
        args += ["--scheduler", "garbage"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    form = "the Dask scheduler address 'garbage' is not of the form tcp://HOST:PORT"
    if how == SCHEDULER_ENV:
        assert f"{SCHEDULER_ENV} (set in the environment): {form}" in said
        assert f"or unset {SCHEDULER_ENV} to fit on this machine" in said
    else:
        assert f"--scheduler: {form}" in said
        assert "unset" not in said


def free_ports(count: int = 1) -> list[int]:
    """`count` different ports nothing listens on now (each bound to port 0 and read, all held
    until the last is read, then released): parallel runs of these tests cannot meet on a
    fixed one."""
    import socket
    from contextlib import ExitStack

    with ExitStack() as held:
        probes = [held.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def _forecast(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "forecast", *args]


@pytest.mark.parametrize("how", ["--scheduler", SCHEDULER_ENV])
def test_serve_refuses_a_malformed_scheduler_address_before_it_starts(how, tmp_path) -> None:
    """In the dashboard it made Create plan do nothing for minutes; now the server does not
    start with it."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != SCHEDULER_ENV}
    (port,) = free_ports()
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    if how == SCHEDULER_ENV:
        env[SCHEDULER_ENV] = "http://127.0.0.1:8561"
    else:
        args += ["--scheduler", "http://127.0.0.1:8561"]
    done = subprocess.run(_forecast(*args), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "'http://127.0.0.1:8561' is not of the form tcp://HOST:PORT" in done.stderr
    assert "dashboard on http" not in done.stdout
    source = f"{SCHEDULER_ENV} (set in the environment):" if how == SCHEDULER_ENV else f"{how}:"
    assert f"{source} the Dask scheduler address" in done.stderr


def test_serve_with_a_scheduler_that_is_down_warns_and_starts_all_the_same(tmp_path) -> None:
    """The cluster may come up later: a warning with the fix, not a refusal."""
    import subprocess
    import urllib.request

    env = {k: v for k, v in os.environ.items() if k != SCHEDULER_ENV}
    log_path = tmp_path / "serve.log"
    port, unused = free_ports(2)
    down = f"tcp://127.0.0.1:{unused}"  # nothing listens there
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            _forecast(*args, "--scheduler", down),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(400):
                try:
                    answered = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status
                    break
                except OSError:
                    if server.poll() is not None:
                        break
                    time.sleep(0.25)
            assert server.poll() is None, log_path.read_text()
        finally:
            server.terminate()
            server.wait(timeout=20)
    said = log_path.read_text()
    assert answered == 200
    assert f"warning: the Dask cluster at {down} cannot be reached" in said
    assert f"`dask worker {down}`" in said and "starts all the same" in said


@pytest.mark.parametrize("command", ["baseline", "backtest", "plan create"])
def test_a_run_on_the_cluster_says_so_with_its_workers(
    command, thread_cluster, tmp_path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    monkeypatch.setenv(SCHEDULER_ENV, "")  # unset; --scheduler sets it, undone after the test
    sales = tmp_path / "sales.csv"
    weekly_history(3).to_csv(sales, index=False)
    args = {
        "baseline": ["baseline", str(sales), "--out", str(tmp_path / "out.csv")],
        "backtest": ["backtest", str(sales), "--windows", "1", "-m", "snaive"],
        "plan create": ["plan", "create", str(sales), "--name", "on the cluster"],
    }[command] + ["--horizon", "4", "--scheduler", thread_cluster.scheduler_address]
    if command == "plan create":
        args += ["--data-dir", str(tmp_path / "data"), "--as", "ann"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if "Dask cluster" in line]
    address = thread_cluster.scheduler_address
    assert said == [f"fitted on the Dask cluster at {address} (2 workers, 2 threads)"]
    assert "Dask cluster" not in result.stdout  # a note, not the command's result
