"""What a restore does in the restored store, SQLite's or PostgreSQL's (``_after_restore``: the
store's installation keys, a new store generation, its sign-ins ended, the store log's row), and
what it answers (``Restore``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from forecast.plan import utc_now
from forecast.services.store_factory import read_once
from forecast.store import (
    STORE_GENERATION,
    logged_actor,
)

COMMAND_LINE = "command line"
"""Who the store log names for a restore when no one is named."""


BUSY_SECONDS = 30.0
"""How long a restore waits for the store's write lock, which another connection may hold (a
long write, a stuck server), before it gives up and changes nothing."""


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


def _postgres_installation_keys(url: str, changed: str = "changed") -> dict[str, str] | None:
    """`_installation_keys` of the PostgreSQL store: its keys without its generation, empty for
    a store that has made none yet, None where it holds no plan store. Only read: a store that
    cannot be reached is refused before anything changes ("nothing was `changed`")."""
    with read_once(url, changed) as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if "plans" not in tables:
            return None
        if "installation" not in tables:
            return {}
        rows = conn.execute(
            sa.text("SELECT name, value FROM installation WHERE name != :name"),
            {"name": STORE_GENERATION},
        ).all()
    return {str(name): str(value) for name, value in rows}
