"""Sign-in over HTTP, against the real app through Flask's test client: nothing of the app
without a session, the acting user from the session only, throttling, disabled accounts, the
proxy header, and who may do what through the dashboard's callback endpoint."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3

import pandas as pd
import pytest
from argon2 import PasswordHasher

from dashboard.app import create_app
from forecast.services import accounts
from forecast.services import negotiation as nego
from tests.fixtures import six_store_fixtures
from tests.signin import (
    PASSWORD,
    call,
    callback_key,
    csrf_token,
    sign_in,
    signed_in_client,
)

template, plan = six_store_fixtures(
    "auth-http",
    name="Auth plan",
    planner="piet",
    owner_plans=False,
    leads={"a": "lena", "c": "carl"},
    accounts=["olga", "piet", "lena", "carl", "nina", "adam"],
    admin=["adam"],
)


@pytest.fixture
def app(plan):
    return create_app(data_dir=str(plan.data_dir))


def _store(app):
    return app.server.config["FORECAST_DASHBOARD_CTX"].store


def _update_body(plan_id: str) -> dict:
    return {
        "output": "..nav-plan.options...nav-plan.value..",
        "outputs": [
            {"id": "nav-plan", "property": "options"},
            {"id": "nav-plan", "property": "value"},
        ],
        "inputs": [{"id": "nav-plans-changed", "property": "data", "value": 0}],
        "state": [{"id": "nav-session", "property": "data", "value": {"plan_id": plan_id}}],
        "changedPropIds": [],
    }


def _text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def _claim_via_http(app, plan, user: str, team: str, teams: list[str], version=None):
    def wid(kind: str, t: str) -> dict:
        return {"team": t, "type": kind}

    app.server.config["PROPAGATE_EXCEPTIONS"] = True
    client = signed_in_client(app, user)
    client.get("/")
    key = next(
        k
        for k, spec in app.callback_map.items()
        if k.startswith("..neg-alert.children")
        and any(i.get("id") == "neg-claim-clicked" for i in spec["inputs"])
    )
    # the card's Save claim clicked, as the page passes it on (`relay.clicked`)
    clicked = {"type": "neg-claim-save", "team": team, "clicks": 1}
    body = {
        "output": key,
        "outputs": [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in key.strip(".").split("...")
        ],
        "inputs": [{"id": "neg-claim-clicked", "property": "data", "value": clicked}],
        "state": [
            [
                {"id": wid("neg-claim-amount", t), "property": "value", "value": "10000"}
                for t in teams
            ],
            [
                {"id": wid("neg-claim-note", t), "property": "value", "value": "flyer"}
                for t in teams
            ],
            [
                {
                    "id": wid("neg-claim-amount", t),
                    "property": "id",
                    "value": wid("neg-claim-amount", t),
                }
                for t in teams
            ],
            {
                "id": "nav-session",
                "property": "data",
                "value": {"plan_id": plan.plan_id},
            },
            {"id": "neg-version", "property": "data", "value": version},
            {"id": "neg-refresh", "property": "data", "value": 0},
        ],
        "changedPropIds": ["neg-claim-clicked.data"],
    }
    response = client.post("/_dash-update-component", json=body)
    if response.status_code == 204:  # nothing: the plan is not the signed-in user's
        return {}
    if response.status_code == 400:  # refused before any callback ran
        return {"refused": response.get_json()["error"]}
    assert response.status_code == 200, response.data[:500]
    return {cid.split("@")[0]: props for cid, props in response.get_json()["response"].items()}


# -- nothing without a session ------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/", "/system", "/negotiation", "/side-by-side", "/plans"])
def test_pages_without_a_session_redirect_to_sign_in(app, page):
    response = app.server.test_client().get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/login?next={page}")


@pytest.mark.parametrize(
    "path", ["/_dash-layout", "/_dash-dependencies", "/_dash-component-suites/dash/x.js"]
)
def test_dash_endpoints_without_a_session_answer_401(app, path):
    response = app.server.test_client().get(path)
    assert response.status_code == 401
    assert response.get_json()["error"] == "sign in first"


def _is_the_app_page(response) -> bool:
    """Dash's index page: it names the Python, Dash and Plotly versions in its config."""
    return "dash_version" in response.get_data(as_text=True)


@pytest.mark.parametrize("mode", ["password", "header"])
def test_no_open_path_serves_the_app_page_without_a_session(plan, mode):
    """The sign-in page, sign-out, its script and the assets are served to strangers; a path
    beside them (`GET /logout`, `/assets/`, `/login` where sign-in is the proxy's) is not
    the app page with its versions, but the sign-in page's way or the proxy's refusal."""
    app = create_app(data_dir=str(plan.data_dir), auth_mode=mode)
    client = app.server.test_client()
    for path in ["/logout", "/login", "/login.js", "/assets/", "/assets/nothing-here.css"]:
        response = client.get(path)
        assert not _is_the_app_page(response), (path, response.status_code)
        assert response.status_code in (200, 302, 403, 404), (path, response.status_code)
    if mode == "password":
        assert client.get("/logout").headers["Location"] == "/login"
        assert client.head("/login").status_code == 200  # a HEAD is no form sent
    assert client.get("/assets/forecast.css").status_code == 200


