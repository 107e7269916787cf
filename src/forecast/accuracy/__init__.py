"""Forecast value added (FVA): how much each layer and each human touch improved the forecast.

Pure computations (no I/O, no store): the plan's layers and the actuals on a series x period grid
(`grid`), WAPE / MASE / bias per layer with the value added by each step (`layers`), and the
value added by each touch - event, event kind, reason code, planner, a value given instead of
the system's offer, claim, assignment (`touches`), and what a verdict rests on: how many of the
plan's series and periods have actuals (`coverage`).
"""

from forecast.accuracy.coverage import (
    PROVISIONAL_SHARE,
    Coverage,
    frame_coverage,
    grid_coverage,
)
from forecast.accuracy.grid import LAYER_LABELS, LAYERS, ScoredGrid, build_grid
from forecast.accuracy.layers import TIE_MARGIN, closer, layer_table
from forecast.accuracy.touches import (
    AuditRef,
    ClaimTouch,
    EventTouchInput,
    NegotiationTouches,
    given_vs_offered,
    given_vs_offered_why_none,
    offered_value,
    touch_table,
)

__all__ = [
    "LAYERS",
    "LAYER_LABELS",
    "PROVISIONAL_SHARE",
    "TIE_MARGIN",
    "AuditRef",
    "ClaimTouch",
    "Coverage",
    "EventTouchInput",
    "NegotiationTouches",
    "ScoredGrid",
    "build_grid",
    "closer",
    "frame_coverage",
    "given_vs_offered",
    "given_vs_offered_why_none",
    "grid_coverage",
    "layer_table",
    "offered_value",
    "touch_table",
]
