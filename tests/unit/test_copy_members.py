"""A new cycle's plan takes the members of the last one in one step (services.plan_members.copy_members,
`forecast plan copy-members`): roles copied, leads only for teams the plan has, one audit row."""

from __future__ import annotations

import pytest
from test_services_negotiation import team_plan

from forecast.services import plan_members, plans
from forecast.services.errors import Forbidden, Invalid
from forecast.store import MemoryStore


@pytest.fixture
def store():
    return MemoryStore()


def test_the_next_cycle_gets_the_same_planners_and_leads_in_one_audit_row(store):
    last = team_plan(store, "spring", {"a": "anna", "b": "bert"})
    plan_members.grant(store, last, "olga", "pia", "planner")
    plan_members.grant(store, last, "olga", "otto", "owner")
    nxt = team_plan(store, "summer", {})
    plan_members.grant(store, nxt, "olga", "bert", "lead", team="a")  # bert leads another team here
    audit_before = len(plans.audit_log(store, nxt))

    state, notes = plan_members.copy_members(store, nxt, "olga", last)

    assert state.has_role("anna", "lead") and state.team_of("anna") == "a"
    assert state.has_role("pia", "planner") and state.has_role("otto", "owner")
    assert state.team_of("bert") == "a"  # kept what they have here
    assert notes == [
        "bert (lead of team b) left out: they lead team a here, and a lead has one team"
    ]
    rows = plans.audit_log(store, nxt)[audit_before:]
    assert len(rows) == 1 and rows[0].what.startswith(f"copy members from plan {last}: ")
    assert "anna as lead of team a" in rows[0].what
    with pytest.raises(Invalid, match="nothing to copy"):
        plan_members.copy_members(store, nxt, "olga", last)


def test_only_an_owner_of_both_plans_copies_members(store):
    last = team_plan(store, "spring", {"a": "anna"})
    nxt = team_plan(store, "summer", {})
    with pytest.raises(Forbidden, match="anna may not copy the members"):
        plan_members.copy_members(store, nxt, "anna", last)
    plan_members.grant(store, last, "olga", "pia", "owner")
    with pytest.raises(Forbidden, match="needs the owner role"):
        plan_members.copy_members(store, nxt, "pia", last)  # owner of the source only
    with pytest.raises(Invalid, match="its own already"):
        plan_members.copy_members(store, last, "olga", last)


def test_the_plans_page_offers_the_owners_other_plans_and_copies_their_members(store):
    import json

    from dashboard.context import DashboardContext
    from dashboard.pages import plans_members
    from tests.signin import acting_as

    last = team_plan(store, "spring", {"a": "anna"})
    nxt = team_plan(store, "summer", {})
    ctx = DashboardContext(_store=store)
    session = {"plan_id": nxt}
    with acting_as(store, "anna"):  # a lead here and there: nothing to offer, nothing done
        assert plans_members.copy_sources(ctx, session, 0) == ([], True)
        alert, refresh, _ = plans_members.copy_members(ctx, 1, last, session, 0, 0)
        assert "may not copy the members" in json.dumps(alert.to_plotly_json(), default=str)
    with acting_as(store, "olga"):
        options, disabled = plans_members.copy_sources(ctx, session, 0)
        assert [o["value"] for o in options] == [last] and not disabled
        alert, refresh, page = plans_members.copy_members(ctx, 1, last, session, 0, 0)
    assert "Copied the members" in json.dumps(alert.to_plotly_json(), default=str)
    assert (refresh, page) == (1, 1)
    assert plans.get_plan(store, nxt).team_of("anna") == "a"


def test_granting_a_lead_another_team_says_what_moved_and_who_is_left_without_a_lead(store):
    plan = team_plan(store, "spring", {"a": "anna", "b": "bert"})
    moved = plan_members.grant(store, plan, "olga", "anna", "lead", team="b")
    assert moved.note == "anna now leads team b instead of team a; team a has no lead"
    assert moved.plan.team_of("anna") == "b"
    assert moved.note in plans.audit_log(store, plan)[-1].what
    plan_members.grant(store, plan, "olga", "cleo", "lead", team="b")
    back = plan_members.grant(store, plan, "olga", "anna", "lead", team="a")
    assert back.note == "anna now leads team a instead of team b; team b is still led by bert, cleo"
    assert (
        plan_members.grant(store, plan, "olga", "anna", "lead", team="a").note is None
    )  # same team
    assert plan_members.grant(store, plan, "olga", "pia", "planner").note is None


def test_the_plans_page_says_when_adding_a_lead_moved_them_from_another_team(store):
    import json

    from dashboard.context import DashboardContext
    from dashboard.pages import plans_members
    from tests.signin import acting_as, add_accounts

    plan = team_plan(store, "spring", {"a": "anna", "b": "bert"})
    add_accounts(store, ["anna"])
    ctx = DashboardContext(_store=store)
    with acting_as(store, "olga"):
        alert, refresh, page = plans_members.add_member(
            ctx, 1, "anna", "lead", "b", {"plan_id": plan}, 0, 0
        )
    text = json.dumps(alert.to_plotly_json(), default=str)
    assert "anna is now lead of team b." in text
    assert "anna now leads team b instead of team a; team a has no lead." in text
    assert (refresh, page) == (1, 1)


def test_the_plans_page_lets_an_admin_change_the_members_of_a_plan_whose_owner_left(store):
    """The page said "root cannot change members: only the plan's owner can." to an admin,
    so a plan whose only owner had left could not be handed on."""
    import json

    from dashboard.context import DashboardContext
    from dashboard.pages import plans_members
    from forecast.services import accounts
    from tests.signin import acting_as, add_accounts

    plan = team_plan(store, "spring", {"a": "anna"})
    add_accounts(store, ["olga", "anna", "pia"])
    accounts.disable(store, "olga")
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan}
    with acting_as(store, "root", admin=True):
        _table, people, _teams, add_disabled, note = plans_members.render(ctx, session, 0)
        assert not add_disabled and note is None
        assert "pia" in [p["value"] for p in people]
        alert, refresh, _ = plans_members.add_member(ctx, 1, "pia", "owner", None, session, 0, 0)
    assert "pia is now owner." in json.dumps(alert.to_plotly_json(), default=str)
    assert plans.get_plan(store, plan).has_role("pia", "owner")
    assert plans.audit_log(store, plan)[-1].what == "grant owner to pia (as admin)"


def test_the_members_table_marks_a_member_whose_account_is_disabled(store):
    import json

    from dashboard.context import DashboardContext
    from dashboard.pages import plans_members
    from forecast.services import accounts
    from tests.signin import acting_as, add_accounts

    plan = team_plan(store, "spring", {"a": "anna", "b": "bert"})
    add_accounts(store, ["anna", "bert"])
    accounts.disable(store, "anna")
    with acting_as(store, "olga"):
        table = plans_members.render(DashboardContext(_store=store), {"plan_id": plan}, 0)[0]
    rows = json.dumps(table.to_plotly_json(), default=str)
    assert rows.count("(disabled)") == 1 and "Td(['anna', Span(" in rows


def test_the_plans_to_copy_members_from_leave_out_the_plan_named_by_its_name(store):
    """`member_sources` takes the plan by id or by name (as every service does); named by its
    name, the plan itself was offered as a source of its own members."""
    from forecast.services import plan_access

    last = team_plan(store, "spring", {"a": "anna"})
    nxt = team_plan(store, "summer", {})

    by_name = [s.plan_id for s in plan_access.member_sources(store, "summer", "olga")]
    by_id = [s.plan_id for s in plan_access.member_sources(store, nxt, "olga")]

    assert by_name == by_id == [last]
