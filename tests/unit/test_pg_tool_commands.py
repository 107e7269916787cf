"""The pg_dump and pg_restore commands `forecast store backup` and `restore` give: they reach the
server the store's URL reaches, its query settings included, and never carry its password."""

from __future__ import annotations

import shlex

import pytest
from psycopg.conninfo import conninfo_to_dict

from forecast.services.backup import _pg_said, pg_dump_command, pg_restore_command
from forecast.services.store_factory import without_password
from forecast.store import metadata

URL = "postgresql+psycopg://planner:s3cret-pw@/forecast?host=db.internal&port=6432&sslmode=require"


@pytest.mark.parametrize("command", [pg_dump_command, pg_restore_command])
def test_the_commands_reach_the_server_of_the_urls_query_settings(command):
    words = shlex.split(command(URL, "plans.dump"))
    assert "s3cret-pw" not in " ".join(words)
    (dbname,) = [w.removeprefix("--dbname=") for w in words if w.startswith("--dbname=")]
    settings = conninfo_to_dict(dbname)  # as libpq reads it
    assert settings["host"] == "db.internal"
    assert settings["port"] == "6432"
    assert settings["sslmode"] == "require"
    assert settings["user"] == "planner"
    assert settings["dbname"] == "forecast"
    assert "password" not in settings
    assert not any(w.startswith(("--host=", "--port=")) for w in words)  # none to contradict it


def test_the_backup_command_dumps_the_store_tables_only_quoted_and_in_the_stores_schema():
    """pg_dump takes a quoted pattern literally: a schema named with a dot or a quote is the
    schema of that name, not a pattern of others."""
    for schema, prefix in [(None, ""), ('my."s', '"my.""s".')]:
        words = shlex.split(pg_dump_command(URL, "plans.dump", schema=schema))
        tables = [w.removeprefix("--table=") for w in words if w.startswith("--table=")]
        assert tables == [f'{prefix}"{table}"' for table in sorted(metadata.tables)]
        assert f'{prefix}"plans"' in tables


def test_what_a_tool_says_loses_the_password_but_not_the_words_that_contain_it():
    url = "postgresql+psycopg://forecast:forecast@127.0.0.1/forecast_x"
    said = _pg_said(
        'connection to server failed: FATAL: role "forecast" may not reach "forecast_x" '
        "(postgresql://forecast:forecast@127.0.0.1/forecast_x)",
        url,
    )
    assert said == (
        'connection to server failed: FATAL: role "***" may not reach "forecast_x" '
        "(postgresql://***:***@127.0.0.1/forecast_x)"
    )


def test_a_password_that_begins_or_ends_with_a_sign_is_hidden_wherever_it_stands():
    said = _pg_said("user x!pw-% and x!pw-%y", "postgresql://x:!pw-%25@db/forecast")
    assert said == "user x*** and x***y"


@pytest.mark.parametrize("command", [pg_dump_command, pg_restore_command])
def test_a_password_in_the_urls_query_is_not_on_the_command_line(command):
    """``?password=`` (and ``passfile=``) are left out of --dbname, which ps shows; the password
    goes through PGPASSWORD."""
    url = "postgresql+psycopg://planner@db.internal/forecast?password=s3cret-pw&sslmode=require"
    words = shlex.split(command(f"{url}&passfile=/home/p/.pw", "plans.dump"))
    assert "s3cret-pw" not in " ".join(words) and "/home/p/.pw" not in " ".join(words)
    (dbname,) = [w.removeprefix("--dbname=") for w in words if w.startswith("--dbname=")]
    assert conninfo_to_dict(dbname)["sslmode"] == "require"
    assert without_password(url) == (
        "postgresql+psycopg://planner@db.internal/forecast?password=***&sslmode=require"
    )
