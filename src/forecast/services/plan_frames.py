"""A plan's stored frames (history, attributes, baseline) as the services read them, and the
frames of a plan version shared between the read models (read once per version)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from forecast import schema
from forecast.plan import PlanState
from forecast.services.cache import PerStoreCache
from forecast.store import PlanRepository, frame_from_bytes

HISTORY = "history"
ATTRIBUTES = "attributes"
BASELINE = "baseline"


@dataclass
class PlanFrames:
    history: pd.DataFrame  # unique_id, ds, y (+ flag columns)
    attributes: pd.DataFrame  # unique_id + attribute columns (str)
    baseline: pd.DataFrame  # unique_id, ds, baseline, intervals, model


def load_blob_frame(store: PlanRepository, plan_id: str, kind: str) -> pd.DataFrame:
    return blob_frame(store.get_blob(plan_id, kind))


# The frames of a plan version that several read models start from (the system plan, the
# negotiation's series frame, the plan totals): read once per version, shared read-only.
_VERSION_FRAMES: PerStoreCache[pd.DataFrame] = PerStoreCache(size=6)


# Columns the read models never use, left unread: which model served each series (a string
# per series-period) is for the exports, which read the whole baseline.
VERSION_FRAME_SKIPS = {BASELINE: ("model",)}


def version_frame(store: PlanRepository, state: PlanState, kind: str) -> pd.DataFrame:
    """`load_blob_frame` of this plan version without `VERSION_FRAME_SKIPS`, shared between
    callers: read it, never change it."""
    return _VERSION_FRAMES.get(
        store,
        state,
        (state.plan_id, state.version, kind),
        lambda: blob_frame(store.get_blob(state.plan_id, kind), VERSION_FRAME_SKIPS.get(kind, ())),
    )


def keep_version_frame(
    store: PlanRepository, state: PlanState, kind: str, frame: pd.DataFrame
) -> None:
    """A writer that saved `state` without changing its `kind` blob hands on the `version_frame`
    it read of the version before (the same data)."""
    _VERSION_FRAMES.put(store, state, (state.plan_id, state.version, kind), frame)


def blob_frame(
    data: bytes, skip: Sequence[str] = (), columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A stored frame as the services read it: ids as str, dates as datetimes; the columns in
    `skip` are not read, nor any but `columns` when given."""
    if skip or columns is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        names = (
            list(columns) if columns is not None else pq.read_schema(pa.BufferReader(data)).names
        )
        names = [n for n in names if n not in skip]
        frame = pq.read_table(pa.BufferReader(data), columns=names).to_pandas()
    else:
        frame = frame_from_bytes(data)
    if schema.UNIQUE_ID in frame:
        frame[schema.UNIQUE_ID] = frame[schema.UNIQUE_ID].astype(str)
    if schema.DS in frame:
        frame[schema.DS] = pd.to_datetime(frame[schema.DS])
    return frame


def carry_read_models(store: PlanRepository, before: PlanState, saved: PlanState) -> None:
    """A save that changed neither the data nor the events, team dimension or calendar (an
    explanation, a threshold, a claim) leaves the frames the system plan is computed from, and
    the system plan itself, as they were: the new version reuses those read or computed for the
    version before, not reading and computing them again."""
    from forecast.services import system as system_track

    for kind in (HISTORY, ATTRIBUTES, BASELINE):
        _VERSION_FRAMES.carry(
            store,
            before,
            (before.plan_id, before.version, kind),
            saved,
            (saved.plan_id, saved.version, kind),
        )
    system_track.carry_series_plan(store, before, saved)
