"""A page's changes passed on to the shell around it (the plan list, the plan picked, the basis
moved), in the browser.

Dash calls a callback when a page is opened if one of its outputs was already on the page (the
shell's stores and the plan picker are, around every page) and its input comes with the page,
whatever `prevent_initial_call` says. A server callback writing the shell from a page's button
was therefore called on every visit of its page: a request for nothing (a Publish, a Lock, an
Archive that returned at once), and for the Data page's plan job, a job. So a page's callbacks
write stores of their own page, and the clientside callbacks here pass them on to the shell;
while the page's store is as the page opened it (empty, or a counter at 0) they pass nothing on,
so opening a page calls nothing more.

The same rule holds for buttons a callback draws (a card per team, a row per member): when
they are drawn (or removed), Dash calls every callback they are an input of whose outputs are
not all drawn with them. So a server callback acting on such a button does not take its clicks:
`clicked` passes a click on to a store of the page, which that callback takes instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import Dash, Input, Output, State

from dashboard import ids

COUNT_ON = """function (bumped, count) {
    if (!bumped) { return window.dash_clientside.no_update; }
    return (count || 0) + 1;
}"""
"""The shell's counter on by one, once the page's counter was bumped (not as the page opens)."""


def count_on(app: Dash, page_counter: str, shell_counter: str) -> None:
    """Each bump of the page's counter store `page_counter` (data 0 as the page opens) bumps the
    shell's `shell_counter`."""
    app.clientside_callback(
        COUNT_ON,
        Output(shell_counter, "data", allow_duplicate=True),
        Input(page_counter, "data"),
        State(shell_counter, "data"),
        prevent_initial_call=True,
    )


SELECT = """function (picked, bumped, count) {
    const skip = window.dash_clientside.no_update;
    if (!bumped) { return [skip, skip]; }
    const context = window.dash_clientside.callback_context;
    const fired = context.triggered.map(t => t.prop_id);
    const session = picked && fired.includes(context.inputs_list[0].id + ".data") ? picked : skip;
    return [session, (count || 0) + 1];
}"""
"""The session the page picked (when it picked one with this bump) and the plan list's counter
on: one callback, so that the plan picker reads the list again with the new session."""


def select(app: Dash, picked: str, page_counter: str) -> None:
    """A page's pick of a plan (the session, in its store `picked`) into the shell's session,
    with the plan list read again; the page bumps `page_counter` with every change of the list
    (a pick, or an archive that picks nothing)."""
    app.clientside_callback(
        SELECT,
        Output(ids.NAV_SESSION, "data", allow_duplicate=True),
        Output(ids.NAV_PLANS_CHANGED, "data", allow_duplicate=True),
        Input(picked, "data"),
        Input(page_counter, "data"),
        State(ids.NAV_PLANS_CHANGED, "data"),
        prevent_initial_call=True,
    )


PICK = """function (made, changed) {
    const skip = window.dash_clientside.no_update;
    if (!made) { return [skip, skip]; }
    return [{plan_id: made.plan_id}, (changed || 0) + 1];
}"""
"""The plan the page made picked in the shell and the plan list read again (nothing as the page
opens)."""


def pick(app: Dash, made: str) -> None:
    """The plan a page made (`{"plan_id": ...}` in its store `made`) picked in the shell's
    session, with the plan list read again."""
    app.clientside_callback(
        PICK,
        Output(ids.NAV_SESSION, "data", allow_duplicate=True),
        Output(ids.NAV_PLANS_CHANGED, "data", allow_duplicate=True),
        Input(made, "data"),
        State(ids.NAV_PLANS_CHANGED, "data"),
        prevent_initial_call=True,
    )


OPEN = """function (plan_id) {
    return plan_id || window.dash_clientside.no_update;
}"""
"""The plan the page chose put in the plan picker (nothing as the page opens)."""


def open_plan(app: Dash, chosen: str) -> None:
    """The plan id the page put in its store `chosen` picked in the navbar's plan picker."""
    app.clientside_callback(
        OPEN,
        Output(ids.NAV_PLAN, "value", allow_duplicate=True),
        Input(chosen, "data"),
        prevent_initial_call=True,
    )


CLICKED = """function () {
    const click = window.dash_clientside.callback_context.triggered.find(t => t.value);
    if (!click) { return window.dash_clientside.no_update; }
    const id = JSON.parse(click.prop_id.slice(0, click.prop_id.lastIndexOf('}') + 1));
    return Object.assign({}, id, {clicks: click.value});
}"""
"""The button clicked: its id with its clicks (nothing as the buttons are drawn or removed)."""


def clicked(app: Dash, store: str, *buttons: Mapping[str, object]) -> None:
    """A click on one of the buttons of the patterns `buttons` (drawn by a callback) into the
    page's store `store` (`ids.CLICKED`: the button's id, with `clicks`), for a server callback
    to take as its input: taking the buttons' clicks, it was called each time they were
    drawn."""
    app.clientside_callback(
        CLICKED,
        Output(store, "data"),
        *(Input(dict(button), "n_clicks") for button in buttons),
        prevent_initial_call=True,
    )
