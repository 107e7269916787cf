"""Dashboard helpers and callbacks as plain functions (callbacks through Dash's HTTP endpoint,
without a browser), on a small real plan built through the services."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from dashboard import components
from dashboard.app import create_app, member_label
from dashboard.pages import data, negotiation, plans, side_by_side, system_plan
from forecast.services.errors import Forbidden, Invalid, StaleVersion

STORES = (11, 32, 114, 232, 45, 52)


@pytest.fixture(scope="module")
def template(tmp_path_factory, rossmann_train, rossmann_stores):
    from forecast.services import plans as plan_service
    from forecast.services.store_factory import open_store

    base = tmp_path_factory.mktemp("dash-unit")
    frame = pd.read_csv(rossmann_train)
    source = base / "six.csv"
    frame[frame["Store"].isin(STORES)].to_csv(source, index=False)
    store = open_store(data_dir=base / "data")
    state = plan_service.create_plan(
        store,
        name="Unit plan",
        source=source,
        attributes_file=rossmann_stores,
        freq="W",
        horizon=6,
        team_attr="StoreType",
        actor="olga",
        model="snaive",
    )
    plan_service.grant(store, state.plan_id, "olga", "lena", "lead", team="a")
    plan_service.grant(store, state.plan_id, "olga", "carl", "lead", team="c")
    store.close()
    return SimpleNamespace(plan_id=state.plan_id, data_dir=base / "data")


@pytest.fixture
def plan(template, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(template.data_dir, data_dir)
    return SimpleNamespace(plan_id=template.plan_id, data_dir=data_dir)


@pytest.fixture
def store(plan):
    from forecast.services.store_factory import open_store

    s = open_store(data_dir=plan.data_dir)
    yield s
    s.close()


def _key_for(app, output: str, trigger: tuple[str, str]) -> str:
    """The callback-map key of the callback writing `output` when `trigger` fires (outputs with
    allow_duplicate carry a hash suffix in the key)."""
    wanted = [p for p in output.strip(".").split("...")]
    for key, spec in app.callback_map.items():
        parts = [p.split("@")[0] for p in key.strip(".").split("...")]
        if parts == wanted and any(
            i.get("id") == trigger[0] and i.get("property") == trigger[1] for i in spec["inputs"]
        ):
            return key
    raise AssertionError(f"no callback writes {output} on {trigger}")


def call(app, output: str, inputs: list[tuple[str, str, object]], state=(), changed=None):
    """POST one callback to the app like the browser does; return the response's props."""
    app.server.config["PROPAGATE_EXCEPTIONS"] = True
    client = app.server.test_client()
    client.get("/")
    key = _key_for(app, output, inputs[0][:2])
    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": changed or [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:500]
    if response.status_code == 204:
        return {}
    return {cid.split("@")[0]: props for cid, props in response.get_json()["response"].items()}


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
    assert "bad goal" in str(alert.children)


def test_member_label_names_the_leads_team():
    assert member_label("lena", ["lead"], "a") == "lena — lead of team a"
    assert member_label("olga", ["owner", "planner"], None) == "olga — owner, planner"


# -- data page --------------------------------------------------------------------------------


def test_decode_upload_round_trips_bytes():
    payload = b"Store,Date,Sales\n1,2024-01-01,5\n"
    contents = "data:text/csv;base64," + base64.b64encode(payload).decode()
    assert data.decode_upload(contents) == payload


def test_preview_reads_mapping_and_reports_problems_by_row():
    good = b"Store,Date,Sales\n" + b"".join(
        f"1,2024-01-{d:02d},{d}\n".encode() for d in range(1, 15)
    )
    result, problems = data.read_for_preview(good, "good.csv")
    assert problems == []
    assert data.columns_of(result)[:3] == ["Store", "Date", "Sales"]
    bad = good.replace(b"1,2024-01-05,5", b"1,2024-01-05,five")
    result, problems = data.read_for_preview(bad, "bad.csv")
    assert result is None
    rows = data.problem_rows(problems)
    assert rows[0]["row"] == 6 and rows[0]["column"] == "Sales" and rows[0]["value"] == "five"


def test_upload_tokens_cannot_escape_the_upload_dir(tmp_path):
    from dashboard.context import DashboardContext

    ctx = DashboardContext(data_dir=str(tmp_path))
    token = data.save_upload(ctx, b"abc", "x.csv")
    assert data.load_upload(ctx, token) == b"abc"
    with pytest.raises(FileNotFoundError):
        data.load_upload(ctx, "../../etc/passwd")


