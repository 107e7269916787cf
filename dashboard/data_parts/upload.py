"""Uploads of the Data page, kept on the server: the sales file (size checked in the browser, then
on the server), the store table (series attributes) and the bundled sample. The browser holds
only tokens of this session (``dashboard.uploads``)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, html, no_update

from dashboard import components, ids, uploads
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services.demo import SAMPLE_CURRENCY, SAMPLE_SALES, SAMPLE_STORES
from forecast.services.uploads import GONE_REFUSED, GONE_REPLACED, GONE_USED, GONE_USED_SAMPLE

TOO_BIG_WHERE = "load it from the command line with `forecast plan create FILE`"


def has_file(file: Any) -> bool:
    return isinstance(file, dict) and "token" in file


def attributes_ref(file: dict, dropped: Any) -> Any:
    """The store table: the sample's own, else the one dropped beside the sales file."""
    return file.get("attributes") or dropped


def files_of(ctx: DashboardContext, file: dict, dropped: Any) -> tuple[Any, Any]:
    """(sales upload, store table upload or None) of this session; NotFound otherwise."""
    sales = uploads.resolve(ctx, file)
    ref = attributes_ref(file, dropped)
    return sales, (uploads.resolve(ctx, ref) if ref else None)


def file_arguments(sales: Any, attributes: Any) -> dict[str, Any]:
    """The uploads' names and the store table, as the services' keyword arguments."""
    return {
        "filename": sales.filename,
        "attributes_file": attributes.content if attributes else None,
        "attributes_filename": attributes.filename if attributes else None,
    }


def discard_used(ctx: DashboardContext, file: dict) -> None:
    """The plan holds the data now: the sales file it was made from goes (with the sample's own
    store table). A store table dropped beside it stays: the page still shows it joined, and a
    second plan made from the next file joins it again (it is small)."""
    why = GONE_USED_SAMPLE if file.get("sample") else GONE_USED
    for used in (file, file.get("attributes")):
        uploads.discard(ctx, used, why)


def discard_replaced(ctx: DashboardContext, replaced: Any, why: str = GONE_REPLACED) -> None:
    """The server's copy of the file the page held before (and the sample's own store table
    with it): the page now holds another, so nothing refers to it any more. Only this
    session's token resolves (`uploads.discard`); a store table dropped beside it stays, since
    the page still joins it to the next file. `why`: `GONE_REFUSED` where what was to replace
    it was refused (the page then holds none)."""
    if isinstance(replaced, dict):
        for ref in (replaced, replaced.get("attributes")):
            uploads.discard(ctx, ref, why)


def use_sample(
    ctx: DashboardContext, clicks: int | None, replaced: Any = None
) -> tuple[Any, Any, Any, Any]:
    """The bundled sample, in its own currency (put in the form by the page, not the planner:
    a sign on a file uploaded next may still change it). The file the page held (`replaced`)
    leaves the server, also when the sample is refused (the page then holds none, and nothing
    of the sample is left behind)."""
    if not clicks:  # layout insertion, not a click
        return no_update, no_update, no_update, no_update
    sales = None
    try:
        sales = uploads.save(ctx, SAMPLE_SALES.read_bytes(), SAMPLE_SALES.name)
        stores = uploads.save(ctx, SAMPLE_STORES.read_bytes(), SAMPLE_STORES.name)
    except uploads.UploadRefused as exc:  # no room on the server's disk
        uploads.discard(ctx, {"token": sales})
        discard_replaced(ctx, replaced, GONE_REFUSED)
        return None, dbc.Alert(str(exc), color="danger"), no_update, no_update
    discard_replaced(ctx, replaced)
    file = {
        "token": sales,
        "filename": SAMPLE_SALES.name,
        "attributes": {"token": stores},
        "freq": "W",
        "sample": True,
    }
    note = f"Using the bundled sample {SAMPLE_SALES.name} with its store table, weekly, in {SAMPLE_CURRENCY}."
    return file, components.info_alert(note), SAMPLE_CURRENCY, SAMPLE_CURRENCY


