"""A plan made like another (`plan create --like`) carries the other plan's events through the
checks `add_event` runs on the new plan: an event that, on the new file's baseline, would plan a
series-period beyond `forecast.bounds` (the ledger's sums would no longer be exact) is left out
and said, naming the event and what to do, as an event outside the new horizon is; the events
that fit are carried, and the plan is written once, with those only."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_services_negotiation import team_frames
from typer.testing import CliRunner

from dashboard.data_parts import like
from forecast import bounds
from forecast.cli import app as cli
from forecast.overrides import Scope
from forecast.services import plan_create, plan_frames, plan_like, plans, system
from forecast.services.errors import Invalid
from forecast.services.like_notes import LikeFix
from forecast.services.store_factory import open_store
from forecast.store import Change, MemoryStore, PlanRepository

BIG = 5e10  # a series' weekly sales in the new file (within the 10**12 a row may be)
# a0's weekly sales on which +5,000 % alone fits (9.69e11) but not with +10 % more (1.07e12)
BIG_TOGETHER = 1.9e10


def _history() -> pd.DataFrame:
    history, _, _ = team_frames()
    return history


def _csv(history: pd.DataFrame) -> bytes:
    return history.assign(ds=history["ds"].dt.strftime("%Y-%m-%d")).to_csv(index=False).encode()


LAUNCH = {"name": "Launch", "kind": "promotion", "scope": Scope(ids=("a0",)), "value": 5000}
SUMMER = {"name": "Summer", "kind": "festival", "scope": Scope(), "value": 10}


def _last_week(
    big: float, events: tuple[dict, ...] = (LAUNCH, SUMMER), store: PlanRepository | None = None
) -> tuple[PlanRepository, str, bytes]:
    """Last week's plan of weekly sales of about 100 with `events` (percent changes over the
    whole horizon, in that order) in `store` (a new one in memory if none); this week's file
    sells `big` a week of a0."""
    store = store or MemoryStore()
    history = _history()
    old = plan_create.create_plan(
        store, name="last week", source=_csv(history), filename="sales.csv", horizon=4,
        team_attr=None, actor="olga", model="snaive",
    ).plan_id  # fmt: skip
    weeks = (
        plan_frames.load_blob_frame(store, old, plan_frames.BASELINE)["ds"].sort_values().unique()
    )
    first, last = (f"{pd.Timestamp(d):%Y-%m-%d}" for d in (weeks[0], weeks[-1]))
    for event in events:
        system.add_event(
            store, old, "olga", **event, start=first, end=last, effect="percent",
            reason=event["name"].lower(),
        )  # fmt: skip
    bigger = history.assign(y=history["y"].where(history["unique_id"] != "a0", big))
    return store, old, _csv(bigger)


@pytest.fixture
def made() -> tuple[MemoryStore, str, bytes]:
    """Last week's plan of weekly sales of about 100, with a +5,000 % event on series a0 and a
    +10 % one on every series; this week's file sells `BIG` a week of a0."""
    return _last_week(BIG)


def test_an_event_beyond_the_bounds_on_the_new_baseline_is_left_out_and_said(made):
    store, old, this_week = made

    done = plan_like.create_plan_like(
        store, name="this week", source=this_week, filename="sales.csv", like=old, actor="olga"
    )

    outcomes = {e.name: e for e in done.events}
    assert outcomes["Summer"].outcome == plan_like.CARRIED
    launch = outcomes["Launch"]
    launch_event = next(
        e for e in system.events_of(plans.get_plan(store, old)) if e.name == "Launch"
    )
    assert launch.outcome == plan_like.LEFT_OUT
    assert "series a0" in launch.detail and "beyond the largest value accepted" in launch.detail
    assert launch.detail.startswith("on the new plan's baseline series a0")
    assert launch.note is not None and launch.note.fix == LikeFix.ADD_EVENT_AGAIN  # what to do
    saved = plans.get_plan(store, done.plan.plan_id)
    assert [e.name for e in system.events_of(saved)] == ["Summer"]
    planned = system.system_plan(store, saved.plan_id)["system_plan"].abs()
    assert planned.max() <= bounds.MAX_ABS_VALUE
    creation = [e for e in store.audit(saved.plan_id) if e.action == "create"][0]
    assert [e["name"] for e in creation.after["events_left_out"]] == ["Launch"]
    assert "Launch' left out" in creation.what
    # the audit row words what to do for no face: no command, no page
    (left_out,) = creation.after["events_left_out"]
    assert left_out["detail"].endswith("; add it to the new plan again as it fits there")
    assert "forecast " not in creation.what and "System plan page" not in creation.what

    # the same event, added to the new plan by hand, is refused by the same check
    with pytest.raises(Invalid, match="beyond the largest value accepted"):
        system.add_event(
            store, saved.plan_id, "olga", name="Launch", kind="promotion",
            scope=Scope(ids=("a0",)), start=launch_event.start, end=launch_event.end, effect="percent",
            value=5000,
        )  # fmt: skip


def test_the_events_that_fit_the_new_file_are_all_carried(made):
    store, old, _ = made
    same = _csv(_history())

    done = plan_like.create_plan_like(
        store, name="same file", source=same, filename="sales.csv", like=old, actor="olga"
    )

    assert [(e.name, e.outcome) for e in done.events] == [
        ("Launch", plan_like.CARRIED),
        ("Summer", plan_like.CARRIED),
    ]


