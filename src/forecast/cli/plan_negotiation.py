"""`forecast plan ...` commands of the negotiation track: goal, claim, unclaim, close-round,
reopen-round, assign, lock, ledger, stretch, export, import."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli.choices import (
    BasisName,
    ExportFormat,
    ImportMembers,
    OversubscriptionRule,
    RemainderRuleName,
)
from forecast.cli.common import (
    ActualsWeekDatesOpt,
    AsOpt,
    DataDirOpt,
    DbOpt,
    DecimalOpt,
    ExcelOpt,
    JsonOpt,
    PlanArg,
    PlanChange,
    acting_user,
    column_width,
    echo_json,
    fail,
    info,
    open_plan_store,
    plan_change_command,
    rests_on_columns,
    say_notes,
)
from forecast.cli.conventions import lazy_module
from forecast.cli.plan_app import plan_app
from forecast.vocabulary import EXPORT_FORMATS, in_words

if TYPE_CHECKING:
    from forecast.services import basis_drift as drifts
    from forecast.services import exports, plans, team_actuals, uploads
    from forecast.services import money as fmt
    from forecast.services import negotiation as nego
else:  # imported when a command runs: `forecast --help` does not load pandas
    drifts = lazy_module("forecast.services.basis_drift")
    exports = lazy_module("forecast.services.exports")
    fmt = lazy_module("forecast.services.money")
    nego = lazy_module("forecast.services.negotiation")
    plans = lazy_module("forecast.services.plans")
    team_actuals = lazy_module("forecast.services.team_actuals")
    uploads = lazy_module("forecast.services.uploads")

TeamOpt = Annotated[
    str | None,
    typer.Option("--team", help="Your team (default: the team you lead on this plan)."),
]


SUMMARY_MONEY = (
    "goal",
    "basis_total",
    "gap",
    "claimed",
    "remainder",
    "assigned",
    "open_remainder",
    "oversubscribed_by",
    "kept_oversubscription",
    "target_total",
    "drift_total",
    "system_plan_total",
    "baseline_total",
)


def summary_json(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary for ``--json``, money as the ledger's rows give it: currency units under the
    plain name (``goal``) and exact integer cents beside it (``goal_minor``)."""
    out = dict(summary)
    for key in SUMMARY_MONEY:
        if out.get(key) is not None:
            out[f"{key}_minor"] = int(out[key])
            out[key] = int(out[key]) / 100
    if isinstance(out.get("drift"), dict):
        out["drift_minor"] = {t: int(v) for t, v in out["drift"].items()}
        out["drift"] = {t: int(v) / 100 for t, v in out["drift"].items()}
    return out


def ledger_json(table: Any) -> list[dict[str, Any]]:
    """The ledger's rows for ``--json``, money as the summary gives it: currency units under the
    plain name, exact integer cents under ``*_minor`` (the service's table has both, last year's
    sales included)."""
    return _records(table)


def _report(
    change: PlanChange, plan: str, headline: str, extra: dict[str, Any] | None = None
) -> None:
    """What a change command prints: the headline and the negotiation's summary (or the summary
    as JSON, with `extra` keys)."""
    summary = nego.summary(change.store, plan)
    if change.as_json:
        echo_json({**summary_json(summary), **(extra or {})})
        return
    typer.echo(headline)
    typer.echo(_summary_text(summary))


