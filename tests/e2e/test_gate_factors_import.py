"""The gate's threshold and new factors (System page), reopening the claiming round (Negotiation
page) and importing a JSON bundle (Plans page) in a real browser."""

from __future__ import annotations

import re
import time
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from tests.e2e.conftest import LEADS, OWNER, PLANNER
from tests.e2e.helpers import UNCHANGED, click, sign_in, type_into, upload

# Set the value of a React-controlled input (e.g. type=date, whose typed format depends on the
# browser's locale) through the native setter, so React's change tracking notices it.
SET_INPUT_VALUE = """
const el = arguments[0];
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
setter.call(el, arguments[1]);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""


def _open_store(data_dir: Path):
    from forecast.services.store_factory import open_store

    return open_store(data_dir=data_dir)


def _as(dash_duo, user: str) -> None:
    sign_in(dash_duo, user)


def _settle(dash_duo, timeout: float = 30) -> None:
    """Wait until no callback is pending, so the test ends on a quiet page (its console errors
    are all in the logs, and no callback is cut off when the server stops)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dash_duo.redux_state_rqs == []:
            return
        time.sleep(0.3)
    raise AssertionError(f"callbacks still pending: {dash_duo.redux_state_rqs}")


def _open_deviations(dash_duo) -> tuple[int, int] | None:
    """(open, marked) from the 'Deviations needing a reason' card, None while it is re-rendered."""
    try:
        for body in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#sys-totals .card-body"):
            if body.text.startswith("Deviations needing a reason"):
                value = body.find_element(By.CLASS_NAME, "stat-value").text
                found = re.fullmatch(r"([\d,]+) of ([\d,]+)", value.strip())
                if found:
                    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))
    except StaleElementReferenceException:
        pass
    return None


def _wait_for_open_deviations(dash_duo, wanted, timeout: float = 20) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    shown = None
    while time.monotonic() < deadline:
        shown = _open_deviations(dash_duo)
        if shown is not None and wanted(shown):
            return shown
        time.sleep(0.2)
    raise AssertionError(f"the deviations card shows {shown}")


