"""Money in the plan's currency, for the faces: the CLI and the dashboard format and parse
amounts and percentages through this module (the import contract keeps them off the layers
below the services; the formats themselves live in ``forecast.money``)."""

from __future__ import annotations

from forecast.money import (
    FALLBACK_CURRENCY,
    MoneyError,
    check_plan_currency,
    currency_of_environment,
    currency_of_languages,
    decimals_to_add_up,
    excel_format,
    format_minor,
    format_money,
    format_number,
    format_percent,
    format_points,
    format_probability,
    minute_utc,
    normalise_currency,
    parse_amount,
    quantum,
    shown_digits,
    shown_margin,
    symbol,
    symbol_digits,
    typed_percent,
)

__all__ = [
    "FALLBACK_CURRENCY",
    "MoneyError",
    "check_plan_currency",
    "currency_of_environment",
    "currency_of_languages",
    "decimals_to_add_up",
    "excel_format",
    "format_minor",
    "format_money",
    "format_number",
    "format_percent",
    "format_points",
    "minute_utc",
    "format_probability",
    "shown_margin",
    "normalise_currency",
    "parse_amount",
    "quantum",
    "shown_digits",
    "symbol",
    "symbol_digits",
    "typed_percent",
]
