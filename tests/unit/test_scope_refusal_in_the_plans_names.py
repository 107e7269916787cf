"""The System plan page's scope boxes refuse a malformed scope with the example their placeholder
shows: the plan's own attribute and series ids, not ``StoreType=a`` in a plan of regions."""

from __future__ import annotations

import json

import pandas as pd
import plotly
import pytest

from dashboard.context import DashboardContext
from dashboard.system import events, factors, view
from forecast.services import plan_create, system, system_views
from tests.signin import acting_as

WEEKS = pd.date_range("2024-01-01", periods=30, freq="W-MON")
HORIZON = pd.date_range(WEEKS[-1] + pd.Timedelta(weeks=1), periods=4, freq="W-MON")
REGIONS = {"101": "East", "102": "East", "103": "West", "104": "North"}


@pytest.fixture
def regions(tmp_path):
    """A page context holding a plan of four series with teams by Region (and a Category)."""
    ctx = DashboardContext(data_dir=str(tmp_path / "data"))
    with acting_as(ctx.store, "olga"):
        state = plan_create.create_plan_from_frames(
            ctx.store,
            name="regions",
            history=pd.DataFrame(
                [{"unique_id": u, "ds": ds, "y": 100.0} for u in REGIONS for ds in WEEKS]
            ),
            attributes=pd.DataFrame(
                {
                    "unique_id": list(REGIONS),
                    "Region": list(REGIONS.values()),
                    "Category": ["food", "toys", "food", "toys"],
                }
            ),
            freq="W-MON",
            horizon=len(HORIZON),
            team_attr="Region",
            actor="olga",
            baseline=pd.DataFrame(
                [
                    {"unique_id": u, "ds": ds, "baseline": 100.0, "model": "snaive"}
                    for u in REGIONS
                    for ds in HORIZON
                ]
            ),
        )
        yield ctx, {"plan_id": state.plan_id}
    ctx.store.close()


def said(component) -> str:
    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def test_each_scope_box_refuses_with_the_plans_own_example(regions):
    ctx, session = regions
    plan_id = session["plan_id"]
    shown = view.setup_outputs(system_views.system_setup(ctx.store, plan_id, "olga"))
    assert shown.event_scope_placeholder == "all, Region=East, or ids=101,102"
    start, end = HORIZON[0].date().isoformat(), HORIZON[0].date().isoformat()

    added, _ = events.add_event(
        ctx, 1, session, None, "Flyer", "promotion", "Region", start, end, "percent", "10", "", 0
    )
    hinted, _ = events.suggestion(ctx, "promotion", "Region", start, end, "percent", session)
    marked, _ = factors.mark(
        ctx, 1, "new range", "Category", WEEKS[5].date().isoformat(), None, session, None, 0
    )
    saved = system.add_event(
        ctx.store,
        plan_id,
        "olga",
        name="Flyer",
        kind="promotion",
        scope=system.Scope.parse(["Region=East"]),
        start=start,
        end=end,
        effect="percent",
        value=10.0,
    )
    cell = {"colId": "scope", "data": {"event_id": saved.event.event_id, "scope": "Region"}}
    edited, _ = events.edit_event(ctx, [cell], session, None, 0)

    for refusal in (added, hinted, marked, edited):
        text = said(refusal)
        assert "Type the scope as all, Region=East, or ids=101,102" in text, text
        assert "StoreType" not in text, text
