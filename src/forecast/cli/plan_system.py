"""`forecast plan ...` commands of the system track: create, list, show, grant, event add|edit|
remove|restore|import|export|list|suggest, deviations, explain, threshold, publish, new-version, archive, unarchive,
audit, mark-factor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast, overload

import typer

from forecast.cli.choices import (
    EventKind,
    Model,
    PlanLevel,
    ReasonCode,
    Role,
    SeriesOnly,
    WeekDates,
)
from forecast.cli.common import (
    AsOpt,
    DataDirOpt,
    DateColOpt,
    DbOpt,
    DecimalOpt,
    ExcelOpt,
    FreqOpt,
    IdColOpt,
    JobsOpt,
    JsonOpt,
    OldDateOpt,
    OldIdOpt,
    OldValueOpt,
    PlanArg,
    PlanChange,
    ValueColOpt,
    acting_user,
    column_width,
    columns,
    echo_json,
    fail,
    info,
    note_basis_drift,
    open_plan_store,
    plan_change_command,
)
from forecast.cli.conventions import fix_data, lazy_module
from forecast.cli.engine_cmds import SchedulerOpt, say_where_fitted, use_scheduler
from forecast.cli.plan_app import plan_app
from forecast.cli.progress import progress
from forecast.vocabulary import SHIFT_FIX, period_label

if TYPE_CHECKING:
    import pandas as pd

    from forecast.services import event_import as events_import
    from forecast.services import (
        exports,
        plan_access,
        plan_archive,
        plan_create,
        plan_like,
        plan_members,
        plan_standing,
        plan_versions,
        plans,
        system,
    )
    from forecast.services.types import Event, PlanState, Scope
else:  # imported when a command runs: `forecast --help` does not load pandas
    plans = lazy_module("forecast.services.plans")
    plan_access = lazy_module("forecast.services.plan_access")
    plan_archive = lazy_module("forecast.services.plan_archive")
    plan_create = lazy_module("forecast.services.plan_create")
    plan_members = lazy_module("forecast.services.plan_members")
    plan_standing = lazy_module("forecast.services.plan_standing")
    plan_versions = lazy_module("forecast.services.plan_versions")
    system = lazy_module("forecast.services.system")
    events_import = lazy_module("forecast.services.event_import")
    exports = lazy_module("forecast.services.exports")
    plan_like = lazy_module("forecast.services.plan_like")


def percent_text(value: float, decimals: int = 1) -> str:
    from forecast.services.money import format_percent

    return format_percent(value, decimals)


def signed_percent(value: float, decimals: int = 1) -> str:
    """A value already in percent with its sign: ``+12.5 %``; what rounds to zero ``0.0 %``."""
    from forecast.services.money import format_percent_value

    return format_percent_value(value, decimals, signed=True)


event_app = typer.Typer(
    help="Event overrides: add, edit, remove, restore, import, export, list, suggest.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
plan_app.add_typer(event_app, name="event")

ScopeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        help="attribute=value selector (values a,b are OR'd; repeated selectors are AND'ed); "
        "every series: leave it out, or 'all'.",
    ),
]
IdsOpt = Annotated[str | None, typer.Option("--ids", help="Comma-separated series ids.")]


def _percent(text: str) -> float:
    """``15``, ``15%``, ``+15 %``, ``12,5`` or ``-10`` as a number of percent, as the page's
    value box reads it; anything else is refused."""
    from forecast.services.money import MoneyError, event_value

    try:
        return event_value(text, "percent", None)
    except MoneyError as exc:
        raise typer.BadParameter(str(exc)) from None


PercentOpt = Annotated[
    float | None,
    typer.Option("--percent", help="Percent change, e.g. 15, 15% or -10.", parser=_percent),
]

AMOUNT_HELP = (
    " Typed as on the page: 40000, 40,000, 12,5 or 40k, with or without the plan's currency "
    "($5,000 in a USD plan)."
)
AddOpt = Annotated[
    str | None,
    typer.Option(
        "--add", metavar="<amount>", help="Units added per period (may be negative)." + AMOUNT_HELP
    ),
]
CapOpt = Annotated[
    str | None,
    typer.Option(
        "--cap", metavar="<amount>", help="Upper limit per series and period." + AMOUNT_HELP
    ),
]
SetOpt = Annotated[
    str | None,
    typer.Option(
        "--set", metavar="<amount>", help="Replace the baseline by this value." + AMOUNT_HELP
    ),
]

KindOpt = Annotated[EventKind, typer.Option("--kind", help="Event kind.")]


# -- helpers ---------------------------------------------------------------------------------


def _effect(
    percent: float | None,
    add: str | None,
    cap: str | None,
    set_: str | None,
) -> tuple[str | None, float | str | None]:
    """The one effect given and its value: an amount (--add, --cap, --set) as typed, which the
    service reads in the plan's currency as the page's value box is read
    (``system.typed_value``: ``$5,000``, ``5.000,50 €``)."""
    given: dict[str, float | str] = {
        name: value
        for name, value in (("percent", percent), ("add", add), ("cap", cap), ("set", set_))
        if value is not None
    }
    if len(given) > 1:
        fail(f"give one effect, not {' and '.join('--' + k for k in given)}")
    if not given:
        return None, None
    return next(iter(given.items()))


@contextmanager
def _typed_as(effect: str | None) -> Iterator[None]:
    """A typed amount the service refuses, as a bad value of the option that typed it."""
    try:
        yield
    except system.InvalidValue as exc:
        raise typer.BadParameter(exc.reason, param_hint=f"'--{exc.effect or effect}'") from None


DAY = ["%Y-%m-%d"]  # dates are days, YYYY-MM-DD; typer refuses anything else naming the option


@overload
def _day(value: datetime) -> str: ...
@overload
def _day(value: None) -> None: ...
def _day(value: datetime | None) -> str | None:
    return None if value is None else value.date().isoformat()


def _scope(scope: list[str] | None, ids: str | None) -> Scope:
    from forecast.services.types import Scope

    return Scope.parse(scope or [], ids or "")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import numpy as np
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str)
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].astype(object).where(np.isfinite(out[col].astype(float)), None)
    # The columns are names (str); the stubs type record keys as any Hashable.
    return cast(list[dict[str, Any]], out.to_dict(orient="records"))


def _saved(state: PlanState) -> dict[str, Any]:
    return {"plan_id": state.plan_id, "version": state.version, "status": state.status}


def _pct(value: float, baseline: float | None = None) -> str:
    """A deviation in percent of the baseline, by the one rule (``Deviation``): new volume
    where events add to a baseline of 0, "–" where it stays 0."""
    from forecast.services.types import Deviation

    return Deviation.of(value, baseline).text


def _table(frame: pd.DataFrame, columns: list[str], currency: str | None) -> str:
    """The rows as text, their amounts in the plan's `currency` as the pages' grids show them
    (whole units: ``$85,475``; a plan in plain numbers ``85,475``)."""
    import pandas as pd

    from forecast.services.money import format_money

    shown = frame[columns].copy()
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d")
        elif col == "deviation_pct":
            bases = frame["baseline"] if "baseline" in frame else [None] * len(frame)
            shown[col] = [_pct(v, b) for v, b in zip(shown[col], bases, strict=True)]
        elif col == "events":
            shown[col] = shown[col].map(_few_events)
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: format_money(v, currency))
    text = [c for c in columns if _is_text(frame[c]) and c not in ("ds", "deviation_pct")]
    lines = _left_aligned(shown, text).to_string(index=False).splitlines()
    return "\n".join(line.rstrip() for line in lines)


def _is_text(column: pd.Series) -> bool:
    import pandas as pd

    dtype = column.dtype
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)


def _left_aligned(shown: pd.DataFrame, text: list[str]) -> pd.DataFrame:
    """`shown` with the `text` columns (ids, names, a model's label) padded on the right to one
    width, their headers too, so that ``to_string``, which right-aligns every column as numbers
    are, leaves them aligned on the left."""
    widths = {c: column_width(c, shown[c], gap=0) for c in text}
    padded = shown.assign(**{c: [str(v).ljust(widths[c]) for v in shown[c]] for c in text})
    return padded.rename(columns={c: c.ljust(widths[c]) for c in text})


EVENTS_LISTED = 4


def _few_events(ids: Any) -> str:
    """A row's event ids as the table shows them: the first few and how many more (`--json`
    lists them all), so that one row under many events does not widen every line."""
    listed = [i for i in str(ids or "").split(",") if i]
    more = f" +{len(listed) - EVENTS_LISTED} more" if len(listed) > EVENTS_LISTED else ""
    return ",".join(listed[:EVENTS_LISTED]) + more


def _event_line(event: Event, currency: str | None) -> str:
    suggested = system.suggestion_text(event.suggested)
    suggestion = f"; suggested {suggested}" if suggested else ""
    reason = f"; reason: {event.reason}" if event.reason else ""
    return f"{event.describe(currency=currency)} by {event.author}{suggestion}{reason}"


def _member_text(user: str, roles: list[str], team: str | None, disabled: bool) -> str:
    """`anna (lead a)`: `team` the one the member leads (``plan_members.team_led_by``), none for a
    member whose lead role was revoked (their membership still records it)."""
    left = ", account disabled" if disabled else ""
    return f"{user} ({'+'.join(roles)}{' ' + team if team else ''}{left})"


def _plan_header(state: PlanState, disabled: set[str] | frozenset[str] = frozenset()) -> list[str]:
    from forecast.services import model_names
    from forecast.services.money import currency_text

    chose = model_names.choice_text(state.baseline.selection)
    used = state.baseline.models_used
    members = ", ".join(
        _member_text(user, m.roles, plan_members.team_led_by(state, user), user in disabled)
        for user, m in state.members.items()
    )
    archived = (
        [
            f"  archived by {state.archived_by} at {state.archived_at}: read-only; "
            f"`forecast plan unarchive {state.plan_id}` brings it back"
        ]
        if state.archived
        else []
    )
    return [
        f"plan {state.plan_id} {state.name!r} version {state.version} ({state.status})",
        *archived,
        f"  data: {state.dataset.filename or 'frames'}, {state.dataset.n_series} series, "
        f"{plans.span_text(state.freq, state.dataset.start, state.dataset.end)}, freq {state.freq}, "
        f"flags: {', '.join(state.dataset.flags) or 'none'}",
        f"  baseline: {state.baseline.model} over {state.horizon} periods "
        f"{plans.horizon_text(state)}; models used: "
        + ", ".join(_model_use_text(use) for use in model_names.model_uses(used)),
        *([f"  {chose}"] if chose else []),
        f"  {plans.teams_text(state.team_attr)}; deviation threshold {percent_text(state.threshold, 0)}; "
        f"currency {currency_text(state.currency)}",
        f"  members: {members}",
    ]


def _model_use_text(use: Any) -> str:
    """``snaive x100 (17: a gap of 25 to 27 periods filled from a season before)``."""
    notes = "; ".join(f"{count:,}: {note}" for note, count in use.notes)
    return f"{use.label} x{use.series:,}" + (f" ({notes})" if notes else "")


# -- plans -----------------------------------------------------------------------------------


def _default_currency() -> str:
    """The currency of the shell's locale, else the house fallback; says which, since the
    planner did not choose it (``--currency`` does)."""
    import os

    from forecast.services import money

    found = money.currency_of_environment(os.environ)
    if found:
        info(f"currency {found[0]} from {found[1]} (--currency to choose another, or 'none')")
        return found[0]
    info(
        f"currency {money.FALLBACK_CURRENCY}: the shell's locale names no region "
        "(--currency to choose another, or 'none')"
    )
    return money.FALLBACK_CURRENCY


@plan_app.command("create")
def create(
    file: Annotated[Path, typer.Argument(help="Sales file (CSV, XLSX or Parquet).")],
    name: Annotated[str, typer.Option("--name", help="Plan name.")],
    horizon: Annotated[
        int | None,
        typer.Option(
            "--horizon", "-h", help="Periods to plan ahead (with --like: as that plan).", min=1
        ),
    ] = None,
    like: Annotated[
        str | None,
        typer.Option(
            "--like",
            help="A plan (id or unique name) to make this one like, from a longer sales file: "
            "every option not given again is that plan's, and its members and the events still "
            "inside the new horizon are carried (clipped to it where they reach beyond).",
        ),
    ] = None,
    team_attr: Annotated[
        str | None,
        typer.Option(
            "--team-attr", help="Attribute that groups series into teams (e.g. StoreType)."
        ),
    ] = None,
    attributes: Annotated[
        Path | None, typer.Option("--attributes", help="Per-series attributes file.")
    ] = None,
    freq: FreqOpt = None,
    week_dates: Annotated[
        WeekDates | None,
        typer.Option(
            "--week-dates",
            help="How a weekly file dates its weeks: start (by the first day) or end (by the "
            "last day, 'week ending', as US retail files do); weeks are then dated by their "
            "first day. Default: start, or with --like as that plan's file.",
        ),
    ] = None,
    decimal: DecimalOpt = None,
    model: Annotated[
        Model | None,
        typer.Option(
            "--model",
            "-m",
            help="Baseline model (`forecast models` says what each is). Default: auto, or with "
            "--like that plan's.",
        ),
    ] = None,
    id_col: IdColOpt = None,
    date_col: DateColOpt = None,
    value_col: ValueColOpt = None,
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            help="Deviation threshold in percent (25 or 25%; a bare number below 1 is a "
            "fraction: 0.25), more than 0 and at most 100 %, as `plan threshold` (default: "
            "20 %, or with --like that plan's).",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="ISO 4217 code amounts are shown in (EUR, USD, GBP...), or 'none' for plain "
            "numbers. Default: the region of the shell's locale (LANG=en_US.UTF-8: USD), else EUR; "
            "with --like that plan's.",
        ),
    ] = None,
    jobs: JobsOpt = 1,
    scheduler: SchedulerOpt = None,
    as_user: AsOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
    old_id: OldIdOpt = None,
    old_date: OldDateOpt = None,
    old_value: OldValueOpt = None,
    old_team: Annotated[str | None, typer.Option("--team", hidden=True)] = None,
) -> None:
    """Create a plan: ingest the file, compute the baseline, store it as a draft. With --like
    OLD (a longer file of the same sales, the weekly rerun), the settings not given again are
    OLD's, and OLD's members and events come along."""
    use_scheduler(scheduler)
    if old_team:
        info("note: plan create --team is now spelled --team-attr (--team names a team elsewhere)")
    limit = threshold_number(threshold) if threshold is not None else None
    actor = acting_user(as_user, db, data_dir)
    ids, date_col, value_col = columns(id_col, date_col, value_col, old_id, old_date, old_value)
    # read alike by both services; the other options default apart (--like takes OLD's)
    read: dict[str, Any] = {
        "name": name,
        "source": file,
        "actor": actor,
        "team_attr": team_attr or old_team,
        "attributes_file": attributes,
        "freq": freq,
        "decimal": decimal,
        "id_cols": ids,
        "date_col": date_col,
        "value_col": value_col,
        "jobs": jobs,
    }
    if like is not None:
        store = open_plan_store(db, data_dir, existing=True)
        with progress(f"plan {name} like {like}") as report:
            made = plan_like.create_plan_like(
                store,
                like=like,
                horizon=horizon,
                week_dates=week_dates,
                model=model,
                threshold=limit,
                currency=currency,
                progress=report,
                **read,
            )
        say_where_fitted()
        _made_like(made, as_json)
        return
    store = open_plan_store(db, data_dir)
    if horizon is None:
        plan_versions.refuse_taken_name(
            store, name, actor, doing=plan_versions.NAME_TAKEN, fix=plan_versions.NAME_TAKEN_FIXED
        )
        fail("plan create needs --horizon (or --like PLAN, whose horizon it then takes)")
    with progress(f"plan {name}") as report:
        state = plan_create.create_plan(
            store,
            horizon=horizon,
            week_dates=week_dates or "start",
            model=model or "auto",
            threshold=0.20 if limit is None else limit,
            currency=currency or _default_currency(),
            progress=report,
            **read,
        )
    say_where_fitted()
    if as_json:
        echo_json(state.to_dict() | {"version": state.version})
        return
    typer.echo(f"created plan {state.plan_id} {state.name!r}")
    typer.echo("\n".join(_plan_header(state)[1:]))


def _taken_text(key: str, value: Any) -> str:
    threshold = {"threshold": lambda share: percent_text(float(share), 0)}
    return plan_like.taken_text(key, value, on_page=False, formats=threshold)


def _made_like(made: plan_like.PlanLike, as_json: bool) -> None:
    from forecast.cli.fix_hints import LIKE_FIXES

    if as_json:
        echo_json(made.to_dict(LIKE_FIXES))
        return
    state = made.plan
    typer.echo(f"created plan {state.plan_id} {state.name!r} like plan {made.like}")
    typer.echo("\n".join(_plan_header(state)[1:]))
    if made.taken:
        taken = "; ".join(_taken_text(key, value) for key, value in made.taken.items())
        typer.echo(f"taken from plan {made.like}: {taken}")
    if made.members:
        typer.echo(f"members copied: {', '.join(made.members)}")
    for left_out in made.members_left_out:
        typer.echo(f"note: member {left_out}", err=True)
    for event in made.events:
        typer.echo(f"event {event.text(LIKE_FIXES)}")
    for note in [*made.not_carried, *made.teams_without_lead]:
        typer.echo(f"note: {note.text(LIKE_FIXES)}")


@plan_app.command("list")
def list_(
    all_: Annotated[
        bool, typer.Option("--all", help="Show archived plans too (marked archived).")
    ] = False,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the plans in the store (without the archived ones unless --all)."""
    from forecast.services.money import currency_text

    every = plans.list_plans(open_plan_store(db, data_dir, existing=True))
    summaries = every if all_ else [s for s in every if not s.archived]
    hidden = len(every) - len(summaries)
    if as_json:
        echo_json([s.__dict__ | {"archived": s.archived} for s in summaries])
        return
    if not summaries:
        typer.echo(
            "no plans yet; create one with `forecast plan create FILE --name N --horizon H`"
            if not hidden
            else f"no plans but {hidden} archived one(s); `forecast plan list --all` shows them"
        )
        return
    newer = {s.parent_id: s.plan_id for s in every if s.parent_id}
    for s in summaries:
        parent = f" (from {s.parent_id})" if s.parent_id else ""
        # "version" counts the plan's edits (what --expected-version takes); a new version of a
        # plan is another plan, which this line names
        older = f"  older version: new version {newer[s.plan_id]}" if s.plan_id in newer else ""
        archived = f"  archived {s.archived_at}" if s.archived else ""
        typer.echo(
            f"{s.plan_id}  {s.name!r}  version {s.version}  {s.status}  "
            f"currency {currency_text(s.currency)}{parent}  "
            f"by {s.created_by}  updated {s.updated_at}{older}{archived}"
        )
    if hidden:
        info(f"{hidden} archived plan(s) not shown; `forecast plan list --all` shows them")


