"""The System plan page's grids in a real browser: deviations sort as numbers and read as the
CLI prints them."""

from __future__ import annotations

import pandas as pd
from dash.testing.wait import until

from tests.e2e.helpers import click, sign_in


def _shown(dash_duo, grid: str, column: str) -> list[str]:
    """The column's cells as the grid shows them, in the grid's order (every page)."""
    return dash_duo.driver.execute_script(
        """const api = dash_ag_grid.getApi(arguments[0]); const out = [];
        api.forEachNodeAfterFilterAndSort(n => out.push(
            api.getCellValue({rowNode: n, colKey: arguments[1], useFormatter: true})));
        return out;""",
        grid,
        column,
    )


def _percent(text: str) -> float:
    return float(text.removesuffix(" %").replace(",", ""))


def test_deviations_sort_by_their_number_not_their_text_and_read_as_in_the_cli(start_app, e2e_plan):
    from forecast.services import system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    frame = system.system_plan(store, e2e_plan.plan_id)
    dates, ids = sorted(frame["ds"].unique()), sorted(frame["unique_id"].astype(str).unique())
    for series, percent in zip(ids, (300, 90, -25, 5000), strict=False):
        system.add_event(
            store,
            e2e_plan.plan_id,
            "piet",
            name=f"Change {percent}",
            kind="promotion",
            scope=system.Scope(ids=(series,)),
            start=dates[0],
            end=dates[1] - pd.Timedelta(days=1),  # the whole first week
            effect="percent",
            value=percent,
        )
    store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "4 event(s)", timeout=20)
    until(lambda: "+300.0 %" in _shown(dash_duo, "sys-deviations-grid", "deviation"), 20)
    click(dash_duo, "#sys-deviations-grid .ag-header-cell[col-id=deviation] .ag-header-cell-label")
    shown = _shown(dash_duo, "sys-deviations-grid", "deviation")
    # thousands grouped as the CLI and the exports print them (Deviation.text)
    assert {"+300.0 %", "+90.0 %", "-25.0 %", "+5,000.0 %"} <= set(shown), shown
    assert [_percent(s) for s in shown] == sorted(_percent(s) for s in shown), shown
    click(dash_duo, "#sys-team-grid .ag-header-cell[col-id=deviation] .ag-header-cell-label")
    teams = _shown(dash_duo, "sys-team-grid", "deviation")
    assert [_percent(s) for s in teams] == sorted(_percent(s) for s in teams), teams
    assert dash_duo.get_logs() == []


def _editors_open(dash_duo, grid: str, row: str, column: str) -> int:
    from selenium.webdriver.common.action_chains import ActionChains

    cell = dash_duo.wait_for_element(f"#{grid} [row-id='{row}'] [col-id={column}]", timeout=20)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", cell
    )
    ActionChains(dash_duo.driver).double_click(cell).perform()
    return len(dash_duo.driver.find_elements("css selector", f"#{grid} .ag-cell-inline-editing"))


def test_a_lead_cannot_open_the_grids_editors_and_inline_text_without_a_code_is_not_silent(
    start_app, e2e_plan
):
    import time

    from selenium.webdriver.common.keys import Keys

    from forecast.services import system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    dates = sorted(system.system_plan(store, e2e_plan.plan_id)["ds"].unique())
    system.add_event(store, e2e_plan.plan_id, "piet", name="Flyer", kind="promotion",
                     scope=system.Scope.parse(["StoreType=a"]), start=dates[0],
                     end=dates[1] - pd.Timedelta(days=1), effect="percent", value=40)  # fmt: skip
    marked = system.deviations(store, e2e_plan.plan_id)
    store.close()
    team = marked[marked["level"] == "team"].iloc[0]
    cell = f"team|{team['key']}|{pd.Timestamp(team['ds']):%Y-%m-%d}"
    dash_duo = start_app(e2e_plan.data_dir, "/system", user="lena")  # lead of team a
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    assert _editors_open(dash_duo, "sys-events-grid", "E1", "name") == 0
    assert _editors_open(dash_duo, "sys-deviations-grid", cell, "text") == 0
    time.sleep(0.5)  # an editor would have opened by now
    assert not dash_duo.driver.find_elements("css selector", ".ag-cell-inline-editing")
    # the planner may: text without a reason code says it is not saved yet
    sign_in(dash_duo, "piet")
    dash_duo.wait_for_contains_text("#sys-total-plan", "1 event(s)", timeout=20)
    assert _editors_open(dash_duo, "sys-deviations-grid", cell, "text") == 1
    editor = dash_duo.find_element(f"#sys-deviations-grid [row-id='{cell}'] [col-id=text] input")
    editor.send_keys("flyer week", Keys.ENTER)
    dash_duo.wait_for_contains_text("#sys-alert", "Not saved yet: give a reason code", timeout=20)
    assert dash_duo.get_logs() == []