def _summary_text(s: dict[str, Any]) -> str:
    if s.get("goal") is None:
        return f"plan {s['plan_id']} version {s['version']}: no goal yet"

    def m(key: str) -> str:
        return fmt.format_minor(int(s[key]), s.get("currency"))

    lines = [
        f"plan {s['plan_id']} version {s['version']} ({s['status']}), negotiation stage {s['stage']}",
        f"  goal {m('goal')}  basis (the {nego.basis_label(s).lower()}) "
        f"{m('basis_total')}  gap {m('gap')}",
        f"  claimed {m('claimed')}  remainder {m('remainder')}  assigned {m('assigned')}  "
        f"open {m('open_remainder')}",
    ]
    if s.get("oversubscribed_by"):
        lines.append(f"  claims exceed the gap by {m('oversubscribed_by')}")
    if s.get("kept_oversubscription"):
        lines.append(
            f"  over-subscription kept: targets exceed the goal by {m('kept_oversubscription')}"
        )
    if s.get("rule"):
        excluded = f" (excluded: {', '.join(s['excluded'])})" if s.get("excluded") else ""
        lines.append(f"  remainder rule {s['rule']}{excluded}")
    lines.append(f"  targets total {m('target_total')}")
    short = nego.goal_below_system_plan(s)
    if short:
        share = short / int(s["system_plan_total"]) if int(s["system_plan_total"]) else 0.0
        lines.append(
            f"  warning: the goal is {fmt.format_minor(short, s.get('currency'))} ({fmt.format_percent(share)}) "
            f"below the system plan {m('system_plan_total')}: the targets ask for less than "
            "the system expects"
        )
    if s.get("agreed_by"):
        lines.append(f"  agreed by {s['agreed_by']} at {s['agreed_at']}")
    lines.extend(_drift_lines(s))
    return "\n".join(lines)


def _drift_lines(s: dict[str, Any]) -> list[str]:
    """What the summary says about a basis that moved since the goal was set."""
    drifted = s.get("drifted_teams") or []
    if not drifted:
        return []
    moved = fmt.format_minor(int(s.get("drift_total") or 0), s.get("currency"))
    if s.get("agreed_on_recorded_basis"):
        return [
            f"  agreed on the basis of {s.get('basis_taken_at') or 'the goal'}; the current "
            f"{in_words(s['basis'])} differs by {moved} ({', '.join(drifted)})"
        ]
    return [
        f"  basis drift: the current {in_words(s['basis'])} differs by {moved} in team(s) "
        f"{', '.join(drifted)}; the owner rebases with `forecast plan rebase {s['plan_id']}`"
    ]


@plan_change_command(plan_app, "goal")
def goal_cmd(
    change: PlanChange,
    total: Annotated[
        str | None, typer.Option("--total", help="Goal for the horizon in currency units.")
    ] = None,
    ratio: Annotated[
        str | None,
        typer.Option("--ratio", help="Goal as a ratio of the basis total: 1.5, 10/6.5 or 154%."),
    ] = None,
    per_period: Annotated[
        Path | None,
        typer.Option(
            "--per-period",
            help="CSV with columns ds,goal: one row per period, ds any day of it (a week's "
            "first or last day).",
        ),
    ] = None,
    basis: Annotated[
        BasisName | None,
        typer.Option(
            "--basis",
            help="What the gap is measured against. Not given: the basis the goal was set "
            "against before (a first goal: baseline).",
        ),
    ] = None,
    spread_by: Annotated[
        BasisName | None,
        typer.Option(
            "--spread-by",
            help="Spread targets to series by this. Not given: as before (a first goal: "
            "system_plan).",
        ),
    ] = None,
) -> None:
    """Set the goal of the negotiation (owner) and open the claiming round."""
    if sum(x is not None for x in (total, ratio, per_period)) != 1:
        fail("give exactly one of --total X, --ratio R or --per-period FILE")
    periods = _read_period_goals(per_period) if per_period else None
    try:
        state = change.apply(
            nego.set_goal,
            total=total,
            ratio=ratio,
            per_period=periods,
            basis=basis,
            spread_by=spread_by,
        )
    except nego.PeriodGivenTwice as exc:
        if per_period is None:
            raise
        # the goal's refusal, with where in the file: a row's number is its place among the
        # pairs read, after the header (row 1)
        fail(f"{per_period} row {exc.again + 2} (the period's first row: {exc.first + 2}): {exc}")
    _report(change, state.plan_id, "goal set")


PERIOD_GOALS_MAX_BYTES = 1024 * 1024
"""A goal per period of the horizon is a few hundred bytes a year of days; a file far larger is
not such a list."""


PERIOD_GOALS_ROWS = "a goal per period needs one short row per period (ds,goal)"


