"""The server reads only what it is sent: crafted callback requests, sizes, hosts, headers.

Every test talks HTTP to a real app through Flask's test client, as a browser (or an attacker
with curl) would; one client is one browser with its session cookie, signed in through the real
sign-in form (the checks here come on top of sign-in; the Host check and the headers come first).
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from dashboard.app import create_app
from forecast.services.errors import NotFound
from forecast.services.uploads import UploadStore
from tests.signin import add_app_accounts, signed_in_client
from tests.unit.test_dashboard_pages import PREVIEW

SALES = b"Store,Date,Sales\n" + b"".join(
    f"{s},2024-01-{d:02d},{d}\n".encode() for s in (1, 2) for d in range(1, 29)
)
PASSWD_LINE = "root:"


@pytest.fixture
def app(tmp_path):
    return create_app(data_dir=str(tmp_path), upload_limit_bytes=1024 * 1024)


def browser(app, name: str = "olga"):
    """A browser signed in as `name` (the account is created when missing)."""
    add_app_accounts(app, [name])
    client = signed_in_client(app, name)
    assert client.get("/").status_code == 200
    return client


def _key(app, wanted: str, trigger: tuple[str, str]) -> str:
    parts = wanted.strip(".").split("...")
    for key, spec in app.callback_map.items():
        if [p.split("@")[0] for p in key.strip(".").split("...")] == parts and any(
            (i["id"], i["property"]) == trigger for i in spec["inputs"]
        ):
            return key
    raise AssertionError(f"no callback writes {wanted} on {trigger}")


def post(client, app, output: str, inputs, state=()):
    key = _key(app, output, inputs[0][:2])
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in key.strip(".").split("...")
    ]
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    return client.post("/_dash-update-component", json=body)


def data_url(content: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(content).decode()


def stash(client, app, content: bytes = SALES, filename: str = "sales.csv"):
    response = post(
        client,
        app,
        "..data-file.data...data-upload-status.children..",
        [("data-raw", "data", {"contents": data_url(content), "filename": filename})],
        [("data-file", "data", None)],  # the file the page held: none yet
    )
    assert response.status_code == 200
    return response.get_json()["response"]


def preview(client, app, file, attributes=None):
    return post(
        client,
        app,
        PREVIEW,
        [
            ("data-file", "data", file),
            ("data-apply-mapping", "n_clicks", None),
            ("data-attr-file", "data", attributes),
            ("data-map-value", "value", None),
        ],
        [
            ("data-map-id", "value", None),
            ("data-map-date", "value", None),
            ("data-map-freq", "value", ""),
            ("data-map-week-dates", "value", "start"),
            ("data-map-decimal", "value", ""),
            ("data-horizon", "value", 13),
            ("data-horizon-offered", "data", 13),
        ],
    )


def test_the_browser_only_holds_an_opaque_token_of_its_upload(app, tmp_path):
    client = browser(app)
    file = stash(client, app)["data-file"]["data"]

    assert set(file) == {"token", "filename"}
    assert "/" not in file["token"] and str(tmp_path) not in json.dumps(file)
    report = preview(client, app, file)
    assert report.status_code == 200 and "the file is valid" in report.get_data(as_text=True)


NAMED_OTHERWISE = "the page named an upload other than as it was given"


@pytest.mark.parametrize(
    ("attributes_in_file", "attributes_store", "refusal"),
    [
        ("/etc/passwd", None, NAMED_OTHERWISE),  # a path, not a token: refused before reading
        (None, "/etc/passwd", NAMED_OTHERWISE),
        ({"token": "../../../../etc/passwd"}, None, "no longer on the server"),
        (None, {"token": "/etc/passwd"}, "no longer on the server"),
    ],
)
def test_a_request_naming_a_server_file_is_refused_without_its_content(
    app, attributes_in_file, attributes_store, refusal
):
    client = browser(app)
    file = dict(stash(client, app)["data-file"]["data"], attributes=attributes_in_file)

    response = preview(client, app, file, attributes_store)

    text = response.get_data(as_text=True)
    assert response.status_code == (400 if refusal == NAMED_OTHERWISE else 200)
    assert PASSWD_LINE not in text and "nologin" not in text
    assert refusal in text  # refused as an unknown upload, nothing read


def test_a_made_up_sales_token_reads_nothing(app):
    client = browser(app)
    for token in ("../../../../etc/passwd", "/etc/passwd", "A" * 32, 42):
        response = preview(client, app, {"token": token, "filename": "passwd.csv"})
        text = response.get_data(as_text=True)
        assert response.status_code == (400 if token == 42 else 200)
        # a token of the right shape that this server never handed out: another server's
        refusal = {42: NAMED_OTHERWISE, "A" * 32: "not on this server"}.get(
            token, "no longer on the server"
        )
        assert PASSWD_LINE not in text and refusal in text


def test_another_browsers_token_is_refused(app):
    owner, other = browser(app, "olga"), browser(app, "lena")
    file = stash(owner, app)["data-file"]["data"]

    stolen = preview(other, app, file)

    assert "no longer on the server" in stolen.get_data(as_text=True)
    assert "the file is valid" in preview(owner, app, file).get_data(as_text=True)


def test_an_upload_over_the_limit_is_refused_on_the_server_with_the_pages_message(app):
    client = browser(app)
    big = SALES * (1_200_000 // len(SALES) + 1)  # ~1.1 MB: over the 1 MB limit, under the cap

    out = stash(client, app, big, "big.csv")

    assert out["data-file"]["data"] is None
    message = json.dumps(out["data-upload-status"]["children"])
    assert "big.csv is 1.1 MB, over the upload limit of 1.0 MB; it was not read" in message
    assert (
        list((app.server.config["FORECAST_DASHBOARD_CTX"].cache_dir() / "uploads").glob("*")) == []
    )


def test_a_request_body_over_the_cap_is_refused_before_any_callback_runs(app):
    client = browser(app)
    body = json.dumps({"output": "x", "inputs": [{"value": "A" * 3_000_000}]})

    response = client.post("/_dash-update-component", data=body, content_type="application/json")

    assert response.status_code == 413
    assert "files up to 1 MB can be uploaded" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("page_input", "output"),
    [
        (
            ("actuals-upload", "contents"),
            "..actuals-figure.figure...actuals-grid.rowData...actuals-verdict.children..."
            "actuals-alert.children...actuals-upload.contents...actuals-confirm-scale.value...actuals-whole-periods.value..",
        ),
        (
            ("plans-import", "contents"),
            "..plans-alert.children...plans-picked.data...plans-changed.data..."
            "plans-import.contents..",
        ),
    ],
)
def test_every_upload_page_checks_the_size_on_the_server(app, page_input, output):
    client = browser(app)
    big = data_url(b"x" * 1_100_000)
    filename_state = (page_input[0], "filename", "big.file")
    state = [filename_state, ("nav-session", "data", {"plan_id": None})]
    if page_input[0] == "plans-import":
        state += [
            ("plans-changed", "data", 0),
            ("plans-import-trust", "value", False),
            ("plans-import-name", "value", None),
        ]
    inputs = [(*page_input, big)]
    if page_input[0] == "actuals-upload":  # the inputs and state of the callback, in its order
        inputs += [
            ("nav-session", "data", {"plan_id": None}),
            ("actuals-restore", "n_clicks", None),
        ]
        state = [
            filename_state,
            ("actuals-restore-version", "value", None),
            ("actuals-decimal", "value", ""),
            ("actuals-confirm-scale", "value", False),
            ("actuals-week-dates", "value", None),
            ("actuals-sum-duplicates", "value", False),
            ("actuals-whole-periods", "value", False),
        ]

    response = post(client, app, output, inputs, state)

    assert response.status_code == 200
    assert "over the upload limit of 1.0 MB" in response.get_data(as_text=True)


def test_uploads_are_deleted_after_a_day_and_when_discarded(tmp_path):
    store = UploadStore(tmp_path)
    store.save("me", b"old", "a.csv")
    used = store.save("me", b"used", "b.csv")

    store.discard("someone else", used)  # only the owner can
    assert store.resolve("me", used).content == b"used"
    store.discard("me", used)
    assert store.sweep(now=time.time() + 2 * 24 * 3600) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_discard_by_another_session_leaves_the_upload_and_its_owners_takes_it(tmp_path):
    """Whose an upload is comes from its record alone: another session's discard (with a reason)
    changes nothing, the owner's deletes the file and says why to the owner only."""
    store = UploadStore(tmp_path)
    token = store.save("me", b"sales", "sales.csv")

    store.discard("someone else", token, "used to make plan p1")
    store.discard("", token, "used to make plan p1")

    assert store.resolve("me", token).content == b"sales"
    assert sorted(p.name for p in tmp_path.iterdir()) == [token, f"{token}.json"]
    store.discard("me", token, "used to make plan p1")
    assert not (tmp_path / token).exists() and not (tmp_path / f"{token}.json").exists()
    with pytest.raises(NotFound, match="sales.csv is no longer on the server: used to make"):
        store.resolve("me", token)
    with pytest.raises(NotFound, match="drop the file again"):
        store.resolve("someone else", token)


