"""The Negotiation page without a browser: the service's read model (`negotiation_board`), the
domain's permissions it carries, and the page's pure builders and small callbacks called directly
(the wiring is covered by tests/e2e/test_negotiation.py)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_services_negotiation import HORIZON, team_frames, team_plan
from test_services_rebase import promote_team_c

from dashboard import components, figures
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import claims, common, goal, periods, view
from forecast.services import negotiation as nego
from forecast.services import system
from forecast.services.negotiation_board import WaterfallSteps, negotiation_board
from forecast.services.plan_create import create_plan_from_frames
from forecast.services.plan_members import grant
from forecast.store import MemoryStore
from tests.signin import acting_as
from tests.unit.test_fix_hints import text_of


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def plan_id(store):
    return team_plan(store, "board", {"a": "anna", "c": "carl"})


def _text(component) -> str:
    return json.dumps(component.to_plotly_json() if component is not None else None, default=str)


def test_parse_goal_accepts_amounts_and_ratios():
    assert common.parse_goal("10/6.5") == {"ratio": "10/6.5"}
    assert common.parse_goal("1.5x") == {"ratio": "1.5"}
    assert common.parse_goal("€1,500,000.50") == {"total": "€1,500,000.50"}
    assert common.parse_goal("720.000.000 €") == {"total": "720.000.000 €"}
    assert common.parse_goal("  ") == {}


def test_a_ratio_typed_without_its_x_is_refused_not_set_as_a_tiny_goal(store, plan_id):
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    with acting_as(store, "olga"):
        alert, _ = goal.set_goal(ctx, 1, "1.1", "baseline", False, [], session, None, 0)
        assert common.refused(alert)
        said = text_of(alert)
        assert "type it as 1.2x or 10/6.5" in said and "€1.10 is 0.0 % of the baseline" in said
        assert nego.summary(store, plan_id)["goal"] is None
        alert, _ = goal.set_goal(ctx, 1, "1.1x", "baseline", False, [], session, None, 0)
    assert "the claiming round is open" in _text(alert)
    nego.set_goal(store, plan_id, "olga", total="1.10")  # the command line's --total: as typed
    assert nego.summary(store, plan_id)["goal"] == 110


def test_before_a_goal_only_the_owner_may_set_it(store, plan_id):
    owner = negotiation_board(store, plan_id, "olga")
    lead = negotiation_board(store, plan_id, "anna")
    assert not owner.has_goal and owner.stage == "draft"
    assert owner.teams == ("a", "b", "c")
    assert owner.actions.set_goal.allowed
    assert not owner.actions.close_round.allowed
    assert not lead.actions.set_goal.allowed
    assert "only the plan owner" in lead.actions.set_goal.why_not
    assert "anna cannot set the goal, close, assign or lock" in lead.actions.owner_decisions.why_not
    # No basis yet: each card shows its team's system plan, not "basis €0".
    _, system = nego.current_totals(store, nego.get_plan(store, plan_id))
    for card in owner.cards:
        assert card.system_plan == system[card.team] > 0
        shown = _text(claims.team_card(card))
        assert "no goal yet" in shown and "basis €0" not in shown


def test_a_lead_may_claim_only_for_their_own_team_while_the_round_is_open(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    board = negotiation_board(store, plan_id, "anna")
    cards = {c.team: c for c in board.cards}
    assert cards["a"].can_claim.allowed
    assert not cards["c"].can_claim.allowed
    assert "cannot claim for team 'c'" in cards["c"].can_claim.why_not
    assert cards["c"].leads == ("carl",)
    assert not cards["a"].can_withdraw.allowed  # nothing claimed yet
    nego.claim(store, plan_id, "anna", "a", **claims.claim_arguments("€10,000"), note="flyer")
    board = negotiation_board(store, plan_id, "anna")
    card = {c.team: c for c in board.cards}["a"]
    assert card.claim == 1_000_000 and card.can_withdraw.allowed
    # grouped as the period grid's goals, and read back as typed
    assert claims._claim_inputs(card, True, "EUR")[0].value == "10,000.00"
    assert claims._claim_inputs(card, True, "JPY")[0].value == "10,000"  # whole yen, as typed
    assert board.claimed == 1_000_000
    assert "Claim / basis" in json.dumps(view.ledger_columns())
    nego.close_round(store, plan_id, "olga")
    card = {c.team: c for c in negotiation_board(store, plan_id, "anna").cards}["a"]
    assert not card.can_claim.allowed and "stage 'assigning'" in card.can_claim.why_not


def test_a_large_claim_shows_grouped_and_exact_and_saves_back_unchanged(store, plan_id):
    """The claim box showed 1234567890123 minor units as 12345678901.23 (a float division):
    it now reads 12,345,678,901.23, and pressing Save on it as shown keeps the same claim."""
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.claim(store, plan_id, "anna", "a", **claims.claim_arguments("12,345,678,901.23"), note="x")
    card = {c.team: c for c in negotiation_board(store, plan_id, "anna").cards}["a"]
    shown = claims._claim_inputs(card, True, "EUR")[0].value
    assert shown == "12,345,678,901.23"
    nego.claim(store, plan_id, "anna", "a", **claims.claim_arguments(shown), note="as shown")
    again = {c.team: c for c in negotiation_board(store, plan_id, "anna").cards}["a"]
    assert again.claim == card.claim == 1_234_567_890_123


def test_a_claim_given_as_a_percent_is_passed_as_one():
    assert claims.claim_arguments("2.5%") == {"amount": None, "percent": "2.5"}
    assert claims.claim_arguments(" $25,000 ") == {"amount": "$25,000", "percent": None}


def test_the_owner_may_reopen_a_closed_round_and_a_lead_may_not(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.claim(store, plan_id, "anna", "a", amount="10000", note="flyer")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")  # locking needs it
    assert not negotiation_board(store, plan_id, "anna").actions.reopen_round.allowed
    owner = negotiation_board(store, plan_id, "olga")
    assert owner.actions.reopen_round.allowed and owner.actions.lock.allowed
    assert not owner.actions.close_round.allowed
    assert owner.rule_label == "pro rata to basis"
    out = view.outputs(owner, "pro_rata_baseline")
    assert len(out) == len(view.RENDER_OUTPUTS)
    disabled = dict(
        zip([o.component_id for o in view.RENDER_OUTPUTS[10:16]], out[10:16], strict=True)
    )
    assert disabled == {
        "neg-set-goal": True,
        "neg-close": True,
        "neg-assign": False,
        "neg-lock": False,
        "neg-reopen": False,
        "neg-rebase": True,  # nothing moved
    }


def test_lock_needs_the_remainder_assigned(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.close_round(store, plan_id, "olga")
    lock = negotiation_board(store, plan_id, "olga").actions.lock
    assert not lock.allowed and "assign the remainder before locking" in lock.why_not


def test_the_lock_button_of_a_draft_says_to_publish_first_and_a_click_is_refused(store, plan_id):
    from dashboard.negotiation_parts import decisions

    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    lock = negotiation_board(store, plan_id, "olga").actions.lock
    assert not lock.allowed and "while its system plan is a draft" in lock.reason
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    with acting_as(store, "olga"):
        alert, _, changed = decisions.lock(ctx, 1, session, None, 0, 0)
    shown = _text(alert)
    assert common.refused(alert) and "while its system plan is a draft" in shown
    assert "Publish the system plan" in shown and "System plan page" in shown
    assert nego.summary(store, plan_id)["stage"] == "assigning"
    system.publish(store, plan_id, "olga")
    assert negotiation_board(store, plan_id, "olga").actions.lock.allowed
    with acting_as(store, "olga"):
        alert, _, changed = decisions.lock(ctx, 1, session, None, 0, 0)
    assert not common.refused(alert) and "agreed and locked" in _text(alert)


def test_drift_shows_on_the_board_and_the_owner_may_rebase(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    promote_team_c(store, plan_id)
    board = negotiation_board(store, plan_id, "olga")
    assert board.drifted_teams == ("c",)
    assert board.actions.rebase.allowed
    assert not negotiation_board(store, plan_id, "anna").actions.rebase.allowed
    card = {c.team: c for c in board.cards}["c"]
    assert card.drift == board.drift_total > 0
    banner = _text(view.drift_banner(board))
    assert "The basis moved" in banner and "not rebased" in banner
    assert _rebase_button(board) == {"disabled": False, "color": "warning", "outline": False}
    lead_sees = _rebase_button(negotiation_board(store, plan_id, "anna"))
    assert lead_sees == {"disabled": True, "color": "secondary", "outline": True}
    nego.rebase(store, plan_id, "olga")
    board = negotiation_board(store, plan_id, "olga")
    assert board.drifted_teams == () and not board.actions.rebase.allowed
    assert "The basis moved" not in _text(view.drift_banner(board))
    assert _rebase_button(board) == {"disabled": True, "color": "secondary", "outline": True}


def _rebase_button(board) -> dict:
    """The Rebase button's properties as the render writes them for this board."""
    written = zip(view.RENDER_OUTPUTS, view.outputs(board, None), strict=True)
    return {o.component_property: v for o, v in written if o.component_id == "neg-rebase"}


