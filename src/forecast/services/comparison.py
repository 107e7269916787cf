"""Read model of the Side by side page: the system plan against the negotiated plan, per team
(exact, from minor units), with the claims, the assignment and how far each target stretches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast import schema
from forecast.negotiation import round_to
from forecast.services import negotiation, plan_totals
from forecast.services.errors import Fix, FixKey, WrongStage
from forecast.services.negotiation_board import stretch_note
from forecast.services.plans import get_plan
from forecast.services.team_actuals import (
    TOTAL,
    Verdict,
    actuals_by_team,
    by_team,
    load_kept,
    verdicts_of,
)
from forecast.store import PlanRepository

DIFFERENCE_COLUMNS = [
    "team",
    "system_plan",
    "target",
    "difference",
    "difference_pct",
    "claim",
    "assignment",
    "probability",
    "growth_pct",
    "growth_coverage",  # "like-for-like: 45 of 49 series" where the growth leaves series out
]


@dataclass(frozen=True)
class PlanComparison:
    """The two plans of one plan side by side. Without a goal there is no negotiated plan yet:
    `has_goal` is False and the frames are empty."""

    has_goal: bool
    stage: str
    totals: pd.DataFrame  # team, system_plan_minor, target_minor, system_plan, target
    differences: (
        pd.DataFrame
    )  # DIFFERENCE_COLUMNS; teams by disagreement, largest first; TOTAL last
    stretch: pd.DataFrame  # team, probability, growth (fractions), growth_coverage (text)
    summary: dict[str, Any]  # negotiation.summary: claimed, assigned, basis drift per team
    currency: str | None = "EUR"  # the plan's ISO code; None: plain numbers
    stretch_note: str = ""  # what the probabilities rest on ("from 6 past 13-week windows ...")
    # what the kept actuals say of each team's target and of the TOTAL row's (the teams'
    # targets summed), judged from the exact targets (`team_actuals.verdict`, minor units);
    # only those with kept actuals
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    @property
    def teams(self) -> list[str]:
        return [str(t) for t in self.totals["team"]]

    @property
    def total(self) -> pd.Series:
        return self.differences.iloc[-1]

    @property
    def largest_disagreement(self) -> pd.Series:
        """The team furthest from the system plan (the total when there is only it)."""
        return self.differences.iloc[0]


def team_totals(negotiated: pd.DataFrame) -> pd.DataFrame:
    """Per team: system plan and negotiated target, summed exactly from the minor units."""
    sums = negotiated.groupby("team", as_index=False, observed=True)[
        ["system_plan_minor", "target_minor"]
    ].sum()
    sums["system_plan"] = sums["system_plan_minor"] / 100
    sums["target"] = sums["target_minor"] / 100
    sums["team"] = sums["team"].astype(str)
    return sums


def plan_team_totals(store: PlanRepository, plan: str) -> pd.DataFrame:
    """`team_totals` of the negotiated plan from the plan totals read model: the system plan per
    team as stored, the target as its spread adds up (no series frame is read or spread)."""
    state = get_plan(store, plan)
    neg = negotiation.negotiation_of(state)
    if neg is None or neg.goal is None:
        raise WrongStage(
            f"cannot compare the plans: plan {state.plan_id} has no goal yet",
            Fix(FixKey.SET_GOAL, plan=state.plan_id),
        )
    totals = plan_totals.of_plan(store, state)
    targets = totals.target_totals(neg)
    teams = sorted(set(totals.team_system_plan) | set(targets))
    out = pd.DataFrame(
        {
            "team": teams,
            "system_plan_minor": np.array(
                [round_to(totals.team_system_plan.get(t, 0), neg.quantum) for t in teams],
                dtype=np.int64,
            ),
            "target_minor": np.array([targets.get(t, 0) for t in teams], dtype=np.int64),
        }
    )
    out["system_plan"] = out["system_plan_minor"] / 100
    out["target"] = out["target_minor"] / 100
    return out


def differences(totals: pd.DataFrame, ledger: pd.DataFrame, stretch: pd.DataFrame) -> pd.DataFrame:
    """One row per team (largest disagreement first) and a TOTAL row last. The TOTAL row's chance
    and growth are those of the total it shows, the teams' targets summed (the stretch's
    ``teams_*`` figures): while some of the gap is open, or the claims exceed it, the stretch's
    own TOTAL is the goal's, another target."""
    led = ledger.set_index(ledger["team"].astype(str))
    if "teams_probability_reach" in stretch.columns:
        is_total = stretch["team"].astype(str) == "TOTAL"
        stretch = stretch.copy()
        for own, summed in (
            ("probability_reach", "teams_probability_reach"),
            ("growth_vs_last_year", "teams_growth_vs_last_year"),
        ):
            stretch[own] = stretch[own].astype(object).where(~is_total, stretch[summed])
    elif "target" in stretch.columns:
        stretch = negotiation.with_goal_row(stretch)
    st = stretch.set_index(stretch["team"].astype(str))
    rows = [
        _row(str(team), int(system), int(target), led, st)
        for team, system, target in zip(
            totals["team"], totals["system_plan_minor"], totals["target_minor"], strict=True
        )
    ]
    rows.sort(key=lambda row: -abs(row["difference"]))
    rows.append(
        _row(
            TOTAL,
            int(totals["system_plan_minor"].sum()),
            int(totals["target_minor"].sum()),
            led,
            st,
        )
    )
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def _cell(frame: pd.DataFrame, team: str, column: str) -> float | None:
    if team not in frame.index:
        return None
    value = frame.loc[team, column]
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def _text(frame: pd.DataFrame, team: str, column: str) -> str | None:
    if team not in frame.index or column not in frame.columns:
        return None
    value = frame.loc[team, column]
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def _row(
    team: str, system_minor: int, target_minor: int, led: pd.DataFrame, st: pd.DataFrame
) -> dict[str, Any]:
    diff_minor = target_minor - system_minor
    growth = _cell(st, team, "growth_vs_last_year")
    return {
        "team": team,
        "system_plan": system_minor / 100,
        "target": target_minor / 100,
        "difference": diff_minor / 100,
        "difference_pct": (100.0 * diff_minor / system_minor) if system_minor else None,
        "claim": _cell(led, team, "claim"),
        "assignment": _cell(led, team, "assignment"),
        "probability": _cell(st, team, "probability_reach"),
        "growth_pct": None if growth is None else 100.0 * growth,
        "growth_coverage": None if growth is None else _text(st, team, "last_year_coverage"),
    }


