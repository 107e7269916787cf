"""A calibrated stretch: how likely actuals reach a target, from this engine's own past misses.

A rolling-origin backtest of TEAM TOTALS over the plan's horizon: at each past origin a cheap model
(seasonal naive, or ETS) forecasts every team's total over the next ``horizon`` periods from the
history before that origin, and the miss is recorded as ``log(actual_total / forecast_total)``.
Because whole windows are compared, correlation across the periods of a window (and across the
series of a team) is in the recorded misses; nothing assumes independent periods.

The probability that actuals reach ``target`` given the plan's expected total ``expected`` is the
predictive probability of a Student t fitted to the team's recorded log ratios (mean = the model's
bias, scale = their spread, widened by ``sqrt(1 + 1/n)`` for a future draw; the spread is shrunk
towards the spread pooled over all teams, which steadies teams with few windows).

Pure: pandas/numpy/scipy in, plain values out, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtr

from forecast import schema

TOTAL = "TOTAL"
MIN_WINDOWS = 3  # fewer past windows than this: no calibrated probability
MAX_WINDOWS = 8
# The model's bias drifts between windows (growth speeds up, promotions move), so the mean of
# past misses is less certain than n independent draws would make it: its variance is taken as
# MEAN_DRIFT times sd^2 / n (1.0 = independent windows).
MEAN_DRIFT = 1.0
# The mean miss is shrunk towards 0 (no bias) as if MEAN_SHRINK windows with no miss were added.
MEAN_SHRINK = 0.0
HALF_LIFE: float | None = None  # in horizons: recent windows weigh more in the model's bias
MODEL_LABELS = {"snaive": "seasonal naive", "ets": "ETS", "naive": "naive"}
# Models cheap enough to backtest at creation. ETS is not: at a 52-week season it takes seconds
# per window and needs two seasons before the first one, which leaves too few windows.
CHEAP_MODELS = ("snaive", "naive")


@dataclass
class StretchCalibration:
    """The recorded misses of past windows, per team (and ``TOTAL``); stored with the plan."""

    model: str  # the model that was backtested (snaive, naive, ets)
    horizon: int
    freq: str
    windows: int  # past windows that every team has
    step: int = 0  # periods between window origins (0: the horizon, windows do not overlap)
    log_ratios: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""  # why there is no calibration, when windows < MIN_WINDOWS

    @property
    def usable(self) -> bool:
        return self.windows >= MIN_WINDOWS

    def rests_on(self) -> str:
        """What the probability rests on, in words, for the pages and the CLI."""
        label = MODEL_LABELS.get(self.model, self.model)
        span = f"{self.horizon}-{period_word(self.freq)}"
        if not self.usable:
            return (
                f"Not calibrated: {self.note or 'the history is too short'}. Shown from the "
                "baseline's intervals with periods assumed independent, which is too confident."
            )
        return (
            f"from {self.windows} past {span} windows of this history "
            f"(backtest of team totals, {label})"
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


def calibrate(
    totals: pd.DataFrame,
    horizon: int,
    freq: str,
    *,
    model: str = "snaive",
    season: int | None = None,
    max_windows: int = MAX_WINDOWS,
    step: int | None = None,
) -> StretchCalibration:
    """Backtest ``totals`` (ds x team, see ``team_totals``) at origins stepping back from the end
    by ``step`` (default: the horizon, so windows do not overlap); a ``TOTAL`` column is added."""
    from forecast.engine.calendar import season_length

    season = season or season_length(freq)
    step = step or horizon
    data = totals.copy()
    data[TOTAL] = data.sum(axis=1)
    values = data.to_numpy(dtype=float)
    n = len(values)
    origins: list[int] = []
    origin = n - horizon
    while origin >= _min_train(model, season) and len(origins) < max_windows:
        origins.append(origin)
        origin -= step
    log_ratios: dict[str, list[float]] = {str(c): [] for c in data.columns}
    for o in sorted(origins):
        for j, col in enumerate(data.columns):
            forecast = _forecast_total(values[:o, j], horizon, model, season)
            actual = float(values[o : o + horizon, j].sum())
            if forecast > 0 and actual > 0:
                log_ratios[str(col)].append(math.log(actual / forecast))
    windows = min((len(v) for v in log_ratios.values()), default=0)
    note = ""
    if windows < MIN_WINDOWS:
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
        log_ratios=log_ratios,
        note=note,
    )


def _pooled_sd(cal: StretchCalibration) -> float | None:
    sq, dof = 0.0, 0
    for team, values in cal.log_ratios.items():
        if team == TOTAL or len(values) < 2:
            continue
        arr = np.asarray(values)
        sq += float(((arr - arr.mean()) ** 2).sum())
        dof += len(arr) - 1
    return math.sqrt(sq / dof) if dof else None


def reach_probability(
    cal: StretchCalibration,
    team: str,
    expected: float,
    target: float,
    *,
    shrink: float = 2.0,
    half_life: float | None = HALF_LIFE,
) -> float | None:
    """P(actual total >= target) for a team whose forecast total is ``expected``; None when the
    calibration has too few windows for this team."""
    values = np.asarray(cal.log_ratios.get(team, []), dtype=float)
    n = len(values)
    if n < MIN_WINDOWS or not cal.usable:
        return None
    if target <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    weights = np.ones(n)
    if half_life:
        # Recent windows weigh more: the model's bias drifts (growth speeds up, slows down).
        age = (n - 1 - np.arange(n)) * (cal.step or cal.horizon) / cal.horizon
        weights = 0.5 ** (age / half_life)
    weights = weights / weights.sum()
    mean = float((weights * values).sum()) * n / (n + MEAN_SHRINK)
    sd = float(values.std(ddof=1))
    pooled = _pooled_sd(cal)
    if pooled is not None and team != TOTAL:
        sd = math.sqrt(((n - 1) * sd**2 + shrink * pooled**2) / (n - 1 + shrink))
    # Overlapping windows (step < horizon) are not independent draws: count them as the number
    # of non-overlapping windows they span, for the t's degrees of freedom and the mean's error.
    n_eff = max(2.0, (n - 1) * min(cal.step or cal.horizon, cal.horizon) / cal.horizon + 1)
    scale = sd * math.sqrt(1.0 + MEAN_DRIFT / n_eff)
    needed = math.log(target / expected)
    if scale <= 0:
        return 1.0 if mean >= needed else 0.0
    # The Student t's survival function (what scipy.stats.t.sf computes, without importing all
    # of scipy.stats in the request that needs it first).
    return float(stdtr(n_eff - 1, -(needed - mean) / scale))


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
        rests_on.append(cal.rests_on() if p is not None and cal is not None else fallback)
        probability.append(p if p is not None else float(row["probability_reach"]))
    out["probability_reach"] = probability
    out["calibrated"] = calibrated
    out["rests_on"] = rests_on
    return out