def _read_period_goals(path: Path) -> list[tuple[str, str]]:
    try:
        text = uploads.read_bounded(path, PERIOD_GOALS_MAX_BYTES).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except uploads.FileTooBig:
        fail(f"{path} is larger than {PERIOD_GOALS_MAX_BYTES // 1024:,} KB: {PERIOD_GOALS_ROWS}")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text: save it as 'CSV UTF-8' and run the command again")
    except csv.Error as exc:
        fail(f"{path} cannot be read as CSV ({exc}): save it as CSV with the columns ds,goal")
    if not rows or not {"ds", "goal"} <= set(rows[0]):
        fail(f"{path} needs the columns ds,goal (one row per period of the horizon)")
    goals: list[tuple[str, str]] = []
    for number, row in enumerate(rows, start=2):
        if not row["ds"] or not row["goal"]:
            fail(f"{path} row {number}: ds and goal must both be given")
        # as the file gives them, a period twice too: the goal refuses that, naming it
        goals.append((row["ds"].strip(), row["goal"].strip()))
    return goals


@plan_change_command(plan_app, "claim")
def claim_cmd(
    change: PlanChange,
    note: Annotated[
        str, typer.Option("--note", help="How the team will get there (the initiative).")
    ],
    amount: Annotated[str | None, typer.Option("--amount", help="Claim in currency units.")] = None,
    percent: Annotated[
        str | None,
        typer.Option(
            "--percent",
            help="Claim as a percent of the team's basis, e.g. 1.5 or 1.5%: of its system plan "
            "when the goal is measured against the system plan, else of its baseline.",
        ),
    ] = None,
    team: TeamOpt = None,
) -> None:
    """Claim part of the gap for your team (team lead); claiming again raises or lowers the claim."""
    if (amount is None) == (percent is None):
        fail("give exactly one of --amount X or --percent P")
    team = team or _own_team(change)
    state = change.apply(
        nego.claim,
        team,
        amount=amount,
        percent=None if percent is None else fmt.typed_percent(percent),
        note=note,
    )
    claim = nego.negotiation_of(state).claims[team]  # type: ignore[union-attr]
    shown = fmt.format_minor(claim.amount, state.currency)
    _report(change, state.plan_id, f"team {team} claims {shown}")


def _own_team(change: PlanChange) -> str:
    """The team the acting user leads on the plan, for a claim made without --team; for a member
    whose lead role was revoked, the team their membership still records, which the service
    refuses saying why and how to lead it again (no --team they could give would do)."""
    state = plans.get_plan(change.store, change.plan)
    team = state.team_of(change.actor)  # a lead's (plan_members.team_led_by), or a revoked lead's
    if not team:
        fail(
            f"{change.actor} leads no team on plan {state.plan_id}: give --team TEAM "
            f"(the owner grants a lead with `forecast plan grant {state.plan_id} USER "
            "--role lead --team TEAM`)"
        )
    return str(team)


@plan_change_command(plan_app, "unclaim")
def unclaim_cmd(
    change: PlanChange,
    team: TeamOpt = None,
) -> None:
    """Withdraw your team's claim while the round is open (team lead)."""
    team = team or _own_team(change)
    state = change.apply(nego.unclaim, team)
    _report(change, state.plan_id, f"claim of team {team} withdrawn")


@plan_change_command(plan_app, "close-round")
def close_round_cmd(
    change: PlanChange,
    oversubscribed: Annotated[
        OversubscriptionRule,
        typer.Option(
            "--oversubscribed",
            help="If claims exceed the gap: keep them, or scale them down pro rata.",
        ),
    ] = "keep",
) -> None:
    """Close the claiming round (owner)."""
    state = change.apply(nego.close_round, oversubscribed=oversubscribed)
    _report(change, state.plan_id, "claiming round closed")


@plan_change_command(plan_app, "reopen-round")
def reopen_round_cmd(change: PlanChange) -> None:
    """Reopen the claiming round before the plan is agreed (owner)."""
    state = change.apply(nego.reopen_round)
    _report(change, state.plan_id, "claiming round reopened")


