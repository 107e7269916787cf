"""The components of the System plan page, part by part (ids in dashboard/ids.py)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import components, figures, ids
from dashboard.system import event_file
from dashboard.system.columns import deviation_columns, event_columns, factor_columns, team_columns
from dashboard.system.view import EXPLAIN_SELECTED, PLAIN_PLACEHOLDER, SELECTED_ROWS
from forecast.services.types import EFFECTS, EVENT_KINDS, REASON_CODES

FACTORS_HOW_TO = (
    "When something changed that the history cannot show yet (a product became a hit, a "
    "category is now promoted), mark the series from the date it started: they are re-forecast "
    "with that marker, and the table keeps their baseline before, after, and from the same model "
    "without the marker, so you check the new numbers instead of guessing them."
)


def labelled(label: str, control: Any, **col: Any) -> dbc.Col:
    """A form column whose label is linked to its control (for screen readers and clicks)."""
    return dbc.Col([dbc.Label(label, html_for=control.id), control], **col)


def action_column(label: str, button_id: str) -> dbc.Col:
    """A form's action button, at the end of its row and level with the inputs' boxes."""
    return dbc.Col(
        dbc.Button(label, id=button_id, color="primary", className="w-100"),
        md=3,
        className="d-flex align-items-end",
    )


def form_card(title: str | None, *body: Any) -> dbc.Card:
    """A form in a card: its title (if any), its rows, and the notes under them."""
    heading = [html.H3(title, className="h5 card-title")] if title else []
    return dbc.Card(dbc.CardBody([*heading, *body]), className="mb-2")


def hidden_label(text: str, control_id: str) -> dbc.Label:
    """A label only screen readers see, for controls whose purpose the layout already shows."""
    return dbc.Label(text, html_for=control_id, className="visually-hidden")


def overview() -> list[Any]:
    """Totals, the level picker and the fan chart, the per-team grid."""
    return [
        dcc.Store(id=ids.SYS_REFRESH, data=0),
        dcc.Store(id=ids.SYS_PLANS_CHANGED, data=0),
        dcc.Store(id=ids.SYS_VERSION),
        html.Div(id=ids.SYS_ALERT),
        dbc.Row(id=ids.SYS_TOTALS, className="g-2 mb-3"),
        dbc.Row(
            [
                dbc.Col(
                    components.named_group(
                        "Show the chart for",
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
                    ),
                    md=5,
                ),
                dbc.Col(
                    [
                        hidden_label("Team or series to show", ids.SYS_DRILL),
                        dcc.Dropdown(
                            id=ids.SYS_DRILL,
                            placeholder="pick a team or series",
                            disabled=True,
                            searchable=True,
                        ),
                    ],
                    md=4,
                ),
            ],
            className="mb-1",
        ),
        components.described_chart(
            "Baseline and system plan over the horizon",
            dcc.Graph(
                id=ids.SYS_FAN,
                figure=figures.empty_figure("Pick a plan"),
                style={"height": "420px"},
            ),
            loading=True,
        ),
        html.Div(id=ids.SYS_FAN_MODELS, className="small text-muted mb-2"),
        html.H2("Per team: system plan against the baseline over the horizon", className="h5 mt-2"),
        dag.AgGrid(
            id=ids.SYS_TEAM_GRID,
            rowData=[],
            columnDefs=team_columns(),
            getRowId="params.data.team",
            defaultColDef={"resizable": True, "sortable": True},
            dashGridOptions={
                **components.GRID_ONE_TAB_STOP,
                "domLayout": "autoHeight",
                "suppressColumnVirtualisation": True,
            },
            className="ag-theme-alpine",
        ),
    ]


def add_event_form() -> dbc.Card:
    first = dbc.Row(
        [
            labelled(
                "Name", dbc.Input(id=ids.SYS_EVENT_NAME, placeholder="Summer promotion"), md=3
            ),
            labelled(
                "Kind",
                dcc.Dropdown(
                    id=ids.SYS_EVENT_KIND,
                    options=components.options(EVENT_KINDS),
                    value="promotion",
                    clearable=False,
                ),
                md=2,
            ),
            labelled(
                "Scope",
                dbc.Input(
                    id=ids.SYS_EVENT_SCOPE,
                    placeholder="all, StoreType=a, or ids=1,2,3",
                    debounce=True,
                ),
                md=3,
            ),
            labelled("From", dcc.Dropdown(id=ids.SYS_EVENT_START, clearable=False), md=2),
            labelled("To", dcc.Dropdown(id=ids.SYS_EVENT_END, clearable=False), md=2),
        ],
        className="g-2",
    )
    second = dbc.Row(
        [
            labelled(
                "Effect",
                dcc.Dropdown(
                    id=ids.SYS_EVENT_EFFECT,
                    options=components.options(EFFECTS),
                    value="percent",
                    clearable=False,
                ),
                md=2,
            ),
            labelled(
                "Value (in the plan's values; percent for percent)",
                # text, read as the CLI reads it (12,5 is 12.5); a number box drops the comma
                dbc.Input(id=ids.SYS_EVENT_VALUE, placeholder=PLAIN_PLACEHOLDER),
                md=2,
            ),
            labelled(
                "Reason",
                dbc.Input(id=ids.SYS_EVENT_REASON, placeholder="why the model cannot know"),
                md=5,
            ),
            action_column("Add event", ids.SYS_EVENT_ADD),
        ],
        className="g-2 mt-1",
    )
    return form_card(
        "Add an event",
        first,
        second,
        html.Div(id=ids.SYS_EVENT_SUGGESTION, className="small mt-2"),
        html.Div(id=ids.SYS_ROLE_EVENTS),
    )


def events_section() -> list[Any]:
    """The add form, the events grid (click a row to select it) and its remove button."""
    return [
        html.H2("Events", className="h4 mt-3"),
        html.P(id=ids.SYS_RULE, className="small text-muted"),
        add_event_form(),
        html.Div(
            [
                html.Div(event_file.zone(), className="flex-grow-1"),
                event_file.shift_field(),
                *event_file.download_buttons(),
                dcc.Download(id=ids.SYS_EVENTS_DOWNLOAD),
            ],
            className="d-flex flex-wrap align-items-center gap-2 mt-2 mb-2",
        ),
        html.Div(id=ids.SYS_EVENTS_FILE_ALERT),
        dag.AgGrid(
            id=ids.SYS_EVENTS_GRID,
            rowData=[],
            columnDefs=event_columns(),
            getRowId="params.data.event_id",
            defaultColDef={"resizable": True, "sortable": True},
            dashGridOptions={
                **components.GRID_ONE_TAB_STOP,
                # AG Grid 32+ selection API: a click on the row (or its checkbox) selects it.
                "rowSelection": {
                    "mode": "singleRow",
                    "checkboxes": True,
                    "enableClickSelection": True,
                },
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
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Remove this event?")),
                dbc.ModalBody(id=ids.SYS_REMOVE_QUESTION),
                dbc.ModalFooter(
                    [
                        dbc.Button("Keep it", id=ids.SYS_REMOVE_CANCEL, color="secondary"),
                        dbc.Button("Remove", id=ids.SYS_REMOVE_CONFIRM, color="danger"),
                    ]
                ),
            ],
            id=ids.SYS_REMOVE_DIALOG,
            is_open=False,
        ),
        html.Div(
            [
                html.Span("Removed by mistake? ", className="small"),
                dbc.Button("Undo the removal", id=ids.SYS_UNDO, color="link", size="sm"),
            ],
            id=ids.SYS_UNDO_AREA,
            hidden=True,
        ),
        dcc.Store(id=ids.SYS_REMOVED),
    ]


def threshold_control() -> html.Div:
    return html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.InputGroupText(
                        dbc.Label("Threshold", html_for=ids.SYS_THRESHOLD, className="mb-0")
                    ),
                    # No min/max/step: the browser would send nothing for 0, 12.5 or 1000,
                    # and the server could not say the range (more than 0, at most 100 %).
                    dbc.Input(
                        id=ids.SYS_THRESHOLD,
                        type="number",
                        step="any",
                        placeholder="1-100",
                    ),
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
            labelled("Factor", dbc.Input(id=ids.SYS_FACTOR_NAME, placeholder="became a hit"), md=3),
            labelled(
                "Series",
                dbc.Input(
                    id=ids.SYS_FACTOR_SCOPE, placeholder="StoreType=b, or ids=1,2,3", debounce=True
                ),
                md=3,
            ),
            # a day on a daily or weekly plan; on a quarterly or monthly one the history's
            # periods by name (`view.SetupOutputs.factor_periods`)
            dbc.Col(
                [
                    html.Div(
                        [
                            dbc.Label(
                                "Since (a date in the history)", html_for=ids.SYS_FACTOR_START
                            ),
                            dbc.Input(id=ids.SYS_FACTOR_START, type="date"),
                        ],
                        id=ids.SYS_FACTOR_DAY_AREA,
                    ),
                    html.Div(
                        [
                            dbc.Label(
                                "Since (a period of the history)", html_for=ids.SYS_FACTOR_PERIOD
                            ),
                            dcc.Dropdown(id=ids.SYS_FACTOR_PERIOD, placeholder="pick a period"),
                        ],
                        id=ids.SYS_FACTOR_PERIOD_AREA,
                        hidden=True,
                    ),
                ],
                md=3,
            ),
            action_column("Mark and re-forecast", ids.SYS_FACTOR_MARK),
        ],
        className="g-2",
    )
    return html.Div(
        [
            html.H2("New factors", className="h4 mt-4"),
            html.P(FACTORS_HOW_TO, className="small text-muted"),
            form_card(None, form, html.Div(id=ids.SYS_ROLE_FACTOR)),
            dcc.Loading(html.Div(id=ids.SYS_FACTOR_ALERT), type="dot"),
            dag.AgGrid(
                id=ids.SYS_FACTORS_GRID,
                rowData=[],
                columnDefs=factor_columns(),
                getRowId="params.data.factor_id",
                defaultColDef={
                    "resizable": True,
                    "sortable": True,
                    "flex": 1,
                    "minWidth": 100,
                    # "Same model, no marker" and the like read whole on a tablet
                    "wrapHeaderText": True,
                    "autoHeaderHeight": True,
                },
                dashGridOptions={**components.GRID_ONE_TAB_STOP, "domLayout": "autoHeight"},
                className="ag-theme-alpine",
            ),
        ]
    )


def gate_section() -> list[Any]:
    """The threshold, the gate's verdict, the deviations grid, explaining, publishing."""
    explain_row = dbc.Row(
        [
            dbc.Col(
                [
                    hidden_label("Which deviations to explain", ids.SYS_EXPLAIN_EVENT),
                    dcc.Dropdown(
                        id=ids.SYS_EXPLAIN_EVENT,
                        options=[EXPLAIN_SELECTED],
                        value=SELECTED_ROWS,
                        clearable=False,
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    hidden_label("Reason code", ids.SYS_EXPLAIN_CODE),
                    dcc.Dropdown(
                        id=ids.SYS_EXPLAIN_CODE,
                        options=[
                            {"label": label, "value": code} for code, label in REASON_CODES.items()
                        ],
                        placeholder="reason code",
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    hidden_label("Explanation", ids.SYS_EXPLAIN_TEXT),
                    dbc.Input(id=ids.SYS_EXPLAIN_TEXT, placeholder="what happens in these periods"),
                ],
                md=5,
            ),
            dbc.Col(
                dbc.Button("Explain", id=ids.SYS_EXPLAIN, color="secondary", className="w-100"),
                md=2,
            ),
        ],
        className="g-2 mt-2",
    )
    return [
        html.H2("Deviations that need a reason", className="h4 mt-4"),
        threshold_control(),
        html.Div(id=ids.SYS_GATE),
        dag.AgGrid(
            id=ids.SYS_DEVIATIONS_GRID,
            rowData=[],
            columnDefs=deviation_columns(),
            getRowId="params.data.cell",
            defaultColDef={"resizable": True, "sortable": True, "filter": True},
            dashGridOptions={
                **components.GRID_ONE_TAB_STOP,
                "rowSelection": {"mode": "multiRow", "checkboxes": True},
                "pagination": True,
                "paginationPageSize": 15,
                "paginationPageSizeSelector": False,
                "stopEditingWhenCellsLoseFocus": True,
            },
            style={"height": "420px"},
            className="ag-theme-alpine",
        ),
        explain_row,
        html.Div(id=ids.SYS_ROLE_EXPLAIN),
        html.Div(
            [
                dbc.Button(
                    "Publish the system plan", id=ids.SYS_PUBLISH, color="success", className="mt-4"
                ),
                html.Div(id=ids.SYS_ROLE_PUBLISH),
            ]
        ),
    ]
