"""A database URL the command line cannot use is refused with what is wrong and the fix, and
never with its password: not in a text that is no URL at all, nor in one SQLAlchemy reads
differently from what the user meant (an @ in the password, a port that is no number)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services.store_factory import without_password

SECRET = "s3cret"

NOT_URLS = [
    f"user:{SECRET}@host/db",  # no scheme at all
    f"postgresql:/user:{SECRET}@host/db",  # one slash short
    f"postgres//u:{SECRET}@h/db",  # the colon left out
    f"sqlite//u:{SECRET}@h",
    f"host=h password={SECRET} dbname=x",  # a libpq keyword string
    f"postgresql://u:{SECRET}@h:notaport/db",  # a port that is no number
    f"postgresql://u:pa@ss:{SECRET}@h/db",  # an @ and : in the password: read as host and port
    f"postgresql://u:pa@{SECRET}@h/db",  # an @ in the password: its rest read as the host
]


def _invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


@pytest.mark.parametrize("url", NOT_URLS)
def test_a_db_option_that_is_no_usable_url_is_refused_without_its_password(url, tmp_path):
    result = _invoke("plan", "list", "--db", url, "--data-dir", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "--db is not a database URL" in result.stderr
    assert "postgresql://user:password@host" in result.stderr or "%40" in result.stderr
    assert SECRET not in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize("url", NOT_URLS)
def test_forecast_db_url_that_is_no_usable_url_is_refused_without_its_password(url, tmp_path):
    result = _invoke("plan", "list", "--data-dir", str(tmp_path), env={"FORECAST_DB_URL": url})
    assert result.exit_code == 2, result.output
    assert "FORECAST_DB_URL is not a database URL" in result.stderr
    assert SECRET not in result.output


def test_the_json_error_of_a_bad_url_holds_no_password(tmp_path):
    result = _invoke("plan", "list", "--json", "--db", f"u:{SECRET}@h/db")
    assert result.exit_code == 2, result.output
    assert "is not a database URL" in json.loads(result.stdout)["message"]
    assert SECRET not in result.output


def test_a_url_missing_a_slash_is_told_what_it_lacks(tmp_path):
    result = _invoke("plan", "list", "--db", f"postgresql:/u:{SECRET}@h/db")
    assert "begins like a postgresql URL but has no :// after that name" in result.stderr


def test_an_at_sign_in_the_password_is_told_how_to_write_it(tmp_path):
    result = _invoke("plan", "list", "--db", f"postgresql://u:pa@{SECRET}@h/db")
    assert "an @ in the user or password is written %40" in result.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "8571"], ["store", "backup", "x.db"]])
def test_serve_and_backup_refuse_a_bad_url_without_its_password(command, tmp_path):
    for url in (f"u:{SECRET}@h/db", f"postgresql://u:pa@ss:{SECRET}@h/db"):
        result = _invoke(*command, "--db", url, "--data-dir", str(tmp_path))
        assert result.exit_code == 2, result.output
        assert "is not a database URL" in result.stderr
        assert SECRET not in result.output


def test_serve_refuses_a_bad_forecast_db_url_without_its_password(tmp_path):
    # the server's read-only check read the URL before the store did: int()'s words on a port
    # that is no number said back the password's part after an unencoded @ (exit 1)
    url = f"postgresql://u:pa@ss:{SECRET}@h/db"
    env = {"FORECAST_DB_URL": url}
    result = _invoke("serve", "--port", "8572", "--data-dir", str(tmp_path), env=env)
    assert result.exit_code == 2, result.output
    assert "FORECAST_DB_URL is not a database URL" in result.stderr
    assert SECRET not in result.output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql+psycopg://u:{SECRET}@h/db", "postgresql+psycopg://u:***@h/db"),
        (f"postgresql+psycopg://u:pw/{SECRET}@h/db", "postgresql+psycopg://u:***@h/db"),
        (f"postgresql+psycopg://u:pw@{SECRET}@h/db", "postgresql+psycopg://u:***@h/db"),
        (f"postgresql+psycopg://a@b:{SECRET}@h/db", "postgresql+psycopg://a@b:***@h/db"),
        (f"postgresql+psycopg://h/db?password={SECRET}", "postgresql+psycopg://h/db?password=***"),
        (
            f"postgresql+psycopg://u@h/db?passwrd={SECRET}&sslmode=require",
            "postgresql+psycopg://u@h/db?passwrd=***&sslmode=require",
        ),
        (f"postgresql+psycopg://u:p?x={SECRET}@h/db", "postgresql+psycopg://u:***@h/db"),
        ("sqlite:///file:/tmp/x.db?mode=ro&uri=true", "sqlite:///file:/tmp/x.db?mode=ro&uri=true"),
        ("sqlite:////tmp/a b/forecast.db", "sqlite:////tmp/a b/forecast.db"),
        (f"u:{SECRET}@h/db", "(not shown here: it may hold a password)"),
        (f"postgresql://u:p@x:{SECRET}@h/db", "(not shown here: it may hold a password)"),
    ],
)
def test_without_password_hides_whatever_the_driver_would_take_for_the_password(url, shown):
    assert without_password(url) == shown


def test_a_misspelt_password_setting_is_not_shown_and_the_drivers_words_are_one_line():
    """psycopg refuses an unknown setting before it connects, naming the setting; the URL in
    the message showed its value (a password typed under a misspelt name)."""
    url = f"postgresql://u@127.0.0.1:1/db?passwrd={SECRET}"
    result = _invoke("plan", "list", "--db", url)
    assert result.exit_code == 2, result.output
    said = result.stderr.strip()
    assert said == (
        "error: cannot open the plan store at postgresql+psycopg://u@127.0.0.1:1/db?passwrd=***: "
        'invalid connection option "passwrd"'
    )


@pytest.mark.parametrize("setting", ["sslpassword", "passwrd", "password", "passfile"])
def test_the_pg_dump_command_backup_prints_holds_no_secret_setting(setting, tmp_path):
    # sslpassword: the passphrase of the client's key, a libpq setting; passwrd: a misspelt one
    url = f"postgresql://u@h/db?sslmode=require&{setting}={SECRET}"
    result = _invoke("store", "backup", str(tmp_path / "x.dump"), "--db", url)
    assert result.exit_code == 2, result.output
    assert "pg_dump --format=custom" in result.stderr
    assert "sslmode=require" in result.stderr  # the harmless settings reach the server still
    assert SECRET not in result.output


def test_the_pg_dump_command_backup_prints_names_the_settings_it_leaves_out(tmp_path):
    """The printed command is run by hand, later: a setting it leaves out as possibly secret
    (the key's passphrase; requirepeer=, which libpq checks the server by) is named, so that
    the user adds it back rather than connect without it, its value never shown."""
    url = f"postgresql://u@h/db?sslmode=require&sslpassword={SECRET}&requirepeer=peer-7a1"
    result = _invoke("store", "backup", str(tmp_path / "x.dump"), "--db", url)
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2, result.output
    assert "the URL's sslpassword=, requirepeer= left out of it" in said
    assert SECRET not in result.output and "peer-7a1" not in said
