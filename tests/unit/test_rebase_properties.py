"""Property-based tests of basis drift and rebase: after any sequence of events (changes of the
system plan), goal, claims, rebase, close and assign, the ledger adds up to the goal to the cent,
once rebased its basis is the current system plan of every team, and no team is assigned a
negative share while the remainder to assign is not negative."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from forecast.negotiation import Actor, Negotiation, NegotiationError, Stage

OWNER = Actor("owner", frozenset({"owner"}))
RULES = [
    "pro_rata_baseline",
    "even",
    "pro_rata_claims",
    "pro_rata_shortfall",
    "fill_shortfall",
    "manual",
]
BY_A_RULE = RULES[:-1]  # every rule but the manual one
TEAMS = list("abcde")


def lead(team: str) -> Actor:
    return Actor(f"lead-{team}", frozenset({"lead"}), team)


operation = st.one_of(
    st.tuples(st.just("event"), st.sampled_from(TEAMS), st.integers(-(10**9), 10**10)),
    st.tuples(st.just("goal"), st.integers(50, 250), st.booleans()),
    st.tuples(st.just("claim"), st.sampled_from(TEAMS), st.integers(-(10**9), 10**10)),
    st.tuples(st.just("unclaim"), st.sampled_from(TEAMS), st.just(0)),
    st.tuples(st.just("rebase"), st.just(""), st.just(0)),
    st.tuples(st.just("close"), st.sampled_from(["keep", "scale"]), st.just(0)),
    st.tuples(st.just("assign"), st.sampled_from(RULES), st.integers(0, 4)),
    st.tuples(st.just("assign"), st.sampled_from(RULES), st.just(0)),
    st.tuples(st.just("reopen"), st.just(""), st.just(0)),
)
# a goal first (most sequences start there), then anything in any order
sequences = st.tuples(st.integers(50, 250), st.booleans()).flatmap(
    lambda g: st.lists(operation, max_size=25).map(lambda ops: [("goal", g[0], int(g[1])), *ops])
)


class World:
    """The current baseline and system plan per team (what an event moves), and the negotiation
    set against them."""

    def __init__(self, baseline: dict[str, int]) -> None:
        self.baseline = dict(baseline)
        self.system = dict(baseline)
        self.neg = Negotiation.start(self.baseline, self.system)
        self.rebased_since_event = False

    def apply(self, op: tuple[str, Any, int]) -> None:
        kind, arg, amount = op
        neg = self.neg
        if kind == "event":
            self.system[arg] = max(0, self.system[arg] + amount)
            self.rebased_since_event = False
        elif kind == "goal":
            if neg.stage not in (Stage.DRAFT, Stage.CLAIMING):
                return
            fresh = Negotiation.start(self.baseline, self.system)
            fresh.claims = dict(neg.claims)
            fresh.stage = neg.stage
            total = sum(self.system.values())
            if amount:  # a ratio of the basis
                fresh.set_goal(OWNER, ratio=f"{arg}%", basis="system_plan")
            else:
                fresh.set_goal(OWNER, total * arg // 100, basis="system_plan")
            self.neg = fresh
            self.rebased_since_event = True
        elif kind == "claim":
            neg.claim(lead(arg), arg, amount, note="initiative")
        elif kind == "unclaim":
            neg.unclaim(lead(arg), arg)
        elif kind == "rebase":
            neg.rebase(OWNER, self.baseline, self.system)
            self.rebased_since_event = True
        elif kind == "close":
            neg.close_round(OWNER, arg)
        elif kind == "assign":
            if arg == "manual":
                shares = [neg.remainder // len(TEAMS)] * len(TEAMS)
                shares[amount] += neg.remainder - sum(shares)
                neg.assign(OWNER, arg, manual=dict(zip(TEAMS, shares, strict=True)))
            else:
                neg.assign(OWNER, arg, exclude=TEAMS[:amount])
        elif kind == "reopen":
            neg.reopen_round(OWNER)


def assert_no_negative_share_of_a_positive_gap(neg: Negotiation) -> None:
    """Once the round is closed, a gap that is not negative leaves a remainder that is not
    negative (claims beyond the gap are kept or scaled to it, as the round was closed), and no
    team is assigned a negative share of a remainder that is not negative."""
    if neg.goal is None:
        return
    if neg.stage in (Stage.ASSIGNING, Stage.AGREED) and (neg.gap or 0) >= 0:
        assert neg.remainder >= 0, (neg.gap, neg.claimed, neg.kept_oversubscription)
    if neg.remainder >= 0:
        assert all(share >= 0 for share in neg.assignments.values()), neg.assignments


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(0, 10**11), min_size=len(TEAMS), max_size=len(TEAMS)),
    sequences,
)
def test_the_ledger_adds_up_after_any_sequence_and_matches_the_system_plan_once_rebased(
    baselines, operations
):
    world = World(dict(zip(TEAMS, baselines, strict=True)))
    for op in operations:
        stage = world.neg.stage
        try:
            world.apply(op)
            event(f"{op[0]} done in {stage.value}")
        except NegotiationError:
            event(f"{op[0]} refused in {stage.value}")  # a refusal changes nothing ...
        neg = Negotiation.from_dict(world.neg.to_dict())  # ... and the state still balances
        if neg.goal is None:
            continue
        targets = neg.targets()
        assert sum(targets.values()) + neg.open_remainder == neg.goal + neg.kept_oversubscription
        ledger = neg.ledger(world.baseline, world.system).set_index("team")
        assert ledger.loc["TOTAL", "target"] == sum(targets.values())
        for team in TEAMS:
            row = ledger.loc[team]
            assert row["basis"] + row["claim"] + row["assignment"] == row["target"]
            assert row["system_plan"] == world.system[team]  # always the current system plan
            if world.rebased_since_event:
                assert row["basis"] == world.system[team]
                assert row["basis_drift"] == 0
            else:
                assert row["basis_drift"] == world.system[team] - row["basis"]
        if neg.stage == Stage.ASSIGNING and neg.rule is not None and not neg.kept_oversubscription:
            assert sum(targets.values()) == neg.goal  # assigned: the targets are the goal
        assert_no_negative_share_of_a_positive_gap(neg)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**11), min_size=len(TEAMS), max_size=len(TEAMS)),
    st.integers(100, 160),
    st.booleans(),
    st.dictionaries(st.sampled_from(TEAMS), st.integers(0, 60), max_size=len(TEAMS)),
    st.sampled_from(["keep", "scale"]),
    st.sampled_from(BY_A_RULE),
    st.lists(st.tuples(st.sampled_from(TEAMS), st.integers(-100, 100)), max_size=4),
)
def test_after_a_closed_round_is_rebased_no_team_gets_a_negative_share_of_a_positive_remainder(
    baselines, goal_pct, as_ratio, claim_pcts, policy, rule, event_pcts
):
    """Claims (in percent of the team's basis, often over the gap) closed by either policy, an
    assignment, then events of up to +-100 % of a team's system plan and a rebase."""
    world = World(dict(zip(TEAMS, baselines, strict=True)))
    world.apply(("goal", goal_pct, int(as_ratio)))
    neg = world.neg
    for team, pct in claim_pcts.items():
        neg.claim(lead(team), team, world.system[team] * pct // 100, note="initiative")
    neg.close_round(OWNER, policy)
    try:
        neg.assign(OWNER, rule)
    except NegotiationError:
        event("assignment refused")
    for team, pct in event_pcts:
        world.apply(("event", team, world.system[team] * pct // 100))
    try:
        neg.rebase(OWNER, world.baseline, world.system)
    except NegotiationError:
        event("rebase refused")
    event(f"gap {'negative' if (neg.gap or 0) < 0 else 'not negative'} after the rebase")
    assert_no_negative_share_of_a_positive_gap(neg)
    assert sum(neg.targets().values()) + neg.open_remainder == neg.goal + neg.kept_oversubscription


# -- the same through the services, with the system track's real events ------------------------

service_operation = st.one_of(
    st.tuples(st.just("event"), st.sampled_from(["a", "b", "c"]), st.integers(-50, 80)),
    st.tuples(st.just("claim"), st.sampled_from(["a", "b"]), st.integers(-(10**8), 10**9)),
    st.tuples(st.just("rebase"), st.just(""), st.just(0)),
    st.tuples(st.just("close"), st.sampled_from(["keep", "scale"]), st.just(0)),
    st.tuples(st.just("assign"), st.sampled_from(BY_A_RULE), st.just(0)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["7000000000", "6000000000"]), st.lists(service_operation, max_size=8))
def test_through_the_services_the_ledger_adds_up_and_a_rebase_matches_the_system_plan(
    goal, operations
):
    from test_services_negotiation import team_frames, weekly_team_plan

    from forecast.overrides import Scope
    from forecast.services import negotiation as nego
    from forecast.services import system
    from forecast.services.errors import ServiceError
    from forecast.services.plan_members import grant
    from forecast.store import MemoryStore

    store = MemoryStore()
    history, attributes, baseline = team_frames()
    plan = weekly_team_plan(store, (history, attributes, baseline), name="p").plan_id
    grant(store, plan, "olga", "anna", "lead", team="a")
    grant(store, plan, "olga", "bert", "lead", team="b")
    dates = sorted(baseline["ds"].unique())
    nego.set_goal(store, plan, "olga", total=goal, basis="system_plan")
    rebased = True
    for kind, arg, amount in operations:
        try:
            if kind == "event":
                system.add_event(
                    store,
                    plan,
                    "olga",
                    name=f"{arg} {amount}",
                    kind="promotion",
                    scope=Scope(attributes={"Team": (arg,)}),
                    start=str(dates[0])[:10],
                    end=str(dates[-1])[:10],
                    effect="percent",
                    value=float(amount),
                    reason="test",
                )
                rebased = amount == 0 and rebased
            elif kind == "claim":
                nego.claim(
                    store, plan, {"a": "anna", "b": "bert"}[arg], arg, amount=amount, note="x"
                )
            elif kind == "rebase":
                nego.rebase(store, plan, "olga")
                rebased = True
            elif kind == "close":
                nego.close_round(store, plan, "olga", oversubscribed=arg)
            else:
                nego.assign(store, plan, "olga", arg)
        except ServiceError:
            pass
        summary = nego.summary(store, plan)
        ledger = nego.ledger(store, plan).set_index("team")
        series = nego.negotiated_plan(store, plan)
        assert (
            int(ledger.loc["TOTAL", "target_minor"]) + summary["open_remainder"]
            == summary["goal"] + summary["kept_oversubscription"]
        )
        assert int(series["target_minor"].sum()) == int(ledger.loc["TOTAL", "target_minor"])
        assert int(series["system_plan_minor"].sum()) == int(
            ledger.loc["TOTAL", "system_plan_minor"]
        )
        by_team = series.groupby("team")[["basis_minor", "target_minor"]].sum()
        for team in ("a", "b", "c"):
            assert by_team.loc[team, "basis_minor"] == ledger.loc[team, "basis_minor"]
            assert by_team.loc[team, "target_minor"] == ledger.loc[team, "target_minor"]
            if rebased:
                assert ledger.loc[team, "basis_minor"] == ledger.loc[team, "system_plan_minor"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**11), min_size=len(TEAMS), max_size=len(TEAMS)),
    st.integers(50, 250),
    st.dictionaries(st.sampled_from(TEAMS), st.integers(0, 100), max_size=len(TEAMS)),
)
def test_fill_shortfall_without_an_over_claim_takes_every_team_to_its_pro_rata_share(
    baselines, goal_pct, claim_pcts
):
    """With fill_shortfall and no team claiming beyond its pro rata share of the gap (any
    part of it, 0 to 100 %), every team's target is its basis plus its pro rata share of the
    gap, to the cent, and the targets add up to the goal."""
    world = World(dict(zip(TEAMS, baselines, strict=True)))
    world.apply(("goal", goal_pct, 0))
    neg = world.neg
    for team, pct in claim_pcts.items():
        part = int(neg.fair_share(team) * pct / 100)  # toward zero: never beyond the share
        if part:
            neg.claim(lead(team), team, part, note="initiative")
    neg.close_round(OWNER)
    neg.assign(OWNER, "fill_shortfall")
    targets = neg.targets()
    assert sum(targets.values()) == neg.goal
    for team in TEAMS:
        gap_share = targets[team] - neg.team_basis[team]
        assert abs(gap_share - neg.fair_share(team)) < 1, (team, gap_share, neg.fair_share(team))
