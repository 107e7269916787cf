"""End to end through the command line: the 6.5bn baseline / 10bn goal example on generated team
baselines, from goal to agreed export and re-import, on a SQLite store in a fresh data directory."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services.plan_members import grant, revoke
from forecast.services.store_factory import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_services_negotiation import team_frames, weekly_team_plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FORECAST = ROOT / ".venv" / "bin" / "forecast"
TEAMS = {"food": 3.0e9, "nonfood": 2.0e9, "fresh": 1.5e9}  # 6.5bn


@pytest.fixture
def data_dir(tmp_path) -> Path:
    store = open_store(data_dir=tmp_path)
    history, attributes, baseline = team_frames(TEAMS)
    state = weekly_team_plan(store, (history, attributes, baseline), name="xmas")
    grant(store, state.plan_id, "olga", "fiona", "lead", team="food")
    grant(store, state.plan_id, "olga", "niko", "lead", team="nonfood")
    store.close()
    return tmp_path


def run(data_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["plan", *args, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.stdout


def run_fails(data_dir: Path, *args: str, code: int = 2, console: bool = False) -> str:
    """`error: ...` on stderr and the exit code of its class (2 bad input, 3 refused edit).

    In this process by default, through the command group's own error handling as the console
    script runs it; with `console` through the installed console script in a process of its own
    (a second or more each: the example below goes that way once; the exit code travels the
    same way for every class)."""
    argv = ["plan", *args, "--data-dir", str(data_dir)]
    if console:
        proc = subprocess.run([str(FORECAST), *argv], capture_output=True, text=True, check=False)
        returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    else:
        result = CliRunner().invoke(app, argv)
        returncode, stdout, stderr = result.exit_code, result.stdout, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{result.exception!r}\n{stderr}"
        )
    assert returncode == code, stdout + stderr
    assert stderr.startswith("error: ")
    assert "Traceback" not in stderr
    return stderr


def test_the_example_from_goal_to_agreed_export(data_dir, tmp_path):
    summary = json.loads(
        run(data_dir, "goal", "xmas", "--ratio", "10/6.5", "--as", "olga", "--json")
    )
    assert summary["goal_minor"] == 1_000_000_000_000 and summary["gap_minor"] == 350_000_000_000
    # Money reads as the ledger's rows do: currency units by name, exact cents beside them.
    assert summary["goal"] == 10_000_000_000.0 and summary["gap"] == 3_500_000_000.0

    run(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "food",
        "--amount",
        "2000000000",
        "--note",
        "double promo space",
        "--as",
        "fiona",
    )
    err = run_fails(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "food",
        "--amount",
        "1",
        "--note",
        "x",
        "--as",
        "niko",
        code=3,
        console=True,
    )
    assert "lead of team 'nonfood'" in err
    err = run_fails(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "nonfood",
        "--amount",
        "a lot",
        "--note",
        "x",
        "--as",
        "niko",
    )
    assert "not a number" in err
    run(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "nonfood",
        "--percent",
        "60",
        "--note",
        "new listings",
        "--as",
        "niko",
    )
    err = run_fails(data_dir, "assign", "xmas", "--rule", "even", "--as", "olga", code=3)
    assert "close-round" in err  # wrong stage: a refused edit

    closed = json.loads(run(data_dir, "close-round", "xmas", "--as", "olga", "--json"))
    assert closed["remainder_minor"] == 30_000_000_000  # the few hundred million nobody took
    err = run_fails(
        data_dir, "assign", "xmas", "--rule", "manual", "--manual", "fresh=1", "--as", "olga"
    )
    assert "299,999,999.00 short" in err
    run(data_dir, "assign", "xmas", "--rule", "pro_rata_baseline", "--as", "olga")
    err = run_fails(data_dir, "lock", "xmas", "--as", "olga", code=3)
    assert "cannot lock the plan while its system plan is a draft" in err
    assert "publish it first with `forecast plan publish " in err
    run(data_dir, "publish", "xmas", "--as", "olga")
    run(data_dir, "lock", "xmas", "--as", "olga")
    err = run_fails(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "food",
        "--amount",
        "1",
        "--note",
        "late",
        "--as",
        "fiona",
        code=3,
    )
    assert "new version" in err

    ledger = json.loads(run(data_dir, "ledger", "xmas", "--json"))
    rows = {r["team"]: r for r in ledger["ledger"]}
    assert rows["TOTAL"]["target_minor"] == 1_000_000_000_000
    for team in TEAMS:
        r = rows[team]
        assert r["basis_minor"] + r["claim_minor"] + r["assignment_minor"] == r["target_minor"]
    assert rows["fresh"]["claim_minor"] == 0 and rows["fresh"]["assignment_minor"] > 0
    assert "food" in run(data_dir, "stretch", "xmas")

    out_csv, out_xlsx, out_json = (
        tmp_path / "agreed_plan.csv",
        tmp_path / "agreed_plan.xlsx",
        tmp_path / "b.json",
    )
    run(data_dir, "export", "xmas", "--format", "csv", "--out", str(out_csv))
    run(data_dir, "export", "xmas", "--format", "xlsx", "--out", str(out_xlsx))
    run(data_dir, "export", "xmas", "--format", "json", "--out", str(out_json))
    table = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert {"unique_id", "ds", "team", "baseline", "system_plan", "target"} <= set(table[0])
    assert sum(Decimal(r["target"]) for r in table) == Decimal("10000000000.00")
    assert load_workbook(out_xlsx).sheetnames[0] == "by series-period"

    # actuals arrive 2 % below the targets of every series: the negotiated track was closer
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(
        "unique_id,ds,y\n"
        + "".join(
            f"{r['unique_id']},{r['ds']},{Decimal(r['target']) * Decimal('0.98'):.2f}\n"
            for r in table
        )
    )
    scored = {
        r["team"]: r for r in json.loads(run(data_dir, "score", "xmas", str(actuals), "--json"))
    }
    assert scored["TOTAL"]["closer"] == "target"
    assert scored["TOTAL"]["wape_target"] == pytest.approx(0.02 / 0.98, rel=1e-6)
    text = run(data_dir, "score", "xmas", str(actuals))
    assert "€9,799,999,999.99" in text  # the actuals in the plan's currency (98 % of the goal)
    assert "negotiated target" in text and "target_" not in text  # words, not codes

    elsewhere = tmp_path / "elsewhere"
    imported = run(elsewhere, "import", str(out_json), "--as", "ivan", "--trust", "--json")
    assert json.loads(imported)["target_total_minor"] == 1_000_000_000_000
    again = json.loads(run(elsewhere, "ledger", "xmas", "--json"))
    assert again["ledger"] == ledger["ledger"]


# The money of the ledger's rows: each comes in currency units by name and exact cents beside it.
LEDGER_MONEY = (
    "baseline",
    "system_plan",
    "basis",
    "basis_drift",
    "claim",
    "assignment",
    "target",
    "last_year",
)


def test_ledger_json_gives_every_amount_in_currency_units_and_in_exact_cents(data_dir):
    run(data_dir, "goal", "xmas", "--ratio", "10/6.5", "--as", "olga")
    run(data_dir, "claim", "xmas", "--team", "food", "--amount", "1234.56", "--note", "flyer",
        "--as", "fiona")  # fmt: skip
    ledger = json.loads(run(data_dir, "ledger", "xmas", "--json"))
    parts = [ledger["summary"], ledger["summary"]["drift_minor"], *ledger["ledger"]]
    for row in ledger["ledger"]:
        assert set(LEDGER_MONEY) <= row.keys(), row.keys()
        assert {f"{name}_minor" for name in LEDGER_MONEY} <= row.keys(), row.keys()
    for part in (ledger["summary"], *ledger["ledger"]):
        for name, minor in part.items():
            if not name.endswith("_minor") or isinstance(minor, dict):
                continue
            units = part[name.removesuffix("_minor")]
            assert (units is None) == (minor is None), name
            if minor is not None:
                assert isinstance(minor, int) and units == minor / 100, (name, units, minor)
    drift, drift_minor = ledger["summary"]["drift"], parts[1]
    assert drift == {team: cents / 100 for team, cents in drift_minor.items()}
    rows = {r["team"]: r for r in ledger["ledger"]}
    assert rows["food"]["claim"] == 1234.56 and rows["food"]["claim_minor"] == 123456
    assert ledger["summary"]["claimed_minor"] == 123456
    assert rows["food"]["last_year_minor"] is not None  # the fixture's history reaches a year


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"ds,goal\n2024-12-02,\xe9\xe9\n", "is not UTF-8 text: save it as 'CSV UTF-8'"),
        (b'ds,goal\n2024-12-02,"' + b"1" * 200_000 + b'"\n', "cannot be read as CSV"),
        (b"ds,goal\n" + b"2024-12-02,1\n" * 100_000, "is larger than 1,024 KB"),
    ],
    ids=["latin-1", "a field over the csv limit", "over the size bound"],
)
def test_a_per_period_goal_file_that_cannot_be_read_is_refused_with_the_fix(
    data_dir, tmp_path, content, said
):
    """Found by trying files a spreadsheet may write: a Latin-1 file and a field longer than
    the csv module's limit ended in an internal error; the reader had no size bound."""
    goals = tmp_path / "goals.csv"
    goals.write_bytes(content)
    err = run_fails(data_dir, "goal", "xmas", "--per-period", str(goals), "--as", "olga")
    assert said in err


