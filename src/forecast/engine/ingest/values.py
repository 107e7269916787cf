"""Numbers and 0/1 flags: strict parsing that refuses to guess a mangled number's magnitude."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.bounds import MAX_ABS_VALUE, value_bound_text
from forecast.errors import Fix, FixKey
from forecast.money import CURRENCY_CODES, SIGN_CURRENCIES
from forecast.vocabulary import DECIMAL_MARKS as DECIMAL_MARKS

_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:[.,'\s\u00a0\u202f]\d{3})+(?:[.,]\d+)?$")
_MULTI_DOT = re.compile(r"^[-+]?\d+(?:\.\d+){2,}$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
_MONEY = re.compile(r"^[-+]?\s*[$€£¥]|[$€£¥%]\s*$")
_EUROPEAN = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^[-+]?\d+(?:,\d+)?$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_DOT_THOUSANDS = re.compile(r"^[-+]?[1-9]\d{0,2}\.\d{3}$")  # 44.537: 44537 or 44.537?
_DIGITS_AND_SEPARATORS = re.compile(r"\d[\d.,']*")

CURRENCY_SIGNS = "$€£¥"
# A sign, or an upper-case word of three letters that may be an ISO 4217 code (whether it is one
# is looked up after the match), before the amount (a minus may come before or after it) or after
# it, spaced or not: $12, -€12,50, 12.00 £, USD 1,234.00, 1.234,00 EUR, -CHF 5, CHF -5, EUR12.
_SIGN_OR_CODE = r"[$€£¥]|[A-Z]{3}"
_SIGN_BEFORE = re.compile(
    r"^(?P<minus>[-+]?)\s*(?P<sign>[$€£¥]|[A-Z]{3}(?![A-Za-z]))\s*(?P<amount>\S.*)$"
)
_SIGN_AFTER = re.compile(r"^(?P<amount>.*\S)\s*(?P<sign>[$€£¥]|(?<![A-Za-z])[A-Z]{3})$")
_SIGNS_AND_CODES = frozenset(CURRENCY_SIGNS) | CURRENCY_CODES
# Commas grouping thousands before a decimal point: 1,234 or 1,234,567.50
_COMMA_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")

DOT_THOUSANDS_FIX = Fix(FixKey.DECIMAL_MARK)
"""Read 44.537 with the decimal mark it has, worded by each face (the CLI's --decimal, the
pages' Decimal mark)."""

TRUE_TEXT = frozenset({"1", "1.0", "true", "t", "yes", "y"})
FALSE_TEXT = frozenset({"0", "0.0", "false", "f", "no", "n"})
NONE_TEXT = frozenset({"", "0", "none", "no", "-", "nan"})


@dataclass
class ParsedNumbers:
    values: np.ndarray  # float64; NaN where missing or bad
    missing: np.ndarray  # bool per row: empty cell
    bad: np.ndarray  # bool per row: text that is not a plain number


def parse_numbers(column: pd.Series, decimal_comma: bool = False) -> ParsedNumbers:
    """Floats from a numeric or text column; text that is not a plain number is `bad`.

    With `decimal_comma` (a ';'-separated file whose numbers look like 1.234,56) the European
    notation is read: '.' groups thousands and ',' is the decimal mark.
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        values = column.astype(float).to_numpy()
        return ParsedNumbers(values, np.zeros(len(values), bool), np.zeros(len(values), bool))
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        with np.errstate(invalid="ignore"):
            return ParsedNumbers(values, missing, ~missing & ~(np.abs(values) <= MAX_ABS_VALUE))
    text = column.astype("str").str.strip()
    missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
    if decimal_comma:
        european = text.str.fullmatch(_EUROPEAN.pattern).fillna(False).astype(bool)
        converted = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        text = text.where(~european, converted)
    strict = text.where(text.str.fullmatch(_NUMBER.pattern).fillna(False).astype(bool))
    values = pd.to_numeric(strict, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = (np.isnan(values) & ~missing) | (
            ~np.isnan(values) & ~(np.abs(values) <= MAX_ABS_VALUE)
        )
    return ParsedNumbers(values, missing, bad)


@dataclass
class Amounts:
    """A text column whose cells carry a currency sign or code: each cell as a number is read
    (the sign taken off) and the sign or code each cell carried ("" for none)."""

    text: pd.Series
    signs: np.ndarray


def is_currency_code(sign: str) -> bool:
    """Whether a sign taken off an amount is an ISO 4217 code (USD) rather than a symbol ($)."""
    return sign in CURRENCY_CODES


def _sign_taken_off(text: str) -> tuple[str, str] | None:
    """(the currency sign or ISO 4217 code one cell's amount carries, before or after it; the
    amount without it), or None. Three upper-case letters that are no currency code (ABC 5)
    are no sign, nor is a code in lower case (usd 5)."""
    before = _SIGN_BEFORE.match(text)
    if before and before["sign"] in _SIGNS_AND_CODES:
        return before["sign"], before["minus"] + before["amount"]
    after = _SIGN_AFTER.match(text)
    if after and after["sign"] in _SIGNS_AND_CODES:
        return after["sign"], after["amount"]
    return None


def currency_sign_of(text: str) -> str | None:
    """The currency sign or ISO 4217 code one cell's amount carries, before or after it."""
    taken = _sign_taken_off(text)
    return taken[0] if taken else None


def without_currency_sign(text: str) -> str:
    """One cell's amount with a currency sign or ISO 4217 code before or after it taken off
    (-€12,50: -12,50; USD 1,234.00: 1,234.00); other text as it is."""
    taken = _sign_taken_off(text)
    return taken[1] if taken else text


def currency_amounts(column: pd.Series, decimal_comma: bool = False) -> Amounts | None:
    """The cells with their currency sign ($ € £ ¥) or ISO 4217 code (USD, EUR: upper case, one
    Babel knows), before or after the amount, taken off, or None when no cell carries one. Money
    has cents, never a third decimal, so in a file whose decimal mark is '.' the commas of an
    amount such as 1,234.50 group thousands and go too; everything else (a decimal comma, a '.'
    before three digits) is left to `parse_numbers` and `dot_thousands`, as in a column without
    signs. A column of plain numbers costs one vectorised search (no sign, no three capitals)."""
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return None
    text = column.astype("str").str.strip().reset_index(drop=True)  # by position below
    signed = text.str.contains(_SIGN_OR_CODE, regex=True).fillna(False).astype(bool)
    if not signed.any():
        return None
    # Matched only where a sign may be, and after the amount only where none is before it.
    candidates = text[signed]
    before = candidates.str.extract(_SIGN_BEFORE.pattern)
    before = before[before["sign"].isin(_SIGNS_AND_CODES)]
    after = candidates.drop(before.index).str.extract(_SIGN_AFTER.pattern)
    after = after[after["sign"].isin(_SIGNS_AND_CODES)]
    taken = pd.concat([before["minus"] + before["amount"], after["amount"]])
    if taken.empty:
        return None
    amounts = text.copy()
    amounts.loc[taken.index] = taken
    signs = np.full(len(text), "", dtype=object)
    signs[taken.index] = pd.concat([before["sign"], after["sign"]]).to_numpy(dtype=object)
    if not decimal_comma:
        grouped = amounts.str.fullmatch(_COMMA_GROUPED.pattern).fillna(False).astype(bool)
        amounts = amounts.where(~grouped, amounts.str.replace(",", "", regex=False))
    present = column.notna().to_numpy(dtype=bool)
    return Amounts(amounts.where(present).set_axis(column.index), signs)


def one_currency(signs: Iterable[str]) -> dict[str, str]:
    """The symbols among `signs` that are counted as the code also among them, one currency
    written two ways: a symbol that names one currency only (€ EUR, £ GBP) beside its code. A
    '$' or '¥' beside USD or JPY is not: other dollars and the yuan write them too, so a file
    with "$6" and "USD 5" may hold two currencies and is refused as one with "$6" and "€5" is."""
    present = set(signs)
    return {
        sign: codes[0]
        for sign, codes in SIGN_CURRENCIES.items()
        if sign in present and len(codes) == 1 and codes[0] in present
    }


def maybe_dot_thousands(values: np.ndarray) -> bool:
    """Whether numbers read with '.' as the decimal point could have been written with '.' as a
    thousands separator (44.537 for 44537): every value with a fraction lies in 1..999.999 with
    at most three decimals, and one has exactly three. Cheap (no text); `dot_thousands` decides
    on the cells' text."""
    finite = values[np.isfinite(values)]
    frac = np.abs(finite[finite != np.round(finite)])
    if not len(frac) or ((frac < 1) | (frac >= 1000)).any():
        return False
    milli, centi = frac * 1000, frac * 100
    if not np.allclose(milli, np.round(milli), rtol=0, atol=1e-6):
        return False
    return bool((~np.isclose(centi, np.round(centi), rtol=0, atol=1e-6)).any())


def dot_thousands(cells: pd.Series) -> np.ndarray | None:
    """The cells written like 44.537 when every cell with a '.' is written so (exactly three
    digits after a single '.', one to three before it, not starting with 0): the '.' may group
    thousands or be a decimal point, so the column's magnitude is ambiguous. None when a cell
    with a '.' is written otherwise (12.5, 0.375, 1234.567): then the '.' is a decimal point."""
    present = cells.notna().to_numpy(dtype=bool)
    text = cells.astype("str").str.strip()
    dotted = text.str.contains(".", regex=False).to_numpy(dtype=bool) & present
    if not dotted.any():
        return None
    matched = text.str.fullmatch(_DOT_THOUSANDS.pattern).fillna(False).to_numpy(dtype=bool)
    grouped = matched & present
    if (dotted & ~grouped).any():
        return None
    return grouped


def dot_thousands_message(text: str | None) -> str:
    """Both readings of a cell such as 44.537."""
    cell = (text or "").strip()
    whole = cell.replace(".", "")
    return (
        f"value {cell} is ambiguous: every number with a '.' in this column has exactly three "
        f"digits after it, so the '.' may group thousands ({cell} = {whole}) or be a decimal "
        f"point ({cell}); its magnitude is not guessed"
    )


def number_problem(text: str) -> tuple[str, str]:
    """(message, fix) for a value that is not a plain number."""
    plain = "re-export the file with plain numbers: a '.' decimal point and no thousands separators (e.g. 1234.56)"
    if text.lower().lstrip("+-") in ("inf", "infinity"):
        return ("value is infinite", "correct or remove the cell; sales must be finite numbers")
    if _NUMBER.match(text) and abs(float(text)) > MAX_ABS_VALUE:
        return (
            f"value {text} is beyond the largest sales value accepted ({value_bound_text()} "
            "per row, so that sums in cents stay exact)",
            "check the column: a code or ID read as sales, or a value in the wrong unit "
            "(divide it, e.g. report in thousands)",
        )
    if _MULTI_DOT.match(text):
        return (
            "value has several dots: a decimal mark mangled into thousands separators; its magnitude "
            "cannot be read safely, so it is not guessed",
            plain,
        )
    if _GROUPED.match(text):
        return (
            "value uses thousands separators (or a locale decimal mark), so its magnitude is ambiguous",
            plain,
        )
    if _DECIMAL_COMMA.match(text):
        return (
            "value has a decimal comma in a file that does not use ';' between columns",
            plain + ", or save the file with ';' separators so the decimal comma is understood",
        )
    if _in_parentheses(text):
        return (
            "value is written in parentheses (an accounting-style negative?), which is not read",
            "write a negative amount with a minus sign (-12.00 for (12.00))",
        )
    if _MONEY.search(text) and "%" in text:
        return ("value contains a percent sign", plain + " without percent signs")
    if _MONEY.search(text):
        return (
            "value carries a currency sign around something that is not one amount",
            "correct or remove the cell; an amount may carry one currency sign, before or after it",
        )
    return ("value is not a number", "correct or remove the cell; sales must be numbers")


def _in_parentheses(text: str) -> bool:
    """An amount written the accounting way for a negative: (12.00), ($1,234.50)."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    inside = without_currency_sign(text[1:-1].strip())
    return bool(_DIGITS_AND_SEPARATORS.fullmatch(inside))


def parse_flag(column: pd.Series, hinted: bool) -> np.ndarray | None:
    """0/1 floats for a flag column, or None when the column is not flag-like.

    Flag-like: numbers 0/1, TRUE/FALSE (yes/no), or for a column named like a flag (promo, holiday,
    open...) codes where "0" (or empty) means no and anything else yes, as in Rossmann's StateHoliday
    0/a/b/c, or event names on a minority of rows (holiday = Christmas, Easter, empty).
    Missing cells count as 0.
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.fillna(False).astype(float).to_numpy()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.zeros(len(column)) if hinted else None
    if len(uniques) > 16:
        return None
    texts = [_text(u) for u in uniques]
    lowered = [t.lower() for t in texts]
    if all(t in TRUE_TEXT or t in FALSE_TEXT or t == "" for t in lowered):
        mapped = np.array([1.0 if t in TRUE_TEXT else 0.0 for t in lowered])
    elif hinted and any(t in FALSE_TEXT for t in lowered) and all(_is_code(t) for t in lowered):
        mapped = np.array([0.0 if (t in FALSE_TEXT or t == "") else 1.0 for t in lowered])
    elif hinted and _mostly_none(codes, lowered) and not _all_numbers(lowered):
        # Event names where most days have none: holiday = "Christmas", "Easter" or empty.
        mapped = np.array([0.0 if t in NONE_TEXT else 1.0 for t in lowered])
    else:
        return None
    return np.where(codes < 0, 0.0, mapped[np.maximum(codes, 0)])


def _mostly_none(codes: np.ndarray, lowered: list[str]) -> bool:
    none_codes = [i for i, t in enumerate(lowered) if t in NONE_TEXT]
    empty = (codes < 0).sum() + np.isin(codes, none_codes).sum()
    return bool(empty > len(codes) / 2)


def _all_numbers(texts: list[str]) -> bool:
    return all(_NUMBER.match(t) for t in texts)


def _is_code(text: str) -> bool:
    return len(text) <= 3 and (text.isalnum() or text == "")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value).strip()


def is_numeric_text(sample: pd.Series, decimal_comma: bool = False) -> float:
    """Share of the non-empty sample cells that are plain numbers (or 1.234,56 with decimal_comma)."""
    if pd.api.types.is_numeric_dtype(sample.dtype) and not pd.api.types.is_bool_dtype(sample.dtype):
        return 1.0
    text = sample.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return 0.0
    plain = text.str.fullmatch(_NUMBER.pattern)
    if decimal_comma:
        plain |= text.str.fullmatch(_EUROPEAN.pattern)
    return float(plain.mean())
