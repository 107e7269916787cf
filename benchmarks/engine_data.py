"""Benchmark data sets for bench_engine: Walmart weekly, Rossmann daily, generated weekly series.

Every loader returns a ``Suite``: the training history (long contract ``unique_id, ds, y`` plus
flag columns), the held-out actuals, the future flags over the horizon, and notes saying how the
data was read. The real files are read through ``forecast.engine.ingest.read_sales`` when it
exists and gives the expected shape; otherwise with pandas directly (the note says which).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

WALMART_FILE = Path("walmart") / "walmart_store_sales.csv"
ROSSMANN_FILE = Path("rossmann") / "rossmann_train_100stores.csv"

WALMART_FLAGS = ("Holiday_Flag",)
ROSSMANN_FLAGS = ("Promo", "StateHoliday", "SchoolHoliday", "Open")


@dataclass
class Suite:
    """One benchmark data set, already split into training history and held-out actuals."""

    name: str
    freq: str  # pandas frequency of the calendar, e.g. "W-FRI" or "D"
    season: int  # season length used for MASE scaling and seasonal models
    horizon: int
    history: pd.DataFrame  # unique_id, ds, y, + flag columns
    actuals: pd.DataFrame  # unique_id, ds, y over the horizon
    future: pd.DataFrame | None  # unique_id, ds, flag columns over the horizon (None: no flags)
    flags: list[str]
    country: str | None  # country for holiday calendars, None when not relevant
    notes: list[str] = field(default_factory=list)

    @property
    def n_series(self) -> int:
        return int(self.history["unique_id"].nunique())


def _limit_series(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    return frame[frame["unique_id"].isin(ids)].reset_index(drop=True)


def split_holdout(
    name: str,
    full: pd.DataFrame,
    *,
    freq: str,
    season: int,
    horizon: int,
    flags: list[str],
    country: str | None,
    notes: list[str],
    max_series: int | None = None,
) -> Suite:
    """Hold out the last ``horizon`` periods of the common calendar as actuals."""
    full = full.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    ids = sorted(full["unique_id"].unique(), key=_natural_key)
    if max_series is not None:
        ids = ids[:max_series]
        full = _limit_series(full, ids)
    dates = pd.DatetimeIndex(sorted(full["ds"].unique()))
    cutoff = dates[-horizon - 1]
    train = full[full["ds"] <= cutoff].reset_index(drop=True)
    test = full[full["ds"] > cutoff].reset_index(drop=True)
    short = test.groupby("unique_id").size()
    if (short != horizon).any() or len(short) != len(ids):
        notes.append(
            f"{int((short != horizon).sum()) + len(ids) - len(short)} series lack some of the "
            f"{horizon} held-out periods; they are scored on what exists"
        )
    future = test[["unique_id", "ds", *flags]].reset_index(drop=True) if flags else None
    return Suite(
        name=name,
        freq=freq,
        season=season,
        horizon=horizon,
        history=train[["unique_id", "ds", "y", *flags]],
        actuals=test[["unique_id", "ds", "y"]],
        future=future,
        flags=list(flags),
        country=country,
        notes=notes,
    )


def _natural_key(uid: str) -> tuple[int, str]:
    return (int(uid), uid) if uid.isdigit() else (10**9, uid)


def _try_read_sales(path: Path, **kwargs: object) -> tuple[object | None, str]:
    """Call ``forecast.engine.ingest.read_sales``; return (result or None, why not)."""
    try:
        from forecast.engine.ingest import read_sales
    except Exception as exc:  # noqa: BLE001 - any import problem means "use pandas"
        return (
            None,
            f"forecast.engine.ingest.read_sales not importable ({type(exc).__name__}: {exc})",
        )
    try:
        return read_sales(path, **kwargs), ""
    except Exception as exc:  # noqa: BLE001 - report and fall back
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"read_sales failed ({type(exc).__name__}: {first[:200]})"


def _regularise(frame: pd.DataFrame, freq: str, flags: list[str]) -> tuple[pd.DataFrame, int]:
    """Fill missing periods inside each series with y=0 and flags=0 (as ingest does)."""
    parts = []
    filled = 0
    for uid, grp in frame.groupby("unique_id", sort=False):
        idx = pd.date_range(grp["ds"].min(), grp["ds"].max(), freq=freq)
        grp = grp.set_index("ds").reindex(idx)
        filled += int(grp["y"].isna().sum())
        grp["unique_id"] = uid
        grp[["y", *flags]] = grp[["y", *flags]].fillna(0.0)
        parts.append(grp.rename_axis("ds").reset_index())
    return pd.concat(parts, ignore_index=True), filled


def _from_ingest(result: object, flags: tuple[str, ...]) -> tuple[pd.DataFrame | None, str]:
    """Take the history of an IngestResult if it has every flag we need (by name, any case)."""
    history: pd.DataFrame = result.history  # type: ignore[attr-defined]
    lookup = {str(col).lower(): col for col in history.columns}
    rename = {}
    for flag in flags:
        col = lookup.get(flag.lower())
        if col is None:
            return (
                None,
                f"read_sales did not return flag column {flag!r} (got {list(history.columns)})",
            )
        rename[col] = flag
    frame = history.rename(columns=rename)[["unique_id", "ds", "y", *flags]].copy()
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame["ds"] = pd.to_datetime(frame["ds"])
    frame["y"] = frame["y"].astype(float)
    for flag in flags:
        frame[flag] = pd.to_numeric(frame[flag], errors="coerce").fillna(0.0).astype(float)
    return frame, ""


def load_walmart(data_dir: Path, max_series: int | None = None) -> Suite:
    """Walmart 45 stores, weekly on Fridays; the last 13 weeks held out."""
    path = data_dir / WALMART_FILE
    notes: list[str] = []
    result, why = _try_read_sales(
        path, id_cols=["Store"], date_col="Date", value_col="Weekly_Sales", freq="W"
    )
    frame = None
    if result is not None:
        frame, why = _from_ingest(result, WALMART_FLAGS)
    if frame is not None:
        notes.append(f"read with forecast.engine.ingest.read_sales (freq {result.freq})")  # type: ignore[attr-defined]
    else:
        raw = pd.read_csv(path)
        frame = pd.DataFrame(
            {
                "unique_id": raw["Store"].astype(str),
                "ds": pd.to_datetime(raw["Date"], format="%d-%m-%Y"),
                "y": raw["Weekly_Sales"].astype(float),
                "Holiday_Flag": raw["Holiday_Flag"].astype(float),
            }
        )
        frame, filled = _regularise(frame, "W-FRI", list(WALMART_FLAGS))
        notes.append(f"read with pandas directly: {why}; {filled} missing weeks filled with 0")
    notes.append("Holiday_Flag is known in the future: fed to ours via `future`")
    return split_holdout(
        "walmart",
        frame,
        freq="W-FRI",
        season=52,
        horizon=13,
        flags=list(WALMART_FLAGS),
        country="US",
        notes=notes,
        max_series=max_series,
    )


def load_rossmann(data_dir: Path, max_series: int | None = None) -> Suite:
    """Rossmann 100 stores, daily; the last 28 days held out; flags known in the future."""
    path = data_dir / ROSSMANN_FILE
    notes: list[str] = []
    result, why = _try_read_sales(
        path, id_cols=["Store"], date_col="Date", value_col="Sales", freq="D"
    )
    frame = None
    if result is not None:
        frame, why = _from_ingest(result, ROSSMANN_FLAGS)
    if frame is not None:
        notes.append("read with forecast.engine.ingest.read_sales")
    else:
        raw = pd.read_csv(path, dtype={"StateHoliday": str})
        frame = pd.DataFrame(
            {
                "unique_id": raw["Store"].astype(str),
                "ds": pd.to_datetime(raw["Date"]),
                "y": raw["Sales"].astype(float),
                "Promo": raw["Promo"].astype(float),
                # a/b/c = public holiday/Easter/Christmas, "0" = none
                "StateHoliday": (raw["StateHoliday"].astype(str) != "0").astype(float),
                "SchoolHoliday": raw["SchoolHoliday"].astype(float),
                "Open": raw["Open"].astype(float),
            }
        )
        frame, filled = _regularise(frame, "D", list(ROSSMANN_FLAGS))
        notes.append(
            f"read with pandas directly: {why}; {filled} missing days filled with y=0, flags=0 "
            "(mostly the known 2014-07..12 gap of 17 stores)"
        )
    notes.append(
        "Promo, StateHoliday (any of a/b/c), SchoolHoliday, Open are known in the future: fed to "
        "ours via `future`, to statsforecast AutoARIMA as exogenous X, and to the Prophet+holidays "
        "variant as extra regressors; AutoETS, SeasonalNaive and plain Prophet get y only"
    )
    return split_holdout(
        "rossmann",
        frame,
        freq="D",
        season=7,
        horizon=28,
        flags=list(ROSSMANN_FLAGS),
        country="DE",
        notes=notes,
        max_series=max_series,
    )


def generate_weekly(
    n_series: int = 1000,
    n_history: int = 156,
    horizon: int = 13,
    seed: int = 20261122,
    intermittent_share: float = 0.15,
) -> pd.DataFrame:
    """Weekly series: level * trend * yearly season * noise; a share is intermittent counts.

    Returns ``unique_id, ds, y`` with ``n_history + horizon`` Fridays per series.
    """
    rng = np.random.default_rng(seed)
    n = n_history + horizon
    t = np.arange(n, dtype=float)
    ds = pd.date_range("2022-01-07", periods=n, freq="W-FRI")
    ids, values = [], []
    for i in range(n_series):
        phase = rng.uniform(0, 2 * np.pi)
        amp1, amp2 = rng.uniform(0.0, 0.4), rng.uniform(0.0, 0.15)
        season = (
            1.0
            + amp1 * np.sin(2 * np.pi * t / 52.0 + phase)
            + amp2 * np.sin(4 * np.pi * t / 52.0 + 2 * phase)
        )
        trend = (1.0 + rng.normal(0.0, 0.002)) ** t
        if rng.uniform() < intermittent_share:
            rate = rng.uniform(0.1, 2.0) * season * trend
            occurs = rng.uniform(size=n) < rng.uniform(0.3, 0.8)
            y = rng.poisson(np.clip(rate, 0, None)) * occurs
        else:
            level = float(np.exp(rng.normal(5.0, 1.2)))
            noise = np.exp(rng.normal(0.0, rng.uniform(0.03, 0.2), size=n))
            y = level * trend * season * noise
        ids.append(np.full(n, f"s{i:04d}"))
        values.append(np.asarray(y, dtype=float))
    return pd.DataFrame(
        {
            "unique_id": np.concatenate(ids),
            "ds": np.tile(ds.values, n_series),
            "y": np.concatenate(values),
        }
    )


def load_synthetic(n_series: int = 1000, seed: int = 20261122) -> Suite:
    """1,000 generated weekly series, 156 points of history, 13 held out."""
    frame = generate_weekly(n_series=n_series, seed=seed)
    return split_holdout(
        "synthetic",
        frame,
        freq="W-FRI",
        season=52,
        horizon=13,
        flags=[],
        country=None,
        notes=[
            f"{n_series} generated weekly series (seed {seed}): 156 weeks of history + 13 held out; "
            "level * trend * yearly season * lognormal noise, 15% intermittent Poisson counts"
        ],
    )
