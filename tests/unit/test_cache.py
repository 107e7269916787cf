"""The per-store cache behind repeated reads of plan frames and learned uplifts."""

from __future__ import annotations

from forecast.services.cache import PerStoreCache
from forecast.store import MemoryStore


def test_a_cached_value_is_computed_once_per_store_and_the_oldest_is_dropped():
    cache: PerStoreCache[str] = PerStoreCache(size=2)
    first, second = MemoryStore(), MemoryStore()
    calls: list[str] = []

    def compute(name: str):
        return lambda: calls.append(name) or name.upper()

    assert cache.get(first, "a", compute("a")) == "A"
    assert cache.get(first, "a", compute("a")) == "A"
    assert cache.get(second, "a", compute("a2")) == "A2"  # another store, its own entry
    cache.get(first, "b", compute("b"))
    cache.get(first, "c", compute("c"))  # size 2: "a" was the least recently used
    cache.get(first, "a", compute("a"))
    assert calls == ["a", "a2", "b", "c", "a"]
