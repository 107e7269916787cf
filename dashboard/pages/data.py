"""Page 1, Data: upload a sales file, check the detected mapping and the validation report (the
page asks when it cannot tell which column holds the sales), add a store table for the teams,
see the history, and create a plan (the baseline runs as a background callback). The parts live
in ``dashboard/data_parts/``; this module assembles them."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from dashboard import components
from dashboard.context import DashboardContext
from dashboard.data_parts import create, like, preview, upload
from dashboard.data_parts import layout as parts

PATH = "/"
NAME = "Data"
REDIRECT_FROM = ("/data",)  # the address people type after seeing the page's name

HOW_TO_READ = (
    "drop a sales file (one row per date and series), check which columns became the series "
    "key, the date and the value (when no column is clearly the sales, the page asks you to pick "
    "it), fix every problem the report lists, add a store table when the file has no column that "
    "groups its series into teams, then create a plan (for next week's, pick it under 'Like an "
    "earlier plan': its settings, members and events come along): the baseline is computed in "
    "the background and the plan appears in the bar above."
)


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            *parts.stores(ctx),
            dbc.Row(
                [
                    dbc.Col(parts.upload_column(ctx), lg=8),
                    dbc.Col(
                        [
                            parts.mapping_card(),
                            html.Div(className="mb-3"),
                            parts.create_card(*components.browser_currency_choice()),
                        ],
                        lg=4,
                    ),
                ]
            ),
        ]
    )


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    for part in (upload, preview, create, like):
        part.register(app, ctx)
