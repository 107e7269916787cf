"""Refused edits on the Negotiation page say what to do on the page, never a command-line flag."""

from __future__ import annotations

import re

from tests.e2e.conftest import OWNER, PLANNER
from tests.e2e.helpers import click, pick, settle, sign_in, type_into

CLI_WORDS = re.compile(r"(?<![\w-])--[a-z]|\bforecast (plan|user)\b")


def _claiming_round(data_dir, plan_id: str) -> None:
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=data_dir)
    negotiation.set_goal(store, plan_id, OWNER, ratio="10/6.5")
    store.close()


def test_a_planner_is_pointed_to_the_teams_lead_and_the_owner_how_to_fix_manual_amounts(
    start_app, e2e_plan
):
    _claiming_round(e2e_plan.data_dir, e2e_plan.plan_id)
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation", user=PLANNER)
    dash_duo.wait_for_contains_text(
        "#neg-board",
        "ask lena, the lead of team a, to claim for it",
        timeout=20,
    )
    assert not CLI_WORDS.search(dash_duo.find_element("#neg-board").text)

    sign_in(dash_duo, OWNER, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-stage-bar", "claiming", timeout=20)
    click(dash_duo, "#neg-close")
    dash_duo.wait_for_contains_text("#neg-alert", "round is closed", timeout=20)
    pick(dash_duo, "#neg-rule", "manual amounts")
    dash_duo.wait_for_element("#neg-manual input", timeout=10)
    type_into(dash_duo, "#neg-manual input", "1000")  # the other teams' boxes left empty
    click(dash_duo, "#neg-assign")
    dash_duo.wait_for_contains_text(
        "#neg-alert", "change the amounts in the teams' boxes under the rule", timeout=20
    )
    alert = dash_duo.find_element("#neg-alert").text
    assert "the manual amounts add up to" in alert.lower() and not CLI_WORDS.search(alert), alert
    settle(dash_duo)  # the page re-rendered after the refusal: the typing is still there
    assert dash_duo.find_element("#neg-manual input").get_attribute("value") == "1000"
    assert dash_duo.get_logs() == []
