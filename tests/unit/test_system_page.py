"""The System plan page: its read models (forecast.services.system_views), its pure builders
(dashboard.system.view / forms) and its callbacks called directly with a real store; the
browser tests (tests/e2e/test_system_plan.py) cover the wiring."""

from __future__ import annotations

import base64
import dataclasses
import io
import json

import pandas as pd
import plotly
import pytest
from dash import no_update

from dashboard.context import DashboardContext
from dashboard.fix_hints import page_text
from dashboard.system import event_file, events, factors, forms, gate, overview, view
from forecast.cli.fix_hints import cli_message
from forecast.services import (
    event_import,
    exports,
    model_names,
    plan_frames,
    plan_standing,
    system,
    system_views,
)
from forecast.services import plans as plan_service
from forecast.services.errors import Invalid
from forecast.services.types import Scope
from tests.fixtures import six_store_fixtures
from tests.signin import acting_as

template, plan = six_store_fixtures("system-page", name="Unit plan", leads={"a": "lena"})


@pytest.fixture
def ctx(plan):
    context = DashboardContext(data_dir=str(plan.data_dir))
    yield context
    context.store.close()


@pytest.fixture
def plan_id(template) -> str:
    return template.plan_id


def text(component) -> str:
    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


TYPE_A = Scope(attributes={"StoreType": ("a",)})


def horizon_days(ctx, plan_id) -> list[str]:
    """The plan's periods, as ISO dates."""
    state = plan_service.get_plan(ctx.store, plan_id)
    return [d.date().isoformat() for d in system.horizon_dates(ctx.store, state)]


def period_ends(ctx, plan_id) -> list[str]:
    """The last day of each of the plan's periods, as ISO dates (what the page's To offers)."""
    return system_views.system_page(ctx.store, plan_id, "olga").period_ends


def first_date(ctx, plan_id) -> str:
    return system_views.system_page(ctx.store, plan_id, "olga").dates[0]


def add_promo(ctx, plan_id, value=50.0):
    return system.add_event(
        ctx.store,
        plan_id,
        "olga",
        name="Promo",
        kind="promotion",
        scope=system.Scope.parse(["StoreType=a"]),
        start=first_date(ctx, plan_id),
        end=period_ends(ctx, plan_id)[0],
        effect="percent",
        value=value,
    )


# -- read models -------------------------------------------------------------------------------


def test_team_summary_sums_the_horizon_and_lists_events():
    series_plan = pd.DataFrame(
        {
            "team": ["a", "a", "b"],
            "baseline": [100.0, 100.0, 0.0],
            "system_plan": [130.0, 100.0, 0.0],
            "events": ["E1", "", ""],
        }
    )
    summary = system_views.team_summary(series_plan).set_index("team")
    assert summary.loc["a", "adjustment"] == 30.0 and summary.loc["a", "deviation_pct"] == 15.0
    assert summary.loc["a", "events"] == "E1" and summary.loc["b", "events"] == ""
    assert summary.loc["b", "deviation_pct"] == 0.0  # no baseline: no deviation, not a crash
    rows = {r["team"]: r for r in view.team_rows(summary.reset_index())}
    assert rows["a"]["deviation"] == 15.0 and rows["a"]["new_volume"] is False


def test_a_team_whose_series_have_all_ended_shows_no_percent_and_new_volume_where_events_add():
    series_plan = pd.DataFrame(
        {
            "team": ["open", "ended", "reopened"],
            "baseline": [100.0, 0.0, 0.0],
            "system_plan": [100.0, 0.0, 40.0],
            "events": ["", "", "E1"],
        }
    )
    from dashboard.system import columns

    rows = {r["team"]: r for r in view.team_rows(system_views.team_summary(series_plan))}
    (column,) = [c for c in columns.team_columns() if c["field"] == "deviation"]

    assert (rows["open"]["deviation"], rows["open"]["new_volume"]) == (0.0, False)
    assert (rows["ended"]["deviation"], rows["ended"]["new_volume"]) == (None, False)
    assert (rows["reopened"]["deviation"], rows["reopened"]["new_volume"]) == (None, True)
    assert "deviation_text" in column["valueFormatter"]["function"]
    assert [rows[t]["deviation_text"] for t in ("open", "ended", "reopened")] == [
        "0.0 %",
        "–",
        "new volume",
    ]


def test_team_totals_are_the_cents_of_each_series_period_as_in_the_ledger():
    # 0.504 + 0.504 is 1.008 as floats, shown as 1.01; the ledger rounds each cell to the cent
    # first (0.50 + 0.50 = 1.00), and the page must agree with it
    series_plan = pd.DataFrame(
        {"team": ["a", "a"], "baseline": [0.504, 0.504], "system_plan": [0.504, 0.504],
         "events": ["", ""]}
    )  # fmt: skip
    summary = system_views.team_summary(series_plan).set_index("team")
    assert summary.loc["a", "baseline"] == 1.00 and summary.loc["a", "adjustment"] == 0.0


def test_the_page_totals_equal_the_ledgers_basis_to_the_cent(ctx, plan_id):
    from forecast.services import negotiation as nego

    page = system_views.system_page(ctx.store, plan_id, "olga")
    nego.set_goal(ctx.store, plan_id, "olga", ratio="1.1")
    assert round(page.baseline_total * 100) == nego.summary(ctx.store, plan_id)["basis_total"]


def test_team_summary_is_the_same_for_team_categories_and_for_text():
    text = pd.DataFrame(
        {
            "team": ["b", "a", "a", "c", "b"],
            "baseline": [10.0, 100.0, 100.0, 5.0, 0.5],
            "system_plan": [12.0, 130.0, 100.0, 5.0, 0.5],
            "events": ["E2", "E1", "", "", "E2,E3"],
        }
    )
    categories = text.astype({"team": "category", "events": "category"})
    categories["team"] = categories["team"].cat.reorder_categories(["c", "b", "a"])
    expected = system_views.team_summary(text)
    assert list(expected["team"]) == ["a", "b", "c"]
    assert list(expected["events"]) == ["E1", "E2,E3", ""]
    pd.testing.assert_frame_equal(system_views.team_summary(categories), expected)


def test_the_page_the_cli_and_publish_count_the_same_open_deviations(ctx, plan_id):
    add_promo(ctx, plan_id)
    page = system_views.system_page(ctx.store, plan_id, "olga")
    gate_now = system.gate_status(ctx.store, plan_id)
    marked = system.deviations(ctx.store, plan_id)
    assert page.gate == gate_now
    assert gate_now.open == int((~marked["explained"]).sum()) > 0
    assert gate_now.marked == len(marked)
    with pytest.raises(Invalid, match=f"{gate_now.open} deviation"):
        system.publish(ctx.store, plan_id, "olga")


