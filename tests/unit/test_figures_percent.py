"""Percent ticks and hover texts in the house style (``20 %``) for the Plotly figure builders."""

from __future__ import annotations

import math

from dashboard.figures_percent import percent_axis, percent_texts


def test_probability_axis_runs_zero_to_hundred_in_fifths():
    axis = percent_axis(fixed=(0.0, 1.0))
    assert axis["range"] == [0.0, 1.0]
    assert axis["ticktext"] == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]


def test_axis_covers_the_data_with_round_ticks_and_a_little_headroom():
    axis = percent_axis([0.2, 0.15, 0.03])
    assert axis["range"][0] == 0.0 and axis["range"][1] >= 0.2
    assert axis["tickvals"][-1] == axis["range"][1]
    assert axis["ticktext"][:3] == ["0 %", "5 %", "10 %"]
    assert len(axis["tickvals"]) <= 7


def test_small_percentages_get_a_decimal_and_negative_ones_a_minus():
    assert percent_axis([0.012])["ticktext"][:2] == ["0.0 %", "0.5 %"]
    assert percent_axis([-0.05, 0.3])["ticktext"][0] == "-10 %"


def test_axis_of_no_data_or_only_gaps_is_still_drawn():
    assert percent_axis([math.nan, None])["ticktext"][0] == "0 %"
    assert percent_axis([0.0, 0.0])["ticktext"][0].endswith(" %")


def test_hover_texts_use_the_house_style_and_a_dash_for_gaps():
    assert percent_texts([0.153, None, math.nan, "x"]) == ["15.3 %", "–", "–", "–"]
    assert percent_texts([0.05], 0, signed=True) == ["+5 %"]


def test_an_error_of_thousands_of_percent_keeps_a_handful_of_ticks():
    """Actuals a thousandfold too small give a WAPE near 99,900 %: the axis had 1,100 labelled
    ticks, which stalled the browser for over a minute."""
    from dashboard.figures_percent import MAX_TICKS, percent_axis

    axis = percent_axis([999.0, 998.5])
    assert len(axis["tickvals"]) <= MAX_TICKS and axis["range"][1] >= 999.0
