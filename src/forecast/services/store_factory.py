"""Where the store lives: ``open_store(db_url=None, data_dir=None)``.

Resolution order: an explicit `db_url` (``--db``), else ``$FORECAST_DB_URL``, else a SQLite file
``forecast.db`` in the data directory: `data_dir` (``--data-dir``), else ``$FORECAST_DATA_DIR``,
else the per-user data directory (platformdirs, e.g. ``~/.local/share/forecast``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from forecast.services.errors import Invalid, Unavailable, reason_of
from forecast.store import (
    CONNECT_TIMEOUT_SECONDS,
    LOCK_NOT_AVAILABLE,
    PlanRepository,
    SqlStore,
    normalise_url,
    sqlite_file_of,
)

DB_FILENAME = "forecast.db"
SUPPORTED = (
    "only SQLite (a data directory, or sqlite:///PATH) and PostgreSQL (postgresql://user:password"
    "@host:port/database) are supported"
)
_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql+psycopg": "postgresql"}


def default_data_dir() -> Path:
    env = os.environ.get("FORECAST_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("forecast", appauthor=False))


def resolve_db_url(db_url: str | None = None, data_dir: str | Path | None = None) -> str:
    url = db_url or os.environ.get("FORECAST_DB_URL")
    if url:
        given = "--db" if db_url else "FORECAST_DB_URL"
        url = normalise_url(url)
        driver = parse_db_url(url, given).drivername
        if driver not in _DRIVERS:
            backend = driver.split("+")[0]
            name = driver if backend in _DRIVERS.values() else backend  # postgresql+psycopg2
            raise Invalid(f"{given} {without_password(url)}: {name} is not supported; {SUPPORTED}")
        return url
    directory = Path(data_dir).expanduser() if data_dir else default_data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Invalid(
            f"cannot create the data directory {directory}: {exc.strerror}; "
            "choose another with --data-dir or FORECAST_DATA_DIR"
        ) from exc
    return f"sqlite:///{(directory / DB_FILENAME).resolve()}"


NOT_SHOWN = "(not shown here: it may hold a password)"
"""What a message says in place of a database URL that cannot be read as one: no part of it is
printed, since a password in it cannot be told from the rest."""
_URL_FIX = (
    "write it as postgresql://user:password@host:port/database (or sqlite:///PATH), or leave "
    "it out to use the SQLite file in the data directory"
)
_ENCODE_AT = "an @ in the user or password is written %40 (a : or / in the password as %3A, %2F)"


def parse_db_url(url: str, given: str = "--db") -> URL:
    """`url` read as a database URL; ``Invalid`` saying what is wrong and the fix, without any of
    the text `given` (an option's or a variable's name) held, which may be a password."""
    if "://" not in url:
        looks = re.match(r"(postgres(?:ql)?|sqlite)(?:\+\w+)?\b", url.strip(), re.IGNORECASE)
        like = (
            f": it begins like a {looks.group(1).lower()} URL but has no :// after that name"
            if looks
            else ": it has no :// after the name of a database"
        )
        raise Invalid(f"{given} is not a database URL{like} {NOT_SHOWN}; {_URL_FIX}")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise Invalid(
            f"{given} is not a database URL {NOT_SHOWN}: it does not begin with the name of a "
            f"database and ://; {_URL_FIX}"
        ) from exc
    except ValueError:  # the port is not a number: int()'s words would show it, and it may be
        # a password's part, after an @ in it
        raise Invalid(
            f"{given} is not a database URL {NOT_SHOWN}: the port after the host is not a "
            f"number; give a number (e.g. :5432) or none, and note that {_ENCODE_AT}"
        ) from None
    if "@" in (parsed.host or ""):
        raise Invalid(
            f"{given} is not a database URL {NOT_SHOWN}: it has more than one @ before the "
            f"host, so part of the user or password would be taken for the host; {_ENCODE_AT}"
        )
    return parsed


def sqlite_file(db_url: str | None = None, data_dir: str | Path | None = None) -> Path | None:
    """The SQLite file the store at `db_url` / `data_dir` lives in (None for a database server);
    nothing is created, so a command that only reads can tell that there is no store yet."""
    url = db_url or os.environ.get("FORECAST_DB_URL")
    if url:
        return sqlite_file_of(normalise_url(url))
    directory = Path(data_dir).expanduser() if data_dir else default_data_dir()
    return directory / DB_FILENAME


def open_store(db_url: str | None = None, data_dir: str | Path | None = None) -> PlanRepository:
    """Open (and create the tables of) the plan store."""
    url = resolve_db_url(db_url, data_dir)
    try:
        return SqlStore(url)
    except Exception as exc:  # driver errors differ per backend; the user needs the cause
        if isinstance(exc, Invalid):
            raise
        # Server gone, refused, wrong password, disk full: the store raises Unavailable for these
        # (forecast.errors); a raw OperationalError is kept as a safety net.
        if isinstance(exc, Unavailable | OperationalError):
            raise Unavailable(cannot_open(url, exc)) from exc
        said = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        raise Invalid(f"cannot open the plan store at {without_password(url)}: {said[0]}") from exc


@contextlib.contextmanager
def read_once(url: str, changed: str = "changed") -> Iterator[sa.Connection]:
    """A connection to the PostgreSQL database at `url` for a read before a restore changes
    anything, connecting as the store does (the URL's connect_timeout, else
    `CONNECT_TIMEOUT_SECONDS`); a database that cannot be reached or read is refused
    (Unavailable: "nothing was `changed`")."""
    query = make_url(url).query
    connect_args = (
        {} if "connect_timeout" in query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )
    engine = sa.create_engine(url, connect_args=connect_args, hide_parameters=True)
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise Unavailable(f"{cannot_open(url, exc)}; nothing was {changed}") from exc
    finally:
        engine.dispose()


def cannot_open(url: str, exc: BaseException) -> str:
    """Why the store at `url` could not be opened, once, in the words of its backend and the
    cause: the user and password, the server at host:port, the database's name, the file."""
    where = f"cannot open the plan store at {without_password(url)}"
    cause = exc if isinstance(exc, OperationalError) else exc.__cause__
    if not isinstance(cause, OperationalError):
        return f"{where}: {reason_of(exc)}"
    message = str(cause.orig or cause).strip()
    text = " ".join(message.split()).lower()
    driver = " ".join(message.splitlines()[0].split()) if message else type(cause).__name__
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or "(in memory)"
        if "locked" in text:
            return (
                f"{where}: another program holds the SQLite file {path} locked ({driver}); "
                "try again when it is done, or close it"
            )
        return (
            f"{where}: SQLite could not open the file {path} ({driver}); check that its folder "
            "exists and that you may write there, or give another --data-dir"
        )
    return f"{where}: {_postgres_problem(parsed, cause, driver, text)}"


