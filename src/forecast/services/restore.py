"""A restore of the plan store while servers run: ``restore_store(backup, db_url, data_dir)``.

A restore writes the backup into the store's own file through SQLite's online backup API (the
API `backup` reads the store through), in one write
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

A PostgreSQL store is restored in `restore_postgres`; what both restores do in the restored store
(the installation keys, a new store generation, its sign-ins ended, the store log's row) is in
`restore_record`, the copies they keep of the store as it was in `safety_copies`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Collection
from pathlib import Path

from forecast.plan import PlanState
from forecast.services.backup import _backup_into, _check_problem
from forecast.services.errors import (
    Conflict,
    Invalid,
    NotFound,
    ServiceError,
    Unavailable,
)
from forecast.services.restore_postgres import _restore_postgres
from forecast.services.restore_record import (
    BUSY_SECONDS,
    COMMAND_LINE,
    Restore,
    _after_restore,
    _Prepared,
    _Record,
    _sqlite_sql,
)
from forecast.services.safety_copies import _megabytes, _safety_copy_path
from forecast.services.store_factory import (
    DB_FILENAME,
    open_store,
    resolve_db_url,
    sqlite_file,
)
from forecast.store import (
    DAMAGED_DOCUMENT,
    STORE_GENERATION,
    content_hash,
    holds_plans,
    refuse_another_programs_database,
    shown_tables,
    sqlite_answer,
    sqlite_connection,
    sqlite_tables,
)

_BUSY_ANSWERS = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


_DAMAGED_ANSWERS = (sqlite3.SQLITE_CORRUPT,)


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
