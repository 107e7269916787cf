"""Signing in from tests: accounts in a store, a Flask test client signed in through the real
sign-in form (the same path a browser takes), and callbacks posted through it (`call`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

PASSWORD = "a long test password"


def add_accounts(store: Any, names: Iterable[str], *, admin: Iterable[str] = ()) -> None:
    """Accounts with the password PASSWORD, stored as an argon2 hash made at argon2's lowest
    cost (one pass over 8 KiB) instead of the production one (64 MiB, three passes: 0.1 to 1 s a
    hash, and as much for every sign-in, which the suite's thousands of sign-ins paid). Signing
    in runs the production check unchanged (`accounts.authenticate`: argon2 reads the cost from
    the hash); the production hashing itself is tested in tests/integration/test_accounts.py
    and wherever a test sets a password through the app."""
    from argon2 import PasswordHasher

    from forecast.services import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    admins = set(admin)
    for name in names:
        if store.get_account(name) is None:
            accounts.add_user(store, name, None, admin=name in admins)
            store.update_account(name, password_hash=cheap.hash(PASSWORD))


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


# -- callbacks over HTTP, signed in ------------------------------------------------------------


def callback_key(app, output: str, trigger: tuple[str, str]) -> str:
    """The callback-map key of the callback writing `output` when `trigger` fires (outputs with
    allow_duplicate carry a hash suffix in the key)."""
    wanted = [p for p in output.strip(".").split("...")]
    for key, spec in app.callback_map.items():
        parts = [p.split("@")[0] for p in key.strip(".").split("...")]
        if parts == wanted and any(
            i.get("id") == trigger[0] and i.get("property") == trigger[1] for i in spec["inputs"]
        ):
            return key
    raise AssertionError(f"no callback writes {output} on {trigger}")


def _signed_in_as(items: list) -> tuple[list, str]:
    """The test's nav-session values name who is signed in as `user`; the browser does not send
    that key (and the app would ignore it), so it is taken out of the request body."""
    user = "olga"
    out = []
    for cid, prop, value in items:
        if cid == "nav-session" and isinstance(value, dict) and "user" in value:
            value = dict(value)
            user = value.pop("user")
        out.append((cid, prop, value))
    return out, user


def call(
    app, output: str, inputs: list[tuple[str, str, object]], state=(), changed=None, client=None
):
    """POST one callback to the app like the browser does, signed in as the `user` of the
    nav-session value (default olga); return the response's props.

    Pass `client` (a signed-in test client) to keep one browser session across calls."""
    app.server.config["PROPAGATE_EXCEPTIONS"] = True
    inputs, user_in = _signed_in_as(list(inputs))
    state, user_st = _signed_in_as(list(state))
    user = user_st if any(c == "nav-session" for c, _, _ in state) else user_in
    if client is None:
        client = signed_in_client(app, user)
        client.get("/")
    key = callback_key(app, output, inputs[0][:2])
    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": changed or [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:500]
    if response.status_code == 204:
        return {}
    return {cid.split("@")[0]: props for cid, props in response.get_json()["response"].items()}
