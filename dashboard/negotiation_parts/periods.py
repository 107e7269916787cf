"""The goal split by period, on the Negotiation page: a grid with one row per period of the
horizon, prefilled from the basis and the goal typed above, whose amounts the owner edits
before setting the goal."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html

from dashboard import ids
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import common
from forecast.services import negotiation

CENT = Decimal("0.01")


def split_control() -> html.Div:
    money = {"function": "params.value == null ? '' : '€' + d3.format(',.2f')(params.value)"}
    return html.Div(
        [
            dbc.Switch(
                id=ids.NEG_SPLIT,
                label="split the goal by period",
                value=False,
                className="mt-2 small",
            ),
            html.Div(
                [
                    html.Small(
                        "Prefilled from the basis and the goal typed above (switch off and on to "
                        "refill); edit the goal column: the goal is the sum of the periods.",
                        className="text-muted",
                    ),
                    dag.AgGrid(
                        id=ids.NEG_PERIOD_GRID,
                        rowData=[],
                        columnDefs=[
                            {"field": "ds", "headerName": "Period", "flex": 1},
                            {"field": "basis", "valueFormatter": money, "flex": 1},
                            {
                                "field": "goal",
                                "editable": True,
                                "valueFormatter": money,
                                "cellDataType": "number",
                                "flex": 1,
                            },
                        ],
                        getRowId="params.data.ds",
                        dashGridOptions={"stopEditingWhenCellsLoseFocus": True},
                        style={"height": "260px"},
                        className="ag-theme-alpine",
                    ),
                ],
                id=ids.NEG_PERIOD_BOX,
                style={"display": "none"},
            ),
        ]
    )


def _ratio(text: str) -> Decimal:
    top, _, bottom = text.partition("/")
    return Decimal(top) / Decimal(bottom) if bottom else Decimal(top)


def period_goal_rows(basis: Mapping[str, float], goal: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per period: its basis and a suggested goal (the basis times the typed ratio, or
    the typed total shared pro rata to the basis, or the given ``periods``' amounts; without a
    goal, the basis itself)."""
    amounts = {ds: Decimal(str(value)) for ds, value in sorted(basis.items())}
    total_basis = sum(amounts.values(), Decimal(0))
    try:
        if goal.get("ratio"):
            factor = _ratio(str(goal["ratio"]))
        elif goal.get("total") and total_basis:
            factor = Decimal(str(goal["total"])) / total_basis
        else:
            factor = Decimal(1)
    except (InvalidOperation, ZeroDivisionError):
        factor = Decimal(1)
    given = goal.get("periods") or {}
    return [
        {
            "ds": ds,
            "basis": float(amount.quantize(CENT)),
            "goal": float(
                Decimal(given[ds])
                if ds in given
                else (amount * factor).quantize(CENT, ROUND_HALF_EVEN)
            ),
        }
        for ds, amount in amounts.items()
    ]


def per_period_goals(rows: list[dict[str, Any]] | None) -> dict[str, str]:
    """The grid's rows as `set_goal(per_period=...)` takes them: {period: amount as text}."""
    return {
        str(row["ds"]): str(row.get("goal")) for row in rows or [] if row.get("goal") is not None
    }


def prefill(typed: Mapping[str, Any], periods: Any, goal_minor: int | None) -> dict[str, Any]:
    """What the grid starts from: the goal typed above, else the goal already set (its split
    when it has one), else nothing (the basis itself)."""
    if typed:
        return dict(typed)
    split = {str(r.ds): r.goal for r in periods.itertuples() if r.goal is not None}
    if split:
        return {"periods": split}
    return {"total": str(Decimal(goal_minor) / 100)} if goal_minor is not None else {}


def fill(ctx: DashboardContext, split, basis, goal, session) -> tuple:
    """Show the period grid, prefilled, when the owner switches the split on."""
    plan_id = (session or {}).get("plan_id")
    if not split or not plan_id:
        return {"display": "none"}, []
    periods = negotiation.goal_by_period(ctx.store, plan_id, basis or "baseline")
    start = prefill(
        common.parse_goal(goal), periods, negotiation.summary(ctx.store, plan_id)["goal"]
    )
    basis_by_period = dict(zip(periods["ds"], periods["basis"], strict=True))
    return {"display": "block"}, period_goal_rows(basis_by_period, start)


def register(app: Dash, ctx: DashboardContext) -> None:
    app.callback(
        Output(ids.NEG_PERIOD_BOX, "style"),
        Output(ids.NEG_PERIOD_GRID, "rowData"),
        Input(ids.NEG_SPLIT, "value"),
        Input(ids.NEG_GOAL_BASIS, "value"),
        # State, not Input: no round trip per keystroke; the split is refilled when switched on
        State(ids.NEG_GOAL, "value"),
        State(ids.NAV_SESSION, "data"),
        prevent_initial_call=True,
    )(functools.partial(fill, ctx))
