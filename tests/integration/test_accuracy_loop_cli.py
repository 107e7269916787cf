"""The accuracy loop from the command line on a small agreed plan (three teams of four series,
four weeks) in a real SQLite store: `plan actuals`, `plan fva`, `plan score` and `track-record`
say what their verdict rests on, leave touches without actuals unscored, honour -q and report a
bad file as every file-reading command does."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.overrides import Scope
from forecast.services import negotiation as nego
from forecast.services import plan_create, plan_members, system
from forecast.services.store_factory import open_store
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

TEAMS = ("a", "b", "c")
PER_TEAM = 4
WEEKS = 4


@pytest.fixture
def agreed(tmp_path) -> dict:
    """An agreed plan: an event on team a in week 1, one on team b in week 4, claims of teams a
    and b, the rest assigned pro rata."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    history, attributes, baseline = team_frames(
        {"a": 3.0e6, "b": 2.0e6, "c": 1.5e6}, per_team=PER_TEAM
    )
    plan = weekly_team_plan(store, (history, attributes, baseline), name="small").plan_id
    for team in ("a", "b"):
        plan_members.grant(store, plan, "olga", f"lead-{team}", "lead", team=team)
    weeks = sorted(pd.to_datetime(baseline["ds"]).dt.date.unique())
    for name, team, week in (("lift a", "a", 0), ("lift b", "b", WEEKS - 1)):
        system.add_event(
            store, plan, "olga", name=name, kind="promotion",
            scope=Scope(attributes={"Team": (team,)}), start=weeks[week], end=weeks[week],
            effect="percent", value=10.0, reason="flyer",
        )  # fmt: skip
    nego.set_goal(store, plan, "olga", ratio="1.1")
    nego.claim(store, plan, "lead-a", "a", percent="3", note="second wave")
    nego.claim(store, plan, "lead-b", "b", percent="2", note="listings")
    nego.close_round(store, plan, "olga")
    nego.assign(store, plan, "olga", "pro_rata_baseline")
    system.publish(store, plan, "olga")
    nego.lock(store, plan, "olga")
    store.close()
    return {"plan": plan, "data_dir": data_dir, "baseline": baseline, "base": tmp_path}


def invoke(setup: dict, *args: str):
    return CliRunner().invoke(app, [*args, "--data-dir", str(setup["data_dir"])])


def run(setup: dict, *args: str) -> str:
    result = invoke(setup, *args)
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.stdout


def actuals_file(setup: dict, series: list[str], weeks: int, name: str = "actuals.csv") -> Path:
    """Actuals 5 % above the baseline for `series` in the first `weeks` weeks."""
    frame = setup["baseline"]
    kept = sorted(frame["ds"].unique())[:weeks]
    rows = frame[frame["unique_id"].isin(series) & frame["ds"].isin(kept)]
    out = rows.assign(y=(rows["baseline"] * 1.05).round(2))[["unique_id", "ds", "y"]]
    out["ds"] = pd.to_datetime(out["ds"]).dt.strftime("%Y-%m-%d")
    path = setup["base"] / name
    out.to_csv(path, index=False)
    return path


def keep(setup: dict, path: Path) -> None:
    run(setup, "plan", "actuals", setup["plan"], str(path), "--as", "olga")


# -- -q ---------------------------------------------------------------------------------------


