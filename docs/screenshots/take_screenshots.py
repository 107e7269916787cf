"""Take the README's screenshots of every dashboard page from the running app.

    .venv/bin/python docs/screenshots/take_screenshots.py [--data-dir DIR] [--port 8061]
        [--only sign_in,members]

Builds the demo's plans in a fresh data directory as `forecast demo` does (the bundled Rossmann
sample, weekly, teams by StoreType; the sample plan with a seasonal naive baseline for speed),
walks the sample plan one step further (a third claim, the remainder assigned), starts `forecast
serve` on it and saves a full-page PNG of each page with headless Chromium: first the sign-in page
(with the demo's hint), then, signed in as the owner, every page and the Plans page's members
editor.

The Actuals and Accuracy pages show the demo's held-out plan: made from the same sample without
its last 13 weeks, agreed, and scored against the real sales of those weeks; nothing is invented.
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


def build_demo(data_dir: Path) -> tuple[str, str]:
    """The demo's plans: (the sample plan's id, the held-out plan's id)."""
    sys.path.insert(0, str(ROOT))
    from forecast.cli.serve_cmds import ensure_demo_plan
    from forecast.services import demo, demo_heldout
    from forecast.services.store_factory import open_store

    plan_id, _ = ensure_demo_plan(db=None, data_dir=str(data_dir), model="snaive")
    store = open_store(data_dir=data_dir)
    demo.ensure_demo_accounts(store, plan_id)
    finish_story(store, plan_id)
    heldout = demo_heldout.find_heldout_plan(store)
    store.close()
    if heldout is None:
        raise SystemExit("forecast demo made no held-out plan")
    return plan_id, heldout


def finish_story(store, plan_id: str) -> None:
    """The demo's story, one step further: a third claim, the round closed, the rest assigned."""
    from forecast.services import demo, negotiation

    negotiation.claim(store, plan_id, "lead-c", "c", amount="150000", note="longer opening hours")
    negotiation.close_round(store, plan_id, demo.DEMO_OWNER)
    negotiation.assign(store, plan_id, demo.DEMO_OWNER, "pro_rata_baseline")


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


def wait_for_verdict(driver, timeout: float = 60) -> None:
    """Wait for the Actuals page's verdict on the kept actuals."""
    deadline = time.monotonic() + timeout
    while "came closer" not in driver.find_element("id", "actuals-verdict").text:
        if time.monotonic() > deadline:
            raise SystemExit("the Actuals page showed no verdict for the held-out actuals")
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


def shoot(base: str, user: str, plan_id: str, heldout: str, only: set[str]) -> None:
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
            if name in ("actuals", "accuracy"):
                select(driver, heldout)
            driver.get(base + PAGES.get(name, "/plans"))
            time.sleep(7)
            if name == "data":
                driver.find_element("id", "data-use-sample").click()
                time.sleep(6)
            if name == "actuals":
                wait_for_verdict(driver)
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
    plan_id, heldout = build_demo(data_dir)
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
        shoot(base, args.user, plan_id, heldout, only)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
