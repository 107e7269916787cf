"""The held-out sample plan of `forecast demo`: what the Actuals and Accuracy pages score.

The bundled Rossmann sales are cut before their last quarter (13 whole weeks). A plan is made from
the part before the cut and walked through both tracks the way a planning round would go: the
planner adds events with reasons (a flyer week with the learned uplift, the public holidays that
moved against last year, a purchase limit), explains the deviations the gate marks, the owner
publishes, sets a goal of 1.04 times the system plan, two leads claim, the rest is assigned pro
rata to the baseline and the plan is locked (agreed). Then the real sales of the held-out weeks are uploaded
as its actuals, so every layer and every touch is scored against what happened; nothing is
invented.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from forecast.overrides import Scope
from forecast.services import actuals, negotiation, plan_create, plans, system
from forecast.services.demo import (
    DEMO_OWNER,
    DEMO_PLANNER,
    SAMPLE_SALES,
    SAMPLE_STORES,
    grant_demo_members,
)
from forecast.store import PlanRepository

HELDOUT_PLAN_NAME = "Sample plan: last quarter (held out)"
HELDOUT_WEEKS = 13
DATE_COLUMN = "Date"  # of the bundled Rossmann sales file
# On this cut `auto` picks the seasonal naive for every one of the 100 stores (measured on
# 2026-12-02: 8.7 s of CPU to choose it); fitting it directly keeps `forecast demo` quick.
HELDOUT_MODEL = "snaive"


@dataclass(frozen=True)
class HeldOutSplit:
    """The sample's sales before the cut (the plan's history) and the held-out weeks (its
    actuals), both as CSV bytes in the sample's own layout."""

    history: bytes
    actuals: bytes
    first: date  # first day held out (a Monday)
    last: date  # last day held out (a Sunday)

    @property
    def history_name(self) -> str:
        return f"{SAMPLE_SALES.stem} before {self.first:%Y-%m-%d}.csv"

    @property
    def actuals_name(self) -> str:
        return f"{SAMPLE_SALES.stem} {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}.csv"


def split_sample(weeks: int = HELDOUT_WEEKS) -> HeldOutSplit:
    """Cut the sample before its last `weeks` whole Monday-to-Sunday weeks (the trailing days of
    an unfinished week are left out of both parts)."""
    sales = pd.read_csv(SAMPLE_SALES, dtype=str, keep_default_na=False)
    days = pd.to_datetime(sales[DATE_COLUMN])
    newest = days.max()
    last = newest - pd.Timedelta(days=(newest.day_of_week + 1) % 7)  # the last Sunday
    first = last - pd.Timedelta(days=7 * weeks - 1)
    return HeldOutSplit(
        history=_csv(sales[days < first]),
        actuals=_csv(sales[(days >= first) & (days <= last)]),
        first=first.date(),
        last=last.date(),
    )


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def find_heldout_plan(store: PlanRepository) -> str | None:
    existing = [s for s in plans.list_plans(store) if s.name == HELDOUT_PLAN_NAME]
    return existing[-1].plan_id if existing else None


def create_heldout_plan(
    store: PlanRepository,
    *,
    model: str = HELDOUT_MODEL,
    progress: Callable[[float, str], None] | None = None,
) -> str:
    """Make the held-out plan, agree it and upload the held-out weeks as its actuals."""
    split = split_sample()
    state = plan_create.create_plan(
        store,
        name=HELDOUT_PLAN_NAME,
        source=split.history,
        filename=split.history_name,
        attributes_file=SAMPLE_STORES,
        freq="W",
        horizon=HELDOUT_WEEKS,
        team_attr="StoreType",
        actor=DEMO_OWNER,
        model=model,
        progress=progress,
    )
    grant_demo_members(store, state.plan_id)
    agree_heldout_story(store, state.plan_id, split.first)
    actuals.upload_actuals(
        store, state.plan_id, split.actuals, actor=DEMO_OWNER, filename=split.actuals_name
    )
    return state.plan_id


def agree_heldout_story(store: PlanRepository, plan_id: str, first: date) -> None:
    """A planning round of the held-out quarter (the weeks of 27 April to 20 July 2015), from the
    first event to the lock. The planner knows the calendar: a flyer week, and the public holidays
    that fall in other weeks than a year before (the seasonal naive baseline copies last year's
    weeks). The FVA then finds some touches that helped and some that made the forecast worse."""

    def week(n: int) -> tuple[date, date]:
        start = first + timedelta(weeks=n)
        return start, start + timedelta(days=6)

    everywhere = Scope()
    start, end = week(1)
    system.add_event(
        store, plan_id, DEMO_PLANNER, name="May flyer", kind="promotion", scope=everywhere,
        start=start, end=end, use_suggestion=True, reason="national flyer, uplift learned",
    )  # fmt: skip
    for n, value, name, reason in (
        (2, -10, "Ascension Day", "stores closed on 14 May; last year it fell two weeks later"),
        (5, -5, "Corpus Christi", "closed on 4 June in some states; last year two weeks later"),
        (6, 10, "No Whit Monday", "last year this week had the Whit Monday closing"),
        (7, 5, "No Corpus Christi", "last year this week had the Corpus Christi closing"),
    ):
        start, end = week(n)
        system.add_event(
            store, plan_id, DEMO_PLANNER, name=name, kind="festival", scope=everywhere,
            start=start, end=end, effect="percent", value=value, reason=reason,
        )  # fmt: skip
    start, _ = week(8)
    _, end = week(9)
    system.add_event(
        store, plan_id, DEMO_PLANNER, name="Supplier allocation", kind="purchase_limit",
        scope=Scope.parse(["StoreType=d"]), start=start, end=end, effect="percent", value=-20,
        reason="allocation cut announced by the supplier",
    )  # fmt: skip
    _explain_everything(store, plan_id)
    system.publish(store, plan_id, DEMO_OWNER)
    negotiation.set_goal(store, plan_id, DEMO_OWNER, ratio="1.04", basis="system_plan")
    negotiation.claim(store, plan_id, "lead-a", "a", percent="2", note="second flyer wave")
    negotiation.claim(store, plan_id, "lead-d", "d", percent="5", note="new shelf layout")
    negotiation.close_round(store, plan_id, DEMO_OWNER)
    negotiation.assign(store, plan_id, DEMO_OWNER, "pro_rata_baseline")
    negotiation.lock(store, plan_id, DEMO_OWNER)


def _explain_everything(store: PlanRepository, plan_id: str) -> None:
    """The planner explains every deviation the gate marks, by the kind of the event behind it."""
    state = plans.get_plan(store, plan_id)
    for event in system.events_of(state):
        open_cells = system.unexplained(store, plan_id)
        if open_cells.empty:
            return
        events = open_cells["events"].astype(str).str.split(",")
        if events.apply(lambda ids, e=event.event_id: e in ids).any():
            system.explain(
                store, plan_id, DEMO_PLANNER, reason_code=event.kind, text=event.reason,
                event_id=event.event_id,
            )  # fmt: skip
