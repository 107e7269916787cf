"""Small layout pieces shared by the pages: headers, alerts, number formats, role notes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from forecast.services.errors import (
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    ServiceError,
    StaleVersion,
)

CURRENCY = "€"  # the shipped sample (Rossmann) is in euros; amounts are shown with this symbol

_ERROR_TITLES: dict[type[ServiceError], str] = {
    Forbidden: "Not allowed for your role",
    StaleVersion: "Someone changed the plan in the meantime",
    Locked: "The plan is read-only",
    NotFound: "Not found",
    Invalid: "Not accepted",
}


def money(value: float | int | None, *, decimals: int = 0, currency: str = CURRENCY) -> str:
    """`1234567.8` -> `€1,234,568`; None/NaN -> an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "-" if value < 0 else ""
    return f"{sign}{currency}{abs(value):,.{decimals}f}"


def minor_to_money(minor: int | None, *, decimals: int = 0) -> str:
    """Ledger amounts are integer cents; show them as currency."""
    return money(None if minor is None else minor / 100, decimals=decimals)


def number(value: float | int | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}"


def percent(fraction: float | None, decimals: int = 1) -> str:
    """0.153 -> `15.3 %`."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "–"
    return f"{fraction * 100:,.{decimals}f} %"


def page_header(title: str, how_to_read: str) -> html.Div:
    """Page title plus the short "how to read this" line every page has."""
    return html.Div(
        [
            html.H2(title, className="mb-1"),
            html.P(
                [html.Strong("How to read this: "), how_to_read],
                className="text-muted small mb-3",
            ),
        ]
    )


def error_alert(exc: BaseException) -> dbc.Alert:
    """A readable alert for a refusal from the services (the message is shown as it is)."""
    title = next(
        (t for kind, t in _ERROR_TITLES.items() if isinstance(exc, kind)), "Could not do that"
    )
    return dbc.Alert(
        [html.Strong(title + ". "), html.Span(str(exc))],
        color="warning" if isinstance(exc, Forbidden | StaleVersion | Locked) else "danger",
        dismissable=True,
        className="service-error",
    )


def success_alert(message: str) -> dbc.Alert:
    return dbc.Alert(
        message, color="success", dismissable=True, duration=6000, className="service-ok"
    )


def info_alert(message: str | list[Any]) -> dbc.Alert:
    return dbc.Alert(message, color="info", className="service-info")


def call_service(fn: Callable[[], Any]) -> tuple[Any, dbc.Alert | None]:
    """Run one service call; a `ServiceError` becomes an alert instead of a broken page."""
    try:
        return fn(), None
    except ServiceError as exc:
        return None, error_alert(exc)


def action_plan(session: Mapping[str, Any] | None) -> str:
    """The selected plan's id, for an action (a service call) on it.

    With no plan selected it is None at run time and is passed on as the pages always did: the
    service refuses it as an unknown plan (NotFound), which `call_service` shows as an alert.
    """
    return (session or {}).get("plan_id")  # type: ignore[return-value]  # None: see above


def acting_user(session: Mapping[str, Any] | None) -> str | None:
    """Who is acting in this callback: the one seam every page asks.

    Sign-in (issue 8) replaces the body with the user of the server-side session; callbacks
    never read a user name from what the browser sends anywhere else.
    """
    return (session or {}).get("user")


def role_note(allowed: bool, why_not: str) -> html.Small | None:
    """The line under an action that says why the current user may not do it."""
    if allowed:
        return None
    return html.Small(why_not, className="text-muted role-note d-block")


def stat_card(
    label: str, value: str, *, colour: str | None = None, sub: str | None = None
) -> dbc.Card:
    style = {"borderTop": f"4px solid {colour}"} if colour else None
    body = [
        html.Div(label, className="text-muted small"),
        html.H4(value, className="mb-0 stat-value"),
    ]
    if sub:
        body.append(html.Div(sub, className="small text-muted"))
    return dbc.Card(dbc.CardBody(body), style=style, className="h-100")


def need_plan_notice() -> dbc.Alert:
    return info_alert(
        "Pick a plan in the bar above, or create one on the Data page from a sales file."
    )


def options(values: Iterable[str]) -> list[dict[str, str]]:
    return [{"label": str(v), "value": str(v)} for v in values]


def upload_zone(component_id: str, title: str, hint: str, *, padding: str = "24px") -> dcc.Upload:
    """A dashed drag-and-drop zone: the title in bold, the hint (formats, size limit) below."""
    return dcc.Upload(
        id=component_id,
        children=html.Div(
            [html.Div(title, className="fw-semibold"), html.Div(hint, className="small text-muted")]
        ),
        className="upload-zone",
        style={
            "border": "2px dashed #94a3b8",
            "borderRadius": "8px",
            "padding": padding,
            "textAlign": "center",
            "cursor": "pointer",
        },
        multiple=False,
    )
