"""The System plan page's overview: totals, gate, grids, dates and role notes in one render."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.system import view
from dashboard.wiring import bind
from forecast.services import system, system_views

OUTPUTS = [
    Output(ids.SYS_TOTALS, "children"),
    Output(ids.SYS_TEAM_GRID, "rowData"),
    Output(ids.SYS_EVENTS_GRID, "rowData"),
    Output(ids.SYS_DEVIATIONS_GRID, "rowData"),
    Output(ids.SYS_GATE, "children"),
    Output(ids.SYS_VERSION, "data"),
    Output(ids.SYS_EVENT_START, "options"),
    Output(ids.SYS_EVENT_START, "value"),
    Output(ids.SYS_EVENT_END, "options"),
    Output(ids.SYS_EVENT_END, "value"),
    Output(ids.SYS_RULE, "children"),
    Output(ids.SYS_ROLE_EVENTS, "children"),
    Output(ids.SYS_ROLE_EXPLAIN, "children"),
    Output(ids.SYS_ROLE_PUBLISH, "children"),
    Output(ids.SYS_EVENT_ADD, "disabled"),
    Output(ids.SYS_EVENT_REMOVE, "disabled"),
    Output(ids.SYS_EXPLAIN, "disabled"),
    Output(ids.SYS_PUBLISH, "disabled"),
    Output(ids.SYS_EXPLAIN_EVENT, "options"),
]


def render(ctx: DashboardContext, session: dict | None, _refresh: int | None) -> tuple[Any, ...]:
    plan_id = (session or {}).get("plan_id")
    if not plan_id:
        return (components.need_plan_notice(),) + (no_update,) * (len(OUTPUTS) - 1)
    page = system_views.system_page(ctx.store, plan_id, components.acting_user(session))
    return tuple(view.page_outputs(page, system.COMBINATION_RULE))


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(app, ctx, render, *OUTPUTS, Input(ids.NAV_SESSION, "data"), Input(ids.SYS_REFRESH, "data"))
