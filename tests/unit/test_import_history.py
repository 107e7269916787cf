"""An imported plan keeps where it came from: the source plan's audit rows (as history before
the import's row, so "who did what" survives a move) and its actuals versions (so Accuracy
scores the copy as it scored the original). Bundles without them still import."""

from __future__ import annotations

import json

import pytest
from test_services_negotiation import team_plan

from forecast.services import accuracy, actuals, exports, plan_members, plans, system
from forecast.services import negotiation as nego
from forecast.services.errors import StaleVersion
from forecast.store import IMPORTED_HISTORY, MemoryStore


@pytest.fixture
def home() -> tuple[MemoryStore, str]:
    """A plan with a goal, a lead and one upload of actuals (its baseline, as if it came true)."""
    store = MemoryStore()
    plan = team_plan(store, "spring", {"a": "anna"})
    nego.set_goal(store, plan, "olga", ratio="10/6.5")
    base = plans.load_frames(store, plan).baseline
    sold = base[["unique_id", "ds", "baseline"]].rename(columns={"baseline": "y"})
    actuals.upload_actuals(
        store, plan, sold.to_csv(index=False).encode(), filename="sold.csv", actor="olga"
    )
    return store, plan


def test_an_imported_plan_keeps_the_source_history_before_the_import_and_its_actuals(home):
    store, plan = home
    source_rows = store.audit(plan)
    bundle = exports.export_plan(store, plan, "json")
    away = MemoryStore()
    done = exports.import_noted(away, bundle, "olga", trust=True)

    rows = away.audit(done.plan_id)
    assert [r.action for r in rows] == [IMPORTED_HISTORY] * len(source_rows) + ["import"]
    assert [(r.at, r.actor, r.after["source_action"]) for r in rows[:-1]] == [
        (r.at, r.actor, r.action) for r in source_rows
    ]
    assert [r.after["source_version"] for r in rows[:-1]] == [r.version for r in source_rows]
    assert all(r.version == 0 and r.what.startswith("[imported, version ") for r in rows[:-1])
    assert rows[-1].after["history_rows"] == len(source_rows)
    assert done.history_rows == len(source_rows) and done.actuals_versions == 1
    assert "actuals: 1 version(s)" in done.lines()[-1]

    (kept,) = away.actuals_versions(done.plan_id)
    assert (kept.filename, kept.uploaded_by, kept.version) == ("sold.csv", "olga", 1)
    assert away.get_actuals(done.plan_id)[1] == store.get_actuals(plan)[1]
    # Accuracy scores the copy as it scored the original.
    there = accuracy.fva(away, done.plan_id)
    here = accuracy.fva(store, plan)
    assert there.layers.equals(here.layers) and there.periods == here.periods

    # The carried rows are no changes of the copy: a stale edit names only the copy's own.
    plan_members.grant(away, done.plan_id, "olga", "pia", "planner")
    with pytest.raises(StaleVersion) as stale:
        plan_members.grant(away, done.plan_id, "olga", "otto", "planner", expected_version=1)
    assert "grant planner to pia" in str(stale.value)
    assert "imported, version" not in str(stale.value)


def test_a_bundle_without_history_or_actuals_still_imports(home):
    store, plan = home
    content = json.loads(exports.export_plan(store, plan, "json"))
    for section in ("actuals", "audit", "signature"):
        content.pop(section)
    away = MemoryStore()
    done = exports.import_noted(away, json.dumps(content).encode(), "olga", trust=True)
    assert [r.action for r in away.audit(done.plan_id)] == ["import"]
    assert away.actuals_versions(done.plan_id) == []
    assert "(the bundle carries none)" in done.lines()[-1]


def test_a_signed_bundle_with_its_actuals_verifies_and_a_changed_one_is_refused(home):
    from forecast.services.errors import Invalid

    store, plan = home
    bundle = exports.export_plan(store, plan, "json")
    again = exports.import_noted(store, bundle, "olga", name="again")  # this installation's
    assert store.actuals_versions(again.plan_id)[0].filename == "sold.csv"
    content = json.loads(bundle)
    content["actuals"][0]["uploaded_by"] = "mallory"
    with pytest.raises(Invalid, match="does not match its signature"):
        exports.import_noted(store, json.dumps(content).encode(), "olga", name="changed")


def agreed_plan(store: MemoryStore) -> str:
    """A plan published and agreed (locked), without actuals yet."""
    plan = team_plan(store, "summer", {"a": "anna"})
    nego.set_goal(store, plan, "olga", ratio="10/6.5")
    nego.close_round(store, plan, "olga")
    nego.assign(store, plan, "olga", "pro_rata_baseline")
    system.publish(store, plan, "olga")
    nego.lock(store, plan, "olga")
    return plan


