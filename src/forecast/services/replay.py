"""Replay both planning cultures on the last cycles of a sales history and score them against
what happened.

For each of the last N cycles (``horizon`` periods each, the most recent last) the plan is rebuilt
as it could have been made at the time:

- the baseline is forecast from the data before the cycle only (seasonal naive by default, any
  engine model by ``model``), from sales alone; the model that served is said per cycle
  (``baseline_model``): seasonal naive on under one season repeats the last value, and the
  replay says so, with the number of cycles the history holds a whole season before;
- the system plan adds events rebuilt from the file's promo and holiday flags in the cycle (known
  ahead: promotions and holidays are planned), one event per flag, period and team over the
  flagged series, with the uplift learned from the data before the cycle
  (`forecast.engine.uplift`), combined by the system track's own rule; netted against the flag
  of the period the baseline copied, per series as its model column says it served;
- the negotiated plan sets a goal of ``goal_ratio`` x the baseline, takes the given claims (percent
  of each team's baseline), assigns the rest by ``rule`` and spreads each team's target down in
  proportion to the system plan (the negotiation track's own code).

Both are scored with the same measures as a real plan (`forecast.accuracy`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from forecast import accuracy, schema
from forecast import negotiation as domain
from forecast.engine.calendar import season_length
from forecast.engine.gaps import gap_mask
from forecast.engine.models.naive import SHORT_FOR_A_SEASON
from forecast.engine.uplift import flag_for_kind, learned_uplift, series_uplift
from forecast.money import shown_text
from forecast.overrides import Event, Scope, apply_events
from forecast.services import model_names
from forecast.services.accuracy import mase_scales
from forecast.services.errors import Fix, FixKey, Invalid
from forecast.vocabulary import REPLAY_RULES

Progress = Callable[[float, str], None]

REPLAY_MODELS = ("snaive", "ets", "arima", "auto")
OWNER = domain.Actor("replay", frozenset({"owner"}))
EVENT_KINDS_FROM_FLAGS = ("promotion", "festival")


@dataclass
class ReplayResult:
    cycles: pd.DataFrame  # cycle, start, end, scope, key, actual, wape_*, closer, margin
    events: pd.DataFrame  # cycle, kind, flag, ds, team, series, value
    assumptions: list[str]
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        totals = self.cycles[self.cycles["scope"] == "overall"]
        wins = totals["closer"].value_counts().to_dict()
        served = totals.get("baseline_model", pd.Series(dtype=object)).astype(str)
        return {
            "cycles": len(totals),
            "system_plan_closer": int(wins.get("system_plan", 0)),
            "target_closer": int(wins.get("target", 0)),
            "ties": int(wins.get("tie", 0)),
            "mean_wape_system_plan": _mean(totals["wape_system_plan"]),
            "mean_wape_target": _mean(totals["wape_target"]),
            "cycles_on_last_value": int(served.str.contains(LAST_VALUE, regex=False).sum()),
        }

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [
                {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
                for r in clean.to_dict(orient="records")
            ]

        return {
            "settings": self.settings,
            "assumptions": self.assumptions,
            "summary": self.summary(),
            "cycles": records(self.cycles),
            "events": records(self.events),
        }


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


def parse_claims(items: list[str] | None) -> dict[str, Decimal]:
    """``["a=2", "c=-1.5"]`` -> team -> percent of the team's baseline."""
    from forecast.money import MoneyError, exact_number

    claims: dict[str, Decimal] = {}
    for item in items or []:
        team, sep, value = str(item).partition("=")
        try:
            percent = exact_number(value.strip().rstrip("%").strip())
        except MoneyError:
            sep = ""
        if not sep or not team.strip() or not percent.is_finite():
            raise Invalid(
                f"claim {shown_text(str(item))} is not TEAM=PERCENT (e.g. a=2 for 2 % of team "
                "a's baseline)"
            )
        if abs(percent) > MAX_CLAIM_PERCENT:
            raise Invalid(
                f"claim {shown_text(str(item))}: a claim of more than {MAX_CLAIM_PERCENT} % of a "
                "team's baseline either way is not a claim a replay can learn from; check it"
            )
        claims[team.strip()] = percent
    return claims


MAX_CLAIM_PERCENT = 100


