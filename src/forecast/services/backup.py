"""A backup of the plan store while servers run: ``backup_store(target, db_url, data_dir)``, and
its restore, also while servers run: ``restore_store(backup, db_url, data_dir)``.

The SQLite store runs in WAL mode: a committed change lives in ``forecast.db-wal`` until a
checkpoint moves it into ``forecast.db``, so copying the file alone (``cp forecast.db``) gives a
store that silently lacks the latest changes. The backup reads the store through SQLite's online
backup API instead: one consistent snapshot of every committed change (the WAL's included; a
transaction still open elsewhere is not in it), taken while servers go on reading and writing.

The copy is written to a temporary file in the target's folder, checked, synced and then renamed
onto the target, so a full disk or a failure half-way leaves no half-written file under the
target's name. An existing file is replaced only when asked.

A restore writes the backup into the store's own file through the same API, in one write
transaction: servers that hold the store open read the restored store from their next read on
(replacing the file under them instead leaves them reading the old one, through the write-ahead
log they keep open, and other processes waiting on their locks). The backup is first copied
beside the store and checked (a file that is not a sound plan store, or whose plans' documents
and data are not as they were written, is refused before anything changes), brought up to this
version's tables, given a new store generation (caches keyed by it drop what they read before
the restore: restored version numbers repeat with other contents),
given the store's own installation keys (a restore replaces the plans, not the installation: the
servers running through it keep signing cookies with the key they read when they started, and
the bundles this installation exported still verify, also where the backup has no keys, made
before its first serve or export, or another installation's) and its open sign-ins ended; a
failure of the copy into the store rolls it back, and so does another connection holding the
store's write lock longer than ``BUSY_SECONDS``. Before that copy, the store as it is is backed
up beside it (``forecast-before-restore-<time>.db``), so that a mistaken restore can be undone
by restoring that file; servers go on saving meanwhile, and once the copy's write transaction
holds the store's write lock, before it commits, the store is backed up again if a change was
committed since (``PRAGMA data_version``, rare): no change can be committed between that check
and the restore (a server's write waits for the restore, and then meets the restored store),
and when that copy cannot be made (too little space, a damaged store), nothing is restored.

A PostgreSQL store is backed up with PostgreSQL's own pg_dump (``pg_dump_command`` says how, for
the store's tables in the URL's database, without its password), and restored by ``restore_store``, which puts back
only the store's own entries of the archive (an archive with a function, a trigger, a view or
another schema or table is refused), after a pg_dump of the store's tables as they are into the
data directory (``forecast-<db>-<hash>-before-restore-<time>.dump``), by pg_restore (in one
transaction, its SQL fenced off from psql's own commands: `_refuse_unfenced_tools`), and
then does in the restored database what the SQLite restore does in its copy
(``_after_restore``: the store's installation keys, a new store generation, its sign-ins ended,
the store log's row).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import secrets
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from forecast.plan import PlanState, utc_now
from forecast.services.errors import (
    Conflict,
    Invalid,
    NotFound,
    ServiceError,
    Unavailable,
    reason_of,
)
from forecast.services.store_factory import (
    DB_FILENAME,
    cannot_open,
    default_data_dir,
    is_shown_setting,
    open_store,
    resolve_db_url,
    sqlite_file,
    without_password,
)
from forecast.store import (
    CONNECT_TIMEOUT_SECONDS,
    DAMAGED_DOCUMENT,
    STORE_GENERATION,
    PlanRepository,
    SqlStore,
    StoreLogEntry,
    content_hash,
    holds_plans,
    logged_actor,
    metadata,
    quote_ident,
    refuse_another_programs_database,
    shown_tables,
    sql_name,
    sqlite_answer,
    sqlite_connection,
    sqlite_tables,
)

COMMAND_LINE = "command line"
"""Who the store log names for a restore when no one is named."""

PAGES_PER_STEP = 1024
"""Pages the backup copies per step from a store in rollback mode, where a reader blocks writers:
between steps a writer gets its turn (and the backup starts over after it wrote). A store in WAL
mode, as every opened store is, is copied in one step: its writers go on beside the reader,
and a copy in steps would start over at every write and, on a store written to every moment,
never end."""

BUSY_SECONDS = 30.0
"""How long a restore waits for the store's write lock, which another connection may hold (a
long write, a stuck server), before it gives up and changes nothing."""

_BUSY_ANSWERS = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_DAMAGED_ANSWERS = (sqlite3.SQLITE_CORRUPT,)


@dataclass(frozen=True)
class Backup:
    """A backup written: where, from which store, its size."""

    path: Path
    source: Path
    bytes: int
    replaced: bool


def backup_store(
    target: str | Path,
    db_url: str | None = None,
    data_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
) -> Backup:
    """Write a consistent copy of the SQLite store at `db_url` / `data_dir` to `target` (a file,
    or a folder: ``forecast.db`` in it; a target ending in a separator is a folder, made if it is
    missing but its parent is there). Refuses an existing target unless `overwrite`, a
    PostgreSQL store (``pg_dump_command`` says how), a store that is not there."""
    source = sqlite_file(db_url, data_dir)
    if source is None:
        url = resolve_db_url(db_url, data_dir)
        raise Invalid(
            "the plan store is a PostgreSQL database, which this command does not copy; back it "
            f"up with PostgreSQL's own tool: {pg_dump_command(url, target)} "
            f"({by_hand_supply(url)}); `forecast store restore {target} --db URL` puts it back"
        )
    if not source.is_file():
        raise NotFound(
            f"there is no plan store in {source.parent} to back up (no {source.name}): give the "
            "right --data-dir or --db"
        )
    path = Path(target).expanduser()
    made_folder = None
    if _names_a_folder(target) and not path.is_dir() and path.parent.is_dir():
        if path.exists():
            raise Invalid(
                f"{path} is a file, not a folder; nothing was written: name a folder, or the "
                "file without the trailing separator"
            )
        try:
            path.mkdir()
        except OSError as exc:
            raise Invalid(
                f"cannot make the folder {path} ({exc.strerror}); choose a folder you may write in"
            ) from exc
        made_folder = path
    try:
        return _backup_into(source, path, overwrite=overwrite)
    except BaseException:
        if made_folder is not None:
            with contextlib.suppress(OSError):  # only while empty: nothing of another's is lost
                made_folder.rmdir()
        raise


def _backup_into(source: Path, path: Path, *, overwrite: bool) -> Backup:
    if path.is_dir():
        path = path / DB_FILENAME
    path = path.absolute()
    if path.resolve() == source.resolve():
        raise Invalid(f"{path} is the plan store itself; back it up to another file")
    folder = path.parent
    if not folder.is_dir():
        raise Invalid(f"there is no folder {folder} to write the backup in; create it first")
    replaced = path.exists()
    if replaced and not overwrite:
        raise Conflict(
            f"{path} exists already; nothing was written. Choose another file, or pass "
            "--overwrite to replace it"
        )
    if replaced and not path.is_file():
        raise Invalid(f"{path} exists and is not a file; choose another path")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise Invalid(
            f"cannot write in {folder} ({exc.strerror}); choose a folder you may write in"
        ) from exc
    os.close(handle)
    temp = Path(temp_name)
    try:
        _copy(source, temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return Backup(path=path, source=source, bytes=path.stat().st_size, replaced=replaced)


def _names_a_folder(target: str | Path) -> bool:
    """`/backups/2026-12-06/` names a folder, even one not made yet (Path drops the slash)."""
    text = os.fspath(target)
    return text.endswith(os.sep) or bool(os.altsep and text.endswith(os.altsep))


def _pages_per_step(source: sqlite3.Connection) -> int:
    """All pages in one step (-1) from a store in WAL mode, `PAGES_PER_STEP` otherwise."""
    mode = source.execute("PRAGMA journal_mode").fetchone()
    return -1 if mode and str(mode[0]).lower() == "wal" else PAGES_PER_STEP


def _copy(source: Path, temp: Path) -> None:
    """The store's committed state into `temp` through the online backup API, then checked and
    made durable; a failure (disk full, the store locked too long) leaves `temp` to be removed."""
    try:
        # Read-write, not read-only: a reader of a WAL store needs its -shm (the file is never
        # created here: mode=rw).
        src = sqlite_connection(source, "rw")
    except sqlite3.Error as exc:
        raise Unavailable(
            f"cannot read the plan store {source}: {exc}; nothing was written"
        ) from exc
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst, pages=_pages_per_step(src))
            # One self-contained file: the copy needs no -wal beside it (the store switches it to
            # WAL again when it is opened as a store).
            dst.execute("PRAGMA journal_mode=DELETE")
            copy_problem = _check_problem(dst)
            if copy_problem:
                source_problem = _check_problem(src)
                if source_problem:
                    raise Unavailable(
                        f"the plan store {source} is itself damaged ({source_problem}); nothing "
                        "was written, so the backups you have stay as they are: stop the "
                        "servers and restore the last good one (README, section Backups)"
                    )
                raise Unavailable(
                    f"the copy failed SQLite's check ({copy_problem}); nothing was written: "
                    "try again"
                )
        finally:
            dst.close()
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
    except sqlite3.Error as exc:
        text = str(exc)
        if "full" in text.lower():
            raise Unavailable(
                f"the disk of {temp.parent} is full ({text}); nothing was written: free space "
                "or choose another place"
            ) from exc
        raise Unavailable(
            f"the backup of {source} failed ({text}); nothing was written: try again"
        ) from exc
    except OSError as exc:
        raise Unavailable(
            f"writing the backup in {temp.parent} failed ({exc.strerror}); nothing was written"
        ) from exc
    finally:
        src.close()


def _check_problem(conn: sqlite3.Connection) -> str | None:
    """SQLite's quick check of a database: None when it is sound, else its first finding."""
    try:
        found = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if found and found[0][0] == "ok":
        return None
    # A row may hold several findings, one a line, under a "*** in database main ***" heading.
    findings = [
        line
        for row in found
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    more = f" and {len(findings) - 1} more" if len(findings) > 1 else ""
    return f"{findings[0]}{more}" if findings else "no answer"


def _sync_folder(folder: Path) -> None:
    """The rename made durable (where the system lets a folder be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Restore:
    """A backup restored: into which store, from which file, what the store now holds, and the
    backup of the store as it was before (None when there was no store)."""

    path: Path | None
    source: Path
    plans: int
    accounts: int
    safety_copy: Path | None
    store: str = ""
    """The store restored into, as shown: its file, or a PostgreSQL URL without its password
    (`path` None)."""
    made_the_file: bool = False
    """There was no store file, and the restore made it: servers running on that store (its
    file moved or deleted) keep the file they opened, take no writes, and show the restored
    plans only once restarted (a PostgreSQL store: never)."""

    def __post_init__(self) -> None:
        if not self.store and self.path is not None:
            object.__setattr__(self, "store", str(self.path))


def restore_store(
    backup: str | Path,
    db_url: str | None = None,
    data_dir: str | Path | None = None,
    *,
    actor: str = COMMAND_LINE,
) -> Restore:
    """Put the backup `backup` (a file `backup_store` wrote, or a folder with ``forecast.db``)
    in place of the SQLite store at `db_url` / `data_dir`, while servers may hold that store
    open: they serve the restored plans from their next request on. A file that is not a sound
    plan store is refused and nothing changes; a PostgreSQL store takes a pg_dump archive
    (`_restore_postgres`, whose copy of the store as it was is a pg_dump archive in the data
    directory).
    The store as it was is backed up beside it first (`Restore.safety_copy`); if that fails,
    nothing changes. The restored store's log (``store_log``) records the restore: `actor`,
    the backup, and where the store as it was is kept."""
    target = sqlite_file(db_url, data_dir)
    if target is None:
        return _restore_postgres(
            Path(backup).expanduser(), resolve_db_url(db_url, data_dir), actor, data_dir
        )
    source = Path(backup).expanduser()
    if source.is_dir():
        source = source / DB_FILENAME
    if not source.is_file():
        raise NotFound(f"there is no backup {source}; nothing was changed")
    target = target.absolute()
    if target.exists() and source.resolve() == target.resolve():
        raise Invalid(f"{source} is the plan store itself; restore a backup of it")
    refuse_another_programs_database(target)
    made_folders = [
        folder for folder in (target.parent, *target.parent.parents) if not folder.exists()
    ]
    resolve_db_url(db_url, data_dir)  # makes the data directory of a new store
    made_the_file = not target.exists()  # a server keeps the file it had
    try:
        return dataclasses.replace(
            _restore_into(source, target, actor), made_the_file=made_the_file
        )
    except BaseException:
        for folder in made_folders:  # deepest first, each only while empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _restore_into(source: Path, target: Path, actor: str) -> Restore:
    _refuse_too_little_space(target, source)
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.restore.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise Invalid(
            f"cannot write in {target.parent} ({exc.strerror}); nothing was changed"
        ) from exc
    os.close(handle)
    temp = Path(temp_name)
    kept: list[Path | None] = []
    safety_path: Path | None = None
    generation: str | None = None
    try:
        # Named before the copy is prepared: the restore's row in the store log names it.
        safety_path = _safety_copy_path(target) if _holds_a_store(target) else None
        prepared = _prepared_copy(
            source,
            temp,
            _page_size(target),
            _installation_keys(target),
            _Record(actor, safety_path),
        )
        generation = prepared.generation
        with contextlib.ExitStack() as watching:
            watch = None
            if safety_path is not None:
                _switch_to_wal_mode(target)
                watch = watching.enter_context(_ChangeWatch(target))

            def keep_the_store_as_it_is() -> None:  # while the restore holds the write lock
                if safety_path is not None and watch is not None:
                    kept[0] = _kept_up_to_date(target, source, safety_path, kept[0], watch)
                elif _became_a_store(target):
                    raise Conflict(
                        f"a plan store was made in {target} while the restore began (a server "
                        "started on it?); nothing was restored: restore again, which keeps a "
                        "copy of that store first"
                    )
                else:
                    kept.append(None)

            if safety_path is not None:  # the bulk of the copy, before the write lock
                kept.append(_keep_the_store_as_it_is(target, source, safety_path))
            _write_into_store(temp, target, while_locked=keep_the_store_as_it_is)
        if safety_path is not None and kept[0] is None:  # no store to keep after all
            safety_path.unlink(missing_ok=True)
    except BaseException:
        if safety_path is not None and (
            generation is None or not _holds_generation(target, generation)
        ):
            safety_path.unlink(missing_ok=True)  # the store is as it was: not needed
        raise
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return Restore(target, source.absolute(), prepared.plans, prepared.accounts, kept[0])


def _holds_generation(target: Path, generation: str) -> bool:
    """Whether the store is in `generation`, the restored copy's (True where that cannot be read:
    the copy of the store as it was is kept then)."""
    try:
        with _opened(target, "rw") as conn:
            found = conn.execute(
                "SELECT value FROM installation WHERE name = ?", (STORE_GENERATION,)
            ).fetchone()
    except sqlite3.Error:
        return True
    return found is not None and found[0] == generation


SAFETY_COPY_MARK = "before-restore"
"""In the name of the backup a restore makes of the store it replaces:
``forecast-before-restore-2026-12-06T153012Z.db``."""


def _keep_the_store_as_it_is(target: Path, source: Path, path: Path) -> Path | None:
    """A backup of the store that the restore replaces, beside it, in `path` (None: there is no
    store, so nothing to keep); if none can be made, the restore is refused."""
    if not _holds_a_store(target):
        return None
    try:
        # Replaces only the copy this restore made before its write lock (the name is its own).
        return _backup_into(target, path, overwrite=path.is_file()).path
    except ServiceError as exc:
        _refuse_too_little_space(target, source)
        problem = _store_problem(target)
        if problem:
            raise _damaged_store(target, problem) from exc
        raise Unavailable(
            f"no copy of the store as it is could be kept before the restore replaces it "
            f"({exc}); nothing was restored"
        ) from exc


def _kept_up_to_date(
    target: Path, source: Path, path: Path, kept: Path | None, watch: _ChangeWatch
) -> Path | None:
    """The copy of the store as it is, `kept` before the restore's write lock, made again while
    the restore holds that lock if a change was committed since (rare): so the copy holds every
    change committed before the restore."""
    if not watch.changed():
        return kept
    return _keep_the_store_as_it_is(target, source, path)


class _ChangeWatch:
    """Whether a change was committed into the store since the watch began (SQLite's
    ``PRAGMA data_version``, read on a connection kept open across): the copy of the store as it
    is, made before the restore's write lock, is made again under that lock only then."""

    def __init__(self, target: Path) -> None:
        self._conn: sqlite3.Connection | None = None
        self._began: int | None = None
        try:
            self._conn = sqlite_connection(target, "rw")
            self._began = self._version()
        except sqlite3.Error:  # unreadable: changed() answers True, and the copy is made again
            self._began = None

    def _version(self) -> int:
        assert self._conn is not None
        # fetchall: the statement runs to its end, so no read transaction stays open.
        return int(self._conn.execute("PRAGMA data_version").fetchall()[0][0])

    def changed(self) -> bool:
        if self._conn is None or self._began is None:
            return True
        try:
            return self._version() != self._began
        except sqlite3.Error:
            return True

    def __enter__(self) -> _ChangeWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()


