"""`forecast store backup` refusals: what SQLite's check found in a damaged store, a folder
target that is a file, and no empty folder left behind by a backup that failed."""

from __future__ import annotations

import sqlite3

import pytest

from forecast.services.backup import backup_store
from forecast.services.errors import Invalid, Unavailable
from forecast.services.store_factory import open_store


def _store_with_a_lost_freelist(data):
    """A store whose header says it has no free pages while it has many: SQLite's quick check
    answers with one row holding a heading line and a line per page never used."""
    open_store(data_dir=data).close()
    db = data / "forecast.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("CREATE TABLE filler (text TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(400)])
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM filler")
    header = bytearray(db.read_bytes()[:100])
    assert int.from_bytes(header[36:40], "big") > 1  # free pages to lose
    header[32:40] = bytes(8)
    with open(db, "r+b") as raw:
        raw.write(header)


def test_a_backup_of_a_store_with_pages_never_used_names_the_first_and_counts_the_rest(
    tmp_path,
):
    data = tmp_path / "damaged"
    _store_with_a_lost_freelist(data)
    with pytest.raises(Unavailable) as refused:
        backup_store(tmp_path / "backup.db", data_dir=data)
    message = str(refused.value)
    assert "is itself damaged (Page " in message
    assert "is never used and " in message and " more)" in message
    assert "no answer" not in message and "***" not in message


def test_a_backup_to_a_file_named_as_a_folder_says_it_is_a_file_not_a_folder(tmp_path):
    data = tmp_path / "live"
    open_store(data_dir=data).close()
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    with pytest.raises(Invalid, match=f"^{existing} is a file, not a folder; nothing was written"):
        backup_store(f"{existing}/", data_dir=data)
    assert existing.read_text() == "mine"


def test_a_failed_backup_into_a_folder_it_made_removes_that_folder(tmp_path):
    data = tmp_path / "damaged"
    _store_with_a_lost_freelist(data)
    folder = tmp_path / "2026-12-07"
    with pytest.raises(Unavailable, match="nothing was written"):
        backup_store(f"{folder}/", data_dir=data)
    assert not folder.exists()
