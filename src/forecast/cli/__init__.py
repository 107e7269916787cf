"""The `forecast` command line. One module per command group; this file only wires them."""

from __future__ import annotations

from typing import Annotated

import typer

from forecast import __version__
from forecast.cli import engine_cmds, ingest_cmd, plan_negotiation, plan_system, serve_cmds
from forecast.cli.plan_app import plan_app

app = typer.Typer(
    name="forecast",
    help="System plan vs negotiated plan: baseline forecasts, event overrides, and the negotiated gap.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ingest_cmd.register(app)
engine_cmds.register(app)
serve_cmds.register(app)
app.add_typer(plan_app, name="plan")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"forecast {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """System plan vs negotiated plan: baseline forecasts, event overrides, and the negotiated gap."""


# The plan command group is filled by these modules when they are imported.
_PLAN_MODULES = (plan_system, plan_negotiation)


def main() -> None:
    app()
