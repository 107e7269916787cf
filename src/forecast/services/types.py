"""The domain's types, rules and formats that the services take and return, for the faces.

The CLI and the dashboard import the layers below the services only through this module (the
import contract in pyproject.toml holds them to it): a scope to pass to ``system.add_event``, an
event or plan state to show, what reading a sales file found, the column names of the data
contract, a money format.
"""

from __future__ import annotations

from forecast.engine.ingest import IngestResult
from forecast.negotiation import format_money
from forecast.overrides import (
    EFFECTS,
    EVENT_KINDS,
    NEW_VOLUME,
    NO_DEVIATION,
    REASON_CODES,
    Deviation,
    Event,
    Explanation,
    Factor,
    OverrideError,
    Scope,
)
from forecast.plan import PlanState
from forecast.schema import hi_col, interval_columns, levels_in, lo_col

__all__ = [
    "EFFECTS",
    "EVENT_KINDS",
    "NEW_VOLUME",
    "NO_DEVIATION",
    "REASON_CODES",
    "Deviation",
    "Event",
    "Explanation",
    "Factor",
    "IngestResult",
    "OverrideError",
    "PlanState",
    "Scope",
    "format_money",
    "hi_col",
    "interval_columns",
    "levels_in",
    "lo_col",
]
