"""`forecast ingest`, `forecast baseline`, `forecast backtest`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the engine commands to the top-level app."""
