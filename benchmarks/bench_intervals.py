"""Interval calibration of ``auto`` on the accuracy suite's sets, without the peers: a quick look.

Per set (accuracy_data.SETS), ``auto`` is run once per calibration rule, the rule fitted on its
backtest windows (those of the served strategy, before the test window), and the held-out
coverage of the 80 % and 95 % intervals is printed for: the parametric intervals, one factor per
level for all steps (the first rule), all window periods pooled with per-step factors (the rule
until 2026-12-02 16:30), and the served rule, the typical window's factors
(``engine/interval_calibration.py``). The test window only scores them. Point forecasts are the
same under every rule (MASE is printed once when they are).

    .venv/bin/python benchmarks/bench_intervals.py --data-dir ../shared/data/real --sets tourism

``--earlier 1`` scores the rules on the window one horizon before the test window (the
validation window), which the served rule was not chosen on.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks.accuracy_data import SETS, load_set, validation_suite  # noqa: E402
from benchmarks.bench_accuracy import run_ours, score  # noqa: E402
from benchmarks.engine_data import Suite  # noqa: E402
from forecast.engine.interval_calibration import IntervalCalibration as Calibration  # noqa: E402
from forecast.engine.interval_calibration import WindowForecast  # noqa: E402

Rule = Callable[[Sequence[WindowForecast], Sequence[int]], Calibration]


def pooled(
    windows: Sequence[WindowForecast], levels: Sequence[int], steps: bool = True
) -> Calibration:
    """All window periods pooled: per level, the conformal quantile of every ratio, and per step
    its own quantile shrunk towards it (``steps``), or that one factor for every step."""
    import numpy as np

    import forecast.engine.interval_calibration as ic

    horizon = max((len(w.actual) for w in windows), default=0)
    factors: dict[int, tuple[float, ...]] = {}
    for level in levels:
        ratios, at, _ = ic._ratios(windows, level)
        if ratios.size < ic.MIN_RESIDUALS:
            continue
        whole = ic.conformal_quantile(ratios, level)
        per_step = []
        for step in range(horizon):
            own = ratios[at == step] if steps else ratios[:0]
            mine = float(np.quantile(own, level / 100)) if own.size else whole
            k = ic.STEP_SHRINKAGE
            per_step.append(
                float(np.clip((own.size * mine + k * whole) / (own.size + k), *ic.BOUNDS))
            )
        factors[int(level)] = tuple(per_step)
    return Calibration(factors, len({w.origin for w in windows}), 0, "pooled (bench_intervals)")


def one_factor_a_level(windows: Sequence[WindowForecast], levels: Sequence[int]) -> Calibration:
    """The first rule: every step takes the conformal factor of all window periods pooled."""
    return pooled(windows, levels, steps=False)


def parametric(windows: Sequence[WindowForecast], levels: Sequence[int]) -> Calibration:
    return Calibration(note="parametric (bench_intervals)")


def run_with(suite: Suite, rule: Rule) -> tuple[pd.DataFrame, Calibration]:
    """``auto``'s test forecast with its window calibration replaced by ``rule``."""
    import forecast.engine.auto as auto

    fitted: list[Calibration] = []

    def fit(windows: Sequence[WindowForecast], levels: Sequence[int]) -> Calibration:
        fitted.append(rule(windows, levels))
        return fitted[-1]

    saved = auto.fit_calibration
    auto.fit_calibration = fit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_ours(suite, "auto", 1), fitted[-1]
    finally:
        auto.fit_calibration = saved


def main() -> None:
    from forecast.engine.interval_calibration import fit_calibration

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument(
        "--earlier",
        type=int,
        default=0,
        help="cut each set this many horizons earlier: test windows the rules were not chosen on",
    )
    args = parser.parse_args()
    rules: dict[str, Rule] = {"parametric": parametric, "one factor a level": one_factor_a_level}
    rules["pooled per step"] = pooled
    rules["served: typical window"] = fit_calibration
    print(f"| set | window periods (windows) | MASE | {' | '.join(rules)} (80 % / 95 %) |")
    print("|---|---|---|" + "---|" * len(rules))
    for name in [s for s in args.sets.split(",") if s]:
        suite = load_set(name, args.data_dir)
        for _ in range(args.earlier):
            suite = validation_suite(suite)
        cells, mases = [], set()
        for rule in rules.values():
            fc, calibration = run_with(suite, rule)
            s = score(suite, fc)
            mases.add(round(s["mase"], 9))
            cells.append(f"{s['cov80']:.1%} / {s['cov95']:.1%}")
        mase = "/".join(f"{m:.3f}" for m in sorted(mases))  # one value: points unchanged
        used = f"{calibration.residuals} ({calibration.windows})"
        print(f"| {name} | {used} | {mase} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
