"""Where the store lives: ``open_store(db_url=None, data_dir=None)``.

Resolution order: an explicit `db_url` (``--db``), else ``$FORECAST_DB_URL``, else a SQLite file
``forecast.db`` in the data directory: `data_dir` (``--data-dir``), else ``$FORECAST_DATA_DIR``,
else the per-user data directory (platformdirs, e.g. ``~/.local/share/forecast``).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from forecast.services.errors import Invalid, Unavailable
from forecast.store import PlanRepository, SqlStore, normalise_url

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
        if "://" not in url:
            raise Invalid(
                f"{given} {_safe(url)!r} is not a database URL; use postgresql://user:password@"
                "host/db or leave it out to use the SQLite file in the data directory"
            )
        try:
            driver = make_url(url).drivername
        except ArgumentError as exc:
            raise Invalid(f"{given} {_safe(url)} is not a database URL; {SUPPORTED}") from exc
        if driver not in _DRIVERS:
            backend = driver.split("+")[0]
            name = driver if backend in _DRIVERS.values() else backend  # postgresql+psycopg2
            raise Invalid(f"{given} {_safe(url)}: {name} is not supported; {SUPPORTED}")
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


def sqlite_file(db_url: str | None = None, data_dir: str | Path | None = None) -> Path | None:
    """The SQLite file the store at `db_url` / `data_dir` lives in (None for a database server);
    nothing is created, so a command that only reads can tell that there is no store yet."""
    url = db_url or os.environ.get("FORECAST_DB_URL")
    if url:
        url = normalise_url(url)
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
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
            raise Unavailable(f"cannot open the plan store at {_safe(url)}: {exc}") from exc
        raise Invalid(f"cannot open the plan store at {_safe(url)}: {exc}") from exc


def _safe(url: str) -> str:
    """The URL without its password, for messages (one without a password stays as it is)."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            user = creds.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}"
    return url
