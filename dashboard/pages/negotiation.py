"""Page 3, Negotiation: the owner sets a goal, team leads claim parts of the gap, the owner
closes the round, assigns the unclaimed remainder by a recorded rule, and locks."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypedDict

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from dashboard.pages import negotiation_periods as periods

PATH = "/negotiation"
NAME = "Negotiation"

HOW_TO_READ = (
    "the waterfall walks from the basis (the system's number) through each team's voluntary "
    "claim and the assigned remainder to the goal; orange bars are what people added, "
    "'Still open' is what nobody has taken yet. On each team's card, the probability says how "
    "likely actuals reach the team's target, judged by how far this engine's forecasts of team "
    "totals missed over past windows of the plan's own history (the note under the cards says how "
    "many): low means a hope, not a plan."
)

STAGES = ("draft", "claiming", "assigning", "agreed")
RULES = {
    "pro_rata_baseline": "pro rata to baseline",
    "even": "even split",
    "pro_rata_claims": "pro rata to claims",
    "manual": "manual amounts",
}


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    goal_card = dbc.Card(
        dbc.CardBody(
            [
                html.H5("1 · Goal (owner)", className="card-title"),
                dbc.Label(
                    "Goal for the horizon: an amount, or a ratio of the basis such as 10/6.5"
                ),
                dbc.Input(id=ids.NEG_GOAL, placeholder="e.g. 1,500,000 or 10/6.5"),
                dbc.RadioItems(
                    id=ids.NEG_GOAL_BASIS,
                    options=[
                        {"label": "gap against the baseline", "value": "baseline"},
                        {"label": "gap against the system plan", "value": "system_plan"},
                    ],
                    value="baseline",
                    inline=True,
                    className="mt-2 small",
                ),
                periods.split_control(),
                dbc.Button("Set goal", id=ids.NEG_SET_GOAL, color="primary", className="mt-2"),
                html.Div(id=ids.NEG_ROLE_OWNER),
            ]
        ),
        className="h-100",
    )
    close_card = dbc.Card(
        dbc.CardBody(
            [
                html.H5("3 · Close the round (owner)", className="card-title"),
                dbc.Label("If the claims exceed the gap"),
                dbc.RadioItems(
                    id=ids.NEG_OVERSUB,
                    options=[
                        {"label": "keep them (plan above goal)", "value": "keep"},
                        {"label": "scale them down pro rata", "value": "scale"},
                    ],
                    value="keep",
                    className="small",
                ),
                dbc.Button("Close round", id=ids.NEG_CLOSE, color="secondary", className="mt-2"),
                dbc.Button(
                    "Reopen round",
                    id=ids.NEG_REOPEN,
                    color="link",
                    size="sm",
                    className="mt-2 ms-2",
                    title="back to claiming: drops the assignment, restores scaled claims",
                ),
            ]
        ),
        className="h-100",
    )
    assign_card = dbc.Card(
        dbc.CardBody(
            [
                html.H5("4 · Assign the remainder (owner)", className="card-title"),
                dbc.Label("Rule"),
                dcc.Dropdown(
                    id=ids.NEG_RULE,
                    options=[{"label": label, "value": rule} for rule, label in RULES.items()],
                    value="pro_rata_baseline",
                    clearable=False,
                ),
                dbc.Label("Exclude teams", className="mt-2"),
                dcc.Dropdown(id=ids.NEG_EXCLUDE, multi=True, placeholder="none"),
                html.Div(id=ids.NEG_MANUAL, className="mt-2"),
                dbc.Button("Assign", id=ids.NEG_ASSIGN, color="secondary", className="mt-2"),
            ]
        ),
        className="h-100",
    )
    lock_card = dbc.Card(
        dbc.CardBody(
            [
                html.H5("5 · Agree (owner)", className="card-title"),
                html.P(
                    "Locks the plan: targets, claims and assignments become final and exportable.",
                    className="small text-muted",
                ),
                dbc.Button("Lock the agreed plan", id=ids.NEG_LOCK, color="success"),
            ]
        ),
        className="h-100",
    )
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            dcc.Store(id=ids.NEG_REFRESH, data=0),
            dcc.Store(id=ids.NEG_VERSION),
            html.Div(id=ids.NEG_ALERT),
            html.Div(id=ids.NEG_STAGE, className="mb-3"),
            dbc.Row(id=ids.NEG_CARDS, className="g-2 mb-3"),
            dbc.Row(
                [
                    dbc.Col(goal_card, lg=4),
                    dbc.Col(
                        dcc.Loading(
                            dcc.Graph(
                                id=ids.NEG_WATERFALL,
                                figure=figures.empty_figure("Set a goal to see the gap"),
                                style={"height": "380px"},
                            ),
                            type="dot",
                        ),
                        lg=8,
                    ),
                ],
                className="g-3",
            ),
            html.H4("2 · Claims board (team leads)", className="mt-4"),
            html.P(
                "Each lead claims part of the gap for their own team, with a note on how. "
                "Amounts are in currency; the share compares the claim with the team's own basis.",
                className="small text-muted",
            ),
            dbc.Row(id=ids.NEG_BOARD, className="g-3"),
            dbc.Row(
                [dbc.Col(close_card, lg=4), dbc.Col(assign_card, lg=4), dbc.Col(lock_card, lg=4)],
                className="g-3 mt-3",
            ),
            html.H4("Ledger", className="mt-4"),
            html.P(
                "Per team: basis + claim + assignment = target; the TOTAL row adds up to the goal "
                "to the cent.",
                className="small text-muted",
            ),
            dag.AgGrid(
                id=ids.NEG_LEDGER,
                rowData=[],
                columnDefs=ledger_columns(),
                defaultColDef={"resizable": True, "sortable": True},
                getRowId="params.data.team",
                dashGridOptions={"domLayout": "autoHeight", "suppressColumnVirtualisation": True},
                className="ag-theme-alpine",
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def ledger_columns() -> list[dict[str, Any]]:
    money = components.grid_money(2)
    pct = {"function": "params.value == null ? '' : d3.format('+.1f')(params.value) + ' %'"}
    return [
        {"field": "team", "width": 100, "pinned": "left"},
        {"field": "basis", "valueFormatter": money, "type": "numericColumn"},
        {"field": "claim", "valueFormatter": money, "type": "numericColumn"},
        {"field": "assignment", "valueFormatter": money, "type": "numericColumn"},
        {"field": "target", "valueFormatter": money, "type": "numericColumn"},
        {"field": "claim_pct_of_basis", "headerName": "Claim / basis", "valueFormatter": pct},
        {"field": "target_vs_basis_pct", "headerName": "Target vs basis", "valueFormatter": pct},
        {"field": "note", "flex": 2},
        {"field": "claimed_by", "headerName": "Claimed by"},
    ]


class GoalArgs(TypedDict, total=False):
    """A typed goal, as `negotiation.set_goal` takes it: a total or a ratio of the basis."""

    total: str
    ratio: str


def parse_goal(text: str | None) -> GoalArgs:
    """`"10/6.5"` or `"1.5x"` -> ratio; anything else is a total as typed ("$720,000,000",
    "720.000.000 €"), read by the service in the plan's currency (``forecast.money``)."""
    raw = (text or "").strip()
    if not raw:
        return {}
    if "/" in raw or raw.lower().endswith("x"):
        return {"ratio": raw.replace(" ", "").rstrip("xX")}
    return {"total": raw}


