"""Where the app finds its store: one context per app instance (no module-level state)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DashboardContext:
    """The database URL and data directory an app instance was created with.

    The store is opened lazily, once per process: background callbacks run in a child process
    and open their own (`fresh_store`), since a database connection must not cross a fork.
    """

    db_url: str | None = None
    data_dir: str | None = None
    upload_limit_bytes: int = 50 * 1024 * 1024
    auth_mode: str = "password"  # or "header": see dashboard/auth.py
    auth_header: str = "X-Forwarded-User"
    session_hours: float = 12.0  # how long a sign-in lasts (dashboard/auth.py)
    _store: Any = field(default=None, repr=False)

    @property
    def store(self) -> Any:
        if self._store is None:
            self._store = self.fresh_store()
        return self._store

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a background job sent to a clean process) without the open store: the job
        opens its own (`fresh_store`), and a database connection cannot travel."""
        return {**self.__dict__, "_store": None}

    def fresh_store(self) -> Any:
        return _open_store()(db_url=self.db_url, data_dir=self.data_dir)

    def home(self) -> Path:
        """The data directory (also with a database URL: keys and caches live here)."""
        return Path(self.data_dir) if self.data_dir else _default_data_dir()

    def cache_path(self) -> Path:
        """Where the background-callback cache lives: inside the data directory."""
        return self.home() / "dashboard-cache"

    def cache_dir(self) -> Path:
        """`cache_path`, made if missing."""
        path = self.cache_path()
        path.mkdir(parents=True, exist_ok=True)
        return path


@functools.cache
def _open_store() -> Any:
    from forecast.services import store_factory

    return store_factory.open_store


def _default_data_dir() -> Path:
    from forecast.services import store_factory

    return Path(store_factory.default_data_dir())
