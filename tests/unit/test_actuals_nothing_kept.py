"""A file of actuals that reading leaves nothing of inside the plan is refused saying why, kind
by kind (the weeks it covers only in part, what lies outside the plan), with what to do, on the
CLI and on the Actuals page; a file without a name is called the same everywhere."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.pages import actuals as actuals_page
from forecast.engine.ingest import IngestError, read_sales
from forecast.services import actuals, negotiation
from forecast.services.errors import FixKey, Invalid
from forecast.services.store_factory import open_store
from forecast.services.uploads import UNNAMED_FILE
from tests.signin import acting_as
from tests.unit.test_cli_actuals_left_out import daily_rows, invoke, sales_file
from tests.unit.test_cli_actuals_left_out import setup as setup  # noqa: F401 (fixture)


@pytest.fixture
def store(setup):  # noqa: F811
    opened = open_store(data_dir=setup["data_dir"])
    yield opened
    opened.close()


def monday_to_sunday(setup: dict) -> list[tuple[str, pd.Timestamp, float]]:
    """Seven days across two of the plan's Friday-to-Thursday weeks: 4 of the first, 3 of the
    second, both left out at the edges by the reader."""
    return daily_rows(setup["weeks"][0] + pd.Timedelta(days=3), 7)


def test_a_file_the_reader_leaves_out_at_both_edges_is_refused_naming_each_partial_week(
    setup,  # noqa: F811
    store,
):
    week = sales_file(setup, "week.csv", monday_to_sunday(setup))

    with pytest.raises(Invalid) as refused:
        actuals.upload_actuals(store, setup["plan"], week, actor="olga")

    said = refused.value.reason
    assert said == (
        "actuals: week.csv: the week 2024-03-01..2024-03-07 is only partly covered (4 of 7 "
        "days) and was left out; the week 2024-03-08..2024-03-14 is only partly covered (3 of 7 "
        "days) and was left out; nothing was kept"
    )
    assert refused.value.fix is not None
    assert refused.value.fix.key is FixKey.ACTUALS_WHOLE_PERIODS
    assert "upload it once the weeks are complete" in str(refused.value)
    assert store.actuals_versions(setup["plan"]) == []


def test_a_partial_week_of_the_horizon_and_weeks_after_it_are_refused_naming_both(
    setup,  # noqa: F811
    store,
):
    last_week = setup["weeks"][-1]
    later = sales_file(setup, "later.csv", daily_rows(last_week + pd.Timedelta(days=4), 17))

    with pytest.raises(Invalid) as refused:
        actuals.upload_actuals(store, setup["plan"], later, actor="olga")

    said = str(refused.value)
    assert f"the week {last_week:%Y-%m-%d}.." in said and "(3 of 7 days) and was left out" in said
    assert "period(s) outside the plan's horizon" in said and "nothing was kept" in said
    assert "shares no series and period" not in said


def test_plan_actuals_says_why_nothing_was_kept_and_how_to_keep_whole_weeks(setup):  # noqa: F811
    week = sales_file(setup, "week.csv", monday_to_sunday(setup))
    args = ("plan", "actuals", setup["plan"], str(week), "--as", "olga")

    refused = invoke(setup, *args)
    kept = invoke(setup, *args, "--whole-periods")

    assert refused.exit_code == 2
    assert "the week 2024-03-08..2024-03-14 is only partly covered (3 of 7 days)" in refused.stderr
    assert "nothing was kept" in refused.stderr and "--whole-periods" in refused.stderr
    assert kept.exit_code == 0, kept.output
    assert "8 series-periods kept" in kept.stdout


def test_the_actuals_page_says_why_nothing_was_kept_and_to_tick_whole_periods(
    setup,  # noqa: F811
    store,
):
    week = sales_file(setup, "week.csv", monday_to_sunday(setup)).read_bytes()
    ctx = type("Ctx", (), {"store": store})()

    with acting_as(store, "olga"):
        shown = actuals_page.keep_and_score(ctx, setup["plan"], {}, week, "week.csv")[-1]

    said = str(shown)
    assert "the week 2024-03-01..2024-03-07 is only partly covered (4 of 7 days)" in said
    assert "nothing was kept" in said and "tick 'Whole periods'" in said
    assert "--whole-periods" not in said


def test_a_file_without_a_name_is_called_the_uploaded_file_by_the_reader_upload_and_score(
    setup,  # noqa: F811
    store,
):
    partial = sales_file(setup, "partial.csv", daily_rows(setup["weeks"][0], 3)).read_bytes()

    with pytest.raises(IngestError) as unread:
        read_sales(b"")
    with pytest.raises(Invalid) as not_kept:
        actuals.upload_actuals(store, setup["plan"], partial, actor="olga")
    with pytest.raises(Invalid) as not_scored:
        negotiation.score_file_noted(store, setup["plan"], partial)

    assert UNNAMED_FILE == "the uploaded file"
    assert [problem.file for problem in unread.value.problems] == [UNNAMED_FILE]
    assert str(not_kept.value).startswith(f"actuals: {UNNAMED_FILE}: ")
    assert str(not_scored.value).startswith(f"actuals: {UNNAMED_FILE}: ")


def test_the_reader_marks_the_problems_of_repeated_rows_which_actuals_word_as_corrections(
    setup,  # noqa: F811
    store,
):
    rows = daily_rows(setup["weeks"][0], 7)
    lines = [f"{uid},{day:%Y-%m-%d},{y}" for uid, day, y in [*rows, rows[0]]]
    repeated = setup["base"] / "twice.csv"
    repeated.write_text("\n".join(["unique_id,ds,y", *lines, "a1,someday,1"]) + "\n")

    with pytest.raises(IngestError) as unread:
        read_sales(repeated.read_bytes(), filename="twice.csv", duplicates="refuse")
    with pytest.raises(Invalid) as refused:
        actuals.upload_actuals(store, setup["plan"], repeated, actor="olga")

    marked = {problem.message: problem.repeated_row for problem in unread.value.problems}
    assert [message for message, repeated in marked.items() if repeated] == [
        "second row for series 'a0' on this date (first at row 2)"
    ]
    assert not all(marked.values())  # the bad date is no repeated row
    corrections = [p for p in refused.value.problems if "usually a correction" in p.fix]
    assert [p.value for p in corrections] == [rows[0][1].strftime("%Y-%m-%d")]


def test_plan_score_refuses_a_file_wholly_outside_the_plan_naming_what_it_lies_outside_of(
    setup,  # noqa: F811
    store,
):
    after_horizon = setup["weeks"][-1] + pd.Timedelta(weeks=2)
    rows = [(uid, after_horizon, 70.0) for uid in ("a0", "a1")] + [("zz", setup["weeks"][0], 5.0)]
    outside = sales_file(setup, "outside.csv", rows)

    with pytest.raises(Invalid) as not_scored:
        negotiation.score_file_noted(store, setup["plan"], outside, filename="outside.csv")

    said = str(not_scored.value)
    assert said.startswith("actuals: outside.csv: ") and said.endswith("; nothing to score")
    assert "1 row(s) of 1 series not in the plan left out: zz" in said
    assert "2 row(s) of 1 period(s) outside the plan's horizon" in said
    assert "with no actuals in its horizon" not in said


def test_a_file_refused_for_one_repeated_row_says_each_faces_own_way_to_sum_them(
    setup,  # noqa: F811
    store,
):
    """One repeated row (one problem): the command line names its option, the Actuals page the
    box to tick, as the page does for many such rows; neither says the other's words."""
    rows = daily_rows(setup["weeks"][0], 7)
    lines = [f"{uid},{day:%Y-%m-%d},{y}" for uid, day, y in [*rows, rows[0]]]
    repeated = setup["base"] / "twice.csv"
    repeated.write_text("\n".join(["unique_id,ds,y", *lines]) + "\n")
    ctx = type("Ctx", (), {"store": store})()

    refused = invoke(setup, "plan", "actuals", setup["plan"], str(repeated), "--as", "olga")
    with acting_as(store, "olga"):
        shown = actuals_page.keep_and_score(
            ctx, setup["plan"], {}, repeated.read_bytes(), "twice.csv"
        )[-1]

    cli = " ".join(refused.stderr.split())
    assert refused.exit_code == 2 and "second row for series 'a0'" in cli
    assert "--duplicates sum" in cli and "Actuals page" not in cli, cli
    page = " ".join(str(shown).split())
    assert "second row for series 'a0'" in page and "usually a correction" in page
    assert "tick 'Sum rows of the same series and date'" in page
    assert "--duplicates" not in page, page
