"""Accounts on the Plans page, for admins only: list, add (with a password and the name shown for
it), set a new password or display name, disable, enable, make admin or take the admin role away;
and the latest changes of the account log (who did what, when)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update

from dashboard import auth, components, ids, relay
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import accounts, plan_access

SECTION = "plans-accounts"
BODY = "plans-accounts-body"
TABLE = "plans-accounts-table"
ALERT = "plans-accounts-alert"
NAME = "plans-accounts-name"
DISPLAY = "plans-accounts-display"
PASSWORD = "plans-accounts-password"
ADMIN = "plans-accounts-admin"
ADD = "plans-accounts-add"
RESET_NAME = "plans-accounts-reset-name"
RESET_PASSWORD = "plans-accounts-reset-password"
RESET = "plans-accounts-reset"
RENAME_NAME = "plans-accounts-rename-name"
RENAME_DISPLAY = "plans-accounts-rename-display"
RENAME = "plans-accounts-rename"
# pattern-matching: {"type": SWITCH, "user": ..., "to": "disable" | "enable"}; the id says what
# the click does, so a table drawn before someone else's change never does the opposite.
SWITCH = "plans-accounts-switch"
# pattern-matching: {"type": ADMIN_SWITCH, "user": ..., "to": "admin" | "no-admin"}
ADMIN_SWITCH = "plans-accounts-admin-switch"
# dcc.Stores: the switch clicked, its id with "clicks" (`relay.clicked`)
SWITCH_CLICKED = ids.PLANS_ACCOUNTS_SWITCH_CLICKED
ADMIN_SWITCH_CLICKED = ids.PLANS_ACCOUNTS_ADMIN_SWITCH_CLICKED
REFRESH = ids.PLANS_ACCOUNTS_REFRESH  # bumped by every change: the table is drawn anew
LOG = "plans-accounts-log"
LOG_ROWS = 10
"""Changes of the account log the section shows (`forecast user log` lists them all)."""
HIDDEN = {"display": "none"}


def section(ctx: DashboardContext) -> html.Div:
    del ctx
    shown_to_admins = html.Div(
        [
            html.H2("Accounts (admin)", className="h4 mt-4"),
            dcc.Store(id=REFRESH, data=0),
            dcc.Store(id=SWITCH_CLICKED),
            dcc.Store(id=ADMIN_SWITCH_CLICKED),
            html.Div(id=TABLE),
            dbc.Row(
                [
                    components.labelled_col(
                        "New account's user name",
                        dbc.Input(id=NAME, placeholder="user name"),
                        md=2,
                    ),
                    components.labelled_col(
                        "Its display name",
                        dbc.Input(id=DISPLAY, placeholder="display name (optional)"),
                        md=2,
                    ),
                    components.labelled_col(
                        "Its password",
                        dbc.Input(
                            id=PASSWORD,
                            type="password",
                            placeholder="password (10+ characters)",
                            autocomplete="new-password",
                        ),
                        md=3,
                    ),
                    dbc.Col(dbc.Checkbox(id=ADMIN, label="admin", value=False), md=2),
                    dbc.Col(dbc.Button("Add account", id=ADD, color="primary"), md=3),
                ],
                className="g-2 mt-2 align-items-center",
            ),
            dbc.Row(
                [
                    components.labelled_col(
                        "Account whose password to set",
                        dbc.Input(id=RESET_NAME, placeholder="account"),
                        md=3,
                    ),
                    components.labelled_col(
                        "Its new password",
                        dbc.Input(
                            id=RESET_PASSWORD,
                            type="password",
                            placeholder="its new password (10+ characters)",
                            autocomplete="new-password",
                        ),
                        md=4,
                    ),
                    dbc.Col(md=2),
                    dbc.Col(dbc.Button("Set password", id=RESET, color="secondary"), md=3),
                ],
                className="g-2 mt-2 align-items-center",
            ),
            dbc.Row(
                [
                    components.labelled_col(
                        "Account to rename",
                        dbc.Input(id=RENAME_NAME, placeholder="account"),
                        md=3,
                    ),
                    components.labelled_col(
                        "Its new display name",
                        dbc.Input(id=RENAME_DISPLAY, placeholder="its display name"),
                        md=4,
                    ),
                    dbc.Col(md=2),
                    dbc.Col(dbc.Button("Set display name", id=RENAME, color="secondary"), md=3),
                ],
                className="g-2 mt-2 align-items-center",
            ),
        ],
        id=SECTION,
        style=HIDDEN,
    )
    # the alert stays outside what is hidden: a former admin's click is answered there
    return html.Div([shown_to_admins, html.Div(id=ALERT)])


OWN_ACCOUNT = "you cannot disable or demote yourself; another admin can"
"""Why the admin's own Disable and Take admin are greyed out (said next to them and on hover)."""


