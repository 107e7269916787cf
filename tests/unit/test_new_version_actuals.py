"""A new version of a plan starts without the actuals uploaded to the version before it, which
they still score: asked to score the new version, the refusal names the version that keeps them."""

from __future__ import annotations

import json

import pytest
from test_actuals_scale import as_csv, forecast_times, make_plan

from forecast.services import accuracy, actuals, plan_members, plan_versions, plans
from forecast.services.errors import NotFound
from forecast.store import MemoryStore
from tests.signin import acting_as


def test_scoring_a_new_version_without_actuals_names_the_earlier_version_that_keeps_them():
    store = MemoryStore()
    first = make_plan(store)
    weeks = forecast_times(store, first, 1.1)
    actuals.upload_actuals(store, first, as_csv(weeks), filename="a.csv", actor="olga")
    second = plan_versions.new_version(store, first, "olga").plan_id

    with pytest.raises(NotFound) as refused:
        accuracy.fva(store, second, user="olga")

    said = str(refused.value)
    assert f"plan {second} has no actuals yet" in said
    assert f"new version of plan {first}" in said
    assert actuals.earlier_version_with_actuals(store, second, "olga").plan.plan_id == first
    assert actuals.earlier_version_with_actuals(store, first, "olga") is None  # it keeps its own


def _new_version_granted_to_piet_only(store: MemoryStore) -> tuple[str, str]:
    first = make_plan(store)
    weeks = forecast_times(store, first, 1.1)
    actuals.upload_actuals(store, first, as_csv(weeks), filename="a.csv", actor="olga")
    second = plan_versions.new_version(store, first, "olga", name="renamed line").plan_id
    plan_members.grant(store, second, "olga", "piet", "planner")
    return first, second


def test_scoring_a_new_version_does_not_name_an_earlier_version_the_user_may_not_see():
    store = MemoryStore()
    first, second = _new_version_granted_to_piet_only(store)
    name = store.get(first).name

    with pytest.raises(NotFound) as refused:
        accuracy.fva(store, second, user="piet")

    said = str(refused.value)
    assert "an earlier version of this plan keeps them; ask its owner" in said
    assert first not in said and name not in said
    assert "earlier_name" not in refused.value.fix.params
    assert actuals.earlier_version_with_actuals(store, second, "piet").plan is None
    assert actuals.earlier_version_with_actuals(store, second, "piet", admin=True).plan


def _alert_text(alert) -> str:
    def walk(node) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, list | tuple):
            return "".join(walk(n) for n in node)
        children = getattr(node, "children", None)
        return "" if children is None else walk(children)

    return walk(alert)


def test_the_actuals_and_accuracy_pages_name_the_earlier_version_that_keeps_the_actuals():
    from dashboard.context import DashboardContext
    from dashboard.pages import accuracy as accuracy_page
    from dashboard.pages import actuals as actuals_page

    store = MemoryStore()
    first = make_plan(store)
    weeks = forecast_times(store, first, 1.1)
    actuals.upload_actuals(store, first, as_csv(weeks), filename="a.csv", actor="olga")
    second = plan_versions.new_version(store, first, "olga").plan_id
    ctx = DashboardContext(_store=store)
    name = store.get(first).name

    with acting_as(store, "olga"):
        on_actuals = _alert_text(actuals_page.show_kept(ctx, {"plan_id": second})[3])
        on_accuracy = _alert_text(accuracy_page.render(ctx, {"plan_id": second}, None)[4])

    for said in (on_actuals, on_accuracy):
        assert f"new version of '{name}' ({first}" in said
        assert "keeps the actuals uploaded so far" in said
    # the version that keeps its own actuals is scored, with no such note
    assert actuals_page.show_kept(ctx, {"plan_id": first})[3] is None


def test_the_actuals_and_accuracy_pages_do_not_name_an_earlier_version_the_user_may_not_see():
    from dashboard.context import DashboardContext
    from dashboard.pages import accuracy as accuracy_page
    from dashboard.pages import actuals as actuals_page

    store = MemoryStore()
    first, second = _new_version_granted_to_piet_only(store)
    ctx = DashboardContext(_store=store)
    name = store.get(first).name

    with acting_as(store, "piet"):
        on_actuals = _alert_text(actuals_page.show_kept(ctx, {"plan_id": second})[3])
        on_accuracy = _alert_text(accuracy_page.render(ctx, {"plan_id": second}, None)[4])

    for said in (on_actuals, on_accuracy):
        assert "an earlier version of this plan keeps them; ask its owner" in said
        assert first not in said and name not in said