def test_an_upload_keeps_only_the_printable_base_name_the_browser_gave(tmp_path):
    store = UploadStore(tmp_path)

    token = store.save("me", b"a", "C:\\fakepath\\sales\x1b[2J\u202e.csv")

    assert store.resolve("me", token).filename == "sales[2J.csv"


def test_a_request_for_another_host_name_gets_400(tmp_path):
    app = create_app(data_dir=str(tmp_path), allowed_hosts=["plans.example.org"])
    anonymous = app.server.test_client()
    add_app_accounts(app, ["olga"])
    client = signed_in_client(app, "olga")

    # The Host check comes before sign-in: a foreign host name gets 400, not the sign-in page.
    for path in ("/", "/login"):
        assert anonymous.get(path, headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "evil.example:8050"}).status_code == 400
    # An allowed host name passes on to sign-in (the session cookie is the test client's, bound
    # to localhost, so the other allowed names are checked on the open sign-in page).
    for host in ("plans.example.org", "localhost:8050", "127.0.0.1"):
        assert anonymous.get("/login", headers={"Host": host}).status_code == 200
        assert anonymous.get("/", headers={"Host": host}).status_code == 302  # to sign-in
    assert client.get("/").status_code == 200


def test_every_response_carries_the_security_headers(app):
    signed_in, anonymous = browser(app), app.server.test_client()
    paths = ("/", "/_dash-layout", "/assets/forecast.css", "/no-such-page-xyz", "/login")
    for client, path in [(c, p) for c in (signed_in, anonymous) for p in paths]:
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "same-origin"


