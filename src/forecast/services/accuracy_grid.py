"""The FVA's inputs read straight onto the scoring grid (series x periods, numpy).

The Accuracy page's first call after a restart used to rebuild the whole negotiated plan frame
(every column, string ids row by row, the basis spread, event labels) only to put three numbers
per cell on a grid. Here the stored Parquet blobs are read column by column with pyarrow, ids and
dates are dictionary-encoded (a few thousand strings instead of a million), and each layer is
computed on the grid by the same rules as the plan's own frames:

- the system plan: the events' combination rule on the grid (`forecast.accuracy.EventGrid`, the
  same arithmetic in the same order as `forecast.overrides.apply_events`);
- the negotiated target: each team's (or team-period's) target spread in proportion to the
  recorded spread basis with `forecast.negotiation.spread_groups`, the cells in the order of the
  plan frame (series, then period), as `services.negotiation.negotiated_plan` does;
- the MASE scale per series: the in-sample MAE of the seasonal naive over the history;
- the layer the target's value added is measured from: the negotiation's recorded basis.

The numbers equal those of the frames (tests hold it); only the reading is cheaper.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from forecast import accuracy, schema
from forecast import negotiation as domain
from forecast.accuracy.touches import EventGrid
from forecast.engine import gaps
from forecast.engine.calendar import season_length
from forecast.overrides import Event
from forecast.plan import PlanState
from forecast.store import content_hash


@dataclass(frozen=True)
class Column:
    """A dictionary-encoded column: ``uniques[codes]`` are its values row by row."""

    codes: np.ndarray  # int64 position in `uniques` per row
    uniques: np.ndarray


def read_columns(data: bytes, columns: list[str]) -> pa.Table:
    """Only `columns` of a stored Parquet blob; ids and dates come dictionary-encoded (Parquet
    keeps them so), one dictionary for the whole column."""
    keys = [c for c in columns if c in (schema.UNIQUE_ID, schema.DS)]
    return pq.read_table(
        pa.BufferReader(data), columns=columns, read_dictionary=keys, use_threads=False
    )


def encoded(table: pa.Table, name: str) -> Column:
    """The column's distinct values (as pandas would hold them) and each row's code."""
    chunked = table.column(name)
    if not pa.types.is_dictionary(chunked.type):
        chunked = chunked.dictionary_encode()
    chunks = chunked.unify_dictionaries().chunks if chunked.num_chunks else []
    if not chunks:
        return Column(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
    codes = np.concatenate(
        [c.indices.to_numpy(zero_copy_only=False).astype(np.int64) for c in chunks]
    )
    uniques = chunks[0].dictionary.to_pandas()
    used = np.bincount(codes, minlength=len(uniques)) > 0
    if not used.all():  # a dictionary may hold values no row has: keep the used ones
        remap = np.cumsum(used) - 1
        codes, uniques = remap[codes], uniques[used].reset_index(drop=True)
    if name == schema.UNIQUE_ID:
        values = uniques.astype(str).to_numpy()
    else:
        values = pd.to_datetime(uniques).to_numpy(dtype="datetime64[ns]")
    return Column(codes, values)


def floats(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy().astype(float, copy=False)


def sorted_ranks(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values sorted, the sorted position of each distinct value)."""
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    return uniques[order], rank


def mase_scales_from_history(data: bytes, season: int) -> pd.Series:
    """`services.accuracy.mase_scales` of a stored history blob, read column by column."""
    table = read_columns(data, [schema.UNIQUE_ID, schema.DS, schema.Y])
    ids, ds = encoded(table, schema.UNIQUE_ID), encoded(table, schema.DS)
    series, rank = sorted_ranks(ids.uniques)
    _, date_rank = sorted_ranks(ds.uniques)
    codes, y = rank[ids.codes], floats(table, schema.Y)
    key = codes * max(1, len(ds.uniques)) + date_rank[ds.codes]
    if len(key) > 1 and (np.diff(key) < 0).any():  # by series, then date, as the scale wants
        order = np.argsort(key, kind="stable")
        codes, y = codes[order], y[order]
    return scales_of_sorted(codes, y, series, season)


SCALES_BLOB = "mase_scales"
"""The MASE scale per series, written beside the history it comes from (whenever the history is
written), so that the first FVA after a restart does not parse the whole history."""
_HISTORY_CHECK = b"history_crc32"
_HISTORY_HASH = b"history_sha256"  # the store's content hash of the history blob
_RULE = b"scale_rule"
_RULE_NOW = b"gaps-left-out"
"""How the stored scales were computed: scales of an earlier rule (which counted a gap's zeros as
sales) are not read, but computed afresh from the history."""