def stash_upload(ctx: DashboardContext, file: Any, replaced: Any = None) -> tuple[Any, Any]:
    """The browser sends the contents once; from then on the server works from its copy. The
    file the page held before (`replaced`) leaves the server, also when the new one is refused
    (the page then holds none)."""
    if not isinstance(file, dict) or "contents" not in file:
        return no_update, no_update
    filename = str(file.get("filename") or uploads.UNNAMED_FILE)
    try:
        content = uploads.decode(file["contents"], filename, ctx.upload_limit_bytes, TOO_BIG_WHERE)
        token = uploads.save(ctx, content, filename)
    except uploads.UploadRefused as exc:
        discard_replaced(ctx, replaced, GONE_REFUSED)
        return None, dbc.Alert(str(exc), color="danger", id=ids.DATA_UPLOAD_TOO_BIG)
    discard_replaced(ctx, replaced)
    return {"token": token, "filename": filename}, no_update


def stash_attributes(
    ctx: DashboardContext, contents: str | None, filename: str | None, replaced: Any = None
) -> tuple[Any, Any, Any]:
    """The store table kept on the server; the upload then forgets the contents, so that the
    same file dropped again (say, after the sales file changed) is read again. The store table
    dropped before (`replaced`) leaves the server, also when the new one is refused."""
    if not contents or not filename:
        return no_update, no_update, no_update
    try:
        content = uploads.decode(contents, filename, ctx.upload_limit_bytes, TOO_BIG_WHERE)
        token = uploads.save(ctx, content, filename)
    except uploads.UploadRefused as exc:
        uploads.discard(ctx, replaced, GONE_REFUSED)
        refused = html.Span(str(exc), className="text-danger", id=ids.DATA_ATTR_TOO_BIG)
        return None, refused, None
    uploads.discard(ctx, replaced, GONE_REPLACED)
    return {"token": token}, f"Store table: {filename}, joined on the series key.", None


def register(app: Dash, ctx: DashboardContext) -> None:
    # The size check runs in the browser, so a file over the limit never travels to the server
    # (dcc.Upload alone would drop it silently). It clears the upload's contents once read: the
    # same file dropped again is then a change, and is read again.
    app.clientside_callback(
        ClientsideFunction(namespace="forecast", function_name="checkUpload"),
        Output(ids.DATA_RAW, "data"),
        Output(ids.DATA_UPLOAD_STATUS, "children"),
        Output(ids.DATA_UPLOAD, "contents"),
        Input(ids.DATA_UPLOAD, "contents"),
        State(ids.DATA_UPLOAD, "filename"),
        State(ids.DATA_LIMIT, "data"),
        prevent_initial_call=True,
    )
    file = Output(ids.DATA_FILE, "data", allow_duplicate=True)
    status = Output(ids.DATA_UPLOAD_STATUS, "children", allow_duplicate=True)
    once = {"prevent_initial_call": True}
    sample = Input(ids.DATA_USE_SAMPLE, "n_clicks")
    currency = Output(ids.DATA_CURRENCY, "value")
    currency_set = Output(ids.DATA_CURRENCY_SET, "data", allow_duplicate=True)
    held = State(ids.DATA_FILE, "data")  # the file the page held: replaced, it leaves the server
    bind(app, ctx, use_sample, file, status, currency, currency_set, sample, held, **once)
    bind(app, ctx, stash_upload, file, status, Input(ids.DATA_RAW, "data"), held, **once)
    bind(
        app,
        ctx,
        stash_attributes,
        Output(ids.DATA_ATTR_FILE, "data"),
        Output(ids.DATA_ATTR_STATUS, "children"),
        Output(ids.DATA_ATTR_UPLOAD, "contents"),
        Input(ids.DATA_ATTR_UPLOAD, "contents"),
        State(ids.DATA_ATTR_UPLOAD, "filename"),
        State(ids.DATA_ATTR_FILE, "data"),
        **once,
    )
