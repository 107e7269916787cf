"""statsforecast peers, run inside the peers venv (see peers_venv.sh; statsforecast pins pandas<3).

Reads ``IN.parquet`` (``unique_id, ds, y``) and writes ``OUT.parquet`` with, per model, the
point forecast and 80/95 % bounds (``AutoETS``, ``AutoETS-lo-80`` ...), plus ``OUT.json`` with the
wall and CPU seconds of each model. Usage:

    .peers-venv/bin/python peers_statsforecast.py IN.parquet OUT.parquet \
        --horizon 13 --freq W-FRI --season 52 --jobs 2 [--models AutoETS,AutoARIMA,AutoTheta,MSTL]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import pandas as pd


def build(name: str, season: int):
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta

    if name == "AutoETS":
        return AutoETS(season_length=season)
    if name == "AutoARIMA":
        return AutoARIMA(season_length=season)
    if name == "AutoTheta":
        return AutoTheta(season_length=season)
    if name == "MSTL":
        return MSTL(season_length=season, trend_forecaster=AutoETS(model="ZZN"))
    raise SystemExit(f"unknown peer model {name!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("inp")
    parser.add_argument("out")
    parser.add_argument("--horizon", type=int, required=True)
    parser.add_argument("--freq", required=True)
    parser.add_argument("--season", type=int, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--models", default="AutoETS,AutoARIMA,AutoTheta,MSTL")
    args = parser.parse_args()
    from statsforecast import StatsForecast

    history = pd.read_parquet(args.inp)[["unique_id", "ds", "y"]]
    frames, timings = [], {}
    for name in [m for m in args.models.split(",") if m]:
        sf = StatsForecast(models=[build(name, args.season)], freq=args.freq, n_jobs=args.jobs)
        t0, c0 = time.perf_counter(), os.times()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = sf.forecast(df=history, h=args.horizon, level=[80, 95])
        c1 = os.times()
        timings[name] = {
            "wall": time.perf_counter() - t0,
            "cpu": (c1.user + c1.system + c1.children_user + c1.children_system)
            - (c0.user + c0.system + c0.children_user + c0.children_system),
        }
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        frames.append(fc.set_index(["unique_id", "ds"]))
        print(f"  peer {name}: {timings[name]['wall']:.1f} s wall", flush=True)
    out = pd.concat(frames, axis=1).reset_index()
    out["unique_id"] = out["unique_id"].astype(str)
    out.to_parquet(args.out, index=False)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as handle:
        json.dump(timings, handle)


if __name__ == "__main__":
    main()
