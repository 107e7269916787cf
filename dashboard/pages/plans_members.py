"""The members editor of the Plans page: the owner adds and removes planners, team leads and
co-owners of the selected plan. Every change is one audit row (services.plan_members.grant / revoke)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids, relay
from dashboard.context import DashboardContext
from dashboard.pages import plans_accounts
from dashboard.wiring import bind
from forecast.services import accounts, plan_access, plan_members
from forecast.services import plans as plan_service

SECTION = "plans-members"
TABLE = "plans-members-table"
ALERT = "plans-members-alert"
REFRESH = ids.PLANS_MEMBERS_REFRESH
USER = "plans-members-user"
ROLE = "plans-members-role"
TEAM = "plans-members-team"
ADD = "plans-members-add"
NOTE = "plans-members-note"
COPY_FROM = "plans-members-copy-from"
COPY = "plans-members-copy"
REMOVE = "plans-members-remove"  # pattern-matching: {"type": REMOVE, "user": ..., "role": ...}
REMOVE_CLICKED = ids.PLANS_MEMBERS_REMOVE_CLICKED  # dcc.Store: the Remove clicked

ROLE_CHOICES = (
    ("planner", "planner (events, explanations)"),
    ("lead", "team lead (claims for one team)"),
    ("owner", "co-owner (goal, rule, lock, members)"),
)


def section(ctx: DashboardContext) -> html.Div:
    """The editor's layout (placed on the Plans page)."""
    del ctx
    return html.Div(
        [
            html.H2("Members", className="h4 mt-4"),
            html.P(
                "Who works on the selected plan, and in which role. The owner (or an admin) "
                "adds and removes members; people need an account to be added (an admin adds it under "
                "Accounts (admin) on this page).",
                className="small text-muted",
            ),
            dcc.Store(id=REFRESH, data=0),
            dcc.Store(id=REMOVE_CLICKED),
            html.Div(id=ALERT),
            html.Div(id=TABLE),
            dbc.Row(
                [
                    components.labelled_col(
                        "Account to add",
                        dcc.Dropdown(id=USER, placeholder="Account"),
                        md=3,
                    ),
                    components.labelled_col(
                        "Role",
                        dcc.Dropdown(
                            id=ROLE,
                            options=[{"label": t, "value": r} for r, t in ROLE_CHOICES],
                            value="lead",
                            clearable=False,
                        ),
                        md=4,
                    ),
                    components.labelled_col(
                        "Team (for a lead)",
                        dcc.Dropdown(id=TEAM, placeholder="Team (for a lead)"),
                        md=3,
                    ),
                    dbc.Col(dbc.Button("Add", id=ADD, color="primary"), md=2),
                ],
                className="g-2 mt-2 align-items-center",
            ),
            html.Div(id=NOTE),
            dbc.Row(
                [
                    components.labelled_col(
                        "Copy the members of",
                        dcc.Dropdown(
                            id=COPY_FROM,
                            placeholder="Or copy the members of another plan you own",
                        ),
                        md=7,
                    ),
                    dbc.Col(
                        dbc.Button("Copy members", id=COPY, color="secondary", disabled=True),
                        md=2,
                    ),
                ],
                className="g-2 mt-2 align-items-center",
            ),
        ],
        id=SECTION,
    )


