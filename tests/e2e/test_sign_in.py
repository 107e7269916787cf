"""Signing in and plan membership in a real browser: the sign-in page, the owner's members
editor, and what the new member then sees."""

from __future__ import annotations

from tests.e2e.conftest import OWNER, PEOPLE, e2e_port
from tests.e2e.helpers import click, pick, sign_in, type_into
from tests.signin import PASSWORD, add_accounts


def test_sign_in_page_refuses_a_wrong_password_then_lets_the_owner_in(dash_duo, e2e_plan):
    from dashboard.app import create_app

    app = create_app(data_dir=str(e2e_plan.data_dir))
    add_accounts(app.server.config["FORECAST_DASHBOARD_CTX"].store, PEOPLE)
    dash_duo.start_server(app, navigate=False, port=e2e_port(), start_timeout=60)
    dash_duo._url = dash_duo.server.url
    dash_duo.driver.get(dash_duo.server_url + "/negotiation")
    dash_duo.wait_for_element("#login-form", timeout=10)  # no session: the sign-in page
    dash_duo.find_element("#login-name").send_keys(OWNER)
    dash_duo.find_element("#login-password").send_keys("not the password")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#login-error", "Unknown user name or wrong password", 10)
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#nav-role", "olga — owner", timeout=15)
    assert dash_duo.driver.current_url.endswith("/negotiation")
    dash_duo.wait_for_contains_text("#nav-plan", "E2E Rossmann", timeout=10)
    click(dash_duo, "#nav-sign-out")
    dash_duo.wait_for_element("#login-form", timeout=10)
    dash_duo.driver.get(dash_duo.server_url + "/plans")
    dash_duo.wait_for_element("#login-form", timeout=10)  # signed out: nothing of the app
    assert dash_duo.get_logs() == []


def test_owner_adds_a_planner_who_then_sees_the_plan_and_may_add_events(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/plans", user="nina")
    dash_duo.wait_for_contains_text("#nav-role", "nina — viewer", timeout=15)
    assert "E2E Rossmann" not in dash_duo.find_element("#nav-plan").text  # not a member

    sign_in(dash_duo, OWNER, "/plans")
    dash_duo.wait_for_contains_text("#plans-members-table", "lead of team a", timeout=20)
    pick(dash_duo, "#plans-members-user", "nina")
    pick(dash_duo, "#plans-members-role", "planner")
    click(dash_duo, "#plans-members-add")
    dash_duo.wait_for_contains_text("#plans-members-alert", "nina is now planner", timeout=20)
    dash_duo.wait_for_contains_text("#plans-members-table", "nina", timeout=20)
    dash_duo.wait_for_contains_text("#plans-audit-grid", "grant planner to nina", timeout=20)
    assert dash_duo.get_logs() == []

    sign_in(dash_duo, "nina", "/system")
    dash_duo.wait_for_contains_text("#nav-role", "nina — planner", timeout=15)
    dash_duo.wait_for_contains_text("#nav-plan", "E2E Rossmann", timeout=15)
    dash_duo.wait_for_element("#sys-event-add:not([disabled])", timeout=20)
    assert dash_duo.get_logs() == []


def test_a_lead_sees_the_members_but_cannot_change_them(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/plans", user="lena")
    dash_duo.wait_for_contains_text("#nav-role", "lena — lead of team a", timeout=15)
    dash_duo.wait_for_contains_text("#plans-members-table", "olga", timeout=20)
    dash_duo.wait_for_contains_text("#plans-members-note", "lena cannot change members", timeout=20)
    assert dash_duo.find_element("#plans-members-add").get_attribute("disabled") is not None
    assert dash_duo.get_logs() == []


def test_an_admin_adds_and_disables_an_account_on_the_plans_page(start_app, e2e_plan):
    from forecast.services import accounts
    from forecast.services.store_factory import open_store

    dash_duo = start_app(e2e_plan.data_dir, "/plans")
    dash_duo.wait_for_contains_text("#plans-members-table", "lead of team a", timeout=20)
    assert not dash_duo.find_element("#plans-accounts").is_displayed()  # the owner is no admin
    store = open_store(data_dir=e2e_plan.data_dir)
    accounts.add_user(store, "adam", PASSWORD, admin=True)

    sign_in(dash_duo, "adam", "/plans")
    dash_duo.wait_for_contains_text("#plans-accounts-table", "olga", timeout=20)
    type_into(dash_duo, "#plans-accounts-name", "zoe")
    type_into(dash_duo, "#plans-accounts-password", "a long enough password")
    click(dash_duo, "#plans-accounts-add")
    dash_duo.wait_for_contains_text("#plans-accounts-alert", "Added account zoe", timeout=20)
    dash_duo.wait_for_contains_text("#plans-accounts-table", "zoe", timeout=20)
    click(dash_duo, '#plans-accounts-table button[id*="zoe"]')
    dash_duo.wait_for_contains_text("#plans-accounts-alert", "Disabled account zoe", timeout=20)
    dash_duo.wait_for_contains_text("#plans-accounts-table", "disabled", timeout=20)
    assert not store.get_account("zoe").active
    store.close()
    assert dash_duo.get_logs() == []


def test_an_admin_hands_on_a_plan_and_sees_who_left_and_the_account_log(start_app, e2e_plan):
    """The Plans page told an admin "cannot change members: only the plan's owner can", never
    marked a member whose account was disabled, and kept no account log."""
    from forecast.services import accounts
    from forecast.services.store_factory import open_store

    dash_duo = start_app(e2e_plan.data_dir, "/plans", user="lena")  # makes the accounts
    dash_duo.wait_for_contains_text("#plans-members-table", "olga", timeout=20)
    store = open_store(data_dir=e2e_plan.data_dir)
    accounts.add_user(store, "adam", PASSWORD, admin=True)
    accounts.add_user(store, "nina2", PASSWORD)
    accounts.disable_as(store, "adam", "lena")
    store.close()

    sign_in(dash_duo, "adam", "/plans")
    dash_duo.wait_for_contains_text("#plans-members-table", "lena (disabled)", timeout=20)
    dash_duo.wait_for_element("#plans-members-add:not([disabled])", timeout=20)
    pick(dash_duo, "#plans-members-user", "nina2")
    pick(dash_duo, "#plans-members-role", "co-owner (goal, rule, lock, members)")
    click(dash_duo, "#plans-members-add")
    dash_duo.wait_for_contains_text("#plans-members-alert", "nina2 is now owner", timeout=20)
    dash_duo.wait_for_contains_text(
        "#plans-audit-grid", "grant owner to nina2 (as admin)", timeout=20
    )
    click(dash_duo, "#plans-accounts-log summary")
    dash_duo.wait_for_contains_text("#plans-accounts-log", "adam: disabled account lena", 20)
    assert dash_duo.get_logs() == []
