"""The contestants of bench_engine: our engine through its public API, and the peers.

Ours: ``forecast.engine.baseline.forecast_baseline(history, horizon, model=...)`` for ``auto``
and each single model. Peers (benchmark-only dependencies, never imported from src/):
statsforecast SeasonalNaive / AutoETS / AutoARIMA with ``n_jobs=jobs``, and Prophet with default
settings, one fit per series in a spawn process pool of ``jobs`` workers, plain and with country
holidays (plus the suite's known-future flags as extra regressors).

Every runner returns ``unique_id, ds, yhat`` (and ``served`` for ours) clipped at zero, or raises.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.engine_data import Suite

OURS_MODELS = ("auto", "snaive", "ets", "arima", "prophet")
PEER_MODELS = ("sf_snaive", "sf_autoets", "sf_autoarima", "prophet_plain", "prophet_holidays")

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Contestant:
    key: str  # what --models takes
    family: str  # "ours" | "peer" | "reference"
    label: str  # what the tables print
    run: Callable[[Suite, int], pd.DataFrame]


def ours_status() -> str:
    """Empty string when our engine's forecast_baseline can be imported, else the reason."""
    try:
        from forecast.engine.baseline import forecast_baseline  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure means "not there yet"
        return f"forecast.engine.baseline.forecast_baseline not importable ({type(exc).__name__}: {exc})"
    return ""


def statsforecast_status() -> str:
    try:
        import statsforecast  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return (
            f"statsforecast not installed ({type(exc).__name__}); "
            "install the bench extra: .venv/bin/pip install statsforecast"
        )
    return ""


def prophet_status() -> str:
    try:
        import prophet  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"prophet not importable ({type(exc).__name__}: {exc})"
    return ""


# --- ours --------------------------------------------------------------------------------------


def run_ours(suite: Suite, model: str, jobs: int) -> pd.DataFrame:
    from forecast.engine.baseline import forecast_baseline

    out = forecast_baseline(
        suite.history,
        suite.horizon,
        freq=suite.freq,
        model=model,
        holidays=suite.country,
        future=suite.future,
        jobs=jobs,
    )
    frame = pd.DataFrame(
        {
            "unique_id": out["unique_id"].astype(str),
            "ds": pd.to_datetime(out["ds"]),
            "yhat": out["baseline"].astype(float),
            "served": out["model"].astype(str) if "model" in out.columns else model,
        }
    )
    return frame


# --- statsforecast -----------------------------------------------------------------------------


def run_statsforecast(suite: Suite, which: str, jobs: int) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, SeasonalNaive

    models = {
        "sf_snaive": SeasonalNaive(season_length=suite.season),
        "sf_autoets": AutoETS(season_length=suite.season),
        # R's forecast::auto.arima approximates the likelihood search for series longer than
        # 150 points; statsforecast does not by default and then needs ~20 s a series here.
        "sf_autoarima": AutoARIMA(season_length=suite.season, approximation=_longest(suite) > 150),
    }
    model = models[which]
    use_exog = which == "sf_autoarima" and bool(suite.flags)
    columns = ["unique_id", "ds", "y", *(suite.flags if use_exog else [])]
    sf = StatsForecast(models=[model], freq=suite.freq, n_jobs=jobs)
    kwargs: dict[str, Any] = {"df": suite.history[columns], "h": suite.horizon}
    if use_exog:
        assert suite.future is not None
        kwargs["X_df"] = suite.future[["unique_id", "ds", *suite.flags]]
    out = sf.forecast(**kwargs).reset_index()
    value_col = [c for c in out.columns if c not in ("unique_id", "ds", "index")][0]
    return pd.DataFrame(
        {
            "unique_id": out["unique_id"].astype(str),
            "ds": pd.to_datetime(out["ds"]),
            "yhat": out[value_col].astype(float).clip(lower=0.0),
        }
    )


def _longest(suite: Suite) -> int:
    return int(suite.history.groupby("unique_id").size().max())


# --- Prophet -----------------------------------------------------------------------------------


def _pin_threads() -> None:
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logging.getLogger(name).setLevel(logging.ERROR)


def holiday_frame(country: str, dates: pd.DatetimeIndex, freq: str) -> pd.DataFrame:
    """Prophet ``holidays`` frame for a country, mapped onto the data's own calendar.

    Weekly data dated on a weekday (``W-FRI``) gets each holiday on the period that contains it,
    i.e. the week ending on that weekday, since Prophet only matches exact dates."""
    import holidays as holidays_lib

    years = range(dates.min().year, dates.max().year + 2)
    calendar = holidays_lib.country_holidays(country, years=years)
    days = pd.DatetimeIndex(sorted(calendar.keys()))
    names = [calendar[d] for d in days]
    if freq.upper().startswith("W"):
        days = days.to_period(freq).end_time.normalize()
    return pd.DataFrame({"holiday": names, "ds": days}).drop_duplicates()


