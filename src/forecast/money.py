"""Money in the plan's currency: one place that formats and parses amounts (Babel), for the
dashboard, the CLI and the export. Pure: no I/O.

A plan's currency is an ISO 4217 code (``EUR``, ``USD``, ``JPY``...) or None for plain numbers.
Amounts are shown in one house style: the symbol before the number, ',' between thousands and
'.' as the decimal mark ("€1,234,568", "-$12.50", "¥1,000"); percentages with a space before the
sign ("15.3 %"). Typed amounts accept the currency's symbol or code, thousands separators and a
decimal comma: "$720,000,000", "720.000.000 €", "1.234,56", "EUR 1 500". A lone separator followed
by exactly three digits is read as a thousands separator where ``locale`` groups thousands with
it (en: "1,500" is 1500; de: "1.500") and refused as ambiguous where ``locale`` would read it as
the decimal mark (en: "1.500", de: "1,500"): amounts have two decimals, and half the world writes
1500 that way, so a guess would be off by a factor of a thousand. The refusal gives both readings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_territory_currencies,
    list_currencies,
)

from forecast.bounds import MAX_ABS_AMOUNT

DISPLAY_LOCALE = "en"  # the house style for showing amounts (symbol first, 1,234.56)
DEFAULT_LOCALE = "en"  # whose decimal mark a lone separator before three digits may be ("1.500")
NO_CURRENCY_TEXT = "none"
"""A plan in plain numbers, in words: what ``plan create --currency`` and the create form take
for it and the exports' ``currency`` column holds."""
NO_CURRENCY = ("", NO_CURRENCY_TEXT, "-", "plain")
FALLBACK_CURRENCY = "EUR"
"""A new plan's currency where neither the browser nor the shell's locale names a region (the
bundled sample is German stores)."""
LOCALE_VARIABLES = ("LC_ALL", "LC_MONETARY", "LANG")
"""Where a shell's locale is read, in POSIX order of precedence."""
MAX_LANGUAGE_HEADER = 256
"""Characters of a browser's Accept-Language read when guessing its currency (the rest ignored)."""

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_SIGNS = "$€£¥₹₩₽₺₪₫₱฿"
CURRENCY_CODES = frozenset(list_currencies())
"""The ISO 4217 codes Babel knows (``EUR``, ``USD``...), upper case."""


class MoneyError(ValueError):
    """A currency code or a typed amount that cannot be read; the message says how to fix it."""


class NumberOutOfRange(MoneyError):
    """A typed number too long, too large or too small to be read at all."""


MAX_NUMBER_TEXT = 100
"""Characters of a typed number (an amount with its symbol, separators and cents, a ratio, a
percent) read at all; longer text is refused before it is read."""
MAX_EXPONENT = 30
"""How far from the decimal point a typed number's first digit may be, either way (the largest
amount is 10**16): beyond it, arithmetic on it overflows or runs for long."""


def shown_text(raw: str, limit: int = 40) -> str:
    """Typed text quoted in a refusal: its start only when it is long."""
    return repr(raw) if len(raw) <= limit else repr(raw[:limit]) + f"... ({len(raw):,} characters)"


def check_number_text(raw: str) -> None:
    if len(raw) > MAX_NUMBER_TEXT:
        raise NumberOutOfRange(
            f"{shown_text(raw)} is too long for a number (at most {MAX_NUMBER_TEXT} characters): "
            "check what was pasted"
        )


def exact_number(text: str | Decimal | int | float) -> Decimal:
    """A typed number as an exact Decimal, its length and exponent bounded before any arithmetic
    is done on it (``1e999999999`` or a million nines would overflow it)."""
    raw = str(text).strip()
    check_number_text(raw)
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise MoneyError(f"{shown_text(raw)} is not a number") from exc
    if value.is_finite() and value and abs(value.adjusted()) > MAX_EXPONENT:
        raise NumberOutOfRange(
            f"{shown_text(raw)} is out of range: a number here has at most {MAX_EXPONENT} digits "
            "before or after the decimal point"
        )
    return value


