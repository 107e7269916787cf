"""The demo's Accuracy page out of the box: after `forecast demo` made its plans, the owner opens
the Accuracy page and, without uploading anything, reaches the held-out plan's FVA waterfall,
its touch table (touches that helped and touches that made it worse) and the track record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import OWNER, E2EPlan
from tests.e2e.helpers import axe_violations, click, count_now, describe_violations
from tests.fixtures import copy_of


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> E2EPlan:
    """The stores `forecast demo` makes (the sample plan with a seasonal naive baseline, to be
    quick; the held-out plan as the demo makes it), built once for the module."""
    from forecast.cli.serve_cmds import ensure_demo_plan

    data_dir = tmp_path_factory.mktemp("demo-template") / "data"
    plan_id, created = ensure_demo_plan(db=None, data_dir=data_dir, model="snaive")
    assert created
    return E2EPlan(plan_id=plan_id, data_dir=data_dir)


@pytest.fixture
def demo_store(demo_template: E2EPlan, tmp_path: Path) -> E2EPlan:
    return copy_of(demo_template, tmp_path)


def test_demo_accuracy_page_shows_the_held_out_plan_without_an_upload(start_app, demo_store):
    from forecast.services import accuracy, demo_heldout
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=demo_store.data_dir)
    heldout = demo_heldout.find_heldout_plan(store)
    assert heldout is not None
    report = accuracy.fva(store, heldout)
    store.close()
    touches = report.touches

    # The dashboard opens on the sample plan (a round in progress, no actuals): the page says so
    # and offers the held-out plan.
    dash_duo = start_app(demo_store.data_dir, "/accuracy", user=OWNER)
    button = f'#acc-scored-plans button[id*="{heldout}"]'
    dash_duo.wait_for_element(button, timeout=30)
    assert demo_heldout.HELDOUT_PLAN_NAME in dash_duo.find_element(button).text
    dash_duo.wait_for_no_elements("._dash-loading", timeout=20)
    violations = axe_violations(dash_duo)
    assert violations == [], describe_violations(violations)
    click(dash_duo, button)

    dash_duo.wait_for_contains_text("#nav-plan", demo_heldout.HELDOUT_PLAN_NAME, timeout=20)
    dash_duo.wait_for_element("#acc-touches-grid .ag-center-cols-container [row-id=t0]", timeout=30)
    dash_duo.wait_for_contains_text("#acc-scored-on", "agreed", timeout=20)
    assert count_now(dash_duo, "#acc-scored-plans .alert") == 0

    # The waterfall: baseline, events, system plan, claims and assignment, target.
    bars = dash_duo.driver.execute_script(
        "return document.getElementById('acc-waterfall').querySelector('.js-plotly-plot')"
        ".data[0].x;"
    )
    overall = report.overall()
    assert [b for b in bars if b in set(overall["label"])] == list(overall["label"])
    assert len(bars) == 5

    # The touch table: the first row is the service's worst touch; both verdicts are there.
    first = touches.iloc[0]
    cell = "#acc-touches-grid .ag-center-cols-container [row-id=t0] [col-id={}]"
    assert dash_duo.find_element(cell.format("touch")).text == first["touch"]
    assert dash_duo.find_element(cell.format("verdict")).text == "made it worse"
    assert touches["made_worse"].any() and (~touches["made_worse"]).any()
    dash_duo.wait_for_contains_text("#acc-touches-grid", "helped", timeout=10)
    # The holiday events carry the planner's own values, each scored against the system's offer.
    offered = touches[touches["touch_type"] == "vs suggestion"]
    assert len(offered) >= 2 and offered["touch"].str.contains(" values given instead").any()
    dash_duo.wait_for_contains_text("#acc-touches-grid", "vs suggestion", timeout=10)

    # The track record names the held-out plan.
    dash_duo.wait_for_contains_text("#acc-track-grid", demo_heldout.HELDOUT_PLAN_NAME, timeout=20)

    # The Actuals page of the same plan shows its kept version and the verdict, no upload needed.
    dash_duo.driver.get(dash_duo.server_url + "/actuals")
    dash_duo.wait_for_contains_text("#actuals-verdict", "came closer", timeout=30)
    dash_duo.wait_for_contains_text("#actuals-versions", "2015-04-27", timeout=20)
    assert dash_duo.get_logs() == []
