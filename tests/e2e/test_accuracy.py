"""From uploading actuals to the FVA table in a real browser: the Actuals page keeps the upload as
a version, the Accuracy page shows the waterfall, the layers and every touch with the same
numbers as the service, and replays past cycles."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import LEADS, OWNER, PLANNER, E2EPlan
from tests.e2e.helpers import click, upload


@pytest.fixture
def scored_plan(e2e_plan: E2EPlan, tmp_path: Path) -> tuple[E2EPlan, Path]:
    """The test's plan with an event, negotiated and locked, and an actuals file of its first
    four weeks (the system plan of type a 10 % higher, the rest 5 % lower)."""
    from forecast.overrides import Scope
    from forecast.services import negotiation, system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    plan = e2e_plan.plan_id
    frame = negotiation.series_frame(store, plan)
    first = frame["ds"].min().date()
    system.add_event(
        store, plan, PLANNER, name="Spring flyer", kind="promotion",
        scope=Scope(attributes={"StoreType": ("a",)}), start=first,
        end=first + timedelta(days=13), effect="percent", value=8, reason="flyer",
    )  # fmt: skip
    negotiation.set_goal(store, plan, OWNER, ratio="1.1")
    negotiation.claim(store, plan, LEADS["a"], "a", amount="20000", note="second flyer wave")
    negotiation.close_round(store, plan, OWNER)
    negotiation.assign(store, plan, OWNER, "pro_rata_baseline")
    system.publish(store, plan, OWNER)
    negotiation.lock(store, plan, OWNER)
    frame = negotiation.negotiated_plan(store, plan)
    store.close()
    weeks = sorted(frame["ds"].unique())[:4]
    part = frame[frame["ds"].isin(weeks)]
    factor = part["team"].map(lambda t: 1.10 if t == "a" else 0.95)
    actuals = part[["unique_id", "ds"]].assign(y=(part["system_plan"] * factor).round(2))
    actuals["ds"] = actuals["ds"].dt.strftime("%Y-%m-%d")
    path = tmp_path / "actuals_first_weeks.csv"
    actuals.to_csv(path, index=False)
    return e2e_plan, path


def test_uploaded_actuals_lead_to_the_fva_table(start_app, scored_plan):
    plan, path = scored_plan
    dash_duo = start_app(plan.data_dir, "/actuals")
    dash_duo.wait_for_element("#actuals-upload", timeout=20)
    dash_duo.wait_for_contains_text("#nav-role", OWNER, timeout=10)  # start_app signed in
    upload(dash_duo, path, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-alert", "Kept as actuals version 1", timeout=30)
    dash_duo.wait_for_contains_text("#actuals-versions", "actuals_first_weeks.csv", timeout=20)

    from dashboard.pages import accuracy as accuracy_page
    from forecast.services import accuracy
    from forecast.services.money import format_points
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=plan.data_dir)
    report = accuracy.fva(store, plan.plan_id)
    store.close()
    assert len(report.periods) == 4  # a partial horizon

    dash_duo.driver.get(dash_duo.server_url + "/accuracy")
    dash_duo.wait_for_element("#acc-touches-grid .ag-center-cols-container [row-id=t0]", timeout=30)
    first = report.touches.iloc[0]
    cell = dash_duo.find_element(
        "#acc-touches-grid .ag-center-cols-container [row-id=t0] [col-id=touch]"
    )
    assert cell.text == accuracy_page.touch_label(first["touch_type"], first["touch"])
    verdict = dash_duo.find_element(
        "#acc-touches-grid .ag-center-cols-container [row-id=t0] [col-id=verdict]"
    )
    assert verdict.text == ("made it worse" if first["made_worse"] else "helped")
    added = dash_duo.find_element(
        "#acc-touches-grid .ag-center-cols-container [row-id=t0] [col-id=value_added_wape]"
    )
    # the browser's formatter writes points as the server's does (grouped, signed)
    assert added.text == format_points(first["value_added_wape"], signed=True)
    overall = report.overall().set_index("layer")
    wape = dash_duo.find_element(
        "#acc-layers-grid .ag-center-cols-container [row-id='TOTAL|system_plan|1'] [col-id=wape]"
    )
    assert wape.text == f"{overall.loc['system_plan', 'wape'] * 100:.2f} %"
    dash_duo.wait_for_contains_text("#acc-scored-on", "agreed", timeout=10)
    dash_duo.wait_for_contains_text("#acc-track-grid", "E2E Rossmann", timeout=20)
    click(dash_duo, "#acc-download-touches")
    dash_duo.wait_for_contains_text(
        "#acc-download-status", f"fva-{plan.plan_id}-actuals-v1-touches.csv", timeout=20
    )
    assert dash_duo.get_logs() == []


def test_replay_of_past_cycles_states_its_assumptions(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/accuracy")
    dash_duo.wait_for_element("#replay-run", timeout=20)
    # No actuals yet: the alert says so, the parts that need them are out of the way, and the
    # track record and the replay (which need none of this plan's actuals) stay.
    dash_duo.wait_for_contains_text("#acc-alert", "no actuals yet", timeout=20)
    assert not dash_duo.find_element("#acc-scored-parts").is_displayed()
    assert dash_duo.find_element("#acc-download-track").is_displayed()
    click(dash_duo, "#replay-run")
    dash_duo.wait_for_contains_text("#replay-headline", "cycle(s)", timeout=180)
    dash_duo.wait_for_contains_text("#replay-summary", "Assumptions of the replay", timeout=10)
    dash_duo.wait_for_element("#replay-grid .ag-center-cols-container [row-id=c0]", timeout=10)
    # each cycle says which model served its baseline (seasonal naive, or the last value where
    # the history before the cycle held under one season)
    served = dash_duo.find_element(
        "#replay-grid .ag-center-cols-container [row-id=c0] [col-id=baseline_model]"
    )
    assert "naive" in served.text
    assert dash_duo.get_logs() == []
