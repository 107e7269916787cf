"""``forecast_baseline``: one forecast per series with intervals, and ``model="auto"``.

Every series runs through the same steps (``forecast_series``): special cases first (all-zero,
very short, intermittent), then the requested model, falling back along a chain when a model
fails or is degenerate (non-finite, or exploding past ``EXPLODE_FACTOR`` times the history's
maximum), finally seasonal naive. Forecasts are clipped at zero (sales are never negative).
The ``model`` column says which model served each series and why it fell back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecast.bounds import horizon_problem
from forecast.engine import calendar, period_weeks
from forecast.engine.gaps import gap_sources
from forecast.engine.interval_calibration import IntervalCalibration
from forecast.engine.label_notes import (
    CONSTANT_SERIES,
    INTERMITTENT,
    SHORT_SERIES,
    ZEROS,
    ended_note,
    fallback_note,
    unsold_note,
)
from forecast.engine.models import ModelError, SeasonalNaive, hi_key, lo_key, make_model
from forecast.engine.models.global_lgbm import NAME as GLOBAL_MODEL
from forecast.engine.models.global_lgbm import FittedGlobal, GlobalForecasts
from forecast.engine.models.naive import copies_season, last_value_note
from forecast.engine.runner import (
    PROGRESS_STEPS,
    Runner,
    make_runner,
    runner_session,
    stream_map,
)
from forecast.schema import (
    BASELINE,
    DEFAULT_LEVELS,
    DS,
    MODEL,
    UNIQUE_ID,
    SchemaError,
    Y,
    hi_col,
    interval_columns,
    lo_col,
    validate_history,
)
from forecast.vocabulary import MODELS

FALLBACKS: dict[str, tuple[str, ...]] = {
    "snaive": (),
    "ets": ("snaive",),
    "fourier_ets": ("ets", "snaive"),
    "theta": ("ets", "snaive"),
    "dyn_theta": ("theta", "ets", "snaive"),
    "stl_ets": ("ets", "snaive"),
    "stat_ensemble": ("ets", "snaive"),
    "lightgbm": ("ets", "snaive"),
    "arima": ("ets", "snaive"),
    "prophet": ("ets", "snaive"),
}
EXPLODE_FACTOR = 10.0
INTERMITTENT_ZERO_SHARE = 0.5
MIN_POINTS_FOR_MODELS = 10
ENDED_MIN_PERIODS = 3
ENDED_MIN_DAYS = 28
"""A series whose rows stop at least ``ENDED_MIN_PERIODS`` periods and ``ENDED_MIN_DAYS`` days
before the file's end, while the other series go on and it had sold in most periods before, has
ended (a closed store, a delisted product): it is forecast as 0 and its label says so. Left to
the models, the same closed store was forecast at 0 by ETS and Theta but at last year's sales by
seasonal naive (and near them by combinations holding it), and a goal's targets were spread onto
it. A shorter silence is read as 0 and forecast by the model: a late delivery looks the same."""


@dataclass
class SeriesTask:
    """Everything needed to forecast one series (picklable, sent to runner workers)."""

    uid: str
    y: np.ndarray
    ds: pd.DatetimeIndex
    future_ds: pd.DatetimeIndex
    model: str
    season: int
    levels: tuple[int, ...]
    exog: np.ndarray | None = None
    future_exog: np.ndarray | None = None
    exog_names: tuple[str, ...] = ()
    holidays: str | None = None
    base_freq: str = "W"
    offset: str | None = None
    """Pandas alias of the series' calendar, e.g. ``W-FRI``."""
    strategy: tuple[str, tuple[str, ...]] | None = None
    """For ``model="auto"``: (combiner, members) chosen by ``auto.select_strategy``."""
    interval_scale: IntervalCalibration | None = None
    """For ``model="auto"``: the factors calibrating the intervals on the backtest windows."""
    member_flags: bool = True
    """Whether the file's flags enter the per-series models as regressors (``auto`` leaves them
    out where its windows say they hurt, ``auto_flags``; closures still apply)."""
    strategy_note: str | None = None
    """For ``model="auto"``: said after the strategy's label, e.g. that flags were left out."""
    global_values: dict[str, np.ndarray] | None = None
    """This series' forecast from the run's global model (``models.global_lgbm``), if any."""
    global_reason: str | None = None
    """Why the global model has no forecast for this series (e.g. too short for its lags)."""
    note: str | None = None
    """Said in the model column after the label, e.g. that the series ended before the others."""
    ended: bool = False
    """Whether the series has ended (``ENDED_MIN_DAYS``): forecast as 0 (``special_case``)."""
    unsold: int = 0
    """Periods at the end of ``y`` without rows in the file (the series stops before the
    others), read as 0 up to the file's end: not sales, so the global model neither learns from
    nor scores against them (``models.global_lgbm``)."""
    gaps: np.ndarray | None = None
    """Positions in ``y`` inside a gap, filled from a season before: not sales, so backtests
    do not score a forecast against them (``gaps.observed``)."""

    @property
    def horizon(self) -> int:
        return len(self.future_ds)


