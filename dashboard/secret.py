"""The key that signs the dashboard's session cookie.

`FORECAST_SECRET_KEY` wins; else a random key kept in the data directory (`secret_key`, mode
0600), made on first start, so sessions survive a restart and every worker of one installation
signs alike.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILENAME = "secret_key"


def load_secret_key(data_dir: Path) -> str:
    from_env = os.environ.get("FORECAST_SECRET_KEY")
    if from_env:
        return from_env
    path = data_dir / SECRET_FILENAME
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
