"""The basis drift notice (`services.basis_drift`): one call says whether a negotiation rests on an
older basis than the current one, per team, and the way out; the dashboard's notice in the shell
(`dashboard.drift_notice`) is built from it."""

from __future__ import annotations

import pytest
from test_services_negotiation import team_plan
from test_services_rebase import promote_team_c

from forecast.services import basis_drift
from forecast.services import negotiation as nego
from forecast.store import MemoryStore


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def plan_id(store):
    return team_plan(store, "promo", {"a": "anna", "b": "bert"})


def test_no_goal_no_notice(store, plan_id):
    promote_team_c(store, plan_id)
    assert basis_drift.basis_drift(store, plan_id) is None


def test_an_event_after_a_system_plan_goal_is_drift_of_the_team_it_touches(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    assert basis_drift.basis_drift(store, plan_id) is None
    promote_team_c(store, plan_id)
    drift = basis_drift.basis_drift(store, plan_id)
    assert drift is not None
    summary = nego.summary(store, plan_id)
    # the negotiation's own rule: the same teams and amounts `plan ledger` shows
    assert dict(drift.by_team) == {"c": summary["drift"]["c"]}
    assert drift.total == summary["drift_total"] > 0
    assert drift.owners == ("olga",)
    assert drift.rebase_command == f"forecast plan rebase {plan_id}"
    note = drift.note()
    assert note.startswith("the negotiation's basis is older than the current system plan (c +€")
    assert note.endswith(f"the owner rebases with `forecast plan rebase {plan_id}`")
    assert "team c +€" in drift.text()


def test_the_notice_is_gone_after_the_rebase(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    promote_team_c(store, plan_id)
    nego.rebase(store, plan_id, "olga")
    assert basis_drift.basis_drift(store, plan_id) is None


def test_an_event_does_not_move_a_goal_set_on_the_baseline(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="baseline")
    promote_team_c(store, plan_id)
    assert basis_drift.basis_drift(store, plan_id) is None


def test_an_agreed_plan_keeps_its_basis_and_has_no_notice():
    summary = {
        "plan_id": "P1",
        "goal": 100,
        "basis": "system_plan",
        "currency": "EUR",
        "drift": {"a": 0, "c": 500},
        "drifted_teams": ["c"],
        "agreed_on_recorded_basis": True,
    }
    assert basis_drift.drift_of(summary) is None
    drift = basis_drift.drift_of({**summary, "agreed_on_recorded_basis": False})
    assert drift is not None and dict(drift.by_team) == {"c": 500}


def test_per_team_signs_each_drift():
    drift = basis_drift.BasisDrift("P1", "baseline", "EUR", {"a": 120_000, "b": -5_000})
    assert drift.per_team() == "a +€1,200.00, b −€50.00"
    assert drift.text().startswith("The negotiation's basis is older than the current baseline")
    assert "(teams a +€1,200.00, b −€50.00)" in drift.text()


def test_the_owners_who_left_are_not_named_as_the_ones_who_rebase(store, plan_id):
    """olga made piet co-owner; piet left (account disabled): only olga can rebase. Once olga
    left too, nobody active can: the owners are none, and the notice says an admin grants one."""
    from forecast.services import accounts
    from forecast.services.plan_members import grant
    from tests.signin import add_accounts

    add_accounts(store, ["root", "olga", "piet"], admin=["root"])
    grant(store, plan_id, "olga", "piet", "owner")
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    promote_team_c(store, plan_id)
    assert basis_drift.basis_drift(store, plan_id).owners == ("olga", "piet")
    accounts.disable(store, "piet")
    assert basis_drift.basis_drift(store, plan_id).owners == ("olga",)
    accounts.disable(store, "olga")
    assert basis_drift.basis_drift(store, plan_id).owners == ()


def test_the_notice_says_one_team_or_many_and_when_the_basis_was_taken():
    one = basis_drift.BasisDrift("P1", "system_plan", "EUR", {"c": 500}).text()
    assert "since the goal was set or last rebased (team c +€5.00)" in one
    assert "targets of that team still rest on the old numbers" in one
    two = basis_drift.BasisDrift("P1", "system_plan", "EUR", {"b": -100, "c": 500}).text()
    assert "(teams b −€1.00, c +€5.00)" in two
    assert "targets of those teams still rest on the old numbers" in two