def test_the_page_read_again_after_each_change_shows_the_change_not_the_earlier_render(
    ctx, plan_id
):
    before = system_views.system_page(ctx.store, plan_id, "olga")
    assert before.events == [] and before.plan_total == before.baseline_total
    add_promo(ctx, plan_id)  # a new version: the shared system plan of the old one is not used
    promoted = system_views.system_page(ctx.store, plan_id, "olga")
    assert [e.name for e in promoted.events] == ["Promo"]
    assert promoted.plan_total > before.plan_total and promoted.gate.open > 0
    series = system.system_plan(ctx.store, plan_id, "series")
    series["system_plan"] = 0.0  # a caller changing its copy changes nothing shared
    assert system_views.system_page(ctx.store, plan_id, "olga").plan_total == promoted.plan_total
    system.set_threshold(ctx.store, plan_id, "olga", 0.9)  # the +50 % promo is below 90 %
    raised = system_views.system_page(ctx.store, plan_id, "olga")
    assert raised.gate.marked == 0 and raised.gate.open == 0
    assert raised.plan_total == promoted.plan_total


def test_permissions_follow_role_and_lock_with_what_to_do(ctx, plan_id):
    owner = system_views.system_page(ctx.store, plan_id, "olga")
    lead = system_views.system_page(ctx.store, plan_id, "lena")
    assert owner.edit.allowed and owner.publish.allowed and owner.set_threshold.allowed
    assert not lead.edit.allowed and "lena cannot change events" in lead.edit.why_not
    on_page = page_text(lead.edit.reason, lead.edit.fix)
    assert "Members on the Plans page" in on_page and "--" not in on_page
    assert not lead.set_threshold.allowed and "only the plan's owner" in lead.set_threshold.why_not
    system.publish(ctx.store, plan_id, "olga")
    published = system_views.system_page(ctx.store, plan_id, "olga")
    assert not published.edit.allowed and "read-only" in published.edit.why_not
    assert "'Make a new version' on the Plans page" in page_text(
        published.edit.reason, published.edit.fix
    )
    assert published.gate.locked


def test_drill_choices_list_teams_and_search_series(ctx, plan_id):
    assert system_views.drill_choices(ctx.store, plan_id, "team", None) == ["a", "c", "d"]
    assert system_views.drill_choices(ctx.store, plan_id, "series", "11") == ["11", "114"]
    frames = system_views.fan_frames(ctx.store, plan_id, "series", "32")
    assert set(frames.history["unique_id"]) == {"32"} and frames.title == "Series 32"


def test_the_fan_says_which_models_made_the_baseline_and_what_they_are(ctx, plan_id):
    whole = system_views.fan_frames(ctx.store, plan_id, "total", None)
    state = plan_service.get_plan(ctx.store, plan_id)
    used = state.baseline.models_used
    assert sum(use.series for use in whole.models) == sum(used.values())
    assert {use.label for use in whole.models} == {model_names.split(label)[0] for label in used}
    assert all(use.means and use.means != use.label for use in whole.models)
    one = system_views.fan_frames(ctx.store, plan_id, "series", "32")
    (use,) = one.models
    assert use.series == 1 and use.label in {model_names.split(label)[0] for label in used}
    team = system_views.fan_frames(ctx.store, plan_id, "team", "a").models
    assert 0 < sum(use.series for use in team) < sum(used.values())  # team a's series only
    note = json.dumps(view.models_note(whole.models).to_plotly_json(), default=str)
    assert "Baseline models" in note and whole.models[0].means in note


# -- pure builders -----------------------------------------------------------------------------


def test_scope_text_round_trip():
    scope = forms.parse_scope_text("StoreType=a,c; Assortment=a; ids=1,2")
    assert scope.attributes == {"StoreType": ("a", "c"), "Assortment": ("a",)}
    assert scope.ids == ("1", "2")
    assert forms.parse_scope_text(forms.scope_text(scope)) == scope
    assert forms.scope_text(forms.parse_scope_text("all")) == "all"
    with pytest.raises(Invalid, match="all, StoreType=a"):
        forms.scope_or_raise("StoreType")


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
    rows, total = view.deviation_rows(marked, limit=3)
    assert total == 4
    assert [r["key"] for r in rows] == ["a", "2", "1"]
    assert rows[0]["cell"] == "team|a|2024-01-01" and rows[0]["status"] == "needs reason"


def test_deviations_are_numbers_the_grid_sorts_and_new_volume_where_the_baseline_is_0():
    marked = pd.DataFrame(
        {
            "level": ["series"] * 5,
            "key": ["1", "2", "3", "4", "5"],
            "ds": pd.to_datetime(["2024-01-01"] * 5),
            "baseline": [10.0, 10.0, 10.0, 10.0, 0.0],
            "system_plan": [47.08, 18.18, 0.0, 7.5, 5.0],
            "deviation_pct": [370.8, 81.8, -100.0, -25.0, float("inf")],
            "events": ["E1"] * 5,
            "explained": [False] * 5,
            "outdated": [False] * 5,
            "reason_code": [""] * 5,
            "text": [""] * 5,
        }
    )
    rows, _ = view.deviation_rows(marked)
    shown = {r["key"]: (r["deviation"], r["new_volume"]) for r in rows}
    assert shown == {
        "1": (370.8, False),
        "2": (81.8, False),
        "3": (-100.0, False),
        "4": (-25.0, False),
        "5": (None, True),
    }
    assert json.loads(json.dumps(rows)) == rows  # JSON as the grid gets it: no inf, no NaN
    from dashboard.system import columns

    for grid in (columns.deviation_columns(), columns.team_columns()):
        (column,) = [c for c in grid if c["field"] == "deviation"]
        assert column["cellDataType"] == "number"
    texts = {r["key"]: r["deviation_text"] for r in rows}
    assert texts == {
        "1": "+370.8 %",
        "2": "+81.8 %",
        "3": "-100.0 %",
        "4": "-25.0 %",
        "5": "new volume",
    }


