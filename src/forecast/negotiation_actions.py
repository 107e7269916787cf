"""What a user may do in a negotiation right now, and why not (pure).

Each permission runs the very guards the operation itself runs (role, stage, lock, preconditions
of `forecast.negotiation.Negotiation`), without changing anything, so the dashboard never restates
the stage and role rules: it shows what the domain would allow and, where not, the domain's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from forecast.errors import Fix, explain
from forecast.negotiation import (
    WITHDRAW,
    Actor,
    Negotiation,
    NegotiationError,
    Stage,
    StageError,
)


@dataclass(frozen=True)
class Permission:
    """May the user do it now? If not, the reason in words and, where there is one, the fix
    (each face words it in its own terms; `why_not` words it neutrally)."""

    allowed: bool
    reason: str = ""
    fix: Fix | None = None

    @property
    def why_not(self) -> str:
        return explain(self.reason, self.fix)


@dataclass(frozen=True)
class NegotiationActions:
    """The owner's decisions and each team's claim, as this user may take them now."""

    set_goal: Permission
    close_round: Permission
    reopen_round: Permission
    assign: Permission
    lock: Permission
    rebase: Permission
    owner_decisions: (
        Permission  # the owner's part of the page as a whole (goal, close, assign, lock)
    )
    claim: Mapping[str, Permission] = field(default_factory=dict)  # team -> may claim for it
    withdraw: Mapping[str, Permission] = field(default_factory=dict)  # team -> may withdraw


def _permission(check: Callable[[], None]) -> Permission:
    try:
        check()
    except NegotiationError as exc:
        return Permission(False, exc.reason, exc.fix)
    return Permission(True)


def available_actions(
    neg: Negotiation | None,
    actor: Actor,
    teams: Sequence[str],
    *,
    drift: Mapping[str, int] | None = None,
    system_published: bool = False,
) -> NegotiationActions:
    """The permissions of `actor` on `neg` (None: no goal yet, i.e. a negotiation in draft).
    `drift` per team (current basis minus recorded) decides whether a rebase has anything to do;
    `system_published` whether the plan's system plan is published (locking needs it)."""
    current = neg if neg is not None else Negotiation()

    def owner_in(doing: str, *stages: Stage) -> Callable[[], None]:
        def check() -> None:
            actor.require_owner(doing)
            current._require_stage(doing, *stages)

        return check

    def lockable() -> None:
        owner_in("lock the plan", Stage.ASSIGNING)()
        current.check_lockable()
        current.check_system_published(system_published)

    def rebasable() -> None:
        owner_in("rebase the negotiation", Stage.CLAIMING, Stage.ASSIGNING)()
        if not any((drift or {}).values()):
            raise StageError("nothing to rebase: the basis is the current one")

    def lead_of(team: str, doing: str, need_claim: bool) -> Callable[[], None]:
        def check() -> None:
            actor.require_lead_of(team, doing)
            current._require_stage(doing, Stage.CLAIMING)
            if need_claim and team not in current.claims:
                raise NegotiationError(f"team {team!r} has no claim to withdraw")

        return check

    return NegotiationActions(
        set_goal=_permission(owner_in("set the goal", Stage.DRAFT, Stage.CLAIMING)),
        close_round=_permission(owner_in("close the claiming round", Stage.CLAIMING)),
        reopen_round=_permission(owner_in("reopen the claiming round", Stage.ASSIGNING)),
        assign=_permission(owner_in("assign the remainder", Stage.ASSIGNING)),
        lock=_permission(lockable),
        rebase=_permission(rebasable),
        owner_decisions=_permission(
            owner_in("set the goal, close, assign or lock", *Stage.__members__.values())
        ),
        claim={t: _permission(lead_of(t, "claim", False)) for t in teams},
        withdraw={t: _permission(lead_of(t, WITHDRAW, True)) for t in teams},
    )
