"""A team's actual over the plan's horizon, and what it says of the team's target: the one rule
the Side by side page, the Negotiation page's cards, `plan stretch` and the export's by-team sheet
read.

`actuals_by_team` sums each team's kept actuals (the version in force) and counts the periods
each of its series has an actual in; `all_in` says whether the horizon is over for the team (every
period in); `verdict` says, against a target, "reached" or "missed" once it is, and how many
periods are in while only some are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecast import schema
from forecast.money import format_minor, quantum
from forecast.plan import PlanState
from forecast.services.actuals import load_actuals, plan_cells
from forecast.services.negotiation import GOAL_ROW, negotiation_of
from forecast.services.plan_frames import ATTRIBUTES, load_blob_frame
from forecast.services.plans import get_plan, teams_of
from forecast.store import PlanRepository

TOTAL = "TOTAL"
ACTUALS_COLUMNS = [
    "team",
    "actual",
    "actual_minor",
    "periods_in",
    "periods_total",
    "periods_partial",
]


def cell_minor(values: Any, currency: str | None) -> np.ndarray:
    """Kept actuals (currency units, floats; NaN: none) as the plan's minor units, each rounded to
    the currency's smallest amount (`money.quantum`: a cent, a whole yen), NaN kept: the one
    rounding every view of an actual makes, once per series-period before anything sums it, so
    a team's actual is the exact sum of the cells a sheet shows."""
    step = quantum(currency)
    return np.round(np.asarray(values, dtype=float) * 100 / step) * step


@dataclass(frozen=True)
class Kept:
    """One read of the kept actuals in force (`load_kept`): every view of a workbook or a page
    built from it rests on this one version.

    ``cells``: ``unique_id, ds, minor`` (int minor units, `cell_minor`), one row per series-period
    kept; ``of_plan``: those of the plan's series and horizon with each series' ``team``,
    ``full`` (every series of the plan in that team has an actual in that period) and
    ``full_total`` (every series of the plan has)."""

    version: int
    horizon: int
    cells: pd.DataFrame
    of_plan: pd.DataFrame


def load_kept(store: PlanRepository, state: PlanState) -> Kept | None:
    """The plan's kept actuals in force, read once (None: none kept). An upload takes a
    series-period without a row as not arrived yet (an ended series' 0 is kept as a row), so a
    period is only in for a team once each of its series' is."""
    if not store.actuals_versions(state.plan_id):
        return None
    info, loaded = load_actuals(store, state.plan_id)
    summed = loaded.groupby([schema.UNIQUE_ID, schema.DS], as_index=False)[schema.Y].sum()
    cells = summed[[schema.UNIQUE_ID, schema.DS]].assign(
        minor=cell_minor(summed[schema.Y], state.currency).astype("int64")
    )
    teams = teams_of(load_blob_frame(store, state.plan_id, ATTRIBUTES), state.team_attr)
    series, periods = plan_cells(store, state)
    kept = cells.assign(team=cells[schema.UNIQUE_ID].astype(str).map(teams))
    kept = kept[
        kept["team"].notna()
        & kept[schema.DS].isin(periods)
        & kept[schema.UNIQUE_ID].astype(str).isin(series)
    ]
    of_plan = pd.Series(series, dtype=str).map(teams).dropna()
    per_team = of_plan.value_counts()
    # per row: how many of its team's series are in its period, of how many the plan has
    in_period = kept.groupby(["team", schema.DS])[schema.UNIQUE_ID].transform("nunique")
    every = kept.groupby(schema.DS)[schema.UNIQUE_ID].transform("nunique") >= len(of_plan)
    kept = kept.assign(
        full=(in_period >= kept["team"].map(per_team).fillna(0)).to_numpy(),
        full_total=every.to_numpy(),
    )
    return Kept(version=int(info.version), horizon=int(state.horizon), cells=cells, of_plan=kept)


def actuals_by_team(store: PlanRepository, plan: str) -> pd.DataFrame:
    """`team_rows` of the plan's kept actuals in force (`load_kept`)."""
    state = get_plan(store, plan)
    return team_rows(load_kept(store, state))


def team_rows(kept: Kept | None) -> pd.DataFrame:
    """Per team and TOTAL, what the kept actuals say of the horizon: ``actual_minor`` (the exact
    sum of the team's cells, each rounded to the currency's smallest amount first: `cell_minor`)
    and ``actual`` (the same in currency units), ``periods_in`` (the periods every series of the
    team has an actual in) of ``periods_total``, ``periods_partial`` (the periods only some have
    one in). Empty while the plan keeps no actuals; a team without any kept actual has no row."""
    if kept is None:
        return pd.DataFrame(columns=ACTUALS_COLUMNS)

    def row(team: str, part: pd.DataFrame, full: str) -> dict[str, Any]:
        periods = part.groupby(schema.DS)[full].first()
        minor = int(part["minor"].sum())
        return {
            "team": team,
            "actual": minor / 100,
            "actual_minor": minor,
            "periods_in": int(periods.sum()),
            "periods_total": kept.horizon,
            "periods_partial": int((~periods).sum()),
        }

    rows = [row(str(team), part, "full") for team, part in kept.of_plan.groupby("team", sort=True)]
    rows.append(row(TOTAL, kept.of_plan, "full_total"))
    return pd.DataFrame(rows, columns=ACTUALS_COLUMNS)


