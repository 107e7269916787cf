"""A SQLite store named by a URI filename (``sqlite:///file:PATH?mode=ro&uri=true``, a read-only
look at a store) is the file PATH for every command, as the store itself reads the URL: a
command that reads plans finds the store there instead of saying there is none."""

from __future__ import annotations

from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts
from forecast.services.store_factory import open_store, sqlite_file


def test_a_uri_filename_names_the_store_file_and_a_reading_command_finds_it(tmp_path):
    store = open_store(data_dir=tmp_path)
    accounts.add_user(store, "olga", "olga's own pass phrase")
    store.close()
    file = tmp_path / "forecast.db"
    url = f"sqlite:///file:{file}?mode=ro&uri=true"

    assert sqlite_file(url) == file
    assert sqlite_file(f"sqlite:///{file}?timeout=5") == file
    result = CliRunner().invoke(app, ["plan", "list", "--db", url])
    assert result.exit_code == 0, result.output
    assert "there is no plan store" not in result.output
