"""Events on the System plan page: the learned-uplift hint, add, edit in the grid, remove (asks
first) and undo the removal (restored from the audit log)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard import components, ids
from dashboard.context import DashboardContext
from dashboard.system import edits, view
from dashboard.system.edits import ALERT, REFRESH, bumped
from dashboard.system.forms import event_value, plan_example, scope_or_raise
from dashboard.wiring import bind
from forecast.services import plans, system
from forecast.services.errors import Invalid

EDITABLE = ("name", "kind", "start", "end", "reason")


def suggestion(
    ctx: DashboardContext,
    kind: str | None,
    scope: str | None,
    start: str | None,
    end: str | None,
    effect: str | None,
    session: dict | None,
) -> Any:
    plan_id = (session or {}).get("plan_id")
    if not plan_id or not kind:
        return None, view.value_placeholder(None)
    learned, alert = components.call_service(
        lambda: system.event_suggestion(
            ctx.store,
            plan_id,
            kind,
            scope_or_raise(scope, plan_example(ctx.store, plan_id)),
            start,
            end,
        )
    )
    if alert is not None:
        return alert, view.value_placeholder(None)
    # an empty value takes the suggestion with the percent effect only (it is a percent)
    offered = learned if effect in (None, "percent") else (None, None)
    return view.suggestion_text(kind, *learned), view.value_placeholder(*offered)


def add_event(
    ctx: DashboardContext,
    n,
    session,
    version,
    name,
    kind,
    scope,
    start,
    end,
    effect,
    value,
    reason,
    refresh,
) -> tuple[Any, Any]:
    if not n:  # layout insertion, not a click
        return no_update, no_update
    form = (name, kind, scope, start, end, effect, value, reason)
    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.add_event(
            ctx.store,
            plan_id,
            user,
            expected_version=components.page_version(version),
            **event_arguments(
                *form,
                currency=_currency(ctx, plan_id, effect),
                scope_example=plan_example(ctx.store, plan_id),
            ),
        ),
    )
    took = took_suggestion("The value box was empty") if takes_suggestion(effect, value) else ""
    return edits.reply(alert, refresh, lambda: _done("Added", saved) + took)


def took_suggestion(why: str) -> str:
    """What the confirmation adds when an empty value took the system's suggestion."""
    return f" {why}, so the event takes the system's suggestion from history; type a value to give your own."


def takes_suggestion(effect: str | None, value: Any) -> bool:
    """Whether the form or a grid row asks for the suggestion: an empty value with the percent
    effect (the suggestion is a percent; an empty cap is refused as missing its value)."""
    return empty(value) and effect in (None, "percent")


def empty(value: Any) -> bool:
    """Whether a value box or cell was left empty (nothing typed, or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _currency(ctx: DashboardContext, plan_id: str, effect: str | None) -> str | None:
    """The plan's currency, in which an amount of the add, cap and set effects is read (a
    percent needs none)."""
    return None if effect in (None, "percent") else plans.get_plan(ctx.store, plan_id).currency


def event_arguments(
    name: str | None,
    kind: str | None,
    scope: str | None,
    start: str | None,
    end: str | None,
    effect: str | None,
    value: Any,
    reason: str | None,
    *,
    currency: str | None = None,
    scope_example: Callable[[], str] | None = None,
) -> dict[str, Any]:
    """`system.add_event`'s keyword arguments from the form: an empty value with the percent
    effect takes the suggestion (the learned uplift, net of what the baseline repeats; a
    percent, so an add, cap or set needs its value); a typed one is read by `forms.event_value`
    (``12,5`` is 12.5; text that is no number is refused). A malformed scope is refused with
    `scope_example()`, the plan's own (`forms.plan_example`)."""
    use_suggestion = takes_suggestion(effect, value)
    return {
        "name": name or "",
        "kind": kind,
        "scope": scope_or_raise(scope, scope_example),
        "start": start,
        "end": end,
        "effect": None if use_suggestion else effect,
        "value": None if use_suggestion else event_value(value, effect, currency),
        "use_suggestion": use_suggestion,
        "reason": reason or "",
    }


