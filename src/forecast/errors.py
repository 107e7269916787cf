"""Errors below the services: refusals that any layer may raise and the faces show as they are.

They live here, outside ``forecast.services``, so that the store (and any other module under the
services) can raise them without importing the layer above it. ``forecast.services.errors``
re-exports them for the faces (CLI and dashboard).
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every refusal a use case makes; the message says what happened and how to fix it."""


class NotFound(ServiceError):
    """The plan, event, team or series named does not exist."""


class Invalid(ServiceError):
    """The input is malformed or breaks a rule of the plan; nothing was written."""


class Forbidden(ServiceError):
    """The acting user's role does not allow this change."""


class StaleVersion(ServiceError):
    """The edit was made against an older version of the plan; someone else changed it since."""


class Locked(ServiceError):
    """The plan is published or agreed and therefore read-only; make a new version to change it."""


class Unavailable(ServiceError):
    """The database could not be reached or stayed busy; nothing was written, try again."""


__all__ = [
    "Forbidden",
    "Invalid",
    "Locked",
    "NotFound",
    "ServiceError",
    "StaleVersion",
    "Unavailable",
]
