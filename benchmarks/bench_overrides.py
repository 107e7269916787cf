"""How long applying events takes at planning scale: 10,000 series x 52 weekly periods.

Run: .venv/bin/python benchmarks/bench_overrides.py [n_series] [n_periods] [n_events]
Prints the median wall-clock time of apply_events and of the deviation gate over 5 runs.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import pandas as pd

from forecast.overrides import Event, Scope, apply_events, deviations


def build(n_series: int, n_periods: int, n_events: int):
    rng = np.random.default_rng(0)
    ids = np.array([f"s{i:05d}" for i in range(n_series)])
    weeks = pd.date_range("2025-01-03", periods=n_periods, freq="W-FRI")
    baseline = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, n_periods),
            "ds": np.tile(weeks, n_series),
            "baseline": rng.uniform(0, 1000, n_series * n_periods),
        }
    )
    regions = np.array(["north", "south", "east", "west"])
    categories = np.array(["food", "drugs", "home", "garden", "toys"])
    attributes = pd.DataFrame(
        {
            "unique_id": ids,
            "Region": regions[np.arange(n_series) % len(regions)],
            "Category": categories[np.arange(n_series) % len(categories)],
        }
    )
    effects = ["percent", "add", "cap", "set"]
    events = []
    for i in range(n_events):
        start = int(rng.integers(0, n_periods - 4))
        events.append(
            Event(
                event_id=f"E{i + 1}",
                name=f"event {i + 1}",
                kind="promotion",
                scope=Scope(
                    {"Region": (str(regions[i % 4]),), "Category": (str(categories[i % 5]),)}
                ),
                start=weeks[start].date(),
                end=weeks[start + 3].date(),
                effect=effects[i % 4],
                value=[15.0, 20.0, 800.0, 500.0][i % 4],
            )
        )
    return baseline, attributes, events


def main() -> None:
    n_series = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    n_periods = int(sys.argv[2]) if len(sys.argv) > 2 else 52
    n_events = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    baseline, attributes, events = build(n_series, n_periods, n_events)
    apply_times, gate_times = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        plan = apply_events(baseline, attributes, events, "Region", "W-FRI")
        t1 = time.perf_counter()
        deviations(plan, 0.2)
        t2 = time.perf_counter()
        apply_times.append(t1 - t0)
        gate_times.append(t2 - t1)
    print(
        f"apply_events: {n_series} series x {n_periods} periods, {n_events} events: "
        f"median {statistics.median(apply_times):.3f} s (min {min(apply_times):.3f} s)"
    )
    print(f"deviations (series + team gate): median {statistics.median(gate_times):.3f} s")


if __name__ == "__main__":
    main()
