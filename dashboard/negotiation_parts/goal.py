"""The goal card (owner): a total or a ratio of the basis, the basis chosen, optionally split by
period; setting it opens the claiming round."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import common, periods
from forecast.services import money as fmt
from forecast.services import negotiation
from forecast.services.errors import ServiceError

parse_goal = common.parse_goal
LEAST_SHARE_OF_BASIS = Decimal("0.1")
"""A total typed below this share of the basis is refused: most likely a ratio without its x."""


def goal_message(
    goal_minor: int, basis_minor: int, currency: str | None = "EUR", system_minor: int = 0
) -> str:
    """What the owner sees after setting the goal, and how far it is below the system plan when
    it is (a total far below the basis is refused before: `LEAST_SHARE_OF_BASIS`)."""

    def shown(minor: int) -> str:  # cents when the amount has them, as the stat cards show it
        decimals = fmt.decimals_to_add_up([minor], currency)
        return components.minor_to_money(minor, decimals=decimals, currency=currency)

    message = f"Goal set to {shown(goal_minor)}; the claiming round is open."
    if system_minor > goal_minor >= basis_minor * 0.1:
        message += (
            f" It is {components.percent(1 - goal_minor / system_minor, 1)} below the system "
            f"plan ({shown(system_minor)})."
        )
    return message


def goal_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("1 · Goal (owner)", className="h5 card-title"),
                dbc.Label(
                    "Goal for the horizon: an amount (1,500,000, 80M or 10bn), or a ratio of the "
                    "basis such as " + common.RATIO_EXAMPLES,
                    html_for=ids.NEG_GOAL,
                ),
                dbc.Input(id=ids.NEG_GOAL, placeholder="e.g. 80M or 10/6.5"),
                components.named_group(
                    "Goal against",
                    dbc.RadioItems(
                        id=ids.NEG_GOAL_BASIS,
                        options=[
                            {"label": "gap against the baseline", "value": "baseline"},
                            {"label": "gap against the system plan", "value": "system_plan"},
                        ],
                        value="baseline",
                        inline=True,
                        className="mt-2 small",
                    ),
                ),
                periods.split_control(),
                dbc.Button("Set goal", id=ids.NEG_SET_GOAL, color="primary", className="mt-2"),
                html.Div(id=ids.NEG_ROLE_OWNER),
            ]
        ),
        className="h-100",
    )


def goal_arguments(goal: str | None, split: bool, period_rows: list | None) -> dict[str, Any]:
    """The typed goal (or the period grid, when split) as `set_goal`'s keyword arguments."""
    if split and period_rows:
        return {"per_period": periods.per_period_goals(period_rows)}
    return dict(parse_goal(goal))


def set_goal(
    ctx: DashboardContext, n, goal, basis, split, period_rows, session, version, refresh
) -> tuple:
    if not n:
        return no_update, no_update
    amount = goal_arguments(goal, split, period_rows)
    if not amount:
        text = (
            f"Type a goal: an amount such as 1500000, or a ratio such as {common.RATIO_EXAMPLES}."
        )
        return components.info_alert(text), no_update

    def edit(plan_id: str, user: str) -> Any:
        try:
            return negotiation.set_goal(
                ctx.store,
                plan_id,
                user,
                basis=basis,
                expected_version=components.page_version(version),
                least_share_of_basis=LEAST_SHARE_OF_BASIS,
                **amount,
            )
        except ServiceError as exc:
            raise common.goal_box_words(exc) from exc

    return common.outcome(
        edit,
        session,
        refresh,
        lambda plan_id: _goal_set(ctx, plan_id),
    )


def _goal_set(ctx: DashboardContext, plan_id: str) -> str:
    summary = negotiation.summary(ctx.store, plan_id)
    return goal_message(
        summary["goal"],
        summary["basis_total"],
        summary.get("currency"),
        int(summary.get("system_plan_total") or 0),
    )


def register(app: Dash, ctx: DashboardContext) -> None:
    app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Input(ids.NEG_SET_GOAL, "n_clicks"),
        State(ids.NEG_GOAL, "value"),
        State(ids.NEG_GOAL_BASIS, "value"),
        State(ids.NEG_SPLIT, "value"),
        State(ids.NEG_PERIOD_GRID, "rowData"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )(functools.partial(set_goal, ctx))
    periods.register(app, ctx)
