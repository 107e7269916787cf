"""A series whose rows stop weeks before the others' (a closed store) has ended: it is forecast
as 0 and named so whatever model serves the others; a short silence is read as 0 and forecast.
After the plan is made, its actuals count an ended series without rows as 0 sales (as the plan
forecast it), and `plan show` and the CSV export name the model of each series, so the ended ones
and those a fallback model served can be listed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast import export
from forecast.cli import app
from forecast.engine.baseline import forecast_baseline
from forecast.services import actuals, exports, negotiation
from forecast.services.actuals_notes import NoteKind
from forecast.services.plan_create import create_plan_from_frames
from forecast.services.plan_frames import load_blob_frame
from forecast.services.store_factory import open_store
from forecast.store import PlanRepository


def weekly_store(uid: str, weeks: int) -> pd.DataFrame:
    """Two years of a store's weekly sales with a yearly season, its last ``weeks`` rows only."""
    t = np.arange(110)
    y = 1000 + 200 * np.sin(2 * np.pi * t / 52) + 10 * (t % 3)
    ds = pd.date_range("2021-01-01", periods=len(t), freq="W-FRI")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}).iloc[:weeks]


def first_label(out: pd.DataFrame, uid: str) -> str:
    return str(out.loc[out["unique_id"] == uid, "model"].iloc[0])


@pytest.mark.parametrize("model", ["snaive", "auto"])
def test_a_store_closed_eight_weeks_before_the_file_ends_is_forecast_as_ended(model) -> None:
    history = pd.concat(
        [weekly_store("open", 110), weekly_store("closed", 102), weekly_store("late", 108)]
    )
    out = forecast_baseline(history, 13, model=model)
    closed = out[out["unique_id"] == "closed"]
    assert (closed.drop(columns=["unique_id", "ds", "model"]) == 0).all().all()
    assert first_label(out, "closed") == (
        "zeros (ended: no rows after 2022-12-09, 8 periods before the file's end)"
    )
    # two silent weeks may be a late delivery: read as 0, and the store still forecast
    assert "(no rows after 2023-01-20: read as 0 up to 2023-02-03)" in first_label(out, "late")
    for alive in ("open", "late"):
        assert out.loc[out["unique_id"] == alive, "baseline"].gt(0).all()


# -- after the plan is made: its actuals, `plan show` and the export ----------------------------

CLOSED_SINCE = "2022-12-09"


@pytest.fixture
def planned(tmp_path) -> dict:
    """A weekly plan (snaive, 4 weeks) of four stores: a0 closed 8 weeks before the file's end
    (ended), b1 opened 30 weeks before it (under a season: served by naive, a fallback)."""
    history = pd.concat(
        [
            weekly_store("a0", 102),
            weekly_store("a1", 110),
            weekly_store("b0", 110),
            weekly_store("b1", 110).iloc[80:],
        ]
    )
    attributes = pd.DataFrame({"unique_id": ["a0", "a1", "b0", "b1"], "Team": list("aabb")})
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    try:
        state = create_plan_from_frames(
            store,
            name="stores",
            history=history,
            attributes=attributes,
            freq="W-FRI",
            horizon=4,
            team_attr="Team",
            actor="olga",
            model="snaive",
        )
        weeks = pd.DatetimeIndex(
            sorted(load_blob_frame(store, state.plan_id, "baseline")["ds"].unique())
        )
    finally:
        store.close()
    return {"plan": state.plan_id, "data_dir": data_dir, "weeks": weeks}


@contextmanager
def opened(planned: dict) -> Iterator[PlanRepository]:
    store = open_store(data_dir=planned["data_dir"])
    try:
        yield store
    finally:
        store.close()


def sales_csv(planned: dict, sales: dict[str, float]) -> bytes:
    """The first two weeks of the plan's horizon: each series of `sales` selling that much."""
    rows = [
        (uid, f"{week:%Y-%m-%d}", value)
        for uid, value in sales.items()
        for week in planned["weeks"][:2]
    ]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).to_csv(index=False).encode()


def run_cli(planned: dict, *args: str):
    return CliRunner().invoke(app, [*args, "--data-dir", str(planned["data_dir"])])


