"""The restore of a PostgreSQL store (``restore_store`` of a PostgreSQL URL; its backup is
PostgreSQL's own pg_dump, as ``pg_dump_command`` says). It puts back only the store's own entries
of the archive (an archive with a function, a trigger, a view or another schema or table is
refused), after a pg_dump of the store's tables as they are into the data directory
(``forecast-<db>-<hash>-before-restore-<time>.dump``), by pg_restore (in one transaction, its SQL
fenced off from psql's own commands: `_refuse_unfenced_tools`), and then does in the restored
database what the SQLite restore does in its copy (``_after_restore``: the store's installation
keys, a new store generation, its sign-ins ended, the store log's row).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

from forecast.services.errors import (
    Invalid,
    NotFound,
    ServiceError,
    Unavailable,
    reason_of,
)
from forecast.services.pg_archive import (
    PG_ARCHIVE_MAGIC,
    _archive_contents,
    _archive_plans_columns,
    _first_five,
    _foreign_entries,
    _not_an_archive,
)
from forecast.services.pg_archive_roles import (
    _archive_roles,
    _GrantsToPublic,
    _refuse_roles_the_restore_cannot_use,
    _roles_the_restore_cannot_use,
)
from forecast.services.pg_commands import (
    by_hand_supply,
    pg_dump_command,
    pg_restore_command,
    url_without_password,
)
from forecast.services.pg_tools import (
    PG_CLIENT_PACKAGE,
    PG_RESTORE_SECONDS,
    _pg_said,
    _pg_tools,
    _refuse_unfenced_tools,
    _run_pg_restore,
)
from forecast.services.restore_record import (
    Restore,
    _after_restore,
    _postgres_installation_keys,
    _Record,
    _sqlalchemy_sql,
)
from forecast.services.safety_copies import _pg_copies_folder, _safety_copy_path, pg_copy_name
from forecast.services.store_factory import (
    open_store,
    read_once,
    without_password,
)
from forecast.store import (
    SqlStore,
    holds_plans,
    shown_tables,
)


def _restore_postgres(
    source: Path, url: str, actor: str, data_dir: str | Path | None = None
) -> Restore:
    """`restore_store` into the PostgreSQL database of `url`: the pg_dump archive `source`
    checked (refused, with nothing touched, when it is not one, not of a plan store, or holds
    anything but the store's tables and what pg_dump writes with them: `_archive_contents`),
    the store's tables as they are dumped into the data directory (`data_dir`: no restore when
    that fails; none kept where the database holds no store yet), the archive's store entries
    put back by pg_restore (only those: --use-list; in one transaction: nothing changes when it
    fails, and the copy just made is removed; the URL's password through PGPASSWORD, never on
    its command line), then the restore's aftercare (`_after_restore`, as the SQLite restore
    does it) in the restored database, whose tables are first brought up to this version's.
    That aftercare is a transaction of its own, right after pg_restore's: a server that reads
    the store in between sees the backup's sign-ins and generation for that moment."""
    source = source.absolute()  # a relative name beginning with "-" is no tool's option
    shown_url = without_password(url)
    manual = pg_restore_command(url, source)
    if source.is_dir():
        raise Invalid(
            f"{source} is a folder; nothing was changed: give the pg_dump archive file (a "
            f"PostgreSQL store is backed up with {pg_dump_command(url, 'FILE')})"
        )
    if not source.is_file():
        raise NotFound(f"there is no backup {source}; nothing was changed")
    with open(source, "rb") as archive:
        begins = archive.read(len(PG_ARCHIVE_MAGIC))
    if begins != PG_ARCHIVE_MAGIC:
        raise _not_an_archive(source, url, "")
    program = shutil.which("pg_restore")
    if program is None:
        raise Unavailable(
            f"pg_restore is not installed here; nothing was changed: install Debian's package "
            f"{PG_CLIENT_PACKAGE} (PostgreSQL's client tools) and restore again. Restoring by "
            f"hand (`{manual}`, {by_hand_supply(url)}) leaves out what this "
            "command does before it (it refuses an archive holding anything but the store's "
            "tables, and keeps a copy of the store as it was) and after it: the sign-ins saved "
            "in the backup would be open again, the store log would not record the restore, and "
            "servers could keep what they read before it"
        )
    psql = shutil.which("psql")
    if psql is None:
        raise Unavailable(
            f"psql is not installed here; nothing was changed: install Debian's package "
            f"{PG_CLIENT_PACKAGE} (PostgreSQL's client tools) and restore again"
        )
    _refuse_unfenced_tools(program, psql, manual)
    contents = _archive_contents(program, source, url)
    tables = contents.tables
    if "plans" not in tables or not holds_plans({"plans": _archive_plans_columns(program, source)}):
        raise _not_an_archive(source, url, f" of a plan store (its tables: {shown_tables(tables)})")
    if contents.foreign:
        raise _foreign_entries(source, contents.foreign)
    grants, owners = _archive_roles(program, source, contents.restored)
    _refuse_roles_the_restore_cannot_use(source, grants, owners, contents.schema, url)
    keys = _postgres_installation_keys(url)
    kept: list[Path] = []

    def keep_the_store_as_it_is() -> None:  # while the restore's session locks its tables
        if keys is not None:
            kept.append(_keep_the_database_as_it_is(url, data_dir))
            _refuse_a_copy_that_could_not_undo(program, kept[0], url, manual)

    try:
        _run_pg_restore(
            program, psql, source, url, contents.restored, while_locked=keep_the_store_as_it_is
        )
    except BaseException:
        for path in kept:
            path.unlink(missing_ok=True)  # nothing was changed (one transaction)
        raise
    safety_path = kept[0] if kept else None
    record = _Record(actor, safety_path)
    try:
        store = open_store(db_url=url)  # brings its tables up to this version's
    except ServiceError as exc:
        raise _aftercare_failed(source, url, exc, safety_path) from exc
    try:
        if not isinstance(store, SqlStore):  # not reached: a URL opens a SqlStore
            raise TypeError(type(store).__name__)
        with store.engine.begin() as conn:
            prepared = _after_restore(_sqlalchemy_sql(conn), source, keys, record)
    except Exception as exc:
        raise _aftercare_failed(source, url, exc, safety_path) from exc
    finally:
        store.close()
    return Restore(
        path=None,
        source=source.absolute(),
        plans=prepared.plans,
        accounts=prepared.accounts,
        safety_copy=safety_path,
        store=shown_url,
    )


