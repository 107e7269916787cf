"""The command line warns when a goal asks the teams for less than the system plan expects."""

from __future__ import annotations

from test_negotiation_cli import data_dir, run  # noqa: F401  (fixture)


def _plan_id(data_dir) -> str:  # noqa: F811
    return run(data_dir, "list").split()[0]


def test_a_goal_below_the_system_plan_is_warned_and_one_above_is_not(data_dir):  # noqa: F811
    plan = _plan_id(data_dir)
    below = run(data_dir, "goal", plan, "--ratio", "0.9", "--as", "olga")
    assert "warning: the goal is" in below and "(10.0 %) below the system plan" in below
    assert "below the system plan" in run(data_dir, "ledger", plan)
    above = run(data_dir, "goal", plan, "--ratio", "1.2", "--as", "olga")
    assert "below the system plan" not in above
