"""The pure FVA computations: WAPE / MASE / bias per layer, value added per step and per touch."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecast import accuracy
from forecast.accuracy.touches import EventGrid
from forecast.overrides import Event, Explanation, Scope, apply_events

WEEKS = pd.date_range("2025-01-06", periods=4, freq="W-MON")
FREQ = "W-MON"  # the plan frequency of WEEKS


def plan_frame(baseline: dict[str, list[float]], teams: dict[str, str]) -> pd.DataFrame:
    rows = []
    for uid, values in baseline.items():
        for ds, value in zip(WEEKS, values, strict=True):
            rows.append({"unique_id": uid, "ds": ds, "team": teams[uid], "baseline": value})
    return pd.DataFrame(rows)


def long(values: dict[str, list[float | None]]) -> pd.DataFrame:
    rows = [
        {"unique_id": uid, "ds": ds, "y": v}
        for uid, series in values.items()
        for ds, v in zip(WEEKS, series, strict=True)
        if v is not None
    ]
    return pd.DataFrame(rows)


def test_layer_figures_and_value_added_by_hand():
    frame = plan_frame({"1": [100, 100, 100, 100], "2": [50, 50, 50, 50]}, {"1": "a", "2": "b"})
    frame["system_plan"] = frame["baseline"] * 1.1
    frame["target"] = frame["baseline"] * 1.3
    actuals = long({"1": [110, 110, None, None], "2": [40, 60, None, None]})  # two weeks arrived
    grid = accuracy.build_grid(frame, actuals, {"1": 10.0, "2": 5.0})
    table = accuracy.layer_table(grid)
    overall = table[table["scope"] == "overall"].set_index("layer")
    # baseline errors: 10, 10, 10, 10 -> 40 / 320
    assert overall.loc["baseline", "wape"] == pytest.approx(40 / 320)
    # system plan: 0, 0, 15, 5 -> 20 / 320
    assert overall.loc["system_plan", "wape"] == pytest.approx(20 / 320)
    # target: 20, 20, 25, 5 -> 70 / 320
    assert overall.loc["target", "wape"] == pytest.approx(70 / 320)
    assert overall.loc["system_plan", "value_added_wape"] == pytest.approx(20 / 320)
    assert overall.loc["target", "value_added_wape"] == pytest.approx(-50 / 320)
    assert pd.isna(overall.loc["baseline", "value_added_wape"])
    # MASE: mean of |e| / scale: (10/10 + 10/10 + 10/5 + 10/5) / 4 = 1.5
    assert overall.loc["baseline", "mase"] == pytest.approx(1.5)
    # bias: (sum forecast - sum actual) / sum |actual| = (300 - 320) / 320
    assert overall.loc["baseline", "bias"] == pytest.approx(-20 / 320)
    assert set(overall["series_periods"]) == {4}
    periods = table[table["scope"] == "period"]
    assert set(periods["key"]) == {"2025-01-06", "2025-01-13"}  # weeks without actuals left out
    team_b = table[(table["scope"] == "team") & (table["key"] == "b")].set_index("layer")
    assert team_b.loc["system_plan", "wape"] == pytest.approx(20 / 100)


def test_a_tie_is_a_margin_below_what_a_one_decimal_percentage_shows():
    assert accuracy.closer(0.1234, 0.1236)["closer"] == "tie"
    assert accuracy.closer(0.1234, 0.1254) == {
        "closer": "system_plan",
        "margin": pytest.approx(0.002),
    }
    assert accuracy.closer(0.2, 0.1)["closer"] == "target"
    assert accuracy.closer(None, 0.1)["closer"] is None


def events_fixture():
    frame = plan_frame(
        {"1": [100] * 4, "2": [100] * 4, "3": [80] * 4}, {"1": "a", "2": "a", "3": "b"}
    )
    attributes = pd.DataFrame({"unique_id": ["1", "2", "3"], "StoreType": ["a", "a", "b"]})
    events = [
        Event("E1", "Promo", "promotion", Scope({"StoreType": ("a",)}), date(2025, 1, 6),
              date(2025, 1, 19), "percent", 20.0, author="piet"),
        Event("E2", "Flyer", "promotion", Scope(ids=("1",)), date(2025, 1, 13),
              date(2025, 1, 19), "add", 30.0, author="olga"),
        Event("E3", "Limit", "purchase_limit", Scope(), date(2025, 1, 13), date(2025, 1, 26),
              "cap", 110.0, author="piet"),
        Event("E4", "Fixed", "other", Scope(ids=("3",)), date(2025, 1, 20), date(2025, 1, 26),
              "set", 60.0, author="olga"),
    ]  # fmt: skip
    applied = apply_events(frame, attributes, events, "StoreType", FREQ)
    frame["system_plan"] = applied["system_plan"].to_numpy()
    return frame, attributes, events


def test_event_grid_rebuilds_the_system_plan_exactly_as_the_system_track():
    frame, attributes, events = events_fixture()
    actuals = frame[["unique_id", "ds"]].assign(y=100.0)
    grid = accuracy.build_grid(frame, actuals, {})
    egrid = EventGrid(grid, attributes, events, FREQ)
    rows = np.ones(len(grid.series), dtype=bool)
    cols = np.ones(len(grid.periods), dtype=bool)
    assert np.allclose(egrid.plan_on(rows, cols, set()), grid.layers["system_plan"])
    for drop in range(len(events)):
        others = [e for i, e in enumerate(events) if i != drop]
        expected = apply_events(frame, attributes, others, "StoreType", FREQ)
        expected_grid = accuracy.build_grid(
            frame.assign(system_plan=expected["system_plan"].to_numpy()), actuals, {}
        ).layers["system_plan"]
        assert np.allclose(egrid.plan_on(rows, cols, {drop}), expected_grid), events[drop]


@pytest.mark.parametrize("days", [(0, 2), (3, 9), (6, 20), (10, 10)])
def test_event_grid_undoes_events_over_part_of_a_week_as_the_system_track_counts_them(days):
    frame, attributes, events = events_fixture()
    first, last = (date(2025, 1, 6) + timedelta(days=d) for d in days)
    events = [replace(e, start=first, end=last) for e in events]
    frame["system_plan"] = apply_events(frame, attributes, events, "StoreType", FREQ)[
        "system_plan"
    ].to_numpy()
    actuals = frame[["unique_id", "ds"]].assign(y=100.0)
    grid = accuracy.build_grid(frame, actuals, {})
    egrid = EventGrid(grid, attributes, events, FREQ)
    everything = (np.ones(len(grid.series), dtype=bool), np.ones(len(grid.periods), dtype=bool))
    assert np.allclose(egrid.plan_on(*everything, set()), grid.layers["system_plan"])
    for drop in range(len(events)):
        others = [e for i, e in enumerate(events) if i != drop]
        expected = apply_events(frame, attributes, others, "StoreType", FREQ)["system_plan"]
        expected_grid = accuracy.build_grid(
            frame.assign(system_plan=expected.to_numpy()), actuals, {}
        ).layers["system_plan"]
        assert np.allclose(egrid.plan_on(*everything, {drop}), expected_grid), events[drop]


def test_each_event_is_scored_by_the_plan_without_it_and_traced_to_its_audit_rows():
    frame, attributes, events = events_fixture()
    actuals = long({"1": [120, 150, 100, 100], "2": [120, 120, 100, 100], "3": [80, 80, 80, 80]})
    grid = accuracy.build_grid(frame, actuals, {})
    audit = [
        accuracy.AuditRef(1, "t1", "piet", "add_event", None, {"event_id": "E1"}),
        accuracy.AuditRef(2, "t2", "olga", "add_event", None, {"event_id": "E2"}),
        accuracy.AuditRef(3, "t3", "piet", "add_event", None, {"event_id": "E3"}),
        accuracy.AuditRef(4, "t4", "olga", "add_event", None, {"event_id": "E4"}),
        accuracy.AuditRef(5, "t5", "olga", "edit_event", {"event_id": "E4"}, {"event_id": "E4"}),
    ]
    explanations = [Explanation("series", "3", date(2025, 1, 20), "other", "fixed", "olga")]
    table = accuracy.touch_table(
        grid, accuracy.EventTouchInput(events, explanations, attributes, FREQ), None, audit
    )
    by_touch = table.set_index("touch")
    e4 = by_touch.loc["E4 Fixed (set 60)"]
    # E4 sets series 3 in week 3 to 60 (cap 110 leaves it): actual 80, baseline 80 -> worse by 20
    assert e4["value_added"] == pytest.approx(-20.0)
    assert e4["made_worse"] and e4["series_periods"] == 1
    assert e4["audit_ids"] == "[4, 5]"
    assert e4["value_added_wape"] == pytest.approx(-20.0 / float(actuals["y"].sum()))
    assert table.iloc[0]["made_worse"]  # made-it-worse list first
    # E1 (+20 % on type a, weeks 1-2; capped at 110 in week 2): without it series 1 week 1 is
    # 100 against 120, with it 120: +20; week 2: 100+30=130 -> cap 110 either way ...
    e1 = by_touch.loc["E1 Promo (percent 20)"]
    without = apply_events(frame, attributes, events[1:], "StoreType", FREQ)["system_plan"]
    with_all = frame["system_plan"]
    merged = frame[["unique_id", "ds"]].merge(actuals, on=["unique_id", "ds"])
    mask = (frame["unique_id"].isin(["1", "2"]) & frame["ds"].isin(WEEKS[:2])).to_numpy()
    y = merged["y"].to_numpy()
    expected = (
        np.abs(y - without.to_numpy())[mask].sum() - np.abs(y - with_all.to_numpy())[mask].sum()
    )
    assert e1["value_added"] == pytest.approx(expected)
    kinds = table[table["touch_type"] == "event kind"].set_index("touch")
    assert "promotion (2 events)" in kinds.index
    planners = table[table["touch_type"] == "planner"].set_index("touch")
    assert set(planners.index) == {"olga (2 events)", "piet (2 events)"}
    code = table[table["touch_type"] == "reason code"].iloc[0]
    assert code["touch"] == "other" and code["value_added"] == pytest.approx(-20.0)


def test_claims_and_assignments_are_scored_by_the_target_without_them():
    frame = plan_frame({"1": [100] * 4, "2": [100] * 4}, {"1": "a", "2": "b"})
    frame["system_plan"] = frame["baseline"]
    # team a: basis 400 + claim 40 + assignment 40 = 480, spread evenly -> 120 a week
    frame["target"] = np.where(frame["team"] == "a", 120.0, 110.0)
    actuals = long({"1": [110] * 4, "2": [100] * 4})
    grid = accuracy.build_grid(frame, actuals, {})
    neg = accuracy.NegotiationTouches(
        targets={"a": 48000, "b": 44000},
        claims=[accuracy.ClaimTouch("a", 4000, "lena")],
        assignments={"a": 4000, "b": 4000},
        rule="even",
        assigned_by="olga",
    )
    audit = [
        accuracy.AuditRef(7, "t7", "lena", "claim", None, {"team": "a", "amount": 4000}),
        accuracy.AuditRef(8, "t8", "carl", "claim", None, {"team": "b", "amount": 0}),
        accuracy.AuditRef(9, "t9", "olga", "assign", None, {"rule": "even"}),
    ]
    table = accuracy.touch_table(grid, None, neg, audit).set_index("touch")
    claim = table.loc["claim of team a (+40.00)"]
    # without the claim team a's weeks are 110 (= actual): error 0 -> with it 40
    assert claim["error_without"] == pytest.approx(0.0)
    assert claim["error_with"] == pytest.approx(40.0)
    assert claim["made_worse"] and claim["who"] == "lena" and claim["audit_ids"] == "[7]"
    rule = table.loc["even"]
    # without assignments: a at 110 (error 0), b at 100 (error 0); with: 40 + 40
    assert rule["value_added"] == pytest.approx(-80.0)
    assert rule["audit_ids"] == "[9]"


@pytest.mark.parametrize(
    ("currency", "add", "cap"),
    [("USD", "add $1,234,567", "cap $110"), (None, "add 1,234,567", "cap 110")],
)
def test_an_event_touch_names_its_amount_in_the_plans_money(currency, add, cap):
    frame, attributes, events = events_fixture()
    events[1] = replace(events[1], value=1234567.0)  # the flyer adds more than 1e6 (no 1.2e+06)
    actuals = long({"1": [120, 150, 100, 100], "2": [120, 120, 100, 100], "3": [80, 80, 80, 80]})
    grid = accuracy.build_grid(frame, actuals, {})

    touches = accuracy.EventTouchInput(events, [], attributes, FREQ, currency=currency)
    labels = set(accuracy.touch_table(grid, touches, None)["touch"])

    assert {f"E2 Flyer ({add})", f"E3 Limit ({cap})", "E1 Promo (percent 20)"} <= labels


def test_a_touch_without_actuals_for_its_cells_is_not_scored_rather_than_scored_zero():
    frame, attributes, events = events_fixture()
    frame["target"] = frame["system_plan"] * 1.1
    # Only the first two weeks arrived, and only for type a: E4 (series 3, week 3) has none.
    actuals = long({"1": [120, 150, None, None], "2": [120, 120, None, None]})
    grid = accuracy.build_grid(frame, actuals, {})
    far = Event("E5", "Later", "other", Scope(ids=("9",)), date(2025, 1, 6), date(2025, 1, 12),
                "percent", 5.0, author="olga")  # fmt: skip
    neg = accuracy.NegotiationTouches(
        targets={"a": 100_000, "b": 40_000},
        claims=[accuracy.ClaimTouch("a", 4000, "lena"), accuracy.ClaimTouch("b", 4000, "carl")],
    )
    touches = accuracy.EventTouchInput([*events, far], [], attributes, FREQ)
    table = accuracy.touch_table(grid, touches, neg).set_index("touch")
    e4, claim_b = table.loc["E4 Fixed (set 60)"], table.loc["claim of team b (+40.00)"]
    for row in (e4, claim_b):
        assert not row["scored"] and row["series_periods"] == 0 and not row["made_worse"]
        assert row["not_scored"] == "no actuals yet for its series and periods"
        for column in ("value_added", "value_added_wape", "error_with", "error_without"):
            assert pd.isna(row[column]), column  # empty, not 0
    later = table.loc["E5 Later (percent 5)"]  # no series of the plan in its scope
    assert not later["scored"] and later["not_scored"] == "it covers no series-period of the plan"
    e1, claim_a = table.loc["E1 Promo (percent 20)"], table.loc["claim of team a (+40.00)"]
    assert e1["scored"] and claim_a["scored"] and pd.isna(e1["not_scored"])
    assert e1["value_added"] == pytest.approx(e1["error_without"] - e1["error_with"])
    assert list(table["scored"])[-3:] == [False, False, False]  # unscored ones come last


def test_mase_scales_equal_the_engines_seasonal_naive_scale_per_series():
    from forecast.engine.metrics import mase_scale
    from forecast.services.accuracy import mase_scales

    rng = np.random.default_rng(1)
    start = pd.Timestamp("2020-01-06")
    rows = [
        {"unique_id": uid, "ds": start + pd.Timedelta(weeks=i), "y": float(rng.integers(0, 50))}
        for uid, n in (("long", 120), ("short", 60), ("tiny", 3))
        for i in range(n)
    ]
    rows += [{"unique_id": "flat", "ds": start + pd.Timedelta(weeks=i), "y": 5.0} for i in range(9)]
    history = pd.DataFrame(rows).sample(frac=1, random_state=2)  # any row order
    scales = mase_scales(history, 52)
    for uid, part in history.sort_values("ds").groupby("unique_id"):
        expected = mase_scale(part["y"].to_numpy(), 52)
        if np.isnan(expected):
            assert np.isnan(scales[uid]), uid
        else:
            assert scales[uid] == pytest.approx(expected), uid


def test_a_value_given_instead_of_the_offer_is_scored_against_the_offer():
    frame, attributes, events = events_fixture()
    # E1: +20 % given where the add-event form offered +5 % (the learned +10 % net of the half
    # of the window the seasonal naive baseline repeats); E3, a cap, offers nothing to compare
    offer = {"effect": "percent", "value": 10.0, "in_baseline": 0.5, "net_value": 5.0}
    events[0] = replace(events[0], suggested=offer)
    events[2] = replace(events[2], suggested={"effect": "percent", "value": 10.0})
    actuals = long({"1": [120, 150, 100, 100], "2": [104, 120, 100, 100], "3": [80, 80, 80, 80]})
    grid = accuracy.build_grid(frame, actuals, {})
    table = accuracy.touch_table(grid, accuracy.EventTouchInput(events, [], attributes, FREQ), None)
    offered = table[table["touch_type"] == "vs suggestion"].set_index("touch")
    assert list(offered.index) == ["E1 Promo: +20.0 % given, +5.0 % offered"]
    row = offered.iloc[0]
    # the system plan rebuilt with E1 at +5 %, by the system track's own rule
    at_offer = apply_events(frame, attributes, [replace(events[0], value=5.0), *events[1:]],
                            "StoreType", FREQ)["system_plan"].to_numpy()  # fmt: skip
    merged = frame[["unique_id", "ds"]].merge(actuals, on=["unique_id", "ds"])
    y, given = merged["y"].to_numpy(), frame["system_plan"].to_numpy()
    cells = (frame["unique_id"].isin(["1", "2"]) & frame["ds"].isin(WEEKS[:2])).to_numpy()
    assert row["series_periods"] == cells.sum()
    assert row["error_without"] == pytest.approx(np.abs(y - at_offer)[cells].sum())
    assert row["error_with"] == pytest.approx(np.abs(y - given)[cells].sum())
    # by hand, given (+20 %) against offered (+5 %), the cap of 110 from week 2 on:
    # week 1: series 1 sold 120 (0 against 15), series 2 sold 104 (16 against 1);
    # week 2: series 1 (+30 added) is capped either way (40, 40), series 2 sold 120 (10, 15)
    assert (row["error_with"], row["error_without"]) == pytest.approx((66.0, 71.0))
    assert (
        row["value_added"] == pytest.approx(5.0) and not row["made_worse"]
    )  # the person was closer
    assert accuracy.offered_value(events[0]) == 5.0
    assert accuracy.offered_value(replace(events[0], value=5.0)) is None  # took the offer


def test_coverage_counts_the_plans_series_and_periods_with_actuals_and_is_provisional_under_half():
    frame = plan_frame(
        {"1": [100] * 4, "2": [100] * 4, "3": [80] * 4}, {"1": "a", "2": "a", "3": "b"}
    )
    grid = accuracy.build_grid(frame, long({"1": [110, 110, None, None]}), {})
    found = accuracy.grid_coverage(grid)
    assert (found.series, found.series_total, found.periods, found.periods_total) == (1, 3, 2, 4)
    assert (found.series_periods, found.series_periods_total) == (2, 12)
    assert found.text() == "scored on 1 of 3 series, 2 of 4 periods"
    assert found.provisional  # 1 of 3 series is under half
    assert found.provisional_because().startswith("provisional: only 1 of 3 series have actuals")
    team_a = accuracy.grid_coverage(grid, grid.team == "a")
    assert team_a.text() == "scored on 1 of 2 series, 2 of 4 periods"
    assert not team_a.provisional and team_a.provisional_because() is None  # half is enough
    one_week = accuracy.build_grid(frame, long({s: [1, None, None, None] for s in "123"}), {})
    assert accuracy.grid_coverage(one_week).provisional_because() == (
        "provisional: only 1 of 4 periods have actuals (under half); the verdict may change as "
        "more arrive"
    )


def test_the_targets_value_added_is_measured_from_the_basis_its_goal_was_set_on():
    """A goal set on the baseline: the target = baseline + claims + assignments, so its value
    added is against the baseline, and an event (which moves only the system plan) does not
    move it; a goal set on the system plan keeps the step from the system plan."""
    frame = plan_frame({"1": [100, 100, 100, 100], "2": [50, 50, 50, 50]}, {"1": "a", "2": "b"})
    frame["target"] = frame["baseline"] * 1.3
    actuals = long({"1": [110, 110, None, None], "2": [40, 60, None, None]})
    added = {}
    for lift in (1.1, 1.5):  # two different events, the same negotiation
        frame["system_plan"] = frame["baseline"] * lift
        grid = accuracy.build_grid(frame, actuals, {"1": 10.0, "2": 5.0}, target_basis="baseline")
        overall = accuracy.layer_table(grid).query("scope == 'overall'").set_index("layer")
        assert overall.loc["target", "step_from"] == "baseline"
        assert overall.loc["system_plan", "step_from"] == "baseline"
        assert pd.isna(overall.loc["baseline", "step_from"])
        # baseline errors 40 / 320, target's 70 / 320
        assert overall.loc["target", "value_added_wape"] == pytest.approx(-30 / 320)
        added[lift] = overall.loc["target", ["value_added_wape", "value_added_mase"]].tolist()
    assert added[1.1] == pytest.approx(added[1.5])  # the event did not move it
    frame["system_plan"] = frame["baseline"] * 1.1
    on_plan = accuracy.build_grid(frame, actuals, {}, target_basis="system_plan")
    overall = accuracy.layer_table(on_plan).query("scope == 'overall'").set_index("layer")
    assert overall.loc["target", "step_from"] == "system_plan"
    assert overall.loc["target", "value_added_wape"] == pytest.approx(-50 / 320)
    with pytest.raises(accuracy.grid.AccuracyError, match="unknown basis"):
        accuracy.build_grid(frame, actuals, {}, target_basis="goal")


def test_claims_and_assignments_name_the_step_from_the_basis_the_goal_was_set_on():
    frame = plan_frame({"1": [100] * 4}, {"1": "a"})
    frame["system_plan"] = frame["baseline"] * 1.2
    frame["target"] = 120.0
    neg = accuracy.NegotiationTouches(
        targets={"a": 48000}, claims=[accuracy.ClaimTouch("a", 4000, "lena")]
    )
    for basis, step in (
        ("baseline", "baseline -> negotiated target"),
        ("system_plan", "system plan -> negotiated target"),
    ):
        grid = accuracy.build_grid(frame, long({"1": [110] * 4}), {}, target_basis=basis)
        assert accuracy.touch_table(grid, None, neg)["step"].tolist() == [step]


def gap_history() -> pd.DataFrame:
    """Weekly sales of two stores over 120 weeks; store "gap" has no rows for 26 weeks of its
    second year, which ingest fills with 0 (Rossmann's stores without the second half of 2014)."""
    rng = np.random.default_rng(3)
    weeks = pd.date_range("2013-01-07", periods=120, freq="W-MON")
    sales = {uid: 1000 + rng.normal(0, 50, len(weeks)).round() for uid in ("gap", "whole")}
    sales["gap"][70:96] = 0.0
    return pd.DataFrame(
        [
            {"unique_id": u, "ds": d, "y": v}
            for u, ys in sales.items()
            for d, v in zip(weeks, ys, strict=True)
        ]
    )


def test_a_history_gap_is_left_out_of_the_mase_scale_as_seasonal_naive_reads_it():
    from forecast.engine.gaps import gap_mask
    from forecast.services.accuracy import mase_scales
    from forecast.services.accuracy_grid import mase_scales_from_history

    history = gap_history()
    y = history.loc[history["unique_id"] == "gap", "y"].to_numpy()
    in_gap = gap_mask(y, 52)
    assert in_gap[70:96].all() and in_gap.sum() == 26
    pairs = ~(in_gap[52:] | in_gap[:-52])  # lag-52 differences touching no gap period
    expected = np.abs(y[52:] - y[:-52])[pairs].mean()
    scales = mase_scales(history.sample(frac=1, random_state=1), 52)
    assert scales["gap"] == pytest.approx(expected)
    assert scales["gap"] < 100  # the gap's zeros counted as sales made it about 1000 / 3
    whole = history.loc[history["unique_id"] == "whole", "y"].to_numpy()
    assert scales["whole"] == pytest.approx(np.abs(whole[52:] - whole[:-52]).mean())
    blob = io.BytesIO()
    history.to_parquet(blob, index=False)
    from_blob = mase_scales_from_history(blob.getvalue(), 52)
    assert from_blob.to_dict() == pytest.approx(scales.to_dict())


def test_a_planner_or_kind_touch_counts_the_events_scored_yet_beside_all_of_them():
    frame, attributes, events = events_fixture()
    first_week_only = long({u: [100, None, None, None] for u in ("1", "2", "3")})
    grid = accuracy.build_grid(frame, first_week_only, {})
    table = accuracy.touch_table(grid, accuracy.EventTouchInput(events, [], attributes, FREQ), None)
    planners = set(table.loc[table["touch_type"] == "planner", "touch"])
    assert planners == {"piet (2 events, 1 scored)", "olga (2 events, 0 scored)"}
    kinds = set(table.loc[table["touch_type"] == "event kind", "touch"])
    assert "promotion (2 events, 1 scored)" in kinds
    assert "other (1 event, 0 scored)" in kinds


def test_given_vs_offered_without_a_value_says_why():
    frame, attributes, events = events_fixture()
    grid = accuracy.build_grid(frame, frame[["unique_id", "ds"]].assign(y=100.0), {})
    table = accuracy.touch_table(grid, accuracy.EventTouchInput(events, [], attributes, FREQ), None)
    assert accuracy.given_vs_offered(table) is None  # no event had a suggestion to differ from
    assert accuracy.given_vs_offered_why_none(table) == "no value was typed instead of a suggestion"
