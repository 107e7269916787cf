"""A plan's export after its actuals were uploaded carries the kept actuals (the latest version,
the one the track record scores): an ``actual`` and ``actuals_version`` column in the
series-period view, each team's actual in the by-team view where the team's every series-period
has one; a plan without actuals exports as before."""

from __future__ import annotations

import base64
import csv
import io
from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook
from test_actuals_scale import as_csv, forecast_times
from test_services_negotiation import team_frames, weekly_team_plan
from typer.testing import CliRunner

from forecast import export
from forecast.cli import app
from forecast.services import actuals, exports, system
from forecast.services import negotiation as nego
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore


def agreed_plan(store) -> str:
    plan_id = weekly_team_plan(store, team_frames()).plan_id
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    return plan_id


def sales(store, plan_id: str, factor: float) -> pd.DataFrame:
    """Actuals of `factor` x the baseline: every period of team a's series, the first two
    periods of the others (team b's third series misses its second period too)."""
    frame = forecast_times(store, plan_id, factor).round({"y": 2})
    first_two = frame["ds"] <= sorted(frame["ds"].unique())[1]
    keep = frame["unique_id"].str.startswith("a") | first_two
    keep &= ~((frame["unique_id"] == "b2") & (frame["ds"] == sorted(frame["ds"].unique())[1]))
    return frame[keep].reset_index(drop=True)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_csv_after_an_upload_carries_the_latest_actuals_and_before_it_none():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    before = exports.export_plan(store, plan_id, "csv")
    first = sales(store, plan_id, 1.02)
    actuals.upload_actuals(store, plan_id, as_csv(first), filename="one.csv", actor="olga")
    second = sales(store, plan_id, 1.05)
    actuals.upload_actuals(store, plan_id, as_csv(second), filename="two.csv", actor="olga")

    after = csv_rows(exports.export_plan(store, plan_id, "csv"))

    assert list(csv_rows(before)[0]) == export.PLAN_COLUMNS
    assert list(after[0]) == [*export.PLAN_COLUMNS, "actual", "actuals_version"]
    assert {row["actuals_version"] for row in after} == {"2"}
    kept = {
        (uid, ds.strftime("%Y-%m-%d")): f"{y:.2f}"
        for uid, ds, y in second[["unique_id", "ds", "y"]].itertuples(index=False)
    }
    assert {(r["unique_id"], r["ds"]): r["actual"] for r in after if r["actual"]} == kept
    assert sum(1 for r in after if not r["actual"]) == len(after) - len(kept) > 0


def test_a_plan_without_actuals_has_no_actual_columns_in_either_view():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    for fmt in ("csv", "xlsx"):
        content = exports.export_plan(store, plan_id, fmt)
        if fmt == "csv":
            assert "actual" not in csv_rows(content)[0]
        else:
            book = load_workbook(io.BytesIO(content))
            for sheet in ("by series-period", "by team"):
                assert "actual" not in [c.value for c in book[sheet][1]]


def test_the_xlsx_shows_the_actuals_as_money_and_a_teams_actual_only_where_complete():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    kept = sales(store, plan_id, 1.03)
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="sold.csv", actor="olga")

    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))

    rows = book["by series-period"]
    header = [c.value for c in rows[1]]
    actual, target, version = (header.index(c) + 1 for c in ("actual", "target", "actuals_version"))
    cells = [rows.cell(r, actual) for r in range(2, rows.max_row + 1)]
    filled = [c for c in cells if c.value is not None]
    assert len(filled) == len(kept) and len(cells) > len(filled)
    assert all(isinstance(c.value, float) for c in filled)
    assert {c.number_format for c in filled} == {rows.cell(2, target).number_format}
    assert {rows.cell(r, version).value for r in range(2, rows.max_row + 1)} == {1}
    assert round(sum(c.value for c in filled), 2) == round(kept["y"].sum(), 2)

    teams = book["by team"]
    header = [c.value for c in teams[1]]
    by_team = {row[0].value: row[header.index("actual")] for row in teams.iter_rows(min_row=2)}
    whole = kept[kept["unique_id"].str.startswith("a")]["y"].sum()
    assert round(by_team["a"].value, 2) == round(whole, 2)
    assert by_team["a"].number_format == teams.cell(2, header.index("target") + 1).number_format
    assert by_team["b"].value is None and by_team["c"].value is None


def test_plan_export_on_the_command_line_carries_the_actuals_once_uploaded(tmp_path):
    store = open_store(data_dir=tmp_path)
    plan_id = agreed_plan(store)
    sold = tmp_path / "sold.csv"
    sold.write_bytes(as_csv(sales(store, plan_id, 1.02)))
    store.close()
    runner = CliRunner()

    def exported(name: str) -> list[dict[str, str]]:
        out = tmp_path / name
        args = ["plan", "export", plan_id, "--out", str(out), "--data-dir", str(tmp_path)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stdout
        return csv_rows(out.read_bytes())

    before = exported("before.csv")
    upload = ["plan", "actuals", plan_id, str(sold), "--as", "olga", "--data-dir", str(tmp_path)]
    uploaded = runner.invoke(app, upload)
    assert uploaded.exit_code == 0, uploaded.output
    after = exported("after.csv")

    assert "actual" not in before[0]
    assert {row["actuals_version"] for row in after} == {"1"}
    assert sum(Decimal(row["actual"] or 0) for row in after) == sum(
        Decimal(row["y"]) for row in csv_rows(sold.read_bytes())
    )


def test_the_dashboards_download_carries_the_actuals_too(tmp_path):
    from dashboard.app import create_app
    from tests.signin import add_accounts, call

    store = open_store(data_dir=tmp_path)
    add_accounts(store, ["olga"])
    plan_id = agreed_plan(store)
    kept = sales(store, plan_id, 1.02)
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="sold.csv", actor="olga")
    store.close()
    app = create_app(data_dir=str(tmp_path))

    out = call(
        app,
        "..plans-download.data...plans-download-status.children..",
        inputs=[
            ("plans-download-csv", "n_clicks", 1),
            ("plans-download-csv-excel", "n_clicks", None),
            ("plans-download-xlsx", "n_clicks", None),
            ("plans-download-json", "n_clicks", None),
        ],
        state=[("nav-session", "data", {"plan_id": plan_id, "user": "olga"})],
    )

    rows = csv_rows(base64.b64decode(out["plans-download"]["data"]["content"]))
    assert list(rows[0])[-2:] == ["actual", "actuals_version"]
    assert sum(1 for row in rows if row["actual"]) == len(kept)


def test_a_negative_actual_is_written_as_a_number_not_neutralised_as_text():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    kept = sales(store, plan_id, 1.02)
    kept.loc[0, "y"] = -12.5  # a week of more returns than sales
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="sold.csv", actor="olga")

    rows = csv_rows(exports.export_plan(store, plan_id, "csv"))

    day = kept.loc[0, "ds"].strftime("%Y-%m-%d")
    (row,) = [r for r in rows if (r["unique_id"], r["ds"]) == (kept.loc[0, "unique_id"], day)]
    assert row["actual"] == "-12.50"
