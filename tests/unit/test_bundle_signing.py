"""Plan bundles cannot be forged: signed with the installation's key, an edited bundle is refused
whole, a foreign one needs an explicit --trust, and every malformed bundle gets a clear message
(exit 2 on the command line, an alert on the Plans page) and writes nothing."""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from test_export import agreed_plan
from typer.testing import CliRunner

from dashboard.app import create_app
from forecast import export
from forecast.cli import app as cli
from forecast.cli.fix_hints import cli_message
from forecast.services import exports
from forecast.services.errors import Forbidden, Invalid
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore
from tests.signin import acting_as, add_accounts, add_app_accounts, signed_in_client


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A data directory holding one agreed plan, and that plan's bundle as exported."""
    data_dir = tmp_path_factory.mktemp("bundles") / "data"
    store = open_store(data_dir=data_dir)
    plan_id = agreed_plan(store)
    bundle = exports.export_plan(store, plan_id, "json")
    store.close()
    return data_dir, bundle


def signed(content: dict, key: bytes) -> bytes:
    """Sign `content` like an export of this installation would (as someone with the key)."""
    body = {k: v for k, v in content.items() if k not in ("signature", "installation")}
    return export.write_bundle(body, key)


def parquet_of(frame: pd.DataFrame) -> str:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def _nest(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def _with_claim_note(content: dict, note: str) -> dict:
    claims = content["plan"]["negotiation"]["claims"]
    negotiation = {**content["plan"]["negotiation"], "claims": {**claims, "a": {**claims["a"]}}}
    negotiation["claims"]["a"]["note"] = note
    return {**content, "plan": {**content["plan"], "negotiation": negotiation}}


def _as_an_earlier_release_with_text(content: dict, text: object) -> dict:
    """The bundle as a release before `explanations_as_stored` wrote it (no such list: each
    explanation is carried as its plan held it), with an explanation whose text is `text`."""
    explanation = {
        "level": "team",
        "key": "a",
        "ds": content["plan"]["created_at"][:10],
        "reason_code": "promotion",
        "text": text,
        "author": "ivan",
    }
    without = {k: v for k, v in content.items() if k != exports.AS_STORED}
    return {**without, "plan": {**content["plan"], "explanations": [explanation]}}


# Each malformed shape: (how to make it from the exported content, what the message says).
Shape = Callable[[dict, bytes], bytes]
MALFORMED: dict[str, tuple[Shape, str]] = {
    "deeply nested (parses)": (
        lambda c, k: signed({**c, "events": _nest(200)}, k),
        "nests more than 32 levels",
    ),
    "deeply nested (beyond the parser)": (
        lambda c, k: (
            b'{"format": "forecast-plan-bundle", "format_version": 1, "plan": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}"
        ),
        "nests too deeply",
    ),
    "a blob that is not Parquet": (
        lambda c, k: signed(
            {**c, "blobs": {**c["blobs"], "history": base64.b64encode(b"PAR1 not!").decode()}}, k
        ),
        "the bundle's 'history' data is damaged: it is not a Parquet table as an export writes it",
    ),
    "blobs as a list": (
        lambda c, k: signed({**c, "blobs": list(c["blobs"].values())}, k),
        "'blobs' section is a list, where an export writes an object of named values",
    ),
    "the plan document as text": (
        lambda c, k: signed({**c, "plan": "plan"}, k),
        "'plan' section is text, where an export writes an object of named values",
    ),
    "members as a number inside the plan": (
        lambda c, k: signed({**c, "plan": {**c["plan"], "members": 5}}, k),
        "plan document: its 'members' is a whole number, where an export writes an object",
    ),
    "a blob as a number": (
        lambda c, k: signed({**c, "blobs": {**c["blobs"], "history": 5}}, k),
        "'history' data is a whole number, where an export writes base64 text",
    ),
    "bad base64": (
        lambda c, k: signed({**c, "blobs": {**c["blobs"], "baseline": "@@not base64@@"}}, k),
        "'baseline' data is damaged: it is not base64 text as an export writes it",
    ),
    "a missing section": (
        lambda c, k: signed({x: v for x, v in c.items() if x != "plan"}, k),
        "has no 'plan' section",
    ),
    "a missing blob": (
        lambda c, k: signed(
            {**c, "blobs": {x: v for x, v in c["blobs"].items() if x != "baseline"}}, k
        ),
        "has no baseline data",
    ),
    "a huge blob (a Parquet bomb)": (
        lambda c, k: signed(
            {**c, "blobs": {**c["blobs"], "history": parquet_of(pd.DataFrame({"x": [0] * 10}))}},
            k,
        ),
        "more than 5 rows",
    ),
    "version as text": (
        lambda c, k: signed({**c, "version": "3"}, k),
        "'version' section is text, where an export writes a whole number",
    ),
    "more events than a plan may have": (
        lambda c, k: signed({**c, "plan": {**c["plan"], "events": [{}] * 50_001}}, k),
        "the bundle's plan has 50,001 events, more than the 50,000 a plan may have",
    ),
    "a claim's note past its bound": (
        lambda c, k: signed(_with_claim_note(c, "n" * 4_001), k),
        "the bundle's claim of team 'a': a claim's note has at most 4,000 characters",
    ),
    "an earlier release's explanation with a list for its text past the bound": (
        lambda c, k: signed(_as_an_earlier_release_with_text(c, ["x" * 4_001]), k),
        "the bundle's explanation 1: an explanation has at most 4,000 characters",
    ),
    "not JSON": (lambda c, k: b"\xff\xfe not json", "not a plan bundle"),
    "JSON but a list": (lambda c, k: b"[1, 2, 3]", "not a plan bundle"),
}


@pytest.fixture
def small_bounds(monkeypatch, shape):
    """For the bomb: a row limit of 5 instead of millions (the mechanism is the same)."""
    from forecast.engine.ingest import bounds

    if "bomb" in shape:
        monkeypatch.setattr(bounds, "MAX_ROWS", 5)


def _content(bundle: bytes) -> dict:
    return json.loads(bundle)


def test_a_bundle_reimports_into_its_own_installation(source, tmp_path):
    data_dir, bundle = source
    store = open_store(data_dir=data_dir)
    try:
        before = len(store.list())
        new_id = exports.import_bundle(store, bundle, "ivan", name="a copy")
        assert len(store.list()) == before + 1
        entry = store.audit(new_id)[-1]  # after the source's history
        assert entry.action == "import" and "trust" not in entry.what
    finally:
        store.close()


def test_two_servers_of_one_database_share_the_signing_key(source):
    data_dir, _ = source
    first, second = open_store(data_dir=data_dir), open_store(data_dir=data_dir)
    try:
        assert first.installation_key() == second.installation_key()
        assert len(first.installation_key()) == 32
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c["plan"]["negotiation"].update(goal=c["plan"]["negotiation"]["goal"] * 2),
        lambda c: c["plan"]["members"].update(mallory={"roles": ["owner"], "team": None}),
        lambda c: c.update(agreed_by="mallory"),
        lambda c: c["plan"]["negotiation"].update(agreed_by="mallory"),
    ],
    ids=["goal raised", "an extra owner", "agreed_by (top)", "agreed_by (plan)"],
)
def test_an_edited_bundle_is_refused_whole_even_with_a_recomputed_checksum(source, edit):
    import hashlib

    data_dir, bundle = source
    content = _content(bundle)
    edit(content)
    content.pop("signature")
    content["content_sha256"] = hashlib.sha256(export._canonical(content)).hexdigest()
    content["signature"] = {"algorithm": "HMAC-SHA256", "value": "0" * 64}
    store = open_store(data_dir=data_dir)
    try:
        before = store.list()
        with pytest.raises(Invalid, match="does not match its signature"):
            exports.import_bundle(store, json.dumps(content).encode(), "mallory", trust=True)
        assert store.list() == before
    finally:
        store.close()


