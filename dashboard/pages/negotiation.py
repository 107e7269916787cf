"""Page 3, Negotiation: the owner sets a goal, team leads claim parts of the gap, the owner
closes the round, assigns the unclaimed remainder by a recorded rule, rebases when the system
plan moved, and locks. The parts live in `dashboard.negotiation_parts`; this module lays them out
and binds the render."""

from __future__ import annotations

import functools
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Dash, Input, State, dcc, html

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import claims, decisions, goal, live, view
from forecast.services.negotiation_board import negotiation_board

PATH = "/negotiation"
NAME = "Negotiation"

HOW_TO_READ = (
    "the waterfall walks from the basis (the system's number) through each team's voluntary "
    "claim and the assigned remainder to the goal; orange bars are what people added, "
    "'Still open' is what nobody has taken yet; claims over the gap kept when the round closed "
    "show after the goal, so the bars end at the targets' total (goal + kept). On each team's "
    "card, the probability says how "
    "likely actuals reach the team's target, judged by how far this engine's forecasts of team "
    "totals missed over past windows of the plan's own history (the note under the cards says how "
    "many), around the system plan with its events at their stated size: low means a hope, not a "
    "plan. Once every period of a team has its actuals, its card shows what they came to in "
    "place of the probability: 'Target: reached' or 'Target: missed by' how much, with the "
    "actuals' total. When the system plan moves after the goal (a new event, "
    "factor or baseline), the drift shows per team until the owner rebases."
)

# kept for callers of the page's helpers
parse_goal = goal.parse_goal
goal_message = goal.goal_message
ledger_columns = view.ledger_columns


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            dcc.Store(id=ids.NEG_REFRESH, data=0),
            dcc.Store(id=ids.NEG_PLANS_CHANGED, data=0),
            dcc.Store(id=ids.NEG_VERSION),
            dcc.Store(id=ids.NEG_KEPT_TYPING),
            dcc.Store(id=ids.NEG_KEPT_MANUAL),
            dcc.Store(id=ids.NEG_CLAIM_CLICKED),
            html.Div(id=ids.NEG_ALERT),
            live.changes_box(),
            html.Div(id=ids.NEG_STAGE, className="mb-2"),
            decisions.rebase_box(),
            dbc.Row(id=ids.NEG_CARDS, className="g-2 mb-3"),
            dbc.Row(
                [
                    dbc.Col(goal.goal_card(), lg=4),
                    dbc.Col(_waterfall(), lg=8),
                ],
                className="g-3",
            ),
            html.H2("2 · Claims board (team leads)", className="h4 mt-4"),
            html.P(
                "Each lead claims part of the gap for their own team, with a note on how. "
                "Amounts are in currency; the share compares the claim with the team's own basis.",
                className="small text-muted",
            ),
            dbc.Row(id=ids.NEG_BOARD, className="g-3"),
            dbc.Row(
                [
                    dbc.Col(decisions.close_card(), lg=4),
                    dbc.Col(decisions.assign_card(), lg=4),
                    dbc.Col(decisions.lock_card(), lg=4),
                ],
                className="g-3 mt-3",
            ),
            html.H2("Ledger", className="h4 mt-4"),
            html.P(
                "Per team: basis + claim + assignment = target; once the remainder is assigned, "
                "the TOTAL row adds up to the goal to the cent (until then it falls short by "
                "what is still open, or exceeds it while the claims exceed the gap). The system plan is the current one. The basis is what the "
                "goal was set against (the baseline or the system plan, as chosen with the goal) "
                "when it was taken; the drift is how far that number has moved since, until the "
                "owner rebases. With the baseline as basis, events move the system plan, not the "
                "basis.",
                className="small text-muted",
            ),
            dag.AgGrid(
                id=ids.NEG_LEDGER,
                rowData=[],
                columnDefs=view.ledger_columns(),
                defaultColDef={"resizable": True, "sortable": True},
                getRowId="params.data.team",
                dashGridOptions={
                    **components.GRID_ONE_TAB_STOP,
                    "domLayout": "autoHeight",
                    "suppressColumnVirtualisation": True,
                },
                className="ag-theme-alpine",
            ),
        ]
    )


def _waterfall() -> html.Figure:
    return components.described_chart(
        "From the baseline to the goal",
        dcc.Graph(
            id=ids.NEG_WATERFALL,
            figure=figures.empty_figure("Set a goal to see the gap"),
            style={"height": "380px"},
        ),
        loading=True,
    )


def render(
    ctx: DashboardContext,
    session: dict | None,
    _refresh: int | None,
    rule: str | None,
    kept: dict | None = None,
    kept_manual: dict | None = None,
):
    """The page for the session's plan and user: one service call, one pure builder. `kept`:
    what a lead typed in a claim that was refused, shown again in their team's boxes;
    `kept_manual`: the owner's manual assignment that was refused, alike."""
    plan_id = (session or {}).get("plan_id")
    if not plan_id:
        return view.no_plan()
    board = negotiation_board(ctx.store, plan_id, components.acting_user(session))
    return view.outputs(board, rule, kept, kept_manual)


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    app.callback(
        *view.RENDER_OUTPUTS,
        Input(ids.NAV_SESSION, "data"),
        Input(ids.NEG_REFRESH, "data"),
        Input(ids.NEG_RULE, "value"),
        State(ids.NEG_KEPT_TYPING, "data"),
        State(ids.NEG_KEPT_MANUAL, "data"),
    )(functools.partial(render, ctx))
    goal.register(app, ctx)
    live.register(app, ctx)
    claims.register(app, ctx)
    decisions.register(app, ctx)