def test_an_unexpected_error_shows_a_generic_page_without_a_traceback(app):
    def broken() -> str:
        raise RuntimeError("secret detail /srv/forecast/store.py line 42")

    app.server.add_url_rule("/broken-for-test", view_func=broken)
    response = browser(app).get("/broken-for-test")

    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on the server" in text
    assert "secret detail" not in text and "Traceback" not in text


def _download_call(**changed) -> dict:
    """The Plans page's export-links callback as the browser calls it (no plan selected)."""
    body = {
        "output": "plans-download-of.children",
        "outputs": {"id": "plans-download-of", "property": "children"},
        "inputs": [{"id": "nav-session", "property": "data", "value": None}],
        "state": [],
        "changedPropIds": [],
    }
    return {**body, **changed}


def test_a_callback_request_nested_100000_deep_is_refused_not_an_error(app):
    client = browser(app)
    assert client.post("/_dash-update-component", json=_download_call()).status_code == 200
    deep = json.dumps(_download_call()).replace(
        '"value": null', '"value": ' + "[" * 100_000 + "]" * 100_000
    )
    response = client.post("/_dash-update-component", data=deep, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]


@pytest.mark.parametrize(
    "outputs",
    [
        {"id": "plans-download", "property": "data"},  # another callback's output
        [{"id": "plans-download-of", "property": "children"}] * 2,
        "plans-download-of",
        [1],
        {"id": "plans-download-of", "property": 5},
    ],
    ids=["other-output", "two-outputs", "text", "number", "property-number"],
)
def test_a_callback_request_whose_outputs_are_not_the_callbacks_gets_400(app, outputs):
    response = browser(app).post("/_dash-update-component", json=_download_call(outputs=outputs))
    assert response.status_code == 400
    assert "not a callback of this dashboard" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/dash/deps/..%2f..%2fsetup.py",
        "/_dash-component-suites/dash/no-such-bundle.js",
        "/_dash-component-suites/no_such_library/x.js",
    ],
)
def test_a_component_bundle_that_is_not_served_gets_404_not_an_error(app, path):
    response = browser(app).get(path)
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "no such file" in text and "setup.py" not in text and "Something went wrong" not in text


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Plans.Example.org:8050", "plans.example.org"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8050", "::1"),
        ("::1", "::1"),
    ],
)
def test_host_names_are_compared_without_port_and_case(header, name):
    from dashboard.server import host_name

    assert host_name(header) == name


