"""Numbers as a person reads them on the command line: amounts in the plan's currency through
the one money format the pages use (a plan in plain numbers: grouped numbers without a sign),
event amounts included; counts grouped by thousands; percents with a space before the sign."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import actuals, plan_create, system
from forecast.services.store_factory import open_store
from forecast.services.types import Scope

SERIES = [f"s{k:03d}" for k in range(250)]  # teams a and b of 125 series each
WEEKS = pd.date_range("2024-03-01", periods=4, freq="W-FRI")


def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A year of weekly sales of 100 per series, and a baseline of 100 per series and week."""
    history_weeks = pd.date_range(end=WEEKS[0] - pd.Timedelta(weeks=1), periods=60, freq="W-FRI")
    history = pd.DataFrame(
        [(uid, ds, 100.0) for uid in SERIES for ds in history_weeks],
        columns=["unique_id", "ds", "y"],
    )
    baseline = pd.DataFrame(
        [(uid, ds, 100.0) for uid in SERIES for ds in WEEKS],
        columns=["unique_id", "ds", "baseline"],
    )
    for level, width in ((80, 10.0), (95, 15.0)):
        baseline[f"baseline-lo-{level}"] = baseline["baseline"] - width
        baseline[f"baseline-hi-{level}"] = baseline["baseline"] + width
    baseline["model"] = "snaive"
    teams = ["a" if k < 125 else "b" for k in range(len(SERIES))]
    attributes = pd.DataFrame({"unique_id": SERIES, "Team": teams})
    return history, attributes, baseline


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, object]:
    """Two plans of the same series, one in USD and one in plain numbers, each with an add, a
    cap and a set event, and the first week's actuals uploaded."""
    base = tmp_path_factory.mktemp("styles")
    data_dir = base / "data"
    store = open_store(data_dir=data_dir)
    history, attributes, baseline = frames()
    ids: dict[str | None, str] = {}
    for currency in ("USD", None):
        state = plan_create.create_plan_from_frames(
            store,
            name=f"styles {currency}",
            history=history,
            attributes=attributes,
            baseline=baseline,
            freq="W-FRI",
            horizon=len(WEEKS),
            team_attr="Team",
            actor="olga",
            currency=currency,
        )
        week = [d.date().isoformat() for d in WEEKS]
        for name, scope, day, effect, value in (
            ("Flyer", Scope({"Team": ("a",)}), 0, "add", 40.0),
            ("Allocation", Scope(ids=("s200",)), 1, "cap", 12000.5),
            ("Fixed", Scope(ids=("s201",)), 2, "set", 1500.0),
        ):
            system.add_event(
                store,
                state.plan_id,
                "olga",
                name=name,
                kind="other",
                scope=scope,
                start=week[day],
                end=(WEEKS[day] + pd.Timedelta(days=6)).date().isoformat(),
                effect=effect,
                value=value,
            )
        ids[currency] = state.plan_id
    sales = pd.DataFrame({"unique_id": SERIES, "ds": WEEKS[0].date().isoformat(), "y": 90.0})
    path = base / "week1.csv"
    sales.to_csv(path, index=False)
    store.close()
    return {"data_dir": data_dir, "usd": ids["USD"], "plain": ids[None], "week1": path}


def run(made: dict[str, object], *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(made["data_dir"])])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("plan", "add", "cap", "set_"),
    [
        ("usd", "+$40", "$12,000.50", "$1,500"),
        ("plain", "+40", "12,000.50", "1,500"),
    ],
)
def test_event_amounts_are_printed_as_the_plans_money(made, plan, add, cap, set_):
    listed = run(made, "plan", "event", "list", str(made[plan])).splitlines()

    assert listed[:3] == [
        f"E1 'Flyer' (other, {add} per series and period, Team=a, 2024-03-01..2024-03-07) by olga",
        f"E2 'Allocation' (other, cap at {cap}, series s200, 2024-03-08..2024-03-14) by olga",
        f"E3 'Fixed' (other, set to {set_}, series s201, 2024-03-15..2024-03-21) by olga",
    ]


