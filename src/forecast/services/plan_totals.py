"""The plan totals: a small read model per plan version, stored beside the plan's frames.

The Negotiation, Side by side and System plan pages show team and period totals of a plan whose
frames hold every series: the negotiation's ledger needs each team's baseline and system plan
(exact, minor units), its stretch the teams' forecast moments and last year's sales, the fan
chart the history, the baseline's bands and the system plan summed per period. Computing them
means reading the whole history and baseline and applying every event: the first render of a
plan after a server restart paid it. Here they are computed when the plan's data or events are
written (`plan_create.create_plan_from_frames`, `plans.change_plan`), in the same transaction, and
read back as small Parquet blobs:

- ``read_model:baseline_totals`` from the history, attributes and baseline (team baseline,
  last year, stretch moments, the periods of each team; the fan chart's history and baseline
  per period);
- ``read_model:system_totals`` from those and the events (team system plan; the fan chart's
  system plan per period);
- ``read_model:system_plan_cells`` (only with events): the system plan of each baseline row, so
  the negotiation's series frame need not apply every event.

Each blob carries a fingerprint of what it was computed from (the content hashes of the blobs,
the team dimension, the calendar, the events and ``METHOD``). A blob that is absent (a plan made
before, an imported bundle) or stale is not used: the totals are computed from the frames by the
same functions and kept in memory for that plan version, and the plan's next edit writes fitting
ones. The numbers equal those of the frames bit for bit (tests hold it): the same functions run
over the same frames in the same order.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from forecast import negotiation as domain
from forecast import overrides, schema
from forecast.engine.aggregate_intervals import error_correlation
from forecast.engine.calendar import season_length
from forecast.money import quantum
from forecast.overrides import Event
from forecast.plan import PlanState
from forecast.services.cache import PerStoreCache
from forecast.services.series_frames import (
    LastYearCounts,
    comparable_rows,
    ended_of,
    fan_sums,
    last_year_cells,
    last_year_reached,
    last_year_sales,
    series_frame_of,
    team_totals,
    whole_cells,
)
from forecast.store import PlanRepository, content_hash

BASELINE_KIND = "read_model:baseline_totals"
SYSTEM_KIND = "read_model:system_totals"
KINDS = (BASELINE_KIND, SYSTEM_KIND)
CELLS_KIND = "read_model:system_plan_cells"  # the system plan per baseline row (with events)
DATA_KINDS = ("history", "attributes", "baseline")
METHOD = "plan-totals-9"  # change it when what the blobs hold changes: older ones are recomputed
# 2 (2026-12-04): last year's sales are None for a team where a series had a gap then
# 3 (2026-12-06): the fan chart's bands of a team and the whole plan are the interval of the sum
# (series' half-widths in quadrature), no longer the sum of the series' bounds
# 5 (2026-12-07): the fan chart's system plan per period is the exported cells added up
# 6: last year's sales like for like (the series trading then), with the system plan of those
# 7: ... and over the periods whose year before lies in the history (a horizon over a year)
# 8: ... and without the series that have ended (their baseline's model label says so)
# 9: a horizon's periods by the plan's freq (overrides.horizon_periods): a one-period plan's
# period was one day long, so an event on its first day counted whole in the stored totals
_INPUTS = b"inputs"  # the metadata key of the fingerprint


def is_read_model(kind: str) -> bool:
    """A blob derived from the others (not copied from bundles: recomputed where it is read)."""
    return kind.startswith("read_model:")


# -- the read model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTotals:
    """Team and period totals of one plan version (shared between callers: read, never change)."""

    team_baseline: dict[str, int]  # minor units per team (the ledger's current baseline)
    team_system_plan: dict[str, int]  # minor units per team (the ledger's current system plan)
    last_year: dict[str, domain.LastYear]  # sales per team over the horizon a year earlier
    stretch_moments: pd.DataFrame  # index team: mean, var (forecast.negotiation.stretch_moments)
    team_periods: dict[str, tuple[str, ...]]  # the ISO periods each team has series-periods in
    fan_history: pd.DataFrame  # team (None: whole plan), ds, y
    fan_baseline: pd.DataFrame  # team, ds, baseline + interval columns
    fan_system_plan: pd.DataFrame  # team, ds, system_plan

    def fan(self, team: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(history, baseline, system plan) per period of the whole plan or of one team: what
        the fan chart draws (each already summed by ds)."""

        def rows(frame: pd.DataFrame) -> pd.DataFrame:
            if team is None:
                mine = frame[frame[schema.TEAM].isna()]
            else:
                mine = frame[frame[schema.TEAM] == team]
            return mine.drop(columns=schema.TEAM).reset_index(drop=True)

        return rows(self.fan_history), rows(self.fan_baseline), rows(self.fan_system_plan)

    def target_totals(self, neg: domain.Negotiation) -> dict[str, int]:
        """Each team's negotiated target as the spread to its series-periods adds up (minor
        units): its target, or with per-period goals the sum of its periods that have cells."""
        per_period = domain.team_period_targets(neg)
        if not per_period:
            targets = neg.targets()
            return {team: int(targets.get(team, 0)) for team in self.team_periods}
        return {
            team: sum(int(per_period.get((team, p), 0)) for p in periods)
            for team, periods in self.team_periods.items()
        }


