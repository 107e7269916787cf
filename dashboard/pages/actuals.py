"""Page 5, Actuals: when the sales of the plan's periods arrive, keep them (each upload a version)
and see which track came closer; the Accuracy page scores every layer and touch on them."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from dashboard import components, figures, ids, uploads
from dashboard.context import DashboardContext
from dashboard.fix_hints import page_fix
from dashboard.wiring import bind
from forecast.services import accuracy, actuals, negotiation, plans
from forecast.services.errors import ServiceError
from forecast.services.plan_file import InvalidFile

PATH = "/actuals"
NAME = "Actuals"

HOW_TO_READ = (
    "drop a file of actual sales for the plan's periods (the same layout as the history, or "
    "unique_id, ds, y); drop the next weeks (or days, months) again as they arrive. Each upload is kept as a "
    "version (a re-sent week replaces the earlier value). Each bar is the WAPE of one track "
    "against every actual kept, per team and in total: the shorter bar was closer. Only series "
    "and periods present in both count; the Accuracy page scores every layer and touch."
)

HIDDEN = {"display": "none"}

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
            reading_options(),
            html.Div(id=ids.ACTUALS_ROLE),
            html.Div(id=ids.ACTUALS_ALERT, className="mt-3"),
            html.Div(id=ids.ACTUALS_VERDICT, className="mt-2"),
            components.described_chart(
                "Error against actuals per team",
                dcc.Graph(
                    id=ids.ACTUALS_FIGURE,
                    figure=figures.empty_figure("No actuals yet"),
                    config={"displaylogo": False},
                ),
            ),
            dag.AgGrid(
                id=ids.ACTUALS_GRID,
                dashGridOptions=components.GRID_ONE_TAB_STOP,
                rowData=[],
                columnDefs=score_columns(),
                getRowId="params.data.team",
                defaultColDef={"resizable": True, "sortable": True},
                style={"height": "320px"},
                className="ag-theme-alpine",
            ),
            html.Small(SCORED_CELLS_NOTE, id=ids.ACTUALS_SCORED_NOTE, className="text-muted"),
            html.H2("Kept actuals", className="h4 mt-4"),
            dag.AgGrid(
                id=ids.ACTUALS_VERSIONS,
                dashGridOptions=components.GRID_ONE_TAB_STOP,
                rowData=[],
                columnDefs=[
                    {"field": "version", "width": 100},
                    {"field": "at", "width": 210},
                    {"field": "uploaded_by", "headerName": "Uploaded by", "width": 140},
                    {"field": "filename", "headerName": "File", "width": 220},
                    {"field": "rows", "headerName": "Series-periods known", "width": 190},
                    {"field": "periods", "headerName": "Periods in this upload"},
                ],
                # AG Grid wants a string id (a number logs warning #25 in the console)
                getRowId="params.data.row_id",
                defaultColDef={"resizable": True},
                style={"height": "220px"},
                className="ag-theme-alpine",
            ),
            dbc.InputGroup(
                [
                    dbc.InputGroupText(
                        html.Label(
                            "Wrong file kept? Go back to version",
                            htmlFor=ids.ACTUALS_RESTORE_VERSION,
                            className="mb-0",
                        )
                    ),
                    dcc.Dropdown(
                        id=ids.ACTUALS_RESTORE_VERSION,
                        options=[],
                        placeholder="an earlier version",
                        style={"minWidth": "260px"},
                    ),
                    dbc.Button("Restore it", id=ids.ACTUALS_RESTORE, color="secondary"),
                ],
                id=ids.ACTUALS_RESTORE_ROW,
                className="mt-2 mb-3",
                style=HIDDEN,
            ),
            dcc.Link("See the value added of every layer and touch →", href="/accuracy"),
        ]
    )


DECIMAL_CHOICES = {
    "": "detect it",
    ".": "'.' (44.537 is 44.537)",
    ",": "',' ('.' groups thousands: 44.537 is 44537)",
}
WEEK_DATES_CHOICES = {
    "": "as the plan's history",
    "start": "the week's first day",
    "end": "the week's last day (week ending)",
}
SUM_DUPLICATES = (
    "Sum rows of the same series and date (refused otherwise: a repeated row is usually a "
    "correction; in the plan's own layout they are summed when its history had several rows a "
    "day, as order lines have)"
)
WHOLE_PERIODS = (
    "Whole periods: the file has every sale of each period it touches (a day without rows had "
    "none, as with order lines), so its first and last periods count though its rows do not "
    "reach their edges"
)
CONFIRM_SCALE = "The numbers are right (keep them though they are far off the plan's scale)"


def reading_options() -> html.Div:
    """How the next file is read: its decimal mark, and the confirmation that actuals a
    hundredfold off the plan's forecast are right."""
    return html.Div(
        [
            html.Label("Decimal mark", htmlFor=ids.ACTUALS_DECIMAL, className="me-2"),
            dbc.RadioItems(
                id=ids.ACTUALS_DECIMAL,
                options=[
                    {"label": label, "value": value} for value, label in DECIMAL_CHOICES.items()
                ],
                value="",
                inline=True,
            ),
            html.Div(
                [
                    html.Label("Week dates", htmlFor=ids.ACTUALS_WEEK_DATES, className="me-2"),
                    dbc.RadioItems(
                        id=ids.ACTUALS_WEEK_DATES,
                        options=[
                            {"label": label, "value": value}
                            for value, label in WEEK_DATES_CHOICES.items()
                        ],
                        value="",
                        inline=True,
                    ),
                ],
                id=ids.ACTUALS_WEEK_DATES_AREA,
                className="mt-2",
            ),
            dbc.Checkbox(id=ids.ACTUALS_SUM_DUPLICATES, label=SUM_DUPLICATES, value=False),
            dbc.Checkbox(id=ids.ACTUALS_WHOLE_PERIODS, label=WHOLE_PERIODS, value=False),
            dbc.Checkbox(id=ids.ACTUALS_CONFIRM_SCALE, label=CONFIRM_SCALE, value=False),
        ],
        className="mt-2 small",
    )


