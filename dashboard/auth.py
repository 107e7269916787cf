"""Sign-in for the dashboard (Flask-Login): who is acting comes from the server-side session only.

`install(app, ctx, mode=...)` puts it on `app.server`:

- ``password`` (default): a sign-in page at ``/login`` checks an account of the store (argon2
  hash); ``POST /logout`` signs out. Repeated failures are throttled per user name from one client
  address and per client address (`accounts.SignInThrottle`, counted in the store: every server
  of one database alike), never per name alone: a guesser cannot lock the owner out.
- ``header``: an authenticating reverse proxy (oauth2-proxy, a company SSO) sets the user name in
  a header (``X-Forwarded-User``); the account must exist and be active. Only safe when the port
  is reachable through that proxy alone.

Every request is checked: without a signed-in, active account, pages redirect to the sign-in
page and Dash's JSON endpoints (layout, dependencies, callbacks, background-callback polls,
component bundles) answer 401. The user loader re-reads the account and the sign-in on every
request, so a disabled account's open sessions end at their next request (and stay ended if it is
enabled again), as do sessions signed out (the store keeps the sign-in, not just the cookie:
a copied cookie ends with it), signed in before a password change or more than `SESSION_HOURS` ago
(`forecast serve --session-hours`). Callbacks whose plan the user may not
see answer 204 (nothing) with the header ``X-Forecast-Refused: plan``, so a forged plan id
reveals nothing and the page (``assets/forecast.js``) can tell a person removed from the plan
they have open that this is why their click did nothing; the shell's plan picker, which only
compares the session's plan with the visible ones, is answered (``ids.SESSION_PLAN_COMPARED_ONLY``).
A callback refused for want of a sign-in (401) is told on the page too, with a link to sign in
again that comes back to the page.
"""

from __future__ import annotations

import html
import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import flask
import flask_login
from dash import Dash
from flask.sessions import SecureCookieSessionInterface

from dashboard import ids
from dashboard.server import log_safe
from forecast.services import accounts, plan_access
from forecast.services import plans as plan_service
from forecast.services.errors import Forbidden, Invalid, NotFound

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
PASSWORD_PATH = "/password"
SIGN_IN_SCRIPT = "/login.js"
THROTTLE_KEY = "forecast_sign_in_throttle"
DEFAULT_AUTH_HEADER = "X-Forwarded-User"
# Served without a session: the sign-in page and the static files it uses. By the view that
# answers, not the path: Dash answers any other path (`/assets/`, `/login` in header mode) with
# its app page, which names its versions.
_OPEN_ENDPOINTS = frozenset({"login", "logout", "sign_in_script", "_dash_assets.static", "health"})
BAD_CREDENTIALS = "Unknown user name or wrong password."
SESSION_COOKIE = "forecast_session"
CREDENTIAL = "credential"  # the session's stamp of the password it signed in with
SIGNED_IN_AT = "signed_in_at"  # when the session signed in (seconds since the epoch)
SESSION_ID = "sign_in"  # the sign-in's id in the store (signing out ends it there)
REFUSED_HEADER = "X-Forecast-Refused"
PLAN_REFUSED = "plan"  # the callback names a plan the person may not see (or no plan at all)
SESSION_HOURS = 12.0
"""How long a sign-in lasts (a working day); then the sign-in page again. A cookie copied off a
machine is worth no more than that."""
CLOCK_SKEW_SECONDS = 300
"""How far ahead of this server's clock a sign-in time may be (another server signed it)."""


@dataclass(frozen=True)
class SignedIn(flask_login.UserMixin):
    """The account behind the current request."""

    name: str
    display_name: str
    is_admin: bool

    def get_id(self) -> str:
        return self.name


def current_account() -> SignedIn | None:
    """The signed-in account of this request, or None (outside a request too)."""
    if not flask.has_request_context():
        return None
    user = flask_login.current_user
    return user if isinstance(user, SignedIn) else None


def visible_plans(store: Any, *, include_archived: bool = True) -> list[Any]:
    """The plans the signed-in account may see (all for an admin), oldest first; the archived
    ones too unless `include_archived` is False."""
    account = current_account()
    return plan_access.plans_visible_to(
        store,
        account.name if account else None,
        admin=bool(account and account.is_admin),
        include_archived=include_archived,
    )


def background_account_name(ctx: Any) -> str | None:
    """Who started a background callback (it runs in a child process, outside any request).

    Dash hands the job the cookies and headers of the request that started it; the session
    cookie is verified with the installation's secret key (so it cannot be forged), and the
    account must still be active."""
    from dash import callback_context

    try:
        cookies = callback_context.cookies or {}
        headers = callback_context.headers or {}
    except Exception:  # no callback running at all
        return None
    store = ctx.fresh_store()  # a child process: a store of its own, closed when done
    try:
        return _background_account(ctx, store, cookies, headers)
    finally:
        store.close()


