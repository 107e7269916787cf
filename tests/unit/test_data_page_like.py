"""The Data page's weekly rerun: "Like an earlier plan" offers the plans the person may see, fills
the create form with the picked plan's settings, and Create carries its members and events and
says what it carried, clipped, left out and did not carry (`dashboard.data_parts.like`)."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pandas as pd
import pytest
from dash import html, no_update

from dashboard import ids, uploads
from dashboard.context import DashboardContext
from dashboard.data_parts import create, like
from dashboard.shell import plan_label
from forecast.cli.fix_hints import LIKE_FIXES
from forecast.plan import utc_now
from forecast.services import negotiation, plan_like, plans, system
from forecast.services.errors import NotFound
from forecast.services.like_notes import LikeFix, LikeNote
from tests.fixtures import OWNER, SIX_STORES, six_store_csv, six_store_fixtures
from tests.signin import acting_as

template, plan = six_store_fixtures(
    "data-like", name="Week 30", planner="pia", leads={"a": "lena"}, accounts=["pia", "lena"]
)


@pytest.fixture
def ctx(plan):
    context = DashboardContext(data_dir=str(plan.data_dir))
    yield context
    context.store.close()


def horizon_start(ctx, plan_id: str) -> date:
    return date.fromisoformat(str(plans.get_plan(ctx.store, plan_id).dataset.end)[:10]) + timedelta(
        days=7
    )


def shown(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json())


def items_of(report) -> list[str]:
    """The texts of the report's list items (`like.created_like`)."""
    found: list[str] = []

    def walk(component) -> None:
        if isinstance(component, html.Li):
            found.append(str(component.children))
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if hasattr(child, "to_plotly_json"):
                walk(child)

    walk(report)
    return found


def form(**changed):
    """The create form as `create.FORM` sends it, for the six-store file as detected."""
    values = {
        "name": "Week 31",
        "horizon": 6,
        "team": "StoreType",
        "model": "snaive",
        "id_cols": ["Store"],
        "date_col": "Date",
        "value_col": "Sales",
        "freq": "W",
        "currency": "EUR",
        "week_dates": "start",
        "decimal": "",
    } | changed
    return list(values.values())


def create_like(ctx, tmp_path, rossmann_train, like_id, form_values, user=OWNER, stores=()):
    """Press Create plan with the six stores' file (and `stores`) uploaded, no store table, as
    `user`; the page's answer, and whether the upload is still kept."""
    sales = pd.read_csv(rossmann_train)
    content = sales[sales["Store"].isin([*SIX_STORES, *stores])].to_csv(index=False).encode()
    with acting_as(ctx.store, user):
        file = {"token": uploads.save(ctx, content, "rossmann_6stores.csv"), "filename": "r.csv"}
        said = create.create_plan(ctx, lambda _: None, 1, file, None, True, like_id, *form_values)
        try:
            uploads.resolve(ctx, file)
            kept = True
        except NotFound:
            kept = False
    return said, kept


def test_the_earlier_plans_offered_are_those_the_person_owns_newest_first(
    ctx, plan, tmp_path, rossmann_train
):
    source = six_store_csv(rossmann_train, tmp_path / "rossmann_6stores.csv")
    while utc_now() <= plans.get_plan(ctx.store, plan.plan_id).created_at:
        time.sleep(0.05)  # plans are stamped to the second: the newer one is a second later
    newer = plan_like.create_plan_like(
        ctx.store, name="Week 31", source=source, like=plan.plan_id, actor=OWNER
    ).plan
    with acting_as(ctx.store, OWNER):
        offered = like.like_options(ctx, 1)
    summaries = {s.plan_id: s for s in plans.list_plans(ctx.store)}
    assert [o["value"] for o in offered] == [newer.plan_id, plan.plan_id]
    assert offered[1]["label"] == plan_label(summaries[plan.plan_id])
    with acting_as(ctx.store, "stranger"):
        assert like.like_options(ctx, 1) == []
    with acting_as(ctx.store, "lena"):  # leads a team: sees the plans, may not copy their members
        assert like.like_options(ctx, 1) == []