def page_word(row: dict) -> str:
    """What the grids' deviation column shows for a row: the text the row carries, which its
    valueFormatter shows (``columns.deviation_column``)."""
    from dashboard.system import columns

    for grid in (columns.deviation_columns(), columns.team_columns()):
        (column,) = [c for c in grid if c["field"] == "deviation"]
        assert f"params.data.{columns.DEVIATION_TEXT}" in column["valueFormatter"]["function"]
    return row[columns.DEVIATION_TEXT]


def test_the_page_the_cli_and_the_export_show_a_deviation_from_a_baseline_of_0_by_one_rule():
    """New volume where events add to a baseline of 0, "–" (none) where it stays 0, whatever
    percent the frame holds there: the page's grids, the CLI's tables and the export sheet all
    take it from one rule (forecast.services.types.Deviation)."""
    from forecast.cli import plan_system

    marked = pd.DataFrame(
        {
            "level": ["series"] * 3,
            "key": ["opened", "ended", "grown"],
            "ds": pd.to_datetime(["2024-01-01"] * 3),
            "baseline": [0.0, 0.0, 10.0],
            "system_plan": [5.0, 0.0, 12.0],
            "deviation_pct": [float("inf"), 0.0, 20.0],
            "events": ["E1", "", "E1"],
            "explained": [False] * 3,
            "outdated": [False] * 3,
            "reason_code": [""] * 3,
            "text": [""] * 3,
        }
    )
    expected = {"opened": "new volume", "ended": "–", "grown": "+20.0 %"}
    rows, _ = view.deviation_rows(marked)
    assert {r["key"]: page_word(r) for r in rows} == expected
    table = plan_system._table(marked, ["key", "baseline", "deviation_pct"], None)
    cli = {line.split()[0]: line.split(None, 2)[2].strip() for line in table.splitlines()[1:]}
    assert cli == expected
    sheet = exports.explanations_sheet([], marked).set_index("key")["deviation_pct"]
    assert sheet.to_dict() == {"opened": "new volume", "ended": None, "grown": 20.0}
    summary = system_views.team_summary(
        pd.DataFrame(
            {
                "team": ["opened", "ended", "grown"],
                "baseline": [0.0, 0.0, 10.0],
                "system_plan": [5.0, 0.0, 12.0],
                "events": ["E1", "", "E1"],
            }
        )
    )
    assert {r["team"]: page_word(r) for r in view.team_rows(summary)} == expected


def test_the_grids_show_a_deviation_in_the_words_the_cli_prints_for_the_same_cell():
    """A deviation of +5,000 % reads "+5,000.0 %" and one of -0.04 % reads "0.0 %" on the page
    as in the CLI: the rows carry the rule's text and the grid shows it (no second formatting
    in the browser), while sorting on the number."""
    from forecast.cli import plan_system

    marked = pd.DataFrame(
        {
            "level": ["series"] * 4,
            "key": ["launched", "flat", "down", "opened"],
            "ds": pd.to_datetime(["2024-01-01"] * 4),
            "baseline": [10.0, 10_000.0, 200.0, 0.0],
            "system_plan": [510.0, 9_999.996, 150.0, 5.0],
            "deviation_pct": [5000.0, -0.04, -25.0, float("inf")],
            "events": ["E1"] * 4,
            "explained": [False] * 4,
            "outdated": [False] * 4,
            "reason_code": [""] * 4,
            "text": [""] * 4,
        }
    )
    rows, _ = view.deviation_rows(marked)
    table = plan_system._table(marked, ["key", "baseline", "deviation_pct"], None)
    cli = {line.split()[0]: line.split(None, 2)[2].strip() for line in table.splitlines()[1:]}

    assert {r["key"]: page_word(r) for r in rows} == cli
    assert cli["launched"] == "+5,000.0 %" and cli["flat"] == "0.0 %"
    assert {r["key"]: r["deviation"] for r in rows}["launched"] == 5000.0  # sorted as a number


def test_page_outputs_say_what_the_gate_blocks_and_why_a_lead_cannot_edit(ctx, plan_id):
    add_promo(ctx, plan_id)
    out = view.page_outputs(system_views.system_page(ctx.store, plan_id, "lena"), "rule")
    assert len(out) == len(overview.OUTPUTS)
    assert "gate blocks publishing" in text(out.gate)
    assert out.add_disabled and out.publish_disabled
    assert out.remove_disabled and out.explain_disabled  # the server refuses them too
    assert "lena cannot change events" in text(out.role_events)
    assert [o["value"] for o in out.explain_options] == ["selected", "E1"]
    assert "1 event(s)" in text(out.totals)
    assert "€" in text(out.totals) and "above 20 %" in text(out.gate)
    assert {row["cur"] for row in out.team_rows + out.deviation_rows} == {"€"}
    # the grids' editors open only for who may edit (the server refuses the others anyway)
    assert {row["can_edit"] for row in out.event_rows + out.deviation_rows} == {False}
    olga = view.page_outputs(system_views.system_page(ctx.store, plan_id, "olga"), "rule")
    assert {row["can_edit"] for row in olga.event_rows + olga.deviation_rows} == {True}


def test_the_event_pickers_of_a_quarterly_plan_name_each_quarter_beside_its_day(ctx, plan_id):
    page = system_views.system_page(ctx.store, plan_id, "olga")
    assert page.freq == plan_service.get_plan(ctx.store, plan_id).freq
    quarterly = dataclasses.replace(
        page,
        freq="Q",
        dates=["2018-01-01", "2018-04-01"],
        period_ends=["2018-03-31", "2018-06-30"],
    )

    out = view.page_outputs(quarterly, "rule")

    assert out.start_options == [
        {"label": "2018 Q1 (from 2018-01-01)", "value": "2018-01-01"},
        {"label": "2018 Q2 (from 2018-04-01)", "value": "2018-04-01"},
    ]
    assert out.end_options[-1] == {"label": "2018 Q2 (to 2018-06-30)", "value": "2018-06-30"}
    assert (out.start, out.end) == ("2018-01-01", "2018-06-30")
    weekly = view.page_outputs(page, "rule")  # a week is named by its day, as before
    assert [o["label"] for o in weekly.start_options] == page.dates


def test_the_reason_editor_preselects_no_reason():
    from dashboard.system import columns

    (column,) = [c for c in columns.deviation_columns() if c["field"] == "reason_code"]
    assert column["cellEditorParams"]["values"][0] == ""


def test_events_grid_selects_a_row_by_click_without_deprecated_options():
    from dashboard.system import layout

    grid = next(c for c in layout.events_section() if getattr(c, "id", None) == "sys-events-grid")
    assert grid.dashGridOptions["rowSelection"]["enableClickSelection"] is True
    assert not any("checkboxSelection" in c for c in grid.columnDefs)