def test_a_bundle_file_over_the_limit_is_refused_before_it_is_read(data_dir, tmp_path):
    """The import read the whole file into memory and only then compared its size with the
    limit; a 600 MB file (sparse: it takes no disk) is now refused from its size."""
    from forecast.services import exports

    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(exports.MAX_BUNDLE_BYTES + 1)
    err = run_fails(data_dir, "import", str(huge), "--as", "olga")
    assert "more than the limit of 512 MB a plan bundle may be" in err


def test_per_period_goal_file_and_scaled_oversubscription(data_dir, tmp_path):
    from forecast.services import negotiation as nego

    store = open_store(data_dir=data_dir)
    periods = sorted(nego.series_frame(store, "xmas")["ds"].dt.strftime("%Y-%m-%d").unique())
    store.close()
    goals = tmp_path / "goals.csv"
    goals.write_text(
        "ds,goal\n" + "".join(f"{p},{2000000000 + i}.25\n" for i, p in enumerate(periods))
    )
    summary = json.loads(
        run(data_dir, "goal", "xmas", "--per-period", str(goals), "--as", "olga", "--json")
    )
    assert summary["goal_minor"] == sum(200_000_000_000 + 100 * i + 25 for i in range(len(periods)))
    # claims worth more than the gap, scaled down pro rata when the round closes
    run(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "food",
        "--amount",
        "1000000000",
        "--note",
        "x",
        "--as",
        "fiona",
    )
    run(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "nonfood",
        "--amount",
        "1000000000",
        "--note",
        "y",
        "--as",
        "niko",
    )
    closed = json.loads(
        run(data_dir, "close-round", "xmas", "--oversubscribed", "scale", "--as", "olga", "--json")
    )
    assert closed["claimed"] == summary["gap"] and closed["remainder"] == 0
    run(data_dir, "assign", "xmas", "--rule", "even", "--exclude", "fresh", "--as", "olga")
    run(data_dir, "publish", "xmas", "--as", "olga")
    run(data_dir, "lock", "xmas", "--as", "olga")
    out = tmp_path / "plan.csv"
    run(data_dir, "export", "xmas", "--format", "csv", "--out", str(out))
    per_period: dict[str, Decimal] = {}
    for row in csv.DictReader(io.StringIO(out.read_text())):
        per_period[row["ds"]] = per_period.get(row["ds"], Decimal(0)) + Decimal(row["target"])
    assert per_period == {p: Decimal(f"{2000000000 + i}.25") for i, p in enumerate(periods)}
    err = run_fails(data_dir, "goal", "xmas", "--total", "1", "--ratio", "2", "--as", "olga")
    assert "exactly one" in err


