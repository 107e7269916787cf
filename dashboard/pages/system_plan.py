"""Page 2, System plan: the baseline fan chart, events in an editable grid, the deviation gate
with explanations, new factors, and publish. Event edits re-apply the events; the model is never
refitted. The parts live in ``dashboard/system/``; this module assembles them."""

from __future__ import annotations

from typing import Any

from dash import Dash, html

from dashboard import components, drift_notice, ids, relay
from dashboard.context import DashboardContext
from dashboard.system import event_file, events, factors, fan, gate, overview
from dashboard.system import layout as parts

PATH = "/system"
NAME = "System plan"

HOW_TO_READ = (
    "the grey dashed line is the model's baseline with its 80 % and 95 % bands; the blue line is "
    "the system plan, i.e. the baseline with your events applied. Events only translate what the "
    "model cannot know. Every deviation above the threshold needs a reason before the owner can "
    "publish."
)


def layout(ctx: DashboardContext, **_query: Any) -> html.Div:
    return html.Div(
        [
            components.page_header(NAME, HOW_TO_READ),
            *parts.overview(),
            *parts.events_section(),
            parts.factors_section(),
            *parts.gate_section(),
        ]
    )


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    for part in (overview, fan, events, event_file, gate, factors):
        part.register(app, ctx)
    drift_notice.relay_edits(app, ids.SYS_REFRESH)  # an event may move the negotiation's basis
    relay.count_on(app, ids.SYS_PLANS_CHANGED, ids.NAV_PLANS_CHANGED)  # published: its label
