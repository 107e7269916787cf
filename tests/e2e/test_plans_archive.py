"""Archiving on the Plans page in a real browser: the owner archives the selected plan, it
leaves the list (and comes back with 'Show archived plans'), and Unarchive brings it back."""

from __future__ import annotations

import time

from tests.e2e.helpers import click, settle


def _rows(dash_duo) -> set[str]:
    """The plan ids in the grid as it is now, read in one step (an empty grid answers at once:
    the driver's find_elements would first wait out its implicit wait of 2 s)."""
    return set(
        dash_duo.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(c => c.getAttribute('row-id'))",
            "#plans-grid .ag-center-cols-container [row-id]",
        )
    )


def _wait_rows(dash_duo, wanted: set[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _rows(dash_duo) == wanted:
            return
        time.sleep(0.3)
    raise AssertionError(f"plan rows {_rows(dash_duo)}, wanted {wanted}")


def test_the_owner_archives_and_unarchives_the_selected_plan(start_app, e2e_plan):
    plan = e2e_plan.plan_id
    dash_duo = start_app(e2e_plan.data_dir, "/plans")
    _wait_rows(dash_duo, {plan})
    dash_duo.wait_for_text_to_equal("#plans-archive", "Archive", timeout=20)
    settle(dash_duo)

    click(dash_duo, "#plans-archive")
    dash_duo.wait_for_contains_text("#plans-alert", "Archived", timeout=20)
    _wait_rows(dash_duo, set())  # out of the list
    dash_duo.wait_for_text_to_equal("#plans-archive", "Unarchive", timeout=20)
    # still selected in the picker, marked archived
    dash_duo.wait_for_contains_text("#nav-plan", "archived", timeout=20)

    click(dash_duo, "#plans-show-archived")
    _wait_rows(dash_duo, {plan})
    settle(dash_duo)

    click(dash_duo, "#plans-archive")
    dash_duo.wait_for_contains_text("#plans-alert", "Unarchived", timeout=20)
    dash_duo.wait_for_text_to_equal("#plans-archive", "Archive", timeout=20)
    dash_duo.wait_for_contains_text("#plans-audit-grid", "unarchive plan", timeout=20)
    settle(dash_duo)
    assert dash_duo.get_logs() == []
