"""`forecast store restore` on a PostgreSQL store, against the suite's real PostgreSQL and the
machine's own pg_dump and pg_restore: the backup `forecast store backup` says to make (pg_dump,
custom format) is put back by the command itself, with what the SQLite restore does after it: a
row in the store log, a new store generation and the sign-ins ended. Each test's store is a
database of its own (pg_dump and pg_restore work on whole databases)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import plans
from forecast.services.pg_commands import pg_dump_command, pg_restore_command
from forecast.services.store_factory import open_store, read_once
from forecast.store import SqlStore, normalise_url
from tests.integration.test_store import add_event, new_plan
from tests.signin import add_accounts

pytestmark = pytest.mark.postgres

runner = CliRunner()


OWNER = "forecast_reader"
OWNER_PASSWORD = "r3ader-s3cret"
"""The login role without rights scripts/postgres.sh makes, and its password: each test's store
is made by it, in a database of the suite's role that grants it the rights, so that the password
checked for in what the restore says is one no message has another reason to show (the suite's
role's password is its name, which messages do show)."""


def _needs_the_client_tools() -> None:
    if shutil.which("pg_restore") is None or shutil.which("pg_dump") is None:
        pytest.skip("pg_dump and pg_restore are not installed (Debian's postgresql-client)")


@contextlib.contextmanager
def _new_database(postgres_url: str, template: str | None = None) -> Iterator[str]:
    """The URL of a new database (dropped after), empty or a copy of `template`, as `OWNER`
    (the suite's role where the cluster has no such role) who may make tables in it."""
    suite = make_url(normalise_url(postgres_url))
    name = f"forecast_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(suite, isolation_level="AUTOCOMMIT")
    url = suite.set(database=name)
    try:
        with admin.connect() as conn:
            copied = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{copied}'))
            owner = conn.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": OWNER}
            ).first()
        if owner is not None:
            granting = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with granting.connect() as conn:
                conn.execute(sa.text(f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER}"))
            granting.dispose()
            url = url.set(username=OWNER, password=OWNER_PASSWORD)
        yield url.render_as_string(hide_password=False)
    finally:
        _drop(admin, url, name)
        admin.dispose()


@pytest.fixture
def database(postgres_url, tmp_path, monkeypatch) -> Iterator[str]:
    """The URL of a new, empty database (dropped after the test). The data directory, where a
    restore keeps its copy of the store as it was, is the test's own."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "data"))
    _needs_the_client_tools()
    with _new_database(postgres_url) as url:
        yield url


@dataclass(frozen=True)
class _Template:
    """A database holding a store with one plan at version 1, and its backup (made once per
    module: each test's store is a copy of it, CREATE DATABASE ... TEMPLATE)."""

    name: str
    plan_id: str
    backup: Path


@pytest.fixture(scope="module")
def _template(postgres_url, tmp_path_factory) -> Iterator[_Template]:
    _needs_the_client_tools()
    with _new_database(postgres_url) as url:
        store = open_store(db_url=url)
        try:
            plan_id = new_plan(store).plan_id
        finally:
            store.close()  # no session left: a database is copied only without any
        backup = tmp_path_factory.mktemp("template") / "plans.dump"
        _pg_dump(url, backup)
        yield _Template(str(make_url(url).database), plan_id, backup)


class Stored(NamedTuple):
    """The test's database (its URL), the store opened on it and its plan."""

    url: str
    store: SqlStore
    plan_id: str


@pytest.fixture
def stored(postgres_url, _template, tmp_path, monkeypatch) -> Iterator[Stored]:
    """A store with one plan at version 1, in a database of its own (dropped after the test),
    opened (closed after the test); the data directory is the test's own."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "data"))
    with _new_database(postgres_url, template=_template.name) as url:
        store = open_store(db_url=url)
        try:
            yield Stored(url, store, _template.plan_id)
        finally:
            store.close()


class BackedUp(NamedTuple):
    """`Stored` whose plan is at version 2 (an event added after the backup), and the backup
    made at version 1."""

    url: str
    store: SqlStore
    plan_id: str
    backup: Path


@pytest.fixture
def backed_up(stored, _template, tmp_path) -> BackedUp:
    backup = tmp_path / "plans.dump"
    shutil.copyfile(_template.backup, backup)
    add_event(stored.store, stored.plan_id, value=50.0)
    return BackedUp(stored.url, stored.store, stored.plan_id, backup)


def _drop(admin: sa.Engine, url: sa.URL, name: str) -> None:
    """Drop the test's database. Sessions of `OWNER` (a restore's psql, the test's store) may
    still be closing: the suite's role may not end them (DROP ... WITH (FORCE) is refused), so
    they are ended as `OWNER` and waited for, a few times over. Only client sessions count: an
    autovacuum worker in the database is the server's own (no role may end it but a superuser;
    DROP DATABASE stops it itself)."""
    for _ in range(50):
        if url.username == OWNER:
            ending = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with ending.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                        "datname = current_database() AND pid != pg_backend_pid() "
                        "AND usename = current_user AND backend_type = 'client backend'"
                    )
                )
            ending.dispose()
        with admin.connect() as conn:
            others = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                    "AND backend_type = 'client backend'"
                ),
                {"name": name},
            ).scalar_one()
            if not others:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                return
        time.sleep(0.2)
    with admin.connect() as conn:  # the last word, with its error if it still cannot
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _with_password(url: str) -> str:
    """The URL's password, as it would show in a message."""
    return str(make_url(url).password)


def _pg_dump(url: str, target: Path) -> None:
    """The backup as `forecast store backup` tells an operator to make it."""
    password = make_url(url).password
    env = {**os.environ, "PGPASSWORD": str(password)}
    subprocess.run(shlex.split(pg_dump_command(url, target)), env=env, check=True, timeout=60)


def _pg_dump_whole_database(url: str, target: Path) -> None:
    """A pg_dump of everything in the database (not what `forecast store backup` prints): an
    archive made by hand or by another tool."""
    password = make_url(url).password
    env = {**os.environ, "PGPASSWORD": str(password)}
    words = ["pg_dump", "--format=custom", f"--file={target}", f"--dbname={_libpq(url)}"]
    subprocess.run(words, env=env, check=True, timeout=60)


def _libpq(url: str) -> str:
    """The URL as pg_dump takes it: without the driver and the password (from PGPASSWORD)."""
    bare = make_url(url).set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False)


