"""Use cases of actuals: upload the real sales of a plan's periods (again as weeks arrive), kept in
the store as versions with an audit row each.

The file is read by the same reader as the history (`forecast.engine.ingest.read_sales`): CSV,
XLSX or Parquet, in the plan's own sales-file layout or as ``unique_id, ds, y``, on the plan's
calendar; duplicate rows follow the ``duplicates`` rule ("sum" or "refuse"; by default refused,
but summed in the layout of a plan whose history summed several rows a day). Rows of series
or periods outside the plan are named and left out with a count; a file that shares no series and
period with the plan is refused, and so is one that reading left nothing of (its periods only
partly covered), saying why kind by kind. Each upload is merged over the previous version (a
re-sent series-period replaces the old value), so the latest version holds every actual known;
the 0 counted for an ended series without rows is no value of the file and replaces none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast import bounds, overrides, schema
from forecast.engine.period_weeks import WEEKDAYS as DAY_NAMES
from forecast.engine.stretch import period_word
from forecast.money import format_count as count
from forecast.plan import AGREED, PlanState
from forecast.services.actuals_notes import PARTIAL_PERIOD_KINDS, ActualsNote, NoteKind, texts
from forecast.services.errors import (
    NEUTRAL_FIXES,
    Fix,
    FixKey,
    Forbidden,
    Invalid,
    NotFound,
    StaleVersion,
)
from forecast.services.plan_access import may_view
from forecast.services.plan_create import SAME_DATE_ROWS_SUMMED, shut_weekdays
from forecast.services.plan_file import InvalidFile
from forecast.services.plan_frames import BASELINE, load_blob_frame, version_frame
from forecast.services.plan_standing import series_standing
from forecast.services.plans import get_plan, horizon_text, require_not_archived
from forecast.store import (
    ActualsVersion,
    Change,
    PlanRepository,
    PlanSummary,
    frame_from_bytes,
    frame_to_bytes,
)
from forecast.vocabulary import WEEKDAY_CODES

if TYPE_CHECKING:
    from forecast.engine.ingest import IngestReport

KEY = [schema.UNIQUE_ID, schema.DS]
NAMES_SHOWN = 10


@dataclass(frozen=True)
class ActualsUpload:
    version: ActualsVersion
    kept: int  # series-periods of this file inside the plan
    new: int  # of which not known before
    replaced: int  # of which replaced an earlier value
    total: int  # series-periods known after this upload
    left_out: dict[str, Any] = field(default_factory=dict)
    noted: list[ActualsNote] = field(default_factory=list)  # what reading the file said
    changed: int = 0  # of the replaced, those whose value differs from the kept one
    filename: str = ""  # the file uploaded (the version's own when one was made)
    restored_from: int | None = None  # the earlier version this one restores
    dropped: int = 0  # series-periods known before that this version no longer has
    warnings: list[str] = field(default_factory=list)  # kept, but to be said loudly (scale)

    @property
    def notes(self) -> list[str]:
        return texts(self.noted)

    @property
    def unchanged(self) -> bool:
        """Nothing new, changed or dropped: no version was made (``version`` is the kept one)."""
        return self.new == 0 and self.changed == 0 and self.dropped == 0

    def message(self) -> str:
        if self.restored_from is not None and self.unchanged:
            if self.restored_from == self.version.version:
                same = "is already the one in force"
            else:
                same = f"holds the same actuals as version {self.version.version}, the one in force"
            return (
                f"actuals version {self.restored_from} of plan {self.version.plan_id} {same}: "
                "nothing changed, no version was made"
            )
        if self.restored_from is not None:
            return (
                f"actuals version {self.version.version} of plan {self.version.plan_id} restores "
                f"version {self.restored_from}: {count(self.total)} series-periods known, "
                f"{count(self.new)} series-period(s) back, "
                f"{count(self.changed)} value(s) changed back, {count(self.dropped)} "
                "series-period(s) no longer known"
            )
        if self.unchanged:
            text = (
                f"nothing new in {self.filename}: its "
                f"{count(self.kept)} series-periods equal those of actuals version "
                f"{self.version.version} of plan {self.version.plan_id}; no version was made"
            )
            return text + self._set_aside()
        text = (
            f"actuals version {self.version.version} of plan {self.version.plan_id} from "
            f"{self.version.filename}: {count(self.kept)} series-periods kept "
            f"({count(self.new)} new, {count(self.replaced)} replaced{self._of_them_changed()}); "
            f"{count(self.total)} known in all"
        )
        return text + self._set_aside()

    def _set_aside(self) -> str:
        """What of the file lies outside the plan, named (also when no version was made)."""
        return "".join(f"; {item['message']}" for item in self.left_out.values())

    def _of_them_changed(self) -> str:
        if not self.replaced or self.changed == self.replaced:
            return ""
        return f", {count(self.changed)} of them with a new value"

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.version.plan_id,
            "version": self.version.version,
            "at": self.version.at,
            "uploaded_by": self.version.uploaded_by,
            "filename": self.version.filename,
            "kept": self.kept,
            "new": self.new,
            "replaced": self.replaced,
            "changed": self.changed,
            "version_made": not self.unchanged,
            "restored_from": self.restored_from,
            "dropped": self.dropped,
            "total": self.total,
            "left_out": self.left_out,
            "notes": self.notes,
            "warnings": self.warnings,
            "audit_id": self.version.audit_id,
        }


def _preview(values: list[str]) -> str:
    shown = ", ".join(values[:NAMES_SHOWN])
    return shown + (f" and {len(values) - NAMES_SHOWN} more" if len(values) > NAMES_SHOWN else "")


def _unpacked(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str, set[str]]:
    """The file's bytes (read and gunzipped once, however many layouts are tried), the name
    problems give it (as the person gave it: the upload's name, else the path as typed), and the
    column names of a text file's first line (empty for a spreadsheet or Parquet file: the
    reader tries both layouts on those)."""
    from forecast.engine.ingest import IngestError, unpacked
    from forecast.services.file_check import header_of

    if isinstance(source, str | Path) and not Path(source).is_file():
        raise Invalid(f"cannot read the actuals file {source!s}: there is no such file")
    try:
        raw, name = unpacked(source, filename)
    except IngestError as exc:
        raise InvalidFile(f"actuals: {exc}", exc.problems) from exc
    return raw, name, set(header_of(raw))


@dataclass(frozen=True)
class ReadActuals:
    """A file of actuals as read (`read_actuals_apart`): its rows on the plan's calendar, apart
    from the 0 sales counted for the ended series it has no row of (not the file's: an upload
    keeps them only where no actual is kept), the notes of reading it, and the series the plan
    reads as ended (with the day each closed)."""

    rows: pd.DataFrame
    ended_zeros: pd.DataFrame
    read_notes: list[ActualsNote]  # the notes of reading it, but those on the ended series
    ended: dict[str, date]
    reopened: list[ActualsNote]  # the note on ended series with rows in the file, if any

    @property
    def notes(self) -> list[ActualsNote]:
        """The notes of reading it, the one on the ended series counted as 0 with all their 0
        rows (as scoring takes them)."""
        return self.notes_keeping(self.ended_zeros)

    def notes_keeping(
        self, zeros: pd.DataFrame, read_notes: list[ActualsNote] | None = None
    ) -> list[ActualsNote]:
        """The notes (`read_notes`, else the reading's) with the one on the ended series counted
        as 0 saying the 0 rows kept (`zeros`: an upload keeps those of series-periods no actual
        is kept of), none when it keeps none."""
        kept = self.read_notes if read_notes is None else read_notes
        return [*kept, *_ended_as_zero_note(self.ended, zeros), *self.reopened]

    def with_ended_zeros(self) -> pd.DataFrame:
        if self.ended_zeros.empty:
            return self.rows
        return pd.concat([self.rows, self.ended_zeros], ignore_index=True).sort_values(
            KEY, ignore_index=True
        )


def read_actuals(
    store: PlanRepository,
    plan: str,
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    duplicates: str | None = "sum",
    decimal: str | None = None,
    week_dates: str | None = None,
    whole_periods: bool = False,
) -> tuple[pd.DataFrame, list[ActualsNote]]:
    """The file as scoring takes it: its rows with the ended series it has no row of as 0 sales
    (`read_actuals_apart`, which says the options), and the notes of reading it."""
    read = read_actuals_apart(
        store,
        plan,
        source,
        filename=filename,
        duplicates=duplicates,
        decimal=decimal,
        week_dates=week_dates,
        whole_periods=whole_periods,
    )
    return read.with_ended_zeros(), read.notes


def read_actuals_apart(
    store: PlanRepository,
    plan: str,
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    duplicates: str | None = "sum",
    decimal: str | None = None,
    week_dates: str | None = None,
    whole_periods: bool = False,
) -> ReadActuals:
    """The file as ``unique_id, ds, y`` on the plan's calendar, the 0 sales of the ended series
    it has no row of (`_ended_series_as_zero`), and the reader's notes.
    ``decimal``: the CSV file's decimal mark ('.' or ','; None: detected, see ``read_sales``).
    ``week_dates``: how a weekly file dates its weeks, "start" or "end" (None: as the plan's
    history did). A weekly file whose weeks start on another weekday than the plan's is refused
    (`_other_weekday`): its weeks cannot be put into the plan's.

    ``duplicates=None``: rows repeating a series and date as the plan's history had them
    (`duplicates_as_history`): summed in the layout of a history that had several rows per
    series and date (order lines), said in a note; refused otherwise."""
    from forecast.engine.ingest import IngestError, NoRows, Problem, ReaderNote, read_sales

    state = get_plan(store, plan)
    mapping = state.dataset.mapping or {}
    options: dict[str, Any] = {
        "freq": state.freq,
        "shut_weekdays": shut_weekdays(state),
        "dense_days": bool(mapping.get("dense_days")),
        "decimal": decimal,
        "whole_edges": whole_periods,
    }
    if week_dates is None:  # dated as the plan's history was
        week_dates = "end" if mapping.get("week_dates") == "end" else "start"
    if week_dates != "start":
        options["week_dates"] = week_dates
    long = {"id_cols": [schema.UNIQUE_ID], "date_col": schema.DS, "value_col": schema.Y}
    raw, shown, header = _unpacked(source, filename)
    attempts: list[dict[str, Any]] = []
    if {schema.UNIQUE_ID, schema.DS, schema.Y} <= header:
        attempts.append(options | long)
    elif mapping.get("id_cols") and mapping.get("date_col") and mapping.get("value_col"):
        planned = {k: mapping[k] for k in ("id_cols", "date_col", "value_col")}
        wanted = [*mapping["id_cols"], mapping["date_col"], mapping["value_col"]]
        if header and not set(wanted) <= header:
            # The reader would ask for column options that uploading actuals does not have.
            file = shown
            what = (
                f"the file has neither the plan's columns ({', '.join(wanted)}) nor "
                f"unique_id, ds, y; its columns are {_preview(sorted(header))}"
            )
            fix = Fix(FixKey.ACTUALS_COLUMNS, columns=", ".join(wanted), plan=state.plan_id)
            problem = Problem.keyed(file, 1, None, None, what, fix)
            raise InvalidFile(f"actuals: {file} {what.removeprefix('the file ')}", [problem], fix)
        if not header:  # a spreadsheet or Parquet: either layout, unique_id, ds, y first
            attempts.append(options | long)
        attempts.append(options | planned)
    else:
        attempts.append(options)
    for attempt, tried in enumerate(attempts, start=1):
        rule = duplicates or duplicates_as_history(state, tried)
        try:
            result = read_sales(raw, filename=shown, duplicates=rule, **tried)
            break
        except IngestError as exc:
            if attempt == len(attempts):
                # Each problem with its file, row, column and fix, as `forecast ingest` has them.
                problems = _no_rows_of_actuals(exc, state) if isinstance(exc, NoRows) else None
                if problems is None:
                    problems = _duplicates_of_actuals(exc.problems)
                raise InvalidFile(
                    "actuals: " + "\n".join(str(p) for p in problems), problems
                ) from exc
    _other_weekday(result, state, shown, week_dates)
    _other_currency(result, state, shown)
    frame = result.history[[schema.UNIQUE_ID, schema.DS, schema.Y]].copy()
    frame[schema.UNIQUE_ID] = frame[schema.UNIQUE_ID].astype(str)
    frame[schema.DS] = pd.to_datetime(frame[schema.DS])
    report = result.report
    # Actuals take no period without rows as 0 (below): the reader's note on filling is not said.
    notes = [
        _reader_note(n, report)
        for n in report.notes
        if report.kind_of(n) is not ReaderNote.EMPTY_PERIODS_FILLED
    ]
    if duplicates is None and rule == "sum":
        notes = [_summed_as_history(n, state) for n in notes]
    # The reader fills a period with no row inside a series with 0 (right for a history); for
    # actuals a missing period has not arrived yet, so exactly those cells are left out, not
    # taken as 0 (a row of 0, a shop that was shut, is kept). They go before the partial periods
    # are looked for: a period no row of the file is in is not in this upload, not partial.
    filled = np.zeros(len(frame), dtype=bool)
    if result.filled is not None:
        filled = result.filled.reindex(frame.index, fill_value=False).to_numpy(dtype=bool)
    # Which series have rows is told by the rows as read, before any cell is left out: a series
    # whose only rows lie in a partial period has rows, it is not silent.
    as_read = frame.loc[~filled, [schema.UNIQUE_ID, schema.DS]]
    if filled.any() and not whole_periods:
        # Named only in the periods the file has rows for: a series missing from them.
        in_file = frame[schema.DS].isin(frame.loc[~filled, schema.DS].unique()).to_numpy()
        named = filled & in_file
        if named.any():
            series = frame.loc[named, schema.UNIQUE_ID].nunique()
            which = f"{count(int(named.sum()))} period(s) with no row inside {count(series)} series"
            what = f"{which} left out (not taken as zero sales)"
            notes.append(
                ActualsNote(
                    NoteKind.LEFT_OUT_NO_ROW,
                    f"{what}: they count once they are uploaded",
                    f"{what}: they are scored once the file has them",
                    why_left_out=f"{which} (not taken as zero sales) were left out",
                )
            )
        frame = frame[~filled].reset_index(drop=True)
    shut = set(result.report.weekdays_never) | set(shut_weekdays(state))
    if whole_periods:
        notes += _taken_whole(frame, result.report, result.report.freq, shut, filled)
    else:
        frame, partial = _without_partial_periods(frame, result.report, result.report.freq, shut)
        notes += partial
    ended = series_standing(store, state).ended
    zeros, reopened = _ended_series_as_zero(
        store, state, ended, frame, as_read, result.report.series_days
    )
    return ReadActuals(frame, zeros, notes, ended, reopened)


def plan_cells(store: PlanRepository, state: PlanState) -> tuple[pd.Index, pd.DatetimeIndex]:
    """The plan's series and the periods of its horizon (in order), from its baseline."""
    baseline = version_frame(store, state, BASELINE)
    series = pd.Index(baseline[schema.UNIQUE_ID].astype(str).unique())
    periods = pd.DatetimeIndex(sorted(baseline[schema.DS].unique()))
    return series, periods


def _ended_series_as_zero(
    store: PlanRepository,
    state: PlanState,
    ended: dict[str, date],
    frame: pd.DataFrame,
    as_read: pd.DataFrame,
    series_days: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
) -> tuple[pd.DataFrame, list[ActualsNote]]:
    """A series the plan reads as ended (a closed store, forecast as 0) that has no row in the
    file is counted as 0 sales in each of the plan's periods the file keeps rows of (`frame`),
    as the history's reader read the store's silence: else a missing row is taken as not yet
    arrived, and the plan's right 0 is never scored. Those 0 rows are returned apart from the
    file's. One that has rows in the plan's periods as read (`as_read`, before partial cells were
    left out; `series_days`: a daily file's series' own first and last days, also of rows in an
    edge period the reader left out) reopened: it is taken as it is, and said. `ended`: the
    series the plan reads as ended, with the day each closed. The notes say the reopened ones;
    the note on the 0 rows is the read file's (``ReadActuals.notes_keeping``), as an upload
    keeps only some of them."""
    no_zeros = frame.iloc[0:0]
    if not ended or frame.empty:
        return no_zeros, []
    plan_series, periods = plan_cells(store, state)
    of_plan = frame[frame[schema.UNIQUE_ID].isin(plan_series) & frame[schema.DS].isin(periods)]
    covered = pd.DatetimeIndex(sorted(of_plan[schema.DS].unique()))
    if covered.empty:
        return no_zeros, []
    with_rows = set(as_read.loc[as_read[schema.DS].isin(periods), schema.UNIQUE_ID])
    with_rows |= _with_days_in(series_days, periods, state.freq)
    silent = [uid for uid in ended if uid not in with_rows]
    reopened = [uid for uid in ended if uid in with_rows]
    zeros = pd.MultiIndex.from_product([silent, covered], names=KEY).to_frame(index=False)
    zeros[schema.Y] = 0.0
    notes: list[ActualsNote] = []
    if reopened:
        have = "has" if len(reopened) == 1 else "have"
        notes.append(
            ActualsNote(
                NoteKind.ENDED_SERIES_WITH_ROWS,
                f"{count(len(reopened))} series the plan reads as ended "
                f"({_closed_since(ended, reopened)}) {have} rows in the file (reopened?): taken "
                f"as they are, though the plan forecast 0: {_preview(reopened)}",
            )
        )
    return zeros, notes


def _with_days_in(
    series_days: dict[str, tuple[pd.Timestamp, pd.Timestamp]], periods: pd.DatetimeIndex, freq: str
) -> set[str]:
    """The series whose own days (first to last) reach into one of the plan's `periods`."""
    if not series_days or periods.empty:
        return set()
    from forecast.engine.ingest.regularise import periods as period_codes

    def code(day: pd.Timestamp) -> int:
        return int(period_codes(np.array([pd.Timestamp(day).to_datetime64()]), freq)[0])

    first, last = code(periods.min()), code(periods.max())
    return {
        uid
        for uid, (own_first, own_last) in series_days.items()
        if code(own_last) >= first and code(own_first) <= last
    }


def _ended_as_zero_note(ended: dict[str, date], zeros: pd.DataFrame) -> list[ActualsNote]:
    """The note on the ended series counted as 0 sales (`zeros`); none when there are none."""
    if zeros.empty:
        return []
    silent = sorted(zeros[schema.UNIQUE_ID].unique().tolist())
    periods = zeros[schema.DS].nunique()
    have = "has" if len(silent) == 1 else "have"
    return [
        ActualsNote(
            NoteKind.ENDED_SERIES_AS_ZERO,
            f"{count(len(silent))} series the plan reads as ended ({_closed_since(ended, silent)}) "
            f"{have} no rows: counted as 0 sales in {count(periods)} period(s), as the plan "
            f"forecast them: {_preview(silent)}",
        )
    ]


def _closed_since(ended: dict[str, date], which: list[str]) -> str:
    """``closed since 2024-01-26``; ``closed since 2023-11-03 to 2024-01-26`` for several."""
    dates = sorted({ended[uid] for uid in which})
    since = f"{dates[0]:%Y-%m-%d}" + (f" to {dates[-1]:%Y-%m-%d}" if len(dates) > 1 else "")
    return f"closed since {since}"


WHOLE_PERIODS_HINT = (
    "or, if the file already has every sale of it (a day without rows had none, as with order "
    "lines), upload it again saying its periods are whole"
)


def _reader_note(note: str, report: IngestReport) -> ActualsNote:
    """A note of the file's reader (of `report`) as reading actuals says it: an edge period the
    reader left out is to be uploaded (or scored) once whole."""
    from forecast.engine.ingest import ReaderNote

    kind = report.kind_of(note)
    if kind is ReaderNote.EDGE_PERIOD_LEFT_OUT:
        period = report.period_of(note)
        return ActualsNote(
            NoteKind.LEFT_OUT_EDGE_PERIOD,
            f"{note}; upload it once the whole period is in, {WHOLE_PERIODS_HINT}",
            f"{note}; score it once the whole period is in",
            period=period,
            why_left_out=_edge_left_out(report, period) if period else "",
        )
    if kind is ReaderNote.SAME_DATE_ROWS_SUMMED:
        return ActualsNote(NoteKind.ROWS_SUMMED, note)
    return ActualsNote(NoteKind.READER, note)


def _edge_left_out(report: IngestReport, period: tuple[pd.Timestamp, pd.Timestamp]) -> str:
    """Which edge period the reader left out and how much of it the file's dates cover."""
    from forecast.engine.ingest.regularise import native_step_days

    start, end = period
    step = native_step_days(report.native_freq) or 1
    first = report.first_day if report.first_day is not None else start
    last = report.last_day + pd.Timedelta(days=step - 1) if report.last_day is not None else end
    covered = (min(last, end) - max(first, start)).days + 1
    return _partly_covered(report.freq, period, f"{covered} of {(end - start).days + 1} days")


def _partly_covered(freq: str, period: tuple[pd.Timestamp, pd.Timestamp], how_much: str) -> str:
    start, end = period
    return (
        f"the {period_word(freq)} {start:%Y-%m-%d}..{end:%Y-%m-%d} is only partly covered "
        f"({how_much}) and was left out"
    )


SHUT_DAYS_AS_ZERO = "(rows of 0 for days the shops were shut)"


def _partial_period_note(
    kind: NoteKind,
    period: tuple[pd.Timestamp, pd.Timestamp],
    facts: str,
    why: str,
    week_end: pd.Timestamp | None = None,
) -> ActualsNote:
    """A period left out as partial: `facts` say which and how much of it the file covers,
    `why` the same in the short words of a refusal; `week_end`: the file's one date, the last
    day of the period, which may date the whole week by its end (the advice says so too)."""
    after = _week_ending_hint(week_end)
    return ActualsNote(
        kind,
        f"{facts}: left out, so it does not replace that period's actual; upload it once the "
        f"whole period is in {SHUT_DAYS_AS_ZERO}, {WHOLE_PERIODS_HINT}{after}",
        f"{facts}: left out, so its part is not scored as the whole; score it once the whole "
        f"period is in {SHUT_DAYS_AS_ZERO}{after}",
        period=period,
        why_left_out=why,  # a refusal's fix says how to read a week-ending file
        week_end=week_end,
    )


def _taken_whole(
    frame: pd.DataFrame, report: Any, freq: str, shut: set[int], filled: np.ndarray
) -> list[ActualsNote]:
    """The note for a file whose periods were kept whole at the person's word: which of them
    its rows do not cover, and how many empty series-periods were kept as 0."""
    _, partial = _without_partial_periods(frame, report, freq, shut)
    periods = [
        f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"
        for start, end in sorted(n.period for n in partial if n.period is not None)
    ]
    # a series' rows start later or end earlier
    of_series = any(n.kind is NoteKind.LEFT_OUT_PARTIAL_SERIES_PERIODS for n in partial)
    notes = []
    if periods or of_series:
        what = f"the period(s) {_preview(periods)}" if periods else ""
        if of_series:
            what += (" and " if what else "") + "periods some series' rows cover only in part"
        notes.append(
            ActualsNote(
                NoteKind.KEPT_WHOLE_BY_REQUEST,
                f"kept as whole periods, as told: {what} count as complete (a day without rows "
                "had no sales)",
            )
        )
    if filled.any():
        notes.append(
            ActualsNote(
                NoteKind.KEPT_EMPTY_AS_ZERO,
                f"{int(filled.sum())} series-period(s) with no row kept as 0 (whole periods, as "
                "told)",
            )
        )
    return notes


def _other_currency(result: Any, state: PlanState, name: str) -> None:
    """Refuse actuals whose amounts carry a currency sign or ISO 4217 code that is not the
    plan's (€ or EUR figures in a dollar plan): the reader takes it off, and they would be kept
    as dollars. A '$' fits every dollar (CA$, A$), a '¥' the yen and the yuan; a code fits only
    the plan's own."""
    from forecast.engine.ingest import Problem
    from forecast.money import CURRENCY_CODES, symbol

    sign = result.report.currency_sign
    if sign is None or state.currency is None:
        return
    plan_symbol = symbol(state.currency)
    code = sign in CURRENCY_CODES
    fits = sign == state.currency if code else plan_symbol.endswith(sign)
    if fits:
        return
    what = (
        f"the amounts carry the currency {'code' if code else 'sign'} {sign}, and the plan is in "
        f"{state.currency} ({plan_symbol})"
    )
    fix = f"convert the amounts to {state.currency} and upload the file again"
    column = result.mapping.value_col
    problem = Problem(name, None, column, sign, what, fix)
    raise InvalidFile(f"actuals: {problem}", [problem])


def _other_weekday(result: Any, state: PlanState, name: str, week_dates: str) -> None:
    """Refuse a weekly file whose weeks start on another weekday than the plan's: the reader
    would put each of its weeks whole into the plan's week its date falls in (a Sunday-to-
    Saturday week dated by its Sunday into the Monday week before it: six of its seven days in
    the wrong week), and every score would move. Daily files are summed into the plan's weeks
    and are not concerned. A file dated by the last day of each of the plan's weeks ("week
    ending") is read right with ``week_dates="end"``; the fix says so when the dates fit."""
    from forecast.engine.ingest import Problem

    native = str(result.report.native_freq or "")
    plan_freq = str(state.freq or "")
    if not (native.startswith("W-") and plan_freq.startswith("W-")) or native == plan_freq:
        return
    found = WEEKDAY_CODES.index(native.split("-")[1])
    ours = WEEKDAY_CODES.index(plan_freq.split("-")[1])
    # The file's own dates (before a week-ending shift of 6 days back).
    shift = 6 if week_dates == "end" else 0
    written = DAY_NAMES[(found + shift) % 7]
    first = pd.Timestamp(result.report.first_day) + pd.Timedelta(days=shift)
    last = pd.Timestamp(result.report.last_day) + pd.Timedelta(days=shift)
    last_of_ours = DAY_NAMES[(ours + 6) % 7]
    column = result.mapping.date_col
    runs = f"plan {state.plan_id}'s weeks run {DAY_NAMES[ours]} to {last_of_ours}"
    if week_dates == "end" and first == last:
        # One date tells no frequency: on a plan of week-ending dates it was read as a week.
        what = (
            f"the file's single date, {first:%Y-%m-%d} (a {written}), was read as a week's end "
            f"but {runs}: that week would land whole in the plan's week its date falls in, most "
            "of its days in the wrong week"
        )
        problem = Problem.keyed(
            name, None, column, written, what, Fix(FixKey.ACTUALS_ONE_DAY, last=last_of_ours)
        )
        raise InvalidFile(
            f"actuals: {name}: column {column}: {what}; nothing was kept. Fix: {problem.fix}",
            [problem],
        )
    how = " (read as the last day of each week)" if week_dates == "end" else ""
    what = (
        f"the file's weeks are dated by {written}s{how} ({first:%Y-%m-%d} to {last:%Y-%m-%d}) "
        f"but {runs}: each week would land whole in the plan's week its date falls in, most of "
        "its days in the wrong week"
    )
    # Read as week ending, a week is dated by its last day; else by its first.
    dated_by = (
        f"{last_of_ours} its week ends on"
        if week_dates == "end"
        else (f"{DAY_NAMES[ours]} its week starts on")
    )
    # Dated by the day that ends the plan's weeks, they may be read as week ending.
    ending = week_dates != "end" and (found + 1) % 7 == ours
    key = FixKey.ACTUALS_WEEKDAY_OR_END if ending else FixKey.ACTUALS_WEEKDAY
    fix = Fix(key, dated_by=dated_by, first=DAY_NAMES[ours], last=last_of_ours)
    problem = Problem.keyed(name, None, column, written, what, fix)
    raise InvalidFile(
        f"actuals: {name}: column {column}: {what}; nothing was kept. Fix: {problem.fix}",
        [problem],
    )


def duplicates_as_history(state: PlanState, columns: dict[str, Any]) -> str:
    """How actuals read with `columns` (the reader's column options) treat rows repeating a
    series and date when not told: "sum" in the layout of a plan whose history file had several
    rows per series and date (order lines: its history summed them, so its actuals are such
    lines too), "refuse" otherwise (a repeated row is usually a correction). A plan made before
    this was recorded has no record, and refuses."""
    mapping = state.dataset.mapping or {}
    if not (mapping.get(SAME_DATE_ROWS_SUMMED) and mapping.get("date_col")):
        return "refuse"
    layout = ("id_cols", "date_col", "value_col")
    own = [list(mapping.get(k) or []) if k == "id_cols" else mapping.get(k) for k in layout]
    read = [list(columns.get(k) or []) if k == "id_cols" else columns.get(k) for k in layout]
    return "sum" if read == own else "refuse"


SUMMED_AS_HISTORY = "as the plan's history summed the rows of its sales file"


def _summed_as_history(note: ActualsNote, state: PlanState) -> ActualsNote:
    """The reader's note on rows summed, saying why they were: the plan's own layout, whose
    history had several rows per series and date."""
    if note.kind is not NoteKind.ROWS_SUMMED:
        return note
    file = f" ({state.dataset.filename})" if state.dataset.filename else ""
    return ActualsNote(
        NoteKind.ROWS_SUMMED,
        f"{note.text}, {SUMMED_AS_HISTORY}{file}, which has several rows per series and date "
        "(order lines); if one of them was a correction, upload the file with that one row only "
        "(it replaces the sum)",
    )


DUPLICATES_FIX = Fix(FixKey.ACTUALS_DUPLICATES)
"""The fix of a repeated row of actuals, worded by each face (its option, its tick box)."""


def _duplicates_of_actuals(problems: list[Any]) -> list[Any]:
    """The reader's repeated-row problems with the fix of actuals (`DUPLICATES_FIX`)."""
    import dataclasses

    neutral = DUPLICATES_FIX.render(NEUTRAL_FIXES)
    return [
        dataclasses.replace(p, fix=neutral, fixed_by=DUPLICATES_FIX) if p.repeated_row else p
        for p in problems
    ]


def _no_rows_of_actuals(exc: Any, state: PlanState) -> list[Any]:
    """The reader's "empty" or "header but no rows" problem in the words of actuals: which
    columns the rows take and which periods they are for."""
    import dataclasses

    mapping = state.dataset.mapping or {}
    planned = [*mapping.get("id_cols", []), mapping.get("date_col"), mapping.get("value_col")]
    planned_cols = ",".join(str(c) for c in planned) if all(planned) and len(planned) > 2 else ""
    long = ",".join((schema.UNIQUE_ID, schema.DS, schema.Y))
    start, end = state.baseline.start, state.baseline.end
    periods = (
        f"the plan's periods ({horizon_text(state)})" if start and end else "the plan's periods"
    )
    if exc.columns:  # a header and nothing under it
        in_long = {schema.UNIQUE_ID, schema.DS, schema.Y} <= set(exc.columns)
        layout = planned_cols if planned_cols and not in_long else long
        fix = f"add rows of {layout} under it: each series' sales in {periods}"
    else:
        either = long + (f" (or the plan's columns {planned_cols})" if planned_cols else "")
        fix = f"write a header {either} and under it each series' sales in {periods}"
    ours = dataclasses.replace(exc.problem, fix=fix)
    return [ours if p == exc.problem else p for p in exc.problems]


def _without_partial_periods(
    frame: pd.DataFrame, report: Any, freq: str, shut: set[int] | None = None
) -> tuple[pd.DataFrame, list[ActualsNote]]:
    """Leave out a first or last period the file's own dates cover only in part: daily sales of
    a Sunday summed into its week would replace the whole week's actual (and a lone partial week
    too, which the history's reader keeps). The note says which, and to send the whole period.
    `shut`: the weekdays the shops are shut (the file's, with the plan's history's), which a
    period does not need to be whole."""
    first, last = report.first_day, report.last_day
    if first is None or last is None or frame.empty:
        return frame, []
    from forecast.engine.ingest.regularise import native_step_days

    ends: dict[pd.Timestamp, pd.Timestamp] = {}

    def period_end(start: pd.Timestamp) -> pd.Timestamp:
        """The last day of the period that starts on `start`, by the one rule of a plan's
        periods (``overrides.horizon_periods``)."""
        if start not in ends:
            ends[start] = pd.Timestamp(overrides.horizon_periods([start], freq)["end"].iloc[0])
        return ends[start]

    starts = sorted(pd.DatetimeIndex(frame[schema.DS].unique()))
    # How far the file's last date reaches: a week of a weekly file, a day of a daily one. With
    # one date only the frequency is not told: a date on a period start is a whole period.
    step = native_step_days(report.native_freq)
    if step is not None:
        last = last + pd.Timedelta(days=step - 1)
        shut = set(report.weekdays_never if shut is None else shut)
        if shut and len(shut) < 7:  # a weekday the file never has is no missing day at an edge
            while (first - pd.Timedelta(days=1)).day_of_week in shut:
                first -= pd.Timedelta(days=1)
            while (last + pd.Timedelta(days=1)).day_of_week in shut:
                last += pd.Timedelta(days=1)
    elif first in starts and last in starts:
        last = period_end(starts[-1])
    notes: list[ActualsNote] = []
    drop: list[pd.Timestamp] = []
    for start in {starts[0], starts[-1]}:
        end = period_end(start)
        if end <= start:  # a daily plan: a day is whole
            continue
        if first > start or last < end:
            if step is not None and _quiet_edge(report, step, (first - start, last - end)):
                notes.append(_kept_quiet_edge(report, start, end))
                continue
            drop.append(start)
            covered_from, covered_to = max(first, start), min(last, end)
            days = f"{(covered_to - covered_from).days + 1} of {(end - start).days + 1} days"
            notes.append(
                _partial_period_note(
                    NoteKind.LEFT_OUT_PARTIAL_PERIOD,
                    (start, end),
                    f"the period {start:%Y-%m-%d}..{end:%Y-%m-%d} is covered by the file only "
                    f"from {covered_from:%Y-%m-%d} to {covered_to:%Y-%m-%d} ({days})",
                    _partly_covered(freq, (start, end), days),
                    _week_end(step, first, last, end, freq),
                )
            )
    notes += _periods_with_absent_days(
        report.absent_days, step or 1, starts, period_end, drop, freq
    )
    frame = frame[~frame[schema.DS].isin(drop)].reset_index(drop=True)
    if step == 1 and report.dates_regular:
        frame, series_notes = _without_partial_series_edges(
            frame, report.series_days, (first, last), shut or set(), freq, period_end
        )
        notes += series_notes
    return frame, sorted(notes, key=lambda note: note.text)


def _quiet_edge(report: Any, step: int, gaps: tuple[pd.Timedelta, pd.Timedelta]) -> bool:
    """Whether the days an edge period's rows leave out are what a sparse file (order lines,
    not a regular calendar) has without sales by chance (`quiet_by_chance`): then the period
    is whole, not partial. Stricter than the history's reader, which keeps every edge of a
    file with rows on under half its days: a partial period of actuals replaces a whole one
    and is scored, so here even a sparse file's long quiet edge says its data stops. ``gaps``: the first
    date minus the period's start, the last date minus its end (the parts outside the file)."""
    from forecast.engine.ingest.core import quiet_by_chance

    if report.dates_regular:
        return False
    uncovered = max(gaps[0].days, 0) + max(-gaps[1].days, 0)
    return quiet_by_chance(uncovered // step, report.date_density)


def _kept_quiet_edge(report: Any, start: pd.Timestamp, end: pd.Timestamp) -> ActualsNote:
    facts = (
        f"the period {start:%Y-%m-%d}..{end:%Y-%m-%d} is kept though the file's rows span only "
        f"{report.first_day:%Y-%m-%d}..{report.last_day:%Y-%m-%d}: the file has rows on "
        f"{round(100 * report.date_density)} % of its days, so a few days without rows at its edge are "
        "days without sales, as in the plan's history; if some have not arrived yet"
    )
    return ActualsNote(
        NoteKind.KEPT_QUIET_EDGE,
        f"{facts}, upload the whole period again later (it replaces this one)",
        f"{facts}, score it again later",
        period=(start, end),
    )


def _week_end(
    step: int | None, first: pd.Timestamp, last: pd.Timestamp, end: pd.Timestamp, freq: str
) -> pd.Timestamp | None:
    """A file of one date on the last day of one of the plan's weeks is most likely that week's
    total dated by its end (a one-week correction), not one day of sales: that date (None: not
    such a file)."""
    if step is not None or first != last or last != end or not freq.startswith("W-"):
        return None
    return last


def _week_ending_hint(week_end: pd.Timestamp | None) -> str:
    """How else to read a file of one date that may date a week by its end, in neutral words
    (each face words it in the refusal of the file: `FixKey.ACTUALS_WEEK_ENDING`)."""
    if week_end is None:
        return ""
    return (
        f"; if {week_end:%Y-%m-%d} dates a whole week's sales by its last day, read the file as "
        "week ending"
    )


def _without_partial_series_edges(
    frame: pd.DataFrame,
    series_days: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
    file_days: tuple[pd.Timestamp, pd.Timestamp],
    shut: set[int],
    freq: str,
    period_end: Any,
) -> tuple[pd.DataFrame, list[ActualsNote]]:
    """A series of a daily file that ends before the file's last day (its last days have not
    arrived yet) or starts after its first: the period it covers only in part is left out for
    that series, as a partial period of the whole file is, so its sum does not replace the whole
    period's actual. Shut weekdays at a series' edge count as covered."""
    from forecast.engine.ingest.regularise import period_starts, periods

    def period_start(day: pd.Timestamp) -> pd.Timestamp:
        code = periods(np.array([day.to_datetime64()]), freq)[0]
        return pd.Timestamp(period_starts(np.array([code]), freq)[0])

    first, last = file_days
    cut: list[tuple[str, pd.Timestamp]] = []
    for uid, (own_first, own_last) in series_days.items():
        if len(shut) < 7:
            while own_last < last and (own_last + pd.Timedelta(days=1)).day_of_week in shut:
                own_last += pd.Timedelta(days=1)
            while own_first > first and (own_first - pd.Timedelta(days=1)).day_of_week in shut:
                own_first -= pd.Timedelta(days=1)
        if own_last < last:
            start = period_start(own_last)
            if own_last < min(period_end(start), last):
                cut.append((uid, start))
        if own_first > first:
            start = period_start(own_first)
            if own_first > start:
                cut.append((uid, start))
    if not cut:
        return frame, []
    cells = pd.MultiIndex.from_tuples(cut)
    rows = pd.MultiIndex.from_arrays([frame[schema.UNIQUE_ID], frame[schema.DS]]).isin(cells)
    if not rows.any():
        return frame, []
    left = frame[rows]
    pairs = zip(left[schema.UNIQUE_ID], left[schema.DS], strict=True)
    examples = [f"{uid} {day:%Y-%m-%d}" for uid, day in pairs]
    which = (
        f"{int(rows.sum())} period(s) of {left[schema.UNIQUE_ID].nunique()} series that the file "
        f"covers only in part for that series (its rows start later or end earlier than the "
        f"file's): left out"
    )
    shut_days = (
        "once the whole period is in, with rows of 0 for days a store was shut (also one that "
        "opened or closed in that period)"
    )
    note = ActualsNote(
        NoteKind.LEFT_OUT_PARTIAL_SERIES_PERIODS,
        f"{which}, so they do not replace those periods' actuals; upload them {shut_days}, "
        f"{WHOLE_PERIODS_HINT}: {_preview(examples)}",
        f"{which}, so their parts are not scored as wholes; score them {shut_days}: "
        f"{_preview(examples)}",
        why_left_out=f"{int(rows.sum())} period(s) of {left[schema.UNIQUE_ID].nunique()} series "
        f"are only partly covered for that series and were left out: {_preview(examples)}",
    )
    return frame[~rows].reset_index(drop=True), [note]


def _periods_with_absent_days(
    absent: list[pd.Timestamp],
    step: int,
    starts: list[pd.Timestamp],
    period_end: Any,
    drop: list[pd.Timestamp],
    freq: str,
) -> list[ActualsNote]:
    """A period inside the file whose days the file skips (no row of any series on them) is
    partial too: its sum would replace the whole period's actual. Adds such periods to ``drop``.
    ``step``: the days each of the file's dates stands for (7 for a weekly file)."""
    by_period: dict[pd.Timestamp, list[pd.Timestamp]] = {}
    for day in absent:
        start = next((s for s in reversed(starts) if s <= day), None)
        if start is None or start in drop or day > period_end(start) or period_end(start) <= start:
            continue
        by_period.setdefault(start, []).append(day)
    notes = []
    for start, days in by_period.items():
        drop.append(start)
        end = period_end(start)
        missing = f"{len(days) * step} of {(end - start).days + 1} days"
        notes.append(
            _partial_period_note(
                NoteKind.LEFT_OUT_DAYS_MISSING,
                (start, end),
                f"the period {start:%Y-%m-%d}..{end:%Y-%m-%d} has no row in the file for "
                f"{_preview([f'{d:%Y-%m-%d}' for d in days])} ({missing})",
                f"the {period_word(freq)} {start:%Y-%m-%d}..{end:%Y-%m-%d} has no row in the "
                f"file for {_preview([f'{d:%Y-%m-%d}' for d in days])} ({missing}) and was left "
                "out",
            )
        )
    return notes


def _split(
    frame: pd.DataFrame, series: pd.Index, periods: pd.DatetimeIndex, horizon: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(rows inside the plan, what was left out and why); `horizon`: as ``horizon_text``."""
    left_out: dict[str, Any] = {}
    known_series = frame[schema.UNIQUE_ID].isin(series)
    if not known_series.all():
        names = sorted(frame.loc[~known_series, schema.UNIQUE_ID].unique().tolist())
        rows = int((~known_series).sum())
        left_out["series"] = {
            "rows": rows,
            "names": names,
            "message": f"{count(rows)} row(s) of {count(len(names))} series not in the plan "
            f"left out: {_preview(names)}",
        }
    in_horizon = frame[schema.DS].isin(periods)
    outside = known_series & ~in_horizon
    if outside.any():
        dates = sorted(frame.loc[outside, schema.DS].dt.strftime("%Y-%m-%d").unique().tolist())
        rows = int(outside.sum())
        left_out["periods"] = {
            "rows": rows,
            "names": dates,
            "message": f"{count(rows)} row(s) of {count(len(dates))} period(s) outside the "
            f"plan's horizon {horizon} left out: {_preview(dates)}",
        }
    return frame[known_series & in_horizon].reset_index(drop=True), left_out


def split_by_plan(
    store: PlanRepository, state: PlanState, frame: pd.DataFrame
) -> tuple[pd.DataFrame, list[ActualsNote]]:
    """The rows of a read file (``read_actuals``) inside the plan, and what lies outside it, in
    the words an upload uses: rows of series the plan does not have, rows of periods outside
    its horizon."""
    series, periods = plan_cells(store, state)
    inside, left_out = _split(frame, series, periods, horizon_text(state))
    return inside, [
        ActualsNote(NoteKind.LEFT_OUT_OUTSIDE_PLAN, item["message"]) for item in left_out.values()
    ]


def plan_series_without_actuals(
    store: PlanRepository, state: PlanState, frame: pd.DataFrame
) -> list[ActualsNote]:
    """Which of the plan's series a read file (``read_actuals``) has no sales of in the plan's
    horizon, as a note for scoring (a store closed since the plan was made, or one not yet in
    the file): the score counts them ("43 of 44 series"), this names them."""
    plan_series, periods = plan_cells(store, state)
    seen = frame.loc[frame[schema.DS].isin(periods), schema.UNIQUE_ID].astype(str).unique()
    missing = sorted(plan_series.difference(pd.Index(seen)).tolist())
    if not missing:
        return []
    said = (
        f"{count(len(missing))} series of the plan with no actuals in its horizon, left out of "
        f"the score: {_preview(missing)}"
    )
    return [ActualsNote(NoteKind.LEFT_OUT_PLAN_SERIES, said)]


ACTUALS_ROLES = ("owner", "planner")
"""Who keeps a plan's actuals: they score every layer and touch, a lead's claim among them, so a
lead does not (a non-member learns nothing of the plan from the refusal)."""


def may_keep_actuals(state: PlanState, user: str | None) -> bool:
    return bool(user) and any(state.has_role(str(user), role) for role in ACTUALS_ROLES)


def require_actuals_role(state: PlanState, actor: str) -> None:
    if may_keep_actuals(state, actor):
        return
    holders = sorted(u for u in state.members if may_keep_actuals(state, u))
    member = actor in state.members
    held = f" (held by {', '.join(holders) or 'nobody'})" if member else ""
    message = (
        f"user {actor} may not keep actuals on plan {state.plan_id}: that needs the owner or planner "
        f"role{held}, since the actuals score every layer and touch of the plan"
    )
    if state.status == AGREED:
        # No role can be granted on an agreed plan: ask who may upload instead.
        ask = f"; ask {' or '.join(holders)} to upload them" if member and holders else ""
        raise Forbidden(message + ask)
    raise Forbidden(message, Fix(FixKey.GRANT_ROLE, plan=state.plan_id, user=actor, role="planner"))


@dataclass(frozen=True)
class KeepPermission:
    """Whether `user` may keep actuals on the plan; if not, why and how to fix it."""

    allowed: bool
    reason: str = ""
    fix: Fix | None = None


def keep_permission(store: PlanRepository, plan: str, user: str | None) -> KeepPermission:
    """What the Actuals page says about its upload for the signed-in user."""
    state = get_plan(store, plan)
    if state.archived:
        return KeepPermission(
            False,
            f"{user} cannot keep actuals on this plan: it is archived, so it is read-only",
            Fix(FixKey.UNARCHIVE_PLAN, plan=state.plan_id),
        )
    if may_keep_actuals(state, user):
        return KeepPermission(True)
    agreed = state.status == AGREED  # no role can be granted on it any more
    return KeepPermission(
        False,
        f"{user} cannot keep actuals on this plan: only its owner or a planner does, since the "
        "actuals score every layer and touch of the plan",
        None
        if agreed
        else Fix(FixKey.GRANT_ROLE, plan=state.plan_id, user=str(user), role="planner"),
    )


def upload_actuals(
    store: PlanRepository,
    plan: str,
    source: str | Path | bytes,
    *,
    actor: str,
    filename: str | None = None,
    duplicates: str | None = None,
    decimal: str | None = None,
    confirm_scale: bool = False,
    week_dates: str | None = None,
    whole_periods: bool = False,
) -> ActualsUpload:
    """Keep the file's actuals of the plan's series and periods as the plan's next actuals
    version (merged over the previous one) with one audit row; refuse a file with no overlap.

    Actuals a hundredfold or more off the plan's own numbers (`scale_refusal`: a thousands
    separator read as a decimal point, a file in thousands or in cents) are refused, nothing
    kept, unless ``confirm_scale``. ``decimal``: the CSV file's decimal mark (see
    ``read_sales``); ``week_dates``: "start" or "end" (see ``read_actuals``).

    Rows repeating a series and date are refused by default (in actuals a repeated row is
    usually a correction, and their sum would be no one's figure), except in the plan's own
    layout when its history file had several rows per series and date (order lines, summed
    there too: `duplicates_as_history`), where their sum is kept and said in a note.
    ``duplicates="sum"`` keeps their sum, with a warning naming the first pair;
    ``duplicates="refuse"`` refuses them in every layout. ``whole_periods``: see
    ``read_actuals``."""
    state = get_plan(store, plan)
    if not (actor or "").strip():
        raise Invalid("uploading actuals needs a user name (who uploaded them)")
    require_actuals_role(state, actor)
    require_not_archived(state, "upload actuals to it")
    # A browser's file name (or a path) kept as its base name, at most ~200 characters.
    name = bounds.base_filename(
        filename or (Path(source).name if not isinstance(source, bytes) else "")
    )
    read = read_actuals_apart(
        store,
        state.plan_id,
        source,
        filename=name if filename else None,
        duplicates=duplicates,
        decimal=decimal,
        week_dates=week_dates,
        whole_periods=whole_periods,
    )
    frame, notes = read.rows, read.read_notes
    baseline = version_frame(store, state, BASELINE)
    series, periods = plan_cells(store, state)
    inside, left_out = _split(frame, series, periods, horizon_text(state))
    if inside.empty:
        emptied_by = _emptied_by(notes, periods, in_the_file=not frame.empty)
        if emptied_by:
            raise _nothing_kept(name, emptied_by, left_out, state)
        first = periods.min()
        found = ""
        if len(frame):
            found = (
                f" (the file has {frame[schema.UNIQUE_ID].nunique()} series from "
                f"{frame[schema.DS].min():%Y-%m-%d} to {frame[schema.DS].max():%Y-%m-%d})"
            )
        raise Invalid(
            f"actuals: {name} shares no series and period with plan {state.plan_id}, whose "
            f"horizon is {horizon_text(state)} over {len(series)} series{found}; "
            "check the ids and the dates (the plan's periods start on "
            f"{first:%A}s)"
        )
    if not confirm_scale:
        history = load_blob_frame(store, state.plan_id, "history")
        why = scale_refusal(inside, baseline, history)
        if why is not None:
            raise Invalid(
                f"actuals: {name}: {why}; nothing was kept",
                Fix(FixKey.ACTUALS_SCALE, plan=state.plan_id),
            )
        far_off = far_off_cells(inside, baseline, history)
        far_off_notes = [ActualsNote(NoteKind.FAR_OFF_CELLS, n) for n in far_off]
        warnings = [w for w in [scale_warning(inside, baseline, history)] if w]
    else:
        warnings, far_off_notes = [], []
    if duplicates == "sum":  # summed as asked: said loudly, as a warning
        warnings += _summed_duplicates(notes)
        notes = [n for n in notes if n.kind is not NoteKind.ROWS_SUMMED]
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        # Merged over the version in force; kept only if that is still the latest when written
        # (another upload or a restore in between: merged again over the new one).
        previous, based_on = _in_force(store, state.plan_id, inside)
        seen = previous.set_index(KEY).index
        # An ended series' 0 is no sale of the file: it only fills a series-period not known.
        filling = read.ended_zeros[~read.ended_zeros.set_index(KEY).index.isin(seen)]
        kept_notes = [*read.notes_keeping(filling, notes), *far_off_notes]
        kept = pd.concat([inside, filling], ignore_index=True) if len(filling) else inside
        incoming = kept.set_index(KEY).index
        replaced = int(incoming.isin(seen).sum())
        merged = (
            pd.concat([previous[~seen.isin(incoming)], kept], ignore_index=True)
            .sort_values(KEY)
            .reset_index(drop=True)
        )
        periods_in = sorted(kept[schema.DS].dt.strftime("%Y-%m-%d").unique().tolist())
        new = len(kept) - replaced
        changed = _changed(previous, kept)
        if new == 0 and changed == 0:  # the same file again: a version would only add noise
            return ActualsUpload(
                version=store.actuals_versions(state.plan_id)[-1],
                kept=len(kept),
                new=0,
                replaced=replaced,
                total=len(previous),
                left_out=left_out,
                noted=kept_notes,
                filename=name,
                warnings=warnings,
            )
        summary: dict[str, Any] = {
            "kept": len(kept),
            "new": new,
            "replaced": replaced,
            "total": len(merged),
            "periods": periods_in,
            "left_out": {
                k: {"rows": v["rows"], "names": v["names"][:50]} for k, v in left_out.items()
            },
            "duplicates": duplicates or "as the plan's history",
            "whole_periods": whole_periods,
        }
        what = (
            f"upload actuals from {name}: {count(len(kept))} series-periods ({count(new)} new, "
            f"{count(replaced)} replaced) for {count(len(periods_in))} period(s)"
        )
        if left_out:
            what += "; " + "; ".join(v["message"] for v in left_out.values())
        try:
            version = store.add_actuals(
                state.plan_id,
                frame_to_bytes(merged),
                filename=name,
                rows=len(merged),
                summary=summary,
                change=Change(actor=actor, action="upload_actuals", what=what, after=summary),
                based_on=based_on,
                generation=state.store_generation,
            )
            break
        except StaleVersion:
            # Merging again mends an upload kept meanwhile, not a restore since the plan was read.
            if attempt == MERGE_ATTEMPTS or _restored_since(store, state):
                raise
    touched = pd.DatetimeIndex(kept[schema.DS].unique())
    warnings += periods_all_zero(merged, baseline, touched, version=version.version)
    return ActualsUpload(
        version=version,
        kept=len(kept),
        new=new,
        replaced=replaced,
        total=len(merged),
        left_out=left_out,
        noted=kept_notes,
        changed=changed,
        filename=name,
        warnings=warnings,
    )


def _emptied_by(
    notes: list[ActualsNote], periods: pd.DatetimeIndex, *, in_the_file: bool
) -> list[ActualsNote]:
    """The notes of reading a file that left nothing of it inside the plan: those that left out
    one of the plan's periods, and, when nothing of the file was left at all (not
    `in_the_file`), also those that name no period."""
    return [
        note
        for note in notes
        if note.left_out
        and (note.period[0] in periods if note.period is not None else not in_the_file)
    ]


def _nothing_kept(
    name: str, emptied_by: list[ActualsNote], left_out: dict[str, Any], state: PlanState
) -> Invalid:
    """The refusal of a file that reading left nothing of inside the plan: why, kind by kind
    (what the rest of it lies outside of, too), and what to do once."""
    whys = [note.why for note in emptied_by] + [item["message"] for item in left_out.values()]
    partial = [note.period for note in emptied_by if note.kind in PARTIAL_PERIOD_KINDS]
    noun = period_word(state.freq)
    if not partial:
        which = "its periods are"
    elif len(set(partial)) == 1:
        which = f"the {noun} is"
    else:
        which = f"the {noun}s are"
    week_ends = [note.week_end for note in emptied_by if note.week_end is not None]
    fix = (
        Fix(
            FixKey.ACTUALS_WEEK_ENDING,
            plan=state.plan_id,
            which=which,
            date=f"{week_ends[0]:%Y-%m-%d}",
        )
        if week_ends
        else Fix(FixKey.ACTUALS_WHOLE_PERIODS, plan=state.plan_id, which=which)
    )
    return Invalid(f"actuals: {name}: {'; '.join(whys)}; nothing was kept", fix)


def _summed_duplicates(notes: list[ActualsNote]) -> list[str]:
    """The reader's note on rows summed (``duplicates="sum"``, as asked) as a warning: a sum of
    repeated rows is kept, but said loudly, since one of them may have been a correction."""
    return [
        f"{note.text}, as asked: kept as their sum; if one of them was a correction, upload the "
        "file with that one row only (it replaces the sum)"
        for note in notes
        if note.kind is NoteKind.ROWS_SUMMED
    ]


SCALE_FACTOR = 100
"""Actuals whose typical series-period is this many times smaller (or larger) than the plan's
forecast of it, and than the series' usual sales in the history, are refused as read in the
wrong scale (unless confirmed)."""


def scale_refusal(
    actuals: pd.DataFrame, baseline: pd.DataFrame, history: pd.DataFrame
) -> str | None:
    """Why `actuals` look read in the wrong scale (None: they do not).

    Two robust comparisons, both of which must be a factor of ``SCALE_FACTOR`` or more off in
    the same direction: the median, over the series-periods where both are above zero, of the
    actual divided by the plan's forecast (baseline) of it; and the median, over actuals above
    zero, of the actual divided by the series' usual sale in the history (the median of its
    sales above zero: a slow seller's occasional sale is not off from that). Zero weeks, series
    the history never sold and a partial upload do not move a median; one that cannot be
    computed does not refuse."""
    off = _off_by(actuals, baseline, history, SCALE_FACTOR)
    if off is None:
        return None
    return f"{off}, as a number read in the wrong unit or with the wrong decimal mark is"


def _off_by(
    actuals: pd.DataFrame, baseline: pd.DataFrame, history: pd.DataFrame, factor: float
) -> str | None:
    """The message's start, `these actuals are about ...: F times too large or more`, when
    both medians of `_scale_ratios` are `factor` or more off in the same direction; else None."""
    ratios = _scale_ratios(actuals, baseline, history)
    direction = ratios.direction(factor) if ratios else None
    if ratios is None or direction is None:
        return None
    return f"these actuals are about {ratios.text()}: {factor} times too {direction} or more"


SCALE_WARNING_FACTOR = 3
"""Actuals whose typical series-period is this many times larger (or smaller) than both the
plan's forecast of it and the series' usual sale are kept with a warning: another currency (a
Danish file is 7.5 times a euro one), a slipped digit (10 times), a file in thousands that
escaped the refusal. Why 3: real sales do not move a whole file's median that far. On the
Rossmann sample (100 stores, 2013-2015) the median of a week's sales over the series' usual week
runs from 0.58 to 1.69 (Christmas weeks the top), and of a day's over the usual day from 0.30
(a Sunday, which the forecast knows: both medians must be off) to 2.10; against the plan's own
forecast an honest upload's median is near 1 (the demo's WAPE is about 8 %). A factor of 3 is
above every real week and day, and below the smallest currency or unit mix-up worth catching."""


def scale_warning(
    actuals: pd.DataFrame, baseline: pd.DataFrame, history: pd.DataFrame
) -> str | None:
    """A warning when `actuals` are ``SCALE_WARNING_FACTOR`` times or more off both the plan's
    forecast and the series' usual sales (the same medians as `scale_refusal`), short of a
    refusal; None when they are not."""
    off = _off_by(actuals, baseline, history, SCALE_WARNING_FACTOR)
    if off is None:
        return None
    return (
        f"{off}, as figures in another currency or unit, or with a digit slipped, are. They "
        "are kept and will be scored; if they are wrong, restore the earlier version (or upload "
        "the right figures, which replace them)"
    )


@dataclass(frozen=True)
class _Ratios:
    """The medians `scale_refusal` and `scale_warning` compare, with what they rest on."""

    to_forecast: float | None
    cells: pd.DataFrame  # actual and forecast of the series-periods with both above zero
    to_history: float | None
    seen: int  # actuals above zero of series with a usual sale

    def direction(self, factor: float) -> str | None:
        """ "small" or "large" when every median is `factor` times off that way, else None."""
        ratios = [r for r in (self.to_forecast, self.to_history) if r is not None]
        if ratios and all(r <= 1 / factor for r in ratios):
            return "small"
        if ratios and all(r >= factor for r in ratios):
            return "large"
        return None

    def text(self) -> str:
        y, base = schema.Y, schema.BASELINE
        parts = []
        if self.to_forecast is not None:
            parts.append(
                f"{_times(self.to_forecast)} the plan's forecast for the same series and periods "
                f"(median over {len(self.cells)} series-period(s) with both above zero; these "
                f"total {_amount(self.cells[y].sum())} against a forecast of "
                f"{_amount(self.cells[base].sum())})"
            )
        if self.to_history is not None:
            parts.append(
                f"{_times(self.to_history)} the same series' usual sales in the plan's history "
                f"(median over {self.seen} series-period(s))"
            )
        return " and about ".join(parts)


def _scale_ratios(
    actuals: pd.DataFrame, baseline: pd.DataFrame, history: pd.DataFrame
) -> _Ratios | None:
    y, base = schema.Y, schema.BASELINE
    sold = actuals[actuals[y] > 0]
    if sold.empty:
        return None
    cells = sold.merge(baseline[[*KEY, base]], on=KEY, how="inner")
    cells = cells[cells[base] > 0]
    to_forecast = float(np.median(cells[y] / cells[base])) if len(cells) else None
    seen = sold.join(_usual_sales(history), on=schema.UNIQUE_ID).dropna(subset=["usual"])
    to_history = float(np.median(seen[y] / seen["usual"])) if len(seen) else None
    if to_forecast is None and to_history is None:
        return None
    return _Ratios(to_forecast, cells, to_history, len(seen))


FAR_OFF_NAMED = 5


def far_off_cells(
    actuals: pd.DataFrame, baseline: pd.DataFrame, history: pd.DataFrame
) -> list[str]:
    """A note naming the series-periods whose actual is ``SCALE_FACTOR`` times or more both the
    plan's forecast of it and the series' usual sale (a figure typed with two digits too many):
    kept, since a file whose other cells are in scale passes, but said, so that the person can
    upload the right figure before it is scored. No note when there is none."""
    y, base = schema.Y, schema.BASELINE
    cells = actuals[actuals[y] > 0].merge(baseline[[*KEY, base]], on=KEY, how="inner")
    cells = cells.join(_usual_sales(history), on=schema.UNIQUE_ID)
    off = cells[
        (cells[base] > 0)
        & (cells[y] >= SCALE_FACTOR * cells[base])
        & (cells[y] >= SCALE_FACTOR * cells["usual"])
    ]
    if off.empty:
        return []
    off = off.assign(times=off[y] / off[base]).sort_values("times", ascending=False)
    named = "; ".join(
        f"{row[schema.UNIQUE_ID]} on {pd.Timestamp(row[schema.DS]):%Y-%m-%d}: "
        f"{_amount(row[y])}, {_times(row['times'])} its forecast of {_amount(row[base])} and "
        f"{_times(row[y] / row['usual'])} its usual sales"
        for _, row in off.head(FAR_OFF_NAMED).iterrows()
    )
    more = f" (and {len(off) - FAR_OFF_NAMED} more)" if len(off) > FAR_OFF_NAMED else ""
    return [
        f"{len(off)} actual(s) are {SCALE_FACTOR} times or more both the plan's forecast and "
        f"the series' usual sales, as a figure typed with digits too many is: {named}{more}. "
        "They are kept and will be scored; if one is wrong, upload a file with the right "
        "figure (it replaces that series-period)"
    ]


def _usual_sales(history: pd.DataFrame) -> pd.Series:
    """Each series' usual sale in the history: the median of its sales above zero ("usual")."""
    y = schema.Y
    return history[history[y] > 0].groupby(schema.UNIQUE_ID)[y].median().rename("usual")


