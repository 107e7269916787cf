"""Use cases that run the engine on a file, with no plan and no store: read a sales file,
forecast a baseline, backtest the models (`forecast ingest | baseline | backtest`).

The faces reach the engine through here; engine errors become service errors (``InvalidFile``
with every problem of an unreadable file, ``Invalid`` for the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.engine.backtest import DEFAULT_MODELS
from forecast.engine.backtest import backtest as _backtest
from forecast.engine.baseline import INTERVAL_CALIBRATION, forecast_baseline
from forecast.engine.ingest import IngestError, IngestResult, read_sales
from forecast.engine.models import FLAGLESS_MODELS as _FLAGLESS
from forecast.schema import SchemaError
from forecast.services.errors import Invalid, ServiceError
from forecast.services.plan_file import InvalidFile

BACKTEST_MODELS: tuple[str, ...] = DEFAULT_MODELS
"""The models a backtest compares when none are named (every model and auto)."""
FLAGLESS_MODELS: frozenset[str] = _FLAGLESS
"""Models that read no flag columns (the engine's model registry says which), for the CLI."""


def read_sales_file(
    file: str | Path,
    *,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    duplicates: str = "sum",
    attributes_file: str | Path | None = None,
    week_dates: str = "start",
    decimal: str | None = None,
) -> IngestResult:
    """Read a sales file into the long contract; raises ``InvalidFile`` listing every problem."""
    try:
        return read_sales(
            file,
            id_cols=list(id_cols) if id_cols else None,
            date_col=date_col,
            value_col=value_col,
            freq=freq,
            duplicates=duplicates,
            attributes_file=attributes_file,
            week_dates=week_dates,
            decimal=decimal,
            future_rows=True,
        )
    except IngestError as exc:
        raise InvalidFile(str(exc), exc.problems) from exc


def baseline(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None,
    levels: Sequence[int],
    model: str,
    holidays: str | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    shut_weekdays: Sequence[int] = (),
    future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The baseline per series (see ``forecast.engine.baseline.forecast_baseline``); ``future``:
    the flags planned for the periods ahead (``IngestResult.future``)."""
    try:
        return forecast_baseline(
            history,
            horizon,
            freq=freq,
            levels=tuple(levels),
            model=model,
            holidays=holidays,
            jobs=jobs,
            progress=progress,
            shut_weekdays=shut_weekdays,
            future=future,
        )
    except SchemaError as exc:
        raise Invalid.from_error(exc) from exc


def interval_note(frame: pd.DataFrame) -> str | None:
    """How an ``auto`` baseline's intervals were made: calibrated on how many backtest windows,
    or why they are the models' own (None for a named model's baseline)."""
    found = frame.attrs.get(INTERVAL_CALIBRATION)
    return None if not found else str(found["note"])


def backtest(
    history: pd.DataFrame,
    horizon: int,
    *,
    windows: int,
    models: Sequence[str],
    freq: str | None,
    holidays: str | None = None,
    jobs: int = 1,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[pd.DataFrame, Any]:
    """``(metrics_by_series, metrics_overall)`` of a rolling-origin backtest."""
    try:
        return _backtest(
            history,
            horizon,
            windows=windows,
            models=tuple(models),
            freq=freq,
            holidays=holidays,
            jobs=jobs,
            progress=progress,
        )
    except SchemaError as exc:
        raise Invalid.from_error(exc) from exc


def use_scheduler(scheduler: str | None, given_as: str = "--scheduler") -> str | None:
    """Send the engine's per-series work of this process to the Dask cluster at `scheduler`
    (tcp://HOST:PORT), as FORECAST_DASK_SCHEDULER does; without it, to that variable's cluster
    if it is set. The address in use (None: this machine); a malformed one is refused (Invalid,
    with the form expected, led by where it came from: `given_as`, the option that gave
    `scheduler`, or the variable) before anything runs."""
    import os

    from forecast.engine.dask_runner import take_used
    from forecast.engine.runner import SCHEDULER_ENV, scheduler_address

    take_used()  # a command says where its own run was fitted, not an earlier one's
    address = (scheduler or os.environ.get(SCHEDULER_ENV, "")).strip()
    if not address:
        return None
    try:
        address = scheduler_address(address)
    except SchemaError as exc:
        if scheduler:
            raise Invalid.from_error(exc, prefix=f"{given_as}: ") from exc
        raise Invalid(
            f"{SCHEDULER_ENV} (set in the environment): {exc}, or unset {SCHEDULER_ENV} to "
            "fit on this machine"
        ) from exc
    os.environ[SCHEDULER_ENV] = address
    return address


def cluster_problem(address: str, timeout: str = "5s") -> ServiceError | None:
    """What a run would meet on the Dask cluster at `address` now (tried for up to `timeout`):
    None when it answers with a worker, else the refusal (it cannot be reached, it has no
    workers)."""
    from forecast.engine.dask_runner import DaskRunner

    try:
        DaskRunner(address, timeout=timeout).close()
    except ServiceError as exc:
        return exc
    except SchemaError as exc:
        return Invalid.from_error(exc)
    return None


def cluster_note() -> str | None:
    """Where the runs of this process since the last call were fitted, when on a Dask cluster:
    "fitted on the Dask cluster at tcp://HOST:PORT (N workers, M threads)" (None: this
    machine)."""
    from forecast.engine.dask_runner import take_used

    notes = [
        f"fitted on the Dask cluster at {address} ({_count(workers, 'worker')}, "
        f"{_count(threads, 'thread')})"
        for address, (workers, threads) in take_used().items()
    ]
    return "\n".join(notes) or None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