def test_a_foreign_bundle_needs_trust_and_the_audit_log_says_so(source):
    _, bundle = source
    elsewhere = MemoryStore()

    with pytest.raises(Invalid, match="another installation .* on trust") as refused:
        exports.import_bundle(elsewhere, bundle, "ivan")
    assert "`forecast plan import FILE --trust`" in cli_message(refused.value)
    assert elsewhere.list() == []

    new_id = exports.import_bundle(elsewhere, bundle, "ivan", trust=True)
    entry = elsewhere.audit(new_id)[-1]  # after the source's history
    assert "imported on ivan's explicit trust" in entry.what
    assert entry.after["trusted"] is True
    assert entry.after["source_installation"] == _content(bundle)["installation"]


@pytest.mark.parametrize("shape", list(MALFORMED), ids=list(MALFORMED))
def test_each_malformed_bundle_is_refused_by_the_service(source, shape, small_bounds):
    data_dir, bundle = source
    make, message = MALFORMED[shape]
    store = open_store(data_dir=data_dir)
    try:
        before = store.list()
        data = make(copy.deepcopy(_content(bundle)), store.installation_key())
        with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")):
            exports.import_bundle(store, data, "ivan")
        assert store.list() == before
    finally:
        store.close()


@pytest.mark.parametrize("shape", list(MALFORMED), ids=list(MALFORMED))
def test_each_malformed_bundle_is_refused_by_the_cli_with_exit_2(
    source, shape, small_bounds, tmp_path: Path
):
    data_dir, bundle = source
    make, message = MALFORMED[shape]
    store = open_store(data_dir=data_dir)
    data = make(copy.deepcopy(_content(bundle)), store.installation_key())
    before = store.list()
    store.close()
    path = tmp_path / "bundle.json"
    path.write_bytes(data)

    result = CliRunner().invoke(
        cli, ["plan", "import", str(path), "--as", "ivan", "--data-dir", str(data_dir)]
    )

    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr
    store = open_store(data_dir=data_dir)
    assert store.list() == before
    store.close()