@dataclass(frozen=True)
class _Frames:
    """The plan's frames as the services read them (`plan_frames.load_blob_frame`)."""

    history: Callable[[], pd.DataFrame]
    attributes: pd.DataFrame
    baseline: pd.DataFrame


def _baseline_part(
    state: PlanState,
    frames: _Frames,
    frame: pd.DataFrame,
    team_of: pd.Series,
    history: pd.DataFrame,
    last_year: Mapping[str, LastYearCounts],
    comparable: np.ndarray,
    reached: np.ndarray,
) -> pd.DataFrame:
    moments = domain.stretch_moments(frame)
    baseline_minor = team_totals(frame, schema.BASELINE)
    teams = sorted(set(baseline_minor) | set(moments.index.astype(str)))
    team_rows = pd.DataFrame(
        {
            "part": "team",
            schema.TEAM: teams,
            "minor": [baseline_minor.get(t, 0) for t in teams],
            "last_year": [
                _none_as_nan(last_year[t].sales if t in last_year else None) for t in teams
            ],
            "series": [last_year[t].series if t in last_year else 0 for t in teams],
            "comparable_series": [last_year[t].comparable if t in last_year else 0 for t in teams],
            "periods": [last_year[t].periods if t in last_year else 0 for t in teams],
            "comparable_periods": [
                last_year[t].comparable_periods if t in last_year else 0 for t in teams
            ],
            "mean": moments["mean"].reindex(teams).to_numpy(dtype=float),
            "var": moments["var"].reindex(teams).to_numpy(dtype=float),
            "in_moments": [t in moments.index for t in teams],
            "in_last_year": [t in last_year for t in teams],
        }
    )
    periods = frame[[schema.TEAM, schema.DS]].drop_duplicates()
    period_rows = pd.DataFrame(
        {
            "part": "period",
            schema.TEAM: periods[schema.TEAM].astype(str),
            schema.DS: periods[schema.DS],
        }
    )
    # the series not trading a year earlier: the system part (recomputed alone when only the
    # events change) leaves them out of a like-for-like growth's share without the history
    not_comparable = pd.DataFrame(
        {
            "part": NOT_COMPARABLE,
            schema.UNIQUE_ID: pd.unique(
                frame.loc[~comparable & reached, schema.UNIQUE_ID].astype(str)
            ),
        }
    )
    # the periods whose year before the history does not reach (a horizon over a year)
    not_reached = pd.DataFrame(
        {"part": NOT_REACHED, schema.DS: pd.unique(frame.loc[~reached, schema.DS])}
    )
    bands = [schema.BASELINE, *schema.interval_columns(schema.levels_in(frames.baseline))]
    fan_history = fan_sums(history, [schema.Y], team_of).assign(part="history")
    # the series' errors move together as much as their seasonal differences did
    correlation = error_correlation(history, season_length(state.freq))
    fan_baseline = fan_sums(frames.baseline, bands, team_of, correlation).assign(part="baseline")
    return _stack([team_rows, period_rows, not_comparable, not_reached, fan_history, fan_baseline])