# -- system plan page -------------------------------------------------------------------------


def test_scope_text_round_trip():
    scope = system_plan.parse_scope_text("StoreType=a,c; Assortment=a; ids=1,2")
    assert scope.attributes == {"StoreType": ("a", "c"), "Assortment": ("a",)}
    assert scope.ids == ("1", "2")
    assert system_plan.parse_scope_text(system_plan.scope_text(scope)) == scope
    assert system_plan.scope_text(system_plan.parse_scope_text("all")) == "all"
    with pytest.raises(Invalid):
        system_plan.scope_or_raise("StoreType")


def test_deviation_rows_put_open_team_rows_first_and_cap_the_list():
    marked = pd.DataFrame(
        {
            "level": ["series", "team", "series", "series"],
            "key": ["1", "a", "2", "3"],
            "ds": pd.to_datetime(["2024-01-01"] * 4),
            "baseline": [10.0, 100.0, 10.0, 10.0],
            "system_plan": [15.0, 130.0, 20.0, 13.0],
            "deviation_pct": [50.0, 30.0, 100.0, 30.0],
            "events": ["E1"] * 4,
            "explained": [False, False, False, True],
            "outdated": [False] * 4,
            "reason_code": ["", "", "", "promotion"],
            "text": ["", "", "", "flyer"],
        }
    )
    rows, total = system_plan.deviation_rows(marked, limit=3)
    assert total == 4
    assert [r["key"] for r in rows] == ["a", "2", "1"]
    assert rows[0]["cell"] == "team|a|2024-01-01" and rows[0]["status"] == "needs reason"


def test_system_callbacks_add_event_and_refuse_a_lead(plan, store):
    from forecast.services import system

    app = create_app(data_dir=str(plan.data_dir))
    session = {"plan_id": plan.plan_id, "user": "olga"}
    dates = sorted(system.system_plan(store, plan.plan_id)["ds"].unique())
    start = pd.Timestamp(dates[0]).strftime("%Y-%m-%d")
    form = [
        ("nav-session", "data", session),
        ("sys-version", "data", None),
        ("sys-event-name", "value", "Promo"),
        ("sys-event-kind", "value", "promotion"),
        ("sys-event-scope", "value", "StoreType=a"),
        ("sys-event-start", "value", start),
        ("sys-event-end", "value", start),
        ("sys-event-effect", "value", "percent"),
        ("sys-event-value", "value", 25),
        ("sys-event-reason", "value", "flyer"),
        ("sys-refresh", "data", 0),
    ]
    out = call(
        app, "..sys-alert.children...sys-refresh.data..", [("sys-event-add", "n_clicks", 1)], form
    )
    assert "Added E1 'Promo'" in _text(out["sys-alert"]["children"])
    assert out["sys-refresh"]["data"] == 1
    assert len(system.list_events(store, plan.plan_id)) == 1

    form[0] = ("nav-session", "data", {"plan_id": plan.plan_id, "user": "lena"})
    out = call(
        app, "..sys-alert.children...sys-refresh.data..", [("sys-event-add", "n_clicks", 2)], form
    )
    assert "Not allowed for your role" in _text(out["sys-alert"]["children"])
    assert len(system.list_events(store, plan.plan_id)) == 1


def test_action_with_no_plan_selected_says_to_pick_one(plan, store):
    app = create_app(data_dir=str(plan.data_dir))
    form = [
        ("nav-session", "data", {"plan_id": None, "user": "olga"}),
        ("sys-version", "data", None),
        ("sys-event-name", "value", "Promo"),
        ("sys-event-kind", "value", "promotion"),
        ("sys-event-scope", "value", "all"),
        ("sys-event-start", "value", "2015-08-03"),
        ("sys-event-end", "value", "2015-08-03"),
        ("sys-event-effect", "value", "percent"),
        ("sys-event-value", "value", 25),
        ("sys-event-reason", "value", "flyer"),
        ("sys-refresh", "data", 0),
    ]
    out = call(
        app, "..sys-alert.children...sys-refresh.data..", [("sys-event-add", "n_clicks", 1)], form
    )
    text = _text(out["sys-alert"]["children"])
    assert "no plan is selected" in text and "plan selector" in text
    assert "None" not in text


