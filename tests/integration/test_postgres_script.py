"""scripts/postgres.sh is read by scripts/test.sh as `url=$(bash scripts/postgres.sh)`: whatever
the script prints on stdout becomes the database URL, so it must print the URL and nothing else."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_script_prints_only_the_url_on_stdout(postgres_url):
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], check=False).returncode:
        pytest.skip("scripts/postgres.sh needs root or password-less sudo to manage the cluster")
    done = subprocess.run(
        ["bash", "scripts/postgres.sh"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    # The suite may run on another database of the same cluster (FORECAST_TEST_PG_URL); the
    # script's own database differs only in its name.
    assert lines[0].rsplit("/", 1)[0] == postgres_url.rsplit("/", 1)[0]
    assert lines[0].startswith("postgresql+psycopg://")
