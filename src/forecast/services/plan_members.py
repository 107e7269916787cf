"""Who is on a plan and in which role: grant, revoke, copy the members of another plan; who
leads which team, and how someone's lead changed since a page was drawn."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from forecast.plan import AGREED, ROLES, PlanState
from forecast.services import accounts
from forecast.services.errors import Conflict, Fix, FixKey, Invalid, NotFound
from forecast.services.plan_access import active_names, disabled_members, require_members_manager
from forecast.services.plan_checks import check_actor
from forecast.services.plans import (
    audit_log,
    change_plan,
    get_plan,
    require_unlocked,
    state_teams,
    team_list_text,
)
from forecast.store import Account, PlanRepository

GRANT, REVOKE = "grant", "revoke"
MEMBER_CHANGES = (GRANT, REVOKE)
"""The audit actions that change a plan's members (and so who leads which team)."""


def team_led_by(state: PlanState, user: str | None) -> str | None:
    """The team `user` leads on the plan, None when they lead none (not a lead, or no longer: a
    member whose lead role was revoked keeps their other roles, and the team recorded with it)."""
    if user is None or not state.has_role(user, "lead"):
        return None
    return state.team_of(user)


@dataclass(frozen=True)
class LeadChange:
    """What became of someone's lead of `team` (`led`): they lead `now` instead, or no team
    (None)."""

    led: str
    now: str | None


def lead_change_since(
    store: PlanRepository, plan: str, user: str | None, team: str, since: int
) -> LeadChange | None:
    """How `user`'s lead of `team` changed after version `since` (a page drawn then offered them
    that team's claim): their lead now, when someone else changed the members since and they no
    longer lead `team`; None when they still lead it or the members did not change."""
    if user is None:
        return None
    changed = [e for e in audit_log(store, plan) if e.version > since and e.actor != user]
    if not any(e.action in MEMBER_CHANGES for e in changed):
        return None
    now = team_led_by(get_plan(store, plan), user)
    return None if now == team else LeadChange(led=team, now=now)


def _account_name(store: PlanRepository, user: str) -> str:
    """The account a typed name means, in its own spelling, matched as `--as` and a sign-in
    match it (`Piet` is piet's account); the name as typed when no account matches. A name that
    two accounts match (piet and PIET, in a store from before such names were refused) is
    refused, naming both."""
    return _matched_account(store, user)[0]


def _matched_account(store: PlanRepository, user: str) -> tuple[str, Account | None]:
    """``_account_name`` and the account it names (None: no account matches), read once."""
    account, either = accounts.matching(store, user)
    if either:
        raise NotFound(
            f"there is no account {user!r}, and the accounts {', '.join(either)} differ from it "
            "only in capitals: name the one you mean as it is spelled"
        )
    if account is None and user != user.strip():  # as a sign-in matches a typed name
        account = accounts.matching(store, user.strip())[0]
    return (account.name, account) if account is not None else (user, None)


def _require_account(store: PlanRepository, user: str) -> str:
    """Once the store has accounts, a role goes to an active one: a typo made a member nobody
    could sign in as, and a disabled account (someone who left) was put back on the plan
    unnoticed. The name is matched as `--as` and a sign-in match it (`Piet` is piet's account)
    and the account's own spelling is returned. A store from before accounts takes any name,
    as before."""
    if not accounts.has_accounts(store):
        return user
    user, account = _matched_account(store, user)
    if account is None:
        raise NotFound(
            f"there is no account {user!r}; an admin adds it with `forecast user add {user}` "
            "(`forecast user list` lists the accounts)"
        )
    if not account.active:
        raise Invalid(
            f"the account {user!r} is disabled, so it gets no role; if they are back, an admin "
            f"enables it first (`forecast user enable {user}`, or Enable under Accounts on the "
            "Plans page)"
        )
    return user


