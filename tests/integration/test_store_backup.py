"""`forecast store backup`: a consistent copy of the SQLite store while it is in use.

The store runs in WAL mode, so its latest committed changes sit in forecast.db-wal until a
checkpoint; a copy of forecast.db alone silently lacks them. The backup must hold every committed
change (and none of a transaction still open), open as a store, and never overwrite a file
unless told."""

from __future__ import annotations

import hashlib
import sqlite3
import threading

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts, plan_members, plans
from forecast.services.backup import backup_store
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store
from tests.integration.test_store import new_plan

runner = CliRunner()


@pytest.fixture
def live(tmp_path):
    """A store in use: a plan and an account checkpointed into forecast.db, then a committed
    change and a committed account that are only in forecast.db-wal, and a transaction of
    another connection still open (a change and an account it has not committed)."""
    data = tmp_path / "live"
    store = open_store(data_dir=data)
    state = new_plan(store)
    accounts.add_user(store, "ann", None, admin=True)
    with store.engine.connect() as conn:  # what is in the main file so far
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    accounts.add_user(store, "late", None)
    granted = plan_members.grant(store, state.plan_id, "ann", "late", "planner")
    wal = data / "forecast.db-wal"
    assert wal.is_file() and wal.stat().st_size > 0  # the committed changes wait in the WAL
    other = sqlite3.connect(data / "forecast.db", isolation_level=None, timeout=30)
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO users (name, display_name, is_admin, active, created_at, updated_at) "
        "VALUES ('uncommitted', 'not yet', 0, 1, 'now', 'now')"
    )
    other.execute("UPDATE plans SET name = 'not committed' WHERE id = ?", (state.plan_id,))
    yield data, granted.plan
    other.execute("ROLLBACK")
    other.close()
    store.close()


def test_a_backup_taken_while_the_store_is_in_use_holds_every_committed_change(live, tmp_path):
    data, plan = live
    target = tmp_path / "backup"
    target.mkdir()
    done = runner.invoke(app, ["store", "backup", str(target), "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    assert f"FORECAST_DATA_DIR={target}" in done.output
    assert sorted(p.name for p in target.iterdir()) == ["forecast.db"]  # one file, no -wal

    copy = open_store(data_dir=target)
    try:
        restored = plans.get_plan(copy, plan.plan_id)
        assert restored.version == plan.version  # the grant, committed in the WAL only
        assert restored.name == plan.name  # not the open transaction's name
        assert "planner" in restored.roles_of("late")
        assert [e.action for e in copy.audit(plan.plan_id)] == [
            e.action for e in open_store(data_dir=data).audit(plan.plan_id)
        ]
        names = {a.name for a in accounts.list_users(copy)}
        assert names == {"ann", "late"}  # the WAL's account, not the uncommitted one
        assert copy.get_blob(plan.plan_id, "history")
    finally:
        copy.close()
    listed = runner.invoke(app, ["plan", "list", "--data-dir", str(target)])
    assert listed.exit_code == 0 and f"version {plan.version}" in listed.output


def test_a_backup_refuses_to_overwrite_a_file_unless_told(live, tmp_path):
    data, _ = live
    target = tmp_path / "kept.db"
    target.write_bytes(b"an older backup")
    refused = runner.invoke(app, ["store", "backup", str(target), "--data-dir", str(data)])
    assert refused.exit_code == 3
    assert "exists already" in refused.output and "--overwrite" in refused.output
    assert target.read_bytes() == b"an older backup"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".kept")) == []

    replaced = runner.invoke(
        app, ["store", "backup", str(target), "--data-dir", str(data), "--overwrite", "--json"]
    )
    assert replaced.exit_code == 0, replaced.output
    assert '"replaced": true' in replaced.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (2,)


def test_a_failed_backup_leaves_nothing_under_the_target_name(tmp_path):
    """A store SQLite cannot read (damaged): the backup fails and leaves neither the target
    nor its temporary file behind."""
    data = tmp_path / "damaged"
    data.mkdir()
    (data / "forecast.db").write_bytes(b"this is not a database" * 100)
    out = tmp_path / "out"
    out.mkdir()
    failed = runner.invoke(app, ["store", "backup", str(out / "b.db"), "--data-dir", str(data)])
    assert failed.exit_code == 5, failed.output
    assert "nothing was written" in failed.output
    assert list(out.iterdir()) == []


