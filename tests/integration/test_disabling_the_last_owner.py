"""Disabling someone who left says which plans still being planned they were the only active
owner of, and how an admin gives each an owner again (the command line and the Accounts
section); a plan with another active owner, or an agreed one, is not named."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts, plan_members
from forecast.services.store_factory import open_store
from tests.integration.test_store import new_plan

runner = CliRunner()


def _store_with_two_plans(data_dir):
    store = open_store(data_dir=data_dir)
    for name in ("ann", "bea", "root"):
        accounts.add_user(store, name, None, admin=name == "root")
    alone = new_plan(store, name="ann alone")
    shared = new_plan(store, name="shared")
    plan_members.grant(store, shared.plan_id, "ann", "bea", "owner")
    return store, alone.plan_id, shared.plan_id


def test_disabling_the_only_active_owner_names_the_plan_and_the_fix(tmp_path):
    store, alone, _shared = _store_with_two_plans(tmp_path)
    done = runner.invoke(app, ["user", "disable", "ann", "--data-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert f"ann was the only active owner of {alone} ('ann alone')" in done.output
    assert f"forecast plan grant {alone} USER --role owner --as ADMIN" in done.output
    assert "shared" not in done.output
    store.close()


def test_disabling_with_json_lists_the_plans_left_without_an_owner(tmp_path):
    store, alone, _shared = _store_with_two_plans(tmp_path)
    done = runner.invoke(app, ["user", "disable", "ann", "--json", "--data-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["plans_without_owner"] == [alone]
    store.close()
