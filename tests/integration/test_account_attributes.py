"""An account's attributes change after it was added: made admin or not, a new display name
(`forecast user set`, the admin's Accounts section), each a row of the account log; the last
active admin keeps the role and is not disabled. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts
from forecast.services.errors import Conflict, Forbidden
from tests.integration.test_store import make_store, store  # noqa: F401 - fixtures

PASSWORD = "a long enough password"


def test_an_admin_makes_an_account_admin_and_renames_it(store):  # noqa: F811
    accounts.add_user(store, "root", PASSWORD, admin=True)
    accounts.add_user(store, "piet", PASSWORD)

    with pytest.raises(Forbidden, match="user piet may not manage accounts"):
        accounts.set_attributes_as(store, "piet", "piet", admin=True)
    account, changed = accounts.set_attributes_as(
        store, "root", "piet", admin=True, display_name="Piet Planner"
    )
    assert account.is_admin and account.display_name == "Piet Planner"
    assert changed == ["made piet an admin", "display name of piet: 'piet' -> 'Piet Planner'"]
    assert accounts.set_attributes_as(store, "root", "piet", admin=True)[1] == []  # so already
    log = accounts.account_log(store, account="piet")
    assert [(r.actor, r.action) for r in log] == [("root", "set"), ("command line", "add")]
    assert log[0].what == "made piet an admin; display name of piet: 'piet' -> 'Piet Planner'"

    accounts.set_attributes_as(store, "piet", "root", admin=False)  # piet is an admin now
    assert not store.get_account("root").is_admin


def test_the_last_active_admin_keeps_the_role(store):  # noqa: F811
    accounts.add_user(store, "root", PASSWORD, admin=True)
    accounts.add_user(store, "ops", PASSWORD, admin=True)
    accounts.disable(store, "ops")  # an admin who left does not count
    with pytest.raises(Conflict, match="user root is the last active admin account"):
        accounts.set_attributes(store, "root", admin=False)
    with pytest.raises(Conflict, match="make another account admin first"):
        accounts.disable(store, "root", actor="root")
    account = store.get_account("root")
    assert account.is_admin and account.active


def test_forecast_user_set(tmp_path):
    def cli(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], input=stdin)

    cli("user", "add", "root", "--admin", "--password-stdin", stdin=PASSWORD)
    cli("user", "add", "piet", "--password-stdin", stdin=PASSWORD)

    made = cli("user", "set", "piet", "--admin", "--display-name", "Piet P.", "--as", "root")
    assert made.exit_code == 0, made.output
    assert "made piet an admin; display name of piet: 'piet' -> 'Piet P.'" in made.stdout
    shown = json.loads(cli("user", "set", "root", "--no-admin", "--json").stdout)
    assert shown["admin"] is False and shown["changed"] == ["took the admin role from root"]
    last = cli("user", "set", "piet", "--no-admin")
    assert last.exit_code == 3 and "last active admin" in last.output
    disabled = cli("user", "disable", "piet")
    assert disabled.exit_code == 3 and "last active admin" in disabled.output
    nothing = cli("user", "set", "piet")
    assert nothing.exit_code != 0 and "nothing to change" in nothing.output
    assert "root  made piet an admin" in cli("user", "log", "piet").stdout
