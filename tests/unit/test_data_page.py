"""The Data page without a browser: the file check (`forecast.services.file_check`: the sales
column, rows vs periods, the team), the page's pure builders and its form parsing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from dash import no_update

from dashboard import ids
from dashboard.data_parts import create, preview, view
from forecast.cli.fix_hints import CLI_FIXES
from forecast.engine.ingest import read_sales
from forecast.engine.runner import LocalRunner, map_in_steps
from forecast.services import file_check
from forecast.services.file_check import TeamChoice
from forecast.services.store_factory import open_store

WEEKS = pd.date_range("2024-01-05", periods=12, freq="W-FRI")
STORES = {"1": "A", "2": "A", "3": "B", "4": "C"}


def csv_bytes(columns: dict[str, object], stores=STORES) -> bytes:
    """One row per store and week; `columns` maps a name to a function (store, week number)."""
    rows = []
    for store in stores:
        for i, day in enumerate(WEEKS):
            row = {"Store": store, "Date": day.date().isoformat()}
            row.update({name: make(store, i) for name, make in columns.items()})
            rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False).encode()


def temperature(store: str, week: int) -> float:
    return 10.0 + week * 0.5 + int(store)


def fuel(store: str, week: int) -> float:
    return 2.5 + week * 0.01


def sales(store: str, week: int) -> float:
    return 100.0 * int(store) + week


def text(component) -> str:
    return json.dumps(
        component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False
    )


# -- the sales column ---------------------------------------------------------------------------


def test_a_file_without_a_sales_column_leaves_the_value_for_the_planner_to_pick():
    features = csv_bytes({"Temperature": temperature, "Fuel_Price": fuel})

    check = file_check.check_file(features, filename="features.csv")

    assert check.ok and check.needs_value
    assert check.value_col is None  # nothing preselected as if it were certain
    assert check.value_how == "first numeric"
    assert check.value_candidates == ["Temperature", "Fuel_Price"]


def test_two_columns_named_like_sales_leave_the_value_for_the_planner_to_pick():
    both = csv_bytes({"Units": sales, "Revenue": lambda s, w: 9.5 * sales(s, w)})

    check = file_check.check_file(both, filename="both.csv")

    assert check.needs_value and check.value_how == "several named"
    assert {"Units", "Revenue"} <= set(check.value_candidates)


def test_one_column_named_like_sales_is_taken_without_asking():
    check = file_check.check_file(
        csv_bytes({"Sales": sales, "Customers": lambda s, w: 10 + w}), filename="good.csv"
    )

    assert check.value_col == "Sales" and not check.needs_value
    assert check.columns[:3] == ["Store", "Date", "Sales"]


def test_the_picked_value_column_is_read_as_certain():
    features = csv_bytes({"Temperature": temperature, "Fuel_Price": fuel})

    check = file_check.check_file(features, filename="features.csv", value_col="Fuel_Price")

    assert check.value_col == "Fuel_Price" and not check.needs_value
    assert check.history is not None
    assert check.history["y"].iloc[0] == pytest.approx(fuel("1", 0))


def test_the_engine_notes_which_of_several_sales_columns_it_took():
    result = read_sales(
        csv_bytes({"Units": sales, "Revenue": lambda s, w: 2.0 * sales(s, w)}), filename="b.csv"
    )

    assert result.value_choice is not None and not result.value_choice.certain
    assert any("several columns are named like sales" in n for n in result.report.notes)


# -- rows, series and periods ---------------------------------------------------------------------


def test_periods_are_the_distinct_dates_not_the_rows():
    raw = csv_bytes({"Sales": sales})

    check = file_check.check_file(raw, filename="s.csv")
    report = read_sales(raw, filename="s.csv").report

    assert check.summary is not None
    assert (check.summary.rows, check.summary.series, check.summary.periods) == (48, 4, 12)
    assert check.summary.series_periods == 48
    assert (report.periods, report.series_periods) == (12, 48)
    assert view.counts(check.summary).startswith(
        "48 rows read: 4 series × 12 weeks (Friday to Thursday), "
    )


def test_the_report_names_a_quarterly_files_quarters_not_their_first_days():
    quarters = pd.date_range("2016-01-01", periods=8, freq="QS")
    rows = [
        {"Purpose": purpose, "Quarter": f"{quarter:%Y-%m-%d}", "Trips": 3598.63 + i}
        for purpose in ("Business", "Holiday")
        for i, quarter in enumerate(quarters)
    ]
    raw = pd.DataFrame(rows).to_csv(index=False).encode()

    check = file_check.check_file(raw, filename="tourism.csv")

    assert check.summary is not None
    assert view.counts(check.summary) == ("16 rows read: 2 series × 8 quarters, 2016 Q1 to 2017 Q4")


def test_a_sparse_files_note_says_days_not_the_calendar_code():
    rows = [
        {"Store": store, "Date": f"2024-01-{day:02d}", "Sales": 5.0}
        for store in ("1", "2")
        for day in (1, 9, 17, 25)
    ]
    raw = pd.DataFrame(rows).to_csv(index=False).encode()

    check = file_check.check_file(raw, filename="orders.csv", freq="D")

    assert check.summary is not None
    (note,) = [n for n in check.summary.notes if "had no rows" in n]
    assert note.startswith("84 % of the days had no rows and were filled with 0")
    (page_note,) = [n for n in view.notes_said(check.summary) if "had no rows" in n]
    assert "a coarser calendar (“Frequency” week)" in page_note


def test_order_lines_too_sparse_for_weeks_are_pointed_to_months_with_each_calendars_share():
    """Superstore by region and sub-category: 91 % of the days empty, and weeks (59 % empty)
    were suggested where months (21 %) suit; a sale on one day in every 3 weeks is alike."""
    days = pd.date_range("2022-01-03", "2023-12-31", freq="21D")
    rows = [
        {"Store": store, "Date": f"{day + pd.Timedelta(days=offset):%Y-%m-%d}", "Sales": 5.0}
        for offset, store in enumerate(("1", "2"))
        for day in days
    ]
    raw = pd.DataFrame(rows).to_csv(index=False).encode()

    check = file_check.check_file(raw, filename="orders.csv", freq="D")

    assert check.summary is not None
    (note,) = [n for n in check.summary.notes_in(CLI_FIXES) if "had no rows" in n]
    assert note.startswith(
        "95 % of the days had no rows and were filled with 0 (by week 66 %, by month 0 %"
    )
    assert note.endswith(
        "would be empty); a coarser calendar (--freq M) may suit these series better"
    )
    (page_note,) = [n for n in view.notes_said(check.summary) if "had no rows" in n]
    assert "a coarser calendar (“Frequency” month)" in page_note


def test_the_report_names_series_with_a_gap_the_forecast_reads_from_a_season_before():
    months = pd.date_range("2021-01-01", periods=36, freq="MS")
    rows = [
        {"Store": store, "Date": f"{month:%Y-%m-%d}", "Sales": 100.0 + i}
        for store in ("1", "2")
        for i, month in enumerate(months)
        if not (store == "2" and 14 <= i < 19)  # five months without rows
    ]
    raw = pd.DataFrame(rows).to_csv(index=False).encode()

    check = file_check.check_file(raw, filename="monthly.csv")

    assert check.summary is not None
    assert (check.summary.filled, check.summary.gapped) == (5, 1)
    assert "1 series have a gap" in text(view.report_panel(check))
    plain = file_check.check_file(csv_bytes({"Sales": sales}), filename="s.csv")
    assert plain.summary is not None and plain.summary.gapped == 0
    assert "have a gap" not in text(view.report_panel(plain))


# -- the team -------------------------------------------------------------------------------------


def test_a_constant_column_is_never_the_suggested_team():
    raw = csv_bytes(
        {"Sales": sales, "Dept": lambda s, w: 1, "Type": lambda s, w: STORES[s]},
    )

    check = file_check.check_file(raw, filename="dept1.csv", id_cols=["Store"])

    by_name = {t.column: t for t in check.teams}
    assert by_name["Dept"].constant and by_name["Type"].groups
    assert check.team == "Type"
    assert not check.needs_store_table


def test_only_a_constant_column_means_no_team_and_a_hint_for_the_store_table():
    raw = csv_bytes({"Sales": sales, "Dept": lambda s, w: 1})

    check = file_check.check_file(raw, filename="dept1.csv", id_cols=["Store"])

    assert check.team is None
    assert check.needs_store_table


def test_a_store_table_gives_the_teams_at_once():
    raw = csv_bytes({"Sales": sales})
    stores = pd.DataFrame({"Store": list(STORES), "StoreType": list(STORES.values())})

    without = file_check.check_file(raw, filename="s.csv")
    with_table = file_check.check_file(
        raw,
        filename="s.csv",
        attributes_file=stores.to_csv(index=False).encode(),
        attributes_filename="stores.csv",
    )

    assert without.needs_store_table and without.team is None
    assert not with_table.needs_store_table and with_table.team == "StoreType"
    assert with_table.summary is not None
    assert "attributes from stores.csv: StoreType" in with_table.summary.notes


def test_the_suggested_team_is_named_like_a_grouping_else_the_fewest_groups():
    def choice(column: str, teams: int) -> TeamChoice:
        return TeamChoice(column, teams, series=100)

    assert file_check.suggest_team([choice("Size", 40), choice("Region", 5)]) == "Region"
    assert file_check.suggest_team([choice("Size", 40), choice("Promo2", 2)]) == "Promo2"
    assert file_check.suggest_team([choice("Store", 100), choice("Dept", 1)]) is None
    assert file_check.suggest_team([choice("Zip", 80)]) is None  # more than a round's teams


# -- the page's builders --------------------------------------------------------------------------


def test_the_page_asks_for_the_sales_column_and_blocks_nothing_silently():
    check = file_check.check_file(
        csv_bytes({"Temperature": temperature, "Fuel_Price": fuel}), filename="features.csv"
    )

    out = view.preview_outputs(check, "")

    assert out.value is None
    assert [o["value"] for o in out.value_options][:2] == ["Temperature", "Fuel_Price"]
    shown = text(out.report)
    assert ids.DATA_ASK_VALUE in shown and "the file is valid" not in shown
    assert "Which column holds the sales?" in shown and "Value (sales)" in shown
    assert out.preview is None  # no history of Temperature shown as if it were sales
    assert "Pick the sales column" in text(out.create_hint)
    assert out.upload_status is None  # the "Reading…" banner goes


def test_a_valid_file_shows_the_report_the_history_and_keeps_the_samples_note():
    check = file_check.check_file(csv_bytes({"Sales": sales}), filename="s.csv")

    out = view.preview_outputs(check, "W", sample=True)

    shown = text(out.report)
    assert ids.DATA_REPORT_OK in shown and "4 series × 12 weeks" in shown
    assert ids.DATA_STORE_TABLE_HINT in shown and "Store table" in shown
    assert (out.value, out.freq, out.create_hint) == ("Sales", "W", None)
    assert ids.DATA_PREVIEW in text(out.preview)
    assert out.upload_status is view.NOTHING.upload_status  # the sample's note stays
    # A file's sales have no currency until a plan is made from them: plain numbers.
    assert out.chart.layout.yaxis.tickprefix == ""
    assert "€" not in out.chart.data[0].hovertemplate


def test_problems_are_listed_by_row_and_column():
    good = csv_bytes({"Sales": sales}).decode()
    bad = good.replace(f"1,{WEEKS[4].date().isoformat()},104.0", f"1,{WEEKS[4].date()},five")

    check = file_check.check_file(bad.encode(), filename="bad.csv")
    rows = view.problem_rows(check.problems)

    assert not check.ok
    assert (rows[0]["row"], rows[0]["column"], rows[0]["value"]) == (6, "Sales", "five")
    assert ids.DATA_REPORT_PROBLEMS in text(view.preview_outputs(check, "").report)


def test_team_options_say_how_many_teams_each_column_gives():
    options = view.team_options(
        [TeamChoice("Dept", 1, 45), TeamChoice("Store", 45, 45), TeamChoice("Type", 3, 45)]
    )

    assert [o["label"] for o in options] == [
        "Dept (one value: a single team)",
        "Store (45 teams of one series each)",
        "Type (3 teams)",
    ]


def test_the_progress_line_says_the_step_in_full_beside_the_percentage():
    assert view.progress_values(0.456, "choosing the model: 5 of 90 backtests run") == (
        "46",
        "46 % · choosing the model: 5 of 90 backtests run",
    )
    assert view.progress_values(1.2, "done")[0] == "100"


# -- the forms ------------------------------------------------------------------------------------


def test_a_new_file_is_read_with_everything_detected_and_a_pick_keeps_the_mapping():
    file = {"token": "t", "filename": "s.csv", "freq": "W"}

    fresh = preview.read_options(ids.DATA_FILE, file, ["Old"], "Old date", "Old value", "D")
    picked = preview.read_options(ids.DATA_MAP_VALUE, file, ["Store"], "Date", "Sales", "")

    assert fresh == {"freq": "W", "week_dates": "start", "decimal": None}
    # the reading choices made on the page hold for a new file, as they do for the plan made
    again = preview.read_options(ids.DATA_FILE, file, ["Old"], "x", "y", "D", "end", ",")
    assert again == {"freq": "W", "week_dates": "end", "decimal": ","}
    assert picked == {
        "id_cols": ["Store"],
        "date_col": "Date",
        "value_col": "Sales",
        "freq": None,
        "week_dates": "start",
        "decimal": None,
    }
    ending = preview.read_options(ids.DATA_MAP_VALUE, file, ["Store"], "Date", "Sales", "", "end")
    assert ending["week_dates"] == "end"


def test_create_plan_on_a_file_with_problems_points_at_the_problems_not_the_sales_column():
    broken = b"Store,Date,Sales\n1,2015-02-01,735\n1,2015-02-31,500\n1,2015-02-03,abc\n"
    check = file_check.check_file(broken, filename="broken.csv")
    out = view.preview_outputs(check, "")
    assert out.value is None and out.read_cleanly is False
    form = ["Plan", 8, None, "snaive", None, None, out.value, "", "USD"]
    file = {"token": "t", "filename": "broken.csv"}

    said = create.create_plan(None, None, 1, file, None, out.read_cleanly, None, *form)

    assert said[0].children == create.FILE_HAS_PROBLEMS
    fixed = view.preview_outputs(
        file_check.check_file(csv_bytes({"Sales": sales}), filename="s.csv"), ""
    )
    assert fixed.read_cleanly is True and view.NOTHING.read_cleanly is view.NOTHING.value


def test_a_picked_sales_column_with_problems_stays_picked_beside_its_report():
    """Picking CPI (written with dots between thousands) as the sales column: the report listed
    its problems while the box went back to 'Pick the sales column'."""
    bad = b"Store,Date,Sales,CPI\n1,2015-02-02,735,1.600.000.000\n1,2015-02-09,500,1.7.1\n"
    check = file_check.check_file(bad, filename="cpi.csv", value_col="CPI")
    assert not check.ok

    out = view.preview_outputs(check, "", picked="CPI")

    assert out.value == "CPI" and out.read_cleanly is False
    assert view.preview_outputs(check, "", picked="not a column").value is None


def test_no_plan_is_made_before_the_sales_column_is_picked():
    form = ["Plan", 8, "Type", "snaive", ["Store"], "Date", None, "", "USD"]

    refused = create.plan_request(*form)
    form[6] = "Weekly_Sales"
    request = create.plan_request(*form)

    assert isinstance(refused, str) and "Pick the sales column" in refused
    assert isinstance(request, dict)
    assert request["value_col"] == "Weekly_Sales" and request["currency"] == "USD"
    assert (request["horizon"], request["team_attr"], request["freq"]) == (8, "Type", None)
    assert request["week_dates"] == "start"
    assert create.plan_request(*form, "end")["week_dates"] == "end"  # type: ignore[index]


# -- progress -------------------------------------------------------------------------------------


def test_mapping_in_steps_reports_progress_and_returns_the_same_results():
    calls: list[tuple[int, int]] = []

    out = map_in_steps(
        LocalRunner(jobs=1), np.sqrt, list(range(50)), lambda d, t: calls.append((d, t))
    )

    assert out == [np.sqrt(i) for i in range(50)]
    assert calls[0] == (0, 50) and calls[-1] == (50, 50)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) > 3


@pytest.mark.slow  # real model fits (model="auto" backtests its candidates)
def test_plan_creation_progress_moves_through_the_model_choice_and_the_fits(tmp_path):
    from forecast.services import plan_create

    raw = pd.read_csv(pd.io.common.BytesIO(csv_bytes({"Sales": sales})))
    raw = pd.concat(
        [
            raw.assign(Date=pd.to_datetime(raw["Date"]) - pd.Timedelta(weeks=12 * k))
            for k in range(4)
        ]
    )
    reports: list[tuple[float, str]] = []
    store = open_store(data_dir=tmp_path)
    try:
        plan_create.create_plan(
            store,
            name="progress",
            source=raw.to_csv(index=False).encode(),
            filename="s.csv",
            horizon=4,
            team_attr=None,
            actor="olga",
            model="auto",
            progress=lambda fraction, message: reports.append((fraction, message)),
        )
    finally:
        store.close()
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    choosing = [f for f, m in reports if "backtests run" in m]
    assert len(choosing) >= 3 and choosing[0] < choosing[-1]  # moves while the model is chosen
    assert any("series fitted" in m for _, m in reports)


def test_the_readers_fixes_name_the_pages_fields_not_command_line_options():
    no_dates = b"Store,Day,Sales\n" + b"".join(f"1,x{d},{d}\n".encode() for d in range(20))
    check = file_check.check_file(no_dates, filename="no_dates.csv")

    (row,) = view.problem_rows(check.problems)

    assert "“Date”" in row["fix"] and "--" not in row["fix"]
    one_series = b"Day,Sales\n" + b"".join(f"2024-01-{d:02d},{d}\n".encode() for d in range(1, 21))
    notes = view.notes_said(file_check.check_file(one_series, filename="one.csv").summary)
    assert any(
        n.endswith("one series named 'total'; pick the key columns in “Series key” to split it")
        for n in notes
    ), notes
    sparse = b"Store,Day,Sales\n" + b"".join(f"1,2024-01-{d:02d},1\n".encode() for d in (1, 9, 17))
    notes = view.notes_said(file_check.check_file(sparse, filename="s.csv", freq="D").summary)
    (coarser,) = [n for n in notes if "coarser calendar" in n]
    assert "--" not in coarser


def test_a_file_whose_sales_column_holds_text_can_be_mapped_to_another_column():
    text = (
        'store,date,Sales,Net\n1,2024-01-05,"1,234 units",40\n1,2024-01-12,"1,300 units",41\n'
        '2,2024-01-05,"500 units",40\n2,2024-01-12,"600 units",41\n'
    )
    check = file_check.check_file(text.encode(), filename="till.csv")
    assert not check.ok and check.problems[0].column == "Sales"
    out = view.preview_outputs(check, None)
    assert [o["value"] for o in out.value_options] == ["store", "date", "Sales", "Net"]
    assert out.value is None
    hint = json.dumps(out.create_hint.to_plotly_json())
    assert "The file has problems" in hint and "map other columns" in hint
    remapped = file_check.check_file(text.encode(), filename="till.csv", value_col="Net")
    assert remapped.ok and remapped.value_col == "Net"


def test_the_header_of_a_spreadsheet_or_binary_upload_is_not_guessed():
    assert file_check.header_of(b"PK\x03\x04 zipped workbook") == []
    assert file_check.header_of(b"a;b;c\n1;2;3\n") == ["a", "b", "c"]


def test_a_file_with_dots_grouping_thousands_is_read_with_the_decimal_mark_picked_on_the_page():
    rows = ["Store;Date;Sales"] + [
        f"{store};{day.date().isoformat()};{int(store) * 11}.{537 + i:03d}"
        for store in STORES
        for i, day in enumerate(WEEKS)
    ]
    content = "\n".join(rows).encode()
    doubtful = file_check.check_file(content, filename="dotted.csv")
    assert doubtful.problems and "Decimal mark" in json.dumps(view.problem_rows(doubtful.problems))
    options = preview.read_options(
        ids.DATA_APPLY_MAPPING, {}, ["Store"], "Date", "Sales", None, None, ","
    )
    assert options["decimal"] == ","
    read = file_check.check_file(content, filename="dotted.csv", **options)
    assert not read.problems
    history = read_sales(content, filename="dotted.csv", decimal=",").history
    assert history["y"].min() == 11537
    form = create.plan_request(
        "p", 4, None, "snaive", ["Store"], "Date", "Sales", "W", None, None, ","
    )
    assert isinstance(form, dict) and form["decimal"] == ","
    assert preview.decimal_mark("'; drop table") is None


def test_the_store_table_upload_forgets_the_file_once_read_so_the_same_file_is_read_again(
    tmp_path,
):
    import base64

    import flask

    from dashboard.context import DashboardContext
    from dashboard.data_parts import upload

    ctx = DashboardContext(data_dir=str(tmp_path))
    contents = "data:text/csv;base64," + base64.b64encode(b"Store,StoreType\n1,a\n").decode()
    app = flask.Flask(__name__)
    app.secret_key = "test"
    with app.test_request_context():  # the upload is kept for this browser session
        kept, note, forgotten = upload.stash_attributes(ctx, contents, "stores.csv")
        tiny = DashboardContext(data_dir=str(tmp_path), upload_limit_bytes=4)
        refused, _, refused_forgotten = upload.stash_attributes(tiny, contents, "stores.csv")
    assert "token" in kept and "stores.csv" in note
    assert forgotten is None  # the browser sends nothing for contents that did not change
    assert refused is None and refused_forgotten is None


def test_a_plan_job_given_up_on_says_so_on_the_page_and_a_bug_is_raised_as_before():
    from dash.exceptions import BackgroundCallbackError

    from dashboard import jobs
    from tests.unit.test_fix_hints import text_of

    # The error Dash raises in the poll for the answer `CleanJobManager` gives for the job.
    given_up = BackgroundCallbackError(
        "An error occurred inside a background callback: "
        + jobs.JOB_FAILED
        + jobs.OVERDUE.format(minutes=30)
        + "\n"
    )
    alert, created = create.job_failed(given_up)
    assert created is create.no_update
    text = text_of(alert)
    assert "The plan was not created: it made no progress for 30 minutes and was stopped" in text
    assert "press Create plan again" in text
    bug = BackgroundCallbackError("An error occurred inside a background callback: KeyError\n")
    with pytest.raises(BackgroundCallbackError):
        create.job_failed(bug)


# -- the currency ---------------------------------------------------------------------------------


def euro_file() -> bytes:
    return csv_bytes({"Sales": lambda store, week: f"{sales(store, week):.2f} €"})


def test_the_data_page_suggests_euros_for_amounts_in_euros():
    check = file_check.check_file(euro_file(), filename="euros.csv")
    out = view.preview_outputs(check, "")
    sign = out.currency_sign
    assert len(out) == len(view.NOTHING) == len(preview.OUTPUTS)

    value, set_by_page, hint = create.suggest_currency(None, sign, "USD", "USD")

    assert (sign, value, set_by_page) == ("€", "EUR", "EUR")
    assert hint == "The file's amounts carry €: EUR chosen."


def test_the_data_page_chooses_the_currency_whose_iso_code_the_amounts_carry():
    content = csv_bytes({"Sales": lambda store, week: f"USD {sales(store, week):,.2f}"})
    check = file_check.check_file(content, filename="dollars.csv")
    sign = view.preview_outputs(check, "").currency_sign

    value, set_by_page, hint = create.suggest_currency(None, sign, "EUR", "EUR")

    assert (sign, value, set_by_page) == ("USD", "USD", "USD")
    assert hint == "The file's amounts carry USD: USD chosen."


def test_the_data_page_suggests_us_dollars_for_dollar_amounts_saying_they_may_be_another():
    value, _, hint = create.suggest_currency(None, "$", "EUR", "EUR")

    assert value == "USD"
    assert "USD suggested" in hint and "CAD" in hint and "change it" in hint


def test_the_data_page_keeps_canadian_dollars_for_dollar_amounts():
    value, _, hint = create.suggest_currency(None, "$", "CAD", "CAD")

    assert value == "CAD" and "CAD suggested" in hint


def test_the_data_page_keeps_the_currency_the_planner_picked_whatever_the_sign():
    picked = create.suggest_currency(None, "€", "GBP", "USD")  # the page had put USD in the form

    assert picked == (no_update, no_update, no_update)


def test_the_data_page_leaves_the_currency_alone_for_amounts_without_a_sign_and_says_so():
    check = file_check.check_file(csv_bytes({"Sales": sales}), filename="plain.csv")
    sign = view.preview_outputs(check, "").currency_sign

    assert sign is None
    value, kept, hint = create.suggest_currency(None, sign, "USD", "USD")
    assert (value, kept) == (no_update, no_update)
    assert "no currency sign" in hint and "USD" in hint and "not from the file" in hint


def test_the_sample_puts_its_currency_in_the_form_as_the_pages_own(tmp_path):
    import flask

    from dashboard.context import DashboardContext
    from dashboard.data_parts import upload

    ctx = DashboardContext(data_dir=str(tmp_path))
    app = flask.Flask(__name__)
    app.secret_key = "test"
    with app.test_request_context():
        _, _, currency, set_by_page = upload.use_sample(ctx, 1)
    assert currency == set_by_page  # a sign on a file uploaded next may still change it


def test_the_preview_shows_summed_order_lines_without_binary_rounding_noise():
    """Order lines of one month summed read 2185.8959999999997 in the preview, not 2185.896."""
    lines = pd.DataFrame(
        {
            "Region": "West",
            "Order Date": ["2018-07-03", "2018-07-09", "2018-07-20"],
            "Sales": [2185.596, 0.1, 0.2],
        }  # fmt: skip
    )
    history = read_sales(lines.to_csv(index=False).encode(), filename="orders.csv", freq="M")
    summed = float(history.history["y"].iloc[0])
    assert summed != 2185.896  # the binary sum the reader gives
    rows, _ = view.preview_rows(history.history)
    assert rows[0]["y"] == 2185.896
    assert (
        view.preview_rows(pd.DataFrame({"ds": pd.to_datetime(["2024-01-01"]), "y": [44.537]}))[0][
            0
        ]["y"]
        == 44.537
    )


def test_a_daily_file_read_again_in_weeks_is_offered_a_horizon_in_weeks():
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    daily = pd.DataFrame({"Store": 1, "Date": days.strftime("%Y-%m-%d"), "Sales": 100})
    raw = daily.to_csv(index=False).encode()
    new = view.preview_outputs(file_check.check_file(raw, filename="d.csv"), "", new_file=True)
    weekly = file_check.check_file(
        raw, filename="d.csv", id_cols=["Store"], date_col="Date", value_col="Sales", freq="W"
    )

    assert new.horizon == new.horizon_offered == 91
    assert view.preview_outputs(weekly, "W", horizon=91, last_offered=91).horizon == 13
    assert view.preview_outputs(weekly, "W", horizon=20, last_offered=91).horizon is no_update


def test_a_typed_horizon_equal_to_another_frequencys_default_is_kept_when_the_frequency_changes():
    weeks = pd.date_range("2024-01-05", periods=60, freq="W-FRI")
    weekly = pd.DataFrame({"Store": 1, "Date": weeks.strftime("%Y-%m-%d"), "Sales": 100})
    raw = weekly.to_csv(index=False).encode()
    new = view.preview_outputs(file_check.check_file(raw, filename="w.csv"), "", new_file=True)
    quarterly = file_check.check_file(
        raw, filename="w.csv", id_cols=["Store"], date_col="Date", value_col="Sales", freq="Q"
    )

    typed = view.preview_outputs(quarterly, "Q", horizon=3, last_offered=new.horizon_offered)
    left = view.preview_outputs(quarterly, "Q", horizon=13, last_offered=new.horizon_offered)

    assert new.horizon == new.horizon_offered == 13
    assert typed.horizon is no_update and typed.horizon_offered is no_update
    assert left.horizon == left.horizon_offered == 4


def test_a_file_that_failed_to_read_is_not_said_to_carry_no_currency_sign():
    broken = b"Store,Date,Sales\n1,2024-01-01,\xe2\x82\xac10.50\n1,2024-13-15,\xe2\x82\xac12.00\n"
    out = view.preview_outputs(file_check.check_file(broken, filename="euro.csv"), "")

    assert out.read_cleanly is False
    assert out.currency_sign is no_update  # the currency hint waits for a clean read


def test_an_upload_replaced_by_the_sample_or_another_upload_leaves_the_server(tmp_path):
    """The upload folder kept every file a session dropped until a plan was made from the last
    one: the sample after an upload, or a second upload after a first, left the first behind."""
    import base64

    import flask

    from dashboard import uploads
    from dashboard.context import DashboardContext
    from dashboard.data_parts import upload

    ctx = DashboardContext(data_dir=str(tmp_path))
    kept = uploads.folder(ctx.cache_dir())

    def tokens() -> set[str]:
        return {path.stem for path in kept.glob("*.json")}

    def dropped(name: str) -> dict:
        contents = "data:text/csv;base64," + base64.b64encode(csv_bytes({"Sales": sales})).decode()
        return {"contents": contents, "filename": name}

    app = flask.Flask(__name__)
    app.secret_key = "test"
    with app.test_request_context():  # one browser session
        first, _ = upload.stash_upload(ctx, dropped("first.csv"), None)
        second, _ = upload.stash_upload(ctx, dropped("second.csv"), first)
        assert tokens() == {second["token"]}  # the second upload replaced the first
        sample, *_ = upload.use_sample(ctx, 1, second)
        assert tokens() == {sample["token"], sample["attributes"]["token"]}
        again, *_ = upload.use_sample(ctx, 2, sample)  # the sample's store table goes too
        assert tokens() == {again["token"], again["attributes"]["token"]}
        third, _ = upload.stash_upload(ctx, dropped("third.csv"), again)
        assert tokens() == {third["token"]}
        table = "data:text/csv;base64," + base64.b64encode(b"Store,Type\n1,a\n").decode()
        store_table, _, _ = upload.stash_attributes(ctx, table, "stores.csv", None)
        other_table, _, _ = upload.stash_attributes(ctx, table, "stores2.csv", store_table)
        assert tokens() == {third["token"], other_table["token"]}
        assert upload.files_of(ctx, third, other_table)[0].filename == "third.csv"
    with app.test_request_context():  # another session cannot discard this one's upload
        upload.stash_upload(ctx, dropped("theirs.csv"), third)
    assert third["token"] in tokens()