ACTUALS_OUTPUT = (
    "..actuals-figure.figure...actuals-grid.rowData...actuals-verdict.children..."
    "actuals-alert.children...actuals-upload.contents...actuals-confirm-scale.value...actuals-whole-periods.value.."
)


def post_actuals(client, app, contents: str, filename: str, plan_id: str | None):
    session = {"plan_id": plan_id}
    return post(
        client,
        app,
        ACTUALS_OUTPUT,
        [
            ("actuals-upload", "contents", contents),
            ("nav-session", "data", session),
            ("actuals-restore", "n_clicks", None),
        ],
        [
            ("actuals-upload", "filename", filename),
            ("actuals-restore-version", "value", None),
            ("actuals-decimal", "value", ""),
            ("actuals-confirm-scale", "value", False),
            ("actuals-week-dates", "value", None),
            ("actuals-sum-duplicates", "value", False),
            ("actuals-whole-periods", "value", False),
        ],
    )


def gzip_bomb(unpacked_mb: int) -> bytes:
    """A .csv.gz a few kilobytes small that unpacks to `unpacked_mb` MB."""
    import gzip
    import io

    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        packed.write(b"unique_id,ds,y\n")
        block = b"0" * (1024 * 1024)
        for _ in range(unpacked_mb):
            packed.write(block)
    return out.getvalue()


def test_a_gzip_bomb_sent_to_the_actuals_page_is_refused_for_what_it_unpacks_to(app):
    client = browser(app)
    bomb = gzip_bomb(12)  # the upload limit here is 1 MB: 4 MB may be unpacked
    assert len(bomb) < 100_000

    response = post_actuals(client, app, data_url(bomb), "bomb.csv.gz", None)

    said = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "bomb.csv.gz: the gzip file unpacks to more than 4 MB (the limit)" in said
    assert "may unpack to 4 MB" in said and "uncompressed (a CSV up to the upload limit)" in said
    assert "forecast plan actuals" in said  # the command line reads bigger files


def test_a_gzip_bomb_dropped_on_the_data_page_is_refused_and_not_kept(app):
    client = browser(app)

    out = stash(client, app, gzip_bomb(12), "bomb.csv.gz")

    assert out["data-file"]["data"] is None
    assert "unpacks to more than 4 MB" in json.dumps(out["data-upload-status"]["children"])
    uploads_dir = app.server.config["FORECAST_DASHBOARD_CTX"].cache_dir() / "uploads"
    assert list(uploads_dir.glob("*")) == []


def test_a_compressed_upload_within_the_bound_is_read(app):
    import gzip

    client = browser(app)

    out = stash(client, app, gzip.compress(SALES), "sales.csv.gz")

    assert out["data-file"]["data"] is not None


def test_an_actuals_file_name_sent_by_the_browser_is_kept_as_a_short_base_name(app):
    from forecast.services import plan_frames
    from tests.unit.test_services_negotiation import team_plan

    ctx = app.server.config["FORECAST_DASHBOARD_CTX"]
    plan_id = team_plan(ctx.store, "named", {})

    rows = plan_frames.load_blob_frame(ctx.store, plan_id, "baseline")[
        ["unique_id", "ds", "baseline"]
    ]
    csv = rows.rename(columns={"baseline": "y"}).to_csv(index=False).encode()
    client = browser(app, "olga")
    long_name = "../../" + "a" * 300_000 + ".csv"

    response = post_actuals(client, app, data_url(csv), long_name, plan_id)

    assert response.status_code == 200
    kept = ctx.store.actuals_versions(plan_id)[-1].filename
    assert len(kept) == 200 and kept.endswith(".csv") and "/" not in kept


