"""What every edit on the Negotiation page does with a service call: run it for the session's
plan and user (the user from `components.acting_user` only), then say how it went and ask the
page to render again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from dash import html

from dashboard import components
from forecast.services.errors import ServiceError, fix_of, reason_of


def outcome(
    edit: Callable[[str, str], Any],
    session: Mapping[str, Any] | None,
    refresh: int | None,
    message: str | Callable[[str], str],
) -> tuple[Any, int]:
    """Run `edit(plan_id, user)`; return (alert, refresh + 1): the message (or
    `message(plan_id)`, asked after the edit), or the refusal."""
    plan_id, user = components.action_plan(session), components.acting_user(session)
    _, alert = components.call_service(lambda: edit(plan_id, user or ""))
    if alert is not None:
        return html.Div(alert, className="neg-refused"), (refresh or 0) + 1
    text = message if isinstance(message, str) else message(plan_id)
    return components.success_alert(text), (refresh or 0) + 1


def refused(alert: Any) -> bool:
    """Is this `outcome` alert a refusal?"""
    return getattr(alert, "className", None) == "neg-refused"


class GoalArgs(TypedDict, total=False):
    """A typed goal, as `negotiation.set_goal` takes it: a total or a ratio of the basis."""

    total: str
    ratio: str


RATIO_EXAMPLES = "1.5x, 10/6.5 or 154%"
"""The ratios the goal box takes (a plain 1.5 is an amount there: €1.50)."""
_DOMAIN_RATIO_EXAMPLES = "1.5, 10/6.5 or 154%"  # the CLI's --ratio takes a plain 1.5


def parse_goal(text: str | None) -> GoalArgs:
    """`"10/6.5"`, `"1.5x"` or `"154%"` -> ratio; anything else is a total as typed
    ("$720,000,000", "720.000.000 €"), read by the service in the plan's currency
    (``forecast.services.money``)."""
    raw = (text or "").strip()
    if not raw:
        return {}
    if "/" in raw or raw.lower().endswith("x") or raw.endswith("%"):
        return {"ratio": raw.replace(" ", "").rstrip("xX")}
    return {"total": raw}


def goal_box_words(exc: ServiceError) -> ServiceError:
    """A refusal of a goal typed in the page's box, its ratio examples as the box takes them."""
    reason = reason_of(exc)
    if _DOMAIN_RATIO_EXAMPLES not in reason:
        return exc
    return type(exc)(reason.replace(_DOMAIN_RATIO_EXAMPLES, RATIO_EXAMPLES), fix_of(exc))


def amount_text(value: str | None) -> str:
    """An amount as typed; the service reads the plan currency's symbol and separators."""
    return (value or "").strip()
