"""Progress of long commands on stderr, fed by the services' and the engine's progress callbacks.

`with progress("baseline") as report: service(..., progress=report)` shows
- on a terminal: a rich progress bar (with -v also each step as a line above it);
- otherwise (a pipe, a log file, a test): a line per step with -v, a line per tenth by default;
- with -q: nothing.

Rich is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from forecast.cli.conventions import QUIET, VERBOSE, verbosity

Report = Callable[[float, str], None]
"""`report(fraction, message)`: the services' progress callback (fraction in 0..1)."""


def counts(report: Report, what: str) -> Callable[[int, int], None]:
    """Adapt `report` to the engine's `progress(done, total)` callback."""

    def step(done: int, total: int) -> None:
        report(done / total if total else 1.0, f"{done:,} of {total:,} {what}")

    return step


@contextmanager
def progress(label: str, *, lines: bool = True) -> Iterator[Report]:
    """A progress reporter for one long step of a command (see the module doc); with
    `lines=False` a short step shows its lines (off a terminal) only with -v."""
    level = verbosity()
    if level <= QUIET or (not lines and level < VERBOSE and not _is_terminal()):
        yield _ignore
        return
    started = time.monotonic()
    if _is_terminal():
        with _bar(label, level) as report:
            yield report
    else:
        yield _lines(label, level)
    if level >= VERBOSE:
        typer.echo(f"{label}: done in {time.monotonic() - started:.1f} s", err=True)


def _ignore(fraction: float, message: str) -> None:
    return None


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _lines(label: str, level: int) -> Report:
    started = time.monotonic()
    shown = {"tenth": -1}

    def report(fraction: float, message: str) -> None:
        tenth = int(max(0.0, min(1.0, fraction)) * 10)
        if level < VERBOSE and tenth == shown["tenth"]:
            return
        shown["tenth"] = tenth
        elapsed = f" ({time.monotonic() - started:.0f} s)" if level >= VERBOSE else ""
        typer.echo(f"{label}: {fraction:4.0%} {message}{elapsed}", err=True)

    return report


@contextmanager
def _bar(label: str, level: int) -> Iterator[Report]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    columns: list[Any] = [
        TextColumn(f"[bold]{label}[/bold]"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    ]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("", total=1.0)
        last = {"message": ""}

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=max(0.0, min(1.0, fraction)), description=message)
            if level >= VERBOSE and message != last["message"]:
                bar.console.log(f"{label}: {message}")
            last["message"] = message

        yield report
