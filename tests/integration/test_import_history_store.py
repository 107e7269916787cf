"""The imported history and actuals are written by SQLite and PostgreSQL in the import's
transaction, as the in-memory store does (tests/unit/test_import_history.py)."""

from __future__ import annotations

from forecast.services import actuals, exports, plan_members, plans
from forecast.store import IMPORTED_HISTORY, MemoryStore
from tests.integration.test_store import make_store, new_plan  # noqa: F401 - fixture


def test_a_database_keeps_the_imported_history_and_actuals(make_store):  # noqa: F811
    source = MemoryStore()
    plan = new_plan(source).plan_id
    plan_members.grant(source, plan, "ann", "pia", "planner")
    base = plans.load_frames(source, plan).baseline
    sold = base[["unique_id", "ds", "baseline"]].rename(columns={"baseline": "y"})
    actuals.upload_actuals(
        source, plan, sold.to_csv(index=False).encode(), filename="sold.csv", actor="ann"
    )
    store = make_store()
    bundle = exports.export_plan(source, plan, "json")
    done = exports.import_noted(store, bundle, "ann", trust=True)
    rows = store.audit(done.plan_id)
    assert [r.action for r in rows] == [IMPORTED_HISTORY] * len(source.audit(plan)) + ["import"]
    assert [r.at for r in rows[:-1]] == [r.at for r in source.audit(plan)]
    (kept,) = store.actuals_versions(done.plan_id)
    assert kept.filename == "sold.csv" and kept.audit_id is None
    assert store.get_actuals(done.plan_id)[1] == source.get_actuals(plan)[1]
