"""Accounts on the Plans page, for admins only: list, add (with a password), disable."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, html, no_update
from dash import ctx as callback_ctx

from dashboard import auth, components
from dashboard.context import DashboardContext

SECTION = "plans-accounts"
BODY = "plans-accounts-body"
TABLE = "plans-accounts-table"
ALERT = "plans-accounts-alert"
NAME = "plans-accounts-name"
PASSWORD = "plans-accounts-password"
ADMIN = "plans-accounts-admin"
ADD = "plans-accounts-add"
DISABLE = "plans-accounts-disable"  # pattern-matching: {"type": DISABLE, "user": ...}


def section(ctx: DashboardContext) -> html.Div:
    del ctx
    return html.Div(
        [
            html.H4("Accounts (admin)", className="mt-4"),
            html.Div(id=ALERT),
            html.Div(id=TABLE),
            dbc.Row(
                [
                    dbc.Col(dbc.Input(id=NAME, placeholder="user name"), md=3),
                    dbc.Col(
                        dbc.Input(
                            id=PASSWORD,
                            type="password",
                            placeholder="password (10+ characters)",
                            autocomplete="new-password",
                        ),
                        md=4,
                    ),
                    dbc.Col(dbc.Checkbox(id=ADMIN, label="admin", value=False), md=2),
                    dbc.Col(dbc.Button("Add account", id=ADD, color="primary"), md=3),
                ],
                className="g-2 mt-2 align-items-center",
            ),
        ],
        id=SECTION,
        style={"display": "none"},
    )


def accounts_table(found: list[Any], me: str) -> Any:
    rows = []
    for account in found:
        marks = [
            m for m, on in (("admin", account.is_admin), ("disabled", not account.active)) if on
        ]
        button = dbc.Button(
            "Disable",
            id={"type": DISABLE, "user": account.name},
            color="link",
            size="sm",
            className="p-0",
            disabled=not account.active or account.name == me,
        )
        rows.append(html.Tr([html.Td(account.name), html.Td(", ".join(marks)), html.Td(button)]))
    return dbc.Table(
        [html.Thead(html.Tr([html.Th("Account"), html.Th(""), html.Th("")])), html.Tbody(rows)],
        size="sm",
        style={"maxWidth": "640px"},
    )


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    from forecast.services import accounts

    @app.callback(
        Output(SECTION, "style"),
        Output(TABLE, "children"),
        Output(ALERT, "children"),
        Input(ADD, "n_clicks"),
        Input({"type": DISABLE, "user": ALL}, "n_clicks"),
        State(NAME, "value"),
        State(PASSWORD, "value"),
        State(ADMIN, "value"),
    )
    def manage(
        _add: int | None,
        disables: list[int | None],
        name: str | None,
        password: str | None,
        admin: bool | None,
    ) -> tuple:
        account = auth.current_account()
        if account is None or not account.is_admin:
            return {"display": "none"}, None, None  # nothing about accounts for others
        me = account.name
        trigger = callback_ctx.triggered_id
        alert: Any = None
        if trigger == ADD:
            _, alert = components.call_service(
                lambda: accounts.add_user_as(
                    ctx.store, me, name or "", password or "", admin=bool(admin)
                )
            )
            alert = alert or components.success_alert(f"Added account {name}.")
        elif isinstance(trigger, dict) and any(disables):
            who = str(trigger["user"])
            _, alert = components.call_service(lambda: accounts.disable_as(ctx.store, me, who))
            alert = alert or components.success_alert(f"Disabled account {who}.")
        table = accounts_table(accounts.list_users(ctx.store), me)
        return {}, table, alert if alert is not None else no_update