def _damaged_store(target: Path, problem: str) -> Unavailable:
    return Unavailable(
        f"the plan store {target} is damaged ({problem}), so no copy of it as it is can be "
        "kept before the restore replaces it; nothing was restored. To restore anyway: stop "
        f"the servers, move {target.name}, {target.name}-wal and {target.name}-shm out of "
        f"{target.parent} (that keeps the store as it was), then restore again"
    )


def _holds_a_store(target: Path) -> bool:
    """Whether the file holds a store to keep a copy of: a file with tables (or one SQLite
    cannot read: damaged, it is kept, or refused, as a store)."""
    return target.is_file() and _has_tables(target) is not False


def _switch_to_wal_mode(target: Path) -> None:
    """The store made ready to be copied as it is while the restore holds its write lock, which
    keeps other readers out of a file in rollback mode, not of one in WAL mode. A store in
    rollback mode (a backup put in place by hand and not opened since: opening a store switches
    it to WAL) is switched to WAL here, as opening it does; a damaged one is refused as it is."""
    # Unreadable: the check below says why.
    with contextlib.suppress(sqlite3.Error), _opened(target, "rw") as conn:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
    problem = _store_problem(target)
    if problem:
        raise _damaged_store(target, problem)
    try:
        with _opened(target, "rw") as conn:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.Error as exc:
        mode = str(exc)
    if mode != "wal":
        raise Unavailable(
            f"the plan store {target} could not be switched to WAL mode ({mode}), which the "
            "copy of it as it is needs while the restore replaces it; nothing was restored: try "
            "again, or start a server on it once and restore then"
        )


def _became_a_store(target: Path) -> bool:
    """Whether a store was made in the file since `_holds_a_store` found none (a
    server started on an empty data directory meanwhile), read while the restore holds the write
    lock, without waiting: a file that lock keeps readers out of is in rollback mode, and a store
    a server makes is in WAL mode."""
    return _has_tables(target, wait=0) is True


def _has_tables(target: Path, *, wait: float = 30.0) -> bool | None:
    """Whether the SQLite file has tables (an empty file, or a database without tables: no);
    None when SQLite cannot read it (damaged, or locked past `wait` seconds)."""
    try:
        with contextlib.closing(sqlite_connection(target, "rw", timeout=wait)) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone()
    except sqlite3.Error:
        return None
    return found is not None


_STAMP = "%Y-%m-%dT%H%M%SZ"


def _utc_stamp() -> str:
    """The time in the name of a safety copy, to the second (UTC)."""
    return time.strftime(_STAMP, time.gmtime())


def _safety_copy_path(target: Path) -> Path:
    """A name for the safety copy, reserved by an empty file made here (none of that name
    before): two restores within a second, one naming its copy while the other prepares, take
    ``-2``, ``-3`` and so on. The copy replaces that file; a restore that fails removes it."""
    name = f"{target.stem}-{SAFETY_COPY_MARK}-{_utc_stamp()}"
    path, number = target.with_name(f"{name}{target.suffix}"), 2
    while True:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            path, number = target.with_name(f"{name}-{number}{target.suffix}"), number + 1
            continue
        except OSError as exc:
            raise Invalid(
                f"cannot write in {target.parent} ({exc.strerror}); nothing was changed"
            ) from exc
        return path


@dataclass(frozen=True)
class SafetyCopy:
    """A copy of the store as it was that a restore kept beside it: its file, size, and when the
    restore made it (from its name)."""

    path: Path
    bytes: int
    made: datetime
    database_unknown: bool = False
    """A PostgreSQL store's copy named by an earlier release, without the database's tag, whose
    archive does not say of which database either (pg_restore cannot read it): listed with every
    database's, deleted by none (`drop_safety_copies`)."""
    archive_database: str | None = None
    """The database an untagged copy's archive names (its header; not the server, which it does
    not name): listed with every database's, deleted by none, for another server's database of
    that name may be the one it is of."""
    another_database: bool = False
    """`archive_database` is not the database the copies were listed for."""

    @property
    def note(self) -> str:
        """What is known of an untagged copy's database, in words ("" for a tagged copy)."""
        if self.database_unknown:
            return "database unknown"
        if self.archive_database is None:
            return ""
        if self.another_database:
            return f"of database {self.archive_database}"
        return f"database {self.archive_database}, server unknown"

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the store log's details and the CLI's JSON."""
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "made": self.made.isoformat(),
            "database_unknown": self.database_unknown,
            "archive_database": self.archive_database,
            "note": self.note,
        }


def store_log(store: PlanRepository, *, limit: int | None = None) -> list[StoreLogEntry]:
    """What was done to the store itself, newest first: the restores of a backup into it (who,
    when, where the store as it was is kept) and the safety copies dropped."""
    return store.store_log(limit=limit)


def safety_copies(
    db_url: str | None = None, data_dir: str | Path | None = None
) -> list[SafetyCopy]:
    """The copies restores kept of the store at `db_url` / `data_dir`, oldest first: the files
    named as a restore names them, nothing else: beside a SQLite store
    (``forecast-before-restore-<UTC time>[-n].db``), in the data directory for a PostgreSQL
    store (``forecast-<database's tag>-before-restore-<UTC time>[-n].dump``: `_pg_copies_folder`,
    `pg_copy_name`, with those an earlier release named without the tag: `_untagged_pg_copies`)."""
    target = _copies_target(db_url, data_dir)
    if not target.parent.is_dir():
        return []
    found = _safety_copies_of(target)
    if sqlite_file(db_url, data_dir) is None:
        untagged = _untagged_pg_copies(target.parent, resolve_db_url(db_url, data_dir))
        found = sorted([*found, *untagged], key=lambda copy: copy.made)  # stable: by name's -n
    return found


def _untagged_pg_copies(folder: Path, url: str) -> list[SafetyCopy]:
    """The copies an earlier release kept in the data directory `folder`, named without the
    database's tag (``forecast-before-restore-<time>.dump``), each with what its archive says of
    its database (pg_restore --list's header: the database's name, never the server's): the
    database of `url`'s name (`SafetyCopy.archive_database`: another server's of that name may
    be the one), another database (`SafetyCopy.another_database`: listed here too, for that
    database may be dropped or renamed, or no URL names it), or a database unknown
    (`SafetyCopy.database_unknown`: pg_restore cannot read it, or is not installed). All are
    listed for every database, and deleted by hand only (`drop_safety_copies`)."""
    if not folder.is_dir():
        return []
    database = make_url(url).database or ""
    program = shutil.which("pg_restore")
    found = []
    for copy in _safety_copies_of(folder / PG_SAFETY_COPY_NAME):
        named = None if program is None else _archive_database(program, copy.path)
        if named is None:
            found.append(SafetyCopy(copy.path, copy.bytes, copy.made, database_unknown=True))
        else:
            found.append(
                SafetyCopy(
                    copy.path,
                    copy.bytes,
                    copy.made,
                    archive_database=named,
                    another_database=named != database,
                )
            )
    return found


_PG_ARCHIVE_DATABASE = re.compile(r"^;\s+dbname: (.*)$", re.MULTILINE)
"""The line of pg_restore --list's header that names the database an archive was made of."""


