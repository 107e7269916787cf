"""Use cases of plans and the system track against the in-memory repository."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.cli.fix_hints import cli_message
from forecast.overrides import Scope
from forecast.services import plan_create, plan_members, plans, system
from forecast.services.errors import (
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    StaleVersion,
    WrongStage,
)
from forecast.store import MemoryStore

HISTORY_WEEKS = pd.date_range("2024-01-01", periods=40, freq="W-MON")
HORIZON_WEEKS = pd.date_range(HISTORY_WEEKS[-1] + pd.Timedelta(weeks=1), periods=6, freq="W-MON")
STORE_TYPES = {"1": "a", "2": "a", "3": "b", "4": "c"}


def make_history() -> pd.DataFrame:
    rows = []
    for uid in STORE_TYPES:
        for i, ds in enumerate(HISTORY_WEEKS):
            promo = float(i % 2)
            rows.append(
                {"unique_id": uid, "ds": ds, "y": 100.0 * (1.3 if promo else 1.0), "Promo": promo}
            )
    return pd.DataFrame(rows)


def make_baseline() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "unique_id": uid,
                "ds": ds,
                "baseline": 100.0,
                "baseline-lo-80": 80.0,
                "baseline-hi-80": 120.0,
                "model": "snaive",
            }
            for uid in STORE_TYPES
            for ds in HORIZON_WEEKS
        ]
    )


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan_id(store: MemoryStore) -> str:
    return new_plan(store)


def new_plan(store: MemoryStore, name: str = "autumn") -> str:
    """A six-week weekly plan of the four stores (teams by StoreType) on the made-up history."""
    attributes = pd.DataFrame(
        {"unique_id": list(STORE_TYPES), "StoreType": list(STORE_TYPES.values())}
    )
    state = plan_create.create_plan_from_frames(
        store,
        name=name,
        history=make_history(),
        attributes=attributes,
        freq="W-MON",
        horizon=6,
        team_attr="StoreType",
        actor="ann",
        baseline=make_baseline(),
    )
    return state.plan_id


def add_promo(store, plan_id, value=30.0, ids=("1",), **kw):
    return system.add_event(
        store,
        plan_id,
        kw.pop("actor", "ann"),
        name="Flyer",
        kind="promotion",
        scope=Scope(ids=ids),
        start=kw.pop("start", HORIZON_WEEKS[1].date()),
        end=kw.pop("end", (HORIZON_WEEKS[1] + pd.Timedelta(days=6)).date()),  # the whole week
        effect="percent",
        value=value,
        **kw,
    )


def test_creator_is_owner_and_planner_and_the_plan_reads_back(store, plan_id):
    state = plans.get_plan(store, plan_id)
    assert state.version == 1 and state.status == "draft"
    assert state.roles_of("ann") == ["owner", "planner"]
    assert state.dataset.flags == ["Promo"] and state.dataset.n_series == 4
    assert plans.get_plan(store, "autumn").plan_id == plan_id  # by name
    frames = plans.load_frames(store, plan_id)
    assert len(frames.baseline) == 24 and set(frames.attributes["StoreType"]) == {"a", "b", "c"}
    assert [s.plan_id for s in plans.list_plans(store)] == [plan_id]


def test_creating_with_an_unknown_team_dimension_names_the_attributes(store):
    with pytest.raises(Invalid, match="available: StoreType"):
        plan_create.create_plan_from_frames(
            store,
            name="x",
            history=make_history(),
            attributes=pd.DataFrame({"unique_id": list(STORE_TYPES), "StoreType": "a"}),
            freq="W-MON",
            horizon=6,
            team_attr="Region",
            actor="ann",
            baseline=make_baseline(),
        )
    assert store.list() == []


def test_adding_an_event_changes_the_system_plan_and_is_audited(store, plan_id):
    saved = add_promo(store, plan_id)
    assert saved.version == 2 and saved.event.event_id == "E1"
    frame = system.system_plan(store, plan_id)
    hit = frame.loc[(frame["unique_id"] == "1") & (frame["ds"] == HORIZON_WEEKS[1])].iloc[0]
    assert hit["system_plan"] == pytest.approx(130.0) and hit["events"] == "E1"
    teams = system.system_plan(store, plan_id, level="team")
    team_a = teams.loc[(teams["team"] == "a") & (teams["ds"] == HORIZON_WEEKS[1])].iloc[0]
    assert team_a["system_plan"] == pytest.approx(230.0)
    total = system.system_plan(store, plan_id, level="total")
    assert total["system_plan"].sum() == pytest.approx(4 * 6 * 100 + 30)
    last = plans.audit_log(store, plan_id)[-1]
    assert (last.actor, last.action, last.version) == ("ann", "add_event", 2)
    assert last.after["value"] == 30.0 and last.before is None


def test_a_promotion_records_the_learned_suggestion(store, plan_id):
    saved = add_promo(store, plan_id, value=25.0)
    assert saved.event.suggested["flag"] == "Promo"
    assert saved.event.suggested["value"] == pytest.approx(30.0, abs=0.5)
    assert saved.event.value == 25.0  # what the person chose


def test_use_suggestion_takes_the_learned_uplift(store, plan_id):
    saved = system.add_event(
        store,
        plan_id,
        "ann",
        name="Promo week",
        kind="promotion",
        scope=Scope.parse(["StoreType=a"]),
        start=HORIZON_WEEKS[0].date(),
        end=HORIZON_WEEKS[0].date(),
        use_suggestion=True,
    )
    assert saved.event.effect == "percent"
    assert saved.event.value == pytest.approx(30.0, abs=0.5)
    suggestion = system.suggest_uplift(store, plan_id, "promotion", Scope())
    assert suggestion is not None and suggestion.low <= suggestion.value <= suggestion.high
    assert system.suggest_uplift(store, plan_id, "purchase_limit", Scope()) is None


@pytest.mark.parametrize(
    ("changes", "words", "error"),
    [
        # a team or series the plan does not have is not found, like a plan or an event
        ({"scope": Scope.parse(["StoreType=z"])}, "valid values: a, b, c", NotFound),
        ({"scope": Scope(ids=("99",))}, "unknown series", NotFound),
        ({"start": "2023-01-01", "end": "2023-01-07"}, "outside the plan's horizon", Invalid),
        ({"effect": "cap", "value": -5.0}, "cap must be 0 or more", Invalid),
        ({"effect": "percent", "value": -120.0}, "below -100", Invalid),
        ({"name": ""}, "needs a name", Invalid),
        ({"start": "not a date"}, "not a date", Invalid),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(store, plan_id, changes, words, error):
    args = {
        "name": "x",
        "kind": "promotion",
        "scope": Scope(),
        "start": HORIZON_WEEKS[0].date(),
        "end": HORIZON_WEEKS[0].date(),
        "effect": "percent",
        "value": 10.0,
    } | changes
    with pytest.raises(error, match=words):
        system.add_event(store, plan_id, "ann", **args)
    assert plans.get_plan(store, plan_id).version == 1
    assert len(plans.audit_log(store, plan_id)) == 1


def test_edit_and_remove_event(store, plan_id):
    add_promo(store, plan_id)
    edited = system.edit_event(store, plan_id, "ann", "E1", effect="cap", value=50.0)
    assert edited.event.effect == "cap" and edited.version == 3
    assert plans.audit_log(store, plan_id)[-1].before["effect"] == "percent"
    system.remove_event(store, plan_id, "ann", "E1")
    assert system.list_events(store, plan_id) == []
    with pytest.raises(NotFound, match="no event 'E1'"):
        system.remove_event(store, plan_id, "ann", "E1")


def test_only_planners_edit_events_and_only_owners_publish(store, plan_id):
    plan_members.grant(store, plan_id, "ann", "lee", "lead", team="a")
    with pytest.raises(Forbidden, match="planner role"):
        add_promo(store, plan_id, actor="lee")
    plan_members.grant(store, plan_id, "ann", "pat", "planner")
    add_promo(store, plan_id, actor="pat", value=5.0)
    with pytest.raises(Forbidden, match="owner role"):
        system.publish(store, plan_id, "pat")
    with pytest.raises(NotFound, match="no team 'z'"):
        plan_members.grant(store, plan_id, "ann", "lee", "lead", team="z")


def test_stale_version_names_who_changed_what(store, plan_id):
    add_promo(store, plan_id)  # version 2
    with pytest.raises(StaleVersion, match=r"version 2 by ann.*add event E1 'Flyer'"):
        add_promo(store, plan_id, value=10.0, expected_version=1)
    assert len(system.list_events(store, plan_id)) == 1


def test_a_stale_edit_after_many_changes_names_the_last_few_in_a_readable_message(store, plan_id):
    for value in range(1, 31):
        add_promo(store, plan_id, value=float(value))
    with pytest.raises(StaleVersion) as stale:
        add_promo(store, plan_id, value=99.0, expected_version=1)
    message = str(stale.value)
    assert "25 earlier change(s), then" in message and "add event E30" in message
    assert "add event E3 " not in message and len(message) < 1500


def test_gate_blocks_publish_until_explained_then_plan_is_read_only(store, plan_id):
    add_promo(store, plan_id, value=50.0, ids=("1", "2"))
    marked = system.deviations(store, plan_id)
    # two series cells and the team a total in week 1
    assert sorted(zip(marked["level"], marked["key"], strict=True)) == [
        ("series", "1"),
        ("series", "2"),
        ("team", "a"),
    ]
    with pytest.raises(
        Invalid, match=r"3 deviation\(s\) above 20 % have no explanation"
    ) as refused:
        system.publish(store, plan_id, "ann")
    assert "series 1" in str(refused.value) and "team a" in str(refused.value)
    assert plans.get_plan(store, plan_id).status == "draft"

    one = system.explain(
        store,
        plan_id,
        "ann",
        level="series",
        key="1",
        ds=HORIZON_WEEKS[1].date(),
        reason_code="promotion",
        text="flyer in all stores",
    )
    assert one.explained == 1
    rest = system.explain(
        store,
        plan_id,
        "ann",
        event_id="E1",
        reason_code="promotion",
        text="flyer",
    )
    assert rest.explained == 2
    assert system.unexplained(store, plan_id).empty
    published = system.publish(store, plan_id, "ann")
    assert published.plan.status == "published" and published.plan.published_by == "ann"
    with pytest.raises(Locked, match="read-only") as refused:
        add_promo(store, plan_id, value=5.0)
    assert f"`forecast plan new-version {plan_id}`" in cli_message(refused.value)
    with pytest.raises(Locked):
        system.set_threshold(store, plan_id, "ann", 0.3)

    copy = system.new_version(store, plan_id, "ann")
    assert copy.status == "draft" and copy.parent_id == plan_id and copy.version == 1
    assert len(copy.events) == 1
    add_promo(store, copy.plan_id, value=5.0, ids=("3",))
    assert len(system.list_events(store, plan_id)) == 1  # the published plan did not change


def test_explaining_a_cell_that_is_not_marked_is_refused(store, plan_id):
    add_promo(store, plan_id, value=50.0)
    with pytest.raises(
        Invalid, match="its marked periods: " + HORIZON_WEEKS[1].strftime("%Y-%m-%d")
    ):
        system.explain(
            store,
            plan_id,
            "ann",
            level="series",
            key="1",
            ds=HORIZON_WEEKS[0].date(),
            reason_code="promotion",
            text="x",
        )
    with pytest.raises(Invalid, match="unknown reason code"):
        system.explain(store, plan_id, "ann", event_id="E1", reason_code="vibes", text="x")


def test_editing_an_event_reopens_its_explanations(store, plan_id):
    add_promo(store, plan_id, value=50.0)
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")
    assert system.unexplained(store, plan_id).empty
    system.edit_event(store, plan_id, "ann", "E1", value=90.0, effect="percent")
    marked = system.deviations(store, plan_id)
    assert marked["outdated"].all() and not marked["explained"].any()


def test_threshold_changes_what_is_marked(store, plan_id):
    add_promo(store, plan_id, value=15.0)
    assert system.deviations(store, plan_id).empty
    system.set_threshold(store, plan_id, "ann", 0.1)
    assert len(system.deviations(store, plan_id)) == 1  # series 1; team a is +7.5 %
    with pytest.raises(Invalid, match="fraction"):
        system.set_threshold(store, plan_id, "ann", 20)


@pytest.mark.slow  # a real ETS re-forecast
def test_mark_factor_reforecasts_only_the_marked_series(store, plan_id):
    before = plans.load_frames(store, plan_id).baseline
    saved = system.mark_factor(
        store,
        plan_id,
        "ann",
        name="became a hit",
        scope=Scope(ids=("3",)),
        start=HISTORY_WEEKS[30].date(),
    )
    assert saved.factor is not None
    assert saved.factor.factor_id == "F1" and saved.factor.n_series == 1
    assert saved.factor.model == "ets"  # the plan's seasonal naive would ignore the marker
    after = plans.load_frames(store, plan_id).baseline
    untouched = after.loc[after["unique_id"] != "3"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        untouched,
        before.loc[before["unique_id"] != "3"].reset_index(drop=True),
        check_dtype=False,
    )
    comparison = system.factor_comparison(store, plan_id, "F1")
    assert set(comparison["unique_id"]) == {"3"} and len(comparison) == 6
    np.testing.assert_allclose(comparison["before"], 100.0)
    history = plans.load_frames(store, plan_id).history
    marker = history.loc[history["unique_id"] == "3", "factor_F1"]
    assert marker.iloc[:30].eq(0).all() and marker.iloc[30:].eq(1).all()
    assert plans.audit_log(store, plan_id)[-1].action == "mark_factor"
    with pytest.raises(Invalid, match="inside the history"):
        system.mark_factor(store, plan_id, "ann", name="x", scope=Scope(), start="2030-01-01")


def test_a_marked_factor_lifts_the_reforecast_to_the_new_level():
    """A series that jumped from 100 to 300 three weeks before the end of its history."""
    store = MemoryStore()
    weeks = pd.date_range("2022-01-03", periods=110, freq="W-MON")
    rng = np.random.default_rng(1)
    history = pd.DataFrame(
        [
            {
                "unique_id": uid,
                "ds": d,
                "y": (300.0 if uid == "1" and i >= 107 else 100.0) + rng.normal(0, 5),
            }
            for uid in ("1", "2")
            for i, d in enumerate(weeks)
        ]
    )
    attributes = pd.DataFrame({"unique_id": ["1", "2"], "Category": ["x", "y"]})
    state = plan_create.create_plan_from_frames(
        store,
        name="hit",
        history=history,
        attributes=attributes,
        freq="W-MON",
        horizon=4,
        team_attr="Category",
        actor="ann",
        model="snaive",
    )
    system.mark_factor(
        store, state.plan_id, "ann", name="hit", scope=Scope(ids=("1",)), start=weeks[107].date()
    )
    comparison = system.factor_comparison(store, state.plan_id, "F1")
    assert comparison["before"].mean() < 150  # last year's values: the model never saw the jump
    assert comparison["after"].mean() == pytest.approx(300, rel=0.1)
    # the same model without the marker is kept too, to separate model and factor
    assert comparison["without_factor"].notna().all() and len(comparison) == 4


def test_several_cells_are_explained_in_one_change(store, plan_id):
    add_promo(store, plan_id, value=50.0, ids=("1", "2"))
    week = HORIZON_WEEKS[1].strftime("%Y-%m-%d")
    saved = system.explain(
        store,
        plan_id,
        "ann",
        reason_code="promotion",
        text="flyer",
        cells=[("series", "1", week), ("team", "a", week)],
    )
    assert saved.explained == 2 and saved.version == 3
    left = system.unexplained(store, plan_id)
    assert list(zip(left["level"], left["key"], strict=True)) == [("series", "2")]
    with pytest.raises(Invalid, match="no marked deviation to explain: series 3"):
        system.explain(
            store, plan_id, "ann", reason_code="promotion", text="x", cells=[("series", "3", week)]
        )


def test_roles_can_still_be_granted_on_a_published_plan_but_not_on_an_agreed_one(store, plan_id):
    system.publish(store, plan_id, "ann")  # no events: nothing to explain
    plan_members.grant(
        store, plan_id, "ann", "lee", "lead", team="a"
    )  # negotiation follows publishing
    assert plans.get_plan(store, plan_id).team_of("lee") == "a"

    def agree(s):
        s.status = "agreed"
        return "agree", None, None

    plans.change_plan(store, plan_id, actor="ann", action="lock", mutate=agree, allow_locked=True)
    with pytest.raises(Locked):
        plan_members.grant(store, plan_id, "ann", "kim", "planner")


def test_any_day_of_a_period_names_that_period_when_explaining(store, plan_id):
    add_promo(store, plan_id, value=50.0)
    midweek = (HORIZON_WEEKS[1] + pd.Timedelta(days=3)).date()
    saved = system.explain(
        store,
        plan_id,
        "ann",
        level="series",
        key="1",
        ds=midweek,
        reason_code="promotion",
        text="flyer",
    )
    assert saved.explained == 1
    assert saved.plan.explanations[0]["ds"] == HORIZON_WEEKS[1].strftime("%Y-%m-%d")


def test_explaining_with_a_bad_date_is_a_clear_error(store, plan_id):
    add_promo(store, plan_id, value=50.0)
    for extra in ({"level": "series", "key": "1"}, {"event_id": "E1"}):
        with pytest.raises(Invalid, match="not a date"):
            system.explain(
                store, plan_id, "ann", reason_code="promotion", text="x", ds="someday", **extra
            )


def test_creating_a_plan_reports_progress_per_batch_of_series_fitted(store):
    reports: list[tuple[float, str]] = []
    plan_create.create_plan_from_frames(
        store,
        name="with progress",
        history=make_history(),
        attributes=pd.DataFrame({"unique_id": list(STORE_TYPES), "team": "all"}),
        freq="W-MON",
        horizon=6,
        team_attr="team",
        actor="ann",
        model="snaive",
        progress=lambda fraction, message: reports.append((fraction, message)),
    )
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("4 of 4 series fitted" in message for _, message in reports)


def test_the_learned_uplift_is_reused_per_plan_and_never_mixed_up(store, plan_id):
    history = make_history()
    history["y"] = np.where(history["Promo"] > 0, 150.0, 100.0)
    other = plan_create.create_plan_from_frames(
        store,
        name="other promo history",
        history=history,
        attributes=pd.DataFrame(
            {"unique_id": list(STORE_TYPES), "StoreType": list(STORE_TYPES.values())}
        ),
        freq="W-MON",
        horizon=6,
        team_attr="StoreType",
        actor="ann",
        baseline=make_baseline(),
    )
    for _ in range(2):
        first = system.suggest_uplift(store, plan_id, "promotion")
        second = system.suggest_uplift(store, other.plan_id, "promotion")
        assert first is not None and first.value == pytest.approx(30.0)
        assert second is not None and second.value == pytest.approx(50.0)
    scoped = system.suggest_uplift(store, plan_id, "promotion", Scope(ids=("1",)))
    assert scoped is not None and scoped.n_series == 1


def test_an_event_date_of_megabytes_is_refused_without_parsing_it(store, plan_id):
    with pytest.raises(Invalid, match="is not a date; use YYYY-MM-DD"):
        system.add_event(
            store,
            plan_id,
            "ann",
            name="x",
            kind="promotion",
            start="2" * 5_000_000,
            end=HORIZON_WEEKS[0].date(),
            effect="percent",
            value=5.0,
        )
    assert system.list_events(store, plan_id) == []


def test_taking_out_last_years_holiday_reverses_its_learned_effect_where_it_is_repeated():
    # the held-out demo's "No Whit Monday": -6.6 % learned, every cell repeats last year's
    whole = system.FlagInBaseline("StateHoliday", 1.0, 100, -6.6, 0.0, 100)
    assert whole.taken_out == pytest.approx(7.1)  # 1 / (1 - 0.066) - 1
    # half the snaive cells had it, and they are half the scope: a quarter of +7.07 %
    part = system.FlagInBaseline("StateHoliday", 0.5, 50, -6.6, -5.0, 100)
    assert part.taken_out == pytest.approx(1.8)
    assert system.FlagInBaseline("Promo", 0.5, 10, -100.0, -50.0, 10).taken_out == 0.0


def test_an_event_over_part_of_a_week_counts_in_the_share_of_days_it_covers(store, plan_id):
    monday = HORIZON_WEEKS[1]
    part = add_promo(
        store, plan_id, value=35.0, start=monday + pd.Timedelta(days=3),
        end=monday + pd.Timedelta(days=8),
    )  # fmt: skip
    assert part.note is not None
    assert f"{monday.date()}..{(monday + pd.Timedelta(days=6)).date()} (4 of 7 days)" in part.note
    assert "(2 of 7 days)" in part.note and "in that share of its effect" in part.note
    frame = system.system_plan(store, plan_id).set_index(["unique_id", "ds"])
    # +35 % over 4 of 7 days is +20 %, over 2 of 7 days +10 %: the uplift of 6 days in all
    assert frame.loc[("1", HORIZON_WEEKS[1]), "system_plan"] == pytest.approx(120.0)
    assert frame.loc[("1", HORIZON_WEEKS[2]), "system_plan"] == pytest.approx(110.0)
    whole = system.edit_event(
        store, plan_id, "ann", part.event.event_id, start=monday.date(),
        end=(monday + pd.Timedelta(days=6)).date(),
    )  # fmt: skip
    assert whole.note is None
    assert system.system_plan(store, plan_id).set_index(["unique_id", "ds"]).loc[
        ("1", HORIZON_WEEKS[1]), "system_plan"
    ] == pytest.approx(135.0)


def test_an_event_stored_before_days_were_counted_still_counts_whole_periods(store, plan_id):
    from forecast.overrides import PERIODS

    saved = add_promo(store, plan_id, value=35.0, end=HORIZON_WEEKS[1].date())  # one day
    assert system.system_plan(store, plan_id).set_index(["unique_id", "ds"]).loc[
        ("1", HORIZON_WEEKS[1]), "system_plan"
    ] == pytest.approx(105.0)

    def as_stored_before(s):
        s.events = [{k: v for k, v in e.items() if k != "counts"} for e in s.events]
        return "stored before days were counted", None, None

    plans.change_plan(store, plan_id, actor="ann", action="edit_event", mutate=as_stored_before)
    (legacy,) = system.list_events(store, plan_id)
    assert legacy.counts == PERIODS and legacy.event_id == saved.event.event_id
    assert "whole periods" in legacy.describe(currency=None)
    assert system.system_plan(store, plan_id).set_index(["unique_id", "ds"]).loc[
        ("1", HORIZON_WEEKS[1]), "system_plan"
    ] == pytest.approx(135.0)


def test_explaining_an_explained_cell_again_says_whose_explanation_it_replaces(store, plan_id):
    add_promo(store, plan_id, value=50.0)
    week = HORIZON_WEEKS[1].strftime("%Y-%m-%d")
    cell = [("series", "1", week)]
    first = system.explain(store, plan_id, "ann", reason_code="promotion", text="flyer", cells=cell)
    assert first.note is None
    again = system.explain(store, plan_id, "ann", reason_code="festival", text="fair", cells=cell)
    assert again.note == "this replaces the explanation by ann (promotion: 'flyer')"
    entry = plans.audit_log(store, plan_id)[-1]
    assert "replacing the explanation by ann" in entry.what
    assert entry.before[0]["text"] == "flyer"  # the audit log keeps what was replaced


def test_an_explanation_reads_back_after_later_edits_and_the_plan_follows_its_events(
    store, plan_id
):
    """An explanation stays what was written through later edits (another explanation, a new
    threshold); the system plan after edits that leave the events as they were is the plan's,
    and an event added later shows in it and in the gate."""
    add_promo(store, plan_id, value=50.0, ids=("1", "2"))
    week = HORIZON_WEEKS[1]
    before = system.system_plan(store, plan_id)
    system.explain(
        store, plan_id, "ann", reason_code="promotion", text="flyer", cells=[("series", "1", week)]
    )
    system.explain(
        store, plan_id, "ann", reason_code="festival", text="fair", cells=[("team", "a", week)]
    )
    system.set_threshold(store, plan_id, "ann", 0.25)

    marked = system.deviations(store, plan_id).set_index(["level", "key"])
    assert marked.loc[("series", "1"), ["explained", "reason_code", "text", "author"]].tolist() == [
        True, "promotion", "flyer", "ann",
    ]  # fmt: skip
    assert marked.loc[("team", "a"), ["explained", "text"]].tolist() == [True, "fair"]
    assert not marked.loc[("series", "2"), "explained"]
    open_cells = system.unexplained(store, plan_id)
    assert list(zip(open_cells["level"], open_cells["key"], strict=True)) == [("series", "2")]
    pd.testing.assert_frame_equal(system.system_plan(store, plan_id), before)

    add_promo(store, plan_id, value=40.0, ids=("3",))  # team b, the same week
    after = system.system_plan(store, plan_id).set_index(["unique_id", "ds"])
    assert after.loc[("3", week), "system_plan"] == pytest.approx(140.0)
    assert after.loc[("3", week), "events"] == "E2"
    assert after.loc[("1", week), "system_plan"] == pytest.approx(150.0)
    open_cells = system.unexplained(store, plan_id)
    assert sorted(zip(open_cells["level"], open_cells["key"], strict=True)) == [
        ("series", "2"), ("series", "3"), ("team", "b"),
    ]  # fmt: skip
    assert (
        system.deviations(store, plan_id).set_index(["level", "key"]).loc[("series", "1"), "text"]
        == "flyer"
    )


def test_an_event_that_takes_the_learned_uplift_counts_whole_periods(store, plan_id):
    from forecast.overrides import DAYS, PERIODS

    monday = HORIZON_WEEKS[1]
    weekdays = {"start": monday.date(), "end": (monday + pd.Timedelta(days=4)).date()}
    taken = system.add_event(
        store, plan_id, "ann", name="Promo Mon-Fri", kind="promotion", scope=Scope(ids=("1",)),
        use_suggestion=True, **weekdays,
    )  # fmt: skip
    # The uplift was learned on weeks with the flag on some of their days: the week takes it whole.
    assert taken.event.counts == PERIODS
    frame = system.system_plan(store, plan_id).set_index(["unique_id", "ds"])
    assert frame.loc[("1", monday), "system_plan"] == pytest.approx(
        100 * (1 + taken.event.value / 100)
    )
    assert "the learned uplift it takes is the change of a whole period" in (taken.note or "")
    renamed = system.edit_event(store, plan_id, "ann", taken.event.event_id, name="Promo")
    assert renamed.event.counts == PERIODS  # a rename keeps how the event counts
    typed = system.edit_event(
        store, plan_id, "ann", taken.event.event_id, effect="percent", value=35
    )
    assert typed.event.counts == DAYS  # a value typed for the days the event covers
    frame = system.system_plan(store, plan_id).set_index(["unique_id", "ds"])
    assert frame.loc[("1", monday), "system_plan"] == pytest.approx(125.0)  # 35 % x 5/7


def _cut(store, plan_id, name="Supplier allocation", kind="purchase_limit"):
    return system.add_event(
        store, plan_id, "ann", name=name, kind=kind, scope=Scope({"StoreType": ("c",)}),
        start=HORIZON_WEEKS[2].date(), end=(HORIZON_WEEKS[3] + pd.Timedelta(days=6)).date(),
        effect="percent", value=-25.0,
    )  # fmt: skip


def test_another_event_in_a_removed_ones_place_does_not_pass_the_gate_on_its_explanations(
    store, plan_id
):
    cut = _cut(store, plan_id)
    system.explain(
        store, plan_id, "ann", event_id=cut.event.event_id, reason_code="supply",
        text="supplier allocation cut 25%",
    )  # fmt: skip
    assert system.gate_status(store, plan_id).open == 0
    system.remove_event(store, plan_id, "ann", cut.event.event_id)
    fire = _cut(store, plan_id, name="Store fire closures", kind="other")
    gate = system.gate_status(store, plan_id)
    assert gate.marked == 4 and gate.open == 4  # series 4 and team c, two weeks each
    marked = system.deviations(store, plan_id)
    assert set(marked["why_outdated"]) == {
        f"explained for {cut.event.event_id}, now {fire.event.event_id}"
    }
    with pytest.raises(WrongStage, match=r"\(outdated: explained for E1, now E2\)"):
        system.publish(store, plan_id, "ann")
    # a rename of the event that is there now outdates its own explanations the same way
    system.explain(
        store, plan_id, "ann", event_id="E2", reason_code="other", text="two stores burnt down"
    )
    system.edit_event(store, plan_id, "ann", "E2", name="Store fire")
    assert set(system.deviations(store, plan_id)["why_outdated"]) == {
        "E2 changed since it was explained"
    }
    assert len(system.unexplained(store, plan_id)) == 4


def test_a_new_volume_cell_needs_explaining_again_when_its_amount_changes(store):
    baseline = make_baseline()
    baseline.loc[baseline["unique_id"] == "4", "baseline"] = 0.0  # a shop not yet open
    attributes = pd.DataFrame(
        {"unique_id": list(STORE_TYPES), "StoreType": list(STORE_TYPES.values())}
    )
    plan_id = plan_create.create_plan_from_frames(
        store, name="opening", history=make_history(), attributes=attributes, freq="W-MON",
        horizon=6, team_attr="StoreType", actor="ann", baseline=baseline,
    ).plan_id  # fmt: skip
    opening = system.add_event(
        store, plan_id, "ann", name="Opening", kind="other", scope=Scope(ids=("4",)),
        start=HORIZON_WEEKS[1].date(), end=(HORIZON_WEEKS[1] + pd.Timedelta(days=6)).date(),
        effect="add", value=50.0,
    )  # fmt: skip
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="other", text="opening")
    assert system.gate_status(store, plan_id).open == 0
    system.edit_event(store, plan_id, "ann", opening.event.event_id, value=90000.0, effect="add")
    marked = system.deviations(store, plan_id)
    assert marked["outdated"].all() and not marked["explained"].any()
    # explained for the new amount, the same event: the amount is what holds it
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="other", text="flagship")
    assert system.gate_status(store, plan_id).open == 0
    stored = system.explanations_of(plans.get_plan(store, plan_id))[-1]
    assert stored.deviation_pct is None and stored.amount == 90000.0


def test_undoing_a_removal_puts_the_event_back_in_its_place_in_the_order(store, plan_id):
    week = {
        "start": HORIZON_WEEKS[1].date(),
        "end": (HORIZON_WEEKS[1] + pd.Timedelta(days=6)).date(),
    }

    def add_set(name, value):
        return system.add_event(
            store, plan_id, "ann", name=name, kind="other", scope=Scope(ids=("1",)),
            effect="set", value=value, **week,
        ).event.event_id  # fmt: skip

    def planned() -> float:
        frame = system.system_plan(store, plan_id).set_index(["unique_id", "ds"])
        return float(frame.loc[("1", HORIZON_WEEKS[1]), "system_plan"])

    first, second = add_set("Set A", 100.0), add_set("Set B", 200.0)
    assert planned() == 200.0  # the one added last wins
    system.remove_event(store, plan_id, "ann", first)
    assert planned() == 200.0
    system.restore_event(store, plan_id, "ann", first)
    assert [e.event_id for e in system.list_events(store, plan_id)] == [first, second]
    assert planned() == 200.0  # exactly as before the removal
    system.remove_event(store, plan_id, "ann", second)
    system.restore_event(store, plan_id, "ann", second)
    assert [e.event_id for e in system.list_events(store, plan_id)] == [first, second]


def test_moving_an_event_that_took_the_suggestion_takes_the_suggestion_for_its_new_dates(store):
    # Two seasons of weeks with a promotion every other week; seasonal naive repeats them, so
    # what the system offers depends on the weeks an event touches.
    weeks = pd.date_range("2023-01-02", periods=60, freq="W-MON")
    history = pd.DataFrame(
        [
            {"unique_id": uid, "ds": ds, "y": 130.0 if i % 2 else 100.0, "Promo": float(i % 2)}
            for uid in STORE_TYPES
            for i, ds in enumerate(weeks)
        ]
    )
    ahead = pd.date_range(weeks[-1] + pd.Timedelta(weeks=1), periods=6, freq="W-MON")
    baseline = make_baseline().assign(ds=np.tile(ahead, len(STORE_TYPES)))
    attributes = pd.DataFrame(
        {"unique_id": list(STORE_TYPES), "StoreType": list(STORE_TYPES.values())}
    )
    plan_id = plan_create.create_plan_from_frames(
        store, name="offers", history=history, attributes=attributes, freq="W-MON", horizon=6,
        team_attr="StoreType", actor="ann", baseline=baseline,
    ).plan_id  # fmt: skip
    scope = Scope(ids=("1",))
    monday = ahead[2]  # repeats a week without the promotion
    taken = system.add_event(
        store, plan_id, "ann", name="Flyer", kind="promotion", scope=scope,
        start=monday.date(), end=(monday + pd.Timedelta(days=6)).date(), use_suggestion=True,
    ).event  # fmt: skip
    sunday = (monday - pd.Timedelta(days=1)).date()  # the last day of a repeated promo week
    uplift, already = system.event_suggestion(
        store, plan_id, "promotion", scope, sunday, (monday + pd.Timedelta(days=6)).date()
    )
    offer = system.offered_value(uplift, already)
    assert offer != taken.value  # the new window holds a promotion week the baseline repeats

    moved = system.edit_event(store, plan_id, "ann", taken.event_id, start=sunday)
    assert moved.event.value == offer and moved.event.counts == "periods"
    assert moved.note is not None and "saved before days were counted" not in moved.note
    assert moved.note.startswith(
        "E1 took the suggestion, so it takes the one for its new dates now: +15 % (was +30 %)"
    )
    assert "the learned uplift it takes is the change of a whole period" in moved.note

    # a kind nothing is learned for: the value stays and counts by days, as a typed one
    limited = system.edit_event(store, plan_id, "ann", "E1", kind="purchase_limit")
    assert limited.event.value == offer and limited.event.counts == "days"
    assert "no suggestion for E1's new kind" in (limited.note or "")
    assert "(1 of 7 days); it counts there in that share" in (limited.note or "")


@pytest.mark.parametrize("threshold", [5.0, 1.01, 0.0, -0.05, float("nan")])
def test_a_threshold_that_would_open_the_gate_or_mark_everything_is_refused_naming_the_range(
    store, plan_id, threshold
):
    with pytest.raises(Invalid, match=r"more than 0 % and at most 100 %") as refused:
        system.set_threshold(store, plan_id, "ann", threshold)
    if threshold == 5.0:
        assert "got 500 % (the fraction 5)" in str(refused.value)
    assert plans.get_plan(store, plan_id).threshold == 0.2  # nothing was written
    assert system.set_threshold(store, plan_id, "ann", 1.0).plan.threshold == 1.0  # 100 %


def test_a_plan_holding_an_explanation_this_program_no_longer_accepts_stays_usable(store, plan_id):
    """Explanations already in a plan that this program refuses now (an older import let in a
    reason code it has not, an empty author, a text of another kind) do not stop the plan: its
    gate is read, and that of the copy a new version makes; explaining a cell again replaces
    its explanation, saying whose it was; the plan is published. (A bundle bringing such an
    explanation is refused: tests/unit/test_damaged_bundle_refusals.py.)"""
    add_promo(store, plan_id, value=50.0)
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")

    def as_an_older_import_left_them(s):
        s.explanations = [
            dict(e, reason_code="because", author="", text=["flyer"]) for e in s.explanations
        ]
        return "import", None, None

    plans.change_plan(
        store, plan_id, actor="ann", action="import", mutate=as_an_older_import_left_them
    )
    assert system.gate_status(store, plan_id).marked == 2
    copy = system.new_version(store, plan_id, "ann")
    assert len(copy.explanations) == 2
    assert system.gate_status(store, copy.plan_id).marked == 2

    week = HORIZON_WEEKS[1].strftime("%Y-%m-%d")
    again = system.explain(
        store, plan_id, "ann", reason_code="promotion", text="flyer", cells=[("series", "1", week)]
    )
    assert again.note == "this replaces the explanation by someone (because: \"['flyer']\")"
    marked = system.deviations(store, plan_id).set_index("level")
    assert marked.loc["series", "reason_code"] == "promotion"
    assert marked.loc["team", "reason_code"] == "because"  # shown as it is, until replaced
    published = system.publish(store, plan_id, "ann")
    assert published.plan.status == "published"
