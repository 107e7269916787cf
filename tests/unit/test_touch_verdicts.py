"""The Accuracy page's touch table and `forecast plan fva` say a touch's verdict as its value
added reads beside it (a change that rounds to 0.00 pts is no change, not "made it worse"), and
the error it reduced is an amount in the plan's currency; the waterfall colours a step so too."""

from __future__ import annotations

import pandas as pd
import pytest
from test_actuals_order_lines import monthly_plan, order_lines
from test_actuals_scale import as_csv, forecast_times
from typer.testing import CliRunner

from dashboard import components, figures_accuracy
from dashboard.pages import accuracy as accuracy_page
from forecast.cli import app
from forecast.overrides import Scope
from forecast.services import accuracy, actuals, system
from forecast.store import MemoryStore
from tests.signin import acting_as


def touch(value_added_wape: float, value_added: float) -> dict:
    return {
        "touch_type": "event", "touch": "E1 Lift", "who": "piet",
        "made_worse": value_added < -1e-9, "value_added_wape": value_added_wape,
        "value_added": value_added, "series_periods": 4, "audit": "#3", "scored": True,
        "not_scored": None,
    }  # fmt: skip


def test_a_touch_whose_value_added_rounds_to_zero_points_reads_no_change_not_worse():
    touches = pd.DataFrame(
        [touch(-0.0123, -1230.0), touch(-0.00004, -2.0), touch(0.00004, 2.0), touch(0.0001, 10.0)]
    )

    verdicts = [row["verdict"] for row in accuracy_page.touch_rows(touches, "USD")]

    assert verdicts == ["made it worse", "no change", "no change", "helped"]


def test_error_reduced_is_an_amount_in_the_plans_currency():
    (row,) = accuracy_page.touch_rows(pd.DataFrame([touch(-0.00004, -2.0)]), "USD")
    grid = find(accuracy_page.layout(None), "acc-touches-grid")
    (column,) = [c for c in grid.columnDefs if c["field"] == "value_added"]

    assert row["cur"] == "$" and row["value_added"] == -2.0
    assert column["valueFormatter"] == components.grid_money(2, signed=True)


def find(component, wanted: str):
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = find(child, wanted)
            if found is not None:
                return found
    return None


def test_a_waterfall_step_that_reads_zero_points_is_coloured_as_no_change():
    layers = pd.DataFrame(
        [
            {"layer": "baseline", "label": "Baseline", "wape": 0.20},
            {"layer": "system_plan", "label": "System plan (events)", "wape": 0.2000001},
            {"layer": "target", "label": "Negotiated target", "wape": 0.18},
        ]
    )

    bar = figures_accuracy.fva_waterfall(layers).data[0]

    assert bar.text[1] == "+0.00 pts FVA"
    assert bar.marker.color[1] == figures_accuracy.NO_CHANGE_COLOUR
    assert bar.marker.color[3] == figures_accuracy.UP_COLOUR  # 20.00 % -> 18.00 %


# -- a plan whose one event moved its error by a few dollars ----------------------------------


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan(store: MemoryStore) -> str:
    """Actuals equal to the baseline, and an event of +0.01 % on the West: it makes the forecast
    worse, by a few dollars of some 70,000."""
    plan = monthly_plan(store, order_lines("2019-07-01", "2021-06-30"))
    actuals.upload_actuals(
        store, plan, as_csv(forecast_times(store, plan, 1.0)), filename="a.csv", actor="olga"
    )
    system.add_event(
        store, plan, "olga", name="Lift", kind="promotion", scope=Scope({"Region": ["West"]}),
        start="2021-07-01", end="2021-07-31", effect="percent", value=0.01, reason="flyer",
    )  # fmt: skip
    return plan


def test_the_page_and_the_cli_call_a_few_dollars_worse_no_change_beside_zero_points(
    store, plan, monkeypatch
):
    report = accuracy.fva(store, plan)
    event = report.touches[report.touches["touch_type"] == "event"].iloc[0]
    assert event["made_worse"] and -10 < event["value_added"] < 0  # worse by a few dollars
    ctx = type("Ctx", (), {"store": store})()
    monkeypatch.setattr("forecast.cli.accuracy_cmds.open_plan_store", lambda *a, **k: store)

    with acting_as(store, "olga"):
        rows = accuracy_page.render(ctx, {"plan_id": plan}, "overall")[2]
    printed = CliRunner().invoke(app, ["plan", "fva", plan])

    (row,) = [r for r in rows if r["touch_type"] == "event"]
    assert row["verdict"] == "no change" and row["cur"] == "$"
    assert printed.exit_code == 0, printed.output
    (line,) = [x for x in printed.output.splitlines() if "E1 Lift" in x]
    assert not line.startswith("WORSE") and "0.00 pts" in line


def test_touches_list_those_that_made_it_worse_then_those_that_helped_then_no_change(store, plan):
    # the +0.01 % event reads 0.00 pts: it comes after a touch that made the forecast worse by
    # points one can see, not between it and a touch that helped
    for name, value in (("Flyer", 20.0), ("Markdown", -20.0)):
        system.add_event(
            store, plan, "olga", name=name, kind="promotion", scope=Scope({"Region": ["East"]}),
            start="2021-08-01", end="2021-08-31", effect="percent", value=value, reason="flyer",
        )  # fmt: skip
    report = accuracy.fva(store, plan)
    rank = {"made it worse": 0, "helped": 1, "no change": 2}

    verdicts = [accuracy.touch_verdict(row) for row in report.touches.to_dict("records")]

    assert verdicts == sorted(verdicts, key=rank.__getitem__), verdicts
    assert {"made it worse", "no change"} <= set(verdicts)
