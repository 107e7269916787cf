"""What ``auto`` saw and what it would have scored: every strategy's mean MASE on auto's own
backtest windows and the share of series it did worse than seasonal naive there (what the
selection chooses on), beside the same strategy's MASE on the suite's held-out horizon.

For diagnosis only: a change to a member or to the selection can be judged by whether it
improves the windows, the held-out horizon, or just reshuffles the pick. Nothing here feeds back
into the product's choice (``auto.select_strategy`` runs as in production; the held-out scores
are computed after it). Sets and splits as ``bench_accuracy.py`` (accuracy_data.SETS).

    .venv/bin/python benchmarks/bench_auto_windows.py --data-dir ../shared/data/real \\
        --sets walmart,walmart_dept --top 12
    .venv/bin/python benchmarks/bench_auto_windows.py --shift 13   # the quarter before

``--shift N`` holds out the horizon that ends N periods before the suite's test window (the
test window itself is left out): a second held-out horizon from the same data, with a shorter
history (on the Walmart sets 117 weeks: one window of two full seasons for ``auto``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks.accuracy_data import SETS, UNSEEN_SETS, load_set  # noqa: E402
from benchmarks.engine_data import Suite  # noqa: E402

if TYPE_CHECKING:
    from forecast.engine.auto import Selection

Strategy = tuple[str, tuple[str, ...]]


def held_out_scores(suite: Suite) -> tuple[Selection, dict[Strategy, float]]:
    """``auto``'s selection on the suite's history, and each strategy's held-out mean MASE.
    A history of weekly sums by month or quarter is read as ``forecast_baseline`` reads it
    (``period_weeks``): the windows see sales per week, the held-out forecasts get their weeks
    back."""
    from forecast.engine import auto, period_weeks
    from forecast.engine.baseline import fit_global, fit_predict, prepare_tasks, with_global
    from forecast.engine.metrics import mase, mase_scale
    from forecast.engine.runner import LocalRunner

    weekly_sums = period_weeks.weekly_sums_of(suite.history, suite.freq)
    history = (
        suite.history if weekly_sums is None else weekly_sums.per_average_period(suite.history)
    )
    tasks = prepare_tasks(
        history,
        suite.horizon,
        freq=suite.freq,
        levels=(80, 95),
        model="auto",
        holidays=suite.country,
        future=suite.future,
    )
    selection = auto.select_strategy(tasks, LocalRunner())
    members = sorted({m for _, names in selection.scores for m in names})
    tasks = [replace(t, member_flags=selection.member_flags) for t in tasks]
    fitted = fit_global(tasks, (80, 95), selection.global_tuning)
    tasks = with_global(tasks, fitted.predict(tasks))
    actual = suite.actuals.set_index(["unique_id", "ds"])["y"]
    per_series: dict[Strategy, list[float]] = {s: [] for s in selection.scores}
    for task in tasks:
        y = actual.loc[task.uid].reindex(task.future_ds).to_numpy(dtype=float)
        sizes, seen = 1.0, task.y
        if weekly_sums is not None:  # scored on the months as sold, as bench_accuracy does
            sizes, seen = weekly_sums.sizes(task.future_ds), task.y * weekly_sums.sizes(task.ds)
        scale = mase_scale(seen, suite.season)
        forecasts = {}
        for member in members:
            try:
                forecasts[member] = fit_predict(task, member)["mean"]
            except Exception:  # noqa: BLE001 - as production: seasonal naive stands in
                forecasts[member] = fit_predict(task, "snaive")["mean"]
        for strategy in selection.scores:
            combiner, names = strategy
            mean = auto.combine(combiner, [forecasts[m] for m in names]) * sizes
            per_series[strategy].append(mase(y, np.maximum(mean, 0.0), scale))
    return selection, {s: float(np.nanmean(v)) for s, v in per_series.items()}


def shifted(suite: Suite, periods: int) -> Suite:
    """The suite with its held-out horizon ``periods`` earlier, cut from the history."""
    history = suite.history.sort_values(["unique_id", "ds"])
    dates = np.sort(history["ds"].unique())
    if periods < suite.horizon or periods + 2 * suite.season > len(dates):
        raise SystemExit(
            f"--shift {periods}: give {suite.horizon} (the horizon) to "
            f"{len(dates) - 2 * suite.season} periods"
        )
    start = dates[-periods]
    end = dates[min(len(dates) - 1, len(dates) - periods + suite.horizon - 1)]
    held = history[(history["ds"] >= start) & (history["ds"] <= end)]
    future = None if suite.future is None else held[["unique_id", "ds", *suite.flags]]
    return replace(
        suite,
        history=history[history["ds"] < start].reset_index(drop=True),
        actuals=held[["unique_id", "ds", "y"]].reset_index(drop=True),
        future=None if future is None else future.reset_index(drop=True),
    )


def report(name: str, suite: Suite, top: int) -> None:
    from forecast.engine.auto import strategy_label

    selection, held = held_out_scores(suite)
    scores, worse = selection.scores, selection.worse_than_naive
    chosen, note = selection.strategy, selection.flags_note
    first, last = suite.actuals["ds"].min(), suite.actuals["ds"].max()
    print(
        f"\n== {name} (held out {first:%Y-%m-%d} to {last:%Y-%m-%d}): auto chose {strategy_label(chosen)}"
        + (f" ({note})" if note else "")
    )
    print(f"   windows {scores[chosen]:.3f}, held out {held[chosen]:.3f}")
    print(f"   global model tuned on the windows: {selection.global_tuning}")
    print("   | strategy | windows MASE | worse than naive (windows) | held-out MASE |")
    print("   |---|---|---|---|")
    ranked = sorted(scores, key=lambda s: scores[s])
    singles = [s for s in ranked if len(s[1]) == 1]
    shown = ranked[:top] + [s for s in singles if s not in ranked[:top]]
    for strategy in shown:
        print(
            f"   | {strategy_label(strategy)} | {scores[strategy]:.3f} | "
            f"{worse.get(strategy, 0.0):.2f} | {held[strategy]:.3f} |"
        )
    best = sorted(held, key=lambda s: held[s])[:5]
    print(
        "   best on the held-out horizon (not a choice auto could make): "
        + "; ".join(f"{strategy_label(s)} {held[s]:.3f} (windows {scores[s]:.3f})" for s in best)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--sets", default="walmart,walmart_dept")
    parser.add_argument("--top", type=int, default=12, help="strategies shown, best first")
    parser.add_argument(
        "--shift", type=int, default=0, help="hold out the horizon this many periods earlier"
    )
    args = parser.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in names if s not in SETS + UNSEEN_SETS]
    if unknown:
        known = ", ".join(SETS + UNSEEN_SETS)
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {known}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            suite = load_set(name, args.data_dir)
            report(name, shifted(suite, args.shift) if args.shift else suite, args.top)


if __name__ == "__main__":
    main()
