"""Shared pieces of the command line: the options every command spells the same way, JSON output,
the acting user and the store. Errors, exit codes, verbosity and choices live in
`forecast.cli.conventions`, progress in `forecast.cli.progress`; this module re-exports what a
command needs.

Nothing heavy is imported here (no pandas, no services at import time).
"""

from __future__ import annotations

import functools
import getpass
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from forecast.cli.choices import DecimalMark, Duplicates, Frequency, Model, WeekDates
from forecast.cli.conventions import (
    EXIT_BAD_INPUT,
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    choice,
    detail,
    fail,
    info,
    verbosity,
    warn,
)

if TYPE_CHECKING:
    from forecast.services.actuals_notes import ActualsNote

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_NOT_FOUND",
    "EXIT_REFUSED",
    "choice",
    "detail",
    "fail",
    "info",
    "verbosity",
    "warn",
]


def say_notes(notes: Sequence[ActualsNote]) -> None:
    """A file's notes on stderr: those saying sales were left out change what was kept (or
    scored), so they are warnings, which -q does not silence; the others are notes, which it
    does."""
    for note in notes:
        if note.left_out:
            warn(note.text)
        else:
            info(f"  note: {note.text}")


def echo_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


# -- options of the plan commands ------------------------------------------------------------

PlanArg = Annotated[str, typer.Argument(help="Plan id or unique plan name.")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="Acting user (default: $FORECAST_USER or your login name)."),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL, e.g. postgresql://user:pw@host/db (or $FORECAST_DB_URL)."
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Directory of the SQLite store (or $FORECAST_DATA_DIR)."),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of text (errors too, on stdout).")
]
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel", help="CSV for Excel: start it with a UTF-8 BOM (the numbers stay plain)."
    ),
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--expected-version",
        help="Refuse the change if the plan is no longer at this version (optimistic locking).",
    ),
]

# -- options of the commands that read a sales file ------------------------------------------
# One spelling each: --id-col, --date-col, --value-col (the column's role, then "col"). The old
# spellings (--id and --id-cols, --date, --value) stay as hidden aliases for a release.

IdColOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--id-col",
        help="Series key column (repeat, or comma-separate, for several; default: detected).",
    ),
]
DateColOpt = Annotated[
    str | None, typer.Option("--date-col", help="Date column (default: detected).")
]
ValueColOpt = Annotated[
    str | None, typer.Option("--value-col", help="Sales (value) column (default: detected).")
]
OldIdOpt = Annotated[list[str] | None, typer.Option("--id", "--id-cols", hidden=True)]
OldDateOpt = Annotated[str | None, typer.Option("--date", hidden=True)]
OldValueOpt = Annotated[str | None, typer.Option("--value", hidden=True)]

FreqOpt = Annotated[
    Frequency | None,
    typer.Option(
        "--freq",
        help="Frequency of the plan; coarser than the data aggregates (default: detected).",
    ),
]
DuplicatesOpt = Annotated[
    Duplicates,
    typer.Option(
        "--duplicates",
        help="sum: add rows of the same series and date; refuse: report them.",
    ),
]
WeekDatesOpt = Annotated[
    WeekDates,
    typer.Option(
        "--week-dates",
        help="How a weekly file dates its weeks: start (by the first day) or end (by the last "
        "day, 'week ending', as US retail files do); weeks are then dated by their first day.",
    ),
]
ActualsWeekDatesOpt = Annotated[
    WeekDates | None,
    typer.Option(
        "--week-dates",
        help="How a weekly file dates its weeks: start (by the first day) or end (by the "
        "last day, 'week ending'). Default: as the plan's history was dated.",
    ),
]
DecimalOpt = Annotated[
    DecimalMark | None,
    typer.Option(
        "--decimal",
        help="Decimal mark of a CSV file: '.' (44.537 is 44.537) or ',' (a decimal comma, '.' "
        "grouping thousands: 44.537 is 44537). Default: detected; a column written like 44.537 "
        "throughout is refused as ambiguous until it is named.",
    ),
]
ModelOpt = Annotated[
    Model,
    typer.Option("--model", "-m", help="Baseline model (`forecast models` says what each is)."),
]
HorizonOpt = Annotated[int, typer.Option("--horizon", "-h", help="Periods to forecast.", min=1)]