def test_the_rebase_button_looks_disabled_when_there_is_nothing_to_rebase():
    assert view.rebase_button_look(True) == ("warning", False)
    assert view.rebase_button_look(False) == ("secondary", True)


def test_the_waterfall_walks_from_the_basis_to_the_goal_on_an_axis_from_zero(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.claim(store, plan_id, "anna", "a", amount="100000000", note="range")
    steps = negotiation_board(store, plan_id, "olga").waterfall
    assert steps is not None
    assert steps.basis_total == 650_000_000_000 and steps.goal == 700_000_000_000
    assert steps.claims == {"a": 10_000_000_000} and steps.assigned == {}
    fig = view.waterfall(steps)
    assert fig.layout.yaxis.range[0] == 0
    assert list(fig.data[0].x) == ["Baseline", "Claim a", "Still open", "Goal"]
    assert figures.empty_figure("x") is not None


def test_a_kept_over_subscription_shows_in_the_waterfall_and_the_cards(store, plan_id):
    """Claims over the gap kept at the close: the waterfall ends at goal + kept (not "Still
    open" below zero at the goal), and the cards say the targets exceed the goal by it."""
    nego.set_goal(store, plan_id, "olga", total="7000000000")  # gap 500,000,000
    nego.claim(store, plan_id, "anna", "a", amount="400000000", note="range")
    nego.claim(store, plan_id, "carl", "c", amount="150000000", note="shop fit")
    before = text_of(view.stat_cards(negotiation_board(store, plan_id, "olga")))
    assert "claims exceed the gap by €50,000,000: closing the round keeps them" in before
    nego.close_round(store, plan_id, "olga", oversubscribed="keep")
    board = negotiation_board(store, plan_id, "olga")
    assert board.kept_over == 5_000_000_000 and board.open_remainder == 0
    fig = view.waterfall(board.waterfall)
    wf = fig.data[0]
    assert "Still open" not in list(wf.x)
    assert list(wf.x)[-3:] == ["Goal", "Kept over goal", "Targets (goal + kept)"]
    assert wf.y[-1] == pytest.approx(7_050_000_000.0)
    cards = text_of(view.stat_cards(board))
    assert "targets exceed the goal by €50,000,000" in cards, cards
    assert "targets €7,050,000,000" in cards


def _claim_box(cards, team: str, kind: str = "neg-claim-amount"):
    """The value of one team's claim box in the rendered cards."""
    found = []

    def walk(node):
        if isinstance(node, list | tuple):
            for n in node:
                walk(n)
        elif node is not None and not isinstance(node, str | int | float):
            if getattr(node, "id", None) == {"type": kind, "team": team}:
                found.append(node.value)
            walk(getattr(node, "children", None))

    walk(cards)
    assert len(found) == 1
    return found[0]


def test_a_stale_claim_keeps_what_the_lead_typed_and_says_the_change_was_another_team(
    store, plan_id
):
    """Anna types a claim while Carl saves his: her save is refused as stale, the page renders
    the new version with her typing still in team a's boxes and says Carl's change does not
    touch team a; pressing Save claim again saves it."""
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    shown = negotiation_board(store, plan_id, "anna").version
    nego.claim(store, plan_id, "carl", "c", amount="5000", note="shop fit")
    with acting_as(store, "anna"):
        alert, refresh, kept = claims.act(
            ctx, "a", "neg-claim-save", "777777", "new range", session, shown, 3
        )
    assert common.refused(alert) and refresh == 4
    said = text_of(alert)
    assert "does not touch team a" in said and "carl" in said, said
    assert "Press Save claim again" in said
    board = negotiation_board(store, plan_id, "anna")
    cards = view.outputs(board, None, kept)[4]
    assert _claim_box(cards, "a") == "777777"
    assert _claim_box(cards, "a", "neg-claim-note") == "new range"
    assert _claim_box(cards, "c") == "5,000.00"  # Carl's change shows
    with acting_as(store, "anna"):
        alert, _, kept = claims.act(
            ctx, "a", "neg-claim-save", "777777", "new range", session, board.version, 4
        )
    assert not common.refused(alert) and kept is None
    assert negotiation_board(store, plan_id, "anna").cards[0].claim == 77_777_700


def test_a_claim_refused_for_its_amount_keeps_what_the_lead_typed(store, plan_id):
    """A typo refused by the service ("12o0", a letter o for a zero) stays in the box to correct, not the saved value."""
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.claim(store, plan_id, "anna", "a", amount="5000", note="flyer")
    version = negotiation_board(store, plan_id, "anna").version
    with acting_as(store, "anna"):
        alert, _, kept = claims.act(ctx, "a", "neg-claim-save", "12o0", "more", session, version, 0)
    assert common.refused(alert) and "not a number" in text_of(alert)
    cards = view.outputs(negotiation_board(store, plan_id, "anna"), None, kept)[4]
    assert _claim_box(cards, "a") == "12o0" and _claim_box(cards, "a", "neg-claim-note") == "more"


def test_a_stale_claim_after_a_change_to_the_same_team_says_so_and_keeps_the_typing(store, plan_id):
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    shown = negotiation_board(store, plan_id, "anna").version
    nego.set_goal(store, plan_id, "olga", ratio="11/6.5")  # every team's numbers move
    with acting_as(store, "anna"):
        alert, _, kept = claims.act(ctx, "a", "neg-claim-save", "777777", "x", session, shown, 0)
    said = text_of(alert)
    assert common.refused(alert) and "touches team a" in said and "olga" in said, said
    cards = view.outputs(negotiation_board(store, plan_id, "anna"), None, kept)[4]
    assert _claim_box(cards, "a") == "777777"
    # a later change renders what is saved: the kept typing was for that version only
    nego.claim(store, plan_id, "carl", "c", amount="5000", note="shop fit")
    cards = view.outputs(negotiation_board(store, plan_id, "anna"), None, kept)[4]
    assert _claim_box(cards, "a") is None


def test_every_ratio_the_goal_box_advises_is_one_it_takes(store):
    """`1/0` is refused with examples of a ratio; each example typed in the same box sets the
    goal (`154%` was refused as "not a number", a plain `1.5` is €1.50 there)."""
    ctx = DashboardContext(_store=store)
    first = team_plan(store, "advice", {})
    with acting_as(store, "olga"):
        alert, _ = goal.set_goal(ctx, 1, "1/0", "baseline", False, [], {"plan_id": first}, None, 0)
    said = text_of(alert)
    assert common.refused(alert) and "is not a ratio" in said, said
    advised = re.search(r"give e\.g\. (.+?), (.+?) or (.+?)\.$", said)
    assert advised, said
    for n, example in enumerate(advised.groups()):
        plan = team_plan(store, f"advice {n}", {})
        with acting_as(store, "olga"):
            alert, _ = goal.set_goal(
                ctx, 1, example, "baseline", False, [], {"plan_id": plan}, None, 0
            )
        assert not common.refused(alert), (example, text_of(alert))
        assert nego.summary(store, plan)["goal"] > 650_000_000_000 * 1.2, example


def test_a_claim_percent_with_a_decimal_comma_is_read_like_an_amounts_decimal_comma(store, plan_id):
    """`1.000,50` is an amount with a decimal comma; `12,5%` is 12.5 % of the basis alike."""
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    assert claims.claim_arguments("12,5%") == {"amount": None, "percent": "12.5"}
    assert claims.claim_arguments("1,000%")["percent"] == "1,000"  # thousands: left to refuse
    with acting_as(store, "anna"):
        alert, *_ = claims._save(ctx, "a", "12,5 %", "flyer", session, None, 0)
    assert not common.refused(alert), text_of(alert)
    card = negotiation_board(store, plan_id, "anna").cards[0]
    assert card.claim == card.basis // 8


def test_period_goal_rows_follow_the_typed_goal():
    basis = {"2015-08-09": 100.0, "2015-08-02": 300.0}
    rows = periods.period_goal_rows(basis, {"ratio": "10/5"})
    assert [r["ds"] for r in rows] == ["2015-08-02", "2015-08-09"]
    assert [r["goal"] for r in rows] == [600.0, 200.0]
    assert [r["goal"] for r in periods.period_goal_rows(basis, {"total": "1000"})] == [750.0, 250.0]
    typed = periods.period_goal_rows(basis, {"total": "$1,000.00"}, "USD")
    assert [r["goal"] for r in typed] == [750.0, 250.0] and typed[0]["cur"] == "$"
    assert [r["goal"] for r in periods.period_goal_rows(basis, {})] == [300.0, 100.0]
    assert periods.per_period_goals(rows) == {"2015-08-02": "600.0", "2015-08-09": "200.0"}


def test_owner_sets_a_goal_split_by_period(store, plan_id):
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    with acting_as(store, "olga"):
        style, rows = periods.fill(ctx, True, "baseline", "1.1x", session)
        assert style == {"display": "block"}
        assert len(rows) == HORIZON and all(r["goal"] > r["basis"] > 0 for r in rows)
        rows[0]["goal"] = round(rows[0]["goal"] + 1234.56, 2)
        alert, refresh = goal.set_goal(ctx, 1, "1.1x", "baseline", True, rows, session, None, 0)
        assert "the claiming round is open" in _text(alert) and refresh == 1
        expected = sum(round(r["goal"] * 100) for r in rows)
        assert nego.summary(store, plan_id)["goal"] == expected
        style, again = periods.fill(ctx, True, "baseline", "", session)
        assert sum(r["goal"] for r in again) == pytest.approx(expected / 100, abs=0.05)


def test_a_refused_edit_says_why_and_changes_nothing(store, plan_id):
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id, "user": "olga"}  # the browser's word is not looked at
    with acting_as(store, "anna"):
        alert, _ = goal.set_goal(ctx, 1, "10/6.5", "baseline", False, [], session, None, 0)
    assert common.refused(alert)
    assert nego.summary(store, plan_id)["goal"] is None


