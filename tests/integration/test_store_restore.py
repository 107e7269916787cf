"""`forecast store restore` while `forecast serve` runs on the same SQLite store: the server's
next request shows the restored plans, not what it read (or cached) before, and a file that is
not a sound backup of a plan store is refused before anything changes."""

from __future__ import annotations

import contextlib
import copy
import http.cookiejar
import json
import random
import re
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.errors import StaleVersion
from forecast.services import plan_totals, plans, restore, safety_copies
from forecast.services.backup import backup_store
from forecast.services.restore import restore_store
from forecast.services.store_factory import open_store
from forecast.store import Change
from tests.integration.test_serve_wire import _served
from tests.integration.test_store import add_event, new_plan
from tests.signin import PASSWORD, add_accounts
from tests.unit.test_backup_refusals import _store_with_a_lost_freelist

runner = CliRunner()


class Browser:
    """One signed-in browser of a served app: its cookie, and the System plan page's render
    callback posted as the page posts it."""

    def __init__(self, port: int, name: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = self.opener.open(self.base + "/login", timeout=30).read().decode()
        token = re.search(r"name='csrf' value='([^']+)'", page)
        assert token, page[:300]
        form = {"csrf": token.group(1), "name": name, "password": PASSWORD}
        self.opener.open(self.base + "/login", urllib.parse.urlencode(form).encode(), timeout=30)

    def at(self, port: int) -> Browser:
        """The same browser, its cookie too, at another server of the store."""
        elsewhere = copy.copy(self)
        elsewhere.base = f"http://127.0.0.1:{port}"
        return elsewhere

    def system_page(self, plan_id: str) -> tuple[int, list[str], str]:
        """The plan version the page shows, its events' names and the System plan card's
        change against the baseline (what the plan's cached frames give)."""
        dependencies = json.loads(
            self.opener.open(self.base + "/_dash-dependencies", timeout=30).read()
        )
        key = next(d["output"] for d in dependencies if "sys-version.data" in d["output"])
        outputs = []
        for part in key.strip(".").split("..."):
            component, prop = part.rsplit(".", 1)
            outputs.append({"id": component, "property": prop})
        body = {
            "output": key,
            "outputs": outputs,
            "inputs": [
                {"id": "nav-session", "property": "data", "value": {"plan_id": plan_id}},
                {"id": "sys-refresh", "property": "data", "value": 0},
            ],
            "state": [],
            "changedPropIds": ["nav-session.data"],
        }
        request = urllib.request.Request(
            self.base + "/_dash-update-component",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        shown = json.loads(self.opener.open(request, timeout=120).read())["response"]
        change = re.search(
            r"([+\-\u2212]?[\d.,]+ %) against the baseline",
            json.dumps(shown["sys-totals"], ensure_ascii=False),
        )
        assert change, shown["sys-totals"]
        events = [row["name"] for row in shown["sys-events-grid"]["rowData"]]
        return shown["sys-version"]["data"], events, change.group(1)


def _restore(backup: Path, data: Path) -> subprocess.CompletedProcess[str]:
    """`forecast store restore` from a process of its own, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "forecast", "store", "restore", str(backup)]
        + ["--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_backup_restored_while_the_server_runs_is_what_its_next_request_shows(tmp_path):
    """A change after the backup, seen by the server; the restore from another process; the
    server's next request shows the backup's plan, and a server started after the restore takes a
    sign-in on the one that ran through it (the backup, made before any server started, has no
    cookie key: the store keeps its own). Then another change takes the version number the undone
    one had: the server shows the new change, not its cached frames of the old."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        add_accounts(store, ["ann"])
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        with _served(data) as port:
            before = Browser(port, "ann")
            assert before.system_page(plan_id) == (1, [], "0.0 %")
            add_event(store, plan_id, value=50.0)
            version, events, raised = before.system_page(plan_id)
            assert (version, events) == (2, ["promo 50.0"]) and raised.startswith("+")

            restored = _restore(backup, data)
            assert restored.returncode == 0, restored.stderr
            assert "show the restored data from their next request on" in restored.stdout

            with pytest.raises(urllib.error.HTTPError) as ended:  # its sign-in was not restored
                before.system_page(plan_id)
            assert ended.value.code == 401
            after = Browser(port, "ann")
            assert after.system_page(plan_id) == (1, [], "0.0 %")
            with _served(data) as started_after:
                assert after.at(started_after).system_page(plan_id) == (1, [], "0.0 %")

            add_event(store, plan_id, value=-30.0)  # version 2 again, with other contents
            version, events, lowered = after.system_page(plan_id)
            assert (version, events) == (2, ["promo -30.0"])
            assert lowered[0] in "-\u2212", lowered
    finally:
        store.close()


@pytest.mark.parametrize(
    "contents",
    ["garbage", "another program's database", "an empty database"],
)
def test_a_file_that_is_not_a_backup_of_a_plan_store_is_refused_and_nothing_changes(
    tmp_path, contents
):
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        state = new_plan(store)
        add_event(store, state.plan_id)
        kept = plans.get_plan(store, state.plan_id)
        backup = tmp_path / "not-a-backup.db"
        if contents == "garbage":
            backup.write_bytes(b"not a database at all " * 500)
        else:
            with sqlite3.connect(backup) as conn:
                if contents == "another program's database":
                    conn.execute("CREATE TABLE invoices (id INTEGER, total REAL)")
                else:
                    conn.execute("PRAGMA user_version = 1")
            conn.close()
        before = backup.read_bytes()

        refused = runner.invoke(app, ["store", "restore", str(backup), "--data-dir", str(data)])
        assert refused.exit_code == 2, refused.output
        assert "is not a backup of the plan store" in refused.output
        assert "nothing was changed" in refused.output

        assert plans.get_plan(store, state.plan_id).to_dict() == kept.to_dict()
        assert [e.action for e in store.audit(state.plan_id)][-1] == "add_event"
        assert backup.read_bytes() == before
        left = [p.name for p in data.iterdir() if ".restore." in p.name or "before-" in p.name]
        assert left == []  # nor a name reserved for the copy of the store as it was
    finally:
        store.close()


def test_a_postgresql_restore_without_pg_restore_names_the_package_and_the_manual_command(
    tmp_path, monkeypatch
):
    """A machine without PostgreSQL's client tools (none on the PATH): the restore is refused
    before it connects, naming the package and the pg_restore command, without the password."""
    archive = tmp_path / "plans.dump"
    archive.write_bytes(b"PGDMP" + bytes(100))
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    url = "postgresql://planner:s3cret-pw@db.internal:5433/forecast"
    refused = runner.invoke(
        app, ["store", "restore", str(archive), "--db", url, "--data-dir", str(tmp_path)]
    )
    said = " ".join(refused.output.split())
    assert refused.exit_code == 5, said
    assert "s3cret-pw" not in said
    assert "pg_restore is not installed here; nothing was changed" in said
    assert "postgresql-client" in said
    # one line bash runs (pipefail: it fails when pg_restore does), pg_restore's SQL fenced off
    assert (
        "bash -c \"set -o pipefail; { printf '%s\\\\n' 'BEGIN;' 'DROP TABLE IF EXISTS account_log, "
        "actuals, "
    ) in said
    assert re.search(
        r"&& pg_restore --restrict-key=[0-9a-f]+ --clean --if-exists --file=- "
        + re.escape(f"{archive} && echo 'COMMIT;'; }} | psql -X -q -v ON_ERROR_STOP=1 ")
        + re.escape('--dbname=postgresql://planner@db.internal:5433/forecast"'),
        said,
    )
    assert "the sign-ins saved in the backup would be open again" in said


def test_a_request_that_read_the_plan_before_a_restore_keeps_nothing_for_the_restored_plan(
    tmp_path,
):
    """A server's request reads the plan (version 2, an event of +50), a restore from another
    process brings version 1 back, the request goes on and computes its totals from what it
    read; then version 2 is made again with -30. The server's next request shows -30."""
    data = tmp_path / "data"
    served, other = open_store(data_dir=data), open_store(data_dir=data)
    try:
        plan_id = new_plan(other).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        add_event(other, plan_id, value=50.0)
        read_before = plans.get_plan(served, plan_id)
        assert read_before.version == 2

        restore_store(backup, data_dir=data)
        plan_totals.of_plan(served, read_before)  # the request, going on after the restore

        add_event(other, plan_id, value=-30.0)
        read_after = plans.get_plan(served, plan_id)
        assert (read_after.version, read_after.events[0]["value"]) == (2, -30.0)
        totals = plan_totals.of_plan(served, read_after)
        assert totals.team_system_plan["north"] < totals.team_baseline["north"]
    finally:
        served.close()
        other.close()


def test_a_restore_keeps_the_store_as_it_was_and_restoring_that_copy_undoes_it(tmp_path):
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        add_event(store, plan_id, value=50.0)

        restored = runner.invoke(
            app, ["store", "restore", str(backup), "--data-dir", str(data), "--json"]
        )
        assert restored.exit_code == 0, restored.output
        answer = json.loads(restored.output)
        kept = Path(answer["safety_copy"])
        assert kept.parent == data.absolute() and "before-restore" in kept.name
        assert answer["undo"] == f"forecast store restore {kept} --data-dir {data.absolute()}"
        assert plans.get_plan(store, plan_id).version == 1

        undone = runner.invoke(app, ["store", "restore", str(kept), "--data-dir", str(data)])
        assert undone.exit_code == 0, undone.output
        assert plans.get_plan(store, plan_id).version == 2  # the event is back
        said = " ".join(undone.output.split())
        again = next(p for p in data.iterdir() if "before-restore" in p.name and p != kept)
        assert f"the store as it was is kept in {again}: `forecast store restore {again}" in said
        assert " puts it back" in said
    finally:
        store.close()


def test_a_restore_into_a_new_store_keeps_no_copy(tmp_path):
    source = tmp_path / "source"
    open_store(data_dir=source).close()
    backup = backup_store(tmp_path / "backup.db", data_dir=source).path
    data = tmp_path / "new"
    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--data-dir", str(data), "--json"]
    )
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.output)["safety_copy"] is None
    assert not [p for p in data.iterdir() if "before-restore" in p.name]


