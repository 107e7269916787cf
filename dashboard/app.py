"""The Dash app: a navbar (pages, plan picker, who is signed in) around six pages.

`create_app(db_url=None, data_dir=None)` builds one app bound to one store. Callbacks are
registered on the app instance (not globally), so several apps can live in one process (tests).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import dash
import flask
from dash import Dash

from dashboard import auth, jobs, shell, uploads
from dashboard.context import DashboardContext
from dashboard.pages import accuracy, actuals, data, negotiation, plans, side_by_side, system_plan
from dashboard.secret import load_secret_key
from dashboard.server import harden, trust_proxies
from dashboard.warmup import warm_up

PAGES = (data, system_plan, negotiation, side_by_side, actuals, accuracy, plans)

UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024


def create_app(
    db_url: str | None = None,
    data_dir: str | None = None,
    *,
    upload_limit_bytes: int = UPLOAD_LIMIT_BYTES,
    allowed_hosts: Iterable[str] | None = None,
    auth_mode: str = "password",
    auth_header: str = auth.DEFAULT_AUTH_HEADER,
    trusted_proxies: int = 0,
    session_hours: float = auth.SESSION_HOURS,
    check_writes: bool = False,
) -> Dash:
    """Build the dashboard for the store at `db_url` (else the SQLite file in `data_dir`).

    Requests are answered for localhost, 127.0.0.1 and the names in `allowed_hosts` only.
    Everything it serves needs a signed-in account (`auth_mode` "password", or "header" behind
    an authenticating proxy that sets `auth_header`); see dashboard/auth.py. Behind
    `trusted_proxies` proxies, their X-Forwarded-* headers give the client's scheme, address
    and host (dashboard/server.py). A sign-in lasts `session_hours`. With `check_writes`
    (`forecast serve`), a store or cache this process may not write is refused first
    (`check_writable`), on the one store the app keeps open. A store URL that opens its SQLite
    file read-only is refused: every sign-in writes to the store."""
    import diskcache

    from forecast.services import writable

    writable.refuse_read_only_url(db_url or os.environ.get("FORECAST_DB_URL"))
    ctx = DashboardContext(db_url=db_url, data_dir=data_dir, upload_limit_bytes=upload_limit_bytes)
    if check_writes:
        check_writable(db_url, data_dir, store=lambda: ctx.store)
    _ = ctx.store  # open it now: a wrong URL or data dir is refused before anything is served
    try:
        cache = diskcache.Cache(str(ctx.cache_dir()))
    except (OSError, sqlite3.Error):  # a cache this user may not write: which, and the fix
        check_writable(db_url, data_dir, store=lambda: ctx.store)
        raise
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        # Bootstrap (Bootswatch Flatly, MIT) is served from assets/: the app works offline.
        suppress_callback_exceptions=True,
        background_callback_manager=jobs.CleanJobManager(cache),
        title="Forecast planner",
        # None (no "Updating..." title) is legal at runtime; Dash's stub only allows str.
        update_title=None,  # type: ignore[arg-type]
    )
    # The page's language, for screen readers and axe (Dash's own index page has none).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    for order, page in enumerate(PAGES):
        dash.register_page(
            page.__name__,
            path=page.PATH,
            name=page.NAME,
            title=f"{page.NAME} · Forecast planner",
            layout=_bind_layout(page.layout, ctx),
            order=order,
        )
        for alias in getattr(page, "REDIRECT_FROM", ()):
            _redirect(app, alias, page.PATH)
    # Dash shows this page for an unknown address (the module name is Dash's convention).
    dash.register_page("not_found_404", layout=shell.not_found(PAGES))
    app.server.config[CTX_KEY] = ctx
    app.server.secret_key = load_secret_key(ctx.store)
    harden(app, ctx, allowed_hosts)
    trust_proxies(app, trusted_proxies)
    auth.install(app, ctx, mode=auth_mode, header=auth_header, session_hours=session_hours)
    app.layout = shell.layout(PAGES, sign_out=auth_mode == "password")
    shell.register_callbacks(app, ctx)
    for page in PAGES:
        page.register_callbacks(app, ctx)
    # The libraries' first-use costs (plotly's validators and templates for every chart type,
    # scipy, pyarrow) are paid here, while starting, not in the first page a user opens.
    warm_up()
    return app


CTX_KEY = "FORECAST_DASHBOARD_CTX"


def check_writable(
    db_url: str | None, data_dir: str | None, store: Callable[[], Any] | None = None
) -> None:
    """Refuse (``Unavailable``, naming the file, folder or database and the fix) a store (its
    SQLite file, or its tables in PostgreSQL) or a cache this process may not write: a server
    started by a service user without write permission there answered its health check and
    failed every sign-in, or stopped with SQLite's words alone. A store URL that opens its
    SQLite file read-only is refused as such (``Invalid``, with the URL to give). `store` gives
    the open store a database server's tables are checked on (else one is opened for it)."""
    from forecast.services import store_factory, writable

    writable.refuse_read_only_url(db_url or os.environ.get("FORECAST_DB_URL"))
    ctx = DashboardContext(db_url=db_url, data_dir=data_dir)
    cache = ctx.cache_path()
    store_file = store_factory.sqlite_file(db_url, data_dir)
    writable.refuse_unwritable(
        store_file,
        [cache, uploads.folder(cache)],
        [cache / CACHE_FILE],
        database=None if store_file else store_factory.resolve_db_url(db_url, data_dir),
        store=store,
    )


CACHE_FILE = "cache.db"
"""diskcache's own SQLite file in the cache folder (background jobs' progress and results)."""


def _redirect(app: Dash, alias: str, path: str) -> None:
    """`alias` answers with a redirect to the page at `path` (registered with the app, before
    it serves: Dash's own redirect_from adds its routes on the first request)."""
    target = app.get_relative_path(path)
    app.server.add_url_rule(
        alias, f"redirect{alias.replace('/', '-')}", lambda: flask.redirect(target)
    )


def _bind_layout(layout: Any, ctx: DashboardContext) -> Any:
    # Dash keeps one page registry per process; when several apps live in one process (tests),
    # the layout asks the serving app for its own context instead of the last one registered.
    def bound(**query: Any) -> Any:
        current = flask.current_app.config.get(CTX_KEY) if flask.has_app_context() else None
        return layout(current or ctx, **query)

    return bound
