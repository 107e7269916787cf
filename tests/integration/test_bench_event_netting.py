"""Smoke test of benchmarks/bench_event_netting.py on the bundled Rossmann sample: plans made
through the services, offers from the add-event form's service, no timing assertions."""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks.bench_event_netting import SETS, run_set

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def test_promotion_weeks_get_the_uplift_net_of_what_seasonal_naive_repeats():
    result = run_set(SAMPLE_DATA, SETS["rossmann"], cycles=1, horizon=4)
    assert result["series-weeks"] == 100 * 4 and result["event weeks"] >= 1
    # the offer never exceeds the learned uplift it comes from
    assert 0 <= result["mean net %"] <= result["mean full %"]
    assert all(math.isfinite(result[key]) for key in ("baseline", "full uplift", "net uplift"))
