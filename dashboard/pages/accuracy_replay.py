"""The replay section of the Accuracy page: both cultures rebuilt on the last cycles of the
selected plan's history and scored against what happened (a background callback with progress)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, figures, figures_accuracy, ids, jobs
from dashboard.context import DashboardContext
from dashboard.wiring import bind
from forecast.services import accuracy
from forecast.services.errors import Unavailable
from forecast.services.negotiation_board import RULE_CHOICES
from forecast.vocabulary import REPLAY_RULES

# the rules the replay can run, by the labels the Negotiation page and the replay's assumptions
# use (the manual rule needs a person)
RULES = {rule: RULE_CHOICES[rule][:1].upper() + RULE_CHOICES[rule][1:] for rule in REPLAY_RULES}
MODELS = {"snaive": "Seasonal naive (fast)", "ets": "ETS", "auto": "Auto (slow)"}
CULTURE = {"system_plan": "System plan", "target": "Negotiated plan", "tie": "tie"}


def closer_text(closer: Any, margin: Any) -> str:
    """`System plan, by 1.2 pts` / `tie` / `–`."""
    if closer not in CULTURE:
        return "–"
    if closer == "tie":
        return accuracy.TIE_WORDS
    return f"{CULTURE[str(closer)]}, by {components.points(abs(accuracy.number(margin) or 0.0))}"


def shown_closer(r: Mapping[Any, Any]) -> str:
    """`closer_text` with the margin the two WAPEs beside it show (``accuracy.verdict_margin``)."""
    return closer_text(r["closer"], accuracy.verdict_margin(r))


def layout(ctx: DashboardContext) -> html.Div:
    from forecast.services import replay  # imported where used: it brings the engine along

    def field(label: str, control: Any, width: int = 2) -> dbc.Col:
        return dbc.Col(
            [dbc.Label(label, html_for=control.id, className="small mb-0"), control], md=width
        )

    return html.Div(
        [
            html.H2("Replay past cycles", className="h4 mt-4"),
            html.P(
                "Rebuild the plan of each of the last cycles of the selected plan's history as "
                "it could have been made at the time, in both cultures, and score both against "
                "what happened. The assumptions are listed with the result.",
                className="small text-muted",
            ),
            dbc.Row(
                [
                    field(
                        "Cycles",
                        dbc.Input(
                            id=ids.REPLAY_CYCLES,
                            type="number",
                            value=4,
                            min=1,
                            max=replay.MAX_CYCLES,
                        ),
                    ),
                    field(
                        "Periods per cycle",
                        dbc.Input(id=ids.REPLAY_HORIZON, type="number", value=13, min=1),
                    ),
                    field("Goal ratio", dbc.Input(id=ids.REPLAY_RATIO, value="1.1")),
                    field(
                        "Remainder rule",
                        dcc.Dropdown(
                            id=ids.REPLAY_RULE,
                            options=[{"label": v, "value": k} for k, v in RULES.items()],
                            value="pro_rata_baseline",
                            clearable=False,
                        ),
                        3,
                    ),
                    field(
                        "Baseline model",
                        dcc.Dropdown(
                            id=ids.REPLAY_MODEL,
                            options=[{"label": v, "value": k} for k, v in MODELS.items()],
                            value="snaive",
                            clearable=False,
                        ),
                        3,
                    ),
                ],
                className="g-2",
            ),
            dbc.Button("Run the replay", id=ids.REPLAY_RUN, color="primary", className="mt-2"),
            html.Div(
                [
                    html.Progress(
                        id=ids.REPLAY_PROGRESS,
                        value="0",
                        max="100",
                        className="w-100",
                        title="Replay progress",
                    ),
                    html.Span(id=ids.REPLAY_PROGRESS_TEXT, className="small text-muted"),
                ],
                className="mt-2",
            ),
            html.Div(id=ids.REPLAY_ALERT, className="mt-2"),
            html.Div(id=ids.REPLAY_SUMMARY, className="mt-2"),
            components.described_chart(
                "Error of the replayed past cycles",
                dcc.Graph(
                    id=ids.REPLAY_FIGURE,
                    figure=figures.empty_figure("Run the replay to see past cycles"),
                    config={"displaylogo": False},
                ),
            ),
            dag.AgGrid(
                id=ids.REPLAY_GRID,
                dashGridOptions=components.GRID_ONE_TAB_STOP,
                rowData=[],
                columnDefs=[
                    {"field": "cycle", "width": 90},
                    {"field": "start", "headerName": "From", "width": 120},
                    {"field": "scope", "headerName": "Scope", "width": 110},
                    {"field": "wape_baseline", "headerName": "WAPE baseline", "width": 140},
                    {"field": "wape_system_plan", "headerName": "WAPE system", "width": 130},
                    {"field": "wape_target", "headerName": "WAPE negotiated", "width": 150},
                    {"field": "closer", "headerName": "Closer", "width": 240},
                    {"field": "baseline_model", "headerName": "Baseline model", "width": 220},
                ],
                getRowId="params.data.row_id",
                defaultColDef={"resizable": True, "sortable": True},
                style={"height": "300px"},
                className="ag-theme-alpine",
            ),
        ]
    )


# -- pure helpers (unit-tested) ---------------------------------------------------------------


def replay_rows(cycles: pd.DataFrame) -> list[dict[str, Any]]:
    """The replay's cycles as grid rows: the WAPEs in hundredths, and the closer culture by the
    margin those two WAPEs show (``shown_closer``), as the track record's rows."""
    rows = []
    for i, r in enumerate(cycles.to_dict(orient="records")):
        text = shown_closer(r)
        rows.append(
            {
                "row_id": f"c{i}",
                "cycle": int(r["cycle"]),
                "start": r["start"],
                "scope": accuracy.scope_words(r),
                "wape_baseline": components.percent(r["wape_baseline"], 2),
                "wape_system_plan": components.percent(r["wape_system_plan"], 2),
                "wape_target": components.percent(r["wape_target"], 2),
                "closer": text,
                "baseline_model": str(r.get("baseline_model") or "–"),
            }
        )
    return rows