# -- callbacks, called directly -----------------------------------------------------------------


def test_add_event_callback_adds_for_a_planner_and_refuses_a_lead(ctx, plan_id):
    start = first_date(ctx, plan_id)
    form = ["Promo", "promotion", "StoreType=a", start, start, "add", 5000, "flyer", 0]
    olga = {"plan_id": plan_id}
    with acting_as(ctx.store, "olga"):
        alert, refresh = events.add_event(ctx, 1, olga, None, *form)
    assert "Added E1 'Promo' (promotion, +€5,000 per series and period" in text(alert)
    assert "units" not in text(alert) and refresh == 1
    lena = {"plan_id": plan_id, "user": "olga"}  # the browser's word is not looked at
    with acting_as(ctx.store, "lena"):
        alert, _ = events.add_event(ctx, 2, lena, None, *form)
    assert "Not allowed for your role" in text(alert)
    assert len(system.list_events(ctx.store, plan_id)) == 1


def test_an_action_with_no_plan_selected_says_to_pick_one(ctx):
    form = ["Promo", "promotion", "all", "2015-08-03", "2015-08-03", "percent", 25, "flyer", 0]
    with acting_as(ctx.store, "olga"):
        alert, _ = events.add_event(ctx, 1, {"plan_id": None}, None, *form)
    assert "no plan is selected" in text(alert).lower() and "plan selector" in text(alert)


def test_an_empty_cap_is_refused_and_nothing_is_added(ctx, plan_id):
    start = first_date(ctx, plan_id)
    form = ["Limit", "promotion", "StoreType=c", start, start, "cap", "", "flyer", 0]
    with acting_as(ctx.store, "olga"):
        alert, _ = events.add_event(ctx, 1, {"plan_id": plan_id}, None, *form)
    assert "Give a value for the cap" in text(alert)
    assert system.list_events(ctx.store, plan_id) == []
    # the value box's hint offers the suggestion only where an empty value takes it
    with acting_as(ctx.store, "olga"):
        kinds = [
            events.suggestion(ctx, "promotion", "StoreType=c", start, start, effect, olga)[1]
            for effect, olga in (("percent", {"plan_id": plan_id}), ("cap", {"plan_id": plan_id}))
        ]
    assert kinds[0].startswith("empty: ") and kinds[1] == view.PLAIN_PLACEHOLDER


def test_publish_with_a_stale_version_is_refused(ctx, plan_id):
    stale = plan_service.get_plan(ctx.store, plan_id).version - 1
    with acting_as(ctx.store, "olga"):
        alert, _, _ = gate.publish(ctx, 1, {"plan_id": plan_id}, stale, 0, 0)
    assert "Someone changed the plan in the meantime" in text(alert)
    assert plan_service.get_plan(ctx.store, plan_id).status == "draft"


def test_a_grid_edit_with_an_unknown_scope_is_refused_and_nothing_changes(ctx, plan_id):
    add_promo(ctx, plan_id, value=10)
    change = {"colId": "scope", "data": {"event_id": "E1", "scope": "StoreType=zz"}}
    session = {"plan_id": plan_id}
    with acting_as(ctx.store, "olga"):
        alert, refresh = events.edit_event(ctx, [change], session, None, 3)
    assert "zz" in text(alert) and refresh == 4  # the page re-renders the saved event
    (event,) = system.list_events(ctx.store, plan_id)
    assert event.scope.attributes == {"StoreType": ("a",)}


def test_removing_asks_first_then_can_be_undone_from_the_audit_log(ctx, plan_id):
    add_promo(ctx, plan_id)
    session = {"plan_id": plan_id}
    with acting_as(ctx.store, "olga"):
        is_open, _, hint = events.ask_remove(ctx, 1, None)
        assert is_open is False and "click its row" in text(hint)
        row = view.event_rows(system.list_events(ctx.store, plan_id))[0]
        is_open, question, _ = events.ask_remove(ctx, 1, [row])
        assert is_open is True and "Remove event E1 'Promo'" in question and "undo" in question
        assert len(system.list_events(ctx.store, plan_id)) == 1  # asking removes nothing

        closed, alert, _, removed, undo_hidden = events.remove_event(
            ctx, 1, [row], session, None, 0
        )
        assert closed is False and undo_hidden is False
        assert removed == {
            "event_id": "E1",
            "version": plan_service.get_plan(ctx.store, plan_id).version,
        }
        assert "Removed E1" in text(alert) and system.list_events(ctx.store, plan_id) == []

        alert, _, cleared, undo_hidden = events.undo_remove(ctx, 1, removed, session, 1)
        assert "Restored E1 'Promo'" in text(alert) and cleared is None and undo_hidden is True
        (event,) = system.list_events(ctx.store, plan_id)
        assert event.event_id == "E1" and event.value == 50.0
        actions = [e.action for e in plan_service.audit_log(ctx.store, plan_id)]
        assert actions[-2:] == ["remove_event", "restore_event"]
        alert, *_ = events.undo_remove(ctx, 2, removed, session, 2)
        assert "changed since" in text(alert) or "nothing to restore" in text(alert)
        alert, *_ = events.undo_remove(ctx, 3, "E1", session, 3)  # not what the page stores
        assert "reload the page" in text(alert)


def test_an_undo_after_someone_else_changed_the_plan_is_refused_as_stale(ctx, plan_id):
    """Piet removes a limit; Olga adds a revised one in its place; Piet's undo from the page he
    had open would have put the old limit back beside the new one."""
    add_promo(ctx, plan_id)
    session = {"plan_id": plan_id}
    row = view.event_rows(system.list_events(ctx.store, plan_id))[0]
    with acting_as(ctx.store, "olga"):
        *_, removed, _ = events.remove_event(ctx, 1, [row], session, None, 0)
    add_promo(ctx, plan_id, value=30)  # the revised event, made after the removal

    with acting_as(ctx.store, "olga"):
        alert, *_ = events.undo_remove(ctx, 1, removed, session, 1)

    assert "changed since" in text(alert)
    assert [e.value for e in system.list_events(ctx.store, plan_id)] == [30.0]


