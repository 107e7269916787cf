"""Who may see a plan, change its members or archive it; the plans a user sees or owns, and the
plans an account leaves without an active owner when it is disabled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from forecast.plan import AGREED, PlanState
from forecast.services import accounts
from forecast.services.errors import Fix, FixKey, Forbidden, ServiceError
from forecast.services.plans import get_plan, list_plans, require_not_archived, require_unlocked
from forecast.store import PlanRepository, PlanSummary


def require_members_open(state: PlanState, doing: str) -> None:
    """Members change until the plan is agreed (publishing freezes the system track only: the
    negotiation may still run on a published plan); an archived plan is read-only."""
    if state.status == AGREED:
        require_unlocked(state, doing)
    else:
        require_not_archived(state, doing)


@dataclass(frozen=True)
class MembersPermission:
    """Whether a user may add and remove members of the plan now; if not, why and the fix."""

    allowed: bool
    reason: str = ""
    fix: Fix | None = None


def members_permission(
    state: PlanState, user: str | None, *, admin: bool = False
) -> MembersPermission:
    """What the members editor says to `user` (`admin`: an active admin account): the guards
    `grant` and `revoke` run (the plan archived or agreed, then the owner role or an admin
    account), without changing anything."""
    try:
        require_members_open(state, "change members")
    except ServiceError as exc:
        return MembersPermission(False, exc.reason, exc.fix)
    if not user or not (admin or state.has_role(user, "owner")):
        who = user or "nobody"
        return MembersPermission(
            False, f"{who} cannot change members: only the plan's owner or an admin can."
        )
    return MembersPermission(True)


def disabled_members(store: PlanRepository, state: PlanState) -> set[str]:
    """The plan's members whose account is disabled (people who left): the members lists mark
    them (none in a store from before accounts)."""
    names = list(state.members)
    return set(names) - set(active_names(store, names))


def is_admin(store: PlanRepository, user: str | None) -> bool:
    """Whether `user` is an active admin account."""
    account = accounts.active_account(store, user)
    return account is not None and account.is_admin


def active_names(store: PlanRepository, names: Sequence[str]) -> list[str]:
    """Those of `names` whose account is active (all of them in a store from before accounts,
    where any name was a member)."""
    if not accounts.has_accounts(store):
        return list(names)
    return [n for n in names if accounts.active_account(store, n) is not None]


def plans_left_without_owner(store: PlanRepository, name: str) -> list[PlanSummary]:
    """The plans still being planned (members may change: neither agreed nor archived) that
    `name` owns where no other owner has an active account: after `name` is disabled, only an
    admin can give them an owner again."""
    left = []
    for summary in list_plans(store, include_archived=False):
        state = store.get(summary.plan_id)
        if not state.has_role(name, "owner"):
            continue
        try:
            require_members_open(state, "change members")
        except ServiceError:
            continue
        others = [u for u in state.members if u != name and state.has_role(u, "owner")]
        if not any(accounts.active_account(store, u) is not None for u in others):
            left.append(summary)
    return left


def without_owner_note(
    summaries: Sequence[PlanSummary], name: str, *, admin_exists: bool = True
) -> str:
    """What to do about the plans `name` leaves without an active owner ('' for none). Only
    an admin can give them an owner: in a store without an active admin, how to make one."""
    if not summaries:
        return ""
    shown = ", ".join(f"{s.plan_id} ({s.name!r})" for s in summaries)
    first = summaries[0].plan_id
    each = "each" if len(summaries) > 1 else "it"
    note = (
        f"{name} was the only active owner of {shown}: give {each} an owner (`forecast plan grant "
        f"{first} USER --role owner --as ADMIN`, or an admin on the Plans page)"
    )
    if not admin_exists:
        note += (
            "; no active account is an admin, so make one first with "
            "`forecast user set NAME --admin`"
        )
    return note


@dataclass(frozen=True)
class DisabledAccount:
    """An account just disabled and the plans still being planned it leaves without an active
    owner (``plans_left_without_owner``)."""

    name: str
    plans_without_owner: list[PlanSummary]
    admin_exists: bool = True  # whether an active admin account is left to give them an owner

    @property
    def note(self) -> str:
        """What to do about those plans ('' for none): ``without_owner_note``."""
        return without_owner_note(
            self.plans_without_owner, self.name, admin_exists=self.admin_exists
        )


def disable_account(
    store: PlanRepository, name: str, *, actor: str | None, require_admin: bool = False
) -> DisabledAccount:
    """Disable `name`'s account (``accounts.disable``; with `require_admin`, by an admin other
    than `name`: ``accounts.disable_as``) and say which plans it leaves without an owner."""
    if require_admin:
        accounts.disable_as(store, actor, name)
    else:
        accounts.disable(store, name, actor=actor)
    admins = [a for a in accounts.list_users(store) if a.is_admin and a.active]
    return DisabledAccount(name, plans_left_without_owner(store, name), admin_exists=bool(admins))


def require_members_manager(
    store: PlanRepository, state: PlanState, actor: str, doing: str
) -> None:
    """The plan's owner or an admin account changes its members: an admin is the way back for a
    plan whose only owner has left (their account disabled)."""
    if state.has_role(actor, "owner") or is_admin(store, actor):
        return
    raise owner_or_admin_needed(state, actor, f"{doing} on plan {state.plan_id}")


def owner_or_admin_needed(
    state: PlanState, actor: str, doing: str, role: str = "the owner role"
) -> Forbidden:
    """The refusal of a change only an owner of the plan or an admin may make; a member is told
    who holds the owner role."""
    holders = sorted(u for u in state.members if state.has_role(u, "owner"))
    held = f" (held by {', '.join(holders) or 'nobody'})" if actor in state.members else ""
    return Forbidden(
        f"user {actor} may not {doing}: that needs {role}{held} or an admin account",
        Fix(FixKey.GRANT_ROLE, plan=state.plan_id, user=actor, role="owner"),
    )


def may_archive(store: PlanRepository, state: PlanState, user: str | None) -> bool:
    """The plan's owner or an admin account may archive and unarchive it."""
    if not user:
        return False
    return state.has_role(user, "owner") or is_admin(store, user)