ALL_ZERO_LEAST_SERIES = 2
"""A period is said to be all zero from this many series on (one shop shut a week is real)."""


def periods_all_zero(
    actuals: pd.DataFrame, baseline: pd.DataFrame, touched: pd.DatetimeIndex, *, version: int
) -> list[str]:
    """A period the upload touched whose every actual in force (`actuals`, the merged version
    `version` just made) is 0, over several series the plan forecast sales for: kept (every
    shop may have been shut), but said, since it is more often an export made before the
    period's sales were booked, and it is scored as a period without sales."""
    y, base = schema.Y, schema.BASELINE
    cells = actuals[actuals[schema.DS].isin(touched)].merge(
        baseline[[*KEY, base]], on=KEY, how="inner"
    )
    if version > 1:
        undo = (
            f"go back to the version before (actuals-restore {version - 1}) and upload the "
            "period again once they are"
        )
    else:
        undo = "upload the period again once they are"
    said: list[str] = []
    for start, period in cells.groupby(schema.DS, sort=True):
        forecast = float(period[base].sum())
        if len(period) < ALL_ZERO_LEAST_SERIES or (period[y] != 0).any() or forecast <= 0:
            continue
        said.append(
            f"every actual of the period {pd.Timestamp(str(start)):%Y-%m-%d} is 0 ({len(period)} "
            f"series, where the plan forecast {_amount(forecast)}): kept, and scored as a period "
            f"without sales; if its sales were not booked yet when the file was made, {undo}"
        )
    return said