def test_inline_explanation_in_the_deviation_grid(ctx, plan_id):
    add_promo(ctx, plan_id)
    marked = system.deviations(ctx.store, plan_id)
    row = marked[marked["level"] == "team"].iloc[0]
    ds = pd.Timestamp(row["ds"]).strftime("%Y-%m-%d")
    grid_row = {"level": "team", "key": row["key"], "ds": ds, "reason_code": "promotion"}
    changes = [{"colId": "reason_code", "data": grid_row}]
    grid = "sys-deviations-grid"
    hint = gate.explain_request(grid, changes, None, "selected", None, None)
    assert isinstance(hint, str) and hint.startswith("Not saved yet: give the explanation's text")
    text_only = [{"colId": "text", "data": grid_row | {"reason_code": "", "text": "flyer"}}]
    hint = gate.explain_request(grid, text_only, None, "selected", None, None)
    assert isinstance(hint, str) and "give a reason code in the Reason code cell" in hint
    changes = [{"colId": "text", "data": grid_row | {"text": "flyer"}}]
    request = gate.explain_request(grid, changes, None, "selected", None, None)
    assert isinstance(request, dict)
    assert request["cells"] == [("team", row["key"], ds)]
    system.explain(ctx.store, plan_id, "olga", **request)
    after = system.deviations(ctx.store, plan_id)
    team_row = after[(after["level"] == "team") & (after["key"] == row["key"])]
    assert bool(team_row["explained"].iloc[0]) and team_row["text"].iloc[0] == "flyer"


def test_explaining_ticked_rows_needs_rows_and_a_reason_code():
    hint = gate.explain_request("sys-explain", None, [], "selected", "promotion", "x")
    assert isinstance(hint, str) and "tick their rows" in hint
    cell = {"level": "series", "key": "1", "ds": "2015-08-03"}
    hint = gate.explain_request("sys-explain", None, [cell], "selected", None, "x")
    assert hint == "Pick a reason code for the selected deviations."
    request = gate.explain_request("sys-explain", None, [cell], "E1", "promotion", "x")
    assert request == {"reason_code": "promotion", "text": "x", "event_id": "E1"}


def test_owner_sets_the_threshold_from_the_system_page_and_a_lead_cannot(ctx, plan_id):
    lena = {"plan_id": plan_id}
    with acting_as(ctx.store, "lena"):
        alert, _ = factors.set_threshold(ctx, 1, 35, lena, None, 0)
    assert "Not allowed for your role" in text(alert)
    assert plan_service.get_plan(ctx.store, plan_id).threshold == pytest.approx(0.20)
    with acting_as(ctx.store, "olga"):
        alert, _ = factors.set_threshold(ctx, 2, 35, {"plan_id": plan_id}, None, 0)
    assert "Threshold set to 35 %" in text(alert)
    shown = view.setup_outputs(system_views.system_setup(ctx.store, plan_id, "lena"))
    assert shown.threshold_percent == 35 and shown.threshold_disabled is True
    assert "only the plan's owner" in text(shown.role_threshold)


def test_the_scope_boxes_give_an_example_in_the_plans_own_attribute_and_series(ctx, plan_id):
    """The event and factor scope boxes said `StoreType=a, or ids=1,2,3` whatever the plan: in a
    plan of regions or of items neither the attribute nor the ids exist."""
    shown = view.setup_outputs(system_views.system_setup(ctx.store, plan_id, "olga"))
    state = plan_service.get_plan(ctx.store, plan_id)
    attributes = plan_frames.load_blob_frame(ctx.store, plan_id, plan_frames.ATTRIBUTES)
    first_team = sorted(attributes[state.team_attr].astype(str).unique())[0]
    assert shown.factor_scope_placeholder.startswith(f"{state.team_attr}={first_team}, or ids=")
    assert shown.event_scope_placeholder == f"all, {shown.factor_scope_placeholder}"
    example = shown.factor_scope_placeholder.split("ids=")[1].split(",")
    assert set(example) <= set(attributes["unique_id"].astype(str))
    # the example reads as a scope of the plan: both parts select series
    scope = forms.scope_or_raise(shown.factor_scope_placeholder.replace(", or ", "; "))
    assert scope is not None


def test_a_scope_example_skips_the_series_key_and_values_the_syntax_cannot_hold():
    attributes = pd.DataFrame(
        {
            "unique_id": ["item 7", "a,b", "12", "9"],
            "item": ["item 7", "a,b", "12", "9"],  # one value per series: the key again
            "Region": ["East=1", "West", "West", "North"],
        }
    )
    assert system_views.scope_example(attributes, None) == "Region=North, or ids=9,12"
    assert system_views.scope_example(attributes[["unique_id"]], None) == "ids=9,12"
    assert system_views.scope_example(attributes, "Region") == "Region=North, or ids=9,12"


@pytest.mark.slow  # a real ETS re-forecast
def test_planner_marks_a_new_factor_and_sees_before_and_after(ctx, plan_id):
    session = {"plan_id": plan_id}
    with acting_as(ctx.store, "olga"):
        before = plan_service.load_frames(ctx.store, plan_id).baseline
        alert, _ = factors.mark(
            ctx, 1, "became a hit", "StoreType=a", "2015-05-04", None, session, None, 0
        )
        assert "F1 'became a hit'" in text(alert)
        (factor,) = system.factors_of(plan_service.get_plan(ctx.store, plan_id))
        after = plan_service.load_frames(ctx.store, plan_id).baseline
        assert not after["baseline"].equals(before["baseline"])
        shown = view.setup_outputs(system_views.system_setup(ctx.store, plan_id, "olga"))
        (row,) = shown.factor_rows
        assert row["name"] == "became a hit" and row["start"] == "2015-05-04"
        assert row["baseline_before"] == pytest.approx(factor.baseline_before)
        assert row["cur"] == "€"  # shown as money in the plan's currency, as the other grids
        assert row["change"] == ("new volume" if factor.change is None else row["change"])
        alert, _ = factors.mark(
            ctx, 2, "again", "StoreType=a", "2031-01-01", None, session, None, 0
        )
        assert "must start inside the history" in text(alert)
        assert len(plan_service.get_plan(ctx.store, plan_id).factors) == 1


def test_factor_round_trips_through_its_dict():
    from forecast.services.types import Factor, Scope

    factor = Factor(
        factor_id="F1",
        name="hit",
        scope=Scope.parse(["StoreType=a"]),
        start="2015-05-04",
        author="olga",
        at=None,
        model="ets",
        n_series=2,
        baseline_before=100.0,
        baseline_after=120.0,
    )
    assert Factor.from_dict(factor.to_dict()) == factor
    assert factor.change == pytest.approx(0.2)
    assert Factor.from_dict(factor.to_dict() | {"baseline_before": 0.0}).change is None


