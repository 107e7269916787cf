"""The CLI says when a system edit moved the basis of a negotiation whose goal is set: one `note:`
line on stderr naming the drift per team and `forecast plan rebase PLAN` (events, factors), and
`plan stretch` says that it judges targets set on the old basis against the current system
plan."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import negotiation
from forecast.services.store_factory import open_store
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

REBASE = "the owner rebases with `forecast plan rebase {plan}`"


@pytest.fixture
def plan(tmp_path) -> str:
    store = open_store(data_dir=tmp_path / "data")
    plan_id = weekly_team_plan(store, team_frames(weeks=60), name="drift").plan_id
    negotiation.set_goal(store, plan_id, "olga", ratio="1.1", basis="system_plan")
    store.close()
    return plan_id


def _cli(tmp_path, *args: str, acting: bool = True):
    who = ["--as", "olga"] if acting else []
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path / "data"), *who])
    assert result.exit_code == 0, result.output
    return result


def _horizon(tmp_path, plan: str) -> tuple[str, str]:
    store = open_store(data_dir=tmp_path / "data")
    try:
        ds = negotiation.series_frame(store, plan)["ds"]
    finally:
        store.close()
    return f"{ds.min():%Y-%m-%d}", f"{ds.max() + pd.Timedelta(days=6):%Y-%m-%d}"


def _add_c_promo(tmp_path, plan: str):
    first, last = _horizon(tmp_path, plan)
    return _cli(
        tmp_path, "plan", "event", "add", plan, "--name", "c promo", "--kind", "promotion",
        "--scope", "Team=c", "--start", first, "--end", last, "--percent", "25",
        "--reason", "flyer",
    )  # fmt: skip


def _drift_note(stderr: str) -> str:
    notes = [line for line in stderr.splitlines() if "basis is older" in line]
    assert len(notes) == 1, stderr
    return notes[0]


def test_event_commands_note_the_drift_per_team_and_the_rebase(tmp_path, plan):
    added = _add_c_promo(tmp_path, plan)
    note = _drift_note(added.stderr)
    assert note.startswith("note: the negotiation's basis is older than the current system plan")
    assert "(c +€" in note and note.endswith(REBASE.format(plan=plan))
    assert "basis is older" not in added.stdout  # the output stays what it was

    edited = _cli(tmp_path, "plan", "event", "edit", plan, "E1", "--percent", "10")
    assert "(c +€" in _drift_note(edited.stderr)

    removed = _cli(tmp_path, "plan", "event", "remove", plan, "E1", "--reason", "no flyer")
    # back on the basis the goal was set on: nothing to say
    assert "basis is older" not in removed.stderr

    restored = _cli(tmp_path, "plan", "event", "restore", plan, "E1")
    assert "(c +€" in _drift_note(restored.stderr)

    _cli(tmp_path, "plan", "rebase", plan)
    again = _cli(tmp_path, "plan", "event", "edit", plan, "E1", "--percent", "12")
    assert "(c +€" in _drift_note(again.stderr)  # it moved again, after the rebase


def test_an_event_before_the_goal_or_on_a_baseline_goal_says_nothing(tmp_path):
    store = open_store(data_dir=tmp_path / "data")
    plan = weekly_team_plan(store, team_frames(weeks=60), name="quiet").plan_id
    store.close()
    assert "basis is older" not in _add_c_promo(tmp_path, plan).stderr  # no goal yet
    _cli(tmp_path, "plan", "goal", plan, "--ratio", "1.1", "--basis", "baseline")
    edited = _cli(tmp_path, "plan", "event", "edit", plan, "E1", "--percent", "10")
    assert "basis is older" not in edited.stderr  # events do not move the baseline


def test_mark_factor_notes_the_drift(tmp_path, plan):
    history_end = pd.Timestamp("2023-01-06") + pd.Timedelta(weeks=50)
    marked = _cli(
        tmp_path, "plan", "mark-factor", plan, "--name", "became a hit", "--ids", "c0",
        "--start", f"{history_end:%Y-%m-%d}", "--model", "snaive",
    )  # fmt: skip
    note = _drift_note(marked.stderr)
    assert note.startswith(
        "note: the negotiation's basis is older than the current system plan (c "
    )
    assert note.endswith(REBASE.format(plan=plan))


def test_plan_stretch_says_it_judges_old_targets_against_the_moved_system_plan(tmp_path, plan):
    quiet = _cli(tmp_path, "plan", "stretch", plan, acting=False)
    assert "basis" not in quiet.stderr
    _add_c_promo(tmp_path, plan)
    stretch = _cli(tmp_path, "plan", "stretch", plan, acting=False)
    note = _drift_note_of_stretch(stretch.stderr)
    assert "P(reach) judges them against the current system plan" in note
    assert "(c +€" in note and note.endswith(REBASE.format(plan=plan))


def _drift_note_of_stretch(stderr: str) -> str:
    notes = [line for line in stderr.splitlines() if "the targets rest on" in line]
    assert len(notes) == 1, stderr
    assert notes[0].startswith("note: the targets rest on the system plan the goal was set on")
    return notes[0]


def test_event_import_notes_the_drift_and_a_dry_run_does_not(tmp_path, plan):
    first, last = _horizon(tmp_path, plan)
    calendar = tmp_path / "calendar.csv"
    calendar.write_text(
        "name,kind,scope,start,end,effect,value,reason\n"
        f"c promo,promotion,Team=c,{first},{last},percent,25,flyer\n"
    )
    checked = _cli(tmp_path, "plan", "event", "import", plan, str(calendar), "--dry-run")
    assert "basis is older" not in checked.stderr  # nothing written, nothing moved
    imported = _cli(tmp_path, "plan", "event", "import", plan, str(calendar))
    note = _drift_note(imported.stderr)
    assert "(c +€" in note and note.endswith(REBASE.format(plan=plan))


def test_a_drift_note_that_cannot_be_read_leaves_the_saved_command_a_success(
    tmp_path, plan, monkeypatch
):
    """The note is read after the change is saved: a refusal while reading it (the plan gone
    meanwhile, say) must not turn the saved change into a failed command."""
    from forecast.services import basis_drift
    from forecast.services.errors import NotFound

    def unreadable(store, plan_id):
        raise NotFound(f"no plan {plan_id!r}")

    monkeypatch.setattr(basis_drift, "basis_drift", unreadable)
    added = _add_c_promo(tmp_path, plan)  # exit 0, checked by _cli
    assert "added" in added.stdout and "basis is older" not in added.stderr
    store = open_store(data_dir=tmp_path / "data")
    try:
        assert negotiation.summary(store, plan)["drifted_teams"] == ["c"]  # the event is saved
    finally:
        store.close()
