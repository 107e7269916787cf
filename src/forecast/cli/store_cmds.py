"""`forecast store backup|restore|log|safety-copies`: the plan store itself (a consistent copy
while servers run, and that copy put back while they run; the store's log of its restores; the
copies of the store as it was that restores keep beside it)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from forecast.cli.common import DataDirOpt, DbOpt, JsonOpt, echo_json, named_user, open_plan_store
from forecast.cli.conventions import lazy_module

backup = lazy_module("forecast.services.backup")
pg_commands = lazy_module("forecast.services.pg_commands")
restore = lazy_module("forecast.services.restore")
restore_record = lazy_module("forecast.services.restore_record")
safety_copies = lazy_module("forecast.services.safety_copies")
store_factory = lazy_module("forecast.services.store_factory")

store_app = typer.Typer(
    help="The plan store itself: backup, restore, its log and the safety copies restores keep "
    "(README, section Backups).",
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
    forecast.db-wal). A PostgreSQL store: the command says which pg_dump to run (of the
    store's tables only)."""
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
            help="The backup to restore: a file `forecast store backup` wrote, or its folder "
            "(PostgreSQL: the pg_dump archive it says how to make).",
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
    """Replace everything in the store by the backup, while servers keep running: they show
    the restored plans from their next request on, and everyone signed in signs in again. A
    file that is not a sound backup of a plan store is refused and nothing changes. A
    PostgreSQL store takes the pg_dump archive `forecast store backup` says how to make (one
    holding anything but the store's tables, such as a function, trigger or view, is refused:
    that check reads the archive's labels, which keeps out what a pg_dump of another database
    brings along, not an archive altered on purpose; restore only backups you made), and runs
    pg_restore (from postgresql-client) in one transaction, then ends the sign-ins and records
    the restore as for SQLite. The store as it was is backed up first (SQLite: beside it;
    PostgreSQL: a pg_dump archive in the data directory), so that the restore can be undone;
    if that backup fails, nothing changes. The restored store's log (`forecast store log`)
    records who restored which backup and where the store as it was is kept."""
    done = restore.restore_store(backup_path, db, data_dir, actor=_operator(as_user))
    if done.path is None:  # a PostgreSQL store: its safety copy is a pg_dump archive
        _echo_postgres_restore(done, db, data_dir, as_json)
        return
    # The store restored into, named as the operator named it, but from any folder.
    store_words = (["--db", f"sqlite:///{done.path}"] if db else []) + (
        ["--data-dir", str(done.path.parent)] if data_dir else []
    )
    undo, kept = _undo_and_kept(done, store_words, db, data_dir)
    if as_json:
        echo_json({"path": str(done.path), **_restored(done, undo, kept)})
        return
    servers = (
        "There was no store file: servers running on this store (its file moved or deleted) "
        "keep the one they opened and take no writes; restart them to show the restored data"
        if done.made_the_file
        else "Servers running on this store show the restored data from their next request on"
    )
    typer.echo(
        f"restored {done.source} into {done.path}: {done.plans} plan(s), {done.accounts} "
        f"account(s). {servers}, and everyone signed in there signs in again"
    )
    if undo is not None:
        typer.echo(f"the store as it was is kept in {done.safety_copy}: `{undo}` puts it back")
    if kept:
        _echo_kept(kept, db, data_dir, store_words)


def _undo_and_kept(
    done: Any, store_words: list[str], db: str | None, data_dir: Path | None
) -> tuple[str | None, list[Any]]:
    """The command that puts the restored store's safety copy back (None without one), and the
    safety copies kept beside the store."""
    undo = None
    if done.safety_copy is not None:
        undo = shlex.join(["forecast", "store", "restore", str(done.safety_copy), *store_words])
    return undo, safety_copies.safety_copies(db, data_dir)


def _restored(done: Any, undo: str | None, kept: list[Any]) -> dict[str, Any]:
    """What `store restore --json` says of any restore, after where it restored into."""
    return {
        "source": str(done.source),
        "plans": done.plans,
        "accounts": done.accounts,
        "safety_copy": None if done.safety_copy is None else str(done.safety_copy),
        "undo": undo,
        "safety_copies": [copy.to_dict() for copy in kept],
    }


def _echo_kept(
    kept: list[Any], db: str | None, data_dir: Path | None, store_words: list[str]
) -> None:
    """The safety copies kept beside the store, and the command that deletes the old ones."""
    _echo_copies(kept, db, data_dir)
    delete = shlex.join(
        ["forecast", "store", "safety-copies", "--delete-older-than", "DAYS", *store_words]
    )
    others = " other" if any(copy.note for copy in kept) else ""
    typer.echo(
        f"each holds what a backup holds; `{delete}` deletes the{others} copies made more than "
        "DAYS days ago"
    )