def test_plan_actuals_with_quiet_prints_its_result_but_no_notes(agreed):
    daily = agreed["base"] / "daily.csv"
    # Daily rows summed into weeks: the reader notes that.
    week = pd.Timestamp(sorted(agreed["baseline"]["ds"].unique())[0])
    pd.DataFrame(
        {
            "unique_id": ["a0"] * 7,
            "ds": [(week + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in range(7)],
            "y": [10.0] * 7,
        }
    ).to_csv(daily, index=False)
    args = ("plan", "actuals", agreed["plan"], str(daily), "--as", "olga")
    loud = invoke(agreed, *args)
    assert loud.exit_code == 0, loud.output
    assert "note:" in loud.stderr and "note:" not in loud.stdout
    quiet = invoke(agreed, *args, "-q")  # the same file again: no version, and no notes
    assert quiet.exit_code == 0, quiet.output
    assert "nothing new in daily.csv" in quiet.stdout and "no version was made" in quiet.stdout
    assert "note:" not in quiet.output


# -- a bad file -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["actuals", "score"])
def test_a_bad_actuals_file_is_reported_with_its_problems_as_ingest_reports_them(agreed, command):
    bad = agreed["base"] / "bad.csv"
    week = sorted(pd.to_datetime(agreed["baseline"]["ds"]).dt.strftime("%Y-%m-%d").unique())[0]
    bad.write_text(f"unique_id,ds,y\na0,{week},abc\na1,someday,5\n")
    extra = ("--as", "olga") if command == "actuals" else ()
    result = invoke(agreed, "plan", command, agreed["plan"], str(bad), *extra, "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["error"] == "invalid_file"
    assert [(p["file"], p["row"], p["column"]) for p in payload["problems"]] == [
        ("bad.csv", 2, "y"),
        ("bad.csv", 3, "ds"),
    ]
    assert all(p["fix"]["text"] for p in payload["problems"])
    # The same file through `forecast ingest`: the same shape.
    ingest = json.loads(CliRunner().invoke(app, ["ingest", str(bad), "--json"]).stdout)
    assert ingest["error"] == payload["error"]
    assert set(ingest["problems"][0]) == set(payload["problems"][0])


def test_an_actuals_file_without_the_plans_columns_is_an_invalid_file_naming_them(tmp_path):
    """A plan made from a Store, Date, Sales file; the actuals come with other column names."""
    history, _, _ = team_frames()
    sales = history.rename(columns={"unique_id": "Store", "ds": "Date", "y": "Sales"})
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan = plan_create.create_plan(
        store, name="from a file", source=sales.to_csv(index=False).encode(),
        filename="sales.csv", horizon=4, team_attr=None, actor="olga", model="snaive",
    ).plan_id  # fmt: skip
    store.close()
    other = tmp_path / "other.csv"
    other.write_text("Shop,Day,Revenue\n1,2024-01-05,100\n")
    setup = {"data_dir": data_dir}
    for command in (("actuals", plan, str(other), "--as", "olga"), ("score", plan, str(other))):
        result = invoke(setup, "plan", *command, "--json")
        assert result.exit_code == 2
        payload = json.loads(result.stdout)
        assert payload["error"] == "invalid_file"
        (problem,) = payload["problems"]
        assert (problem["file"], problem["row"]) == ("other.csv", 1)
        assert (
            "Store, Date, Sales" in problem["message"]
            and "Day, Revenue, Shop" in problem["message"]
        )
        assert "unique_id, ds, y" in problem["fix"]["text"]
        assert payload["fix"]["key"] == "actuals_columns"  # the refusal's fix, as before


@pytest.mark.parametrize(
    ("content", "message", "fix"),
    [
        ("", "the file is empty", "write a header unique_id,ds,y and under it each series' sales"),
        (
            "unique_id,ds,y\n",
            "the file has a header (unique_id, ds, y) but no data rows under it",
            "add rows of unique_id,ds,y under it: each series' sales in the plan's periods (",
        ),
    ],
    ids=["empty", "header only"],
)
def test_an_actuals_file_without_rows_says_what_is_missing_and_which_rows_to_add(
    agreed, content, message, fix
):
    path = agreed["base"] / "nothing.csv"
    path.write_text(content)
    args = ("plan", "actuals", agreed["plan"], str(path), "--as", "olga")
    payload = json.loads(invoke(agreed, *args, "--json").stdout)
    (problem,) = payload["problems"]
    assert problem["file"] == "nothing.csv"
    assert problem["message"] == message
    assert problem["fix"]["text"].startswith(fix)
    first = sorted(pd.to_datetime(agreed["baseline"]["ds"]).dt.strftime("%Y-%m-%d").unique())[0]
    assert first in problem["fix"]["text"]  # the periods the rows are for
    text = invoke(agreed, *args)
    assert text.exit_code == 2
    assert f"nothing.csv:-:-: {message} -> {fix}" in text.stderr


# -- touches without actuals ------------------------------------------------------------------


def test_touches_without_actuals_are_shown_as_not_scored_not_as_zero_points(agreed):
    keep(agreed, actuals_file(agreed, ["a0", "a1"], weeks=2))  # team a only, weeks 1-2
    text = run(agreed, "plan", "fva", agreed["plan"])
    line = next(x for x in text.splitlines() if "lift b" in x and x.lstrip().startswith("event"))
    assert "not scored: no actuals yet for its series and periods" in line
    assert "pts" not in line
    claim_b = next(x for x in text.splitlines() if "claim of team b" in x)
    assert "not scored" in claim_b and "+0.00 pts" not in claim_b
    lift_a = next(x for x in text.splitlines() if "lift a" in x and "event " in x)
    assert "pts" in lift_a and "not scored" not in lift_a
    touches = json.loads(run(agreed, "plan", "fva", agreed["plan"], "--json"))["touches"]
    by_touch = {t["touch"]: t for t in touches}
    unscored = next(t for name, t in by_touch.items() if "lift b" in name)
    assert unscored["value_added_wape"] is None and unscored["value_added"] is None
    assert unscored["scored"] is False
    assert unscored["not_scored"] == "no actuals yet for its series and periods"
    scored = next(t for name, t in by_touch.items() if "lift a" in name)
    assert scored["scored"] is True and scored["not_scored"] is None
    assert isinstance(scored["value_added_wape"], float)


# -- what a verdict rests on ------------------------------------------------------------------


def test_every_verdict_says_what_it_rests_on_and_is_provisional_on_thin_coverage(agreed):
    path = actuals_file(agreed, ["a0", "a1"], weeks=2)  # 2 of 12 series, 2 of 4 weeks
    keep(agreed, path)
    plan = agreed["plan"]
    rests_on = "scored on 2 of 12 series, 2 of 4 periods"

    text = run(agreed, "plan", "fva", plan)
    closer = next(line for line in text.splitlines() if line.startswith("closer:"))
    assert closer.endswith(rests_on)
    assert "  provisional: only 2 of 12 series have actuals (under half)" in text
    report = json.loads(run(agreed, "plan", "fva", plan, "--json"))
    verdict = report["verdict"]
    assert verdict["closer"] in ("system_plan", "target", "tie")  # the keys it had stay
    assert verdict["rests_on"] == rests_on and verdict["provisional"] is True
    assert report["coverage"]["series"] == 2 and report["coverage"]["series_total"] == 12
    assert report["coverage"]["periods"] == 2 and report["coverage"]["periods_total"] == WEEKS
    assert report["team_coverage"]["a"]["provisional"] is False  # 2 of its 4 series

    rows = json.loads(run(agreed, "track-record", "--json"))
    overall = next(r for r in rows if r["scope"] == "overall")
    assert (overall["series_scored"], overall["series_total"]) == (2, 12)
    assert (overall["periods_scored"], overall["periods_total"]) == (2, WEEKS)
    assert overall["rests_on"] == rests_on and overall["provisional"] is True
    assert overall["closer"] is not None and "wape_target" in overall
    team_a = next(r for r in rows if r["scope"] == "team" and r["key"] == "a")
    assert team_a["rests_on"] == "scored on 2 of 4 series, 2 of 4 periods"
    assert team_a["provisional"] is False
    lines = run(agreed, "track-record").splitlines()
    overall_line = next(line for line in lines if "overall" in line)
    assert "2 of 12" in overall_line and overall_line.endswith("(provisional)")
    assert "(provisional)" not in next(line for line in lines if "team a" in line)
    assert any(line.startswith("provisional: ") for line in lines)

    scored = json.loads(run(agreed, "plan", "score", plan, str(path), "--json"))
    total = next(r for r in scored if r["team"] == "TOTAL")
    assert total["rests_on"] == rests_on and total["provisional"] is True
    assert "periods" in total and "closer" in total  # the keys it had stay
    score_text = run(agreed, "plan", "score", plan, str(path))
    total_line = next(line for line in score_text.splitlines() if line.startswith("TOTAL"))
    assert "2 of 12" in total_line and "2 of 4" in total_line
    assert total_line.endswith("(provisional)")


def test_a_verdict_on_most_series_and_periods_is_not_provisional(agreed):
    series = sorted(agreed["baseline"]["unique_id"].unique())
    path = actuals_file(agreed, series[:-1], weeks=WEEKS)  # 11 of 12 series, every week
    keep(agreed, path)
    text = run(agreed, "plan", "fva", agreed["plan"])
    assert f"scored on 11 of 12 series, {WEEKS} of {WEEKS} periods" in text
    assert "provisional" not in text
    verdict = json.loads(run(agreed, "plan", "fva", agreed["plan"], "--json"))["verdict"]
    assert verdict["provisional"] is False and verdict["provisional_because"] is None
    assert "provisional" not in run(agreed, "track-record")


# -- plan score -------------------------------------------------------------------------------


def test_plan_score_says_which_rows_it_left_out_as_plan_actuals_does(agreed):
    """`plan score` had dropped unknown series, rows outside the horizon and a partial week
    silently; it says them on stderr, as `plan actuals` does (as warnings: -q does not silence
    what was left out)."""
    path = actuals_file(agreed, ["a0", "b0"], 2, "mixed.csv")
    after = pd.Timestamp(max(agreed["baseline"]["ds"])) + pd.Timedelta(weeks=1)
    with path.open("a") as out:
        out.write(f"zz9,{sorted(agreed['baseline']['ds'].unique())[0]:%Y-%m-%d},5\n")
        out.write(f"a0,{after:%Y-%m-%d},7\n")
    result = invoke(agreed, "plan", "score", agreed["plan"], str(path))
    assert result.exit_code == 0, result.output
    assert "1 row(s) of 1 series not in the plan left out: zz9" in result.stderr
    assert "outside the plan's horizon" in result.stderr and f"{after:%Y-%m-%d}" in result.stderr
    assert "note:" not in result.stdout
    quiet = invoke(agreed, "plan", "score", agreed["plan"], str(path), "-q")
    assert quiet.exit_code == 0 and "note:" not in quiet.output


def test_plan_score_of_a_plan_without_a_goal_scores_the_system_plan_and_says_so(tmp_path):
    """It had failed 'cannot spread the targets: plan ... has no goal yet' (exit 3), though
    `plan fva` scores the system plan of such a plan."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    history, attributes, baseline = team_frames({"a": 3.0e6, "b": 2.0e6}, per_team=2)
    plan = weekly_team_plan(store, (history, attributes, baseline), name="no goal").plan_id
    store.close()
    setup = {"plan": plan, "data_dir": data_dir, "baseline": baseline, "base": tmp_path}
    path = actuals_file(setup, ["a0", "b0"], 2)
    result = invoke(setup, "plan", "score", plan, str(path))
    assert result.exit_code == 0, result.output + str(result.exception)
    assert "no goal yet, so only the system plan is scored" in result.stderr
    total = [line for line in result.stdout.splitlines() if line.startswith("TOTAL")]
    assert total and "no negotiated target yet" in total[0]
    rows = json.loads(run(setup, "plan", "score", plan, str(path), "--json"))
    by_team = {r["team"]: r for r in rows}
    assert by_team["TOTAL"]["wape_system_plan"] > 0
    assert by_team["TOTAL"]["wape_target"] is None and by_team["TOTAL"]["closer"] is None
    assert by_team["TOTAL"]["series_periods"] == by_team["TOTAL"]["periods"] == 4
