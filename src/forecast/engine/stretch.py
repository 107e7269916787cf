"""A calibrated stretch: how likely actuals reach a target, from this engine's own past misses.

A rolling-origin backtest of TEAM TOTALS over the plan's horizon: at past origins the plan's own
model family forecasts every team's total over the next ``horizon`` periods from the history
before that origin, and the miss is recorded as ``log(actual_total / forecast_total)``. The total
of all teams is forecast as the sum of the teams' forecasts, as the plan's total is a sum. Because
whole windows are compared, correlation across the periods of a window (and across the series of
a team) is in the recorded misses; nothing assumes independent periods.

Which model is backtested (``calibration_model``): the plan's own (seasonal naive, naive, ETS,
Fourier ETS, Theta, or a mean/median of them, as ``auto`` picks); members too costly to refit at
every origin (Prophet, ARIMA, LightGBM) are stood in for by a cheap model of the same kind
(``STAND_INS``). Origins are one period apart for the naive models (one season when the season is
shorter than the horizon, e.g. a week of days) and one horizon apart for fitted models, so the cost
stays at a few dozen team-level fits.

The predictive distribution of the miss of the window being planned is learned from those misses
(``stretch_predictive``: the blend of the rules replayed on the past that would have predicted
best there, with the spread of its own out-of-sample errors, recent ones weighing more: half-life one year; then recalibrated by where
past misses fell in the predictives replayed at their origins, when that correction predicted
better on the past than none). The actual total is the plan's baseline total times that miss:
centre and spread are those of the model family that made the baseline. Where a stand-in was
backtested, the plan's own misses are unknown: the actual total is the stand-in's own forecast
times its predicted miss (a predictive whose calibration was checked on the past), and the
plan's baseline only says where the targets are.

What the history has never seen: the share of the planned window in weeks (months, quarters) of
the year that no period of the history falls in (``stretch_calendar``) counts as an even chance,
whatever the backtest says (it never scored a forecast of that part of the year).

Pure: pandas/numpy/scipy in, plain values out, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast import schema
from forecast.engine import stretch_predictive as sp
from forecast.engine.gaps import filled_sales
from forecast.engine.stretch_calendar import unseen_share
from forecast.engine.stretch_models import (
    CHEAP_MODELS,
    calibration_model,
    default_step,
    forecast_total,
    min_train,
    model_label,
)
from forecast.vocabulary import PERIOD_WORDS

TOTAL = "TOTAL"
METHOD = "family-residuals-v8"  # stored calibrations of another method are recomputed
# v7 (2026-12-04): team totals read a series' gaps as its seasonal naive does (`team_totals`)
# v8 (2026-12-04): monthly weekly sums backtested per week of the month, as the baseline reads them
MIN_WINDOWS = 3  # past windows the misses must span; fewer: no calibrated probability
SPAN = 8  # horizons of past misses each rule averages over, and of out-of-sample errors kept
HALF_LIFE_YEARS = 1.0  # the weight of a past error halves every year (fixed a priori)


@dataclass
class StretchCalibration:
    """The recorded misses of past windows per team (and ``TOTAL``), the backtested model's
    forecast of the planned window (``anchor``) and the fitted predictive; stored with the plan."""

    model: str  # the model that was backtested (snaive, naive, ets)
    horizon: int
    freq: str
    windows: int  # past windows of ``horizon`` periods that the recorded misses span
    step: int = 0  # periods between window origins (< horizon: the windows overlap)
    log_ratios: dict[str, list[float]] = field(default_factory=dict)  # oldest origin first
    note: str = ""  # why there is no calibration, when not usable
    method: str = ""  # METHOD when made by this version ("" = an older method)
    anchor: dict[str, float] = field(default_factory=dict)
    predictive: dict[str, dict[str, float]] = field(default_factory=dict)
    rule: str = ""  # the rule of the largest weight (stretch_predictive.RULES)
    weights: dict[str, float] = field(default_factory=dict)  # the rules blended in the centre
    residuals: int = 0  # past origins predicted out of sample for the spread
    plan_model: str = ""  # the model of the plan's baseline ("" or ``model``: the one backtested)
    family: bool = True  # ``model`` is the plan's own (else a stand-in: its own predictive)
    replayed: int = 0  # past origins whose predictive was replayed to check its calibration
    recalibrated: bool = False  # the correction learned from them is applied
    # The share of the planned window's periods in parts of the year the history has never
    # seen (``stretch_calendar``): that share of the probability is an even chance.
    unseen: float = 0.0

    @property
    def backtests_the_plan(self) -> bool:
        """Whether the misses are those of the model that made the plan's baseline."""
        return self.plan_model in ("", self.model)

    def on_anchor(self, team: str, expected: float) -> bool:
        """Whether the predicted miss applies around ``team``'s baseline total ``expected``: the
        backtested model is the plan's own family, or a stand-in gave exactly the same total
        (else it applies around the stand-in's own forecast, ``anchor``)."""
        if self.family:
            return True
        anchor = self.anchor.get(team)
        return anchor is not None and math.isclose(anchor, expected, rel_tol=1e-9, abs_tol=1e-6)

    @property
    def usable(self) -> bool:
        return self.method == METHOD and self.windows >= MIN_WINDOWS and bool(self.predictive)

    def rests_on(self, *, on_anchor: bool | None = None) -> str:
        """What the probability rests on, in words, for the pages and the CLI; ``on_anchor``:
        whether it is centred on the backtested forecast (default: when that made the plan)."""
        label = model_label(self.model)
        word = period_word(self.freq)
        span = f"{self.horizon}-{word}"
        if not self.usable:
            return (
                f"Not calibrated: {self.note or 'the history is too short'}. Shown from the "
                "baseline's intervals with periods assumed independent, which is too confident."
            )
        every = f"every {word}" if self.step == 1 else f"every {self.step} {word}s"
        if on_anchor is None:
            on_anchor = self.family
        centred = (
            sp.centred_on(self.rule, self.weights)
            if on_anchor
            else (
                f"a stand-in for {self.plan_model}"
                + (f" ({self.note})" if self.note else "")
                + ": its own forecast and misses, not the "
                + f"{self.plan_model} baseline's, which have no backtest"
            )
        )
        if self.recalibrated:
            centred += f"; recalibrated on its {self.replayed} past predictions"
        if self.unseen > 0:
            ahead = round(self.unseen * self.horizon)
            centred += (
                f"; {ahead} of the {self.horizon} {word}s ahead fall in "
                f"{_part_of_year(self.freq)} this history has never covered, and count as an "
                "even chance"
            )
        return (
            f"from {self.windows} past {span} windows of this history (backtest of team totals, "
            f"{label}, one starting {every}; {centred})"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StretchCalibration:
        return cls(
            model=str(data["model"]),
            horizon=int(data["horizon"]),
            freq=str(data["freq"]),
            windows=int(data["windows"]),
            step=int(data.get("step", 0)),
            log_ratios={str(k): [float(x) for x in v] for k, v in data["log_ratios"].items()},
            note=str(data.get("note", "")),
            method=str(data.get("method", "")),
            anchor={str(k): float(v) for k, v in data.get("anchor", {}).items()},
            predictive={
                str(k): {str(f): float(x) for f, x in v.items()}
                for k, v in data.get("predictive", {}).items()
            },
            rule=str(data.get("rule", "")),
            weights={str(k): float(v) for k, v in data.get("weights", {}).items()},
            residuals=int(data.get("residuals", 0)),
            plan_model=str(data.get("plan_model", "")),
            family=bool(data.get("family", True)),
            replayed=int(data.get("replayed", 0)),
            recalibrated=bool(data.get("recalibrated", False)),
            unseen=float(data.get("unseen", 0.0)),
        )


def _part_of_year(freq: str) -> str:
    code = (freq or "").upper()[:1]
    return {"M": "months", "Q": "quarters"}.get(code, "weeks") + " of the year"


def period_word(freq: str) -> str:
    code = (freq or "").upper()
    return PERIOD_WORDS.get(code[:1], "period")


def team_totals(history: pd.DataFrame, teams: pd.Series, season: int = 1) -> pd.DataFrame:
    """A ds x team matrix of summed sales (missing values count as 0). With a ``season``, a
    series' gaps (weeks without rows, a long closure: ``engine.gaps``) count as the
    same periods of its nearest season without one, as the seasonal naive baseline reads them:
    a past window is not judged against sales a gap took away."""
    frame = history[[schema.UNIQUE_ID, schema.DS, schema.Y]].copy()
    if season > 1:
        frame = frame.sort_values([schema.UNIQUE_ID, schema.DS])
        frame[schema.Y] = filled_sales(frame, season)
    frame["team"] = frame[schema.UNIQUE_ID].map(teams).astype(str)
    wide = frame.pivot_table(
        index=schema.DS, columns="team", values=schema.Y, aggfunc="sum", fill_value=0.0
    )
    return wide.sort_index().astype(float)


def year_periods(freq: str, season: int) -> int:
    """Periods from a window to the same window a year before: 364 days (the same weekday),
    52 weeks, 12 months, 4 quarters."""
    code = (freq or "").upper()[:1]
    return {"D": 364, "W": 52, "M": 12, "Q": 4}.get(code, max(season, 1))


def periods_per_year(freq: str, season: int) -> float:
    code = (freq or "").upper()[:1]
    return {"D": 365.0, "W": 52.0, "M": 12.0, "Q": 4.0, "A": 1.0, "Y": 1.0}.get(code, season)


def calibrate(
    totals: pd.DataFrame,
    horizon: int,
    freq: str,
    *,
    model: str = "snaive",
    season: int | None = None,
    step: int | None = None,
    span: int = SPAN,
    plan_model: str = "",
    family: bool = True,
    cache: dict[tuple[str, int], float] | None = None,
    sizes: np.ndarray | None = None,
) -> StretchCalibration:
    """Backtest ``totals`` (ds x team, see ``team_totals``; ``TOTAL`` is the sum of the teams)
    with ``model`` at origins ``step`` periods apart, the last one a horizon before the end, and
    fit the predictive of the next window (the one a plan made now covers). ``plan_model``: the
    model of the plan's baseline when it is not ``model``; ``family``: whether ``model`` is that
    model's own family (see ``reach_probability``). ``cache``: forecasts by (team, origin), to
    share between calibrations of growing prefixes of the same totals (the benchmark).
    ``sizes``: each period's size, for the periods of ``totals`` and the ``horizon`` after them
    (the weeks of a month or quarter whose sales are weekly sums, ``period_weeks``), as the
    baseline reads them: the backtest forecasts sales per unit of size (``forecast_total``)."""
    from forecast.engine.calendar import season_length

    season = season or season_length(freq)
    step = step or default_step(model, season, horizon)
    lag = math.ceil(horizon / step)  # origins per horizon
    rows = span * lag
    data = totals.astype(float)
    values = data.to_numpy(dtype=float)
    members = [str(c) for c in data.columns]
    teams = [*members, TOTAL]
    n = len(values)
    origins: list[int] = []
    origin = n - horizon
    while origin >= min_train(model, season, horizon) and len(origins) < 2 * rows + lag:
        origins.append(origin)
        origin -= step
    origins.sort()
    memo: dict[tuple[str, int], float] = cache if cache is not None else {}

    def forecast(j: int, o: int) -> float:
        key = (f"{members[j]}|{model}|{horizon}", o)
        if key not in memo:
            memo[key] = forecast_total(values[:o, j], horizon, model, season, sizes)
        return memo[key]

    def window_miss(o: int) -> np.ndarray:
        """log(actual / forecast) of the window starting at ``o`` per team (NaN: none)."""
        out = np.full(len(teams), np.nan)
        if o < min_train(model, season, horizon) or o + horizon > n:
            return out
        forecasts = [forecast(j, o) for j in range(len(members))]
        actuals = values[o : o + horizon].sum(axis=0)
        for j, (f, a) in enumerate(
            zip([*forecasts, sum(forecasts)], [*actuals, actuals.sum()], strict=True)
        ):
            if f > 0 and a > 0:
                out[j] = math.log(a / f)
        return out

    z = np.array([window_miss(o) for o in origins]).reshape(len(origins), len(teams))
    # The same weeks a year before each window (and the planned one): a model whose season is
    # shorter than a year (a week of days) misses the yearly pattern the same way each year.
    year = year_periods(freq, season)
    year_ago = None
    if season < year and horizon <= year:
        year_ago = (
            np.array([window_miss(o - year) for o in origins]).reshape(len(origins), len(teams)),
            window_miss(n - year),
        )
    anchors = [forecast(j, n) for j in range(len(members))]
    anchor = dict(zip(teams, [*anchors, sum(anchors)], strict=True))
    half_life = HALF_LIFE_YEARS * periods_per_year(freq, season) / step
    fitted = sp.fit(
        z,
        teams,
        lag=lag,
        span=rows,
        step=step,
        horizon=horizon,
        total=TOTAL,
        half_life=half_life,
        rules=sp.BIAS_RULES if model in CHEAP_MODELS else ("zero", "mean", "last"),
        year_ago=year_ago,
    )
    windows = 0
    if fitted is not None and origins:
        # From the first origin a rule looked at (for the oldest residual, or for the planned
        # window) to the end of the last window.
        first = max(0, min(len(origins) - rows - lag - rows + 1, len(origins) - rows))
        if fitted.replayed:  # the recalibration replayed the fit from the first origins on
            first = 0
        earliest = origins[first]
        if year_ago is not None and np.isfinite(year_ago[0]).any():
            earliest = min(
                earliest, origins[int(np.isfinite(year_ago[0]).any(axis=1).argmax())] - year
            )
        windows = (origins[-1] + horizon - earliest) // horizon
    usable = fitted is not None and windows >= MIN_WINDOWS
    note = ""
    if not usable:
        need = min_train(model, season, horizon) + MIN_WINDOWS * horizon
        note = (
            f"only {windows} past {horizon}-{period_word(freq)} window(s) fit in {n} periods of "
            f"history; {MIN_WINDOWS} need about {need} periods"
        )
    return StretchCalibration(
        model=model,
        horizon=horizon,
        freq=freq,
        windows=windows,
        step=step,
        log_ratios={
            team: [float(x) for x in z[:, j] if math.isfinite(x)] for j, team in enumerate(teams)
        },
        note=note,
        method=METHOD,
        anchor={k: float(v) for k, v in anchor.items()},
        predictive=(
            {t: p.to_dict() for t, p in fitted.by_team.items()} if fitted is not None else {}
        ),
        rule=fitted.rule if fitted is not None else "",
        weights=dict(fitted.weights) if fitted is not None else {},
        residuals=fitted.residuals if fitted is not None else 0,
        plan_model="" if plan_model == model else plan_model,
        family=family,
        replayed=fitted.replayed if fitted is not None else 0,
        recalibrated=fitted.recalibrated if fitted is not None else False,
        unseen=unseen_share(totals.index, horizon, freq),
    )


def calibrate_plan(
    totals: pd.DataFrame,
    horizon: int,
    freq: str,
    plan_model: str,
    models_used: dict[str, int] | None = None,
    *,
    season: int | None = None,
    cache: dict[tuple[str, int], float] | None = None,
    sizes: np.ndarray | None = None,
) -> StretchCalibration:
    """The calibration of a plan whose baseline came from ``plan_model``: its own family
    backtested (``calibration_model``); when that leaves too few windows (a fitted model needs two
    seasons before its first origin), the seasonal naive as a stand-in (its own forecast and
    predictive, see ``reach_probability``)."""
    from forecast.engine.calendar import season_length

    model, family = calibration_model(plan_model, models_used)
    season = season or season_length(freq)
    need = min_train(model, season, horizon) + MIN_WINDOWS * horizon
    if model in CHEAP_MODELS or len(totals) >= need:  # else: do not spend the fits
        cal = calibrate(
            totals,
            horizon,
            freq,
            model=model,
            season=season,
            plan_model=plan_model,
            family=family,
            cache=cache,
            sizes=sizes,
        )
        if cal.usable or model in CHEAP_MODELS:
            return cal
    stand_in = calibrate(
        totals,
        horizon,
        freq,
        model="snaive",
        season=season,
        plan_model=plan_model,
        family=False,
        cache=cache,
        sizes=sizes,
    )
    if stand_in.usable:
        stand_in.note = (
            f"{model_label(model)} needs {need} periods for {MIN_WINDOWS} windows of its own, "
            f"the history has {len(totals)}"
        )
    return stand_in


EVENTS_NOTE = "the events in the system plan count at their stated size"


def reach_probability(
    cal: StretchCalibration, team: str, expected: float, target: float
) -> float | None:
    """P(actual total >= target) for ``team`` whose baseline total is ``expected``; None when the
    calibration does not hold the team.

    The actual total is the baseline total times the team's predicted miss: centre and spread
    learned from the backtest of the plan's own model family. When a stand-in was backtested
    (the plan's model is too costly to refit at every origin, or its history too short), the
    plan's own misses are unknown, so the stand-in's predictive of the actual total is used
    whole: its own forecast of the window times its predicted miss, whose calibration was
    checked on its past windows. (The plan's baseline centred with the stand-in's spread would
    assume the plan unbiased, which nothing has checked.) The share of the window in parts of the
    year the history has never seen (``cal.unseen``) is an even chance."""
    params = cal.predictive.get(team)
    if not cal.usable or params is None:
        return None
    if target <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    predictive = sp.Predictive(**params)
    if not cal.on_anchor(team, expected):
        anchor = cal.anchor.get(team)
        if anchor is None or anchor <= 0:
            return None
        expected = anchor  # the stand-in's own forecast: its predictive of the actual total
    p = predictive.reach(math.log(target / expected))
    # What the history has never seen counts as an even chance (``stretch_calendar``).
    return (1.0 - cal.unseen) * p + cal.unseen * 0.5


def apply_calibration(table: pd.DataFrame, cal: StretchCalibration | None) -> pd.DataFrame:
    """Replace the ``probability_reach`` of a stretch table (team, target, expected, ...) by the
    calibrated probability where the calibration holds the team; add ``calibrated`` (bool) and
    ``rests_on`` (what each row's probability rests on, in words).

    With ``expected_baseline`` (the model's expectation, while ``expected`` is the system
    plan's: baseline plus events), the events count at their stated size: the actual total is
    the baseline's predictive times ``expected / expected_baseline``, so a target is judged
    against the calibration at ``target`` over that factor (a +30 % promotion in the system plan
    is not read as a 30 % stretch, nor a purchase limit ignored)."""
    out = table.copy()
    calibrated: list[bool] = []
    rests_on: list[str] = []
    probability: list[float] = []
    fallback = (
        cal.rests_on()
        if cal is not None
        else "Not calibrated: no backtest for this plan. Shown from the baseline's intervals "
        "with periods assumed independent, which is too confident."
    )
    with_events = False
    for row in out.to_dict("records"):
        team, target = str(row["team"]), float(row["target"])
        model = float(row.get("expected_baseline", row["expected"]))
        factor = float(row["expected"]) / model if model > 0 else 1.0
        with_events = with_events or not math.isclose(factor, 1.0, rel_tol=1e-12)
        p = None
        if cal is not None:
            # events that take the whole total to zero leave an expectation of zero
            p = (
                reach_probability(cal, team, model, target / factor)
                if factor > 0
                else reach_probability(cal, team, 0.0, target)
            )
        calibrated.append(p is not None)
        rests_on.append(
            cal.rests_on(on_anchor=cal.on_anchor(team, model))
            if p is not None and cal is not None
            else fallback
        )
        probability.append(p if p is not None else float(row["probability_reach"]))
    if with_events:
        rests_on = [f"{text}; {EVENTS_NOTE}" for text in rests_on]
    out["probability_reach"] = probability
    out["calibrated"] = calibrated
    out["rests_on"] = rests_on
    return out
