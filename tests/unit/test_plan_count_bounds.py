"""A plan is held while it is built to the counts its bundle is held to on import
(`forecast.bounds`: events, explanations, factors): adding one past the bound is refused with the
bound and what to do, nothing is written, and so a plan's own export always imports again."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from test_event_import import CALENDAR
from test_services_system import HISTORY_WEEKS, add_promo, new_plan
from typer.testing import CliRunner

from forecast import bounds
from forecast.cli import app
from forecast.overrides import Scope
from forecast.plan import PlanState
from forecast.services import event_import, plans, system
from forecast.services.errors import Invalid
from forecast.services.plan_file import InvalidFile
from forecast.services.store_factory import open_store
from forecast.store import Change, MemoryStore


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan_id(store: MemoryStore) -> str:
    return new_plan(store)


def _unchanged(store: MemoryStore, plan_id: str, before: PlanState) -> None:
    after = plans.get_plan(store, plan_id)
    assert after.version == before.version
    assert (after.events, after.explanations, after.factors) == (
        before.events,
        before.explanations,
        before.factors,
    )


def test_a_plan_of_the_most_events_takes_no_more_by_hand(store, plan_id):
    """Real size: 50,000 events stored (as ten full event files would leave them)."""
    event = add_promo(store, plan_id, value=0.0).event
    state = plans.get_plan(store, plan_id)
    state.events = [
        replace(event, event_id=f"E{number}").to_dict()
        for number in range(1, bounds.MAX_PLAN_EVENTS + 1)
    ]
    state.next_event_number = bounds.MAX_PLAN_EVENTS + 1
    store.save(state, Change("ann", "add_event", "seeded"), expected_version=state.version)
    before = plans.get_plan(store, plan_id)
    assert len(before.events) == bounds.MAX_PLAN_EVENTS
    with pytest.raises(Invalid) as refused:
        add_promo(store, plan_id, value=0.0)
    said = str(refused.value)
    assert "a plan holds at most 50,000 events" in said
    assert "would bring it to 50,001" in said
    assert "remove events the plan no longer needs" in said
    assert "nothing was changed" in said
    _unchanged(store, plan_id, before)


def test_a_restored_event_past_the_bound_is_refused_by_the_write_path(store, plan_id, monkeypatch):
    add_promo(store, plan_id, value=1.0)
    add_promo(store, plan_id, value=2.0)
    system.remove_event(store, plan_id, "ann", "E1")
    monkeypatch.setattr(bounds, "MAX_PLAN_EVENTS", 1)
    before = plans.get_plan(store, plan_id)
    with pytest.raises(Invalid, match="at most 1 events.*would bring it to 2"):
        system.restore_event(store, plan_id, "ann", "E1")
    _unchanged(store, plan_id, before)
    # a plan over its bound (made before it was held to one) may still shed events
    monkeypatch.setattr(bounds, "MAX_PLAN_EVENTS", 0)
    assert system.remove_event(store, plan_id, "ann", "E2").plan.events == []


def test_an_event_file_past_the_bound_is_refused_whole(store, plan_id, monkeypatch):
    add_promo(store, plan_id, value=1.0)
    monkeypatch.setattr(bounds, "MAX_PLAN_EVENTS", 3)
    before = plans.get_plan(store, plan_id)
    for dry_run in (True, False):
        with pytest.raises(InvalidFile) as refused:
            event_import.import_events(
                store, plan_id, "ann", CALENDAR, "calendar.csv", dry_run=dry_run
            )
        said = str(refused.value)
        assert "a plan holds at most 3 events" in said and "would bring it to 4" in said
        assert "calendar.csv" in said
    _unchanged(store, plan_id, before)


def test_explanations_past_the_bound_are_refused(store, plan_id, monkeypatch):
    add_promo(store, plan_id, value=50.0)
    add_promo(store, plan_id, value=50.0, ids=("3",))
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")
    had = len(plans.get_plan(store, plan_id).explanations)
    monkeypatch.setattr(bounds, "MAX_PLAN_EXPLANATIONS", had)
    before = plans.get_plan(store, plan_id)
    with pytest.raises(Invalid) as refused:
        system.explain(store, plan_id, "ann", event_id="E2", reason_code="promotion", text="2")
    said = str(refused.value)
    assert f"a plan holds at most {had:,} explanations" in said
    assert "explain a team's period or an event's deviations at once" in said
    _unchanged(store, plan_id, before)


def test_a_factor_past_the_bound_is_refused_before_the_series_are_forecast(
    store, plan_id, monkeypatch
):
    monkeypatch.setattr(bounds, "MAX_PLAN_FACTORS", 0)
    before = plans.get_plan(store, plan_id)
    with pytest.raises(Invalid) as refused:
        system.mark_factor(
            store,
            plan_id,
            "ann",
            name="became a hit",
            scope=Scope(ids=("3",)),
            start=pd.Timestamp(HISTORY_WEEKS[30]).date(),
        )
    said = str(refused.value)
    assert "a plan holds at most 0 marked factors" in said and "nothing was changed" in said
    _unchanged(store, plan_id, before)


def test_the_command_line_refuses_an_event_past_the_bound_in_words(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = new_plan(store)
    add_promo(store, plan_id, value=1.0)
    store.close()
    monkeypatch.setattr(bounds, "MAX_PLAN_EVENTS", 1)
    week = HISTORY_WEEKS[-1] + pd.Timedelta(weeks=2)
    command = ["plan", "event", "add", plan_id, "--name", "x", "--kind", "other"]
    command += ["--start", f"{week:%Y-%m-%d}", "--end", f"{week:%Y-%m-%d}", "--percent", "5"]
    result = CliRunner().invoke(app, [*command, "--as", "ann", "--data-dir", str(data_dir)])
    assert result.exit_code == 2, result.output
    assert "a plan holds at most 1 events" in result.stderr
    assert "Traceback" not in result.output
    store = open_store(data_dir=data_dir)
    try:
        assert len(plans.get_plan(store, plan_id).events) == 1
    finally:
        store.close()