def sold_above_baseline(store: MemoryStore, plan: str) -> bytes:
    base = plans.load_frames(store, plan).baseline
    sold = base[["unique_id", "ds", "baseline"]].rename(columns={"baseline": "y"})
    sold["y"] *= 1.3
    return sold.to_csv(index=False).encode()


def scored_alike(store: MemoryStore, plan: str, away: MemoryStore, copy: str) -> None:
    """The copy, given the original's actuals, scores and reads as the original does: each track
    on the version it was published / agreed in (when, by whom), with the same WAPEs."""
    sold = sold_above_baseline(store, plan)
    for where, which in ((store, plan), (away, copy)):
        actuals.upload_actuals(where, which, sold, filename="sold.csv", actor="olga")
    here, there = accuracy.fva(store, plan), accuracy.fva(away, copy)
    for layer in ("system_plan", "target"):
        original, imported = here.scored_on[layer], there.scored_on[layer]
        assert imported["snapshot"] is True, imported.get("note")
        assert "note" not in imported
        shown = ("status", "at", "by")
        assert {k: imported[k] for k in shown} == {k: original[k] for k in shown}
        # a version of the copy, which holds the numbers as they were agreed
        assert imported["version"] == 1
    assert there.verdict() == here.verdict()
    assert there.layers.equals(here.layers)
    track_here, track_there = accuracy.track_record(store), accuracy.track_record(away)
    assert track_there["snapshot"].tolist() == [True] * len(track_here)
    assert track_there["wape_target"].tolist() == track_here["wape_target"].tolist()


def test_an_imported_agreed_plan_scores_and_reads_as_agreed_like_the_original():
    store = MemoryStore()
    plan = agreed_plan(store)
    bundle = exports.export_plan(store, plan, "json")
    away = MemoryStore()
    copy = exports.import_noted(away, bundle, "olga", trust=True).plan_id
    scored_alike(store, plan, away, copy)
    target = accuracy.fva(away, copy).scored_on["target"]
    source_lock = next(e for e in store.audit(plan) if e.action == "lock")
    assert (target["source_plan_id"], target["source_version"]) == (plan, source_lock.version)
    cited = next(e for e in away.audit(copy) if e.id == target["audit_id"])
    assert cited.after["source_action"] == "lock"


def test_an_agreed_plan_of_a_bundle_without_its_history_still_reads_as_agreed():
    """An older bundle carries no audit rows: the plan's own record of its publish and of the
    negotiation's agreement says when and by whom."""
    store = MemoryStore()
    plan = agreed_plan(store)
    content = json.loads(exports.export_plan(store, plan, "json"))
    for section in ("audit", "signature"):
        content.pop(section)
    away = MemoryStore()
    copy = exports.import_noted(away, json.dumps(content).encode(), "olga", trust=True).plan_id
    scored_alike(store, plan, away, copy)


def test_an_imported_plan_published_but_not_agreed_reads_as_published_and_not_agreed(home):
    store, plan = home
    system.publish(store, plan, "olga")
    bundle = exports.export_plan(store, plan, "json")
    away = MemoryStore()
    copy = exports.import_noted(away, bundle, "olga", trust=True).plan_id
    scored_on = accuracy.fva(away, copy).scored_on
    published = accuracy.fva(store, plan).scored_on["system_plan"]
    assert scored_on["system_plan"]["snapshot"] is True
    assert scored_on["system_plan"]["at"] == published["at"]
    assert scored_on["target"]["snapshot"] is False
    assert scored_on["target"]["note"].startswith("not agreed yet")


def touched_plan(store: MemoryStore) -> str:
    """An agreed plan with an event, an explanation of its deviations and a lead's claim, and
    actuals above its baseline."""
    from datetime import timedelta

    from forecast.overrides import Scope

    plan = team_plan(store, "touched", {"a": "anna"})
    first = plans.load_frames(store, plan).baseline["ds"].min().date()
    system.add_event(
        store, plan, "olga", name="flyer", kind="promotion",
        scope=Scope(attributes={"Team": ("a",)}), start=first,
        end=first + timedelta(days=13), effect="percent", value=40, reason="flyer",
    )  # fmt: skip
    system.explain(store, plan, "olga", reason_code="promotion", text="flyer", event_id="E1")
    nego.set_goal(store, plan, "olga", ratio="10/6.5")
    nego.claim(store, plan, "anna", "a", percent="5", note="second flyer wave")
    nego.close_round(store, plan, "olga")
    nego.assign(store, plan, "olga", "pro_rata_baseline")
    system.publish(store, plan, "olga")
    nego.lock(store, plan, "olga")
    actuals.upload_actuals(
        store, plan, sold_above_baseline(store, plan), filename="sold.csv", actor="olga"
    )
    return plan


def cited(store: MemoryStore, plan: str) -> dict[tuple[str, str], list]:
    """Each touch of the plan's value added -> the audit rows it cites."""
    rows = {e.id: e for e in store.audit(plan)}
    touches = accuracy.fva(store, plan).touches
    return {
        (t["touch_type"], t["touch"]): [rows[i] for i in json.loads(t["audit_ids"])]
        for t in touches.to_dict("records")
    }