def goal_message(goal_minor: int, basis_minor: int, currency: str | None = "EUR") -> str:
    """What the owner sees after setting the goal; a goal far below the basis is most likely a
    ratio typed without its `x`, so the message says how to type one."""
    shown = components.minor_to_money(goal_minor, currency=currency)
    message = f"Goal set to {shown}; the claiming round is open."
    if basis_minor > 0 and goal_minor < basis_minor * 0.1:
        message += (
            f" That is {components.percent(goal_minor / basis_minor, 1)} of the basis: for a ratio of the basis, "
            "type it as 1.2x or 10/6.5."
        )
    return message


def _rows(frame: pd.DataFrame) -> Iterable[Any]:
    """`frame.itertuples()`: the fields are the frame's columns, which the stubs cannot type."""
    return frame.itertuples()


def ledger_rows(ledger: pd.DataFrame, currency: str | None = "EUR") -> list[dict[Hashable, Any]]:
    cols = [c["field"] for c in ledger_columns()]
    frame = ledger[[c for c in cols if c in ledger.columns]].copy()
    frame = frame.astype(object).where(frame.notna(), None)
    frame["cur"] = components.row_currency(currency)
    return frame.to_dict("records")


def waterfall_inputs(summary: dict[str, Any], ledger: pd.DataFrame) -> dict[str, Any]:
    teams = ledger[ledger["team"] != "TOTAL"]
    claims = {str(r.team): float(r.claim) for r in _rows(teams) if float(r.claim) != 0}
    assigned = {str(r.team): float(r.assignment) for r in _rows(teams) if float(r.assignment) != 0}
    return {
        "basis_total": summary["basis_total"] / 100,
        "claims": claims,
        "assigned": assigned,
        "goal": summary["goal"] / 100,
        "basis_label": "Baseline" if summary.get("basis") == "baseline" else "System plan",
    }