def edit_arguments(
    change: dict[str, Any],
    currency: str | None = None,
    scope_example: Callable[[], str] | None = None,
) -> dict[str, Any] | None:
    """The service's keyword arguments for one edited grid cell; None for a read-only column.
    The value cell is read as the add form's box is (`forms.event_value`), the scope cell as its
    scope box (refused with `scope_example()`, the plan's own)."""
    field, row = change.get("colId"), change.get("data") or {}
    if field == "scope":
        return {"scope": scope_or_raise(row.get("scope"), scope_example)}
    if field == "value" and takes_suggestion(row.get("effect"), row.get("value")):
        return {"use_suggestion": True}  # as in the add form: an empty percent takes the offer
    if field in ("effect", "value"):
        effect = row.get("effect")
        return {"effect": effect, "value": event_value(row.get("value"), effect, currency)}
    if field == "name":
        return {"name": name_or_raise(row.get("name"))}
    if field in ("start", "end"):
        return {str(field): day_or_raise(row.get(field), str(field))}
    if field in EDITABLE:
        return {str(field): row.get(field)}
    return None


def name_or_raise(name: Any) -> str:
    """An event's name from the grid: an emptied cell is refused, not taken as no change."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid("an event needs a name: type one in the cell (it keeps its name until then)")
    return name


def day_or_raise(value: Any, field: str) -> str:
    """A date typed in the grid's start or end cell, as the grid shows it: YYYY-MM-DD."""
    text = str(value or "").strip()
    try:
        if len(text) == 10:  # fromisoformat also reads 20150907 and week dates
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    shown = repr(text) if text else "an empty date"
    raise Invalid(f"{shown} is no date for the {field}: type it as YYYY-MM-DD, e.g. 2015-09-07")


def edit_event(
    ctx: DashboardContext, changes: list[dict] | None, session, version, refresh
) -> tuple[Any, Any]:
    if not changes:
        return no_update, no_update
    change = changes[0] if isinstance(changes, list) else changes
    if change.get("colId") not in ("scope", "effect", "value", *EDITABLE):
        return no_update, no_update
    row = change.get("data") or {}
    event_id = str(row.get("event_id", ""))

    def currency(plan_id: str) -> str | None:
        amount = change.get("colId") in ("effect", "value")
        return _currency(ctx, plan_id, row.get("effect")) if amount else None

    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.edit_event(
            ctx.store,
            plan_id,
            user,
            event_id,
            expected_version=components.page_version(version),
            **(edit_arguments(change, currency(plan_id), plan_example(ctx.store, plan_id)) or {}),
        ),
    )
    took = (
        took_suggestion("The value cell was emptied")
        if change.get("colId") == "value" and takes_suggestion(row.get("effect"), row.get("value"))
        else ""
    )
    # Re-render either way: a refused edit must not stay in the grid as if it were saved.
    return edits.reply(alert, refresh, lambda: _done("Changed", saved) + took)


def _done(verb: str, saved: system.Saved) -> str:
    """What the page says after an event is saved, with what to know about its periods."""
    shown = saved.event.describe(currency=saved.plan.currency) if saved.event else "the event"
    said = f"{verb} {shown}."
    return f"{said} Note: {saved.note}." if saved.note else said


def ask_remove(_ctx: DashboardContext, n, selected) -> tuple[Any, Any, Any]:
    """Open the confirmation dialog for the selected event (or say how to select one)."""
    if not n:
        return no_update, no_update, no_update
    if not selected:
        hint = components.info_alert("Select an event in the grid first: click its row.")
        return False, no_update, hint
    row = selected[0]
    question = (
        f"Remove event {row['event_id']} {row['name']!r} ({row['scope']}, {row['start']} to "
        f"{row['end']})? The system plan and the gate are recomputed without it; you can undo "
        "it right after."
    )
    return True, question, None


def remove_event(ctx: DashboardContext, n, selected, session, version, refresh) -> tuple[Any, ...]:
    """Confirmed: remove the event, and offer to undo it."""
    if not n or not selected:
        return no_update, no_update, no_update, no_update, no_update
    event_id = selected[0]["event_id"]
    saved, alert = edits.call(
        session,
        lambda plan_id, user: system.remove_event(
            ctx.store, plan_id, user, event_id, expected_version=components.page_version(version)
        ),
    )
    if alert is not None:
        return False, alert, bumped(refresh), no_update, True
    done = components.success_alert(
        f"Removed {saved.event.describe(currency=saved.plan.currency)}."
    )
    removed = {"event_id": event_id, "version": saved.plan.version}
    return False, done, bumped(refresh), removed, False