def test_system_callback_refuses_stale_version(plan, store):
    from forecast.services import plans as plan_service

    app = create_app(data_dir=str(plan.data_dir))
    stale = plan_service.get_plan(store, plan.plan_id).version - 1
    out = call(
        app,
        "..sys-alert.children...sys-refresh.data...nav-plans-changed.data..",
        [("sys-publish", "n_clicks", 1)],
        [
            ("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"}),
            ("sys-version", "data", stale),
            ("sys-refresh", "data", 0),
            ("nav-plans-changed", "data", 0),
        ],
    )
    assert "Someone changed the plan in the meantime" in _text(out["sys-alert"]["children"])
    assert plan_service.get_plan(store, plan.plan_id).status == "draft"


# -- negotiation page -------------------------------------------------------------------------


def test_parse_goal_accepts_amounts_and_ratios():
    assert negotiation.parse_goal("10/6.5") == {"ratio": "10/6.5"}
    assert negotiation.parse_goal("1.5x") == {"ratio": "1.5"}
    assert negotiation.parse_goal("€1,500,000.50") == {"total": "€1,500,000.50"}
    assert negotiation.parse_goal("720.000.000 €") == {"total": "720.000.000 €"}
    assert negotiation.parse_goal("  ") == {}


def test_negotiation_callbacks_goal_then_claim_only_for_own_team(plan, store):
    from forecast.services import negotiation as nego

    app = create_app(data_dir=str(plan.data_dir))
    out = call(
        app,
        "..neg-alert.children...neg-refresh.data..",
        [("neg-set-goal", "n_clicks", 1)],
        [
            ("neg-goal", "value", "10/6.5"),
            ("neg-goal-basis", "value", "baseline"),
            ("neg-split", "value", False),
            ("neg-period-grid", "rowData", []),
            ("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"}),
            ("neg-version", "data", None),
            ("neg-refresh", "data", 0),
        ],
    )
    assert "the claiming round is open" in _text(out["neg-alert"]["children"])
    summary = nego.summary(store, plan.plan_id)
    assert summary["stage"] == "claiming"

    def claim(user: str, team: str):
        return _claim_via_http(app, plan, user, team, ["a", "c", "d"])

    out = claim("lena", "a")
    assert "Claim of team a saved" in _text(out["neg-alert"]["children"])
    out = claim("lena", "c")
    assert "Not allowed for your role" in _text(out["neg-alert"]["children"])
    ledger = nego.ledger(store, plan.plan_id)
    assert ledger.set_index("team").loc["a", "claim_minor"] == 1_000_000
    assert ledger.set_index("team").loc["c", "claim_minor"] == 0


