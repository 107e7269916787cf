"""Page: Side by side."""

from __future__ import annotations

from typing import Any

from dash import Dash, html

from dashboard import components
from dashboard.context import DashboardContext

PATH = "/side-by-side"
NAME = "Side by side"
HOW_TO_READ = ""


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div([components.page_header(NAME, HOW_TO_READ)])


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    return None
