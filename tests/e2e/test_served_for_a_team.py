"""`forecast serve` as a team runs it: waitress in a real subprocess, a plan created on the Data
page by a background callback in the browser, headers and the Host check on the wire."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.helpers import click, pick, type_into


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path):
    """`python -m forecast serve` on a free port; yields its base URL and data directory."""
    port = _free_port()
    data_dir = tmp_path / "data"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "forecast",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--threads",
            "4",
            "--allowed-host",
            "plans.example.org",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.25)
        else:
            pytest.fail("forecast serve did not answer")
        assert server.poll() is None, (tmp_path / "serve.log").read_text()
        yield url, data_dir
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _get(url: str, host: str | None = None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        return urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as exc:
        return exc


def test_waitress_serves_with_security_headers_and_checks_the_host(served):
    url, _ = served

    page = _get(url + "/")
    assert page.status == 200
    assert page.headers["Server"] == "forecast"  # waitress, not Werkzeug's development server
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert _get(url + "/assets/forecast.css").status == 200
    assert _get(url + "/", host="evil.example").status == 400
    assert _get(url + "/", host="plans.example.org").status == 200


def test_a_plan_is_created_on_the_data_page_under_waitress(served, dash_duo):
    url, data_dir = served
    from forecast.services.store_factory import open_store
    from tests.signin import PASSWORD, add_accounts

    store = open_store(data_dir=data_dir)
    add_accounts(store, ["olga"])
    store.close()
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.driver.get(url + "/login?next=/")
    dash_duo.wait_for_element("#login-name", timeout=20).send_keys("olga")
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#nav-role", "olga", timeout=20)
    dash_duo.wait_for_element("#data-use-sample", timeout=20)
    click(dash_duo, "#data-use-sample")
    dash_duo.wait_for_contains_text("#data-report-ok", "100 series", timeout=60)
    dash_duo.wait_for_contains_text("#data-team-attr", "StoreType", timeout=10)
    pick(dash_duo, "#data-model", "snaive")
    type_into(dash_duo, "#data-plan-name", "Served plan")
    click(dash_duo, "#data-create")

    dash_duo.wait_for_contains_text("#data-create-ok", "Plan 'Served plan' created", timeout=180)
    dash_duo.wait_for_contains_text("#nav-plan", "Served plan", timeout=20)
    uploads = data_dir / "dashboard-cache" / "uploads"
    # both uploads (sales, attributes) deleted once used; what stays is the record of why each
    # went (`<token>.gone`: who, the file's name, why), which holds none of the file's data
    # (the plan's job lets them go as it ends, which the page may show a moment before)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        left = sorted(path.suffix for path in uploads.iterdir())
        if left == [".gone"] * 2:
            break
        time.sleep(0.2)
    assert left == [".gone"] * 2
    assert dash_duo.get_logs() == []
