"""The Data page's default plan name is dated by the UTC calendar, as everything else the
planner dates (a server far from Greenwich named today's plan by tomorrow's or yesterday's date)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from dashboard.data_parts.layout import create_card


def _plan_name(card) -> str:
    found = []

    def walk(node) -> None:
        if getattr(node, "id", None) == "data-plan-name":
            found.append(node.value)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(card)
    return found[0]


def test_the_default_plan_name_has_the_utc_date_on_a_server_far_from_utc(monkeypatch):
    now = datetime.now(UTC)
    # A zone where the local date is another one than UTC's right now: UTC+14 from noon UTC on,
    # UTC-12 before (POSIX zone strings: the sign is the other way round).
    far = "FAR-14" if now.hour >= 12 else "FAR+12"
    monkeypatch.setenv("TZ", far)
    time.tzset()
    try:
        assert time.strftime("%Y-%m-%d") != now.strftime("%Y-%m-%d")  # the zone took effect
        name = _plan_name(create_card())
    finally:
        monkeypatch.undo()
        time.tzset()
    assert name in {f"Sales plan {datetime.now(UTC):%Y-%m-%d}", f"Sales plan {now:%Y-%m-%d}"}
