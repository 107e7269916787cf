"""The SQLite store's file moved, deleted or replaced while a server holds it open: its open
connections go on with the file they opened, where what is written would be lost (a deleted
file), or miss the store found at the path on the next start. A write is refused instead, naming
the file and the fix, and nothing of it is written; the health check fails; the file put back,
writes go on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from forecast.services import accounts, health
from forecast.services.errors import Unavailable
from forecast.services.store_factory import open_store
from forecast.store import PlanRepository

PASSWORD = "a long enough pass phrase"


@pytest.fixture
def store(tmp_path):
    store = open_store(data_dir=tmp_path)
    accounts.add_user(store, "olga", PASSWORD)
    yield store
    store.close()


def _names(store: PlanRepository) -> list[str]:
    return [user.name for user in accounts.list_users(store)]


def _refused_write(store: PlanRepository, file: Path) -> str:
    with pytest.raises(Unavailable) as refused:
        accounts.add_user(store, "piet", PASSWORD)
    message = str(refused.value)
    assert str(file) in message
    assert "Nothing was saved" in message
    assert f"put the store's file back at {file}" in message
    assert "restart the server" in message
    return message


def _moved(file: Path, to: Path) -> None:
    """The store's file, and its write-ahead log beside it, moved to `to` (an `mv` of each)."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{file}{suffix}").exists():
            Path(f"{file}{suffix}").rename(f"{to}{suffix}")


def test_a_write_after_the_store_file_was_moved_is_refused_and_nothing_of_it_is_written(
    store, tmp_path
):
    file, elsewhere = tmp_path / "forecast.db", tmp_path / "moved.db"
    _moved(file, elsewhere)

    assert "moved or deleted" in _refused_write(store, file)
    assert not health.check(store).ok
    assert not file.exists()  # no new, empty store made in its place

    moved = open_store(db_url=f"sqlite:///{elsewhere}")
    try:
        assert _names(moved) == ["olga"]
    finally:
        moved.close()


def test_a_write_after_the_store_file_was_deleted_is_refused(store, tmp_path):
    file = tmp_path / "forecast.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{file}{suffix}").unlink(missing_ok=True)

    _refused_write(store, file)
    assert not file.exists()


def test_a_write_after_another_file_was_put_in_place_of_the_store_is_refused(store, tmp_path):
    """`mv backup.db forecast.db` under a running server (not `forecast store restore`, which
    writes into the store's own file): the server would go on writing the store it opened."""
    file = tmp_path / "forecast.db"
    copy = tmp_path / "copy.db"
    shutil.copyfile(file, copy)  # another inode, whatever it holds
    copy.replace(file)

    assert "another file" in _refused_write(store, file)
    assert not health.check(store).ok


def test_the_store_file_put_back_takes_writes_again(store, tmp_path):
    file, elsewhere = tmp_path / "forecast.db", tmp_path / "moved.db"
    _moved(file, elsewhere)
    _refused_write(store, file)

    _moved(elsewhere, file)
    accounts.add_user(store, "piet", PASSWORD)
    assert health.check(store).ok
    again = open_store(data_dir=tmp_path)
    try:
        assert _names(again) == ["olga", "piet"]
    finally:
        again.close()