def _cores() -> int:
    import os

    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def _within_cores(jobs: int) -> int:
    """More worker processes than cores fit no faster and each holds its own copy of the
    libraries: asked for more, the command uses one per core and says so."""
    cores = _cores()
    if jobs > cores:
        typer.echo(
            f"note: --jobs {jobs} is more than the {cores} core(s) this process may use; "
            f"using {cores}",
            err=True,
        )
        return cores
    return jobs


JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        help="Worker processes (1 = run in this process; at most one per core).",
        min=1,
        callback=_within_cores,
    ),
]
HolidaysOpt = Annotated[
    str | None,
    typer.Option("--holidays", help="Country code for public holidays (e.g. DE, US, GB)."),
]


def columns(
    id_col: list[str] | None,
    date_col: str | None,
    value_col: str | None,
    old_id: list[str] | None = None,
    old_date: str | None = None,
    old_value: str | None = None,
) -> tuple[list[str] | None, str | None, str | None]:
    """The column options after the old spellings are folded in (with a note on stderr)."""
    for old, new, given in (
        ("--id/--id-cols", "--id-col", old_id),
        ("--date", "--date-col", old_date),
        ("--value", "--value-col", old_value),
    ):
        if given:
            info(f"note: {old} is now spelled {new}; the old name goes away in the next release")
    ids = [part.strip() for item in (id_col or []) + (old_id or []) for part in item.split(",")]
    return [i for i in ids if i] or None, date_col or old_date, value_col or old_value


def column_width(header: str, values: Iterable[Any], gap: int = 2, least: int = 0) -> int:
    """The width of a text column (a team, a plan's name, an amount): the longest of its
    `values` and its `header`, whole, plus `gap` spaces before the next column; at least
    `least`, the width the column has had, so that short values keep the table's look."""
    return max(least, max([len(header), *(len(str(value)) for value in values)]) + gap)


def rests_on_columns(
    rows: Sequence[Mapping[Any, Any]],
) -> tuple[list[tuple[str, str]], int, int]:
    """What each verdict of `plan score` and `track-record` rests on: its series and periods with
    actuals as ``1,115 of 1,115``, and the widths of the two right-aligned columns showing them
    (as wide as the longest text plus two spaces, so it never runs into the column before)."""
    from forecast.services.money import format_count as count

    rests_on = [
        (
            f"{count(row['series_scored'])} of {count(row['series_total'])}",
            f"{count(row['periods_scored'])} of {count(row['periods_total'])}",
        )
        for row in rows
    ]
    series_wide = column_width("series", (series for series, _ in rests_on), least=12)
    periods_wide = column_width("periods", (periods for _, periods in rests_on), least=10)
    return rests_on, series_wide, periods_wide


# -- who and where ---------------------------------------------------------------------------


