"""Forged callback requests (no browser sends them) against the real app, signed in: every one
is refused or changes nothing, never a 500 and never a partial write."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.app import create_app
from forecast.services import negotiation as nego
from forecast.services import plans, system
from tests.fixtures import six_store_fixtures
from tests.signin import signed_in_client

template, plan = six_store_fixtures(
    "forged",
    name="Forged plan",
    leads={"a": "lena", "c": "carl"},
    accounts=["olga", "lena", "carl"],
)


@pytest.fixture
def app(plan):
    return create_app(data_dir=str(plan.data_dir))


def _store(app):
    return app.server.config["FORECAST_DASHBOARD_CTX"].store


def _key(app, trigger: str) -> str:
    found = [
        key
        for key, spec in app.callback_map.items()
        if "callback" in spec
        and any(
            dep["id"] == trigger or f'"type":"{trigger}"' in dep["id"] for dep in spec["inputs"]
        )
    ]
    assert len(found) == 1, found
    return found[0]


def _post(client, app, trigger: str, inputs: list, state: list, changed=None):
    key = _key(app, trigger)
    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": changed if changed is not None else [f"{trigger}.data"],
    }
    return client.post("/_dash-update-component", json=body)


def _entry(cid: Any, prop: str, value: Any) -> dict[str, Any]:
    return {"id": cid, "property": prop, "value": value}


def _widgets(kind: str, teams: list, prop: str = "value", value: Any = "10000") -> list:
    return [
        _entry(
            {"team": t, "type": kind}, prop, {"team": t, "type": kind} if prop == "id" else value
        )
        for t in teams
    ]


def _claim(client, app, plan, clicked, amounts, notes, ids_):
    return _post(
        client,
        app,
        "neg-claim-clicked",
        [_entry("neg-claim-clicked", "data", clicked)],
        [
            amounts,
            notes,
            ids_,
            _entry("nav-session", "data", {"plan_id": plan.plan_id}),
            _entry("neg-version", "data", None),
            _entry("neg-refresh", "data", 0),
        ],
    )


def _cards(teams: list) -> tuple[list, list, list]:
    """A card per team's amounts, notes and amount boxes' ids, as the page draws them."""
    return (
        _widgets("neg-claim-amount", teams),
        _widgets("neg-claim-note", teams, value="flyer"),
        _widgets("neg-claim-amount", teams, prop="id"),
    )


def _lena_on_a_goal(app, plan):
    """lena (lead of team a) signed in on the plan once its goal is set."""
    nego.set_goal(_store(app), plan.plan_id, "olga", total=None, ratio="1.2")
    return signed_in_client(app, "lena")


SAVE_A = {"type": "neg-claim-save", "team": "a", "clicks": 1}


@pytest.mark.parametrize(
    ("amount_teams", "note_teams", "id_teams"),
    [
        (["c"], ["c", "a"], ["c", "a"]),  # an amount fewer than cards
        (["c", "a"], ["c"], ["c", "a"]),  # a note fewer
        ([], [], ["a"]),
    ],
)
def test_a_claim_with_lists_of_unequal_lengths_is_refused_and_saves_nothing(
    app, plan, amount_teams, note_teams, id_teams
):
    client = _lena_on_a_goal(app, plan)
    response = _claim(
        client,
        app,
        plan,
        SAVE_A,
        _widgets("neg-claim-amount", amount_teams),
        _widgets("neg-claim-note", note_teams, value="flyer"),
        _widgets("neg-claim-amount", id_teams, prop="id"),
    )
    assert response.status_code in (200, 204, 400), response.data[:300]
    assert nego.summary(_store(app), plan.plan_id)["claimed"] == 0
    # the same click with lists as the page sends them saves the claim
    response = _claim(client, app, plan, SAVE_A, *_cards(["c", "a"]))
    assert response.status_code == 200
    assert nego.summary(_store(app), plan.plan_id)["claimed"] == 1_000_000


def test_a_claim_whose_amounts_name_the_cards_in_another_order_saves_nothing(app, plan):
    """Read by position, lena's Save claim took team c's amount (99,999) as hers."""
    client = _lena_on_a_goal(app, plan)
    amounts = [
        _entry({"team": "c", "type": "neg-claim-amount"}, "value", "99999"),
        _entry({"team": "a", "type": "neg-claim-amount"}, "value", "10000"),
    ]
    response = _claim(
        client,
        app,
        plan,
        SAVE_A,
        amounts,
        _widgets("neg-claim-note", ["a", "c"], value="flyer"),
        _widgets("neg-claim-amount", ["a", "c"], prop="id"),
    )
    assert response.status_code == 400
    assert nego.summary(_store(app), plan.plan_id)["claimed"] == 0


@pytest.mark.parametrize("team", [["a"], {"t": "a"}, None])
def test_a_card_whose_team_is_no_text_is_refused(app, plan, team):
    client = _lena_on_a_goal(app, plan)
    response = _claim(client, app, plan, SAVE_A, *_cards([team, "a"]))
    assert response.status_code == 400
    assert nego.summary(_store(app), plan.plan_id)["claimed"] == 0


def _assign(client, app, plan, values: list, widget_ids: list):
    return _post(
        client,
        app,
        "neg-assign",
        [_entry("neg-assign", "n_clicks", 1)],
        [
            _entry("neg-rule", "value", "manual"),
            _entry("neg-exclude", "value", None),
            values,
            widget_ids,
            _entry("nav-session", "data", {"plan_id": plan.plan_id}),
            _entry("neg-version", "data", None),
            _entry("neg-refresh", "data", 0),
        ],
        changed=["neg-assign.n_clicks"],
    )


@pytest.mark.parametrize(
    ("value_teams", "id_teams"),
    [
        ([["a"]], [["a"]]),  # a team that is a list: a dict's key (TypeError) before
        (["a", "b"], ["a"]),  # an amount more than boxes: paired short by position before
        (["a", "a"], ["a", "a"]),  # one box twice
    ],
)
def test_manual_amounts_not_as_the_boxes_are_drawn_are_refused(app, plan, value_teams, id_teams):
    store = _store(app)
    nego.set_goal(store, plan.plan_id, "olga", total=None, ratio="1.2")
    nego.close_round(store, plan.plan_id, "olga")
    before = nego.summary(store, plan.plan_id)
    client = signed_in_client(app, "olga")

    response = _assign(
        client,
        app,
        plan,
        _widgets("neg-manual-amount", value_teams, value="100"),
        _widgets("neg-manual-amount", id_teams, prop="id"),
    )

    assert response.status_code == 400, response.data[:300]
    after = nego.summary(store, plan.plan_id)
    assert (after["version"], after["assigned"]) == (before["version"], before["assigned"])


def test_a_scored_plan_button_whose_plan_is_no_text_is_refused(app, plan):
    """The Accuracy page's buttons that open a plan with actuals: a plan id sent as a list
    reached a set look-up (TypeError, a 500)."""
    client = signed_in_client(app, "olga")
    button = {"plan": [plan.plan_id], "type": "acc-open-plan"}
    response = _post(
        client,
        app,
        "acc-open-plan",
        [[_entry(button, "n_clicks", 1)]],
        [],
        changed=['{"plan":["' + plan.plan_id + '"],"type":"acc-open-plan"}.n_clicks'],
    )
    assert response.status_code == 400, response.data[:300]


def _download(client, app, plan, changed):
    return _post(
        client,
        app,
        "plans-download-csv",
        [
            _entry("plans-download-csv", "n_clicks", 1),
            _entry("plans-download-csv-excel", "n_clicks", None),
            _entry("plans-download-xlsx", "n_clicks", None),
            _entry("plans-download-json", "n_clicks", None),
        ],
        [_entry("nav-session", "data", {"plan_id": plan.plan_id})],
        changed=changed,
    )


@pytest.mark.parametrize(
    "changed",
    [
        [5],  # not a component's property: `.rpartition` of a number
        ["{not json.n_clicks"],  # a pattern id that is no JSON
        ['{"a":1}.n_clicks'],  # a pattern id of no input: a dict's key
        "plans-download-csv.n_clicks",  # not a list
    ],
)
def test_a_trigger_naming_no_input_of_the_callback_is_refused(app, plan, changed):
    """`changedPropIds` says which input fired; Dash reads it as the request sends it."""
    client = signed_in_client(app, "olga")
    response = _download(client, app, plan, changed)
    assert response.status_code == 400, response.data[:300]
    # the click as the page sends it is answered
    response = _download(client, app, plan, ["plans-download-csv.n_clicks"])
    assert response.status_code == 200


def _grid_edit(client, app, plan, grid: str, change: dict):
    key_trigger = (grid, "cellValueChanged")
    key = next(
        k
        for k, spec in app.callback_map.items()
        if "callback" in spec
        and any((d["id"], d["property"]) == key_trigger for d in spec["inputs"])
    )
    spec = app.callback_map[key]

    def entry(dep):
        value = {
            key_trigger: [change],
            ("nav-session", "data"): {"plan_id": plan.plan_id},
        }.get((dep["id"], dep["property"]))
        return _entry(dep["id"], dep["property"], value)

    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": key,
        "outputs": outputs,
        "inputs": [entry(d) for d in spec["inputs"]],
        "state": [entry(d) for d in spec["state"]],
        "changedPropIds": [f"{grid}.cellValueChanged"],
    }
    return client.post("/_dash-update-component", json=body)


def test_an_event_cell_edit_with_a_scope_that_is_no_text_is_refused_in_words(app, plan):
    """The grid's scope cell is text; a number there reached `.replace` (a 500)."""
    client = signed_in_client(app, "olga")
    row = {"event_id": "E1", "name": "x", "scope": 0.45, "start": "2015-09-07", "end": "x"}
    change = {"colId": "scope", "data": row, "value": 0.45, "oldValue": "all"}

    response = _grid_edit(client, app, plan, "sys-events-grid", change)

    assert response.status_code == 200, response.data[:300]
    assert "Type the scope as all" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", [5, 1.5, True])
