"""One way to run per-series work: ``Runner.map(fn, items) -> list`` in input order.

``LocalRunner(jobs=1)`` runs serially in this process; ``jobs > 1`` uses a process pool (at most
one worker per core this process may use, ``usable_cores``) with the ``spawn`` start method (Prophet deadlocked in fork-based pools once the parent had fitted a
model) whose workers pin OpenBLAS/OMP/MKL to one thread each (statsmodels otherwise
oversubscribes the cores). Items are sent in chunks so the per-task overhead stays small.

``DaskRunner(scheduler_address)`` (``dask_runner``) runs the same work on a dask.distributed
cluster behind the same ``map`` interface, in input order.

Both also have ``imap(fn, items)``: each item one task, items pulled lazily from any iterable
and results yielded in input order as they finish, with a bounded number in flight, so a
caller can stream work of any size through them in flat memory (``stream_map``). ``make_runner`` is the one place
that picks the backend: a scheduler address given, or ``FORECAST_DASK_SCHEDULER`` set, means
Dask.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, TypeVar, runtime_checkable

from forecast.schema import SchemaError

T = TypeVar("T")
R = TypeVar("R")

_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@runtime_checkable
class Runner(Protocol):
    """Anything that maps a picklable function over items and returns results in order."""

    jobs: int

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...


def _pin_threads() -> None:
    """Worker initializer: one BLAS/OpenMP thread per process."""
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    try:  # threadpoolctl is optional; the environment variables do the job before numpy loads
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - best effort only
        pass


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, else
    ``os.cpu_count()``), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def _run_chunk(payload: tuple[Callable[[Any], Any], list[Any]]) -> list[Any]:
    fn, chunk = payload
    return [fn(item) for item in chunk]


class LocalRunner:
    """Serial (``jobs=1``) or a local spawn-context process pool (``jobs > 1``).

    Used as a context manager (``with LocalRunner(2) as runner: ...``) the pool is started once
    and reused by every ``map`` inside the block (worker start-up, which imports pandas,
    statsmodels and Prophet, costs seconds); otherwise each ``map`` starts and stops its own.

    ``jobs`` is capped at the cores this process may use (``usable_cores``), as the command
    line's ``--jobs`` is: more workers than cores fit no faster and each holds its own copy of
    the libraries. ``jobs < 1`` means one per core."""

    def __init__(self, jobs: int = 1, chunk_size: int | None = None) -> None:
        cores = usable_cores()
        self.jobs = cores if jobs < 1 else min(int(jobs), cores)
        self.chunk_size = chunk_size
        self._pool: ProcessPoolExecutor | None = None
        self._saved_env: dict[str, str | None] = {}

    def _chunks(self, items: Sequence[Any]) -> list[list[Any]]:
        size = self.chunk_size or max(1, math.ceil(len(items) / (self.jobs * 4)))
        return [list(items[i : i + size]) for i in range(0, len(items), size)]

    def _start(self) -> ProcessPoolExecutor:
        # The children inherit the environment at spawn time, so set it before the pool starts.
        self._saved_env = {var: os.environ.get(var) for var in _THREAD_VARS}
        for var in _THREAD_VARS:
            os.environ[var] = "1"
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx, initializer=_pin_threads)

    def _stop(self, pool: ProcessPoolExecutor) -> None:
        pool.shutdown(wait=True)
        for var, value in self._saved_env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value

    def __enter__(self) -> LocalRunner:
        if self.jobs > 1 and self._pool is None:
            self._pool = self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            self._stop(pool)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        items = list(items)
        if self.jobs == 1 or len(items) <= 1:
            return [fn(item) for item in items]
        chunks = self._chunks(items)
        payload = [(fn, chunk) for chunk in chunks]
        if self._pool is not None:
            results = list(self._pool.map(_run_chunk, payload))
        else:
            pool = self._start()
            try:
                results = list(pool.map(_run_chunk, payload))
            finally:
                self._stop(pool)
        return [r for chunk in results for r in chunk]

    def imap(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn`` on each item (one task each), items taken lazily, results in input order;
        at most ``2 * jobs`` items are in the pool at once."""
        if self.jobs == 1:
            yield from (fn(item) for item in items)
            return
        pool = self._pool if self._pool is not None else self._start()
        try:
            running: deque[Any] = deque()
            for item in items:
                running.append(pool.submit(fn, item))
                if len(running) >= 2 * self.jobs:
                    yield running.popleft().result()
            while running:
                yield running.popleft().result()
        finally:
            if pool is not self._pool:
                self._stop(pool)


