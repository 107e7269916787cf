"""The negotiation track: goal, gap, claims, remainder rules, the ledger, the spread (pure).

Leadership sets a goal above (or below) the basis total; the gap is shared out: team leads claim
parts of it, and whatever nobody claims is assigned by a recorded remainder rule. All money is
``int`` minor units (cents); every split uses the largest-remainder method, so parts add up to the
whole to the last cent. A currency without cents (JPY, KRW) moves in whole steps of its quantum
(100 minor units, one yen): the basis, goal, claims, assignments and spread targets are all
multiples of it, so the ledger balances to the yen. The ledger invariant is checked after every operation:

    per team:   basis + claim + assignment = target
    in total:   sum(targets) + open remainder = goal + kept over-subscription

This module does no I/O and knows nothing about databases or Dash; the services load and store
``Negotiation.to_dict()`` in the plan's ``negotiation`` field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, cast

import numpy as np
import pandas as pd

from forecast.errors import Fix, FixKey, Refusal
from forecast.money import (
    MoneyError,
    NumberOutOfRange,
    exact_number,
    format_minor,
    minute_utc,
    shown_text,
)
from forecast.money import quantum as currency_quantum
from forecast.vocabulary import Basis, Oversubscription, RemainderRule, Stage, in_words

# --------------------------------------------------------------------------------------------
# errors


class NegotiationError(Refusal):
    """Base of every refusal of the negotiation domain: a reason meant for a planner and, where
    there is one, the fix (`forecast.errors.Fix`) that each face words in its own terms."""


class StageError(NegotiationError):
    """The operation is not allowed in the negotiation's current stage."""


class AgreedError(StageError):
    """The plan is agreed (locked); nothing in it can change any more."""


class UnknownTeam(NegotiationError):
    """A team named does not exist in the plan."""


class InvalidAmount(NegotiationError):
    """An amount, percent or ratio is malformed or absurd."""


class ManualMismatch(NegotiationError):
    """Manual assignment amounts do not add up to the remainder."""


class NotAllowed(NegotiationError):
    """The acting user's role does not allow this operation."""


class LedgerImbalance(NegotiationError):
    """The ledger does not balance. This is a bug: every operation keeps the ledger balanced."""


# --------------------------------------------------------------------------------------------
# money


def to_minor(value: float | int | Decimal | str) -> int:
    """Currency units -> int minor units (cents), rounding half to even once."""
    try:
        amount = exact_number(value)
    except MoneyError as exc:
        raise InvalidAmount(f"{exc}; give an amount like 1250000 or 1250000.50") from exc
    if not amount.is_finite():
        raise InvalidAmount(f"{value!r} is not a finite amount")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_minor(minor: int) -> Decimal:
    """Int minor units -> Decimal currency units with exactly two decimals."""
    return (Decimal(int(minor)) / 100).quantize(Decimal("0.01"))


def format_money(minor: int) -> str:
    return f"{from_minor(minor):,.2f}"


