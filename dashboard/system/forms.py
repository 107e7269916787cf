"""What the System plan page's inputs send, parsed; bad input becomes an ``Invalid`` the page
shows as an alert saying what to type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forecast.services import system, system_views
from forecast.services.errors import Invalid
from forecast.services.types import Scope

ALL = "all"


def scope_text(scope: Scope) -> str:
    """A scope as the text the grid shows and accepts back."""
    if scope.is_all:
        return ALL
    parts = [f"{k}={','.join(v)}" for k, v in scope.attributes.items()]
    if scope.ids:
        parts.append("ids=" + ",".join(scope.ids))
    return "; ".join(parts)


def parse_scope_text(text: str | None) -> Scope:
    """`all` / empty, `StoreType=a; Assortment=a,c`, `ids=1,2,3` (combinable) -> Scope."""
    if text is not None and not isinstance(text, str):  # a grid's scope cell is text
        raise ValueError(f"the scope {text!r} is not text")
    selectors: list[str] = []
    series: list[str] = []
    for part in (text or "").replace("\n", ";").split(";"):
        part = part.strip()
        if not part or Scope.means_all(part):
            continue
        key, _, value = part.partition("=")
        if key.strip().lower() == "ids":
            series += [v.strip() for v in value.split(",") if v.strip()]
        else:
            selectors.append(part)
    return Scope.parse(selectors, series, example=None)


def scope_or_raise(text: str | None, example: Callable[[], str] | None = None) -> Scope:
    """Parse the scope text; a malformed one becomes an `Invalid` the page shows, saying what to
    type with `example()` (the plan's own, as the scope boxes show it: `plan_example`; asked
    only for a refusal)."""
    try:
        return parse_scope_text(text)
    except ValueError as exc:
        shown = example() if example else system_views.GENERIC_SCOPE_EXAMPLE
        raise Invalid(f"{exc}. Type the scope as all, {shown}") from exc


def plan_example(store: Any, plan_id: str) -> Callable[[], str]:
    """The scope example of the plan, in its own attribute and series ids, read when asked."""
    return lambda: system_views.plan_scope_example(store, plan_id)


def number_or_raise(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"the value must be a number, got {value!r}; type digits only") from exc


def event_value(value: Any, effect: str | None, currency: str | None) -> float:
    """An event's value as typed in the add form's box or the events grid's cell, read as the
    CLI reads it (``system.typed_value``: a percent with a decimal comma, an amount with
    thousands separators and the plan's currency); what is no number is refused, saying what
    to type."""
    typed = str(value if value is not None else "").strip()
    if not typed:
        raise Invalid(
            f"give a value for the {effect or 'effect'}: the suggestion from history is a "
            "percent, taken only with the percent effect and an empty value"
        )
    return system.typed_value(value, effect, currency)


def date_or_raise(value: str | None) -> str:
    if not value:
        raise Invalid("pick the date the factor started (a date inside the history)")
    return value
