"""System plan page in a real browser: events change the plan, the gate blocks, explain, publish."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
from selenium.common.exceptions import StaleElementReferenceException

from tests.e2e.helpers import UNCHANGED, click, pick, sign_in, type_into


def _plan_total(dash_duo) -> str:
    return dash_duo.find_element("#sys-total-plan .stat-value").text


def _wait_for_total_other_than(dash_duo, before: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            now = _plan_total(dash_duo)
        except StaleElementReferenceException:  # the cards were just re-rendered
            now = before
        if now != before:
            return now
        time.sleep(0.2)
    raise AssertionError(f"the system plan total stayed at {before}")


def test_add_promotion_in_grid_changes_system_plan(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    dash_duo.wait_for_contains_text("#sys-fan-models", "Baseline models", timeout=20)
    assert "series): " in dash_duo.find_element("#sys-fan-models").text  # each name explained
    before = _plan_total(dash_duo)
    type_into(dash_duo, "#sys-event-name", "Summer promotion")
    type_into(dash_duo, "#sys-event-scope", "StoreType=a")
    type_into(dash_duo, "#sys-event-value", "30")  # leaving the scope field sends it
    dash_duo.wait_for_contains_text("#sys-event-suggestion", "over 2 series", timeout=20)
    # the form's window (first to last period) against last year's promotions in those weeks
    dash_duo.wait_for_contains_text("#sys-event-suggestion", "repeats last year's", timeout=20)
    # the value box says what an empty value takes: the suggestion net of last year's promotions
    said = dash_duo.find_element("#sys-event-suggestion").text
    hint = dash_duo.find_element("#sys-event-value").get_attribute("placeholder")
    assert hint.startswith("empty: ") and hint.endswith("\u00a0%")
    net = hint.removeprefix("empty: ").replace("\u00a0", " ")  # the page's text reads it as " "
    assert f"does not know over the window is about {net}" in said
    type_into(dash_duo, "#sys-event-reason", "national flyer")
    click(dash_duo, "#sys-event-add")
    dash_duo.wait_for_contains_text("#sys-alert", "Added E1 'Summer promotion'", timeout=20)
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    after = _plan_total(dash_duo)
    assert after != before
    moved = dash_duo.find_element("#sys-total-plan").text
    assert re.search(r"(?<![\d.+-])0\.0 % against", moved) is None, moved
    dash_duo.wait_for_contains_text("#sys-events-grid", "StoreType=a", timeout=10)
    assert "Summer promotion" in dash_duo.find_element("#sys-events-grid").text
    # the fan chart now carries the system plan line
    dash_duo.wait_for_contains_text("#sys-fan", "System plan", timeout=20)
    assert dash_duo.get_logs() == []


def test_gate_blocks_publish_until_explained(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    type_into(dash_duo, "#sys-event-name", "Easter")
    pick(dash_duo, "#sys-event-kind", "festival")
    type_into(dash_duo, "#sys-event-scope", "all")
    type_into(dash_duo, "#sys-event-value", "40")
    click(dash_duo, "#sys-event-add")
    dash_duo.wait_for_element("#sys-gate-blocked", timeout=20)
    click(dash_duo, "#sys-publish")
    dash_duo.wait_for_contains_text("#sys-publish-refused", "cannot be published", timeout=20)
    pick(dash_duo, "#sys-explain-event", "every open deviation of E1")
    pick(dash_duo, "#sys-explain-code", "Festival or holiday")
    type_into(dash_duo, "#sys-explain-text", "Easter week, stores open longer")
    click(dash_duo, "#sys-explain")
    dash_duo.wait_for_contains_text("#sys-alert", "Explained", timeout=20)
    dash_duo.wait_for_element("#sys-gate-open", timeout=20)
    click(dash_duo, "#sys-publish")
    dash_duo.wait_for_contains_text("#sys-published", "the negotiation goes on", timeout=20)
    dash_duo.wait_for_contains_text("#sys-role-publish", "already published", timeout=20)
    # the plan picker reads the list again (the page's counter passed on to the shell's)
    dash_duo.wait_for_contains_text("#nav-plan", "· published ·", timeout=20)
    assert dash_duo.get_logs() == []


def test_lead_sees_why_events_are_refused(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    sign_in(dash_duo, "lena")
    dash_duo.wait_for_contains_text("#sys-role-events", "lena cannot change events", timeout=20)
    assert dash_duo.find_element("#sys-event-add").get_attribute("disabled") is not None
    assert dash_duo.get_logs() == []


def test_edit_event_value_in_grid_updates_plan(start_app, e2e_plan):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    from forecast.services import system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    dates = sorted(system.system_plan(store, e2e_plan.plan_id)["ds"].unique())
    system.add_event(
        store,
        e2e_plan.plan_id,
        "piet",
        name="Flyer",
        kind="promotion",
        scope=system.Scope.parse(["StoreType=c"]),
        start=dates[0],
        end=dates[1],
        effect="percent",
        value=10,
    )
    store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    before = _plan_total(dash_duo)
    cell = dash_duo.wait_for_element("#sys-events-grid [row-id=E1] [col-id=value]", timeout=20)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", cell
    )
    ActionChains(dash_duo.driver).double_click(cell).perform()
    editor = dash_duo.wait_for_element(
        "#sys-events-grid [row-id=E1] [col-id=value] input", timeout=10
    )
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("50", Keys.ENTER)
    dash_duo.wait_for_contains_text("#sys-alert", "Changed E1 'Flyer'", timeout=20)
    dash_duo.wait_for_text_to_equal("#sys-events-grid [row-id=E1] [col-id=value]", "50", timeout=20)
    _wait_for_total_other_than(dash_duo, before)
    # emptied, the value goes back to what the system offers for the event
    store = open_store(data_dir=e2e_plan.data_dir)
    uplift, net = system.event_suggestion(
        store, e2e_plan.plan_id, "promotion", system.Scope.parse(["StoreType=c"]), *dates[:2]
    )
    store.close()
    offer = net.new_value if net is not None else uplift.value
    cell = dash_duo.find_element("#sys-events-grid [row-id=E1] [col-id=value]")
    ActionChains(dash_duo.driver).double_click(cell).perform()
    editor = dash_duo.wait_for_element(
        "#sys-events-grid [row-id=E1] [col-id=value] input", timeout=10
    )
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE, Keys.ENTER)
    dash_duo.wait_for_text_to_equal(
        "#sys-events-grid [row-id=E1] [col-id=value]", f"{offer:g}", timeout=20
    )
    assert dash_duo.get_logs() == []


def test_a_row_click_selects_an_event_removal_asks_first_and_can_be_undone(start_app, e2e_plan):
    from forecast.services import system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    dates = sorted(system.system_plan(store, e2e_plan.plan_id)["ds"].unique())
    system.add_event(
        store,
        e2e_plan.plan_id,
        "piet",
        name="Flyer",
        kind="promotion",
        scope=system.Scope.parse(["StoreType=c"]),
        start=dates[0],
        end=dates[1],
        effect="add",
        value=5000,
    )
    store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    click(dash_duo, "#sys-events-grid [row-id=E1] [col-id=author]")  # a plain cell, no checkbox
    click(dash_duo, "#sys-event-remove")
    dash_duo.wait_for_contains_text("#sys-remove-question", "Remove event E1 'Flyer'", timeout=10)
    click(dash_duo, "#sys-remove-confirm")
    dash_duo.wait_for_contains_text("#sys-alert", "+€5,000 per series and period", timeout=20)
    dash_duo.wait_for_contains_text("#sys-total-plan", "0 event(s)", timeout=20)
    click(dash_duo, "#sys-undo")
    dash_duo.wait_for_contains_text("#sys-alert", "Restored E1 'Flyer'", timeout=20)
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    assert dash_duo.get_logs() == []


def test_a_dropped_promotions_calendar_adds_its_events_in_one_go(start_app, e2e_plan, tmp_path):
    from forecast.services import system_views
    from forecast.services.store_factory import open_store
    from tests.e2e.helpers import upload

    store = open_store(data_dir=e2e_plan.data_dir)
    page = system_views.system_page(store, e2e_plan.plan_id, "olga")
    store.close()
    start, end = page.dates[0], page.period_ends[1]
    calendar = tmp_path / "promos.csv"
    calendar.write_text(
        "name,kind,scope,start,end,effect,value,reason\n"
        f"May flyer,promotion,StoreType=a,{start},{end},percent,15%,national flyer\n"
        f"Supplier cut,purchase_limit,,{start},{end},cap,800,allocation\n"
    )
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    before = _plan_total(dash_duo)
    upload(dash_duo, calendar, "sys-events-upload")
    dash_duo.wait_for_contains_text(
        "#sys-events-file-alert", "Imported 2 event(s) from promos.csv as E1..E2", timeout=20
    )
    dash_duo.wait_for_contains_text("#sys-total-plan", "2 event(s)", timeout=20)
    dash_duo.wait_for_contains_text("#sys-events-grid", "Supplier cut", timeout=10)
    assert _plan_total(dash_duo) != before
    # and back out: the plan's events as a CSV the import reads
    click(dash_duo, "#sys-events-download-csv")
    folder = Path(dash_duo.download_path)
    deadline = time.monotonic() + 20
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = list(folder.glob("*events*.csv"))
        if files and not list(folder.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert files, f"no events CSV in {folder}: {list(folder.iterdir())}"
    assert "May flyer" in files[0].read_text(encoding="utf-8")
    # or as a workbook, whose "events" sheet the import reads as it is
    click(dash_duo, "#sys-events-download-xlsx")
    deadline = time.monotonic() + 20
    books: list[Path] = []
    while time.monotonic() < deadline:
        books = list(folder.glob("*events*.xlsx"))
        if books and not list(folder.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert books, f"no events workbook in {folder}: {list(folder.iterdir())}"
    sheet = pd.read_excel(books[0], sheet_name="events")
    assert list(sheet["name"]) == ["May flyer", "Supplier cut"]
    assert dash_duo.get_logs() == []
