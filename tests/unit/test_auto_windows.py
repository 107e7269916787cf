"""Where auto's backtest windows are cut without two full seasons before each: where the
history holds none such, and where it holds only one (a single origin swung the choice on the
Walmart sets' 117 weeks); with two or more, every window keeps its two seasons. Where a window
of at least half the horizon has room after two seasons, but none of the whole, that one window
is cut instead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.auto import loose_windows, short_window


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


def test_a_history_two_seasons_and_half_a_horizon_long_gets_one_shorter_full_window() -> None:
    assert short_window(27, horizon=6, season=12) == 3  # Walmart's stores summed by month
    assert short_window(30, horizon=6, season=12) is None  # a whole window has room
    assert short_window(25, horizon=6, season=12) is None  # one month judges a half-year poorly
    assert short_window(111, horizon=13, season=52) == 7
    assert short_window(100, horizon=13, season=52) is None  # loose windows, as before


@pytest.mark.slow
def test_auto_backtests_27_months_on_the_last_3_after_two_full_years() -> None:
    from forecast.engine.auto import select_strategy
    from forecast.engine.baseline import prepare_tasks
    from forecast.engine.runner import LocalRunner

    class Recording(LocalRunner):
        def __init__(self) -> None:
            super().__init__(1)
            self.items: list[object] = []

        def map(self, fn, items):  # type: ignore[no-untyped-def]
            self.items += list(items)
            return super().map(fn, items)

    rng = np.random.default_rng(3)
    months = pd.date_range("2019-01-01", periods=27, freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(27) / 12)
    frame = pd.concat(
        pd.DataFrame({"unique_id": f"s{k}", "ds": months, "y": 100 * season + rng.normal(0, 3, 27)})
        for k in range(8)
    )
    tasks = prepare_tasks(frame, 6, freq="MS", levels=(80,), model="auto")
    runner = Recording()
    selection = select_strategy(tasks, runner)
    cuts = [item[0] for item in runner.items if isinstance(item, tuple)]
    assert cuts and {(len(c.y), c.horizon) for c in cuts} == {(24, 3)}
    # its 8 series x 3 months size the intervals: the window has the fits' two seasons
    assert selection.interval_scale.calibrated and selection.interval_scale.residuals == 24