def test_get_logout_goes_to_sign_in_without_signing_out(app):
    """A link or a reload of /logout: the sign-in page's way; only the form's POST signs out."""
    client = signed_in_client(app, "lena")
    response = client.get("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_callbacks_without_a_session_answer_401_and_change_nothing(app, plan):
    body = {
        "output": "..neg-alert.children...neg-refresh.data..",
        "outputs": [
            {"id": "neg-alert", "property": "children"},
            {"id": "neg-refresh", "property": "data"},
        ],
        "inputs": [{"id": "neg-set-goal", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "neg-goal", "property": "value", "value": "10/6.5"},
            {"id": "nav-session", "property": "data", "value": {"plan_id": plan.plan_id}},
        ],
        "changedPropIds": ["neg-set-goal.n_clicks"],
    }
    client = app.server.test_client()
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 401
    # background-callback polls go to the same endpoint with a cache key
    polled = client.post("/_dash-update-component?cacheKey=abc&job=1", json=body)
    assert polled.status_code == 401
    assert nego.summary(_store(app), plan.plan_id)["stage"] != "claiming"


def test_the_sign_in_page_and_its_styles_are_served_without_a_session(app):
    client = app.server.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and "id='login-form'" in page.get_data(as_text=True)
    assert client.get("/assets/00-bootstrap-flatly-5.3.8.min.css").status_code == 200


def test_signed_in_the_app_is_served(app):
    client = signed_in_client(app, "olga")
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/_dash-dependencies").status_code == 200


def test_session_cookie_is_httponly_lax_and_secure_over_https(app):
    plain = app.server.test_client()
    cookie = sign_in(plain, "olga").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = app.server.test_client()
    token = https.get("/login", base_url="https://localhost").get_data(as_text=True)
    assert "login-form" in token
    response = https.post(
        "/login",
        base_url="https://localhost",
        data={"name": "olga", "password": PASSWORD, "csrf": csrf_token(https)},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def _sign_in_through_proxy(client, headers):
    client.get("/login", headers=headers)
    return client.post(
        "/login",
        headers=headers,
        data={"name": "olga", "password": PASSWORD, "csrf": csrf_token(client)},
    )


def test_behind_a_trusted_proxy_that_ends_tls_the_session_cookie_is_secure(plan):
    app = create_app(data_dir=str(plan.data_dir), trusted_proxies=1)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    response = _sign_in_through_proxy(app.server.test_client(), forwarded)
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_forwarded_headers_are_ignored_unless_proxies_are_trusted(app):
    """A browser cannot make the server believe it came over HTTPS by sending the header."""
    forwarded = {"X-Forwarded-Proto": "https"}
    response = _sign_in_through_proxy(app.server.test_client(), forwarded)
    assert response.status_code == 302
    assert "Secure" not in response.headers["Set-Cookie"]


def test_a_forwarded_host_goes_through_the_host_check(plan):
    app = create_app(data_dir=str(plan.data_dir), trusted_proxies=1)
    client = app.server.test_client()
    assert client.get("/login", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"X-Forwarded-Host": "localhost"}).status_code == 200


def test_sign_out_ends_the_session(app):
    client = signed_in_client(app, "olga")
    assert client.post("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def _copied(app, client):
    """Another browser holding the session cookie copied off `client`."""
    other = app.server.test_client()
    other.set_cookie("forecast_session", client.get_cookie("forecast_session").value)
    return other


def test_signing_out_ends_the_sign_in_for_a_copied_cookie_too(app):
    client = signed_in_client(app, "olga")
    copy = _copied(app, client)
    assert copy.get("/_dash-layout").status_code == 200
    client.post("/logout")
    assert copy.get("/_dash-layout").status_code == 401
    assert signed_in_client(app, "olga").get("/_dash-layout").status_code == 200


def test_what_the_database_keeps_of_a_sign_in_does_not_make_a_cookie(app):
    """Someone who can read the database (its cookie key, the sign-ins, the password stamps)
    still cannot sign in: the store keeps a digest of each sign-in's secret, not the secret."""
    import sqlalchemy as sa
    from flask.sessions import SecureCookieSessionInterface

    from dashboard import auth

    signed_in_client(app, "olga")
    store = _store(app)
    with store.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT id, signed_in_at FROM sign_in_sessions")).first()
    serializer = SecureCookieSessionInterface().get_signing_serializer(app.server)
    forged = serializer.dumps(
        {
            "_user_id": "olga",
            "_fresh": True,
            auth.CREDENTIAL: accounts.credential_stamp(store.get_account("olga")),
            auth.SIGNED_IN_AT: kept.signed_in_at,
            auth.SESSION_ID: kept.id,
        }
    )
    client = app.server.test_client()
    client.set_cookie("forecast_session", forged)
    assert client.get("/_dash-layout").status_code == 401


def test_a_cookie_claiming_a_later_sign_in_than_the_store_kept_ends_when_the_sign_in_does(
    app, monkeypatch
):
    import time

    from flask.sessions import SecureCookieSessionInterface

    from dashboard import auth

    client = signed_in_client(app, "lena")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app.server)
    data = serializer.loads(client.get_cookie("forecast_session").value)
    now = time.time()
    data[auth.SIGNED_IN_AT] = now + 11 * 3600  # the cookie says it signed in 11 hours later
    client.set_cookie("forecast_session", serializer.dumps(data))
    monkeypatch.setattr(time, "time", lambda: now + 12.1 * 3600)
    assert client.get("/_dash-layout").status_code == 401


def test_enabling_a_disabled_account_again_does_not_bring_back_its_old_sessions(app):
    client = signed_in_client(app, "lena")
    accounts.disable(_store(app), "lena")
    accounts.enable(_store(app), "lena")
    assert client.get("/_dash-layout").status_code == 401
    assert signed_in_client(app, "lena").get("/_dash-layout").status_code == 200


def test_a_cookie_of_one_server_is_good_on_another_of_the_same_database(plan, tmp_path):
    """Two servers, each with its own data directory, on one database: the session key is the
    database's, so a person behind a balancer stays signed in whichever server answers."""
    first = create_app(data_dir=str(plan.data_dir))
    db_url = _store(first).url
    second = create_app(db_url=db_url, data_dir=str(tmp_path / "elsewhere"))
    client = signed_in_client(first, "olga")
    assert _copied(second, client).get("/_dash-layout").status_code == 200


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/\x09/evil.example", "/ /evil.example", "/\\evil.example"]
)
def test_sign_in_refuses_next_paths_a_browser_would_turn_into_another_host(app, target):
    client = app.server.test_client()
    form = {"name": "olga", "password": PASSWORD, "csrf": csrf_token(client), "next": target}
    assert client.post("/login", data=form).headers["Location"] == "/"
    assert client.get("/login", query_string={"next": target}).headers["Location"] == "/"


