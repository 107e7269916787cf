"""A small least-recently-used cache per store, for frames that a key fully determines (a saved
plan version never changes, nor does a plan's history), so repeated reads reuse them."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from forecast.store import PlanRepository

V = TypeVar("V")


class PerStoreCache(Generic[V]):
    """``get(store, key, compute)``: the value cached for (store, key), else ``compute()`` kept.

    Stores are held weakly (a closed and dropped store takes its entries with it); at most
    ``size`` keys per store, the least recently used dropped first. ``compute`` runs outside the
    lock, so two threads may both compute a missing key; both results are equal."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: weakref.WeakKeyDictionary[PlanRepository, OrderedDict[Hashable, V]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, store: PlanRepository, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            per_store = self._entries.setdefault(store, OrderedDict())
            if key in per_store:
                per_store.move_to_end(key)
                return per_store[key]
        value = compute()
        with self._lock:
            per_store[key] = value
            while len(per_store) > self.size:
                per_store.popitem(last=False)
        return value

    def put(self, store: PlanRepository, key: Hashable, value: V) -> None:
        """Keep `value` for (store, key): a writer that has just computed what a key holds."""
        with self._lock:
            per_store = self._entries.setdefault(store, OrderedDict())
            per_store[key] = value
            per_store.move_to_end(key)
            while len(per_store) > self.size:
                per_store.popitem(last=False)