def may_view(state: PlanState, user: str | None, *, admin: bool = False) -> bool:
    """Members (and admins) see a plan; nobody else learns it exists."""
    return admin or (bool(user) and user in state.members)


def plans_visible_to(
    store: PlanRepository, user: str | None, *, admin: bool = False, include_archived: bool = True
) -> list[PlanSummary]:
    """The plans `user` is a member of (every plan for an admin), oldest first; the archived ones
    too unless `include_archived` is False."""
    summaries = list_plans(store, include_archived=include_archived)
    if admin:
        return summaries
    if not user:
        return []
    # The members alone, not every plan's document (`may_view` of each, without reading it).
    members = store.plan_members()
    return [s for s in summaries if user in members.get(s.plan_id, {})]


def member_sources(store: PlanRepository, plan: str, user: str | None) -> list[PlanSummary]:
    """The other plans whose members `user` may copy onto `plan` (`copy_members`): those they
    own (every plan for an admin), newest first; none unless they may change the members of
    `plan` (they own it or are an admin, and it is neither archived nor agreed)."""
    target = get_plan(store, plan) if user else None
    admin = is_admin(store, user)
    if target is None or not user or not members_permission(target, user, admin=admin).allowed:
        return []
    return [s for s in owned_plans(store, user) if s.plan_id != target.plan_id]


def owned_plans(store: PlanRepository, user: str | None) -> list[PlanSummary]:
    """The plans `user` owns (every plan for an admin account), newest first."""
    if not user:
        return []
    summaries = list_plans(store)
    if not is_admin(store, user):
        members = store.plan_members()  # the members alone, not every plan's document
        summaries = [s for s in summaries if "owner" in members.get(s.plan_id, {}).get(user, [])]
    return sorted(summaries, key=lambda s: s.created_at, reverse=True)


def plan_to_open(summaries: Sequence[PlanSummary]) -> PlanSummary | None:
    """The plan a dashboard opens on when none is remembered: the newest still being planned
    (not yet agreed), else the newest. An agreed plan added later, such as a held-out plan kept
    for scoring, does not take the place of the round in progress."""
    in_progress = [s for s in summaries if s.status != AGREED]
    chosen = in_progress or list(summaries)
    return max(chosen, key=lambda s: (s.created_at, s.plan_id)) if chosen else None
