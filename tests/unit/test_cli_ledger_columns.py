"""`forecast plan ledger` and `plan stretch` keep every name and amount whole and in its column:
the team column was 16 characters and each amount 20 or 22, so a long team name or an amount of
a large plan ran into the next column."""

from __future__ import annotations

from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import negotiation
from forecast.services.store_factory import open_store
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

LONG_NAME = "Northern region hypermarkets"


def _plan(tmp_path, totals: dict[str, float]) -> str:
    store = open_store(data_dir=tmp_path / "data")
    plan = weekly_team_plan(store, team_frames(totals, weeks=10), name="wide").plan_id
    negotiation.set_goal(store, plan, "olga", ratio="1.5")
    store.close()
    return plan


def _table(output: str, rows: int) -> tuple[str, list[str]]:
    """The header line (the one starting "team") and the `rows` lines under it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("team "))
    return lines[start], lines[start + 1 : start + 1 + rows]


def _assert_right_aligned(header: str, rows: list[str], column: str) -> None:
    ends = header.index(column) + len(column)
    for row in rows:
        assert row[ends - 1].isdigit(), (column, header, row)  # the amount ends under its header
        assert row[ends] == " ", (column, header, row)


def test_plan_ledger_sizes_the_team_column_to_the_longest_team_name(tmp_path):
    plan = _plan(tmp_path, {LONG_NAME: 3.0e4, "b": 2.0e4})
    result = CliRunner().invoke(app, ["plan", "ledger", plan, "--data-dir", str(tmp_path / "data")])

    assert result.exit_code == 0, result.output
    header, rows = _table(result.stdout, 3)
    assert any(row.startswith(LONG_NAME + "  ") for row in rows), rows
    for column in ("system_plan", "basis", "target"):
        _assert_right_aligned(header, rows, column)


def test_plan_ledger_keeps_amounts_of_a_large_plan_whole_in_their_columns(tmp_path):
    plan = _plan(tmp_path, {"a": 3.0e12, "b": 2.0e12})
    result = CliRunner().invoke(app, ["plan", "ledger", plan, "--data-dir", str(tmp_path / "data")])

    assert result.exit_code == 0, result.output
    header, rows = _table(result.stdout, 3)
    for column in ("system_plan", "basis", "basis_drift", "claim", "assignment", "target"):
        _assert_right_aligned(header, rows, column)


def test_plan_stretch_sizes_its_columns_to_the_names_and_amounts(tmp_path):
    plan = _plan(tmp_path, {LONG_NAME: 4.0e11, "b": 3.0e11})
    result = CliRunner().invoke(
        app, ["plan", "stretch", plan, "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 0, result.output
    header, rows = _table(result.stdout, 3)
    assert any(row.startswith(LONG_NAME + "  ") for row in rows), rows
    for column in ("target", "expected"):
        _assert_right_aligned(header, rows, column)
