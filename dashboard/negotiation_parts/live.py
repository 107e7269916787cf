"""Other people's changes on the Negotiation page: the page asks every ``POLL_MS`` whether the
plan moved past the version it shows, and offers to show the changes (a lead's new claim, the
owner closing the round) without wiping what this person is typing."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import plans

POLL_MS = 15_000
HIDDEN = {"display": "none"}


def changes_box() -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=ids.NEG_POLL, interval=POLL_MS),
            dbc.Alert(
                [
                    html.Span(id=ids.NEG_CHANGED),
                    dbc.Button(
                        "Show the changes",
                        id=ids.NEG_SHOW_CHANGES,
                        color="primary",
                        size="sm",
                        className="ms-2",
                    ),
                ],
                id=ids.NEG_CHANGED_BOX,
                color="info",
                className="py-2 small",
                style=HIDDEN,
            ),
        ]
    )


def check_for_changes(
    ctx: DashboardContext, _tick: int | None, session: dict | None, shown: int | None
) -> tuple[Any, Any]:
    """Whether someone else changed the plan since the version on the page: what they did."""
    plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
    if not plan_id or shown is None:
        return no_update, HIDDEN
    state = plans.get_plan(ctx.store, plan_id)
    if state.version <= int(shown):
        return no_update, HIDDEN
    last = plans.audit_log(ctx.store, plan_id)[-1]
    if last.actor == user:
        return no_update, HIDDEN  # this person's own change: the page shows it already
    what = last.what if len(last.what) <= 160 else last.what[:157] + "..."
    return f"{last.actor} changed the plan (now version {state.version}): {what}.", {}


def show_changes(_ctx: DashboardContext, n: int | None, refresh: int | None) -> tuple[Any, Any]:
    if not n:
        return no_update, no_update
    return (refresh or 0) + 1, HIDDEN


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        check_for_changes,
        Output(ids.NEG_CHANGED, "children"),
        Output(ids.NEG_CHANGED_BOX, "style"),
        Input(ids.NEG_POLL, "n_intervals"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        prevent_initial_call=True,
    )
    bind(
        app,
        ctx,
        show_changes,
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Output(ids.NEG_CHANGED_BOX, "style", allow_duplicate=True),
        Input(ids.NEG_SHOW_CHANGES, "n_clicks"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
