"""`forecast ingest FILE`: read a sales file into the long contract and report on it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ingest command to the top-level app."""
