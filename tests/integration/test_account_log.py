"""Months later, "who reset piet's password, who disabled lead-d?" has an answer: every account
change is a row of the account log (who, when, what; never a password), in the store on SQLite
and PostgreSQL, read with `forecast user log` and on the admin's Accounts section."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts
from tests.integration.test_store import make_store, store  # noqa: F401 - fixtures

PASSWORD = "a long enough password"
NEW = "piets new long password"


def test_every_account_change_is_logged_with_who_and_what_never_the_password(store):  # noqa: F811
    accounts.add_user(store, "root", PASSWORD, admin=True)  # the command line's first admin
    accounts.add_user_as(store, "root", "piet", PASSWORD)
    accounts.set_password_as(store, "root", "piet", NEW)
    accounts.disable_as(store, "root", "piet")
    accounts.enable_as(store, "root", "piet")
    accounts.change_own_password(
        store, "piet", NEW, "piets own new password", "piets own new password"
    )

    rows = accounts.account_log(store)
    assert [(r.actor, r.account, r.action, r.what) for r in reversed(rows)] == [
        ("command line", "root", "add", "added account root (admin)"),
        ("root", "piet", "add", "added account piet"),
        ("root", "piet", "password", "set a new password for piet"),
        ("root", "piet", "disable", "disabled account piet"),
        ("root", "piet", "enable", "enabled account piet"),
        ("piet", "piet", "own_password", "piet changed their own password"),
    ]
    assert all(r.at for r in rows) and rows[0].id > rows[-1].id
    assert [r.what for r in accounts.account_log(store, account="root")] == [
        "added account root (admin)"
    ]
    stored = json.dumps([r.__dict__ for r in rows])
    assert "long" not in stored and "argon2" not in stored


def test_a_store_made_before_the_account_log_opens_and_logs(make_store):  # noqa: F811
    first = make_store()
    accounts.add_user(first, "olga", PASSWORD)
    with first.engine.begin() as conn:  # as a store made before the log was
        table = f'"{first.schema}".account_log' if first.schema else "account_log"
        conn.execute(sa.text(f"DROP TABLE {table}"))
    first.close()

    reopened = make_store()
    assert reopened.get_account("olga") is not None
    accounts.disable(reopened, "olga", actor="root")
    assert [r.what for r in accounts.account_log(reopened)] == ["disabled account olga"]


def test_forecast_user_log_names_who_changed_which_account(tmp_path):
    def cli(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], input=stdin)

    assert cli("user", "add", "root", "--admin", "--password-stdin", stdin=PASSWORD).exit_code == 0
    assert (
        cli("user", "add", "lead-d", "--as", "root", "--password-stdin", stdin=PASSWORD).exit_code
        == 0
    )
    assert (
        cli("user", "passwd", "lead-d", "--as", "root", "--password-stdin", stdin=NEW).exit_code
        == 0
    )
    assert cli("user", "disable", "lead-d").exit_code == 0
    refused = cli("user", "disable", "root", "--as", "ghost")
    assert refused.exit_code == 2 and "no account 'ghost'" in refused.output

    shown = cli("user", "log")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert "command line  disabled account lead-d" in lines[0]
    assert "root  set a new password for lead-d" in lines[1]
    assert "root  added account lead-d" in lines[2]
    rows = json.loads(cli("user", "log", "lead-d", "--json").stdout)
    assert [r["action"] for r in rows] == ["disable", "password", "add"]
    assert {"id", "at", "actor", "account", "action", "what"} == set(rows[0])
    assert NEW not in shown.stdout


def test_the_admin_accounts_section_shows_the_latest_account_changes():
    from dashboard.context import DashboardContext
    from dashboard.pages import plans_accounts
    from forecast.store import MemoryStore
    from tests.signin import acting_as

    memory = MemoryStore()
    with acting_as(memory, "root", admin=True):
        accounts.add_user_as(memory, "root", "piet", PASSWORD)
        accounts.disable_as(memory, "root", "piet")
        style, body = plans_accounts.render(DashboardContext(_store=memory), 0)
    shown = str(body.to_plotly_json())
    assert style == {} and "root: disabled account piet" in shown
    assert "root: added account piet" in shown
    with acting_as(memory, "piet"):  # not an admin: nothing about accounts
        assert plans_accounts.render(DashboardContext(_store=memory), 0) == (
            plans_accounts.HIDDEN,
            None,
        )


def test_an_admin_gives_an_account_its_display_name_on_the_plans_page():
    from dashboard.context import DashboardContext
    from dashboard.pages import plans_accounts
    from forecast.store import MemoryStore
    from tests.signin import acting_as

    memory = MemoryStore()
    ctx = DashboardContext(_store=memory)
    with acting_as(memory, "root", admin=True):
        added, _ = plans_accounts.add_account(ctx, 1, "piet", "Piet P.", PASSWORD, False, 0)
        renamed, _ = plans_accounts.set_display_name(ctx, 1, "piet", "Piet Peters", 1)
        refused, _ = plans_accounts.set_display_name(ctx, 2, "piet", "  ", 2)
        _, body = plans_accounts.render(ctx, 3)
    assert "Added account piet (shown as Piet P.)." in str(added.to_plotly_json())
    assert "display name of piet: 'Piet P.' -> 'Piet Peters'" in str(renamed.to_plotly_json())
    assert "at least one character" in str(refused.to_plotly_json())
    assert memory.get_account("piet").display_name == "Piet Peters"
    assert "Piet Peters" in str(body.to_plotly_json())  # the table's "Shown as"