def _archive_database(program: str, archive: Path) -> str | None:
    """The database the pg_dump archive names (its header), None where pg_restore cannot say."""
    try:
        listed = subprocess.run(
            [program, "--list", os.fspath(archive)], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _PG_ARCHIVE_DATABASE.search(listed.stdout) if listed.returncode == 0 else None
    return found.group(1) if found else None


def safety_copies_folder(db_url: str | None = None, data_dir: str | Path | None = None) -> Path:
    """The folder `safety_copies` lists: the SQLite store's, or the data directory that a
    PostgreSQL store's restores keep their copies in."""
    return _copies_target(db_url, data_dir).parent


def _copies_target(db_url: str | None, data_dir: str | Path | None) -> Path:
    """The file whose name a restore's copies of the store are named after (the SQLite store's;
    for a PostgreSQL store `PG_SAFETY_COPY_NAME` in its copies' folder), absolute."""
    target = sqlite_file(db_url, data_dir)
    if target is None:
        return _pg_copies_folder(data_dir) / pg_copy_name(resolve_db_url(db_url, data_dir))
    return target.absolute()


def _pg_copies_folder(data_dir: str | Path | None) -> Path:
    """Where the restore of a PostgreSQL store keeps its copies: the data directory (`data_dir`,
    else FORECAST_DATA_DIR or the default), whichever database they are of (their names say
    which: `pg_copy_name`)."""
    return (Path(data_dir).expanduser() if data_dir else default_data_dir()).absolute()


def _safety_copies_of(target: Path) -> list[SafetyCopy]:
    named = re.compile(
        rf"{re.escape(target.stem)}-{SAFETY_COPY_MARK}-(\d{{4}}-\d\d-\d\dT\d{{6}}Z)"
        rf"(?:-(\d+))?{re.escape(target.suffix)}"
    )
    found = []
    for path in target.parent.iterdir():
        matched = named.fullmatch(path.name)
        if not matched or path == target or path.is_symlink() or not path.is_file():
            continue
        try:
            made = datetime.strptime(matched.group(1), _STAMP).replace(tzinfo=UTC)
        except ValueError:  # shaped like a stamp but no time (a month 13): not one of ours
            continue
        found.append(
            (made, int(matched.group(2) or 1), SafetyCopy(path, path.stat().st_size, made))
        )
    return [copy for *_, copy in sorted(found, key=lambda row: row[:2])]  # as they were made


SAFETY_COPIES_DROPPED = "delete_safety_copies"
"""The store log's action of safety copies deleted."""


def drop_safety_copies(
    older_than_days: int,
    db_url: str | None = None,
    data_dir: str | Path | None = None,
    *,
    actor: str = COMMAND_LINE,
) -> list[SafetyCopy]:
    """Delete the copies restores kept of the store that were made more than `older_than_days`
    days ago (only files named as a restore names them, beside a SQLite store or in the data
    directory of a PostgreSQL one: `safety_copies`, those of a database unknown left as they
    are, as are all those of an earlier release named without the database's tag, whose server
    cannot be told: `_untagged_pg_copies`), and record which in the store's log; the deleted,
    oldest first."""
    if older_than_days < 1:
        raise Invalid("give the days as a whole number of 1 or more; nothing was deleted")
    target = sqlite_file(db_url, data_dir)
    if target is None:
        url = resolve_db_url(db_url, data_dir)
        shown = without_password(url)
        if _postgres_installation_keys(url, changed="deleted") is None:
            raise NotFound(
                f"there is no plan store in the database {shown}: give the right --db; nothing "
                "was deleted"
            )
        folder = _pg_copies_folder(data_dir)
        copies = folder / pg_copy_name(url)  # this database's only (of this server)
    else:
        if not target.is_file():
            raise NotFound(
                f"there is no plan store in {target.parent} (no {target.name}): give the right "
                "--data-dir or --db; nothing was deleted"
            )
        url, shown, copies = f"sqlite:///{target}", str(target), target.absolute()
    # The store opened (and so checked) first: one that cannot record the deletion (damaged,
    # locked) refuses it before any copy is gone, for they may be all that is left of it.
    try:
        store = open_store(db_url=url)
    except ServiceError as exc:
        raise Unavailable(
            f"the plan store {shown} cannot be opened to record the deletion ({exc}); nothing "
            "was deleted: the safety copies may be what is left of the store"
        ) from exc
    try:
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        dropped = []
        for copy in _safety_copies_of(copies):
            if copy.made < cutoff:
                copy.path.unlink(missing_ok=True)
                dropped.append(copy)
        if dropped:
            try:
                _record_the_dropped(store, dropped, older_than_days, actor)
            except Exception as exc:
                deleted = ", ".join(str(copy.path) for copy in dropped)
                raise Unavailable(
                    f"deleted {copies_phrase(len(dropped))} ({deleted}), but the store log could not "
                    f"record it ({exc})"
                ) from exc
    finally:
        store.close()
    return dropped


def _record_the_dropped(
    store: PlanRepository, dropped: list[SafetyCopy], older_than_days: int, actor: str
) -> None:
    names = ", ".join(copy.path.name for copy in dropped)
    size = _megabytes(sum(copy.bytes for copy in dropped))
    what = (
        f"deleted {copies_phrase(len(dropped))} of the store as it was before a restore, made more "
        f"than {older_than_days} day(s) before, {size} in all: {names}"
    )
    details = {
        "older_than_days": older_than_days,
        "deleted": [copy.to_dict() for copy in dropped],
    }
    store.record_in_store_log(actor, SAFETY_COPIES_DROPPED, what, details)


def copies_phrase(count: int) -> str:
    """``1 safety copy``, ``3 safety copies``."""
    return f"{count} safety cop{'y' if count == 1 else 'ies'}"


def _store_problem(target: Path) -> str | None:
    """SQLite's finding in the store's file when it is damaged, else None."""
    try:
        with _opened(target, "rw") as conn:
            return _check_problem(conn)
    except sqlite3.Error as exc:
        return str(exc)


def _refuse_too_little_space(target: Path, backup: Path) -> None:
    """Refused before anything is written when the store's folder cannot hold what a restore
    writes there: a backup of the store as it is, the backup copied beside it, and the backup's
    pages once more in the store's write-ahead log before they reach the file."""
    if not target.parent.is_dir():
        return
    store_bytes = sum(
        path.stat().st_size for path in (target, Path(f"{target}-wal")) if path.is_file()
    )
    backup_bytes = backup.stat().st_size
    needed = store_bytes + 2 * backup_bytes
    free = shutil.disk_usage(target.parent).free
    if free < needed:
        raise Unavailable(
            f"there is not enough free space in {target.parent} to restore: the restore keeps "
            f"a copy of the store as it is ({_megabytes(store_bytes)}) and writes the backup "
            f"beside it and through the store's log ({_megabytes(backup_bytes)} each), about "
            f"{_megabytes(needed)}, and {_megabytes(free)} are free; nothing was restored: free "
            f"{_megabytes(needed - free)} more there and restore again"
        )


def _megabytes(size: int) -> str:
    """Rounded up: "free 0.1 MB more" where a few bytes are missing, never "0.0 MB"."""
    return f"{math.ceil(size / 1024 / 1024 * 10) / 10:,.1f} MB"


def _opened(path: Path, mode: str) -> contextlib.closing[sqlite3.Connection]:
    """`sqlite_connection`, closed after the block."""
    return contextlib.closing(sqlite_connection(path, mode))


def _page_size(target: Path) -> int | None:
    """The page size of the store's file (a copy into a WAL file must have the same), if any."""
    if not target.is_file():
        return None
    try:
        with _opened(target, "rw") as conn:
            return int(conn.execute("PRAGMA page_size").fetchone()[0])
    except sqlite3.Error:
        return None


@dataclass(frozen=True)
class _Prepared:
    """A backup made ready to go into the store: what it holds, and its new generation."""

    plans: int
    accounts: int
    generation: str


@dataclass(frozen=True)
class _Record:
    """What the restore's row in the store log says beyond the backup: who restored it, and
    where the store as it was is kept (None: there was none)."""

    actor: str
    safety_copy: Path | None
    without_copy: str = "there was no store to keep a copy of"
    """What the row says where `safety_copy` is None."""


def _prepared_copy(
    source: Path,
    temp: Path,
    page_size: int | None,
    keys: dict[str, str] | None,
    record: _Record,
) -> _Prepared:
    """The backup copied into `temp`, checked to be a sound plan store (SQLite's check, and every
    plan's document and data as they were written), brought up to this version's tables, given
    a new generation, the store's installation `keys` in place of the backup's (the backup's
    are kept where `keys` is None: no store could be read) and its sign-ins ended (the sign-ins
    of the store are replaced by the backup's, which must not come back to life), and the
    restore recorded in its store log (`record`), so that the store and the record of how it
    came go in together. `source` itself is only read."""
    refused = f"{source} is not a backup of the plan store"
    try:
        with _opened(source, "ro") as src, _opened(temp, "rw") as copy:
            src.backup(copy)
            problem = _check_problem(copy)
            if problem:
                raise _damaged(source, problem)
            tables = sqlite_tables(copy)
            if not holds_plans(tables):
                raise Invalid(
                    f"{refused} (its tables: {shown_tables(tables)}); nothing was changed: give "
                    "a file that `forecast store backup` wrote"
                )
            code = copy.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"
            ).fetchall()
            if code:  # it would run inside every server's writes; a plan store has none
                held = ", ".join(f"{kind} {name}" for kind, name in code[:5])
                raise Invalid(
                    f"{refused} (it holds {held}, which a plan store never has); nothing was "
                    "changed: give a file that `forecast store backup` wrote"
                )
            problem = _damaged_plan(copy, tables)
            if problem:
                raise _damaged(source, problem)
    except sqlite3.DatabaseError as exc:
        if sqlite_answer(exc) in _DAMAGED_ANSWERS:
            raise _damaged(source, str(exc)) from exc
        if isinstance(exc, sqlite3.OperationalError):  # unreadable, a full disk: not the file
            raise Unavailable(
                f"copying the backup {source} into {temp.parent} failed ({exc}); nothing was "
                "changed"
            ) from exc
        raise Invalid(f"{refused} (SQLite cannot read it: {exc}); nothing was changed") from exc
    _add_this_versions_tables(temp)
    try:
        with _opened(temp, "rw") as copy:
            copy.isolation_level = None  # the transaction below is begun and committed here
            copy.execute("PRAGMA journal_mode=DELETE")
            if page_size and copy.execute("PRAGMA page_size").fetchone()[0] != page_size:
                copy.execute(f"PRAGMA page_size={int(page_size)}")
                copy.execute("VACUUM")
            copy.execute("BEGIN")
            prepared = _after_restore(_sqlite_sql(copy), source, keys, record)
            copy.execute("COMMIT")
    except sqlite3.Error as exc:
        raise Unavailable(
            f"preparing the restore in {temp.parent} failed ({exc}); nothing was changed"
        ) from exc
    return prepared


_Sql = Callable[[str, dict[str, object]], list[tuple[Any, ...]]]
"""A statement run in the restored store's transaction (named parameters, ``:name``): its rows,
none for a statement that returns none. The same statements run on SQLite and PostgreSQL."""


def _sqlite_sql(conn: sqlite3.Connection) -> _Sql:
    return lambda statement, params: conn.execute(statement, params).fetchall()


def _sqlalchemy_sql(conn: sa.Connection) -> _Sql:
    def run(statement: str, params: dict[str, object]) -> list[tuple[Any, ...]]:
        result = conn.execute(sa.text(statement), params)
        return [tuple(row) for row in result] if result.returns_rows else []

    return run


def _after_restore(
    run: _Sql, source: Path, keys: dict[str, str] | None, record: _Record
) -> _Prepared:
    """What every restore does in the restored store, SQLite's and PostgreSQL's alike, in one
    transaction the caller begins and commits: the backup's facts read (`_backup_facts`), the
    store's installation `keys` in place of the backup's (the backup's are kept where `keys` is
    None: no store could be read), a new store generation (caches keyed by it drop what they
    read before: restored version numbers repeat with other contents), its open sign-ins ended
    (the backup's must not come back to life) and the restore recorded in its store log."""
    facts = _backup_facts(run, source)
    generation = secrets.token_hex(16)
    if keys is not None:  # the store's keys only: none of another installation's
        run("DELETE FROM installation", {})
    for name, value in [*(keys or {}).items(), (STORE_GENERATION, generation)]:
        run("DELETE FROM installation WHERE name = :name", {"name": name})
        run(
            "INSERT INTO installation (name, value) VALUES (:name, :value)",
            {"name": name, "value": value},
        )
    run("UPDATE sign_in_sessions SET ended_at = :at WHERE ended_at IS NULL", {"at": time.time()})
    plans = int(run("SELECT count(*) FROM plans", {})[0][0])
    accounts = int(run("SELECT count(*) FROM users", {})[0][0])
    _record_the_restore(run, record, facts, generation, plans, accounts)
    return _Prepared(plans, accounts, generation)


