"""`forecast demo` and `forecast serve` from the command line."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli import app

DEMO = ["demo", "--model", "snaive", "--no-serve"]


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory):
    """`forecast demo` run once on an empty store (with -v): its result and its store, which
    each test takes a copy of (`demo_copy`), so none sees another's changes."""
    data_dir = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, [*DEMO, "--data-dir", str(data_dir), "-v"])
    assert result.exit_code == 0, result.output
    return result, data_dir


def demo_copy(first_demo, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(first_demo[1], copy)
    return copy


def test_demo_creates_the_sample_plan_once(first_demo, tmp_path):
    runner = CliRunner()
    first, _ = first_demo
    tmp_path = demo_copy(first_demo, tmp_path)
    args = [*DEMO, "--data-dir", str(tmp_path)]
    assert "created sample plan" in first.stdout
    assert "sign in with the password 'try-the-demo'" in first.output
    assert "lead-b" in first.output and "lead of team b" in first.output
    assert "series fitted" in first.stderr and "100% done" in first.stderr  # progress with -v
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "using sample plan" in second.output

    from forecast.services import plans
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=tmp_path)
    heldout, summary = plans.list_plans(store)  # the sample plan is the newest: the one opened
    assert summary.name == "Rossmann sample (weekly)"
    assert heldout.name == "Sample plan: last quarter (held out)"
    state = plans.get_plan(store, summary.plan_id)
    assert state.freq.startswith("W") and state.team_attr == "StoreType"
    assert {"olga", "piet", "lead-a", "lead-c", "lead-d"} <= set(state.members)
    assert state.team_of("lead-a") == "a"
    from forecast.services import accounts

    names = {a.name for a in accounts.list_users(store)}
    assert names == {"olga", "piet", "lead-a", "lead-b", "lead-c", "lead-d"}
    assert accounts.authenticate(store, "lead-b", "try-the-demo") is not None

    # the sample opens on a planning round in progress: both tracks have something to compare
    from forecast.services import negotiation, system

    events = system.list_events(store, summary.plan_id)
    assert [e.kind for e in events] == ["promotion", "purchase_limit"]
    assert len(system.unexplained(store, summary.plan_id)) > 0  # the purchase limit blocks publish
    ledger = negotiation.ledger(store, summary.plan_id)
    teams = ledger[ledger["team"] != "TOTAL"]
    assert set(teams.loc[teams["claim"] > 0, "team"]) == {"a", "d"}


def test_demo_makes_last_quarters_plan_agreed_and_scored_on_its_real_sales(first_demo, tmp_path):
    from forecast.services import accuracy, actuals, demo, plans
    from forecast.services.store_factory import open_store

    result, _ = first_demo
    tmp_path = demo_copy(first_demo, tmp_path)
    assert "created held-out sample plan" in result.stdout
    store = open_store(data_dir=tmp_path)
    heldout = next(s for s in plans.list_plans(store) if "held out" in s.name)
    assert heldout.status == "agreed"
    (version,) = actuals.actuals_versions(store, heldout.plan_id)
    assert version.uploaded_by == demo.DEMO_OWNER and version.rows == 100 * 13
    assert version.summary["left_out"] == {}
    assert version.filename.endswith("2015-04-27 to 2015-07-26.csv")
    # History and actuals meet: the plan's first period is the first held-out week.
    baseline = plans.load_frames(store, heldout.plan_id).baseline
    assert str(baseline["ds"].min().date()) == "2015-04-27"
    assert plans.load_frames(store, heldout.plan_id).history["ds"].max() < baseline["ds"].min()

    report = accuracy.fva(store, heldout.plan_id)
    assert report.scored_on["system_plan"]["status"] == "published"
    assert report.scored_on["target"]["status"] == "agreed"
    wape = report.overall().set_index("layer")["wape"]
    assert len({round(float(v), 6) for v in wape}) == 3  # events and negotiation both moved it
    touches = report.touches
    assert set(touches["touch_type"]) >= {"event", "claim", "assignment", "assignment rule"}
    assert touches["made_worse"].any() and not touches["made_worse"].all()
    assert set(touches.loc[touches["touch_type"] == "claim", "who"]) == {"lead-a", "lead-d"}
    assert set(touches.loc[touches["touch_type"] == "event", "who"]) == {demo.DEMO_PLANNER}
    track = accuracy.track_record(store)
    assert set(track["plan_id"]) == {heldout.plan_id}
    # piet's own holiday values against the system's offers, all together, as the track says
    together = touches[touches["touch"].str.match(r"all \d+ values given instead of the offer")]
    overall = track[track["scope"] == "overall"].iloc[0]
    assert overall["given_vs_offered"] == pytest.approx(together["value_added_wape"].iloc[0])
    assert track.loc[track["scope"] == "team", "given_vs_offered"].isna().all()
    # Still a demo store: the sign-in page shows the demo's accounts.
    assert demo.sign_in_hint(store) is not None


