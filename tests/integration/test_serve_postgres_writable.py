"""`forecast serve` on a PostgreSQL store its role may only read is refused at start, naming the
store's URL (without its password) and the fix, instead of a server that answers its health
check and fails every sign-in; the owner's role starts. Against the suite's real PostgreSQL:
each test's store lives in a schema of its own, which the URLs reach through their search path
(libpq's `options`), as `forecast serve --db URL` would use it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dashboard.app import check_writable
from forecast.services import accounts
from forecast.services.errors import Unavailable
from forecast.services.store_factory import open_store
from forecast.store import SqlStore, normalise_url

pytestmark = pytest.mark.postgres

READER_PASSWORD = "r3ader-s3cret"


def _in_schema(url: str, schema: str, *settings: str) -> str:
    """`url` with its session's search path set to `schema` (and `settings`, name=value)."""
    options = " ".join(f"-c{setting}" for setting in (f"search_path={schema}", *settings))
    parsed = make_url(normalise_url(url)).update_query_dict({"options": options})
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def owned(postgres_url) -> Iterator[tuple[SqlStore, str]]:
    """A store made by the suite's role (its owner) in a schema of its own, with an account."""
    schema = f"test_{uuid.uuid4().hex[:10]}"
    store = SqlStore(postgres_url, schema=schema)
    accounts.add_user(store, "olga", "olga's own pass phrase")
    try:
        yield store, schema
    finally:
        with store.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        store.close()


@pytest.fixture
def reader(owned, postgres_url) -> Iterator[str]:
    """The URL of a role that may read the store's tables (SELECT) and nothing else."""
    store, schema = owned
    with store.engine.connect() as conn:
        may_make_roles = conn.execute(
            sa.text("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    if not may_make_roles:
        pytest.skip(
            "the suite's PostgreSQL role may not create roles (CREATEROLE): scripts/postgres.sh "
            "gives it that right"
        )
    role = f"reader_{uuid.uuid4().hex[:10]}"
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{READER_PASSWORD}'"))
        conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
        conn.execute(sa.text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}'))
    url = make_url(normalise_url(postgres_url)).set(username=role, password=READER_PASSWORD)
    try:
        yield _in_schema(url.render_as_string(hide_password=False), schema)
    finally:
        with store.engine.begin() as conn:
            conn.execute(sa.text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}'))
            conn.execute(sa.text(f'REVOKE ALL ON SCHEMA "{schema}" FROM {role}'))
            conn.execute(sa.text(f"DROP ROLE {role}"))


def test_serve_refuses_a_role_that_may_only_read_the_store_naming_the_url_and_the_grant(reader):
    with pytest.raises(Unavailable) as refused:
        check_writable(reader, None)
    message = str(refused.value)
    role = make_url(reader).username
    assert READER_PASSWORD not in message
    assert quote(READER_PASSWORD) not in message
    assert f"{role}:***@" in message  # the URL, without its password
    assert "permission denied" in message  # the database's own words
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA" in message
    assert f"TO {role}" in message


def test_serve_refuses_a_store_whose_sessions_are_read_only(owned, postgres_url):
    """default_transaction_read_only on (for the role, the database or, here, the URL): every
    write is refused, whatever the role's rights."""
    _store, schema = owned
    url = _in_schema(postgres_url, schema, "default_transaction_read_only=on")
    with pytest.raises(Unavailable) as refused:
        check_writable(url, None)
    message = str(refused.value)
    owner = make_url(normalise_url(postgres_url))
    assert f"{owner.username}:{owner.password}@" not in message
    assert f"{owner.username}:***@" in message
    assert "read-only transaction" in message
    assert "default_transaction_read_only" in message


def test_serve_starts_on_a_store_its_owner_role_writes(owned, postgres_url):
    store, schema = owned
    check_writable(_in_schema(postgres_url, schema), None)
    # the check wrote nothing: the store holds what it held
    assert [user.name for user in accounts.list_users(store)] == ["olga"]


def test_serve_refuses_a_role_that_may_write_the_tables_but_not_number_their_rows(reader, owned):
    """INSERT, UPDATE and DELETE granted, but not the sequences of the ids: the first audit row
    or sign-in log would fail."""
    store, schema = owned
    role = make_url(reader).username
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(f'GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        )
    with pytest.raises(Unavailable) as refused:
        check_writable(reader, None)
    assert "permission denied for sequence" in str(refused.value)
    assert "GRANT USAGE ON ALL SEQUENCES IN SCHEMA" in str(refused.value)


def test_a_write_to_a_store_that_became_read_only_after_start_is_refused_as_such(
    owned, postgres_url
):
    """A server that passed the check, whose database then went read-only (a failover to a
    standby, the setting turned on): a sign-in is refused saying so, not an internal error."""
    _store, schema = owned
    store = open_store(_in_schema(postgres_url, schema, "default_transaction_read_only=on"))
    try:
        with pytest.raises(Unavailable) as refused:
            accounts.start_session(store, "olga")
    finally:
        store.close()
    assert "read-only transaction" in str(refused.value)
    assert "Nothing was saved" in str(refused.value)
