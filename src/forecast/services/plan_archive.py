"""Retire a plan (archive) and bring it back (unarchive)."""

from __future__ import annotations

from typing import Any

from forecast.plan import PlanState, utc_now
from forecast.services.errors import Conflict
from forecast.services.plan_access import may_archive, owner_or_admin_needed
from forecast.services.plan_checks import check_text
from forecast.services.plans import change_plan, get_plan
from forecast.store import PlanRepository


def archive(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> PlanState:
    """Retire a plan (its owner or an admin): left out of the plan lists and read-only until
    `unarchive`; it stays readable and exportable and nothing of it is deleted. One audit row."""
    return _set_archived(store, plan, actor, True, reason, expected_version)


def unarchive(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> PlanState:
    """Bring an archived plan back into the lists, editable as before (its owner or an admin).
    One audit row."""
    return _set_archived(store, plan, actor, False, reason, expected_version)


def _set_archived(
    store: PlanRepository,
    plan: str,
    actor: str,
    archived: bool,
    reason: str | None,
    expected_version: int | None,
) -> PlanState:
    doing = "archive" if archived else "unarchive"
    check_text(f"the reason to {doing} a plan", reason)
    state = get_plan(store, plan)
    if not may_archive(store, state, actor):
        where = f"{doing} plan {state.plan_id}"
        raise owner_or_admin_needed(state, actor, where, "the owner role on it")

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        if s.archived == archived:
            already = (
                f"archived already (by {s.archived_by} at {s.archived_at})"
                if archived
                else "not archived"
            )
            raise Conflict(f"plan {s.plan_id} ({s.name!r}) is {already}; nothing to {doing}")
        before = {"archived_at": s.archived_at, "archived_by": s.archived_by}
        s.archived_at, s.archived_by = (utc_now(), actor) if archived else (None, None)
        after = {"archived_at": s.archived_at, "archived_by": s.archived_by}
        return f"{doing} plan {s.name!r}", before, after

    # Any stage: an agreed plan is the one most often retired (allow_locked); the archive
    # check itself is mutate's, so an archived plan may be unarchived.
    return change_plan(
        store,
        state.plan_id,
        actor=actor,
        action=doing,
        mutate=mutate,
        expected_version=expected_version,
        doing=f"{doing} it",
        reason=(reason or "").strip() or None,
        allow_locked=True,
        allow_archived=True,
    )
