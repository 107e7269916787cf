"""An imported plan keeps where it came from: the source plan's audit rows (as history before
the import's row, so "who did what" survives a move) and its actuals versions (so Accuracy
scores the copy as it scored the original). Bundles without them still import."""

from __future__ import annotations

import json

import pytest
from test_services_negotiation import team_plan

from forecast.services import accuracy, actuals, exports, plans
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
    plans.grant(away, done.plan_id, "olga", "pia", "planner")
    with pytest.raises(StaleVersion) as stale:
        plans.grant(away, done.plan_id, "olga", "otto", "planner", expected_version=1)
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
