"""The stretch probabilities read the same on the command line as on the dashboard's pages."""

from __future__ import annotations

from pathlib import Path

from test_services_negotiation import team_plan
from typer.testing import CliRunner

from dashboard import components
from forecast.cli import app as cli
from forecast.services import negotiation as nego
from forecast.services.store_factory import open_store


def test_plan_stretch_prints_each_teams_probability_as_the_pages_show_it(tmp_path: Path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = team_plan(store, "stretch", {"a": "anna"})
    nego.set_goal(store, plan_id, "olga", ratio="1.02", basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", percent="1", note="flyer")
    stretch = nego.stretch(store, plan_id)
    shown = {
        str(team): components.probability(float(p))
        for team, p in zip(stretch["team"], stretch["probability_reach"], strict=True)
    }
    store.close()
    result = CliRunner().invoke(
        cli, ["plan", "stretch", plan_id, "--data-dir", str(data_dir)], catch_exceptions=False
    )
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    for team, probability in shown.items():
        if team != "TOTAL":
            assert f" {probability} " in lines[team], (team, probability, lines[team])


def test_with_claims_over_the_gap_the_total_of_the_teams_targets_has_its_own_chance(
    tmp_path: Path,
):
    """The ledger's TOTAL target is the teams' targets summed, above the goal when the claims
    exceed the gap: its chance is given beside the goal's (the stretch's TOTAL), on the Side by
    side page's TOTAL row and on the command line, not the goal's under the ledger's total."""
    from forecast.services import comparison

    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = team_plan(store, "over", {"a": "anna"})
    nego.set_goal(store, plan_id, "olga", ratio="1.01", basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", percent="5", note="flyer")
    ledger = nego.ledger(store, plan_id).set_index("team")
    ledger_total = round(100 * float(ledger.loc["TOTAL", "target"]))  # minor units
    stretch = nego.stretch(store, plan_id).set_index("team")
    total = stretch.loc["TOTAL"]
    assert total["target_minor"] < ledger_total  # the goal's, below the targets summed
    assert total["teams_target_minor"] == ledger_total
    assert total["teams_probability_reach"] < total["probability_reach"]  # a higher target
    differences = comparison.compare_plans(store, plan_id).differences.set_index("team")
    assert round(100 * differences.loc["TOTAL", "target"]) == ledger_total
    assert differences.loc["TOTAL", "probability"] == total["teams_probability_reach"]
    store.close()
    result = CliRunner().invoke(
        cli, ["plan", "stretch", plan_id, "--data-dir", str(data_dir)], catch_exceptions=False
    )
    summed = components.probability(float(total["teams_probability_reach"]))
    assert "the teams' targets summed (the ledger's TOTAL)" in result.output
    assert f"P(reach) {summed}" in result.output
