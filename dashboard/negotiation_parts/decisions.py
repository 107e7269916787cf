"""The owner's decisions after the claims: close (or reopen) the round, assign the remainder by a
rule, lock the agreed plan, and rebase the negotiation onto the current system plan."""

from __future__ import annotations

import functools
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids, relay
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import common
from forecast.services import negotiation, plans
from forecast.services.errors import ServiceError
from forecast.services.negotiation_board import RULE_CHOICES

EDIT_OUTPUTS = (
    Output(ids.NEG_ALERT, "children", allow_duplicate=True),
    Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
)
EDIT_STATE = (
    State(ids.NAV_SESSION, "data"),
    State(ids.NEG_VERSION, "data"),
    State(ids.NEG_REFRESH, "data"),
)


def _card(*children: Any) -> dbc.Card:
    return dbc.Card(dbc.CardBody(list(children)), className="h-100")


def close_card() -> dbc.Card:
    return _card(
        html.H2("3 · Close the round (owner)", className="h5 card-title"),
        dbc.Label("If the claims exceed the gap", html_for=ids.NEG_OVERSUB),
        dbc.RadioItems(
            id=ids.NEG_OVERSUB,
            options=[
                {"label": "keep them (plan above goal)", "value": "keep"},
                {"label": "scale them down pro rata", "value": "scale"},
            ],
            value="keep",
            className="small",
        ),
        dbc.Button("Close round", id=ids.NEG_CLOSE, color="secondary", className="mt-2"),
        dbc.Button(
            "Reopen round",
            id=ids.NEG_REOPEN,
            color="link",
            size="sm",
            className="mt-2 ms-2",
            title="back to claiming: drops the assignment, restores scaled claims",
        ),
    )


def assign_card() -> dbc.Card:
    return _card(
        html.H2("4 · Assign the remainder (owner)", className="h5 card-title"),
        dbc.Label("Rule", html_for=ids.NEG_RULE),
        dcc.Dropdown(
            id=ids.NEG_RULE,
            options=[{"label": label, "value": rule} for rule, label in RULE_CHOICES.items()],
            value="pro_rata_baseline",
            clearable=False,
        ),
        dbc.Label("Exclude teams", className="mt-2", html_for=ids.NEG_EXCLUDE),
        dcc.Dropdown(id=ids.NEG_EXCLUDE, multi=True, placeholder="none"),
        html.Div(id=ids.NEG_MANUAL, className="mt-2"),
        dbc.Button("Assign", id=ids.NEG_ASSIGN, color="secondary", className="mt-2"),
    )


def lock_card() -> dbc.Card:
    return _card(
        html.H2("5 · Agree (owner)", className="h5 card-title"),
        html.P(
            "Locks the plan: targets, claims and assignments become final and exportable.",
            className="small text-muted",
        ),
        dbc.Button("Lock the agreed plan", id=ids.NEG_LOCK, color="success"),
    )


def rebase_box() -> html.Div:
    """The drift banner (filled by the render) and the owner's one-click rebase."""
    return html.Div(
        [
            html.Div(id=ids.NEG_DRIFT, className="flex-grow-1"),
            dbc.Button(
                "Rebase onto the current system plan",
                id=ids.NEG_REBASE,
                color="secondary",
                outline=True,
                disabled=True,  # until the render finds drift the owner may rebase
                size="sm",
                title="claims stay as amounts; a goal set as a ratio is re-applied; the "
                "remainder is recomputed",
            ),
        ],
        className="d-flex gap-2 align-items-center mb-3",
    )


def manual_amounts(values: list | None, widget_ids: list | None) -> dict[str, str]:
    return {
        w["team"]: common.amount_text(v) or "0"
        for w, v in zip(widget_ids or [], values or [], strict=False)
    }


def kept_manual(ctx: DashboardContext, values, widget_ids, session) -> dict[str, Any] | None:
    """The manual amounts the owner typed, kept for the re-render after a refusal (of the
    plan's version now: `view.manual_typing_for` reads it)."""
    plan_id = components.action_plan(session)
    typed = {w["team"]: v for w, v in zip(widget_ids or [], values or [], strict=False) if v}
    if not plan_id or not typed:
        return None
    try:
        current = plans.get_plan(ctx.store, plan_id).version
    except ServiceError:
        return None
    return {"plan_id": plan_id, "version": current, "amounts": typed}