def test_owner_raises_the_threshold_and_fewer_deviations_need_a_reason(start_app, e2e_plan):
    from forecast.services import plans, system

    store = _open_store(e2e_plan.data_dir)
    try:
        dates = sorted(system.system_plan(store, e2e_plan.plan_id)["ds"].unique())
        for name, scope, percent in (
            ("Flyer", "StoreType=a", 30),
            ("Reopening", "StoreType=c", 60),
        ):
            system.add_event(
                store,
                e2e_plan.plan_id,
                PLANNER,
                name=name,
                kind="promotion",
                scope=system.Scope.parse([scope]),
                start=dates[0],
                end=dates[-1],
                effect="percent",
                value=percent,
            )
        marked_at_20 = system.deviations(store, e2e_plan.plan_id)
        open_at_20 = int((~marked_at_20["explained"]).sum())
    finally:
        store.close()
    assert open_at_20 > 0

    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "2 event(s)", timeout=20)
    dash_duo.wait_for_text_to_equal("#sys-threshold", "20", timeout=20)
    before = _wait_for_open_deviations(dash_duo, lambda shown: shown[0] > 0)
    assert before == (open_at_20, len(marked_at_20))
    dash_duo.wait_for_element("#sys-gate-blocked", timeout=10)
    assert dash_duo.find_element("#sys-threshold-set").get_attribute("disabled") is None

    type_into(dash_duo, "#sys-threshold", "50")
    click(dash_duo, "#sys-threshold-set")
    dash_duo.wait_for_contains_text("#sys-alert", "Threshold set to 50 %", timeout=20)
    after = _wait_for_open_deviations(dash_duo, lambda shown: shown[0] < before[0])
    dash_duo.wait_for_contains_text("#sys-totals", "threshold 50 % per series-period", timeout=20)

    store = _open_store(e2e_plan.data_dir)
    try:
        assert abs(plans.get_plan(store, e2e_plan.plan_id).threshold - 0.50) < 1e-9
        marked_at_50 = system.deviations(store, e2e_plan.plan_id)
    finally:
        store.close()
    # only the 60 % event of store type c is still above a 50 % threshold
    assert 0 < after[0] == int((~marked_at_50["explained"]).sum()) < open_at_20
    assert after[1] == len(marked_at_50)
    dash_duo.wait_for_contains_text("#sys-gate-blocked", "above 50 %", timeout=10)
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_a_threshold_outside_0_to_100_percent_is_refused_naming_the_range(start_app, e2e_plan):
    """The box (min 1, max 999, step 1) sent nothing for 1000 or 12.5: "got None"."""
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_text_to_equal("#sys-threshold", "20", timeout=20)
    type_into(dash_duo, "#sys-threshold", "1000")
    click(dash_duo, "#sys-threshold-set")
    dash_duo.wait_for_contains_text("#sys-alert", "at most 100 %", timeout=20)
    assert "None" not in dash_duo.find_element("#sys-alert").text
    type_into(dash_duo, "#sys-threshold", "12.5")
    click(dash_duo, "#sys-threshold-set")
    dash_duo.wait_for_contains_text("#sys-alert", "Threshold set to", timeout=20)
    store = _open_store(e2e_plan.data_dir)
    try:
        from forecast.services import plans

        assert abs(plans.get_plan(store, e2e_plan.plan_id).threshold - 0.125) < 1e-9
    finally:
        store.close()
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_a_planner_cannot_set_the_threshold(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_text_to_equal("#sys-threshold", "20", timeout=20)
    _as(dash_duo, PLANNER)
    dash_duo.wait_for_contains_text(
        "#sys-role-threshold", f"{PLANNER} cannot change the threshold", timeout=20
    )
    assert dash_duo.find_element("#sys-threshold-set").get_attribute("disabled") is not None
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_planner_marks_a_new_factor_and_sees_before_and_after(start_app, e2e_plan):
    from forecast.services import plans

    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    _as(dash_duo, PLANNER)
    dash_duo.wait_for_element("#sys-factor-mark:not([disabled])", timeout=20)
    type_into(dash_duo, "#sys-factor-scope", "StoreType=a")
    type_into(dash_duo, "#sys-factor-name", "became a hit")  # leaving the scope field sends it
    start = dash_duo.find_element("#sys-factor-start")
    dash_duo.driver.execute_script(SET_INPUT_VALUE, start, "2015-05-04")
    assert start.get_attribute("value") == "2015-05-04"
    click(dash_duo, "#sys-factor-mark")
    dash_duo.wait_for_contains_text("#sys-factor-alert", "F1 'became a hit'", timeout=60)
    assert "2 series re-forecast" in dash_duo.find_element("#sys-factor-alert").text

    store = _open_store(e2e_plan.data_dir)
    try:
        (factor,) = plans.get_plan(store, e2e_plan.plan_id).factors
    finally:
        store.close()
    assert factor["name"] == "became a hit" and factor["start"] == "2015-05-04"
    assert factor["author"] == PLANNER and factor["n_series"] == 2
    assert factor["scope"]["attributes"] == {"StoreType": ["a"]}

    row = "#sys-factors-grid .ag-center-cols-container [row-id=F1]"
    dash_duo.wait_for_element(row, timeout=20)
    cells = {
        col: dash_duo.find_element(f"{row} [col-id={col}]").text
        for col in ("name", "scope", "start", "n_series", "baseline_before", "baseline_after")
    }
    assert cells["name"] == "became a hit"
    assert cells["start"] == "2015-05-04"
    assert cells["n_series"] == "2"
    assert cells["scope"] == "StoreType=a"
    assert cells["baseline_before"] == f"€{factor['baseline_before']:,.0f}"  # the plan's currency
    assert cells["baseline_after"] == f"€{factor['baseline_after']:,.0f}"
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_owner_reopens_the_round_after_closing_it(start_app, e2e_plan):
    from forecast.services import negotiation

    store = _open_store(e2e_plan.data_dir)
    try:
        plan = e2e_plan.plan_id
        negotiation.set_goal(store, plan, OWNER, ratio="10/6.5")
        negotiation.claim(store, plan, LEADS["a"], "a", amount="50000", note="flyer")
        negotiation.close_round(store, plan, OWNER)
        negotiation.assign(store, plan, OWNER, "pro_rata_baseline")
        assert negotiation.summary(store, plan)["stage"] == "assigning"
    finally:
        store.close()

    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_contains_text("#neg-stage-bar", "assigning", timeout=20)
    dash_duo.wait_for_element("#neg-reopen:not([disabled])", timeout=20)
    click(dash_duo, "#neg-reopen")
    dash_duo.wait_for_contains_text("#neg-alert", "open again", timeout=20)
    dash_duo.wait_for_element("#neg-reopen[disabled]", timeout=20)
    dash_duo.wait_for_element("#neg-close:not([disabled])", timeout=20)

    store = _open_store(e2e_plan.data_dir)
    try:
        summary = negotiation.summary(store, e2e_plan.plan_id)
        claim_a = negotiation.ledger(store, e2e_plan.plan_id).set_index("team").loc["a"]
    finally:
        store.close()
    assert summary["stage"] == "claiming"
    assert summary["assigned"] == 0
    assert int(claim_a["claim_minor"]) == 5_000_000
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_a_lead_cannot_reopen_the_round(start_app, e2e_plan):
    from forecast.services import negotiation

    store = _open_store(e2e_plan.data_dir)
    try:
        negotiation.set_goal(store, e2e_plan.plan_id, OWNER, ratio="10/6.5")
        negotiation.close_round(store, e2e_plan.plan_id, OWNER)
    finally:
        store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_element("#neg-reopen:not([disabled])", timeout=20)
    _as(dash_duo, LEADS["c"])
    dash_duo.wait_for_element("#neg-reopen[disabled]", timeout=20)
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def _bundle(data_dir: Path, plan_id: str) -> bytes:
    from forecast.services import exports, negotiation

    store = _open_store(data_dir)
    try:
        negotiation.set_goal(store, plan_id, OWNER, ratio="1.1")
        return exports.export_plan(store, plan_id, "json")
    finally:
        store.close()


def _plan_ids(data_dir: Path) -> list[str]:
    from forecast.services import plans

    store = _open_store(data_dir)
    try:
        return [s.plan_id for s in plans.list_plans(store)]
    finally:
        store.close()


def test_a_bundle_dropped_on_the_plans_page_is_imported_and_selected(start_app, e2e_plan, tmp_path):
    from forecast.services import negotiation, plans

    bundle = tmp_path / "e2e-bundle.json"
    bundle.write_bytes(_bundle(e2e_plan.data_dir, e2e_plan.plan_id))
    dash_duo = start_app(e2e_plan.data_dir, "/plans")
    dash_duo.wait_for_element(
        f"#plans-grid .ag-center-cols-container [row-id='{e2e_plan.plan_id}']", timeout=20
    )
    dash_duo.wait_for_contains_text("#plans-audit-grid", "goal", timeout=20)
    # its plan is in this store already: a second import needs a name of its own
    dash_duo.find_element("#plans-import-name").send_keys("e2e copy")
    upload(dash_duo, bundle, "plans-import")
    dash_duo.wait_for_contains_text("#plans-alert", "Imported e2e-bundle.json", timeout=30)
    assert "'e2e copy'" in dash_duo.find_element("#plans-alert").text
    assert "it is now selected" in dash_duo.find_element("#plans-alert").text

    ids = _plan_ids(e2e_plan.data_dir)
    assert len(ids) == 2 and e2e_plan.plan_id in ids
    (new_id,) = [i for i in ids if i != e2e_plan.plan_id]
    assert new_id in dash_duo.find_element("#plans-alert").text
    dash_duo.wait_for_element(
        f"#plans-grid .ag-center-cols-container [row-id='{new_id}']", timeout=20
    )
    # the imported plan is selected: the audit log below the grid is now the import's
    dash_duo.wait_for_contains_text(
        "#plans-audit-grid", f"import bundle of plan {e2e_plan.plan_id}", timeout=20
    )
    store = _open_store(e2e_plan.data_dir)
    try:
        imported = plans.get_plan(store, new_id)
        assert imported.has_role(OWNER, "owner")
        assert (
            negotiation.summary(store, new_id)["goal"]
            == negotiation.summary(store, e2e_plan.plan_id)["goal"]
        )
    finally:
        store.close()
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_a_truncated_bundle_is_refused_and_nothing_is_written(start_app, e2e_plan, tmp_path):
    data = _bundle(e2e_plan.data_dir, e2e_plan.plan_id)
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(data[: len(data) // 2])
    dash_duo = start_app(e2e_plan.data_dir, "/plans")
    dash_duo.wait_for_element(
        f"#plans-grid .ag-center-cols-container [row-id='{e2e_plan.plan_id}']", timeout=20
    )
    upload(dash_duo, truncated, "plans-import")
    dash_duo.wait_for_element("#plans-import-refused", timeout=30)
    assert "Imported" not in dash_duo.find_element("#plans-alert").text
    assert _plan_ids(e2e_plan.data_dir) == [e2e_plan.plan_id]
    rows = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, "#plans-grid .ag-center-cols-container [row-id]"
    )
    assert [r.get_attribute("row-id") for r in rows] == [e2e_plan.plan_id]
    _settle(dash_duo)
    assert dash_duo.get_logs() == []


def test_owner_splits_the_goal_by_period_and_edits_one_period(start_app, e2e_plan):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    from forecast.services import negotiation, plans

    dash_duo = start_app(e2e_plan.data_dir, "/negotiation")
    dash_duo.wait_for_element("#neg-set-goal:not([disabled])", timeout=20)
    type_into(dash_duo, "#neg-goal", "1.1x")
    click(dash_duo, "#neg-split")
    first = dash_duo.wait_for_element("#neg-period-grid .ag-center-cols-container [row-id]", 20)
    period = first.get_attribute("row-id")
    cell = dash_duo.find_element(f"#neg-period-grid [row-id='{period}'] [col-id=goal]")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", cell
    )
    ActionChains(dash_duo.driver).double_click(cell).perform()
    editor = dash_duo.wait_for_element(
        f"#neg-period-grid [row-id='{period}'] [col-id=goal] input", timeout=10
    )
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("1000000", Keys.ENTER)
    dash_duo.wait_for_contains_text(
        f"#neg-period-grid [row-id='{period}'] [col-id=goal]", "1,000,000.00", timeout=10
    )
    click(dash_duo, "#neg-set-goal")
    dash_duo.wait_for_contains_text("#neg-alert", "the claiming round is open", timeout=20)

    store = _open_store(e2e_plan.data_dir)
    try:
        neg = negotiation.negotiation_of(plans.get_plan(store, e2e_plan.plan_id))
        goal = negotiation.summary(store, e2e_plan.plan_id)["goal"]
    finally:
        store.close()
    assert neg is not None and neg.period_goals[period] == 100_000_000
    assert sum(neg.period_goals.values()) == goal
    _settle(dash_duo)
    assert dash_duo.get_logs() == []
