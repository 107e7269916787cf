"""Who started a background callback (plan creation runs in a child process, outside any
request): Dash hands the job the cookies and headers of the request that started it, and the
acting user is read from those only, with the same checks as a request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dash._callback_context import context_value
from dash._utils import AttributeDict

from dashboard import auth
from dashboard.app import create_app
from forecast.services import accounts
from tests.signin import add_app_accounts, signed_in_client


@contextmanager
def background_job(*, cookies: dict | None = None, headers: dict | None = None) -> Iterator[None]:
    """The callback context Dash's background manager sets in the job's process."""
    token = context_value.set(AttributeDict(cookies=cookies or {}, headers=headers or {}))
    try:
        yield
    finally:
        context_value.reset(token)


def _ctx(app):
    return app.server.config["FORECAST_DASHBOARD_CTX"]


def test_behind_a_proxy_the_job_acts_for_the_active_account_the_header_names(tmp_path):
    app = create_app(data_dir=str(tmp_path / "data"), auth_mode="header")
    add_app_accounts(app, ["piet", "nina"])
    ctx = _ctx(app)
    with background_job(headers={"x-forwarded-user": " piet "}):
        assert auth.background_account_name(ctx) == "piet"
    with background_job(headers={"X-Forwarded-User": "zoe"}):  # no such account
        assert auth.background_account_name(ctx) is None
    with background_job(headers={"X-Auth-User": "piet"}):  # not the configured header
        assert auth.background_account_name(ctx) is None
    accounts.disable(ctx.store, "nina")
    with background_job(headers={"X-Forwarded-User": "nina"}):
        assert auth.background_account_name(ctx) is None


def test_with_passwords_the_job_acts_only_for_a_session_cookie_the_server_signed(tmp_path):
    app = create_app(data_dir=str(tmp_path / "data"))
    add_app_accounts(app, ["piet"])
    ctx = _ctx(app)
    cookie = signed_in_client(app, "piet").get_cookie(auth.SESSION_COOKIE).value
    with background_job(cookies={auth.SESSION_COOKIE: cookie}):
        assert auth.background_account_name(ctx) == "piet"
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    with background_job(cookies={auth.SESSION_COOKIE: forged}):
        assert auth.background_account_name(ctx) is None
    # A header naming someone counts for nothing when sign-in is by password.
    with background_job(headers={"X-Forwarded-User": "piet"}):
        assert auth.background_account_name(ctx) is None
    other = create_app(data_dir=str(tmp_path / "other"))  # another installation's secret key
    add_app_accounts(other, ["piet"])
    with background_job(cookies={auth.SESSION_COOKIE: cookie}):
        assert auth.background_account_name(_ctx(other)) is None


def test_the_job_does_not_act_for_a_sign_in_older_than_the_session_hours(tmp_path, monkeypatch):
    import time

    app = create_app(data_dir=str(tmp_path / "data"), session_hours=2)
    add_app_accounts(app, ["piet"])
    cookie = signed_in_client(app, "piet").get_cookie(auth.SESSION_COOKIE).value
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3 * 3600)
    with background_job(cookies={auth.SESSION_COOKIE: cookie}):
        assert auth.background_account_name(_ctx(app)) is None


def test_outside_any_callback_nobody_acts(tmp_path):
    app = create_app(data_dir=str(tmp_path / "data"), auth_mode="header")
    assert auth.background_account_name(_ctx(app)) is None
