"""A plan's life on the command line and in the services: its last owner stays (a refused edit,
exit code 3), an archived plan is read-only and out of the lists until unarchived, and a bundle
imports once under its name (again only under another)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_services_negotiation import team_plan
from typer.testing import CliRunner

from forecast.cli import app as cli
from forecast.cli.conventions import EXIT_REFUSED
from forecast.services import plans
from forecast.services.errors import Conflict
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A SQLite store holding one plan named "cycle" (owner olga, lead anna of team a)."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    team_plan(store, "cycle", {"a": "anna"})
    store.close()
    return data_dir


def run(data_dir: Path, *args: str, user: str | None = "olga"):
    who = ["--as", user] if user else []
    return runner.invoke(cli, [*args, *who, "--data-dir", str(data_dir)], catch_exceptions=False)


# -- the last owner ----------------------------------------------------------------------------


def test_revoking_the_last_owner_is_a_refused_edit_with_its_reason_and_fix(data_dir: Path):
    last = run(data_dir, "plan", "revoke", "cycle", "olga", "--role", "owner")
    assert last.exit_code == EXIT_REFUSED, last.output
    assert "olga is the only owner of plan" in last.stderr
    assert "--role owner" in last.stderr  # how to make someone else owner first
    as_json = run(data_dir, "plan", "revoke", "cycle", "olga", "--role", "owner", "--json")
    error = json.loads(as_json.stdout)
    assert error["kind"] == "refused" and error["exit_code"] == EXIT_REFUSED
    assert error["fix"]["key"] == "add_owner"


def test_the_last_owner_refusal_is_a_conflict_and_writes_nothing():
    store = MemoryStore()
    plan_id = team_plan(store, "cycle", {})
    before = plans.get_plan(store, plan_id).version
    with pytest.raises(Conflict, match="only owner"):
        plans.revoke(store, plan_id, "olga", "olga", "owner")
    assert plans.get_plan(store, plan_id).version == before