@plan_change_command(plan_app, "assign")
def assign_cmd(
    change: PlanChange,
    rule: Annotated[
        RemainderRuleName,
        typer.Option(
            "--rule",
            help="pro_rata_baseline, even, pro_rata_claims, pro_rata_shortfall (spares the teams that "
            "claimed at least their pro rata share; the others pro rata to their basis), "
            "fill_shortfall (spares them too; the others by their shortfall, up to their pro rata "
            "share) or manual.",
        ),
    ],
    manual: Annotated[
        list[str] | None, typer.Option("--manual", help="TEAM=AMOUNT for the manual rule (repeat).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Team to leave out (repeat).")
    ] = None,
) -> None:
    """Assign the unclaimed remainder to the teams by a rule (owner)."""
    amounts: dict[str, str] | None = None
    if manual:
        amounts = {}
        for item in manual:
            if "=" not in item:
                fail(f"--manual {item!r}: write TEAM=AMOUNT, e.g. --manual north=1250000")
            team, value = item.rsplit("=", 1)
            amounts[team.strip()] = value.strip()
    state = change.apply(
        nego.assign,
        rule,
        manual=amounts,
        exclude=exclude or (),
    )
    _report(change, state.plan_id, f"remainder assigned by {rule}")


@plan_change_command(plan_app, "lock")
def lock_cmd(change: PlanChange) -> None:
    """Agree and lock the plan (owner); later changes need a new version."""
    state = change.apply(nego.lock)
    _report(change, state.plan_id, "plan agreed and locked")


@plan_change_command(plan_app, "rebase")
def rebase_cmd(change: PlanChange) -> None:
    """Move the negotiation onto the current system plan (owner): claims stay as amounts, a goal
    given as a ratio is re-applied, the remainder is recomputed."""
    before = nego.summary(change.store, change.plan)
    result = change.apply(nego.rebase)
    moved = fmt.format_minor(result.moved, before.get("currency"))
    done = f"rebased onto the current {in_words(before['basis'])} (moved {moved})"
    if result.notes:
        done += "\n  " + "\n  ".join(result.notes)
    _report(
        change,
        result.plan_id,
        done,
        {"notes": list(result.notes), "dropped_assignment": result.dropped_assignment},
    )


@plan_app.command("ledger")
def ledger_cmd(
    plan: PlanArg,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The ledger per team and in total: basis + claim + assignment = target."""
    store = open_plan_store(db, data_dir, existing=True)
    table = nego.ledger(store, plan)
    if as_json:
        echo_json(
            {"summary": summary_json(nego.summary(store, plan)), "ledger": ledger_json(table)}
        )
        return
    summary = nego.summary(store, plan)
    typer.echo(_summary_text(summary))
    typer.echo("")
    money = ["system_plan", "basis", "basis_drift", "claim", "assignment", "target"]
    rows = table.to_dict(orient="records")
    amounts = {
        c: [fmt.format_minor(int(row[c + nego.MINOR]), summary.get("currency")) for row in rows]
        for c in money
    }
    # every name and amount whole: a long team name or a large amount widens its column
    team_wide = column_width("team", (row["team"] for row in rows), least=16)
    wide = {c: column_width(c, amounts[c], least=20) for c in money}
    header = (
        f"{'team':<{team_wide}}"
        + "".join(f"{c:>{wide[c]}}" for c in money)
        + f"{'claim/basis':>13}{'vs LY':>11}  note"
    )
    typer.echo(header)
    for i, row in enumerate(rows):
        pct = row["claim_pct_of_basis"]
        pct_text = "" if pct is None or pct != pct else fmt.format_percent_value(pct, 1)
        typer.echo(
            f"{str(row['team']):<{team_wide}}"
            + "".join(f"{amounts[c][i]:>{wide[c]}}" for c in money)
            + f"{pct_text:>13}{_growth_text(row.get('target_growth_vs_last_year_pct'), row):>11}"
            + f"  {row['note']}"
        )
    _echo_coverage(table, "vs LY")
    reasons = [r for r in table.to_dict(orient="records") if r["team"] != "TOTAL" and r["why"]]
    if reasons:
        typer.echo("")
        for row in reasons:
            typer.echo(f"{str(row['team']):<{team_wide}}{row['why']}")


def _pct_text(value: Any) -> str:
    return (
        "" if value is None or value != value else fmt.format_percent_value(value, 1, signed=True)
    )


LIKE_FOR_LIKE_MARK = "*"  # beside a growth over last year measured like for like


def _growth_text(value: Any, row: Mapping[Any, Any]) -> str:
    text = _pct_text(value)
    return text + LIKE_FOR_LIKE_MARK if text and _covers_part(row) else text


def _echo_coverage(table: Any, column: str) -> None:
    """The footnote of the rows whose growth over last year is like-for-like (some series were
    not trading a year earlier): how many series it compares."""
    rows = [r for r in table.to_dict(orient="records") if _covers_part(r)]
    if rows:
        typer.echo("")
        covered = ", ".join(
            f"{r['team']} {str(r['last_year_coverage']).removeprefix('like-for-like: ')}"
            for r in rows
        )
        typer.echo(
            f"{LIKE_FOR_LIKE_MARK} {column} like-for-like, over the series trading in both "
            f"years: {covered}"
        )


def _covers_part(row: Mapping[Any, Any]) -> bool:
    """Whether a row's growth over last year leaves some series out (like-for-like)."""
    return isinstance(row.get("last_year_coverage"), str) and bool(row["last_year_coverage"])


def _records(table: Any) -> list[dict[str, Any]]:
    out = []
    for row in table.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()})
    return out


