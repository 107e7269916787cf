"""The pure figure builders, on plain frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import figures


def _baseline(periods: int = 4, series: tuple[str, ...] = ("1", "2")) -> pd.DataFrame:
    ds = pd.date_range("2024-01-05", periods=periods, freq="W-FRI")
    rows = []
    for uid in series:
        for i, d in enumerate(ds):
            point = 100.0 + i
            rows.append(
                {
                    "unique_id": uid,
                    "ds": d,
                    "baseline": point,
                    "baseline-lo-80": point - 10,
                    "baseline-hi-80": point + 10,
                    "baseline-lo-95": point - 20,
                    "baseline-hi-95": point + 20,
                }
            )
    return pd.DataFrame(rows)


def _history() -> pd.DataFrame:
    ds = pd.date_range("2023-01-06", periods=52, freq="W-FRI")
    return pd.DataFrame({"unique_id": "1", "ds": ds, "y": range(52)})


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_fan_chart_sums_series_and_draws_widest_band_first():
    fig = figures.fan_chart(_history(), _baseline())
    base = _trace(fig, "Baseline")
    assert list(base.y) == [200.0, 202.0, 204.0, 206.0]
    band_names = [t.name for t in fig.data if t.fill == "tonexty"]
    assert band_names == ["95 % interval", "80 % interval"]
    assert list(_trace(fig, "95 % interval").y) == [160.0, 162.0, 164.0, 166.0]
    assert all(t.name != figures.SYSTEM_LABEL for t in fig.data)


def test_fan_chart_shows_system_plan_in_the_system_colour():
    plan = _baseline()[["unique_id", "ds"]].assign(system_plan=150.0)
    fig = figures.fan_chart(_history(), _baseline(), plan)
    trace = _trace(fig, figures.SYSTEM_LABEL)
    assert list(trace.y) == [300.0] * 4
    assert trace.line.color == figures.SYSTEM_COLOUR


def test_fan_chart_keeps_only_recent_history():
    fig = figures.fan_chart(_history(), _baseline(), history_periods=10)
    assert len(_trace(fig, "History").x) == 10


def test_waterfall_ends_exactly_at_goal_with_open_part():
    fig = figures.gap_waterfall(1000.0, {"a": 100.0, "b": 50.0}, {}, 1300.0)
    wf = fig.data[0]
    assert list(wf.x) == ["Baseline", "Claim a", "Claim b", "Still open", "Goal"]
    assert list(wf.base) == [0.0, 1000.0, 1100.0, 1150.0, 0.0]
    assert sum(wf.y[:-1]) == pytest.approx(1300.0)
    assert wf.y[-1] == 1300.0
    assert wf.text[-1] == "€1,300" and wf.text[1] == "+€100"


def test_waterfall_without_open_part_when_remainder_assigned():
    fig = figures.gap_waterfall(1000.0, {"a": 100.0}, {"a": 150.0, "b": 50.0}, 1300.0)
    wf = fig.data[0]
    assert list(wf.x) == ["Baseline", "Claim a", "Assigned remainder", "Goal"]
    assert wf.y[2] == 200.0 and wf.base[2] == 1100.0


def test_waterfall_handles_negative_gap():
    fig = figures.gap_waterfall(1000.0, {"a": -100.0}, {"a": -50.0}, 850.0)
    wf = fig.data[0]
    assert sum(wf.y[:-1]) == pytest.approx(850.0)
    assert wf.text[1] == "-€100"


def test_the_waterfall_shows_a_kept_over_subscription_and_ends_at_goal_plus_kept():
    """Claims over the gap kept at the close: no "Still open" below zero, the goal, then what
    was kept over it, ending at the targets' total (goal + kept)."""
    fig = figures.gap_waterfall(1000.0, {"a": 250.0, "b": 100.0}, {}, 1300.0, kept_over=50.0)
    wf = fig.data[0]
    assert list(wf.x) == [
        "Baseline",
        "Claim a",
        "Claim b",
        "Goal",
        "Kept over goal",
        "Targets (goal + kept)",
    ]
    assert wf.base[4] == 1300.0 and wf.y[4] == 50.0 and wf.text[4] == "+€50"
    assert wf.base[5] == 0.0 and wf.y[5] == 1350.0 and wf.text[5] == "€1,350"
    assert sum(wf.y[:3]) == pytest.approx(1350.0)


