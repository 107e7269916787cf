"""`forecast baseline FILE` and `forecast backtest FILE` (`forecast ingest` lives in ingest_cmd).

The engine is imported inside the commands (through `forecast.services.engine`), so that
`forecast --help` does not load pandas and the model libraries.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli.choices import ModelMember
from forecast.cli.common import (
    DateColOpt,
    DecimalOpt,
    FreqOpt,
    HolidaysOpt,
    HorizonOpt,
    IdColOpt,
    JobsOpt,
    JsonOpt,
    ModelOpt,
    OldDateOpt,
    OldIdOpt,
    OldValueOpt,
    ValueColOpt,
    WeekDatesOpt,
    columns,
    detail,
    echo_json,
    fail,
    info,
)
from forecast.cli.progress import counts, progress

if TYPE_CHECKING:
    import pandas as pd

OUT_SUFFIXES = (".csv", ".parquet")

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler tcp://HOST:PORT: fit on that cluster (default: "
        "$FORECAST_DASK_SCHEDULER, else this machine).",
    ),
]


def use_scheduler(scheduler: str | None) -> str | None:
    """Route the engine's per-series work to a Dask cluster for this process (--scheduler, else
    $FORECAST_DASK_SCHEDULER): its address, or None for this machine. A malformed address is
    refused here, before the command reads anything."""
    from forecast.services import engine

    return engine.use_scheduler(scheduler)


def say_where_fitted() -> None:
    """One line on stderr when the run was fitted on a Dask cluster: its address and size."""
    from forecast.services import engine

    note = engine.cluster_note()
    if note:
        info(note)


def register(app: typer.Typer) -> None:
    """Add the engine commands to the top-level app."""
    app.command("baseline")(baseline)
    app.command("backtest")(backtest_cmd)
    app.command("models")(models_cmd)


def read(
    file: Path,
    id_col: list[str] | None,
    date_col: str | None,
    value_col: str | None,
    freq: str | None,
    **options: Any,
) -> Any:
    """The ingest result of FILE; an unreadable file stops the command (exit 2, every problem)."""
    from forecast.services import engine

    with progress("reading", lines=False) as report:
        report(0.0, f"reading {file.name}")
        result = engine.read_sales_file(
            file, id_cols=id_col, date_col=date_col, value_col=value_col, freq=freq, **options
        )
        report(1.0, f"{result.report.series:,} series, {result.report.rows_read:,} rows")
    return result


def check_out(out: Path | None) -> None:
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        fail(f"--out {out}: write to a .csv or .parquet file (e.g. --out baseline.csv).")


def write_frame(frame: pd.DataFrame, out: Path) -> None:
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
    interval: Annotated[
        list[int] | None,
        typer.Option(
            "--interval",
            help="Prediction interval in percent (repeat: --interval 80 --interval 95).",
        ),
    ] = None,
    old_level: Annotated[list[int] | None, typer.Option("--level", hidden=True)] = None,
    model: ModelOpt = "auto",
    holidays: HolidaysOpt = None,
    jobs: JobsOpt = 1,
    id_col: IdColOpt = None,
    date_col: DateColOpt = None,
    value_col: ValueColOpt = None,
    scheduler: SchedulerOpt = None,
    freq: FreqOpt = None,
    week_dates: WeekDatesOpt = "start",
    decimal: DecimalOpt = None,
    old_id: OldIdOpt = None,
    old_date: OldDateOpt = None,
    old_value: OldValueOpt = None,
) -> None:
    """Forecast a baseline per series with prediction intervals and write it to OUT."""
    from forecast.services import engine

    check_out(out)
    use_scheduler(scheduler)
    ids, date_col, value_col = columns(id_col, date_col, value_col, old_id, old_date, old_value)
    if old_level:
        info(
            "note: baseline --level is now spelled --interval (--level is a plan's level elsewhere)"
        )
    levels = tuple(interval or old_level or (80, 95))
    result = read(file, ids, date_col, value_col, freq, week_dates=week_dates, decimal=decimal)
    with progress(f"baseline ({model})") as report:
        frame = engine.baseline(
            result.history,
            horizon,
            freq=result.freq,
            levels=levels,
            model=model,
            holidays=holidays,
            jobs=jobs,
            progress=counts(report, "series fitted"),
            shut_weekdays=result.report.weekdays_never,
            future=result.future,
        )
    say_where_fitted()
    write_frame(frame, out)
    series = frame["unique_id"].nunique()
    first, last = frame["ds"].min(), frame["ds"].max()
    typer.echo(
        f"baseline: {series} series x {horizon} periods ({result.freq}), "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}, written to {out}"
    )
    used = frame.drop_duplicates("unique_id")["model"].value_counts()
    typer.echo("models used (series; `forecast models` says what each name means):")
    for name, count in used.items():
        typer.echo(f"  {count:>6}  {name}")
    note = engine.interval_note(frame)
    if note:
        typer.echo(f"intervals: {note}")
    if result.future is not None:
        future = result.future[result.future["ds"].between(first, last)]  # the horizon's
        if len(future):
            unused = f" (not used by {model})" if model in engine.FLAGLESS_MODELS else ""
            typer.echo(
                f"planned flags given in the file: {', '.join(result.flags)} "
                f"({future['unique_id'].nunique()} series, {future['ds'].min():%Y-%m-%d} to "
                f"{future['ds'].max():%Y-%m-%d}){unused}"
            )


def backtest_cmd(
    file: Annotated[Path, typer.Argument(help="Sales file: CSV, Parquet or XLSX.")],
    horizon: HorizonOpt,
    windows: Annotated[int, typer.Option("--windows", "-w", help="Rolling origins.", min=1)] = 3,
    model: Annotated[
        list[ModelMember] | None,
        typer.Option(
            "--model",
            "-m",
            help="Models to compare (repeat); default: all and auto.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write per-series metrics to OUT.csv or OUT.parquet."),
    ] = None,
    holidays: HolidaysOpt = None,
    jobs: JobsOpt = 1,
    id_col: IdColOpt = None,
    date_col: DateColOpt = None,
    value_col: ValueColOpt = None,
    scheduler: SchedulerOpt = None,
    freq: FreqOpt = None,
    week_dates: WeekDatesOpt = "start",
    decimal: DecimalOpt = None,
    old_id: OldIdOpt = None,
    old_date: OldDateOpt = None,
    old_value: OldValueOpt = None,
) -> None:
    """Rolling-origin backtest: MASE, WAPE and bias of every model and of auto."""
    from forecast.services import engine
    from forecast.services import money as fmt

    use_scheduler(scheduler)

    check_out(out)
    models = tuple(m.value for m in model) if model else engine.BACKTEST_MODELS
    ids, date_col, value_col = columns(id_col, date_col, value_col, old_id, old_date, old_value)
    result = read(file, ids, date_col, value_col, freq, week_dates=week_dates, decimal=decimal)
    detail(f"backtest: {len(models)} model(s) x {windows} window(s): {', '.join(models)}")
    with progress("backtest") as report:
        by_series, overall = engine.backtest(
            result.history,
            horizon,
            windows=windows,
            models=models,
            freq=result.freq,
            holidays=holidays,
            jobs=jobs,
            progress=report,
        )
    say_where_fitted()
    typer.echo(
        f"backtest: {by_series['unique_id'].nunique()} series, {windows} window(s) of "
        f"{horizon} periods ({result.freq})"
    )
    typer.echo(f"{'model':<10} {'MASE':>8} {'WAPE':>8} {'bias':>8} {'series':>7}")
    for row in overall.itertuples(index=False):
        wape, bias = fmt.format_percent(row.wape), fmt.format_percent(row.bias, signed=True)
        typer.echo(f"{row.model:<10} {row.mase:>8.3f} {wape:>8} {bias:>8} {row.series:>7}")
    if "auto" in models:
        typer.echo(AUTO_CHOSEN_PER_WINDOW)
    if out is not None:
        write_frame(by_series, out)
        typer.echo(f"per-series metrics written to {out}")


AUTO_CHOSEN_PER_WINDOW = (
    "auto chose its model per series afresh at each window, on the history before the window "
    "(as a plan made that day would), so its choices may differ from those of a plan made on "
    "the whole file"
)


def models_cmd(
    label: Annotated[
        str | None,
        typer.Argument(
            help="A label from a model column, e.g. 'median(dyn_theta,stl_ets)'; "
            "without one, every model name is listed."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Say what the model names of the model column mean."""
    from forecast.services import model_names

    if label is not None:
        text = model_names.explain(label)
        if as_json:
            echo_json({"label": label, "means": text})
        else:
            typer.echo(text)
        return
    if as_json:
        echo_json(model_names.MODEL_NAMES)
        return
    width = max(len(name) for name in model_names.MODEL_NAMES)
    for name, text in model_names.MODEL_NAMES.items():
        typer.echo(f"{name:<{width}}  {text}")
    typer.echo("mean(a,b,...) and median(a,b,...) combine the forecasts of the models named.")
