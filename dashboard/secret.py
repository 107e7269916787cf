"""The key that signs the dashboard's session cookie.

`FORECAST_SECRET_KEY` wins; else a random key kept in the store's installation table, made on
first start, so sessions survive a restart and every server of one database (each with its own
data directory) signs alike: a cookie of one server is good on the others.
"""

from __future__ import annotations

import os
from typing import Any

SESSION_KEY = "session_signing_key"
"""The installation key's purpose (``PlanRepository.installation_key``)."""


def load_secret_key(store: Any) -> str:
    from_env = os.environ.get("FORECAST_SECRET_KEY")
    if from_env:
        return from_env
    return bytes(store.installation_key(SESSION_KEY)).hex()