def test_picking_an_earlier_plan_fills_the_form_with_its_settings(ctx, plan):
    currencies = [{"label": "USD", "value": "USD"}]
    with acting_as(ctx.store, OWNER):
        picked = like.fill(ctx, plan.plan_id, ids.DATA_LIKE, [], currencies)
        after_read = like.fill(ctx, plan.plan_id, ids.DATA_FILE_READ, [], currencies)
        cleared = like.fill(ctx, None, ids.DATA_LIKE, [], currencies)
    state = plans.get_plan(ctx.store, plan.plan_id)
    filled = dict(
        zip([f"{o.component_id}.{o.component_property}" for o in like.FILLED], picked, strict=True)
    )
    assert filled[f"{ids.DATA_HORIZON}.value"] == state.horizon == 6
    assert filled[f"{ids.DATA_TEAM_ATTR}.value"] == "StoreType"
    assert filled[f"{ids.DATA_TEAM_ATTR}.options"] == [
        {"label": "StoreType (as in 'Week 30')", "value": "StoreType"}
    ]
    assert filled[f"{ids.DATA_MODEL}.value"] == state.baseline.model
    assert filled[f"{ids.DATA_CURRENCY}.value"] == state.currency
    assert filled[f"{ids.DATA_MAP_FREQ}.value"] == "W"
    assert filled[f"{ids.DATA_CURRENCY_SET}.data"] is None  # the file's sign no longer changes it
    assert "settings of 'Week 30'" in filled[f"{ids.DATA_LIKE_HINT}.children"]
    reread = dict(zip(filled, after_read, strict=True))
    assert reread[f"{ids.DATA_TEAM_ATTR}.value"] == "StoreType"  # a read put its own guess there
    assert reread[f"{ids.DATA_HORIZON}.value"] is no_update
    assert reread[f"{ids.DATA_MODEL}.value"] is no_update  # a read leaves the model as chosen
    assert cleared[:-1] == (no_update,) * (len(like.FILLED) - 1) and cleared[-1] is None


def test_a_plan_the_person_may_not_see_fills_nothing_and_says_so(ctx, plan):
    with acting_as(ctx.store, "stranger"):
        refused = like.fill(ctx, plan.plan_id, ids.DATA_LIKE, [], [])
    assert refused[:-1] == (no_update,) * (len(like.FILLED) - 1)
    assert "not one of the plans you own" in shown(refused[-1])


def test_an_earlier_plan_sent_as_no_id_fills_nothing_and_says_so(ctx, plan):
    for sent in ([plan.plan_id], {"plan_id": plan.plan_id}):
        with acting_as(ctx.store, OWNER):
            refused = like.fill(ctx, sent, ids.DATA_LIKE, [], [])
        assert refused[:-1] == (no_update,) * (len(like.FILLED) - 1)
        assert "not one of the plans you own" in shown(refused[-1])


def test_a_setting_left_as_the_earlier_plan_has_it_is_taken_from_it_a_changed_one_given():
    theirs = {"horizon": 6, "freq": "W", "team_attr": "StoreType", "threshold": 0.25}
    request = {"name": "Week 31", "horizon": 8, "freq": "W", "team_attr": "StoreType"}
    assert like.like_request(request, theirs) == {
        "name": "Week 31",
        "horizon": 8,
        "freq": None,
        "team_attr": None,
    }


def test_create_like_an_earlier_plan_carries_its_event_and_says_what_it_took(
    ctx, plan, tmp_path, rossmann_train
):
    first = horizon_start(ctx, plan.plan_id)
    system.add_event(
        ctx.store, plan.plan_id, OWNER, name="Flyer", kind="promotion", start=first,
        end=first + timedelta(days=6), effect="percent", value=10, reason="flyer",
    )  # fmt: skip
    system.add_event(
        ctx.store, plan.plan_id, OWNER, name="Late sale", kind="promotion",
        start=first + timedelta(days=28), end=first + timedelta(days=41), effect="percent",
        value=5,
    )  # fmt: skip
    (said, session), kept = create_like(
        ctx, tmp_path, rossmann_train, plan.plan_id, form(horizon=5)
    )

    text = shown(said)
    assert "created like 'Week 30'" in text, text
    made = plans.get_plan(ctx.store, session["plan_id"])
    assert not kept  # the plan holds the data now
    assert made.horizon == 5 and made.team_attr == "StoreType"
    assert [e.name for e in system.events_of(made)] == ["Flyer", "Late sale"]
    assert "Events carried as they were: E1 'Flyer'" in text
    assert "Events clipped to the new horizon: E2 'Late sale'" in text
    assert "Members copied: lena as lead of team a, pia as planner" in text
    assert "team dimension StoreType; periods weeks (Monday to Sunday)" in text
    assert "horizon 6" not in text  # given again: not taken
    assert "store table columns" in text  # the file had none: the earlier plan's were taken


