"""The sample plans that `forecast demo` (the README's run command) opens the dashboard on.

The sample plan tells the product's story on the bundled Rossmann data: the system track with two
events (one explained, one still blocking publication) and the negotiation track with a goal of
10/6.5 of the system plan and two claims, the round still open, so a visitor can explain, publish,
claim, assign and lock from the dashboard.

The held-out sample plan (`demo_heldout`) is the same data made without its last quarter, walked
through both tracks to agreement, with the real sales of that quarter uploaded as actuals, so the
Actuals and Accuracy pages have something to score from the first start."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from forecast import overrides
from forecast.overrides import Scope
from forecast.services import accounts, negotiation, plan_create, plan_members, plans, system
from forecast.services.errors import Conflict, Invalid
from forecast.store import Account, PlanRepository

ROOT = Path(__file__).resolve().parents[3]


def sample_dir() -> Path:
    """The sample data: `forecast/sample_data` in an installed wheel, else the repo's folder."""
    installed = Path(__file__).resolve().parents[1] / "sample_data"
    return installed if installed.is_dir() else ROOT / "sample_data"


SAMPLE_SALES = sample_dir() / "rossmann" / "rossmann_train_100stores.csv"
SAMPLE_STORES = sample_dir() / "rossmann" / "rossmann_store_100stores.csv"
SAMPLE_CURRENCY = "EUR"  # Rossmann's stores are in Germany
DEMO_PLAN_NAME = "Rossmann sample (weekly)"
MAX_DEMO_JOBS = 4
"""Worker processes the sample plan is fitted with at most (one per core): it is made once, by
the person trying the product, who waits for it. (Serially it took 45 to 70 s on this 2-core
machine on 2026-12-03, where it took 24 s the day before.)"""
DEMO_OWNER = "olga"
DEMO_PLANNER = "piet"
# Shown on the sign-in page only while the store holds nothing but the sample plan (a demo store);
# once a real plan exists the hint disappears (and the demo accounts should be disabled). It names
# only the accounts that still have this password (`has_demo_password`).
DEMO_PASSWORD = "try-the-demo"


def find_sample_plan(store: PlanRepository) -> str | None:
    existing = [s for s in plans.list_plans(store) if s.name == DEMO_PLAN_NAME]
    return existing[-1].plan_id if existing else None


def made_or_found(
    store: PlanRepository,
    find: Callable[[PlanRepository], str | None],
    make: Callable[[], str],
) -> tuple[str, bool]:
    """`make()` a sample plan, (its id, True); when a plan of its name appeared meanwhile
    (another `forecast demo` on the same store made it at the same time), that one's id and
    False, so that two demos started together both end with the one sample plan."""
    try:
        return make(), True
    except Conflict:
        found = find(store)
        if found is None:
            raise
        return found, False


def create_sample_plan(
    store: PlanRepository,
    *,
    model: str = "auto",
    progress: Callable[[float, str], None] | None = None,
    jobs: int | None = None,
) -> str:
    """Create the sample plan with its members: owner, planner and one lead per store type.
    ``jobs``: worker processes (by default one per core, at most ``MAX_DEMO_JOBS``); the plan's
    numbers are the same with any number."""
    if jobs is None:
        jobs = max(1, min(MAX_DEMO_JOBS, os.cpu_count() or 1))
    state = plan_create.create_plan(
        store,
        name=DEMO_PLAN_NAME,
        source=SAMPLE_SALES,
        attributes_file=SAMPLE_STORES,
        freq="W",
        horizon=13,
        team_attr="StoreType",
        actor=DEMO_OWNER,
        currency=SAMPLE_CURRENCY,
        model=model,
        jobs=jobs,
        progress=progress,
    )
    grant_demo_members(store, state.plan_id)
    return state.plan_id


def grant_demo_members(store: PlanRepository, plan_id: str) -> None:
    """The planner and one lead per team (`lead-a` ...) join the owner's plan."""
    state = plans.get_plan(store, plan_id)
    plan_members.grant(store, plan_id, DEMO_OWNER, DEMO_PLANNER, "planner")
    frames = plans.load_frames(store, plan_id)
    for team in sorted(plans.teams_of(frames.attributes, state.team_attr).unique()):
        plan_members.grant(store, plan_id, DEMO_OWNER, f"lead-{team}", "lead", team=team)


def demo_members(store: PlanRepository, plan_id: str) -> list[tuple[str, str]]:
    """(name, role description) of the sample plan's members, owner first."""
    state = plans.get_plan(store, plan_id)
    order = {DEMO_OWNER: 0, DEMO_PLANNER: 1}
    names = sorted(state.members, key=lambda u: (order.get(u, 2), u))
    described = []
    for name in names:
        roles = state.roles_of(name)
        team = state.team_of(name)
        parts = [f"lead of team {team}" if r == "lead" and team else r for r in roles]
        described.append((name, ", ".join(parts)))
    return described


