"""Growth over last year, like for like: a team some of whose series were closed in last year's
periods is compared over the series trading in both years (the plan as Rossmann's refurbished
stores made it: before, every team with one such store showed no growth at all)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.overrides import Scope
from forecast.services import comparison, system
from forecast.services import negotiation as nego
from forecast.services.plan_create import create_plan_from_frames
from forecast.services.plan_members import grant
from forecast.services.plan_standing import series_standing
from forecast.store import MemoryStore

WEEKS = 130
HORIZON = 4
SEASON = 52
TEAMS = {"m1": "mixed", "m2": "mixed", "m3": "mixed", "o1": "open", "o2": "open", "c1": "closed"}
CLOSED = {"m3", "c1"}  # no sales for 20 weeks around the horizon's weeks a year earlier


def _history() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    dates = pd.date_range("2022-01-07", periods=WEEKS, freq="W-FRI")
    closure = slice(WEEKS - SEASON - 8, WEEKS - SEASON + HORIZON + 8)
    frames = []
    for uid in TEAMS:
        y = rng.uniform(800, 1200, WEEKS).round(2)
        if uid in CLOSED:
            y[closure] = 0.0
        frames.append(pd.DataFrame({"unique_id": uid, "ds": dates, "y": y}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def plan():
    store = MemoryStore()
    history = _history()
    state = create_plan_from_frames(
        store,
        name="like for like",
        history=history,
        attributes=pd.DataFrame({"unique_id": list(TEAMS), "Team": list(TEAMS.values())}),
        freq="W-FRI",
        horizon=HORIZON,
        team_attr="Team",
        actor="olga",
        model="snaive",
    )
    grant(store, state.plan_id, "olga", "lena", "lead", team="mixed")
    nego.set_goal(store, state.plan_id, "olga", ratio="1.1")
    nego.claim(store, state.plan_id, "lena", "mixed", amount="321.09", note="flyer")
    return store, state.plan_id, history


def _last_year_sales(store, plan_id: str, history: pd.DataFrame, series: set[str]) -> float:
    """The series' actual sales over the horizon's weeks a year earlier, from the history."""
    frame = nego.series_frame(store, plan_id)
    weeks = set(frame["ds"].unique() - pd.DateOffset(weeks=SEASON))
    rows = history[history["unique_id"].isin(series) & history["ds"].isin(weeks)]
    assert len(rows) == len(series) * HORIZON
    return float(rows["y"].sum())


def _comparable_target(store, plan_id: str, series: set[str]) -> float:
    """The team's target as the negotiated plan spreads it (its cells in whole cents), summed
    over `series`."""
    cells = nego.negotiated_plan(store, plan_id)
    return float(cells.loc[cells["unique_id"].isin(series), "target_minor"].sum()) / 100


def _growth(store, plan_id: str, team: str, series: set[str], last_year: float) -> float:
    """(target / team system plan) x (system plan of `series` / their last year) - 1."""
    ledger = nego.ledger(store, plan_id).set_index("team")
    cells = nego.series_frame(store, plan_id)
    plan_of_series = np.round(cells.loc[cells["unique_id"].isin(series), "system_plan"] * 100)
    target, plan = ledger.loc[team, "target_minor"], ledger.loc[team, "system_plan_minor"]
    return target / plan * (float(plan_of_series.sum()) / 100) / last_year - 1


def test_a_team_with_one_closed_series_gets_its_growth_over_the_series_trading_in_both_years(
    plan,
):
    store, plan_id, history = plan
    trading = {"m1", "m2"}
    last_year = _last_year_sales(store, plan_id, history, trading)
    expected = _growth(store, plan_id, "mixed", trading, last_year)
    # the same as the target's cells of those series (to their cents) against their sales
    spread = _comparable_target(store, plan_id, trading) / last_year - 1
    assert spread == pytest.approx(expected, abs=HORIZON * len(trading) * 0.01 / last_year)
    ledger = nego.ledger(store, plan_id).set_index("team")
    stretch = nego.stretch(store, plan_id).set_index("team")
    compared = comparison.compare_plans(store, plan_id).differences.set_index("team")

    coverage = "like-for-like: 2 of 3 series"
    assert ledger.loc["mixed", "last_year"] == pytest.approx(last_year, abs=0.005)
    assert ledger.loc["mixed", "last_year_coverage"] == coverage
    assert ledger.loc["mixed", "target_growth_vs_last_year_pct"] == pytest.approx(
        100 * expected, abs=1e-4
    )
    assert stretch.loc["mixed", "growth_vs_last_year"] == pytest.approx(expected, rel=1e-9)
    assert stretch.loc["mixed", "last_year_coverage"] == coverage
    assert compared.loc["mixed", "growth_pct"] == pytest.approx(100 * expected, rel=1e-9)
    assert compared.loc["mixed", "growth_coverage"] == coverage
    # the claim, spread as the target is, against the same sales
    share = _comparable_target(store, plan_id, trading) / ledger.loc["mixed", "target"]
    assert ledger.loc["mixed", "claim_pct_of_last_year"] == pytest.approx(
        100 * 321.09 * share / last_year, abs=1e-4
    )


def test_like_for_like_growth_follows_an_event_on_a_trading_series(plan):
    store, plan_id, history = plan
    before = nego.stretch(store, plan_id).set_index("team").loc["mixed", "growth_vs_last_year"]
    dates = sorted(nego.series_frame(store, plan_id)["ds"].dt.strftime("%Y-%m-%d").unique())
    system.add_event(
        store,
        plan_id,
        "olga",
        name="promotion of m1",
        kind="promotion",
        scope=Scope.parse([], ["m1"]),
        start=dates[0],
        end=dates[-1],
        effect="percent",
        value=40.0,
    )
    trading = {"m1", "m2"}
    last_year = _last_year_sales(store, plan_id, history, trading)
    expected = _growth(store, plan_id, "mixed", trading, last_year)
    after = nego.stretch(store, plan_id).set_index("team").loc["mixed", "growth_vs_last_year"]
    assert after == pytest.approx(expected, rel=1e-9)
    assert after != pytest.approx(before)


def test_a_team_with_every_series_trading_is_compared_as_before(plan):
    store, plan_id, history = plan
    last_year = _last_year_sales(store, plan_id, history, {"o1", "o2"})
    ledger = nego.ledger(store, plan_id).set_index("team")
    stretch = nego.stretch(store, plan_id).set_index("team")
    target = float(stretch.loc["open", "target"])
    assert ledger.loc["open", "last_year_coverage"] is None
    assert pd.isna(stretch.loc["open", "last_year_coverage"])
    assert stretch.loc["open", "last_year"] == pytest.approx(last_year, abs=0.005)
    # the whole team's target against the whole team's sales, to the digit
    raw_last_year = nego.plan_totals.of_plan(store, nego.get_plan(store, plan_id)).last_year
    assert stretch.loc["open", "growth_vs_last_year"] == target / raw_last_year["open"].sales - 1
    shown = float(ledger.loc["open", "last_year"])
    assert ledger.loc["open", "target_growth_vs_last_year_pct"] == round(
        100.0 * (float(ledger.loc["open", "target"]) / shown - 1.0), 4
    )


def test_a_team_closed_throughout_last_years_periods_stays_blank(plan):
    store, plan_id, history = plan
    ledger = nego.ledger(store, plan_id).set_index("team")
    stretch = nego.stretch(store, plan_id).set_index("team")
    compared = comparison.compare_plans(store, plan_id).differences.set_index("team")
    assert pd.isna(ledger.loc["closed", "last_year"])
    assert pd.isna(ledger.loc["closed", "target_growth_vs_last_year_pct"])
    assert ledger.loc["closed", "last_year_coverage"] is None
    assert pd.isna(stretch.loc["closed", "growth_vs_last_year"])
    assert pd.isna(compared.loc["closed", "growth_pct"])
    # the plan's total is compared over the series trading in both years, the closed team's
    # target left out as its series are
    trading = {"m1", "m2", "o1", "o2"}
    expected = (
        _comparable_target(store, plan_id, trading)
        / _last_year_sales(store, plan_id, history, trading)
        - 1
    )
    assert ledger.loc["TOTAL", "last_year_coverage"] == "like-for-like: 4 of 6 series"
    assert ledger.loc["TOTAL", "target_growth_vs_last_year_pct"] == pytest.approx(
        100 * expected, abs=1e-4
    )


def test_a_store_that_has_ended_is_left_out_of_its_teams_growth_as_a_new_one_is() -> None:
    store = MemoryStore()
    history = _history()
    history = history[history["unique_id"].isin(["o1", "o2"])]
    # o2 closed: its rows stop 8 weeks before the file's end (the engine forecasts it as 0)
    history = history[
        (history["unique_id"] == "o1")
        | (history["ds"] < history["ds"].max() - pd.Timedelta(weeks=7))
    ]
    state = create_plan_from_frames(
        store,
        name="a store closed",
        history=history.reset_index(drop=True),
        attributes=pd.DataFrame({"unique_id": ["o1", "o2"], "Team": ["open", "open"]}),
        freq="W-FRI",
        horizon=HORIZON,
        team_attr="Team",
        actor="olga",
        model="snaive",
    )
    nego.set_goal(store, state.plan_id, "olga", ratio="1.1")

    ledger = nego.ledger(store, state.plan_id).set_index("team")

    last_year = _last_year_sales(store, state.plan_id, history, {"o1"})
    assert ledger.loc["open", "last_year_coverage"] == "like-for-like: 1 of 2 series"
    assert ledger.loc["open", "last_year"] == pytest.approx(last_year, abs=0.005)
    target = float(ledger.loc["open", "target"])  # all of it on o1: o2's baseline is 0
    assert ledger.loc["open", "target_growth_vs_last_year_pct"] == pytest.approx(
        100 * (target / last_year - 1), abs=1e-3
    )


def test_a_product_run_down_to_a_forecast_of_zero_is_compared_as_it_has_not_ended() -> None:
    """Only a series the plan reads as ended (its model label: `plan_standing.series_standing`) leaves
    like for like: one its model forecasts at 0 (ETS on a product run down) is still trading."""
    store = MemoryStore()
    history = _history()
    history = history[history["unique_id"].isin(["o1", "o2"])].reset_index(drop=True)
    # o2 run down: its sales fall by 20 a week to 0 in the last week, a row every week
    weeks_left = WEEKS - 1 - np.arange(WEEKS)
    history.loc[history["unique_id"] == "o2", "y"] = weeks_left * 20.0
    state = create_plan_from_frames(
        store,
        name="a product run down",
        history=history,
        attributes=pd.DataFrame({"unique_id": ["o1", "o2"], "Team": ["open", "open"]}),
        freq="W-FRI",
        horizon=HORIZON,
        team_attr="Team",
        actor="olga",
        model="ets",
    )
    nego.set_goal(store, state.plan_id, "olga", ratio="1.1")
    frame = nego.series_frame(store, state.plan_id)
    assert (frame.loc[frame["unique_id"] == "o2", "baseline"] == 0).all()
    assert not series_standing(store, state).ended

    ledger = nego.ledger(store, state.plan_id).set_index("team")

    last_year = _last_year_sales(store, state.plan_id, history, {"o1", "o2"})
    assert ledger.loc["open", "last_year_coverage"] is None  # every series compared
    assert ledger.loc["open", "last_year"] == pytest.approx(last_year, abs=0.005)
