"""The components of the Data page: the upload column (sales file, sample, store table, report,
history, preview), the column mapping card and the create-a-plan card. Every input has a label
linked to it (`html_for`), so screen readers name each field."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from forecast.services import file_check, model_names
from forecast.services.plan_checks import MAX_HORIZON

OFFERED_HORIZON = file_check.default_horizon("W")  # offered before a file says its frequency
MODELS = ("auto", "snaive", "ets", "theta", "arima", "prophet", "lightgbm")
FREQS = (("auto-detect", ""), ("day", "D"), ("week", "W"), ("month", "M"), ("quarter", "Q"))
WEEK_DATES = (
    ("the week's first day", "start"),
    ("the week's last day (week ending, as US retail files)", "end"),
)
DECIMALS = (
    ("detected from the file", ""),
    ("'.' (44.537 is 44.537)", "."),
    ("',' ('.' groups thousands: 44.537 is 44537)", ","),
)


def stores(ctx: DashboardContext) -> list[dcc.Store]:
    return [
        dcc.Store(id=ids.DATA_RAW),
        dcc.Store(id=ids.DATA_FILE),
        dcc.Store(id=ids.DATA_FILE_READ),
        dcc.Store(id=ids.DATA_CURRENCY_SIGN),
        dcc.Store(id=ids.DATA_ATTR_FILE),
        dcc.Store(id=ids.DATA_CREATED),
        dcc.Store(id=ids.DATA_LIMIT, data=ctx.upload_limit_bytes),
    ]


def upload_column(ctx: DashboardContext) -> list:
    limit_mb = ctx.upload_limit_bytes / 1024 / 1024
    return [
        components.upload_zone(
            ids.DATA_UPLOAD,
            "Drag and drop a sales file here, or click to choose one",
            f"CSV (any separator, encoding, decimal mark; .gz too), Parquet or XLSX · "
            f"up to {limit_mb:,.0f} MB",
        ),
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
        components.upload_zone(
            ids.DATA_ATTR_UPLOAD,
            "Store table (optional): drop a series attributes file here",
            "One row per series key (e.g. Store) with grouping columns such as StoreType or "
            "Region; it gives the teams and is joined to the sales at once.",
            padding="10px",
        ),
        html.Div(id=ids.DATA_ATTR_STATUS, className="small text-muted mt-1"),
        html.Div(id=ids.DATA_REPORT, className="mt-2"),
        components.described_chart(
            "History of the uploaded sales",
            dcc.Graph(
                id=ids.DATA_SUMMARY_CHART,
                figure=figures.empty_figure("Upload a file to see its history"),
            ),
            loading=True,
        ),
        html.Div(id=ids.DATA_PREVIEW_BOX, className="mt-3"),
    ]


def _field(label: str, control, component_id: str, first: bool = False) -> list:
    return [dbc.Label(label, html_for=component_id, className="" if first else "mt-2"), control]


def mapping_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Column mapping", className="h5 card-title"),
                html.P(
                    "Detected from the file. Picking the value column reads the file again at "
                    "once; after changing the key, the date or the frequency, press Apply mapping.",
                    className="small text-muted",
                ),
                *_field(
                    "Series key (one or more columns)",
                    dcc.Dropdown(
                        id=ids.DATA_MAP_ID, multi=True, placeholder="Detected from the file"
                    ),
                    ids.DATA_MAP_ID,
                    first=True,
                ),
                *_field(
                    "Date",
                    dcc.Dropdown(id=ids.DATA_MAP_DATE, placeholder="Detected from the file"),
                    ids.DATA_MAP_DATE,
                ),
                *_field(
                    "Value (sales)",
                    dcc.Dropdown(id=ids.DATA_MAP_VALUE, placeholder="Pick the sales column"),
                    ids.DATA_MAP_VALUE,
                ),
                *_field(
                    "Frequency",
                    dcc.Dropdown(
                        id=ids.DATA_MAP_FREQ,
                        options=[{"label": label, "value": value} for label, value in FREQS],
                        value="",
                        clearable=False,
                    ),
                    ids.DATA_MAP_FREQ,
                ),
                # shown before a file is read and for a weekly one: on a file of days, months
                # or quarters week dates mean nothing (`view.week_dates_hidden`)
                html.Div(
                    _field(
                        "A weekly file's date marks",
                        dcc.Dropdown(
                            id=ids.DATA_MAP_WEEK_DATES,
                            options=[
                                {"label": label, "value": value} for label, value in WEEK_DATES
                            ],
                            value="start",
                            clearable=False,
                        ),
                        ids.DATA_MAP_WEEK_DATES,
                    ),
                    id=ids.DATA_MAP_WEEK_DATES_AREA,
                ),
                *_field(
                    "Decimal mark of the sales column",
                    dcc.Dropdown(
                        id=ids.DATA_MAP_DECIMAL,
                        options=[{"label": label, "value": value} for label, value in DECIMALS],
                        value="",
                        clearable=False,
                    ),
                    ids.DATA_MAP_DECIMAL,
                ),
                dbc.Button(
                    "Apply mapping", id=ids.DATA_APPLY_MAPPING, className="mt-3", color="secondary"
                ),
            ]
        )
    )


def create_card(currency: str = components.FALLBACK_CURRENCY, why: str | None = None) -> dbc.Card:
    """The create form; `why` says under the currency where its first choice came from."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Create a plan", className="h5 card-title"),
                *_field(
                    "Plan name",
                    dbc.Input(
                        id=ids.DATA_PLAN_NAME, value=f"Sales plan {datetime.now(UTC):%Y-%m-%d}"
                    ),
                    ids.DATA_PLAN_NAME,
                    first=True,
                ),
                *_field(
                    "Like an earlier plan (optional: its settings, members and events)",
                    dcc.Dropdown(id=ids.DATA_LIKE, placeholder="none: a plan of the file alone"),
                    ids.DATA_LIKE,
                ),
                html.Div(id=ids.DATA_LIKE_HINT, className="small text-muted mt-1"),
                *_field(
                    "Horizon (periods)",
                    dbc.Input(
                        id=ids.DATA_HORIZON,
                        type="number",
                        min=1,
                        max=MAX_HORIZON,
                        value=OFFERED_HORIZON,
                    ),
                    ids.DATA_HORIZON,
                ),
                dcc.Store(id=ids.DATA_HORIZON_OFFERED, data=OFFERED_HORIZON),
                *_field(
                    "Team dimension (attribute that groups series into teams)",
                    dcc.Dropdown(
                        id=ids.DATA_TEAM_ATTR, placeholder="none: one team for all series"
                    ),
                    ids.DATA_TEAM_ATTR,
                ),
                *_field(
                    "Model",
                    dcc.Dropdown(
                        id=ids.DATA_MODEL,
                        options=[
                            {"label": f"{m} ({model_names.SHORT_NAMES[m]})", "value": m}
                            for m in MODELS
                        ],
                        value="auto",
                        clearable=False,
                    ),
                    ids.DATA_MODEL,
                ),
                *_field(
                    "Currency (amounts are shown and typed in it)",
                    dcc.Dropdown(
                        id=ids.DATA_CURRENCY,
                        options=components.currency_options(currency),
                        value=currency,
                        clearable=False,
                    ),
                    ids.DATA_CURRENCY,
                ),
                dcc.Store(id=ids.DATA_CURRENCY_SET, data=currency),
                html.Div(why, id=ids.DATA_CURRENCY_HINT, className="small text-muted mt-1"),
                html.Div(
                    "You (the signed-in user) become the plan's owner and planner; add team leads "
                    "on the Plans page.",
                    className="small text-muted mt-2",
                ),
                html.Div(id=ids.DATA_CREATE_HINT, className="mt-2"),
                html.Div(
                    [
                        dbc.Button("Create plan", id=ids.DATA_CREATE, color="primary"),
                        dbc.Button("Cancel", id=ids.DATA_CANCEL, color="link"),
                    ],
                    className="mt-3 d-flex gap-2",
                ),
                progress_bar(),
                html.Div(id=ids.DATA_CREATE_RESULT, className="mt-2"),
            ]
        )
    )


def progress_bar() -> html.Div:
    """A native progress bar with a name, and its step written in full below it (a label inside
    the bar would be clipped while the bar is short)."""
    return html.Div(
        [
            html.Progress(
                id=ids.DATA_PROGRESS,
                value="0",
                max="100",
                title="Plan creation progress",
                className="w-100",
            ),
            html.Div(id=ids.DATA_PROGRESS_TEXT, className="small text-muted", role="status"),
        ],
        className="mt-3",
    )
