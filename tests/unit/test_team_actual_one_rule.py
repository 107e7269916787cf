"""A team's actual is one rule (`team_actuals`): each kept series-period actual is rounded to the
currency's minor unit before anything sums it, and a team's actual is the exact sum of those
cells. The Side by side page, the Negotiation card, `plan stretch` and both sheets of the export
then give the same actual to the unit, the by-team sheet adds up from the series sheet, and no
view gives one for a team only partly in. The export reads the actuals once: an upload while it
is built cannot mix two versions in one workbook."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook
from test_actuals_scale import as_csv
from test_export_actuals import agreed_plan, sales

from forecast.services import actuals, comparison, exports
from forecast.services.negotiation_board import negotiation_board
from forecast.store import MemoryStore


def _sheet(book, name: str) -> list[dict]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _series_sums(book, team: str) -> Decimal:
    """The series sheet's actual cells of `team`, summed exactly."""
    return sum(
        (Decimal(str(r["actual"])) for r in _sheet(book, "by series-period") if r["team"] == team),
        Decimal(0),
    )


def test_the_comparison_and_the_exports_by_team_sheet_give_one_team_actual():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    kept = sales(store, plan_id, 1.03)
    # sub-cent sales, as a till's export may carry them: each cell is the cent it rounds to
    kept["y"] = kept["y"].round(0) + 0.004
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="sold.csv", actor="olga")

    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    exported = {r["team"]: r["actual"] for r in _sheet(book, "by team")}
    compared = comparison.compare_plans(store, plan_id).verdicts  # what the page shows
    assert set(compared) == set(exported) | {comparison.TOTAL}
    shown = {
        team: (None if v.actual is None else float(Decimal(v.actual) / 100))
        for team, v in compared.items()
        if team != comparison.TOTAL
    }
    assert shown == {
        team: (None if value is None else round(float(value), 2))
        for team, value in exported.items()
    }
    assert shown["a"] is not None and shown["b"] is None and shown["c"] is None

    # the value: the sum of team a's rounded cells (the sheet adds up), whichever view reads it
    of_a = kept[kept["unique_id"].str.startswith("a")]
    cells = sum(Decimal(str(round(float(y), 2))) for y in of_a["y"])
    assert Decimal(str(exported["a"])) == cells == _series_sums(book, "a")
    assert compared["a"].actual == int(cells * 100)
    card = {c.team: c for c in negotiation_board(store, plan_id, "olga").cards}["a"]
    assert card.actuals is not None and card.actuals.actual == int(cells * 100)


class UploadAfterFirstRead(MemoryStore):
    """A repository where another user uploads new actuals right after the first read of them
    (`rival`, once): a reader that reads them twice sees two versions."""

    def __init__(self) -> None:
        super().__init__()
        self.rival = None

    def get_actuals(self, plan_id, version=None):
        got = super().get_actuals(plan_id, version)
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        return got


def test_an_upload_while_the_export_is_built_leaves_the_workbook_on_one_actuals_version():
    store = UploadAfterFirstRead()
    plan_id = agreed_plan(store)
    first = sales(store, plan_id, 1.03)
    actuals.upload_actuals(store, plan_id, as_csv(first), filename="one.csv", actor="olga")
    second = sales(store, plan_id, 2.0)
    store.rival = lambda: actuals.upload_actuals(
        store, plan_id, as_csv(second), filename="two.csv", actor="olga"
    )

    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))

    assert store.rival is None  # the second version was uploaded while the export was built
    series = _sheet(book, "by series-period")
    assert {r["actuals_version"] for r in series} == {1}
    by_team = {r["team"]: r["actual"] for r in _sheet(book, "by team")}
    assert Decimal(str(by_team["a"])) == _series_sums(book, "a")