def _claim_via_http(app, plan, user: str, team: str, teams: list[str]):
    def wid(kind: str, t: str) -> dict:
        return {"team": t, "type": kind}

    app.server.config["PROPAGATE_EXCEPTIONS"] = True
    client = app.server.test_client()
    client.get("/")
    key = next(
        k
        for k, spec in app.callback_map.items()
        if k.startswith("..neg-alert.children")
        and any(
            isinstance(i.get("id"), dict) or "neg-claim-save" in str(i.get("id"))
            for i in spec["inputs"]
        )
    )
    body = {
        "output": key,
        "outputs": [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in key.strip(".").split("...")
        ],
        "inputs": [
            [
                {
                    "id": wid("neg-claim-save", t),
                    "property": "n_clicks",
                    "value": 1 if t == team else None,
                }
                for t in teams
            ],
            [
                {"id": wid("neg-claim-withdraw", t), "property": "n_clicks", "value": None}
                for t in teams
            ],
        ],
        "state": [
            [
                {"id": wid("neg-claim-amount", t), "property": "value", "value": "10000"}
                for t in teams
            ],
            [
                {"id": wid("neg-claim-note", t), "property": "value", "value": "flyer"}
                for t in teams
            ],
            [
                {
                    "id": wid("neg-claim-amount", t),
                    "property": "id",
                    "value": wid("neg-claim-amount", t),
                }
                for t in teams
            ],
            {
                "id": "nav-session",
                "property": "data",
                "value": {"plan_id": plan.plan_id, "user": user},
            },
            {"id": "neg-version", "property": "data", "value": None},
            {"id": "neg-refresh", "property": "data", "value": 0},
        ],
        "changedPropIds": [
            json.dumps(wid("neg-claim-save", team), separators=(",", ":")) + ".n_clicks"
        ],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return {cid.split("@")[0]: props for cid, props in response.get_json()["response"].items()}


def test_waterfall_inputs_from_summary_and_ledger():
    ledger = pd.DataFrame(
        {"team": ["a", "b", "TOTAL"], "claim": [10.0, 0.0, 10.0], "assignment": [5.0, 5.0, 10.0]}
    )
    summary = {"basis_total": 10000, "goal": 12000, "basis": "system_plan"}
    w = negotiation.waterfall_inputs(summary, ledger)
    assert w == {
        "basis_total": 100.0,
        "claims": {"a": 10.0},
        "assigned": {"a": 5.0, "b": 5.0},
        "goal": 120.0,
        "basis_label": "System plan",
    }


# -- side by side -----------------------------------------------------------------------------


def test_difference_rows_sorted_by_disagreement_with_total_last():
    negotiated = pd.DataFrame(
        {
            "team": ["a", "a", "b"],
            "system_plan_minor": [100_00, 100_00, 500_00],
            "target_minor": [150_00, 150_00, 510_00],
        }
    )
    totals = side_by_side.team_totals(negotiated)
    ledger = pd.DataFrame(
        {"team": ["a", "b", "TOTAL"], "claim": [80.0, 10.0, 90.0], "assignment": [20.0, 0.0, 20.0]}
    )
    stretch = pd.DataFrame(
        {
            "team": ["a", "b", "TOTAL"],
            "probability_reach": [0.1, 0.4, 0.2],
            "growth_vs_last_year": [0.5, None, 0.1],
        }
    )
    rows = side_by_side.difference_rows(totals, ledger, stretch)
    assert [r["team"] for r in rows] == ["a", "b", "TOTAL"]
    assert rows[0]["difference"] == 100.0 and rows[0]["difference_pct"] == 50.0
    assert rows[1]["growth_pct"] is None
    assert rows[-1]["target"] == 810.0 and rows[-1]["system_plan"] == 700.0


def test_side_by_side_callback_matches_ledger(plan, store):
    from forecast.services import negotiation as nego

    nego.set_goal(store, plan.plan_id, "olga", ratio="1.2")
    nego.claim(store, plan.plan_id, "lena", "a", amount="1234.56", note="x")
    nego.close_round(store, plan.plan_id, "olga")
    nego.assign(store, plan.plan_id, "olga", "even")
    ledger = nego.ledger(store, plan.plan_id).set_index("team")
    app = create_app(data_dir=str(plan.data_dir))
    out = call(
        app,
        "..sbs-totals.children...sbs-team-bars.figure...sbs-diff-grid.rowData...sbs-stretch.figure...sbs-team-pick.options...sbs-alert.children..",
        [("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"})],
    )
    rows = {r["team"]: r for r in out["sbs-diff-grid"]["rowData"]}
    for team, row in rows.items():
        assert round(row["target"] * 100) == ledger.loc[team, "target_minor"], team
    assert "€" in _text(out["sbs-totals"]["children"])


# -- plans page -------------------------------------------------------------------------------


def test_plans_helpers_format_times_and_names():
    assert plans.when("2026-11-22T18:51:55+00:00") == "2026-11-22 18:51 UTC"
    assert (
        plans.export_filename("Rossmann sample (weekly)", 3, "csv")
        == "Rossmann_sample__weekly_v3.csv"
    )


def test_download_callback_refuses_before_a_goal_and_sends_csv_after(plan, store):
    from forecast.services import negotiation as nego

    app = create_app(data_dir=str(plan.data_dir))
    args = dict(
        inputs=[
            ("plans-download-csv", "n_clicks", 1),
            ("plans-download-xlsx", "n_clicks", None),
            ("plans-download-json", "n_clicks", None),
            ("plans-download-csv-excel", "n_clicks", None),
        ],
        state=[("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"})],
    )
    out = call(app, "..plans-download.data...plans-download-status.children..", **args)
    assert "has no goal yet" in _text(out["plans-download-status"]["children"])
    nego.set_goal(store, plan.plan_id, "olga", ratio="1.1")
    out = call(app, "..plans-download.data...plans-download-status.children..", **args)
    sent = out["plans-download"]["data"]
    assert sent["filename"].endswith(".csv") and sent["base64"]
    raw = base64.b64decode(sent["content"])
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8").splitlines()[0].startswith("unique_id,ds,team")
    excel = dict(args, inputs=[*args["inputs"][:3], ("plans-download-csv-excel", "n_clicks", 1)])
    excel["inputs"][0] = ("plans-download-csv", "n_clicks", None)
    out = call(
        app,
        "..plans-download.data...plans-download-status.children..",
        **excel,
        changed=["plans-download-csv-excel.n_clicks"],
    )
    sent = out["plans-download"]["data"]
    assert base64.b64decode(sent["content"]) == b"\xef\xbb\xbf" + raw


