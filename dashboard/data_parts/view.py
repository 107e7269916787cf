"""Pure builders of the Data page: a `FileCheck` (``forecast.services.file_check``) in; the
report, the question for the sales column, the store-table hint, the history preview and the
mapping's options out. No store, no callback context: unit-tested directly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html, no_update

from dashboard import components, figures, ids
from dashboard.fix_hints import PAGE_FIXES, page_fix
from forecast.services import file_check, model_names
from forecast.services import money as fmt
from forecast.services.actuals import DAY_NAMES
from forecast.services.actuals import WEEKDAY_CODES as WEEKDAYS
from forecast.services.file_check import FileCheck, FileSummary, TeamChoice
from forecast.services.model_names import FallbackServed
from forecast.services.money import SignedCurrency
from forecast.vocabulary import period_label

PREVIEW_ROWS = 200
VALUE_FIELD = "“Value (sales)” under Column mapping"


class PreviewOutputs(NamedTuple):
    """What the preview writes, in the order of its Outputs (`preview.OUTPUTS`)."""

    report: Any
    chart: Any
    preview: Any
    id_options: Any = no_update
    id_value: Any = no_update
    date_options: Any = no_update
    date_value: Any = no_update
    value_options: Any = no_update
    value: Any = no_update
    team_options: Any = no_update
    team: Any = no_update
    freq: Any = no_update
    upload_status: Any = None  # the "Reading…" banner is done once the file is read
    create_hint: Any = None
    read_cleanly: Any = True  # False: the file as mapped has problems (Create plan says so)
    currency_sign: Any = None  # the one currency sign ($ € £ ¥) or code (USD) on the amounts
    week_dates_hidden: Any = no_update  # the weekly date marks field (`week_dates_hidden`)
    horizon: Any = no_update  # a new file's plan frequency's horizon (`default_horizon`)
    horizon_offered: Any = no_update  # the horizon the page offered, kept (`offered_horizon`)


NOTHING = PreviewOutputs(
    no_update,
    no_update,
    no_update,
    upload_status=no_update,
    read_cleanly=no_update,
    currency_sign=no_update,
)


def preview_outputs(
    check: FileCheck,
    freq: str | None,
    *,
    sample: bool = False,
    picked: str | None = None,
    new_file: bool = False,
    horizon: Any = None,
    last_offered: Any = None,
) -> PreviewOutputs:
    """The whole page after a read: the report (or the problems), and the mapping as read. The
    upload's "Reading…" banner goes; the sample's note (which says what was loaded) stays.
    `picked`: the sales column the person picked, still shown when the file has problems with
    it (the report is about that column). A `new_file` offers its frequency's horizon (13
    quarters of a quarterly file were 13 weeks' worth of periods); a file read again keeps the
    `horizon` as the person left it, unless it is still the page's `last_offered`, made for
    another frequency (91 days of a daily file read again in weeks would be 91 weeks)."""
    status = no_update if sample else None
    if not check.ok:
        header = components.options(check.columns)
        kept = picked if picked in check.columns else None
        remap = (
            {"id_options": header, "date_options": header, "value_options": header, "value": kept}
            if check.columns
            else {}
        )
        return PreviewOutputs(
            problems_panel(check.filename, check.problems),
            figures.empty_figure("No history: the file has problems"),
            None,
            upload_status=status,
            create_hint=html.Small(
                "The file has problems (listed above): correct them and upload it again"
                + (", or map other columns and press Apply mapping." if check.columns else "."),
                className="text-danger",
            ),
            read_cleanly=False,
            currency_sign=no_update,  # nothing was read: the form's currency hint stays
            **remap,
        )
    assert check.history is not None
    columns = components.options(check.columns)
    shown = not check.needs_value
    offered = offered_horizon(check, horizon, new_file, last_offered)
    return PreviewOutputs(
        report=report(check),
        # The file's sales have no currency yet (the plan made from it gets one).
        chart=figures.in_currency(figures.history_chart(check.history), None)
        if shown
        else figures.empty_figure("Pick the sales column to see the history"),
        preview=preview_table(check.history) if shown else None,
        id_options=columns,
        id_value=list(check.id_cols),
        date_options=columns,
        date_value=check.date_col,
        value_options=value_options(check),
        value=check.value_col,
        team_options=team_options(check.teams),
        team=check.team,
        freq=freq or "",
        upload_status=status,
        create_hint=create_hint(check),
        currency_sign=check.currency_sign,
        week_dates_hidden=week_dates_hidden(check),
        horizon=offered,
        horizon_offered=offered,
    )


def offered_horizon(check: FileCheck, horizon: Any, new_file: bool, last_offered: Any) -> Any:
    """The horizon in the plan frequency's own periods: a new file's default, or after a read in
    another frequency, its default in place of the one the page offered for the other, while
    the form still holds it (one the person typed stays, even if another frequency's default)."""
    if check.summary is None:
        return no_update
    offered = file_check.default_horizon(check.summary.freq)
    if new_file or (horizon != offered and horizon is not None and horizon == last_offered):
        return offered
    return no_update


def week_dates_hidden(check: FileCheck) -> bool:
    """Whether the page hides the weekly date marks (week ending or week starting): hidden for a
    file whose own dates are days, months or quarters, where they mean nothing; shown for a
    weekly file and where the file's own calendar could not be told."""
    native = check.summary.native_freq if check.summary is not None else ""
    return bool(native) and not native.upper().startswith("W")


def no_sign_hint(current: str | None) -> str:
    """Why the form's currency stays on a file whose amounts carry no sign: nothing in the file
    (not its country either) tells the currency, so the planner is asked to check it."""
    if not current or current == fmt.NO_CURRENCY_TEXT:
        return "The file's amounts carry no currency sign: amounts are plain numbers."
    return (
        f"The file's amounts carry no currency sign: {current} stays as the page chose it, not "
        "from the file; pick the currency the amounts are in."
    )


def currency_hint(sign: str, suggestion: SignedCurrency) -> str:
    """Why the form's currency changed: the sign on the amounts, and whether it may be another."""
    said = f"The file's amounts carry {sign}: {suggestion.code} "
    if suggestion.certain:
        return said + "chosen."
    others = ", ".join(suggestion.others)
    return said + f"suggested ({others} write {sign} too: change it if the amounts are in one)."


def refused(alert: Any) -> PreviewOutputs:
    """An upload the server no longer has (or never gave this session): the alert, nothing else."""
    return NOTHING._replace(report=alert, upload_status=None)


def report(check: FileCheck) -> html.Div:
    """The question for the sales column, or the validation report; then the store-table hint."""
    parts = [ask_value(check) if check.needs_value else report_panel(check)]
    if check.needs_store_table:
        parts.append(store_table_hint(check))
    return html.Div(parts)


PERIOD_WORDS = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters"}


def periods_in_words(freq: str) -> str:
    """The calendar's periods as people say them: ``quarters``, ``weeks (Friday to Thursday)``
    for W-FRI (a plan's weeks start on the day they are dated by); an unknown code as it is."""
    words = PERIOD_WORDS.get(freq[:1])
    if words is None:
        return f"periods of {freq}"
    day = freq.partition("-")[2]
    if words == "weeks" and day in WEEKDAYS:
        first = WEEKDAYS.index(day)
        return f"weeks ({DAY_NAMES[first]} to {DAY_NAMES[(first + 6) % 7]})"
    return words


def counts(summary: FileSummary) -> str:
    """Rows, series and periods: periods are the distinct dates, rows are as read; a quarter or a
    month is named as such (1998 Q1), not by its first day."""
    start, end = (
        period_label(day, summary.freq) if day else "–" for day in (summary.start, summary.end)
    )
    return (
        f"{summary.rows:,} rows read: {summary.series:,} series × {summary.periods:,} "
        f"{periods_in_words(summary.freq)}, {start} to {end}"
    )


def report_panel(check: FileCheck) -> dbc.Alert:
    summary = check.summary
    assert summary is not None
    items = [
        html.Li(counts(summary)),
        html.Li(
            f"{summary.filled:,} missing periods filled with 0; "
            f"{summary.duplicates_summed:,} rows summed with others of their period; "
            f"{summary.negative_values:,} negative values"
        ),
        *(
            [
                html.Li(
                    f"{summary.gapped:,} series have a gap (a long run without sales between "
                    "sales, such as weeks without rows or a refurbishment): the forecast reads "
                    "it from the same periods a season before"
                )
            ]
            if summary.gapped
            else []
        ),
        html.Li(f"Value (sales): {check.value_col}"),
        html.Li("Flags: " + (", ".join(summary.flags) or "none")),
        html.Li("Attributes: " + (", ".join(summary.attributes) or "none")),
        *[html.Li(note) for note in notes_said(summary)],
    ]
    return dbc.Alert(
        [html.Strong("Validation report: the file is valid. "), html.Ul(items, className="mb-0")],
        color="success",
        id=ids.DATA_REPORT_OK,
    )


def notes_said(summary: FileSummary) -> list[str]:
    """The reader's notes in the page's words: a fix names the field under Column mapping that
    makes it (``dashboard.fix_hints``), not the command line's option."""
    return summary.notes_in(PAGE_FIXES)


def ask_value(check: FileCheck) -> dbc.Alert:
    """The page asks which column holds the sales instead of guessing."""
    assert check.summary is not None
    if check.value_how == "several named":
        why = f"Several columns of {check.filename} could hold the sales."
    else:
        why = (
            f"No column of {check.filename} is named like sales (Sales, Units, Qty, Amount…), "
            "so the page does not guess."
        )
    numeric = ", ".join(check.value_candidates) or "none"
    return dbc.Alert(
        [
            html.Strong("Which column holds the sales? "),
            f"{why} Pick it in {VALUE_FIELD} on the right; the file is read again at once. "
            f"Columns with numbers: {numeric}.",
            html.Ul([html.Li(counts(check.summary))], className="mb-0 mt-2"),
        ],
        color="warning",
        id=ids.DATA_ASK_VALUE,
    )


def store_table_hint(check: FileCheck) -> dbc.Alert:
    key = " + ".join(check.id_cols) or "series key"
    series = check.summary.series if check.summary else 0
    return dbc.Alert(
        [
            html.Strong("No teams in this file. "),
            f"No column groups its {series:,} series, so each team would be a single series "
            "(or leave the team empty: one team for all). To plan by team, drop a store table "
            f"in the “Store table” box on the left: one row per {key} with a grouping column "
            "such as StoreType or Region. It is joined at once and its columns appear under "
            "Team dimension.",
        ],
        color="info",
        id=ids.DATA_STORE_TABLE_HINT,
    )


def create_hint(check: FileCheck) -> Any:
    if check.needs_value:
        return html.Small(
            f"Pick the sales column in {VALUE_FIELD} before creating the plan.",
            className="text-danger",
        )
    return None


def value_options(check: FileCheck) -> list[dict[str, str]]:
    """The columns with numbers first (those could hold the sales), then the others."""
    first = [c for c in check.value_candidates if c in check.columns]
    return components.options([*first, *(c for c in check.columns if c not in first)])


def team_options(choices: Sequence[TeamChoice]) -> list[dict[str, str]]:
    """Each attribute with the number of teams it gives, so a column with one value (one team
    for everything) or one value per series (teams of one) shows as such."""
    return [{"label": team_label(c), "value": c.column} for c in choices]


def team_label(choice: TeamChoice) -> str:
    if choice.constant:
        return f"{choice.column} (one value: a single team)"
    if not choice.groups:
        return f"{choice.column} ({choice.teams:,} teams of one series each)"
    return f"{choice.column} ({choice.teams:,} teams)"


def problem_rows(problems: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "row": p.row,
            "column": p.column,
            "value": p.value,
            "problem": p.message,
            "fix": page_fix(p),
        }
        for p in problems
    ]


