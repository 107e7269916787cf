"""The copies a restore keeps of the store as it was (``forecast-before-restore-<time>.db`` beside a
SQLite store, ``forecast-<db>-<hash>-before-restore-<time>.dump`` in the data directory for a
PostgreSQL store): their names, listing them, deleting the old ones; and the store log.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from forecast.services.errors import (
    Invalid,
    NotFound,
    ServiceError,
    Unavailable,
)
from forecast.services.pg_commands import _query_value
from forecast.services.restore_record import COMMAND_LINE, _postgres_installation_keys
from forecast.services.store_factory import (
    default_data_dir,
    open_store,
    resolve_db_url,
    sqlite_file,
    without_password,
)
from forecast.store import (
    PlanRepository,
    StoreLogEntry,
)

SAFETY_COPY_MARK = "before-restore"
"""In the name of the backup a restore makes of the store it replaces:
``forecast-before-restore-2026-12-06T153012Z.db``."""


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


def _megabytes(size: int) -> str:
    """Rounded up: "free 0.1 MB more" where a few bytes are missing, never "0.0 MB"."""
    return f"{math.ceil(size / 1024 / 1024 * 10) / 10:,.1f} MB"


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
