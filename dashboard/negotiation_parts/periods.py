"""The goal split by period, on the Negotiation page: a grid with one row per period of the
horizon, prefilled from the basis and the goal typed above, whose amounts the owner edits
before setting the goal."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException, InvalidOperation
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import common
from forecast.services import money as fmt
from forecast.services import negotiation
from forecast.services.errors import ServiceError

CENT = Decimal("0.01")


def split_control() -> html.Div:
    money = components.grid_money(2)
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
                            {"field": "ds", "headerName": "Period", "flex": 1, "minWidth": 110},
                            {"field": "basis", "valueFormatter": money, "flex": 1, "minWidth": 120},
                            {
                                "field": "goal",
                                "editable": True,
                                "valueFormatter": money,
                                "cellDataType": "number",
                                "flex": 1,
                                "minWidth": 120,
                            },
                        ],
                        getRowId="params.data.ds",
                        dashGridOptions={
                            **components.GRID_ONE_TAB_STOP,
                            "stopEditingWhenCellsLoseFocus": True,
                        },
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


def period_goal_rows(
    basis: Mapping[str, float], goal: Mapping[str, Any], currency: str | None = "EUR"
) -> list[dict[str, Any]]:
    """One row per period: its basis and a suggested goal (the basis times the typed ratio, or
    the typed total shared pro rata to the basis, or the given ``periods``' amounts; without a
    goal, the basis itself)."""
    amounts = {ds: Decimal(str(value)) for ds, value in sorted(basis.items())}
    total_basis = sum(amounts.values(), Decimal(0))
    try:
        if goal.get("ratio"):
            factor = _ratio(str(goal["ratio"]))
        elif goal.get("total") and total_basis:
            factor = fmt.parse_amount(str(goal["total"]), currency) / total_basis
        else:
            factor = Decimal(1)
    except (DecimalException, ZeroDivisionError, fmt.MoneyError):
        factor = Decimal(1)
    if not factor.is_finite() or factor.adjusted() >= MAX_SUGGESTED_FACTOR.adjusted():
        factor = Decimal(1)  # typed text no goal can be: the basis, until the goal box says more
    given = goal.get("periods") or {}
    if not isinstance(given, Mapping):
        given = {}
    step = Decimal(1).scaleb(-fmt.shown_digits(currency))  # JPY: whole yen
    return [
        {
            "ds": ds,
            "cur": components.row_currency(currency),
            "basis": float(amount.quantize(step, ROUND_HALF_EVEN)),
            "goal": _suggested(amount, factor, given.get(ds), step),
        }
        for ds, amount in amounts.items()
    ]


MAX_SUGGESTED_FACTOR = Decimal(1_000_000)
ONE = Decimal(1)


def _suggested(amount: Decimal, factor: Decimal, given: Any, step: Decimal = CENT) -> float:
    """A period's goal in the grid: the amount given for it, else its basis times `factor`;
    the basis where the given text is no amount. Rounded to the currency's `step` (JPY: 1)."""
    try:
        value = Decimal(str(given)) if given is not None else amount * factor
        if not value.is_finite() or abs(value) > MAX_SUGGESTED_FACTOR * max(abs(amount), ONE):
            raise InvalidOperation
        return float(value.quantize(step, ROUND_HALF_EVEN))
    except (DecimalException, ValueError):
        return float(amount.quantize(step, ROUND_HALF_EVEN))


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
    try:
        periods = negotiation.goal_by_period(ctx.store, plan_id, basis or "baseline")
        summary = negotiation.summary(ctx.store, plan_id)
    except ServiceError:  # a basis that is none of the choice's options: the grid stays shut
        return {"display": "none"}, []
    start = prefill(common.parse_goal(goal), periods, summary["goal"])
    basis_by_period = dict(zip(periods["ds"], periods["basis"], strict=True))
    rows = period_goal_rows(basis_by_period, start, summary.get("currency"))
    return {"display": "block"}, rows


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
