"""Pure helpers of the Actuals page: readable rows, the verdict sentence, the WAPE chart."""

from __future__ import annotations

import pandas as pd

from dashboard.pages import actuals


def _score(closer_total: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "team": "a",
                "actual": 100.0,
                "system_plan": 90.0,
                "target": 130.0,
                "wape_system_plan": 0.10,
                "wape_target": 0.30,
                "closer": "system_plan",
                "periods": 4,
            },
            {
                "team": "b",
                "actual": 100.0,
                "system_plan": 80.0,
                "target": 105.0,
                "wape_system_plan": 0.20,
                "wape_target": 0.05,
                "closer": "target",
                "periods": 4,
            },
            {
                "team": "TOTAL",
                "actual": 200.0,
                "system_plan": 170.0,
                "target": 235.0,
                "wape_system_plan": 0.15,
                "wape_target": 0.175,
                "closer": closer_total,
                "periods": 8,
            },
        ]
    )


def test_verdict_names_the_closer_track_its_margin_in_points_and_team_count() -> None:
    assert actuals.verdict(_score("system_plan")) == (
        "System plan came closer overall, by 2.50 pts of WAPE, and in 1 of 2 team(s)."
    )


def test_the_actuals_verdict_words_the_margin_as_the_accuracy_page_does() -> None:
    from dashboard.pages import accuracy

    score = _score("system_plan")
    score.loc[score["team"] == "TOTAL", "wape_target"] = 0.15 + 0.0062
    on_accuracy = accuracy.closer_text("system_plan", -0.0062)
    assert on_accuracy == "System plan, by 0.62 pts"
    assert "by 0.62 pts of WAPE" in actuals.verdict(score)


def test_verdict_says_so_when_both_tracks_tie() -> None:
    assert actuals.verdict(_score("tie")).startswith("The system plan and the negotiated plan tie")


def test_a_margin_that_rounds_to_zero_is_called_a_tie_not_closer_by_zero() -> None:
    """The tie is the service's verdict (under ``TIE_MARGIN``), as every other view reads it."""
    from forecast.accuracy import closer

    ruled = closer(0.15, 0.15 + 0.0004)["closer"]  # shows as 0.0 %
    score = _score(ruled)
    score.loc[score["team"] == "TOTAL", "wape_target"] = 0.15 + 0.0004
    text = actuals.verdict(score)
    assert "tie" in text and "came closer" not in text and "0.0%" not in text


def test_the_verdict_says_what_it_rests_on_and_when_it_is_provisional() -> None:
    score = _score("system_plan")
    score["rests_on"] = "scored on 2 of 100 series, 4 of 13 periods"
    score["provisional"] = True
    score["provisional_because"] = "provisional: only 2 of 100 series have actuals (under half)"
    assert actuals.verdict(score) == (
        "System plan came closer overall, by 2.50 pts of WAPE, and in 1 of 2 team(s). Scored on 2 of "
        "100 series, 4 of 13 periods. Provisional: only 2 of 100 series have actuals (under half)."
    )
    score["provisional"] = False
    assert actuals.verdict(score).endswith("team(s). Scored on 2 of 100 series, 4 of 13 periods.")


def test_rows_are_readable_money_and_percentages() -> None:
    rows = actuals.score_rows(_score("system_plan"))
    assert rows[0]["closer"] == "System plan" and rows[1]["closer"] == "Negotiated plan"
    assert rows[0]["wape_system_plan"] == "10.00 %"  # hundredths, as the margin beside it
    assert rows[2]["actual"].endswith("200")


def test_chart_has_one_bar_series_per_track_in_the_track_colours() -> None:
    from dashboard import figures

    fig = figures.attainment_bars(_score("system_plan"))
    assert [t.name for t in fig.data] == ["System plan", "Negotiated plan"]
    assert [t.marker.color for t in fig.data] == [figures.SYSTEM_COLOUR, figures.NEGOTIATED_COLOUR]
    assert list(fig.data[0].x) == ["a", "b", "TOTAL"]


def test_a_plan_without_a_goal_shows_its_system_plan_scored_and_says_why_alone() -> None:
    score = _score("system_plan").assign(target=None, wape_target=None, closer=None)
    assert actuals.verdict(score) == (
        "No goal yet, so only the system plan is scored: its WAPE is 15.0 %."
    )
    assert {r["closer"] for r in actuals.score_rows(score)} == {"– (no goal yet)"}
    from dashboard import figures

    assert [t.name for t in figures.attainment_bars(score).data] == ["System plan"]


