"""End-to-end CLI scenario of the system track on the shipped Rossmann sample (real ingest, real
baseline, real SQLite file), plus the CLI's handling of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-store")


def run(data_dir, *args: str, user: str = "ann"):
    return runner.invoke(
        app, [*args, "--data-dir", str(data_dir), "--as", user], catch_exceptions=False
    )


def run_ro(data_dir, *args: str):
    """Read-only commands take no --as."""
    return runner.invoke(app, [*args, "--data-dir", str(data_dir)], catch_exceptions=False)


@pytest.fixture(scope="module")
def plan_id(data_dir, rossmann_train, rossmann_stores) -> str:
    result = run(
        data_dir,
        "plan",
        "create",
        str(rossmann_train),
        "--attributes",
        str(rossmann_stores),
        "--name",
        "rossmann-cli",
        "--freq",
        "W",
        "--horizon",
        "8",
        "--team",
        "Assortment",
        "--model",
        "snaive",
        "--json",
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["plan_id"]


def test_create_promotion_limit_gate_explain_publish_and_read_back(data_dir, plan_id):
    listed = run_ro(data_dir, "plan", "list", "--json")
    assert plan_id in {p["plan_id"] for p in json.loads(listed.stdout)}

    window = ["--kind", "promotion", "--scope", "Assortment=a"]
    window += ["--start", "2015-08-10", "--end", "2015-08-23"]
    promo = run(
        data_dir,
        *["plan", "event", "add", plan_id, "--name", "Late summer promo", *window],
        *["--use-suggestion", "--reason", "flyer", "--json"],
    )
    assert promo.exit_code == 0, promo.output
    event = json.loads(promo.stdout)["event"]
    suggested = event["suggested"]
    assert suggested["flag"] == "Promo" and suggested["value"] > 20  # about a third a week
    # The seasonal naive baseline repeats last year's promotion weeks: the event takes the
    # learned uplift net of them, as `event suggest` with the same window says.
    assert 0 < suggested["in_baseline"] < 1
    assert event["value"] == suggested["net_value"] < suggested["value"]
    said = run_ro(data_dir, "plan", "event", "suggest", plan_id, *window)
    assert said.exit_code == 0, said.output
    assert f"the event adds {suggested['net_value']:+.1f} %" in said.stdout
    assert "does not recur in the window, the baseline still carries it: taking it out is -" in (
        said.stdout
    )
    half = run_ro(data_dir, "plan", "event", "suggest", plan_id, "--kind", "promotion",
                  "--start", "2015-08-10")  # fmt: skip
    assert half.exit_code != 0 and "both --start and --end" in half.output
    # a planner's own value, then back to the system's offer
    typed = run(data_dir, "plan", "event", "edit", plan_id, "E1", "--percent", "40")
    assert typed.exit_code == 0 and "+40 %" in typed.stdout, typed.output
    back = run(data_dir, "plan", "event", "edit", plan_id, "E1", "--use-suggestion", "--json")
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["event"]["value"] == suggested["net_value"]
    both = run(
        data_dir, "plan", "event", "edit", plan_id, "E1", "--percent", "5", "--use-suggestion"
    )
    assert both.exit_code != 0 and "not both" in both.output

    limit = run(
        data_dir,
        "plan",
        "event",
        "add",
        plan_id,
        "--name",
        "Limit",
        "--kind",
        "purchase_limit",
        "--ids",
        "1020",
        "--start",
        "2015-09-07",
        "--end",
        "2015-09-13",
        "--cap",
        "20000",
    )
    assert limit.exit_code == 0, limit.output

    refused = run(data_dir, "plan", "publish", plan_id)
    assert refused.exit_code == 3  # refused: the gate stands, the request was well-formed
    assert "cannot be published" in refused.stderr and "series 1020 2015-09-07" in refused.stderr
    assert "Traceback" not in refused.output

    for event_id, code in (("E1", "promotion"), ("E2", "purchase_limit")):
        explained = run(
            data_dir,
            "plan",
            "explain",
            plan_id,
            "--all-for-event",
            event_id,
            "--code",
            code,
            "--text",
            "agreed in the planning meeting",
        )
        assert explained.exit_code == 0, explained.output
    left = run_ro(data_dir, "plan", "deviations", plan_id, "--json")
    assert all(row["explained"] for row in json.loads(left.stdout))

    published = run(data_dir, "plan", "publish", plan_id, "--json")
    assert published.exit_code == 0, published.output
    assert json.loads(published.stdout) == {"plan_id": plan_id, "version": 8, "status": "published"}

    shown = run_ro(data_dir, "plan", "show", plan_id, "--level", "series", "--json")
    payload = json.loads(shown.stdout)
    assert payload["plan"]["status"] == "published"
    capped = [
        r for r in payload["system_plan"] if r["unique_id"] == "1020" and r["ds"] == "2015-09-07"
    ]
    assert capped[0]["system_plan"] == pytest.approx(20000.0)
    assert [e["event_id"] for e in payload["plan"]["events"]] == ["E1", "E2"]

    locked = run(
        data_dir,
        "plan",
        "event",
        "remove",
        plan_id,
        "E1",
    )
    assert locked.exit_code == 3 and "read-only" in locked.stderr  # a refused edit

    audit = run_ro(data_dir, "plan", "audit", plan_id)
    assert [line.split()[4] for line in audit.stdout.splitlines()] == [
        "create:",
        "add_event:",
        "edit_event:",
        "edit_event:",
        "add_event:",
        "explain:",
        "explain:",
        "publish:",
    ]


@pytest.mark.parametrize(
    ("args", "words", "code"),
    [
        (["--scope", "Region=north"], "unknown attribute 'Region'", 2),
        (["--scope", "Assortment=z"], "valid values: a, b, c", 4),  # no such team: not found
        (["--ids", "999999"], "unknown series 999999", 4),  # no such series: not found
        (["--start", "2016-01-01", "--end", "2016-01-07"], "outside the plan's horizon", 2),
        (["--cap", "-1"], "cap must be 0 or more", 2),
        (["--percent", "-150"], "below -100", 2),
        (["--start", "2015-08-20", "--end", "2015-08-10"], "before it starts", 2),
        (["--percent", "5", "--add", "3"], "give one effect", 2),
    ],
)
def test_bad_event_input_is_refused_with_its_exit_code_and_writes_nothing(
    data_dir, plan_id, args, words, code
):
    scratch_name = "scratch " + " ".join(args)  # a name says which plan: one per case
    draft = run(data_dir, "plan", "new-version", plan_id, "--name", scratch_name, "--json")
    assert draft.exit_code == 0, draft.output
    scratch = json.loads(draft.stdout)["plan_id"]
    base = {"--start": "2015-08-10", "--end": "2015-08-16", "--percent": "10"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    effect_keys = {"--percent", "--add", "--cap", "--set"}
    if effect_keys & set(given):
        base.pop("--percent")
    merged = base | given
    flat = [x for pair in merged.items() for x in pair]
    result = run(
        data_dir, "plan", "event", "add", scratch, "--name", "bad", "--kind", "promotion", *flat
    )
    assert result.exit_code == code, result.output
    assert words in result.stderr and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    listed = json.loads(run_ro(data_dir, "plan", "list", "--json").stdout)
    assert [p["version"] for p in listed if p["plan_id"] == scratch] == [1]


def test_an_event_percent_may_be_typed_with_a_decimal_comma(data_dir, plan_id):
    draft = run(data_dir, "plan", "new-version", plan_id, "--name", "comma", "--json")
    scratch = json.loads(draft.stdout)["plan_id"]
    added = run(data_dir, "plan", "event", "add", scratch, "--name", "flyer", "--kind",
                "promotion", "--start", "2015-08-10", "--end", "2015-08-16", "--percent", "12,5",
                "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["event"]["value"] == 12.5


def test_unknown_plan_and_missing_file_are_clear_errors(data_dir, plan_id, tmp_path):
    """In a store that holds plans (the module's plan: this test does not lean on the order)."""
    missing = run_ro(data_dir, "plan", "show", "no-such-plan")
    assert missing.exit_code == 4 and "no plan 'no-such-plan'" in missing.stderr  # not found
    nofile = run(
        data_dir,
        "plan",
        "create",
        str(tmp_path / "nope.csv"),
        "--name",
        "x",
        "--horizon",
        "4",
    )
    assert nofile.exit_code == 2 and "nope.csv" in nofile.stderr
    assert "Traceback" not in nofile.output


def test_two_processes_adding_events_at_once_lose_nothing(data_dir, plan_id):
    """Two CLI processes write the same SQLite file at the same moment: both edits land, in two
    versions (a writer that loses the race redoes its append on the fresh version)."""
    copy = run(data_dir, "plan", "new-version", plan_id, "--name", "race", "--json")
    race = json.loads(copy.stdout)["plan_id"]
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "FORECAST_USER": "ann"}
    commands = [
        [
            str(Path(sys.executable).parent / "forecast"),
            "plan",
            "event",
            "add",
            race,
            "--data-dir",
            str(data_dir),
            "--name",
            f"racer {i}",
            "--kind",
            "other",
            "--ids",
            "1020",
            "--start",
            "2015-08-03",
            "--end",
            "2015-08-09",
            "--add",
            str(i + 1),
        ]
        for i in range(2)
    ]
    procs = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    for code, (out, err) in zip(codes, outputs, strict=True):
        assert code == 0, (out, err)
    events = json.loads(run_ro(data_dir, "plan", "event", "list", race, "--json").stdout)
    racers = sorted(e["name"] for e in events if e["name"].startswith("racer"))
    assert racers == ["racer 0", "racer 1"]
    audit = json.loads(run_ro(data_dir, "plan", "audit", race, "--json").stdout)
    assert [e["version"] for e in audit] == list(range(1, len(audit) + 1))


