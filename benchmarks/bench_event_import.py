"""How long importing a promotions calendar takes: N events into the 100-store sample plan.

Run (from the project root; the sample plan is made once in a temporary store, about 15 s):

    .venv/bin/python benchmarks/bench_event_import.py [--events 1000,5000] [--profile]

Per N: wall and CPU seconds of ``event_import.import_events`` as a dry run and for real, each on
a fresh copy of the plan (the events of the demo's planning round included), and a fingerprint
of the plan after the import (its events and the system plan per series and period), so that
two versions of the code can be compared on the same input. ``--profile`` prints the top of a
cProfile of the real import of the largest N.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from forecast.overrides import horizon_periods
from forecast.services import demo, event_import, plan_versions, plans, system
from forecast.services.store_factory import open_store
from forecast.store import PlanRepository

KINDS = ("promotion", "festival", "purchase_limit", "other")
EFFECTS = ("percent", "add", "cap", "set")


def calendar(store: PlanRepository, plan_id: str, n_events: int, seed: int = 0) -> bytes:
    """`n_events` rows of mixed kinds, scopes (all series, a store type, a store type and an
    assortment, a few stores) and effects over the plan's horizon, as a CSV."""
    rng = np.random.default_rng(seed)
    frames = plans.load_frames(store, plan_id)
    weeks = horizon_periods(
        sorted(frames.baseline["ds"].unique()), plans.get_plan(store, plan_id).freq
    )
    starts = weeks["ds"].dt.date.tolist()
    ends = weeks["end"].dt.date.tolist()
    ids = sorted(frames.baseline["unique_id"].astype(str).unique())
    types = sorted(frames.attributes["StoreType"].astype(str).unique())
    attributes = frames.attributes[frames.attributes["unique_id"].astype(str).isin(ids)]
    pairs = sorted(
        set(
            zip(
                attributes["StoreType"].astype(str),
                attributes["Assortment"].astype(str),
                strict=True,
            )
        )
    )
    rows = ["name,kind,scope,start,end,effect,value,reason,counts"]
    for i in range(n_events):
        first = int(rng.integers(0, len(starts)))
        last = min(len(starts) - 1, first + int(rng.integers(0, 4)))
        start, end = starts[first], ends[last]
        if rng.random() < 0.2:  # a few days into the week, counted by days
            start += timedelta(days=int(rng.integers(0, 4)))
        match i % 4:
            case 0:
                scope = "all series"
            case 1:
                scope = f"StoreType={rng.choice(types)}"
            case 2:
                store_type, assortment = pairs[int(rng.integers(0, len(pairs)))]
                scope = f"StoreType={store_type}; Assortment={assortment}"
            case _:
                scope = "ids " + ", ".join(rng.choice(ids, size=3, replace=False))
        effect = EFFECTS[int(rng.integers(0, len(EFFECTS)))]
        value = {
            "percent": f"{rng.integers(-20, 31)}%",
            "add": str(int(rng.integers(10, 500))),
            "cap": str(int(rng.integers(5_000, 50_000))),
            "set": str(int(rng.integers(5_000, 50_000))),
        }[effect]
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        counts = "periods" if rng.random() < 0.1 else ""
        rows.append(
            f'Event {i + 1},{kind},"{scope}",{start},{end},{effect},{value},row {i + 1},{counts}'
        )
    return ("\n".join(rows) + "\n").encode()


def fingerprint(store: PlanRepository, plan_id: str) -> str:
    """A digest of what an import leaves: the events (but when they were made) and the system
    plan of every series and period."""
    events = [
        {k: v for k, v in event.to_dict().items() if k != "created_at"}
        for event in system.list_events(store, plan_id)
    ]
    frame = system.system_plan(store, plan_id)
    frame = frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    digest = hashlib.sha256(repr(events).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """The call's result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", default="1000,5000", help="comma-separated event counts")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest import")
    args = parser.parse_args()
    counts = [int(n) for n in args.events.split(",")]
    with tempfile.TemporaryDirectory() as data_dir:
        store = open_store(data_dir=data_dir)
        t0 = time.perf_counter()
        template = demo.create_sample_plan(store)  # as `forecast demo` makes it
        demo.seed_story(store, template)
        print(f"sample plan {template} made in {time.perf_counter() - t0:.1f} s")
        base = plans.get_plan(store, template)
        for n in counts:
            data = calendar(store, template, n)
            for dry_run in (True, False):
                plan_id = fresh_copy(store, base)
                _, wall, cpu = timed(
                    event_import.import_events,
                    store,
                    plan_id,
                    demo.DEMO_PLANNER,
                    data,
                    "calendar.csv",
                    dry_run=dry_run,
                )
                label = "dry run" if dry_run else "import "
                print(f"{n:>6,} events  {label}  wall {wall:6.2f} s  CPU {cpu:6.2f} s", end="")
                print("" if dry_run else f"  plan {fingerprint(store, plan_id)}")
        if args.profile:
            plan_id = fresh_copy(store, base)
            data = calendar(store, template, max(counts))
            profiler = cProfile.Profile()
            profiler.runcall(
                event_import.import_events,
                store,
                plan_id,
                demo.DEMO_PLANNER,
                data,
                "calendar.csv",
            )
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())


def fresh_copy(store: PlanRepository, base: Any) -> str:
    """A new plan with the sample plan's frames, members and events, so each import starts from
    the same state."""
    copied = plan_versions.new_version(
        store, base.plan_id, demo.DEMO_OWNER, name=f"bench {time.time_ns()}"
    )
    return copied.plan_id


if __name__ == "__main__":
    main()