def test_a_store_that_cannot_be_copied_as_it_is_is_not_restored_into(tmp_path):
    """SQLite's check finds the store damaged: no copy of it can be kept, so it is left as it
    is, with the way to restore anyway."""
    source = tmp_path / "source"
    open_store(data_dir=source).close()
    backup = backup_store(tmp_path / "backup.db", data_dir=source).path
    data = tmp_path / "data"
    _store_with_a_lost_freelist(data)
    damaged = data / "forecast.db"
    before = damaged.read_bytes()

    refused = runner.invoke(app, ["store", "restore", str(backup), "--data-dir", str(data)])

    said = " ".join(refused.output.split())
    assert refused.exit_code != 0, said
    assert "is damaged" in said and "nothing was restored" in said, said
    assert "move forecast.db, forecast.db-wal and forecast.db-shm out of" in said
    assert damaged.read_bytes() == before
    assert not [p for p in data.iterdir() if "before-restore" in p.name or ".tmp" in p.name]


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB file system of its own (tmpfs; mounting needs root)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_restore_on_a_disk_without_room_for_the_copy_says_how_much_space_it_needs(
    tmp_path, small_disk
):
    data = small_disk / "data"
    store = open_store(data_dir=data)
    try:
        new_plan(store)
    finally:
        store.close()
    big = tmp_path / "big"
    open_store(data_dir=big).close()
    with sqlite3.connect(big / "forecast.db") as conn:
        conn.execute("CREATE TABLE filler (text TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,) for _ in range(900)])
    conn.close()
    backup = backup_store(tmp_path / "backup.db", data_dir=big).path
    before = (data / "forecast.db").read_bytes()

    refused = runner.invoke(app, ["store", "restore", str(backup), "--data-dir", str(data)])

    said = " ".join(refused.output.split())
    assert refused.exit_code != 0, said
    assert f"there is not enough free space in {data}" in said, said
    assert "nothing was restored: free " in said and " MB more there" in said
    assert (data / "forecast.db").read_bytes() == before
    assert not [p for p in data.iterdir() if "before-restore" in p.name]


def test_an_edit_read_before_a_restore_is_refused_rather_than_written_over_the_restored_plan(
    tmp_path,
):
    """A request reads the plan (version 2, an event of +50), a restore brings version 1 back and
    someone makes version 2 again; the request's save on version 2 would write the old plan over
    the restored one: it is refused as stale, saying the store was restored."""
    data = tmp_path / "data"
    served, other = open_store(data_dir=data), open_store(data_dir=data)
    try:
        plan_id = new_plan(other).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        add_event(other, plan_id, value=50.0)
        read_before = served.get(plan_id)

        restore_store(backup, data_dir=data)
        add_event(other, plan_id, value=-30.0)
        with pytest.raises(StaleVersion, match="restored from a backup") as refused:
            served.save(
                read_before,
                Change(actor="ann", action="rename", what="a change made on what it read"),
                expected_version=read_before.version,
            )
        assert refused.value.current_version == 2
        assert [e["value"] for e in served.get(plan_id).events] == [-30.0]
    finally:
        served.close()
        other.close()


def test_a_change_committed_while_the_restore_keeps_its_copy_is_kept_or_refused_never_lost(
    tmp_path, monkeypatch
):
    """Another connection writes into the store right after the restore has made sure, under
    its write lock, that its copy of the store as it is is up to date (a thread of its own,
    through SQLite, not waiting for a lock): its change is either in that copy, so restoring the
    copy brings it back, or refused to the writer, who knows it did not happen. Never committed
    into a store the restore then replaces, and so in neither."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
    finally:
        store.close()
    written: dict[str, object] = {}

    def rename_in_another_connection() -> None:
        writer = sqlite3.connect(data / "forecast.db", timeout=0, isolation_level=None)
        try:
            writer.execute("UPDATE plans SET name = 'renamed meanwhile' WHERE id = ?", (plan_id,))
            written["outcome"] = "committed"
        except sqlite3.OperationalError as exc:
            written["outcome"] = f"refused: {exc}"
        finally:
            writer.close()

    keep = restore._kept_up_to_date

    def keep_then_write(*args):
        kept = keep(*args)
        writer = threading.Thread(target=rename_in_another_connection)
        writer.start()
        writer.join()
        return kept

    monkeypatch.setattr(restore, "_kept_up_to_date", keep_then_write)
    restored = restore_store(backup, data_dir=data)
    monkeypatch.undo()

    assert restored.safety_copy is not None
    with contextlib.closing(sqlite3.connect(restored.safety_copy)) as kept:
        (kept_name,) = kept.execute("SELECT name FROM plans WHERE id = ?", (plan_id,)).fetchone()
    if written["outcome"] == "committed":
        assert kept_name == "renamed meanwhile", "a committed change is in no store"
    else:
        assert written["outcome"] == "refused: database is locked", written
        assert kept_name == "spring"


def test_a_change_committed_after_the_copy_before_the_restores_lock_is_in_that_copy(
    tmp_path, monkeypatch
):
    """The restore copies the store as it is before it takes the store's write lock (servers go
    on saving meanwhile); a change another connection commits after that copy, before the lock,
    is in the copy the restore keeps all the same (it copies again under the lock), so restoring
    that copy brings the change back."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
    finally:
        store.close()
    written: list[str] = []

    def rename_in_another_connection() -> None:
        writer = sqlite3.connect(data / "forecast.db", timeout=0, isolation_level=None)
        try:
            writer.execute("UPDATE plans SET name = 'renamed meanwhile' WHERE id = ?", (plan_id,))
        finally:
            writer.close()
        written.append("committed")

    keep = restore._keep_the_store_as_it_is

    def keep_then_write(*args):
        kept = keep(*args)
        if not written:  # after the first copy only
            writer = threading.Thread(target=rename_in_another_connection)
            writer.start()
            writer.join()
            assert written == ["committed"]  # no lock held yet: the change goes in
        return kept

    monkeypatch.setattr(restore, "_keep_the_store_as_it_is", keep_then_write)
    restored = restore_store(backup, data_dir=data)
    monkeypatch.undo()

    assert restored.safety_copy is not None
    with contextlib.closing(sqlite3.connect(restored.safety_copy)) as kept:
        (kept_name,) = kept.execute("SELECT name FROM plans WHERE id = ?", (plan_id,)).fetchone()
    assert kept_name == "renamed meanwhile", "a committed change is in no store"


