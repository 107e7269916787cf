"""Importing a file of events into a plan in one change: a planner's promotions calendar.

The file is a CSV (delimiter, encoding and quoting as the sales-file reader copes with them) or a
workbook (its "events" sheet, else its first sheet) with the columns name, kind, scope, start,
end, effect, value and reason (any case; others are ignored): exactly the events sheet of a
plan's XLSX export, so a plan's events import into another plan or a new version.

All or nothing: every row is checked as ``system.add_event`` checks one event, and any problem
refuses the whole file, each problem named by the spreadsheet row (header = 1) and column. The
events are then written as one change of the plan (one version, one audit row naming the file
and the events). An event identical to one already in the plan (name, kind, scope, dates, effect
and value) is skipped, so importing a file again adds nothing.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import bounds, export, overrides, vocabulary
from forecast.engine.ingest import IngestError, Problem
from forecast.engine.ingest.bounds import FileTooBig, read_bounded
from forecast.money import DEFAULT_LOCALE, check_whole, typed_percent
from forecast.overrides import Event, OverrideError, Scope
from forecast.plan import PlanState, utc_now
from forecast.services import exports, plan_checks, plan_frames, plans, system
from forecast.services.errors import Invalid
from forecast.services.money import MoneyError, event_value
from forecast.services.plan_file import InvalidFile
from forecast.store import PlanRepository

MAX_FILE_BYTES = bounds.MAX_EVENT_FILE_BYTES  # for the pages, which read no bounds directly
COLUMNS = ("name", "kind", "scope", "start", "end", "effect", "value", "reason", "counts")
REQUIRED = ("name", "kind", "start", "end", "effect", "value")
EVENTS_SHEET = "events"
DOING = "import events"
FILE_FIX = "save the events as .csv or .xlsx, one row per event under a header row"


# The shift's words live with the vocabularies (no pandas), for the CLI's help.
SHIFT_UNITS, MAX_SHIFT, SHIFT_YEAR, SHIFT_FIX = (
    vocabulary.SHIFT_UNITS,
    vocabulary.MAX_SHIFT,
    vocabulary.SHIFT_YEAR,
    vocabulary.SHIFT_FIX,
)


@dataclass(frozen=True)
class DateShift:
    """How far an import moves every row's dates before checking them: last year's calendar
    (Labor Day, Thanksgiving...) onto this year's plan. ``text`` as typed (``52w``, ``1y``)."""

    count: int
    unit: str  # d, w, m, y
    text: str

    def weeks_of_years(self, freq: str) -> int | None:
        """A move by years on a plan of `freq` in weeks, as `SHIFT_YEAR` says: a year is 52
        weeks on a plan of days or weeks (the same weekdays), 12 months otherwise (None)."""
        if self.unit == "y" and freq.split("-")[0] in ("D", "W"):
            return 52 * self.count
        return None

    def days(self, freq: str) -> int | None:
        """The move on a plan of `freq` in days, or None for a move by calendar months (a
        year: `weeks_of_years`)."""
        if self.unit == "d":
            return self.count
        if self.unit == "w":
            return 7 * self.count
        weeks = self.weeks_of_years(freq)
        return None if weeks is None else 7 * weeks

    def short(self) -> str:
        """``2 years`` / ``-3 months`` / ``1 week``."""
        plural = "" if abs(self.count) == 1 else "s"
        return f"{self.count} {SHIFT_UNITS[self.unit]}{plural}"

    def words(self, freq: str) -> str:
        """``52 weeks`` / ``1 year (52 weeks)`` / ``-3 months``."""
        weeks = self.weeks_of_years(freq)
        return self.short() + (f" ({weeks} weeks)" if weeks is not None else "")

    def move(self, day: date, freq: str) -> date:
        """`day` moved; by months or years a month's last day stays its month's last day (an
        event to 2011-02-28 a year on ends 2012-02-29, not a day short). ``Invalid`` where the
        move leaves the calendar (before year 1, after 9999)."""
        days = self.days(freq)
        try:
            if days is not None:
                return day + timedelta(days=days)
            by = self.count * (12 if self.unit == "y" else 1)
            months = day.year * 12 + day.month - 1 + by
            year, month = divmod(months, 12)
            last = calendar.monthrange(year, month + 1)[1]
            ends_month = day.day == calendar.monthrange(day.year, day.month)[1]
            return date(year, month + 1, last if ends_month else min(day.day, last))
        except (OverflowError, ValueError) as exc:
            raise Invalid(
                f"the shift {self.text!r} moves {day} past the calendar's years 1..9999"
            ) from exc


