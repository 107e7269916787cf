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


# -- importing a bundle twice ------------------------------------------------------------------


def test_importing_the_same_bundle_twice_is_refused_naming_the_plan_and_the_way_out(
    data_dir: Path, tmp_path: Path
):
    bundle = tmp_path / "cycle.json"
    assert run(data_dir, "plan", "export", "cycle", "-o", str(bundle), user=None).exit_code == 0
    store = open_store(data_dir=data_dir)
    (existing,) = store.list()
    store.close()

    again = run(data_dir, "plan", "import", str(bundle))

    assert again.exit_code == EXIT_REFUSED, again.output
    assert f"there is already a plan named 'cycle' here: {existing.plan_id}" in again.stderr
    assert "--name NEW_NAME" in again.stderr
    store = open_store(data_dir=data_dir)
    assert [s.plan_id for s in store.list()] == [existing.plan_id]  # nothing was imported
    store.close()


def test_a_bundle_imports_again_under_another_name_and_the_audit_row_says_so(
    data_dir: Path, tmp_path: Path
):
    bundle = tmp_path / "cycle.json"
    run(data_dir, "plan", "export", "cycle", "-o", str(bundle), user=None)

    copy = run(data_dir, "plan", "import", str(bundle), "--name", "cycle (copy)", "--json")

    assert copy.exit_code == 0, copy.output
    store = open_store(data_dir=data_dir)
    names = sorted(s.name for s in store.list())
    (imported,) = [s for s in store.list() if s.name == "cycle (copy)"]
    (entry,) = store.audit(imported.plan_id)
    store.close()
    assert names == ["cycle", "cycle (copy)"]
    assert entry.action == "import" and "as 'cycle (copy)'" in entry.what
    taken = run(data_dir, "plan", "import", str(bundle), "--name", "cycle (copy)")
    assert taken.exit_code == EXIT_REFUSED and "'cycle (copy)'" in taken.stderr


def test_the_plans_page_refuses_a_second_import_and_takes_it_under_the_name_typed(data_dir: Path):
    import base64

    from dashboard.context import DashboardContext
    from dashboard.pages import plans as plans_page
    from forecast.services import exports
    from tests.signin import acting_as

    ctx = DashboardContext(data_dir=str(data_dir))
    (existing,) = ctx.store.list()
    bundle = exports.export_plan(ctx.store, existing.plan_id, "json")
    contents = "data:application/json;base64," + base64.b64encode(bundle).decode()
    try:
        with acting_as(ctx.store, "olga"):
            refused, _, _ = plans_page.import_bundle(ctx, contents, "b.json", {}, 0)
            _, session, _ = plans_page.import_bundle(
                ctx, contents, "b.json", {}, 0, False, " cycle 2 "
            )
        shown = shown_text(refused)
        assert "here is already a plan named 'cycle' here" in shown  # (T)here: a sentence
        assert "Import under the name" in shown and "--name" not in shown
        assert plans.get_plan(ctx.store, session["plan_id"]).name == "cycle 2"
    finally:
        ctx.store.close()


def shown_text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json())
