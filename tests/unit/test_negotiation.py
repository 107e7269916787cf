"""The negotiation domain: goal, gap, claims, rules, ledger, lock, spread, stretch, attainment."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from forecast.negotiation import (
    Actor,
    AgreedError,
    InvalidAmount,
    ManualMismatch,
    Negotiation,
    NegotiationError,
    NotAllowed,
    Stage,
    StageError,
    UnknownTeam,
    attainment,
    event_factors,
    from_minor,
    largest_remainder,
    parse_ratio,
    spread,
    stretch,
    team_period_targets,
    to_minor,
)

OWNER = Actor("olga", frozenset({"owner", "planner"}))
LEAD_A = Actor("anna", frozenset({"lead"}), "a")
LEAD_B = Actor("bert", frozenset({"lead"}), "b")
BN = 100 * 10**9  # one billion in cents


def example() -> Negotiation:
    """The 6.5bn baseline / 10bn goal example over three teams."""
    neg = Negotiation.start({"a": 3 * BN, "b": 2 * BN, "c": 15 * BN // 10})
    neg.set_goal(OWNER, 10 * BN)
    return neg


def test_largest_remainder_is_exact_and_breaks_ties_by_position():
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(-10, [1, 1, 1]) == [-4, -3, -3]
    assert largest_remainder(7, [0, 0]) == [4, 3]
    assert largest_remainder(5, [0, 2, 3]) == [0, 2, 3]
    assert largest_remainder(100, [1.5, 0.5]) == [75, 25]


def test_largest_remainder_refuses_negative_weights():
    with pytest.raises(InvalidAmount):
        largest_remainder(10, [1, -1])


def test_money_conversion_is_exact():
    assert to_minor("6500000000.005") == 650000000000  # half to even
    assert to_minor(12.35) == 1235
    assert from_minor(-1) == Decimal("-0.01")
    with pytest.raises(InvalidAmount):
        to_minor("lots")


def test_the_example_gap_is_shared_by_claims_and_rule():
    neg = example()
    assert neg.gap == 35 * BN // 10
    neg.claim(LEAD_A, "a", 2 * BN, note="double the promo space")
    neg.claim(LEAD_B, "b", 12 * BN // 10, note="new listings")
    assert neg.remainder == 3 * BN // 10
    neg.close_round(OWNER)
    shares = neg.assign(OWNER, "pro_rata_baseline")
    assert sum(shares.values()) == 3 * BN // 10
    assert shares["a"] > shares["b"] > shares["c"] > 0
    neg.lock(OWNER)
    ledger = neg.ledger()
    total = ledger.set_index("team").loc["TOTAL"]
    assert total["target"] == 10 * BN
    assert (ledger["basis"] + ledger["claim"] + ledger["assignment"] == ledger["target"]).all()


def test_goal_by_ratio_is_recorded():
    neg = Negotiation.start({"a": 650})
    neg.set_goal(OWNER, ratio="10/6.5")
    assert neg.goal == 1000
    assert neg.goal_ratio == "10/6.5"


def test_negative_gap_is_shared_by_the_same_rules():
    neg = Negotiation.start({"a": 600, "b": 400})
    neg.set_goal(OWNER, 900)
    neg.claim(LEAD_A, "a", -30, note="store closures")
    neg.close_round(OWNER)
    shares = neg.assign(OWNER, "pro_rata_baseline")
    assert shares == {"a": -42, "b": -28}
    assert sum(neg.targets().values()) == 900


def test_lead_cannot_claim_for_another_team():
    neg = example()
    with pytest.raises(NotAllowed, match="lead of team 'a'"):
        neg.claim(LEAD_A, "b", 100, note="x")
    assert neg.claims == {}


def test_owner_only_sets_goal_closes_assigns_and_locks():
    neg = Negotiation.start({"a": 100})
    with pytest.raises(NotAllowed):
        neg.set_goal(LEAD_A, 200)
    neg.set_goal(OWNER, 200)
    with pytest.raises(NotAllowed):
        neg.close_round(LEAD_A)


def test_unknown_team_is_named_with_the_valid_ones():
    neg = example()
    with pytest.raises(UnknownTeam, match="a, b, c"):
        neg.claim(Actor("z", frozenset({"lead"}), "z"), "z", 1, note="x")


def test_claim_as_percent_of_team_baseline():
    neg = example()
    claim = neg.claim(LEAD_A, "a", percent="12.5", note="price increase")
    assert claim.amount == 3 * BN // 8
    assert claim.percent == "12.5"


def test_absurd_claims_are_refused():
    neg = example()
    with pytest.raises(InvalidAmount, match="below zero"):
        neg.claim(LEAD_A, "a", -4 * BN, note="x")
    with pytest.raises(InvalidAmount, match="10 times"):
        neg.claim(LEAD_A, "a", 1000 * BN, note="x")
    with pytest.raises(InvalidAmount, match="note"):
        neg.claim(LEAD_A, "a", 1, note="  ")
    assert neg.claims == {}


def test_claims_can_be_raised_lowered_and_withdrawn_until_close():
    neg = example()
    neg.claim(LEAD_A, "a", 100, note="x")
    neg.claim(LEAD_A, "a", 50, note="less")
    assert neg.claimed == 50
    neg.unclaim(LEAD_A, "a")
    assert neg.claimed == 0
    neg.claim(LEAD_A, "a", 70, note="y")
    neg.close_round(OWNER)
    with pytest.raises(StageError, match="closed"):
        neg.claim(LEAD_A, "a", 80, note="late")
    with pytest.raises(StageError):
        neg.unclaim(LEAD_A, "a")


def test_cannot_assign_before_the_round_closes():
    neg = example()
    with pytest.raises(StageError, match="still open"):
        neg.assign(OWNER, "even")


def test_manual_amounts_must_add_up_and_the_difference_is_named():
    neg = Negotiation.start({"a": 100, "b": 100})
    neg.set_goal(OWNER, 300)
    neg.close_round(OWNER)
    with pytest.raises(ManualMismatch, match="0.10 short"):
        neg.assign(OWNER, "manual", manual={"a": 50, "b": 40})
    assert neg.assignments == {}
    assert neg.assign(OWNER, "manual", manual={"a": 60, "b": 40}) == {"a": 60, "b": 40}


def test_excluded_teams_get_nothing():
    neg = Negotiation.start({"a": 100, "b": 100, "c": 100})
    neg.set_goal(OWNER, 400)
    neg.close_round(OWNER)
    assert neg.assign(OWNER, "even", exclude=["b"]) == {"a": 50, "b": 0, "c": 50}


def test_oversubscription_keep_records_the_excess():
    neg = Negotiation.start({"a": 100, "b": 100})
    neg.set_goal(OWNER, 300)
    neg.claim(LEAD_A, "a", 80, note="x")
    neg.claim(LEAD_B, "b", 60, note="y")
    neg.close_round(OWNER, "keep")
    assert neg.kept_oversubscription == 40
    neg.assign(OWNER, "even")
    neg.lock(OWNER)
    assert sum(neg.targets().values()) == 340


def test_oversubscription_scale_brings_claims_down_to_the_gap_exactly():
    neg = Negotiation.start({"a": 100, "b": 100})
    neg.set_goal(OWNER, 301)
    neg.claim(LEAD_A, "a", 80, note="x")
    neg.claim(LEAD_B, "b", 60, note="y")
    neg.close_round(OWNER, "scale")
    assert {t: c.amount for t, c in neg.claims.items()} == {"a": 58, "b": 43}
    assert neg.scaled_from == {"a": 80, "b": 60}
    neg.assign(OWNER, "pro_rata_claims")
    assert sum(neg.targets().values()) == 301


def test_a_claim_on_a_goal_equal_to_the_basis_is_an_oversubscription_not_a_cut_for_the_others():
    neg = Negotiation.start({"a": 1000, "b": 1000})
    neg.set_goal(OWNER, 2000)  # gap 0
    neg.claim(LEAD_A, "a", 100, note="x")
    assert neg.oversubscribed_by == 100
    neg.close_round(OWNER, "keep")
    neg.assign(OWNER, "pro_rata_baseline")
    assert neg.assignments == {"a": 0, "b": 0}
    assert neg.targets() == {"a": 1100, "b": 1000}
    assert neg.kept_oversubscription == 100
    scaled = Negotiation.start({"a": 1000, "b": 1000})
    scaled.set_goal(OWNER, 2000)
    scaled.claim(LEAD_A, "a", 100, note="x")
    scaled.close_round(OWNER, "scale")
    assert scaled.claims["a"].amount == 0 and scaled.scaled_from == {"a": 100}


def scaled_then_rebased(team_c_after: int) -> Negotiation:
    """Goal 110 % of the system plan, a and b over-claim, close by scaling, assign pro rata to
    the basis; then an event moves team c's system plan and the owner rebases."""
    neg = Negotiation.start({"a": 1000, "b": 1000, "c": 1000})
    neg.set_goal(OWNER, ratio="1.1", basis="system_plan")  # gap 300
    neg.claim(LEAD_A, "a", 250, note="x")
    neg.claim(LEAD_B, "b", 150, note="y")
    neg.close_round(OWNER, "scale")  # 400 scaled down to 300
    neg.assign(OWNER, "pro_rata_baseline")
    neg.rebase(OWNER, {"a": 1000, "b": 1000, "c": 1000}, {"a": 1000, "b": 1000, "c": team_c_after})
    return neg