SHIFT_MAX_CHARS = 12
"""The longest shift taken as typed, blanks around it included (``-5217w`` is 6 characters):
the dashboard's field takes no more, and the command line is refused the same."""


def parse_shift(text: str | None) -> DateShift | None:
    """`text` (``52w``, ``+1y``, ``-7d``, ``12m``; blank: no shift) as a `DateShift` whose text
    is the number and the unit as the messages and notes say them (`` 52 W `` is ``52w``), or
    ``Invalid`` saying how to write one: the same on every face (the dashboard's field, the
    command line's --shift)."""
    typed = (text or "").strip()
    shown = typed if len(typed) <= 40 else f"{typed[:40]}..."  # said back: a bounded part
    if text is not None and len(text) > SHIFT_MAX_CHARS:
        raise Invalid(
            f"cannot read the shift {shown!r}: it has more than {SHIFT_MAX_CHARS} characters; "
            f"{SHIFT_FIX}"
        )
    if not typed:
        return None
    # digits enough for the largest count allowed in any unit; a larger count is refused below
    found = re.fullmatch(r"([+-]?\d{1,6}) ?([dwmy])", typed.lower(), re.ASCII)
    if found is None or int(found.group(1)) == 0:
        raise Invalid(f"cannot read the shift {shown!r}: {SHIFT_FIX}")
    number, unit = int(found.group(1)), found.group(2)
    written = f"{found.group(1)}{unit}"
    if abs(number) > MAX_SHIFT[unit]:
        raise Invalid(
            f"the shift {written!r} is more than {MAX_SHIFT['y']} years; move by at most "
            f"{MAX_SHIFT['y']} years ({MAX_SHIFT['w']}w, {MAX_SHIFT['m']}m or {MAX_SHIFT['d']}d). "
            f"{SHIFT_FIX}"
        )
    return DateShift(number, unit, written)


@dataclass(frozen=True)
class Skipped:
    """A row not added: the same event is in the plan already, or earlier in the file."""

    row: int
    name: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "name": self.name, "why": self.why}


@dataclass
class EventImport:
    """What an import did (or, in a dry run, would do): the events added with their ids, the rows
    skipped, and the plan at its version after (unchanged in a dry run or when all were skipped)."""

    plan: PlanState
    file: str
    added: list[Event]
    skipped: list[Skipped]
    dry_run: bool = False
    rows: list[int] = field(default_factory=list)  # the file's row of each added event
    notes: list[str] = field(default_factory=list)
    shift: str = ""  # how far the dates were moved ("1 year (52 weeks)"); "": not moved
    # each added event's start and end as the file has them, before the shift (empty: none)
    moved_from: list[tuple[date, date]] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.plan.version

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan.plan_id,
            "version": self.version,
            "file": self.file,
            "dry_run": self.dry_run,
            "added": [
                event.to_dict() | {"row": row}
                for event, row in zip(self.added, self.rows, strict=True)
            ],
            "skipped": [s.to_dict() for s in self.skipped],
            "notes": self.notes,
            "shift": self.shift,
            "moved_from": [[str(start), str(end)] for start, end in self.moved_from],
        }


