"""Commands of forecast value added: `forecast plan actuals`, `forecast plan fva`,
`forecast track-record` and `forecast replay`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from forecast.cli.choices import Duplicates, ReplayRule
from forecast.cli.common import (
    ActualsWeekDatesOpt,
    AsOpt,
    DataDirOpt,
    DbOpt,
    DecimalOpt,
    JsonOpt,
    PlanArg,
    WeekDatesOpt,
    acting_user,
    column_width,
    echo_json,
    fail,
    open_plan_store,
    rests_on_columns,
    say_notes,
    warn,
)
from forecast.cli.plan_app import plan_app

CULTURES = {"system_plan": "system plan", "target": "negotiated target", "tie": "tie"}
PROVISIONAL_NOTE = (
    "provisional: fewer than half of the series or periods (of the plan, or of the team) have "
    "actuals; the verdict may change as more arrive"
)


def _pct(value: float | None, signed: bool = False) -> str:
    """A WAPE as ``8.25 %`` (the product's one percent style, as the bias beside it); with
    `signed`, a value added in points (``+0.11 pts``, never ``-0.00 pts``)."""
    from forecast.services import money as fmt

    if signed:
        return fmt.format_points(value, 2, signed=True)
    return fmt.format_percent(value, 2)


def _by_margin(row: Any) -> str:
    """``by 0.62 pts``: the margin as the difference of the two WAPEs as shown (hundredths), in
    the words of the pages' verdicts, for `plan fva` and `track-record` alike."""
    from forecast.services import accuracy
    from forecast.services import money as fmt

    return f"by {fmt.format_points(accuracy.verdict_margin(row), 2)}"


@plan_app.command("actuals")
def actuals_cmd(
    plan: PlanArg,
    file: Annotated[
        Path,
        typer.Argument(
            help="Actual sales of the plan's periods: the plan's sales-file layout or "
            "unique_id,ds,y (CSV, XLSX or Parquet)."
        ),
    ],
    duplicates: Annotated[
        Duplicates | None,
        typer.Option(
            help="Rows of the same series and date: refuse (in actuals a repeated row is "
            "usually a correction) or sum (kept as their sum, with a warning). Default: refuse, "
            "but summed, said in a note, in the plan's own layout when its history file had "
            "several rows per series and date (order lines)."
        ),
    ] = None,
    decimal: DecimalOpt = None,
    week_dates: ActualsWeekDatesOpt = None,
    confirm_scale: Annotated[
        bool,
        typer.Option(
            "--confirm-scale",
            help="Keep actuals a hundredfold or more off the plan's forecast and history (refused "
            "otherwise, as numbers read in the wrong unit or decimal mark).",
        ),
    ] = False,
    whole_periods: Annotated[
        bool,
        typer.Option(
            "--whole-periods",
            help="The file has every sale of each period it touches (a day without rows had "
            "none, as with order lines): keep its first and last periods, and a period with no "
            "row inside a series as 0 (left out otherwise, as not yet arrived).",
        ),
    ] = False,
    as_user: AsOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Keep the actuals of a plan's periods (owner or planner; again as weeks arrive): each
    upload is a version."""
    from forecast.services import actuals

    if not file.is_file():
        fail(f"there is no file {file}")
    upload = actuals.upload_actuals(
        open_plan_store(db, data_dir, existing=True),
        plan,
        file,
        actor=acting_user(as_user, db, data_dir),
        filename=file.name,
        duplicates=duplicates,
        decimal=decimal,
        confirm_scale=confirm_scale,
        week_dates=week_dates,
        whole_periods=whole_periods,
    )
    if as_json:
        echo_json(upload.to_dict())
        return
    typer.echo(upload.message())
    for warning in upload.warnings:  # kept, but said loudly: -q does not silence it
        warn(warning)
    say_notes(upload.noted)


@plan_app.command("fva")
def fva_cmd(
    plan: PlanArg,
    actuals_version: Annotated[
        int | None, typer.Option(help="Score against this actuals version (default: latest).")
    ] = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forecast value added: WAPE, MASE and bias per layer and the value added by every touch."""
    from forecast.services import accuracy

    report = accuracy.fva(
        open_plan_store(db, data_dir, existing=True),
        plan,
        actuals_version=actuals_version,
        admin=True,  # the command line works on the store directly: it sees every plan
    )
    if as_json:
        echo_json(report.to_dict())
        return
    _print_report(report)


def _print_report(report: Any) -> None:
    from forecast.services import accuracy
    from forecast.services import money as fmt

    typer.echo(f"plan {report.plan_id} {report.name!r} ({report.status})")
    for layer, snap in report.scored_on.items():
        if layer == "baseline":
            continue
        when = (
            f", {fmt.minute_utc(snap['at'])} by {snap['by']}"
            if snap.get("snapshot")
            else f": {snap['note']}"
        )
        named = CULTURES.get(layer, layer.replace("_", " "))
        typer.echo(f"  {named} scored on version {snap['version']} ({snap['status']}{when})")
    a = report.actuals
    typer.echo(
        f"  actuals version {a['version']} ({a['filename']}, {a['uploaded_by']}, "
        f"{fmt.minute_utc(a['at'])}); "
        f"{len(report.periods)} period(s) scored"
    )
    verdict = report.verdict()
    if report.coverage is not None:
        c = report.coverage
        typer.echo(
            f"  {c.text()} ({c.series_periods:,} of {c.series_periods_total:,} series-periods)"
        )
    for note in report.notes:
        typer.echo(f"  note: {note}")
    typer.echo("")
    typer.echo(f"{'layer':<24}{'WAPE':>9}{'MASE':>8}{'bias':>10}{'value added':>14}")
    rows = report.overall().to_dict(orient="records")
    # the value added as the WAPEs beside it show it: the closer line's and the pages' figure
    for row, shown in zip(rows, accuracy.shown_value_added(rows), strict=True):
        mase = "–" if row["mase"] is None or row["mase"] != row["mase"] else f"{row['mase']:.3f}"
        bias = fmt.format_percent(row["bias"], 2, signed=True)
        typer.echo(
            f"{row['label']:<24}{_pct(row['wape']):>9}{mase:>8}{bias:>10}{_pct(shown, True):>14}"
        )
    typer.echo(report.steps_text())
    if verdict["closer"]:
        typer.echo(
            (
                f"closer: {CULTURES[verdict['closer']]} ({_by_margin(verdict)})"
                if verdict["closer"] != "tie"
                else "the system plan and the negotiated target tie"
            )
            + (f", {verdict['rests_on']}" if verdict["rests_on"] else "")
        )
        if verdict["provisional"]:
            typer.echo(f"  {verdict['provisional_because']}")
    touches = report.touches
    if len(touches):
        typer.echo("")
        typer.echo("touches, made-it-worse first (value added in WAPE points):")
        for row in touches.to_dict(orient="records"):
            # as the value added reads beside it: a change that rounds to 0.00 pts is none
            mark = "WORSE " if accuracy.touch_verdict(row) == accuracy.MADE_WORSE else "      "
            # A touch none of whose cells has an actual yet has no value added to show.
            added = (
                f"{_pct(row['value_added_wape'], True):>11}"
                if row["scored"]
                else f"  not scored: {row['not_scored']}"
            )
            typer.echo(
                f"{mark}{row['touch_type']:<16}{row['touch'][:52]:<54}{row['who'][:14]:<16}"
                f"{added}  audit {row['audit_ids']}"
            )


def track_record_cmd(
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every plan with actuals: which culture came closer, by how much, overall and per team."""
    from forecast.services import accuracy

    table = accuracy.track_record(open_plan_store(db, data_dir, existing=True))
    if as_json:
        clean = table.astype(object).where(table.notna(), None)
        echo_json(clean.to_dict(orient="records"))
        return
    if table.empty:
        typer.echo("no plan has actuals yet: upload them with `forecast plan actuals PLAN FILE`")
        return
    rows = table.to_dict(orient="records")
    # the whole name, as `plan list` shows it: the column is as wide as the longest
    wide = column_width("name", (row["name"] for row in rows))
    rests_on, series_wide, periods_wide = rests_on_columns(rows)
    scopes = [_scope(row) for row in rows]
    scope_wide = column_width("scope", scopes, least=14)
    typer.echo(
        f"{'plan':<10}{'name':<{wide}}{'from':<12}{'scope':<{scope_wide}}{'series':>{series_wide}}"
        f"{'periods':>{periods_wide}}"
        f"{'WAPE system':>12}{'WAPE negotiated':>16}{'given vs offered':>18}  closer"
    )
    provisional = False
    for row, scope, (series, periods) in zip(rows, scopes, rests_on, strict=True):
        closer = CULTURES.get(str(row["closer"]), "–")
        thin = bool(row["provisional"]) and row["closer"] is not None
        provisional |= thin
        typer.echo(
            f"{row['plan_id']:<10}{str(row['name']):<{wide}}{str(row['horizon_start']):<12}"
            f"{scope:<{scope_wide}}{series:>{series_wide}}{periods:>{periods_wide}}"
            f"{_pct(row['wape_system_plan']):>12}{_pct(row['wape_target']):>16}"
            f"{_pct(row['given_vs_offered'], True):>18}  {closer}"
            + (f" {_by_margin(row)}" if row["closer"] not in (None, "tie") else "")
            + (" (provisional)" if thin else "")
        )
    typer.echo(
        "given vs offered: WAPE points the values planners gave instead of the system's "
        "suggestion added over it (+: the people's numbers were closer)"
    )
    why_none = dict.fromkeys(
        str(why) for row in rows if (why := row.get("given_vs_offered_why_none"))
    )
    if why_none:
        typer.echo(f"given vs offered –: {'; or '.join(why_none)}")
    if provisional:
        typer.echo(PROVISIONAL_NOTE)


def replay_cmd(
    file: Annotated[Path, typer.Argument(help="Sales history (CSV, XLSX or Parquet).")],
    cycles: Annotated[int, typer.Option(help="How many past cycles to replay.")] = 4,
    horizon: Annotated[int, typer.Option(help="Periods per cycle.")] = 13,
    goal_ratio: Annotated[str, typer.Option(help="Goal as a ratio of the baseline.")] = "1.1",
    rule: Annotated[
        ReplayRule,
        typer.Option(
            help="Remainder rule: pro_rata_baseline, even, pro_rata_claims, pro_rata_shortfall "
            "(spares the teams that claimed at least their pro rata share; the others pro rata to "
            "their basis) or fill_shortfall (spares them too; the others by their shortfall, up "
            "to their pro rata share)."
        ),
    ] = "pro_rata_baseline",
    claim: Annotated[
        list[str] | None,
        typer.Option(help="A team's claim as TEAM=PERCENT of its baseline (repeatable)."),
    ] = None,
    model: Annotated[
        str, typer.Option(help="Baseline model: snaive (default), ets, arima, auto.")
    ] = "snaive",
    attributes: Annotated[
        Path | None, typer.Option(help="Per-series attributes file (e.g. Rossmann's store.csv).")
    ] = None,
    team_attr: Annotated[
        str | None, typer.Option("--team-attr", help="Attribute that names the team.")
    ] = None,
    freq: Annotated[str, typer.Option(help="Planning calendar: D, W, M or Q.")] = "W",
    decimal: DecimalOpt = None,
    week_dates: WeekDatesOpt = "start",
    as_json: JsonOpt = False,
) -> None:
    """Replay both cultures on the last cycles of a history and score them against what happened."""
    from forecast.services import replay

    if not file.is_file():
        fail(f"there is no file {file}")
    if attributes is not None and not attributes.is_file():
        fail(f"there is no file {attributes}")
    result = replay.replay(
        file,
        attributes_file=attributes,
        team_attr=team_attr,
        freq=freq,
        cycles=cycles,
        horizon=horizon,
        goal_ratio=goal_ratio,
        rule=rule,
        claims=replay.parse_claims(claim),
        model=model,
        decimal=decimal,
        week_dates=week_dates,
    )
    if as_json:
        echo_json(result.to_dict())
        return
    for line in result.assumptions:
        typer.echo(f"assumption: {line}")
    typer.echo("")
    cycle_rows = result.cycles.to_dict(orient="records")
    scope_wide = column_width("scope", (_scope(row) for row in cycle_rows), least=14)
    typer.echo(
        f"{'cycle':<7}{'from':<12}{'scope':<{scope_wide}}{'WAPE base':>10}{'WAPE system':>12}"
        f"{'WAPE negotiated':>16}  {'closer':<19}baseline model"
    )
    for row in cycle_rows:
        typer.echo(
            f"{row['cycle']:<7}{row['start']:<12}{_scope(row):<{scope_wide}}"
            f"{_pct(row['wape_baseline']):>10}"
            f"{_pct(row['wape_system_plan']):>12}{_pct(row['wape_target']):>16}"
            f"  {CULTURES.get(str(row['closer']), '–'):<19}{row['baseline_model']}"
        )
    s = result.summary()
    typer.echo(
        f"\nsystem plan closer in {s['system_plan_closer']} of {s['cycles']} cycle(s), "
        f"negotiated target in {s['target_closer']}, ties {s['ties']}"
        + (
            f"; in {s['cycles_on_last_value']} of them seasonal naive repeated the last value "
            "(under one season before the cycle: see the assumptions)"
            if s["cycles_on_last_value"]
            else ""
        )
    )


def register(app: typer.Typer) -> None:
    app.command("track-record")(track_record_cmd)
    app.command("replay")(replay_cmd)


def _scope(row: Mapping[Any, Any]) -> str:
    """A row's scope in words: the whole plan, or one team (``accuracy.scope_words``)."""
    from forecast.services import accuracy

    return accuracy.scope_words(row)
