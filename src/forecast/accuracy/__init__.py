"""Forecast value added (FVA): how much each layer and each human touch improved the forecast.

Pure computations (no I/O, no store): the plan's layers and the actuals on a series x period grid
(`grid`), WAPE / MASE / bias per layer with the value added by each step (`layers`), and the
value added by each touch - event, event kind, reason code, planner, a value given instead of
the system's offer, claim, assignment (`touches`).
"""

from forecast.accuracy.grid import LAYER_LABELS, LAYERS, ScoredGrid, build_grid
from forecast.accuracy.layers import TIE_MARGIN, closer, layer_table
from forecast.accuracy.touches import (
    AuditRef,
    ClaimTouch,
    EventTouchInput,
    NegotiationTouches,
    given_vs_offered,
    offered_value,
    touch_table,
)

__all__ = [
    "LAYERS",
    "LAYER_LABELS",
    "TIE_MARGIN",
    "AuditRef",
    "ClaimTouch",
    "EventTouchInput",
    "NegotiationTouches",
    "ScoredGrid",
    "build_grid",
    "closer",
    "given_vs_offered",
    "layer_table",
    "offered_value",
    "touch_table",
]