def import_events(
    store: PlanRepository,
    plan: str,
    actor: str,
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    expected_version: int | None = None,
    dry_run: bool = False,
    shift: str | None = None,
) -> EventImport:
    """Add every event of the file `source` (a path, or an upload's bytes named `filename`) to
    the plan as one change, or refuse the whole file (``InvalidFile`` listing every problem).
    ``dry_run`` checks and reports what would be added and skipped without writing. `shift`
    (``52w``, ``1y``: `parse_shift`) moves every row's dates before they are checked, last
    year's events onto this year's plan; their effects stay as written."""
    moved = parse_shift(shift)
    state = plans.get_plan(store, plan)
    plans.require_role(state, actor, "planner", DOING)
    plans.require_unlocked(state, DOING)
    if expected_version is not None and int(expected_version) != state.version:
        raise store.stale_error(state.plan_id, int(expected_version))
    raw, shown = _load(source, filename)
    table = _read_table(raw, shown)
    notes = table.notes
    own_dates: dict[int, tuple[date, date]] = {}
    rows = _read_events(store, state, table, shown, moved, own_dates)
    if moved is not None:
        notes = [
            *notes,
            f"every row's dates moved by {moved.words(state.freq)} (shift {moved.text})",
        ]
    new, skipped = _without_repeats(rows, system.events_of(state))
    if new:
        _check_count(state, len(new), shown)
        _check_bounds(store, state, [event for _, event in new], shown)
    if dry_run or not new:
        numbered = _numbered([event for _, event in new], state.next_event_number)
        rows_added = [row for row, _ in new]
        done = EventImport(state, shown, numbered, skipped, dry_run, rows_added, notes)
    else:
        offered = _with_suggestions(store, state, new, actor)
        done = _save(store, state, actor, shown, offered, skipped, expected_version, notes)
    if moved is not None:
        done.shift = moved.words(state.freq)
        done.moved_from = [own_dates[row] for row in done.rows]
    horizon = system.horizon_dates(store, state)
    periods = overrides.horizon_periods(horizon, state.freq)
    for event, row in zip(done.added, done.rows, strict=True):
        if partly := overrides.partly_covered_text(event, horizon, state.freq, periods=periods):
            done.notes.append(f"row {row}: {partly}")
    return done


# -- reading the file ------------------------------------------------------------------------


def _refused(problems: list[Problem]) -> InvalidFile:
    return InvalidFile("events: " + "\n".join(str(p) for p in problems), problems)


