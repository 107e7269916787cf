"""Use cases: the only way in for the CLI and the dashboard.

Each module holds the use cases of one area as plain functions that take the store first
(cosmicpython style): ``plans`` (create, list, show, members, versions, audit), ``system``
(events, system plan, explanations, publish), ``negotiation`` (goal, claims, assignment, lock,
ledger) and ``exports``. Errors are ``forecast.errors.ServiceError`` subclasses (re-exported by
``forecast.services.errors``), so the store below the services raises the same ones.
"""