def round_to(minor: int, quantum: int) -> int:
    """Minor units to the nearest multiple of `quantum` (half to even, as `to_minor`)."""
    minor, quantum = int(minor), int(quantum)
    if quantum == 1:
        return minor
    return quantum * int((Decimal(minor) / quantum).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def split_quanta(
    total: int, weights: Sequence[int | float | Decimal], quantum: int = 1
) -> list[int]:
    """`largest_remainder` in whole steps of `quantum` (a multiple of it, split into multiples)."""
    if quantum == 1:
        return largest_remainder(total, weights)
    if int(total) % quantum:
        raise InvalidAmount(
            f"{format_money(total)} cannot be split in whole steps of the currency (an amount "
            "set before amounts were whole): set the goal and the claims again"
        )
    return [part * quantum for part in largest_remainder(int(total) // quantum, weights)]


def whole_by_period(
    by_period: Mapping[str, Mapping[str, int]], quantum: int
) -> dict[str, dict[str, int]]:
    """A basis per team and period in whole steps of `quantum`: each team's total rounded once
    (as its team basis is) and split over its periods in proportion to them, so the periods add
    up to the team's basis exactly. Unchanged for a quantum of 1 (cents)."""
    out = {str(t): {str(p): int(v) for p, v in per.items()} for t, per in by_period.items()}
    if quantum == 1:
        return out
    for team, per in out.items():
        periods = sorted(per)
        values = [per[p] for p in periods]
        if any(v < 0 for v in values):
            out[team] = {p: round_to(per[p], quantum) for p in periods}
            continue
        parts = split_quanta(round_to(sum(values), quantum), values, quantum)
        out[team] = dict(zip(periods, parts, strict=True))
    return out


def largest_remainder(total: int, weights: Sequence[int | float | Decimal]) -> list[int]:
    """Split the integer `total` into parts proportional to `weights` that add up to it exactly.

    Every part gets the floor of its quota; the units left over go one each to the largest
    remainders, ties broken by position (earlier first), so the result is deterministic. A
    negative total is split like its absolute value and negated (the parts then are <= 0).
    Weights must be >= 0; zero-weight items get nothing unless all weights are zero, in which
    case the total is split evenly.
    """
    total = int(total)
    n = len(weights)
    if n == 0:
        if total != 0:
            raise InvalidAmount(f"cannot split {total} among nobody")
        return []
    exact = [Decimal(str(w)) if not isinstance(w, int) else Decimal(w) for w in weights]
    if any(not w.is_finite() or w < 0 for w in exact):
        raise InvalidAmount("split weights must be finite and not negative")
    if total < 0:
        return [-part for part in largest_remainder(-total, exact)]
    if all(w == 0 for w in exact):
        exact = [Decimal(1)] * n
    # Scale Decimal weights to integers so the arithmetic below is exact.
    exponent = min(min(int(w.as_tuple().exponent) for w in exact), 0)
    scaled = [int(w.scaleb(-exponent)) for w in exact]
    weight_sum = sum(scaled)
    floors = [total * w // weight_sum for w in scaled]
    remainders = [total * w % weight_sum for w in scaled]
    left = total - sum(floors)
    order = sorted(range(n), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def split_ints(total: int, weights: np.ndarray) -> np.ndarray:
    """`largest_remainder` for an int64 array of weights (>= 0), vectorised; same result."""
    total = int(total)
    n = len(weights)
    if n == 0:
        if total != 0:
            raise InvalidAmount(f"cannot split {total} among nobody")
        return np.zeros(0, dtype=np.int64)
    if total < 0:
        return -split_ints(-total, weights)
    w = np.asarray(weights, dtype=np.int64)
    if (w < 0).any():
        raise InvalidAmount("split weights must be finite and not negative")
    weight_sum = int(w.sum())
    if weight_sum == 0:
        w = np.ones(n, dtype=np.int64)
        weight_sum = n
    if total * int(w.max()) < 2**62:  # no overflow: plain int64 arithmetic
        product = w * total
        floors = product // weight_sum
        remainders = product % weight_sum
    else:  # exact Python integers
        product_obj = w.astype(object) * total
        floors = (product_obj // weight_sum).astype(np.int64)
        remainders = (product_obj % weight_sum).astype(np.int64)
    left = total - int(floors.sum())
    if left:
        order = np.lexsort((np.arange(n), -remainders))  # largest remainder first, then position
        floors[order[:left]] += 1
    return floors


# --------------------------------------------------------------------------------------------
# vocabulary (the enums live in forecast.vocabulary)


RULE_LABELS = {
    RemainderRule.PRO_RATA_BASELINE: "pro rata to basis",
    RemainderRule.EVEN: "even split",
    RemainderRule.PRO_RATA_CLAIMS: "pro rata to claims",
    RemainderRule.MANUAL: "manual amounts",
    RemainderRule.PRO_RATA_SHORTFALL: "spare volunteers (pro rata among teams short of their share)",
    RemainderRule.FILL_SHORTFALL: "fill each short team up to its pro rata share (by shortfall)",
}


# the basis column in a sentence ("in proportion to its system plan"), not its machine key
BASIS_WORDS = {Basis.BASELINE: "baseline", Basis.SYSTEM_PLAN: "system plan"}


def parse_enum(kind: type[StrEnum], value: str | StrEnum, what: str) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        options = ", ".join(str(m) for m in kind)
        raise NegotiationError(f"unknown {what} {value!r}; use one of {options}") from None


WITHDRAW = "withdraw a claim"
"""What withdrawing a team's claim is called in a refusal ("cannot withdraw a claim")."""


@dataclass(frozen=True)
class Actor:
    """Who acts, with the roles they hold in this plan (owner, planner, lead) and a lead's team."""

    user: str
    roles: frozenset[str] = frozenset()
    team: str | None = None
    # The leads of every team of the plan, (team, user) pairs: who to ask instead.
    team_leads: tuple[tuple[str, str], ...] = ()
    # Leads whose account is disabled (people who left), never named as the ones to ask: a team
    # whose every lead has left needs a new lead.
    left_leads: tuple[tuple[str, str], ...] = ()

    def require_owner(self, doing: str) -> None:
        if "owner" not in self.roles:
            raise NotAllowed(
                f"user {self.user} cannot {doing}: only the plan owner can; ask an owner to do it "
                f"or to grant you the owner role"
            )

    def require_lead_of(self, team: str, doing: str) -> None:
        leads = ", ".join(sorted(user for t, user in self.team_leads if t == team))
        ask = FixKey.ASK_TEAM_LEAD_TO_WITHDRAW if doing == WITHDRAW else FixKey.ASK_TEAM_LEAD
        gone = sorted(user for t, user in self.left_leads if t == team)
        if len(gone) > 1:
            who_left = (
                f"team {team}'s leads ({', '.join(gone)}) have left: their accounts are disabled"
            )
        else:
            who_left = f"team {team}'s lead {''.join(gone)} has left: the account is disabled"
        left = f"; {who_left}" if gone and not leads else ""
        if "lead" not in self.roles and leads:
            raise NotAllowed(
                f"user {self.user} cannot {doing} for team {team!r}: claims are made by the team's lead",
                Fix(ask, team=team, leads=leads),
            )
        if "owner" in self.roles and "lead" not in self.roles:
            raise NotAllowed(
                f"user {self.user} cannot {doing} for team {team!r}: claims are made by the team's "
                f"lead{left}",
                Fix(FixKey.GRANT_LEAD, team=team),
            )
        if "lead" not in self.roles:
            raise NotAllowed(
                f"user {self.user} cannot {doing}: only a team lead can, for their own team" + left,
                Fix(FixKey.ASK_FOR_LEAD, user=self.user, team=team),
            )
        if self.team != team:
            # A lead has one team: its own lead claims for the other team, or the owner moves
            # this lead there.
            raise NotAllowed(
                f"user {self.user} is the lead of team {self.team!r} and cannot {doing} for team "
                f"{team!r}{left}",
                Fix(ask, team=team, leads=leads)
                if leads
                else Fix(FixKey.ASK_FOR_LEAD, user=self.user, team=team),
            )


@dataclass
class Claim:
    team: str
    amount: int  # minor units, may be negative (a team volunteers a reduction)
    note: str
    author: str
    percent: str | None = None  # the percent of the team's basis if the claim was given as one
    at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "amount": self.amount,
            "note": self.note,
            "author": self.author,
            "percent": self.percent,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Claim:
        return cls(
            team=str(data["team"]),
            amount=int(data["amount"]),
            note=str(data.get("note", "")),
            author=str(data.get("author", "")),
            percent=data.get("percent"),
            at=data.get("at"),
        )


# the largest claim we accept, relative to the goal: anything above is a typo, not a plan
ABSURD_FACTOR = 10


# --------------------------------------------------------------------------------------------
# the aggregate


@dataclass(frozen=True)
class RebaseNotes:
    """What a rebase did, in words (`notes`, in order), and among them the note saying it had
    to drop the assignment (None: it did not), which the owner must act on."""

    notes: tuple[str, ...]
    dropped_assignment: str | None = None


@dataclass
class Negotiation:
    """The negotiation of one plan. Team totals are frozen when the goal is set.

    ``team_baseline`` and ``team_system_plan`` are the teams' horizon totals in minor units;
    ``basis`` says which of the two the gap is measured against (recorded). ``period_goals``
    optionally splits the goal by period (ISO date -> minor units, adding up to ``goal``) and
    ``period_basis`` then holds the basis per team and period.
    """

    team_baseline: dict[str, int] = field(default_factory=dict)
    team_system_plan: dict[str, int] = field(default_factory=dict)
    basis: Basis = Basis.BASELINE
    spread_by: Basis = Basis.SYSTEM_PLAN  # what the targets are spread down in proportion to
    stage: Stage = Stage.DRAFT
    goal: int | None = None
    goal_set_by: str | None = None
    goal_set_at: str | None = None
    goal_ratio: str | None = None  # recorded when the goal was given as a ratio of the basis
    period_goals: dict[str, int] = field(default_factory=dict)
    period_basis: dict[str, dict[str, int]] = field(default_factory=dict)  # team -> period -> minor
    claims: dict[str, Claim] = field(default_factory=dict)
    round_closed_by: str | None = None
    round_closed_at: str | None = None
    oversubscription_policy: Oversubscription | None = None
    kept_oversubscription: int = 0
    scaled_from: dict[str, int] = field(default_factory=dict)  # claims before scaling
    rule: RemainderRule | None = None
    excluded: list[str] = field(default_factory=list)
    manual: dict[str, int] = field(default_factory=dict)
    assignments: dict[str, int] = field(default_factory=dict)
    assigned_by: str | None = None
    assigned_at: str | None = None
    agreed_by: str | None = None
    agreed_at: str | None = None
    # the basis the goal was set (or last rebased) against, per team and period (minor units of
    # the basis column); sums per team to ``team_basis``. Empty for negotiations saved before it.
    basis_by_period: dict[str, dict[str, int]] = field(default_factory=dict)
    basis_taken_at: str | None = None
    rebased_by: str | None = None
    rebased_at: str | None = None
    currency: str | None = field(default=None, compare=False)
    """The plan's currency, for amounts in messages and reasons (not stored: the plan has it)."""

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        team_baseline: Mapping[str, int],
        team_system_plan: Mapping[str, int] | None = None,
    ) -> Negotiation:
        if not team_baseline:
            raise NegotiationError("the plan has no teams; set the plan's team dimension first")
        for team, value in team_baseline.items():
            if int(value) < 0:
                raise InvalidAmount(f"team {team!r} has a negative baseline {format_money(value)}")
        system = dict(team_system_plan) if team_system_plan is not None else dict(team_baseline)
        if set(system) != set(team_baseline):
            raise NegotiationError("baseline and system plan must cover the same teams")
        neg = cls(
            team_baseline={str(t): int(v) for t, v in team_baseline.items()},
            team_system_plan={str(t): int(v) for t, v in system.items()},
        )
        neg.check()
        return neg

    # -- derived figures ---------------------------------------------------------------------
    @property
    def basis_taken(self) -> str | None:
        """When the basis the numbers rest on was taken (ISO, UTC): when the goal was set or
        last rebased; None where neither time is kept."""
        return self.basis_taken_at or self.rebased_at or None

    @property
    def teams(self) -> list[str]:
        return sorted(self.team_baseline)

    @property
    def quantum(self) -> int:
        """The currency's smallest step in minor units (JPY: 100, one yen; EUR or none: 1)."""
        return currency_quantum(self.currency)

    def _whole(self, totals: Mapping[str, int]) -> dict[str, int]:
        """Team totals rounded to the currency's quantum (unchanged for cents)."""
        q = self.quantum
        return {str(t): round_to(v, q) for t, v in totals.items()}

    @property
    def team_basis(self) -> dict[str, int]:
        """The basis per team, in whole steps of the currency (JPY: whole yen)."""
        return self._whole(
            self.team_baseline if self.basis == Basis.BASELINE else self.team_system_plan
        )

    def _require_whole(self, minor: int, what: str) -> None:
        if int(minor) % self.quantum:
            raise InvalidAmount(
                f"{what} {format_money(minor)} is finer than {self.currency} has; "
                "give a whole amount"
            )

    @property
    def basis_total(self) -> int:
        return sum(self.team_basis.values())

    @property
    def gap(self) -> int | None:
        return None if self.goal is None else self.goal - self.basis_total

    @property
    def claimed(self) -> int:
        return sum(c.amount for c in self.claims.values())

    @property
    def assigned(self) -> int:
        return sum(self.assignments.values())

    @property
    def remainder(self) -> int:
        """What is still to be assigned: gap - claims (0 once a kept over-subscription is recorded)."""
        if self.goal is None:
            return 0
        if self.stage in (Stage.ASSIGNING, Stage.AGREED) and self.kept_oversubscription:
            return 0
        return int(self.gap or 0) - self.claimed

    @property
    def open_remainder(self) -> int:
        """The remainder not yet given out by an assignment."""
        return self.remainder - self.assigned

    @property
    def oversubscribed_by(self) -> int:
        """How far the claims overshoot the gap in its own direction (0 if they don't). A gap of
        zero counts as not negative: claims above it overshoot it (the other teams are not charged
        negative shares to make room for them)."""
        gap = self.gap
        if gap is None:
            return 0
        claimed = self.claimed
        if gap >= 0 and claimed > gap:
            return claimed - gap
        if gap < 0 and claimed < gap:
            return claimed - gap
        return 0

    @property
    def total_target(self) -> int:
        """What all teams together are to reach: the goal (plus a kept over-subscription) once
        there is one, whether or not the remainder has been assigned yet; before a goal, the
        sum of the teams' targets."""
        if self.goal is None:
            return sum(self.targets().values())
        return self.goal + self.kept_oversubscription

    def targets(self) -> dict[str, int]:
        basis = self.team_basis
        return {
            t: basis[t] + self._claim_amount(t) + self.assignments.get(t, 0) for t in self.teams
        }

    def _claim_amount(self, team: str) -> int:
        claim = self.claims.get(team)
        return claim.amount if claim else 0

    # -- invariant ---------------------------------------------------------------------------
    def check(self) -> None:
        """Raise LedgerImbalance unless the ledger balances exactly."""
        basis = self.team_basis
        targets = self.targets()
        for team in self.teams:
            if (
                basis[team] + self._claim_amount(team) + self.assignments.get(team, 0)
                != targets[team]
            ):
                raise LedgerImbalance(f"team {team!r} does not balance")
        unknown = (set(self.claims) | set(self.assignments)) - set(self.teams)
        if unknown:
            raise LedgerImbalance(f"claims or assignments for unknown teams {sorted(unknown)}")
        if self.goal is None:
            return
        total = sum(targets.values()) + self.open_remainder
        if total != self.goal + self.kept_oversubscription:
            raise LedgerImbalance(
                f"targets {total} do not add up to goal {self.goal} "
                f"+ kept over-subscription {self.kept_oversubscription}"
            )
        if self.period_goals and sum(self.period_goals.values()) != self.goal:
            raise LedgerImbalance("the per-period goals do not add up to the goal")
        if self.stage == Stage.AGREED and self.open_remainder != 0:
            raise LedgerImbalance("an agreed plan has an unassigned remainder")

    # -- guards ------------------------------------------------------------------------------
    def _require_not_agreed(self, doing: str) -> None:
        if self.stage == Stage.AGREED:
            raise AgreedError(
                f"cannot {doing}: the plan was agreed by {self.agreed_by} at "
                f"{minute_utc(self.agreed_at)} and is locked",
                Fix(FixKey.NEW_VERSION),
            )

    def _require_stage(self, doing: str, *stages: Stage) -> None:
        self._require_not_agreed(doing)
        if self.stage not in stages:
            why = {
                Stage.DRAFT: ("there is no goal yet", FixKey.SET_GOAL),
                Stage.CLAIMING: ("the claiming round is still open", FixKey.CLOSE_ROUND),
                Stage.ASSIGNING: ("the claiming round is closed", FixKey.REOPEN_ROUND),
            }
            reason, key = why.get(self.stage, ("", None))
            raise StageError(
                f"cannot {doing} while the negotiation is in stage {self.stage.value!r}: {reason}",
                None if key is None else Fix(key),
            )

    def _require_team(self, team: str) -> None:
        if team not in self.team_baseline:
            raise UnknownTeam(
                f"unknown team {team!r}; the plan's teams are {', '.join(self.teams)}"
            )

    # -- operations --------------------------------------------------------------------------
    def set_goal(
        self,
        actor: Actor,
        total: int | None = None,
        *,
        ratio: Decimal | str | None = None,
        period_goals: Mapping[str, int] | None = None,
        period_basis: Mapping[str, Mapping[str, int]] | None = None,
        basis: Basis | str = Basis.BASELINE,
        spread_by: Basis | str = Basis.SYSTEM_PLAN,
        at: str | None = None,
    ) -> None:
        """Set the goal: a total in minor units, a ratio of the basis total, or per period.

        Allowed in draft and while claiming (claims stay); opens the claiming round.
        """
        actor.require_owner("set the goal")
        self._require_stage("set the goal", Stage.DRAFT, Stage.CLAIMING)
        chosen: Basis = parse_enum(Basis, basis, "basis")
        spread_basis = parse_enum(Basis, spread_by, "spread basis")
        given = sum(x is not None for x in (total, ratio)) + bool(period_goals)
        if given != 1:
            raise InvalidAmount(
                "give exactly one of: a goal total, a ratio of the basis, per-period goals"
            )
        new_basis = self._whole(
            self.team_baseline if chosen == Basis.BASELINE else self.team_system_plan
        )
        self._require_claims_fit(new_basis, chosen, "the goal is set on it")
        basis_total = sum(new_basis.values())
        recorded_ratio: str | None = None
        periods: dict[str, int] = {}
        if ratio is not None:
            r = parse_ratio(ratio)
            goal = self._goal_of_ratio(basis_total, r)
            recorded_ratio = ratio_text(ratio)
        elif period_goals:
            periods = {str(p): int(v) for p, v in period_goals.items()}
            for p, v in periods.items():
                self._require_whole(v, f"the goal for {p}")
            if any(v < 0 for v in periods.values()):
                raise InvalidAmount("a per-period goal cannot be negative")
            if not period_basis:
                raise NegotiationError("per-period goals need the basis per team and period")
            known = {p for per in period_basis.values() for p in per}
            unknown = sorted(set(periods) - known)
            if unknown:
                raise InvalidAmount(
                    f"per-period goal for period(s) {', '.join(unknown)} outside the horizon; "
                    f"the horizon's periods are {', '.join(sorted(known))}"
                )
            missing = sorted(known - set(periods))
            if missing:
                raise InvalidAmount(
                    f"per-period goals must cover every period of the horizon; missing {', '.join(missing)}"
                )
            goal = sum(periods.values())
        else:
            goal = int(total)  # type: ignore[arg-type]
            self._require_whole(goal, "the goal")
        if goal < 0:
            raise InvalidAmount(f"the goal {self.money(goal)} is negative; a sales goal is >= 0")
        if basis_total and abs(goal) > ABSURD_FACTOR * basis_total:
            raise InvalidAmount(
                f"the goal {self.money(goal)} is more than {ABSURD_FACTOR} times the {in_words(chosen)} "
                f"total {self.money(basis_total)}; check the units (amounts are in currency units)"
            )
        gaps = self._period_gaps(periods, period_basis) if periods else {}
        if periods and sum(gaps.values()) == 0 and any(gaps.values()):
            raise InvalidAmount(
                "per-period goals whose total equals the basis total cannot be shared out by "
                "period; set a total goal instead"
            )
        before = (self.goal, self.basis, self.period_goals, self.period_basis)
        self.goal = goal
        self.basis = chosen
        self.spread_by = spread_basis
        self.goal_ratio = recorded_ratio
        self.period_goals = periods
        self.period_basis = (
            {str(t): {str(p): int(v) for p, v in per.items()} for t, per in period_basis.items()}
            if periods and period_basis
            else {}
        )
        self.goal_set_by = actor.user
        self.goal_set_at = at
        self.stage = Stage.CLAIMING
        self._checked(before)

    def _require_claims_fit(self, basis: Mapping[str, int], measured: Basis, before: str) -> None:
        """Refuse a basis on which a claim (kept as an amount) takes its team below zero: the
        guard a claim meets when it is made, asked again when the basis changes under it (a goal
        measured against the other basis, refreshed team totals, a rebase)."""
        for team, claim in sorted(self.claims.items()):
            if team in basis and basis[team] + claim.amount < 0:
                raise InvalidAmount(
                    f"team {team!r}'s claim {self.money(claim.amount)} would take it below zero "
                    f"on the {in_words(measured)} {self.money(basis[team])}: its lead lowers the "
                    f"claim before {before}"
                )

    def _goal_of_ratio(self, basis_total: int, ratio: Decimal) -> int:
        """The ratio of the basis total, rounded once to the currency's quantum (half to even)."""
        q = self.quantum
        return q * int(
            (Decimal(basis_total) * ratio / q).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        )

    def _period_gaps(
        self, periods: Mapping[str, int], period_basis: Mapping[str, Mapping[str, int]] | None
    ) -> dict[str, int]:
        per_period_basis: dict[str, int] = {}
        for per in (period_basis or {}).values():
            for p, v in per.items():
                per_period_basis[p] = per_period_basis.get(p, 0) + int(v)
        return {p: periods[p] - per_period_basis.get(p, 0) for p in periods}

    def claim(
        self,
        actor: Actor,
        team: str,
        amount: int | None = None,
        *,
        percent: Decimal | str | float | None = None,
        note: str = "",
        at: str | None = None,
    ) -> Claim:
        """Make, raise or lower the team's claim (replaces the team's previous claim)."""
        self._require_team(team)
        actor.require_lead_of(team, "claim")
        self._require_stage("claim", Stage.CLAIMING)
        if (amount is None) == (percent is None):
            raise InvalidAmount(
                "give the claim either as an amount or as a percent of the team's basis"
            )
        basis = self.team_basis[team]
        recorded_percent: str | None = None
        if percent is not None:
            shown = shown_text(str(percent))
            try:
                pct = exact_number(percent)
            except MoneyError as exc:
                raise InvalidAmount(f"the percent {exc}; give a number like 12.5") from None
            if not pct.is_finite():
                raise InvalidAmount(f"{shown} is not a finite percent")
            # refused before rounding: a claim far past the limit has more digits than it can
            if abs(Decimal(basis) * pct / 100) > ABSURD_FACTOR * max(
                self.goal or 0, self.basis_total, 1
            ):
                raise InvalidAmount(
                    f"a claim of {shown} % of the team's basis is more than {ABSURD_FACTOR} times "
                    "the goal; check it"
                )
            q = self.quantum
            amount = q * int(
                (Decimal(basis) * pct / 100 / q).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
            )
            recorded_percent = str(pct)
        assert amount is not None
        amount = int(amount)
        self._require_whole(amount, "a claim of")
        if not note.strip():
            raise InvalidAmount(
                "a claim needs a note saying how the team will get there (the initiative)"
            )
        if basis + amount < 0:
            raise InvalidAmount(
                f"a claim of {self.money(amount)} would take team {team!r} below zero "
                f"(its {in_words(self.basis)} is {self.money(basis)})"
            )
        limit = ABSURD_FACTOR * max(self.goal or 0, self.basis_total, 1)
        if abs(amount) > limit:
            raise InvalidAmount(
                f"a claim of {self.money(amount)} is more than {ABSURD_FACTOR} times the goal; "
                "check the units (amounts are in currency units)"
            )
        before = self.claims.get(team)
        claim = Claim(
            team=team,
            amount=amount,
            note=note.strip(),
            author=actor.user,
            percent=recorded_percent,
            at=at,
        )
        self.claims[team] = claim
        self._checked(before)
        return claim

    def unclaim(self, actor: Actor, team: str) -> Claim:
        """Withdraw the team's claim."""
        self._require_team(team)
        actor.require_lead_of(team, WITHDRAW)
        self._require_stage(WITHDRAW, Stage.CLAIMING)
        if team not in self.claims:
            raise NegotiationError(f"team {team!r} has no claim to withdraw")
        removed = self.claims.pop(team)
        self.check()
        return removed

    def close_round(
        self,
        actor: Actor,
        oversubscribed: Oversubscription | str = Oversubscription.KEEP,
        *,
        at: str | None = None,
    ) -> None:
        """Close the claiming round. Over-subscribed claims are kept (the plan exceeds the goal,
        recorded) or scaled down pro rata so that they add up to the gap exactly."""
        actor.require_owner("close the claiming round")
        self._require_stage("close the claiming round", Stage.CLAIMING)
        policy = parse_enum(Oversubscription, oversubscribed, "over-subscription policy")
        self._settle_oversubscription(
            policy,
            "claims go in both directions, so they cannot be scaled pro rata",
            Fix(FixKey.KEEP_OVERSUBSCRIPTION),
        )
        self.oversubscription_policy = policy
        self.round_closed_by = actor.user
        self.round_closed_at = at
        self.stage = Stage.ASSIGNING
        self.assignments = {}
        self.check()

    def _settle_oversubscription(self, policy: Oversubscription, both_ways: str, fix: Fix) -> None:
        """Apply the over-subscription policy to the claims as they stand against the current gap:
        kept (recorded) or scaled down pro rata to add up to the gap exactly (the claims before
        scaling kept in ``scaled_from``). Claims that go both ways cannot be scaled: `both_ways`
        is the refusal's reason, `fix` its fix."""
        over = self.oversubscribed_by
        gap = int(self.gap or 0)
        self.scaled_from = {}
        self.kept_oversubscription = 0
        if over and policy == Oversubscription.SCALE:
            teams = sorted(self.claims)
            amounts = [self.claims[t].amount for t in teams]
            if any((a > 0) != (gap >= 0) and a != 0 for a in amounts):
                raise NegotiationError(both_ways, fix)
            scaled = split_quanta(gap, [abs(a) for a in amounts], self.quantum)
            self.scaled_from = dict(zip(teams, amounts, strict=True))
            for team, value in zip(teams, scaled, strict=True):
                self.claims[team].amount = value
        elif over:
            self.kept_oversubscription = over

    def reopen_round(self, actor: Actor) -> None:
        """Back to claiming (drops an assignment not yet agreed, restores scaled claims)."""
        actor.require_owner("reopen the claiming round")
        self._require_stage("reopen the claiming round", Stage.ASSIGNING)
        for team, amount in self.scaled_from.items():
            if team in self.claims:
                self.claims[team].amount = amount
        self.scaled_from = {}
        self.kept_oversubscription = 0
        self.oversubscription_policy = None
        self.assignments = {}
        self.rule = None
        self.manual = {}
        self.excluded = []
        self.stage = Stage.CLAIMING
        self.check()

    def assign(
        self,
        actor: Actor,
        rule: RemainderRule | str,
        *,
        manual: Mapping[str, int] | None = None,
        exclude: Iterable[str] = (),
        at: str | None = None,
    ) -> dict[str, int]:
        """Assign the unclaimed remainder to the teams by `rule` (replaces an earlier assignment)."""
        actor.require_owner("assign the remainder")
        self._require_stage("assign the remainder", Stage.ASSIGNING)
        chosen_rule: RemainderRule = parse_enum(RemainderRule, rule, "remainder rule")
        excluded = sorted(set(exclude))
        for team in excluded:
            self._require_team(team)
        eligible = [t for t in self.teams if t not in excluded]
        remainder = self.remainder
        manual_amounts: dict[str, int] = {}
        if chosen_rule == RemainderRule.MANUAL:
            if manual is None:
                raise InvalidAmount(
                    "the manual rule needs an amount per team", Fix(FixKey.MANUAL_AMOUNTS)
                )
            manual_amounts = {str(t): int(v) for t, v in manual.items()}
            for team, value in manual_amounts.items():
                self._require_whole(value, f"the manual amount for team {team!r}")
            for team in manual_amounts:
                self._require_team(team)
                if team in excluded and manual_amounts[team] != 0:
                    raise InvalidAmount(f"team {team!r} is excluded and cannot get a manual amount")
            given = sum(manual_amounts.values())
            if given != remainder:
                diff = remainder - given
                raise ManualMismatch(
                    f"the manual amounts add up to {self.money(given)} but the remainder is "
                    f"{self.money(remainder)}; they are {self.money(abs(diff))} "
                    f"{'short' if diff > 0 else 'over'}",
                    Fix(FixKey.MANUAL_TOTAL),
                )
            shares = {t: manual_amounts.get(t, 0) for t in self.teams}
        else:
            if manual:
                raise InvalidAmount("manual amounts are only used with the manual rule")
            if not eligible:
                if remainder != 0:
                    raise InvalidAmount(
                        "every team is excluded; leave at least one to take the remainder"
                    )
                shares = {t: 0 for t in self.teams}
            else:
                weights = self._rule_weights(chosen_rule, eligible, remainder)
                split = split_quanta(remainder, weights, self.quantum)
                shares = {t: 0 for t in self.teams}
                shares.update(dict(zip(eligible, split, strict=True)))
        basis = self.team_basis
        for team, share in shares.items():
            claimed = basis[team] + self._claim_amount(team)
            if claimed < 0:
                # a claim below zero on the basis (saved before claims were checked against a
                # changed basis): no share, excluded or not, mends it; its lead lowers the claim
                raise InvalidAmount(
                    f"team {team!r}'s claim {self.money(self._claim_amount(team))} takes it "
                    f"below zero on its {in_words(self.basis)} {self.money(basis[team])} before "
                    "any assignment; reopen the round so its lead lowers the claim",
                    Fix(FixKey.REOPEN_ROUND),
                )
            target = claimed + share
            if target < 0:
                raise InvalidAmount(
                    f"assigning {self.money(share)} would take team {team!r} to a negative target "
                    f"{self.money(target)}; exclude it or choose another rule"
                )
        self.assignments = shares
        self.rule = chosen_rule
        self.excluded = excluded
        self.manual = manual_amounts
        self.assigned_by = actor.user
        self.assigned_at = at
        self.check()
        return dict(shares)

    def _rule_weights(self, rule: RemainderRule, eligible: list[str], remainder: int) -> list[int]:
        if rule == RemainderRule.EVEN:
            return [1] * len(eligible)
        if rule == RemainderRule.PRO_RATA_BASELINE:
            weights = [self.team_basis[t] for t in eligible]
            if not any(weights) and remainder:
                raise InvalidAmount(
                    f"the eligible teams have no {in_words(self.basis)}; use another rule"
                )
            return weights
        if rule in (RemainderRule.PRO_RATA_SHORTFALL, RemainderRule.FILL_SHORTFALL):
            short = self.short_of_share(remainder)
            if remainder and not any(short[t] for t in eligible):
                raise InvalidAmount(
                    "no eligible team claimed less than its pro rata share of the gap, so the "
                    "rule that spares volunteers has nobody to assign to; use another rule"
                )
            if rule == RemainderRule.FILL_SHORTFALL:
                # each short team by its shortfall (its pro rata share of the gap minus its
                # claim), so that, when nobody over-claims, every team ends at its pro rata share
                sign = 1 if remainder >= 0 else -1
                scaled = self._scaled_shortfalls()
                return [max(0, sign * scaled[t]) if short[t] else 0 for t in eligible]
            # pro rata to the basis among the short teams (the rule's meaning since plans first
            # stored it: a plan assigned by it keeps its split on a rebase)
            weights = [self.team_basis[t] if short[t] else 0 for t in eligible]
            if not any(weights):  # short teams without a basis share evenly
                weights = [1 if short[t] else 0 for t in eligible]
            return weights
        # pro rata to claims: only claims in the remainder's direction count
        sign = 1 if remainder >= 0 else -1
        weights = [max(0, sign * self._claim_amount(t)) for t in eligible]
        if not any(weights) and remainder:
            raise InvalidAmount(
                "no eligible team has a claim in the remainder's direction to be pro rata to; "
                "use another rule"
            )
        return weights

    def fair_share(self, team: str) -> Decimal:
        """The team's pro rata share of the gap (by its basis), exact, in minor units."""
        total = self.basis_total
        gap = Decimal(int(self.gap or 0))
        if total == 0:
            return gap / max(len(self.teams), 1)
        return gap * Decimal(self.team_basis[team]) / Decimal(total)

    def _scaled_shortfalls(self) -> dict[str, int]:
        """Per team: its shortfall (pro rata share of the gap minus its claim) times the basis
        total (times the number of teams when there is no basis): exact integers in the same
        proportions as the shortfalls, to weigh the remainder by."""
        total = self.basis_total
        gap = int(self.gap or 0)
        if total == 0:
            n = max(len(self.teams), 1)
            return {t: gap - self._claim_amount(t) * n for t in self.teams}
        basis = self.team_basis
        return {t: gap * basis[t] - self._claim_amount(t) * total for t in self.teams}

    def short_of_share(self, remainder: int | None = None) -> dict[str, bool]:
        """Per team: did it claim less than its pro rata share of the gap, in the direction of
        the remainder? (Those are the teams the rules `pro_rata_shortfall` and `fill_shortfall`
        assign to.)"""
        remainder = self.remainder if remainder is None else remainder
        sign = 1 if remainder >= 0 else -1
        return {t: sign * (self.fair_share(t) - self._claim_amount(t)) > 0 for t in self.teams}

    def assignment_reasons(self) -> dict[str, str]:
        """Per team, in words: which rule gave it its assignment and why that much."""
        if self.rule is None:
            return {t: "" for t in self.teams}
        label = RULE_LABELS[self.rule]
        remainder = self.remainder
        eligible = [t for t in self.teams if t not in self.excluded]
        short = self.short_of_share(remainder)
        out: dict[str, str] = {}
        for team in self.teams:
            share = self.assignments.get(team, 0)
            part = _pct(share, remainder)
            of = "" if part is None else f" ({part:.1f} % of the remainder)"
            if team in self.excluded:
                out[team] = f"{label}: excluded by the owner, gets nothing"
            elif self.rule == RemainderRule.MANUAL:
                out[team] = f"{label}: set by {self.assigned_by or 'the owner'}{of}"
            elif self.rule == RemainderRule.EVEN:
                out[team] = f"{label}: an equal part among {len(eligible)} teams{of}"
            elif self.rule == RemainderRule.PRO_RATA_BASELINE:
                out[team] = f"{label}: in proportion to its {BASIS_WORDS[self.basis]}{of}"
            elif self.rule == RemainderRule.PRO_RATA_CLAIMS:
                out[team] = f"{label}: in proportion to its claim{of}"
            else:
                fair = self.money(int(self.fair_share(team).to_integral_value()))
                claimed = self.money(self._claim_amount(team))
                if short[team] and self.rule == RemainderRule.PRO_RATA_SHORTFALL:
                    out[team] = (
                        f"{label}: claimed {claimed} of its pro rata share {fair}, so it takes "
                        f"part of the remainder in proportion to its {BASIS_WORDS[self.basis]}{of}"
                    )
                elif short[team]:
                    out[team] = (
                        f"{label}: claimed {claimed} of its pro rata share {fair} of the gap on "
                        f"its {BASIS_WORDS[self.basis]}, so it takes part of the remainder in "
                        f"proportion to its shortfall (the amount it is short of its pro rata "
                        f"share){of}"
                    )
                else:
                    out[team] = (
                        f"{label}: spared, it volunteered {claimed}, at least its pro rata "
                        f"share {fair}"
                    )
        return out

    # -- basis drift and rebase ----------------------------------------------------------------
    def drift(
        self, team_baseline: Mapping[str, int], team_system_plan: Mapping[str, int]
    ) -> dict[str, int]:
        """Per team: the current value of the basis column minus the basis recorded when the
        goal was set (or last rebased). Non-zero means the numbers moved under the negotiation."""
        current = self._whole(team_baseline if self.basis == Basis.BASELINE else team_system_plan)
        recorded = self.team_basis
        return {t: int(current.get(t, 0)) - recorded.get(t, 0) for t in self.teams}

    def rebase(
        self,
        actor: Actor,
        team_baseline: Mapping[str, int],
        team_system_plan: Mapping[str, int],
        *,
        basis_by_period: Mapping[str, Mapping[str, int]] | None = None,
        at: str | None = None,
    ) -> RebaseNotes:
        """Move the negotiation onto the current numbers (owner): claims are kept as amounts, a
        goal given as an amount stays and one given as a ratio is re-applied to the new basis, the
        remainder is recomputed and re-assigned by the recorded rule. In a closed round the
        recorded over-subscription policy is applied again to the new gap, from the claims as
        made (scaled again, or kept). Returns what it did in words, the assignment it had to
        drop among them (`RebaseNotes`); a refusal changes nothing."""
        actor.require_owner("rebase the negotiation")
        self._require_stage("rebase the negotiation", Stage.CLAIMING, Stage.ASSIGNING)
        if set(team_baseline) != set(self.team_baseline) or set(team_system_plan) != set(
            self.team_baseline
        ):
            raise NegotiationError(
                "the plan's teams changed since the goal was set; set the goal again"
            )
        snapshot = self.to_dict()
        try:
            notes = self._rebase(actor, team_baseline, team_system_plan, basis_by_period, at)
        except NegotiationError:
            # a refused rebase changes nothing
            restored = Negotiation.from_dict(snapshot, currency=self.currency)
            self.__dict__.update(restored.__dict__)
            raise
        return notes

    def _rebase(
        self,
        actor: Actor,
        team_baseline: Mapping[str, int],
        team_system_plan: Mapping[str, int],
        basis_by_period: Mapping[str, Mapping[str, int]] | None,
        at: str | None,
    ) -> RebaseNotes:
        notes: list[str] = []
        self.team_baseline = {str(t): int(v) for t, v in team_baseline.items()}
        self.team_system_plan = {str(t): int(v) for t, v in team_system_plan.items()}
        if basis_by_period is not None:
            self.basis_by_period = {
                str(t): {str(p): int(v) for p, v in per.items()}
                for t, per in basis_by_period.items()
            }
        if self.goal_ratio is not None:
            goal = self._goal_of_ratio(self.basis_total, parse_ratio(self.goal_ratio))
            if goal != self.goal:
                notes.append(
                    f"goal re-applied as {self.goal_ratio} of the {in_words(self.basis)}: "
                    f"{self.money(goal)}"
                )
            self.goal = goal
        if self.period_goals and self.basis_by_period:
            self.period_basis = {t: dict(p) for t, p in self.basis_by_period.items()}
        if self.stage == Stage.ASSIGNING:
            self._resettle_claims(notes)
        self._require_claims_fit(
            self.team_basis, self.basis, "the rebase (reopen the round if it is closed)"
        )
        dropped = self._reassign(actor, notes, at) if self.stage == Stage.ASSIGNING else None
        self.rebased_by = actor.user
        self.rebased_at = at
        self.basis_taken_at = at
        self.check()
        return RebaseNotes(tuple(notes), dropped)

    def _resettle_claims(self, notes: list[str]) -> None:
        """After a rebase of a closed round: the over-subscription policy recorded at close-round
        applied again to the new gap, from the claims as the leads made them (claims scaled down
        to the old gap would otherwise overshoot a smaller one)."""
        policy = self.oversubscription_policy or Oversubscription.KEEP
        was_scaled = bool(self.scaled_from)
        for team, amount in self.scaled_from.items():
            if team in self.claims:
                self.claims[team].amount = amount
        self._settle_oversubscription(
            policy,
            f"the claims ({self.money(self.claimed)}) exceed the new gap "
            f"({self.money(int(self.gap or 0))}) and go in both directions, so they cannot be "
            "scaled pro rata as the round was closed; reopen the round so the leads adjust "
            "their claims, then rebase",
            Fix(FixKey.REOPEN_ROUND),
        )
        if self.scaled_from:
            notes.append(
                f"claims scaled pro rata again to the new gap {self.money(int(self.gap or 0))}"
            )
        elif was_scaled:
            notes.append("the claims as made fit the new gap: no longer scaled down")

    def _reassign(self, actor: Actor, notes: list[str], at: str | None) -> str | None:
        """After a rebase: the recorded rule re-applied to the new remainder (manual amounts only
        if they still add up to it; otherwise the assignment is dropped, to be made again).
        Returns the note saying it was dropped, if it was (also added to `notes`)."""
        if self.rule is None:
            self.assignments = {}
            return None
        dropped: str | None = None
        if self.rule == RemainderRule.MANUAL and sum(self.manual.values()) != self.remainder:
            given = sum(self.manual.values())
            self.assignments, self.rule, self.manual = {}, None, {}
            dropped = (
                f"the assignment was dropped: the manual amounts ({self.money(given)}) no longer "
                f"add up to the new remainder {self.money(self.remainder)}, so "
                f"{self.money(self.open_remainder)} is open; assign it again"
            )
        else:
            try:
                self.assign(
                    actor, self.rule, manual=self.manual or None, exclude=self.excluded, at=at
                )
            except NegotiationError as exc:
                self.assignments, self.rule = {}, None
                dropped = (
                    f"the assignment was dropped: the remainder could not be re-assigned ({exc}), "
                    f"so {self.money(self.open_remainder)} is open; assign it again"
                )
        notes.append(
            dropped or f"remainder {self.money(self.remainder)} re-assigned by {self.rule}"
        )
        return dropped

    def lock(self, actor: Actor, *, at: str | None = None) -> None:
        """Agree the plan: from now on nothing changes (a change is a new version of the plan)."""
        actor.require_owner("lock the plan")
        self._require_stage("lock the plan", Stage.ASSIGNING)
        self.check_lockable()
        self.stage = Stage.AGREED
        self.agreed_by = actor.user
        self.agreed_at = at
        self.check()

    def check_lockable(self) -> None:
        """Raise StageError unless the remainder is assigned in full (what locking needs)."""
        if self.rule is None:
            raise StageError("the remainder is not assigned yet", Fix(FixKey.ASSIGN_REMAINDER))
        if self.open_remainder != 0:
            raise StageError(
                f"{self.money(self.open_remainder)} of the remainder is not assigned; assign it first"
            )

    @staticmethod
    def check_system_published(published: bool, detail: str = "") -> None:
        """Raise StageError unless the plan's system plan is published: an agreed plan holds
        both tracks, and publishing is where the system plan passes the deviation gate (every
        deviation above the threshold explained). `detail` says how the gate stands now."""
        if not published:
            raise StageError(
                "cannot lock the plan while its system plan is a draft: a plan is agreed on a "
                "published system plan, and publishing is where its deviations pass the gate"
                + detail,
                Fix(FixKey.PUBLISH_FIRST),
            )

    def for_new_version(self) -> Negotiation:
        """The negotiation carried into a new version of an agreed plan: same goal, claims and
        assignment, back in the assigning stage (the owner can reassign, reopen the round, lock)."""
        copy = Negotiation.from_dict(self.to_dict(), currency=self.currency)
        if copy.stage == Stage.AGREED:
            copy.stage = Stage.ASSIGNING
            copy.agreed_by = None
            copy.agreed_at = None
        copy.check()
        return copy

    def _checked(self, _before: object) -> None:
        self.check()

    # -- views -------------------------------------------------------------------------------
    def ledger(
        self,
        current_baseline: Mapping[str, int] | None = None,
        current_system_plan: Mapping[str, int] | None = None,
    ) -> pd.DataFrame:
        """One row per team and a TOTAL row (int minor units): the current baseline and system
        plan (the recorded ones when no current numbers are given), the basis the negotiation was
        set against, its drift (current minus recorded), claim, assignment, target, the claim
        relative to the basis, the note, and why the team got its assignment."""
        baseline = self._whole(current_baseline or self.team_baseline)
        system = self._whole(current_system_plan or self.team_system_plan)
        basis = self.team_basis
        drift = self.drift(baseline, system)
        targets = self.targets()
        reasons = self.assignment_reasons()
        rows = []
        for team in self.teams:
            claim = self.claims.get(team)
            rows.append(
                {
                    "team": team,
                    "baseline": int(baseline.get(team, 0)),
                    "system_plan": int(system.get(team, 0)),
                    "basis": basis[team],
                    "basis_drift": drift[team],
                    "claim": claim.amount if claim else 0,
                    "assignment": self.assignments.get(team, 0),
                    "target": targets[team],
                    "claim_pct_of_basis": _pct(claim.amount if claim else 0, basis[team]),
                    "target_vs_basis_pct": _pct(targets[team] - basis[team], basis[team]),
                    "note": claim.note if claim else "",
                    "claimed_by": claim.author if claim else "",
                    "why": reasons[team],
                }
            )
        rows.append(
            {
                "team": "TOTAL",
                "baseline": sum(int(baseline.get(t, 0)) for t in self.teams),
                "system_plan": sum(int(system.get(t, 0)) for t in self.teams),
                "basis": self.basis_total,
                "basis_drift": sum(drift.values()),
                "claim": self.claimed,
                "assignment": self.assigned,
                "target": sum(targets.values()),
                "claim_pct_of_basis": _pct(self.claimed, self.basis_total),
                "target_vs_basis_pct": _pct(
                    sum(targets.values()) - self.basis_total, self.basis_total
                ),
                "note": "",
                "claimed_by": "",
                "why": RULE_LABELS[self.rule] if self.rule else "",
            }
        )
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """Goal, gap, claimed, remaining etc. as plain JSON-able values (minor units)."""
        return {
            "stage": self.stage.value,
            "basis": self.basis.value,
            "spread_by": self.spread_by.value,
            "goal": self.goal,
            "basis_total": self.basis_total,
            "gap": self.gap,
            "claimed": self.claimed,
            "remainder": self.remainder,
            "assigned": self.assigned,
            "open_remainder": self.open_remainder,
            "oversubscribed_by": self.oversubscribed_by,
            "kept_oversubscription": self.kept_oversubscription,
            "rule": self.rule.value if self.rule else None,
            "excluded": list(self.excluded),
            "target_total": sum(self.targets().values()),
            "agreed_by": self.agreed_by,
            "agreed_at": self.agreed_at,
            "basis_taken_at": self.basis_taken_at,
            "basis_taken": self.basis_taken,
            "rebased_by": self.rebased_by,
            "rebased_at": self.rebased_at,
        }

    # -- serialisation -----------------------------------------------------------------------
    def money(self, minor: int) -> str:
        """An amount in the plan's currency for a message or reason: ``€13,505.46``."""
        return format_money(minor) if self.currency is None else format_minor(minor, self.currency)

    def to_dict(self) -> dict[str, Any]:
        return {
            "team_baseline": dict(self.team_baseline),
            "team_system_plan": dict(self.team_system_plan),
            "basis": self.basis.value,
            "spread_by": self.spread_by.value,
            "stage": self.stage.value,
            "goal": self.goal,
            "goal_set_by": self.goal_set_by,
            "goal_set_at": self.goal_set_at,
            "goal_ratio": self.goal_ratio,
            "period_goals": dict(self.period_goals),
            "period_basis": {t: dict(p) for t, p in self.period_basis.items()},
            "claims": {t: c.to_dict() for t, c in self.claims.items()},
            "round_closed_by": self.round_closed_by,
            "round_closed_at": self.round_closed_at,
            "oversubscription_policy": (
                self.oversubscription_policy.value if self.oversubscription_policy else None
            ),
            "kept_oversubscription": self.kept_oversubscription,
            "scaled_from": dict(self.scaled_from),
            "rule": self.rule.value if self.rule else None,
            "excluded": list(self.excluded),
            "manual": dict(self.manual),
            "assignments": dict(self.assignments),
            "assigned_by": self.assigned_by,
            "assigned_at": self.assigned_at,
            "agreed_by": self.agreed_by,
            "agreed_at": self.agreed_at,
            "basis_by_period": {t: dict(p) for t, p in self.basis_by_period.items()},
            "basis_taken_at": self.basis_taken_at,
            "rebased_by": self.rebased_by,
            "rebased_at": self.rebased_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, currency: str | None = None) -> Negotiation:
        """The negotiation of a stored document, in the plan's `currency` (not stored: the plan
        has it). The ledger is checked in that currency's whole steps (JPY: team bases rounded to
        the yen), as every operation checked it before the document was saved."""
        policy = data.get("oversubscription_policy")
        rule = data.get("rule")
        neg = cls(
            team_baseline={str(k): int(v) for k, v in data["team_baseline"].items()},
            team_system_plan={str(k): int(v) for k, v in data["team_system_plan"].items()},
            basis=Basis(data.get("basis", "baseline")),
            spread_by=Basis(data.get("spread_by", "system_plan")),
            stage=Stage(data.get("stage", "draft")),
            goal=None if data.get("goal") is None else int(data["goal"]),
            goal_set_by=data.get("goal_set_by"),
            goal_set_at=data.get("goal_set_at"),
            goal_ratio=data.get("goal_ratio"),
            period_goals={str(k): int(v) for k, v in data.get("period_goals", {}).items()},
            period_basis={
                str(t): {str(p): int(v) for p, v in per.items()}
                for t, per in data.get("period_basis", {}).items()
            },
            claims={str(t): Claim.from_dict(c) for t, c in data.get("claims", {}).items()},
            round_closed_by=data.get("round_closed_by"),
            round_closed_at=data.get("round_closed_at"),
            oversubscription_policy=Oversubscription(policy) if policy else None,
            kept_oversubscription=int(data.get("kept_oversubscription", 0)),
            scaled_from={str(k): int(v) for k, v in data.get("scaled_from", {}).items()},
            rule=RemainderRule(rule) if rule else None,
            excluded=list(data.get("excluded", [])),
            manual={str(k): int(v) for k, v in data.get("manual", {}).items()},
            assignments={str(k): int(v) for k, v in data.get("assignments", {}).items()},
            assigned_by=data.get("assigned_by"),
            assigned_at=data.get("assigned_at"),
            agreed_by=data.get("agreed_by"),
            agreed_at=data.get("agreed_at"),
            basis_by_period={
                str(t): {str(p): int(v) for p, v in per.items()}
                for t, per in data.get("basis_by_period", {}).items()
            },
            basis_taken_at=data.get("basis_taken_at"),
            rebased_by=data.get("rebased_by"),
            rebased_at=data.get("rebased_at"),
            currency=currency,
        )
        neg.check()
        return neg


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 4)


def ratio_text(value: Decimal | str | float) -> str:
    """A typed ratio as text with a decimal point: ``1,1`` -> ``1.1``. A comma is the decimal
    mark when each number has at most one and no point (``1,1`` cannot be 11: a ratio is at
    most 10); anything else is left for `parse_ratio` to refuse."""
    text = str(value).strip()
    parts = text.rstrip("%").split("/")
    grouped = any(re.search(r",\d{3}$", part.strip()) for part in parts)  # 12,500: thousands
    if "," in text and "." not in text and not grouped and all(p.count(",") <= 1 for p in parts):
        return text.replace(",", ".")
    return text


def parse_ratio(value: Decimal | str | float) -> Decimal:
    """A ratio like ``1.5``, ``10/6.5`` or ``154%`` as an exact Decimal (> 0); a decimal comma
    (``1,1``, ``10/6,5``) is read as the decimal mark (a ratio has no thousands to group)."""
    text = ratio_text(value)
    shown = shown_text(str(value))
    try:
        if text.endswith("%"):
            ratio = exact_number(text[:-1]) / 100
        elif "/" in text:
            num, den = text.split("/", 1)
            ratio = exact_number(num) / exact_number(den)
        else:
            ratio = exact_number(text)
    except NumberOutOfRange as exc:
        raise InvalidAmount(f"the ratio {shown}: {exc}; give e.g. 1.5, 10/6.5 or 154%") from None
    except (MoneyError, InvalidOperation, ValueError, ZeroDivisionError):
        raise InvalidAmount(f"{shown} is not a ratio; give e.g. 1.5, 10/6.5 or 154%") from None
    if not ratio.is_finite() or ratio < 0:
        raise InvalidAmount(f"the ratio {shown} must be a finite number >= 0")
    if ratio > ABSURD_FACTOR:
        raise InvalidAmount(f"the ratio {shown} is more than {ABSURD_FACTOR}; check it")
    return ratio


# --------------------------------------------------------------------------------------------
# the spread down to series and periods


def team_period_targets(neg: Negotiation) -> dict[tuple[str, str], int]:
    """With per-period goals: each team's target split by period so that every team adds up to its
    target and every period to its goal (plus its share of a kept over-subscription), exactly.

    The change over the basis, ``D[team, period]``, is the integer rounding of the outer product
    ``delta_team * gap_period / gap`` by cumulative flooring, which keeps both margins exact.
    Where that would take a team below zero in a period (a period's goal far below its basis,
    whose cut the teams would share by their changes rather than by what they have there), the
    basis per team and period is fitted to both margins instead (`fit_margins`): no target is
    negative while the goals and the teams' targets are not. A negative team target or period
    total is refused (it cannot be split without a negative target).
    """
    if not neg.period_goals or neg.goal is None:
        return {}
    teams = neg.teams
    periods = sorted(neg.period_goals)
    q = neg.quantum
    basis = whole_by_period(neg.period_basis, q)
    targets = neg.targets()
    team_basis_totals = {t: sum(basis.get(t, {}).values()) for t in teams}
    deltas = [targets[t] - team_basis_totals[t] for t in teams]
    delta_total = sum(deltas)
    period_gaps = [
        neg.period_goals[p] - sum(basis.get(t, {}).get(p, 0) for t in teams) for p in periods
    ]
    gap_total = sum(period_gaps)
    if gap_total == delta_total:
        col = period_gaps
    elif gap_total == 0:
        col = split_quanta(delta_total, [1] * len(periods), q)
    else:  # a kept over-subscription (or unassigned remainder): periods share it pro rata
        col = [
            g + extra
            for g, extra in zip(
                period_gaps,
                split_quanta(delta_total - gap_total, [abs(g) for g in period_gaps], q),
                strict=True,
            )
        ]
    col_total = sum(col)
    out: dict[tuple[str, str], int] = {}
    if not any(col):
        for ti, team in enumerate(teams):
            split = split_quanta(deltas[ti], [basis.get(team, {}).get(p, 0) for p in periods], q)
            for pi, p in enumerate(periods):
                out[(team, p)] = basis.get(team, {}).get(p, 0) + split[pi]
        return out
    row_cum = [0]
    for d in deltas:
        row_cum.append(row_cum[-1] + d)
    col_cum = [0]
    for c in col:
        col_cum.append(col_cum[-1] + c)

    def f(i: int, j: int) -> int:  # in whole steps of the quantum (all margins are multiples)
        return q * ((row_cum[i] // q) * (col_cum[j] // q) // (col_total // q))

    if col_total != 0:
        for ti, team in enumerate(teams):
            for pi, p in enumerate(periods):
                d = f(ti + 1, pi + 1) - f(ti, pi + 1) - f(ti + 1, pi) + f(ti, pi)
                out[(team, p)] = basis.get(team, {}).get(p, 0) + d
        if min(out.values(), default=0) >= 0:
            return out
    # Periods whose changes cancel out (one period's goal above its basis by what another's is
    # below) have no total change to share by the teams' changes: fitted as below too.
    # A period whose goal is far below its basis: sharing its cut by the teams' changes charged
    # a team more than it has there. Fit the basis to both margins instead (never below zero).
    period_basis_totals = [sum(basis.get(t, {}).get(p, 0) for t in teams) for p in periods]
    columns = [b + c for b, c in zip(period_basis_totals, col, strict=True)]
    extra = delta_total - gap_total
    if min(columns) < 0 and extra < 0:  # an unassigned remainder taken from the goals pro rata
        goals = [neg.period_goals[p] for p in periods]
        columns = [g + share for g, share in zip(goals, split_quanta(extra, goals, q), strict=True)]
    rows = [targets[t] for t in teams]
    if min(rows) < 0 or min(columns) < 0:
        raise NegotiationError(
            "the targets cannot be split by period without a negative target: "
            + ", ".join(
                [f"team {t} {neg.money(v)}" for t, v in zip(teams, rows, strict=True) if v < 0]
                + [
                    f"period {p} {neg.money(v)}"
                    for p, v in zip(periods, columns, strict=True)
                    if v < 0
                ]
            )
            + "; check the per-period goals and the claims"
        )
    seed = [[basis.get(t, {}).get(p, 0) for p in periods] for t in teams]
    cells = fit_margins(seed, rows, columns, quantum=q)
    return {
        (team, p): cells[ti][pi] for ti, team in enumerate(teams) for pi, p in enumerate(periods)
    }


def fit_margins(
    seed: Sequence[Sequence[int]],
    rows: Sequence[int],
    columns: Sequence[int],
    *,
    quantum: int = 1,
) -> list[list[int]]:
    """A matrix of non-negative ints with the given row and column sums (both >= 0, the same
    total), as close in shape to `seed` (>= 0) as iterative proportional fitting makes it.

    Where the seed has no room (a row or column of zeros, a pattern that cannot carry the margins)
    a trace of the margins' outer product is added, so the fit always exists. Each row is rounded
    to its exact sum by largest remainder; units are then moved within rows from columns over
    their sum to columns under it, the largest cell first, which keeps every cell >= 0. With a
    `quantum` (margins multiples of it) every cell is a multiple of it too."""
    if quantum != 1:
        if any(int(v) % quantum for v in (*rows, *columns)):
            raise NegotiationError("the team and period totals are not whole steps of the currency")
        cells_q = fit_margins(
            seed, [int(v) // quantum for v in rows], [int(v) // quantum for v in columns]
        )
        return [[v * quantum for v in row] for row in cells_q]
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(columns, dtype=np.int64)
    total = int(r.sum())
    if total != int(c.sum()) or (r < 0).any() or (c < 0).any():
        raise NegotiationError("the team and period totals do not add up to the same total")
    if total == 0:
        return [[0] * len(c) for _ in r]
    m = np.asarray(seed, dtype=float).reshape(len(r), len(c))
    outer = np.outer(r.astype(float), c.astype(float)) / float(total)
    m = m + 1e-6 * outer
    m[r == 0, :] = 0.0
    m[:, c == 0] = 0.0
    rf, cf = r.astype(float), c.astype(float)
    for _ in range(500):
        m *= (cf / np.maximum(m.sum(axis=0), 1e-300))[None, :]
        m *= (rf / np.maximum(m.sum(axis=1), 1e-300))[:, None]
        if np.abs(m.sum(axis=0) - cf).max() < 0.5:
            break
    cells = np.zeros(m.shape, dtype=np.int64)
    for i in range(len(r)):
        top = float(m[i].max())
        weights = np.round(m[i] * (1e15 / top)) if top > 0 else np.zeros(len(c))
        cells[i] = split_ints(int(r[i]), weights.astype(np.int64))
    # exact column sums: move units within a row from a column over its sum to one under it
    while True:
        off = cells.sum(axis=0) - c
        over = np.flatnonzero(off > 0)
        if not len(over):
            break
        under = np.flatnonzero(off < 0)
        src, dst = int(over[0]), int(under[0])
        row = int(np.argmax(cells[:, src]))
        k = min(int(off[src]), int(-off[dst]), int(cells[row, src]))
        cells[row, src] -= k
        cells[row, dst] += k
    return cells.tolist()


def spread(
    team_targets: Mapping[str, int],
    weights: pd.DataFrame,
    *,
    weight_col: str = "system_plan",
    team_period_targets: Mapping[tuple[str, str], int] | None = None,
    quantum: int = 1,
) -> pd.DataFrame:
    """Spread each team's target (minor units) to its series-periods in proportion to `weight_col`.

    `weights` has ``unique_id, ds, team`` and the weight column (floats or ints, >= 0). The result
    is `weights` (row order kept) with an int column ``target_minor`` that adds up exactly to each
    team's target (largest remainder). With `team_period_targets` ({(team, ISO date): minor}) the
    split is done per team and period instead, so periods add up too. With a `quantum` (JPY:
    100, one yen) each target is a whole multiple of it where its team's (period's) total is.
    """
    for col in ("unique_id", "ds", "team", weight_col):
        if col not in weights.columns:
            raise NegotiationError(f"spread weights need a {col!r} column")
    frame = weights.reset_index(drop=True)
    values = pd.to_numeric(frame[weight_col], errors="raise").astype(float).to_numpy()
    team_codes, team_names = pd.factorize(frame["team"].astype(str))
    names = [str(t) for t in team_names]
    missing = sorted(set(team_targets) - set(names))
    if missing:
        raise NegotiationError(
            f"team(s) {', '.join(missing)} have no series to spread their target to"
        )
    if team_period_targets:
        # Factorise the dates first: a few distinct periods are formatted, not every row.
        ds_codes, ds_uniques = pd.factorize(pd.to_datetime(frame["ds"]))
        periods = [p.strftime("%Y-%m-%d") for p in pd.DatetimeIndex(ds_uniques)]
        codes = team_codes.astype(np.int64) * max(1, len(periods)) + ds_codes
        totals = [
            int(team_period_targets.get((team, period), 0)) for team in names for period in periods
        ]
    else:
        codes = team_codes.astype(np.int64)
        totals = [int(team_targets.get(team, 0)) for team in names]
    result = spread_groups(totals, codes, values, weight_col=weight_col, quantum=quantum)
    out = frame.copy()
    out["target_minor"] = result
    return out


def spread_groups(
    totals: Sequence[int],
    codes: np.ndarray,
    values: np.ndarray,
    *,
    weight_col: str = "weights",
    quantum: int = 1,
) -> np.ndarray:
    """`spread` on arrays: cell i belongs to group ``codes[i]`` whose total (minor units) is
    ``totals[codes[i]]``; each group's total is split over its cells in proportion to `values`
    (currency floats, rounded to minor units as in the ledger) by largest remainder, ties to the
    earlier cell. Returns int64 minor units per cell: whole multiples of `quantum` in a group whose
    total is one."""
    values = np.asarray(values, dtype=float)
    if (values < 0).any() or not np.isfinite(values).all():
        raise NegotiationError(f"spread weights ({weight_col}) must be finite and >= 0")
    minor_weights = np.round(values * 100).astype(np.int64)
    result = np.zeros(len(values), dtype=np.int64)
    order = np.argsort(codes, kind="stable")  # each group's cells in their original order
    bounds = np.cumsum(np.bincount(codes, minlength=len(totals)))
    start = 0
    for group, end in enumerate(bounds):
        if end > start:
            rows = order[start:end]
            total = int(totals[group])
            if quantum != 1 and total % quantum == 0:
                result[rows] = quantum * split_ints(total // quantum, minor_weights[rows])
            else:
                result[rows] = split_ints(total, minor_weights[rows])
        start = end
    return result


# --------------------------------------------------------------------------------------------
# stretch: how far each number reaches


_Z = {80: 1.2815515655446004, 95: 1.959963984540054}


@dataclass(frozen=True)
class LastYear:
    """A team's actual sales over the horizon's periods one year earlier, like for like: only
    its series that were trading then count (no rows or a long closure, ``engine.gaps``, is not
    trading; a growth over a closure would measure the closure). `sales` is theirs (None: none
    of the team's series was trading, or the history does not reach back a year).

    While some series were not trading, an amount of the team (its target, a claim) is compared
    with `sales` as the plan spreads it over the series (in proportion to the system plan),
    summed over the comparable ones: the amount times ``comparable_plan / plan`` (the system
    plan of the comparable series over the team's, minor units)."""

    sales: float | None
    series: int = 0  # the team's series (0: not known, every one taken as comparable)
    comparable: int = 0  # of them, those trading in both periods
    comparable_plan: float = 0  # their system plan (minor units)
    plan: float = 0  # the team's system plan (minor units)
    periods: int = 0  # the horizon's periods (0: not known, every one taken as comparable)
    comparable_periods: int = 0
    """Of them, those whose period a year earlier lies in the history: a horizon longer than a
    year is compared over the periods a year back can reach (with the system plan of those)."""

    @property
    def like_for_like(self) -> bool:
        """Whether some of the team's series or periods are left out (the growth is
        like-for-like)."""
        return self.sales is not None and (
            self.comparable < self.series or self.comparable_periods < self.periods
        )

    def coverage(self) -> str | None:
        """``like-for-like: 45 of 49 series`` (``..., over 4 of 8 periods`` where the history
        does not reach a year before the others) while some are left out, else None."""
        if not self.like_for_like:
            return None
        parts = []
        if self.comparable < self.series:
            parts.append(f"{self.comparable} of {self.series} series")
        if self.comparable_periods < self.periods:
            parts.append(
                f"over {self.comparable_periods} of {self.periods} periods (the history does "
                "not reach a year before the others)"
            )
        return "like-for-like: " + ", ".join(parts)

    def comparable_part(self, amount: float) -> float | None:
        """The part of a team amount (currency units) that falls on the comparable series."""
        if not self.like_for_like:
            return amount
        if self.plan <= 0:
            return None
        return amount * self.comparable_plan / self.plan

    def growth(self, target: float) -> float | None:
        """The target's growth over last year's sales (a fraction), like for like."""
        part = self.comparable_part(target)
        return None if not self.sales or part is None else part / self.sales - 1.0

    def percent_of(self, amount: float) -> float | None:
        """An amount (a claim) as a percentage of last year's sales, like for like."""
        part = self.comparable_part(amount)
        return None if not self.sales or part is None else 100.0 * part / self.sales

    @classmethod
    def of(cls, value: LastYear | float | None) -> LastYear | None:
        """A team's last year as given: a `LastYear`, or its sales alone (every series
        comparable), or None (not known)."""
        if value is None or isinstance(value, LastYear):
            return value
        return cls(float(value))

    @classmethod
    def total(
        cls, teams: Mapping[str, LastYear | float | None], weights: Mapping[str, int]
    ) -> LastYear | None:
        """The TOTAL's last year over `teams` (None when one is not known), for comparing a
        total whose teams' parts are `weights` (minor units: the targets, or the claims): the
        total falls on the comparable series as each team's part does, so ``comparable_part``
        of the weights' sum is the sum of each team's comparable part (a team without
        comparable series adds nothing). Without weights, in proportion to the system plan."""
        known = {team: cls.of(value) for team, value in teams.items()}
        parts = {team: value for team, value in known.items() if value is not None}
        if len(parts) < len(known) or not parts:
            return None
        counted = [p.sales for p in parts.values() if p.sales is not None]
        sales = sum(counted) if counted else None
        series = sum(p.series for p in parts.values())
        comparable = sum(p.comparable for p in parts.values())
        if not any(p.like_for_like or p.sales is None for p in parts.values()):
            return cls(sales, series, comparable)
        # the teams share the horizon: the TOTAL compares over the periods the compared ones
        # reach (a team without comparable series adds nothing, its periods neither)
        horizon = max(p.periods for p in parts.values())
        reached = [p.comparable_periods for p in parts.values() if p.sales is not None]
        periods = {"periods": horizon, "comparable_periods": min(reached, default=horizon)}
        weight = sum(int(weights.get(team, 0)) for team in parts)
        if weight > 0:
            shares = [int(weights.get(team, 0)) * _comparable_share(p) for team, p in parts.items()]
            return cls(sales, series, comparable, sum(shares), weight, **periods)
        plan = sum(p.plan for p in parts.values())
        comparable_plan = sum(p.comparable_plan for p in parts.values())
        return cls(sales, series, comparable, comparable_plan, plan, **periods)


def _comparable_share(team: LastYear) -> float:
    """The share of a team amount that falls on its comparable series (as ``comparable_part``)."""
    if team.sales is None:
        return 0.0
    if not team.like_for_like:
        return 1.0
    return team.comparable_plan / team.plan if team.plan > 0 else 0.0


def stretch(
    baseline: pd.DataFrame,
    team_targets: Mapping[str, int],
    *,
    last_year: Mapping[str, LastYear | float | None] | None = None,
    total_target: int | None = None,
    events: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Probability that actuals reach each team's target (and the total's), and growth over last year.

    ``events``: the events' effect per team, see `stretch_of_moments` and `event_factors`.

    ``total_target`` (minor units): the TOTAL row's target, the goal (``Negotiation.total_target``);
    default the sum of ``team_targets``, which falls short of the goal until the remainder is
    assigned.

    `baseline` has ``team, baseline`` and interval columns (``baseline-lo-80/hi-80`` or 95) per
    series-period in currency units; `team_targets` are minor units. The forecast distribution is
    approximated as normal: the sd of each series-period is ``(hi - lo) / (2 z)`` from the narrowest
    interval present, and a team's variance is the sum of its series-periods' variances, i.e. the
    series-periods are ASSUMED INDEPENDENT (real errors are usually positively correlated, so the
    true spread is wider and these probabilities are too confident for targets far from the mean).
    `last_year` maps team -> actual sales over the same periods one year earlier (currency units),
    or its `LastYear` (like for like where some series were not trading then).
    """
    return stretch_of_moments(
        stretch_moments(baseline),
        team_targets,
        last_year=last_year,
        total_target=total_target,
        events=events,
    )


def stretch_moments(baseline: pd.DataFrame) -> pd.DataFrame:
    """Per team (the index, str): ``mean`` (the baseline's total) and ``var`` (the sum of the
    series-periods' variances) of the forecast distribution `stretch` judges targets by; they do
    not depend on the targets, so a plan version's moments can be kept (`services.plan_totals`)."""
    level = next((lv for lv in (80, 95) if f"baseline-lo-{lv}" in baseline.columns), None)
    frame = baseline.copy()
    if level is None:
        frame["_var"] = 0.0
    else:
        sd = (frame[f"baseline-hi-{level}"] - frame[f"baseline-lo-{level}"]).clip(lower=0) / (
            2 * _Z[level]
        )
        frame["_var"] = sd.astype(float) ** 2
    return frame.groupby(frame["team"].astype(str)).agg(
        mean=("baseline", "sum"), var=("_var", "sum")
    )


def stretch_of_moments(
    grouped: pd.DataFrame,
    team_targets: Mapping[str, int],
    *,
    last_year: Mapping[str, LastYear | float | None] | None = None,
    total_target: int | None = None,
    events: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """`stretch` from the teams' `stretch_moments` (``total_target`` as there).

    ``events``: per team (and ``TOTAL``) the system plan's total over the baseline's (see
    `event_factors`; default 1). The system plan is what the system expects, the baseline plus
    what people know and the model cannot (a promotion, a purchase limit), so the expectation
    and its spread are the baseline's times that factor: ``expected`` is the system plan's total,
    ``expected_baseline`` the model's alone."""
    factors = events or {}
    rows = []
    for team in sorted(team_targets):
        # One team and one column select a single float (the stubs type it as any scalar).
        mean = float(cast(float, grouped.loc[team, "mean"])) if team in grouped.index else 0.0
        var = float(cast(float, grouped.loc[team, "var"])) if team in grouped.index else 0.0
        rows.append(
            _stretch_row(
                team,
                mean,
                var,
                team_targets[team],
                LastYear.of((last_year or {}).get(team)),
                factors.get(team, 1.0),
            )
        )
    total_last = (
        LastYear.total({t: last_year.get(t) for t in team_targets}, team_targets)
        if last_year
        else None
    )
    rows.append(
        _stretch_row(
            "TOTAL",
            float(grouped["mean"].sum()),
            float(grouped["var"].sum()),
            sum(team_targets.values()) if total_target is None else total_target,
            total_last,
            factors.get("TOTAL", 1.0),
        )
    )
    return pd.DataFrame(rows)


def event_factors(baseline: Mapping[str, int], system_plan: Mapping[str, int]) -> dict[str, float]:
    """Per team and ``TOTAL``: the system plan's total over the baseline's (minor units), the
    events' net effect that `stretch_of_moments` scales the expectation by; 1 where the
    baseline total is not positive (no model expectation to scale)."""

    def ratio(plan: int, base: int) -> float:
        return plan / base if base > 0 else 1.0

    out = {t: ratio(int(system_plan.get(t, b)), int(b)) for t, b in baseline.items()}
    out["TOTAL"] = ratio(
        sum(int(system_plan.get(t, b)) for t, b in baseline.items()), sum(baseline.values())
    )
    return out


def _stretch_row(
    team: str,
    mean: float,
    var: float,
    target_minor: int,
    last_year: LastYear | None,
    factor: float = 1.0,
) -> dict[str, Any]:
    target = float(from_minor(target_minor))
    expected = mean * factor
    sd = math.sqrt(var) * factor
    if sd > 0:
        z = (target - expected) / sd
        probability = 0.5 * math.erfc(z / math.sqrt(2))
    else:
        probability = 1.0 if expected >= target else 0.0
    return {
        "team": team,
        "target": target,
        "expected": expected,
        "expected_baseline": mean,
        "sd": sd,
        "probability_reach": probability,
        "last_year": None if last_year is None else last_year.sales,
        "growth_vs_last_year": None if last_year is None else last_year.growth(target),
        "last_year_coverage": None if last_year is None else last_year.coverage(),
    }


# --------------------------------------------------------------------------------------------
# attainment: which track came closer

SCORE_TIE_MARGIN = 5e-4
"""WAPE points (0.05) below which the two tracks tie, as the track record and the FVA call it
(``forecast.accuracy.layers.TIE_MARGIN``): one verdict for the same numbers everywhere."""


def attainment(plan: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Compare the system plan and the negotiated target with actuals, per team and in total.

    `plan` has ``unique_id, ds, team, system_plan`` and ``target`` (currency units) once a goal
    is set (without it only the system plan is scored: ``target``, ``wape_target`` and
    ``closer`` are empty); `actuals` has ``unique_id, ds, y``. Only series-periods present in
    both count (``series_periods``; ``periods`` is the same count, kept for earlier readers).
    WAPE = sum |actual - plan| / sum |actual|; ``closer`` names the track with the lower WAPE
    (``tie`` if equal).
    """
    for col in ("unique_id", "ds", "team", "system_plan"):
        if col not in plan.columns:
            raise NegotiationError(f"the plan frame needs a {col!r} column")
    for col in ("unique_id", "ds", "y"):
        if col not in actuals.columns:
            raise NegotiationError(f"actuals need a {col!r} column (long format: unique_id, ds, y)")
    tracks = ["system_plan", "target"] if "target" in plan.columns else ["system_plan"]
    left = plan[["unique_id", "ds", "team", *tracks]].copy()
    right = actuals[["unique_id", "ds", "y"]].copy()
    for frame in (left, right):
        frame["unique_id"] = frame["unique_id"].astype(str)
        frame["ds"] = pd.to_datetime(frame["ds"])
    merged = left.merge(right, on=["unique_id", "ds"], how="inner")
    if merged.empty:
        raise NegotiationError(
            "the actuals share no series and period with the plan; check ids and dates"
        )
    merged["team"] = merged["team"].astype(str)
    rows = []
    for team, part in [*merged.groupby("team"), ("TOTAL", merged)]:
        rows.append(_attainment_row(str(team), part))
    return pd.DataFrame(rows)


def _attainment_row(team: str, part: pd.DataFrame) -> dict[str, Any]:
    actual = part["y"].astype(float)
    denom = float(actual.abs().sum())
    has_target = "target" in part.columns
    wape_system = (
        float((actual - part["system_plan"].astype(float)).abs().sum()) / denom if denom else None
    )
    wape_target = (
        float((actual - part["target"].astype(float)).abs().sum()) / denom
        if denom and has_target
        else None
    )
    if wape_system is None or wape_target is None:
        closer = None
    elif abs(wape_system - wape_target) < SCORE_TIE_MARGIN:
        closer = "tie"
    else:
        closer = "system_plan" if wape_system < wape_target else "target"
    return {
        "team": team,
        "actual": float(actual.sum()),
        "system_plan": float(part["system_plan"].astype(float).sum()),
        "target": float(part["target"].astype(float).sum()) if has_target else None,
        "wape_system_plan": wape_system,
        "wape_target": wape_target,
        "closer": closer,
        "series_periods": int(len(part)),
        "periods": int(len(part)),  # series-periods too: the name earlier readers know
    }