def test_a_dollar_plan_shows_dollars_and_what_the_probabilities_rest_on(store):
    history, attributes, baseline = team_frames()
    state = create_plan_from_frames(
        store,
        name="usd board",
        history=history,
        attributes=attributes,
        freq="W-FRI",
        horizon=HORIZON,
        team_attr="Team",
        actor="olga",
        baseline=baseline,
        currency="USD",
    )
    grant(store, state.plan_id, "olga", "anna", "lead", team="a")
    nego.set_goal(store, state.plan_id, "olga", ratio="1.1")
    nego.claim(store, state.plan_id, "anna", "a", amount="$1,234.50", note="flyer")
    board = negotiation_board(store, state.plan_id, "olga")
    assert board.currency == "USD"
    assert board.stretch_note.startswith("Probability to reach")
    stage, _drift, cards, fig, team_cards, rows, *_ = view.outputs(board, None)
    shown = _text(dbc_row(cards)) + _text(dbc_row(team_cards))
    assert "$1,234" in shown and "€" not in shown
    assert board.stretch_note in _text(dbc_row(team_cards))
    assert {r["cur"] for r in rows} == {"$"}
    assert "€" not in json.dumps(fig.to_plotly_json(), default=str, ensure_ascii=False)
    assert "$" in goal.goal_message(board.goal or 0, board.basis_total, board.currency)


