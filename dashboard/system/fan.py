"""The fan chart of the System plan page: the whole plan, one team or one series."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State
from dash import ctx as callback_ctx

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from dashboard.system import view
from dashboard.wiring import bind
from forecast.services import system_views


def drill_options(
    ctx: DashboardContext, level: str, search: str | None, session: dict | None, current: str | None
) -> tuple[Any, ...]:
    plan_id = (session or {}).get("plan_id")
    if not plan_id or level == "total":
        return [], True, None
    values = system_views.drill_choices(ctx.store, plan_id, level, search)
    keep_typed = callback_ctx.triggered_id == ids.SYS_DRILL and current
    value = current if keep_typed or current in values else (values[0] if values else None)
    return components.options(values), False, value


def fan(
    ctx: DashboardContext, version: int | None, level: str, key: str | None, session: dict | None
) -> Any:
    plan_id = (session or {}).get("plan_id")
    if not plan_id or version is None:
        return figures.empty_figure("Pick a plan"), None
    frames = system_views.fan_frames(ctx.store, plan_id, level, key)
    fig = figures.fan_chart(frames.history, frames.baseline, frames.system_plan, title=frames.title)
    return figures.in_currency(fig, frames.currency), view.models_note(frames.models, frames.choice)


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        drill_options,
        Output(ids.SYS_DRILL, "options"),
        Output(ids.SYS_DRILL, "disabled"),
        Output(ids.SYS_DRILL, "value"),
        Input(ids.SYS_LEVEL, "value"),
        Input(ids.SYS_DRILL, "search_value"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_DRILL, "value"),
    )
    bind(
        app,
        ctx,
        fan,
        Output(ids.SYS_FAN, "figure"),
        Output(ids.SYS_FAN_MODELS, "children"),
        Input(ids.SYS_VERSION, "data"),
        Input(ids.SYS_LEVEL, "value"),
        Input(ids.SYS_DRILL, "value"),
        State(ids.NAV_SESSION, "data"),
    )
