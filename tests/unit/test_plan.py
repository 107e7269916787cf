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
