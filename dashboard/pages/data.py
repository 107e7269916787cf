"""Page 1, Data: upload a sales file, check the detected mapping and the validation report,
see the history, and create a plan (the baseline runs as a background callback)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ClientsideFunction, Dash, Input, NoUpdate, Output, State, dcc, html, no_update

from dashboard import components, figures, ids, uploads
from dashboard.context import DashboardContext
from forecast.services.demo import SAMPLE_SALES, SAMPLE_STORES
from forecast.services.errors import NotFound

PATH = "/"
NAME = "Data"

HOW_TO_READ = (
    "drop a sales file (one row per date and series), check which columns became the series "
    "key, the date and the value, fix every problem the report lists, then create a plan: the "
    "baseline is computed in the background and the plan appears in the bar above."
)

TOO_BIG_WHERE = "load it from the command line with `forecast plan create FILE`"
MODELS = ("auto", "snaive", "ets", "theta", "arima", "prophet", "lightgbm")
FREQS = (("auto-detect", ""), ("day", "D"), ("week", "W"), ("month", "M"), ("quarter", "Q"))
PREVIEW_ROWS = 200


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    limit_mb = ctx.upload_limit_bytes / 1024 / 1024
    upload = components.upload_zone(
        ids.DATA_UPLOAD,
        "Drag and drop a sales file here, or click to choose one",
        f"CSV (any separator, encoding, decimal mark; .gz too), Parquet or XLSX · "
        f"up to {limit_mb:,.0f} MB",
    )
    mapping = dbc.Card(
        dbc.CardBody(
            [
                html.H5("Column mapping", className="card-title"),
                html.P(
                    "Detected automatically; change it and press Apply if a column was misread.",
                    className="small text-muted",
                ),
                dbc.Label("Series key (one or more columns)"),
                dcc.Dropdown(id=ids.DATA_MAP_ID, multi=True),
                dbc.Label("Date", className="mt-2"),
                dcc.Dropdown(id=ids.DATA_MAP_DATE),
                dbc.Label("Value (sales)", className="mt-2"),
                dcc.Dropdown(id=ids.DATA_MAP_VALUE),
                dbc.Label("Frequency", className="mt-2"),
                dcc.Dropdown(
                    id=ids.DATA_MAP_FREQ,
                    options=[{"label": label, "value": value} for label, value in FREQS],
                    value="",
                    clearable=False,
                ),
                dbc.Button(
                    "Apply mapping", id=ids.DATA_APPLY_MAPPING, className="mt-3", color="secondary"
                ),
            ]
        )
    )
    create = dbc.Card(
        dbc.CardBody(
            [
                html.H5("Create a plan", className="card-title"),
                dbc.Label("Plan name"),
                dbc.Input(id=ids.DATA_PLAN_NAME, value="Sales plan"),
                dbc.Label("Horizon (periods)", className="mt-2"),
                dbc.Input(id=ids.DATA_HORIZON, type="number", min=1, value=13),
                dbc.Label(
                    "Team dimension (attribute that groups series into teams)", className="mt-2"
                ),
                dcc.Dropdown(id=ids.DATA_TEAM_ATTR),
                dbc.Label("Model", className="mt-2"),
                dcc.Dropdown(
                    id=ids.DATA_MODEL,
                    options=components.options(MODELS),
                    value="auto",
                    clearable=False,
                ),
                dbc.Label(
                    "Currency (amounts are shown and typed in it)",
                    html_for=ids.DATA_CURRENCY,
                    className="mt-2",
                ),
                dcc.Dropdown(
                    id=ids.DATA_CURRENCY,
                    options=components.currency_options(),
                    value="EUR",
                    clearable=False,
                ),
                html.Div(
                    "You (the signed-in user) become the plan's owner and planner; add team leads "
                    "on the Plans page.",
                    className="small text-muted mt-2",
                ),
                html.Div(
                    [
                        dbc.Button("Create plan", id=ids.DATA_CREATE, color="primary"),
                        dbc.Button("Cancel", id=ids.DATA_CANCEL, color="link"),
                    ],
                    className="mt-3 d-flex gap-2",
                ),
                dbc.Progress(
                    id=ids.DATA_PROGRESS, value=0, className="mt-3", style={"height": "22px"}
                ),
                html.Div(id=ids.DATA_CREATE_RESULT, className="mt-2"),
            ]
        )
    )
    return html.Div(
        [
            components.page_header("Data", HOW_TO_READ),
            dcc.Store(id=ids.DATA_RAW),
            dcc.Store(id=ids.DATA_FILE),
            dcc.Store(id=ids.DATA_ATTR_FILE),
            dcc.Store(id=ids.DATA_LIMIT, data=ctx.upload_limit_bytes),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            upload,
                            html.Div(
                                [
                                    html.Span("No file at hand? ", className="small text-muted"),
                                    dbc.Button(
                                        "Use the bundled Rossmann sample (100 stores)",
                                        id=ids.DATA_USE_SAMPLE,
                                        color="link",
                                        size="sm",
                                        className="p-0 align-baseline",
                                    ),
                                ],
                                className="mt-1",
                            ),
                            html.Div(id=ids.DATA_UPLOAD_STATUS, className="mt-2"),
                            dcc.Upload(
                                id=ids.DATA_ATTR_UPLOAD,
                                children=html.Div(
                                    [
                                        "Optional: drop a series attributes file (e.g. a store table "
                                        "with StoreType), joined on the series key"
                                    ],
                                    className="small",
                                ),
                                style={
                                    "border": "1px dashed #cbd5e1",
                                    "borderRadius": "6px",
                                    "padding": "8px",
                                    "textAlign": "center",
                                    "cursor": "pointer",
                                },
                            ),
                            html.Div(id=ids.DATA_ATTR_STATUS, className="small text-muted mt-1"),
                            html.Div(id=ids.DATA_REPORT, className="mt-2"),
                            dcc.Loading(
                                dcc.Graph(
                                    id=ids.DATA_SUMMARY_CHART,
                                    figure=figures.empty_figure("Upload a file to see its history"),
                                ),
                                type="dot",
                            ),
                            html.H5("Preview", className="mt-3"),
                            dag.AgGrid(
                                id=ids.DATA_PREVIEW,
                                rowData=[],
                                columnDefs=[],
                                dashGridOptions={
                                    "pagination": True,
                                    "paginationPageSize": 20,
                                    "paginationPageSizeSelector": False,
                                },
                                style={"height": "420px"},
                                className="ag-theme-alpine",
                            ),
                        ],
                        lg=8,
                    ),
                    dbc.Col([mapping, html.Div(className="mb-3"), create], lg=4),
                ]
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def columns_of(result: Any) -> list[str]:
    """Every column of the user's file that the mapping knows about, in a stable order."""
    mapping = result.mapping
    cols = [
        *mapping.id_cols,
        mapping.date_col,
        mapping.value_col,
        *mapping.flags,
        *mapping.attributes,
        *mapping.ignored,
    ]
    return list(dict.fromkeys(c for c in cols if c))


