"""A quarterly or monthly plan as people read it: periods named in words where humans read
(``2017 Q1``, ``Jan 2017``) and ISO days where machines do, the factor picker offering the
history's periods, the weekly date marks only for weekly files, and the currency's origin said."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from dash import no_update

from dashboard.data_parts import view as data_view
from dashboard.system import view
from forecast import export
from forecast.overrides import Event, Scope
from forecast.plan import DatasetInfo, PlanState
from forecast.services import file_check, system_views
from forecast.services.system_views import Permission, SystemSetup
from forecast.vocabulary import period_label


def marked_deviation(day: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["series"],
            "key": ["Business"],
            "ds": pd.to_datetime([day]),
            "baseline": [100.0],
            "system_plan": [130.0],
            "deviation_pct": [30.0],
            "events": ["E1"],
            "explained": [False],
            "outdated": [False],
            "reason_code": [""],
            "text": [""],
        }
    )


def test_a_quarter_and_a_month_are_named_in_words_and_a_day_or_week_by_its_date():
    assert period_label("2017-01-01", "QS-JAN") == "2017 Q1"
    assert period_label("2017-10-01", "Q") == "2017 Q4"
    assert period_label("2017-01-01", "MS") == "Jan 2017"
    assert period_label("2017-12-01", "M") == "Dec 2017"
    assert period_label("2017-01-02", "W-MON") == "2017-01-02"
    assert period_label("2017-01-02", "D") == "2017-01-02"


def test_the_deviations_list_of_a_quarterly_plan_shows_the_quarter_and_keeps_the_day_as_key():
    (row,), _ = view.deviation_rows(marked_deviation("2018-04-01"), freq="QS")

    assert row["period"] == "2018 Q2"
    assert row["ds"] == "2018-04-01" and row["cell"] == "series|Business|2018-04-01"


def test_the_deviations_list_of_a_monthly_plan_shows_the_month():
    (row,), _ = view.deviation_rows(marked_deviation("2022-03-01"), freq="MS")

    assert row["period"] == "Mar 2022"


def test_the_events_grid_of_a_quarterly_plan_shows_the_quarters_and_edits_iso_days():
    event = Event(
        event_id="E1",
        name="Olympics",
        kind="promotion",
        scope=Scope(),
        start=date(2018, 1, 1),
        end=date(2018, 6, 30),
        effect="percent",
        value=10.0,
    )

    (row,) = view.event_rows([event], freq="QS")

    assert (row["start"], row["end"]) == ("2018-01-01", "2018-06-30")
    assert row["start_shown"] == "2018 Q1 (from 2018-01-01)"
    assert row["end_shown"] == "2018 Q2 (to 2018-06-30)"
    assert all(not isinstance(value, dict | list) for value in row.values())


def test_the_csv_export_names_each_quarter_beside_its_iso_first_day():
    negotiated = pd.DataFrame(
        {
            "unique_id": ["Business", "Business"],
            "ds": pd.to_datetime(["2018-01-01", "2018-04-01"]),
            "team": ["all", "all"],
            "baseline_minor": [100_00, 110_00],
            "system_plan_minor": [100_00, 120_00],
        }
    )

    rows = export.plan_rows(negotiated, "p1", 1, freq="QS")
    read = list(csv.DictReader(io.StringIO(export.to_csv(rows).decode())))

    assert [(r["ds"], r["period_end"], r["period"]) for r in read] == [
        ("2018-01-01", "2018-03-31", "2018 Q1"),
        ("2018-04-01", "2018-06-30", "2018 Q2"),
    ]


def quarterly_plan() -> PlanState:
    return PlanState(
        plan_id="p1",
        name="tourism",
        freq="QS-JAN",
        horizon=8,
        team_attr=None,
        created_by="olga",
        dataset=DatasetInfo(start="2016-01-01", end="2017-10-01"),
    )


def test_the_factor_picker_of_a_quarterly_plan_offers_the_historys_quarters_not_days():
    setup = SystemSetup(
        threshold=0.2,
        factors=[],
        edit=Permission(True),
        set_threshold=Permission(True),
        freq="QS-JAN",
        history_periods=system_views.history_periods(quarterly_plan()),
    )

    shown = view.setup_outputs(setup)

    assert shown.factor_day_hidden and not shown.factor_period_hidden
    assert [o["label"] for o in shown.factor_periods][:2] == [
        "2017 Q4 (from 2017-10-01)",
        "2017 Q3 (from 2017-07-01)",
    ]
    assert len(shown.factor_periods) == 8


def test_the_factor_picker_of_a_weekly_plan_keeps_the_day():
    weekly = quarterly_plan()
    weekly.freq = "W-MON"
    setup = SystemSetup(
        threshold=0.2,
        factors=[],
        edit=Permission(True),
        set_threshold=Permission(True),
        freq="W-MON",
        history_periods=system_views.history_periods(weekly),
    )

    shown = view.setup_outputs(setup)

    assert not shown.factor_day_hidden and shown.factor_period_hidden


def sales_csv(dates: pd.DatetimeIndex) -> bytes:
    rows = [
        {"Purpose": purpose, "Quarter": day.date().isoformat(), "Trips": 100 + i}
        for purpose in ("Business", "Holiday")
        for i, day in enumerate(dates)
    ]
    return pd.DataFrame(rows).to_csv(index=False).encode()


def test_the_weekly_date_marks_are_hidden_for_a_quarterly_file_and_shown_for_a_weekly_one():
    quarterly = file_check.check_file(
        sales_csv(pd.date_range("2012-01-01", periods=24, freq="QS")), filename="q.csv"
    )
    weekly = file_check.check_file(
        sales_csv(pd.date_range("2024-01-05", periods=30, freq="W-FRI")), filename="w.csv"
    )
    monthly = file_check.check_file(
        sales_csv(pd.date_range("2020-01-01", periods=30, freq="MS")), filename="m.csv"
    )

    assert data_view.preview_outputs(quarterly, "").week_dates_hidden is True
    assert data_view.preview_outputs(monthly, "").week_dates_hidden is True
    assert data_view.preview_outputs(weekly, "").week_dates_hidden is False


def test_a_new_file_offers_a_horizon_of_its_own_periods_and_a_reread_keeps_the_persons():
    """13 was offered for every file: 13 quarters of a quarterly file plan three years ahead."""
    quarterly = file_check.check_file(
        sales_csv(pd.date_range("2012-01-01", periods=24, freq="QS")), filename="q.csv"
    )
    monthly = file_check.check_file(
        sales_csv(pd.date_range("2020-01-01", periods=30, freq="MS")), filename="m.csv"
    )
    weekly = file_check.check_file(
        sales_csv(pd.date_range("2024-01-05", periods=30, freq="W-FRI")), filename="w.csv"
    )
    daily = file_check.check_file(
        sales_csv(pd.date_range("2024-01-01", periods=120, freq="D")), filename="d.csv"
    )

    offered = [
        data_view.preview_outputs(check, "", new_file=True).horizon
        for check in (quarterly, monthly, weekly, daily)
    ]

    assert offered == [4, 3, 13, 91]
    assert data_view.preview_outputs(quarterly, "Q").horizon is no_update


def test_the_cli_deviations_of_a_quarterly_plan_name_the_quarter_beside_the_day(tmp_path):
    from typer.testing import CliRunner

    from forecast.cli import app

    sales = tmp_path / "trips.csv"
    sales.write_bytes(sales_csv(pd.date_range("2010-01-01", periods=32, freq="QS")))
    store = ["--data-dir", str(tmp_path), "--as", "olga"]
    runner = CliRunner()
    created = runner.invoke(
        app,
        ["plan", "create", str(sales), "--name", "trips", "--horizon", "4", "--model", "snaive",
         "--currency", "none", *store],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    added = runner.invoke(
        app,
        ["plan", "event", "add", "trips", "--name", "Games", "--kind", "other", "--start",
         "2018-04-01", "--end", "2018-06-30", "--percent", "50", *store],
    )  # fmt: skip
    assert added.exit_code == 0, added.output

    listed = runner.invoke(app, ["plan", "deviations", "trips", *store[:2]])

    assert listed.exit_code == 0, listed.output
    header, first = listed.output.splitlines()[1:3]
    assert header.split()[2:4] == ["ds", "period"]
    assert "2018-04-01 2018 Q2" in first


def test_growth_of_a_plan_over_two_years_compares_the_first_year_that_last_year_reaches():
    from forecast.services import comparison
    from forecast.services import negotiation as nego
    from forecast.services.plan_create import create_plan_from_frames
    from forecast.store import MemoryStore

    quarters = pd.date_range("2012-01-01", periods=24, freq="QS")
    history = pd.concat(
        [
            pd.DataFrame({"unique_id": purpose, "ds": quarters, "y": 1000.0 + 10 * i})
            for i, purpose in enumerate(("Business", "Holiday"))
        ],
        ignore_index=True,
    )
    store = MemoryStore()
    state = create_plan_from_frames(
        store,
        name="trips",
        history=history,
        attributes=pd.DataFrame({"unique_id": ["Business", "Holiday"]}),
        freq="QS",
        horizon=8,
        team_attr=None,
        actor="olga",
        model="snaive",
    )
    nego.set_goal(store, state.plan_id, "olga", ratio="1.1")
    nego.close_round(store, state.plan_id, "olga")
    nego.assign(store, state.plan_id, "olga", "pro_rata_baseline")

    ledger = nego.ledger(store, state.plan_id).set_index("team")
    compared = comparison.compare_plans(store, state.plan_id).differences.set_index("team")

    # flat sales and a seasonal naive baseline: the first year's target is 10 % over last year
    last_year = 4 * (1000.0 + 1010.0)
    assert ledger.loc["all", "last_year"] == pytest.approx(last_year, abs=0.005)
    assert ledger.loc["all", "target_growth_vs_last_year_pct"] == pytest.approx(10.0, abs=0.01)
    assert "over 4 of 8 periods" in ledger.loc["all", "last_year_coverage"]
    assert compared.loc["all", "growth_pct"] == pytest.approx(10.0, abs=0.01)
