"""The connection service file the PostgreSQL restore gives pg_dump and psql for a URL's
secrets: a service the URL names that no service file holds is refused, naming it."""

from __future__ import annotations

import pytest

from forecast.services import pg_tools
from forecast.services.errors import Invalid


def test_a_service_no_file_holds_is_refused_naming_it(tmp_path, monkeypatch):
    """libpq refuses a service it finds in no file; the restore's copy of it must not instead
    hand the tools a service of the URL's secrets alone (they would reach the default server)."""
    services = tmp_path / "services.conf"
    services.write_text("[other]\nhost=db.example\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("PGSYSCONFDIR", str(tmp_path / "no-such-folder"))
    url = "postgresql+psycopg://planner@/?service=plans&sslpassword=k3y-passphrase"

    with pytest.raises(Invalid) as refused, pg_tools._pg_tools(url):
        pass

    said = str(refused.value)
    assert "'plans'" in said and str(services) in said and "nothing was changed" in said
    assert "k3y-passphrase" not in said
