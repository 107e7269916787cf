"""A store in a PostgreSQL schema whose name holds a double quote (and a space) opens, makes its
tables, keeps plans, adds a column a database made before it lacks and checks that it may write:
every SQL text that names the schema quotes it as PostgreSQL does (``"`` doubled,
`store.quote_ident`), as pg_dump's table patterns of a backup do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from forecast.services import plan_access, plan_members
from forecast.services.pg_commands import store_table_patterns
from forecast.store import SqlStore, normalise_url, quote_ident
from tests.integration.test_store import new_plan

pytestmark = pytest.mark.postgres


@pytest.fixture
def quoted_schema(postgres_url) -> Iterator[str]:
    schema = f'test "{uuid.uuid4().hex[:8]}" plans'
    yield schema
    engine = sa.create_engine(normalise_url(postgres_url))
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE"))
    engine.dispose()


def test_a_schema_named_with_a_double_quote_keeps_plans_and_is_checked_for_writes(
    postgres_url, quoted_schema
):
    store = SqlStore(postgres_url, schema=quoted_schema)
    made = new_plan(store, name="quoted").plan_id
    plan_members.grant(store, made, "ann", "vic", "planner")

    assert [p.plan_id for p in plan_access.plans_visible_to(store, "vic")] == [made]
    assert store.write_refusal() is None
    with store.engine.connect() as conn:
        schemas = conn.execute(sa.text("SELECT nspname FROM pg_namespace")).scalars().all()
    assert quoted_schema in schemas
    store.close()


def test_a_column_is_added_on_open_in_a_schema_named_with_a_double_quote(
    postgres_url, quoted_schema
):
    store = SqlStore(postgres_url, schema=quoted_schema)
    made = new_plan(store, name="before the column").plan_id
    plan_members.grant(store, made, "ann", "vic", "planner")
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {quote_ident(quoted_schema)}.plans DROP COLUMN members"))
    store.close()

    reopened = SqlStore(postgres_url, schema=quoted_schema)

    assert [p.plan_id for p in plan_access.plans_visible_to(reopened, "vic")] == [made]
    reopened.close()


def test_quote_ident_doubles_a_double_quote_as_pg_dumps_table_patterns_have_it():
    assert quote_ident('we "say" so') == '"we ""say"" so"'
    assert quote_ident("plans") == '"plans"'
    assert store_table_patterns('a"b')[0].startswith('"a""b".')
