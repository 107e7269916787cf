"""Fixtures of the browser tests: a small Rossmann plan in a per-test store, and the app on it.

The plan (6 stores in 3 store types, weekly, seasonal naive) is built once per session through
the services into a template SQLite file; each test gets its own copy in its own data directory,
so tests are independent and none pays for plan creation twice.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException

from tests.fixtures import OWNER, SmallPlan, copy_of, six_store_plan
from tests.signin import add_accounts


def pytest_configure(config: pytest.Config) -> None:
    # The machines here have no display: run Chromium headless even without --headless.
    if hasattr(config.option, "headless"):
        config.option.headless = True


@functools.cache
def browser_cache_dir() -> Path:
    """One HTTP and code cache per test process, kept across its browsers: the dashboard's
    bundles (Plotly, AG Grid) are fetched and compiled once per worker, as for a returning user,
    instead of once per test. A fresh private directory (``mkdtemp``: a name nobody can guess,
    mode 0700), not a fixed path in the shared temporary directory."""
    return Path(tempfile.mkdtemp(prefix="forecast-e2e-chromium-cache-"))


QUIET_CHROMIUM = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-quic",
)


def pytest_setup_options():  # Dash's hook: the options each test's Chromium starts with
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.add_argument(f"--disk-cache-dir={browser_cache_dir()}")
    # No calls home at start-up: on a closed network each one waits to be refused.
    for flag in QUIET_CHROMIUM:
        options.add_argument(flag)
    return options


@pytest.fixture(autouse=True)
def _prompt_waits(monkeypatch) -> None:
    """Dash's wait_for_* helpers build Selenium waits that look every 0.5 s, so each wait for
    something a callback is about to show costs a quarter of a second on average for nothing;
    look every 0.1 s, as dash.testing.wait.until does."""
    import dash.testing.browser
    from selenium.webdriver.support.wait import WebDriverWait

    monkeypatch.setattr(
        dash.testing.browser, "WebDriverWait", functools.partial(WebDriverWait, poll_frequency=0.1)
    )


@pytest.fixture(scope="session", autouse=True)
def _remove_browser_cache() -> Iterator[None]:
    yield
    shutil.rmtree(browser_cache_dir(), ignore_errors=True)


class _BrowserPool:
    """The Chromium of one test process, handed from test to test (starting one costs seconds)."""

    def __init__(self) -> None:
        self.driver: Any = None
        self.window_size: dict[str, int] | None = None

    def drop(self) -> None:
        if self.driver is not None:
            with contextlib.suppress(WebDriverException):
                self.driver.quit()
        self.driver = None


@pytest.fixture(scope="session")
def _browser_pool() -> Iterator[_BrowserPool]:
    pool = _BrowserPool()
    yield pool
    pool.drop()


def _shared_browser_composite() -> type:
    from dash.testing.composite import DashComposite

    class SharedBrowserComposite(DashComposite):
        """dash_duo on the test process's Chromium: each test gets it as a new browser would be
        (one new tab, no cookies, no session storage, no logs, its own download folder, the
        window size of a fresh start); one a test left broken is replaced by a fresh one."""

        def __init__(self, server: Any, pool: _BrowserPool, **kwargs: Any) -> None:
            self._pool = pool
            super().__init__(server, **kwargs)

        def get_webdriver(self) -> Any:
            pool = self._pool
            if pool.driver is not None:
                try:
                    _as_new(pool.driver, pool.window_size, self.download_path)
                    return pool.driver
                except WebDriverException:
                    pool.drop()
            pool.driver = super().get_webdriver()
            pool.window_size = pool.driver.get_window_size()
            return pool.driver

        def __exit__(self, exc_type: Any, exc_val: Any, traceback: Any) -> None:
            try:
                self.driver.get("about:blank")  # no request of this test's page outlives it
            except WebDriverException:
                self._pool.drop()

    return SharedBrowserComposite


def _as_new(driver: Any, window_size: dict[str, int] | None, download_path: str) -> None:
    """Leave the browser as a fresh start would be: a new tab (a tab keeps its session
    storage), no other tab, no cookies, the browser's log read out, downloads into the test's
    own folder. The HTTP cache stays, as it does for a returning user."""
    old = driver.window_handles
    driver.switch_to.new_window("tab")
    fresh = driver.current_window_handle
    for handle in old:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(fresh)
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_path}
    )
    if window_size:
        driver.set_window_size(window_size["width"], window_size["height"])
    driver.get_log("browser")


@pytest.fixture
def dash_duo(request, dash_thread_server, tmpdir, _browser_pool) -> Iterator[Any]:
    """Dash's dash_duo (same options), on the Chromium this test process keeps."""
    composite = _shared_browser_composite()
    with composite(
        dash_thread_server,
        _browser_pool,
        browser=request.config.getoption("webdriver"),
        remote=request.config.getoption("remote"),
        remote_url=request.config.getoption("remote_url"),
        headless=request.config.getoption("headless"),
        options=request.config.hook.pytest_setup_options(),
        download_path=tmpdir.mkdir("download").strpath,
        percy_assets_root=request.config.getoption("percy_assets"),
        percy_finalize=request.config.getoption("nopercyfinalize"),
        pause=request.config.getoption("pause"),
    ) as duo:
        yield duo