def test_sign_in_follows_only_local_next_paths(app):
    client = app.server.test_client()
    response = client.post(
        "/login",
        data={
            "name": "olga",
            "password": PASSWORD,
            "csrf": csrf_token(client),
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"] == "/"


def test_sign_in_without_the_form_token_is_refused(app):
    client = app.server.test_client()
    response = client.post("/login", data={"name": "olga", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def _password_form(client, **fields) -> object:
    page = client.get("/password").get_data(as_text=True)
    token = re.search(r"name='csrf' value='([^']+)'", page)
    assert token, page[:500]
    return client.post("/password", data={"csrf": token.group(1), **fields})


def test_a_signed_in_person_changes_their_own_password(app):
    """The current password first (an unattended session cannot take the account over), the
    new one twice; then only the new one signs in."""
    client = signed_in_client(app, "nina")
    elsewhere = signed_in_client(app, "nina")  # the same person, another browser
    assert "Change your password" in client.get("/password").get_data(as_text=True)
    new = "nina's own long passphrase"
    wrong = _password_form(client, current="not it at all", new=new, repeat=new)
    assert "The current password is not right." in wrong.get_data(as_text=True)
    differ = _password_form(client, current=PASSWORD, new=new, repeat=new + "!")
    assert "The two new passwords differ" in differ.get_data(as_text=True)
    short = _password_form(client, current=PASSWORD, new="short", repeat="short")
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert accounts.authenticate(_store(app), "nina", PASSWORD) is not None  # nothing changed
    done = _password_form(client, current=PASSWORD, new=new, repeat=new)
    assert "The password of nina is changed" in done.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 200  # this session goes on
    assert elsewhere.get("/_dash-layout").status_code == 401  # the other one has ended
    fresh = app.server.test_client()
    assert sign_in(fresh, "nina", PASSWORD).status_code == 200  # the old one: the form again
    assert sign_in(fresh, "nina", new).status_code == 302


def test_the_password_page_needs_a_session_and_its_form_token(app):
    stranger = app.server.test_client()
    assert stranger.get("/password").headers["Location"].startswith("/login")
    client = signed_in_client(app, "carl")
    refused = client.post(
        "/password", data={"current": PASSWORD, "new": "x" * 12, "repeat": "x" * 12}
    )
    assert refused.status_code == 400
    assert accounts.authenticate(_store(app), "carl", PASSWORD) is not None


def test_guessing_the_current_password_is_throttled_like_signing_in(app):
    client = signed_in_client(app, "lena")
    for _ in range(accounts.FREE_FAILURES):
        _password_form(client, current="guess guess guess", new="y" * 12, repeat="y" * 12)
    waited = _password_form(client, current=PASSWORD, new="y" * 12, repeat="y" * 12)
    assert "try again in" in waited.get_data(as_text=True)
    assert accounts.authenticate(_store(app), "lena", PASSWORD) is not None


# -- who is signed in ------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_get_the_same_message(app):
    client = app.server.test_client()
    wrong = sign_in(client, "olga", "not the password at all")
    unknown = sign_in(client, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200  # the form again, with the message
    assert client.get("/_dash-layout").status_code == 401
    assert "Unknown user name or wrong password." in wrong.get_data(as_text=True)
    assert "Unknown user name or wrong password." in unknown.get_data(as_text=True)


@pytest.mark.parametrize("token", ["é", "token-é-" + "x" * 40])
def test_a_form_token_with_non_ascii_characters_is_refused_as_expired_not_a_server_error(
    app, token
):
    """``compare_digest`` refuses text with non-ASCII characters: such a token in the sign-in
    or the password form was a 500 (found by fuzzing the plain routes)."""
    client = app.server.test_client()
    csrf_token(client)  # the form's token is in the session
    sent = client.post("/login", data={"name": "olga", "password": PASSWORD, "csrf": token})
    assert sent.status_code == 400
    assert "The sign-in form expired" in sent.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    signed_in = signed_in_client(app, "olga")
    signed_in.get("/password")
    form = {"current": PASSWORD, "new": "another long password", "csrf": token}
    changed = signed_in.post("/password", data=form | {"again": form["new"]})
    assert changed.status_code == 400
    assert "The form expired" in changed.get_data(as_text=True)
    assert sign_in(app.server.test_client(), "olga").status_code == 302  # password unchanged


def test_a_name_typed_with_other_capitals_signs_in_as_the_account(app):
    client = app.server.test_client()
    assert sign_in(client, "Olga").status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as session:
        assert session["_user_id"] == "olga"  # the stored name, not the typed one


def _client_from(app, address: str):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_repeated_failures_for_a_name_are_throttled_from_that_address_only(app):
    attacker = _client_from(app, "10.0.0.66")
    for _ in range(accounts.FREE_FAILURES):
        assert "wrong password" in sign_in(attacker, "LENA", "guess guess guess").get_data(
            as_text=True
        )
    refused = sign_in(attacker, "lena", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this address" in refused.get_data(as_text=True)
    assert "try again in" in refused.get_data(as_text=True)
    # the owner of the name, from anywhere else, signs in: a guesser cannot lock them out
    assert sign_in(_client_from(app, "10.0.0.9"), "lena", PASSWORD).status_code == 302
    # and the guesses go on being refused, the owner's sign-in reset nothing for them
    assert sign_in(attacker, "lena", "guess guess guess").status_code == 429


def test_repeated_failures_from_one_address_are_throttled_whatever_the_names(app, monkeypatch):
    # The twenty unknown names are each checked against the dummy hash, made at the production
    # cost (0.1 to 1 s a check, tests/integration/test_accounts.py checks its parameters): here,
    # where the count is tested and not the timing, it is one made at argon2's lowest cost.
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("not a password")
    monkeypatch.setattr(accounts, "_dummy_hash", lambda: cheap)
    attacker = _client_from(app, "10.0.0.66")
    for i in range(accounts.ADDRESS_FREE_FAILURES):
        name = f"name-{i % (accounts.FREE_FAILURES - 1)}"  # never 5 for one name
        assert sign_in(attacker, name, "guess guess guess").status_code == 200
        if i == accounts.FREE_FAILURES:
            # an account of one's own, signed into between guesses, resets nothing
            assert sign_in(_client_from(app, "10.0.0.66"), "carl", PASSWORD).status_code == 302
    assert sign_in(attacker, "carl", PASSWORD).status_code == 429
    assert sign_in(_client_from(app, "10.0.0.9"), "carl", PASSWORD).status_code == 302


def test_colleagues_typos_spread_over_a_day_never_make_the_office_address_wait():
    """An office behind one address: 40 people each mistype once, a quarter of an hour apart.
    The address's count, never cleared by a success, had locked everyone out for 15 minutes,
    right passwords included, from the 21st typo on."""
    now = [1_000_000.0]
    throttle = accounts.SignInThrottle(clock=lambda: now[0])
    for person in range(40):
        name_key, office = accounts.throttle_keys(f"user{person}", "10.0.0.1")
        throttle.failed(name_key, office)
        assert throttle.wait_seconds(name_key, office) == 0, person
        now[0] += 15 * 60
    # failures close together from one address are still a run that waits
    for i in range(accounts.ADDRESS_FREE_FAILURES):
        now[0] += 60
        throttle.failed(*accounts.throttle_keys(f"guess{i}", "10.0.0.1"))
    assert throttle.wait_seconds(*accounts.throttle_keys("piet", "10.0.0.1")) > 0


def test_the_throttle_delay_grows_and_expires():
    now = [1_000_000.0]
    throttle = accounts.SignInThrottle(clock=lambda: now[0])
    for _ in range(accounts.FREE_FAILURES - 1):
        throttle.failed("user:x")
    assert throttle.wait_seconds("user:x") == 0
    throttle.failed("user:x")
    first = throttle.wait_seconds("user:x")
    now[0] += first
    assert throttle.wait_seconds("user:x") == 0
    throttle.failed("user:x")
    assert throttle.wait_seconds("user:x") > first
    now[0] += accounts.FORGET_SECONDS + 1  # a day without failures: it starts again
    throttle.failed("user:x")
    assert throttle.wait_seconds("user:x") == 0


def test_a_name_failed_thousands_of_times_waits_the_longest_delay_not_an_error():
    now = [1_000_000.0]
    throttle = accounts.SignInThrottle(clock=lambda: now[0])
    for _ in range(2_000):
        throttle.failed("user:x")
    assert throttle.wait_seconds("user:x") == int(accounts.MAX_DELAY_SECONDS) + 1


def test_a_failure_dated_ahead_by_another_servers_clock_blocks_no_longer_than_the_cap():
    from forecast.store import MemoryStore

    store = MemoryStore()
    for _ in range(accounts.FREE_FAILURES + 3):
        store.sign_in_failure("user:x", 1_000_000.0 + 86_000, forget_before=0.0)  # a day ahead
    throttle = accounts.SignInThrottle(store, clock=lambda: 1_000_000.0)
    wait = throttle.wait_seconds("user:x")
    assert 0 < wait <= accounts.MAX_DELAY_SECONDS + accounts.CLOCK_SKEW_SECONDS + 1


def test_every_server_of_one_database_counts_the_same_failures(plan):
    """Two servers behind a balancer: the guesses sent to one count on the other."""
    first, second = create_app(data_dir=str(plan.data_dir)), create_app(data_dir=str(plan.data_dir))
    for _ in range(accounts.FREE_FAILURES):
        sign_in(first.server.test_client(), "lena", "guess guess guess")
    assert sign_in(second.server.test_client(), "lena", PASSWORD).status_code == 429


def test_a_disabled_users_open_session_ends_at_the_next_request(app):
    client = signed_in_client(app, "lena")
    assert client.get("/_dash-layout").status_code == 200
    accounts.disable(_store(app), "lena")
    assert client.get("/_dash-layout").status_code == 401
    assert sign_in(app.server.test_client(), "lena").status_code == 200  # form again: refused


def test_a_sign_in_ends_after_the_session_hours_and_a_copied_cookie_with_it(app, monkeypatch):
    """A sign-in lasts a working day (12 hours by default): after that the same cookie, from
    this browser or copied off it, gets 401 and the sign-in page, and signing in again works."""
    import time

    client = signed_in_client(app, "lena")
    assert client.get("/_dash-layout").status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 11.9 * 3600)
    assert client.get("/_dash-layout").status_code == 200
    monkeypatch.setattr(time, "time", lambda: now + 12.1 * 3600)
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/").status_code == 302  # to the sign-in page
    assert signed_in_client(app, "lena").get("/_dash-layout").status_code == 200


def test_a_sign_in_a_little_ahead_of_this_servers_clock_is_current():
    """Two servers behind one balancer: the one that signed in may be a moment ahead."""
    from dashboard.auth import session_current

    now = 1_000_000.0
    assert session_current({"signed_in_at": now + 2}, 12, now=now)
    assert not session_current({"signed_in_at": now + 3600}, 12, now=now)
    assert not session_current({"signed_in_at": "soon"}, 12, now=now)
    assert not session_current({}, 12, now=now)


def test_a_lead_cannot_claim_for_another_team_by_naming_the_owner_in_the_request(app, plan):
    store = _store(app)
    nego.set_goal(store, plan.plan_id, "olga", ratio="10/6.5")
    # lena is signed in; the body says the user is olga (the old session-store key)
    forged = call(
        app,
        "..neg-alert.children...neg-refresh.data..",
        [("neg-set-goal", "n_clicks", 1)],
        [
            ("neg-goal", "value", "20/6.5"),
            ("neg-goal-basis", "value", "baseline"),
            ("neg-split", "value", False),
            ("neg-period-grid", "rowData", []),
            ("nav-session", "data", {"plan_id": plan.plan_id, "user": "lena"}),
            ("neg-version", "data", None),
            ("neg-refresh", "data", 0),
        ],
    )
    assert "Not allowed for your role" in _text(forged["neg-alert"]["children"])
    out = _claim_via_http(app, plan, "lena", "c", ["a", "c", "d"])
    assert "Not allowed for your role" in _text(out["neg-alert"]["children"])
    ledger = nego.ledger(store, plan.plan_id).set_index("team")
    assert ledger.loc["c", "claim_minor"] == 0
    actors = {e.actor for e in store.audit(plan.plan_id)}
    assert "lena" not in actors


@pytest.mark.parametrize("version", [10**30])
def test_an_edit_with_a_version_no_page_sends_is_refused_with_the_reason(app, plan, version):
    nego.set_goal(_store(app), plan.plan_id, "olga", ratio="1.1")
    before = _store(app).get(plan.plan_id).version
    out = _claim_via_http(app, plan, "lena", "a", ["a", "c"], version=version)
    assert "reload the page" in _text(out["neg-alert"]["children"])
    assert _store(app).get(plan.plan_id).version == before


@pytest.mark.parametrize("version", ["abc", True, 2.5, {"v": 1}])
def test_an_edit_with_a_version_that_is_no_whole_number_is_refused_before_the_callback(
    app, plan, version
):
    nego.set_goal(_store(app), plan.plan_id, "olga", ratio="1.1")
    before = _store(app).get(plan.plan_id).version
    out = _claim_via_http(app, plan, "lena", "a", ["a", "c"], version=version)
    assert out == {"refused": "the page sent a version other than a whole number"}
    assert _store(app).get(plan.plan_id).version == before


def test_a_non_member_gets_nothing_of_a_plan_and_an_admin_sees_it(app, plan):
    outsider = signed_in_client(app, "nina")
    # The picker (which only compares the session's plan with the visible ones) answers with the
    # outsider's own plans: none, and not a word of the plan the session names.
    response = outsider.post("/_dash-update-component", json=_update_body(plan.plan_id))
    assert response.status_code == 200
    assert response.get_json()["response"]["nav-plan"] == {"options": [], "value": None}
    assert plan.plan_id not in response.get_data(as_text=True)
    picked = {
        "output": "..nav-session.data...nav-role.children..",
        "outputs": [
            {"id": "nav-session", "property": "data"},
            {"id": "nav-role", "property": "children"},
        ],
        "inputs": [{"id": "nav-plan", "property": "value", "value": plan.plan_id}],
        "state": [{"id": "nav-session", "property": "data", "value": None}],
        "changedPropIds": ["nav-plan.value"],
    }
    refused = outsider.post("/_dash-update-component", json=picked)
    assert refused.status_code == 204 and refused.headers["X-Forecast-Refused"] == "plan"
    # the same answer for a plan that does not exist: a made-up id learns nothing
    picked["inputs"][0]["value"] = "0" * len(plan.plan_id)
    made_up = outsider.post("/_dash-update-component", json=picked)
    assert made_up.status_code == 204 and made_up.headers["X-Forecast-Refused"] == "plan"
    listed = outsider.post("/_dash-update-component", json=_update_body(""))
    assert listed.get_json()["response"]["nav-plan"]["options"] == []
    admin = signed_in_client(app, "adam")
    seen = admin.post("/_dash-update-component", json=_update_body(plan.plan_id))
    assert [o["value"] for o in seen.get_json()["response"]["nav-plan"]["options"]] == [
        plan.plan_id
    ]


def test_a_plan_that_cannot_be_read_for_a_database_error_gets_503_not_plan_refused(app, plan):
    """A database error while reading the plan (here its table gone, the accounts still there)
    says try again, as every request does: not the refusal that tells the person the plan they
    had open is no longer theirs."""
    member = signed_in_client(app, "olga")
    with contextlib.closing(sqlite3.connect(plan.data_dir / "forecast.db")) as conn:
        conn.execute("ALTER TABLE plans RENAME TO plans_elsewhere")

    response = member.post("/_dash-update-component", json=_download_body(plan.plan_id))

    assert response.status_code == 503
    assert "X-Forecast-Refused" not in response.headers
    assert response.get_json()["error"] == "unavailable"


def _download_body(plan_id: str, selection_id: str = "nav-session") -> dict:
    buttons = ["plans-download-csv", "plans-download-csv-excel", "plans-download-xlsx"]
    return {
        "output": "..plans-download.data...plans-download-status.children..",
        "outputs": [
            {"id": "plans-download", "property": "data"},
            {"id": "plans-download-status", "property": "children"},
        ],
        "inputs": [
            *({"id": b, "property": "n_clicks", "value": 1 if i == 0 else None} for i, b in
              enumerate([*buttons, "plans-download-json"])),
        ],
        "state": [{"id": selection_id, "property": "data", "value": {"plan_id": plan_id}}],
        "changedPropIds": ["plans-download-csv.n_clicks"],
    }  # fmt: skip


def test_a_plan_id_sent_under_another_id_than_the_selections_is_refused(app, plan):
    """Dash hands a callback its values by position whatever ids they come with: a non-member who
    renames the plan selection's id gets no export, only a refusal of the malformed call."""
    outsider = signed_in_client(app, "nina")
    assert (
        outsider.post("/_dash-update-component", json=_download_body(plan.plan_id)).status_code
        == 204
    )
    renamed = outsider.post(
        "/_dash-update-component", json=_download_body(plan.plan_id, "x-nav-session")
    )
    assert renamed.status_code == 400 and b"unique_id" not in renamed.data
    member = signed_in_client(app, "olga").post(
        "/_dash-update-component", json=_download_body(plan.plan_id)
    )
    assert member.status_code == 200 and member.get_json()["response"]["plans-download"]["data"]


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"output": "..plans-download.data...plans-download-status.children..", "inputs": 5},
        {"output": "no-such.children", "inputs": [], "state": []},
        {"output": "..nav-plan.options...nav-plan.value..", "inputs": [], "state": []},
    ],
)
def test_a_malformed_callback_call_gets_a_400_not_an_error(app, body):
    response = signed_in_client(app, "olga").post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert "not a callback of this dashboard" in response.get_json()["error"]


# -- the role x action matrix over HTTP ---------------------------------------------------------

PEOPLE = {"owner": "olga", "planner": "piet", "lead": "lena", "outsider": "nina"}


def _set_goal(app, plan, who):
    return (
        call(
            app,
            "..neg-alert.children...neg-refresh.data..",
            [("neg-set-goal", "n_clicks", 1)],
            [
                ("neg-goal", "value", "10/6.5"),
                ("neg-goal-basis", "value", "baseline"),
                ("neg-split", "value", False),
                ("neg-period-grid", "rowData", []),
                ("nav-session", "data", {"plan_id": plan.plan_id, "user": who}),
                ("neg-version", "data", None),
                ("neg-refresh", "data", 0),
            ],
        )
        .get("neg-alert", {})
        .get("children")
    )


def _claim(app, plan, who):
    nego.set_goal(_store(app), plan.plan_id, "olga", ratio="10/6.5")
    return (
        _claim_via_http(app, plan, who, "a", ["a", "c", "d"]).get("neg-alert", {}).get("children")
    )


def _add_event(app, plan, who):
    from forecast.services import system

    dates = sorted(system.system_plan(_store(app), plan.plan_id)["ds"].unique())
    start = pd.Timestamp(dates[0]).strftime("%Y-%m-%d")
    form = [
        ("nav-session", "data", {"plan_id": plan.plan_id, "user": who}),
        ("sys-version", "data", None),
        ("sys-event-name", "value", "Promo"),
        ("sys-event-kind", "value", "promotion"),
        ("sys-event-scope", "value", "StoreType=a"),
        ("sys-event-start", "value", start),
        ("sys-event-end", "value", start),
        ("sys-event-effect", "value", "percent"),
        ("sys-event-value", "value", "25"),
        ("sys-event-reason", "value", "flyer"),
        ("sys-refresh", "data", 0),
    ]
    out = call(
        app, "..sys-alert.children...sys-refresh.data..", [("sys-event-add", "n_clicks", 1)], form
    )
    return out.get("sys-alert", {}).get("children")


def _add_member(app, plan, who):
    """The members editor's Add button."""
    key = callback_key(
        app,
        "..plans-members-alert.children...plans-members-refresh.data...plans-refresh.data..",
        ("plans-members-add", "n_clicks"),
    )
    body = {
        "output": key,
        "outputs": [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in key.strip(".").split("...")
        ],
        "inputs": [{"id": "plans-members-add", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "plans-members-user", "property": "value", "value": "carl"},
            {"id": "plans-members-role", "property": "value", "value": "planner"},
            {"id": "plans-members-team", "property": "value", "value": None},
            {"id": "nav-session", "property": "data", "value": {"plan_id": plan.plan_id}},
            {"id": "plans-members-refresh", "property": "data", "value": 0},
            {"id": "plans-refresh", "property": "data", "value": 0},
        ],
        "changedPropIds": ["plans-members-add.n_clicks"],
    }
    response = signed_in_client(app, who).post("/_dash-update-component", json=body)
    if response.status_code == 204:
        return None
    return response.get_json()["response"]["plans-members-alert"]["children"]


def _remove_member(app, plan, who):
    """The members table's Remove button on piet's planner role."""
    key = callback_key(
        app,
        "..plans-members-alert.children...plans-members-refresh.data...plans-refresh.data..",
        ("plans-members-remove-clicked", "data"),
    )
    # the button clicked, as the page passes it on (`relay.clicked`)
    clicked = {"role": "planner", "type": "plans-members-remove", "user": "piet", "clicks": 1}
    body = {
        "output": key,
        "outputs": [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in key.strip(".").split("...")
        ],
        "inputs": [{"id": "plans-members-remove-clicked", "property": "data", "value": clicked}],
        "state": [
            {"id": "nav-session", "property": "data", "value": {"plan_id": plan.plan_id}},
            {"id": "plans-members-refresh", "property": "data", "value": 0},
            {"id": "plans-refresh", "property": "data", "value": 0},
        ],
        "changedPropIds": ["plans-members-remove-clicked.data"],
    }
    response = signed_in_client(app, who).post("/_dash-update-component", json=body)
    if response.status_code == 204:
        return None
    return response.get_json()["response"]["plans-members-alert"]["children"]


HTTP_ACTIONS = {
    "set goal": ("owner", _set_goal),
    "claim for team a": ("lead", _claim),
    "add event": ("planner", _add_event),
    "add member": ("owner", _add_member),
    "remove member": ("owner", _remove_member),
}


@pytest.mark.parametrize("role", sorted(PEOPLE))
@pytest.mark.parametrize("action", sorted(HTTP_ACTIONS))
def test_each_role_may_do_exactly_its_actions_through_the_dashboard(app, plan, role, action):
    allowed_role, do = HTTP_ACTIONS[action]
    who = PEOPLE[role]
    before = len(_store(app).audit(plan.plan_id))
    alert = do(app, plan, who)
    after = _store(app).audit(plan.plan_id)
    if role == allowed_role:
        assert "service-ok" in _text(alert) or "saved" in _text(alert) or "Added" in _text(alert)
        assert after[-1].actor == who
    elif role == "outsider":
        # a non-member's requests about the plan get nothing at all
        assert alert is None
        assert len(after) == before + (1 if action == "claim for team a" else 0)
    else:
        assert "Not allowed for your role" in _text(alert)
        changes = after[before:]
        assert all(e.actor == "olga" for e in changes)  # only the test's own setup


# -- proxy sign-in ---------------------------------------------------------------------------------


def test_header_auth_trusts_the_proxys_user_name_for_active_accounts(plan):
    app = create_app(data_dir=str(plan.data_dir), auth_mode="header")
    client = app.server.test_client()
    missing = client.get("/_dash-layout")
    assert missing.status_code == 403 and "X-Forwarded-User" in missing.get_data(as_text=True)
    unknown = client.get("/", headers={"X-Forwarded-User": "zoe"})
    assert unknown.status_code == 403
    assert "forecast user add zoe" in unknown.get_data(as_text=True)
    assert client.get("/_dash-layout", headers={"X-Forwarded-User": "olga"}).status_code == 200
    # a company directory's spelling names the account as a sign-in would (OLGA is olga)
    assert client.get("/_dash-layout", headers={"X-Forwarded-User": "OLGA"}).status_code == 200
    assert accounts.proxy_account(_store(app), " OLGA ").name == "olga"
    # There is no sign-in page behind a proxy: /login (an old bookmark) explains as / does, and
    # is not the app's empty page whose layout request then fails.
    for path in ("/login", "/logout", "/login.js"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "No X-Forwarded-User header: open the dashboard through the company sign-in" in (
            page.get_data(as_text=True)
        )
    accounts.disable(_store(app), "olga")
    assert client.get("/_dash-layout", headers={"X-Forwarded-User": "olga"}).status_code == 403


def test_header_auth_takes_the_configured_header_only(plan):
    app = create_app(data_dir=str(plan.data_dir), auth_mode="header", auth_header="X-Auth-User")
    client = app.server.test_client()
    assert client.get("/", headers={"X-Forwarded-User": "olga"}).status_code == 403
    assert client.get("/", headers={"X-Auth-User": "olga"}).status_code == 200


# -- accounts in the dashboard (admins only) -----------------------------------------------------


def _post(app, who, key, inputs, state, changed):
    body = {
        "output": key,
        "outputs": [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1].split("@")[0]}
            for part in key.strip(".").split("...")
        ],
        "inputs": inputs,
        "state": state,
        "changedPropIds": changed,
    }
    response = signed_in_client(app, who).post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:300]
    return response.get_json()["response"] if response.status_code == 200 else {}