def _load(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
    """The file's bytes and the name its problems give it, refused beyond the bound before it
    is read (and while it is read: a file still being written grows)."""
    limit = bounds.MAX_EVENT_FILE_BYTES
    try:
        if isinstance(source, bytes | bytearray | memoryview):
            shown = bounds.base_filename(filename)
            if len(source) > limit:
                raise FileTooBig(len(source))
            return bytes(source), shown
        path = Path(source).expanduser()
        shown = filename or str(source)
        if not path.is_file():
            what = "this is a folder, not a file" if path.is_dir() else "file not found"
            raise _refused([Problem.whole_file(shown, what, "check the path and try again")])
        return read_bounded(path, limit), shown
    except FileTooBig as exc:
        what = (
            f"the file is {max(exc.size, limit + 1) / 1024 / 1024:,.1f} MB, more than the "
            f"{limit / 1024 / 1024:,.0f} MB an events file may be; it was not read"
        )
        fix = "split it (e.g. one file per quarter), or save the events sheet alone as .csv"
        raise _refused([Problem.whole_file(shown, what, fix)]) from None


@dataclass(frozen=True)
class _Table:
    """Every cell of the file as read (text in a CSV; text, numbers or dates in a workbook),
    the spreadsheet row of each data row, notes on how it was read, and how its numbers are
    written: ``DECIMAL_COMMA`` (a ';' file with 12,5 in it: '.' groups thousands),
    ``SEMICOLONS`` (a ';' file without: 1.000 could be either) or ``PLAIN``."""

    frame: pd.DataFrame
    rows: np.ndarray
    notes: list[str]
    numbers: str


PLAIN, SEMICOLONS, DECIMAL_COMMA = "plain", "semicolons", "decimal comma"


def _read_table(raw: bytes, name: str) -> _Table:
    """The file as a `_Table`; rows with no cell filled are left out."""
    from forecast.engine.ingest import reader

    style = PLAIN
    try:
        kind, raw, notes = reader.detect_type(raw, name)
        if kind == "parquet":
            raise _refused([Problem.whole_file(name, "a Parquet file is no events file", FILE_FIX)])
        if kind == "xlsx":
            # a name or reason that says NA (North America) or N/A is that text, not missing
            frame, read_notes, first_row = reader.read_xlsx(
                raw, name, sheet=EVENTS_SHEET, na_words=False
            )
            notes += read_notes
            numbers = np.arange(len(frame), dtype=np.int64) + first_row
        else:
            fmt = reader.sniff_csv(raw, name)
            header = reader.read_csv_sample(raw, fmt, name).columns
            frame, fmt = reader.read_csv_full(
                raw, fmt, name, {c: "str" for c in header}, na_words=False
            )
            numbers = reader.spreadsheet_rows(raw, fmt, name)
            if len(numbers) != len(frame):
                numbers = np.arange(len(frame), dtype=np.int64) + fmt.first_data_row
            if fmt.delimiter == ";":
                style = DECIMAL_COMMA if fmt.decimal == "," else SEMICOLONS
    except IngestError as exc:
        raise _refused(list(exc.problems)) from exc
    filled = _filled_rows(frame)
    return _Table(frame.loc[filled].reset_index(drop=True), numbers[filled], notes, style)


def _filled_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows have a cell with something in it (as `_text` reads a cell), column by column:
    a 10 MB file of a million short rows is read in a second, not row by row."""
    filled = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        cells = frame[column]
        present = cells.notna().to_numpy(dtype=bool) & ~filled
        if present.any():
            texts = cells[present].astype(str).str.strip()
            filled[np.flatnonzero(present)[(texts != "").to_numpy(dtype=bool)]] = True
    return filled


def _text(value: Any) -> str:
    """A cell as text: empty for a missing one, a whole number without ".0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unquoted(text: str) -> str:
    """Text as the plan had it before an export quoted it so no spreadsheet runs it as a formula
    (``'-10% on shoes`` is the reason ``-10% on shoes``, ``''=x`` the name ``'=x``)."""
    return export.unquoted(text)


# -- checking the rows -----------------------------------------------------------------------


@dataclass
class _Row:
    """One row's problems, collected column by column."""

    file: str
    number: int
    problems: list[Problem] = field(default_factory=list)
    own: tuple[date, date] | None = None  # its start and end as the file has them

    def problem(self, column: str | None, value: Any, message: str, fix: str) -> None:
        shown = None if value is None else _text(value)[:60]
        self.problems.append(Problem(self.file, self.number, column, shown, message, fix))


def _read_events(
    store: PlanRepository,
    state: PlanState,
    table: _Table,
    name: str,
    shift: DateShift | None = None,
    own_dates: dict[int, tuple[date, date]] | None = None,
) -> list[tuple[int, Event]]:
    """Each row as an event (file row, event), or ``InvalidFile`` with every problem found.
    `own_dates` gets each row's start and end as the file has them (before the shift)."""
    columns = _columns(table.frame, name)
    if len(table.frame) > bounds.MAX_EVENT_ROWS:
        what = (
            f"the file has {len(table.frame):,} events, more than the {bounds.MAX_EVENT_ROWS:,} one "
            "import takes"
        )
        raise _refused([Problem.whole_file(name, what, "split it, e.g. one file per quarter")])
    if table.frame.empty:
        what = "the file has a header but no events under it"
        raise _refused([Problem.whole_file(name, what, "add a row per event under the header")])
    scopes = _Scopes(plan_frames.load_blob_frame(store, state.plan_id, plan_frames.ATTRIBUTES))
    periods = overrides.horizon_periods(system.horizon_dates(store, state), state.freq)
    first, last = periods["ds"].min().date(), periods["end"].max().date()
    cells = {key: table.frame[column].tolist() for key, column in columns.items()}
    day_first = _day_first([*cells["start"], *cells["end"]])
    problems: list[Problem] = []
    events: list[tuple[int, Event]] = []
    for i, number in enumerate(table.rows):
        row = _Row(name, int(number))
        cell = {key: values[i] for key, values in cells.items()}
        event = _event(
            row,
            cell,
            scopes,
            (first, last),
            day_first,
            table.numbers,
            state.currency,
            None if shift is None else (shift, state.freq),
        )
        problems += row.problems
        if event is not None and not row.problems:
            events.append((row.number, event))
            if own_dates is not None and row.own is not None:
                own_dates[row.number] = row.own
    if problems:
        raise _refused(problems)
    return events


def _columns(table: pd.DataFrame, name: str) -> dict[str, Hashable]:
    """The file's column for each of ``COLUMNS`` it has (headers in any case)."""
    found: dict[str, Hashable] = {}
    for column in table.columns:
        key = " ".join(str(column).split()).lower()
        if key in COLUMNS and key not in found:
            found[key] = column
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        have = ", ".join(str(c) for c in table.columns) or "none"
        what = f"the file has no column {', '.join(missing)} (its columns: {have[:200]})"
        fix = (
            f"give the header row the columns {', '.join(COLUMNS)} (scope, reason and counts may "
            "be left out)"
        )
        raise _refused([Problem(name, 1, None, None, what, fix)])
    return found


def _event(
    row: _Row,
    cell: Mapping[str, Any],
    scopes: _Scopes,
    horizon: tuple[date, date],
    day_first: bool | None,
    numbers: str,
    currency: str | None,
    shift: tuple[DateShift, str] | None = None,
) -> Event | None:
    """The row as an event, or None with its problems said on `row`. `shift`: the import's
    shift and the plan's frequency; a problem with the moved dates says where they were moved
    from, and its fix is in the file's own dates."""
    name = _unquoted(_text(cell["name"]))
    if not name:
        row.problem("name", cell["name"], "an event needs a name", "e.g. Summer promotion")
    elif control := bounds.control_problem("an event's name", name, one_line=True):
        row.problem("name", None, *control.split(": ", 1))  # not said back: it would be obeyed
    elif too_long := bounds.text_problem("an event's name", name, bounds.MAX_NAME_CHARS):
        row.problem("name", name, too_long.split(": ", 1)[0], "shorten it")
    reason = _unquoted(_text(cell.get("reason")))
    if control := bounds.control_problem("an event's reason", reason, one_line=False):
        row.problem("reason", None, *control.split(": ", 1))
    elif too_long := bounds.text_problem("an event's reason", reason, bounds.MAX_TEXT_CHARS):
        row.problem("reason", None, too_long.split(": ", 1)[0], "shorten it")
    kind = re.sub(r"[\s-]+", "_", _text(cell["kind"]).lower())
    if kind not in system.EVENT_KINDS:
        row.problem(
            "kind", cell["kind"], "not an event kind", f"use one of {', '.join(system.EVENT_KINDS)}"
        )
    effect = _text(cell["effect"]).lower()
    if effect not in system.EFFECTS:
        row.problem(
            "effect", cell["effect"], "not an effect", f"use one of {', '.join(system.EFFECTS)}"
        )
    typed = _value(row, cell["value"], effect, numbers, currency)
    value = _checked_value(row, cell["value"], effect, typed)
    start = _day(row, "start", cell["start"], day_first)
    end = _day(row, "end", cell["end"], day_first)
    own_start, own_end = start, end  # as the file has them
    if start is not None and end is not None:
        row.own = (start, end)
    if shift is not None:  # checked where the shift puts them
        by, freq = shift
        start, end = (
            _moved(row, key, cell[key], day, by, freq)
            for key, day in (("start", start), ("end", end))
        )
    first, last = horizon

    def was(day: date | None = None) -> str:
        """Where the shift moved the dates from, for a problem with the moved ones."""
        if shift is None:
            return ""
        return f" (moved by {shift[0].short()} from {day or f'{own_start}..{own_end}'})"

    def in_file(what: str, *days: date) -> str:
        """`what` of the fix also in the file's own dates (the shift's undone)."""
        if shift is None:
            return ""
        back = DateShift(-shift[0].count, shift[0].unit, shift[0].text)
        try:
            own = [back.move(day, shift[1]) for day in days]
        except Invalid:
            return ""
        return f" (in the file, {what.format(*own)})"

    if start is not None and end is not None and end < start:
        row.problem(
            "end", cell["end"], f"the event ends before it starts on {start}", "swap the dates"
        )
    elif start is not None and end is not None and (start > last or end < first):
        row.problem(
            "start",
            cell["start"],
            f"the period {start}..{end}{was()} is outside the plan's horizon {first}..{last}",
            "choose dates inside it" + in_file("dates inside {}..{}", first, last),
        )
    else:
        if start is not None and start < first:
            row.problem(
                "start",
                cell["start"],
                f"before the plan's horizon {first}..{last}{was(own_start)}",
                f"start on {first} or later" + in_file("{} or later", first),
            )
        if end is not None and end > last:
            row.problem(
                "end",
                cell["end"],
                f"after the plan's horizon {first}..{last}{was(own_end)}",
                f"end on {last} or earlier" + in_file("{} or earlier", last),
            )
    scope = scopes.scope(row, cell.get("scope"))
    counts = _text(cell.get("counts")).lower() or overrides.DAYS
    if counts not in (overrides.DAYS, overrides.PERIODS):
        row.problem(
            "counts",
            cell.get("counts"),
            "not a way an event counts",
            f"write {overrides.DAYS} (the share of each period's days it covers), "
            f"{overrides.PERIODS} (whole periods, as an event that took the learned uplift) or "
            "leave it empty",
        )
    if row.problems or value is None or start is None or end is None or scope is None:
        return None
    return Event("E0", name, kind, scope, start, end, effect, value, reason=reason, counts=counts)


def _moved(
    row: _Row, column: str, cell: Any, day: date | None, shift: DateShift, freq: str
) -> date | None:
    """`day` where the shift puts it, or None with the row's problem where it cannot."""
    if day is None:
        return None
    try:
        return shift.move(day, freq)
    except Invalid as exc:
        row.problem(column, cell, str(exc), "shift by less, or correct the date")
        return None


def _checked_value(row: _Row, cell: Any, effect: str, value: float | None) -> float | None:
    """The value within what an event of `effect` may do (``Event.check``: a percent from -100
    to a hundredfold, a cap or set not below 0, every value within the bounds)."""
    if value is None or effect not in system.EFFECTS:
        return value
    day = date(2000, 1, 1)
    try:
        Event("E0", "probe", "other", Scope(), day, day, effect, value).check()
    except OverrideError as exc:
        row.problem("value", cell, str(exc), f"give another {effect} value")
        return None
    return value


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")
_EUROPEAN = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[-+]?\d+,\d+")
_DOT_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}\.\d{3}")  # 1.000: a thousand, or one?
_COMMA_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")  # 40,000 or 1,234.5
VALUE_FIX = "write a plain number, e.g. 15, 15%, -10, 12.5 or 12,5"
AMOUNT_EFFECTS = tuple(effect for effect in system.EFFECTS if effect != "percent")