def test_a_database_that_cannot_be_reached_gets_503_saying_so(tmp_path):
    """The database goes away under a running server: every request (they all read the signed-in
    account) says the database could not be reached and to try again, with 503: a page for the
    browser's pages, JSON for Dash's requests; no traceback, no generic error."""
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app(
        db_url=f"sqlite:///{folder / 'forecast.db'}",
        data_dir=str(tmp_path / "data"),
        upload_limit_bytes=1024 * 1024,
    )
    client = browser(app)
    app.server.config["FORECAST_DASHBOARD_CTX"].store.close()  # no connection stays open
    folder.rename(tmp_path / "moved")  # the database is no longer where the server looks

    page = client.get("/")
    layout = client.get("/_dash-layout")
    callback = post(
        client,
        app,
        "..data-file.data...data-upload-status.children..",
        [("data-raw", "data", {})],
        [("data-file", "data", None)],
    )

    assert page.status_code == layout.status_code == callback.status_code == 503
    text = page.get_data(as_text=True)
    assert "database could not be reached" in text and "Try again in a moment" in text
    assert "Traceback" not in text and "sqlite" not in text.lower()
    for response in (layout, callback):
        body = response.get_json()
        assert body["error"] == "unavailable"
        assert "database could not be reached" in body["message"]


def test_an_ordinary_workbook_packed_tenfold_is_within_the_bound_of_its_upload():
    """An XLSX is a zip: sales rows pack about ninefold, so a workbook within the upload limit
    must not be refused for its sheet data (a gzipped CSV may unpack to 4 times the limit)."""
    import io

    import pandas as pd

    from forecast.services.uploads import packed_kind, unpacked_refusal

    days = pd.date_range("2024-01-01", periods=500, freq="D")
    frame = pd.DataFrame(
        {"store": [f"s{i % 40}" for i in range(20_000)], "date": days.repeat(40)[:20_000]}
    ).assign(sales=lambda f: (f.index % 997) * 1.5)
    out = io.BytesIO()
    frame.to_excel(out, index=False)
    workbook = out.getvalue()
    assert packed_kind(workbook) == "xlsx"
    limit = len(workbook) + 1
    assert unpacked_refusal(workbook, "sales.xlsx", limit, "use the CLI") is None
    refused = unpacked_refusal(workbook, "sales.xlsx", limit // 4, "use the CLI")
    assert refused and "save the sheet as CSV" in refused


def test_a_text_box_sent_as_a_list_is_refused_before_any_callback_runs(app):
    """An event name sent as a list reached `.strip()` in the service: a 500. Every box a person
    types into sends text, a number or nothing; anything else did not come from the page."""
    client = browser(app)
    output = "..sys-alert.children...sys-refresh.data.."
    spec = app.callback_map[_key(app, output, ("sys-event-add", "n_clicks"))]
    assert {"id": "sys-event-name", "property": "value"} in spec["state"]

    def add_event(name):
        state = [
            (s["id"], s["property"], name if s["id"] == "sys-event-name" else None)
            for s in spec["state"]
        ]
        return post(client, app, output, [("sys-event-add", "n_clicks", 1)], state)

    refused = add_event(["Summer", "promotion"])
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "a text box sent something other than text"}
    assert add_event({"name": "x"}).status_code == 400
    assert add_event("Summer promotion").status_code in (200, 204)  # no plan open: nothing done


def _components(pattern: str, lines_after: int = 3) -> dict[str, str]:
    """{component id: the text of its call} for every call matching `pattern` in the dashboard's
    source, the id resolved in `ids` or in the module that names it."""
    import importlib
    import re
    from pathlib import Path

    from dashboard import ids

    found: dict[str, str] = {}
    for path in sorted(Path("dashboard").rglob("*.py")):
        lines = path.read_text().splitlines()
        module = importlib.import_module(".".join(path.with_suffix("").parts))
        for i, line in enumerate(lines):
            start = re.search(pattern, line)
            if not start:
                continue
            call = " ".join(lines[i : i + lines_after])[start.start() :]
            name = re.search(r"id=(?:ids\.team_widget\()?(ids\.\w+|[A-Za-z_]+)\b", call)
            assert name, f"{path}:{i + 1}: no id"
            ref = name.group(1)
            value = getattr(ids if ref.startswith("ids.") else module, ref.removeprefix("ids."))
            found[value] = call
    return found


