"""Every value a callback reads arrives as the page sends it, or the request is refused with 400
and the reason before any callback runs: a store's data (counters, versions, the plan
selection), a button's clicks, an upload's file, the page's address. Sent otherwise (a tampered
request; no browser does), they reached `.get` on text or `+ 1` on text: 500s logged as
unexpected errors. Everything the page itself sends and keeps is still accepted.

Every test talks HTTP to a real app through Flask's test client, signed in through the real
sign-in form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import auth, ids
from dashboard.app import create_app
from forecast.services import actuals
from tests.fixtures import six_store_fixtures
from tests.signin import callback_key, signed_in_client

template, plan = six_store_fixtures(
    "value-shapes", name="Shapes plan", accounts=["olga", "adam"], admin=["adam"]
)

THRESHOLD = "..sys-alert.children...sys-refresh.data.."
ACTUALS = (
    "..actuals-figure.figure...actuals-grid.rowData...actuals-verdict.children..."
    "actuals-alert.children...actuals-upload.contents...actuals-confirm-scale.value...actuals-whole-periods.value.."
)
PAGES = ".._pages_content.children..._pages_store.data.."


@pytest.fixture
def app(plan):
    return create_app(data_dir=str(plan.data_dir))


def _store(app):
    return app.server.config["FORECAST_DASHBOARD_CTX"].store


def _browser(app, name: str = "olga"):
    client = signed_in_client(app, name)
    assert client.get("/").status_code == 200
    return client


def _body(app, key: str, values: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """The request of the callback `key`, every input and state None unless in `values`."""
    spec = app.callback_map[key]
    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})

    def entry(dep: dict[str, str]) -> Any:
        if dep["id"].startswith("{"):  # the per-team widgets: none shown
            return []
        value = values.get((dep["id"], dep["property"]))
        return {"id": dep["id"], "property": dep["property"], "value": value}

    first = spec["inputs"][0]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [entry(dep) for dep in spec["inputs"]],
        "state": [entry(dep) for dep in spec["state"]],
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }


def _set_threshold(app, client, plan, **sent: Any):
    """Press Set threshold on the System plan page (20 %), with `sent` in place of what the page
    sends (nav_session, sys_version, sys_refresh, n_clicks)."""
    values = {
        ("sys-threshold-set", "n_clicks"): sent.get("n_clicks", 1),
        ("sys-threshold", "value"): "20",
        ("nav-session", "data"): sent.get("nav_session", {"plan_id": plan.plan_id}),
        ("sys-version", "data"): sent.get("sys_version"),
        ("sys-refresh", "data"): sent.get("sys_refresh", 0),
    }
    key = callback_key(app, THRESHOLD, ("sys-threshold-set", "n_clicks"))
    return client.post("/_dash-update-component", json=_body(app, key, values))


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ({"sys_refresh": "1"}, "a counter of the page sent something other than a number"),
        ({"sys_refresh": [1]}, "a counter of the page sent something other than a number"),
        ({"sys_version": "3"}, "the page sent a version other than a whole number"),
        ({"nav_session": "plan"}, "the plan selection is not as the page keeps it"),
        ({"nav_session": {"plan_id": 7}}, "the plan selection is not as the page keeps it"),
        ({"n_clicks": "1"}, "a button sent its clicks as something other than a count"),
        ({"n_clicks": -1}, "a button sent its clicks as something other than a count"),
    ],
    ids=[
        "counter-as-text",
        "counter-as-list",
        "version-as-text",
        "session-as-text",
        "plan-id-as-number",
        "clicks-as-text",
        "clicks-negative",
    ],
)
def test_an_edit_sending_a_value_of_another_shape_is_refused_and_changes_nothing(
    app, plan, sent, reason
):
    client = _browser(app)
    before = _store(app).get(plan.plan_id).version

    response = _set_threshold(app, client, plan, **sent)

    assert response.status_code == 400
    assert response.get_json() == {"error": reason}
    assert _store(app).get(plan.plan_id).version == before
    # The same edit as the page sends it is saved, and the counter it writes is sent back.
    shown = {"plan_id": plan.plan_id, "plan_name": "Shapes plan"}
    saved = _set_threshold(app, client, plan, nav_session=shown, sys_version=before)
    assert saved.status_code == 200, saved.data[:300]
    refresh = saved.get_json()["response"]["sys-refresh"]["data"]
    assert refresh == 1 and _store(app).get(plan.plan_id).version == before + 1
    again = _set_threshold(app, client, plan, sys_version=before + 1, sys_refresh=refresh)
    assert again.status_code == 200


def test_an_upload_sent_as_a_list_is_refused_and_no_actuals_are_kept(app, plan):
    client = _browser(app)
    key = callback_key(app, ACTUALS, ("actuals-upload", "contents"))
    contents = "data:text/csv;base64,U3RvcmUsRGF0ZSxTYWxlcwo="
    values = {
        ("actuals-upload", "contents"): [contents],
        ("actuals-upload", "filename"): "actuals.csv",
        ("nav-session", "data"): {"plan_id": plan.plan_id},
    }

    response = client.post("/_dash-update-component", json=_body(app, key, values))

    assert response.status_code == 400
    assert response.get_json() == {"error": "an upload sent its file as something other than text"}
    assert actuals.actuals_versions(_store(app), plan.plan_id) == []


@pytest.mark.parametrize(
    ("pathname", "search", "reason"),
    [
        ({"path": "/system"}, "", "the page's address is not a path of this site"),
        ("system", "", "the page's address is not a path of this site"),
        ("/system", ["?a=1"], "the page's address sent a query other than text"),
    ],
    ids=["path-as-dict", "path-not-of-this-site", "query-as-list"],
)
def test_a_page_address_no_browser_sends_is_refused(app, pathname, search, reason):
    client = _browser(app)
    values = {("_pages_location", "pathname"): pathname, ("_pages_location", "search"): search}

    response = client.post("/_dash-update-component", json=_body(app, PAGES, values))

    assert response.status_code == 400
    assert response.get_json() == {"error": reason}


def test_a_callback_that_runs_in_the_browser_is_refused_on_the_server(app):
    """Dash's answer was a KeyError (a 500): it has no function for it."""
    client = _browser(app)
    key = next(k for k, spec in app.callback_map.items() if k.startswith("..data-raw.data"))
    assert "callback" not in app.callback_map[key]  # forecast.js checkUpload
    values = {("data-upload", "contents"): "data:text/csv;base64,QUJD"}

    response = client.post("/_dash-update-component", json=_body(app, key, values))

    assert response.status_code == 400
    assert response.get_json() == {"error": "a callback that runs in the browser, not here"}


