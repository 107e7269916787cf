"""The plan lists a person sees (the dashboard's plan picker, the plans they may make a plan
like) hold exactly the plans they are a member of (or own), on SQLite and PostgreSQL, read from
the members kept beside each plan row rather than from every plan's whole document: a grant or
a revoke shows at once, a database made before that column gets it on open, and a plan saved by
a server of an earlier version (which leaves the column as it was) is judged by its document."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from forecast.errors import Unavailable
from forecast.services import plan_access, plan_members, plans
from forecast.store import SqlStore, normalise_url, plans_table
from tests.integration.test_store import new_plan


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path) -> Iterator[tuple[str, str | None]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'forecast.db'}", None
        return
    schema = f"test_{uuid.uuid4().hex[:10]}"
    pg = request.getfixturevalue("postgres_url")
    yield pg, schema
    engine = sa.create_engine(normalise_url(pg))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _ids(summaries) -> set[str]:
    ids = [s.plan_id for s in summaries]
    assert len(ids) == len(set(ids))
    return set(ids)


def test_a_member_sees_exactly_their_plans_and_an_owner_exactly_those_they_own(url):
    store = SqlStore(url[0], schema=url[1])
    made = [new_plan(store, name=f"plan {i}").plan_id for i in range(5)]
    plan_members.grant(store, made[1], "ann", "vic", "planner")
    plan_members.grant(store, made[3], "ann", "vic", "lead", team="north")
    plan_members.grant(store, made[4], "ann", "vic", "owner")

    assert _ids(plan_access.plans_visible_to(store, "vic")) == {made[1], made[3], made[4]}
    assert _ids(plan_access.plans_visible_to(store, "ann")) == set(made)
    assert plan_access.plans_visible_to(store, "zoe") == []
    assert plan_access.plans_visible_to(store, None) == []
    assert _ids(plan_access.plans_visible_to(store, "zoe", admin=True)) == set(made)
    assert _ids(plan_access.owned_plans(store, "vic")) == {made[4]}

    plan_members.revoke(store, made[3], "ann", "vic", "lead")  # vic's only role there
    assert _ids(plan_access.plans_visible_to(store, "vic")) == {made[1], made[4]}
    store.close()


def test_a_database_made_before_the_members_column_gets_it_filled_on_open(url):
    store = SqlStore(url[0], schema=url[1])
    made = [new_plan(store, name=f"plan {i}").plan_id for i in range(3)]
    plan_members.grant(store, made[2], "ann", "vic", "planner")
    table = f'"{url[1]}".plans' if url[1] else "plans"
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN members"))
    store.close()

    reopened = SqlStore(url[0], schema=url[1])

    assert _ids(plan_access.plans_visible_to(reopened, "vic")) == {made[2]}
    with reopened.engine.connect() as conn:
        unfilled = conn.execute(
            sa.select(sa.func.count()).where(plans_table.c.members.is_(None))
        ).scalar()
    assert unfilled == 0
    reopened.close()


def test_a_plan_saved_without_its_members_cell_is_judged_by_its_document(url):
    """A server of an earlier version saves the document and the version, not the cell."""
    store = SqlStore(url[0], schema=url[1])
    plan = new_plan(store).plan_id
    state = plans.get_plan(store, plan)
    state.grant("vic", "planner")
    doc = json.dumps(state.to_dict(), default=str)
    c = plans_table.c
    with store.engine.begin() as conn:
        conn.execute(
            plans_table.update().where(c.id == plan).values(doc=doc, version=c.version + 1)
        )

    assert _ids(plan_access.plans_visible_to(store, "vic")) == {plan}
    store.close()


def test_a_store_made_before_the_members_column_opens_even_with_a_damaged_plan(url):
    """Filling the new column reads every plan's document: one that cannot be read is left for
    its own read to refuse, with the reason, and every other plan still gets its cell."""
    store = SqlStore(url[0], schema=url[1])
    damaged, healthy = (new_plan(store, name=f"plan {i}").plan_id for i in range(2))
    plan_members.grant(store, healthy, "ann", "vic", "planner")
    table = f'"{url[1]}".plans' if url[1] else "plans"
    c = plans_table.c
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN members"))
    with store.engine.begin() as conn:
        conn.execute(
            plans_table.update().where(c.id == damaged).values(doc=json.dumps({"members": []}))
        )
    store.close()

    reopened = SqlStore(url[0], schema=url[1])

    assert _ids(plan_access.plans_visible_to(reopened, "vic")) == {healthy}
    with reopened.engine.connect() as conn:
        cells = dict(conn.execute(sa.select(c.id, c.members)).all())
    assert cells[damaged] is None
    assert json.loads(cells[healthy])["members"]["vic"] == ["planner"]
    assert _ids(plan_access.plans_visible_to(reopened, "zoe", admin=True)) == {damaged, healthy}
    with pytest.raises(Unavailable, match=f"plan {damaged}'s stored document cannot be read"):
        plans.get_plan(reopened, damaged)
    reopened.close()


def test_the_members_cell_follows_every_grant_and_revoke_at_the_rows_version(url):
    """The lists read the cell, not the document: it must say what the document says, stamped
    with the row's version, after each change."""
    store = SqlStore(url[0], schema=url[1])
    plan = new_plan(store).plan_id
    c = plans_table.c

    def cell_and_document() -> tuple[dict, dict, int]:
        with store.engine.connect() as conn:
            row = conn.execute(sa.select(c.members, c.version).where(c.id == plan)).one()
        held = json.loads(row.members)
        document = {u: list(m.roles) for u, m in plans.get_plan(store, plan).members.items()}
        return held, document, row.version

    plan_members.grant(store, plan, "ann", "vic", "planner")
    plan_members.grant(store, plan, "ann", "zoe", "lead", team="north")
    plan_members.revoke(store, plan, "ann", "vic", "planner")
    held, document, version = cell_and_document()
    assert held["version"] == version
    assert held["members"] == document
    assert "vic" not in held["members"] and held["members"]["zoe"] == ["lead"]
    store.close()


def test_a_damaged_plan_without_its_currency_cell_leaves_the_plan_list_whole(url):
    """A plan whose currency cell is empty is listed from its document: one that cannot be
    read is listed all the same (its currency unsaid), and opening it refuses with why."""
    store = SqlStore(url[0], schema=url[1])
    damaged, healthy = (new_plan(store, name=f"plan {i}").plan_id for i in range(2))
    c = plans_table.c
    with store.engine.begin() as conn:
        conn.execute(
            plans_table.update().where(c.id == damaged).values(doc='{"broken', currency=None)
        )

    assert _ids(plans.list_plans(store)) == {damaged, healthy}
    with pytest.raises(Unavailable, match=f"plan {damaged}'s stored document cannot be read"):
        plans.get_plan(store, damaged)
    store.close()
