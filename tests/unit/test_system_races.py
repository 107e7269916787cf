"""System-track edits that lose a race to another writer (issue 9, item 5): without an expected
version they are redone on the fresh state for as long as the change still applies there, and
refused with the reason once it no longer does; with an expected version they are refused."""

from __future__ import annotations

import pandas as pd
import pytest
from test_services_negotiation import team_frames, weekly_team_plan
from test_services_rebase import RacingStore

from forecast.overrides import Scope
from forecast.services import negotiation as nego
from forecast.services import system
from forecast.services.errors import Invalid, Locked, NotFound, StaleVersion
from forecast.services.plan_members import grant
from forecast.services.plans import audit_log, get_plan


@pytest.fixture
def store():
    return RacingStore()


@pytest.fixture
def plan_id(store):
    state = weekly_team_plan(store, team_frames(), name="race")
    grant(store, state.plan_id, "olga", "anna", "lead", team="a")
    nego.set_goal(store, state.plan_id, "olga", total="7000000000")
    return state.plan_id


def small_promo(store, plan_id, team: str, percent: float = 5.0, name: str = "promo"):
    """A planner's +5 % promotion for `team` over the first horizon week (no deviation)."""
    first = nego.series_frame(store, plan_id)["ds"].min()
    return system.add_event(
        store,
        plan_id,
        "olga",
        name=name,
        kind="promotion",
        scope=Scope(attributes={"Team": (team,)}),
        start=first.date(),
        end=(first + pd.Timedelta(days=6)).date(),
        effect="percent",
        value=percent,
        reason="flyer",
    )


def rival_claims(store, plan_id):
    """Another writer: anna keeps claiming for team a (a real change through the services)."""
    amounts = iter(range(1, 100))
    store.rival = lambda: nego.claim(
        store, plan_id, "anna", "a", amount=str(1000 * next(amounts)), note="still coming"
    )


def event_ids(store, plan_id):
    return [e["event_id"] for e in get_plan(store, plan_id).events]


def test_an_event_edit_without_a_version_is_redone_after_lost_races(store, plan_id):
    event_id = small_promo(store, plan_id, "b").event.event_id
    store.rival = lambda: small_promo(
        store, plan_id, "c", name=f"rival {len(event_ids(store, plan_id))}"
    )
    store.losses = 3
    saved = system.edit_event(store, plan_id, "olga", event_id, value=7.0)
    assert saved.event.value == 7.0
    state = get_plan(store, plan_id)
    assert len(state.events) == 4  # the three events the rival added meanwhile stay
    edited = [e for e in state.events if e["event_id"] == event_id]
    assert edited[0]["value"] == 7.0
    assert audit_log(store, plan_id)[-1].action == "edit_event"


def test_an_edit_redone_on_the_fresh_state_keeps_what_the_rival_changed_in_the_same_event(
    store, plan_id
):
    event_id = small_promo(store, plan_id, "b").event.event_id
    store.rival = lambda: system.edit_event(store, plan_id, "olga", event_id, name="renamed")
    store.losses = 1
    system.edit_event(store, plan_id, "olga", event_id, value=7.0)
    event = system.get_event(get_plan(store, plan_id), event_id)
    assert (event.name, event.value) == ("renamed", 7.0)


def test_an_edit_of_an_event_removed_meanwhile_is_refused_with_the_reason(store, plan_id):
    event_id = small_promo(store, plan_id, "b").event.event_id
    store.rival = lambda: system.remove_event(store, plan_id, "olga", event_id)
    store.losses = 1
    with pytest.raises(NotFound, match=f"event {event_id!r}"):
        system.edit_event(store, plan_id, "olga", event_id, value=7.0)
    assert event_ids(store, plan_id) == []


def test_a_removal_without_a_version_is_redone_after_lost_races(store, plan_id):
    event_id = small_promo(store, plan_id, "b").event.event_id
    rival_claims(store, plan_id)
    store.losses = 3
    system.remove_event(store, plan_id, "olga", event_id)
    assert event_ids(store, plan_id) == []
    assert nego.negotiation_of(get_plan(store, plan_id)).claims["a"].amount == 3 * 1000 * 100


def test_a_removal_of_an_event_removed_meanwhile_is_refused_with_the_reason(store, plan_id):
    event_id = small_promo(store, plan_id, "b").event.event_id
    store.rival = lambda: system.remove_event(store, plan_id, "olga", event_id)
    store.losses = 1
    with pytest.raises(NotFound, match="removed"):
        system.remove_event(store, plan_id, "olga", event_id)
    assert [e.action for e in audit_log(store, plan_id)].count("remove_event") == 1


def test_a_restore_without_a_version_is_redone_after_lost_races(store, plan_id):
    event_id = small_promo(store, plan_id, "b").event.event_id
    system.remove_event(store, plan_id, "olga", event_id)
    rival_claims(store, plan_id)
    store.losses = 2
    system.restore_event(store, plan_id, "olga", event_id)
    assert event_ids(store, plan_id) == [event_id]


def test_publishing_without_a_version_is_redone_after_lost_races(store, plan_id):
    rival_claims(store, plan_id)
    store.losses = 3
    state = system.publish(store, plan_id, "olga").plan
    assert state.status == "published"
    assert nego.negotiation_of(state).claims["a"].amount == 3 * 1000 * 100


def test_publishing_is_refused_with_the_reason_once_a_rival_event_opens_a_deviation(store, plan_id):
    store.rival = lambda: small_promo(store, plan_id, "c", percent=80.0, name="big")
    store.losses = 1
    with pytest.raises(Exception, match="cannot be published"):
        system.publish(store, plan_id, "olga")
    assert get_plan(store, plan_id).status == "draft"