def test_an_admins_session_naming_a_plan_that_is_not_there_reads_nothing(app, plan):
    """A tab's session outlives a store put back; the pages read its plan as there (a 500 for
    an admin; a member's request was answered nothing already)."""
    client = _browser(app, "adam")
    gone = {("nav-session", "data"): {"plan_id": "no-such-plan"}}
    for output, trigger in [
        (THRESHOLD, ("sys-threshold-set", "n_clicks")),
        (
            "..neg-changed.children...neg-changed-box.style..",
            ("neg-poll", "n_intervals"),
        ),
    ]:
        key = callback_key(app, output, trigger)
        response = client.post(
            "/_dash-update-component", json=_body(app, key, {**gone, trigger: 1})
        )
        assert response.status_code == 204
        assert response.headers[auth.REFUSED_HEADER] == auth.PLAN_REFUSED


def _declared(name: str, prop: str) -> bool:
    fields = ids.TEXT_FIELDS | ids.CHOICE_FIELDS | ids.MULTI_CHOICE_FIELDS | ids.TICK_FIELDS
    if prop == "value":
        return name in fields
    if prop == "data":
        return name in ids.STORE_SHAPES
    grid = ids.GRID_ROW_PROPERTIES | ids.GRID_CELL_PROPERTIES
    return (prop in grid and name in ids.GRID_ROW_KEYS) or prop in ids.PROPERTY_SHAPES


def test_every_value_a_callback_reads_has_its_shape_declared(app):
    """Nothing a callback of the server reads goes unchecked: each input and state is a field of
    its kind, a store of `ids.STORE_SHAPES` or a property of `ids.PROPERTY_SHAPES` (a callback
    that runs in the browser is refused whole)."""
    _browser(app)  # Dash adds the pages' own callbacks at the first request
    read = {
        (json.loads(dep["id"])["type"] if dep["id"].startswith("{") else dep["id"], dep["property"])
        for spec in app.callback_map.values()
        if "callback" in spec
        for key in ("inputs", "state")
        for dep in spec.get(key) or []
    }
    assert ("_pages_location", "pathname") in read and ("nav-session", "data") in read
    assert {pair for pair in read if not _declared(*pair)} == set()
    assert set(ids.STORE_SHAPES.values()) | set(ids.PROPERTY_SHAPES.values()) <= {
        *auth._SHAPES,
        ids.OWN_ID,
    }


