"""Whether a SQLite restore made the store's file (there was none: servers running on that store
keep the file they opened, and must be restarted to show the restored plans) is the restore's
own answer, `Restore.made_the_file`, which `forecast store restore` only words."""

from __future__ import annotations

from typer.testing import CliRunner

from forecast.cli import app
from forecast.services.backup import backup_store
from forecast.services.restore import restore_store
from forecast.services.store_factory import open_store
from tests.integration.test_store import new_plan

runner = CliRunner()


def _a_backup(tmp_path):
    source = tmp_path / "source"
    store = open_store(data_dir=source)
    new_plan(store)
    store.close()
    return backup_store(tmp_path / "backup.db", data_dir=source).path


def test_a_restore_where_there_was_no_store_file_says_it_made_it(tmp_path):
    backup = _a_backup(tmp_path)
    data = tmp_path / "data"

    made = restore_store(backup, data_dir=data)
    again = restore_store(backup, data_dir=data)

    assert made.made_the_file is True and made.safety_copy is None
    assert again.made_the_file is False and again.safety_copy is not None


def test_the_command_tells_to_restart_the_servers_only_where_the_restore_made_the_file(tmp_path):
    backup = _a_backup(tmp_path)
    data = tmp_path / "data"
    restore = ["store", "restore", str(backup), "--data-dir", str(data)]

    made = runner.invoke(app, restore)
    again = runner.invoke(app, restore)

    assert made.exit_code == 0 and again.exit_code == 0, made.output + again.output
    assert "There was no store file" in made.output and "restart them" in made.output
    assert "There was no store file" not in again.output
    assert "show the restored data from their next request on" in again.output
