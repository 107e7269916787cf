"""The XLSX export reads as a spreadsheet in the plan's currency; the CSV stays machine-readable,
with a byte order mark only when asked for Excel."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from test_services_negotiation import team_frames, weekly_team_plan

from forecast import export
from forecast.services import exports
from forecast.services import negotiation as nego
from forecast.services.errors import Invalid
from forecast.services.plan_members import grant
from forecast.store import MemoryStore


def plan_in(store: MemoryStore, currency: str | None) -> str:
    history, attributes, baseline = team_frames()
    state = weekly_team_plan(store, (history, attributes, baseline), currency=currency)
    grant(store, state.plan_id, "olga", "anna", "lead", team="a")
    nego.set_goal(
        store, state.plan_id, "olga", total="$7,000,000,000" if currency == "USD" else "7e9"
    )
    nego.claim(
        store,
        state.plan_id,
        "anna",
        "a",
        amount="$250,000,000.50" if currency == "USD" else "250000000.50",
        note="más tiendas",
    )
    return state.plan_id


def test_xlsx_has_real_dates_currency_formats_frozen_headers_and_a_filter() -> None:
    store = MemoryStore()
    plan_id = plan_in(store, "USD")
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    sheet = book["by series-period"]
    header = [c.value for c in sheet[1]]
    ds, target = sheet.cell(2, header.index("ds") + 1), sheet.cell(2, header.index("target") + 1)
    assert isinstance(ds.value, datetime) and ds.number_format == "yyyy-mm-dd"
    assert isinstance(target.value, float | int)
    assert target.number_format == '"$"#,##0.00;-"$"#,##0.00'
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    ledger = book["ledger"]
    lheader = [c.value for c in ledger[1]]
    for money in ("claim", "basis_drift", "last_year"):
        assert ledger.cell(2, lheader.index(money) + 1).number_format.startswith('"$"'), money
    assert ledger.freeze_panes == "A2" and ledger.auto_filter.ref
    team_col = lheader.index("team") + 1
    assert ledger.cell(2, team_col).number_format == "General"


def test_xlsx_of_a_plan_without_currency_uses_plain_number_formats() -> None:
    store = MemoryStore()
    plan_id = plan_in(store, None)
    sheet = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))["by team"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("target") + 1).number_format == "#,##0.00"


def test_csv_stays_plain_and_the_excel_option_only_adds_a_bom() -> None:
    store = MemoryStore()
    plan_id = plan_in(store, "USD")
    plain = exports.export_plan(store, plan_id, "csv")
    excel = exports.export_plan(store, plan_id, "csv", excel_csv=True)
    assert not plain.startswith(export.UTF8_BOM)
    assert excel == export.UTF8_BOM + plain
    rows = list(csv.DictReader(io.StringIO(plain.decode())))
    assert rows[0]["ds"] == rows[0]["ds"][:10] and rows[0]["ds"].count("-") == 2
    assert "$" not in plain.decode() and all("," not in r["target"] for r in rows)


def test_amounts_in_another_currency_are_refused_by_the_plan() -> None:
    store = MemoryStore()
    plan_id = plan_in(store, "USD")
    with pytest.raises(Invalid, match="the plan is in USD"):
        nego.claim(store, plan_id, "anna", "a", amount="€5", note="x")
    assert nego.summary(store, plan_id)["currency"] == "USD"


def test_xlsx_says_which_models_made_the_baseline_and_what_each_is() -> None:
    store = MemoryStore()
    plan_id = plan_in(store, "EUR")
    used = store.get(plan_id).baseline.models_used
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    rows = list(book["models"].iter_rows(values_only=True))
    assert rows[0] == ("model", "series", "what it is", "notes")
    assert sum(row[1] for row in rows[1:]) == sum(used.values()) > 0
    assert all(row[2] and row[2] != row[0] for row in rows[1:])  # each name said in words


def test_xlsx_writes_the_events_creation_times_as_real_times() -> None:
    from forecast.overrides import Scope
    from forecast.services import system

    store = MemoryStore()
    plan_id = plan_in(store, "USD")
    ds = nego.series_frame(store, plan_id)["ds"].min().date()
    system.add_event(store, plan_id, "olga", name="flyer", kind="promotion", scope=Scope(),
                     start=ds, end=ds, effect="percent", value=5)  # fmt: skip
    events = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))["events"]
    header = [c.value for c in events[1]]
    assert isinstance(events.cell(2, header.index("created_at") + 1).value, datetime)


def test_xlsx_basis_sheet_gives_its_times_as_real_times() -> None:
    store = MemoryStore()
    plan_id = plan_in(store, "USD")
    basis = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))["basis"]
    rows = {row[0].value: row[1] for row in basis.iter_rows(min_row=2)}
    taken = rows["basis taken at (UTC)"]
    assert isinstance(taken.value, datetime) and taken.number_format != "General"


def test_csv_floats_carry_no_float_noise() -> None:
    """A layers CSV gave an actual of 601857990.5699999 for 601,857,990.57."""
    import pandas as pd

    frame = pd.DataFrame({"actual": [601857990.5699999, 0.1 + 0.2, 1e-7], "n": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(export.to_csv(frame).decode())))
    assert rows[1:] == [["601857990.57", "1"], ["0.3", "2"], ["1e-07", "3"]]


PERCENT_FORMAT = '0.0" %"'


def test_xlsx_percent_columns_read_as_percent_and_keep_the_numbers_of_the_csv() -> None:
    """claim_pct_of_basis 8.3333 was a bare 8.3333 in General format: it reads "8.3 %" now, the
    cell still holding the number of percent the CSV gives (not 0.083333)."""
    from test_export_system_track import plan_with_events

    from forecast.services import system

    store = MemoryStore()
    plan_id = plan_in(store, "USD")
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    ledger = book["ledger"]
    header = [c.value for c in ledger[1]]
    for column in ("claim_pct_of_basis", "target_vs_basis_pct", "target_growth_vs_last_year_pct"):
        cells = [ledger.cell(r, header.index(column) + 1) for r in range(2, ledger.max_row + 1)]
        assert {c.number_format for c in cells if c.value is not None} == {PERCENT_FORMAT}, column
    claim_pct = ledger.cell(2, header.index("claim_pct_of_basis") + 1).value
    assert ledger.cell(2, header.index("team") + 1).value == "a"
    assert claim_pct == pytest.approx(8.3333)  # 250M of a's 3bn, as a number of percent
    assert ledger.cell(2, header.index("team") + 1).number_format == "General"

    other = MemoryStore()
    events_plan, _ = plan_with_events(other)
    ds = system.deviations(other, events_plan)["ds"].min()
    system.explain(other, events_plan, "olga", reason_code="promotion", text="flyer",
                   level="series", key="a0", ds=ds)  # fmt: skip
    sheet = load_workbook(io.BytesIO(exports.export_plan(other, events_plan, "xlsx")))[
        "explanations"
    ]
    header = [c.value for c in sheet[1]]
    deviation = sheet.cell(2, header.index("deviation_pct") + 1)
    assert isinstance(deviation.value, int | float) and deviation.number_format == PERCENT_FORMAT
