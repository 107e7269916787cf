"""Money in the plan's currency, for the faces: the CLI and the dashboard format and parse
amounts and percentages through this module (the import contract keeps them off the layers
below the services; the formats themselves live in ``forecast.money``)."""

from __future__ import annotations

from forecast.money import (
    DEFAULT_LOCALE,
    FALLBACK_CURRENCY,
    NO_CURRENCY_TEXT,
    MoneyError,
    NumberOutOfRange,
    SignedCurrency,
    check_plan_currency,
    check_whole,
    currency_of_environment,
    currency_of_languages,
    currency_of_sign,
    decimals_to_add_up,
    exact_number,
    excel_format,
    format_amount,
    format_count,
    format_minor,
    format_money,
    format_number,
    format_percent,
    format_percent_value,
    format_points,
    format_probability,
    minute_utc,
    normalise_currency,
    parse_amount,
    quantum,
    shown_digits,
    shown_margin,
    shown_text,
    symbol,
    symbol_digits,
    typed_percent,
)

PERCENT_EXAMPLES = "15, -10, 12.5 or 12,5"


NO_CURRENCY_LABEL = f"{NO_CURRENCY_TEXT} (plain numbers)"
"""A plan without a currency wherever one is shown to people: the word `--currency` and the create
form take (and the exports' currency column holds), and what it means."""


def currency_text(currency: str | None) -> str:
    """A plan's currency as every face names it (the Plans page grid, the plan picker, the create
    form's choice, `forecast plan list` and `plan show`): its ISO code, or
    ``NO_CURRENCY_LABEL`` for plain numbers."""
    return currency or NO_CURRENCY_LABEL


def event_value(
    typed: str | int | float,
    effect: str | None,
    currency: str | None,
    *,
    locale: str = DEFAULT_LOCALE,
) -> float:
    """An event's value as typed, read the same way on every face (the System plan page's value
    box and grid cell, `forecast plan event add|edit`, `forecast plan event import`): a percent
    with a decimal comma (``12,5`` is 12.5, ``typed_percent``); an amount of the add, cap and set
    effects with thousands separators, a decimal comma and the plan's `currency`
    (``parse_amount``: ``€5,000``, ``5.000,50 €``, ``40k``), another currency's sign refused
    naming the plan's, an amount finer than the currency has (``¥0.5``, ``€0.001``) refused
    (``check_whole``) rather than rounded; `locale`: whose decimal mark a lone separator before
    three digits is (a file written with decimal commas: ``de``). Text that is no number (``abc``, ``-``) or out of
    range (``1e400``) is refused with a `MoneyError` saying what to type."""
    if isinstance(typed, int | float) and not isinstance(typed, bool):
        typed = repr(typed)  # a number kept as it was (a grid cell whose effect changed)
    text = str(typed).strip()
    if effect not in (None, "percent"):
        amount = parse_amount(text, currency, locale=locale)
        # as goals and claims: rounding ¥12,000.5 silently would read ¥12,000 in the CLI and the
        # audit but ¥12,001 in the events grid
        check_whole(amount, currency, text)
        return float(amount)
    try:
        number = exact_number(typed_percent(text))
    except NumberOutOfRange:
        raise
    except MoneyError:
        number = None
    if number is None or not number.is_finite():
        raise MoneyError(
            f"{shown_text(text)} is not a percent: type a number such as {PERCENT_EXAMPLES}"
        )
    return float(number)


__all__ = [
    "FALLBACK_CURRENCY",
    "MoneyError",
    "NO_CURRENCY_LABEL",
    "NO_CURRENCY_TEXT",
    "NumberOutOfRange",
    "SignedCurrency",
    "check_plan_currency",
    "currency_of_environment",
    "currency_text",
    "currency_of_sign",
    "currency_of_languages",
    "decimals_to_add_up",
    "event_value",
    "exact_number",
    "excel_format",
    "format_amount",
    "format_count",
    "format_minor",
    "format_money",
    "format_number",
    "format_percent",
    "format_percent_value",
    "format_points",
    "minute_utc",
    "format_probability",
    "shown_margin",
    "normalise_currency",
    "parse_amount",
    "quantum",
    "shown_digits",
    "shown_text",
    "symbol",
    "symbol_digits",
    "typed_percent",
]
