"""`forecast plan ...` commands of the negotiation track."""

from __future__ import annotations

from forecast.cli.plan_app import plan_app  # noqa: F401  (commands register on it)
