"""Page 6, Plans: every plan and version (the archived ones on request), the audit log of the
current plan, new versions, archiving, downloads of the agreed plan (CSV, XLSX, JSON bundle) and
the import of a JSON bundle."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from dashboard import auth, components, drift_notice, ids, relay, uploads
from dashboard.context import DashboardContext
from dashboard.pages import plans_accounts, plans_members
from dashboard.wiring import bind
from forecast.services import exports, plan_access, plan_archive, plan_versions
from forecast.services import plans as plan_service
from forecast.services.money import currency_text
from forecast.services.uploads import unpack_limit

PATH = "/plans"
NAME = "Plans"

HOW_TO_READ = (
    "each row is one plan version (a new version is a draft copy of a published or agreed one, "
    "linked by its parent). Click a row to work on it. Archived plans are left out unless "
    "'Show archived plans' is ticked. The audit log lists every change to the "
    "selected plan: who, when, what. Downloads give the selected plan per series and period, "
    "with its targets once a goal is set."
)

FORMATS = {
    ids.PLANS_DOWNLOAD_CSV: ("csv", "text/csv"),
    ids.PLANS_DOWNLOAD_CSV_EXCEL: ("csv", "text/csv"),
    ids.PLANS_DOWNLOAD_XLSX: (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ids.PLANS_DOWNLOAD_JSON: ("json", "application/json"),
}


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    account = auth.current_account()
    may_trust = bool(account and account.is_admin)  # trusting a foreign bundle: admins only
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            dcc.Store(id=ids.PLANS_REFRESH, data=0),
            dcc.Store(id=ids.PLANS_CHANGED, data=0),
            dcc.Store(id=ids.PLANS_PICKED),
            html.Div(id=ids.PLANS_ALERT),
            dag.AgGrid(
                id=ids.PLANS_GRID,
                rowData=[],
                columnDefs=[
                    {"field": "name", "flex": 2, "minWidth": 160},
                    {"field": "plan_id", "headerName": "Id", "width": 110},
                    {"field": "version", "width": 100},
                    {"field": "status", "width": 120},
                    {"field": "currency", "width": 110},
                    {"field": "archived", "headerName": "Archived", "width": 200},
                    {"field": "parent_id", "headerName": "Copy of", "width": 120},
                    {"field": "created_by", "headerName": "Created by", "width": 130},
                    {"field": "created_at", "headerName": "Created", "width": 200},
                    {"field": "updated_at", "headerName": "Last change", "width": 200},
                ],
                getRowId="params.data.plan_id",
                defaultColDef={"resizable": True, "sortable": True, "filter": True},
                dashGridOptions={
                    **components.GRID_ONE_TAB_STOP,
                    "rowSelection": {"mode": "singleRow", "checkboxes": False},
                    "pagination": True,
                    "paginationPageSize": 10,
                    "paginationPageSizeSelector": False,
                },
                style={"height": "300px"},
                className="ag-theme-alpine",
            ),
            dbc.Checkbox(
                id=ids.PLANS_SHOW_ARCHIVED,
                label="Show archived plans",
                value=False,
                className="small mt-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("Download the selected plan", className="h4 mt-4"),
                            html.Div(id=ids.PLANS_DOWNLOAD_OF, className="mb-1"),
                            html.P(
                                "CSV: one row per series and period (baseline, system plan, target, team, "
                                "version; plain numbers, ISO dates); CSV for Excel: the same with a "
                                "byte order mark so Excel reads accents right; XLSX: a sheet per view, "
                                "money in the plan's currency; JSON: a complete bundle that re-imports "
                                "to the same plan.",
                                className="small text-muted",
                            ),
                            html.Div(
                                [
                                    dbc.Button("CSV", id=ids.PLANS_DOWNLOAD_CSV, color="primary"),
                                    dbc.Button(
                                        "CSV for Excel",
                                        id=ids.PLANS_DOWNLOAD_CSV_EXCEL,
                                        color="primary",
                                    ),
                                    dbc.Button("XLSX", id=ids.PLANS_DOWNLOAD_XLSX, color="primary"),
                                    dbc.Button(
                                        "JSON bundle", id=ids.PLANS_DOWNLOAD_JSON, color="primary"
                                    ),
                                ],
                                className="d-flex gap-2",
                            ),
                            dcc.Download(id=ids.PLANS_DOWNLOAD),
                            html.Div(id=ids.PLANS_DOWNLOAD_STATUS, className="small mt-2"),
                        ],
                        md=6,
                    ),
                    dbc.Col(
                        [
                            html.H2("New version", className="h4 mt-4"),
                            html.P(
                                "A published or agreed plan is read-only; a new version is a draft copy "
                                "to change. Owner only.",
                                className="small text-muted",
                            ),
                            dbc.Button(
                                "Make a new version", id=ids.PLANS_NEW_VERSION, color="secondary"
                            ),
                            html.Div(id=ids.PLANS_ROLE_NOTE),
                            html.H2("Archive", className="h4 mt-4"),
                            html.P(
                                "An archived plan leaves the plan lists and is read-only until it "
                                "is unarchived; it can still be opened, read and downloaded, and "
                                "nothing of it is deleted. Owner or admin only.",
                                className="small text-muted",
                            ),
                            dbc.Button(
                                "Archive", id=ids.PLANS_ARCHIVE, color="secondary", disabled=True
                            ),
                            html.Div(id=ids.PLANS_ARCHIVE_NOTE),
                            html.H2("Import a plan", className="h4 mt-4"),
                            html.P(
                                "Drop a JSON bundle exported here ('JSON bundle') or from "
                                "the command line: it is checked first (signature, data hash, "
                                "ledger) and reproduces the plan exactly, or nothing is written. "
                                "You become an owner of the imported plan. A plan of the same "
                                "name here (the bundle imported before) is refused: give it "
                                "another name below.",
                                className="small text-muted",
                            ),
                            dbc.Label(
                                "Import under the name (empty: the bundle's own)",
                                html_for=ids.PLANS_IMPORT_NAME,
                                className="small mb-1",
                            ),
                            dbc.Input(
                                id=ids.PLANS_IMPORT_NAME,
                                type="text",
                                value="",
                                maxLength=200,
                                className="mb-2",
                            ),
                            dbc.Checkbox(
                                id=ids.PLANS_IMPORT_TRUST,
                                label="Trust a bundle exported by another installation (its "
                                "signature cannot be checked here; admins only, recorded in "
                                "the audit log)",
                                value=False,
                                disabled=not may_trust,
                                style=None if may_trust else {"display": "none"},
                                className="small mb-2",
                            ),
                            components.upload_zone(
                                ids.PLANS_IMPORT,
                                "Drag and drop a .json bundle here, or click to choose one",
                                f"up to {ctx.upload_limit_bytes / 1024 / 1024:,.0f} MB",
                                padding="12px",
                            ),
                        ],
                        md=6,
                    ),
                ]
            ),
            plans_members.section(ctx),
            plans_accounts.section(ctx),
            html.H2("Audit log", className="h4 mt-4"),
            dag.AgGrid(
                id=ids.PLANS_AUDIT_GRID,
                rowData=[],
                columnDefs=[
                    {"field": "version", "width": 90},
                    {"field": "at", "width": 190},
                    {"field": "actor", "width": 110},
                    {"field": "action", "width": 140},
                    {
                        "field": "what",
                        "flex": 3,
                        "minWidth": 200,
                        "wrapText": True,
                        "autoHeight": True,
                    },
                    {"field": "reason", "flex": 1, "minWidth": 140},
                ],
                defaultColDef={"resizable": True, "sortable": True, "filter": True},
                dashGridOptions={
                    **components.GRID_ONE_TAB_STOP,
                    "pagination": True,
                    "paginationPageSize": 20,
                    "paginationPageSizeSelector": False,
                },
                style={"height": "520px"},
                className="ag-theme-alpine",
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def when(iso: str | None) -> str:
    """`2026-11-22T18:51:55+00:00` -> `2026-11-22 18:51 UTC` (``components.when``)."""
    return components.when(iso)


def plan_rows(summaries: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "plan_id": s.plan_id,
            "version": s.version,
            "status": s.status,
            "currency": currency_text(s.currency),
            "archived": when(s.archived_at),
            "parent_id": s.parent_id or "",
            "created_by": s.created_by,
            "created_at": when(s.created_at),
            "updated_at": when(s.updated_at),
        }
        for s in reversed(summaries)
    ]


def audit_rows(entries: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "version": e.version,
            "at": when(e.at),
            "actor": e.actor,
            "action": e.action,
            "what": e.what,
            "reason": e.reason or "",
        }
        for e in sorted(entries, key=lambda e: (e.version, e.id), reverse=True)
    ]


# -- callbacks --------------------------------------------------------------------------------


def render(
    ctx: DashboardContext,
    session: dict | None,
    _refresh: int | None,
    show_archived: bool | None = False,
) -> tuple:
    """The plan list (archived plans only with `show_archived`), the selected plan's audit log,
    and what the signed-in user may do with it: a new version, archive or unarchive."""
    rows = plan_rows(auth.visible_plans(ctx.store, include_archived=show_archived is True))
    plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
    if not plan_id:
        return rows, [], None, True, "Archive", True, None
    state = plan_service.get_plan(ctx.store, plan_id)
    is_owner = bool(user and state.has_role(user, "owner"))
    note = components.role_note(
        is_owner, f"{user or 'nobody'} cannot make a new version: only the plan's owner can."
    )
    audit = audit_rows(plan_service.audit_log(ctx.store, plan_id))
    return rows, audit, note, not is_owner, *archive_button(ctx, state, user)


def archive_button(ctx: DashboardContext, state: Any, user: str | None) -> tuple:
    """The Archive button's label (Unarchive for an archived plan), whether it is disabled, and
    the note saying why when the user may not use it."""
    label = "Unarchive" if state.archived else "Archive"
    allowed = plan_access.may_archive(ctx.store, state, user)
    note = components.role_note(
        allowed,
        f"{user or 'nobody'} cannot {label.lower()} this plan: only its owner or an admin can.",
    )
    return label, not allowed, note


def archive(
    ctx: DashboardContext,
    n,
    session: dict | None,
    changed: int | None,
    refresh: int | None,
    label: str | None = None,
) -> tuple:
    """Archive the selected plan, or unarchive it: what the button the user clicked said, so
    that a plan someone else archived meanwhile is refused, not unarchived (one audit row)."""
    if not n:
        return no_update, no_update, no_update
    plan_id, user = components.action_plan(session), components.acting_user(session) or ""
    change = plan_archive.unarchive if label == "Unarchive" else plan_archive.archive
    state, alert = components.call_service(lambda: change(ctx.store, plan_id, user))
    if alert is not None:
        return alert, no_update, no_update
    message = (
        f"Archived {state.name!r}: it is read-only and left out of the plan lists until it is "
        "unarchived ('Show archived plans' lists it here)."
        if state.archived
        else f"Unarchived {state.name!r}: it is back in the plan lists and can be changed again."
    )
    return components.success_alert(message), (changed or 0) + 1, (refresh or 0) + 1


def download_subject(ctx: DashboardContext, session: dict | None) -> Any:
    """Which plan the download buttons give: the one selected in the list or the navbar."""
    plan_id = (session or {}).get("plan_id")
    if not plan_id:
        return html.Small(
            "No plan is selected: pick one in the list above.", className="text-muted"
        )
    state = plan_service.get_plan(ctx.store, plan_id)
    goal = "with its negotiated targets" if state.negotiation else "no goal yet: system plan only"
    return html.Span(
        [
            "Downloads ",
            html.Strong(state.name),
            f" ({state.plan_id}, version {state.version}, {state.status}; {goal}). "
            "Pick another plan in the list above.",
        ],
        className="small",
    )


def pick_plan(
    ctx: DashboardContext, cell: dict | None, session: dict | None, changed: int | None
) -> tuple:
    del ctx
    if not cell or not cell.get("rowId") or (session or {}).get("plan_id") == cell["rowId"]:
        return no_update, no_update
    return dict(session or {}, plan_id=cell["rowId"]), (changed or 0) + 1


def download(ctx: DashboardContext, _csv, _csv_excel, _xlsx, _json, session: dict | None) -> tuple:
    """A click on one of the ``FORMATS`` buttons (their clicks come in that order)."""

    trigger = callback_ctx.triggered_id
    if trigger not in FORMATS or not callback_ctx.triggered[0].get("value"):
        return no_update, no_update
    plan_id, (fmt, _mime) = (session or {}).get("plan_id"), FORMATS[trigger]
    if not plan_id:
        return no_update, components.need_plan_notice()
    excel_csv = trigger == ids.PLANS_DOWNLOAD_CSV_EXCEL
    content, alert = components.call_service(
        lambda: exports.export_plan(ctx.store, plan_id, fmt, excel_csv=excel_csv)
    )
    if alert is not None:
        return no_update, alert
    state = plan_service.get_plan(ctx.store, plan_id)
    # the two CSVs under two names: the second download must not land as "... (1).csv"
    filename = components.export_filename(
        state.name, state.version, fmt, suffix="_excel" if excel_csv else ""
    )
    return downloaded(content, filename, system_track_only=not state.negotiation)


def downloaded(content: bytes, filename: str, *, system_track_only: bool = False) -> tuple:
    """The file for the browser, and the line saying what was downloaded."""
    what = f"Downloaded {filename} ({len(content):,} bytes)."
    if system_track_only:
        what += " No goal is set yet: it holds the system plan, without targets."
    return dcc.send_bytes(content, filename), html.Span(what, id="plans-downloaded")


def new_version(ctx: DashboardContext, n, session: dict | None, changed: int | None) -> tuple:
    if not n:
        return no_update, no_update, no_update
    plan_id, user = components.action_plan(session), components.acting_user(session) or ""
    state, alert = components.call_service(
        lambda: plan_versions.new_version(ctx.store, plan_id, user)
    )
    if alert is not None:
        return alert, no_update, no_update
    message = f"New draft version {state.plan_id} of {state.name!r}; it is now selected."
    return now_selected(message, state.plan_id, session, changed)


def import_bundle(
    ctx: DashboardContext,
    contents: str | None,
    filename: str | None,
    session,
    changed,
    trust=False,
    name: str | None = None,
) -> tuple:
    if not contents:
        return no_update, no_update, no_update
    raw, refused = _decoded(ctx, contents, filename)
    if refused is not None:
        return refused, no_update, no_update
    user = components.acting_user(session) or ""
    new_name = (name or "").strip() or None
    done, alert = components.call_service(
        lambda: exports.import_noted(
            ctx.store,
            raw,
            user,
            trust=trust is True,
            name=new_name,
            unpacked_limit=unpack_limit(ctx.upload_limit_bytes, "bundle"),
        )
    )
    if alert is not None:
        return html.Div(alert, id="plans-import-refused"), no_update, no_update
    state = plan_service.get_plan(ctx.store, done.plan_id)
    what = f"plan {state.name!r} ({state.plan_id}, version {state.version}, {state.status})"
    said = " ".join(f"{line[0].upper()}{line[1:]}." for line in done.lines())
    # Who came with the plan stays on the page until read: the admin checks the names.
    return now_selected(
        f"Imported {filename}: {what}; it is now selected. {said}",
        done.plan_id,
        session,
        changed,
        attention=True,
    )


def import_and_forget(ctx: DashboardContext, contents: str | None, *rest: Any) -> tuple:
    """`import_bundle`, and the upload then forgets the file, so that the same bundle dropped
    again (say, after ticking "Trust a bundle…" or typing a new name) is read again: the browser
    sends nothing for contents that did not change."""
    return (*import_bundle(ctx, contents, *rest), None if contents else no_update)


def _decoded(ctx: DashboardContext, contents: str, filename: str | None) -> tuple[bytes, Any]:
    """The uploaded bundle's bytes, or an alert saying why they were refused (size, encoding)."""
    try:
        fallback = "import it from the command line with `forecast plan import`"
        return uploads.decode(contents, filename, ctx.upload_limit_bytes, fallback), None
    except uploads.UploadRefused as exc:
        return b"", components.info_alert(str(exc))