def test_the_suggestion_says_how_much_of_the_window_seasonal_naive_already_repeats(ctx, plan_id):
    dates = horizon_days(ctx, plan_id)
    start, end, scope = dates[0], period_ends(ctx, plan_id)[2], TYPE_A
    already = system.event_suggestion(ctx.store, plan_id, "promotion", scope, start, end)[1]
    assert already is not None and already.flag == "Promo"
    # counted directly: the same weeks a year (52 weeks) before, for the scope's stores
    history = plan_frames.load_blob_frame(ctx.store, plan_id, plan_frames.HISTORY)
    attributes = plan_frames.load_blob_frame(ctx.store, plan_id, plan_frames.ATTRIBUTES)
    ids = set(attributes.loc[attributes["StoreType"] == "a", "unique_id"].astype(str))
    year_before = {pd.Timestamp(d) - pd.Timedelta(weeks=52) for d in dates[:3]}
    then = history[history["unique_id"].isin(ids) & history["ds"].isin(year_before)]
    assert already.cells == len(ids) * 3 == len(then)
    assert already.share == pytest.approx((then["Promo"] >= 0.5).mean())
    assert already.new_value == pytest.approx(already.value * (1 - already.share), abs=0.05)
    note = text(
        view.suggestion_text(
            "promotion", system.suggest_uplift(ctx.store, plan_id, "promotion", scope), already
        )
    )
    assert already.share > 0 and "sys-suggestion-twice" in note  # last year had promos there
    # nothing to say without a window or a learned flag; a date that is not one is refused
    assert system.event_suggestion(ctx.store, plan_id, "promotion", scope, None, end)[1] is None
    assert (
        system.event_suggestion(ctx.store, plan_id, "purchase_limit", scope, start, end)[1] is None
    )
    with pytest.raises(Invalid, match="is not a date"):
        system.event_suggestion(ctx.store, plan_id, "promotion", scope, "x" * 10_000, end)[1]


def test_an_event_with_the_suggestion_adds_only_what_seasonal_naive_does_not_repeat(ctx, plan_id):
    dates = horizon_days(ctx, plan_id)
    start, end, scope = dates[0], period_ends(ctx, plan_id)[2], TYPE_A
    uplift, already = system.event_suggestion(ctx.store, plan_id, "promotion", scope, start, end)
    assert uplift is not None and already is not None and 0 < already.share < 1
    assert already.scope_cells == already.cells  # every series here is seasonal naive
    saved = system.add_event(
        ctx.store,
        plan_id,
        "olga",
        name="Flyer",
        kind="promotion",
        scope=scope,
        start=start,
        end=end,
        use_suggestion=True,
    )
    event = saved.event
    # the learned uplift where last year's weeks had no promotion, nothing where they had one
    assert event.value == already.new_value < uplift.value
    assert event.suggested["value"] == uplift.value
    assert event.suggested["net_value"] == already.new_value
    assert event.suggested["in_baseline"] == pytest.approx(already.share, abs=1e-4)
    with pytest.raises(Invalid) as refused:  # no value and no --use-suggestion: what it takes
        system.add_event(
            ctx.store, plan_id, "olga", name="Flyer", kind="promotion", scope=scope,
            start=start, end=end,
        )  # fmt: skip
    hint = cli_message(refused.value)
    assert f"--use-suggestion ({already.new_value:+.1f} %: the {uplift.describe()}" in hint
    words = system.suggestion_text(event.suggested)
    assert f"{already.new_value:+.1f} % net of the" in words and "the baseline repeats" in words
    assert view.event_rows([event])[0]["suggested"] == words
    # a value the planner gives is taken as given, with the offer recorded beside it
    given = system.add_event(
        ctx.store,
        plan_id,
        "olga",
        name="Flyer, as typed",
        kind="promotion",
        scope=scope,
        start=start,
        end=end,
        effect="percent",
        value=uplift.value,
    )
    assert given.event.value == uplift.value
    assert given.event.suggested["net_value"] == already.new_value
    note = text(view.suggestion_text("promotion", uplift, already))
    assert f"about {already.new_value:+.1f}\u00a0%" in note and view.USE_IT in note
    # where last year's promotion does not recur, the event takes it out of the repeated cells
    undo = (1 / (1 + uplift.value / 100) - 1) * already.share
    assert already.taken_out == pytest.approx(100 * undo, abs=0.05) and already.taken_out < 0
    assert f"taking it out is about {already.taken_out:+.1f}\u00a0%" in note
    assert "(a promotion moved to other weeks)" in note
    assert view.value_placeholder(uplift, already) == f"empty: {already.new_value:+.1f}\u00a0%"


def test_editing_an_events_window_records_what_is_offered_for_the_new_window(ctx, plan_id):
    dates, scope = horizon_days(ctx, plan_id), TYPE_A
    added = system.add_event(
        ctx.store,
        plan_id,
        "olga",
        name="Flyer",
        kind="promotion",
        scope=scope,
        start=dates[0],
        end=period_ends(ctx, plan_id)[2],
        use_suggestion=True,
    ).event
    for end in period_ends(ctx, plan_id)[1:]:
        offered = system.event_suggestion(ctx.store, plan_id, "promotion", scope, dates[0], end)[1]
        if offered is not None and offered.new_value != added.value:
            break
    else:
        pytest.fail("every window nets to the same value; the test needs one that does not")
    edited = system.edit_event(ctx.store, plan_id, "olga", added.event_id, end=end).event
    # it took the offer, so it takes the one for its new window (a typed value would stay)
    assert edited.value == offered.new_value
    assert edited.suggested.get("net_value", edited.suggested["value"]) == offered.new_value
    renamed = system.edit_event(ctx.store, plan_id, "olga", added.event_id, name="Flyer 2").event
    assert renamed.suggested == edited.suggested  # a new name offers nothing new


