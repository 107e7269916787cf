"""The deviation gate on the System plan page: explain deviations (inline in the grid, the ticked
rows, or every open one of an event) and publish."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html, no_update
from dash import ctx as callback_ctx

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.system import edits
from dashboard.system.edits import ALERT, REFRESH, bumped
from dashboard.system.view import SELECTED_ROWS
from dashboard.wiring import bind
from forecast.services import system


def explain_request(
    trigger: Any,
    changes: list[dict] | None,
    selected: list[dict] | None,
    which: str | None,
    code: str | None,
    text: str | None,
) -> dict[str, Any] | str | None:
    """What to explain, as keyword arguments of ``system.explain``; a hint (str) when something
    is missing; None when there is nothing to do (an inline edit not finished yet)."""
    if trigger == ids.SYS_DEVIATIONS_GRID:
        # Inline: a row is explained once it has both a reason code and a text.
        row = ((changes or [{}])[0] or {}).get("data") or {}
        said = row.get("text")  # a text cell: anything else did not come from the grid
        has_code, has_text = bool(row.get("reason_code")), isinstance(said, str) and said.strip()
        if not has_code and not has_text:
            return None
        if not has_code or not has_text:
            return inline_hint(row, "a reason code" if has_text else "the explanation's text")
        cells = [(row["level"], row["key"], row["ds"])]
        return {"reason_code": row["reason_code"], "text": row["text"], "cells": cells}
    if which and which != SELECTED_ROWS:
        if not code:
            return "Pick a reason code first."
        return {"reason_code": code, "text": text or "", "event_id": which}
    if not selected:
        return "Select the deviations to explain (tick their rows), then give a reason code and a text."
    if not code:
        return "Pick a reason code for the selected deviations."
    # all ticked cells in one change (one version, one audit entry)
    cells = [(cell["level"], cell["key"], cell["ds"]) for cell in selected]
    return {"reason_code": code, "text": text or "", "cells": cells}


def inline_hint(row: dict[str, Any], missing: str) -> str:
    """What an inline explanation still needs before it is saved (nothing is saved until then)."""
    where = "Reason code" if missing == "a reason code" else "Explanation"
    return (
        f"Not saved yet: give {missing} in the {where} cell of {row.get('level', '')} "
        f"{row.get('key', '')} {row.get('ds', '')} as well; the row is explained once it has "
        "both."
    )


def explain(
    ctx: DashboardContext, n, changes, selected, which, code, text, session, version, refresh
) -> tuple[Any, Any]:
    trigger = callback_ctx.triggered_id
    if trigger == ids.SYS_EXPLAIN and not n:
        return no_update, no_update
    request = explain_request(trigger, changes, selected, which, code, text)
    if request is None or isinstance(request, str):
        return (no_update if request is None else components.info_alert(request)), no_update
    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.explain(
            ctx.store, plan_id, user, expected_version=components.page_version(version), **request
        ),
    )
    of_event = f" of {request['event_id']}" if "event_id" in request else ""
    return edits.reply(
        alert,
        refresh,
        lambda: (
            f"Explained {saved.explained} deviation(s){of_event}."
            + (f" Note: {saved.note}." if saved.note else "")
        ),
    )


def publish(ctx: DashboardContext, n, session, version, refresh, changed) -> tuple[Any, Any, Any]:
    if not n:  # layout insertion, not a click
        return no_update, no_update, no_update
    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.publish(
            ctx.store, plan_id, user, expected_version=components.page_version(version)
        ),
    )
    if alert is not None:
        return html.Div(alert, id="sys-publish-refused"), bumped(refresh), no_update
    done = components.success_alert(
        f"Published: the system plan of {saved.plan.name!r} (events, explanations, factors) "
        "is read-only now; the negotiation goes on until it is agreed."
    )
    return html.Div(done, id="sys-published"), bumped(refresh), bumped(changed)


def register(app: Dash, ctx: DashboardContext) -> None:
    session, version, refresh = edits.edit_states()
    edits.bind_edit(
        app,
        ctx,
        explain,
        Input(ids.SYS_EXPLAIN, "n_clicks"),
        Input(ids.SYS_DEVIATIONS_GRID, "cellValueChanged"),
        State(ids.SYS_DEVIATIONS_GRID, "selectedRows"),
        State(ids.SYS_EXPLAIN_EVENT, "value"),
        State(ids.SYS_EXPLAIN_CODE, "value"),
        State(ids.SYS_EXPLAIN_TEXT, "value"),
    )
    bind(
        app,
        ctx,
        publish,
        ALERT,
        REFRESH,
        # the page's own counter, passed on to the shell's (`relay`): writing the shell's, this
        # was called on every opening of the page
        Output(ids.SYS_PLANS_CHANGED, "data"),
        Input(ids.SYS_PUBLISH, "n_clicks"),
        session,
        version,
        refresh,
        State(ids.SYS_PLANS_CHANGED, "data"),
        prevent_initial_call=True,
    )
