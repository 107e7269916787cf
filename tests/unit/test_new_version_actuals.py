"""A new version of a plan starts without the actuals uploaded to the version before it, which
they still score: asked to score the new version, the refusal names the version that keeps them."""

from __future__ import annotations

import pytest
from test_actuals_scale import as_csv, forecast_times, make_plan

from forecast.services import accuracy, actuals, plans
from forecast.services.errors import NotFound
from forecast.store import MemoryStore


def test_scoring_a_new_version_without_actuals_names_the_earlier_version_that_keeps_them():
    store = MemoryStore()
    first = make_plan(store)
    weeks = forecast_times(store, first, 1.1)
    actuals.upload_actuals(store, first, as_csv(weeks), filename="a.csv", actor="olga")
    second = plans.new_version(store, first, "olga").plan_id

    with pytest.raises(NotFound) as refused:
        accuracy.fva(store, second)

    said = str(refused.value)
    assert f"plan {second} has no actuals yet" in said
    assert f"new version of plan {first}" in said
    assert actuals.earlier_version_with_actuals(store, second).plan_id == first
    assert actuals.earlier_version_with_actuals(store, first) is None  # it keeps its own
