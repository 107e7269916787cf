"""A calibrated stretch: how likely actuals reach a target, from this engine's own past misses.

A rolling-origin backtest of TEAM TOTALS over the plan's horizon: at past origins a cheap model
(seasonal naive, or the plan's own model when that is cheap) forecasts every team's total over the
next ``horizon`` periods from the history before that origin, and the miss is recorded as
``log(actual_total / forecast_total)``. Because whole windows are compared, correlation across the
periods of a window (and across the series of a team) is in the recorded misses; nothing assumes
independent periods. Origins are ``step`` periods apart (one period, or one season when the season
is shorter than the horizon, e.g. a week of days), so the windows overlap: many more of them, and
``forecast.engine.stretch_predictive`` counts them as the horizons they span.

The predictive distribution of the miss of the window being planned is learned from those misses
(``stretch_predictive``: the better of two rules replayed on the past, with the spread of its own
out-of-sample errors). It is a distribution of the actual total around the BACKTESTED model's
forecast of the planned window (``anchor``), because that is the forecast whose misses were
measured: the plan's own baseline (often another model) is not what was backtested, so the
probability of a target is ``P(anchor * exp(miss) >= target)``, whatever the baseline says.

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

TOTAL = "TOTAL"
METHOD = "overlapping-residuals-v2"  # stored calibrations of another method are recomputed
MIN_WINDOWS = 3  # past windows the misses must span; fewer: no calibrated probability
SPAN = 8  # horizons of past misses each rule averages over, and of out-of-sample errors kept
MODEL_LABELS = {"snaive": "seasonal naive", "ets": "ETS", "naive": "naive"}
# Models cheap enough to backtest at creation. ETS is not: at a 52-week season it takes seconds
# per window and needs two seasons before the first one, which leaves too few windows.
CHEAP_MODELS = ("snaive", "naive")


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
    rule: str = ""  # the rule the predictive is centred on (stretch_predictive.RULES)
    residuals: int = 0  # past origins predicted out of sample for the spread
    plan_model: str = ""  # the model of the plan's baseline ("" or ``model``: the one backtested)

    @property
    def backtests_the_plan(self) -> bool:
        """Whether the misses are those of the model that made the plan's baseline."""
        return self.plan_model in ("", self.model)

    def on_anchor(self, team: str, expected: float) -> bool:
        """Whether ``team``'s baseline total ``expected`` is the backtested model's forecast: the
        model made the plan, or another model (auto) gave exactly the same total."""
        if self.backtests_the_plan:
            return True
        anchor = self.anchor.get(team)
        return anchor is not None and math.isclose(anchor, expected, rel_tol=1e-9, abs_tol=1e-6)

    @property
    def usable(self) -> bool:
        return self.method == METHOD and self.windows >= MIN_WINDOWS and bool(self.predictive)

    def rests_on(self, *, on_anchor: bool | None = None) -> str:
        """What the probability rests on, in words, for the pages and the CLI; ``on_anchor``:
        whether it is centred on the backtested forecast (default: when that made the plan)."""
        label = MODEL_LABELS.get(self.model, self.model)
        word = period_word(self.freq)
        span = f"{self.horizon}-{word}"
        if not self.usable:
            return (
                f"Not calibrated: {self.note or 'the history is too short'}. Shown from the "
                "baseline's intervals with periods assumed independent, which is too confident."
            )
        every = f"every {word}" if self.step == 1 else f"every {self.step} {word}s"
        if on_anchor is None:
            on_anchor = self.backtests_the_plan
        centred = (
            sp.RULE_WORDS.get(self.rule, "")
            if on_anchor
            else f"its spread around the {self.plan_model} baseline"
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
            residuals=int(data.get("residuals", 0)),
            plan_model=str(data.get("plan_model", "")),
        )


def period_word(freq: str) -> str:
    code = (freq or "").upper()
    return {"W": "week", "D": "day", "M": "month", "Q": "quarter"}.get(code[:1], "period")


def calibration_model(plan_model: str) -> str:
    """The plan's own model when it is cheap; seasonal naive otherwise (auto, ETS, ARIMA, Prophet)."""
    return plan_model if plan_model in CHEAP_MODELS else "snaive"


def team_totals(history: pd.DataFrame, teams: pd.Series) -> pd.DataFrame:
    """A ds x team matrix of summed sales (missing values count as 0)."""
    frame = history[[schema.UNIQUE_ID, schema.DS, schema.Y]].copy()
    frame["team"] = frame[schema.UNIQUE_ID].map(teams).astype(str)
    wide = frame.pivot_table(
        index=schema.DS, columns="team", values=schema.Y, aggfunc="sum", fill_value=0.0
    )
    return wide.sort_index().astype(float)


