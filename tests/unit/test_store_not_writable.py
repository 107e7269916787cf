"""A store or cache the user running the server may not write: said as such, naming the file and
its folder and the permissions to check, not as a database "locked by another program"; and
`forecast serve` refuses to start on one instead of answering its health check and failing every
sign-in.

The server's user is made without write rights for real: as root (these tests' machine), chmod
alone changes nothing, so the command runs with root's rights to override file permissions
dropped (capsh); in-process, the store is opened read-only by SQLite (a `mode=ro` URI)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from forecast.services import accounts
from forecast.services.errors import Unavailable
from forecast.services.store_factory import open_store
from forecast.store import SqlStore

DAC_RIGHTS = "cap_dac_override,cap_dac_read_search,cap_fowner"


def _store_with_an_account(data_dir: Path) -> Path:
    store = open_store(data_dir=data_dir)
    accounts.add_user(store, "olga", "olga's own pass phrase")
    store.close()
    return data_dir / "forecast.db"


def test_a_write_to_a_store_opened_read_only_names_the_file_and_its_permissions_not_a_lock(
    tmp_path,
):
    file = _store_with_an_account(tmp_path)
    store = SqlStore(f"sqlite:///file:{file}?mode=ro&uri=true")
    try:
        with pytest.raises(Unavailable) as refused:
            accounts.start_session(store, "olga", 1.0)
    finally:
        store.close()
    message = str(refused.value)
    assert f"the SQLite file {file} is not writable" in message
    assert f"may write {file} and its folder {tmp_path}" in message
    assert "owner and permissions" in message
    assert "locked" not in message


def _without_write_rights(args: list[str]) -> list[str]:
    """`args` run as a user that file permissions apply to: as root, without the rights that
    override them (otherwise chmod makes nothing read-only for it)."""
    if os.geteuid() != 0:
        return args
    capsh = shutil.which("capsh")
    if capsh is None:
        pytest.skip("running as root without capsh: no way to make a file read-only for root")
    return [capsh, f"--drop={DAC_RIGHTS}", "--", "-c", 'exec "$@"', "serve", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(data_dir: Path) -> subprocess.CompletedProcess[str]:
    forecast = Path(sys.executable).parent / "forecast"
    args = [str(forecast), "serve", "--port", str(_free_port()), "--data-dir", str(data_dir)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        _without_write_rights(args), env=env, capture_output=True, text=True, timeout=90
    )


@pytest.fixture
def data_dir(tmp_path):
    """A data directory with a store and the dashboard's cache, as a first run leaves them; its
    permissions are given back after the test, so that pytest can delete it."""
    folder = tmp_path / "data"
    _store_with_an_account(folder)
    from dashboard.app import CTX_KEY, create_app

    app = create_app(data_dir=str(folder))  # makes dashboard-cache/cache.db
    app.server.config[CTX_KEY].store.close()  # SQLite's journal files go with it
    assert not list(folder.glob("forecast.db-*"))
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _refused(data_dir: Path, place: Path, kind: str) -> str:
    result = _serve(data_dir)
    output = result.stdout + result.stderr
    assert result.returncode == 5, output
    assert f"{kind} {place} is not writable" in output
    assert "owner and permissions" in output
    assert "dashboard on" not in output
    return output


def test_serve_refuses_a_store_file_its_user_may_not_write(data_dir):
    store = data_dir / "forecast.db"
    store.chmod(0o444)
    output = _refused(data_dir, store, "the SQLite file")
    assert f"and its folder {data_dir}" in output


def test_serve_refuses_a_data_folder_its_user_may_not_write_though_the_store_file_is(data_dir):
    """SQLite writes its journal beside the file: a writable file in a read-only folder takes
    no write either."""
    data_dir.chmod(0o555)
    _refused(data_dir, data_dir / "forecast.db", "the SQLite file")


def test_serve_refuses_a_cache_folder_its_user_may_not_write(data_dir):
    cache = data_dir / "dashboard-cache"
    (cache / "cache.db").chmod(0o444)
    cache.chmod(0o555)
    _refused(data_dir, cache, "the folder")


def test_serve_refuses_a_cache_file_its_user_may_not_write(data_dir):
    cache_file = data_dir / "dashboard-cache" / "cache.db"
    cache_file.chmod(0o444)
    _refused(data_dir, cache_file, "the SQLite file")
