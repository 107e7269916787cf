"""Page 5, Actuals: when the sales of the plan's periods arrive, which track came closer."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, figures, ids, uploads
from dashboard.context import DashboardContext

PATH = "/actuals"
NAME = "Actuals"

HOW_TO_READ = (
    "drop a file of actual sales for the plan's periods (the same layout as the history, or "
    "unique_id, ds, y). Each bar is the WAPE of one track against those actuals, per team and in "
    "total: the shorter bar was closer. Only series and periods present in both count."
)

TRACK_LABELS = {"system_plan": "System plan", "target": "Negotiated plan", "tie": "tie"}


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    limit_mb = ctx.upload_limit_bytes / 1024 / 1024
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            components.upload_zone(
                ids.ACTUALS_UPLOAD,
                "Drag and drop a file of actual sales here, or click to choose one",
                f"CSV, Parquet or XLSX · up to {limit_mb:,.0f} MB",
            ),
            html.Div(id=ids.ACTUALS_ALERT, className="mt-3"),
            html.Div(id=ids.ACTUALS_VERDICT, className="mt-2"),
            dcc.Graph(
                id=ids.ACTUALS_FIGURE,
                figure=figures.empty_figure("No actuals yet"),
                config={"displaylogo": False},
            ),
            dag.AgGrid(
                id=ids.ACTUALS_GRID,
                rowData=[],
                columnDefs=[
                    {"field": "team", "width": 110},
                    {"field": "actual", "headerName": "Actual", "type": "rightAligned"},
                    {"field": "system_plan", "headerName": "System plan", "type": "rightAligned"},
                    {"field": "target", "headerName": "Negotiated plan", "type": "rightAligned"},
                    {"field": "wape_system_plan", "headerName": "WAPE system"},
                    {"field": "wape_target", "headerName": "WAPE negotiated"},
                    {"field": "closer", "headerName": "Closer"},
                    {"field": "periods", "headerName": "Series-periods", "width": 140},
                ],
                getRowId="params.data.team",
                defaultColDef={"resizable": True, "sortable": True},
                style={"height": "320px"},
                className="ag-theme-alpine",
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def score_rows(score: pd.DataFrame) -> list[dict[str, Any]]:
    """The score table as readable grid rows (money, percentages, the closer track's name)."""
    rows = []
    for record in score.to_dict(orient="records"):
        rows.append(
            {
                "team": record["team"],
                "actual": components.money(record["actual"]),
                "system_plan": components.money(record["system_plan"]),
                "target": components.money(record["target"]),
                "wape_system_plan": components.percent(record["wape_system_plan"]),
                "wape_target": components.percent(record["wape_target"]),
                "closer": TRACK_LABELS.get(str(record["closer"]), "n/a"),
                "periods": int(record["periods"]),
            }
        )
    return rows


def verdict(score: pd.DataFrame) -> str:
    """One sentence on the total: which track came closer, and by how much."""
    total = score[score["team"] == "TOTAL"].iloc[0]
    if total["closer"] not in TRACK_LABELS or total["closer"] == "tie":
        return "Both tracks were equally close to the actuals."
    winner = TRACK_LABELS[str(total["closer"])]
    gap = abs(float(total["wape_system_plan"]) - float(total["wape_target"]))
    teams = score[score["team"] != "TOTAL"]
    won = int((teams["closer"] == total["closer"]).sum())
    return f"{winner} came closer overall, by {gap:.1%} WAPE, and in {won} of {len(teams)} team(s)."


# -- callbacks --------------------------------------------------------------------------------


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    from forecast.services import negotiation

    @app.callback(
        Output(ids.ACTUALS_FIGURE, "figure"),
        Output(ids.ACTUALS_GRID, "rowData"),
        Output(ids.ACTUALS_VERDICT, "children"),
        Output(ids.ACTUALS_ALERT, "children"),
        Input(ids.ACTUALS_UPLOAD, "contents"),
        State(ids.ACTUALS_UPLOAD, "filename"),
        State(ids.NAV_SESSION, "data"),
        prevent_initial_call=True,
    )
    def score_upload(contents: str | None, filename: str | None, session: dict | None) -> tuple:
        empty = figures.empty_figure("No actuals yet")
        if not contents:
            return no_update, no_update, no_update, no_update
        try:
            raw = uploads.decode(
                contents,
                filename,
                ctx.upload_limit_bytes,
                "score it from the command line with `forecast plan score`",
            )
        except uploads.UploadRefused as exc:
            return empty, [], None, components.info_alert(str(exc))
        if not (session or {}).get("plan_id"):
            return empty, [], None, components.need_plan_notice()
        plan_id = components.action_plan(session)
        score, alert = components.call_service(
            lambda: negotiation.score_file(ctx.store, plan_id, raw, filename=filename)
        )
        if score is None:
            return empty, [], None, alert
        return figures.attainment_bars(score), score_rows(score), html.H4(verdict(score)), None
