"""`forecast store restore` refusals: a store another connection keeps busy, a backup damaged
inside a plan or cut short, a target file without tables, a backup that is not there; each leaves
the store, and its folder, as they were."""

from __future__ import annotations

import sqlite3

import pytest

from forecast.services import plans
from forecast.services import restore as restore_service
from forecast.services.backup import backup_store
from forecast.services.errors import Invalid, NotFound, Unavailable
from forecast.services.restore import restore_store
from forecast.services.store_factory import open_store
from tests.integration.test_store import add_event, new_plan


@pytest.fixture
def store_and_backup(tmp_path):
    """A store whose plan is at version 2, and a backup of it made at version 1."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    plan_id = new_plan(store).plan_id
    backup = backup_store(tmp_path / "backup.db", data_dir=data).path
    add_event(store, plan_id, value=50.0)
    yield store, plan_id, backup, data
    store.close()


def _store_files(data):
    return sorted(p.name for p in data.iterdir() if not p.name.startswith("forecast.db"))


def test_a_restore_gives_up_when_another_connection_keeps_the_write_lock_and_changes_nothing(
    store_and_backup, monkeypatch
):
    store, plan_id, backup, data = store_and_backup
    monkeypatch.setattr(restore_service, "BUSY_SECONDS", 0.5)
    writer = sqlite3.connect(data / "forecast.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable, match="stayed busy .*nothing was changed: try again"):
            restore_store(backup, data_dir=data)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert plans.get_plan(store, plan_id).version == 2
    assert _store_files(data) == []  # neither the prepared copy nor the copy of the store


def _overwrite_inside(path, statement, *values):
    with sqlite3.connect(path) as conn:
        conn.execute(statement, values)
    conn.close()


@pytest.mark.parametrize("damage", ["baseline", "document"])
def test_a_backup_damaged_inside_a_plan_is_refused_before_anything_changes(
    store_and_backup, damage
):
    store, plan_id, backup, data = store_and_backup
    if damage == "baseline":
        with sqlite3.connect(backup) as conn:
            (kept,) = conn.execute(
                "SELECT data FROM plan_blobs WHERE plan_id = ? AND kind = 'baseline'", (plan_id,)
            ).fetchone()
        conn.close()
        middle = len(kept) // 2
        overwritten = kept[:middle] + b"\x00" * 16 + kept[middle + 16 :]
        _overwrite_inside(
            backup,
            "UPDATE plan_blobs SET data = ? WHERE plan_id = ? AND kind = 'baseline'",
            overwritten,
            plan_id,
        )
        found = f"plan {plan_id}'s baseline differs from what was written"
    else:
        _overwrite_inside(backup, "UPDATE plans SET doc = substr(doc, 1, 40) WHERE id = ?", plan_id)
        found = f"plan {plan_id}'s document does not read as a plan"

    with pytest.raises(Invalid) as refused:
        restore_store(backup, data_dir=data)

    assert str(refused.value).startswith(f"the backup {backup} is damaged ({found}")
    assert str(refused.value).endswith("nothing was changed: restore another one")
    assert plans.get_plan(store, plan_id).version == 2
    assert _store_files(data) == []


def test_a_backup_cut_short_is_called_damaged_not_something_else(store_and_backup):
    store, plan_id, backup, data = store_and_backup
    whole = backup.read_bytes()
    backup.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(Invalid) as refused:
        restore_store(backup, data_dir=data)

    message = str(refused.value)
    assert message.startswith(f"the backup {backup} is damaged (database disk image is malformed")
    assert message.endswith("restore another one") and "not a backup" not in message
    assert plans.get_plan(store, plan_id).version == 2


@pytest.mark.parametrize("target", ["an empty file", "a database without tables"])
def test_a_restore_over_a_file_without_tables_keeps_no_copy_of_it(tmp_path, target):
    source = tmp_path / "source"
    store = open_store(data_dir=source)
    new_plan(store)
    store.close()
    backup = backup_store(tmp_path / "backup.db", data_dir=source).path
    data = tmp_path / "data"
    data.mkdir()
    if target == "an empty file":
        (data / "forecast.db").write_bytes(b"")
    else:
        with sqlite3.connect(data / "forecast.db") as conn:
            conn.execute("PRAGMA user_version = 1")
        conn.close()

    restored = restore_store(backup, data_dir=data)

    assert restored.safety_copy is None and restored.plans == 1
    assert _store_files(data) == []


def test_a_restore_of_a_backup_that_is_not_there_makes_no_data_directory(tmp_path):
    data = tmp_path / "new" / "data"
    with pytest.raises(NotFound, match="there is no backup .*; nothing was changed"):
        restore_store(tmp_path / "typo.db", data_dir=data)
    assert not (tmp_path / "new").exists()


def test_a_refused_backup_leaves_no_data_directory_made_for_it(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all " * 500)
    data = tmp_path / "new" / "data"
    with pytest.raises(Invalid, match="is not a backup of the plan store"):
        restore_store(garbage, data_dir=data)
    assert not (tmp_path / "new").exists()


def test_a_restore_into_another_programs_database_is_refused_as_opening_it_is(tmp_path):
    source = tmp_path / "source"
    open_store(data_dir=source).close()
    backup = backup_store(tmp_path / "backup.db", data_dir=source).path
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "forecast.db") as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER, total REAL)")
    conn.close()

    with pytest.raises(Invalid) as opening:
        open_store(data_dir=data)
    with pytest.raises(Invalid) as restoring:
        restore_store(backup, data_dir=data)

    assert str(restoring.value) == str(opening.value)
    assert "is not a plan store (its tables: invoices); nothing was changed" in str(opening.value)
