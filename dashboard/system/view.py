"""Pure builders of the System plan page: read models in (``forecast.services.system_views``),
grid rows, cards, alerts and notes out. No store, no callback context: unit-tested directly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import components, figures
from dashboard.system.forms import scope_text
from forecast.services import money as fmt
from forecast.services import system
from forecast.services.model_names import ModelUse
from forecast.services.system_views import SystemPage, SystemSetup
from forecast.services.types import NEW_VOLUME, Deviation, Event, Factor
from forecast.vocabulary import period_label

DEVIATION_ROWS_SHOWN = 500
SELECTED_ROWS = "selected"
EXPLAIN_SELECTED = {"label": "the rows ticked below", "value": SELECTED_ROWS}


class PageOutputs(NamedTuple):
    """What the overview render writes, in the order of its Outputs."""

    totals: list[Any]
    team_rows: list[dict[str, Any]]
    event_rows: list[dict[str, Any]]
    deviation_rows: list[dict[str, Any]]
    gate: Any
    version: int
    start_options: list[dict[str, str]]
    start: str | None
    end_options: list[dict[str, str]]
    end: str | None
    rule: str
    role_events: Any
    role_explain: Any
    role_publish: Any
    add_disabled: bool
    remove_disabled: bool
    explain_disabled: bool
    publish_disabled: bool
    explain_options: list[dict[str, str]]


class SetupOutputs(NamedTuple):
    """What the threshold-and-factors render writes."""

    threshold_percent: int
    threshold_disabled: bool
    role_threshold: Any
    factor_rows: list[dict[str, Any]]
    mark_disabled: bool
    role_factor: Any
    event_scope_placeholder: str
    factor_scope_placeholder: str
    factor_periods: list[dict[str, str]]
    factor_period: str | None
    factor_day_hidden: bool
    factor_period_hidden: bool


def page_outputs(page: SystemPage, combination_rule: str) -> PageOutputs:
    """The whole overview of the page from its read model."""
    dev_rows, _ = deviation_rows(
        page.deviations, currency=page.currency, can_edit=page.edit.allowed, freq=page.freq
    )
    dates = components.period_options(page.dates, page.freq, ends=False)
    return PageOutputs(
        totals=total_cards(page),
        team_rows=team_rows(page.teams, page.currency),
        event_rows=event_rows(
            page.events, can_edit=page.edit.allowed, freq=page.freq, currency=page.currency
        ),
        deviation_rows=dev_rows,
        gate=gate_alert(page),
        version=page.version,
        start_options=dates,
        start=page.dates[0] if page.dates else None,
        # "To" offers the periods' last days: an event to the end of the period picked.
        end_options=components.period_options(page.period_ends, page.freq, ends=True),
        end=page.period_ends[-1] if page.period_ends else None,
        rule="How overlapping events combine: " + combination_rule,
        role_events=components.permission_note(page.edit),
        role_explain=components.permission_note(page.edit),
        role_publish=components.permission_note(page.publish),
        add_disabled=not page.edit.allowed,
        remove_disabled=not page.edit.allowed,
        explain_disabled=not page.edit.allowed,
        publish_disabled=not page.publish.allowed,
        explain_options=explain_options(page.events),
    )


def setup_outputs(page: SystemSetup) -> SetupOutputs:
    return SetupOutputs(
        threshold_percent=round(page.threshold * 100),
        threshold_disabled=not page.set_threshold.allowed,
        role_threshold=components.permission_note(page.set_threshold),
        factor_rows=factor_rows(page.factors, page.currency),
        mark_disabled=not page.edit.allowed,
        role_factor=components.permission_note(page.edit),
        event_scope_placeholder=f"all, {page.scope_example}",
        factor_scope_placeholder=page.scope_example,
        # a quarterly or monthly plan's factor starts with a period, picked by its name
        factor_periods=components.period_options(page.history_periods, page.freq, ends=False),
        factor_period=None,
        factor_day_hidden=bool(page.history_periods),
        factor_period_hidden=not page.history_periods,
    )


def against_baseline(change: float, events: int) -> str:
    """The System plan card's line: ``+2.5 % against the baseline, 3 event(s)`` (`change` a
    fraction; what rounds to zero reads ``0.0 %``)."""
    return f"{components.percent(change, 1, signed=True)} against the baseline, {events} event(s)"


def total_cards(page: SystemPage) -> list[dbc.Col]:
    def card(body: dbc.Card, **kwargs: Any) -> dbc.Col:
        return dbc.Col(body, md=6, xl=3, **kwargs)

    return [
        card(
            components.stat_card(
                "Baseline",
                components.money(page.baseline_total, currency=page.currency),
                colour=figures.BASELINE_COLOUR,
            )
        ),
        card(
            components.stat_card(
                figures.SYSTEM_LABEL,
                components.money(page.plan_total, currency=page.currency),
                colour=figures.SYSTEM_COLOUR,
                sub=against_baseline(page.change, len(page.events)),
            ),
            id="sys-total-plan",
        ),
        card(
            components.stat_card(
                "Deviations needing a reason",
                f"{page.gate.open:,} of {page.gate.marked:,}",
                sub=f"threshold {components.percent(page.threshold, 0)} per series-period and team",
            )
        ),
        card(components.stat_card("Status", page.status, sub=f"version {page.version}")),
    ]


def gate_alert(page: SystemPage) -> dbc.Alert:
    gate = page.gate
    if gate.locked:
        return components.info_alert(
            f"The plan is {gate.status}: read-only. Make a new version on the Plans page to "
            "change it."
        )
    if gate.blocks_publishing:
        shown = (
            ""
            if gate.marked <= DEVIATION_ROWS_SHOWN
            else f" The grid shows the {DEVIATION_ROWS_SHOWN} largest; pick an event below to "
            "explain all of its deviations together."
        )
        return dbc.Alert(
            f"The gate blocks publishing: {gate.open:,} deviation(s) above "
            f"{components.percent(gate.threshold, 0)} have no reason yet.{shown}",
            color="warning",
            id="sys-gate-blocked",
        )
    return dbc.Alert(
        "The gate is open: every marked deviation is explained.",
        color="success",
        id="sys-gate-open",
    )


def explain_options(events: Sequence[Event]) -> list[dict[str, str]]:
    return [EXPLAIN_SELECTED] + [
        {"label": f"every open deviation of {e.event_id} {e.name}", "value": e.event_id}
        for e in events
    ]


def team_rows(teams: pd.DataFrame, currency: str | None = "EUR") -> list[dict[str, Any]]:
    """Grid rows of ``system_views.team_summary``, each with the currency symbol (``cur``)."""
    cur = components.row_currency(currency)
    return [
        {
            "cur": cur,
            "team": str(r["team"]),
            "baseline": round(float(r["baseline"]), 2),
            "system_plan": round(float(r["system_plan"]), 2),
            "adjustment": round(float(r["adjustment"]), 2),
            **deviation(Deviation.of(r["deviation_pct"], r["baseline"], r["adjustment"])),
            "events": r["events"],
        }
        for r in teams.to_dict("records")
    ]


def deviation(shown: Deviation) -> dict[str, Any]:
    """A grid row's deviation fields (``columns.deviation_column``) of the one rule
    (``Deviation``): the percent as a number, so the grid sorts and filters it as one (a
    formatted text sorted +370.8 before +81.8); None and ``new_volume`` where events add to a
    baseline of 0; None alone where there is none. The cell shows ``deviation_text``, the
    rule's own words (``Deviation.text``: "+5,000.0 %", "new volume", "–"), as the CLI and the
    exports do: no second formatting in the browser to disagree with them."""
    percent = None if shown.percent is None else round(shown.percent, 1)
    return {"deviation": percent, "new_volume": shown.new_volume, "deviation_text": shown.text}


def event_rows(
    events: Sequence[Event],
    *,
    can_edit: bool = True,
    freq: str | None = None,
    currency: str | None = "EUR",
) -> list[dict[str, Any]]:
    """The events grid's rows; ``can_edit`` opens their cells' editors (``columns.EDITABLE``).
    The start and end cells hold ISO days (what is typed); ``shown`` names the period they fall
    in on a quarterly or monthly plan (``start_shown``: ``2018 Q1 (from 2018-01-01)``), what the
    cells show while they hold that day (``start_day``)."""
    rows = []
    for e in events:
        start, end = e.start.isoformat(), e.end.isoformat()
        rows.append(
            {
                "event_id": e.event_id,
                "name": e.name,
                "kind": e.kind,
                "scope": scope_text(e.scope),
                "start": start,
                "end": end,
                # flat text: the grid sends its rows back, and a row's values must be plain
                "start_day": start,
                "start_shown": components.period_day_label(start, freq, "from"),
                "end_day": end,
                "end_shown": components.period_day_label(end, freq, "to"),
                "effect": e.effect,
                "value": e.value,
                "cur": components.row_currency(currency),  # the symbol of an amount's value
                "suggested": system.suggestion_text(e.suggested),
                "reason": e.reason,
                "author": e.author,
                "can_edit": can_edit,
            }
        )
    return rows


def deviation_rows(
    marked: pd.DataFrame,
    limit: int = DEVIATION_ROWS_SHOWN,
    *,
    currency: str | None = "EUR",
    can_edit: bool = True,
    freq: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Team rows first, then the largest series deviations; at most `limit` rows (the gate
    counts all of them; a planner explains the rest by event). Each row carries the currency
    symbol (``cur``) of its money columns, ``can_edit`` (its reason and text cells open
    for who may explain) and ``period``, the period named as the plan's calendar names it (``2018
    Q1``; ``ds`` stays the ISO day that identifies the cell)."""
    if marked.empty:
        return [], 0
    frame = marked.copy()
    frame["_abs"] = frame["deviation_pct"].abs()
    frame["_order"] = (frame["level"] != "team").astype(int)
    frame = frame.sort_values(["explained", "_order", "_abs"], ascending=[True, True, False])
    rows = []
    for r in frame.head(limit).to_dict("records"):
        ds = pd.Timestamp(r["ds"]).strftime("%Y-%m-%d")
        status = (
            "explained" if r["explained"] else ("outdated" if r["outdated"] else "needs reason")
        )
        rows.append(
            {
                "cell": f"{r['level']}|{r['key']}|{ds}",
                "cur": components.row_currency(currency),
                "level": r["level"],
                "key": str(r["key"]),
                "ds": ds,
                "period": period_label(ds, freq),
                "baseline": round(float(r["baseline"]), 2),
                "system_plan": round(float(r["system_plan"]), 2),
                **deviation(Deviation.of(r["deviation_pct"], r["baseline"])),
                "events": r["events"],
                "status": status,
                # why an outdated explanation no longer holds ("explained for E2, now E4")
                "why": str(r.get("why_outdated", "") or ""),
                "reason_code": r["reason_code"],
                "text": r["text"],
                "can_edit": can_edit,
            }
        )
    return rows, len(frame)


