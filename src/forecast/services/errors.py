"""Errors the services raise (defined in ``forecast.errors`` so the store can raise them too).

Each says what happened (``reason``) and, where there is one, how to fix it (``fix``, a `FixKey`
with parameters); the faces word the fix in their own terms (CLI flags, dashboard pages) and
``str(error)`` words it neutrally.
"""

from __future__ import annotations

from forecast.errors import (
    NEUTRAL_FIXES,
    WEEKDAY_FIX,
    Conflict,
    Fix,
    FixKey,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    Refusal,
    ServiceError,
    StaleVersion,
    Unavailable,
    WrongStage,
    explain,
    fix_of,
    reason_of,
)

__all__ = [
    "NEUTRAL_FIXES",
    "WEEKDAY_FIX",
    "Conflict",
    "Fix",
    "FixKey",
    "Forbidden",
    "Invalid",
    "Locked",
    "NotFound",
    "Refusal",
    "ServiceError",
    "StaleVersion",
    "Unavailable",
    "WrongStage",
    "explain",
    "fix_of",
    "reason_of",
]