def scales_blob(history: bytes, freq: str) -> bytes:
    """The stored form of the history's MASE scales, marked with the history's checksum and its
    content hash (which the store keeps, so the check needs no read of the history)."""
    scales = mase_scales_from_history(history, season_length(freq))
    table = pa.table(
        {schema.UNIQUE_ID: scales.index.astype(str).to_numpy(), "scale": scales.to_numpy()}
    ).replace_schema_metadata(
        {
            _HISTORY_CHECK: str(zlib.crc32(history)).encode(),
            _HISTORY_HASH: content_hash(history).encode(),
            _RULE: _RULE_NOW,
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def stored_scales(data: bytes | None, history: bytes) -> pd.Series | None:
    """The scales of a `scales_blob`, or None when there is none, or it was computed from another
    history than `history` or by an earlier rule (then they are computed afresh)."""
    if data is None:
        return None
    table = pq.read_table(pa.BufferReader(data), use_threads=False)
    metadata = table.schema.metadata or {}
    if metadata.get(_HISTORY_CHECK) != str(zlib.crc32(history)).encode():
        return None
    if metadata.get(_RULE) != _RULE_NOW:
        return None
    return _scales(table)


def stored_scales_by_hash(data: bytes | None, history_hash: str) -> pd.Series | None:
    """`stored_scales` checked against the history blob's content hash (``store.blob_hashes``);
    None also for a scales blob written before it carried the hash (check it by the bytes)."""
    if data is None:
        return None
    table = pq.read_table(pa.BufferReader(data), use_threads=False)
    metadata = table.schema.metadata or {}
    if metadata.get(_HISTORY_HASH) != history_hash.encode() or metadata.get(_RULE) != _RULE_NOW:
        return None
    return _scales(table)


def _scales(table: pa.Table) -> pd.Series:
    ids = table.column(schema.UNIQUE_ID).to_numpy(zero_copy_only=False).astype(str)
    values = table.column("scale").to_numpy(zero_copy_only=False).astype(float)
    return pd.Series(values, index=pd.Index(ids), dtype=float)


def scales_of_sorted(
    codes: np.ndarray, y: np.ndarray, series: np.ndarray, season: int
) -> pd.Series:
    """MASE scales from rows sorted by series (``codes``: 0, 1, ... in that order) and date.

    A difference that touches a period inside a gap of its series (``engine.gaps``: periods
    without rows, which ingest fills with 0, or a long closure) is left out, as seasonal naive
    leaves such pairs out of its residuals: a gap is not sales, and its zeros would make the
    scale of a series with half a year missing several times too large."""
    n_series = len(series)
    length = np.bincount(codes, minlength=n_series)
    in_gap = gaps.gap_mask_sorted(codes, y, season)

    def lagged(lag: int) -> np.ndarray:
        out = np.full(len(y), np.nan)
        if len(y) > lag:
            same = (codes[lag:] == codes[:-lag]) & ~(in_gap[lag:] | in_gap[:-lag])
            out[lag:] = np.where(same, np.abs(y[lag:] - y[:-lag]), np.nan)
        return out

    long_enough = length[codes] >= 2 * season
    if long_enough.all():  # only the lag that is used is computed
        diffs = lagged(season)
    elif not long_enough.any():
        diffs = lagged(1)
    else:
        diffs = np.where(long_enough, lagged(season), lagged(1))
    usable = ~np.isnan(diffs)
    sums = np.bincount(codes, weights=np.where(usable, diffs, 0.0), minlength=n_series)
    counts = np.bincount(codes, weights=usable.astype(float), minlength=n_series)
    level = np.bincount(codes, weights=np.abs(y), minlength=n_series) / np.maximum(length, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = sums / counts
    scales = np.where(scales > 1e-9 * np.maximum(level, 1e-12), scales, np.nan)
    return pd.Series(scales, index=pd.Index(series).astype(str), dtype=float)


def baseline_grid(data: bytes) -> tuple[pd.Index, pd.DatetimeIndex, np.ndarray]:
    """(series sorted, periods sorted, baseline per series x period; NaN where none)."""
    table = read_columns(data, [schema.UNIQUE_ID, schema.DS, schema.BASELINE])
    ids, ds = encoded(table, schema.UNIQUE_ID), encoded(table, schema.DS)
    series, rank = sorted_ranks(ids.uniques)
    periods, period_rank = sorted_ranks(ds.uniques)
    grid = np.full((len(series), len(periods)), np.nan)
    grid[rank[ids.codes], period_rank[ds.codes]] = floats(table, schema.BASELINE)
    return pd.Index(series, dtype=object).astype(str), pd.DatetimeIndex(periods), grid


def actuals_grid(data: bytes, series: pd.Index, periods: pd.DatetimeIndex) -> np.ndarray:
    """The actuals on the grid (NaN where none; series or periods outside the plan count
    nowhere), as `forecast.accuracy.build_grid` puts them."""
    table = read_columns(data, [schema.UNIQUE_ID, schema.DS, schema.Y])
    ids, ds = encoded(table, schema.UNIQUE_ID), encoded(table, schema.DS)
    rows = series.get_indexer(pd.Index(ids.uniques))[ids.codes]
    cols = periods.get_indexer(pd.DatetimeIndex(ds.uniques))[ds.codes]
    inside = (rows >= 0) & (cols >= 0)
    y = np.full((len(series), len(periods)), np.nan)
    y[rows[inside], cols[inside]] = floats(table, schema.Y)[inside]
    return y


def team_codes(
    attributes: pd.DataFrame, team_attr: str | None, series: pd.Index
) -> tuple[np.ndarray, list[str]]:
    """(team code per series, team names): the plan frame's ``team`` column on the grid."""
    from forecast.services.plans import teams_of

    teams = teams_of(attributes, team_attr)
    teams = teams[~teams.index.duplicated(keep="last")]  # as Series.map keeps the last
    per_series = teams.reindex(series).astype(str)  # a series without attributes: "nan"
    codes, names = pd.factorize(per_series)
    return codes.astype(np.int64), [str(n) for n in names]


def target_grid(
    neg: domain.Negotiation,
    layers: dict[str, np.ndarray],
    team_of: np.ndarray,
    teams: list[str],
    periods: pd.DatetimeIndex,
) -> np.ndarray:
    """The negotiated target per cell (currency floats): `negotiated_plan`'s spread on the grid."""
    present = ~np.isnan(layers["baseline"])
    rows, cols = np.nonzero(present)  # row-major: the plan frame's order (series, then period)
    missing = sorted(set(neg.targets()) - set(teams))
    if missing:
        raise domain.NegotiationError(
            f"team(s) {', '.join(missing)} have no series to spread their target to"
        )
    per_period = domain.team_period_targets(neg) or None
    if per_period:
        names = [p.strftime("%Y-%m-%d") for p in periods]
        codes = team_of[rows] * max(1, len(periods)) + cols
        totals = [int(per_period.get((t, p), 0)) for t in teams for p in names]
    else:
        targets = neg.targets()
        codes = team_of[rows]
        totals = [int(targets.get(t, 0)) for t in teams]
    weight_col = neg.spread_by.value
    minor = domain.spread_groups(
        totals, codes, layers[weight_col][present], weight_col=weight_col, quantum=neg.quantum
    )
    grid = np.full(present.shape, np.nan)
    grid[rows, cols] = minor / 100.0
    return grid


def plan_grid(
    state: PlanState,
    blobs: dict[str, bytes],
    attributes: pd.DataFrame,
    events: list[Event],
    neg: domain.Negotiation | None,
    *,
    history_hash: str | None = None,
    load_history: Callable[[], bytes] | None = None,
) -> tuple[accuracy.ScoredGrid, EventGrid | None]:
    """The plan's layers on the grid (the target only when the negotiation has a goal), with the
    actuals and the MASE scales; and the events' grid (None without events) for the touches.
    The history (``blobs["history"]`` or `load_history()`) is read only when the stored scales
    do not match `history_hash`."""
    series, periods, base = baseline_grid(blobs["baseline"])
    codes, teams = team_codes(attributes, state.team_attr, series)
    layers = {"baseline": base}
    y = actuals_grid(blobs["actuals"], series, periods)
    y[np.isnan(base)] = np.nan  # a cell the plan does not have does not count
    scales = None
    if history_hash is not None:
        scales = stored_scales_by_hash(blobs.get(SCALES_BLOB), history_hash)
    if scales is None:
        history = blobs.get("history")
        if history is None:
            if load_history is None:
                raise ValueError("plan_grid needs the history: blobs['history'] or load_history")
            history = load_history()
        scales = stored_scales(blobs.get(SCALES_BLOB), history)
        if scales is None:
            scales = mase_scales_from_history(history, season_length(state.freq))
    scale = scales.reindex(series).to_numpy(dtype=float, copy=True)
    scale[~(scale > 0)] = np.nan
    team = np.asarray(teams, dtype=object)[codes].astype(str) if len(teams) else np.array([])
    has_goal = neg is not None and neg.goal is not None
    basis = str(neg.basis) if neg is not None and has_goal else "system_plan"
    grid = accuracy.ScoredGrid(series, periods, team, y, layers, scale, target_basis=basis)
    egrid = EventGrid(grid, attributes, events, state.freq) if events else None
    layers["system_plan"] = egrid.full if egrid is not None else base.astype(float, copy=True)
    if neg is not None and has_goal:
        layers["target"] = target_grid(neg, layers, codes, teams, periods)
    return grid, egrid
