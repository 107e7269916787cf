"""The `forecast` command line. One module per command group; this file only wires them.

Conventions (forecast.cli.conventions): -v/-q anywhere on the line, exit codes by class of
failure, errors as JSON under --json, choices validated against forecast.vocabulary. Heavy
libraries (pandas, the models, SQLAlchemy, Dash) are imported inside the commands, so that
`import forecast.cli` and `forecast --help` stay light.
"""

from __future__ import annotations

from typing import Annotated

import typer

from forecast import __version__
from forecast.cli import (
    accuracy_cmds,
    actuals_cmds,
    engine_cmds,
    ingest_cmd,
    plan_negotiation,
    plan_system,
    serve_cmds,
)
from forecast.cli.conventions import EXIT_CODES, ForecastGroup, set_verbosity
from forecast.cli.plan_app import plan_app
from forecast.cli.store_cmds import store_app
from forecast.cli.user_cmds import user_app

_EXIT_CODES_TEXT = "\n".join(f"  {code:>3}  {text}" for code, _, text in EXIT_CODES)

app = typer.Typer(
    name="forecast",
    cls=ForecastGroup,
    help="System plan vs negotiated plan: baseline forecasts, event overrides, and the "
    "negotiated gap.\n\n"
    "-v shows progress and detail (and the traceback of an internal error); -q shows only "
    "results and errors. With --json a command prints its result, or its error, as one JSON "
    "object on stdout.",
    epilog=f"\b\nExit codes:\n{_EXIT_CODES_TEXT}\n\nShell completion: forecast --install-completion (bash, zsh, fish, PowerShell).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
)


ingest_cmd.register(app)
engine_cmds.register(app)
serve_cmds.register(app)
accuracy_cmds.register(app)
assert actuals_cmds  # its commands join `forecast plan` on import
app.add_typer(plan_app, name="plan")
app.add_typer(user_app, name="user")
app.add_typer(store_app, name="store")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"forecast {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="Show progress and detail (also after the command: forecast baseline ... -v).",
        ),
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Show only results and errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    set_verbosity(verbose, quiet)


# The plan command group is filled by these modules when they are imported.
_PLAN_MODULES = (plan_system, plan_negotiation)


def main() -> None:
    """Run the command line, then leave the process without the C library's exit: Python's own
    exit work (atexit functions, the stores it opened closed, so SQLite folds its write-ahead
    log into the database file) is done first, then ``os._exit`` with the command's code. Arrow
    (which pandas imports) keeps C++ threads whose static destructors could abort the process
    after the command had finished ("terminate called without an active exception", exit 134 for
    about one run in 80 of a refused `plan event add` under load), so a script reading the exit
    code took a refusal (2) for a crash."""
    import atexit
    import contextlib
    import gc
    import os
    import sys

    try:
        app()
        code = 0
    except SystemExit as done:
        code = _exit_code(done.code)
    atexit._run_exitfuncs()
    if "forecast.store" in sys.modules:  # a command that opened a store: close it first
        from forecast.services.store_factory import close_open_stores

        close_open_stores()
        gc.collect()  # stores dropped already: their pools' connections sit in cycles
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)


def _exit_code(code: object) -> int:
    """`SystemExit.code` as a process exit code: None is 0, a message is 1 (printed, as Python
    prints it)."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    import sys

    print(code, file=sys.stderr)
    return 1