def test_a_pinned_version_that_is_stale_is_refused_naming_the_change(data_dir, plan_id):
    copy = json.loads(
        run(data_dir, "plan", "new-version", plan_id, "--name", "revoke draft", "--json").stdout
    )["plan_id"]
    first = run(data_dir, "plan", "threshold", copy, "25%", "--expected-version", "1")
    assert first.exit_code == 0, first.output
    second = run(data_dir, "plan", "threshold", copy, "30%", "--expected-version", "1", user="ann")
    assert second.exit_code == 3  # a refused edit: stale version
    assert "changed since you loaded version 1" in second.stderr
    assert "threshold 20 % -> 25 %" in second.stderr


def test_unknown_teams_and_series_are_not_found_exit_4(data_dir, plan_id):
    drafted = run(
        data_dir, "plan", "new-version", plan_id, "--name", "unknown teams draft", "--json"
    )  # a draft, whatever its state
    plan_id = json.loads(drafted.stdout)["plan_id"]
    grant = run(data_dir, "plan", "grant", plan_id, "lee", "--role", "lead", "--team", "nowhere")
    assert grant.exit_code == 4 and "no team 'nowhere'" in grant.stderr
    explain = run(
        data_dir,
        "plan",
        "explain",
        plan_id,
        "--series",
        "no-such-store",
        "--ds",
        "2015-09-07",
        "--code",
        "promotion",
        "--text",
        "flyer",
    )
    assert explain.exit_code == 4 and "has no series 'no-such-store'" in explain.stderr