def test_demo_adds_the_held_out_plan_to_a_store_made_before_it(tmp_path):
    from forecast.cli.serve_cmds import ensure_demo_plan
    from forecast.services import plans
    from forecast.services.store_factory import open_store

    plan_id, _ = ensure_demo_plan(db=None, data_dir=tmp_path, model="snaive", story=False)
    assert [s.plan_id for s in plans.list_plans(open_store(data_dir=tmp_path))] == [plan_id]
    args = ["demo", "--data-dir", str(tmp_path), "--model", "snaive", "--no-serve"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"using sample plan {plan_id}" in result.stdout
    assert "created held-out sample plan" in result.stdout
    # Both can be stamped within one second (creation times are stored to the second), so
    # their listed order is not part of what this test holds.
    names = sorted(s.name for s in plans.list_plans(open_store(data_dir=tmp_path)))
    assert names == ["Rossmann sample (weekly)", "Sample plan: last quarter (held out)"]


def test_serve_refuses_a_bad_database_url(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--db", "not-a-url", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not a database URL" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_localhost(tmp_path):
    port = _free_port()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    forecast = Path(sys.executable).parent / "forecast"
    server = subprocess.Popen(
        [str(forecast), "serve", "--port", str(port), "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = None
        for _ in range(120):
            try:
                page = (
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                )
                break
            except OSError:
                time.sleep(0.25)
        assert page is not None, "the dashboard did not answer"
        assert "Forecast planner" in page
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_an_unknown_auth_mode(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--auth", "magic", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "'magic' is not one of 'password', 'header'" in result.output


def test_serve_on_a_shared_address_refuses_accounts_with_the_demos_public_password(tmp_path):
    """The README prints the demo's password: on an address others reach, anyone could sign in
    as olga, the owner. Serving there is refused, naming the accounts and the ways out."""
    from forecast.cli.serve_cmds import _refuse_public_demo_passwords
    from forecast.services import accounts, demo
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=tmp_path)
    for name in ("olga", "piet", "lead-a"):
        accounts.add_user(store, name, demo.DEMO_PASSWORD)
    accounts.set_password(store, "piet", "a passphrase of piet's own")
    accounts.disable(store, "lead-a")
    assert demo.accounts_with_demo_password(store) == ["olga"]

    result = CliRunner().invoke(
        app, ["serve", "--host", "0.0.0.0", "--port", "1", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 3, result.output
    assert "accounts olga still sign in with the demo's public password" in result.output
    assert (
        "forecast user passwd NAME" in result.output and "--allow-demo-passwords" in result.output
    )
    _refuse_public_demo_passwords(store, "0.0.0.0", allow=True)  # a demo on a trusted network
    accounts.set_password(store, "olga", "olga's own passphrase")
    assert demo.accounts_with_demo_password(store) == []
    store.close()


@pytest.mark.parametrize("debug", [False, True], ids=["waitress", "debug"])
def test_serve_on_a_port_in_use_is_refused_plainly_without_claiming_to_serve(tmp_path, debug):
    """Another program (a second dashboard) listens on the port: `forecast serve` says so and
    how to choose another, exits with the bad-input code, and never printed "dashboard on"."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["serve", "--port", str(port), "--data-dir", str(tmp_path)]
        result = CliRunner().invoke(app, [*args, "--debug"] if debug else args)

    assert result.exit_code == 2, result.output
    expected = (
        f"port {port} on 127.0.0.1 is in use (another dashboard?); choose another with --port"
    )
    assert expected in result.output
    assert "dashboard on" not in result.output
    assert "internal error" not in result.output and "bug" not in result.output


def test_two_demos_started_together_on_an_empty_store_both_end_with_the_sample_plans(tmp_path):
    """Two `forecast demo --no-serve` at once (two servers started together): each finds the
    sample plans the other made meanwhile and uses them; the store holds one of each."""
    forecast = Path(sys.executable).parent / "forecast"
    args = [str(forecast), "demo", "--no-serve", "--model", "snaive", "--data-dir", str(tmp_path)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    runs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    from forecast.services import plans
    from forecast.services.store_factory import open_store

    names = sorted(s.name for s in plans.list_plans(open_store(data_dir=tmp_path)))
    assert names == ["Rossmann sample (weekly)", "Sample plan: last quarter (held out)"]
    assert all("sign in with the password" in output for output in outputs), outputs
