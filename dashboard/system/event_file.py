"""Importing a file of events on the System plan page: a promotions calendar (CSV or XLSX, the
events sheet of an export) added in one change, or refused as a whole with every problem listed
by row and column; and the plan's events downloaded as such a CSV or workbook, to edit and import
elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids, uploads
from dashboard.context import DashboardContext
from dashboard.system import edits
from dashboard.system.edits import ALERT, REFRESH
from dashboard.wiring import bind
from forecast.services import event_import, exports
from forecast.services import plans as plan_service
from forecast.services.errors import Invalid, ServiceError
from forecast.services.plan_file import InvalidFile

TOO_BIG_WHERE = "import the events sheet alone, saved as CSV"
PROBLEMS_SHOWN = 10


def zone() -> Any:
    limit = event_import.MAX_FILE_BYTES // (1024 * 1024)
    return components.upload_zone(
        ids.SYS_EVENTS_UPLOAD,
        "Import events from a file",
        "CSV or XLSX with the columns name, kind, scope, start, end, effect, value, reason "
        f"(the events sheet of an export imports as it is) · up to {limit} MB",
        padding="10px",
    )


SHIFT_MAX_CHARS = event_import.SHIFT_MAX_CHARS
"""What the "Move dates by" field takes (``52w``, ``-7d``); the server refuses more."""

SHIFT_HELP = (
    f"Move every row's dates before the import checks them: {event_import.SHIFT_FIX}. Empty: "
    "the dates as written"
)


def shift_field() -> Any:
    """How far to move the file's dates before they are checked: last year's events (their
    downloaded CSV) onto this year's plan."""
    return html.Div(
        [
            dbc.Label("Move dates by", html_for=ids.SYS_EVENTS_SHIFT, className="small mb-0"),
            dbc.Input(
                id=ids.SYS_EVENTS_SHIFT,
                type="text",
                placeholder="e.g. 1y",
                maxLength=SHIFT_MAX_CHARS,
                size="sm",
                debounce=True,
                style={"width": "7rem"},
            ),
        ],
        title=SHIFT_HELP,
    )


DOWNLOAD_HELP = (
    "The plan's events with the columns the import reads: edit them in a spreadsheet and drop "
    "the file on another plan or a new version"
)


def download_buttons() -> list[dbc.Button]:
    """Download events as CSV, or as a workbook with one "events" sheet (XLSX)."""
    return [
        dbc.Button(
            f"Download events ({label})",
            id=button,
            color="primary",
            outline=True,
            size="sm",
            title=DOWNLOAD_HELP,
        )
        for label, button in (
            ("CSV", ids.SYS_EVENTS_DOWNLOAD_CSV),
            ("XLSX", ids.SYS_EVENTS_DOWNLOAD_XLSX),
        )
    ]


def download_events(ctx: DashboardContext, n_clicks: Any, session: Any) -> tuple[Any, Any]:
    """(the CSV for the browser, no alert), or (nothing, why not). Reading only: anyone who sees
    the plan may download its events."""
    return _download(ctx, n_clicks, session, "csv")


def download_events_xlsx(ctx: DashboardContext, n_clicks: Any, session: Any) -> tuple[Any, Any]:
    """`download_events` as a workbook: the export's "events" sheet alone."""
    return _download(ctx, n_clicks, session, "xlsx")


def _download(ctx: DashboardContext, n_clicks: Any, session: Any, fmt: str) -> tuple[Any, Any]:
    if not n_clicks:
        return no_update, no_update
    plan_id = components.action_plan(session)
    if not plan_id:
        return no_update, components.need_plan_notice()
    state, alert = components.call_service(lambda: plan_service.get_plan(ctx.store, plan_id))
    if alert is not None:
        return no_update, alert
    filename = components.export_filename(f"{state.name} events", state.version, fmt)
    content, alert = components.call_service(lambda: exports.events_file(state, filename))
    if alert is not None:
        return no_update, alert
    return dcc.send_bytes(content, filename), no_update