def problem_rows(problems: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "row": p.row,
            "column": p.column,
            "value": p.value,
            "problem": p.message,
            "fix": p.fix,
        }
        for p in problems
    ]


def report_panel(result: Any) -> dbc.Alert:
    rep = result.report
    start = "–" if rep.start is None else pd.Timestamp(rep.start).date().isoformat()
    end = "–" if rep.end is None else pd.Timestamp(rep.end).date().isoformat()
    items = [
        html.Li(
            f"{rep.series:,} series, {rep.periods:,} periods of {result.freq}, {start} to {end}"
        ),
        html.Li(
            f"{rep.rows_read:,} rows read; {rep.missing_periods_filled:,} missing periods filled with 0"
        ),
        html.Li(
            f"{rep.duplicates_summed:,} duplicate rows summed; {rep.negative_values:,} negative values"
        ),
        html.Li("Flags: " + (", ".join(result.flags) or "none")),
        html.Li(
            "Attributes: "
            + (", ".join(c for c in result.attributes.columns if c != "unique_id") or "none")
        ),
        *[html.Li(str(note)) for note in rep.notes],
    ]
    return dbc.Alert(
        [html.Strong("Validation report: the file is valid. "), html.Ul(items, className="mb-0")],
        color="success",
        id="data-report-ok",
    )


