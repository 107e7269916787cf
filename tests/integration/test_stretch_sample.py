"""The calibrated stretch on the bundled sample: computed at plan creation, stored with the plan,
and the probability follows from the plan's own past misses of team totals."""

from __future__ import annotations

import pytest

from forecast.engine.stretch import StretchCalibration, reach_probability
from forecast.overrides import Scope
from forecast.services import demo, negotiation, plans, stretch_calibration, system
from forecast.store import MemoryStore


@pytest.fixture(scope="module")
def sample() -> tuple[MemoryStore, str]:
    store = MemoryStore()
    plan_id = demo.create_sample_plan(store, model="snaive")
    return store, plan_id


def test_stores_without_rows_for_half_of_last_year_get_a_baseline_not_zero(sample) -> None:
    # 17 of the sample's 100 stores have no rows from July to December 2014
    store, plan_id = sample
    frames = plans.load_frames(store, plan_id)
    days_with_rows = frames.history.groupby("unique_id")["y"].apply(lambda y: (y > 0).mean())
    gapped = days_with_rows[days_with_rows < 0.9].index
    assert len(gapped) == 17
    totals = frames.baseline.groupby("unique_id")["baseline"].sum()
    assert (totals.loc[gapped] > 0.5 * totals.median()).all()


def test_plan_creation_stores_a_stretch_calibration_of_past_13_week_windows(sample) -> None:
    store, plan_id = sample
    cal = StretchCalibration.from_dict(plans.get_plan(store, plan_id).stretch_calibration)
    assert cal.model == "snaive" and cal.horizon == 13
    assert cal.usable and cal.windows >= 3
    assert set(cal.log_ratios) == {"a", "b", "c", "d", "TOTAL"}
    assert cal.rests_on().startswith(f"from {cal.windows} past 13-week windows")


def test_stretch_probability_comes_from_the_calibration_and_says_so(sample) -> None:
    store, plan_id = sample
    negotiation.set_goal(store, plan_id, demo.DEMO_OWNER, ratio="1.015")
    table = negotiation.stretch(store, plan_id).set_index("team")
    cal = StretchCalibration.from_dict(plans.get_plan(store, plan_id).stretch_calibration)
    assert table["calibrated"].all()
    for team, row in table.iterrows():
        expected = reach_probability(cal, str(team), row["expected"], row["target"])
        assert row["probability_reach"] == pytest.approx(expected)
        assert "past 13-week windows" in row["rests_on"]
    # A +1.5 % goal over 13 weeks is neither hopeless nor certain for the whole.
    assert 0.05 < table.loc["TOTAL", "probability_reach"] < 0.95


def test_plan_without_a_stored_calibration_gets_the_same_one_computed_on_use(sample) -> None:
    store, plan_id = sample
    state = plans.get_plan(store, plan_id)
    doc = state.to_dict()
    doc.pop("stretch_calibration")
    doc.pop("currency")  # a document from before currencies reads as euros
    old = type(state).from_dict(doc, version=state.version)
    assert old.stretch_calibration == {} and old.currency == "EUR"
    frames = plans.load_frames(store, plan_id)
    teams = plans.teams_of(frames.attributes, old.team_attr)
    lazy = stretch_calibration.of_plan(store, old, lambda: (frames.history, teams))
    assert lazy.to_dict() == state.stretch_calibration


def test_a_promotion_in_the_system_plan_is_expected_not_read_as_a_stretch() -> None:
    store = MemoryStore()
    plan_id = demo.create_sample_plan(store, model="snaive")
    negotiation.set_goal(store, plan_id, demo.DEMO_OWNER, ratio="1.0", basis="system_plan")
    before = negotiation.stretch(store, plan_id).set_index("team")
    system.add_event(
        store,
        plan_id,
        demo.DEMO_OWNER,
        name="Back to school",
        kind="promotion",
        scope=Scope.parse(["StoreType=a"]),
        start="2015-08-10",
        end="2015-08-23",
        effect="percent",
        value=30.0,
        reason="flyer",
    )
    negotiation.rebase(store, plan_id, demo.DEMO_OWNER)  # the 1.0 goal re-applied
    after = negotiation.stretch(store, plan_id).set_index("team")
    ledger = negotiation.ledger(store, plan_id).set_index("team")
    for team in ("a", "b", "c", "d"):
        # What the stretch expects is the system plan the ledger shows, events included ...
        assert after.loc[team, "expected"] == pytest.approx(ledger.loc[team, "system_plan"])
        # ... so a target equal to it is as likely as before the promotion.
        assert after.loc[team, "probability_reach"] == pytest.approx(
            before.loc[team, "probability_reach"]
        )
    assert after.loc["a", "expected"] > 1.02 * after.loc["a", "expected_baseline"]
    assert after["rests_on"].str.contains("events in the system plan").all()
