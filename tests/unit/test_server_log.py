"""What the server's log says for an operator: failed and throttled sign-ins (by account, from
which address, never what was typed as a password or an unknown name), and for an unexpected
error which callback failed and for whom (every callback posts to the same path)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import pytest

from dashboard import auth
from dashboard.app import create_app
from forecast.services import accounts
from tests.fixtures import six_store_fixtures
from tests.signin import PASSWORD, sign_in, signed_in_client

template, plan = six_store_fixtures(
    "server-log", name="Log plan", planner="piet", accounts=["olga", "piet"]
)


@pytest.fixture
def app(plan):
    return create_app(data_dir=str(plan.data_dir))


def test_failed_and_throttled_sign_ins_are_logged_by_account_and_address(app, caplog):
    client = app.server.test_client()
    with caplog.at_level(logging.WARNING, logger=app.server.logger.name):
        sign_in(client, "my secret pass phrase", "anything at all")
        for attempt in range(accounts.FREE_FAILURES):
            sign_in(client, "PIET", f"wrong guess {attempt}")
        assert sign_in(client, "piet", PASSWORD).status_code == 429
    assert "failed sign-in as an unknown name from 127.0.0.1" in caplog.text
    assert "failed sign-in as 'piet' from 127.0.0.1" in caplog.text
    assert "sign-in as 'piet' from 127.0.0.1 refused for 30 s" in caplog.text
    assert "my secret pass phrase" not in caplog.text
    assert "wrong guess" not in caplog.text and PASSWORD not in caplog.text


def test_a_throttled_name_is_logged_once_when_its_wait_starts_not_at_every_attempt(app, caplog):
    """A flood of sign-ins while the name waits does not fill the log: the failure that started
    the wait said so."""
    client = app.server.test_client()
    with caplog.at_level(logging.WARNING, logger=app.server.logger.name):
        for attempt in range(accounts.FREE_FAILURES):
            sign_in(client, "piet", f"wrong guess {attempt}")
        refused = [sign_in(client, "piet", PASSWORD).status_code for _ in range(3)]
    assert refused == [429, 429, 429]
    assert caplog.text.count("sign-in as 'piet' from 127.0.0.1 refused for 30 s") == 1
    assert caplog.text.count("failed sign-in as 'piet'") == accounts.FREE_FAILURES


def test_an_unexpected_error_is_logged_with_its_callback_and_the_signed_in_account(app, caplog):
    def broken() -> str:
        raise RuntimeError("the failure itself")

    app.server.add_url_rule("/broken-for-the-test", view_func=broken, methods=["POST"])
    client = signed_in_client(app, "olga")
    with caplog.at_level(logging.ERROR, logger=app.server.logger.name):
        answer = client.post("/broken-for-the-test", json={"output": "system-grid.rowData"})
    assert answer.status_code == 500
    assert "callback system-grid.rowData" in caplog.text
    assert "signed in as 'olga'" in caplog.text
    assert "the failure itself" in caplog.text


def test_an_unexpected_error_answers_with_a_short_id_that_its_log_line_gives_too(app, caplog):
    """Whoever saw the error quotes the id; the operator finds its traceback by it."""

    def broken() -> str:
        raise RuntimeError("the failure itself")

    app.server.add_url_rule("/broken-for-the-test", view_func=broken, methods=["POST"])
    client = signed_in_client(app, "olga")
    with caplog.at_level(logging.ERROR, logger=app.server.logger.name):
        answers = [client.post("/broken-for-the-test", json={}) for _ in range(2)]
    ids = []
    for answer in answers:
        text = answer.get_data(as_text=True)
        found = re.search(r"in the server's log under id ([0-9a-f]{8})\.", text)
        assert answer.status_code == 500 and found, text
        assert answer.headers["X-Forecast-Error-Id"] == found.group(1)
        ids.append(found.group(1))
        assert f"unexpected error {found.group(1)} in /broken-for-the-test" in caplog.text
    assert ids[0] != ids[1]
    assert "the failure itself" not in "".join(a.get_data(as_text=True) for a in answers)


def test_a_newline_in_a_failing_requests_path_forges_no_line_of_the_log(app, caplog):
    """Werkzeug decodes %0A in a path: the log escapes what the request sent."""

    def broken(rest: str) -> str:
        raise RuntimeError("the failure itself")

    app.server.add_url_rule("/broken/<rest>", view_func=broken, methods=["POST"])
    client = signed_in_client(app, "olga")
    with caplog.at_level(logging.ERROR, logger=app.server.logger.name):
        answer = client.post("/broken/x%0AERROR forged line", json={})
    assert answer.status_code == 500
    [record] = [r for r in caplog.records if "unexpected error" in r.getMessage()]
    said = record.getMessage()
    assert "/broken/x\\nERROR forged line" in said and "\n" not in said


def _session_secret(app, client) -> str:
    cookie = client.get_cookie(auth.SESSION_COOKIE)
    serializer = app.server.session_interface.get_signing_serializer(app.server)
    return serializer.loads(cookie.value)[auth.SESSION_ID]


def test_sign_in_and_sign_out_are_logged_by_name_and_address_never_the_password_or_session(
    app, caplog
):
    with caplog.at_level(logging.INFO, logger=app.server.logger.name):
        client = signed_in_client(app, "olga")
        secret = _session_secret(app, client)
        cookie = client.get_cookie(auth.SESSION_COOKIE).value
        assert client.post("/logout").status_code == 302
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "signed in: 'olga' from 127.0.0.1" in infos
    assert "signed out: 'olga' from 127.0.0.1" in infos
    assert PASSWORD not in caplog.text
    assert secret not in caplog.text and cookie not in caplog.text


def test_refusals_of_the_proxys_header_are_logged_with_the_name_it_gave(plan, caplog):
    app = create_app(data_dir=str(plan.data_dir), auth_mode="header")
    client = app.server.test_client()
    with caplog.at_level(logging.INFO, logger=app.server.logger.name):
        assert client.get("/", headers={"X-Forwarded-User": "bob\x1b[2Jforged"}).status_code == 403
        assert client.get("/plans").status_code == 403
        assert client.get("/", headers={"X-Forwarded-User": "olga"}).status_code == 200
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == [
        "refused / from 127.0.0.1: the proxy's X-Forwarded-User names 'bob\\x1b[2Jforged', who has no "
        "active account",
        "refused /plans from 127.0.0.1: no X-Forwarded-User header",
    ]


def test_the_servers_log_lines_carry_an_iso_time_the_level_and_the_logger():
    from forecast.cli.serve_cmds import LOG_FORMAT, LOG_TIME_FORMAT

    record = logging.LogRecord("dashboard.app", logging.INFO, __file__, 1, "signed in", (), None)
    line = logging.Formatter(LOG_FORMAT, LOG_TIME_FORMAT).format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO dashboard\.app: signed in", line
    ), line


def test_a_line_the_dashboard_logs_reaches_the_servers_stderr_once_in_the_log_format(tmp_path):
    script = (
        "import sys\n"
        "from dashboard.app import create_app\n"
        "from forecast.cli.serve_cmds import configure_logging\n"
        "app = create_app(data_dir=sys.argv[1])\n"
        "configure_logging(app.server.logger.name)\n"
        "app.server.logger.info('signed in: kim from 1.2.3.4')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "signed in: kim" in line]
    assert len(lines) == 1, done.stderr
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO dashboard\.app: ", lines[0])