def stream_map(runner: Runner, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``fn`` on each item in input order, items taken lazily and results yielded as they come,
    through ``runner.imap`` where the runner has one (else ``runner.map`` a few items at a time):
    memory stays flat in the number of items."""
    imap = getattr(runner, "imap", None)
    if imap is not None:
        yield from imap(fn, items)
        return
    it = iter(items)
    wave = max(getattr(runner, "jobs", 1), 1) * 4
    while chunk := list(itertools.islice(it, wave)):
        yield from runner.map(fn, chunk)


PROGRESS_STEPS = 20


def map_in_steps(
    runner: Runner,
    fn: Callable[[T], R],
    items: Sequence[T],
    progress: Callable[[int, int], None] | None,
) -> list[R]:
    """``runner.map(fn, items)``, in about ``PROGRESS_STEPS`` batches with ``progress(done,
    total)`` after each (and once at 0); the same results, in order, as one map."""
    if progress is None:
        return runner.map(fn, items)
    items = list(items)
    total = len(items)
    # Batches of at least a few dozen items keep every worker of a pool busy; in this process
    # (jobs=1) a batch costs nothing, so the progress moves every twentieth of the work.
    pooled = getattr(runner, "jobs", 2) > 1
    step = max(32 if pooled else 1, -(-total // PROGRESS_STEPS))
    progress(0, total)
    results: list[R] = []
    for start in range(0, total, step):
        results.extend(runner.map(fn, items[start : start + step]))
        progress(len(results), total)
    return results


SCHEDULER_ENV = "FORECAST_DASK_SCHEDULER"
"""Environment variable with a Dask scheduler address (``tcp://HOST:PORT``)."""

_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})")
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""Dask's schemes of a HOST:PORT address (``inproc://``, a cluster inside this process, has none)."""


def bad_address(address: str, detail: str = "") -> str:
    """Why ``address`` is refused as a Dask scheduler's, and the form expected."""
    scheme = address.split("://", 1)[0] if "://" in address else ""
    known = scheme in (*_SCHEMES, "inproc")
    why = f"{scheme}:// is not a scheme of Dask's" if scheme and not known else detail
    return (
        f"the Dask scheduler address '{address}' is not of the form tcp://HOST:PORT"
        + (f" ({why})" if why else "")
        + "; give it as `dask scheduler` prints it, e.g. tcp://10.0.0.5:8786"
    )


def scheduler_address(text: str) -> str:
    """``text`` as a Dask scheduler address ``tcp://HOST:PORT`` (``HOST:PORT`` alone is taken
    as tcp; Dask's other schemes are kept); any other form is refused (SchemaError) with the
    form expected, before any connection is tried."""
    address = text.strip()
    scheme, _, rest = address.rpartition("://")
    if scheme == "inproc" and rest:
        return address
    match = _HOST_PORT.fullmatch(rest)
    if scheme not in ("", *_SCHEMES) or match is None or not 0 < int(match[2]) < 65536:
        raise SchemaError(bad_address(address))
    return address if scheme else f"tcp://{address}"


def make_runner(
    jobs: int = 1, runner: Runner | None = None, scheduler: str | None = None
) -> Runner:
    """The runner to use: an explicit one wins; then a Dask scheduler (``scheduler``, else
    ``FORECAST_DASK_SCHEDULER``, of the form ``tcp://HOST:PORT``); else a LocalRunner with
    ``jobs`` workers."""
    if runner is not None:
        return runner
    address = scheduler or os.environ.get(SCHEDULER_ENV, "").strip()
    if address:
        from forecast.engine.dask_runner import DaskRunner

        return DaskRunner(address)  # which checks the address's form first
    return LocalRunner(jobs=jobs)


def runner_session(runner: Runner, own: bool) -> AbstractContextManager[Runner]:
    """Keep a runner's workers (or cluster connection) alive for a block when we made it."""
    if own and isinstance(runner, AbstractContextManager):
        return runner
    return nullcontext(runner)