def _actuals_words(verdict: team_actuals.Verdict, currency: str | None) -> str:
    """What a team's kept actuals came to against its target, as every face words it
    (`team_actuals.verdict_words`); while only some periods are in, that the chance is still
    of the whole horizon."""
    words = team_actuals.verdict_words(verdict, currency)
    return words if verdict.over else f"{words}; P(reach) is of the whole horizon"


@plan_app.command("stretch")
def stretch_cmd(
    plan: PlanArg,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How far each target stretches: probability to reach it, growth over last year."""
    store = open_plan_store(db, data_dir, existing=True)
    table = nego.stretch(store, plan)
    drift = drifts.basis_drift(store, plan)
    if drift is not None:
        info(f"note: {drift.stretch_note()}")
    # what the kept actuals say of each row's exact target (the Negotiation and Side by side
    # pages' rule, TOTAL's too): once every period is in, reached or missed in place of the chance
    verdicts = team_actuals.stretch_verdicts(store, plan)

    if as_json:
        out = []
        for row in _records(table):
            row["actuals"] = team_actuals.verdict_facts(verdicts.of_row(row["team"]))
            if row.get("teams_target") is not None:
                row["teams_actuals"] = team_actuals.verdict_facts(verdicts.teams_summed)
            out.append(row)
        echo_json(out)
        return
    table = nego.with_goal_row(table)  # in words; the JSON keeps the key TOTAL
    currency = nego.summary(store, plan).get("currency")
    records = _records(table)
    # from the exact minor units: a float of a target of trillions has lost its cents
    targets = [fmt.format_minor(row["target_minor"], currency, decimals=2) for row in records]
    expected = [fmt.format_minor(row["expected_minor"], currency, decimals=2) for row in records]
    team_wide = column_width("team", (row["team"] for row in records), least=16)
    target_wide = column_width("target", targets, least=22)
    expected_wide = column_width("expected", expected, least=22)
    typer.echo(
        f"{'team':<{team_wide}}{'target':>{target_wide}}{'expected':>{expected_wide}}"
        f"{'P(reach)':>10}{'vs last year':>14}"
    )
    said = {
        str(row["team"]): verdict
        for row in records
        if (verdict := verdicts.of_row(row["team"])) is not None
    }
    for row, target, expects in zip(records, targets, expected, strict=True):
        growth = fmt.format_percent(row["growth_vs_last_year"], 1, signed=True)
        if row["growth_vs_last_year"] is not None and _covers_part(row):
            growth += LIKE_FOR_LIKE_MARK
        over = said.get(str(row["team"]))
        # the probability as the dashboard's pages show it (whole percents: it rests on a
        # few past windows); a space keeps a wide growth from running into it
        chance = (
            over.kind
            if over is not None and over.over
            else fmt.format_probability(row["probability_reach"])
        )
        typer.echo(
            f"{str(row['team']):<{team_wide}}{target:>{target_wide}}{expects:>{expected_wide}}"
            f"{chance:>10} {growth:>13}"
        )
    for row in records:
        if row["team"] == nego.GOAL_ROW and row.get("teams_target") is not None:
            # the ledger's TOTAL is the teams' targets summed: its chance too, named as such
            growth = fmt.format_percent(row["teams_growth_vs_last_year"], 1, signed=True)
            teams = verdicts.teams_summed
            chance = (
                team_actuals.verdict_words(teams, currency)
                if teams is not None and teams.over
                else f"P(reach) {fmt.format_probability(row['teams_probability_reach'])}"
            )
            typer.echo(
                "TOTAL (goal) is the goal's chance; the teams' targets summed (the ledger's "
                f"TOTAL) {fmt.format_minor(row['teams_target_minor'], currency, decimals=2)}: "
                f"{chance}, {growth} vs last year"
            )
    for team, verdict in said.items():
        typer.echo(f"{team}: {_actuals_words(verdict, currency)}")
    for note in dict.fromkeys(str(r["rests_on"]) for r in records):
        typer.echo(f"P(reach) {note}")
    _echo_coverage(table, "vs last year")


@plan_app.command("export")
def export_cmd(
    plan: PlanArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="json is a re-importable bundle. Default: the --out file's suffix "
            "(.csv, .xlsx, .json), else csv.",
        ),
    ] = None,
    excel: ExcelOpt = False,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the plan: one row per series and period (csv), a sheet per view (xlsx), or a bundle."""
    fmt = export_format(out, fmt)
    if excel and fmt != "csv":
        fail(f"--excel applies to a CSV only (this export is {fmt}); leave it out")
    store = open_plan_store(db, data_dir, existing=True)
    data = exports.export_plan(store, plan, fmt, excel_csv=excel)
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    if as_json:
        echo_json({"plan": plan, "format": fmt, "out": str(out), "bytes": len(data)})
    else:
        from forecast.services.money import format_count

        typer.echo(f"wrote {out} ({fmt}, {format_count(len(data))} bytes)")
        if nego.negotiation_of(plans.get_plan(store, plan)) is None:
            typer.echo(
                "no goal yet: the export holds the system track (baseline and system plan); "
                f"`forecast plan goal {plan}` starts the negotiation"
            )


def export_format(out: Path, given: str | None) -> str:
    """The format named by ``--format``, else by the file's suffix, else csv. A suffix of one
    format with ``--format`` of another is refused: the file would not open as what it says."""
    by_suffix = out.suffix.lower().lstrip(".")
    if by_suffix not in EXPORT_FORMATS:
        return given or "csv"
    if given and given != by_suffix:
        fail(
            f"--out {out.name} names a .{by_suffix} file but --format is {given}: "
            f"name the file .{given}, or leave --format out to write {by_suffix}"
        )
    return by_suffix


@plan_app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="A bundle written by `forecast plan export --format json`.")
    ],
    as_user: AsOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="Import a bundle exported by another installation, whose signature cannot be "
            "checked here (recorded as such in the audit log).",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Import the plan under this name (default: the bundle's). A name a plan here "
            "has already is refused.",
        ),
    ] = None,
    members: Annotated[
        ImportMembers | None,
        typer.Option(
            "--members",
            help="Which of the plan's members the copy keeps: existing (those with an active "
            "account here), none (only you, as owner), all (every name, also those without an "
            "account: whoever is made under such a name later gets its roles). Default: "
            "existing for a bundle of this installation, none for one of another (its names "
            "are that installation's people).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-create a plan from a JSON bundle (same data, ledger and targets).

    The bundle's signature is checked: a bundle changed after export is refused. A bundle of
    another installation is refused unless you pass --trust. A bundle whose plan name is taken
    here (imported before) is refused: import it again with --name NEW_NAME. The output names
    every member kept (with their roles) and every member left out, and why."""
    try:
        data = uploads.read_bounded(file, exports.MAX_BUNDLE_BYTES)
    except uploads.FileTooBig as exc:
        if exc.size > exports.MAX_BUNDLE_BYTES:  # said before reading it whole
            fail(
                f"{file} is {exc.size / 1024 / 1024:,.0f} MB, more than the limit of "
                f"{exports.MAX_BUNDLE_BYTES / 1024 / 1024:,.0f} MB a plan bundle may be"
            )
        fail(f"{file} is more than the limit of {exports.MAX_BUNDLE_BYTES / 1024 / 1024:,.0f} MB")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    store = open_plan_store(db, data_dir)
    actor = acting_user(as_user, db, data_dir)
    done = exports.import_noted(store, data, actor, trust=trust, name=name, members=members)
    if as_json:
        echo_json(summary_json(nego.summary(store, done.plan_id)) | {"import": done.to_dict()})
    else:
        typer.echo(f"imported plan {done.plan_id}")
        for line in done.lines():
            typer.echo(line)
        typer.echo(_summary_text(nego.summary(store, done.plan_id)))


@plan_app.command("score")
def score_cmd(
    plan: PlanArg,
    actuals: Annotated[
        Path,
        typer.Argument(help="Actual sales: unique_id,ds,y or the layout of the plan's sales file."),
    ],
    decimal: DecimalOpt = None,
    week_dates: ActualsWeekDatesOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which track came closer to the actuals, system plan or negotiated target (WAPE)."""
    if not actuals.is_file():
        fail(f"there is no file {actuals}")
    store = open_plan_store(db, data_dir, existing=True)
    scored = nego.score_file_noted(
        store, plan, actuals, filename=actuals.name, decimal=decimal, week_dates=week_dates
    )
    table = scored.table
    say_notes(scored.notes)  # as `plan actuals` says them: what was left out, as warnings
    currency = plans.get_plan(store, plan).currency
    if as_json:
        # each row names what its amounts are in: rows of plans in other currencies put together
        # (one organisation's EUR, USD and JPY plans) must not add up as one money
        echo_json([row | {"currency": currency} for row in _records(table)])
        return
    rows = _records(table)
    amounts = [fmt.format_money(row["actual"], currency, decimals=2) for row in rows]
    actual_wide = column_width("actual", amounts, least=20)
    rests_on, series_wide, periods_wide = rests_on_columns(rows)
    team_wide = column_width("team", (row["team"] for row in rows), least=16)
    typer.echo(
        f"{'team':<{team_wide}}{'actual':>{actual_wide}}{'series':>{series_wide}}{'periods':>{periods_wide}}"
        f"{'WAPE system':>13}{'WAPE negotiated':>17}  closer"
    )
    words = {"system_plan": "system plan", "target": "negotiated target", "tie": "tie"}
    provisional = False
    for row, actual, (series, periods) in zip(rows, amounts, rests_on, strict=True):
        ws, wt = row["wape_system_plan"], row["wape_target"]
        closer = words.get(str(row["closer"]), "– (no actual sales: WAPE is undefined)")
        thin = bool(row["provisional"]) and row["closer"] is not None
        provisional |= thin
        if row["target"] is None:  # no goal yet: only the system plan is scored
            closer = "– (no negotiated target yet)"
        typer.echo(
            f"{str(row['team']):<{team_wide}}{actual:>{actual_wide}}{series:>{series_wide}}"
            f"{periods:>{periods_wide}}"
            f"{fmt.format_percent(ws, 2):>13}{fmt.format_percent(wt, 2):>17}  {closer}"
            + (" (provisional)" if thin else "")
        )
    if provisional:
        typer.echo(
            "provisional: fewer than half of the series or periods (of the plan, or of the "
            "team) have actuals; the verdict may change as more arrive"
        )