def grant(
    store: PlanRepository,
    plan: str,
    actor: str,
    user: str,
    role: str,
    team: str | None = None,
    expected_version: int | None = None,
) -> Granted:
    """Give `user` a role on the plan (its owner, or an admin account). A lead needs a team of the plan; a lead has
    one team, so making the lead of another team lead `team` moves them, and the result's note
    says so (and whether the team they leave has a lead)."""
    user = user.strip() if isinstance(user, str) else ""
    if not user:
        raise Invalid("grant needs a user name")
    check_actor(user)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    state = get_plan(store, plan)
    require_members_manager(store, state, actor, "grant roles")  # before the teams are named
    user = _require_account(store, user)
    if role == "lead":
        if not team:
            raise Invalid(
                "a lead needs a team",
                Fix(
                    FixKey.CHOOSE_LEAD_TEAM, plan=state.plan_id, teams=team_list_text(store, state)
                ),
            )
        valid = state_teams(store, state)
        if str(team) not in valid:
            raise NotFound(
                f"there is no team {team!r} in plan {state.plan_id}; teams are {', '.join(valid)}"
            )

    notes: list[str] = []

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        before = s.members[user].to_dict() if user in s.members else None
        notes[:] = [n for n in [lead_move(s, user, role, team)] if n]
        s.grant(user, role, str(team) if team is not None else None)
        suffix = f" for team {team}" if team else ""
        what = f"grant {role}{suffix} to {user}" + "".join(f" ({n})" for n in notes)
        return what, before, s.members[user].to_dict()

    saved = _change_members(store, state, actor, GRANT, "grant roles", mutate, expected_version)
    return Granted(saved, notes[0] if notes else None)


@dataclass(frozen=True)
class Granted:
    """The result of `grant`: the plan at its new version and, when the grant moved a lead from
    another team (a lead has one team), what moved in words (`note`), else None."""

    plan: PlanState
    note: str | None = None

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def version(self) -> int:
        return self.plan.version


def lead_move(state: PlanState, user: str, role: str, team: str | None) -> str | None:
    """What granting `user` the lead of `team` moves, in words: a lead has one team, so one who
    leads another team leads `team` instead, and the team they leave may be left without a lead
    ("lead-a now leads team b instead of team a; team a has no lead"). None when nothing moves."""
    member = state.members.get(user)
    if role != "lead" or team is None or member is None or "lead" not in member.roles:
        return None
    old = member.team
    if old is None or str(old) == str(team):
        return None
    others = sorted(
        name
        for name, m in state.members.items()
        if name != user and "lead" in m.roles and m.team == old
    )
    left = (
        f"team {old} is still led by {', '.join(others)}" if others else f"team {old} has no lead"
    )
    return f"{user} now leads team {team} instead of team {old}; {left}"


def copy_members(
    store: PlanRepository,
    plan: str,
    actor: str,
    source: str,
    *,
    expected_version: int | None = None,
) -> tuple[PlanState, list[str]]:
    """The members of `source` with their roles on `plan` too, in one audit row: a new cycle's
    plan gets the same planners, leads and co-owners without a grant each. The actor owns both
    plans, or is an admin (the members of a plan are told to its members only). A lead whose
    team `plan` does not have, and a member whose account is disabled, are left out and named in
    the returned notes; roles held already stay as they are."""
    origin = get_plan(store, source)
    require_members_manager(store, origin, actor, "copy the members of this plan")
    state = get_plan(store, plan)
    if origin.plan_id == state.plan_id:
        raise Invalid("a plan's members are its own already; name another plan to copy them from")
    teams = set(state_teams(store, state))
    notes: list[str] = []
    disabled = disabled_members(store, origin)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        before = {u: m.to_dict() for u, m in s.members.items()}
        added, notes[:] = copy_roles(s, origin, teams, disabled)
        if not added:
            raise Invalid(
                f"nothing to copy: every member of plan {origin.plan_id} is on plan "
                f"{s.plan_id} already, or left out" + (f" ({'; '.join(notes)})" if notes else "")
            )
        what = f"copy members from plan {origin.plan_id}: {', '.join(added)}"
        if notes:
            what += f"; {'; '.join(notes)}"
        return what, before, {u: m.to_dict() for u, m in s.members.items()}

    saved = _change_members(store, state, actor, GRANT, "grant roles", mutate, expected_version)
    return saved, list(notes)


