"""Errors the services raise (defined in ``forecast.errors`` so the store can raise them too).

Their messages are shown to the user as they are (CLI and dashboard).
"""

from __future__ import annotations

from forecast.errors import (
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    ServiceError,
    StaleVersion,
    Unavailable,
)

__all__ = [
    "Forbidden",
    "Invalid",
    "Locked",
    "NotFound",
    "ServiceError",
    "StaleVersion",
    "Unavailable",
]
