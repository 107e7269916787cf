"""People change while a negotiation round is open: an admin demoted, an account added or
disabled, a lead gone or moved to another team. Each page and command says what happened and
what to do, instead of doing nothing or pointing at someone who cannot help."""

from __future__ import annotations

from dashboard.context import DashboardContext
from dashboard.pages import plans_accounts
from forecast.services import accounts
from forecast.store import MemoryStore
from tests.signin import PASSWORD, acting_as, add_accounts


def clicked(component_id: dict, clicks: int | None = 1) -> dict:
    """A click on the button `component_id` as the page passes it on (`relay.clicked`)."""
    return {**component_id, "clicks": clicks}


def _text(component: object) -> str:
    return str(getattr(component, "to_plotly_json", lambda: component)())


def test_a_former_admins_clicks_in_the_accounts_section_say_why_nothing_changed():
    store = MemoryStore()
    add_accounts(store, ["root", "olga", "piet"], admin=["root", "olga"])
    ctx = DashboardContext(_store=store)
    accounts.set_attributes(store, "olga", admin=False, actor="root")  # while olga's page is open
    said = "no longer an admin: nothing was changed"
    with acting_as(store, "olga"):
        calls = [
            plans_accounts.add_account(ctx, 1, "nina", None, PASSWORD, False, 4),
            plans_accounts.set_display_name(ctx, 1, "piet", "Piet P.", 4),
            plans_accounts.reset_password(ctx, 1, "piet", "another long password", 4),
        ]
        switch = clicked({"type": plans_accounts.SWITCH, "user": "piet", "to": "disable"})
        calls.append(plans_accounts.switch_account(ctx, switch, 4))
        admin = clicked({"type": plans_accounts.ADMIN_SWITCH, "user": "piet", "to": "admin"})
        calls.append(plans_accounts.switch_admin(ctx, admin, 4))
        for alert, refresh in calls:
            assert said in _text(alert)
            assert refresh == 5  # the section is drawn anew: hidden for a non-admin
        # a table drawn anew (no click) still answers nothing
        assert plans_accounts.add_account(ctx, None, "nina", None, PASSWORD, False, 4)[1] is (
            plans_accounts.no_update
        )
        assert plans_accounts.switch_account(ctx, None, 4)[1] is plans_accounts.no_update
    with acting_as(store, "piet"):
        # never an admin, so never shown the section: a forged click is answered with nothing
        forged = clicked({"type": plans_accounts.SWITCH, "user": "olga"})
        assert plans_accounts.switch_account(ctx, forged, 4) == (
            plans_accounts.no_update,
            plans_accounts.no_update,
        )
    assert store.get_account("nina") is None
    piet = store.get_account("piet")
    assert piet.active and not piet.is_admin and piet.display_name == "piet"
    assert store.get_account("olga").active


def test_the_accounts_alert_is_not_hidden_with_the_section():
    def ids(component: object) -> list[str]:
        found = [getattr(component, "id", None)]
        children = getattr(component, "children", None) or []
        for child in children if isinstance(children, list) else [children]:
            found += ids(child)
        return [i for i in found if isinstance(i, str)]

    layout = plans_accounts.section(DashboardContext(_store=MemoryStore()))
    hidden = next(c for c in layout.children if getattr(c, "id", None) == plans_accounts.SECTION)
    assert plans_accounts.ALERT in ids(layout) and plans_accounts.ALERT not in ids(hidden)


def test_the_members_editor_is_drawn_anew_when_an_account_is_added_or_disabled(tmp_path):
    """An admin adds nina (or disables piet) under Accounts: the members editor on the same
    page offers nina at once and marks piet "(disabled)", without a reload."""
    from dashboard.app import create_app
    from dashboard.pages import plans_members
    from tests.signin import callback_key

    app = create_app(data_dir=str(tmp_path / "data"))
    m = plans_members
    outputs = [f"{m.TABLE}.children", f"{m.USER}.options", f"{m.TEAM}.options"]
    editor = "..{}..".format("...".join([*outputs, f"{m.ADD}.disabled", f"{m.NOTE}.children"]))
    drawn = callback_key(app, editor, (plans_members.REFRESH, "data"))
    assert callback_key(app, editor, (plans_accounts.REFRESH, "data")) == drawn


