"""A PostgreSQL store made before releases wrote their format number opens in a read-only session
(a standby, default_transaction_read_only) as a read-only SQLite file does: read as it is, the
number left to the first writer, not refused for want of writing it."""

from __future__ import annotations

import sqlalchemy as sa

from forecast.services import accounts
from forecast.store import STORE_FORMAT, STORE_FORMAT_ROW, SqlStore, installation_table
from tests.integration.test_serve_postgres_writable import _in_schema, owned, reader

__all__ = ["owned", "reader"]  # the fixtures: a store in a schema of its own, a reading role


def test_a_store_without_its_format_number_opens_read_only_and_a_writer_notes_it(
    owned, postgres_url
):
    store, schema = owned
    with store.engine.begin() as conn:  # as a release before the number left it
        conn.execute(
            installation_table.delete().where(installation_table.c.name == STORE_FORMAT_ROW)
        )

    reader = SqlStore(_in_schema(postgres_url, schema, "default_transaction_read_only=on"))
    try:
        assert accounts.spelled(reader, "OLGA") == "olga"
    finally:
        reader.close()

    writer = SqlStore(_in_schema(postgres_url, schema))
    writer.close()
    with store.engine.connect() as conn:
        stored = conn.execute(
            sa.select(installation_table.c.value).where(
                installation_table.c.name == STORE_FORMAT_ROW
            )
        ).scalar()
    assert stored == str(STORE_FORMAT)


def test_a_store_without_its_format_number_opens_for_a_role_that_may_only_read_it(owned, reader):
    store, _schema = owned
    with store.engine.begin() as conn:
        conn.execute(
            installation_table.delete().where(installation_table.c.name == STORE_FORMAT_ROW)
        )
    opened = SqlStore(reader)
    try:
        assert accounts.spelled(opened, "OLGA") == "olga"
    finally:
        opened.close()
