"""Server time of the dashboard's main callbacks on a generated 10,000-series plan.

    .venv/bin/python benchmarks/bench_dashboard.py [--series 10000] [--history 104] [--horizon 13]
    .venv/bin/python benchmarks/bench_dashboard.py --case fva [--series 10000] [--events 200]

Generates weekly history for N series in 10 teams (regions), a baseline with 80/95 % intervals
(generated, so no model time is measured), stores the plan through the services in a temporary
SQLite store, and then times each callback as the browser would call it (an HTTP POST to Dash's
callback endpoint through Flask's test client: parsing, the service calls, the figure builder and
the JSON response). Prints one line per callback with the median of `--repeat` runs, the first
run (cold caches), the response size, and nothing else: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def generate(n_series: int, history: int, horizon: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"S{i:05d}" for i in range(n_series)])
    teams = np.array([f"R{i % 10:02d}" for i in range(n_series)])
    level = rng.lognormal(mean=8.0, sigma=0.6, size=n_series)
    hist_ds = pd.date_range("2023-01-06", periods=history, freq="W-FRI")
    t = np.arange(history)
    season = 1 + 0.2 * np.sin(2 * np.pi * t / 52)
    y = level[:, None] * season[None, :] * rng.lognormal(0, 0.1, size=(n_series, history))
    promo = (rng.random((n_series, history)) < 0.15).astype(float)
    y = y * (1 + 0.3 * promo)
    hist = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, history),
            "ds": np.tile(hist_ds, n_series),
            "y": y.ravel().round(2),
            "promo": promo.ravel(),
        }
    )
    fut_ds = pd.date_range(hist_ds[-1] + pd.Timedelta(weeks=1), periods=horizon, freq="W-FRI")
    tf = np.arange(history, history + horizon)
    point = level[:, None] * (1 + 0.2 * np.sin(2 * np.pi * tf / 52))[None, :]
    base = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, horizon),
            "ds": np.tile(fut_ds, n_series),
            "baseline": point.ravel(),
        }
    )
    for lv, z in ((80, 1.2816), (95, 1.96)):
        base[f"baseline-lo-{lv}"] = (base["baseline"] * (1 - 0.1 * z)).clip(lower=0)
        base[f"baseline-hi-{lv}"] = base["baseline"] * (1 + 0.1 * z)
    base["model"] = "generated"
    attrs = pd.DataFrame(
        {"unique_id": ids, "region": teams, "category": [f"C{i % 7}" for i in range(n_series)]}
    )
    return {"history": hist, "attributes": attrs, "baseline": base}


def key_for(app: Any, first_output: str, trigger: tuple[str, str]) -> str:
    for key, spec in app.callback_map.items():
        outputs = [p.split("@")[0] for p in key.strip(".").split("...")]
        if outputs[0] == first_output and any(
            i.get("id") == trigger[0] and i.get("property") == trigger[1] for i in spec["inputs"]
        ):
            return key
    raise SystemExit(f"no callback writes {first_output} on {trigger}")


def post(
    client: Any, app: Any, first_output: str, inputs: list, state: list = (), changed: int = 0
) -> tuple[float, int]:
    """POST one callback; `changed` is the index of the input that fired (default the first)."""
    key = key_for(app, first_output, inputs[changed][:2])
    outputs = [
        {"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
        for p in key.strip(".").split("...")
    ]
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[changed][0]}.{inputs[changed][1]}"],
    }
    start = time.perf_counter()
    response = client.post("/_dash-update-component", json=body)
    elapsed = time.perf_counter() - start
    if response.status_code not in (200, 204):
        raise SystemExit(f"{first_output}: HTTP {response.status_code}: {response.data[:300]!r}")
    return elapsed, len(response.data)


BENCH_PASSWORD = "a benchmark password"


def sign_in(client: Any, name: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r"name='csrf' value='([^']+)'", page)
    if not found:
        raise SystemExit("no sign-in form at /login")
    response = client.post(
        "/login", data={"name": name, "password": BENCH_PASSWORD, "csrf": found.group(1)}
    )
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: HTTP {response.status_code}")


def session_check(app: Any, client: Any, plan_id: str, runs: int = 200) -> None:
    """What the sign-in adds to every callback: open the signed session cookie, load the account
    (is it still active?) and check the requested plan is one the user may see."""
    cookie = client.get_cookie("forecast_session")
    body = {
        "output": "..nav-plan.options...nav-plan.value..",
        "inputs": [{"id": "nav-plans-changed", "property": "data", "value": 0}],
        "state": [{"id": "nav-session", "property": "data", "value": {"plan_id": plan_id}}],
    }
    times = []
    for _ in range(runs):
        request = app.server.test_request_context(
            "/_dash-update-component",
            method="POST",
            json=body,
            headers={"Cookie": f"forecast_session={cookie.value}"},
        )
        start = time.perf_counter()
        request.push()
        try:
            refused = app.server.preprocess_request()
        finally:
            request.pop()
        times.append(time.perf_counter() - start)
        if refused is not None:
            raise SystemExit(f"the session check refused the benchmark's request: {refused}")
    print(
        f"session check per callback (cookie, account, plan membership): median "
        f"{statistics.median(times) * 1000:.2f} ms, p95 "
        f"{sorted(times)[int(runs * 0.95)] * 1000:.2f} ms over {runs} requests (target < 5 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=104)
    parser.add_argument("--horizon", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--case",
        choices=("callbacks", "fva", "all"),
        default="all",
        help="callbacks: the pages' main callbacks; fva: FVA on N series x 52 periods with "
        "--events events (a plan of its own)",
    )
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    if args.case in ("fva", "all"):
        fva_case(args)
    if args.case == "fva":
        return

    from dashboard.app import create_app
    from forecast.services import plans, system
    from forecast.services.store_factory import open_store

    data_dir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    t0 = time.perf_counter()
    frames = generate(args.series, args.history, args.horizon)
    store = open_store(data_dir=data_dir)
    state = plans.create_plan_from_frames(
        store,
        name="Bench",
        history=frames["history"],
        attributes=frames["attributes"],
        freq="W-FRI",
        horizon=args.horizon,
        team_attr="region",
        actor="olga",
        baseline=frames["baseline"],
    )
    plan_id = state.plan_id
    plans.grant(store, plan_id, "olga", "lena", "lead", team="R00")
    dates = sorted(frames["baseline"]["ds"].unique())
    d0, d1 = pd.Timestamp(dates[2]).date().isoformat(), pd.Timestamp(dates[4]).date().isoformat()
    system.add_event(
        store,
        plan_id,
        "olga",
        name="Promo",
        kind="promotion",
        scope=system.Scope.parse(["region=R01"]),
        start=d0,
        end=d1,
        effect="percent",
        value=30,
    )
    print(
        f"plan: {args.series:,} series x {args.history} weeks history, horizon {args.horizon}, "
        f"10 teams; set up in {time.perf_counter() - t0:.1f} s (data dir {data_dir})"
    )

    from forecast.services import accounts

    accounts.add_user(store, "olga", BENCH_PASSWORD)
    app = create_app(data_dir=str(data_dir))
    client = app.server.test_client()
    sign_in(client, "olga")
    client.get("/")
    session = {"plan_id": plan_id}
    session_check(app, client, plan_id)

    def version() -> int:
        return plans.get_plan(store, plan_id).version

    cases: list[tuple[str, Any]] = [
        (
            "navbar: list plans",
            lambda: post(
                client,
                app,
                "nav-plan.options",
                [("nav-plans-changed", "data", 0)],
                [("nav-session", "data", session)],
            ),
        ),
        (
            "navbar: who is signed in, role in the plan",
            lambda: post(
                client,
                app,
                "nav-session.data",
                [("nav-plan", "value", plan_id)],
                [("nav-session", "data", session)],
            ),
        ),
        (
            "system: render page (cards, events, deviations)",
            lambda: post(
                client,
                app,
                "sys-totals.children",
                [("nav-session", "data", session), ("sys-refresh", "data", 0)],
            ),
        ),
        (
            "system: fan chart, whole plan",
            lambda: post(
                client,
                app,
                "sys-fan.figure",
                [
                    ("sys-version", "data", 1),
                    ("sys-level", "value", "total"),
                    ("sys-drill", "value", None),
                ],
                [("nav-session", "data", session)],
            ),
        ),
        (
            "system: fan chart, one team",
            lambda: post(
                client,
                app,
                "sys-fan.figure",
                [
                    ("sys-version", "data", 1),
                    ("sys-level", "value", "team"),
                    ("sys-drill", "value", "R01"),
                ],
                [("nav-session", "data", session)],
            ),
        ),
        (
            "system: fan chart, one series",
            lambda: post(
                client,
                app,
                "sys-fan.figure",
                [
                    ("sys-version", "data", 1),
                    ("sys-level", "value", "series"),
                    ("sys-drill", "value", "S00001"),
                ],
                [("nav-session", "data", session)],
            ),
        ),
        (
            "system: series search (drill-down options)",
            lambda: post(
                client,
                app,
                "sys-drill.options",
                [("sys-level", "value", "series"), ("sys-drill", "search_value", "S0012")],
                [("nav-session", "data", session), ("sys-drill", "value", None)],
            ),
        ),
        (
            "system: suggested uplift",
            lambda: post(
                client,
                app,
                "sys-event-suggestion.children",
                [
                    ("sys-event-kind", "value", "promotion"),
                    ("sys-event-scope", "value", "region=R02"),
                    ("nav-session", "data", session),
                ],
            ),
        ),
        (
            "system: add event (edit, no refit)",
            lambda: post(
                client,
                app,
                "sys-alert.children",
                [("sys-event-add", "n_clicks", 1)],
                [
                    ("nav-session", "data", session),
                    ("sys-version", "data", version()),
                    ("sys-event-name", "value", "Bench promo"),
                    ("sys-event-kind", "value", "promotion"),
                    ("sys-event-scope", "value", "region=R03"),
                    ("sys-event-start", "value", d0),
                    ("sys-event-end", "value", d1),
                    ("sys-event-effect", "value", "percent"),
                    ("sys-event-value", "value", 10),
                    ("sys-event-reason", "value", "bench"),
                    ("sys-refresh", "data", 0),
                ],
            ),
        ),
        (
            "negotiation: render before goal",
            lambda: post(
                client,
                app,
                "neg-stage.children",
                [
                    ("nav-session", "data", session),
                    ("neg-refresh", "data", 0),
                    ("neg-rule", "value", "pro_rata_baseline"),
                ],
            ),
        ),
        (
            "system: set the gate threshold",
            lambda: post(
                client,
                app,
                "sys-alert.children",
                [("sys-threshold-set", "n_clicks", 1)],
                [
                    ("sys-threshold", "value", 20),
                    ("nav-session", "data", session),
                    ("sys-version", "data", version()),
                    ("sys-refresh", "data", 0),
                ],
            ),
        ),
        (
            "negotiation: goal split by period (fill the grid)",
            lambda: post(
                client,
                app,
                "neg-period-box.style",
                [("neg-split", "value", True), ("neg-goal-basis", "value", "baseline")],
                [("neg-goal", "value", "1.2x"), ("nav-session", "data", session)],
            ),
        ),
        (
            "negotiation: set goal",
            lambda: post(
                client,
                app,
                "neg-alert.children",
                [("neg-set-goal", "n_clicks", 1)],
                [
                    ("neg-goal", "value", "1.2x"),
                    ("neg-goal-basis", "value", "baseline"),
                    ("neg-split", "value", False),
                    ("neg-period-grid", "rowData", []),
                    ("nav-session", "data", session),
                    ("neg-version", "data", version()),
                    ("neg-refresh", "data", 0),
                ],
            ),
        ),
        (
            "negotiation: render with goal (ledger, stretch, board)",
            lambda: post(
                client,
                app,
                "neg-stage.children",
                [
                    ("nav-session", "data", session),
                    ("neg-refresh", "data", 1),
                    ("neg-rule", "value", "pro_rata_baseline"),
                ],
            ),
        ),
        (
            "side by side: render (spread, ledger, stretch)",
            lambda: post(client, app, "sbs-totals.children", [("nav-session", "data", session)]),
        ),
        (
            "side by side: per-period lines, one team",
            lambda: post(
                client,
                app,
                "sbs-period-lines.figure",
                [("sbs-team-pick", "value", "R01"), ("nav-session", "data", session)],
            ),
        ),
        (
            "plans: render (versions, audit)",
            lambda: post(
                client,
                app,
                "plans-grid.rowData",
                [("nav-session", "data", session), ("plans-refresh", "data", 0)],
            ),
        ),
        (
            "plans: download CSV",
            lambda: post(
                client,
                app,
                "plans-download.data",
                [
                    ("plans-download-csv", "n_clicks", 1),
                    ("plans-download-xlsx", "n_clicks", None),
                    ("plans-download-json", "n_clicks", None),
                ],
                [("nav-session", "data", session)],
            ),
        ),
        (
            "plans: download XLSX (a sheet per view)",
            lambda: post(
                client,
                app,
                "plans-download.data",
                [
                    ("plans-download-csv", "n_clicks", None),
                    ("plans-download-xlsx", "n_clicks", 1),
                    ("plans-download-json", "n_clicks", None),
                ],
                [("nav-session", "data", session)],
                changed=1,
            ),
        ),
    ]
    once = {
        "plans: download XLSX (a sheet per view)",
        "system: add event (edit, no refit)",
        "negotiation: set goal",
        "negotiation: render before goal",
    }
    print(f"{'callback':58s} {'median s':>9s} {'first s':>8s} {'runs':>5s} {'response':>12s}")
    for name, run in cases:
        times, size = [], 0
        for _ in range(1 if name in once else args.repeat):
            elapsed, size = run()
            times.append(elapsed)
        print(
            f"{name:58s} {statistics.median(times):9.3f} {times[0]:8.3f} {len(times):5d} "
            f"{size / 1024:10.0f} kB"
        )
    store.close()


FVA_PERIODS = 52


def fva_case(args: argparse.Namespace) -> None:
    """FVA on N series x 52 periods with `--events` events: a generated plan with events of every
    effect, claims, an assignment and a lock, actuals for every period; then the Accuracy page's
    callback (server time: wall clock and this process's CPU time; the first call builds the
    negotiated plan, later ones reuse the report of the same plan and actuals versions) and the
    FVA computed afresh from the plan frames."""
    from dashboard.app import create_app
    from forecast.overrides import Scope
    from forecast.services import accuracy, actuals, negotiation, plans, system
    from forecast.services.store_factory import open_store

    rng = np.random.default_rng(11)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-fva-"))
    t0 = time.perf_counter()
    frames = generate(args.series, args.history, FVA_PERIODS)
    store = open_store(data_dir=data_dir)
    state = plans.create_plan_from_frames(
        store,
        name="Bench FVA",
        history=frames["history"],
        attributes=frames["attributes"],
        freq="W-FRI",
        horizon=FVA_PERIODS,
        team_attr="region",
        actor="olga",
        baseline=frames["baseline"],
    )
    plan_id = state.plan_id
    for team in ("R00", "R01", "R02"):
        plans.grant(store, plan_id, "olga", f"lead{team}", "lead", team=team)
    plans.grant(store, plan_id, "olga", "piet", "planner")
    dates = sorted(frames["baseline"]["ds"].unique())
    effects = [("percent", 15.0), ("percent", -10.0), ("add", 200.0), ("cap", 4000.0)]
    effects.append(("set", 2500.0))
    for i in range(args.events):
        first = int(rng.integers(0, FVA_PERIODS - 8))
        last = first + int(rng.integers(0, 8))
        effect, value = effects[i % len(effects)]
        selector = (
            [f"region=R{int(rng.integers(0, 10)):02d}"]
            if i % 2
            else [f"category=C{int(rng.integers(0, 7))}"]
        )
        system.add_event(
            store,
            plan_id,
            "piet" if i % 3 else "olga",
            name=f"Event {i}",
            kind=("promotion", "festival", "purchase_limit", "other")[i % 4],
            scope=Scope.parse(selector),
            start=pd.Timestamp(dates[first]).date(),
            end=pd.Timestamp(dates[last]).date(),
            effect=effect,
            value=value,
        )
    negotiation.set_goal(store, plan_id, "olga", ratio="1.05")
    for team in ("R00", "R01", "R02"):
        negotiation.claim(store, plan_id, f"lead{team}", team, percent="2", note="bench")
    negotiation.close_round(store, plan_id, "olga")
    negotiation.assign(store, plan_id, "olga", "pro_rata_baseline")
    negotiation.lock(store, plan_id, "olga")
    base = frames["baseline"]
    noise = rng.lognormal(0, 0.15, size=len(base))
    truth = base[["unique_id", "ds"]].assign(y=(base["baseline"] * noise).round(2))
    truth["ds"] = truth["ds"].dt.strftime("%Y-%m-%d")
    upload = actuals.upload_actuals(
        store, plan_id, truth.to_csv(index=False).encode(), filename="actuals.csv", actor="olga"
    )
    print(
        f"FVA plan: {args.series:,} series x {FVA_PERIODS} periods, {args.events} events, "
        f"{upload.total:,} actuals; set up in {time.perf_counter() - t0:.1f} s (data dir "
        f"{data_dir})"
    )
    app = create_app(data_dir=str(data_dir))
    client = app.server.test_client()
    client.get("/")
    session = {"plan_id": plan_id, "user": "olga"}

    def page() -> tuple[float, float, int]:
        cpu = time.process_time()
        elapsed, size = post(
            client,
            app,
            "acc-waterfall.figure",
            [("nav-session", "data", session), ("acc-layer-scope", "value", "overall")],
        )
        return elapsed, time.process_time() - cpu, size

    def service() -> tuple[float, float, int]:
        start, cpu = time.perf_counter(), time.process_time()
        report = accuracy.fva(store, plan_id, fresh=True)
        return time.perf_counter() - start, time.process_time() - cpu, len(report.touches)

    name = f"FVA {args.series:,} x {FVA_PERIODS}, {args.events} events"
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time grows with it)"
    )
    print(
        f"{'case':52s} {'median s':>9s} {'first s':>8s} {'cpu med':>8s} {'cpu 1st':>8s} "
        f"{'runs':>5s} {'response':>12s}"
    )
    for label, run, unit in (
        (f"{name}: Accuracy page callback", page, "kB"),
        (f"{name}: FVA computed afresh (service)", service, "touches"),
    ):
        times, cpus, size = [], [], 0
        for _ in range(args.repeat):
            elapsed, cpu, size = run()
            times.append(elapsed)
            cpus.append(cpu)
        shown = f"{size / 1024:10.0f} kB" if unit == "kB" else f"{size:7d} touches"
        print(
            f"{label:52s} {statistics.median(times):9.3f} {times[0]:8.3f} "
            f"{statistics.median(cpus):8.3f} {cpus[0]:8.3f} {len(times):5d} {shown}"
        )
    store.close()


if __name__ == "__main__":
    main()
