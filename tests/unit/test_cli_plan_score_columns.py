"""`forecast plan score` as text: counts of a thousand series and more ("1,000 of 1,000") stay in
their column, apart from the actual sales before them (they ran into them: "€100,000.001,000 of
1,000")."""

from __future__ import annotations

from typer.testing import CliRunner

from forecast.cli import app

LONG_NAME = "Northern region hypermarkets"


def test_plan_score_keeps_counts_of_a_thousand_series_apart_from_the_actual_sales(tmp_path):
    plan, sales = _scored_plan(tmp_path, {"a": 3.0e6, "b": 2.0e6}, sold_each=100.0, per_team=500)

    result = CliRunner().invoke(
        app, ["plan", "score", plan, str(sales), "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = lines[0]
    total = next(line for line in lines if line.startswith("TOTAL"))
    series_ends = header.index("series") + len("series")
    periods_ends = header.index("periods") + len("periods")
    assert total[:series_ends].endswith(" 1,000 of 1,000")
    assert total[:series_ends].split()[-4] == "€100,000.00"
    assert total[series_ends:periods_ends].endswith("  1 of 4")


def test_plan_score_sizes_the_team_column_to_the_longest_team_name(tmp_path):
    """The team column was 16 characters whatever the names: a longer team name pushed its row's
    numbers out of their columns. It is as wide as the longest name (or its header), whole."""
    from forecast.services.store_factory import open_store
    from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

    long_name = LONG_NAME
    store = open_store(data_dir=tmp_path / "data")
    history, attributes, baseline = team_frames({long_name: 3.0e4, "b": 2.0e4}, weeks=10)
    plan = weekly_team_plan(store, (history, attributes, baseline), name="long").plan_id
    store.close()
    first_week = baseline.loc[baseline["ds"] == baseline["ds"].min(), ["unique_id", "ds"]]
    sold = first_week.assign(ds=first_week["ds"].dt.strftime("%Y-%m-%d"), y=100.0)
    sales = tmp_path / "sales.csv"
    sold.to_csv(sales, index=False)

    result = CliRunner().invoke(
        app, ["plan", "score", plan, str(sales), "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 0, result.output
    header, *rows = [line for line in result.stdout.splitlines() if line.strip()][:4]
    assert sorted(row.split("  ")[0] for row in rows) == sorted([long_name, "TOTAL", "b"])
    actual_ends = header.index("actual") + len("actual")
    for row in rows:
        assert row[:actual_ends].rstrip().endswith(".00"), (header, row)  # the actual, aligned
        assert row[actual_ends] == " "


def _scored_plan(
    tmp_path, teams: dict[str, float], sold_each: float, per_team: int = 3
) -> tuple[str, object]:
    """A weekly plan of `teams` (`per_team` series each) whose first week sold `sold_each` per
    series, as a CSV."""
    from forecast.services.store_factory import open_store
    from tests.unit.test_services_negotiation import team_frames, weekly_team_plan

    store = open_store(data_dir=tmp_path / "data")
    history, attributes, baseline = team_frames(teams, per_team=per_team, weeks=10)
    plan = weekly_team_plan(store, (history, attributes, baseline), name="wide").plan_id
    store.close()
    first_week = baseline.loc[baseline["ds"] == baseline["ds"].min(), ["unique_id", "ds"]]
    sold = first_week.assign(ds=first_week["ds"].dt.strftime("%Y-%m-%d"), y=sold_each)
    sales = tmp_path / "sales.csv"
    sold.to_csv(sales, index=False)
    return plan, sales


def test_plan_score_keeps_an_actual_of_a_trillion_in_its_column(tmp_path):
    """The actual column was 20 characters: €1,500,000,000,000.00 pushed every column after it."""
    plan, sales = _scored_plan(tmp_path, {"a": 3.0e12, "b": 2.0e12}, sold_each=5.0e11)

    result = CliRunner().invoke(
        app, ["plan", "score", plan, str(sales), "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 0, result.output
    header, *rows = [line for line in result.stdout.splitlines() if line.strip()][:4]
    actual_ends = header.index("actual") + len("actual")
    series_ends = header.index("series") + len("series")
    for row in rows:
        assert row[:actual_ends].endswith(",000.00"), (header, row)
        assert row[:series_ends].endswith(" 3 of 3") or row[:series_ends].endswith(" 6 of 6"), (
            header,
            row,
        )


def test_track_record_keeps_a_long_team_name_in_the_scope_column(tmp_path):
    plan, sales = _scored_plan(tmp_path, {LONG_NAME: 3.0e4, "b": 2.0e4}, sold_each=100.0)
    data = ["--data-dir", str(tmp_path / "data")]
    uploaded = CliRunner().invoke(app, ["plan", "actuals", plan, str(sales), "--as", "olga", *data])
    assert uploaded.exit_code == 0, uploaded.output

    result = CliRunner().invoke(app, ["track-record", *data])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("plan "))
    row = next(line for line in lines if f"team {LONG_NAME}" in line)
    series_ends = header.index("series") + len("series")
    assert f"team {LONG_NAME}  " in row, row  # the name whole, then the column's gap
    assert row[:series_ends].endswith(" 3 of 3"), (header, row)