def by_team(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """`actuals_by_team`'s rows keyed by team (and TOTAL)."""
    return {str(r["team"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}


def all_in(kept: Mapping[str, Any] | None) -> bool:
    """Whether every period of the horizon is in for the team (`kept`: its `actuals_by_team`
    row; None: none kept): its actual is then the horizon's, to hold against the target."""
    return bool(kept) and int(kept["periods_in"]) >= int(kept["periods_total"])  # type: ignore[index]


def team_actual_minor(kept: Mapping[str, Any] | None) -> int | None:
    """The team's actual over the horizon (minor units: its row's exact ``actual_minor``) once
    every period is in, else None: a sum of some periods beside the target of all would read as
    a miss."""
    if not all_in(kept):
        return None
    assert kept is not None
    return int(kept["actual_minor"])


@dataclass(frozen=True)
class Verdict:
    """What a team's kept actuals say of its target. ``kind``: "reached" or "missed" once every
    period is in (``actual`` against ``target``, minor units), "partial" while only some are
    (``periods_in`` of ``periods_total``; ``periods_partial`` only some series are in)."""

    kind: Literal["reached", "missed", "partial"]
    actual: int | None  # None while only some periods are in
    target: int
    periods_in: int
    periods_total: int
    periods_partial: int = 0

    @property
    def over(self) -> bool:
        """Whether the horizon is over for the team: reached or missed, no chance left to give."""
        return self.kind != "partial"

    @property
    def short(self) -> int:
        """By how much the actual falls short of the target (minor units; 0 when reached)."""
        return 0 if self.actual is None else max(self.target - self.actual, 0)


def verdict(kept: Mapping[str, Any] | None, target_minor: int) -> Verdict | None:
    """What `kept` (a team's `actuals_by_team` row; None: none kept) says of `target_minor`:
    None while no period of the team has an actual; "partial" while some have; "reached" (the
    actual at or over the target, to the cent) or "missed" once every period is in."""
    partly = int((kept or {}).get("periods_partial") or 0)
    if not kept or not (kept.get("periods_in") or partly):
        return None
    done, total = int(kept["periods_in"]), int(kept["periods_total"])
    actual = team_actual_minor(kept)
    facts = {
        "target": int(target_minor),
        "periods_in": done,
        "periods_total": total,
        "periods_partial": partly,
    }
    if actual is None:
        return Verdict("partial", actual=None, **facts)
    kind: Literal["reached", "missed"] = "reached" if actual >= target_minor else "missed"
    return Verdict(kind, actual=actual, **facts)


def verdicts(store: PlanRepository, plan: str, targets: Mapping[str, int]) -> dict[str, Verdict]:
    """`verdict` of each team of `targets` (team: target, minor units) that has kept actuals."""
    return verdicts_of(by_team(actuals_by_team(store, plan)), targets)


def verdicts_of(
    kept: Mapping[str, Mapping[str, Any]], targets: Mapping[str, int]
) -> dict[str, Verdict]:
    """`verdict` of each team of `targets` (team, or TOTAL: target, minor units) that has kept
    actuals (`kept`: `by_team`'s rows; TOTAL reads the TOTAL's, the teams' actuals summed)."""
    said = {team: verdict(kept.get(str(team)), target) for team, target in targets.items()}
    return {team: v for team, v in said.items() if v is not None}


@dataclass(frozen=True)
class StretchVerdicts:
    """What the kept actuals say of each target `negotiation.stretch` judges, from the exact
    targets (minor units; a float of a target of trillions has lost its cents): ``rows`` per
    team and TOTAL (the stretch's TOTAL row, the goal's), ``teams_summed`` of the teams' targets
    summed (the ledger's TOTAL, as the Side by side page's TOTAL row has it); only those with
    kept actuals."""

    rows: dict[str, Verdict]
    teams_summed: Verdict | None

    def of_row(self, team: Any) -> Verdict | None:
        """The verdict of a stretch row (its TOTAL also as GOAL_ROW, as `with_goal_row` names
        it)."""
        return self.rows.get(TOTAL if str(team) in (GOAL_ROW, TOTAL) else str(team))


def stretch_verdicts(store: PlanRepository, plan: str) -> StretchVerdicts:
    """`StretchVerdicts` of the plan's negotiation (none before a goal)."""
    state = get_plan(store, plan)
    neg = negotiation_of(state)
    if neg is None or neg.goal is None:
        return StretchVerdicts({}, None)
    targets = neg.targets()
    kept = by_team(team_rows(load_kept(store, state)))
    rows = verdicts_of(kept, {**targets, TOTAL: neg.total_target})
    return StretchVerdicts(rows, verdict(kept.get(TOTAL), sum(targets.values())))


def verdict_words(said: Verdict, currency: str | None) -> str:
    """What `said` says, in the words every face gives it (the Side by side page's): once every
    period is in "reached, actuals €X" or "missed by €Y, actuals €X"; while only some are,
    "n of m periods in", with "(k partly)" for the periods only some series are in; amounts to
    the currency's decimals (`money.format_minor`)."""

    def shown(minor: int) -> str:
        return format_minor(minor, currency, decimals=2)

    if not said.over:
        partly = f" ({said.periods_partial} partly)" if said.periods_partial else ""
        return f"{said.periods_in} of {said.periods_total} periods in{partly}"
    actual = shown(said.actual or 0)
    if said.kind == "reached":
        return f"reached, actuals {actual}"
    return f"missed by {shown(said.short)}, actuals {actual}"


def verdict_facts(said: Verdict | None) -> dict[str, Any] | None:
    """`said` as data (a script's JSON): kind, actual (currency units; None while only some
    periods are in), periods_in, periods_total, periods_partial; None: no actual kept."""
    if said is None:
        return None
    return {
        "kind": said.kind,
        "actual": None if said.actual is None else said.actual / 100,
        "periods_in": said.periods_in,
        "periods_total": said.periods_total,
        "periods_partial": said.periods_partial,
    }