def undo_remove(ctx: DashboardContext, n, removed, session, refresh) -> tuple[Any, ...]:
    """Undo is offered for the removal this page just made: it is refused as stale once the
    plan has moved past the version that removal made (another event may now stand in for it)."""
    if not n or not removed:
        return no_update, no_update, no_update, no_update

    def restore(plan_id: str, user: str) -> system.Saved:
        event_id, version = _removal(removed)
        return system.restore_event(ctx.store, plan_id, user, event_id, expected_version=version)

    saved, alert = edits.call(session, restore)
    message, refreshed = edits.reply(
        alert, refresh, lambda: f"Restored {saved.event.describe(currency=saved.plan.currency)}."
    )
    return message, refreshed, None, True


def _removal(removed: Any) -> tuple[str, int]:
    """The event id and the version its removal made, as this page stored them."""
    if isinstance(removed, dict):
        event_id, version = removed.get("event_id"), components.page_version(removed.get("version"))
        if isinstance(event_id, str) and event_id and version is not None:
            return event_id, version
    raise Invalid("the page did not say which removal to undo; reload the page")


def register(app: Dash, ctx: DashboardContext) -> None:
    session, version, refresh = edits.edit_states()
    bind(
        app,
        ctx,
        suggestion,
        Output(ids.SYS_EVENT_SUGGESTION, "children"),
        Output(ids.SYS_EVENT_VALUE, "placeholder"),
        Input(ids.SYS_EVENT_KIND, "value"),
        Input(ids.SYS_EVENT_SCOPE, "value"),
        Input(ids.SYS_EVENT_START, "value"),
        Input(ids.SYS_EVENT_END, "value"),
        Input(ids.SYS_EVENT_EFFECT, "value"),
        Input(ids.NAV_SESSION, "data"),
    )
    form = [
        State(ids.SYS_EVENT_NAME, "value"),
        State(ids.SYS_EVENT_KIND, "value"),
        State(ids.SYS_EVENT_SCOPE, "value"),
        State(ids.SYS_EVENT_START, "value"),
        State(ids.SYS_EVENT_END, "value"),
        State(ids.SYS_EVENT_EFFECT, "value"),
        State(ids.SYS_EVENT_VALUE, "value"),
        State(ids.SYS_EVENT_REASON, "value"),
    ]
    bind(
        app,
        ctx,
        add_event,
        ALERT,
        REFRESH,
        Input(ids.SYS_EVENT_ADD, "n_clicks"),
        session,
        version,
        *form,
        refresh,
        prevent_initial_call=True,
    )
    edits.bind_edit(app, ctx, edit_event, Input(ids.SYS_EVENTS_GRID, "cellValueChanged"))
    dialog = Output(ids.SYS_REMOVE_DIALOG, "is_open", allow_duplicate=True)
    selected = State(ids.SYS_EVENTS_GRID, "selectedRows")
    bind(
        app,
        ctx,
        ask_remove,
        dialog,
        Output(ids.SYS_REMOVE_QUESTION, "children"),
        ALERT,
        Input(ids.SYS_EVENT_REMOVE, "n_clicks"),
        selected,
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "function(n) { return n ? false : window.dash_clientside.no_update; }",
        dialog,
        Input(ids.SYS_REMOVE_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
    undo_hidden = Output(ids.SYS_UNDO_AREA, "hidden", allow_duplicate=True)
    removed = Output(ids.SYS_REMOVED, "data", allow_duplicate=True)
    bind(
        app,
        ctx,
        remove_event,
        dialog,
        ALERT,
        REFRESH,
        removed,
        undo_hidden,
        Input(ids.SYS_REMOVE_CONFIRM, "n_clicks"),
        selected,
        session,
        version,
        refresh,
        prevent_initial_call=True,
    )
    bind(
        app,
        ctx,
        undo_remove,
        ALERT,
        REFRESH,
        removed,
        undo_hidden,
        Input(ids.SYS_UNDO, "n_clicks"),
        State(ids.SYS_REMOVED, "data"),
        session,
        refresh,
        prevent_initial_call=True,
    )
