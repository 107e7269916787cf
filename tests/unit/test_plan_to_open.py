"""Which plan the dashboard opens on when the browser remembers none (`plan_access.plan_to_open`)."""

from __future__ import annotations

from forecast.services.plan_access import plan_to_open
from forecast.store import PlanSummary


def summary(plan_id: str, status: str, created_at: str) -> PlanSummary:
    return PlanSummary(
        plan_id=plan_id,
        name=f"plan {plan_id}",
        version=1,
        status=status,
        parent_id=None,
        created_by="olga",
        created_at=created_at,
        updated_at=created_at,
    )


def test_an_agreed_plan_added_later_does_not_replace_the_round_in_progress() -> None:
    in_progress = summary("p1", "published", "2026-12-01T10:00:00")
    held_out = summary("p2", "agreed", "2026-12-02T09:00:00")
    opened = plan_to_open([in_progress, held_out])
    assert opened is not None and opened.plan_id == "p1"


def test_the_newest_plan_in_progress_is_opened() -> None:
    older = summary("p1", "draft", "2026-12-01T10:00:00")
    newer = summary("p2", "published", "2026-12-02T09:00:00")
    opened = plan_to_open([newer, older])
    assert opened is not None and opened.plan_id == "p2"


def test_with_every_plan_agreed_the_newest_is_opened() -> None:
    plans = [summary("p1", "agreed", "2026-12-01T10:00:00"), summary("p2", "agreed", "2026-12-02")]
    opened = plan_to_open(plans)
    assert opened is not None and opened.plan_id == "p2"


def test_no_plan_to_open_in_an_empty_store() -> None:
    assert plan_to_open([]) is None