def dbc_row(children):
    import dash_bootstrap_components as dbc

    return dbc.Row(children)


def test_a_goal_below_the_system_plan_is_warned_on_the_page_and_after_setting_it(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="0.8")
    board = negotiation_board(store, plan_id, "olga")
    assert board.goal_shortfall == board.system_plan_total - board.goal > 0
    banner = _text(view.drift_banner(board))
    assert (
        "neg-goal-below-alert" in banner and "20.0" in banner and "below the system plan" in banner
    )
    said = goal.goal_message(board.goal, board.basis_total, board.currency, board.system_plan_total)
    assert "20.0" in said and "below the system" in said
    nego.set_goal(store, plan_id, "olga", ratio="1.1", expected_version=None)
    above = negotiation_board(store, plan_id, "olga")
    assert above.goal_shortfall == 0
    assert "neg-goal-below-alert" not in _text(view.drift_banner(above))


def test_the_page_offers_another_persons_change_and_not_its_own(store, plan_id):
    from dashboard.negotiation_parts import live
    from forecast.services.plans import get_plan

    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    shown = get_plan(store, plan_id).version
    with acting_as(store, "olga"):
        assert live.check_for_changes(ctx, 1, session, shown)[1] == live.HIDDEN
    nego.claim(store, plan_id, "anna", "a", amount="5000", note="flyer")
    with acting_as(store, "olga"):
        said, style = live.check_for_changes(ctx, 2, session, shown)
        assert style == {} and said.startswith("anna changed the plan") and "claim" in said
        assert live.show_changes(ctx, 1, 4) == (5, live.HIDDEN)
    with acting_as(store, "anna"):  # her own claim: her page shows it already
        assert live.check_for_changes(ctx, 3, session, shown)[1] == live.HIDDEN
    system.set_threshold(store, plan_id, "olga", 0.3)  # olga's own change, from elsewhere, after
    with acting_as(store, "olga"):
        said, style = live.check_for_changes(ctx, 4, session, shown)
        assert style == {} and said.startswith("anna changed the plan")


