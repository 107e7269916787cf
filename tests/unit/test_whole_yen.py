"""A plan in a currency without cents (JPY, KRW): every amount the negotiation makes or shows is
whole yen and the ledger still balances to the yen; a typed amount finer than a yen is refused.
Plans in EUR (or without a currency) keep their cents."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_services_negotiation import team_frames, weekly_team_plan

from forecast.money import excel_format, format_minor, format_money, quantum
from forecast.negotiation import Actor, Negotiation, fit_margins, spread_groups
from forecast.services import exports
from forecast.services import negotiation as nego
from forecast.services.errors import Invalid
from forecast.services.negotiation_board import negotiation_board
from forecast.services.plan_members import grant
from forecast.services.plan_versions import new_version
from forecast.services.plans import change_plan, get_plan
from forecast.services.system import publish
from forecast.store import MemoryStore

OWNER = Actor("owner", frozenset({"owner"}))
YEN = 100  # minor units (hundredths) in one yen


def lead(team: str) -> Actor:
    return Actor(f"lead-{team}", frozenset({"lead"}), team)


def yen_plan(store: MemoryStore, currency: str = "JPY") -> str:
    """A plan whose baseline has fractional yen per series-period (as a forecast has)."""
    state = weekly_team_plan(store, team_frames(), currency=currency)
    for team in ("a", "b"):
        grant(store, state.plan_id, "olga", f"lead-{team}", "lead", team=team)
    return state.plan_id


def test_currency_quantum_follows_its_digits() -> None:
    assert quantum("JPY") == quantum("KRW") == YEN
    assert quantum("EUR") == quantum("USD") == quantum(None) == 1


def test_jpy_amounts_are_shown_in_whole_yen_and_eur_keeps_its_cents() -> None:
    assert format_minor(5838779980, "JPY") == "¥58,387,800"
    assert format_minor(5838779980, "EUR") == "€58,387,799.80"
    assert format_money(1000.5, "JPY", decimals=2) == "¥1,000"
    assert excel_format("JPY") == '"¥"#,##0;-"¥"#,##0'
    assert excel_format("EUR") == '"€"#,##0.00;-"€"#,##0.00'


def test_a_jpy_negotiation_from_fractional_yen_balances_in_whole_yen_by_every_rule() -> None:
    for rule, policy in [
        ("pro_rata_baseline", "keep"),
        ("even", "keep"),
        ("pro_rata_claims", "scale"),
        ("pro_rata_shortfall", "keep"),
        ("fill_shortfall", "keep"),
    ]:
        neg = Negotiation.start({"a": 2_710_040_155, "b": 81_919_349, "c": 832_891_677})
        neg.currency = "JPY"
        neg.set_goal(OWNER, ratio="1.1")
        neg.claim(lead("a"), "a", percent="3.33", note="x")
        neg.claim(lead("b"), "b", 1_000 * YEN, note="y")
        if policy == "scale":
            neg.claim(lead("c"), "c", neg.gap, note="z")  # over-subscribed: scaled down
        neg.close_round(OWNER, policy)
        neg.assign(OWNER, rule)
        ledger = neg.ledger().set_index("team")
        for col in ("baseline", "system_plan", "basis", "claim", "assignment", "target"):
            assert (ledger[col] % YEN == 0).all(), (rule, col, ledger[col].tolist())
        assert neg.goal % YEN == 0
        teams = ledger.drop(index="TOTAL")
        assert (teams["basis"] + teams["claim"] + teams["assignment"] == teams["target"]).all()
        assert int(teams["target"].sum()) == neg.goal + neg.kept_oversubscription


def test_a_jpy_split_by_period_and_down_to_series_is_whole_yen_and_adds_up() -> None:
    cells = fit_margins([[3, 1], [1, 5]], [7 * YEN, 3 * YEN], [4 * YEN, 6 * YEN], quantum=YEN)
    assert all(v % YEN == 0 for row in cells for v in row)
    assert [sum(r) for r in cells] == [7 * YEN, 3 * YEN]
    assert [sum(c) for c in zip(*cells, strict=True)] == [4 * YEN, 6 * YEN]
    import numpy as np

    out = spread_groups(
        [1_234_567 * YEN],
        np.zeros(7, dtype=np.int64),
        np.array([1.1, 2.2, 3.3, 0.4, 5, 6, 7.7]),
        quantum=YEN,
    )
    assert (out % YEN == 0).all() and int(out.sum()) == 1_234_567 * YEN


def test_a_claim_finer_than_a_yen_is_refused() -> None:
    store = MemoryStore()
    plan_id = yen_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    with pytest.raises(Invalid, match=r"¥1,000\.50: yen have no smaller unit; type whole yen"):
        nego.claim(store, plan_id, "lead-a", "a", amount="¥1,000.50", note="x")
    with pytest.raises(Invalid, match="whole yen"):
        nego.set_goal(store, plan_id, "olga", total="7000000000.5")
    nego.claim(store, plan_id, "lead-a", "a", amount="¥1,000", note="x")  # whole yen: accepted


def test_a_jpy_plan_goal_claims_assignment_ledger_and_exports_are_whole_yen() -> None:
    store = MemoryStore()
    plan_id = yen_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    nego.claim(store, plan_id, "lead-a", "a", amount="¥1,000", note="x")
    nego.claim(store, plan_id, "lead-b", "b", percent="3.33", note="y")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    table = nego.ledger(store, plan_id).set_index("team")
    for col in ("baseline", "system_plan", "basis", "claim", "assignment", "target"):
        assert (table[col + "_minor"] % YEN == 0).all(), col
    summary = nego.summary(store, plan_id)
    assert summary["goal"] % YEN == 0
    assert int(table.loc["TOTAL", "target_minor"]) == summary["goal"]
    teams = table.drop(index="TOTAL")
    assert int(teams["target_minor"].sum()) == summary["goal"]

    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    assert all("." not in r[c] for r in rows for c in ("baseline", "basis", "target"))
    by_team: dict[str, int] = {}
    for r in rows:
        by_team[r["team"]] = by_team.get(r["team"], 0) + int(r["target"])
    assert {t: v * YEN for t, v in by_team.items()} == {
        t: int(v) for t, v in teams["target_minor"].items()
    }
    planned = nego.negotiated_plan(store, plan_id)
    assert (planned["target_minor"] % YEN == 0).all()

    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    sheet = book["by series-period"]
    header = [c.value for c in sheet[1]]
    target = sheet.cell(2, header.index("target") + 1)
    assert target.number_format == '"¥"#,##0;-"¥"#,##0'
    assert float(target.value) == int(target.value)


def test_a_jpy_split_by_period_is_whole_yen_per_team_and_period() -> None:
    store = MemoryStore()
    plan_id = yen_plan(store)
    periods = _periods(store, plan_id)
    goals = {p: f"{1_700_000_000 + i}" for i, p in enumerate(periods)}
    nego.set_goal(store, plan_id, "olga", per_period=goals)
    nego.claim(store, plan_id, "lead-a", "a", amount="123457", note="x")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "even")
    planned = nego.negotiated_plan(store, plan_id)
    assert (planned["target_minor"] % YEN == 0).all()
    sums = planned.groupby(planned["ds"].dt.strftime("%Y-%m-%d"))["target_minor"].sum()
    assert {p: int(v) for p, v in sums.items()} == {p: int(g) * YEN for p, g in goals.items()}


def _periods(store: MemoryStore, plan_id: str) -> list[str]:
    frame = nego.series_frame(store, plan_id)
    return sorted({d.strftime("%Y-%m-%d") for d in frame["ds"]})


def test_a_eur_plan_keeps_its_cents() -> None:
    store = MemoryStore()
    plan_id = yen_plan(store, "EUR")
    nego.set_goal(store, plan_id, "olga", total="7000000000.55")
    nego.claim(store, plan_id, "lead-a", "a", amount="€1,000.50", note="x")
    summary = nego.summary(store, plan_id)
    assert summary["goal"] == 700_000_000_055
    assert summary["claimed"] == 100_050


def test_a_three_decimal_currency_is_refused_at_plan_creation() -> None:
    with pytest.raises(Invalid, match="BHD has 3 decimals"):
        weekly_team_plan(MemoryStore(), team_frames(), currency="BHD")


# -- a JPY negotiation reads back as it was saved ----------------------------------------------

FRACTIONAL_YEN = {"a": 3884.41, "b": 3908.42}  # not whole yen; rounded one by one: 7,792 not 7,793


def fractional_yen_plan(store: MemoryStore) -> str:
    state = weekly_team_plan(store, team_frames(FRACTIONAL_YEN), currency="JPY")
    for team in ("a", "b"):
        grant(store, state.plan_id, "olga", f"lead-{team}", "lead", team=team)
    return state.plan_id


def _reads_back(store: MemoryStore, plan_id: str) -> None:
    """Every view of the plan opens: summary, ledger, export, a new version."""
    summary = nego.summary(store, plan_id)
    table = nego.ledger(store, plan_id).set_index("team")
    assert (
        int(table.loc["TOTAL", "target_minor"])
        == summary["goal"] + summary["kept_oversubscription"]
    )
    assert exports.export_plan(store, plan_id, "csv")
    copy = new_version(store, plan_id, "olga")
    assert nego.summary(store, copy.plan_id)["stage"] == "assigning"


def test_a_locked_jpy_plan_whose_team_totals_are_not_whole_yen_reads_back() -> None:
    store = MemoryStore()
    plan_id = fractional_yen_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    assert nego.summary(store, plan_id)["stage"] == "agreed"
    _reads_back(store, plan_id)


def test_a_kept_jpy_over_subscription_whose_team_totals_are_not_whole_yen_reads_back() -> None:
    store = MemoryStore()
    plan_id = fractional_yen_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="1.01")
    nego.claim(store, plan_id, "lead-a", "a", amount="500", note="x")
    nego.close_round(store, plan_id, "olga", oversubscribed="keep")
    assert nego.summary(store, plan_id)["kept_oversubscription"] > 0
    nego.assign(store, plan_id, "olga", "even")
    _reads_back(store, plan_id)


def test_a_jpy_plan_stored_locked_before_the_fix_loads() -> None:
    """A store written by the code that checked the load in cents: its documents (saved after a
    check in whole yen) open now."""
    store = MemoryStore()
    plan_id = fractional_yen_plan(store)
    raw = nego.plan_totals.of_plan(store, get_plan(store, plan_id))  # the teams' cents
    neg = Negotiation.start(raw.team_baseline, raw.team_system_plan)
    neg.currency = "JPY"
    neg.set_goal(OWNER, ratio="1.1")
    neg.close_round(OWNER)
    neg.assign(OWNER, "pro_rata_baseline")
    neg.lock(OWNER)
    doc = neg.to_dict()
    with pytest.raises(Exception, match="unassigned remainder"):
        Negotiation.from_dict(doc)  # read in cents, it does not balance

    def write(state):  # as the old code saved it
        state.negotiation = doc
        state.status = "agreed"
        return "lock", None, None

    change_plan(store, plan_id, actor="olga", action="lock", mutate=write)
    _reads_back(store, plan_id)


def test_an_edit_whose_negotiation_would_not_read_back_is_not_saved(monkeypatch) -> None:
    store = MemoryStore()
    plan_id = yen_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    version = get_plan(store, plan_id).version
    to_dict = Negotiation.to_dict

    def unbalanced(self: Negotiation) -> dict:
        doc = to_dict(self)
        doc["kept_oversubscription"] = 1  # a document whose ledger does not balance
        return doc

    monkeypatch.setattr(Negotiation, "to_dict", unbalanced)
    with pytest.raises(Invalid, match="was not saved"):
        nego.claim(store, plan_id, "lead-a", "a", amount="1000", note="x")
    monkeypatch.undo()
    assert get_plan(store, plan_id).version == version
    assert not nego.summary(store, plan_id)["claimed"]


# -- a team's baseline and system plan read the same in every view ------------------------------


def _by_team(rows: list[dict[str, str]], column: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        assert "." not in r[column], (column, r[column])
        out[r["team"]] = out.get(r["team"], 0) + int(r[column]) * YEN
    return out


def test_every_view_of_a_jpy_teams_baseline_and_system_plan_agrees_in_whole_yen() -> None:
    from forecast.services import comparison

    store = MemoryStore()
    plan_id = fractional_yen_plan(store)
    cells = nego.series_frame(store, plan_id)
    one_by_one = (cells["baseline"] * 100).round(-2).groupby(cells["team"]).sum()
    assert {t: int(v) for t, v in one_by_one.items()} != {
        t: round(v) * YEN for t, v in FRACTIONAL_YEN.items()
    }  # the data are such that cells rounded one by one do not add up to the team's yen

    before_goal = list(
        csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode()))
    )
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    table = nego.ledger(store, plan_id).set_index("team")
    teams = table.drop(index="TOTAL")
    rows = list(csv.DictReader(io.StringIO(exports.export_plan(store, plan_id, "csv").decode())))
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    header = [c.value for c in book["by team"][1]]
    sheet = {
        str(r[0]): dict(zip(header, r, strict=True))
        for r in book["by team"].iter_rows(min_row=2, values_only=True)
    }
    stretch = nego.stretch(store, plan_id).set_index("team")
    compared = comparison.plan_team_totals(store, plan_id).set_index("team")
    for column in ("baseline", "system_plan"):
        ledger = {str(t): int(v) for t, v in teams[column + "_minor"].items()}
        assert all(v % YEN == 0 for v in ledger.values())
        assert _by_team(rows, column) == ledger, column
        assert _by_team(before_goal, column) == ledger, column
        assert {t: round(float(sheet[t][column]) * 100) for t in ledger} == ledger, column
        expected = "expected" if column == "system_plan" else "expected_baseline"
        assert {t: int(stretch.loc[t, expected + "_minor"]) for t in ledger} == ledger
        assert int(stretch.loc["TOTAL", expected + "_minor"]) == int(
            table.loc["TOTAL", column + "_minor"]
        )
    assert {t: int(compared.loc[t, "system_plan_minor"]) for t in teams.index} == {
        str(t): int(v) for t, v in teams["system_plan_minor"].items()
    }


def test_an_amount_finer_than_a_cent_is_refused_not_rounded() -> None:
    for currency, symbol in (("EUR", "€"), (None, "")):
        store = MemoryStore()
        plan_id = yen_plan(store, currency)
        with pytest.raises(Invalid, match=r"goal total: 60000000\.005: .*type at most 2"):
            nego.set_goal(store, plan_id, "olga", total="60000000.005")
        nego.set_goal(store, plan_id, "olga", total="7000000000")
        for typed in ("0.001", f"{symbol}1,234.567"):
            with pytest.raises(Invalid, match=r"claim amount: .*type at most 2"):
                nego.claim(store, plan_id, "lead-a", "a", amount=typed, note="x")
        assert nego.summary(store, plan_id)["claimed"] == 0
        nego.claim(store, plan_id, "lead-a", "a", amount=f"{symbol}1,234.56", note="x")
        assert nego.summary(store, plan_id)["claimed"] == 123_456
        said = "EUR has 2 decimals" if currency else "amounts carry 2 decimals"
        with pytest.raises(Invalid, match=f"manual amount for team a: 0.001: {said}"):
            nego.assign(store, plan_id, "olga", "manual", manual={"a": "0.001"})


def test_a_goal_written_from_a_float_is_its_amount_not_a_finer_one() -> None:
    # pandas writes 6,547,345.98 computed as basis * 1.05 as 6547345.9799999995
    for currency, written, minor in (
        ("EUR", "6547345.9799999995", 654_734_598),
        (None, "1234.5600000000002", 123_456),
        ("JPY", "7000000000.0000001", 700_000_000_000),
    ):
        store = MemoryStore()
        plan_id = yen_plan(store, currency)
        nego.set_goal(store, plan_id, "olga", total=written)
        assert nego.summary(store, plan_id)["goal"] == minor
    store = MemoryStore()
    plan_id = yen_plan(store, "EUR")
    with pytest.raises(Invalid, match="type at most 2"):  # a real fraction of a cent
        nego.set_goal(store, plan_id, "olga", total="6546295.8015")


def _with_an_event_on_team_a(store: MemoryStore, plan_id: str) -> None:
    """+13.37 % on team a over the whole horizon: a system plan of fractional yen per team."""
    from forecast.services import system

    dates = nego.series_frame(store, plan_id)["ds"]
    system.add_event(
        store,
        plan_id,
        "olga",
        name="Promo",
        kind="promotion",
        scope=system.Scope.parse(["Team=a"]),
        start=str(dates.min().date()),
        end=str((dates.max() + pd.Timedelta(days=6)).date()),
        effect="percent",
        value=13.37,
    )


def test_a_jpy_plans_totals_and_the_goal_warning_are_the_ledgers_whole_yen() -> None:
    store = MemoryStore()
    plan_id = fractional_yen_plan(store)
    _with_an_event_on_team_a(store, plan_id)
    nego.set_goal(store, plan_id, "olga", ratio="1.1", basis="system_plan")
    total = nego.ledger(store, plan_id).set_index("team").loc["TOTAL"]
    raw = nego.plan_totals.of_plan(store, get_plan(store, plan_id))
    assert sum(raw.team_system_plan.values()) % YEN  # the teams' cents do not add up to yen
    # a goal one yen under the system plan: the gap and the warning say the same yen
    nego.set_goal(store, plan_id, "olga", total=int(total["system_plan_minor"]) // YEN - 1)
    summary = nego.summary(store, plan_id)
    assert summary["system_plan_total"] == int(total["system_plan_minor"])
    assert summary["baseline_total"] == int(total["baseline_minor"])
    assert summary["gap"] == -YEN
    assert nego.goal_below_system_plan(summary) == YEN
    board = negotiation_board(store, plan_id, "olga")
    assert board.system_plan_total == int(total["system_plan_minor"])
    assert board.goal_shortfall == YEN


def test_the_system_plan_page_of_a_jpy_plan_shows_the_ledgers_whole_yen() -> None:
    from forecast.services import system_views

    store = MemoryStore()
    plan_id = fractional_yen_plan(store)
    _with_an_event_on_team_a(store, plan_id)
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    ledger = nego.ledger(store, plan_id).set_index("team")
    page = system_views.system_page(store, plan_id, "olga")
    teams = page.teams.set_index("team")
    for column in ("baseline", "system_plan"):
        assert {t: round(v * 100) for t, v in teams[column].items()} == {
            t: int(ledger.loc[t, column + "_minor"]) for t in teams.index
        }, column
    assert round(page.baseline_total * 100) == int(ledger.loc["TOTAL", "baseline_minor"])
    assert round(page.plan_total * 100) == int(ledger.loc["TOTAL", "system_plan_minor"])
    # what events add is the difference of the two figures shown beside it
    assert (teams["adjustment"] == teams["system_plan"] - teams["baseline"]).all()
    assert (teams["adjustment"] % 1 == 0).all()


@pytest.mark.parametrize("currency", ["JPY", "EUR"])
def test_plan_show_side_by_side_and_the_chart_read_as_the_export_adds_up(currency) -> None:
    """Per series-period and per period, every view of the system plan has the export's cells
    (they summed or rounded the unrounded amounts: ¥1 or a cent off the export)."""
    from forecast.services import comparison, system, system_views

    store = MemoryStore()
    state = weekly_team_plan(store, team_frames(FRACTIONAL_YEN), currency=currency)
    plan_id = state.plan_id
    _with_an_event_on_team_a(store, plan_id)
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    rows = pd.read_csv(io.BytesIO(exports.export_plan(store, plan_id, "csv")), dtype={"team": str})
    rows["ds"] = pd.to_datetime(rows["ds"])
    key = ["unique_id", "ds"]
    cells = rows.set_index(key)[["baseline", "system_plan"]]
    by_period = rows.groupby("ds")[["baseline", "system_plan"]].sum()

    series = system.shown_plan(store, plan_id, "series")
    series["unique_id"] = series["unique_id"].astype(str)
    cells.index = cells.index.set_levels(cells.index.levels[0].astype(str), level=0)
    shown = series.set_index(key)[["baseline", "system_plan"]].loc[cells.index]
    assert (shown.round(2) == cells.round(2)).all().all()
    total = system.shown_plan(store, plan_id, "total").set_index("ds")
    for column in ("baseline", "system_plan"):
        assert total[column].round(2).tolist() == by_period[column].round(2).tolist(), column
    assert ((total["baseline"] + total["adjustment"]).round(2) == total["system_plan"]).all()

    periods = comparison.period_comparison(store, plan_id, None)
    assert periods is not None
    side = periods.groupby("ds")["system_plan"].sum()
    assert side.round(2).tolist() == by_period["system_plan"].round(2).tolist()
    chart = system_views.fan_frames(store, plan_id, "total", None).system_plan.set_index("ds")
    assert chart["system_plan"].round(2).tolist() == by_period["system_plan"].round(2).tolist()
    team_chart = system_views.fan_frames(store, plan_id, "team", "a").system_plan
    team_rows = rows[rows["team"] == "a"].groupby("ds")["system_plan"].sum()
    assert team_chart["system_plan"].round(2).tolist() == team_rows.round(2).tolist()


def test_an_event_amount_finer_than_a_yen_is_refused_alike_on_every_face(tmp_path) -> None:
    """The CLI and the audit said "set to ¥0" for 0.5 and "+¥12,000" for ¥12,000.5 (rounded
    half-even) while the events grid showed ¥1 and ¥12,001: now none of the faces takes it."""
    from typer.testing import CliRunner

    from dashboard.system import events, forms
    from forecast.cli import app
    from forecast.services import event_import, system
    from forecast.services.plan_file import InvalidFile
    from forecast.services.store_factory import open_store

    finer = r"yen have no smaller unit; type whole yen"
    with pytest.raises(Invalid, match=rf"^0\.5: {finer}"):
        forms.event_value("0.5", "set", "JPY")  # the page's value box
    with pytest.raises(Invalid, match=rf"^¥12,000\.5: {finer}"):
        row = {"event_id": "E1", "effect": "add", "value": "¥12,000.5"}
        events.edit_arguments({"colId": "value", "data": row}, "JPY")  # a grid cell edited
    with pytest.raises(Invalid, match=r"won have no smaller unit; type whole won"):
        forms.event_value("1,5", "cap", "KRW")
    assert forms.event_value("¥12,000", "add", "JPY") == 12000.0

    store = open_store(data_dir=tmp_path)
    plan_id = yen_plan(store)
    calendar = (
        b"name,kind,start,end,effect,value\n"
        b'Flyer,promotion,2024-03-01,2024-03-07,add,"\xc2\xa512,000.5"\n'
    )
    with pytest.raises(InvalidFile) as refused:
        event_import.import_events(store, plan_id, "olga", calendar, "yen.csv")
    [problem] = [str(p) for p in refused.value.problems]
    assert problem.startswith("yen.csv:2:value: ¥12,000.5") and problem.endswith(f"-> {finer}")
    store.close()

    window = ["--kind", "other", "--start", "2024-03-01", "--end", "2024-03-07"]
    added = CliRunner().invoke(
        app,
        ["plan", "event", "add", plan_id, "--name", "x", *window, "--set", "0.5", "--as", "olga",
         "--data-dir", str(tmp_path)],
    )  # fmt: skip
    assert added.exit_code == 2
    assert f"0.5: {finer}" in " ".join(added.output.split())
    store = open_store(data_dir=tmp_path)
    assert system.list_events(store, plan_id) == []
    store.close()


def test_an_imported_amount_finer_than_a_yen_is_refused_in_any_cell_or_locale() -> None:
    """A number cell of a workbook and ``12000,5`` in a file of decimal commas were read without
    the whole-yen check the page, the command line and a text cell make: stored as ¥12,000.5."""
    from forecast.services import event_import, system
    from forecast.services.plan_file import InvalidFile

    store = MemoryStore()
    plan_id = yen_plan(store)
    decimal_commas = (
        b"name;kind;start;end;effect;value\n"
        b"Flyer;promotion;2024-03-01;2024-03-07;add;12000,5\n"
        b"Fair;festival;2024-03-01;2024-03-07;percent;12,5\n"
    )
    workbook = io.BytesIO()
    pd.DataFrame(
        {
            "name": ["Flyer"],
            "kind": ["promotion"],
            "start": ["2024-03-01"],
            "end": ["2024-03-07"],
            "effect": ["set"],
            "value": [12000.5],
        }
    ).to_excel(workbook, index=False)
    finer = "-> yen have no smaller unit; type whole yen"

    for name, data, shown in [
        ("commas.csv", decimal_commas, "12000,5"),
        ("calendar.xlsx", workbook.getvalue(), "12000.5"),
    ]:
        with pytest.raises(InvalidFile) as refused:
            event_import.import_events(store, plan_id, "olga", data, name)
        [problem] = [str(p) for p in refused.value.problems]
        assert problem.startswith(f"{name}:2:value: {shown}") and problem.endswith(finer), problem
    assert system.list_events(store, plan_id) == []
