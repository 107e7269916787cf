"""Last year's events on this year's plan: `plan event export OLD` then `plan event import NEW
FILE --shift 52w` (or `1y`) moves every row's dates before checking them; without it every row
fell outside the new horizon and recurring events (Thanksgiving...) were typed again each year."""

from __future__ import annotations

import pandas as pd
import pytest
from test_week_ending_dates import _weekly_csv
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import event_import, plan_create, plan_file, plans, system
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store

ENDS = pd.date_range("2010-10-01", "2012-09-28", freq="W-FRI")


def _plan(store, name: str, last_week: str) -> str:
    ends = ENDS[pd.Timestamp(last_week) >= ENDS]
    state = plan_create.create_plan(
        store,
        name=name,
        source=_weekly_csv(ends),
        filename="walmart.csv",
        horizon=13,
        team_attr=None,
        actor="olga",
        model="snaive",
        week_dates="end",
    )
    return state.plan_id


@pytest.fixture
def two_years(tmp_path):
    """Q4 2011 with Thanksgiving and Black Friday as an event, and Q4 2012 without events."""
    store = open_store(data_dir=tmp_path)
    old = _plan(store, "q4 2011", "2011-09-30")
    new = _plan(store, "q4 2012", "2012-09-28")
    system.add_event(
        store,
        old,
        "olga",
        name="Thanksgiving",
        kind="festival",
        start="2011-11-24",
        end="2011-11-25",
        effect="percent",
        value=40.0,
        reason="turkey week",
    )
    store.close()
    return tmp_path, old, new


def _run(tmp_path, *args: str):
    return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path), "--as", "olga"])


def _export(tmp_path, plan: str):
    out = tmp_path / "ev.csv"
    done = CliRunner().invoke(
        app, ["plan", "event", "export", plan, "-o", str(out), "--data-dir", str(tmp_path)]
    )
    assert done.exit_code == 0, done.output
    return out


@pytest.mark.parametrize("shift", ["52w", "1y"])
def test_last_years_events_import_a_year_later_on_the_same_weekdays(two_years, shift):
    tmp_path, old, new = two_years
    ev = _export(tmp_path, old)
    unshifted = _run(tmp_path, "plan", "event", "import", new, str(ev))
    assert unshifted.exit_code != 0 and "outside the plan's horizon" in unshifted.output

    done = _run(tmp_path, "plan", "event", "import", new, str(ev), "--shift", shift)

    assert done.exit_code == 0, done.output
    assert "moved by" in done.output and "52 weeks" in done.output
    store = open_store(data_dir=tmp_path)
    (event,) = system.events_of(plans.get_plan(store, new))
    store.close()
    # Thanksgiving 2012 is Thursday 2012-11-22: 52 weeks after 2011-11-24, a Thursday too
    assert (str(event.start), str(event.end)) == ("2012-11-22", "2012-11-23")
    assert event.name == "Thanksgiving" and event.effect == "percent" and event.value == 40.0
    assert event.reason == "turkey week"


@pytest.mark.parametrize("text", ["1 year", "52", "w52", "0w", "3x"])
def test_a_shift_that_cannot_be_read_is_refused_saying_how_to_write_one(two_years, text):
    tmp_path, old, new = two_years
    ev = _export(tmp_path, old)

    done = _run(tmp_path, "plan", "event", "import", new, str(ev), "--shift", text)

    assert done.exit_code != 0
    assert f"cannot read the shift {text!r}" in done.output
    assert "52w (weeks)" in done.output


def test_a_year_on_a_monthly_plan_is_twelve_months():
    year = event_import.parse_shift("1y")
    assert year is not None
    assert str(year.move(pd.Timestamp("2011-12-01").date(), "M")) == "2012-12-01"
    assert str(year.move(pd.Timestamp("2011-11-24").date(), "W-SAT")) == "2012-11-22"
    assert event_import.parse_shift("  ") is None
    with pytest.raises(Invalid):
        event_import.parse_shift("+y")


@pytest.mark.parametrize(
    ("shift", "start", "end", "moved"),
    [
        ("1y", "2011-02-01", "2011-02-28", ("2012-02-01", "2012-02-29")),
        ("1m", "2011-04-01", "2011-04-30", ("2011-05-01", "2011-05-31")),
        ("-1y", "2012-02-01", "2012-02-29", ("2011-02-01", "2011-02-28")),
        ("1m", "2011-04-10", "2011-04-20", ("2011-05-10", "2011-05-20")),
    ],
)
def test_a_monthly_event_ending_on_its_months_last_day_ends_on_the_moved_months_last_day(
    shift, start, end, moved
):
    by = event_import.parse_shift(shift)
    assert by is not None
    span = (by.move(pd.Timestamp(day).date(), "MS") for day in (start, end))
    assert tuple(str(day) for day in span) == moved