def _value(row: _Row, value: Any, effect: str, numbers: str, currency: str | None) -> float | None:
    """A number as a spreadsheet holds it, or as typed (``15``, ``15%``, ``12,5``; in a file
    with a decimal comma ``1.000,5``); an amount of the add, cap and set effects as the page's
    value box and `plan event add --add` read it (``event_value``: ``€5,000``, ``40,000``,
    ``40k``; another currency's sign refused naming the plan's `currency`). A number whose
    magnitude the file leaves open (1.000 in a ';' file: a thousand, or one) is refused, not
    guessed."""
    if isinstance(value, bool):
        row.problem("value", value, "not a number", VALUE_FIX)
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = _text(value)
        if not text:
            what = f"the {effect}'s value" if effect in system.EFFECTS else "the value"
            row.problem("value", value, f"{what} is empty", VALUE_FIX)
            return None
        if text.endswith("%") and effect in system.EFFECTS and effect != "percent":
            fix = "give the effect percent, or a plain number"
            row.problem("value", value, f"a percent is no {effect} value", fix)
            return None
        body = typed_percent(text)
        european = text.removesuffix("%").strip()
        if numbers == DECIMAL_COMMA and _EUROPEAN.fullmatch(european):
            body = european.replace(".", "").replace(",", ".")
        elif numbers == SEMICOLONS and _DOT_THOUSANDS.fullmatch(body):
            what = f"{body} may be {body.replace('.', '')} (a '.' grouping thousands) or {body}"
            row.problem("value", value, what, "write it without grouping, e.g. 1000 or 1.0")
            return None
        elif effect in AMOUNT_EFFECTS:
            return _amount(row, value, text, effect, currency, numbers)
        elif numbers == PLAIN and _COMMA_THOUSANDS.fullmatch(body):
            plain = body.replace(",", "")
            row.problem(
                "value", value, "a ',' grouping thousands", f"write it without grouping: {plain}"
            )
            return None
        number = float(body) if len(body) <= 32 and _NUMBER.fullmatch(body) else math.nan
    if not math.isfinite(number):
        row.problem("value", value, "not a number", VALUE_FIX)
        return None
    if effect in AMOUNT_EFFECTS:
        # a number cell or a decimal-comma text reaches here without ``event_value``'s check
        try:
            check_whole(Decimal(repr(number)), currency, _text(value))
        except MoneyError as exc:
            _money_problem(row, value, exc)
            return None
    return number