@pytest.mark.parametrize(
    "order", [(LAUNCH, SUMMER), (SUMMER, LAUNCH)], ids=["launch-first", "launch-last"]
)
def test_of_events_that_only_together_go_beyond_the_one_that_pushes_the_cell_over_is_left_out(
    order,
):
    """Each event alone fits the new baseline; together they plan a0 beyond the bounds. The
    +5,000 % launch is what pushes a0 over, not the +10 % on every series: the launch is left
    out wherever it stands in the other plan's events, naming the event stacked with it."""
    store, old, this_week = _last_week(BIG_TOGETHER, order)

    done = plan_like.create_plan_like(
        store, name="this week", source=this_week, filename="sales.csv", like=old, actor="olga"
    )

    outcomes = {e.name: e for e in done.events}
    assert outcomes["Summer"].outcome == plan_like.CARRIED
    assert outcomes["Launch"].outcome == plan_like.LEFT_OUT
    summer_id = outcomes["Summer"].event_id
    detail = outcomes["Launch"].detail
    assert f"with {summer_id} 'Summer' on the same series-period, series a0" in detail, detail
    assert "beyond the largest value accepted" in detail
    saved = plans.get_plan(store, done.plan.plan_id)
    assert [e.name for e in system.events_of(saved)] == ["Summer"]
    planned = system.system_plan(store, saved.plan_id)["system_plan"].abs()
    assert planned.max() <= bounds.MAX_ABS_VALUE


def test_the_command_line_says_the_command_that_adds_an_event_left_out_again(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    _, old, this_week = _last_week(BIG, store=store)
    store.close()
    sales = tmp_path / "sales.csv"
    sales.write_bytes(this_week)

    made = CliRunner().invoke(
        cli,
        ["plan", "create", str(sales), "--name", "this week", "--like", old, "--as", "olga",
         "--data-dir", str(data_dir)],
    )  # fmt: skip

    assert made.exit_code == 0, made.output
    (launch,) = [line for line in made.stdout.splitlines() if "'Launch' left out" in line]
    new_id = made.stdout.split()[2]  # created plan <id> ...
    assert launch.startswith("event E1 'Launch' left out (on the new plan's baseline series a0")
    assert launch.endswith(
        f"; add it to the new plan again as it fits there: `forecast plan event add {new_id} ...`)"
    ), launch


def test_the_data_page_says_where_to_add_an_event_left_out_again_and_no_command(made):
    store, old, this_week = made

    _, report = like.make_plan_like(
        store, old, "olga", {"name": "this week"}, source=this_week, filename="sales.csv"
    )

    said = json.dumps(report.to_plotly_json(), default=lambda c: c.to_plotly_json())
    assert "Events left out: E1 'Launch' (on the new plan's baseline series a0" in said
    assert (
        "; add it to the new plan again as it fits there under 'Add an event' on the System "
        "plan page)" in said
    ), said
    assert "forecast " not in said  # no command of the command line on the page


def test_an_event_its_own_rules_refuse_on_the_new_plan_is_not_said_to_be_on_its_baseline(made):
    """Only the bounds are the new baseline's: an event whose own rules refuse it (here a
    percent the rules no longer accept) says those rules alone."""
    store, old, this_week = made
    state = plans.get_plan(store, old)
    state.events[0]["value"] = bounds.MAX_EVENT_PERCENT * 2  # stored before a stricter rule
    store.save(
        state, Change("olga", "edit", "an older rule's event"), expected_version=state.version
    )

    done = plan_like.create_plan_like(
        store, name="this week", source=this_week, filename="sales.csv", like=old, actor="olga"
    )

    launch = next(e for e in done.events if e.name == "Launch")
    assert launch.outcome == plan_like.LEFT_OUT
    assert not launch.detail.startswith("on the new plan's baseline"), launch.detail
    assert launch.note is not None and launch.note.fix == LikeFix.ADD_EVENT_AGAIN


def test_of_many_events_stacked_on_one_cell_the_same_ones_are_left_out_in_their_order():
    """Which events are carried and which left out (and in what order they are said) when
    several stack beyond the bounds on one series-period: the leaving out judges each event on
    that cell alone, as the system plan without it read there."""
    boost = {"name": "Boost", "kind": "promotion", "scope": Scope(ids=("a0",)), "value": 100}
    small = {"name": "Small", "kind": "promotion", "scope": Scope(ids=("a0",)), "value": 5}
    other = {"name": "Other", "kind": "promotion", "scope": Scope(ids=("a1",)), "value": 300}
    again = {**LAUNCH, "name": "Launch again", "value": 4000}
    order = (SUMMER, boost, LAUNCH, small, other, again, {**boost, "name": "Boost again"})
    store, old, this_week = _last_week(BIG_TOGETHER, order)

    done = plan_like.create_plan_like(
        store, name="this week", source=this_week, filename="sales.csv", like=old, actor="olga"
    )

    said = [(e.name, e.outcome, e.detail.split(" on the same")[0]) for e in done.events]
    on_a0 = "on the new plan's baseline, with E1 'Summer', E2 'Boost', E4 'Small'"
    assert said == [
        ("Summer", plan_like.CARRIED, ""),
        ("Boost", plan_like.CARRIED, ""),
        ("Launch", plan_like.LEFT_OUT, f"{on_a0}, E6 'Launch again', E7 'Boost again'"),
        ("Small", plan_like.CARRIED, ""),
        ("Other", plan_like.CARRIED, ""),
        ("Launch again", plan_like.LEFT_OUT, f"{on_a0}, E7 'Boost again'"),
        ("Boost again", plan_like.CARRIED, ""),
    ]
    saved = plans.get_plan(store, done.plan.plan_id)
    assert [e.name for e in system.events_of(saved)] == [
        "Summer", "Boost", "Small", "Other", "Boost again",
    ]  # fmt: skip