def reading(decimal: Any, confirm: Any) -> tuple[str | None, bool]:
    """The service's ``decimal`` and ``confirm_scale`` from the two controls (anything else the
    browser sends reads as detected / not confirmed)."""
    mark = decimal if decimal in (".", ",") else None
    return mark, confirm is True


def week_reading(week_dates: Any) -> str | None:
    """The service's ``week_dates`` from the page's control (anything else: the plan's)."""
    return week_dates if week_dates in ("start", "end") else None


def duplicates_reading(sum_duplicates: Any) -> str | None:
    """The service's ``duplicates`` from the page's checkbox (anything else: None, as the plan's
    history had them: summed in its layout when it had several rows a day, else refused)."""
    return "sum" if sum_duplicates is True else None


# -- pure helpers (unit-tested) ---------------------------------------------------------------

SCORED_CELLS_NOTE = (
    "Actual, system plan and negotiated plan here are summed over the scored series-periods "
    "only (those with actuals), so they are smaller than the whole-plan totals of the same "
    "names on the Side by side page."
)


def score_columns() -> list[dict[str, Any]]:
    """The score grid's columns: the amounts say they cover the scored series-periods only (the
    Side by side page's columns of the same names sum the whole plan)."""
    scored = "Summed over the scored series-periods only (those with actuals)"
    return [
        {"field": "team", "width": 110},
        {
            "field": "actual",
            "headerName": "Actual (scored)",
            "headerTooltip": scored,
            "type": "rightAligned",
        },
        {
            "field": "system_plan",
            "headerName": "System plan (scored cells)",
            "headerTooltip": scored + "; the Side by side page sums the whole plan",
            "type": "rightAligned",
            "width": 210,
        },
        {
            "field": "target",
            "headerName": "Negotiated plan (scored cells)",
            "headerTooltip": scored + "; the Side by side page sums the whole plan",
            "type": "rightAligned",
            "width": 230,
        },
        {"field": "wape_system_plan", "headerName": "WAPE system", "type": "rightAligned"},
        {"field": "wape_target", "headerName": "WAPE negotiated", "type": "rightAligned"},
        {"field": "closer", "headerName": "Closer"},
        {
            "field": "periods",
            "headerName": "Series-periods scored",
            "width": 170,
            "type": "rightAligned",
        },
    ]


