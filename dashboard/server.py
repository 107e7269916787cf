"""What the web server does for every request, whatever the page: the Host check, the size
limit of a request, security headers, and error pages that tell nothing about the code (a
database that cannot be reached gets 503 and says so: a page, or JSON for Dash's requests).

`harden(app, ctx, allowed_hosts)` is called once by `create_app`, and `trust_proxies(app, hops)`
when the dashboard runs behind TLS-terminating proxies.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import flask
from dash import Dash
from dash.exceptions import CallbackException, DependencyException
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.context import DashboardContext
from forecast.services import health
from forecast.services.errors import Unavailable

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
# A file travels base64-encoded inside the callback's JSON: 4/3 of its size plus the rest of
# the request, so the server's hard limit sits a little above the page's limit.
REQUEST_OVERHEAD_BYTES = 1024 * 1024
UNAVAILABLE_MESSAGE = (
    "The database could not be reached (or is busy), so this request was not answered; "
    "nothing was changed by it. Try again in a moment."
)
HEALTH_PATH = "/healthz"  # for a load balancer or service manager: 200 or 503, no sign-in
DASH_ENDPOINTS = "/_dash-"  # the callbacks' and layout's requests: they read JSON
RETRY_AFTER_SECONDS = 5
CALLBACK_MISMATCH = "Bad request: not a callback of this dashboard, as registered."
ERROR_ID_BYTES = 4
"""An unexpected error's id (8 hex digits) is in its answer and in the log's line: whoever saw the
error quotes it, and the operator finds the traceback."""
ERROR_ID_HEADER = "X-Forecast-Error-Id"  # the id, for the page's notice (assets/forecast.js)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}


def request_limit(upload_limit_bytes: int) -> int:
    return upload_limit_bytes * 4 // 3 + REQUEST_OVERHEAD_BYTES


def host_name(host_header: str) -> str:
    """`example.org:8050` -> `example.org`; `[::1]:8050` -> `::1` (lower case)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_host_names(extra: Iterable[str] | None) -> frozenset[str]:
    """localhost and 127.0.0.1 always, plus the given names (a bind address, --allowed-host)."""
    names = {host_name(h) for h in extra or () if h and h.strip()}
    return frozenset(names | set(DEFAULT_HOSTS))


def trust_proxies(app: Dash, hops: int) -> None:
    """Believe the X-Forwarded-For/-Proto/-Host headers set by the last `hops` proxies.

    Behind a proxy that ends TLS, the app sees plain HTTP from the proxy's address: the session
    cookie would lose its Secure flag and sign-in throttling would count every person as one
    address. Only the proxies' own headers are read, so a browser cannot claim to be HTTPS or
    another address by sending them itself (with 0 hops nothing is believed)."""
    if hops < 0:
        raise ValueError("the number of trusted proxies cannot be negative")
    if hops:
        server = app.server
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def harden(app: Dash, ctx: DashboardContext, allowed_hosts: Iterable[str] | None = None) -> None:
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = request_limit(ctx.upload_limit_bytes)
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    hosts = allowed_host_names(allowed_hosts)
    limit_mb = ctx.upload_limit_bytes / 1024 / 1024

    @server.route(HEALTH_PATH, endpoint="health")
    def health_check() -> flask.Response:
        found = health.check(ctx.store)
        if not found.ok:
            server.logger.warning("health check: %s", found.detail)
        response = flask.jsonify(
            {"status": "ok"} if found.ok else {"status": "unavailable", "reason": found.reason}
        )
        response.status_code = 200 if found.ok else 503
        response.headers["Cache-Control"] = "no-store"
        if not found.ok:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @server.before_request
    def check_host() -> flask.Response | None:
        # a probe reaches the server by its own address, which no one names in --allowed-host;
        # the answer says nothing but whether the database answers
        if flask.request.endpoint == "health":
            return None
        if host_name(flask.request.host) not in hosts:
            return _plain(
                400,
                "Bad request: this server does not answer to that host name. "
                "Start it with --allowed-host NAME for each name it is reached by.",
            )
        return None

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> flask.Response:
        return _plain(
            413,
            f"The request is too large: files up to {limit_mb:,.0f} MB can be uploaded. "
            "Split the file, or load it from the command line.",
        )

    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> flask.Response:
        return _plain(exc.code or 500, f"{exc.code} {exc.name}")

    @server.errorhandler(Unavailable)
    def unavailable(exc: Unavailable) -> flask.Response:
        # The database down or locked (any request reads the signed-in account): say so, with
        # a status a proxy or a retrying client understands, and keep the details in the log.
        server.logger.warning("database unavailable in %s: %s", log_safe(flask.request.path), exc)
        if flask.request.path.startswith(DASH_ENDPOINTS):
            body = {"error": "unavailable", "message": UNAVAILABLE_MESSAGE}
            response = flask.jsonify(body)
            response.status_code = 503
        else:
            response = _plain(503, UNAVAILABLE_MESSAGE)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @server.errorhandler(DependencyException)
    def no_such_bundle(_exc: DependencyException) -> flask.Response:
        # Dash's answer to a component bundle path it does not serve (`deps/..%2f..%2fsetup.py`)
        return _plain(404, "Not found: no such file of the dashboard's components.")

    @server.errorhandler(Exception)
    def unexpected(exc: Exception) -> flask.Response:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if isinstance(exc, Unavailable):
            return unavailable(exc)
        if isinstance(exc, DependencyException):
            return no_such_bundle(exc)
        if type(exc) is CallbackException:  # a request not matching the callback (not a subclass:
            # those are the callback's own errors, such as a bad return value)
            return _plain(400, CALLBACK_MISMATCH)
        error_id = secrets.token_hex(ERROR_ID_BYTES)
        server.logger.exception(
            "unexpected error %s in %s%s",
            error_id,
            log_safe(flask.request.path),
            _request_context(),
        )
        response = _plain(
            500,
            "Something went wrong on the server; nothing was changed by this request. "
            f"The details are in the server's log under id {error_id}.",
        )
        response.headers[ERROR_ID_HEADER] = error_id
        return response


def log_safe(text: str) -> str:
    """What a request sent (a path, a callback's name), bounded and escaped for the log: a
    newline in it (Werkzeug decodes %0A in a path) forges no line of the log."""
    return text[:200].encode("unicode_escape").decode("ascii")


def _request_context() -> str:
    """Which callback failed (every callback posts to one path) and for whom, for the log."""
    said = []
    if flask.request.is_json:
        body = flask.request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        if isinstance(output, str):
            # Escaped as sent: a newline in it forges no line of the log.
            said.append(f"callback {log_safe(output)}")
    # The account already loaded for this request, if any: loading it here could fail again.
    user = getattr(flask.g, "_login_user", None)
    if user is not None and user.is_authenticated:
        said.append(f"signed in as {user.get_id()!r}")
    return f" ({', '.join(said)})" if said else ""


def _plain(status: int, text: str) -> flask.Response:
    return flask.Response(text + "\n", status=status, mimetype="text/plain")
