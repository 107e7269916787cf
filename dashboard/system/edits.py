"""What every edit on the System plan page does with its service call: run it for the session's
plan as the signed-in user (from `components.acting_user` only), then say how it went in the
page's alert and ask the page to render again (the refresh counter)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Output, State

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.wiring import bind

ALERT = Output(ids.SYS_ALERT, "children", allow_duplicate=True)
REFRESH = Output(ids.SYS_REFRESH, "data", allow_duplicate=True)


def edit_states() -> tuple[State, State, State]:
    """What an edit reads besides its form: the session (the plan), the version the page shows
    (a stale edit is refused) and the refresh counter it bumps."""
    return (
        State(ids.NAV_SESSION, "data"),
        State(ids.SYS_VERSION, "data"),
        State(ids.SYS_REFRESH, "data"),
    )


def bind_edit(
    app: Dash,
    ctx: DashboardContext,
    edit: Callable[..., Any],
    *dependencies: Any,
    outputs: tuple[Output, ...] = (ALERT, REFRESH),
) -> None:
    """Register the edit callback `edit(ctx, *values of dependencies, session, version, refresh)`:
    it writes `outputs` (the page's alert and refresh counter unless told), runs when its inputs
    change (not when the layout is inserted), and reads the session, version and refresh last."""
    bind(app, ctx, edit, *outputs, *dependencies, *edit_states(), prevent_initial_call=True)


def call(
    session: Mapping[str, Any] | None, edit: Callable[[str, str], Any]
) -> tuple[Any, dbc.Alert | None]:
    """Run `edit(plan_id, user)`: its result and no alert, or no result and the refusal's
    alert (a form value the edit's parsers refuse is a refusal too)."""
    plan_id, user = components.action_plan(session), components.acting_user(session) or ""
    return components.call_service(lambda: edit(plan_id, user))


def bumped(refresh: int | None) -> int:
    return (refresh or 0) + 1


def reply(alert: dbc.Alert | None, refresh: int | None, success: Callable[[], str]) -> tuple:
    """(the alert to show, the bumped refresh counter): the refusal, or the success message
    (`success()` is asked only when the edit went through). The page renders again either way: a
    refused edit must not stay on the page as if it were saved."""
    return alert or components.success_alert(success()), bumped(refresh)
