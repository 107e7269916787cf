"""``DaskRunner``: per-series work on a dask.distributed cluster, behind the ``Runner`` interface.

Start a cluster with ``dask scheduler`` and ``dask worker tcp://HOST:8786`` (any number of
machines), then pass ``--scheduler tcp://HOST:8786`` to ``forecast baseline``, ``backtest``,
``plan create`` or ``serve`` (or set ``FORECAST_DASK_SCHEDULER``). The numbers are the same as
with the local runner: the same module-level function runs on the same items.

Series travel in batches (``batch_size`` items a task, or blocks the caller makes and streams
through ``imap``), each scattered to a worker with its task referring to it, and at most
``in_flight`` batches per worker thread are on the cluster at once: the memory of the
scheduler and the workers stays flat in the number of series, and so does the client's beyond
its input and its (compact) output. A worker lost mid-run: the scheduler reruns the tasks it
was running, and a batch whose scattered input died with it is scattered and submitted again
from the client (``retries`` times at most), so the run completes.
The global model is trained once per run where the data is (the client), sent to every worker
once (``share``), and predicts there block by block with the series (``baseline.forecast_block``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from forecast.engine.runner import _run_chunk, bad_address, scheduler_address
from forecast.errors import Fix, FixKey, Unavailable
from forecast.schema import SchemaError

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 4
"""Results that finished ahead of an earlier one wait on the client at most this many windows."""


_USED: dict[str, tuple[int, int]] = {}
"""The clusters work of this process ran on, since ``take_used`` last took them: address ->
(most workers, most worker threads) seen when a map started. Read and written only under
``_USED_LOCK``: the runs of a process's threads (a server's background jobs) note them while
the CLI's ``cluster_note`` takes them. The record is the process's, not a run's: where two runs
share a process, a note may name a cluster the other run used."""
_USED_LOCK = threading.Lock()


def take_used() -> dict[str, tuple[int, int]]:
    """The clusters this process ran work on since the last call (address -> (workers,
    threads)), for a face to say where a run was fitted."""
    with _USED_LOCK:
        used = dict(_USED)
        _USED.clear()
    return used


def record_used(address: str, workers: int, threads: int) -> None:
    """Note that work of this process started on the cluster at `address` with `workers`
    workers and `threads` threads (the most of each seen since `take_used` last took them)."""
    with _USED_LOCK:
        seen = _USED.get(address, (0, 0))
        _USED[address] = (max(seen[0], workers), max(seen[1], threads))


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


def _call_with_tuple(fn: Callable[[Any], Any], *parts: Any) -> Any:
    return fn(tuple(parts))


class DaskRunner:
    """Map over items on a Dask cluster (``address`` or an existing ``client``), in input order."""

    def __init__(
        self,
        address: str | None = None,
        *,
        client: Any = None,
        batch_size: int | None = None,
        in_flight: int = 4,
        retries: int = 3,
        timeout: str = "10s",
    ) -> None:
        from dask.utils import parse_timedelta
        from distributed import Client

        if client is None and not address:
            raise ValueError("DaskRunner needs a scheduler address (tcp://HOST:PORT) or a client")
        if client is None:
            # refused before Dask starts its event loop (which can take seconds on a busy machine)
            address = scheduler_address(str(address))
        self._own_client = client is None
        self._wait = float(parse_timedelta(timeout))
        try:
            self.client = client if client is not None else Client(address, timeout=timeout)
        except OSError as exc:
            raise Unavailable(
                f"the Dask cluster at {address} cannot be reached ({exc})",
                Fix(FixKey.DASK_SCHEDULER, address=address),
            ) from None
        except ValueError as exc:  # http://..., or no port: not an address Dask reads
            raise SchemaError(bad_address(str(address), str(exc))) from None
        self.address = str(address or self.client.scheduler.address)
        self.batch_size = batch_size
        self.in_flight = max(int(in_flight), 1)
        self.retries = retries
        self._need_workers()
        self.jobs = self._threads()

    def _need_workers(self, lost: bool = False) -> None:
        """Wait up to the timeout for a worker (a cluster just started may not have one yet);
        none there: refused with how to start one, not a TimeoutError a minute later."""
        try:
            self.client.wait_for_workers(1, timeout=self._wait)
        except TimeoutError:
            self.close()
            raise Unavailable(
                f"the Dask cluster at {self.address} has no workers"
                + (" (it lost them all during the run)" if lost else ""),
                Fix(FixKey.DASK_WORKERS, address=self.address),
            ) from None

    def workers(self) -> tuple[int, int]:
        """``(workers, threads)`` on the cluster now."""
        nthreads = self.client.nthreads()
        return len(nthreads), sum(nthreads.values())

    def _threads(self) -> int:
        """Worker threads on the cluster now (workers may come and go during a run)."""
        return max(self.workers()[1], 1)

    def _used(self) -> None:
        record_used(self.address, *self.workers())

    def _batches(self, items: Sequence[Any]) -> list[list[Any]]:
        size = self.batch_size or min(64, max(1, math.ceil(len(items) / (self.jobs * 4))))
        return [list(items[i : i + size]) for i in range(0, len(items), size)]

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        self.jobs = self._threads()
        batches = self._batches(list(items))
        return [r for batch in self.imap(_run_chunk, ((fn, b) for b in batches)) for r in batch]

    def imap(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn`` on each item (one task each) on the cluster, in input order, as they finish.

        Items are taken from ``items`` only as room frees: at most ``in_flight`` tasks per
        worker thread are on the cluster, and results that finish ahead of an earlier one wait
        here at most ``AHEAD`` windows deep (a slow or retried task holds the feed back instead
        of letting finished results pile up). Each item is scattered to a worker and its task
        refers to it, so the scheduler never holds (nor unpickles) the series: with the items
        inline in the task specs its memory grew with the number of series (129 -> 318-479 MB
        at 100,000). A scattered item dies with its worker: the task is then cancelled, and it
        is scattered and submitted again from here (up to ``retries`` times), so a lost worker
        does not lose the run. A finished task is released at once."""
        from distributed import as_completed

        self.jobs = self._threads()
        self._used()
        window = self.jobs * self.in_flight
        pending = enumerate(items)
        running: dict[Any, tuple[int, Any, int]] = {}
        finished: dict[int, Any] = {}
        queue = as_completed()
        submitted = following = 0

        def send(index: int, item: Any, tries: int) -> None:
            for attempt in range(self.retries + 1):
                try:
                    future = self._submit(fn, item)
                    break
                except OSError:  # the worker it went to died before the scheduler knew
                    if not self.client.nthreads():  # none left (a TimeoutError): wait for one
                        self._need_workers(lost=True)
                    if attempt == self.retries:
                        raise
                    time.sleep(0.5 * (attempt + 1))
            running[future.key] = (index, item, tries)
            queue.add(future)

        def feed() -> None:
            nonlocal submitted
            while len(running) < window and submitted - following < AHEAD * window:
                taken = next(pending, None)
                if taken is None:
                    return
                send(*taken, 0)
                submitted += 1

        feed()
        while running:
            future = next(queue)
            index, item, tries = running.pop(future.key)
            if future.status in ("cancelled", "lost") and tries < self.retries:
                send(index, item, tries + 1)  # its scattered input died with a worker
                continue
            finished[index] = future.result()
            future.release()
            while following in finished:
                yield finished.pop(following)
                following += 1
            feed()

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Any:
        """``fn(item)`` as a task whose input was scattered to a worker; the parts of a tuple
        that are already on the cluster (``share``) are referred to, not sent again."""
        from distributed import Future

        parts = item if isinstance(item, tuple) else (item,)
        refs = [
            p if isinstance(p, Future) else self.client.scatter([p], hash=False)[0] for p in parts
        ]
        call = _call_with_tuple if isinstance(item, tuple) else _call
        return self.client.submit(call, fn, *refs, pure=False, retries=self.retries)

    def share(self, obj: Any) -> Any:
        """Send ``obj`` (such as the run's trained global model) to every worker once; items
        given to ``map`` may carry the returned reference instead of the object itself."""
        return self.client.scatter(obj, broadcast=True, hash=False)

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_client:
            self.client.close()
