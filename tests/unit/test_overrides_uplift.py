"""Learned uplift of history flags (engine/uplift.py): promo and holiday effects with a range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.uplift import flag_for_kind, learned_uplift, series_uplift


def history_with_promo(lifts: dict[str, float], n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    weeks = pd.date_range("2024-01-01", periods=n, freq="W-MON")
    rows = []
    for uid, lift in lifts.items():
        for i, ds in enumerate(weeks):
            promo = float(i % 3 == 0)
            level = 1000.0 + 2.0 * i  # a trend the counterfactual must follow
            rows.append(
                {
                    "unique_id": uid,
                    "ds": ds,
                    "Promo": promo,
                    "StateHoliday": 0.0,
                    "y": level * (1 + lift * promo) * rng.uniform(0.98, 1.02),
                }
            )
    return pd.DataFrame(rows)


def test_flags_are_matched_to_event_kinds_by_name():
    flags = ["Open", "Promo", "StateHoliday", "SchoolHoliday"]
    assert flag_for_kind(flags, "promotion") == "Promo"
    assert flag_for_kind(flags, "festival") == "StateHoliday"
    assert flag_for_kind(flags, "purchase_limit") is None
    assert flag_for_kind(["Holiday_Flag"], "festival") == "Holiday_Flag"


def test_series_uplift_recovers_the_planted_lift():
    per_series = series_uplift(history_with_promo({"1": 0.3, "2": 0.1}), "Promo")
    ratios = dict(zip(per_series["unique_id"], per_series["ratio"], strict=True))
    assert ratios["1"] == pytest.approx(1.3, abs=0.03)
    assert ratios["2"] == pytest.approx(1.1, abs=0.03)


def test_learned_uplift_gives_a_median_with_a_range_and_segments():
    lifts = {str(i): 0.1 + 0.05 * i for i in range(8)}  # 10 % .. 45 %
    history = history_with_promo(lifts)
    attributes = pd.DataFrame({"unique_id": list(lifts), "Type": ["a"] * 4 + ["b"] * 4})
    uplift = learned_uplift(history, attributes, "promotion", ["Promo"], segment_attr="Type")
    assert uplift is not None and uplift.flag == "Promo" and uplift.effect == "percent"
    assert uplift.value == pytest.approx(27.5, abs=2.0)
    assert uplift.low < uplift.value < uplift.high
    assert uplift.low == pytest.approx(13.5, abs=3) and uplift.high == pytest.approx(41.5, abs=3)
    by_segment = {s.segment: s for s in uplift.segments}
    assert by_segment["a"].value < by_segment["b"].value and by_segment["a"].n_series == 4
    only_b = learned_uplift(
        history, attributes, "promotion", ["Promo"], series=["4", "5", "6", "7"]
    )
    assert only_b is not None and only_b.n_series == 4 and only_b.value > uplift.value


def test_no_flag_or_no_flagged_history_gives_no_suggestion():
    history = history_with_promo({"1": 0.3})
    attributes = pd.DataFrame({"unique_id": ["1"]})
    assert learned_uplift(history, attributes, "purchase_limit", ["Promo"]) is None
    assert learned_uplift(history, attributes, "festival", ["Promo", "StateHoliday"]) is None


def test_a_holiday_is_not_measured_as_the_promotion_it_falls_without():
    # Promotions every other week lift sales by 40 %; holidays (-5 %) fall in weeks without a
    # promotion, as Rossmann's mostly do. Against all nearby weeks the holiday would read as
    # about -30 %; against nearby weeks without a promotion it reads as what it is.
    rng = np.random.default_rng(5)
    weeks = pd.date_range("2024-01-01", periods=104, freq="W-MON")
    rows = []
    for uid in ("1", "2", "3"):
        for i, ds in enumerate(weeks):
            promo = float(i % 2 == 0)
            holiday = float(i % 2 == 1 and i % 8 == 3)
            lift = 1.4 if promo else 1.0
            y = 1000.0 * lift * (0.95 if holiday else 1.0) * rng.uniform(0.99, 1.01)
            rows.append(
                {"unique_id": uid, "ds": ds, "Promo": promo, "StateHoliday": holiday, "y": y}
            )
    history = pd.DataFrame(rows)
    uplift = learned_uplift(history, pd.DataFrame(), "festival", ["Promo", "StateHoliday"])
    assert uplift is not None and uplift.flag == "StateHoliday"
    assert uplift.value == pytest.approx(-5.0, abs=1.5)
    # and the promotion is learned against nearby weeks without a holiday
    promotion = learned_uplift(history, pd.DataFrame(), "promotion", ["Promo", "StateHoliday"])
    assert promotion is not None and promotion.value == pytest.approx(40.0, abs=2.0)
