"""Page 7, Accuracy: once actuals are kept, how much each layer and each human touch added (FVA),
the track record of every scored plan, and a replay of both cultures on past cycles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from dashboard import auth, components, figures, figures_accuracy, ids
from dashboard.context import DashboardContext
from dashboard.pages import accuracy_replay, accuracy_scored
from dashboard.pages.accuracy_replay import closer_text as closer_text  # the Actuals page's too
from dashboard.pages.accuracy_replay import shown_closer
from dashboard.wiring import bind
from forecast.services import accuracy
from forecast.services.negotiation_board import RULE_CHOICES
from forecast.services.types import REASON_CODES

PATH = "/accuracy"
NAME = "Accuracy"

HOW_TO_READ = (
    "every layer of the selected plan against its kept actuals (upload them on the Actuals page): "
    "the waterfall runs from the baseline's error through the events to the system plan, and "
    "through claims and assignment to the negotiated target from the layer its goal was set on "
    "(the baseline or the system plan, named under Added over); a green step lowered the error "
    "(it added value), a red one raised it, a grey one moved it by under 0.005 points. The touch "
    "table scores each event, reason code, planner, claim and assignment by the error without "
    "it minus the error with it, and a value a planner gave instead of the system's suggestion "
    "by the error at the suggestion minus the error at that value; the ones that made the "
    "forecast worse come first (a change under 0.005 points reads no change)."
)

SCOPES = {"overall": "Overall", "team": "Per team", "period": "Per period"}
# Numbers stay numbers in the touch grid (so a click on the header sorts by value added).
# Grouped and signed as `points` and `components.money` write them on the server (-6,092.45
# pts, not -6092.45; a hyphen, not d3's minus sign, beside the other columns).
POINTS_FORMAT = {
    "function": "params.value == null ? '–' : (Math.round(params.value * 10000) > 0 ? '+' : '')"
    " + d3.format(',.2f')(Math.round(params.value * 10000) / 100 + 0).replace('−', '-') + ' pts'"
}
HIDDEN = {"display": "none"}
"""The style of the parts that need actuals while the selected plan has none."""
STEP_FROM = {"baseline": "Baseline", "system_plan": "System plan"}
"""The layer a value added is measured from (the target's: the basis its goal was set on)."""


def _grid(
    grid_id: str, columns: list[dict[str, Any]], height: str = "320px", **options: Any
) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=columns,
        **options,
        getRowId="params.data.row_id",
        defaultColDef={"resizable": True, "sortable": True},
        dashGridOptions={
            **components.GRID_ONE_TAB_STOP,
            "pagination": True,
            "paginationPageSize": 20,
        },
        style={"height": height},
        className="ag-theme-alpine",
    )


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            html.Div(id=ids.ACC_ALERT),
            accuracy_scored.layout(),
            html.Div(id=ids.ACC_SCORED_ON, className="small text-muted mb-2"),
            html.Div(
                [
                    components.described_chart(
                        "Error of each layer against actuals",
                        dcc.Graph(
                            id=ids.ACC_WATERFALL,
                            figure=figures.empty_figure("No actuals yet"),
                            config={"displaylogo": False},
                        ),
                    ),
                    html.Div(
                        [
                            html.H2("Layers", className="h4 mb-0 me-3"),
                            components.named_group(
                                "Layers of",
                                dbc.RadioItems(
                                    id=ids.ACC_LAYER_SCOPE,
                                    options=[{"label": v, "value": k} for k, v in SCOPES.items()],
                                    value="overall",
                                    inline=True,
                                ),
                            ),
                        ],
                        className="d-flex align-items-center mt-3 mb-2",
                    ),
                    _grid(
                        ids.ACC_LAYERS_GRID,
                        [
                            {"field": "key", "headerName": "Scope", "minWidth": 120},
                            {"field": "label", "headerName": "Layer", "minWidth": 190},
                            {"field": "wape", "headerName": "WAPE", "minWidth": 100},
                            {"field": "mase", "headerName": "MASE", "minWidth": 90},
                            {"field": "bias", "headerName": "Bias", "minWidth": 100},
                            {"field": "value_added_wape", "headerName": "Value added (WAPE pts)"},
                            {"field": "value_added_mase", "headerName": "Value added (MASE)"},
                            {"field": "step_from", "headerName": "Added over"},
                            {"field": "series_periods", "headerName": "Series-periods"},
                        ],
                        height="260px",
                        # every column as wide as its widest number (92,422.2 % was cut short
                        # at a fixed 100 px), at least as wide as above
                        columnSize="autoSize",
                    ),
                    html.H2("Touches, made-it-worse first", className="h4 mt-4"),
                    _grid(
                        ids.ACC_TOUCHES_GRID,
                        [
                            {
                                "field": "verdict",
                                "headerName": "",
                                "width": 130,
                                "tooltipField": "verdict",
                            },
                            {"field": "touch_type", "headerName": "Touch", "width": 130},
                            {
                                # long event names wrap (they were cut at the column's edge)
                                "field": "touch",
                                "headerName": "What",
                                "width": 280,
                                "wrapText": True,
                                "autoHeight": True,
                                "tooltipField": "touch",
                            },
                            {"field": "who", "headerName": "Who", "width": 110},
                            {
                                "field": "value_added_wape",
                                "headerName": "Value added (WAPE pts)",
                                "type": "numericColumn",
                                "valueFormatter": POINTS_FORMAT,
                            },
                            {
                                "field": "value_added",
                                "headerName": "Error reduced",
                                "type": "numericColumn",
                                "valueFormatter": components.grid_money(2, signed=True),
                            },
                            {
                                "field": "series_periods",
                                "headerName": "Series-periods",
                                "width": 130,
                            },
                            {"field": "audit", "headerName": "Audit rows", "width": 380},
                        ],
                        height="380px",
                    ),
                    html.Div(
                        [
                            html.Span("Download: ", className="me-2"),
                            dbc.Button("Layers CSV", id=ids.ACC_DOWNLOAD_LAYERS, size="sm"),
                            dbc.Button("Touches CSV", id=ids.ACC_DOWNLOAD_TOUCHES, size="sm"),
                            dbc.Button("All tables XLSX", id=ids.ACC_DOWNLOAD_XLSX, size="sm"),
                        ],
                        className="d-flex gap-2 align-items-center mt-3",
                    ),
                ],
                id=ids.ACC_SCORED_PARTS,
                style=HIDDEN,
            ),
            dcc.Download(id=ids.ACC_DOWNLOAD),
            dcc.Store(id=ids.ACC_ACTUALS_VERSION),
            html.Div(id=ids.ACC_DOWNLOAD_STATUS, className="small mt-1"),
            html.Div(
                [
                    html.H2("Track record", className="h4 mb-0"),
                    dbc.Button("Track record CSV", id=ids.ACC_DOWNLOAD_TRACK, size="sm"),
                ],
                className="d-flex gap-3 align-items-center mt-4 mb-2",
            ),
            html.P(
                "Every plan with actuals, scored on its published and agreed version: which "
                "culture came closer and by how much, overall and per team.",
                className="small text-muted",
            ),
            dbc.Label(
                "Team of the trend chart", html_for=ids.ACC_TRACK_TEAM, className="visually-hidden"
            ),
            dcc.Dropdown(
                id=ids.ACC_TRACK_TEAM,
                options=[],
                placeholder="All teams (pick one to see its own record)",
                style={"maxWidth": "360px"},
            ),
            components.described_chart(
                "Track record of the scored plans",
                dcc.Graph(
                    id=ids.ACC_TRACK_CHART,
                    figure=figures.empty_figure("No scored plan yet"),
                    config={"displaylogo": False},
                ),
            ),
            _grid(
                ids.ACC_TRACK_GRID,
                [
                    {"field": "name", "headerName": "Plan", "width": 160},
                    {"field": "horizon_start", "headerName": "From", "width": 120},
                    {"field": "scope", "headerName": "Scope", "width": 110},
                    {"field": "scored_on", "headerName": "Scored on", "width": 200},
                    {"field": "wape_system_plan", "headerName": "WAPE system", "width": 130},
                    {"field": "wape_target", "headerName": "WAPE negotiated", "width": 150},
                    {"field": "closer", "headerName": "Closer", "width": 240},
                    {
                        "field": "rests_on",
                        "headerName": "Rests on",
                        "headerTooltip": "The series and periods with actuals that the verdict "
                        "rests on; provisional while under half of either has them",
                        "width": 230,
                    },
                    {
                        "field": "given_vs_offered",
                        "headerName": "Given vs offered",
                        "headerTooltip": "WAPE points the values planners gave instead of the "
                        "system's suggestion added over it (+: the people's numbers were closer)"
                        "; – with the reason where there is none",
                        "tooltipField": "given_vs_offered_why_none",
                        "width": 220,
                    },
                ],
                height="280px",
            ),
            accuracy_replay.layout(ctx),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def points(value: Any) -> str:
    """A WAPE difference as signed percentage points: 0.0123 -> `+1.23 pts`."""
    return components.points(accuracy.number(value), signed=True)


