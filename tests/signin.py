"""Signing in from tests: accounts in a store, and a Flask test client signed in through the real
sign-in form (the same path a browser takes)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

PASSWORD = "a long test password"


def add_accounts(store: Any, names: Iterable[str], *, admin: Iterable[str] = ()) -> None:
    from forecast.services import accounts

    admins = set(admin)
    for name in names:
        if store.get_account(name) is None:
            accounts.add_user(store, name, PASSWORD, admin=name in admins)


def csrf_token(client: Any) -> str:
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r"name='csrf' value='([^']+)'", page)
    assert found, page[:500]
    return found.group(1)


def sign_in(client: Any, name: str, password: str = PASSWORD) -> Any:
    """POST the sign-in form; returns the response (302 to the app when it worked)."""
    return client.post(
        "/login", data={"name": name, "password": password, "csrf": csrf_token(client)}
    )


def signed_in_client(app: Any, name: str, password: str = PASSWORD) -> Any:
    client = app.server.test_client()
    response = sign_in(client, name, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def add_app_accounts(app: Any, names: Iterable[str], *, admin: Iterable[str] = ()) -> None:
    """Accounts in the store of a running app (`create_app`)."""
    add_accounts(app.server.config["FORECAST_DASHBOARD_CTX"].store, names, admin=admin)


@contextmanager
def acting_as(store: Any, name: str, *, admin: bool = False) -> Iterator[None]:
    """Call page callbacks directly as the signed-in account `name` (created in `store` when
    missing): a Flask request context with that account signed in through Flask-Login, as
    `dashboard.auth` does for a real request."""
    import flask
    import flask_login

    from dashboard import auth

    add_accounts(store, [name], admin=[name] if admin else [])
    account = store.get_account(name)
    server = flask.Flask("acting-as")
    server.secret_key = "tests"
    flask_login.LoginManager().init_app(server)
    with server.test_request_context():
        flask_login.login_user(auth.SignedIn(account.name, account.display_name, account.is_admin))
        yield
