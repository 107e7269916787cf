"""The basis drift notice above the Plans page follows a change of the plan's owners made there,
without a reload: it names who can rebase."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.helpers import click, pick, sign_in
from tests.signin import PASSWORD


def test_an_owner_granted_on_the_plans_page_is_named_in_the_drift_notice_at_once(
    start_app, e2e_plan
):
    from forecast.overrides import Scope
    from forecast.services import accounts, negotiation, system
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import OWNER, PLANNER

    store = open_store(data_dir=e2e_plan.data_dir)
    plan = e2e_plan.plan_id
    negotiation.set_goal(store, plan, OWNER, ratio="1.05", basis="system_plan")
    frame = negotiation.series_frame(store, plan)
    system.add_event(  # after the goal: the negotiation rests on an older basis
        store,
        plan,
        PLANNER,
        name="c promotion",
        kind="promotion",
        scope=Scope(attributes={"StoreType": ("c",)}),
        start=frame["ds"].min().date(),
        end=(frame["ds"].max() + timedelta(days=6)).date(),
        effect="percent",
        value=25.0,
        reason="flyer",
    )
    dash_duo = start_app(e2e_plan.data_dir, "/plans")  # makes the accounts
    dash_duo.wait_for_contains_text("#nav-drift", "You own the plan", timeout=20)
    accounts.add_user(store, "adam", PASSWORD, admin=True)
    store.close()

    sign_in(dash_duo, "adam", "/plans")  # an admin, no owner: told who can rebase
    dash_duo.wait_for_contains_text("#nav-drift", f"Only its owner ({OWNER}) can rebase", 20)
    dash_duo.wait_for_element("#plans-members-add:not([disabled])", timeout=20)
    pick(dash_duo, "#plans-members-user", "nina")
    pick(dash_duo, "#plans-members-role", "co-owner (goal, rule, lock, members)")
    click(dash_duo, "#plans-members-add")
    dash_duo.wait_for_contains_text("#plans-members-alert", "nina is now owner", timeout=20)
    dash_duo.wait_for_contains_text(
        "#nav-drift", f"Only its owners (nina, {OWNER}) can rebase", timeout=20
    )
    assert dash_duo.get_logs() == []
