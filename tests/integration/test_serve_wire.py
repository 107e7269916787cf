"""`forecast serve` on the wire: a real waitress subprocess, raw HTTP. What the proxy headers do
with and without --trusted-proxies, and idle connections that must not shut everyone out."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from forecast.services import accounts
from tests.signin import PASSWORD, add_accounts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _served(data_dir: Path, *args: str) -> Iterator[int]:
    """`forecast serve` on a free port of 127.0.0.1 with `args`; yields the port."""
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=data_dir)
    add_accounts(store, ["lena", "carl"])
    store.close()
    port = _free_port()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "forecast", "serve", "--port", str(port)]
            + ["--data-dir", str(data_dir), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(240):
                if server.poll() is not None:
                    raise AssertionError(log_path.read_text())
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=2):
                        break
                except OSError:
                    time.sleep(0.25)
            else:
                raise AssertionError("forecast serve did not listen: " + log_path.read_text())
            yield port
        finally:
            server.terminate()
            server.wait(timeout=20)


def _request(port: int, method: str, path: str, headers: dict[str, str], body: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        conn.close()


def _sign_in(port: int, name: str, password: str, headers: dict[str, str]) -> int:
    """The sign-in form as a browser sends it; the status of the POST."""
    _, cookie, page = _request(port, "GET", "/login", headers)
    token = re.search(r"name='csrf' value='([^']+)'", page)
    assert token, page[:300]
    form = urllib.parse.urlencode({"csrf": token.group(1), "name": name, "password": password})
    sent = {
        **headers,
        "Cookie": cookie.split(";")[0],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    status, _, _ = _request(port, "POST", "/login", sent, form)
    return status


def _secure(set_cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in set_cookie.split(";")]


def test_behind_a_trusted_proxy_the_cookie_is_secure_and_each_client_counts_apart(tmp_path):
    """--trusted-proxies 1: the proxy's X-Forwarded-Proto marks the session cookie Secure, and
    its X-Forwarded-For gives each person behind it their own address for the throttle."""
    with _served(tmp_path, "--trusted-proxies", "1") as port:
        https = {"X-Forwarded-Proto": "https"}
        _, cookie, _ = _request(port, "GET", "/login", https)
        assert _secure(cookie), cookie

        guesser = {**https, "X-Forwarded-For": "203.0.113.9"}
        for _ in range(accounts.FREE_FAILURES):
            assert _sign_in(port, "lena", "guess guess guess", guesser) == 200
        assert _sign_in(port, "lena", PASSWORD, guesser) == 429
        colleague = {**https, "X-Forwarded-For": "198.51.100.5"}
        assert _sign_in(port, "lena", PASSWORD, colleague) == 302


def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path):
    """A browser talking to the port directly cannot claim HTTPS or another address."""
    with _served(tmp_path) as port:
        _, cookie, _ = _request(port, "GET", "/login", {"X-Forwarded-Proto": "https"})
        assert cookie and not _secure(cookie), cookie

        for i in range(accounts.FREE_FAILURES):
            claimed = {"X-Forwarded-For": f"203.0.113.{i}"}
            assert _sign_in(port, "carl", "guess guess guess", claimed) == 200
        assert _sign_in(port, "carl", PASSWORD, {"X-Forwarded-For": "198.51.100.5"}) == 429


def test_idle_connections_beyond_waitresss_default_limit_do_not_shut_everyone_out(tmp_path):
    """150 connections opened and left silent (no sign-in, no request): the sign-in page still
    answers (waitress's own default served 100 connections and reaped idle ones after 2 min)."""
    with _served(tmp_path) as port:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(150)]
        try:
            status, _, page = _request(port, "GET", "/login", {})
            assert status == 200 and "Sign in" in page
        finally:
            for sock in idle:
                sock.close()
