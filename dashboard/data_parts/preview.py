"""Reading the uploaded file and showing what it holds: the report (or the problems, or the
question for the sales column), the history, the first rows and the detected mapping.

A new file is read with its columns detected (and the week dates and decimal mark chosen).
Picking the value column, dropping a store table or pressing Apply mapping reads it again at once
with the mapping as it stands on the page."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State
from dash import ctx as callback_ctx

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.data_parts import upload, view
from dashboard.wiring import bind
from forecast.services import file_check
from forecast.services.errors import NotFound

OUTPUTS = (
    Output(ids.DATA_REPORT, "children"),
    Output(ids.DATA_SUMMARY_CHART, "figure"),
    Output(ids.DATA_PREVIEW_BOX, "children"),
    Output(ids.DATA_MAP_ID, "options"),
    Output(ids.DATA_MAP_ID, "value"),
    Output(ids.DATA_MAP_DATE, "options"),
    Output(ids.DATA_MAP_DATE, "value"),
    Output(ids.DATA_MAP_VALUE, "options"),
    Output(ids.DATA_MAP_VALUE, "value"),
    Output(ids.DATA_TEAM_ATTR, "options"),
    Output(ids.DATA_TEAM_ATTR, "value"),
    Output(ids.DATA_MAP_FREQ, "value"),
    Output(ids.DATA_UPLOAD_STATUS, "children", allow_duplicate=True),
    Output(ids.DATA_CREATE_HINT, "children"),
    Output(ids.DATA_FILE_READ, "data"),
    Output(ids.DATA_CURRENCY_SIGN, "data"),
    Output(ids.DATA_MAP_WEEK_DATES_AREA, "hidden"),
    Output(ids.DATA_HORIZON, "value"),
    Output(ids.DATA_HORIZON_OFFERED, "data"),
)


def read_options(
    trigger: Any,
    file: dict,
    id_cols: list[str] | None,
    date_col: str | None,
    value_col: str | None,
    freq: str | None,
    week_dates: str | None = None,
    decimal: str | None = None,
) -> dict[str, Any]:
    """`check_file`'s options: a new file is read with its columns detected (at the frequency the
    sample comes with), with the week dates and decimal mark chosen on the page, which plan
    creation uses too; any other trigger keeps the mapping as it stands on the page."""
    if trigger == ids.DATA_FILE:
        return {
            "freq": file.get("freq") or None,
            "week_dates": week_dates or "start",
            "decimal": decimal_mark(decimal),
        }
    return {
        "id_cols": id_cols or None,
        "date_col": date_col or None,
        "value_col": value_col or None,
        "freq": freq or None,
        "week_dates": week_dates or "start",
        "decimal": decimal_mark(decimal),
    }


def decimal_mark(value: Any) -> str | None:
    """The reader's ``decimal`` from the page's choice (anything else the browser sends: detect)."""
    return value if value in (".", ",") else None


def preview(
    ctx: DashboardContext,
    file,
    _apply,
    dropped,
    value_col,
    id_cols,
    date_col,
    freq,
    week_dates,
    decimal=None,
    horizon=None,
    last_offered=None,
) -> tuple:
    if not upload.has_file(file):
        return view.NOTHING
    options = read_options(
        callback_ctx.triggered_id, file, id_cols, date_col, value_col, freq, week_dates, decimal
    )
    try:
        sales, attributes = upload.files_of(ctx, file, dropped)
    except NotFound as exc:
        return view.refused(components.error_alert(exc))
    check = file_check.check_file(
        sales.content, **upload.file_arguments(sales, attributes), **options
    )
    return view.preview_outputs(
        check,
        options["freq"],
        sample=bool(file.get("sample")),
        picked=options.get("value_col"),
        new_file=callback_ctx.triggered_id == ids.DATA_FILE,
        horizon=horizon,
        last_offered=last_offered,
    )


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        preview,
        *OUTPUTS,
        Input(ids.DATA_FILE, "data"),
        Input(ids.DATA_APPLY_MAPPING, "n_clicks"),
        Input(ids.DATA_ATTR_FILE, "data"),
        Input(ids.DATA_MAP_VALUE, "value"),
        State(ids.DATA_MAP_ID, "value"),
        State(ids.DATA_MAP_DATE, "value"),
        State(ids.DATA_MAP_FREQ, "value"),
        State(ids.DATA_MAP_WEEK_DATES, "value"),
        State(ids.DATA_MAP_DECIMAL, "value"),
        State(ids.DATA_HORIZON, "value"),
        State(ids.DATA_HORIZON_OFFERED, "data"),
        prevent_initial_call=True,
    )
