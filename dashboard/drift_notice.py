"""The basis drift notice in the shell, above every page: while the negotiation of the selected
plan rests on an older basis than the current system plan (an event, a factor since the goal was
set or last rebased), it says so per team; the owner gets the way to the Negotiation page's
Rebase, the others who can rebase (an admin must grant an owner first when every owner has
left). One service call (`services.basis_drift`) and a pure builder (`notice`).

The Negotiation page shows its own banner next to the Rebase button, so the shell's stays empty
there. The System plan page passes its edits on (`relay_edits`): the notice follows an event added
there without a reload."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from dashboard import components, ids, relay
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services.basis_drift import BasisDrift, basis_drift

NEGOTIATION_PATH = "/negotiation"  # dashboard.pages.negotiation.PATH (that page imports much)


def notice(drift: BasisDrift | None, user: str | None) -> Any:
    """The warning for `drift` as `user` reads it (None: nothing to say)."""
    if drift is None:
        return None

    if user in drift.owners:
        way: Any = [
            "You own the plan: ",
            dcc.Link(
                "rebase on the Negotiation page",
                href=NEGOTIATION_PATH,
                id=ids.NAV_DRIFT_REBASE,
                className="alert-link",
            ),
            f" (or `{drift.rebase_command}`).",
        ]
    elif drift.owners:
        owner = "owner" if len(drift.owners) == 1 else "owners"
        way = [f"Only its {owner} ({', '.join(drift.owners)}) can rebase, on the Negotiation page."]
    else:  # every owner has left (accounts disabled)
        way = [
            "No owner of this plan can sign in: an admin must grant an owner first, who can then "
            "rebase on the Negotiation page."
        ]
    return dbc.Alert(
        [html.Strong("Basis drift: "), drift.text(), " ", *way],
        color="warning",
        className="py-2 small",
    )


def render(ctx: DashboardContext, plan_id: str | None, path: str | None, _edited: Any) -> Any:
    """The notice for the plan picked in the bar, on every page but the Negotiation page."""
    if not plan_id or (path or "").rstrip("/") == NEGOTIATION_PATH:
        return None
    drift, _refused = components.call_service(lambda: basis_drift(ctx.store, plan_id))
    return notice(drift, components.acting_user(None))


def container() -> html.Div:
    """Where the notice goes, and the counter the pages bump when they moved the basis."""
    return html.Div(
        [dcc.Store(id=ids.NAV_PLAN_EDITED, data=0), html.Div(id=ids.NAV_DRIFT, role="status")]
    )


def relay_edits(app: Dash, refresh_id: str) -> None:
    """A page's refresh counter (bumped by its edits) passed on to the shell's, in the browser:
    the notice is drawn again after an edit that may have moved the basis."""
    # not as the page opens (its counter at 0): that drew the notice a second time
    relay.count_on(app, refresh_id, ids.NAV_PLAN_EDITED)


def register(app: Dash, ctx: DashboardContext) -> None:
    picked, path = Input(ids.NAV_PLAN, "value"), Input(ids.NAV_URL, "pathname")
    edited = Input(ids.NAV_PLAN_EDITED, "data")
    bind(app, ctx, render, Output(ids.NAV_DRIFT, "children"), picked, path, edited)