def test_two_restores_within_one_second_keep_two_safety_copies(tmp_path, monkeypatch):
    """A second restore names its safety copy while the first, named in the same second, is
    still preparing (its copy not written yet): both restores go through, each keeps its own
    copy, and each copy holds the store as that restore found it."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        add_event(store, plan_id, value=50.0)
    finally:
        store.close()
    monkeypatch.setattr(safety_copies, "_utc_stamp", lambda: "2026-12-07T101112Z")
    prepare = restore._prepared_copy
    second: list[Path | None] = []

    def another_restore_meanwhile(*args):
        if not second:
            second.append(None)
            second[0] = restore_store(backup, data_dir=data).safety_copy
        return prepare(*args)

    monkeypatch.setattr(restore, "_prepared_copy", another_restore_meanwhile)
    first = restore_store(backup, data_dir=data).safety_copy
    monkeypatch.undo()

    assert first is not None and second[0] is not None
    assert first.name == "forecast-before-restore-2026-12-07T101112Z.db"
    assert second[0].name == "forecast-before-restore-2026-12-07T101112Z-2.db"
    versions = []
    for kept in (second[0], first):
        with contextlib.closing(sqlite3.connect(kept)) as conn:
            versions.append(conn.execute("SELECT version FROM plans").fetchone()[0])
    assert versions == [2, 1]  # the store with the event; then as the second restore left it


def test_a_store_in_rollback_mode_put_in_place_by_hand_is_kept_as_it_is_too(tmp_path):
    """A backup copied over forecast.db by hand and not opened since is in rollback mode (where
    the restore's write lock keeps other readers out): the restore still keeps it, and restoring
    that copy brings it back."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        add_event(store, plan_id, value=50.0)
    finally:
        store.close()
    by_hand = backup_store(tmp_path / "by-hand.db", data_dir=data).path
    older = tmp_path / "older"
    store = open_store(data_dir=older)
    try:
        new_plan(store, name="older")
    finally:
        store.close()
    backup = backup_store(tmp_path / "backup.db", data_dir=older).path
    for name in ("forecast.db", "forecast.db-wal", "forecast.db-shm"):
        (data / name).unlink(missing_ok=True)
    (data / "forecast.db").write_bytes(by_hand.read_bytes())

    restored = restore_store(backup, data_dir=data)

    assert restored.safety_copy is not None and restored.plans == 1
    restore_store(restored.safety_copy, data_dir=data)
    store = open_store(data_dir=data)
    try:
        assert plans.get_plan(store, plan_id).version == 2
    finally:
        store.close()


def test_a_restore_is_recorded_in_the_restored_stores_log_with_the_backup_and_the_copy(
    tmp_path,
):
    """Who restored which backup (its path, when its file was written, its store generation)
    and where the store as it was is kept: `forecast store log` of the restored store says so.
    A backup of a restored store carries that row, and its restore says which generation it
    held."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        add_event(store, plan_id, value=50.0)
    finally:
        store.close()
    assert (
        "nothing recorded in the store log yet"
        in runner.invoke(app, ["store", "log", "--data-dir", str(data)]).output
    )

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--data-dir", str(data), "--as", "ops-anna"]
    )
    assert restored.exit_code == 0, restored.output
    (kept,) = [p for p in data.iterdir() if "before-restore" in p.name]

    shown = runner.invoke(app, ["store", "log", "--data-dir", str(data)])
    assert shown.exit_code == 0, shown.output
    (line,) = shown.output.splitlines()
    assert f"  ops-anna  restored the backup {backup} (its file written " in line
    assert "of a store never restored): 1 plan(s), 0 account(s)" in line
    assert line.endswith(f"the store as it was is kept in {kept}")

    again = backup_store(tmp_path / "restored.db", data_dir=data).path
    restored = runner.invoke(
        app, ["store", "restore", str(again), "--data-dir", str(data), "--as", "ops-ben"]
    )
    assert restored.exit_code == 0, restored.output
    rows = json.loads(
        runner.invoke(app, ["store", "log", "--data-dir", str(data), "--json"]).output
    )
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("ops-ben", "restore"),
        ("ops-anna", "restore"),
    ]
    first, second = rows[1]["details"], rows[0]["details"]
    assert (first["backup"], first["safety_copy"]) == (str(backup), str(kept))
    assert first["backup_generation"] is None
    assert second["backup"] == str(again)
    assert second["backup_generation"] == first["generation"]
    assert second["backup_latest_change"] == rows[1]["at"]  # the first restore's row


def test_safety_copies_are_listed_after_a_restore_and_only_they_are_deleted_when_old(tmp_path):
    """The restore lists the copies beside the store, with sizes and dates; `store
    safety-copies --delete-older-than DAYS` deletes those made longer ago (their names say
    when), records it in the store log, and touches no other file, nor copies elsewhere."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        plan_id = new_plan(store).plan_id
        backup = backup_store(tmp_path / "backup.db", data_dir=data).path
        add_event(store, plan_id, value=50.0)
    finally:
        store.close()
    old = ["forecast-before-restore-2020-01-02T030405Z.db"]
    old.append("forecast-before-restore-2020-01-02T030405Z-2.db")
    others = [
        "forecast-before-restore-2020-01-02T030405Z.db.bak",
        "plans-before-restore-2020-01-02T030405Z.db",
        "forecast-before-restore-last-year.db",
        "forecast-2020-01-02T030405Z.db",
    ]
    for name in [*old, *others]:
        (data / name).write_bytes(backup.read_bytes())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / old[0]).write_bytes(backup.read_bytes())

    before = set(data.iterdir())
    restored = runner.invoke(app, ["store", "restore", str(backup), "--data-dir", str(data)])
    assert restored.exit_code == 0, restored.output
    (made,) = [p for p in set(data.iterdir()) - before if not p.name.startswith("forecast.db")]
    said = restored.output.splitlines()
    assert "safety copies beside the store (3, " in restored.output
    listed = [line.split()[-1] for line in said if line.startswith("  ")]
    assert listed == [str(data.absolute() / name) for name in old] + [str(made)]
    assert any(line.startswith("  2020-01-02 03:04:05 UTC ") for line in said)
    delete = f"`forecast store safety-copies --delete-older-than DAYS --data-dir {data.absolute()}`"
    assert delete in restored.output  # the store restored into, from any folder

    deleted = runner.invoke(
        app,
        ["store", "safety-copies", "--delete-older-than", "30", "--as", "ops-anna"]
        + ["--data-dir", str(data), "--json"],
    )
    assert deleted.exit_code == 0, deleted.output
    answer = json.loads(deleted.output)
    assert [Path(c["path"]).name for c in answer["deleted"]] == old
    assert [Path(c["path"]) for c in answer["kept"]] == [made]
    left = sorted(p.name for p in data.iterdir() if not p.name.startswith("forecast.db"))
    assert left == sorted([made.name, *others])
    assert (elsewhere / old[0]).is_file()

    shown = runner.invoke(app, ["store", "log", "--data-dir", str(data)]).output
    first = shown.splitlines()[0]
    assert "  ops-anna  deleted 2 safety copies of the store as it was before a restore" in first
    assert first.endswith(f"in all: {old[0]}, {old[1]}")
    store = open_store(data_dir=data)
    try:
        assert plans.get_plan(store, plan_id).version == 1
    finally:
        store.close()