@plan_app.command("show")
def show(
    plan: PlanArg,
    level: Annotated[PlanLevel, typer.Option("--level", help="Level of the rows.")] = "team",
    only: Annotated[
        SeriesOnly | None,
        typer.Option(
            "--only",
            help="Only the series that ended (forecast as 0), the special cases served before "
            "any model is tried (too short, constant, mostly or all without sales), those a "
            "fallback model served (the model asked for failed), or all of them (other-model: "
            "every series the model asked for did not serve, as the Data page lists them); "
            "shows the series level.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to print (text only).")] = 60,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The plan and its system plan (baseline, adjustment, final, deviation) at a level; at the
    series level with the model that served each series."""
    store = open_plan_store(db, data_dir, existing=True)
    state = plans.get_plan(store, plan)
    standing = plan_standing.series_standing(store, state)
    if only is not None:
        level = "series"
    frame = system.shown_plan(store, state.plan_id, level=level)  # as the exports have it
    if only is not None:
        frame = frame[frame["unique_id"].astype(str).isin(standing.series(only))]
    marked = system.deviations(store, state.plan_id)
    if as_json:
        echo_json(
            {
                "plan": state.to_dict() | {"version": state.version},
                "level": level,
                "only": only,
                "series_ended": {uid: f"{day:%Y-%m-%d}" for uid, day in standing.ended.items()},
                "series_on_fallback": list(standing.on_fallback),
                "series_special": list(standing.special),
                "series_other_model": standing.series("other-model"),
                "system_plan": _records(frame),
                "deviations": _records(marked),
                "combination_rule": system.COMBINATION_RULE,
            }
        )
        return
    typer.echo("\n".join(_plan_header(state, plan_access.disabled_members(store, state))))
    events = system.events_of(state)
    typer.echo(f"  events ({len(events)}):")
    for event in events:
        typer.echo(f"    {_event_line(event, state.currency)}")
    factors = system.factors_of(state)
    if factors:
        typer.echo(f"  factors ({len(factors)}):")
        for factor in factors:
            typer.echo(f"    {factor.describe(currency=state.currency)}")
    gate = system.gate_of(state, marked)
    typer.echo(
        f"  deviations above {percent_text(gate.threshold, 0)}: {gate.marked} marked, "
        f"{gate.open} unexplained"
    )
    typer.echo(f"  rule: {system.COMBINATION_RULE}")
    if standing:
        typer.echo(f"  series: {standing.text()}: {_listed_by(state.plan_id, standing)}")
    key = ["unique_id"] if level == "series" else ["team"]
    columns = [*key, "ds", "baseline", "adjustment", "system_plan", "deviation_pct", "events"]
    if level == "series":
        columns.append("model")
    typer.echo("")
    if only is not None and frame.empty:
        typer.echo(f"no series of plan {state.plan_id} is {_ONLY_WORDS[only]}")
        return
    typer.echo(_table(frame.head(limit), columns, state.currency))
    if len(frame) > limit:
        typer.echo(f"... {len(frame) - limit} more rows (--limit, or --json for all)")


_ONLY_WORDS = {
    "ended": "ended",
    "special": "a special case",
    "fallback": "on a fallback model",
    "other-model": "served by a model other than the one asked for",
}


def _listed_by(plan_id: str, standing: plan_standing.SeriesStanding) -> str:
    """The commands that list the series `standing` counts."""
    options = [name for name in ("ended", "special", "fallback") if standing.series(name)]
    commands = [f"`forecast plan show {plan_id} --only {name}`" for name in options]
    listed = " and ".join(
        [", ".join(commands[:-1]), commands[-1]] if len(commands) > 1 else commands
    )
    return f"{listed} list{'s' if len(options) == 1 else ''} them"


@plan_app.command("members")
def members(
    plan: PlanArg, db: DbOpt = None, data_dir: DataDirOpt = None, as_json: JsonOpt = False
) -> None:
    """The plan's members and their roles; a member whose account is disabled (someone who
    left) is marked."""
    store = open_plan_store(db, data_dir, existing=True)
    state = plans.get_plan(store, plan)
    disabled = plan_access.disabled_members(store, state)
    rows = [
        {"user": u, **m.to_dict(), "active": u not in disabled}
        for u, m in sorted(state.members.items())
    ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo(f"plan {state.plan_id} has no members")
    for row in rows:
        led = plan_members.team_led_by(state, row["user"])  # not a revoked lead's recorded team
        team = f" of team {led}" if led else ""
        left = "  (account disabled)" if not row["active"] else ""
        typer.echo(f"{row['user']:<24} {'+'.join(row['roles'])}{team}{left}")


@plan_change_command(plan_app, "grant")
def grant(
    change: PlanChange,
    user: Annotated[str, typer.Argument(help="User to give the role to.")],
    role: Annotated[Role, typer.Option("--role", help="The role.")],
    team: Annotated[str | None, typer.Option("--team", help="The lead's team.")] = None,
) -> None:
    """Give a user a role on the plan (owner only)."""
    granted = change.apply(plan_members.grant, user, role, team)
    state = granted.plan
    if change.as_json:
        echo_json(
            _saved(state) | {"user": user, **state.members[user].to_dict(), "note": granted.note}
        )
        return
    led = plan_members.team_led_by(state, user)
    typer.echo(
        f"{user} is now {'+'.join(state.roles_of(user))}"
        f"{f' of team {led}' if led else ''} on plan {state.plan_id} (version {state.version})"
    )
    if granted.note:
        typer.echo(f"  {granted.note}")


@plan_change_command(plan_app, "copy-members")
def copy_members(
    change: PlanChange,
    source: Annotated[
        str, typer.Option("--from", help="The plan (id or unique name) whose members to copy.")
    ],
) -> None:
    """Give the members of another plan their roles on this one (owner of both): a new cycle's
    plan gets the same planners, leads and co-owners in one step."""
    state, notes = change.apply(plan_members.copy_members, source)
    if change.as_json:
        echo_json(
            _saved(state)
            | {"members": {u: m.to_dict() for u, m in state.members.items()}, "left_out": notes}
        )
        return
    typer.echo(f"plan {state.plan_id} (version {state.version}) now has:")
    for user in sorted(state.members):
        led = plan_members.team_led_by(state, user)
        team = f" of team {led}" if led else ""
        typer.echo(f"  {user}: {'+'.join(state.roles_of(user))}{team}")
    for note in notes:
        typer.echo(f"note: {note}", err=True)


@plan_change_command(plan_app, "revoke")
def revoke(
    change: PlanChange,
    user: Annotated[str, typer.Argument(help="User to take the role from.")],
    role: Annotated[Role, typer.Option("--role", help="The role.")],
) -> None:
    """Take a role from a user on the plan (owner only; the last owner stays)."""
    state = change.apply(plan_members.revoke, user, role)
    left = state.roles_of(user) if user in state.members else []
    if change.as_json:
        echo_json(_saved(state) | {"user": user, "roles": left})
        return
    now = f"is still {'+'.join(left)}" if left else "is no longer a member"
    typer.echo(f"{user} {now} of plan {state.plan_id} (version {state.version})")


ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help="Why, for the audit log (optional).")
]


@plan_change_command(plan_app, "archive")
def archive(change: PlanChange, reason: ReasonOpt = None) -> None:
    """Retire a plan (its owner or an admin): it leaves `plan list` and the dashboard's plan
    lists and is read-only until `plan unarchive`; it stays readable and exportable, and
    nothing is deleted."""
    state = change.apply(plan_archive.archive, reason=reason)
    if change.as_json:
        echo_json(
            _saved(state) | {"archived_at": state.archived_at, "archived_by": state.archived_by}
        )
        return
    typer.echo(
        f"archived plan {state.plan_id} {state.name!r} (version {state.version}); "
        f"`forecast plan unarchive {state.plan_id}` brings it back"
    )


@plan_change_command(plan_app, "unarchive")
def unarchive(change: PlanChange, reason: ReasonOpt = None) -> None:
    """Bring an archived plan back into the lists, editable as before (its owner or an admin)."""
    state = change.apply(plan_archive.unarchive, reason=reason)
    if change.as_json:
        echo_json(_saved(state) | {"archived_at": None})
        return
    typer.echo(
        f"plan {state.plan_id} {state.name!r} is no longer archived (version {state.version})"
    )


@plan_app.command("audit")
def audit(
    plan: PlanArg, db: DbOpt = None, data_dir: DataDirOpt = None, as_json: JsonOpt = False
) -> None:
    """The plan's audit log: who changed what, when, before and after ([id] as `plan fva`
    cites the rows behind each touch)."""
    entries = plans.audit_log(open_plan_store(db, data_dir, existing=True), plan)
    if as_json:
        echo_json([e.__dict__ for e in entries])
        return
    for e in entries:
        reason = f" (reason: {e.reason})" if e.reason else ""
        # The row's id first: `plan fva` names the audit rows behind each touch by it.
        typer.echo(f"[{e.id}] v{e.version}  {e.at}  {e.actor}  {e.action}: {e.what}{reason}")


@plan_app.command("new-version")
def new_version(
    plan: PlanArg,
    name: Annotated[str | None, typer.Option("--name", help="Name of the copy.")] = None,
    as_user: AsOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy a (published) plan into a new draft."""
    state = system.new_version(
        open_plan_store(db, data_dir, existing=True), plan, acting_user(as_user, db, data_dir), name
    )
    if as_json:
        echo_json(state.to_dict() | {"version": state.version})
        return
    typer.echo(f"created plan {state.plan_id} {state.name!r} as a new draft of {state.parent_id}")


