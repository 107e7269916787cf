"""`forecast store backup`: the plan store itself (a consistent copy while servers run)."""

from __future__ import annotations

from typing import Annotated

import typer

from forecast.cli.common import DataDirOpt, DbOpt, JsonOpt, echo_json
from forecast.cli.conventions import lazy_module

backup = lazy_module("forecast.services.backup")

store_app = typer.Typer(
    help="The plan store itself: backups (restore: README, section Backups).",
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
