"""The plan aggregate: JSON round trip, roles, and the opaque negotiation field."""

from __future__ import annotations

import json

import pytest

from forecast.plan import DatasetInfo, PlanState


def make_state() -> PlanState:
    state = PlanState(
        plan_id="p1",
        name="spring",
        freq="W-MON",
        horizon=8,
        team_attr="StoreType",
        created_by="ann",
        dataset=DatasetInfo(filename="x.csv", history_hash="abc", n_series=3),
    )
    state.grant("ann", "owner")
    state.grant("ann", "planner")
    return state


def test_state_round_trips_through_json_without_sharing_mutable_parts():
    state = make_state()
    state.events.append({"event_id": "E1", "value": 10.0})
    state.negotiation = {"goal": 1000, "claims": [{"team": "a", "amount": 5}]}
    doc = json.loads(json.dumps(state.to_dict()))
    again = PlanState.from_dict(doc, version=7)
    assert again.to_dict() == state.to_dict() and again.version == 7
    assert "version" not in doc
    again.negotiation["claims"].append({"team": "b"})
    assert len(state.negotiation["claims"]) == 1


def test_unknown_keys_in_a_stored_document_are_ignored():
    doc = make_state().to_dict() | {"added_by_a_later_release": 1}
    assert PlanState.from_dict(doc).name == "spring"


def test_roles_accumulate_and_a_lead_has_a_team():
    state = make_state()
    assert state.roles_of("ann") == ["owner", "planner"]
    state.grant("lee", "lead", team="a")
    assert state.has_role("lee", "lead") and state.team_of("lee") == "a"
    assert not state.has_role("lee", "planner")
    state.revoke("lee", "lead")
    assert "lee" not in state.members
    with pytest.raises(ValueError, match="unknown role"):
        state.grant("x", "king")


def test_published_and_agreed_plans_are_locked():
    state = make_state()
    assert not state.locked
    state.status = "published"
    assert state.locked
    state.status = "agreed"
    assert state.locked


def explained_state() -> PlanState:
    """A plan with the nested parts a large plan has thousands of (explanations with their
    events, a negotiation with claims)."""
    state = make_state()
    state.events.append({"event_id": "E1", "scope": {"ids": ["1", "2"]}, "value": 10.0})
    state.explanations.append(
        {"level": "team", "key": "a", "events": {"E1": "df1e7087339b"}, "amount": -3.5}
    )
    state.negotiation = {"goal": {"ratio": "1.05"}, "claims": [{"team": "a", "notes": ["x"]}]}
    return state


def change_every_nested_part(state: PlanState) -> None:
    state.events[0]["scope"]["ids"].append("3")
    state.explanations[0]["events"]["E2"] = "7ecab9481fe0"
    state.negotiation["goal"]["ratio"] = "2"
    state.negotiation["claims"][0]["notes"].append("y")
    state.dataset.flags.append("changed")
    state.members["ann"].roles.append("lead")


def test_a_copy_shares_nothing_with_its_original_either_way():
    original = explained_state()
    as_made = original.to_json()  # a string: nothing can change it
    copied = original.copy()
    assert copied == original
    change_every_nested_part(copied)
    assert original.to_json() == as_made
    again = original.copy()
    change_every_nested_part(original)
    assert again.to_json() == as_made


def test_a_document_read_or_written_shares_nothing_with_the_state():
    state = explained_state()
    as_made = state.to_json()
    doc = state.to_dict()
    doc["explanations"][0]["events"]["E2"] = "changed"
    doc["negotiation"]["claims"][0]["notes"].append("changed")
    assert state.to_json() == as_made
    given = json.loads(as_made)
    change_every_nested_part(PlanState.from_dict(given))
    assert json.dumps(given, ensure_ascii=False) == as_made


def test_the_stored_json_is_the_document_and_reads_back_as_the_same_plan():
    state = explained_state()
    text = state.to_json()
    assert json.loads(text) == json.loads(json.dumps(state.to_dict()))
    again = PlanState.from_json(text, version=4)
    assert again.to_dict() == state.to_dict() and again.version == 4