def _echo_postgres_restore(done: Any, db: str | None, data_dir: Path | None, as_json: bool) -> None:
    # the store as the operator named it, without a password
    store_words = (["--db", pg_commands.url_without_password(db)] if db else []) + (
        ["--data-dir", str(data_dir)] if data_dir else []
    )
    undo, kept = _undo_and_kept(done, store_words, db, data_dir)
    if as_json:
        echo_json({"path": None, "store": done.store, **_restored(done, undo, kept)})
        return
    typer.echo(
        f"restored {done.source} into {done.store}: {done.plans} plan(s), {done.accounts} "
        "account(s). Servers running on this store show the restored data from their next "
        "request on, and everyone signed in there signs in again"
    )
    if undo is not None:
        typer.echo(
            f"the store as it was is kept in {done.safety_copy}: `{undo}` puts it back "
            f"({pg_commands.by_hand_supply(store_factory.resolve_db_url(db, data_dir))})"
        )
    if kept:
        _echo_kept(kept, db, data_dir, store_words)


def _where_copies_are(db: str | None, data_dir: Path | None) -> str:
    """``beside the store`` (SQLite), or the data directory a PostgreSQL store's restores keep
    their pg_dump copies in (of each database restored with it: their names say which)."""
    if store_factory.sqlite_file(db, data_dir) is not None:
        return "beside the store"
    return f"in the data directory {safety_copies.safety_copies_folder(db, data_dir)}"


def _echo_copies(copies: list[Any], db: str | None, data_dir: Path | None) -> None:
    size = sum(copy.bytes for copy in copies) / 1024 / 1024
    where = _where_copies_are(db, data_dir)
    typer.echo(f"safety copies {where} ({len(copies)}, {size:,.1f} MB in all):")
    for copy in copies:
        made = copy.made.strftime("%Y-%m-%d %H:%M:%S UTC")
        note = f" ({copy.note})" if copy.note else ""
        typer.echo(f"  {made}  {copy.bytes / 1024 / 1024:>9,.1f} MB  {copy.path}{note}")
    if any(copy.note for copy in copies):
        typer.echo(
            "copies named forecast-before-restore-*.dump (an earlier release's, of any "
            "database) are never deleted by "
            "--delete-older-than: check the database noted beside each and delete them by hand"
        )


@store_app.command("safety-copies")
def safety_copies_cmd(
    delete_older_than: Annotated[
        int | None,
        typer.Option(
            "--delete-older-than",
            metavar="DAYS",
            min=1,
            help="Delete the safety copies made more than DAYS days ago (recorded in the store "
            "log).",
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who deletes, for the store log (default: $FORECAST_USER or your login name).",
        ),
    ] = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The copies of the store as it was that restores kept beside it
    (forecast-before-restore-<time>.db), oldest first, with their sizes and dates; with
    --delete-older-than, delete those made more than DAYS days ago. Only files named so in the
    store's folder are listed or deleted. A PostgreSQL store: the pg_dump copies its restores
    keep in the data directory, of that database only (forecast-<database>-<hash>-before-restore-
    <time>.dump); copies an earlier release named without the database
    (forecast-before-restore-<time>.dump) are listed for every database, marked with the
    database their archive names (its server it does not name) or as of a database unknown, and
    never deleted with --delete-older-than (delete them by hand)."""
    dropped = None
    if delete_older_than is not None:
        dropped = safety_copies.drop_safety_copies(
            delete_older_than, db, data_dir, actor=_operator(as_user)
        )
    kept = safety_copies.safety_copies(db, data_dir)
    if as_json:
        echo_json(
            {
                "deleted": None if dropped is None else [c.to_dict() for c in dropped],
                "kept": [c.to_dict() for c in kept],
            }
        )
        return
    if dropped is not None:
        size = sum(copy.bytes for copy in dropped) / 1024 / 1024
        typer.echo(
            f"deleted {safety_copies.copies_phrase(len(dropped))} made more "
            f"than {delete_older_than} day(s) ago ({size:,.1f} MB)"
            + "".join(f"\n  {copy.path}" for copy in dropped)
        )
    if kept:
        _echo_copies(kept, db, data_dir)
    else:
        typer.echo(f"no safety copies {_where_copies_are(db, data_dir)}")


def _operator(as_user: str | None) -> str:
    """Who the store log names for a restore: --as, $FORECAST_USER or the login name."""
    return named_user(as_user) or restore_record.COMMAND_LINE


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
        rows = safety_copies.store_log(store, limit=limit)
    finally:
        store.close()
    if as_json:
        echo_json([r.__dict__ for r in rows])
        return
    if not rows:
        typer.echo("nothing recorded in the store log yet (a restore of a backup is)")
    for r in rows:
        typer.echo(f"{r.at}  {r.actor}  {r.what}")
