"""Pure helpers and figures of the Accuracy page: readable rows, the FVA waterfall."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import figures, figures_accuracy
from dashboard.pages import accuracy, accuracy_replay


def overall() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"scope": "overall", "key": "TOTAL", "layer": "baseline", "label": "Baseline",
             "wape": 0.20, "mase": 0.9, "bias": -0.05, "value_added_wape": None,
             "value_added_mase": None, "series_periods": 10},
            {"scope": "overall", "key": "TOTAL", "layer": "system_plan",
             "label": "System plan (events)", "wape": 0.15, "mase": 0.7, "bias": -0.01,
             "value_added_wape": 0.05, "value_added_mase": 0.2, "series_periods": 10},
            {"scope": "overall", "key": "TOTAL", "layer": "target",
             "label": "Negotiated target", "wape": 0.18, "mase": 0.8, "bias": 0.04,
             "value_added_wape": -0.03, "value_added_mase": -0.1, "series_periods": 10},
        ]
    )  # fmt: skip


def test_waterfall_steps_from_each_layer_to_the_next_green_when_they_lower_the_error():
    fig = figures_accuracy.fva_waterfall(overall())
    bar = fig.data[0]
    assert list(bar.x) == [
        "Baseline",
        "Events",
        "System plan (events)",
        "Claims + assignment",
        "Negotiated target",
    ]
    heights = [round(h, 6) for h in bar.y]
    assert heights == [0.2, -0.05, 0.15, 0.03, 0.18]
    assert list(bar.base) == [0.0, 0.2, 0.0, 0.15, 0.0]
    assert bar.marker.color[1] == figures_accuracy.UP_COLOUR  # events lowered the error
    assert bar.marker.color[3] == figures_accuracy.DOWN_COLOUR  # the negotiation raised it
    assert bar.text[1] == "+5.00 pts FVA" and bar.text[3] == "-3.00 pts FVA"


def test_layer_rows_show_percent_points_and_a_dash_for_the_baseline_step():
    rows = accuracy.layer_rows(overall(), "overall")
    assert rows[0]["value_added_wape"] == "–"
    assert rows[1]["value_added_wape"] == "+5.00 pts"
    assert rows[2]["value_added_wape"] == "-3.00 pts"
    assert rows[0]["key"] == "Total" and rows[0]["wape"] == "20.00 %"


def test_closer_text_calls_a_tie_a_tie():
    assert accuracy.closer_text("tie", 0.0001) == "tie (within 0.05 pts)"
    assert accuracy.closer_text("target", 0.0123) == "Negotiated plan, by 1.23 pts"
    assert accuracy.closer_text(None, None) == "–"


def test_replay_rows_name_the_closer_culture_per_cycle_and_team():
    cycles = pd.DataFrame(
        [
            {"cycle": 1, "start": "2015-01-05", "end": "2015-03-30", "scope": "overall",
             "key": "TOTAL", "actual": 1.0, "wape_baseline": 0.2, "wape_system_plan": 0.1,
             "wape_target": 0.15, "events": 3, "closer": "system_plan", "margin": 0.05},
            {"cycle": 1, "start": "2015-01-05", "end": "2015-03-30", "scope": "team",
             "key": "a", "actual": 1.0, "wape_baseline": 0.2, "wape_system_plan": 0.1,
             "wape_target": 0.1, "events": 3, "closer": "tie", "margin": 0.0},
        ]
    )  # fmt: skip
    rows = accuracy_replay.replay_rows(cycles)
    assert rows[0]["closer"] == "System plan, by 5.00 pts"
    assert rows[1]["scope"] == "team a" and rows[1]["closer"] == "tie (within 0.05 pts)"
    fig = figures_accuracy.replay_chart(cycles)
    assert [trace.name for trace in fig.data] == ["Baseline", "System plan", "Negotiated plan"]
    assert list(fig.data[1].y) == [0.1]  # overall rows only


def test_replay_rows_show_the_margin_the_wapes_beside_it_show():
    """The replay's WAPEs in hundredths, as the margin beside them, and the margin their
    difference as shown (`accuracy.verdict_margin`), as the track record: 14.96 % and 13.10 %
    by 1.86 pts (not the exact 1.87), and 1.08 % and 1.13 % by 0.05 pts (not 1.1 % and 1.1 %)."""
    cycles = pd.DataFrame(
        [
            {"cycle": 1, "start": "2015-01-05", "end": "2015-03-30", "scope": "overall",
             "key": "TOTAL", "actual": 1.0, "wape_baseline": 0.2, "wape_system_plan": s,
             "wape_target": t, "events": 3, "closer": closer, "margin": s - t}
            for s, t, closer in ((0.14962523804055175, 0.1309571456340129, "target"),
                                 (0.010801, 0.0113035, "system_plan"))
        ]
    )  # fmt: skip
    rows = accuracy_replay.replay_rows(cycles)
    shown = [
        (r["wape_baseline"], r["wape_system_plan"], r["wape_target"], r["closer"]) for r in rows
    ]
    assert shown == [
        ("20.00 %", "14.96 %", "13.10 %", "Negotiated plan, by 1.86 pts"),
        ("20.00 %", "1.08 %", "1.13 %", "System plan, by 0.05 pts"),
    ]
    assert rows[0]["closer"] == accuracy.shown_closer(cycles.iloc[0].to_dict())


def test_replay_table_and_headline_say_where_seasonal_naive_repeated_the_last_value():
    cycles = pd.DataFrame(
        [
            {"cycle": c, "start": d, "end": d, "scope": "overall", "key": "TOTAL", "actual": 1.0,
             "wape_baseline": 0.3, "wape_system_plan": 0.2, "wape_target": 0.1, "events": 1,
             "closer": "target", "margin": -0.1, "baseline_model": served}
            for c, d, served in ((1, "2014-04-28", "naive (under one season)"),
                                 (2, "2014-07-28", "snaive"))
        ]
    )  # fmt: skip
    rows = accuracy_replay.replay_rows(cycles)
    assert [r["baseline_model"] for r in rows] == ["naive (under one season)", "snaive"]
    summary = {"cycles": 2, "system_plan_closer": 0, "target_closer": 2, "ties": 0}
    panel = accuracy_replay.summary_panel({**summary, "cycles_on_last_value": 1}, [])
    headline = panel.children[0].children
    assert "In 1 of them seasonal naive repeated the last value" in headline
    plain = accuracy_replay.summary_panel({**summary, "cycles_on_last_value": 0}, [])
    assert "last value" not in plain.children[0].children


def test_track_record_chart_shows_all_teams_or_one_team_across_cycles():
    track = pd.DataFrame(
        [
            {"scope": s, "key": k, "name": n, "horizon_start": d, "wape_baseline": 0.2,
             "wape_system_plan": ws, "wape_target": wt}
            for n, d in (("spring", "2025-03-03"), ("summer", "2025-06-02"))
            for s, k, ws, wt in (("overall", "TOTAL", 0.1, 0.12), ("team", "a", 0.2, 0.15))
        ]
    )  # fmt: skip
    overall = figures_accuracy.track_record_chart(track)
    assert list(overall.data[1].y) == [0.1, 0.1]
    assert list(overall.data[1].x) == ["2025-03-03 · spring", "2025-06-02 · summer"]
    team = figures_accuracy.track_record_chart(track, "a")
    assert list(team.data[2].y) == [0.15, 0.15]
    assert "team a" in team.layout.title.text


def test_accuracy_charts_write_percentages_with_a_space_never_a_d3_percent_format():
    cycles = pd.DataFrame(
        [{"scope": "overall", "cycle": 1, "start": "2024-01-05", "wape_baseline": 0.2,
          "wape_system_plan": 0.1, "wape_target": 0.125}]
    )  # fmt: skip
    track = pd.DataFrame(
        [{"scope": "overall", "key": "TOTAL", "horizon_start": "2024-01-05", "name": "q1",
          "wape_baseline": 0.2, "wape_system_plan": 0.1, "wape_target": 0.125}]
    )  # fmt: skip
    figs = [
        figures_accuracy.fva_waterfall(overall()),
        figures_accuracy.replay_chart(cycles),
        figures_accuracy.track_record_chart(track),
    ]
    for fig in figs:
        axis = fig.layout.yaxis
        assert not axis.tickformat
        assert axis.ticktext and all(t.endswith(" %") for t in axis.ticktext)
        assert axis.tickvals[-1] >= 0.2  # the tallest bar is on the axis
        for trace in fig.data:
            assert "%{y:" not in trace.hovertemplate
    assert figs[0].data[0].text[0] == "20.00 %"
    assert list(figs[1].data[2].customdata) == ["12.5 %"]
    assert list(figs[2].data[1].customdata) == ["10.0 %"]


def test_a_plan_without_actuals_points_to_the_plans_that_have_them():
    from dashboard import ids
    from dashboard.pages import accuracy_scored
    from forecast.store import PlanSummary

    scored = [
        PlanSummary(
            plan_id="p1", name="Sample plan: last quarter (held out)", version=12,
            status="agreed", parent_id=None, created_by="olga",
            created_at="2026-12-02T07:00:00+00:00", updated_at="2026-12-02T07:01:00+00:00",
        )
    ]  # fmt: skip
    notice = accuracy_scored.scored_plans_notice(scored)
    text = " ".join(str(c.children) for c in notice.children)
    assert "These plans have actuals to score" in text
    (button,) = [c for c in notice.children if getattr(c, "id", None)]
    assert button.id == {"type": ids.ACC_OPEN_PLAN, "plan": "p1"}
    assert button.children == "Open Sample plan: last quarter (held out) (v12, agreed)"


def test_a_touch_without_actuals_reads_not_scored_with_its_reason_and_no_points():
    touches = pd.DataFrame(
        [
            {"touch_type": "event", "touch": "E1 Lift", "who": "piet", "made_worse": False,
             "value_added_wape": 0.01, "value_added": 10.0, "series_periods": 4,
             "audit": "#3", "scored": True, "not_scored": None},
            {"touch_type": "claim", "touch": "claim of team b", "who": "lena",
             "made_worse": False, "value_added_wape": None, "value_added": None,
             "series_periods": 0, "audit": "#7", "scored": False,
             "not_scored": "no actuals yet for its series and periods"},
        ]
    )  # fmt: skip
    scored, unscored = accuracy.touch_rows(touches)
    assert scored["verdict"] == "helped"
    assert unscored["verdict"] == "not scored: no actuals yet for its series and periods"
    assert unscored["value_added_wape"] is None and unscored["value_added"] is None


def test_track_rows_say_what_each_verdict_rests_on_and_mark_a_provisional_one():
    track = pd.DataFrame(
        [
            {"name": "spring", "horizon_start": "2025-03-03", "scope": s, "key": k,
             "system_plan_version": 3, "target_version": 5, "snapshot": True,
             "wape_system_plan": 0.1, "wape_target": 0.12, "closer": "system_plan",
             "margin": 0.02, "given_vs_offered": None, "rests_on": rests,
             "provisional": thin}
            for s, k, rests, thin in (
                ("overall", "TOTAL", "scored on 2 of 100 series, 4 of 13 periods", True),
                ("team", "a", "scored on 2 of 3 series, 4 of 13 periods", False),
            )
        ]
    )  # fmt: skip
    overall, team = accuracy.track_rows(track)
    assert overall["closer"] == "System plan, by 2.00 pts (provisional)"
    assert overall["rests_on"] == "2 of 100 series, 4 of 13 periods"
    assert team["closer"] == "System plan, by 2.00 pts"


def test_the_scored_on_line_says_what_the_plans_verdict_rests_on():
    class Report:
        scored_on = {
            "system_plan": {"snapshot": False, "version": 4, "note": "not published yet"},
            "target": {"snapshot": False, "version": 4, "note": "not agreed yet"},
        }
        actuals = {"version": 1, "filename": "a.csv", "uploaded_by": "olga"}
        periods = ["2025-01-06"]
        notes: list[str] = []

        def steps_text(self):
            return "value added: the system plan against the baseline"

        def verdict(self):
            return {
                "rests_on": "scored on 2 of 100 series, 1 of 13 periods",
                "provisional": True,
                "provisional_because": "provisional: only 2 of 100 series and 1 of 13 periods "
                "have actuals (under half); the verdict may change as more arrive",
            }

    text = accuracy.scored_on_text(Report())
    assert "1 period(s) scored; scored on 2 of 100 series, 1 of 13 periods; provisional: " in text


def test_a_step_that_changed_the_error_by_less_than_a_hundredth_of_a_point_reads_plus_zero():
    tiny = overall().assign(wape=[0.20, 0.2000001, 0.18])
    texts = list(figures_accuracy.fva_waterfall(tiny).data[0].text)
    assert "+0.00 pts FVA" in texts and "-0.00 pts FVA" not in texts


def test_the_targets_step_starts_from_the_baseline_its_goal_was_set_on_and_says_so():
    layers = overall().assign(step_from=[None, "baseline", "baseline"])
    bar = figures_accuracy.fva_waterfall(layers).data[0]
    assert list(bar.x)[3] == "Claims + assignment (from the baseline)"
    assert list(bar.base)[3] == 0.2  # the baseline's WAPE, not the system plan's
    assert round(list(bar.y)[3], 6) == -0.02 and bar.text[3] == "+2.00 pts FVA"
    rows = accuracy.layer_rows(layers, "overall")
    assert [r["step_from"] for r in rows] == ["–", "Baseline", "Baseline"]
    on_plan = figures_accuracy.fva_waterfall(
        overall().assign(step_from=[None, "baseline", "system_plan"])
    )
    assert list(on_plan.data[0].x)[3] == "Claims + assignment"


def test_the_touch_table_names_rules_reason_codes_and_event_kinds_in_words():
    row = {
        "who": "olga",
        "made_worse": False,
        "value_added_wape": 0.01,
        "value_added": 1.0,
        "series_periods": 4,
        "audit": "#9",
        "scored": True,
        "not_scored": None,
    }
    touches = pd.DataFrame(
        [
            {**row, "touch_type": "assignment rule", "touch": "pro_rata_baseline"},
            {**row, "touch_type": "reason code", "touch": "new_listing"},
            {**row, "touch_type": "event kind", "touch": "purchase_limit (2 events)"},
            {**row, "touch_type": "claim", "touch": "claim of team b_2 (€1,000)"},
        ]
    )  # fmt: skip
    shown = [r["touch"] for r in accuracy.touch_rows(touches)]
    assert shown == [
        "pro rata to basis",
        "New listing",
        "purchase limit (2 events)",
        "claim of team b_2 (€1,000)",  # a team's name stays as it is
    ]


def test_the_layers_grid_sizes_its_columns_to_their_numbers_and_groups_points():
    """At 1400 px a WAPE of 92,422.2 % was cut to '92,422….' in a fixed 100 px column, and a
    value added read -6092.45 pts beside it."""
    from types import SimpleNamespace

    from dashboard import ids

    def find(component, wanted):
        if getattr(component, "id", None) == wanted:
            return component
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                found = find(child, wanted)
                if found is not None:
                    return found
        return None

    grid = find(accuracy.layout(SimpleNamespace()), ids.ACC_LAYERS_GRID)
    assert grid.columnSize == "autoSize"
    assert not any("width" in column for column in grid.columnDefs)  # minWidth only
    layers = pd.DataFrame(
        [{"scope": "overall", "key": "TOTAL", "layer": "system_plan", "label": "System plan",
          "wape": 970.692, "mase": 7.18, "bias": 970.692, "value_added_wape": -60.9245,
          "value_added_mase": -0.367, "series_periods": 400}]
    )  # fmt: skip
    (row,) = accuracy.layer_rows(layers, "overall")
    assert row["wape"] == "97,069.20 %" and row["value_added_wape"] == "-6,092.45 pts"


def test_the_scored_on_line_and_the_touches_audit_rows_write_times_as_the_plans_page_does():
    from types import SimpleNamespace

    at = "2026-12-05T23:31:01+00:00"
    snap = {"snapshot": True, "version": 4, "status": "agreed", "at": at, "by": "olga"}
    report = SimpleNamespace(
        scored_on={"system_plan": snap, "target": snap},
        actuals={"version": 1, "filename": "a.csv", "uploaded_by": "piet"},
        periods=[1, 2],
        verdict=dict,
        notes=[],
        steps_text=str,
    )
    text = accuracy.scored_on_text(report)
    assert "(agreed 2026-12-05 23:31 UTC by olga)" in text and "T23:31" not in text
    touches = pd.DataFrame(
        [{"touch_type": "event", "touch": "E1 Lift", "who": "piet", "made_worse": False,
          "value_added_wape": 0.01, "value_added": 1.0, "series_periods": 4, "scored": True,
          "not_scored": None,
          "audit": f"#27 {at} piet add_event; #29 2026-12-06T08:05:59+00:00 piet explain"}]
    )  # fmt: skip
    (row,) = accuracy.touch_rows(touches)
    assert row["audit"] == (
        "#27 2026-12-05 23:31 UTC piet add_event; #29 2026-12-06 08:05 UTC piet explain"
    )


def test_a_replay_job_given_up_on_says_so_on_the_page_and_a_bug_is_raised_as_before():
    from dash.exceptions import BackgroundCallbackError

    from dashboard import jobs
    from dashboard.pages import accuracy_replay
    from tests.unit.test_fix_hints import text_of

    died = BackgroundCallbackError(
        "An error occurred inside a background callback: " + jobs.JOB_FAILED + jobs.LOST + "\n"
    )
    figure, rows, summary, alert = accuracy_replay.job_failed(died)
    assert figure is rows is summary is accuracy_replay.no_update  # the last replay shown stays
    assert "The replay did not finish" in text_of(alert) and "Run the replay again" in text_of(
        alert
    )
    bug = BackgroundCallbackError("An error occurred inside a background callback: KeyError\n")
    with pytest.raises(BackgroundCallbackError):
        accuracy_replay.job_failed(bug)


def test_each_steps_label_is_the_difference_of_the_wapes_shown_beside_it():
    """14.3 % -> -0.64 pts -> 15.0 %: the bars said WAPE in tenths and the step in hundredths of
    the unrounded values, so they did not add up. Both in hundredths, the step their
    difference."""
    layers = overall().assign(wape=[0.149625, 0.130957, 0.140049])
    texts = list(figures_accuracy.fva_waterfall(layers).data[0].text)
    assert texts[0] == "14.96 %" and texts[2] == "13.10 %" and texts[4] == "14.00 %"
    assert texts[1] == "+1.86 pts FVA"  # 14.96 - 13.10, not the unrounded 1.8668 -> 1.87
    assert texts[3] == "-0.90 pts FVA"


def test_the_layer_tables_value_added_is_the_difference_of_the_wapes_it_shows():
    layers = overall().assign(wape=[0.149625, 0.130957, 0.140049])
    rows = accuracy.layer_rows(layers, "overall")
    assert [r["wape"] for r in rows] == ["14.96 %", "13.10 %", "14.00 %"]
    assert [r["value_added_wape"] for r in rows][1:] == ["+1.86 pts", "-0.90 pts"]


def test_track_record_chart_draws_a_provisional_plan_hollow_and_says_on_how_much_it_rests():
    track = pd.DataFrame(
        [
            {"scope": "overall", "key": "TOTAL", "name": n, "horizon_start": d,
             "wape_baseline": 0.2, "wape_system_plan": 0.1, "wape_target": 0.12,
             "provisional": thin, "rests_on": on}
            for n, d, thin, on in (
                ("spring", "2025-03-03", False, "scored on 10 of 10 series, 13 of 13 periods"),
                ("summer", "2025-06-02", True, "scored on 10 of 10 series, 1 of 13 periods"),
            )
        ]
    )  # fmt: skip
    fig = figures_accuracy.track_record_chart(track)
    system = fig.data[1]
    assert list(system.marker.symbol) == ["circle", figures_accuracy.PROVISIONAL_MARKER]
    assert system.customdata[0] == "10.0 %"
    assert system.customdata[1] == "10.0 % · provisional: 10 of 10 series, 1 of 13 periods"
    legend = [trace.name for trace in fig.data]
    assert any(name.startswith("hollow: provisional") for name in legend)


def test_the_track_record_says_why_given_vs_offered_has_no_value():
    base = {"name": "q1", "horizon_start": "2024-01-05", "system_plan_version": 3,
            "target_version": 3, "snapshot": True, "wape_system_plan": 0.1, "wape_target": 0.12,
            "closer": "system_plan", "margin": 0.02, "provisional": False,
            "rests_on": "scored on 3 of 3 series, 4 of 4 periods"}  # fmt: skip
    track = pd.DataFrame(
        [
            base | {"scope": "overall", "key": "TOTAL", "given_vs_offered": None,
                    "given_vs_offered_why_none": "no value was typed instead of a suggestion"},
            base | {"scope": "team", "key": "a", "given_vs_offered": None,
                    "given_vs_offered_why_none": "scored for the whole plan, not per team"},
            base | {"scope": "overall", "key": "TOTAL", "given_vs_offered": 0.0123,
                    "given_vs_offered_why_none": None},
        ]
    )  # fmt: skip
    rows = accuracy.track_rows(track)
    assert rows[0]["given_vs_offered"] == "– (no value was typed instead of a suggestion)"
    assert rows[1]["given_vs_offered"] == "– (scored for the whole plan, not per team)"
    assert rows[2]["given_vs_offered"] == "+1.23 pts"


def test_accuracy_and_actuals_legends_sit_under_the_plot_and_titles_keep_their_own_room():
    """At 390 px a legend a fifth of the plot below it wrapped onto the dates and the axis
    title; like the other pages' charts, it sits at the foot of the chart in its own margin."""
    cycles = pd.DataFrame(
        [{"scope": "overall", "cycle": 1, "start": "2024-01-05", "wape_baseline": 0.2,
          "wape_system_plan": 0.1, "wape_target": 0.125}]
    )  # fmt: skip
    track = pd.DataFrame(
        [{"scope": "overall", "key": "TOTAL", "name": "spring", "horizon_start": "2025-03-03",
          "wape_baseline": 0.2, "wape_system_plan": 0.1, "wape_target": 0.12}]
    )  # fmt: skip
    score = pd.DataFrame(
        {"team": ["a", "c"], "wape_system_plan": [0.1, 0.2], "wape_target": [0.12, 0.1]}
    )
    charts = {
        "replay": figures_accuracy.replay_chart(cycles),
        "track": figures_accuracy.track_record_chart(track),
        "attainment": figures.attainment_bars(score),
    }
    for name, fig in charts.items():
        legend = fig.layout.legend
        assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom"), name
        title = fig.layout.title
        assert title.automargin and (title.yref, title.yanchor) == ("container", "top"), name
