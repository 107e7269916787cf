"""The PostgreSQL tools' commands as printed for a person (``pg_dump_command``,
``pg_restore_command``) and the URL as the tools are given it: without its password and the
settings that may carry secrets (``url_without_password``, ``by_hand_supply``).
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from forecast.services.store_factory import (
    is_shown_setting,
)
from forecast.store import (
    metadata,
    quote_ident,
)

_DROP_STORE_TABLES = "DROP TABLE IF EXISTS " + ", ".join(sorted(metadata.tables)) + ";"
"""What the PostgreSQL restore (and the manual restore it prints) drops before the archive's
tables are made again: this version's tables."""


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


def _libpq_url(url: str, *, service: str | None = None) -> str:
    """`url` as a libpq connection string (PostgreSQL's tools take it as --dbname): without the
    driver and the password, with the URL's query settings known to be harmless (host=, port=,
    sslmode=, ...: `url_without_password`), and the connection `service` (`_pg_tools`) that
    holds the others, where it is given."""
    return url_without_password(url, driver="postgresql", service=service)


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