def now_selected(
    message: str,
    plan_id: str,
    session: dict | None,
    changed: int | None,
    *,
    attention: bool = False,
) -> tuple:
    """A success alert (one that stays until closed: `attention`), the session with ``plan_id``
    selected, and the plan list's counter on."""
    session = dict(session or {}, plan_id=plan_id)
    alert = components.attention_alert if attention else components.success_alert
    return alert(message), session, (changed or 0) + 1


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    plans_members.register_callbacks(app, ctx)
    plans_accounts.register_callbacks(app, ctx)
    # an owner granted or removed, an account disabled: who may rebase, as the notice says it
    drift_notice.relay_edits(app, ids.PLANS_MEMBERS_REFRESH)
    drift_notice.relay_edits(app, ids.PLANS_ACCOUNTS_REFRESH)
    once = {"prevent_initial_call": True}
    # The plan picked and the plan list's counter are the page's own stores, passed on to the
    # shell's (`relay.select`): writing the shell's, these callbacks were called on every
    # opening of the page.
    session, changed = State(ids.NAV_SESSION, "data"), State(ids.PLANS_CHANGED, "data")
    select = (
        Output(ids.PLANS_PICKED, "data", allow_duplicate=True),
        Output(ids.PLANS_CHANGED, "data", allow_duplicate=True),
    )
    relay.select(app, ids.PLANS_PICKED, ids.PLANS_CHANGED)
    grids = (Output(ids.PLANS_GRID, "rowData"), Output(ids.PLANS_AUDIT_GRID, "rowData"))
    owner_only = (
        Output(ids.PLANS_ROLE_NOTE, "children"),
        Output(ids.PLANS_NEW_VERSION, "disabled"),
        Output(ids.PLANS_ARCHIVE, "children"),
        Output(ids.PLANS_ARCHIVE, "disabled"),
        Output(ids.PLANS_ARCHIVE_NOTE, "children"),
    )
    bind(
        app,
        ctx,
        render,
        *grids,
        *owner_only,
        Input(ids.NAV_SESSION, "data"),
        Input(ids.PLANS_REFRESH, "data"),
        Input(ids.PLANS_SHOW_ARCHIVED, "value"),
    )
    bind(
        app, ctx, pick_plan, *select, Input(ids.PLANS_GRID, "cellClicked"), session, changed, **once
    )
    clicks = [Input(button, "n_clicks") for button in FORMATS]
    files = (Output(ids.PLANS_DOWNLOAD, "data"), Output(ids.PLANS_DOWNLOAD_STATUS, "children"))
    bind(app, ctx, download, *files, *clicks, session, **once)
    bind(
        app,
        ctx,
        download_subject,
        Output(ids.PLANS_DOWNLOAD_OF, "children"),
        Input(ids.NAV_SESSION, "data"),
    )
    alert = Output(ids.PLANS_ALERT, "children", allow_duplicate=True)
    bind(
        app,
        ctx,
        new_version,
        alert,
        *select,
        Input(ids.PLANS_NEW_VERSION, "n_clicks"),
        session,
        changed,
        **once,
    )
    bind(
        app,
        ctx,
        archive,
        alert,
        Output(ids.PLANS_CHANGED, "data", allow_duplicate=True),
        Output(ids.PLANS_REFRESH, "data", allow_duplicate=True),
        Input(ids.PLANS_ARCHIVE, "n_clicks"),
        session,
        changed,
        State(ids.PLANS_REFRESH, "data"),
        State(ids.PLANS_ARCHIVE, "children"),
        **once,
    )
    bundle = (Input(ids.PLANS_IMPORT, "contents"), State(ids.PLANS_IMPORT, "filename"))
    trust = State(ids.PLANS_IMPORT_TRUST, "value")
    name = State(ids.PLANS_IMPORT_NAME, "value")
    forget = Output(ids.PLANS_IMPORT, "contents")
    inputs = (*bundle, session, changed, trust, name)
    bind(app, ctx, import_and_forget, alert, *select, forget, *inputs, **once)