def _amount(
    row: _Row, value: Any, text: str, effect: str, currency: str | None, numbers: str
) -> float | None:
    """An amount written as text, read by ``event_value``: in a file of decimal commas, a lone
    '.' before three digits groups thousands (1.000 is a thousand)."""
    locale = "de" if numbers == DECIMAL_COMMA else DEFAULT_LOCALE
    try:
        return event_value(text, effect, currency, locale=locale)
    except MoneyError as exc:
        _money_problem(row, value, exc)
        return None


def _money_problem(row: _Row, value: Any, exc: MoneyError) -> None:
    what, _, fix = str(exc).partition(": ")
    row.problem("value", value, what, fix or VALUE_FIX)


_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_SLASHED_YMD = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_SLASHED = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})")
DATE_FIX = "write the day as YYYY-MM-DD, e.g. 2025-06-02"


def _day_first(values: Sequence[Any]) -> bool | None:
    """Whether the file's dates like 05/06/2025 put the day first: a first number above 12 says
    so, a second above 12 says not; None where no date tells (or they disagree)."""
    firsts = seconds = False
    for value in values:
        match = _SLASHED.fullmatch(_text(value))
        if match:
            firsts |= int(match.group(1)) > 12
            seconds |= int(match.group(3)) > 12
    return None if firsts == seconds else firsts


