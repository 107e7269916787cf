"""Background callbacks (plan creation) run in a process of their own, started clean.

Dash's `DiskcacheManager` starts each job with a plain fork of the web server, which serves
requests on several threads. A fork copies the memory of every thread but continues only the
one that forked: whatever lock another thread held at that moment stays held in the child, by
nobody. SQLite keeps such locks in the C library (its mutexes, and the lock state of each open
file, shared by every connection of a process), so a job forked while a request was inside
SQLite (the plan store, or diskcache's own table of progress and results) could wait forever
on its first query, and the page stayed on "creating..." for good.

`CleanJobManager` starts jobs from a fork server instead: a process started once with exec
(single-threaded, nothing open), which imports what the jobs need up front and forks each job
from itself. The job function and its arguments travel to it pickled (dill, as `multiprocess`
does), so every value they hold must pickle; `DashboardContext` leaves its open store behind.

A job that reports no progress for `JOB_LIMIT_SECONDS` is ended by the poll that finds it
stuck, and one that ended without an answer (killed, out of memory) is reported as such: the
callback's `on_error` (`JobFailed`) tells the page, which otherwise showed progress forever, or
nothing at all.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import psutil
from dash import DiskcacheManager

from forecast.services.uploads import STICKY_SESSIONS

START_METHOD = "forkserver"
PRELOAD = ("dashboard.app",)
"""What the fork server imports once, before it forks any job (the jobs' own modules: the
pages' callbacks and the services and engine under them), so a job starts in a moment."""

JOB_LIMIT_SECONDS = 30 * 60
"""How long a job may go without reporting progress (from its start, or its last step as the
page's poll saw it) before it is ended as stuck. Plan creation reports every few series fitted;
a long plan (Prophet on a large upload) may take far longer than this in all, never between two
steps."""


OVERDUE = "it made no progress for {minutes:g} minutes and was stopped"
LOST = "its process ended without an answer (it was stopped, or ran out of memory)"
NOT_HERE = (
    "this server has no such job: the page's request went to another server of the planner than "
    f"the one making it ({STICKY_SESSIONS})"
)


_start_lock = threading.Lock()


def job_context() -> Any:
    """The `multiprocess` context jobs start in (its fork server is started on first use)."""
    import multiprocess

    context = multiprocess.get_context(START_METHOD)
    context.set_forkserver_preload(list(PRELOAD))
    return context


def start_fork_server() -> None:
    """Start the fork server now (it is exec'd, then imports `PRELOAD` on its own), so that the
    first plan does not wait for it; nothing happens when it is running already."""
    from multiprocess import forkserver

    job_context()
    with _start_lock:
        forkserver.ensure_running()


def stop_jobs(grace_seconds: float = 5.0) -> None:
    """Stop every job the fork server started, then the fork server: the web server is stopping,
    and a job left running would outlive it (a hung one for good, since only the page's polls
    time jobs out). A job stopped while it saves leaves nothing half-written (the store's writes
    are transactions); nothing happens when no fork server was started, and a job started later
    gets a new one."""
    from multiprocess import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if not pid:
        return
    try:
        started = psutil.Process(int(pid)).children(recursive=True)
    except psutil.Error:
        started = []
    for job in started:
        with contextlib.suppress(psutil.Error):
            job.terminate()
    _, alive = psutil.wait_procs(started, timeout=grace_seconds)
    for job in alive:
        with contextlib.suppress(psutil.Error):
            job.kill()
    with _start_lock, contextlib.suppress(OSError):
        server._stop()  # closes its pipe (it exits on that) and reaps it, as multiprocess does


class CleanJobManager(DiskcacheManager):
    """`DiskcacheManager` whose jobs start in a clean process (see the module docstring); a job
    without progress for `limit_seconds`, or gone without a result, answers with an error the page shows."""

    def __init__(self, cache: Any = None, *, limit_seconds: float = JOB_LIMIT_SECONDS) -> None:
        super().__init__(cache)
        self.limit_seconds = limit_seconds

    def call_job_fn(self, key: Any, job_fn: Any, args: Any, context: Any) -> int:
        context_ = job_context()
        with _start_lock:  # two first jobs at once must not start two fork servers
            process = context_.Process(
                target=job_fn, args=(key, self._make_progress_key(key), args, context)
            )
            process.start()
        pid = int(process.pid)
        self._alive(key)
        with contextlib.suppress(psutil.Error):  # gone already: nothing to tell apart
            born = psutil.Process(pid).create_time()
            self.handle.set(_born_key(pid), born, expire=self.limit_seconds + 3600)
        return pid

    def _alive(self, key: Any) -> None:
        self.handle.set(_alive_key(key), time.time(), expire=self.limit_seconds + 3600)

    def get_progress(self, key: Any) -> Any:
        progress = super().get_progress(key)
        if progress:  # a step since the last poll: the job is not stuck
            self._alive(key)
        return progress

    def _ours(self, job: Any) -> bool:
        """Whether process `job` is still the job started under that id. The fork server reaps
        a finished job at once, so its id may name another process later: that one is never
        reported as the job, nor killed."""
        born = self._born(job)
        if born is None:  # not started here (another server's job): a process of ours has no say
            return False
        try:
            return bool(psutil.Process(int(job)).create_time() == born)
        except psutil.Error:
            return False

    def _born(self, job: Any) -> Any:
        """When process `job` was started here (None: not started by this server)."""
        return self.handle.get(_born_key(int(job)))

    def _started_here(self, job: Any) -> bool:
        return self._born(job) is not None

    def job_running(self, job: Any) -> bool:
        try:
            return bool(job) and self._ours(job) and bool(super().job_running(job))
        except psutil.NoSuchProcess:  # it ended between two looks
            return False

    def terminate_job(self, job: Any) -> None:
        if not job:
            return
        # A job stopped on purpose (cancelled, replaced, done) has not been lost.
        self.handle.set(_stopped_key(job), True, expire=3600)
        if not self._ours(job):
            return
        with contextlib.suppress(psutil.NoSuchProcess):  # it ended between two looks
            super().terminate_job(job)

    def get_result(self, key: Any, job: Any) -> Any:
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or not job:
            return result
        alive = self.handle.get(_alive_key(key))
        if not self.job_running(job):
            if self.result_ready(key):  # it answered between the two looks
                return super().get_result(key, job)
            if self.handle.get(_stopped_key(job)):  # cancelled: Dash closes it quietly
                return result
            problem = LOST if alive is not None or self._started_here(job) else NOT_HERE
        elif alive is not None and time.time() - float(alive) > self.limit_seconds:
            self.terminate_job(job)
            problem = OVERDUE.format(minutes=self.limit_seconds / 60)
        else:
            return result
        self.clear_cache_entry(_alive_key(key))
        self.clear_cache_entry(_stopped_key(job))
        return {"background_callback_error": {"msg": JOB_FAILED + problem, "tb": ""}}


JOB_FAILED = "The background job did not finish: "


def failure(exc: Exception) -> str | None:
    """What the page says about a job that `CleanJobManager` gave up on (None for any other
    error, e.g. a bug in the job, whose traceback Dash reports as before)."""
    text = str(exc)
    if JOB_FAILED not in text:
        return None
    return text.split(JOB_FAILED, 1)[1].strip()


def _alive_key(key: Any) -> str:
    return f"{key}-alive"


def _born_key(job: Any) -> str:
    return f"forecast-job-{int(job)}-born"


def _stopped_key(job: Any) -> str:
    return f"forecast-job-{int(job)}-stopped"