def test_app_pages_are_registered_once_per_app(tmp_path: Path):
    first = create_app(data_dir=str(tmp_path / "one"))
    second = create_app(data_dir=str(tmp_path / "two"))
    assert "sys-fan.figure" in "".join(first.callback_map)
    assert "sys-fan.figure" in "".join(second.callback_map)


def test_inline_explanation_in_the_deviation_grid(plan, store):
    from forecast.services import system

    dates = sorted(system.system_plan(store, plan.plan_id)["ds"].unique())
    system.add_event(
        store,
        plan.plan_id,
        "olga",
        name="Promo",
        kind="promotion",
        scope=system.Scope.parse(["StoreType=a"]),
        start=dates[0],
        end=dates[0],
        effect="percent",
        value=50,
    )
    marked = system.deviations(store, plan.plan_id)
    row = marked[marked["level"] == "team"].iloc[0]
    ds = pd.Timestamp(row["ds"]).strftime("%Y-%m-%d")
    app = create_app(data_dir=str(plan.data_dir))
    grid_row = {
        "level": "team",
        "key": row["key"],
        "ds": ds,
        "reason_code": "promotion",
        "text": "flyer",
    }
    out = call(
        app,
        "..sys-alert.children...sys-refresh.data..",
        [
            ("sys-explain", "n_clicks", None),
            ("sys-deviations-grid", "cellValueChanged", [{"colId": "text", "data": grid_row}]),
        ],
        [
            ("sys-deviations-grid", "selectedRows", None),
            ("sys-explain-event", "value", "selected"),
            ("sys-explain-code", "value", None),
            ("sys-explain-text", "value", None),
            ("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"}),
            ("sys-version", "data", None),
            ("sys-refresh", "data", 0),
        ],
        changed=["sys-deviations-grid.cellValueChanged"],
    )
    assert "Explained 1 deviation(s)" in _text(out["sys-alert"]["children"])
    after = system.deviations(store, plan.plan_id)
    team_row = after[
        (after["level"] == "team") & (after["key"] == row["key"]) & (after["ds"] == row["ds"])
    ]
    assert bool(team_row["explained"].iloc[0]) and team_row["text"].iloc[0] == "flyer"


def test_grid_edit_with_unknown_scope_is_refused_and_nothing_changes(plan, store):
    from forecast.services import system

    dates = sorted(system.system_plan(store, plan.plan_id)["ds"].unique())
    system.add_event(
        store,
        plan.plan_id,
        "olga",
        name="Promo",
        kind="promotion",
        scope=system.Scope.parse(["StoreType=a"]),
        start=dates[0],
        end=dates[0],
        effect="percent",
        value=10,
    )
    app = create_app(data_dir=str(plan.data_dir))
    change = {"colId": "scope", "data": {"event_id": "E1", "scope": "StoreType=zz"}}
    out = call(
        app,
        "..sys-alert.children...sys-refresh.data..",
        [("sys-events-grid", "cellValueChanged", [change])],
        [
            ("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"}),
            ("sys-version", "data", None),
            ("sys-refresh", "data", 3),
        ],
    )
    assert "zz" in _text(out["sys-alert"]["children"])
    assert out["sys-refresh"]["data"] == 4  # the page re-renders the saved event
    (event,) = system.list_events(store, plan.plan_id)
    assert event.scope.attributes == {"StoreType": ("a",)}


