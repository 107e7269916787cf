"""A team's actual is one rule (`team_actuals.actuals_by_team`): the Side by side page and the
export's by-team sheet give the same actual for a team whose every series-period is in, and
neither gives one for a team only partly in."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from test_actuals_scale import as_csv
from test_export_actuals import agreed_plan, sales

from forecast.services import actuals, comparison, exports
from forecast.store import MemoryStore


def test_the_comparison_and_the_exports_by_team_sheet_give_one_team_actual():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    kept = sales(store, plan_id, 1.03)
    # sub-cent sales, as a till's export may carry them: one sum, whichever page reads it
    kept["y"] = kept["y"].round(0) + 0.004
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="sold.csv", actor="olga")

    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    teams = book["by team"]
    header = [c.value for c in teams[1]]
    exported = {
        row[0].value: row[header.index("actual")].value for row in teams.iter_rows(min_row=2)
    }
    compared = comparison.compare_plans(store, plan_id).actuals.set_index("team")

    in_full = compared["periods_in"] == compared["periods_total"]
    shown = {
        str(team): (round(float(compared.loc[team, "actual"]), 2) if in_full[team] else None)
        for team in compared.index
        if team != comparison.TOTAL
    }
    assert shown == {
        team: (None if value is None else round(float(value), 2))
        for team, value in exported.items()
    }
    assert shown["a"] is not None and shown["b"] is None and shown["c"] is None
