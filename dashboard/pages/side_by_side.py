"""Page 4, Side by side: the system plan (blue) and the negotiated plan (orange) next to each
other: totals, per team, per period within the baseline's band, differences, and stretch."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, dcc, html, no_update

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import comparison, team_actuals
from forecast.services.comparison import PlanComparison

PATH = "/side-by-side"
NAME = "Side by side"

HOW_TO_READ = (
    "blue is what the system expects (baseline plus events), orange what people agreed to "
    "deliver. The table is sorted by the size of the disagreement, largest first; the grey band "
    "is the baseline's 95 % interval, so an orange line outside it is a target history does not "
    "support. Click a team's bars to see its periods."
)

ALL_TEAMS = "__all__"


HIDDEN = {"display": "none"}


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            html.Div(id=ids.SBS_ALERT),
            html.Div(
                [
                    dbc.Row(id=ids.SBS_TOTALS, className="g-2 mb-3"),
                    dbc.Row(
                        [
                            dbc.Col(
                                components.described_chart(
                                    "System plan and negotiated plan per team",
                                    dcc.Graph(
                                        id=ids.SBS_TEAM_BARS,
                                        figure=figures.empty_figure(""),
                                        style={"height": "380px"},
                                    ),
                                    loading=True,
                                ),
                                lg=6,
                            ),
                            dbc.Col(
                                [
                                    components.hidden_label("Team", ids.SBS_TEAM_PICK),
                                    dcc.Dropdown(
                                        id=ids.SBS_TEAM_PICK,
                                        options=[{"label": "All teams", "value": ALL_TEAMS}],
                                        value=ALL_TEAMS,
                                        clearable=False,
                                    ),
                                    components.described_chart(
                                        "Baseline, system plan and negotiated plan per period",
                                        dcc.Graph(
                                            id=ids.SBS_PERIOD_LINES,
                                            figure=figures.empty_figure(""),
                                            style={"height": "340px"},
                                        ),
                                        loading=True,
                                    ),
                                ],
                                lg=6,
                            ),
                        ],
                        className="g-3",
                    ),
                    html.H2("Where they disagree", className="h4 mt-3"),
                    dag.AgGrid(
                        id=ids.SBS_DIFF_GRID,
                        rowData=[],
                        columnDefs=difference_columns(),
                        getRowId="params.data.team",
                        defaultColDef={
                            "resizable": True,
                            "sortable": True,
                            "minWidth": 110,
                            "wrapHeaderText": True,
                            "autoHeaderHeight": True,
                        },
                        columnSize="responsiveSizeToFit",  # every column in view on a laptop
                        dashGridOptions={
                            **components.GRID_ONE_TAB_STOP,
                            "domLayout": "autoHeight",
                            "suppressColumnVirtualisation": True,
                        },
                        className="ag-theme-alpine",
                    ),
                    html.H2("How far each target stretches", className="h4 mt-4"),
                    html.P(
                        "Probability that actuals reach the target, judged by how far this engine's "
                        "forecasts of team totals missed over past windows of the plan's own history "
                        "(the note under this says how many), around the system plan with its events at "
                        "their stated size, and the target's growth over the same periods last year. "
                        "Where some of a team's series had no rows or a long closure then, the "
                        "growth is like-for-like: the target as it is spread over the series "
                        "trading in both years against their sales (the hover says how many "
                        "series); on a horizon longer than a year, over the periods whose year "
                        "before the history holds (the hover says how many); left out where no "
                        "series was trading, or the history does not reach back that far.",
                        className="small text-muted",
                    ),
                    # a paragraph, not the chart's title: it wraps on a phone
                    html.P(id=ids.SBS_STRETCH_NOTE, className="small mb-0"),
                    components.described_chart(
                        "Stretch of each team's negotiated target",
                        dcc.Graph(
                            id=ids.SBS_STRETCH,
                            figure=figures.empty_figure(""),
                            style={"height": "300px"},
                        ),
                        loading=True,
                    ),
                ],
                id=ids.SBS_PARTS,
                style=HIDDEN,
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


MONEY_COLUMN_PX = 140
"""Room for tens of millions to the cent (€28,389,345.06): on a phone the grid fit its columns
to the screen and cut each amount to €28,389,3…; it scrolls sideways instead."""


def difference_columns() -> list[dict[str, Any]]:
    money = components.grid_money(2)
    signed = components.grid_money(2, signed=True)
    pct = components.grid_percent(1)
    # As forecast.money.format_probability: never "100 %" or "0 %" (the card says "> 99 %").
    # Once every period has actuals the row says what was reached instead (``outcome``), while
    # some have, how many beside the chance (``periods_in``): `with_actuals`.
    chance = (
        "(params.value == null ? '' : params.value * 100 >= 99.5 ? '> 99 %' : "
        "params.value * 100 < 0.5 ? '< 1 %' : d3.format('.0f')(params.value * 100) + ' %')"
    )
    prob = {
        "function": "params.data && params.data.outcome ? params.data.outcome : "
        f"{chance} + (params.data && params.data.periods_in ? "
        "(params.value == null ? '' : ' · ') + params.data.periods_in : '')"
    }
    return [
        {"field": "team", "width": 100},
        {
            "field": "system_plan",
            "headerName": figures.SYSTEM_LABEL,
            "valueFormatter": money,
            "minWidth": MONEY_COLUMN_PX,
            "type": "numericColumn",
            "cellStyle": {"color": figures.SYSTEM_COLOUR},
        },
        {
            "field": "target",
            "headerName": figures.NEGOTIATED_LABEL,
            "valueFormatter": money,
            "minWidth": MONEY_COLUMN_PX,
            "type": "numericColumn",
            "cellStyle": {"color": figures.NEGOTIATED_COLOUR},
        },
        {
            "field": "difference",
            "headerName": "Negotiated − system",
            "valueFormatter": signed,
            "minWidth": MONEY_COLUMN_PX,
            "type": "numericColumn",
        },
        {
            "field": "difference_pct",
            "headerName": "Difference",
            "valueFormatter": pct,
            "type": "numericColumn",
        },
        {
            "field": "claim",
            "valueFormatter": money,
            "minWidth": MONEY_COLUMN_PX,
            "type": "numericColumn",
        },
        {
            "field": "assignment",
            "valueFormatter": money,
            "minWidth": MONEY_COLUMN_PX,
            "type": "numericColumn",
        },
        {
            "field": "probability",
            "headerName": "Chance to reach",
            "headerTooltip": "The chance that actuals reach the negotiated target; once every "
            "period has actuals, whether they did (reached, or missed by how much)",
            "valueFormatter": prob,
            "minWidth": MONEY_COLUMN_PX,
            "type": "numericColumn",
        },
        {
            "field": "growth_pct",
            "headerName": "Growth vs last year",
            # like-for-like where some series were not trading a year earlier: the tooltip
            # says how many series it compares
            "valueFormatter": {
                "function": f"({pct['function']}) + (params.value != null && params.data "
                "&& params.data.growth_coverage ? ' like-for-like' : '')"
            },
            "tooltipField": "growth_coverage",
            "headerTooltip": "The target's growth over the same periods last year; like-for-like "
            "(only the series trading in both years) where some series were closed then",
            "type": "numericColumn",
        },
    ]


def summary_cards(comparison: PlanComparison) -> list[dbc.Col]:
    """The four cards above the charts: both totals, the difference, the largest disagreement."""
    total, worst = comparison.total, comparison.largest_disagreement
    cur = comparison.currency
    said = with_actuals({}, comparison.verdicts.get(str(worst["team"])), cur)
    periods_in = f" ({said['periods_in']})" if "periods_in" in said else ""
    if "outcome" in said:
        chance = f", {said['outcome']}"
    elif pd.isna(worst["probability"]):
        chance = f", {said['periods_in']}" if periods_in else ""
    else:
        chance = f", {components.probability(worst['probability'])} chance to reach{periods_in}"
    return [
        dbc.Col(
            components.stat_card(
                figures.SYSTEM_LABEL,
                components.money(total["system_plan"], decimals=2, currency=cur),
                colour=figures.SYSTEM_COLOUR,
            ),
            md=6,
            xl=3,
            id="sbs-system-total",
        ),
        dbc.Col(
            components.stat_card(
                figures.NEGOTIATED_LABEL,
                components.money(total["target"], decimals=2, currency=cur),
                colour=figures.NEGOTIATED_COLOUR,
                sub=f"stage: {comparison.stage}",
            ),
            md=6,
            xl=3,
            id="sbs-negotiated-total",
        ),
        dbc.Col(
            components.stat_card(
                "People ask for",
                _signed_money(total["difference"], cur),
                sub=asks_for_note(
                    comparison.summary,
                    total["difference_pct"],
                    int(round(100 * float(total["difference"]))),
                ),
            ),
            md=6,
            xl=3,
            id="sbs-difference",
        ),
        dbc.Col(
            components.stat_card(
                "Largest disagreement",
                f"team {worst['team']}",
                sub=_signed_money(worst["difference"], cur) + chance,
            ),
            md=6,
            xl=3,
            id="sbs-worst",
        ),
    ]


def asks_for_note(
    summary: dict[str, Any], difference_pct: float | None, difference_minor: int | None = None
) -> str:
    """What "People ask for" is made of, as a sum that adds up: claims + assigned - a basis drift
    not yet rebased - the events' effect (system plan minus baseline, when the goal rests on the
    baseline; ``comparison.asks_for_parts``). Without `difference_minor`: claims and assigned."""
    pct = (
        "–"
        if difference_pct is None or pd.isna(difference_pct)
        else f"{abs(difference_pct):.1f} % {'under' if difference_pct < 0 else 'over'} the "
        "system plan"
    )
    cur = summary.get("currency")

    def money(minor: int) -> str:
        return components.minor_to_money(minor, currency=cur)

    if difference_minor is None:
        parts = [
            ("claims", int(summary.get("claimed") or 0), 1),
            ("assigned", int(summary.get("assigned") or 0), 1),
        ]
    else:
        parts = comparison.asks_for_parts(summary, difference_minor)

    def amount(value: int) -> str:
        return f"({money(value)})" if value < 0 else money(value)

    text = " ".join(
        (f"{name} " if i == 0 else f"{'+' if sign > 0 else '−'} {name} ") + amount(value)
        for i, (name, value, sign) in enumerate(parts)
    )
    return f"{pct}; {text}"


def _signed_money(value: float, currency: str | None = "EUR") -> str:
    return ("+" if value >= 0 else "") + components.money(value, currency=currency)


def difference_rows(comparison: PlanComparison) -> list[dict[str, Any]]:
    """Grid rows of the comparison (missing numbers as None, so the grid shows them empty); each
    carries the currency symbol (``cur``) its money columns are shown with, and what the kept
    actuals say of its target (`with_actuals`, the service's ``verdicts``)."""
    frame = comparison.differences.astype(object)
    cur = components.row_currency(comparison.currency)
    return [
        with_actuals(
            {**{str(k): v for k, v in row.items()}, "cur": cur},
            comparison.verdicts.get(str(row["team"])),
            comparison.currency,
        )
        for row in frame.where(frame.notna(), None).to_dict("records")
    ]


def with_actuals(
    row: dict[str, Any], said: team_actuals.Verdict | None, currency: str | None
) -> dict[str, Any]:
    """A table row with what its kept actuals say of its target (`said`, the service's verdict,
    as the Negotiation page's cards have it): every period in, ``outcome`` "reached, actuals
    €X" or "missed by €Y, actuals €X", in place of a chance of something already over; some
    in, ``periods_in`` "N of M periods in" beside the chance, with "(K partly)" for the periods
    only some series are in; none, the row as it was."""
    if said is None:
        return row
    words = team_actuals.verdict_words(said, currency)
    if not said.over:
        return {**row, "periods_in": words}
    return {**row, "outcome": words, "actual": (said.actual or 0) / 100}


def comparison_outputs(comparison: PlanComparison) -> tuple[Any, ...]:
    """Cards, team bars, difference rows, stretch chart, team choices, alert, the style of the
    parts that compare (hidden before a goal: there is nothing to compare yet), and what the
    stretch rests on."""
    if not comparison.has_goal:
        empty = figures.empty_figure("No negotiated plan yet: set a goal on the Negotiation page")
        note = components.info_alert(
            "No negotiated plan yet: the owner sets a goal on the Negotiation page. Until then "
            "the System plan page shows the system plan per team and period."
        )
        return [], empty, [], empty, [], note, HIDDEN, ""
    return (
        summary_cards(comparison),
        figures.in_currency(
            figures.team_bars(comparison.totals, title="Per team"), comparison.currency
        ),
        difference_rows(comparison),
        figures.stretch_chart(comparison.stretch),
        [{"label": "All teams", "value": ALL_TEAMS}] + components.options(comparison.teams),
        None,  # a basis drift: the shell's notice above every page says it (drift_notice)
        {},
        comparison.stretch_note,
    )


def period_figure(frame: pd.DataFrame | None, team: str | None) -> Any:
    if frame is None:
        return figures.empty_figure("No negotiated plan yet")
    everyone = not team or team == ALL_TEAMS
    title = "Per period, all teams" if everyone else f"Per period, team {team}"
    return figures.in_currency(
        figures.period_lines(frame, title=title), frame.attrs.get("currency", "EUR")
    )


# -- callbacks (module-level, the context injected by `bind`) --------------------------------


def render(ctx: DashboardContext, session: dict | None) -> tuple[Any, ...]:
    plan_id = (session or {}).get("plan_id")
    if not plan_id:
        notice = components.need_plan_notice()
        return [], no_update, [], no_update, no_update, notice, HIDDEN, ""
    return comparison_outputs(comparison.compare_plans(ctx.store, plan_id))


def drill(_ctx: DashboardContext, click: dict | None) -> Any:
    points = (click or {}).get("points")
    team = points[0].get("x") if points else None
    return no_update if team is None else str(team)


def periods(ctx: DashboardContext, team: str | None, session: dict | None) -> Any:
    plan_id = (session or {}).get("plan_id")
    if not plan_id:
        return figures.empty_figure("Pick a plan")
    # The picker's options are team names (text): any other value picks every team.
    chosen = team if isinstance(team, str) and team and team != ALL_TEAMS else None
    return period_figure(comparison.period_comparison(ctx.store, plan_id, chosen), chosen)


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        render,
        Output(ids.SBS_TOTALS, "children"),
        Output(ids.SBS_TEAM_BARS, "figure"),
        Output(ids.SBS_DIFF_GRID, "rowData"),
        Output(ids.SBS_STRETCH, "figure"),
        Output(ids.SBS_TEAM_PICK, "options"),
        Output(ids.SBS_ALERT, "children"),
        Output(ids.SBS_PARTS, "style"),
        Output(ids.SBS_STRETCH_NOTE, "children"),
        Input(ids.NAV_SESSION, "data"),
    )
    bind(
        app,
        ctx,
        drill,
        Output(ids.SBS_TEAM_PICK, "value"),
        Input(ids.SBS_TEAM_BARS, "clickData"),
        prevent_initial_call=True,
    )
    bind(
        app,
        ctx,
        periods,
        Output(ids.SBS_PERIOD_LINES, "figure"),
        Input(ids.SBS_TEAM_PICK, "value"),
        Input(ids.NAV_SESSION, "data"),
    )