def problems_panel(filename: str, problems: Sequence[Any]) -> html.Div:
    rows = problem_rows(problems)
    count = sum(getattr(p, "rows", 1) for p in problems)  # a closing "N more rows" line: N
    listed = " (the first of each kind are listed)" if count > len(rows) else ""
    return html.Div(
        [
            dbc.Alert(
                [
                    html.Strong(f"Validation report: {count:,} problem(s) in {filename}{listed}. "),
                    "Nothing was stored. Fix the file (or the mapping) and upload it again.",
                ],
                color="danger",
                id=ids.DATA_REPORT_PROBLEMS,
            ),
            _grid(
                ids.DATA_PROBLEMS_GRID,
                rows,
                [
                    {"field": "row", "width": 80},
                    {"field": "column", "width": 140},
                    {"field": "value", "width": 140},
                    {
                        "field": "problem",
                        "flex": 2,
                        "minWidth": 180,
                        "wrapText": True,
                        "autoHeight": True,
                    },
                    {
                        "field": "fix",
                        "flex": 2,
                        "minWidth": 180,
                        "wrapText": True,
                        "autoHeight": True,
                    },
                ],
                page_size=10,
                height="360px",
            ),
        ]
    )


PREVIEW_DIGITS = 12
"""Significant digits of a number in the preview: enough for any sales figure, few enough that a
sum of order lines reads 2185.896, not its binary rounding 2185.8959999999997."""