def score_rows(score: pd.DataFrame, currency: str | None = "EUR") -> list[dict[str, Any]]:
    """The score table as readable grid rows (money, percentages, the closer track's name)."""
    rows = []
    for record in score.to_dict(orient="records"):
        rows.append(
            {
                "team": record["team"],
                "actual": components.money(record["actual"], currency=currency),
                "system_plan": components.money(record["system_plan"], currency=currency),
                "target": components.money(record["target"], currency=currency),
                # hundredths, as the verdict's margin beside them (1.86 pts)
                "wape_system_plan": components.percent(record["wape_system_plan"], 2),
                "wape_target": components.percent(record["wape_target"], 2),
                "closer": TRACK_LABELS.get(str(record["closer"]), "n/a")
                if record.get("target") is not None and record["target"] == record["target"]
                else "– (no goal yet)",
                "periods": int(record["periods"]),
            }
        )
    return rows


def verdict(score: pd.DataFrame) -> str:
    """One sentence on the total: which track came closer, and by how much, or that they tie, as
    the grid, the Accuracy page and the CLI rule it (``accuracy.verdict_margin``: none for a
    tie, a gap under ``accuracy.TIE_MARGIN``), worded as they word it (``TIE_WORDS``)."""
    total = score[score["team"] == "TOTAL"].iloc[0]
    if not has_target(score):
        wape = components.percent(total["wape_system_plan"])
        return f"{sentence(negotiation.NO_GOAL_SCORED)}: its WAPE is {wape}.{rests_on(total)}"
    gap = accuracy.verdict_margin(total.to_dict())  # as the two WAPEs beside it show it
    if gap is None:  # a tie, or no verdict
        return (
            f"The system plan and the negotiated plan {accuracy.TIE_WORDS}: both were equally "
            "close to the actuals." + rests_on(total)
        )
    winner = TRACK_LABELS[str(total["closer"])]
    teams = score[score["team"] != "TOTAL"]
    won = int((teams["closer"] == total["closer"]).sum())
    by = components.points(gap)  # a WAPE difference, in points as on the Accuracy page
    return f"{winner} came closer overall, by {by} of WAPE, and in {won} of {len(teams)} team(s).{rests_on(total)}"


def has_target(score: pd.DataFrame) -> bool:
    """Whether the score has a negotiated target (a plan without a goal has none)."""
    return "target" in score and bool(score["target"].notna().any())


def rests_on(total: Any) -> str:
    """What the total's verdict rests on (`` Scored on 2 of 100 series, 4 of 13 periods.``),
    and why it is provisional when it is; empty for a score without it."""
    text = total.get("rests_on")
    if not isinstance(text, str) or not text:
        return ""
    out = f" {text[0].upper()}{text[1:]}."
    because = total.get("provisional_because")
    if total.get("provisional") and isinstance(because, str):
        out += f" {because[0].upper()}{because[1:]}."
    return out


def version_rows(versions: list[Any]) -> list[dict[str, Any]]:
    """The kept uploads, newest first (each row's grid id the version as a string)."""
    return [
        {
            "row_id": str(v.version),
            "version": v.version,
            "at": components.when(v.at),
            "uploaded_by": v.uploaded_by,
            "filename": v.filename,
            "rows": v.rows,
            "periods": ", ".join((v.summary or {}).get("periods", [])),
        }
        for v in reversed(versions)
    ]


def sentence(text: str) -> str:
    """`text` with its first letter upper case and the rest as it is (file names keep theirs)."""
    return text[:1].upper() + text[1:]


def upload_message(upload: Any) -> Any:
    """What the upload kept and what it left out (named, with counts)."""
    kept = sentence(upload.message()) if upload.unchanged else f"Kept as {upload.message()}"
    items = [html.Div([html.Strong("Warning: "), f"{sentence(w)}."]) for w in upload.warnings]
    items += [html.Div(f"{kept}.")]
    items += [html.Div(f"Note: {note}", className="small") for note in upload.notes]
    colour = (
        "warning"
        if upload.warnings
        else "info"
        if upload.unchanged
        else "warning"
        if upload.left_out
        else "success"
    )
    return dbc.Alert(items, color=colour, className=KEPT_CLASS)


KEPT_CLASS = "actuals-kept"