def test_a_rebase_to_a_smaller_gap_scales_the_claims_again_and_charges_no_team_that_never_claimed():
    neg = scaled_then_rebased(600)  # basis 2600, goal 2860, gap 260
    assert neg.gap == 260
    assert {t: c.amount for t, c in neg.claims.items()} == {"a": 163, "b": 97}  # 250:150 of 260
    assert neg.scaled_from == {"a": 250, "b": 150}  # the claims as made
    assert neg.remainder == 0
    assert all(v >= 0 for v in neg.assignments.values())
    assert neg.targets()["c"] == 600  # c claimed nothing: its target is its basis
    assert sum(neg.targets().values()) == neg.goal


def test_a_rebase_to_a_larger_gap_gives_back_the_claims_as_made():
    neg = scaled_then_rebased(2000)  # basis 4000, goal 4400, gap 400 fits the claims as made
    assert {t: c.amount for t, c in neg.claims.items()} == {"a": 250, "b": 150}
    assert neg.scaled_from == {}
    assert neg.remainder == 0 and sum(neg.targets().values()) == neg.goal


def test_a_rebase_that_cannot_scale_claims_going_both_ways_is_refused_and_changes_nothing():
    neg = Negotiation.start({"a": 1000, "b": 1000, "c": 1000})
    neg.set_goal(OWNER, 3300, basis="system_plan")  # gap 300
    neg.claim(LEAD_A, "a", 250, note="x")
    neg.claim(LEAD_B, "b", -50, note="y")  # 200 in all, both ways: within the gap
    neg.close_round(OWNER, "scale")  # nothing to scale yet
    neg.assign(OWNER, "even")
    before = neg.to_dict()
    with pytest.raises(NegotiationError, match="reopen the round"):  # gap 100 < claims 200
        neg.rebase(OWNER, {"a": 1000, "b": 1000, "c": 1000}, {"a": 1000, "b": 1000, "c": 1200})
    assert neg.to_dict() == before