def ensure_demo_accounts(store: PlanRepository, plan_id: str) -> list[str]:
    """Accounts (password `DEMO_PASSWORD`) for the sample plan's members that have none yet,
    each marked as having it (`demo_password_stamp`, for the sign-in page's hint); returns the
    names created. A member's account made before the mark existed is marked here if it still
    signs in with the demo password (one check of its hash, by `forecast demo`, never by the
    sign-in page)."""
    created = []
    for name, _ in demo_members(store, plan_id):
        account = store.get_account(name)
        if account is None:
            try:
                account = accounts.add_user(
                    store, name, DEMO_PASSWORD, admin=False, actor="forecast demo"
                )
            except Invalid:
                if store.get_account(name) is None:
                    raise
                continue  # another `forecast demo` made it meanwhile
            created.append(name)
        elif account.demo_password_stamp is not None or not account.active:
            continue  # marked (or once marked and changed since), or disabled
        elif accounts.authenticate(store, name, DEMO_PASSWORD) is None:
            continue
        store.update_account(name, demo_password_stamp=accounts.credential_stamp(account))
    return created


def has_demo_password(account: Account | None) -> bool:
    """Whether an account is active and still has the password `forecast demo` gave it: its
    password hash is the one marked then (any new password is a new hash, salted anew). No
    password hash is checked, so the sign-in page, which anyone may open, costs no argon2 work."""
    return (
        account is not None
        and account.active
        and account.password_hash is not None
        and account.demo_password_stamp == accounts.credential_stamp(account)
    )


def accounts_with_demo_password(store: PlanRepository) -> list[str]:
    """Active accounts that still sign in with the demo's public password (the README prints
    it): on an address others reach, anyone could sign in as them."""
    return [
        account.name
        for account in accounts.list_users(store)
        if account.active and accounts.authenticate(store, account.name, DEMO_PASSWORD)
    ]


def sign_in_hint(store: PlanRepository) -> str | None:
    """The demo's sign-in line, while the store holds only the sample plans (and their
    versions)."""
    from forecast.services.demo_heldout import HELDOUT_PLAN_NAME

    summaries = plans.list_plans(store)
    if not summaries or any(s.name not in (DEMO_PLAN_NAME, HELDOUT_PLAN_NAME) for s in summaries):
        return None
    # The sample plan's members, whichever plan is listed first (both can be stamped within
    # one second, and creation times are stored to the second).
    sample = next((s for s in summaries if s.name == DEMO_PLAN_NAME), summaries[0])
    members = demo_members(store, sample.plan_id)
    # Only accounts that sign in with the demo password: not one given its own password since
    # (`forecast user passwd`, the Password page), disabled, or made later by someone else.
    usable = [(n, d) for n, d in members if has_demo_password(store.get_account(n))]
    if not usable:
        return None
    who = "; ".join(f"{name} ({what})" for name, what in usable)
    return (
        f"Demo: every member of the sample plan signs in with the password {DEMO_PASSWORD!r}: "
        f"{who}. Open a second browser window (a private one) to be two people at once."
    )


def seed_story(store: PlanRepository, plan_id: str) -> None:
    """Events, an explanation, a goal and two claims, as a planning round in progress."""
    dates = sorted(plans.load_frames(store, plan_id).baseline["ds"].unique())
    freq = plans.get_plan(store, plan_id).freq
    last_day = {d: e for d, e in overrides.horizon_periods(dates, freq).itertuples(index=False)}
    system.add_event(
        store,
        plan_id,
        DEMO_PLANNER,
        name="Back-to-school promotion",
        kind="promotion",
        scope=Scope.parse(["StoreType=a"]),
        start=dates[2],
        end=last_day[dates[4]],  # through the last day of week 5
        use_suggestion=True,
        reason="national flyer, weeks 3-5",
    )
    system.add_event(
        store,
        plan_id,
        DEMO_PLANNER,
        name="Supplier allocation",
        kind="purchase_limit",
        scope=Scope.parse(["StoreType=d"]),
        start=dates[8],
        end=last_day[dates[9]],
        effect="percent",
        value=-25,
        reason="allocation cut announced by the supplier",
    )
    system.explain(
        store,
        plan_id,
        DEMO_PLANNER,
        reason_code="promotion",
        text="flyer with 20 % off; uplift learned from past Promo weeks",
        event_id="E1",
    )
    negotiation.set_goal(store, plan_id, DEMO_OWNER, ratio="10/6.5", basis="system_plan")
    negotiation.claim(store, plan_id, "lead-a", "a", amount="400000", note="second flyer wave")
    negotiation.claim(store, plan_id, "lead-d", "d", amount="120000", note="new shelf layout")
