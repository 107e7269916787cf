"""Files of plans in different currencies (a EUR, a USD, a JPY and a plain-numbers plan of one
organisation) put together in one spreadsheet still say, in every row, what the amounts are in:
the plan's CSV, the Accuracy page's downloads and `plan score --json` name the plan's currency,
and a yen plan's amounts are whole yen."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
from openpyxl import load_workbook
from test_actuals_scale import as_csv, forecast_times
from test_services_negotiation import team_frames, weekly_team_plan
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accuracy, actuals, exports, system
from forecast.services import negotiation as nego
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore


def agreed_plan_with_actuals(store: MemoryStore, currency: str | None, name: str) -> str:
    """A weekly plan of teams a, b, c in `currency`, its goal 1.1 x the baseline assigned pro
    rata, agreed, with actuals 5.37 % above the baseline (amounts finer than a yen)."""
    plan_id = weekly_team_plan(store, team_frames(), name=name, currency=currency).plan_id
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    sales = as_csv(forecast_times(store, plan_id, 1.0537))
    actuals.upload_actuals(store, plan_id, sales, filename="actuals.csv", actor="olga")
    return plan_id


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_plan_csvs_of_plans_in_different_currencies_name_the_currency_in_every_row():
    store = MemoryStore()
    currencies = {"EUR": "Rossmann", "USD": "Walmart", "JPY": "Tokyo", None: "visitor nights"}
    stacked: list[dict[str, str]] = []
    for currency, name in currencies.items():
        plan_id = weekly_team_plan(store, team_frames(), name=name, currency=currency).plan_id
        nego.set_goal(store, plan_id, "olga", ratio="1.1")
        stacked += csv_rows(exports.export_plan(store, plan_id, "csv"))

    assert list(stacked[0])[-1] == "currency"  # added last: readers by position keep working
    by_plan = pd.DataFrame(stacked).groupby("plan_id")["currency"].unique()
    assert sorted(str(codes[0]) for codes in by_plan) == ["EUR", "JPY", "USD", "none"]
    assert all(len(codes) == 1 for codes in by_plan)
    yen = [row for row in stacked if row["currency"] == "JPY"]
    assert all("." not in row[column] for row in yen for column in ("baseline", "target"))


def test_a_plan_without_a_goal_names_its_currency_in_its_csv_too():
    store = MemoryStore()
    plan_id = weekly_team_plan(store, team_frames(), currency="USD").plan_id

    rows = csv_rows(exports.export_plan(store, plan_id, "csv"))

    assert {row["currency"] for row in rows} == {"USD"}


def test_the_fva_downloads_name_the_plans_currency_and_give_a_yen_plans_errors_in_whole_yen():
    store = MemoryStore()
    plan_id = agreed_plan_with_actuals(store, "JPY", "Tokyo")

    layers, _ = accuracy.fva_download(store, plan_id, "csv", "layers")
    touches, _ = accuracy.fva_download(store, plan_id, "csv", "touches")

    for content, amounts in (
        (layers, ("actual", "forecast")),
        (touches, ("error_without", "error_with", "value_added")),
    ):
        rows = csv_rows(content)
        assert list(rows[0])[-1] == "currency"
        assert {row["currency"] for row in rows} == {"JPY"}
        shown = [row[column] for row in rows for column in amounts if row[column]]
        assert shown and all(float(text).is_integer() for text in shown), shown


def test_the_fva_workbook_shows_the_amounts_in_the_plans_currency():
    store = MemoryStore()
    plan_id = agreed_plan_with_actuals(store, "JPY", "Tokyo")
    plain_id = agreed_plan_with_actuals(store, None, "visitor nights")

    yen = load_workbook(io.BytesIO(accuracy.fva_download(store, plan_id, "xlsx")[0]))
    plain = load_workbook(io.BytesIO(accuracy.fva_download(store, plain_id, "xlsx")[0]))

    def money_format(book, sheet: str, column: str) -> str:
        header = [cell.value for cell in book[sheet][1]]
        return str(book[sheet].cell(2, header.index(column) + 1).number_format)

    assert money_format(yen, "FVA by touch", "error_with") == '"¥"#,##0;-"¥"#,##0'
    assert money_format(yen, "FVA by layer", "actual") == '"¥"#,##0;-"¥"#,##0'
    assert money_format(plain, "FVA by touch", "value_added") == "#,##0.00"
    assert yen["FVA by touch"].cell(2, yen["FVA by touch"].max_column).value == "JPY"


def test_plan_score_json_names_the_plans_currency_in_every_row(tmp_path):
    store = open_store(data_dir=tmp_path)
    yen = weekly_team_plan(store, team_frames(), name="Tokyo", currency="JPY").plan_id
    plain = weekly_team_plan(store, team_frames(), name="visitor nights", currency=None).plan_id
    sales = tmp_path / "actuals.csv"
    sales.write_bytes(as_csv(forecast_times(store, yen, 1.0537)))
    store.close()

    def scored(plan: str) -> list[dict]:
        args = ["plan", "score", plan, str(sales), "--json", "--data-dir", str(tmp_path)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.stdout
        return json.loads(result.stdout)

    assert {row["currency"] for row in scored(yen)} == {"JPY"}
    assert {row["currency"] for row in scored(plain)} == {None}
