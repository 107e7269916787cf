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

PATH = "/side-by-side"
NAME = "Side by side"

HOW_TO_READ = (
    "blue is what the system expects (baseline plus events), orange what people agreed to "
    "deliver. The table is sorted by the size of the disagreement, largest first; the grey band "
    "is the baseline's 95 % interval, so an orange line outside it is a target history does not "
    "support. Click a team's bars to see its periods."
)

ALL_TEAMS = "__all__"


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            html.Div(id=ids.SBS_ALERT),
            dbc.Row(id=ids.SBS_TOTALS, className="g-2 mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Loading(
                            dcc.Graph(
                                id=ids.SBS_TEAM_BARS,
                                figure=figures.empty_figure(""),
                                style={"height": "380px"},
                            ),
                            type="dot",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            dcc.Dropdown(
                                id=ids.SBS_TEAM_PICK,
                                options=[{"label": "All teams", "value": ALL_TEAMS}],
                                value=ALL_TEAMS,
                                clearable=False,
                            ),
                            dcc.Loading(
                                dcc.Graph(
                                    id=ids.SBS_PERIOD_LINES,
                                    figure=figures.empty_figure(""),
                                    style={"height": "340px"},
                                ),
                                type="dot",
                            ),
                        ],
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
            html.H4("Where they disagree", className="mt-3"),
            dag.AgGrid(
                id=ids.SBS_DIFF_GRID,
                rowData=[],
                columnDefs=difference_columns(),
                getRowId="params.data.team",
                defaultColDef={"resizable": True, "sortable": True},
                dashGridOptions={"domLayout": "autoHeight", "suppressColumnVirtualisation": True},
                className="ag-theme-alpine",
            ),
            html.H4("How far each target stretches", className="mt-4"),
            html.P(
                "Probability that actuals reach the target, judged by how far this engine's "
                "forecasts of team totals missed over past windows of the plan's own history "
                "(the chart's title says how many), and the target's growth over the same "
                "periods last year.",
                className="small text-muted",
            ),
            dcc.Loading(
                dcc.Graph(
                    id=ids.SBS_STRETCH, figure=figures.empty_figure(""), style={"height": "300px"}
                ),
                type="dot",
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def difference_columns() -> list[dict[str, Any]]:
    money = components.grid_money(2)
    signed = components.grid_money(2, signed=True)
    pct = {"function": "params.value == null ? '' : d3.format('+.1f')(params.value) + ' %'"}
    prob = {"function": "params.value == null ? '' : d3.format('.0%')(params.value)"}
    return [
        {"field": "team", "width": 100},
        {
            "field": "system_plan",
            "headerName": figures.SYSTEM_LABEL,
            "valueFormatter": money,
            "type": "numericColumn",
            "cellStyle": {"color": figures.SYSTEM_COLOUR},
        },
        {
            "field": "target",
            "headerName": figures.NEGOTIATED_LABEL,
            "valueFormatter": money,
            "type": "numericColumn",
            "cellStyle": {"color": figures.NEGOTIATED_COLOUR},
        },
        {
            "field": "difference",
            "headerName": "Negotiated − system",
            "valueFormatter": signed,
            "type": "numericColumn",
        },
        {
            "field": "difference_pct",
            "headerName": "Difference",
            "valueFormatter": pct,
            "type": "numericColumn",
        },
        {"field": "claim", "valueFormatter": money, "type": "numericColumn"},
        {"field": "assignment", "valueFormatter": money, "type": "numericColumn"},
        {
            "field": "probability",
            "headerName": "Chance to reach",
            "valueFormatter": prob,
            "type": "numericColumn",
        },
        {
            "field": "growth_pct",
            "headerName": "Growth vs last year",
            "valueFormatter": pct,
            "type": "numericColumn",
        },
    ]


def team_totals(negotiated: pd.DataFrame) -> pd.DataFrame:
    """Per team: system plan and negotiated target, summed exactly from the minor units."""
    sums = negotiated.groupby("team", as_index=False)[["system_plan_minor", "target_minor"]].sum()
    sums["system_plan"] = sums["system_plan_minor"] / 100
    sums["target"] = sums["target_minor"] / 100
    sums["team"] = sums["team"].astype(str)
    return sums


def difference_rows(
    totals: pd.DataFrame, ledger: pd.DataFrame, stretch: pd.DataFrame, currency: str | None = "EUR"
) -> list[dict[str, Any]]:
    """One row per team (largest disagreement first) and a TOTAL row last."""
    led = ledger.set_index(ledger["team"].astype(str))
    st = stretch.set_index(stretch["team"].astype(str))
    rows = []
    r: Any  # a row of `totals`: the stubs cannot know its fields' types
    for r in totals.itertuples(index=False):
        rows.append(_diff_row(r.team, int(r.system_plan_minor), int(r.target_minor), led, st))
    rows.sort(key=lambda row: -abs(row["difference"]))
    rows.append(
        _diff_row(
            "TOTAL",
            int(totals["system_plan_minor"].sum()),
            int(totals["target_minor"].sum()),
            led,
            st,
        )
    )
    for row in rows:
        row["cur"] = components.row_currency(currency)
    return rows


def _diff_row(
    team: str, system_minor: int, target_minor: int, led: pd.DataFrame, st: pd.DataFrame
) -> dict[str, Any]:
    diff_minor = target_minor - system_minor
    # One cell each: the stubs type a `.loc` cell as any scalar, whatever the column holds.
    growth: Any = st.loc[team, "growth_vs_last_year"] if team in st.index else None
    prob: Any = st.loc[team, "probability_reach"] if team in st.index else None
    claim: Any = led.loc[team, "claim"] if team in led.index else None
    assignment: Any = led.loc[team, "assignment"] if team in led.index else None
    return {
        "team": team,
        "system_plan": system_minor / 100,
        "target": target_minor / 100,
        "difference": diff_minor / 100,
        "difference_pct": (100.0 * diff_minor / system_minor) if system_minor else None,
        "claim": float(claim) if team in led.index else None,
        "assignment": float(assignment) if team in led.index else None,
        "probability": None if prob is None or pd.isna(prob) else float(prob),
        "growth_pct": None if growth is None or pd.isna(growth) else 100.0 * float(growth),
    }


def period_frame(negotiated: pd.DataFrame, series: pd.DataFrame, team: str | None) -> pd.DataFrame:
    """Per series-period: system plan, target and the baseline with its interval columns."""
    bands = [c for c in series.columns if c.startswith("baseline")]
    frame = negotiated[["unique_id", "ds", "team", "system_plan", "target"]].merge(
        series[["unique_id", "ds", *bands]], on=["unique_id", "ds"], how="left"
    )
    if team and team != ALL_TEAMS:
        frame = frame[frame["team"].astype(str) == team]
    return frame


# -- callbacks --------------------------------------------------------------------------------


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    from forecast.services import negotiation

    @app.callback(
        Output(ids.SBS_TOTALS, "children"),
        Output(ids.SBS_TEAM_BARS, "figure"),
        Output(ids.SBS_DIFF_GRID, "rowData"),
        Output(ids.SBS_STRETCH, "figure"),
        Output(ids.SBS_TEAM_PICK, "options"),
        Output(ids.SBS_ALERT, "children"),
        Input(ids.NAV_SESSION, "data"),
    )
    def render(session: dict | None) -> tuple:
        plan_id = (session or {}).get("plan_id")
        if not plan_id:
            return [], no_update, [], no_update, no_update, components.need_plan_notice()
        summary = negotiation.summary(ctx.store, plan_id)
        if summary.get("goal") is None:
            empty = figures.empty_figure(
                "No negotiated plan yet: set a goal on the Negotiation page"
            )
            return (
                [],
                empty,
                [],
                empty,
                [],
                components.info_alert(
                    "No negotiated plan yet: the owner sets a goal on the Negotiation page."
                ),
            )
        negotiated = negotiation.negotiated_plan(ctx.store, plan_id)
        ledger = negotiation.ledger(ctx.store, plan_id)
        stretch = negotiation.stretch(ctx.store, plan_id)
        totals = team_totals(negotiated)
        cur = summary.get("currency")
        rows = difference_rows(totals, ledger, stretch, cur)
        total = rows[-1]
        worst = rows[0] if len(rows) > 1 else total
        cards = [
            dbc.Col(
                components.stat_card(
                    figures.SYSTEM_LABEL,
                    components.money(total["system_plan"], decimals=2, currency=cur),
                    colour=figures.SYSTEM_COLOUR,
                ),
                md=3,
                id="sbs-system-total",
            ),
            dbc.Col(
                components.stat_card(
                    figures.NEGOTIATED_LABEL,
                    components.money(total["target"], decimals=2, currency=cur),
                    colour=figures.NEGOTIATED_COLOUR,
                    sub=f"stage: {summary['stage']}",
                ),
                md=3,
                id="sbs-negotiated-total",
            ),
            dbc.Col(
                components.stat_card(
                    "People ask for",
                    ("+" if total["difference"] >= 0 else "")
                    + components.money(total["difference"], currency=cur),
                    sub=(
                        "–"
                        if total["difference_pct"] is None
                        else f"{total['difference_pct']:+.1f} % over the system plan"
                    ),
                ),
                md=3,
                id="sbs-difference",
            ),
            dbc.Col(
                components.stat_card(
                    "Largest disagreement",
                    f"team {worst['team']}",
                    sub=f"{'+' if worst['difference'] >= 0 else ''}{components.money(worst['difference'], currency=cur)}"
                    + (
                        ""
                        if worst["probability"] is None
                        else f", {worst['probability'] * 100:.0f} % chance to reach"
                    ),
                ),
                md=3,
                id="sbs-worst",
            ),
        ]
        st = stretch.rename(
            columns={"probability_reach": "probability", "growth_vs_last_year": "growth"}
        )
        return (
            cards,
            figures.in_currency(figures.team_bars(totals, title="Per team"), cur),
            rows,
            figures.stretch_chart(
                st[["team", "probability", "growth"]], title=components.stretch_basis(stretch)
            ),
            [{"label": "All teams", "value": ALL_TEAMS}] + components.options(totals["team"]),
            None,
        )

    @app.callback(
        Output(ids.SBS_TEAM_PICK, "value"),
        Input(ids.SBS_TEAM_BARS, "clickData"),
        prevent_initial_call=True,
    )
    def drill(click: dict | None) -> Any:
        if not click or not click.get("points"):
            return no_update
        return str(click["points"][0]["x"])

    @app.callback(
        Output(ids.SBS_PERIOD_LINES, "figure"),
        Input(ids.SBS_TEAM_PICK, "value"),
        Input(ids.NAV_SESSION, "data"),
    )
    def periods(team: str | None, session: dict | None) -> Any:
        plan_id = (session or {}).get("plan_id")
        if not plan_id:
            return figures.empty_figure("Pick a plan")
        summary = negotiation.summary(ctx.store, plan_id)
        if summary.get("goal") is None:
            return figures.empty_figure("No negotiated plan yet")
        frame = period_frame(
            negotiation.negotiated_plan(ctx.store, plan_id),
            negotiation.series_frame(ctx.store, plan_id),
            team,
        )
        title = (
            "Per period, all teams" if not team or team == ALL_TEAMS else f"Per period, team {team}"
        )
        return figures.in_currency(
            figures.period_lines(frame, title=title), summary.get("currency")
        )
