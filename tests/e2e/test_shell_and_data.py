"""The shell and the Data page in a real browser."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import TimeoutException

from forecast.services.store_factory import open_store
from tests.e2e.helpers import (
    axe_violations,
    click,
    count_now,
    describe_violations,
    pick,
    settle,
    type_into,
    upload,
)


def test_empty_store_shows_data_page_with_upload_limit_and_says_when_the_server_is_gone(
    start_app, tmp_path
):
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_text_to_equal("h1", "Data", timeout=10)
    dash_duo.wait_for_contains_text("#data-upload", "up to 50 MB", timeout=5)
    assert "How to read this" in dash_duo.find_element("#_pages_content").text
    assert dash_duo.get_logs() == []
    notice = dash_duo.find_element("#nav-offline")
    assert not notice.is_displayed()
    # The network gone: a click whose callback cannot reach the server says so on the page
    # (it was only a console line), and once the server answers again the notice says that.
    driver = dash_duo.driver
    offline = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": True})
    click(dash_duo, "#data-use-sample")
    dash_duo.wait_for_contains_text("#nav-offline", "Cannot reach the server", timeout=10)
    assert notice.is_displayed() and notice.get_attribute("role") == "status"
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
    dash_duo.wait_for_contains_text("#nav-offline", "make it again", timeout=20)
    # A page's own poll that gets through does not hide it before the person has read it.
    driver.execute_script(POLL)
    dash_duo.wait_for_text_to_equal("#poll-answered", "yes", timeout=10)
    assert notice.is_displayed() and "make it again" in notice.text
    dash_duo.reset_log_timestamp()  # the failed request's console lines are the point above
    click(dash_duo, "#data-use-sample")
    dash_duo.wait_for_contains_text("#data-upload-status", "bundled sample", timeout=20)
    assert not notice.is_displayed()
    # Only a poll failing lost nothing of the person's: once the server answers, the notice goes.
    settle(dash_duo)  # the sample's own reads done first: those would be the person's change
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": True})
    driver.execute_script(POLL)
    dash_duo.wait_for_contains_text("#nav-offline", "Cannot reach the server", timeout=10)
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
    dash_duo.wait_for_no_elements("#nav-offline:not([hidden])", timeout=20)
    dash_duo.reset_log_timestamp()
    assert dash_duo.get_logs() == []


# What an interval's tick sends (its answer does not matter here: that the server answered does);
# it marks the page when the answer came, so the test can wait for it.
POLL = """
document.getElementById("poll-answered")?.remove();
fetch("/_dash-update-component", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({output: "x.children", outputs: {id: "x", property: "children"},
        inputs: [], state: [], changedPropIds: ["nav-poll.n_intervals"]})})
