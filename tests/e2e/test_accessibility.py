"""Accessibility: axe-core on every page of the dashboard, with a plan that has events, a goal
and claims, so the grids, charts and forms are on the page. Violations of impact serious or
critical fail the test with what and where; at 1024, 768 and 390 px no page scrolls sideways."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import axe_violations, describe_violations, sideways_scroll_at

PAGES = [
    ("/", "#data-upload"),
    ("/system", "#sys-total-plan"),
    ("/negotiation", "#neg-alert"),
    ("/side-by-side", "#sbs-totals"),
    ("/actuals", "#nav-plan"),
    ("/accuracy", "#acc-alert"),
    ("/plans", "#nav-plan"),
]


@pytest.mark.parametrize(("path", "ready"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_has_no_serious_accessibility_violation_and_fits_a_laptop_tablet_and_phone(
    start_app, agreed_plan, path, ready
):
    dash_duo = start_app(agreed_plan.data_dir, path)
    dash_duo.wait_for_element(ready, timeout=20)
    dash_duo.wait_for_element("html[lang]", timeout=5)
    # let the page's first callbacks land (grids, charts) before looking
    dash_duo.wait_for_no_elements("._dash-loading", timeout=20)
    violations = axe_violations(dash_duo)
    assert violations == [], describe_violations(violations)
    # A 1024 px window: the navbar wraps inside its dark bar; nothing scrolls sideways (the
    # plan picker, Password and Sign out stood past the right edge, white on white). Nor on a
    # tablet or a phone (at 768 px six cards a row pushed the Negotiation page 21 px wide).
    for width in (1024, 768, 390):
        assert sideways_scroll_at(dash_duo, width) == [], f"at {width} px"
    assert dash_duo.get_logs() == []