def _backup_facts(run: _Sql, source: Path) -> dict[str, object]:
    """What tells a backup apart, read from its copy before the restore changes it: its path,
    when its file was written, its latest recorded change, and its store generation (None: the
    store it was made of was never restored)."""
    ((latest,),) = run(
        "SELECT max(at) FROM (SELECT max(at) AS at FROM audit_log "
        "UNION ALL SELECT max(at) FROM account_log UNION ALL SELECT max(at) FROM store_log) "
        "AS latest",
        {},
    )
    found = run("SELECT value FROM installation WHERE name = :name", {"name": STORE_GENERATION})
    written = datetime.fromtimestamp(source.stat().st_mtime, UTC).replace(microsecond=0)
    return {
        "backup": str(source.absolute()),
        "backup_written": written.isoformat(),
        "backup_latest_change": latest,
        "backup_generation": found[0][0] if found else None,
    }


RESTORE_ACTION = "restore"
"""The store log's action of a restore of a backup."""


def _record_the_restore(
    run: _Sql,
    record: _Record,
    facts: dict[str, object],
    generation: str,
    plans: int,
    accounts: int,
) -> None:
    """The restore's row in the store log of the copy that goes in place of the store."""
    safety = None if record.safety_copy is None else str(record.safety_copy)
    details = {
        **facts,
        "generation": generation,
        "plans": plans,
        "accounts": accounts,
        "safety_copy": safety,
    }
    backup_generation = facts["backup_generation"]
    what = (
        f"restored the backup {facts['backup']} (its file written {facts['backup_written']}, "
        f"its latest recorded change {facts['backup_latest_change'] or 'none'}, "
        + (
            f"store generation {backup_generation}"
            if backup_generation
            else "of a store never restored"
        )
        + f"): {plans} plan(s), {accounts} account(s); "
        + (f"the store as it was is kept in {safety}" if safety else record.without_copy)
    )
    run(
        "INSERT INTO store_log (at, actor, action, what, details) "
        "VALUES (:at, :actor, :action, :what, :details)",
        {
            "at": utc_now(),
            "actor": logged_actor(record.actor),
            "action": RESTORE_ACTION,
            "what": what,
            "details": json.dumps(details),
        },
    )


def _damaged(source: Path, problem: str) -> Invalid:
    return Invalid(
        f"the backup {source} is damaged ({problem}); nothing was changed: restore another one"
    )


def _damaged_plan(copy: sqlite3.Connection, tables: Collection[str]) -> str | None:
    """What is damaged inside a plan of a store SQLite's check passes (bytes overwritten within
    a row: a plan would fail to open after the restore): a document that does not read as a plan,
    data that differ from the hash written with them. None when every plan is whole. `tables`:
    the store's (a backup of an earlier version may lack some)."""
    for plan_id, doc in copy.execute("SELECT id, doc FROM plans ORDER BY id"):
        try:
            PlanState.from_json(doc)
        except DAMAGED_DOCUMENT as exc:
            return f"plan {plan_id}'s document does not read as a plan: {exc}"
    if "plan_blobs" in tables:
        blobs = "SELECT plan_id, kind, data, content_hash FROM plan_blobs ORDER BY plan_id, kind"
        for plan_id, kind, data, written_hash in copy.execute(blobs):  # one at a time: large
            if not _as_written(data, written_hash):
                return f"plan {plan_id}'s {kind} differs from what was written"
    if "actuals" in tables:
        kept = "SELECT plan_id, version, data, content_hash FROM actuals ORDER BY plan_id, version"
        for plan_id, version, data, written_hash in copy.execute(kept):
            if not _as_written(data, written_hash):
                return f"plan {plan_id}'s actuals version {version} differ from what was written"
    return None


def _as_written(data: object, written_hash: str) -> bool:
    return isinstance(data, bytes) and content_hash(data) == written_hash


def _installation_keys(target: Path) -> dict[str, str] | None:
    """The store's installation keys (what signs its cookies and bundles), without its
    generation: empty for a store that has made none yet. None where there is no store, or it
    cannot be read (a damaged store takes the backup's)."""
    if not target.is_file():
        return None
    try:
        with _opened(target, "rw") as conn:
            tables = sqlite_tables(conn)
            if not holds_plans(tables):
                return None
            if "installation" not in tables:
                return {}
            rows = conn.execute(
                "SELECT name, value FROM installation WHERE name != ?", (STORE_GENERATION,)
            ).fetchall()
    except sqlite3.Error:
        return None
    return {str(name): str(value) for name, value in rows}


def _add_this_versions_tables(temp: Path) -> None:
    """A backup of an earlier version lacks tables and columns added since, which a running
    server reads: opening the copy as a store adds them."""
    open_store(db_url=f"sqlite:///{temp}").close()


def _write_into_store(temp: Path, target: Path, *, while_locked: Callable[[], None]) -> None:
    """The prepared copy written into the store's own file in one write transaction (SQLite's
    backup API), so that connections holding the store open read it at their next transaction;
    a failure rolls it back. While another connection holds the store's write lock SQLite answers
    busy and the copy is tried again, for `BUSY_SECONDS` at most (Ctrl-C stops it meanwhile).

    `while_locked` runs once the write transaction holds the store's write lock, before it
    commits (the check that the copy of the store as it is, made before, still holds every
    committed change: none can be committed between that check and the restore, and so lost
    from both); what it raises rolls the restore back. The copy goes in two steps: all its pages
    but the last, which takes the lock without committing (SQLite's backup in Python keeps one
    step size), and the last page, which commits; between them `while_locked` runs. Steps of a
    page each kept the lock twice as long on a large store. The store is in WAL mode where
    `while_locked` reads it, so the pages the first step spills do not lock out its readers."""
    give_up_at = time.monotonic() + BUSY_SECONDS
    locked = False

    def each_step(status: int, remaining: int, pages: int) -> None:
        nonlocal locked
        if status in _BUSY_ANSWERS:
            if time.monotonic() >= give_up_at:
                raise _StayedBusy
        elif not locked:
            locked = True
            while_locked()

    try:
        with _opened(temp, "ro") as src, _opened(target, "rwc") as live:
            # Each try answers at once, so that the deadline above is what the wait lasts.
            live.execute("PRAGMA busy_timeout=0")
            pages = int(src.execute("PRAGMA page_count").fetchall()[0][0])
            src.backup(live, pages=max(1, pages - 1), progress=each_step)
            if not locked:  # not reached: a plan store is more than one page
                raise RuntimeError("the restore was committed in one step")
            with contextlib.suppress(sqlite3.Error):  # the write-ahead log folded in, if idle
                live.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except _StayedBusy:
        raise Unavailable(
            f"the plan store {target} stayed busy (another connection held its write lock for "
            f"{BUSY_SECONDS:g} seconds); nothing was changed: try again"
        ) from None
    except sqlite3.Error as exc:
        text = str(exc)
        if sqlite_answer(exc) in _BUSY_ANSWERS or "locked" in text or "busy" in text:
            raise Unavailable(
                f"the plan store {target} stayed busy ({text}); nothing was changed: try again"
            ) from exc
        raise Unavailable(
            f"the restore could not write into the plan store {target} ({text}); nothing was "
            f"changed. If the store is damaged: stop the servers, move {target.name} and the "
            f"{target.name}-wal and {target.name}-shm beside it away, and restore again"
        ) from exc


class _StayedBusy(Exception):
    """The store's write lock stayed held by another connection past `BUSY_SECONDS`."""


PG_ARCHIVE_MAGIC = b"PGDMP"
"""How a pg_dump archive of the custom format begins (the format `pg_dump_command` writes)."""

PG_RESTORE_SECONDS = 3600.0
"""How long a restore waits for pg_restore before it stops it (its one transaction rolled back,
nothing changed)."""

PG_CLIENT_PACKAGE = "postgresql-client"
"""Debian's package of pg_dump and pg_restore."""

_PG_ENTRY = re.compile(r"^\d+; \d+ \d+ (.+)$")
"""An entry of the list pg_restore --list prints: ``216; 1259 16390 TABLE public plans owner``
(its type, schema, name and owner; ``;`` begins its comments)."""

_PG_STORE_TYPES = (
    "TABLE DATA",
    "TABLE",
    "SEQUENCE OWNED BY",
    "SEQUENCE SET",
    "SEQUENCE",
    "DEFAULT",
    "FK CONSTRAINT",
    "CONSTRAINT",
    "INDEX",
)
"""The types of entry pg_dump writes of a plan store (`forecast store backup`'s command), each
named by its table (a sequence ``<table>_<column>_seq``; an index one of those this version's
tables define, ``ix_<table>_<column>``): the only ones a restore puts back (longer types first: ``TABLE
DATA`` is not a ``TABLE``)."""

_PG_DATABASES_OWN = re.compile(r"^(?:SCHEMA - public|(?:COMMENT|ACL) - SCHEMA public) \S+$")
"""Entries of the database, not the store, which pg_dump writes beside a store's: the public
schema, which pg_dump before PostgreSQL 15 always wrote, with its comment, and its grants where
they differ from the default (``GRANT CREATE ON SCHEMA public TO ...``). A restore leaves them
out: the database keeps its own."""


@dataclass(frozen=True)
class _ArchiveContents:
    """What pg_restore --list says a pg_dump archive holds: its tables, the list of the entries
    a restore puts back (for pg_restore --use-list), and the entries of what is not a plan
    store's (a function, a trigger, a view, another schema or table), as type, schema, name."""

    tables: list[str]
    restored: str
    foreign: list[str]
    schema: str | None = None
    """The schema of its plan store (`_store_schema`)."""


def _in_schema(entry: str, kind: str, schema: str | None) -> list[str] | None:
    """The words of the entry after its `kind` and `schema` (its name, then its owner), None
    where it is not of that kind in that schema. pg_restore --list prints names as they are,
    unquoted: a schema (or an owner) may hold spaces, so the schema is matched whole."""
    if schema is None or not entry.startswith(f"{kind} {schema} "):
        return None
    return entry[len(kind) + len(schema) + 2 :].split(" ")


def _store_entry(entry: str, schema: str | None) -> bool:
    """Whether the entry (pg_restore --list's, without its numbers) is one pg_dump writes of a
    plan store of this version, in `schema` (the plans table's)."""
    for label in ("ACL", "COMMENT"):
        words = _in_schema(entry, label, schema)
        if words is not None and len(words) >= 3:
            # a grant or comment on a store table, one of its columns or sequences, as an
            # operator may give (a reporting role's): pg_dump writes them with the store's tables
            of, named = words[0], words[1]
            if of == "COLUMN":
                return named.split(".", 1)[0] in metadata.tables
            return of in ("TABLE", "SEQUENCE") and _store_entry(f"{of} {schema} {named} -", schema)
    kind = next((each for each in _PG_STORE_TYPES if entry.startswith(f"{each} ")), None)
    if kind is None:
        return False
    words = _in_schema(entry, kind, schema)
    size = 2 if kind in ("DEFAULT", "CONSTRAINT", "FK CONSTRAINT") else 1  # ``<table> <name>``
    if words is None or len(words) < size + 1:  # its name, then its owner (spaces and all)
        return False
    name = words[:size]
    tables = set(metadata.tables)
    if kind in ("TABLE", "TABLE DATA", "DEFAULT", "CONSTRAINT", "FK CONSTRAINT"):
        return name[0] in tables
    if kind == "INDEX":  # this version's (no release has dropped or renamed one)
        return name[0] in _store_indexes()
    return name[0].endswith("_seq") and any(name[0].startswith(f"{table}_") for table in tables)


def _store_indexes() -> set[str]:
    return {
        str(index.name)
        for table in metadata.tables.values()
        for index in table.indexes
        if index.name
    }


