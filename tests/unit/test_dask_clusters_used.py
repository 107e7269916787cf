"""Where a run was fitted: the clusters work of this process started on are noted from the
threads that run it (a server's) and taken by the command or page that says so; none is lost
or taken twice when threads note and take at once."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from forecast.engine import dask_runner


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads switch as often as the interpreter lets them, so any unguarded step between a
    read and a write of the notes meets another thread."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    dask_runner.take_used()
    yield
    sys.setswitchinterval(before)
    dask_runner.take_used()


def test_every_cluster_noted_from_many_threads_is_taken_exactly_once(eager_switching):
    threads, each = 8, 3_000
    taken: list[dict[str, tuple[int, int]]] = []
    done = threading.Event()

    def note(n: int) -> None:
        for i in range(each):
            dask_runner.record_used(f"tcp://host-{n}-{i}:8786", 1, 2)
            dask_runner.record_used("tcp://shared:8786", n * each + i, 1)

    def take() -> None:
        while not done.is_set():
            taken.append(dask_runner.take_used())

    taker = threading.Thread(target=take)
    taker.start()
    noters = [threading.Thread(target=note, args=(n,)) for n in range(threads)]
    for t in noters:
        t.start()
    for t in noters:
        t.join()
    done.set()
    taker.join()
    taken.append(dask_runner.take_used())

    own = [address for took in taken for address in took if "host-" in address]
    assert len(own) == len(set(own)) == threads * each  # every one, none twice
    shared = [took["tcp://shared:8786"][0] for took in taken if "tcp://shared:8786" in took]
    assert max(shared) == threads * each - 1  # the most workers seen is never overwritten
