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
