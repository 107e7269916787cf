"""Money in the plan's currency: one formatter and one parser for pages, CLI and export."""

from __future__ import annotations

from decimal import Decimal

import pytest

from forecast import money


@pytest.mark.parametrize(
    ("text", "currency", "locale", "expected"),
    [
        ("$720,000,000", "USD", "en", "720000000"),
        ("720.000.000 €", "EUR", "de", "720000000"),
        ("720.000.000 €", "EUR", "en", "720000000"),
        ("1.234.567,89 €", "EUR", "de", "1234567.89"),
        ("€1,234,567.89", "EUR", "en", "1234567.89"),
        ("1,500", "EUR", "en", "1500"),
        ("1.500", "EUR", "de", "1500"),
        ("1.500.000", "EUR", "en", "1500000"),
        ("1.500,00", "EUR", "en", "1500"),
        ("1,500.00", "EUR", "en", "1500"),
        ("1.5", "EUR", "en", "1.5"),
        ("1.50", "EUR", "en", "1.5"),
        ("0.500", "EUR", "en", "0.5"),
        ("1234.500", "EUR", "en", "1234.5"),
        ("12.3450", "EUR", "en", "12.345"),
        ("12,5", "EUR", "en", "12.5"),
        ("EUR 1 500", "EUR", "en", "1500"),
        ("1\u00a0500,50\u00a0€", "EUR", "de", "1500.50"),
        ("-€12.50", "EUR", "en", "-12.50"),
        ("£3,000", "GBP", "en", "3000"),
        ("25000", None, "en", "25000"),
        ("¥1,000", "JPY", "en", "1000"),
    ],
)
def test_typed_amounts_accept_symbol_separators_and_decimal_comma(
    text: str, currency: str | None, locale: str, expected: str
) -> None:
    assert money.parse_amount(text, currency, locale=locale) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("$720,000,000", "EUR", "the plan is in EUR"),
        ("€5", None, "plain numbers"),
        ("twelve", "EUR", "is not a number"),
        ("1e30", "EUR", "beyond the largest amount"),
        ("1e3e3", "EUR", "is not a number"),
        ("1,23,456", "EUR", "odd places"),
        ("", "EUR", "empty"),
        ("99999999999999999999", "EUR", "beyond the largest amount"),
    ],
)
def test_amounts_that_cannot_be_read_are_refused_with_the_fix(
    text: str, currency: str | None, message: str
) -> None:
    with pytest.raises(money.MoneyError, match=message):
        money.parse_amount(text, currency)


@pytest.mark.parametrize("text", ["eur 5", "Eur 5", "5 eur", "EUR 5"])
def test_the_plans_currency_code_is_read_in_any_case(text: str) -> None:
    assert money.parse_amount(text, "EUR") == Decimal(5)


def test_another_currencys_code_in_lower_case_is_named_not_called_no_number() -> None:
    with pytest.raises(money.MoneyError, match="names usd, but the plan is in EUR"):
        money.parse_amount("usd 5", "EUR")


@pytest.mark.parametrize(
    ("text", "locale", "readings", "fix"),
    [
        ("1.500", "en", "reads as 1500 with '.' between thousands, or as 1.5 with '.' as the "
         "decimal mark", "type 1500 (or 1,500.00) for the one, 1.5 for the other"),
        ("€1.500", "en", "1500 with '.' between thousands, or as 1.5", "type 1500"),
        ("-1.500", "en", "-1500 with '.' between thousands, or as -1.5", "type -1500"),
        ("12.345", "en", "12345 with '.' between thousands, or as 12.345", "12.3450 for the other"),
        ("250.000 €", "en", "250000 with '.' between thousands, or as 250 with", "250 for the"),
        ("1,500", "de", "1500 with ',' between thousands, or as 1.5", "1.500,00"),
    ],
)  # fmt: skip
def test_a_lone_decimal_mark_before_three_digits_is_refused_with_both_readings(
    text: str, locale: str, readings: str, fix: str
) -> None:
    """ "1.500" in a euro plan is 1500 to half the world and 1.5 to the other: never a guess."""
    with pytest.raises(money.MoneyError) as refused:
        money.parse_amount(text, "EUR", locale=locale)
    message = str(refused.value)
    assert f"{text!r} is ambiguous" in message
    assert readings in message and fix in message