def import_file(
    ctx: DashboardContext, contents: Any, filename: Any, shift: Any, session, version, refresh
) -> tuple[Any, Any, Any]:
    """(alert, refresh counter, the upload's contents cleared so the same file can be dropped
    again). `shift`: the "Move dates by" field (``event_import.parse_shift``)."""
    if not contents:
        return no_update, no_update, no_update
    shift = shift if isinstance(shift, str) else None
    try:  # a shift that cannot be read (or longer than the field) refused before the file is read
        event_import.parse_shift(shift)
    except Invalid as exc:
        return components.error_alert(exc), no_update, None
    name = uploads.shown_filename(filename, "the events file")
    try:
        raw = uploads.decode(contents, name, event_import.MAX_FILE_BYTES, TOO_BIG_WHERE)
    except uploads.UploadRefused as exc:
        return dbc.Alert(str(exc), color="danger", dismissable=True), no_update, None
    plan_id, user = components.action_plan(session), components.acting_user(session) or ""
    try:
        done = event_import.import_events(
            ctx.store,
            plan_id,
            user,
            raw,
            name,
            expected_version=components.page_version(version),
            shift=shift,
        )
    except InvalidFile as exc:  # every problem listed, not only the first
        return problems_alert(name, exc.problems), no_update, None
    except ServiceError as exc:
        return components.error_alert(exc), edits.bumped(refresh), None
    return components.success_alert(imported_text(done)), edits.bumped(refresh), None


def imported_text(done: event_import.EventImport) -> str:
    """`Imported 3 events from calendar.csv as E7..E9: May flyer, ... 1 row skipped: ...`"""
    said = f"Nothing new in {done.file}."
    if done.added:
        first, last = done.added[0].event_id, done.added[-1].event_id
        numbers = first if first == last else f"{first}..{last}"
        names = ", ".join(event.name for event in done.added[:5])
        more = f" and {len(done.added) - 5} more" if len(done.added) > 5 else ""
        said = f"Imported {len(done.added)} event(s) from {done.file} as {numbers}: {names}{more}."
        said += moved_text(done)
    if done.skipped:
        reasons = "; ".join(f"row {s.row} {s.name!r}: {s.why}" for s in done.skipped[:5])
        said += f" {len(done.skipped)} row(s) skipped ({reasons})."
    return said


MOVED_SHOWN = 10


def moved_text(done: event_import.EventImport) -> str:
    """` Every row's dates moved by 1 year (52 weeks): Thanksgiving 2011-11-24..2011-11-25 →
    2012-11-22..2012-11-23; check they are the days you mean.` ("" without a shift): each added
    event's dates from the file and where they landed, as the import carries them."""
    if not done.shift:
        return ""
    pairs = list(zip(done.added, done.moved_from, strict=False))
    listed = "; ".join(
        f"{event.name} {own_start}..{own_end} → {event.start}..{event.end}"
        for event, (own_start, own_end) in pairs[:MOVED_SHOWN]
    )
    more = f"; and {len(pairs) - MOVED_SHOWN} more" if len(pairs) > MOVED_SHOWN else ""
    return (
        f" Every row's dates moved by {done.shift}: {listed}{more}; check they are the days "
        "you mean."
    )


def problems_alert(filename: str, problems: Sequence[Any]) -> dbc.Alert:
    listed = [html.Li(components.file_problem_line(p, p.fix)) for p in problems[:PROBLEMS_SHOWN]]
    more = len(problems) - len(listed)
    return components.file_refused_alert(
        [
            html.Strong(f"{filename} was not imported: {len(problems)} problem(s). "),
            "No event was added. Fix the file and drop it again.",
            html.Ul(
                listed + ([html.Li(f"… and {more} more")] if more > 0 else []), className="mb-0"
            ),
        ]
    )


def register(app: Dash, ctx: DashboardContext) -> None:
    edits.bind_edit(
        app,
        ctx,
        import_file,
        Input(ids.SYS_EVENTS_UPLOAD, "contents"),
        State(ids.SYS_EVENTS_UPLOAD, "filename"),
        State(ids.SYS_EVENTS_SHIFT, "value"),
        outputs=(
            Output(ids.SYS_EVENTS_FILE_ALERT, "children"),
            REFRESH,
            Output(ids.SYS_EVENTS_UPLOAD, "contents"),
        ),
    )
    for download, button in (
        (download_events, ids.SYS_EVENTS_DOWNLOAD_CSV),
        (download_events_xlsx, ids.SYS_EVENTS_DOWNLOAD_XLSX),
    ):
        bind(
            app,
            ctx,
            download,
            Output(ids.SYS_EVENTS_DOWNLOAD, "data", allow_duplicate=True),
            ALERT,
            Input(button, "n_clicks"),
            State(ids.NAV_SESSION, "data"),
            prevent_initial_call=True,
        )
