"""Take the README's screenshots of every dashboard page from the running app.

    .venv/bin/python docs/screenshots/take_screenshots.py [--data-dir DIR] [--port 8061]
        [--only sign_in,members]

Builds a demo plan in a fresh data directory through the services (the bundled Rossmann sample,
weekly, teams by StoreType, seasonal naive for speed), walks it through both tracks (a promotion
with its explanation; a goal, two claims and the assigned remainder), starts `forecast serve` on
it and saves a full-page PNG of each page with headless Chromium: first the sign-in page (with
the demo's hint), then, signed in as the owner, every page and the Plans page's members editor.

The Actuals page needs sales the plan did not see, so a second plan is made from the same sample
with its last 13 weeks held out (history before Monday 2015-04-27), walked through the same story,
and the real sales of those 13 weeks are uploaded to it as actuals; nothing is invented.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
SHOTS = (
    "sign_in",
    "data",
    "system_plan",
    "negotiation",
    "side_by_side",
    "plans",
    "members",
    "actuals",
    "accuracy",
)
PAGES = {
    "data": "/",
    "system_plan": "/system",
    "negotiation": "/negotiation",
    "side_by_side": "/side-by-side",
    "plans": "/plans",
    "actuals": "/actuals",
    "accuracy": "/accuracy",
}
HOLDOUT_NAME = "Rossmann hold-out (13 weeks of real actuals)"
HOLDOUT_CUT = "2015-04-27"  # a Monday: 13 whole weeks (ending Sunday) up to 2015-07-26 follow


def build_demo(data_dir: Path) -> str:
    sys.path.insert(0, str(ROOT))
    from forecast.cli.serve_cmds import ensure_demo_plan
    from forecast.services import demo
    from forecast.services.store_factory import open_store

    plan_id, _ = ensure_demo_plan(db=None, data_dir=str(data_dir), model="snaive")
    store = open_store(data_dir=data_dir)
    demo.ensure_demo_accounts(store, plan_id)
    finish_story(store, plan_id)
    store.close()
    return plan_id


def finish_story(store, plan_id: str) -> None:
    """The demo's story, one step further: a third claim, the round closed, the rest assigned."""
    from forecast.services import demo, negotiation

    negotiation.claim(store, plan_id, "lead-c", "c", amount="150000", note="longer opening hours")
    negotiation.close_round(store, plan_id, demo.DEMO_OWNER)
    negotiation.assign(store, plan_id, demo.DEMO_OWNER, "pro_rata_baseline")


def build_holdout(data_dir: Path) -> tuple[str, Path]:
    """A plan made without the sample's last 13 weeks, and the file of those weeks' real sales.

    Both files keep the sample's layout, so the Actuals page reads the actuals with the plan's
    recorded column mapping. Returns the plan id and the absolute path of the actuals file."""
    sys.path.insert(0, str(ROOT))
    from forecast.services import demo, negotiation, plans
    from forecast.services.store_factory import open_store

    sales = pd.read_csv(demo.SAMPLE_SALES, dtype=str, keep_default_na=False)
    held_out = pd.to_datetime(sales["Date"]) >= pd.Timestamp(HOLDOUT_CUT)
    history = data_dir / "holdout_history.csv"
    actuals = (data_dir / "holdout_actuals.csv").resolve()
    sales[~held_out].to_csv(history, index=False)
    sales[held_out].to_csv(actuals, index=False)
    store = open_store(data_dir=data_dir)
    try:
        state = plans.create_plan(
            store,
            name=HOLDOUT_NAME,
            source=history,
            attributes_file=demo.SAMPLE_STORES,
            freq="W",
            horizon=13,
            team_attr="StoreType",
            actor=demo.DEMO_OWNER,
            model="snaive",
        )
        plan_id = state.plan_id
        plans.grant(store, plan_id, demo.DEMO_OWNER, demo.DEMO_PLANNER, "planner")
        frames = plans.load_frames(store, plan_id)
        for team in sorted(plans.teams_of(frames.attributes, state.team_attr).unique()):
            plans.grant(store, plan_id, demo.DEMO_OWNER, f"lead-{team}", "lead", team=team)
        demo.seed_story(store, plan_id)
        finish_story(store, plan_id)
        score = negotiation.score_file(store, plan_id, actuals)
        if "TOTAL" not in set(score["team"]) or len(score) < 2:
            raise SystemExit(f"the hold-out actuals did not score:\n{score}")
        print(score.to_string(index=False))
    finally:
        store.close()
    return plan_id, actuals


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the dashboard did not answer on {url}")