@pytest.mark.parametrize(("typed", "recorded"), [("1,1", "1.1"), ("10/6,5", "10/6.5")])
def test_a_ratio_with_a_decimal_comma_is_read_as_its_decimal_point(typed, recorded):
    neg = Negotiation.start({"a": 650, "b": 350})
    neg.set_goal(OWNER, ratio=typed)
    assert neg.goal_ratio == recorded
    assert neg.goal == int((Decimal(1000) * Decimal(recorded.split("/")[0])
                            / Decimal(recorded.split("/")[1] if "/" in recorded else 1))
                           .quantize(Decimal(1)))  # fmt: skip


def test_messages_name_the_system_plan_in_words_and_amounts_in_the_plans_currency():
    neg = Negotiation.start({"a": 100_000, "b": 100_000})
    neg.currency = "EUR"
    with pytest.raises(InvalidAmount, match="10 times the system plan total"):
        neg.set_goal(OWNER, 10_000_000, basis="system_plan")
    neg.set_goal(OWNER, ratio="1.1", basis="system_plan")
    with pytest.raises(InvalidAmount, match=r"its system plan is €1,000.00\)"):
        neg.claim(LEAD_A, "a", -200_000, note="x")
    neg.close_round(OWNER)
    neg.assign(OWNER, "even")
    notes = neg.rebase(OWNER, {"a": 100_000, "b": 100_000}, {"a": 100_000, "b": 120_000}).notes
    assert "goal re-applied as 1.1 of the system plan: €2,420.00" in notes
    assert "remainder €220.00 re-assigned by even" in notes


