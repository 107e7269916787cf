"""A plan made like an earlier one, the weekly rerun (``forecast.services.plan_like``): the
"Like an earlier plan" choice offers the plans the signed-in person owns, newest first; picking
one fills the create form with its settings (again after each read of the file, which puts its own
detection in some fields); Create then carries its members and events, and the page says what was
carried, clipped, left out and not carried."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update
from dash import ctx as callback_ctx

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.data_parts import layout, upload, view
from dashboard.fix_hints import PAGE_LIKE_FIXES
from dashboard.shell import plan_options
from dashboard.wiring import bind
from forecast.services import plan_like, plan_standing
from forecast.services.errors import ServiceError
from forecast.services.model_names import FallbackServed

FREQ_CODES = ("D", "W", "M", "Q")
# The form's fields a read of the file puts its own detection in: any read its team, a new
# file its horizon and frequency too (the currency is the planner's once a plan is picked).
REFILLED_AFTER_READ = frozenset({"team_attr_options", "team_attr"})
REFILLED_AFTER_NEW_FILE = REFILLED_AFTER_READ | {"horizon", "horizon_offered", "freq"}
# Settings the form holds as none: "" tells the service they are given so (no team, the file's
# own frequency), not left for it to take from the earlier plan.
GIVEN_AS_NONE = ("team_attr", "freq")


def form_of(state: Any) -> dict[str, Any]:
    """The plan's settings as the create form holds them (its frequency as the form's choice,
    a model the form does not offer as none)."""
    settings = plan_like.settings_of(state)
    freq = (settings["freq"] or "")[:1].upper()
    return settings | {
        "model": settings["model"] if settings["model"] in layout.MODELS else None,
        "freq": freq if freq in FREQ_CODES else None,
    }


def like_request(request: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """`plan_like.create_plan_like`'s options from the form's request: a setting the form still
    holds as the earlier plan has it is left for the service to take (exactly, a weekly
    calendar's day too) and to report as taken; one the person changed is given again, a team
    or frequency they cleared as "" (none, detect)."""
    return {key: given(key, value, theirs) for key, value in request.items()}


def given(key: str, value: Any, theirs: dict[str, Any]) -> Any:
    if key in theirs and value == theirs[key]:
        return None
    if value is None and key in GIVEN_AS_NONE:
        return ""
    return value


def like_options(ctx: DashboardContext, _changed: Any) -> list[dict[str, str]]:
    user = components.acting_user(None, ctx)
    return plan_options(plan_like.plans_to_make_like(ctx.store, user))


def with_option(choices: Any, value: str | None, label: str) -> Any:
    """`choices` with `value` added (labelled `label`) when missing; no_update when present."""
    choices = list(choices or [])
    if value is None or value in {c.get("value") for c in choices if isinstance(c, dict)}:
        return no_update
    return [*choices, {"label": label, "value": value}]


def fill_hint(state: Any, settings: dict[str, Any], mapping: tuple[Any, ...] = ()) -> str:
    """What the form took; and, once the file is read, whether its columns are the plan's."""
    threshold = settings["threshold"]
    kept = f"; its deviation threshold ({threshold * 100:g} %) is taken too" if threshold else ""
    said = (
        f"The form now holds the settings of {state.name!r}{kept}. Change any of them; Create "
        "plan carries its members and its events that fall in the new horizon."
    )
    theirs = (settings["id_cols"] or [], settings["date_col"], settings["value_col"])
    ours = (list(mapping[0] or []), *mapping[1:]) if len(mapping) == 3 and mapping[2] else None
    if ours is None or tuple(ours) == theirs:
        return said
    return said + (
        f" {state.name!r} was read with series key {', '.join(theirs[0]) or '–'}, date "
        f"{theirs[1]} and sales {theirs[2]}; this file is mapped to {', '.join(ours[0]) or '–'}, "
        f"{ours[1]} and {ours[2]}: check Column mapping, the new plan is read as mapped there."
    )


def fill_form(
    ctx: DashboardContext, like, file, _read, team_options, currency_options, *mapping
) -> tuple[Any, ...]:
    return fill(ctx, like, fill_trigger(file), team_options, currency_options, mapping)


def fill_trigger(file: Any) -> Any:
    """What `fill` answers: the choice; a new file read (its upload changed, and the read that
    follows is waited for); or a file read again."""
    triggered = {t.split(".")[0] for t in callback_ctx.triggered_prop_ids}
    if ids.DATA_LIKE in triggered:
        return ids.DATA_LIKE
    if ids.DATA_FILE in triggered:
        return ids.DATA_FILE if upload.has_file(file) else None
    return ids.DATA_FILE_READ


def fill(
    ctx: DashboardContext,
    like: Any,
    trigger: Any,
    team_options: Any,
    currency_options: Any,
    mapping: tuple[Any, ...] = (),
) -> tuple[Any, ...]:
    """The form from the earlier plan, when picked (`trigger` the choice); after a read of a new
    file (`trigger` DATA_FILE) or of the file again (DATA_FILE_READ), only the fields that read
    put its own detection in; nothing when the file was removed (None). `mapping`: the file's
    series key, date and sales columns as the page maps them."""
    nothing = (no_update,) * (len(FILLED) - 1)
    if trigger is None:
        return (*nothing, no_update)
    if not like:
        return (*nothing, None if trigger == ids.DATA_LIKE else no_update)
    try:
        state = plan_like.plan_to_make_like(ctx.store, like, components.acting_user(None, ctx))
    except ServiceError as exc:
        return (*nothing, components.error_alert(exc))
    theirs = form_of(state)
    values = filled(state, theirs, team_options, currency_options)
    if trigger != ids.DATA_LIKE:
        refilled = REFILLED_AFTER_NEW_FILE if trigger == ids.DATA_FILE else REFILLED_AFTER_READ
        values = {k: v if k in refilled else no_update for k, v in values.items()}
    return (*values.values(), fill_hint(state, theirs, mapping))


def filled(
    state: Any, theirs: dict[str, Any], team_options: Any, currency_options: Any
) -> dict[str, Any]:
    """The form's values from `theirs`, in the order of `FILLED`; a team or currency the form
    does not offer (a team column of the earlier plan's store table) is added to its choices."""
    team, currency = theirs["team_attr"], theirs["currency"]
    return {
        "horizon": theirs["horizon"],
        "horizon_offered": None,  # the planner's choice now: another frequency does not replace it
        "team_attr_options": with_option(team_options, team, f"{team} (as in {state.name!r})"),
        "team_attr": team,
        "model": theirs["model"] or no_update,
        "currency_options": with_option(currency_options, currency, currency),
        "currency": currency,
        "currency_set": None,  # the planner's choice now: a sign on the file no longer changes it
        "freq": theirs["freq"] or "",
        "week_dates": theirs["week_dates"],
    }


FILLED = (
    Output(ids.DATA_HORIZON, "value", allow_duplicate=True),
    Output(ids.DATA_HORIZON_OFFERED, "data", allow_duplicate=True),
    Output(ids.DATA_TEAM_ATTR, "options", allow_duplicate=True),
    Output(ids.DATA_TEAM_ATTR, "value", allow_duplicate=True),
    Output(ids.DATA_MODEL, "value"),
    Output(ids.DATA_CURRENCY, "options"),
    Output(ids.DATA_CURRENCY, "value", allow_duplicate=True),
    Output(ids.DATA_CURRENCY_SET, "data", allow_duplicate=True),
    Output(ids.DATA_MAP_FREQ, "value", allow_duplicate=True),
    Output(ids.DATA_MAP_WEEK_DATES, "value"),
    Output(ids.DATA_LIKE_HINT, "children"),
)


def note_text(note: plan_like.LikeNote) -> str:
    """A note of the service in the page's words: its fix names the page and the button."""
    return note.text(PAGE_LIKE_FIXES)


def as_sentence(words: str) -> str:
    return f"{words[:1].upper()}{words[1:]}."


TAKEN_FORMATS = {
    "threshold": lambda share: f"{float(share) * 100:g} %",
    "freq": lambda freq: view.periods_in_words(str(freq)),
    "week_dates": lambda dated: "the week's last day" if dated == "end" else "the week's first day",
}


def taken_text(key: str, value: Any) -> str:
    return plan_like.taken_text(key, value, on_page=True, formats=TAKEN_FORMATS)


def events_said(made: plan_like.PlanLike, origin_name: str) -> list[Any]:
    if not made.events:
        return [html.Li(f"Events: {origin_name!r} had none.")]
    heads = (
        (plan_like.CARRIED, "Events carried as they were"),
        (plan_like.CLIPPED, "Events clipped to the new horizon"),
        (plan_like.LEFT_OUT, "Events left out"),
    )
    said = []
    for outcome, head in heads:
        events = made.of(outcome)
        if events:
            parts = [
                f"{e.event_id} {e.name!r}" + (f" ({e.said(PAGE_LIKE_FIXES)})" if e.detail else "")
                for e in events
            ]
            said.append(html.Li(f"{head}: " + "; ".join(parts) + "."))
    return said


def created_like(
    made: plan_like.PlanLike, origin_name: str, served: Sequence[FallbackServed] = ()
) -> html.Div:
    """What the new plan took from the earlier one, in the page's words (the CLI's report), and
    the series the model asked for did not serve (`view.fallbacks_said`)."""
    state = made.plan
    taken = "; ".join(taken_text(k, v) for k, v in made.taken.items()) or "nothing"
    members = ", ".join(made.members) or "none besides you"
    items = [
        html.Li(f"Settings taken from {origin_name!r}: {taken}."),
        html.Li(f"Members copied: {members}."),
        *[html.Li(f"Member {note}.") for note in made.members_left_out],
        *events_said(made, origin_name),
        *[html.Li(as_sentence(note_text(note))) for note in made.not_carried],
        *[html.Li(as_sentence(note_text(note))) for note in made.teams_without_lead],
    ]
    return html.Div(
        [
            dbc.Alert(
                [
                    html.Strong(
                        f"Plan {state.name!r} created like {origin_name!r} "
                        f"({state.dataset.n_series:,} series, horizon {state.horizon}). It is "
                        "now selected above."
                    ),
                    html.Ul(items, className="mb-0 mt-2", id=ids.DATA_LIKE_REPORT),
                ],
                color="success",
                dismissable=True,
                className="service-ok",
            ),
            view.fallbacks_said(served, state.plan_id),
        ],
        id=ids.DATA_CREATE_OK,
    )


def make_plan_like(store: Any, like: str, actor: str, request: dict[str, Any], **files: Any) -> Any:
    """The plan like `like` (checked again here, before the file is read: the id came from the
    browser) and its report."""
    origin = plan_like.plan_to_make_like(store, like, actor)
    made = plan_like.create_plan_like(
        store, like=origin.plan_id, actor=actor, **files, **like_request(request, form_of(origin))
    )
    return made, created_like(made, origin.name, plan_standing.served_by_fallback(store, made.plan))


def register(app: Dash, ctx: DashboardContext) -> None:
    choices = Output(ids.DATA_LIKE, "options")
    bind(app, ctx, like_options, choices, Input(ids.NAV_PLANS_CHANGED, "data"))
    bind(
        app,
        ctx,
        fill_form,
        *FILLED,
        Input(ids.DATA_LIKE, "value"),
        Input(ids.DATA_FILE, "data"),
        Input(ids.DATA_FILE_READ, "data"),
        State(ids.DATA_TEAM_ATTR, "options"),
        State(ids.DATA_CURRENCY, "options"),
        State(ids.DATA_MAP_ID, "value"),
        State(ids.DATA_MAP_DATE, "value"),
        State(ids.DATA_MAP_VALUE, "value"),
        prevent_initial_call=True,
    )
