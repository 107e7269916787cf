"""A quantity that rounds to zero reads 0, never -0.0 (nor +0.0): a growth of -2.2e-16 over last
year, a claim of -0.0 % of a JPY basis. One formatter per kind, so every view (CLI, pages, the
grids) reads the same."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date

import pandas as pd
import pytest

from dashboard import components, figures
from dashboard.system import view as system_view
from forecast.cli import accuracy_cmds, plan_negotiation, plan_system
from forecast.engine.uplift import Uplift
from forecast.money import format_money, format_number, format_percent, format_percent_value
from forecast.overrides import Event, Explanation, Scope, describe_cells, outdated_because
from forecast.services import system

TINY = -2.220446049250313e-16  # what `plan stretch --json` gave as growth_vs_last_year
TINY_PCT = -0.04  # a change in percent that rounds to zero at one decimal


def test_percent_of_a_rounding_error_reads_zero_percent() -> None:
    assert format_percent(TINY, 1, signed=True) == "0.0 %"
    assert format_percent(TINY) == "0.0 %"
    assert format_percent(-0.0004, 1) == "0.0 %"
    assert format_percent(-0.0006, 1) == "-0.1 %"
    assert format_percent(0.0006, 1, signed=True) == "+0.1 %"


def test_percent_value_that_rounds_to_zero_takes_no_sign() -> None:
    assert format_percent_value(TINY_PCT, 1, signed=True) == "0.0 %"
    assert format_percent_value(0.0, 1, signed=True) == "0.0 %"
    assert format_percent_value(-0.06, 1, signed=True) == "-0.1 %"
    assert format_percent_value(1234.56, 1, signed=True) == "+1,234.6 %"
    assert format_percent_value(None) == "–"


def test_overrides_texts_show_a_tiny_change_as_zero_percent() -> None:
    cells = pd.DataFrame(
        {
            "level": ["series", "series"],
            "key": ["1", "2"],
            "ds": pd.to_datetime(["2024-01-05", "2024-01-12"]),
            "deviation_pct": [TINY_PCT, float("inf")],
        }
    )
    assert describe_cells(cells).splitlines() == [
        "  series 1 2024-01-05 0.0 %",
        "  series 2 2024-01-12 new volume",
    ]
    explained = Explanation(
        "series", "1", date(2024, 1, 5), "promotion", "flyer", "ann", deviation_pct=30.0, events=()
    )
    assert outdated_because(explained, TINY_PCT, 0.0, [], {}) == (
        "+30.0 % when explained, now 0.0 %"
    )
    flat = Event(
        event_id="E1", name="flat", kind="promotion", scope=Scope(),
        start=date(2024, 1, 5), end=date(2024, 1, 11), effect="percent", value=-0.001,
    )  # fmt: skip
    assert flat.describe_effect(currency=None) == "0 %"


def test_suggestion_texts_show_a_tiny_uplift_as_zero_percent() -> None:
    uplift = Uplift("promotion", "Promo", TINY_PCT, TINY_PCT, 2.5, n_series=3, n_periods=6)
    assert uplift.describe() == ("0.0 % (range 0.0 % to +2.5 %) learned from Promo over 3 series")
    record = {"value": TINY_PCT, "low": TINY_PCT, "high": 2.5, "flag": "Promo"}
    record |= {"net_value": TINY_PCT, "in_baseline": 0.5}
    assert system.suggestion_text(record) == (
        "0.0 % (range 0.0 % to +2.5 %) from Promo, 0.0 % net of the 50 % the baseline repeats"
    )


def test_cli_plan_system_texts_show_a_tiny_change_as_zero_percent() -> None:
    assert plan_system._pct(TINY_PCT) == "0.0 %"
    assert plan_system._pct(12.345) == "+12.3 %"
    assert plan_system._pct(float("inf")) == "new volume"
    table = plan_system._table(pd.DataFrame({"deviation_pct": [TINY_PCT]}), ["deviation_pct"], None)
    assert "0.0 %" in table and "-0.0" not in table and "+0.0" not in table
    assert accuracy_cmds._pct(-0.00001, True) == "0.00 pts"


def test_system_plan_headline_shows_a_tiny_change_as_zero_percent() -> None:
    assert system_view.against_baseline(TINY_PCT / 100, 2) == (
        "0.0 % against the baseline, 2 event(s)"
    )
    assert system_view.against_baseline(0.025, 1) == "+2.5 % against the baseline, 1 event(s)"
    assert system_view.signed_percent(TINY_PCT) == "0.0\u00a0%"


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
    assert plan_negotiation._pct_text(TINY) == "0.0 %"
    assert plan_negotiation._pct_text(-0.0) == "0.0 %"
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
