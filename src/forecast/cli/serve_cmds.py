"""`forecast serve` (the dashboard) and `forecast demo` (the README's run command)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the serve and demo commands to the top-level app."""
