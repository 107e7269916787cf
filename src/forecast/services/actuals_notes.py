"""The notes of reading a file of actuals, typed: what each is about (`NoteKind`) decides what is
done with it (said as a warning, which -q does not silence, or as a note; said in the words of
scoring), and its words, rendered once where it is made, are only said.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class NoteKind(StrEnum):
    READER = "reader"  # a note of the file's reader, said as it is
    LEFT_OUT_EDGE_PERIOD = "left_out_edge_period"  # the reader's: an edge period partly covered
    LEFT_OUT_PARTIAL_PERIOD = "left_out_partial_period"  # a first or last period partly covered
    LEFT_OUT_DAYS_MISSING = "left_out_days_missing"  # a period whose days the file skips
    LEFT_OUT_PARTIAL_SERIES_PERIODS = "left_out_partial_series_periods"  # per series, in part
    LEFT_OUT_NO_ROW = "left_out_no_row"  # series-periods without a row, not taken as 0
    LEFT_OUT_OUTSIDE_PLAN = "left_out_outside_plan"  # rows of series or periods not in the plan
    LEFT_OUT_PLAN_SERIES = "left_out_plan_series"  # plan series the file has no sales of
    KEPT_QUIET_EDGE = "kept_quiet_edge"  # an edge period a sparse file is quiet at, kept
    KEPT_WHOLE_BY_REQUEST = "kept_whole_by_request"  # periods kept whole at the person's word
    KEPT_EMPTY_AS_ZERO = "kept_empty_as_zero"  # series-periods without a row kept as 0 (whole)
    ROWS_SUMMED = "rows_summed"  # rows sharing a series and date, summed
    FAR_OFF_CELLS = "far_off_cells"  # actuals kept that are far off the forecast and history
    ENDED_SERIES_AS_ZERO = "ended_series_as_zero"  # series the plan reads as ended, no rows: 0
    ENDED_SERIES_WITH_ROWS = "ended_series_with_rows"  # series the plan reads as ended, with rows
    NO_GOAL_SCORED = "no_goal_scored"  # a plan without a goal: only the system plan scored


LEFT_OUT_KINDS = frozenset(
    {
        NoteKind.LEFT_OUT_EDGE_PERIOD,
        NoteKind.LEFT_OUT_PARTIAL_PERIOD,
        NoteKind.LEFT_OUT_DAYS_MISSING,
        NoteKind.LEFT_OUT_PARTIAL_SERIES_PERIODS,
        NoteKind.LEFT_OUT_NO_ROW,
        NoteKind.LEFT_OUT_OUTSIDE_PLAN,
        NoteKind.LEFT_OUT_PLAN_SERIES,
    }
)
"""The notes saying sales of the file were left out: they change what is kept or scored."""

PARTIAL_PERIOD_KINDS = frozenset(
    {
        NoteKind.LEFT_OUT_EDGE_PERIOD,
        NoteKind.LEFT_OUT_PARTIAL_PERIOD,
        NoteKind.LEFT_OUT_DAYS_MISSING,
    }
)
"""A whole period of the file left out as partial (`ActualsNote.period` says which)."""


@dataclass(frozen=True)
class ActualsNote:
    """One note of reading a file of actuals: its kind, its words as an upload says them and,
    where they differ, as scoring the file says them (scoring keeps nothing), and the period it
    is about, if one."""

    kind: NoteKind
    text: str
    scoring_text: str = ""  # "": the same words as `text`
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None  # first and last day
    # What a left-out note left out and why, without what to do: its words in the refusal of a
    # file it left nothing of, which says what to do once ("": the same words as `text`).
    why_left_out: str = ""
    # A file of one date on the last day of one of the plan's weeks, left out as partial: that
    # date, which may date the whole week by its end (the refusal's fix says how to read it so).
    week_end: pd.Timestamp | None = None

    @property
    def left_out(self) -> bool:
        """Whether it says sales of the file were left out: a warning, which -q does not
        silence, where the others are notes."""
        return self.kind in LEFT_OUT_KINDS

    @property
    def why(self) -> str:
        """What it left out and why, as a refusal that nothing was kept says it."""
        return self.why_left_out or self.text

    def for_scoring(self) -> ActualsNote:
        """The note in the words of `plan score`: what it means for the score."""
        return dataclasses.replace(self, text=self.scoring_text or self.text, scoring_text="")

    def __str__(self) -> str:
        return self.text


def texts(notes: list[ActualsNote]) -> list[str]:
    return [note.text for note in notes]