def test_plan_score_counts_an_ended_series_without_rows_as_zero_and_leaves_others_out(planned):
    # a0 closed (no rows, as the plan forecast); b1's rows have not arrived
    file = sales_csv(planned, {"a1": 900.0, "b0": 1100.0})

    with opened(planned) as store:
        scored = negotiation.score_file_noted(store, planned["plan"], file, filename="weeks.csv")

    total = scored.table.set_index("team").loc["TOTAL"]
    assert (total["series_scored"], total["series_total"]) == (3, 4)
    by_kind = {note.kind: note.text for note in scored.notes}
    assert by_kind[NoteKind.ENDED_SERIES_AS_ZERO] == (
        f"1 series the plan reads as ended (closed since {CLOSED_SINCE}) has no rows: counted as "
        "0 sales in 2 period(s), as the plan forecast them: a0"
    )
    assert by_kind[NoteKind.LEFT_OUT_PLAN_SERIES].endswith("left out of the score: b1")


def test_plan_actuals_keeps_an_ended_series_without_rows_as_zero_sales(planned):
    file = sales_csv(planned, {"a1": 900.0, "b0": 1100.0})

    with opened(planned) as store:
        upload = actuals.upload_actuals(
            store, planned["plan"], file, actor="olga", filename="w.csv"
        )
        _, kept = actuals.load_actuals(store, planned["plan"])

    assert upload.kept == 6
    closed = kept[kept["unique_id"] == "a0"]
    assert closed["ds"].tolist() == list(planned["weeks"][:2])
    assert (closed["y"] == 0).all()
    assert "b1" not in set(kept["unique_id"])  # not ended: its missing rows are not yet in
    assert [n.kind for n in upload.noted] == [NoteKind.ENDED_SERIES_AS_ZERO]
    assert not upload.noted[0].left_out


def test_an_ended_series_with_rows_is_taken_as_it_is_and_said_to_be_read_as_ended(planned):
    file = sales_csv(planned, {"a0": 400.0, "a1": 900.0, "b0": 1100.0, "b1": 700.0})

    with opened(planned) as store:
        frame, notes = actuals.read_actuals(store, planned["plan"], file, filename="w.csv")

    assert frame.loc[frame["unique_id"] == "a0", "y"].tolist() == [400.0, 400.0]
    [note] = notes
    assert note.kind is NoteKind.ENDED_SERIES_WITH_ROWS
    assert note.text == (
        f"1 series the plan reads as ended (closed since {CLOSED_SINCE}) has rows in the file "
        "(reopened?): taken as they are, though the plan forecast 0: a0"
    )


def test_plan_show_gives_each_series_its_model_and_lists_the_ended_and_fallback_ones(planned):
    plan = planned["plan"]

    team_level = run_cli(planned, "plan", "show", plan)
    series_level = run_cli(planned, "plan", "show", plan, "--level", "series")
    ended = run_cli(planned, "plan", "show", plan, "--only", "ended")
    fallback = run_cli(planned, "plan", "show", plan, "--only", "fallback", "--json")

    assert team_level.exit_code == 0, team_level.output
    assert (
        "  series: 1 series ended (forecast as 0), 1 on a fallback model: "
        f"`forecast plan show {plan} --only ended` and `forecast plan show {plan} --only "
        "fallback` list them"
    ) in team_level.stdout.splitlines()
    assert series_level.exit_code == 0, series_level.output
    assert f"zeros (ended: no rows after {CLOSED_SINCE}" in series_level.stdout
    assert "naive (fallback: snaive needs one season of history" in series_level.stdout
    rows = [line.split()[0] for line in ended.stdout.splitlines()[-4:]]
    assert rows == ["a0"] * 4
    listed = json.loads(fallback.stdout)
    assert {row["unique_id"] for row in listed["system_plan"]} == {"b1"}
    assert listed["series_ended"] == {"a0": CLOSED_SINCE}
    assert listed["series_on_fallback"] == ["b1"]


def test_plan_show_gives_an_ended_series_no_percent_of_its_zero_baseline(planned):
    shown = run_cli(planned, "plan", "show", planned["plan"], "--level", "series")

    assert shown.exit_code == 0, shown.output
    ended = [line for line in shown.stdout.splitlines() if line.startswith("a0 ")]
    still_open = [line for line in shown.stdout.splitlines() if line.startswith("a1 ")]
    assert len(ended) == 4 and all(" – " in line and "%" not in line for line in ended)
    assert len(still_open) == 4 and all(" 0.0 % " in line for line in still_open)


