"""The deviation gate and the events as a planner meets them on the command line, on a small
plan of four weekly series (real ingest, seasonal naive baseline, SQLite file)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app

runner = CliRunner()


def run(data_dir, *args: str, user: str | None = "ann"):
    who = ["--as", user] if user else []
    return runner.invoke(app, [*args, "--data-dir", str(data_dir), *who], catch_exceptions=False)


@pytest.fixture
def tiny(tmp_path) -> tuple[str, str]:
    """(data dir, plan id) of a plan of S1, S2 (north) and S3, S4 (south); S4 sold nothing for
    over a year, so its baseline is 0 (a new shop's volume is "new volume")."""
    weeks = pd.date_range("2022-01-03", periods=120, freq="W-MON")
    rng = np.random.default_rng(7)
    rows = []
    for store, region in (("S1", "north"), ("S2", "north"), ("S3", "south"), ("S4", "south")):
        for i, ds in enumerate(weeks):
            promo = i % 2  # a flyer every other week lifts sales by about 30 %
            sales = (
                0.0 if store == "S4" and i >= 60 else round(100 + 30 * promo + rng.normal(0, 5), 2)
            )
            row = {"store": store, "region": region, "date": ds.date(), "sales": sales}
            rows.append(row | {"promo": promo})
    path = tmp_path / "tiny.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    data_dir = tmp_path / "store"
    made = run(
        data_dir, "plan", "create", str(path), "--name", "tiny", "--freq", "W", "--horizon", "8",
        "--team-attr", "region", "--model", "snaive", "--currency", "none", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    return str(data_dir), json.loads(made.stdout)["plan_id"]


def test_an_event_added_in_a_removed_ones_place_is_not_explained_by_its_reason(tiny):
    data_dir, plan = tiny
    window = ["--scope", "region=north", "--start", "2024-04-29", "--end", "2024-05-12"]
    cut = ["--kind", "purchase_limit", "--percent", "-25", *window]
    assert (
        run(data_dir, "plan", "event", "add", plan, "--name", "Supplier allocation", *cut).exit_code
        == 0
    )
    explained = run(
        data_dir, "plan", "explain", plan, "--code", "supply", "--text",
        "supplier allocation cut 25%", "--all-for-event", "E1",
    )  # fmt: skip
    assert explained.exit_code == 0, explained.output
    assert "0 unexplained" in run(data_dir, "plan", "show", plan, user=None).stdout
    assert run(data_dir, "plan", "event", "remove", plan, "E1").exit_code == 0
    fire = ["--kind", "other", "--percent", "-25", *window]
    assert run(data_dir, "plan", "event", "add", plan, "--name", "Store fire", *fire).exit_code == 0

    shown = run(data_dir, "plan", "show", plan, user=None).stdout
    assert "6 marked, 6 unexplained" in shown  # S1, S2 and team north, two weeks each
    listed = run(data_dir, "plan", "deviations", plan, user=None)
    assert "explained for E1, now E2" in listed.stdout
    refused = run(data_dir, "plan", "publish", plan)
    assert refused.exit_code != 0 and "(outdated: explained for E1, now E2)" in refused.output


def test_a_new_volume_cell_is_explained_again_when_its_amount_grows(tiny):
    data_dir, plan = tiny
    opening = ["--kind", "other", "--ids", "S4", "--start", "2024-04-29", "--end", "2024-05-05"]
    added = run(
        data_dir, "plan", "event", "add", plan, "--name", "Opening", "--set", "50", *opening
    )
    assert added.exit_code == 0, added.output
    explained = run(
        data_dir, "plan", "explain", plan, "--code", "other", "--text", "a shop opens",
        "--all-for-event", "E1",
    )  # fmt: skip
    assert explained.exit_code == 0, explained.output
    assert run(data_dir, "plan", "event", "edit", plan, "E1", "--set", "90000").exit_code == 0
    listed = run(data_dir, "plan", "deviations", plan, "--json", user=None)
    rows = json.loads(listed.stdout)
    series = [r for r in rows if r["level"] == "series"]
    assert [r["key"] for r in series] == ["S4"]
    assert not series[0]["explained"] and series[0]["why_outdated"] == (
        "E1 changed since it was explained"
    )


def test_moving_the_dates_of_an_event_that_took_the_suggestion_takes_the_new_one(tiny):
    data_dir, plan = tiny
    week = ["--scope", "region=north", "--start", "2024-05-06", "--end", "2024-05-12"]
    added = run(
        data_dir, "plan", "event", "add", plan, "--name", "Flyer", "--kind", "promotion", *week,
        "--use-suggestion", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    was = json.loads(added.stdout)["event"]["value"]
    offered = run(
        data_dir, "plan", "event", "suggest", plan, "--kind", "promotion", "--scope",
        "region=north", "--start", "2024-05-05", "--end", "2024-05-12", "--json", user=None,
    )  # fmt: skip
    new_offer = json.loads(offered.stdout)["in_baseline"]["new_value"]
    assert offered.exit_code == 0, offered.output
    moved = run(data_dir, "plan", "event", "edit", plan, "E1", "--start", "2024-05-05", "--json")
    assert moved.exit_code == 0, moved.output
    out = json.loads(moved.stdout)
    assert out["event"]["value"] == new_offer != was  # the offer for the new window
    assert out["note"].startswith("E1 took the suggestion, so it takes the one for its new dates")
    assert "saved before days were counted" not in out["note"]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("5", "5 %"),
        ("5%", "5 %"),
        ("12.5", "12.5 %"),
        ("0.2", "20 %"),
        ("1", "1 %"),
        ("100", "100 %"),
    ],
)
def test_a_bare_threshold_number_is_a_percent_and_a_bare_fraction_below_1_a_fraction(
    tiny, typed, shown
):
    data_dir, plan = tiny
    said = run(data_dir, "plan", "threshold", plan, typed)
    assert said.exit_code == 0, said.output
    assert said.stdout.strip().endswith(f"is now {shown}")


@pytest.mark.parametrize("typed", ["500", "101%", "0", "-5"])
def test_a_threshold_outside_0_to_100_percent_is_refused_and_keeps_the_gate(tiny, typed):
    data_dir, plan = tiny
    options = ["--data-dir", data_dir, "--as", "ann"]  # before "--": -5 is not an option
    refused = runner.invoke(app, ["plan", "threshold", *options, plan, "--", typed])
    assert refused.exit_code != 0 and "more than 0 % and at most 100 %" in refused.output
    assert "deviation threshold 20 %" in run(data_dir, "plan", "show", plan, user=None).stdout


def test_a_removed_event_is_restored_later_in_its_place_from_the_command_line(tiny):
    data_dir, plan = tiny
    week = ["--kind", "other", "--ids", "S1", "--start", "2024-04-29", "--end", "2024-05-05"]
    for name, value in (("Set A", "100"), ("Set B", "200")):
        added = run(data_dir, "plan", "event", "add", plan, "--name", name, "--set", value, *week)
        assert added.exit_code == 0, added.output
    removed = run(data_dir, "plan", "event", "remove", plan, "E1")
    assert f"`forecast plan event restore {plan} E1` puts it back" in removed.stdout
    # another change since: the page's undo is stale by now, the command is not
    other = ["--kind", "other", "--ids", "S2", "--start", "2024-05-06", "--end", "2024-05-12"]
    assert (
        run(data_dir, "plan", "event", "add", plan, "--name", "C", "--add", "5", *other).exit_code
        == 0
    )
    stale = run(data_dir, "plan", "event", "restore", plan, "E1", "--expected-version", "3")
    assert stale.exit_code != 0 and "changed" in stale.output
    restored = run(data_dir, "plan", "event", "restore", plan, "E1")
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith("restored E1 'Set A'")
    listed = json.loads(run(data_dir, "plan", "event", "list", plan, "--json", user=None).stdout)
    assert [e["event_id"] for e in listed] == ["E1", "E2", "E3"]  # back in its place
    shown = run(data_dir, "plan", "show", plan, "--level", "series", "--json", user=None)
    rows = json.loads(shown.stdout)["system_plan"]
    (cell,) = [r for r in rows if r["unique_id"] == "S1" and r["ds"] == "2024-04-29"]
    assert cell["system_plan"] == 200.0  # Set B, added last, wins as before the removal
    again = run(data_dir, "plan", "event", "restore", plan, "E1")
    assert again.exit_code != 0 and "there is nothing to restore" in again.output
    never = run(data_dir, "plan", "event", "restore", plan, "E9")
    assert never.exit_code == 4 and "no recorded removal of event 'E9'" in never.output


def test_restoring_an_event_on_a_published_plan_is_refused_with_the_reason(tiny):
    data_dir, plan = tiny
    week = ["--kind", "other", "--ids", "S1", "--start", "2024-04-29", "--end", "2024-05-05"]
    assert (
        run(data_dir, "plan", "event", "add", plan, "--name", "A", "--add", "1", *week).exit_code
        == 0
    )
    assert run(data_dir, "plan", "event", "remove", plan, "E1").exit_code == 0
    published = run(data_dir, "plan", "publish", plan)
    assert published.exit_code == 0, published.output
    refused = run(data_dir, "plan", "event", "restore", plan, "E1")
    assert refused.exit_code != 0 and "read-only" in refused.output


def test_every_range_of_a_learned_uplift_reads_in_percent_like_its_value(tiny):
    data_dir, plan = tiny
    offered = run(
        data_dir, "plan", "event", "suggest", plan, "--kind", "promotion", user=None
    ).stdout
    added = run(
        data_dir, "plan", "event", "add", plan, "--name", "Flyer", "--kind", "promotion",
        "--scope", "region=north", "--start", "2024-05-06", "--end", "2024-05-12",
        "--use-suggestion",
    ).stdout  # fmt: skip

    team_lines = [line for line in offered.splitlines() if line.startswith("  north:")]
    assert team_lines and "(range " in team_lines[0] and " %), " in team_lines[0], offered
    assert "suggested +" in added and " %) from promo" in added, added


def test_granting_a_lead_names_the_team_they_lead_as_the_members_list_does(tiny):
    data_dir, plan = tiny
    granted = run(data_dir, "plan", "grant", plan, "lee", "--role", "lead", "--team", "north")
    members = run(data_dir, "plan", "members", plan, user=None)

    assert granted.exit_code == 0, granted.output
    assert granted.stdout.startswith(f"lee is now lead of team north on plan {plan} ")
    assert "lead of team north" in members.stdout


def test_a_kind_the_history_has_no_flag_for_is_told_what_to_do_instead(tiny):
    data_dir, plan = tiny  # the history flags promotions ("promo"), no holidays
    said = run(data_dir, "plan", "event", "suggest", plan, "--kind", "festival", user=None)
    assert said.exit_code == 0, said.output
    assert "the history has no flag for it" in said.stdout
    assert "--percent, --add, --cap or --set" in said.stdout
    assert "column named like Holiday" in said.stdout and "'feast'" in said.stdout
    as_json = run(
        data_dir, "plan", "event", "suggest", plan, "--kind", "festival", "--json", user=None
    )
    out = json.loads(as_json.stdout)
    assert out["suggestion"] is None and out["flag"] is None
    assert out["reason"].startswith("the history has no flag for it")
    assert out["fix"]["key"] is None and "--set" in out["fix"]["text"]


def test_a_kind_no_history_teaches_is_told_to_give_the_effect(tiny):
    data_dir, plan = tiny
    said = run(
        data_dir, "plan", "event", "suggest", plan, "--kind", "purchase_limit", "--json", user=None
    )
    out = json.loads(said.stdout)
    assert out["suggestion"] is None and out["flag_words"] == []
    assert "only promotion and festival events are learned" in out["reason"]
    assert "plan create" not in out["fix"]["text"]
