"""What the exports say of the system track: the CSV's adjustment per series-period (added at the
end, so readers by position keep working), the events sheet's scope in words, and the
explanations sheet with the gate's verdict on each explanation and each open deviation."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook
from test_services_negotiation import team_frames, weekly_team_plan

from forecast import export
from forecast.overrides import Scope
from forecast.services import exports, system
from forecast.store import MemoryStore

OLD_CSV_COLUMNS = ["unique_id", "ds", "team", "baseline", "system_plan", "plan_version", "plan_id"]


def plan_with_events(store: MemoryStore) -> tuple[str, list[str]]:
    """A weekly plan of teams a, b, c; E1 +40 % on Team=a and E2 -30 % on ids b0, b1 in the
    first week; E3 +10 % on ids a1 in the first week. Returns the plan and the week's days."""
    history, attributes, baseline = team_frames()
    plan_id = weekly_team_plan(store, (history, attributes, baseline)).plan_id
    first = pd.Timestamp(baseline["ds"].min())
    week = [first.date().isoformat(), (first + pd.Timedelta(days=6)).date().isoformat()]
    for name, scope, value in (
        ("Flyer", Scope({"Team": ("a",)}), 40),
        ("Shortage", Scope(ids=("b0", "b1")), -30),
    ):
        system.add_event(store, plan_id, "olga", name=name, kind="promotion", scope=scope,
                         start=week[0], end=week[1], effect="percent", value=value)  # fmt: skip
    return plan_id, week


def test_the_csv_gains_the_events_adjustment_at_the_end_and_keeps_its_columns():
    store = MemoryStore()
    plan_id, _ = plan_with_events(store)
    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    assert list(rows[0]) == [
        *OLD_CSV_COLUMNS,
        "adjustment",
        "period_end",
        "period",
        "model",
        "currency",
    ]
    for row in rows:
        assert Decimal(row["adjustment"]) == Decimal(row["system_plan"]) - Decimal(row["baseline"])
    cut = [Decimal(r["adjustment"]) for r in rows if r["unique_id"] == "b0"]
    assert min(cut) < 0  # a negative amount is a number, not text neutralised with a quote
    assert sum(Decimal(r["adjustment"]) for r in rows if r["team"] == "c") == 0
    assert export.PLAN_COLUMNS[-6:] == [
        "adjustment",
        "period_end",
        "period",
        "basis_taken_at",
        "model",
        "currency",
    ]
    for row in rows:  # a week's last day, for a file that dates its weeks by their end
        assert date.fromisoformat(row["period_end"]) == date.fromisoformat(row["ds"]) + timedelta(6)


def test_the_events_sheet_gives_the_scope_in_words():
    store = MemoryStore()
    plan_id, _ = plan_with_events(store)
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    sheet = book["events"]
    header = [c.value for c in sheet[1]]
    scopes = [row[header.index("scope")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert scopes == ["Team=a", "ids b0, b1"]
    assert exports.scope_words({}) == "all series"
    many = {"attributes": {"Team": ["a", "c"]}, "ids": [str(i) for i in range(30)]}
    assert exports.scope_words(many) == "Team=a,c; ids " + ", ".join(map(str, range(30)))
    series = book["by series-period"]
    header = [c.value for c in series[1]]
    assert header[-5:] == ["adjustment", "period_end", "period", "model", "currency"]
    assert series.cell(2, header.index("adjustment") + 1).number_format != "General"
    assert isinstance(series.cell(2, header.index("period_end") + 1).value, datetime)


def test_the_explanations_sheet_says_which_hold_which_are_outdated_and_what_is_open():
    store = MemoryStore()
    plan_id, week = plan_with_events(store)
    ds = system.deviations(store, plan_id)["ds"].min()
    for key, text in (("a0", "first"), ("a0", "flyer week"), ("a1", "flyer"), ("b0", "short")):
        system.explain(store, plan_id, "olga", reason_code="promotion", text=text,
                       level="series", key=key, ds=ds)  # fmt: skip
    # a1's deviation moves (a second event): its explanation is outdated
    system.add_event(store, plan_id, "olga", name="Extra", kind="promotion",
                     scope=Scope(ids=("a1",)), start=week[0], end=week[1], effect="percent",
                     value=10)  # fmt: skip
    # b0's deviation goes under the threshold: its explanation is no longer needed
    system.edit_event(store, plan_id, "olga", "E2", scope=Scope(ids=("b1",)))
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    sheet = book["explanations"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    status = {(r["level"], r["key"], r["text"]): r["status"] for r in rows}
    assert ("series", "a0", "first") not in status  # explained again: the service keeps one
    assert status[("series", "a0", "flyer week")] == "valid"
    assert status[("series", "a1", "flyer")] == "outdated"
    assert status[("series", "b0", "short")] == "not needed"
    opened = {(r["level"], r["key"]) for r in rows if r["status"] == "open"}
    assert {("series", "a2"), ("team", "a"), ("series", "b1")} <= opened
    assert set(status.values()) | {"open"} <= set(exports.EXPLANATION_STATUS)
    events = {(r["key"], r["status"]): r["events"] for r in rows}
    assert events[("a1", "outdated")] == "E1,E3" and events[("a0", "valid")] == "E1"
    valid = next(r for r in rows if r["status"] == "valid")
    assert valid["deviation_pct"] > 20 and valid["reason_code"] == "promotion"
    # an outdated one gives the deviation now and the one it was written for, apart
    moved = next(r for r in rows if r["status"] == "outdated")
    assert moved["deviation_pct"] > moved["explained_deviation_pct"] + 5  # +10 % on top now
    assert valid["author"] == "olga" and "explained_events" in header


def test_the_explanations_sheet_names_the_events_an_explanation_records():
    """The hook for explanations that record the events they were written for (a mapping of
    event id to what the event was, as the gate may keep them): their ids, not a JSON blob."""
    cell = {"level": "team", "key": "a", "ds": "2024-01-05", "reason_code": "promotion",
            "text": "flyer", "author": "olga", "events": {"E1": "3f2a", "E4": "9b1c"}}  # fmt: skip
    earlier = cell | {"text": "first", "events": ["E1"]}
    sheet = exports.explanations_sheet(
        [earlier, cell], pd.DataFrame(columns=["level", "key", "ds"])
    )
    first, row = sheet.to_dict("records")
    assert row["explained_events"] == "E1,E4" and row["status"] == "not needed"
    # of two explanations of one cell the later counts, as the gate reads them
    assert first["explained_events"] == "E1" and first["status"] == "replaced"


def test_the_explanations_sheet_shows_rounded_percentages_and_the_amount_as_money():
    """A +40 % event's deviation read 39.999999999999986 in the sheet, and the amount of the
    explained deviation was a bare float with 14 decimals beside money-formatted columns."""
    store = MemoryStore()
    plan_id, _ = plan_with_events(store)
    marked = system.deviations(store, plan_id)
    for cell in marked.to_dict("records"):
        system.explain(store, plan_id, "olga", reason_code="promotion", text="flyer",
                       level=cell["level"], key=cell["key"], ds=cell["ds"])  # fmt: skip
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    sheet = book["explanations"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert rows
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        for column in ("deviation_pct", "explained_deviation_pct"):
            shown = cells[column].value
            assert shown == round(shown, 4), (column, shown)
        assert cells["amount"].number_format != "General"