def close_round(ctx: DashboardContext, n, policy, session, version, refresh) -> tuple:
    if not n:
        return no_update, no_update
    return common.outcome(
        lambda plan_id, user: negotiation.close_round(
            ctx.store,
            plan_id,
            user,
            oversubscribed=policy,
            expected_version=components.page_version(version),
        ),
        session,
        refresh,
        "The claiming round is closed; assign the remainder.",
    )


def reopen_round(ctx: DashboardContext, n, session, version, refresh) -> tuple:
    if not n:
        return no_update, no_update
    return common.outcome(
        lambda plan_id, user: negotiation.reopen_round(
            ctx.store, plan_id, user, expected_version=components.page_version(version)
        ),
        session,
        refresh,
        "The claiming round is open again; the assignment was dropped.",
    )


def assign(
    ctx: DashboardContext, n, rule, exclude, values, widget_ids, session, version, refresh
) -> tuple:
    if not n:
        return no_update, no_update, no_update
    manual = manual_amounts(values, widget_ids) if rule == "manual" else None
    alert, again = common.outcome(
        lambda plan_id, user: negotiation.assign(
            ctx.store,
            plan_id,
            user,
            rule,
            manual=manual,
            exclude=exclude or (),
            expected_version=components.page_version(version),
        ),
        session,
        refresh,
        f"Remainder assigned ({RULE_CHOICES.get(rule, rule)}).",
    )
    refused = common.refused(alert) and rule == "manual"
    return alert, again, kept_manual(ctx, values, widget_ids, session) if refused else None


def rebase(ctx: DashboardContext, n, session, version, refresh) -> tuple:
    if not n:
        return no_update, no_update
    results: list[Any] = []

    def edit(plan_id: str, user: str) -> Any:
        results.append(
            negotiation.rebase(
                ctx.store, plan_id, user, expected_version=components.page_version(version)
            )
        )
        return results[-1]

    done = "Rebased onto the current system plan: claims kept, the remainder recomputed."
    alert, again = common.outcome(edit, session, refresh, done)
    attention = results[-1].attention if results and not common.refused(alert) else None
    if attention:  # a manual assignment that no longer adds up: the owner assigns again
        alert = components.attention_alert(
            f"Rebased onto the current system plan: claims kept; {attention}."
        )
    return alert, again


def lock(ctx: DashboardContext, n, session, version, refresh, changed) -> tuple:
    if not n:
        return no_update, no_update, no_update
    alert, again = common.outcome(
        lambda plan_id, user: negotiation.lock(
            ctx.store, plan_id, user, expected_version=components.page_version(version)
        ),
        session,
        refresh,
        "The plan is agreed and locked. Export it on the Plans page.",
    )
    return alert, again, no_update if common.refused(alert) else (changed or 0) + 1


def register(app: Dash, ctx: DashboardContext) -> None:
    def bind(fn: Any, trigger: str, *extra: State, outputs=EDIT_OUTPUTS, after=()) -> None:
        app.callback(
            *outputs,
            Input(trigger, "n_clicks"),
            *extra,
            *EDIT_STATE,
            *after,
            prevent_initial_call=True,
        )(functools.partial(fn, ctx))

    bind(close_round, ids.NEG_CLOSE, State(ids.NEG_OVERSUB, "value"))
    bind(reopen_round, ids.NEG_REOPEN)
    bind(rebase, ids.NEG_REBASE)
    bind(
        assign,
        ids.NEG_ASSIGN,
        State(ids.NEG_RULE, "value"),
        State(ids.NEG_EXCLUDE, "value"),
        State(ids.team_widget(ids.NEG_MANUAL_AMOUNT, ALL), "value"),
        State(ids.team_widget(ids.NEG_MANUAL_AMOUNT, ALL), "id"),
        outputs=(*EDIT_OUTPUTS, Output(ids.NEG_KEPT_MANUAL, "data")),
    )
    bind(
        lock,
        ids.NEG_LOCK,
        # the page's own counter, passed on to the shell's (`relay`): writing the shell's, this
        # was called on every opening of the page
        outputs=(*EDIT_OUTPUTS, Output(ids.NEG_PLANS_CHANGED, "data")),
        after=(State(ids.NEG_PLANS_CHANGED, "data"),),
    )
    relay.count_on(app, ids.NEG_PLANS_CHANGED, ids.NAV_PLANS_CHANGED)  # locked: its label
