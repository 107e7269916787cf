"""The Negotiation page as the render shows it, built from the service's `NegotiationBoard`
(pure: no service call here, so tests build it from a board directly)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Output, html, no_update
from plotly import graph_objects as go

from dashboard import components, figures, ids
from dashboard.negotiation_parts.claims import team_card
from forecast.services import money as fmt
from forecast.services.negotiation import basis_label
from forecast.services.negotiation_board import NegotiationBoard, WaterfallSteps

STAGES = ("draft", "claiming", "assigning", "agreed")

# what the render writes, in the order `outputs` returns it
RENDER_OUTPUTS = (
    Output(ids.NEG_STAGE, "children"),
    Output(ids.NEG_DRIFT, "children"),
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
    Output(ids.NEG_REBASE, "disabled"),
    Output(ids.NEG_GOAL_BASIS, "value"),
    Output(ids.NEG_REBASE, "color"),
    Output(ids.NEG_REBASE, "outline"),
)


def no_plan() -> tuple:
    return (components.need_plan_notice(),) + (no_update,) * (len(RENDER_OUTPUTS) - 1)


def outputs(
    board: NegotiationBoard, rule: str | None, kept: Any = None, kept_manual: Any = None
) -> tuple:
    """Everything the render writes, from one board (`kept`: a refused claim's typing,
    `claims.kept_typing`, shown again in its team's boxes; `kept_manual`: a refused manual
    assignment's, `decisions.kept_manual`)."""
    actions = board.actions
    return (
        stage_bar(board.stage),
        drift_banner(board),
        stat_cards(board),
        waterfall(board.waterfall, board.currency, shown_decimals(board)),
        claims_board(board, kept),
        ledger_rows(board.ledger, board.currency),
        board.version,
        components.options(board.teams),
        manual_inputs(board.teams, manual_typing_for(board, kept_manual))
        if rule == "manual"
        else None,
        components.permission_note(actions.owner_decisions),
        not actions.set_goal.allowed,
        not actions.close_round.allowed,
        not actions.assign.allowed,
        not actions.lock.allowed,
        not actions.reopen_round.allowed,
        not actions.rebase.allowed,
        board.basis if board.has_goal else "baseline",
        *rebase_button_look(actions.rebase.allowed),
    )


def rebase_button_look(allowed: bool) -> tuple[str, bool]:
    """The Rebase button's colour and outline: a warning while there is drift to rebase, a
    grey outline when disabled (nothing moved, or not the owner), so it does not look active."""
    return ("warning", False) if allowed else ("secondary", True)


def stage_bar(stage: str) -> html.Div:
    items = []
    for i, name in enumerate(STAGES):
        active = name == stage
        done = STAGES.index(stage) > i if stage in STAGES else False
        # Not by colour alone: a tick marks the stages done, and screen readers hear which
        # stage is the current one.
        items.append(
            dbc.Badge(
                [
                    f"{'✓ ' if done else ''}{i + 1}. {name}",
                    html.Span(
                        ", current stage" if active else (", done" if done else ", to come"),
                        className="visually-hidden",
                    ),
                ],
                color="primary" if active else ("success" if done else "light"),
                text_color=None if (active or done) else "dark",
                className="me-1 p-2",
            )
        )
    return html.Div(
        [html.Span("Stage: ", className="me-2 small text-muted"), *items], id="neg-stage-bar"
    )


def drift_banner(board: NegotiationBoard) -> Any:
    """Says which basis the numbers rest on; a warning when the system plan moved since, and one
    when the goal is below the system plan."""
    if not board.has_goal:
        return None
    below = goal_below_alert(board)
    if not board.drifted_teams:
        basis = html.Small(f"Basis: {board.basis_status}.", className="text-muted")
        return basis if below is None else html.Div([below, basis])
    moved = dbc.Alert(
        [
            html.Strong("The basis moved: "),
            f"{board.basis_status}. ",
            "Per team: "
            + ", ".join(
                f"{c.team} {'+' if c.drift >= 0 else ''}"
                f"{components.minor_to_money(c.drift, currency=board.currency)}"
                for c in board.cards
                if c.drift
            )
            + ". The owner rebases to move the negotiation onto the current numbers.",
        ],
        color="warning",
        className="mb-0 py-2 small",
        id="neg-drift-alert",
    )
    return moved if below is None else html.Div([below, moved])


def goal_below_alert(board: NegotiationBoard) -> Any:
    """A warning when the goal asks for less than the current system plan."""
    short = board.goal_shortfall
    if not short:
        return None
    share = short / board.system_plan_total if board.system_plan_total else 0.0
    return dbc.Alert(
        [
            html.Strong("The goal is below the system plan: "),
            f"{components.minor_to_money(short, currency=board.currency)} "
            f"({components.percent(share, 1)}) under "
            f"{components.minor_to_money(board.system_plan_total, currency=board.currency)}. "
            "The targets ask for less than the system expects"
            + (
                "; the plan was agreed so."
                if board.stage == "agreed"
                else "; if that is not meant, set the goal again (a ratio is typed as 1.2x or 10/6.5)."
            ),
        ],
        color="warning",
        className="mb-2 py-2 small",
        id="neg-goal-below-alert",
    )


def stat_cards(board: NegotiationBoard) -> list:
    if not board.has_goal:
        return [
            dbc.Col(
                components.info_alert(
                    "No goal yet: the owner sets it below to open the claiming round."
                ),
                md=12,
            )
        ]
    label = basis_label(board.summary)
    colour = figures.BASELINE_COLOUR if board.basis == "baseline" else figures.SYSTEM_COLOUR
    decimals = shown_decimals(board)

    def money(minor: int) -> str:
        return components.minor_to_money(minor, decimals=decimals, currency=board.currency)

    def card(title: str, value: int, card_id: str | None = None, **kw: Any) -> dbc.Col:
        col = dbc.Col(
            components.stat_card(title, money(value), **kw), **components.STAT_CARD_WIDTHS
        )
        if card_id:
            col.id = card_id
        return col

    rule = f"rule: {board.rule_label}" if board.rule_label else None
    kept = None
    over = int(board.summary.get("oversubscribed_by") or 0)
    if over and not board.kept_over:
        kept = (
            f"claims exceed the gap by {money(over)}: closing the round keeps them (targets above "
            "the goal) or scales them down"
        )
    if board.kept_over:
        kept = f"targets exceed the goal by {money(board.kept_over)} (claims over the gap kept)" + (
            f"; {rule}" if rule else ""
        )
    targets = f"targets {money((board.goal or 0) + board.kept_over)}" if board.kept_over else None
    return [
        card(f"{label} (basis)", board.basis_total, colour=colour),
        card("Goal", board.goal or 0, "neg-goal-card", colour=figures.GOAL_COLOUR, sub=targets),
        card("Gap", board.gap, "neg-gap-card"),
        card("Claimed", board.claimed, "neg-claimed-card", colour=figures.NEGOTIATED_COLOUR),
        card("Assigned", board.assigned),
        card("Still open", board.open_remainder, "neg-open-card", sub=kept or rule),
    ]


def shown_decimals(board: NegotiationBoard) -> int:
    """The decimals of the stat cards and the waterfall: cents when any of their amounts has
    cents, so basis + gap reads as the goal and the claims as Claimed, to the cent."""
    over = int(board.summary.get("oversubscribed_by") or 0)
    amounts = [board.basis_total, board.goal or 0, board.gap, board.claimed, board.assigned]
    amounts += [board.open_remainder, board.kept_over, over]
    if board.waterfall is not None:
        amounts += [*board.waterfall.claims.values(), *board.waterfall.assigned.values()]
    return fmt.decimals_to_add_up(amounts, board.currency)


def claims_board(board: NegotiationBoard, kept: Any = None) -> list:
    """The team cards, then the note saying what their probabilities rest on. A refused claim's
    typing (`kept`, for this plan version) stays in its team's boxes."""
    typed = typing_for(board, kept)
    cards = [team_card(card, board.currency, typed.get(card.team)) for card in board.cards]
    if board.stretch_note:
        cards.append(
            dbc.Col(
                html.P(board.stretch_note, className="small text-muted"),
                md=12,
                id="neg-stretch-basis",
            )
        )
    return cards


def typing_for(board: NegotiationBoard, kept: Any) -> dict[str, dict[str, str | None]]:
    """{team: {"amount", "note"}} of a refused claim kept for this render: only for the plan
    and the version it was refused at (a later change renders what is saved)."""
    if not isinstance(kept, dict) or kept.get("plan_id") != board.plan_id:
        return {}
    if kept.get("version") != board.version or not isinstance(kept.get("team"), str):
        return {}
    return {kept["team"]: {"amount": kept.get("amount"), "note": kept.get("note")}}


def waterfall(
    steps: WaterfallSteps | None, currency: str | None = "EUR", decimals: int | None = None
) -> go.Figure:
    """The gap's waterfall; `decimals` None: cents when any step has them (the stat cards' own,
    `shown_decimals`, when the render gives them)."""
    if steps is None:
        return figures.empty_figure("Set a goal to see the gap")
    if decimals is None:
        amounts = [steps.basis_total, steps.goal, steps.kept_over]
        amounts += [*steps.claims.values(), *steps.assigned.values()]
        decimals = fmt.decimals_to_add_up(amounts, currency)
    fig = figures.gap_waterfall(
        steps.basis_total / 100,
        {t: v / 100 for t, v in steps.claims.items()},
        {t: v / 100 for t, v in steps.assigned.items()},
        steps.goal / 100,
        basis_label=steps.basis_label,
        kept_over=steps.kept_over / 100,
        decimals=decimals,
    )
    return figures.in_currency(fig, currency)


def ledger_columns() -> list[dict[str, Any]]:
    money = components.grid_money(2)
    pct = components.grid_percent(1)
    return [
        {"field": "team", "width": 100, "pinned": "left"},
        {
            "field": "system_plan",
            "headerName": "System plan now",
            "valueFormatter": money,
            "type": "numericColumn",
        },
        {
            "field": "basis",
            "headerName": "Basis used",
            "valueFormatter": money,
            "type": "numericColumn",
        },
        {
            "field": "basis_drift",
            "headerName": "Drift",
            "valueFormatter": components.grid_money(2, signed=True),
            "type": "numericColumn",
        },
        {"field": "claim", "valueFormatter": money, "type": "numericColumn"},
        {"field": "assignment", "valueFormatter": money, "type": "numericColumn"},
        {"field": "target", "valueFormatter": money, "type": "numericColumn"},
        {
            "field": "claim_pct_of_basis",
            "headerName": "Claim / basis",
            "valueFormatter": pct,
            "type": "numericColumn",
        },
        {
            "field": "target_vs_basis_pct",
            "headerName": "Target vs basis",
            "valueFormatter": pct,
            "type": "numericColumn",
        },
        {"field": "note", "flex": 2, "minWidth": 160},
        {"field": "why", "headerName": "Why this assignment", "flex": 3, "minWidth": 200},
        {"field": "claimed_by", "headerName": "Claimed by"},
    ]


def ledger_rows(
    ledger: pd.DataFrame | None, currency: str | None = "EUR"
) -> list[dict[Hashable, Any]]:
    """The ledger's rows for the grid; each carries the currency symbol (``cur``) its money
    columns are shown with."""
    if ledger is None:
        return []
    cols = [c["field"] for c in ledger_columns()]
    frame = ledger[[c for c in cols if c in ledger.columns]].copy()
    frame = frame.astype(object).where(frame.notna(), None)
    frame["cur"] = components.row_currency(currency)
    return frame.to_dict("records")


def manual_typing_for(board: NegotiationBoard, kept: Any) -> dict[str, str]:
    """{team: amount} of a refused manual assignment kept for this render: only for the plan
    and the version it was refused at, as `typing_for`."""
    if not isinstance(kept, dict) or kept.get("plan_id") != board.plan_id:
        return {}
    amounts = kept.get("amounts")
    if kept.get("version") != board.version or not isinstance(amounts, dict):
        return {}
    return {str(team): str(value) for team, value in amounts.items() if team in board.teams}


def manual_inputs(teams: tuple[str, ...], typed: dict[str, str] | None = None) -> list:
    return [
        dbc.InputGroup(
            [
                dbc.InputGroupText(f"Team {team}"),
                dbc.Input(
                    id=ids.team_widget(ids.NEG_MANUAL_AMOUNT, team),
                    placeholder="amount",
                    value=(typed or {}).get(team),
                ),
            ],
            size="sm",
            className="mb-1",
        )
        for team in teams
    ]