def test_every_box_a_person_types_into_is_a_text_field():
    """`ids.TEXT_FIELDS` names every dbc.Input of the dashboard, so none is left unchecked, and
    `ids.NUMBER_FIELDS` exactly those of type number (a text box sends no number)."""
    from dashboard import ids

    boxes = _components(r"dbc\.(Input|Textarea)\(")
    assert len(boxes) >= 20
    assert set(boxes) <= ids.TEXT_FIELDS, set(boxes) - ids.TEXT_FIELDS
    numbers = {name for name, call in boxes.items() if 'type="number"' in call}
    assert numbers == ids.NUMBER_FIELDS


def test_every_choice_and_tick_box_is_checked_as_the_kind_it_is():
    """Every dropdown, radio group, check box and switch of the dashboard is named in the
    `ids` set of its kind (one option, several, a tick), so a value no browser sends for it is
    refused before a callback runs."""
    from dashboard import ids

    choices = _components(r"(dcc|dbc)\.(Dropdown|RadioItems|Select)\(", 2)
    ticks = _components(r"(dcc|dbc)\.(Checkbox|Switch|Checklist)\(", 2)
    assert len(choices) >= 30 and len(ticks) >= 5
    multi = {name for name, call in choices.items() if "multi=True" in call}
    assert multi == ids.MULTI_CHOICE_FIELDS
    assert set(choices) - multi == ids.CHOICE_FIELDS
    assert set(ticks) == ids.TICK_FIELDS


def test_every_grid_a_callback_reads_rows_of_is_checked(app):
    """Every AG Grid property a callback reads rows or cells from (rowData, selectedRows,
    cellValueChanged, cellClicked ...) belongs to a grid of `ids.GRID_ROW_KEYS`."""
    from dashboard import ids

    read = {
        (entry["id"], entry["property"])
        for spec in app.callback_map.values()
        for key in ("inputs", "state")
        for entry in spec.get(key) or []
        if entry["property"] in ids.GRID_ROW_PROPERTIES | ids.GRID_CELL_PROPERTIES
    }
    assert {"neg-period-grid", "sys-events-grid", "sys-deviations-grid"} <= {g for g, _ in read}
    assert {grid for grid, _ in read} <= set(ids.GRID_ROW_KEYS)
    grid_props = {"rowData", "selectedRows", "virtualRowData", "cellValueChanged", "cellClicked"}
    assert {prop for _, prop in read} <= grid_props


def _set_goal(client, app, goal, rows=None, split=False):
    output = "..neg-alert.children...neg-refresh.data.."
    spec = app.callback_map[_key(app, output, ("neg-set-goal", "n_clicks"))]
    given = {"neg-goal": goal, "neg-period-grid": rows, "neg-split": split}
    state = [(s["id"], s["property"], given.get(s["id"])) for s in spec["state"]]
    return post(client, app, output, [("neg-set-goal", "n_clicks", 1)], state)


@pytest.mark.parametrize(
    ("goal", "rows", "refusal"),
    [
        (60000000, None, "a text box sent something other than text"),
        ("6e7", "abc", "a grid sent rows other than its own"),
        ("6e7", ["abc"], "a grid sent rows other than its own"),
        ("6e7", [{"goal": 5}], "a grid sent rows other than its own"),
        ("6e7", [{"ds": "2024-01-05", "goal": [5]}], "a grid sent rows other than its own"),
    ],
    ids=["goal-as-number", "rows-as-text", "row-as-text", "row-without-ds", "nested-value"],
)
def test_a_goal_or_period_rows_no_page_sends_get_400_before_the_callback(app, goal, rows, refusal):
    """A goal sent as a number reached `.strip()`, period rows sent as text or without their
    period `.get` / `row["ds"]`: 500s with a traceback. Refused centrally, nothing saved."""
    client = browser(app)
    response = _set_goal(client, app, goal, rows, split=True)
    assert response.status_code == 400
    assert response.get_json() == {"error": refusal}
    fine = [{"ds": "2024-01-05", "cur": "€", "basis": 10.5, "goal": 12}]
    assert _set_goal(client, app, "6e7", fine, split=True).status_code in (200, 204)