def _keep_the_database_as_it_is(url: str, data_dir: str | Path | None) -> Path:
    """A pg_dump of the store as it is, before the restore replaces it (`pg_dump_command`, the
    URL's secrets as `_pg_tools` passes them, never on its command line): its tables (what the
    restore replaces; what else the database holds stays as it is, and a copy holding it would
    be refused as a backup), in the data directory (`data_dir`, else the default), named as
    the SQLite restore names its copies; if none can be made, nothing is restored."""
    folder = _pg_copies_folder(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Invalid(
            f"cannot make the folder {folder} for the copy of the store as it is ({exc.strerror}); "
            "nothing was changed: give a --data-dir you may write in"
        ) from exc
    schema = _postgres_schema(url)
    path = _safety_copy_path(folder / pg_copy_name(url))
    try:
        program = shutil.which("pg_dump")
        if program is None:
            raise Unavailable(
                "pg_dump is not installed here, so no copy of the store as it is can be kept "
                f"before the restore replaces it; nothing was changed: install Debian's package "
                f"{PG_CLIENT_PACKAGE} (PostgreSQL's client tools) and restore again"
            )
        try:
            with _pg_tools(url) as (service, env):
                dumped_by = pg_dump_command(url, path, schema=schema, service=service)
                dumped = subprocess.run(
                    [program, *shlex.split(dumped_by)[1:]],
                    capture_output=True,
                    text=True,
                    timeout=PG_RESTORE_SECONDS,
                    env=env,
                )
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(
                f"pg_dump did not finish the copy of the store as it is within "
                f"{PG_RESTORE_SECONDS / 60:g} minutes; nothing was changed"
            ) from exc
        if dumped.returncode != 0:
            raise Unavailable(
                "no copy of the store as it is could be kept before the restore replaces it "
                f"(pg_dump says: {_pg_said(dumped.stderr, url)}); nothing was changed"
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _refuse_a_copy_that_could_not_undo(program: str, copy: Path, url: str, manual: str) -> None:
    """The copy just made of the store as it is, checked as a restore checks a backup: where
    the live store holds what a plan store does not define (an operator's index, trigger or
    policy on a store table), or what the restoring role could not put back (a grant given by a
    role other than the tables' owner and the restoring one: `_roles_the_restore_cannot_use`),
    restoring the copy (the undo the restore prints) would be refused, so the restore is
    refused now, the copy deleted, before anything changes."""
    problems: list[str] = []
    fixes: list[str] = []
    try:
        contents = _archive_contents(program, copy, url)
        foreign = contents.foreign
        if not foreign:
            try:
                grants, owners = _archive_roles(program, copy, contents.restored)
            except _GrantsToPublic:
                foreign = ["a grant to PUBLIC on a store table"]
            else:
                problems, fixes = _roles_the_restore_cannot_use(
                    grants, owners, contents.schema, url, of_the_live_store=True
                )
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    if problems:
        copy.unlink(missing_ok=True)
        raise Invalid(
            f"the store in {without_password(url)} {'; it '.join(problems)}; the copy of it "
            "a restore keeps first, as its undo, could not be restored, so nothing was changed: "
            f"{'; and '.join(fixes)}"
        )
    if not foreign:
        return
    copy.unlink(missing_ok=True)
    shown = _first_five(foreign)
    raise Invalid(
        f"the store in {without_password(url)} holds what a plan store does not define "
        f"({shown}): the copy of it the restore keeps, to put it back, could not be restored, "
        "so nothing was changed: drop it (as its owner) and restore again, or restore by hand "
        f"(`{manual}`, {by_hand_supply(url)}), which keeps no copy"
    )


def _postgres_schema(url: str) -> str:
    """The schema the store's tables are in: the plans table's, as the search path finds it
    (not current_schema(), the first usable one, which a schema named as the role takes)."""
    with read_once(url) as conn:
        found = conn.execute(
            sa.text(
                "SELECT nspname FROM pg_class JOIN pg_namespace n "
                "ON n.oid = relnamespace WHERE pg_class.oid = to_regclass('plans')"
            )
        ).scalar_one_or_none()
        if found is None:  # not reached: the restore keeps a copy of a store that is
            return str(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
        return str(found)


def _aftercare_failed(
    source: Path, url: str, exc: BaseException, safety_copy: Path | None
) -> Unavailable:
    shown_url = without_password(url)
    kept = ""
    if safety_copy is not None:
        undo = shlex.join(
            ["forecast", "store", "restore", str(safety_copy), "--db", url_without_password(url)]
        )
        kept = (
            f"; the store as it was is kept in {safety_copy}: `{undo}` puts it back "
            f"({by_hand_supply(url)})"
        )
    return Unavailable(
        f"pg_restore restored {source} into {shown_url}, but what follows a restore failed "
        f"({_aftercare_error(exc)}): the sign-ins saved in "
        "the backup may be open again and the store log does not record the restore; restore "
        f"the same backup again{kept}"
    )


def _aftercare_error(exc: BaseException) -> str:
    """What the aftercare's failure says: the database's own first line, never the statement
    or the values it carried (the store's installation keys among them)."""
    if isinstance(exc, ServiceError):
        return reason_of(exc)
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