def summary_panel(summary: dict[str, Any], assumptions: list[str]) -> html.Div:
    headline = (
        f"System plan closer in {summary['system_plan_closer']} of {summary['cycles']} "
        f"cycle(s), negotiated plan in {summary['target_closer']}"
        + (f", {summary['ties']} tie(s)" if summary["ties"] else "")
        + "."
        + (
            f" In {summary['cycles_on_last_value']} of them seasonal naive repeated the last "
            "value (under one season before the cycle): see the assumptions."
            if summary.get("cycles_on_last_value")
            else ""
        )
    )
    return html.Div(
        [
            html.H3(headline, id="replay-headline", className="h5"),
            html.Details(
                [
                    html.Summary("Assumptions of the replay"),
                    html.Ul([html.Li(a) for a in assumptions], className="small"),
                ],
                open=True,
            ),
        ]
    )


# -- callbacks --------------------------------------------------------------------------------


def replay_plan(
    ctx: DashboardContext, plan_id: str, settings: dict[str, Any], set_progress: Any
) -> Any:
    """The replay of the plan's history with the page's settings, reporting progress to the
    page; it runs in a background child process, so on a store of its own."""
    from forecast.services import replay

    def report(fraction: float, message: str) -> None:
        set_progress((str(round(fraction * 100)), message))

    store = ctx.fresh_store()
    try:
        return replay.replay_plan(
            store,
            plan_id,
            cycles=int(settings["cycles"] or 0),
            horizon=int(settings["horizon"] or 0) or None,
            goal_ratio=str(settings["ratio"] or ""),
            rule=settings["rule"] or "pro_rata_baseline",
            model=settings["model"] or "snaive",
            progress=report,
        )
    finally:
        store.close()


def run(
    ctx: DashboardContext,
    set_progress: Any,
    clicks: int | None,
    cycles: Any,
    horizon: Any,
    ratio: str | None,
    rule: str | None,
    model: str | None,
    session: dict | None,
) -> tuple:
    if not clicks:
        return no_update, no_update, no_update, no_update
    if not (session or {}).get("plan_id"):
        return no_update, [], None, components.need_plan_notice()
    settings = dict(cycles=cycles, horizon=horizon, ratio=ratio, rule=rule, model=model)
    result, alert = components.call_service(
        lambda: replay_plan(ctx, components.action_plan(session), settings, set_progress)
    )
    if result is None:
        return no_update, [], None, alert
    return (
        figures_accuracy.replay_chart(result.cycles),
        replay_rows(result.cycles),
        summary_panel(result.summary(), result.assumptions),
        None,
    )


def job_failed(exc: Exception) -> tuple[Any, Any, Any, Any]:
    """The page's answer when the replay's job was given up on (it hung, or its process died)."""
    problem = jobs.failure(exc)
    if problem is None:  # a bug in the job: Dash reports it with its traceback
        raise exc
    return (
        no_update,
        no_update,
        no_update,
        components.error_alert(
            Unavailable(f"the replay did not finish: {problem}. Press Run the replay again")
        ),
    )


def register_callbacks(app: Dash, ctx: DashboardContext) -> None:
    bind(
        app,
        ctx,
        run,
        Output(ids.REPLAY_FIGURE, "figure"),
        Output(ids.REPLAY_GRID, "rowData"),
        Output(ids.REPLAY_SUMMARY, "children"),
        Output(ids.REPLAY_ALERT, "children"),
        Input(ids.REPLAY_RUN, "n_clicks"),
        State(ids.REPLAY_CYCLES, "value"),
        State(ids.REPLAY_HORIZON, "value"),
        State(ids.REPLAY_RATIO, "value"),
        State(ids.REPLAY_RULE, "value"),
        State(ids.REPLAY_MODEL, "value"),
        State(ids.NAV_SESSION, "data"),
        background=True,
        running=[(Output(ids.REPLAY_RUN, "disabled"), True, False)],
        progress=[
            Output(ids.REPLAY_PROGRESS, "value"),
            Output(ids.REPLAY_PROGRESS_TEXT, "children"),
        ],
        on_error=job_failed,
        prevent_initial_call=True,
    )
