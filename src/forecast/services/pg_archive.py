"""What a pg_dump archive holds (``pg_restore --list``): the store's own entries, the entries of
anything else (a function, a trigger, a view, another schema or table), the plans table's
columns.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from forecast.services.errors import (
    Invalid,
    Unavailable,
)
from forecast.services.pg_commands import pg_dump_command
from forecast.services.pg_tools import _pg_environment, _pg_said
from forecast.store import (
    holds_plans,
    metadata,
)

PG_ARCHIVE_MAGIC = b"PGDMP"
"""How a pg_dump archive of the custom format begins (the format `pg_dump_command` writes)."""


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


def _not_an_archive(source: Path, url: str, what: str) -> Invalid:
    return Invalid(
        f"{source} is not a pg_dump archive{what}; nothing was changed: restore a file made "
        f"with {pg_dump_command(url, source.name)} (the custom format; `forecast store backup` "
        "on this store says so too)"
    )


def _first_five(entries: list[str]) -> str:
    """The first five entries an archive or a store should not hold, and how many more."""
    more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    return "; ".join(entries[:5]) + more


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
