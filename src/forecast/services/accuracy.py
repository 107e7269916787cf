"""Use cases of forecast value added: score a plan's layers and touches against its actuals, as
the plan was when it was published (system plan) and agreed (negotiated target), and keep a
track record over every plan that has actuals.

Scored as it was: a published plan's system track is read-only, and an agreed plan is read-only
as a whole (`forecast.services.plans.require_unlocked`); changes go into a new version (a new plan
with ``parent_id``). So the plan's stored events are the ones in force at its publish, its
negotiation the one in force at its lock, and the report names those versions from the audit
log. A plan not yet published (or agreed) is scored on its current version and says so. A plan
imported already published or agreed is scored on the version the import made, as of the source
plan's publish and lock (the audit rows its bundle carried).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast import accuracy, schema
from forecast.accuracy.grid import AccuracyError
from forecast.accuracy.touches import NO_ACTUALS_YET, EventGrid, shown_points
from forecast.money import format_points, shown_margin
from forecast.negotiation import NegotiationError
from forecast.plan import AGREED, PUBLISHED, PlanState
from forecast.services import accuracy_grid, system
from forecast.services import negotiation as nego
from forecast.services.actuals import load_actuals, no_actuals_here
from forecast.services.cache import PerStoreCache
from forecast.services.errors import Invalid, NotFound
from forecast.services.plan_frames import load_blob_frame
from forecast.services.plans import get_plan
from forecast.store import IMPORTED_HISTORY, AuditEntry, PlanRepository, PlanSummary
from forecast.vocabulary import in_words

Progress = Callable[[float, str], None]

# Actions that change a track's numbers: one after the snapshot would mean the plan was edited
# after it was published / agreed (the store refuses that; the report would say so).
SYSTEM_ACTIONS = {"add_event", "edit_event", "remove_event", "mark_factor", "explain"}
NEGOTIATION_ACTIONS = {
    "set_goal",
    "claim",
    "unclaim",
    "close_round",
    "reopen_round",
    "assign",
    "rebase",
}


@dataclass
class FvaReport:
    plan_id: str
    name: str
    status: str
    scored_on: dict[str, Any]  # layer -> the version it is scored on (version, at, by, status)
    actuals: dict[str, Any]  # the actuals version used
    periods: list[str]  # periods with actuals
    layers: pd.DataFrame  # accuracy.layers.layer_table
    touches: pd.DataFrame  # accuracy.touches.touch_table
    notes: list[str] = field(default_factory=list)
    # What the verdict rests on: the plan's series and periods with actuals, overall and per team.
    coverage: accuracy.Coverage | None = None
    team_coverage: dict[str, accuracy.Coverage] = field(default_factory=dict)
    # The layer the negotiated target's value added is measured from: the basis its goal was set
    # on (``baseline`` or ``system_plan``); None without a target.
    target_basis: str | None = None
    currency: str | None = None  # the plan's, for the touches' amounts (value_added)

    def steps_text(self) -> str:
        """Which layer each step's value added is measured from, in words."""
        text = "value added: the system plan against the baseline"
        if self.target_basis is None:
            return text
        basis = in_words(self.target_basis)
        return f"{text}; the negotiated target against the {basis}, the basis its goal was set on"

    def overall(self) -> pd.DataFrame:
        return self.layers[self.layers["scope"] == "overall"].reset_index(drop=True)

    def verdict(self) -> dict[str, Any]:
        """Which culture came closer overall: system plan or negotiated target, with what it
        rests on (``rests_on``) and whether it is ``provisional`` (thin coverage)."""
        return _verdict(self.overall(), self.coverage)

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [
                {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                for row in clean.to_dict(orient="records")
            ]

        return {
            "plan_id": self.plan_id,
            "name": self.name,
            "status": self.status,
            "scored_on": self.scored_on,
            "actuals": self.actuals,
            "periods": self.periods,
            "verdict": self.verdict(),
            "layers": records(self.layers),
            "touches": [
                t | {"audit_ids": json.loads(t["audit_ids"] or "[]")} for t in records(self.touches)
            ],
            "notes": self.notes,
            "target_basis": self.target_basis,
            "currency": self.currency,
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
            "team_coverage": {k: v.to_dict() for k, v in self.team_coverage.items()},
        }


def _verdict(overall: pd.DataFrame, coverage: accuracy.Coverage | None = None) -> dict[str, Any]:
    wape = {str(r["layer"]): r["wape"] for r in overall.to_dict(orient="records")}
    system_wape, target_wape = wape.get("system_plan"), wape.get("target")
    out: dict[str, Any] = {
        "wape_baseline": wape.get("baseline"),
        "wape_system_plan": system_wape,
        "wape_target": target_wape,
    }
    return out | accuracy.closer(system_wape, target_wape) | rests_on(coverage)


def rests_on(coverage: accuracy.Coverage | None) -> dict[str, Any]:
    """A verdict's coverage in words (``rests_on``: "scored on 2 of 100 series, 4 of 13
    periods"), whether it is ``provisional`` and why (``provisional_because``)."""
    if coverage is None:
        return {"rests_on": None, "provisional": None, "provisional_because": None}
    return {
        "rests_on": coverage.text(),
        "provisional": coverage.provisional,
        "provisional_because": coverage.provisional_because(),
    }


# -- scored as it was ---------------------------------------------------------------------------


def _snapshot(
    state: PlanState, audit: list[AuditEntry], actions: tuple[str, ...], track_actions: set[str]
) -> dict[str, Any]:
    """The audit row of the first of `actions` that happened (the last such row), else the one
    an imported plan came in with (`_imported_snapshot`), else a note that the layer is scored on
    the current version."""
    last = None
    for action in actions:
        entries = [e for e in audit if e.action == action]
        if entries:
            last = entries[-1]
            break
    if last is None:
        imported = _imported_snapshot(state, audit, actions, track_actions)
        if imported is not None:
            return imported
        return {
            "version": state.version,
            "status": state.status,
            "snapshot": False,
            "note": f"not {'published' if actions[0] == 'publish' else 'agreed'} yet: scored "
            f"on the current version {state.version}, which may still change",
        }
    action = last.action
    later = [e for e in audit if e.version > last.version and e.action in track_actions]
    out: dict[str, Any] = {
        "version": last.version,
        "status": "published" if action == "publish" else "agreed",
        "snapshot": True,
        "at": last.at,
        "by": last.actor,
        "audit_id": last.id,
    }
    if later:
        out["changed_after"] = [e.describe() for e in later]
    return out


def _imported_snapshot(
    state: PlanState, audit: list[AuditEntry], actions: tuple[str, ...], track_actions: set[str]
) -> dict[str, Any] | None:
    """The publish or lock of a plan imported already published or agreed. Its numbers came in
    with the import (verified against the bundle, and read-only since), so it is scored on the
    import's version, at the time and by the person of the source plan's audit row of that action
    the bundle carried; a bundle without audit rows (an older one) leaves the plan's own record
    of it: ``published_at``, the negotiation's ``agreed_at``. None for a plan not imported, or
    not imported that far."""
    came_in = next((e for e in audit if e.action == "import"), None)
    if came_in is None:
        return None
    carried = [e for e in audit if e.action == IMPORTED_HISTORY and isinstance(e.after, dict)]
    for action in actions:
        if state.status != AGREED and not (action == "publish" and state.status == PUBLISHED):
            continue
        rows = [e for e in carried if e.after.get("source_action") == action]
        at: str | None
        by: str | None
        if rows:
            row = rows[-1]
            at, by, audit_id = row.at, row.actor, row.id
            source_version = row.after.get("source_version")
        else:
            at, by = _recorded_stamp(state, action)
            audit_id, source_version = came_in.id, None
        if not (at and by):
            continue
        later = [e for e in audit if e.version > came_in.version and e.action in track_actions]
        if isinstance(source_version, int):  # and the source plan's, after that row
            later = [
                e
                for e in carried
                if e.after.get("source_action") in track_actions
                and isinstance(e.after.get("source_version"), int)
                and e.after["source_version"] > source_version
            ] + later
        out: dict[str, Any] = {
            "version": came_in.version,
            "status": "published" if action == "publish" else "agreed",
            "snapshot": True,
            "at": at,
            "by": by,
            "audit_id": audit_id,
            "source_plan_id": (came_in.after or {}).get("source_plan_id"),
            "source_version": source_version,
        }
        if later:
            out["changed_after"] = [e.describe() for e in later]
        return out
    return None


def _recorded_stamp(state: PlanState, action: str) -> tuple[str | None, str | None]:
    """When and by whom the plan itself records `action`: its publish, or its negotiation's
    agreement."""
    if action == "publish":
        return state.published_at, state.published_by
    neg = nego.negotiation_of(state)
    return (None, None) if neg is None else (neg.agreed_at, neg.agreed_by)


def scored_versions(store: PlanRepository, plan: str) -> dict[str, Any]:
    """Which version each layer is scored on: the system plan at its publish, the negotiated
    target at its lock (the current version where the plan has not got there yet)."""
    state = get_plan(store, plan)
    return _scored_versions(state, store.audit(state.plan_id))


def _scored_versions(state: PlanState, audit: list[AuditEntry]) -> dict[str, Any]:
    # An agreed plan that was never published froze its system track at the lock.
    system_snap = _snapshot(state, audit, ("publish", "lock"), SYSTEM_ACTIONS)
    return {
        "baseline": system_snap,
        "system_plan": system_snap,
        "target": _snapshot(state, audit, ("lock",), NEGOTIATION_ACTIONS | SYSTEM_ACTIONS),
    }


# -- the plan's frames --------------------------------------------------------------------------

NO_GOAL_NOTE = "no goal is set: the negotiated target is not scored"


def mase_scales(history: pd.DataFrame, season: int) -> pd.Series:
    """unique_id -> in-sample MAE of the seasonal naive (lag 1 for series shorter than two
    seasons), vectorised; NaN where the scale is zero (the series drops out of MASE)."""
    frame = history[[schema.UNIQUE_ID, schema.DS, schema.Y]].sort_values(
        [schema.UNIQUE_ID, schema.DS], kind="stable"
    )
    codes, uniques = pd.factorize(frame[schema.UNIQUE_ID].astype(str))
    y = frame[schema.Y].to_numpy(dtype=float)
    return accuracy_grid.scales_of_sorted(codes, y, np.asarray(uniques), season)


def _audit_refs(audit: list[AuditEntry]) -> list[accuracy.AuditRef]:
    return [accuracy.AuditRef(e.id, e.at, e.actor, e.action, e.before, e.after) for e in audit]


def _negotiation_touches(state: PlanState) -> accuracy.NegotiationTouches | None:
    neg = nego.negotiation_of(state)
    if neg is None or neg.goal is None:
        return None
    return accuracy.NegotiationTouches(
        targets=neg.targets(),
        claims=[
            accuracy.ClaimTouch(c.team, int(c.amount), c.author, c.note)
            for c in neg.claims.values()
        ],
        assignments=dict(neg.assignments),
        rule=str(neg.rule) if neg.rule else None,
        assigned_by=neg.assigned_by,
        currency=state.currency,
    )


def fva(
    store: PlanRepository,
    plan: str,
    *,
    actuals_version: int | None = None,
    progress: Progress | None = None,
    fresh: bool = False,
    user: str | None = None,
    admin: bool = False,
) -> FvaReport:
    """Forecast value added of every layer and touch of the plan against its kept actuals (the
    latest version unless `actuals_version`). The report is shared between callers of the same
    plan and actuals versions: read it, do not change it. `user` (an admin if `admin`): who
    asks, told of an earlier version keeping the actuals only if they may see it."""
    state = get_plan(store, plan)
    versions = store.actuals_versions(state.plan_id)
    if not versions:
        raise no_actuals_here(store, state.plan_id, user, admin=admin)
    wanted = versions[-1].version if actuals_version is None else int(actuals_version)
    if fresh:  # the FVA computed again (benchmarks) on the prepared grid, not the shared report
        return _compute_fva(store, state, wanted, progress)
    # A saved plan version scored on a kept actuals version never changes: reuse the report.
    return _REPORTS.get(
        store,
        state,
        (state.plan_id, state.version, wanted),
        lambda: _compute_fva(store, state, wanted, progress),
    )


_REPORTS: PerStoreCache[FvaReport] = PerStoreCache(size=8)


@dataclass
class _Inputs:
    """What the FVA of one plan version against one actuals version is computed from."""

    info: Any  # ActualsVersion
    grid: accuracy.ScoredGrid
    events: accuracy.EventTouchInput
    event_grid: EventGrid | None  # the events on the grid, built with it
    audit: list[AuditEntry]
    notes: list[str]


# The plan's layers and the actuals on the grid, per (plan, plan version, actuals version).
_INPUTS: PerStoreCache[_Inputs] = PerStoreCache(size=4)


def _load_inputs(store: PlanRepository, state: PlanState, actuals_version: int) -> _Inputs:
    """The grid read column by column from the stored blobs (`accuracy_grid`), not through the
    plan's whole frames."""
    info, actuals_bytes = store.get_actuals(state.plan_id, actuals_version)
    attributes = load_blob_frame(store, state.plan_id, "attributes")
    events = system.events_of(state)
    blobs = {"baseline": store.get_blob(state.plan_id, "baseline"), "actuals": actuals_bytes}
    hashes = store.blob_hashes(state.plan_id)
    if accuracy_grid.SCALES_BLOB in hashes:
        blobs[accuracy_grid.SCALES_BLOB] = store.get_blob(state.plan_id, accuracy_grid.SCALES_BLOB)
    neg = nego.negotiation_of(state)
    notes = [] if neg is not None and neg.goal is not None else [NO_GOAL_NOTE]
    try:
        # The history is read only when the stored MASE scales do not match it by hash.
        grid, event_grid = accuracy_grid.plan_grid(
            state,
            blobs,
            attributes,
            events,
            neg,
            history_hash=hashes.get("history"),
            load_history=lambda: store.get_blob(state.plan_id, "history"),
        )
    except (AccuracyError, NegotiationError) as exc:
        raise Invalid.from_error(exc) from exc
    if not grid.has_actual.any():
        raise Invalid(
            f"the actuals of plan {state.plan_id} (version {info.version}) cover none of its "
            "series-periods; upload actuals for the plan's horizon"
        )
    touch_input = accuracy.EventTouchInput(
        events, system.explanations_of(state), attributes, state.freq, currency=state.currency
    )
    return _Inputs(info, grid, touch_input, event_grid, store.audit(state.plan_id), notes)


def _compute_fva(
    store: PlanRepository, state: PlanState, actuals_version: int, progress: Progress | None
) -> FvaReport:
    inputs = _INPUTS.get(
        store,
        state,
        (state.plan_id, state.version, actuals_version),
        lambda: _load_inputs(store, state, actuals_version),
    )
    grid, info, audit, notes = inputs.grid, inputs.info, inputs.audit, list(inputs.notes)
    touches = accuracy.touch_table(
        grid,
        inputs.events,
        _negotiation_touches(state),
        _audit_refs(audit),
        progress=progress,
        event_grid=inputs.event_grid,
    )
    periods = [
        d.strftime("%Y-%m-%d")
        for d, has in zip(grid.periods, np.asarray(grid.has_actual.any(axis=0)), strict=True)
        if has
    ]
    if len(periods) < len(grid.periods):
        notes.append(
            f"partial horizon: {len(periods)} of {len(grid.periods)} periods have actuals; "
            "only those are scored"
        )
    return FvaReport(
        plan_id=state.plan_id,
        name=state.name,
        status=state.status,
        scored_on=_scored_versions(state, audit),
        actuals={
            "version": info.version,
            "at": info.at,
            "uploaded_by": info.uploaded_by,
            "filename": info.filename,
            "audit_id": info.audit_id,
        },
        periods=periods,
        layers=accuracy.layer_table(grid),
        touches=touches,
        notes=notes,
        coverage=accuracy.grid_coverage(grid),
        team_coverage={
            str(team): accuracy.grid_coverage(grid, grid.team == team)
            for team in sorted(set(grid.team.tolist()))
        },
        target_basis=grid.step_from("target") if "target" in grid.layers else None,
        currency=state.currency,
    )


def shown_value_added(records: Sequence[Mapping[Any, Any]]) -> list[float | None]:
    """Each layer's WAPE value added as the difference of the WAPEs shown beside it (hundredths
    of a percent, ``money.shown_margin``), so a layer table, the verdict's margin (``closer``),
    the track record and the pages print one figure for one gap: from the row's ``step_from``
    layer, else the layer before it of the same ``key``; the exact figure where neither is in the
    records. `records` are rows of a layer table (``layer_table``), in its order. ``--json`` and
    downloads keep the exact ``value_added_wape``."""
    wapes: dict[tuple[Any, Any], float | None] = {}
    previous: dict[Any, Any] = {}
    shown: list[float | None] = []
    for r in records:
        key, added, wape = r.get("key"), number(r.get("value_added_wape")), number(r.get("wape"))
        source = r.get("step_from") or previous.get(key)
        start = wapes.get((key, source))
        margin = shown_margin(start, wape) if added is not None else None
        shown.append(added if margin is None else margin)
        wapes[(key, r["layer"])] = wape
        previous[key] = r["layer"]
    return shown


def number(value: Any) -> float | None:
    """A table's value as a float, None where it has none (None or NaN: pandas puts NaN beside
    numbers where a row has no value)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return float(value)


# -- the verdict in words: which culture came closer, by how much, for which scope -------------

TIE_WORDS = f"tie (within {format_points(accuracy.TIE_MARGIN)})"
"""A tie as the pages word it: the margin under which neither culture came closer
(``accuracy.TIE_MARGIN``)."""


def verdict_margin(row: Mapping[Any, Any]) -> float | None:
    """By how much the closer culture came closer (a verdict or a row of the track record: its
    ``closer``, ``margin`` and the two WAPEs), unsigned and as the two WAPEs beside it show it
    (hundredths of a percent, ``money.shown_margin``), the exact margin where a WAPE is missing;
    None where no culture came closer (no verdict, or a tie). The one rule for the CLI's
    ``by 0.62 pts`` and the pages' ``System plan, by 0.62 pts``."""
    if row.get("closer") not in ("system_plan", "target"):
        return None
    shown = shown_margin(number(row.get("wape_system_plan")), number(row.get("wape_target")))
    return abs((number(row.get("margin")) or 0.0) if shown is None else shown)


def scope_words(row: Mapping[Any, Any]) -> str:
    """A row's scope in words (a track record's or a replay's): ``overall`` for the whole plan,
    ``team K`` for one team."""
    return "overall" if row["scope"] == "overall" else f"team {row['key']}"


MADE_WORSE, HELPED, NO_CHANGE = "made it worse", "helped", "no change"


def touch_verdict(touch: Mapping[Any, Any]) -> str:
    """A touch's verdict as its value added reads beside it, in hundredths of a WAPE point:
    ``made it worse``, ``helped``, or ``no change`` where that rounds to 0.00 pts (a $2 worse
    forecast in a plan of millions is not worse by any point shown); ``not scored: why`` for a
    touch none of whose series-periods has an actual yet."""
    if touch.get("scored") is False:
        return f"not scored: {touch.get('not_scored') or NO_ACTUALS_YET}"
    points = touch.get("value_added_wape")
    if points is not None and points == points:
        shown = shown_points(points)
        return MADE_WORSE if shown < 0 else HELPED if shown > 0 else NO_CHANGE
    # no WAPE to show (actuals that add up to 0): by the amount
    added = touch.get("value_added")
    if touch.get("made_worse"):
        return MADE_WORSE
    return HELPED if added is not None and added > 0 else NO_CHANGE


# -- the track record ---------------------------------------------------------------------------

TRACK_COLUMNS = [
    "plan_id",
    "name",
    "status",
    "scope",
    "key",
    "horizon_start",
    "periods_scored",
    "actuals_version",
    "system_plan_version",
    "target_version",
    "snapshot",
    "wape_baseline",
    "wape_system_plan",
    "wape_target",
    "closer",
    "margin",
    "given_vs_offered",
    "given_vs_offered_why_none",  # why it has no value (none typed, not scored, per team)
    # what the verdict rests on (the scope's series and periods with actuals)
    "series_scored",
    "series_total",
    "periods_total",
    "rests_on",
    "provisional",
    "provisional_because",
]


GIVEN_VS_OFFERED_OVERALL_ONLY = "scored for the whole plan, not per team"


def track_record(store: PlanRepository, plans: Sequence[PlanSummary] | None = None) -> pd.DataFrame:
    """Every plan with actuals (of `plans`, the ones a user may see, when given), oldest horizon
    first: per plan (``scope`` overall) and per team, the WAPE of each layer and which culture
    came closer (``system_plan``, ``target``, ``tie``) and by how much (WAPE points), with what
    that rests on: the scope's series and periods with actuals of its own (``series_scored`` of
    ``series_total``, ``periods_scored`` of ``periods_total``, ``rests_on`` in words) and
    ``provisional`` while under half of either has actuals."""
    rows: list[dict[str, Any]] = []
    for summary in store.list() if plans is None else plans:
        if not store.actuals_versions(summary.plan_id):
            continue
        try:
            report = fva(store, summary.plan_id)
        except (Invalid, NotFound):
            continue
        base = {
            "plan_id": report.plan_id,
            "name": report.name,
            "status": report.status,
            "horizon_start": report.periods[0] if report.periods else None,
            "periods_scored": len(report.periods),
            "actuals_version": report.actuals["version"],
            "system_plan_version": report.scored_on["system_plan"]["version"],
            "target_version": report.scored_on["target"]["version"],
            "snapshot": bool(
                report.scored_on["system_plan"]["snapshot"]
                and report.scored_on["target"]["snapshot"]
            ),
        }
        layers = report.layers
        for scope in ("overall", "team"):
            part = layers[layers["scope"] == scope]
            for key, group in part.groupby("key", sort=True):
                coverage = (
                    report.coverage if scope == "overall" else report.team_coverage.get(str(key))
                )
                verdict = _verdict(group, coverage)
                people = accuracy.given_vs_offered(report.touches) if scope == "overall" else None
                people_why = (
                    accuracy.given_vs_offered_why_none(report.touches)
                    if scope == "overall"
                    else GIVEN_VS_OFFERED_OVERALL_ONLY
                )
                counts = (
                    {}
                    if coverage is None
                    else {  # a team's row: its own series and periods with actuals
                        "periods_scored": coverage.periods,
                        "series_scored": coverage.series,
                        "series_total": coverage.series_total,
                        "periods_total": coverage.periods_total,
                    }
                )
                rows.append(
                    base
                    | {"scope": scope, "key": str(key)}
                    | verdict
                    | {"given_vs_offered": people, "given_vs_offered_why_none": people_why}
                    | counts
                )
    table = pd.DataFrame(rows, columns=TRACK_COLUMNS).sort_values(
        ["horizon_start", "plan_id", "scope", "key"], kind="stable"
    )
    # A text left out (no verdict: a plan without a goal has no target to score) stays None:
    # pandas makes it NaN beside strings, which reads as a verdict to every `if row["closer"]`.
    for column in ("closer", "provisional_because", "given_vs_offered_why_none"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return table.reset_index(drop=True)


# -- for the pages: one call each ---------------------------------------------------------------


def upload_and_score(
    store: PlanRepository,
    plan: str,
    source: bytes,
    *,
    actor: str,
    filename: str | None = None,
    decimal: str | None = None,
    confirm_scale: bool = False,
    week_dates: str | None = None,
    duplicates: str | None = None,
    whole_periods: bool = False,
) -> tuple[Any, pd.DataFrame | None]:
    """Keep an upload of actuals (a new version) and score the two tracks on every actual kept
    so far: (the upload, `negotiation.score` per team and TOTAL; only the system plan while the
    plan has no goal, so no negotiated target)."""
    from forecast.services import actuals as actuals_service

    upload = actuals_service.upload_actuals(
        store,
        plan,
        source,
        actor=actor,
        filename=filename,
        decimal=decimal,
        confirm_scale=confirm_scale,
        week_dates=week_dates,
        duplicates=duplicates,
        whole_periods=whole_periods,
    )
    state = get_plan(store, plan)
    _, kept = load_actuals(store, state.plan_id)
    return upload, nego.score(store, state.plan_id, kept)


DOWNLOADS = {
    "layers": "FVA by layer",
    "touches": "FVA by touch",
    "track": "track record",
}


def _with_versions(report: FvaReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The layer and touch tables as downloaded: each row names the plan, the plan version its
    layer was scored on and the actuals version, so a file read later says what it rests on."""
    actuals_version = report.actuals.get("version")
    layers = report.layers.copy()
    scored = {layer: info.get("version") for layer, info in report.scored_on.items()}
    layers.insert(0, "plan_id", report.plan_id)
    layers.insert(1, "plan_version", layers["layer"].map(scored).astype("Int64"))
    layers.insert(2, "actuals_version", actuals_version)
    touches = report.touches.copy()
    touches.insert(0, "plan_id", report.plan_id)
    touches.insert(1, "actuals_version", actuals_version)
    return _in_currency(layers, report.currency), _in_currency(touches, report.currency)


MONEY_COLUMNS = ("actual", "forecast", "error_without", "error_with", "value_added")
"""The amounts of the layer and touch tables (actual sales, forecast, absolute errors), in the
plan's currency."""


def _in_currency(table: pd.DataFrame, currency: str | None) -> pd.DataFrame:
    """`table` with its amounts to the currency's decimals (JPY: whole yen, not a float's
    7246311.5450977) and the currency named in every row (last, so that readers by position
    keep working), as the plan's CSV: the tables of plans in other currencies put together
    still say what each amount is in."""
    from forecast.money import NO_CURRENCY_TEXT, shown_digits

    out = table.copy()
    for column in MONEY_COLUMNS:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column]).round(shown_digits(currency))
    out["currency"] = currency or NO_CURRENCY_TEXT
    return out


def fva_download(
    store: PlanRepository,
    plan: str | None,
    fmt: str,
    table: str = "touches",
    plans: Sequence[PlanSummary] | None = None,
    actuals_version: Any = None,
) -> tuple[bytes, str]:
    """The Accuracy page's tables: one `table` (``layers``, ``touches``, ``track``) as CSV, or
    all of them as XLSX (a sheet each); (bytes, file name). Without a plan only the track
    record, of `plans` when given (those the user may see). ``actuals_version``: the version
    the page shows (None: the latest), so that a version kept meanwhile does not slip into a
    file the person takes for what they see; its number is in the file name and every row."""
    from forecast import export

    fmt = str(fmt).lower()
    if fmt not in ("csv", "xlsx"):
        raise Invalid(f"unknown download format {fmt!r}; use csv or xlsx")
    if table not in DOWNLOADS:
        raise Invalid(f"unknown table {table!r}; use one of {', '.join(DOWNLOADS)}")
    frames: dict[str, pd.DataFrame] = {}
    stem = "track-record"
    if actuals_version is not None and not (
        isinstance(actuals_version, int)
        and not isinstance(actuals_version, bool)
        and actuals_version >= 1
    ):
        raise Invalid("the page did not say which actuals version it shows; reload the page")
    currency: str | None = None
    if plan:
        report = fva(store, plan, actuals_version=actuals_version)
        stem = f"fva-{report.plan_id}-actuals-v{report.actuals.get('version')}"
        frames["layers"], frames["touches"] = _with_versions(report)
        currency = report.currency
    if fmt == "xlsx":
        from forecast.money import excel_format

        frames["track"] = track_record(store, plans)
        sheets = {DOWNLOADS[k]: v for k, v in frames.items()}
        workbook = export.to_xlsx(
            sheets, money_columns=MONEY_COLUMNS, money_format=excel_format(currency)
        )
        return workbook, f"{stem}.xlsx"
    if table == "track":
        return export.to_csv(track_record(store, plans)), "track-record.csv"
    if table not in frames:
        raise Invalid("pick a plan to download its FVA tables")
    return export.to_csv(frames[table]), f"{stem}-{table}.csv"
