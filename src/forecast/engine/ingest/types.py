"""Result and error types of ingest: what `read_sales` returns or raises."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from forecast.errors import NEUTRAL_FIXES, Fix, FixKey


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as a spreadsheet user would find it.

    `row` is the 1-based line in the file with the header as row 1 (None for whole-file problems).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    # The rows this line stands for: 1, or for the closing "N more rows have the same problem"
    # line, those N.
    rows: int = 1
    repeated_row: bool = False  # a row repeating an earlier row's series and date
    # The fix as a key each face words (the CLI its options, a page its fields); `fix` holds
    # its neutral words then.
    fixed_by: Fix | None = None

    def fix_in(self, templates: Mapping[FixKey, str]) -> str:
        """The fix in the words of `templates` (a face's) where it has a key, else as worded."""
        return self.fix if self.fixed_by is None else self.fixed_by.render(templates)

    @classmethod
    def keyed(
        cls,
        file: str,
        row: int | None,
        column: str | None,
        value: str | None,
        message: str,
        fix: str | Fix,
        **more: Any,
    ) -> Problem:
        """A problem whose fix is a key each face words (`fix` then holds its neutral words), or
        its words as they are: the one rule for both."""
        if isinstance(fix, Fix):
            return cls(
                file, row, column, value, message, fix.render(NEUTRAL_FIXES), fixed_by=fix, **more
            )
        return cls(file, row, column, value, message, fix, **more)

    @classmethod
    def whole_file(cls, file: str, message: str, fix: str | Fix) -> Problem:
        """A problem of the file as a whole: no row, column or value to point at."""
        return cls.keyed(file, None, None, None, message, fix)

    def __str__(self) -> str:
        # file:row:column as the spec prints it; "-" where a part does not apply.
        where = f"{self.file}:{self.row if self.row is not None else '-'}"
        where += f":{_printable(self.column) if self.column is not None else '-'}"
        value = f" ({_printable(self.value)})" if self.value is not None else ""
        return f"{where}: {self.message}{value} -> {self.fix}"


def _printable(text: str) -> str:
    """A file's cell or header as a problem line says it back: a control character written as
    its escape (``\\x1b``, ``\\n``), so that a terminal showing the line neither obeys it (a
    title set, the screen cleared) nor breaks the line in two, and a bidi control too (it
    would show the rest of the line reversed). The spaces and joiners of text in any script
    (a no-break space, an ideographic space, an emoji's zero-width joiner) stay as they are."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) if _obeyed(c) else c for c in text)


_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _obeyed(char: str) -> bool:
    """Whether a terminal acts on `char` rather than showing it: a control character, a line
    or paragraph separator, a bidi control."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def _escaped(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """The problems in the order a spreadsheet user goes through the file: those of the whole
    file found first, then by row (the problems of one row in the order found), then the lines
    that came after rows (``... and 16 more rows``)."""
    seen_row = False
    keyed = []
    for problem in problems:
        if problem.row is not None:
            seen_row = True
            keyed.append(((1, problem.row), problem))
        else:
            keyed.append(((2 if seen_row else 0, 0), problem))
    return [problem for _, problem in sorted(keyed, key=lambda pair: pair[0])]


class IngestError(Exception):
    """The file cannot be read into the long contract; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = in_file_order(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[IngestError], tuple[list[Problem]]]:
        # Survives pickling (process pools, background callbacks) with its problems intact.
        return (type(self), (self.problems,))


class NoRows(IngestError):
    """The file holds no data rows: it is empty (`columns` is empty) or has only a header
    (`columns` names it). `problem` is the one that says so, among `problems`; a caller that
    knows what the rows should be (the actuals of a plan) can put it in its own words."""

    def __init__(self, problems: list[Problem], problem: Problem, columns: tuple[str, ...] = ()):
        super().__init__(problems)
        self.problem = problem
        self.columns = tuple(columns)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems, self.problem, self.columns))


@dataclass(frozen=True)
class ColumnMapping:
    """Which of the user's columns became which part of the long contract."""

    id_cols: tuple[str, ...]
    date_col: str
    value_col: str
    flags: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    week_dates: str = "start"  # "end": the file dated each week by its last day

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


VALUE_GIVEN = "given"  # the caller named the value column
VALUE_NAMED = "named"  # exactly one column is named like sales
VALUE_SEVERAL_NAMED = "several named"  # more than one is (Units and Revenue): the first taken
VALUE_FIRST_NUMERIC = "first numeric"  # none is: the first numeric column taken


@dataclass(frozen=True)
class ValueChoice:
    """How the value (sales) column was chosen, and which columns could have been it.

    `candidates` are the numeric columns that could hold the sales (file order, the chosen one
    included). A choice is `certain` when the caller gave it or exactly one column is named like
    sales; otherwise a person should confirm it (the Data page asks)."""

    column: str
    how: str = VALUE_GIVEN
    candidates: tuple[str, ...] = ()

    @property
    def certain(self) -> bool:
        return self.how in (VALUE_GIVEN, VALUE_NAMED)


@dataclass(frozen=True)
class NoteFix:
    """A note of the reader that says how to change what it did: `words`, the note with
    ``{fix}`` where its fix goes, and the fix as a key each face words (the CLI its option, the
    Data page its field); `IngestReport.notes` hold it in neutral words."""

    words: str
    fix: Fix

    def said(self, templates: Mapping[FixKey, str] = NEUTRAL_FIXES) -> str:
        """The note with its fix in the words of `templates` (a face's)."""
        return self.words.replace("{fix}", self.fix.render(templates))