@pytest.mark.parametrize("text", ["9999y", "-9999m", "9999w", "101y"])
def test_a_shift_of_centuries_is_refused_saying_how_far_one_may_go(two_years, text):
    tmp_path, old, new = two_years
    ev = _export(tmp_path, old)

    done = _run(tmp_path, "plan", "event", "import", new, str(ev), "--shift", text)

    assert done.exit_code != 0 and "internal error" not in done.output
    assert f"the shift {text!r} is more than 100 years" in done.output
    assert "52w (weeks)" in done.output


def test_a_date_the_shift_moves_past_the_calendar_is_that_rows_problem():
    year = event_import.parse_shift("100y")
    assert year is not None
    with pytest.raises(Invalid, match="past the calendar"):
        year.move(pd.Timestamp("9950-06-30").date(), "MS")
    with pytest.raises(Invalid, match="past the calendar"):
        year.move(pd.Timestamp("9950-06-30").date(), "W-FRI")


def test_a_shifted_row_outside_the_horizon_says_where_it_was_moved_from_and_the_files_dates(
    two_years,
):
    tmp_path, old, new = two_years
    ev = _export(tmp_path, old)

    done = _run(tmp_path, "plan", "event", "import", new, str(ev), "--shift", "2y")

    assert done.exit_code != 0
    said = " ".join(done.output.split())
    # 104 weeks after 2011-11-24 is 2013-11-21, past the new plan's Q4 2012
    assert "the period 2013-11-21..2013-11-22 (moved by 2 years from 2011-11-24..2011-11-25)" in (
        said
    )
    # the fix in the file's own dates: the new horizon moved back by the shift
    assert "in the file, dates inside 2010-10-" in said


def test_the_success_note_lists_each_moved_events_dates_it_has_from_the_import_not_its_words(
    two_years,
):
    from dataclasses import replace

    from dashboard.system import event_file

    tmp_path, old, new = two_years
    ev = _export(tmp_path, old)
    store = open_store(data_dir=tmp_path)
    done = event_import.import_events(store, new, "olga", ev, shift="1y", dry_run=True)
    store.close()

    said = event_file.imported_text(replace(done, notes=[]))  # not read back from a note's words

    assert "moved by 1 year (52 weeks)" in said
    # a holiday 52 weeks on may be a week off (Thanksgiving 2013 is 11-28): the dates to check
    assert "Thanksgiving 2011-11-24..2011-11-25 → 2012-11-22..2012-11-23" in said
    cli = _run(tmp_path, "plan", "event", "import", new, str(ev), "--shift", "1y")
    assert "(row 2, moved from 2011-11-24..2011-11-25)" in cli.output


def test_the_shift_rule_is_said_in_one_wording_wherever_it_is_explained():
    from dashboard.system import event_file

    help_text = " ".join(_run("/nonexistent", "plan", "event", "import", "--help").output.split())
    rule = event_import.SHIFT_YEAR
    assert "12 months on a monthly or quarterly plan" in rule
    assert "not always its holiday" in rule  # 52 weeks keep the weekday, not the holiday
    assert rule in event_import.SHIFT_FIX and rule in event_file.SHIFT_HELP
    assert "not always its holiday" in help_text and "monthly or quarterly" in help_text


def test_a_row_the_shift_moves_past_year_9999_is_refused_as_that_rows_problem(tmp_path):
    store = open_store(data_dir=tmp_path)
    new = _plan(store, "q4 2012", "2012-09-28")
    far = b"name,kind,start,end,effect,value\nX,festival,9999-11-24,9999-11-25,percent,10\n"

    with pytest.raises(plan_file.InvalidFile) as refused:
        event_import.import_events(store, new, "olga", far, "far.csv", shift="1y", dry_run=True)
    store.close()

    (start, end) = refused.value.problems
    assert (start.row, start.column, end.column) == (2, "start", "end")
    assert "the shift '1y' moves 9999-11-24 past the calendar's years 1..9999" in str(start)


def test_every_count_up_to_the_limit_is_read_in_each_unit_and_one_more_is_refused_as_too_far():
    for unit, most in event_import.MAX_SHIFT.items():
        shift = event_import.parse_shift(f"{most}{unit}")
        assert shift is not None and shift.count == most
        with pytest.raises(Invalid, match="more than 100 years; move by at most 100 years"):
            event_import.parse_shift(f"{most + 1}{unit}")


def test_a_long_unreadable_shift_is_said_back_in_part_only():
    with pytest.raises(Invalid) as refused:
        event_import.parse_shift("1" * 5000 + "y")
    assert "cannot read the shift '1111" in str(refused.value)
    assert len(str(refused.value)) < 1000
