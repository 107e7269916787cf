"""Two parts of the System plan page that change the plan's set-up rather than its events: the
gate's threshold (owner) and new factors (planner), i.e. series marked with something the model
has not seen, re-forecast with that marker, before and after kept side by side."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext

FACTORS_HOW_TO = (
    "When something changed that the history cannot show yet (a product became a hit, a "
    "category is now promoted), mark the series from the date it started: they are re-forecast "
    "with that marker, and the table keeps their baseline before, after, and from the same model "
    "without the marker, so you check the new numbers instead of guessing them."
)


def threshold_control() -> html.Div:
    return html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.InputGroupText("Threshold"),
                    dbc.Input(id=ids.SYS_THRESHOLD, type="number", min=1, max=999, step=1),
                    dbc.InputGroupText("%"),
                    dbc.Button("Set", id=ids.SYS_THRESHOLD_SET, color="secondary"),
                ],
                size="sm",
                style={"maxWidth": "320px"},
            ),
            html.Div(id=ids.SYS_ROLE_THRESHOLD),
        ],
        className="mb-2",
    )


def factors_section() -> html.Div:
    form = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Factor"),
                    dbc.Input(id=ids.SYS_FACTOR_NAME, placeholder="became a hit"),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Series"),
                    dbc.Input(
                        id=ids.SYS_FACTOR_SCOPE,
                        placeholder="StoreType=b, or ids=1,2,3",
                        debounce=True,
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Since (a date in the history)"),
                    dbc.Input(id=ids.SYS_FACTOR_START, type="date"),
                ],
                md=3,
            ),
            dbc.Col(
                dbc.Button(
                    "Mark and re-forecast",
                    id=ids.SYS_FACTOR_MARK,
                    color="primary",
                    className="w-100",
                ),
                md=3,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2",
    )
    return html.Div(
        [
            html.H4("New factors", className="mt-4"),
            html.P(FACTORS_HOW_TO, className="small text-muted"),
            dbc.Card(
                dbc.CardBody([form, html.Div(id=ids.SYS_ROLE_FACTOR)]),
                className="mb-2",
            ),
            dcc.Loading(html.Div(id=ids.SYS_FACTOR_ALERT), type="dot"),
            dag.AgGrid(
                id=ids.SYS_FACTORS_GRID,
                rowData=[],
                columnDefs=factor_columns(),
                getRowId="params.data.factor_id",
                defaultColDef={"resizable": True, "sortable": True, "flex": 1, "minWidth": 90},
                dashGridOptions={"domLayout": "autoHeight"},
                className="ag-theme-alpine",
            ),
        ]
    )


def factor_columns() -> list[dict[str, Any]]:
    money = {"function": "d3.format(',.0f')(params.value)"}
    return [
        {"field": "factor_id", "headerName": "Id"},
        {"field": "name", "headerName": "Factor"},
        {"field": "scope", "headerName": "Series"},
        {"field": "start", "headerName": "Since"},
        {"field": "n_series", "headerName": "Series re-forecast"},
        {"field": "model", "headerName": "Model"},
        {"field": "baseline_before", "headerName": "Baseline before", "valueFormatter": money},
        {"field": "baseline_after", "headerName": "Baseline after", "valueFormatter": money},
        {
            "field": "baseline_without_factor",
            "headerName": "Same model, no marker",
            "valueFormatter": money,
        },
        {"field": "change", "headerName": "After vs before"},
        {"field": "author", "headerName": "By"},
    ]


def factor_rows(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the factors grid from the plan's recorded factors (newest first)."""
    from forecast.overrides import Scope

    rows = []
    for factor in reversed(factors):
        before, after = factor["baseline_before"], factor["baseline_after"]
        rows.append(
            {
                "factor_id": factor["factor_id"],
                "name": factor["name"],
                "scope": Scope.from_dict(factor["scope"]).describe(),
                "start": factor["start"],
                "n_series": factor["n_series"],
                "model": factor["model"],
                "baseline_before": before,
                "baseline_after": after,
                "baseline_without_factor": factor.get("baseline_without_factor"),
                "change": components.percent(after / before - 1) if before else "new volume",
                "author": factor["author"],
            }
        )
    return rows


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    from dashboard.pages.system_plan import number_or_raise, role_of, scope_or_raise
    from forecast.services import plans as plan_service
    from forecast.services import system

    @app.callback(
        Output(ids.SYS_THRESHOLD, "value"),
        Output(ids.SYS_THRESHOLD_SET, "disabled"),
        Output(ids.SYS_ROLE_THRESHOLD, "children"),
        Output(ids.SYS_FACTORS_GRID, "rowData"),
        Output(ids.SYS_FACTOR_MARK, "disabled"),
        Output(ids.SYS_ROLE_FACTOR, "children"),
        Input(ids.NAV_SESSION, "data"),
        Input(ids.SYS_REFRESH, "data"),
    )
    def render(session: dict | None, _refresh: int | None) -> tuple:
        plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
        if not plan_id:
            return None, True, None, [], True, None
        state = plan_service.get_plan(ctx.store, plan_id)
        who = user or "nobody"
        may_mark, may_set = role_of(state, user)
        may_set, may_mark = may_set and not state.locked, may_mark and not state.locked
        locked = f"the plan is {state.status}: read-only."
        return (
            round(state.threshold * 100),
            not may_set,
            components.role_note(
                may_set,
                f"{who} cannot change the threshold: "
                + (locked if state.locked else "only the plan's owner sets it."),
            ),
            factor_rows(state.factors),
            not may_mark,
            components.role_note(
                may_mark,
                f"{who} cannot mark factors: "
                + (locked if state.locked else "that needs the planner role on this plan."),
            ),
        )

    @app.callback(
        Output(ids.SYS_ALERT, "children", allow_duplicate=True),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Input(ids.SYS_THRESHOLD_SET, "n_clicks"),
        State(ids.SYS_THRESHOLD, "value"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def set_threshold(_n, percent, session, version, refresh) -> tuple:
        if not _n:  # layout insertion, not a click
            return no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        saved, alert = components.call_service(
            lambda: system.set_threshold(
                ctx.store,
                plan_id,
                user or "",
                number_or_raise(percent) / 100,
                expected_version=version,
            )
        )
        if alert is not None:
            return alert, (refresh or 0) + 1
        return (
            components.success_alert(
                f"Threshold set to {components.percent(saved.plan.threshold, 0)}: the gate marks deviations above it."
            ),
            (refresh or 0) + 1,
        )

    @app.callback(
        Output(ids.SYS_FACTOR_ALERT, "children"),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Input(ids.SYS_FACTOR_MARK, "n_clicks"),
        State(ids.SYS_FACTOR_NAME, "value"),
        State(ids.SYS_FACTOR_SCOPE, "value"),
        State(ids.SYS_FACTOR_START, "value"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def mark(_n, name, scope, start, session, version, refresh) -> tuple:
        if not _n:  # layout insertion, not a click
            return no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        saved, alert = components.call_service(
            lambda: system.mark_factor(
                ctx.store,
                plan_id,
                user or "",
                name=name or "",
                scope=scope_or_raise(scope),
                start=_date_or_raise(start),
                expected_version=version,
            )
        )
        if alert is not None:
            return alert, (refresh or 0) + 1
        factor = saved.factor
        return (
            components.success_alert(
                f"{factor['factor_id']} {factor['name']!r}: {factor['n_series']:,} series "
                f"re-forecast with the marker ({factor['model']}); their baseline went from "
                f"{components.money(factor['baseline_before'], currency=saved.plan.currency)} to "
                f"{components.money(factor['baseline_after'], currency=saved.plan.currency)}. "
                "Events and the gate now use it."
            ),
            (refresh or 0) + 1,
        )


def _date_or_raise(value: str | None) -> str:
    from forecast.services.errors import Invalid

    if not value:
        raise Invalid("pick the date the factor started (a date inside the history)")
    return value
