"""An event's amount on the command line is read as the page's value box reads it: thousands
separators, a decimal comma and 40k, not only what Python's float() takes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.cli.plan_system import _units


@pytest.mark.parametrize(
    ("typed", "value"),
    [("40000", 40000.0), ("40,000", 40000.0), ("12,5", 12.5), ("-500", -500.0), ("40k", 40000.0)],
)
def test_an_amount_is_read_as_a_planner_types_it(typed, value):
    assert _units(typed) == value


@pytest.mark.parametrize("option", ["--add", "--cap", "--set"])
def test_an_amount_that_is_no_number_is_refused_saying_how_to_type_it(option, tmp_path):
    result = CliRunner().invoke(
        app,
        ["plan", "event", "add", "p1", "--name", "x", "--kind", "other", "--start", "2015-08-10",
         "--end", "2015-08-16", option, "forty", "--data-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'forty' is not an amount: type it as 40000, 40,000" in " ".join(result.output.split())
