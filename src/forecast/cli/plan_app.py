"""The `forecast plan ...` command group; the system and negotiation modules add commands to it."""

from __future__ import annotations

import typer

plan_app = typer.Typer(
    help="Plans: the system track (events, explanations, publish) and the negotiation track "
    "(goal, claims, assignment, lock, export).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
