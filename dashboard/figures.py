"""Pure figure builders: plain frames in, plotly figures out (no Dash, no services, no I/O).

Colours are fixed per track so that every chart reads the same way: the system plan is blue,
the negotiated plan orange, the statistical baseline grey, history near-black.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures_percent import percent_axis, percent_texts
from forecast.services import money
from forecast.services import types as schema

SYSTEM_COLOUR = "#2563eb"
NEGOTIATED_COLOUR = "#c2410c"  # 5.2:1 on white (WCAG AA for text)
BASELINE_COLOUR = "#64748b"
HISTORY_COLOUR = "#111827"
GOAL_COLOUR = "#7c3aed"
UP_COLOUR = "#16a34a"
DOWN_COLOUR = "#dc2626"

SYSTEM_LABEL = "System plan"
NEGOTIATED_LABEL = "Negotiated plan"
BASELINE_LABEL = "Baseline"
ACTUALS_LABEL = "Actuals"

TITLE_WIDTH = 100  # characters per line of a long chart title
CURRENCY = "€"  # what the builders draw; ``in_currency`` shows a chart in the plan's currency
_MONEY_HOVER = CURRENCY + "%{y:,.0f}"


def in_currency(fig: go.Figure, currency: str | None) -> go.Figure:
    """A money chart shown in the plan's currency (ISO code; None: plain numbers): the builders
    draw euros (``CURRENCY``); this swaps the symbol on the axis, in hover texts and bar labels."""
    sym = money.symbol(currency)
    if sym == CURRENCY:
        return fig
    fig.for_each_yaxis(
        lambda axis: axis.update(tickprefix=sym) if axis.tickprefix == CURRENCY else None
    )
    for trace in fig.data:
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str) and CURRENCY in template:
            trace.hovertemplate = template.replace(CURRENCY, sym)
        for field in ("text", "customdata"):
            values = getattr(trace, field, None)
            if isinstance(values, tuple | list) and any(
                isinstance(t, str) and CURRENCY in t for t in values
            ):
                trace[field] = [
                    t.replace(CURRENCY, sym) if isinstance(t, str) else t for t in values
                ]
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


TITLE_ABOVE_THE_PLOT = {"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 10}}
"""A title at the top of the chart that reserves its own height (``automargin``)."""
LEGEND_BELOW_THE_PLOT = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
}
"""A legend at the foot of the chart, under the axis labels: a legend wrapped onto several lines
on a phone reserves its own height there instead of growing up into the title."""


def _layout(fig: go.Figure, title: str | None, *, y_title: str | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "automargin": True, **TITLE_ABOVE_THE_PLOT}
        if title
        else None,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 20, "b": 20},
        legend=LEGEND_BELOW_THE_PLOT,
        hovermode="x unified",
        separators=".,",
    )
    fig.update_yaxes(tickformat=",.0f", tickprefix=CURRENCY, title=y_title)
    return fig


def empty_figure(message: str) -> go.Figure:
    """A blank chart carrying a message (no plan, no data yet)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 14, "color": BASELINE_COLOUR})
    fig.update_layout(
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
    )
    return fig


def _line(
    frame: pd.DataFrame,
    column: str,
    name: str,
    line: dict[str, Any],
    *,
    markers: bool = False,
    **extra: Any,
) -> go.Scatter:
    """One money series over the periods: `frame[column]` against `frame["ds"]`."""
    return go.Scatter(
        x=frame["ds"],
        y=frame[column],
        mode="lines+markers" if markers else "lines",
        name=name,
        line=line,
        hovertemplate=_MONEY_HOVER,
        **extra,
    )


def _history_line(history: pd.DataFrame) -> go.Scatter:
    """`history`: ds, y per period (summed already)."""
    return _line(history, "y", "History", {"color": HISTORY_COLOUR, "width": 1.5})


def history_chart(
    history: pd.DataFrame, title: str | None = "History, all series summed"
) -> go.Figure:
    """`history`: ds, y (one row per period, or per series-period: it is summed by ds)."""
    total = history.groupby("ds", as_index=False)[["y"]].sum().sort_values("ds")
    return _layout(go.Figure(_history_line(total)), title)


def _add_band(fig: go.Figure, frame: pd.DataFrame, level: int, name: str, *, alpha: float) -> None:
    """The baseline's interval at `level` as a filled band (upper edge, then lower edge filled)."""
    upper, lower = schema.hi_col(level), schema.lo_col(level)
    edge = {"width": 0}
    fig.add_trace(_line(frame, upper, name.replace("interval", "upper"), edge, showlegend=False))
    fig.add_trace(
        _line(frame, lower, name, edge, fill="tonexty", fillcolor=_rgba(BASELINE_COLOUR, alpha))
    )


