"""A plan whose history was summed from order lines (several rows per series and day) reads its
actuals in the same layout the same way: their repeated rows are summed, and the note says so;
other layouts, other plans and plans made before this was recorded keep refusing them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashboard.pages import actuals as actuals_page
from forecast.cli import app
from forecast.engine.ingest import read_sales
from forecast.services import actuals, plan_create, plans
from forecast.services.plan_create import SAME_DATE_ROWS_SUMMED
from forecast.services.plan_file import InvalidFile
from forecast.store import Change, MemoryStore
from tests.signin import acting_as

REGIONS, CATEGORIES = ("East", "West"), ("Furniture", "Technology")
HISTORY_END = pd.Timestamp("2021-06-30")


def order_lines(first: str, last: str, lines_a_day: int = 2, seed: int = 3) -> pd.DataFrame:
    """Order lines as a shop's export has them: every day, `lines_a_day` rows per region
    and category, dated as the US writes dates."""
    days = pd.date_range(first, last, freq="D")
    rng = np.random.default_rng(seed)
    rows = [
        {
            "Order ID": f"O-{day:%Y%m%d}-{region}-{category}-{line}",
            "Order Date": f"{day.month}/{day.day}/{day.year}",
            "Region": region,
            "Category": category,
            "Sales": round(float(rng.uniform(50, 150)), 2),
        }
        for day in days
        for region in REGIONS
        for category in CATEGORIES
        for line in range(lines_a_day)
    ]
    return pd.DataFrame(rows)


def as_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def monthly_plan(store: MemoryStore, lines: pd.DataFrame, name: str = "shop") -> str:
    return plan_create.create_plan(
        store,
        name=name,
        source=as_csv(lines),
        filename="orders_to_june.csv",
        horizon=3,
        team_attr="Region",
        actor="olga",
        freq="M",
        id_cols=["Region", "Category"],
        date_col="Order Date",
        value_col="Sales",
        model="snaive",
        currency="USD",
    ).plan_id


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan(store: MemoryStore) -> str:
    return monthly_plan(store, order_lines("2019-07-01", str(HISTORY_END.date())))


def july_to_september() -> pd.DataFrame:
    return order_lines("2021-07-01", "2021-09-30", seed=7)


def monthly_sums(lines: pd.DataFrame) -> pd.Series:
    month = pd.to_datetime(lines["Order Date"], format="%m/%d/%Y").dt.to_period("M")
    key = lines["Region"] + "/" + lines["Category"]
    return lines.groupby([key, month.dt.start_time])["Sales"].sum()


def test_the_reader_counts_the_rows_that_share_a_series_and_date_apart_from_the_months_sums():
    lines = order_lines("2021-01-01", "2021-03-31", lines_a_day=3)

    report = read_sales(
        as_csv(lines), filename="o.csv", id_cols=["Region", "Category"], freq="M"
    ).report

    assert report.same_date_summed == len(lines) * 2 // 3  # two of each day's three lines
    assert report.duplicates_summed > report.same_date_summed  # the days summed into months


def test_a_plan_made_from_order_lines_records_that_its_history_summed_rows_of_one_day(store, plan):
    assert plans.get_plan(store, plan).dataset.mapping[SAME_DATE_ROWS_SUMMED] is True


def test_actuals_in_the_layout_of_a_history_of_order_lines_are_summed_saying_so(store, plan):
    lines = july_to_september()

    upload = actuals.upload_actuals(store, plan, as_csv(lines), filename="q3.csv", actor="olga")

    _, kept = actuals.load_actuals(store, plan)
    kept = kept.set_index(["unique_id", "ds"])["y"]
    expected = monthly_sums(lines)
    assert upload.kept == len(expected) == 12
    assert kept.loc[expected.index].round(2).tolist() == expected.round(2).tolist()
    [said] = [n for n in upload.notes if "share a series and date" in n]
    assert "as the plan's history summed the rows of its sales file" in said
    assert "(orders_to_june.csv)" in said
    assert not upload.warnings  # summed as the history was: a note, not an alarm


def test_the_actuals_command_sums_them_by_default_and_refuses_them_when_told(
    store, plan, tmp_path, monkeypatch
):
    file = tmp_path / "q3.csv"
    file.write_bytes(as_csv(july_to_september()))
    monkeypatch.setattr("forecast.cli.accuracy_cmds.open_plan_store", lambda *a, **k: store)
    monkeypatch.setattr("forecast.cli.accuracy_cmds.acting_user", lambda *a, **k: "olga")

    refused = CliRunner().invoke(
        app, ["plan", "actuals", plan, str(file), "--duplicates", "refuse"]
    )
    kept = CliRunner().invoke(app, ["plan", "actuals", plan, str(file)])

    assert refused.exit_code != 0 and "second row for series" in refused.output
    assert kept.exit_code == 0, kept.output
    assert "12 series-periods kept" in kept.output
    assert "as the plan's history summed the rows" in kept.stderr


def test_the_actuals_page_sums_them_without_the_box_ticked_and_says_so(store, plan):
    ctx = type("Ctx", (), {"store": store})()
    reading = actuals_page.duplicates_reading(False)

    with acting_as(store, "olga"):
        alert = actuals_page.keep_and_score(
            ctx,
            plan,
            {"plan_id": plan},
            as_csv(july_to_september()),
            "q3.csv",
            None,
            False,
            None,
            reading,
        )[-1]

    assert alert.className == actuals_page.KEPT_CLASS
    assert "as the plan's history summed the rows of its sales file" in str(alert)
    assert len(actuals.actuals_versions(store, plan)) == 1


def test_such_a_plans_actuals_as_unique_id_ds_y_still_refuse_repeated_rows(store, plan):
    lines = july_to_september()
    long = pd.DataFrame(
        {
            "unique_id": lines["Region"] + "/" + lines["Category"],
            "ds": pd.to_datetime(lines["Order Date"], format="%m/%d/%Y"),
            "y": lines["Sales"],
        }
    )

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, as_csv(long), filename="q3.csv", actor="olga")

    assert "second row for series" in refused.value.problems[0].message
    assert actuals.actuals_versions(store, plan) == []


def test_a_plan_whose_history_had_one_row_a_day_refuses_repeated_rows_of_its_actuals(store):
    plan = monthly_plan(store, order_lines("2019-07-01", "2021-06-30", lines_a_day=1))
    assert SAME_DATE_ROWS_SUMMED not in plans.get_plan(store, plan).dataset.mapping

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(
            store, plan, as_csv(july_to_september()), filename="q3.csv", actor="olga"
        )

    assert "usually a correction" in refused.value.problems[0].fix


def test_a_plan_made_before_the_record_keeps_refusing_repeated_rows(store, plan):
    state = plans.get_plan(store, plan)
    state.dataset.mapping.pop(SAME_DATE_ROWS_SUMMED)  # as a plan made before it was recorded
    store.save(
        state,
        Change(actor="olga", action="test", what="as made before"),
        expected_version=state.version,
    )

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(
            store, plan, as_csv(july_to_september()), filename="q3.csv", actor="olga"
        )

    assert "usually a correction" in refused.value.problems[0].fix
    assert actuals.actuals_versions(store, plan) == []


def quiet_days(lines: pd.DataFrame, share: float, seed: int = 11) -> pd.DataFrame:
    """The order lines without the orders of a `share` of the days (never the first and last):
    a shop that sells on most days, as Superstore (93 % of its days), not on all."""
    day = pd.to_datetime(lines["Order Date"], format="%m/%d/%Y")
    days = day.drop_duplicates().sort_values().to_numpy()
    rng = np.random.default_rng(seed)
    quiet = days[1:-1][rng.random(len(days) - 2) < share]
    return lines[~day.isin(quiet)].reset_index(drop=True)


@pytest.fixture
def quiet_plan(store: MemoryStore) -> str:
    """A plan whose history is such a shop's order lines (a day without orders now and then)."""
    history = quiet_days(order_lines("2019-07-01", str(HISTORY_END.date())), share=0.07, seed=5)
    return monthly_plan(store, history, name="quiet shop")