def _stores(component: Any, found: dict[str, Any]) -> dict[str, Any]:
    """{id: data} of every dcc.Store in a layout as Dash serves it."""
    if isinstance(component, list):
        for child in component:
            _stores(child, found)
    elif isinstance(component, dict):
        props = component.get("props")
        if component.get("type") == "Store" and isinstance(props, dict):
            found[props["id"]] = props.get("data")
        for value in (props or component).values():
            _stores(value, found)
    return found


def test_every_store_as_the_pages_start_it_is_accepted(app, plan):
    """The shell's stores and those of every page, as the server renders them (the page asks
    for them with its own address): declared, and their initial data accepted."""
    import dash

    client = _browser(app)
    stores = _stores(client.get("/_dash-layout").get_json(), {})
    for page in dash.page_registry.values():
        address = {("_pages_location", "pathname"): page["path"]}
        response = client.post(
            "/_dash-update-component",
            json=_body(app, PAGES, {**address, ("_pages_location", "search"): ""}),
        )
        assert response.status_code == 200, (page["path"], response.data[:300])
        _stores(response.get_json()["response"]["_pages_content"]["children"], stores)
    assert {"nav-session", "sys-refresh", "neg-kept-typing", "data-currency-set"} <= set(stores)
    del stores["_pages_store"]  # Dash's own, read by its callback in the browser only
    assert set(stores) <= set(ids.STORE_SHAPES)
    for store_id, data in stores.items():
        entry = {"id": store_id, "property": "data", "value": data}
        assert auth._values_as_the_page_sends_them({"inputs": [entry]}) is None, store_id
    _what_the_callbacks_write_is_accepted_back(plan.plan_id)


def _what_the_callbacks_write_is_accepted_back(plan_id: str) -> None:
    """The stores' data as the callbacks write it (`claims.kept_typing`,
    `decisions.kept_manual`, `events.remove_event`, forecast.js, `upload.use_sample` ...), and
    a bar chart's click as dcc.Graph sends it."""
    kept = {"plan_id": plan_id, "version": 3, "team": "a", "amount": "1,5 k", "note": None}
    manual = {"plan_id": plan_id, "version": 3, "amounts": {"a": "100", "c": "2.5"}}
    removal = {"event_id": "E1", "version": 4}
    raw = {"filename": "sales.csv", "contents": "data:text/csv;base64,QUJD"}
    file = {"token": "t", "filename": "s.csv", "attributes": {"token": "u"}, "freq": "W"}
    for store_id, data in [
        (ids.NEG_KEPT_TYPING, kept),
        (ids.NEG_KEPT_MANUAL, manual),
        (ids.SYS_REMOVED, removal),
        (ids.DATA_RAW, raw),
        (ids.DATA_FILE, dict(file, sample=True)),
        (ids.DATA_ATTR_FILE, {"token": "u"}),
        (ids.NAV_SESSION, {"plan_id": None, "plan_name": None}),
        (ids.DATA_HORIZON_OFFERED, 4),
    ]:
        entry = {"id": store_id, "property": "data", "value": data}
        assert auth._values_as_the_page_sends_them({"inputs": [entry]}) is None, store_id
    click = {"points": [{"x": "a", "y": 5, "curveNumber": 0, "bbox": {"x0": 1.5}}]}
    entry = {"id": ids.SBS_TEAM_BARS, "property": "clickData", "value": click}
    assert auth._values_as_the_page_sends_them({"inputs": [entry]}) is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_values_of_any_shape_for_any_callback_never_get_a_server_error(app, plan, data):
    """A request of the right callback with values of any shape (the plan's own id among them)
    gets an answer or a refusal, never a 500."""
    client = _browser(app, "adam")
    keys = sorted(k for k, spec in app.callback_map.items() if "callback" in spec)
    keys = [k for k in keys if not app.callback_map[k].get("background")]
    key = data.draw(st.sampled_from(keys))
    spec = app.callback_map[key]
    session = st.just({"plan_id": plan.plan_id})
    values = {
        (dep["id"], dep["property"]): data.draw(_JSON | session)
        for dep in [*spec["inputs"], *spec["state"]]
        if not dep["id"].startswith("{")
    }
    response = client.post("/_dash-update-component", json=_body(app, key, values))
    assert response.status_code != 500, (key, values)


