"""Dashboard helpers and callbacks as plain functions (callbacks through Dash's HTTP endpoint,
without a browser), on a small real plan built through the services."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard import components, uploads
from dashboard.app import create_app
from dashboard.pages import plans
from dashboard.shell import member_label
from forecast.services.errors import Forbidden, Invalid, StaleVersion
from tests.fixtures import six_store_fixtures
from tests.signin import add_app_accounts, call, signed_in_client

template, plan = six_store_fixtures(
    "dash-unit",
    name="Unit plan",
    leads={"a": "lena", "c": "carl"},
    accounts=["olga", "lena", "carl", "nina"],
)


@pytest.fixture
def store(plan):
    from forecast.services.store_factory import open_store

    s = open_store(data_dir=plan.data_dir)
    yield s
    s.close()


def _text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


# -- formatting and alerts ----------------------------------------------------------------------


def test_money_and_percent_have_separators_and_sign():
    assert components.money(1234567.8) == "€1,234,568"
    assert components.money(-1500, decimals=2) == "-€1,500.00"
    assert components.money(float("nan")) == "–"
    assert components.minor_to_money(123456) == "€1,235"
    assert components.percent(0.153) == "15.3 %"


def test_service_errors_become_titled_alerts():
    assert "Not allowed for your role" in str(components.error_alert(Forbidden("x")).children)
    assert components.error_alert(StaleVersion("y")).color == "warning"
    _, alert = components.call_service(lambda: (_ for _ in ()).throw(Invalid("bad goal")))
    assert "Bad goal." in str(alert.children)  # a sentence after the title


def test_a_plan_without_actuals_is_told_where_it_stands_not_shown_an_error():
    from forecast.services.errors import Fix, FixKey, NotFound

    waiting = NotFound("plan p1 has no actuals yet", Fix(FixKey.UPLOAD_ACTUALS, plan="p1"))
    alert = components.error_alert(waiting)
    assert alert.color == "info" and "No actuals yet" in str(alert.children)
    assert "upload them on the Actuals page" in str(alert.children)
    assert "The selected plan has no actuals yet" in str(alert.children)
    assert "p1" not in str(alert.children)  # the plan picked in the bar, not its opaque id
    assert components.error_alert(NotFound("no plan 'zz'")).color == "danger"


def test_member_label_names_the_leads_team():
    assert member_label("lena", ["lead"], "a") == "lena — lead of team a"
    assert member_label("olga", ["owner", "planner"], None) == "olga — owner, planner"


# -- data page --------------------------------------------------------------------------------


def test_decode_upload_round_trips_bytes():
    payload = b"Store,Date,Sales\n1,2024-01-01,5\n"
    contents = "data:text/csv;base64," + base64.b64encode(payload).decode()
    assert uploads.decode(contents, "x.csv", 1000, "") == payload


def test_a_refused_upload_names_the_file_by_its_base_name_only_and_briefly():
    contents = "data:text/csv;base64," + base64.b64encode(b"x" * 2000).decode()
    given = "C:\\Users\\olga\\" + "a" * 5000 + ".csv"
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.decode(contents, given, 1000, "split it")
    said = str(refused.value)
    assert "Users" not in said and ".csv is " in said and len(said) < 600


def test_upload_tokens_cannot_escape_the_upload_dir(tmp_path):
    from forecast.services.errors import NotFound
    from forecast.services.uploads import UploadStore

    uploads_store = UploadStore(tmp_path / "uploads")
    token = uploads_store.save("me", b"abc", "x.csv")
    assert uploads_store.resolve("me", token).content == b"abc"
    with pytest.raises(NotFound):
        uploads_store.resolve("me", "../../etc/passwd")


# -- system plan page: tests/unit/test_system_page.py; side by side: test_side_by_side.py ------


# -- negotiation page: see test_negotiation_board.py (service read model and pure builders) -----


# -- plans page -------------------------------------------------------------------------------


def test_plans_helpers_format_times_and_names():
    assert plans.when("2026-11-22T18:51:55+00:00") == "2026-11-22 18:51 UTC"
    assert (
        components.export_filename("Rossmann sample (weekly)", 3, "csv")
        == "Rossmann_sample__weekly_v3.csv"
    )


def test_download_callback_sends_the_system_track_before_a_goal_and_targets_after(plan, store):
    from forecast.services import negotiation as nego

    app = create_app(data_dir=str(plan.data_dir))
    args = dict(
        inputs=[
            ("plans-download-csv", "n_clicks", 1),
            ("plans-download-csv-excel", "n_clicks", None),
            ("plans-download-xlsx", "n_clicks", None),
            ("plans-download-json", "n_clicks", None),
        ],
        state=[("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"})],
    )
    out = call(app, "..plans-download.data...plans-download-status.children..", **args)
    assert "No goal is set yet" in _text(out["plans-download-status"]["children"])
    header = base64.b64decode(out["plans-download"]["data"]["content"]).decode().splitlines()[0]
    assert "system_plan" in header and "target" not in header
    nego.set_goal(store, plan.plan_id, "olga", ratio="1.1")
    out = call(app, "..plans-download.data...plans-download-status.children..", **args)
    sent = out["plans-download"]["data"]
    assert sent["filename"].endswith(".csv") and sent["base64"]
    raw = base64.b64decode(sent["content"])
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8").splitlines()[0].startswith("unique_id,ds,team")
    assert "target" in raw.decode("utf-8").splitlines()[0]
    excel = dict(args, inputs=list(args["inputs"]))
    excel["inputs"][:2] = [
        ("plans-download-csv", "n_clicks", None),
        ("plans-download-csv-excel", "n_clicks", 1),
    ]
    out = call(
        app,
        "..plans-download.data...plans-download-status.children..",
        **excel,
        changed=["plans-download-csv-excel.n_clicks"],
    )
    sent = out["plans-download"]["data"]
    assert base64.b64decode(sent["content"]) == b"\xef\xbb\xbf" + raw
    assert sent["filename"].endswith("_excel.csv")  # not saved as a copy of the plain CSV


def test_app_pages_are_registered_once_per_app(tmp_path: Path):
    first = create_app(data_dir=str(tmp_path / "one"))
    second = create_app(data_dir=str(tmp_path / "two"))
    assert "sys-fan.figure" in "".join(first.callback_map)
    assert "sys-fan.figure" in "".join(second.callback_map)


def test_apply_mapping_rereads_with_the_chosen_columns(tmp_path, rossmann_train):
    app = create_app(data_dir=str(tmp_path))
    add_app_accounts(app, ["olga"])
    client = signed_in_client(app, "olga")
    client.get("/")
    contents = "data:text/csv;base64," + base64.b64encode(rossmann_train.read_bytes()).decode()
    stashed = call(
        app,
        "..data-file.data...data-upload-status.children..",
        [("data-raw", "data", {"contents": contents, "filename": rossmann_train.name})],
        [("data-file", "data", None)],  # the file the page held: none yet
        client=client,
    )
    token = stashed["data-file"]["data"]["token"]
    out = call(
        app,
        PREVIEW,
        [
            ("data-file", "data", {"token": token, "filename": rossmann_train.name}),
            ("data-apply-mapping", "n_clicks", 1),
            ("data-attr-file", "data", None),
            ("data-map-value", "value", "Customers"),
        ],
        [
            ("data-map-id", "value", ["Store"]),
            ("data-map-date", "value", "Date"),
            ("data-map-freq", "value", "W"),
            ("data-map-week-dates", "value", "start"),
            ("data-map-decimal", "value", ""),
            ("data-horizon", "value", 13),
            ("data-horizon-offered", "data", 13),
        ],
        changed=["data-apply-mapping.n_clicks"],
        client=client,
    )
    assert out["data-map-value"]["value"] == "Customers"
    assert "the file is valid" in _text(out["data-report"]["children"])
    rows = _find_prop(out["data-preview-box"]["children"], "rowData")
    assert rows[0]["ds"] < rows[1]["ds"]
    assert out["data-upload-status"]["children"] is None  # the "Reading…" banner is gone


PREVIEW = (
    "..data-report.children...data-summary-chart.figure...data-preview-box.children..."
    "data-map-id.options...data-map-id.value...data-map-date.options...data-map-date.value..."
    "data-map-value.options...data-map-value.value...data-team-attr.options..."
    "data-team-attr.value...data-map-freq.value...data-upload-status.children..."
    "data-create-hint.children...data-file-read.data...data-currency-sign.data"
    "...data-map-week-dates-area.hidden...data-horizon.value...data-horizon-offered.data.."
)


def _find_prop(tree, prop: str):
    """The first value of `prop` in a component tree as the server sent it (JSON)."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if prop in props:
            return props[prop]
        return _find_prop(props.get("children"), prop)
    if isinstance(tree, list):
        for child in tree:
            found = _find_prop(child, prop)
            if found is not None:
                return found
    return None


