"""A restore replaces the plans, not the installation: the keys that sign session cookies and plan
bundles stay the store's own, also when the backup has none (written by an older release before
its first serve or export, which make them) or another installation's."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.secret import load_secret_key
from forecast.services import exports
from forecast.services.backup import backup_store
from forecast.services.errors import Invalid
from forecast.services.restore import restore_store
from forecast.services.store_factory import open_store
from tests.integration.test_store import new_plan


def _backup_without_keys(tmp_path: Path, data: Path) -> Path:
    return backup_store(tmp_path / "backup.db", data_dir=data).path


def _backup_of_another_installation(tmp_path: Path, data: Path) -> Path:
    elsewhere = tmp_path / "elsewhere"
    other = open_store(data_dir=elsewhere)
    try:
        new_plan(other, name="theirs")
        load_secret_key(other)
        exports.export_plan(other, "theirs", "json")  # makes its bundle key
    finally:
        other.close()
    return backup_store(tmp_path / "backup.db", data_dir=elsewhere).path


@pytest.mark.parametrize("backup_of", [_backup_without_keys, _backup_of_another_installation])
def test_a_restore_keeps_the_keys_that_sign_this_installations_cookies_and_bundles(
    tmp_path, monkeypatch, backup_of
):
    monkeypatch.delenv("FORECAST_SECRET_KEY", raising=False)
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_of(tmp_path, data)
        running_servers_cookie_key = load_secret_key(store)  # a server started before
        bundle = exports.export_plan(store, plan_id, "json")

        restore_store(backup, data_dir=data)

        started_after = open_store(data_dir=data)
        try:
            assert load_secret_key(started_after) == running_servers_cookie_key
            # this installation's bundle, not another's: no --trust needed
            exports.import_bundle(started_after, bundle, "ann", name="the copy")
        finally:
            started_after.close()
    finally:
        store.close()


def test_a_restore_into_a_store_that_never_signed_a_bundle_takes_no_key_of_the_backups(
    tmp_path,
):
    """The backup's bundle key is another installation's: kept, that installation's bundles
    would pass here as this one's own, without the trust a foreign bundle needs."""
    elsewhere = tmp_path / "elsewhere"
    other = open_store(data_dir=elsewhere)
    try:
        theirs = exports.export_plan(other, new_plan(other, name="theirs").plan_id, "json")
    finally:
        other.close()
    backup = backup_store(tmp_path / "backup.db", data_dir=elsewhere).path
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        new_plan(store)  # never exported: this store has no bundle key yet

        restore_store(backup, data_dir=data)

        started_after = open_store(data_dir=data)
        try:
            with pytest.raises(Invalid, match="another installation .* on trust"):
                exports.import_bundle(started_after, theirs, "ann", name="the copy")
        finally:
            started_after.close()
    finally:
        store.close()
