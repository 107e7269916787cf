"""How the root group of the command line reports an unexpected failure: one line and exit
code 1 by default, the traceback with -v, a JSON object under --json. A tiny app with a real
bug (a division by zero) stands in for a command that breaks."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from typer.testing import CliRunner

from forecast.cli.conventions import EXIT_REFUSED, ForecastGroup, set_verbosity
from forecast.services.errors import Fix, FixKey, WrongStage

app = typer.Typer(cls=ForecastGroup)


@app.callback()
def root(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    set_verbosity(verbose, quiet)


@app.command()
def average(
    total: int, count: int, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    typer.echo(str(total // count))


@app.command()
def assign(plan: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    raise WrongStage(
        "cannot assign the remainder while the negotiation is in stage 'claiming': the claiming "
        "round is still open",
        Fix(FixKey.CLOSE_ROUND, plan=plan),
    )


runner = CliRunner()


def test_an_internal_error_is_one_line_and_exit_code_1():
    result = runner.invoke(app, ["average", "10", "0"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    first, hint = result.stderr.strip().splitlines()
    assert first == "error: internal error: ZeroDivisionError: integer division or modulo by zero"
    assert "-v" in hint


def test_verbose_shows_the_traceback_of_an_internal_error():
    result = runner.invoke(app, ["average", "10", "0", "-v"])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "total // count" in result.stderr


def test_an_internal_error_under_json_is_a_json_object():
    result = runner.invoke(app, ["average", "10", "0", "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["error"] == "internal" and error["kind"] == "internal"
    assert "ZeroDivisionError" in error["message"]


def test_a_working_command_exits_0():
    result = runner.invoke(app, ["average", "10", "5"])
    assert result.exit_code == 0 and result.stdout == "2\n"


def test_a_refusal_names_the_command_that_fixes_it_and_exits_3():
    result = runner.invoke(app, ["assign", "p1"])
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr.strip() == (
        "error: cannot assign the remainder while the negotiation is in stage 'claiming': the "
        "claiming round is still open; the owner closes it with `forecast plan close-round p1`"
    )


def test_a_refusal_under_json_carries_its_fix_as_data_and_in_words():
    result = runner.invoke(app, ["assign", "p1", "--json"])
    assert result.exit_code == EXIT_REFUSED
    error = json.loads(result.stdout)
    assert error["error"] == "wrong_stage" and error["kind"] == "refused"
    assert error["fix"] == {
        "key": "close_round",
        "params": {"plan": "p1"},
        "text": "the owner closes it with `forecast plan close-round p1`",
    }
    assert error["message"].endswith("`forecast plan close-round p1`")