def test_plan_show_aligns_the_series_and_their_models_on_the_left_under_their_headers(planned):
    shown = run_cli(planned, "plan", "show", planned["plan"], "--level", "series")

    lines = shown.stdout.splitlines()
    (header,) = [line for line in lines if line.startswith("unique_id")]
    rows = lines[lines.index(header) + 1 :]
    model_at = header.index("model")
    assert len(rows) == 16
    assert {row[model_at:].split(" (")[0] for row in rows} == {"zeros", "snaive", "naive"}
    assert all(row[model_at - 1] == " " for row in rows)
    assert {row.split()[0] for row in rows} == {"a0", "a1", "b0", "b1"}


def test_the_csv_export_gives_each_series_model(planned):
    with opened(planned) as store:
        data = exports.export_plan(store, planned["plan"], "csv")

    rows = list(csv.DictReader(io.StringIO(data.decode())))
    before_a_goal = {"basis", "target", "basis_taken_at"}
    assert list(rows[0]) == [c for c in export.PLAN_COLUMNS if c not in before_a_goal]
    assert list(rows[0])[-2:] == ["model", "currency"]
    models = {row["unique_id"]: row["model"] for row in rows}
    assert (
        models["a0"]
        == f"zeros (ended: no rows after {CLOSED_SINCE}, 8 periods before the file's end)"
    )
    assert models["a1"] == "snaive"
    assert models["b1"].startswith("naive (fallback: ")
    first = rows[0]
    assert first["ds"] == f"{planned['weeks'][0]:%Y-%m-%d}"
    assert float(first["baseline"]) == 0.0 and first["baseline"] == "0.00"


def test_an_upload_without_an_ended_series_rows_never_replaces_its_kept_actuals_with_zero(
    planned,
):
    weeks = planned["weeks"]
    # a0 reopened: its first week's 400 is kept; then a correction of b0 alone for two weeks
    first_week = pd.DataFrame(
        [(uid, f"{weeks[0]:%Y-%m-%d}", y) for uid, y in {"a0": 400.0, "b0": 1100.0}.items()],
        columns=["unique_id", "ds", "y"],
    )
    correction = sales_csv(planned, {"b0": 1200.0})

    with opened(planned) as store:
        actuals.upload_actuals(
            store, planned["plan"], first_week.to_csv(index=False).encode(), actor="olga"
        )
        upload = actuals.upload_actuals(
            store, planned["plan"], correction, actor="olga", filename="fix-b0.csv"
        )
        _, kept = actuals.load_actuals(store, planned["plan"])

    closed = kept[kept["unique_id"] == "a0"].set_index("ds")["y"]
    assert closed.to_dict() == {weeks[0]: 400.0, weeks[1]: 0.0}  # 0 only where none was kept
    assert (upload.kept, upload.new, upload.replaced, upload.changed) == (3, 2, 1, 1)
    [note] = [n for n in upload.noted if n.kind is NoteKind.ENDED_SERIES_AS_ZERO]
    assert "counted as 0 sales in 1 period(s)" in note.text


def test_an_ended_series_whose_only_rows_lie_in_its_left_out_week_is_not_counted_as_zero(
    planned,
):
    weeks = planned["weeks"]
    two_weeks = pd.date_range(weeks[0], weeks[1] + pd.Timedelta(days=6))
    rows = [(uid, f"{day:%Y-%m-%d}", 150.0) for uid in ("a1", "b0", "b1") for day in two_weeks]
    # a0 reopened on the second week's fourth day: that week is partial for a0, left out
    rows += [("a0", f"{day:%Y-%m-%d}", 150.0) for day in two_weeks[-4:]]
    file = pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).to_csv(index=False).encode()

    with opened(planned) as store:
        frame, notes = actuals.read_actuals(store, planned["plan"], file, filename="days.csv")

    assert "a0" not in set(frame["unique_id"])
    kinds = {note.kind for note in notes}
    assert NoteKind.LEFT_OUT_PARTIAL_SERIES_PERIODS in kinds
    assert NoteKind.ENDED_SERIES_WITH_ROWS in kinds
    assert NoteKind.ENDED_SERIES_AS_ZERO not in kinds