def _accounts_section(app, who):
    key = callback_key(
        app,
        "..plans-accounts.style...plans-accounts-table.children..",
        ("plans-accounts-refresh", "data"),
    )
    refresh = [{"id": "plans-accounts-refresh", "property": "data", "value": 0}]
    return _post(app, who, key, refresh, [], ["plans-accounts-refresh.data"])


CHANGED = "..plans-accounts-alert.children...plans-accounts-refresh.data.."
COUNTER = {"id": "plans-accounts-refresh", "property": "data", "value": 0}


def _add_account(app, who, name):
    key = callback_key(app, CHANGED, ("plans-accounts-add", "n_clicks"))
    click = [{"id": "plans-accounts-add", "property": "n_clicks", "value": 1}]
    form = [
        {"id": "plans-accounts-name", "property": "value", "value": name},
        {"id": "plans-accounts-display", "property": "value", "value": None},
        {"id": "plans-accounts-password", "property": "value", "value": PASSWORD},
        {"id": "plans-accounts-admin", "property": "value", "value": False},
        COUNTER,
    ]
    return _post(app, who, key, click, form, ["plans-accounts-add.n_clicks"])


def _switch_account(app, who, name, to="disable"):
    return _switch_clicked(app, who, "plans-accounts-switch", name, to)


