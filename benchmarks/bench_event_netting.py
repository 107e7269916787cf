"""Events from the learned uplift over a seasonal naive baseline: the full uplift (before
2026-12-04) against the uplift net of what the baseline already repeats (``FlagInBaseline``).

A planner who knows the promotion (or holiday) calendar adds one event per flagged week, over
all series, leaving the value empty: the event takes what the add-event form offers. The
seasonal naive baseline copies the same week a year before, flags included, so where that week
had the flag too the full uplift counts it twice. Per set, the last ``--cycles`` windows of
``--horizon`` weeks are held out in turn; each gets a plan made through the services from the
weeks before it (``create_plan_from_frames``, model snaive), the offer of every flagged week
comes from ``system.event_suggestion`` and the system plan is the baseline with those events.
A week counts as flagged when at least half the series have the flag that week (the flag of a
week is on when it covers at least half its days, as the engine reads it).

    .venv/bin/python benchmarks/bench_event_netting.py --data-dir ../shared/data/real

``--model auto`` makes the plans with the fitted models instead: their series count as not
holding the flag, so the net offer is the full one there, and the table says whether the full
uplift on top of a fitted baseline helps or counts the flag twice as well.

Prints WAPE (all series-weeks of the windows, and the flagged weeks alone) of the baseline and
of both system plans, and the events' mean values.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from forecast.engine.ingest import read_sales  # noqa: E402
from forecast.services import plan_create, plan_frames, system  # noqa: E402
from forecast.services.store_factory import open_store  # noqa: E402


@dataclass(frozen=True)
class EventSet:
    name: str
    sales: str
    value_col: str
    kind: str
    flag: str
    daily: bool  # days summed into weeks: an unfinished last week is left out


SETS = {
    "rossmann": EventSet(
        "rossmann", "rossmann/rossmann_train_100stores.csv", "Sales", "promotion", "Promo", True
    ),
    "walmart": EventSet(
        "walmart",
        "walmart/walmart_store_sales.csv",
        "Weekly_Sales",
        "festival",
        "Holiday_Flag",
        False,
    ),
}


def weekly(data_dir: Path, spec: EventSet) -> tuple[pd.DataFrame, list[str]]:
    path = data_dir / spec.sales
    result = read_sales(path, value_col=spec.value_col, freq="W")
    frame = result.history
    if spec.daily:
        days = pd.to_datetime(pd.read_csv(path, usecols=[result.mapping.date_col]).iloc[:, 0])
        if frame["ds"].max() + pd.Timedelta(days=6) > days.max():  # an unfinished last week
            frame = frame[frame["ds"] < frame["ds"].max()]
    return frame, list(result.flags)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.abs(actual - forecast).sum() / np.abs(actual).sum() * 100)


def run_set(
    data_dir: Path, spec: EventSet, cycles: int, horizon: int, model: str = "snaive"
) -> dict[str, object]:
    frame, flags = weekly(data_dir, spec)
    weeks = np.sort(frame["ds"].unique())
    rows = []
    values_full, values_net = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as home:
        store = open_store(data_dir=home)
        for cycle in range(cycles, 0, -1):
            first = pd.Timestamp(weeks[len(weeks) - cycle * horizon])
            ahead = frame[(frame["ds"] >= first)]
            ahead = ahead[ahead["ds"] < first + pd.Timedelta(weeks=horizon)]
            state = plan_create.create_plan_from_frames(
                store,
                name=f"{spec.name} from {first:%Y-%m-%d}",
                history=frame[frame["ds"] < first],
                attributes=None,
                freq="W",
                horizon=horizon,
                team_attr=None,
                actor="bench",
                flags=flags,
                model=model,
                currency=None,
            )
            base = plan_frames.version_frame(store, state, plan_frames.BASELINE)[
                ["unique_id", "ds", "baseline"]
            ]
            scored = ahead[["unique_id", "ds", "y", spec.flag]].merge(base, on=["unique_id", "ds"])
            flagged_share = (scored[spec.flag].astype(float) >= 0.5).groupby(scored["ds"]).mean()
            full = pd.Series(1.0, index=scored.index)
            net = pd.Series(1.0, index=scored.index)
            event_weeks = [d for d, share in flagged_share.items() if share >= 0.5]
            for week in event_weeks:
                day = pd.Timestamp(week).date().isoformat()
                uplift, already = system.event_suggestion(
                    store, state.plan_id, spec.kind, None, day, day
                )
                if uplift is None:
                    continue
                offered = system.offered_value(uplift, already)
                values_full.append(uplift.value)
                values_net.append(offered)
                at = scored["ds"] == week
                full[at] = 1 + uplift.value / 100
                net[at] = 1 + offered / 100
            rows.append(
                scored.assign(
                    full=scored["baseline"] * full,
                    net=scored["baseline"] * net,
                    event=scored["ds"].isin(event_weeks),
                )
            )
        store.close()
    done = pd.concat(rows, ignore_index=True)
    on = done[done["event"]]
    y = done["y"].to_numpy(float)
    return {
        "set": spec.name,
        "flag": spec.flag,
        "windows": cycles,
        "series-weeks": len(done),
        "event weeks": int(done.loc[done["event"], "ds"].nunique()),
        "baseline": wape(y, done["baseline"].to_numpy(float)),
        "full uplift": wape(y, done["full"].to_numpy(float)),
        "net uplift": wape(y, done["net"].to_numpy(float)),
        "baseline (event weeks)": wape(on["y"].to_numpy(float), on["baseline"].to_numpy(float)),
        "full (event weeks)": wape(on["y"].to_numpy(float), on["full"].to_numpy(float)),
        "net (event weeks)": wape(on["y"].to_numpy(float), on["net"].to_numpy(float)),
        "mean full %": float(np.mean(values_full)) if values_full else float("nan"),
        "mean net %": float(np.mean(values_net)) if values_net else float("nan"),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=13)
    parser.add_argument("--model", default="snaive", help="the plans' baseline model")
    args = parser.parse_args()
    results = [
        run_set(args.data_dir, SETS[name], args.cycles, args.horizon, args.model)
        for name in args.sets.split(",")
    ]
    table = pd.DataFrame(results).set_index("set")
    print(
        f"events over a {args.model} baseline, {args.cycles} windows of {args.horizon} weeks; WAPE %"
    )
    print(table.round(2).T.to_string())


if __name__ == "__main__":
    main()
