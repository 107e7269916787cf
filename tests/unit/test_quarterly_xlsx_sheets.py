"""The XLSX export of a quarterly plan names the periods of its events and explanations in
words (``2018 Q1``), as its series sheet does, beside the ISO days."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from forecast.overrides import Scope
from forecast.services import exports, system
from forecast.services.plan_create import create_plan_from_frames
from forecast.store import MemoryStore


def quarterly_plan_with_an_event(store: MemoryStore) -> str:
    """Two series over three years of quarters, a plan of four quarters, a +100 % event from the
    middle of the first quarter to the end of the second, and an explanation of one cell."""
    quarters = pd.date_range("2015-01-01", periods=12, freq="QS")
    history = pd.DataFrame(
        [(uid, ds, 100.0 + k) for uid in ("north", "south") for k, ds in enumerate(quarters)],
        columns=["unique_id", "ds", "y"],
    )
    plan_id = create_plan_from_frames(
        store, name="tourism", history=history, attributes=None, freq="QS", horizon=4,
        team_attr=None, actor="olga", model="snaive",
    ).plan_id  # fmt: skip
    system.add_event(store, plan_id, "olga", name="Olympics", kind="promotion", scope=Scope(),
                     start="2018-02-15", end="2018-06-30", effect="percent", value=100)  # fmt: skip
    system.explain(store, plan_id, "olga", reason_code="promotion", text="games",
                   level="series", key="north", ds="2018-01-01")  # fmt: skip
    return plan_id


def sheet_rows(book, name: str) -> list[dict]:
    sheet = book[name]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_events_sheet_of_a_quarterly_plan_names_the_quarters_an_event_runs_in():
    store = MemoryStore()
    plan_id = quarterly_plan_with_an_event(store)
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))

    (event,) = sheet_rows(book, "events")

    assert event["period"] == "2018 Q1 to 2018 Q2"
    assert event["start"].date().isoformat() == "2018-02-15"  # the days stay dates
    header = [c.value for c in book["events"][1]]
    assert header.index("period") == header.index("end") + 1
    # The events CSV, which `plan event import` reads back, keeps its columns.
    csv_header = exports.export_events(store, plan_id).decode().splitlines()[0].split(",")
    assert "period" not in csv_header


def test_the_explanations_sheet_of_a_quarterly_plan_names_each_cells_quarter():
    store = MemoryStore()
    plan_id = quarterly_plan_with_an_event(store)
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))

    rows = sheet_rows(book, "explanations")

    by_day = {(r["key"], r["ds"].date().isoformat()): r["period"] for r in rows}
    assert by_day[("north", "2018-01-01")] == "2018 Q1"
    assert by_day[("south", "2018-04-01")] == "2018 Q2"
    header = [c.value for c in book["explanations"][1]]
    assert header.index("period") == header.index("ds") + 1