NOT_COMPARABLE = "not_comparable"  # the baseline part's rows of the series not trading last year


NOT_REACHED = "not_reached"  # the baseline part's rows of the periods a year back cannot reach


def _comparable_of(base: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Per row of the series frame: whether its series was trading a year earlier and its
    period a year earlier lies in the history (as the stored baseline part has it)."""
    comparable = np.ones(len(frame), dtype=bool)
    if schema.UNIQUE_ID in base.columns:
        ids = base.loc[base["part"] == NOT_COMPARABLE, schema.UNIQUE_ID].astype(str)
        comparable &= ~frame[schema.UNIQUE_ID].astype(str).isin(set(ids)).to_numpy(dtype=bool)
    if schema.DS in base.columns:
        days = pd.to_datetime(base.loc[base["part"] == NOT_REACHED, schema.DS])
        comparable &= ~pd.to_datetime(frame[schema.DS]).isin(set(days)).to_numpy(dtype=bool)
    return comparable


def _system_part(
    frame: pd.DataFrame,
    series_plan: pd.DataFrame,
    team_of: pd.Series,
    step: int,
    comparable: np.ndarray,
) -> pd.DataFrame:
    system_minor = team_totals(frame, schema.SYSTEM_PLAN)
    # the system plan of the series trading a year earlier: a like-for-like growth's share
    comparable_minor = team_totals(frame[comparable], schema.SYSTEM_PLAN)
    team_rows = pd.DataFrame(
        {
            "part": "team",
            schema.TEAM: list(system_minor),
            "minor": list(system_minor.values()),
            "comparable_minor": [comparable_minor.get(t, 0) for t in system_minor],
        }
    )
    # the fan chart's system plan per period: the exported cells (`whole_cells`, in the
    # currency's `step`) added up exactly, so it reads as the export's rows of that period
    cells = series_plan.assign(
        **{schema.SYSTEM_PLAN: whole_cells(series_plan, schema.SYSTEM_PLAN, step)}
    )
    fan = fan_sums(cells, [schema.SYSTEM_PLAN], team_of)
    fan[schema.SYSTEM_PLAN] = fan[schema.SYSTEM_PLAN].astype("int64") / 100
    return _stack([team_rows, fan.assign(part="plan")])


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts as one table; a part without the exact ``minor`` ints or the team flags gets 0
    and False there (so the ints never pass through floats)."""
    filled = []
    ints = [
        c for c in ("minor", "comparable_minor", "series", "comparable_series") if c in parts[0]
    ]
    for part in parts:
        part = part.copy()
        for column in ints:
            if column not in part:
                part[column] = 0
            part[column] = part[column].astype(np.int64)
        for flag in ("in_moments", "in_last_year"):
            if flag in parts[0].columns:
                part[flag] = part[flag].astype(bool) if flag in part else False
        filled.append(part)
    return pd.concat(filled, ignore_index=True)


def _none_as_nan(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _team_of(series_plan: pd.DataFrame) -> pd.Series:
    """unique_id -> team as the fan chart drills into a team (the system plan's team column)."""
    pairs = series_plan[[schema.UNIQUE_ID, schema.TEAM]].drop_duplicates(schema.UNIQUE_ID)
    return pd.Series(
        pairs[schema.TEAM].astype(str).to_numpy(), index=pairs[schema.UNIQUE_ID].astype(str)
    )


def _series_plan(state: PlanState, events: list[Event], frames: _Frames) -> pd.DataFrame:
    return overrides.apply_events(
        frames.baseline, frames.attributes, events, state.team_attr, state.freq
    )


# -- fingerprints --------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def baseline_fingerprint(state: PlanState, hashes: Mapping[str, str]) -> str:
    return _digest(
        METHOD,
        *(hashes.get(kind, "") for kind in DATA_KINDS),
        str(state.team_attr),
        str(state.freq),
    )


def system_fingerprint(state: PlanState, baseline_fp: str) -> str:
    events = json.dumps(state.events, sort_keys=True, default=str, ensure_ascii=False)
    return _digest(baseline_fp, events, str(state.currency))  # the currency: its whole cells


def _to_blob(part: pd.DataFrame, fingerprint: str) -> bytes:
    table = pa.Table.from_pandas(part, preserve_index=False)
    table = table.replace_schema_metadata({_INPUTS: fingerprint.encode()})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _from_blob(data: bytes | None, fingerprint: str) -> pd.DataFrame | None:
    if data is None:
        return None
    table = pq.read_table(pa.BufferReader(data), use_threads=False)
    if (table.schema.metadata or {}).get(_INPUTS) != fingerprint.encode():
        return None
    return table.to_pandas()


# -- assembling ----------------------------------------------------------------------------


def _assemble(base: pd.DataFrame, system: pd.DataFrame) -> PlanTotals:
    teams = base[base["part"] == "team"]
    moments = teams[teams["in_moments"].astype(bool)]
    periods = base[base["part"] == "period"]
    team_periods: dict[str, list[str]] = {}
    for team, ds in zip(periods[schema.TEAM], pd.to_datetime(periods[schema.DS]), strict=True):
        team_periods.setdefault(str(team), []).append(ds.strftime("%Y-%m-%d"))
    system_teams = system[system["part"] == "team"]
    plan = {
        str(t): int(v)
        for t, v in zip(system_teams[schema.TEAM], system_teams["minor"], strict=True)
    }
    comparable_plan = {
        str(t): int(v)
        for t, v in zip(system_teams[schema.TEAM], system_teams["comparable_minor"], strict=True)
    }

    def fan(frame: pd.DataFrame, part: str, columns: list[str]) -> pd.DataFrame:
        rows = frame[frame["part"] == part]
        out = rows[[schema.TEAM, schema.DS, *columns]].reset_index(drop=True)
        out[schema.DS] = pd.to_datetime(out[schema.DS])
        return out

    bands = [c for c in base.columns if c == schema.BASELINE or c.startswith("baseline-")]
    return PlanTotals(
        team_baseline={
            str(t): int(v) for t, v in zip(teams[schema.TEAM], teams["minor"], strict=True)
        },
        team_system_plan=plan,
        last_year={
            str(t): domain.LastYear(
                None if pd.isna(v) else float(v),
                int(series),
                int(count),
                comparable_plan.get(str(t), 0),
                plan.get(str(t), 0),
                periods=int(periods),
                comparable_periods=int(reached),
            )
            for t, v, series, count, periods, reached, known in zip(
                teams[schema.TEAM],
                teams["last_year"],
                teams["series"],
                teams["comparable_series"],
                teams["periods"],
                teams["comparable_periods"],
                teams["in_last_year"],
                strict=True,
            )
            if bool(known)
        },
        stretch_moments=pd.DataFrame(
            {"mean": moments["mean"].to_numpy(float), "var": moments["var"].to_numpy(float)},
            index=pd.Index(moments[schema.TEAM].astype(str).to_numpy(), name=schema.TEAM),
        ),
        team_periods={t: tuple(sorted(set(p))) for t, p in team_periods.items()},
        fan_history=fan(base, "history", [schema.Y]),
        fan_baseline=fan(base, "baseline", bands),
        fan_system_plan=fan(system, "plan", [schema.SYSTEM_PLAN]),
    )


def compute_parts(
    state: PlanState, frames: _Frames, series_plan: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(baseline part, system part, the system plan per series-period) from the frames."""
    from forecast.services.system import events_of

    events = events_of(state)
    if series_plan is None:
        series_plan = _series_plan(state, events, frames)
    frame = series_frame_of(
        frames.baseline, frames.attributes, state.team_attr, series_plan if events else None
    )
    team_of = _team_of(series_plan)
    history = frames.history()
    cells = last_year_cells(frame, history, state.freq)
    reached = last_year_reached(frame, history, state.freq)
    comparable = comparable_rows(frame, cells, reached, ended=ended_of(frames.baseline))
    last_year = last_year_sales(frame, cells, comparable)
    return (
        _baseline_part(state, frames, frame, team_of, history, last_year, comparable, reached),
        _system_part(frame, series_plan, team_of, quantum(state.currency), comparable),
        series_plan,
    )


# -- reading -------------------------------------------------------------------------------

_TOTALS: PerStoreCache[PlanTotals] = PerStoreCache(size=8)


def of_plan(store: PlanRepository, state: PlanState) -> PlanTotals:
    """The plan totals of this plan version: the stored read model when it was computed from
    what the plan holds now, else computed from the frames (and kept in memory)."""
    return _TOTALS.get(store, state, (state.plan_id, state.version), lambda: _read(store, state))


def _read(store: PlanRepository, state: PlanState) -> PlanTotals:
    hashes = store.blob_hashes(state.plan_id)
    base_fp = baseline_fingerprint(state, hashes)
    base = _from_blob(_blob(store, state.plan_id, BASELINE_KIND, hashes), base_fp)
    system = _from_blob(
        _blob(store, state.plan_id, SYSTEM_KIND, hashes), system_fingerprint(state, base_fp)
    )
    if base is None or system is None:
        from forecast.services import plan_frames
        from forecast.services import system as system_track

        frames = _Frames(
            history=lambda: plan_frames.load_blob_frame(store, state.plan_id, plan_frames.HISTORY),
            attributes=plan_frames.version_frame(store, state, plan_frames.ATTRIBUTES),
            baseline=plan_frames.version_frame(store, state, plan_frames.BASELINE),
        )
        series_plan = system_track.system_plan(store, state.plan_id, "series")
        fresh_base, fresh_system, _ = compute_parts(state, frames, series_plan)
        # Through the stored form, so that a computed read model reads as a stored one.
        base = _from_blob(_to_blob(fresh_base, base_fp), base_fp) if base is None else base
        if system is None:
            fp = system_fingerprint(state, base_fp)
            system = _from_blob(_to_blob(fresh_system, fp), fp)
        assert base is not None and system is not None
    return _assemble(base, system)


def _blob(
    store: PlanRepository, plan_id: str, kind: str, hashes: Mapping[str, str]
) -> bytes | None:
    return store.get_blob(plan_id, kind) if kind in hashes else None


def _stored_fit(store: PlanRepository, state: PlanState, hashes: Mapping[str, str]) -> bool:
    """Whether every read model `state` needs is stored and was computed from what it holds
    (only the Parquet footers are read)."""
    base_fp = baseline_fingerprint(state, hashes)
    wanted = {BASELINE_KIND: base_fp, SYSTEM_KIND: system_fingerprint(state, base_fp)}
    if state.events:
        wanted[CELLS_KIND] = wanted[SYSTEM_KIND]
    for kind, fingerprint in wanted.items():
        if kind not in hashes:
            return False
        meta = pq.read_schema(pa.BufferReader(store.get_blob(state.plan_id, kind))).metadata
        if (meta or {}).get(_INPUTS) != fingerprint.encode():
            return False
    return True


def system_plan_cells(store: PlanRepository, state: PlanState) -> np.ndarray | None:
    """The system plan of each row of the stored baseline, in its order, as the events give it
    (`overrides.apply_events`), when a stored one fits the plan as it is now; else None."""
    hashes = store.blob_hashes(state.plan_id)
    if CELLS_KIND not in hashes:
        return None
    fingerprint = system_fingerprint(state, baseline_fingerprint(state, hashes))
    cells = _from_blob(store.get_blob(state.plan_id, CELLS_KIND), fingerprint)
    return None if cells is None else cells[schema.SYSTEM_PLAN].to_numpy(dtype=float)


# -- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """The read-model blobs to save with a plan version, and what to keep in memory once saved."""

    blobs: dict[str, bytes | None]  # None: delete (a plan without events keeps no cells)
    totals: PlanTotals
    series_plan: pd.DataFrame
    unchanged: dict[str, pd.DataFrame]  # version frames this write did not change

    def keep(self, store: PlanRepository, saved: PlanState) -> None:
        """The saved version's totals, system plan and unchanged frames are known: later reads
        need not compute or read them again."""
        from forecast.services import plan_frames
        from forecast.services import system as system_track

        _TOTALS.put(store, saved, (saved.plan_id, saved.version), self.totals)
        system_track.keep_series_plan(store, saved, self.series_plan)
        for kind, frame in self.unchanged.items():
            plan_frames.keep_version_frame(store, saved, kind, frame)


def for_new_plan(state: PlanState, blobs: Mapping[str, bytes]) -> dict[str, bytes]:
    """The read-model blobs of a plan being created from `blobs` (history, attributes,
    baseline)."""
    from forecast.services.plan_frames import blob_frame

    hashes = {kind: content_hash(blobs[kind]) for kind in DATA_KINDS}
    frames = _Frames(
        history=lambda: blob_frame(blobs["history"]),
        attributes=blob_frame(blobs["attributes"]),
        baseline=blob_frame(blobs["baseline"]),
    )
    base, system, _ = compute_parts(state, frames)
    base_fp = baseline_fingerprint(state, hashes)
    return {
        BASELINE_KIND: _to_blob(base, base_fp),
        SYSTEM_KIND: _to_blob(system, system_fingerprint(state, base_fp)),
    }


def written_with(
    store: PlanRepository,
    before: PlanState,
    after: PlanState,
    blobs: Mapping[str, bytes | None] | None,
) -> Written | None:
    """The read models to save with `after` when its events, team dimension, calendar or data
    differ from `before`, or when the stored ones do not fit it (a plan made before they
    existed, or written by an older version): None when the stored ones fit, or the data is
    being deleted."""
    blobs = blobs or {}
    data_changed = [kind for kind in DATA_KINDS if kind in blobs]
    same = (
        before.events == after.events
        and before.team_attr == after.team_attr
        and before.freq == after.freq
    )
    if any(blobs[kind] is None for kind in data_changed):
        return None
    hashes = dict(store.blob_hashes(before.plan_id))
    if same and not data_changed and _stored_fit(store, after, hashes):
        return None
    from forecast.services import plan_frames

    def frame(kind: str) -> pd.DataFrame:
        data = blobs.get(kind)
        if data is not None:
            return plan_frames.blob_frame(data)
        return plan_frames.version_frame(store, before, kind)  # unchanged by this write

    for kind in data_changed:
        hashes[kind] = content_hash(blobs[kind] or b"")
    frames = _Frames(
        history=lambda: frame("history"), attributes=frame("attributes"), baseline=frame("baseline")
    )
    base_fp = baseline_fingerprint(after, hashes)
    stored = None
    if not data_changed and before.team_attr == after.team_attr and before.freq == after.freq:
        stored = _from_blob(_blob(store, before.plan_id, BASELINE_KIND, hashes), base_fp)
    events = [Event.from_dict(e) for e in after.events]
    series_plan = _series_plan(after, events, frames)
    out: dict[str, bytes | None] = {}
    if stored is None:
        base, system, _ = compute_parts(after, frames, series_plan)
        out[BASELINE_KIND] = _to_blob(base, base_fp)
    else:
        frame_ = series_frame_of(
            frames.baseline, frames.attributes, after.team_attr, series_plan if events else None
        )
        base, system = (
            stored,
            _system_part(
                frame_,
                series_plan,
                _team_of(series_plan),
                quantum(after.currency),
                _comparable_of(stored, frame_),
            ),
        )
    out[SYSTEM_KIND] = _to_blob(system, system_fingerprint(after, base_fp))
    out[CELLS_KIND] = (
        _to_blob(series_plan[[schema.SYSTEM_PLAN]], system_fingerprint(after, base_fp))
        if events
        else None
    )
    base_blob = out.get(BASELINE_KIND)
    stored_base = _from_blob(base_blob, base_fp) if base_blob is not None else base
    stored_system = _from_blob(out[SYSTEM_KIND], system_fingerprint(after, base_fp))
    assert stored_base is not None and stored_system is not None  # just written, same inputs
    unchanged = {
        kind: frame
        for kind, frame in (("baseline", frames.baseline), ("attributes", frames.attributes))
        if kind not in data_changed
    }
    return Written(out, _assemble(stored_base, stored_system), series_plan, unchanged)