def fan_chart(
    history: pd.DataFrame,
    baseline: pd.DataFrame,
    system_plan: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    history_periods: int | None = 104,
) -> go.Figure:
    """History, the baseline with its interval bands (widest first), and the system plan.

    `history`: ds, y. `baseline`: ds, baseline, baseline-lo-L, baseline-hi-L for each level L.
    `system_plan`: ds, system_plan (optional). Frames are summed by ds, so a per-series frame of
    a team gives the team's chart; summed interval bounds are wider than the true interval of the
    sum, which errs on the side of caution.
    """
    fig = go.Figure()
    hist = history.groupby("ds", as_index=False)[["y"]].sum().sort_values("ds")
    if history_periods:
        hist = hist.tail(history_periods)
    fig.add_trace(_history_line(hist))
    levels = schema.levels_in(baseline)
    value_cols = ["baseline", *schema.interval_columns(levels)]
    base = baseline.groupby("ds", as_index=False)[value_cols].sum().sort_values("ds")
    for i, level in enumerate(sorted(levels, reverse=True)):
        _add_band(fig, base, level, f"{level} % interval", alpha=0.12 + 0.12 * i)
    fig.add_trace(_baseline_line(base, width=2))
    if system_plan is not None and len(system_plan):
        plan = system_plan.groupby("ds", as_index=False)[["system_plan"]].sum().sort_values("ds")
        fig.add_trace(_plan_line(plan, "system_plan", marker={"size": 5}))
    return _layout(fig, title)


def _baseline_line(frame: pd.DataFrame, width: float | None = None) -> go.Scatter:
    line = {"color": BASELINE_COLOUR, **({"width": width} if width else {}), "dash": "dash"}
    return _line(frame, "baseline", BASELINE_LABEL, line)


_PLANS = {
    "system_plan": (SYSTEM_LABEL, SYSTEM_COLOUR),
    "target": (NEGOTIATED_LABEL, NEGOTIATED_COLOUR),
}


def _plan_line(frame: pd.DataFrame, column: str, **extra: Any) -> go.Scatter:
    """The system plan (`column` "system_plan") or the negotiated plan ("target")."""
    name, colour = _PLANS[column]
    return _line(frame, column, name, {"color": colour, "width": 2.5}, markers=True, **extra)