def _amount(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}"


def _times(ratio: float) -> str:
    """0.001 as '0.1 % of', 1000 as '1,000 times', 7.46 as '7.5 times'."""
    if ratio < 1:
        return f"{100 * ratio:.2g} % of"
    return f"{ratio:,.0f} times" if ratio >= 10 else f"{ratio:.2g} times"


def restore_actuals(store: PlanRepository, plan: str, version: int, *, actor: str) -> ActualsUpload:
    """Go back to an earlier actuals version (a wrong file kept by mistake): its actuals become
    the plan's next version, with an audit row; nothing kept is erased, so the mistaken version
    and the restore stay in the record. Owner or planner only, as for an upload."""
    state = get_plan(store, plan)
    if not (actor or "").strip():
        raise Invalid("restoring actuals needs a user name (who restored them)")
    require_actuals_role(state, actor)
    require_not_archived(state, "restore its actuals")
    versions = store.actuals_versions(state.plan_id)
    if not versions:
        raise Invalid(
            f"plan {state.plan_id} keeps no actuals yet: there is no version to go back to"
        )
    latest = versions[-1].version
    if version == latest:
        return _nothing_restored(versions[-1], version)
    if not any(v.version == version for v in versions):
        raise Invalid(
            f"plan {state.plan_id} has no actuals version {version}: its versions are "
            f"1..{latest}; `forecast plan actuals-versions {state.plan_id}` lists them"
        )
    old_info, old_bytes = store.get_actuals(state.plan_id, version)
    restored = _kept_frame(old_bytes)
    current, _ = _in_force(store, state.plan_id, restored)
    known = current.set_index(KEY).index
    back = restored.set_index(KEY).index
    replaced, changed = int(back.isin(known).sum()), _changed(current, restored)
    dropped = int((~known.isin(back)).sum())
    if len(restored) == replaced and not changed and not dropped:
        return _nothing_restored(versions[-1], version, len(restored))
    new = len(restored) - replaced
    summary: dict[str, Any] = {
        "restored_version": version,
        "kept": len(restored),
        "new": new,
        "replaced": replaced,
        "changed": changed,
        "dropped": dropped,
        "total": len(restored),
        "periods": sorted(restored[schema.DS].dt.strftime("%Y-%m-%d").unique().tolist()),
    }
    what = (
        f"restore actuals version {version} ({old_info.filename}, {old_info.uploaded_by}, "
        f"{old_info.at}) over version {latest}: {len(restored)} series-periods, "
        f"{new} series-period(s) back, {changed} value(s) changed back, "
        f"{dropped} series-period(s) no longer known"
    )
    try:
        made = store.add_actuals(
            state.plan_id,
            old_bytes,
            filename=f"restore of version {version} ({old_info.filename})",
            rows=len(restored),
            summary=summary,
            change=Change(actor=actor, action="restore_actuals", what=what, after=summary),
            based_on=latest,
            generation=state.store_generation,
        )
    except StaleVersion:
        if _restored_since(store, state):
            raise
        # Restoring is a judgement on what was in force: one kept meanwhile is looked at first.
        newer = store.actuals_versions(state.plan_id)[-1]
        raise StaleVersion(
            f"actuals version {newer.version} ({newer.filename}, {newer.uploaded_by}) was kept "
            f"on plan {state.plan_id} while you restored version {version} over version "
            f"{latest}; look at the versions again and restore once more if it still applies"
        ) from None
    return ActualsUpload(
        version=made,
        kept=len(restored),
        new=new,
        replaced=replaced,
        total=len(restored),
        changed=changed,
        filename=made.filename,
        restored_from=version,
        dropped=dropped,
    )