def test_an_agreed_plan_below_the_system_plan_is_said_so_without_advice_to_change_it(
    store, plan_id
):
    nego.set_goal(store, plan_id, "olga", ratio="0.9")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    board = negotiation_board(store, plan_id, "olga")
    banner = _text(view.drift_banner(board))
    assert "the plan was agreed so" in banner and "set the goal again" not in banner
    assert re.search(
        r"agreed by olga at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC and is locked",
        board.actions.set_goal.why_not,
    )


@pytest.mark.parametrize(
    "goal",
    [
        {"ratio": "1e999999999x"},
        {"total": "12345678901234567890123456789x"},
        {"total": "sNaNx"},
        {"ratio": "1e999999999"},
        {"periods": {"2024-01-05": "not an amount"}},
        {"periods": ["not", "a", "mapping"]},
    ],
)
def test_period_goal_rows_show_the_basis_for_text_no_goal_can_be(goal):
    from dashboard.negotiation_parts import periods

    basis = {"2024-01-05": 750.0, "2024-01-12": 250.0}
    rows = periods.period_goal_rows(basis, goal)
    assert [r["goal"] for r in rows] == [750.0, 250.0]


@pytest.mark.parametrize(
    "typed",
    ["1e999999999", "9" * 1_000_000, "1" * 5000 + "%", "1e999999999/1", "1/1e-999999999"],
    ids=["huge-exponent", "million-nines", "long-percent", "huge-ratio", "tiny-divisor"],
)
def test_a_number_no_amount_can_be_is_refused_with_a_reason_in_the_goal_and_claim_boxes(
    store, plan_id, typed
):
    """Text pasted or sent that overflows exact arithmetic: a refusal saying what is wrong with
    it (quoting its start only), nothing changed; not an error of the server."""
    ctx = DashboardContext(_store=store)
    session = {"plan_id": plan_id}
    with acting_as(store, "olga"):
        alert, _ = goal.set_goal(ctx, 1, typed, "baseline", False, [], session, None, 0)
    assert common.refused(alert), _text(alert)
    said = text_of(alert)
    assert re.search(r"too long|out of range|not a ratio|more than", said), said
    assert len(said) < 1000
    assert nego.summary(store, plan_id)["goal"] is None

    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    with acting_as(store, "anna"):
        alert, _ = claims._save(ctx, "a", typed, "flyer", session, None, 0)
    assert common.refused(alert), _text(alert)
    said = text_of(alert)
    assert re.search(r"too long|out of range|not a number|not a percent|more than", said), said
    assert len(said) < 1000
    assert negotiation_board(store, plan_id, "anna").claimed == 0