def test_cli_shows_the_drift_after_an_event_and_rebases_once_with_its_expected_version(data_dir):
    from forecast.overrides import Scope
    from forecast.services import negotiation as nego
    from forecast.services import system

    run(data_dir, "goal", "xmas", "--total", "7000000000", "--basis", "system_plan", "--as", "olga")
    run(
        data_dir,
        "claim",
        "xmas",
        "--team",
        "food",
        "--amount",
        "100000000",
        "--note",
        "range",
        "--as",
        "fiona",
    )
    store = open_store(data_dir=data_dir)
    frame = nego.series_frame(store, "xmas")
    system.add_event(
        store,
        "xmas",
        "olga",
        name="fresh promo",
        kind="promotion",
        scope=Scope(attributes={"Team": ("fresh",)}),
        start=frame["ds"].min().date(),
        end=(frame["ds"].max() + timedelta(days=6)).date(),  # through the last week
        effect="percent",
        value=25.0,
        reason="flyer",
    )
    version = nego.summary(store, "xmas")["version"]
    store.close()
    ledger = run(data_dir, "ledger", "xmas")
    assert "basis drift" in ledger and "fresh" in ledger
    food = next(line for line in ledger.splitlines() if line.startswith("food"))
    assert "claim/basis" in ledger and re.search(r"\d\.\d %", food)  # percents as elsewhere
    assert "forecast plan rebase" in ledger
    stale = run_fails(
        data_dir, "rebase", "xmas", "--expected-version", str(version - 1), "--as", "olga", code=3
    )
    assert "version" in stale
    out = run(data_dir, "rebase", "xmas", "--expected-version", str(version), "--as", "olga")
    assert "rebased onto the current system plan" in out
    assert "basis drift" not in run(data_dir, "ledger", "xmas")
    as_json = json.loads(run(data_dir, "ledger", "xmas", "--json"))
    rows = {r["team"]: r for r in as_json["ledger"]}
    assert rows["fresh"]["basis_minor"] == rows["fresh"]["system_plan_minor"]
    assert rows["food"]["claim_minor"] == 10_000_000_000


