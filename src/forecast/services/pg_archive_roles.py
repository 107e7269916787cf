"""The roles an archive names (owners, grants, grants to PUBLIC) and those a restore could not use
on this server.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from forecast.services.errors import (
    Invalid,
    Unavailable,
)
from forecast.services.pg_archive import _PG_ENTRY
from forecast.services.store_factory import read_once
from forecast.store import (
    sql_name,
)

_PG_GRANT_TO_PUBLIC = re.compile(r"^GRANT .+ ON (?:TABLE|SEQUENCE) (\S+) TO PUBLIC;$")


_PG_GRANT_ROLE = re.compile(
    r"^(?:GRANT .+ TO|REVOKE .+ FROM|SET SESSION AUTHORIZATION) (\"(?:[^\"]|\"\")+\"|[^\s\";]+)"
    r"(?: WITH GRANT OPTION)?(?: GRANTED BY .+)?;$"
)
"""A role the grants pg_restore writes name: the grantee (``GRANT ... TO role;``, ``REVOKE ...
FROM role;``) or, where it differs from the owner, the grantor (``SET SESSION AUTHORIZATION
role;``), as pg_dump writes an identifier (in double quotes where it needs them)."""


_PG_OWNED_ENTRY = re.compile(r"^(?:TABLE|SEQUENCE) (?!DATA |SET |OWNED BY )")
"""The archive's entries whose SQL gives the table or sequence to its owner (``ALTER TABLE ...
OWNER TO role;``): a table's and a sequence's, not their data's."""


_PG_OWNER_ROLE = re.compile(
    r"^ALTER (?:TABLE|SEQUENCE) .+ OWNER TO (\"(?:[^\"]|\"\")+\"|[^\s\";]+);$"
)


class _GrantsToPublic(Invalid):
    """The refusal of an archive granting the store's tables to PUBLIC (`_archive_roles`)."""


def _archive_roles(program: str, source: Path, restored: str) -> tuple[str, set[str]]:
    """The SQL of the grants the archive would restore, none of them to PUBLIC, and the roles it
    gives the store's tables and sequences to, from one pg_restore run (without connecting) of
    its grants' and its tables' and sequences' entries: pg_restore, run without --no-owner,
    writes ``ALTER TABLE ... OWNER TO role;`` after each, as the backup had it.

    A grant to PUBLIC is refused (`_GrantsToPublic`), naming the tables: every role that may
    connect would read (or change) the store's tables, its accounts and sign-ins among them.
    Where pg_restore cannot write that SQL, the archive is refused too: its grants or its
    owners would go unchecked. Both before anything changes."""
    grants = any(
        (found := _PG_ENTRY.match(line)) and found.group(1).startswith("ACL ")
        for line in restored.splitlines()
    )
    written = _archive_sql(
        program,
        source,
        restored,
        lambda entry: entry.startswith("ACL ") or _PG_OWNED_ENTRY.match(entry),
    )
    public = sorted(
        {
            found.group(1)
            for line in (written or "").splitlines()
            if (found := _PG_GRANT_TO_PUBLIC.match(line.strip()))
        }
    )
    if (written is None and grants) or public:
        shown = ", ".join(public) if public else "pg_restore cannot tell which"
        raise _GrantsToPublic(
            f"{source} grants the store's tables to PUBLIC ({shown}): restored, every role that "
            "may connect to the database could read them, the accounts and sign-ins among them; "
            "nothing was changed: revoke those grants (REVOKE ... FROM PUBLIC) in the store the "
            "backup is of and back it up again"
        )
    if written is None:
        raise Invalid(
            f"pg_restore cannot write the SQL of {source}'s tables, so the roles it gives them to "
            "cannot be checked; nothing was changed: make the backup again with the pg_dump "
            "command `forecast store backup` prints and restore that"
        )
    owners = {
        _role_name(found.group(1))
        for line in written.splitlines()
        if (found := _PG_OWNER_ROLE.match(line.strip()))
    }
    return written, owners


