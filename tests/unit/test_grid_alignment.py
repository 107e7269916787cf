"""Amounts and percents in the pages' tables line up on the right, as in a spreadsheet, so a
column of numbers reads by its digits (the ledger's basis and drift once sat on the left)."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.negotiation_parts.view import ledger_columns
from dashboard.pages.side_by_side import difference_columns
from dashboard.system.columns import deviation_columns, factor_columns, team_columns

FACTORIES = [
    ledger_columns,
    difference_columns,
    deviation_columns,
    factor_columns,
    team_columns,
]


def _formats_a_number(column: dict[str, Any]) -> bool:
    formatter = str(column.get("valueFormatter", {}).get("function", ""))
    return "d3.format" in formatter


@pytest.mark.parametrize("columns", FACTORIES, ids=lambda f: f.__name__)
def test_every_amount_and_percent_column_is_right_aligned(columns) -> None:
    numeric = [c for c in columns() if _formats_a_number(c)]
    assert numeric, "the table shows no formatted number at all"
    left = [c["field"] for c in numeric if c.get("type") != "numericColumn"]
    assert left == [], f"{columns.__name__}: numbers on the left in {left}"