def _copied_position(
    dates: pd.DatetimeIndex, cycle: pd.DataFrame, first: int, season: int, heads: pd.Series
) -> np.ndarray:
    """Per row of `cycle`: the position in `dates` of the period its baseline copied, by the
    model that served its series (`heads`: unique_id -> the model column's model): seasonal naive
    the same period of the last season before the cycle, naive (asked for, or seasonal naive on
    under one season) the last period before the cycle; -1 where nothing was copied (a fitted
    model, a mean)."""
    step = dates.get_indexer(pd.DatetimeIndex(cycle[schema.DS])) - first
    head = cycle[schema.UNIQUE_ID].astype(str).map(heads).fillna("").to_numpy()
    seasonal = first - season + step % season
    return np.where(
        (head == "snaive") & (seasonal >= 0),
        seasonal,
        np.where(head == "naive", first - 1, -1),
    )


def _flag_then(
    history: pd.DataFrame, cycle: pd.DataFrame, flag: str, copied: np.ndarray
) -> pd.Series:
    """Per row of `cycle`: the flag of its series in the period at `copied` (0 where none)."""
    dates = pd.DatetimeIndex(sorted(history[schema.DS].unique()))
    keys = pd.MultiIndex.from_arrays(
        [cycle[schema.UNIQUE_ID].astype(str), dates[np.maximum(copied, 0)]]
    )
    lookup = history.set_index([history[schema.UNIQUE_ID].astype(str), schema.DS])[flag]
    values = lookup.reindex(keys).fillna(0.0).to_numpy(dtype=float)
    return pd.Series(np.where(copied >= 0, values, 0.0), index=cycle.index)


def _events_for_cycle(
    history: pd.DataFrame,
    train: pd.DataFrame,
    cycle: pd.DataFrame,
    attributes: pd.DataFrame,
    teams: pd.Series,
    flags: list[str],
    cycle_no: int,
    copied: np.ndarray,
) -> tuple[list[Event], list[dict[str, Any]]]:
    """Events from the cycle's flags. Where the baseline copied a period (`copied`, per row of
    `cycle`: `_copied_position`), it already carries that period's flag: an event adds the
    uplift only where the flag is on now and was off then, and takes it out where it was on
    then and is off now. Where it copied nothing (a fitted model) every flagged period gets the
    uplift."""
    events: list[Event] = []
    described: list[dict[str, Any]] = []
    for kind in EVENT_KINDS_FROM_FLAGS:
        flag = flag_for_kind(flags, kind)
        if flag is None or flag not in cycle.columns:
            continue
        per_series = series_uplift(train, flag)
        if per_series.empty:
            continue
        now = (cycle[flag].astype(float) >= 0.5).astype(int)
        then = (_flag_then(history, cycle, flag, copied) >= 0.5).astype(int)
        direction = now - then
        moved = cycle.assign(direction=direction, team=cycle[schema.UNIQUE_ID].map(teams))
        moved = moved[moved["direction"] != 0]
        groups = moved.groupby([schema.DS, "team", "direction"], sort=True)
        for key, part in groups:
            first, second, third = cast(tuple[Any, Any, Any], key)
            ds, team, sign = pd.Timestamp(first), str(second), int(third)
            ids = sorted(part[schema.UNIQUE_ID].astype(str).unique())
            uplift = learned_uplift(
                train, attributes, kind, flags, series=ids, per_series=per_series
            )
            if uplift is None:  # none of these series has flagged history: the whole file's
                uplift = learned_uplift(train, attributes, kind, flags, per_series=per_series)
            if uplift is None:
                continue
            value = float(uplift.value)
            if sign < 0:  # the copied period had the flag, this one has not: take it out
                value = round((1.0 / (1.0 + value / 100.0) - 1.0) * 100.0, 1)
            day = pd.Timestamp(ds).date()
            events.append(
                Event(
                    event_id=f"C{cycle_no}E{len(events) + 1}",
                    name=f"{flag} {'on' if sign > 0 else 'off'} {day}",
                    kind=kind,
                    scope=Scope(ids=tuple(ids)),
                    start=day,
                    end=day,
                    effect="percent",
                    value=value,
                    reason=f"replayed from the {flag} flag",
                    author="replay",
                )
            )
            described.append(
                {
                    "cycle": cycle_no,
                    "kind": kind,
                    "flag": flag,
                    "ds": f"{day}",
                    "team": str(team),
                    "flag_now": "on" if sign > 0 else "off",
                    "series": len(ids),
                    "value": value,
                }
            )
    return events, described


