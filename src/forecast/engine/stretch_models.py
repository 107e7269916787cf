"""Which model backtests a plan's team totals, and its forecast of a window's total.

The plan's own model family (``calibration_model``): the naive models, ETS, Fourier ETS, Theta, or a
mean/median of them (``auto``'s labels); members too costly to refit at every origin (Prophet,
ARIMA, LightGBM) get a cheap stand-in of the same kind. Pure numpy.
"""

from __future__ import annotations

import numpy as np

MODEL_LABELS = {
    "snaive": "seasonal naive",
    "ets": "ETS",
    "naive": "naive",
    "fourier_ets": "Fourier ETS",
    "theta": "Theta",
    "dyn_theta": "Theta (standard, optimised or dynamic)",
    "stl_ets": "STL + ETS",
    "stat_ensemble": "stat ensemble (ETS, Theta, STL + ETS)",
    "lightgbm": "LightGBM (global)",
    "prophet": "Prophet",
    "arima": "ARIMA",
}
# Refitted at every period's origin (closed form).
CHEAP_MODELS = ("snaive", "naive")
# Fitted at team level at origins one horizon apart (tens of milliseconds a fit).
TEAM_MODELS = (*CHEAP_MODELS, "ets", "fourier_ets", "theta", "dyn_theta", "stl_ets")
# Too costly to refit at every origin: a cheap model of the same kind stands in.
STAND_INS = {
    "prophet": "fourier_ets",
    "lightgbm": "fourier_ets",
    "arima": "ets",
    "hw": "ets",
    "stat_ensemble": "stl_ets",
    "opt_theta": "dyn_theta",
}
"""(The stat ensemble refits three models at every origin; its STL + ETS member stands in. The
retired holdout-optimised Theta, in the model column of plans made before 2026-12-02 15:00, is
backtested by the Theta that replaced it.)"""
MIN_SEASONS = 2  # seasons of history a fitted model has at its first backtest origin


def label_members(label: str) -> tuple[str, tuple[str, ...]]:
    """(combiner, members) of a model label: ``ets``, ``mean(ets,prophet)``, ``median(a,b,c)``;
    a note after it (``snaive (a gap of 25 periods ...)``) is not part of the model."""
    label = base_label(label)
    if "(" in label and label.endswith(")"):
        combiner, inner = label[:-1].split("(", 1)
        return combiner.strip(), tuple(m.strip() for m in inner.split(",") if m.strip())
    return "single", (label,)


def base_label(label: str) -> str:
    """A model column's label without the note the engine may add after a space (why a member
    was left out, a gap, a series that ended early): combinations have no space before "("."""
    return label.strip().split(" (", 1)[0].strip()


def model_label(model: str) -> str:
    combiner, members = label_members(model)
    words = [MODEL_LABELS.get(m, m) for m in members]
    if len(words) == 1:
        return words[0]
    return f"{combiner} of {', '.join(words[:-1])} and {words[-1]}"


def calibration_model(
    plan_model: str, models_used: dict[str, int] | None = None
) -> tuple[str, bool]:
    """The model to backtest team totals with, and whether it is the plan's own family.

    ``plan_model`` is what the plan asked for; for ``auto`` the label most series got
    (``models_used``) is taken. Members that cannot be refitted cheaply at every origin get their
    stand-in (``STAND_INS``); anything else unknown, seasonal naive (not the plan's family)."""
    label = plan_model
    if plan_model == "auto":
        if not models_used:
            return "snaive", False
        counts: dict[str, int] = {}
        for used, n in models_used.items():
            counts[base_label(used)] = counts.get(base_label(used), 0) + n
        label = max(sorted(counts), key=lambda k: counts[k])
    combiner, members = label_members(label)
    backtested: list[str] = []
    family = True
    for member in members:
        use = member if member in TEAM_MODELS else STAND_INS.get(member, "snaive")
        family = family and use == member
        if use not in backtested:
            backtested.append(use)
    if len(backtested) == 1:
        return backtested[0], family
    if combiner not in ("mean", "median") or len(backtested) == 2 and combiner == "median":
        combiner = "mean"
    return f"{combiner}({','.join(backtested)})", family


def forecast_total(
    y: np.ndarray, h: int, model: str, season: int, weights: np.ndarray | None = None
) -> float:
    """``model``'s forecast of the total of the next ``h`` periods after ``y`` (a combination
    label averages its members' totals). ``weights`` (one per period of ``y`` and of the ``h``
    after it): each period's size, such as the weeks a month holds (``period_weeks``); the model
    then forecasts ``y`` per unit of size, and each future period gets its own size back."""
    combiner, members = label_members(model)
    if len(members) > 1:
        parts = [forecast_total(y, h, m, season, weights) for m in members]
        return float(np.median(parts) if combiner == "median" else np.mean(parts))
    size = np.ones(len(y) + h) if weights is None else np.asarray(weights[: len(y) + h], float)
    rate = np.asarray(y, dtype=float) / size[: len(y)]
    return float((_forecast_rate(rate, h, model, season) * size[len(y) :]).sum())


def _forecast_rate(y: np.ndarray, h: int, model: str, season: int) -> np.ndarray:
    """``model``'s forecast of each of the next ``h`` periods after ``y``."""
    if model in ("snaive", "naive"):
        m = season if model == "snaive" and len(y) >= season else 1
        return y[-m:][np.arange(h) % m]
    from forecast.engine.models import make_model

    try:
        fitted = make_model(model, season, base_freq=_base_freq(season)).fit(y)
        return np.clip(fitted.predict(h, levels=())["mean"], 0, None)
    except Exception:  # a failed fit on one window falls back to the seasonal naive
        return _forecast_rate(y, h, "snaive", season)


def _base_freq(season: int) -> str:
    return {7: "D", 52: "W", 12: "M", 4: "Q"}.get(season, "W")


def min_train(model: str, season: int, horizon: int = 0) -> int:
    """History before the first origin: a season for the naive models; for a fitted model two
    seasons (its seasonal form needs them: with less it fits another form, whose misses say
    little about the plan's) and two horizons."""
    if model in CHEAP_MODELS:
        return max(season, 1)
    return max(MIN_SEASONS * season, 2 * horizon, 10)


def default_step(model: str, season: int, horizon: int) -> int:
    """Periods between origins: one period (a season when it is shorter than the horizon, so
    that every window starts on the same weekday); the horizon for a fitted model."""
    if model not in CHEAP_MODELS:
        return horizon
    return season if 1 < season < horizon else 1