.catch(() => null).then((r) => {
    if (!r) { return; }
    const mark = document.createElement("span");
    mark.id = "poll-answered"; mark.textContent = "yes"; document.body.appendChild(mark);
});
"""


def test_file_over_the_upload_limit_gets_a_visible_message(start_app, tmp_path, rossmann_stores):
    dash_duo = start_app(tmp_path / "data", upload_limit_bytes=1000)
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, rossmann_stores)
    dash_duo.wait_for_contains_text("#data-upload-too-big", "over the upload limit", timeout=10)
    assert dash_duo.find_element("#data-report").text == ""
    assert dash_duo.get_logs() == []


def test_upload_shipped_file_shows_validation_report_and_mapping(
    start_app, tmp_path, rossmann_train
):
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, rossmann_train)
    dash_duo.wait_for_contains_text("#data-report-ok", "the file is valid", timeout=30)
    report = dash_duo.find_element("#data-report-ok").text
    assert "100 series" in report
    assert "Promo" in report
    dash_duo.wait_for_contains_text(f"#{'data-map-date'}", "Date", timeout=5)
    assert "Sales" in dash_duo.find_element("#data-map-value").text
    assert "Store" in dash_duo.find_element("#data-map-id").text
    assert dash_duo.get_logs() == []


def test_upload_with_problems_lists_each_with_row_and_column_until_fixed_under_its_name(
    start_app, tmp_path
):
    bad = tmp_path / "bad_sales.csv"
    rows = ["Store,Date,Sales"] + [f"1,2024-01-{day:02d},{100 + day}" for day in range(1, 21)]
    rows[5] = "1,2024-01-05,abc"  # spreadsheet row 6
    rows[8] = "1,2024-13-45,120"  # spreadsheet row 9
    bad.write_text("\n".join(rows) + "\n")
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, bad)
    dash_duo.wait_for_contains_text(
        "#data-report-problems", "problem(s) in bad_sales.csv", timeout=30
    )
    dash_duo.wait_for_element("#data-problems-grid .ag-row", timeout=10)
    grid_text = dash_duo.find_element("#data-problems-grid").text
    assert "Sales" in grid_text and "Date" in grid_text
    assert "abc" in grid_text and "2024-13-45" in grid_text
    rows_shown = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#data-problems-grid .ag-row [col-id=row]'))"
        ".map(e => e.innerText)"
    )
    assert sorted(rows_shown) == ["6", "9"]
    violations = axe_violations(dash_duo)
    assert violations == [], describe_violations(violations)
    # Fixed under the same name and chosen again: read again, the old report goes.
    rows[5], rows[8] = "1,2024-01-05,105", "1,2024-01-08,108"
    bad.write_text("\n".join(rows) + "\n")
    upload(dash_duo, bad)
    dash_duo.wait_for_contains_text("#data-report-ok", "the file is valid", timeout=30)
    assert count_now(dash_duo, "#data-report-problems") == 0
    assert dash_duo.get_logs() == []


def test_create_plan_runs_baseline_in_background_and_selects_it(start_app, tmp_path):
    # Signed in as someone other than the default owner: the background job must take the
    # creator from the signed-in session (the page has no name field to type one into).
    dash_duo = start_app(tmp_path / "data", user="piet")
    dash_duo.wait_for_element("#data-use-sample", timeout=10)
    click(dash_duo, "#data-use-sample")
    dash_duo.wait_for_contains_text("#data-report-ok", "100 series", timeout=30)
    dash_duo.wait_for_contains_text("#data-team-attr", "StoreType", timeout=5)
    dash_duo.wait_for_contains_text("#data-currency", "EUR", timeout=5)  # German stores
    pick(dash_duo, "#data-model", "snaive")
    type_into(dash_duo, "#data-plan-name", "Browser plan")
    click(dash_duo, "#data-create")
    try:
        # The job takes seconds (5 to 11 s beside two busy cores); 120 s without an answer is
        # a job that hung, and the page's last step says where.
        dash_duo.wait_for_contains_text(
            "#data-create-ok", "Plan 'Browser plan' created", timeout=120
        )
    except TimeoutException:
        step = dash_duo.find_element("#data-progress-text").text
        answer = dash_duo.find_element("#data-create-result").text
        pytest.fail(f"no plan after 120 s; the page's last step: {step!r}, answer: {answer!r}")
    created = dash_duo.find_element("#data-create-ok").text
    assert "100 series" in created
    assert "models snaive for 100 (17 of them: a gap of 26 to 27 periods filled" in created
    dash_duo.wait_for_contains_text("#nav-plan", "Browser plan", timeout=10)
    dash_duo.wait_for_contains_text("#nav-role", "piet — owner", timeout=10)
    assert count_now(dash_duo, "#data-creator") == 0
    store = open_store(data_dir=tmp_path / "data")
    try:
        (plan,) = store.list()
        assert plan.created_by == "piet"
        assert store.get(plan.plan_id).currency == "EUR"
        assert [(e.actor, e.action) for e in store.audit(plan.plan_id)][0] == ("piet", "create")
    finally:
        store.close()
    assert dash_duo.get_logs() == []


def test_a_typed_data_address_opens_the_data_page_and_an_unknown_one_lists_the_pages(
    start_app, tmp_path
):
    dash_duo = start_app(tmp_path, "/data")
    dash_duo.wait_for_element("#data-upload", timeout=20)
    dash_duo.driver.get(f"{dash_duo.server_url}/no-such-page")
    dash_duo.wait_for_contains_text("#not-found", "There is no such page", timeout=20)
    assert "Negotiation" in dash_duo.find_element("#not-found").text
    assert dash_duo.get_logs() == []