def _switch_clicked(app, who, kind, name, to):
    """The switch `kind` of account `name` clicked, as the page passes it on to the server
    (`relay.clicked`: the button's id with its clicks, in the section's store)."""
    store = f"{kind}-clicked"
    key = next(
        k
        for k, spec in app.callback_map.items()
        if "callback" in spec and any(i.get("id") == store for i in spec["inputs"])
    )
    clicked = {"type": kind, "user": name, "to": to, "clicks": 1}
    click = [{"id": store, "property": "data", "value": clicked}]
    return _post(app, who, key, click, [COUNTER], [f"{store}.data"])


def test_only_an_admin_manages_accounts_in_the_dashboard(app):
    store = _store(app)
    hidden = _accounts_section(app, "olga")  # the plan's owner, not an admin
    assert hidden["plans-accounts"]["style"] == {"display": "none"}
    assert hidden["plans-accounts-table"]["children"] is None
    assert _add_account(app, "olga", "zoe") == {}  # nothing happens, nothing is said
    assert store.get_account("zoe") is None
    shown = _accounts_section(app, "adam")
    assert shown["plans-accounts"]["style"] == {} and "olga" in _text(shown)
    added = _add_account(app, "adam", "zoe")
    assert "Added account zoe" in _text(added["plans-accounts-alert"]["children"])
    assert added["plans-accounts-refresh"]["data"] == 1  # the table is drawn anew
    assert accounts.authenticate(store, "zoe", PASSWORD) is not None
    assert _switch_account(app, "olga", "zoe") == {}
    assert store.get_account("zoe").active
    disabled = _switch_account(app, "adam", "zoe")
    assert "Disabled account zoe" in _text(disabled["plans-accounts-alert"]["children"])
    assert not store.get_account("zoe").active
    assert "Enable" in _text(_accounts_section(app, "adam")["plans-accounts-table"]["children"])
    assert _switch_account(app, "olga", "zoe", to="enable") == {}
    assert not store.get_account("zoe").active
    enabled = _switch_account(app, "adam", "zoe", to="enable")
    assert "Enabled account zoe" in _text(enabled["plans-accounts-alert"]["children"])
    assert accounts.authenticate(store, "zoe", PASSWORD) is not None
    refused = _switch_account(app, "adam", "adam")
    assert "your own account" in _text(refused["plans-accounts-alert"]["children"])


