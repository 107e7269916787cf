"""Background jobs (plan creation) start in a clean process, and a stuck or lost one ends with a
message: real processes, the app's own manager (dashboard/jobs.py).

Dash's own manager forked the threaded web server for each job; a job forked while another
thread was inside SQLite (the plan store, or the manager's diskcache) inherited SQLite's locks
held by nobody and could wait on them forever."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from dashboard import jobs
from dashboard.app import create_app
from dashboard.context import DashboardContext
from forecast.services import accounts

HANG = 90  # seconds: far beyond what any of these jobs takes on a loaded machine; a hang only


def read_the_store(ctx: DashboardContext) -> str:
    """A job as plan creation starts: its own store, a read, closed."""
    store = ctx.fresh_store()
    try:
        accounts.active_account(store, "nobody")
    finally:
        store.close()
    return "done"


def sleep_forever() -> None:
    time.sleep(3600)


def die() -> None:
    os._exit(3)


def step_slowly(set_progress: Any, steps: int) -> str:
    """A long job that reports a step every half second (plan creation: every few series)."""
    for n in range(steps):
        set_progress((n,))
        time.sleep(0.5)
    return "done"


def _start(manager: Any, key: str, fn: Any, *args: Any, progress: bool = False) -> int:
    job_fn = manager.make_job_fn(fn, progress=progress)
    return int(manager.call_job_fn(key, job_fn, list(args), {"args": {}}))


def _result(manager: Any, key: str, job: int, within: float = HANG) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        manager.get_progress(key)  # as Dash's poll does, before it asks for the result
        result = manager.get_result(key, job)
        if result is not manager.UNDEFINED:
            return result
        time.sleep(0.1)
    manager.terminate_job(job)
    pytest.fail(f"job {key} (pid {job}) gave no answer in {within} s: it hung")


@pytest.fixture
def app_manager(tmp_path) -> Iterator[tuple[Any, DashboardContext]]:
    app = create_app(data_dir=str(tmp_path / "data"))
    yield app._background_manager, app.server.config["FORECAST_DASHBOARD_CTX"]


def test_jobs_started_while_requests_are_inside_sqlite_all_finish(app_manager):
    manager, ctx = app_manager
    stop = threading.Event()

    def serve_requests(i: int) -> None:  # what request threads do: the store, Dash's polls
        while not stop.is_set():
            accounts.active_account(ctx.store, "nobody")
            manager.handle.set(f"poll-{i}", i)
            manager.handle.get(f"poll-{i}")

    threads = [threading.Thread(target=serve_requests, args=(i,), daemon=True) for i in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(15):
            job = _start(manager, f"job-{n}", read_the_store, ctx)
            assert _result(manager, f"job-{n}", job) == "done"
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def test_a_job_without_progress_past_its_limit_is_stopped_and_answers_with_why(app_manager):
    manager, _ = app_manager
    manager.limit_seconds = 2
    job = _start(manager, "stuck", sleep_forever)
    result = _result(manager, "stuck", job)
    message = result["background_callback_error"]["msg"]
    assert jobs.failure(Exception(message)) == jobs.OVERDUE.format(minutes=2 / 60)
    assert not manager.job_running(job)


def test_a_job_that_keeps_reporting_progress_runs_past_the_limit(app_manager):
    manager, ctx = app_manager
    warm = _start(manager, "warm", read_the_store, ctx)  # the fork server up and its imports done
    assert _result(manager, "warm", warm) == "done"
    manager.limit_seconds = 3
    job = _start(manager, "long", step_slowly, 16, progress=True)  # 8 s of steps
    assert _result(manager, "long", job) == "done"


def test_a_job_whose_process_died_answers_with_why(app_manager):
    manager, _ = app_manager
    job = _start(manager, "lost", die)
    result = _result(manager, "lost", job)
    assert jobs.failure(Exception(result["background_callback_error"]["msg"])) == jobs.LOST


def test_a_cancelled_job_ends_quietly(app_manager):
    manager, _ = app_manager
    job = _start(manager, "cancelled", sleep_forever)
    manager.terminate_job(job)  # the page's Cancel
    assert not psutil.pid_exists(job) or not manager.job_running(job)
    assert manager.get_result("cancelled", job) is manager.UNDEFINED


def test_stopping_the_jobs_stops_a_running_job_and_the_fork_server(app_manager):
    from multiprocess import forkserver

    manager, _ = app_manager
    job = psutil.Process(_start(manager, "forever", sleep_forever))
    server = psutil.Process(forkserver._forkserver._forkserver_pid)
    assert job.is_running() and server.is_running()

    jobs.stop_jobs()

    _, running = psutil.wait_procs([job, server], timeout=10)
    assert running == []
    # the next plan gets a new fork server (this process's state of the old one was reset)
    again = _start(manager, "after", read_the_store, app_manager[1])
    assert _result(manager, "after", again) == "done"


SERVER_WITH_A_JOB = """
import sys, time
from dashboard import jobs
from forecast.cli.serve_cmds import _serve_until_stopped
from tests.integration.test_background_jobs import sleep_forever

job = jobs.job_context().Process(target=sleep_forever)
job.start()
print(job.pid, flush=True)
_serve_until_stopped(lambda: time.sleep(600), jobs.stop_jobs)
"""


def test_a_server_stopped_by_sigterm_stops_the_plan_being_made():
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_WITH_A_JOB], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    job = psutil.Process(int(server.stdout.readline()))
    started = psutil.Process(server.pid).children(recursive=True)  # the fork server, the job
    try:
        assert job.is_running() and job in started
        server.send_signal(signal.SIGTERM)  # as a service manager or `kill` stops it
        assert server.wait(timeout=30) == 128 + signal.SIGTERM
        _, running = psutil.wait_procs([job], timeout=10)
        assert running == [], "the job ran on without its server"
    finally:
        server.kill()
        for leftover in started:  # on a failure: none left running after the test
            with contextlib.suppress(psutil.Error):
                leftover.kill()


def test_a_job_polled_on_another_server_says_it_is_not_there_and_is_left_running(tmp_path):
    """Two servers behind a round-robin balancer (here: two apps, each with its data directory,
    on one machine): the page's poll for a plan being made on one reaches the other. That one
    says the job is not on it (sticky sessions), not that its process ran out of memory, and
    neither waits for the process of that id nor stops it."""
    making = create_app(data_dir=str(tmp_path / "one"))._background_manager
    other = create_app(data_dir=str(tmp_path / "two"))._background_manager
    job = _start(making, "plan", sleep_forever)
    try:
        result = other.get_result("plan", job)
        assert result is not other.UNDEFINED, "the other server went on waiting for it"
        problem = jobs.failure(Exception(result["background_callback_error"]["msg"]))
        assert problem == jobs.NOT_HERE
        assert "sticky sessions" in problem and "memory" not in problem
        other.terminate_job(job)  # Dash's clean-up of a failed poll
        assert making.job_running(job), "the other server stopped a process it did not start"
    finally:
        making.terminate_job(job)