def test_an_event_carried_into_a_new_version_cites_the_row_that_made_the_version():
    """Its own add_event row is in the earlier version's audit; the new version's touch table
    cites the new_version row that carried it in (was audit [])."""
    from forecast.services import system

    store = MemoryStore()
    first = make_plan(store)
    weeks = forecast_times(store, first, 1.1)
    start = weeks["ds"].min().date()
    system.add_event(
        store, first, "olga", name="flyer", kind="promotion", start=start, end=start,
        effect="percent", value=10,
    )  # fmt: skip
    second = plan_versions.new_version(store, first, "olga").plan_id
    actuals.upload_actuals(store, second, as_csv(weeks), filename="a.csv", actor="olga")

    touches = accuracy.fva(store, second).touches
    (made,) = [e for e in plans.audit_log(store, second) if e.action == "new_version"]
    event = touches[touches["touch_type"] == "event"]
    assert len(event) == 1
    assert json.loads(event["audit_ids"].iloc[0]) == [made.id]


def test_restoring_the_actuals_in_force_or_equal_ones_changes_nothing_and_is_no_error():
    store = MemoryStore()
    plan = make_plan(store)
    weeks = forecast_times(store, plan, 1.1)
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="a.csv", actor="olga")
    other = weeks.assign(y=weeks["y"] * 2)
    actuals.upload_actuals(store, plan, as_csv(other), filename="wrong.csv", actor="olga")
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="a again.csv", actor="olga")

    same_version = actuals.restore_actuals(store, plan, 3, actor="olga")
    equal_actuals = actuals.restore_actuals(store, plan, 1, actor="olga")

    assert [v.version for v in actuals.actuals_versions(store, plan)] == [1, 2, 3]
    assert same_version.unchanged and not same_version.to_dict()["version_made"]
    assert "version 3 of plan" in same_version.message()
    assert "is already the one in force: nothing changed" in same_version.message()
    assert equal_actuals.unchanged
    assert "holds the same actuals as version 3, the one in force" in equal_actuals.message()


def test_the_refusal_the_page_and_the_cli_name_the_same_earlier_version_from_one_set_of_facts(
    tmp_path,
):
    """The service finds the earlier version that keeps the actuals once (`EarlierVersion`: its
    id, name and status, or none of them for one the user may not see); a refusal carries those
    facts, and the refusal, the Actuals page and `forecast plan actuals-versions` each word them."""
    from typer.testing import CliRunner

    from dashboard import components
    from dashboard.context import DashboardContext
    from dashboard.pages import actuals as actuals_page
    from forecast.cli import app
    from forecast.services.store_factory import open_store

    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    first, second = _new_version_granted_to_piet_only(store)
    earlier = store.get(first)
    found = actuals.earlier_version_with_actuals(store, second, "olga")
    unseen = actuals.earlier_version_with_actuals(store, second, "piet")
    refused = {}
    for user in ("olga", "piet"):
        with pytest.raises(NotFound) as refusal:
            accuracy.fva(store, second, user=user)
        refused[user] = refusal.value
    ctx = DashboardContext(_store=store)
    with acting_as(store, "olga"):
        notice = _alert_text(actuals_page.earlier_version_notice(ctx, second))
    store.close()
    listed = CliRunner().invoke(
        app, ["plan", "actuals-versions", second, "--data-dir", str(data_dir)]
    )

    assert (found.plan_id, found.name, found.status) == (first, earlier.name, earlier.status)
    assert actuals.EarlierVersion.from_fix(refused["olga"].fix) == found
    assert actuals.EarlierVersion.from_fix(refused["piet"].fix) == unseen
    assert not unseen.seen and (unseen.plan_id, unseen.name, unseen.status) == ("", "", "")
    on_page = components.earlier_version_keeps_actuals(found)
    assert on_page in notice and on_page in _alert_text(components.error_alert(refused["olga"]))
    for said in (str(refused["olga"]), notice, listed.stdout):
        assert first in said and earlier.status in said, said
    assert f"'{earlier.name}' ({first}, {earlier.status})" in notice
    assert f"its earlier version {first} ({earlier.status}) keeps the actuals" in listed.stdout
