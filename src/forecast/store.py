"""Persistence of plans: a repository with one SQLAlchemy implementation and an in-memory fake.

Tables (created on open):

- ``plans``: id, name, version, status, parent_id, created_by, created_at, updated_at, doc (JSON of
  ``PlanState.to_dict()``), archived_at (NULL unless archived; a copy of the document's, so that
  a list leaves archived plans out without reading documents), currency (the document's ISO code,
  ``''`` for plain numbers, so that a list names it without reading documents; NULL in a row
  written before the column, whose document a list reads instead). A document an older release
  saved lacks the keys it did not know, and that release left these columns as they were: a
  read takes such a key from its column (`_kept_in_row`), and a list reads the document of a row
  whose ``members`` cell is not of the row's version (saved last by an older release).
- ``plan_blobs``: plan_id, kind (``history``, ``attributes``, ``baseline``, ...), Parquet bytes,
  content hash.
- ``audit_log``: id, plan_id, version (the version the change produced), at, actor, action, what,
  before (JSON), after (JSON), reason.
- ``actuals``: plan_id, version (1, 2, ... per plan: one per upload), at, uploaded_by, filename,
  rows, summary (JSON), Parquet bytes of every actual known after that upload (``unique_id, ds,
  y``). An upload adds a version and an audit row in one transaction; the plan's own version does
  not move (actuals are not an edit of the plan).
- ``installation``: name, value: the installation's secret key (signs plan bundles), made on first
  use, so every server of one database signs alike; and the store's generation
  (``STORE_GENERATION``), which every restore of a backup changes; and the store's format
  (``STORE_FORMAT_ROW``), written when a release makes or upgrades the store: a release refuses
  a store of a format newer than its own (``STORE_FORMAT``), before changing anything in it.
- ``store_log``: id, at, actor, action, what, details (JSON): what was done to the store itself,
  such as a restore of a backup (written into the restored store with it: which backup, and
  where the store as it was is kept) or safety copies deleted.

- ``sign_in_failures``: key (a user name or a client address), count in a row, last_failed: the
  sign-in throttle, shared by every server of one database; deleted a day after the last failure.
- ``sign_in_sessions``: id (the SHA-256 digest of a random secret the cookie keeps), account, signed_in_at, ended_at (NULL while open): a
  dashboard sign-in, ended by signing out or when its account is disabled; deleted once older
  than a sign-in can last.
- ``users``: name, display_name, password_hash (argon2, never the password), is_admin, active,
  created_at, updated_at, demo_password_stamp (the `credential_stamp` of the hash `forecast demo`
  made with the demo's public password: while the hash is still that one, the sign-in page may
  name the account, without checking a hash for anyone who opens it; any new password ends it).
  Accounts are disabled, never deleted: the audit log keeps their names.

Every change is one transaction: ``UPDATE plans SET doc, version = version + 1 WHERE id AND
version = :expected``, the blob writes, and one audit row. Zero rows updated means someone else
changed the plan since the caller read it; the change is refused with ``StaleVersion`` whose
message names who changed what since. Any error inside the transaction rolls all of it back.

A new plan's name is checked free (but for the versions of the line it continues) in the
transaction that adds it, after its INSERT (SQLite's write lock) or under an advisory lock
(PostgreSQL), so that two plans made at once cannot share a name.

SQLite (the default, a file in the data directory) runs in WAL mode with a busy timeout so that
several processes can share it; PostgreSQL is used by URL through the same code. On PostgreSQL a
statement waits at most ``LOCK_TIMEOUT_SECONDS`` for a lock another session holds (then
``Unavailable``: one stuck session does not freeze a server's threads; statements themselves are
not timed) and connecting gives up after ``CONNECT_TIMEOUT_SECONDS``.

Tables are created on open (a table a later version adds, such as ``account_log``, too); a
column added to a table after its first release (``ADDED_COLUMNS``) is added on open to a
database made before it (``ALTER TABLE ... ADD COLUMN``, nullable). Several
servers may open one new database at once: on PostgreSQL one makes the tables under an advisory
lock while the others wait; on SQLite one that finds a table made meanwhile looks again.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import sqlite3
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from forecast.errors import (
    Conflict,
    Fix,
    FixKey,
    Invalid,
    Locked,
    NotFound,
    StaleVersion,
    Unavailable,
)
from forecast.plan import PlanState, utc_now
from forecast.vocabulary import IMPORTED_HISTORY

# -- value objects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSummary:
    plan_id: str
    name: str
    version: int
    status: str
    parent_id: str | None
    created_by: str
    created_at: str
    updated_at: str
    archived_at: str | None = None
    currency: str | None = "EUR"  # the plan's ISO code; None: plain numbers

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True)
class WriteRefusal:
    """A database's refusal of a write to one of the store's tables (`PlanRepository.
    write_refusal`): the statement and table refused, in the database's words (`reason`); whether
    every write is refused whatever the rights (`read_only`: a read-only session or a standby
    server) or this role lacks a right; the role, and the schema of the tables."""

    statement: str
    table: str
    reason: str
    read_only: bool
    role: str
    schema: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    plan_id: str
    version: int
    at: str
    actor: str
    action: str
    what: str
    before: Any
    after: Any
    reason: str | None

    def describe(self) -> str:
        return f"version {self.version} by {self.actor} at {self.at}: {self.what}"


@dataclass(frozen=True)
class Account:
    """A person who may sign in. `password_hash` is None for accounts that sign in only through
    an authenticating proxy (`forecast serve --auth header`)."""

    name: str
    display_name: str
    password_hash: str | None
    is_admin: bool
    active: bool
    created_at: str
    updated_at: str
    demo_password_stamp: str | None = None


@dataclass(frozen=True)
class AccountChange:
    """What one account change records in the account log (never a password or its hash)."""

    actor: str
    action: str  # add, disable, enable, password, own_password, set
    what: str


@dataclass(frozen=True)
class AccountLogEntry:
    """One row of the account log: who changed which account, when, and what."""

    id: int
    at: str
    actor: str
    account: str
    action: str
    what: str


@dataclass(frozen=True)
class StoreLogEntry:
    """One row of the store log: who did what to the store itself (a restore), when; `details`:
    the same in fields (the backup restored, the copy of the store as it was)."""

    id: int
    at: str
    actor: str
    action: str
    what: str
    details: dict[str, Any]


@dataclass(frozen=True)
class SignInSession:
    """A dashboard sign-in: open until signed out, or until its account was disabled."""

    id: str
    account: str
    signed_in_at: float
    ended_at: float | None = None


@dataclass(frozen=True)
class ActualsVersion:
    """One upload of actuals for a plan (the data itself is read with ``get_actuals``)."""

    plan_id: str
    version: int
    at: str
    uploaded_by: str
    filename: str
    rows: int
    summary: Any
    audit_id: int | None = None


@dataclass(frozen=True)
class Change:
    """What one save records in the audit log."""

    actor: str
    action: str
    what: str
    before: Any = None
    after: Any = None
    reason: str | None = None


@dataclass(frozen=True)
class PastChange:
    """An audit row of another store carried into a plan added here (an imported plan's
    history): kept at its own time and actor, at version 0 (before the copy's first version),
    as action ``IMPORTED_HISTORY`` with the original action in ``after["source_action"]``, so
    that nothing reading the log for this plan's own changes mistakes it for one."""

    at: str
    actor: str
    what: str
    after: Any = None
    reason: str | None = None


@dataclass(frozen=True)
class PastActuals:
    """An actuals version of another store carried into a plan added here (numbered 1, 2, ... in
    the order given; no audit row of its own: the history carries its upload's)."""

    at: str
    uploaded_by: str
    filename: str
    rows: int
    summary: Any
    data: bytes


# -- frames as blobs -------------------------------------------------------------------------


def frame_to_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def frame_from_bytes(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the repository --------------------------------------------------------------------------


class PlanRepository(ABC):
    """Where plans live. Methods raise ``NotFound``, ``StaleVersion``, ``Invalid`` (a value the
    database refuses) and ``Unavailable`` (database unreachable or busy), all from
    ``forecast.errors``; no driver exception leaves the store."""

    @abstractmethod
    def add(
        self,
        state: PlanState,
        blobs: Mapping[str, bytes],
        change: Change,
        *,
        line: Collection[str] = (),
        history: Sequence[PastChange] = (),
        actuals: Sequence[PastActuals] = (),
    ) -> PlanState:
        """Store a new plan at version 1 with its blobs and an audit row; return it (version 1,
        in the generation of the store it was written in).
        `history` (audit rows of another store) and `actuals` (its actuals versions) go in the
        same transaction, the history before the new audit row.

        ``Conflict`` (``name_taken``) when a plan other than those of `line` (the versions a new
        version continues) bears its name: checked in the writing transaction, so that of two
        plans made at once under one name the second is refused."""

    @abstractmethod
    def get(self, plan_id: str) -> PlanState:
        """The current state of a plan (``state.version`` set), with the store's generation it
        was read in (``state.store_generation``: read together with the plan, so that what a
        reader computes from it is never taken for what a later restore holds)."""

    @abstractmethod
    def list(self) -> list[PlanSummary]:
        """All plans, oldest first."""

    @abstractmethod
    def save(
        self,
        state: PlanState,
        change: Change,
        *,
        expected_version: int,
        blobs: Mapping[str, bytes | None] | None = None,
    ) -> PlanState:
        """Write `state` if the stored version is still `expected_version`; blobs given as None are
        deleted. Returns the state at its new version (in `state`'s generation: what the writer
        computed from it was read there). Raises ``StaleVersion`` otherwise."""

    @abstractmethod
    def get_blob(self, plan_id: str, kind: str) -> bytes:
        """The bytes of one blob; ``NotFound`` if the plan has no blob of that kind."""

    @abstractmethod
    def blob_kinds(self, plan_id: str) -> builtins.list[str]:
        """The kinds of blob a plan has, sorted."""

    def plan_members(self) -> dict[str, dict[str, builtins.list[str]]]:
        """Every plan's members and their roles (``{plan_id: {user: roles}}``), read without the
        rest of the plans' documents where the store can: what the plan lists a person sees
        check. Stores that keep the members apart override this."""
        return {s.plan_id: roles_by_user(self.get(s.plan_id)) for s in self.list()}

    def blob_hashes(self, plan_id: str) -> dict[str, str]:
        """``content_hash`` of each of the plan's blobs by kind (a read model checks by them that
        it was computed from the blobs stored now); stores that keep the hashes override this."""
        return {
            kind: content_hash(self.get_blob(plan_id, kind)) for kind in self.blob_kinds(plan_id)
        }

    @abstractmethod
    def audit(self, plan_id: str) -> builtins.list[AuditEntry]:
        """The audit log of a plan, oldest first."""

    @abstractmethod
    def add_actuals(
        self,
        plan_id: str,
        data: bytes,
        *,
        filename: str,
        rows: int,
        summary: Any,
        change: Change,
        based_on: int | None = None,
        generation: str | None = None,
    ) -> ActualsVersion:
        """Keep one upload of actuals as the plan's next actuals version, with one audit row
        (at the plan's current version) in the same transaction. ``based_on``: the actuals
        version the data was merged over (0: none); ``StaleVersion`` if another was kept since,
        or if the store is no longer in ``generation``, the one the caller read the plan in
        (its ``store_generation``; None: a store never restored): a restore of a backup brings
        back actuals version numbers with other contents. An archived plan is refused
        (``Locked``) in the same transaction."""

    @abstractmethod
    def actuals_versions(self, plan_id: str) -> builtins.list[ActualsVersion]:
        """The plan's actuals uploads, oldest first (empty when none)."""

    @abstractmethod
    def get_actuals(self, plan_id: str, version: int | None = None) -> tuple[ActualsVersion, bytes]:
        """One actuals version (the latest when None) and its Parquet bytes; ``NotFound`` if none."""

    @abstractmethod
    def ping(self) -> None:
        """Answer if the database does (a round trip that reads the store); ``Unavailable`` if
        not."""

    @abstractmethod
    def installation_key(self, purpose: str = "bundle_signing_key") -> bytes:
        """A secret key of the installation (32 bytes) for `purpose` (bundle signing, session
        cookies ...), made on first use and kept in the store, so every server of one database
        has the same one."""

    # Sign-in sessions ----------------------------------------------------------------------------
    @abstractmethod
    def start_session(
        self, session_id: str, account: str, at: float, *, forget_before: float
    ) -> None:
        """Keep a new sign-in `session_id` of `account` at `at` (seconds since the epoch); the
        caller keeps only a digest of the cookie's secret here. Sessions that signed in before
        `forget_before` are deleted (they have ended by then)."""

    @abstractmethod
    def get_session(self, session_id: str) -> SignInSession | None:
        """The session of that id, ended or not; None if there is none."""

    @abstractmethod
    def end_sessions(
        self, at: float, *, session_id: str | None = None, account: str | None = None
    ) -> int:
        """End the session `session_id`, or every open session of `account`; how many ended."""

    @abstractmethod
    def sign_in_failure(self, key: str, at: float, *, forget_before: float) -> int:
        """Count a failed sign-in of `key` (a user name, a client address) at `at`: how many
        failures it has had in a row (one when its last was before `forget_before`). Failures
        of any key last seen before `forget_before` are deleted."""

    @abstractmethod
    def sign_in_failures(self, keys: Collection[str]) -> dict[str, tuple[int, float]]:
        """Per key of `keys` with failures: (how many in a row, when the last was)."""

    @abstractmethod
    def clear_sign_in_failures(self, keys: Collection[str]) -> None:
        """Forget the failures of `keys` (a sign-in succeeded)."""

    # Accounts --------------------------------------------------------------------------------
    @abstractmethod
    def add_account(self, account: Account, change: AccountChange | None = None) -> None:
        """Store a new account (and `change` in the account log, in one transaction);
        ``Conflict`` if the name is taken, or differs from a taken one only in capitals."""

    @abstractmethod
    def get_account(self, name: str) -> Account | None:
        """The account of that name, or None."""

    @abstractmethod
    def find_accounts_ignoring_case(self, name: str) -> builtins.list[Account]:
        """The accounts whose name equals `name` ignoring capitals, by name: at most one, but
        two or more in a store whose accounts were added before such names were refused."""

    @abstractmethod
    def list_accounts(self) -> builtins.list[Account]:
        """All accounts, by name."""

    @abstractmethod
    def update_account(
        self, name: str, *, change: AccountChange | None = None, **values: Any
    ) -> None:
        """Change fields of an account (password_hash, active, is_admin, display_name), and
        record `change` in the account log in the same transaction."""

    @abstractmethod
    def account_log(
        self, *, account: str | None = None, limit: int | None = None
    ) -> builtins.list[AccountLogEntry]:
        """The account log, newest first (of one account with `account`; at most `limit`)."""

    def store_log(self, *, limit: int | None = None) -> builtins.list[StoreLogEntry]:
        """The store log (restores of a backup, safety copies deleted), newest first; at most
        `limit`. Empty in a store that keeps none (the in-memory one)."""
        return []

    def record_in_store_log(  # noqa: B027 - optional hook
        self, actor: str, action: str, what: str, details: dict[str, Any]
    ) -> None:
        """A row of the store log (the in-memory store keeps none)."""

    def write_refusal(self) -> WriteRefusal | None:
        """Why this store's database takes no write from this process (PostgreSQL: a role
        without the right to write its tables, a read-only session or server); None when it
        takes them, and for the other stores (a SQLite file's check is the services')."""
        return None

    def generation(self) -> str:
        """Which restore of a backup the store holds: it changes with every restore, so that a
        cache keyed by it (a plan version's frames) never serves what was read before one: a
        restored plan's version numbers repeat with other contents. Empty when never restored."""
        return ""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections (no-op by default)."""

    # Shared helpers ------------------------------------------------------------------------
    def stale_error(
        self, plan_id: str, expected: int, *, restored: bool = False, current: int | None = None
    ) -> StaleVersion:
        """The refusal of an edit made on version `expected` of a plan that is now at another
        one (SQLite, PostgreSQL and the in-memory store alike): the changes made since, or that
        there is no such version (a version typed that the plan never had). `restored`: the plan
        was read before the store was restored from a backup, so what it read is gone, whatever
        version number the plan has now. `current`: the plan's version now, where the caller
        has read it."""
        if current is None:
            current = self.get(plan_id).version
        reload = Fix(FixKey.RELOAD_PLAN, plan=plan_id, version=current)
        versions = {"expected_version": expected, "current_version": current}
        if restored:
            return StaleVersion(
                f"the store was restored from a backup since you loaded version {expected} of "
                f"plan {plan_id} (it is now version {current}): reload it and make the change "
                "again",
                reload,
                **versions,
            )
        if expected > current or expected < 1:
            return StaleVersion(
                f"there is no version {expected} of plan {plan_id}; the plan is at version "
                f"{current}",
                reload,
                **versions,
            )
        since = [e for e in self.audit(plan_id) if e.version > expected]
        # The last few changes, each cut to a line: a stale edit after hundreds of changes (or
        # one event with a long scope) still gets a message a person reads.
        shown = [_line(e.describe()) for e in since[-STALE_CHANGES_SHOWN:]]
        earlier = len(since) - len(shown)
        changes = "; ".join(shown) or "no recorded change"
        if earlier:
            changes = f"{earlier} earlier change(s), then {changes}"
        return StaleVersion(
            f"plan {plan_id} changed since you loaded version {expected} (it is now version "
            f"{current}): {changes}.",
            reload,
            **versions,
        )

    @staticmethod
    def _not_found(plan_id: str | None) -> NotFound:
        if not plan_id:
            return NotFound("no plan is selected", Fix(FixKey.PICK_PLAN))
        return NotFound(f"there is no plan {plan_id!r}", Fix(FixKey.LIST_PLANS))


STALE_CHANGES_SHOWN = 5
STALE_LINE = 160


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STALE_LINE else text[: STALE_LINE - 3] + "..."


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


# -- SQLAlchemy ------------------------------------------------------------------------------

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _first_line(exc: sa_exc.DBAPIError) -> str:
    """The driver's own message, first line only (no SQL statement, no parameters)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_NUL_REFUSED = re.compile(r"NUL \(0x00\)|\\u0000", re.IGNORECASE)
"""How PostgreSQL's driver (psycopg: "text fields cannot contain NUL (0x00) bytes") and the
server (jsonb: "\\u0000 cannot be converted to text") say that a text holds a NUL."""


def _refused_value_fix(exc: sa_exc.DataError) -> str:
    """What to do about a value the database refused, by what it refused: a NUL character
    (U+0000, which PostgreSQL stores in no text), a text longer than its column, another."""
    if _NUL_REFUSED.search(str(getattr(exc, "orig", None) or exc)):
        return (
            "a name or text holds a NUL character (U+0000), which PostgreSQL cannot store: take "
            "it out (copied text or a damaged export can carry one unseen) and try again"
        )
    if getattr(exc.orig, "sqlstate", None) == STRING_TOO_LONG:
        return (
            "shorten the name or text (plan names up to 300 characters, user names up to 200) "
            "and try again"
        )
    return "check the value it names and try again"


@contextmanager
def database_errors(doing: str, store: object = None) -> Iterator[None]:
    """Turn the database's errors while `doing` into the errors the faces show.

    IntegrityError and DataError (e.g. a value longer than its column on PostgreSQL) mean the
    data was refused: ``Invalid``. OperationalError (server gone, file locked too long, a SQLite
    file this user may not write, named from `store`), a PostgreSQL role without a right, a
    read-only session: ``Unavailable``. The transaction has
    rolled back in every case, so nothing was written.
    """
    try:
        yield
    except sa_exc.IntegrityError as exc:
        raise Invalid(
            f"the database refused to {doing}: {_first_line(exc)}. Nothing was saved; "
            "check that the name or id is not already used and try again"
        ) from exc
    except sa_exc.DataError as exc:
        raise Invalid(
            f"the database refused a value while trying to {doing}: {_first_line(exc)}. "
            f"Nothing was saved; {_refused_value_fix(exc)}"
        ) from exc
    except sa_exc.ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise Unavailable(
            f"the database refused this server's role to {doing}: {_first_line(exc)}. Nothing "
            "was saved; the database's owner grants the role its tables (GRANT SELECT, INSERT, "
            "UPDATE, DELETE ON ALL TABLES IN SCHEMA ... TO role; after an upgrade, the new ones)"
        ) from exc
    except sa_exc.InternalError as exc:
        if getattr(exc.orig, "sqlstate", None) != READ_ONLY_TRANSACTION:
            raise
        raise Unavailable(
            f"the database refused to {doing}: {_first_line(exc)}. Nothing was saved; its "
            "sessions became read-only (default_transaction_read_only turned on, or the server "
            "is a standby now): give the servers the URL of the primary, or turn the setting off"
        ) from exc
    except sa_exc.DatabaseError as exc:
        if _from_sqlite(exc) and _damaged_file(exc):
            raise Unavailable(
                f"the database could not {doing}: the SQLite file is damaged "
                f"({_first_line(exc)[:DAMAGE_SHOWN]}). Nothing was saved; stop the servers and "
                "restore the last backup that `forecast store backup` wrote (README, section "
                "Backups)"
            ) from exc
        if not isinstance(exc, sa_exc.OperationalError):
            raise
        if _from_sqlite(exc) and sqlite_readonly(exc.orig):
            saved = ";" if doing.split(" ", 1)[0] in _READS else ". Nothing was saved;"
            raise Unavailable(
                f"the database could not {doing}: {not_writable(_file_of(store), exc.orig)}"
                f"{saved} {writable_fix(_file_of(store))}, and try again"
            ) from exc
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Unavailable(
                f"the database could not {doing}: a row or lock it needed (a plan, an account, "
                f"the right to add plans or set up the tables) is held by another session (it "
                f"waited "
                f"{LOCK_TIMEOUT_SECONDS} s for it). Nothing was saved; try again in a "
                "moment, and if it stays locked, end the long transaction holding it (see "
                "pg_stat_activity)"
            ) from exc
        saved = ";" if doing.split(" ", 1)[0] in _READS else ". Nothing was saved;"
        check = (
            "check that no other program holds the SQLite file locked"
            if _from_sqlite(exc)
            else "check that the database server is running and reachable"
        )
        raise Unavailable(
            f"the database could not {doing}: {_first_line(exc)}{saved} {check} and try again"
        ) from exc


_READS = frozenset({"read", "list", "count"})


DAMAGE_SHOWN = 80
"""Characters of SQLite's damage message shown (one about a column quotes the column's text)."""

_DAMAGE_MARKS = ("malformed", "not a database", "could not decode")


def _damaged_file(exc: sa_exc.DBAPIError) -> bool:
    return any(mark in str(exc.orig).lower() for mark in _DAMAGE_MARKS)


def _from_sqlite(exc: sa_exc.DBAPIError) -> bool:
    return type(getattr(exc, "orig", None)).__module__.startswith("sqlite3")


SQLITE_READONLY = 8
"""SQLite's primary result code for a write to a file (or folder) it may not write; its extended
codes (SQLITE_READONLY_DIRECTORY, ...) keep it in the low byte."""


def sqlite_answer(error: object) -> int | None:
    """SQLite's primary result code of an error (its extended codes keep it in the low byte:
    SQLITE_CORRUPT for each kind of damage); None for an error without one."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def sqlite_readonly(error: object) -> bool:
    """Whether a SQLite error is its "attempt to write a readonly database": the file, or the
    folder its journal goes to, is not writable for the user this process runs as."""
    answer = sqlite_answer(error)
    if answer is not None:
        return answer == SQLITE_READONLY
    return "readonly database" in str(error).lower()


def running_as() -> str:
    """The name of the user this process runs as (its id when the system has no name for it)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # no pwd module (Windows), or a bare uid
        return str(getattr(os, "geteuid", lambda: "this user")())


def not_writable(file: Path | None, error: object) -> str:
    """What happened, naming the file: "the SQLite file PATH is not writable (SQLite's words)"."""
    where = f"the SQLite file {file}" if file is not None else "the SQLite file"
    return f"{where} is not writable ({str(error).strip().splitlines()[0]})"


def writable_fix(file: Path | None) -> str:
    """How to fix a SQLite file that is not writable: its and its folder's permissions for the
    user this process runs as (SQLite writes its journal beside the file)."""
    if file is None:
        return (
            f"check that user {running_as()} may write the file and its folder (SQLite writes "
            "its journal beside the file): their owner and permissions"
        )
    return (
        f"check that user {running_as()} may write {file} and its folder {file.parent} (SQLite "
        "writes its journal beside the file): their owner and permissions"
    )


def _file_of(store: object) -> Path | None:
    """The SQLite file of `store` (a `SqlStore`), when it has one."""
    find = getattr(store, "_sqlite_file", None)
    if find is None or getattr(store, "engine", None) is None:
        return None
    file = find()
    return file if isinstance(file, Path) else None


def _wrapped(doing: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    def decorate(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(fn)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with database_errors(doing, args[0] if args else None):
                return fn(*args, **kwargs)

        return call

    return decorate


metadata = sa.MetaData()

LOG_ACTOR_CHARS = 200
"""The length of the actor column of the store log and the account log: a longer name (one a
command line gives, unchecked) is cut to it (`logged_actor`)."""


def logged_actor(actor: str) -> str:
    """The actor as a log row of the store log or the account log keeps it."""
    return actor[:LOG_ACTOR_CHARS]


STORE_MARK_COLUMNS = frozenset({"id", "name", "doc", "version"})
"""Columns of ``plans`` that every release had: a file with other tables is not a plan store."""


def sqlite_tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """The tables of a SQLite database, each with its columns."""
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {
        name: {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (name,))}
        for name in names
    }


def holds_plans(tables: Mapping[str, Collection[str]]) -> bool:
    """Whether tables (`sqlite_tables`) are a plan store's."""
    return set(tables.get("plans", ())) >= STORE_MARK_COLUMNS


def shown_tables(tables: Collection[str]) -> str:
    names = sorted(tables)
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "") if names else "none"


def sqlite_connection(path: Path, mode: str, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection to the SQLite file `path`: `mode` ro (read only), rw (never creates the
    file; a reader of a WAL store needs to open its -shm) or rwc. A lock another connection
    holds is waited for `timeout` seconds."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=timeout)


def refuse_another_programs_database(path: Path) -> None:
    """A SQLite file that holds tables but not this store's plans is another program's: opening
    it as the store must not add this store's tables to it, nor a restore end it (a wrong
    --data-dir, or a backup of something else restored as forecast.db). A file without tables,
    or one SQLite cannot read (damaged or locked: the open, or the restore, says what it is),
    passes."""
    if not path.is_file():
        return
    try:
        # Read-write, which never creates the file: a reader of a WAL file needs its -shm. A
        # check only: sqlite3's default wait for a lock.
        with contextlib.closing(sqlite_connection(path, "rw", timeout=5.0)) as conn:
            tables = sqlite_tables(conn)
    except sqlite3.Error:
        return
    if tables and not holds_plans(tables):
        raise Invalid(
            f"{path} is not a plan store (its tables: {shown_tables(tables)}); nothing was "
            "changed in it: give the data directory of the plan store (--data-dir or "
            "FORECAST_DATA_DIR), or restore a backup that `forecast store backup` wrote"
        )


plans_table = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("parent_id", sa.String(64), nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("doc", sa.Text, nullable=False),
    sa.Column("archived_at", sa.String(40), nullable=True),
    sa.Column("currency", sa.String(16), nullable=True),
    # the members' roles apart from the document (`_members_cell`): the plan lists read them
    # without the rest; NULL, or a cell of another version than the row's, leaves it to the doc
    sa.Column("members", sa.Text, nullable=True),
)

PLAIN_NUMBERS_CELL = ""
"""The ``currency`` of a plan in plain numbers (its document's None): NULL is a row written
before the column, whose currency only its document gives."""

# Columns added to a table after it was first released: (table, column, SQL type). create_all
# makes a missing table whole but leaves an existing one as it is, so a database made before
# gets these on open (`SqlStore._add_missing_columns`); each is nullable, NULL meaning what
# documents without the field mean (but plans.currency, whose NULL leaves it to the plan's
# document: the open that adds the column copies each document's currency into it).
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("plans", "archived_at", "VARCHAR(40)"),
    ("users", "demo_password_stamp", "VARCHAR(64)"),
    ("plans", "currency", "VARCHAR(16)"),
    ("plans", "members", "TEXT"),
)

blobs_table = sa.Table(
    "plan_blobs",
    metadata,
    sa.Column("plan_id", sa.String(64), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("kind", sa.String(100), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(64), sa.ForeignKey("plans.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
)


actuals_table = sa.Table(
    "actuals",
    metadata,
    sa.Column("plan_id", sa.String(64), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("uploaded_by", sa.String(200), nullable=False),
    sa.Column("filename", sa.String(500), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Column("audit_id", sa.Integer, nullable=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
)


def _currency_cell(currency: str | None) -> str:
    return currency if currency is not None else PLAIN_NUMBERS_CELL


def _document_currency(doc: str) -> str | None:
    """The currency a plan's stored document gives (EUR for one written before plans had one)."""
    return PlanState.from_json(doc).currency


def _members_cell(state: PlanState, version: int) -> str:
    """The ``members`` cell of a plan row at `version`: each member's roles, with the version
    they are of. A server of an earlier version saves a plan without it, so a cell whose version
    is not the row's is stale and the document is read instead."""
    members = dict(sorted(roles_by_user(state).items()))
    return json.dumps({"version": version, "members": members}, ensure_ascii=False)


def _cell_members(cell: str | None, version: int) -> dict[str, builtins.list[str]] | None:
    """The members a ``members`` cell holds for a row at `version`; None when the cell cannot
    say (NULL, or written at another version): the document then says."""
    if cell is None:
        return None
    try:
        held = json.loads(cell)
    except ValueError:
        return None
    if not isinstance(held, dict) or held.get("version") != version:
        return None
    members = held.get("members")
    return members if isinstance(members, dict) else None


def roles_by_user(state: PlanState) -> dict[str, builtins.list[str]]:
    """A plan's members and their roles, as the plan lists read them."""
    return {user: list(m.roles) for user, m in state.members.items()}


DAMAGED_DOCUMENT = (ValueError, TypeError, KeyError, AttributeError)
"""What reading a stored plan document that is not one raises (hand-edited, or written by
another program)."""


def _document_members(doc: str) -> dict[str, builtins.list[str]]:
    """The members a stored document names; none for a document that cannot be read, so one
    damaged plan leaves the others' lists whole (an admin still lists it; opening it refuses)."""
    try:
        return roles_by_user(PlanState.from_json(doc))
    except DAMAGED_DOCUMENT:
        return {}


def _kept_in_row(currency_cell: str | None, archived_at: str | None) -> dict[str, Any]:
    """What a plan row's columns hold of the document's keys, for a document that lacks them
    (`PlanState.from_json`'s `lacking`). An older release saves a plan with the keys it knows
    only and leaves the columns it does not know as they were: a key today's release always
    writes that the document lacks (absent, not null) is the column's, which that release could
    not have changed. A NULL column (a row written before it) leaves the document's default."""
    kept: dict[str, Any] = {}
    if currency_cell is not None:
        kept["currency"] = currency_cell if currency_cell != PLAIN_NUMBERS_CELL else None
    if archived_at is not None:
        kept["archived_at"] = archived_at
    return kept


def _listed_from_document(
    doc: Any, currency_cell: str | None, archived_at: str | None
) -> tuple[str | None, str | None]:
    """The archive time and currency a list gives a row whose columns alone cannot say, read as
    `SqlStore.get` reads the plan."""
    kept = _kept_in_row(currency_cell, archived_at)
    try:
        state = PlanState.from_json(str(doc), lacking=kept)
    except DAMAGED_DOCUMENT:  # listed all the same; opening it refuses, with the reason
        return archived_at, kept.get("currency")
    return state.archived_at, state.currency


def _refuse_actuals_on_archived(plan_id: str, archived_at: str | None) -> None:
    if archived_at is not None:
        raise Locked(
            f"plan {plan_id} was archived at {archived_at} and is read-only: its actuals are "
            f"kept again once it is unarchived (`forecast plan unarchive {plan_id}`)"
        )


def _refuse_stale_actuals(
    plan_id: str, latest: int, based_on: int | None, *, read_in: str | None, written_in: str
) -> None:
    """`read_in`: the store generation the caller read `based_on` in; `written_in`: the
    store's generation in the writing transaction."""
    if based_on is None:
        return
    if (read_in or "") != written_in:
        raise StaleVersion(
            f"the store was restored from a backup since you read actuals version {based_on} "
            f"of plan {plan_id} (its latest is now version {latest}): nothing was kept; "
            "upload the file again"
        )
    if latest != based_on:
        raise StaleVersion(
            f"actuals version {latest} of plan {plan_id} was kept meanwhile (this was merged "
            f"over version {based_on})"
        )


ACCOUNT_NAMES_LOCK = 7_305_112_003
"""PostgreSQL advisory lock held while an account is added (its INSERT and the name check)."""

PLAN_NAMES_LOCK = 7_305_112_001
"""PostgreSQL advisory lock held while a plan is added (the name check and the INSERT)."""


def _refuse_taken_name(name: str, others: builtins.set[str]) -> None:
    if others:
        raise Conflict(f"there is already a plan named {name!r} here; choose another name")


def _no_actuals(plan_id: str) -> NotFound:
    return NotFound(f"plan {plan_id} has no actuals yet", Fix(FixKey.UPLOAD_ACTUALS, plan=plan_id))


installation_table = sa.Table(
    "installation",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

INSTALLATION_KEY = "bundle_signing_key"
STORE_GENERATION = "store_generation"
"""The ``installation`` row that names the store's generation: a new one with every restore of a
backup, so that a server's caches drop what they read before it (``PlanRepository.generation``)."""


STORE_FORMAT_ROW = "store_format"
"""The ``installation`` row that names the store's format (`STORE_FORMAT`), written when the
store is made or upgraded by a release."""

STORE_FORMAT = 1
"""The format of the store this release writes: its tables and its plans' documents. A release
that changes them so that an earlier one would misread or damage them raises it; a release
refuses to open a store of a format newer than its own (the first with the number: none older
than it knows to refuse). 1: the first release that wrote the number."""


def _generation_query() -> sa.ScalarSelect[Any]:
    return (
        sa.select(installation_table.c.value)
        .where(installation_table.c.name == STORE_GENERATION)
        .scalar_subquery()
    )


users_table = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(400), nullable=True),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("demo_password_stamp", sa.String(64), nullable=True),
)

ACCOUNT_FIELDS = ("display_name", "password_hash", "is_admin", "active", "demo_password_stamp")

MAX_FAILURE_KEYS = 100_000
"""Keys the sign-in throttle keeps at most (the least recently failed go first)."""

failures_table = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("last_failed", sa.Float, nullable=False, index=True),
)

# Every change of an account (added, disabled, enabled, a password set, admin or display name
# changed): who, when, what. Written in the transaction of the change; a store made before it
# gets the table on open (create_all makes missing tables).
account_log_table = sa.Table(
    "account_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(LOG_ACTOR_CHARS), nullable=False),
    sa.Column("account", sa.String(200), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("what", sa.Text, nullable=False),
)

# What was done to the store itself: a restore of a backup (written by the restore into the store
# it puts in place, in the same transaction: the restored store replaces this table too), safety
# copies of the store deleted. Raw SQLite writes it (services.restore_record, services.safety_copies):
# the columns stay plain.
store_log_table = sa.Table(
    "store_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(LOG_ACTOR_CHARS), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("details", sa.Text, nullable=True),
)

sessions_table = sa.Table(
    "sign_in_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(200), nullable=False, index=True),
    sa.Column("signed_in_at", sa.Float, nullable=False, index=True),
    sa.Column("ended_at", sa.Float, nullable=True),
)


def sqlite_file_of(url: str | sa.engine.URL) -> Path | None:
    """The file of the SQLite database at `url`, its query left out, a URI filename
    (``sqlite:///file:PATH?mode=ro&uri=true``) read as PATH; None for another database, one in
    memory, or a URL that is none (opening the store says what is wrong with it)."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa_exc.ArgumentError, ValueError):  # ValueError: a port that is no number
        return None
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    if path.startswith("file:"):  # a URI filename
        from urllib.parse import unquote

        # without the parameters after a "?" the URL's path held escaped (%3F), as SQLite reads
        # it; file:///PATH and file://localhost/PATH are the file PATH too
        path = re.split(r"[?#]", path.removeprefix("file:"), maxsplit=1)[0]
        path = re.sub(r"^//(?:localhost)?(?=/)", "", path)
        return Path(unquote(path))
    return Path(path)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3; other URLs pass unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


LOCK_TIMEOUT_SECONDS = 10
"""PostgreSQL: how long a statement waits for a lock another session holds (a plan row under a
long transaction, an advisory lock) before it fails as ``Unavailable``, so that one stuck session
cannot freeze every thread of a server. Statements themselves are not timed: a long write goes on."""
CONNECT_TIMEOUT_SECONDS = 10
"""PostgreSQL: how long connecting to an unreachable host is tried before ``Unavailable``."""
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE of a lock_timeout
INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE of a permission denied
READ_ONLY_TRANSACTION = "25006"  # PostgreSQL's SQLSTATE of a write in a read-only transaction
STRING_TOO_LONG = "22001"  # PostgreSQL's SQLSTATE of a text longer than its column

SCHEMA_LOCK = 7_305_112_002
"""PostgreSQL advisory lock held while the store's tables are made or completed on open."""


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    query = sa.engine.make_url(url).query
    connect_args = (
        {} if "connect_timeout" in query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )
    # hide_parameters: a statement's values (the installation's keys, a password hash) are never
    # in the text of an error, wherever it is shown or logged.
    engine = sa.create_engine(
        url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True
    )
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _postgres_session)
    return engine


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    """A lock wait of a session ends after `LOCK_TIMEOUT_SECONDS` (unless the database's or the
    role's settings or the URL's options already bound it)."""
    cursor = dbapi_connection.cursor()
    cursor.execute(
        "SELECT CASE WHEN current_setting('lock_timeout') = '0' "
        "THEN set_config('lock_timeout', %s, false) END",
        (f"{LOCK_TIMEOUT_SECONDS}s",),
    )
    cursor.close()
    dbapi_connection.commit()


@contextmanager
def _held(engine: Engine, key: int) -> Iterator[None]:
    """A PostgreSQL session advisory lock held on a connection of its own for the block."""
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_lock(key)))
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                conn.commit()
            except sa_exc.DBAPIError:
                conn.invalidate()  # closing the session releases its locks


SQLITE_WAL_TRIES = 50


def _sqlite_wal(cursor: Any) -> None:
    """WAL mode (kept in the file). Switching a new file to it is refused at once ("database is
    locked", without the busy timeout) while another connection switches it too: wait and try
    again; once the other has switched, the file is in WAL mode and this passes."""
    for attempt in range(SQLITE_WAL_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == SQLITE_WAL_TRIES - 1:
                raise
            time.sleep(0.1)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    _sqlite_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_OPEN_STORES: weakref.WeakSet[SqlStore] = weakref.WeakSet()
"""The stores this process opened and has not dropped, for `close_open_stores`."""


def close_open_stores() -> None:
    """Close every store this process still holds: SQLite folds its write-ahead log back into
    the database file when its last connection closes. A process that leaves with
    ``os._exit`` (the command line) does no garbage collection that would close them."""
    for store in list(_OPEN_STORES):
        with contextlib.suppress(Exception):  # leaving anyway: a store that fails to close stays
            store.close()


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    """The device and inode of the file at `path` (None: no path, or no file there)."""
    if path is None:
        return None
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


TABLE_WRITES: dict[str, tuple[str, ...]] = {
    "plans": ("INSERT", "UPDATE"),
    "plan_blobs": ("INSERT", "DELETE"),
    "audit_log": ("INSERT",),
    "actuals": ("INSERT",),
    "installation": ("INSERT", "UPDATE"),
    "users": ("INSERT", "UPDATE"),
    "sign_in_failures": ("INSERT", "UPDATE", "DELETE"),
    "sign_in_sessions": ("INSERT", "UPDATE", "DELETE"),
    "account_log": ("INSERT",),
    "store_log": ("INSERT",),
}
"""The statements the store issues on each of its tables, and so the rights `write_refusal`
asks of a PostgreSQL role: the logs, the audit trail and the actuals are only appended to, and
no plan, account or installation row is deleted, so a role without those rights (an audit setup)
runs the store. A new write of the store's adds its statement here (a unit test holds the two
together)."""


def quote_ident(name: str) -> str:
    """`name` as a quoted SQL identifier (a schema's or a table's): in double quotes, an embedded
    ``"`` doubled, as PostgreSQL's quote_ident and pg_dump's patterns read it."""
    return '"' + name.replace('"', '""') + '"'


def sql_name(name: str) -> str:
    """`name` (a schema's, a role's) as a statement a person copies takes it: as it is where it
    needs no quotes (lower-case letters, digits and _, not a reserved word), else `quote_ident`'s."""
    from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS

    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name not in RESERVED_WORDS:
        return name
    return quote_ident(name)


def _write_probes(table: sa.Table) -> list[tuple[str, Any]]:
    """Each statement the store issues on `table` (`TABLE_WRITES`), touching no row."""
    columns = list(table.c)
    key = next(iter(table.primary_key.columns), columns[0])
    nothing = sa.false()
    probes = {
        "INSERT": table.insert().from_select(columns, sa.select(*columns).where(nothing)),
        "UPDATE": table.update().where(nothing).values({key.name: key}),
        "DELETE": table.delete().where(nothing),
    }
    return [(statement, probes[statement]) for statement in TABLE_WRITES[table.name]]


def _sequence_refused(conn: Connection, table: sa.Table, schema: str) -> str | None:
    """Why an INSERT into `table` could not number its row (the role may not use the sequence
    of its id); None when it may, or the table numbers none."""
    column = table.autoincrement_column
    if column is None:
        return None
    sequence = conn.execute(
        sa.select(
            sa.func.pg_get_serial_sequence(
                f"{quote_ident(schema)}.{quote_ident(table.name)}", column.name
            )
        )
    ).scalar()
    if sequence is None:
        return None
    # nextval() takes either right; the function is true when the role holds any listed
    may = conn.execute(
        sa.select(sa.func.has_sequence_privilege(sequence, "USAGE, UPDATE"))
    ).scalar()
    return None if may else f"permission denied for sequence {sequence}"


class SqlStore(PlanRepository):
    """The repository on SQLite or PostgreSQL. `schema` (PostgreSQL only) isolates tests."""

    def __init__(self, url: str, *, schema: str | None = None, engine: Engine | None = None):
        _OPEN_STORES.add(self)
        self.url = normalise_url(url)
        self._opened_file: tuple[int, int] | None = None  # the SQLite file's, once open
        if engine is None:
            engine = _make_engine(self.url)
        with database_errors("open the plan store", self):
            self.schema = schema
            self.engine = (
                engine.execution_options(schema_translate_map={None: schema}) if schema else engine
            )
            if engine.dialect.name == "postgresql":
                with _held(engine, SCHEMA_LOCK):  # one opener makes the tables, the others wait
                    self._create_tables(engine)
            else:
                self._remember_the_file_on_connect()
                self._create_tables_sqlite()
        self._remember_the_file()

    def _create_tables(self, engine: Engine) -> None:
        if self.schema:
            with engine.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}"))
        self._refuse_a_newer_format()
        try:
            metadata.create_all(self.engine)
        except sa_exc.ProgrammingError as exc:  # a role that may use the tables, not make them
            with self.engine.connect() as conn:
                have = set(sa.inspect(conn).get_table_names(schema=self.schema))
            missing = sorted(set(metadata.tables) - have)
            if not missing:
                raise
            tables = ", ".join(missing)
            raise Unavailable(
                f"the database lacks the table(s) {tables}, which this version adds, and this "
                f"role may not make them ({type(exc.orig).__name__}): run `forecast plan list "
                f"--db URL` once with the owner's URL, then let this role use them (GRANT "
                f"SELECT, INSERT, UPDATE, DELETE ON {tables} TO this role)"
            ) from exc
        self._add_missing_columns()
        self._write_format()

    def _create_tables_sqlite(self) -> None:
        """create_all checks a table is missing, then makes it: another process making it in
        between fails this one's CREATE TABLE ("already exists"). Checking again finds it."""
        self._refuse_another_programs_database()
        self._refuse_a_newer_format()
        for attempt in range(len(metadata.tables) + 1):
            try:
                metadata.create_all(self.engine)
                break
            except sa_exc.OperationalError as exc:
                if "already exists" not in str(exc.orig) or attempt == len(metadata.tables):
                    raise
        self._add_missing_columns()
        self._write_format()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction (`engine.begin()`), begun only while the store's SQLite file is
        still the one it opened (`_refuse_another_file`)."""
        self._refuse_another_file("Nothing was saved")
        with self.engine.begin() as conn:
            yield conn

    def _remember_the_file_on_connect(self) -> None:
        """The SQLite file's identity is remembered again by the first connection after
        `close` (which forgets it): a store closed and used again holds the file it then finds,
        as a store opened anew would."""
        if self._sqlite_file() is None:
            return
        store = weakref.ref(self)

        def remember(_dbapi_connection: Any, _record: Any) -> None:
            found = store()
            if found is not None and found._opened_file is None:
                found._remember_the_file()

        sa.event.listen(self.engine, "connect", remember)

    def _remember_the_file(self) -> None:
        """Note the device and inode of the store's SQLite file (None: not SQLite, or none)."""
        self._opened_file = _file_identity(self._sqlite_file())

    def _refuse_another_file(self, outcome: str) -> None:
        """Refuse (``Unavailable``) when the path of the store's SQLite file no longer leads to
        the file this store opened (the same device and inode): it was moved, deleted or
        replaced while the store was open. Its connections would go on with the file they
        opened, whose writes a deleted file loses and a restarted server does not read. One
        stat; nothing on PostgreSQL or in memory. The file put back without its write-ahead log
        (-wal) is not told (a connection that opened the file before it had tables has no log
        open, so a log missing beside the file is no sign of one left elsewhere): the refusal
        names the -wal and -shm to put back with it."""
        opened = self._opened_file
        if opened is None:
            return
        path = self._sqlite_file()
        assert path is not None
        now = _file_identity(path)
        if now == opened:
            return
        if now is None:
            what = f"the SQLite file {path} is gone (moved or deleted while the store was open)"
        else:
            what = (
                f"the SQLite file {path} is another file than the one this server opened (the "
                "store's file was moved or replaced while it ran)"
            )
        raise Unavailable(
            f"{what}. {outcome}; put the store's files back: {path} with the {path.name}-wal "
            f"and {path.name}-shm that were beside it (as they exist; without the -wal what was "
            "written last is lost), or restore the last backup there (`forecast store "
            "restore`) and restart the server, which opens the file it finds there (a new, "
            "empty store where there is none)"
        )

    def _stored_format(self) -> str | None:
        """The store's format number as its ``installation`` row says it; None for a store made
        before the number (or a new one)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("installation", schema=self.schema):
                return None
            c = installation_table.c
            return conn.execute(sa.select(c.value).where(c.name == STORE_FORMAT_ROW)).scalar()

    def _refuse_a_newer_format(self) -> None:
        """Before anything is made or added: a newer release's store is left as it was."""
        stored = self._stored_format()
        if stored is None:
            return
        try:
            newer = int(stored) > STORE_FORMAT
        except ValueError:
            newer = True
        if newer:
            raise Unavailable(
                f"this store was written by a newer release (format {stored}); install that "
                f"release or newer (this one writes format "
                f"{STORE_FORMAT}; going back to an older release is not supported). Nothing "
                "was changed in it"
            )

    def _write_format(self) -> None:
        """Write this release's format into a store made or upgraded just now. Two openers of
        one store may both write it: the one that finds it written goes on."""
        if self._stored_format() == str(STORE_FORMAT):
            return
        c = installation_table.c
        row = {"name": STORE_FORMAT_ROW, "value": str(STORE_FORMAT)}
        try:
            with self.engine.begin() as conn:
                updated = conn.execute(
                    installation_table.update().where(c.name == STORE_FORMAT_ROW).values(row)
                ).rowcount
                if not updated:
                    conn.execute(installation_table.insert().values(row))
        except sa_exc.IntegrityError:
            if self._stored_format() != str(STORE_FORMAT):
                raise
        except sa_exc.DBAPIError as exc:
            # a store opened read-only (a reporting copy, a user with read rights only; on
            # PostgreSQL a role without the right, a read-only session or a standby) is read as
            # it is: its format is known to be no newer, and a writer will note it
            refused = (
                sqlite_readonly(exc.orig)
                if isinstance(exc, sa_exc.OperationalError) and _from_sqlite(exc)
                else getattr(exc.orig, "sqlstate", None)
                in (INSUFFICIENT_PRIVILEGE, READ_ONLY_TRANSACTION)
            )
            if not refused:
                raise

    def _refuse_another_programs_database(self) -> None:
        """Read before the engine connects: the engine's first connection switches the file to
        WAL mode, a change kept in the file."""
        sqlite_file = self._sqlite_file()
        if sqlite_file is not None:
            refuse_another_programs_database(sqlite_file)

    def _sqlite_file(self) -> Path | None:
        """The SQLite database's file; None for another database or one in memory."""
        return sqlite_file_of(self.engine.url)

    def _columns(self, table: str) -> set[str]:
        with self.engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns(table, schema=self.schema)}

    def _add_missing_columns(self) -> None:
        """Add `ADDED_COLUMNS` a database made before them lacks. Two servers opening an old
        database at once may both try: the one that loses finds the column there and goes on."""
        postgres = self.engine.dialect.name == "postgresql"
        for table, column, kind in ADDED_COLUMNS:
            if column in self._columns(table):
                continue
            name = f"{quote_ident(self.schema)}.{table}" if self.schema else table
            if_missing = "IF NOT EXISTS " if postgres else ""
            try:
                with self.engine.begin() as conn:
                    if postgres:  # wait for the table's lock a while, not behind every reader
                        conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
                    conn.execute(
                        sa.text(f"ALTER TABLE {name} ADD COLUMN {if_missing}{column} {kind}")
                    )
            except sa_exc.DBAPIError as exc:
                if column not in self._columns(table):
                    raise Unavailable(
                        f"the database's table {table} lacks the column {column}, which this "
                        f"version adds, and adding it failed ({type(exc.orig).__name__}): if "
                        "another connection held the table, try again; else open the store once "
                        "as the database's owner (any `forecast` command does it), or run "
                        f"ALTER TABLE {name} ADD COLUMN {column} {kind}"
                    ) from exc
            if (table, column) == ("plans", "currency"):
                self._fill_plan_currencies()
            if (table, column) == ("plans", "members"):
                self._fill_plan_members()

    def _fill_plan_members(self) -> None:
        """Write each plan's members cell from its document, in a database made before the
        column (each plan once; one a save filled meanwhile is left as it is)."""
        self._fill_from_documents(
            plans_table.c.members,
            lambda doc, version: _members_cell(PlanState.from_json(doc), version),
            same_version=True,
        )

    def _fill_plan_currencies(self) -> None:
        """Copy each plan's currency from its document into the column a database made before it
        just got. Every opener that found the column missing does it (each plan once: a plan
        another filled meanwhile is left as it is); a plan left unfilled is listed from its
        document."""
        self._fill_from_documents(
            plans_table.c.currency, lambda doc, _version: _currency_cell(_document_currency(doc))
        )

    def _fill_from_documents(
        self, column: Any, cell_of: Callable[[str, int], str], *, same_version: bool = False
    ) -> None:
        """Fill `column` where it is empty with `cell_of(document, version)`, one plan (one
        document in memory) at a time. A damaged document leaves its cell empty: the lists read
        the document and refuse it there with the reason, and the store still opens.
        `same_version`: write only while the row is at the version read."""
        c = plans_table.c
        with self.engine.connect() as conn:
            unfilled = conn.execute(sa.select(c.id).where(column.is_(None))).scalars().all()
        for plan_id in unfilled:
            with self.engine.begin() as conn:
                row = conn.execute(sa.select(c.doc, c.version).where(c.id == plan_id)).first()
                if row is None or row.doc is None:
                    continue
                try:
                    cell = cell_of(row.doc, int(row.version))
                except DAMAGED_DOCUMENT:
                    continue
                where = [c.id == plan_id, column.is_(None)]
                if same_version:
                    where.append(c.version == row.version)
                conn.execute(plans_table.update().where(*where).values({column.name: cell}))

    def close(self) -> None:
        """Close the connections; the file's identity is forgotten with them (used again, the
        store opens the file it then finds: `_remember_the_file_on_connect`)."""
        self.engine.dispose()
        self._opened_file = None

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- reads ------------------------------------------------------------------------------
    @_wrapped("read the plan")
    def get(self, plan_id: str) -> PlanState:
        # One statement, one snapshot: a restore lands before both or after both.
        c = plans_table.c
        query = sa.select(
            c.doc, c.version, c.currency, c.archived_at, _generation_query().label("generation")
        ).where(c.id == plan_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise self._not_found(plan_id)
        try:
            state = PlanState.from_json(
                row.doc, version=row.version, lacking=_kept_in_row(row.currency, row.archived_at)
            )
        except DAMAGED_DOCUMENT as exc:
            raise Unavailable(
                f"plan {plan_id}'s stored document cannot be read ({type(exc).__name__}: "
                f"{str(exc)[:DAMAGE_SHOWN]}). Nothing was changed; restore the last backup "
                "(`forecast store restore`, README section Backups)"
            ) from exc
        if state.archived_at is not None and state.archived_by is None:
            # archived by this release, saved since by an older one: the audit log says by whom
            state.archived_by = self._archived_by(plan_id)
        state.store_generation = row.generation or ""
        return state

    def _archived_by(self, plan_id: str) -> str | None:
        a = audit_table.c
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(a.actor)
                .where(a.plan_id == plan_id, a.action == "archive")
                .order_by(a.id.desc())
                .limit(1)
            ).scalar()

    @_wrapped("list the plans")
    def list(self) -> list[PlanSummary]:
        c = plans_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    c.id,
                    c.name,
                    c.version,
                    c.status,
                    c.parent_id,
                    c.created_by,
                    c.created_at,
                    c.updated_at,
                    c.archived_at,
                    c.currency,
                    c.members,
                ).order_by(c.created_at, c.id)
            ).all()
            read: dict[str, tuple[str | None, str | None]] = {}
            for r in rows:
                # The columns say what the document says in a row this release wrote last (its
                # members cell stamped with the row's version); in any other, the document
                # says, read as `get` reads it: one at a time, and rare.
                if r.currency is None or _cell_members(r.members, r.version) is None:
                    doc = conn.execute(sa.select(c.doc).where(c.id == r.id)).scalar()
                    read[r.id] = _listed_from_document(doc, r.currency, r.archived_at)
        return [
            PlanSummary(
                r.id,
                r.name,
                r.version,
                r.status,
                r.parent_id,
                r.created_by,
                r.created_at,
                r.updated_at,
                *read.get(r.id, (r.archived_at, _kept_in_row(r.currency, None).get("currency"))),
            )
            for r in rows
        ]

    @_wrapped("list the plans' members")
    def plan_members(self) -> dict[str, dict[str, builtins.list[str]]]:
        c = plans_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.id, c.version, c.members)).all()
            found = {r.id: _cell_members(r.members, r.version) for r in rows}
            unsaid = [plan_id for plan_id, members in found.items() if members is None]
            for plan_id in unsaid:  # a row an earlier version wrote: its document says
                doc = conn.execute(sa.select(c.doc).where(c.id == plan_id)).scalar()
                found[plan_id] = {} if doc is None else _document_members(doc)
        return {plan_id: members or {} for plan_id, members in found.items()}

    @_wrapped("read the plan's data")
    def get_blob(self, plan_id: str, kind: str) -> bytes:
        c = blobs_table.c
        with self.engine.connect() as conn:
            data = conn.execute(
                sa.select(c.data).where(c.plan_id == plan_id, c.kind == kind)
            ).scalar()
        if data is None:
            raise NotFound(f"plan {plan_id} has no stored {kind}")
        return bytes(data)

    @_wrapped("list the plan's data")
    def blob_kinds(self, plan_id: str) -> builtins.list[str]:
        c = blobs_table.c
        with self.engine.connect() as conn:
            kinds = conn.execute(sa.select(c.kind).where(c.plan_id == plan_id)).scalars().all()
        return sorted(kinds)

    @_wrapped("list the plan's data")
    def blob_hashes(self, plan_id: str) -> dict[str, str]:
        c = blobs_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.kind, c.content_hash).where(c.plan_id == plan_id)).all()
        return {str(kind): str(digest) for kind, digest in rows}

    @_wrapped("read the audit log")
    def audit(self, plan_id: str) -> builtins.list[AuditEntry]:
        c = audit_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(audit_table).where(c.plan_id == plan_id).order_by(c.id)
            ).all()
        return [
            AuditEntry(
                id=r.id,
                plan_id=r.plan_id,
                version=r.version,
                at=r.at,
                actor=r.actor,
                action=r.action,
                what=r.what,
                before=_load(r.before),
                after=_load(r.after),
                reason=r.reason,
            )
            for r in rows
        ]

    @_wrapped("list the plan's actuals")
    def actuals_versions(self, plan_id: str) -> builtins.list[ActualsVersion]:
        c = actuals_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    c.plan_id,
                    c.version,
                    c.at,
                    c.uploaded_by,
                    c.filename,
                    c.rows,
                    c.summary,
                    c.audit_id,
                )
                .where(c.plan_id == plan_id)
                .order_by(c.version)
            ).all()
        return [_actuals_version(r) for r in rows]

    @_wrapped("read the plan's actuals")
    def get_actuals(self, plan_id: str, version: int | None = None) -> tuple[ActualsVersion, bytes]:
        c = actuals_table.c
        query = sa.select(actuals_table).where(c.plan_id == plan_id)
        if version is None:
            query = query.order_by(c.version.desc()).limit(1)
        else:
            query = query.where(c.version == int(version))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            if version is None:
                raise _no_actuals(plan_id)
            raise NotFound(f"plan {plan_id} has no actuals version {version}")
        return _actuals_version(row), bytes(row.data)

    @_wrapped("keep the actuals")
    def add_actuals(
        self,
        plan_id: str,
        data: bytes,
        *,
        filename: str,
        rows: int,
        summary: Any,
        change: Change,
        based_on: int | None = None,
        generation: str | None = None,
    ) -> ActualsVersion:
        now = utc_now()
        c = actuals_table.c
        with self._writing() as conn:
            # Lock the plan row first (PostgreSQL; SQLite's write lock comes with the UPDATE) so
            # that two uploads at once number their versions one after the other.
            locked = conn.execute(
                plans_table.update()
                .where(plans_table.c.id == plan_id)
                .values(version=plans_table.c.version)
                .returning(plans_table.c.version, plans_table.c.archived_at)
            ).first()
            if locked is None:
                raise self._not_found(plan_id)
            plan_version, archived_at = locked
            _refuse_actuals_on_archived(plan_id, archived_at)
            last = conn.execute(sa.select(sa.func.max(c.version)).where(c.plan_id == plan_id))
            latest = int(last.scalar() or 0)
            written_in = conn.execute(sa.select(_generation_query())).scalar() or ""
            _refuse_stale_actuals(
                plan_id, latest, based_on, read_in=generation, written_in=written_in
            )
            version = latest + 1
            kept_as = _kept_as(change, version)
            audit_id = self._insert_audit(conn, plan_id, int(plan_version), now, kept_as)
            conn.execute(
                actuals_table.insert().values(
                    plan_id=plan_id,
                    version=version,
                    at=now,
                    uploaded_by=change.actor,
                    filename=filename,
                    rows=int(rows),
                    summary=_dump(summary),
                    audit_id=audit_id,
                    data=data,
                    content_hash=content_hash(data),
                )
            )
        return ActualsVersion(
            plan_id,
            version,
            now,
            change.actor,
            filename,
            int(rows),
            _load(_dump(summary)),
            audit_id,
        )

    @_wrapped("read anything")
    def ping(self) -> None:
        # A deleted (or moved, or replaced) SQLite file answers from a pooled connection, or
        # from a new, empty file that connecting made in its place.
        self._refuse_another_file("The store cannot be used")
        with self.engine.connect() as conn:
            conn.execute(sa.select(plans_table.c.id).limit(1))

    @_wrapped("check that this server may write the tables")
    def write_refusal(self) -> WriteRefusal | None:
        """PostgreSQL: every table of the store is written to as the store writes it (the
        statements of `TABLE_WRITES`, each of no row: the database checks the role's rights and a
        read-only session or server all the same) in one transaction that is rolled back, so
        nothing changes; the role's right to use the sequences of the tables' ids (USAGE or
        UPDATE) is asked of the database. The first refusal, or None.
        Always None on SQLite (whose file the services check: `services.writable`)."""
        if self.engine.dialect.name != "postgresql":
            return None
        with self.engine.connect() as conn:
            role, schema = conn.execute(sa.text("SELECT current_user, current_schema()")).one()
            schema = self.schema or schema
            try:  # one transaction (begun by the query above), rolled back
                for table in metadata.sorted_tables:
                    for statement, probe in _write_probes(table):
                        try:
                            conn.execute(probe)
                        except sa_exc.DBAPIError as exc:
                            state = getattr(exc.orig, "sqlstate", None)
                            if state not in (INSUFFICIENT_PRIVILEGE, READ_ONLY_TRANSACTION):
                                raise
                            read_only = state == READ_ONLY_TRANSACTION
                            reason = _first_line(exc)
                            return WriteRefusal(
                                statement, table.name, reason, read_only, role, schema
                            )
                for table in metadata.sorted_tables:
                    refused = _sequence_refused(conn, table, schema)
                    if refused:
                        return WriteRefusal("INSERT", table.name, refused, False, role, schema)
            finally:
                conn.rollback()
        return None

    @_wrapped("read the store's generation")
    def generation(self) -> str:
        query = sa.select(_generation_query())
        with self.engine.connect() as conn:
            return conn.execute(query).scalar() or ""

    @_wrapped("read the installation's key")
    def installation_key(self, purpose: str = INSTALLATION_KEY) -> bytes:
        query = sa.select(installation_table.c.value).where(installation_table.c.name == purpose)
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        if found is None:
            try:
                with self._writing() as conn:
                    conn.execute(
                        installation_table.insert().values(
                            name=purpose, value=secrets.token_hex(32)
                        )
                    )
            except sa_exc.IntegrityError:
                pass  # another server made it first: use theirs
            with self.engine.connect() as conn:
                found = conn.execute(query).scalar_one()
        return bytes.fromhex(found)

    # -- sign-in sessions ---------------------------------------------------------------------
    @_wrapped("start the session")
    def start_session(
        self, session_id: str, account: str, at: float, *, forget_before: float
    ) -> None:
        c = sessions_table.c
        with self._writing() as conn:
            conn.execute(sessions_table.delete().where(c.signed_in_at < forget_before))
            conn.execute(
                sessions_table.insert().values(id=session_id, account=account, signed_in_at=at)
            )

    @_wrapped("read the session")
    def get_session(self, session_id: str) -> SignInSession | None:
        query = sa.select(sessions_table).where(sessions_table.c.id == session_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else SignInSession(*row)

    @_wrapped("end the sessions")
    def end_sessions(
        self, at: float, *, session_id: str | None = None, account: str | None = None
    ) -> int:
        c = sessions_table.c
        which = c.id == session_id if session_id is not None else c.account == account
        with self._writing() as conn:
            result = conn.execute(
                sessions_table.update().where(which, c.ended_at.is_(None)).values(ended_at=at)
            )
        return int(result.rowcount)

    @_wrapped("count the failed sign-in")
    def sign_in_failure(self, key: str, at: float, *, forget_before: float) -> int:
        c = failures_table.c
        for attempt in range(3):
            try:
                with self._writing() as conn:
                    conn.execute(failures_table.delete().where(c.last_failed < forget_before))
                    counted = conn.execute(
                        failures_table.update()
                        .where(c.key == key)
                        .values(count=c.count + 1, last_failed=at)
                        .returning(c.count)
                    ).first()
                    if counted is not None:
                        return int(counted[0])
                    conn.execute(failures_table.insert().values(key=key, count=1, last_failed=at))
                    self._keep_newest_failures(conn)
                    return 1
            except sa_exc.IntegrityError:  # another server counted the key's first failure
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _keep_newest_failures(self, conn: Connection) -> None:
        """At most ``MAX_FAILURE_KEYS`` keys: names and addresses made up by the million (a
        spray from rotating addresses) push out the oldest, not the database's size."""
        c = failures_table.c
        kept = conn.execute(sa.select(sa.func.count()).select_from(failures_table)).scalar_one()
        if kept <= MAX_FAILURE_KEYS:
            return
        cutoff = conn.execute(
            sa.select(c.last_failed).order_by(c.last_failed.desc()).offset(MAX_FAILURE_KEYS)
        ).first()
        if cutoff is not None:
            conn.execute(failures_table.delete().where(c.last_failed <= cutoff[0]))

    @_wrapped("read the failed sign-ins")
    def sign_in_failures(self, keys: Collection[str]) -> dict[str, tuple[int, float]]:
        c = failures_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(c.key, c.count, c.last_failed).where(c.key.in_(list(keys)))
            ).all()
        return {key: (int(count), float(last)) for key, count, last in rows}

    @_wrapped("forget the failed sign-ins")
    def clear_sign_in_failures(self, keys: Collection[str]) -> None:
        with self._writing() as conn:
            conn.execute(failures_table.delete().where(failures_table.c.key.in_(list(keys))))

    # -- accounts ---------------------------------------------------------------------------
    @_wrapped("add the account")
    def add_account(self, account: Account, change: AccountChange | None = None) -> None:
        postgres = self.engine.dialect.name == "postgresql"
        try:  # the primary key decides: of two accounts added at once under one name, one stays
            with self._writing() as conn:
                if postgres:  # accounts are added one at a time: no two names alike but case
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ACCOUNT_NAMES_LOCK)))
                conn.execute(users_table.insert().values(**account.__dict__))
                if change is not None:
                    _insert_account_change(conn, account.name, change)
                # after the INSERT (SQLite's write lock): one added meanwhile is seen
                alike = conn.execute(
                    sa.select(users_table.c.name).where(
                        sa.func.lower(users_table.c.name) == account.name.lower(),
                        users_table.c.name != account.name,
                    )
                ).first()
                if alike is not None:
                    raise Conflict(_account_alike(account.name, alike.name))
        except sa_exc.IntegrityError as exc:
            if self.get_account(account.name) is None:
                raise
            raise Conflict(_account_taken(account.name)) from exc

    @_wrapped("read the account")
    def get_account(self, name: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users_table).where(users_table.c.name == name)).first()
        return None if row is None else _account(row)

    @_wrapped("read the accounts")
    def find_accounts_ignoring_case(self, name: str) -> builtins.list[Account]:
        c = users_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(users_table).where(sa.func.lower(c.name) == name.lower()).order_by(c.name)
            ).all()
        return [_account(r) for r in rows]

    @_wrapped("list the accounts")
    def list_accounts(self) -> builtins.list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users_table).order_by(users_table.c.name)).all()
        return [_account(r) for r in rows]

    @_wrapped("change the account")
    def update_account(
        self, name: str, *, change: AccountChange | None = None, **values: Any
    ) -> None:
        unknown = set(values) - set(ACCOUNT_FIELDS)
        if unknown:
            raise ValueError(f"unknown account fields {sorted(unknown)}")
        with self._writing() as conn:
            result = conn.execute(
                users_table.update()
                .where(users_table.c.name == name)
                .values(**values, updated_at=utc_now())
            )
            if result.rowcount == 1 and change is not None:
                _insert_account_change(conn, name, change)
        if result.rowcount != 1:
            raise NotFound(f"there is no account {name!r}", Fix(FixKey.LIST_ACCOUNTS))

    @_wrapped("read the account log")
    def account_log(
        self, *, account: str | None = None, limit: int | None = None
    ) -> builtins.list[AccountLogEntry]:
        t = account_log_table
        query = sa.select(t).order_by(t.c.id.desc())
        if account is not None:
            query = query.where(t.c.account == account)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [AccountLogEntry(r.id, r.at, r.actor, r.account, r.action, r.what) for r in rows]

    @_wrapped("read the store log")
    def store_log(self, *, limit: int | None = None) -> builtins.list[StoreLogEntry]:
        t = store_log_table
        query = sa.select(t).order_by(t.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            StoreLogEntry(r.id, r.at, r.actor, r.action, r.what, json.loads(r.details or "{}"))
            for r in rows
        ]

    # -- writes -----------------------------------------------------------------------------

    @_wrapped("write the store log")
    def record_in_store_log(
        self, actor: str, action: str, what: str, details: dict[str, Any]
    ) -> None:
        with self._writing() as conn:
            conn.execute(
                store_log_table.insert().values(
                    at=utc_now(),
                    actor=logged_actor(actor),
                    action=action,
                    what=what,
                    details=json.dumps(details),
                )
            )

    @_wrapped("store the new plan")
    def add(
        self,
        state: PlanState,
        blobs: Mapping[str, bytes],
        change: Change,
        *,
        line: Collection[str] = (),
        history: Sequence[PastChange] = (),
        actuals: Sequence[PastActuals] = (),
    ) -> PlanState:
        now = utc_now()
        stored = state.copy()
        stored.version = 1
        stored.updated_at = now
        c = plans_table.c
        # READ COMMITTED whatever the URL sets: the name check must see a plan added by the
        # session that held the lock before (a REPEATABLE READ snapshot is taken at the lock).
        postgres = self.engine.dialect.name == "postgresql"
        names = (
            self.engine.execution_options(isolation_level="READ COMMITTED")
            if postgres
            else self.engine
        )
        self._refuse_another_file("Nothing was saved")
        with names.begin() as conn:
            if postgres:  # plans are added one at a time: names stay one
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PLAN_NAMES_LOCK)))
            exists = conn.execute(sa.select(c.id).where(c.id == state.plan_id)).first()
            if exists:
                raise Invalid(f"a plan with id {state.plan_id!r} already exists")
            conn.execute(
                plans_table.insert().values(
                    id=stored.plan_id,
                    name=stored.name,
                    version=1,
                    status=stored.status,
                    parent_id=stored.parent_id,
                    created_by=stored.created_by,
                    created_at=stored.created_at,
                    updated_at=now,
                    doc=stored.to_json(),
                    archived_at=stored.archived_at,
                    currency=_currency_cell(stored.currency),
                    members=_members_cell(stored, 1),
                )
            )
            # After the INSERT, which holds SQLite's write lock: a plan added meanwhile is seen.
            holders = conn.execute(
                sa.select(c.id).where(c.name == stored.name, c.id != stored.plan_id)
            ).scalars()
            _refuse_taken_name(stored.name, set(holders) - set(line))
            self._write_blobs(conn, stored.plan_id, blobs, now)
            for past in history:
                self._insert_audit(conn, stored.plan_id, 0, past.at, _past_change(past))
            for number, kept in enumerate(actuals, start=1):
                conn.execute(
                    actuals_table.insert().values(
                        plan_id=stored.plan_id,
                        version=number,
                        at=kept.at,
                        uploaded_by=kept.uploaded_by,
                        filename=kept.filename,
                        rows=int(kept.rows),
                        summary=_dump(kept.summary),
                        audit_id=None,
                        data=kept.data,
                        content_hash=content_hash(kept.data),
                    )
                )
            self._insert_audit(conn, stored.plan_id, 1, now, change)
            stored.store_generation = conn.execute(sa.select(_generation_query())).scalar() or ""
        return stored

    @_wrapped("save the change")
    def save(
        self,
        state: PlanState,
        change: Change,
        *,
        expected_version: int,
        blobs: Mapping[str, bytes | None] | None = None,
    ) -> PlanState:
        now = utc_now()
        stored = state.copy()
        stored.updated_at = now
        stored.version = expected_version + 1
        c = plans_table.c
        with self._writing() as conn:
            # The conditional UPDATE comes first so that SQLite takes its write lock at once.
            # A state read before a restore of a backup is stale even where the restored plan
            # has its version number again: saving it would write the old plan over the restored.
            same_store = sa.func.coalesce(_generation_query(), "") == (state.store_generation or "")
            result = conn.execute(
                plans_table.update()
                .where(c.id == state.plan_id, c.version == expected_version, same_store)
                .values(
                    doc=stored.to_json(),
                    version=c.version + 1,
                    name=stored.name,
                    status=stored.status,
                    parent_id=stored.parent_id,
                    updated_at=now,
                    archived_at=stored.archived_at,
                    currency=_currency_cell(stored.currency),
                    members=_members_cell(stored, stored.version),
                )
            )
            updated = result.rowcount
            if updated == 1:
                self._write_blobs(conn, state.plan_id, blobs or {}, now)
                self._insert_audit(conn, state.plan_id, stored.version, now, change)
        if updated != 1:
            now_stored = sa.select(c.version, _generation_query().label("generation"))
            with self.engine.connect() as conn:
                row = conn.execute(now_stored.where(c.id == state.plan_id)).first()
            if row is None:
                raise self._not_found(state.plan_id)
            raise self.stale_error(
                state.plan_id,
                expected_version,
                restored=(row.generation or "") != (state.store_generation or ""),
                current=row.version,
            )
        return stored

    def _write_blobs(
        self, conn: Connection, plan_id: str, blobs: Mapping[str, bytes | None], now: str
    ) -> None:
        c = blobs_table.c
        for kind, data in blobs.items():
            conn.execute(blobs_table.delete().where(c.plan_id == plan_id, c.kind == kind))
            if data is not None:
                conn.execute(
                    blobs_table.insert().values(
                        plan_id=plan_id,
                        kind=kind,
                        data=data,
                        content_hash=content_hash(data),
                        updated_at=now,
                    )
                )

    def _insert_audit(
        self, conn: Connection, plan_id: str, version: int, now: str, change: Change
    ) -> int:
        result = conn.execute(
            audit_table.insert().values(
                plan_id=plan_id,
                version=version,
                at=now,
                actor=change.actor,
                action=change.action,
                what=change.what,
                before=_dump(change.before),
                after=_dump(change.after),
                reason=change.reason,
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # an INSERT always has one
        return int(key[0])


def _kept_as(change: Change, version: int) -> Change:
    """The audit row of keeping actuals `version`: it names the version it kept, in its words
    and as ``actuals_version`` in its ``after``, as a plan's change names the plan version it made
    (the number is only known here, in the writing transaction)."""
    after = change.after
    if after is None or isinstance(after, dict):
        after = {**(after or {}), "actuals_version": version}
    return replace(change, what=f"{change.what}; kept as actuals version {version}", after=after)


def _past_change(past: PastChange) -> Change:
    return Change(
        actor=past.actor,
        action=IMPORTED_HISTORY,
        what=past.what,
        after=past.after,
        reason=past.reason,
    )


def _actuals_version(row: Any) -> ActualsVersion:
    return ActualsVersion(
        plan_id=row.plan_id,
        version=int(row.version),
        at=row.at,
        uploaded_by=row.uploaded_by,
        filename=row.filename,
        rows=int(row.rows),
        summary=_load(row.summary),
        audit_id=row.audit_id,
    )


def _insert_account_change(conn: Connection, account: str, change: AccountChange) -> None:
    conn.execute(
        account_log_table.insert().values(
            at=utc_now(),
            actor=logged_actor(change.actor),
            account=account,
            action=change.action,
            what=change.what,
        )
    )


def _account(row: Any) -> Account:
    return Account(
        name=row.name,
        display_name=row.display_name,
        password_hash=row.password_hash,
        is_admin=bool(row.is_admin),
        active=bool(row.active),
        created_at=row.created_at,
        updated_at=row.updated_at,
        demo_password_stamp=row.demo_password_stamp,
    )


# -- in-memory fake (service tests) ------------------------------------------------------------


class MemoryStore(PlanRepository):
    """Same contract as SqlStore, held in dicts (documents are stored as JSON text, so callers
    never share mutable state with the store). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[str, tuple[int, str, PlanSummary]] = {}
        self._blobs: dict[tuple[str, str], bytes] = {}
        self._audit: list[AuditEntry] = []
        self._actuals: dict[str, list[tuple[ActualsVersion, bytes]]] = {}
        self._keys: dict[str, bytes] = {}
        self._accounts: dict[str, Account] = {}
        self._sessions: dict[str, SignInSession] = {}
        self._failures: dict[str, tuple[int, float]] = {}
        self._account_log: list[AccountLogEntry] = []

    def ping(self) -> None:
        return None

    def installation_key(self, purpose: str = INSTALLATION_KEY) -> bytes:
        with self._lock:
            return self._keys.setdefault(purpose, secrets.token_bytes(32))

    def start_session(
        self, session_id: str, account: str, at: float, *, forget_before: float
    ) -> None:
        with self._lock:
            for old in [s for s in self._sessions.values() if s.signed_in_at < forget_before]:
                del self._sessions[old.id]
            self._sessions[session_id] = SignInSession(session_id, account, at)

    def get_session(self, session_id: str) -> SignInSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def end_sessions(
        self, at: float, *, session_id: str | None = None, account: str | None = None
    ) -> int:
        with self._lock:
            ending = [
                s
                for s in self._sessions.values()
                if s.ended_at is None
                and (s.id == session_id if session_id is not None else s.account == account)
            ]
            for session in ending:
                self._sessions[session.id] = replace(session, ended_at=at)
        return len(ending)

    def sign_in_failure(self, key: str, at: float, *, forget_before: float) -> int:
        with self._lock:
            for old in [k for k, (_, last) in self._failures.items() if last < forget_before]:
                del self._failures[old]
            count = self._failures.get(key, (0, at))[0] + 1
            self._failures[key] = (count, at)
            while len(self._failures) > MAX_FAILURE_KEYS:
                oldest = min(self._failures, key=lambda k: self._failures[k][1])
                del self._failures[oldest]
            return count

    def sign_in_failures(self, keys: Collection[str]) -> dict[str, tuple[int, float]]:
        with self._lock:
            return {k: self._failures[k] for k in keys if k in self._failures}

    def clear_sign_in_failures(self, keys: Collection[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def add_account(self, account: Account, change: AccountChange | None = None) -> None:
        with self._lock:
            if account.name in self._accounts:
                raise Conflict(_account_taken(account.name))
            for name in self._accounts:
                if name.lower() == account.name.lower():
                    raise Conflict(_account_alike(account.name, name))
            self._accounts[account.name] = account
            self._log_account(account.name, change)

    def _log_account(self, account: str, change: AccountChange | None) -> None:
        if change is not None:
            entry = AccountLogEntry(
                len(self._account_log) + 1,
                utc_now(),
                change.actor,
                account,
                change.action,
                change.what,
            )
            self._account_log.append(entry)

    def account_log(
        self, *, account: str | None = None, limit: int | None = None
    ) -> builtins.list[AccountLogEntry]:
        with self._lock:
            rows = [e for e in reversed(self._account_log) if account in (None, e.account)]
        return rows if limit is None else rows[:limit]

    def get_account(self, name: str) -> Account | None:
        with self._lock:
            return self._accounts.get(name)

    def find_accounts_ignoring_case(self, name: str) -> builtins.list[Account]:
        with self._lock:
            return [self._accounts[n] for n in sorted(self._accounts) if n.lower() == name.lower()]

    def list_accounts(self) -> builtins.list[Account]:
        with self._lock:
            return [self._accounts[n] for n in sorted(self._accounts)]

    def update_account(
        self, name: str, *, change: AccountChange | None = None, **values: Any
    ) -> None:
        unknown = set(values) - set(ACCOUNT_FIELDS)
        if unknown:
            raise ValueError(f"unknown account fields {sorted(unknown)}")
        with self._lock:
            if name not in self._accounts:
                raise NotFound(f"there is no account {name!r}", Fix(FixKey.LIST_ACCOUNTS))
            self._accounts[name] = replace(self._accounts[name], **values, updated_at=utc_now())
            self._log_account(name, change)

    def add(
        self,
        state: PlanState,
        blobs: Mapping[str, bytes],
        change: Change,
        *,
        line: Collection[str] = (),
        history: Sequence[PastChange] = (),
        actuals: Sequence[PastActuals] = (),
    ) -> PlanState:
        now = utc_now()
        stored = state.copy()
        stored.version = 1
        stored.updated_at = now
        with self._lock:
            if state.plan_id in self._plans:
                raise Invalid(f"a plan with id {state.plan_id!r} already exists")
            holders = {pid for pid, (_, _, s) in self._plans.items() if s.name == stored.name}
            _refuse_taken_name(stored.name, holders - set(line))
            self._put(stored)
            for kind, data in blobs.items():
                self._blobs[(stored.plan_id, kind)] = bytes(data)
            for past in history:
                self._append_audit(stored.plan_id, 0, past.at, _past_change(past))
            self._actuals[stored.plan_id] = [
                (
                    ActualsVersion(
                        stored.plan_id,
                        number,
                        kept.at,
                        kept.uploaded_by,
                        kept.filename,
                        int(kept.rows),
                        _load(_dump(kept.summary)),
                        None,
                    ),
                    bytes(kept.data),
                )
                for number, kept in enumerate(actuals, start=1)
            ]
            self._append_audit(stored.plan_id, 1, now, change)
        stored.store_generation = self.generation()
        return stored

    def _put(self, stored: PlanState) -> None:
        summary = PlanSummary(
            stored.plan_id,
            stored.name,
            stored.version,
            stored.status,
            stored.parent_id,
            stored.created_by,
            stored.created_at,
            stored.updated_at,
            stored.archived_at,
            stored.currency,
        )
        doc = stored.to_json()
        self._plans[stored.plan_id] = (stored.version, doc, summary)

    def _append_audit(self, plan_id: str, version: int, now: str, change: Change) -> int:
        self._audit.append(
            AuditEntry(
                id=len(self._audit) + 1,
                plan_id=plan_id,
                version=version,
                at=now,
                actor=change.actor,
                action=change.action,
                what=change.what,
                before=_load(_dump(change.before)),
                after=_load(_dump(change.after)),
                reason=change.reason,
            )
        )
        return len(self._audit)

    def get(self, plan_id: str) -> PlanState:
        with self._lock:
            if plan_id not in self._plans:
                raise self._not_found(plan_id)
            version, doc, _ = self._plans[plan_id]
        state = PlanState.from_json(doc, version=version)
        state.store_generation = self.generation()
        return state

    def list(self) -> list[PlanSummary]:
        with self._lock:
            summaries = [s for _, _, s in self._plans.values()]
        return sorted(summaries, key=lambda s: (s.created_at, s.plan_id))

    def save(
        self,
        state: PlanState,
        change: Change,
        *,
        expected_version: int,
        blobs: Mapping[str, bytes | None] | None = None,
    ) -> PlanState:
        now = utc_now()
        stored = state.copy()
        stored.updated_at = now
        stored.version = expected_version + 1
        with self._lock:
            if state.plan_id not in self._plans:
                raise self._not_found(state.plan_id)
            if self._plans[state.plan_id][0] != expected_version:
                stale = True
            else:
                stale = False
                self._put(stored)
                for kind, data in (blobs or {}).items():
                    if data is None:
                        self._blobs.pop((state.plan_id, kind), None)
                    else:
                        self._blobs[(state.plan_id, kind)] = bytes(data)
                self._append_audit(state.plan_id, stored.version, now, change)
        if stale:
            raise self.stale_error(state.plan_id, expected_version)
        return stored

    def get_blob(self, plan_id: str, kind: str) -> bytes:
        with self._lock:
            data = self._blobs.get((plan_id, kind))
        if data is None:
            raise NotFound(f"plan {plan_id} has no stored {kind}")
        return data

    def blob_kinds(self, plan_id: str) -> builtins.list[str]:
        with self._lock:
            return sorted(kind for (pid, kind) in self._blobs if pid == plan_id)

    def audit(self, plan_id: str) -> builtins.list[AuditEntry]:
        with self._lock:
            return [e for e in self._audit if e.plan_id == plan_id]

    def add_actuals(
        self,
        plan_id: str,
        data: bytes,
        *,
        filename: str,
        rows: int,
        summary: Any,
        change: Change,
        based_on: int | None = None,
        generation: str | None = None,
    ) -> ActualsVersion:
        now = utc_now()
        with self._lock:
            if plan_id not in self._plans:
                raise self._not_found(plan_id)
            _refuse_actuals_on_archived(plan_id, self._plans[plan_id][2].archived_at)
            kept = self._actuals.setdefault(plan_id, [])
            _refuse_stale_actuals(
                plan_id, len(kept), based_on, read_in=generation, written_in=self.generation()
            )
            kept_as = _kept_as(change, len(kept) + 1)
            audit_id = self._append_audit(plan_id, self._plans[plan_id][0], now, kept_as)
            version = ActualsVersion(
                plan_id,
                len(kept) + 1,
                now,
                change.actor,
                filename,
                int(rows),
                _load(_dump(summary)),
                audit_id,
            )
            kept.append((version, bytes(data)))
        return version

    def actuals_versions(self, plan_id: str) -> builtins.list[ActualsVersion]:
        with self._lock:
            return [v for v, _ in self._actuals.get(plan_id, [])]

    def get_actuals(self, plan_id: str, version: int | None = None) -> tuple[ActualsVersion, bytes]:
        with self._lock:
            kept = list(self._actuals.get(plan_id, []))
        if not kept:
            raise _no_actuals(plan_id)
        if version is None:
            return kept[-1]
        for item in kept:
            if item[0].version == int(version):
                return item
        raise NotFound(f"plan {plan_id} has no actuals version {version}")


def _account_alike(name: str, existing: str) -> str:
    return (
        f"there is already an account {existing!r}, which differs from {name!r} only in "
        "capitals: two such names are easily taken for one another, so choose another name (or "
        f"use {existing!r})"
    )


def _account_taken(name: str) -> str:
    return (
        f"there is already an account {name!r}; choose another name, or set its password with "
        f"`forecast user passwd {name}`"
    )
