"""Opening a file that is not a plan store (another program's SQLite database, a damaged or
truncated copy) is refused with what the file is and what to do, and leaves the file as it was."""

from __future__ import annotations

import sqlite3

import pytest

from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store


def _tables(path):
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_another_programs_database_is_refused_and_gets_none_of_the_stores_tables(tmp_path):
    db = tmp_path / "forecast.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE plans (id TEXT, budget INTEGER)")
        conn.execute("CREATE TABLE customers (name TEXT)")
    with pytest.raises(Invalid, match="is not a plan store .*customers, plans.*--data-dir"):
        open_store(data_dir=tmp_path)
    assert _tables(db) == {"plans", "customers"}


def test_a_damaged_store_file_is_refused_with_a_hint_to_restore_a_backup(tmp_path):
    whole = tmp_path / "whole"
    open_store(data_dir=whole).close()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "forecast.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(Invalid) as refused:
        open_store(data_dir=damaged)
    message = str(refused.value)
    assert "damaged or not a SQLite database" in message
    assert "restore a backup" in message
    assert "sqlalche.me" not in message
