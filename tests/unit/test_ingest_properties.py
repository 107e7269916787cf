"""Properties of the regular calendar on generated panels (hypothesis)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forecast.engine.ingest import read_sales

FREQS = {"D": "D", "W": "W-FRI", "M": "MS"}


@st.composite
def panels(draw):
    step = draw(st.sampled_from(sorted(FREQS)))
    calendar = pd.date_range("2021-01-01", periods=40, freq=FREQS[step])
    rows = []
    for sid in range(draw(st.integers(1, 4))):
        picked = draw(st.lists(st.integers(0, 39), min_size=1, max_size=12))
        for i in picked:  # repeats are duplicates, missing indexes are gaps
            value = draw(st.floats(-50, 1000, allow_nan=False).map(lambda x: round(x, 2)))
            rows.append((f"S{sid}", calendar[i], value, draw(st.integers(0, 1))))
    frame = pd.DataFrame(rows, columns=["store", "date", "sales", "promo"])
    return step, frame


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels())
# Two month starts that are both Fridays, read weekly: the weeks start on Friday (was Monday).
@example(
    (
        "W",
        pd.DataFrame(
            {
                "store": ["S0", "S0"],
                "date": pd.to_datetime(["2021-01-01", "2021-10-01"]),
                "sales": [1.0, 2.0],
                "promo": [0, 1],
            }
        ),
    )
)
def test_calendar_keeps_every_unit_and_every_period(panel):
    step, frame = panel
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False, date_format="%Y-%m-%d")
    result = read_sales(buffer.getvalue(), filename="p.csv", freq=step)

    h = result.history
    assert not h.duplicated(["unique_id", "ds"]).any()
    assert np.isclose(h.y.sum(), frame.sales.sum())
    assert set(h.unique_id) == set(frame.store)
    for uid, group in h.groupby("unique_id"):
        source = frame[frame.store == uid]
        assert group.ds.min() == source.date.min() and group.ds.max() == source.date.max()
        expected = pd.date_range(source.date.min(), source.date.max(), freq=FREQS[step])
        assert list(group.ds) == list(expected)  # contiguous, one row per period
        assert group.promo.max() == source.promo.max()
    assert result.report.missing_periods_filled == len(h) - frame.groupby(["store", "date"]).ngroups
    assert result.report.duplicates_summed == len(frame) - frame.groupby(["store", "date"]).ngroups
