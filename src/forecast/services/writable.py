"""Whether this process may write where a server writes: the store's SQLite file (and its folder,
where SQLite keeps its journal) or its PostgreSQL tables, and the folders of its caches.

Checked when `forecast serve` starts, so that a store or cache the service user may not write is
refused then, naming the file and the fix, instead of a server that answers its health check and
fails every sign-in. Each check writes for real (and takes it back): the permission bits do not
tell the whole story (a read-only mount, an ACL, a process with or without root's rights; on
PostgreSQL, grants to the role or its groups, a read-only session or a standby server).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from forecast.services.errors import Invalid, Unavailable
from forecast.services.store_factory import open_store, without_password
from forecast.store import (
    PlanRepository,
    WriteRefusal,
    not_writable,
    running_as,
    sql_name,
    sqlite_file_of,
    sqlite_readonly,
    writable_fix,
)

PROBE_TABLE = "forecast_write_check"
PROBE_WAIT_SECONDS = 5.0
"""How long the check waits for another writer of the store; a busy store is not a refusal."""


def sqlite_problem(file: Path) -> str | None:
    """Why this process may not write the SQLite `file` (None: it may, or there is no file yet:
    opening the store makes it, and says so when its folder is not writable). A table is made in
    a transaction that is rolled back: nothing stays in the file."""
    if not file.is_file():
        return None
    try:
        conn = sqlite3.connect(str(file), timeout=PROBE_WAIT_SECONDS, isolation_level=None)
    except sqlite3.Error as exc:
        return f"{not_writable(file, exc)}; {writable_fix(file)}"
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"CREATE TABLE {PROBE_TABLE} (x)")
    except sqlite3.Error as exc:
        if sqlite_readonly(exc):
            return f"{not_writable(file, exc)}; {writable_fix(file)}"
        return None  # busy, or not a database: opening the store says what is wrong with it
    finally:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        conn.close()
    return None


def refuse_read_only_url(url: str | None) -> None:
    """Raise ``Invalid`` when `url` opens a SQLite store read-only (a URI filename with
    ``mode=ro`` or ``immutable=1``): a server writes to its store at every sign-in, so it cannot
    serve one; the message gives the URL of the same file to serve, and the command line's way
    to look at a store without writing to it."""
    if not url:
        return
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is no number, whose text
        return  # int() would say back (a password's part); opening the store says what is wrong
    file = sqlite_file_of(parsed)
    query = {key: str(value).lower() for key, value in parsed.query.items()}
    if file is None or query.get("uri") not in {"true", "1"}:
        return
    if query.get("mode") == "ro":
        how = "mode=ro"
    elif query.get("immutable") in {"1", "true"}:
        how = "immutable=1"
    else:
        return
    raise Invalid(
        f"the store URL {without_password(url)} opens the SQLite file {file} read-only ({how}), "
        "and the dashboard writes to its store (every sign-in, every edit); serve the file by "
        f"its plain URL, --db sqlite:///{file} (or --data-dir {file.parent} when it is named "
        "forecast.db there), and let the accounts' roles decide who may change what; to look at "
        f"the store without writing to it, use the command line: forecast plan list --db {url}"
    )


def database_problem(url: str, store: PlanRepository | None = None) -> str | None:
    """Why this process may not write the store's tables in the database server at `url` (None:
    it may). Each table is written to in a transaction that is rolled back: nothing changes. A
    store that cannot be opened raises what opening it says; `store`, when given, is the store
    at `url` already open (left open), else it is opened and closed here."""
    if store is not None:
        refusal = store.write_refusal()
    else:
        opened = open_store(url)
        try:
            refusal = opened.write_refusal()
        finally:
            opened.close()
    return None if refusal is None else refused_writes(without_password(url), refusal)


def refused_writes(url: str, refusal: WriteRefusal) -> str:
    """The refusal, naming the store's `url` (without its password), and the fix."""
    said = (
        f"the PostgreSQL store at {url} takes no writes from this server: the database refused "
        f"to {refusal.statement} into the table {refusal.table} ({refusal.reason})"
        if refusal.statement == "INSERT"
        else f"the PostgreSQL store at {url} takes no writes from this server: the database "
        f"refused to {refusal.statement} the table {refusal.table} ({refusal.reason})"
    )
    role, schema = sql_name(refusal.role), sql_name(refusal.schema)
    if refusal.read_only:
        return (
            f"{said}; its sessions are read-only: turn default_transaction_read_only off where "
            f"it is set (ALTER ROLE {role} SET default_transaction_read_only = off, the same for "
            "the database, or the URL's options), or, if the server is a standby, give the URL "
            "of the primary"
        )
    return (
        f"{said}; the role {role} may not write the store: the database's owner grants it the "
        f"tables (GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO "
        f"{role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}), or give the "
        "server the URL of a role that may write them (--db or FORECAST_DB_URL)"
    )


def folder_problem(folder: Path) -> str | None:
    """Why this process may not make files in `folder` (made if missing); None when it may."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".forecast-write-check-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        return (
            f"the folder {folder} is not writable ({exc.strerror or exc}); check that user "
            f"{running_as()} may write it: its owner and permissions"
        )
    return None


def refuse_unwritable(
    store_file: Path | None,
    folders: Sequence[Path],
    other_files: Sequence[Path] = (),
    *,
    database: str | None = None,
    store: Callable[[], PlanRepository] | None = None,
) -> None:
    """Raise ``Unavailable`` naming the first place this process may not write (the store's
    SQLite file, or the tables of the store in the `database` server at that URL, then each
    folder, then the other SQLite files, e.g. a cache's), with the fix; nothing happens when it
    may write them all (or they do not exist yet). `store` gives the store of `database` that
    the caller keeps open (so a server opens it once), else it is opened for the check alone."""
    if store_file is not None:
        problem = sqlite_problem(store_file)
    elif database is not None:
        problem = database_problem(database, None if store is None else store())
    else:
        problem = None
    for folder in folders:
        problem = problem or folder_problem(folder)
    for file in other_files:
        problem = problem or sqlite_problem(file)
    if problem:
        raise Unavailable(problem)
