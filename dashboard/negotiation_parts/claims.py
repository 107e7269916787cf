"""The claims board: one card per team with its basis, claim, drift and stretch; its lead claims
or withdraws. Whether the user may is the domain's answer, carried by the `TeamCard`."""

from __future__ import annotations

import functools

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, html, no_update
from dash import ctx as callback_ctx

from dashboard import components, figures, ids
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import common
from forecast.services import money as fmt
from forecast.services import negotiation
from forecast.services.negotiation_board import TeamCard


def team_card(card: TeamCard, currency: str | None = "EUR") -> dbc.Col:
    """One team's card (pure), amounts in the plan's currency."""
    allowed = card.can_claim.allowed
    share = card.claim_pct_of_basis
    drift = (
        html.Div(
            f"basis moved by {components.minor_to_money(card.drift, currency=currency)}",
            className="small text-warning",
        )
        if card.drift
        else None
    )
    body = [
        html.Div(
            [
                html.H5(f"Team {card.team}", className="mb-0"),
                html.Small("lead: " + (", ".join(card.leads) or "none"), className="text-muted"),
            ],
            className="d-flex justify-content-between align-items-baseline",
        ),
        html.Div(
            [
                html.Span(f"basis {components.minor_to_money(card.basis, currency=currency)} · "),
                html.Span(
                    f"claim {components.minor_to_money(card.claim, currency=currency)}",
                    className="fw-semibold",
                    style={"color": figures.NEGOTIATED_COLOUR},
                ),
                html.Span(" · " + ("–" if share is None else f"{share:+.1f} % of own basis")),
            ]
            if card.has_goal
            else [
                html.Span(
                    "system plan "
                    f"{components.minor_to_money(card.system_plan, currency=currency)} · "
                    "no goal yet, so nothing to claim"
                )
            ],
            className="small mt-1",
        ),
        drift,
        html.Div(
            [
                html.Span("Probability to reach the target: "),
                html.Strong(
                    components.probability(card.probability),
                    id={"type": "neg-prob", "team": card.team},
                ),
            ],
            className="small",
        ),
        *_claim_inputs(card, allowed, currency),
        components.permission_note(card.can_claim),
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


def _claim_inputs(card: TeamCard, allowed: bool, currency: str | None) -> list:
    digits = fmt.shown_digits(currency)  # a yen claim is typed in whole yen
    return [
        dbc.Input(
            id=ids.team_widget(ids.NEG_CLAIM_AMOUNT, card.team),
            placeholder="claim amount, e.g. 25000",
            value=None if not card.claim else f"{card.claim / 100:.{digits}f}",
            className="mt-2",
            disabled=not allowed,
        ),
        dbc.Input(
            id=ids.team_widget(ids.NEG_CLAIM_NOTE, card.team),
            placeholder="how: the initiative behind it",
            value=card.note or None,
            className="mt-1",
            disabled=not allowed,
        ),
        html.Div(
            [
                dbc.Button(
                    "Save claim",
                    id=ids.team_widget(ids.NEG_CLAIM_SAVE, card.team),
                    size="sm",
                    color="primary",
                    disabled=not allowed,
                ),
                dbc.Button(
                    "Withdraw",
                    id=ids.team_widget(ids.NEG_CLAIM_WITHDRAW, card.team),
                    size="sm",
                    color="link",
                    disabled=not card.can_withdraw.allowed,
                ),
            ],
            className="d-flex gap-2 mt-2",
        ),
    ]


def claim_arguments(text: str | None) -> dict[str, str | None]:
    """A typed claim (`25000`, `€25,000`, `2.5%`) as `claim`'s amount (as typed: the service
    reads it in the plan's currency) or percent."""
    amount = common.amount_text(text)
    percent = amount.endswith("%")
    return {
        "amount": None if percent else amount,
        "percent": amount.rstrip("%").strip() if percent else None,
    }


def save_or_withdraw(
    ctx: DashboardContext, _saves, _withdraws, amounts, notes, widget_ids, session, version, refresh
) -> tuple:
    clicked = _clicked()
    if clicked is None:
        return no_update, no_update  # cards re-rendered, no click
    team, kind = clicked
    index = [w["team"] for w in widget_ids].index(team)
    if kind == ids.NEG_CLAIM_WITHDRAW:
        return _withdraw(ctx, team, session, version, refresh)
    return _save(ctx, team, amounts[index], notes[index], session, version, refresh)


def _clicked() -> tuple[str, str] | None:
    """(team, button type) of the card button that was clicked, None on a re-render."""
    trigger = callback_ctx.triggered_id
    if not trigger or not callback_ctx.triggered or not callback_ctx.triggered[0].get("value"):
        return None
    return str(trigger["team"]), str(trigger["type"])


def _withdraw(ctx: DashboardContext, team: str, session, version, refresh) -> tuple:
    return common.outcome(
        lambda plan_id, user: negotiation.unclaim(
            ctx.store, plan_id, user, team, expected_version=components.page_version(version)
        ),
        session,
        refresh,
        f"Claim of team {team} withdrawn.",
    )


def _save(ctx: DashboardContext, team: str, typed, note, session, version, refresh) -> tuple:
    claim = claim_arguments(typed)
    if not claim["amount"] and not claim["percent"]:
        return components.info_alert(f"Type the amount team {team} claims."), no_update
    return common.outcome(
        lambda plan_id, user: negotiation.claim(
            ctx.store,
            plan_id,
            user,
            team,
            note=note or "",
            expected_version=components.page_version(version),
            **claim,
        ),
        session,
        refresh,
        f"Claim of team {team} saved.",
    )


def register(app: Dash, ctx: DashboardContext) -> None:
    app.callback(
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
    )(functools.partial(save_or_withdraw, ctx))
