"""A SQLite store named by a URI filename (``sqlite:///file:PATH?mode=ro&uri=true``, a read-only
look at a store) is the file PATH for every command, as the store itself reads the URL: a
command that reads plans finds the store there instead of saying there is none."""

from __future__ import annotations

from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts
from forecast.services.store_factory import open_store, sqlite_file


def test_a_uri_filename_names_the_store_file_and_a_reading_command_finds_it(tmp_path):
    store = open_store(data_dir=tmp_path)
    accounts.add_user(store, "olga", "olga's own pass phrase")
    store.close()
    file = tmp_path / "forecast.db"
    url = f"sqlite:///file:{file}?mode=ro&uri=true"

    assert sqlite_file(url) == file
    assert sqlite_file(f"sqlite:///{file}?timeout=5") == file
    result = CliRunner().invoke(app, ["plan", "list", "--db", url])
    assert result.exit_code == 0, result.output
    assert "there is no plan store" not in result.output


def _served_store(tmp_path):
    """A store a dashboard has served (its installation key made), with an account."""
    from dashboard.app import CTX_KEY, create_app

    store = open_store(data_dir=tmp_path)
    accounts.add_user(store, "olga", "olga's own pass phrase")
    store.close()
    create_app(data_dir=str(tmp_path)).server.config[CTX_KEY].store.close()
    return tmp_path / "forecast.db"


def test_serve_refuses_a_read_only_store_url_saying_why_and_the_url_to_give(tmp_path):
    """A dashboard writes to its store at every sign-in: on a store opened read-only by its URL it
    started and then failed every sign-in, naming file permissions that were fine."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    file = _served_store(tmp_path)
    url = f"sqlite:///file:{file}?mode=ro&uri=true"
    forecast = Path(sys.executable).parent / "forecast"
    args = [str(forecast), "serve", "--port", "8537", "--db", url, "--data-dir", str(tmp_path)]
    try:
        result = subprocess.run(
            args,
            env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired as served:
        raise AssertionError(f"it served the read-only store: {served.stderr!r}") from None
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"opens the SQLite file {file} read-only (mode=ro)" in output
    assert f"sqlite:///{file}" in output  # the URL to give instead
    assert "forecast plan list --db" in output  # how to look at it without writing
    assert "permissions" not in output
    assert "dashboard on" not in output


def test_the_dashboard_refuses_a_read_only_store_url_before_it_opens_the_store(tmp_path):
    import pytest

    from dashboard.app import create_app
    from forecast.services.errors import Invalid

    file = _served_store(tmp_path)
    for query in ("mode=ro&uri=true", "uri=true&immutable=1"):
        with pytest.raises(Invalid) as refused:
            create_app(db_url=f"sqlite:///file:{file}?{query}", data_dir=str(tmp_path))
        assert f"opens the SQLite file {file} read-only" in str(refused.value)
    # the same file by a plain URL is served
    create_app(db_url=f"sqlite:///{file}", data_dir=str(tmp_path))


# Each URL as SQLite itself reads it (checked first in the test): read-only, or written to.
_OPENED_READ_ONLY = [
    "sqlite:///file:{file}?uri=yes&mode=ro",  # SQLAlchemy takes yes, on, t... as uri=true
    "sqlite:///file:{file}?mode=ro&uri=on",
    "sqlite:///file:{file}?uri=true&immutable=yes",  # SQLite's booleans: yes, on, 2...
    "sqlite:///file:{file}?uri=true&immutable=On",
    "sqlite:///file:{file}?uri=true&immutable=2",
    "sqlite:///file:{file}%3Fmode%3Dro?uri=true",  # an escaped ? in the path: SQLite's query
]
_OPENED_FOR_WRITING = [
    "sqlite:///{file}",
    "sqlite:///file:{file}?cache=shared&uri=true",
    "sqlite:///file:{file}?uri=true&MODE=ro",  # SQLite's parameter names are case-sensitive
    "sqlite:///file:{file}?uri=true&immutable=0",
    "sqlite:///file:{file}?uri=true&immutable=off",
    "sqlite:///{folder}/mode=ro&immutable=1/forecast.db",  # the words in a folder's name
]


def _writes(url: str) -> bool:
    """Whether SQLite, given `url` as the store's driver gives it, writes to the file."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("PRAGMA user_version = 7"))
        return True
    except sa.exc.OperationalError as refused:
        assert "readonly database" in str(refused), refused
        return False
    finally:
        engine.dispose()


def test_every_url_sqlite_opens_read_only_is_refused_and_no_other(tmp_path):
    """mode=ro and immutable=1 as SQLAlchemy and SQLite read them (uri=yes, immutable=on, a ?
    escaped in the path): such a URL was served, and every sign-in failed. A URL that opens the
    file for writing (cache=shared, MODE=ro, which SQLite does not read, those words in a
    folder's name) is served."""
    import pytest

    from dashboard.app import create_app
    from forecast.services import writable
    from forecast.services.errors import Invalid

    file = _served_store(tmp_path)
    for spelled in _OPENED_READ_ONLY:
        url = spelled.format(file=file)
        assert not _writes(url), url
        with pytest.raises(Invalid) as refused:
            create_app(db_url=url, data_dir=str(tmp_path))
        assert f"opens the SQLite file {file} read-only" in str(refused.value), url
        assert f"--db sqlite:///{file} " in str(refused.value), url
    folder = tmp_path / "mode=ro&immutable=1"
    folder.mkdir()
    (folder / "forecast.db").write_bytes(file.read_bytes())
    for spelled in _OPENED_FOR_WRITING:
        url = spelled.format(file=file, folder=tmp_path)
        assert _writes(url), url
        writable.refuse_read_only_url(url)  # served: nothing raised