def normalise_currency(code: str | None) -> str | None:
    """``"eur"`` -> ``"EUR"``; None, "" or "none" -> None (plain numbers); unknown codes refused."""
    if code is None or code.strip().lower() in NO_CURRENCY:
        return None
    upper = code.strip().upper()
    if upper not in list_currencies():
        raise MoneyError(
            f"unknown currency {code!r}: give an ISO 4217 code such as EUR, USD, GBP or JPY, "
            "or 'none' for plain numbers"
        )
    return upper


def currency_of_languages(accept_language: str | None) -> str | None:
    """The currency of the first region a browser's ``Accept-Language`` names, in its order of
    preference: ``"en-US,en;q=0.9"`` -> USD, ``"de-CH"`` -> CHF. None where no entry names a
    region Babel knows (``"en"``, ``"*"``, garbage). Only a suggestion for a form's first choice:
    the header is read up to ``MAX_LANGUAGE_HEADER`` characters and never trusted further."""
    entries: list[tuple[float, int, str]] = []
    for index, entry in enumerate((accept_language or "")[:MAX_LANGUAGE_HEADER].split(",")):
        tag, _, params = entry.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        entries.append((-weight, index, tag.strip()))
    for _, _, tag in sorted(entries):
        try:
            territory = Locale.parse(tag, sep="-").territory
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        codes = get_territory_currencies(territory) if territory else []
        if codes:
            return str(codes[0])
    return None


