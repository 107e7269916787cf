"""Ingest: a user's sales file to the long contract `unique_id, ds, y` (+ flags, attributes).

`read_sales` is the one entry point; see docs/ARCHITECTURE.md for the contract.
"""

from forecast.engine.ingest.core import read_sales
from forecast.engine.ingest.regularise import pandas_freq
from forecast.engine.ingest.types import (
    ColumnMapping,
    IngestError,
    IngestReport,
    IngestResult,
    Problem,
)

__all__ = [
    "ColumnMapping",
    "IngestError",
    "IngestReport",
    "IngestResult",
    "Problem",
    "pandas_freq",
    "read_sales",
]