def copy_roles(
    state: PlanState, origin: PlanState, teams: Collection[str], disabled: Collection[str]
) -> tuple[list[str], list[str]]:
    """Grant on `state` (in place) the roles the members of `origin` hold there: what was added
    and what was left out, in words. A lead of a team `state` does not have (`teams`), a lead of
    another team here, and a member whose account is `disabled` are left out."""
    added: list[str] = []
    notes: list[str] = []
    for user, member in sorted(origin.members.items()):
        if user in disabled:  # someone who left: not put back on a plan unnoticed
            if any(not state.has_role(user, role) for role in member.roles):
                why = "the account is disabled"
                notes.append(f"{user} ({_roles_text(member)}) left out: {why}")
            continue
        for role in member.roles:
            here = state.members.get(user)
            if role == "lead" and str(member.team) not in teams:
                why = f"team {member.team} is not in this plan"
            elif role == "lead" and here is not None and here.team not in (None, member.team):
                why = f"they lead team {here.team} here, and a lead has one team"
            elif state.has_role(user, role):
                continue
            else:
                why = ""
            if why:
                notes.append(f"{user} (lead of team {member.team}) left out: {why}")
                continue
            state.grant(user, role, str(member.team) if role == "lead" else None)
            added.append(f"{user} as {role}{f' of team {member.team}' if role == 'lead' else ''}")
    return added, notes


def revoke(
    store: PlanRepository,
    plan: str,
    actor: str,
    user: str,
    role: str,
    *,
    expected_version: int | None = None,
) -> PlanState:
    """The owner (or an admin) takes `role` from `user` (one audit row). The last owner
    cannot be removed, nor the last owner whose account is active: a plan whose only owner is
    a disabled account has nobody who may change it but an admin."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    state = get_plan(store, plan)
    if user not in state.members:  # a member's name as the account spells it (`--as` alike)
        require_members_manager(store, state, actor, "change members")  # before naming any
        user = _account_name(store, user)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if not s.has_role(user, role):
            raise Invalid(f"user {user} is not {role} of plan {s.plan_id}; nothing to remove")
        owners = [u for u in s.members if s.has_role(u, "owner")]
        if role == "owner" and owners == [user]:
            raise Conflict(
                f"user {user} is the only owner of plan {s.plan_id}, and a plan keeps at least one "
                "owner",
                Fix(FixKey.ADD_OWNER, plan=s.plan_id),
            )
        active = active_names(store, owners)
        if role == "owner" and active == [user]:
            disabled = ", ".join(u for u in owners if u not in active)
            raise Conflict(
                f"user {user} is the only owner of plan {s.plan_id} whose account is active (the "
                f"account of {disabled} is disabled), and a plan keeps an owner who can sign in",
                Fix(FixKey.ADD_OWNER, plan=s.plan_id),
            )
        before = s.members[user].to_dict()
        s.revoke(user, role)
        after = s.members[user].to_dict() if user in s.members else None
        return f"revoke {role} from {user}", before, after

    return _change_members(store, state, actor, REVOKE, "change members", mutate, expected_version)


def _roles_text(member: Any) -> str:
    return ", ".join(
        f"lead of team {member.team}" if role == "lead" else role for role in member.roles
    )


def _change_members(
    store: PlanRepository,
    state: PlanState,
    actor: str,
    action: str,
    doing: str,
    mutate: Callable[[PlanState], tuple[str, Any, Any]],
    expected_version: int | None,
) -> PlanState:
    """The owner, or an admin account, changes who is on the plan (one audit row `action`,
    which says "as admin" when the admin is not an owner; `doing` names it in a refusal). Publishing freezes the system track only: the negotiation (leads, claims) may
    still run on a published plan, so members can change until the plan is agreed. A save that
    loses a race is redone (mutate re-checks the change on the fresh state)."""
    if state.status == AGREED:
        require_unlocked(state, doing)

    def recorded(s: PlanState) -> tuple[str, Any, Any]:
        as_admin = not s.has_role(actor, "owner")  # before mutate: an owner may grant themself
        what, before, after = mutate(s)
        return (f"{what} (as admin)" if as_admin else what), before, after

    return change_plan(
        store,
        state.plan_id,
        actor=actor,
        action=action,
        mutate=recorded,
        expected_version=expected_version,
        authorize=lambda s: require_members_manager(store, s, actor, doing),
        doing=doing,
        allow_locked=True,
    )