def factor_rows(factors: Sequence[Factor], currency: str | None = "EUR") -> list[dict[str, Any]]:
    """Rows of the factors grid (newest first), amounts in the plan's currency."""
    cur = components.row_currency(currency)
    return [
        {
            "factor_id": f.factor_id,
            "name": f.name,
            "scope": f.scope.describe(),
            "start": f.start,
            "n_series": f.n_series,
            "model": f.model,
            "baseline_before": f.baseline_before,
            "baseline_after": f.baseline_after,
            "baseline_without_factor": f.baseline_without_factor,
            "change": NEW_VOLUME if f.change is None else components.percent(f.change),
            "author": f.author,
            "cur": cur,
        }
        for f in reversed(factors)
    ]


def factor_message(factor: Factor, currency: str | None = "EUR") -> str:
    return (
        f"{factor.factor_id} {factor.name!r}: {factor.n_series:,} series re-forecast with the "
        f"marker ({factor.model}); their baseline went from "
        f"{components.money(factor.baseline_before, currency=currency)} to "
        f"{components.money(factor.baseline_after, currency=currency)}. Events and the gate now "
        "use it."
    )


USE_IT = "With the percent effect, leave the value empty to use it."
NBSP = "\u00a0"  # keeps a number and its % on one line
PLAIN_PLACEHOLDER = "15"
MOVED_ELSEWHERE = {
    "festival": "a holiday that falls elsewhere this year",
    "promotion": "a promotion moved to other weeks",
}
"""An example, per event kind, of last year's occasion not recurring in the window."""