def test_a_refused_plan_like_says_why_with_the_fix_and_makes_nothing(
    ctx, plan, tmp_path, rossmann_train
):
    before = len(plans.list_plans(ctx.store))
    (as_lead, *_), _ = create_like(ctx, tmp_path, rossmann_train, plan.plan_id, form(), user="lena")
    (as_stranger, *_), _ = create_like(
        ctx, tmp_path, rossmann_train, plan.plan_id, form(), user="stranger"
    )
    (new_store, *_), kept = create_like(
        ctx, tmp_path, rossmann_train, plan.plan_id, form(), stores=[57]
    )

    assert "not one of the plans you own" in shown(as_lead)
    assert "not one of the plans you own" in shown(as_stranger)
    assert "Week 30" not in shown(as_stranger)
    assert "1 series of the file are not in plan" in shown(new_store)
    assert "drop a series attributes file (e.g. a store table)" in shown(new_store)
    assert kept  # the file stays for another try with the store table
    assert len(plans.list_plans(ctx.store)) == before


def test_a_file_mapped_to_other_columns_than_the_earlier_plans_is_pointed_out(ctx, plan):
    state = plans.get_plan(ctx.store, plan.plan_id)
    theirs = like.form_of(state)
    same = like.fill_hint(state, theirs, (["Store"], "Date", "Sales"))
    other = like.fill_hint(state, theirs, (["Shop"], "Day", "Units"))
    before_read = like.fill_hint(state, theirs, (None, None, None))
    assert "check Column mapping" not in same and "check Column mapping" not in before_read
    assert "series key Store, date Date and sales Sales" in other
    assert "this file is mapped to Shop, Day and Units: check Column mapping" in other


def test_what_a_plan_like_another_does_not_carry_is_said_with_the_page_that_sets_it(ctx, plan):
    negotiation.set_goal(ctx.store, plan.plan_id, OWNER, ratio="1.1")
    origin = plans.get_plan(ctx.store, plan.plan_id)
    notes = plan_like.not_carried(ctx.store, origin, origin)
    worded = [like.note_text(note) for note in notes]
    assert worded and not any("forecast plan" in note for note in worded)
    assert any("'Set goal' on the Negotiation page" in note for note in worded)


def test_the_report_says_not_carried_once_for_each_thing_left_behind(ctx, plan):
    negotiation.set_goal(ctx.store, plan.plan_id, OWNER, ratio="1.1")
    origin = plans.get_plan(ctx.store, plan.plan_id)
    made = plan_like.PlanLike(
        plan=origin,
        like=origin.plan_id,
        taken={},
        not_carried=plan_like.not_carried(ctx.store, origin, origin),
    )
    report = like.created_like(made, "Week 30")
    (goal,) = [item for item in items_of(report) if "goal" in item]
    assert goal.startswith("The goal not carried: the negotiation starts again"), goal
    assert goal.lower().count("not carried") == 1, goal


def test_a_read_again_keeps_the_horizon_currency_and_frequency_the_person_changed(ctx, plan):
    with acting_as(ctx.store, OWNER):
        again = like.fill(ctx, plan.plan_id, ids.DATA_FILE_READ, [], [])
        new_file = like.fill(ctx, plan.plan_id, ids.DATA_FILE, [], [])
        removed = like.fill(ctx, plan.plan_id, None, [], [])
    names = [f"{o.component_id}.{o.component_property}" for o in like.FILLED]
    again_filled = dict(zip(names, again, strict=True))
    new_filled = dict(zip(names, new_file, strict=True))
    for field in (ids.DATA_HORIZON, ids.DATA_MAP_FREQ, ids.DATA_CURRENCY):
        assert again_filled[f"{field}.value"] is no_update, field
    assert again_filled[f"{ids.DATA_CURRENCY_SET}.data"] is no_update
    assert again_filled[f"{ids.DATA_TEAM_ATTR}.value"] == "StoreType"
    # a new file's read puts its own horizon and frequency in: the earlier plan's come back
    assert new_filled[f"{ids.DATA_HORIZON}.value"] == 6
    assert new_filled[f"{ids.DATA_HORIZON_OFFERED}.data"] is None  # the planner's, not offered
    assert new_filled[f"{ids.DATA_MAP_FREQ}.value"] == "W"
    assert new_filled[f"{ids.DATA_CURRENCY}.value"] is no_update
    assert removed == (no_update,) * len(like.FILLED)