def _postgres_problem(parsed: URL, cause: OperationalError, driver: str, text: str) -> str:
    server = f"the PostgreSQL server at {parsed.host or 'localhost'}:{parsed.port or 5432}"
    reason = re.split(r"FATAL:|failed: ", driver)[-1].strip() or driver
    if getattr(cause.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return (
            f"a lock it needed was held by another session ({reason}); try again in a moment, "
            "and if it stays locked, end the long transaction holding it (see pg_stat_activity)"
        )
    if any(
        words in text
        for words in ("authentication failed", "no password supplied", "role", "permission denied")
    ):
        return (
            f"{server} did not let user {parsed.username or '(none)'!r} in ({reason}); check the "
            "user and password in the URL"
        )
    if "database" in text and "does not exist" in text:
        return (
            f"{server} has no database {parsed.database!r} ({reason}); check the name at the end "
            f"of the URL, or create it (createdb -O {parsed.username or 'USER'} {parsed.database})"
        )
    unreachable = (
        "connection refused",
        "timeout",
        "timed out",
        "resolve host",
        "translate host",
        "name or service not known",
        "no route to host",
        "network is unreachable",
        "server closed the connection",
    )
    if any(words in text for words in unreachable):
        return (
            f"{server} did not answer ({reason}); check that it is running and reachable from "
            "here, and the host and port in the URL"
        )
    return f"{server} refused the connection ({reason}); check the URL and the server"


def without_password(url: str) -> str:
    """The URL without its password, for messages (one without a password stays as it is): the
    one after the user and a query setting's that is not a known harmless one (`_SHOWN_SETTINGS`:
    ``password=``, ``passfile=``, a misspelt ``passwrd=``), shown as ``***``;
    text that cannot be read as a URL is not shown at all (`NOT_SHOWN`). The password is the
    one SQLAlchemy reads (`_CREDENTIALS`), and what an @ in it would make the host is hidden
    with it."""
    try:
        host = make_url(url).host or ""
    except (ArgumentError, ValueError):
        return NOT_SHOWN
    found = _CREDENTIALS.match(url)
    if found is None:  # no user: the query's settings only (a ? in a password stays hidden)
        return _QUERY_SETTING.sub(_query_setting, url)
    rest = found["rest"]
    if "@" in host:  # the password's @ after the first: what precedes the last was the password's
        rest = rest.removeprefix(host.rsplit("@", 1)[0] + "@")
    rest = _QUERY_SETTING.sub(_query_setting, rest)
    if found["password"] is None and "@" not in host:
        return f"{found['scheme']}{found['user']}@{rest}"
    return f"{found['scheme']}{found['user']}:***@{rest}"


_QUERY_SETTING = re.compile(r"([?&])([^=&#]*)=([^&]*)")


_SHOWN_SETTINGS = frozenset(
    [
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "sslcompression",
        "connect_timeout",
        "application_name",
        "fallback_application_name",
        "target_session_attrs",
        "load_balance_hosts",
        "options",
        "client_encoding",
        "gssencmode",
        "channel_binding",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "krbsrvname",
        "service",
        "require_auth",
        "replication",
        "mode",
        "uri",
        "cache",
        "immutable",
        "nolock",
        "vfs",
    ]
)
"""The URL query settings a message shows as they are (libpq's and SQLite's URI filename's,
none a secret); any other's value, ``password=`` and ``passfile=`` or a misspelt one such as
``passwrd=``, is shown as ``***``."""


def is_shown_setting(name: str) -> bool:
    """Whether a URL's query setting `name` is one a message may show with its value
    (`_SHOWN_SETTINGS`)."""
    return name.lower() in _SHOWN_SETTINGS


def _query_setting(found: re.Match[str]) -> str:
    sign, name, value = found.groups()
    return f"{sign}{name}={value if is_shown_setting(name) else '***'}"


_CREDENTIALS = re.compile(
    r"(?P<scheme>[\w+]+://)(?P<user>[^:/]*)(?::(?P<password>[^@]*))?@(?P<rest>.*)", re.DOTALL
)
"""The user and password of a URL as SQLAlchemy's own parser reads them (sqlalchemy.engine.url):
the user up to a : or /, the password up to the next @."""


def close_open_stores() -> None:
    """Close every plan store this process opened (``forecast.store.close_open_stores``)."""
    from forecast.store import close_open_stores as close_all

    close_all()
