"""The basis drift notice: whether the negotiation of a plan rests on an older basis than the
current one (an event added, edited or removed, a factor, a new baseline since the goal was set or
last rebased), per team, and the way out (the owner rebases). One call, `basis_drift`, for every
page of the dashboard and every command that moves the basis; the rule itself is the
negotiation's (`services.negotiation.summary`, the one `plan ledger` and the Negotiation page
show)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forecast.money import format_minor
from forecast.services import negotiation
from forecast.services.plan_access import disabled_members
from forecast.services.plans import get_plan
from forecast.store import PlanRepository
from forecast.vocabulary import in_words


@dataclass(frozen=True)
class BasisDrift:
    """A negotiation whose recorded basis differs from the current one, in some teams."""

    plan_id: str
    basis: str  # "baseline" or "system_plan": the column the goal was set against
    currency: str | None
    by_team: Mapping[str, int]  # the teams whose basis moved: current minus recorded (minor units)
    # who may rebase: the owners whose account is active (none: an admin grants one first)
    owners: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(self.by_team.values())

    @property
    def basis_words(self) -> str:
        return in_words(self.basis)

    @property
    def rebase_command(self) -> str:
        return f"forecast plan rebase {self.plan_id}"

    def per_team(self, money: Callable[[int], str] | None = None) -> str:
        """``c +€301,522, d −€1,200``: each drifted team with its signed drift."""
        shown = money or (lambda minor: format_minor(minor, self.currency))
        return ", ".join(
            f"{team} {'+' if minor > 0 else '−'}{shown(abs(minor))}"
            for team, minor in self.by_team.items()
        )

    def text(self, money: Callable[[int], str] | None = None) -> str:
        """The notice in words, without the way out (each face says its own)."""
        one = len(self.by_team) == 1
        teams, those = ("team", "that team") if one else ("teams", "those teams")
        return (
            f"The negotiation's basis is older than the current {self.basis_words}: the "
            f"{self.basis_words} moved since the goal was set or last rebased ({teams} "
            f"{self.per_team(money)}), and the negotiated plan and targets of {those} still rest "
            "on the old numbers until it is rebased."
        )

    @property
    def way_out(self) -> str:
        """Who rebases, and how, for the CLI: the owner, or (every owner has left) an owner an
        admin grants first."""
        if self.owners:
            return f"the owner rebases with `{self.rebase_command}`"
        return (
            "no owner of the plan can sign in: an admin grants an owner first (`forecast plan "
            f"grant {self.plan_id} NAME --role owner`), who rebases with `{self.rebase_command}`"
        )

    def note(self) -> str:
        """One line for the CLI: the drift per team and the command that rebases."""
        return (
            f"the negotiation's basis is older than the current {self.basis_words} "
            f"({self.per_team()}); {self.way_out}"
        )

    def stretch_note(self) -> str:
        """What `plan stretch` says on a drifted plan: the targets rest on the recorded basis,
        while their chance is judged against the current system plan."""
        return (
            f"the targets rest on the {self.basis_words} the goal was set on; P(reach) judges "
            "them against the current system plan (`expected`), and the "
            f"{self.basis_words} has moved since ({self.per_team()}); {self.way_out}"
        )


def drift_of(summary: Mapping[str, Any], owners: tuple[str, ...] = ()) -> BasisDrift | None:
    """The notice from a `negotiation.summary`: None without a goal, without drift, or on an
    agreed plan (locked plans keep the basis they were agreed on: nothing to rebase)."""
    if summary.get("goal") is None or summary.get("agreed_on_recorded_basis"):
        return None
    drift = summary.get("drift") or {}
    moved = {str(team): int(drift[team]) for team in summary.get("drifted_teams") or ()}
    if not moved:
        return None
    return BasisDrift(
        plan_id=str(summary["plan_id"]),
        basis=str(summary.get("basis") or "baseline"),
        currency=summary.get("currency"),
        by_team=moved,
        owners=owners,
    )


def basis_drift(store: PlanRepository, plan: str) -> BasisDrift | None:
    """Whether the negotiation of `plan` rests on an older basis than the current one, per team,
    with who may rebase it (its owners whose account is active: one who left cannot); None when
    it does not (or has no goal, or is agreed)."""
    state = get_plan(store, plan)
    left = disabled_members(store, state)
    owners = tuple(
        sorted(n for n, m in state.members.items() if "owner" in m.roles and n not in left)
    )
    return drift_of(negotiation.summary(store, plan), owners)