def named_user(as_user: str | None) -> str:
    """The name a command is run under: --as, else $FORECAST_USER, else the login name ("" when
    there is none)."""
    user = (as_user or os.environ.get("FORECAST_USER") or "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


def acting_user(as_user: str | None, db: str | None = None, data_dir: Path | None = None) -> str:
    """The user a command acts as: --as, else $FORECAST_USER, else the login name.

    The CLI is a console on the store: whoever can open the database is trusted. Once the store
    holds accounts, the name must be an existing, active account (services.accounts)."""
    user = named_user(as_user)
    if not user:
        fail("who are you? pass --as USER or set FORECAST_USER")
    from forecast.services import accounts

    # A refusal (unknown or disabled account) is a service error: the root group gives its code.
    store = open_plan_store(db, data_dir)
    try:
        return accounts.check_cli_user(store, user)
    finally:
        store.close()


def open_plan_store(db: str | None, data_dir: Path | str | None, *, existing: bool = False) -> Any:
    """The plan store named by --db / --data-dir (or their environment variables). `existing`:
    a command that reads plans does not create a store where there is none (a mistyped
    --data-dir would otherwise leave an empty store behind and report "no plans")."""
    from forecast.services.store_factory import open_store, sqlite_file

    if existing:
        path = sqlite_file(db, data_dir)
        if path is not None and not path.is_file():
            fail(
                f"there is no plan store in {path.parent}: `forecast plan create` or "
                "`forecast demo` makes one (or give the right --data-dir or --db)",
                EXIT_NOT_FOUND,
                "not_found",
            )
    return open_store(db_url=db, data_dir=data_dir)


T = TypeVar("T")

# -- commands that change a plan -------------------------------------------------------------


class PlanChange:
    """The options every command that changes a plan takes, the same way: the plan, --as,
    --expected-version, --db, --data-dir and --json.

    The store is opened, and the acting user checked, when the command first asks for them:
    after it has checked its own options, so a bad option is reported before a bad user."""

    def __init__(
        self,
        plan: str,
        as_user: str | None,
        expected_version: int | None,
        db: str | None,
        data_dir: Path | None,
        as_json: bool,
    ):
        self.plan = plan
        self.as_user = as_user
        self.expected_version = expected_version
        self.db = db
        self.data_dir = data_dir
        self.as_json = as_json

    @functools.cached_property
    def store(self) -> Any:
        return open_plan_store(self.db, self.data_dir, existing=True)

    @functools.cached_property
    def actor(self) -> str:
        return acting_user(self.as_user, self.db, self.data_dir)

    def apply(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a service that changes the plan: `service(store, plan, actor, *args,
        expected_version=..., **kwargs)`."""
        return service(
            self.store,
            self.plan,
            self.actor,
            *args,
            expected_version=self.expected_version,
            **kwargs,
        )


def note_basis_drift(store: Any, plan_id: str) -> None:
    """After a change that may move the basis of a negotiation (an event added, edited, removed
    or restored, a factor, a new baseline): one `note:` line on stderr while the negotiation rests
    on an older basis than the current one, naming the drift per team and the rebase command.
    Best-effort: the change is saved before, so a refusal while reading the note (the plan
    removed meanwhile, say) skips the note and leaves the command's success alone."""
    from forecast.services import basis_drift
    from forecast.services.errors import ServiceError

    try:
        drift = basis_drift.basis_drift(store, plan_id)
    except ServiceError:
        return
    if drift is not None:
        info(f"note: {drift.note()}")


_PLAN_CHANGE_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("as_user", AsOpt, None),
    ("expected_version", VersionOpt, None),
    ("db", DbOpt, None),
    ("data_dir", DataDirOpt, None),
    ("as_json", JsonOpt, False),
)


def plan_change_command(app: typer.Typer, name: str) -> Callable[[Callable[..., None]], Any]:
    """Register `fn(change: PlanChange, **own_options)` as the command `name` of `app`.

    The command line gets the plan argument first, then `fn`'s own options (declared as usual,
    after `change`), then the shared options of `PlanChange`. Refusals need no handling here:
    the root group gives every error its exit code (forecast.cli.conventions)."""

    def register(fn: Callable[..., None]) -> Any:
        own = list(inspect.signature(fn, eval_str=True).parameters.values())[1:]
        shared = [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
            for n, a, d in _PLAN_CHANGE_OPTIONS
        ]
        plan = inspect.Parameter("plan", inspect.Parameter.KEYWORD_ONLY, annotation=PlanArg)
        params = [plan, *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own), *shared]

        def command(**options: Any) -> None:
            change = PlanChange(
                options.pop("plan"), *(options.pop(n) for n, _, _ in _PLAN_CHANGE_OPTIONS)
            )
            fn(change, **options)

        functools.update_wrapper(command, fn, updated=())
        del command.__wrapped__  # type: ignore[attr-defined]  # typer reads the signature below
        command.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
        return app.command(name)(command)

    return register
