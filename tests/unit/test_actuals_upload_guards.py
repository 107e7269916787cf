"""What an actuals upload must not keep silently: weeks dated on another weekday than the plan's,
figures a few times off the plan's scale, repeated rows, and what it set aside when it made no
version."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from dash import html
from test_actuals_scale import as_csv, forecast_times, make_plan

from dashboard.pages import actuals as actuals_page
from forecast.cli.fix_hints import CLI_FIXES, cli_message
from forecast.services import actuals
from forecast.services.errors import Invalid
from forecast.services.plan_file import InvalidFile
from forecast.store import MemoryStore
from tests.signin import acting_as


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan(store: MemoryStore) -> str:
    return make_plan(store)  # weekly, weeks starting on Fridays


def test_weekly_actuals_dated_on_another_weekday_are_refused_naming_both_weekdays(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    sundays = weeks.assign(ds=weeks["ds"] + pd.Timedelta(days=2))  # Sunday-to-Saturday weeks

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, as_csv(sundays), filename="sun.csv", actor="olga")

    [problem] = refused.value.problems
    assert (problem.file, problem.column, problem.value) == ("sun.csv", "ds", "Sunday")
    said = str(refused.value)
    assert "dated by Sundays" in said and "weeks run Friday to Thursday" in said
    assert "date each row by the Friday its week starts on" in problem.fix
    assert "nothing was kept" in said
    assert store.actuals_versions(plan) == []


def test_weekly_actuals_dated_by_the_last_day_of_the_plans_weeks_are_kept_when_read_as_week_ending(
    store, plan
):
    weeks = forecast_times(store, plan, 1.0)
    ending = weeks.assign(ds=weeks["ds"] + pd.Timedelta(days=6))  # each Thursday ending a week

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, as_csv(ending), filename="end.csv", actor="olga")
    assert "--week-dates end" in refused.value.problems[0].fix_in(CLI_FIXES)

    kept = actuals.upload_actuals(
        store, plan, as_csv(ending), filename="end.csv", actor="olga", week_dates="end"
    )
    _, frame = actuals.load_actuals(store, plan)
    assert kept.new == len(weeks)
    assert sorted(frame["ds"].unique()) == sorted(weeks["ds"].unique())


def test_a_one_week_correction_dated_by_the_weeks_last_day_replaces_that_whole_week(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="all.csv", actor="olga")
    first_week = weeks[weeks["ds"] == weeks["ds"].min()]
    corrected = first_week.assign(ds=first_week["ds"] + pd.Timedelta(days=6), y=first_week["y"] * 2)

    kept = actuals.upload_actuals(
        store, plan, as_csv(corrected), filename="fix.csv", actor="olga", week_dates="end"
    )

    _, frame = actuals.load_actuals(store, plan)
    week = frame[frame["ds"] == weeks["ds"].min()].set_index("unique_id")["y"]
    assert (kept.new, kept.replaced) == (0, len(first_week))
    assert week.sort_index().tolist() == pytest.approx(
        (first_week.set_index("unique_id")["y"] * 2).sort_index().tolist()
    )


def test_a_one_week_file_dated_by_the_weeks_last_day_is_refused_saying_to_read_it_as_week_ending(
    store, plan
):
    weeks = forecast_times(store, plan, 1.0)
    first_week = weeks[weeks["ds"] == weeks["ds"].min()]
    ending = first_week.assign(ds=first_week["ds"] + pd.Timedelta(days=6))

    with pytest.raises(Invalid) as refused:
        actuals.upload_actuals(store, plan, as_csv(ending), filename="end.csv", actor="olga")

    said = cli_message(refused.value)
    assert "(1 of 7 days)" in said and "read the file as week ending (--week-dates end" in said


def test_a_one_week_file_read_as_week_ending_on_another_weekday_is_refused(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    first_week = weeks[weeks["ds"] == weeks["ds"].min()]
    a_day_early = first_week.assign(ds=first_week["ds"] + pd.Timedelta(days=5))

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(
            store, plan, as_csv(a_day_early), filename="wed.csv", actor="olga", week_dates="end"
        )

    assert "weeks run Friday to Thursday" in str(refused.value)
    assert store.actuals_versions(plan) == []


def test_weekly_actuals_on_the_plans_weekday_and_daily_actuals_are_kept(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    days = weeks.loc[weeks.index.repeat(7)].copy()
    days["ds"] = days["ds"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
    days["y"] = days["y"] / 7

    assert actuals.upload_actuals(store, plan, as_csv(days), filename="d.csv", actor="olga").new
    again = actuals.upload_actuals(store, plan, as_csv(weeks), filename="w.csv", actor="olga")
    assert again.new == 0


def test_a_period_whose_every_actual_is_zero_is_kept_with_a_warning(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    first, second = sorted(weeks["ds"].unique())[:2]
    one_shut = (weeks["ds"] == second) & (weeks["unique_id"] == weeks["unique_id"].iloc[0])
    unbooked = weeks.assign(y=weeks["y"].where((weeks["ds"] != first) & ~one_shut, 0.0))

    upload = actuals.upload_actuals(
        store, plan, as_csv(unbooked), filename="early.csv", actor="olga"
    )

    assert upload.new == len(weeks)
    [warning] = upload.warnings  # not for the second week, where one series sold nothing
    assert f"every actual of the period {pd.Timestamp(first):%Y-%m-%d} is 0" in warning
    assert "actuals-restore" not in warning  # a first version has none before it
    assert "upload the period again once they are" in warning


def test_a_correction_zeroing_two_shops_of_a_booked_period_gives_no_all_zero_warning(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    first = sorted(weeks["ds"].unique())[0]
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="all.csv", actor="olga")
    two_shut = weeks[weeks["ds"] == first].head(2).assign(y=0.0)

    upload = actuals.upload_actuals(
        store, plan, as_csv(two_shut), filename="two_shut.csv", actor="olga"
    )

    assert upload.version.version == 2
    assert upload.warnings == []


def test_a_later_upload_zeroing_a_whole_period_names_the_version_to_go_back_to(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    first = sorted(weeks["ds"].unique())[0]
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="all.csv", actor="olga")
    unbooked = weeks[weeks["ds"] == first].assign(y=0.0)

    upload = actuals.upload_actuals(
        store, plan, as_csv(unbooked), filename="early.csv", actor="olga"
    )

    [warning] = upload.warnings
    assert "go back to the version before (actuals-restore 1)" in warning


def test_the_same_file_again_makes_no_version_and_no_all_zero_warning(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    first = sorted(weeks["ds"].unique())[0]
    unbooked = weeks.assign(y=weeks["y"].where(weeks["ds"] != first, 0.0))
    actuals.upload_actuals(store, plan, as_csv(unbooked), filename="early.csv", actor="olga")

    again = actuals.upload_actuals(
        store, plan, as_csv(unbooked), filename="early.csv", actor="olga"
    )

    assert again.version.version == 1
    assert again.warnings == []


# -- a few times off the plan's scale: kept, said loudly ---------------------------------------


@pytest.mark.parametrize("factor", [1 / 8, 1 / 4, 4, 7.46, 10, 60])
def test_actuals_a_few_times_off_the_forecast_and_history_are_kept_with_a_warning(
    store, plan, factor
):
    upload = actuals.upload_actuals(
        store, plan, as_csv(forecast_times(store, plan, factor)), filename="a.csv", actor="olga"
    )

    assert upload.version.version == 1
    [warning] = upload.warnings
    assert "the plan's forecast for the same series and periods" in warning
    assert "3 times too" in warning and "another currency" in warning
    assert upload.to_dict()["warnings"] == [warning]


@pytest.mark.parametrize("factor", [0.5, 0.9, 1, 1.2, 2])
def test_actuals_within_real_variation_of_the_forecast_carry_no_warning(store, plan, factor):
    upload = actuals.upload_actuals(
        store, plan, as_csv(forecast_times(store, plan, factor)), filename="a.csv", actor="olga"
    )

    assert upload.warnings == []


def test_the_actuals_page_shows_a_scale_warning_as_a_warning_not_a_success(store, plan):
    ctx = type("Ctx", (), {"store": store})()
    file = as_csv(forecast_times(store, plan, 10))

    with acting_as(store, "olga"):
        shown = actuals_page.keep_and_score(ctx, plan, {"plan_id": plan}, file, "x10.csv")[-1]

    assert shown.color == "warning"
    assert "Warning: " in str(shown) and "10 times the plan's forecast" in str(shown)


def test_the_cli_says_a_scale_warning_on_stderr_even_when_quiet(store, plan, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from forecast.cli import app

    file = tmp_path / "x10.csv"
    file.write_bytes(as_csv(forecast_times(store, plan, 10)))
    monkeypatch.setattr("forecast.cli.accuracy_cmds.open_plan_store", lambda *a, **k: store)
    monkeypatch.setattr("forecast.cli.accuracy_cmds.acting_user", lambda *a, **k: "olga")

    quiet = CliRunner().invoke(app, ["-q", "plan", "actuals", plan, str(file)])
    assert quiet.exit_code == 0, quiet.output
    assert "warning: these actuals are about 10 times" in quiet.stderr


# -- repeated rows: refused by default, summed only when asked and then said loudly ------------


def with_a_repeated_row(store: MemoryStore, plan: str) -> bytes:
    weeks = forecast_times(store, plan, 1.0)
    return as_csv(pd.concat([weeks, weeks.iloc[[3]].assign(y=5.0)], ignore_index=True))


def test_repeated_rows_in_actuals_are_refused_by_default_naming_the_rows(store, plan):
    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(
            store, plan, with_a_repeated_row(store, plan), filename="dup.csv", actor="olga"
        )

    [problem] = refused.value.problems
    assert problem.file == "dup.csv" and problem.row is not None
    assert "second row for series" in problem.message and "(first at row 5)" in problem.message
    said = problem.fix_in(CLI_FIXES)  # the command line's words of its fix
    assert "usually a correction" in said and "--duplicates sum" in said
    assert store.actuals_versions(plan) == []


def test_repeated_rows_summed_when_asked_are_kept_with_a_warning(store, plan):
    upload = actuals.upload_actuals(
        store,
        plan,
        with_a_repeated_row(store, plan),
        filename="dup.csv",
        actor="olga",
        duplicates="sum",
    )

    [warning] = upload.warnings
    assert "1 rows share a series and date" in warning and "kept as their sum" in warning
    assert not any("share a series and date" in n for n in upload.notes)


def test_the_actuals_page_refuses_repeated_rows_unless_summing_is_ticked_then_warns(store, plan):
    ctx = type("Ctx", (), {"store": store})()
    file = with_a_repeated_row(store, plan)

    with acting_as(store, "olga"):
        refused = actuals_page.keep_and_score(ctx, plan, {"plan_id": plan}, file, "dup.csv")[-1]
        assert store.actuals_versions(plan) == []
        summed = actuals_page.keep_and_score(
            ctx,
            plan,
            {"plan_id": plan},
            file,
            "dup.csv",
            None,
            False,
            None,
            actuals_page.duplicates_reading(True),
        )[-1]

    assert "second row for series" in str(refused) and "usually a correction" in str(refused)
    assert summed.color == "warning" and "kept as their sum" in str(summed)
    assert actuals_page.duplicates_reading("yes") is None  # as the plan's history: refused here


# -- a refused upload leaves the actuals in force on the page ---------------------------------


def test_a_refused_upload_keeps_showing_the_actuals_in_force_beside_the_refusal(store, plan):
    ctx = type("Ctx", (), {"store": store})()
    session = {"plan_id": plan}
    good = as_csv(forecast_times(store, plan, 1.05))
    thousands = as_csv(forecast_times(store, plan, 0.001))
    header_only = b"unique_id,ds,y\n"

    with acting_as(store, "olga"):
        kept = actuals_page.keep_and_score(ctx, plan, session, good, "good.csv")
        for bad, why in [(thousands, "0.1 %"), (header_only, "no data rows")]:
            figure, rows, verdict, alert = actuals_page.keep_and_score(
                ctx, plan, session, bad, "bad.csv"
            )
            assert why in str(alert)
            assert rows == kept[1] and str(verdict) == str(kept[2])
            assert "No actuals yet" not in str(figure)
    assert len(store.actuals_versions(plan)) == 1


def test_an_upload_that_makes_no_version_still_says_what_it_set_aside(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    actuals.upload_actuals(store, plan, as_csv(weeks), filename="w.csv", actor="olga")
    strangers = pd.DataFrame(
        {"unique_id": ["88888", "99999"], "ds": [weeks["ds"].iloc[0]] * 2, "y": [100.0, 200.0]}
    )

    again = actuals.upload_actuals(
        store, plan, as_csv(pd.concat([weeks, strangers])), filename="w2.csv", actor="olga"
    )

    assert again.unchanged
    assert "no version was made" in again.message()
    assert "2 row(s) of 2 series not in the plan left out: 88888, 99999" in again.message()


# -- the Accuracy page's downloads are of the actuals version it shows -------------------------


def test_the_fva_download_is_of_the_actuals_version_the_page_shows_not_one_kept_since(store, plan):
    from dashboard.pages import accuracy as accuracy_page
    from forecast.services import accuracy

    first = as_csv(forecast_times(store, plan, 1.05))
    later = as_csv(forecast_times(store, plan, 0.9))
    actuals.upload_actuals(store, plan, first, filename="v1.csv", actor="olga")
    with acting_as(store, "olga"):
        ctx = type("Ctx", (), {"store": store})()
        shown = accuracy_page.render(ctx, {"plan_id": plan}, "overall")[-1]
    assert shown == 1
    actuals.upload_actuals(store, plan, later, filename="v2.csv", actor="olga")  # from the CLI

    content, name = accuracy.fva_download(store, plan, "csv", "layers", actuals_version=shown)

    assert name.endswith("-actuals-v1-layers.csv")
    rows = pd.read_csv(io.BytesIO(content))
    assert set(rows["actuals_version"]) == {1}
    with pytest.raises(Invalid, match="which actuals version"):
        accuracy.fva_download(store, plan, "csv", "layers", actuals_version="2; drop")


# -- one series' last days not in yet ------------------------------------------------------------


def test_a_series_whose_last_days_have_not_arrived_keeps_its_last_week_out_of_the_actuals(
    store, plan
):
    weeks = forecast_times(store, plan, 1.0)
    days = weeks.loc[weeks.index.repeat(7)].copy()
    days["ds"] = days["ds"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
    days["y"] = days["y"] / 7
    late = days["unique_id"].iloc[0]
    last_week = days["ds"].max() - pd.Timedelta(days=6)
    missing = (days["unique_id"] == late) & (days["ds"] > last_week + pd.Timedelta(days=2))

    kept = actuals.upload_actuals(
        store, plan, as_csv(days[~missing]), filename="d.csv", actor="olga"
    )

    _, frame = actuals.load_actuals(store, plan)
    cells = set(zip(frame["unique_id"], frame["ds"], strict=True))
    assert (late, last_week) not in cells  # three of its seven days would have replaced it
    assert all((u, last_week) in cells for u in weeks["unique_id"].unique() if u != late)
    assert len(frame) == len(weeks) - 1
    said = " ".join(kept.notes)
    assert "covers only in part for that series" in said and f"{late} {last_week:%Y-%m-%d}" in said


def test_actuals_in_another_currency_than_the_plans_are_refused_naming_both(store, plan):
    weeks = forecast_times(store, plan, 1.0)
    text = weeks.assign(ds=weeks["ds"].dt.strftime("%Y-%m-%d"))

    dollars = text.assign(y=[f"${v:,.2f}" for v in weeks["y"]]).to_csv(index=False).encode()
    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, dollars, filename="usd.csv", actor="olga")
    [problem] = refused.value.problems
    assert (problem.column, problem.value) == ("y", "$")
    assert "currency sign $" in problem.message and "EUR (€)" in problem.message
    assert problem.fix == "convert the amounts to EUR and upload the file again"
    assert store.actuals_versions(plan) == []

    euros = text.assign(y=[f"{v:.2f} €" for v in weeks["y"]]).to_csv(index=False).encode()
    actuals.upload_actuals(store, plan, euros, filename="eur.csv", actor="olga")
    assert len(store.actuals_versions(plan)) == 1


def test_actuals_with_another_iso_code_than_the_plans_are_refused_and_with_its_own_accepted(
    store, plan
):
    weeks = forecast_times(store, plan, 1.0)
    text = weeks.assign(ds=weeks["ds"].dt.strftime("%Y-%m-%d"))

    dollars = text.assign(y=[f"USD {v:,.2f}" for v in weeks["y"]]).to_csv(index=False).encode()
    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, dollars, filename="usd.csv", actor="olga")
    [problem] = refused.value.problems
    assert (problem.column, problem.value) == ("y", "USD")
    assert problem.message == (
        "the amounts carry the currency code USD, and the plan is in EUR (€)"
    )
    assert problem.fix == "convert the amounts to EUR and upload the file again"
    assert store.actuals_versions(plan) == []

    euros = text.assign(y=[f"{v:.2f} EUR" for v in weeks["y"]]).to_csv(index=False).encode()
    actuals.upload_actuals(store, plan, euros, filename="eur.csv", actor="olga")
    [version] = store.actuals_versions(plan)


def test_a_file_refused_for_many_repeated_rows_lists_them_one_a_line_with_the_fix_once(store, plan):
    """Order lines (several rows per series and day) were refused as one paragraph: 21 times
    the same fix, with a command-line option in it, run together without a break."""
    ctx = type("Ctx", (), {"store": store})()
    once = forecast_times(store, plan, 1.0)
    lines = pd.concat([once, once.assign(y=once["y"] / 2), once.assign(y=1.0)])

    with acting_as(store, "olga"):
        shown = actuals_page.keep_and_score(ctx, plan, {"plan_id": plan}, as_csv(lines), "o.csv")
    alert = shown[-1]

    text = str(alert)
    [listed] = [part for part in alert.children if isinstance(part, html.Ul)]
    assert len(listed.children) == 21  # 20 rows and "N more duplicate rows (M in all)"
    assert f"({2 * len(once)} in all)" in text
    assert text.count("usually a correction") == 1
    assert "--duplicates" not in text and "Sum rows of the same series and date" in text
    assert store.actuals_versions(plan) == []
