"""scripts/postgres.sh is read by scripts/test.sh as `url=$(bash scripts/postgres.sh)`: whatever
the script prints on stdout becomes the database URL, so it must print the URL and nothing else."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def _run_the_script() -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], check=False).returncode:
        pytest.skip("scripts/postgres.sh needs root or password-less sudo to manage the cluster")
    done = subprocess.run(
        ["bash", "scripts/postgres.sh"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done


def test_postgres_script_prints_only_the_url_on_stdout(postgres_url):
    done = _run_the_script()
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    # The suite may run on another database of the same cluster (FORECAST_TEST_PG_URL); the
    # script's own database differs only in its name.
    assert lines[0].rsplit("/", 1)[0] == postgres_url.rsplit("/", 1)[0]
    assert lines[0].startswith("postgresql+psycopg://")


def test_postgres_script_gives_the_suite_role_no_right_to_make_roles_and_makes_a_reader():
    """CREATEROLE would let the suite's role grant itself almost any role (PostgreSQL 15); the
    tests of a role with fewer rights use the reader role the script makes, without rights."""
    url = _run_the_script().stdout.strip()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rights = sa.text(
                "SELECT rolcreaterole, rolcreaterole OR rolsuper OR rolcreatedb FROM pg_roles "
                "WHERE rolname = :role"
            )
            owner = conn.execute(rights, {"role": make_url(url).username}).one()[0]
            reader = conn.execute(rights, {"role": "forecast_reader"}).first()
    finally:
        engine.dispose()
    assert owner is False
    assert reader is not None and reader[1] is False
