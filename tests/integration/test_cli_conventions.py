"""The command line's conventions, through the real typer app on a real SQLite store: exit codes
per class of failure, errors as JSON, choices refused with their list, the old option spellings,
-q silence, progress with -v, and a light `import forecast.cli`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def sales(tmp_path_factory, rossmann_train) -> Path:
    """Six Rossmann stores (daily), a few seconds of work to plan."""
    frame = pd.read_csv(rossmann_train, low_memory=False)
    keep = sorted(frame["Store"].unique())[:6]
    path = tmp_path_factory.mktemp("sales") / "six_stores.csv"
    frame[frame["Store"].isin(keep)].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory, sales, rossmann_stores) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("store")
    created = invoke(
        "plan", "create", sales, "--attributes", rossmann_stores, "--name", "conventions",
        "--freq", "W", "--horizon", "4", "--team-attr", "StoreType", "--model", "snaive",
        "--as", "olga", "--data-dir", data_dir, "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    return data_dir, json.loads(created.stdout)["plan_id"]


def plan(store: tuple[Path, str], *args: str, user: str = "olga"):
    data_dir, _ = store
    return invoke("plan", *args, "--data-dir", data_dir, "--as", user)


# -- exit codes ------------------------------------------------------------------------------


def test_a_bad_value_exits_2(store):
    _, plan_id = store
    result = plan(store, "threshold", plan_id, "a lot")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: threshold 'a lot' is not a number")


@pytest.mark.parametrize(("given", "fraction"), [("25%", 0.25), ("0.3", 0.3), ("25", 0.25)])
def test_plan_create_takes_the_threshold_as_plan_threshold_does(tmp_path, sales, given, fraction):
    """`plan create --threshold 25%` was refused ('Input should be a valid number')."""
    created = invoke(
        "plan", "create", sales, "--name", "t", "--freq", "W", "--horizon", "2",
        "--model", "snaive", "--threshold", given, "--as", "olga", "--data-dir", tmp_path,
        "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["threshold"] == pytest.approx(fraction)


def test_a_plan_without_a_team_dimension_says_it_has_one_team(tmp_path, sales):
    """It said "teams by none" (the Data page says "none: one team for all series")."""
    created = invoke(
        "plan", "create", sales, "--name", "one team", "--freq", "W", "--horizon", "2",
        "--model", "snaive", "--as", "olga", "--data-dir", tmp_path,
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    said = "no team dimension: one team, 'all', for all series"
    assert said in created.stdout and "teams by none" not in created.stdout
    audit = invoke("plan", "audit", "one team", "--data-dir", tmp_path)
    assert said in audit.stdout and "teams by none" not in audit.stdout


def test_plan_create_refuses_a_threshold_that_is_no_number_as_plan_threshold_does(tmp_path, sales):
    refused = invoke(
        "plan", "create", sales, "--name", "t", "--horizon", "2", "--threshold", "a lot",
        "--as", "olga", "--data-dir", tmp_path,
    )  # fmt: skip
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: threshold 'a lot' is not a number; write 25 or 25%")
    assert not (tmp_path / "forecast.db").exists()  # refused before the store was made


def test_an_unknown_plan_exits_4(store):
    result = invoke("plan", "show", "no-such-plan", "--data-dir", store[0])
    assert result.exit_code == 4
    assert "no plan 'no-such-plan'" in result.stderr


def test_a_user_without_the_role_is_refused_with_3(store):
    _, plan_id = store
    result = plan(store, "threshold", plan_id, "30%", user="mallory")
    assert result.exit_code == 3, result.output
    assert "mallory" in result.stderr


def test_a_stale_version_is_refused_with_3(store):
    _, plan_id = store
    result = plan(store, "threshold", plan_id, "30%", "--expected-version", "999")
    assert result.exit_code == 3, result.output
    assert "version" in result.stderr


def test_a_step_out_of_stage_is_refused_with_3(store, tmp_path):
    _, plan_id = store
    copy = json.loads(plan(store, "new-version", plan_id, "--json").stdout)["plan_id"]
    assert plan(store, "goal", copy, "--ratio", "1.1").exit_code == 0
    result = plan(store, "assign", copy, "--rule", "even")  # the claiming round is still open
    assert result.exit_code == 3, result.output
    assert "close-round" in result.stderr


def test_an_unreachable_database_exits_5():
    result = invoke("plan", "list", "--db", "postgresql+psycopg://forecast:x@127.0.0.1:1/none")
    assert result.exit_code == 5, result.output
    assert result.stderr.startswith("error: cannot open the plan store")
    assert ":x@" not in result.stderr  # the password is not shown
    # Said once, for PostgreSQL and its cause: no SQLite, no "Nothing was saved" for a read.
    assert "the PostgreSQL server at 127.0.0.1:1 did not answer" in result.stderr
    assert "is running and reachable" in result.stderr
    assert result.stderr.count("plan store") == 1
    assert "SQLite" not in result.stderr and "Nothing was saved" not in result.stderr


def _pg_url(**parts: str) -> str:
    url = os.environ.get("FORECAST_TEST_PG_URL")
    if not url:
        pytest.skip("FORECAST_TEST_PG_URL is not set: `bash scripts/test.sh` starts PostgreSQL")
    from sqlalchemy.engine import make_url

    return make_url(url).set(**parts).render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("parts", "words"),
    [
        ({"password": "not-the-password"}, "did not let user 'forecast' in"),
        ({"database": "no_such_database"}, "has no database 'no_such_database'"),
    ],
)
def test_a_database_that_refuses_says_which_part_of_the_url_to_check(parts, words):
    result = invoke("plan", "list", "--db", _pg_url(**parts))
    assert result.exit_code == 5, result.output
    assert words in result.stderr
    fix = "check the user and password" if "password" in parts else "check the name at the end"
    assert fix in result.stderr
    assert "is running" not in result.stderr and "SQLite" not in result.stderr
    assert "not-the-password" not in result.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://x@y/z", "mysql://x@y/z"),  # no password: nothing to mask
        ("oracle://scott:tiger@db/orcl", "oracle://scott:***@db/orcl"),
    ],
)
def test_an_unsupported_database_is_refused_by_name(url, shown):
    result = invoke("plan", "list", "--db", url)
    assert result.exit_code == 2, result.output
    assert f"error: --db {shown}: " in result.stderr
    assert "only SQLite (a data directory, or sqlite:///PATH) and PostgreSQL" in result.stderr
    assert "No module named" not in result.stderr and "tiger" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "create", "-h"],
        ["baseline", "-h"],
        ["plan", "list", "-h"],
        ["plan", "create", "-h", "-q"],
    ],
)
def test_a_bare_h_shows_the_help_where_h_is_also_the_horizon(args):
    """`plan create -h` said "Option '-h' requires an argument" (-h is --horizon there)."""
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    command = " ".join(a for a in args if not a.startswith("-"))
    assert result.stdout.startswith(f"Usage: forecast {command} [OPTIONS]")


def test_h_with_a_value_is_still_the_horizon(tmp_path, retail_monthly):
    out = tmp_path / "b.csv"
    result = invoke("baseline", retail_monthly, "-h", "2", "-o", out, "-m", "snaive", "-q")
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["ds"].nunique() == 2


def test_help_documents_the_exit_codes_and_completion():
    result = invoke("--help")
    assert result.exit_code == 0
    for line in ("2  bad input", "3  refused edit", "4  not found", "1  a bug"):
        assert line in result.stdout
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


# -- JSON errors -----------------------------------------------------------------------------


def test_json_errors_are_one_object_on_stdout(store):
    result = invoke("plan", "show", "no-such-plan", "--json", "--data-dir", store[0])
    assert result.exit_code == 4
    error = json.loads(result.stdout)
    assert error["error"] == "not_found" and error["kind"] == "not_found"
    assert error["exit_code"] == 4 and "no-such-plan" in error["message"]
    assert result.stderr == ""


def test_json_ingest_errors_list_every_problem_with_row_and_column(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("store,date,sales\n1,2024-01-01,1\n1,someday,2\n1,2024-01-03,x\n")
    result = invoke("ingest", path, "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["error"] == "invalid_file" and error["kind"] == "bad_input"
    assert {(p["row"], p["column"]) for p in error["problems"]} >= {(3, "date")}
    assert all({"file", "row", "column", "message", "fix"} <= set(p) for p in error["problems"])
    # a problem's fix has the shape of an error's own: key (none: words only), params, text
    assert all(
        p["fix"]["key"] is None and p["fix"]["params"] == {} and p["fix"]["text"]
        for p in error["problems"]
    )


def test_json_usage_errors_are_json_too(retail_monthly):
    result = invoke("ingest", retail_monthly, "--freq", "H", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["error"] == "usage" and error["kind"] == "bad_input"
    assert "'H' is not one of 'D', 'W', 'M', 'Q'" in error["message"]
    assert "Value error" not in error["message"]  # the validator's prefix is not shown


# -- choices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (["--model", "magic"], "'auto', 'snaive', 'ets', 'theta', 'arima', 'prophet', 'lightgbm'"),
        (["--freq", "hourly"], "'D', 'W', 'M', 'Q'"),
    ],
)
def test_an_unknown_choice_is_refused_with_the_list(retail_monthly, tmp_path, args, listed):
    result = invoke("baseline", retail_monthly, "-h", "2", "-o", tmp_path / "b.csv", *args)
    assert result.exit_code == 2
    assert listed in result.stderr
    assert "Value error" not in result.stderr  # the validator's prefix is not shown
    assert not (tmp_path / "b.csv").exists()


def test_a_repeatable_choice_is_refused_with_the_list_without_the_validator_prefix(
    retail_monthly,
):
    result = invoke("backtest", retail_monthly, "--model", "ets", "--model", "magic")
    assert result.exit_code == 2
    assert "Invalid value for '--model' / '-m': 'magic' is not one of 'auto', " in result.stderr
    assert "Value error" not in result.stderr


def test_plan_choices_are_refused_with_the_list(store):
    _, plan_id = store
    kind = plan(store, "event", "add", plan_id, "--name", "x", "--kind", "party",
                "--start", "2015-08-03", "--end", "2015-08-09", "--percent", "5")  # fmt: skip
    assert kind.exit_code == 2
    assert "'festival', 'promotion', 'purchase_limit', 'other'" in kind.stderr
    rule = plan(store, "assign", plan_id, "--rule", "fair")
    assert rule.exit_code == 2 and "'pro_rata_baseline', 'even'" in rule.stderr
    role = plan(store, "grant", plan_id, "bob", "--role", "boss")
    assert role.exit_code == 2 and "'owner', 'planner', 'lead'" in role.stderr


def test_help_lists_the_choices():
    result = invoke("plan", "event", "add", "--help")
    assert "festival|promotion|purchase_limit|other" in result.stdout


# -- one spelling, old spellings kept --------------------------------------------------------


def test_old_column_option_spellings_still_work_with_a_note(sales, tmp_path):
    new = invoke("ingest", sales, "--id-col", "Store", "--date-col", "Date", "--value-col", "Sales",
                 "--json")  # fmt: skip
    old = invoke("ingest", sales, "--id", "Store", "--date", "Date", "--value", "Sales", "--json")
    assert new.exit_code == 0 and old.exit_code == 0, old.output
    assert json.loads(new.stdout)["mapping"] == json.loads(old.stdout)["mapping"]
    assert "--date is now spelled --date-col" in old.stderr
    assert new.stderr == ""


def test_plan_create_takes_the_same_column_options(store, sales, rossmann_stores):
    data_dir, _ = store
    result = invoke(
        "plan", "create", sales, "--attributes", rossmann_stores, "--name", "old-spelling",
        "--freq", "W", "--horizon", "2", "--team", "StoreType", "--model", "snaive",
        "--id-cols", "Store", "--date-col", "Date", "--value-col", "Sales",
        "--as", "olga", "--data-dir", data_dir, "--json", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert state["dataset"]["n_series"] == 6 and state["team_attr"] == "StoreType"


def test_baseline_intervals_are_spelled_interval_and_level_still_works(retail_monthly, tmp_path):
    for option in ("--interval", "--level"):
        out = tmp_path / f"{option.strip('-')}.csv"
        result = invoke("baseline", retail_monthly, "-h", "2", "-o", out, "-m", "snaive",
                        option, "50")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "baseline-lo-50" in pd.read_csv(out).columns
        assert ("now spelled --interval" in result.stderr) == (option == "--level")


# -- verbosity and progress ------------------------------------------------------------------


def test_quiet_prints_only_the_result(retail_monthly, tmp_path):
    out = tmp_path / "b.csv"
    for args in (["-q", "baseline"], ["baseline"]):
        tail = ["-q"] if args == ["baseline"] else []  # -q also after the command
        result = invoke(*args, retail_monthly, "-h", "3", "-o", out, "-m", "snaive", *tail)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert "baseline: 1 series x 3 periods" in result.stdout


def test_verbose_shows_the_progress_of_the_fits(sales, tmp_path):
    result = invoke("baseline", sales, "-h", "3", "-o", tmp_path / "b.csv", "-m", "snaive",
                    "--freq", "W", "-v")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "baseline (snaive): 100% 6 of 6 series fitted" in result.stderr
    assert "reading" in result.stderr
    assert "series fitted" not in result.stdout  # the result stays clean for a pipe


def test_verbose_shows_the_progress_of_plan_create(store, sales, rossmann_stores):
    data_dir, _ = store
    result = invoke(
        "-v", "plan", "create", sales, "--attributes", rossmann_stores, "--name", "verbose",
        "--freq", "W", "--horizon", "2", "--team-attr", "StoreType", "--model", "snaive",
        "--as", "olga", "--data-dir", data_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for step in ("reading the sales file", "series fitted", "saving the plan", "100% done"):
        assert step in result.stderr


@pytest.mark.slow
def test_verbose_shows_the_progress_of_a_backtest(sales, tmp_path):
    result = invoke("backtest", sales, "-h", "2", "-w", "2", "-m", "snaive", "-m", "ets",
                    "--freq", "W", "-v")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "window 1 of 2, snaive" in result.stderr and "window 2 of 2, ets" in result.stderr
    assert "100%" in result.stderr


# -- light import ----------------------------------------------------------------------------


def test_the_cli_and_its_help_load_no_heavy_library():
    code = (  # main() leaves with os._exit after the atexit functions: the report is one
        "import atexit, sys\n"
        "import forecast.cli\n"
        "heavy = ('pandas', 'numpy', 'statsmodels', 'prophet', 'dash', 'sqlalchemy')\n"
        "atexit.register(lambda: print('heavy:' + ','.join(m for m in heavy if m in sys.modules)))\n"
        "sys.argv = ['forecast', '--help']\n"
        "forecast.cli.main()\n"
    )
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "Usage: forecast" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "heavy:"


# -- shell completion ------------------------------------------------------------------------


def test_shell_completion_offers_the_choices_of_an_option():
    env = {
        "_FORECAST_COMPLETE": "complete_bash",
        "COMP_WORDS": "forecast baseline sales.csv --model ",
        "COMP_CWORD": "4",
    }
    result = runner.invoke(app, [], env=env)
    assert result.stdout.split() == [
        "auto",
        "snaive",
        "ets",
        "theta",
        "arima",
        "prophet",
        "lightgbm",
    ]


def test_the_completion_script_is_offered(monkeypatch):
    # Without a shell name Typer detects the shell from the parent processes, which differ
    # between a terminal and a pytest-xdist worker; Typer's own switch makes the name an argument.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0, (result.output, result.exception)
    assert "_FORECAST_COMPLETE=complete_bash" in result.stdout


def test_a_bad_date_is_refused_naming_its_option(store):
    _, plan_id = store
    result = plan(store, "event", "add", plan_id, "--name", "x", "--kind", "promotion",
                  "--start", "2015-13-01", "--end", "2015-08-09", "--percent", "5")  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for '--start'" in result.stderr and "'2015-13-01'" in result.stderr


def test_version_works_beside_the_verbosity_options():
    for args in (["--version"], ["-v", "--version"], ["-q", "--version"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("forecast "), args


def test_serve_refuses_a_thread_count_out_of_range_with_exit_2_and_json():
    result = invoke("serve", "--threads", "0")
    assert result.exit_code == 2
    assert "--threads" in result.output

    as_json = invoke("--json", "serve", "--threads", "0")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["kind"] == "bad_input"


def test_the_installed_command_exits_with_the_commands_code_and_says_all_it_wrote(store):
    """`python -m forecast` (the console script's own `main`) leaves through `os._exit` after
    Python's exit work, so that Arrow's C++ threads cannot turn a refusal into an abort (134):
    the code is the command's and the JSON error is whole on stdout."""
    data_dir, plan_id = store
    done = subprocess.run(
        [sys.executable, "-m", "forecast", "plan", "event", "add", plan_id, "--as", "olga",
         "--kind", "festival", "--name", "reversed", "--percent", "10", "--start", "2015-08-09",
         "--end", "2015-08-03", "--data-dir", str(data_dir), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "before it starts" in json.loads(done.stdout)["message"]
    listed = subprocess.run(
        [sys.executable, "-m", "forecast", "plan", "list", "--data-dir", str(data_dir), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["plan_id"] == plan_id


def test_a_command_leaves_its_changes_in_the_database_file_not_only_in_the_wal(tmp_path):
    """Leaving through `os._exit` skipped the garbage collection that closed the store's
    connections: every change stayed in `forecast.db-wal`, and a copy of `forecast.db` made
    after the command (the backup a README reader would take with the servers stopped) lacked
    it. The command closes what it opened first, so SQLite folds the log into the file."""
    import shutil

    from forecast.services import accounts
    from forecast.services.store_factory import open_store

    data = tmp_path / "data"
    for name in ("ann", "bob"):
        done = subprocess.run(
            [sys.executable, "-m", "forecast", "user", "add", name, "--password-stdin",
             "--data-dir", str(data)],
            input="a-long-password-1\n", capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert not (data / "forecast.db-wal").exists()
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(data / "forecast.db", copy / "forecast.db")
    opened = open_store(data_dir=copy)
    assert {a.name for a in accounts.list_users(opened)} == {"ann", "bob"}
    opened.close()
