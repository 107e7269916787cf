"""Page 2, System plan: the baseline fan chart, events in an editable grid, the deviation gate
with explanations, and publish. Event edits re-apply the events; the model is never refitted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from dashboard.pages import system_gate_factors as gate_factors

PATH = "/system"
NAME = "System plan"

HOW_TO_READ = (
    "the grey dashed line is the model's baseline with its 80 % and 95 % bands; the blue line is "
    "the system plan, i.e. the baseline with your events applied. Events only translate what the "
    "model cannot know. Every deviation above the threshold needs a reason before the owner can "
    "publish."
)

DEVIATION_ROWS_SHOWN = 500
SELECTED_ROWS = "selected"
ALL = "all"


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    from forecast.services import system

    add_form = dbc.Card(
        dbc.CardBody(
            [
                html.H5("Add an event", className="card-title"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Name"),
                                dbc.Input(id=ids.SYS_EVENT_NAME, placeholder="Summer promotion"),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Kind"),
                                dcc.Dropdown(
                                    id=ids.SYS_EVENT_KIND,
                                    options=components.options(system.EVENT_KINDS),
                                    value="promotion",
                                    clearable=False,
                                ),
                            ],
                            md=2,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Scope"),
                                dbc.Input(
                                    id=ids.SYS_EVENT_SCOPE,
                                    placeholder="all, StoreType=a, or ids=1,2,3",
                                    debounce=True,
                                ),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("From"),
                                dcc.Dropdown(id=ids.SYS_EVENT_START, clearable=False),
                            ],
                            md=2,
                        ),
                        dbc.Col(
                            [dbc.Label("To"), dcc.Dropdown(id=ids.SYS_EVENT_END, clearable=False)],
                            md=2,
                        ),
                    ],
                    className="g-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Effect"),
                                dcc.Dropdown(
                                    id=ids.SYS_EVENT_EFFECT,
                                    options=components.options(system.EFFECTS),
                                    value="percent",
                                    clearable=False,
                                ),
                            ],
                            md=2,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Value"),
                                dbc.Input(id=ids.SYS_EVENT_VALUE, type="number", placeholder="15"),
                            ],
                            md=2,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Reason"),
                                dbc.Input(
                                    id=ids.SYS_EVENT_REASON, placeholder="why the model cannot know"
                                ),
                            ],
                            md=5,
                        ),
                        dbc.Col(
                            dbc.Button(
                                "Add event",
                                id=ids.SYS_EVENT_ADD,
                                color="primary",
                                className="w-100",
                            ),
                            md=3,
                            className="d-flex align-items-end",
                        ),
                    ],
                    className="g-2 mt-1",
                ),
                html.Div(id=ids.SYS_EVENT_SUGGESTION, className="small mt-2"),
                html.Div(id=ids.SYS_ROLE_EVENTS),
            ]
        ),
        className="mb-2",
    )
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            dcc.Store(id=ids.SYS_REFRESH, data=0),
            dcc.Store(id=ids.SYS_VERSION),
            html.Div(id=ids.SYS_ALERT),
            dbc.Row(id=ids.SYS_TOTALS, className="g-2 mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=ids.SYS_LEVEL,
                            options=[
                                {"label": "Whole plan", "value": "total"},
                                {"label": "One team", "value": "team"},
                                {"label": "One series", "value": "series"},
                            ],
                            value="total",
                            inline=True,
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.SYS_DRILL, placeholder="pick a team or series", disabled=True
                        ),
                        md=4,
                    ),
                ],
                className="mb-1",
            ),
            dcc.Loading(
                dcc.Graph(
                    id=ids.SYS_FAN,
                    figure=figures.empty_figure("Pick a plan"),
                    style={"height": "420px"},
                ),
                type="dot",
            ),
            html.H5(
                "Per team: system plan against the baseline over the horizon", className="mt-2"
            ),
            dag.AgGrid(
                id=ids.SYS_TEAM_GRID,
                rowData=[],
                columnDefs=team_columns(),
                getRowId="params.data.team",
                defaultColDef={"resizable": True, "sortable": True},
                dashGridOptions={"domLayout": "autoHeight", "suppressColumnVirtualisation": True},
                className="ag-theme-alpine",
            ),
            html.H4("Events", className="mt-3"),
            html.P(id=ids.SYS_RULE, className="small text-muted"),
            add_form,
            dag.AgGrid(
                id=ids.SYS_EVENTS_GRID,
                rowData=[],
                columnDefs=event_columns(),
                getRowId="params.data.event_id",
                defaultColDef={"resizable": True, "sortable": True},
                dashGridOptions={
                    "rowSelection": {"mode": "singleRow"},
                    "pagination": True,
                    "paginationPageSize": 10,
                    "paginationPageSizeSelector": False,
                    "stopEditingWhenCellsLoseFocus": True,
                },
                style={"height": "330px"},
                className="ag-theme-alpine",
            ),
            dbc.Button(
                "Remove selected event",
                id=ids.SYS_EVENT_REMOVE,
                color="outline-danger",
                size="sm",
                className="mt-2",
            ),
            gate_factors.factors_section(),
            html.H4("Deviations that need a reason", className="mt-4"),
            gate_factors.threshold_control(),
            html.Div(id=ids.SYS_GATE),
            dag.AgGrid(
                id=ids.SYS_DEVIATIONS_GRID,
                rowData=[],
                columnDefs=deviation_columns(),
                getRowId="params.data.cell",
                defaultColDef={"resizable": True, "sortable": True, "filter": True},
                dashGridOptions={
                    "rowSelection": {"mode": "multiRow"},
                    "pagination": True,
                    "paginationPageSize": 15,
                    "paginationPageSizeSelector": False,
                    "stopEditingWhenCellsLoseFocus": True,
                },
                style={"height": "420px"},
                className="ag-theme-alpine",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.SYS_EXPLAIN_EVENT,
                            options=[{"label": "the rows ticked below", "value": SELECTED_ROWS}],
                            value=SELECTED_ROWS,
                            clearable=False,
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.SYS_EXPLAIN_CODE,
                            options=[
                                {"label": label, "value": code}
                                for code, label in system.REASON_CODES.items()
                            ],
                            placeholder="reason code",
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        dbc.Input(
                            id=ids.SYS_EXPLAIN_TEXT, placeholder="what happens in these periods"
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        dbc.Button(
                            "Explain", id=ids.SYS_EXPLAIN, color="secondary", className="w-100"
                        ),
                        md=2,
                    ),
                ],
                className="g-2 mt-2",
            ),
            html.Div(id=ids.SYS_ROLE_EXPLAIN),
            html.Div(
                [
                    dbc.Button(
                        "Publish the system plan",
                        id=ids.SYS_PUBLISH,
                        color="success",
                        className="mt-4",
                    ),
                    html.Div(id=ids.SYS_ROLE_PUBLISH),
                ]
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def event_columns() -> list[dict[str, Any]]:
    from forecast.services import system

    return [
        {"field": "event_id", "headerName": "Id", "width": 70, "checkboxSelection": False},
        {"field": "name", "editable": True, "flex": 2},
        {
            "field": "kind",
            "editable": True,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(system.EVENT_KINDS)},
            "width": 130,
        },
        {
            "field": "scope",
            "editable": True,
            "flex": 2,
            "headerTooltip": "all, StoreType=a; Assortment=c, or ids=1,2,3",
        },
        {"field": "start", "editable": True, "width": 120},
        {"field": "end", "editable": True, "width": 120},
        {
            "field": "effect",
            "editable": True,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(system.EFFECTS)},
            "width": 110,
        },
        {"field": "value", "editable": True, "width": 100, "type": "numericColumn"},
        {"field": "suggested", "headerName": "Suggested", "flex": 2},
        {"field": "reason", "editable": True, "flex": 2},
        {"field": "author", "width": 100},
    ]


def deviation_columns() -> list[dict[str, Any]]:
    from forecast.services import system

    money = components.grid_money(0)
    return [
        {"field": "level", "width": 90},
        {"field": "key", "headerName": "Team / series", "width": 130},
        {"field": "ds", "headerName": "Period", "width": 120},
        {"field": "baseline", "valueFormatter": money, "type": "numericColumn", "width": 130},
        {
            "field": "system_plan",
            "headerName": "System plan",
            "valueFormatter": money,
            "type": "numericColumn",
            "width": 130,
        },
        {"field": "deviation", "headerName": "Deviation", "width": 110, "type": "numericColumn"},
        {"field": "events", "width": 100},
        {"field": "status", "width": 110},
        {
            "field": "reason_code",
            "headerName": "Reason code",
            "editable": True,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(system.REASON_CODES)},
            "width": 140,
        },
        {"field": "text", "headerName": "Explanation", "editable": True, "flex": 2},
    ]


def team_columns() -> list[dict[str, Any]]:
    money = components.grid_money(0)
    return [
        {"field": "team", "width": 110},
        {
            "field": "baseline",
            "headerName": "Baseline",
            "valueFormatter": money,
            "type": "numericColumn",
        },
        {
            "field": "system_plan",
            "headerName": "System plan",
            "valueFormatter": money,
            "type": "numericColumn",
            "cellStyle": {"color": figures.SYSTEM_COLOUR},
        },
        {
            "field": "adjustment",
            "headerName": "Events add",
            "valueFormatter": money,
            "type": "numericColumn",
        },
        {"field": "deviation", "headerName": "Deviation", "type": "numericColumn"},
        {"field": "events", "headerName": "Events", "flex": 1},
    ]


def team_rows(plan: pd.DataFrame) -> list[dict[str, Any]]:
    """Per team over the whole horizon: baseline, system plan, what events add, deviation."""
    sums = plan.groupby(plan["team"].astype(str))[["baseline", "system_plan"]].sum()
    events = plan.groupby(plan["team"].astype(str))["events"].agg(
        lambda v: ",".join(
            sorted({e for text in v.astype(str) for e in text.split(",") if e and e != "nan"})
        )
    )
    rows = []
    for team, r in sums.iterrows():
        adjustment = float(r["system_plan"] - r["baseline"])
        pct = 100.0 * adjustment / float(r["baseline"]) if r["baseline"] else 0.0
        rows.append(
            {
                "team": team,
                "baseline": round(float(r["baseline"]), 2),
                "system_plan": round(float(r["system_plan"]), 2),
                "adjustment": round(adjustment, 2),
                "deviation": f"{pct:+.1f} %",
                "events": events.get(team, ""),
            }
        )
    return rows


def scope_text(scope: Any) -> str:
    """A scope as the text the grid shows and accepts back."""
    if scope.is_all:
        return ALL
    parts = [f"{k}={','.join(v)}" for k, v in scope.attributes.items()]
    if scope.ids:
        parts.append("ids=" + ",".join(scope.ids))
    return "; ".join(parts)


def parse_scope_text(text: str | None) -> Any:
    """`all` / empty, `StoreType=a; Assortment=a,c`, `ids=1,2,3` (combinable) -> Scope."""
    from forecast.services import system

    selectors: list[str] = []
    series: list[str] = []
    for part in (text or "").replace("\n", ";").split(";"):
        part = part.strip()
        if not part or part.lower() == ALL:
            continue
        key, _, value = part.partition("=")
        if key.strip().lower() == "ids":
            series += [v.strip() for v in value.split(",") if v.strip()]
        else:
            selectors.append(part)
    return system.Scope.parse(selectors, series)


def event_rows(events: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        suggested = ""
        if e.suggested:
            s = e.suggested
            suggested = f"{s.get('value', 0):+.1f} % ({s.get('low', 0):+.1f}..{s.get('high', 0):+.1f}) from {s.get('flag', '')}"
        rows.append(
            {
                "event_id": e.event_id,
                "name": e.name,
                "kind": e.kind,
                "scope": scope_text(e.scope),
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "effect": e.effect,
                "value": e.value,
                "suggested": suggested,
                "reason": e.reason,
                "author": e.author,
            }
        )
    return rows


def deviation_rows(
    marked: pd.DataFrame, limit: int = DEVIATION_ROWS_SHOWN
) -> tuple[list[dict], int]:
    """Team rows first, then the largest series deviations; at most `limit` rows (the gate
    counts all of them; a planner explains the rest by event)."""
    if marked.empty:
        return [], 0
    frame = marked.copy()
    frame["_abs"] = frame["deviation_pct"].abs()
    frame["_order"] = (frame["level"] != "team").astype(int)
    frame = frame.sort_values(["explained", "_order", "_abs"], ascending=[True, True, False])
    shown = frame.head(limit)
    rows = []
    r: Any  # a row of `marked`: the stubs cannot know its fields' types
    for r in shown.itertuples(index=False):
        ds = pd.Timestamp(r.ds).strftime("%Y-%m-%d")
        rows.append(
            {
                "cell": f"{r.level}|{r.key}|{ds}",
                "level": r.level,
                "key": str(r.key),
                "ds": ds,
                "baseline": round(float(r.baseline), 2),
                "system_plan": round(float(r.system_plan), 2),
                "deviation": f"{float(r.deviation_pct):+.1f} %",
                "events": r.events,
                "status": "explained"
                if r.explained
                else ("outdated" if r.outdated else "needs reason"),
                "reason_code": r.reason_code,
                "text": r.text,
            }
        )
    return rows, len(frame)


def fan_inputs(
    frames: Any, plan: pd.DataFrame, level: str, key: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """History, baseline and system plan restricted to the whole plan, a team or a series."""
    history, baseline = frames.history, frames.baseline
    ids_: Iterable[object]
    if level == "team" and key:
        ids_ = plan.loc[plan["team"].astype(str) == key, "unique_id"].unique()
        title = f"Team {key}"
    elif level == "series" and key:
        ids_ = [key]
        title = f"Series {key}"
    else:
        return history, baseline, plan, "Whole plan"
    keep = set(map(str, ids_))
    return (
        history[history["unique_id"].isin(keep)],
        baseline[baseline["unique_id"].isin(keep)],
        plan[plan["unique_id"].isin(keep)],
        title,
    )


def role_of(state: Any, user: str | None) -> tuple[bool, bool]:
    """(may edit events and explanations, may publish)."""
    if not user:
        return False, False
    return state.has_role(user, "planner"), state.has_role(user, "owner")


# -- callbacks --------------------------------------------------------------------------------


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    from forecast.services import plans as plan_service
    from forecast.services import system

    gate_factors.register_callbacks(app, ctx)

    @app.callback(
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
        Output(ids.SYS_PUBLISH, "disabled"),
        Output(ids.SYS_EXPLAIN_EVENT, "options"),
        Input(ids.NAV_SESSION, "data"),
        Input(ids.SYS_REFRESH, "data"),
    )
    def render(session: dict | None, _refresh: int | None) -> tuple:
        plan_id = (session or {}).get("plan_id")
        user = components.acting_user(session)
        if not plan_id:
            return (components.need_plan_notice(),) + (no_update,) * 16
        state = plan_service.get_plan(ctx.store, plan_id)
        plan = system.system_plan(ctx.store, plan_id, "series")
        marked = system.deviations(ctx.store, plan_id)
        events = system.events_of(state)
        dev_rows, n_marked = deviation_rows(marked)
        cur = state.currency
        for row in dev_rows:
            row["cur"] = components.row_currency(cur)
        n_open = int((~marked["explained"]).sum()) if len(marked) else 0
        base_total = float(plan["baseline"].sum())
        plan_total = float(plan["system_plan"].sum())
        change = (plan_total / base_total - 1) if base_total else 0.0
        totals = [
            dbc.Col(
                components.stat_card(
                    "Baseline",
                    components.money(base_total, currency=cur),
                    colour=figures.BASELINE_COLOUR,
                ),
                md=3,
            ),
            dbc.Col(
                components.stat_card(
                    figures.SYSTEM_LABEL,
                    components.money(plan_total, currency=cur),
                    colour=figures.SYSTEM_COLOUR,
                    sub=f"{change * 100:+.1f} % against the baseline, {len(events)} event(s)",
                ),
                md=3,
                id="sys-total-plan",
            ),
            dbc.Col(
                components.stat_card(
                    "Deviations needing a reason",
                    f"{n_open:,} of {n_marked:,}",
                    sub=f"threshold {components.percent(state.threshold, 0)} per series-period and team",
                ),
                md=3,
            ),
            dbc.Col(
                components.stat_card("Status", state.status, sub=f"version {state.version}"), md=3
            ),
        ]
        if state.locked:
            gate = components.info_alert(
                f"The plan is {state.status}: read-only. Make a new version on the Plans page to change it."
            )
        elif n_open:
            shown = (
                ""
                if n_marked <= DEVIATION_ROWS_SHOWN
                else f" The grid shows the {DEVIATION_ROWS_SHOWN} largest; select rows of one event to explain them together."
            )
            gate = dbc.Alert(
                f"The gate blocks publishing: {n_open:,} deviation(s) above {components.percent(state.threshold, 0)} have no reason yet.{shown}",
                color="warning",
                id="sys-gate-blocked",
            )
        else:
            gate = dbc.Alert(
                "The gate is open: every marked deviation is explained.",
                color="success",
                id="sys-gate-open",
            )
        dates = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in sorted(plan["ds"].unique())]
        may_edit, may_publish = role_of(state, user)
        who = user or "nobody"
        edit_note = components.role_note(
            may_edit and not state.locked,
            f"{who} cannot change events or explanations: "
            + (
                "the plan is read-only."
                if state.locked
                else "that needs the planner role on this plan."
            ),
        )
        publish_note = components.role_note(
            may_publish and not state.locked,
            f"{who} cannot publish: "
            + (
                "the plan is already " + state.status + "."
                if state.locked
                else "only the plan's owner publishes."
            ),
        )
        return (
            totals,
            [{**row, "cur": components.row_currency(cur)} for row in team_rows(plan)],
            event_rows(events),
            dev_rows,
            gate,
            state.version,
            components.options(dates),
            dates[0] if dates else None,
            components.options(dates),
            dates[-1] if dates else None,
            "How overlapping events combine: " + system.COMBINATION_RULE,
            edit_note,
            edit_note,
            publish_note,
            not (may_edit and not state.locked),
            not (may_publish and not state.locked),
            [{"label": "the rows ticked below", "value": SELECTED_ROWS}]
            + [
                {"label": f"every open deviation of {e.event_id} {e.name}", "value": e.event_id}
                for e in events
            ],
        )

    @app.callback(
        Output(ids.SYS_DRILL, "options"),
        Output(ids.SYS_DRILL, "disabled"),
        Output(ids.SYS_DRILL, "value"),
        Input(ids.SYS_LEVEL, "value"),
        Input(ids.SYS_DRILL, "search_value"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_DRILL, "value"),
    )
    def drill_options(
        level: str, search: str | None, session: dict | None, current: str | None
    ) -> tuple:
        plan_id = (session or {}).get("plan_id")
        if not plan_id or level == "total":
            return [], True, None
        frames = plan_service.load_frames(ctx.store, plan_id)
        state = plan_service.get_plan(ctx.store, plan_id)
        if level == "team":
            values = sorted(plan_service.teams_of(frames.attributes, state.team_attr).unique())
        else:
            # Thousands of series: offer the ones matching what was typed, 50 at a time.
            all_ids = frames.attributes["unique_id"].astype(str)
            if search:
                all_ids = all_ids[all_ids.str.contains(search, regex=False)]
            values = sorted(all_ids.head(50), key=lambda s: (len(s), s))
        value = current if current in values else (values[0] if values else None)
        if callback_ctx.triggered_id == ids.SYS_DRILL and current:
            value = current
        return components.options(values), False, value

    @app.callback(
        Output(ids.SYS_FAN, "figure"),
        Input(ids.SYS_VERSION, "data"),
        Input(ids.SYS_LEVEL, "value"),
        Input(ids.SYS_DRILL, "value"),
        State(ids.NAV_SESSION, "data"),
    )
    def fan(version: int | None, level: str, key: str | None, session: dict | None) -> Any:
        plan_id = (session or {}).get("plan_id")
        if not plan_id or version is None:
            return figures.empty_figure("Pick a plan")
        frames = plan_service.load_frames(ctx.store, plan_id)
        plan = system.system_plan(ctx.store, plan_id, "series")
        history, baseline, sp, title = fan_inputs(frames, plan, level, key)
        currency = plan_service.get_plan(ctx.store, plan_id).currency
        return figures.in_currency(figures.fan_chart(history, baseline, sp, title=title), currency)

    @app.callback(
        Output(ids.SYS_EVENT_SUGGESTION, "children"),
        Input(ids.SYS_EVENT_KIND, "value"),
        Input(ids.SYS_EVENT_SCOPE, "value"),
        Input(ids.NAV_SESSION, "data"),
    )
    def suggestion(kind: str | None, scope: str | None, session: dict | None) -> Any:
        plan_id = (session or {}).get("plan_id")
        if not plan_id or not kind:
            return None
        uplift, alert = components.call_service(
            lambda: system.suggest_uplift(ctx.store, plan_id, kind, scope_or_raise(scope))
        )
        if alert is not None:
            return alert
        if uplift is None:
            return html.Span(
                f"No learned uplift for {kind} events: the history has no flag for it. Give the effect yourself.",
                className="text-muted",
            )
        return html.Span(
            [
                html.Strong("Suggested from history: "),
                uplift.describe() + ". ",
                "Leave the value empty to use it.",
            ],
            id="sys-suggestion-text",
        )

    @app.callback(
        Output(ids.SYS_ALERT, "children", allow_duplicate=True),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Input(ids.SYS_EVENT_ADD, "n_clicks"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_EVENT_NAME, "value"),
        State(ids.SYS_EVENT_KIND, "value"),
        State(ids.SYS_EVENT_SCOPE, "value"),
        State(ids.SYS_EVENT_START, "value"),
        State(ids.SYS_EVENT_END, "value"),
        State(ids.SYS_EVENT_EFFECT, "value"),
        State(ids.SYS_EVENT_VALUE, "value"),
        State(ids.SYS_EVENT_REASON, "value"),
        State(ids.SYS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def add_event(
        _n, session, version, name, kind, scope, start, end, effect, value, reason, refresh
    ) -> tuple:
        if not _n:  # layout insertion, not a click
            return no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        use_suggestion = value in (None, "")
        saved, alert = components.call_service(
            lambda: system.add_event(
                ctx.store,
                plan_id,
                user or "",
                name=name or "",
                kind=kind,
                scope=scope_or_raise(scope),
                start=start,
                end=end,
                effect=None if use_suggestion else effect,
                value=None if use_suggestion else float(value),
                use_suggestion=use_suggestion,
                reason=reason or "",
                expected_version=version,
            )
        )
        if alert is not None:
            return alert, (refresh or 0) + 1
        return components.success_alert(f"Added {saved.event.describe()}."), (refresh or 0) + 1

    @app.callback(
        Output(ids.SYS_ALERT, "children", allow_duplicate=True),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Input(ids.SYS_EVENTS_GRID, "cellValueChanged"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def edit_event(changes: list[dict] | None, session, version, refresh) -> tuple:
        if not changes:
            return no_update, no_update
        change = changes[0] if isinstance(changes, list) else changes
        field, row = change.get("colId"), change.get("data") or {}
        plan_id, user = components.action_plan(session), components.acting_user(session)
        kwargs: dict[str, Any] = {}
        if field == "scope":
            kwargs["scope_text"] = row.get("scope")
        elif field in ("effect", "value"):
            kwargs["effect"], kwargs["value"] = row.get("effect"), row.get("value")
        elif field in ("name", "kind", "start", "end", "reason"):
            kwargs[field] = row.get(field)
        else:
            return no_update, no_update

        def call() -> Any:
            args = dict(kwargs)
            if "scope_text" in args:
                args["scope"] = scope_or_raise(args.pop("scope_text"))
            if "value" in args:
                args["value"] = number_or_raise(args["value"])
            return system.edit_event(
                ctx.store, plan_id, user or "", row["event_id"], expected_version=version, **args
            )

        saved, alert = components.call_service(call)
        # Re-render either way: a refused edit must not stay in the grid as if it were saved.
        if alert is not None:
            return alert, (refresh or 0) + 1
        return components.success_alert(f"Changed {saved.event.describe()}."), (refresh or 0) + 1

    @app.callback(
        Output(ids.SYS_ALERT, "children", allow_duplicate=True),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Input(ids.SYS_EVENT_REMOVE, "n_clicks"),
        State(ids.SYS_EVENTS_GRID, "selectedRows"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def remove_event(_n, selected, session, version, refresh) -> tuple:
        if not _n:  # layout insertion, not a click
            return no_update, no_update
        if not selected:
            return components.info_alert(
                "Select an event in the grid first (click its row)."
            ), no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        event_id = selected[0]["event_id"]
        saved, alert = components.call_service(
            lambda: system.remove_event(
                ctx.store, plan_id, user or "", event_id, expected_version=version
            )
        )
        if alert is not None:
            return alert, (refresh or 0) + 1
        return components.success_alert(f"Removed {saved.event.describe()}."), (refresh or 0) + 1

    @app.callback(
        Output(ids.SYS_ALERT, "children", allow_duplicate=True),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Input(ids.SYS_EXPLAIN, "n_clicks"),
        Input(ids.SYS_DEVIATIONS_GRID, "cellValueChanged"),
        State(ids.SYS_DEVIATIONS_GRID, "selectedRows"),
        State(ids.SYS_EXPLAIN_EVENT, "value"),
        State(ids.SYS_EXPLAIN_CODE, "value"),
        State(ids.SYS_EXPLAIN_TEXT, "value"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def explain(_n, changes, selected, which, code, text, session, version, refresh) -> tuple:
        plan_id, user = components.action_plan(session), components.acting_user(session)
        if callback_ctx.triggered_id == ids.SYS_EXPLAIN and not _n:
            return no_update, no_update
        if callback_ctx.triggered_id == ids.SYS_DEVIATIONS_GRID:
            # Inline: a row is explained once it has both a reason code and a text.
            row = ((changes or [{}])[0] or {}).get("data") or {}
            if not row.get("reason_code") or not (row.get("text") or "").strip():
                return no_update, no_update
            cells, code, text = [row], row["reason_code"], row["text"]
        elif which and which != SELECTED_ROWS:
            if not code:
                return components.info_alert("Pick a reason code first."), no_update
            saved, alert = components.call_service(
                lambda: system.explain(
                    ctx.store,
                    plan_id,
                    user or "",
                    reason_code=code,
                    text=text or "",
                    event_id=which,
                    expected_version=version,
                )
            )
            if alert is not None:
                return alert, (refresh or 0) + 1
            return components.success_alert(
                f"Explained {saved.explained} deviation(s) of {which}."
            ), (refresh or 0) + 1
        else:
            cells = selected or []
            if not cells:
                return components.info_alert(
                    "Select the deviations to explain (tick their rows), then give a reason code and a text."
                ), no_update
            if not code:
                return components.info_alert(
                    "Pick a reason code for the selected deviations."
                ), no_update

        def call() -> int:
            # all ticked cells in one change (one version, one audit entry)
            return system.explain(
                ctx.store,
                plan_id,
                user or "",
                reason_code=code,
                text=text or "",
                cells=[(cell["level"], cell["key"], cell["ds"]) for cell in cells],
                expected_version=version,
            ).explained

        done, alert = components.call_service(call)
        if alert is not None:
            return alert, (refresh or 0) + 1
        return components.success_alert(f"Explained {done} deviation(s)."), (refresh or 0) + 1

    @app.callback(
        Output(ids.SYS_ALERT, "children", allow_duplicate=True),
        Output(ids.SYS_REFRESH, "data", allow_duplicate=True),
        Output(ids.NAV_PLANS_CHANGED, "data", allow_duplicate=True),
        Input(ids.SYS_PUBLISH, "n_clicks"),
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
        State(ids.NAV_PLANS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def publish(_n, session, version, refresh, changed) -> tuple:
        if not _n:  # layout insertion, not a click
            return no_update, no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        saved, alert = components.call_service(
            lambda: system.publish(ctx.store, plan_id, user or "", expected_version=version)
        )
        if alert is not None:
            return html.Div(alert, id="sys-publish-refused"), (refresh or 0) + 1, no_update
        return (
            html.Div(
                components.success_alert(f"Published: plan {saved.plan.name!r} is now read-only."),
                id="sys-published",
            ),
            (refresh or 0) + 1,
            (changed or 0) + 1,
        )


def scope_or_raise(text: str | None) -> Any:
    """Parse the scope text; a malformed one becomes an `Invalid` the page shows."""
    from forecast.services.errors import Invalid

    try:
        return parse_scope_text(text)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


def number_or_raise(value: Any) -> float:
    from forecast.services.errors import Invalid

    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"the value must be a number, got {value!r}") from exc