def test_apply_mapping_rereads_with_the_chosen_columns(tmp_path, rossmann_train):
    from dashboard.context import DashboardContext

    app = create_app(data_dir=str(tmp_path))
    ctx = DashboardContext(data_dir=str(tmp_path))
    token = data.save_upload(ctx, rossmann_train.read_bytes(), rossmann_train.name)
    out = call(
        app,
        "..data-report.children...data-summary-chart.figure...data-preview.rowData...data-preview.columnDefs...data-map-id.options...data-map-id.value...data-map-date.options...data-map-date.value...data-map-value.options...data-map-value.value...data-team-attr.options...data-team-attr.value...data-map-freq.value..",
        [
            ("data-file", "data", {"token": token, "filename": rossmann_train.name}),
            ("data-apply-mapping", "n_clicks", 1),
        ],
        [
            ("data-map-id", "value", ["Store"]),
            ("data-map-date", "value", "Date"),
            ("data-map-value", "value", "Customers"),
            ("data-map-freq", "value", "W"),
            ("data-attr-file", "data", None),
        ],
        changed=["data-apply-mapping.n_clicks"],
    )
    assert out["data-map-value"]["value"] == "Customers"
    assert "the file is valid" in _text(out["data-report"]["children"])
    assert out["data-preview"]["rowData"][0]["ds"] < out["data-preview"]["rowData"][1]["ds"]


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
    contents = "data:text/csv;base64," + base64.b64encode(rossmann_stores.read_bytes()).decode()
    out = call(
        app,
        "..data-attr-file.data...data-attr-status.children..",
        [("data-attr-upload", "contents", contents)],
        [("data-attr-upload", "filename", rossmann_stores.name)],
    )
    assert out["data-attr-file"]["data"] is None
    assert "over the upload limit" in _text(out["data-attr-status"]["children"])


def test_team_rows_sum_the_horizon_and_list_events():
    plan = pd.DataFrame(
        {
            "team": ["a", "a", "b"],
            "baseline": [100.0, 100.0, 50.0],
            "system_plan": [130.0, 100.0, 50.0],
            "events": ["E1", "", ""],
        }
    )
    rows = {r["team"]: r for r in system_plan.team_rows(plan)}
    assert rows["a"]["adjustment"] == 30.0 and rows["a"]["deviation"] == "+15.0 %"
    assert rows["a"]["events"] == "E1" and rows["b"]["events"] == ""


def test_owner_sets_the_threshold_from_the_system_page_and_a_lead_cannot(plan, store):
    from forecast.services import plans as plan_service

    app = create_app(data_dir=str(plan.data_dir))
    form = [
        ("sys-threshold", "value", 35),
        ("nav-session", "data", {"plan_id": plan.plan_id, "user": "lena"}),
        ("sys-version", "data", None),
        ("sys-refresh", "data", 0),
    ]
    out = call(
        app,
        "..sys-alert.children...sys-refresh.data..",
        [("sys-threshold-set", "n_clicks", 1)],
        form,
    )
    assert "Not allowed for your role" in _text(out["sys-alert"]["children"])
    assert plan_service.get_plan(store, plan.plan_id).threshold == pytest.approx(0.20)

    form[1] = ("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"})
    out = call(
        app,
        "..sys-alert.children...sys-refresh.data..",
        [("sys-threshold-set", "n_clicks", 2)],
        form,
    )
    assert "Threshold set to 35 %" in _text(out["sys-alert"]["children"])
    assert plan_service.get_plan(store, plan.plan_id).threshold == pytest.approx(0.35)
    shown = call(
        app,
        "..sys-threshold.value...sys-threshold-set.disabled...sys-role-threshold.children..."
        "sys-factors-grid.rowData...sys-factor-mark.disabled...sys-role-factor.children..",
        [
            ("nav-session", "data", {"plan_id": plan.plan_id, "user": "lena"}),
            ("sys-refresh", "data", 1),
        ],
    )
    assert shown["sys-threshold"]["value"] == 35
    assert shown["sys-threshold-set"]["disabled"] is True
    assert "only the plan's owner" in _text(shown["sys-role-threshold"]["children"])


