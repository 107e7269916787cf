"""A member whose lead role was revoked keeps the team it recorded, but leads it no more: the
CLI names a member's team only with the lead role (`plan_members.team_led_by`), as the dashboard's
member label does, in `plan show`, `plan members`, `plan grant` and `plan copy-members`."""

from __future__ import annotations

import pytest
from test_services_negotiation import team_plan
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import plan_members, plans
from forecast.services.store_factory import open_store


@pytest.fixture
def revoked(tmp_path) -> tuple[str, str, str]:
    """(data dir, plan, next plan): on both plans fiona, planner, led team b until her lead role
    was revoked (the team stays recorded); anna leads team a on the first."""
    store = open_store(data_dir=tmp_path)
    plan = team_plan(store, "spring", {"a": "anna", "b": "fiona"})
    nxt = team_plan(store, "summer", {"b": "fiona"})
    for plan_id in (plan, nxt):
        plan_members.grant(store, plan_id, "olga", "fiona", "planner")
        plan_members.revoke(store, plan_id, "olga", "fiona", "lead")
        assert plans.get_plan(store, plan_id).team_of("fiona") == "b"
    store.close()
    return str(tmp_path), plan, nxt


def _run(data_dir: str, *args: str) -> str:
    done = CliRunner().invoke(app, [*args, "--data-dir", data_dir])
    assert done.exit_code == 0, done.output
    return done.output


def test_a_revoked_leads_team_is_not_shown_as_if_she_led_it(revoked):
    data_dir, plan, nxt = revoked
    shown = _run(data_dir, "plan", "show", plan)
    assert "anna (lead a), fiona (planner)" in shown
    listed = [
        " ".join(line.split()) for line in _run(data_dir, "plan", "members", plan).split("\n")
    ]
    assert "anna lead of team a" in listed and "fiona planner" in listed
    copied = _run(data_dir, "plan", "copy-members", nxt, "--from", plan, "--as", "olga")
    assert "  anna: lead of team a\n" in copied and "  fiona: planner\n" in copied
    granted = _run(data_dir, "plan", "grant", plan, "fiona", "--role", "owner", "--as", "olga")
    assert granted.startswith(f"fiona is now planner+owner on plan {plan} ")
