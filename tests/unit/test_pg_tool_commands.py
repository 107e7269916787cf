"""The pg_dump and pg_restore commands `forecast store backup` and `restore` give: they reach the
server the store's URL reaches, its query settings included, and never carry its password."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from psycopg.conninfo import conninfo_to_dict

from forecast.services.pg_commands import pg_dump_command, pg_restore_command
from forecast.services.pg_tools import _pg_said
from forecast.services.store_factory import without_password
from forecast.store import metadata

URL = "postgresql+psycopg://planner:s3cret-pw@/forecast?host=db.internal&port=6432&sslmode=require"


def _words(command: str) -> list[str]:
    """The words of the command's programs: the manual restore is a line bash runs (``bash -c
    "..."``, for its pipefail), whose words are split once more."""
    words = shlex.split(command)
    return shlex.split(words[2]) if words[:2] == ["bash", "-c"] else words  # no $ ` \\ " in it


@pytest.mark.parametrize("command", [pg_dump_command, pg_restore_command])
def test_the_commands_reach_the_server_of_the_urls_query_settings(command):
    words = _words(command(URL, "plans.dump"))
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
    words = _words(command(f"{url}&passfile=/home/p/.pw", "plans.dump"))
    assert "s3cret-pw" not in " ".join(words) and "/home/p/.pw" not in " ".join(words)
    (dbname,) = [w.removeprefix("--dbname=") for w in words if w.startswith("--dbname=")]
    assert conninfo_to_dict(dbname)["sslmode"] == "require"
    assert without_password(url) == (
        "postgresql+psycopg://planner@db.internal/forecast?password=***&sslmode=require"
    )


@pytest.mark.parametrize("name", ["plans.dump", 'it\'s $HOME `x` \\ "q".dump', "wow!.dump"])
def test_the_manual_restore_is_one_bash_line_that_fails_with_either_side_and_fences_psql(name):
    """bash runs it with pipefail (a pipeline's status is otherwise psql's alone, and a
    pg_restore that failed said 0), and pg_restore is given a key that keeps psql from running
    commands of its own in the archive's SQL (an older pg_restore refuses the option)."""
    command = pg_restore_command(URL, name)
    assert command.startswith("bash -c ")
    # what bash hands its -c, read back by bash itself (its quoting, not Python's idea of it)
    inner = subprocess.run(
        ["bash", "-c", "printf %s " + command.removeprefix("bash -c ")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert inner.startswith("set -o pipefail; ")
    words = shlex.split(inner)
    assert name in words  # the file's name, whatever it holds, as one word
    restoring = words[words.index("pg_restore") :]
    assert any(w.startswith("--restrict-key=") and w[15:].isalnum() for w in restoring)
