"""`forecast plan ledger` calls the basis what the Negotiation page calls it: "the system plan"
while it is the current one, "the earlier system plan" once an event moved the system plan."""

from __future__ import annotations

from test_services_negotiation import team_plan
from test_services_rebase import promote_team_c
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import negotiation as nego
from forecast.services.store_factory import open_store

runner = CliRunner()


def _header(data_dir, plan_id) -> str:
    shown = runner.invoke(app, ["plan", "ledger", plan_id, "--data-dir", str(data_dir)])
    assert shown.exit_code == 0, shown.output
    return shown.output.splitlines()[1]


def test_the_ledger_calls_a_moved_basis_the_earlier_system_plan_as_the_page_does(tmp_path):
    store = open_store(data_dir=tmp_path)
    try:
        plan_id = team_plan(store, "promo", {"a": "anna", "b": "bert"})
        nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
        assert "basis (the system plan) " in _header(tmp_path, plan_id)
        promote_team_c(store, plan_id)
        assert nego.basis_label(nego.summary(store, plan_id)) == "Earlier system plan"
        assert "basis (the earlier system plan) " in _header(tmp_path, plan_id)
    finally:
        store.close()
