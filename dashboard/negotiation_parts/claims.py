"""The claims board: one card per team with its basis, claim, drift and stretch; its lead claims
or withdraws. Whether the user may is the domain's answer, carried by the `TeamCard`."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, html, no_update

from dashboard import components, figures, ids, relay
from dashboard.context import DashboardContext
from dashboard.negotiation_parts import common, live
from forecast.services import money as fmt
from forecast.services import negotiation, plan_members, plans, team_actuals
from forecast.services.errors import ServiceError
from forecast.services.negotiation_board import TeamCard


def team_card(
    card: TeamCard, currency: str | None = "EUR", typed: dict[str, Any] | None = None
) -> dbc.Col:
    """One team's card (pure), amounts in the plan's currency; `typed` ({"amount", "note"}):
    what the lead typed in a claim that was refused, shown in the boxes instead of the saved."""
    allowed = card.can_claim.allowed
    share = card.claim_pct_of_basis
    drift = (
        html.Div(
            # signed as the drift banner writes it: "+$407,585" reads as a rise, not an amount
            f"basis moved by {'+' if card.drift > 0 else ''}"
            f"{components.minor_to_money(card.drift, currency=currency)}",
            className="small text-warning",
        )
        if card.drift
        else None
    )
    body = [
        html.Div(
            [
                html.H3(f"Team {card.team}", className="h5 mb-0"),
                html.Small("lead: " + leads_text(card), className="text-muted"),
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
                html.Span(
                    " · "
                    + (
                        "–"
                        if share is None
                        else f"{fmt.format_number(share, 1, signed=True)} % of own basis"
                    )
                ),
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
            outcome_words(card, currency)
            or [
                html.Span("Probability to reach the target: "),
                html.Strong(
                    components.probability(card.probability),
                    id={"type": "neg-prob", "team": card.team},
                ),
                html.Span(periods_in_words(card, currency), className="text-muted"),
            ],
            className="small",
        ),
        *_claim_inputs(card, allowed, currency, typed),
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


def outcome_words(card: TeamCard, currency: str | None) -> list | None:
    """Once every period of the team's horizon has its actuals (`card.actuals`), what they came
    to against the target, in place of a chance of something already over, in the Side by side
    page's words (`team_actuals.verdict_words`): "Target: missed by Z, actuals X"; None before."""
    said = card.actuals
    if said is None or not said.over:
        return None
    return [
        html.Span("Target: "),
        html.Strong(
            team_actuals.verdict_words(said, currency),
            id={"type": "neg-prob", "team": card.team},
        ),
    ]


def periods_in_words(card: TeamCard, currency: str | None = None) -> str:
    """While only some periods' actuals are in: " · n of m periods in (k partly)" beside the
    chance (the chance is still of the whole horizon; `team_actuals.verdict_words`); "" before
    any is."""
    said = card.actuals
    if said is None or said.over:
        return ""
    return " · " + team_actuals.verdict_words(said, currency)


def leads_text(card: TeamCard) -> str:
    """The team's leads, one whose account is disabled (someone who left) marked so."""
    names = [f"{u} (disabled)" if u in card.disabled_leads else u for u in card.leads]
    return ", ".join(names) or "none"