def _negotiated(
    frame: pd.DataFrame, goal_ratio: Decimal, rule: str, claims: Mapping[str, Decimal]
) -> pd.Series:
    """The target per row of `frame` (unique_id, ds, team, baseline, system_plan)."""
    minor = frame.assign(
        b=np.round(frame[schema.BASELINE].to_numpy(dtype=float) * 100).astype(np.int64),
        s=np.round(frame[schema.SYSTEM_PLAN].to_numpy(dtype=float) * 100).astype(np.int64),
    )
    team_baseline = {str(k): int(v) for k, v in minor.groupby(schema.TEAM)["b"].sum().items()}
    team_system = {str(k): int(v) for k, v in minor.groupby(schema.TEAM)["s"].sum().items()}
    neg = domain.Negotiation.start(team_baseline, team_system)
    neg.set_goal(OWNER, ratio=str(goal_ratio), basis="baseline", spread_by="system_plan")
    for team, pct in claims.items():
        if team not in team_baseline:
            continue
        lead = domain.Actor(f"lead of {team}", frozenset({"lead"}), team)
        neg.claim(lead, team, percent=pct, note="replay claim")
    neg.close_round(OWNER, "keep")
    if neg.remainder:
        neg.assign(OWNER, rule)
    spread = domain.spread(neg.targets(), frame, weight_col=schema.SYSTEM_PLAN)
    return spread["target_minor"].astype(float) / 100.0


def replay(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    team_attr: str | None = None,
    freq: str | None = "W",
    cycles: int = 4,
    horizon: int = 13,
    goal_ratio: str | float = "1.1",
    rule: str = "pro_rata_baseline",
    claims: Mapping[str, Decimal] | None = None,
    model: str = "snaive",
    progress: Progress | None = None,
    decimal: str | None = None,
    week_dates: str = "start",
) -> ReplayResult:
    """Rebuild and score both cultures on the last `cycles` cycles of the history in `source`
    (`decimal` and `week_dates`: as `read_sales` takes them)."""
    from forecast.engine.ingest import IngestError, read_sales

    _check_settings(cycles, horizon, model)
    rule = _rule(rule)
    ratio = _ratio(goal_ratio)
    try:
        ingest = read_sales(
            source,
            filename=filename,
            freq=freq,
            attributes_file=attributes_file,
            decimal=decimal,
            week_dates=week_dates,
        )
    except IngestError as exc:
        raise Invalid(f"history: {exc}") from exc
    return replay_frames(
        ingest.history,
        ingest.attributes,
        freq=ingest.freq,
        flags=ingest.flags,
        team_attr=team_attr,
        cycles=cycles,
        horizon=horizon,
        goal_ratio=ratio,
        rule=rule,
        claims=claims,
        model=model,
        progress=progress,
        shut_weekdays=ingest.report.weekdays_never,
    )


def replay_plan(
    store: Any,
    plan: str,
    *,
    cycles: int = 4,
    horizon: int | None = None,
    goal_ratio: str | float = "1.1",
    rule: str = "pro_rata_baseline",
    claims: Mapping[str, Decimal] | None = None,
    model: str = "snaive",
    progress: Progress | None = None,
) -> ReplayResult:
    """`replay` on the history a plan was made from (its team dimension and calendar; the
    plan's horizon as the cycle length unless `horizon`)."""
    from forecast.services.plan_create import shut_weekdays
    from forecast.services.plans import get_plan, load_frames

    _check_settings(cycles, horizon or 1, model)  # refused before anything is read
    state = get_plan(store, plan)
    frames = load_frames(store, state.plan_id)
    _check_settings(cycles, horizon or state.horizon, model)
    return replay_frames(
        frames.history,
        frames.attributes,
        freq=state.freq,
        flags=list(state.dataset.flags),
        team_attr=state.team_attr,
        cycles=cycles,
        horizon=horizon or state.horizon,
        goal_ratio=_ratio(goal_ratio),
        rule=_rule(rule),
        claims=claims,
        model=model,
        progress=progress,
        shut_weekdays=shut_weekdays(state),
    )


MAX_CYCLES = 52
"""A replay refits the baseline once per cycle: past this many it is refused rather than left to
hold the server (or the terminal) for an hour; 52 weekly cycles are a year."""


def _check_settings(cycles: int, horizon: int, model: str) -> None:
    if cycles < 1 or horizon < 1:
        raise Invalid(
            f"a replay of {cycles} cycle(s) of {horizon} period(s) replays nothing",
            Fix(FixKey.REPLAY_AT_LEAST_ONE),
        )
    if cycles > MAX_CYCLES:
        raise Invalid(
            f"a replay of {cycles} cycles is more than the {MAX_CYCLES} it allows (each cycle "
            f"refits the baseline); replay at most {MAX_CYCLES}, e.g. a year of quarters is 4"
        )
    if model not in REPLAY_MODELS:
        raise Invalid(f"unknown replay model {model!r}; use one of {', '.join(REPLAY_MODELS)}")