CLI_ALTERNATIVE = "keep it from the command line with `forecast plan actuals`"
NO_GOAL_NOTE = (
    "No goal is set yet, so there is no negotiated plan to compare; the Accuracy page scores "
    "the baseline and the system plan."
)


def unscored(alert: Any, verdict_text: Any = None) -> tuple:
    """The page's outputs (figure, rows, verdict, alert) with nothing scored to show."""
    return figures.empty_figure("No actuals yet"), [], verdict_text, alert


def scored(score: pd.DataFrame, currency: str | None, alert: Any) -> tuple:
    """The page's outputs for a score of both tracks against the actuals."""
    return (
        figures.in_currency(figures.attainment_bars(score), currency),
        score_rows(score, currency),
        html.H2(verdict(score), className="h4"),
        alert,
    )


# -- callbacks --------------------------------------------------------------------------------


def score_upload(
    ctx: DashboardContext,
    contents: str | None,
    session: dict | None,
    _restore_clicks: int | None,
    filename: str | None,
    restore_version: int | None,
    decimal: Any = None,
    confirm_scale: Any = None,
    week_dates: Any = None,
    sum_duplicates: Any = None,
    whole_periods: Any = None,
) -> tuple:
    """An uploaded file kept as the plan's actuals and both tracks scored on it; an earlier
    version restored; on opening a plan, what it already keeps."""
    if callback_ctx.triggered_id == ids.ACTUALS_RESTORE:
        return restore_and_score(ctx, session, restore_version)
    if callback_ctx.triggered_id != ids.ACTUALS_UPLOAD:
        return show_kept(ctx, session)
    if not contents:
        return no_update, no_update, no_update, no_update
    has_plan = bool((session or {}).get("plan_id"))
    try:  # a file the server will not read is said first, with or without a plan
        raw = uploads.decode(contents, filename, ctx.upload_limit_bytes, CLI_ALTERNATIVE)
    except uploads.UploadRefused as exc:
        alert = components.info_alert(str(exc))
        return refused(ctx, components.action_plan(session), alert) if has_plan else unscored(alert)
    if not has_plan:
        return unscored(components.need_plan_notice())
    mark, confirmed = reading(decimal, confirm_scale)
    plan_id = components.action_plan(session)
    return keep_and_score(
        ctx,
        plan_id,
        session,
        raw,
        filename,
        mark,
        confirmed,
        week_reading(week_dates),
        duplicates_reading(sum_duplicates),
        whole_periods is True,
    )


def upload_and_forget(ctx: DashboardContext, contents: str | None, *rest: Any) -> tuple:
    """`score_upload`, and after a file was read the upload forgets it, so that the same file
    dropped again (with another decimal mark, or its scale confirmed) is read again: the browser
    sends nothing for a value that did not change. The ticks about one file (its scale is right,
    its periods are whole) are cleared once it was kept, on another plan and on a restore, and
    left as the person set them after a refusal (`one_file_ticks`)."""
    outputs = score_upload(ctx, contents, *rest)
    kept = getattr(outputs[3], "className", None) == KEPT_CLASS
    return (*outputs, *one_file_ticks(callback_ctx.triggered_id, contents, kept))


def one_file_ticks(trigger: Any, contents: str | None, kept: bool) -> tuple[Any, Any, Any]:
    """(the upload's contents, the scale confirmation, whole periods) after a callback: the
    ticks say something of one file, so the next file, another plan or a restore starts
    without them."""
    if trigger != ids.ACTUALS_UPLOAD:  # another plan, a restore: a fresh start
        return no_update, False, False
    if not contents:
        return no_update, no_update, no_update
    return None, *((False, False) if kept else (no_update, no_update))


