"""The shell around the pages: the navbar with the plan picker and who is signed in, and the
session that carries the selected plan to every page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from dashboard import auth, drift_notice, ids
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import plan_access
from forecast.services import plans as plan_service
from forecast.services.money import currency_text


def not_found(pages: Sequence[Any]) -> html.Div:
    """What an unknown address shows: that there is no such page, and the pages there are."""
    return html.Div(
        [
            html.H2("There is no such page", className="mb-2"),
            html.P("The pages of the planner are:"),
            html.Ul([html.Li(dcc.Link(page.NAME, href=page.PATH)) for page in pages]),
        ],
        id="not-found",
    )


NAV_TOOLS = "nav-tools"
"""The class of the navbar's right-hand group (plan picker, who is signed in, Password, Sign out):
forecast.css lets it wrap onto a line of its own inside the dark bar on a narrow window."""


OFFLINE_TEXT = "Cannot reach the server: a change made now is not saved. Retrying…"


def offline_notice() -> html.Div:
    """The notice forecast.js shows when a callback's request never reached the server (and
    hides on the next one that does): without it a click while the server was down did
    nothing visible. Hidden until then; a status, so screen readers say it when it shows."""
    return html.Div(
        OFFLINE_TEXT,
        id=ids.NAV_OFFLINE,
        role="status",
        hidden=True,
        className="offline-notice alert alert-warning shadow mb-0 py-2",
    )


def refused_notice() -> html.Div:
    """The notice forecast.js shows when the server refused a callback the page sent: the
    sign-in ended (with a link to sign in again that comes back to this page), or the plan the
    page shows is no longer the person's to see (with a link that reloads the page, the picker
    then offering their plans). Without it the click did nothing visible and what the person had
    typed was not saved without a word. Hidden until then; an alert, so screen readers say it."""
    return html.Div(
        [
            html.Span(id=ids.NAV_REFUSED_TEXT),
            " ",
            html.A(
                "Sign in again",
                id=ids.NAV_REFUSED_SIGN_IN,
                href=auth.LOGIN_PATH,
                hidden=True,
                className="alert-link",
            ),
            html.A(
                "Show the plans you can see",
                id=ids.NAV_REFUSED_RELOAD,
                href="/",
                hidden=True,
                className="alert-link",
            ),
        ],
        id=ids.NAV_REFUSED,
        role="alert",
        hidden=True,
        className="offline-notice alert alert-danger shadow mb-0 py-2",
    )


def layout(pages: Sequence[Any], *, sign_out: bool = True) -> html.Div:
    """The navbar (a link per page, the plan picker, who is signed in, Sign out) around the
    page container; the session store keeps the selected plan."""
    nav_links = [
        dbc.NavItem(
            dbc.NavLink(
                page.NAME,
                href=page.PATH,
                active="exact",
                id=f"nav-link-{page.PATH.strip('/') or 'data'}",
            )
        )
        for page in pages
    ]
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Forecast planner", href="/", className="fw-bold"),
                dbc.Nav(nav_links, navbar=True, className="me-auto"),
                html.Div(
                    [
                        # Wide enough for a full name with its version and status: an agreed
                        # plan and its new v1 draft must be told apart; never wider than the
                        # bar (at 1024 px the group wraps below the page links, forecast.css).
                        html.Label("Plan", htmlFor=ids.NAV_PLAN, className="visually-hidden"),
                        dcc.Dropdown(
                            id=ids.NAV_PLAN,
                            placeholder="Pick a plan",
                            clearable=False,
                            style={"width": "460px", "maxWidth": "100%"},
                        ),
                        html.Span(
                            id=ids.NAV_PLAN_NOTE, role="status", className="text-white small"
                        ),
                        html.Span(id=ids.NAV_ROLE, className="text-white small"),
                        # Behind a sign-in proxy (--auth header) the proxy signs people out.
                        *(
                            [
                                html.A(
                                    "Password",
                                    href=auth.PASSWORD_PATH,
                                    id=ids.NAV_PASSWORD,
                                    className="btn btn-outline-light btn-sm",
                                ),
                                html.Form(
                                    html.Button(
                                        "Sign out",
                                        id=ids.NAV_SIGN_OUT,
                                        type="submit",
                                        className="btn btn-outline-light btn-sm",
                                    ),
                                    action=auth.LOGOUT_PATH,
                                    method="POST",
                                    className="m-0",
                                ),
                            ]
                            if sign_out
                            else []
                        ),
                    ],
                    className=f"{NAV_TOOLS} d-flex flex-wrap gap-2 align-items-center",
                ),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3",
    )
    return html.Div(
        [
            dcc.Location(id=ids.NAV_URL),
            dcc.Store(id=ids.NAV_SESSION, storage_type="session"),
            dcc.Store(id=ids.NAV_PLANS_CHANGED, data=0),
            navbar,
            offline_notice(),
            refused_notice(),
            # the main landmark: a screen reader's "skip to content" lands on the page itself
            html.Main(
                dbc.Container(
                    [drift_notice.container(), dash.page_container], fluid=True, className="pb-5"
                )
            ),
        ]
    )


def member_label(user: str, roles: list[str], team: str | None) -> str:
    """`"lena — lead of team a"`, `"olga — owner, planner"`."""
    parts = [f"lead of team {team}" if r == "lead" and team else r for r in roles]
    return f"{user} — {', '.join(parts)}" if parts else user


def plan_label(summary: Any, superseded: bool = False, with_currency: bool = False) -> str:
    """Name, status (and currency, `with_currency`) and when the plan was made; "older version"
    once a new version was made from it. (Not its edit count: a new version starts at 1 again,
    and looked older than its source.)"""
    made = str(summary.created_at)[:10]
    money = f" · {currency_text(summary.currency)}" if with_currency else ""
    older = " · older version" if superseded else ""
    archived = " · archived" if summary.archived else ""
    return f"{summary.name} · {summary.status}{money} · made {made}{older}{archived}"


def plan_options(summaries: list[Any]) -> list[dict[str, str]]:
    """The plans as the plan pickers name them, each with its currency where they are in more
    than one."""
    parents = {s.parent_id for s in summaries}
    with_currency = len({s.currency for s in summaries}) > 1
    return [
        {"label": plan_label(s, s.plan_id in parents, with_currency), "value": s.plan_id}
        for s in summaries
    ]


def list_plans(
    ctx: DashboardContext, _changed: Any, session: dict | None
) -> tuple[list[dict], str | None]:
    """The plans the user may see, keeping the selected one (else the one to open first).
    Archived plans are left out, but for the selected one (opened from the Plans page's list
    of archived plans, or archived while selected), shown as archived."""
    wanted = (session or {}).get("plan_id")
    summaries = [s for s in auth.visible_plans(ctx.store) if not s.archived or s.plan_id == wanted]
    options = plan_options(summaries)
    if wanted in {s.plan_id for s in summaries}:
        return options, wanted
    opened = plan_access.plan_to_open([s for s in summaries if not s.archived])
    return options, (opened.plan_id if opened else None)


LOST_PLAN_NAME_CHARS = 200
"""The most of a lost plan's name (as the session kept it) the note says."""