def _find(component, component_id: str):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_each_app_renders_pages_with_its_own_context(tmp_path: Path):
    import dash

    small = create_app(data_dir=str(tmp_path / "one"), upload_limit_bytes=1000)
    create_app(data_dir=str(tmp_path / "two"))  # registered later; must not leak into `small`
    layout_fn = dash.page_registry["dashboard.pages.data"]["layout"]
    with small.server.app_context():
        limit = _find(layout_fn(), "data-limit")
    assert limit is not None and limit.data == 1000


def test_attributes_file_over_the_limit_is_refused_visibly(tmp_path, rossmann_stores):
    app = create_app(data_dir=str(tmp_path), upload_limit_bytes=100)
    add_app_accounts(app, ["olga"])
    contents = "data:text/csv;base64," + base64.b64encode(rossmann_stores.read_bytes()).decode()
    out = call(
        app,
        "..data-attr-file.data...data-attr-status.children...data-attr-upload.contents..",
        [("data-attr-upload", "contents", contents)],
        [("data-attr-upload", "filename", rossmann_stores.name), ("data-attr-file", "data", None)],
    )
    assert out["data-attr-file"]["data"] is None
    assert "over the upload limit" in _text(out["data-attr-status"]["children"])
    assert out["data-attr-upload"]["contents"] is None  # the same file dropped again is read


