"""Rolling-origin backtest: how accurate each model (and ``auto``) was on the user's own data.

For each of ``windows`` origins (the last one ``horizon`` periods before the end, earlier ones
``step`` periods apart), every series is cut at the origin, forecast ``horizon`` periods ahead
with ``forecast_baseline`` (so fallbacks and special cases are measured as users get them;
``auto`` re-selects inside each window from the training part only) and compared with what
happened. Reported per model, per series and overall:

- ``mase``: mean absolute error over the in-sample MAE of the differences a season apart (one
  period apart when the history is shorter than two seasons: ``metrics.mase_scale``), averaged
  over windows; overall the mean over series.
- ``wape``: sum |error| / sum |actual|.
- ``bias``: sum (forecast - actual) / sum |actual| (positive = over-forecast).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forecast.bounds import horizon_problem
from forecast.engine import calendar
from forecast.engine.baseline import MODELS, forecast_baseline
from forecast.engine.gaps import gap_rows
from forecast.engine.metrics import mase, mase_scale
from forecast.engine.runner import Runner, make_runner, runner_session
from forecast.schema import BASELINE, DS, UNIQUE_ID, SchemaError, Y, validate_history

DEFAULT_MODELS: tuple[str, ...] = ("snaive", "ets", "arima", "prophet", "auto")


def _cut(history: pd.DataFrame, horizon: int, offset: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each series so that the test part is ``horizon`` periods ending ``offset`` before the end."""
    position = history.groupby(UNIQUE_ID, sort=False).cumcount(ascending=False)
    test_mask = (position >= offset) & (position < offset + horizon)
    train_mask = position >= offset + horizon
    return history.loc[train_mask], history.loc[test_mask]


def backtest(
    history: pd.DataFrame,
    horizon: int,
    windows: int = 3,
    models: Sequence[str] = DEFAULT_MODELS,
    step: int | None = None,
    *,
    freq: str | None = None,
    holidays: str | None = None,
    jobs: int = 1,
    runner: Runner | None = None,
    min_train: int = 2,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(metrics_by_series, metrics_overall)``.

    ``progress(fraction, message)``, when given, is called as the fits of each window and model
    advance; the results are the same as without it.

    ``metrics_by_series``: ``unique_id, model, mase, wape, bias, windows``;
    ``metrics_overall``: ``model, mase, wape, bias, series`` sorted by ``mase``."""
    if (problem := horizon_problem(horizon)) is not None:
        raise SchemaError(problem[0].upper() + problem[1:] + ".")
    if windows < 1:
        raise SchemaError(f"windows must be at least 1, got {windows}.")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise SchemaError(
            f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}."
        )
    step = step or horizon
    history = validate_history(history)
    base = calendar.history_base(history, freq)
    season = calendar.SEASON_LENGTH[base]
    own_runner = runner is None
    runner = make_runner(jobs, runner)
    with runner_session(runner, own_runner):
        rows = _window_rows(
            history,
            horizon,
            windows,
            models,
            step,
            base,
            season,
            holidays,
            runner,
            min_train,
            progress,
        )
    if not rows:
        raise SchemaError(
            f"no series is long enough for a backtest with horizon {horizon}: each needs at least "
            f"{horizon + min_train} periods. Use a shorter --horizon or fewer --windows."
        )
    detail = pd.DataFrame(rows)
    return summarise(detail)


def _window_rows(
    history: pd.DataFrame,
    horizon: int,
    windows: int,
    models: Sequence[str],
    step: int,
    base: str,
    season: int,
    holidays: str | None,
    runner: Runner,
    min_train: int,
    progress: Callable[[float, str], None] | None = None,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    fits = windows * len(models)
    # a gap (periods without rows, or a long closure) is not sales: not scored
    in_gap = gap_rows(history, season)  # history is sorted by series and date
    for w in range(windows):
        train, test = _cut(history, horizon, w * step)
        sizes = train.groupby(UNIQUE_ID).size()
        usable = sizes.index[sizes >= min_train]
        train = train[train[UNIQUE_ID].isin(usable)]
        test = test[test[UNIQUE_ID].isin(usable)]
        if train.empty:
            continue
        scales: dict[object, float] = {
            uid: mase_scale(part[Y].to_numpy(), season) for uid, part in train.groupby(UNIQUE_ID)
        }
        future = test.drop(columns=[Y])
        actual = test.loc[~in_gap.loc[test.index]].set_index([UNIQUE_ID, DS])[Y]
        for m, model in enumerate(models):
            fc = forecast_baseline(
                train,
                horizon,
                freq=base,
                levels=(80,),
                model=model,
                holidays=holidays,
                future=future,
                runner=runner,
                progress=_fit_progress(
                    progress, (w * len(models) + m) / fits, 1 / fits, w, windows, model
                ),
            )
            joined = fc.set_index([UNIQUE_ID, DS])[BASELINE].to_frame().join(actual, how="inner")
            for uid, part in joined.groupby(level=0):
                y, f = part[Y].to_numpy(), part[BASELINE].to_numpy()
                rows.append(
                    dict(
                        unique_id=uid,
                        model=model,
                        window=w,
                        mase=mase(y, f, scales[uid]),
                        abs_err=float(np.abs(f - y).sum()),
                        err=float((f - y).sum()),
                        abs_y=float(np.abs(y).sum()),
                    )
                )
    return rows


def _fit_progress(
    progress: Callable[[float, str], None] | None,
    start: float,
    share: float,
    window: int,
    windows: int,
    model: str,
) -> Callable[[int, int], None] | None:
    """The per-series progress of one window's fit of one model, as a part of the whole."""
    if progress is None:
        return None

    def step(done: int, total: int) -> None:
        fraction = start + share * (done / total if total else 1.0)
        progress(
            fraction,
            f"window {window + 1} of {windows}, {model}: {done:,} of {total:,} series fitted",
        )

    return step


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def summarise(detail: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-series and overall metrics from per-window rows."""
    per = (
        detail.groupby([UNIQUE_ID, "model"], sort=True)
        .agg(
            mase=("mase", "mean"),
            abs_err=("abs_err", "sum"),
            err=("err", "sum"),
            abs_y=("abs_y", "sum"),
            windows=("window", "nunique"),
        )
        .reset_index()
    )
    per["wape"] = _ratio(per["abs_err"], per["abs_y"])
    per["bias"] = _ratio(per["err"], per["abs_y"])
    by_series = per[[UNIQUE_ID, "model", "mase", "wape", "bias", "windows"]]
    overall = (
        per.groupby("model", sort=False)
        .agg(
            mase=("mase", "mean"),
            abs_err=("abs_err", "sum"),
            err=("err", "sum"),
            abs_y=("abs_y", "sum"),
            series=(UNIQUE_ID, "nunique"),
        )
        .reset_index()
    )
    overall["wape"] = _ratio(overall["abs_err"], overall["abs_y"])
    overall["bias"] = _ratio(overall["err"], overall["abs_y"])
    overall = (
        overall[["model", "mase", "wape", "bias", "series"]]
        .sort_values("mase", kind="stable")
        .reset_index(drop=True)
    )
    return by_series.reset_index(drop=True), overall
