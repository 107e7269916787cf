"""A totals series: the Grand Total row of a pivot table (or a series "Total" of a long file)
whose values are the sum of the other series, read as one more series, would double every sum."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.engine.ingest.series import key_text
from forecast.engine.ingest.types import Problem

TOTALS_LABELS = frozenset({"total", "totals", "grand total", "subtotal", "sum"})
TOTALS_SERIES_MESSAGE = "a totals series: its values are the sum of the other series on every date"
TOTALS_SERIES_FIX = "delete the totals row(s) (forecast sums the series itself)"
RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 0.01  # a cent: totals rounded to two decimals still add up

_LABEL = "|".join(sorted(re.escape(label) for label in TOTALS_LABELS))
_LABEL_PART = re.compile(rf"(?:^|/)\s*(?:{_LABEL})\s*(?:/|$)", re.IGNORECASE)


def is_totals_label(text: str) -> bool:
    return text.strip().lower() in TOTALS_LABELS


def totals_labelled(cells: pd.Series) -> np.ndarray:
    """`is_totals_label` of each cell, over a whole column at once."""
    return cells.astype("str").str.strip().str.lower().isin(TOTALS_LABELS).to_numpy(dtype=bool)


def totals_match(given: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Whether each given total is the expected sum, to the cent or one part in a million."""
    tolerance = np.maximum(RELATIVE_TOLERANCE * np.abs(expected), ABSOLUTE_TOLERANCE)
    return np.abs(given - expected) <= tolerance


def totals_series_problems(
    name: str,
    frame: pd.DataFrame,
    id_cols: Sequence[str],
    codes: np.ndarray,
    names: np.ndarray,
    ds: np.ndarray,
    values: np.ndarray,
    row_numbers: np.ndarray,
    usable: np.ndarray,
) -> list[Problem]:
    """One problem per series keyed Total (Grand Total, Totals, Sum, Subtotal, any case) in a key
    column whose value on every date is the sum of the other series on that date: of all of
    them with one key column; with several, of those sharing its values in the other key columns
    (Region North, Store Total: the stores of the North). A series so named that is not such a
    sum is a series (a store may be called Total). Only the series' names are looked at unless
    one is so named, so a file without one pays next to nothing."""
    if not id_cols or not _any_labelled(names, single=len(id_cols) == 1):
        return []
    rows = np.flatnonzero(usable)
    series, first = np.unique(codes[rows], return_index=True)
    first_rows = rows[first]
    # Each series' key, column by column (aligned with `series`).
    keys = {col: key_text(frame[col].to_numpy()[first_rows]) for col in id_cols}
    cells = (
        pd.DataFrame({"series": codes[rows], "date": ds[rows], "y": values[rows]})
        .groupby(["series", "date"], sort=False)["y"]
        .sum()
        .reset_index()
    )
    problems: list[Problem] = []
    refused: set[int] = set()
    for col in id_cols:
        labelled = np.fromiter((is_totals_label(k) for k in keys[col]), bool, len(series))
        if not labelled.any():
            continue
        others = [c for c in id_cols if c != col]
        group = (
            pd.DataFrame({c: keys[c] for c in others}).groupby(others, sort=False).ngroup()
            if others
            else pd.Series(0, index=range(len(series)))
        ).to_numpy()
        for position in _sums_of_their_group(cells, series, group, labelled):
            if int(series[position]) in refused:
                continue
            refused.add(int(series[position]))
            row = int(row_numbers[first_rows[position]])
            value = str(keys[col][position])
            problems.append(
                Problem(name, row, col, value, TOTALS_SERIES_MESSAGE, TOTALS_SERIES_FIX)
            )
    return problems


def _any_labelled(names: np.ndarray, *, single: bool) -> bool:
    """Whether a series name is (one key column: is; several: has a part that is) a totals
    label: a cheap look at the names before any sum is taken."""
    if single:
        return any(is_totals_label(str(n)) for n in names)
    return any(_LABEL_PART.search(str(n)) for n in names)


def _sums_of_their_group(
    cells: pd.DataFrame, series: np.ndarray, group: np.ndarray, labelled: np.ndarray
) -> list[int]:
    """The positions (in `series`) of the labelled series whose value on every date (the dates
    of either) is the sum of the unlabelled series of their group on that date."""
    position_of = pd.Series(np.arange(len(series)), index=series)
    at = position_of.loc[cells["series"].to_numpy()].to_numpy()
    cells = cells.assign(group=group[at], labelled=labelled[at], position=at)
    parts = cells[~cells["labelled"]]
    sums = parts.groupby(["group", "date"], sort=False)["y"].sum().rename("sum").reset_index()
    totals = np.flatnonzero(labelled & np.isin(group, parts["group"].unique()))
    if not len(totals):
        return []
    candidates = pd.DataFrame({"position": totals, "group": group[totals]})
    expected = candidates.merge(sums, on="group")[["position", "date", "sum"]]
    given = cells[cells["labelled"]][["position", "date", "y"]]
    given = given[given["position"].isin(totals)]
    both = expected.merge(given, on=["position", "date"], how="outer").fillna(
        {"sum": 0.0, "y": 0.0}
    )
    both["adds_up"] = totals_match(
        both["y"].to_numpy(dtype=float), both["sum"].to_numpy(dtype=float)
    )
    adds_up = both.groupby("position")["adds_up"].all()
    return [int(p) for p in adds_up[adds_up].index]
