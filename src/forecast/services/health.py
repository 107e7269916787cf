"""Whether this server can do its work, for a load balancer or a service manager: its
database answers. Nothing of the database's address or error leaves here (the caller is not
signed in); the reason is logged by the caller."""

from __future__ import annotations

from dataclasses import dataclass

from forecast.errors import Unavailable
from forecast.store import PlanRepository

DATABASE_DOWN = "the database could not be reached"


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str = ""  # in words, for the probe's log; empty when ok
    detail: str = ""  # the store's own message, for the server's log only


def check(store: PlanRepository) -> Health:
    try:
        store.ping()
    except Unavailable as exc:
        return Health(False, DATABASE_DOWN, str(exc))
    return Health(True)
