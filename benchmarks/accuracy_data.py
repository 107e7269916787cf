"""The six sets of the accuracy suite (bench_accuracy.py), each as an engine_data.Suite.

Walmart stores and Rossmann come from engine_data; the others are read here with pandas, as
PROVENANCE.md of the data directory says:

- walmart_dept: Walmart Recruiting store x dept 1, weekly (Fridays), 45 series; MarkDown1-5
  (missing = 0) and IsHoliday as known-future features; last 13 weeks held out; US holidays.
- tourism: Australian domestic trips by purpose, quarterly, 4 series; last 8 quarters held out.
- us_retail: US monthly retail sales (sample_data/prophet), 1 series; last 12 months held out.
- superstore: Superstore sales by Region x Category, monthly (order lines summed per month
  start), 12 series; last 6 months held out; US holidays.

``UNSEEN_SETS`` are the same files cut in ways nothing in the engine was tuned on, all monthly:
Superstore in total, by Category, Segment, Region, Sub-Category and Region x Segment (last 12
months held out), Walmart's 45 stores and Rossmann's 100 stores summed by month (last 6 held
out: 27 and 25 months of history). ``bench_accuracy.py --sets unseen`` runs them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.engine_data import Suite, load_rossmann, load_walmart, split_holdout

SETS = ("walmart", "walmart_dept", "rossmann", "tourism", "us_retail", "superstore")
SUPERSTORE_CUTS: dict[str, list[str]] = {
    "superstore_total": [],
    "superstore_category": ["Category"],
    "superstore_segment": ["Segment"],
    "superstore_region": ["Region"],
    "superstore_subcategory": ["Sub-Category"],
    "superstore_region_segment": ["Region", "Segment"],
}
UNSEEN_SETS = (*SUPERSTORE_CUTS, "walmart_monthly", "rossmann_monthly")


def load_walmart_dept(data_dir: Path) -> Suite:
    raw = pd.read_csv(data_dir / "walmart" / "walmart_recruiting_dept1_with_markdowns.csv")
    flags = ["MarkDown1", "MarkDown2", "MarkDown3", "MarkDown4", "MarkDown5", "IsHoliday"]
    frame = pd.DataFrame(
        {
            "unique_id": raw["Store"].astype(str),
            "ds": pd.to_datetime(raw["Date"], format="%m/%d/%Y"),
            "y": raw["Weekly_Sales"].astype(float),
        }
    )
    for col in flags[:-1]:
        frame[col] = pd.to_numeric(raw[col], errors="coerce").fillna(0.0)
    frame["IsHoliday"] = raw["IsHoliday.x"].astype(str).str.upper().eq("TRUE").astype(float)
    return split_holdout(
        "walmart_dept",
        frame,
        freq="W-FRI",
        season=52,
        horizon=13,
        flags=flags,
        country="US",
        notes=["MarkDown1-5 (missing = 0) and IsHoliday as known-future features"],
    )


def load_tourism(data_dir: Path) -> Suite:
    raw = pd.read_csv(data_dir / "tourism" / "australia_tourism_trips_by_purpose.csv")
    frame = pd.DataFrame(
        {
            "unique_id": raw["Purpose"].astype(str),
            "ds": pd.to_datetime(raw["Quarter"]),
            "y": raw["Trips"].astype(float),
        }
    )
    return split_holdout(
        "tourism", frame, freq="QS-JAN", season=4, horizon=8, flags=[], country=None, notes=[]
    )


def load_us_retail(data_dir: Path) -> Suite:
    raw = pd.read_csv(data_dir / "prophet" / "example_retail_sales.csv")
    frame = pd.DataFrame(
        {"unique_id": "us_retail", "ds": pd.to_datetime(raw["ds"]), "y": raw["y"].astype(float)}
    )
    return split_holdout(
        "us_retail", frame, freq="MS", season=12, horizon=12, flags=[], country=None, notes=[]
    )


def _superstore_monthly(data_dir: Path, by: list[str]) -> pd.DataFrame:
    """Superstore's order lines summed per month start and per ``by`` (all of them: "total"),
    every month of the span present (0 where a series sold nothing)."""
    raw = pd.read_csv(data_dir / "superstore" / "sample_superstore.csv", encoding="latin-1")
    month = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y").dt.to_period("M").dt.to_timestamp()
    key = raw[by].astype(str).agg("/".join, axis=1) if by else pd.Series("total", index=raw.index)
    frame = (
        raw.assign(unique_id=key, ds=month)
        .groupby(["unique_id", "ds"], as_index=False)["Sales"]
        .sum()
        .rename(columns={"Sales": "y"})
    )
    full = pd.MultiIndex.from_product(
        [
            frame["unique_id"].unique(),
            pd.date_range(frame["ds"].min(), frame["ds"].max(), freq="MS"),
        ],
        names=["unique_id", "ds"],
    )
    return frame.set_index(["unique_id", "ds"]).reindex(full, fill_value=0.0).reset_index()


def load_superstore(data_dir: Path) -> Suite:
    frame = _superstore_monthly(data_dir, ["Region", "Category"])
    return split_holdout(
        "superstore", frame, freq="MS", season=12, horizon=6, flags=[], country="US", notes=[]
    )


def load_superstore_cut(name: str, data_dir: Path) -> Suite:
    frame = _superstore_monthly(data_dir, SUPERSTORE_CUTS[name])
    return split_holdout(
        name, frame, freq="MS", season=12, horizon=12, flags=[], country="US", notes=[]
    )


def _monthly_suite(name: str, frame: pd.DataFrame, country: str, note: str) -> Suite:
    """``unique_id, ds, y`` summed by calendar month (``ds`` the month start; a month without a
    row counts as 0), the last 6 months held out."""
    month = frame["ds"].dt.to_period("M").dt.to_timestamp()
    monthly = frame.assign(ds=month).groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    full = pd.MultiIndex.from_product(
        [monthly["unique_id"].unique(), sorted(monthly["ds"].unique())], names=["unique_id", "ds"]
    )
    monthly = monthly.set_index(["unique_id", "ds"]).reindex(full, fill_value=0.0).reset_index()
    return split_holdout(
        name, monthly, freq="MS", season=12, horizon=6, flags=[], country=country, notes=[note]
    )


def load_walmart_monthly(data_dir: Path) -> Suite:
    raw = pd.read_csv(data_dir / "walmart" / "walmart_store_sales.csv")
    weekly = pd.DataFrame(
        {
            "unique_id": raw["Store"].astype(str),
            "ds": pd.to_datetime(raw["Date"], format="%d-%m-%Y"),
            "y": raw["Weekly_Sales"].astype(float),
        }
    )
    note = "weeks summed by the month of their Friday: four or five weeks a month"
    return _monthly_suite("walmart_monthly", weekly, "US", note)


def load_rossmann_monthly(data_dir: Path) -> Suite:
    raw = pd.read_csv(data_dir / "rossmann" / "rossmann_train_100stores.csv", low_memory=False)
    daily = pd.DataFrame(
        {
            "unique_id": raw["Store"].astype(str),
            "ds": pd.to_datetime(raw["Date"]),
            "y": raw["Sales"].astype(float),
        }
    )
    note = "months without a row (17 stores have none from July to December 2014) count as 0"
    return _monthly_suite("rossmann_monthly", daily, "DE", note)


def load_set(name: str, data_dir: Path) -> Suite:
    loaders = {
        "walmart": lambda: load_walmart(data_dir),
        "walmart_dept": lambda: load_walmart_dept(data_dir),
        "rossmann": lambda: load_rossmann(data_dir),
        "tourism": lambda: load_tourism(data_dir),
        "us_retail": lambda: load_us_retail(data_dir),
        "superstore": lambda: load_superstore(data_dir),
        "walmart_monthly": lambda: load_walmart_monthly(data_dir),
        "rossmann_monthly": lambda: load_rossmann_monthly(data_dir),
    }
    for cut in SUPERSTORE_CUTS:
        loaders[cut] = lambda cut=cut: load_superstore_cut(cut, data_dir)
    if name not in loaders:
        raise SystemExit(f"unknown set {name!r}; use one of {', '.join(SETS + UNSEEN_SETS)}")
    return loaders[name]()


def validation_suite(suite: Suite) -> Suite:
    """The same set cut one horizon earlier: the window pipelines are picked on."""
    dates = pd.DatetimeIndex(sorted(suite.history["ds"].unique()))
    cutoff = dates[-suite.horizon - 1]
    history = suite.history[suite.history["ds"] <= cutoff].reset_index(drop=True)
    held = suite.history[suite.history["ds"] > cutoff].reset_index(drop=True)
    future = held[["unique_id", "ds", *suite.flags]] if suite.flags else None
    return Suite(
        name=suite.name,
        freq=suite.freq,
        season=suite.season,
        horizon=suite.horizon,
        history=history,
        actuals=held[["unique_id", "ds", "y"]],
        future=future,
        flags=suite.flags,
        country=suite.country,
        notes=[*suite.notes, "validation window"],
    )
