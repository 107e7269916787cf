"""The plan store on a real SQLite file and on PostgreSQL (same tests, same code)."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from forecast.overrides import Scope
from forecast.plan import PlanState
from forecast.services import plan_archive, plan_create, plans, system
from forecast.services.errors import Conflict, Invalid, Locked, NotFound, StaleVersion
from forecast.services.store_factory import open_store, resolve_db_url
from forecast.store import (
    Change,
    SqlStore,
    content_hash,
    frame_from_bytes,
    frame_to_bytes,
    normalise_url,
)

WEEKS = pd.date_range("2024-01-01", periods=30, freq="W-MON")
HORIZON = pd.date_range(WEEKS[-1] + pd.Timedelta(weeks=1), periods=4, freq="W-MON")
PLAN_CURRENCIES = (("dollars", "USD"), ("yen", "JPY"), ("counts", None))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_store(request, tmp_path) -> Iterator:
    """A factory of stores on one database: each call is a separate engine (a separate user)."""
    made: list[SqlStore] = []
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'forecast.db'}"
        schema = None
    else:
        url = request.getfixturevalue("postgres_url")
        schema = f"test_{uuid.uuid4().hex[:10]}"

    def make() -> SqlStore:
        store = SqlStore(url, schema=schema)
        made.append(store)
        return store

    yield make
    if schema and made:
        with made[0].engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    for store in made:
        store.close()


@pytest.fixture
def store(make_store) -> SqlStore:
    return make_store()


def new_plan(store, name="spring", currency: str | None = "EUR") -> PlanState:
    ids = ["1", "2", "3"]
    history = pd.DataFrame(
        [{"unique_id": u, "ds": d, "y": 100.0 + i} for u in ids for i, d in enumerate(WEEKS)]
    )
    baseline = pd.DataFrame(
        [
            {"unique_id": u, "ds": d, "baseline": 100.0, "model": "snaive"}
            for u in ids
            for d in HORIZON
        ]
    )
    attributes = pd.DataFrame({"unique_id": ids, "Region": ["north", "north", "south"]})
    return plan_create.create_plan_from_frames(
        store,
        name=name,
        history=history,
        attributes=attributes,
        freq="W-MON",
        horizon=4,
        team_attr="Region",
        actor="ann",
        baseline=baseline,
        currency=currency,
    )


def add_event(store, plan_id, value=50.0, expected_version=None, actor="ann"):
    return system.add_event(
        store,
        plan_id,
        actor,
        name=f"promo {value}",
        kind="promotion",
        scope=Scope(ids=("1",)),
        start=HORIZON[0].date(),
        end=(HORIZON[0] + pd.Timedelta(days=6)).date(),  # the whole first week
        effect="percent",
        value=value,
        expected_version=expected_version,
    )


def test_plan_round_trips_with_its_frames_and_audit(store):
    created = new_plan(store)
    again = store.get(created.plan_id)
    assert again.to_dict() == created.to_dict() and again.version == 1
    assert store.blob_kinds(created.plan_id) == [
        "attributes",
        "baseline",
        "history",
        "mase_scales",
        "read_model:baseline_totals",
        "read_model:system_totals",
    ]
    hashes = store.blob_hashes(created.plan_id)
    assert sorted(hashes) == store.blob_kinds(created.plan_id)
    assert hashes["history"] == content_hash(store.get_blob(created.plan_id, "history"))
    frames = plans.load_frames(store, created.plan_id)
    assert len(frames.history) == 90 and frames.history["ds"].min() == WEEKS[0]
    assert [s.name for s in store.list()] == ["spring"]
    assert [e.action for e in store.audit(created.plan_id)] == ["create"]
    with pytest.raises(NotFound, match="no plan 'nope'"):
        store.get("nope")


def test_every_change_is_versioned_and_audited_with_before_and_after(store):
    plan_id = new_plan(store).plan_id
    add_event(store, plan_id, 50.0)
    system.edit_event(store, plan_id, "ann", "E1", effect="percent", value=60.0)
    log = store.audit(plan_id)
    assert [(e.version, e.action) for e in log] == [
        (1, "create"),
        (2, "add_event"),
        (3, "edit_event"),
    ]
    assert log[2].before["value"] == 50.0 and log[2].after["value"] == 60.0
    assert log[2].actor == "ann" and log[2].at
    assert store.get(plan_id).version == 3


def test_a_second_user_on_the_same_database_sees_the_change(make_store):
    first, second = make_store(), make_store()
    plan_id = new_plan(first).plan_id
    add_event(first, plan_id)
    assert [e.event_id for e in system.list_events(second, plan_id)] == ["E1"]


def test_stale_edit_is_refused_with_who_changed_what_and_nothing_is_lost(make_store):
    alice, bob = make_store(), make_store()
    plan_id = new_plan(alice).plan_id
    add_event(alice, plan_id, 50.0, expected_version=1)
    with pytest.raises(StaleVersion) as refused:
        add_event(bob, plan_id, 10.0, expected_version=1)
    message = str(refused.value)
    assert (
        "version 2 by ann" in message and "add event E1" in message and "reload the plan" in message
    )
    assert [e.value for e in system.list_events(bob, plan_id)] == [50.0]


def test_two_concurrent_saves_of_the_same_version_one_wins_one_is_refused(make_store):
    plan_id = new_plan(make_store()).plan_id
    users = [make_store(), make_store()]
    loaded = [u.get(plan_id) for u in users]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def edit(i: int) -> None:
        state = loaded[i]
        state.threshold = 0.3 + i / 10
        barrier.wait()
        try:
            outcomes[i] = users[i].save(
                state,
                Change(actor=f"user{i}", action="threshold", what=f"threshold by user{i}"),
                expected_version=1,
            )
        except StaleVersion as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [o for o in outcomes if isinstance(o, PlanState)]
    refusals = [o for o in outcomes if isinstance(o, StaleVersion)]
    assert len(winners) == 1 and len(refusals) == 1, outcomes
    winner = outcomes.index(winners[0])
    assert f"by user{winner}" in str(refusals[0])
    final = users[0].get(plan_id)
    assert final.version == 2 and final.threshold == pytest.approx(0.3 + winner / 10)
    assert len(users[0].audit(plan_id)) == 2


def test_concurrent_service_edits_through_the_gate_one_success_one_refusal(make_store):
    plan_id = new_plan(make_store()).plan_id
    users = [make_store(), make_store()]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def edit(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = add_event(users[i], plan_id, 10.0 + i, expected_version=1)
        except StaleVersion as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(type(o).__name__ for o in outcomes) == ["Saved", "StaleVersion"]
    assert len(system.list_events(users[0], plan_id)) == 1


def test_plans_made_at_once_under_one_name_leave_one_plan_of_that_name(make_store):
    """Each maker checked the name free before its slow fit; the writing transaction checks again,
    so of several plans saved at the same moment under one name one is kept and the others are
    refused with nothing written."""
    template = new_plan(make_store(), name="template")
    blobs = {kind: make_store().get_blob(template.plan_id, kind) for kind in ("history",)}
    users = [make_store() for _ in range(4)]
    barrier = threading.Barrier(len(users))
    outcomes: list[object] = [None] * len(users)

    def make(i: int) -> None:
        state = template.copy()
        state.plan_id, state.name = f"made-{i}", "autumn"
        barrier.wait()
        try:
            outcomes[i] = users[i].add(state, blobs, Change(actor="ann", action="create", what="x"))
        except Conflict as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=make, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    kept = [o for o in outcomes if isinstance(o, PlanState)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(kept) == 1 and len(refused) == len(users) - 1, outcomes
    assert all("already a plan named 'autumn'" in str(r) for r in refused)
    named = [s for s in users[0].list() if s.name == "autumn"]
    assert [s.plan_id for s in named] == [kept[0].plan_id]
    for loser in {f"made-{i}" for i in range(len(users))} - {kept[0].plan_id}:
        with pytest.raises(NotFound):
            users[0].get_blob(loser, "history")


@pytest.mark.postgres
def test_plans_made_at_once_leave_one_name_under_repeatable_read_too(postgres_url):
    """A database URL may set REPEATABLE READ; the name check still sees the plan added by
    whoever held the lock before."""
    schema = f"test_{uuid.uuid4().hex[:10]}"
    stores = [
        SqlStore(
            postgres_url,
            schema=schema,
            engine=sa.create_engine(normalise_url(postgres_url), isolation_level="REPEATABLE READ"),
        )
        for _ in range(4)
    ]
    try:
        template = new_plan(stores[0], name="template")
        barrier = threading.Barrier(len(stores))
        outcomes: list[object] = [None] * len(stores)

        def make(i: int) -> None:
            state = template.copy()
            state.plan_id, state.name = f"rr-{i}", "winter"
            barrier.wait()
            try:
                outcomes[i] = stores[i].add(
                    state, {}, Change(actor="ann", action="create", what="x")
                )
            except Conflict as exc:
                outcomes[i] = exc

        threads = [threading.Thread(target=make, args=(i,)) for i in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert [s.name for s in stores[0].list()].count("winter") == 1, outcomes
    finally:
        with stores[0].engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        for store in stores:
            store.close()


def test_a_new_version_may_share_its_lines_name_and_no_other_plans(store):
    first = new_plan(store, name="spring")
    copy = first.copy()
    copy.plan_id, copy.parent_id = "spring-2", first.plan_id
    change = Change(actor="ann", action="new_version", what="x")
    store.add(copy, {}, change, line={first.plan_id})
    stranger = first.copy()
    stranger.plan_id = "spring-elsewhere"
    with pytest.raises(Conflict, match="already a plan named 'spring'"):
        store.add(stranger, {}, change, line={first.plan_id})
    assert sorted(s.plan_id for s in store.list()) == sorted([first.plan_id, "spring-2"])


def test_a_crash_in_the_middle_of_a_save_leaves_the_previous_state(store, monkeypatch):
    plan_id = new_plan(store).plan_id
    add_event(store, plan_id, 50.0)
    before_doc = store.get(plan_id).to_dict()
    before_blob = store.get_blob(plan_id, "baseline")

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(SqlStore, "_insert_audit", crash)  # after the UPDATE and blob writes
    state = store.get(plan_id)
    state.threshold = 0.9
    changed = frame_from_bytes(before_blob).assign(baseline=1.0)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save(
            state,
            Change(actor="ann", action="threshold", what="x"),
            expected_version=2,
            blobs={"baseline": frame_to_bytes(changed)},
        )
    monkeypatch.undo()
    after = store.get(plan_id)
    assert after.version == 2 and after.to_dict() == before_doc
    assert store.get_blob(plan_id, "baseline") == before_blob
    assert len(store.audit(plan_id)) == 2


def test_a_crash_while_creating_leaves_no_half_plan(store, monkeypatch):
    monkeypatch.setattr(
        SqlStore, "_insert_audit", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
    )
    with pytest.raises(OSError, match="disk full"):
        new_plan(store)
    monkeypatch.undo()
    assert store.list() == []


def test_published_plan_is_read_only_and_new_version_copies_it(store):
    plan_id = new_plan(store).plan_id
    add_event(store, plan_id, 50.0)
    with pytest.raises(Invalid, match="no explanation"):
        system.publish(store, plan_id, "ann")
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")
    system.publish(store, plan_id, "ann")
    with pytest.raises(Locked):
        add_event(store, plan_id, 5.0)
    assert store.get(plan_id).status == "published"
    copy = system.new_version(store, plan_id, "ann")
    assert store.get(copy.plan_id).parent_id == plan_id
    assert store.blob_kinds(copy.plan_id) == store.blob_kinds(plan_id)


def test_open_store_uses_the_data_dir_and_normalises_postgres_urls(tmp_path, monkeypatch):
    monkeypatch.delenv("FORECAST_DB_URL", raising=False)
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path / "env-dir"))
    assert resolve_db_url() == f"sqlite:///{tmp_path / 'env-dir' / 'forecast.db'}"
    assert resolve_db_url(data_dir=tmp_path / "given").endswith("given/forecast.db")
    assert resolve_db_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    store = open_store(data_dir=tmp_path / "given")
    new_plan(store)
    assert (tmp_path / "given" / "forecast.db").exists()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


def test_concurrent_appends_without_a_pinned_version_both_land(make_store):
    """expected_version=None means "whatever is current": a lost race is redone, not refused."""
    plan_id = new_plan(make_store()).plan_id
    users = [make_store() for _ in range(3)]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def edit(i: int) -> None:
        barrier.wait()
        try:
            add_event(users[i], plan_id, 10.0 + i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    events = system.list_events(users[0], plan_id)
    assert sorted(e.value for e in events) == [10.0, 11.0, 12.0]
    assert sorted(e.event_id for e in events) == ["E1", "E2", "E3"]
    assert [e.version for e in users[0].audit(plan_id)] == [1, 2, 3, 4]


def test_a_name_too_long_for_the_database_is_refused_with_a_message_and_nothing_saved(store):
    plan = new_plan(store)
    state = store.get(plan.plan_id)
    state.name = "x" * 301  # the column holds 300 characters; PostgreSQL refuses, SQLite does not
    change = Change(actor="ann", action="rename", what="renamed the plan")
    if store.url.startswith("sqlite"):
        store.save(state, change, expected_version=state.version)
        return
    with pytest.raises(Invalid, match="refused a value.*shorten the name"):
        store.save(state, change, expected_version=state.version)
    assert store.get(plan.plan_id).name == "spring"
    assert [e.action for e in store.audit(plan.plan_id)][-1] != "rename"


def test_a_nul_the_database_refuses_is_named_as_the_cause_not_a_length(store):
    """PostgreSQL stores no NUL character in text: what it refuses is said as that, not as a
    name too long (the services refuse a NUL before they store; this is the store's last word)."""
    plan = new_plan(store)
    state = store.get(plan.plan_id)
    state.name = "spr\x00ing"
    change = Change(actor="ann", action="rename", what="renamed the plan")
    if store.url.startswith("sqlite"):
        store.save(state, change, expected_version=state.version)
        return
    with pytest.raises(Invalid) as refused:
        store.save(state, change, expected_version=state.version)
    said = str(refused.value)
    assert "NUL character" in said and "take it out" in said
    assert "shorten" not in said
    assert store.get(plan.plan_id).name == "spring"


def test_a_database_that_cannot_be_opened_is_reported_as_unavailable(tmp_path):
    from forecast.errors import ServiceError, Unavailable

    missing = tmp_path / "no such dir" / "forecast.db"
    with pytest.raises(Unavailable, match="could not open the plan store.*try again") as info:
        SqlStore(f"sqlite:///{missing}")
    assert isinstance(info.value, ServiceError)
    assert not isinstance(info.value.__cause__, ServiceError)


def test_a_duplicate_row_refused_by_the_database_becomes_invalid(store):
    plan = new_plan(store)
    from forecast.store import blobs_table, database_errors

    row = dict(plan_id=plan.plan_id, kind="history", data=b"x", content_hash="h", updated_at="t")
    refused = pytest.raises(Invalid, match="database refused to store the data")
    with refused, database_errors("store the data"), store.engine.begin() as conn:
        conn.execute(blobs_table.insert().values(**row))


def test_every_server_of_one_database_signs_bundles_with_one_key(make_store):
    first, second = make_store(), make_store()

    key = second.installation_key()  # made by whichever asks first, kept in the database

    assert len(key) == 32
    assert first.installation_key() == key == make_store().installation_key()


def test_a_plans_table_made_before_archiving_gets_its_column_on_open_and_keeps_its_plans(
    make_store,
):
    """A database made before plans could be archived: opening it adds `archived_at` (NULL: not
    archived), its plans are listed as before, and archiving them is kept."""
    store = make_store()
    plan_id = new_plan(store).plan_id
    table = f'"{store.schema}".plans' if store.schema else "plans"
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN archived_at"))

    opened = make_store()  # adds the column
    again = make_store()  # a second server opening it then finds the column there
    (summary,) = plans.list_plans(opened, include_archived=False)
    assert summary.plan_id == plan_id and not summary.archived
    plan_archive.archive(opened, plan_id, "ann")
    assert plans.list_plans(again, include_archived=False) == []
    assert plans.get_plan(make_store(), plan_id).archived_by == "ann"


def test_a_plans_table_made_before_the_currency_column_gets_it_filled_from_the_documents(
    make_store,
):
    """A database made before plans listed their currency: opening it adds `currency` and fills
    it from each plan's document (plain numbers too); a row left without it is listed from its
    document, and a saved plan keeps it."""
    store = make_store()
    made = {name: new_plan(store, name, currency).plan_id for name, currency in PLAN_CURRENCIES}
    table = f'"{store.schema}".plans' if store.schema else "plans"
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN currency"))

    opened = make_store()  # adds the column and fills it
    again = make_store()  # a second server opening it then finds the column there
    expected = dict(PLAN_CURRENCIES)
    assert {s.name: s.currency for s in plans.list_plans(opened)} == expected
    with again.engine.connect() as conn:
        cells = dict(conn.execute(sa.text(f"SELECT name, currency FROM {table}")).all())
    assert cells == {"dollars": "USD", "yen": "JPY", "counts": ""}

    with again.engine.begin() as conn:  # as a server of the earlier version writes it
        conn.execute(sa.text(f"UPDATE {table} SET currency = NULL"))
    assert {s.name: s.currency for s in plans.list_plans(again)} == expected
    plan_archive.archive(again, made["counts"], "ann")
    with again.engine.connect() as conn:
        cells = dict(conn.execute(sa.text(f"SELECT name, currency FROM {table}")).all())
    assert cells == {"dollars": None, "yen": None, "counts": ""}  # the save wrote its cell
    assert {s.name: s.currency for s in plans.list_plans(make_store())} == expected


def test_a_users_table_made_before_the_demo_mark_gets_its_column_on_open_and_keeps_accounts(
    make_store,
):
    """A database made before the demo's password mark: opening it adds `demo_password_stamp`
    (NULL: not marked); its accounts are read as before, and a mark is kept."""
    from forecast.store import Account

    store = make_store()
    store.add_account(Account("olga", "Olga", "$argon2id$not-a-real-hash", False, True, "t", "t"))
    table = f'"{store.schema}".users' if store.schema else "users"
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN demo_password_stamp"))

    opened = make_store()  # adds the column
    (account,) = opened.list_accounts()
    assert account.name == "olga" and account.demo_password_stamp is None
    opened.update_account("olga", demo_password_stamp="0123456789abcdef")
    assert make_store().get_account("olga").demo_password_stamp == "0123456789abcdef"


def test_sign_in_sessions_end_one_by_one_or_all_of_an_account_and_old_ones_are_forgotten(
    make_store,
):
    one, other = make_store(), make_store()  # two servers of one database
    one.start_session("first", "olga", 1000.0, forget_before=0.0)
    one.start_session("second", "olga", 1001.0, forget_before=0.0)
    other.start_session("lena", "lena", 1002.0, forget_before=0.0)
    assert other.get_session("first").account == "olga"
    assert other.get_session("first").ended_at is None
    assert other.end_sessions(1003.0, session_id="first") == 1
    assert one.get_session("first").ended_at == 1003.0
    assert one.get_session("second").ended_at is None
    assert one.end_sessions(1004.0, account="olga") == 1  # the one still open
    assert one.get_session("lena").ended_at is None
    one.start_session("later", "piet", 5000.0, forget_before=1001.5)
    assert one.get_session("first") is None and one.get_session("second") is None
    assert one.get_session("lena") is not None and one.get_session("later").account == "piet"
    assert one.get_session("no-such-session") is None


def test_every_server_of_one_database_signs_sessions_with_one_key_apart_from_bundles(make_store):
    first, second = make_store(), make_store()
    key = first.installation_key("session_signing_key")
    assert second.installation_key("session_signing_key") == key
    assert first.installation_key() != key and len(key) == 32


def test_servers_opening_an_empty_database_at_once_all_open_it(make_store):
    """Several servers (or `forecast` commands) started together on a new database: each opens
    the store, whichever makes the tables, and all of them see one set of tables."""
    openers = 6
    barrier = threading.Barrier(openers)
    opened: list[SqlStore] = []
    failed: list[Exception] = []

    def open_it() -> None:
        barrier.wait()
        try:
            opened.append(make_store())
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            failed.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failed == []
    plan_id = new_plan(opened[0]).plan_id
    assert all(store.get(plan_id).plan_id == plan_id for store in opened)


LONGER_THAN_THE_LOCK_TIMEOUT = 30  # seconds


@pytest.mark.postgres
def test_a_save_behind_a_plan_locked_by_another_session_is_refused_as_unavailable(postgres_url):
    """A session holding the plan's row (a psql `SELECT ... FOR UPDATE` left open) makes a save
    give up with a message, instead of holding the server's thread for as long as it lasts."""
    from forecast.errors import Unavailable

    schema = f"test_{uuid.uuid4().hex[:10]}"
    store, other = SqlStore(postgres_url, schema=schema), SqlStore(postgres_url, schema=schema)
    held, release = threading.Event(), threading.Event()

    def hold(plan_id: str) -> None:  # the other session: the row stays locked until released
        with other.engine.begin() as conn:
            conn.execute(
                sa.text(f'SELECT id FROM "{schema}".plans WHERE id = :id FOR UPDATE'),
                {"id": plan_id},
            )
            held.set()
            release.wait(timeout=LONGER_THAN_THE_LOCK_TIMEOUT)

    try:
        plan = new_plan(store)
        holder = threading.Thread(target=hold, args=(plan.plan_id,))
        holder.start()
        assert held.wait(timeout=30)
        try:
            with pytest.raises(Unavailable, match="held by another session.*try again"):
                add_event(store, plan.plan_id)
        finally:
            release.set()
            holder.join()
        assert store.get(plan.plan_id).version == plan.version  # nothing was saved
        add_event(store, plan.plan_id)  # once the lock is gone, the same save goes through
        assert store.get(plan.plan_id).version == plan.version + 1
    finally:
        with store.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        store.close()
        other.close()


def test_a_postgres_server_that_is_not_there_is_reported_as_unavailable():
    from forecast.errors import Unavailable

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(Unavailable, match="could not open the plan store.*try again"):
        SqlStore(f"postgresql://forecast:forecast@127.0.0.1:{port}/forecast")


def test_failed_sign_ins_are_counted_across_servers_and_forgotten_after_a_quiet_day(make_store):
    servers = [make_store() for _ in range(4)]
    barrier = threading.Barrier(len(servers))

    def fail(store) -> None:
        barrier.wait()
        store.sign_in_failure("user:lena", 1000.0, forget_before=0.0)

    threads = [threading.Thread(target=fail, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert servers[0].sign_in_failures(["user:lena", "addr:x"]) == {"user:lena": (4, 1000.0)}
    assert servers[1].sign_in_failure("addr:x", 2000.0, forget_before=1500.0) == 1
    assert servers[2].sign_in_failures(["user:lena"]) == {}  # its last failure was before 1500
    servers[3].clear_sign_in_failures(["addr:x"])
    assert servers[0].sign_in_failures(["addr:x"]) == {}


def test_the_throttle_keeps_the_most_recently_failed_keys_within_its_bound(store, monkeypatch):
    import forecast.store as store_module

    monkeypatch.setattr(store_module, "MAX_FAILURE_KEYS", 3)
    for i in range(6):
        store.sign_in_failure(f"addr:{i}", 1000.0 + i, forget_before=0.0)
    kept = store.sign_in_failures([f"addr:{i}" for i in range(6)])
    assert set(kept) <= {"addr:3", "addr:4", "addr:5"} and "addr:5" in kept


def test_a_database_that_fails_a_read_or_a_write_is_explained_for_its_kind():
    """The same words went to every failure: 'Nothing was saved' for a read, and a SQLite file
    lock for a PostgreSQL server that went away."""
    import sqlite3

    from sqlalchemy import exc as sa_exc

    from forecast.services.errors import Unavailable
    from forecast.store import database_errors

    class ServerGone(Exception):
        __module__ = "psycopg"

    def said(doing: str, cause: Exception) -> str:
        with pytest.raises(Unavailable) as failed, database_errors(doing):
            raise sa_exc.OperationalError("SELECT 1", {}, cause)
        return str(failed.value)

    locked = sqlite3.OperationalError("database is locked")
    assert said("read the plan", locked) == (
        "the database could not read the plan: database is locked; check that no other program "
        "holds the SQLite file locked and try again"
    )
    gone = said("save the plan", ServerGone("server closed the connection"))
    assert "Nothing was saved; check that the database server is running" in gone
    assert "SQLite" not in gone