def preview_rows(history: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    head = history.head(PREVIEW_ROWS).copy()
    head["ds"] = head["ds"].dt.strftime("%Y-%m-%d")
    for column in head.columns[head.dtypes.map(pd.api.types.is_float_dtype)]:
        head[column] = [float(f"{v:.{PREVIEW_DIGITS}g}") for v in head[column]]
    cols = [{"field": c, "headerName": c} for c in head.columns]
    return head.to_dict("records"), cols


def preview_table(history: pd.DataFrame) -> html.Div:
    """The first rows of the history as the plan will read it, one row per series and period
    (a file's rows summed, its missing periods filled; shown only once there is a history: an
    empty grid has a header row without cells)."""
    rows, cols = preview_rows(history)
    return html.Div(
        [
            html.H2(
                f"Preview: the first {min(len(history), PREVIEW_ROWS):,} rows of the history, "
                "one per series and period",
                className="h5",
            ),
            _grid(ids.DATA_PREVIEW, rows, cols, page_size=20, height="420px"),
        ]
    )


def _grid(
    grid_id: str, rows: list[dict], cols: list[dict], *, page_size: int, height: str
) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=cols,
        dashGridOptions={
            **components.GRID_ONE_TAB_STOP,
            "pagination": True,
            "paginationPageSize": page_size,
            "paginationPageSizeSelector": False,
        },
        style={"height": height},
        className="ag-theme-alpine",
    )


