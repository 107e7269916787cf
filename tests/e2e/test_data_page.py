"""The Data page's first day in a real browser: a file whose sales column the page cannot tell
(it asks, the planner picks, the plan is made), a file without teams (the store-table hint, and
the store table taking effect at once), and the plan's currency shown on the next page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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

STORES = {"1": "A", "2": "A", "3": "B", "4": "C"}
WEEKS = pd.date_range("2023-01-06", periods=60, freq="W-FRI")


def weekly_file(path: Path, value_columns: dict[str, float]) -> Path:
    """4 stores x 60 weeks; each column named in `value_columns` scaled by its factor."""
    rng = np.random.default_rng(7)
    rows = []
    for store in STORES:
        for i, day in enumerate(WEEKS):
            level = 1000.0 * int(store) + 50 * np.sin(i / 8) + rng.normal(0, 5)
            row = {"Store": store, "Date": day.date().isoformat()}
            row.update({name: round(level * k, 2) for name, k in value_columns.items()})
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_file_without_a_clear_sales_column_is_asked_about_then_planned(start_app, tmp_path):
    # "Net" is named like nothing the page knows, "Temperature" is not sales either.
    source = weekly_file(tmp_path / "till.csv", {"Temperature": 0.01, "Net": 1.0})
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, source)

    dash_duo.wait_for_contains_text("#data-ask-value", "Which column holds the sales?", timeout=30)
    question = dash_duo.find_element("#data-ask-value").text
    assert "Value (sales)" in question and "Temperature, Net" in question
    assert count_now(dash_duo, "#data-report-ok") == 0  # not reported valid
    assert "Reading" not in dash_duo.find_element("#data-upload-status").text
    assert dash_duo.find_element("#data-map-value").text.strip() in ("", "Pick the sales column")
    violations = axe_violations(dash_duo)
    assert violations == [], describe_violations(violations)

    click(dash_duo, "#data-create")  # refused until the sales column is picked
    dash_duo.wait_for_contains_text("#data-create-result", "Pick the sales column", timeout=10)

    pick(dash_duo, "#data-map-value", "Net")
    dash_duo.wait_for_contains_text("#data-report-ok", "Value (sales): Net", timeout=30)
    assert "4 series × 60 weeks" in dash_duo.find_element("#data-report-ok").text
    dash_duo.wait_for_element("#data-preview .ag-row", timeout=10)
    settle(dash_duo)
    violations = axe_violations(dash_duo)
    assert violations == [], describe_violations(violations)

    pick(dash_duo, "#data-model", "snaive")
    type_into(dash_duo, "#data-plan-name", "Till plan")
    click(dash_duo, "#data-create")
    dash_duo.wait_for_contains_text("#data-create-ok", "Plan 'Till plan' created", timeout=120)
    dash_duo.wait_for_contains_text("#nav-plan", "Till plan", timeout=10)
    assert "%" in dash_duo.find_element("#data-progress-text").text
    assert dash_duo.get_logs() == []


def test_a_file_without_teams_points_at_the_store_table_which_takes_effect_at_once(
    start_app, tmp_path
):
    source = weekly_file(tmp_path / "sales.csv", {"Sales": 1.0})
    stores = tmp_path / "stores.csv"
    pd.DataFrame({"Store": list(STORES), "Type": list(STORES.values())}).to_csv(stores, index=False)
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, source)

    dash_duo.wait_for_contains_text("#data-store-table-hint", "Store table", timeout=30)
    assert "the file is valid" in dash_duo.find_element("#data-report-ok").text
    assert "Type" not in dash_duo.find_element("#data-team-attr").text

    upload(dash_duo, stores, component="data-attr-upload")  # no Apply mapping pressed
    dash_duo.wait_for_contains_text("#data-team-attr", "Type (3 teams)", timeout=30)
    dash_duo.wait_for_no_elements("#data-store-table-hint", timeout=10)
    report = dash_duo.find_element("#data-report-ok").text
    assert "Attributes: Store, Type" in report and "attributes from stores.csv: Type" in report
    assert dash_duo.get_logs() == []


def test_a_plan_created_in_dollars_shows_its_amounts_in_dollars(start_app, tmp_path):
    source = weekly_file(tmp_path / "sales.csv", {"Sales": 1.0})
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, source)
    dash_duo.wait_for_contains_text("#data-report-ok", "Value (sales): Sales", timeout=30)

    pick(dash_duo, "#data-currency", "USD")
    pick(dash_duo, "#data-model", "snaive")
    type_into(dash_duo, "#data-plan-name", "Dollar plan")
    click(dash_duo, "#data-create")
    dash_duo.wait_for_contains_text("#data-create-ok", "Plan 'Dollar plan' created", timeout=120)
    dash_duo.wait_for_contains_text("#nav-plan", "Dollar plan", timeout=10)

    dash_duo.driver.get(f"{dash_duo.server_url}/system")
    dash_duo.wait_for_contains_text("#sys-total-plan", "$", timeout=30)
    assert "€" not in dash_duo.find_element("#sys-totals").text
    assert dash_duo.get_logs() == []


def test_a_week_ending_file_is_dated_by_the_first_day_of_each_week(start_app, tmp_path):
    from forecast.services import plans, system
    from forecast.services.store_factory import open_store

    source = weekly_file(tmp_path / "sales.csv", {"Sales": 1.0})  # dates on Fridays
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, source)
    dash_duo.wait_for_contains_text("#data-report-ok", "Value (sales): Sales", timeout=30)
    pick(dash_duo, "#data-map-week-dates", "the week's last day")
    click(dash_duo, "#data-apply-mapping")
    dash_duo.wait_for_contains_text("#data-report-ok", "the end of each week", timeout=30)
    pick(dash_duo, "#data-model", "snaive")
    type_into(dash_duo, "#data-plan-name", "Week ending")
    click(dash_duo, "#data-create")
    dash_duo.wait_for_contains_text("#data-create-ok", "Plan 'Week ending' created", timeout=120)
    store = open_store(data_dir=tmp_path / "data")
    try:
        (made,) = [p for p in plans.list_plans(store) if p.name == "Week ending"]
        first = system.horizon_dates(store, plans.get_plan(store, made.plan_id))[0]
    finally:
        store.close()
    assert first == WEEKS[-1] + pd.Timedelta(days=1)  # the Saturday after the last week's end
    assert dash_duo.get_logs() == []
