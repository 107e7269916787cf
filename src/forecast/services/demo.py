"""The sample plan that `forecast demo` (the README's run command) opens the dashboard on.

It tells the product's story on the bundled Rossmann data: the system track with two events (one
explained, one still blocking publication) and the negotiation track with a goal of 10/6.5 of the
system plan and two claims, the round still open, so a visitor can explain, publish, claim, assign
and lock from the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from forecast.overrides import Scope
from forecast.services import negotiation, plans, system
from forecast.store import PlanRepository

ROOT = Path(__file__).resolve().parents[3]


def sample_dir() -> Path:
    """The sample data: `forecast/sample_data` in an installed wheel, else the repo's folder."""
    installed = Path(__file__).resolve().parents[1] / "sample_data"
    return installed if installed.is_dir() else ROOT / "sample_data"


SAMPLE_SALES = sample_dir() / "rossmann" / "rossmann_train_100stores.csv"
SAMPLE_STORES = sample_dir() / "rossmann" / "rossmann_store_100stores.csv"
DEMO_PLAN_NAME = "Rossmann sample (weekly)"
DEMO_OWNER = "olga"
DEMO_PLANNER = "piet"


def find_sample_plan(store: PlanRepository) -> str | None:
    existing = [s for s in plans.list_plans(store) if s.name == DEMO_PLAN_NAME]
    return existing[-1].plan_id if existing else None


def create_sample_plan(
    store: PlanRepository,
    *,
    model: str = "auto",
    progress: Callable[[float, str], None] | None = None,
) -> str:
    """Create the sample plan with its members: owner, planner and one lead per store type."""
    state = plans.create_plan(
        store,
        name=DEMO_PLAN_NAME,
        source=SAMPLE_SALES,
        attributes_file=SAMPLE_STORES,
        freq="W",
        horizon=13,
        team_attr="StoreType",
        actor=DEMO_OWNER,
        model=model,
        progress=progress,
    )
    plans.grant(store, state.plan_id, DEMO_OWNER, DEMO_PLANNER, "planner")
    frames = plans.load_frames(store, state.plan_id)
    for team in sorted(plans.teams_of(frames.attributes, state.team_attr).unique()):
        plans.grant(store, state.plan_id, DEMO_OWNER, f"lead-{team}", "lead", team=team)
    return state.plan_id


def seed_story(store: PlanRepository, plan_id: str) -> None:
    """Events, an explanation, a goal and two claims, as a planning round in progress."""
    dates = sorted(plans.load_frames(store, plan_id).baseline["ds"].unique())
    system.add_event(
        store,
        plan_id,
        DEMO_PLANNER,
        name="Back-to-school promotion",
        kind="promotion",
        scope=Scope.parse(["StoreType=a"]),
        start=dates[2],
        end=dates[4],
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
        end=dates[9],
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