def _nothing_restored(
    in_force: ActualsVersion, version: int, rows: int | None = None
) -> ActualsUpload:
    """Going back to the actuals already in force (that version, or one equal to it) is done
    already: said, with no version made, as an upload of a file with nothing new is."""
    known = in_force.rows if rows is None else rows
    return ActualsUpload(
        version=in_force,
        kept=known,
        new=0,
        replaced=known,
        total=known,
        filename=in_force.filename,
        restored_from=version,
    )


MERGE_ATTEMPTS = 20
"""An upload is merged again over a version kept meanwhile this many times before it is
refused (each attempt rereads the version in force; a steady stream of uploads is needed to
lose twenty races)."""


def _restored_since(store: PlanRepository, state: PlanState) -> bool:
    """Whether the store was restored from a backup since `state` was read."""
    return store.generation() != (state.store_generation or "")


def _in_force(
    store: PlanRepository, plan_id: str, empty_like: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """The actuals in force and their version (0 and no rows when none is kept)."""
    try:
        info, data = store.get_actuals(plan_id)
    except NotFound:
        return empty_like.iloc[0:0], 0
    return _kept_frame(data), info.version


def _kept_frame(data: bytes) -> pd.DataFrame:
    """A kept actuals version's Parquet as ``unique_id`` (text), ``ds`` (dates), ``y``."""
    frame = frame_from_bytes(data)
    frame[schema.UNIQUE_ID] = frame[schema.UNIQUE_ID].astype(str)
    frame[schema.DS] = pd.to_datetime(frame[schema.DS])
    return frame


def _changed(previous: pd.DataFrame, inside: pd.DataFrame) -> int:
    """Rows of ``inside`` whose series-period is kept with another value."""
    both = inside.merge(previous, on=KEY, suffixes=("", "_kept"))
    return int((both[schema.Y] != both[f"{schema.Y}_kept"]).sum())


def actuals_versions(store: PlanRepository, plan: str) -> list[ActualsVersion]:
    return store.actuals_versions(get_plan(store, plan).plan_id)


@dataclass(frozen=True)
class EarlierVersion:
    """The earlier version of a plan that keeps the actuals the plan lacks, the facts every face
    words: its id, name and status, all "" for one the user may not see (then neither named nor
    identified). ``plan`` is that version where it was looked up and may be seen; a refusal
    carries the facts in its fix (`params`, read back by `from_fix`)."""

    plan_id: str = ""
    name: str = ""
    status: str = ""
    plan: PlanState | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, plan: PlanState | None) -> EarlierVersion:
        """The version `plan`, or (None) one the user may not see."""
        return cls() if plan is None else cls(plan.plan_id, plan.name, plan.status, plan)

    @property
    def seen(self) -> bool:
        return bool(self.plan_id)

    def params(self) -> dict[str, str]:
        """The facts as a refusal's fix carries them (no name nor status of an unseen one)."""
        if not self.seen:
            return {"earlier": ""}
        return {"earlier": self.plan_id, "earlier_name": self.name, "earlier_status": self.status}

    @classmethod
    def from_fix(cls, fix: Fix | None) -> EarlierVersion | None:
        """The earlier version a refusal's fix names (`no_actuals_here`), if it names one."""
        if fix is None or "earlier" not in fix.params:
            return None
        p = fix.params
        return cls(p["earlier"], p.get("earlier_name", ""), p.get("earlier_status", ""))

    def text(self) -> str:
        """In neutral words, as a refusal's reason says it (each face words it its own way)."""
        if not self.seen:
            return EARLIER_VERSION_UNSEEN
        return (
            f"it is a new version of plan {self.plan_id}, {self.status}, which keeps the actuals "
            f"uploaded so far: score that one by its id, {self.plan_id}"
        )


