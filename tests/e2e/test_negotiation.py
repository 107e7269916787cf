"""Negotiation page in a real browser: goal, claims by two leads, assign, lock."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.e2e.helpers import click, sign_in, type_into


def _as(dash_duo, user: str) -> None:
    sign_in(dash_duo, user)


def _claim(dash_duo, team: str, amount: str, note: str) -> None:
    amount_id = json.dumps({"team": team, "type": "neg-claim-amount"}, separators=(",", ":"))
    note_id = json.dumps({"team": team, "type": "neg-claim-note"}, separators=(",", ":"))
    save_id = json.dumps({"team": team, "type": "neg-claim-save"}, separators=(",", ":"))
    for element_id, text in ((amount_id, amount), (note_id, note)):
        element = dash_duo.wait_for_element_by_css_selector(
            f"[id='{element_id}']:not([disabled])", timeout=10
        )
        element.clear()
        element.send_keys(text)
    button = dash_duo.driver.find_element("css selector", f"[id='{save_id}']")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button
    )
    button.click()
    dash_duo.wait_for_contains_text("#neg-alert", f"Claim of team {team} saved", timeout=20)


def test_goal_claims_by_two_leads_assign_and_lock(start_app, e2e_plan):
    from forecast.services import system
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import OWNER

    store = open_store(data_dir=e2e_plan.data_dir)
    system.publish(store, e2e_plan.plan_id, OWNER)  # a plan is agreed on its published system plan
    store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-stage-bar", "draft", timeout=20)
    type_into(dash_duo, "#neg-goal", "10/6.5")
    click(dash_duo, "#neg-set-goal")
    dash_duo.wait_for_contains_text("#neg-alert", "the claiming round is open", timeout=20)
    dash_duo.wait_for_element("#neg-goal-card", timeout=10)

    _as(dash_duo, "lena")
    dash_duo.wait_for_contains_text(
        "#neg-board", "lena is the lead of team 'a' and cannot claim for team 'c'", timeout=20
    )
    _claim(dash_duo, "a", "50000", "second flyer wave")
    dash_duo.wait_for_contains_text("#neg-claimed-card", "€50,000", timeout=20)

    _as(dash_duo, "carl")
    _claim(dash_duo, "c", "30000", "longer opening hours")
    dash_duo.wait_for_contains_text("#neg-claimed-card", "€80,000", timeout=20)
    assert dash_duo.find_element("#neg-close").get_attribute("disabled") is not None
    dash_duo.wait_for_contains_text("#neg-role-owner", "carl cannot set the goal", timeout=10)

    _as(dash_duo, "olga")
    click(dash_duo, "#neg-close")
    dash_duo.wait_for_contains_text("#neg-alert", "round is closed", timeout=20)
    click(dash_duo, "#neg-assign")
    dash_duo.wait_for_contains_text("#neg-alert", "Remainder assigned", timeout=20)
    dash_duo.wait_for_contains_text("#neg-open-card", "€0", timeout=20)
    click(dash_duo, "#neg-lock")
    dash_duo.wait_for_contains_text("#neg-alert", "agreed and locked", timeout=20)
    dash_duo.wait_for_contains_text("#nav-plan", "agreed", timeout=20)
    from decimal import Decimal

    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    goal_minor = negotiation.summary(open_store(data_dir=e2e_plan.data_dir), e2e_plan.plan_id)[
        "goal"
    ]
    total_target = dash_duo.find_element(
        "#neg-ledger .ag-center-cols-container [row-id=TOTAL] [col-id=target]"
    ).text
    assert total_target == f"€{Decimal(goal_minor) / 100:,.2f}"
    assert dash_duo.get_logs() == []


def test_an_event_after_the_goal_shows_drift_the_owner_rebases_and_the_views_agree(
    start_app, e2e_plan
):
    import csv
    import io
    from decimal import Decimal

    from forecast.overrides import Scope
    from forecast.services import exports, negotiation, system
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import LEADS, OWNER, PLANNER

    store = open_store(data_dir=e2e_plan.data_dir)
    plan = e2e_plan.plan_id
    negotiation.set_goal(store, plan, OWNER, ratio="1.05", basis="system_plan")
    negotiation.claim(store, plan, LEADS["a"], "a", amount="50000", note="second flyer wave")
    frame = negotiation.series_frame(store, plan)
    system.add_event(  # the planner adds a +25 % promotion for team c after the goal
        store,
        plan,
        PLANNER,
        name="c promotion",
        kind="promotion",
        scope=Scope(attributes={"StoreType": ("c",)}),
        start=frame["ds"].min().date(),
        end=(frame["ds"].max() + timedelta(days=6)).date(),  # through the last week
        effect="percent",
        value=25.0,
        reason="flyer",
    )

    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-drift", "The basis moved", timeout=20)
    dash_duo.wait_for_contains_text("#neg-drift", "Per team: c +", timeout=10)
    dash_duo.driver.get(dash_duo.server_url + "/side-by-side")
    # the shell's notice above the page (it was Side by side's own alert before it showed on
    # every page)
    dash_duo.wait_for_contains_text("#nav-drift", "older than the current system plan", 20)

    dash_duo.driver.get(dash_duo.server_url + "/negotiation")
    dash_duo.wait_for_contains_text("#neg-drift", "The basis moved", timeout=20)
    assert "btn-warning" in dash_duo.find_element("#neg-rebase").get_attribute("class")
    click(dash_duo, "#neg-rebase")
    dash_duo.wait_for_contains_text("#neg-alert", "Rebased onto the current system plan", 20)
    dash_duo.wait_for_contains_text("#neg-drift", "Basis: the current system plan", timeout=20)
    rebase_button = dash_duo.find_element("#neg-rebase")
    assert rebase_button.get_attribute("disabled") is not None
    assert "btn-outline-secondary" in rebase_button.get_attribute("class")  # looks disabled too

    def cell(row: str, col: str) -> str:
        return dash_duo.find_element(
            f"#neg-ledger .ag-center-cols-container [row-id={row}] [col-id={col}]"
        ).text

    system_total = cell("TOTAL", "system_plan")
    assert system_total == cell("TOTAL", "basis")
    assert cell("c", "basis_drift") == "€0.00"
    claimed = dash_duo.find_element("#neg-claimed-card").text

    dash_duo.driver.get(dash_duo.server_url + "/side-by-side")
    dash_duo.wait_for_contains_text("#sbs-system-total", system_total, timeout=20)
    asks = dash_duo.find_element("#sbs-difference").text
    assert "+€50,000" in asks and "€50,000" in claimed  # people ask for exactly the claims
    assert dash_duo.find_element("#nav-drift").text == ""

    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan, "csv").decode())))
    exported = sum(Decimal(r["system_plan"]) for r in rows)
    assert f"€{exported:,.2f}" == system_total
    assert sum(Decimal(r["basis"]) for r in rows) == exported
    assert dash_duo.get_logs() == []


def test_an_event_added_on_the_system_plan_page_after_the_goal_shows_the_drift_there(
    start_app, e2e_plan
):
    """The notice follows the event the planner adds on the System plan page without a reload;
    its link takes the owner to the Negotiation page's Rebase; after it the notice is gone."""
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import OWNER

    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        negotiation.set_goal(store, e2e_plan.plan_id, OWNER, ratio="1.05", basis="system_plan")
    finally:
        store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "0 event(s)", timeout=20)
    assert dash_duo.find_element("#nav-drift").text == ""
    type_into(dash_duo, "#sys-event-name", "c promotion")
    type_into(dash_duo, "#sys-event-scope", "StoreType=c")
    type_into(dash_duo, "#sys-event-value", "25")
    type_into(dash_duo, "#sys-event-reason", "flyer")
    click(dash_duo, "#sys-event-add")
    dash_duo.wait_for_contains_text("#sys-alert", "Added E1 'c promotion'", timeout=20)
    dash_duo.wait_for_contains_text("#nav-drift", "older than the current system plan", 20)
    assert "team c +€" in dash_duo.find_element("#nav-drift").text
    for page in ("/actuals", "/plans", "/"):  # and on the other pages of the plan
        dash_duo.driver.get(dash_duo.server_url + page)
        dash_duo.wait_for_contains_text("#nav-drift", "older than the current system plan", 20)

    click(dash_duo, "#nav-drift-rebase")
    dash_duo.wait_for_contains_text("#neg-drift", "The basis moved", timeout=20)
    assert dash_duo.find_element("#nav-drift").text == ""  # the page's own banner says it
    click(dash_duo, "#neg-rebase")
    dash_duo.wait_for_contains_text("#neg-alert", "Rebased onto the current system plan", 20)
    dash_duo.driver.get(dash_duo.server_url + "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    dash_duo.wait_for_text_to_equal("#nav-drift", "", timeout=20)
    assert dash_duo.get_logs() == []


def test_a_leads_claim_made_elsewhere_is_offered_on_the_owners_open_page(start_app, e2e_plan):
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-stage-bar", "draft", timeout=20)
    type_into(dash_duo, "#neg-goal", "10/6.5")
    click(dash_duo, "#neg-set-goal")
    dash_duo.wait_for_contains_text("#neg-alert", "the claiming round is open", timeout=20)
    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        negotiation.claim(store, e2e_plan.plan_id, "lena", "a", amount="5000", note="in a meeting")
    finally:
        store.close()
    dash_duo.wait_for_contains_text("#neg-changed", "lena changed the plan", timeout=40)
    click(dash_duo, "#neg-show-changes")
    dash_duo.wait_for_contains_text("#neg-claimed-card", "€5,000", timeout=20)
    assert dash_duo.get_logs() == []


def test_a_stale_claim_keeps_the_leads_typing_and_saves_on_the_second_press(start_app, e2e_plan):
    """Lena types a claim while Carl saves his: her Save is refused as stale, her typing stays
    in the boxes with a note that Carl's change does not touch team a, and Save again saves it;
    Withdraw then takes her claim back."""
    from forecast.services import negotiation, plans
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import OWNER

    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        negotiation.set_goal(store, e2e_plan.plan_id, OWNER, ratio="10/6.5")
    finally:
        store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    _as(dash_duo, "lena")
    amount_id = json.dumps({"team": "a", "type": "neg-claim-amount"}, separators=(",", ":"))
    note_id = json.dumps({"team": "a", "type": "neg-claim-note"}, separators=(",", ":"))
    save_id = json.dumps({"team": "a", "type": "neg-claim-save"}, separators=(",", ":"))
    for element_id, text in ((amount_id, "777777"), (note_id, "new range")):
        element = dash_duo.wait_for_element_by_css_selector(
            f"[id='{element_id}']:not([disabled])", timeout=20
        )
        element.send_keys(text)
    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        negotiation.claim(store, e2e_plan.plan_id, "carl", "c", amount="5000", note="hours")
    finally:
        store.close()
    click(dash_duo, f"[id='{save_id}']")
    dash_duo.wait_for_contains_text("#neg-alert", "does not touch team a", timeout=20)
    dash_duo.wait_for_contains_text("#neg-claimed-card", "€5,000", timeout=20)  # Carl's, shown
    amount = dash_duo.find_element(f"[id='{amount_id}']")
    assert amount.get_attribute("value") == "777777"
    assert dash_duo.find_element(f"[id='{note_id}']").get_attribute("value") == "new range"
    click(dash_duo, f"[id='{save_id}']")
    dash_duo.wait_for_contains_text("#neg-alert", "Claim of team a saved", timeout=20)
    dash_duo.wait_for_contains_text("#neg-claimed-card", "€782,777", timeout=20)

    # and Withdraw takes it back (its click passes through the page's store: `relay.clicked`)
    withdraw_id = json.dumps({"team": "a", "type": "neg-claim-withdraw"}, separators=(",", ":"))
    withdraw = f"[id='{withdraw_id}']"
    dash_duo.wait_for_element_by_css_selector(f"{withdraw}:not([disabled])", timeout=20)
    click(dash_duo, withdraw)
    dash_duo.wait_for_contains_text("#neg-alert", "Claim of team a withdrawn", timeout=20)
    dash_duo.wait_for_contains_text("#neg-claimed-card", "€5,000", timeout=20)  # Carl's only
    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        kept = negotiation.negotiation_of(plans.get_plan(store, e2e_plan.plan_id))
    finally:
        store.close()
    assert kept is not None and sorted(kept.claims) == ["c"]
    assert dash_duo.get_logs() == []


def test_a_kept_over_subscription_shows_in_the_waterfall_and_the_cards(start_app, e2e_plan):
    """Claims over the gap kept at the close: the waterfall goes on past the goal to the
    targets' total, and the Still open card says the targets exceed the goal."""
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import OWNER

    store = open_store(data_dir=e2e_plan.data_dir)
    try:
        state = negotiation.set_goal(store, e2e_plan.plan_id, OWNER, ratio="1.0001")
        gap = negotiation.summary(store, state.plan_id)["gap"]
        over = str(-(-(gap + 500_000) // 100))  # the gap and €5,000 more, in whole euros
        negotiation.claim(store, e2e_plan.plan_id, "lena", "a", amount=over, note="range")
        negotiation.close_round(store, e2e_plan.plan_id, OWNER, oversubscribed="keep")
    finally:
        store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-open-card", "targets exceed the goal by €5,000", 20)
    dash_duo.wait_for_contains_text("#neg-waterfall", "Kept over goal", timeout=20)
    dash_duo.wait_for_contains_text("#neg-waterfall", "+€5,000", timeout=20)
    assert "Still open" not in dash_duo.find_element("#neg-waterfall").text
    assert dash_duo.get_logs() == []