def test_the_owner_is_told_on_the_page_when_a_rebase_dropped_the_manual_assignment(store, plan_id):
    from dashboard.negotiation_parts import decisions

    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "manual", manual={"a": "200000000", "b": "300000000"})
    promote_team_c(store, plan_id)
    ctx = DashboardContext(_store=store)
    with acting_as(store, "olga"):
        alert, _ = decisions.rebase(ctx, 1, {"plan_id": plan_id}, None, 0)
    shown = text_of(alert)
    assert not common.refused(alert) and alert.color == "warning"  # not a passing success
    assert "the assignment was dropped: the manual amounts (€500,000,000.00)" in shown
    assert "assign it again" in shown and "the remainder recomputed" not in shown


def test_a_refused_manual_assignment_keeps_the_amounts_the_owner_typed(store, plan_id):
    """The owner types an amount per team; a sum that does not cover the remainder is refused,
    and the boxes still hold what was typed to correct, not empty boxes to type again."""
    from dashboard.negotiation_parts import decisions

    nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.close_round(store, plan_id, "olga")
    ctx = DashboardContext(_store=store)
    teams = negotiation_board(store, plan_id, "olga").teams
    widget_ids = [{"type": "neg-manual-amount", "team": t} for t in teams]
    typed = ["1000"] + [None] * (len(teams) - 1)
    session = {"plan_id": plan_id}
    with acting_as(store, "olga"):
        alert, refresh, kept = decisions.assign(
            ctx, 1, "manual", [], typed, widget_ids, session, None, 0
        )
    assert common.refused(alert) and "short" in text_of(alert) and refresh == 1
    manual = view.outputs(negotiation_board(store, plan_id, "olga"), "manual", None, kept)[8]
    assert _claim_box(manual, teams[0], "neg-manual-amount") == "1000"
    assert _claim_box(manual, teams[1], "neg-manual-amount") is None
    # once the plan moves on, the boxes show the plan as it is
    nego.reopen_round(store, plan_id, "olga")
    nego.close_round(store, plan_id, "olga")
    manual = view.outputs(negotiation_board(store, plan_id, "olga"), "manual", None, kept)[8]
    assert _claim_box(manual, teams[0], "neg-manual-amount") is None