def layer_rows(layers: pd.DataFrame, scope: str) -> list[dict[str, Any]]:
    part = layers[layers["scope"] == scope]
    records = part.to_dict(orient="records")
    added = accuracy.shown_value_added(records)
    rows = []
    for i, r in enumerate(records):
        mase, mase_added = accuracy.number(r["mase"]), accuracy.number(r["value_added_mase"])
        rows.append(
            {
                "row_id": f"{r['key']}|{r['layer']}|{i}",
                "key": "Total" if r["key"] == "TOTAL" else r["key"],
                "label": r["label"],
                "wape": components.percent(accuracy.number(r["wape"]), 2),
                "mase": "–" if mase is None else f"{mase:.3f}",
                "bias": components.percent(accuracy.number(r["bias"])),
                "value_added_wape": points(added[i]),
                "value_added_mase": "–" if mase_added is None else f"{mase_added:+.3f}",
                "series_periods": int(r["series_periods"]),
                "step_from": STEP_FROM.get(str(r.get("step_from")), "–"),
            }
        )
    return rows


def touch_rows(touches: pd.DataFrame, currency: str | None = None) -> list[dict[str, Any]]:
    """The touches as grid rows: the value added as numbers (the grid formats them, so a click
    on a header sorts by value), the amount in the plan's currency (``cur``)."""
    cur = components.row_currency(currency)
    rows = []
    for i, r in enumerate(touches.to_dict(orient="records")):
        rows.append(
            {
                "row_id": f"t{i}",
                "verdict": accuracy.touch_verdict(r),
                "touch_type": r["touch_type"],
                "touch": touch_label(str(r["touch_type"]), str(r["touch"])),
                "who": r["who"],
                "value_added_wape": accuracy.number(r["value_added_wape"]),
                "value_added": accuracy.number(r["value_added"]),
                "series_periods": int(r["series_periods"]),
                "audit": components.readable_times(str(r["audit"])),
                "cur": cur,
            }
        )
    return rows


