"""Opening a file that is not a plan store (another program's SQLite database, a damaged or
truncated copy) is refused with what the file is and what to do, and leaves the file as it was."""

from __future__ import annotations

import sqlite3

import pytest

from forecast.services.errors import Invalid, Unavailable
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


def test_refusing_another_programs_database_leaves_its_bytes_and_journal_mode_as_they_were(
    tmp_path,
):
    db = tmp_path / "forecast.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.execute("INSERT INTO customers VALUES ('x')")
    before = db.read_bytes()
    with pytest.raises(Invalid, match="is not a plan store .*nothing was changed in it"):
        open_store(data_dir=tmp_path)
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecast.db"]


def test_a_damaged_store_file_is_refused_with_a_hint_to_restore_a_backup(tmp_path):
    whole = tmp_path / "whole"
    open_store(data_dir=whole).close()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "forecast.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(Unavailable) as refused:
        open_store(data_dir=damaged)
    message = str(refused.value)
    assert "the SQLite file is damaged" in message
    assert "restore the last backup" in message
    assert "sqlalche.me" not in message


def test_a_store_damaged_inside_a_plan_says_so_and_to_restore_not_that_the_file_is_locked(
    tmp_path,
):
    store = open_store(data_dir=tmp_path)
    store.engine.dispose()
    with sqlite3.connect(tmp_path / "forecast.db") as conn:
        conn.execute(
            "INSERT INTO plans (id, name, doc, version, status, created_by, created_at, "
            "updated_at) VALUES ('p1', 'damaged', CAST(X'7B22FFFE' AS TEXT), 1, 'draft', 'olga', "
            "'2026-12-07', '2026-12-07')"
        )
    with pytest.raises(Unavailable) as refused:
        store.get("p1")
    message = str(refused.value)
    assert "the SQLite file is damaged" in message and "restore the last backup" in message
    assert "locked" not in message
