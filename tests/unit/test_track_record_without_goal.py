"""A plan scored before any goal is set has no negotiated target: the track record gives it no
verdict, and says none, rather than a NaN that reads as one ("– by nan pts")."""

from __future__ import annotations

from test_actuals_scale import as_csv, forecast_times, make_plan
from typer.testing import CliRunner

from forecast.cli import accuracy_cmds, app
from forecast.services import accuracy, actuals, negotiation
from forecast.store import MemoryStore


def _scored_without_goal() -> MemoryStore:
    """Two scored plans: "scaled 1" with a goal (a verdict) and "scaled 2" without one."""
    store = MemoryStore()
    for scale in (1, 2):
        plan = make_plan(store, scale)
        if scale == 1:
            negotiation.set_goal(store, plan, "olga", ratio="1.1")
        weeks = forecast_times(store, plan, 1.1)
        actuals.upload_actuals(store, plan, as_csv(weeks), filename="a.csv", actor="olga")
    return store


def test_a_plan_without_goal_has_no_verdict_in_the_track_record():
    table = accuracy.track_record(_scored_without_goal())

    with_goal = table[table["name"] == "scaled 1"]
    without_goal = table[table["name"] == "scaled 2"]
    assert with_goal["closer"].notna().all()
    assert not without_goal.empty
    assert without_goal["closer"].tolist() == [None] * len(without_goal)


def test_the_track_record_text_of_a_plan_without_goal_names_no_margin(monkeypatch, tmp_path):
    store = _scored_without_goal()
    monkeypatch.setattr(accuracy_cmds, "open_plan_store", lambda *args, **kwargs: store)

    result = CliRunner().invoke(app, ["track-record", "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    without_goal = [line for line in result.stdout.splitlines() if "scaled 2" in line]
    assert without_goal and all(
        "nan" not in line and not line.endswith(" pts") for line in without_goal
    )
