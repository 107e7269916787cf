"""A plan made with seasonal naive on a short history: under one season the baseline repeats the
last value, the model column says so, and an event's suggestion is not netted against a
year-before copy the baseline never made; from one season up it copies the year before, and the
suggestion is netted against it."""

from __future__ import annotations

import pandas as pd

from forecast.services import plan_create, plan_standing, system
from forecast.services.store_factory import open_store
from forecast.services.types import Scope
from tests.fixtures import SIX_STORES

TYPE_A = Scope(attributes={"StoreType": ("a",)})


def _plan(tmp_path, rossmann_train, rossmann_stores, since: str):
    daily = pd.read_csv(rossmann_train)
    short = daily[daily["Store"].isin(SIX_STORES) & (daily["Date"] >= since)]
    source = tmp_path / f"six_stores_since_{since}.csv"
    short.to_csv(source, index=False)
    store = open_store(data_dir=tmp_path / "data")
    state = plan_create.create_plan(
        store, name="short", source=source, attributes_file=rossmann_stores, freq="W",
        horizon=13, team_attr="StoreType", actor="olga", model="snaive",
    )  # fmt: skip
    dates = [d.date().isoformat() for d in system.horizon_dates(store, state)]
    start, end = dates[0], (pd.Timestamp(dates[2]) + pd.Timedelta(days=6)).date().isoformat()
    return store, state, start, end


def test_a_plan_on_under_one_season_takes_the_full_uplift_as_nothing_was_copied(
    tmp_path, rossmann_train, rossmann_stores
):
    store, state, start, end = _plan(tmp_path, rossmann_train, rossmann_stores, "2014-09-01")
    served = plan_standing.series_models(store, state)
    assert served and all(
        label.startswith("naive (fallback: snaive needs one season of history, 52 periods)")
        for label in served.values()
    )
    uplift, already = system.event_suggestion(store, state.plan_id, "promotion", TYPE_A, start, end)
    # the baseline copied no week of a year before
    assert uplift is not None and already is None
    saved = system.add_event(
        store, state.plan_id, "olga", name="Flyer", kind="promotion", scope=TYPE_A,
        start=start, end=end, use_suggestion=True,
    )  # fmt: skip
    assert saved.event.value == uplift.value
    store.close()


def test_a_plan_on_one_to_two_seasons_nets_the_uplift_against_the_year_before_it_copied(
    tmp_path, rossmann_train, rossmann_stores
):
    # 82 weeks: seasonal naive copies the weeks a year before, some of which had promotions
    store, state, start, end = _plan(tmp_path, rossmann_train, rossmann_stores, "2014-01-06")
    served = plan_standing.series_models(store, state)
    assert served and all(label.startswith("snaive") for label in served.values())
    uplift, already = system.event_suggestion(store, state.plan_id, "promotion", TYPE_A, start, end)
    assert uplift is not None and already is not None
    assert 0 < already.share <= 1 and already.new_value < uplift.value
    store.close()