def _backup_holding(
    url: str,
    target: Path,
    made: list[str],
    undone: list[str],
    dump: Callable[[str, Path], None] = _pg_dump,
) -> Path:
    """A backup (`dump`) to `target` of the database at `url` while it holds what the SQL
    `made` adds, which `undone` takes away again after: an archive holding what the store does
    not."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in made:
                conn.execute(sa.text(statement))
        dump(url, target)
        with engine.begin() as conn:
            for statement in undone:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()
    return target


def _restore(archive: Path, url: str) -> tuple[Result, str]:
    """``forecast store restore ARCHIVE --db URL`` run: its result, and what it said on one
    line."""
    done = runner.invoke(app, ["store", "restore", str(archive), "--db", url])
    return done, " ".join(done.output.split())


def _refused_up_front(stored: Stored, archive: Path) -> str:
    """Restore `archive` into the store of `stored`, whose plan was changed after its backup:
    the restore is refused (exit 2) before anything changes (no copy kept, nothing logged); what
    it said, on one line."""
    database, store, plan_id = stored
    add_event(store, plan_id, value=50.0)
    refused, said = _restore(archive, database)
    assert refused.exit_code == 2, said
    assert "nothing was changed" in said
    assert plans.get_plan(store, plan_id).version == 2
    assert store.store_log() == []
    assert not list(Path(os.environ["FORECAST_DATA_DIR"]).glob("*.dump"))
    return said


def test_a_pg_dump_backup_is_restored_by_the_command_with_the_sqlite_restores_aftercare(
    stored, tmp_path
):
    """A change and a sign-in after the backup, and a sign-in the backup holds: the restore
    brings the plan back as it was, ends both sign-ins, records who restored which backup in the
    store log and gives the store a new generation, keeping the store's installation key (what
    signs its cookies and bundles); its password is in nothing it says."""
    database, store, plan_id = stored
    add_accounts(store, ["ann"])
    store.start_session("in-the-backup", "ann", time.time(), forget_before=0)
    backup = tmp_path / "plans.dump"
    _pg_dump(database, backup)
    before_generation = store.generation()
    key = store.installation_key()  # made after the backup: the store's, kept
    add_event(store, plan_id, value=50.0)
    store.start_session("after-the-backup", "ann", time.time(), forget_before=0)
    for _ in range(6):  # as a running server reads: psycopg prepares what it runs often
        assert plans.get_plan(store, plan_id).version == 2

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", database, "--as", "ops-anna"]
    )
    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert _with_password(database) not in said
    assert f"restored {backup}" in said and "1 plan(s), 1 account(s)" in said

    assert plans.get_plan(store, plan_id).version == 1  # the change is gone
    kept = store.get_session("in-the-backup")
    assert kept is not None and kept.ended_at is not None  # not back to life
    assert store.get_session("after-the-backup") is None
    (row,) = store.store_log()
    assert (row.actor, row.action) == ("ops-anna", "restore")
    assert row.details["backup"] == str(backup)
    assert f"restored the backup {backup} (" in row.what
    assert store.generation() not in ("", before_generation)
    assert row.details["generation"] == store.generation()
    assert store.installation_key() == key


@pytest.mark.parametrize("contents", ["a SQLite backup", "a plain SQL dump"])
def test_a_file_that_is_not_a_pg_dump_archive_is_refused_and_nothing_changes(
    stored, tmp_path, contents
):
    database, store, plan_id = stored
    add_event(store, plan_id, value=50.0)
    not_an_archive = tmp_path / "plans.backup"
    if contents == "a SQLite backup":
        data = tmp_path / "data"
        open_store(data_dir=data).close()
        not_an_archive.write_bytes((data / "forecast.db").read_bytes())
    else:
        not_an_archive.write_text("DROP TABLE plans;\n")
    generation = store.generation()

    refused, said = _restore(not_an_archive, database)

    assert refused.exit_code == 2, said
    assert f"{not_an_archive} is not a pg_dump archive" in said
    assert "nothing was changed" in said
    assert "pg_dump --format=custom" in said  # the backup to make instead
    assert _with_password(database) not in said
    assert plans.get_plan(store, plan_id).version == 2
    assert store.store_log() == [] and store.generation() == generation


def test_a_restore_pg_restore_refuses_says_why_in_its_words_and_changes_nothing(
    backed_up, tmp_path
):
    """A report someone made on the plans (a view) keeps pg_restore from dropping the table:
    its error is reported, and its one transaction left the store as it was."""
    database, store, plan_id, backup = backed_up
    with store.engine.begin() as conn:
        conn.execute(sa.text("CREATE VIEW plan_report AS SELECT id, name FROM plans"))

    failed, said = _restore(backup, database)

    assert failed.exit_code == 5, said
    assert f"pg_restore could not restore {backup} into " in said
    assert "plan_report depends on table" in said, said  # pg_restore's own words
    assert "nothing was changed (one transaction)" in said
    assert _with_password(database) not in said
    assert plans.get_plan(store, plan_id).version == 2
    assert store.store_log() == []


def test_a_failed_aftercare_does_not_show_the_stores_installation_key(stored, tmp_path):
    """What follows pg_restore fails (a check in the backup refuses the store's key): the
    message says the database's own words, never the values the failed statement carried."""
    store, database = stored.store, stored.url
    backup = _backup_holding(
        database,
        tmp_path / "plans.dump",
        [
            "ALTER TABLE installation ADD CONSTRAINT keys_are_kept_elsewhere "
            "CHECK (name != 'bundle_signing_key')"
        ],
        ["ALTER TABLE installation DROP CONSTRAINT keys_are_kept_elsewhere"],
    )
    key = store.installation_key()  # made after the backup: the aftercare puts it back

    failed, said = _restore(backup, database)

    assert failed.exit_code == 5, said
    assert "what follows a restore failed" in said and "keys_are_kept_elsewhere" in said
    assert key.hex() not in said
    (copy,) = (tmp_path / "data").glob("forecast*-before-restore-*.dump")
    assert f"the store as it was is kept in {copy}: `forecast store restore {copy} " in said
    assert "[parameters" not in said and "[SQL" not in said


def _an_earlier_releases_backup(stored: Stored, tmp_path: Path) -> Path:
    """A backup of the store as a release before `actuals` kept it, and the store given this
    version's tables again (opening it adds them)."""
    with stored.store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE actuals"))
    backup = tmp_path / "older.dump"
    _pg_dump(stored.url, backup)
    open_store(db_url=stored.url).close()
    return backup


def test_a_backup_of_an_earlier_release_without_a_newer_table_is_restored(stored, tmp_path):
    """A store of a release before `actuals`: pg_restore alone cannot drop the plans table the
    newer table refers to; the restore puts the backup back and adds this version's tables."""
    database, store, plan_id = stored
    backup = _an_earlier_releases_backup(stored, tmp_path)
    add_event(store, plan_id, value=50.0)

    restored, said = _restore(backup, database)

    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    with store.engine.connect() as conn:
        assert "actuals" in sa.inspect(conn).get_table_names()
    (row,) = store.store_log()
    assert row.action == "restore"


def test_an_archive_of_another_apps_plans_table_is_refused_and_nothing_changes(database, tmp_path):
    """Another program's database with a `plans(id, title)` table is not a plan store: the
    same rule as a SQLite backup's (the plans table's columns), checked before anything changes."""
    other_app = _backup_holding(
        database,
        tmp_path / "other-app.dump",
        [
            "CREATE TABLE plans (id serial PRIMARY KEY, title text)",
            "INSERT INTO plans (title) VALUES ('gym plan')",
        ],
        ["DROP TABLE plans"],
    )
    store = open_store(db_url=database)
    try:
        plan_id = new_plan(store).plan_id
        add_event(store, plan_id, value=50.0)

        refused, said = _restore(other_app, database)

        assert refused.exit_code == 2, said
        assert f"{other_app} is not a pg_dump archive of a plan store" in said
        assert "(its tables: plans)" in said  # not its TABLE DATA lines' schema
        assert "nothing was changed" in said
        assert plans.get_plan(store, plan_id).version == 2
        assert store.store_log() == []
    finally:
        store.close()


def test_an_archive_with_a_function_trigger_or_view_is_refused_before_anything_changes(
    stored, tmp_path
):
    """Code in the archive (a function, a trigger that runs it in every server's writes, a view)
    would be restored with the restoring role's rights: the archive is refused, naming what it
    holds, and the store stays as it was."""
    backup = _backup_holding(
        stored.url,
        tmp_path / "plans.dump",
        [
            "CREATE FUNCTION keep_a_copy() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER keep_a_copy BEFORE INSERT ON plans FOR EACH ROW "
            "EXECUTE FUNCTION keep_a_copy()",
            "CREATE VIEW plan_report AS SELECT id FROM plans",
        ],
        [
            "DROP VIEW plan_report",
            "DROP TRIGGER keep_a_copy ON plans",
            "DROP FUNCTION keep_a_copy()",
        ],
        dump=_pg_dump_whole_database,
    )

    said = _refused_up_front(stored, backup)  # and no copy made for nothing

    assert f"{backup} holds what a backup of a plan store does not" in said
    assert "FUNCTION public keep_a_copy()" in said
    assert "TRIGGER public plans keep_a_copy" in said
    assert "VIEW public plan_report" in said
    assert "make the backup with `forecast store backup` of a store of this version" in said
    with stored.store.engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'keep_a_copy'")
            ).scalar_one()
            == 0
        )