def test_order_lines_ending_a_day_before_the_month_end_keep_that_month_as_the_history_does(
    store, quiet_plan
):
    """Superstore's actuals end on 2021-12-30, a day without orders before the year's end: the
    history's reader keeps such a month, and the actuals' left December out for good."""
    lines = quiet_days(order_lines("2021-07-01", "2021-09-29", seed=7), share=0.07)

    upload = actuals.upload_actuals(
        store, quiet_plan, as_csv(lines), filename="q3.csv", actor="olga"
    )

    _, kept = actuals.load_actuals(store, quiet_plan)
    assert sorted(kept["ds"].dt.strftime("%Y-%m").unique()) == ["2021-07", "2021-08", "2021-09"]
    assert upload.kept == 12
    [said] = [n for n in upload.notes if "2021-09-01..2021-09-30" in n]
    assert "is kept though the file's rows span only 2021-07-01..2021-09-29" in said
    assert "upload the whole period again later" in said


def test_order_lines_stopping_mid_month_leave_that_month_out_until_it_is_whole(store, quiet_plan):
    lines = quiet_days(order_lines("2021-07-01", "2021-09-15", seed=7), share=0.07)

    upload = actuals.upload_actuals(
        store, quiet_plan, as_csv(lines), filename="q3.csv", actor="olga"
    )

    _, kept = actuals.load_actuals(store, quiet_plan)
    assert sorted(kept["ds"].dt.strftime("%Y-%m").unique()) == ["2021-07", "2021-08"]
    [said] = [n for n in upload.notes if "(starting 2021-09-01)" in n]
    assert "left out" in said and "saying its periods are whole" in said