def _forecast_total(y: np.ndarray, h: int, model: str, season: int) -> float:
    if model in ("snaive", "naive"):
        m = season if model == "snaive" and len(y) >= season else 1
        last = y[-m:]
        return float(last[np.arange(h) % m].sum())
    from forecast.engine.models import make_model

    try:
        fitted = make_model(model, season).fit(y)
        return float(np.clip(fitted.predict(h, levels=())["mean"], 0, None).sum())
    except Exception:  # a failed fit on one window falls back to the seasonal naive
        return _forecast_total(y, h, "snaive", season)


def _min_train(model: str, season: int) -> int:
    return 2 * season if model == "ets" else max(season, 1)


def default_step(model: str, season: int, horizon: int) -> int:
    """Periods between origins: one period (a season when it is shorter than the horizon, so
    that every window starts on the same weekday); the horizon for a costly model."""
    if model not in CHEAP_MODELS:
        return horizon
    return season if 1 < season < horizon else 1


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
) -> StretchCalibration:
    """Backtest ``totals`` (ds x team, see ``team_totals``; a ``TOTAL`` column is added) at
    origins ``step`` periods apart, the last one a horizon before the end, and fit the predictive
    of the next window (the one a plan made now covers). ``plan_model``: the model of the plan's
    baseline, when it is not ``model`` (see ``reach_probability``)."""
    from forecast.engine.calendar import season_length

    season = season or season_length(freq)
    step = step or default_step(model, season, horizon)
    lag = math.ceil(horizon / step)  # origins per horizon
    rows = span * lag
    data = totals.copy()
    data[TOTAL] = data.sum(axis=1)
    values = data.to_numpy(dtype=float)
    teams = [str(c) for c in data.columns]
    n = len(values)
    origins: list[int] = []
    origin = n - horizon
    while origin >= _min_train(model, season) and len(origins) < 2 * rows + lag:
        origins.append(origin)
        origin -= step
    origins.sort()
    z = np.full((len(origins), len(teams)), np.nan)
    for i, o in enumerate(origins):
        for j in range(len(teams)):
            forecast = _forecast_total(values[:o, j], horizon, model, season)
            actual = float(values[o : o + horizon, j].sum())
            if forecast > 0 and actual > 0:
                z[i, j] = math.log(actual / forecast)
    anchor = {
        team: _forecast_total(values[:, j], horizon, model, season) for j, team in enumerate(teams)
    }
    fitted = sp.fit(z, teams, lag=lag, span=rows, step=step, horizon=horizon, total=TOTAL)
    windows = 0
    if fitted is not None and origins:
        # From the first origin a rule looked at (for the oldest residual, or for the planned
        # window) to the end of the last window.
        first = max(0, min(len(origins) - rows - lag - rows + 1, len(origins) - rows))
        windows = (origins[-1] + horizon - origins[first]) // horizon
    usable = fitted is not None and windows >= MIN_WINDOWS
    note = ""
    if not usable:
        need = _min_train(model, season) + MIN_WINDOWS * horizon
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
        residuals=fitted.residuals if fitted is not None else 0,
        plan_model="" if plan_model == model else plan_model,
    )


def reach_probability(
    cal: StretchCalibration, team: str, expected: float, target: float
) -> float | None:
    """P(actual total >= target) for ``team`` whose baseline total is ``expected``; None when the
    calibration does not hold the team.

    When the backtested model made the baseline (or the baseline total is exactly its forecast),
    the actual total is the team's predictive miss around that model's forecast of the planned
    window (its ``anchor``). When another model made it (auto, ETS, ARIMA, Prophet), the backtested
    model's bias says nothing about that model's: the distribution is centred on the baseline,
    with the spread of the backtested model's out-of-sample errors (wider than a better model's,
    so cautious)."""
    params = cal.predictive.get(team)
    if not cal.usable or params is None:
        return None
    if target <= 0:
        return 1.0
    predictive = sp.Predictive(**params)
    if cal.on_anchor(team, expected):
        anchor = cal.anchor.get(team, expected)
    else:
        anchor, predictive.centre = expected, 0.0
    if anchor <= 0:
        return 0.0
    return predictive.reach(math.log(target / anchor))


def apply_calibration(table: pd.DataFrame, cal: StretchCalibration | None) -> pd.DataFrame:
    """Replace the ``probability_reach`` of a stretch table (team, target, expected, ...) by the
    calibrated probability where the calibration holds the team; add ``calibrated`` (bool) and
    ``rests_on`` (what each row's probability rests on, in words)."""
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
    for row in out.to_dict("records"):
        p = (
            None
            if cal is None
            else reach_probability(
                cal, str(row["team"]), float(row["expected"]), float(row["target"])
            )
        )
        calibrated.append(p is not None)
        rests_on.append(
            cal.rests_on(on_anchor=cal.on_anchor(str(row["team"]), float(row["expected"])))
            if p is not None and cal is not None
            else fallback
        )
        probability.append(p if p is not None else float(row["probability_reach"]))
    out["probability_reach"] = probability
    out["calibrated"] = calibrated
    out["rests_on"] = rests_on
    return out