def test_claims_past_the_gap_before_the_close_are_not_shown_as_still_open():
    fig = figures.gap_waterfall(1000.0, {"a": 400.0}, {}, 1300.0)
    assert list(fig.data[0].x) == ["Baseline", "Claim a", "Claims over the gap", "Goal"]
    assert fig.data[0].y[2] == -100.0
    below = figures.gap_waterfall(1000.0, {"a": -50.0}, {}, 900.0)
    assert "Still open" in list(below.data[0].x)


def test_waterfall_colours_follow_the_tracks():
    fig = figures.gap_waterfall(1000.0, {"a": 100.0}, {}, 1100.0, basis_label=figures.SYSTEM_LABEL)
    colours = list(fig.data[0].marker.color)
    assert colours[0] == figures.SYSTEM_COLOUR
    assert colours[1] == figures.NEGOTIATED_COLOUR
    assert colours[-1] == figures.GOAL_COLOUR


def test_team_bars_use_track_colours_in_same_order_as_teams():
    frame = pd.DataFrame({"team": ["a", "c"], "system_plan": [10.0, 20.0], "target": [12.0, 25.0]})
    fig = figures.team_bars(frame)
    system, negotiated = fig.data
    assert system.name == figures.SYSTEM_LABEL and system.marker.color == figures.SYSTEM_COLOUR
    assert negotiated.name == figures.NEGOTIATED_LABEL
    assert negotiated.marker.color == figures.NEGOTIATED_COLOUR
    assert list(negotiated.y) == [12.0, 25.0]


def test_period_lines_band_from_widest_interval():
    base = _baseline()
    frame = base.assign(system_plan=base["baseline"] * 1.1, target=base["baseline"] * 1.3)
    fig = figures.period_lines(frame)
    names = [t.name for t in fig.data]
    assert "Baseline 95 % interval" in names
    assert list(_trace(fig, figures.NEGOTIATED_LABEL).y) == pytest.approx(
        [260.0, 262.6, 265.2, 267.8]
    )


def _titled_charts_with_a_legend() -> dict[str, object]:
    base = _baseline()
    plans = base.assign(system_plan=base["baseline"] * 1.1, target=base["baseline"] * 1.3)
    teams = pd.DataFrame({"team": ["a", "c"], "system_plan": [10.0, 20.0], "target": [12.0, 25.0]})
    return {
        "fan": figures.fan_chart(
            _history(), base, plans[["ds", "system_plan"]], title="Whole plan (seasonal naive)"
        ),
        "periods": figures.period_lines(plans, title="Per period, all teams"),
        "teams": figures.team_bars(teams, title="Per team"),
        "history": figures.history_chart(_history()),
    }


def test_a_legend_that_wraps_on_a_phone_sits_under_the_plot_not_over_the_title():
    for name, fig in _titled_charts_with_a_legend().items():
        legend = fig.layout.legend
        # at the foot of the whole chart, in a margin of its own under the axis labels
        assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom"), name
        assert legend.orientation == "h", name


def test_a_chart_title_reserves_its_own_room_above_the_plot():
    for name, fig in _titled_charts_with_a_legend().items():
        title = fig.layout.title
        assert title.text, name
        assert title.automargin and (title.yref, title.yanchor) == ("container", "top"), name


def test_period_lines_draw_the_band_of_the_sum_they_are_given_not_the_summed_bounds():
    """Two series' 95 % bounds summed were far wider than the interval of their sum (on lumpy
    weekly sales ten to twenty times the baseline): the chart takes the sum's band when given."""
    frame = _baseline()  # two series
    frame = frame.assign(system_plan=frame["baseline"], target=frame["baseline"] * 1.1)
    sums = frame.groupby("ds", as_index=False)[["baseline", "baseline-hi-95"]].sum()
    bands = sums.assign(**{"baseline-hi-95": sums["baseline"] + 1.0})
    for col in ("baseline-lo-80", "baseline-hi-80", "baseline-lo-95"):
        bands[col] = sums["baseline"]
    frame.attrs["bands"] = bands

    upper = _trace(figures.period_lines(frame), "Baseline 95 % upper")

    assert list(upper.y) == pytest.approx(list(sums["baseline"] + 1.0))


