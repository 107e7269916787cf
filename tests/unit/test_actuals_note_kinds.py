"""What reading a file of actuals says is typed: a note's kind, not its words, decides whether it
is a warning that -q does not silence (sales left out) and how scoring says it."""

from __future__ import annotations

import dataclasses

import pandas as pd

from forecast.cli.common import say_notes
from forecast.engine.ingest import ReaderNote, read_sales
from forecast.services import actuals, negotiation
from forecast.services.actuals_notes import NoteKind
from forecast.services.store_factory import open_store
from tests.unit.test_actuals_order_lines import as_csv, order_lines, quiet_days
from tests.unit.test_actuals_order_lines import quiet_plan as quiet_plan  # noqa: F401 (fixture)
from tests.unit.test_actuals_order_lines import store as store  # noqa: F401 (fixture)
from tests.unit.test_cli_actuals_left_out import daily_rows, invoke, sales_file
from tests.unit.test_cli_actuals_left_out import setup as setup  # noqa: F401 (fixture)


def kinds(notes) -> list[NoteKind]:
    return [note.kind for note in notes]


def read(setup: dict, path, **options):
    store = open_store(data_dir=setup["data_dir"])
    try:
        return actuals.read_actuals(store, setup["plan"], path, filename=path.name, **options)
    finally:
        store.close()


def test_a_partial_week_is_left_out_by_kind_and_named_by_its_period(setup):
    week = setup["weeks"][0]
    partial = sales_file(setup, "partial.csv", daily_rows(week, 3))

    frame, notes = read(setup, partial)

    assert frame.empty
    [note] = [n for n in notes if n.left_out]
    assert note.kind is NoteKind.LEFT_OUT_PARTIAL_PERIOD
    assert note.period == (week, week + pd.Timedelta(days=6))


def test_a_week_the_reader_leaves_out_at_the_edge_is_left_out_by_kind(setup):
    ten_days = sales_file(setup, "ten_days.csv", daily_rows(setup["weeks"][0], 10))

    frame, notes = read(setup, ten_days)

    assert sorted(frame["ds"].unique()) == [setup["weeks"][0]]
    assert [n.kind for n in notes if n.left_out] == [NoteKind.LEFT_OUT_EDGE_PERIOD]


def test_the_whole_periods_tick_keeps_the_partial_week_by_kind(setup):
    ten_days = sales_file(setup, "ten_days.csv", daily_rows(setup["weeks"][0], 10))

    frame, notes = read(setup, ten_days, whole_periods=True)

    assert sorted(frame["ds"].unique()) == setup["weeks"][:2]
    assert NoteKind.KEPT_WHOLE_BY_REQUEST in kinds(notes)
    assert not [n for n in notes if n.left_out]


def test_a_quiet_edge_of_order_lines_is_kept_by_kind(store, quiet_plan):  # noqa: F811
    lines = quiet_days(order_lines("2021-07-01", "2021-09-29", seed=7), share=0.07)

    upload = actuals.upload_actuals(
        store, quiet_plan, as_csv(lines), filename="q3.csv", actor="olga"
    )

    [quiet] = [n for n in upload.noted if n.kind is NoteKind.KEPT_QUIET_EDGE]
    assert quiet.period == (pd.Timestamp("2021-09-01"), pd.Timestamp("2021-09-30"))
    assert not quiet.left_out


def test_scoring_says_a_note_by_its_kind_whatever_its_upload_words(setup, capsys):
    partial = sales_file(setup, "partial.csv", daily_rows(setup["weeks"][0], 3))
    _, notes = read(setup, partial)
    [note] = [n for n in notes if n.left_out]
    # the words of a left-out note under a kind that leaves nothing out, and the other way round
    same_words_other_kind = dataclasses.replace(note, kind=NoteKind.READER)
    other_words_same_kind = dataclasses.replace(
        note, text="a partial week", scoring_text="a partial week, unscored"
    )

    scored = [n.for_scoring() for n in (same_words_other_kind, other_words_same_kind)]
    say_notes(scored)

    said = capsys.readouterr().err.splitlines()
    assert "left out" in scored[0].text and not scored[0].left_out
    assert said[0] == f"  note: {scored[0].text}"  # a note, not a warning
    assert scored[1].left_out and said[1] == "warning: a partial week, unscored"
    assert "score it once the whole period is in" in note.for_scoring().text
    assert "upload" not in note.for_scoring().text


def test_scoring_a_file_keeps_each_notes_kind(setup):
    ten_days = sales_file(setup, "ten_days.csv", daily_rows(setup["weeks"][0], 10))
    store = open_store(data_dir=setup["data_dir"])
    try:
        scored = negotiation.score_file_noted(store, setup["plan"], ten_days)
    finally:
        store.close()

    assert [n.kind for n in scored.notes if n.left_out] == [NoteKind.LEFT_OUT_EDGE_PERIOD]
    assert scored.notes[-1].kind is NoteKind.NO_GOAL_SCORED


def test_a_column_named_left_out_is_no_warning_with_quiet(setup):
    """An ignored column is named in a note; its name saying "left out" leaves no sales out."""
    frame = pd.DataFrame(daily_rows(setup["weeks"][0], 7), columns=["unique_id", "ds", "y"])
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    frame["left out"] = [f"remark {row}" for row in range(len(frame))]
    path = setup["base"] / "with_remarks.csv"
    frame.to_csv(path, index=False)

    kept = invoke(setup, "plan", "actuals", setup["plan"], str(path), "--as", "olga", "-q")
    scored = invoke(setup, "plan", "score", setup["plan"], str(path), "-q")

    assert kept.exit_code == 0 and scored.exit_code == 0, kept.output + scored.output
    assert "4 series-periods kept" in kept.stdout
    assert "left out" not in kept.stderr and "left out" not in scored.stderr


def test_the_reader_gives_the_notes_actuals_act_on_their_kind():
    days = pd.date_range("2024-01-01", "2024-01-24", freq="D")  # stops on a Wednesday
    rows = pd.DataFrame({"Store": 1, "Date": days.strftime("%Y-%m-%d"), "Sales": 10.0})
    twice = pd.concat([rows, rows.head(1)]).to_csv(index=False).encode()

    report = read_sales(twice, filename="s.csv", freq="W").report

    said = {report.kind_of(note): note for note in report.notes}
    assert "(starting 2024-01-22)" in said[ReaderNote.EDGE_PERIOD_LEFT_OUT]
    assert said[ReaderNote.SAME_DATE_ROWS_SUMMED].startswith("1 rows share a series and date")
    assert said[None]  # the others are only said