_PG_CREATE_PLANS = re.compile(r'^CREATE TABLE (?:"(?:[^"]|"")+"\.|[^\s."]+\.)?"?plans"? \($')
"""Where the plans table begins in the SQL pg_restore --schema-only writes of an archive."""


def _restore_postgres(
    source: Path, url: str, actor: str, data_dir: str | Path | None = None
) -> Restore:
    """`restore_store` into the PostgreSQL database of `url`: the pg_dump archive `source`
    checked (refused, with nothing touched, when it is not one, not of a plan store, or holds
    anything but the store's tables and what pg_dump writes with them: `_archive_contents`),
    the store's tables as they are dumped into the data directory (`data_dir`: no restore when
    that fails; none kept where the database holds no store yet), the archive's store entries
    put back by pg_restore (only those: --use-list; in one transaction: nothing changes when it
    fails, and the copy just made is removed; the URL's password through PGPASSWORD, never on
    its command line), then the restore's aftercare (`_after_restore`, as the SQLite restore
    does it) in the restored database, whose tables are first brought up to this version's.
    That aftercare is a transaction of its own, right after pg_restore's: a server that reads
    the store in between sees the backup's sign-ins and generation for that moment."""
    source = source.absolute()  # a relative name beginning with "-" is no tool's option
    shown_url = without_password(url)
    manual = pg_restore_command(url, source)
    if source.is_dir():
        raise Invalid(
            f"{source} is a folder; nothing was changed: give the pg_dump archive file (a "
            f"PostgreSQL store is backed up with {pg_dump_command(url, 'FILE')})"
        )
    if not source.is_file():
        raise NotFound(f"there is no backup {source}; nothing was changed")
    with open(source, "rb") as archive:
        begins = archive.read(len(PG_ARCHIVE_MAGIC))
    if begins != PG_ARCHIVE_MAGIC:
        raise _not_an_archive(source, url, "")
    program = shutil.which("pg_restore")
    if program is None:
        raise Unavailable(
            f"pg_restore is not installed here; nothing was changed: install Debian's package "
            f"{PG_CLIENT_PACKAGE} (PostgreSQL's client tools) and restore again. Restoring by "
            f"hand (`{manual}`, {by_hand_supply(url)}) leaves out what this "
            "command does before it (it refuses an archive holding anything but the store's "
            "tables, and keeps a copy of the store as it was) and after it: the sign-ins saved "
            "in the backup would be open again, the store log would not record the restore, and "
            "servers could keep what they read before it"
        )
    psql = shutil.which("psql")
    if psql is None:
        raise Unavailable(
            f"psql is not installed here; nothing was changed: install Debian's package "
            f"{PG_CLIENT_PACKAGE} (PostgreSQL's client tools) and restore again"
        )
    _refuse_unfenced_tools(program, psql, manual)
    contents = _archive_contents(program, source, url)
    tables = contents.tables
    if "plans" not in tables or not holds_plans({"plans": _archive_plans_columns(program, source)}):
        raise _not_an_archive(source, url, f" of a plan store (its tables: {shown_tables(tables)})")
    if contents.foreign:
        raise _foreign_entries(source, contents.foreign)
    grants, owners = _archive_roles(program, source, contents.restored)
    _refuse_roles_the_restore_cannot_use(source, grants, owners, contents.schema, url)
    keys = _postgres_installation_keys(url)
    kept: list[Path] = []

    def keep_the_store_as_it_is() -> None:  # while the restore's session locks its tables
        if keys is not None:
            kept.append(_keep_the_database_as_it_is(url, data_dir))
            _refuse_a_copy_that_could_not_undo(program, kept[0], url, manual)

    try:
        _run_pg_restore(
            program, psql, source, url, contents.restored, while_locked=keep_the_store_as_it_is
        )
    except BaseException:
        for path in kept:
            path.unlink(missing_ok=True)  # nothing was changed (one transaction)
        raise
    safety_path = kept[0] if kept else None
    record = _Record(actor, safety_path)
    try:
        store = open_store(db_url=url)  # brings its tables up to this version's
    except ServiceError as exc:
        raise _aftercare_failed(source, url, exc, safety_path) from exc
    try:
        if not isinstance(store, SqlStore):  # not reached: a URL opens a SqlStore
            raise TypeError(type(store).__name__)
        with store.engine.begin() as conn:
            prepared = _after_restore(_sqlalchemy_sql(conn), source, keys, record)
    except Exception as exc:
        raise _aftercare_failed(source, url, exc, safety_path) from exc
    finally:
        store.close()
    return Restore(
        path=None,
        source=source.absolute(),
        plans=prepared.plans,
        accounts=prepared.accounts,
        safety_copy=safety_path,
        store=shown_url,
    )


PG_FENCED_RELEASES = "PostgreSQL 13.22, 14.19, 15.14, 16.10, 17.6 or later"
"""The releases of pg_restore and psql that fence a restore's SQL off: pg_restore writes it
between ``\\restrict KEY`` and ``\\unrestrict KEY`` (--restrict-key), and psql runs none of
its own commands in between (``\\! ...``, a shell command, hidden in an archive altered on
purpose), only SQL."""


def _refuse_unfenced_tools(program: str, psql: str, manual: str) -> None:
    """pg_restore and psql both of `PG_FENCED_RELEASES` (what their help lists: pg_restore's
    --restrict-key, psql's \\restrict), before anything changes: with an older one, psql, which
    runs the SQL pg_restore writes, would also run a command of its own hidden in the archive."""
    tools = [(program, ["--help"], "--restrict-key"), (psql, ["--help=commands"], "\\restrict")]
    for tool, words, fence in tools:
        if fence not in _said_by(tool, *words):
            version = _said_by(tool, "--version").strip()
            raise Unavailable(
                f"{version or Path(tool).name} is too old to restore safely: it does not fence "
                "off the archive's SQL, so psql would also run a command (`\\! ...`) hidden in "
                f"an archive altered on purpose; nothing was changed: update {PG_CLIENT_PACKAGE} "
                f"to {PG_FENCED_RELEASES} and restore again (by hand too: `{manual}` needs them)"
            )


