"""Side by side: the comparison read model (forecast.services.comparison) and the page's pure
builders, on a real plan; the browser test covers the wiring."""

from __future__ import annotations

import json

import pandas as pd
import plotly
import pytest

from dashboard import figures
from dashboard.pages import side_by_side
from forecast.services import comparison, plan_create, plan_members, plan_totals, team_actuals
from forecast.services import negotiation as nego
from forecast.services import plans as plan_service
from forecast.services.store_factory import open_store


def test_differences_are_sorted_by_disagreement_with_the_total_last():
    negotiated = pd.DataFrame(
        {
            "team": ["a", "a", "b"],
            "system_plan_minor": [100_00, 100_00, 500_00],
            "target_minor": [150_00, 150_00, 510_00],
        }
    )
    totals = comparison.team_totals(negotiated)
    ledger = pd.DataFrame(
        {"team": ["a", "b", "TOTAL"], "claim": [80.0, 10.0, 90.0], "assignment": [20.0, 0.0, 20.0]}
    )
    stretch = pd.DataFrame(
        {
            "team": ["a", "b", "TOTAL"],
            "probability_reach": [0.1, 0.4, 0.2],
            "growth_vs_last_year": [0.5, None, 0.1],
        }
    )
    rows = comparison.differences(totals, ledger, stretch).to_dict("records")
    assert [r["team"] for r in rows] == ["a", "b", "TOTAL"]
    assert rows[0]["difference"] == 100.0 and rows[0]["difference_pct"] == 50.0
    assert rows[1]["growth_pct"] is None or pd.isna(rows[1]["growth_pct"])
    assert rows[-1]["target"] == 810.0 and rows[-1]["system_plan"] == 700.0


def test_the_total_rows_chance_is_left_blank_while_it_is_the_goals_not_the_total_shown():
    negotiated = pd.DataFrame(
        {
            "team": ["a", "b"],
            "system_plan_minor": [100_00, 500_00],
            "target_minor": [150_00, 510_00],
        }
    )
    totals = comparison.team_totals(negotiated)
    ledger = pd.DataFrame({"team": ["a", "b"], "claim": [50.0, 10.0], "assignment": [0.0, 0.0]})

    def stretch(total_target: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "team": ["a", "b", "TOTAL"],
                "target": [150.0, 510.0, total_target],
                "probability_reach": [0.4, 0.6, 0.001],
                "growth_vs_last_year": [0.1, 0.1, 0.5],
            }
        )

    open_round = comparison.differences(totals, ledger, stretch(1_000.0)).iloc[-1]
    assigned = comparison.differences(totals, ledger, stretch(660.0)).iloc[-1]
    assert open_round["team"] == "TOTAL" and open_round["target"] == 660.0
    assert pd.isna(open_round["probability"]) and pd.isna(open_round["growth_pct"])
    assert assigned["probability"] == 0.001


@pytest.fixture
def store(tmp_path):
    ids = [str(i) for i in range(1, 5)]
    weeks = pd.date_range("2024-01-05", periods=60, freq="W-FRI")
    history = pd.DataFrame(
        [{"unique_id": u, "ds": d, "y": 100.0 + 10 * int(u)} for u in ids for d in weeks]
    )
    attributes = pd.DataFrame({"unique_id": ids, "Region": ["north", "north", "south", "south"]})
    s = open_store(data_dir=tmp_path)
    state = plan_create.create_plan_from_frames(
        s,
        name="sbs",
        history=history,
        attributes=attributes,
        freq="W-FRI",
        horizon=4,
        team_attr="Region",
        actor="olga",
        model="snaive",
    )
    plan_members.grant(s, state.plan_id, "olga", "lena", "lead", team="north")
    s.plan_id = state.plan_id  # type: ignore[attr-defined]
    yield s
    s.close()


def test_before_a_goal_the_page_says_where_to_set_one(store):
    compared = comparison.compare_plans(store, store.plan_id)
    assert not compared.has_goal
    cards, _, rows, _, teams, alert, parts, _ = side_by_side.comparison_outputs(compared)
    assert cards == [] and rows == [] and teams == []
    assert parts == {"display": "none"}  # no empty charts and tables before a goal
    assert "sets a goal on the Negotiation page" in json.dumps(
        alert, cls=plotly.utils.PlotlyJSONEncoder
    )
    assert comparison.period_comparison(store, store.plan_id, None) is None


