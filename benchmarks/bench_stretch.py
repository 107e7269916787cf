"""Is the stretch probability calibrated? Predicted probability against observed frequency.

For each data set the series are summed into team totals. At many rolling origins the benchmark
plays the plan: the history before the origin is all it knows; the system plan (here the
baseline) is the plan model's forecast of each team's total over the horizon; the stretch
calibration backtests the model the product would (``forecast.engine.stretch.calibration_model``:
the plan's own family, a cheap stand-in for Prophet/ARIMA/LightGBM) on that history only
(``forecast.engine.stretch.calibrate``); and for targets
at +0 %, +2 %, +5 % and +10 % over the system plan it predicts the probability of reaching them.
The actual total over the horizon then says whether each target was reached.

Output: a reliability table (bins of predicted probability: count, mean predicted, observed
frequency, |gap|, the independent windows the bin's cases span and two standard errors of the
observed frequency over that many windows) and the Brier score, per data set and pooled. Target:
observed within 10 points of predicted in every bin with at least 20 cases. Per set, how often a
calibrated predictive with the dependence of the set's own outcomes would meet that target
(``stretch_reachability``: the cases' predictions kept, outcomes simulated with a fixed seed).

Origins: every period for weekly and quarterly data, every 7th day for daily data (each window
then starts on the same weekday as the product's own backtest), from the first origin whose
history holds 3 past windows after a season (what the product needs for a calibrated probability).
Walmart's 143 weeks give 40 origins, one a week: there is no finer step, and its bins rest on few
independent windows whatever the step (the noise columns say how few).

    python benchmarks/bench_stretch.py --data-dir ../shared/data/real [--plan-model snaive|ets|auto]

``--plan-model auto`` plays, per set, a label auto gives (``AUTO_LABELS``): Walmart the mean of ETS
and Prophet (Prophet stood in for by Fourier ETS in the backtest), Rossmann the mean of ETS and
Fourier ETS, tourism the mean of ETS, Theta and ARIMA (auto's prior on quarterly data; ARIMA stood
in for by ETS).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT), str(ROOT / "src")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from benchmarks import stretch_reachability as sr  # noqa: E402
from forecast.engine import stretch as st  # noqa: E402

RESULTS_DIR = ROOT / "benchmarks" / "results"
UPLIFTS = (0.0, 0.02, 0.05, 0.10)
BINS = np.linspace(0.0, 1.0, 11)
MIN_BIN = 20
REACH_HISTORIES = 400
REACH_SEED = 0


def _walmart(data_dir: Path) -> tuple[pd.DataFrame, str, int, int]:
    sales = pd.read_csv(data_dir / "walmart" / "walmart_store_sales.csv")
    stores = pd.read_csv(data_dir / "walmart" / "walmart_recruiting_stores.csv")
    sales["ds"] = pd.to_datetime(sales["Date"], format="%d-%m-%Y")
    sales["team"] = sales["Store"].map(stores.set_index("Store")["Type"])
    wide = sales.pivot_table(index="ds", columns="team", values="Weekly_Sales", aggfunc="sum")
    return wide.fillna(0.0), "W-FRI", 13, 52


def _walmart_stores(data_dir: Path) -> tuple[pd.DataFrame, str, int, int]:
    """Walmart with one team per store (45): the three store types give a bin about ten
    independent windows, too few to tell a calibrated predictive from a 10-point miss."""
    sales = pd.read_csv(data_dir / "walmart" / "walmart_store_sales.csv")
    sales["ds"] = pd.to_datetime(sales["Date"], format="%d-%m-%Y")
    sales["team"] = "store " + sales["Store"].astype(str).str.zfill(2)
    wide = sales.pivot_table(index="ds", columns="team", values="Weekly_Sales", aggfunc="sum")
    return wide.fillna(0.0), "W-FRI", 13, 52


def _rossmann(data_dir: Path) -> tuple[pd.DataFrame, str, int, int]:
    """Rossmann's daily sales by store type, summed as the product sums a plan's history
    (``stretch.team_totals``): 17 of the 100 stores have no rows from July to December 2014, and
    those days count as the same weekdays of the last week before the gap, not as 0."""
    sales = pd.read_csv(data_dir / "rossmann" / "rossmann_train_100stores.csv", low_memory=False)
    stores = pd.read_csv(data_dir / "rossmann" / "rossmann_store_100stores.csv")
    sales["ds"] = pd.to_datetime(sales["Date"])
    wide = sales.pivot_table(index="ds", columns="Store", values="Sales", aggfunc="sum")
    wide = wide.asfreq("D").fillna(0.0)
    history = wide.melt(ignore_index=False, var_name="unique_id", value_name="y").reset_index()
    history["unique_id"] = history["unique_id"].astype(str)
    teams = stores.set_index(stores["Store"].astype(str))["StoreType"]
    return st.team_totals(history, teams, 7), "D", 42, 7


def _tourism(data_dir: Path) -> tuple[pd.DataFrame, str, int, int]:
    trips = pd.read_csv(data_dir / "tourism" / "australia_tourism_trips_by_purpose.csv")
    trips["ds"] = pd.to_datetime(trips["Quarter"])
    wide = trips.pivot_table(index="ds", columns="Purpose", values="Trips", aggfunc="sum")
    return wide.fillna(0.0), "QS", 4, 4


AUTO_LABELS = {
    "walmart": "mean(ets,prophet)",
    "walmart_stores": "mean(ets,prophet)",
    "rossmann": "mean(ets,fourier_ets)",
    "tourism": "mean(ets,theta,arima)",
}

SETS: dict[str, Callable[[Path], tuple[pd.DataFrame, str, int, int]]] = {
    "walmart": _walmart,
    "walmart_stores": _walmart_stores,
    "rossmann": _rossmann,
    "tourism": _tourism,
}
DEFAULT_SETS = ("walmart", "rossmann", "tourism")


def _independent_probability(y: np.ndarray, horizon: int, season: int, target: float) -> float:
    """The method this replaces: normal periods assumed independent, each with the seasonal
    naive's interval sd (sigma * sqrt(k + 1)), variances summed over the horizon."""
    from scipy.stats import norm

    m = season if len(y) >= 2 * season else 1
    resid = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(resid**2))) if len(resid) else 0.0
    steps = np.arange(horizon)
    var = float((sigma**2 * (steps // m + 1)).sum())
    mean = float(y[-m:][steps % m].sum())
    if var <= 0:
        return float(mean >= target)
    return float(norm.sf((target - mean) / np.sqrt(var)))


def cases(
    totals: pd.DataFrame,
    freq: str,
    horizon: int,
    season: int,
    plan_model: str,
    eval_step: int,
    method: str = "calibrated",
    cache: dict[tuple[str, int], float] | None = None,
) -> pd.DataFrame:
    """One row per (origin, team, uplift): predicted probability and whether it was reached.
    ``cache``: forecasts by (team and model, origin), each from the history before its origin
    only, to share between runs."""
    rows = []
    n = len(totals)
    first = st.min_train("snaive", season, horizon) + st.MIN_WINDOWS * horizon
    cache = {} if cache is None else cache
    for origin in range(first, n - horizon + 1, eval_step):
        past = totals.iloc[:origin]
        cal = st.calibrate_plan(
            past, horizon, freq, plan_model, {plan_model: 1}, season=season, cache=cache
        )
        if not cal.usable:
            continue
        for team in totals.columns:
            y = past[team].to_numpy(dtype=float)
            key = (f"{team}|{plan_model}|{horizon}", origin)
            if key not in cache:
                cache[key] = st.forecast_total(y, horizon, plan_model, season)
            plan = cache[key]
            actual = float(totals[team].iloc[origin : origin + horizon].sum())
            # The PIT of the actual total (its normal scores give the outcomes' dependence).
            reach_actual = st.reach_probability(cal, str(team), plan, actual)
            pit = np.nan if reach_actual is None else 1.0 - reach_actual
            for uplift in UPLIFTS:
                target = plan * (1 + uplift)
                if method == "independent":
                    p = _independent_probability(y, horizon, season, target)
                else:
                    p = st.reach_probability(cal, str(team), plan, target)
                if p is None:
                    continue
                rows.append(
                    {
                        "origin": totals.index[origin],
                        "position": origin,
                        "horizon": horizon,
                        "team": str(team),
                        "uplift": uplift,
                        "windows": cal.windows,
                        "unseen": cal.unseen,
                        "backtest": cal.model,
                        "predicted": p,
                        "reached": float(actual >= target),
                        "pit": pit,
                    }
                )
    return pd.DataFrame(rows)


def independent_windows(cases: pd.DataFrame) -> int:
    """How many non-overlapping windows the cases of a bin span: per set and team, origins taken
    oldest first, each a full horizon after the last one taken (cases of one window share its
    outcome's luck: consecutive origins overlap, and the four targets share an origin)."""
    count = 0
    for _, group in cases.groupby(["set", "team"] if "set" in cases else ["team"]):
        horizon = int(group["horizon"].iloc[0])
        last = None
        for position in sorted(group["position"].unique()):
            if last is None or position >= last + horizon:
                count += 1
                last = position
    return count


def reliability(frame: pd.DataFrame) -> pd.DataFrame:
    """Per bin of predicted probability: cases, mean predicted, observed frequency, gap; the
    independent windows the bin rests on and two standard errors of its observed frequency if
    the predictions were right (sqrt(p (1 - p) / windows)): a gap within them is within the
    noise of so few windows (the target itself is the 10 points)."""
    bins = pd.cut(frame["predicted"], BINS, include_lowest=True)
    grouped = frame.groupby(bins, observed=True)
    table = (
        grouped.agg(
            count=("predicted", "size"),
            mean_predicted=("predicted", "mean"),
            observed=("reached", "mean"),
        )
        .reset_index()
        .rename(columns={"predicted": "bin"})
    )
    table["gap_points"] = 100 * (table["observed"] - table["mean_predicted"]).abs()
    table["meets_target"] = (table["count"] < MIN_BIN) | (table["gap_points"] <= 10)
    if {"position", "horizon", "team"} <= set(frame.columns):
        table["windows"] = [independent_windows(group) for _, group in grouped]
        p = table["mean_predicted"].clip(0.0, 1.0)
        table["two_se_points"] = 200 * np.sqrt(p * (1 - p) / table["windows"].clip(lower=1))
    return table


def brier(frame: pd.DataFrame) -> float:
    return float(((frame["predicted"] - frame["reached"]) ** 2).mean())


def halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases of the earlier and of the later half of each set's origins (split at the
    median origin): a method chosen on the earlier half can be judged on the later one."""
    early, late = [], []
    for _, group in frame.groupby("set") if "set" in frame else [("", frame)]:
        positions = np.sort(group["position"].unique())
        cut = positions[len(positions) // 2]
        early.append(group[group["position"] < cut])
        late.append(group[group["position"] >= cut])
    return pd.concat(early), pd.concat(late)


def bins_met(frame: pd.DataFrame) -> tuple[int, int]:
    """Bins of ``MIN_BIN``+ cases within 10 points, and bins of ``MIN_BIN``+ cases."""
    big = reliability(frame).query(f"count >= {MIN_BIN}")
    return int((big["gap_points"] <= 10).sum()), len(big)


def reachability_line(frame: pd.DataFrame, histories: int, seed: int) -> str:
    """How often a calibrated predictive with this set's dependence (estimated from the cases'
    PITs) would meet the target, on ``histories`` simulated histories (``stretch_reachability``)."""
    dependence = sr.estimate_dependence(frame)
    sim = sr.reachability(frame, dependence, histories=histories, seed=seed)
    met, bins = sr.bins_met(frame["predicted"].to_numpy(), frame["reached"].to_numpy())
    return (
        f"Reachability: a calibrated predictive with this set's dependence meets the target in "
        f"{100 * sim.chance:.0f} % of {sim.histories} simulated histories (seed {sim.seed}); "
        f"mean share of bins met {100 * sim.mean_share:.0f} % (this run: "
        f"{100 * met[0] / max(bins, 1):.0f} %, {met[0]} of {bins}). Outcomes drawn with each "
        f"case's own predicted probability; {dependence.describe()}."
    )


def markdown(name: str, frame: pd.DataFrame, histories: int = 0, seed: int = REACH_SEED) -> str:
    table = reliability(frame)
    big = table[table["count"] >= MIN_BIN]
    met = int((big["gap_points"] <= 10).sum())
    noise = int((big["gap_points"] <= np.maximum(10, big["two_se_points"])).sum())
    lines = [
        f"### {name}: {len(frame)} cases, Brier score {brier(frame):.3f} "
        f"(climatology {brier(frame.assign(predicted=frame['reached'].mean())):.3f})",
        "",
        f"Bins of {MIN_BIN}+ cases within 10 points: {met} of {len(big)}; within 10 points or "
        f"two standard errors of their independent windows: {noise} of {len(big)}.",
        "",
    ]
    if histories and "pit" in frame:
        lines += [reachability_line(frame, histories, seed), ""]
    lines += [
        "| predicted | count | mean predicted | observed | gap (points) | within 10 points "
        "| independent windows | 2 SE (points) |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in table.itertuples():
        ok = "n/a (<20)" if row.count < MIN_BIN else ("yes" if row.gap_points <= 10 else "NO")
        lines.append(
            f"| {row.bin} | {row.count} | {row.mean_predicted:.3f} | {row.observed:.3f} | "
            f"{row.gap_points:.1f} | {ok} | {row.windows} | {row.two_se_points:.1f} |"
        )
    if "position" in frame:
        split = []
        for label, part in zip(("earlier", "later"), halves(frame), strict=True):
            hit, bins = bins_met(part)
            first, last = part["origin"].min(), part["origin"].max()
            split.append(
                f"{label} half of the origins ({first:%Y-%m-%d} to {last:%Y-%m-%d}, "
                f"{len(part)} cases): {hit} of {bins} bins, Brier {brier(part):.3f}"
            )
        lines.append("")
        lines.append("Split in time: " + "; ".join(split) + ".")
    by_uplift = frame.groupby("uplift").agg(
        mean_predicted=("predicted", "mean"), observed=("reached", "mean")
    )
    lines.append("")
    lines.append(
        "By target: "
        + "; ".join(
            f"+{100 * u:.0f} %: predicted {r.mean_predicted:.2f}, observed {r.observed:.2f}"
            for u, r in by_uplift.iterrows()
        )
    )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument(
        "--plan-model",
        default="snaive",
        help="the model whose forecast of each team total is the system plan: snaive, naive, "
        "ets, fourier_ets, theta, a label such as mean(ets,prophet), or auto (per set, "
        "AUTO_LABELS); the calibration backtests what the product would for it",
    )
    parser.add_argument(
        "--method",
        default="calibrated",
        choices=["calibrated", "independent"],
        help="calibrated (the product) or independent (the normal approximation it replaced)",
    )
    parser.add_argument(
        "--sets",
        default=",".join(DEFAULT_SETS),
        help="comma-separated: " + ", ".join(SETS) + " (default: the three pooled sets; "
        "walmart_stores is Walmart again with a team per store)",
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--cases", action="store_true", help="also write every case as CSV")
    parser.add_argument(
        "--histories",
        type=int,
        default=REACH_HISTORIES,
        help="simulated histories per set for the reachability line (0: none)",
    )
    parser.add_argument("--seed", type=int, default=REACH_SEED, help="seed of the simulation")
    args = parser.parse_args(argv)
    parts = []
    report = [
        f"# Stretch calibration ({args.method}, system plan {args.plan_model}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "Targets at +0 %, +2 %, +5 %, +10 % over the system plan (the baseline), per team total.",
        "",
        "Method: " + st.METHOD + " (misses of past windows of the plan's model family; the "
        "blend of the rules (the average or the latest miss, none for fitted models, the miss "
        "a year before) that predicted best out of sample (stacking); a Student t on its own errors, weighted with a half-life of one "
        "year; recalibrated by the PITs of the same fit replayed at earlier origins when that "
        "predicted better there than none; a stand-in's own forecast and predictive where the "
        "plan's family has too little history; the share of the window in weeks, months or "
        "quarters of the year the history has never seen counts as an even chance).",
        "",
    ]
    for name in args.sets.split(","):
        totals, freq, horizon, season = SETS[name](args.data_dir)
        eval_step = 7 if freq == "D" else 1
        plan_model = AUTO_LABELS[name] if args.plan_model == "auto" else args.plan_model
        started = time.process_time()
        frame = cases(totals, freq, horizon, season, plan_model, eval_step, args.method)
        frame.insert(0, "set", name)
        parts.append(frame)
        backtests = frame.groupby("backtest")["origin"].nunique()
        report.append(
            f"{name}: {totals.shape[1]} teams, {len(totals)} periods ({freq}), horizon {horizon}, "
            f"system plan {plan_model}, backtest "
            + ", ".join(f"{m} at {k} origins" for m, k in backtests.items())
            + f", windows per origin {int(frame['windows'].min())}..{int(frame['windows'].max())}"
            f", {time.process_time() - started:.0f} s CPU"
        )
        report.append("")
        report.append(markdown(name, frame, args.histories, args.seed))
    pooled = pd.concat(parts, ignore_index=True)
    report.append(markdown("all sets pooled", pooled))
    text = "\n".join(report)
    print(text)
    if not args.no_write:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        stamp = f"{datetime.now(UTC):%Y-%m-%dT%H%MZ}"
        tag = "".join(c if c.isalnum() else "-" for c in args.plan_model).strip("-")
        stem = f"stretch_{stamp}_{args.method}_plan-{tag}"
        (args.out_dir / f"{stem}.md").write_text(text)
        if args.cases:
            pooled.to_csv(args.out_dir / f"{stem}_cases.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