def test_show_and_deviations_print_the_system_plan_in_the_plans_money(made):
    usd = run(made, "plan", "show", str(made["usd"])).splitlines()
    plain = run(made, "plan", "show", str(made["plain"])).splitlines()
    usd, plain = usd[-10:-7], plain[-10:-7]  # a blank line, the header and the first row

    assert usd == [
        "",
        "team         ds baseline adjustment system_plan deviation_pct events",
        "a    2024-03-01  $12,500     $5,000     $17,500       +40.0 % E1",
    ]
    assert plain == [
        "",
        "team         ds baseline adjustment system_plan deviation_pct events",
        "a    2024-03-01   12,500      5,000      17,500       +40.0 % E1",
    ]
    deviations = run(made, "plan", "deviations", str(made["usd"])).splitlines()
    assert deviations[1:3] == [
        "level  key          ds baseline system_plan deviation_pct events",
        "team   a    2024-03-01  $12,500     $17,500       +40.0 % E1",
    ]


@pytest.mark.parametrize(("plan", "actual"), [("usd", "$11,250.00"), ("plain", "11,250.00")])
def test_score_prints_its_wape_in_the_percent_style(made, plan, actual):
    lines = run(made, "plan", "score", str(made[plan]), str(made["week1"])).splitlines()

    assert lines[:2] == [
        "team                          actual      series   periods  WAPE system  WAPE negotiated"
        "  closer",
        f"a{actual:>35}  125 of 125    1 of 4      55.56 %                –  – (no "
        "negotiated target yet)",
    ]


def test_actuals_counts_are_grouped_by_thousands(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    history, attributes, baseline = frames()
    plan_id = plan_create.create_plan_from_frames(
        store,
        name="counts",
        history=history,
        attributes=attributes,
        baseline=baseline,
        freq="W-FRI",
        horizon=len(WEEKS),
        team_attr="Team",
        actor="olga",
        currency="USD",
    ).plan_id
    sales = pd.DataFrame(
        [(uid, ds.date().isoformat(), 90.0) for uid in SERIES for ds in WEEKS],
        columns=["unique_id", "ds", "y"],
    )
    upload = actuals.upload_actuals(
        store, plan_id, sales.to_csv(index=False).encode(), actor="olga", filename="all.csv"
    )
    store.close()

    assert upload.message().endswith(
        ": 1,000 series-periods kept (1,000 new, 0 replaced); 1,000 known in all"
    )
    versions = CliRunner().invoke(
        app, ["plan", "actuals-versions", plan_id, "--data-dir", str(data_dir)]
    )
    assert versions.stdout.splitlines()[1].split()[-5:] == [
        "olga",
        "1,000",
        "all.csv",
        "(in",
        "force)",
    ]


def test_ingest_groups_its_counts_by_thousands(tmp_path):
    days = pd.date_range("2024-01-01", periods=600, freq="D")
    path = tmp_path / "daily.csv"
    pd.DataFrame(
        [(store, day.date().isoformat(), 10.0) for store in (1, 2) for day in days],
        columns=["store", "date", "sales"],
    ).to_csv(path, index=False)

    out = CliRunner().invoke(app, ["ingest", str(path)]).stdout.splitlines()

    assert "rows read:   1,200" in out
    assert "periods:     600 (1,200 series-periods)" in out


def test_write_history_count_is_grouped(tmp_path: Path):
    days = pd.date_range("2024-01-01", periods=600, freq="D")
    path = tmp_path / "daily.csv"
    pd.DataFrame(
        [(store, day.date().isoformat(), 10.0) for store in (1, 2) for day in days],
        columns=["store", "date", "sales"],
    ).to_csv(path, index=False)
    out = tmp_path / "long.csv"

    printed = CliRunner().invoke(app, ["ingest", str(path), "--out", str(out)]).stdout

    assert f"wrote 1,200 rows to {out}" in printed


def test_mark_factor_prints_the_baselines_in_the_plans_money(made):
    printed = run(
        made, "plan", "mark-factor", str(made["usd"]), "--name", "new shelf", "--start",
        "2023-06-02", "--ids", "s000", "--model", "snaive", "--as", "olga",
    ).splitlines()  # fmt: skip

    assert printed[0] == (
        "factor F1 'new shelf': 1 series re-forecast with snaive; baseline $400 -> $400"
    )
    assert printed[1].startswith("  (the same model without the factor: $400;")
    assert printed[3] == "2024-03-01   $100           $100  $100         0.0 %"
