"""A plan made with seasonal naive on under two seasons of history: the baseline repeats the last
value, the model column says so, and an event's suggestion is not netted against a year-before
copy the baseline never made."""

from __future__ import annotations

import pandas as pd

from forecast.services import plans, system
from forecast.services.store_factory import open_store
from forecast.services.types import Scope
from tests.fixtures import SIX_STORES

TYPE_A = Scope(attributes={"StoreType": ("a",)})


def test_a_plan_on_under_two_seasons_takes_the_full_uplift_as_nothing_was_copied(
    tmp_path, rossmann_train, rossmann_stores
):
    daily = pd.read_csv(rossmann_train)
    short = daily[daily["Store"].isin(SIX_STORES) & (daily["Date"] >= "2014-01-06")]
    source = tmp_path / "six_stores_since_2014.csv"
    short.to_csv(source, index=False)
    store = open_store(data_dir=tmp_path / "data")
    state = plans.create_plan(
        store, name="short", source=source, attributes_file=rossmann_stores, freq="W",
        horizon=13, team_attr="StoreType", actor="olga", model="snaive",
    )  # fmt: skip
    served = plans.series_models(store, state)
    assert served and all(
        label.startswith("naive (fallback: snaive needs two seasons of history, 104 periods)")
        for label in served.values()
    )
    dates = [d.date().isoformat() for d in system.horizon_dates(store, state)]
    start, end = dates[0], (pd.Timestamp(dates[2]) + pd.Timedelta(days=6)).date().isoformat()
    uplift, already = system.event_suggestion(store, state.plan_id, "promotion", TYPE_A, start, end)
    # the weeks a year before had promotions, but the baseline copied none of them
    assert uplift is not None and already is None
    saved = system.add_event(
        store, state.plan_id, "olga", name="Flyer", kind="promotion", scope=TYPE_A,
        start=start, end=end, use_suggestion=True,
    )  # fmt: skip
    assert saved.event.value == uplift.value
    store.close()