def _day(row: _Row, column: str, value: Any, day_first: bool | None) -> date | None:
    """A day as a spreadsheet holds it (a date cell) or as written: 2025-06-02, 2025/06/02, or
    02/06/2025 when the file's other dates tell the order; anything else is refused."""
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        row.problem(column, value, f"the {column} date is empty", DATE_FIX)
        return None
    parts: tuple[int, int, int] | None = None
    if match := (_ISO_DAY.fullmatch(text) or _SLASHED_YMD.fullmatch(text)):
        parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    elif match := _SLASHED.fullmatch(text):
        a, b, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        first = a > 12 or (b <= 12 and day_first) or a == b
        if a <= 12 and b <= 12 and a != b and day_first is None:
            row.problem(column, value, "day and month cannot be told apart in this date", DATE_FIX)
            return None
        parts = (year, b, a) if first else (year, a, b)
    if parts is None:
        row.problem(column, value, f"the {column} is not a date", DATE_FIX)
        return None
    try:
        return date(*parts)
    except ValueError:
        row.problem(column, value, "there is no such day", DATE_FIX)
        return None


class _Scopes:
    """The file's scope cells, each distinct text read and checked against the plan's series
    once (a calendar names the same few scopes on row after row)."""

    def __init__(self, attributes: pd.DataFrame) -> None:
        self.series = overrides.ScopeMasks(attributes)
        self.read: dict[str, tuple[Scope | None, str, str]] = {}

    def scope(self, row: _Row, value: Any) -> Scope | None:
        text = _text(value)
        if text not in self.read:
            self.read[text] = self._checked(text)
        scope, problem, fix = self.read[text]
        if scope is None:
            row.problem("scope", value, problem, fix)
        return scope

    def _checked(self, text: str) -> tuple[Scope | None, str, str]:
        """The scope, or None with the problem and its fix."""
        try:
            scope = exports.scope_of_words(text)
        except OverrideError as exc:
            return None, str(exc), exports.SCOPE_WORDS_FIX
        try:
            self.series.validate(scope)
        except OverrideError as exc:
            return None, str(exc), "name attributes, values and series the plan has"
        return scope, "", ""


# -- repeats, suggestions and the one change ------------------------------------------------


def _identity(event: Event) -> tuple[Any, ...]:
    """What makes two events the same for an import: all but the id, author, reason and
    bookkeeping."""
    scope = event.scope
    attributes = tuple(sorted((k, tuple(sorted(v))) for k, v in scope.attributes.items()))
    return (
        event.name,
        event.kind,
        attributes,
        tuple(sorted(scope.ids)),
        event.start,
        event.end,
        event.effect,
        round(float(event.value), 9),
        event.counts,
    )