def earlier_version_with_actuals(
    store: PlanRepository, plan: str, user: str | None, *, admin: bool = False
) -> EarlierVersion | None:
    """The nearest plan `plan` was made from (`plan new-version`, parent by parent) that keeps
    actuals, while `plan` keeps none: a new version starts without them, and they still score
    the version they were uploaded to. Named only to a user who may see it (``may_view``)."""
    state = get_plan(store, plan)
    if store.actuals_versions(state.plan_id):
        return None
    seen = {state.plan_id}
    parent = state.parent_id
    while parent is not None and parent not in seen:
        seen.add(parent)
        try:
            earlier = store.get(parent)
        except NotFound:
            return None
        if store.actuals_versions(earlier.plan_id):
            return EarlierVersion.of(earlier if may_view(earlier, user, admin=admin) else None)
        parent = earlier.parent_id
    return None


EARLIER_VERSION_UNSEEN = "an earlier version of this plan keeps them; ask its owner"
"""Said of actuals kept on an earlier version the user may not see (no name, no id)."""


def no_actuals_here(
    store: PlanRepository, plan: str, user: str | None, *, admin: bool = False
) -> NotFound:
    """The refusal to score `plan`, which keeps no actuals; it names the earlier version of the
    plan that keeps them, if one does and `user` may see it."""
    state = get_plan(store, plan)
    fix = Fix(FixKey.UPLOAD_ACTUALS, plan=state.plan_id)
    found = earlier_version_with_actuals(store, state.plan_id, user, admin=admin)
    if found is None:
        return NotFound(f"plan {state.plan_id} has no actuals yet", fix)
    return NotFound(
        f"plan {state.plan_id} has no actuals yet ({found.text()})", fix.given(**found.params())
    )


