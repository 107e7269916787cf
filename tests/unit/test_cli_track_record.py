"""`forecast track-record` as text: every plan's whole name, however long (it was cut at 29
characters: "Sample plan: last quarter (he")."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from forecast.cli import accuracy_cmds, app
from forecast.services import accuracy

LONG = "Sample plan: last quarter (held out)"


def _row(plan_id: str, name: str, scope: str = "overall", key: str = "") -> dict:
    return {
        "plan_id": plan_id, "name": name, "horizon_start": "2015-04-27", "scope": scope,
        "key": key, "series_scored": 100, "series_total": 100, "periods_scored": 13,
        "periods_total": 13, "provisional": False, "closer": "target", "margin": 0.0062,
        "wape_system_plan": 0.0862, "wape_target": 0.08, "given_vs_offered": None,
    }  # fmt: skip


def test_track_record_shows_whole_plan_names_in_one_column(monkeypatch, tmp_path):
    table = pd.DataFrame(
        [_row("106d6f27", LONG), _row("106d6f27", LONG, "team", "a"), _row("9bf0d678", "q3")]
    )
    monkeypatch.setattr(accuracy, "track_record", lambda store: table)
    monkeypatch.setattr(accuracy_cmds, "open_plan_store", lambda *args, **kwargs: None)
    result = CliRunner().invoke(app, ["track-record", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert sum(LONG in line for line in lines) == 2
    # the columns after the name line up under the header, for the long name and the short one
    start = lines[0].index("from")
    assert [line[start : start + 10] for line in lines[1:4]] == ["2015-04-27"] * 3
    assert lines[3].startswith("9bf0d678  q3 ")
