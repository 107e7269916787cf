"""The Negotiation page's read model: everything the page shows for one user, in one call.

`negotiation_board(store, plan, user)` gathers the summary, the ledger (current system plan next
to the basis used, and the drift), each team's card with its stretch probability, the waterfall's
steps and the actions this user may take now (computed by the domain, see
``forecast.negotiation_actions``). Amounts are int minor units; the page formats them in the
plan's ``currency``; ``stretch_note`` says what the stretch probabilities rest on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from forecast.negotiation import RULE_LABELS, RemainderRule
from forecast.negotiation_actions import NegotiationActions, Permission, available_actions
from forecast.plan import PUBLISHED
from forecast.services import negotiation as nego
from forecast.services import plan_access
from forecast.services.errors import Fix, FixKey
from forecast.services.plans import get_plan
from forecast.services.team_actuals import Verdict, verdicts
from forecast.store import PlanRepository

# the remainder rules as the page offers them: value -> label (the domain's labels)
RULE_CHOICES = {rule.value: label for rule, label in RULE_LABELS.items()}


@dataclass(frozen=True)
class TeamCard:
    """One team on the claims board."""

    team: str
    leads: tuple[str, ...]
    basis: int
    claim: int
    claim_pct_of_basis: float | None
    note: str
    target: int
    drift: int
    probability: float | None
    can_claim: Permission
    can_withdraw: Permission
    system_plan: int = 0
    """The team's current system plan (minor units): what the card shows before a goal, when
    there is no basis yet."""
    has_goal: bool = True
    disabled_leads: tuple[str, ...] = ()
    """Those of `leads` whose account is disabled (someone who left): the card marks them."""
    actuals: Verdict | None = None
    """What the kept actuals say of the target (`team_actuals.verdict`, the Side by side page's
    rule): reached or missed once every period is in, in place of a chance of something over;
    how many periods are in while some are; None while none is."""


@dataclass(frozen=True)
class WaterfallSteps:
    """From the basis through each claim and the assigned remainder to the goal (minor units)."""

    basis_label: str
    basis_total: int
    claims: dict[str, int]
    assigned: dict[str, int]
    goal: int
    kept_over: int = 0  # claims over the gap kept when the round closed: targets = goal + this


@dataclass(frozen=True)
class NegotiationBoard:
    plan_id: str
    version: int
    user: str | None
    stage: str
    basis: str  # "baseline" | "system_plan": what the gap is measured against
    teams: tuple[str, ...]
    actions: NegotiationActions
    goal: int | None = None
    basis_total: int = 0
    gap: int = 0
    claimed: int = 0
    assigned: int = 0
    open_remainder: int = 0
    kept_over: int = 0  # claims over the gap kept at the close: the targets exceed the goal by it
    rule: str | None = None
    rule_label: str | None = None
    system_plan_total: int = 0
    drift_total: int = 0
    drifted_teams: tuple[str, ...] = ()
    basis_status: str = ""
    currency: str | None = "EUR"  # the plan's ISO code; None: plain numbers
    stretch_note: str = ""  # what the probabilities rest on ("from 6 past 13-week windows ...")
    cards: tuple[TeamCard, ...] = ()
    ledger: pd.DataFrame | None = None
    waterfall: WaterfallSteps | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def has_goal(self) -> bool:
        return self.goal is not None

    @property
    def goal_shortfall(self) -> int:
        """Minor units by which the goal falls short of the current system plan (0: it does not)."""
        return nego.goal_below_system_plan(self.summary)


def _all_refused(actions: NegotiationActions, plan_id: str) -> NegotiationActions:
    """Every action refused: the plan is archived, so read-only until unarchived."""
    no = Permission(
        False,
        "the plan is archived, so it is read-only",
        Fix(FixKey.UNARCHIVE_PLAN, plan=plan_id),
    )
    return NegotiationActions(
        set_goal=no,
        close_round=no,
        reopen_round=no,
        assign=no,
        lock=no,
        rebase=no,
        owner_decisions=no,
        claim=dict.fromkeys(actions.claim, no),
        withdraw=dict.fromkeys(actions.withdraw, no),
    )


def negotiation_board(store: PlanRepository, plan: str, user: str | None) -> NegotiationBoard:
    """The Negotiation page of `plan` as `user` sees it now."""
    state = get_plan(store, plan)
    neg = nego.negotiation_of(state)
    baseline, system = nego.current_totals(store, state)
    teams = tuple(sorted(baseline))
    drift = neg.drift(baseline, system) if neg is not None else {}
    disabled = plan_access.disabled_members(store, state)
    actions = available_actions(
        neg,
        nego.actor_of(state, user or "", disabled=disabled),
        teams,
        drift=drift,
        system_published=state.status == PUBLISHED,
    )
    if state.archived:
        actions = _all_refused(actions, state.plan_id)
    leads = _leads_by_team(state)
    common: dict[str, Any] = {
        "plan_id": state.plan_id,
        "version": state.version,
        "user": user,
        "teams": teams,
        "actions": actions,
        "system_plan_total": sum(system.values()),
        "currency": state.currency,
    }
    if neg is None or neg.goal is None:
        cards = tuple(
            replace(
                _card(t, leads, actions, None, None, disabled),
                system_plan=system[t],
                has_goal=False,
            )
            for t in teams
        )
        return NegotiationBoard(stage="draft", basis="baseline", cards=cards, **common)
    summary = nego.summary(store, state.plan_id)
    ledger = nego.ledger(store, state.plan_id)
    stretch = nego.stretch(store, state.plan_id)
    probability = {
        str(t): float(p) for t, p in zip(stretch["team"], stretch["probability_reach"], strict=True)
    }
    rows = {str(r["team"]): {str(k): v for k, v in r.items()} for r in ledger.to_dict("records")}
    cards = _with_actuals(
        store,
        state.plan_id,
        tuple(_card(t, leads, actions, rows.get(t), probability.get(t), disabled) for t in teams),
    )
    rule = summary.get("rule")
    return NegotiationBoard(
        stage=summary["stage"],
        basis=summary["basis"],
        goal=summary["goal"],
        basis_total=summary["basis_total"],
        gap=summary["gap"],
        claimed=summary["claimed"],
        assigned=summary["assigned"],
        open_remainder=summary["open_remainder"],
        kept_over=int(summary.get("kept_oversubscription") or 0),
        rule=rule,
        rule_label=RULE_LABELS[RemainderRule(rule)] if rule else None,
        drift_total=summary["drift_total"],
        drifted_teams=tuple(summary["drifted_teams"]),
        basis_status=nego.basis_status(summary),
        stretch_note=stretch_note(stretch),
        cards=cards,
        ledger=ledger,
        waterfall=_waterfall(summary, ledger),
        summary=summary,
        **common,
    )


def stretch_note(stretch: pd.DataFrame) -> str:
    """What the stretch probabilities rest on (the ``rests_on`` column of a stretch table)."""
    if "rests_on" not in stretch.columns or stretch.empty:
        return ""
    notes = list(dict.fromkeys(str(x) for x in stretch["rests_on"]))
    return "Probability to reach: " + " / ".join(notes)


def _leads_by_team(state: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for user, member in state.members.items():
        if "lead" in member.roles and member.team:
            out.setdefault(str(member.team), []).append(user)
    return out


def _card(
    team: str,
    leads: dict[str, list[str]],
    actions: NegotiationActions,
    row: dict[str, Any] | None,
    probability: float | None,
    disabled: set[str] | frozenset[str] = frozenset(),
) -> TeamCard:
    row = row or {}
    pct = row.get("claim_pct_of_basis")
    return TeamCard(
        team=team,
        leads=tuple(leads.get(team, [])),
        disabled_leads=tuple(u for u in leads.get(team, []) if u in disabled),
        basis=int(row.get("basis_minor", 0)),
        claim=int(row.get("claim_minor", 0)),
        claim_pct_of_basis=None if pct is None or pct != pct else float(pct),
        note=str(row.get("note") or ""),
        target=int(row.get("target_minor", 0)),
        drift=int(row.get("basis_drift_minor", 0)),
        probability=probability,
        can_claim=actions.claim[team],
        can_withdraw=actions.withdraw[team],
    )


def _with_actuals(
    store: PlanRepository, plan_id: str, cards: tuple[TeamCard, ...]
) -> tuple[TeamCard, ...]:
    """The cards with what their teams' kept actuals say of their targets (none kept: as
    they are)."""
    said = verdicts(store, plan_id, {card.team: card.target for card in cards})
    return tuple(replace(card, actuals=said.get(card.team)) for card in cards)


def _waterfall(summary: dict[str, Any], ledger: pd.DataFrame) -> WaterfallSteps:
    teams = ledger[ledger["team"] != "TOTAL"]
    claims = {str(t): int(v) for t, v in zip(teams["team"], teams["claim_minor"], strict=True) if v}
    assigned = {
        str(t): int(v) for t, v in zip(teams["team"], teams["assignment_minor"], strict=True) if v
    }
    return WaterfallSteps(
        basis_label=nego.basis_label(summary),
        basis_total=int(summary["basis_total"]),
        claims=claims,
        assigned=assigned,
        goal=int(summary["goal"]),
        kept_over=int(summary.get("kept_oversubscription") or 0),
    )
