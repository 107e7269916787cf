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


# -- damaged files -------------------------------------------------------------------------------

DAMAGE_BASES = (
    "store,date,sales\nA,2024-01-01,10\nA,2024-01-08,11\nA,2024-01-15,12\n"
    "B,2024-01-01,5\nB,2024-01-08,6\nB,2024-01-15,7\n",
    "Region,Store,2024-01,2024-02,2024-03\nNorth,1,10,20,30\nSouth,2,1,2,3\n",
    "sku;date;sales\nA;01.02.2024;1.234,50\nA;01.03.2024;2.000,00\nA;01.04.2024;7,25\n",
    'sku,date,sales,promo\nA,2024-01-05,"$1,234.00",1\nA,2024-01-12,"$1,100.50",0\n'
    "A,2024-01-19,$900,1\n",
)
DAMAGE = [*",;\t\n\"'$€.-+0123456789 :eE%()/", "\r\n", "NaN", "inf", "1e308", "2024-13-01",
          "\ufeff", "Grand Total", ",,", "1,234", "2024-1"]  # fmt: skip


@st.composite
def damaged_files(draw) -> bytes:
    """A sales file with a few characters or tokens inserted, deleted or replaced: a header
    wider than its rows, a broken date, a stray separator or quote, two columns of one month."""
    text = list(draw(st.sampled_from(DAMAGE_BASES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(("insert", "delete", "replace")))
        if edit == "insert" or not text:
            text.insert(at, draw(st.sampled_from(DAMAGE)))
        elif edit == "delete":
            del text[min(at, len(text) - 1)]
        else:
            text[min(at, len(text) - 1)] = draw(st.sampled_from(DAMAGE))
    return "".join(text).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_files())
@example(b"Region,Store,2024-01,2024-02,2024-03,x\nNorth,1,10,20,30\nSouth,2,1,2,3\n")
@example(b"sku;date;sales\nA;01.02.2024;1.234,50\nA;2.000:00;2.000,00\nA;01.04.2024;7,25\n")
def test_a_damaged_file_is_read_or_refused_with_its_problems_never_an_internal_error(raw):
    """Found by feeding the reader such files: an IndexError (a key column no row fills) and
    pandas' OutOfBoundsDatetime (a clock time read as year 1) reached the user as internal
    errors."""
    from forecast.engine.ingest import IngestError

    try:
        result = read_sales(raw, filename="damaged.csv")
    except IngestError as refused:
        assert refused.problems and all(p.file == "damaged.csv" and p.fix for p in refused.problems)
    else:
        assert list(result.history.columns[:3]) == ["unique_id", "ds", "y"]
