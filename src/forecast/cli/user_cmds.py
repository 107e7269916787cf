"""`forecast user add|list|passwd|disable|enable|set|log`: the accounts that sign in to the
dashboard. Every change is a row of the account log (`forecast user log`): who (--as, else
"command line"), when, what; never a password."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Any

import typer

from forecast.cli.common import DataDirOpt, DbOpt, JsonOpt, echo_json, fail, open_plan_store
from forecast.cli.conventions import lazy_module

accounts = lazy_module("forecast.services.accounts")
plans = lazy_module("forecast.services.plans")
plan_access = lazy_module("forecast.services.plan_access")

user_app = typer.Typer(
    help="Accounts: who may sign in to the dashboard (passwords are stored as argon2 hashes).",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="The account's user name (what people sign in as).")]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who makes the change, for the account log (an active account once there are "
        'any; default: "command line").',
    ),
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


def _actor(store: Any, as_user: str | None) -> str | None:
    """The name the account log records: --as (an active account once the store has any)."""
    return accounts.check_cli_user(store, as_user) if as_user else None


def _read_password(from_stdin: bool, *, confirm: bool = True) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password: pass --password-stdin and pipe it in")
    first = getpass.getpass("password: ")
    if confirm and getpass.getpass("again: ") != first:
        fail("the two passwords differ; nothing was changed")
    return first


@user_app.command("add")
def add(
    name: NameArg,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Shown in the dashboard.")
    ] = None,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool,
        typer.Option(
            "--no-password",
            help="Only for `forecast serve --auth header`: the proxy signs the person in.",
        ),
    ] = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="Sees every plan and manages accounts.")
    ] = False,
    as_user: ByOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an account (asks for the password twice unless --password-stdin)."""
    accounts.check_user_name(name)
    password = None if no_password else _read_password(password_stdin)
    if password is not None:
        accounts.check_password(password, name)
    store = open_plan_store(db, data_dir)
    account = accounts.add_user(
        store,
        name,
        password,
        display_name=display_name,
        admin=admin,
        actor=_actor(store, as_user),
    )
    if as_json:
        echo_json(_account_json(account))
        return
    role = " (admin)" if account.is_admin else ""
    typer.echo(f"added account {account.name}{role}")


def _account_json(account: Any) -> dict[str, Any]:
    """An account as `user list --json` shows it (never a password or its hash)."""
    return {
        "name": account.name,
        "display_name": account.display_name,
        "admin": account.is_admin,
        "active": account.active,
        "password": account.password_hash is not None,
        "created_at": account.created_at,
    }


@user_app.command("list")
def list_users(db: DbOpt = None, data_dir: DataDirOpt = None, as_json: JsonOpt = False) -> None:
    """The accounts, with admin and disabled marks (never a password or its hash)."""
    found = accounts.list_users(open_plan_store(db, data_dir, existing=True))
    rows = [_account_json(a) for a in found]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo("no accounts yet: add one with `forecast user add NAME --admin`")
        return
    for row in rows:
        marks = [m for m, on in (("admin", row["admin"]), ("disabled", not row["active"])) if on]
        if not row["password"]:
            marks.append("no password: proxy sign-in only")
        extra = f"  ({', '.join(marks)})" if marks else ""
        typer.echo(f"{row['name']:<24} {row['display_name']}{extra}")


@user_app.command("passwd")
def passwd(
    name: NameArg,
    password_stdin: PasswordStdin = False,
    as_user: ByOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a new password for an account."""
    store = open_plan_store(db, data_dir, existing=True)
    name = accounts.spelled(store, name)
    accounts.get_user(store, name)
    actor = _actor(store, as_user)
    accounts.set_password(store, name, _read_password(password_stdin), actor=actor)
    if as_json:
        echo_json(_account_json(accounts.get_user(store, name)))
        return
    typer.echo(f"password of {name} changed")


@user_app.command("disable")
def disable(
    name: NameArg,
    as_user: ByOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Disable an account: it cannot sign in and its open sessions end at their next request.
    The audit log keeps the name."""
    store = open_plan_store(db, data_dir, existing=True)
    name = accounts.spelled(store, name)
    actor = _actor(store, as_user)  # an unknown --as is bad input, before any refusal
    disabled = plan_access.disable_account(store, name, actor=actor)
    if as_json:
        shown = _account_json(accounts.get_user(store, name))
        ownerless = [s.plan_id for s in disabled.plans_without_owner]
        echo_json({**shown, "plans_without_owner": ownerless})
        return
    typer.echo(f"disabled account {name} (`forecast user enable {name}` lets it sign in again)")
    if disabled.note:
        typer.echo(f"note: {disabled.note}")


@user_app.command("enable")
def enable(
    name: NameArg,
    as_user: ByOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Enable a disabled account again: it signs in with its old password and keeps its roles."""
    store = open_plan_store(db, data_dir, existing=True)
    name = accounts.spelled(store, name)
    already = accounts.get_user(store, name).active
    if not already:
        accounts.enable(store, name, actor=_actor(store, as_user))
    if as_json:
        echo_json(_account_json(accounts.get_user(store, name)) | {"already": already})
        return
    typer.echo(f"account {name} is already enabled" if already else f"enabled account {name}")


@user_app.command("set")
def set_attributes(
    name: NameArg,
    admin: Annotated[
        bool | None,
        typer.Option(
            "--admin/--no-admin", help="Make the account admin, or take the admin role away."
        ),
    ] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="The name the dashboard shows.")
    ] = None,
    as_user: ByOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an account: admin or not, its display name (a row of the account log). The last
    active admin keeps the role."""
    if admin is None and display_name is None:
        fail("nothing to change: give --admin, --no-admin or --display-name TEXT")
    store = open_plan_store(db, data_dir, existing=True)
    name = accounts.spelled(store, name)
    account, changed = accounts.set_attributes(
        store, name, admin=admin, display_name=display_name, actor=_actor(store, as_user)
    )
    if as_json:
        echo_json(_account_json(account) | {"changed": changed})
        return
    typer.echo("; ".join(changed) if changed else f"account {name} is so already; nothing changed")


@user_app.command("log")
def log(
    account: Annotated[
        str | None, typer.Argument(help="Only the changes of this account (default: all).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to print, newest first.")] = 50,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The account log, newest first: who added, disabled, enabled an account, set its password
    or changed it, and when (never a password)."""
    store = open_plan_store(db, data_dir, existing=True)
    account = accounts.spelled(store, account) if account is not None else None
    if account is not None:
        accounts.get_user(store, account)
    rows = accounts.account_log(store, account=account, limit=limit)
    if as_json:
        echo_json([r.__dict__ for r in rows])
        return
    if not rows:
        typer.echo("no account changes recorded yet")
    for r in rows:
        typer.echo(f"{r.at}  {r.actor}  {r.what}")