def test_a_percent_may_be_typed_with_its_sign_and_a_word_is_refused(data_dir, plan_id):
    draft = json.loads(
        run(data_dir, "plan", "new-version", plan_id, "--name", "percent draft", "--json").stdout
    )["plan_id"]
    window = ["--start", "2015-08-10", "--end", "2015-08-16", "--name", "flyer"]
    added = run(data_dir, "plan", "event", "add", draft, *window, "--kind", "promotion",
                "--percent", "12.5 %", "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["event"]["value"] == 12.5
    word = run(data_dir, "plan", "event", "add", draft, *window, "--kind", "promotion",
               "--percent", "lots")  # fmt: skip
    assert word.exit_code == 2 and "'lots' is not a percent" in word.output
    event_id = json.loads(added.stdout)["event"]["event_id"]
    edited = run(data_dir, "plan", "event", "edit", draft, event_id, "--percent", " -7.5% ",
                 "--json")  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.stdout)["event"]["value"] == -7.5
    assert run_ro(data_dir, "plan", "show", draft, "--limit", "-1").exit_code == 2
    assert run_ro(data_dir, "plan", "deviations", draft, "--limit", "0").exit_code == 2


def test_reading_a_store_that_is_not_there_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "typo"
    for args in (["plan", "list"], ["plan", "show", "x"], ["user", "list"]):
        result = run_ro(missing, *args)
        assert result.exit_code == 4, (args, result.output)
        assert f"there is no plan store in {missing}" in result.stderr
    assert not missing.exists()


