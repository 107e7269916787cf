"""With the goal set per period, every view gives each team the same target to the cent: the
Side by side page (per team, and per period on its chart), the ledger (`forecast plan ledger`),
the Negotiation page's cards and the export's sheets (by team, ledger, by series-period); and
each period's targets add up to that period's goal. On a real SQLite store, in a currency with
cents and one without, after an event moved the basis (not rebased)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_services_negotiation import team_frames, weekly_team_plan
from typer.testing import CliRunner

from forecast.cli import app
from forecast.overrides import Scope
from forecast.services import comparison, exports, system
from forecast.services import negotiation as nego
from forecast.services.negotiation_board import negotiation_board
from forecast.services.plan_members import grant
from forecast.services.store_factory import open_store

TEAMS = ("a", "b", "c")


def _per_period_plan(store, currency: str) -> tuple[str, dict[str, int]]:
    """A weekly plan whose goal is set per period (a few cents over 2.5bn each, against the
    system plan), claims by two leads, an event on team c after the goal, the remainder
    assigned; and the goal per period (minor units)."""
    plan_id = weekly_team_plan(store, team_frames(), currency=currency).plan_id
    for team, lead in zip(TEAMS, ("anna", "bert", "cleo"), strict=True):
        grant(store, plan_id, "olga", lead, "lead", team=team)
    periods = sorted(nego.series_frame(store, plan_id)["ds"].dt.strftime("%Y-%m-%d").unique())
    cents = Decimal("0.01") if currency == "EUR" else Decimal(0)
    goals = {p: Decimal(2_500_000_000 + k) + cents for k, p in enumerate(periods, 1)}
    nego.set_goal(store, plan_id, "olga", per_period=goals, basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", amount="300000001", note="flyer")
    nego.claim(store, plan_id, "cleo", "c", amount="120000000", note="new listings")
    system.add_event(
        store,
        plan_id,
        "olga",
        name="promo",
        kind="promotion",
        scope=Scope({"Team": ("c",)}),
        start=periods[1],
        end=periods[2],
        effect="percent",
        value=25,
        reason="flyer",
    )
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    return plan_id, {p: int(v * 100) for p, v in goals.items()}


def _minor(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


@pytest.mark.parametrize("currency", ["EUR", "JPY"])
def test_every_view_gives_each_team_and_period_the_ledgers_target(tmp_path, currency):
    store = open_store(data_dir=tmp_path)
    plan_id, goals = _per_period_plan(store, currency)
    ledger = nego.ledger(store, plan_id)
    expected = {str(t): int(m) for t, m in zip(ledger["team"], ledger["target_minor"], strict=True)}
    assert set(expected) == {*TEAMS, "TOTAL"}
    assert nego.summary(store, plan_id)["drifted_teams"]  # the event moved the basis

    compared = comparison.compare_plans(store, plan_id)
    side = {
        str(t): int(m)
        for t, m in zip(compared.totals["team"], compared.totals["target_minor"], strict=True)
    }
    side_rows = {
        str(r["team"]): _minor(r["target"]) for r in compared.differences.to_dict("records")
    }
    cards = {c.team: c.target for c in negotiation_board(store, plan_id, "olga").cards}
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))

    def sheet(name: str) -> dict[str, int]:
        rows = list(book[name].iter_rows(values_only=True))
        at = rows[0].index("team"), rows[0].index("target")
        return {str(r[at[0]]): _minor(r[at[1]]) for r in rows[1:] if r[at[0]] is not None}

    by_series = pd.DataFrame(
        list(book["by series-period"].iter_rows(values_only=True))[1:],
        columns=list(next(book["by series-period"].iter_rows(values_only=True))),
    )
    series_sums = by_series.groupby("team")["target"].apply(lambda v: sum(_minor(x) for x in v))
    # the Side by side page's chart: the team's target per period
    chart = {team: comparison.period_comparison(store, plan_id, team) for team in TEAMS}
    store.close()
    printed = CliRunner().invoke(
        app, ["plan", "ledger", plan_id, "--data-dir", str(tmp_path), "--json"]
    )
    assert printed.exit_code == 0, printed.output
    cli = {str(r["team"]): _minor(r["target"]) for r in json.loads(printed.stdout)["ledger"]}

    teams_only = {t: v for t, v in expected.items() if t != "TOTAL"}
    assert side == teams_only
    assert side_rows == expected
    assert cards == teams_only
    assert cli == expected
    assert sheet("ledger") == expected
    assert sheet("by team") == teams_only
    assert series_sums.to_dict() == teams_only
    per_period: dict[str, int] = {}
    for team, frame in chart.items():
        assert frame is not None
        cells = frame["target"].map(_minor)
        assert int(cells.sum()) == expected[team], team
        for ds, value in cells.groupby(frame["ds"].dt.strftime("%Y-%m-%d")).sum().items():
            per_period[str(ds)] = per_period.get(str(ds), 0) + int(value)
    assert per_period == goals  # every period adds up to its goal
    assert sum(goals.values()) == expected["TOTAL"]
