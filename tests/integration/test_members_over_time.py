"""A team runs the product for months: people leave (their accounts disabled), plans change
hands. The members of a plan stay manageable: an admin can change them on any plan, the last
owner who can still sign in stays, and a disabled account is not put back on a plan unnoticed.
On a real SQLite file and PostgreSQL (the store's accounts and plans together)."""

from __future__ import annotations

import pytest

from forecast.services import accounts, plan_access, plan_members, plans
from forecast.services.errors import Conflict, Forbidden
from tests.integration.test_store import make_store, new_plan, store  # noqa: F401 - fixtures

PASSWORD = "a long enough password"


def _team(store):  # noqa: F811
    """A plan owned by olga (created by ann, who hands it over), piet a planner, root an admin."""
    for name in ("ann", "olga", "piet", "lead-a"):
        accounts.add_user(store, name, PASSWORD)
    accounts.add_user(store, "root", PASSWORD, admin=True)
    state = new_plan(store)
    plan_members.grant(store, state.plan_id, "ann", "olga", "owner")
    plan_members.revoke(store, state.plan_id, "olga", "ann", "owner")
    plan_members.grant(store, state.plan_id, "olga", "piet", "planner")
    return state.plan_id


def test_an_admin_hands_the_plan_of_an_owner_who_left_to_someone_else(store):  # noqa: F811
    """The only owner left (disabled): `plan grant --as root` was refused ("needs the owner
    role"), and only re-enabling the leaver helped."""
    plan = _team(store)
    accounts.disable(store, "olga")

    with pytest.raises(Forbidden, match="needs the owner role .* or an admin account"):
        plan_members.grant(store, plan, "piet", "piet", "owner")  # a planner cannot take it over
    plan_members.grant(store, plan, "root", "piet", "owner")
    state = plan_members.revoke(store, plan, "root", "olga", "owner")

    assert state.has_role("piet", "owner") and not state.has_role("olga", "owner")
    rows = plans.audit_log(store, plan)[-2:]
    assert [r.actor for r in rows] == ["root", "root"]
    assert rows[0].what == "grant owner to piet (as admin)"
    assert rows[1].what == "revoke owner from olga (as admin)"
    # the members editor offers it to the admin, not to the planner
    state = plans.get_plan(store, plan)
    assert plan_access.members_permission(state, "root", admin=True).allowed
    assert not plan_access.members_permission(state, "lead-a").allowed


def test_an_admin_copies_members_between_plans_they_do_not_own(store):  # noqa: F811
    plan = _team(store)
    other = new_plan(store, "summer").plan_id
    state, _ = plan_members.copy_members(store, other, "root", plan)
    assert state.has_role("olga", "owner") and state.has_role("piet", "planner")
    assert plans.audit_log(store, other)[-1].what.endswith("(as admin)")
    assert {s.plan_id for s in plan_access.member_sources(store, other, "root")} == {plan}


def test_the_last_owner_who_can_sign_in_cannot_leave_the_plan_to_a_disabled_one(store):  # noqa: F811
    """olga (owner) made piet co-owner and left; piet then gave up the owner role: the plan's
    only owner was a disabled account."""
    plan = _team(store)
    plan_members.grant(store, plan, "olga", "piet", "owner")
    accounts.disable(store, "olga")

    with pytest.raises(Conflict, match="piet is the only owner .* whose account is active"):
        plan_members.revoke(store, plan, "piet", "piet", "owner")
    # removing the disabled owner is fine: piet stays
    state = plan_members.revoke(store, plan, "piet", "olga", "owner")
    assert [u for u in state.members if state.has_role(u, "owner")] == ["piet"]


