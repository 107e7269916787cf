"""What every edit on the Negotiation page does with a service call: run it for the session's
plan and user (the user from `components.acting_user` only), then say how it went and ask the
page to render again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from dash import html

from dashboard import components


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


def parse_goal(text: str | None) -> GoalArgs:
    """`"10/6.5"` or `"1.5x"` -> ratio; `"1,500,000"` / `"€1,500,000.50"` -> total (str, exact)."""
    raw = (text or "").strip().replace("€", "").replace(" ", "")
    if not raw:
        return {}
    if "/" in raw or raw.lower().endswith("x"):
        return {"ratio": raw.rstrip("xX")}
    return {"total": raw.replace(",", "")}


def amount_text(value: str | None) -> str:
    """An amount as typed (€, thousands commas, spaces) as the services take it."""
    return (value or "").replace(",", "").replace("€", "").replace(" ", "").strip()