def test_the_owner_revokes_a_role_from_the_command_line_but_never_the_last_owner(data_dir, plan_id):
    drafted = run(data_dir, "plan", "new-version", plan_id, "--name", "another draft", "--json")
    plan_id = json.loads(drafted.stdout)["plan_id"]
    assert run(data_dir, "plan", "grant", plan_id, "rita", "--role", "planner").exit_code == 0
    refused = run(data_dir, "plan", "revoke", plan_id, "rita", "--role", "planner", user="rita")
    assert refused.exit_code == 3 and "needs the owner role" in refused.stderr
    gone = run(data_dir, "plan", "revoke", plan_id, "rita", "--role", "planner")
    assert gone.exit_code == 0 and "rita is no longer a member" in gone.stdout
    last = run(data_dir, "plan", "revoke", plan_id, "ann", "--role", "owner")
    assert last.exit_code == 3 and "only owner" in last.stderr
    audit = run_ro(data_dir, "plan", "audit", plan_id).stdout
    assert "revoke planner from rita" in audit


def test_copy_members_gives_a_plan_the_roles_of_another(data_dir, plan_id):
    first = json.loads(
        run(data_dir, "plan", "new-version", plan_id, "--name", "copy from", "--json").stdout
    )["plan_id"]
    second = json.loads(
        run(data_dir, "plan", "new-version", plan_id, "--name", "copy to", "--json").stdout
    )["plan_id"]
    assert (
        run(data_dir, "plan", "grant", first, "tom", "--role", "lead", "--team", "a").exit_code == 0
    )
    copied = run(data_dir, "plan", "copy-members", second, "--from", first)
    assert copied.exit_code == 0, copied.output
    assert "tom: lead of team a" in copied.stdout
    again = run(data_dir, "plan", "copy-members", second, "--from", first)
    assert again.exit_code == 2 and "nothing to copy" in again.stderr
    stranger = run(data_dir, "plan", "copy-members", second, "--from", first, user="tom")
    assert stranger.exit_code == 3


def test_a_stale_version_under_json_gives_both_versions_and_the_fix_as_fields(data_dir, plan_id):
    copy = json.loads(
        run(data_dir, "plan", "new-version", plan_id, "--name", "stale json draft", "--json").stdout
    )["plan_id"]
    assert run(data_dir, "plan", "threshold", copy, "25%", "--expected-version", "1").exit_code == 0
    stale = run(data_dir, "plan", "threshold", copy, "30%", "--expected-version", "1", "--json")
    assert stale.exit_code == 3
    error = json.loads(stale.stdout)
    assert error["error"] == "stale_version"
    assert (error["expected_version"], error["current_version"]) == (1, 2)
    assert error["fix"]["key"] == "reload_plan"
    assert error["fix"]["params"] == {"plan": copy, "version": "2"}
    assert "--expected-version 2" in error["fix"]["text"]
    assert error["message"].endswith(error["fix"]["text"])
