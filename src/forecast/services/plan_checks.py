"""The checks of what a person types for a plan: its name, free text, a user name, the deviation
threshold, the model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from forecast import bounds
from forecast.bounds import MAX_HORIZON as MAX_HORIZON  # re-exported for the pages
from forecast.services.accounts import MAX_NAME_LENGTH
from forecast.services.errors import Fix, FixKey, Invalid

if TYPE_CHECKING:
    from forecast.plan import PlanState


def check_model(model: str) -> None:
    from forecast.engine.baseline import MODELS

    if model not in MODELS:
        raise Invalid(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


MAX_PLAN_NAME = bounds.MAX_NAME_CHARS
MAX_ACTOR_NAME = MAX_NAME_LENGTH  # an account's name: one bound for --as, a member, an actor


def check_plan_name(name: str) -> str:
    """The same limits on SQLite and PostgreSQL (which would refuse an over-long VARCHAR)."""
    name = (name or "").strip()
    if not name:
        raise Invalid("a plan needs a name", Fix(FixKey.NAME_PLAN))
    if len(name) > MAX_PLAN_NAME:
        raise Invalid(
            f"a plan name has at most {MAX_PLAN_NAME} characters; this one has {len(name)}: "
            "choose a shorter name"
        )
    if problem := bounds.control_problem("a plan name", name, one_line=True):
        raise Invalid(problem)
    return name


def check_text(field: str, text: str | None, limit: int = bounds.MAX_TEXT_CHARS) -> None:
    """Refuse free text over its bound (`forecast.bounds`: notes, reasons and explanations a
    few thousand characters, names ~200), naming the field, the limit and the length; and
    anything but text (a grid's cell sent as a number reached `len`, or a 0 emptied it)."""
    if text is not None and not isinstance(text, str):
        raise Invalid(f"{field} is text, not {text!r}; nothing was changed")
    problem = bounds.text_problem(field, text, limit)
    if problem is not None:
        raise Invalid(problem + "; nothing was changed")


def check_actor(actor: str) -> None:
    """A user name (one acting, or one given a role): at most ``MAX_ACTOR_NAME`` characters and
    one line without control characters, as `accounts.check_cli_user` holds ``--as`` to; it is
    kept in the audit and the member lists and printed there."""
    if len(actor or "") > MAX_ACTOR_NAME:
        raise Invalid(f"a user name has at most {MAX_ACTOR_NAME} characters")
    if problem := bounds.control_problem("a user name", actor, one_line=True):
        raise Invalid(problem)


MAX_THRESHOLD = 1.0
"""The largest deviation threshold, as a fraction (100 %): above it the gate would mark almost
nothing (only cells more than doubled or wiped out), which is never a planner's intent."""


def threshold_problem(threshold: float) -> str | None:
    """Why `threshold` (a fraction: 0.2 = 20 %) cannot be a plan's deviation threshold, or None:
    it must be more than 0 % and at most 100 %."""
    value = float(threshold)
    if 0 < value <= MAX_THRESHOLD:
        return None
    shown = f"{100 * value:,.6g} % (the fraction {value:g})" if value == value else "no number"
    return (
        "the deviation threshold must be more than 0 % and at most 100 % (as a fraction, "
        f"more than 0 and at most 1: 0.2 is 20 %), got {shown}"
    )


# -- how many parts a plan holds (`forecast.bounds`: a bundle's plan is held to the same) ------

_PARTS = {
    "events": (
        "events",
        "MAX_PLAN_EVENTS",
        "remove events the plan no longer needs (past ones, ones another event replaced) first",
    ),
    "explanations": (
        "explanations (those replaced kept too)",
        "MAX_PLAN_EXPLANATIONS",
        "explain a team's period or an event's deviations at once instead of cell by cell",
    ),
    "factors": (
        "marked factors",
        "MAX_PLAN_FACTORS",
        "mark no more factors in this plan; a new plan made from its sales file starts without",
    ),
}


def count_problem(part: str, had: int, has: int) -> str | None:
    """Why a change that takes the plan's `part` ("events", "explanations", "factors") from `had`
    to `has` is refused: more than a plan may hold (`forecast.bounds`), so that its own export
    imports again. None when it stays within, or does not grow (a plan already over its bound
    may still shed parts)."""
    what, bound, fix = _PARTS[part]
    most = getattr(bounds, bound)
    if has <= most or has <= had:
        return None
    return (
        f"a plan holds at most {most:,} {what}, so that its export can be imported again; "
        f"this one has {had:,} and the change would bring it to {has:,}: {fix}"
    )


def check_counts(had: PlanState, has: PlanState) -> None:
    """Refuse (``Invalid``, nothing written) a change from plan `had` to plan `has` that grows
    its events, explanations or factors past what a plan may hold (`count_problem`)."""
    for part in _PARTS:
        problem = count_problem(part, len(getattr(had, part)), len(getattr(has, part)))
        if problem is not None:
            raise Invalid(f"{problem}; nothing was changed")
