"""The plan totals read model on a real SQLite store: stored when the plan's data or events are
written, equal bit for bit to what the plan's frames give, and never used when it does not fit
the plan as it is now (absent, stale, or another plan's)."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast import negotiation as domain
from forecast.engine.aggregate_intervals import error_correlation, sum_with_intervals
from forecast.engine.calendar import season_length
from forecast.engine.stretch import apply_calibration
from forecast.money import quantum
from forecast.overrides import Scope
from forecast.services import (
    comparison,
    exports,
    plan_frames,
    plan_members,
    plan_standing,
    plan_totals,
    plan_versions,
    plans,
    series_frames,
    stretch_calibration,
    system,
)
from forecast.services import negotiation as nego
from forecast.services.store_factory import open_store
from forecast.store import Change
from tests.unit.test_services_negotiation import team_frames, weekly_team_plan


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path


def make_plan(store, name: str = "Totals", scale: float = 1.0) -> str:
    history, attributes, baseline = team_frames()
    history["y"] *= scale
    state = weekly_team_plan(store, (history, attributes, baseline), name=name)
    for team in ("a", "b", "c"):
        plan_members.grant(store, state.plan_id, "olga", f"lead-{team}", "lead", team=team)
    return state.plan_id


def horizon(store, plan_id: str) -> list[str]:
    frame = nego.series_frame(store, plan_id)
    return sorted(frame["ds"].dt.strftime("%Y-%m-%d").unique())


def add_events(store, plan_id: str) -> None:
    dates = horizon(store, plan_id)
    for scope, effect, value in (
        (["Team=a"], "percent", 30.0),
        (["Team=b"], "add", 1.0e7),
        (["Team=c"], "cap", 5.0e7),
    ):
        system.add_event(
            store,
            plan_id,
            "olga",
            name=f"{effect} event",
            kind="promotion",
            scope=Scope.parse(scope),
            start=dates[1],
            end=dates[2],
            effect=effect,
            value=value,
        )


def negotiate(store, plan_id: str, *, per_period: bool = False) -> None:
    if per_period:
        goals = {d: 2.0e9 + 1.0e8 * i for i, d in enumerate(horizon(store, plan_id))}
        nego.set_goal(store, plan_id, "olga", per_period=goals, basis="system_plan")
    else:
        nego.set_goal(store, plan_id, "olga", ratio="1.1")
    nego.claim(store, plan_id, "lead-a", "a", percent="3", note="push")
    nego.claim(store, plan_id, "lead-b", "b", amount="12345.67", note="promo")


def from_the_frames(store, plan_id: str) -> dict:
    """What the pages showed before the read model: everything from the plan's whole frames."""
    state = plans.get_plan(store, plan_id)
    frame = nego.series_frame(store, plan_id)
    history = plan_frames.load_blob_frame(store, plan_id, plan_frames.HISTORY)
    baseline = plan_frames.load_blob_frame(store, plan_id, plan_frames.BASELINE)
    series_plan = system.system_plan(store, plan_id, "series")
    # the system plan line of the fan chart adds up the exported cells (minor units here)
    series_plan["system_plan"] = series_frames.whole_cells(
        series_plan, "system_plan", quantum(state.currency)
    )
    out: dict = {
        "current": (
            series_frames.team_totals(frame, "baseline"),
            series_frames.team_totals(frame, "system_plan"),
        ),
        "last_year": series_frames.last_year_by_team(
            frame, history, state.freq, ended=plan_standing.series_standing(store, state).ended
        ),
        "fan": {None: (history, baseline, series_plan)},
        # the bands of a sum combine the series' at the correlation the whole history shows
        "correlation": error_correlation(history, season_length(state.freq)),
    }
    for team in ("a", "b", "c"):
        keep = set(series_plan.loc[series_plan["team"].astype(str) == team, "unique_id"])

        def only(f: pd.DataFrame, keep: set = keep) -> pd.DataFrame:
            return f[f["unique_id"].astype(str).isin(keep)]

        out["fan"][team] = (only(history), only(baseline), only(series_plan))
    neg = nego.negotiation_of(state)
    if neg is not None and neg.goal is not None:
        teams = frame.drop_duplicates("unique_id").set_index("unique_id")["team"]
        calibration = stretch_calibration.of_plan(store, state, lambda: (history, teams))

        def judged(total_target: int | None) -> pd.DataFrame:
            table = domain.stretch(
                frame,
                neg.targets(),
                last_year=out["last_year"],
                total_target=total_target,
                events=domain.event_factors(*out["current"]),
            )
            return apply_calibration(table, calibration)

        table = nego.with_targets_summed(judged(neg.total_target), judged(None))
        out["stretch"] = nego.exact_expectations(
            nego.in_cents(table, [*nego.STRETCH_AMOUNTS, "teams_target"]),
            *reversed(out["current"]),
        )
        negotiated = nego.negotiated_plan(store, plan_id)
        out["team_totals"] = comparison.team_totals(negotiated)
        bands = [c for c in frame.columns if c.startswith("baseline")]
        negotiated["system_plan"] = negotiated["system_plan_minor"] / 100  # as exported
        merged = negotiated[["unique_id", "ds", "team", "system_plan", "target"]].merge(
            frame[["unique_id", "ds", *bands]], on=["unique_id", "ds"], how="left"
        )
        out["periods"] = {
            team: merged[merged["team"].astype(str) == team] for team in ("a", "b", "c")
        }
        out["periods"][None] = merged
    return out


