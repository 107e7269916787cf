"""On the Accuracy page: when the selected plan has no actuals yet, the plans (of those the user
may see) that have them, each with a button that opens it, such as the demo's held-out plan."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, dcc, html, no_update
from dash import ctx as callback_ctx

from dashboard import auth, components, ids, relay
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import actuals


def layout() -> html.Div:
    return html.Div(id=ids.ACC_SCORED_PLANS)


def scored_plans_notice(scored: list[Any]) -> dbc.Alert:
    """`These plans have actuals to score: [Open NAME] ...` (pure; unit-tested)."""
    buttons = [
        dbc.Button(
            f"Open {s.name} (v{s.version}, {s.status})",
            id={"type": ids.ACC_OPEN_PLAN, "plan": s.plan_id},
            size="sm",
            color="primary",
            className="me-2 mt-1",
        )
        for s in scored
    ]
    return dbc.Alert(
        [
            html.Span("These plans have actuals to score: ", className="me-1"),
            *buttons,
        ],
        color="info",
        className="mb-2",
    )


def point_to_scored_plans(ctx: DashboardContext, session: dict | None) -> Any:
    """While a plan without actuals is selected: the plans the user may see that have some (not
    the archived ones, which the plan picker leaves out)."""
    visible = auth.visible_plans(ctx.store, include_archived=False)
    scored, alert = components.call_service(lambda: actuals.plans_with_actuals(ctx.store, visible))
    if scored is None:
        return alert
    selected = (session or {}).get("plan_id")
    if not scored or any(s.plan_id == selected for s in scored):
        return None
    # the store for the plan a button opens, drawn with the buttons: one outside what this
    # draws would have Dash call `open_scored_plan` each time the buttons are drawn or removed
    # (`dashboard.relay`)
    return [scored_plans_notice(scored), dcc.Store(id=ids.ACC_OPENED)]


def open_scored_plan(ctx: DashboardContext, _clicks: list[int | None]) -> Any:
    trigger = callback_ctx.triggered_id
    if not isinstance(trigger, dict) or not callback_ctx.triggered[0].get("value"):
        return no_update
    # The id came from the browser: open it only if the user may see that plan.
    visible = {s.plan_id for s in auth.visible_plans(ctx.store)}
    return trigger["plan"] if trigger.get("plan") in visible else no_update


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    notice = Output(ids.ACC_SCORED_PLANS, "children")
    bind(app, ctx, point_to_scored_plans, notice, Input(ids.NAV_SESSION, "data"))
    # The plan opened goes to the page's store, passed on to the plan picker (`relay`): writing
    # the picker, this was called on every opening of the page and each time it left
    opened = Output(ids.ACC_OPENED, "data")
    clicks = Input({"type": ids.ACC_OPEN_PLAN, "plan": ALL}, "n_clicks")
    bind(app, ctx, open_scored_plan, opened, clicks, prevent_initial_call=True)
    relay.open_plan(app, ids.ACC_OPENED)
