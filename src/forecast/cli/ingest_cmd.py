"""`forecast ingest FILE`: read a sales file into the long contract and report on it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forecast.cli.common import (
    DateColOpt,
    DecimalOpt,
    DuplicatesOpt,
    FreqOpt,
    IdColOpt,
    JsonOpt,
    OldDateOpt,
    OldIdOpt,
    OldValueOpt,
    ValueColOpt,
    WeekDatesOpt,
    columns,
    echo_json,
    fail,
)

if TYPE_CHECKING:
    from forecast.services.types import IngestResult


def register(app: typer.Typer) -> None:
    """Add the ingest command to the top-level app."""
    app.command("ingest")(ingest)


def ingest(
    file: Annotated[
        Path, typer.Argument(help="Sales file: CSV (any separator, .gz), Parquet or XLSX.")
    ],
    id_col: IdColOpt = None,
    date_col: DateColOpt = None,
    value_col: ValueColOpt = None,
    freq: FreqOpt = None,
    duplicates: DuplicatesOpt = "sum",
    week_dates: WeekDatesOpt = "start",
    decimal: DecimalOpt = None,
    attributes: Annotated[
        Path | None,
        typer.Option("--attributes", help="Table of per-series attributes (e.g. a store table)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the long frame to OUT.csv or OUT.parquet (planned flags: rows, sales empty).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    old_id: OldIdOpt = None,
    old_date: OldDateOpt = None,
    old_value: OldValueOpt = None,
) -> None:
    """Read a sales file, check it, and print what was found (series, dates, frequency, gaps, flags)."""
    from forecast.cli.engine_cmds import read

    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        fail(f"--out {out}: write to a .csv or .parquet file")
    ids, date_col, value_col = columns(id_col, date_col, value_col, old_id, old_date, old_value)
    result = read(
        file,
        ids,
        date_col,
        value_col,
        freq,
        duplicates=duplicates,
        attributes_file=attributes,
        week_dates=week_dates,
        decimal=decimal,
    )
    if out is not None:
        write_history(result, out)
    if as_json:
        from forecast.cli.fix_hints import CLI_FIXES

        payload = result.to_dict(CLI_FIXES)  # the notes' fixes as options to pass
        if out is not None:
            payload["out"] = str(out)
        echo_json(payload)
        return
    typer.echo(summary(result))
    if out is not None:
        from forecast.services.money import format_count

        ahead = 0 if result.future is None else len(result.future)
        planned = f" and {format_count(ahead)} rows of planned flags (sales empty)" if ahead else ""
        typer.echo(f"wrote {format_count(len(result.history))} rows{planned} to {out}")


def write_history(result: IngestResult, out: Path) -> None:
    """The long frame, then the planned flags of the periods ahead (``result.future``) as rows
    with the sales empty, as the file gave them: ``baseline`` on OUT reads them again."""
    import pandas as pd

    out.parent.mkdir(parents=True, exist_ok=True)
    frame = result.history
    if result.future is not None and len(result.future):
        frame = pd.concat([frame, result.future], ignore_index=True)[list(frame.columns)]
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False, date_format="%Y-%m-%d")


def summary(result: IngestResult) -> str:
    """The human summary of one ingest: what a planner checks before trusting the numbers."""
    from forecast.services.money import format_count as count

    r, m = result.report, result.mapping
    start = f"{r.start:%Y-%m-%d}" if r.start is not None else "-"
    end = f"{r.end:%Y-%m-%d}" if r.end is not None else "-"
    lines = [
        f"file:        {r.file} ({r.file_type}"
        + (
            f", {r.encoding}, separator {r.delimiter!r}, decimal {r.decimal!r}"
            if r.encoding
            else ""
        )
        + ")",
        f"rows read:   {count(r.rows_read)}",
        f"series:      {count(r.series)}",
        f"date range:  {start} .. {end}",
        f"frequency:   {r.freq}",
        f"periods:     {count(r.periods)} ({count(r.series_periods)} series-periods)",
        f"missing periods filled with 0: {count(r.missing_periods_filled)}"
        + (f" in {count(len(r.missing_by_series))} series" if r.missing_by_series else ""),
    ]
    if r.missing_by_series:
        worst = sorted(r.missing_by_series.items(), key=lambda kv: -kv[1])[:10]
        lines.append("  most filled: " + ", ".join(f"{k} ({count(v)})" for k, v in worst))
    from forecast.services.file_check import gapped_series

    gapped = gapped_series(result.history, str(result.freq))
    if gapped:
        lines.append(
            f"  gaps: {count(gapped)} series have a long run without sales between sales; the "
            "forecast reads it from the same periods a season before"
        )
    lines += [
        f"rows summed into another row: {count(r.duplicates_summed)}",
        f"negative values: {count(r.negative_values)}",
        f"flags:       {', '.join(result.flags) or '-'}",
        f"attributes:  {', '.join(c for c in result.attributes.columns if c != 'unique_id') or '-'}",
        "mapping:     "
        f"id={' + '.join(m.id_cols) or '(one series)'}, date={m.date_col}, value={m.value_col}",
    ]
    if m.ignored:
        lines.append(f"ignored:     {', '.join(m.ignored)}")
    from forecast.cli.fix_hints import CLI_FIXES

    for note in r.notes_in(CLI_FIXES):  # a note's fix as an option to pass
        lines.append(f"note: {note}")
    return "\n".join(lines)