def leads_by_team(state: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for user, member in state.members.items():
        if "lead" in member.roles and member.team:
            out.setdefault(str(member.team), []).append(user)
    return out


def stage_bar(stage: str) -> html.Div:
    items = []
    for i, name in enumerate(STAGES):
        active = name == stage
        done = STAGES.index(stage) > i if stage in STAGES else False
        items.append(
            dbc.Badge(
                f"{i + 1}. {name}",
                color="primary" if active else ("success" if done else "light"),
                text_color=None if (active or done) else "dark",
                className="me-1 p-2",
            )
        )
    return html.Div(
        [html.Span("Stage: ", className="me-2 small text-muted"), *items], id="neg-stage-bar"
    )


def team_card(
    team: str,
    row: dict[Hashable, Any] | None,
    probability: float | None,
    leads: list[str],
    user: str | None,
    user_team: str | None,
    is_lead: bool,
    open_round: bool,
    currency: str | None = "EUR",
) -> dbc.Col:
    claim = (row or {}).get("claim") or 0.0
    basis = (row or {}).get("basis") or 0.0
    share = (row or {}).get("claim_pct_of_basis")
    allowed = is_lead and user_team == team and open_round
    if not open_round:
        why = "The claiming round is not open."
    elif not is_lead or user_team != team:
        names = ", ".join(leads) or "nobody yet (the owner grants the lead role)"
        why = f"Only the lead of team {team} claims for it ({names}); you are {user or 'nobody'}."
    else:
        why = ""
    prob_text = "–" if probability is None else f"{probability * 100:.0f} %"
    body = [
        html.Div(
            [
                html.H5(f"Team {team}", className="mb-0"),
                html.Small("lead: " + (", ".join(leads) or "none"), className="text-muted"),
            ],
            className="d-flex justify-content-between align-items-baseline",
        ),
        html.Div(
            [
                html.Span(f"basis {components.money(basis, currency=currency)} · "),
                html.Span(
                    f"claim {components.money(claim, currency=currency)}",
                    className="fw-semibold",
                    style={"color": figures.NEGOTIATED_COLOUR},
                ),
                html.Span(" · " + ("–" if share is None else f"{share:+.1f} % of own basis")),
            ],
            className="small mt-1",
        ),
        html.Div(
            [
                html.Span("Probability to reach the target: "),
                html.Strong(prob_text, id={"type": "neg-prob", "team": team}),
            ],
            className="small",
        ),
        dbc.Input(
            id=ids.team_widget(ids.NEG_CLAIM_AMOUNT, team),
            placeholder="claim amount, e.g. 25000",
            value=None if not claim else f"{claim:.2f}",
            className="mt-2",
            disabled=not allowed,
        ),
        dbc.Input(
            id=ids.team_widget(ids.NEG_CLAIM_NOTE, team),
            placeholder="how: the initiative behind it",
            value=(row or {}).get("note") or None,
            className="mt-1",
            disabled=not allowed,
        ),
        html.Div(
            [
                dbc.Button(
                    "Save claim",
                    id=ids.team_widget(ids.NEG_CLAIM_SAVE, team),
                    size="sm",
                    color="primary",
                    disabled=not allowed,
                ),
                dbc.Button(
                    "Withdraw",
                    id=ids.team_widget(ids.NEG_CLAIM_WITHDRAW, team),
                    size="sm",
                    color="link",
                    disabled=not allowed or not claim,
                ),
            ],
            className="d-flex gap-2 mt-2",
        ),
        components.role_note(not why, why),
    ]
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(body),
            style={"borderTop": f"4px solid {figures.NEGOTIATED_COLOUR}"},
            className="h-100",
        ),
        md=6,
        lg=4,
    )