def _amount(text: str) -> int:
    """A shown amount ("+€1,234.50", "-$3", "€83,340,187") in minor units."""
    sign = -1 if text.startswith("-") else 1
    number = re.sub(r"[^0-9.]", "", text)
    whole, _, cents = number.partition(".")
    return sign * (int(whole) * 100 + int((cents + "00")[:2]))


def _shown_steps_add_up(fig) -> None:
    """Basis + every step shown = the goal shown (and goal + kept = targets shown)."""
    wf = fig.data[0]
    labels, texts = list(wf.x), [_amount(t) for t in wf.text]
    goal_at = labels.index("Goal")
    assert texts[0] + sum(texts[1:goal_at]) == texts[goal_at] + (
        texts[goal_at + 1] if "Kept over goal" in labels else 0
    ), list(zip(labels, wf.text, strict=True))
    if "Kept over goal" in labels:
        assert texts[goal_at] + texts[goal_at + 1] == texts[goal_at + 2]


@settings(max_examples=60, deadline=None)
@given(
    basis=st.integers(0, 10**13),
    claims=st.lists(st.integers(-(10**9), 10**11), max_size=6),
    assigned=st.lists(st.integers(-(10**9), 10**11), max_size=6),
    still_open=st.integers(-(10**9), 10**11),
    kept=st.sampled_from([0, 0, 1, 250, 12_345_678]),
    currency=st.sampled_from(["EUR", "USD", None]),
)
def test_the_waterfalls_shown_steps_always_add_up_to_its_shown_ends(
    basis, claims, assigned, still_open, kept, currency
):
    goal = basis + sum(claims) + sum(assigned) + still_open - kept
    steps = WaterfallSteps(
        basis_label="Baseline",
        basis_total=basis,
        claims={f"t{i}": v for i, v in enumerate(claims) if v},
        assigned={f"t{i}": v for i, v in enumerate(assigned) if v},
        goal=goal,
        kept_over=kept,
    )
    _shown_steps_add_up(view.waterfall(steps, currency))


