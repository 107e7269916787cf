"""A page open when its sign-in ends, or when its person is removed from the plan, says so at
the next click (the change was not saved; sign in again / ask the owner), without console
errors. Kept apart from test_sign_in.py so that the two files run on different workers."""

from __future__ import annotations

from tests.e2e.conftest import OWNER
from tests.e2e.helpers import click, type_into
from tests.signin import PASSWORD


def _claim_typed(dash_duo, team: str, amount: str, note: str) -> None:
    """Type a claim into the team's card and press Save claim (no wait for an answer)."""
    import json

    def css(kind: str) -> str:
        return "[id='" + json.dumps({"team": team, "type": kind}, separators=(",", ":")) + "']"

    dash_duo.wait_for_element(f"{css('neg-claim-amount')}:not([disabled])", timeout=20)
    type_into(dash_duo, css("neg-claim-amount"), amount)
    type_into(dash_duo, css("neg-claim-note"), note)
    click(dash_duo, css("neg-claim-save"))


def _claimed(data_dir, plan_id: str, team: str) -> int:
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=data_dir)
    try:
        return int(negotiation.ledger(store, plan_id).set_index("team").loc[team, "claim_minor"])
    finally:
        store.close()


def _with_goal(e2e_plan) -> None:
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        negotiation.set_goal(store, e2e_plan.plan_id, OWNER, ratio="10/6.5")
    finally:
        store.close()


def _only_the_refused_requests(dash_duo, status: int) -> None:
    """The browser's console holds nothing but its own line for each refused request (a
    request answered 401 is a network error to Chromium); no error of the page's scripts
    (Dash read a 401's body twice: "body stream already read", at every poll)."""
    others = [
        entry["message"]
        for entry in dash_duo.get_logs()
        if f"status of {status}" not in entry["message"]
    ]
    assert others == []
    dash_duo.reset_log_timestamp()


def test_a_click_after_the_sign_in_ended_says_the_change_was_not_saved_and_offers_the_sign_in(
    start_app, e2e_plan
):
    """Lena's sign-in ends while the Negotiation page is open (her sessions ended in the store,
    as disabling the account or a sign-out elsewhere ends them). Her Save claim said nothing:
    no alert, no way to the sign-in page, a console error at every poll."""
    from forecast.services import accounts
    from forecast.services.store_factory import open_store

    _with_goal(e2e_plan)
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation", user="lena")
    dash_duo.wait_for_element("[id*='neg-claim-amount']:not([disabled])", timeout=20)
    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        accounts.disable(store, "lena")  # ends every sign-in of hers ...
        accounts.enable(store, "lena")  # ... and they stay ended
    finally:
        store.close()
    assert not dash_duo.find_element("#nav-refused").is_displayed()
    _claim_typed(dash_duo, "a", "7000", "after the sign-in ended")
    dash_duo.wait_for_contains_text("#nav-refused", "Your sign-in has ended", timeout=20)
    notice = dash_duo.find_element("#nav-refused")
    assert "was not saved" in notice.text and notice.get_attribute("role") == "alert"
    assert not dash_duo.find_element("#nav-offline").is_displayed()
    link = dash_duo.find_element("#nav-refused-sign-in")
    assert link.text == "Sign in again" and link.is_displayed()
    assert link.get_attribute("href").endswith("/login?next=%2Fnegotiation")
    assert _claimed(e2e_plan.data_dir, e2e_plan.plan_id, "a") == 0
    _only_the_refused_requests(dash_duo, 401)

    click(dash_duo, "#nav-refused-sign-in")
    dash_duo.wait_for_element("#login-name", timeout=10).send_keys("lena")
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#nav-role", "lena — lead of team a", timeout=15)
    assert dash_duo.driver.current_url.endswith("/negotiation")  # back where she was
    assert not dash_duo.find_element("#nav-refused").is_displayed()
    assert dash_duo.get_logs() == []


def test_a_lead_removed_from_the_plan_while_its_page_is_open_is_told_so(start_app, e2e_plan):
    """Carl is removed from the plan while his Negotiation page is open: his Save claim did
    nothing visible (the server answers nothing for a plan he may not see), and after a reload
    the plan picker was empty without a word."""
    from forecast.services import plan_members
    from forecast.services.store_factory import open_store

    _with_goal(e2e_plan)
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation", user="carl")
    dash_duo.wait_for_element("[id*='neg-claim-amount']:not([disabled])", timeout=20)
    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        plan_members.revoke(store, e2e_plan.plan_id, OWNER, "carl", "lead")
    finally:
        store.close()
    _claim_typed(dash_duo, "c", "5000", "after the revoke")
    dash_duo.wait_for_contains_text("#nav-refused", "no longer a member", timeout=20)
    text = dash_duo.find_element("#nav-refused").text
    assert "“E2E Rossmann”" in text and "was not saved" in text and "owner" in text
    assert not dash_duo.find_element("#nav-refused-sign-in").is_displayed()
    click(dash_duo, "#nav-refused-reload")  # "Show the plans you can see": the page again
    assert _claimed(e2e_plan.data_dir, e2e_plan.plan_id, "c") == 0
    dash_duo.wait_for_contains_text("#nav-plan-note", "no longer a member", timeout=20)
    note = dash_duo.find_element("#nav-plan-note").text
    assert "“E2E Rossmann”" in note and "owner" in note
    assert dash_duo.get_logs() == []