def test_cannot_claim_after_lock():
    neg = example()
    neg.close_round(OWNER)
    neg.assign(OWNER, "even")
    neg.lock(OWNER)
    assert neg.stage == Stage.AGREED
    with pytest.raises(AgreedError, match="new version"):
        neg.claim(LEAD_A, "a", 1, note="x")
    with pytest.raises(AgreedError):
        neg.assign(OWNER, "even")
    with pytest.raises(AgreedError):
        neg.set_goal(OWNER, 1)


def test_round_trip_through_a_dict_keeps_everything():
    neg = example()
    neg.claim(LEAD_A, "a", percent=10, note="x")
    neg.close_round(OWNER)
    neg.assign(OWNER, "manual", manual={"b": neg.remainder})
    again = Negotiation.from_dict(neg.to_dict())
    assert again.to_dict() == neg.to_dict()
    assert again.ledger().equals(neg.ledger())


def test_spread_is_exact_per_team():
    weights = pd.DataFrame(
        {
            "unique_id": ["1", "1", "2", "3"],
            "ds": pd.to_datetime(["2024-01-01", "2024-01-08"] * 2),
            "team": ["a", "a", "a", "b"],
            "system_plan": [1.0, 2.0, 0.0, 5.0],
        }
    )
    out = spread({"a": 1001, "b": 7}, weights)
    assert out.groupby("team")["target_minor"].sum().to_dict() == {"a": 1001, "b": 7}
    assert out["target_minor"].tolist() == [334, 667, 0, 7]


def test_per_period_goals_add_up_by_team_and_by_period():
    basis = {"a": {"2024-01-01": 100, "2024-01-08": 300}, "b": {"2024-01-01": 50, "2024-01-08": 50}}
    neg = Negotiation.start({"a": 400, "b": 100})
    neg.set_goal(OWNER, period_goals={"2024-01-01": 200, "2024-01-08": 501}, period_basis=basis)
    assert neg.goal == 701
    neg.claim(LEAD_A, "a", 77, note="x")
    neg.close_round(OWNER)
    neg.assign(OWNER, "pro_rata_baseline")
    cells = team_period_targets(neg)
    targets = neg.targets()
    for team in ("a", "b"):
        assert sum(v for (t, _), v in cells.items() if t == team) == targets[team]
    for period, goal in neg.period_goals.items():
        assert sum(v for (_, p), v in cells.items() if p == period) == goal


def test_a_period_goal_far_below_its_basis_leaves_no_team_with_a_negative_target_there():
    # week 1's goal is half its basis; the small team b claims 100 % of its basis: sharing the
    # week's cut by the teams' changes took b to -3,060 in week 1 (its basis there 677)
    weeks = ["2015-07-27", "2015-08-03", "2015-08-10", "2015-08-17"]
    basis = {
        "a": dict(zip(weeks, [4_000_000, 3_900_000, 3_800_000, 3_850_000], strict=True)),
        "b": dict(zip(weeks, [677, 632, 570, 595], strict=True)),
    }
    neg = Negotiation.start({t: sum(p.values()) for t, p in basis.items()})
    neg.set_goal(
        OWNER,
        period_goals=dict(zip(weeks, [2_000_000, 5_300_000, 4_400_000, 5_300_000], strict=True)),
        period_basis=basis,
    )
    neg.claim(LEAD_B, "b", percent=100, note="new store format")
    neg.close_round(OWNER)
    neg.assign(OWNER, "pro_rata_baseline")
    cells = team_period_targets(neg)
    assert min(cells.values()) >= 0
    for team, target in neg.targets().items():
        assert sum(v for (t, _), v in cells.items() if t == team) == target
    for period, goal in neg.period_goals.items():
        assert sum(v for (_, p), v in cells.items() if p == period) == goal


