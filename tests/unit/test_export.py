"""Export of the agreed plan: CSV adds up to the goal, XLSX never holds formulas, bundle round-trips."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from test_services_negotiation import HORIZON, team_frames, weekly_team_plan

from forecast import export
from forecast.services import exports, system
from forecast.services import negotiation as nego
from forecast.services.errors import Conflict, Invalid
from forecast.services.plan_members import grant
from forecast.services.plans import get_plan
from forecast.store import MemoryStore

NASTY = {"=1+1": 3.0e9, "-2+3": 2.0e9, "@SUM(A1)": 1.5e9}


def agreed_plan(store, teams=None):
    teams = teams or {"a": 3.0e9, "b": 2.0e9, "c": 1.5e9}
    history, attributes, baseline = team_frames(teams)
    state = weekly_team_plan(store, (history, attributes, baseline))
    first, second = sorted(teams)[:2]
    grant(store, state.plan_id, "olga", "anna", "lead", team=first)
    grant(store, state.plan_id, "olga", "bert", "lead", team=second)
    nego.set_goal(store, state.plan_id, "olga", ratio="10/6.5")
    nego.claim(store, state.plan_id, "anna", first, amount="2000000000", note='=HYPERLINK("x")')
    nego.claim(store, state.plan_id, "bert", second, amount="1200000000.01", note="+new listings")
    nego.close_round(store, state.plan_id, "olga")
    nego.assign(store, state.plan_id, "olga", "pro_rata_baseline")
    system.publish(store, state.plan_id, "olga")
    nego.lock(store, state.plan_id, "olga")
    return state.plan_id


def test_csv_has_one_row_per_series_period_and_targets_sum_to_the_goal():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    assert list(rows[0]) == export.PLAN_COLUMNS
    assert len(rows) == 9 * HORIZON
    assert sum(Decimal(r["target"]) for r in rows) == Decimal("10000000000.00")
    assert all(len(r["target"].split(".")[1]) == 2 for r in rows)
    assert sum(Decimal(r["baseline"]) for r in rows) == Decimal("6500000000.00")
    version = get_plan(store, plan_id).version
    assert {r["plan_version"] for r in rows} == {str(version)}
    assert {r["plan_id"] for r in rows} == {plan_id}


def test_csv_neutralises_text_that_a_spreadsheet_would_run():
    store = MemoryStore()
    plan_id = agreed_plan(store, NASTY)
    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    teams = {r["team"] for r in rows}
    assert teams == {"'=1+1", "'-2+3", "'@SUM(A1)"}
    assert sum(Decimal(r["target"]) for r in rows) == Decimal("10000000000.00")


def test_xlsx_has_a_sheet_per_view_and_no_formula_anywhere():
    store = MemoryStore()
    plan_id = agreed_plan(store, NASTY)
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    assert book.sheetnames == [
        "by series-period",
        "by team",
        "ledger",
        "events",
        "explanations",
        "audit log",
        "basis",
        "models",
    ]
    checked = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(export.DANGEROUS_PREFIXES), (
                        f"{sheet.title}!{cell.coordinate} = {cell.value!r}"
                    )
                    checked += 1
    assert checked > 50
    ledger = book["ledger"]
    header = [c.value for c in ledger[1]]
    notes = [row[header.index("note")] for row in ledger.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("x")' in notes and "'+new listings" in notes
    series = book["by series-period"]
    header = [c.value for c in series[1]]
    total = sum(
        Decimal(str(r[header.index("target")]))
        for r in series.iter_rows(min_row=2, values_only=True)
    )
    assert total == Decimal("10000000000.00")


def test_bundle_reimports_to_the_same_plan():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    bundle = exports.export_plan(store, plan_id, "json")
    content = json.loads(bundle)
    for key in (
        "data_hash",
        "model_per_series",
        "events",
        "explanations",
        "claims",
        "assignments",
        "rule",
        "members",
        "agreed_by",
        "agreed_at",
    ):
        assert key in content
    other = MemoryStore()
    new_id = exports.import_bundle(other, bundle, "ivan", trust=True)
    assert new_id == plan_id
    assert nego.ledger(other, new_id).equals(nego.ledger(store, plan_id))
    left = nego.negotiated_plan(store, plan_id)
    right = nego.negotiated_plan(other, new_id)
    assert left.equals(right)
    imported = get_plan(other, new_id)
    assert imported.status == "agreed"
    # importing again into the same store is refused under the same name (no silent duplicate);
    # under another name it gives a new id and the same targets
    with pytest.raises(Conflict, match=f"already a plan named .* here: {new_id}"):
        exports.import_bundle(other, bundle, "ivan", trust=True)
    again = exports.import_bundle(other, bundle, "ivan", trust=True, name="second copy")
    assert again != new_id and get_plan(other, again).name == "second copy"
    assert (
        nego.negotiated_plan(other, again)["target_minor"].tolist() == left["target_minor"].tolist()
    )


def test_a_changed_bundle_is_refused_and_nothing_is_written():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    content = json.loads(exports.export_plan(store, plan_id, "json"))
    content["plan"]["negotiation"]["assignments"]["a"] += 1
    before = store.list()
    with pytest.raises(Invalid, match="does not match its signature"):
        exports.import_bundle(store, json.dumps(content).encode(), "ivan")
    with pytest.raises(Invalid, match="not a plan bundle"):
        exports.import_bundle(store, b"unique_id,ds\n1,2", "ivan")
    assert store.list() == before


def test_unknown_format_is_refused():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    with pytest.raises(Invalid, match="csv, xlsx, json"):
        exports.export_plan(store, plan_id, "pdf")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_every_dangerous_start(text):
    assert export.neutralise(text) == "'" + text
    assert export.neutralise("plain") == "plain"
    assert export.neutralise(-5) == -5


@pytest.mark.parametrize(
    ("minor", "text"),
    [(0, "0.00"), (1, "0.01"), (-1, "-0.01"), (-150, "-1.50"), (10**14 + 7, "1000000000000.07")],
)
def test_money_text_is_exact(minor, text):
    assert export.money_text(minor) == text
    assert Decimal(text) * 100 == minor


def test_bundle_with_events_and_explanations_reimports_to_the_same_plan():
    from forecast.overrides import Scope

    store = MemoryStore()
    history, attributes, baseline = team_frames()
    state = weekly_team_plan(store, (history, attributes, baseline))
    first = baseline["ds"].min()
    system.add_event(
        store,
        state.plan_id,
        "olga",
        name="=promo",
        kind="promotion",
        scope=Scope({"Team": ("a",)}),
        start=first,
        end=first,
        effect="percent",
        value=40,
        reason="@flyer",
    )
    nego.set_goal(store, state.plan_id, "olga", ratio="1.3", basis="system_plan")
    nego.close_round(store, state.plan_id, "olga")
    nego.assign(store, state.plan_id, "olga", "pro_rata_baseline")
    system.publish(store, state.plan_id, "olga")
    nego.lock(store, state.plan_id, "olga")
    book = load_workbook(io.BytesIO(exports.export_plan(store, state.plan_id, "xlsx")))
    events = [row for row in book["events"].iter_rows(values_only=True)]
    assert any("'=promo" in row for row in events)
    assert any("'@flyer" in row for row in events)
    bundle = exports.export_plan(store, state.plan_id, "json")
    assert json.loads(bundle)["events"][0]["name"] == "=promo"
    other = MemoryStore()
    new_id = exports.import_bundle(other, bundle, "ivan", trust=True)
    left = nego.negotiated_plan(store, state.plan_id)
    right = nego.negotiated_plan(other, new_id)
    assert left.equals(right)
    assert (left["system_plan"] > left["baseline"]).any()  # the event reached the copy too


def test_xlsx_cells_keep_their_types_and_no_value_becomes_a_formula():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "ds": pd.to_datetime(["2025-01-03", None]),
            "deviation_pct": [float("inf"), 12.5],
            "target": [1234.56, float("nan")],
            "note": ["=HYPERLINK(1)", "plain"],
        }
    )
    sheet = load_workbook(io.BytesIO(export.to_xlsx({"plan": frame})))["plan"]
    rows = list(sheet.iter_rows(min_row=2))
    assert [c.data_type for c in rows[0]] == ["d", "s", "n", "s"]
    assert rows[0][1].value == "inf" and rows[0][3].value == "'=HYPERLINK(1)"
    assert rows[1][0].value is None and rows[1][2].value is None
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_text_is_escaped_and_times_and_empty_cells_survive_the_round_trip():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "what": ["a<b & c>d", "bell\x07", "", None],
            "at": ["2025-01-03T10:30:00", "2025-01-04", None, "2025-01-05"],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "flag": [True, False, True, False],
            "mixed": [{"k": "=x"}, 2.5, "-3", None],
        }
    )
    sheet = load_workbook(io.BytesIO(export.to_xlsx({"odd": frame})))["odd"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # A control character is kept as Excel's escape (Excel shows the character; openpyxl does not
    # decode it), as XlsxWriter wrote it.
    assert [r[0] for r in rows] == ["a<b & c>d", "bell_x0007_", None, None]
    assert rows[0][1].hour == 10 and rows[0][1].minute == 30 and rows[2][1] is None
    assert [r[2] for r in rows] == [1, None, 3, 4]
    assert [r[3] for r in rows] == [True, False, True, False]
    assert rows[0][4] == '{"k": "=x"}' and rows[1][4] == 2.5 and rows[2][4] == "'-3"
    assert sheet.auto_filter.ref == "A1:E5" and sheet.freeze_panes == "A2"


def test_a_plan_without_a_goal_exports_its_system_track_in_every_format():
    store = MemoryStore()
    history, attributes, baseline = team_frames({"a": 3.0e9, "b": 2.0e9})
    plan_id = weekly_team_plan(store, (history, attributes, baseline)).plan_id
    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    assert set(rows[0]) == {
        "unique_id",
        "ds",
        "team",
        "baseline",
        "system_plan",
        "plan_version",
        "plan_id",
        "adjustment",
        "period_end",
        "period",
        "model",
        "currency",
    }
    total = sum(Decimal(r["system_plan"]) for r in rows)
    assert (
        total
        == Decimal(
            int(
                nego.series_frame(store, plan_id)["system_plan"].map(lambda v: round(v * 100)).sum()
            )
        )
        / 100
    )
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    assert "ledger" not in book.sheetnames and "basis" not in book.sheetnames
    assert {"by series-period", "by team", "events", "models"} <= set(book.sheetnames)
    bundle = exports.export_plan(store, plan_id, "json")
    assert json.loads(bundle)["goal"] is None
    other = MemoryStore()
    copy = exports.import_bundle(other, bundle, "ivan", trust=True)
    assert nego.series_frame(other, copy).equals(nego.series_frame(store, plan_id))
    assert not get_plan(other, copy).negotiation


def test_xlsx_refuses_a_sheet_longer_than_excel_holds_and_points_to_csv():
    """A sheet past 1,048,576 rows does not open whole in Excel: refused, naming the sheet and
    the way out, rather than a file that silently loses rows."""
    import pandas as pd

    from forecast import export

    fits = pd.DataFrame({"unique_id": ["s"] * (export.EXCEL_MAX_ROWS - 1)})
    too_long = pd.DataFrame({"unique_id": ["s"] * export.EXCEL_MAX_ROWS})
    with pytest.raises(export.ExportError, match="'by series' sheet would have 1,048,576 rows"):
        export.to_xlsx({"by team": fits.head(3), "by series": too_long})
    with pytest.raises(export.ExportError, match="as CSV"):
        export.to_xlsx({"by series": too_long})
    assert export.to_xlsx({"by series": fits.head(10)})[:2] == b"PK"


@pytest.mark.parametrize(
    "rule, manual",
    [
        ("pro_rata_shortfall", None),
        ("fill_shortfall", None),
        ("pro_rata_baseline", None),
        ("even", None),
        ("pro_rata_claims", None),
        ("manual", {"a": "1000000000", "b": "0", "c": "300000000"}),
    ],
)
def test_a_bundle_of_a_plan_in_a_currency_reimports_whatever_rule_assigned_the_remainder(
    rule, manual
):
    """The ledger's reasons name amounts in the plan's currency ("claimed $1,000,000,000.00 of
    its pro rata share ..."): the import checks the same figures and keeps the same words."""
    store = MemoryStore()
    state = weekly_team_plan(store, team_frames(), currency="USD")
    plan_id = state.plan_id
    grant(store, plan_id, "olga", "anna", "lead", team="a")
    grant(store, plan_id, "olga", "bert", "lead", team="b")
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.claim(store, plan_id, "anna", "a", amount="1000000000", note="below its share")
    nego.claim(store, plan_id, "bert", "b", amount="1200000000", note="above its share")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", rule, manual=manual)
    bundle = exports.export_plan(store, plan_id, "json")

    copy = exports.import_bundle(store, bundle, "ivan", trust=True, name="copy")

    ledger = nego.ledger(store, copy)
    assert ledger.equals(nego.ledger(store, plan_id))
    assert get_plan(store, copy).currency == "USD"
    if rule in ("pro_rata_shortfall", "fill_shortfall"):
        assert ledger.set_index("team").loc["a", "why"].count("$") == 2
    left = nego.negotiated_plan(store, plan_id)["target_minor"].tolist()
    assert nego.negotiated_plan(store, copy)["target_minor"].tolist() == left


def test_the_csv_of_a_plan_agreed_on_an_older_basis_says_which_basis_in_every_row():
    from test_services_rebase import promote_team_c

    store = MemoryStore()
    history, attributes, baseline = team_frames({"a": 3.0e9, "b": 2.0e9, "c": 1.5e9})
    plan_id = weekly_team_plan(store, (history, attributes, baseline)).plan_id
    nego.set_goal(store, plan_id, "olga", ratio="1.1", basis="system_plan")
    taken = nego.summary(store, plan_id)["basis_taken_at"]
    promote_team_c(store, plan_id, percent=10.0)  # the system plan moves under the negotiation
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    assert nego.summary(store, plan_id)["drifted_teams"] == ["c"]
    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    assert list(rows[0])[-3:] == ["basis_taken_at", "model", "currency"]  # new columns go last
    assert {r["basis_taken_at"] for r in rows} == {taken}
    team_c = [r for r in rows if r["team"] == "c"]
    system_plan_c = sum(Decimal(r["system_plan"]) for r in team_c)
    assert system_plan_c != sum(Decimal(r["basis"]) for r in team_c)
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    sheet = book["by series-period"]
    header = [c.value for c in sheet[1]]
    column = header.index("basis_taken_at") + 1
    assert sheet.cell(2, column).value.isoformat() == taken.removesuffix("+00:00")