def test_amounts_are_shown_in_the_plans_currency() -> None:
    assert money.format_money(1234567.8, "EUR") == "€1,234,568"
    assert money.format_money(-12.5, "USD", decimals=2) == "-$12.50"
    assert money.format_money(1000, "JPY") == "¥1,000"
    assert money.format_money(1234.5, None, decimals=2) == "1,234.50"
    assert money.format_money(5, "EUR", signed=True) == "+€5"
    assert money.format_money(None, "EUR") == "–"
    assert money.format_minor(123456, "GBP") == "£1,234.56"


def test_one_percent_style_for_the_product() -> None:
    assert money.format_percent(0.153) == "15.3 %"
    assert money.format_percent(0.02, 0, signed=True) == "+2 %"


def test_currency_codes_are_checked_and_none_means_plain_numbers() -> None:
    assert money.normalise_currency("usd") == "USD"
    assert money.normalise_currency("none") is None
    assert money.normalise_currency(None) is None
    with pytest.raises(money.MoneyError, match="ISO 4217"):
        money.normalise_currency("EURO")


def test_excel_formats_carry_the_symbol() -> None:
    assert money.excel_format("EUR") == '"€"#,##0.00;-"€"#,##0.00'
    assert money.excel_format(None, 0) == "#,##0"


def test_a_probability_from_a_few_past_windows_never_reads_as_certain() -> None:
    assert money.format_probability(0.9996825) == "> 99 %"
    assert money.format_probability(0.9996825, 1) == "> 99.9 %"
    assert money.format_probability(0.0007772) == "< 1 %"
    assert money.format_probability(0.0007772, 1) == "0.1 %"
    assert money.format_probability(0.399) == "40 %"
    assert money.format_probability(0.994) == "99 %"
    assert money.format_probability(None) == "–"


def test_the_browser_region_suggests_a_currency_in_its_order_of_preference() -> None:
    assert money.currency_of_languages("en-US,en;q=0.9") == "USD"
    assert money.currency_of_languages("de-DE,de;q=0.9,en;q=0.8") == "EUR"
    assert money.currency_of_languages("fr;q=0.5, en-GB;q=0.9, *") == "GBP"
    assert money.currency_of_languages("de-AT;q=0.1, de-CH;q=0.2") == "CHF"


def test_a_language_header_without_a_known_region_suggests_nothing_and_never_fails() -> None:
    for header in (None, "", "en", "*", "zz-ZZ", "en;q=abc", "es-419", "x" * 100_000, "\x00-\xff"):
        assert money.currency_of_languages(header) is None
    # only the first MAX_LANGUAGE_HEADER characters are read
    padded = "en," * money.MAX_LANGUAGE_HEADER + "ja-JP"
    assert money.currency_of_languages(padded) is None
    assert money.currency_of_languages("en;q=abc,ja-JP") == "JPY"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "en_US.UTF-8"}, ("USD", "LANG=en_US.UTF-8")),
        ({"LANG": "en_GB.UTF-8@euro"}, ("GBP", "LANG=en_GB.UTF-8@euro")),
        ({"LC_ALL": "de_CH.UTF-8", "LANG": "en_US.UTF-8"}, ("CHF", "LC_ALL=de_CH.UTF-8")),
        ({"LC_MONETARY": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, ("JPY", "LC_MONETARY=ja_JP.UTF-8")),
        ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, None),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "en"}, None),
        ({}, None),
    ],
)
def test_shell_locale_names_the_default_currency(environ, expected) -> None:
    assert money.currency_of_environment(environ) == expected


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2026-12-05T01:27:32+00:00", "2026-12-05 01:27 UTC"),
        ("2026-12-05T02:27:32+01:00", "2026-12-05 01:27 UTC"),
        ("2026-12-05T01:27:32", "2026-12-05 01:27 UTC"),
        ("not a time", "not a time"),
    ],
)
def test_stored_times_read_to_the_minute_in_utc(stamp, shown):
    from forecast.money import minute_utc

    assert minute_utc(stamp) == shown


