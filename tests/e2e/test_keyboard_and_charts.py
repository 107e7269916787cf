"""Keyboard only and screen readers: one planning cycle walked with the keyboard alone (sign in,
every page from the navbar, an event added and changed in the grid, a claim, the export), focus
always visible and never trapped; every chart named and described in words and numbers; the
Accuracy page's legends under their plots on a phone."""

from __future__ import annotations

import json
import time
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.e2e.conftest import LEADS, OWNER, PLANNER, E2EPlan
from tests.e2e.test_accuracy import scored_plan  # noqa: F401  (a fixture of this module's test)
from tests.signin import PASSWORD

FOCUSED = """const e = document.activeElement;
if (!e || e === document.body) return null;
const style = getComputedStyle(e);
const drawn = s => parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== 'none'
    && s.borderTopColor !== 'rgba(0, 0, 0, 0)';
// AG Grid marks its focused cell or header with a border of its own (or of its ::after)
const grid = e.closest('.ag-root') !== null
    && (drawn(style) || drawn(getComputedStyle(e, '::after')));
const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || (style.boxShadow && style.boxShadow !== 'none') || grid;
return {id: e.id, tag: e.tagName, html: e.outerHTML.slice(0, 300), cls: String(e.className), text: (e.innerText || e.value || '').trim().slice(0, 40),
        href: e.getAttribute('href'), matches: e.matches(arguments[0]), ring: ring,
        visible: e.matches(':focus-visible'), col: e.getAttribute('col-id') || ''};"""


def _describe(focused: dict | None) -> str:
    if focused is None:
        return "<body>"
    return f"{focused['tag']}#{focused['id']}.{focused['cls']} {focused['href'] or ''} {focused['text']!r}"


def tab_to(dash_duo, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab) until the element matching `selector` has the focus; every element
    passed on the way shows where the focus is. Fails naming the path when it is not reached
    within `limit` presses (unreachable, or the focus is trapped in a loop short of it)."""
    path: list[str] = []
    for _ in range(limit):
        keys = ActionChains(dash_duo.driver)
        if backwards:
            keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            keys.send_keys(Keys.TAB)
        keys.perform()
        focused = dash_duo.driver.execute_script(FOCUSED, selector)
        if focused is None:
            path.append("<body>")
            continue
        assert focused["ring"], f"no visible focus on {_describe(focused)} {focused['html']}"
        path.append(_describe(focused))
        if focused["matches"]:
            return
    raise AssertionError(f"{selector} not reached by Tab; the focus went: " + " → ".join(path))


def press(dash_duo, *keys: str) -> None:
    ActionChains(dash_duo.driver).send_keys(*keys).perform()


def sign_in_by_keyboard(dash_duo, user: str, path: str) -> None:
    """Sign out with Shift+Tab to the navbar's button and Enter, then sign in as `user`."""
    tab_to(dash_duo, "#nav-sign-out", backwards=True)
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_element("#login-form", timeout=10)
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next={path}")
    dash_duo.wait_for_element("#login-name", timeout=10)
    # the name field takes the focus on its own (autofocus): type, Tab, type, Enter
    press(dash_duo, user, Keys.TAB, PASSWORD, Keys.ENTER)
    dash_duo.wait_for_contains_text("#nav-role", user, timeout=15)


