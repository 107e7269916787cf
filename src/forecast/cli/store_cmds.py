"""`forecast store backup|restore`: the plan store itself (a consistent copy while servers run,
and that copy put back while they run)."""

from __future__ import annotations

import getpass
import os
import shlex
from typing import Annotated

import typer

from forecast.cli.common import DataDirOpt, DbOpt, JsonOpt, echo_json, open_plan_store
from forecast.cli.conventions import lazy_module

backup = lazy_module("forecast.services.backup")

store_app = typer.Typer(
    help="The plan store itself: backup and restore (README, section Backups).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@store_app.command("backup")
def backup_cmd(
    path: Annotated[
        str,
        typer.Argument(
            help="The backup file to write (a folder, or a path ending in /: forecast.db in "
            "it, so that FORECAST_DATA_DIR=FOLDER opens the copy).",
        ),
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the file if it exists.")
    ] = False,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a consistent copy of the SQLite store, every committed change included, while
    servers keep running (copying forecast.db by hand misses the changes still in
    forecast.db-wal). A PostgreSQL store: the command says which pg_dump to run."""
    done = backup.backup_store(path, db, data_dir, overwrite=overwrite)
    if as_json:
        echo_json(
            {
                "path": str(done.path),
                "source": str(done.source),
                "bytes": done.bytes,
                "replaced": done.replaced,
            }
        )
        return
    typer.echo(
        f"backed up {done.source} to {done.path} ({done.bytes / 1024 / 1024:,.1f} MB"
        f"{', replacing the file there' if done.replaced else ''}); open it with "
        f"FORECAST_DATA_DIR={done.path.parent}"
        + (
            ""
            if done.path.name == "forecast.db"
            else f" after renaming it forecast.db, or --db sqlite:///{done.path}"
        )
    )


@store_app.command("restore")
def restore_cmd(
    backup_path: Annotated[
        str,
        typer.Argument(
            metavar="BACKUP",
            help="The backup to restore: a file `forecast store backup` wrote, or its folder.",
        ),
    ],
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who restores, for the store log (default: $FORECAST_USER or your login name; "
            "not checked against the accounts, which the restore replaces).",
        ),
    ] = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace everything in the SQLite store by the backup, while servers keep running: they
    show the restored plans from their next request on, and everyone signed in signs in again.
    A file that is not a sound backup of a plan store is refused and nothing changes. A
    PostgreSQL store: the command says which pg_restore to run. The store as it was is backed
    up beside it first, so that the restore can be undone; if that backup fails, nothing
    changes. The restored store's log (`forecast store log`) records who restored which backup
    and where the store as it was is kept."""
    done = backup.restore_store(backup_path, db, data_dir, actor=_operator(as_user))
    undo = None
    if done.safety_copy is not None:
        undo = shlex.join(
            ["forecast", "store", "restore", str(done.safety_copy)]
            # the store restored into, named as the operator named it, but from any folder
            + (["--db", f"sqlite:///{done.path}"] if db else [])
            + (["--data-dir", str(done.path.parent)] if data_dir else [])
        )
    if as_json:
        echo_json(
            {
                "path": str(done.path),
                "source": str(done.source),
                "plans": done.plans,
                "accounts": done.accounts,
                "safety_copy": None if done.safety_copy is None else str(done.safety_copy),
                "undo": undo,
            }
        )
        return
    typer.echo(
        f"restored {done.source} into {done.path}: {done.plans} plan(s), {done.accounts} "
        "account(s). Servers running on this store show the restored data from their next "
        "request on, and everyone signed in there signs in again"
    )
    if undo is not None:
        typer.echo(f"the store as it was is kept in {done.safety_copy}: `{undo}` puts it back")


def _operator(as_user: str | None) -> str:
    """Who the store log names for a restore: --as, $FORECAST_USER or the login name."""
    named = (as_user or os.environ.get("FORECAST_USER") or "").strip()
    if not named:
        try:
            named = getpass.getuser()
        except Exception:  # no login name in some containers
            named = ""
    return named or backup.COMMAND_LINE


@store_app.command("log")
def log_cmd(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to print, newest first.")] = 50,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The store log, newest first: who restored which backup into the store, when, and where
    the store as it was is kept (the restored store carries the log of the backup's store, and
    the restore's row; the log of the store it replaced is in that copy)."""
    store = open_plan_store(db, data_dir, existing=True)
    try:
        rows = store.store_log(limit=limit)
    finally:
        store.close()
    if as_json:
        echo_json([r.__dict__ for r in rows])
        return
    if not rows:
        typer.echo("nothing recorded in the store log yet (a restore of a backup is)")
    for r in rows:
        typer.echo(f"{r.at}  {r.actor}  {r.what}")