def currency_of_environment(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The currency of the region the shell's locale names, and the variable that said so:
    ``LANG=en_US.UTF-8`` -> ("USD", "LANG=en_US.UTF-8"). The first set variable of
    ``LOCALE_VARIABLES`` decides, as for the C library; None where it names no region ("C",
    "POSIX", "C.UTF-8", "en")."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            tag = value[:MAX_LANGUAGE_HEADER].partition(".")[0].partition("@")[0]
            code = currency_of_languages(tag.replace("_", "-"))
            return (code, f"{name}={value}") if code else None
    return None


SIGN_CURRENCIES = {
    "€": ("EUR",),
    "£": ("GBP",),
    "$": ("USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"),
    "¥": ("JPY", "CNY"),
}
"""The currencies whose amounts a sign on a sales file may be, the one suggested for a new plan
first."""


@dataclass(frozen=True)
class SignedCurrency:
    """The plan currency suggested by the sign on a file's amounts, and the other currencies
    that write that sign too (none: the sign tells the currency)."""

    code: str
    others: tuple[str, ...] = ()

    @property
    def certain(self) -> bool:
        return not self.others


def currency_of_sign(sign: str | None, current: str | None = None) -> SignedCurrency | None:
    """The plan currency the sign on a sales file's amounts suggests: € EUR and £ GBP for sure,
    $ USD and ¥ JPY as a guess (other dollars and the yuan write them too); an ISO 4217 code
    written on the amounts (``USD 1,234.00``) names its currency for sure. `current`, the
    currency chosen so far, is kept where its own symbol carries the sign (CA$ for $, CN¥ for
    ¥). None: no sign, or one that names no currency here."""
    if sign is not None and sign in CURRENCY_CODES:
        return SignedCurrency(sign)
    codes = SIGN_CURRENCIES.get(sign or "")
    if sign is None or codes is None:
        return None
    fits = current in codes or (current in CURRENCY_CODES and symbol(current).endswith(sign))
    code = current if fits and current is not None else codes[0]
    return SignedCurrency(code, tuple(c for c in codes if c != code))


MINOR_DIGITS = 2
"""Amounts are stored as int minor units of a fixed hundredth of the currency unit, whatever the
currency; a currency with fewer digits (JPY, KRW: none) moves in steps of its `quantum`."""


def currency_digits(currency: str | None) -> int:
    """The decimals the currency has (ISO 4217, via Babel): EUR 2, JPY 0; plain numbers 2."""
    if currency is None:
        return MINOR_DIGITS
    return int(get_currency_precision(currency))


def quantum(currency: str | None) -> int:
    """The currency's smallest amount in the plan's minor units (hundredths): EUR/USD 1, JPY/KRW
    100 (one yen). Every amount of a plan in that currency is a multiple of it."""
    return 10 ** max(0, MINOR_DIGITS - min(currency_digits(currency), MINOR_DIGITS))


def shown_digits(currency: str | None) -> int:
    """The decimals an amount of the currency is shown with: its own, at most the minor units'
    two (EUR 2, JPY 0, plain numbers 2)."""
    return min(currency_digits(currency), MINOR_DIGITS)


@functools.cache
def symbol_digits() -> dict[str, int]:
    """The shown symbols of currencies with fewer decimals than two ('¥': 0, '₩': 0...), for a
    grid that knows a row's symbol only; a symbol shared with a two-decimal currency is left out."""
    digits: dict[str, set[int]] = {}
    for code in CURRENCY_CODES:
        try:
            digits.setdefault(symbol(code), set()).add(shown_digits(code))
        except (KeyError, ValueError):
            continue
    return {sym: min(d) for sym, d in sorted(digits.items()) if len(d) == 1 and min(d) < 2}


def check_whole(amount: Decimal, currency: str | None, shown: str) -> None:
    """Refuse a typed amount finer than the currency has: ``¥1,000.50`` (yen have no smaller
    unit), ``€0.001`` (a cent is the smallest euro amount; plain numbers carry cents too), rather
    than round it silently."""
    digits = shown_digits(currency)
    if not amount.is_finite():
        return
    nearest = amount.quantize(Decimal(1).scaleb(-digits))
    # A figure a script wrote from a float (6547345.9799999995 for 6,547,345.98: a goals file
    # made with pandas) is that amount: a difference within a double's precision is no finer one.
    noise = max(abs(amount), Decimal(1)) * Decimal("1e-12")
    if abs(amount - nearest) > noise:
        unit = {"JPY": "yen", "KRW": "won"}.get(currency or "", f"{currency} units")
        if digits == 0:
            raise MoneyError(f"{shown}: {unit} have no smaller unit; type whole {unit}")
        if currency is None:
            raise MoneyError(
                f"{shown}: amounts carry {digits} decimals (hundredths); type at most {digits}"
            )
        raise MoneyError(f"{shown}: {currency} has {digits} decimals; type at most {digits}")


def check_plan_currency(currency: str | None) -> None:
    """Refuse a currency with more decimals than the plan's minor units (hundredths) can carry:
    BHD, KWD, OMR... (three decimals) would be rounded to the hundredth."""
    if currency is not None and currency_digits(currency) > MINOR_DIGITS:
        raise MoneyError(
            f"{currency} has {currency_digits(currency)} decimals; plans carry amounts to the "
            f"hundredth, so {currency} is not supported: choose another currency or 'none'"
        )


def symbol(currency: str | None) -> str:
    """The symbol shown before amounts: '€', '$', 'CHF'...; '' for plain numbers."""
    if currency is None:
        return ""
    return str(get_currency_symbol(currency, locale=DISPLAY_LOCALE))


def format_money(
    value: float | int | Decimal | None,
    currency: str | None,
    *,
    decimals: int = 0,
    signed: bool = False,
) -> str:
    """``1234567.8, "EUR"`` -> ``€1,234,568``; None/NaN -> an en dash; ``signed`` adds '+'.
    `decimals` is capped at the currency's own (JPY: none, ``¥1,235``)."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    decimals = min(decimals, shown_digits(currency)) if currency is not None else decimals
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    shown = Decimal(str(value))
    if shown.is_finite():  # rounded first: -0.004 reads $0.00, not -$0.00
        value = shown.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_EVEN)
    if currency is None:
        text = format(Decimal(str(value)).copy_abs(), f",.{decimals}f")
    else:
        text = format_currency(
            Decimal(str(value)).copy_abs(),
            currency,
            format="¤" + pattern,
            locale=DISPLAY_LOCALE,
            currency_digits=False,
        )
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return sign + text


def format_amount(
    value: float | int | Decimal, currency: str | None, *, signed: bool = False
) -> str:
    """An amount a person typed (an event's add, cap or set value) as the plan shows money:
    whole units when it is whole, else with the currency's decimals (``6000, "USD"`` ->
    ``$6,000``; ``12000.5`` -> ``$12,000.50``; plain numbers ``12,000.50``)."""
    whole = Decimal(str(value)) == Decimal(str(value)).to_integral_value()
    return format_money(value, currency, decimals=0 if whole else MINOR_DIGITS, signed=signed)


def format_count(count: int) -> str:
    """A count of rows, series, periods... as every face prints it: ``1300`` -> ``1,300``."""
    return f"{int(count):,}"


def decimals_to_add_up(amounts: Iterable[int], currency: str | None) -> int:
    """The decimals to show a set of related amounts (int minor units) with, so that the shown
    parts add up to the shown whole (basis + claims + assignment = goal): whole units when every
    amount is whole, else the currency's own decimals (EUR: cents; JPY has none, its amounts are
    whole yen). Each figure is then the ledger's exact amount, as the ledger, the CLI and the
    exports show it, rather than a rounded one nudged to make a sum."""
    if any(int(a) % 100 for a in amounts):
        return shown_digits(currency)
    return 0


def format_minor(minor: int | None, currency: str | None, *, decimals: int | None = None) -> str:
    """Ledger amounts are int minor units (cents), shown with the currency's decimals (JPY
    none) unless `decimals` says otherwise."""
    if minor is None:
        return "–"
    shown = shown_digits(currency) if decimals is None else decimals
    return format_money(Decimal(int(minor)) / 100, currency, decimals=shown)


def typed_percent(text: str) -> str:
    """A percent as typed, as the number of percent in text: ``12.5``, ``12.5 %``, ``+12,5%``.
    A lone decimal comma with one or two digits after it and no point reads as a point, as an
    amount's decimal comma does (``1.000,50``); ``1,000`` stays (thousands), and anything else is
    left for the reader to refuse, naming it."""
    body = str(text).strip().removesuffix("%").strip()
    if re.fullmatch(r"[+-]?\d+,\d{1,2}", body):
        return body.replace(",", ".")
    return body


def format_number(value: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A plain number as shown: ``-2.2e-16`` -> ``0.0``, never ``-0.0`` (nor ``+0.0`` when
    ``signed``, which adds '+' only to what reads above zero); None/NaN -> an en dash."""
    if value is None or value != value:
        return "–"
    number = round(float(value), decimals) + 0.0  # + 0.0: -0.0 reads 0.0
    sign = "+" if signed and number > 0 else ""
    return f"{sign}{number:,.{decimals}f}"