# -- events ----------------------------------------------------------------------------------


@plan_change_command(event_app, "add")
def event_add(
    change: PlanChange,
    name: Annotated[str, typer.Option("--name", help="Event name.")],
    kind: KindOpt,
    start: Annotated[datetime, typer.Option("--start", formats=DAY, help="First day.")],
    end: Annotated[datetime, typer.Option("--end", formats=DAY, help="Last day, inclusive.")],
    scope: ScopeOpt = None,
    ids: IdsOpt = None,
    percent: PercentOpt = None,
    add: AddOpt = None,
    cap: CapOpt = None,
    set_: SetOpt = None,
    use_suggestion: Annotated[
        bool,
        typer.Option(
            "--use-suggestion",
            help="Take what the system offers: the uplift learned from the history, net of what "
            "a seasonal naive baseline already repeats (`plan event suggest --start --end`).",
        ),
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why this event.")] = "",
) -> None:
    """Add an event override (percent, add, cap or set) to a scope and period."""
    effect, value = _effect(percent, add, cap, set_)
    with _typed_as(effect):
        saved = change.apply(
            system.add_event,
            name=name,
            kind=kind,
            scope=_scope(scope, ids),
            start=_day(start),
            end=_day(end),
            effect=effect,
            value=value,
            use_suggestion=use_suggestion,
            reason=reason,
        )
    assert saved.event is not None
    note_basis_drift(change.store, saved.plan.plan_id)
    if change.as_json:
        echo_json({"event": saved.event.to_dict(), "version": saved.version, "note": saved.note})
        return
    typer.echo(f"added {_event_line(saved.event, saved.plan.currency)}")
    if saved.note:
        typer.echo(f"note: {saved.note}")
    typer.echo(f"plan {saved.plan.plan_id} is now version {saved.version}")


@plan_change_command(event_app, "edit")
def event_edit(
    change: PlanChange,
    event_id: Annotated[str, typer.Argument(help="Event id, e.g. E1.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    kind: Annotated[EventKind | None, typer.Option("--kind", help="Event kind.")] = None,
    start: Annotated[datetime | None, typer.Option("--start", formats=DAY)] = None,
    end: Annotated[datetime | None, typer.Option("--end", formats=DAY)] = None,
    scope: ScopeOpt = None,
    ids: IdsOpt = None,
    percent: PercentOpt = None,
    add: AddOpt = None,
    cap: CapOpt = None,
    set_: SetOpt = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    use_suggestion: Annotated[
        bool,
        typer.Option(
            "--use-suggestion",
            help="Take what the system offers for the event as it then stands (the learned "
            "uplift, net of what a seasonal naive baseline repeats).",
        ),
    ] = False,
) -> None:
    """Change an event; options not given stay as they are (--scope/--ids replace the scope)."""
    effect, value = _effect(percent, add, cap, set_)
    new_scope = _scope(scope, ids) if (scope or ids) else None
    with _typed_as(effect):
        saved = change.apply(
            system.edit_event,
            event_id,
            name=name,
            kind=kind,
            scope=new_scope,
            start=_day(start),
            end=_day(end),
            effect=effect,
            value=value,
            reason=reason,
            use_suggestion=use_suggestion,
        )
    assert saved.event is not None
    note_basis_drift(change.store, saved.plan.plan_id)
    if change.as_json:
        echo_json({"event": saved.event.to_dict(), "version": saved.version, "note": saved.note})
        return
    typer.echo(f"edited {_event_line(saved.event, saved.plan.currency)}")
    if saved.note:
        typer.echo(f"note: {saved.note}")


@plan_change_command(event_app, "remove")
def event_remove(
    change: PlanChange,
    event_id: Annotated[str, typer.Argument(help="Event id, e.g. E1.")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
) -> None:
    """Remove an event."""
    saved = change.apply(system.remove_event, event_id, reason=reason)
    note_basis_drift(change.store, saved.plan.plan_id)
    if change.as_json:
        echo_json(_saved(saved.plan) | {"removed": event_id})
        return
    typer.echo(
        f"removed event {event_id}; plan {saved.plan.plan_id} is now version {saved.version} "
        f"(`forecast plan event restore {saved.plan.plan_id} {event_id}` puts it back)"
    )


@plan_change_command(event_app, "restore")
def event_restore(
    change: PlanChange,
    event_id: Annotated[str, typer.Argument(help="The removed event's id, e.g. E2.")],
) -> None:
    """Put a removed event back, as it was when removed and in its place in the order (the
    audit log keeps it; `plan audit` lists removals). Refused while the event is in the plan,
    or the plan is published or agreed."""
    saved = change.apply(system.restore_event, event_id)
    note_basis_drift(change.store, saved.plan.plan_id)
    if change.as_json:
        echo_json(_saved(saved.plan) | {"event": saved.event.to_dict() if saved.event else None})
        return
    typer.echo(
        f"restored {_event_line(saved.event, saved.plan.currency) if saved.event else event_id}\n"
        f"plan {saved.plan.plan_id} is now version {saved.version}"
    )


@plan_change_command(event_app, "import")
def event_import(
    change: PlanChange,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX (its 'events' sheet, else the first) with the columns name, kind, "
            "scope, start, end, effect, value, reason: a plan export's events sheet reads as is."
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the file and say what would be added; write nothing."
        ),
    ] = False,
    shift: Annotated[
        str | None,
        typer.Option(
            help="Move every row's dates by this much before checking them: last year's events "
            f"(`plan event export OLD`) onto this year's plan; {SHIFT_FIX}. "
            "Effects stay as written.",
            metavar="<N{d|w|m|y}>",
        ),
    ] = None,
) -> None:
    """Add every event of a file (a promotions calendar) in one change, or none: a bad row
    refuses the whole file, naming each row and column. Events already in the plan are
    skipped, so importing a file again adds nothing."""
    done = change.apply(events_import.import_events, file, dry_run=dry_run, shift=shift)
    if done.added and not done.dry_run:
        note_basis_drift(change.store, done.plan.plan_id)
    if change.as_json:
        echo_json(done.to_dict())
        return
    for note in done.notes:
        info(f"note: {note}")
    verb = "would add" if done.dry_run else "added"
    moved_from = [f", moved from {start}..{end}" for start, end in done.moved_from]
    for event, row, was in zip(
        done.added, done.rows, moved_from or [""] * len(done.rows), strict=True
    ):
        typer.echo(f"{verb} {event.describe(currency=done.plan.currency)} (row {row}{was})")
    for skipped in done.skipped:
        typer.echo(f"skipped row {skipped.row} {skipped.name!r}: {skipped.why}")
    added = "would be added" if done.dry_run else "added"
    counts = f"{done.file}: {len(done.added)} event(s) {added}, {len(done.skipped)} skipped"
    if done.dry_run:
        typer.echo(f"{counts}; nothing was written (dry run)")
    elif done.added:
        typer.echo(f"{counts}; plan {done.plan.plan_id} is now version {done.version}")
    else:
        typer.echo(f"{counts}; plan {done.plan.plan_id} stays at version {done.version}")


@event_app.command("export")
def event_export(
    plan: PlanArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="File to write: CSV, or a workbook when it is named .xlsx."
        ),
    ],
    excel: ExcelOpt = False,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the plan's events as CSV (or, named .xlsx, a workbook of one "events" sheet), the
    columns of the XLSX export's events sheet: edit it in a spreadsheet and `forecast plan event
    import` it into another plan or a new version."""
    state = plans.get_plan(open_plan_store(db, data_dir, existing=True), plan)
    data = exports.events_file(state, out.name, excel_csv=excel)
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    count = len(state.events)
    if as_json:
        echo_json({"plan": plan, "out": str(out), "events": count, "bytes": len(data)})
    else:
        from forecast.services.money import format_count

        typer.echo(f"wrote {out} ({format_count(count)} event(s), {format_count(len(data))} bytes)")


@event_app.command("list")
def event_list(
    plan: PlanArg, db: DbOpt = None, data_dir: DataDirOpt = None, as_json: JsonOpt = False
) -> None:
    """The plan's events in the order they apply."""
    state = plans.get_plan(open_plan_store(db, data_dir, existing=True), plan)
    events = system.events_of(state)
    if as_json:
        echo_json([e.to_dict() for e in events])
        return
    if not events:
        typer.echo("no events")
    for event in events:
        typer.echo(_event_line(event, state.currency))
    typer.echo(f"rule: {system.COMBINATION_RULE}")


@event_app.command("suggest")
def event_suggest(
    plan: PlanArg,
    kind: KindOpt,
    scope: ScopeOpt = None,
    ids: IdsOpt = None,
    start: Annotated[
        datetime | None,
        typer.Option("--start", formats=DAY, help="The event's first day (with --end)."),
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--end", formats=DAY, help="The event's last day.")
    ] = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What the history says an event of this kind does (learned uplift with a range); with
    --start and --end, also what a seasonal naive baseline already repeats of it there."""
    if (start is None) != (end is None):
        fail("give the event's window as both --start and --end, or neither")
    store = open_plan_store(db, data_dir, existing=True)
    uplift, already = system.event_suggestion(
        store,
        plan,
        kind,
        _scope(scope, ids),
        _day(start),
        _day(end),
    )
    if uplift is None:
        _no_suggestion(store, plan, kind, as_json)
        return
    if as_json:
        echo_json(uplift.to_dict() | {"in_baseline": asdict(already) if already else None})
        return
    typer.echo(f"{kind}: {uplift.describe()}")
    for seg in uplift.segments:
        typer.echo(
            f"  {seg.segment}: {signed_percent(seg.value)} "
            f"(range {signed_percent(seg.low)} to {signed_percent(seg.high)}), "
            f"{seg.n_series} series"
        )
    typer.echo(f"  ({uplift.basis})")
    if already is not None and already.share > 0:
        typer.echo(
            f"the baseline (seasonal naive) repeats last year's periods: "
            f"{percent_text(already.share, 0)} of the window's {already.cells:,} series-periods "
            f"it serves had {already.flag} then. Net of them, the event adds "
            f"{signed_percent(already.new_value)} (what --use-suggestion takes)"
        )
        typer.echo(
            f"if last year's {already.flag} does not recur in the window, the baseline still "
            f"carries it: taking it out is {signed_percent(already.taken_out)}"
        )


def _no_suggestion(store: Any, plan: str, kind: str, as_json: bool) -> None:
    """Why nothing is suggested, and what to do instead: give the effect, or (for a kind that a
    flag teaches) make the plan from a sales file that has the flag."""
    why = system.no_suggestion(store, plan, kind)
    fix = (
        "give the effect yourself when you add the event: --percent, --add, --cap or --set "
        "with a value"
    )
    if why.flag_words and why.flag is None:
        example = why.flag_words[0].capitalize()
        fix += (
            f", or create the plan (`forecast plan create FILE ...`) from a sales file with a 0/1 "
            f"column named like {example} (any name holding "
            f"{' or '.join(repr(word) for word in why.flag_words)}) that marks the {kind} periods"
        )
    if as_json:
        echo_json(
            {
                "kind": kind,
                "suggestion": None,
                "flag": why.flag,
                "flag_words": list(why.flag_words),
                "reason": why.reason,
                "fix": fix_data(None, None, fix),
            }
        )
        return
    typer.echo(f"no learned uplift for {kind}: {why.reason}; {fix}")


# -- gate ------------------------------------------------------------------------------------


@plan_app.command("deviations")
def deviations(
    plan: PlanArg,
    show_all: Annotated[bool, typer.Option("--all", help="Also list the explained ones.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Entries to print.")] = 50,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deviations above the threshold (series-period and team totals) and whether explained."""
    store = open_plan_store(db, data_dir, existing=True)
    state = plans.get_plan(store, plan)
    marked = system.deviations(store, state.plan_id)
    if as_json:
        echo_json(_records(marked))
        return
    open_rows = marked.loc[~marked["explained"]] if len(marked) else marked
    typer.echo(
        f"plan {state.plan_id}: {len(marked)} deviation(s) above {percent_text(state.threshold, 0)}, "
        f"{len(open_rows)} unexplained"
    )
    shown = marked if show_all else open_rows
    if len(shown):
        columns = ["level", "key", "ds", "baseline", "system_plan", "deviation_pct", "events"]
        if (state.freq or "")[:1] in ("Q", "M"):  # a quarter or a month by its name beside it
            shown = shown.assign(
                period=[period_label(str(day)[:10], state.freq) for day in shown["ds"]]
            )
            columns.insert(columns.index("ds") + 1, "period")
        if show_all:
            columns += ["explained", "reason_code"]
        if shown["outdated"].any():
            columns += ["why_outdated"]  # e.g. "explained for E2, now E4"
        typer.echo(_table(shown.head(limit), columns, state.currency))
        if len(shown) > limit:
            typer.echo(f"... {len(shown) - limit} more (--limit, or --json for all)")


@plan_change_command(plan_app, "explain")
def explain(
    change: PlanChange,
    code: Annotated[ReasonCode, typer.Option("--code", help="Reason code.")],
    text: Annotated[str, typer.Option("--text", help="Why the deviation is right.")],
    series: Annotated[str | None, typer.Option("--series", help="Series id.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Team (its total).")] = None,
    ds: Annotated[
        datetime | None, typer.Option("--ds", formats=DAY, help="Period start date.")
    ] = None,
    all_for_event: Annotated[
        str | None,
        typer.Option("--all-for-event", help="Explain every open deviation this event causes."),
    ] = None,
) -> None:
    """Explain a marked deviation (one cell, or all of one event's)."""
    if series is not None and team is not None:
        fail("give --series or --team, not both")
    level = "series" if series is not None else ("team" if team is not None else None)
    saved = change.apply(
        system.explain,
        reason_code=code,
        text=text,
        level=level,
        key=series if series is not None else team,
        ds=_day(ds),
        event_id=all_for_event,
    )
    if change.as_json:
        echo_json(_saved(saved.plan) | {"explained": saved.explained, "note": saved.note})
        return
    typer.echo(
        f"explained {saved.explained} deviation(s); plan {saved.plan.plan_id} is now version "
        f"{saved.version}"
    )
    if saved.note:
        typer.echo(f"note: {saved.note}")


THRESHOLD_HELP = (
    "Deviation threshold in percent: 25 or 25% (a bare number below 1 is a fraction: 0.25 is "
    "25 %); more than 0 and at most 100 %."
)


def threshold_number(value: str) -> float:
    """A deviation threshold as the command line takes it, as a fraction: a percent with or
    without its sign (25%, 25, 5, 12.5), or a fraction below 1 (0.25), for `plan threshold` and
    `plan create --threshold` alike. "1" is 1 %; 100 % is the largest (the service refuses
    more, naming the range)."""
    text = value.strip()
    try:
        number = float(text.removesuffix("%").strip().replace(",", "."))
    except ValueError:
        fail(f"threshold {value!r} is not a number; write 25 or 25% (or the fraction 0.25)")
    if text.endswith("%") or abs(number) >= 1:
        return number / 100
    return number


@plan_change_command(plan_app, "threshold")
def threshold(
    change: PlanChange,
    value: Annotated[str, typer.Argument(help=THRESHOLD_HELP)],
) -> None:
    """Set the deviation threshold (owner)."""
    saved = change.apply(system.set_threshold, threshold_number(value))
    if change.as_json:
        echo_json(_saved(saved.plan) | {"threshold": saved.plan.threshold})
        return
    now = saved.plan.threshold
    whole = abs(now * 100 - round(now * 100)) < 1e-9
    typer.echo(
        f"threshold of plan {saved.plan.plan_id} is now {percent_text(now, 0 if whole else 1)}"
    )


@plan_change_command(plan_app, "publish")
def publish(change: PlanChange) -> None:
    """Publish the system plan (owner); refused while deviations are unexplained."""
    saved = change.apply(system.publish)
    if change.as_json:
        echo_json(_saved(saved.plan))
        return
    typer.echo(
        f"published plan {saved.plan.plan_id} (version {saved.version}): its system plan "
        "(events, explanations, factors) is read-only now; the negotiation goes on until it is "
        "agreed"
    )


# -- factors ---------------------------------------------------------------------------------


@plan_change_command(plan_app, "mark-factor")
def mark_factor(
    change: PlanChange,
    name: Annotated[str, typer.Option("--name", help="What changed, e.g. 'became a hit'.")],
    start: Annotated[
        datetime, typer.Option("--start", formats=DAY, help="From when, in the history.")
    ],
    scope: ScopeOpt = None,
    ids: IdsOpt = None,
    model: Annotated[
        Model | None,
        typer.Option(
            "--model",
            "-m",
            help="Model for the re-forecast (default: the plan's).",
        ),
    ] = None,
) -> None:
    """Mark series with a new factor from a date on and re-forecast them with it."""
    saved = change.apply(
        system.mark_factor,
        name=name,
        scope=_scope(scope, ids),
        start=_day(start),
        model=model,
    )
    factor = saved.factor
    assert factor is not None  # mark_factor always records one
    note_basis_drift(change.store, saved.plan.plan_id)
    comparison = system.factor_comparison(change.store, saved.plan.plan_id, factor.factor_id)
    if change.as_json:
        echo_json(
            {
                "factor": factor.to_dict(),
                "comparison": _records(comparison),
                "version": saved.version,
            }
        )
        return
    from forecast.services.money import format_count, format_money

    currency = saved.plan.currency
    typer.echo(
        f"factor {factor.factor_id} {name!r}: {format_count(factor.n_series)} series re-forecast "
        f"with {factor.model}; baseline {format_money(factor.baseline_before, currency)} -> "
        f"{format_money(factor.baseline_after, currency)}"
    )
    without = format_money(factor.baseline_without_factor or 0, currency)
    typer.echo(
        f"  (the same model without the factor: {without}; "
        "the difference to 'after' is the factor's own effect)"
    )
    columns = ["before", "without_factor", "after"]
    per_period = comparison.groupby("ds")[columns].sum().reset_index()
    per_period["deviation_pct"] = (per_period["after"] / per_period["before"] - 1.0) * 100.0
    typer.echo(_table(per_period, ["ds", *columns, "deviation_pct"], currency))