# -- callbacks --------------------------------------------------------------------------------


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    from forecast.services import negotiation
    from forecast.services import plans as plan_service

    @app.callback(
        Output(ids.NEG_STAGE, "children"),
        Output(ids.NEG_CARDS, "children"),
        Output(ids.NEG_WATERFALL, "figure"),
        Output(ids.NEG_BOARD, "children"),
        Output(ids.NEG_LEDGER, "rowData"),
        Output(ids.NEG_VERSION, "data"),
        Output(ids.NEG_EXCLUDE, "options"),
        Output(ids.NEG_MANUAL, "children"),
        Output(ids.NEG_ROLE_OWNER, "children"),
        Output(ids.NEG_SET_GOAL, "disabled"),
        Output(ids.NEG_CLOSE, "disabled"),
        Output(ids.NEG_ASSIGN, "disabled"),
        Output(ids.NEG_LOCK, "disabled"),
        Output(ids.NEG_REOPEN, "disabled"),
        Output(ids.NEG_GOAL_BASIS, "value"),
        Input(ids.NAV_SESSION, "data"),
        Input(ids.NEG_REFRESH, "data"),
        Input(ids.NEG_RULE, "value"),
    )
    def render(session: dict | None, _refresh: int | None, rule: str | None) -> tuple:
        plan_id = (session or {}).get("plan_id")
        user = components.acting_user(session)
        if not plan_id:
            return (components.need_plan_notice(),) + (no_update,) * 14
        state = plan_service.get_plan(ctx.store, plan_id)
        summary = negotiation.summary(ctx.store, plan_id)
        stage = summary.get("stage", "draft")
        is_owner = bool(user and state.has_role(user, "owner"))
        is_lead = bool(user and state.has_role(user, "lead"))
        frames_teams = sorted(
            plan_service.teams_of(
                plan_service.load_frames(ctx.store, plan_id).attributes, state.team_attr
            ).unique()
        )
        leads = leads_by_team(state)
        if summary.get("goal") is None:
            ledger = None
            probs: dict[str, float] = {}
            stretch_basis = ""
            cards = [
                dbc.Col(
                    components.info_alert(
                        "No goal yet: the owner sets it below to open the claiming round."
                    ),
                    md=12,
                )
            ]
            fig = figures.empty_figure("Set a goal to see the gap")
            rows: list[dict] = []
        else:
            ledger = negotiation.ledger(ctx.store, plan_id)
            stretch = negotiation.stretch(ctx.store, plan_id)
            probs = {str(r.team): float(r.probability_reach) for r in _rows(stretch)}
            stretch_basis = components.stretch_basis(stretch)
            w = waterfall_inputs(summary, ledger)
            fig = figures.gap_waterfall(
                w["basis_total"],
                w["claims"],
                w["assigned"],
                w["goal"],
                basis_label=w["basis_label"],
            )
            fig = figures.in_currency(fig, state.currency)
            rows = ledger_rows(ledger, state.currency)
            cards = [
                dbc.Col(
                    components.stat_card(
                        w["basis_label"],
                        components.money(w["basis_total"], currency=state.currency),
                        colour=figures.SYSTEM_COLOUR
                        if w["basis_label"] == "System plan"
                        else figures.BASELINE_COLOUR,
                    ),
                    md=2,
                ),
                dbc.Col(
                    components.stat_card(
                        "Goal",
                        components.money(w["goal"], currency=state.currency),
                        colour=figures.GOAL_COLOUR,
                    ),
                    md=2,
                    id="neg-goal-card",
                ),
                dbc.Col(
                    components.stat_card(
                        "Gap", components.money(summary["gap"] / 100, currency=state.currency)
                    ),
                    md=2,
                    id="neg-gap-card",
                ),
                dbc.Col(
                    components.stat_card(
                        "Claimed",
                        components.money(summary["claimed"] / 100, currency=state.currency),
                        colour=figures.NEGOTIATED_COLOUR,
                    ),
                    md=2,
                    id="neg-claimed-card",
                ),
                dbc.Col(
                    components.stat_card(
                        "Assigned",
                        components.money(summary["assigned"] / 100, currency=state.currency),
                    ),
                    md=2,
                ),
                dbc.Col(
                    components.stat_card(
                        "Still open",
                        components.money(summary["open_remainder"] / 100, currency=state.currency),
                        sub=(
                            f"rule: {RULES.get(summary['rule'], summary['rule'])}"
                            if summary.get("rule")
                            else None
                        ),
                    ),
                    md=2,
                    id="neg-open-card",
                ),
            ]
        by_team = {} if ledger is None else {str(r["team"]): r for r in ledger.to_dict("records")}
        board = [
            team_card(
                team,
                by_team.get(team),
                probs.get(team),
                leads.get(team, []),
                user,
                state.team_of(user) if user else None,
                is_lead,
                stage == "claiming",
                currency=state.currency,
            )
            for team in frames_teams
        ]
        if stretch_basis:
            board.append(
                dbc.Col(
                    html.P(stretch_basis, className="small text-muted"),
                    md=12,
                    id="neg-stretch-basis",
                )
            )
        manual = None
        if rule == "manual":
            manual = [
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(f"Team {team}"),
                        dbc.Input(
                            id=ids.team_widget(ids.NEG_MANUAL_AMOUNT, team), placeholder="amount"
                        ),
                    ],
                    size="sm",
                    className="mb-1",
                )
                for team in frames_teams
            ]
        owner_note = components.role_note(
            is_owner and stage != "agreed",
            f"{user or 'nobody'} cannot set the goal, close, assign or lock: "
            + (
                "the plan is agreed."
                if stage == "agreed"
                else "those are the plan owner's decisions."
            ),
        )
        return (
            stage_bar(stage),
            cards,
            fig,
            board,
            rows,
            state.version,
            components.options(frames_teams),
            manual,
            owner_note,
            not is_owner or stage not in ("draft", "claiming"),
            not is_owner or stage != "claiming",
            not is_owner or stage != "assigning",
            not is_owner or stage != "assigning",
            not is_owner or stage != "assigning",
            summary.get("basis") or "baseline",
        )

    periods.register_callbacks(app, ctx)

    def _done(message: str, refresh: int | None) -> tuple:
        return components.success_alert(message), (refresh or 0) + 1

    def _refused(alert: Any, refresh: int | None) -> tuple:
        return html.Div(alert, className="neg-refused"), (refresh or 0) + 1

    @app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Input(ids.NEG_SET_GOAL, "n_clicks"),
        State(ids.NEG_GOAL, "value"),
        State(ids.NEG_GOAL_BASIS, "value"),
        State(ids.NEG_SPLIT, "value"),
        State(ids.NEG_PERIOD_GRID, "rowData"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def set_goal(n, goal, basis, split, period_rows, session, version, refresh) -> tuple:
        if not n:
            return no_update, no_update
        amount: dict[str, Any] = dict(parse_goal(goal))
        if split and period_rows:
            amount = {"per_period": periods.per_period_goals(period_rows)}
        if not amount:
            return components.info_alert(
                "Type a goal: an amount such as 1500000, or a ratio such as 10/6.5."
            ), no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        state, alert = components.call_service(
            lambda: negotiation.set_goal(
                ctx.store, plan_id, user or "", basis=basis, expected_version=version, **amount
            )
        )
        if alert is not None:
            return _refused(alert, refresh)
        summary = negotiation.summary(ctx.store, plan_id)
        return _done(
            goal_message(summary["goal"], summary["basis_total"], summary.get("currency")), refresh
        )

    @app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Input(ids.team_widget(ids.NEG_CLAIM_SAVE, ALL), "n_clicks"),
        Input(ids.team_widget(ids.NEG_CLAIM_WITHDRAW, ALL), "n_clicks"),
        State(ids.team_widget(ids.NEG_CLAIM_AMOUNT, ALL), "value"),
        State(ids.team_widget(ids.NEG_CLAIM_NOTE, ALL), "value"),
        State(ids.team_widget(ids.NEG_CLAIM_AMOUNT, ALL), "id"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def claim(saves, withdraws, amounts, notes, widget_ids, session, version, refresh) -> tuple:
        trigger = callback_ctx.triggered_id
        if not trigger or not callback_ctx.triggered or not callback_ctx.triggered[0].get("value"):
            return no_update, no_update  # cards re-rendered, no click
        team = trigger["team"]
        plan_id, user = components.action_plan(session), components.acting_user(session)
        index = [w["team"] for w in widget_ids].index(team)
        if trigger["type"] == ids.NEG_CLAIM_WITHDRAW:
            _, alert = components.call_service(
                lambda: negotiation.unclaim(
                    ctx.store, plan_id, user or "", team, expected_version=version
                )
            )
            return (
                _refused(alert, refresh)
                if alert
                else _done(f"Claim of team {team} withdrawn.", refresh)
            )
        amount = (amounts[index] or "").strip()  # the service reads symbol and separators
        if not amount:
            return components.info_alert(f"Type the amount team {team} claims."), no_update
        percent = amount.endswith("%")
        _, alert = components.call_service(
            lambda: negotiation.claim(
                ctx.store,
                plan_id,
                user or "",
                team,
                amount=None if percent else amount,
                percent=amount.rstrip("%") if percent else None,
                note=notes[index] or "",
                expected_version=version,
            )
        )
        if alert is not None:
            return _refused(alert, refresh)
        return _done(f"Claim of team {team} saved.", refresh)

    @app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Input(ids.NEG_CLOSE, "n_clicks"),
        State(ids.NEG_OVERSUB, "value"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def close_round(n, policy, session, version, refresh) -> tuple:
        if not n:
            return no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        _, alert = components.call_service(
            lambda: negotiation.close_round(
                ctx.store, plan_id, user or "", oversubscribed=policy, expected_version=version
            )
        )
        return (
            _refused(alert, refresh)
            if alert
            else _done("The claiming round is closed; assign the remainder.", refresh)
        )

    @app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Input(ids.NEG_REOPEN, "n_clicks"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def reopen_round(n, session, version, refresh) -> tuple:
        if not n:
            return no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        _, alert = components.call_service(
            lambda: negotiation.reopen_round(
                ctx.store, plan_id, user or "", expected_version=version
            )
        )
        return (
            _refused(alert, refresh)
            if alert
            else _done("The claiming round is open again; the assignment was dropped.", refresh)
        )

    @app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Input(ids.NEG_ASSIGN, "n_clicks"),
        State(ids.NEG_RULE, "value"),
        State(ids.NEG_EXCLUDE, "value"),
        State(ids.team_widget(ids.NEG_MANUAL_AMOUNT, ALL), "value"),
        State(ids.team_widget(ids.NEG_MANUAL_AMOUNT, ALL), "id"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def assign(n, rule, exclude, manual_values, manual_ids, session, version, refresh) -> tuple:
        if not n:
            return no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        manual = None
        if rule == "manual":
            manual = {
                w["team"]: (v or "0").strip()
                for w, v in zip(manual_ids or [], manual_values or [], strict=False)
            }
        _, alert = components.call_service(
            lambda: negotiation.assign(
                ctx.store,
                plan_id,
                user or "",
                rule,
                manual=manual,
                exclude=exclude or (),
                expected_version=version,
            )
        )
        return (
            _refused(alert, refresh)
            if alert
            else _done(f"Remainder assigned ({RULES.get(rule, rule)}).", refresh)
        )

    @app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Output(ids.NAV_PLANS_CHANGED, "data", allow_duplicate=True),
        Input(ids.NEG_LOCK, "n_clicks"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        State(ids.NAV_PLANS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def lock(n, session, version, refresh, changed) -> tuple:
        if not n:
            return no_update, no_update, no_update
        plan_id, user = components.action_plan(session), components.acting_user(session)
        _, alert = components.call_service(
            lambda: negotiation.lock(ctx.store, plan_id, user or "", expected_version=version)
        )
        if alert is not None:
            return (*_refused(alert, refresh), no_update)
        return (
            *_done("The plan is agreed and locked. Export it on the Plans page.", refresh),
            (changed or 0) + 1,
        )