def keep_and_score(
    ctx: DashboardContext,
    plan_id: str,
    session: dict | None,
    raw: bytes,
    filename: str | None,
    decimal: str | None = None,
    confirm_scale: bool = False,
    week_dates: str | None = None,
    duplicates: str | None = None,
    whole_periods: bool = False,
) -> tuple:
    user = components.acting_user(session) or ""
    alert: Any = None
    try:
        result = accuracy.upload_and_score(
            ctx.store,
            plan_id,
            raw,
            actor=user,
            filename=filename,
            decimal=decimal,
            confirm_scale=confirm_scale,
            week_dates=week_dates,
            duplicates=duplicates,
            whole_periods=whole_periods,
        )
    except InvalidFile as exc:
        # one problem or many, each with its fix in this page's words
        result = None
        if exc.problems:
            alert = problems_alert(filename or uploads.UNNAMED_FILE, exc.problems)
        else:
            alert = components.error_alert(exc)
    except ServiceError as exc:
        result, alert = None, components.error_alert(exc)
    if result is None:
        return refused(ctx, plan_id, alert)
    upload, score = result
    if score is None:
        return unscored(upload_message(upload), html.P(NO_GOAL_NOTE, className="text-muted"))
    return scored(score, _currency(ctx, plan_id), upload_message(upload))


def problems_alert(filename: str, problems: Any) -> dbc.Alert:
    """A file refused for its problems: one line each (row, column, what), and a fix they
    share said once after them, not repeated on every line as one run-on paragraph."""
    fixes = list(dict.fromkeys(page_fix(p) for p in problems if p.fix))
    shared = fixes[0] if len(fixes) == 1 else None
    lines = [html.Li(problem_line(p, with_fix=shared is None)) for p in problems]
    return components.file_refused_alert(
        [
            html.Strong("Not accepted. "),
            f"{filename} was not kept (nothing changed):",
            html.Ul(lines, className="mb-1"),
            *([html.Div(f"Fix: {shared}.")] if shared else []),
        ]
    )


def problem_line(problem: Any, *, with_fix: bool) -> str:
    """A problem's line, with its own fix (in this page's words) when the problems do not
    share one."""
    fix = page_fix(problem) if with_fix else None
    return components.file_problem_line(problem, fix)


def restore_and_score(ctx: DashboardContext, session: dict | None, version: int | None) -> tuple:
    if not (session or {}).get("plan_id"):
        return unscored(components.need_plan_notice())
    if not isinstance(version, int) or isinstance(version, bool):
        return unscored(components.info_alert("Choose the version to go back to first."))
    plan_id, user = components.action_plan(session), components.acting_user(session) or ""
    restored, alert = components.call_service(
        lambda: actuals.restore_actuals(ctx.store, plan_id, version, actor=user)
    )
    if restored is None:
        return refused(ctx, plan_id, alert)
    kept = dbc.Alert(
        f"{sentence(restored.message())}.", color="info" if restored.unchanged else "success"
    )
    score, alert = components.call_service(lambda: actuals.score_kept(ctx.store, plan_id))
    if score is None:
        return unscored(alert or kept)
    return scored(score, _currency(ctx, plan_id), kept)


def refused(ctx: DashboardContext, plan_id: str, alert: Any) -> tuple:
    """A refused upload or restore: the refusal beside the actuals still in force, scored as
    they were (nothing changed), not an empty page that reads as if none were kept."""
    score, _ = components.call_service(lambda: actuals.score_kept(ctx.store, plan_id))
    if score is None:
        return unscored(alert)
    return scored(score, _currency(ctx, plan_id), alert)


def show_kept(ctx: DashboardContext, session: dict | None) -> tuple:
    """On opening a plan: its tracks scored on the actuals it already keeps (if any)."""
    if not (session or {}).get("plan_id"):
        return unscored(None)
    plan_id = components.action_plan(session)
    score, alert = components.call_service(lambda: actuals.score_kept(ctx.store, plan_id))
    if score is None:
        return unscored(alert or earlier_version_notice(ctx, plan_id))
    return scored(score, _currency(ctx, plan_id), None)


def earlier_version_notice(ctx: DashboardContext, plan_id: str) -> dbc.Alert | None:
    """For a new version without actuals: the earlier version that keeps them, named if the
    signed-in user may see it."""
    user, admin = components.acting_user(None), components.acting_admin()
    found, _ = components.call_service(
        lambda: actuals.earlier_version_with_actuals(ctx.store, plan_id, user, admin=admin)
    )
    if found is None:
        return None
    because = components.earlier_version_keeps_actuals(found)
    return components.info_alert(f"No actuals kept on this plan yet: {because}.")


