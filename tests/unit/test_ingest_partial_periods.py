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
