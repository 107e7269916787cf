"""A quantity that rounds to zero reads 0, never -0.0 (nor +0.0): a growth of -2.2e-16 over last
year, a claim of -0.0 % of a JPY basis. One formatter per kind, so every view (CLI, pages, the
grids) reads the same."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest

from dashboard import components, figures
from forecast.cli import plan_negotiation
from forecast.money import format_money, format_number, format_percent

TINY = -2.220446049250313e-16  # what `plan stretch --json` gave as growth_vs_last_year


def test_percent_of_a_rounding_error_reads_zero_percent() -> None:
    assert format_percent(TINY, 1, signed=True) == "0.0 %"
    assert format_percent(TINY) == "0.0 %"
    assert format_percent(-0.0004, 1) == "0.0 %"
    assert format_percent(-0.0006, 1) == "-0.1 %"
    assert format_percent(0.0006, 1, signed=True) == "+0.1 %"


def test_number_and_money_that_round_to_zero_take_no_sign() -> None:
    assert format_number(-0.0, 1) == "0.0"
    assert format_number(-0.04, 1, signed=True) == "0.0"
    assert format_number(0.0, 1, signed=True) == "0.0"
    assert format_number(1234.56, 1, signed=True) == "+1,234.6"
    assert format_money(-0.004, "USD", decimals=2) == "$0.00"
    assert format_money(-0.4, "JPY") == "¥0"
    assert format_money(0.001, "EUR", decimals=2, signed=True) == "€0.00"
    assert format_money(-0.006, "USD", decimals=2) == "-$0.01"
    assert components.number(-0.2) == "0"


def test_ledger_and_stretch_texts_show_no_signed_zero() -> None:
    assert plan_negotiation._pct_text(TINY) == "0.0"
    assert plan_negotiation._pct_text(-0.0) == "0.0"
    fig = figures.stretch_chart(
        pd.DataFrame({"team": ["a"], "probability": [0.88], "growth": [TINY]})
    )
    shown = fig.to_json()
    assert "0.0 % vs last year" in shown
    assert "-0.0 %" not in shown and "+0.0 %" not in shown


D3_STUB = r"""
const d3 = {format: spec => x => {
  const m = /^(\+)?(,)?\.(\d+)f$/.exec(spec);
  let s = Math.abs(x).toLocaleString('en-US', {minimumFractionDigits: +m[3],
      maximumFractionDigits: +m[3], useGrouping: !!m[2]});
  const neg = x < 0 || Object.is(x, -0);
  return (neg ? '\u2212' : (m[1] ? '+' : '')) + s;
}};
"""


def _run_grid(formatter: dict[str, str], cases: list[tuple[float, str]]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed to run the grid's formatter")
    script = (
        D3_STUB
        + "const f = params => ("
        + formatter["function"]
        + ");\n"
        + "console.log(JSON.stringify("
        + json.dumps([{"value": v, "data": {"cur": c}} for v, c in cases])
        + ".map(f)));"
    )
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


def test_grid_percent_shows_zero_growth_as_zero() -> None:
    shown = _run_grid(components.grid_percent(1), [(100 * TINY, ""), (-0.04, ""), (2.5, "")])
    assert shown == ["0.0 %", "0.0 %", "+2.5 %"]


def test_grid_money_shows_a_rounding_error_without_sign() -> None:
    shown = _run_grid(
        components.grid_money(2, signed=True), [(-0.004, "$"), (-0.4, "¥"), (-3.0, "$")]
    )
    assert shown == ["$0.00", "¥0", "-$3.00"]