def _said_by(tool: str, *words: str) -> str:
    """What a client tool prints (nothing where it cannot be run)."""
    try:
        return subprocess.run([tool, *words], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


PG_SAFETY_COPY_NAME = "forecast.dump"
"""How an earlier release named a PostgreSQL store's copies (of whichever database:
``forecast-before-restore-2026-12-06T153012Z.dump``); now `pg_copy_name`."""


def pg_copy_name(url: str) -> str:
    """The name a PostgreSQL store's copies are named after, as a SQLite store's are after its
    file, with pg_dump's suffix and a short tag of the database (its name, and a hash of server,
    port and name: two servers' databases of one name are told apart; no user, no password):
    ``forecast-plans-3f2a9c.dump``, its copies ``forecast-plans-3f2a9c-before-restore-<time>.dump``."""
    parsed = make_url(url)
    host = parsed.host or _query_value(url, "host") or ""
    port = parsed.port or _query_value(url, "port") or ""
    database = parsed.database or ""
    digest = hashlib.sha256(f"{host}:{port}/{database}".encode()).hexdigest()[:6]
    name = re.sub(r"[^A-Za-z0-9_]+", "_", database)[:32].strip("_") or "db"
    return f"forecast-{name}-{digest}.dump"


def _keep_the_database_as_it_is(url: str, data_dir: str | Path | None) -> Path:
    """A pg_dump of the store as it is, before the restore replaces it (`pg_dump_command`, the
    URL's secrets as `_pg_tools` passes them, never on its command line): its tables (what the restore replaces; what
    else the database holds stays as it is, and a copy holding it would be refused as a
    backup), in the data directory (`data_dir`, else the default), named as the SQLite restore
    names its copies; if none can be made, nothing is restored."""
    folder = _pg_copies_folder(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Invalid(
            f"cannot make the folder {folder} for the copy of the store as it is ({exc.strerror}); "
            "nothing was changed: give a --data-dir you may write in"
        ) from exc
    schema = _postgres_schema(url)
    path = _safety_copy_path(folder / pg_copy_name(url))
    try:
        program = shutil.which("pg_dump")
        if program is None:
            raise Unavailable(
                "pg_dump is not installed here, so no copy of the store as it is can be kept "
                f"before the restore replaces it; nothing was changed: install Debian's package "
                f"{PG_CLIENT_PACKAGE} (PostgreSQL's client tools) and restore again"
            )
        try:
            with _pg_tools(url) as (service, env):
                dumped_by = pg_dump_command(url, path, schema=schema, service=service)
                dumped = subprocess.run(
                    [program, *shlex.split(dumped_by)[1:]],
                    capture_output=True,
                    text=True,
                    timeout=PG_RESTORE_SECONDS,
                    env=env,
                )
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(
                f"pg_dump did not finish the copy of the store as it is within "
                f"{PG_RESTORE_SECONDS / 60:g} minutes; nothing was changed"
            ) from exc
        if dumped.returncode != 0:
            raise Unavailable(
                "no copy of the store as it is could be kept before the restore replaces it "
                f"(pg_dump says: {_pg_said(dumped.stderr, url)}); nothing was changed"
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _refuse_a_copy_that_could_not_undo(program: str, copy: Path, url: str, manual: str) -> None:
    """The copy just made of the store as it is, checked as a restore checks a backup: where
    the live store holds what a plan store does not define (an operator's index, trigger or
    policy on a store table), or what the restoring role could not put back (a grant given by a
    role other than the tables' owner and the restoring one: `_roles_the_restore_cannot_use`),
    restoring the copy (the undo the restore prints) would be refused, so the restore is
    refused now, the copy deleted, before anything changes."""
    problems: list[str] = []
    fixes: list[str] = []
    try:
        contents = _archive_contents(program, copy, url)
        foreign = contents.foreign
        if not foreign:
            try:
                grants, owners = _archive_roles(program, copy, contents.restored)
            except _GrantsToPublic:
                foreign = ["a grant to PUBLIC on a store table"]
            else:
                problems, fixes = _roles_the_restore_cannot_use(
                    grants, owners, contents.schema, url, of_the_live_store=True
                )
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    if problems:
        copy.unlink(missing_ok=True)
        raise Invalid(
            f"the store in {without_password(url)} {'; it '.join(problems)}; the copy of it "
            "a restore keeps first, as its undo, could not be restored, so nothing was changed: "
            f"{'; and '.join(fixes)}"
        )
    if not foreign:
        return
    copy.unlink(missing_ok=True)
    shown = _first_five(foreign)
    raise Invalid(
        f"the store in {without_password(url)} holds what a plan store does not define "
        f"({shown}): the copy of it the restore keeps, to put it back, could not be restored, "
        "so nothing was changed: drop it (as its owner) and restore again, or restore by hand "
        f"(`{manual}`, {by_hand_supply(url)}), which keeps no copy"
    )


def _postgres_schema(url: str) -> str:
    """The schema the store's tables are in: the plans table's, as the search path finds it
    (not current_schema(), the first usable one, which a schema named as the role takes)."""
    engine = sa.create_engine(
        url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, hide_parameters=True
    )
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(
                    "SELECT nspname FROM pg_class JOIN pg_namespace n "
                    "ON n.oid = relnamespace WHERE pg_class.oid = to_regclass('plans')"
                )
            ).scalar_one_or_none()
            if found is None:  # not reached: the restore keeps a copy of a store that is
                return str(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
            return str(found)
    except SQLAlchemyError as exc:
        raise Unavailable(f"{cannot_open(url, exc)}; nothing was changed") from exc
    finally:
        engine.dispose()


def _not_an_archive(source: Path, url: str, what: str) -> Invalid:
    return Invalid(
        f"{source} is not a pg_dump archive{what}; nothing was changed: restore a file made "
        f"with {pg_dump_command(url, source.name)} (the custom format; `forecast store backup` "
        "on this store says so too)"
    )


def _aftercare_failed(
    source: Path, url: str, exc: BaseException, safety_copy: Path | None
) -> Unavailable:
    shown_url = without_password(url)
    kept = ""
    if safety_copy is not None:
        undo = shlex.join(
            ["forecast", "store", "restore", str(safety_copy), "--db", url_without_password(url)]
        )
        kept = (
            f"; the store as it was is kept in {safety_copy}: `{undo}` puts it back "
            f"({by_hand_supply(url)})"
        )
    return Unavailable(
        f"pg_restore restored {source} into {shown_url}, but what follows a restore failed "
        f"({_aftercare_error(exc)}): the sign-ins saved in "
        "the backup may be open again and the store log does not record the restore; restore "
        f"the same backup again{kept}"
    )


def _aftercare_error(exc: BaseException) -> str:
    """What the aftercare's failure says: the database's own first line, never the statement
    or the values it carried (the store's installation keys among them)."""
    if isinstance(exc, ServiceError):
        return reason_of(exc)
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_DROP_STORE_TABLES = "DROP TABLE IF EXISTS " + ", ".join(sorted(metadata.tables)) + ";"
"""What the PostgreSQL restore (and the manual restore it prints) drops before the archive's
tables are made again: this version's tables."""


def _first_five(entries: list[str]) -> str:
    """The first five entries an archive or a store should not hold, and how many more."""
    more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    return "; ".join(entries[:5]) + more


def _pg_environment(url: str) -> dict[str, str]:
    """The environment of pg_restore: the URL's password in PGPASSWORD (none: PGPASSWORD or
    ~/.pgpass as they are), a connection attempt bounded by `CONNECT_TIMEOUT_SECONDS` and a
    wait for another session's lock bounded by `BUSY_SECONDS`."""
    env = dict(os.environ)
    password = _url_password(url)
    if password:
        env["PGPASSWORD"] = password
    passfile = _query_value(url, "passfile")
    if passfile:
        env["PGPASSFILE"] = passfile
    # as the store's own connections: a server that swallows packets is given up on (a
    # connect_timeout in the URL's query still wins)
    env.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_SECONDS))
    bounded = f"-c lock_timeout={int(BUSY_SECONDS * 1000)}"
    env["PGOPTIONS"] = f"{env['PGOPTIONS']} {bounded}" if env.get("PGOPTIONS") else bounded
    return env


@contextlib.contextmanager
def _pg_tools(url: str) -> Iterator[tuple[str | None, dict[str, str]]]:
    """How a PostgreSQL tool this process runs is given what of `url` is no word for its command
    line (which `ps` shows every local user): the name of a connection service that holds the
    URL's query settings not known to be harmless (sslpassword=, the client key's passphrase,
    which no environment variable of libpq's takes), None where it has none, and the tool's
    environment (`_pg_environment`: the password in PGPASSWORD). The service is in a file
    (PGSERVICEFILE) only this user may read, in a folder of its own, both removed when the
    tools are done; a URL naming a service= of its own keeps its name, its settings copied from
    the user's or the system's service file after the URL's."""
    env = _pg_environment(url)
    hidden = _hidden_settings(url)
    if not hidden:
        yield None, env
        return
    # libpq takes the environment's PGSERVICE where the URL names no service: it is named
    # here too, else the tools would be given this service in its place and miss its server
    named = _query_value(url, "service") or env.get("PGSERVICE") or None
    service = named or "forecast-store"
    lines = [f"{name}={value}" for name, value in hidden.items()]
    if named:
        lines += _service_section(named, env)
    with tempfile.TemporaryDirectory(prefix="forecast-pg-") as folder:  # mode 0700
        path = Path(folder) / "pg_service.conf"
        written = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(written, "w", encoding="utf-8") as file:
            file.write("".join(f"{line}\n" for line in [f"[{service}]", *lines]))
        env["PGSERVICEFILE"] = str(path)
        yield service, env


def _hidden_settings(url: str) -> dict[str, str]:
    """The query settings of `url` that a tool is not given on its command line: those not
    known to be harmless (`is_shown_setting`), but for the password and password file (in
    PGPASSWORD and PGPASSFILE). A service file holds a value on one line, its spaces at the end
    taken off: one that cannot be written there is refused, before anything changes."""
    hidden: dict[str, str] = {}
    for name in _without_secrets(make_url(url).query):
        if is_shown_setting(name):
            continue
        value = _query_value(url, name) or ""
        unwritable = value != value.rstrip() or any(char in value for char in "\n\r\x00")
        if not re.fullmatch(r"\w+", name) or unwritable:
            raise Invalid(
                f"the URL's setting {name!r} cannot be given to PostgreSQL's tools other than on "
                "their command line, where every local user could read it (a name of letters, "
                "digits and _ only, and a value with no line break or space at its end); "
                "nothing was changed"
            )
        hidden[name] = value
    return hidden


def _service_section(service: str, env: dict[str, str]) -> list[str]:
    """The settings of the connection `service` as libpq finds them: in the user's service file
    (PGSERVICEFILE, else ~/.pg_service.conf), else in the system's (pg_service.conf in
    PGSYSCONFDIR, else PostgreSQL's configuration folder), its section begun by a line
    ``[service]`` (what follows the ``]`` not read, as libpq reads it). A service no file
    holds is refused (libpq refuses it too), before anything changes: the tools would
    otherwise reach the default server."""
    user = env.get("PGSERVICEFILE") or os.path.join(os.path.expanduser("~"), ".pg_service.conf")
    system = env.get("PGSYSCONFDIR") or _said_by("pg_config", "--sysconfdir").strip()
    files = (Path(user), Path(system or "/etc/postgresql-common") / "pg_service.conf")
    for file in files:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        section: list[str] | None = None
        for line in (line.strip() for line in text.splitlines()):
            if line.startswith("["):
                if section is not None:
                    break
                section = [] if line[1:].startswith(f"{service}]") else None
            elif section is not None and line and not line.startswith("#"):
                section.append(line)
        if section is not None:
            return section
    raise Invalid(
        f"the connection service {service!r} the URL names (its service=, else PGSERVICE) is in "
        f"no service file PostgreSQL's tools read ({' nor '.join(map(str, files))}); nothing "
        "was changed: add it to one, or give the server in the URL"
    )


_SECRET_QUERY = ("password", "passfile")
"""A libpq URL's query settings that are not printed nor put on a command line (where `ps`
shows them): the password (to PGPASSWORD), the password file (to PGPASSFILE)."""


def _query_value(url: str, name: str) -> str | None:
    value = make_url(url).query.get(name)
    if isinstance(value, tuple):
        value = value[-1] if value else None
    return None if value is None else str(value)


def _url_password(url: str) -> str | None:
    """The URL's password: after the user (``user:password@``) or in its query (``?password=``)."""
    password = make_url(url).password
    return str(password) if password else _query_value(url, "password")


def _without_secrets(query: Any) -> dict[str, Any]:
    return {name: value for name, value in query.items() if name not in _SECRET_QUERY}


_OWN_SERVICE_FILE_ERROR = re.compile(
    r'syntax error in service file "[^"\n]*/forecast-pg-[^/"\n]*/pg_service\.conf", line (\d+)'
)
"""How libpq refuses a line of the service file `_pg_tools` wrote (gone by the time it is
said): a keyword it does not know, a setting of the URL's that a newer libpq (the store's
driver's) knows but the tools' does not."""


def _unknown_setting(found: re.Match[str], url: str) -> str:
    """libpq's refusal of line `found` of `_pg_tools`'s service file said as the URL's setting
    it holds (lines 2 on: `_hidden_settings`, in order); a line copied from the user's own
    service (after those) is said as one of that service's."""
    names = list(_hidden_settings(url))
    line = int(found.group(1))
    if 2 <= line < len(names) + 2:
        return (
            f"the URL's setting {names[line - 2]}= is not one this release of PostgreSQL's "
            "client tools knows (leave it out of the URL, or install the tools of a newer "
            "release)"
        )
    return "the settings of the URL's connection service hold one PostgreSQL's client tools cannot read"


def _pg_said(text: str, url: str) -> str:
    """What a PostgreSQL tool printed, on one line, without the URL's password: where it stands
    as a word of its own (a URL's, a quoted one), not inside another (a password "forecast"
    leaves a database forecast_x named as it is)."""
    said = _OWN_SERVICE_FILE_ERROR.sub(lambda found: _unknown_setting(found, url), text)
    said = " ".join(said.split())
    password = _url_password(url)
    if password:
        word = str(password)
        before = r"(?<!\w)" if re.match(r"\w", word[0]) else ""  # a word's edge where it has one
        after = r"(?!\w)" if re.match(r"\w", word[-1]) else ""
        said = re.sub(before + re.escape(word) + after, "***", said)
    return said or "it printed nothing"


def _archive_contents(program: str, source: Path, url: str) -> _ArchiveContents:
    """What the pg_dump archive holds (pg_restore --list reads its table of contents, without
    connecting); a file it cannot read is refused."""
    try:
        listed = subprocess.run(
            [program, "--list", os.fspath(source)],
            capture_output=True,
            text=True,
            timeout=120,
            env=_pg_environment(url),
        )
    except subprocess.TimeoutExpired as exc:
        raise Unavailable(
            f"pg_restore did not read {source} within 2 minutes; nothing was changed"
        ) from exc
    if listed.returncode != 0:
        raise _not_an_archive(
            source, url, f" that pg_restore can read (it says: {_pg_said(listed.stderr, url)})"
        )
    entries = [
        (line, found.group(1))
        for line, found in ((line, _PG_ENTRY.match(line)) for line in listed.stdout.splitlines())
        if found
    ]
    plans_schema = _store_schema([entry for _, entry in entries])
    tables = [
        found[1] for _, entry in entries if (found := _table_entry(entry, plans_schema)) is not None
    ]
    restored, foreign = [], []
    for line, entry in entries:
        if _store_entry(entry, plans_schema):
            restored.append(line)
        elif not _PG_DATABASES_OWN.match(entry):
            foreign.append(entry.rsplit(" ", 1)[0])  # without its owner
    return _ArchiveContents(
        tables, "".join(f"{line}\n" for line in restored), foreign, plans_schema
    )


def _store_schema(entries: list[str]) -> str | None:
    """The schema of the archive's plan store: the one of its schemas with a plans table that
    holds the most of this version's tables (public where that ties); None without a plans
    table. Names are printed unquoted: a table's entry is read every way its words split into
    a schema, one of the store's table names and an owner (``TABLE demand plans users owner``
    is users of "demand plans", or plans of "demand" owned by "users owner"); the store's
    schema is the one such reading gives most of its tables."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        words = _table_words(entry)
        for at in range(1, len(words) - 1):
            if words[at] in metadata.tables:
                found.setdefault(" ".join(words[:at]), set()).add(words[at])
    with_plans = [schema for schema, tables in found.items() if "plans" in tables]
    if not with_plans:
        return None
    return max(with_plans, key=lambda schema: (len(found[schema]), schema == "public"))


def _table_words(entry: str) -> list[str]:
    """The words after TABLE of a table's entry (``TABLE schema name owner``; not its data's),
    none for another entry or one too short to be a table's."""
    if not entry.startswith("TABLE ") or entry.startswith("TABLE DATA "):
        return []
    words = entry.split(" ")[1:]
    return words if len(words) >= 3 else []


def _table_entry(entry: str, schema: str | None = None) -> tuple[str, str] | None:
    """The schema and name of a table's entry (``TABLE schema name owner``; not its data's),
    None for another entry. Names are printed unquoted: in the store's `schema` (whole, spaces
    and all), the name is the word after it; elsewhere a schema or owner with a space is told
    apart by the store's table name between them (the first word that is one), and another
    table's is taken as one word of schema, its name, one word of owner."""
    words = _table_words(entry)
    if not words:
        return None
    if schema is not None:
        mine = _in_schema(entry, "TABLE", schema)
        if mine is not None and len(mine) >= 2 and mine[0] in metadata.tables:
            return schema, mine[0]
    for at in range(1, len(words) - 1):
        if words[at] in metadata.tables:
            return " ".join(words[:at]), words[at]
    return words[0], " ".join(words[1:-1])


def _foreign_entries(source: Path, foreign: list[str]) -> Invalid:
    """The refusal of an archive holding what a plan store's pg_dump does not. The check reads
    the labels pg_restore --list prints (type, schema, name), not the SQL under them: it keeps
    out what a pg_dump of another database, or of the whole database, brings along, not an
    archive altered on purpose (SQL under a harmless label is restored as it is written). Only
    backups one made are to be restored; no attempt is made here to parse SQL."""
    shown = _first_five(foreign)
    return Invalid(
        f"{source} holds what a backup of a plan store does not ({shown}): restored, it would "
        "be made in the database with the rights of the role that restores; nothing was changed: "
        "make the backup with `forecast store backup` of a store of this version"
    )