def test_planner_marks_a_new_factor_and_sees_before_and_after(plan, store):
    from forecast.services import plans as plan_service

    app = create_app(data_dir=str(plan.data_dir))
    session = {"plan_id": plan.plan_id, "user": "olga"}
    form = [
        ("sys-factor-name", "value", "became a hit"),
        ("sys-factor-scope", "value", "StoreType=a"),
        ("sys-factor-start", "value", "2015-05-04"),
        ("nav-session", "data", session),
        ("sys-version", "data", None),
        ("sys-refresh", "data", 0),
    ]
    before = plan_service.load_frames(store, plan.plan_id).baseline
    out = call(
        app,
        "..sys-factor-alert.children...sys-refresh.data..",
        [("sys-factor-mark", "n_clicks", 1)],
        form,
    )
    assert "F1 'became a hit'" in _text(out["sys-factor-alert"]["children"])
    state = plan_service.get_plan(store, plan.plan_id)
    assert [f["factor_id"] for f in state.factors] == ["F1"]
    after = plan_service.load_frames(store, plan.plan_id).baseline
    assert not after["baseline"].equals(before["baseline"])

    shown = call(
        app,
        "..sys-threshold.value...sys-threshold-set.disabled...sys-role-threshold.children..."
        "sys-factors-grid.rowData...sys-factor-mark.disabled...sys-role-factor.children..",
        [("nav-session", "data", session), ("sys-refresh", "data", 1)],
    )
    (row,) = shown["sys-factors-grid"]["rowData"]
    assert row["name"] == "became a hit" and row["start"] == "2015-05-04"
    assert row["baseline_before"] == pytest.approx(state.factors[0]["baseline_before"])
    assert row["baseline_after"] == pytest.approx(state.factors[0]["baseline_after"])

    form[2] = ("sys-factor-start", "value", "2031-01-01")
    out = call(
        app,
        "..sys-factor-alert.children...sys-refresh.data..",
        [("sys-factor-mark", "n_clicks", 2)],
        form,
    )
    assert "must start inside the history" in _text(out["sys-factor-alert"]["children"])
    assert len(plan_service.get_plan(store, plan.plan_id).factors) == 1


def test_owner_reopens_a_closed_round_from_the_negotiation_page(plan, store):
    from forecast.services import negotiation as nego

    nego.set_goal(store, plan.plan_id, "olga", ratio="10/6.5")
    nego.claim(store, plan.plan_id, "lena", "a", amount="10000", note="flyer")
    nego.close_round(store, plan.plan_id, "olga")
    nego.assign(store, plan.plan_id, "olga", "pro_rata_baseline")
    app = create_app(data_dir=str(plan.data_dir))
    state = [
        ("nav-session", "data", {"plan_id": plan.plan_id, "user": "lena"}),
        ("neg-version", "data", None),
        ("neg-refresh", "data", 0),
    ]
    out = call(
        app, "..neg-alert.children...neg-refresh.data..", [("neg-reopen", "n_clicks", 1)], state
    )
    assert "Not allowed for your role" in _text(out["neg-alert"]["children"])
    assert nego.summary(store, plan.plan_id)["stage"] == "assigning"

    state[0] = ("nav-session", "data", {"plan_id": plan.plan_id, "user": "olga"})
    out = call(
        app, "..neg-alert.children...neg-refresh.data..", [("neg-reopen", "n_clicks", 2)], state
    )
    assert "open again" in _text(out["neg-alert"]["children"])
    summary = nego.summary(store, plan.plan_id)
    assert summary["stage"] == "claiming" and summary["assigned"] == 0
    assert nego.ledger(store, plan.plan_id).set_index("team").loc["a", "claim_minor"] == 1_000_000


