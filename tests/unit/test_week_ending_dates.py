"""Weekly files dated by the last day of each week ("week ending", as US retail files are):
`--week-dates end` dates every week by its first day, so events, holidays and actuals land in
the week they belong to."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.fix_hints import PAGE_FIXES
from forecast.cli.fix_hints import CLI_FIXES
from forecast.engine.ingest import IngestError, read_sales
from forecast.services import actuals, plan_create, plan_file, system
from forecast.store import MemoryStore

# Weeks ending on Fridays, as Walmart's file: the week ending 2012-11-23 holds Thanksgiving.
ENDS = pd.date_range("2011-01-07", "2012-11-30", freq="W-FRI")


def _weekly_csv(ends: pd.DatetimeIndex = ENDS, stores: int = 3) -> bytes:
    rng = np.random.default_rng(3)
    lines = ["Store,Date,Weekly_Sales,Holiday_Flag"]
    for store in range(1, stores + 1):
        for end in ends:
            holiday = int(end in (pd.Timestamp("2011-11-25"), pd.Timestamp("2012-11-23")))
            sales = 1000 + 400 * holiday + rng.integers(0, 50)
            lines.append(f"{store},{end:%d-%m-%Y},{sales},{holiday}")
    return "\n".join(lines).encode()


def test_week_ending_dates_are_moved_to_the_first_day_of_their_week() -> None:
    result = read_sales(_weekly_csv(), filename="walmart.csv", week_dates="end")
    assert result.freq == "W-SAT"
    assert result.history["ds"].min() == ENDS[0] - pd.Timedelta(days=6)
    flagged = result.history.loc[result.history["Holiday_Flag"] > 0, "ds"].drop_duplicates()
    thanksgiving = pd.Timestamp("2012-11-22")
    assert any(start <= thanksgiving <= start + pd.Timedelta(days=6) for start in flagged)
    assert result.mapping.week_dates == "end"
    assert any("the end of each week" in note for note in result.report.notes)


def test_the_same_file_read_as_week_starts_keeps_its_dates() -> None:
    result = read_sales(_weekly_csv(), filename="walmart.csv")
    assert result.freq == "W-FRI" and result.history["ds"].min() == ENDS[0]


def test_week_dates_end_on_a_daily_file_reads_the_dates_as_they_are_and_says_so() -> None:
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    text = "store,date,sales\n" + "\n".join(f"1,{d.date()},5" for d in days)
    result = read_sales(text.encode(), filename="daily.csv", week_dates="end")
    assert result.history["ds"].min() == days[0]
    assert any("not weekly" in note for note in result.report.notes)


def test_a_daily_file_read_with_week_dates_end_keeps_no_week_ending_rule_for_later_files() -> None:
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    text = "store,date,sales\n" + "\n".join(f"1,{d.date()},5" for d in days)
    result = read_sales(text.encode(), filename="daily.csv", freq="W", week_dates="end")
    assert result.mapping.week_dates == "start"


def test_an_unknown_way_of_dating_weeks_is_refused_with_the_choices() -> None:
    with pytest.raises(IngestError, match="'start'.*'end'"):
        read_sales(_weekly_csv(), filename="walmart.csv", week_dates="middle")


def test_a_plan_of_week_ending_data_puts_a_thanksgiving_event_and_its_actuals_in_the_right_week():
    store = MemoryStore()
    history_ends = ENDS[: ENDS.get_loc(pd.Timestamp("2012-11-09")) + 1]
    state = plan_create.create_plan(
        store,
        name="us weeks",
        source=_weekly_csv(history_ends),
        filename="walmart.csv",
        horizon=4,
        team_attr=None,
        actor="olga",
        model="snaive",
        week_dates="end",
    )
    ahead = list(system.horizon_dates(store, state))
    assert ahead[0] == pd.Timestamp("2012-11-10")  # the week ending 2012-11-16
    saved = system.add_event(
        store,
        state.plan_id,
        "olga",
        name="Thanksgiving",
        kind="festival",
        start="2012-11-22",
        end="2012-11-22",
        effect="percent",
        value=40,
    )
    frame = system.system_plan(store, state.plan_id)
    touched = frame.loc[frame["events"] == saved.event.event_id, "ds"].drop_duplicates()
    assert list(touched) == [pd.Timestamp("2012-11-17")]  # the file's week ending 2012-11-23
    later = _weekly_csv(pd.DatetimeIndex(["2012-11-16", "2012-11-23"]))
    read, _notes = actuals.read_actuals(store, state.plan_id, later, filename="actuals.csv")
    assert sorted(read["ds"].unique()) == [pd.Timestamp("2012-11-10"), pd.Timestamp("2012-11-17")]


def test_the_baseline_command_dates_week_ending_files_the_same_way(tmp_path) -> None:
    from typer.testing import CliRunner

    from forecast.cli import app

    source = tmp_path / "walmart.csv"
    source.write_bytes(_weekly_csv())
    out = tmp_path / "baseline.csv"
    result = CliRunner().invoke(
        app,
        ["baseline", str(source), "--horizon", "2", "--model", "snaive", "--week-dates", "end",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    dates = pd.to_datetime(pd.read_csv(out)["ds"]).drop_duplicates().tolist()
    assert dates == [ENDS[-1] + pd.Timedelta(days=1), ENDS[-1] + pd.Timedelta(days=8)]


def test_a_one_day_file_off_the_week_end_on_a_week_ending_plan_says_to_read_it_as_one_day():
    store = MemoryStore()
    state = plan_create.create_plan(
        store,
        name="us weeks",
        source=_weekly_csv(ENDS[ENDS <= "2012-08-31"]),
        filename="walmart.csv",
        horizon=8,
        team_attr=None,
        actor="olga",
        model="snaive",
        week_dates="end",
    )
    wednesday = "".join(f"{shop},12-09-2012,900,0\n" for shop in (1, 2, 3))
    one_day = ("Store,Date,Weekly_Sales,Holiday_Flag\n" + wednesday).encode()

    with pytest.raises(plan_file.InvalidFile) as refused:
        actuals.upload_actuals(store, state.plan_id, one_day, filename="one.csv", actor="olga")

    said = str(refused.value)
    assert "single date, 2012-09-12 (a Wednesday), was read as a week's end" in said
    # each face says its own way to read it as one day: the CLI's option, the page's field
    (problem,) = refused.value.problems
    cli, page = problem.fix_in(CLI_FIXES), problem.fix_in(PAGE_FIXES)
    assert "if it is one day's sales, read it with week dates 'start' (--week-dates start" in cli
    assert "Week dates: the week's first day" in page
    assert "Actuals page" not in cli and "Week dates" not in cli and "--" not in page


def test_week_ending_actuals_on_another_weekday_are_told_to_date_each_week_by_its_last_day():
    """Read as week ending, a week's date is its last day: the fix said to date each row by the
    day its week starts on, which the next read would take as a week's end again."""
    store = MemoryStore()
    state = plan_create.create_plan(
        store,
        name="us weeks",
        source=_weekly_csv(ENDS[ENDS <= "2012-08-31"]),
        filename="walmart.csv",
        horizon=8,
        team_attr=None,
        actor="olga",
        model="snaive",
        week_dates="end",
    )  # weeks run Saturday to Friday
    sundays = pd.date_range("2012-09-02", periods=3, freq="W-SUN")

    with pytest.raises(plan_file.InvalidFile) as refused:
        actuals.upload_actuals(
            store, state.plan_id, _weekly_csv(sundays), filename="sun.csv", actor="olga"
        )

    fix = refused.value.problems[0].fix
    assert fix.startswith("date each row by the Friday its week ends on, summing the sales of")