def _reset_password(app, who, name, password):
    key = callback_key(app, CHANGED, ("plans-accounts-reset", "n_clicks"))
    click = [{"id": "plans-accounts-reset", "property": "n_clicks", "value": 1}]
    form = [
        {"id": "plans-accounts-reset-name", "property": "value", "value": name},
        {"id": "plans-accounts-reset-password", "property": "value", "value": password},
        COUNTER,
    ]
    return _post(app, who, key, click, form, ["plans-accounts-reset.n_clicks"])


def test_an_admin_sets_a_forgotten_password_and_ends_that_persons_sessions(app):
    store = _store(app)
    carls_browser = signed_in_client(app, "carl")
    new = "carl's brand new passphrase"
    assert _reset_password(app, "olga", "carl", new) == {}  # not an admin: nothing happens
    assert accounts.authenticate(store, "carl", PASSWORD) is not None
    done = _reset_password(app, "adam", "carl", new)
    assert "Set a new password for carl" in _text(done["plans-accounts-alert"]["children"])
    assert accounts.authenticate(store, "carl", new) is not None
    assert carls_browser.get("/_dash-layout").status_code == 401  # signed in with the old one
    short = _reset_password(app, "adam", "carl", "short")
    assert "at least 10 characters" in _text(short["plans-accounts-alert"]["children"])
    own = _reset_password(app, "adam", "adam", new)
    assert "Change your own password with Password" in _text(own["plans-accounts-alert"])