def test_periods_said_to_be_whole_are_kept_though_the_rows_stop_before_their_end(store, quiet_plan):
    """A shop whose last sale of September was on the 15th: the person says the file has every
    sale, and September is kept, its note saying it was taken at their word."""
    lines = quiet_days(order_lines("2021-07-01", "2021-09-15", seed=7), share=0.07)

    upload = actuals.upload_actuals(
        store, quiet_plan, as_csv(lines), filename="q3.csv", actor="olga", whole_periods=True
    )

    _, kept = actuals.load_actuals(store, quiet_plan)
    september = kept[kept["ds"] == pd.Timestamp("2021-09-01")].set_index("unique_id")["y"]
    assert (
        september.round(2).to_dict()
        == monthly_sums(lines).xs(pd.Timestamp("2021-09-01"), level=1).round(2).to_dict()
    )
    assert any(
        n.startswith("kept as whole periods, as told: the period(s) 2021-09-01..2021-09-30")
        for n in upload.notes
    )


def test_the_actuals_command_and_page_say_the_periods_are_whole(
    store, quiet_plan, tmp_path, monkeypatch
):
    lines = quiet_days(order_lines("2021-07-01", "2021-08-20", seed=7), share=0.07)
    file = tmp_path / "q3.csv"
    file.write_bytes(as_csv(lines))
    monkeypatch.setattr("forecast.cli.accuracy_cmds.open_plan_store", lambda *a, **k: store)
    monkeypatch.setattr("forecast.cli.accuracy_cmds.acting_user", lambda *a, **k: "olga")

    told = CliRunner().invoke(app, ["plan", "actuals", quiet_plan, str(file), "--whole-periods"])

    assert told.exit_code == 0, told.output
    assert "8 series-periods kept" in told.output  # July and August of 4 series
    august = order_lines("2021-08-01", "2021-08-25", seed=9)
    ctx = type("Ctx", (), {"store": store})()
    with acting_as(store, "olga"):
        alert = actuals_page.keep_and_score(
            ctx,
            quiet_plan,
            {"plan_id": quiet_plan},
            as_csv(august),
            "aug.csv",
            None,
            False,
            None,
            None,
            True,
        )[-1]
    assert alert.className == actuals_page.KEPT_CLASS
    assert "kept as whole periods, as told" in str(alert)


def test_the_week_dates_choice_is_hidden_on_a_monthly_plan_and_shown_on_a_weekly_one(store, plan):
    from test_actuals_scale import make_plan

    weekly = make_plan(store)
    ctx = type("Ctx", (), {"store": store})()

    with acting_as(store, "olga"):
        monthly_hidden = actuals_page.week_dates_hidden(ctx, {"plan_id": plan})
        weekly_hidden = actuals_page.week_dates_hidden(ctx, {"plan_id": weekly})

    assert (monthly_hidden, weekly_hidden) == (True, False)


def test_the_whole_periods_tick_is_for_one_file_and_cleared_once_it_was_kept():
    """Next week's partial export must not be kept as whole because last week's file was."""
    from dash import no_update

    from dashboard import ids

    upload = ids.ACTUALS_UPLOAD

    assert actuals_page.one_file_ticks(upload, "data:...", kept=True) == (None, False, False)
    refused = actuals_page.one_file_ticks(upload, "data:...", kept=False)
    assert refused[1:] == (no_update, no_update)  # left as the person set them
    assert actuals_page.one_file_ticks("nav-session", None, kept=False)[1:] == (False, False)
