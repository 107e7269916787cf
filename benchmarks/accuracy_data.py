"""The six sets of the accuracy suite (bench_accuracy.py), each as an engine_data.Suite.

Walmart stores and Rossmann come from engine_data; the others are read here with pandas, as
PROVENANCE.md of the data directory says:

- walmart_dept: Walmart Recruiting store x dept 1, weekly (Fridays), 45 series; MarkDown1-5
  (missing = 0) and IsHoliday as known-future features; last 13 weeks held out; US holidays.
- tourism: Australian domestic trips by purpose, quarterly, 4 series; last 8 quarters held out.
- us_retail: US monthly retail sales (sample_data/prophet), 1 series; last 12 months held out.
- superstore: Superstore sales by Region x Category, monthly (order lines summed per month
  start), 12 series; last 6 months held out; US holidays.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.engine_data import Suite, load_rossmann, load_walmart, split_holdout

SETS = ("walmart", "walmart_dept", "rossmann", "tourism", "us_retail", "superstore")


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


def load_superstore(data_dir: Path) -> Suite:
    raw = pd.read_csv(data_dir / "superstore" / "sample_superstore.csv", encoding="latin-1")
    month = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y").dt.to_period("M").dt.to_timestamp()
    frame = (
        raw.assign(unique_id=raw["Region"] + "/" + raw["Category"], ds=month)
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
    frame = frame.set_index(["unique_id", "ds"]).reindex(full, fill_value=0.0).reset_index()
    return split_holdout(
        "superstore", frame, freq="MS", season=12, horizon=6, flags=[], country="US", notes=[]
    )


def load_set(name: str, data_dir: Path) -> Suite:
    loaders = {
        "walmart": lambda: load_walmart(data_dir),
        "walmart_dept": lambda: load_walmart_dept(data_dir),
        "rossmann": lambda: load_rossmann(data_dir),
        "tourism": lambda: load_tourism(data_dir),
        "us_retail": lambda: load_us_retail(data_dir),
        "superstore": lambda: load_superstore(data_dir),
    }
    if name not in loaders:
        raise SystemExit(f"unknown set {name!r}; use one of {', '.join(SETS)}")
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