def test_the_kept_versions_grid_ids_its_rows_by_strings_as_ag_grid_wants() -> None:
    """A number as row id logs AG Grid's warning #25 in the browser console."""
    from types import SimpleNamespace

    kept = [
        SimpleNamespace(version=n, at="2026-12-05T23:31:01+00:00", uploaded_by="piet",
                        filename=f"w{n}.csv", rows=400, summary={"periods": ["2015-07-31"]})
        for n in (1, 2)
    ]  # fmt: skip
    rows = actuals.version_rows(kept)
    assert [r["row_id"] for r in rows] == ["2", "1"] and [r["version"] for r in rows] == [2, 1]
    page = actuals.layout(SimpleNamespace(upload_limit_bytes=1024**2))
    (grid,) = [c for c in page.children if getattr(c, "id", None) == actuals.ids.ACTUALS_VERSIONS]
    assert grid.getRowId == "params.data.row_id"


def test_kept_versions_and_restore_choices_write_times_as_the_plans_page_does() -> None:
    from types import SimpleNamespace

    from dashboard.pages import plans

    at = "2026-12-05T23:31:01+00:00"
    kept = [
        SimpleNamespace(version=n, at=at, uploaded_by="piet", filename=f"w{n}.csv", rows=400,
                        summary={})
        for n in (1, 2)
    ]  # fmt: skip
    assert plans.when(at) == "2026-12-05 23:31 UTC"
    assert {r["at"] for r in actuals.version_rows(kept)} == {"2026-12-05 23:31 UTC"}
    (choice,) = actuals.restore_options(kept)
    assert choice["label"] == "1: w1.csv (piet, 2026-12-05 23:31 UTC)"


def test_the_score_columns_say_they_sum_the_scored_cells_only() -> None:
    """The Side by side page's "System plan" and "Negotiated plan" sum the whole plan; the
    Actuals page's sum only the series-periods with actuals, and its headers and note say so."""
    headers = {c["field"]: c.get("headerName", c["field"]) for c in actuals.score_columns()}
    assert headers["system_plan"] == "System plan (scored cells)"
    assert headers["target"] == "Negotiated plan (scored cells)"
    assert "scored series-periods only" in actuals.SCORED_CELLS_NOTE
    assert "Side by side" in actuals.SCORED_CELLS_NOTE


def test_the_verdicts_margin_is_the_difference_of_the_wapes_shown_beside_it() -> None:
    """14.9625 % and 13.0957 % show as 14.96 % and 13.10 % (hundredths, as the margin), and the
    margin is their difference 1.86 pts, not the unrounded 1.8668 -> 1.87 pts."""
    score = pd.DataFrame(
        [
            {
                "team": "TOTAL",
                "actual": 100.0,
                "system_plan": 90.0,
                "target": 95.0,
                "wape_system_plan": 0.14962523804055175,
                "wape_target": 0.1309571456340129,
                "closer": "target",
                "periods": 13,
            },
        ]
    )
    rows = actuals.score_rows(score, "USD")
    assert (rows[0]["wape_system_plan"], rows[0]["wape_target"]) == ("14.96 %", "13.10 %")
    assert "by 1.86 pts of WAPE" in actuals.verdict(score)


def test_the_actuals_verdict_is_no_tie_where_the_grid_and_the_accuracy_page_name_a_closer() -> None:
    """1.0801 % and 1.13035 % differ by more than the tie margin (the service calls the system
    plan closer): the grid, the Accuracy page and the CLI say `System plan, by 0.05 pts`, and so
    does this sentence, not `tie`."""
    from dashboard.pages import accuracy as accuracy_page
    from forecast.services import accuracy

    score = _score("system_plan")
    total = score["team"] == "TOTAL"
    score.loc[total, ["wape_system_plan", "wape_target"]] = [0.010801, 0.0113035]
    row = score[total].iloc[0].to_dict()
    assert accuracy_page.shown_closer(row) == "System plan, by 0.05 pts"
    assert actuals.score_rows(score)[2]["closer"] == "System plan"
    text = actuals.verdict(score)
    assert text.startswith("System plan came closer overall, by 0.05 pts of WAPE"), text
    assert accuracy.verdict_margin(row) is not None


def test_a_tie_on_the_actuals_page_is_worded_as_on_the_other_pages() -> None:
    from forecast.services import accuracy

    assert actuals.verdict(_score("tie")).startswith(
        f"The system plan and the negotiated plan {accuracy.TIE_WORDS}"
    )