def test_the_comparison_matches_the_ledger_to_the_cent(store):
    nego.set_goal(store, store.plan_id, "olga", ratio="1.2")
    nego.claim(store, store.plan_id, "lena", "north", amount="1234.56", note="x")
    nego.close_round(store, store.plan_id, "olga")
    nego.assign(store, store.plan_id, "olga", "even")
    ledger = nego.ledger(store, store.plan_id).set_index("team")
    compared = comparison.compare_plans(store, store.plan_id)
    rows = {r["team"]: r for r in side_by_side.difference_rows(compared)}
    assert set(rows) == {"north", "south", "TOTAL"}
    for team, row in rows.items():
        assert round(row["target"] * 100) == ledger.loc[team, "target_minor"], team
    cards, bars, _, stretch, teams, alert, parts, stretch_note = side_by_side.comparison_outputs(
        compared
    )
    assert parts == {}
    assert alert is None and teams[1:] == [
        {"label": "north", "value": "north"},
        {"label": "south", "value": "south"},
    ]
    assert "€" in json.dumps(cards, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    north = comparison.period_comparison(store, store.plan_id, "north")
    assert north is not None and set(north["team"].astype(str)) == {"north"}
    assert "baseline" in north.columns
    # the period chart's band is the team's sum's, as on the fan chart, not its series' bounds
    _, fan_band, _ = plan_totals.of_plan(store, plan_service.get_plan(store, store.plan_id)).fan(
        "north"
    )
    band = figures.period_lines(north)
    upper = next(t for t in band.data if t.name == "Baseline 95 % upper")
    assert list(upper.y) == pytest.approx(list(fan_band["baseline-hi-95"]))
    pd.testing.assert_frame_equal(north.attrs["bands"], fan_band)


def test_a_dollar_plan_is_compared_in_dollars(store):
    import dataclasses

    nego.set_goal(store, store.plan_id, "olga", ratio="1.2")
    compared = comparison.compare_plans(store, store.plan_id)
    assert compared.currency == "EUR" and compared.stretch_note
    in_dollars = dataclasses.replace(
        compared, currency="USD", summary={**compared.summary, "currency": "USD"}
    )
    cards, bars, rows, stretch, _, _, _, stretch_note = side_by_side.comparison_outputs(in_dollars)
    shown = json.dumps([cards, bars], cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    assert "$" in shown and "€" not in shown
    assert {r["cur"] for r in rows} == {"$"}
    assert stretch_note == compared.stretch_note
    assert stretch.layout.title.text is None  # the note is a paragraph: it wraps on a phone


def test_the_stretch_chart_names_the_goal_while_the_teams_targets_fall_short_of_it(store):
    nego.set_goal(store, store.plan_id, "olga", ratio="1.2")
    open_round = comparison.compare_plans(store, store.plan_id).stretch
    assert list(open_round["team"]) == ["north", "south", nego.GOAL_ROW]
    nego.close_round(store, store.plan_id, "olga")
    nego.assign(store, store.plan_id, "olga", "even")
    assigned = comparison.compare_plans(store, store.plan_id).stretch
    assert list(assigned["team"]) == ["north", "south", "TOTAL"]  # the teams now add up to it


def test_people_asking_for_less_than_the_system_plan_reads_under_it() -> None:
    summary = {"currency": "USD", "claimed": 3_000_000_000, "assigned": 0}
    assert side_by_side.asks_for_note(summary, -18.2).startswith("18.2 % under the system plan; ")
    assert side_by_side.asks_for_note(summary, 4.0).startswith("4.0 % over the system plan; ")
    assert "claims $30,000,000" in side_by_side.asks_for_note(summary, 4.0)


def test_the_table_words_a_near_certain_chance_as_the_card_does():
    from forecast.money import format_probability

    (prob,) = [c for c in side_by_side.difference_columns() if c["field"] == "probability"]
    code = prob["valueFormatter"]["function"]
    assert f"'{format_probability(0.999)}'" in code and f"'{format_probability(0.001)}'" in code


def test_people_ask_for_names_the_events_effect_so_the_parts_add_up() -> None:
    """Goal on the baseline: target - system plan = claims + assigned - (system plan - baseline).
    The reviewer's plan: +$88,031 asked, claims $3,994, assigned $85,939: the $1,902 the events
    put into the system plan (not into the baseline basis) is named."""
    summary = {
        "currency": "USD",
        "basis": "baseline",
        "claimed": 399_400,
        "assigned": 8_593_900,
        "drifted_teams": [],
        "drift_total": 0,
    }
    parts = comparison.asks_for_parts(summary, 8_803_100)
    assert parts[-1] == ("events' effect", 190_200, -1)
    assert sum(sign * value for _, value, sign in parts) == 8_803_100
    note = side_by_side.asks_for_note(summary, 7.2, 8_803_100)
    assert (
        note
        == "7.2 % over the system plan; claims $3,994 + assigned $85,939 − events' effect $1,902"
    )


def test_people_ask_for_subtracts_a_basis_drift_and_omits_a_zero_events_effect() -> None:
    summary = {
        "currency": "EUR",
        "basis": "system_plan",
        "claimed": 3_972_700,
        "assigned": 6_772_500,
        "drifted_teams": ["north"],
        "drift_total": -560_400,
    }
    parts = comparison.asks_for_parts(summary, 11_305_600)
    assert [name for name, _, _ in parts] == ["claims", "assigned", "basis drift"]
    assert sum(sign * value for _, value, sign in parts) == 11_305_600
    assert side_by_side.asks_for_note(summary, 8.8, 11_305_600).endswith(
        "claims €39,727 + assigned €67,725 − basis drift (-€5,604)"
    )


def _team_row(minor_by_period: list[int], horizon: int = 13) -> dict:
    """Team north's `team_actuals.team_rows` row of kept actuals (minor units) in the first
    periods of a `horizon`, one series: as the pages read it from the store."""
    periods = pd.date_range("2024-01-05", periods=len(minor_by_period), freq="W-FRI")
    cells = pd.DataFrame({"unique_id": "n1", "ds": periods, "minor": minor_by_period})
    of_plan = cells.assign(team="north", full=True, full_total=True)
    kept = team_actuals.Kept(version=1, horizon=horizon, cells=cells, of_plan=of_plan)
    return team_actuals.by_team(team_actuals.team_rows(kept))["north"]


def test_a_row_whose_every_period_is_in_says_what_was_reached_not_a_chance():
    row = {"team": "north", "target": 1000.0, "probability": 0.4, "cur": "$"}
    whole = _team_row([10_000] * 10 + [0] * 3)  # $1,000.00 over 13 periods
    short = _team_row([10_000] * 8 + [7_650] + [0] * 4)  # $876.50

    reached = side_by_side.with_actuals(row, team_actuals.verdict(whole, 100_000), "USD")
    missed = side_by_side.with_actuals(row, team_actuals.verdict(short, 100_000), "USD")

    assert reached["outcome"] == "reached, actuals $1,000.00"
    assert missed["outcome"] == "missed by $123.50, actuals $876.50"
    assert reached["probability"] == 0.4  # kept: the grid shows the outcome in its place


def test_a_row_partly_covered_says_how_many_periods_are_in_beside_its_chance():
    row = {"team": "north", "target": 1000.0, "probability": 0.4}
    kept = _team_row([7_500] * 4)  # $300.00 in 4 of 13 periods
    partly = side_by_side.with_actuals(row, team_actuals.verdict(kept, 100_000), "EUR")
    assert partly["periods_in"] == "4 of 13 periods in" and "outcome" not in partly
    assert side_by_side.with_actuals(row, None, "EUR") == row


def test_the_chance_column_shows_the_outcome_or_the_periods_in_the_row_carries():
    (prob,) = [c for c in side_by_side.difference_columns() if c["field"] == "probability"]
    code = prob["valueFormatter"]["function"]
    assert "params.data.outcome" in code and "params.data.periods_in" in code


def test_the_period_chart_draws_the_kept_actuals(store):
    from forecast.services import actuals

    nego.set_goal(store, store.plan_id, "olga", ratio="1.2")
    before = comparison.period_comparison(store, store.plan_id, None)
    assert before is not None
    assert "Actuals" not in [t.name for t in figures.period_lines(before).data]
    cells = before[["unique_id", "ds"]].assign(y=100.0)
    first = cells[cells["ds"] == cells["ds"].min()]
    text = first.assign(ds=first["ds"].dt.strftime("%Y-%m-%d")).to_csv(index=False).encode()
    actuals.upload_actuals(store, store.plan_id, text, filename="a.csv", actor="olga")

    after = comparison.period_comparison(store, store.plan_id, "north")
    compared = comparison.compare_plans(store, store.plan_id)

    assert after is not None
    (line,) = [t for t in figures.period_lines(after).data if t.name == "Actuals"]
    north = int((after["ds"] == after["ds"].min()).sum())
    assert list(line.y) == [100.0 * north]
    rows = {r["team"]: r for r in side_by_side.difference_rows(compared)}
    periods = int(after["ds"].nunique())
    assert rows["north"]["periods_in"] == f"1 of {periods} periods in"
    assert rows["TOTAL"]["periods_in"] == f"1 of {periods} periods in"

    every = cells.assign(ds=cells["ds"].dt.strftime("%Y-%m-%d")).to_csv(index=False).encode()
    actuals.upload_actuals(store, store.plan_id, every, filename="all.csv", actor="olga")
    over = {
        r["team"]: r
        for r in side_by_side.difference_rows(comparison.compare_plans(store, store.plan_id))
    }
    sold = 100.0 * int((after["ds"] == after["ds"].min()).sum()) * periods
    short = round(over["north"]["target"] - sold, 2)
    assert over["north"]["outcome"] == f"missed by €{short:,.2f}, actuals €{sold:,.2f}"
    assert "periods_in" not in over["north"]


def _upload_cells(store, cells: pd.DataFrame, name: str = "a.csv") -> None:
    from forecast.services import actuals

    text = cells.assign(ds=cells["ds"].dt.strftime("%Y-%m-%d")).to_csv(index=False).encode()
    actuals.upload_actuals(store, store.plan_id, text, filename=name, actor="olga")


def test_a_period_one_series_of_the_team_has_no_actual_yet_is_not_in(store):
    nego.set_goal(store, store.plan_id, "olga", ratio="1.0")
    frame = comparison.period_comparison(store, store.plan_id, None)
    assert frame is not None
    cells = frame[["unique_id", "ds"]].assign(y=100.0)
    last = cells["ds"].max()
    # one north shop's last week has not arrived yet (uploads take it as not in, not as 0)
    _upload_cells(store, cells[~((cells["unique_id"] == "2") & (cells["ds"] == last))])

    rows = {
        r["team"]: r
        for r in side_by_side.difference_rows(comparison.compare_plans(store, store.plan_id))
    }
    assert "outcome" not in rows["north"] and "outcome" not in rows["TOTAL"]
    assert rows["north"]["periods_in"] == "3 of 4 periods in (1 partly)"
    assert rows["TOTAL"]["periods_in"] == "3 of 4 periods in (1 partly)"
    assert rows["south"]["outcome"].startswith(("reached", "missed by"))
    north = comparison.period_comparison(store, store.plan_id, "north")
    assert north is not None
    (line,) = [t for t in figures.period_lines(north).data if t.name == "Actuals"]
    assert list(line.y) == [200.0, 200.0, 200.0]  # the half-in last week is not drawn as a dip


def test_a_series_with_no_actuals_at_all_keeps_its_team_from_a_verdict(store):
    nego.set_goal(store, store.plan_id, "olga", ratio="1.0")
    frame = comparison.period_comparison(store, store.plan_id, None)
    assert frame is not None
    cells = frame[["unique_id", "ds"]].assign(y=100.0)
    _upload_cells(store, cells[cells["unique_id"] != "2"])

    rows = {
        r["team"]: r
        for r in side_by_side.difference_rows(comparison.compare_plans(store, store.plan_id))
    }
    assert "outcome" not in rows["north"] and "outcome" not in rows["TOTAL"]
    assert rows["north"]["periods_in"] == "0 of 4 periods in (4 partly)"
    assert rows["TOTAL"]["periods_in"] == "0 of 4 periods in (4 partly)"
    assert "outcome" in rows["south"]
    north = comparison.period_comparison(store, store.plan_id, "north")
    assert north is not None
    assert "Actuals" not in [t.name for t in figures.period_lines(north).data]

    _upload_cells(store, cells[cells["unique_id"] == "2"], "b.csv")  # the late shop arrives
    rows = {
        r["team"]: r
        for r in side_by_side.difference_rows(comparison.compare_plans(store, store.plan_id))
    }
    assert "periods_in" not in rows["north"] and rows["north"]["outcome"].endswith("€800.00")


def test_the_largest_disagreement_card_says_the_periods_in_without_a_chance(store):
    from dataclasses import replace

    nego.set_goal(store, store.plan_id, "olga", ratio="1.2")
    frame = comparison.period_comparison(store, store.plan_id, None)
    assert frame is not None
    cells = frame[["unique_id", "ds"]].assign(y=100.0)
    _upload_cells(store, cells[cells["ds"] == cells["ds"].min()])
    compared = comparison.compare_plans(store, store.plan_id)
    no_chance = replace(compared, differences=compared.differences.assign(probability=float("nan")))

    text = json.dumps(side_by_side.summary_cards(no_chance), cls=plotly.utils.PlotlyJSONEncoder)

    assert f"1 of {cells['ds'].nunique()} periods in" in text
