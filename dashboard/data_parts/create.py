"""Creating a plan from the uploaded file: a background callback (the baseline takes a while),
with a progress bar that moves through reading, the model choice, the fits and saving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard import components, ids, jobs, relay
from dashboard.context import DashboardContext
from dashboard.data_parts import like as like_part
from dashboard.data_parts import upload, view
from dashboard.wiring import bind
from forecast.services import money, plan_create, plan_standing
from forecast.services.errors import NotFound, Unavailable

NOT_DONE = (no_update, no_update)
# The form, in the order of `plan_request`'s parameters.
FORM = (
    State(ids.DATA_PLAN_NAME, "value"),
    State(ids.DATA_HORIZON, "value"),
    State(ids.DATA_TEAM_ATTR, "value"),
    State(ids.DATA_MODEL, "value"),
    State(ids.DATA_MAP_ID, "value"),
    State(ids.DATA_MAP_DATE, "value"),
    State(ids.DATA_MAP_VALUE, "value"),
    State(ids.DATA_MAP_FREQ, "value"),
    State(ids.DATA_CURRENCY, "value"),
    State(ids.DATA_MAP_WEEK_DATES, "value"),
    State(ids.DATA_MAP_DECIMAL, "value"),
)


def plan_request(
    name: str | None,
    horizon: Any,
    team: str | None,
    model: str | None,
    id_cols: list[str] | None,
    date_col: str | None,
    value_col: str | None,
    freq: str | None,
    currency: str | None,
    week_dates: str | None = None,
    decimal: str | None = None,
) -> dict[str, Any] | str:
    """`plan_create.create_plan`'s options from the form; what to do first (str) when the sales column
    is not picked: a plan is never made from a column the page only guessed."""
    if not value_col:
        return f"Pick the sales column in {view.VALUE_FIELD} first: the plan is made from it."
    return {
        "name": name or "",
        "horizon": int(horizon or 0),
        "team_attr": team or None,
        "model": model or "auto",
        "id_cols": id_cols or None,
        "date_col": date_col or None,
        "value_col": value_col,
        "freq": freq or None,
        "currency": currency or None,
        "week_dates": week_dates or "start",
        "decimal": decimal if decimal in (".", ",") else None,
    }


def suggest_currency(
    ctx: DashboardContext, sign: str | None, current: str | None, set_by_page: str | None
) -> tuple[Any, Any, Any]:
    """The plan's currency from the sign on the file's amounts (€: EUR), unless the planner
    chose one: the form still holds the currency the page put in it."""
    if current != set_by_page:
        return no_update, no_update, no_update
    suggestion = money.currency_of_sign(sign, current)
    if sign is None:
        return no_update, no_update, view.no_sign_hint(current)
    if suggestion is None:
        return no_update, no_update, None
    return suggestion.code, suggestion.code, view.currency_hint(sign, suggestion)


def reporter(set_progress: Callable[[tuple[str, str]], None]) -> Callable[[float, str], None]:
    """The service's progress(fraction, message) as the bar's value and the line below it."""
    return lambda fraction, message: set_progress(view.progress_values(fraction, message))


def make_plan(
    ctx: DashboardContext,
    sales: Any,
    attributes: Any,
    request: dict[str, Any],
    set_progress: Callable[[tuple[str, str]], None],
    like: str | None = None,
) -> tuple[Any, Any]:
    """The plan from the uploaded files and the form, owned by the signed-in user (made like the
    plan `like` when one was picked), and what the page says of it."""
    store = ctx.fresh_store()  # a background child process: a store of its own
    actor = (components.acting_user(None, ctx) or "").strip()
    files = {"source": sales.content, **upload.file_arguments(sales, attributes)}
    try:
        if like:
            made, said = like_part.make_plan_like(
                store, like, actor, request, progress=reporter(set_progress), **files
            )
            return made.plan, said
        state = plan_create.create_plan(
            store, **files, actor=actor, progress=reporter(set_progress), **request
        )
        return state, view.created(state, plan_standing.served_by_fallback(store, state))
    finally:
        store.close()


FILE_HAS_PROBLEMS = (
    "The file has problems (listed under the upload): correct them and upload it again, or map "
    "other columns and press Apply mapping."
)


def create_plan(ctx: DashboardContext, set_progress, clicks, file, dropped, read, like, *form):
    if not clicks:
        return NOT_DONE
    request = plan_request(*form) if upload.has_file(file) else "Upload a file first."
    if upload.has_file(file) and read is False:
        request = FILE_HAS_PROBLEMS
    if isinstance(request, str):
        return components.info_alert(request), no_update
    try:  # the job's first reading (the form's checks above read nothing): the bytes, held
        sales, attributes = upload.files_of(ctx, file, dropped)
    except NotFound as exc:  # replaced or used already: `uploads.resolve` says which
        return components.error_alert(exc), no_update
    made, alert = components.call_service(
        lambda: make_plan(ctx, sales, attributes, request, set_progress, like)
    )
    if alert is not None:
        return alert, no_update
    upload.discard_used(ctx, file)
    state, said = made
    return said, {"plan_id": state.plan_id}


def job_failed(exc: Exception) -> tuple[Any, Any]:
    """The page's answer when the job was given up on (it hung, or its process died)."""
    problem = jobs.failure(exc)
    if problem is None:  # a bug in the job: Dash reports it with its traceback, as before
        raise exc
    said = (
        f"the plan's progress cannot be followed here: {problem}. Look in the plan picker above "
        "in a while whether it was saved; if not, press Create plan again"
        if problem == jobs.NOT_HERE
        else f"the plan was not created: {problem}. Look in the plan picker above whether it "
        "was saved after all; if not, press Create plan again"
    )
    return components.error_alert(Unavailable(said)), no_update


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        suggest_currency,
        Output(ids.DATA_CURRENCY, "value", allow_duplicate=True),
        Output(ids.DATA_CURRENCY_SET, "data"),
        Output(ids.DATA_CURRENCY_HINT, "children"),
        Input(ids.DATA_CURRENCY_SIGN, "data"),
        State(ids.DATA_CURRENCY, "value"),
        State(ids.DATA_CURRENCY_SET, "data"),
        prevent_initial_call=True,
    )
    bind(
        app,
        ctx,
        create_plan,
        # only outputs of this page: Dash calls a callback on a page's load when one of its
        # outputs (the shell's stores) was there before its inputs, which here would start a
        # job and grey out the uploads on every visit; `show_created` passes the plan on
        Output(ids.DATA_CREATE_RESULT, "children"),
        Output(ids.DATA_CREATED, "data"),
        Input(ids.DATA_CREATE, "n_clicks"),
        State(ids.DATA_FILE, "data"),
        State(ids.DATA_ATTR_FILE, "data"),
        State(ids.DATA_FILE_READ, "data"),
        State(ids.DATA_LIKE, "value"),
        *FORM,
        background=True,
        running=[
            (Output(ids.DATA_CREATE, "disabled"), True, False),
            (Output(ids.DATA_CANCEL, "disabled"), False, True),
            # what would replace the files the job reads: not while it runs
            (Output(ids.DATA_UPLOAD, "disabled"), True, False),
            (Output(ids.DATA_USE_SAMPLE, "disabled"), True, False),
            (Output(ids.DATA_ATTR_UPLOAD, "disabled"), True, False),
        ],
        progress=[Output(ids.DATA_PROGRESS, "value"), Output(ids.DATA_PROGRESS_TEXT, "children")],
        cancel=[Input(ids.DATA_CANCEL, "n_clicks")],
        on_error=job_failed,
        prevent_initial_call=True,
    )
    relay.pick(app, ids.DATA_CREATED)