def _background_account(ctx: Any, store: Any, cookies: Any, headers: Any) -> str | None:
    from dashboard.secret import load_secret_key

    if ctx.auth_mode == "header":
        wanted = {k.lower(): v for k, v in headers.items()}.get(ctx.auth_header.lower())
        proxied = accounts.proxy_account(store, wanted)
        return proxied.name if proxied is not None else None
    signer = flask.Flask(__name__)
    signer.secret_key = load_secret_key(store)
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    raw = cookies.get(SESSION_COOKIE)
    data: dict[str, Any]
    try:
        data = serializer.loads(raw) if (serializer and raw) else {}
    except Exception:  # a cookie that does not verify names nobody
        data = {}
    account = accounts.active_account(store, data.get("_user_id"))
    if account is None or not _session_valid(store, data, account, ctx.session_hours):
        return None
    return account.name


def _session_valid(store: Any, session: Any, account: Any, hours: float) -> bool:
    """A session signed in with the account's current password (not before a change), less than
    `hours` ago by the store's record of it (not the cookie's say), and neither signed out nor
    ended by disabling the account since."""
    if session.get(CREDENTIAL) != accounts.credential_stamp(account):
        return False
    kept = accounts.open_session(store, session.get(SESSION_ID), account.name)
    return kept is not None and session_current({SIGNED_IN_AT: kept.signed_in_at}, hours)


def session_current(session: Any, hours: float, now: float | None = None) -> bool:
    """Whether a session signed in less than `hours` ago (a session without the time is not)."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return False
    now = time.time() if now is None else now
    # A few minutes "from the future" are the clocks of two servers behind one balancer.
    return -CLOCK_SKEW_SECONDS <= now - signed_in_at <= hours * 3600


class _SessionInterface(SecureCookieSessionInterface):
    """The Flask cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        configured = bool(super().get_cookie_secure(app))
        return configured or (flask.has_request_context() and flask.request.is_secure)


def install(
    app: Dash,
    ctx: Any,
    *,
    mode: str = "password",
    header: str = DEFAULT_AUTH_HEADER,
    session_hours: float = SESSION_HOURS,
) -> None:
    """Require a signed-in account for everything the app serves (see the module docstring)."""
    if mode not in accounts.AUTH_MODES:
        raise ValueError(f"unknown auth mode {mode!r}; use one of {', '.join(accounts.AUTH_MODES)}")
    if not 0 < session_hours <= 24 * 30:
        raise ValueError(f"a sign-in lasts more than 0 and at most 720 hours, not {session_hours}")
    ctx.auth_mode, ctx.auth_header, ctx.session_hours = mode, header, session_hours
    server = app.server
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME=SESSION_COOKIE,
    )
    server.session_interface = _SessionInterface()
    hours = session_hours
    server.extensions[THROTTLE_KEY] = accounts.SignInThrottle(ctx.store)
    manager = flask_login.LoginManager()
    manager.init_app(server)

    if mode == "header":

        @manager.request_loader
        def from_proxy(request: flask.Request) -> SignedIn | None:
            account = accounts.proxy_account(ctx.store, request.headers.get(header))
            if account is None:
                return None
            return SignedIn(account.name, account.display_name, account.is_admin)

    else:

        @manager.user_loader
        def from_session(user_id: str) -> SignedIn | None:
            account = accounts.active_account(ctx.store, user_id)
            if account is None or not _session_valid(ctx.store, flask.session, account, hours):
                return None
            return SignedIn(account.name, account.display_name, account.is_admin)

        _add_sign_in_routes(server, ctx)

    @server.before_request
    def require_sign_in() -> Any:
        path = flask.request.path
        if flask.request.endpoint in _OPEN_ENDPOINTS:
            return None
        user = current_account()
        if user is None:
            return _refuse(path, mode, header)
        if path.startswith("/_dash-update-component"):
            try:
                body: Any = flask.request.get_json(silent=True)
            except RecursionError:
                return flask.jsonify(error="the request is nested too deeply to be read"), 400
            if not _calls_a_callback_as_registered(app, body):
                return flask.jsonify(error="not a callback of this dashboard, as registered"), 400
            if "callback" not in app.callback_map[body["output"]]:
                # A clientside callback: Dash answered its request with a KeyError (a 500).
                return flask.jsonify(error="a callback that runs in the browser, not here"), 400
            refused = _values_as_the_page_sends_them(body)
            if refused:
                return flask.jsonify(error=refused), 400
            if not _may_see_requested_plan(ctx, user, body):
                # Nothing of the plan, but a word for the page: forecast.js tells the person
                # that the plan they had open is no longer theirs to see (the same for a plan
                # that does not exist: an id made up learns nothing).
                return flask.Response(status=204, headers={REFUSED_HEADER: PLAN_REFUSED})
        return None


