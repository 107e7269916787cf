"""What a sales file holds before a plan is made from it (the Data page's read model).

`check_file` reads the file as plan creation would (nothing is stored) and returns a `FileCheck`:
the problems, or the counts a planner can check against their own numbers (rows, series,
periods), the columns and how sure each choice is, the attributes that could be the team, and
what the planner still has to decide:

- the sales column, when no column or several columns are named like sales (`needs_value`):
  nothing is taken for granted then, the value is left empty for the planner to pick;
- the team, which is suggested only among attributes that really group the series (more than
  one team, fewer teams than series), named ones (StoreType, Region...) first; a column with one
  value is never suggested;
- a store table (an attributes file), when no attribute groups the series (`needs_store_table`).

`check_result` builds the check from an ingest result; it is pure and unit-tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast import bounds, schema
from forecast.services.plan_file import InvalidFile, read_file
from forecast.services.series_frames import gap_rows

if TYPE_CHECKING:
    from forecast.engine.ingest import IngestResult, ValueChoice
    from forecast.engine.ingest.types import NoteFix
    from forecast.errors import FixKey

# Attribute names that group series into teams, most telling first.
TEAM_NAME_HINTS = (
    "storetype",
    "type",
    "region",
    "team",
    "category",
    "department",
    "dept",
    "division",
    "segment",
    "channel",
    "market",
    "format",
    "cluster",
    "district",
    "area",
    "group",
    "family",
    "brand",
    "class",
)
MAX_SUGGESTED_TEAMS = 50  # more groups than this are not "teams" a round can negotiate with


@dataclass(frozen=True)
class TeamChoice:
    """An attribute that could be the plan's team dimension, and how many teams it gives."""

    column: str
    teams: int  # distinct values among the series
    series: int

    @property
    def groups(self) -> bool:
        """Whether it groups series: more than one team, and fewer teams than series."""
        return 1 < self.teams < self.series

    @property
    def constant(self) -> bool:
        return self.teams <= 1


@dataclass(frozen=True)
class FileSummary:
    """The counts of the report: rows as read, series, and periods (distinct dates)."""

    rows: int
    series: int
    periods: int
    series_periods: int
    freq: str
    start: str | None
    end: str | None
    filled: int
    duplicates_summed: int
    negative_values: int
    gapped: int = 0
    """Series with a gap (a long run without sales between sales), which the forecast reads from
    a season before (``engine.gaps``)."""
    flags: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # the reader's, in neutral words (`notes_in` words their fixes)
    native_freq: str = ""
    """The frequency of the file's own dates (``W-SUN``: a weekly file), before any coarser plan
    calendar adds them up; empty where it could not be told (one date)."""
    note_fixes: Mapping[str, NoteFix] = field(default_factory=dict)
    """The notes that say a fix, by their neutral words: the fix as a key each face words."""

    def notes_in(self, templates: Mapping[FixKey, str]) -> list[str]:
        """The notes, each fix in the words of `templates` (the Data page's: its fields)."""
        fixes = self.note_fixes
        return [fixes[note].said(templates) if note in fixes else note for note in self.notes]


@dataclass
class FileCheck:
    """A sales file as the Data page shows it: problems, or what was read and what is left to
    decide (see the module doc)."""

    filename: str
    problems: list[Any] = field(default_factory=list)  # ingest Problems, each with row and column
    history: pd.DataFrame | None = None
    summary: FileSummary | None = None
    columns: list[str] = field(default_factory=list)
    id_cols: list[str] = field(default_factory=list)
    date_col: str | None = None
    value_col: str | None = None  # None while the sales column is the planner's to pick
    value_how: str = "given"
    value_candidates: list[str] = field(default_factory=list)
    teams: list[TeamChoice] = field(default_factory=list)
    team: str | None = None  # the suggested team dimension
    currency_sign: str | None = None  # the one currency sign ($ € £ ¥) or code (USD) on the amounts

    @property
    def ok(self) -> bool:
        return not self.problems and self.summary is not None

    @property
    def needs_value(self) -> bool:
        return self.ok and self.value_col is None

    @property
    def needs_store_table(self) -> bool:
        """No attribute groups the series, so every team would be a single series."""
        return (
            self.ok
            and self.summary is not None
            and self.summary.series > 1
            and not any(t.groups for t in self.teams)
        )


def check_file(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    attributes_filename: str | None = None,
    week_dates: str = "start",
    decimal: str | None = None,
) -> FileCheck:
    """Read `source` as plan creation would (the same options) and say what it holds."""
    name = filename or (Path(source).name if not isinstance(source, bytes) else bounds.UNNAMED_FILE)
    try:
        result = read_file(
            source,
            filename=filename,
            id_cols=id_cols,
            date_col=date_col,
            value_col=value_col,
            freq=freq,
            attributes_file=attributes_file,
            attributes_filename=attributes_filename,
            week_dates=week_dates,
            decimal=decimal,
        )
    except InvalidFile as exc:
        return FileCheck(filename=name, problems=list(exc.problems), columns=header_of(source))
    return check_result(result, filename=name)