@pytest.mark.parametrize("shape", list(MALFORMED), ids=list(MALFORMED))
def test_each_malformed_bundle_is_refused_on_the_plans_page(source, shape, small_bounds):
    data_dir, bundle = source
    make, message = MALFORMED[shape]
    app = create_app(data_dir=str(data_dir))
    store = app.server.config["FORECAST_DASHBOARD_CTX"].store
    data = make(copy.deepcopy(_content(bundle)), store.installation_key())
    before = store.list()
    add_app_accounts(app, ["ivan"])
    client = signed_in_client(app, "ivan")
    key = next(
        k
        for k, spec in app.callback_map.items()
        if any(i["id"] == "plans-import" for i in spec["inputs"])
    )
    outputs = [
        {"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
        for p in key.strip(".").split("...")
    ]
    body = {
        "output": key,
        "outputs": outputs,
        "inputs": [
            {
                "id": "plans-import",
                "property": "contents",
                "value": "data:application/json;base64," + base64.b64encode(data).decode(),
            }
        ],
        "state": [
            {"id": "plans-import", "property": "filename", "value": "bundle.json"},
            {"id": "nav-session", "property": "data", "value": {"plan_id": None}},
            {"id": "plans-changed", "property": "data", "value": 0},
            {"id": "plans-import-trust", "property": "value", "value": False},
            {"id": "plans-import-name", "property": "value", "value": ""},
        ],
        "changedPropIds": ["plans-import.contents"],
    }

    response = client.post("/_dash-update-component", json=body)

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "plans-import-refused" in text and json.dumps(message)[1:-1].lower() in text.lower()
    assert store.list() == before


def test_a_bundle_over_the_size_limit_is_refused_before_it_is_parsed(source, monkeypatch):
    data_dir, bundle = source
    monkeypatch.setattr(export, "MAX_BUNDLE_BYTES", 1000)
    store = open_store(data_dir=data_dir)
    try:
        with pytest.raises(Invalid, match="more than the limit"):
            exports.import_bundle(store, bundle, "ivan")
    finally:
        store.close()


def test_only_an_admin_may_import_a_foreign_bundle_on_trust(source):
    _, bundle = source
    elsewhere = MemoryStore()
    add_accounts(elsewhere, ["ivan", "ada"], admin=["ada"])

    with pytest.raises(Forbidden, match="ivan may not import a bundle on trust.*admin"):
        exports.import_bundle(elsewhere, bundle, "ivan", trust=True)
    assert elsewhere.list() == []

    new_id = exports.import_bundle(elsewhere, bundle, "ada", trust=True)
    entry = elsewhere.audit(new_id)[-1]  # after the source's history
    assert "imported on ada's explicit trust" in entry.what and entry.after["trusted"] is True


def _plans_import(client, app, data: bytes, trust: bool):
    key = next(
        k
        for k, spec in app.callback_map.items()
        if any(i["id"] == "plans-import" for i in spec["inputs"])
    )
    body = {
        "output": key,
        "outputs": [
            {"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
            for p in key.strip(".").split("...")
        ],
        "inputs": [
            {
                "id": "plans-import",
                "property": "contents",
                "value": "data:application/json;base64," + base64.b64encode(data).decode(),
            }
        ],
        "state": [
            {"id": "plans-import", "property": "filename", "value": "bundle.json"},
            {"id": "nav-session", "property": "data", "value": {"plan_id": None}},
            {"id": "plans-changed", "property": "data", "value": 0},
            {"id": "plans-import-trust", "property": "value", "value": trust},
            {"id": "plans-import-name", "property": "value", "value": ""},
        ],
        "changedPropIds": ["plans-import.contents"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_trust_checkbox_is_for_admins_only_on_the_plans_page(source, tmp_path):
    from dashboard.pages import plans

    _, bundle = source
    app = create_app(data_dir=str(tmp_path / "elsewhere"))
    ctx = app.server.config["FORECAST_DASHBOARD_CTX"]
    add_app_accounts(app, ["ivan", "ada"], admin=["ada"])

    for name, shown in (("ivan", False), ("ada", True)):
        with acting_as(ctx.store, name):
            (box,) = _find_all(plans.layout(ctx), "plans-import-trust")
        assert (box.disabled, box.style) == (
            (False, None) if shown else (True, {"display": "none"})
        )

    refused = _plans_import(signed_in_client(app, "ivan"), app, bundle, trust=True)
    assert "plans-import-refused" in refused and "needs an admin account" in refused
    assert ctx.store.list() == []
    imported = _plans_import(signed_in_client(app, "ada"), app, bundle, trust=True)
    assert "Imported bundle.json" in imported and len(ctx.store.list()) == 1
    # The page names who came with the plan and who did not (another installation's names).
    assert "Members kept (nobody but the importer): ada as owner." in imported
    assert "Members left out (a bundle of another installation keeps none" in imported


def _find_all(component, component_id: str) -> list:
    found = [component] if getattr(component, "id", None) == component_id else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _find_all(child, component_id)
    return found


def test_a_lead_who_imports_a_plan_owns_a_copy_of_their_own_without_its_other_members(
    source, tmp_path
):
    """A lead could download the bundle, import it and, as owner of the copy, revoke the real
    owner and run the negotiation in a plan that kept every member (it showed in their plan
    pickers as one of their plans)."""
    import shutil

    data_dir, bundle = source
    store = open_store(data_dir=shutil.copytree(data_dir, tmp_path / "data"))  # accounts: its own
    try:
        add_accounts(store, ["olga", "anna", "root"], admin=["root"])
        by_lead = exports.import_bundle(store, bundle, "anna", name="anna's copy")
        copied = store.get(by_lead)
        assert set(copied.members) == {"anna"} and "owner" in copied.roles_of("anna")
        entry = store.audit(by_lead)[-1]  # after the source's history
        assert entry.after["members_left_out"] == ["bert", "olga"]
        assert "were not copied" in entry.what

        by_owner = store.get(exports.import_bundle(store, bundle, "olga", name="olga's copy"))
        by_admin = store.get(exports.import_bundle(store, bundle, "root", name="root's copy"))
        # bert has no account here: left out unless every name is asked for
        assert set(by_owner.members) == {"anna", "olga"}
        assert set(by_admin.members) == {"anna", "olga", "root"}
        every = exports.import_bundle(store, bundle, "root", name="every name", members="all")
        assert {"anna", "bert", "olga", "root"} == set(store.get(every).members)
    finally:
        store.close()
