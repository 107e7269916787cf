"""Other people's changes on the Negotiation page: the page asks every ``POLL_MS`` whether the
plan moved past the version it shows, and offers to show the changes (a lead's new claim, the
owner closing the round) without wiping what this person is typing."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import plans

POLL_MS = 15_000
HIDDEN = {"display": "none"}


def changes_box() -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=ids.NEG_POLL, interval=POLL_MS),
            dbc.Alert(
                [
                    html.Span(id=ids.NEG_CHANGED),
                    dbc.Button(
                        "Show the changes",
                        id=ids.NEG_SHOW_CHANGES,
                        color="primary",
                        size="sm",
                        className="ms-2",
                    ),
                ],
                id=ids.NEG_CHANGED_BOX,
                color="info",
                className="py-2 small",
                style=HIDDEN,
            ),
        ]
    )


def check_for_changes(
    ctx: DashboardContext, _tick: int | None, session: dict | None, shown: int | None
) -> tuple[Any, Any]:
    """Whether someone else changed the plan since the version on the page: what they did. A
    change of this person's own after theirs (from another tab, the CLI) does not hide it."""
    plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
    if not plan_id or not isinstance(shown, int):
        return no_update, HIDDEN
    state = plans.get_plan(ctx.store, plan_id)
    if state.version <= shown:
        return no_update, HIDDEN
    others = changes_by_others(ctx.store, plan_id, shown, user)
    if not others:
        return no_update, HIDDEN  # this person's own changes: the page shows them already
    last = others[-1]
    what = last.what if len(last.what) <= 160 else last.what[:157] + "..."
    more = f" ({len(others) - 1} more change(s) by others)" if len(others) > 1 else ""
    return f"{last.actor} changed the plan (now version {state.version}): {what}{more}.", {}


def changes_by_others(store: Any, plan_id: str, shown: int, user: str | None) -> list[Any]:
    """The audit rows of the plan after version `shown` made by someone else than `user`."""
    return [e for e in plans.audit_log(store, plan_id) if e.version > shown and e.actor != user]


def teams_touched(entry: Any) -> set[str] | None:
    """The teams one audit row changed: a claim's or a withdrawal's own team; None for any
    other change (a goal, the round, an assignment, the basis: every team's numbers)."""
    if entry.action not in ("claim", "unclaim"):
        return None
    claim = entry.after if isinstance(entry.after, dict) else entry.before
    team = claim.get("team") if isinstance(claim, dict) else None
    return {str(team)} if team is not None else None


def show_changes(_ctx: DashboardContext, n: int | None, refresh: int | None) -> tuple[Any, Any]:
    if not n:
        return no_update, no_update
    return (refresh or 0) + 1, HIDDEN


def register(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        check_for_changes,
        Output(ids.NEG_CHANGED, "children"),
        Output(ids.NEG_CHANGED_BOX, "style"),
        Input(ids.NEG_POLL, "n_intervals"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        prevent_initial_call=True,
    )
    bind(
        app,
        ctx,
        show_changes,
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Output(ids.NEG_CHANGED_BOX, "style", allow_duplicate=True),
        Input(ids.NEG_SHOW_CHANGES, "n_clicks"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