def _refuse(path: str, mode: str, header: str) -> Any:
    if mode == "header":
        name = flask.request.headers.get(header, "").strip()
        # Escaped as sent (a newline in the header forges no line of the log), and bounded.
        said = repr(name[:200]) if name else f"no {header} header"
        flask.current_app.logger.info(
            "refused %s from %s: %s",
            log_safe(path),
            flask.request.remote_addr,
            f"the proxy's {header} names {said}, who has no active account" if name else said,
        )
        message = (
            f"The proxy signed you in as {name!r}, but there is no active account of that name: "
            f"an admin adds it with `forecast user add {name} --no-password`."
            if name
            else f"No {header} header: open the dashboard through the company sign-in proxy."
        )
        return flask.Response(message, status=403, mimetype="text/plain")
    if path.startswith("/_") or flask.request.is_json or flask.request.method != "GET":
        return flask.jsonify(error="sign in first", sign_in=LOGIN_PATH), 401
    target = flask.request.full_path.rstrip("?")
    return flask.redirect(f"{LOGIN_PATH}?next={quote(target)}")


def _calls_a_callback_as_registered(app: Dash, body: Any) -> bool:
    """Whether a callback request names a registered callback and sends, position by position,
    the inputs and state it was registered with. Dash hands the values to the callback by
    position whatever ids they come with; only with the ids checked does a value sent as the plan
    selection reach the callback as the plan selection (``_may_see_requested_plan``)."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return False
    registered = app.callback_map.get(body["output"])
    if registered is None or not _outputs_shaped(body["output"], body.get("outputs")):
        return False
    for key in ("inputs", "state"):
        sent, wanted = body.get(key, []), registered.get(key) or []
        if not isinstance(sent, list) or len(sent) != len(wanted):
            return False
        if not all(_sent_as_registered(w, s) for w, s in zip(wanted, sent, strict=True)):
            return False
    return _patterns_name_one_set_of_components(registered, body) and _triggers_are_inputs(body)


def _triggers_are_inputs(body: dict[str, Any]) -> bool:
    """Whether `changedPropIds` (which inputs fired; Dash reads it as sent, in
    `ctx.triggered_id`) is a list of "id.property" texts, a pattern's id among them the JSON of
    one of the request's inputs. A number there, a pattern id that is no JSON, or one of no
    input (a dict where a callback looks up a button's id) were 500s."""
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return False
    inputs = [
        (entry.get("id"), entry.get("property"))
        for sent in body.get("inputs") or []
        for entry in (sent if isinstance(sent, list) else [sent])
        if isinstance(entry, dict)
    ]
    for prop_id in changed:
        component, _, prop = prop_id.rpartition(".")
        if not component.startswith("{"):
            continue
        try:
            named = json.loads(component)
        except (ValueError, RecursionError):
            return False
        if (named, prop) not in inputs:
            return False
    return True


def _patterns_name_one_set_of_components(registered: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether every pattern-matching dependency that appears more than once (a card's amounts
    and the same boxes' ids) names the same components in the same order, each once: Dash sends
    them so, from one page. A callback pairs such lists by position; sent otherwise (a list
    shorter than the other, another order, a team twice), an amount reached another team's
    position or none (an IndexError, a 500)."""
    named: dict[str, list[str]] = {}
    for key in ("inputs", "state"):
        for wanted, sent in zip(registered.get(key) or [], body.get(key) or [], strict=True):
            if not wanted["id"].startswith("{"):
                continue
            entries = sent if isinstance(sent, list) else [sent]
            found = [json.dumps(entry["id"], sort_keys=True) for entry in entries]
            if len(set(found)) != len(found):
                return False  # one component twice: a page has each id once
            if named.setdefault(wanted["id"], found) != found:
                return False
    return True


def _values_as_the_page_sends_them(body: dict[str, Any]) -> str | None:
    """What is wrong with a value sent for a field a person fills in (``ids``: TEXT_FIELDS,
    CHOICE_FIELDS, MULTI_CHOICE_FIELDS, TICK_FIELDS, GRID_ROW_KEYS) or any other value a callback
    reads (STORE_SHAPES, PROPERTY_SHAPES), as no browser sends it; None when every one is as the
    page sends it. A goal sent as a number reached `.strip()`, a rule sent as a list a dict
    look-up, a grid's rows sent as text `.get`, the plan selection sent as text `.get`, a refresh
    counter sent as text `+ 1`: 500s before."""
    for entry in _entries(body):
        box = entry.get("id")
        name = box.get("type") if isinstance(box, dict) else box
        prop, value = entry.get("property"), entry.get("value")
        if not isinstance(name, str) or not isinstance(prop, str):
            continue
        refused = _field_refusal(name, prop, value) or _shape_refusal(entry, name, prop, value)
        if refused:
            return refused
    return None


def _entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The inputs and state of a callback request, one entry per component (a pattern's list
    flattened)."""
    entries: list[Any] = []
    for key in ("inputs", "state"):
        for sent in body.get(key) or []:
            entries.extend(sent if isinstance(sent, list) else [sent])
    return [entry for entry in entries if isinstance(entry, dict)]


def _number(value: Any) -> bool:
    """A number (not true/false) as a browser holds one: a number box's value, a numeric
    option's value. NaN, the infinities and whole numbers past a float's range come from no
    page (JSON.stringify writes the first as null): a threshold of 10**400 reached `float` (a
    500), the replay's cycles of Infinity `int` in its job."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _field_refusal(name: str, prop: str, value: Any) -> str | None:
    if prop == "value":
        if name in ids.TEXT_FIELDS:
            number = name in ids.NUMBER_FIELDS and _number(value)
            if not (value is None or isinstance(value, str) or number):
                return "a text box sent something other than text"
        elif name in ids.CHOICE_FIELDS:
            kind = _number if name in ids.NUMBER_CHOICE_FIELDS else _text
            if not (value is None or kind(value)):
                return "a choice sent something other than one option's value"
        elif name in ids.MULTI_CHOICE_FIELDS:
            if not (value is None or (isinstance(value, list) and all(map(_text, value)))):
                return "a choice of several sent something other than a list of option values"
        elif name in ids.TICK_FIELDS and not (value is None or isinstance(value, bool)):
            return "a tick box sent something other than true or false"
        return None
    keys = ids.GRID_ROW_KEYS.get(name)
    if keys is None or value is None:
        return None
    if prop in ids.GRID_ROW_PROPERTIES:
        rows_ok = isinstance(value, list) and all(_grid_row(row, keys) for row in value)
        return None if rows_ok else "a grid sent rows other than its own"
    if prop in ids.GRID_CELL_PROPERTIES:
        # A list for the edits (dash-ag-grid sends them so), one event for a click.
        many = isinstance(value, list) and prop == "cellValueChanged"
        changes = value if many else [value]
        cells_ok = all(_grid_cell(change, keys) for change in changes)
        return None if cells_ok else "a grid sent a cell other than its own"
    return None


def _flat(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _grid_row(row: Any, keys: frozenset[str]) -> bool:
    """One row of a grid: an object with the grid's keys, every value flat."""
    return isinstance(row, dict) and keys <= row.keys() and all(map(_flat, row.values()))


def _grid_cell(change: Any, keys: frozenset[str]) -> bool:
    """One cell event (a clicked or edited cell): flat values, its row (``data``) a row of the
    grid when it carries one."""
    if not isinstance(change, dict):
        return False
    row = change.get("data")
    if "data" in change and not _grid_row(row, keys):
        return False
    return all(_flat(v) for k, v in change.items() if k != "data")


def _whole(value: Any) -> bool:
    """A whole number from 0 (JSON's numbers come as int when whole; true is no number)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _nothing_or(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _record(value: Any, fields: dict[str, Callable[[Any], bool]], *, required: bool) -> bool:
    """An object whose `fields` are each as checked (all present when `required`; any other key
    is left alone: the callbacks read only these)."""
    if not isinstance(value, dict):
        return False
    if required and not fields.keys() <= value.keys():
        return False
    return all(check(value[key]) for key, check in fields.items() if key in value)


def _session(value: Any) -> bool:
    names = _nothing_or(_text)
    return _record(value, {"plan_id": names, "plan_name": names}, required=False)


def _uploaded(value: Any) -> bool:
    """{"token": text, ...}: flat values, the store table beside it (``attributes``) one too."""
    if not _record(value, {"token": _text}, required=True):
        return False
    attributes = value.get("attributes")
    if attributes is not None and not _uploaded(attributes):
        return False
    return all(_flat(v) for k, v in value.items() if k != "attributes")


def _kept(value: Any, fields: dict[str, Callable[[Any], bool]]) -> bool:
    """Typing a refused edit kept for the re-render, of the plan and version it was typed on."""
    of = {"plan_id": _text, "version": _nothing_or(_whole)}
    return _record(value, {**of, **fields}, required=True)


def _flat_dict(value: Any) -> bool:
    return isinstance(value, dict) and all(map(_flat, value.values()))


def _plot_point(point: Any) -> bool:
    """One point of dcc.Graph's event data: its own flat values, and the bounding box, custom
    data and point numbers Dash passes through (a level deep)."""

    def one_level(v: Any) -> bool:
        return _flat(v) or _flat_dict(v) or (isinstance(v, list) and all(map(_flat, v)))

    return isinstance(point, dict) and all(map(one_level, point.values()))


def _plot_click(value: Any) -> bool:
    points = value.get("points") if isinstance(value, dict) else None
    return isinstance(points, list) and all(map(_plot_point, points))


def _path(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/")


_ShapeCheck = Callable[[Any], bool]
_SHAPES: dict[str, tuple[_ShapeCheck, str]] = {
    ids.COUNTER: (_nothing_or(_whole), "a counter of the page sent something other than a number"),
    ids.CLICKS: (_nothing_or(_whole), "a button sent its clicks as something other than a count"),
    ids.VERSION: (_nothing_or(_whole), "the page sent a version other than a whole number"),
    ids.WHOLE: (_nothing_or(_whole), "the page sent something other than a whole number"),
    ids.SESSION: (_nothing_or(_session), "the plan selection is not as the page keeps it"),
    ids.TEXT: (_nothing_or(_text), "the page sent something other than text"),
    ids.YES_NO: (
        _nothing_or(lambda v: isinstance(v, bool)),
        "the page sent something other than true or false",
    ),
    ids.UPLOAD: (_nothing_or(_text), "an upload sent its file as something other than text"),
    ids.RAW_UPLOAD: (
        _nothing_or(
            lambda v: _record(v, {"contents": _text, "filename": _nothing_or(_text)}, required=True)
        ),
        "the dropped file is not as the page sends it",
    ),
    ids.UPLOADED: (_nothing_or(_uploaded), "the page named an upload other than as it was given"),
    ids.KEPT_CLAIM: (
        _nothing_or(
            lambda v: _kept(v, {"team": _text, "amount": _flat, "note": _flat}) and _flat_dict(v)
        ),
        "the page kept a refused claim other than as it was given",
    ),
    ids.KEPT_MANUAL: (
        _nothing_or(lambda v: _kept(v, {"amounts": _flat_dict})),
        "the page kept refused amounts other than as they were given",
    ),
    ids.REMOVAL: (
        _nothing_or(lambda v: _record(v, {"event_id": _text, "version": _whole}, required=True)),
        "the page named a removal to undo other than as it was given",
    ),
    ids.CLICKED: (
        _nothing_or(
            lambda v: _record(v, {"type": _text, "clicks": _whole}, required=True) and _flat_dict(v)
        ),
        "the page named a button clicked other than as it was drawn",
    ),
    ids.PLOT_CLICK: (_nothing_or(_plot_click), "a chart sent a click other than a chart's"),
    ids.PATH: (_nothing_or(_path), "the page's address is not a path of this site"),
    ids.QUERY: (_nothing_or(_text), "the page's address sent a query other than text"),
    ids.OPTIONS: (
        _nothing_or(lambda v: isinstance(v, list) and all(map(_flat_dict, v))),
        "a choice sent its options other than as a list of choices",
    ),
    ids.CONTENT: (lambda _value: True, ""),
}


def _shape_refusal(entry: dict[str, Any], name: str, prop: str, value: Any) -> str | None:
    """What is wrong with a value of `ids.STORE_SHAPES` / `ids.PROPERTY_SHAPES` (a component's
    `id` property: its own id, as Dash sends it)."""
    kind = ids.STORE_SHAPES.get(name) if prop == "data" else ids.PROPERTY_SHAPES.get(prop)
    if kind == ids.OWN_ID:
        return None if value == entry.get("id") else "a component sent an id other than its own"
    if kind is None:
        return None
    check, reason = _SHAPES[kind]
    return None if check(value) else reason


def _outputs_shaped(output: str, outputs: Any) -> bool:
    """The outputs as Dash reads them (whether they are the registered ones, Dash checks): for
    one output an entry, for several (``..a.b...c.d..``) a list of as many entries or lists of
    them (a pattern's), each an id and a property."""

    def entry(item: Any) -> bool:
        return (
            isinstance(item, dict)
            and isinstance(item.get("id"), str | dict)
            and isinstance(item.get("property"), str)
        )

    def entries(item: Any) -> bool:
        return entry(item) or (isinstance(item, list) and all(entry(i) for i in item))

    if not output.startswith(".."):  # a list only for a pattern's outputs (an id `{...}`)
        return entry(outputs) or (output.startswith("{") and entries(outputs))
    wanted = len(output[2:-2].split("..."))
    return isinstance(outputs, list) and len(outputs) == wanted and all(map(entries, outputs))


_WILDCARDS = (["ALL"], ["ALLSMALLER"], ["MATCH"])


def _sent_as_registered(wanted: dict[str, str], sent: Any) -> bool:
    """One input or state entry: the same id and property (a pattern-matching id: the same keys,
    its fixed values equal, a list of such entries for ALL and ALLSMALLER)."""
    if not wanted["id"].startswith("{"):
        return (
            isinstance(sent, dict)
            and sent.get("id") == wanted["id"]
            and sent.get("property") == wanted["property"]
        )
    pattern = json.loads(wanted["id"])
    many = any(value in (["ALL"], ["ALLSMALLER"]) for value in pattern.values())
    entries = sent if many else [sent]
    if not isinstance(entries, list):
        return False
    return all(_matches_pattern(pattern, wanted["property"], entry) for entry in entries)


def _matches_pattern(pattern: dict[str, Any], prop: str, entry: Any) -> bool:
    if not isinstance(entry, dict) or entry.get("property") != prop:
        return False
    found = entry.get("id")
    if not isinstance(found, dict) or set(found) != set(pattern):
        return False
    return all(
        _wildcard_value(found[key]) if value in _WILDCARDS else found[key] == value
        for key, value in pattern.items()
    )


def _wildcard_value(value: Any) -> bool:
    """A value a pattern's wildcard matches as Dash has it: text, a number or true/false (a list
    or an object as a team reached a dict's key or a set look-up: a 500)."""
    return isinstance(value, str | int | float | bool)


def _may_see_requested_plan(ctx: Any, user: SignedIn, body: dict[str, Any]) -> bool:
    """False when a callback names a plan the user may not see (in the plan selection store or
    the navbar's plan picker), or one that does not exist (for an admin too: a tab's session
    kept across a store put back names one, and the pages read it as there); the request was
    checked against the callback's registration. A database that does not answer is no refusal:
    its ``Unavailable`` goes on to the server's 503 (try again)."""
    # The shell's picker compares the session's plan with the plans the person may see (and
    # says when it is not one of them): answering it nothing left a person removed from the
    # plan they had open with an empty picker and no word, at every reload.
    compared_only = body.get("output") in ids.SESSION_PLAN_COMPARED_ONLY
    for item in [*(body.get("inputs") or []), *(body.get("state") or [])]:
        if not isinstance(item, dict):
            continue
        value = item.get("value")
        if item.get("id") == ids.NAV_SESSION:
            if compared_only:
                continue
            plan_id = value.get("plan_id") if isinstance(value, dict) else None
        elif item.get("id") == ids.NAV_PLAN and item.get("property") == "value":
            plan_id = value
        else:
            continue
        if not plan_id:
            continue
        try:
            state = plan_service.get_plan(ctx.store, str(plan_id))
        except (NotFound, Invalid):  # no such plan: nothing to see either
            return False
        if not user.is_admin and not plan_access.may_view(state, user.name):
            return False
    return True


# -- the sign-in page -----------------------------------------------------------------------------


def _same_token(sent: object, kept: object) -> bool:
    """A form's token against the session's, in constant time; compared as bytes, since
    ``compare_digest`` refuses text with non-ASCII characters (a form sending ``é`` was a 500)."""
    return secrets.compare_digest(
        str(sent).encode("utf-8", "surrogatepass"), str(kept).encode("utf-8", "surrogatepass")
    )


def _add_sign_in_routes(server: flask.Flask, ctx: Any) -> None:
    @server.route(LOGIN_PATH, methods=["GET", "POST"])
    def login() -> Any:
        if flask.request.method != "POST":
            if current_account() is not None:
                return flask.redirect(_safe_next(flask.request.args.get("next")))
            return _page(ctx)
        form = flask.request.form
        if not _same_token(form.get("csrf", ""), flask.session.get("login_csrf", "-")):
            return _page(ctx, "The sign-in form expired: please try again.", status=400)
        name = str(form.get("name", "")).strip()[: accounts.MAX_NAME_LENGTH + 1]
        keys = accounts.throttle_keys(name, flask.request.remote_addr)
        throttle: accounts.SignInThrottle = server.extensions[THROTTLE_KEY]
        wait = throttle.wait_seconds(*keys)
        if wait:
            # Not logged (nor the name looked up) at each attempt: a flood would fill the log;
            # the failure that started the wait said so.
            message = (
                "Too many failed sign-ins from this address (for this name, or for any): "
                f"try again in {wait} seconds."
            )
            return _page(ctx, message, name=name, status=429)
        attempt = accounts.attempt_sign_in(ctx.store, name, str(form.get("password", "")))
        account = attempt.account
        if account is None:
            started_wait = throttle.failed(*keys)
            # The account's name, or not what was typed: that may be a password in the wrong box.
            logged_name = repr(attempt.tried) if attempt.tried is not None else "an unknown name"
            address = flask.request.remote_addr
            server.logger.warning("failed sign-in as %s from %s", logged_name, address)
            if started_wait:
                server.logger.warning(
                    "sign-in as %s from %s refused for %s s after repeated failures",
                    logged_name,
                    address,
                    started_wait,
                )
            # 200: the form again with the message (a 4xx would be a console error in the page)
            return _page(ctx, BAD_CREDENTIALS, name=name)
        throttle.succeeded(*keys)
        signed_in_at = time.time()
        secret = accounts.start_session(ctx.store, account.name, signed_in_at)
        if secret is None:  # disabled while the password was being checked
            return _page(ctx, BAD_CREDENTIALS, name=name)
        flask.session.clear()  # a fresh session: nothing from before the sign-in carries over
        flask_login.login_user(SignedIn(account.name, account.display_name, account.is_admin))
        flask.session[CREDENTIAL] = accounts.credential_stamp(account)
        flask.session[SIGNED_IN_AT] = signed_in_at
        flask.session[SESSION_ID] = secret
        server.logger.info("signed in: %r from %s", account.name, flask.request.remote_addr)
        return flask.redirect(_safe_next(form.get("next")))

    @server.route(LOGOUT_PATH, methods=["GET", "POST"])
    def logout() -> Any:
        if flask.request.method != "POST":  # a link or a reload: signs nobody out
            return flask.redirect(LOGIN_PATH)
        # Ended in the store: the cookie, copied off this browser or not, signs in nobody now.
        user = current_account()
        accounts.sign_out(ctx.store, flask.session.get(SESSION_ID))
        if user is not None:
            server.logger.info("signed out: %r from %s", user.name, flask.request.remote_addr)
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect(LOGIN_PATH)

    @server.route(PASSWORD_PATH, methods=["GET", "POST"])
    def password() -> Any:
        account = current_account()
        if account is None:  # require_sign_in sends strangers to the sign-in page first
            return flask.redirect(LOGIN_PATH)
        if flask.request.method != "POST":
            return _password_page()
        form = flask.request.form
        if not _same_token(form.get("csrf", ""), flask.session.get("password_csrf", "-")):
            return _password_page("The form expired: please try again.", status=400)
        keys = accounts.throttle_keys(account.name, flask.request.remote_addr)
        throttle: accounts.SignInThrottle = server.extensions[THROTTLE_KEY]
        wait = throttle.wait_seconds(*keys)
        if wait:
            return _password_page(f"Too many wrong passwords: try again in {wait} seconds.")
        try:
            accounts.change_own_password(
                ctx.store,
                account.name,
                str(form.get("current", ""))[: accounts.MAX_PASSWORD_LENGTH + 1],
                str(form.get("new", ""))[: accounts.MAX_PASSWORD_LENGTH + 1],
                str(form.get("repeat", ""))[: accounts.MAX_PASSWORD_LENGTH + 1],
            )
        except Forbidden:
            throttle.failed(*keys)
            return _password_page(accounts.WRONG_CURRENT_PASSWORD)
        except Invalid as exc:
            return _password_page(sentence(str(exc)))
        throttle.succeeded(*keys)
        flask.session.pop("password_csrf", None)
        # This session goes on; the others of this account end at their next request.
        changed = accounts.active_account(ctx.store, account.name)
        if changed is not None:
            flask.session[CREDENTIAL] = accounts.credential_stamp(changed)
        return _password_page(done=True)

    @server.route(SIGN_IN_SCRIPT)
    def sign_in_script() -> Any:
        # A new sign-in starts with a clean tab: the plan picked by whoever used it before goes.
        return flask.Response("window.sessionStorage.clear();", mimetype="text/javascript")


def _safe_next(target: str | None) -> str:
    """Only paths of this site (no `//host`, no scheme) are followed after signing in. Control
    characters, spaces and backslashes are refused outright: browsers and servers drop or turn
    them into slashes (``/<tab>/evil.example`` leaves ``//evil.example``)."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return "/"
    if any(ch <= " " or ch in "\\\x7f" for ch in target):
        return "/"
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return target


def sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


def _html_page(
    title: str, body: list[str], *, status: int = 200, signed_in: bool = True, head: str = ""
) -> Any:
    """A server-rendered page in the dashboard's look (sign-in, password); the brand links to
    the dashboard only for someone signed in."""
    brand = (
        "<a class='navbar-brand fw-bold' href='/'>Forecast planner</a>"
        if signed_in
        else "<span class='navbar-brand fw-bold'>Forecast planner</span>"
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)} · Forecast planner</title><link rel='icon' href='data:,'>",
        "<link rel='stylesheet' href='/assets/00-bootstrap-flatly-5.3.8.min.css'>",
        # the dashboard's colours, so the demo's note (white on light blue, 3.2:1) reads as there
        "<link rel='stylesheet' href='/assets/forecast.css'>",
        f"{head}</head>",
        "<body class='bg-light'><nav class='navbar navbar-dark bg-primary mb-4'>",
        f"<div class='container-fluid'>{brand}</div></nav>",
        "<main class='container' style='max-width:420px'>",
        f"<h1 class='h2 mb-3'>{html.escape(title)}</h1>",
        *body,
        "</main></body></html>",
    ]
    return flask.Response("".join(parts), status=status, mimetype="text/html")


def _password_page(error: str | None = None, *, done: bool = False, status: int = 200) -> Any:
    """Change your own password: the current one, then the new one twice."""
    account = current_account()
    who = html.escape(account.name if account else "")
    if done:
        return _html_page(
            "Password changed",
            [
                f"<div class='alert alert-success' id='password-done'>The password of {who} is "
                "changed: use the new one the next time you sign in.</div>",
                "<a class='btn btn-primary' href='/' id='password-back'>Back to the dashboard</a>",
            ],
        )
    token = flask.session.get("password_csrf") or secrets.token_urlsafe(32)
    flask.session["password_csrf"] = token

    def field(name: str, label: str, complete: str) -> str:
        return (
            f"<div class='mb-3'><label class='form-label' for='password-{name}'>{label}</label>"
            f"<input class='form-control' id='password-{name}' name='{name}' type='password' "
            f"autocomplete='{complete}' required maxlength='{accounts.MAX_PASSWORD_LENGTH}'>"
            "</div>"
        )

    body = [f"<p class='text-muted'>Signed in as <b>{who}</b>.</p>"]
    if error:
        body.append(
            f"<div class='alert alert-warning' id='password-error'>{html.escape(error)}</div>"
        )
    body += [
        f"<form method='post' action='{PASSWORD_PATH}' id='password-form'>",
        f"<input type='hidden' name='csrf' value='{html.escape(token)}'>",
        field("current", "Current password", "current-password"),
        field(
            "new",
            f"New password (at least {accounts.MIN_PASSWORD_LENGTH} characters)",
            "new-password",
        ),
        field("repeat", "New password again", "new-password"),
        "<button class='btn btn-primary w-100' id='password-submit' type='submit'>"
        "Change the password</button></form>",
        "<p class='mt-3'><a href='/'>Back to the dashboard</a></p>",
    ]
    return _html_page("Change your password", body, status=status)


def _page(ctx: Any, error: str | None = None, *, name: str = "", status: int = 200) -> Any:
    from forecast.services import demo

    token = flask.session.get("login_csrf") or secrets.token_urlsafe(32)
    flask.session["login_csrf"] = token
    hint = demo.sign_in_hint(ctx.store)
    no_accounts = not accounts.has_accounts(ctx.store)
    nxt = _safe_next(flask.request.values.get("next"))
    parts: list[str] = []
    if error:
        parts.append(
            f"<div class='alert alert-warning' id='login-error'>{html.escape(error)}</div>"
        )
    if no_accounts:
        parts.append(
            "<div class='alert alert-info' id='login-no-accounts'>There are no accounts yet. "
            "Create the first one on the server with <code>forecast user add NAME --admin</code>."
            "</div>"
        )
    parts += [
        f"<form method='post' action='{LOGIN_PATH}' id='login-form'>",
        f"<input type='hidden' name='csrf' value='{html.escape(token)}'>",
        f"<input type='hidden' name='next' value='{html.escape(nxt)}'>",
        "<div class='mb-3'><label class='form-label' for='login-name'>User name</label>",
        "<input class='form-control' id='login-name' name='name' autocomplete='username' "
        f"required autofocus value='{html.escape(name)}'></div>",
        "<div class='mb-3'><label class='form-label' for='login-password'>Password</label>",
        "<input class='form-control' id='login-password' name='password' type='password' "
        "autocomplete='current-password' required></div>",
        "<button class='btn btn-primary w-100' id='login-submit' type='submit'>Sign in</button>",
        "</form>",
    ]
    if hint:
        parts.append(
            f"<div class='alert alert-info mt-4 small' id='login-demo'>{html.escape(hint)}</div>"
        )
    return _html_page(
        "Sign in",
        parts,
        status=status,
        signed_in=False,
        head=f"<script src='{SIGN_IN_SCRIPT}'></script>",
    )