def test_stretch_total_row_reaches_for_the_goal_while_the_remainder_is_open():
    # Goal 30,000 (minor units); the teams' targets so far add up to their bases (20,000): the
    # TOTAL row's target is the goal, not the sum of the bases.
    frame = pd.DataFrame({"team": ["a", "b"], "baseline": [100.0, 100.0]})
    out = stretch(frame, {"a": 10000, "b": 10000}, total_target=30000).set_index("team")
    assert out.loc["TOTAL", "target"] == pytest.approx(300.0)
    assert out.loc["TOTAL", "probability_reach"] == 0.0
    summed = stretch(frame, {"a": 10000, "b": 10000}).set_index("team")
    assert summed.loc["TOTAL", "target"] == pytest.approx(200.0)  # no goal: the sum


def _two_cells(teams: list[str]) -> pd.DataFrame:
    """Two series-periods of baseline 100 whose 80 % interval gives an sd of 10 each."""
    return pd.DataFrame(
        {
            "team": teams,
            "baseline": [100.0, 100.0],
            "baseline-lo-80": [100 - 1.2815515655446004 * 10] * 2,
            "baseline-hi-80": [100 + 1.2815515655446004 * 10] * 2,
        }
    )


def test_stretch_probability_and_growth():
    frame = _two_cells(["a", "a"])
    out = stretch(frame, {"a": 20000}, last_year={"a": 160.0}).set_index("team")
    assert out.loc["a", "probability_reach"] == pytest.approx(0.5)
    assert out.loc["a", "sd"] == pytest.approx(10 * 2**0.5)
    assert out.loc["a", "growth_vs_last_year"] == pytest.approx(0.25)
    high = stretch(frame, {"a": 20000 + int(100 * 10 * 2**0.5 * 1.6448536)}).set_index("team")
    assert high.loc["a", "probability_reach"] == pytest.approx(0.05, abs=1e-4)


def test_stretch_expects_the_system_plan_with_its_events_at_their_stated_size():
    frame = _two_cells(["a", "b"])
    # Team a's system plan holds a +30 % promotion (13,000 against a baseline of 10,000 minor
    # units), team b's a purchase limit (-25 %).
    factors = event_factors({"a": 10000, "b": 10000}, {"a": 13000, "b": 7500})
    assert factors == pytest.approx({"a": 1.3, "b": 0.75, "TOTAL": 1.025})
    out = stretch(frame, {"a": 13000, "b": 10000}, events=factors).set_index("team")
    assert out.loc["a", "expected"] == pytest.approx(130.0)
    assert out.loc["a", "expected_baseline"] == pytest.approx(100.0)
    assert out.loc["a", "probability_reach"] == pytest.approx(0.5)  # its own system plan
    # The limit is not ignored: the baseline (100) is now a 33 % stretch over 75.
    assert out.loc["b", "probability_reach"] < 0.01
    assert out.loc["TOTAL", "expected"] == pytest.approx(205.0)


def test_event_factors_leave_a_team_without_a_positive_baseline_as_it_is():
    assert event_factors({"a": 0, "b": 100}, {"a": 500, "b": 100}) == {
        "a": 1.0,
        "b": 1.0,
        "TOTAL": 6.0,
    }


def test_attainment_names_the_closer_track():
    plan = pd.DataFrame(
        {
            "unique_id": ["1", "2"],
            "ds": ["2024-01-01"] * 2,
            "team": ["a", "b"],
            "system_plan": [100.0, 100.0],
            "target": [150.0, 120.0],
        }
    )
    actuals = pd.DataFrame({"unique_id": ["1", "2"], "ds": ["2024-01-01"] * 2, "y": [140.0, 95.0]})
    out = attainment(plan, actuals).set_index("team")
    assert out.loc["a", "closer"] == "target"
    assert out.loc["b", "closer"] == "system_plan"
    assert out.loc["TOTAL", "wape_target"] == pytest.approx(35 / 235)


