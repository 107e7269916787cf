"""The basis drift notice in the dashboard's shell (`dashboard.drift_notice`): the pure builder,
and the shell's callback through Dash's HTTP endpoint on a small real plan, for the owner and a
lead, on the pages around the Negotiation page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard import drift_notice, ids
from dashboard.app import create_app
from forecast.overrides import Scope
from forecast.services import negotiation, system
from forecast.services.basis_drift import BasisDrift
from tests.fixtures import six_store_fixtures
from tests.signin import call, signed_in_client

template, plan = six_store_fixtures(
    "drift-notice", name="Drift plan", leads={"a": "lena", "c": "carl"}, accounts=["olga", "lena"]
)

DRIFT = BasisDrift("P1", "system_plan", "EUR", {"c": 30_152_200}, owners=("olga",))


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str):
        return component
    if isinstance(component, list | tuple):
        return "".join(_text(c) for c in component)
    if isinstance(component, dict):  # as the server sends it
        return _text(component.get("props", {}).get("children"))
    return _text(getattr(component, "children", None))


def _links(component) -> list[dict]:
    found = []
    if isinstance(component, list | tuple):
        for child in component:
            found += _links(child)
    elif isinstance(component, dict):
        props = component.get("props", {})
        if component.get("type") == "Link":
            found.append(props)
        found += _links(props.get("children"))
    elif hasattr(component, "to_plotly_json"):
        found += _links(component.to_plotly_json())
    return found


def test_no_drift_no_notice():
    assert drift_notice.notice(None, "olga") is None


def test_the_owner_is_shown_the_way_to_the_negotiation_pages_rebase():
    shown = drift_notice.notice(DRIFT, "olga")
    text = _text(shown)
    assert "older than the current system plan" in text and "team c +€301,522" in text
    assert "`forecast plan rebase P1`" in text
    (link,) = _links(shown)
    assert link["href"] == "/negotiation" and link["id"] == ids.NAV_DRIFT_REBASE


def test_the_others_are_told_who_can_rebase():
    shown = drift_notice.notice(DRIFT, "lena")
    assert "Only its owner (olga) can rebase, on the Negotiation page." in _text(shown)
    assert _links(shown) == []


def _promote_c_after_the_goal(plan) -> None:
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=plan.data_dir)
    try:
        negotiation.set_goal(store, plan.plan_id, "olga", ratio="1.05", basis="system_plan")
        frame = negotiation.series_frame(store, plan.plan_id)
        system.add_event(
            store,
            plan.plan_id,
            "olga",
            name="c promotion",
            kind="promotion",
            scope=Scope(attributes={"StoreType": ("c",)}),
            start=frame["ds"].min().date(),
            end=(frame["ds"].max() + timedelta(days=6)).date(),
            effect="percent",
            value=25.0,
            reason="flyer",
        )
    finally:
        store.close()


def _shown(app, plan_id: str, path: str, client=None) -> str:
    out = call(
        app,
        f"{ids.NAV_DRIFT}.children",
        inputs=[
            (ids.NAV_PLAN, "value", plan_id),
            ("nav-url", "pathname", path),
            (ids.NAV_PLAN_EDITED, "data", 0),
        ],
        client=client,
    )
    return _text(out[ids.NAV_DRIFT]["children"])


@pytest.mark.parametrize("path", ["/", "/system", "/side-by-side", "/actuals", "/plans"])
def test_the_shell_shows_the_drift_on_every_page_but_the_negotiation_page(plan, path):
    app = create_app(data_dir=str(plan.data_dir))
    assert _shown(app, plan.plan_id, path) == ""  # no goal yet
    _promote_c_after_the_goal(plan)
    shown = _shown(app, plan.plan_id, path)
    assert "Basis drift: The negotiation's basis is older than the current system plan" in shown
    assert "team c +€" in shown and "You own the plan: rebase on the Negotiation page" in shown
    # the Negotiation page has its own banner next to the Rebase button
    assert _shown(app, plan.plan_id, "/negotiation") == ""


def test_a_lead_is_told_who_rebases_and_the_notice_is_gone_after_the_rebase(plan):
    from forecast.services.store_factory import open_store

    app = create_app(data_dir=str(plan.data_dir))
    _promote_c_after_the_goal(plan)
    lena = signed_in_client(app, "lena")
    lena.get("/")
    assert "Only its owner (olga) can rebase" in _shown(app, plan.plan_id, "/system", lena)
    store = open_store(data_dir=plan.data_dir)
    try:
        negotiation.rebase(store, plan.plan_id, "olga")
    finally:
        store.close()
    assert _shown(app, plan.plan_id, "/system", lena) == ""


def test_two_owners_are_named_as_owners():
    two = BasisDrift("P1", "system_plan", "EUR", {"c": 1}, owners=("olga", "piet"))
    assert "Only its owners (olga, piet) can rebase, on the Negotiation page." in _text(
        drift_notice.notice(two, "lena")
    )


def test_without_an_active_owner_the_notice_says_an_admin_must_grant_one_first():
    orphan = BasisDrift("P1", "system_plan", "EUR", {"c": 1}, owners=())
    text = _text(drift_notice.notice(orphan, "lena"))
    assert "No owner of this plan can sign in: an admin must grant an owner first" in text
    assert "the plan's owner" not in text


def test_the_notice_shows_a_drift_of_cents_as_the_command_line_does():
    cents = BasisDrift("P1", "system_plan", "EUR", {"c": 40, "d": -149}, owners=("olga",))
    text = _text(drift_notice.notice(cents, "lena"))
    assert "teams c +€0.40, d −€1.49" in text
    assert cents.per_team() in cents.note()


def test_without_an_active_owner_the_command_lines_note_says_an_admin_grants_one_first():
    orphan = BasisDrift("P1", "system_plan", "EUR", {"c": 1}, owners=())
    for said in (orphan.note(), orphan.stretch_note()):
        assert "the owner rebases" not in said
        assert "an admin grants an owner first (`forecast plan grant P1 NAME --role owner`)" in said
        assert said.endswith("who rebases with `forecast plan rebase P1`")
    assert "until the owner rebases" not in orphan.text()


def test_the_notices_link_goes_to_the_negotiation_pages_path():
    from dashboard.pages import negotiation as negotiation_page

    assert drift_notice.NEGOTIATION_PATH == negotiation_page.PATH
