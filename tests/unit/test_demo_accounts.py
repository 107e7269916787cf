"""The demo's accounts: one per member of the sample plan, and the sign-in hint that shows the
demo password only while the store holds nothing but the sample plan."""

from __future__ import annotations

from argon2 import PasswordHasher

from forecast.services import accounts, demo
from forecast.services.demo_heldout import HELDOUT_PLAN_NAME
from forecast.services.plan_create import create_plan_from_frames
from forecast.services.plan_members import grant
from forecast.store import MemoryStore
from tests.unit.test_services_negotiation import HORIZON, team_frames


def _plan(store: MemoryStore, name: str) -> str:
    history, attributes, baseline = team_frames()
    state = create_plan_from_frames(
        store,
        name=name,
        history=history,
        attributes=attributes,
        freq="W-FRI",
        horizon=HORIZON,
        team_attr="Team",
        actor=demo.DEMO_OWNER,
        baseline=baseline,
    )
    return state.plan_id


def test_demo_members_get_accounts_and_the_hint_goes_once_a_real_plan_exists():
    store = MemoryStore()
    plan = _plan(store, demo.DEMO_PLAN_NAME)
    grant(store, plan, demo.DEMO_OWNER, demo.DEMO_PLANNER, "planner")
    for team in ("a", "b", "c"):
        grant(store, plan, demo.DEMO_OWNER, f"lead-{team}", "lead", team=team)
    assert demo.sign_in_hint(store) is None  # no accounts yet
    created = demo.ensure_demo_accounts(store, plan)
    assert created == ["olga", "piet", "lead-a", "lead-b", "lead-c"]
    assert demo.ensure_demo_accounts(store, plan) == []  # once
    assert accounts.authenticate(store, "lead-b", demo.DEMO_PASSWORD) is not None
    hint = demo.sign_in_hint(store)
    assert hint and demo.DEMO_PASSWORD in hint and "lead-b (lead of team b)" in hint
    _plan(store, HELDOUT_PLAN_NAME)  # the demo's second plan keeps it a demo store
    assert demo.sign_in_hint(store) == hint
    _plan(store, "Real plan 2025")
    assert demo.sign_in_hint(store) is None


def test_the_hint_names_the_sample_plans_members_whichever_plan_is_listed_first():
    store = MemoryStore()
    _plan(store, HELDOUT_PLAN_NAME)  # listed first: made first (or within the same second)
    plan = _plan(store, demo.DEMO_PLAN_NAME)
    grant(store, plan, demo.DEMO_OWNER, demo.DEMO_PLANNER, "planner")
    grant(store, plan, demo.DEMO_OWNER, "lead-b", "lead", team="b")
    demo.ensure_demo_accounts(store, plan)
    hint = demo.sign_in_hint(store)
    assert hint and "piet (planner)" in hint and "lead-b (lead of team b)" in hint


def _demo_store() -> tuple[MemoryStore, str]:
    store = MemoryStore()
    plan = _plan(store, demo.DEMO_PLAN_NAME)
    grant(store, plan, demo.DEMO_OWNER, demo.DEMO_PLANNER, "planner")
    for team in ("a", "b", "c"):
        grant(store, plan, demo.DEMO_OWNER, f"lead-{team}", "lead", team=team)
    demo.ensure_demo_accounts(store, plan)
    return store, plan


def test_the_hint_names_only_active_accounts_that_still_have_the_demo_password(monkeypatch):
    """The public sign-in page listed every member with an account: after `forecast user
    passwd`, after `forecast user disable`, and an account made later with its own password."""
    store, plan = _demo_store()
    accounts.set_password(store, "lead-a", "a passphrase of lead-a's own")
    accounts.disable(store, "lead-b")
    accounts.add_user(store, "olga-two", "olga's very own passphrase")
    grant(store, plan, demo.DEMO_OWNER, "olga-two", "planner")
    # Anyone may open the sign-in page: it checks no password hash (argon2 costs most of a
    # second of CPU each).
    checked: list[str] = []
    original = PasswordHasher.verify

    def counted(self, hash, password):
        checked.append(password)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    hint = demo.sign_in_hint(store)
    assert checked == []
    assert hint and "olga (owner" in hint and "piet (planner)" in hint
    assert "lead-c (lead of team c)" in hint
    for gone in ("lead-a", "lead-b", "olga-two"):
        assert gone not in hint
    accounts.enable(store, "lead-b")  # enabled again, still with the demo password
    assert "lead-b (lead of team b)" in (demo.sign_in_hint(store) or "")
    for name in ("olga", "piet", "lead-b", "lead-c"):
        accounts.set_password(store, name, f"{name}'s own passphrase")
    assert demo.sign_in_hint(store) is None  # nobody signs in with the demo password


def test_demo_marks_a_members_account_made_before_the_mark_if_it_still_has_the_demo_password():
    store, plan = _demo_store()
    for name in ("olga", "piet", "lead-a"):  # as a store made before the mark existed
        store.update_account(name, demo_password_stamp=None)
    accounts.set_password(store, "piet", "a passphrase of piet's own")
    assert "olga" not in (demo.sign_in_hint(store) or "")  # unmarked: not named
    assert demo.ensure_demo_accounts(store, plan) == []
    hint = demo.sign_in_hint(store)
    assert hint and "olga (owner" in hint and "lead-a (lead of team a)" in hint
    assert "piet" not in hint