def test_period_axis_ticks_on_the_plans_own_period_starts():
    """Plotly puts weekly ticks on Sundays; a plan whose weeks start on Monday reads its own
    dates, at most seven of them, and a monthly plan reads month and year."""
    base = _baseline(periods=13)
    base["ds"] = base["ds"] + pd.Timedelta(days=3)  # Fridays -> Mondays
    frame = base.assign(system_plan=base["baseline"], target=base["baseline"])
    axis = figures.period_lines(frame).layout.xaxis
    mondays = sorted(base["ds"].unique())
    assert [pd.Timestamp(t) for t in axis.tickvals] == [pd.Timestamp(d) for d in mondays[::2]]
    assert all(pd.Timestamp(t).day_name() == "Monday" for t in axis.tickvals)
    assert axis.tickformat == "%b %-d<br>%Y"
    months = frame.assign(ds=frame["ds"].dt.to_period("M").dt.to_timestamp())
    assert figures.period_lines(months).layout.xaxis.tickformat == "%b %Y"


def test_stretch_chart_sorts_and_labels_growth():
    frame = pd.DataFrame({"team": ["a", "b"], "probability": [0.7, 0.1], "growth": [0.05, 0.4]})
    fig = figures.stretch_chart(frame)
    bar = fig.data[0]
    assert list(bar.y) == ["b", "a"]
    assert bar.text[0] == "10 % likely · +40.0 % vs last year"
    assert bar.marker.color[0] == figures.DOWN_COLOUR


def test_history_chart_sums_by_period():
    hist = pd.concat([_history(), _history().assign(unique_id="2")])
    fig = figures.history_chart(hist)
    assert fig.data[0].y[5] == 10


def test_empty_figure_carries_message():
    fig = figures.empty_figure("nothing yet")
    assert fig.layout.annotations[0].text == "nothing yet"


def _all_percent_labels(fig) -> list[str]:
    labels: list[str] = []
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        labels += list(axis.ticktext or ())
    for trace in fig.data:
        labels += [str(t) for t in (trace.customdata or ()) if isinstance(t, str)]
    return labels


def test_stretch_chart_writes_percentages_with_a_space_on_axis_and_hover():
    frame = pd.DataFrame({"team": ["a", "b"], "probability": [0.7, 0.125]})
    fig = figures.stretch_chart(frame)
    axis = fig.layout.xaxis
    assert not axis.tickformat and axis.tickmode == "array"
    assert list(axis.tickvals) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert list(axis.ticktext) == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
    assert list(fig.data[0].customdata) == ["12 %", "70 %"]
    assert "%{customdata} chance" in fig.data[0].hovertemplate
    assert "%{x:" not in fig.data[0].hovertemplate


def test_attainment_bars_axis_spans_the_wapes_in_house_percent():
    score = pd.DataFrame(
        {"team": ["a", "TOTAL"], "wape_system_plan": [0.12, 0.08], "wape_target": [0.2, 0.1]}
    )
    fig = figures.attainment_bars(score)
    axis = fig.layout.yaxis
    assert not axis.tickformat
    assert axis.tickvals[0] == 0.0 and axis.tickvals[-1] >= 0.2
    assert all(t.endswith(" %") for t in axis.ticktext)
    assert list(fig.data[1].customdata) == ["20.0 %", "10.0 %"]
    assert all("%{y:" not in t.hovertemplate for t in fig.data)
    assert not any(
        label.endswith("%") and not label.endswith(" %") for label in _all_percent_labels(fig)
    )


def test_a_long_stretch_note_is_wrapped_into_title_lines_not_cut_off():
    note = "Probability to reach: from 6 past 13-week windows of this history " * 3
    fig = figures.stretch_chart(pd.DataFrame({"team": ["a"], "probability": [0.4]}), title=note)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) >= 2 and all(len(line) <= figures.TITLE_WIDTH for line in lines)
    assert " ".join(lines) == note.strip()
    assert fig.layout.margin.t >= 30 + 20 * len(lines)


def test_stretch_chart_does_not_call_a_target_certain():
    frame = pd.DataFrame({"team": ["a", "b"], "probability": [0.9997, 0.0003]})
    bar = figures.stretch_chart(frame).data[0]
    assert list(bar.text) == ["< 1 % likely", "> 99 % likely"]
    assert list(bar.customdata) == ["< 1 %", "> 99 %"]
