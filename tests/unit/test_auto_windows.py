"""Where auto's backtest windows are cut without two full seasons before each: where the
history holds none such, and where it holds only one (a single origin swung the choice on the
Walmart sets' 117 weeks); with two or more, every window keeps its two seasons."""

from __future__ import annotations

from forecast.engine.auto import loose_windows


def test_a_history_with_room_for_one_full_window_gets_loose_windows() -> None:
    # 117 weeks: only the window ending at the last week has 104 weeks before it
    assert loose_windows(117, horizon=13, season=52, windows=3)
    assert loose_windows(100, horizon=13, season=52, windows=3)  # none: as before


def test_a_history_with_room_for_two_full_windows_keeps_two_seasons_before_each() -> None:
    assert not loose_windows(130, horizon=13, season=52, windows=3)  # the Walmart suite's
    assert not loose_windows(133, horizon=13, season=52, windows=3)  # the bundled sample
    assert not loose_windows(42, horizon=6, season=12, windows=3)  # Superstore monthly
    assert not loose_windows(72, horizon=8, season=4, windows=6)  # tourism quarterly


def test_a_single_window_asked_for_is_not_loosened() -> None:
    assert not loose_windows(117, horizon=13, season=52, windows=1)