def _round_with_claims(store: MemoryStore) -> str:
    """Owner olga, planner pia, leads lara (team a) and lena (team b), each with a claim."""
    from forecast.services import negotiation as nego
    from forecast.services import plan_members
    from tests.unit.test_services_negotiation import team_plan

    add_accounts(store, ["olga", "lara", "lena", "pia"])
    plan = team_plan(store, "round", {"a": "lara", "b": "lena"})
    plan_members.grant(store, plan, "olga", "pia", "planner")
    nego.set_goal(store, plan, "olga", ratio="10/6.5")
    nego.claim(store, plan, "lara", "a", amount="1000", note="new stores")
    nego.claim(store, plan, "lena", "b", amount="500", note="promo")
    return plan


def test_a_lead_who_left_is_not_named_as_the_one_to_ask():
    """`forecast user disable lara` (team a's lead left), then the owner withdraws team a's
    claim: the refusal told her to ask lara "to claim for it"; now it says to grant a new lead."""
    import pytest

    from forecast.cli.fix_hints import cli_message
    from forecast.services import negotiation as nego
    from forecast.services.errors import Fix, FixKey, ServiceError
    from forecast.services.negotiation_board import negotiation_board

    store = MemoryStore()
    plan = _round_with_claims(store)
    accounts.disable(store, "lara")
    with pytest.raises(ServiceError) as gone:
        nego.unclaim(store, plan, "olga", "a")
    assert gone.value.fix == Fix(FixKey.GRANT_LEAD, plan=plan, team="a")
    said = cli_message(gone.value)
    assert (
        "lead; team a's lead lara has left: the account is disabled; grant a lead with" in said
    ), said
    assert f"`forecast plan grant {plan} USER --role lead --team a`" in said
    assert "to claim for it" not in said
    board = negotiation_board(store, plan, "olga")
    assert board.actions.withdraw["a"].fix == Fix(FixKey.GRANT_LEAD, team="a")
    assert board.actions.claim["a"].fix == Fix(FixKey.GRANT_LEAD, team="a")
    with pytest.raises(ServiceError) as planner:  # a planner asks the owner to make them lead
        nego.unclaim(store, plan, "pia", "a")
    assert planner.value.fix == Fix(FixKey.ASK_FOR_LEAD, plan=plan, user="pia", team="a")


def test_the_owner_is_asked_to_have_the_lead_withdraw_not_claim():
    import pytest

    from forecast.cli.fix_hints import cli_message
    from forecast.services import negotiation as nego
    from forecast.services.errors import ServiceError

    store = MemoryStore()
    plan = _round_with_claims(store)
    with pytest.raises(ServiceError) as asked:
        nego.unclaim(store, plan, "olga", "b")
    assert cli_message(asked.value).endswith(
        f"ask lena, the lead of team b, to withdraw its claim (`forecast plan unclaim {plan} "
        "--team b`)"
    )


def test_a_lead_moved_to_another_team_while_typing_is_told_so_not_to_save_again():
    """Lena types team b's claim while the owner makes her lead of team c: her save is refused
    as stale, and the page said "press Save claim again", which the card then refused."""
    from dashboard.negotiation_parts import claims, common
    from forecast.services import plan_members
    from forecast.services.negotiation_board import negotiation_board

    store = MemoryStore()
    plan = _round_with_claims(store)
    ctx, session = DashboardContext(_store=store), {"plan_id": plan}
    shown = negotiation_board(store, plan, "lena").version
    plan_members.grant(store, plan, "olga", "lena", "lead", team="c")
    with acting_as(store, "lena"):
        alert, _, _ = claims.act(ctx, "b", "neg-claim-save", "900", "promo+", session, shown, 3)
    said = _text(alert)
    assert common.refused(alert)
    assert "You now lead team c, not team b: nothing was saved." in said, said
    assert "Save claim again" not in said
    shown = negotiation_board(store, plan, "lena").version
    plan_members.revoke(store, plan, "olga", "lena", "lead")
    with acting_as(store, "lena"):
        alert, _, _ = claims.act(ctx, "c", "neg-claim-withdraw", None, None, session, shown, 4)
    said = _text(alert)
    assert "You are no longer the lead of team c: the claim was not withdrawn." in said, said


