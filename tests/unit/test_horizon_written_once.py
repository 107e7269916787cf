"""One plan's horizon is written one way everywhere: its first day to its last day. `plan show`
and `plan actuals` wrote the first day of the last week (2011-10-01..2011-12-24) where the event
messages wrote its last day (..2011-12-30): with week-ending dates the plan's last week, dated
2011-12-30 in the user's file, read as outside the plan."""

from __future__ import annotations

import io
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_week_ending_dates import _weekly_csv
from typer.testing import CliRunner

from forecast import schema
from forecast.cli import app
from forecast.services import plan_create, plans, system
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store
from tests.histories import long_history

HORIZON = re.compile(r"horizon (?:is )?(\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d)")


def _plan(tmp_path, week_dates: str, ends: pd.DatetimeIndex) -> str:
    store = open_store(data_dir=tmp_path)
    state = plan_create.create_plan(
        store,
        name=f"weeks {week_dates}",
        source=_weekly_csv(ends),
        filename="walmart.csv",
        horizon=13,
        team_attr=None,
        actor="olga",
        model="snaive",
        week_dates=week_dates,
    )
    store.close()
    return state.plan_id


def _horizons(tmp_path, plan: str, first_week: pd.Timestamp, outside: pd.Timestamp) -> set[str]:
    """Every horizon `plan show`, `plan actuals` (a row after it) and an event after it write."""
    runner = CliRunner()
    shown = runner.invoke(app, ["plan", "show", plan, "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    periods = re.search(r"over 13 periods (\S+);", shown.stdout)
    assert periods is not None, shown.stdout
    header = "Store,Date,Weekly_Sales,Holiday_Flag\n"
    late_row = f"1,{outside:%d-%m-%Y},1000,0\n"
    first_row = f"1,{first_week:%d-%m-%Y},1000,0\n"
    said: list[str] = []
    for name, rows in (("late.csv", late_row), ("both.csv", first_row + late_row)):
        (tmp_path / name).write_text(header + rows)
        kept = runner.invoke(
            app,
            ["plan", "actuals", plan, str(tmp_path / name), "--data-dir", str(tmp_path)]
            + ["--as", "olga"],
        )
        said += HORIZON.findall(kept.output)
    store = open_store(data_dir=tmp_path)
    with pytest.raises(Invalid) as refused:
        system.add_event(
            store,
            plan,
            "olga",
            name="late",
            kind="other",
            start=outside.date(),
            end=outside.date(),
            effect="percent",
            value=5.0,
        )
    store.close()
    said += HORIZON.findall(str(refused.value))
    assert len(said) == 3, said
    return {periods.group(1), *said}


def test_a_week_ending_plan_writes_its_horizon_to_the_last_day_of_its_last_week(tmp_path):
    ends = pd.date_range("2011-01-07", "2011-09-30", freq="W-FRI")
    plan = _plan(tmp_path, "end", ends)
    first = pd.Timestamp("2011-10-07")

    # the plan's weeks end 2011-10-07 .. 2011-12-30 in the user's dates; a row of the week after
    assert _horizons(tmp_path, plan, first, pd.Timestamp("2012-01-06")) == {
        "2011-10-01..2011-12-30"
    }


def test_a_week_start_plan_writes_its_horizon_to_the_last_day_of_its_last_week(tmp_path):
    starts = pd.date_range("2011-01-07", "2011-09-30", freq="W-FRI")
    plan = _plan(tmp_path, "start", starts)
    first = pd.Timestamp("2011-10-07")

    assert _horizons(tmp_path, plan, first, pd.Timestamp("2012-01-06")) == {
        "2011-10-07..2012-01-05"
    }


def test_the_span_of_monthly_and_daily_periods_runs_to_their_last_day():
    assert plans.period_span("M", "2024-01-01", "2024-02-01") == (
        date(2024, 1, 1),
        date(2024, 2, 29),
    )
    assert plans.span_text("D", "2024-03-01", "2024-03-07") == "2024-03-01..2024-03-07"


def test_a_span_is_of_period_starts_and_another_day_is_refused():
    """`period_span` counts each period from the day it is given: a month-end date
    (2024-01-31) read as a month would run to 2024-02-29, a week-ending Friday to the Thursday
    after. It takes the plan's period starts and refuses another day."""
    for freq, first, last in (
        ("M", "2024-01-31", "2024-03-31"),
        ("W-SAT", "2011-12-30", "2011-12-30"),
    ):
        with pytest.raises(ValueError, match="not period starts"):
            plans.period_span(freq, first, last)


def _short_plan(tmp_path, freq: str, horizon: int):
    """A plan of two series whose horizon is `horizon` periods of `freq` (seasonal naive)."""

    pandas_freq = {"M": "MS", "Q": "QS", "W-MON": "W-MON"}[freq]
    start = "2021-01-04" if freq == "W-MON" else "2021-01-01"
    history = long_history([np.arange(1.0, 37.0) * 10, np.arange(1.0, 37.0)], start, pandas_freq)
    store = open_store(data_dir=tmp_path)
    state = plan_create.create_plan_from_frames(
        store,
        name=f"{horizon} x {freq}",
        history=history,
        attributes=None,
        freq=freq,
        horizon=horizon,
        team_attr=None,
        actor="olga",
        model="snaive",
    )
    return store, state


# (freq, periods, the horizon's first day, its last day): the last day of the last period
SHORT_HORIZONS = [
    ("M", 1, "2024-01-01", "2024-01-31"),
    ("M", 2, "2024-01-01", "2024-02-29"),
    ("Q", 1, "2030-01-01", "2030-03-31"),  # 36 quarters of history from 2021
    ("W-MON", 1, "2021-09-13", "2021-09-19"),  # the Monday's week ends on the Sunday
]


@pytest.mark.parametrize(("freq", "horizon", "first", "last"), SHORT_HORIZONS)
def test_an_event_in_the_last_period_of_a_short_horizon_is_taken_and_one_after_it_refused(
    tmp_path, freq, horizon, first, last
):
    """A one-period plan's horizon read as its first day only: an event in its only period (the
    horizon `plan show` writes) was refused as outside it, and applied to nothing."""
    store, state = _short_plan(tmp_path, freq, horizon)
    dates = system.horizon_dates(store, state)
    assert plans.horizon_text(state) == f"{first}..{last}"
    first, last = date.fromisoformat(first), date.fromisoformat(last)
    system.add_event(
        store,
        state.plan_id,
        "olga",
        name="last days",
        kind="other",
        start=last - pd.Timedelta(days=1),
        end=last,
        effect="percent",
        value=10.0,
    )
    touched = system.system_plan(store, state.plan_id)
    in_last = touched[touched[schema.DS] == dates[-1]]
    assert (in_last["system_plan"] > in_last["baseline"]).all()
    after = last + pd.Timedelta(days=1)
    with pytest.raises(Invalid) as refused:
        system.add_event(
            store,
            state.plan_id,
            "olga",
            name="too late",
            kind="other",
            start=after,
            end=after,
            effect="percent",
            value=10.0,
        )
    assert f"outside the plan's horizon {first}..{last}" in str(refused.value)
    store.close()


@pytest.mark.parametrize(
    ("freq", "horizon", "first", "last"), [h for h in SHORT_HORIZONS if h[1] == 1]
)
def test_a_one_period_export_ends_its_period_on_its_last_day(tmp_path, freq, horizon, first, last):
    """The export's period_end of a one-period plan: the last day of its month, quarter or
    week, not its first day."""
    from forecast.services import exports

    store, state = _short_plan(tmp_path, freq, horizon)
    rows = pd.read_csv(io.BytesIO(exports.export_plan(store, state.plan_id, "csv")), dtype=str)
    store.close()
    assert set(zip(rows["ds"], rows["period_end"], strict=True)) == {(first, last)}


def test_totals_stored_under_the_one_day_rule_are_recomputed_on_read(tmp_path, monkeypatch):
    """A one-period plan with an event, saved before the horizon had one rule, stored its totals
    with its only period one day long (the event on that day counted whole): the System page,
    `plan show` and the export (the frames) read the event's share of the month, the Negotiation
    ledger and Side by side (the stored totals) the whole event. Totals of the older method are
    recomputed on read."""
    from forecast import overrides
    from forecast.services import plan_totals

    store, state = _short_plan(tmp_path, "M", 1)
    first = system.horizon_dates(store, state)[0].date()

    def one_day_periods(state, events, frames):  # what the writer before the rule stored
        return overrides.apply_events(
            frames.baseline, frames.attributes, events, state.team_attr, "D"
        )

    monkeypatch.setattr(plan_totals, "METHOD", "plan-totals-8")
    monkeypatch.setattr(plan_totals, "_series_plan", one_day_periods)
    system.add_event(
        store,
        state.plan_id,
        "olga",
        name="first day",
        kind="other",
        start=first,
        end=first,
        effect="percent",
        value=10.0,
    )
    store.close()
    monkeypatch.undo()

    store = open_store(data_dir=tmp_path)
    state = plans.get_plan(store, state.plan_id)
    shown = system.system_plan(store, state.plan_id, "total")
    totals = plan_totals.of_plan(store, state).team_system_plan
    assert sum(totals.values()) / 100 == pytest.approx(shown["system_plan"].sum(), abs=0.01)
    cells = plan_totals.system_plan_cells(store, state)  # the negotiation's series frame
    assert cells is None or cells.sum() == pytest.approx(shown["system_plan"].sum())
    store.close()
