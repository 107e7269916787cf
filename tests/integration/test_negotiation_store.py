"""The negotiation on real stores: SQLite file and PostgreSQL (same code), persistence, stale
versions, concurrent claims from several processes, export -> import across backends."""

from __future__ import annotations

import multiprocessing as mp
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from forecast.services import exports, system
from forecast.services import negotiation as nego
from forecast.services.errors import Locked, StaleVersion
from forecast.services.plan_members import grant
from forecast.services.plans import audit_log, get_plan
from forecast.store import SqlStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_services_negotiation import team_frames, weekly_team_plan  # noqa: E402

TEAMS = {"north": 2.5e9, "south": 2.0e9, "east": 1.2e9, "west": 0.8e9}  # 6.5bn


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'forecast.db'}", None
    url = request.getfixturevalue("postgres_url")
    return url, f"neg_{uuid.uuid4().hex[:10]}"


def open_sql(store_url):
    url, schema = store_url
    return SqlStore(url, schema=schema)


def make_plan(store) -> str:
    history, attributes, baseline = team_frames(TEAMS)
    state = weekly_team_plan(
        store, (history, attributes, baseline), name=f"promo-{uuid.uuid4().hex[:6]}"
    )
    for team in TEAMS:
        grant(store, state.plan_id, "olga", f"lead-{team}", "lead", team=team)
    return state.plan_id


def test_negotiation_persists_and_balances_on_a_real_store(store_url):
    store = open_sql(store_url)
    plan_id = make_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.claim(store, plan_id, "lead-north", "north", amount="1500000000", note="flagship promo")
    nego.claim(store, plan_id, "lead-south", "south", percent="50", note="new stores")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline", exclude=["west"])
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    store.close()

    again = open_sql(store_url)  # a fresh connection reads what was committed
    ledger = nego.ledger(again, plan_id).set_index("team")
    assert ledger.loc["TOTAL", "target_minor"] == 1_000_000_000_000
    assert ledger.loc["west", "assignment_minor"] == 0
    assert ledger.loc["south", "claim_minor"] == 100_000_000_000
    plan = nego.negotiated_plan(again, plan_id)
    assert int(plan["target_minor"].sum()) == 1_000_000_000_000
    actions = [e.action for e in audit_log(again, plan_id)]
    assert actions[-7:] == ["goal", "claim", "claim", "close_round", "assign", "publish", "lock"]
    with pytest.raises(Locked):
        nego.claim(again, plan_id, "lead-east", "east", amount=1, note="late")
    assert get_plan(again, plan_id).status == "agreed"
    again.close()


def test_stale_claim_is_refused_and_nothing_is_lost(store_url):
    store = open_sql(store_url)
    plan_id = make_plan(store)
    state = nego.set_goal(store, plan_id, "olga", total=Decimal("7000000000"))
    nego.claim(
        store, plan_id, "lead-north", "north", amount=10, note="a", expected_version=state.version
    )
    with pytest.raises(StaleVersion, match="lead-north"):
        nego.claim(
            store,
            plan_id,
            "lead-south",
            "south",
            amount=20,
            note="b",
            expected_version=state.version,
        )
    claims = nego.negotiation_of(get_plan(store, plan_id)).claims
    assert set(claims) == {"north"}
    store.close()


def _claim_with_retry(
    url: str, schema: str | None, plan_id: str, team: str, barrier, results, mode: str
) -> None:
    """One lead in another process. mode "client": read, claim against what was read, retry on
    StaleVersion; mode "current": claim once against whatever is current (the service redoes a
    claim that lost a race)."""
    store = SqlStore(url, schema=schema)
    barrier.wait()
    retries = 0
    if mode == "current":
        nego.claim(store, plan_id, f"lead-{team}", team, amount="1000000", note=f"{team} push")
        results.put((team, 0))
        store.close()
        return
    while True:
        version = get_plan(store, plan_id).version
        try:
            nego.claim(
                store,
                plan_id,
                f"lead-{team}",
                team,
                amount="1000000",
                note=f"{team} push",
                expected_version=version,
            )
            break
        except StaleVersion:
            retries += 1
    results.put((team, retries))
    store.close()


@pytest.mark.parametrize("mode", ["client", "current"])
def test_concurrent_claims_from_several_processes_all_land(store_url, mode):
    url, schema = store_url
    store = open_sql(store_url)
    plan_id = make_plan(store)
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(TEAMS))
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=_claim_with_retry, args=(url, schema, plan_id, team, barrier, results, mode)
        )
        for team in TEAMS
    ]
    for w in workers:
        w.start()
    outcome = dict(results.get(timeout=300) for _ in workers)
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert set(outcome) == set(TEAMS)
    print(f"retries on StaleVersion per team: {outcome}")
    neg = nego.negotiation_of(get_plan(store, plan_id))
    assert {t: c.amount for t, c in neg.claims.items()} == {t: 100_000_000 for t in TEAMS}
    claims = [e for e in audit_log(store, plan_id) if e.action == "claim"]
    assert sorted(e.actor for e in claims) == sorted(f"lead-{t}" for t in TEAMS)
    store.close()


def test_bundle_from_sqlite_reimports_into_another_store_as_the_same_plan(store_url, tmp_path):
    source = SqlStore(f"sqlite:///{tmp_path / 'source.db'}")
    plan_id = make_plan(source)
    nego.set_goal(source, plan_id, "olga", ratio="10/6.5")
    nego.claim(
        source, plan_id, "lead-east", "east", amount="100000000.07", note="=cmd|' /C calc'!A0"
    )
    nego.close_round(source, plan_id, "olga")
    nego.assign(source, plan_id, "olga", "even")
    system.publish(source, plan_id, "olga")
    nego.lock(source, plan_id, "olga")
    bundle = exports.export_plan(source, plan_id, "json")

    target = open_sql(store_url)
    new_id = exports.import_bundle(target, bundle, "ivan", trust=True)
    assert nego.ledger(target, new_id).equals(nego.ledger(source, plan_id))
    assert nego.negotiated_plan(target, new_id).equals(nego.negotiated_plan(source, plan_id))

    def csv_money(store, pid):
        lines = exports.export_plan(store, pid, "csv").decode().splitlines()
        return [line.split(",")[:6] for line in lines]

    assert csv_money(target, new_id) == csv_money(source, plan_id)
    source.close()
    target.close()