def signed_percent(value: float) -> str:
    """A value already in percent, signed and kept on one line: ``+12.5\u00a0%``; what rounds
    to zero reads ``0.0\u00a0%``."""
    return f"{fmt.format_number(value, 1, signed=True)}{NBSP}%"


def value_placeholder(uplift: Any, already: Any = None) -> str:
    """The value box's hint: what an empty value takes (the suggestion, net of what the
    baseline repeats), or an example where nothing is suggested."""
    if uplift is None:
        return PLAIN_PLACEHOLDER
    return f"empty: {signed_percent(system.offered_value(uplift, already))}"


def suggestion_text(kind: str, uplift: Any, already: Any = None) -> Any:
    """The line under the add-event form: the learned uplift of this kind of event, if any, and
    how much of the event's window the seasonal naive baseline already holds it in
    (``system.event_suggestion``)."""
    if uplift is None:
        return html.Span(
            f"No learned uplift for {kind} events: the history has no flag for it. "
            "Give the effect yourself.",
            className="text-muted",
        )
    if already is None or already.share <= 0:
        return html.Span(
            [html.Strong("Suggested from history: "), uplift.describe() + ". ", USE_IT],
            id="sys-suggestion-text",
        )
    over = (
        f"Over all {already.scope_cells:,} series-periods of the scope (the others are "
        "forecast by fitted models, which get the full uplift), what the baseline does not know"
        if already.scope_cells > already.cells
        else "What the baseline does not know over the window"
    )
    return html.Span(
        [
            html.Strong("Suggested from history: "),
            uplift.describe() + ".",
            html.Br(),
            html.Span(
                f"The baseline (seasonal naive) repeats last year's periods, and "
                f"{components.percent(already.share, 0)} of this window's "
                f"{already.cells:,} series-periods it serves had {already.flag} then: it already "
                f"holds the effect there, and an event of {signed_percent(uplift.value)} would add "
                f"it again. {over} is about {signed_percent(already.new_value)}. ",
                id="sys-suggestion-twice",
            ),
            USE_IT,
            html.Br(),
            html.Span(
                f"If last year's {already.flag} does not recur in this window "
                f"({MOVED_ELSEWHERE.get(kind, 'it moved')}), the baseline still carries "
                f"it: taking it out is about {signed_percent(already.taken_out)}.",
                id="sys-suggestion-taken-out",
                className="text-muted",
            ),
        ],
        id="sys-suggestion-text",
    )


def models_note(uses: Sequence[ModelUse], choice: str | None = None) -> html.Div | None:
    """Which models made the baseline shown, each label with what it means, and how ``auto``
    chose them."""
    if not uses:
        return None
    lines = [
        html.Li(
            [
                html.Code(use.label),
                f" ({use.series:,} series): {use.means}",
                *(f"; {noted}" for noted in use.noted),
            ]
        )
        for use in uses
    ]
    chose = [html.Div(choice, id="sys-fan-choice")] if choice else []
    return html.Div([html.Span("Baseline models: "), html.Ul(lines, className="mb-0"), *chose])
