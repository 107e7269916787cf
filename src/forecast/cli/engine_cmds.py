"""`forecast baseline FILE` and `forecast backtest FILE` (`forecast ingest` lives in ingest_cmd)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from forecast.cli.common import EXIT_BAD_INPUT, fail
from forecast.engine.baseline import MODELS, forecast_baseline
from forecast.engine.ingest import IngestError, IngestResult, read_sales
from forecast.schema import SchemaError

OUT_SUFFIXES = (".csv", ".parquet")

IdOpt = Annotated[
    list[str] | None, typer.Option("--id", help="Series key column (repeat for several).")
]
DateOpt = Annotated[str | None, typer.Option("--date", help="Date column.")]
ValueOpt = Annotated[str | None, typer.Option("--value", help="Sales (value) column.")]
FreqOpt = Annotated[
    str | None, typer.Option("--freq", help="D, W, M or Q; coarser than the data aggregates.")
]
HorizonOpt = Annotated[int, typer.Option("--horizon", "-h", help="Periods to forecast.", min=1)]
HolidaysOpt = Annotated[
    str | None,
    typer.Option("--holidays", help="Country code for public holidays (e.g. DE, US, GB)."),
]
JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", help="Worker processes (1 = run in this process).", min=1)
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler tcp://HOST:PORT: fit on that cluster (default: "
        "$FORECAST_DASK_SCHEDULER, else this machine).",
    ),
]


def use_scheduler(scheduler: str | None) -> None:
    """Route the engine's per-series work to a Dask cluster for this process."""
    if scheduler:
        import os

        from forecast.engine.runner import SCHEDULER_ENV

        os.environ[SCHEDULER_ENV] = scheduler


def register(app: typer.Typer) -> None:
    """Add the engine commands to the top-level app."""
    app.command("baseline")(baseline)
    app.command("backtest")(backtest_cmd)


def _read(
    file: Path, id_col: list[str] | None, date: str | None, value: str | None, freq: str | None
) -> IngestResult:
    try:
        return read_sales(file, id_cols=id_col or None, date_col=date, value_col=value, freq=freq)
    except IngestError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        count = len(exc.problems)
        typer.echo(
            f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was written.", err=True
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _check_out(out: Path | None) -> None:
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        fail(f"--out {out}: write to a .csv or .parquet file (e.g. --out baseline.csv).")


def _write(frame: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False, date_format="%Y-%m-%d")


def baseline(
    file: Annotated[Path, typer.Argument(help="Sales file: CSV, Parquet or XLSX.")],
    horizon: HorizonOpt,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Write the baseline to OUT.csv or OUT.parquet.")
    ],
    level: Annotated[
        list[int] | None,
        typer.Option("--level", help="Prediction interval level in percent (repeat: 80 95)."),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help=f"One of {', '.join(MODELS)}.")
    ] = "auto",
    holidays: HolidaysOpt = None,
    jobs: JobsOpt = 1,
    scheduler: SchedulerOpt = None,
    id_col: IdOpt = None,
    date: DateOpt = None,
    value: ValueOpt = None,
    freq: FreqOpt = None,
) -> None:
    """Forecast a baseline per series with prediction intervals and write it to OUT."""
    _check_out(out)
    use_scheduler(scheduler)
    if model not in MODELS:
        fail(f"--model {model!r} is not known; choose one of {', '.join(MODELS)}.")
    result = _read(file, id_col, date, value, freq)
    try:
        frame = forecast_baseline(
            result.history,
            horizon,
            freq=result.freq,
            levels=tuple(level) if level else (80, 95),
            model=model,
            holidays=holidays,
            jobs=jobs,
        )
    except SchemaError as exc:
        fail(str(exc))
    _write(frame, out)
    series = frame["unique_id"].nunique()
    first, last = frame["ds"].min(), frame["ds"].max()
    typer.echo(
        f"baseline: {series} series x {horizon} periods ({result.freq}), "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}, written to {out}"
    )
    used = frame.drop_duplicates("unique_id")["model"].value_counts()
    typer.echo("models used (series):")
    for name, count in used.items():
        typer.echo(f"  {count:>6}  {name}")


def backtest_cmd(
    file: Annotated[Path, typer.Argument(help="Sales file: CSV, Parquet or XLSX.")],
    horizon: HorizonOpt,
    windows: Annotated[int, typer.Option("--windows", "-w", help="Rolling origins.", min=1)] = 3,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Models to compare (repeat); default: all and auto."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write per-series metrics to OUT.csv or OUT.parquet."),
    ] = None,
    holidays: HolidaysOpt = None,
    jobs: JobsOpt = 1,
    scheduler: SchedulerOpt = None,
    id_col: IdOpt = None,
    date: DateOpt = None,
    value: ValueOpt = None,
    freq: FreqOpt = None,
) -> None:
    """Rolling-origin backtest: MASE, WAPE and bias of every model and of auto."""
    use_scheduler(scheduler)
    from forecast.engine.backtest import DEFAULT_MODELS, backtest

    _check_out(out)
    models = tuple(model) if model else DEFAULT_MODELS
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        fail(f"--model {', '.join(unknown)} is not known; choose from {', '.join(MODELS)}.")
    result = _read(file, id_col, date, value, freq)
    try:
        by_series, overall = backtest(
            result.history,
            horizon,
            windows=windows,
            models=models,
            freq=result.freq,
            holidays=holidays,
            jobs=jobs,
        )
    except SchemaError as exc:
        fail(str(exc))
    typer.echo(
        f"backtest: {by_series['unique_id'].nunique()} series, {windows} window(s) of "
        f"{horizon} periods ({result.freq})"
    )
    typer.echo(f"{'model':<10} {'MASE':>8} {'WAPE':>8} {'bias':>8} {'series':>7}")
    for row in overall.itertuples(index=False):
        typer.echo(
            f"{row.model:<10} {row.mase:>8.3f} {row.wape:>8.1%} {row.bias:>+8.1%} {row.series:>7}"
        )
    if out is not None:
        _write(by_series, out)
        typer.echo(f"per-series metrics written to {out}")