def problems_panel(filename: str, problems: list[Any]) -> html.Div:
    rows = problem_rows(problems)
    return html.Div(
        [
            dbc.Alert(
                [
                    html.Strong(f"Validation report: {len(rows)} problem(s) in {filename}. "),
                    "Nothing was stored. Fix the file (or the mapping) and upload it again.",
                ],
                color="danger",
                id="data-report-problems",
            ),
            dag.AgGrid(
                id="data-problems-grid",
                rowData=rows,
                columnDefs=[
                    {"field": "row", "width": 80},
                    {"field": "column", "width": 140},
                    {"field": "value", "width": 140},
                    {"field": "problem", "flex": 2, "wrapText": True, "autoHeight": True},
                    {"field": "fix", "flex": 2, "wrapText": True, "autoHeight": True},
                ],
                dashGridOptions={
                    "pagination": True,
                    "paginationPageSize": 10,
                    "paginationPageSizeSelector": False,
                },
                style={"height": "360px"},
                className="ag-theme-alpine",
            ),
        ]
    )


def preview_grid(history: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    head = history.head(PREVIEW_ROWS).copy()
    head["ds"] = head["ds"].dt.strftime("%Y-%m-%d")
    cols = [{"field": c, "headerName": c} for c in head.columns]
    return head.to_dict("records"), cols


def read_for_preview(
    content: bytes,
    filename: str,
    *,
    id_cols: list[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    attributes_file: bytes | None = None,
) -> tuple[Any, list[Any]]:
    """Ingest for the preview: (result, []) or (None, problems). Nothing is stored."""
    from forecast.services import plans as plan_service

    try:
        result = plan_service.read_file(
            content,
            filename=filename,
            id_cols=id_cols,
            date_col=date_col,
            value_col=value_col,
            freq=freq,
            attributes_file=attributes_file,
        )
    except plan_service.InvalidFile as exc:
        return None, exc.problems
    return result, []


# -- callbacks --------------------------------------------------------------------------------


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    # The size check runs in the browser, so a file over the limit never travels to the server
    # (dcc.Upload alone would drop it silently).
    app.clientside_callback(
        ClientsideFunction(namespace="forecast", function_name="checkUpload"),
        Output(ids.DATA_RAW, "data"),
        Output(ids.DATA_UPLOAD_STATUS, "children"),
        Input(ids.DATA_UPLOAD, "contents"),
        State(ids.DATA_UPLOAD, "filename"),
        State(ids.DATA_LIMIT, "data"),
        prevent_initial_call=True,
    )

    server = app.server

    @app.callback(
        Output(ids.DATA_FILE, "data", allow_duplicate=True),
        Output(ids.DATA_UPLOAD_STATUS, "children", allow_duplicate=True),
        Input(ids.DATA_USE_SAMPLE, "n_clicks"),
        prevent_initial_call=True,
    )
    def use_sample(_clicks: int | None) -> tuple[dict | NoUpdate, Any]:
        if not _clicks:  # layout insertion, not a click
            return no_update, no_update
        sales = uploads.save(ctx, server, SAMPLE_SALES.read_bytes(), SAMPLE_SALES.name)
        stores = uploads.save(ctx, server, SAMPLE_STORES.read_bytes(), SAMPLE_STORES.name)
        return (
            {
                "token": sales,
                "filename": SAMPLE_SALES.name,
                "attributes": {"token": stores},
                "freq": "W",
            },
            components.info_alert(
                f"Using the bundled sample {SAMPLE_SALES.name} with its store attributes, weekly."
            ),
        )

    @app.callback(
        Output(ids.DATA_ATTR_FILE, "data"),
        Output(ids.DATA_ATTR_STATUS, "children"),
        Input(ids.DATA_ATTR_UPLOAD, "contents"),
        State(ids.DATA_ATTR_UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    def stash_attributes(contents: str | None, filename: str | None) -> tuple:
        if not contents or not filename:
            return no_update, no_update
        try:
            content = uploads.decode(contents, filename, ctx.upload_limit_bytes, TOO_BIG_WHERE)
        except uploads.UploadRefused as exc:
            return None, html.Span(str(exc), className="text-danger", id="data-attr-too-big")
        token = uploads.save(ctx, server, content, filename)
        return {"token": token}, f"Attributes: {filename} (used on the next read)"

    @app.callback(
        Output(ids.DATA_FILE, "data", allow_duplicate=True),
        Output(ids.DATA_UPLOAD_STATUS, "children", allow_duplicate=True),
        Input(ids.DATA_RAW, "data"),
        prevent_initial_call=True,
    )
    def stash_upload(file: dict | None) -> tuple:
        # The browser sends the contents once; from then on the server works from its copy,
        # and the browser holds only a token of this session.
        if not isinstance(file, dict) or "contents" not in file:
            return no_update, no_update
        filename = str(file.get("filename") or "upload")
        try:
            content = uploads.decode(
                file["contents"], filename, ctx.upload_limit_bytes, TOO_BIG_WHERE
            )
        except uploads.UploadRefused as exc:
            return None, dbc.Alert(str(exc), color="danger", id="data-upload-too-big")
        token = uploads.save(ctx, server, content, filename)
        return {"token": token, "filename": filename}, no_update

    @app.callback(
        Output(ids.DATA_REPORT, "children"),
        Output(ids.DATA_SUMMARY_CHART, "figure"),
        Output(ids.DATA_PREVIEW, "rowData"),
        Output(ids.DATA_PREVIEW, "columnDefs"),
        Output(ids.DATA_MAP_ID, "options"),
        Output(ids.DATA_MAP_ID, "value"),
        Output(ids.DATA_MAP_DATE, "options"),
        Output(ids.DATA_MAP_DATE, "value"),
        Output(ids.DATA_MAP_VALUE, "options"),
        Output(ids.DATA_MAP_VALUE, "value"),
        Output(ids.DATA_TEAM_ATTR, "options"),
        Output(ids.DATA_TEAM_ATTR, "value"),
        Output(ids.DATA_MAP_FREQ, "value"),
        Input(ids.DATA_FILE, "data"),
        Input(ids.DATA_APPLY_MAPPING, "n_clicks"),
        State(ids.DATA_MAP_ID, "value"),
        State(ids.DATA_MAP_DATE, "value"),
        State(ids.DATA_MAP_VALUE, "value"),
        State(ids.DATA_MAP_FREQ, "value"),
        State(ids.DATA_ATTR_FILE, "data"),
        prevent_initial_call=True,
    )
    def preview(
        file: dict | None,
        _apply: int | None,
        id_cols: list[str] | None,
        date_col: str | None,
        value_col: str | None,
        freq: str | None,
        attributes_ref: dict | None,
    ) -> tuple:
        if not isinstance(file, dict) or "token" not in file:
            return (no_update,) * 13
        from dash import ctx as callback_ctx

        manual = callback_ctx.triggered_id == ids.DATA_APPLY_MAPPING
        freq = freq if manual else file.get("freq", "")
        try:
            sales, attributes = _resolve(ctx, server, file, attributes_ref)
        except NotFound as exc:
            return (components.error_alert(exc), *(no_update,) * 12)
        result, problems = read_for_preview(
            sales.content,
            sales.filename,
            id_cols=id_cols if manual else None,
            date_col=date_col if manual else None,
            value_col=value_col if manual else None,
            freq=freq or None,
            attributes_file=attributes.content if attributes else None,
        )
        if result is None:
            keep = no_update
            return (
                problems_panel(sales.filename, problems),
                figures.empty_figure("No history: the file has problems"),
                [],
                [],
                keep,
                keep,
                keep,
                keep,
                keep,
                keep,
                keep,
                keep,
                keep,
            )
        cols = components.options(columns_of(result))
        rows, col_defs = preview_grid(result.history)
        attrs = [c for c in result.attributes.columns if c != "unique_id"]
        team = next(
            (
                c
                for c in ("StoreType", "Region", "region", "Category", "category", "Dept")
                if c in attrs
            ),
            None,
        )
        return (
            report_panel(result),
            figures.history_chart(result.history),
            rows,
            col_defs,
            cols,
            list(result.mapping.id_cols),
            cols,
            result.mapping.date_col,
            cols,
            result.mapping.value_col,
            components.options(attrs),
            team,
            freq or "",
        )

    @app.callback(
        Output(ids.DATA_CREATE_RESULT, "children"),
        Output(ids.NAV_SESSION, "data", allow_duplicate=True),
        Output(ids.NAV_PLANS_CHANGED, "data", allow_duplicate=True),
        Input(ids.DATA_CREATE, "n_clicks"),
        State(ids.DATA_FILE, "data"),
        State(ids.DATA_PLAN_NAME, "value"),
        State(ids.DATA_HORIZON, "value"),
        State(ids.DATA_TEAM_ATTR, "value"),
        State(ids.DATA_MODEL, "value"),
        State(ids.DATA_MAP_ID, "value"),
        State(ids.DATA_MAP_DATE, "value"),
        State(ids.DATA_MAP_VALUE, "value"),
        State(ids.DATA_MAP_FREQ, "value"),
        State(ids.NAV_PLANS_CHANGED, "data"),
        State(ids.DATA_ATTR_FILE, "data"),
        State(ids.DATA_CURRENCY, "value"),
        background=True,
        running=[
            (Output(ids.DATA_CREATE, "disabled"), True, False),
            (Output(ids.DATA_CANCEL, "disabled"), False, True),
        ],
        progress=[Output(ids.DATA_PROGRESS, "value"), Output(ids.DATA_PROGRESS, "label")],
        cancel=[Input(ids.DATA_CANCEL, "n_clicks")],
        prevent_initial_call=True,
    )
    def create_plan(
        set_progress: Any,
        _clicks: int | None,
        file: dict | None,
        name: str | None,
        horizon: int | None,
        team_attr: str | None,
        model: str | None,
        id_cols: list[str] | None,
        date_col: str | None,
        value_col: str | None,
        freq: str | None,
        changed: int | None,
        attributes_ref: dict | None,
        currency: str | None = "EUR",
    ) -> tuple:
        if not _clicks:
            return no_update, no_update, no_update
        from forecast.services import plans as plan_service

        if not isinstance(file, dict) or "token" not in file:
            return components.info_alert("Upload a file first."), no_update, no_update
        try:
            sales, attributes = _resolve(ctx, server, file, attributes_ref)
        except NotFound as exc:
            return components.error_alert(exc), no_update, no_update

        def report(fraction: float, message: str) -> None:
            set_progress((round(fraction * 100), message))

        # Runs in a child process: open a store of its own. The creator is the signed-in user,
        # who becomes the plan's owner.
        store = ctx.fresh_store()
        creator = components.acting_user(None, ctx)
        state, alert = components.call_service(
            lambda: plan_service.create_plan(
                store,
                name=name or "",
                source=sales.content,
                filename=sales.filename,
                horizon=int(horizon or 0),
                team_attr=team_attr or None,
                actor=(creator or "").strip(),
                attributes_file=attributes.content if attributes else None,
                freq=freq or None,
                currency=currency or None,
                id_cols=id_cols or None,
                date_col=date_col or None,
                value_col=value_col or None,
                model=model or "auto",
                progress=report,
            )
        )
        if alert is not None:
            return alert, no_update, no_update
        for used in (file, _attributes_ref(file, attributes_ref)):
            uploads.discard(ctx, server, used)  # used: the plan holds the data now
        models = ", ".join(f"{m}: {n}" for m, n in state.baseline.models_used.items())
        message = html.Div(
            components.success_alert(
                f"Plan {state.name!r} created ({state.dataset.n_series:,} series, horizon "
                f"{state.horizon}; models {models}). It is now selected above."
            ),
            id="data-create-ok",
        )
        return message, {"plan_id": state.plan_id}, (changed or 0) + 1


# -- uploads kept on the server between callbacks ----------------------------------------------


def _attributes_ref(file: dict, attributes_ref: Any) -> Any:
    """The attributes upload: the sample's own, else the one dropped beside the sales file."""
    return file.get("attributes") or attributes_ref


def _resolve(ctx: DashboardContext, server: Any, file: dict, attributes_ref: Any) -> tuple:
    """(sales upload, attributes upload or None) of this session; NotFound otherwise."""
    sales = uploads.resolve(ctx, server, file)
    ref = _attributes_ref(file, attributes_ref)
    return sales, (uploads.resolve(ctx, server, ref) if ref else None)