FALLBACKS_LISTED = 10
"""Series named in the plan's report as not served by the model asked for; the rest counted."""


def fallbacks_said(served: Sequence[FallbackServed], plan_id: str) -> dbc.Alert | None:
    """The series the model asked for did not serve (`plan_standing.served_by_fallback`: special
    cases, ended series, failed models), each with the model that did and why in the model
    column's words, the first `FALLBACKS_LISTED` then "and N more" with the command that lists
    the same series; None when the model asked for served every series. It stays until closed
    (the plan's "created" line goes by itself)."""
    if not served:
        return None
    items = [html.Li(f"{s.series}: {s.model} ({s.reason})") for s in served[:FALLBACKS_LISTED]]
    rest = len(served) - FALLBACKS_LISTED
    if rest > 0:
        items.append(
            html.Li(
                f"and {rest:,} more: `forecast plan show {plan_id} --only other-model` lists "
                "them all (the model column of the plan's CSV export names the model of every "
                "series)"
            )
        )
    return dbc.Alert(
        [
            html.Strong(f"{len(served):,} series not served by the model asked for:"),
            html.Ul(items, className="mb-0 mt-2"),
        ],
        color="warning",
        dismissable=True,
        className="service-attention",
        id=ids.DATA_FALLBACKS,
    )


def created(state: Any, served: Sequence[FallbackServed] = ()) -> html.Div:
    models = ", ".join(
        f"{use.label} for {use.series:,}" + "".join(f" ({noted})" for noted in use.noted)
        for use in model_names.model_uses(state.baseline.models_used)
    )
    chose = model_names.choice_text(state.baseline.selection)
    return html.Div(
        [
            components.success_alert(
                f"Plan {state.name!r} created ({state.dataset.n_series:,} series, horizon "
                f"{state.horizon}; models {models}; the System plan page says what each is). It "
                "is now selected above." + (f" {chose[0].upper()}{chose[1:]}" if chose else "")
            ),
            fallbacks_said(served, state.plan_id),
        ],
        id=ids.DATA_CREATE_OK,
    )


def progress_values(fraction: float, message: str) -> tuple[str, str]:
    """The bar's value and the line below it: the percentage and the step, in full."""
    percent = round(max(0.0, min(1.0, fraction)) * 100)
    return str(percent), f"{percent} % · {message}"
