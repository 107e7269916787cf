"""Daily rows summed into weeks or months: a period the file covers only in part is left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.engine.ingest import read_sales


def _daily_csv(start: str, end: str) -> bytes:
    days = pd.date_range(start, end, freq="D")
    frame = pd.DataFrame({"Store": 1, "Date": days.strftime("%Y-%m-%d"), "Sales": 10.0})
    return frame.to_csv(index=False).encode()


def test_partial_last_week_is_left_out_and_reported() -> None:
    # 2024-01-01 is a Monday; the data stops on Wednesday 2024-01-24.
    result = read_sales(_daily_csv("2024-01-01", "2024-01-24"), filename="s.csv", freq="W")
    assert result.freq == "W-MON"
    assert list(result.history["ds"].dt.strftime("%Y-%m-%d")) == [
        "2024-01-01",
        "2024-01-08",
        "2024-01-15",
    ]
    assert np.allclose(result.history["y"], 70.0)
    assert any("last W-MON period (starting 2024-01-22)" in n for n in result.report.notes)


def test_partial_first_month_is_left_out() -> None:
    result = read_sales(_daily_csv("2024-01-15", "2024-03-31"), filename="s.csv", freq="M")
    assert list(result.history["ds"].dt.strftime("%Y-%m")) == ["2024-02", "2024-03"]
    assert any("first M period" in n for n in result.report.notes)


def test_complete_weeks_are_all_kept() -> None:
    result = read_sales(_daily_csv("2024-01-01", "2024-01-28"), filename="s.csv", freq="W")
    assert len(result.history) == 4
    assert not any("partly covered" in n for n in result.report.notes)


def test_native_weekly_data_keeps_its_last_week() -> None:
    weeks = pd.date_range("2024-01-05", periods=10, freq="W-FRI")
    frame = pd.DataFrame({"Store": 1, "Date": weeks.strftime("%Y-%m-%d"), "Sales": 5.0})
    result = read_sales(frame.to_csv(index=False).encode(), filename="w.csv")
    assert len(result.history) == 10


def test_the_reader_marks_exactly_the_cells_it_filled_not_a_row_of_zero_sales() -> None:
    """A week with no row inside a series is filled with 0 and marked; a row of 0 (a shut shop)
    is not; the marks follow the history's rows when a partial edge week is left out."""
    days = pd.date_range("2024-01-01", "2024-02-07", freq="D")  # the last week is partial
    rows = [{"Store": 1, "Date": d, "Sales": 10.0} for d in days]
    rows += [  # store 2: no row in the week of 2024-01-15, a week of zeros on 2024-01-22
        {"Store": 2, "Date": d, "Sales": 0.0 if d.isocalendar().week == 4 else 5.0}
        for d in days
        if d.isocalendar().week != 3
    ]
    csv = pd.DataFrame(rows).assign(Date=lambda f: f["Date"].dt.strftime("%Y-%m-%d"))
    result = read_sales(csv.to_csv(index=False).encode(), filename="s.csv", freq="W")
    history = result.history.assign(filled=result.filled)
    assert result.filled is not None and result.filled.index.equals(result.history.index)
    marked = history.loc[history["filled"], ["unique_id", "ds"]]
    assert marked.astype(str).values.tolist() == [["2", "2024-01-15"]]
    zero = history[(history["unique_id"] == "2") & (history["ds"] == "2024-01-22")]
    assert zero["y"].tolist() == [0.0] and not zero["filled"].any()
    assert "2024-02-05" not in set(history["ds"].dt.strftime("%Y-%m-%d"))  # partial, left out


def _order_lines(start: str, end: str, quiet_share: float, seed: int = 3) -> bytes:
    """Order lines of a shop that sells on most days: several rows on a day, none on a
    `quiet_share` of the days (never the file's first and last)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    sold = rng.random(len(days)) >= quiet_share
    sold[[0, -1]] = True
    rows = [
        {"Region": "East", "Order Date": day.strftime("%m/%d/%Y"), "Sales": float(amount)}
        for day in days[sold]
        for amount in rng.integers(5, 50, size=3)
    ]
    return pd.DataFrame(rows).to_csv(index=False).encode()


def test_order_lines_ending_on_a_thursday_leave_their_part_week_out() -> None:
    """Superstore's order lines stop on Thursday 2021-12-30: its last week held 4 days of 7 and
    was kept as a full week, a drop that models read as a collapse in sales."""
    lines = _order_lines("2021-01-04", "2021-12-30", quiet_share=0.15)
    weekly = read_sales(lines, filename="orders.csv", freq="W")

    assert weekly.history["ds"].max() == pd.Timestamp("2021-12-20")
    assert any(
        "last W-MON period (starting 2021-12-27) is only partly covered" in n
        for n in weekly.report.notes
    )


def test_order_lines_ending_a_day_before_the_month_keep_their_month() -> None:
    """One day without orders is what a shop that sells on most days has now and then: the
    month it ends is not a part month."""
    lines = _order_lines("2021-01-01", "2021-12-30", quiet_share=0.15)
    monthly = read_sales(lines, filename="orders.csv", freq="M")

    assert monthly.history["ds"].max() == pd.Timestamp("2021-12-01")
    assert not any("partly covered" in n for n in monthly.report.notes)


def test_sparse_order_lines_keep_their_edges() -> None:
    """A sale now and then (a third of the days) does not say the data stops."""
    lines = _order_lines("2021-01-04", "2021-12-30", quiet_share=0.7)
    weekly = read_sales(lines, filename="orders.csv", freq="W")

    assert weekly.history["ds"].max() == pd.Timestamp("2021-12-27")