def touch_label(touch_type: str, touch: str) -> str:
    """A touch in the product's words: a remainder rule and a reason code by their labels, an
    event kind without underscores (the service's table keeps the keys, as the CLI shows them)."""
    if touch_type == "assignment rule":
        return RULE_CHOICES.get(touch, touch)
    if touch_type == "reason code":
        return REASON_CODES.get(touch, touch)
    if touch_type == "event kind":
        kind, bracket, events = touch.partition(" (")
        return kind.replace("_", " ") + bracket + events
    return touch


def track_rows(track: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for i, r in enumerate(track.to_dict(orient="records")):
        scored = f"v{r['system_plan_version']} / v{r['target_version']}"
        if not r["snapshot"]:
            scored += " (not agreed yet)"
        rows.append(
            {
                "row_id": f"r{i}",
                "name": r["name"],
                "horizon_start": r["horizon_start"],
                "scope": accuracy.scope_words(r),
                "scored_on": scored,
                "wape_system_plan": components.percent(accuracy.number(r["wape_system_plan"]), 2),
                "wape_target": components.percent(accuracy.number(r["wape_target"]), 2),
                "closer": shown_closer(r)
                + (" (provisional)" if r.get("provisional") and r["closer"] else ""),
                "rests_on": str(r.get("rests_on") or "–").removeprefix("scored on "),
                "given_vs_offered": given_vs_offered_text(r),
                "given_vs_offered_why_none": r.get("given_vs_offered_why_none") or "",
            }
        )
    return rows


def given_vs_offered_text(r: Mapping[Any, Any]) -> str:
    """The points the values typed instead of a suggestion added, or why there are none
    (``– (no value was typed instead of a suggestion)``), never a bare dash."""
    why = r.get("given_vs_offered_why_none")
    if accuracy.number(r.get("given_vs_offered")) is None and isinstance(why, str) and why:
        return f"– ({why})"
    return points(r.get("given_vs_offered"))


def scored_on_text(report: Any) -> str:
    parts = []
    for layer, label in (("system_plan", "System plan"), ("target", "negotiated target")):
        snap = report.scored_on[layer]
        if snap.get("snapshot"):
            parts.append(
                f"{label} scored on version {snap['version']} ({snap['status']} "
                f"{components.when(snap['at'])} "
                f"by {snap['by']})"
            )
        else:
            parts.append(f"{label} on version {snap['version']}: {snap['note']}")
    a = report.actuals
    parts.append(
        f"actuals version {a['version']} ({a['filename']}, uploaded by {a['uploaded_by']}); "
        f"{len(report.periods)} period(s) scored"
    )
    verdict = report.verdict()
    if verdict.get("rests_on"):  # what the verdict rests on, and whether it is provisional
        parts.append(verdict["rests_on"])
        if verdict.get("provisional"):
            parts.append(str(verdict["provisional_because"]))
    parts.append(report.steps_text())
    return "; ".join(parts) + ". " + " ".join(n[0].upper() + n[1:] + "." for n in report.notes)


# -- callbacks --------------------------------------------------------------------------------

DOWNLOAD_BUTTONS = {
    ids.ACC_DOWNLOAD_LAYERS: ("csv", "layers"),
    ids.ACC_DOWNLOAD_TOUCHES: ("csv", "touches"),
    ids.ACC_DOWNLOAD_TRACK: ("csv", "track"),
    ids.ACC_DOWNLOAD_XLSX: ("xlsx", "touches"),
}


def render(ctx: DashboardContext, session: dict | None, scope: str | None) -> tuple:
    """The selected plan's FVA: the waterfall, the layers at `scope`, the touches (hidden, with
    the reason in the alert, while the plan has no actuals)."""
    if not (session or {}).get("plan_id"):
        return no_actuals(components.need_plan_notice())
    plan_id = components.action_plan(session)
    user, admin = components.acting_user(session), components.acting_admin()
    report, alert = components.call_service(
        lambda: accuracy.fva(ctx.store, plan_id, user=user, admin=admin)
    )
    if report is None:
        return no_actuals(alert)
    return (
        figures_accuracy.fva_waterfall(report.overall()),
        layer_rows(report.layers, scope or "overall"),
        touch_rows(report.touches, report.currency),
        scored_on_text(report),
        None,
        {},
        report.actuals.get("version"),
    )


def no_actuals(alert: Any) -> tuple:
    """`render`'s outputs for a plan with nothing to score: the parts that need actuals hidden."""
    return figures.empty_figure("No actuals yet"), [], [], None, alert, HIDDEN, None


def render_track(ctx: DashboardContext, _session: dict | None, team: str | None) -> tuple:
    """Every plan the user may see with actuals, scored on its published and agreed version;
    the team picker offers the teams of those plans, and keeps the team chosen only while it is
    one of them (a team of plans no longer shown reads as all teams, not as an empty chart)."""
    track, _alert = components.call_service(
        lambda: accuracy.track_record(ctx.store, auth.visible_plans(ctx.store))
    )
    if track is None or track.empty:
        return figures.empty_figure("No scored plan yet"), [], [], None
    teams = sorted(track.loc[track["scope"] == "team", "key"].astype(str).unique())
    team = team if isinstance(team, str) and team in teams else None
    shown = track if not team else track[(track["scope"] == "overall") | (track["key"] == team)]
    return (
        figures_accuracy.track_record_chart(track, team),
        track_rows(shown),
        components.options(teams),
        team,
    )


def download(ctx: DashboardContext, *args: Any) -> tuple:
    """The table of the button clicked (the buttons' clicks, then the actuals version the page
    shows and the session) as a file: of the version the page shows, not one kept since."""
    session, shown, trigger = args[-1], args[-2], callback_ctx.triggered_id
    if trigger not in DOWNLOAD_BUTTONS or not callback_ctx.triggered[0].get("value"):
        return no_update, no_update
    fmt, table = DOWNLOAD_BUTTONS[trigger]
    plan_id = (session or {}).get("plan_id")
    result, alert = components.call_service(
        lambda: accuracy.fva_download(
            ctx.store,
            plan_id,
            fmt,
            table,
            auth.visible_plans(ctx.store),
            actuals_version=shown,
        )
    )
    if result is None:
        return no_update, alert
    content, filename = result
    return (
        dcc.send_bytes(content, filename),
        html.Span(f"Downloaded {filename} ({len(content):,} bytes).", id="acc-downloaded"),
    )


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    session = Input(ids.NAV_SESSION, "data")
    bind(
        app,
        ctx,
        render,
        Output(ids.ACC_WATERFALL, "figure"),
        Output(ids.ACC_LAYERS_GRID, "rowData"),
        Output(ids.ACC_TOUCHES_GRID, "rowData"),
        Output(ids.ACC_SCORED_ON, "children"),
        Output(ids.ACC_ALERT, "children"),
        Output(ids.ACC_SCORED_PARTS, "style"),
        Output(ids.ACC_ACTUALS_VERSION, "data"),
        session,
        Input(ids.ACC_LAYER_SCOPE, "value"),
    )
    track = (Output(ids.ACC_TRACK_CHART, "figure"), Output(ids.ACC_TRACK_GRID, "rowData"))
    team = (Output(ids.ACC_TRACK_TEAM, "options"), Output(ids.ACC_TRACK_TEAM, "value"))
    bind(app, ctx, render_track, *track, *team, session, Input(ids.ACC_TRACK_TEAM, "value"))
    bind(
        app,
        ctx,
        download,
        Output(ids.ACC_DOWNLOAD, "data"),
        Output(ids.ACC_DOWNLOAD_STATUS, "children"),
        *[Input(button, "n_clicks") for button in DOWNLOAD_BUTTONS],
        State(ids.ACC_ACTUALS_VERSION, "data"),
        State(ids.NAV_SESSION, "data"),
        prevent_initial_call=True,
    )
    accuracy_replay.register_callbacks(app, ctx)
    accuracy_scored.register_callbacks(app, ctx)