def test_an_explanation_cell_that_is_no_text_explains_nothing(app, plan, text):
    """The deviations grid's explanation cell is text; a number there reached `.strip()`."""
    client = signed_in_client(app, "olga")
    version = nego.summary(_store(app), plan.plan_id)["version"]
    row = {"level": "team", "key": "a", "ds": "2015-09-07", "reason_code": "promo", "text": text}
    change = {"colId": "text", "data": row, "value": text}

    response = _grid_edit(client, app, plan, "sys-deviations-grid", change)

    assert response.status_code == 200, response.data[:300]
    assert nego.summary(_store(app), plan.plan_id)["version"] == version


@pytest.mark.parametrize("reason", [1, 1.5, True, 0])
def test_an_event_cell_edit_with_a_reason_that_is_no_text_is_refused_in_words(app, plan, reason):
    """The grid's reason cell is text; a number there reached `len` (a 500), and a 0 emptied
    the event's reason."""
    store = _store(app)
    days = system.horizon_dates(store, plans.get_plan(store, plan.plan_id))
    start, end = str(days[0].date()), str(days[1].date())
    event = system.add_event(
        store, plan.plan_id, "olga", name="Fair", kind="promotion", start=start, end=end,
        effect="percent", value=10, reason="a trade fair",
    ).event  # fmt: skip
    row = {"event_id": event.event_id, "name": "Fair", "scope": "all", "start": start, "end": end}
    client = signed_in_client(app, "olga")
    version = nego.summary(store, plan.plan_id)["version"]

    change = {"colId": "reason", "data": {**row, "reason": reason}, "value": reason}
    response = _grid_edit(client, app, plan, "sys-events-grid", change)

    assert response.status_code == 200, response.data[:300]
    assert "event's reason is text, not" in response.get_data(as_text=True)
    assert nego.summary(store, plan.plan_id)["version"] == version
    assert system.list_events(store, plan.plan_id)[0].reason == "a trade fair"
    # the reason typed as text is saved
    change = {"colId": "reason", "data": {**row, "reason": "a fair"}, "value": "a fair"}
    assert _grid_edit(client, app, plan, "sys-events-grid", change).status_code == 200
    assert system.list_events(store, plan.plan_id)[0].reason == "a fair"