def load_actuals(
    store: PlanRepository, plan: str, version: int | None = None
) -> tuple[ActualsVersion, pd.DataFrame]:
    """One actuals version (the latest when None) as ``unique_id, ds, y``; `plan` by id or name."""
    try:
        info, data = store.get_actuals(plan, version)
    except NotFound:
        info, data = store.get_actuals(get_plan(store, plan).plan_id, version)
    return info, _kept_frame(data)


def plans_with_actuals(
    store: PlanRepository, summaries: Sequence[PlanSummary]
) -> list[PlanSummary]:
    """Those of `summaries` (the plans a user may see) that have at least one actuals version:
    the plans the Accuracy page can score."""
    return [s for s in summaries if store.actuals_versions(s.plan_id)]


def score_kept(store: PlanRepository, plan: str) -> pd.DataFrame | None:
    """The two tracks scored on every actual kept so far (`negotiation.score`: per team and
    TOTAL), as the Actuals page shows on opening a plan; only the system plan while the plan has
    no goal (so no negotiated target); None while it has no actuals yet."""
    from forecast.services import negotiation

    state = get_plan(store, plan)
    if not store.actuals_versions(state.plan_id):
        return None
    _, kept = load_actuals(store, state.plan_id)
    return negotiation.score(store, state.plan_id, kept)