def test_the_value_added_of_an_imported_plan_cites_the_source_rows_it_carried_in():
    store = MemoryStore()
    plan = touched_plan(store)
    away = MemoryStore()
    copy = exports.import_noted(away, exports.export_plan(store, plan, "json"), "olga", trust=True)

    here, there = cited(store, plan), cited(away, copy.plan_id)
    assert {"event", "reason code", "claim", "assignment"} <= {kind for kind, _ in here}
    assert here.keys() == there.keys()
    for touch, rows in here.items():
        assert rows, touch
        carried = there[touch]
        assert all(r.action == IMPORTED_HISTORY for r in carried), touch
        assert [(r.at, r.actor, r.after["source_action"]) for r in carried] == [
            (r.at, r.actor, r.action) for r in rows
        ], touch
        assert [r.after["source_version"] for r in carried] == [r.version for r in rows]
    (claim,) = there[next(t for t in there if t[0] == "claim")]
    assert (claim.actor, claim.after["source_action"]) == ("anna", "claim")
    touches = accuracy.fva(away, copy.plan_id).touches
    (shown,) = touches.loc[touches["touch_type"] == "claim", "audit"]
    assert shown == f"#{claim.id} {claim.at} anna claim (imported)"


def test_a_copy_of_an_imported_plan_still_cites_the_first_plans_rows():
    store = MemoryStore()
    plan = touched_plan(store)
    away, further = MemoryStore(), MemoryStore()
    copy = exports.import_noted(away, exports.export_plan(store, plan, "json"), "olga", trust=True)
    bundle = exports.export_plan(away, copy.plan_id, "json")
    again = exports.import_noted(further, bundle, "olga", trust=True).plan_id

    here, there = cited(store, plan), cited(further, again)
    assert here.keys() == there.keys()
    for touch, rows in here.items():
        carried = there[touch]
        assert [r.after["source_after"]["source_action"] for r in carried] == [
            r.action for r in rows
        ], touch
        assert [(r.at, r.actor) for r in carried] == [(r.at, r.actor) for r in rows]


def test_an_imported_plan_of_a_bundle_without_audit_details_cites_nothing():
    """A bundle from before audit rows carried their before and after still imports; its
    touches are scored as the original's but cite no audit row."""
    store = MemoryStore()
    plan = touched_plan(store)
    content = json.loads(exports.export_plan(store, plan, "json"))
    assert all({"before", "after"} <= row.keys() for row in content["audit"])
    for row in content["audit"]:
        del row["before"], row["after"]
    content.pop("signature")
    away = MemoryStore()
    copy = exports.import_noted(away, json.dumps(content).encode(), "olga", trust=True).plan_id

    scored = ["touch_type", "touch", "value_added"]
    assert (
        accuracy.fva(away, copy).touches[scored].equals(accuracy.fva(store, plan).touches[scored])
    )
    assert all(rows == [] for rows in cited(away, copy).values())
    assert all("source_after" not in r.after for r in away.audit(copy)[:-1])


@pytest.mark.parametrize(
    "details",
    [
        {"after": float("nan")},
        {"after": {"deep": json.loads("[" * 20 + "]" * 20)}},
        {"before": "x" * (4 * 1024 * 1024)},
    ],
    ids=["not plain JSON", "nested too deep", "too large"],
)
def test_a_bundle_whose_audit_row_carries_malformed_details_imports_nothing(home, details):
    from forecast.services.errors import Invalid

    store, plan = home
    content = json.loads(exports.export_plan(store, plan, "json"))
    content["audit"][0] |= details
    content.pop("signature")
    away = MemoryStore()
    with pytest.raises(Invalid, match=r"audit log: row \d+ is malformed .*; nothing was imported"):
        exports.import_noted(away, json.dumps(content).encode(), "olga", trust=True)
    assert away.list() == []


def test_an_audit_row_beyond_the_bounds_is_exported_without_its_details(home, monkeypatch):
    store, plan = home
    sizes = {
        e.id: len(json.dumps([e.before, e.after], separators=(",", ":"))) for e in store.audit(plan)
    }
    bound = sorted(sizes.values())[len(sizes) // 2]
    monkeypatch.setattr(exports, "AUDIT_DETAIL_BYTES", bound)
    rows = json.loads(exports.export_plan(store, plan, "json"))["audit"]
    assert ["after" in row for row in rows] == [size <= bound for size in sizes.values()]
    assert not all("after" in row for row in rows) and any("after" in row for row in rows)
    away = MemoryStore()
    copy = exports.import_noted(away, exports.export_plan(store, plan, "json"), "olga", trust=True)
    assert [("source_after" in r.after) for r in away.audit(copy.plan_id)[:-1]] == [
        size <= bound for size in sizes.values()
    ]