def per_period(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """How the period lines sum what they are given."""
    return frame.groupby("ds", as_index=False)[columns].sum().sort_values("ds")


def fan_per_period(frame: pd.DataFrame, columns: list[str], correlation: float) -> pd.DataFrame:
    """How the fan chart's totals sum the series: the bands as the interval of the sum."""
    return sum_with_intervals(frame, "ds", columns, correlation=correlation).sort_values("ds")


def from_the_read_models(store, plan_id: str) -> dict:
    """What the pages show now (from the stored read models where they fit)."""
    state = plans.get_plan(store, plan_id)
    totals = plan_totals.of_plan(store, state)
    out: dict = {
        "current": nego.current_totals(store, state),
        "last_year": totals.last_year,
        "fan": {team: totals.fan(team) for team in (None, "a", "b", "c")},
    }
    neg = nego.negotiation_of(state)
    if neg is not None and neg.goal is not None:
        out["stretch"] = nego.stretch(store, plan_id)
        out["team_totals"] = comparison.plan_team_totals(store, plan_id)
        out["periods"] = {
            team: comparison.period_comparison(store, plan_id, team)
            for team in (None, "a", "b", "c")
        }
    return out


def without_read_models(data_dir, plan_id: str):
    """The plan with its read models deleted, through a new store (nothing kept in memory):
    every total comes from the whole frames again."""
    writer = open_store(data_dir=data_dir)
    state = plans.get_plan(writer, plan_id)
    kinds = [k for k in writer.blob_kinds(plan_id) if plan_totals.is_read_model(k)]
    writer.save(
        state,
        Change(actor="olga", action="test", what="drop the read models"),
        expected_version=state.version,
        blobs={kind: None for kind in kinds},
    )
    return open_store(data_dir=data_dir)


BANDS = ["baseline", "baseline-lo-80", "baseline-hi-80", "baseline-lo-95", "baseline-hi-95"]


def assert_equal_to_the_frames(store, data_dir, plan_id: str) -> None:
    got = from_the_read_models(store, plan_id)
    expected = from_the_frames(without_read_models(data_dir, plan_id), plan_id)
    assert got["current"] == expected["current"]
    assert got["last_year"] == expected["last_year"]
    for team, want_frames in expected["fan"].items():
        for got_frame, want, columns in zip(
            got["fan"][team], want_frames, (["y"], BANDS, ["system_plan"]), strict=True
        ):
            sums = fan_per_period(want, columns, expected["correlation"])
            if columns == ["system_plan"]:  # the exported cells' minor units, added up
                sums["system_plan"] = sums["system_plan"].astype("int64") / 100
            pd.testing.assert_frame_equal(
                per_period(got_frame, columns).reset_index(drop=True),
                sums.reset_index(drop=True),
                check_exact=True,
                check_dtype=False,
            )
    assert ("stretch" in got) == ("stretch" in expected)
    if "stretch" in expected:
        pd.testing.assert_frame_equal(got["stretch"], expected["stretch"], check_exact=True)
        pd.testing.assert_frame_equal(got["team_totals"], expected["team_totals"], check_exact=True)
        for team, want in expected["periods"].items():
            columns = ["system_plan", "target", *BANDS]
            pd.testing.assert_frame_equal(
                per_period(got["periods"][team], columns).reset_index(drop=True),
                per_period(want, columns).reset_index(drop=True),
                check_exact=True,
            )


def stored_fits(store, plan_id: str) -> dict[str, bool]:
    """Whether each stored read model was computed from what the plan holds now."""
    state = plans.get_plan(store, plan_id)
    hashes = store.blob_hashes(plan_id)
    base_fp = plan_totals.baseline_fingerprint(state, hashes)
    prints = {
        plan_totals.BASELINE_KIND: base_fp,
        plan_totals.SYSTEM_KIND: plan_totals.system_fingerprint(state, base_fp),
    }
    return {
        kind: kind in hashes
        and plan_totals._from_blob(store.get_blob(plan_id, kind), fp) is not None
        for kind, fp in prints.items()
    }


def reopened(data_dir):
    """The same database through a new store: a server after a restart (nothing in memory)."""
    return open_store(data_dir=data_dir)


def test_a_new_plan_stores_its_totals_and_they_equal_the_frames(data_dir) -> None:
    plan_id = make_plan(open_store(data_dir=data_dir))
    store = reopened(data_dir)
    assert stored_fits(store, plan_id) == {k: True for k in plan_totals.KINDS}
    assert_equal_to_the_frames(store, data_dir, plan_id)


def test_event_edits_rewrite_the_system_totals_and_they_equal_the_frames(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    negotiate(writer, plan_id)
    store = reopened(data_dir)
    assert stored_fits(store, plan_id) == {k: True for k in plan_totals.KINDS}
    assert_equal_to_the_frames(store, data_dir, plan_id)


def test_totals_with_a_goal_split_by_period_equal_the_frames(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    negotiate(writer, plan_id, per_period=True)
    assert_equal_to_the_frames(reopened(data_dir), data_dir, plan_id)


def test_the_writer_keeps_what_it_computed_for_the_saved_version(data_dir) -> None:
    store = open_store(data_dir=data_dir)
    plan_id = make_plan(store)
    add_events(store, plan_id)
    negotiate(store, plan_id)
    assert_equal_to_the_frames(store, data_dir, plan_id)  # the writer's kept totals


def test_absent_totals_are_computed_from_the_frames(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    negotiate(writer, plan_id)
    state = plans.get_plan(writer, plan_id)
    # A plan made before the read model existed: its blobs are not there.
    writer.save(
        state,
        Change(actor="olga", action="test", what="drop the read models"),
        expected_version=state.version,
        blobs={kind: None for kind in plan_totals.KINDS},
    )
    store = reopened(data_dir)
    assert plan_totals.KINDS[0] not in store.blob_kinds(plan_id)
    assert_equal_to_the_frames(store, data_dir, plan_id)


def test_stale_system_totals_are_not_used(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    before = writer.get_blob(plan_id, plan_totals.SYSTEM_KIND)  # without events
    add_events(writer, plan_id)
    negotiate(writer, plan_id)
    state = plans.get_plan(writer, plan_id)
    # An older writer changed the events and left the totals of the plan without them.
    writer.save(
        state,
        Change(actor="olga", action="test", what="put back stale totals"),
        expected_version=state.version,
        blobs={plan_totals.SYSTEM_KIND: before},
    )
    store = reopened(data_dir)
    assert stored_fits(store, plan_id)[plan_totals.SYSTEM_KIND] is False
    stale = plan_totals._from_blob(before, _fingerprint_in(before))
    assert stale is not None
    without_events = plan_totals._assemble(_stored_base(store, plan_id), stale)
    assert (
        plan_totals.of_plan(store, plans.get_plan(store, plan_id)).team_system_plan
        != without_events.team_system_plan
    )
    assert_equal_to_the_frames(store, data_dir, plan_id)


def _fingerprint_in(data: bytes) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = pq.read_schema(pa.BufferReader(data)).metadata or {}
    return meta[b"inputs"].decode()


def _stored_base(store, plan_id: str) -> pd.DataFrame:
    data = store.get_blob(plan_id, plan_totals.BASELINE_KIND)
    frame = plan_totals._from_blob(data, _fingerprint_in(data))
    assert frame is not None
    return frame


def test_another_plans_totals_are_never_used(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    mine = make_plan(writer, "Mine")
    other = make_plan(writer, "Other", scale=2.0)  # other sales, same teams and series
    add_events(writer, other)
    state = plans.get_plan(writer, mine)
    writer.save(
        state,
        Change(actor="olga", action="test", what="copy another plan's totals"),
        expected_version=state.version,
        blobs={kind: writer.get_blob(other, kind) for kind in plan_totals.KINDS},
    )
    store = reopened(data_dir)
    assert stored_fits(store, mine) == {k: False for k in plan_totals.KINDS}
    assert_equal_to_the_frames(store, data_dir, mine)
    assert (
        plan_totals.of_plan(store, plans.get_plan(store, mine)).last_year
        != plan_totals.of_plan(store, plans.get_plan(store, other)).last_year
    )


def test_a_new_version_carries_totals_that_fit_it(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    copy = plan_versions.new_version(writer, plan_id, "olga")
    store = reopened(data_dir)
    assert stored_fits(store, copy.plan_id) == {k: True for k in plan_totals.KINDS}
    assert_equal_to_the_frames(store, data_dir, copy.plan_id)


def test_a_bundle_carries_no_read_model_and_its_import_computes_the_totals(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    negotiate(writer, plan_id)
    bundle = exports.export_plan(writer, plan_id, "json")
    assert b"read_model:" not in bundle
    imported = exports.import_bundle(writer, bundle, "olga", name="imported")
    assert_equal_to_the_frames(reopened(data_dir), data_dir, imported)


def test_the_stored_system_plan_cells_are_the_events_applied_and_follow_the_events(
    data_dir,
) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    assert plan_totals.CELLS_KIND not in writer.blob_kinds(plan_id)  # no events, no cells
    add_events(writer, plan_id)
    store = reopened(data_dir)
    state = plans.get_plan(store, plan_id)
    cells = plan_totals.system_plan_cells(store, state)
    applied = system.system_plan(store, plan_id, "series")["system_plan"].to_numpy()
    assert cells is not None and (cells == applied).all() and (cells != applied * 0).any()
    # The events removed: the cells go with them and the series frame is the baseline again.
    for event in system.list_events(store, plan_id):
        system.remove_event(store, plan_id, "olga", event.event_id)
    assert plan_totals.CELLS_KIND not in store.blob_kinds(plan_id)
    frame = nego.series_frame(reopened(data_dir), plan_id)
    assert (frame["system_plan"] == frame["baseline"]).all()


def test_cells_of_other_events_are_not_used(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    old_cells = writer.get_blob(plan_id, plan_totals.CELLS_KIND)
    event = system.list_events(writer, plan_id)[0]
    system.edit_event(writer, plan_id, "olga", event.event_id, value=80.0)
    state = plans.get_plan(writer, plan_id)
    writer.save(
        state,
        Change(actor="olga", action="test", what="put back the cells of the old events"),
        expected_version=state.version,
        blobs={plan_totals.CELLS_KIND: old_cells},
    )
    store = reopened(data_dir)
    assert plan_totals.system_plan_cells(store, plans.get_plan(store, plan_id)) is None
    assert_equal_to_the_frames(store, data_dir, plan_id)


def test_the_next_edit_of_a_plan_without_read_models_writes_them(data_dir) -> None:
    writer = open_store(data_dir=data_dir)
    plan_id = make_plan(writer)
    add_events(writer, plan_id)
    negotiate(writer, plan_id)
    state = plans.get_plan(writer, plan_id)
    kinds = [k for k in writer.blob_kinds(plan_id) if plan_totals.is_read_model(k)]
    writer.save(  # a plan made before the read models existed
        state,
        Change(actor="olga", action="test", what="drop the read models"),
        expected_version=state.version,
        blobs={kind: None for kind in kinds},
    )
    store = reopened(data_dir)
    nego.claim(store, plan_id, "lead-c", "c", percent="1", note="late")  # no event changes
    assert stored_fits(store, plan_id) == {k: True for k in plan_totals.KINDS}
    assert plan_totals.system_plan_cells(store, plans.get_plan(store, plan_id)) is not None
    assert_equal_to_the_frames(reopened(data_dir), data_dir, plan_id)


def test_an_edit_that_changes_nothing_they_rest_on_leaves_fitting_read_models_alone(
    data_dir,
) -> None:
    store = open_store(data_dir=data_dir)
    plan_id = make_plan(store)
    add_events(store, plan_id)
    before = {k: store.get_blob(plan_id, k) for k in plan_totals.KINDS}
    negotiate(store, plan_id)
    assert {k: store.get_blob(plan_id, k) for k in plan_totals.KINDS} == before