def _role_name(written: str) -> str:
    """A role's name as pg_dump writes it (in double quotes where it needs them)."""
    return written[1:-1].replace('""', '"') if written.startswith('"') else written


def _archive_sql(
    program: str, source: Path, restored: str, wanted: Callable[[str], object]
) -> str | None:
    """The SQL pg_restore writes (without connecting) of the entries to restore that are
    `wanted` (given pg_restore --list's entry without its numbers): empty where there is none,
    None where pg_restore cannot write it."""
    chosen = "".join(
        line + "\n"
        for line in restored.splitlines()
        if (found := _PG_ENTRY.match(line)) and wanted(found.group(1))
    )
    if not chosen:
        return ""
    with tempfile.NamedTemporaryFile("w", suffix=".list") as use_list:
        use_list.write(chosen)
        use_list.flush()
        try:
            written = subprocess.run(
                [program, f"--use-list={use_list.name}", "--file=-", os.fspath(source)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(
                f"pg_restore did not read {source} within 2 minutes; nothing was changed"
            ) from exc
    return written.stdout if written.returncode == 0 else None


def _refuse_roles_the_restore_cannot_use(
    source: Path, grants: str, owners: set[str], schema: str | None, url: str
) -> None:
    """The roles the archive names, each one the restore can use as pg_restore's SQL does
    (`_roles_the_restore_cannot_use`), or the restore is refused, naming them and the fix,
    before anything changes (pg_restore would stop at the first it cannot, after the restore
    locked the store and copied it)."""
    problems, fixes = _roles_the_restore_cannot_use(grants, owners, schema, url)
    if problems:
        raise Invalid(
            f"{source} {'; it '.join(problems)}: pg_restore would stop there; nothing was "
            f"changed: {'; and '.join(fixes)}"
        )


def _roles_the_restore_cannot_use(
    grants: str,
    owners: set[str],
    schema: str | None,
    url: str,
    *,
    of_the_live_store: bool = False,
) -> tuple[list[str], list[str]]:
    """What keeps the role that restores from running the SQL pg_restore writes of an archive's
    roles, and the fixes (none: it can): the grantees of its grants (`_PG_GRANT_ROLE`: a
    reporting role's, say) and the owners of its tables (`_archive_roles`), each a role this
    server has (a backup of another server's store may name its roles); each owner other than
    the restoring role one it may give tables to (ALTER TABLE ... OWNER TO, for a role that is
    not a superuser: it may become that role, as a member of it, and the owner may create in
    the store's `schema`, which PUBLIC may not in public since PostgreSQL 15); and a grantor
    other than the owner (pg_dump writes its grants as ``SET SESSION AUTHORIZATION grantor;``)
    only where it is the role that signed in (which may become itself) or that role is a
    superuser, who alone may become another. Ownership is kept as the backup has it, not given
    to the restoring role (pg_restore --no-owner): a superuser restoring a store of another
    role's would otherwise take its tables from the role the servers use. `of_the_live_store`:
    the archive is the copy of the store as it is (the fixes are made in that store, not in
    the one a backup is of). On PostgreSQL 16 and later, becoming a role is checked as
    pg_has_role's SET (a member may be denied it), not MEMBER (untested here: PostgreSQL 15)."""
    grantees: set[str] = set()
    grantors: set[str] = set()
    for line in grants.splitlines():
        found = _PG_GRANT_ROLE.match(line.strip())
        if found and found.group(1) != "PUBLIC":
            role = _role_name(found.group(1))
            (grantors if line.strip().startswith("SET ") else grantees).add(role)
    named = grantees | grantors | owners
    if not named:
        return [], []
    with read_once(url) as conn:
        found_roles = {
            str(role): (bool(may), creates is not False)
            for role, may, creates in conn.execute(
                sa.text(
                    "SELECT rolname, pg_has_role(current_user, oid, CASE WHEN "
                    "current_setting('server_version_num')::int >= 160000 THEN 'SET' "
                    "ELSE 'MEMBER' END), has_schema_privilege(oid, (SELECT n.oid FROM "
                    "pg_namespace n WHERE nspname = :schema), 'CREATE') FROM pg_roles "
                    "WHERE rolname = ANY(:names)"
                ),
                {"names": sorted(named), "schema": schema},
            )
        }
        user, signed_in, superuser = conn.execute(
            sa.text(
                "SELECT current_user, session_user, (SELECT rolsuper FROM pg_roles "
                "WHERE rolname = session_user)"
            )
        ).one()
    member = {role: may for role, (may, _) in found_roles.items()}
    in_the_store = "in the store" if of_the_live_store else "in the store the backup is of"
    and_again = "" if of_the_live_store else " and back it up again"
    problems, fixes = [], []
    missing = sorted(named - set(member))
    if missing:
        said = []
        if grantees & set(missing):
            said.append(
                "grants the store's tables to roles this server does not have "
                f"({', '.join(sorted(grantees & set(missing)))})"
            )
        if grantors & set(missing):
            said.append(
                "holds grants given by roles this server does not have "
                f"({', '.join(sorted(grantors & set(missing)))})"
            )
        if owners & set(missing):
            said.append(
                "gives the store's tables to owners this server does not have "
                f"({', '.join(sorted(owners & set(missing)))})"
            )
        problems.append(" and ".join(said))
        owner_missing = bool(owners & set(missing))
        instead = []
        if (grantees | grantors) & set(missing):
            instead.append("revoke those grants")
        if owner_missing:
            instead.append("give its tables to a role this server has (ALTER TABLE ... OWNER TO)")
        fixes.append(
            f"create {'it' if len(missing) == 1 else 'them'} on this server (CREATE ROLE name "
            "NOLOGIN, as a role that may create roles"
            + (
                f"; then, for an owner, GRANT name TO {sql_name(str(user))}"
                if owner_missing and not superuser
                else ""
            )
            + f") and restore again, or {in_the_store} {' and '.join(instead)}{and_again}"
        )
    # the live store's tables are its owners' already; an archive's are given to them
    owned_by = "has its tables owned by" if of_the_live_store else "gives the store's tables to"
    restorer = sql_name(str(user))
    foreign_owners = sorted(role for role in owners if role in member and not member[role])
    if foreign_owners:
        shown = ", ".join(sql_name(role) for role in foreign_owners)
        problems.append(
            f"{owned_by} {shown}, which {user} may not give tables to (it is not a member of "
            f"{'that role' if len(foreign_owners) == 1 else 'those roles'})"
        )
        fixes.append(f"GRANT {shown} TO {restorer} (as a role that may) or restore as a superuser")
    uncreating = sorted(
        role
        for role in owners
        if role in found_roles and member[role] and not found_roles[role][1] and role != user
    )
    if uncreating and not superuser:
        shown = ", ".join(sql_name(role) for role in uncreating)
        in_schema = "its schema" if schema is None else f"the schema {sql_name(schema)}"
        problems.append(
            f"{owned_by} {shown}, which may not create in {in_schema}: {user}, not a "
            "superuser, may give tables only to a role that may"
        )
        fixes.append(
            f"GRANT CREATE ON SCHEMA {sql_name(schema or 'public')} TO {shown} (as the "
            "schema's owner) and restore again, or restore as a superuser"
        )
    others = sorted(grantors - {str(signed_in)})
    if others and not superuser:
        shown = ", ".join(others)
        problems.append(
            f"holds grants on the store's tables given by {shown}, not the tables' owner, which "
            f"pg_restore writes as SET SESSION AUTHORIZATION {sql_name(others[0])}: only a "
            "superuser may "
            f"run that for a role other than the one signed in ({signed_in}), and {signed_in} "
            "is not one"
        )
        fixes.append(
            f"{in_the_store} revoke those grants and give them again as the tables' owner"
            f"{', back it up again and restore that' if and_again else ' and restore again'}, "
            "or restore as a superuser"
        )
    return problems, fixes
