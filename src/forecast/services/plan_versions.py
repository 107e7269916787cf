"""New plan ids, plan names that must say which plan they mean, and new versions of a plan."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence

from forecast.plan import DRAFT, PlanState, utc_now
from forecast.services.errors import Conflict, Fix, FixKey
from forecast.services.plan_access import is_admin, may_view
from forecast.services.plan_checks import check_plan_name
from forecast.services.plans import ancestors, get_plan, list_plans, require_role
from forecast.store import Change, PastActuals, PastChange, PlanRepository, PlanSummary

NAME_TAKEN = "nothing was created"
NAME_TAKEN_FIXED = Fix(FixKey.CHOOSE_PLAN_NAME)
"""What a refusal of a taken name says was done (its fix: ``FixKey.CHOOSE_PLAN_NAME``)."""


def new_plan_id(draw: Callable[[], str] = lambda: uuid.uuid4().hex[:8]) -> str:
    """Eight hex digits that never read as a number: spreadsheets and pandas turn an id like
    ``293039e0`` or ``12345678`` in a CSV download into 293039 or 12345678.0."""
    while True:
        plan_id = draw()
        if not _reads_as_number(plan_id):
            return plan_id


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def refuse_taken_name(
    store: PlanRepository,
    name: str,
    actor: str | None,
    *,
    doing: str,
    why: str = "",
    fix: Fix | None = None,
    allowed_line: str | None = None,
) -> None:
    """``Conflict`` when a plan here is named `name` already (a name must say which plan it
    means: `get_plan`); the plan is named only to someone who may see it (``may_view``).
    `allowed_line`: a plan whose versions may share the name (a new version of it)."""
    taken = [s for s in list_plans(store) if s.name == name.strip()]
    if not taken or (allowed_line is not None and _same_line(store, taken, allowed_line)):
        return
    admin = is_admin(store, actor)
    seen = [s for s in taken if may_view(store.get(s.plan_id), actor, admin=admin)]
    found = ", ".join(
        f"{s.plan_id} (version {s.version}, {s.status}{', archived' if s.archived else ''})"
        for s in seen
    )
    where = f": {found}{why}" if len(seen) == len(taken) else ""
    if fix is not None and fix.key == FixKey.CHOOSE_PLAN_NAME and seen:
        fix = fix.given(plan=seen[0].plan_id)  # the plan to make like, or a new version of
    raise Conflict(f"there is already a plan named {name.strip()!r} here{where}; {doing}", fix)


def add_under_name(
    store: PlanRepository,
    state: PlanState,
    blobs: Mapping[str, bytes],
    change: Change,
    actor: str,
    *,
    doing: str,
    why: str = "",
    fix: Fix | None = None,
    line: Collection[str] = (),
    history: Sequence[PastChange] = (),
    actuals: Sequence[PastActuals] = (),
) -> PlanState:
    """``store.add``, whose writing transaction refuses a name another plan took meanwhile (two
    plans made at once under one name); the refusal then names that plan as
    ``refuse_taken_name`` does. `line`: the versions a new version continues; `history` and
    `actuals`: an imported plan's, written in the same transaction."""
    try:
        return store.add(state, blobs, change, line=line, history=history, actuals=actuals)
    except Conflict:
        refuse_taken_name(store, state.name, actor, doing=doing, why=why, fix=fix)
        raise


def _same_line(store: PlanRepository, taken: list[PlanSummary], plan_id: str) -> bool:
    """Whether every plan of `taken` is `plan_id` or one of its ancestors (a line of versions
    that a new version of `plan_id` continues)."""
    line = {plan_id} | ancestors(store, plan_id)
    return all(s.plan_id in line for s in taken)


def new_version(store: PlanRepository, plan: str, actor: str, name: str | None = None) -> PlanState:
    """A new draft copied from a plan (typically a published or agreed one), with parent_id.

    Events, explanations, factors, members and negotiation state are carried over; the copy is a
    draft at version 1 whose creator (the actor, who must be the source's owner) owns it."""
    source = get_plan(store, plan)
    require_role(source, actor, "owner", "make a new version")
    if name is not None:
        check_plan_name(name)
    # A new version continues its plan's line under its name; one made from an older version
    # (a second line) or under another plan's name would leave the name meaning nothing.
    doing = (
        "make the new version from the newest version of that line, or give it another name "
        "(`forecast plan new-version PLAN --name NEW_NAME`)"
    )
    refuse_taken_name(store, name or source.name, actor, doing=doing, allowed_line=source.plan_id)
    copy = source.copy()
    copy.plan_id = new_plan_id()
    copy.parent_id = source.plan_id
    copy.status = DRAFT
    copy.name = (name or source.name).strip()
    copy.created_by = actor
    copy.created_at = utc_now()
    copy.published_at = None
    copy.published_by = None
    copy.archived_at = copy.archived_by = None  # a new version of an archived plan is live
    copy.grant(actor, "owner")
    copy.grant(actor, "planner")
    blobs = {
        kind: store.get_blob(source.plan_id, kind) for kind in store.blob_kinds(source.plan_id)
    }
    change = Change(
        actor=actor,
        action="new_version",
        what=f"new version of plan {source.plan_id} (version {source.version}, {source.status})",
        after={"parent_id": source.plan_id},
    )
    line = {source.plan_id} | ancestors(store, source.plan_id)
    return add_under_name(store, copy, blobs, change, actor, doing=doing, line=line)
