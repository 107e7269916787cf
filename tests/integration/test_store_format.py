"""The store keeps its format number (``installation``: ``store_format``), written when it is
made or upgraded; a release refuses a store of a format newer than it knows, with what to do,
and changes nothing in it, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from forecast.errors import Unavailable
from forecast.services import plans
from forecast.store import (
    STORE_FORMAT,
    STORE_FORMAT_ROW,
    SqlStore,
    installation_table,
    plans_table,
)
from tests.integration.test_plan_lists_of_members import url  # noqa: F401  (the fixture)
from tests.integration.test_store import new_plan

c = installation_table.c


def _format(store: SqlStore) -> str | None:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(c.value).where(c.name == STORE_FORMAT_ROW)).scalar()


def _set_format(store: SqlStore, value: str | None) -> None:
    with store.engine.begin() as conn:
        conn.execute(installation_table.delete().where(c.name == STORE_FORMAT_ROW))
        if value is not None:
            conn.execute(installation_table.insert().values(name=STORE_FORMAT_ROW, value=value))


def test_a_new_store_and_an_upgraded_one_say_their_format(url):  # noqa: F811
    store = SqlStore(url[0], schema=url[1])
    assert _format(store) == str(STORE_FORMAT)
    plan = new_plan(store).plan_id
    _set_format(store, None)  # a store an earlier release made, without the marker
    store.close()

    upgraded = SqlStore(url[0], schema=url[1])
    assert _format(upgraded) == str(STORE_FORMAT)
    assert plans.get_plan(upgraded, plan).plan_id == plan
    upgraded.close()


def test_a_store_of_a_newer_format_is_refused_and_left_as_it_was(url):  # noqa: F811
    store = SqlStore(url[0], schema=url[1])
    plan = new_plan(store).plan_id
    newer = str(STORE_FORMAT + 1)
    _set_format(store, newer)
    store.close()

    with pytest.raises(Unavailable) as refused:
        SqlStore(url[0], schema=url[1])
    assert (
        f"this store was written by a newer release (format {newer}); install that release or newer"
    ) in str(refused.value)

    engine = sa.create_engine(store.engine.url)
    translated = engine.execution_options(schema_translate_map={None: url[1]}) if url[1] else engine
    with translated.connect() as conn:
        kept = conn.execute(sa.select(c.value).where(c.name == STORE_FORMAT_ROW)).scalar()
        ids = conn.execute(sa.select(plans_table.c.id)).scalars().all()
    engine.dispose()
    assert kept == newer
    assert ids == [plan]


def test_a_store_of_the_release_before_opens_read_only_to_be_read(tmp_path):
    """A store the release before made has no format row: opened read-only (a reporting copy,
    a user with read rights only) it is read, not refused for the row it cannot write."""
    file = tmp_path / "forecast.db"
    store = SqlStore(f"sqlite:///{file}")
    plan = new_plan(store).plan_id
    _set_format(store, None)
    store.close()
    reader = SqlStore(f"sqlite:///file:{file}?mode=ro&uri=true")
    try:
        assert [p.plan_id for p in plans.list_plans(reader)] == [plan]
    finally:
        reader.close()
