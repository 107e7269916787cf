"""A backup of the plan store while servers run: ``backup_store(target, db_url, data_dir)``.

The SQLite store runs in WAL mode: a committed change lives in ``forecast.db-wal`` until a
checkpoint moves it into ``forecast.db``, so copying the file alone (``cp forecast.db``) gives a
store that silently lacks the latest changes. The backup reads the store through SQLite's online
backup API instead: one consistent snapshot of every committed change (the WAL's included; a
transaction still open elsewhere is not in it), taken while servers go on reading and writing.

The copy is written to a temporary file in the target's folder, checked, synced and then renamed
onto the target, so a full disk or a failure half-way leaves no half-written file under the
target's name. An existing file is replaced only when asked.

A PostgreSQL store is backed up with PostgreSQL's own pg_dump (``pg_dump_command`` says how, for
the store's tables in the URL's database, without its password: `pg_commands`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from forecast.services.errors import (
    Conflict,
    Invalid,
    NotFound,
    Unavailable,
)
from forecast.services.pg_commands import by_hand_supply, pg_dump_command
from forecast.services.store_factory import (
    DB_FILENAME,
    resolve_db_url,
    sqlite_file,
)
from forecast.store import (
    sqlite_connection,
)

PAGES_PER_STEP = 1024
"""Pages the backup copies per step from a store in rollback mode, where a reader blocks writers:
between steps a writer gets its turn (and the backup starts over after it wrote). A store in WAL
mode, as every opened store is, is copied in one step: its writers go on beside the reader,
and a copy in steps would start over at every write and, on a store written to every moment,
never end."""


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
