"""The CLI in a plan's currency on the shipped Rossmann sample: created in USD, a goal typed as
"$720,000,000", the ledger and stretch shown in dollars with what the probability rests on, a CSV
for Excel with a byte order mark, and a bad code refused before the file is read."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forecast import export
from forecast.cli import app

runner = CliRunner()


def run(data_dir, *args: str, user: str = "ann"):
    return runner.invoke(app, [*args, "--data-dir", str(data_dir), "--as", user])


def run_ro(data_dir, *args: str):
    return runner.invoke(app, [*args, "--data-dir", str(data_dir)])


def set_goal(data_dir, plan_id) -> None:
    """The export needs a goal: each test sets it, so it holds when run alone or on its own
    worker."""
    goal = run(data_dir, "plan", "goal", plan_id, "--total", "$72,000,000")
    assert goal.exit_code == 0, goal.output


@pytest.fixture(scope="module")
def usd_plan(tmp_path_factory, rossmann_train, rossmann_stores):
    data_dir = tmp_path_factory.mktemp("usd-store")
    result = run(
        data_dir, "plan", "create", str(rossmann_train), "--attributes", str(rossmann_stores),
        "--name", "usd", "--freq", "W", "--horizon", "13", "--team", "StoreType",
        "--model", "snaive", "--currency", "usd", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["currency"] == "USD"
    assert doc["stretch_calibration"]["windows"] >= 3
    return data_dir, doc["plan_id"]


def test_goal_typed_with_dollar_sign_and_separators_and_ledger_in_dollars(usd_plan) -> None:
    data_dir, plan_id = usd_plan
    goal = run(data_dir, "plan", "goal", plan_id, "--total", "$72,000,000", "--json")
    assert goal.exit_code == 0, goal.output
    assert json.loads(goal.stdout)["goal_minor"] == 72_000_000_00
    audit = run_ro(data_dir, "plan", "audit", plan_id)
    assert "set goal $72,000,000.00" in audit.stdout, audit.stdout
    ledger = run_ro(data_dir, "plan", "ledger", plan_id)
    assert "goal $72,000,000.00" in ledger.stdout
    assert "€" not in ledger.stdout
    stretch = run_ro(data_dir, "plan", "stretch", plan_id)
    assert stretch.exit_code == 0, stretch.output
    assert "P(reach) from" in stretch.stdout and "past 13-week windows" in stretch.stdout
    assert " %" in stretch.stdout
    # Nobody has claimed yet: the total's row is the goal's chance, and says so; the JSON keeps
    # its key.
    assert "TOTAL (goal)" in stretch.stdout and "$72,000,000.00" in stretch.stdout
    rows = json.loads(run_ro(data_dir, "plan", "stretch", plan_id, "--json").stdout)
    assert [r["team"] for r in rows][-1] == "TOTAL"
    # Amounts as the ledger gives them: whole cents, and the exact cents beside them.
    total = rows[-1]
    assert total["target_minor"] == 72_000_000_00 and total["target"] == 72_000_000.0
    assert all(round(r["expected"] * 100) == r["expected_minor"] for r in rows)
    # The expectation is the ledger's system plan, to the cent (it was a float sum, cents off).
    ledger = json.loads(run_ro(data_dir, "plan", "ledger", plan_id, "--json").stdout)["ledger"]
    system = {r["team"]: r["system_plan_minor"] for r in ledger}
    assert {r["team"]: r["expected_minor"] for r in rows} == system


def test_euro_amount_in_a_dollar_plan_is_refused(usd_plan) -> None:
    data_dir, plan_id = usd_plan
    result = run(data_dir, "plan", "goal", plan_id, "--total", "720.000.000 €")
    assert result.exit_code != 0
    assert "the plan is in USD" in result.output


def test_csv_for_excel_starts_with_a_bom(usd_plan, tmp_path) -> None:
    data_dir, plan_id = usd_plan
    set_goal(data_dir, plan_id)
    out = tmp_path / "plan.csv"
    result = run_ro(data_dir, "plan", "export", plan_id, "--out", str(out), "--excel")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(export.UTF8_BOM)
    assert data[len(export.UTF8_BOM) :].startswith(b"unique_id,ds,")


def test_unknown_currency_is_refused_with_the_fix(tmp_path, rossmann_train) -> None:
    result = run(
        tmp_path, "plan", "create", str(rossmann_train), "--name", "x", "--horizon", "4",
        "--currency", "EURO",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "ISO 4217" in result.output


def test_plan_without_currency_takes_the_shells_region_and_says_so(
    tmp_path, rossmann_train
) -> None:
    args = ["plan", "create", str(rossmann_train), "--name", "us", "--horizon", "4",
            "--freq", "W", "--model", "snaive", "--json", "--data-dir", str(tmp_path),
            "--as", "ann"]  # fmt: skip
    us = runner.invoke(app, args, env={"LANG": "en_US.UTF-8", "LC_ALL": None})
    assert us.exit_code == 0, us.output
    assert json.loads(us.stdout)["currency"] == "USD"
    assert "currency USD from LANG=en_US.UTF-8 (--currency to choose another" in us.stderr
    plain = runner.invoke(app, [*args[:4], "c", *args[5:]], env={"LANG": "C.UTF-8", "LC_ALL": None})
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.stdout)["currency"] == "EUR"
    assert "the shell's locale names no region" in plain.stderr


def test_export_writes_the_format_its_file_name_says(usd_plan, tmp_path) -> None:
    data_dir, plan_id = usd_plan
    set_goal(data_dir, plan_id)
    xlsx = tmp_path / "plan.xlsx"
    result = run_ro(data_dir, "plan", "export", plan_id, "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    assert "(xlsx," in result.stdout
    assert xlsx.read_bytes().startswith(b"PK")  # a zip: the workbook, not a CSV named .xlsx
    clash = run_ro(data_dir, "plan", "export", plan_id, "--out", str(xlsx), "--format", "csv")
    assert clash.exit_code == 2
    assert "names a .xlsx file but --format is csv" in clash.output
    bom = run_ro(data_dir, "plan", "export", plan_id, "--out", str(tmp_path / "p.json"), "--excel")
    assert bom.exit_code == 2
    assert "--excel applies to a CSV only" in bom.output
    plain = tmp_path / "plan.txt"
    assert run_ro(data_dir, "plan", "export", plan_id, "--out", str(plain)).exit_code == 0
    assert plain.read_text().startswith("unique_id,ds,")


def test_a_refused_claim_names_its_amounts_in_dollars(usd_plan) -> None:
    """The domain's own words (here: a claim that would sink a team) name amounts in the plan's
    currency, as the ledger around them does."""
    data_dir, plan_id = usd_plan
    set_goal(data_dir, plan_id)
    granted = run(data_dir, "plan", "grant", plan_id, "lou", "--role", "lead", "--team", "a")
    assert granted.exit_code == 0, granted.output
    sunk = run(
        data_dir, "plan", "claim", plan_id, "--amount=-999999999999", "--note", "x", user="lou"
    )
    assert sunk.exit_code == 2 and "a claim of -$999,999,999,999.00" in sunk.output, sunk.output
    assert "(its baseline is $" in sunk.output