def test_cli_rebase_says_it_dropped_a_manual_assignment(data_dir):
    from forecast.overrides import Scope
    from forecast.services import negotiation as nego
    from forecast.services import system

    run(data_dir, "goal", "xmas", "--total", "7000000000", "--basis", "system_plan", "--as", "olga")
    run(data_dir, "close-round", "xmas", "--as", "olga")
    manual = ["--rule", "manual", "--manual", "food=200000000", "--manual", "nonfood=300000000"]
    run(data_dir, "assign", "xmas", *manual, "--as", "olga")
    store = open_store(data_dir=data_dir)
    frame = nego.series_frame(store, "xmas")
    system.add_event(
        store,
        "xmas",
        "olga",
        name="fresh promo",
        kind="promotion",
        scope=Scope(attributes={"Team": ("fresh",)}),
        start=frame["ds"].min().date(),
        end=(frame["ds"].max() + timedelta(days=6)).date(),
        effect="percent",
        value=25.0,
        reason="flyer",
    )
    store.close()
    out = run(data_dir, "rebase", "xmas", "--as", "olga")
    assert "the assignment was dropped: the manual amounts (€500,000,000.00) no longer" in out
    assert "is open; assign it again" in out


def test_every_negotiation_edit_takes_an_expected_version(data_dir):
    for args in (
        ["goal", "xmas", "--total", "7000000000"],
        ["claim", "xmas", "--team", "food", "--amount", "1", "--note", "x"],
        ["unclaim", "xmas", "--team", "food"],
        ["close-round", "xmas"],
        ["reopen-round", "xmas"],
        ["assign", "xmas", "--rule", "even"],
        ["lock", "xmas"],
        ["rebase", "xmas"],
    ):
        message = run_fails(data_dir, *args, "--expected-version", "999", "--as", "olga", code=3)
        assert "version" in message, (args, message)


def test_a_lead_claims_for_the_team_they_lead_without_naming_it(data_dir):
    run(data_dir, "goal", "xmas", "--ratio", "10/6.5", "--as", "olga")
    claimed = json.loads(
        run(data_dir, "claim", "xmas", "--amount", "1000", "--note", "x", "--as", "niko", "--json")
    )
    assert claimed["claimed_minor"] == 1000_00
    assert "team nonfood claims" in run(data_dir, "claim", "xmas", "--amount", "2000", "--note",
                                        "x", "--as", "niko")  # fmt: skip
    withdrawn = json.loads(run(data_dir, "unclaim", "xmas", "--as", "niko", "--json"))
    assert withdrawn["claimed"] == 0
    err = run_fails(
        data_dir, "claim", "xmas", "--amount", "1", "--note", "x", "--as", "olga", code=2
    )
    assert "olga leads no team on plan" in err and "give --team TEAM" in err


