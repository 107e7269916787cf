"""The System plan page's set-up: the gate's threshold (owner) and new factors (planner)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.system import edits, view
from dashboard.system.edits import REFRESH
from dashboard.system.forms import date_or_raise, number_or_raise, plan_example, scope_or_raise
from dashboard.wiring import bind
from forecast.services import system, system_views
from forecast.services.errors import Invalid

OUTPUTS = [
    Output(ids.SYS_THRESHOLD, "value"),
    Output(ids.SYS_THRESHOLD_SET, "disabled"),
    Output(ids.SYS_ROLE_THRESHOLD, "children"),
    Output(ids.SYS_FACTORS_GRID, "rowData"),
    Output(ids.SYS_FACTOR_MARK, "disabled"),
    Output(ids.SYS_ROLE_FACTOR, "children"),
    Output(ids.SYS_EVENT_SCOPE, "placeholder"),
    Output(ids.SYS_FACTOR_SCOPE, "placeholder"),
    Output(ids.SYS_FACTOR_PERIOD, "options"),
    Output(ids.SYS_FACTOR_PERIOD, "value"),
    Output(ids.SYS_FACTOR_DAY_AREA, "hidden"),
    Output(ids.SYS_FACTOR_PERIOD_AREA, "hidden"),
]


def render(
    ctx: DashboardContext, session: dict | None, _refresh: int | None, period: Any = None
) -> tuple[Any, ...]:
    plan_id = (session or {}).get("plan_id")
    if not plan_id:
        return (None, True, None, [], True, None, *[no_update] * 6)
    setup = system_views.system_setup(ctx.store, plan_id, components.acting_user(session))
    outputs = view.setup_outputs(setup)
    # the period picked stays (a refused mark keeps the form) while it is one of this plan's
    kept = period if period in setup.history_periods else None
    return tuple(outputs._replace(factor_period=kept))


def threshold_fraction(percent: Any) -> float:
    """The threshold box's percent as the fraction the service takes; an empty box (or what the
    browser could not read as a number) is refused naming the range."""
    if percent is None or percent == "":
        raise Invalid(
            "type the deviation threshold in percent: more than 0 and at most 100 (e.g. 20 or 12.5)"
        )
    return number_or_raise(percent) / 100


def set_threshold(ctx: DashboardContext, n, percent, session, version, refresh) -> tuple[Any, Any]:
    if not n:  # layout insertion, not a click
        return no_update, no_update
    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.set_threshold(
            ctx.store,
            plan_id,
            user,
            threshold_fraction(percent),
            expected_version=components.page_version(version),
        ),
    )
    return edits.reply(
        alert,
        refresh,
        lambda: (
            f"Threshold set to {components.percent(saved.plan.threshold, 0)}: the gate "
            "marks deviations above it."
        ),
    )


def mark(
    ctx: DashboardContext, n, name, scope, start, period, session, version, refresh
) -> tuple[Any, Any]:
    if not n:  # layout insertion, not a click
        return no_update, no_update
    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.mark_factor(
            ctx.store,
            plan_id,
            user,
            name=name or "",
            scope=scope_or_raise(scope, plan_example(ctx.store, plan_id)),
            # the period picker is shown instead of the day on a quarterly or monthly plan
            # (and holds only a period of the plan shown, `render`)
            start=date_or_raise(period or start),
            expected_version=components.page_version(version),
        ),
    )
    return edits.reply(
        alert, refresh, lambda: view.factor_message(saved.factor, saved.plan.currency)
    )


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        render,
        *OUTPUTS,
        Input(ids.NAV_SESSION, "data"),
        Input(ids.SYS_REFRESH, "data"),
        State(ids.SYS_FACTOR_PERIOD, "value"),
    )
    edits.bind_edit(
        app,
        ctx,
        set_threshold,
        Input(ids.SYS_THRESHOLD_SET, "n_clicks"),
        State(ids.SYS_THRESHOLD, "value"),
    )
    edits.bind_edit(
        app,
        ctx,
        mark,
        Input(ids.SYS_FACTOR_MARK, "n_clicks"),
        State(ids.SYS_FACTOR_NAME, "value"),
        State(ids.SYS_FACTOR_SCOPE, "value"),
        State(ids.SYS_FACTOR_START, "value"),
        State(ids.SYS_FACTOR_PERIOD, "value"),
        outputs=(Output(ids.SYS_FACTOR_ALERT, "children"), REFRESH),
    )