def test_plan_grant_as_an_admin_on_the_command_line(tmp_path):
    """`forecast plan grant PLAN piet --role owner --as root` exited 3 ("root may not grant
    roles ... needs the owner role") once the only owner was disabled."""
    from typer.testing import CliRunner

    from forecast.cli import app
    from forecast.services.store_factory import open_store

    opened = open_store(data_dir=tmp_path)
    plan = _team(opened)
    opened.close()
    run = CliRunner().invoke
    assert run(app, ["user", "disable", "olga", "--data-dir", str(tmp_path)]).exit_code == 0
    granted = run(
        app,
        ["plan", "grant", plan, "piet", "--role", "owner", "--as", "root"]
        + ["--data-dir", str(tmp_path)],
    )
    assert granted.exit_code == 0, granted.output
    assert "piet is now planner+owner" in granted.stdout


def test_a_disabled_account_gets_no_role_and_is_not_copied_back_onto_a_plan(store):  # noqa: F811
    """lead-a left (disabled): `plan grant NEW lead-a --role planner` succeeded and
    `plan copy-members NEW --from OLD` put them back as lead, with no note."""
    from forecast.services.errors import Invalid

    old = _team(store)
    plan_members.grant(store, old, "olga", "lead-a", "lead", team="north")
    new = new_plan(store, "summer").plan_id
    accounts.disable(store, "lead-a")

    with pytest.raises(Invalid, match="'lead-a' is disabled.*`forecast user enable lead-a`"):
        plan_members.grant(store, new, "ann", "lead-a", "planner")
    state, notes = plan_members.copy_members(store, new, "root", old)

    assert "lead-a" not in state.members and state.has_role("piet", "planner")
    assert notes == ["lead-a (lead of team north) left out: the account is disabled"]
    assert "lead-a (lead of team north) left out" in plans.audit_log(store, new)[-1].what
    assert plan_access.disabled_members(store, plans.get_plan(store, old)) == {"lead-a"}


def test_the_members_lists_mark_a_disabled_member(store):  # noqa: F811
    """The members table, the claims board's "lead: X" and the CLI never said a member had
    left."""
    from dashboard.negotiation_parts.claims import leads_text
    from forecast.services.negotiation_board import negotiation_board

    plan = _team(store)
    plan_members.grant(store, plan, "olga", "lead-a", "lead", team="north")
    accounts.disable(store, "lead-a")

    board = negotiation_board(store, plan, "olga")
    north = next(c for c in board.cards if c.team == "north")
    assert north.disabled_leads == ("lead-a",)
    assert leads_text(north) == "lead-a (disabled)"
    south = next(c for c in board.cards if c.team == "south")
    assert leads_text(south) == "none"


def test_plan_members_and_copy_members_on_the_command_line_say_who_is_disabled(tmp_path):
    import json

    from typer.testing import CliRunner

    from forecast.cli import app
    from forecast.services.store_factory import open_store

    opened = open_store(data_dir=tmp_path)
    old = _team(opened)
    plan_members.grant(opened, old, "olga", "lead-a", "lead", team="north")
    new = new_plan(opened, "summer").plan_id
    opened.close()

    def run(*args: str):
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)])

    assert run("user", "disable", "lead-a").exit_code == 0
    listed = run("plan", "members", old)
    assert listed.exit_code == 0, listed.output
    assert "lead-a" in listed.stdout and "lead of team north  (account disabled)" in listed.stdout
    rows = json.loads(run("plan", "members", old, "--json").stdout)
    assert {r["user"]: r["active"] for r in rows}["lead-a"] is False
    assert "lead-a (lead account disabled)" not in run("plan", "show", old).stdout
    assert "lead-a (lead north, account disabled)" in run("plan", "show", old).stdout

    copied = run("plan", "copy-members", new, "--from", old, "--as", "root", "--json")
    assert copied.exit_code == 0, copied.output
    assert json.loads(copied.stdout)["left_out"] == [
        "lead-a (lead of team north) left out: the account is disabled"
    ]
    refused = run("plan", "grant", new, "lead-a", "--role", "planner", "--as", "ann")
    assert refused.exit_code == 2 and "forecast user enable lead-a" in refused.output
