"""The weekly rerun on the Data page in a real browser: this week's file, "Like an earlier plan"
picked, the form filled from it, and the new plan carrying its event."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.conftest import E2EPlan
from tests.e2e.helpers import (
    axe_violations,
    click,
    describe_violations,
    pick,
    settle,
    type_into,
    upload,
)
from tests.fixtures import OWNER, six_store_csv


def test_a_plan_made_like_the_sample_plan_carries_its_event(
    start_app, e2e_plan: E2EPlan, tmp_path, rossmann_train
):
    from forecast.services import plans, system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    state = plans.get_plan(store, e2e_plan.plan_id)
    first = date.fromisoformat(str(state.dataset.end)[:10]) + timedelta(days=7)
    system.add_event(
        store, e2e_plan.plan_id, OWNER, name="Summer flyer", kind="promotion", start=first,
        end=first + timedelta(days=6), effect="percent", value=10, reason="flyer",
    )  # fmt: skip
    store.close()
    source = six_store_csv(rossmann_train, tmp_path / "rossmann_6stores.csv")

    dash_duo = start_app(e2e_plan.data_dir)
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, source)
    dash_duo.wait_for_contains_text("#data-report-ok", "Value (sales): Sales", timeout=60)
    settle(dash_duo)

    pick(dash_duo, "#data-like", state.name)
    dash_duo.wait_for_contains_text("#data-like-hint", f"settings of {state.name!r}", timeout=10)
    assert "StoreType" in dash_duo.find_element("#data-team-attr").text
    assert dash_duo.find_element("#data-horizon").get_attribute("value") == str(state.horizon)
    settle(dash_duo)
    violations = axe_violations(dash_duo)
    assert violations == [], describe_violations(violations)
    type_into(dash_duo, "#data-plan-name", "Next week")
    click(dash_duo, "#data-create")

    dash_duo.wait_for_contains_text("#data-create-ok", "created like", timeout=180)
    report = dash_duo.find_element("#data-like-report").text
    assert "Events carried as they were: E1 'Summer flyer'" in report
    dash_duo.wait_for_contains_text("#nav-plan", "Next week", timeout=10)
    assert dash_duo.get_logs() == []