_PG_GRANT_TO_PUBLIC = re.compile(r"^GRANT .+ ON (?:TABLE|SEQUENCE) (\S+) TO PUBLIC;$")

_PG_GRANT_ROLE = re.compile(
    r"^(?:GRANT .+ TO|REVOKE .+ FROM|SET SESSION AUTHORIZATION) (\"(?:[^\"]|\"\")+\"|[^\s\";]+)"
    r"(?: WITH GRANT OPTION)?(?: GRANTED BY .+)?;$"
)
"""A role the grants pg_restore writes name: the grantee (``GRANT ... TO role;``, ``REVOKE ...
FROM role;``) or, where it differs from the owner, the grantor (``SET SESSION AUTHORIZATION
role;``), as pg_dump writes an identifier (in double quotes where it needs them)."""


_PG_OWNED_ENTRY = re.compile(r"^(?:TABLE|SEQUENCE) (?!DATA |SET |OWNED BY )")
"""The archive's entries whose SQL gives the table or sequence to its owner (``ALTER TABLE ...
OWNER TO role;``): a table's and a sequence's, not their data's."""

_PG_OWNER_ROLE = re.compile(
    r"^ALTER (?:TABLE|SEQUENCE) .+ OWNER TO (\"(?:[^\"]|\"\")+\"|[^\s\";]+);$"
)


class _GrantsToPublic(Invalid):
    """The refusal of an archive granting the store's tables to PUBLIC (`_archive_roles`)."""


def _archive_roles(program: str, source: Path, restored: str) -> tuple[str, set[str]]:
    """The SQL of the grants the archive would restore, none of them to PUBLIC, and the roles it
    gives the store's tables and sequences to, from one pg_restore run (without connecting) of
    its grants' and its tables' and sequences' entries: pg_restore, run without --no-owner,
    writes ``ALTER TABLE ... OWNER TO role;`` after each, as the backup had it.

    A grant to PUBLIC is refused (`_GrantsToPublic`), naming the tables: every role that may
    connect would read (or change) the store's tables, its accounts and sign-ins among them.
    Where pg_restore cannot write that SQL, the archive is refused too: its grants or its
    owners would go unchecked. Both before anything changes."""
    grants = any(
        (found := _PG_ENTRY.match(line)) and found.group(1).startswith("ACL ")
        for line in restored.splitlines()
    )
    written = _archive_sql(
        program,
        source,
        restored,
        lambda entry: entry.startswith("ACL ") or _PG_OWNED_ENTRY.match(entry),
    )
    public = sorted(
        {
            found.group(1)
            for line in (written or "").splitlines()
            if (found := _PG_GRANT_TO_PUBLIC.match(line.strip()))
        }
    )
    if (written is None and grants) or public:
        shown = ", ".join(public) if public else "pg_restore cannot tell which"
        raise _GrantsToPublic(
            f"{source} grants the store's tables to PUBLIC ({shown}): restored, every role that "
            "may connect to the database could read them, the accounts and sign-ins among them; "
            "nothing was changed: revoke those grants (REVOKE ... FROM PUBLIC) in the store the "
            "backup is of and back it up again"
        )
    if written is None:
        raise Invalid(
            f"pg_restore cannot write the SQL of {source}'s tables, so the roles it gives them to "
            "cannot be checked; nothing was changed: make the backup again with the pg_dump "
            "command `forecast store backup` prints and restore that"
        )
    owners = {
        _role_name(found.group(1))
        for line in written.splitlines()
        if (found := _PG_OWNER_ROLE.match(line.strip()))
    }
    return written, owners


def _role_name(written: str) -> str:
    """A role's name as pg_dump writes it (in double quotes where it needs them)."""
    return written[1:-1].replace('""', '"') if written.startswith('"') else written