def test_the_negotiation_pages_cards_and_waterfall_add_up_to_the_cent(store):
    """A basis with cents (as a forecast's sum has): the cards' basis + gap read as the goal,
    the claims in the waterfall as Claimed, basis + steps as the goal (they were each rounded
    to whole euros: €1 short of the goal, $1 over Claimed)."""
    plan_id = create_plan_from_frames(
        store,
        name="cents",
        history=(frames := team_frames({"a": 54_171_120.60, "b": 1_234.50, "c": 2_759.60}))[0],
        attributes=frames[1],
        baseline=frames[2],
        freq="W-FRI",
        horizon=HORIZON,
        team_attr="Team",
        actor="olga",
    ).plan_id
    grant(store, plan_id, "olga", "anna", "lead", team="a")
    grant(store, plan_id, "olga", "bert", "lead", team="b")
    nego.set_goal(store, plan_id, "olga", total="83340187")
    nego.claim(store, plan_id, "anna", "a", amount="1234.50", note="x")
    nego.claim(store, plan_id, "bert", "b", amount="2759.60", note="y")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    board = negotiation_board(store, plan_id, "olga")
    cards = re.findall(r"[-+]?€[0-9,]+(?:\.[0-9]+)?", text_of(view.stat_cards(board)))
    basis, goal, gap, claimed, assigned, still_open = (_amount(c) for c in cards[:6])
    assert basis + gap == goal == board.goal
    assert claimed + assigned + still_open == gap
    fig = view.waterfall(board.waterfall, board.currency, view.shown_decimals(board))
    _shown_steps_add_up(fig)
    wf = fig.data[0]
    shown_claims = [_amount(t) for x, t in zip(wf.x, wf.text, strict=True) if x.startswith("Claim")]
    assert sum(shown_claims) == claimed == 399_410


def test_a_moved_basis_is_not_called_the_system_plan_on_the_cards_or_the_waterfall(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    board = negotiation_board(store, plan_id, "olga")
    assert board.waterfall is not None and board.waterfall.basis_label == "System plan"
    assert "System plan (basis)" in _text(view.stat_cards(board)[0])
    promote_team_c(store, plan_id)
    board = negotiation_board(store, plan_id, "olga")
    # the System plan page shows the current system plan; the basis is the one before the event
    assert board.basis_total != board.system_plan_total
    assert board.waterfall is not None
    assert board.waterfall.basis_label == "Earlier system plan"
    first_card = _text(view.stat_cards(board)[0])
    assert "Earlier system plan (basis)" in first_card and "System plan (basis)" not in first_card
    assert list(view.waterfall(board.waterfall).data[0].x)[0] == "Earlier system plan"
    nego.rebase(store, plan_id, "olga")
    board = negotiation_board(store, plan_id, "olga")
    assert board.waterfall is not None and board.waterfall.basis_label == "System plan"


def test_a_rise_of_the_basis_reads_with_its_plus_sign_on_the_card_as_in_the_banner(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    promote_team_c(store, plan_id)
    board = negotiation_board(store, plan_id, "olga")
    card = {c.team: c for c in board.cards}["c"]
    assert card.drift > 0
    rise = f"+{components.minor_to_money(card.drift, currency=board.currency)}"
    assert f"c {rise}" in str(view.drift_banner(board))
    assert f"basis moved by {rise}" in str(claims.team_card(card, board.currency))
    drift_column = next(c for c in view.ledger_columns() if c["field"] == "basis_drift")
    assert drift_column["valueFormatter"] == components.grid_money(2, signed=True)


def test_the_goal_alert_shows_cents_when_the_goal_has_them():
    """84.000.000,50 was said as 'Goal set to €84,000,000': the cents the cards show were lost."""
    with_cents = goal.goal_message(8_400_000_050, 6_500_000_000, "EUR")
    assert with_cents.startswith("Goal set to €84,000,000.50;")
    whole = goal.goal_message(8_400_000_000, 6_500_000_000, "EUR", system_minor=9_000_000_025)
    assert whole.startswith("Goal set to €84,000,000;")
    assert "(€90,000,000.25)" in whole  # the system plan's cents too
    assert goal.goal_message(8_400_000_000, 6_500_000_000, "JPY").startswith(
        "Goal set to ¥84,000,000;"
    )