@pytest.mark.slow  # a real ETS re-forecast of the marked store
def test_a_store_re_forecast_by_a_fitted_model_gets_the_full_uplift_in_a_mixed_scope(ctx, plan_id):
    state = plan_service.get_plan(ctx.store, plan_id)
    dates, scope = horizon_days(ctx, plan_id), TYPE_A
    uplift, alone = system.event_suggestion(ctx.store, plan_id, "promotion", scope, *dates[:3:2])
    attributes = plan_frames.load_blob_frame(ctx.store, plan_id, plan_frames.ATTRIBUTES)
    stores = sorted(attributes.loc[attributes["StoreType"] == "a", "unique_id"].astype(str))
    history = plan_frames.load_blob_frame(ctx.store, plan_id, plan_frames.HISTORY)
    year_before = {pd.Timestamp(d) - pd.Timedelta(weeks=52) for d in dates[:3]}
    then = history[history["ds"].isin(year_before) & history["unique_id"].isin(stores)]
    promos = (then["Promo"] >= 0.5).groupby(then["unique_id"]).sum()
    marked = str(promos.idxmin())  # the other keeps last year's promotion in the baseline
    system.mark_factor(
        ctx.store,
        plan_id,
        "olga",
        name="became a hit",
        scope=Scope(ids=(marked,)),
        start=str(history["ds"].iloc[len(history) // 2 // len(attributes)].date()),
    )
    assert not plan_standing.series_models(ctx.store, state)[marked].startswith("snaive")
    mixed = system.event_suggestion(ctx.store, plan_id, "promotion", scope, *dates[:3:2])[1]
    assert uplift is not None and alone is not None and mixed is not None
    # the re-forecast store's periods count as not holding the promotion
    assert mixed.cells < mixed.scope_cells == alone.scope_cells and mixed.share > 0
    flagged = mixed.share * mixed.cells
    assert mixed.new_value == pytest.approx(
        uplift.value * (1 - flagged / mixed.scope_cells), abs=0.05
    )
    note = text(view.suggestion_text("promotion", uplift, mixed))
    assert f"Over all {mixed.scope_cells:,} series-periods of the scope" in note


def test_emptying_an_events_value_in_the_grid_takes_the_systems_offer(ctx, plan_id):
    dates, scope = horizon_days(ctx, plan_id), TYPE_A
    ends = period_ends(ctx, plan_id)
    offer = system.event_suggestion(ctx.store, plan_id, "promotion", scope, dates[0], ends[2])[1]
    assert offer is not None
    typed = system.add_event(
        ctx.store, plan_id, "olga", name="Flyer", kind="promotion", scope=scope,
        start=dates[0], end=ends[2], effect="percent", value=50.0,
    ).event  # fmt: skip
    cell = {
        "colId": "value",
        "data": {"event_id": typed.event_id, "effect": "percent", "value": None},
    }
    assert events.edit_arguments(cell) == {"use_suggestion": True}
    with acting_as(ctx.store, "olga"):
        alert, _ = events.edit_event(ctx, [cell], {"plan_id": plan_id}, None, 0)
    assert f"{offer.new_value:+.1f} %" in text(alert)  # "Changed E1 ... (promotion, +x %, ...)"
    back = system.get_event(plan_service.get_plan(ctx.store, plan_id), typed.event_id)
    assert back.value == offer.new_value and back.suggested["net_value"] == offer.new_value
    last = plan_service.audit_log(ctx.store, plan_id)[-1]
    assert (last.action, last.before["value"], last.after["value"]) == (
        "edit_event",
        50.0,
        offer.new_value,
    )
    with pytest.raises(Invalid, match="nothing to change"):  # it already is the offer
        system.edit_event(ctx.store, plan_id, "olga", typed.event_id, use_suggestion=True)
    with pytest.raises(Invalid, match="not both"):
        system.edit_event(
            ctx.store, plan_id, "olga", typed.event_id, value=5.0, use_suggestion=True
        )


def test_the_suggestion_counts_every_period_the_event_touches_as_adding_it_does(ctx, plan_id):
    dates = [pd.Timestamp(d) for d in horizon_days(ctx, plan_id)]
    step = dates[1] - dates[0]
    if step <= pd.Timedelta(days=1):
        raise AssertionError("the fixture plan must have periods longer than a day")
    inside = (dates[0] + step / 2).date(), (dates[1] + step / 2).date()  # two periods in part
    _, touched = system.event_suggestion(ctx.store, plan_id, "promotion", TYPE_A, *inside)
    _, whole = system.event_suggestion(
        ctx.store,
        plan_id,
        "promotion",
        TYPE_A,
        dates[0].date(),
        (dates[2] - pd.Timedelta(days=1)).date(),
    )
    assert touched is not None and whole is not None
    assert touched.cells == whole.cells and touched.share == whole.share


def test_the_to_picker_offers_the_last_day_of_each_period(ctx, plan_id):
    page = system_views.system_page(ctx.store, plan_id, "olga")
    starts = [pd.Timestamp(d) for d in page.dates]
    ends = [pd.Timestamp(d) for d in page.period_ends]
    assert len(ends) == len(starts) and ends[0] == starts[1] - pd.Timedelta(days=1)
    outputs = view.page_outputs(page, system.COMBINATION_RULE)
    assert outputs.end == page.period_ends[-1]
    assert [o["value"] for o in outputs.end_options] == page.period_ends


@pytest.mark.parametrize(("typed", "fraction"), [(20, 0.2), (12.5, 0.125), ("7", 0.07)])
def test_the_threshold_box_reads_percent(typed, fraction):
    from dashboard.system.factors import threshold_fraction

    assert threshold_fraction(typed) == pytest.approx(fraction)


def test_an_empty_threshold_box_is_refused_naming_the_range():
    from dashboard.system.factors import threshold_fraction

    with pytest.raises(Invalid, match="more than 0 and at most 100"):
        threshold_fraction(None)


# -- the events file ------------------------------------------------------------------------------


def dropped(csv: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(csv.encode()).decode()


def calendar(ctx, plan_id: str, *, end: str | None = None) -> str:
    start = first_date(ctx, plan_id)
    end = end or period_ends(ctx, plan_id)[0]
    return (
        "name,kind,scope,start,end,effect,value,reason\n"
        f"May flyer,promotion,StoreType=a,{start},{end},percent,15%,national flyer\n"
        f"Supplier cut,purchase_limit,,{start},{end},cap,800,allocation\n"
    )


def test_a_dropped_calendar_adds_its_events_in_one_version_and_says_which(ctx, plan_id):
    before = plan_service.get_plan(ctx.store, plan_id).version
    with acting_as(ctx.store, "olga"):
        alert, refresh, cleared = event_file.import_file(
            ctx,
            dropped(calendar(ctx, plan_id)),
            "promos.csv",
            None,
            {"plan_id": plan_id},
            before,
            4,
        )
    assert "Imported 2 event(s) from promos.csv as E1..E2: May flyer, Supplier cut." in text(alert)
    assert refresh == 5 and cleared is None
    assert [e.name for e in system.list_events(ctx.store, plan_id)] == ["May flyer", "Supplier cut"]
    assert plan_service.get_plan(ctx.store, plan_id).version == before + 1
    with acting_as(ctx.store, "olga"):  # the same file again adds nothing
        again, _, _ = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", None, {"plan_id": plan_id}, None, 5
        )
    assert "Nothing new in promos.csv. 2 row(s) skipped" in text(again)
    assert len(system.list_events(ctx.store, plan_id)) == 2


def test_last_years_calendar_dropped_with_a_shift_lands_on_this_years_dates(ctx, plan_id):
    """The "Move dates by" field: a calendar of dates 52 weeks before the horizon imports with
    1y (52 weeks on this weekly plan), and a shift that cannot be read says how to write one."""
    start = pd.Timestamp(first_date(ctx, plan_id)) - pd.Timedelta(weeks=52)
    end = pd.Timestamp(period_ends(ctx, plan_id)[0]) - pd.Timedelta(weeks=52)
    last_year = (
        "name,kind,scope,start,end,effect,value,reason\n"
        f"May flyer,promotion,StoreType=a,{start:%Y-%m-%d},{end:%Y-%m-%d},percent,15%,flyer\n"
    )
    with acting_as(ctx.store, "olga"):
        refused, _, _ = event_file.import_file(
            ctx, dropped(last_year), "old.csv", "a year", {"plan_id": plan_id}, None, 0
        )
        alert, _, _ = event_file.import_file(
            ctx, dropped(last_year), "old.csv", "1y", {"plan_id": plan_id}, None, 0
        )
    assert "cannot read the shift 'a year'" in text(refused).lower()
    assert "Imported 1 event(s) from old.csv as E1: May flyer." in text(alert)
    assert "moved by 1 year (52 weeks" in text(alert)
    (event,) = system.list_events(ctx.store, plan_id)
    assert str(event.start) == first_date(ctx, plan_id)


def test_a_shift_longer_than_its_field_is_refused_and_nothing_of_it_is_kept(ctx, plan_id):
    """The "Move dates by" field takes 12 characters; a request sending more (not this page: the
    browser enforces the field's length) is refused, before the file is read, rather than
    written into the plan's audit log as the import's note ("1" and a megabyte of spaces and
    "y" reads as 1 year)."""
    start = pd.Timestamp(first_date(ctx, plan_id)) - pd.Timedelta(weeks=52)
    end = pd.Timestamp(period_ends(ctx, plan_id)[0]) - pd.Timedelta(weeks=52)
    last_year = (
        "name,kind,scope,start,end,effect,value,reason\n"
        f"May flyer,promotion,StoreType=a,{start:%Y-%m-%d},{end:%Y-%m-%d},percent,15%,flyer\n"
    )
    before = plan_service.get_plan(ctx.store, plan_id).version
    padded = "1" + " " * 100_000 + "y"
    with acting_as(ctx.store, "olga"):
        refused, refresh, cleared = event_file.import_file(
            ctx, dropped(last_year), "old.csv", padded, {"plan_id": plan_id}, None, 0
        )
    shown = text(refused)
    assert "cannot read the shift" in shown.lower() and len(shown) < 1000
    assert refresh is event_file.no_update and cleared is None
    assert system.list_events(ctx.store, plan_id) == []
    assert plan_service.get_plan(ctx.store, plan_id).version == before


def test_a_calendar_with_a_bad_row_adds_nothing_and_lists_the_row_and_column(ctx, plan_id):
    bad = calendar(ctx, plan_id, end="2015-13-45")
    with acting_as(ctx.store, "olga"):
        alert, refresh, cleared = event_file.import_file(
            ctx, dropped(bad), "promos.csv", None, {"plan_id": plan_id}, None, 0
        )
    shown = text(alert)
    assert "promos.csv was not imported: 2 problem(s)" in shown and "No event was added" in shown
    assert "row 2, end: " in shown and "row 3, end: " in shown
    assert refresh is event_file.no_update and cleared is None
    assert system.list_events(ctx.store, plan_id) == []


def test_a_lead_cannot_import_events(ctx, plan_id):
    with acting_as(ctx.store, "lena"):
        alert, _, _ = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", None, {"plan_id": plan_id}, None, 0
        )
    assert "Not allowed for your role" in text(alert)
    assert system.list_events(ctx.store, plan_id) == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(ctx, plan_id, monkeypatch):
    monkeypatch.setattr(event_file.event_import, "MAX_FILE_BYTES", 100)
    with acting_as(ctx.store, "olga"):
        alert, _, _ = event_file.import_file(
            ctx, dropped(calendar(ctx, plan_id)), "promos.csv", None, {"plan_id": plan_id}, None, 0
        )
    assert "over the upload limit" in text(alert)
    assert system.list_events(ctx.store, plan_id) == []


def test_any_member_who_sees_the_plan_downloads_its_events_as_csv(ctx, plan_id):
    version = add_promo(ctx, plan_id).version
    with acting_as(ctx.store, "lena"):  # a team lead: may not add events, may read them
        sent, alert = event_file.download_events(ctx, 1, {"plan_id": plan_id})
    assert alert is no_update
    assert sent["filename"] == f"Unit_plan_events_v{version}.csv"
    content = base64.b64decode(sent["content"]) if sent["base64"] else sent["content"].encode()
    assert content == exports.export_events(ctx.store, plan_id)
    assert "Promo,promotion,StoreType=a," in content.decode()
    with acting_as(ctx.store, "lena"):
        sent, alert = event_file.download_events(ctx, 1, {"plan_id": None})
    assert sent is no_update and "Pick a plan" in text(alert)


def test_the_events_download_as_a_workbook_imports_again(ctx, plan_id):
    version = add_promo(ctx, plan_id).version
    with acting_as(ctx.store, "lena"):
        sent, alert = event_file.download_events_xlsx(ctx, 1, {"plan_id": plan_id})
    assert alert is no_update
    assert sent["filename"] == f"Unit_plan_events_v{version}.xlsx"
    content = base64.b64decode(sent["content"])
    sheet = pd.read_excel(io.BytesIO(content), sheet_name="events")
    assert list(sheet["name"]) == ["Promo"] and list(sheet["scope"]) == ["StoreType=a"]
    # the import reads it back: the same event, already in the plan, is skipped
    done = event_import.import_events(ctx.store, plan_id, "olga", content, sent["filename"])
    assert done.added == [] and [s.name for s in done.skipped] == ["Promo"]