def test_a_wape_difference_reads_in_grouped_points_never_minus_zero():
    from forecast.money import format_points

    assert format_points(0.0062) == "0.62 pts"
    assert format_points(-60.9245) == "-6,092.45 pts"  # grouped as a percent is
    assert format_points(0.0123, signed=True) == "+1.23 pts"
    assert format_points(-0.00001, signed=True) == "0.00 pts"
    assert format_points(None) == "–"


@pytest.mark.parametrize(("sign", "code"), [("€", "EUR"), ("£", "GBP")])
def test_a_euro_or_pound_sign_on_the_amounts_tells_the_plans_currency(sign, code) -> None:
    suggestion = money.currency_of_sign(sign, "USD")
    assert suggestion == money.SignedCurrency(code)
    assert suggestion.certain


def test_a_dollar_or_yen_sign_suggests_us_dollars_or_yen_naming_the_others_that_write_it():
    dollars = money.currency_of_sign("$", "EUR")
    yen = money.currency_of_sign("¥", None)
    assert dollars is not None and (dollars.code, dollars.certain) == ("USD", False)
    assert {"CAD", "AUD"} <= set(dollars.others)
    assert yen is not None and (yen.code, yen.others) == ("JPY", ("CNY",))


@pytest.mark.parametrize(("code", "current"), [("USD", "CAD"), ("USD", None), ("CHF", "EUR")])
def test_an_iso_code_on_the_amounts_tells_the_plans_currency_for_sure(code, current):
    suggestion = money.currency_of_sign(code, current)
    assert suggestion == money.SignedCurrency(code)
    assert suggestion.certain


@pytest.mark.parametrize(("sign", "current"), [("$", "CAD"), ("$", "AUD"), ("¥", "CNY")])
def test_a_sign_keeps_the_chosen_currency_that_writes_it(sign, current):
    suggestion = money.currency_of_sign(sign, current)
    assert suggestion is not None and suggestion.code == current and not suggestion.certain


@pytest.mark.parametrize("sign", [None, "", "₹"])
def test_no_currency_is_suggested_without_a_known_sign(sign):
    assert money.currency_of_sign(sign, "EUR") is None


@pytest.mark.parametrize(
    ("typed", "currency", "amount"),
    [
        ("10bn", "EUR", "10000000000"),
        ("€10 bn", "EUR", "10000000000"),
        ("10 Mrd. EUR", "EUR", "10000000000"),
        ("1,5 Mio", "EUR", "1500000"),
        ("$720M", "USD", "720000000"),
        ("250k", None, "250000"),
        ("-2.5m", None, "-2500000"),
    ],
)
def test_an_amount_written_as_a_leader_says_it_reads_exactly(typed, currency, amount):
    assert money.parse_amount(typed, currency) == Decimal(amount)


def test_a_magnitude_does_not_hide_a_refusal_of_what_was_typed():
    with pytest.raises(money.MoneyError, match=r"'\$720M' names \$, but the plan is in EUR"):
        money.parse_amount("$720M", "EUR")
    with pytest.raises(money.MoneyError, match="beyond the largest amount"):
        money.parse_amount("99999999999999bn", "EUR")
    with pytest.raises(money.MoneyError, match="is not a number"):
        money.parse_amount("10 mb", "EUR")  # no magnitude: "mb" is no word for one
