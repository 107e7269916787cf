"""The Accuracy page's track record: its team picker offers exactly the teams of the plans the
record shows (those the signed-in account may see and that have actuals), and a team chosen
there stays chosen only while it is offered: a team of plans no longer shown (another account
signed in, a membership taken away) falls back to all teams, never to an empty chart named after
it."""

from __future__ import annotations

from types import SimpleNamespace

from test_actuals_scale import as_csv, forecast_times
from test_services_negotiation import team_frames, weekly_team_plan

from dashboard.pages import accuracy
from forecast.services import actuals, plan_members
from forecast.store import MemoryStore
from tests.signin import acting_as


def _three_plans() -> tuple[MemoryStore, dict[str, str]]:
    """Plans "one" (teams a, b) and "two" (teams x, y) with actuals, "three" (team q) without;
    vic is a member of "one" only."""
    store = MemoryStore()
    made = {
        name: weekly_team_plan(store, team_frames(totals), name=name).plan_id
        for name, totals in (
            ("one", {"a": 1e4, "b": 2e4}),
            ("two", {"x": 1e4, "y": 2e4}),
            ("three", {"q": 1e4}),
        )
    }
    for name in ("one", "two"):
        weeks = forecast_times(store, made[name], 1.1)
        actuals.upload_actuals(store, made[name], as_csv(weeks), filename="a.csv", actor="olga")
    plan_members.grant(store, made["one"], "olga", "vic", "planner")
    return store, made


def _offered(options: list[dict[str, str]]) -> list[str]:
    return [o["value"] for o in options]


def test_the_team_picker_offers_the_teams_of_the_plans_the_record_shows():
    store, made = _three_plans()
    ctx = SimpleNamespace(store=store)

    with acting_as(store, "olga"):
        _, rows, options, *_ = accuracy.render_track(ctx, {"plan_id": made["one"]}, None)
    assert {r["name"] for r in rows} == {"one", "two"}  # "three" has no actuals
    assert _offered(options) == ["a", "b", "x", "y"]

    with acting_as(store, "vic"):
        _, rows, options, *_ = accuracy.render_track(ctx, {"plan_id": made["one"]}, None)
    assert {r["name"] for r in rows} == {"one"}
    assert _offered(options) == ["a", "b"]


def test_a_team_chosen_is_kept_while_offered_and_dropped_once_it_is_not():
    store, made = _three_plans()
    ctx = SimpleNamespace(store=store)

    with acting_as(store, "olga"):
        fig, rows, options, *chosen = accuracy.render_track(ctx, {"plan_id": made["one"]}, "x")
    assert "team x" in fig.layout.title.text and "x" in _offered(options)
    assert {r["scope"] for r in rows} == {"overall", "team x"}
    assert chosen == ["x"]

    # vic sees plan "one" only: team x is not offered, so the record is shown for all teams
    with acting_as(store, "vic"):
        fig, rows, options, *chosen = accuracy.render_track(ctx, {"plan_id": made["one"]}, "x")
    assert _offered(options) == ["a", "b"]
    assert "all teams" in fig.layout.title.text
    assert [len(trace.y) for trace in fig.data] == [1, 1, 1]  # plan "one", overall
    assert {r["scope"] for r in rows} == {"overall", "team a", "team b"}
    assert chosen == [None]  # the picker is cleared
