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


def test_track_record_groups_the_thousands_of_its_counts_in_columns_that_line_up(tmp_path):
    from forecast.services import actuals
    from forecast.services.store_factory import open_store
    from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

    store = open_store(data_dir=tmp_path / "data")
    history, attributes, baseline = team_frames({"a": 3.0e6, "b": 2.0e6}, per_team=500, weeks=10)
    plan = weekly_team_plan(store, (history, attributes, baseline), name="wide").plan_id
    first_week = baseline.loc[baseline["ds"] == baseline["ds"].min(), ["unique_id", "ds"]]
    sold = first_week.assign(ds=first_week["ds"].dt.strftime("%Y-%m-%d"), y=100.0)
    actuals.upload_actuals(store, plan, sold.to_csv(index=False).encode(), actor="olga")
    store.close()

    result = CliRunner().invoke(app, ["track-record", "--data-dir", str(tmp_path / "data")])

    assert result.exit_code == 0, result.output
    header, overall, team_a = result.stdout.splitlines()[:3]
    assert "1,000 of 1,000" in overall and "1000 of" not in overall
    assert "500 of 500" in team_a
    series_ends = header.index("series") + len("series")
    assert overall[:series_ends].endswith("1,000 of 1,000") and team_a[:series_ends].endswith("500")
