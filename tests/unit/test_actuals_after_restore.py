"""Actuals merged over a version read before a restore of the store are refused: the restore
brings actuals version numbers back with other contents, so keeping them would drop the rows
uploaded since the restore."""

from __future__ import annotations

import pytest

from forecast.errors import StaleVersion
from forecast.services import actuals
from forecast.services.backup import backup_store
from forecast.services.restore import restore_store
from forecast.services.store_factory import open_store
from forecast.store import Change
from tests.integration.test_actuals_store import csv_bytes, week
from tests.integration.test_store import new_plan


def _upload(store, plan_id, filename, rows):
    return actuals.upload_actuals(store, plan_id, csv_bytes(rows), filename=filename, actor="ann")


@pytest.fixture
def two_servers(tmp_path):
    """Two connections to one store with a plan holding actuals version 1, and a backup of it."""
    data = tmp_path / "data"
    served, other = open_store(data_dir=data), open_store(data_dir=data)
    plan_id = new_plan(other).plan_id
    _upload(other, plan_id, "w0.csv", [("1", week(0), 90.0)])
    backup = backup_store(tmp_path / "backup.db", data_dir=data).path
    yield served, other, plan_id, backup, data
    served.close()
    other.close()


def test_actuals_merged_over_a_version_read_before_a_restore_are_refused_by_the_store(
    two_servers,
):
    served, other, plan_id, backup, data = two_servers
    _upload(other, plan_id, "w1.csv", [("1", week(1), 95.0)])
    read_before = served.get(plan_id)
    latest = served.actuals_versions(plan_id)[-1].version

    restore_store(backup, data_dir=data)
    _upload(other, plan_id, "w2.csv", [("1", week(2), 99.0)])  # version 2 again, other rows
    change = Change(actor="ann", action="upload_actuals", what="merged over w1.csv")
    with pytest.raises(StaleVersion, match="restored from a backup since you read actuals"):
        served.add_actuals(
            plan_id,
            b"merged over w1.csv",
            filename="merged.csv",
            rows=2,
            summary={},
            change=change,
            based_on=latest,
            generation=read_before.store_generation,
        )
    assert [v.filename for v in served.actuals_versions(plan_id)] == ["w0.csv", "w2.csv"]


def test_an_upload_with_a_restore_between_its_read_and_its_write_keeps_nothing_until_made_again(
    two_servers, monkeypatch
):
    served, other, plan_id, backup, data = two_servers
    _upload(other, plan_id, "w1.csv", [("1", week(1), 95.0)])
    in_force = actuals._in_force
    raced: list[str] = []

    def restored_meanwhile(*args, **kwargs):
        found = in_force(*args, **kwargs)
        if not raced:  # a restore and another's upload land between the merge and the write
            raced.append("restore")
            restore_store(backup, data_dir=data)
            _upload(other, plan_id, "w2.csv", [("1", week(2), 99.0)])
        return found

    monkeypatch.setattr(actuals, "_in_force", restored_meanwhile)
    with pytest.raises(StaleVersion, match="restored from a backup"):
        _upload(served, plan_id, "w3.csv", [("1", week(3), 70.0)])

    assert raced == ["restore"]
    assert [v.filename for v in served.actuals_versions(plan_id)] == ["w0.csv", "w2.csv"]

    again = _upload(served, plan_id, "w3.csv", [("1", week(3), 70.0)])  # read after the restore
    assert again.version.version == 3
    _, kept = actuals.load_actuals(served, plan_id)
    assert sorted(kept["y"]) == [70.0, 90.0, 99.0]
