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

from dashboard.app import CTX_KEY, check_writable, create_app
from forecast.services import accounts
from forecast.services.errors import Unavailable
from forecast.services.store_factory import open_store
from forecast.store import SqlStore, normalise_url
from tests.integration.test_store import new_plan

pytestmark = pytest.mark.postgres

READER = "forecast_reader"
"""The login role scripts/postgres.sh makes for these tests, without rights: each test's owner
grants it rights on the test's own schema (an owner may grant on its objects), so that the
suite's role needs no right to create roles."""
READER_PASSWORD = "r3ader-s3cret"  # not its name: the tests check that a message hides it


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
    """The URL of the reader role, which may read the store's tables (SELECT) and nothing else
    (its rights go with the schema)."""
    store, schema = owned
    with store.engine.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": READER}
        ).scalar()
    if not exists:
        pytest.skip(f"the PostgreSQL role {READER} is missing: scripts/postgres.sh makes it")
    with store.engine.begin() as conn:
        conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO {READER}'))
        conn.execute(sa.text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {READER}'))
    url = make_url(normalise_url(postgres_url)).set(username=READER, password=READER_PASSWORD)
    yield _in_schema(url.render_as_string(hide_password=False), schema)


def _grant(store: SqlStore, schema: str, *grants: str) -> None:
    """Each of `grants` ("INSERT ON ALL TABLES IN SCHEMA", "UPDATE ON actuals", ...) given to the
    reader role by the store's owner, in the test's schema."""
    with store.engine.begin() as conn:
        for grant in grants:
            rights, _, objects = grant.partition(" ON ")
            if " IN SCHEMA" in objects:
                objects = f'{objects} "{schema}"'
            else:
                objects = ", ".join(f'"{schema}".{name.strip()}' for name in objects.split(","))
            conn.execute(sa.text(f"GRANT {rights} ON {objects} TO {READER}"))


def _writes_as_the_role(url: str) -> None:
    """What a server's first users do: an account made, a sign-in, a plan saved."""
    store = open_store(url)
    try:
        accounts.add_user(store, "piet", "piet's own pass phrase")
        accounts.start_session(store, "piet")
        new_plan(store)
        assert [user.name for user in accounts.list_users(store)] == ["olga", "piet"]
    finally:
        store.close()


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
    _grant(store, schema, "INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA")
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


def test_serve_starts_for_a_role_that_numbers_rows_with_update_on_the_sequences(reader, owned):
    """nextval() takes USAGE or UPDATE on the sequence: either is enough."""
    store, schema = owned
    _grant(
        store,
        schema,
        "INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA",
        "SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA",
    )
    check_writable(reader, None)
    _writes_as_the_role(reader)


def test_serve_starts_for_a_role_that_may_only_append_to_the_logs(reader, owned):
    """An audit setup: the logs, the audit trail and the actuals are never changed nor deleted
    by the store, so a role without those rights on them writes everything the store writes."""
    store, schema = owned
    _grant(
        store,
        schema,
        "INSERT ON ALL TABLES IN SCHEMA",
        "USAGE ON ALL SEQUENCES IN SCHEMA",
        "UPDATE ON plans, installation, users, sign_in_sessions, sign_in_failures",
        "DELETE ON plan_blobs, sign_in_sessions, sign_in_failures",
    )
    check_writable(reader, None)
    _writes_as_the_role(reader)


def test_serve_refuses_a_role_that_may_not_change_the_plans(reader, owned):
    """Every right the store uses is asked: a plan saved is an UPDATE of its row."""
    store, schema = owned
    _grant(
        store,
        schema,
        "INSERT ON ALL TABLES IN SCHEMA",
        "USAGE ON ALL SEQUENCES IN SCHEMA",
        "UPDATE ON installation, users, sign_in_sessions, sign_in_failures",
        "DELETE ON plan_blobs, sign_in_sessions, sign_in_failures",
    )
    with pytest.raises(Unavailable) as refused:
        check_writable(reader, None)
    assert "refused to UPDATE the table plans" in str(refused.value)


def _connections_made(start) -> int:
    """How many connections to the database `start()` opens (every engine's, pooled or not)."""
    made = []

    def count(*_args) -> None:
        made.append(1)

    sa.event.listen(sa.engine.Engine, "connect", count)
    try:
        app = start()
    finally:
        sa.event.remove(sa.engine.Engine, "connect", count)
    app.server.config[CTX_KEY].store.close()
    return len(made)


def test_serve_checks_the_writes_on_the_store_it_serves_not_on_a_second_one(
    owned, postgres_url, tmp_path
):
    """Starting a server on PostgreSQL opened the store twice (the write check's, then the
    app's: its tables completed and its installation key read twice, two connection pools)."""
    _, schema = owned
    url = _in_schema(postgres_url, schema)
    plain = _connections_made(lambda: create_app(db_url=url, data_dir=str(tmp_path)))
    checked = _connections_made(
        lambda: create_app(db_url=url, data_dir=str(tmp_path), check_writes=True)
    )
    assert checked == plain