def compare_plans(store: PlanRepository, plan: str) -> PlanComparison:
    """The Side by side page's read model."""
    summary = negotiation.summary(store, plan)
    if summary.get("goal") is None:
        empty = pd.DataFrame()
        return PlanComparison(
            False,
            str(summary.get("stage", "")),
            empty,
            empty,
            empty,
            summary,
            currency=summary.get("currency"),
        )
    totals = plan_team_totals(store, plan)
    stretch = negotiation.stretch(store, plan)
    return PlanComparison(
        has_goal=True,
        stage=str(summary["stage"]),
        totals=totals,
        differences=differences(totals, negotiation.ledger(store, plan), stretch),
        stretch=negotiation.with_goal_row(stretch).rename(
            columns={
                "probability_reach": "probability",
                "growth_vs_last_year": "growth",
                "last_year_coverage": "growth_coverage",
            }
        )[["team", "probability", "growth", "growth_coverage"]],
        summary=summary,
        currency=summary.get("currency"),
        stretch_note=stretch_note(stretch),
        verdicts=target_verdicts(totals, actuals_by_team(store, plan)),
    )


def target_verdicts(totals: pd.DataFrame, kept: pd.DataFrame) -> dict[str, Verdict]:
    """What the kept actuals (`actuals_by_team`) say of each team's target in `totals` and of
    their sum (TOTAL), from the targets' minor units."""
    targets = {
        str(team): int(target)
        for team, target in zip(totals["team"], totals["target_minor"], strict=True)
    }
    targets[TOTAL] = sum(targets.values())
    return verdicts_of(by_team(kept), targets) if len(kept) else {}


def period_actuals(store: PlanRepository, plan: str, team: str | None) -> pd.DataFrame:
    """The kept actuals of `team` (None: every team) summed per period: ``ds, actual``; only the
    periods every series of the team (of the plan) has an actual in, so a period half in is
    not drawn as a dip; empty while the plan keeps none."""
    read = load_kept(store, get_plan(store, plan))
    if read is None:
        return pd.DataFrame({"ds": pd.DatetimeIndex([]), "actual": []})
    kept = read.of_plan
    kept = kept[(kept["team"] == team) & kept["full"]] if team else kept[kept["full_total"]]
    per = kept.groupby(schema.DS, as_index=False).agg(minor=("minor", "sum"))
    per = per.assign(actual=per["minor"] / 100)[[schema.DS, "actual"]]
    return per.sort_values(schema.DS).reset_index(drop=True)


def period_comparison(store: PlanRepository, plan: str, team: str | None) -> pd.DataFrame | None:
    """Per series-period of `team` (None = all teams): system plan, target and the baseline with
    its interval columns; None before a goal is set. ``frame.attrs["currency"]`` is the plan's
    currency (ISO code; None: plain numbers), ``frame.attrs["bands"]`` the baseline and its
    interval per period of the team's sum (ds, baseline, baseline-lo-L, baseline-hi-L)."""
    summary = negotiation.summary(store, plan)
    if summary.get("goal") is None:
        return None
    frame = negotiation.negotiated_periods(store, plan, team)
    frame.attrs["currency"] = summary.get("currency")
    # The baseline's band of the team's (or the plan's) sum, as the fan chart has it: not the
    # sum of the series' bounds (`engine.aggregate_intervals`).
    _, bands, _ = plan_totals.of_plan(store, get_plan(store, plan)).fan(team or None)
    frame.attrs["bands"] = bands
    frame.attrs["actuals"] = period_actuals(store, plan, team)
    return frame


def asks_for_parts(summary: dict[str, Any], difference_minor: int) -> list[tuple[str, int, int]]:
    """What "People ask for" (target minus the current system plan, minor units) is made of, as
    ``(name, amount, sign)`` with ``sum(sign * amount) == difference_minor``: the claims (+), the
    assignments (+), a basis drift not yet rebased (-, the current basis minus the recorded one)
    and, when the goal rests on the baseline, the events' effect (-, the system plan minus the
    baseline: the events sit in the system plan but not in the basis the targets are built on).
    The events' effect is what is left once the others are counted, so the parts add up to the
    cent; it is left out where it is zero."""
    claimed = int(summary.get("claimed") or 0)
    assigned = int(summary.get("assigned") or 0)
    parts = [("claims", claimed, 1), ("assigned", assigned, 1)]
    drift = int(summary.get("drift_total") or 0) if summary.get("drifted_teams") else 0
    if drift:
        parts.append(("basis drift", drift, -1))
    rest = claimed + assigned - drift - int(difference_minor)
    if rest:
        name = "events' effect" if summary.get("basis", "baseline") == "baseline" else "rounding"
        parts.append((name, rest, -1))
    return parts
