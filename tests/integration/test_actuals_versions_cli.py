"""`forecast plan actuals-versions` and `forecast plan actuals-restore`: a wrong actuals file is
undone from the command line by going back to the version before it, which becomes the next
version; nothing kept is erased, and only the owner or a planner may do it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import actuals, plan_members
from forecast.store import SqlStore
from tests.integration.test_actuals_store import csv_bytes, week
from tests.integration.test_store import new_plan


@pytest.fixture()
def plan_with_two_uploads(tmp_path):
    url = f"sqlite:///{tmp_path / 'forecast.db'}"
    store = SqlStore(url)
    plan = new_plan(store).plan_id
    right = csv_bytes([(u, week(0), 90.0) for u in "123"])
    wrong = csv_bytes([(u, week(0), 9000.0) for u in "123"] + [("1", week(1), 5.0)])
    actuals.upload_actuals(store, plan, right, filename="right.csv", actor="ann")
    actuals.upload_actuals(store, plan, wrong, filename="wrong.csv", actor="ann")
    store.close()
    return url, plan


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_restoring_the_version_before_a_wrong_file_makes_it_the_next_version(plan_with_two_uploads):
    url, plan = plan_with_two_uploads
    done = run("plan", "actuals-restore", plan, "1", "--as", "ann", "--db", url)
    assert done.exit_code == 0, done.output
    assert "version 3" in done.output and "restores version 1" in done.output
    assert "3 value(s) changed back, 1 series-period(s) no longer known" in done.output
    listed = json.loads(run("plan", "actuals-versions", plan, "--db", url, "--json").output)
    assert [(v["version"], v["filename"]) for v in listed] == [
        (1, "right.csv"),
        (2, "wrong.csv"),
        (3, "restore of version 1 (right.csv)"),
    ]
    store = SqlStore(url)
    _, kept = actuals.load_actuals(store, plan)
    assert sorted(kept["y"]) == [90.0, 90.0, 90.0]
    assert store.audit(plan)[-1].action == "restore_actuals"
    store.close()


def test_restoring_a_later_version_again_says_how_many_series_periods_came_back(
    plan_with_two_uploads,
):
    """Version 1 (3 series-periods) restored over version 2 (4) drops one; restoring version 2
    then brings it back, and the message counts it, as it counts the values changed back."""
    url, plan = plan_with_two_uploads
    assert run("plan", "actuals-restore", plan, "1", "--as", "ann", "--db", url).exit_code == 0

    done = run("plan", "actuals-restore", plan, "2", "--as", "ann", "--db", url)

    assert done.exit_code == 0, done.output
    assert (
        "restores version 2: 4 series-periods known, 1 series-period(s) back, 3 value(s) changed "
        "back, 0 series-period(s) no longer known" in done.output
    )
    store = SqlStore(url)
    assert "1 series-period(s) back" in store.audit(plan)[-1].what
    store.close()


def test_restore_is_refused_for_a_lead_and_an_unknown_version(plan_with_two_uploads):
    url, plan = plan_with_two_uploads
    store = SqlStore(url)
    plan_members.grant(store, plan, "ann", "lee", "lead", team="north")
    store.close()
    lead = run("plan", "actuals-restore", plan, "1", "--as", "lee", "--db", url)
    assert lead.exit_code != 0 and "owner or planner" in lead.output
    unknown = run("plan", "actuals-restore", plan, "7", "--as", "ann", "--db", url)
    assert unknown.exit_code != 0 and "no actuals version 7" in unknown.output
    assert len(json.loads(run("plan", "actuals-versions", plan, "--db", url, "--json").output)) == 2


def test_restoring_the_version_in_force_says_nothing_changed_and_exits_0(plan_with_two_uploads):
    url, plan = plan_with_two_uploads
    in_force = run("plan", "actuals-restore", plan, "2", "--as", "ann", "--db", url)
    assert in_force.exit_code == 0, in_force.output
    assert "already the one in force: nothing changed, no version was made" in in_force.output
    assert len(json.loads(run("plan", "actuals-versions", plan, "--db", url, "--json").output)) == 2