PLANNER = "piet"
LEADS = {"a": "lena", "c": "carl", "d": "dora"}
OUTSIDER = "nina"  # an account that is no member of the plan
HORIZON = 8
PEOPLE = (OWNER, PLANNER, *LEADS.values(), OUTSIDER)

E2EPlan = SmallPlan


@pytest.fixture(scope="session")
def plan_template(tmp_path_factory, rossmann_train, rossmann_stores) -> E2EPlan:
    return six_store_plan(
        tmp_path_factory.mktemp("e2e-template"),
        rossmann_train,
        rossmann_stores,
        name="E2E Rossmann",
        horizon=HORIZON,
        planner=PLANNER,
        leads=LEADS,
        accounts=PEOPLE,
    )


@pytest.fixture
def e2e_plan(plan_template: E2EPlan, tmp_path: Path) -> E2EPlan:
    """A private copy of the template store for one test."""
    return copy_of(plan_template, tmp_path)


def e2e_port() -> int:
    """The port of this process's test server: FORECAST_E2E_PORT (so that several checkouts can
    run their browser tests at once) plus the pytest-xdist worker's number (gw0, gw1, ...)."""
    base = int(os.environ.get("FORECAST_E2E_PORT", "8050"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return base + int(worker.removeprefix("gw") or 0)


@pytest.fixture
def start_app(dash_duo) -> Iterator[Callable[..., object]]:
    """Start the dashboard on a data directory, sign in as `user` (the owner unless told) through
    the sign-in page, open `path` and return dash_duo. After the test, the page is left to
    finish its callbacks before the server stops (one still running when it stops ends in an
    unhandled SystemExit in the server's thread)."""
    from tests.e2e.helpers import settle

    started: list[object] = []

    def start(data_dir: Path, path: str = "/", *, user: str = OWNER, **kwargs) -> object:
        from dashboard.app import create_app
        from tests.e2e.helpers import sign_in

        app = create_app(data_dir=str(data_dir), **kwargs)
        add_accounts(app.server.config["FORECAST_DASHBOARD_CTX"].store, PEOPLE)
        port = e2e_port()
        # Dash waits 3 s for the server by default, then starts a second one on the same port,
        # which fails while the first is still coming up on a loaded machine.
        dash_duo.start_server(app, navigate=False, port=port, start_timeout=60)
        dash_duo._url = dash_duo.server.url  # set without navigating: the app needs a sign-in
        dash_duo.driver.set_window_size(1400, 1000)
        sign_in(dash_duo, user, path)
        started.append(app)
        return dash_duo

    yield start
    if started:
        # a page without the app (signed out) has nothing to wait for
        with contextlib.suppress(WebDriverException):
            settle(dash_duo)


@pytest.fixture
def agreed_plan(e2e_plan: E2EPlan) -> E2EPlan:
    """The test's plan negotiated through the services: goal 10/6.5 of the baseline, claims by
    the leads of a and c, remainder pro rata to baseline, locked."""
    from forecast.services import negotiation, system
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=e2e_plan.data_dir)
    plan = e2e_plan.plan_id
    negotiation.set_goal(store, plan, OWNER, ratio="10/6.5")
    negotiation.claim(store, plan, LEADS["a"], "a", amount="50000", note="second flyer wave")
    negotiation.claim(store, plan, LEADS["c"], "c", amount="30000", note="longer opening hours")
    negotiation.close_round(store, plan, OWNER)
    negotiation.assign(store, plan, OWNER, "pro_rata_baseline")
    system.publish(store, plan, OWNER)
    negotiation.lock(store, plan, OWNER)
    store.close()
    return e2e_plan
