"""Bad input to the engine: a future flag missing for part of the horizon is refused by name;
constant, all-zero, 3-point series and series that end early are served and named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.baseline import forecast_baseline
from forecast.schema import SchemaError


def weekly(uid: str, y: np.ndarray, start: str = "2021-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(y), freq="W-FRI")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


def regular(uid: str, n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return weekly(uid, 100 + 10 * np.sin(np.arange(n) / 8) + rng.normal(0, 2, n))


def test_a_future_flag_missing_for_part_of_the_horizon_is_named() -> None:
    history = regular("a").assign(promo=0.0)
    history.loc[history.index[::5], "promo"] = 1.0
    last = history["ds"].max()
    future = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range(last, periods=5, freq="W-FRI")[1:], "promo": 1.0}
    )  # 4 of the 6 horizon weeks
    with pytest.raises(SchemaError, match=r"future flag 'promo' is missing for series 'a'") as err:
        forecast_baseline(history, 6, model="snaive", future=future)
    assert "2 of 6 horizon periods" in str(err.value)


def test_a_future_file_without_the_flag_column_uses_the_default() -> None:
    history = regular("a").assign(promo=0.0)
    future = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range(history["ds"].max(), periods=7, freq="W-FRI")[1:]}
    )
    out = forecast_baseline(history, 6, model="snaive", future=future)
    assert len(out) == 6


@pytest.mark.slow  # fits ETS on each series
def test_constant_zero_three_point_and_early_ending_series_are_served_and_named_over_one_horizon() -> (
    None
):
    history = pd.concat(
        [
            regular("normal"),
            weekly("constant", np.full(80, 7.0)),
            weekly("zeros", np.zeros(80)),
            weekly("three", np.array([5.0, 6.0, 7.0]), start="2022-06-03"),
            regular("ended", n=60, seed=3),
        ]
    )
    out = forecast_baseline(history, 4, model="ets")
    label = out.drop_duplicates("unique_id").set_index("unique_id")["model"]
    assert label["normal"] == "ets"
    assert label["constant"] == "naive (constant series)"
    assert label["zeros"] == "zeros"
    assert label["three"].startswith("mean (short series)")
    assert label["ended"].startswith("zeros (ended: no rows after ")
    assert "20 periods before the file's end" in label["ended"]
    # Every series is forecast over the same periods ahead, none over the history's.
    ahead = out.groupby("unique_id")["ds"].apply(tuple)
    assert ahead.nunique() == 1
    assert out["ds"].min() > history["ds"].max()
    constant = out[out["unique_id"] == "constant"]
    assert (constant["baseline"] == 7.0).all()
    assert np.isfinite(out.select_dtypes("number").to_numpy()).all()


@pytest.mark.parametrize("shuffled", [False, True], ids=["sorted file", "shuffled file"])
def test_a_repeated_series_date_is_named_whether_or_not_the_file_is_sorted(shuffled) -> None:
    history = pd.concat([regular("a", n=30), regular("b", n=30)], ignore_index=True)
    history = pd.concat([history, history.iloc[[40]]]).sort_values(["unique_id", "ds"])
    if shuffled:
        history = history.sample(frac=1.0, random_state=4)
    day = regular("b", n=30)["ds"].iloc[10]
    with pytest.raises(SchemaError, match=f"series 'b' on {day:%Y-%m-%d}"):
        forecast_baseline(history, 4, model="snaive")


def test_forecasting_leaves_the_callers_history_as_it_was() -> None:
    history = pd.concat([regular("a", n=30), regular("b", n=30)], ignore_index=True)
    history["unique_id"] = history["unique_id"].map({"a": 7, "b": 8})  # ids as numbers
    history["ds"] = history["ds"].dt.strftime("%Y-%m-%d")  # dates as text
    before = history.copy()
    out = forecast_baseline(history, 4, model="snaive")
    pd.testing.assert_frame_equal(history, before)
    assert out["unique_id"].drop_duplicates().tolist() == ["7", "8"]
