"""The audit row of an actuals upload (and of a restore) names the actuals version it kept, as an
event's row names the plan version it made: `plan audit` says "kept as actuals version 2", and
its JSON has ``actuals_version`` in the row's ``after``."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services.store_factory import open_store
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan


def test_the_audit_log_names_the_actuals_version_each_upload_and_restore_kept(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    history, attributes, baseline = team_frames({"a": 3.0e4, "b": 2.0e4}, per_team=2)
    plan = weekly_team_plan(store, (history, attributes, baseline), name="spring").plan_id
    store.close()
    weeks = sorted(pd.to_datetime(baseline["ds"]).unique())
    ids = sorted(baseline["unique_id"].unique())

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
        assert result.exit_code == 0, result.output
        return result.stdout

    for number, upto in ((1, 1), (2, 2)):
        path = tmp_path / f"weeks{number}.csv"
        rows = [(u, f"{w:%Y-%m-%d}", 90.0 + number) for u in ids for w in weeks[:upto]]
        pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).to_csv(path, index=False)
        invoke("plan", "actuals", plan, str(path), "--as", "olga")
    invoke("plan", "actuals-restore", plan, "1", "--as", "olga")

    kept = [
        line
        for line in invoke("plan", "audit", plan).splitlines()
        if "upload_actuals" in line or "restore_actuals" in line
    ]
    assert len(kept) == 3
    assert "kept as actuals version 1" in kept[0] and "weeks1.csv" in kept[0]
    assert "kept as actuals version 2" in kept[1] and "weeks2.csv" in kept[1]
    assert "kept as actuals version 3" in kept[2]
    rows = json.loads(invoke("plan", "audit", plan, "--json"))
    by_id = {r["id"]: r for r in rows}
    listed = json.loads(invoke("plan", "actuals-versions", plan, "--json"))
    assert [v["version"] for v in listed] == [1, 2, 3]
    for v in listed:  # each version's audit row says which version it kept
        assert by_id[v["audit_id"]]["after"]["actuals_version"] == v["version"]