def _ratio(goal_ratio: str | float) -> Decimal:
    try:
        ratio = domain.parse_ratio(str(goal_ratio))
    except domain.NegotiationError as exc:
        raise Invalid.from_error(exc) from exc
    if ratio <= 0:
        raise Invalid(
            f"a goal ratio of {goal_ratio} asks for no sales at all; give the goal as a ratio of "
            "the baseline above 0, e.g. 1.1 for 10 % more"
        )
    return ratio


def _rule(rule: str) -> str:
    usable = ", ".join(REPLAY_RULES)
    try:
        chosen = domain.parse_enum(domain.RemainderRule, rule, "remainder rule").value
    except domain.NegotiationError as exc:
        raise Invalid(f"unknown remainder rule {rule!r}; the replay can use {usable}") from exc
    if chosen not in REPLAY_RULES:
        raise Invalid(f"the replay cannot use the manual rule (it needs a person); use {usable}")
    return str(chosen)


LAST_VALUE = "naive (under one season)"
"""A cycle's baseline model where seasonal naive repeated the last value (``_served``)."""


def _served(labels: pd.Series) -> str:
    """The models that served a cycle's baseline: ``snaive``, or each with its series, e.g.
    ``naive (under one season) 5, snaive 1``."""
    names = [
        LAST_VALUE if SHORT_FOR_A_SEASON in str(label) else model_names.split(str(label))[0]
        for label in labels
    ]
    counts = pd.Series(names, dtype=object).value_counts()
    if len(counts) == 1:
        return str(counts.index[0])
    return ", ".join(f"{name} {int(n)}" for name, n in counts.items())