def test_a_team_cleared_or_frequency_on_automatic_is_given_as_none_not_taken(
    ctx, plan, tmp_path, rossmann_train
):
    theirs = {"team_attr": "StoreType", "freq": "W"}
    assert like.like_request({"team_attr": None, "freq": None}, theirs) == {
        "team_attr": "",
        "freq": "",
    }
    (said, session), _ = create_like(
        ctx, tmp_path, rossmann_train, plan.plan_id, form(team=None, freq="")
    )

    made = plans.get_plan(ctx.store, session["plan_id"])
    assert made.team_attr is None
    assert "team dimension" not in shown(said) and "periods weeks" not in shown(said)


def test_the_goal_not_carried_is_set_again_against_the_earlier_plans_basis(ctx, plan):
    negotiation.set_goal(ctx.store, plan.plan_id, OWNER, ratio="1.1", basis="system_plan")
    origin = plans.get_plan(ctx.store, plan.plan_id)
    (note,) = [
        n
        for n in plan_like.not_carried(ctx.store, origin, origin)
        if n.fix == LikeFix.SET_GOAL_AGAIN
    ]
    goal = note.text(LIKE_FIXES)

    assert f"`forecast plan goal {origin.plan_id} --ratio 1.1 --basis system_plan`" in goal
    assert "--spread-by" not in goal  # spread by the system plan, as a goal is unless told
    assert "set the goal against the system plan with 'Set goal'" in like.note_text(note)


def test_a_team_without_a_lead_is_said_with_the_page_that_names_one():
    note = LikeNote(
        "team Metro (new: not in plan p1) has no lead, so nobody can claim for it:",
        LikeFix.NAME_LEAD,
        {"plan": "p2", "team": "Metro"},
    )
    assert note.text(LIKE_FIXES) == (
        "team Metro (new: not in plan p1) has no lead, so nobody can claim for it: name one "
        "with `forecast plan grant p2 USER --role lead --team Metro`"
    )
    assert like.as_sentence(like.note_text(note)) == (
        "Team Metro (new: not in plan p1) has no lead, so nobody can claim for it: name one "
        "under Members on the Plans page."
    )


def test_the_page_and_the_cli_word_the_same_notes_of_a_plan_made_like_another(ctx, plan):
    """The service says what a plan made like another leaves behind once (`LikeNote`: the facts
    and a fix key); the CLI words the fix as a command, the Data page as its page and button,
    never a command or an option."""
    import re

    from dashboard.fix_hints import PAGE_LIKE_FIXES

    negotiation.set_goal(ctx.store, plan.plan_id, OWNER, ratio="1.1", basis="system_plan")
    origin = plans.get_plan(ctx.store, plan.plan_id)
    facts = {
        "plan": "p2",
        "team": "Metro",
        "event_id": "E3",
        "days": "2015-06-22..2015-06-28",
        "per_period": True,
        "ratio": None,
        "basis": "baseline",
        "spread_by": "target",
        "against": "against the baseline, spread by the target",
    }
    notes = plan_like.not_carried(ctx.store, origin, origin)
    notes += [LikeNote(f"{key} left behind:", key, facts) for key in LikeFix]
    assert set(LIKE_FIXES) == set(PAGE_LIKE_FIXES) == set(LikeFix)
    flag = re.compile(r"(?<![\w-])--[a-z]|`")
    for note in notes:
        cli, page = note.text(LIKE_FIXES), like.note_text(note)
        assert cli.startswith(note.what) and page.startswith(note.what), (cli, page)
        assert "`forecast plan " in cli, cli
        assert "forecast plan" not in page and not flag.search(page), page