def test_why_this_assignment_names_the_basis_in_words_not_its_key():
    teams = {"a": 3 * BN, "b": 2 * BN}
    neg = Negotiation.start(teams, team_system_plan={"a": 4 * BN, "b": 2 * BN})
    neg.set_goal(OWNER, 8 * BN, basis="system_plan")
    neg.claim(LEAD_A, "a", BN // 10, note="more shelf space")
    neg.close_round(OWNER)
    for rule, words in (
        ("pro_rata_baseline", "in proportion to its system plan ("),
        ("pro_rata_shortfall", "in proportion to its system plan ("),
        ("fill_shortfall", "of the gap on its system plan, so it"),
    ):
        neg.assign(OWNER, rule)
        why = neg.assignment_reasons()["b"]
        assert words in why and "system_plan" not in why


@pytest.mark.parametrize("typed", ["12,500/10000", "1,000%", "10,000/6500"])
def test_a_ratio_with_a_thousands_comma_is_refused_not_read_a_thousandfold_small(typed):
    with pytest.raises(NegotiationError, match="is not a ratio"):
        parse_ratio(typed)


# -- a claim below zero on a changed basis ------------------------------------------------------


def two_bases() -> Negotiation:
    """Team b's events take its system plan far below its baseline; b claims -1.5bn against a
    2bn baseline (valid there, below zero on its 0.5bn system plan)."""
    neg = Negotiation.start({"a": 3 * BN, "b": 2 * BN}, {"a": 3 * BN, "b": BN // 2})
    neg.set_goal(OWNER, 4 * BN)
    neg.claim(LEAD_B, "b", -15 * BN // 10, note="store closures")
    return neg


def test_a_goal_moved_to_a_basis_on_which_a_claim_goes_below_zero_is_refused_naming_it():
    neg = two_bases()
    with pytest.raises(
        InvalidAmount,
        match=r"team 'b''s claim -1,500,000,000.00 would take it below zero on "
        r"the system plan 500,000,000.00: its lead lowers the claim",
    ):
        neg.set_goal(OWNER, 4 * BN, basis="system_plan")
    assert neg.basis.value == "baseline" and neg.goal == 4 * BN  # nothing changed
    neg.claim(LEAD_B, "b", -BN // 2, note="store closures, fewer")
    neg.set_goal(OWNER, 4 * BN, basis="system_plan")  # the lowered claim fits
    assert neg.targets()["b"] == 0


def test_assign_names_the_claim_below_zero_not_the_excluded_teams_share():
    """A negotiation saved with a claim below zero on its basis (before the goal's guard): the
    assignment says the claim is the trouble, for an excluded team too."""
    doc = two_bases().to_dict()
    doc["basis"] = "system_plan"  # as the unguarded basis change saved it
    neg = Negotiation.from_dict(doc)
    neg.close_round(OWNER)
    with pytest.raises(InvalidAmount) as refused:
        neg.assign(OWNER, "even", exclude=["b"])
    text = str(refused.value)
    assert "team 'b''s claim -1,500,000,000.00 takes it below zero" in text
    assert "lowers the claim" in text and "exclude it" not in text
    assert refused.value.fix is not None and refused.value.fix.key.value == "reopen_round"


def test_a_rebase_that_drops_a_manual_assignment_names_the_note_saying_so():
    neg = Negotiation.start({"a": 100, "b": 100})
    neg.set_goal(OWNER, 300)
    neg.close_round(OWNER)
    neg.assign(OWNER, "manual", manual={"a": 60, "b": 40})

    rebased = neg.rebase(OWNER, {"a": 100, "b": 120}, {"a": 100, "b": 120})

    assert rebased.dropped_assignment is not None
    assert rebased.dropped_assignment in rebased.notes
    assert rebased.dropped_assignment.startswith("the assignment was dropped: the manual amounts")


def test_a_rebase_that_reassigns_by_the_rule_drops_no_assignment():
    neg = Negotiation.start({"a": 100, "b": 100})
    neg.set_goal(OWNER, 300)
    neg.close_round(OWNER)
    neg.assign(OWNER, "even")

    rebased = neg.rebase(OWNER, {"a": 100, "b": 120}, {"a": 100, "b": 120})

    assert rebased.dropped_assignment is None
    assert rebased.notes[-1].endswith("re-assigned by even")


# -- fill_shortfall: spares volunteers too, each short team by its shortfall ------------------

EUR = 100  # one euro in cents


def shortfall_example(claims: dict[str, int]) -> Negotiation:
    """Bases 60/30/10 and a gap of 100 (euros); the claims as given, the round closed."""
    neg = Negotiation.start({"a": 60 * EUR, "b": 30 * EUR, "c": 10 * EUR})
    neg.set_goal(OWNER, 200 * EUR)
    leads = {"a": LEAD_A, "b": LEAD_B, "c": Actor("cleo", frozenset({"lead"}), "c")}
    for team, amount in claims.items():
        neg.claim(leads[team], team, amount, note="initiative")
    neg.close_round(OWNER)
    return neg


def test_fill_shortfall_fills_each_short_team_up_to_its_pro_rata_share():
    """b volunteered 25 of its fair 30: it is short by 5 and gets 5, not 22.5 of the remainder
    by its basis (which took it to 47.5, far above its share, and left a below its own)."""
    neg = shortfall_example({"b": 25 * EUR})
    shares = neg.assign(OWNER, "fill_shortfall")
    assert shares == {"a": 60 * EUR, "b": 5 * EUR, "c": 10 * EUR}
    assert neg.targets() == {"a": 120 * EUR, "b": 60 * EUR, "c": 20 * EUR}
    why = neg.assignment_reasons()
    assert "in proportion to its shortfall" in why["b"]
    assert "claimed 25.00 of its pro rata share 30.00" in why["b"]
    assert "short of its pro rata share" in why["b"]


def test_fill_shortfall_splits_a_smaller_remainder_by_shortfall_when_a_team_over_claims():
    """a claims 80 of its fair 60 (over by 20): the remainder of 10 goes to b (short by 20) and
    c (short by 10) as 2 : 1, exact to the cent; a, the volunteer, gets nothing."""
    neg = shortfall_example({"a": 80 * EUR, "b": 10 * EUR})
    shares = neg.assign(OWNER, "fill_shortfall")
    assert shares == {"a": 0, "b": 667, "c": 333}
    assert sum(neg.targets().values()) == 200 * EUR
    assert "spared" in neg.assignment_reasons()["a"]


def test_pro_rata_shortfall_keeps_its_split_by_basis_among_the_short_teams():
    """Plans assigned by `pro_rata_shortfall` store only the rule's name: it still splits the
    remainder pro rata to the basis among the short teams and says so (all three are short here,
    so 60 : 30 : 10 of the remainder of 75), as it did before `fill_shortfall` existed."""
    neg = shortfall_example({"b": 25 * EUR})
    shares = neg.assign(OWNER, "pro_rata_shortfall")
    assert shares == {"a": 4500, "b": 2250, "c": 750}
    assert neg.assignment_reasons()["b"] == (
        "spare volunteers (pro rata among teams short of their share): claimed 25.00 of its pro "
        "rata share 30.00, so it takes part of the remainder in proportion to its baseline "
        "(30.0 % of the remainder)"
    )


def test_a_refusal_says_the_leads_of_a_team_have_left_by_their_count():
    """'team b's lead (lara, lena, whose accounts are disabled)' read as one lead named in
    brackets: the refusal says who left, 'lead ... has' for one and 'leads ... have' for two."""
    two = Actor("pia", frozenset({"planner"}), left_leads=(("b", "lara"), ("b", "lena")))
    with pytest.raises(NotAllowed) as refused:
        two.require_lead_of("b", "claim")
    assert "; team b's leads (lara, lena) have left: their accounts are disabled" in str(
        refused.value
    )
    one = Actor("olga", frozenset({"owner"}), left_leads=(("b", "lara"),))
    with pytest.raises(NotAllowed) as refused:
        one.require_lead_of("b", "claim")
    assert "made by the team's lead; team b's lead lara has left: the account is disabled" in str(
        refused.value
    )


def test_a_lead_of_another_team_is_told_the_teams_lead_has_left_too():
    kim = Actor(
        "kim",
        frozenset({"lead"}),
        team="a",
        team_leads=(("a", "kim"),),
        left_leads=(("b", "lara"),),
    )
    with pytest.raises(NotAllowed) as refused:
        kim.require_lead_of("b", "claim")
    assert str(refused.value).startswith(
        "user kim is the lead of team 'a' and cannot claim for team 'b'; team b's lead lara has "
        "left: the account is disabled"
    )
