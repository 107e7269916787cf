"""`plan fva` and `track-record` say by how much a culture came closer in the same words, the
pages' (``by 0.62 pts``): `plan fva` said "by 0.62 WAPE points"."""

from __future__ import annotations

import re

from test_actuals_scale import as_csv, forecast_times, make_plan
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import actuals, negotiation
from forecast.services.store_factory import open_store


def test_plan_fva_and_track_record_say_the_margin_in_the_same_words(tmp_path):
    store = open_store(data_dir=tmp_path)
    plan = make_plan(store)
    negotiation.set_goal(store, plan, "olga", ratio="1.1")
    negotiation.close_round(store, plan, "olga")
    negotiation.assign(store, plan, "olga", "pro_rata_baseline")
    weeks = forecast_times(store, plan, 1.1)
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="a.csv", actor="olga")
    store.close()
    runner = CliRunner()

    fva = runner.invoke(app, ["plan", "fva", plan, "--data-dir", str(tmp_path)])
    record = runner.invoke(app, ["track-record", "--data-dir", str(tmp_path)])

    assert fva.exit_code == 0 and record.exit_code == 0, fva.output + record.output
    in_fva = re.search(r"^closer: negotiated target \(by (\S+ \S+)\)", fva.stdout, re.M)
    in_record = re.search(r" negotiated target (by \S+ \S+)$", record.stdout, re.M)
    assert in_fva is not None and in_record is not None, fva.stdout + record.stdout
    assert f"by {in_fva.group(1)}" == in_record.group(1)
    assert in_record.group(1).endswith(" pts")