def gap_waterfall(
    basis_total: float,
    claims: Mapping[str, float],
    assigned: Mapping[str, float],
    goal: float,
    *,
    basis_label: str = BASELINE_LABEL,
    title: str | None = None,
    kept_over: float = 0.0,
    decimals: int = 0,
) -> go.Figure:
    """From the basis (baseline or system plan) through each team's claim and the assigned
    remainder to the goal. Whatever is neither claimed nor assigned yet shows as "Still open",
    so the bars always end exactly at the goal; claims over the gap kept when the round closed
    (`kept_over`) show after the goal as "Kept over goal", ending at the targets' total (goal +
    kept over-subscription). The labels carry `decimals` (``money.decimals_to_add_up``: cents
    when an amount has cents), so the steps shown add up to the ends shown.

    Drawn as floating bars (each from the running total) so that every bar keeps its track's
    colour: the basis grey (baseline) or blue (system plan), people's parts orange, the goal
    purple."""
    basis_colour = SYSTEM_COLOUR if basis_label == SYSTEM_LABEL else BASELINE_COLOUR
    labels, bases, heights, colours = [basis_label], [0.0], [float(basis_total)], [basis_colour]
    running = float(basis_total)
    for team, amount in claims.items():
        labels.append(f"Claim {team}")
        bases.append(running)
        heights.append(float(amount))
        colours.append(NEGOTIATED_COLOUR)
        running += float(amount)
    assigned_total = float(sum(assigned.values()))
    if assigned:
        labels.append("Assigned remainder")
        bases.append(running)
        heights.append(assigned_total)
        colours.append(_rgba(NEGOTIATED_COLOUR, 0.55))
        running += assigned_total
    open_part = float(goal) + float(kept_over) - running
    if abs(open_part) >= 0.005:
        gap = float(goal) - float(basis_total)
        # claims past the gap (before the close keeps or scales them) are not "open"
        overshoot = open_part < 0 <= gap or gap < 0 < open_part
        labels.append("Claims over the gap" if overshoot else "Still open")
        bases.append(running)
        heights.append(open_part)
        colours.append(_rgba(BASELINE_COLOUR, 0.35))
        running += open_part
    labels.append("Goal")
    bases.append(0.0)
    heights.append(float(goal))
    colours.append(GOAL_COLOUR)
    totals = {0, len(heights) - 1}
    if abs(float(kept_over)) >= 0.005:
        labels += ["Kept over goal", "Targets (goal + kept)"]
        bases += [float(goal), 0.0]
        heights += [float(kept_over), float(goal) + float(kept_over)]
        colours += [NEGOTIATED_COLOUR, _rgba(NEGOTIATED_COLOUR, 0.8)]
        totals.add(len(heights) - 1)
    shown = f",.{int(decimals)}f"
    text = [
        (
            f"{'-' if h < 0 else ''}{CURRENCY}{abs(h):{shown}}"
            if i in totals
            else f"{'+' if h >= 0 else '-'}{CURRENCY}{abs(h):{shown}}"
        )
        for i, h in enumerate(heights)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=heights,
            base=bases,
            marker_color=colours,
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=text,
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    _layout(fig, title)
    fig.update_layout(hovermode="closest", showlegend=False)
    # The axis starts at zero, so the basis and the goal bars show their true size and each
    # team's part shows its true share of it (the labels give the amounts).
    tops = [b + h for b, h in zip(bases, heights, strict=True)]
    top = max([*tops, *bases, 0.0]) or 1.0
    fig.update_yaxes(range=[min([*tops, *bases, 0.0]), top * 1.12])
    fig.update_xaxes(type="category")
    return fig


def team_bars(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Per team, the system plan next to the negotiated plan. `frame`: team, system_plan, target."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=frame["team"].astype(str),
            y=frame["system_plan"],
            name=SYSTEM_LABEL,
            marker_color=SYSTEM_COLOUR,
            hovertemplate=SYSTEM_LABEL + ": " + _MONEY_HOVER + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=frame["team"].astype(str),
            y=frame["target"],
            name=NEGOTIATED_LABEL,
            marker_color=NEGOTIATED_COLOUR,
            hovertemplate=NEGOTIATED_LABEL + ": " + _MONEY_HOVER + "<extra></extra>",
        )
    )
    _layout(fig, title)
    fig.update_layout(barmode="group", hovermode="x")
    fig.update_xaxes(type="category", title="Team")
    return fig


