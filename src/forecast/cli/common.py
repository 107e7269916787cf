"""Shared pieces of the command line: error handling (exit code 2, no traceback) and JSON output."""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a user-facing error on stderr and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def user_errors(*error_types: type[BaseException]) -> Callable[[F], F]:
    """Turn the given exception types into `error: <message>` on stderr and exit code 2."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except error_types as exc:  # noqa: B030 - tuple of exception classes
                fail(str(exc))

        return wrapper  # type: ignore[return-value]

    return decorate


def echo_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


# Options shared by every `forecast plan ...` command.
PlanArg = Annotated[str, typer.Argument(help="Plan id or unique plan name.")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="Acting user (default: $FORECAST_USER or your login name)."),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL, e.g. postgresql://user:pw@host/db (or $FORECAST_DB_URL)."
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Directory of the SQLite store (or $FORECAST_DATA_DIR)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--expected-version",
        help="Refuse the change if the plan is no longer at this version (optimistic locking).",
    ),
]


def acting_user(as_user: str | None, db: str | None = None, data_dir: Path | None = None) -> str:
    """The user a command acts as: --as, else $FORECAST_USER, else the login name.

    The CLI is a console on the store: whoever can open the database is trusted. Once the store
    holds accounts, the name must be an existing, active account (services.accounts)."""
    user = (as_user or os.environ.get("FORECAST_USER") or "").strip()
    if not user:
        try:
            user = getpass.getuser()
        except Exception:  # no login name in some containers
            user = ""
    if not user:
        fail("who are you? pass --as USER or set FORECAST_USER")
    from forecast.services import accounts
    from forecast.services.errors import ServiceError

    try:
        store = open_plan_store(db, data_dir)
        try:
            return accounts.check_cli_user(store, user)
        finally:
            store.close()
    except ServiceError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


def open_plan_store(db: str | None, data_dir: Path | None) -> Any:
    """The plan store named by --db / --data-dir (or their environment variables)."""
    from forecast.services.store_factory import open_store

    return open_store(db_url=db, data_dir=data_dir)
