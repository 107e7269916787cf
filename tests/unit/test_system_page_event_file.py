"""The System plan page's events file: dropped, checked as a whole, added in one change."""

from __future__ import annotations

import base64

import pytest

from dashboard.context import DashboardContext
from dashboard.system import event_file
from forecast.services import plans as plan_service
from forecast.services import system
from tests.fixtures import six_store_fixtures
from tests.signin import acting_as
from tests.unit.test_system_page import first_date, period_ends, text

template, plan = six_store_fixtures("system-event-file", name="Unit plan", leads={"a": "lena"})


@pytest.fixture
def ctx(plan):
    context = DashboardContext(data_dir=str(plan.data_dir))
    yield context
    context.store.close()


@pytest.fixture
def plan_id(template) -> str:
    return template.plan_id


def dropped(csv: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(csv.encode()).decode()


def calendar(ctx, plan_id: str, *, end: str | None = None) -> str:
    start = first_date(ctx, plan_id)
    end = end or period_ends(ctx, plan_id)[0]
    return (
        "name,kind,scope,start,end,effect,value,reason\n"
        f"May flyer,promotion,StoreType=a,{start},{end},percent,15%,national flyer\n"
        f"Supplier cut,purchase_limit,,{start},{end},cap,800,allocation\n"
    )


def test_a_dropped_calendar_adds_its_events_in_one_version_and_says_which(ctx, plan_id):
    before = plan_service.get_plan(ctx.store, plan_id).version
    with acting_as(ctx.store, "olga"):
        alert, refresh, cleared = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", {"plan_id": plan_id}, before, 4
        )
    assert "Imported 2 event(s) from promos.csv as E1..E2: May flyer, Supplier cut." in text(alert)
    assert refresh == 5 and cleared is None
    assert [e.name for e in system.list_events(ctx.store, plan_id)] == ["May flyer", "Supplier cut"]
    assert plan_service.get_plan(ctx.store, plan_id).version == before + 1
    with acting_as(ctx.store, "olga"):  # the same file again adds nothing
        again, _, _ = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", {"plan_id": plan_id}, None, 5
        )
    assert "Nothing new in promos.csv. 2 row(s) skipped" in text(again)
    assert len(system.list_events(ctx.store, plan_id)) == 2


def test_a_calendar_with_a_bad_row_adds_nothing_and_lists_the_row_and_column(ctx, plan_id):
    bad = calendar(ctx, plan_id, end="2015-13-45")
    with acting_as(ctx.store, "olga"):
        alert, refresh, cleared = event_file.import_file(
            ctx, dropped(bad), "promos.csv", {"plan_id": plan_id}, None, 0
        )
    shown = text(alert)
    assert "promos.csv was not imported: 2 problem(s)" in shown and "No event was added" in shown
    assert "row 2, end: " in shown and "row 3, end: " in shown
    assert refresh is event_file.no_update and cleared is None
    assert system.list_events(ctx.store, plan_id) == []


def test_a_lead_cannot_import_events(ctx, plan_id):
    with acting_as(ctx.store, "lena"):
        alert, _, _ = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", {"plan_id": plan_id}, None, 0
        )
    assert "Not allowed for your role" in text(alert)
    assert system.list_events(ctx.store, plan_id) == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(ctx, plan_id, monkeypatch):
    monkeypatch.setattr(event_file.event_import, "MAX_FILE_BYTES", 100)
    with acting_as(ctx.store, "olga"):
        alert, _, _ = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", {"plan_id": plan_id}, None, 0
        )
    assert "over the upload limit" in text(alert)
    assert system.list_events(ctx.store, plan_id) == []