def period_lines(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Per period: the baseline's interval band, the system plan, the negotiated plan and, where
    the plan keeps actuals, the actuals (``frame.attrs["actuals"]``: ds, actual per period).

    `frame`: ds, system_plan, target, and optionally baseline + baseline-lo-L/-hi-L columns
    (summed by ds, so per-series frames are fine). The band is ``frame.attrs["bands"]`` where
    given (the interval of the sum, per ds); else the sum of the series' bounds."""
    levels = schema.levels_in(frame)
    cols = [c for c in ["system_plan", "target", "baseline"] if c in frame]
    cols += schema.interval_columns(levels)
    per = frame.groupby("ds", as_index=False)[cols].sum().sort_values("ds")
    bands = frame.attrs.get("bands")
    if levels and bands is not None and len(bands):
        interval = schema.interval_columns(levels)
        summed = bands[["ds", *interval]].assign(ds=lambda f: pd.to_datetime(f["ds"]))
        per = per.drop(columns=interval).assign(ds=lambda f: pd.to_datetime(f["ds"]))
        per = per.merge(summed, on="ds", how="left")
    fig = go.Figure()
    if levels:
        level = max(levels)
        _add_band(fig, per, level, f"Baseline {level} % interval", alpha=0.2)
    if "baseline" in per:
        fig.add_trace(_baseline_line(per))
    fig.add_trace(_plan_line(per, "system_plan"))
    fig.add_trace(_plan_line(per, "target"))
    actuals = frame.attrs.get("actuals")
    if actuals is not None and len(actuals):
        kept = actuals.assign(ds=lambda f: pd.to_datetime(f["ds"])).sort_values("ds")
        line = {"color": HISTORY_COLOUR, "width": 2}
        fig.add_trace(_line(kept, "actual", ACTUALS_LABEL, line, markers=True))
    return period_ticks(_layout(fig, title), per["ds"])


MAX_TICKS = 7


def period_ticks(fig: go.Figure, ds: pd.Series) -> go.Figure:
    """Date ticks on the plan's own periods (every k-th, at most ``MAX_TICKS``): the axis of a
    weekly plan whose weeks start on Monday reads "Jul 27", not the Sunday Plotly would pick."""
    periods = pd.Series(pd.to_datetime(ds).unique()).sort_values()
    if len(periods) < 2:
        return fig
    step = -(-len(periods) // MAX_TICKS)
    monthly = bool((periods.dt.day == 1).all())
    fig.update_xaxes(
        tickmode="array",
        tickvals=list(periods.iloc[::step]),
        tickformat="%b %Y" if monthly else "%b %-d<br>%Y",
    )
    return fig


def stretch_chart(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """How far each team's target stretches: the probability that actuals reach it (bars,
    0-100 %; from the plan's stretch, `services.negotiation.stretch`), with the growth over last
    year as text.

    `frame`: team, probability (0..1), and optionally growth (fraction, e.g. 0.12) and
    growth_coverage (``like-for-like: 45 of 49 series`` where the growth leaves series out: the
    text says like-for-like, the hover how many series)."""
    data = frame.sort_values("probability")
    growth = list(data["growth"]) if "growth" in data else [None] * len(data)
    coverage = list(data["growth_coverage"]) if "growth_coverage" in data else [None] * len(data)
    like_for_like = [
        isinstance(c, str) and bool(c) and not pd.isna(g)
        for c, g in zip(coverage, growth, strict=True)
    ]
    colours = [
        UP_COLOUR if p >= 0.5 else ("#f59e0b" if p >= 0.2 else DOWN_COLOUR)
        for p in data["probability"]
    ]
    text = [f"{money.format_probability(p)} likely" for p in data["probability"]]
    if "growth" in data:
        text = [
            t
            + ("" if pd.isna(g) else f" · {money.format_percent(g, 1, signed=True)} vs last year")
            + (" (like-for-like)" if lfl else "")
            for t, g, lfl in zip(text, data["growth"], like_for_like, strict=True)
        ]
    # the hover says how many series a like-for-like growth compares
    coverage_hover = [
        f"<br>growth vs last year {c}" if lfl else ""
        for c, lfl in zip(coverage, like_for_like, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=data["probability"],
            y=data["team"].astype(str),
            orientation="h",
            marker_color=colours,
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=[money.format_probability(p) for p in data["probability"]],
            hovertext=coverage_hover,
            hovertemplate="%{y}: %{customdata} chance to reach the target%{hovertext}"
            "<extra></extra>",
        )
    )
    # Plotly does not wrap titles: a long "what it rests on" note is broken into lines.
    lines = textwrap.wrap(title, TITLE_WIDTH) if title else []
    fig.update_layout(
        title={"text": "<br>".join(lines), "x": 0.01, "font": {"size": 14}} if lines else None,
        template="plotly_white",
        # the right margin holds the text beside a bar near 100 % ("95 % likely · +0.0 % vs
        # last year"); titles of several lines are centred in the top margin
        margin={
            "l": 80,
            "r": 280 if any(like_for_like) else 190,
            "t": 40 + 24 * len(lines) if lines else 20,
            "b": 40,
        },
        showlegend=False,
    )
    fig.update_xaxes(
        **percent_axis(fixed=(0.0, 1.0)), title="Probability that actuals reach the target"
    )
    fig.update_yaxes(type="category", title="Team")
    fig.add_vline(x=0.5, line_dash="dot", line_color=BASELINE_COLOUR)
    return fig


def attainment_bars(score: pd.DataFrame) -> go.Figure:
    """WAPE of each track per team and in total: the shorter bar was closer. A plan without a
    goal has no negotiated plan: only the system plan's bars."""
    fig = go.Figure()
    for column, name, colour in (
        ("wape_system_plan", "System plan", SYSTEM_COLOUR),
        ("wape_target", "Negotiated plan", NEGOTIATED_COLOUR),
    ):
        if column == "wape_target" and not score[column].notna().any():
            continue
        fig.add_bar(
            x=score["team"],
            y=score[column],
            name=name,
            marker_color=colour,
            customdata=percent_texts(score[column]),
            hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
        )
    wapes = [*score["wape_system_plan"], *score["wape_target"]]
    fig.update_layout(
        barmode="group",
        title={
            "text": "Error against actuals (WAPE; lower is closer)",
            "x": 0.01,
            "automargin": True,
            **TITLE_ABOVE_THE_PLOT,
        },
        yaxis={**percent_axis(wapes), "title": "WAPE"},
        xaxis={"title": "Team"},
        legend=LEGEND_BELOW_THE_PLOT,
        margin={"t": 20, "l": 60, "r": 20, "b": 20},
        template="plotly_white",
    )
    return fig