def test_a_member_no_longer_lead_claims_for_no_team_without_naming_it(data_dir):
    """Fiona, planner and once lead of food, is no lead any more: a claim without --team is
    refused by the service for food, the team her membership still records, saying why and how
    to lead it again (exit 3), not told to give --team, which no team could make work."""
    store = open_store(data_dir=data_dir)
    grant(store, "xmas", "olga", "fiona", "planner")
    revoke(store, "xmas", "olga", "fiona", "lead")
    store.close()
    run(data_dir, "goal", "xmas", "--ratio", "10/6.5", "--as", "olga")
    for command in (["claim", "xmas", "--amount", "1", "--note", "x"], ["unclaim", "xmas"]):
        err = " ".join(run_fails(data_dir, *command, "--as", "fiona", code=3).split())
        assert "give --team TEAM" not in err
        assert "ask the plan owner to make you its lead" in err, err
        assert re.search(r"`forecast plan grant \w+ fiona --role lead --team food`", err), err


def test_a_claim_percent_may_be_typed_with_its_percent_sign_as_an_event_percent_may(data_dir):
    run(data_dir, "goal", "xmas", "--ratio", "10/6.5", "--as", "olga")
    claimed = json.loads(
        run(
            data_dir,
            "claim",
            "xmas",
            "--percent",
            " +1.5 % ",
            "--note",
            "x",
            "--as",
            "niko",
            "--json",
        )
    )
    assert claimed["claimed_minor"] == 30_000_000_00  # 1.5 % of nonfood's 2bn: 30m, in cents
    err = run_fails(
        data_dir, "claim", "xmas", "--percent", "lots", "--note", "x", "--as", "niko", code=2
    )
    assert "the percent 'lots' is not a number" in err


def test_a_claim_percent_may_be_typed_with_a_decimal_comma_as_the_page_takes_it(data_dir):
    run(data_dir, "goal", "xmas", "--ratio", "10/6.5", "--as", "olga")
    claimed = json.loads(
        run(data_dir, "claim", "xmas", "--percent", "1,5%", "--note", "x", "--as", "niko", "--json")
    )
    assert claimed["claimed_minor"] == 30_000_000_00  # 1,5 % read as 1.5 %, not refused
    err = run_fails(
        data_dir, "claim", "xmas", "--percent", "1,500", "--note", "x", "--as", "niko", code=2
    )
    assert "1,500" in err  # a thousands comma is not read as a decimal one


def test_ledger_claim_and_stretch_before_a_goal_are_refused_as_the_wrong_step(data_dir):
    """Before the owner sets a goal there is nothing to show or claim: a refusal (exit 3, like
    publishing before the explanations), not bad input, naming the step that comes first."""
    for args in (
        ("ledger", "xmas"),
        ("stretch", "xmas"),
        ("claim", "xmas", "--as", "fiona", "--amount", "1000", "--note", "early"),
    ):
        err = run_fails(data_dir, *args, code=3)
        assert "has no goal yet" in err and "plan goal" in err, err


def test_a_new_goal_without_basis_keeps_the_basis_the_negotiation_is_measured_against(data_dir):
    first = json.loads(
        run(data_dir, "goal", "xmas", "--total", "7000000000", "--json", "--as", "olga")
    )
    assert first["basis"] == "baseline"  # a first goal: against the baseline, as always
    run(data_dir, "goal", "xmas", "--ratio", "1.1", "--basis", "system_plan", "--spread-by",
        "baseline", "--as", "olga")  # fmt: skip

    again = json.loads(
        run(data_dir, "goal", "xmas", "--total", "7500000000", "--json", "--as", "olga")
    )

    assert again["basis"] == "system_plan" and again["spread_by"] == "baseline"
    assert again["goal_minor"] == 750_000_000_000
    back = json.loads(
        run(
            data_dir,
            "goal",
            "xmas",
            "--total",
            "7500000000",
            "--basis",
            "baseline",
            "--json",
            "--as",
            "olga",
        )
    )
    assert back["basis"] == "baseline" and back["spread_by"] == "baseline"


def test_the_claim_percent_is_described_as_a_percent_of_the_teams_basis():
    """A lead in a negotiation measured against the system plan claims a percent of that."""
    result = CliRunner().invoke(app, ["plan", "claim", "--help"], env={"COLUMNS": "200"})
    said = " ".join(result.stdout.replace("│", " ").split())
    assert "percent of the team's basis" in said
    assert "of its system plan when the goal is measured against the system plan" in said
    assert "percent of the team's baseline" not in said