def _prophet_one(
    payload: tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame | None, list[str]],
) -> tuple[str, np.ndarray, np.ndarray]:
    from prophet import Prophet

    uid, train, future, holidays, regressors = payload
    model = Prophet(holidays=holidays) if holidays is not None else Prophet()
    for name in regressors:
        model.add_regressor(name)
    model.fit(train)
    pred = model.predict(future)
    return uid, pred["ds"].to_numpy(), pred["yhat"].to_numpy(dtype=float)


def run_prophet(suite: Suite, with_holidays: bool, jobs: int) -> pd.DataFrame:
    regressors = list(suite.flags) if with_holidays else []
    holidays = None
    if with_holidays and suite.country:
        holidays = holiday_frame(suite.country, pd.DatetimeIndex(suite.history["ds"]), suite.freq)
    future_dates = suite.actuals[["unique_id", "ds"]]
    if regressors and suite.future is not None:
        future_dates = suite.future[["unique_id", "ds", *regressors]]
    futures = {uid: grp.drop(columns="unique_id") for uid, grp in future_dates.groupby("unique_id")}
    payloads = []
    for uid, grp in suite.history.groupby("unique_id", sort=False):
        train = grp[["ds", "y", *regressors]].reset_index(drop=True)
        payloads.append((uid, train, futures[uid].reset_index(drop=True), holidays, regressors))
    if jobs <= 1:
        _pin_threads()
        results = [_prophet_one(p) for p in payloads]
    else:
        context = multiprocessing.get_context("spawn")  # Prophet deadlocks in fork pools
        saved = {var: os.environ.get(var) for var in _THREAD_VARS}
        for var in _THREAD_VARS:
            os.environ[var] = "1"
        try:
            with ProcessPoolExecutor(jobs, mp_context=context, initializer=_pin_threads) as pool:
                chunk = max(1, len(payloads) // (jobs * 8))
                results = list(pool.map(_prophet_one, payloads, chunksize=chunk))
        finally:
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value
    frames = [
        pd.DataFrame({"unique_id": uid, "ds": pd.to_datetime(ds), "yhat": np.clip(yhat, 0.0, None)})
        for uid, ds, yhat in results
    ]
    return pd.concat(frames, ignore_index=True)


# --- registry ----------------------------------------------------------------------------------


def _ours(model: str) -> Callable[[Suite, int], pd.DataFrame]:
    return lambda suite, jobs: run_ours(suite, model, jobs)


def _sf(which: str) -> Callable[[Suite, int], pd.DataFrame]:
    return lambda suite, jobs: run_statsforecast(suite, which, jobs)


def contestants(suite: Suite) -> list[Contestant]:
    """Every model the harness knows, labelled for this suite (season, country, exog)."""
    m = suite.season
    exog = f", X={'+'.join(suite.flags)}" if suite.flags else ""
    hol = f"holidays {suite.country}" if suite.country else "no country"
    regs = " + flags as regressors" if suite.flags else ""
    # Order: auto, then the peers (what the accuracy targets compare it with), then our single
    # models, slowest last, so a run cut short has measured what matters most.
    items = [Contestant("ours_auto", "ours", "ours auto", _ours("auto"))]
    items += [
        Contestant("sf_snaive", "peer", f"sf SeasonalNaive({m})", _sf("sf_snaive")),
        Contestant("sf_autoets", "peer", f"sf AutoETS({m})", _sf("sf_autoets")),
        Contestant(
            "prophet_plain",
            "peer",
            "Prophet (defaults)",
            lambda suite, jobs: run_prophet(suite, False, jobs),
        ),
    ]
    if suite.country or suite.flags:
        items.append(
            Contestant(
                "prophet_holidays",
                "peer",
                f"Prophet ({hol}{regs})",
                lambda suite, jobs: run_prophet(suite, True, jobs),
            )
        )
    items.append(
        Contestant(
            "sf_autoarima",
            "peer",
            f"sf AutoARIMA({m}{exog}{', approx' if _longest(suite) > 150 else ''})",
            _sf("sf_autoarima"),
        )
    )
    items += [
        Contestant(f"ours_{name}", "ours", f"ours {name}", _ours(name))
        for name in OURS_MODELS
        if name != "auto"
    ]
    return items
