"""Small layout pieces shared by the pages: headers, alerts, number formats, role notes."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from dashboard.fix_hints import page_message, page_text
from forecast.services import money as fmt
from forecast.services.actuals import EARLIER_VERSION_UNSEEN, EarlierVersion
from forecast.services.errors import (
    Fix,
    FixKey,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    ServiceError,
    StaleVersion,
    fix_of,
)
from forecast.vocabulary import period_label

CURRENCY = "EUR"  # plans made before plans had a currency are in euros

_ERROR_TITLES: dict[type[ServiceError], str] = {
    Forbidden: "Not allowed for your role",
    StaleVersion: "Someone changed the plan in the meantime",
    Locked: "The plan is read-only",
    NotFound: "Not found",
    Invalid: "Not accepted",
}
_STATE_TITLES: dict[FixKey, str] = {FixKey.UPLOAD_ACTUALS: "No actuals yet"}
"""Refusals that describe where a plan stands, not a mistake (every plan starts without
actuals): shown as information, not as an error."""
STATE_REASONS: dict[FixKey, str] = {FixKey.UPLOAD_ACTUALS: "the selected plan has no actuals yet"}
"""Their reason on a page, where the plan is the one picked in the bar (its id says nothing)."""


def money(value: float | int | None, *, decimals: int = 0, currency: str | None = CURRENCY) -> str:
    """`1234567.8` -> `€1,234,568` in the plan's currency (ISO code; None: plain numbers);
    None/NaN -> an en dash. One formatter for pages, CLI and export: ``forecast.money``
    (`decimals` at most the currency's: JPY none)."""
    return fmt.format_money(value, currency, decimals=decimals)


def minor_to_money(minor: int | None, *, decimals: int = 0, currency: str | None = CURRENCY) -> str:
    """Ledger amounts are integer cents; show them as currency."""
    return money(None if minor is None else minor / 100, decimals=decimals, currency=currency)


_ROW_SYMBOL = "((params.data && params.data.cur) || '')"


def _places_by_symbol(decimals: int) -> str:
    """An AG Grid expression for the decimals of the row's currency (its symbol in ``cur``):
    `decimals`, or fewer for a currency without cents ('¥', '₩'...). A chain of comparisons:
    AG Grid's expression parser takes no object literal or `??`."""
    places = f"{int(decimals)}"
    for sym, own in fmt.symbol_digits().items():
        places = (
            f"({_ROW_SYMBOL} == {json.dumps(sym, ensure_ascii=False)} "
            f"? {min(own, decimals)} : {places})"
        )
    return places


def grid_money(decimals: int = 2, *, signed: bool = False) -> dict[str, str]:
    """An AG Grid valueFormatter for money: the symbol comes from each row's ``cur`` field
    (``row_currency``), so column definitions stay the same for every plan."""
    plus = "'+'" if signed else "''"
    places = _places_by_symbol(decimals)
    # an amount that rounds to zero takes no sign: -0.004 reads $0.00, not -$0.00
    zero = f"Math.abs(params.value) < 0.5 * Math.pow(10, -{places})"
    return {
        "function": f"params.value == null ? '' : (({zero}) ? '' : params.value < 0 ? '-' : "
        + plus
        + ") + "
        + _ROW_SYMBOL
        + " + d3.format(',.' + "
        + places
        + " + 'f')(Math.abs(params.value))"
    }


def grid_event_value() -> dict[str, str]:
    """An AG Grid valueFormatter for the events grid's value: an add, cap or set amount in the
    row's currency (``cur``) as ``forecast.money.format_amount`` shows it (``$6,000``,
    ``$12,000.50``; a plan in plain numbers ``6,000``); a percent, or text just typed into the
    cell, as it is."""
    value = "params.value"
    cur = _ROW_SYMBOL
    places = _places_by_symbol(2)
    amount = (
        f"params.data && params.data.effect != 'percent' && {value} != null && {value} !== '' "
        f"&& {value} == +{value}"
    )
    digits = f"(Math.round({value}) == {value} ? 0 : {places})"
    return {
        "function": f"({amount}) ? ({value} < 0 ? '-' : '') + {cur} + "
        f"d3.format(',.' + {digits} + 'f')(Math.abs({value})) : {value}"
    }


def grid_percent(decimals: int = 1, *, signed: bool = True) -> dict[str, str]:
    """An AG Grid valueFormatter for a value already in percent (12.5 -> ``+12.5 %``), as
    ``format_number``: what rounds to zero reads ``0.0 %``, never ``-0.0 %`` or ``+0.0 %``."""
    places = int(decimals)
    half = 0.5 * 10.0**-places
    spec = ("+" if signed else "") + f",.{places}f"
    return {
        "function": f"params.value == null ? '' : (Math.abs(params.value) < {half!r} ? "
        f"d3.format(',.{places}f')(0) : d3.format('{spec}')(params.value)) + ' %'"
    }


def row_currency(currency: str | None) -> str:
    """The symbol a grid row carries in its ``cur`` field for ``grid_money``."""
    return fmt.symbol(currency)


def number(value: float | int | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format_number(value, decimals)


def percent(fraction: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """0.153 -> `15.3 %` (the product's percent style, ``forecast.money.format_percent``)."""
    return fmt.format_percent(fraction, decimals, signed=signed)


def points(difference: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    """A WAPE difference in percentage points: 0.0062 -> `0.62 pts` (``format_points``)."""
    return fmt.format_points(difference, decimals, signed=signed)


def when(iso: str | None) -> str:
    """A stored time as every page writes it: `2026-11-22T18:51:55+00:00` -> `2026-11-22 18:51
    UTC` (``minute_utc``, as the Plans page and the basis line); empty for none."""
    return fmt.minute_utc(iso) if iso else ""


ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?")


def readable_times(text: str) -> str:
    """`text` with each stored time in it written as `when` writes it (an audit row's
    description: `#27 2026-12-05T23:44:07+00:00 piet add_event` -> `#27 2026-12-05 23:44 UTC
    piet add_event`)."""
    return ISO_TIME.sub(lambda found: when(found.group()), text)


def probability(value: float | None) -> str:
    """A probability that never reads as certain: `> 99 %`, `< 1 %` (``format_probability``)."""
    return fmt.format_probability(value)


def page_header(title: str, how_to_read: str) -> html.Div:
    """Page title plus the short "how to read this" line every page has."""
    return html.Div(
        [
            # the page's one level-one heading (screen readers jump to it), at h2's size
            html.H1(title, className="h2 mb-1"),
            html.P(
                [html.Strong("How to read this: "), how_to_read],
                className="text-muted small mb-3",
            ),
        ]
    )


def file_refused_alert(children: list[Any]) -> dbc.Alert:
    """The alert of a file refused for its problems (the pages list them in `children`)."""
    return dbc.Alert(children, color="danger", dismissable=True, className="service-error")


def error_alert(exc: BaseException) -> dbc.Alert:
    """A readable alert for a refusal from the services: its reason and how to fix it on the
    pages (``dashboard.fix_hints``), never a command-line flag."""
    fix = fix_of(exc)
    if isinstance(exc, NotFound) and fix is not None and fix.key in _STATE_TITLES:
        reason = STATE_REASONS[fix.key]
        earlier = EarlierVersion.from_fix(fix)
        if earlier is not None:  # a new version: its actuals are on the one before
            reason += ": " + earlier_version_keeps_actuals(earlier)
        return dbc.Alert(
            [
                html.Strong(_STATE_TITLES[fix.key] + ". "),
                html.Span(sentence(page_text(reason, fix))),
            ],
            color="info",
            className="service-info",
        )
    title = next(
        (t for kind, t in _ERROR_TITLES.items() if isinstance(exc, kind)), "Could not do that"
    )
    return dbc.Alert(
        [html.Strong(title + ". "), html.Span(sentence(page_message(exc)))],
        color="warning" if isinstance(exc, Forbidden | StaleVersion | Locked) else "danger",
        dismissable=True,
        className="service-error",
    )


def earlier_version_keeps_actuals(earlier: EarlierVersion) -> str:
    """Why a new version (``plan new-version``, "New version") shows no actuals, in the pages'
    words: they stay with the version they were uploaded to, named here with how to see them
    scored; one the user may not see neither named nor identified."""
    if not earlier.seen:
        return EARLIER_VERSION_UNSEEN
    plan_id, name, status = earlier.plan_id, earlier.name, earlier.status
    named = f"'{name}' ({plan_id}, {status})" if name else plan_id
    return (
        f"it is a new version of {named}, which keeps the actuals uploaded so far; choose that "
        "plan in the bar to see them scored"
    )


def sentence(text: str) -> str:
    """A refusal's reason as a sentence after the alert's title: capital first letter (unless it
    starts with a code such as `forecast` or a file name) and a full stop. A reason never starts
    with a user name ("user olga is ...", not "olga is ..."): capitalised, it named another
    account (`Olga`)."""
    text = text.strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if first.islower() and first.isalpha():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")", "`")) else text + "."


def success_alert(message: str) -> dbc.Alert:
    return dbc.Alert(
        message, color="success", dismissable=True, duration=6000, className="service-ok"
    )


def attention_alert(message: str) -> dbc.Alert:
    """Done, but the person has something to do now: it stays until they close it."""
    return dbc.Alert(message, color="warning", dismissable=True, className="service-attention")


def info_alert(message: str | list[Any]) -> dbc.Alert:
    return dbc.Alert(message, color="info", className="service-info")


def call_service(fn: Callable[[], Any]) -> tuple[Any, dbc.Alert | None]:
    """Run one service call; a `ServiceError` becomes an alert instead of a broken page."""
    try:
        return fn(), None
    except ServiceError as exc:
        return None, error_alert(exc)


def page_version(version: Any) -> int | None:
    """The plan version the page shows, which an edit from it is checked against (a stale page
    is refused). None (a page that has not read it yet) applies the edit to the current version
    as the CLI does without `--expected-version`, for which the services check every rule again;
    anything else than a whole version number did not come from the page and is refused."""
    if version is None:
        return None
    if isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= 2**31:
        return version
    raise Invalid(
        "the page did not say which version of the plan it shows; reload the page and make the "
        "change again"
    )


def action_plan(session: Mapping[str, Any] | None) -> str:
    """The selected plan's id, for an action (a service call) on it.

    With no plan selected it is None at run time and is passed on as the pages always did: the
    service refuses it as an unknown plan (NotFound), which `call_service` shows as an alert.
    """
    return (session or {}).get("plan_id")  # type: ignore[return-value]  # None: see above


def acting_user(session: Mapping[str, Any] | None, ctx: Any = None) -> str | None:
    """Who is acting in this callback: the one seam every page asks.

    It is the account of the server-side session (Flask-Login, dashboard/auth.py); `session`,
    the browser's plan selection, is not looked at for it, and callbacks never read a user name
    from what the browser sends anywhere else. A background callback (a child process, outside
    the request) passes its `ctx`: the signed session cookie of the request that started it is
    verified with the installation's key.
    """
    from dashboard import auth

    del session  # what the browser sends never names the user
    account = auth.current_account()
    if account is not None:
        return account.name
    return auth.background_account_name(ctx) if ctx is not None else None


def acting_admin() -> bool:
    """Whether the signed-in account of this request is an admin (who sees every plan)."""
    from dashboard import auth

    account = auth.current_account()
    return bool(account and account.is_admin)


def role_note(allowed: bool, why_not: str, fix: Fix | None = None) -> html.Small | None:
    """The line under an action that says why the current user may not do it (and how to put
    that right on the pages, when the refusal has a fix)."""
    if allowed:
        return None
    return html.Small(page_text(why_not, fix), className="text-muted role-note d-block")


class Permission(Protocol):
    """What the read models say a user may do (``negotiation_actions`` / ``system_views``)."""

    @property
    def allowed(self) -> bool: ...
    @property
    def reason(self) -> str: ...
    @property
    def fix(self) -> Fix | None: ...


def permission_note(permission: Permission) -> html.Small | None:
    """`role_note` of a read model's permission: why not, and how to fix it on the pages."""
    return role_note(permission.allowed, permission.reason, permission.fix)


def hidden_label(text: str, control_id: str) -> dbc.Label:
    """A label only screen readers hear, for a control whose placeholder or place shows its
    purpose on screen (a placeholder is gone once something is typed or picked)."""
    return dbc.Label(text, html_for=control_id, className="visually-hidden")


def labelled_col(text: str, control: Any, md: int) -> dbc.Col:
    """A form row's column holding `control` under a label only screen readers hear
    (`hidden_label`), for rows of fields whose placeholders say on screen what each is."""
    return dbc.Col([hidden_label(text, control.id), control], md=md)


def named_group(name: str, choices: Any) -> html.Div:
    """Radio buttons under a name screen readers say before the choice ("Show: Whole plan")."""
    aria: dict[str, Any] = {"aria-label": name}
    return html.Div(choices, role="radiogroup", **aria)


def chart_summary_id(graph_id: str) -> str:
    """The id of the hidden caption that describes the chart `graph_id` (``described_chart``)."""
    return f"{graph_id}-summary"


def described_chart(name: str, graph: dcc.Graph, *, loading: bool = False) -> html.Figure:
    """A chart screen readers can name and read: `graph` in a ``<figure>`` named `name` (until
    the drawn chart's own title replaces it) and described by a hidden caption that the page's
    script (assets/a11y.js) fills from the figure as drawn: each line or bar set with its total
    or its values ("System plan €51.2M in total (a €20.1M, c €31.1M)"), or the blank chart's
    message. `loading`: the chart shows a spinner while its callback runs."""
    summary_id = chart_summary_id(str(graph.id))  # type: ignore[attr-defined]  # Dash sets it
    aria: dict[str, Any] = {
        "aria-label": name,
        "aria-describedby": summary_id,
        "data-chart-name": name,
    }
    return html.Figure(
        [
            dcc.Loading(graph, type="dot") if loading else graph,
            html.Figcaption(id=summary_id, className="visually-hidden"),
        ],
        className="described-chart m-0",
        **aria,
    )


GRID_ONE_TAB_STOP: dict[str, Any] = {
    "tabToNextCell": {"function": "false"},
    "tabToNextHeader": {"function": "false"},
}
"""Every AG Grid's options start with these: a grid is one stop for Tab, its cells are reached
with the arrow keys, and Tab leaves it (AG Grid's own Tab went cell by cell: a keyboard user
had to press it 60 times through the Plans page's audit table to reach the next button)."""


STAT_CARD_WIDTHS = {"xs": 6, "md": 4, "xl": 2}
"""A row of six stat cards: two a row on a phone, three on a tablet, six on a laptop (six a row
at 768 px cut their amounts off and scrolled the page sideways)."""


def stat_card(
    label: str, value: str, *, colour: str | None = None, sub: str | None = None
) -> dbc.Card:
    style = {"borderTop": f"4px solid {colour}"} if colour else None
    body = [
        html.Div(label, className="text-muted small"),
        # a figure, not a heading: screen readers' heading list is the page's sections
        html.Div(value, className="h4 mb-0 stat-value"),
    ]
    if sub:
        body.append(html.Div(sub, className="small text-muted"))
    return dbc.Card(dbc.CardBody(body), style=style, className="h-100")


def export_filename(name: str, version: int, fmt: str, *, suffix: str = "") -> str:
    """A download's file name from a plan's name and version: ``Rossmann_sample_v3.csv``
    (``Rossmann_sample_v3_excel.csv`` with the suffix ``_excel``)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_") or "plan"
    return f"{safe}_v{version}{suffix}.{fmt}"


def need_plan_notice() -> dbc.Alert:
    return info_alert(
        "Pick a plan in the bar above, or create one on the Data page from a sales file."
    )


def options(values: Iterable[str]) -> list[dict[str, str]]:
    return [{"label": str(v), "value": str(v)} for v in values]


def period_options(dates: Iterable[str], freq: str | None, *, ends: bool) -> list[dict[str, str]]:
    """A date picker's choices over a plan's periods (first days, or last days when `ends`): a
    quarter or a month reads by its name, its day beside it, so ``2018 Q1 (to 2018-03-31)``."""
    return [
        {"label": period_day_label(d, freq, "to" if ends else "from"), "value": str(d)}
        for d in dates
    ]


def period_day_label(iso_date: str, freq: str | None, word: str) -> str:
    name = period_label(iso_date, freq)
    return iso_date if name == iso_date else f"{name} ({word} {iso_date})"


def file_problem_line(problem: Any, fix: str | None) -> str:
    """One problem of a refused file on a line: ``row 3, end: not a date (2015-13-01) → write it
    as YYYY-MM-DD`` (the file's row, header = 1), `fix` after the arrow when given."""
    where = ", ".join(
        part
        for part in (
            f"row {problem.row}" if problem.row is not None else "",
            str(problem.column or ""),
        )
        if part
    )
    value = f" ({problem.value})" if problem.value else ""
    said = f"{problem.message}{value}" + (f" → {fix}" if fix else "")
    return f"{where}: {said}" if where else said


def upload_zone(component_id: str, title: str, hint: str, *, padding: str = "24px") -> dcc.Upload:
    """A dashed drag-and-drop zone: the title in bold, the hint (formats, size limit) below."""
    return dcc.Upload(
        id=component_id,
        children=html.Div(
            [html.Div(title, className="fw-semibold"), html.Div(hint, className="small text-muted")]
        ),
        className="upload-zone",
        style={
            "border": "2px dashed #94a3b8",
            "borderRadius": "8px",
            "padding": padding,
            "textAlign": "center",
            "cursor": "pointer",
        },
        multiple=False,
    )


COMMON_CURRENCIES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "JPY",
    "CNY",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CAD",
    "AUD",
)


FALLBACK_CURRENCY = fmt.FALLBACK_CURRENCY


def currency_options(first: str = FALLBACK_CURRENCY) -> list[dict[str, str]]:
    """The create form's currency choices: ``first`` (the browser's, see ``browser_currency``),
    common ISO codes and plain numbers."""
    codes = dict.fromkeys((first, *COMMON_CURRENCIES))
    return [{"label": f"{code} ({fmt.symbol(code)})", "value": code} for code in codes] + [
        {"label": fmt.currency_text(None), "value": fmt.NO_CURRENCY_TEXT}
    ]


def browser_currency() -> str:
    """The currency of the region the browser asks for (``Accept-Language``: en-US -> USD,
    de-CH -> CHF), else ``FALLBACK_CURRENCY``: a suggestion the planner can change."""
    return browser_currency_choice()[0]


def browser_currency_choice() -> tuple[str, str]:
    """`browser_currency` and, in words, where it came from: a new plan's currency is never
    guessed from the file's country, so the create form says why it holds this one."""
    header = flask.request.headers.get("Accept-Language") if flask.has_request_context() else None
    code = fmt.currency_of_languages(header)
    try:
        fmt.check_plan_currency(code)  # BHD's three decimals: no plan can be made in it
    except fmt.MoneyError:
        code = None
    if code is None:
        return FALLBACK_CURRENCY, (
            f"{FALLBACK_CURRENCY} is the default (your browser's language names no region): "
            "pick the currency the file's amounts are in."
        )
    language = (header or "").split(",")[0].split(";")[0].strip()[:20]
    return code, (
        f"{code} because your browser asks for {language}, not from the file: pick the "
        "currency its amounts are in."
    )