@dataclass
class SeriesForecast:
    uid: str
    ds: pd.DatetimeIndex
    values: dict[str, np.ndarray]
    label: str
    extra: dict[str, object] = field(default_factory=dict)


def _check_degenerate(values: dict[str, np.ndarray], y: np.ndarray) -> None:
    stacked = np.vstack(list(values.values()))
    if not np.isfinite(stacked).all():
        raise ModelError("non-finite forecast")
    ceiling = EXPLODE_FACTOR * max(float(np.max(np.abs(y))), 1.0)
    if np.max(np.abs(values["mean"])) > ceiling:
        raise ModelError("forecast explodes")


def fit_predict(task: SeriesTask, name: str, season: int | None = None) -> dict[str, np.ndarray]:
    """Fit one named model on the task's series and forecast its horizon (raises ModelError).

    The global model is not fitted here: its forecast was made for the whole run beforehand
    (``attach_global``) and travels with the task."""
    if name == GLOBAL_MODEL:
        if task.global_values is None:
            raise ModelError(task.global_reason or "the global model was not trained for this run")
        values = {key: np.array(array, dtype=float) for key, array in task.global_values.items()}
        _check_degenerate(values, task.y)
        return values
    flags = task.member_flags
    model = make_model(
        name,
        season if season is not None else task.season,
        holidays=task.holidays,
        exog_names=task.exog_names if flags else (),
        base_freq=task.base_freq,
        offset=task.offset,
    )
    try:
        # (fitting Prophet on open days only was tried: worse on Rossmann, 0.288 against 0.279)
        if isinstance(model, SeasonalNaive):  # its residuals leave the filled gaps out
            model.fit(task.y, task.ds, gaps=task.gaps)
        else:
            model.fit(task.y, task.ds, task.exog if flags else None)
        values = model.predict(task.horizon, task.levels, task.future_exog if flags else None)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - third-party failures become a fallback reason
        raise ModelError(f"{type(exc).__name__}: {exc}") from exc
    _check_degenerate(values, task.y)
    return values


def _short_reason(exc: BaseException, limit: int = 60) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def special_case(task: SeriesTask) -> tuple[str, dict[str, np.ndarray]] | None:
    """Answer for all-zero, very short and intermittent series, or None for the normal path."""
    from forecast.engine.models import Naive, ZeroAwareMean, Zeros

    y = task.y
    h, levels = task.horizon, task.levels
    if len(y) == 0 or not np.any(y != 0) or task.ended:
        return ZEROS, Zeros().fit(y).predict(h, levels)
    if len(y) < MIN_POINTS_FOR_MODELS:
        return f"mean ({SHORT_SERIES})", ZeroAwareMean(task.season).fit(y).predict(h, levels)
    if np.all(y == y[0]):
        return f"naive ({CONSTANT_SERIES})", Naive().fit(y).predict(h, levels)
    if np.mean(y == 0) > INTERMITTENT_ZERO_SHARE:
        return f"mean ({INTERMITTENT})", ZeroAwareMean(task.season).fit(y).predict(h, levels)
    return None


