"""The weekly rerun: `forecast plan create FILE --name NEW --like OLD` makes a plan of a longer
sales file like last week's (services.plan_like): OLD's settings where none are given again, its
members, and its events still inside the new horizon (clipped to it, or left out, and said)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app as cli
from forecast.cli.conventions import EXIT_REFUSED
from forecast.cli.fix_hints import LIKE_FIXES
from forecast.overrides import Scope
from forecast.services import plan_create, plan_like, plan_members, plans, system
from forecast.services.errors import Forbidden, Invalid
from forecast.services.like_notes import LikeFix, LikeNote
from forecast.services.store_factory import open_store
from tests.fixtures import OWNER, SIX_STORES

runner = CliRunner()

# Last week's file ends with the week of 2015-05-25: its plan's horizon is the six weeks
# 2015-06-01..2015-07-12. This week's ends three weeks later: 2015-06-22..2015-08-02.
LAST_WEEK_END = "2015-05-31"
THIS_WEEK_END = "2015-06-21"


@pytest.fixture(scope="module")
def files(tmp_path_factory, rossmann_train: Path) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("plan-like")
    sales = pd.read_csv(rossmann_train)
    sales = sales[sales["Store"].isin(SIX_STORES)]
    out = {"last": base / "sales_may.csv", "this": base / "sales_june.csv"}
    sales[sales["Date"] <= LAST_WEEK_END].to_csv(out["last"], index=False)
    sales[sales["Date"] <= THIS_WEEK_END].to_csv(out["this"], index=False)
    more = pd.read_csv(rossmann_train)
    more = more[more["Store"].isin([*SIX_STORES, 57]) & (more["Date"] <= THIS_WEEK_END)]
    out["new_store"] = base / "sales_june_new_store.csv"
    more.to_csv(out["new_store"], index=False)
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory, files, rossmann_stores: Path) -> Path:
    """Last week's plan "walmart-q3": teams by StoreType, 25 %, USD, snaive; anna leads team a,
    pia plans; four events (one before the new horizon, one across its start, two inside) and
    an explanation."""
    data_dir = tmp_path_factory.mktemp("plan-like-store") / "data"
    store = open_store(data_dir=data_dir)
    state = plan_create.create_plan(
        store,
        name="walmart-q3",
        source=files["last"],
        attributes_file=rossmann_stores,
        freq="W",
        horizon=6,
        team_attr="StoreType",
        actor=OWNER,
        model="snaive",
        threshold=0.25,
        currency="USD",
    )
    plan = state.plan_id
    plan_members.grant(store, plan, OWNER, "anna", "lead", team="a")
    plan_members.grant(store, plan, OWNER, "pia", "planner")
    every_series, store_type_a, store_52 = Scope(), Scope.parse(["StoreType=a"]), Scope(ids=("52",))
    for author, name, kind, scope, days, effect, value, reason in (
        (OWNER, "June flyer", "promotion", every_series, ("2015-06-01", "2015-06-07"), "percent", 10, "flyer"),
        (OWNER, "Midsummer", "festival", every_series, ("2015-06-15", "2015-06-28"), "percent", 5, "fair"),
        (OWNER, "July sale", "promotion", store_type_a, ("2015-07-06", "2015-07-12"), "percent", 60, "summer sale"),
        ("pia", "Shelf limit", "purchase_limit", store_52, ("2015-07-06", "2015-07-12"), "cap", 3000, "supplier"),
    ):  # fmt: skip
        system.add_event(
            store, plan, author, name=name, kind=kind, scope=scope, start=days[0], end=days[1],
            effect=effect, value=value, reason=reason,
        )  # fmt: skip
    system.explain(store, plan, OWNER, reason_code="promotion", text="the sale", event_id="E3")
    assert plans.get_plan(store, plan).explanations
    store.close()
    return data_dir


@pytest.fixture
def data_dir(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    copy.mkdir()
    for item in template.iterdir():
        if item.is_file() and item.name.startswith("forecast.db"):
            shutil.copy2(item, copy / item.name)
    return copy


def run(data_dir: Path, *args: str, user: str = OWNER):
    return runner.invoke(cli, [*args, "--as", user, "--data-dir", str(data_dir)])


def test_this_weeks_file_made_like_last_weeks_plan_takes_its_settings_members_and_events(
    data_dir: Path, files
):
    made = run(
        data_dir,
        "plan",
        "create",
        str(files["this"]),
        "--name",
        "w25",
        "--like",
        "walmart-q3",
        "--json",
    )
    assert made.exit_code == 0, made.output
    out = json.loads(made.stdout)
    store = open_store(data_dir=data_dir)
    old, new = plans.get_plan(store, "walmart-q3"), plans.get_plan(store, "w25")
    assert out["plan_id"] == new.plan_id and out["like"] == old.plan_id
    assert (new.team_attr, new.freq, new.horizon) == ("StoreType", old.freq, 6)
    assert (new.threshold, new.currency, new.baseline.model) == (0.25, "USD", "snaive")
    assert new.dataset.mapping["value_col"] == "Sales" and new.dataset.end == "2015-06-15"
    assert "StoreType" in out["taken"]["attribute_columns"]
    assert new.team_of("anna") == "a" and new.has_role("pia", "planner")
    assert new.has_role(OWNER, "owner")

    events = {e.event_id: e for e in system.events_of(new)}
    assert sorted(events) == ["E2", "E3", "E4"]
    assert (str(events["E2"].start), str(events["E2"].end)) == ("2015-06-22", "2015-06-28")
    assert (events["E4"].author, events["E4"].reason) == ("pia", "supplier")
    assert (events["E3"].author, events["E3"].reason) == (OWNER, "summer sale")
    assert [(e["event_id"], e["name"]) for e in out["events_left_out"]] == [("E1", "June flyer")]
    assert [(e["event_id"], e["name"]) for e in out["events_clipped"]] == [("E2", "Midsummer")]
    assert [e["event_id"] for e in out["events_carried"]] == ["E3", "E4"]
    assert new.explanations == []  # the deviations of the new baseline are new

    (created,) = plans.audit_log(store, new.plan_id)  # one row: made like the other
    assert f"like plan {old.plan_id}" in created.what
    assert created.after["like"] == old.plan_id
    copied = {e["event_id"]: e for e in created.after["events"]}
    assert copied["E4"] == {
        "event_id": "E4",
        "copied_from": old.plan_id,
        "author": "pia",
        "reason": "supplier",
    }
    added = system.add_event(
        store,
        new.plan_id,
        OWNER,
        name="Next",
        kind="other",
        start="2015-07-20",
        end="2015-07-26",
        effect="add",
        value=1,
    )
    assert added.event.event_id == "E5"  # the carried ids stay taken
    store.close()

    text = run(
        data_dir, "plan", "create", str(files["this"]), "--name", "w25b", "--like", "walmart-q3"
    )
    assert text.exit_code == 0, text.output
    assert "event E1 'June flyer' left out (2015-06-01..2015-06-07 is outside" in text.stdout
    assert "event E2 'Midsummer' clipped (2015-06-15..2015-06-28 to 2015-06-22" in text.stdout
    assert "members copied: anna as lead of team a, pia as planner" in text.stdout
    assert "team attribute StoreType" in text.stdout and "threshold 25 %" in text.stdout


def test_options_given_again_win_over_the_other_plans(data_dir: Path, files):
    store = open_store(data_dir=data_dir)
    made = plan_like.create_plan_like(
        store,
        name="w25",
        source=files["this"],
        like="walmart-q3",
        actor=OWNER,
        horizon=3,
        threshold=0.3,
        currency="EUR",
        team_attr="Promo2",
    )
    new = made.plan
    assert (new.horizon, new.threshold, new.currency, new.team_attr) == (3, 0.3, "EUR", "Promo2")
    assert "threshold" not in made.taken and made.taken["model"] == "snaive"
    assert not new.has_role("anna", "lead")  # team a of StoreType is no team of Promo2
    assert made.members_left_out == ["anna (lead of team a) left out: team a is not in this plan"]
    # a three-week horizon ends 2015-07-12: the July events are still inside it
    assert [e.event_id for e in made.of(plan_like.CARRIED)] == ["E3", "E4"]
    store.close()


def test_only_who_may_copy_the_other_plans_members_makes_a_plan_like_it(data_dir: Path, files):
    refused = run(
        data_dir,
        "plan",
        "create",
        str(files["this"]),
        "--name",
        "w25",
        "--like",
        "walmart-q3",
        user="pia",
    )
    assert refused.exit_code == EXIT_REFUSED
    assert "pia may not make a plan like this one" in refused.stderr
    store = open_store(data_dir=data_dir)
    with pytest.raises(Forbidden):
        plan_like.create_plan_like(
            store, name="w25", source=files["this"], like="walmart-q3", actor="stranger"
        )
    assert [s.name for s in plans.list_plans(store)] == ["walmart-q3"]
    store.close()


def test_a_series_the_other_plan_has_no_attributes_for_needs_an_attributes_file(
    data_dir: Path, files, rossmann_stores: Path
):
    store = open_store(data_dir=data_dir)
    with pytest.raises(Invalid, match=r"1 series of the file are not in plan \w+ \(e.g. 57\)"):
        plan_like.create_plan_like(
            store, name="w25", source=files["new_store"], like="walmart-q3", actor=OWNER
        )
    made = plan_like.create_plan_like(
        store,
        name="w25",
        source=files["new_store"],
        like="walmart-q3",
        actor=OWNER,
        attributes_file=rossmann_stores,
    )
    assert made.plan.dataset.n_series == 7 and "attribute_columns" not in made.taken
    store.close()


def test_a_taken_name_points_to_a_plan_made_like_it(data_dir: Path, files):
    refused = run(data_dir, "plan", "create", str(files["this"]), "--name", "walmart-q3")
    assert refused.exit_code == EXIT_REFUSED
    said = " ".join(refused.stderr.split())
    assert re.search(r"--like [0-9a-f]{8}`", said) and "new-version" in said  # the taken plan


def test_a_plan_made_like_another_says_what_it_starts_without_and_how_to_set_it_again(
    data_dir: Path, files
):
    from forecast.services import negotiation

    store = open_store(data_dir=data_dir)
    old = plans.get_plan(store, "walmart-q3")
    negotiation.set_goal(store, old.plan_id, OWNER, ratio="1.1")
    negotiation.claim(store, old.plan_id, "anna", "a", percent="3", note="second wave")

    made = plan_like.create_plan_like(
        store, name="w25", source=files["this"], like=old.plan_id, actor=OWNER
    )

    new = made.plan.plan_id
    explanations, negotiated = (note.text(LIKE_FIXES) for note in made.not_carried)
    assert f"{len(old.explanations)} explanation(s) not carried" in explanations
    assert f"forecast plan deviations {new}" in explanations
    assert negotiated.startswith("the goal and its 1 claim(s) not carried")
    assert f"forecast plan goal {new} --ratio 1.1" in negotiated
    assert made.to_dict(LIKE_FIXES)["not_carried"] == [explanations, negotiated]
    store.close()


def test_each_note_of_what_is_not_carried_has_facts_of_its_own(data_dir: Path):
    from forecast.services import negotiation

    store = open_store(data_dir=data_dir)
    negotiation.set_goal(store, "walmart-q3", OWNER, ratio="1.1")
    old = plans.get_plan(store, "walmart-q3")
    notes = plan_like.not_carried(store, old, old)  # the explanations' and the goal's
    store.close()

    assert len(notes) == 2
    with pytest.raises(TypeError):  # read-only: a face wording one cannot change another
        notes[0].facts["plan"] = "another"  # type: ignore[index]
    assert [n.facts["plan"] for n in notes] == [old.plan_id] * 2
    assert notes[0].facts is not notes[1].facts
    given = {"plan": "p1", "team": "a"}
    lead = LikeNote("team a has no lead:", LikeFix.NAME_LEAD, given)
    given["team"] = "b"
    assert lead.facts["team"] == "a"


def test_a_plan_made_like_one_without_goal_or_explanations_names_nothing_left_behind(
    data_dir: Path, files
):
    store = open_store(data_dir=data_dir)
    bare = plan_like.create_plan_like(
        store, name="w25", source=files["last"], like="walmart-q3", actor=OWNER
    )
    again = plan_like.create_plan_like(
        store, name="w26", source=files["this"], like=bare.plan.plan_id, actor=OWNER
    )

    assert again.not_carried == []
    store.close()


def test_the_value_added_of_a_carried_event_cites_the_row_that_carried_it(
    data_dir: Path, files, rossmann_train: Path
):
    from forecast.services import accuracy, actuals

    store = open_store(data_dir=data_dir)
    made = plan_like.create_plan_like(
        store, name="w25", source=files["this"], like="walmart-q3", actor=OWNER
    )
    sales = pd.read_csv(rossmann_train)
    sales = sales[sales["Store"].isin(SIX_STORES)]
    weeks = sales[(sales["Date"] >= "2015-06-22") & (sales["Date"] <= "2015-07-19")]
    actuals.upload_actuals(
        store, made.plan.plan_id, weeks.to_csv(index=False).encode(), filename="a.csv", actor=OWNER
    )

    touches = accuracy.fva(store, made.plan.plan_id).touches
    (created,) = plans.audit_log(store, made.plan.plan_id)[:1]
    carried = touches[touches["touch"].str.startswith("E3 ")]
    assert json.loads(carried["audit_ids"].iloc[0]) == [created.id]
    store.close()


def test_a_clipped_event_that_took_the_suggestion_says_its_value_is_the_old_windows(
    data_dir: Path, files
):
    store = open_store(data_dir=data_dir)
    old = plans.get_plan(store, "walmart-q3")
    took = system.add_event(
        store,
        old.plan_id,
        OWNER,
        name="Late flyer",
        kind="promotion",
        start="2015-06-15",
        end="2015-06-28",
        use_suggestion=True,
    ).event
    assert took is not None and took.suggested

    made = plan_like.create_plan_like(
        store, name="w25", source=files["this"], like=old.plan_id, actor=OWNER
    )

    (clipped,) = [e for e in made.of(plan_like.CLIPPED) if e.event_id == took.event_id]
    assert "the suggestion for 2015-06-15..2015-06-28" in clipped.said(LIKE_FIXES)
    assert (
        f"`forecast plan event edit {made.plan.plan_id} {took.event_id} --use-suggestion`"
        in clipped.said(LIKE_FIXES)
    )
    (typed,) = [e for e in made.of(plan_like.CLIPPED) if e.name == "Midsummer"]
    assert "--use-suggestion" not in typed.said(LIKE_FIXES)  # a typed value is the person's
    store.close()


def test_a_plan_made_like_another_names_its_new_teams_that_nobody_leads(data_dir: Path, files):
    store = open_store(data_dir=data_dir)
    same_teams = plan_like.create_plan_like(
        store, name="w25", source=files["this"], like="walmart-q3", actor=OWNER
    )
    regrouped = plan_like.create_plan_like(
        store, name="w25b", source=files["this"], like="walmart-q3", actor=OWNER, team_attr="Promo2"
    )

    # anna leads team a again; teams c and d had no lead before either: nothing to say
    assert same_teams.teams_without_lead == []
    old, new = plans.get_plan(store, "walmart-q3").plan_id, regrouped.plan.plan_id
    said = [note.text(LIKE_FIXES) for note in regrouped.teams_without_lead]
    assert said == [
        f"team {team} (new: not in plan {old}) has no lead, so nobody can claim for it: name one "
        f"with `forecast plan grant {new} USER --role lead --team {team}`"
        for team in ("0", "1")
    ]
    assert regrouped.to_dict(LIKE_FIXES)["teams_without_lead"] == said
    store.close()