def test_the_store_as_it_was_is_kept_and_restoring_that_copy_undoes_the_restore(
    backed_up, tmp_path
):
    """The change made after the backup is in the copy the restore keeps (pg_dump, beside where
    a SQLite store's copies go): restoring that copy brings it back."""
    database, store, plan_id, backup = backed_up

    restored, said = _restore(backup, database)

    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    (copy,) = (tmp_path / "data").glob("forecast-*-before-restore-*.dump")
    assert f"the store as it was is kept in {copy}" in said
    assert _with_password(database) not in said
    (row,) = store.store_log()
    assert row.details["safety_copy"] == str(copy)

    undone = runner.invoke(app, ["store", "restore", str(copy), "--db", database])

    assert undone.exit_code == 0, undone.output
    assert plans.get_plan(store, plan_id).version == 2  # the change is back


def test_the_printed_manual_restore_puts_an_earlier_releases_backup_into_a_store(stored, tmp_path):
    """The command a restore prints for doing it by hand (where pg_restore is not installed)
    works where pg_restore --clean alone cannot: a backup of a release before `actuals`, whose
    plans table the store's newer table refers to."""
    database, store, plan_id = stored
    backup = _an_earlier_releases_backup(stored, tmp_path)
    add_event(store, plan_id, value=50.0)
    env = {**os.environ, "PGPASSWORD": _with_password(database)}

    done = subprocess.run(
        ["bash", "-c", pg_restore_command(database, backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    assert plans.get_plan(store, plan_id).version == 1
    # piped, not written down: no file of the store's data (sessions too) is left about
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["older.dump"]


def test_the_printed_backup_of_a_store_in_a_database_with_other_objects_restores(stored, tmp_path):
    """The database holds another application's table and a view on it beside the store: the
    pg_dump command `forecast store backup` prints dumps only the store's tables, so that
    `forecast store restore` takes its archive (a whole database's would be refused), and the
    other application's table and view stay as they are."""
    database, store, plan_id = stored
    with store.engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE "Other App.orders" (id int, total numeric)'))
        conn.execute(sa.text('INSERT INTO "Other App.orders" VALUES (1, 9.5)'))
        conn.execute(
            sa.text('CREATE VIEW order_report AS SELECT sum(total) FROM "Other App.orders"')
        )
    backup = tmp_path / "with space" / "plans.dump"
    backup.parent.mkdir()
    printed = runner.invoke(app, ["store", "backup", str(backup), "--db", database])
    said = " ".join(printed.output.split())
    command = re.search(r"own tool: (pg_dump .*?) \(the password", said)
    assert command is not None, said
    env = {**os.environ, "PGPASSWORD": _with_password(database)}
    subprocess.run(["bash", "-c", command.group(1)], env=env, check=True, timeout=60)
    add_event(store, plan_id, value=50.0)
    with store.engine.begin() as conn:
        conn.execute(sa.text('INSERT INTO "Other App.orders" VALUES (2, 0.5)'))

    restored, said = _restore(backup, database)

    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM order_report")).scalar_one() == 10


def test_the_pg_dump_safety_copies_are_listed_and_only_the_old_ones_deleted(backed_up, tmp_path):
    """`forecast store safety-copies --db URL` lists the pg_dump copies the restores of that
    database kept in the data directory (name, size, time; each named with a tag of its
    database), and --delete-older-than DAYS deletes those made longer ago (their names say when),
    records it in the store log, and touches no other file: not another database's copies (not
    listed either). A copy of an earlier release, whose name does not say of which database, is
    listed with what its archive says: this database's name, but not the server's (another
    server's database of that name may be the one), another database's (which may be dropped or
    renamed), or nothing (pg_restore cannot read it); none of them is deleted but by hand."""
    data = tmp_path / "data"
    database, store, _, backup = backed_up
    restored = runner.invoke(app, ["store", "restore", str(backup), "--db", database])
    assert restored.exit_code == 0, restored.output
    (made,) = data.glob("forecast-*-before-restore-*.dump")
    tag = made.name.split("-before-restore-")[0]
    assert make_url(database).database in tag and _with_password(database) not in tag
    old = data / f"{tag}-before-restore-2020-01-02T030405Z.dump"
    old.write_bytes(backup.read_bytes())
    untagged = data / "forecast-before-restore-2020-01-02T030405Z.dump"
    untagged.write_bytes(made.read_bytes())  # an archive of this database
    name = str(make_url(database).database).encode()
    untagged_other = data / "forecast-before-restore-2020-01-02T030405Z-2.dump"
    untagged_other.write_bytes(made.read_bytes().replace(name, b"x" * len(name)))
    unknown = data / "forecast-before-restore-2020-01-02T030405Z-3.dump"
    unknown.write_bytes(b"PGDMP cut short")
    another = data / "forecast-other_db-0a1b2c-before-restore-2020-01-02T030405Z.dump"
    another.write_bytes(backup.read_bytes())
    others = ["forecast-before-restore-2020-01-02T030405Z.db", "plans-2020.dump"]
    for other in others:
        (data / other).write_bytes(b"not ours")

    listed = runner.invoke(app, ["store", "safety-copies", "--db", database])

    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith(f"safety copies in the data directory {data} (5, ")
    assert lines[1].startswith("  2020-01-02 03:04:05 UTC ") and lines[1].endswith(str(old))
    assert lines[2].endswith(f"{untagged} (database {name.decode()}, server unknown)")
    assert lines[3].endswith(f"{untagged_other} (of database {'x' * len(name)})")
    assert lines[4].endswith(f"{unknown} (database unknown)")
    assert lines[5].endswith(str(made))
    assert lines[6].startswith("copies named forecast-before-restore-*.dump (an earlier release")
    assert len(lines) == 7

    deleted = runner.invoke(
        app,
        ["store", "safety-copies", "--delete-older-than", "30", "--db", database]
        + ["--as", "ops-anna", "--json"],
    )

    assert deleted.exit_code == 0, deleted.output
    answer = json.loads(deleted.output)
    assert [c["path"] for c in answer["deleted"]] == [str(old)]
    assert answer["deleted"][0]["bytes"] == backup.stat().st_size
    kept = [untagged, untagged_other, unknown, made]
    assert [c["path"] for c in answer["kept"]] == [str(path) for path in kept]
    assert [c["database_unknown"] for c in answer["kept"]] == [False, False, True, False]
    assert [c["archive_database"] for c in answer["kept"]] == [
        name.decode(),
        "x" * len(name),
        None,
        None,
    ]
    assert sorted(p.name for p in data.iterdir()) == sorted(
        [made.name, untagged.name, unknown.name, untagged_other.name, another.name, *others]
    )
    row = store.store_log()[0]
    assert (row.actor, row.action) == ("ops-anna", "delete_safety_copies")
    assert row.what.endswith(f"in all: {old.name}")


def test_an_index_this_version_does_not_define_is_refused_even_named_as_the_stores(
    stored, tmp_path
):
    """Only the indexes of this version's tables are restored: one named as the store names
    its own (``ix_<table>_...``) but not one of them is refused, and nothing changes."""
    backup = _backup_holding(
        stored.url,
        tmp_path / "plans.dump",
        ["CREATE INDEX ix_plans_by_name ON plans (name)"],
        ["DROP INDEX ix_plans_by_name"],
    )

    said = _refused_up_front(stored, backup)

    assert "does not (INDEX public ix_plans_by_name)" in said


def test_a_store_holding_an_index_of_the_operators_is_refused_as_its_copy_would_be(
    stored, tmp_path
):
    """An index an operator added to a store table would be in the copy the restore keeps as
    its undo, and restoring that copy refuses it: the restore is refused before anything
    changes, naming the index and what to do, and keeps no copy."""
    database, store, _ = stored
    backup = tmp_path / "plans.dump"
    _pg_dump(database, backup)
    with store.engine.begin() as conn:
        conn.execute(sa.text("CREATE INDEX plans_name_lookup ON plans (name)"))

    said = _refused_up_front(stored, backup)

    assert "INDEX public plans_name_lookup" in said
    assert "drop it" in said
    assert _with_password(database) not in said


def test_a_schema_named_as_the_login_role_made_after_the_store_does_not_stop_a_restore(
    postgres_url, backed_up, tmp_path
):
    """A DBA makes a schema named as the store's role (first on the default search path,
    "$user"): the store's tables stay in public, and the restore dumps and restores those."""
    database, _, plan_id, backup = backed_up
    role = make_url(database).username
    suite = make_url(normalise_url(postgres_url)).set(database=make_url(database).database)
    admin = sa.create_engine(suite)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{role}"'))
        conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{role}" TO "{role}"'))
    admin.dispose()

    restored, said = _restore(backup, database)

    assert restored.exit_code == 0, said
    store = open_store(db_url=database)
    try:
        assert plans.get_plan(store, plan_id).version == 1
        (copy,) = (tmp_path / "data").glob("forecast*-before-restore-*.dump")
        undone = runner.invoke(app, ["store", "restore", str(copy), "--db", database])
        assert undone.exit_code == 0, undone.output
        assert plans.get_plan(store, plan_id).version == 2
    finally:
        store.close()


def test_a_password_in_the_urls_query_is_in_nothing_the_restore_prints(backed_up):
    """``?password=...`` is a libpq URL's way too: the restore's "into", the undo and the
    safety-copies commands it prints leave it out (the password from PGPASSWORD)."""
    database, store, plan_id, backup = backed_up
    given = make_url(database)
    url = (
        given.set(password=None)
        .update_query_dict({"password": given.password})
        .render_as_string(hide_password=False)
    )

    restored, said = _restore(backup, url)

    assert restored.exit_code == 0, said
    assert "the store as it was is kept in" in said and "--delete-older-than" in said
    assert _with_password(database) not in said
    assert plans.get_plan(store, plan_id).version == 1


def test_a_write_made_while_the_restore_runs_waits_for_it_and_is_not_lost(backed_up, tmp_path):
    """From the copy of the store as it is to the restore's commit the store's tables are
    locked: a server's write in between waits and lands in the restored store, rather than in
    the store the restore replaces after its copy was made."""
    database, store, plan_id, backup = backed_up
    restoring, written = threading.Event(), []

    def write_while_locked() -> None:
        writer = open_store(db_url=database)
        try:
            while not restoring.is_set():
                with writer.engine.connect() as conn:
                    held = conn.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_locks WHERE granted AND "
                            "mode = 'ExclusiveLock' AND relation = to_regclass('plans')"
                        )
                    ).scalar_one()
                if held:
                    add_event(writer, plan_id, value=70.0)
                    written.append(True)
                    return
                time.sleep(0.01)
        finally:
            writer.close()

    server = threading.Thread(target=write_while_locked)
    server.start()
    try:
        restored = runner.invoke(app, ["store", "restore", str(backup), "--db", database])
    finally:
        restoring.set()
        server.join()

    assert restored.exit_code == 0, restored.output
    assert written, "no write was made while the restore held the store's tables"
    assert plans.get_plan(store, plan_id).version == 2  # the backup's, then the write


def test_an_archive_granting_the_stores_tables_to_public_is_refused(stored, tmp_path):
    """Grants on the store's tables are restored (a reporting role's), but not one to PUBLIC:
    every role that may connect would read the accounts and sign-ins. The archive is refused,
    naming the tables, and nothing changes."""
    backup = _backup_holding(
        stored.url,
        tmp_path / "plans.dump",
        ["GRANT ALL ON users, installation TO PUBLIC"],
        ["REVOKE ALL ON users, installation FROM PUBLIC"],
    )

    said = _refused_up_front(stored, backup)

    assert "to PUBLIC" in said and "public.installation" in said and "public.users" in said
    with stored.store.engine.connect() as conn:
        granted = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a "
                "WHERE c.relname IN ('users', 'installation') AND a.grantee = 0"
            )
        ).scalar_one()
    assert granted == 0  # PUBLIC's grants (grantee 0): none


