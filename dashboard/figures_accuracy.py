"""Pure figure builders of the Accuracy page: plain frames in, plotly figures out.

Colours follow `dashboard.figures`: baseline grey, system plan blue, negotiated orange; a step
that lowered the error is green, one that raised it red.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures import (
    BASELINE_COLOUR,
    DOWN_COLOUR,
    LEGEND_BELOW_THE_PLOT,
    NEGOTIATED_COLOUR,
    SYSTEM_COLOUR,
    TITLE_ABOVE_THE_PLOT,
    UP_COLOUR,
)
from dashboard.figures_percent import percent_axis, percent_texts
from forecast.services import money as fmt

LAYER_COLOURS = {
    "baseline": BASELINE_COLOUR,
    "system_plan": SYSTEM_COLOUR,
    "target": NEGOTIATED_COLOUR,
}
NO_CHANGE_COLOUR = "#cbd5e1"
"""A step that changed the error by less than the hundredth of a point its label shows."""
STEP_NAMES = {"system_plan": "Events", "target": "Claims + assignment"}
WAPE_COLUMNS = ("wape_baseline", "wape_system_plan", "wape_target")


def _wapes(frame: pd.DataFrame) -> list[Any]:
    return [v for c in WAPE_COLUMNS if c in frame for v in frame[c]]


def _base_layout(fig: go.Figure, title: str, y_title: str, values: Iterable[Any] = ()) -> go.Figure:
    """Title, legend and a percentage y axis (``20 %``) spanning ``values`` (fractions)."""
    # the title and the legend reserve their own room: at 390 px a legend placed under the plot
    # area by a fraction of it wrapped onto the axis title and the dates
    fig.update_layout(
        title={"text": title, "x": 0.01, "automargin": True, **TITLE_ABOVE_THE_PLOT},
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 20, "b": 20},
        legend=LEGEND_BELOW_THE_PLOT,
        yaxis={**percent_axis(values), "title": y_title},
        separators=".,",
    )
    return fig


def fva_waterfall(overall: pd.DataFrame) -> go.Figure:
    """WAPE of the baseline, then each step's change (events; claims and assignment) as a floating
    bar, ending at each layer's WAPE: a green step lowered the error (value added), a red one
    raised it, a light grey one changed it by less than the 0.01 pts its label shows. A step starts from the layer it was built on (``step_from``: the target's from the
    basis its negotiation was set on, which the step's name says when it is not the bar before).
    `overall`: rows of `layer_table` with scope ``overall`` (layer, label, wape, step_from)."""
    rows = [r for r in overall.to_dict(orient="records") if r["wape"] is not None]
    labels: list[str] = []
    bases: list[float] = []
    heights: list[float] = []
    colours: list[str] = []
    texts: list[str] = []
    wapes: dict[str, float] = {}
    last: str | None = None
    for row in rows:
        wape = float(row["wape"])
        layer = str(row["layer"])
        source = row.get("step_from") or last
        if source is not None and source in wapes:
            start = wapes[source]
            change = wape - start
            name = STEP_NAMES.get(layer, str(row["label"]))
            if source != last:
                name += f" (from the {source.replace('_', ' ')})"
            labels.append(name)
            bases.append(start)
            heights.append(change)
            shown = fmt.shown_margin(start, wape) or 0.0  # the difference of the bars' labels
            points = round(shown * 100, 2) + 0.0  # + 0.0: no -0.00
            # coloured as it reads: a step of 0.00 pts is no change (as a touch's verdict)
            colours.append(
                UP_COLOUR if points > 0 else DOWN_COLOUR if points < 0 else NO_CHANGE_COLOUR
            )
            texts.append(f"{points:+.2f} pts FVA")
        labels.append(str(row["label"]))
        bases.append(0.0)
        heights.append(wape)
        colours.append(LAYER_COLOURS.get(layer, BASELINE_COLOUR))
        texts.append(percent_texts([wape], 2)[0])  # hundredths, as the FVA beside it
        wapes[layer] = wape
        last = layer
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=heights,
            base=bases,
            marker_color=colours,
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    tops = [b + h for b, h in zip(bases, heights, strict=True)]
    _base_layout(
        fig, "Forecast value added by layer (WAPE; lower is closer)", "WAPE", [*bases, *tops]
    )
    fig.update_layout(showlegend=False)
    fig.update_xaxes(type="category")
    return fig


PROVISIONAL_MARKER = "circle-open"
"""A plan scored on under half of its series or periods: a hollow point, so that one period of
thirteen does not read like a whole cycle."""


def _provisional_notes(frame: pd.DataFrame) -> list[str]:
    """Per row: ``provisional: scored on 1 of 13 periods`` (what it rests on) or empty."""
    if "provisional" not in frame:
        return [""] * len(frame)
    rests = frame["rests_on"] if "rests_on" in frame else pd.Series([None] * len(frame))
    return [
        f" · provisional: {str(on).removeprefix('scored on ') if on else 'few actuals yet'}"
        if pd.notna(thin) and bool(thin)
        else ""
        for thin, on in zip(frame["provisional"], rests, strict=True)
    ]


def track_record_chart(track: pd.DataFrame, team: str | None = None) -> go.Figure:
    """Per scored plan (oldest horizon first): the WAPE of the system plan and of the negotiated
    target, overall or for one `team`; the lower line came closer that cycle. A provisional
    point (under half of the series or periods scored) is hollow, its hover says on how much it
    rests, and a legend entry explains the hollow points."""
    if team:
        overall = track[(track["scope"] == "team") & (track["key"] == team)].copy()
    else:
        overall = track[track["scope"] == "overall"].copy()
    fig = go.Figure()
    x = [f"{s} · {n}" for s, n in zip(overall["horizon_start"], overall["name"], strict=True)]
    notes = _provisional_notes(overall)
    symbols = [PROVISIONAL_MARKER if note else "circle" for note in notes]
    for column, name, colour in (
        ("wape_baseline", "Baseline", BASELINE_COLOUR),
        ("wape_system_plan", "System plan", SYSTEM_COLOUR),
        ("wape_target", "Negotiated plan", NEGOTIATED_COLOUR),
    ):
        texts = [t + note for t, note in zip(percent_texts(overall[column]), notes, strict=True)]
        fig.add_scatter(
            x=x,
            y=overall[column],
            name=name,
            mode="lines+markers",
            line={"color": colour, "dash": "dot" if column == "wape_baseline" else "solid"},
            marker={"symbol": symbols, "size": [11 if note else 7 for note in notes]},
            customdata=texts,
            hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
        )
    if any(notes):
        fig.add_scatter(  # a legend entry only: what a hollow point means
            x=[None],
            y=[None],
            name="hollow: provisional (under half of the series or periods scored)",
            mode="markers",
            marker={"symbol": PROVISIONAL_MARKER, "size": 11, "color": BASELINE_COLOUR},
            hoverinfo="skip",
        )
    where = f"team {team}" if team else "all teams"
    _base_layout(
        fig,
        f"Track record across cycles, {where} (WAPE; lower is closer)",
        "WAPE",
        _wapes(overall),
    )
    fig.update_xaxes(type="category")
    return fig


def replay_chart(cycles: pd.DataFrame) -> go.Figure:
    """The replay's WAPE per cycle (overall) of baseline, system plan and negotiated plan."""
    overall = cycles[cycles["scope"] == "overall"]
    fig = go.Figure()
    x = [f"cycle {c} ({s})" for c, s in zip(overall["cycle"], overall["start"], strict=True)]
    for column, name, colour in (
        ("wape_baseline", "Baseline", BASELINE_COLOUR),
        ("wape_system_plan", "System plan", SYSTEM_COLOUR),
        ("wape_target", "Negotiated plan", NEGOTIATED_COLOUR),
    ):
        fig.add_bar(
            x=x,
            y=overall[column],
            name=name,
            marker_color=colour,
            customdata=percent_texts(overall[column]),
            hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
        )
    _base_layout(
        fig, "Replay: error of each culture per past cycle (WAPE)", "WAPE", _wapes(overall)
    )
    fig.update_layout(barmode="group")
    return fig