@pytest.mark.parametrize(
    ("component", "value", "refusal"),
    [
        ("neg-rule", ["even"], "a choice sent something other than one option's value"),
        ("neg-rule", {"rule": "even"}, "a choice sent something other than one option's value"),
        (
            "neg-exclude",
            "a",
            "a choice of several sent something other than a list of option values",
        ),
        (
            "neg-exclude",
            [["a"]],
            "a choice of several sent something other than a list of option values",
        ),
    ],
)
def test_a_choice_no_page_sends_gets_400_before_the_callback(app, component, value, refusal):
    """The rule sent as a list was looked up in a dict: unhashable, a 500."""
    client = browser(app)
    output = "..neg-alert.children...neg-refresh.data...neg-kept-manual.data.."
    key = _key(app, output, ("neg-assign", "n_clicks"))
    spec = app.callback_map[key]
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in key.strip(".").split("...")
    ]

    def assign(sent):
        state = [
            {
                "id": s["id"],
                "property": s["property"],
                "value": sent if s["id"] == component else None,
            }
            if not s["id"].startswith("{")
            else []  # the manual amounts' boxes: none shown
            for s in spec["state"]
        ]
        body = {
            "output": key,
            "outputs": outputs,
            "inputs": [{"id": "neg-assign", "property": "n_clicks", "value": 1}],
            "state": state,
            "changedPropIds": ["neg-assign.n_clicks"],
        }
        return client.post("/_dash-update-component", json=body)

    refused = assign(value)
    assert refused.status_code == 400 and refused.get_json() == {"error": refusal}
    assert assign("even" if component == "neg-rule" else ["a"]).status_code in (200, 204)


def test_a_tick_or_a_clicked_cell_no_page_sends_gets_400(app):
    client = browser(app)
    output = "..neg-period-box.style...neg-period-grid.rowData.."
    key = _key(app, output, ("neg-split", "value"))
    spec = app.callback_map[key]
    state = [(s["id"], s["property"], None) for s in spec["state"]]
    refused = post(
        client,
        app,
        output,
        [("neg-split", "value", "yes"), ("neg-goal-basis", "value", "baseline")],
        state,
    )
    assert refused.status_code == 400
    fine = post(
        client,
        app,
        output,
        [("neg-split", "value", True), ("neg-goal-basis", "value", "baseline")],
        state,
    )
    assert fine.status_code in (200, 204)


def test_a_load_balancer_learns_without_signing_in_whether_the_database_answers(tmp_path):
    """GET /healthz: 200 while the database answers, 503 with Retry-After once it does not; no
    sign-in, any Host (a probe uses the server's own address), and nothing of the database's
    address or error in the answer."""
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app(
        db_url=f"sqlite:///{folder / 'forecast.db'}",
        data_dir=str(tmp_path / "data"),
        allowed_hosts=["plans.example.org"],
    )
    probe = app.server.test_client()

    up = probe.get("/healthz", headers={"Host": "10.0.0.7:8050"})
    assert up.status_code == 200 and up.get_json() == {"status": "ok"}
    assert up.headers["Cache-Control"] == "no-store"
    assert probe.get("/", headers={"Host": "10.0.0.7:8050"}).status_code == 400  # only the probe

    app.server.config["FORECAST_DASHBOARD_CTX"].store.close()
    folder.rename(tmp_path / "moved")
    down = probe.get("/healthz")

    assert down.status_code == 503 and down.headers["Retry-After"]
    assert down.get_json() == {
        "status": "unavailable",
        "reason": "the database could not be reached",
    }
    assert "forecast.db" not in down.get_data(as_text=True)


def test_a_deleted_sqlite_file_makes_the_health_check_fail_and_is_not_made_again(tmp_path):
    """The server's connection still reads the deleted file: the probe checks the file is there
    (and connecting would have made a new, empty one in its place)."""
    folder = tmp_path / "db"
    folder.mkdir()
    database = folder / "forecast.db"
    app = create_app(db_url=f"sqlite:///{database}", data_dir=str(tmp_path / "data"))
    probe = app.server.test_client()
    assert probe.get("/healthz").status_code == 200

    for kept in folder.iterdir():  # the file and its write-ahead log
        kept.unlink()
    down = probe.get("/healthz")

    assert down.status_code == 503
    assert down.get_json()["status"] == "unavailable"
    assert not database.exists()