def upload_role(ctx: DashboardContext, session: dict | None) -> tuple[bool, Any]:
    """The upload is for the plan's owner and planners: disabled, with the reason, for others
    (the service refuses them as well)."""
    if not (session or {}).get("plan_id"):
        return False, None
    plan_id = components.action_plan(session)
    user = components.acting_user(session)
    permission, alert = components.call_service(
        lambda: actuals.keep_permission(ctx.store, plan_id, user)
    )
    if permission is None:
        return True, alert
    return not permission.allowed, components.permission_note(permission)


def week_dates_hidden(ctx: DashboardContext, session: dict | None) -> bool:
    """The week dates choice is for a weekly plan's actuals: hidden on a plan of days, months
    or quarters, where it means nothing."""
    if not (session or {}).get("plan_id"):
        return False
    try:
        freq = plans.get_plan(ctx.store, components.action_plan(session)).freq
    except ServiceError:
        return False
    return not str(freq).upper().startswith("W")


def keeper_only(ctx: DashboardContext, session: dict | None) -> bool:
    """Restoring is for those who keep actuals, as uploading is (the service refuses others)."""
    return upload_role(ctx, session)[0] if (session or {}).get("plan_id") else True


def list_versions(
    ctx: DashboardContext, session: dict | None, _alert: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], None, dict[str, str]]:
    """The kept versions, and the earlier ones to go back to (none chosen; the control hidden
    while there is none)."""
    if not (session or {}).get("plan_id"):
        return [], [], None, HIDDEN
    versions, _ = components.call_service(
        lambda: actuals.actuals_versions(ctx.store, components.action_plan(session))
    )
    options = restore_options(versions or [])
    return version_rows(versions or []), options, None, ({} if options else HIDDEN)


def restore_options(versions: list[Any]) -> list[dict[str, Any]]:
    """Every version but the one in force, newest first."""
    return [
        {
            "label": f"{v.version}: {v.filename} ({v.uploaded_by}, {components.when(v.at)})",
            "value": v.version,
        }
        for v in reversed(versions[:-1])
    ]


def _currency(ctx: DashboardContext, plan_id: str) -> str | None:
    return negotiation.summary(ctx.store, plan_id).get("currency")


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    session = Input(ids.NAV_SESSION, "data")
    bind(
        app,
        ctx,
        upload_and_forget,
        Output(ids.ACTUALS_FIGURE, "figure"),
        Output(ids.ACTUALS_GRID, "rowData"),
        Output(ids.ACTUALS_VERDICT, "children"),
        Output(ids.ACTUALS_ALERT, "children"),
        Output(ids.ACTUALS_UPLOAD, "contents"),
        Output(ids.ACTUALS_CONFIRM_SCALE, "value"),
        Output(ids.ACTUALS_WHOLE_PERIODS, "value"),
        Input(ids.ACTUALS_UPLOAD, "contents"),
        session,
        Input(ids.ACTUALS_RESTORE, "n_clicks"),
        State(ids.ACTUALS_UPLOAD, "filename"),
        State(ids.ACTUALS_RESTORE_VERSION, "value"),
        State(ids.ACTUALS_DECIMAL, "value"),
        State(ids.ACTUALS_CONFIRM_SCALE, "value"),
        State(ids.ACTUALS_WEEK_DATES, "value"),
        State(ids.ACTUALS_SUM_DUPLICATES, "value"),
        State(ids.ACTUALS_WHOLE_PERIODS, "value"),
    )
    role = (Output(ids.ACTUALS_UPLOAD, "disabled"), Output(ids.ACTUALS_ROLE, "children"))
    bind(app, ctx, upload_role, *role, session)
    bind(app, ctx, keeper_only, Output(ids.ACTUALS_RESTORE, "disabled"), session)
    bind(app, ctx, week_dates_hidden, Output(ids.ACTUALS_WEEK_DATES_AREA, "hidden"), session)
    versions = (
        Output(ids.ACTUALS_VERSIONS, "rowData"),
        Output(ids.ACTUALS_RESTORE_VERSION, "options"),
        Output(ids.ACTUALS_RESTORE_VERSION, "value"),
        Output(ids.ACTUALS_RESTORE_ROW, "style"),
    )
    bind(app, ctx, list_versions, *versions, session, Input(ids.ACTUALS_ALERT, "children"))