def accounts_table(found: list[Any], me: str) -> Any:
    rows = []
    for account in found:
        own = {"disabled": True, "title": OWN_ACCOUNT} if account.name == me else {}
        marks = [
            m for m, on in (("admin", account.is_admin), ("disabled", not account.active)) if on
        ]
        to = "disable" if account.active else "enable"
        button = dbc.Button(
            to.capitalize(),
            id={"type": SWITCH, "user": account.name, "to": to},
            color="link",
            size="sm",
            className="p-0",
            **own,
        )
        role = "no-admin" if account.is_admin else "admin"
        admin_button = dbc.Button(
            "Take admin" if account.is_admin else "Make admin",
            id={"type": ADMIN_SWITCH, "user": account.name, "to": role},
            color="link",
            size="sm",
            className="p-0 ms-3",
            **own,
        )
        rows.append(
            html.Tr(
                [
                    html.Td(account.name),
                    html.Td(account.display_name if account.display_name != account.name else ""),
                    html.Td(", ".join(marks)),
                    html.Td(
                        [button, admin_button]
                        + ([html.Small(f" ({OWN_ACCOUNT})", className="text-muted")] if own else [])
                    ),
                ]
            )
        )
    return dbc.Table(
        [
            html.Thead(
                html.Tr([html.Th("Account"), html.Th("Shown as"), html.Th(""), html.Th("")])
            ),
            html.Tbody(rows),
        ],
        size="sm",
        style={"maxWidth": "800px"},
    )


def account_log_view(entries: list[Any]) -> html.Details:
    """The latest changes of the account log, folded (newest first)."""
    items = [html.Li(f"{e.at[:16].replace('T', ' ')}  {e.actor}: {e.what}") for e in entries]
    return html.Details(
        [
            html.Summary(f"Account log (latest {LOG_ROWS}; `forecast user log` has them all)"),
            html.Ul(items or [html.Li("No account changes recorded yet.")], className="small"),
        ],
        id=LOG,
        className="mt-2",
    )


def render(ctx: DashboardContext, _refresh: int | None) -> tuple[Any, Any]:
    """The section for admins (the accounts, the account log and the add form); nothing about
    accounts for anyone else."""
    me = _admin()
    if me is None:
        return HIDDEN, None
    table = accounts_table(accounts.list_users(ctx.store), me)
    log = account_log_view(accounts.account_log_as(ctx.store, me, limit=LOG_ROWS))
    return {}, html.Div([table, log])


def add_account(
    ctx: DashboardContext,
    n: int | None,
    name: str | None,
    display: str | None,
    password: str | None,
    admin: bool | None,
    refresh: int | None,
) -> tuple[Any, Any]:
    me = _admin()
    if not n:
        return no_update, no_update
    if me is None:
        return _no_longer_admin(ctx, refresh)
    added, alert = components.call_service(
        lambda: accounts.add_user_as(
            ctx.store, me, name or "", password or "", admin=bool(admin), display_name=display
        )
    )
    if alert is not None:
        return alert, (refresh or 0) + 1
    shown = f" (shown as {added.display_name})" if added.display_name != added.name else ""
    return components.success_alert(f"Added account {added.name}{shown}."), (refresh or 0) + 1


def set_display_name(
    ctx: DashboardContext,
    n: int | None,
    name: str | None,
    display: str | None,
    refresh: int | None,
) -> tuple[Any, Any]:
    """An admin gives an account the name the pages show for it (one row of the account log)."""
    me = _admin()
    if not n:
        return no_update, no_update
    if me is None:
        return _no_longer_admin(ctx, refresh)
    who = (name or "").strip()
    return _attributes_set(
        lambda: accounts.set_attributes_as(ctx.store, me, who, display_name=display or ""), refresh
    )


def reset_password(
    ctx: DashboardContext,
    n: int | None,
    name: str | None,
    password: str | None,
    refresh: int | None,
) -> tuple[Any, Any]:
    """An admin sets someone's password (a forgotten one); their open sessions end."""
    me = _admin()
    if not n:
        return no_update, no_update
    if me is None:
        return _no_longer_admin(ctx, refresh)
    who = (name or "").strip()
    _, alert = components.call_service(
        lambda: accounts.set_password_as(ctx.store, me, who, password or "")
    )
    done = f"Set a new password for {who}; their open sessions have ended."
    return alert or components.success_alert(done), (refresh or 0) + 1


