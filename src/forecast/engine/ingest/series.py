"""Series keys (unique_id) and per-series attributes, built from factorised codes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from forecast.engine.ingest import detect, reader
from forecast.engine.ingest.problems import (
    MAX_PROBLEMS_PER_KIND,
    NUL,
    header_nul_problems,
    nul_cells,
    nul_problems,
)
from forecast.engine.ingest.types import IngestError, Problem
from forecast.schema import UNIQUE_ID

ID_SEPARATOR = "/"
SINGLE_SERIES_ID = "total"
_INTEGRAL_FLOAT = re.compile(r"^[-+]?\d+\.0+$")


def take_text(names: np.ndarray, codes: np.ndarray) -> pd.Series:
    """names[codes] as a pandas str column, built in Arrow (a million rows in milliseconds)."""
    table = pa.array(list(names), pa.large_string()).take(pa.array(codes))
    return pd.Series(table, dtype=pd.StringDtype(storage="pyarrow", na_value=np.nan))


def key_text(values: np.ndarray) -> np.ndarray:
    """Key values as text: stripped, integral floats without '.0' (11.0 -> 11)."""
    out = []
    for v in values:
        if isinstance(v, float | np.floating) and float(v).is_integer():
            out.append(str(int(v)))
            continue
        text = str(v).strip()
        if _INTEGRAL_FLOAT.match(text):
            text = text.split(".")[0]
        out.append(text)
    return np.asarray(out, dtype=object)


def series_codes(
    frame: pd.DataFrame, id_cols: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code per row, sorted unique_id per code, row has an empty key) for the key columns."""
    n = len(frame)
    if not id_cols:
        return (
            np.zeros(n, dtype=np.int64),
            np.asarray([SINGLE_SERIES_ID], dtype=object),
            np.zeros(n, bool),
        )
    combined = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    parts: list[np.ndarray] = []
    for col in id_cols:
        raw_codes, raw_uniques = pd.factorize(frame[col], use_na_sentinel=True)
        # 15 and "15" (a column typed differently in two parts of a file) are the same key.
        text_codes, text_uniques = pd.factorize(key_text(np.asarray(raw_uniques, dtype=object)))
        text = np.asarray(text_uniques, dtype=object)
        if len(text_codes):
            codes = np.where(raw_codes < 0, -1, text_codes[np.maximum(raw_codes, 0)])
        else:  # a key column with no cell filled in (a header wider than its rows)
            codes = np.full(n, -1, dtype=np.int64)
        uniques = text
        blank = text == ""
        missing |= (codes < 0) | (blank[np.maximum(codes, 0)] if len(text) else False)
        combined = combined * (len(uniques) + 1) + (codes + 1)
        parts.append(text)
    if len(parts) == 1:  # one key column: its codes already name the series
        return _sorted(np.where(codes < 0, 0, codes), parts[0], missing)
    codes, uniques = pd.factorize(combined)
    names = []
    radix = [len(p) + 1 for p in parts]
    for value in uniques:
        pieces = []
        for size, text in zip(reversed(radix), reversed(parts), strict=True):
            value, digit = divmod(int(value), size)
            pieces.append(text[digit - 1] if digit > 0 else "")
        names.append(ID_SEPARATOR.join(reversed(pieces)))
    return _sorted(codes, np.asarray(names, dtype=object), missing)


