"""Side by side and Plans pages in a real browser: numbers match the ledger, the export's
totals match the goal."""

from __future__ import annotations

import csv
import io
import json
import time
from decimal import Decimal
from pathlib import Path

from tests.e2e.helpers import click, settle
from tests.fixtures import OWNER


def _ledger(data_dir: Path):
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=data_dir)
    plan = store.list()[0].plan_id
    return negotiation.ledger(store, plan), negotiation.summary(store, plan)


def _money(minor: int) -> str:
    return f"€{Decimal(minor) / 100:,.2f}"


def test_side_by_side_numbers_match_the_ledger(start_app, agreed_plan):
    ledger, summary = _ledger(agreed_plan.data_dir)
    dash_duo = start_app(agreed_plan.data_dir, "/side-by-side")
    dash_duo.wait_for_element("#sbs-negotiated-total", timeout=20)
    total_target = int(ledger.loc[ledger["team"] == "TOTAL", "target_minor"].iloc[0])
    assert total_target == summary["goal"]
    dash_duo.wait_for_contains_text("#sbs-negotiated-total", _money(total_target), timeout=20)
    dash_duo.wait_for_element("#sbs-diff-grid .ag-center-cols-container [row-id=TOTAL]", timeout=20)
    for row in ledger.itertuples():
        cell = dash_duo.find_element(
            f"#sbs-diff-grid .ag-center-cols-container [row-id='{row.team}'] [col-id=target]"
        )
        assert cell.text == _money(int(row.target_minor)), row.team
    # the system plan side is the plan with events applied (none here): the baseline
    system_total = int(ledger.loc[ledger["team"] == "TOTAL", "system_plan_minor"].iloc[0])
    shown = dash_duo.find_element("#sbs-system-total .stat-value").text
    assert abs(Decimal(shown.replace("€", "").replace(",", "")) * 100 - system_total) <= 100
    dash_duo.wait_for_contains_text("#sbs-period-lines", "Negotiated plan", timeout=20)
    assert dash_duo.get_logs() == []


def test_download_csv_export_and_check_totals(start_app, agreed_plan, dash_duo):
    _ledger_frame, summary = _ledger(agreed_plan.data_dir)
    dash_duo = start_app(agreed_plan.data_dir, "/plans")
    dash_duo.wait_for_contains_text("#plans-grid", "agreed", timeout=20)
    dash_duo.wait_for_contains_text("#plans-audit-grid", "agree the plan", timeout=20)
    click(dash_duo, "#plans-download-csv")
    dash_duo.wait_for_contains_text("#plans-downloaded", "Downloaded", timeout=20)
    target = Path(dash_duo.download_path)
    deadline = time.monotonic() + 20
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [f for f in target.glob("*.csv")]
        if files and not list(target.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert files, f"no CSV in {target}: {list(target.iterdir())}"
    rows = list(csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8-sig"))))
    assert {"unique_id", "ds", "team", "baseline", "system_plan", "target"} <= set(rows[0])
    assert sum(Decimal(r["target"]) for r in rows) * 100 == summary["goal"]
    assert len({r["unique_id"] for r in rows}) == 6
    assert dash_duo.get_logs() == []


def test_new_version_needs_owner_and_is_selected_and_a_click_in_the_list_opens_another(
    start_app, agreed_plan
):
    dash_duo = start_app(agreed_plan.data_dir, "/plans")
    dash_duo.wait_for_contains_text("#plans-grid", "agreed", timeout=20)
    click(dash_duo, "#plans-new-version")
    dash_duo.wait_for_contains_text("#plans-alert", "New draft version", timeout=20)
    dash_duo.wait_for_contains_text("#nav-plan", "draft", timeout=20)
    dash_duo.wait_for_contains_text("#plans-download-of", "draft", timeout=20)
    # the draft's members may change: Remove on piet's planner role (a button the members
    # table draws, its click passed on by the page: `relay.clicked`)
    button = {"role": "planner", "type": "plans-members-remove", "user": "piet"}
    remove = json.dumps(button, separators=(",", ":"), sort_keys=True)
    dash_duo.wait_for_element(f"[id='{remove}']:not([disabled])", timeout=20)
    click(dash_duo, f"[id='{remove}']")
    dash_duo.wait_for_contains_text("#plans-members-alert", "piet is no longer planner", timeout=20)
    settle(dash_duo)

    # the agreed plan's row in the list: it becomes the current plan, in the navbar and here
    agreed = agreed_plan.plan_id
    click(dash_duo, f"#plans-grid .ag-center-cols-container [row-id='{agreed}'] [col-id=name]")
    dash_duo.wait_for_contains_text("#nav-plan", "agreed", timeout=20)
    dash_duo.wait_for_contains_text("#plans-download-of", f"({agreed}, version", timeout=20)
    assert "agreed" in dash_duo.find_element("#plans-download-of").text
    dash_duo.wait_for_contains_text("#plans-audit-grid", "agree the plan", timeout=20)
    assert dash_duo.get_logs() == []


def test_side_by_side_after_the_quarter_shows_the_actuals_and_what_was_reached(
    start_app, agreed_plan
):
    """Actuals of every period kept: the per-period chart draws them, and the table says what
    was reached (or missed by how much) where it gave a chance of something already over."""
    from forecast.services import actuals, plan_frames
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=agreed_plan.data_dir)
    plan = agreed_plan.plan_id
    baseline = plan_frames.load_blob_frame(store, plan, "baseline")
    cells = baseline[["unique_id", "ds"]].assign(
        ds=lambda f: f["ds"].dt.strftime("%Y-%m-%d"), y=baseline["baseline"].round(2)
    )
    actuals.upload_actuals(
        store, plan, cells.to_csv(index=False).encode(), filename="q.csv", actor=OWNER
    )
    store.close()

    dash_duo = start_app(agreed_plan.data_dir, "/side-by-side")
    dash_duo.wait_for_contains_text("#sbs-period-lines", "Actuals", timeout=20)
    total = "#sbs-diff-grid .ag-center-cols-container [row-id=TOTAL] [col-id=probability]"
    dash_duo.wait_for_element(total, timeout=20)
    # the target is 10/6.5 of the baseline: actuals at the baseline miss it
    dash_duo.wait_for_contains_text(total, "missed by €", timeout=20)
    assert dash_duo.get_logs() == []
