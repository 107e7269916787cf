"""Prophet behind one adapter: the only module that imports ``prophet``.

Country holidays via ``holidays`` (e.g. ``"DE"``), flag columns as extra regressors (their
future values from ``future_exog``, 0 when unknown). Prophet's own sampling of intervals is
slow, so ``uncertainty_samples=0`` and the intervals come from the fitted noise scale
(``sigma_obs``), widening slowly with the horizon for the trend's uncertainty.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.models.base import ModelError, as_float_array, normal_intervals
from forecast.engine.quiet import quiet_warnings

MAX_ITER = 500
DEFAULT_YEARLY_ORDER = 10
"""Prophet's own Fourier order of the yearly pattern (kept for daily and weekly data)."""
CONDITIONAL_WEEKLY = True

_SEASONALITY: dict[str, dict[str, Any]] = {
    "D": dict(weekly_seasonality=True, yearly_seasonality="auto", daily_seasonality=False),
    "W": dict(weekly_seasonality=False, yearly_seasonality=True, daily_seasonality=False),
    "M": dict(weekly_seasonality=False, yearly_seasonality=True, daily_seasonality=False),
    "Q": dict(weekly_seasonality=False, yearly_seasonality=True, daily_seasonality=False),
}


def yearly_order(season_length: int) -> int:
    """Fourier order of the yearly pattern on monthly or quarterly data: as many harmonics as
    periods a year can show (6 for months, 2 for quarters). Prophet's default of 10 gives twelve
    monthly values 20 columns whose upper harmonics alias onto the lower ones: on two years of
    monthly sales it fitted the history exactly, forecast a July at half of the year before and
    gave intervals of no width (Rossmann's 100 stores by month, benchmarks/README.md)."""
    return min(DEFAULT_YEARLY_ORDER, max(season_length // 2, 1))


def holiday_weeks(country: str, ds: pd.Series, offset: str | None) -> pd.DataFrame:
    """Country holidays moved onto the weekly calendar of ``ds``.

    Prophet applies a holiday only on its exact date, which weekly data (one date a week)
    rarely hits. Each holiday is put on the week that contains it (weeks start at the dates of
    the series), with its own effect for the week before and after, so weeks labelled by their
    start or by their end (Walmart's Fridays end their week) both get the effect."""
    import holidays as holiday_calendars

    first = pd.Timestamp(ds.iloc[0])
    years = range(first.year - 1, pd.Timestamp(ds.iloc[-1]).year + 3)
    try:
        calendar = holiday_calendars.country_holidays(country, years=years)
    except NotImplementedError as exc:
        raise ModelError(f"unknown holiday country {country!r}") from exc
    rows = []
    for day, name in sorted(calendar.items()):
        week = first + pd.Timedelta(weeks=(pd.Timestamp(day) - first).days // 7)
        # separate names rather than Prophet's day windows: 3 features instead of 15
        for shift, suffix in ((-1, " (week before)"), (0, ""), (1, " (week after)")):
            rows.append((f"{name}{suffix}", week + pd.Timedelta(weeks=shift)))
    frame = pd.DataFrame(rows, columns=["holiday", "ds"]).drop_duplicates()
    frame["ds"] = pd.to_datetime(frame["ds"]).astype("datetime64[ns]")
    return frame


def _quiet() -> None:
    for name in ("prophet", "cmdstanpy"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        logger.propagate = False
        if not logger.handlers:
            # cmdstanpy installs its own INFO handler (and DEBUG level) on a logger without one
            logger.addHandler(logging.NullHandler())


def _degrees_of_freedom_factor(model: Any, n: int) -> float:
    """``sqrt(n / (n - p))`` for the ``p`` coefficients the fit estimated (seasonal, holiday and
    regressor columns that are not all zero, plus the trend's slope and offset): the fitted noise
    scale is the residuals' own, which a model with many columns on a short history makes far
    too small (two years of monthly sales: a third of the true noise)."""
    features = model.make_all_seasonality_features(model.history)[0]
    p = int((features.abs().max(axis=0) > 0).sum()) + 2
    return float(np.sqrt(n / max(n - p, 1)))


class Prophet:
    name = "prophet"

    def __init__(
        self,
        season_length: int = 1,
        holidays: str | None = None,
        exog_names: Sequence[str] = (),
        base_freq: str = "W",
        offset: str | None = None,
    ) -> None:
        self.season_length = season_length
        self.holidays = holidays
        self.exog_names = tuple(exog_names)
        self.base_freq = base_freq
        self.offset = offset
        """Pandas alias of the calendar (e.g. ``W-FRI``); inferred from the dates when None."""

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> Prophet:
        from prophet import Prophet as _Prophet

        _quiet()
        y = as_float_array(y)
        if ds is None or len(ds) != len(y):
            raise ModelError("Prophet needs the dates of the series")
        if len(y) < 4:
            raise ModelError("Prophet needs at least 4 observations")
        frame = pd.DataFrame({"ds": pd.DatetimeIndex(ds).as_unit("ns"), "y": y})
        self._regressors: list[str] = []
        if exog is not None and np.size(exog):
            x = np.asarray(exog, dtype=float)
            for i in range(x.shape[1]):
                if np.std(x[:, i]) > 0:
                    col = f"reg_{i}"
                    frame[col] = x[:, i]
                    self._regressors.append(col)
        seasonality = dict(_SEASONALITY.get(self.base_freq, {}))
        if self.base_freq in ("M", "Q") and self.season_length > 1:
            seasonality["yearly_seasonality"] = yearly_order(self.season_length)
        if self.holidays and self.base_freq == "W":
            model = _Prophet(
                uncertainty_samples=0,
                holidays=holiday_weeks(self.holidays, frame["ds"], self.offset),
                **seasonality,
            )
        else:
            model = _Prophet(uncertainty_samples=0, **seasonality)
            if self.holidays:
                try:
                    model.add_country_holidays(country_name=self.holidays)
                except Exception as exc:  # noqa: BLE001 - an unknown country is the user's error
                    raise ModelError(f"unknown holiday country {self.holidays!r}: {exc}") from exc
        for col in self._regressors:
            model.add_regressor(col)
        self._conditions = []
        if self.base_freq == "D" and CONDITIONAL_WEEKLY:
            # a promotion changes the weekly shape too (Rossmann: Monday promo days are the
            # strongest), so daily data gets a weekly pattern conditioned on each 0/1 flag
            for col in self._regressors:
                values = frame[col].to_numpy()
                share = float(np.mean(values == 1))
                if np.isin(values, (0.0, 1.0)).all() and 0.1 <= share <= 0.9:
                    cond = f"on_{col}"
                    frame[cond] = values == 1
                    model.add_seasonality(
                        name=f"weekly_{col}", period=7, fourier_order=3, condition_name=cond
                    )
                    self._conditions.append((col, cond))
        with quiet_warnings():
            # L-BFGS converges in a few hundred iterations on real series; the cap stops
            # near-exact series (no noise) from spending tens of seconds
            model.fit(frame, iter=MAX_ITER)
        self._model = model
        self._ds = frame["ds"]
        # the fitted noise scale (MAP sigma_obs, in Prophet's scaled units) saves an in-sample
        # predict, which costs about a third of a fit
        self._sigma = (
            float(np.asarray(model.params["sigma_obs"]).ravel()[0])
            * float(model.y_scale or 1.0)
            * _degrees_of_freedom_factor(model, len(y))
        )
        self._freq = self.offset
        if self._freq is None:
            with quiet_warnings():
                inferred = pd.infer_freq(frame["ds"].iloc[-min(len(frame), 10) :])
            self._freq = getattr(inferred, "freqstr", inferred) or None
        self._step = frame["ds"].iloc[-1] - frame["ds"].iloc[-2]
        return self

    def predict(
        self,
        h: int,
        levels: Sequence[int] = (80, 95),
        future_exog: np.ndarray | None = None,
        future_ds: pd.DatetimeIndex | None = None,
    ) -> dict[str, np.ndarray]:
        last = self._ds.iloc[-1]
        if future_ds is not None:
            dates = pd.DatetimeIndex(future_ds).as_unit("ns")
        elif self._freq:
            dates = pd.date_range(last, periods=h + 1, freq=self._freq)[1:]
        else:
            dates = pd.DatetimeIndex([last + self._step * (i + 1) for i in range(h)])
        future = pd.DataFrame({"ds": dates})
        for col in self._regressors:
            idx = int(col.split("_")[1])
            future[col] = (
                np.asarray(future_exog, dtype=float)[:, idx] if future_exog is not None else 0.0
            )
        for col, cond in self._conditions:
            future[cond] = future[col].to_numpy() == 1
        mean = self._model.predict(future)["yhat"].to_numpy(dtype=float)
        sigma = self._sigma * np.sqrt(1 + np.arange(h) / max(len(self._ds), 1) * 4)
        return normal_intervals(mean, sigma, levels)