HEADER_BYTES = 64 * 1024


def header_of(source: str | Path | bytes) -> list[str]:
    """The column names of a text file's first line (comma, semicolon or tab separated), so a
    file with problems can still be mapped to other columns; [] where there is no such line
    (a spreadsheet, Parquet, a compressed or unreadable file)."""
    try:
        if isinstance(source, bytes):
            head = source[:HEADER_BYTES]
        else:
            with open(source, "rb") as handle:
                head = handle.read(HEADER_BYTES)
    except OSError:
        return []
    if head[:2] in (b"PK", b"\x1f\x8b") or head[:4] == b"PAR1" or b"\x00" in head:
        return []
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()
    separator = max((",", ";", "\t"), key=first.count)
    names = [c.strip().strip('"').strip() for c in first.split(separator)]
    return [n for n in dict.fromkeys(names) if n][:500]


def check_result(result: IngestResult, *, filename: str | None = None) -> FileCheck:
    """The check of a file read without problems (pure)."""
    mapping = result.mapping
    choice = result.value_choice
    certain = choice is None or choice.certain
    teams = team_choices(result.attributes)
    return FileCheck(
        filename=filename or result.report.file,
        history=result.history,
        summary=summarise(result),
        columns=columns_of(result),
        id_cols=list(mapping.id_cols),
        date_col=mapping.date_col,
        value_col=mapping.value_col if certain else None,
        value_how=_how(choice),
        value_candidates=list(choice.candidates) if choice is not None else [mapping.value_col],
        teams=teams,
        team=suggest_team(teams),
        currency_sign=result.report.currency_sign,
    )


def _how(choice: ValueChoice | None) -> str:
    return "given" if choice is None else choice.how


def summarise(result: IngestResult) -> FileSummary:
    """The report's counts; periods are the distinct dates, not the rows of the history."""
    rep = result.report
    history = result.history
    return FileSummary(
        rows=int(rep.rows_read),
        series=int(history[schema.UNIQUE_ID].nunique()) if len(history) else int(rep.series),
        periods=int(history[schema.DS].nunique()),
        series_periods=len(history),
        freq=str(result.freq),
        start=_day(rep.start),
        end=_day(rep.end),
        filled=int(rep.missing_periods_filled),
        duplicates_summed=int(rep.duplicates_summed),
        negative_values=int(rep.negative_values),
        gapped=gapped_series(history, str(result.freq)),
        flags=tuple(result.flags),
        attributes=tuple(c for c in result.attributes.columns if c != schema.UNIQUE_ID),
        notes=tuple(str(n) for n in rep.notes),
        native_freq=str(rep.native_freq or ""),
        note_fixes=dict(rep.note_fixes),
    )


def default_horizon(freq: str) -> int:
    """The horizon a new plan of this frequency is offered: a quarter ahead (91 days, 13 weeks,
    3 months), and a year of quarters (one quarter would be a single period)."""
    return {"D": 91, "W": 13, "M": 3, "Q": 4}.get(freq[:1].upper(), 13)


def gapped_series(history: pd.DataFrame, freq: str) -> int:
    """How many series of a long ``history`` have a gap (``engine.gaps``)."""
    if history.empty:
        return 0
    ordered = history.sort_values([schema.UNIQUE_ID, schema.DS])
    gaps = gap_rows(ordered, freq)
    return int(ordered.loc[gaps, schema.UNIQUE_ID].nunique())


def _day(value: Any) -> str | None:
    return None if value is None else pd.Timestamp(value).date().isoformat()


def columns_of(result: IngestResult) -> list[str]:
    """Every column of the file that the mapping knows about, in a stable order (key, date,
    value, flags, attributes, ignored)."""
    mapping = result.mapping
    cols = [
        *mapping.id_cols,
        mapping.date_col,
        mapping.value_col,
        *mapping.flags,
        *mapping.attributes,
        *mapping.ignored,
    ]
    return list(dict.fromkeys(c for c in cols if c))


def team_choices(attributes: pd.DataFrame) -> list[TeamChoice]:
    """Each attribute of the series with the number of teams it would give."""
    series = int(attributes[schema.UNIQUE_ID].nunique()) if schema.UNIQUE_ID in attributes else 0
    return [
        TeamChoice(str(col), int(attributes[col].nunique(dropna=False)), series)
        for col in attributes.columns
        if col != schema.UNIQUE_ID
    ]


def suggest_team(choices: Sequence[TeamChoice]) -> str | None:
    """The team dimension to preselect: an attribute that groups the series into at most
    `MAX_SUGGESTED_TEAMS` teams, named like a grouping first (StoreType, Region...), then the
    one with the fewest teams; None when no attribute groups the series."""
    grouping = [c for c in choices if c.groups and c.teams <= MAX_SUGGESTED_TEAMS]
    named = [c for c in grouping if _norm(c.column) in TEAM_NAME_HINTS]
    if named:
        return min(named, key=lambda c: (TEAM_NAME_HINTS.index(_norm(c.column)), c.teams)).column
    if grouping:
        return min(grouping, key=lambda c: c.teams).column
    return None


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())