def test_a_json_bundle_dropped_on_the_plans_page_is_imported_or_refused_whole(plan, store):
    from forecast.services import exports
    from forecast.services import negotiation as nego
    from forecast.services import plans as plan_service

    nego.set_goal(store, plan.plan_id, "olga", ratio="1.1")
    bundle = exports.export_plan(store, plan.plan_id, "json")
    app = create_app(data_dir=str(plan.data_dir))
    output = (
        "..plans-alert.children...plans-picked.data...plans-changed.data...plans-import.contents.."
    )
    state = [
        ("plans-import", "filename", "bundle.json"),
        # nina is no member of the plan: her tab has no plan of the store selected.
        ("nav-session", "data", {"plan_id": None, "user": "nina"}),
        ("plans-changed", "data", 0),
        ("plans-import-trust", "value", False),
    ]

    def drop(data: bytes, name: str = ""):
        url = "data:application/json;base64," + base64.b64encode(data).decode()
        named = [*state, ("plans-import-name", "value", name)]
        return call(app, output, [("plans-import", "contents", url)], named)

    tampered = bundle.replace(b'"goal_minor"', b'"goal_minoR"', 1)
    out = drop(tampered if tampered != bundle else bundle[: len(bundle) // 2])
    assert "plans-import-refused" in _text(out["plans-alert"]["children"])
    assert len(plan_service.list_plans(store)) == 1

    out = drop(bundle)  # its plan is here already: refused, not naming it to nina, no member
    refused = _text(out["plans-alert"]["children"])
    assert "plans-import-refused" in refused
    assert "already a plan named" in refused and plan.plan_id not in refused
    assert len(plan_service.list_plans(store)) == 1

    out = drop(bundle, "a copy")
    assert "Imported bundle.json" in _text(out["plans-alert"]["children"])
    new_id = out["plans-picked"]["data"]["plan_id"]
    assert new_id != plan.plan_id and len(plan_service.list_plans(store)) == 2
    pd.testing.assert_frame_equal(
        nego.negotiated_plan(store, new_id).drop(columns=["version"], errors="ignore"),
        nego.negotiated_plan(store, plan.plan_id).drop(columns=["version"], errors="ignore"),
    )
    assert plan_service.get_plan(store, new_id).has_role("nina", "owner")


def _data_page(app, client, language: str | None) -> str:
    key = next(k for k in app.callback_map if "_pages_content.children" in k)
    body = {
        "output": key,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    headers = {"Accept-Language": language} if language else {}
    response = client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def test_the_create_form_suggests_the_currency_of_the_browsers_region(tmp_path: Path):
    app = create_app(data_dir=str(tmp_path))
    add_app_accounts(app, ["olga"])
    client = signed_in_client(app, "olga")
    client.get("/")

    def currency_field(language: str | None) -> dict:
        page = json.loads(_data_page(app, client, language))["response"]["_pages_content"]
        return _find_component(page["children"], "data-currency")

    assert currency_field("en-US,en;q=0.9")["value"] == "USD"
    swiss = currency_field("de-CH")
    assert swiss["value"] == "CHF" and swiss["options"][0]["value"] == "CHF"
    assert currency_field("en")["value"] == "EUR"  # no region: as before
    assert currency_field(None)["value"] == "EUR"
    brazil = currency_field("pt-BR")  # not among the common codes: offered first
    assert brazil["value"] == "BRL" and brazil["options"][0]["label"] == "BRL (R$)"
    bahrain = currency_field("ar-BH")  # three decimals: no plan can be made in dinars
    assert bahrain["value"] == "EUR" and "BHD" not in {o["value"] for o in bahrain["options"]}


def _find_component(tree, component_id: str):
    """The props of the component with `component_id` in a tree as the server sent it (JSON)."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == component_id:
            return props
        return next(
            (
                found
                for value in (*props.values(), *tree.values())
                if (found := _find_component(value, component_id)) is not None
            ),
            None,
        )
    if isinstance(tree, list):
        return next(
            (f for item in tree if (f := _find_component(item, component_id)) is not None), None
        )
    return None


def test_the_download_buttons_name_the_plan_they_download(plan, store):
    from dashboard.context import DashboardContext
    from forecast.services import negotiation as nego

    ctx = DashboardContext(data_dir=str(plan.data_dir))
    try:
        assert "No plan is selected" in _shown(plans.download_subject(ctx, {}))
        named = _shown(plans.download_subject(ctx, {"plan_id": plan.plan_id, "user": "olga"}))
        assert plan.plan_id in named and "no goal yet" in named
        nego.set_goal(store, plan.plan_id, "olga", ratio="1.1")
        named = _shown(plans.download_subject(ctx, {"plan_id": plan.plan_id, "user": "olga"}))
        assert "with its negotiated targets" in named
    finally:
        ctx.store.close()


def _shown(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json())


def test_no_chain_of_callbacks_leads_back_to_where_it_started(tmp_path: Path):
    """Dash's debug mode refuses circular dependencies on every page; a callback may write what
    it reads (that does not trigger it again), a chain of other callbacks may not."""
    app = create_app(data_dir=str(tmp_path))
    callbacks = []
    for key, spec in app.callback_map.items():
        outputs = {part.split("@")[0] for part in key.strip(".").split("...")}
        inputs = {f"{i['id']}.{i['property']}" for i in spec["inputs"]}
        callbacks.append((outputs, inputs))
    feeds = {
        a: {b for b, (_, reads) in enumerate(callbacks) if b != a and writes & reads}
        for a, (writes, _) in enumerate(callbacks)
    }

    def back_to(start: int, at: int, seen: set[int]) -> bool:
        return any(
            nxt == start or (nxt not in seen and back_to(start, nxt, seen | {nxt}))
            for nxt in feeds[at]
        )

    loops = [sorted(callbacks[a][0]) for a in feeds if back_to(a, a, {a})]
    assert loops == []


def test_the_shell_has_a_hidden_status_notice_for_a_server_that_cannot_be_reached():
    from dashboard import ids, shell

    page = shell.layout([], sign_out=False)
    (notice,) = [c for c in page.children if getattr(c, "id", None) == ids.NAV_OFFLINE]
    assert notice.hidden is True and notice.role == "status"
    assert notice.children == "Cannot reach the server: a change made now is not saved. Retrying…"


def test_the_validation_reports_count_is_the_rows_with_problems_not_the_lines_listed():
    """25 rows with a word for sales were reported as '21 problem(s)': the 20 rows listed and
    the line that says '5 more rows have the same problem'."""
    from dashboard.data_parts.view import problems_panel
    from forecast.cli.conventions import classify
    from forecast.engine.ingest import IngestError, read_sales

    rows = "".join(f"A,2024-01-{day:02d},n/a\n" for day in range(1, 26))
    with pytest.raises(IngestError) as refused:
        read_sales(("unique_id,ds,y\n" + rows).encode(), filename="bad.csv")

    assert len(refused.value.problems) == 21  # 20 listed, then the closing line
    headline = str(problems_panel("bad.csv", refused.value.problems).children[0].children[0])
    assert "25 problem(s) in bad.csv (the first of each kind are listed)" in headline
    assert classify(refused.value).message == "bad.csv: 25 problems; nothing was written"


def test_the_create_form_says_its_currency_came_from_the_browser_not_the_file(tmp_path: Path):
    app = create_app(data_dir=str(tmp_path))
    add_app_accounts(app, ["olga"])
    client = signed_in_client(app, "olga")
    client.get("/")

    def currency_hint(language: str | None) -> str:
        page = json.loads(_data_page(app, client, language))["response"]["_pages_content"]
        return str(_find_component(page["children"], "data-currency-hint")["children"])

    said = currency_hint("en-US,en;q=0.9")
    assert "USD" in said and "browser asks for en-US" in said and "not from the file" in said
    assert "EUR is the default" in currency_hint(None)