def test_a_json_bundle_dropped_on_the_plans_page_is_imported_or_refused_whole(plan, store):
    from forecast.services import exports
    from forecast.services import negotiation as nego
    from forecast.services import plans as plan_service

    nego.set_goal(store, plan.plan_id, "olga", ratio="1.1")
    bundle = exports.export_plan(store, plan.plan_id, "json")
    app = create_app(data_dir=str(plan.data_dir))
    output = "..plans-alert.children...nav-session.data...nav-plans-changed.data.."
    state = [
        ("plans-import", "filename", "bundle.json"),
        ("nav-session", "data", {"plan_id": plan.plan_id, "user": "nina"}),
        ("nav-plans-changed", "data", 0),
    ]

    def drop(data: bytes):
        url = "data:application/json;base64," + base64.b64encode(data).decode()
        return call(app, output, [("plans-import", "contents", url)], state)

    tampered = bundle.replace(b'"goal_minor"', b'"goal_minoR"', 1)
    out = drop(tampered if tampered != bundle else bundle[: len(bundle) // 2])
    assert "plans-import-refused" in _text(out["plans-alert"]["children"])
    assert len(plan_service.list_plans(store)) == 1

    out = drop(bundle)
    assert "Imported bundle.json" in _text(out["plans-alert"]["children"])
    new_id = out["nav-session"]["data"]["plan_id"]
    assert new_id != plan.plan_id and len(plan_service.list_plans(store)) == 2
    pd.testing.assert_frame_equal(
        nego.negotiated_plan(store, new_id).drop(columns=["version"], errors="ignore"),
        nego.negotiated_plan(store, plan.plan_id).drop(columns=["version"], errors="ignore"),
    )
    assert plan_service.get_plan(store, new_id).has_role("nina", "owner")


def test_period_goal_rows_follow_the_typed_goal():
    from dashboard.pages.negotiation_periods import per_period_goals, period_goal_rows

    basis = {"2015-08-09": 100.0, "2015-08-02": 300.0}
    rows = period_goal_rows(basis, {"ratio": "10/5"})
    assert [r["ds"] for r in rows] == ["2015-08-02", "2015-08-09"]
    assert [r["goal"] for r in rows] == [600.0, 200.0]
    assert [r["goal"] for r in period_goal_rows(basis, {"total": "1000"})] == [750.0, 250.0]
    typed = period_goal_rows(basis, {"total": "$1,000.00"}, "USD")
    assert [r["goal"] for r in typed] == [750.0, 250.0] and typed[0]["cur"] == "$"
    assert [r["goal"] for r in period_goal_rows(basis, {})] == [300.0, 100.0]
    assert per_period_goals(rows) == {"2015-08-02": "600.0", "2015-08-09": "200.0"}


def test_owner_sets_a_goal_split_by_period_on_the_negotiation_page(plan, store):
    from forecast.services import negotiation as nego
    from forecast.services import plans as plan_service

    app = create_app(data_dir=str(plan.data_dir))
    session = {"plan_id": plan.plan_id, "user": "olga"}
    shown = call(
        app,
        "..neg-period-box.style...neg-period-grid.rowData..",
        [("neg-split", "value", True), ("neg-goal-basis", "value", "baseline")],
        [("neg-goal", "value", "1.1x"), ("nav-session", "data", session)],
    )
    rows = shown["neg-period-grid"]["rowData"]
    assert shown["neg-period-box"]["style"] == {"display": "block"}
    assert len(rows) == 6 and all(r["goal"] > r["basis"] > 0 for r in rows)
    rows[0]["goal"] = round(rows[0]["goal"] + 1234.56, 2)
    out = call(
        app,
        "..neg-alert.children...neg-refresh.data..",
        [("neg-set-goal", "n_clicks", 1)],
        [
            ("neg-goal", "value", "1.1x"),
            ("neg-goal-basis", "value", "baseline"),
            ("neg-split", "value", True),
            ("neg-period-grid", "rowData", rows),
            ("nav-session", "data", session),
            ("neg-version", "data", None),
            ("neg-refresh", "data", 0),
        ],
    )
    assert "the claiming round is open" in _text(out["neg-alert"]["children"])
    expected = sum(round(r["goal"] * 100) for r in rows)
    assert nego.summary(store, plan.plan_id)["goal"] == expected
    neg = nego.negotiation_of(plan_service.get_plan(store, plan.plan_id))
    assert neg is not None
    assert neg.period_goals[rows[0]["ds"]] == round(rows[0]["goal"] * 100)


def test_period_split_starts_from_the_goal_already_set(plan, store):
    from forecast.services import negotiation as nego

    nego.set_goal(store, plan.plan_id, "olga", total="2000000")
    app = create_app(data_dir=str(plan.data_dir))
    shown = call(
        app,
        "..neg-period-box.style...neg-period-grid.rowData..",
        [("neg-split", "value", True), ("neg-goal-basis", "value", "baseline")],
        [("neg-goal", "value", ""), ("nav-session", "data", {"plan_id": plan.plan_id})],
    )
    goals = [r["goal"] for r in shown["neg-period-grid"]["rowData"]]
    assert sum(goals) == pytest.approx(2_000_000, abs=0.05)


def test_a_goal_far_below_the_basis_hints_at_typing_a_ratio():
    assert "type it as 1.2x" in negotiation.goal_message(120, 1_000_000_00)
    assert "type it as" not in negotiation.goal_message(1_200_000_00, 1_000_000_00)