def test_deleting_old_safety_copies_of_a_damaged_store_is_refused_and_deletes_nothing(tmp_path):
    """A store that cannot record the deletion in its log (here damaged: 100 random bytes) is
    checked before any copy goes: the copies, perhaps all that is left of it, stay, and the
    refusal says nothing was deleted."""
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        new_plan(store)
    finally:
        store.close()
    backup = backup_store(tmp_path / "backup.db", data_dir=data).path
    old = data / "forecast-before-restore-2020-01-02T030405Z.db"
    old.write_bytes(backup.read_bytes())
    for name in ("forecast.db-wal", "forecast.db-shm"):
        (data / name).unlink(missing_ok=True)
    (data / "forecast.db").write_bytes(bytes(random.Random(7).getrandbits(8) for _ in range(100)))

    refused = runner.invoke(
        app, ["store", "safety-copies", "--delete-older-than", "30", "--data-dir", str(data)]
    )

    said = " ".join(refused.output.split())
    assert refused.exit_code != 0, said
    assert "nothing was deleted" in said, said
    assert old.read_bytes() == backup.read_bytes()


def test_a_backup_carrying_a_trigger_is_refused_and_nothing_changes(tmp_path):
    # a trigger (or view) restored with the pages would run inside every server's writes
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    try:
        state = new_plan(store)
        backup = tmp_path / "backup.db"
        backup_store(backup, data_dir=data)
        with sqlite3.connect(backup) as conn:
            conn.execute(
                "CREATE TRIGGER promote AFTER UPDATE ON users "
                "BEGIN UPDATE users SET is_admin = 1; END"
            )
        conn.close()
        add_event(store, state.plan_id)
        kept = plans.get_plan(store, state.plan_id)

        refused = runner.invoke(app, ["store", "restore", str(backup), "--data-dir", str(data)])
        assert refused.exit_code == 2, refused.output
        said = " ".join(refused.output.split())
        assert "it holds trigger promote, which a plan store never has" in said
        assert "nothing was changed" in said
        assert plans.get_plan(store, state.plan_id).to_dict() == kept.to_dict()
    finally:
        store.close()


def test_a_file_named_like_a_safety_copy_with_no_real_time_is_not_listed(tmp_path):
    data = tmp_path / "data"
    open_store(data_dir=data).close()
    (data / f"forecast-{safety_copies.SAFETY_COPY_MARK}-2026-13-45T999999Z.db").write_bytes(b"x")
    assert safety_copies.safety_copies(data_dir=data) == []
