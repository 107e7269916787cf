"""Take the README's screenshots of every dashboard page from the running app.

    .venv/bin/python docs/screenshots/take_screenshots.py [--data-dir DIR] [--port 8061]

Builds a demo plan in a fresh data directory through the services (the bundled Rossmann sample,
weekly, teams by StoreType, seasonal naive for speed), walks it through both tracks (a promotion
with its explanation; a goal, two claims and the assigned remainder), starts `forecast serve` on
it and saves a full-page PNG of each page with headless Chromium.
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
PAGES = {
    "data": "/",
    "system_plan": "/system",
    "negotiation": "/negotiation",
    "side_by_side": "/side-by-side",
    "plans": "/plans",
}


def build_demo(data_dir: Path) -> str:
    sys.path.insert(0, str(ROOT))
    from forecast.cli.serve_cmds import ensure_demo_plan
    from forecast.services import demo, negotiation
    from forecast.services.store_factory import open_store

    plan_id, _ = ensure_demo_plan(db=None, data_dir=str(data_dir), model="snaive")
    store = open_store(data_dir=data_dir)
    # the demo's story, one step further: a third claim, the round closed, the rest assigned
    negotiation.claim(store, plan_id, "lead-c", "c", amount="150000", note="longer opening hours")
    negotiation.close_round(store, plan_id, demo.DEMO_OWNER)
    negotiation.assign(store, plan_id, demo.DEMO_OWNER, "pro_rata_baseline")
    store.close()
    return plan_id


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the dashboard did not answer on {url}")


def shoot(base: str, user: str) -> None:
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(base + "/")
        time.sleep(4)
        driver.execute_script(
            "window.sessionStorage.setItem('nav-session', JSON.stringify("
            "Object.assign(JSON.parse(window.sessionStorage.getItem('nav-session') || '{}'), "
            "{user: arguments[0]})))",
            user,
        )
        for name, path in PAGES.items():
            driver.get(base + path)
            time.sleep(7)
            if name == "data":
                driver.find_element("id", "data-use-sample").click()
                time.sleep(6)
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1400, min(max(900, height + 40), 2600))
            time.sleep(2)
            driver.save_screenshot(str(OUT / f"{name}.png"))
            driver.set_window_size(1400, 900)
            print(f"saved {OUT / (name + '.png')}")
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--user", default="olga")
    args = parser.parse_args()
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="forecast-shots-"))
    build_demo(data_dir)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/forecast"),
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
        shoot(base, args.user)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