def _click(client, app, plan, button: str, values: dict[tuple[str, str], Any]):
    """A click of `button` with `values` for the callback's inputs and state (by id and
    property; the plan selection the plan's, every other one empty), as the page sends it."""
    key = _key(app, button)
    spec = app.callback_map[key]
    given = {(button, "n_clicks"): 1, ("nav-session", "data"): {"plan_id": plan.plan_id}}
    given.update(values)

    def entry(dep):
        return _entry(dep["id"], dep["property"], given.get((dep["id"], dep["property"])))

    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [entry(d) for d in spec["inputs"]],
        "state": [entry(d) for d in spec["state"]],
        "changedPropIds": [f"{button}.n_clicks"],
    }
    return client.post("/_dash-update-component", json=body)


@pytest.mark.parametrize(
    ("button", "box"),
    [("sys-threshold-set", "sys-threshold"), ("replay-run", "replay-cycles")],
)
@pytest.mark.parametrize("typed", [float("nan"), float("inf"), -float("inf"), 10**400])
def test_a_number_box_sent_as_no_number_a_browser_holds_is_refused(app, plan, button, box, typed):
    """A number box sends what the browser's number holds: NaN, an infinity or a whole number
    past a float's range come from no page (JSON.stringify writes them as null). A threshold
    of 10**400 reached `float` (an OverflowError, a 500), the replay's cycles `int` in its
    job."""
    store = _store(app)
    before = plans.get_plan(store, plan.plan_id).threshold
    client = signed_in_client(app, "olga")

    response = _click(client, app, plan, button, {(box, "value"): typed})

    assert response.status_code == 400, response.data[:300]
    assert plans.get_plan(store, plan.plan_id).threshold == before
    if box == "sys-threshold":  # the box as the page sends it sets the threshold
        assert _click(client, app, plan, button, {(box, "value"): 12.5}).status_code == 200
        assert plans.get_plan(store, plan.plan_id).threshold == 0.125