def member_rows(members: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(user, role, team) per role held, by user then role."""
    return [
        (user, role, member.team if role == "lead" else None)
        for user, member in sorted(members.items())
        for role in member.roles
    ]


def members_table(
    rows: list[tuple[str, str, str | None]],
    *,
    can_edit: bool,
    disabled: set[str] | frozenset[str] = frozenset(),
) -> Any:
    """One row per role held; a member whose account is disabled (someone who left) is marked."""
    if not rows:
        return components.info_alert("This plan has no members yet.")
    body = []
    for user, role, team in rows:
        label = f"lead of team {team}" if role == "lead" and team else role
        remove = dbc.Button(
            "Remove",
            id={"type": REMOVE, "user": user, "role": role},
            color="link",
            size="sm",
            className="p-0",
            disabled=not can_edit,
        )
        name: Any = user
        if user in disabled:
            mark = html.Span(" (disabled)", className="text-muted members-disabled")
            name = [user, mark]
        body.append(html.Tr([html.Td(name), html.Td(label), html.Td(remove)]))
    return dbc.Table(
        [html.Thead(html.Tr([html.Th("Account"), html.Th("Role"), html.Th("")])), html.Tbody(body)],
        size="sm",
        className="members-table",
        style={"maxWidth": "640px"},
    )


def members_view(
    state: Any,
    user: str | None,
    people: list[str],
    teams: list[str],
    *,
    admin: bool = False,
    disabled: set[str] | frozenset[str] = frozenset(),
) -> tuple[Any, list, list, bool, Any]:
    """The table, the account and team choices, whether Add is disabled, and the role note.
    Add and every Remove are disabled, with the services' reason, when the user may not change
    the members (not the owner nor an admin; the plan archived, or agreed: it was read-only, yet
    Add and Remove were offered and every click refused). An admin may change the members of
    any plan: the way back for a plan whose only owner has left."""
    permission = plan_access.members_permission(state, user, admin=admin)
    can_edit = permission.allowed
    note = components.permission_note(permission)
    table = members_table(member_rows(state.members), can_edit=can_edit, disabled=disabled)
    people = people if can_edit else []
    return table, components.options(people), components.options(teams), not can_edit, note


def render(
    ctx: DashboardContext,
    session: dict | None,
    _refresh: int | None,
    _accounts_refresh: int | None = None,
) -> tuple:
    """Drawn anew when the plan, its members or an account changes (an account added under
    Accounts can be added at once; one disabled there is marked "(disabled)")."""
    plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
    if not plan_id:
        return components.need_plan_notice(), [], [], True, None
    state, alert = components.call_service(lambda: plan_service.get_plan(ctx.store, plan_id))
    if alert is not None:
        return alert, [], [], True, None
    people = [a.name for a in accounts.list_users(ctx.store) if a.active]
    admin = plan_access.is_admin(ctx.store, user)
    teams = plan_service.plan_teams(ctx.store, plan_id)
    disabled = plan_access.disabled_members(ctx.store, state)
    return members_view(state, user, people, teams, admin=admin, disabled=disabled)


def add_member(
    ctx: DashboardContext,
    _clicks: int | None,
    member: str | None,
    role: str | None,
    team: str | None,
    session: dict | None,
    refresh: int | None,
    page_refresh: int | None,
) -> tuple:
    if not member:
        return components.info_alert("Pick the account to add."), no_update, no_update
    plan_id, actor = components.action_plan(session), components.acting_user(session) or ""
    lead_of = team if role == "lead" else None
    granted, alert = components.call_service(
        lambda: plan_members.grant(ctx.store, plan_id, actor, member, role or "", team=lead_of)
    )
    done = f"{member} is now {_role_text(role, team)}."
    if granted is not None and granted.note:  # a lead moved from another team says which
        done += f" {granted.note.rstrip('.')}."  # it starts with a name: kept as written
    return _changed(alert, done, refresh, page_refresh)


def remove_member(
    ctx: DashboardContext,
    clicked: dict | None,
    session: dict | None,
    refresh: int | None,
    page_refresh: int | None,
) -> tuple:
    """The Remove `clicked` (`relay.clicked`: its id, {"type", "user", "role", "clicks"})."""
    who, what = (clicked or {}).get("user"), (clicked or {}).get("role")
    if not who or not what:
        return no_update, no_update, no_update
    who, what = str(who), str(what)
    plan_id, actor = components.action_plan(session), components.acting_user(session) or ""
    _, alert = components.call_service(
        lambda: plan_members.revoke(ctx.store, plan_id, actor, who, what)
    )
    return _changed(alert, f"{who} is no longer {what} of this plan.", refresh, page_refresh)


def copy_sources(ctx: DashboardContext, session: dict | None, _refresh: int | None) -> tuple:
    """The plans whose members the owner may copy onto this one (none for anyone else)."""
    plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
    if not plan_id:
        return [], True
    found, _ = components.call_service(lambda: plan_access.member_sources(ctx.store, plan_id, user))
    options = [
        {"label": f"{s.name} (v{s.version}, {s.status})", "value": s.plan_id} for s in found or []
    ]
    return options, not options


def copy_members(
    ctx: DashboardContext,
    _clicks: int | None,
    source: str | None,
    session: dict | None,
    refresh: int | None,
    page_refresh: int | None,
) -> tuple:
    if not source:
        return components.info_alert("Pick the plan to copy the members of."), no_update, no_update
    plan_id, actor = components.action_plan(session), components.acting_user(session) or ""
    result, alert = components.call_service(
        lambda: plan_members.copy_members(ctx.store, plan_id, actor, source)
    )
    left_out = f" Left out: {'; '.join(result[1])}." if result and result[1] else ""
    return _changed(alert, f"Copied the members.{left_out}", refresh, page_refresh)


def _changed(alert: Any, done: str, refresh: int | None, page_refresh: int | None) -> tuple:
    """The alert, and on success both refresh counters moved on (the audit log shows it)."""
    if alert is not None:
        return alert, no_update, no_update
    return components.success_alert(done), (refresh or 0) + 1, (page_refresh or 0) + 1


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    session, refresh = Input(ids.NAV_SESSION, "data"), Input(REFRESH, "data")
    view = (Output(TABLE, "children"), Output(USER, "options"), Output(TEAM, "options"))
    edit = (Output(ADD, "disabled"), Output(NOTE, "children"))
    account_changes = Input(plans_accounts.REFRESH, "data")
    bind(app, ctx, render, *view, *edit, session, refresh, account_changes)
    changed = (
        Output(ALERT, "children", allow_duplicate=True),
        Output(REFRESH, "data", allow_duplicate=True),
        Output(ids.PLANS_REFRESH, "data", allow_duplicate=True),
    )
    counters = (State(REFRESH, "data"), State(ids.PLANS_REFRESH, "data"))
    form = (State(USER, "value"), State(ROLE, "value"), State(TEAM, "value"))
    nav = State(ids.NAV_SESSION, "data")
    once = {"prevent_initial_call": True}
    bind(app, ctx, add_member, *changed, Input(ADD, "n_clicks"), *form, nav, *counters, **once)
    sources = (Output(COPY_FROM, "options"), Output(COPY, "disabled"))
    bind(app, ctx, copy_sources, *sources, session, refresh)
    copy = (Input(COPY, "n_clicks"), State(COPY_FROM, "value"), nav, *counters)
    bind(app, ctx, copy_members, *changed, *copy, **once)
    # A click passes through the section's store (`relay.clicked`): taking the table's buttons
    # as inputs, this was called each time the table was drawn, at every opening of the page.
    relay.clicked(app, REMOVE_CLICKED, {"type": REMOVE, "user": ALL, "role": ALL})
    removed = Input(REMOVE_CLICKED, "data")
    bind(app, ctx, remove_member, *changed, removed, nav, *counters, **once)


def _role_text(role: str | None, team: str | None) -> str:
    return f"lead of team {team}" if role == "lead" and team else (role or "")
