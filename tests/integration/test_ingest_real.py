"""Ingest of the real files the project ships (sample_data/), checked against their provenance notes."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.engine.ingest import read_sales
from forecast.schema import validate_history


def test_rossmann_100_daily_stores_with_flags_and_store_attributes(rossmann_train, rossmann_stores):
    result = read_sales(rossmann_train, attributes_file=rossmann_stores)

    assert result.freq == "D"
    assert result.report.rows_read == 91071
    assert result.report.series == 100
    assert result.mapping.id_cols == ("Store",)
    assert (result.mapping.date_col, result.mapping.value_col) == ("Date", "Sales")
    assert result.flags == ["Open", "Promo", "StateHoliday", "SchoolHoliday"]
    assert (result.report.start, result.report.end) == (
        pd.Timestamp("2013-01-01"),
        pd.Timestamp("2015-07-31"),
    )
    # 17 stores miss 2014-07-01 .. 2014-12-31 (184 days); the store with 941 days misses its
    # first day, which is outside its own range and so not filled.
    assert result.report.missing_by_series == dict.fromkeys(result.report.missing_by_series, 184)
    assert len(result.report.missing_by_series) == 17
    assert result.report.missing_periods_filled == 17 * 184
    h = result.history
    assert len(h) == 91071 + result.report.missing_periods_filled
    assert h.y.sum() == pd.read_csv(rossmann_train).Sales.sum()
    # Flag counts from PROVENANCE: Promo=1 in 34742 rows, StateHoliday a/b/c in 1814+600+366.
    assert h.Promo.sum() == 34742
    assert h.StateHoliday.sum() == 1814 + 600 + 366
    assert (h.Open == 0).sum() == 15347 + result.report.missing_periods_filled
    attrs = result.attributes.set_index("unique_id")
    assert {"Store", "StoreType", "Assortment", "PromoInterval"} <= set(attrs.columns)
    assert attrs.loc["11", "StoreType"] == "a" and attrs.loc["11", "Assortment"] == "c"
    assert attrs.loc["11", "CompetitionOpenSinceYear"] == "2011"  # not 2011.0
    assert attrs.loc["11", "PromoInterval"] == "Jan,Apr,Jul,Oct"
    assert attrs.StoreType.notna().all()
    pd.testing.assert_frame_equal(validate_history(h), h)


def test_prophet_monthly_retail_is_one_series_at_month_starts(retail_monthly):
    result = read_sales(retail_monthly)

    assert result.freq == "M"
    assert result.report.series == 1
    assert len(result.history) == 293
    assert result.report.missing_periods_filled == 0
    assert (result.report.start, result.report.end) == (
        pd.Timestamp("1992-01-01"),
        pd.Timestamp("2016-05-01"),
    )
    assert result.history.y.iloc[0] == 146376


def test_prophet_online_retail_30_items_gaps_filled_and_reported(online_retail_daily):
    result = read_sales(online_retail_daily)

    assert result.freq == "D"
    assert result.report.series == 30
    assert result.mapping.id_cols == ("item",)
    assert {"85099B", "85123A", "15036"} <= set(result.attributes.unique_id)
    source = pd.read_csv(online_retail_daily, dtype={"item": str})
    assert result.report.rows_read == 7506
    assert len(result.history) == 7506 + result.report.missing_periods_filled
    # Each item runs from its first to its last sale day; days without sales become 0.
    spans = source.assign(ds=pd.to_datetime(source.ds)).groupby("item").ds.agg(["min", "max"])
    days = ((spans["max"] - spans["min"]).dt.days + 1).sum()
    assert len(result.history) == days
    assert result.report.missing_periods_filled == days - 7506 > 0
    assert sum(result.report.missing_by_series.values()) == result.report.missing_periods_filled
    saturdays = result.history[result.history.ds.dt.day_of_week == 5]
    assert (saturdays.y == 0).all()  # the shop never sold on Saturdays
    assert result.history.y.sum() == pytest.approx(source.y.sum())
