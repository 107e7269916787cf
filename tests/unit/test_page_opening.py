"""What opening a page calls on the server: only what draws it.

Dash calls a callback when a page (or a part a callback draws into it) is inserted if one of the
callback's outputs was on the page before its inputs, whatever `prevent_initial_call` says. A
server callback of that shape is called on every opening for nothing (a Publish, a Lock, an
Archive that returns at once; for a job, a job started), and what it writes (the shell's stores)
calls the shell's callbacks again. These tests read the app's callbacks (`dashboard.relay`)."""

from __future__ import annotations

from hashlib import sha256
from typing import Any

import pytest

from dashboard import ids, relay
from dashboard.app import PAGES


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Any:
    from dashboard.app import create_app

    return create_app(data_dir=str(tmp_path_factory.mktemp("page-opening")))


def shell_ids(app: Any) -> set[str]:
    """The components around every page (the navbar, the shell's stores, the drift notice)."""
    return {
        component.id
        for component in app.layout._traverse()
        if isinstance(getattr(component, "id", None), str)
    }


def outputs_of(callback: dict) -> list[str]:
    key = callback["output"]
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    return [part.rsplit(".", 1)[0] for part in parts]


def page_inputs(callback: dict, shell: set[str]) -> list[Any]:
    """The callback's inputs that come with a page (a pattern's buttons always do)."""
    return [
        i["id"] for i in callback["inputs"] if not (isinstance(i["id"], str) and i["id"] in shell)
    ]


def test_no_server_callback_writes_the_shell_from_what_a_page_brings(app):
    """Publish (System plan), Lock (Negotiation), a click in the plan list, New version,
    Archive, Import (Plans), Open (Accuracy) wrote the shell's stores or plan picker: each was
    called on every opening of its page. They write their page's own stores now, passed on to
    the shell in the browser (`dashboard.relay`)."""
    shell = shell_ids(app)
    assert {ids.NAV_SESSION, ids.NAV_PLANS_CHANGED, ids.NAV_PLAN, ids.NAV_DRIFT} <= shell
    called = [
        callback["output"]
        for callback in app._callback_list
        if not callback["clientside_function"]
        and page_inputs(callback, shell)
        and set(outputs_of(callback)) & shell
    ]
    assert called == []


def test_what_passes_a_page_change_on_to_the_shell_passes_nothing_as_the_page_opens(app):
    """The clientside callbacks of that shape are called on every opening too (no request), and
    what they write calls the server: the System plan page's opening drew the drift notice a
    second time. Each is one of `relay`'s, which pass nothing on while the page's store is as
    the page opened it."""
    shell = shell_ids(app)
    relays_known = (relay.COUNT_ON, relay.SELECT, relay.OPEN, relay.PICK)
    guarded = {sha256(f.encode()).hexdigest() for f in relays_known}
    relays = [
        callback
        for callback in app._callback_list
        if callback["clientside_function"]
        and page_inputs(callback, shell)
        and set(outputs_of(callback)) & shell
    ]
    # the plans picked and the list changed by Data, System plan, Negotiation, Plans; the plan
    # opened on Accuracy; the basis moved on System plan; who may rebase changed on Plans
    # (members, accounts)
    assert len(relays) == 8, [c["output"] for c in relays]
    for callback in relays:
        assert callback["clientside_function"]["function_name"] in guarded, callback["output"]


def drawn_as_the_page_opens(app: Any) -> set[str]:
    """The ids of the shell and of every page's layout (a pattern's as Dash writes them)."""
    import json

    import flask

    layouts = [app.layout]
    ctx = app.server.config["FORECAST_DASHBOARD_CTX"]
    with flask.Flask(__name__).test_request_context():
        layouts += [page.layout(ctx) for page in PAGES]
    return {
        json.dumps(component.id, sort_keys=True, separators=(",", ":"))
        if isinstance(component.id, dict)
        else component.id
        for layout in layouts
        for component in [layout, *layout._traverse()]
        if getattr(component, "id", None) is not None
    }


def test_no_server_callback_is_called_when_a_callback_draws_its_buttons(app):
    """A callback's input drawn later by another callback (the claims board's Save claim and
    Withdraw, the members' Remove, the accounts' switches) calls it each time it is drawn or
    removed, unless all of its outputs are drawn with it: Save and Withdraw were called on every
    opening of the Negotiation page, Remove on every opening of the Plans page. Their clicks
    reach them through a store of the page (`relay.clicked`)."""
    drawn = drawn_as_the_page_opens(app)
    assert {ids.NEG_ALERT, ids.NEG_BOARD, ids.NAV_SESSION} <= drawn
    called = [
        callback["output"]
        for callback in app._callback_list
        if not callback["clientside_function"]
        and any(i["id"] not in drawn for i in callback["inputs"])  # an input drawn later...
        and set(outputs_of(callback)) & drawn  # ...an output on the page before it
    ]
    assert called == []


def test_a_click_passed_on_by_a_page_store_is_a_button_of_the_page(app):
    """Each store `relay.clicked` writes has its shape declared and is on its page as it
    opens, so the server callback taking it is not called as the page opens."""
    drawn = drawn_as_the_page_opens(app)
    stores = [
        outputs_of(callback)[0]
        for callback in app._callback_list
        if callback["clientside_function"]
        and callback["clientside_function"]["function_name"]
        == sha256(relay.CLICKED.encode()).hexdigest()
    ]
    assert {ids.NEG_CLAIM_CLICKED, ids.PLANS_MEMBERS_REMOVE_CLICKED} <= set(stores)
    for store in stores:
        assert ids.STORE_SHAPES[store] == ids.CLICKED
        assert store in drawn


@pytest.mark.parametrize(
    "refresh", [ids.SYS_REFRESH, ids.PLANS_MEMBERS_REFRESH, ids.PLANS_ACCOUNTS_REFRESH]
)
def test_a_change_that_moves_who_may_rebase_draws_the_drift_notice_again(app, refresh):
    """The drift notice names who can rebase (the plan's owners whose account is active): an
    owner granted or removed on the Plans page, or an account disabled there, left it naming the
    owners as they were until another page was opened. Each change bumps its section's counter,
    passed on to the shell's (`drift_notice.relay_edits`), as an event added on System plan."""
    passed_on = [
        callback
        for callback in app._callback_list
        if callback["clientside_function"]
        and refresh in [i["id"] for i in callback["inputs"]]
        and ids.NAV_PLAN_EDITED in outputs_of(callback)
    ]
    assert len(passed_on) == 1