def _switch_admin(app, who, name, to="admin"):
    return _switch_clicked(app, who, "plans-accounts-admin-switch", name, to)


def test_an_admin_makes_an_account_admin_and_takes_it_away_on_the_plans_page(app):
    """No account could be made admin after it was added, nor lose the role."""
    store = _store(app)
    assert "Make admin" in _text(_accounts_section(app, "adam")["plans-accounts-table"]["children"])
    assert _switch_admin(app, "olga", "olga") == {}  # not an admin: nothing happens
    assert not store.get_account("olga").is_admin
    made = _switch_admin(app, "adam", "olga")
    assert "Done: made olga an admin." in _text(made["plans-accounts-alert"]["children"])
    assert store.get_account("olga").is_admin
    taken = _switch_admin(app, "adam", "olga", to="no-admin")
    assert "took the admin role from olga" in _text(taken["plans-accounts-alert"]["children"])
    assert not store.get_account("olga").is_admin
    assert accounts.account_log(store, account="olga")[0].actor == "adam"


def test_an_admin_disabling_the_plans_only_owner_is_told_to_give_it_an_owner(app, plan):
    disabled = _switch_account(app, "adam", "olga")
    said = _text(disabled["plans-accounts-alert"]["children"])
    assert "Disabled account olga" in said
    assert f"olga was the only active owner of {plan.plan_id}" in said
    assert "--role owner" in said