def _without_repeats(
    rows: list[tuple[int, Event]], existing: Sequence[Event]
) -> tuple[list[tuple[int, Event]], list[Skipped]]:
    """The rows to add, and those skipped: already in the plan, or the same as an earlier row."""
    in_plan = {_identity(e): e.event_id for e in existing}
    in_file: dict[tuple[Any, ...], int] = {}
    new: list[tuple[int, Event]] = []
    skipped: list[Skipped] = []
    for number, event in rows:
        key = _identity(event)
        if key in in_plan:
            skipped.append(Skipped(number, event.name, f"already in the plan as {in_plan[key]}"))
        elif key in in_file:
            skipped.append(Skipped(number, event.name, f"the same as row {in_file[key]}"))
        else:
            in_file[key] = number
            new.append((number, event))
    return new, skipped


def _numbered(events: Sequence[Event], next_number: int) -> list[Event]:
    return [replace(e, event_id=f"E{next_number + i}") for i, e in enumerate(events)]


def _with_suggestions(
    store: PlanRepository, state: PlanState, rows: list[tuple[int, Event]], actor: str
) -> list[tuple[int, Event]]:
    """The events as ``add_event`` records each with a typed value: its author, when it was
    made, and what the system offered (the learned uplift) beside what the file chose."""
    offered = system.offer_records(store, state, [event for _, event in rows])
    return [
        (row, replace(event, author=actor, created_at=utc_now(), suggested=offer))
        for (row, event), offer in zip(rows, offered, strict=True)
    ]


def _check_count(state: PlanState, adding: int, shown: str) -> None:
    """Refuse the whole file when its events, added to the plan's own, are more than a plan may
    hold (`plan_checks.count_problem`), before the system plan is computed with them."""
    problem = plan_checks.count_problem("events", len(state.events), len(state.events) + adding)
    if problem is not None:
        found = Problem.whole_file(shown, problem, "import fewer events")
        raise InvalidFile(f"events: {found}", [found])


def _check_bounds(store: PlanRepository, state: PlanState, events: list[Event], shown: str) -> None:
    """Refuse the whole file when its `events`, added to the plan's own, would push the system
    plan beyond ``forecast.bounds``."""
    try:
        system.check_added_events(store, state, events)
    except OverrideError as exc:
        problem = Problem.whole_file(shown, str(exc), "fewer or smaller events")
        raise InvalidFile(f"events: {problem}", [problem]) from exc


def _save(
    store: PlanRepository,
    state: PlanState,
    actor: str,
    file: str,
    rows: list[tuple[int, Event]],
    skipped: list[Skipped],
    expected_version: int | None,
    notes: list[str],
) -> EventImport:
    added: list[Event] = []
    added_rows: list[int] = []
    late: list[Skipped] = []
    audit_name = bounds.base_filename(file)

    def mutate(s: PlanState) -> tuple[str, Any, Any]:
        # Numbered and compared on the state being saved: a retried save (another writer came
        # first) neither reuses an id nor adds what that writer added meanwhile.
        fresh, repeats = _without_repeats(rows, system.events_of(s))
        numbered = _numbered([event for _, event in fresh], s.next_event_number)
        if s.version != state.version and numbered:
            _check_bounds(store, s, numbered, file)  # a redone save: with the fresh events
        added[:], added_rows[:], late[:] = numbered, [row for row, _ in fresh], repeats
        for event in numbered:
            s.events.append(event.to_dict())
        s.next_event_number += len(numbered)
        ids = f" ({numbered[0].event_id}..{numbered[-1].event_id})" if numbered else ""
        what = f"import {len(numbered)} event(s) from {audit_name}{ids}"
        if skipped or repeats:
            what += f"; {len(skipped) + len(repeats)} row(s) already in the plan or file skipped"
        after = {"file": audit_name, "events": [e.to_dict() for e in numbered]}
        return what, None, after

    # One audit row, the action of adding events (the accuracy report traces events by it).
    saved = plans.change_plan(
        store,
        state.plan_id,
        actor=actor,
        action="add_event",
        mutate=mutate,
        expected_version=expected_version,
        role="planner",
        doing=DOING,
    )
    return EventImport(saved, file, added, [*skipped, *late], False, added_rows, notes)