def lost_plan_note(
    ctx: DashboardContext, _changed: Any, _picked: Any, session: dict | None
) -> str | None:
    """What the picker says when the plan this tab had open is no longer one the person may
    see (removed from its members): the picker then offered their other plans, or nothing,
    without a word. The name is the one the session kept when the plan was
    picked (this browser's own; the server names no plan the person may not see)."""
    wanted = (session or {}).get("plan_id")
    if not wanted or wanted in {s.plan_id for s in auth.visible_plans(ctx.store)}:
        return None
    name = (session or {}).get("plan_name")
    named = (
        f"the plan “{name[:LOST_PLAN_NAME_CHARS]}”"
        if isinstance(name, str) and name.strip()
        else "the plan this page had open"
    )
    return (
        f"You are no longer a member of {named}: ask its owner to add you "
        "again if you still need it."
    )


def remember(ctx: DashboardContext, plan_id: str | None, session: dict | None) -> tuple[dict, Any]:
    """The picked plan (and its name, for the note when it is lost) into the session, and who is
    signed in with their roles in it."""
    kept = session or {}
    session = {"plan_id": plan_id or kept.get("plan_id"), "plan_name": kept.get("plan_name")}
    state = plan_service.get_plan(ctx.store, plan_id) if plan_id else None
    if state is not None:
        session["plan_name"] = state.name
    account = auth.current_account()
    if account is None:
        return session, ""
    roles: list[str] = []
    team = None
    if state is not None:
        roles, team = state.roles_of(account.name), state.team_of(account.name)
    if account.is_admin:
        roles = [*roles, "admin"]
    label = member_label(account.name, roles, team) if roles else f"{account.name} — viewer"
    return session, [html.Span("Signed in as ", className="opacity-75"), html.Strong(label)]


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    picker = (Output(ids.NAV_PLAN, "options"), Output(ids.NAV_PLAN, "value"))
    session = State(ids.NAV_SESSION, "data")
    bind(app, ctx, list_plans, *picker, Input(ids.NAV_PLANS_CHANGED, "data"), session)
    remembered = (Output(ids.NAV_SESSION, "data"), Output(ids.NAV_ROLE, "children"))
    bind(app, ctx, remember, *remembered, Input(ids.NAV_PLAN, "value"), session)
    changed, picked = Input(ids.NAV_PLANS_CHANGED, "data"), Input(ids.NAV_PLAN, "value")
    bind(app, ctx, lost_plan_note, Output(ids.NAV_PLAN_NOTE, "children"), changed, picked, session)
    drift_notice.register(app, ctx)
