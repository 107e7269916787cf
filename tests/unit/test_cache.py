"""The per-store cache behind repeated reads of plan frames and learned uplifts."""

from __future__ import annotations

from forecast.plan import PlanState
from forecast.services.backup import backup_store
from forecast.services.cache import PerStoreCache
from forecast.services.restore import restore_store
from forecast.services.store_factory import open_store
from forecast.store import Change, MemoryStore, PlanRepository


def _plan_read_from(store: PlanRepository, plan_id: str = "plan") -> PlanState:
    """A plan (without frames) added to `store` unless it is there, read back."""
    if plan_id not in {s.plan_id for s in store.list()}:
        new = PlanState(
            plan_id=plan_id, name=plan_id, freq="W-MON", horizon=4, team_attr=None, created_by="ann"
        )
        store.add(new, {}, Change(actor="ann", action="create", what="plan"))
    return store.get(plan_id)


def test_a_cached_value_is_computed_once_per_store_and_the_oldest_is_dropped():
    cache: PerStoreCache[str] = PerStoreCache(size=2)
    first, second = MemoryStore(), MemoryStore()
    plan, other_plan = _plan_read_from(first), _plan_read_from(second)
    calls: list[str] = []

    def compute(name: str):
        return lambda: calls.append(name) or name.upper()

    assert cache.get(first, plan, "a", compute("a")) == "A"
    assert cache.get(first, plan, "a", compute("a")) == "A"
    assert cache.get(second, other_plan, "a", compute("a2")) == "A2"  # another store, its own
    cache.get(first, plan, "b", compute("b"))
    cache.get(first, plan, "c", compute("c"))  # size 2: "a" was the least recently used
    cache.get(first, plan, "a", compute("a"))
    assert calls == ["a", "a2", "b", "c", "a"]


def test_a_value_cached_before_a_restore_is_not_served_after_it(tmp_path):
    """A restored store repeats version numbers with other contents: the key (plan, version) is
    the same, the store's generation is not, so the value is computed again."""
    data = tmp_path / "data"
    backup = tmp_path / "backup.db"
    store = open_store(data_dir=data)
    try:
        _plan_read_from(store)
        backup_store(backup, data_dir=data)
        cache: PerStoreCache[str] = PerStoreCache(size=4)
        before = _plan_read_from(store)
        assert cache.get(store, before, ("plan", 2), lambda: "before the restore") == (
            "before the restore"
        )
        assert cache.get(store, before, ("plan", 2), lambda: "again") == "before the restore"

        restore_store(backup, data_dir=data)  # as another process would: not through `store`

        after = _plan_read_from(store)
        assert cache.get(store, after, ("plan", 2), lambda: "after the restore") == (
            "after the restore"
        )
        assert cache.get(store, after, ("plan", 2), lambda: "again") == "after the restore"
    finally:
        store.close()


def test_a_value_computed_from_a_plan_read_before_a_restore_is_not_kept_for_the_restored_store(
    tmp_path,
):
    """A request that read the plan just before a restore computes from the plan as it was: the
    value is its own, and the requests after the restore compute theirs."""
    data = tmp_path / "data"
    backup = tmp_path / "backup.db"
    store = open_store(data_dir=data)
    try:
        _plan_read_from(store)
        backup_store(backup, data_dir=data)
        cache: PerStoreCache[str] = PerStoreCache(size=4)
        read_before = _plan_read_from(store)

        restore_store(backup, data_dir=data)

        late = cache.get(store, read_before, ("plan", 2), lambda: "from the plan before")
        assert late == "from the plan before"
        read_after = _plan_read_from(store)
        assert read_after.store_generation != read_before.store_generation
        assert cache.get(store, read_after, ("plan", 2), lambda: "from the restored plan") == (
            "from the restored plan"
        )
        cache.put(store, read_before, ("plan", 3), "kept by a writer that read before")
        assert cache.get(store, read_after, ("plan", 3), lambda: "from the restored plan") == (
            "from the restored plan"
        )
    finally:
        store.close()


def test_a_plan_is_read_with_the_generation_of_the_store_it_was_read_in(tmp_path):
    data = tmp_path / "data"
    backup = tmp_path / "backup.db"
    store = open_store(data_dir=data)
    try:
        before = _plan_read_from(store)
        assert before.store_generation == store.generation() == ""
        backup_store(backup, data_dir=data)
        restore_store(backup, data_dir=data)
        after = _plan_read_from(store)
        assert after.store_generation == store.generation() != ""
        assert after.copy().store_generation == after.store_generation
        assert "store_generation" not in after.to_dict()
        assert after == before  # the same plan, read in another generation
    finally:
        store.close()


def test_a_value_carried_to_a_later_version_is_served_for_it_and_nothing_is_carried_unkept():
    """A writer whose save left a value's inputs as they were hands it on to the new version;
    where nothing was cached, the new version computes its own."""
    cache: PerStoreCache[str] = PerStoreCache(size=4)
    store = MemoryStore()
    before = _plan_read_from(store)
    cache.get(store, before, ("plan", 1), lambda: "version 1")
    after = store.get("plan")
    cache.carry(store, before, ("plan", 1), after, ("plan", 2))
    assert cache.get(store, after, ("plan", 2), lambda: "computed") == "version 1"
    cache.carry(store, before, ("plan", 7), after, ("plan", 8))  # never cached: nothing carried
    assert cache.get(store, after, ("plan", 8), lambda: "computed") == "computed"
