"""Who may do what, over the services: every (role, action) pair, forbidden ones refused with
nothing written, allowed ones done; refusals tell non-members nothing about the plan's people."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from forecast.services import negotiation as nego
from forecast.services import plan_access, plan_members, plans, system
from forecast.services.errors import Forbidden
from forecast.services.plan_members import grant
from forecast.store import MemoryStore
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

PEOPLE = {"owner": "olga", "planner": "piet", "lead": "anna", "outsider": "nina"}


def make_plan() -> tuple[MemoryStore, str]:
    store = MemoryStore()
    history, attributes, baseline = team_frames()
    state = weekly_team_plan(store, (history, attributes, baseline), name="matrix")
    plan = state.plan_id
    grant(store, plan, "olga", "piet", "planner")
    plan_members.revoke(store, plan, "olga", "olga", "planner")  # olga: owner only
    grant(store, plan, "olga", "anna", "lead", team="a")
    nego.set_goal(store, plan, "olga", ratio="1.2")
    return store, plan


def _event(store, plan, who):
    dates = sorted(plans.load_frames(store, plan).baseline["ds"].unique())
    system.add_event(
        store,
        plan,
        who,
        name="promo",
        kind="other",
        start=dates[0],
        end=dates[0],
        effect="percent",
        value=10,
    )


ACTIONS: dict[str, tuple[str, Callable]] = {
    "set goal": ("owner", lambda s, p, who: nego.set_goal(s, p, who, ratio="1.3")),
    "claim for team a": (
        "lead",
        lambda s, p, who: nego.claim(s, p, who, "a", amount="1000", note="flyer"),
    ),
    "add event": ("planner", _event),
    "add member": ("owner", lambda s, p, who: grant(s, p, who, "bert", "lead", team="b")),
    "remove member": ("owner", lambda s, p, who: plan_members.revoke(s, p, who, "piet", "planner")),
    "close round": ("owner", lambda s, p, who: nego.close_round(s, p, who)),
}


@pytest.mark.parametrize("role", sorted(PEOPLE))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_role_may_do_exactly_its_actions(role, action):
    store, plan = make_plan()
    allowed_role, do = ACTIONS[action]
    who = PEOPLE[role]
    version = store.get(plan).version
    if role == allowed_role:
        do(store, plan, who)
        assert store.get(plan).version == version + 1
        assert store.audit(plan)[-1].actor == who
    else:
        with pytest.raises(Forbidden):
            do(store, plan, who)
        assert store.get(plan).version == version  # nothing written


def test_a_refusal_names_role_holders_to_members_only():
    store, plan = make_plan()
    with pytest.raises(Forbidden) as member:
        _event(store, plan, "anna")
    assert "piet" in str(member.value)
    with pytest.raises(Forbidden) as outsider:
        _event(store, plan, "nina")
    assert "piet" not in str(outsider.value) and "held by" not in str(outsider.value)


def test_the_last_owner_cannot_be_removed_and_a_co_owner_can_be():
    store, plan = make_plan()
    with pytest.raises(Exception, match="only owner"):
        plan_members.revoke(store, plan, "olga", "olga", "owner")
    grant(store, plan, "olga", "anna", "owner")
    plan_members.revoke(store, plan, "anna", "olga", "owner")
    state = store.get(plan)
    assert not state.has_role("olga", "owner") and state.has_role("anna", "owner")
    assert [e.action for e in store.audit(plan)][-2:] == ["grant", "revoke"]


def test_only_members_and_admins_see_a_plan():
    store, plan = make_plan()
    assert [s.plan_id for s in plan_access.plans_visible_to(store, "anna")] == [plan]
    assert plan_access.plans_visible_to(store, "nina") == []
    assert [s.plan_id for s in plan_access.plans_visible_to(store, "nina", admin=True)] == [plan]