def test_the_lead_change_since_a_version_is_the_services_answer():
    """`plan_members.lead_change_since`: what became of a lead's team since the page's version, for
    every face (the claims board words it)."""
    from forecast.services import negotiation as nego
    from forecast.services import plan_members, plans

    store = MemoryStore()
    plan = _round_with_claims(store)
    shown = plans.get_plan(store, plan).version
    assert plan_members.lead_change_since(store, plan, "lena", "b", shown) is None  # nothing since
    # her own change, not a member change
    nego.claim(store, plan, "lena", "b", amount="100", note="flyer")
    assert plan_members.lead_change_since(store, plan, "lena", "b", shown) is None
    plan_members.grant(store, plan, "olga", "lena", "lead", team="c")
    moved = plan_members.lead_change_since(store, plan, "lena", "b", shown)
    assert moved == plan_members.LeadChange(led="b", now="c")
    assert plan_members.lead_change_since(store, plan, "lena", "c", shown) is None  # leads c now
    plan_members.revoke(store, plan, "olga", "lena", "lead")
    assert plan_members.lead_change_since(
        store, plan, "lena", "c", shown
    ) == plan_members.LeadChange("c", None)
    assert plan_members.lead_change_since(store, plan, None, "c", shown) is None


def test_grant_and_revoke_take_a_name_in_other_capitals_as_the_account_it_matches():
    """`forecast plan grant PLAN Pia --role planner` refused "there is no account 'Pia'; an admin
    adds it with `forecast user add Pia`", a command refused in turn (pia is taken)."""
    from dataclasses import replace

    import pytest

    from forecast.services import plan_members, plans
    from forecast.services.errors import ServiceError

    store = MemoryStore()
    plan = _round_with_claims(store)
    add_accounts(store, ["kim"])
    plan_members.grant(store, plan, "olga", "Kim", "planner")
    assert "kim" in plans.get_plan(store, plan).members
    assert "Kim" not in plans.get_plan(store, plan).members
    plan_members.revoke(store, plan, "olga", "PIA", "planner")
    assert "pia" not in plans.get_plan(store, plan).members
    # a store from before such names were refused may hold lena and LENA: "Lena" is either
    store._accounts["LENA"] = replace(store.get_account("lena"), name="LENA")
    with pytest.raises(ServiceError) as either:
        plan_members.grant(store, plan, "olga", "Lena", "planner")
    said = str(either.value)
    assert "LENA, lena" in said and "user add" not in said, said


def test_a_plan_left_without_an_owner_in_a_store_without_an_admin_says_how_to_make_one(tmp_path):
    """`forecast user disable ann` in a store whose accounts are all plain ones: the note said
    to grant an owner `--as ADMIN`, and there was no admin to name."""
    from typer.testing import CliRunner

    from forecast.cli import app
    from forecast.services.store_factory import open_store
    from tests.integration.test_store import new_plan

    store = open_store(data_dir=tmp_path)
    for name in ("ann", "bea"):
        accounts.add_user(store, name, None)
    alone = new_plan(store, name="ann alone").plan_id
    store.close()
    done = CliRunner().invoke(app, ["user", "disable", "ann", "--data-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert f"ann was the only active owner of {alone} ('ann alone')" in done.output
    assert "no active account is an admin" in done.output, done.output
    assert "`forecast user set NAME --admin`" in done.output
    assert f"forecast plan grant {alone} USER --role owner --as ADMIN" in done.output


def test_the_admins_own_greyed_out_buttons_say_why():
    store = MemoryStore()
    add_accounts(store, ["root", "ada", "piet"], admin=["root", "ada"])
    table = plans_accounts.accounts_table(accounts.list_users(store), "root")
    rows = {row.children[0].children: row for row in table.children[1].children}
    own = rows["root"].children[3].children[:2]  # Disable, Take admin
    assert all(button.disabled for button in own)
    why = "you cannot disable or demote yourself; another admin can"
    assert all(button.title == why for button in own), [b.title for b in own]
    assert why in _text(rows["root"])  # said on the page too, not only on hover
    assert not any(getattr(b, "title", None) for b in rows["ada"].children[3].children)


def test_the_user_name_rule_says_which_letters():
    """`forecast user add zoë` was refused as using something else than "letters"."""
    import pytest

    from forecast.services.errors import Invalid

    with pytest.raises(Invalid) as refused:
        accounts.check_user_name("zoë")
    said = str(refused.value)
    assert "may use ASCII letters a-z (either case), digits and . _ @ + - only" in said, said