def switch_account(
    ctx: DashboardContext, clicked: dict | None, refresh: int | None
) -> tuple[Any, Any]:
    """An admin disables or enables an account: the switch `clicked` (`relay.clicked`: its id,
    {"type", "user", "to", "clicks"})."""
    me, trigger = _admin(), clicked or {}
    if not trigger.get("user"):
        return no_update, no_update
    if me is None:
        return _no_longer_admin(ctx, refresh)
    who = str(trigger["user"])
    if trigger.get("to") == "enable":
        _, alert = components.call_service(lambda: accounts.enable_as(ctx.store, me, who))
        done = f"Enabled account {who}."
    else:
        disabled, alert = components.call_service(
            lambda: plan_access.disable_account(ctx.store, who, actor=me, require_admin=True)
        )
        done = f"Disabled account {who}."
        if disabled is not None and disabled.note:
            done += f" Note: {disabled.note}."
    return alert or components.success_alert(done), (refresh or 0) + 1


def switch_admin(
    ctx: DashboardContext, clicked: dict | None, refresh: int | None
) -> tuple[Any, Any]:
    """An admin makes an account admin or takes the role away (one row of the account log):
    the switch `clicked` (`relay.clicked`: its id, {"type", "user", "to", "clicks"})."""
    me, trigger = _admin(), clicked or {}
    if not trigger.get("user"):
        return no_update, no_update
    if me is None:
        return _no_longer_admin(ctx, refresh)
    who, admin = str(trigger["user"]), trigger.get("to") == "admin"
    return _attributes_set(
        lambda: accounts.set_attributes_as(ctx.store, me, who, admin=admin), refresh
    )


def _attributes_set(change: Any, refresh: int | None) -> tuple[Any, Any]:
    """Run an account change of `accounts.set_attributes_as` and say what it changed (or that
    the account was so already, or why it was refused); the table is drawn anew either way."""
    result, alert = components.call_service(change)
    if alert is not None or result is None:
        return alert, (refresh or 0) + 1
    account, changed = result
    done = f"Done: {changed[0]}." if changed else f"No change: {account.name} was so already."
    return components.success_alert(done), (refresh or 0) + 1


NO_LONGER_ADMIN = "You are no longer an admin: nothing was changed."


def _no_longer_admin(ctx: DashboardContext, refresh: int | None) -> tuple[Any, Any]:
    """A click of someone whose admin role was taken away since the section was drawn: say so
    (it would otherwise do nothing at all) and draw the section anew, which hides it. Someone
    who never was an admin never saw the section: a forged click is answered with nothing."""
    account = auth.current_account()
    if account is None or not accounts.was_admin(ctx.store, account.name):
        return no_update, no_update
    return components.attention_alert(NO_LONGER_ADMIN), (refresh or 0) + 1


def _admin() -> str | None:
    """The signed-in account's name when it is an admin's."""
    account = auth.current_account()
    return account.name if account is not None and account.is_admin else None


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        render,
        Output(SECTION, "style"),
        Output(TABLE, "children"),
        Input(REFRESH, "data"),
    )
    changed = (
        Output(ALERT, "children", allow_duplicate=True),
        Output(REFRESH, "data", allow_duplicate=True),
    )
    counter = State(REFRESH, "data")
    form = (
        State(NAME, "value"),
        State(DISPLAY, "value"),
        State(PASSWORD, "value"),
        State(ADMIN, "value"),
    )
    once = {"prevent_initial_call": True}
    bind(app, ctx, add_account, *changed, Input(ADD, "n_clicks"), *form, counter, **once)
    reset = (State(RESET_NAME, "value"), State(RESET_PASSWORD, "value"))
    bind(app, ctx, reset_password, *changed, Input(RESET, "n_clicks"), *reset, counter, **once)
    rename = (State(RENAME_NAME, "value"), State(RENAME_DISPLAY, "value"))
    bind(app, ctx, set_display_name, *changed, Input(RENAME, "n_clicks"), *rename, counter, **once)
    # A switch's click passes through the section's store (`relay.clicked`): taking the table's
    # buttons as inputs, these were called each time the table was drawn.
    relay.clicked(app, SWITCH_CLICKED, {"type": SWITCH, "user": ALL, "to": ALL})
    switched = Input(SWITCH_CLICKED, "data")
    bind(app, ctx, switch_account, *changed, switched, counter, **once)
    relay.clicked(app, ADMIN_SWITCH_CLICKED, {"type": ADMIN_SWITCH, "user": ALL, "to": ALL})
    admins = Input(ADMIN_SWITCH_CLICKED, "data")
    bind(app, ctx, switch_admin, *changed, admins, counter, **once)