def select(driver, plan_id: str) -> None:
    """Pick the plan as the top bar would (the session the pages read)."""
    driver.execute_script(
        "window.sessionStorage.setItem('nav-session', JSON.stringify({plan_id: arguments[0]}))",
        plan_id,
    )


def sign_in(driver, base: str, user: str) -> None:
    from forecast.services.demo import DEMO_PASSWORD

    driver.get(base + "/login")
    time.sleep(1)
    driver.find_element("id", "login-name").send_keys(user)
    driver.find_element("id", "login-password").send_keys(DEMO_PASSWORD)
    driver.find_element("id", "login-submit").click()
    time.sleep(3)


def save(driver, name: str) -> None:
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(900, height + 40), 2600))
    time.sleep(2)
    driver.save_screenshot(str(OUT / f"{name}.png"))
    driver.set_window_size(1400, 900)
    print(f"saved {OUT / (name + '.png')}")


def upload_actuals(driver, actuals: Path, timeout: float = 60) -> None:
    """Drop the actuals file on the page and wait for the verdict."""
    field = driver.find_element("css selector", "#actuals-upload input[type=file]")
    field.send_keys(str(actuals))
    deadline = time.monotonic() + timeout
    while "came closer" not in driver.find_element("id", "actuals-verdict").text:
        if time.monotonic() > deadline:
            raise SystemExit("the Actuals page showed no verdict for the hold-out actuals")
        time.sleep(0.5)
    print(driver.find_element("id", "actuals-verdict").text)


def run_replay(driver, timeout: float = 240) -> None:
    """Run the Accuracy page's replay and wait for its headline."""
    button = driver.find_element("id", "replay-run")
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", button
    )
    deadline = time.monotonic() + timeout
    while not driver.find_elements("id", "replay-headline"):
        if time.monotonic() > deadline:
            raise SystemExit("the replay did not finish on the Accuracy page")
        time.sleep(1)
    print(driver.find_element("id", "replay-headline").text)
    driver.execute_script("window.scrollTo(0, 0);")
    time.sleep(2)


def shoot(
    base: str, user: str, plan_id: str, holdout: tuple[str, Path] | None, only: set[str]
) -> None:
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(base + "/")
        time.sleep(2)
        if "sign_in" in only:
            save(driver, "sign_in")
        sign_in(driver, base, user)
        select(driver, plan_id)
        for name in SHOTS:
            if name not in only or name == "sign_in":
                continue
            if name in ("actuals", "accuracy") and holdout is not None:
                select(driver, holdout[0])
            driver.get(base + PAGES.get(name, "/plans"))
            time.sleep(7)
            if name == "data":
                driver.find_element("id", "data-use-sample").click()
                time.sleep(6)
            if name == "actuals" and holdout is not None:
                upload_actuals(driver, holdout[1])
                time.sleep(3)
            if name == "accuracy":
                run_replay(driver)
                height = driver.execute_script("return document.body.scrollHeight")
                driver.set_window_size(1400, min(max(900, height + 40), 4200))
                time.sleep(2)
                save(driver, name)
                driver.set_window_size(1400, 900)
                continue
            if name == "members":
                section = driver.find_element("id", "plans-members")
                driver.execute_script("arguments[0].scrollIntoView();", section)
                time.sleep(1)
                section.screenshot(str(OUT / "members.png"))
                print(f"saved {OUT / 'members.png'}")
                continue
            save(driver, name)
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--user", default="olga")
    parser.add_argument("--only", default=",".join(SHOTS), help="Comma-separated shots.")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="forecast-shots-"))
    plan_id = build_demo(data_dir)
    # The hold-out plan is a second plan: the sign-in page then no longer shows the demo hint.
    holdout = build_holdout(data_dir) if "actuals" in only else None
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=f"{ROOT / 'src'}:{ROOT}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from forecast.cli import main; main()",
            "serve",
            "--port",
            str(args.port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(base + "/")
        shoot(base, args.user, plan_id, holdout, only)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