def run_chain(task: SeriesTask, chain: Sequence[str]) -> tuple[str, dict[str, np.ndarray]]:
    """Try models in order; the label names the one that served and why earlier ones did not."""
    failures: list[str] = []
    for name in chain:
        try:
            values = fit_predict(task, name)
        except ModelError as exc:
            failures.append(f"{name} failed: {_short_reason(exc)}")
            continue
        if name == "snaive" and task.season > 1 and not copies_season(len(task.y), task.season):
            name = "naive"  # it repeated the last value: no season was copied
            failures.append(last_value_note(task.season))
        label = name if not failures else f"{name} ({fallback_note(failures)})"
        return label, values
    # seasonal naive cannot fail on a non-empty series; keep a last resort anyway
    from forecast.engine.models import ZeroAwareMean

    values = ZeroAwareMean(task.season).fit(task.y).predict(task.horizon, task.levels)
    return f"mean ({fallback_note(failures)})", values


def closure_flags(task: SeriesTask) -> list[int]:
    """Indexes of closure flags (such as Rossmann's ``Open``): flags whose 0 always came with
    zero sales in the history while their 1 mostly came with sales. Those zeros are structural."""
    if task.exog is None:
        return []
    found = []
    for j in range(task.exog.shape[1]):
        off = task.exog[:, j] == 0
        if off.sum() < 2 or (~off).sum() < 2:
            continue
        if np.all(task.y[off] == 0) and np.mean(task.y[~off] > 0) > 0.5:
            found.append(j)
    return found


def closed_periods(task: SeriesTask) -> np.ndarray | None:
    """Future periods a closure flag marks as closed (forecast as exactly 0), or None."""
    if task.future_exog is None:
        return None
    mask = np.zeros(task.horizon, dtype=bool)
    for j in closure_flags(task):
        mask |= task.future_exog[:, j] == 0
    return mask if mask.any() else None