class ReaderNote(StrEnum):
    """What a note of the reader is about, for the notes a caller acts on (reading actuals:
    a period left out, zeros filled in, rows summed); the notes' words are for people only."""

    EDGE_PERIOD_LEFT_OUT = "edge_period_left_out"  # a first or last period the dates cover in part
    EMPTY_PERIODS_FILLED = "empty_periods_filled"  # most periods had no rows and were filled with 0
    SAME_DATE_ROWS_SUMMED = "same_date_rows_summed"  # rows sharing a series and date, summed


@dataclass
class IngestReport:
    """What ingest did to the file: counts a planner can check against their own numbers."""

    file: str
    file_type: str
    rows_read: int
    series: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    freq: str
    periods: int  # distinct periods (dates) of the calendar, from start to end
    missing_periods_filled: int  # periods inside a series with no row, now y = 0
    missing_by_series: dict[str, int] = field(default_factory=dict)  # only series with gaps
    duplicates_summed: int = 0  # rows added into a period another row already filled
    same_date_summed: int = 0  # of them, rows sharing a series and date with another (order
    # lines: several rows a day)
    negative_values: int = 0  # kept as they are (returns, corrections), see notes
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    notes: list[str] = field(default_factory=list)
    series_periods: int = 0  # rows of the history: one per series and period
    first_day: pd.Timestamp | None = None  # the file's own first and last dates (before they
    last_day: pd.Timestamp | None = None  # were summed into periods)
    native_freq: str | None = None  # the frequency of those dates (None: not told, one date)
    absent_days: list[pd.Timestamp] = field(default_factory=list)  # dates of that calendar,
    # between the first and last, that no row has (a regular file only; weekdays it never has
    # are not expected)
    weekdays_never: list[int] = field(default_factory=list)  # weekdays (Monday 0) a daily file
    # of two weeks or more never has: days the shops are shut
    dates_regular: bool = False  # the file's dates fill their calendar (not sparse order lines)
    date_density: float = 0.0  # the share of the days (weeks) of the file's span with rows
    series_days: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=dict)
    # a series' own first and last dates, only for series that start later or end earlier than
    # the file (a store whose last days have not arrived yet)
    currency_sign: str | None = None  # the one currency sign ($ € £ ¥) or code (USD) on the values
    note_kinds: dict[str, ReaderNote] = field(default_factory=dict)  # notes that have a kind
    note_periods: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=dict)
    # the period (first and last day) a note is about: an edge period left out
    note_fixes: dict[str, NoteFix] = field(default_factory=dict)  # notes that say a fix

    def note_in(self, note: str, templates: Mapping[FixKey, str] = NEUTRAL_FIXES) -> str:
        """One of `notes` with its fix, if it says one, in the words of `templates` (a face's:
        the CLI's options, the Data page's fields)."""
        fixed = self.note_fixes.get(note)
        return note if fixed is None else fixed.said(templates)

    def notes_in(self, templates: Mapping[FixKey, str] = NEUTRAL_FIXES) -> list[str]:
        """The notes, each fix in the words of `templates`."""
        return [self.note_in(note, templates) for note in self.notes]

    def kind_of(self, note: str) -> ReaderNote | None:
        """What one of `notes` is about (None: a note that is only said)."""
        return self.note_kinds.get(note)

    def period_of(self, note: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The first and last day of the period one of `notes` is about (None: not one)."""
        return self.note_periods.get(note)

    def to_dict(self, templates: Mapping[FixKey, str] = NEUTRAL_FIXES) -> dict[str, Any]:
        """The report as data, its notes' fixes in the words of `templates` (a face's)."""
        out = asdict(self)
        del out["note_kinds"], out["note_periods"], out["note_fixes"]  # the notes are said
        out["notes"] = self.notes_in(templates)
        out["start"] = None if self.start is None else f"{self.start:%Y-%m-%d}"
        out["end"] = None if self.end is None else f"{self.end:%Y-%m-%d}"
        for key in ("first_day", "last_day"):
            out[key] = None if out[key] is None else f"{out[key]:%Y-%m-%d}"
        out["absent_days"] = [f"{day:%Y-%m-%d}" for day in self.absent_days]
        out["series_days"] = {
            uid: [f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"]
            for uid, (first, last) in self.series_days.items()
        }
        return out


@dataclass
class IngestResult:
    """A sales file in the long contract.

    history: unique_id, ds, y + flag columns (0/1 floats); regular frequency, gaps filled with 0.
    attributes: one row per unique_id: unique_id + attribute columns (str), e.g. Store, StoreType.
    freq: "D", "W-XXX" (anchored on the data's weekday, ds falls on that weekday), "M" or "Q"
    (ds is the first day of the month / quarter).
    """

    history: pd.DataFrame
    attributes: pd.DataFrame
    freq: str
    flags: list[str]
    mapping: ColumnMapping
    report: IngestReport
    value_choice: ValueChoice | None = None  # None: built by hand, taken as given
    # Per row of `history` (same index): True where the file had no row for that series and
    # period, so y was filled with 0 (a gap inside the series); None: built by hand, not told.
    filled: pd.Series | None = None
    # The planned flags of the periods ahead: unique_id, ds + flag columns, from the file's rows
    # after its last sales date whose sales cell is empty (None: the file has none, or they all
    # name series without sales).
    future: pd.DataFrame | None = None

    def to_dict(self, templates: Mapping[FixKey, str] = NEUTRAL_FIXES) -> dict[str, Any]:
        """The result as data, the notes' fixes in the words of `templates` (a face's)."""
        return {
            "freq": self.freq,
            "flags": list(self.flags),
            "mapping": self.mapping.to_dict(),
            "report": self.report.to_dict(templates),
            "value_choice": None
            if self.value_choice is None
            else {
                "how": self.value_choice.how,
                "certain": self.value_choice.certain,
                "candidates": list(self.value_choice.candidates),
            },
            "attribute_columns": [c for c in self.attributes.columns if c != "unique_id"],
        }
