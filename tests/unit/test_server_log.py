"""What the server's log says for an operator: failed and throttled sign-ins (by account, from
which address, never what was typed as a password or an unknown name), and for an unexpected
error which callback failed and for whom (every callback posts to the same path)."""

from __future__ import annotations

import logging

import pytest

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