def format_percent(fraction: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """0.153 -> ``15.3 %`` (the product's one percent style: a space before the sign); a growth
    of zero reads ``0.0 %``, never ``-0.0 %``."""
    if fraction is None or fraction != fraction:
        return "–"
    return format_percent_value(fraction * 100, decimals, signed=signed)


def format_percent_value(pct: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A value already in percent (an event's effect, a learned uplift, a deviation) in the style
    of ``format_percent``: 15.3 -> ``15.3 %``, -0.04 -> ``0.0 %`` (signed too, never ``-0.0 %``
    nor ``+0.0 %``), 1234.5 -> ``1,234.5 %``."""
    if pct is None or pct != pct:
        return "–"
    return f"{format_number(pct, decimals, signed=signed)} %"


def format_points(difference: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    """A difference of two percentages (a WAPE margin, a value added) in percentage points:
    0.0062 -> ``0.62 pts``, -60.9245 -> ``-6,092.45 pts`` (grouped as ``format_percent``); no
    ``-0.00``."""
    if difference is None or difference != difference:
        return "–"
    number = round(difference * 100, decimals) + 0.0  # + 0.0: -0.0 reads 0.00
    sign = "+" if signed and number > 0 else ""
    return f"{sign}{number:,.{decimals}f} pts"


def shown_margin(first: float | None, second: float | None, decimals: int = 2) -> float | None:
    """The WAPE margin between two percentages as shown beside them: the difference of the two
    values rounded to `decimals` (in percent), as a fraction, so that ``14.96 %`` and ``13.10 %``
    stand beside ``1.86 pts`` (not the unrounded 1.8668 -> ``1.87 pts``). The one rule for every
    view that prints a margin next to the WAPEs it separates; ``--json`` keeps the exact margin."""
    if first is None or second is None or first != first or second != second:
        return None
    return (round(first * 100, decimals) - round(second * 100, decimals)) / 100


def format_probability(probability: float | None, decimals: int = 0) -> str:
    """A probability as a percent that never reads as certain: ``> 99 %`` where it would round
    to 100 and ``< 1 %`` where it would round to 0 (at ``decimals=1``: ``> 99.9 %``). It rests
    on a few past windows (the stretch's note says how many), which cannot show certainty."""
    if probability is None or probability != probability:
        return "–"
    step = 10.0**-decimals
    if probability * 100 >= 100 - step / 2:
        return f"> {100 - step:.{decimals}f} %"
    if probability * 100 < step / 2:
        return f"< {step:.{decimals}f} %"
    return format_percent(probability, decimals)


def excel_format(currency: str | None, decimals: int | None = None) -> str:
    """An Excel number format showing the plan's currency, e.g. '"€"#,##0.00;-"€"#,##0.00'
    (the currency's decimals unless `decimals` says otherwise: JPY '"¥"#,##0;-"¥"#,##0')."""
    if decimals is None:
        decimals = shown_digits(currency)
    number = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if currency is None:
        return number
    sym = symbol(currency).replace('"', "")
    return f'"{sym}"{number};-"{sym}"{number}'


def parse_amount(
    text: str | int | float | Decimal, currency: str | None, *, locale: str = DEFAULT_LOCALE
) -> Decimal:
    """A typed amount in currency units, exactly: ``"$720,000,000"`` -> 720000000.

    Accepts the plan currency's symbol or ISO code (before or after), spaces, thousands
    separators, a decimal comma, and a magnitude after the number (``10bn``, ``1,5 Mio``,
    ``720M``, ``250k``). Refuses another currency's symbol, text that is not a number,
    and amounts beyond ``forecast.bounds.MAX_ABS_AMOUNT``."""
    if isinstance(text, Decimal | int | float) and not isinstance(text, bool):
        return _bounded(exact_number(text), str(text))
    raw = str(text or "").strip()
    if not raw:
        raise MoneyError("the amount is empty: type a number such as 1250000 or 1,250,000.50")
    check_number_text(raw)
    # 10bn, 1,5 Mio, 250k: one magnitude after the number, its power of ten applied at the end
    scaled = _MAGNITUDE.search(raw)
    text = raw if scaled is None else (raw[: scaled.start(2)] + raw[scaled.end() :]).strip()
    scale = Decimal(10) ** (0 if scaled is None else _MAGNITUDES[scaled.group(2).lower()])
    body = _strip_currency(text, currency, raw)
    negative = body.startswith("-") or (body.startswith("(") and body.endswith(")"))
    body = body.strip("()").lstrip("+-")
    body = _SPACES.sub("", body)
    if re.fullmatch(r"\d+(?:\.\d+)?[eE][-+]?\d+", body):  # scientific: 1e15, 2.5E6
        value = exact_number(body) * scale
        return _bounded(-value if negative else value, raw)
    if not re.fullmatch(r"[\d.,]+", body) or not re.search(r"\d", body):
        raise MoneyError(
            f"{raw!r} is not a number: type an amount such as 1250000, 1,250,000.50 or "
            f"1.250.000,50{_with_symbol(currency)}"
        )
    value = exact_number(_decimal_text(body, raw, locale, "-" if negative else "")) * scale
    return _bounded(-value if negative else value, raw)


_MAGNITUDES = {
    **dict.fromkeys(("k", "thousand", "tsd"), 3),
    **dict.fromkeys(("m", "mm", "mn", "mio", "million", "millions"), 6),
    **dict.fromkeys(("b", "bn", "bln", "billion", "billions", "mrd"), 9),
}
"""Words a leader writes after an amount (10bn, 1.5 Mio, 720M, 250k): its power of ten. A
milliard (Mrd) is a billion; "m" is a million, as in finance."""
_MAGNITUDE = re.compile(
    r"(\d)\s*(" + "|".join(sorted(_MAGNITUDES, key=len, reverse=True)) + r")\.?(?![A-Za-z])",
    re.IGNORECASE,
)


def _with_symbol(currency: str | None) -> str:
    return "" if currency is None else f", with or without {symbol(currency)}"


def _bounded(value: Decimal, raw: str) -> Decimal:
    if not value.is_finite() or abs(value) > MAX_ABS_AMOUNT:
        raise MoneyError(
            f"{raw!r} is beyond the largest amount accepted ({MAX_ABS_AMOUNT:,}); "
            "check the number of digits"
        )
    return value


def _strip_currency(text: str, currency: str | None, raw: str) -> str:
    """`text` without the plan currency's marks; another currency's refused, naming `raw` (what
    was typed)."""
    body = text
    accepted: list[str] = []
    if currency is not None:
        accepted = sorted(
            {currency, symbol(currency), str(get_currency_symbol(currency, locale="de"))},
            key=len,
            reverse=True,
        )
        for mark in accepted:
            if mark == currency:  # the code in any case: EUR, eur, Eur
                body = re.sub(re.escape(mark), " ", body, flags=re.IGNORECASE)
            else:
                body = body.replace(mark, " ")
    codes = [
        word
        for word in re.findall(r"\b[A-Za-z]{3}\b", body)
        if word.isupper() or word.upper() in CURRENCY_CODES
    ]
    stray = [c for c in body if c in _SIGNS] + codes
    if stray:
        plan = f"in {currency}" if currency else "in plain numbers (no currency)"
        raise MoneyError(
            f"{raw!r} names {stray[0]}, but the plan is {plan}: type the amount "
            f"{'with ' + symbol(currency) + ' or ' if currency else ''}without another currency"
        )
    return body.strip()


def _decimal_text(body: str, raw: str, locale: str, sign: str = "") -> str:
    """Digits with separators -> a plain '1234.56' (`sign`: the amount's, for a refusal's words)."""
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
    elif dots + commas == 0:
        return body
    else:
        mark = "." if dots else ","
        count = dots or commas
        tail = body.rsplit(mark, 1)[1]
        if count > 1:
            decimal = "," if mark == "." else "."  # repeated: it groups thousands
        elif len(tail) == 3:
            decimal = str(Locale.parse(locale).number_symbols["latn"]["decimal"])
            if decimal == mark:
                _refuse_ambiguous(body, raw, mark, sign)
        else:
            decimal = mark
    group = "," if decimal == "." else "."
    whole, _, frac = body.rpartition(decimal) if decimal in body else (body, "", "")
    if decimal not in body:
        whole = body
    if frac and (group in frac or decimal in whole):
        raise MoneyError(f"{raw!r} mixes up its separators: type e.g. 1,250,000.50")
    parts = whole.split(group)
    if len(parts) > 1 and (not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:])):
        raise MoneyError(
            f"{raw!r} has thousands separators in odd places: type e.g. 1,250,000 or 1250000"
        )
    return "".join(parts) + ("." + frac if frac else "")


def _refuse_ambiguous(body: str, raw: str, mark: str, sign: str) -> None:
    """Refuse a lone `mark` before exactly three digits ("1.500") where it could group thousands
    (1500) as well as mark the decimals (1.5); a whole part that cannot be a thousands group
    ("0.500", "1234.500") is no thousands separator, so it reads as decimals."""
    whole, tail = body.split(mark)
    if not 1 <= len(whole) <= 3 or whole.startswith("0"):
        return
    thousands = f"{sign}{whole}{tail}"
    cents = tail.rstrip("0")
    decimals = f"{sign}{whole}" + (f".{cents}" if cents else "")
    # three decimals would read the same way again: a fourth digit says they are decimals
    typed = decimals + ("0" if len(cents) == 3 else "")
    grouped = f"{sign}{whole},{tail}.00" if mark == "." else f"{sign}{whole}.{tail},00"
    raise MoneyError(
        f"{raw!r} is ambiguous: it reads as {thousands} with {mark!r} between thousands, or as "
        f"{decimals} with {mark!r} as the decimal mark; type {thousands} (or {grouped}) for the "
        f"one, {typed} for the other"
    )


def minute_utc(stamp: str | None) -> str:
    """A stored time as a person reads it: ``2026-12-05T01:27:32+00:00`` -> ``2026-12-05 01:27
    UTC`` (the text as stored where it is not a time)."""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except (ValueError, TypeError):
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