def test_a_planning_cycle_with_the_keyboard_alone(start_app, e2e_plan: E2EPlan):
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store
    from tests.e2e.helpers import settle

    store = open_store(data_dir=e2e_plan.data_dir)
    negotiation.set_goal(store, e2e_plan.plan_id, OWNER, ratio="10/6.5")
    store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/")
    sign_in_by_keyboard(dash_duo, PLANNER, "/")
    settle(dash_duo)

    # every page from the navbar, by Tab and Enter
    pages = [
        ("/system", "#sys-total-plan"),
        ("/negotiation", "#neg-alert"),
        ("/side-by-side", "#sbs-totals"),
        ("/actuals", "#actuals-upload"),
        ("/accuracy", "#acc-alert"),
        ("/plans", "#plans-grid"),
        ("/", "#data-upload"),
    ]
    for path, ready in pages:
        tab_to(dash_duo, f".navbar a.nav-link[href='{path}']")
        press(dash_duo, Keys.ENTER)
        dash_duo.wait_for_element(ready, timeout=20)
        settle(dash_duo)

    # System plan: an event from the form, then its value changed in the events grid
    tab_to(dash_duo, ".navbar a.nav-link[href='/system']", backwards=True)
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_contains_text("#sys-total-plan", "0 event(s)", timeout=20)
    settle(dash_duo)
    for field, text in (
        ("#sys-event-name", "Summer promotion"),
        ("#sys-event-scope", "StoreType=a"),
        ("#sys-event-value", "30"),
        ("#sys-event-reason", "national flyer"),
    ):
        tab_to(dash_duo, field)
        press(dash_duo, text)
    tab_to(dash_duo, "#sys-event-add")
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_contains_text("#sys-alert", "Added E1 'Summer promotion'", timeout=20)
    dash_duo.wait_for_contains_text("#sys-events-grid", "Summer promotion", timeout=20)
    tab_to(dash_duo, "#sys-events-grid [row-id=E1] .ag-cell, #sys-events-grid .ag-header-cell")
    for _ in range(3):  # from the header (if there) down to the event's row
        if dash_duo.driver.execute_script(FOCUSED, "#sys-events-grid [row-id=E1] .ag-cell")[
            "matches"
        ]:
            break
        press(dash_duo, Keys.ARROW_DOWN)
    for _ in range(30):
        if dash_duo.driver.execute_script(FOCUSED, "[col-id=value]")["matches"]:
            break
        press(dash_duo, Keys.ARROW_RIGHT)
    press(dash_duo, Keys.ENTER)
    editor = dash_duo.wait_for_element("#sys-events-grid [row-id=E1] [col-id=value] input", 10)
    editor.send_keys(Keys.CONTROL, "a")
    press(dash_duo, "45", Keys.ENTER)
    dash_duo.wait_for_contains_text("#sys-alert", "Changed E1 'Summer promotion'", timeout=20)
    settle(dash_duo)

    # Negotiation: the lead of team a enters a claim
    sign_in_by_keyboard(dash_duo, LEADS["a"], "/negotiation")
    dash_duo.wait_for_element("#neg-board", timeout=20)
    settle(dash_duo)
    team_a = {"team": "a", "type": "neg-claim-amount"}
    amount_id = json.dumps(team_a, separators=(",", ":"))
    note_id = json.dumps({**team_a, "type": "neg-claim-note"}, separators=(",", ":"))
    save_id = json.dumps({**team_a, "type": "neg-claim-save"}, separators=(",", ":"))
    tab_to(dash_duo, f"[id='{amount_id}']")
    press(dash_duo, "50000")
    tab_to(dash_duo, f"[id='{note_id}']")
    press(dash_duo, "second flyer wave")
    tab_to(dash_duo, f"[id='{save_id}']")
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_contains_text("#neg-alert", "Claim of team a saved", timeout=20)
    settle(dash_duo)

    # the export: Plans page, its CSV download
    tab_to(dash_duo, ".navbar a.nav-link[href='/plans']", backwards=True)
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_element("#plans-grid", timeout=20)
    settle(dash_duo)
    tab_to(dash_duo, "#plans-download-csv")
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_contains_text("#plans-downloaded", "Downloaded", timeout=20)
    target = Path(dash_duo.download_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(target.glob("*.csv")):
        time.sleep(0.2)
    assert list(target.glob("*.csv")), f"no CSV in {target}"
    assert dash_duo.get_logs() == []


CHARTS = """return Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
    const box = gd.closest('figure');
    const caption = box && document.getElementById(box.getAttribute('aria-describedby') || '');
    return {id: gd.parentElement.id || gd.id, name: box ? box.getAttribute('aria-label') : null,
            summary: caption ? caption.textContent : null};
});"""

LEGENDS_OFF_THE_PLOT = """const found = [];
document.querySelectorAll('.js-plotly-plot').forEach(gd => {
    const legend = gd.querySelector('.legend');
    if (!legend || !legend.querySelector('.traces')) return;
    const box = legend.getBoundingClientRect();
    const svg = gd.querySelector('.main-svg').getBoundingClientRect();
    const name = gd.parentElement.id || gd.id;
    const below = ['.xaxislayer-above', '.g-xtitle', '.cartesianlayer .bg'].map(s => gd.querySelector(s))
        .filter(e => e).map(e => e.getBoundingClientRect().bottom);
    const title = gd.querySelector('.g-gtitle');
    if (below.some(b => box.top < b - 1)) found.push(name + ': legend over the plot or its dates');
    if (box.bottom > svg.bottom + 1) found.push(name + ': legend cut off at the bottom');
    if (title && box.top < title.getBoundingClientRect().bottom) found.push(name + ': legend on the title');
});
return found;"""


def _charts(dash_duo, ids: set[str], timeout: float = 20) -> dict[str, dict]:
    """The charts of the page by id once `ids` are drawn and described."""
    deadline = time.monotonic() + timeout
    charts: dict[str, dict] = {}
    while time.monotonic() < deadline:
        charts = {c["id"]: c for c in dash_duo.driver.execute_script(CHARTS)}
        if ids <= set(charts) and all(charts[i]["summary"] for i in ids):
            break
        time.sleep(0.2)
    return charts


def test_charts_are_named_and_described_and_accuracy_legends_fit_a_phone(
    start_app,
    scored_plan,  # noqa: F811
):
    from forecast.services import actuals
    from forecast.services.store_factory import open_store
    from tests.e2e.helpers import settle, sideways_scroll_at

    plan, path = scored_plan
    store = open_store(data_dir=plan.data_dir)
    actuals.upload_actuals(store, plan.plan_id, path, actor=OWNER)
    store.close()
    dash_duo = start_app(plan.data_dir, "/side-by-side")
    dash_duo.wait_for_element("#sbs-totals .card", timeout=20)
    charts = _charts(dash_duo, {"sbs-team-bars", "sbs-period-lines", "sbs-stretch"})
    bars = charts["sbs-team-bars"]
    assert bars["name"], bars
    assert "System plan €" in bars["summary"] and "Negotiated plan €" in bars["summary"], bars
    assert "in total (a €" in bars["summary"], bars  # each team's bar, after the total
    assert all(c["name"] and c["summary"] for c in charts.values()), charts

    dash_duo.driver.get(f"{dash_duo.server_url}/accuracy")
    dash_duo.wait_for_element("#acc-alert", timeout=20)
    charts = _charts(dash_duo, {"acc-waterfall", "acc-track-chart"})
    waterfall = charts["acc-waterfall"]
    assert "Baseline" in waterfall["summary"] and " %" in waterfall["summary"], waterfall
    assert all(c["name"] and c["summary"] for c in charts.values()), charts
    settle(dash_duo)
    assert sideways_scroll_at(dash_duo, 390) == []
    deadline = time.monotonic() + 10
    while (wrong := dash_duo.driver.execute_script(LEGENDS_OFF_THE_PLOT)) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)  # charts redraw for the new width on their own time
    assert wrong == []
    assert dash_duo.get_logs() == []