def _altered(archive: Path, target: Path, old: bytes, new: bytes) -> Path:
    """`archive` with `old` (there once) replaced by `new` of the same length, written to
    `target`: an archive altered on purpose, or made on another server (the custom format keeps
    each entry's SQL as text after its length)."""
    data = archive.read_bytes()
    assert data.count(old) == 1 and len(old) == len(new)
    target.write_bytes(data.replace(old, new))
    return target


def _an_archive_running_a_shell_command(database: str, tmp_path: Path, ran: Path) -> Path:
    """A backup of the store whose comment on the plans table was altered to end its statement
    and hold a psql command on a line of its own: ``\\! touch RAN``."""
    pad = "x" * 400
    made = _backup_holding(
        database,
        tmp_path / "commented.dump",
        [f"COMMENT ON TABLE plans IS '{pad}'"],
        ["COMMENT ON TABLE plans IS NULL"],
    )
    hidden = f"x';\n\\! touch {ran}\n-- "
    return _altered(made, tmp_path / "altered.dump", pad.encode(), hidden.ljust(400, "x").encode())


def _an_older_pg_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_restore as releases before PostgreSQL 13.22, 14.19, 15.14, 16.10 and 17.6 are, first
    on the PATH: no --restrict-key, so no ``\\restrict`` line fencing off its SQL (this
    machine's pg_restore with those taken out of what it writes and of its help)."""
    real = shutil.which("pg_restore")
    older = tmp_path / "older-client"
    older.mkdir()
    script = older / "pg_restore"
    script.write_text(
        "#!/bin/bash\n"
        'for word in "$@"; do case "$word" in --restrict-key*) '
        "echo \"pg_restore: error: unrecognized option '$word'\" >&2; exit 1;; esac; done\n"
        "set -o pipefail\n"
        f'{real} "$@" | grep -av -e "^\\\\\\\\\\(un\\)\\?restrict " -e "--restrict-key"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{older}{os.pathsep}{os.environ['PATH']}")


def test_the_printed_manual_restore_fails_when_pg_restore_fails(stored, tmp_path):
    """pg_restore cannot read the file: the command run by hand ends without a COMMIT (nothing
    changed) and says so by its status, not 0 as psql's would be."""
    database, store, plan_id = stored
    add_event(store, plan_id, value=50.0)
    bad = tmp_path / "bad.dump"
    bad.write_bytes(b"PGDMP not an archive")
    env = {**os.environ, "PGPASSWORD": _with_password(database)}

    done = subprocess.run(
        ["bash", "-c", pg_restore_command(database, bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0, done.stderr
    assert "pg_restore: error:" in done.stderr
    assert plans.get_plan(store, plan_id).version == 2


@pytest.mark.parametrize("client", ["this machine's", "an older one"])
def test_a_shell_command_hidden_in_an_archive_is_never_run(stored, tmp_path, monkeypatch, client):
    """An archive altered to hold ``\\! touch FILE`` in its SQL: psql, which runs what
    pg_restore writes, runs none of it, neither in the restore nor in the manual command it
    prints; with a pg_restore too old to fence its SQL off, the restore is refused before
    anything changes, saying to update postgresql-client, and the manual command fails."""
    database, store, plan_id = stored
    ran = tmp_path / "ran"
    altered = _an_archive_running_a_shell_command(database, tmp_path, ran)
    add_event(store, plan_id, value=50.0)
    if client == "an older one":
        _an_older_pg_restore(tmp_path, monkeypatch)

    refused = runner.invoke(app, ["store", "restore", str(altered), "--db", database])
    by_hand = subprocess.run(
        ["bash", "-c", pg_restore_command(database, altered)],
        env={**os.environ, "PGPASSWORD": _with_password(database)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    said = " ".join(refused.output.split())
    assert not ran.exists(), "psql ran the archive's shell command"
    assert refused.exit_code == 5 and by_hand.returncode != 0, said
    assert "nothing was changed" in said
    if client == "an older one":
        assert "too old to restore safely" in said and "update postgresql-client" in said
    assert plans.get_plan(store, plan_id).version == 2
    assert store.store_log() == []
    assert not list((tmp_path / "data").glob("*.dump"))


def test_an_archive_granting_to_a_role_this_server_lacks_is_refused_naming_it(stored, tmp_path):
    """A backup of another server's store, whose reporting role this server does not have:
    pg_restore would stop at its grant; the restore refuses before anything changes, naming the
    role and what to do."""
    granted = _backup_holding(
        stored.url,
        tmp_path / "granted.dump",
        ["GRANT SELECT ON plans TO PUBLIC"],
        ["REVOKE SELECT ON plans FROM PUBLIC"],
    )
    elsewhere = _altered(
        granted,
        tmp_path / "elsewhere.dump",
        b"TO PUBLIC;",
        b'TO "Rep_";',  # quoted, as pg_dump writes a name with capitals
    )

    said = _refused_up_front(stored, elsewhere)

    assert "to roles this server does not have (Rep_)" in said
    assert "CREATE ROLE" in said


def _suite_role(postgres_url: str, url: str) -> str:
    """`url` as the suite's role (the test database's owner, not a superuser), not `OWNER`."""
    suite = make_url(normalise_url(postgres_url))
    as_suite = make_url(url).set(username=suite.username, password=suite.password)
    return as_suite.render_as_string(hide_password=False)


def _a_grant_passed_on_by_the_suites_role(postgres_url: str, stored: Stored) -> str:
    """The store's tables, owned by `OWNER`, hold a grant given by the suite's role, not by
    their owner (the owner gave it SELECT WITH GRANT OPTION, and it passed SELECT on to the
    owner): the suite's role, named. Skipped where the cluster has no role `OWNER`."""
    if make_url(stored.url).username != OWNER:
        pytest.skip(f"the cluster has no role {OWNER} to own the store apart from the suite's")
    suite = str(make_url(normalise_url(postgres_url)).username)
    with stored.store.engine.begin() as conn:
        conn.execute(sa.text(f"GRANT SELECT ON plans TO {suite} WITH GRANT OPTION"))
    grantor = sa.create_engine(_suite_role(postgres_url, stored.url))
    try:
        with grantor.begin() as conn:
            conn.execute(sa.text(f"GRANT SELECT ON plans TO {OWNER}"))  # given by the suite's role
    finally:
        grantor.dispose()
    return suite


@pytest.mark.parametrize("owner", ["missing here", "one the restoring role is not"])
def test_an_archive_whose_tables_are_owned_by_a_role_the_restore_cannot_use_is_refused(
    postgres_url, stored, _template, tmp_path, owner
):
    """pg_restore gives each table to the owner the backup had (ALTER TABLE ... OWNER TO): a
    backup of another server's store names an owner this server lacks, or one the restoring
    role (not a superuser) may not give tables to. The restore refuses before anything changes,
    naming the owner and what to do, rather than fail in pg_restore after locking the store and
    copying it."""
    if make_url(stored.url).username != OWNER:
        pytest.skip(f"the cluster has no role {OWNER} to own the store apart from the suite's")
    if owner == "missing here":
        data = _template.backup.read_bytes()
        field = len(OWNER).to_bytes(4, "little")  # the custom format's strings: sign, length
        absent = "forecast_absent"
        assert len(absent) == len(OWNER)
        archive = tmp_path / "elsewhere.dump"
        archive.write_bytes(
            data.replace(b"\x00" + field + OWNER.encode(), b"\x00" + field + absent.encode())
        )
        expected = f"gives the store's tables to owners this server does not have ({absent})"
    else:  # a store of the suite's role, whom OWNER is not a member of
        with _new_database(postgres_url) as url:
            theirs = _suite_role(postgres_url, url)
            open_store(db_url=theirs).close()
            archive = tmp_path / "theirs.dump"
            _pg_dump(theirs, archive)
        suite = str(make_url(normalise_url(postgres_url)).username)
        expected = f"gives the store's tables to {suite}, which {OWNER} may not give tables to"

    said = _refused_up_front(stored, archive)

    assert expected in said, said
    assert "GRANT" in said or "CREATE ROLE" in said


def test_an_archive_with_a_grant_given_by_a_non_owner_is_refused_for_a_non_superuser(
    postgres_url, stored, tmp_path
):
    """A grant the tables' owner did not give (a role given GRANT OPTION passed it on) is
    written by pg_dump as ``SET SESSION AUTHORIZATION grantor; GRANT ...``, which only a
    superuser may run: restored by a role that is not one, it is refused before anything
    changes, naming the grantor and the fix (give the grant again as the owner and back up
    again, or restore as a superuser)."""
    suite = _a_grant_passed_on_by_the_suites_role(postgres_url, stored)
    archive = tmp_path / "granted.dump"
    _pg_dump(stored.url, archive)

    said = _refused_up_front(stored, archive)

    assert f"given by {suite}, not the tables' owner" in said, said
    assert f"SET SESSION AUTHORIZATION {suite}" in said
    assert "give them again as the tables' owner" in said and "as a superuser" in said


def _an_older_psql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """psql as releases before PostgreSQL 13.22, 14.19, 15.14, 16.10 and 17.6 are, first on the
    PATH: no ``\\restrict`` among its commands (this machine's psql, with that taken out of what
    ``--help=commands`` prints), so it would run a command of psql's hidden in the SQL
    pg_restore writes."""
    real = shutil.which("psql")
    older = tmp_path / "older-psql"
    older.mkdir()
    script = older / "psql"
    script.write_text(
        "#!/bin/bash\n"
        'if [ "$1" != "--help=commands" ]; then exec ' + f'{real} "$@"; fi\n'
        f'{real} "$@" | grep -av -e "\\\\\\\\\\(un\\)\\?restrict"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{older}{os.pathsep}{os.environ['PATH']}")


def test_a_psql_too_old_to_fence_off_the_archives_sql_is_refused_before_anything_changes(
    backed_up, tmp_path, monkeypatch
):
    """pg_restore fences its SQL off, but psql, which runs it, is too old to keep to the fence:
    the restore is refused before anything changes, saying to update postgresql-client."""
    database, store, plan_id, backup = backed_up
    _an_older_psql(tmp_path, monkeypatch)
    helped = subprocess.run(["psql", "--help=commands"], capture_output=True, text=True, check=True)
    assert "\\restrict" not in helped.stdout

    refused, said = _restore(backup, database)

    assert refused.exit_code == 5, said
    assert said.startswith("error: psql (PostgreSQL) "), said  # the refused tool's version
    assert "too old to restore safely" in said, said
    assert "update postgresql-client" in said and "nothing was changed" in said
    assert plans.get_plan(store, plan_id).version == 2
    assert store.store_log() == []
    assert not list((tmp_path / "data").glob("*.dump"))


def test_a_store_holding_a_grant_its_copy_could_not_put_back_is_refused_before_anything_changes(
    postgres_url, stored, _template, tmp_path
):
    """The live store holds a grant given by a role other than the tables' owner (a role given
    GRANT OPTION passed it on): a clean backup would restore, but the copy of the store as it
    is, which the restore prints as its undo, would be refused for the role that restores (not
    a superuser: pg_restore writes that grant as SET SESSION AUTHORIZATION grantor). The restore
    is refused before anything changes, saying why and what to do, rather than print an undo
    that cannot be run."""
    suite = _a_grant_passed_on_by_the_suites_role(postgres_url, stored)
    clean = tmp_path / "clean.dump"
    shutil.copyfile(_template.backup, clean)

    said = _refused_up_front(stored, clean)

    assert f"holds grants on the store's tables given by {suite}, not the tables' owner" in said
    assert "the copy of it a restore keeps first, as its undo, could not be restored" in said
    assert "give them again as the tables' owner and restore again" in said, said
    assert "as a superuser" in said


def _a_pg_restore_that_cannot_write_the_sql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """pg_restore first on the PATH that reads an archive's list but fails to write the SQL of
    the entries picked from it (``--use-list=... --file=-``, as the checks before a restore run
    it), as it does on an archive damaged past its list."""
    real = shutil.which("pg_restore")
    failing = tmp_path / "failing-pg-restore"
    failing.mkdir()
    script = failing / "pg_restore"
    script.write_text(
        "#!/bin/bash\n"
        'case "$1" in --use-list=*) if [ "$2" = "--file=-" ]; then\n'
        '  echo "pg_restore: error: could not read from input file" >&2; exit 1; fi;; esac\n'
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{failing}{os.pathsep}{os.environ['PATH']}")


def test_an_archive_whose_owners_pg_restore_cannot_write_is_refused_not_restored_unchecked(
    stored, _template, tmp_path, monkeypatch
):
    """Which roles an archive gives the store's tables to is read from the SQL pg_restore
    writes of it; where pg_restore cannot write that, the owners cannot be checked: the restore
    is refused before anything changes, not run as if the archive named no owner."""
    archive = tmp_path / "plans.dump"
    shutil.copyfile(_template.backup, archive)
    _a_pg_restore_that_cannot_write_the_sql(tmp_path, monkeypatch)

    said = _refused_up_front(stored, archive)

    assert "pg_restore cannot write the SQL of" in said and "cannot be checked" in said, said


TABLES_ROLE = "forecast_tables"
"""The role without login scripts/postgres.sh makes, which the suite's role is a member of (it
may give tables to it, and become it)."""


@pytest.fixture
def of_another_role(postgres_url, tmp_path, monkeypatch) -> Iterator[Stored]:
    """A store with one plan, made by the suite's role (not a superuser) and given to
    `TABLES_ROLE`, which may create in the schema public; the URL is the suite's role's (the
    role that restores); the data directory is the test's own."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "data"))
    _needs_the_client_tools()
    with _new_database(postgres_url) as url:
        theirs = _suite_role(postgres_url, url)
        store = open_store(db_url=theirs)
        try:
            with store.engine.begin() as conn:
                member = conn.execute(
                    sa.text(
                        "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles "
                        "WHERE rolname = :role"
                    ),
                    {"role": TABLES_ROLE},
                ).scalar()
                if not member:
                    pytest.skip(
                        f"the suite's role is no member of {TABLES_ROLE} (scripts/postgres.sh)"
                    )
                conn.execute(sa.text(f"GRANT USAGE, CREATE ON SCHEMA public TO {TABLES_ROLE}"))
                for table in conn.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).scalars():
                    conn.execute(sa.text(f'ALTER TABLE public."{table}" OWNER TO {TABLES_ROLE}'))
            yield Stored(theirs, store, new_plan(store).plan_id)
        finally:
            store.close()


def test_an_owner_that_may_not_create_in_the_schema_is_refused_naming_the_grant(
    of_another_role, tmp_path
):
    """A role that is not a superuser may give a table to a role it is a member of only where
    that role may create in the table's schema (PostgreSQL 15 and later: none may in public
    unless granted): the restore is refused before anything changes, naming the grant to give,
    rather than fail in pg_restore after locking the store and copying it."""
    database, store, _ = of_another_role
    archive = tmp_path / "plans.dump"
    _pg_dump(database, archive)
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"REVOKE CREATE ON SCHEMA public FROM {TABLES_ROLE}"))

    said = _refused_up_front(of_another_role, archive)

    assert (
        f"gives the store's tables to {TABLES_ROLE}, which may not create in the schema public"
        in said
    )
    assert f"GRANT CREATE ON SCHEMA public TO {TABLES_ROLE}" in said, said


def test_a_grant_given_by_the_restoring_role_itself_is_restored(
    postgres_url, of_another_role, tmp_path
):
    """A grant the tables' owner did not give but the role that restores did (given GRANT
    OPTION, it passed it on): pg_restore writes it as SET SESSION AUTHORIZATION to that role,
    which PostgreSQL lets a role do to itself, superuser or not. The backup is restored with
    the grant as it was."""
    database, store, plan_id = of_another_role
    suite = str(make_url(database).username)
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"SET ROLE {TABLES_ROLE}"))
        conn.execute(sa.text(f"GRANT SELECT ON plans TO {suite} WITH GRANT OPTION"))
        conn.execute(sa.text("RESET ROLE"))
        conn.execute(sa.text(f"GRANT SELECT ON plans TO {OWNER}"))  # given by the suite's role
    archive = tmp_path / "plans.dump"
    _pg_dump(database, archive)
    add_event(store, plan_id, value=50.0)

    restored = runner.invoke(app, ["store", "restore", str(archive), "--db", database])

    assert restored.exit_code == 0, restored.output
    assert plans.get_plan(store, plan_id).version == 1
    with store.engine.connect() as conn:
        given = conn.execute(
            sa.text(
                "SELECT g.rolname, e.rolname FROM aclexplode((SELECT relacl FROM pg_class "
                "WHERE oid = 'plans'::regclass)) a JOIN pg_roles g ON g.oid = a.grantor "
                "JOIN pg_roles e ON e.oid = a.grantee WHERE a.privilege_type = 'SELECT'"
            )
        ).all()
    assert (suite, OWNER) in [tuple(row) for row in given]


def test_deleting_old_copies_says_an_earlier_releases_are_kept_and_to_delete_them_by_hand(
    backed_up, tmp_path
):
    """A copy an earlier release named without the database (forecast-before-restore-*.dump)
    is never deleted by --delete-older-than, however old: listing it (after a restore, and
    after deleting the old copies), the command says so, and to check the database noted and
    delete it by hand, rather than list it again after "deleted 0" as if it were not old
    enough."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    untagged = data / "forecast-before-restore-2020-01-02T030405Z.dump"
    untagged.write_bytes(b"PGDMP cut short")
    kept_by_hand = (
        "copies named forecast-before-restore-*.dump (an earlier release's, of any database) "
        "are never deleted by --delete-older-than: check the database noted beside each and "
        "delete them by hand"
    )

    restored = runner.invoke(
        app, ["store", "restore", str(backed_up.backup), "--db", backed_up.url]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert f"{untagged} (database unknown)" in said and kept_by_hand in said, said
    assert "deletes the other copies made more than DAYS days ago" in said

    deleted = runner.invoke(
        app, ["store", "safety-copies", "--delete-older-than", "1", "--db", backed_up.url]
    )

    said = " ".join(deleted.output.split())
    assert deleted.exit_code == 0, said
    assert said.startswith("deleted 0 safety copies made more than 1 day(s) ago"), said
    assert f"{untagged} (database unknown)" in said and kept_by_hand in said, said
    assert untagged.exists()


def test_a_backup_whose_name_begins_with_a_dash_is_restored_as_the_file_it_names(
    backed_up, tmp_path, monkeypatch
):
    """`forecast store restore -- -fplans.dump`, a relative name beginning with a dash: the
    restore reads that file, rather than give pg_restore the name as its options (``-f``, its
    output file, then reading an archive from the standard input)."""
    database, store, plan_id, backup = backed_up
    monkeypatch.chdir(tmp_path)
    dashed = Path("-fplans.dump")
    shutil.copyfile(backup, dashed)

    restored = runner.invoke(app, ["store", "restore", "--db", database, "--", str(dashed)])

    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("schema", ["plan store", "demand plans"])
def test_a_store_in_a_schema_whose_name_has_a_space_is_restored(
    postgres_url, tmp_path, monkeypatch, schema
):
    """pg_restore --list prints names unquoted (``TABLE plan store plans owner``): the archive
    of a store in the schema "plan store" was refused as no plan store's (its tables read as
    "store plans", ...). It is restored, the plan as the backup had it; so is a store in a
    schema whose last word is a store table's name ("demand plans": ``TABLE demand plans
    users owner`` is not the table plans of a schema "demand", owned by "users owner")."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "data"))
    _needs_the_client_tools()
    with _new_database(postgres_url) as url:
        theirs = _suite_role(postgres_url, url)
        engine = sa.create_engine(theirs)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            name = make_url(theirs).database
            conn.execute(sa.text(f'ALTER DATABASE "{name}" SET search_path TO "{schema}"'))
        engine.dispose()
        store = open_store(db_url=theirs)
        try:
            plan_id = new_plan(store).plan_id
            archive = tmp_path / "plans.dump"
            _pg_dump(theirs, archive)
            add_event(store, plan_id, value=50.0)
            assert plans.get_plan(store, plan_id).version == 2

            restored, said = _restore(archive, theirs)
            assert restored.exit_code == 0, said
            assert "1 plan(s)" in said
            assert plans.get_plan(store, plan_id).version == 1
            with store.engine.connect() as conn:
                where = (
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'plans'"
                )
                assert conn.execute(sa.text(where)).scalars().all() == [schema]
        finally:
            store.close()


def test_a_restore_has_pg_restore_write_each_archives_roles_once(
    postgres_url, backed_up, tmp_path, monkeypatch
):
    """The grants and the owners an archive names were each read by a pg_restore run of their
    own, on the backup and again on the safety copy: one run per archive reads both (a large
    archive is read from its start for each run)."""
    real = shutil.which("pg_restore")
    logged = tmp_path / "counting-pg-restore"
    logged.mkdir()
    calls = tmp_path / "calls.txt"
    script = logged / "pg_restore"
    script.write_text(f'#!/bin/bash\necho "$*" >> {calls}\nexec {real} "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{logged}{os.pathsep}{os.environ['PATH']}")
    database, store, _, archive = backed_up
    suite = make_url(normalise_url(postgres_url)).username
    with store.engine.begin() as conn:  # a reporting role's grant: both archives hold one
        conn.execute(sa.text(f"GRANT SELECT ON plans TO {suite}"))
    _pg_dump(database, archive)

    restored, said = _restore(archive, database)
    assert restored.exit_code == 0, said

    runs = calls.read_text().splitlines()
    checks = [run for run in runs if run.startswith("--use-list=") and "--file=-" in run]
    (copy,) = Path(os.environ["FORECAST_DATA_DIR"]).glob("*.dump")
    assert [run.endswith(str(archive)) for run in checks].count(True) == 1, runs
    assert [run.endswith(str(copy)) for run in checks].count(True) == 1, runs
    assert sum("--clean" in run for run in runs) == 1  # the restore itself


@contextlib.contextmanager
def _given_to_the_tables_role(postgres_url: str, schema: str) -> Iterator[tuple[str, SqlStore]]:
    """A store made by the suite's role in `schema` of a new database (its search path), its
    tables given to `TABLES_ROLE`, which may create there; the suite's role's URL and the store."""
    with _new_database(postgres_url) as url:
        theirs = _suite_role(postgres_url, url)
        engine = sa.create_engine(theirs)
        with engine.begin() as conn:
            member = conn.execute(
                sa.text(
                    "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :role"
                ),
                {"role": TABLES_ROLE},
            ).scalar()
            if not member:
                pytest.skip(f"the suite's role is no member of {TABLES_ROLE} (scripts/postgres.sh)")
            if schema != "public":
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
                name = make_url(theirs).database
                conn.execute(sa.text(f'ALTER DATABASE "{name}" SET search_path TO "{schema}"'))
        engine.dispose()
        store = open_store(db_url=theirs)
        try:
            with store.engine.begin() as conn:
                conn.execute(sa.text(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO {TABLES_ROLE}'))
                for table in conn.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"),
                    {"schema": schema},
                ).scalars():
                    conn.execute(
                        sa.text(f'ALTER TABLE "{schema}"."{table}" OWNER TO {TABLES_ROLE}')
                    )
            yield theirs, store
        finally:
            store.close()


def test_the_grant_an_owner_needs_names_a_schema_with_a_space_as_sql_takes_it(
    postgres_url, tmp_path, monkeypatch
):
    """The fix of an owner that may not create in the store's schema is a statement to copy: a
    schema named "plan store" is quoted in it (GRANT CREATE ON SCHEMA plan store ... fails)."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "data"))
    _needs_the_client_tools()
    with _given_to_the_tables_role(postgres_url, "plan store") as (theirs, store):
        new_plan(store)
        archive = tmp_path / "plans.dump"
        _pg_dump(theirs, archive)
        with store.engine.begin() as conn:
            conn.execute(sa.text(f'REVOKE CREATE ON SCHEMA "plan store" FROM {TABLES_ROLE}'))

        refused = runner.invoke(app, ["store", "restore", str(archive), "--db", theirs])

    said = " ".join(refused.output.split())
    assert refused.exit_code == 2, said
    assert 'which may not create in the schema "plan store"' in said, said
    assert f'GRANT CREATE ON SCHEMA "plan store" TO {TABLES_ROLE} (as the schema' in said, said


def test_a_live_store_whose_copy_could_not_be_restored_says_whose_tables_and_the_fix(
    postgres_url, tmp_path, monkeypatch
):
    """The backup is the restoring role's own, but the live store's tables are owned by a role
    that may no longer create in their schema: the copy a restore keeps as its undo could not
    be restored, so the restore is refused, saying so plainly (not that the live store "gives
    the store's tables to" that role, an archive's words) and the grant to give."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "data"))
    _needs_the_client_tools()
    with _new_database(postgres_url) as url:
        own = _suite_role(postgres_url, url)
        open_store(db_url=own).close()
        archive = tmp_path / "own.dump"
        _pg_dump(own, archive)
    with _given_to_the_tables_role(postgres_url, "public") as (theirs, store):
        plan_id = new_plan(store).plan_id
        with store.engine.begin() as conn:
            conn.execute(sa.text(f"REVOKE CREATE ON SCHEMA public FROM {TABLES_ROLE}"))

        refused, said = _restore(archive, theirs)

        assert refused.exit_code == 2, said
        assert (
            f"has its tables owned by {TABLES_ROLE}, which may not create in the schema public"
            in said
        ), said
        assert "gives the store's tables" not in said
        assert "the copy of it a restore keeps first, as its undo, could not be restored" in said
        assert "so nothing was changed" in said
        assert f"GRANT CREATE ON SCHEMA public TO {TABLES_ROLE} (as the schema's owner)" in said
        assert plans.get_plan(store, plan_id).version == 1
        assert not list((tmp_path / "data").glob("*.dump"))


def _argv_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pg_dump, pg_restore and psql first on the PATH, each writing its command line (one
    argument a line, a blank line after) to the file returned, and the connection service file
    it is given with its mode to service-files.txt beside it, then running the real tool."""
    wrappers = tmp_path / "recording-tools"
    wrappers.mkdir()
    calls = tmp_path / "argv.txt"
    for tool in ("pg_dump", "pg_restore", "psql"):
        real = shutil.which(tool)
        assert real is not None
        script = wrappers / tool
        script.write_text(
            f'#!/bin/bash\nprintf "%s\\n" "$0" "$@" "" >> {shlex.quote(str(calls))}\n'
            f'[ -n "$PGSERVICEFILE" ] && echo "$PGSERVICEFILE $(stat -c %a "$PGSERVICEFILE")" '
            f">> {shlex.quote(str(tmp_path / 'service-files.txt'))}\n"
            f'exec {shlex.quote(real)} "$@"\n'
        )
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrappers}{os.pathsep}{os.environ['PATH']}")
    return calls


@pytest.mark.parametrize("where", ["after the user", "in the query"])
def test_no_secret_of_the_url_is_on_a_command_line_the_restore_runs(
    backed_up, tmp_path, monkeypatch, where
):
    """`ps` shows every local user the command lines of running processes: the password and
    the client key's passphrase (sslpassword=) of the URL reach pg_dump, pg_restore and psql
    another way, and the restore still works."""
    database, store, plan_id, backup = backed_up
    calls = _argv_recorded(tmp_path, monkeypatch)
    passphrase = "k3y-passphrase-" + uuid.uuid4().hex[:8]
    given = make_url(database)
    url = given.update_query_dict({"sslpassword": passphrase})
    if where == "in the query":
        url = url.set(password=None).update_query_dict({"password": given.password})
    folder = Path(os.environ["FORECAST_DATA_DIR"])
    (tmp_path / "service-files.txt").touch()

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", url.render_as_string(hide_password=False)]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    argv = calls.read_text()
    assert "/pg_dump\n" in argv and "/psql\n" in argv  # the copy of the store, the restore
    assert passphrase not in argv
    assert str(given.password) not in argv
    assert passphrase not in said
    # the undo printed, pasted after the service file is gone, says what to add back
    assert "`forecast store restore" in said and "the URL's sslpassword= left out of it" in said
    for line in (tmp_path / "service-files.txt").read_text().splitlines():
        path, mode = line.rsplit(" ", 1)
        assert mode == "600", line  # for the user's eyes only while the tool runs
        assert not Path(path).exists()  # and gone after
    assert list(folder.glob("*.dump"))  # the copy of the store as it was, made by pg_dump


def test_a_url_naming_a_service_of_its_own_keeps_its_settings_with_the_passphrase_hidden(
    backed_up, tmp_path, monkeypatch
):
    """A URL may name the server through a connection service of the user's (service=, in
    ~/.pg_service.conf or PGSERVICEFILE): with a passphrase beside it, the tools still reach
    the database that service names, and the passphrase is on no command line."""
    database, store, plan_id, backup = backed_up
    given = make_url(database)
    services = tmp_path / "services.conf"
    services.write_text(f"[plans]\nhost={given.host}\nport={given.port}\ndbname={given.database}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    calls = _argv_recorded(tmp_path, monkeypatch)
    passphrase = "k3y-passphrase-" + uuid.uuid4().hex[:8]
    url = sa.URL.create(
        given.drivername,
        username=given.username,
        password=given.password,
        query={"service": "plans", "sslpassword": passphrase},
    )
    (tmp_path / "service-files.txt").touch()

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", url.render_as_string(hide_password=False)]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    argv = calls.read_text()
    assert "/pg_dump\n" in argv and "/psql\n" in argv
    assert passphrase not in argv and passphrase not in said
    assert services.exists()  # the user's own file is left as it was


def test_a_passphrase_no_service_file_can_hold_is_refused_before_anything_changes(backed_up):
    """A service file keeps a value on one line and drops the spaces at its end: a passphrase
    with a line break or a trailing space cannot reach the tools but by their command line,
    so the restore is refused, saying why, and the store stays as it is."""
    database, store, plan_id, backup = backed_up
    url = make_url(database).update_query_dict({"sslpassword": "ends with a space "})

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", url.render_as_string(hide_password=False)]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code != 0
    assert "'sslpassword'" in said and "nothing was changed" in said
    assert "ends with a space" not in said
    assert plans.get_plan(store, plan_id).version == 2
    assert not list(Path(os.environ["FORECAST_DATA_DIR"]).glob("*.dump"))


def test_a_service_named_by_pgservice_keeps_its_settings_with_the_passphrase_hidden(
    backed_up, tmp_path, monkeypatch
):
    """A user may name the server by the environment's PGSERVICE rather than the URL's
    service=: with a passphrase in the URL, the tools still reach the database that service
    names (not the local default server and database)."""
    database, store, plan_id, backup = backed_up
    given = make_url(database)
    services = tmp_path / "services.conf"
    services.write_text(f"[plans]\nhost={given.host}\nport={given.port}\ndbname={given.database}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("PGSERVICE", "plans")
    calls = _argv_recorded(tmp_path, monkeypatch)
    passphrase = "k3y-passphrase-" + uuid.uuid4().hex[:8]
    url = sa.URL.create(
        given.drivername,
        username=given.username,
        password=given.password,
        query={"sslpassword": passphrase},
    )

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", url.render_as_string(hide_password=False)]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1
    argv = calls.read_text()
    assert "/pg_dump\n" in argv and "/psql\n" in argv
    assert passphrase not in argv and passphrase not in said


def test_a_service_whose_section_name_has_a_comment_after_it_keeps_its_settings(
    backed_up, tmp_path, monkeypatch
):
    """The tools are given a service file of their own for a URL's secrets: the URL's service=
    is copied into it as libpq reads the user's file (what follows ``[plans]`` on its line
    not read), else the tools would miss its server."""
    database, store, plan_id, backup = backed_up
    given = make_url(database)
    services = tmp_path / "services.conf"
    services.write_text(
        f"[plans]  # the planning database\nhost={given.host}\nport={given.port}\n"
        f"dbname={given.database}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    url = sa.URL.create(
        given.drivername,
        username=given.username,
        password=given.password,
        query={"service": "plans", "sslpassword": "k3y-passphrase"},
    )

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", url.render_as_string(hide_password=False)]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code == 0, said
    assert plans.get_plan(store, plan_id).version == 1


def test_a_setting_the_tools_do_not_know_is_named_not_their_service_file(backed_up):
    """The store's driver may know a setting of the URL's (sslnegotiation=, PostgreSQL 17's)
    that an older pg_dump does not: it read it in a service file of the restore's, gone by
    the time the user reads the error, so the error names the setting, not that file."""
    tools = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout
    if int(re.search(r"(\d+)\.", tools).group(1)) >= 17:
        pytest.skip(f"this pg_dump knows sslnegotiation= ({tools.strip()})")
    database, store, plan_id, backup = backed_up
    url = make_url(database).update_query_dict({"sslnegotiation": "postgres"})

    restored = runner.invoke(
        app, ["store", "restore", str(backup), "--db", url.render_as_string(hide_password=False)]
    )

    said = " ".join(restored.output.split())
    assert restored.exit_code != 0
    assert "the URL's setting sslnegotiation= is not one" in said
    assert "service file" not in said and "nothing was changed" in said
    assert plans.get_plan(store, plan_id).version == 2


def test_the_restores_checks_connect_within_the_urls_connect_timeout(database):
    """The reads a restore makes before it changes anything connect as the store does: a
    ``connect_timeout`` the URL gives (for a slow server) is kept, not replaced by the store's
    default."""
    url = make_url(database).update_query_dict({"connect_timeout": "37"})

    with read_once(url.render_as_string(hide_password=False)) as conn:
        info = conn.connection.dbapi_connection.info  # type: ignore[union-attr]
        parameters = info.get_parameters()

    assert parameters["connect_timeout"] == "37"