def _claim_inputs(
    card: TeamCard, allowed: bool, currency: str | None, typed: dict[str, Any] | None = None
) -> list:
    digits = fmt.shown_digits(currency)  # a yen claim is typed in whole yen
    # grouped as the period grid's goals are (10,000,000,000.00 reads, 10000000000.00 does not);
    # exact: minor units through Decimal, never a float
    amount = None if not card.claim else f"{Decimal(card.claim).scaleb(-2):,.{digits}f}"
    note = card.note or None
    if typed is not None:
        amount, note = typed.get("amount"), typed.get("note")
    return [
        dbc.Input(
            id=ids.team_widget(ids.NEG_CLAIM_AMOUNT, card.team),
            placeholder="claim amount, e.g. 25000",
            value=amount,
            className="mt-2",
            disabled=not allowed,
        ),
        dbc.Input(
            id=ids.team_widget(ids.NEG_CLAIM_NOTE, card.team),
            placeholder="how: the initiative behind it",
            value=note,
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
    """A typed claim (`25000`, `€25,000`, `2.5%`, `2,5%`) as `claim`'s amount (as typed: the
    service reads it in the plan's currency) or percent (a decimal comma read as an amount's)."""
    amount = common.amount_text(text)
    percent = amount.endswith("%")
    return {
        "amount": None if percent else amount,
        "percent": fmt.typed_percent(amount) if percent else None,
    }


def save_or_withdraw(
    ctx: DashboardContext, clicked, amounts, notes, widget_ids, session, version, refresh
) -> tuple:
    """The card button `clicked` (`relay.clicked`: its id, {"type", "team", "clicks"}) acted
    on with what its team's boxes hold. Boxes not as the cards draw them (an amount or a note
    fewer than cards: no browser sends them so) change nothing: read by position, another
    team's amount or none would be taken."""
    team, kind = (clicked or {}).get("team"), (clicked or {}).get("type")
    boxes = (amounts, notes, widget_ids)
    if not all(isinstance(b, list) and len(b) == len(widget_ids or []) for b in boxes):
        return no_update, no_update, no_update
    teams = [w.get("team") if isinstance(w, dict) else None for w in widget_ids]
    if kind not in (ids.NEG_CLAIM_SAVE, ids.NEG_CLAIM_WITHDRAW) or team not in teams:
        return no_update, no_update, no_update  # no card of that team on the page
    index = teams.index(team)
    return act(ctx, str(team), kind, amounts[index], notes[index], session, version, refresh)


def act(ctx: DashboardContext, team: str, kind: str, typed, note, session, version, refresh):
    """Save or withdraw (`kind`: the button's type) the claim of `team`: (alert, refresh, kept
    typing). A refused edit keeps what the lead typed for the re-render (`kept_typing`)."""
    if kind == ids.NEG_CLAIM_WITHDRAW:
        alert, again = _withdraw(ctx, team, session, version, refresh)
    else:
        alert, again = _save(ctx, team, typed, note, session, version, refresh)
    if again is no_update or not common.refused(alert):
        return alert, again, None
    return (
        kept_after_refusal(ctx, team, alert, typed, note, session, version, kind=kind),
        again,
        (kept_typing(ctx, team, typed, note, session)),
    )


def kept_typing(ctx: DashboardContext, team: str, typed, note, session) -> dict[str, Any] | None:
    """What the lead typed, kept for the re-render after a refusal (of the plan's version now,
    so a later change renders what is saved): `view.typing_for` reads it."""
    plan_id = (session or {}).get("plan_id")
    try:
        current = plans.get_plan(ctx.store, plan_id).version if plan_id else None
    except ServiceError:
        return None
    return {"plan_id": plan_id, "version": current, "team": team, "amount": typed, "note": note}


def kept_after_refusal(
    ctx: DashboardContext,
    team: str,
    alert: Any,
    typed,
    note,
    session,
    version,
    *,
    kind: str = ids.NEG_CLAIM_SAVE,
) -> Any:
    """The refusal, and for a stale page what changed meanwhile: whether it touched this team,
    and that the typing is still in the boxes to save again on the version now shown. When the
    change was the person's own role (moved to another team's lead, or no lead any more), that
    is said instead: pressing the button again would only be refused."""
    plan_id, user = (session or {}).get("plan_id"), components.acting_user(session)
    shown = version if isinstance(version, int) and not isinstance(version, bool) else None
    if not plan_id or shown is None:
        return alert
    try:
        others = live.changes_by_others(ctx.store, plan_id, shown, user)
    except ServiceError:
        return alert
    moved = _own_role_changed(ctx, plan_id, user, team, shown)
    if moved is not None:
        undone = (
            "the claim was not withdrawn" if kind == ids.NEG_CLAIM_WITHDRAW else "nothing was saved"
        )
        return _refusal_note(f"{moved}: {undone}.", "Your role in this plan changed. ")
    if not others or not (typed or note):
        return alert  # not a race with someone else: the refusal says why
    touched = [live.teams_touched(e) for e in others]
    what = "; ".join(f"{e.actor}: {e.what}" for e in others[-3:])
    if all(t is not None and team not in t for t in touched):
        said = (
            f"While you typed, others changed the plan ({what}). That does not touch team "
            f"{team}: the page now shows their change, and what you typed for team {team} is "
            "still in its boxes. Press Save claim again to save it."
        )
    else:
        said = (
            f"While you typed, the plan changed in a way that touches team {team} ({what}). "
            f"The page now shows it; what you typed for team {team} is still in its boxes: "
            "check it against the change, then press Save claim again."
        )
    return _refusal_note(said, "Someone changed the plan in the meantime. ")


def _refusal_note(said: str, title: str) -> html.Div:
    return html.Div(
        dbc.Alert(
            [html.Strong(title), html.Span(said)],
            color="warning",
            dismissable=True,
            className="service-error",
            id="neg-kept-typing-note",
        ),
        className="neg-refused",
    )


def _own_role_changed(
    ctx: DashboardContext, plan_id: str, user: str | None, team: str, shown: int
) -> str | None:
    """What became of `user`'s lead of `team` since the page was drawn at version `shown` (a
    card's buttons are a lead's, for their own team; `plan_members.lead_change_since`): "You now lead
    team b, not team c", or None when they still lead it, the members did not change, or the
    plan cannot be read (the refusal says why)."""
    try:
        change = plan_members.lead_change_since(ctx.store, plan_id, user, team, shown)
    except ServiceError:
        return None
    if change is None:
        return None
    if change.now is None:
        return f"You are no longer the lead of team {change.led}"
    return f"You now lead team {change.now}, not team {change.led}"


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
    # A click passes through the page's store (`relay.clicked`): taking the cards' buttons as
    # inputs, this was called each time the cards were drawn, at every opening of the page.
    saves, withdraws = ids.NEG_CLAIM_SAVE, ids.NEG_CLAIM_WITHDRAW
    relay.clicked(
        app, ids.NEG_CLAIM_CLICKED, ids.team_widget(saves, ALL), ids.team_widget(withdraws, ALL)
    )
    app.callback(
        Output(ids.NEG_ALERT, "children", allow_duplicate=True),
        Output(ids.NEG_REFRESH, "data", allow_duplicate=True),
        Output(ids.NEG_KEPT_TYPING, "data"),
        Input(ids.NEG_CLAIM_CLICKED, "data"),
        State(ids.team_widget(ids.NEG_CLAIM_AMOUNT, ALL), "value"),
        State(ids.team_widget(ids.NEG_CLAIM_NOTE, ALL), "value"),
        State(ids.team_widget(ids.NEG_CLAIM_AMOUNT, ALL), "id"),
        State(ids.NAV_SESSION, "data"),
        State(ids.NEG_VERSION, "data"),
        State(ids.NEG_REFRESH, "data"),
        prevent_initial_call=True,
    )(functools.partial(save_or_withdraw, ctx))
