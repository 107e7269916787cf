"""What the store hands out is the caller's alone: changing a plan read from the store, the plan
given to a save, or the plan a save returns changes nothing of what the next read returns. A
large plan is no longer deep-copied on every read and save (its document is serialised once);
these hold that to the same guarantee, in memory and on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forecast.plan import PlanState
from forecast.services.errors import StaleVersion
from forecast.store import Change, MemoryStore, PlanRepository, SqlStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path: Path) -> Iterator[PlanRepository]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'forecast.db'}")
    yield sql
    sql.close()


def change(what: str = "x") -> Change:
    return Change(actor="ann", action="explain", what=what)


def added(store: PlanRepository) -> PlanState:
    state = PlanState(
        plan_id="p1", name="spring", freq="W-MON", horizon=4, team_attr="Region", created_by="ann"
    )
    state.grant("ann", "owner")
    state.events.append({"event_id": "E1", "scope": {"ids": ["1"]}, "value": 10.0})
    state.explanations.append({"key": "north", "events": {"E1": "df1e7087339b"}})
    state.negotiation = {"claims": [{"team": "north", "notes": ["first"]}]}
    return store.add(state, {}, change("create"))


def scribble(state: PlanState) -> None:
    """Changes in every nested part of the document, as a careless caller might."""
    state.events[0]["scope"]["ids"].append("2")
    state.explanations[0]["events"]["E9"] = "scribbled"
    state.explanations.append({"key": "scribbled"})
    state.negotiation["claims"][0]["notes"].append("scribbled")
    state.members["ann"].roles.append("lead")
    state.dataset.flags.append("scribbled")
    state.name = "scribbled"


def test_changing_a_plan_read_from_the_store_changes_nothing_of_the_next_read(store):
    made = added(store)
    stored = store.get("p1").to_json()  # a string: nothing can change it
    assert stored == made.to_json()
    scribble(store.get("p1"))
    scribble(made)
    assert store.get("p1").to_json() == stored


def test_changing_a_saved_plan_afterwards_changes_nothing_of_what_was_saved(store):
    added(store)
    state = store.get("p1")
    state.explanations.append({"key": "south", "events": {"E1": "df1e7087339b"}})
    saved = store.save(state, change(), expected_version=1)
    stored = store.get("p1").to_json()  # a string: nothing can change it
    assert saved.version == 2 and saved.to_json() == stored
    assert len(store.get("p1").explanations) == 2
    scribble(state)
    assert saved.to_json() == stored and store.get("p1").to_json() == stored
    scribble(saved)
    assert store.get("p1").to_json() == stored


def test_a_stale_save_is_still_refused_and_leaves_the_stored_plan_as_it_was(store):
    added(store)
    first, second = store.get("p1"), store.get("p1")
    first.explanations.append({"key": "south"})
    store.save(first, change("first"), expected_version=1)
    stored = store.get("p1").to_json()
    second.explanations.clear()
    with pytest.raises(StaleVersion):
        store.save(second, change("second"), expected_version=1)
    assert store.get("p1").to_json() == stored and store.get("p1").version == 2