def test_a_postgresql_store_is_pointed_to_pg_dump_without_its_password(tmp_path):
    url = "postgresql://planner:s3cret-pw@db.internal:5433/forecast"
    with pytest.raises(Invalid) as refused:
        backup_store(tmp_path / "plans.dump", db_url=url)
    text = str(refused.value)
    assert "s3cret-pw" not in text
    assert (
        f"pg_dump --format=custom --file={tmp_path / 'plans.dump'} "
        "--dbname=postgresql://planner@db.internal:5433/forecast"
    ) in text


def test_the_backup_is_not_the_store_itself(live):
    data, _ = live
    before = hashlib.sha256((data / "forecast.db").read_bytes()).hexdigest()
    refused = runner.invoke(
        app,
        ["store", "backup", str(data), "--data-dir", str(data), "--overwrite"],
    )
    assert refused.exit_code == 2 and "is the plan store itself" in refused.output
    assert hashlib.sha256((data / "forecast.db").read_bytes()).hexdigest() == before


def test_a_backup_to_a_folder_path_ending_in_a_slash_makes_that_folder_with_forecast_db(
    live, tmp_path
):
    data, _ = live
    folder = tmp_path / "2026-12-06"
    done = runner.invoke(app, ["store", "backup", f"{folder}/", "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    assert (folder / "forecast.db").is_file()
    assert f"FORECAST_DATA_DIR={folder}" in done.output
    assert len(open_store(data_dir=folder).list()) == 1


def test_a_backup_of_a_damaged_store_says_the_store_is_damaged_not_to_try_again(tmp_path):
    data = tmp_path / "damaged"
    open_store(data_dir=data).close()
    db = data / "forecast.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("CREATE TABLE filler (text TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(400)])
    size = db.stat().st_size
    with open(db, "r+b") as raw:
        for offset in range(size // 2, size - 4096, 4096):
            raw.seek(offset + 8)
            raw.write(b"\xde\xad\xbe\xef" * 16)
    target = tmp_path / "backup.db"
    done = runner.invoke(app, ["store", "backup", str(target), "--data-dir", str(data)])
    assert done.exit_code == 5, done.output
    assert "is itself damaged" in done.output and "restore the last good one" in done.output
    assert "try again" not in done.output
    assert not target.exists()


def test_a_backup_of_a_store_a_server_keeps_writing_to_does_not_start_over(tmp_path):
    """SQLite's backup, copied in steps, starts over whenever another connection writes between
    two steps: on a store a server writes to every moment it never ended (a 1.2 GB store had
    200 MB of its copy after ten minutes). Copied in one read, writers go on beside it."""
    data = tmp_path / "busy"
    store = open_store(data_dir=data)
    new_plan(store)
    store.close()
    with sqlite3.connect(data / "forecast.db") as conn:
        conn.execute("CREATE TABLE ballast (b BLOB)")
        conn.executemany(
            "INSERT INTO ballast VALUES (randomblob(1024 * 1024))", [()] * 64
        )  # many steps' worth of pages
    backed_up = threading.Event()
    writes_left = [20_000]  # the writer gives up at last, so the old way ends too

    def keep_writing() -> None:
        writer = sqlite3.connect(data / "forecast.db", isolation_level=None, timeout=30)
        writer.execute("CREATE TABLE IF NOT EXISTS ticks (n INTEGER)")
        while not backed_up.is_set() and writes_left[0] > 0:
            writer.execute("INSERT INTO ticks VALUES (1)")  # one commit each
            writes_left[0] -= 1
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        backup_store(tmp_path / "copy.db", data_dir=data)
        still_writing = writes_left[0] > 0
    finally:
        backed_up.set()
        thread.join()

    assert still_writing, "the backup ended only once the writer stopped"
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("SELECT count(*) FROM ballast").fetchone() == (64,)