def _short_history_notes(
    flat_cycles: list[tuple[int, int, int]], periods: int, season: int, horizon: int, start: int
) -> list[str]:
    """What the replay says where seasonal naive had under one season before a cycle. The
    calendar holds a season before every cycle (``replay_frames`` refuses less), so these are
    series whose rows begin later than the file's; ``start``: the position in the calendar of the
    latest first row among them."""
    if not flat_cycles:
        return []
    numbers = [number for number, _, _ in flat_cycles]
    which = (
        f"cycle {numbers[0]}"
        if len(numbers) == 1
        else f"cycles {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
    )
    series = "; ".join(f"cycle {c}: {n} of {total} series" for c, n, total in flat_cycles)
    supported = max(0, (periods - start - season) // horizon)
    fix = (
        f"Their history holds a whole season before the last {supported} cycle(s) of {horizon}: "
        f"replay {supported} cycle(s), or shorter cycles, or a longer history, for a seasonal "
        "copy in every cycle."
        if supported
        else f"Their history holds no cycle of {horizon} after a whole season: give a longer "
        "history or shorter cycles for a seasonal copy."
    )
    return [
        f"In {which} the history before the cycle is under one season ({season} periods) "
        f"for some series, whose rows begin later than the file's ({series}): seasonal naive cannot copy a season from it and "
        f"repeated the last value instead (a flat forecast, '{LAST_VALUE}' in the baseline "
        "model column); there the baseline is not a seasonal naive one. " + fix
    ]


def _latest_start(history: pd.DataFrame, dates: pd.DatetimeIndex, ids: set[str]) -> int:
    """The position in ``dates`` of the latest first row among the series ``ids`` (0: none)."""
    if not ids:
        return 0
    rows = history[history[schema.UNIQUE_ID].astype(str).isin(ids)]
    if rows.empty:
        return 0
    latest = rows.groupby(rows[schema.UNIQUE_ID].astype(str))[schema.DS].min().max()
    return int(dates.get_indexer(pd.DatetimeIndex([latest]))[0])


def _netting_note(copied_kinds: set[str], fitted: bool, season: int) -> str:
    """How the events were netted against what the baseline copied, as it happened."""
    copies = []
    if "snaive" in copied_kinds:
        copies.append(f"the seasonal naive copies the period {season} back")
    if "naive" in copied_kinds:
        copies.append("the naive (last value) copies the last period before the cycle")
    said = ""
    if copies:
        said = (
            f"Where the baseline copied a period ({'; '.join(copies)}), it carries that "
            "period's flags: an event adds the uplift only where the flag is on now and was "
            "off in the copied period, and takes it out in the opposite case (a planner would "
            "do the same)."
        )
    if fitted:
        said += (" " if said else "") + (
            "Where a fitted model served (or a mean), it was fitted on sales with and without "
            "flags, so it carries part of their average effect; every flagged period gets the "
            "full uplift, which may count that part twice."
        )
    return said


def _in_gap(history: pd.DataFrame, season: int) -> pd.Series:
    """Whether each row of `history` lies in a gap of its series (``engine.gaps.gap_mask``: a
    stretch without rows in the file, filled with 0, or a long closure): such a period has no
    sales to score a forecast against, as an actuals file without its rows has none."""
    in_gap = pd.Series(False, index=history.index)
    ordered = history.sort_values([schema.UNIQUE_ID, schema.DS])
    for _, rows in ordered.groupby(schema.UNIQUE_ID, sort=False):
        mask = gap_mask(rows[schema.Y].to_numpy(dtype=float), season)
        if mask.any():
            in_gap[rows.index[mask]] = True
    return in_gap


def _gap_notes(unscored: int) -> list[str]:
    if not unscored:
        return []
    return [
        f"{unscored} series-period(s) of the cycles lie in a gap of their series (weeks without "
        "rows in the file, or a long closure) and are not scored: there were no sales to "
        "compare a forecast with."
    ]


def replay_frames(
    history: pd.DataFrame,
    attributes: pd.DataFrame,
    *,
    freq: str,
    flags: list[str],
    team_attr: str | None,
    cycles: int,
    horizon: int,
    goal_ratio: Decimal,
    rule: str,
    claims: Mapping[str, Decimal] | None,
    model: str,
    progress: Progress | None = None,
    shut_weekdays: Sequence[int] = (),
) -> ReplayResult:
    """The replay on frames already read (``history`` with its flag columns; `shut_weekdays`:
    the weekdays a daily history never has, forecast as 0)."""
    from forecast.engine.baseline import forecast_baseline

    ratio = goal_ratio
    if team_attr and team_attr not in attributes.columns:
        ids = attributes[schema.UNIQUE_ID].astype(str)
        known = [
            c
            for c in attributes.columns
            if c != schema.UNIQUE_ID and not attributes[c].astype(str).equals(ids)
        ]
        raise Invalid(
            f"there is no attribute {team_attr!r} to make the teams from; "
            + (
                f"the attributes are {', '.join(map(str, known))}"
                if known
                else "the file has no attribute columns: pass --attributes with a store table"
            )
        )
    teams = pd.Series(
        attributes[team_attr].astype(str).to_numpy() if team_attr else "all",
        index=attributes[schema.UNIQUE_ID].astype(str).to_numpy(),
    )
    dates = pd.DatetimeIndex(sorted(history[schema.DS].unique()))
    season = season_length(freq)
    needed = cycles * horizon + season
    if len(dates) < needed:
        raise Invalid(
            f"the history has {len(dates)} periods; {cycles} cycles of {horizon} need at least "
            f"{needed} ({cycles} x {horizon} to replay and a season of {season} before them)",
            Fix(FixKey.SHORTEN_REPLAY),
        )
    history = history.reset_index(drop=True)
    in_gap = _in_gap(history, season)
    claims = dict(claims or {})
    unknown = sorted(set(claims) - set(teams.astype(str)))
    if unknown:
        raise Invalid(
            f"the replay has no team {', '.join(map(repr, unknown))} to claim for; its teams are "
            f"{', '.join(sorted(set(teams.astype(str))))}"
            + ("" if team_attr else " (one team for all series: pass --team-attr to have teams)")
        )
    rows: list[pd.DataFrame] = []
    described: list[dict[str, Any]] = []
    flat_cycles: list[tuple[int, int, int]] = []  # cycle, series on the last value, series
    flat_series: set[str] = set()
    copied_kinds: set[str] = set()
    fitted_served = False
    unscored = 0
    for number in range(1, cycles + 1):
        first = len(dates) - (cycles - number + 1) * horizon
        start, end = dates[first], dates[first + horizon - 1]
        if progress:
            progress((number - 1) / cycles, f"cycle {number} of {cycles} ({start:%Y-%m-%d})")
        train = history[history[schema.DS] < start]
        cycle = history[(history[schema.DS] >= start) & (history[schema.DS] <= end)]
        unscored += int(in_gap[cycle.index].sum())
        baseline = forecast_baseline(
            train[[schema.UNIQUE_ID, schema.DS, schema.Y]],
            horizon,
            freq=freq,
            model=model,
            levels=(80,),
            shut_weekdays=shut_weekdays,
        )
        labels = baseline.groupby(schema.UNIQUE_ID, sort=False)[schema.MODEL].first()
        heads = labels.map(lambda label: model_names.split(str(label))[0])
        heads.index = heads.index.astype(str)
        served = _served(labels)
        on_last_value = labels.astype(str).str.contains(SHORT_FOR_A_SEASON, regex=False)
        if on_last_value.any():
            flat_cycles.append((number, int(on_last_value.sum()), len(labels)))
            flat_series |= set(on_last_value.index[on_last_value].astype(str))
        copied_kinds |= set(heads.unique()) & {"snaive", "naive"}
        fitted_served |= bool((~heads.isin(["snaive", "naive"])).any())
        copied = _copied_position(dates, cycle, first, season, heads)
        events, info = _events_for_cycle(
            history, train, cycle, attributes, teams, flags, number, copied
        )
        described += info
        frame = apply_events(baseline, attributes, events, team_attr, freq)
        frame = frame[[schema.UNIQUE_ID, schema.DS, schema.TEAM, schema.BASELINE, "system_plan"]]
        frame[schema.TEAM] = frame[schema.TEAM].astype(str)
        frame["target"] = _negotiated(frame, ratio, rule, claims).to_numpy()
        scales = mase_scales(train, season)
        grid = accuracy.build_grid(
            frame,
            cycle.loc[~in_gap[cycle.index], [schema.UNIQUE_ID, schema.DS, schema.Y]],
            scales,
            target_basis="baseline",  # `_negotiated` sets its goal on the baseline
        )
        table = accuracy.layer_table(grid)
        for (scope, key), part in table[table["scope"] != "period"].groupby(
            ["scope", "key"], sort=False
        ):
            wape = dict(zip(part["layer"], part["wape"], strict=True))
            verdict = accuracy.closer(wape.get("system_plan"), wape.get("target"))
            rows.append(
                pd.DataFrame(
                    [
                        {
                            "cycle": number,
                            "start": f"{start:%Y-%m-%d}",
                            "end": f"{end:%Y-%m-%d}",
                            "scope": scope,
                            "key": key,
                            "actual": float(part["actual"].iloc[0]),
                            "wape_baseline": wape.get("baseline"),
                            "wape_system_plan": wape.get("system_plan"),
                            "wape_target": wape.get("target"),
                            "baseline_model": served,
                            "events": len(events),
                            **verdict,
                        }
                    ]
                )
            )
    if progress:
        progress(1.0, "scored")
    assumptions = [
        f"{cycles} cycles of {horizon} periods ({freq}), the most recent last; each "
        "cycle's baseline is forecast from the data before it only, from sales alone, with "
        f"the {model} model (the model that served each cycle is in its baseline model "
        "column).",
        *_short_history_notes(
            flat_cycles, len(dates), season, horizon, _latest_start(history, dates, flat_series)
        ),
        *_gap_notes(unscored),
        "Events are rebuilt from the file's promo and holiday flags in each cycle (taken as "
        "known ahead, as planned promotions and holidays are): one per flag, period and team "
        "over the flagged series, a percent uplift learned from the data before the cycle. "
        + _netting_note(copied_kinds, fitted_served, season),
        f"The negotiated plan sets a goal of {ratio} x the baseline, takes "
        + (
            ", ".join(f"team {t}: {v} %" for t, v in claims.items()) + " as claims"
            if claims
            else "no claims"
        )
        + f", assigns the rest by the rule '{domain.RULE_LABELS[domain.RemainderRule(rule)]}' "
        "and spreads each team's target over its series and "
        "periods in proportion to the system plan.",
        "No human judgement is replayed: real planners may add or leave out events, and real "
        "leads claim what they believe in; the replay contrasts the two cultures' rules.",
        "A culture is called closer when its WAPE is lower by at least 0.05 points; else a tie.",
    ]
    return ReplayResult(
        cycles=pd.concat(rows, ignore_index=True),
        events=pd.DataFrame(
            described,
            columns=["cycle", "kind", "flag", "ds", "team", "flag_now", "series", "value"],
        ),
        assumptions=assumptions,
        settings={
            "cycles": cycles,
            "horizon": horizon,
            "freq": freq,
            "goal_ratio": str(ratio),
            "rule": rule,
            "claims": {t: str(v) for t, v in claims.items()},
            "model": model,
            "team_attr": team_attr,
        },
    )
