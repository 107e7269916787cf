"""Which column is the date, the value, the series key, a flag or an attribute."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.engine.ingest.dates import _COMPACT, DATE_NAME_HINTS, looks_like_dates
from forecast.engine.ingest.types import (
    VALUE_FIRST_NUMERIC,
    VALUE_NAMED,
    VALUE_SEVERAL_NAMED,
    Problem,
    ValueChoice,
)
from forecast.engine.ingest.values import (
    _EUROPEAN,
    _NUMBER,
    FALSE_TEXT,
    TRUE_TEXT,
    parse_flag,
)
from forecast.errors import Fix, FixKey

# Ordered: the first name found wins.
VALUE_NAME_HINTS = (
    "y",
    "sales",
    "weeklysales",
    "dailysales",
    "monthlysales",
    "unitsales",
    "unitssold",
    "salesqty",
    "salesquantity",
    "salesamount",
    "netsales",
    "qty",
    "quantity",
    "units",
    "amount",
    "revenue",
    "turnover",
    "demand",
    "volume",
    "value",
    "orders",
    "visitors",
    "trips",
    "count",
    "total",
    "umsatz",
    "absatz",
    "menge",
    "ventas",
    "ventes",
    "vendas",
    "cantidad",
    "quantite",
)
# Columns that name a series on their own (a store, a department, an item).
ID_NAME_HINTS = frozenset(
    {
        "uniqueid",
        "seriesid",
        "series",
        "store",
        "storeid",
        "storenbr",
        "storeno",
        "storenumber",
        "shop",
        "shopid",
        "dept",
        "department",
        "deptid",
        "departmentid",
        "item",
        "itemid",
        "itemnbr",
        "sku",
        "skuid",
        "stockcode",
        "article",
        "articleid",
        "product",
        "productid",
        "productcode",
        "location",
        "locationid",
        "purpose",
        "outlet",
        "outletid",
        "branch",
        "warehouse",
        "site",
    }
)
# Grouping columns used when no column above exists (Superstore: Region + Sub-Category).
GROUP_NAME_HINTS = frozenset(
    {
        "region",
        "category",
        "subcategory",
        "productcategory",
        "family",
        "brand",
        "channel",
        "class",
        "subclass",
        "group",
        "productgroup",
        "team",
        "market",
        "division",
        "segment",
    }
)
MIN_ROWS_PER_SERIES = 10
FLAG_NAME = re.compile(r"promo|holiday|^open$|^isopen$|^closed?$|event|^snap|flag|^onpromotion$")


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve(
    name: str, columns: Sequence[str], file: str, role: str, fix: FixKey
) -> tuple[str | None, list[Problem]]:
    """The column the user meant (exact, then case/spacing-insensitive), or a problem listing
    columns (`fix`: the key that names the role's option or field)."""
    if name in columns:
        return name, []
    matches = [c for c in columns if norm(c) == norm(name)]
    if len(matches) == 1:
        return matches[0], []
    available = ", ".join(columns)
    return None, [
        Problem.keyed(
            file,
            None,
            name,
            None,
            f"there is no column {name!r} to use as the {role}",
            Fix(fix, columns=available),
        )
    ]


@dataclass(frozen=True)
class SampleText:
    """What the sample's cells are, every column at once: one vectorised pass over all cells
    (a regex per column cost ~6 ms each in pandas' overhead, 30 s for a 5,000-column file).

    ``numeric``: `is_numeric_text` per column. ``not_dates``: columns `looks_like_dates` scores
    0 without parsing (empty, or plain numbers that are not all yyyymmdd). ``not_flags``:
    columns that cannot be an unnamed 0/1 flag (`find_flags`): a text other than yes/no, or
    nothing that reads as yes beside something that reads as no or an empty cell."""

    numeric: dict[str, float]
    not_dates: frozenset[str]
    not_flags: frozenset[str]


def sample_text(sample: pd.DataFrame, decimal_comma: bool = False) -> SampleText:
    columns = list(sample.columns)
    rows, width = sample.shape
    flat = pd.Series(sample.to_numpy(dtype=object).ravel(order="F"), dtype=object)
    where = np.repeat(np.arange(width), rows)
    present = flat.notna().to_numpy(dtype=bool)
    text = flat[present].astype(str).str.strip()
    where = where[present]
    nonempty = (text != "").to_numpy(dtype=bool)
    text, where = text[nonempty], where[nonempty]

    def count(mask: pd.Series | np.ndarray) -> np.ndarray:
        return np.bincount(where[np.asarray(mask, dtype=bool)], minlength=width)

    cells = np.bincount(where, minlength=width)
    number = text.str.fullmatch(_NUMBER.pattern).to_numpy(dtype=bool)
    if decimal_comma:
        number = number | text.str.fullmatch(_EUROPEAN.pattern).to_numpy(dtype=bool)
    plain = count(text.str.fullmatch(r"[-+]?\d+(\.\d+)?"))
    compact = count(text.str.fullmatch(_COMPACT))
    lowered = text.str.lower()
    yes, no = count(lowered.isin(TRUE_TEXT)), count(lowered.isin(FALSE_TEXT))
    words = count(lowered.isin(("true", "false")))
    share = np.divide(count(number), cells, out=np.zeros(width), where=cells > 0)
    numeric: dict[str, float] = {}
    not_dates, not_flags = set(), set()
    for j, col in enumerate(columns):
        dtype = sample[col].dtype
        numbers = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        numeric[col] = 1.0 if numbers else float(share[j])
        never_dates = cells[j] == 0 or (plain[j] == cells[j] and compact[j] < cells[j])
        if never_dates and not pd.api.types.is_datetime64_any_dtype(dtype):
            not_dates.add(col)
        if pd.api.types.is_bool_dtype(dtype):
            continue
        yes_no = yes[j] + no[j] == cells[j] > 0
        some_no = no[j] > 0 or cells[j] < rows
        # any word among them (an XLSX column of FALSE cells and 0s): left to the exact check,
        # which takes Python's False and 0 as one value
        if not (yes_no and (words[j] > 0 or (yes[j] > 0 and some_no))):
            not_flags.add(col)
    return SampleText(numeric, frozenset(not_dates), frozenset(not_flags))


def find_date_column(
    sample: pd.DataFrame, exclude: set[str], text: SampleText | None = None
) -> str | None:
    """The first column holding dates, trying date-named columns (ds, Date, Order Date) first."""
    text = text or sample_text(sample)
    ranked = []
    for pos, col in enumerate(sample.columns):
        if col in exclude or col in text.not_dates:
            continue
        key = norm(col)
        hint = 0 if key in DATE_NAME_HINTS else (1 if "date" in key or key.endswith("ds") else 2)
        ranked.append((hint, pos, col))
    for hint, _, col in sorted(ranked):
        # A column named like a date may hold some bad cells (reported later, row by row).
        if looks_like_dates(sample[col]) >= (0.5 if hint < 2 else 0.9):
            return col
    return None


def is_value_name(column: str) -> bool:
    key = norm(column)
    return key in VALUE_NAME_HINTS or "sales" in key


def find_value_column(
    sample: pd.DataFrame,
    exclude: set[str],
    flags: set[str],
    decimal_comma: bool = False,
    text: SampleText | None = None,
) -> str | None:
    text = text or sample_text(sample, decimal_comma)
    candidates = [c for c in sample.columns if c not in exclude and c not in flags]
    by_norm: dict[str, str] = {}
    for col in candidates:
        by_norm.setdefault(norm(col), col)
    for hint in VALUE_NAME_HINTS:
        if hint in by_norm:
            return by_norm[hint]
    for col in candidates:
        if "sales" in norm(col):
            return col
    for col in candidates:
        key = norm(col)
        if key in ID_NAME_HINTS or key in GROUP_NAME_HINTS or key.endswith("id"):
            continue
        if text.numeric[col] >= 0.95:
            return col
    return None


def choose_value(
    sample: pd.DataFrame,
    exclude: set[str],
    flags: set[str],
    decimal_comma: bool = False,
    text: SampleText | None = None,
) -> ValueChoice | None:
    """The value column (as `find_value_column`) and how sure that choice is: certain when
    exactly one numeric column is named like sales; several named ones (Units and Revenue) or
    none (Temperature taken as the first numeric column) leave the choice to a person."""
    text = text or sample_text(sample, decimal_comma)
    column = find_value_column(sample, exclude, flags, decimal_comma, text)
    if column is None:
        return None
    numeric = [
        c for c in sample.columns if c not in exclude and c not in flags and text.numeric[c] >= 0.95
    ]
    named = [c for c in numeric if is_value_name(c)]
    strongest = [c for c in named if _strongly_named(c)] or named
    if not is_value_name(column):
        how = VALUE_FIRST_NUMERIC
    elif len(strongest) > 1:
        how = VALUE_SEVERAL_NAMED
    else:
        how = VALUE_NAMED
    plain = [
        c
        for c in numeric
        if not (norm(c) in ID_NAME_HINTS or norm(c) in GROUP_NAME_HINTS or norm(c).endswith("id"))
    ]
    kept = set(plain)  # a set: a list made this quadratic in the columns
    candidates = tuple(c for c in sample.columns if c in kept or c == column)
    return ValueChoice(column, how, candidates)


def _strongly_named(column: str) -> bool:
    """Named `y` or with `sales` in the name: stronger than qty, amount or value."""
    key = norm(column)
    return key == "y" or "sales" in key


def flag_named(column: str) -> bool:
    """Named like a flag (promo, holiday, open...): letter codes then count as yes."""
    return bool(FLAG_NAME.search(norm(column)))


def find_flags(
    sample: pd.DataFrame, exclude: set[str], text: SampleText | None = None
) -> list[str]:
    text = text or sample_text(sample)
    flags = []
    for col in sample.columns:
        # A sales column of 0s and 1s (a slow mover) is still the sales column.
        key = norm(col)
        if col in exclude or is_value_name(col) or key in ID_NAME_HINTS or key in GROUP_NAME_HINTS:
            continue
        hinted = flag_named(col)
        if not hinted and col in text.not_flags:
            continue
        values = parse_flag(sample[col], hinted=hinted)
        if values is None:
            continue
        if hinted or _is_boolean_text(sample[col]) or (values.min() == 0 and values.max() == 1):
            flags.append(col)
    return flags


def _is_boolean_text(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return True
    texts = {str(v).strip().lower() for v in column.dropna().unique()}
    return bool(texts) and texts <= {"true", "false"}


def choose_id_columns(
    frame: pd.DataFrame, candidates: list[str], date_values: np.ndarray
) -> tuple[list[str], list[str]]:
    """Series key columns among `candidates` (file order) and notes on how they were chosen."""
    by_norm = {norm(c): c for c in candidates}
    if "uniqueid" in by_norm:
        return [by_norm["uniqueid"]], []
    n = len(frame)
    strong = [c for c in candidates if norm(c) in ID_NAME_HINTS]
    # A key with only a handful of rows per value (Superstore's Product ID: 5 order lines in four
    # years) names transactions, not time series; fall back to grouping columns then.
    sparse = [
        c
        for c in strong
        if (card := _cardinality(frame[c])) >= 20 and n < MIN_ROWS_PER_SERIES * card
    ]
    strong = [c for c in strong if c not in sparse]
    notes = [f"{c} has too few rows per value to be a series key; not used" for c in sparse]
    if strong:
        return strong, notes
    group = [
        c for c in candidates if norm(c) in GROUP_NAME_HINTS and 1 < _cardinality(frame[c]) <= 1000
    ]
    group = [c for c in group if norm(c) != "segment"] or group
    if group:
        kept = _drop_determined(frame, group)
        return kept, [*notes, f"series key guessed from grouping columns: {' + '.join(kept)}"]
    # No telling names: add low-cardinality text/integer columns while they split rows that share
    # a date, until every (key, date) is unique.
    keys: list[str] = []
    dup = _duplicates(frame, keys, date_values)
    if dup == 0:
        return [], notes
    for col in candidates:
        series = frame[col]
        if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        card = _cardinality(series)
        if card < 2 or card > min(1000, n // 2):
            continue
        now = _duplicates(frame, [*keys, col], date_values)
        if now < dup:
            keys.append(col)
            dup = now
        if dup == 0:
            break
    if keys:
        notes.append(f"series key guessed from the data: {' + '.join(keys)}")
    return keys, notes


def _cardinality(series: pd.Series) -> int:
    return int(series.nunique(dropna=False))


def _duplicates(frame: pd.DataFrame, keys: list[str], date_values: np.ndarray) -> int:
    probe = frame[keys].copy() if keys else pd.DataFrame(index=frame.index)
    probe["__ds"] = date_values
    return int(probe.duplicated().sum())


def _drop_determined(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    """Drop columns fully determined by the others (Category is implied by Sub-Category)."""
    kept = list(cols)

    def cardinality(c: str) -> int:
        return _cardinality(frame[c])

    for col in sorted(cols, key=cardinality):
        others = [c for c in kept if c != col]
        if not others:
            break
        per_group = frame.groupby(others, dropna=False, observed=True)[col].nunique(dropna=False)
        if per_group.max() <= 1:
            kept.remove(col)
    return kept
