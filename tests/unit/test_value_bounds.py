"""Sales values are bounded where they enter, so minor units never overflow and totals stay exact."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from forecast import bounds
from forecast.engine.ingest import IngestError, read_sales
from forecast.services import negotiation
from forecast.services.errors import Invalid
from forecast.store import MemoryStore
from tests.unit.test_services_negotiation import weekly_team_plan


def _csv(values: list[str]) -> bytes:
    dates = pd.date_range("2024-01-05", periods=len(values), freq="W-FRI")
    lines = ["store,date,sales"] + [f"1,{d.date()},{v}" for d, v in zip(dates, values, strict=True)]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("huge", ["1e17", "1e308", "-2000000000000"])
def test_ingest_refuses_a_value_beyond_the_bound_naming_row_and_column(huge: str) -> None:
    with pytest.raises(IngestError) as err:
        read_sales(_csv(["10", "20", huge, "30"]), filename="sales.csv")
    problems = err.value.problems
    assert [(p.row, p.column) for p in problems] == [(4, "sales")]
    assert "beyond the largest sales value accepted" in problems[0].message


def test_ingest_accepts_values_just_inside_the_bound() -> None:
    near = "999999999999.99"
    result = read_sales(_csv([near, near, "-" + near, near]), filename="sales.csv")
    assert result.history["y"].max() == pytest.approx(999999999999.99)


def _frames(value: float, series: int = 40, weeks: int = 60, horizon: int = 4):
    ids = [f"s{i}" for i in range(series)]
    dates = pd.date_range("2023-01-06", periods=weeks, freq="W-FRI")
    future = pd.date_range(dates[-1] + pd.Timedelta(weeks=1), periods=horizon, freq="W-FRI")
    history = pd.DataFrame(
        [(u, d, value) for u in ids for d in dates], columns=["unique_id", "ds", "y"]
    )
    base = pd.DataFrame([(u, d) for u in ids for d in future], columns=["unique_id", "ds"])
    base["baseline"] = value - np.arange(len(base)) * 0.01  # distinct cents near the bound
    for lv in (80, 95):
        base[f"baseline-lo-{lv}"] = base["baseline"] * 0.9
        base[f"baseline-hi-{lv}"] = base["baseline"] * 1.1
    base["model"] = "snaive"
    attributes = pd.DataFrame({"unique_id": ids, "Team": [f"t{i % 3}" for i in range(series)]})
    return history, attributes, base


def test_a_plan_near_the_value_bound_keeps_ledger_totals_exact_to_the_cent() -> None:
    # Ten-week totals of 40 series near 1e12 a week: 1.6e14 in all, 1.6e16 cents.
    history, attributes, base = _frames(999_999_999_999.99, weeks=10)
    store = MemoryStore()
    state = weekly_team_plan(store, (history, attributes, base), name="big", horizon=4)
    negotiation.set_goal(store, state.plan_id, "olga", ratio="1.1")
    ledger = negotiation.ledger(store, state.plan_id).set_index("team")
    exact = sum(Decimal(f"{v:.2f}") * 100 for v in base["baseline"])
    assert ledger.loc["TOTAL", "baseline_minor"] == int(exact)
    teams = ledger.drop(index="TOTAL")
    assert int(teams["target_minor"].sum()) == int(ledger.loc["TOTAL", "target_minor"])
    plan = negotiation.negotiated_plan(store, state.plan_id)
    assert int(plan["target_minor"].astype(object).sum()) == int(
        ledger.loc["TOTAL", "target_minor"]
    )


@pytest.mark.parametrize("huge", [1e17, 1e308])
def test_plan_creation_refuses_frames_beyond_the_bound(huge: float) -> None:
    history, attributes, base = _frames(100.0)
    base.loc[5, "baseline"] = huge
    with pytest.raises(Invalid, match="beyond the largest value accepted"):
        weekly_team_plan(MemoryStore(), (history, attributes, base), name="big", horizon=4)


def test_plan_creation_refuses_a_total_that_would_not_stay_exact_in_cents() -> None:
    history, attributes, base = _frames(9e11, series=200, weeks=60)
    with pytest.raises(Invalid, match="exact to the cent"):
        weekly_team_plan(MemoryStore(), (history, attributes, base), name="big", horizon=4)
    assert bounds.MAX_ABS_VALUE * 100 < 2**53


@pytest.mark.parametrize(
    ("effect", "value", "words"),
    [
        ("percent", 1e308, "beyond the largest accepted"),
        ("percent", 10_001, "a hundredfold"),
        ("add", 1e15, "beyond the largest accepted"),
        ("set", 1e300, "beyond the largest accepted"),
        ("cap", 2e12, "beyond the largest accepted"),
    ],
)
def test_an_event_value_beyond_the_bound_is_refused_and_nothing_is_saved(
    effect: str, value: float, words: str
) -> None:
    from forecast.services import system

    store = MemoryStore()
    state = weekly_team_plan(store, _frames(100.0, series=4, weeks=60), name="p", horizon=4)
    with pytest.raises(Invalid, match=words):
        system.add_event(
            store,
            state.plan_id,
            "olga",
            name="Too big",
            kind="promotion",
            start="2024-03-01",
            end="2024-03-22",
            effect=effect,
            value=value,
        )
    assert system.list_events(store, state.plan_id) == []


def test_events_that_compound_beyond_the_bound_are_refused_by_what_they_would_make() -> None:
    from forecast.services import system

    store = MemoryStore()
    state = weekly_team_plan(store, _frames(2e9, series=4, weeks=60), name="p", horizon=4)
    window = {"start": "2024-03-01", "end": "2024-03-22", "kind": "promotion"}
    system.add_event(
        store, state.plan_id, "olga", name="x100", effect="percent", value=9_900, **window
    )
    with pytest.raises(Invalid, match="would be planned at .*events compound"):
        system.add_event(
            store, state.plan_id, "olga", name="x100 again", effect="percent", value=9_900, **window
        )
    (kept,) = system.list_events(store, state.plan_id)
    with pytest.raises(Invalid, match="would be planned at"):
        system.edit_event(
            store, state.plan_id, "olga", kept.event_id, effect="add", value=999_999e6
        )
    plan = system.system_plan(store, state.plan_id, level="total")
    assert float(plan["system_plan"].max()) <= bounds.MAX_ABS_VALUE


def test_a_horizon_past_the_bound_is_refused_before_anything_is_fitted() -> None:
    """A monthly horizon of 100,000 periods ran past the year 2262 and failed inside pandas
    with an internal error; now the baseline, the backtest and the plan refuse it by name."""
    from forecast.engine.backtest import backtest
    from forecast.engine.baseline import SchemaError, forecast_baseline

    history, attributes, _ = _frames(100.0, series=2)
    too_far = bounds.MAX_HORIZON + 1
    with pytest.raises(SchemaError, match=f"more than the {bounds.MAX_HORIZON:,} allowed"):
        forecast_baseline(history, freq="W-FRI", horizon=too_far, model="snaive")
    with pytest.raises(SchemaError, match="plan fewer periods"):
        backtest(history, freq="W-FRI", horizon=100_000, models=["snaive"])
    with pytest.raises(Invalid, match="plan fewer periods"):
        weekly_team_plan(MemoryStore(), _frames(100.0, series=2), name="far", horizon=too_far)
    assert bounds.horizon_problem(bounds.MAX_HORIZON) is None
