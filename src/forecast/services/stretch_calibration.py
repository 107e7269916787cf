"""The stretch calibration of a plan: computed once at creation and stored in the plan document;
plans made before it existed get it computed on first use and kept in memory per plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine import period_weeks, stretch_predictive
from forecast.engine import stretch as engine_stretch
from forecast.engine.calendar import season_length
from forecast.plan import PlanState
from forecast.services.cache import PerStoreCache
from forecast.store import PlanRepository

_LAZY: PerStoreCache[engine_stretch.StretchCalibration] = PerStoreCache(size=8)


def compute(
    history: pd.DataFrame,
    teams: pd.Series,
    *,
    horizon: int,
    freq: str,
    plan_model: str,
    models_used: dict[str, int] | None = None,
) -> engine_stretch.StretchCalibration:
    """Backtest team totals with the plan's own model family (for ``auto``, the label most series
    got in ``models_used``; a cheap stand-in for Prophet, ARIMA, LightGBM) over past windows of
    the plan's horizon, and fit the predictive miss."""
    totals = engine_stretch.team_totals(history, teams, season_length(freq))
    sizes = period_sizes(history, totals.index, horizon, freq)
    return engine_stretch.calibrate_plan(
        totals, horizon, freq, plan_model, models_used, sizes=sizes
    )


def period_sizes(
    history: pd.DataFrame, dates: pd.Index, horizon: int, freq: str
) -> np.ndarray | None:
    """Where the plan's monthly or quarterly sales are weekly sums (``period_weeks``, as its
    baseline reads them): the weeks of each period of ``dates`` and of the ``horizon`` after them
    against an average period's, else None."""
    weekly_sums = period_weeks.weekly_sums_of(history, freq)
    if weekly_sums is None or not len(dates):
        return None
    seen = pd.DatetimeIndex(dates)
    periods = pd.DatetimeIndex(seen.append(weekly_sums.periods_after(seen[-1], horizon)))
    return weekly_sums.sizes(periods)


def of_state(
    state: PlanState, history: pd.DataFrame, teams: pd.Series
) -> engine_stretch.StretchCalibration:
    """`compute` with the plan's horizon, calendar and model."""
    return compute(
        history,
        teams,
        horizon=state.horizon,
        freq=state.freq,
        plan_model=state.baseline.model,
        models_used=state.baseline.models_used,
    )


def readable(stored: dict[str, Any]) -> engine_stretch.StretchCalibration | None:
    """`stored` (a plan document's ``stretch_calibration``) as the stretch reads it: each team's
    predictive and what the probability rests on; None when it does not read so (a damaged
    document, as an imported bundle may carry), which the stretch then takes as no calibration."""
    try:
        calibration = engine_stretch.StretchCalibration.from_dict(stored)
        for params in calibration.predictive.values():
            stretch_predictive.Predictive(**params).reach(0.0)
        calibration.rests_on(on_anchor=True)
        calibration.rests_on(on_anchor=False)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        return None
    return calibration


def of_plan(
    store: PlanRepository,
    state: PlanState,
    inputs: Callable[[], tuple[pd.DataFrame, pd.Series]],
) -> engine_stretch.StretchCalibration:
    """The stored calibration of `state`, else one computed now (kept in memory, not written):
    also when the stored one was made by an older method (``engine_stretch.METHOD``) or does not
    read (`readable`). `inputs()` gives (history, unique_id -> team); it is called only to
    compute one."""
    stored = readable(state.stretch_calibration) if state.stretch_calibration else None
    if (
        stored is not None
        and stored.horizon == state.horizon
        and stored.method == engine_stretch.METHOD
    ):
        return stored
    key = (
        state.plan_id,
        state.dataset.history_hash,
        state.team_attr,
        state.horizon,
        engine_stretch.METHOD,
    )
    return _LAZY.get(store, state, key, lambda: of_state(state, *inputs()))
