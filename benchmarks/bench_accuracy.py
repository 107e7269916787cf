"""Accuracy suite: our ``auto`` against a practitioner's pipeline picked on a validation window.

For each set (accuracy_data.SETS) and in the same run:

- ours: ``auto`` (and ``ets`` and ``lightgbm``) through ``forecast_baseline``;
- peers: statsforecast AutoETS, AutoARIMA, AutoTheta, MSTL (in the peers venv, see
  peers_venv.sh; frames travel by Parquet) and their mean; a global LightGBM model tuned on the
  validation window (a small grid over leaves, learning rate and rounds); Prophet with the
  country's holidays and the set's flags as regressors;
- pipelines: each peer alone, the stat mean, mean(LightGBM, stat mean), mean(LightGBM, stat
  mean, Prophet). The pipeline with the lowest validation MASE (the horizon before the test) is
  "best of the pipeline"; its test MASE is compared with ``auto``'s.

Prints per contestant: MASE (seasonal-naive scaled, mean over series), WAPE, bias, the share of
series worse than seasonal naive, 80 %/95 % interval coverage, wall and CPU seconds; and per set
the targets: auto <= 0.97 x best pipeline, auto <= AutoETS. Never asserts.

    bash benchmarks/peers_venv.sh                    # once: the statsforecast venv
    .venv/bin/python benchmarks/bench_accuracy.py --data-dir ../shared/data/real --jobs 2
    .venv/bin/python benchmarks/bench_accuracy.py --sets us_retail,tourism   # a quick look
    .venv/bin/python benchmarks/bench_accuracy.py --sets unseen   # cuts nothing was tuned on

``--sets unseen`` runs ``accuracy_data.UNSEEN_SETS``: the same files summed in other ways
(Superstore in total and by other attributes, Walmart and Rossmann by month), a check that what
was tuned on the six sets carries to data the engine has not seen.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks.accuracy_data import SETS, UNSEEN_SETS, load_set, validation_suite  # noqa: E402
from benchmarks.engine_data import Suite  # noqa: E402
from benchmarks.engine_metrics import reference_seasonal_naive, seasonal_naive_scale  # noqa: E402

PEERS_VENV = ROOT / "benchmarks" / ".peers-venv"
SF_MODELS = ("AutoETS", "AutoARIMA", "AutoTheta", "MSTL")
SF_CHOSEN = list(SF_MODELS)
"""The statsforecast models of this run (--sf-models)."""
SF_SKIP_LONG_SEASON = {"AutoARIMA"}
"""statsforecast AutoARIMA(52) takes 6 to 18 s a series here: left out on weekly sets."""
LGBM_GRID = (
    dict(num_leaves=15, learning_rate=0.05, rounds=300),
    dict(num_leaves=31, learning_rate=0.05, rounds=300),
    dict(num_leaves=31, learning_rate=0.03, rounds=600),
    dict(num_leaves=15, learning_rate=0.05, rounds=300, l1=1),
    dict(num_leaves=15, learning_rate=0.05, rounds=300, l1=1, seasonal_level=1),
)
"""The points ``auto`` tunes over (``global_lgbm.GRID``, absolute loss and the seasonal
difference as target included: a practitioner's MAE objective and mlforecast's
``Differences([season])``), and a slower one."""
Frame = pd.DataFrame
"""Forecast frames: unique_id, ds, yhat and optionally lo-80, hi-80, lo-95, hi-95."""


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn: Callable[[], Frame]) -> tuple[Frame, float, float]:
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn()
    return out, time.perf_counter() - wall0, cpu_seconds() - cpu0


# -- contestants ------------------------------------------------------------------------------


def run_ours(suite: Suite, model: str, jobs: int) -> Frame:
    from forecast.engine.baseline import forecast_baseline

    fc = forecast_baseline(
        suite.history,
        suite.horizon,
        freq=suite.freq,
        levels=(80, 95),
        model=model,
        holidays=suite.country,
        future=suite.future,
        jobs=jobs,
    )
    out = fc.rename(
        columns={
            "baseline": "yhat",
            "baseline-lo-80": "lo-80",
            "baseline-hi-80": "hi-80",
            "baseline-lo-95": "lo-95",
            "baseline-hi-95": "hi-95",
        }
    )
    return out


def run_lgbm(suite: Suite, params: dict[str, float]) -> Frame:
    """Our global model alone with the given leaves, learning rate, rounds, loss and target
    form (the benchmark's grid point), trained and predicted as production does."""
    import forecast.engine.baseline as baseline

    fit_global = baseline.fit_global

    def with_params(tasks, levels=None, tuning=None):  # type: ignore[no-untyped-def]
        return fit_global(tasks, levels, params)

    baseline.fit_global = with_params
    try:
        return run_ours(suite, "lightgbm", 1)
    finally:
        baseline.fit_global = fit_global


PEER_CACHE: list[Path] = []
"""--peer-cache: where statsforecast forecasts are kept between runs (none: always fitted)."""


def peer_cache_key(history: Frame, model: str, suite: Suite) -> str:
    """The same history, horizon, frequency, season and model give the same peer forecast: the
    peers do not depend on this project's code, so one computed once can stand in a later run."""
    import hashlib

    digest = hashlib.sha256(pd.util.hash_pandas_object(history, index=False).to_numpy().tobytes())
    digest.update(f"{model}|{suite.horizon}|{suite.freq}|{suite.season}".encode())
    return digest.hexdigest()[:24]


def run_peer(suite: Suite, model: str, jobs: int) -> tuple[Frame, dict]:
    """One statsforecast model's wide forecast frame and its timings (read from the cache when
    --peer-cache holds it; the timings are then those of the run that computed it)."""
    python = PEERS_VENV / "bin" / "python"
    history = suite.history[["unique_id", "ds", "y"]]
    cached = (
        PEER_CACHE[0] / f"{model}_{peer_cache_key(history, model, suite)}" if PEER_CACHE else None
    )
    if cached is not None and cached.with_suffix(".parquet").exists():
        timings = json.loads(cached.with_suffix(".json").read_text())
        print(f"  peer {model}: from the cache ({timings[model]['wall']:.1f} s wall when computed)")
        return pd.read_parquet(cached.with_suffix(".parquet")), timings
    if not python.exists():
        raise RuntimeError(f"no peers venv at {PEERS_VENV}; run bash benchmarks/peers_venv.sh")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "history.parquet", Path(tmp) / "forecast.parquet"
        history.to_parquet(inp, index=False)
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        env.pop("PYTHONPATH", None)
        subprocess.run(
            [str(python), str(ROOT / "benchmarks" / "peers_statsforecast.py"), str(inp), str(out)]
            + ["--horizon", str(suite.horizon), "--freq", suite.freq]
            + ["--season", str(suite.season), "--jobs", str(jobs), "--models", model],
            check=True,
            env=env,
        )
        wide = pd.read_parquet(out)
        timings = json.loads(out.with_suffix(".json").read_text())
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        wide.to_parquet(cached.with_suffix(".parquet"), index=False)
        cached.with_suffix(".json").write_text(json.dumps(timings))
    return wide, timings


def run_statsforecast(suite: Suite, jobs: int) -> tuple[dict[str, Frame], dict[str, dict]]:
    models = [m for m in SF_CHOSEN if not (m in SF_SKIP_LONG_SEASON and suite.season > 24)]
    frames, timings = {}, {}
    for name in models:
        wide, timing = run_peer(suite, name, jobs)
        timings.update(timing)
        wide["ds"] = pd.to_datetime(wide["ds"])
        wide["unique_id"] = wide["unique_id"].astype(str)
        cols = {name: "yhat"} | {
            f"{name}-{side}-{lv}": f"{side}-{lv}" for side in ("lo", "hi") for lv in (80, 95)
        }
        frame = wide[["unique_id", "ds", *cols]].rename(columns=cols)
        for col in ("yhat", "lo-80", "hi-80", "lo-95", "hi-95"):
            frame[col] = frame[col].clip(lower=0)
        frames[name] = frame
    return frames, timings


def mean_of(frames: list[Frame]) -> Frame:
    keys = ["unique_id", "ds"]
    stacked = pd.concat([f.set_index(keys) for f in frames], keys=range(len(frames)))
    cols = [c for c in ("yhat", "lo-80", "hi-80", "lo-95", "hi-95") if all(c in f for f in frames)]
    return stacked[cols].groupby(level=[1, 2]).mean().reset_index()


# -- scoring ----------------------------------------------------------------------------------


def score(suite: Suite, fc: Frame, reference: pd.Series | None = None) -> dict[str, float]:
    scale = seasonal_naive_scale(suite.history, suite.season)
    joined = suite.actuals.merge(fc, on=["unique_id", "ds"], how="left")
    joined["yhat"] = joined["yhat"].fillna(0.0)
    err = joined["yhat"] - joined["y"]
    per_series = (err.abs().groupby(joined["unique_id"]).mean() / scale).replace(np.inf, np.nan)
    out = {
        "mase": float(per_series.mean()),
        "wape": float(err.abs().sum() / joined["y"].abs().sum()),
        "bias": float(err.sum() / joined["y"].abs().sum()),
    }
    if reference is not None:
        both = pd.concat([per_series, reference], axis=1).dropna()
        out["worse_than_naive"] = float((both.iloc[:, 0] > both.iloc[:, 1] + 1e-12).mean())
    for level in (80, 95):
        lo, hi = f"lo-{level}", f"hi-{level}"
        if lo in joined and hi in joined:
            inside = (joined["y"] >= joined[lo] - 1e-9) & (joined["y"] <= joined[hi] + 1e-9)
            out[f"cov{level}"] = float(inside.mean())
    out["_per_series"] = per_series  # type: ignore[assignment]
    return out


def reference_scores(suite: Suite) -> pd.Series:
    fc = reference_seasonal_naive(suite.history, suite.horizon, suite.season, suite.freq)
    fc = fc.rename(columns={c: "yhat" for c in fc.columns if c not in ("unique_id", "ds")})
    return score(suite, fc)["_per_series"]  # type: ignore[return-value]


# -- one set ----------------------------------------------------------------------------------


def contestants_on(suite: Suite, jobs: int, lgbm_params: dict, log) -> dict[str, tuple]:
    """name -> (frame, wall, cpu) for the peers and their pipelines on one split."""
    out: dict[str, tuple] = {}
    try:
        frames, timings = run_statsforecast(suite, jobs)
        for name, frame in frames.items():
            out[f"sf {name}"] = (frame, timings[name]["wall"], timings[name]["cpu"])
        stat = mean_of(list(frames.values()))
        # the sum of its parts' own times (a part may come from the peer cache)
        wall = sum(timings[name]["wall"] for name in frames)
        cpu = sum(timings[name]["cpu"] for name in frames)
        out["stat mean"] = (stat, wall, cpu)
    except Exception as exc:  # noqa: BLE001 - a missing peer is a result, not a crash
        log(f"  statsforecast peers unavailable: {exc}")
        stat = None
    out["lightgbm tuned"] = timed(lambda: run_lgbm(suite, lgbm_params))
    out["prophet+holidays"] = timed(lambda: run_ours(suite, "prophet", jobs))
    lgbm, prophet = out["lightgbm tuned"], out["prophet+holidays"]
    if stat is not None:
        st = out["stat mean"]
        out["mean(lightgbm, stat)"] = (mean_of([lgbm[0], stat]), lgbm[1] + st[1], lgbm[2] + st[2])
        out["mean(lightgbm, stat, prophet)"] = (
            mean_of([lgbm[0], stat, prophet[0]]),
            lgbm[1] + st[1] + prophet[1],
            lgbm[2] + st[2] + prophet[2],
        )
    return out


def tune_lgbm(validation: Suite, log) -> dict:
    best, best_score = LGBM_GRID[0], np.inf
    for params in LGBM_GRID:
        fc, _, _ = timed(lambda p=params: run_lgbm(validation, p))
        value = score(validation, fc)["mase"]
        log(f"  lightgbm grid {params}: validation MASE {value:.3f}")
        if value < best_score:
            best, best_score = params, value
    return best


def run_set(name: str, data_dir: Path, jobs: int, log) -> list[dict]:
    suite = load_set(name, data_dir)
    validation = validation_suite(suite)
    log(f"\n== {name}: {suite.n_series} series, {suite.freq}, horizon {suite.horizon}")
    params = tune_lgbm(validation, log)
    val = contestants_on(validation, jobs, params, log)
    val_scores = {k: score(validation, v[0])["mase"] for k, v in val.items()}
    best = min(val_scores, key=lambda k: val_scores[k])
    log(f"  picked on validation: {best} ({val_scores[best]:.3f})")
    ref = reference_scores(suite)
    test = contestants_on(suite, jobs, params, log)
    for model in ("auto", "ets", "lightgbm"):
        test[f"ours {model}"] = timed(lambda m=model: run_ours(suite, m, jobs))
    rows = []
    for key, (frame, wall, cpu) in test.items():
        s = score(suite, frame, ref)
        served = ""
        if "model" in frame:
            counts = frame.drop_duplicates("unique_id")["model"].value_counts()
            served = " ".join(f"{k}:{v}" for k, v in counts.head(3).items())
        rows.append(
            dict(
                set=name,
                contestant=key,
                mase=s["mase"],
                wape=s["wape"],
                bias=s["bias"],
                worse_than_naive=s.get("worse_than_naive", np.nan),
                cov80=s.get("cov80", np.nan),
                cov95=s.get("cov95", np.nan),
                wall=wall,
                cpu=cpu,
                best_on_validation=key == best,
                served=served,
            )
        )
        log(f"  {key:<32} MASE {s['mase']:.3f}  cov80 {s.get('cov80', np.nan):.2f}  {wall:6.1f} s")
    return rows


def targets(table: pd.DataFrame) -> list[str]:
    lines = []
    for name, part in table.groupby("set", sort=False):
        part = part.set_index("contestant")
        auto = part.loc["ours auto", "mase"]
        best = part[part["best_on_validation"]]
        line = f"{name}: auto {auto:.3f}"
        if len(best):
            b = best["mase"].iloc[0]
            line += (
                f"; best pipeline ({best.index[0]}) {b:.3f}: auto/best = {auto / b:.3f} "
                f"({'met' if auto <= 0.97 * b else 'missed'} <= 0.97)"
            )
        if "sf AutoETS" in part.index:
            ets = part.loc["sf AutoETS", "mase"]
            line += f"; AutoETS {ets:.3f} ({'met' if auto <= ets else 'missed'} auto <= AutoETS)"
        worse = part.loc["ours auto", "worse_than_naive"]
        line += f"; auto worse than seasonal naive on {worse:.0%} of series"
        cov = part.loc["ours auto", ["cov80", "cov95"]].tolist()
        line += f"; auto coverage 80 %: {cov[0]:.0%}, 95 %: {cov[1]:.0%}"
        lines.append(line)
    return lines


def markdown(table: pd.DataFrame) -> str:
    cols = ["set", "contestant", "mase", "wape", "bias", "worse_than_naive", "cov80", "cov95"]
    cols += ["wall", "cpu", "best_on_validation", "served"]
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    body = []
    for row in table[cols].itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append("" if np.isnan(value) else f"{value:.3f}")
            else:
                cells.append(str(value))
        body.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(body) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument(
        "--sets",
        default=",".join(SETS),
        help="comma-separated; 'unseen' stands for " + ", ".join(UNSEEN_SETS),
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--sf-models",
        default=",".join(SF_MODELS),
        help="statsforecast peers to run (AutoARIMA on 100 daily series takes tens of minutes here)",
    )
    parser.add_argument(
        "--peer-cache",
        type=Path,
        default=None,
        help="keep statsforecast forecasts here and reuse them in later runs (same history, "
        "horizon, frequency, season and model); the log says which came from the cache",
    )
    args = parser.parse_args()
    PEER_CACHE[:] = [args.peer_cache] if args.peer_cache else []
    SF_CHOSEN[:] = [m for m in args.sf_models.split(",") if m]
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    rows: list[dict] = []
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%MZ")
    tag = args.sets.replace(",", "-")
    names = [n for s in args.sets.split(",") if s for n in (UNSEEN_SETS if s == "unseen" else [s])]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        rows += run_set(name, args.data_dir, args.jobs, lambda m: print(m, flush=True))
        table = pd.DataFrame(rows)
        text = markdown(table) + "\nTargets:\n\n"
        text += "\n".join(f"- {t}" for t in targets(table)) + "\n"
        # written after every set, so a run cut short keeps what it measured
        (args.out_dir / f"accuracy_{stamp}_{tag}.md").write_text(text)
        table.to_csv(args.out_dir / f"accuracy_{stamp}_{tag}.csv", index=False)
    print("\n" + text)


if __name__ == "__main__":
    main()