def _sorted(
    codes: np.ndarray, names: np.ndarray, missing: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renumber codes so that series come in plain text order, as schema.validate_history sorts
    them: the history is then already in canonical order."""
    if len(names) == 0:
        return codes, np.asarray([""], dtype=object), missing
    order = np.argsort(names.astype(str), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes], names[order], missing


def same_date_duplicates(codes: np.ndarray, ds: np.ndarray) -> int:
    key = pd.DataFrame({"c": codes, "d": ds})
    return int(key.duplicated().sum())


def first_same_date_rows(codes: np.ndarray, ds: np.ndarray) -> tuple[int, int] | None:
    """Positions of the first row sharing its series and date with an earlier row, and of that
    earlier row (None when no two rows share both)."""
    key = pd.DataFrame({"c": codes, "d": ds})
    repeated = np.flatnonzero(key.duplicated().to_numpy())
    if not len(repeated):
        return None
    later = int(repeated[0])
    same = (codes[:later] == codes[later]) & (ds[:later] == ds[later])
    return int(np.flatnonzero(same)[0]), later


def constant_per_series(column: pd.Series, codes: np.ndarray, n_series: int) -> bool:
    values, _ = pd.factorize(column, use_na_sentinel=True)
    low = np.full(n_series, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(n_series, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    return bool((low == high).all())


def attribute_text(column: pd.Series) -> pd.Series:
    """Attribute values as text; integral floats lose their '.0', missing stays missing."""
    values = np.asarray(column.astype(object), dtype=object)
    missing = pd.isna(column).to_numpy()
    text = key_text(values)
    out = pd.Series(text, index=column.index, dtype=object)
    out[missing] = None
    return out.astype("str")


def attributes(
    frame: pd.DataFrame, others: list[str], ids: list[str], codes: np.ndarray, names: np.ndarray
) -> tuple[list[str], pd.DataFrame]:
    n_series = len(names)
    first = np.full(n_series, len(frame), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(frame)))
    cols = [c for c in others if c in ids or constant_per_series(frame[c], codes, n_series)]
    picked = frame.iloc[first]
    # One frame made from all columns at once: inserting them one by one copied the column
    # index each time (quadratic: 60 s of CPU for 5,000 attribute columns of 40 rows).
    columns: dict[str, object] = {UNIQUE_ID: pd.array(names, dtype="str")}
    columns |= {col: attribute_text(picked[col]).to_numpy() for col in cols}
    return cols, pd.DataFrame(columns)


def merge_attributes_file(
    attributes: pd.DataFrame,
    source: str | Path | bytes,
    ids: list[str],
    filename: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    raw, name = reader.load_source(source, filename)
    kind, raw, _ = reader.detect_type(raw, name)
    if kind == "csv":
        fmt = reader.sniff_csv(raw, name)
        columns = reader.read_csv_sample(raw, fmt, name).columns
        table, _ = reader.read_csv_full(raw, fmt, name, dict.fromkeys(columns, "str"))
    elif kind == "parquet":
        table = reader.read_parquet(raw, name)
    else:
        table, _, _ = reader.read_xlsx(raw, name)
    named = header_nul_problems(name, list(table.columns), 1)
    if named:
        raise IngestError(named)
    # Match key columns by name, ignoring case and spacing (store_id == Store ID).
    by_norm = {detect.norm(c): c for c in ids}
    table = table.rename(
        columns={c: by_norm[detect.norm(c)] for c in table.columns if detect.norm(c) in by_norm}
    )
    keys = [c for c in ids if c in table.columns]
    if not keys:
        key_names = ", ".join(ids) if ids else "(none: the sales file is one series)"
        raise IngestError(
            [
                Problem(
                    name,
                    1,
                    None,
                    None,
                    f"the attributes file has no column named like the series key {key_names}",
                    f"rename its key column to match; its columns are: {', '.join(table.columns)}",
                )
            ]
        )
    table = table.copy()
    if kind != "csv" or NUL.encode() in raw:
        rows = np.arange(len(table)) + 2  # the header is row 1
        held = [
            problem
            for col in table.columns
            if (mask := nul_cells(table[col])).any()
            for problem in nul_problems(
                name, str(col), rows, table[col], mask, "an attribute of a series"
            )
        ]
        if held:
            raise IngestError(held)
    for col in table.columns:
        table[col] = attribute_text(table[col])
    dup = table.duplicated(keys, keep="first").to_numpy()
    if dup.any():
        problems = [
            Problem(
                name,
                int(i) + 2,
                ", ".join(keys),
                " / ".join(str(table[k].iloc[i]) for k in keys),
                "the attributes file has a second row for this key",
                "keep one row per key in the attributes file",
            )
            for i in np.flatnonzero(dup)[:MAX_PROBLEMS_PER_KIND]
        ]
        raise IngestError(problems)
    new_cols = [c for c in table.columns if c not in attributes.columns]
    merged = attributes.merge(table[keys + new_cols], on=keys, how="left", validate="many_to_one")
    already_read = [c for c in table.columns if c not in keys and c not in new_cols]
    notes = [
        f"attributes from {name}: {', '.join(new_cols)}"
        if new_cols
        else f"attributes from {name}: none new ({', '.join(already_read) or 'only the key'} "
        "already in the sales file)"
    ]
    unmatched = int(merged[new_cols[0]].isna().sum()) if new_cols else 0
    if new_cols and unmatched:
        notes.append(f"{unmatched} series have no row in {name}")
    return merged, notes


def ignored_notes(frame: pd.DataFrame, ignored: list[str]) -> list[str]:
    """Warn about ignored text columns that hold mangled numbers (e.g. CPI 2.110.963.582)."""
    notes = []
    for col in ignored:
        column = frame[col]
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        sample = column.dropna().astype(str).head(1000)
        mangled = sample[sample.str.fullmatch(r"[-+]?\d+(?:\.\d+){2,}")]
        if len(mangled):
            notes.append(
                f"column {col} (ignored) holds numbers with several dots such as {mangled.iloc[0]}: "
                "a mangled decimal mark; re-export the file if you need it"
            )
    if ignored:
        notes.append(f"columns not used (they vary within a series): {', '.join(ignored)}")
    return notes
