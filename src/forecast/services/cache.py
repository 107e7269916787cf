"""A small least-recently-used cache per store, for frames that a key fully determines (a saved
plan version never changes, nor does a plan's history), so repeated reads reuse them.

A restore of a backup breaks "never changes": the restored plans repeat version numbers that may
hold other contents than the ones cached (a version made after the backup, then made again after
the restore). So every value is kept under the store's generation with its key
(``PlanRepository.generation``, a new one with every restore).

The generation is the one the plan was read in (``PlanState.store_generation``, read in one
statement with the plan), not the one when the value is kept: a request that read the plan just
before a restore computes from the plan as it was, which is then served only to readers of that
generation, never for the plans that the restore brought back; the size limit ages it out."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from forecast.plan import PlanState
from forecast.store import PlanRepository

V = TypeVar("V")


class PerStoreCache(Generic[V]):
    """``get(store, state, key, compute)``: the value cached for (store, the generation `state`
    was read in, key), else ``compute()`` kept.

    Stores are held weakly (a closed and dropped store takes its entries with it); at most
    ``size`` entries per store, the least recently used dropped first (a generation's entries
    age out once a restore has replaced it: no reader asks for them). ``compute`` runs outside
    the lock, so two threads may both compute a missing key; both results are equal."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: weakref.WeakKeyDictionary[
            PlanRepository, OrderedDict[tuple[str, Hashable], V]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(
        self, store: PlanRepository, state: PlanState, key: Hashable, compute: Callable[[], V]
    ) -> V:
        """The value of `key` for `state` (the plan as read, which `compute` reads from)."""
        entry = (_read_in(store, state), key)
        with self._lock:
            entries = self._entries.get(store)
            if entries is not None and entry in entries:
                entries.move_to_end(entry)
                return entries[entry]
        value = compute()
        self._keep(store, entry, value)
        return value

    def put(self, store: PlanRepository, state: PlanState, key: Hashable, value: V) -> None:
        """Keep `value` for (store, key): a writer that has just computed what a key holds, from
        `state` (its generation is the one the writer read the plan in)."""
        self._keep(store, (_read_in(store, state), key), value)

    def carry(
        self,
        store: PlanRepository,
        before: PlanState,
        before_key: Hashable,
        after: PlanState,
        after_key: Hashable,
    ) -> None:
        """Keep the value cached for (`before`, `before_key`), if any, for (`after`,
        `after_key`) too: a writer that knows the value is the same for both (a save that left
        what it is computed from as it was)."""
        entry = (_read_in(store, before), before_key)
        with self._lock:
            entries = self._entries.get(store)
            if entries is None or entry not in entries:
                return
            value = entries[entry]
        self._keep(store, (_read_in(store, after), after_key), value)

    def _keep(self, store: PlanRepository, entry: tuple[str, Hashable], value: V) -> None:
        with self._lock:
            entries = self._entries.setdefault(store, OrderedDict())
            entries[entry] = value
            entries.move_to_end(entry)
            while len(entries) > self.size:
                entries.popitem(last=False)


def _read_in(store: PlanRepository, state: PlanState) -> str:
    """The generation `state` was read in; the store's now for a plan not read from it."""
    return store.generation() if state.store_generation is None else state.store_generation