def _archive_sql(
    program: str, source: Path, restored: str, wanted: Callable[[str], object]
) -> str | None:
    """The SQL pg_restore writes (without connecting) of the entries to restore that are
    `wanted` (given pg_restore --list's entry without its numbers): empty where there is none,
    None where pg_restore cannot write it."""
    chosen = "".join(
        line + "\n"
        for line in restored.splitlines()
        if (found := _PG_ENTRY.match(line)) and wanted(found.group(1))
    )
    if not chosen:
        return ""
    with tempfile.NamedTemporaryFile("w", suffix=".list") as use_list:
        use_list.write(chosen)
        use_list.flush()
        try:
            written = subprocess.run(
                [program, f"--use-list={use_list.name}", "--file=-", os.fspath(source)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(
                f"pg_restore did not read {source} within 2 minutes; nothing was changed"
            ) from exc
    return written.stdout if written.returncode == 0 else None


def _refuse_roles_the_restore_cannot_use(
    source: Path, grants: str, owners: set[str], schema: str | None, url: str
) -> None:
    """The roles the archive names, each one the restore can use as pg_restore's SQL does
    (`_roles_the_restore_cannot_use`), or the restore is refused, naming them and the fix,
    before anything changes (pg_restore would stop at the first it cannot, after the restore
    locked the store and copied it)."""
    problems, fixes = _roles_the_restore_cannot_use(grants, owners, schema, url)
    if problems:
        raise Invalid(
            f"{source} {'; it '.join(problems)}: pg_restore would stop there; nothing was "
            f"changed: {'; and '.join(fixes)}"
        )


def _roles_the_restore_cannot_use(
    grants: str,
    owners: set[str],
    schema: str | None,
    url: str,
    *,
    of_the_live_store: bool = False,
) -> tuple[list[str], list[str]]:
    """What keeps the role that restores from running the SQL pg_restore writes of an archive's
    roles, and the fixes (none: it can): the grantees of its grants (`_PG_GRANT_ROLE`: a
    reporting role's, say) and the owners of its tables (`_archive_roles`), each a role this
    server has (a backup of another server's store may name its roles); each owner other than
    the restoring role one it may give tables to (ALTER TABLE ... OWNER TO, for a role that is
    not a superuser: it may become that role, as a member of it, and the owner may create in
    the store's `schema`, which PUBLIC may not in public since PostgreSQL 15); and a grantor
    other than the owner (pg_dump writes its grants as ``SET SESSION AUTHORIZATION grantor;``)
    only where it is the role that signed in (which may become itself) or that role is a
    superuser, who alone may become another. Ownership is kept as the backup has it, not given
    to the restoring role (pg_restore --no-owner): a superuser restoring a store of another
    role's would otherwise take its tables from the role the servers use. `of_the_live_store`:
    the archive is the copy of the store as it is (the fixes are made in that store, not in
    the one a backup is of). On PostgreSQL 16 and later, becoming a role is checked as
    pg_has_role's SET (a member may be denied it), not MEMBER (untested here: PostgreSQL 15)."""
    grantees: set[str] = set()
    grantors: set[str] = set()
    for line in grants.splitlines():
        found = _PG_GRANT_ROLE.match(line.strip())
        if found and found.group(1) != "PUBLIC":
            role = _role_name(found.group(1))
            (grantors if line.strip().startswith("SET ") else grantees).add(role)
    named = grantees | grantors | owners
    if not named:
        return [], []
    engine = sa.create_engine(
        url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, hide_parameters=True
    )
    try:
        with engine.connect() as conn:
            found_roles = {
                str(role): (bool(may), creates is not False)
                for role, may, creates in conn.execute(
                    sa.text(
                        "SELECT rolname, pg_has_role(current_user, oid, CASE WHEN "
                        "current_setting('server_version_num')::int >= 160000 THEN 'SET' "
                        "ELSE 'MEMBER' END), has_schema_privilege(oid, (SELECT n.oid FROM "
                        "pg_namespace n WHERE nspname = :schema), 'CREATE') FROM pg_roles "
                        "WHERE rolname = ANY(:names)"
                    ),
                    {"names": sorted(named), "schema": schema},
                )
            }
            user, signed_in, superuser = conn.execute(
                sa.text(
                    "SELECT current_user, session_user, (SELECT rolsuper FROM pg_roles "
                    "WHERE rolname = session_user)"
                )
            ).one()
    except SQLAlchemyError as exc:
        raise Unavailable(f"{cannot_open(url, exc)}; nothing was changed") from exc
    finally:
        engine.dispose()
    member = {role: may for role, (may, _) in found_roles.items()}
    in_the_store = "in the store" if of_the_live_store else "in the store the backup is of"
    and_again = "" if of_the_live_store else " and back it up again"
    problems, fixes = [], []
    missing = sorted(named - set(member))
    if missing:
        said = []
        if grantees & set(missing):
            said.append(
                "grants the store's tables to roles this server does not have "
                f"({', '.join(sorted(grantees & set(missing)))})"
            )
        if grantors & set(missing):
            said.append(
                "holds grants given by roles this server does not have "
                f"({', '.join(sorted(grantors & set(missing)))})"
            )
        if owners & set(missing):
            said.append(
                "gives the store's tables to owners this server does not have "
                f"({', '.join(sorted(owners & set(missing)))})"
            )
        problems.append(" and ".join(said))
        owner_missing = bool(owners & set(missing))
        instead = []
        if (grantees | grantors) & set(missing):
            instead.append("revoke those grants")
        if owner_missing:
            instead.append("give its tables to a role this server has (ALTER TABLE ... OWNER TO)")
        fixes.append(
            f"create {'it' if len(missing) == 1 else 'them'} on this server (CREATE ROLE name "
            "NOLOGIN, as a role that may create roles"
            + (
                f"; then, for an owner, GRANT name TO {sql_name(str(user))}"
                if owner_missing and not superuser
                else ""
            )
            + f") and restore again, or {in_the_store} {' and '.join(instead)}{and_again}"
        )
    # the live store's tables are its owners' already; an archive's are given to them
    owned_by = "has its tables owned by" if of_the_live_store else "gives the store's tables to"
    restorer = sql_name(str(user))
    foreign_owners = sorted(role for role in owners if role in member and not member[role])
    if foreign_owners:
        shown = ", ".join(sql_name(role) for role in foreign_owners)
        problems.append(
            f"{owned_by} {shown}, which {user} may not give tables to (it is not a member of "
            f"{'that role' if len(foreign_owners) == 1 else 'those roles'})"
        )
        fixes.append(f"GRANT {shown} TO {restorer} (as a role that may) or restore as a superuser")
    uncreating = sorted(
        role
        for role in owners
        if role in found_roles and member[role] and not found_roles[role][1] and role != user
    )
    if uncreating and not superuser:
        shown = ", ".join(sql_name(role) for role in uncreating)
        in_schema = "its schema" if schema is None else f"the schema {sql_name(schema)}"
        problems.append(
            f"{owned_by} {shown}, which may not create in {in_schema}: {user}, not a "
            "superuser, may give tables only to a role that may"
        )
        fixes.append(
            f"GRANT CREATE ON SCHEMA {sql_name(schema or 'public')} TO {shown} (as the "
            "schema's owner) and restore again, or restore as a superuser"
        )
    others = sorted(grantors - {str(signed_in)})
    if others and not superuser:
        shown = ", ".join(others)
        problems.append(
            f"holds grants on the store's tables given by {shown}, not the tables' owner, which "
            f"pg_restore writes as SET SESSION AUTHORIZATION {sql_name(others[0])}: only a "
            "superuser may "
            f"run that for a role other than the one signed in ({signed_in}), and {signed_in} "
            "is not one"
        )
        fixes.append(
            f"{in_the_store} revoke those grants and give them again as the tables' owner"
            f"{', back it up again and restore that' if and_again else ' and restore again'}, "
            "or restore as a superuser"
        )
    return problems, fixes


def _archive_plans_columns(program: str, source: Path) -> set[str]:
    """The columns of the archive's plans table that has a plan store's (`holds_plans`; an
    archive of several schemas may hold more than one), read from the CREATE TABLE pg_restore
    writes without connecting; none when there is no such table or pg_restore cannot tell."""
    try:
        written = subprocess.run(
            [program, "--schema-only", "--table=plans", "--file=-", os.fspath(source)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return set()
    found: list[set[str]] = []
    columns: set[str] | None = None
    for line in written.stdout.splitlines():
        if columns is None:
            if _PG_CREATE_PLANS.match(line):
                columns = set()
        elif line.startswith(")"):
            found.append(columns)
            columns = None
        elif line.strip() and not line.strip().startswith("CONSTRAINT "):
            columns.add(line.split()[0].strip('"'))
    return next((each for each in found if holds_plans({"plans": each})), set())


def _run_pg_restore(
    program: str,
    psql: str,
    source: Path,
    url: str,
    entries: str,
    *,
    while_locked: Callable[[], None] = lambda: None,
) -> None:
    """The archive put back in one transaction, so that on a failure, or when it is stopped
    after `PG_RESTORE_SECONDS`, nothing was changed: psql begins it and locks the store's tables
    (EXCLUSIVE: the servers' writes wait, their reads and pg_dump's go on), runs
    `while_locked` (the copy of the store as it is: no write made after it is lost), then drops
    this version's store tables (together, so that a table this version added, which a backup
    of an earlier release lacks, no longer holds on to the plans table pg_restore --clean drops)
    and runs the SQL pg_restore writes of the archive; it commits only once pg_restore has
    written all of it. The aftercare (opening the store) adds what this version has and the
    backup lacks. A view or a table of someone else's that depends on a store table keeps the
    tables from being dropped: the restore fails, in PostgreSQL's words, rather than drop it
    too (no CASCADE)."""
    drop = _DROP_STORE_TABLES + "\n"
    with (
        _pg_tools(url) as (service, env),
        tempfile.NamedTemporaryFile("w", suffix=".list") as use_list,
        tempfile.TemporaryFile() as psql_said,
        tempfile.TemporaryFile() as restore_said,
    ):
        use_list.write(entries)
        use_list.flush()
        loader = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *_server_words(url, service=service)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=psql_said,
            env=env,
        )
        writer: subprocess.Popen[bytes] | None = None
        timed_out = threading.Event()

        def stop_both() -> None:
            timed_out.set()
            if writer is not None:
                writer.kill()
            loader.kill()

        stop = threading.Timer(PG_RESTORE_SECONDS, stop_both)
        stop.start()
        try:
            if not _locked(loader):
                raise Unavailable(
                    f"the store's tables in {without_password(url)} could not be locked for the "
                    f"restore; nothing was changed. psql says: "
                    f"{_pg_said(_read(psql_said), url)}"
                )
            while_locked()
            writer = subprocess.Popen(
                [
                    program,
                    f"--restrict-key={secrets.token_hex(16)}",
                    "--clean",
                    "--if-exists",
                    f"--use-list={use_list.name}",
                    "--file=-",
                    os.fspath(source),
                ],
                stdout=subprocess.PIPE,
                stderr=restore_said,
                env=env,
            )
            _feed(loader, writer, drop)
        finally:
            stop.cancel()
            _end(loader)  # without a COMMIT where it did not get that far: rolled back
        if timed_out.is_set():
            raise Unavailable(
                f"pg_restore did not finish restoring {source} within "
                f"{PG_RESTORE_SECONDS / 60:g} minutes and was stopped; nothing was changed (one "
                "transaction)"
            )
        said = [_read(restore_said), _read(psql_said)]
    assert writer is not None  # started, or an exception above
    if writer.returncode != 0 or loader.returncode != 0:
        raise Unavailable(
            f"pg_restore could not restore {source} into {without_password(url)}; nothing was "
            f"changed (one transaction). It says: {_pg_said(' '.join(said), url)}"
        )


_LOCKED = "forecast-store-locked"


def _locked(loader: subprocess.Popen[bytes]) -> bool:
    """The psql session `loader` begins the restore's transaction and locks those of this
    version's store tables that are there (as the search path finds them, as the store does);
    whether it got the locks (it waits for a server's write to end, within the lock_timeout
    of `_pg_environment`). What psql prints after that goes nowhere."""
    assert loader.stdin is not None and loader.stdout is not None
    names = ", ".join(f"'{table}'" for table in sorted(metadata.tables))
    lock = (
        "DO $$DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY[" + names + "] LOOP "
        "IF to_regclass(t) IS NOT NULL THEN "
        "EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', to_regclass(t)); "
        "END IF; END LOOP; END $$;\n"
    )
    try:
        loader.stdin.write(f"BEGIN;\n{lock}\\echo {_LOCKED}\n\\o /dev/null\n".encode())
        loader.stdin.flush()
    except BrokenPipeError:
        return False
    return loader.stdout.readline().decode(errors="replace").strip() == _LOCKED


def _end(loader: subprocess.Popen[bytes]) -> None:
    assert loader.stdin is not None
    with contextlib.suppress(BrokenPipeError, ValueError):
        loader.stdin.close()
    loader.wait()
    if loader.stdout is not None:
        loader.stdout.close()


def _feed(loader: subprocess.Popen[bytes], writer: subprocess.Popen[bytes], drop: str) -> None:
    """pg_restore's SQL into psql (whose transaction `_locked` began), after the drop of the
    store's tables, and a COMMIT written only when pg_restore finished well: psql stopped at an
    error, or pg_restore failing, ends without a commit."""
    assert loader.stdin is not None and writer.stdout is not None
    try:
        loader.stdin.write(drop.encode())
        shutil.copyfileobj(writer.stdout, loader.stdin)
        if writer.wait() == 0:
            loader.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:  # psql stopped at an error: what it said tells which
        pass
    finally:
        writer.stdout.close()
        writer.wait()
        with contextlib.suppress(BrokenPipeError):
            loader.stdin.close()
        loader.wait()


def _read(file: Any) -> str:
    file.seek(0)
    return str(file.read().decode(errors="replace"))


def _libpq_url(url: str, *, service: str | None = None) -> str:
    """`url` as a libpq connection string (PostgreSQL's tools take it as --dbname): without the
    driver and the password, with the URL's query settings known to be harmless (host=, port=,
    sslmode=, ...: `url_without_password`), and the connection `service` (`_pg_tools`) that
    holds the others, where it is given."""
    return url_without_password(url, driver="postgresql", service=service)


def _postgres_installation_keys(url: str, changed: str = "changed") -> dict[str, str] | None:
    """`_installation_keys` of the PostgreSQL store: its keys without its generation, empty for
    a store that has made none yet, None where it holds no plan store. Only read: a store that
    cannot be reached is refused before anything changes ("nothing was `changed`")."""
    engine = sa.create_engine(
        url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, hide_parameters=True
    )
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if "plans" not in tables:
                return None
            if "installation" not in tables:
                return {}
            rows = conn.execute(
                sa.text("SELECT name, value FROM installation WHERE name != :name"),
                {"name": STORE_GENERATION},
            ).all()
    except SQLAlchemyError as exc:
        raise Unavailable(f"{cannot_open(url, exc)}; nothing was {changed}") from exc
    finally:
        engine.dispose()
    return {str(name): str(value) for name, value in rows}


def by_hand_supply(url: str) -> str:
    """What a command printed for `url` (to run by hand, maybe after this process is gone, its
    service file with it) leaves the user to supply: the password, from PGPASSWORD or
    ~/.pgpass, and the URL's query settings not known to be harmless, left out of it as a
    secret may be among them (sslpassword=, the client key's passphrase): named, never their
    values."""
    said = "the password from PGPASSWORD or ~/.pgpass"
    left = [
        f"{name}=" for name in _without_secrets(make_url(url).query) if not is_shown_setting(name)
    ]
    if left:
        said += (
            f"; the URL's {', '.join(left)} left out of it, as a secret may be: add "
            f"{'it' if len(left) == 1 else 'them'} to its URL, or to a connection service"
        )
    return said


def url_without_password(url: str, driver: str | None = None, *, service: str | None = None) -> str:
    """`url` as given (with `driver` in place of its own, where given), with no password in it,
    after the user or in its query (a command to print: PostgreSQL's clients then take it from
    PGPASSWORD or ~/.pgpass). It keeps only the query settings known to be harmless
    (`store_factory.is_shown_setting`: sslmode, host, connect_timeout, ...): another may be a
    secret (sslpassword, the client key's passphrase, which libpq asks for when it is left out;
    a misspelt password=). A tool this process starts is given the others in the connection
    `service` (`_pg_tools`), named in place of the URL's own."""
    parsed = make_url(url)
    query = {
        name: value
        for name, value in _without_secrets(parsed.query).items()
        if is_shown_setting(name) and not (service and name == "service")
    }
    if service:
        query["service"] = service
    bare = sa.URL.create(
        driver or parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=query,
    )
    return bare.render_as_string(hide_password=False)


def pg_restore_command(url: str, backup: str | Path) -> str:
    """The command (a shell line, run by bash) that puts the pg_dump file `backup` back into the
    database of `url` by hand, as `_run_pg_restore` does, without the URL's password: psql runs,
    in one transaction, the drop of this version's tables and the SQL pg_restore writes of the
    archive, piped (no file of the store's data, its sign-ins among them, is left about); the
    COMMIT is written only when pg_restore finished well, so that an error of psql's
    (ON_ERROR_STOP) or of pg_restore's ends it without one: nothing changed, and the command
    fails (pipefail: a pipeline's status is otherwise psql's alone). pg_restore fences the SQL
    off with a key of its own (--restrict-key, `PG_FENCED_RELEASES`): psql runs none of its
    commands (``\\! ...``) hidden in an archive altered on purpose, and a pg_restore or psql
    too old for that fails before anything changes. pg_restore --clean alone cannot replace a
    store with a backup of an earlier release: the tables added since refer to the plans table
    it drops."""
    drop = _DROP_STORE_TABLES
    begin = shlex.join(["printf", "%s\\n", "BEGIN;", drop])
    written = shlex.join(
        [
            "pg_restore",
            f"--restrict-key={secrets.token_hex(16)}",
            "--clean",
            "--if-exists",
            "--file=-",
            os.fspath(backup),
        ]
    )
    run = shlex.join(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *_server_words(url)])
    piped = f"set -o pipefail; {{ {begin} && {written} && echo 'COMMIT;'; }} | {run}"
    return f"bash -c {_double_quoted(piped)}"


def _double_quoted(text: str) -> str:
    """`text` as one word of a shell line, in double quotes where it can be (it reads more
    easily than the single quotes within it quoted in single quotes): a ``!``, which an
    interactive bash expands there, takes single quotes."""
    if "!" in text:
        return shlex.quote(text)
    return '"' + re.sub(r'([\\"$`])', r"\\\1", text) + '"'


def pg_dump_command(
    url: str, target: str | Path, *, schema: str | None = None, service: str | None = None
) -> str:
    """The pg_dump command that backs up the plan store in the database of `url` into `target`
    (custom format, for pg_restore), without the URL's password: only the store's tables
    (`store_table_patterns`, in `schema` where it is given), so that what else the database
    holds (another application's tables, views, functions), which a restore refuses, is not
    in the archive. The restore's copy of the store as it was is made with it too."""
    return shlex.join(
        [
            "pg_dump",
            "--format=custom",
            f"--file={target}",
            *_server_words(url, service=service),
            *(f"--table={pattern}" for pattern in store_table_patterns(schema)),
        ]
    )


def store_table_patterns(schema: str | None = None) -> list[str]:
    """pg_dump's --table patterns of this version's store tables: each name in double quotes
    (pg_dump takes a quoted pattern literally, its ``.``, ``*`` and ``?`` too), qualified with
    `schema` where it is given. Unqualified, pg_dump looks a name up in the search path its
    connection starts with (the URL's options=, the role's or database's search_path), which is
    where the store finds its tables; a table the store does not have yet (a store of an earlier
    release) is left out, not an error."""

    return [
        f"{quote_ident(schema)}.{quote_ident(table)}" if schema else quote_ident(table)
        for table in sorted(metadata.tables)
    ]


def _server_words(url: str, *, service: str | None = None) -> list[str]:
    """The server, user and database of `url` as PostgreSQL's tools take them: the URL as a
    libpq connection string (`_libpq_url`: its harmless query settings, host=, port=, sslmode=,
    kept so that the tools reach the server the store does), never the password nor another
    secret; a tool this process runs finds those in the connection `service` (`_pg_tools`)."""
    return [f"--dbname={_libpq_url(url, service=service)}"]
