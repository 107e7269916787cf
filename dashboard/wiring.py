"""Registering module-level callbacks with the app's context injected.

A page part writes its callbacks as plain functions whose first parameter is the
``DashboardContext`` (tests call them directly) and registers them with ``bind``; no callback is
a closure over page state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash

from dashboard.context import DashboardContext


def bind(
    app: Dash,
    ctx: DashboardContext,
    fn: Callable[..., Any],
    *dependencies: Any,
    **options: Any,
) -> None:
    """Register ``fn(ctx, *values)`` as a callback of `app` on `dependencies` (Outputs, Inputs,
    States in Dash's order); `options` go to ``app.callback`` (e.g. prevent_initial_call)."""

    def callback(*values: Any) -> Any:
        return fn(ctx, *values)

    callback.__name__ = fn.__name__
    callback.__qualname__ = fn.__qualname__
    callback.__module__ = fn.__module__
    app.callback(*dependencies, **options)(callback)
