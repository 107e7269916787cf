"""A plan that an older release edited after today's release wrote it: the older release drops
from the document every key it does not know (``currency``, ``archived_at``, ``archived_by``)
and leaves the row's columns as they were. The store reads a key the document lacks from the
row's column, which that release could not have changed, so that the plan's page, its list
entry and the next change agree, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import sqlalchemy as sa

from forecast.services import negotiation, plan_archive, plan_members, plans
from forecast.store import SqlStore, plans_table
from tests.integration.test_plan_lists_of_members import url  # noqa: F401  (the fixture)
from tests.integration.test_store import new_plan

DROPPED = ("currency", "archived_at", "archived_by", "stretch_calibration")


def _saved_by_an_older_release(store: SqlStore, plan_id: str) -> None:
    """What an older release's save does: the document without the keys it does not know, the
    version one up, the columns it does not know left as they were."""
    c = plans_table.c
    with store.engine.begin() as conn:
        doc = json.loads(conn.execute(sa.select(c.doc).where(c.id == plan_id)).scalar_one())
        for key in DROPPED:
            doc.pop(key, None)
        conn.execute(
            plans_table.update()
            .where(c.id == plan_id)
            .values(doc=json.dumps(doc), version=c.version + 1)
        )


def _listed(store: SqlStore, plan_id: str):
    return {s.plan_id: s for s in store.list()}[plan_id]


def test_the_currency_an_older_release_dropped_is_read_from_the_row(url):  # noqa: F811
    store = SqlStore(url[0], schema=url[1])
    plan = new_plan(store, currency="USD").plan_id
    _saved_by_an_older_release(store, plan)

    assert plans.get_plan(store, plan).currency == "USD"
    assert _listed(store, plan).currency == "USD"
    assert negotiation.summary(store, plan)["currency"] == "USD"

    plan_members.grant(store, plan, "ann", "vic", "planner")  # today's next save keeps it
    assert plans.get_plan(store, plan).currency == "USD"
    assert _listed(store, plan).currency == "USD"

    plain = new_plan(store, name="counts", currency=None).plan_id
    _saved_by_an_older_release(store, plain)
    assert plans.get_plan(store, plain).currency is None
    assert _listed(store, plain).currency is None
    store.close()


def test_an_archived_plan_an_older_release_saved_stays_archived_and_can_be_unarchived(url):  # noqa: F811
    store = SqlStore(url[0], schema=url[1])
    plan = new_plan(store, currency="USD").plan_id
    archived = plan_archive.archive(store, plan, "ann")
    _saved_by_an_older_release(store, plan)

    state = plans.get_plan(store, plan)
    assert (state.archived_at, state.archived_by) == (archived.archived_at, "ann")
    assert _listed(store, plan).archived_at == archived.archived_at

    unarchived = plan_archive.unarchive(store, plan, "ann")
    assert unarchived.archived_at is None
    assert plans.get_plan(store, plan).archived_at is None
    assert _listed(store, plan).archived_at is None
    store.close()


def test_a_list_reads_a_plan_an_older_release_saved_as_its_page_does(url):  # noqa: F811
    """A release that knew the archive column but not the currency column (5e82b7e) keeps both
    in the document; the list follows the document of a row whose members cell is stale."""
    store = SqlStore(url[0], schema=url[1])
    plan = new_plan(store, currency="USD").plan_id
    c = plans_table.c
    with store.engine.begin() as conn:
        doc = json.loads(conn.execute(sa.select(c.doc).where(c.id == plan)).scalar_one())
        doc["currency"] = "GBP"
        conn.execute(
            plans_table.update()
            .where(c.id == plan)
            .values(doc=json.dumps(doc), version=c.version + 1)
        )

    assert plans.get_plan(store, plan).currency == "GBP"
    assert _listed(store, plan).currency == "GBP"
    store.close()
