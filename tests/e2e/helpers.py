"""Browser helpers shared by the e2e tests."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlparse

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By

from tests.signin import PASSWORD

UNCHANGED = "0.0 % against the baseline, 0 event(s)"
"""The System plan card of a plan without events (zero reads "0.0 %", unsigned)."""


def sign_in(dash_duo, user: str, path: str | None = None, password: str = PASSWORD) -> None:
    """Sign in as `user` on the sign-in page (signing out whoever is signed in first) and come
    back to `path` (default: the page the browser is on)."""
    driver = dash_duo.driver
    here = urlparse(driver.current_url)
    if path is None:
        path = here.path or "/"
    # A new tab (about:blank) shows no page of the app, so nobody is signed in on it: looking
    # for the sign-out button there would wait out the driver's implicit wait (2 s) for nothing.
    on_app = here.scheme in ("http", "https")
    if on_app and driver.find_elements(By.CSS_SELECTOR, "#nav-sign-out"):
        click(dash_duo, "#nav-sign-out")
        dash_duo.wait_for_element("#login-form", timeout=10)
    driver.get(f"{dash_duo.server_url}/login?next={quote(path)}")
    dash_duo.wait_for_element("#login-name", timeout=10).send_keys(user)
    dash_duo.find_element("#login-password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#nav-role", user, timeout=15)
    settle(dash_duo)


def settle(dash_duo, timeout: float = 30) -> None:
    """Wait until no callback is pending: after a sign-in the page renders for the selected plan
    once more, and a click on an element about to be replaced would be lost."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if dash_duo.redux_state_rqs == [] else 0
        if quiet >= 3:
            return
        time.sleep(0.2)


def count_now(dash_duo, selector: str) -> int:
    """How many elements match `selector` once no callback is pending (``settle``). To check that
    something is not shown, after waiting for what is: a callback still on its way (another
    callback's output, or a redraw after the one waited for) could yet bring it back, so the
    page is read only when it is quiet; `dash_duo.find_elements` would instead wait out the
    driver's implicit wait (2 s) on every empty answer."""
    settle(dash_duo)
    return dash_duo.driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length", selector
    )


def sideways_scroll_at(dash_duo, width: int, height: int = 768, timeout: float = 10) -> list[str]:
    """At a window of `width` px: what sticks out past the page's right edge (empty when nothing
    makes the page scroll sideways). Charts redraw for the new width on their own time, so it
    waits up to `timeout` for the page to fit before naming what does not."""
    driver = dash_duo.driver
    driver.set_window_size(width, height)
    script = "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    deadline = time.monotonic() + timeout
    while driver.execute_script(script) > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return driver.execute_script(
        """const edge = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= edge) return [];
        return Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > edge + 1 && !e.closest('.ag-root'))
            .slice(0, 5).map(e => (e.id || e.className || e.tagName) + ' ends at '
                + Math.round(e.getBoundingClientRect().right) + ' of ' + edge + ' px');"""
    )


def upload(dash_duo, path: Path, component: str = "data-upload") -> None:
    """Choose `path` in the upload's file input, as the file dialog does. The input is not
    cleared here: the page's own script (forecast.js) makes the same file chosen again fire."""
    field = dash_duo.driver.find_element(By.CSS_SELECTOR, f"#{component} input[type=file]")
    field.send_keys(str(path))


def click(dash_duo, selector: str, wait: float = 10.0) -> None:
    """Scroll the element into view and click it (long pages put buttons below the fold). While
    something covers it (a menu closing, a part of the page drawn again above it), wait and try
    again for up to `wait` seconds, as a person would; then fail with the browser's reason."""
    deadline = time.monotonic() + wait
    while True:
        element = dash_duo.find_element(selector)
        dash_duo.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
        )
        try:
            element.click()
            return
        except (ElementClickInterceptedException, StaleElementReferenceException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def type_into(dash_duo, selector: str, text: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.clear()
    element.send_keys(text)


def pick(dash_duo, selector: str, label: str) -> None:
    """Choose the option labelled `label` (or starting with it) in a dcc.Dropdown."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()
    menu = dash_duo.wait_for_element(".dash-dropdown-options", timeout=5)
    options = menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
    texts = [o.text for o in options]
    for option in options:
        if option.text == label or option.text.startswith(label):
            dash_duo.driver.execute_script("arguments[0].click();", option)
            return
    raise AssertionError(f"no option {label!r} in {selector}; options are {texts}")


SERIOUS = ("serious", "critical")


def axe_violations(dash_duo, impacts: tuple[str, ...] = SERIOUS) -> list[dict]:
    """Run axe-core (shipped inside the axe-core-python package, nothing downloaded) on the
    page as it is now; the violations of the given impacts, each with the elements it found."""
    from axe_core_python.selenium import Axe

    result = Axe().run(dash_duo.driver)
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}), {len(v['nodes'])} element(s):")
        lines += [
            f"    {' '.join(map(str, n['target']))}: {n.get('failureSummary', '')[:160]!r}"
            for n in v["nodes"][:12]
        ]
    return "\n".join(lines)
