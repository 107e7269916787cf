"""Negotiation page in a real browser: goal, claims by two leads, assign, lock."""

from __future__ import annotations

import json

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
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-stage-bar", "draft", timeout=20)
    type_into(dash_duo, "#neg-goal", "10/6.5")
    click(dash_duo, "#neg-set-goal")
    dash_duo.wait_for_contains_text("#neg-alert", "the claiming round is open", timeout=20)
    dash_duo.wait_for_element("#neg-goal-card", timeout=10)

    _as(dash_duo, "lena")
    dash_duo.wait_for_contains_text(
        "#neg-board", "Only the lead of team c claims for it (carl)", timeout=20
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