def _key_on(app, trigger: tuple[str, str]) -> str:
    found = [
        key
        for key, spec in app.callback_map.items()
        if any((dep["id"], dep["property"]) == trigger for dep in spec["inputs"])
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("trigger", "values"),
    [
        (("sbs-team-bars", "clickData"), {("sbs-team-bars", "clickData"): {"points": [{}]}}),
        (
            ("neg-split", "value"),
            {("neg-split", "value"): True, ("neg-goal-basis", "value"): "."},
        ),
        (
            ("plans-members-add", "n_clicks"),
            {
                ("plans-members-add", "n_clicks"): 1,
                ("plans-members-user", "value"): "nobody-here",
                ("plans-members-role", "value"): "planner",
            },
        ),
    ],
    ids=[
        "click-without-x",
        "basis-unknown",
        "user-unknown",
    ],
)
def test_a_choice_that_is_none_of_its_options_is_answered_not_an_error(app, plan, trigger, values):
    """Values of the shape the page sends that are none of its options: a chart point without x
    was a KeyError, an unknown basis an Invalid outside the alert."""
    client = _browser(app)
    session = {("nav-session", "data"): {"plan_id": plan.plan_id}}
    body = _body(app, _key_on(app, trigger), {**session, **values})

    response = client.post("/_dash-update-component", json=body)

    assert response.status_code in (200, 204), response.data[:300]


def test_removing_an_event_row_without_its_name_is_refused_before_the_callback(app):
    """The remove dialog reads the selected row's name, scope and dates: a row without them did
    not come from the events grid (a KeyError before)."""
    client = _browser(app)
    values = {
        ("sys-event-remove", "n_clicks"): 1,
        ("sys-events-grid", "selectedRows"): [{"event_id": "E1"}],
    }
    body = _body(app, _key_on(app, ("sys-event-remove", "n_clicks")), values)

    response = client.post("/_dash-update-component", json=body)

    assert response.status_code == 400
    assert response.get_json() == {"error": "a grid sent rows other than its own"}


CHOICE_REFUSED = "a choice sent something other than one option's value"


@pytest.mark.parametrize(
    ("trigger", "component", "sent", "as_the_page_sends_it", "reason"),
    [
        (("plans-members-add", "n_clicks"), "plans-members-user", 5, "olga", CHOICE_REFUSED),
        (("neg-assign", "n_clicks"), "neg-rule", 2, "even", CHOICE_REFUSED),
        (
            ("neg-assign", "n_clicks"),
            "neg-exclude",
            ["a", 3],
            ["a"],
            "a choice of several sent something other than a list of option values",
        ),
        (("sbs-team-pick", "value"), "sbs-team-pick", 7, "a", CHOICE_REFUSED),
        (("actuals-restore", "n_clicks"), "actuals-restore-version", "1", 1, CHOICE_REFUSED),
    ],
    ids=["user-number", "rule-number", "excluded-team-number", "team-number", "version-text"],
)
def test_a_choice_sent_as_a_kind_its_options_never_are_gets_400(
    app, plan, trigger, component, sent, as_the_page_sends_it, reason
):
    """A dropdown or radio group whose options are text (a user, a rule, teams) sends text; one
    whose options are numbers (an actuals version) sends a number. The other kind did not come
    from the page (a user sent as a number reached `.strip()` in the service); the kind of its
    options is still answered."""
    client = _browser(app)
    given = {
        ("nav-session", "data"): {"plan_id": plan.plan_id},
        trigger: 1,  # a click (the team pick is itself the trigger: sent below)
        ("plans-members-role", "value"): "planner",
        ("neg-rule", "value"): "even",
    }
    key = _key_on(app, trigger)

    def request(value: Any) -> Any:
        body = _body(app, key, {**given, (component, "value"): value})
        return client.post("/_dash-update-component", json=body)

    refused = request(sent)
    assert refused.status_code == 400
    assert refused.get_json() == {"error": reason}
    answered = request(as_the_page_sends_it)
    assert answered.status_code in (200, 204), answered.data[:300]
