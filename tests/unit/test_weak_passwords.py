"""Passwords that a guess finds at once are refused however long they are: spaces only, one or
two characters repeated, the account's own name over and over; on the command line too."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store

runner = CliRunner()


@pytest.fixture
def store(tmp_path):
    opened = open_store(data_dir=tmp_path)
    yield opened
    opened.close()


@pytest.mark.parametrize("password", [" " * 12, "  short pw  ", "aaaaaaaaaaaa", "abababababab"])
def test_blank_or_repeated_passwords_are_refused(store, password):
    with pytest.raises(Invalid, match="a few words make a good one"):
        accounts.add_user(store, "piet", password)
    assert store.get_account("piet") is None


def test_a_password_made_of_the_account_name_is_refused_when_set_by_an_admin(store):
    accounts.add_user(store, "olga", "a good long passphrase")
    with pytest.raises(Invalid, match="account's name"):
        accounts.set_password(store, "olga", "olgaOLGAolga1")
    assert accounts.authenticate(store, "olga", "a good long passphrase") is not None


def test_the_command_line_refuses_a_password_of_spaces_from_stdin(tmp_path):
    added = runner.invoke(
        app,
        ["user", "add", "bob", "--password-stdin", "--data-dir", str(tmp_path)],
        input=" " * 12 + "\n",
    )
    assert added.exit_code == 2, added.output
    assert "not counting spaces" in added.output
