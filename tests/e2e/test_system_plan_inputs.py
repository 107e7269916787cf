"""The System plan page's event value, typed in a real browser: a decimal comma reads as the CLI
reads it, text that is no number is refused, an empty value says it took the suggestion."""

from __future__ import annotations

from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.e2e.helpers import UNCHANGED, click, pick, type_into


def _add(dash_duo, name: str, value: str) -> None:
    type_into(dash_duo, "#sys-event-name", name)
    type_into(dash_duo, "#sys-event-scope", "StoreType=c")
    box = dash_duo.find_element("#sys-event-value")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)  # as a person empties it (clear() sends React no change)
    box.send_keys(value)
    click(dash_duo, "#sys-event-add")


def _type_in_cell(dash_duo, row: str, column: str, text: str) -> None:
    cell = dash_duo.wait_for_element(f"#sys-events-grid [row-id={row}] [col-id={column}]")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", cell
    )
    ActionChains(dash_duo.driver).double_click(cell).perform()
    editor = dash_duo.wait_for_element(
        f"#sys-events-grid [row-id={row}] [col-id={column}] input", timeout=10
    )
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys(text, Keys.ENTER)


def test_an_event_value_with_a_decimal_comma_is_read_as_a_decimal(start_app, e2e_plan):
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    _add(dash_duo, "Comma", "12,5")
    dash_duo.wait_for_contains_text(
        "#sys-alert", "Added E1 'Comma' (promotion, +12.5 %", timeout=20
    )
    dash_duo.wait_for_text_to_equal(
        "#sys-events-grid [row-id=E1] [col-id=value]", "12.5", timeout=20
    )
    _type_in_cell(dash_duo, "E1", "value", "7,5")
    dash_duo.wait_for_contains_text(
        "#sys-alert", "Changed E1 'Comma' (promotion, +7.5 %", timeout=20
    )
    dash_duo.wait_for_text_to_equal(
        "#sys-events-grid [row-id=E1] [col-id=value]", "7.5", timeout=20
    )
    assert dash_duo.get_logs() == []


def test_an_event_value_that_is_no_number_or_an_empty_cap_is_refused_not_the_suggestion(
    start_app, e2e_plan
):
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", UNCHANGED, timeout=20)
    # a cap left empty: refused, not saved as the percent suggestion; its hint is an example
    type_into(dash_duo, "#sys-event-scope", "StoreType=c")
    pick(dash_duo, "#sys-event-effect", "cap")
    dash_duo.wait_for_contains_text("#sys-event-suggestion", "Suggested from history", timeout=20)
    # the percent's hint stays until the cap's suggestion has come back
    until(
        lambda: dash_duo.find_element("#sys-event-value").get_attribute("placeholder") == "15", 20
    )
    _add(dash_duo, "Limit", "")
    dash_duo.wait_for_contains_text("#sys-alert", "Give a value for the cap", timeout=20)
    pick(dash_duo, "#sys-event-effect", "percent")
    _add(dash_duo, "Typo", "abc")
    dash_duo.wait_for_contains_text("#sys-alert", "'abc' is not a percent", timeout=20)
    _add(dash_duo, "Huge", "1e400")
    dash_duo.wait_for_contains_text("#sys-alert", "out of range", timeout=20)
    # (waited for: the card may be re-rendered while it is read)
    dash_duo.wait_for_contains_text("#sys-total-plan", "0 event(s)", timeout=10)
    # left empty, the value is the suggestion, and the confirmation says so
    _add(dash_duo, "Offer", "")
    dash_duo.wait_for_contains_text("#sys-alert", "Added E1 'Offer'", timeout=20)
    assert "The value box was empty, so the event takes the system's suggestion" in (
        dash_duo.find_element("#sys-alert").text
    )
    _type_in_cell(dash_duo, "E1", "value", "-")
    dash_duo.wait_for_contains_text("#sys-alert", "'-' is not a percent", timeout=20)
    assert dash_duo.get_logs() == []


def test_the_grid_takes_an_iso_date_and_says_an_emptied_name_needs_one(start_app, e2e_plan):
    from forecast.services import system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    dates = sorted(system.system_plan(store, e2e_plan.plan_id)["ds"].unique())
    system.add_event(store, e2e_plan.plan_id, "piet", name="Flyer", kind="promotion",
                     scope=system.Scope.parse(["StoreType=c"]), start=dates[0], end=dates[2],
                     effect="percent", value=10)  # fmt: skip
    store.close()
    later = str(dates[1])[:10]
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    _type_in_cell(dash_duo, "E1", "start", later)
    dash_duo.wait_for_contains_text("#sys-alert", "Changed E1 'Flyer' (promotion", timeout=20)
    dash_duo.wait_for_text_to_equal(
        "#sys-events-grid [row-id=E1] [col-id=start]", later, timeout=20
    )
    _type_in_cell(dash_duo, "E1", "start", "09/07/2015")
    dash_duo.wait_for_contains_text("#sys-alert", "type it as YYYY-MM-DD", timeout=20)
    _type_in_cell(dash_duo, "E1", "name", "")
    dash_duo.wait_for_contains_text("#sys-alert", "An event needs a name", timeout=20)
    dash_duo.wait_for_text_to_equal("#sys-events-grid [row-id=E1] [col-id=name]", "Flyer")
    assert dash_duo.get_logs() == []