def test_publishing_redone_after_a_rival_published_says_it_is_read_only(store, plan_id):
    store.rival = lambda: system.publish(store, plan_id, "olga")
    store.losses = 1
    with pytest.raises(Locked, match="published and read-only"):
        system.publish(store, plan_id, "olga")


def mark(store, plan_id, team: str, **kw):
    history_end = team_frames()[0]["ds"].max()
    return system.mark_factor(
        store,
        plan_id,
        "olga",
        name=f"hit {team}",
        scope=Scope(attributes={"Team": (team,)}),
        start=(history_end - pd.Timedelta(weeks=10)).date(),
        model="snaive",
        **kw,
    )


def test_marking_a_factor_without_a_version_is_redone_after_lost_races(store, plan_id):
    rival_claims(store, plan_id)
    store.losses = 3
    saved = mark(store, plan_id, "b")
    state = get_plan(store, plan_id)
    assert [f["factor_id"] for f in state.factors] == ["F1"]
    assert saved.plan.version == state.version
    assert nego.negotiation_of(state).claims["a"].amount == 3 * 1000 * 100


def test_a_factor_redone_after_a_rival_marked_one_is_computed_again_on_the_fresh_state(
    store, plan_id
):
    store.rival = lambda: mark(store, plan_id, "c")
    store.losses = 1
    saved = mark(store, plan_id, "b")
    state = get_plan(store, plan_id)
    assert [f["factor_id"] for f in state.factors] == ["F1", "F2"]
    assert saved.factor.factor_id == "F2" and saved.factor.name == "hit b"
    assert {"factor_F1", "factor_F2"} <= set(state.dataset.flags)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s, p, v, e: system.edit_event(s, p, "olga", e, value=7.0, expected_version=v),
        lambda s, p, v, e: system.remove_event(s, p, "olga", e, expected_version=v),
        lambda s, p, v, e: system.publish(s, p, "olga", expected_version=v),
        lambda s, p, v, e: mark(s, p, "b", expected_version=v),
    ],
    ids=["edit_event", "remove_event", "publish", "mark_factor"],
)
def test_with_an_expected_version_an_edit_that_loses_a_race_is_refused(store, plan_id, edit):
    event_id = small_promo(store, plan_id, "b").event.event_id
    version = get_plan(store, plan_id).version
    rival_claims(store, plan_id)
    store.losses = 1
    with pytest.raises(StaleVersion, match=f"changed since you loaded version {version}"):
        edit(store, plan_id, version, event_id)
    state = get_plan(store, plan_id)
    assert state.version == version + 1  # only the rival's claim was saved
    assert audit_log(store, plan_id)[-1].action == "claim"


def test_nothing_left_to_change_after_a_race_is_refused_with_the_reason(store, plan_id):
    event_id = small_promo(store, plan_id, "b").event.event_id
    store.rival = lambda: system.edit_event(store, plan_id, "olga", event_id, value=7.0)
    store.losses = 1
    with pytest.raises(Invalid, match="nothing to change"):
        system.edit_event(store, plan_id, "olga", event_id, value=7.0)


def big_addition(store, plan_id, name: str):
    """+600bn on each of team c's series in the first horizon week: within the bounds alone
    (1e12 per series-period), beyond them together with a second one."""
    first = nego.series_frame(store, plan_id)["ds"].min()
    return system.add_event(
        store,
        plan_id,
        "olga",
        name=name,
        kind="promotion",
        scope=Scope(attributes={"Team": ("c",)}),
        start=first.date(),
        end=(first + pd.Timedelta(days=6)).date(),
        effect="add",
        value=6e11,
        reason="fair",
    )


def test_an_event_added_after_a_lost_race_is_checked_with_the_rivals_events(store, plan_id):
    """A rival adds a large event meanwhile: the redone add, within the bounds on the state it
    first read, would go past them with the rival's event, and is refused with the reason."""
    store.rival = lambda: big_addition(store, plan_id, "rival fair")
    store.losses = 1
    with pytest.raises(Invalid, match="beyond the largest value accepted"):
        big_addition(store, plan_id, "second fair")
    assert [e["name"] for e in get_plan(store, plan_id).events] == ["rival fair"]


def test_a_restore_after_a_lost_race_is_checked_with_the_rivals_events(store, plan_id):
    """The rival's event added meanwhile would take the restored one past the bounds: refused."""
    event_id = big_addition(store, plan_id, "fair").event.event_id
    system.remove_event(store, plan_id, "olga", event_id, reason="moved")
    store.rival = lambda: big_addition(store, plan_id, "rival fair")
    store.losses = 1
    with pytest.raises(Invalid, match="beyond the largest value accepted"):
        system.restore_event(store, plan_id, "olga", event_id)
    assert [e["name"] for e in get_plan(store, plan_id).events] == ["rival fair"]


def test_an_import_after_a_lost_race_is_checked_with_the_rivals_events(store, plan_id):
    """The file's event is within the bounds on the state the import first read; a rival's event
    added meanwhile takes the two past them: the redone import is refused with the reason."""
    from forecast.services import event_import

    first = nego.series_frame(store, plan_id)["ds"].min()
    calendar = (
        "name,kind,scope,start,end,effect,value,reason\n"
        f"second fair,promotion,Team=c,{first:%Y-%m-%d},"
        f"{first + pd.Timedelta(days=6):%Y-%m-%d},add,600000000000,fair\n"
    ).encode()
    store.rival = lambda: big_addition(store, plan_id, "rival fair")
    store.losses = 1
    with pytest.raises(Invalid, match="beyond the largest value accepted"):
        event_import.import_events(store, plan_id, "olga", calendar, "calendar.csv")
    assert [e["name"] for e in get_plan(store, plan_id).events] == ["rival fair"]