def apply_closures(task: SeriesTask, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    mask = closed_periods(task)
    if mask is None:
        return values
    return {key: np.where(mask, 0.0, array) for key, array in values.items()}


def forecast_series(task: SeriesTask) -> SeriesForecast:
    """Forecast one series (module level so that process-pool workers can run it)."""
    special = special_case(task)
    if special is not None:
        label, values = special
    elif task.model == "auto":
        from forecast.engine.auto import forecast_auto

        label, values = forecast_auto(task)
    else:
        label, values = run_chain(task, (task.model, *FALLBACKS[task.model]))
    values = clip_nonnegative(apply_closures(task, values), task.levels)
    if task.note:
        label = f"{label} ({task.note})"
    return SeriesForecast(task.uid, task.future_ds, values, label)


def clip_nonnegative(values: dict[str, np.ndarray], levels: Sequence[int]) -> dict[str, np.ndarray]:
    """Clip at zero and make sure lo <= mean <= hi for every level (wider levels contain narrower)."""
    mean = np.maximum(np.asarray(values["mean"], dtype=float), 0.0)
    out = {"mean": mean}
    inner_lo, inner_hi = mean, mean
    for level in sorted(levels):
        lo = np.minimum(np.maximum(values[lo_key(level)], 0.0), inner_lo)
        hi = np.maximum(values[hi_key(level)], inner_hi)
        out[lo_key(level)], out[hi_key(level)] = lo, hi
        inner_lo, inner_hi = lo, hi
    return out


def flag_columns(history: pd.DataFrame) -> list[str]:
    """Numeric columns besides the contract ones: flags such as promo or holiday."""
    return [
        c
        for c in history.columns
        if c not in (UNIQUE_ID, DS, Y) and pd.api.types.is_numeric_dtype(history[c])
    ]


def _check_levels(levels: Sequence[int]) -> tuple[int, ...]:
    out = tuple(sorted({int(level) for level in levels}))
    for level in out:
        if not 0 < level < 100:
            raise SchemaError(f"interval level {level} is not between 1 and 99; use e.g. 80 or 95.")
    return out


def prepare_tasks(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    model: str = "auto",
    holidays: str | None = None,
    future: pd.DataFrame | None = None,
) -> list[SeriesTask]:
    """Validate the history and cut it into one task per series on its regular calendar."""
    _, tasks = task_source(
        history, horizon, freq=freq, levels=levels, model=model, holidays=holidays, future=future
    )
    return list(tasks)


def task_source(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    model: str = "auto",
    holidays: str | None = None,
    future: pd.DataFrame | None = None,
) -> tuple[int, Iterator[SeriesTask]]:
    """``(number of series, their tasks)``: the whole-file checks now, each series cut as it is
    taken (a series off its calendar, or a future flag missing for it, raises then), so a run
    holds only the tasks in flight."""
    if model not in MODELS:
        raise SchemaError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    if (problem := horizon_problem(horizon)) is not None:
        raise SchemaError(problem[0].upper() + problem[1:] + ".")
    levels = _check_levels(levels)
    if holidays:
        check_country(holidays)
    history = validate_history(history)
    if history.empty:
        raise SchemaError("history is empty; there is nothing to forecast.")
    if history[Y].isna().any():
        row = history.loc[history[Y].isna()].iloc[0]
        raise SchemaError(
            f"history has a missing y for series {row[UNIQUE_ID]!r} on {row[DS]:%Y-%m-%d}; "
            "fill gaps (forecast ingest fills them with 0) before forecasting."
        )
    base = calendar.history_base(history, freq)
    # validate_history sorted by id then date: each series is one run of rows
    ids = history[UNIQUE_ID]
    starts = np.flatnonzero(ids.ne(ids.shift()).to_numpy())
    spec = _CutSpec(
        horizon=horizon,
        model=model,
        season=calendar.SEASON_LENGTH[base],
        levels=levels,
        holidays=holidays,
        base=base,
        flags=flag_columns(history),
        last_overall=history[DS].max(),
    )
    uids = [str(uid) for uid in ids.iloc[starts]]
    return len(starts), _cut_series(history, uids, np.r_[starts, len(ids)], spec, future)


@dataclass
class _CutSpec:
    horizon: int
    model: str
    season: int
    levels: tuple[int, ...]
    holidays: str | None
    base: str
    flags: list[str]
    last_overall: pd.Timestamp


def _cut_series(
    history: pd.DataFrame,
    uids: list[str],
    bounds: np.ndarray,
    spec: _CutSpec,
    future: pd.DataFrame | None,
) -> Iterator[SeriesTask]:
    flags, horizon, base = spec.flags, spec.horizon, spec.base
    future_lookup, given_flags = _future_lookup(future, flags)
    given_series = set() if future_lookup is None else set(future_lookup.index.get_level_values(0))
    ds_all = history[DS].to_numpy()
    y_all = history[Y].to_numpy(dtype=float)
    flags_all = history[flags].to_numpy(dtype=float, na_value=np.nan) if flags else None
    spans: dict[tuple[pd.Timestamp, pd.Timestamp, str], pd.DatetimeIndex] = {}
    futures: dict[tuple[pd.Timestamp, str], pd.DatetimeIndex] = {}
    for uid, (a, b) in zip(uids, itertools.pairwise(bounds.tolist()), strict=True):
        dates = pd.DatetimeIndex(ds_all[a:b])
        y = y_all[a:b].copy()
        exog = flags_all[a:b].copy() if flags_all is not None else None
        offset = (
            calendar.resolve_offset(dates, base) if len(dates) > 1 else _single_offset(base, dates)
        )
        full = spans.get((dates[0], dates[-1], offset))
        if full is None:  # generating an anchored calendar costs ms: series share theirs
            full = pd.date_range(dates[0], dates[-1], freq=offset)
            spans[(dates[0], dates[-1], offset)] = full
        if len(full) != len(dates) or not full.equals(dates):
            if not dates.isin(full).all():
                bad = dates[~dates.isin(full)][0]
                raise SchemaError(
                    f"series {uid!r} has a date {bad:%Y-%m-%d} off its {offset} calendar; "
                    "regularise the file with forecast ingest --freq and try again."
                )
            # missing periods are zero sales, as ingest does
            at = full.get_indexer(dates)
            y = np.zeros(len(full))
            y[at] = y_all[a:b]
            if flags_all is not None:
                exog = np.zeros((len(full), len(flags)))
                exog[at] = flags_all[a:b]
            dates = full
        ended = None
        has_ended = False
        unsold = 0
        if dates[-1] < spec.last_overall:
            # No rows after a date others go on from: no sales, read as 0 up to where the file
            # ends, so every series is forecast over the same periods ahead (not over past ones).
            tail = pd.date_range(dates[-1], spec.last_overall, freq=offset)[1:]
            if len(tail):
                has_ended = _has_ended(y, dates[-1], tail)
                ended = (
                    ended_note(dates[-1], len(tail))
                    if has_ended
                    else unsold_note(dates[-1], tail[-1])
                )
                y = np.concatenate([y, np.zeros(len(tail))])
                unsold = len(tail)
                if exog is not None:
                    exog = np.vstack([exog, np.zeros((len(tail), len(flags)))])
                dates = pd.DatetimeIndex(dates.append(tail))
        gap_note = None
        at, sources = gap_sources(y, spec.season)
        gaps = at if len(at) else None
        if len(at):  # a gap is not sales: the models and the future flags read the season before
            y = y.copy()
            y[at] = y[sources]
            if exog is not None:
                exog = exog.copy()
                exog[at] = exog[sources]
            gap_note = f"a gap of {len(at)} periods filled from a season before"
        future_ds = futures.get((dates[-1], offset))
        if future_ds is None:
            future_ds = calendar.next_dates(dates[-1], offset, horizon)
            futures[(dates[-1], offset)] = future_ds
        fut_exog = None
        if exog is not None:
            exog = np.where(np.isnan(exog), 0.0, exog)
            fut_exog = unknown_future_flags(exog, spec.season, horizon)
            if future_lookup is not None and uid in given_series:
                known = future_lookup.reindex(
                    pd.MultiIndex.from_arrays([[uid] * horizon, future_ds])
                ).to_numpy(dtype=float)
                _check_future_flags(uid, future_ds, known, flags, given_flags)
                fut_exog = np.where(np.isnan(known), fut_exog, known)
        yield SeriesTask(
            uid=uid,
            y=y,
            ds=dates,
            future_ds=future_ds,
            model=spec.model,
            season=spec.season,
            levels=spec.levels,
            exog=exog,
            future_exog=fut_exog,
            exog_names=tuple(flags),
            holidays=spec.holidays,
            base_freq=base,
            offset=offset,
            note=_joined(ended, gap_note),
            gaps=gaps,
            ended=has_ended,
            unsold=unsold,
        )


def _has_ended(y: np.ndarray, last_row: pd.Timestamp, tail: pd.DatetimeIndex) -> bool:
    """Whether a series without rows over ``tail`` (the periods after ``last_row`` up to the
    file's end) has ended (``ENDED_MIN_DAYS``), rather than paused or sold now and then."""
    silent_days = (tail[-1] - last_row).days
    if len(tail) < ENDED_MIN_PERIODS or silent_days < ENDED_MIN_DAYS:
        return False
    return bool(len(y) and np.mean(y == 0) <= INTERMITTENT_ZERO_SHARE)


def _joined(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def _check_future_flags(
    uid: str,
    future_ds: pd.DatetimeIndex,
    known: np.ndarray,
    flags: Sequence[str],
    given: Sequence[str],
) -> None:
    """A flag given in ``future`` must cover the whole horizon of every series it gives (a
    series it does not name at all gets the flags nobody gave: ``unknown_future_flags``)."""
    for j, flag in enumerate(flags):
        if flag not in given:
            continue
        missing = np.isnan(known[:, j])
        if missing.any():
            first = future_ds[int(np.argmax(missing))]
            raise SchemaError(
                f"future flag {flag!r} is missing for series {uid!r} on {first:%Y-%m-%d}"
                f" ({int(missing.sum())} of {len(future_ds)} horizon periods); give {flag} for "
                f"every period from {future_ds[0]:%Y-%m-%d} to {future_ds[-1]:%Y-%m-%d} (a future "
                "row per period), or no future rows for the series to use the default."
            )


def check_country(country: str) -> None:
    """Refuse an unknown holiday country up front (instead of silently skipping holidays)."""
    import holidays as holiday_calendars

    try:
        holiday_calendars.country_holidays(country)
    except NotImplementedError:
        raise SchemaError(
            f"unknown holiday country {country!r}; use a two-letter ISO code such as DE, US or GB."
        ) from None


def unknown_future_flags(exog: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """Flag values for future periods nobody gave: 0 for event flags (promo, holiday: the
    baseline assumes no event), but the last season repeated for flags that are mostly on
    (such as Rossmann's ``Open``), where 0 would forecast a closed shop."""
    out = np.zeros((horizon, exog.shape[1]))
    mostly_on = exog.mean(axis=0) > 0.5
    if mostly_on.any():
        lag = min(season, len(exog))
        idx = len(exog) - lag + np.arange(horizon) % lag
        out[:, mostly_on] = exog[idx][:, mostly_on]
    return out


def _single_offset(base: str, dates: pd.DatetimeIndex) -> str:
    return calendar.anchored_offset(base, dates)


def _future_lookup(
    future: pd.DataFrame | None, flags: list[str]
) -> tuple[pd.DataFrame | None, list[str]]:
    """The future flag values by (series, date), and the flags the future frame gives."""
    if future is None or not flags:
        return None, []
    missing = [c for c in (UNIQUE_ID, DS) if c not in future.columns]
    if missing:
        raise SchemaError(
            f"future is missing column(s) {', '.join(missing)}; it needs unique_id, ds and the "
            f"flag columns ({', '.join(flags)}) over the horizon."
        )
    frame = future.copy()
    frame[UNIQUE_ID] = frame[UNIQUE_ID].astype(str)
    frame[DS] = pd.to_datetime(frame[DS])
    given = [flag for flag in flags if flag in frame.columns]
    for flag in flags:
        if flag not in frame.columns:
            frame[flag] = np.nan  # unknown: filled by unknown_future_flags
    return frame.set_index([UNIQUE_ID, DS])[flags].astype(float), given


def results_frame(results: Sequence[SeriesForecast], levels: Sequence[int]) -> pd.DataFrame:
    """Long baseline frame from per-series results."""
    columns: dict[str, object] = {
        UNIQUE_ID: np.concatenate([np.repeat(r.uid, len(r.ds)) for r in results]),
        DS: np.concatenate([r.ds.values for r in results]),
        BASELINE: np.concatenate([r.values["mean"] for r in results]),
    }
    for level in sorted(levels):
        columns[lo_col(level)] = np.concatenate([r.values[lo_key(level)] for r in results])
        columns[hi_col(level)] = np.concatenate([r.values[hi_key(level)] for r in results])
    columns[MODEL] = np.concatenate([np.repeat(r.label, len(r.ds)) for r in results])
    frame = pd.DataFrame(columns)
    frame[UNIQUE_ID] = frame[UNIQUE_ID].astype(str)
    frame[MODEL] = frame[MODEL].astype(str)
    return frame


def forecast_baseline(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    model: str = "auto",
    holidays: str | None = None,
    future: pd.DataFrame | None = None,
    jobs: int = 1,
    runner: Runner | None = None,
    progress: Callable[[int, int], None] | None = None,
    selection_progress: Callable[[int, int], None] | None = None,
    shut_weekdays: Sequence[int] = (),
) -> pd.DataFrame:
    """Baseline forecast per series: ``unique_id, ds, baseline, baseline-lo-80, ..., model``.

    ``history`` is the long contract (``unique_id, ds, y`` + numeric flag columns used as
    regressors, with future values from ``future``; where not given, 0 for event flags and the
    last season repeated for mostly-on flags such as ``Open``, see ``unknown_future_flags``).
    ``ds`` continues each series' own calendar; values are never negative.
    ``progress(done, total)``, when given, is called as batches of series finish (about
    ``runner.PROGRESS_STEPS`` times); ``selection_progress(done, total)`` likewise as the backtests of
    ``model="auto"``'s choice finish. The results are the same as without them.

    Monthly or quarterly sales that are sums of weekly figures (``period_weeks``) are forecast as
    sales of an average period, and each future period gets its own count of weeks back.

    ``shut_weekdays`` (Monday 0): on daily data, weekdays the sales file never has a row on (a
    shop shut on Saturdays, ``IngestReport.weekdays_never``); their future days are forecast as
    exactly 0, bounds too, as a closure flag's closed days are. The history holds them as 0,
    which a weekly season learns as a low day, not as no sales at all."""
    history = validate_history(history)  # (already sorted: neither copied nor sorted again)
    weekly_sums = period_weeks.weekly_sums_of(history, freq)
    if weekly_sums is not None:
        history = weekly_sums.per_average_period(history)
    count, source = task_source(
        history,
        horizon,
        freq=freq,
        levels=levels,
        model=model,
        holidays=holidays,
        future=future,
    )
    if model == "snaive" and runner is None:
        jobs = 1  # microseconds a series: starting worker processes would cost far more
    own_runner = runner is None
    runner = make_runner(jobs, runner)
    with runner_session(runner, own_runner):
        shared: object = None
        chosen: dict[str, object] | None = None
        tasks: Iterable[SeriesTask] = source
        if model in ("auto", GLOBAL_MODEL):  # the choice and the global model see every series
            tasks, shared, chosen = _choose_and_train(list(source), runner, selection_progress)
        cap = BLOCK if shared is None else GLOBAL_BATCH
        size = getattr(runner, "batch_size", None) or max(
            1, min(cap, -(-count // max(runner.jobs * 4, PROGRESS_STEPS)))
        )
        blocks = ((shared, block) for block in _blocks(tasks, size))
        frames = stream_map(runner, forecast_block, blocks)
        frame = _gather(frames, count, horizon, progress)
    if model == "auto" and isinstance(tasks, list) and tasks:
        calibration = tasks[0].interval_scale or IntervalCalibration()
        frame.attrs[INTERVAL_CALIBRATION] = calibration.describe()
    if chosen is not None:
        frame.attrs[SELECTION] = chosen
    if weekly_sums is not None:
        values = [BASELINE, *interval_columns(levels)]
        frame = weekly_sums.back_to_periods(frame, values)
    if shut_weekdays and str(freq or "").upper().startswith("D"):
        frame = shut_days(frame, shut_weekdays, levels)
    return frame


def shut_days(frame: pd.DataFrame, weekdays: Sequence[int], levels: Sequence[int]) -> pd.DataFrame:
    """The baseline with its values and bounds at exactly 0 on `weekdays` (Monday 0)."""
    shut = frame[DS].dt.day_of_week.isin([int(day) for day in weekdays]).to_numpy()
    if shut.any():
        for column in (BASELINE, *interval_columns(levels)):
            frame[column] = np.where(shut, 0.0, frame[column].to_numpy(dtype=float))
    return frame


INTERVAL_CALIBRATION = "interval_calibration"
SELECTION = "selection"
"""``model="auto"``'s choice as ``auto.Selection.describe`` gives it, in a baseline's ``attrs``."""
"""``attrs`` key of an ``auto`` baseline frame: whether its intervals were calibrated on the
backtest windows, the factors per level, on how many windows and window periods (or why not)."""


def _choose_and_train(
    tasks: list[SeriesTask],
    runner: Runner,
    selection_progress: Callable[[int, int], None] | None,
) -> tuple[list[SeriesTask], object, dict[str, object] | None]:
    """``model="auto"``'s choice, then the global model trained once if the run uses it: the
    tasks (with the choice, and the global forecasts when predicted here), the model as shipped
    to the runner's workers (``runner.share``) for them to predict, else None, and the choice
    described (``auto.Selection.describe``; None without one)."""
    tuning: dict[str, float] | None = None
    chosen: dict[str, object] | None = None
    if tasks and tasks[0].model == "auto":
        from forecast.engine.auto import select_strategy

        selection = select_strategy(tasks, runner, progress=selection_progress)
        tasks = [
            replace(
                task,
                strategy=selection.strategy,
                interval_scale=selection.interval_scale,
                member_flags=selection.member_flags,
                strategy_note=selection.flags_note,
            )
            for task in tasks
        ]
        tuning = selection.global_tuning
        chosen = selection.describe() if selection.scores else None
    if not uses_global(tasks):
        return tasks, None, chosen
    fitted = fit_global(tasks, tuning=tuning)
    if hasattr(runner, "share"):  # ship the model once; the workers predict block by block
        return tasks, runner.share(fitted), chosen
    return with_global(tasks, fitted.predict(tasks)), None, chosen


BLOCK = 64
"""Series a task at most: one block is fitted on a worker and comes back as one small frame."""


def forecast_block(item: tuple[object, list[SeriesTask]]) -> pd.DataFrame:
    """On a worker: forecast a block of series into one compact frame (the rows of
    ``results_frame``). ``item[0]`` is the run's global model when it was shipped with the
    block (``runner.share``): it predicts the block first, with the numbers of the local path."""
    fitted, batch = item
    if isinstance(fitted, FittedGlobal):
        batch = with_global(batch, fitted.predict(batch))
    return results_frame([forecast_series(task) for task in batch], batch[0].levels)


def _blocks(tasks: Iterable[SeriesTask], size: int) -> Iterator[list[SeriesTask]]:
    it = iter(tasks)
    while block := list(itertools.islice(it, size)):
        yield block


def _gather(
    frames: Iterable[pd.DataFrame],
    count: int,
    horizon: int,
    progress: Callable[[int, int], None] | None,
) -> pd.DataFrame:
    """The blocks' frames in one, with ``progress(done, count)`` about ``PROGRESS_STEPS`` times."""
    step = max(1, -(-count // PROGRESS_STEPS))
    parts: list[pd.DataFrame] = []
    done = reported = 0
    if progress is not None:
        progress(0, count)
    for frame in frames:
        parts.append(frame)
        done += len(frame) // horizon
        if progress is not None and (done - reported >= step or done == count):
            progress(done, count)
            reported = done
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def uses_global(tasks: Sequence[SeriesTask]) -> bool:
    """Whether the run needs the global model (asked for, or chosen by ``auto``)."""
    if not tasks:
        return False
    task = tasks[0]
    if task.model == GLOBAL_MODEL:
        return True
    return task.model == "auto" and task.strategy is not None and GLOBAL_MODEL in task.strategy[1]


def fit_global(
    tasks: Sequence[SeriesTask],
    levels: Sequence[int] | None = None,
    tuning: dict[str, float] | None = None,
) -> FittedGlobal:
    """Train the global model once, where the data is, on all (non-special) series (with the
    leaves, learning rate and rounds ``auto`` tuned on its windows, when given)."""
    from forecast.engine.models.global_lgbm import GlobalLightGBM

    regular = [t for t in tasks if special_case(t) is None]
    first = tasks[0]
    model = GlobalLightGBM(first.season, first.base_freq, first.holidays, tuning)
    return model.fit(regular, first.levels if levels is None else levels)


def with_global(tasks: Sequence[SeriesTask], found: GlobalForecasts) -> list[SeriesTask]:
    """The tasks, each carrying its forecast from the global model (or why it has none)."""
    return [
        replace(t, global_values=found.values.get(t.uid), global_reason=found.reasons.get(t.uid))
        for t in tasks
    ]


def attach_global(
    tasks: Sequence[SeriesTask], levels: Sequence[int] | None = None
) -> list[SeriesTask]:
    """Train the global model once on all (non-special) series and give each task its forecast."""
    return with_global(tasks, fit_global(tasks, levels).predict(tasks))


GLOBAL_BATCH = 256
"""Series per batch when the global model is shipped to the workers with them."""


future_dates = calendar.future_dates
