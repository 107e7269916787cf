"""Problems located as a spreadsheet user finds them: row, column, value, message and fix."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forecast.engine.ingest.types import Problem
from forecast.engine.ingest.values import number_problem
from forecast.errors import Fix, FixKey

MAX_PROBLEMS_PER_KIND = 20
"""Rows listed per column and kind of problem; the rest are counted in one closing problem."""


def spreadsheet_numbering(
    problems: list[Problem], rows: np.ndarray, n: int, first_row: int
) -> list[Problem]:
    """Renumber problems from "data index + first_row" to the spreadsheet row (blank lines and
    quoted line breaks counted)."""
    if len(rows) != n or np.array_equal(rows, np.arange(n) + first_row):
        return problems

    def real(number: int) -> int:
        return int(spreadsheet_row_numbers(np.array([number]), rows, n, first_row)[0])

    def renumber(text: str) -> str:
        return re.sub(r"\brow (\d+)", lambda m: f"row {real(int(m.group(1)))}", text)

    return [
        dataclasses.replace(
            p, row=None if p.row is None else real(p.row), message=renumber(p.message)
        )
        for p in problems
    ]


def spreadsheet_row_numbers(
    numbers: np.ndarray, rows: np.ndarray, n: int, first_row: int
) -> np.ndarray:
    """Row numbers counted as "data index + first_row" as the spreadsheet numbers those rows
    (`rows`: the spreadsheet row of each of the `n` data rows); unchanged when `rows` does not
    describe `n` rows."""
    if len(rows) != n:
        return numbers
    index = numbers - first_row
    inside = (index >= 0) & (index < n)
    return np.where(inside, rows[np.clip(index, 0, max(n - 1, 0))], numbers)


def cell(column: pd.Series | None, i: int) -> str | None:
    if column is None:
        return None
    value = column.iloc[i]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def row_problems(
    file: str,
    column: str,
    row_numbers: np.ndarray,
    mask: np.ndarray,
    cells: pd.Series | None,
    message: Callable[[str | None], str],
    fix: str | Fix,
) -> list[Problem]:
    """A problem per row of `mask` (the first `MAX_PROBLEMS_PER_KIND`, then one for the rest);
    `fix`: its words, or a key each face words (`Problem.keyed`)."""
    hits = np.flatnonzero(mask)
    out = []
    for i in hits[:MAX_PROBLEMS_PER_KIND]:
        value = cell(cells, int(i))
        out.append(Problem.keyed(file, int(row_numbers[i]), column, value, message(value), fix))
    if len(hits) > MAX_PROBLEMS_PER_KIND:
        rest = len(hits) - MAX_PROBLEMS_PER_KIND
        out.append(
            Problem.keyed(
                file,
                None,
                column,
                None,
                f"{rest} more rows have the same problem ({len(hits)} in all, last at row "
                f"{int(row_numbers[hits[-1]])})",
                fix,
                rows=rest,
            )
        )
    return out


def grouped_number_problems(
    file: str,
    column: str,
    row_numbers: np.ndarray,
    bad: np.ndarray,
    cells: pd.Series,
    read_as: pd.Series | None = None,
) -> list[Problem]:
    """Non-numbers, grouped by what is wrong with them so each kind gets its own fix: what is
    wrong is told from `read_as` (the cells as they were read, a currency sign taken off) when
    given, the cells themselves are shown."""
    hits = np.flatnonzero(bad)
    if not len(hits):
        return []
    read = cells if read_as is None else read_as
    texts = [str(read.iloc[i]).strip() for i in hits]
    kinds: dict[tuple[str, str], list[int]] = {}
    for i, text in zip(hits, texts, strict=True):
        kinds.setdefault(number_problem(text), []).append(int(i))
    out = []
    for (message, fix), idx in kinds.items():
        mask = np.zeros(len(bad), dtype=bool)
        mask[idx] = True
        out += row_problems(
            file, column, row_numbers, mask, cells, functools.partial(_fixed, message), fix
        )
    return out


def _fixed(message: str, _value: str | None) -> str:
    return message


DUPLICATE_FIX = Fix(FixKey.SUM_DUPLICATES)
"""A repeated row's fix, worded by each face (the CLI: its --duplicates option)."""


def duplicate_problems(
    file: str,
    column: str,
    row_numbers: np.ndarray,
    codes: np.ndarray,
    ds: np.ndarray,
    names: np.ndarray,
    cells: pd.Series,
    usable: np.ndarray,
) -> list[Problem]:
    """A problem per row that repeats an earlier row's series and date (rows with bad keys or
    dates are reported on their own and left out here)."""
    index = np.flatnonzero(usable)
    key = pd.DataFrame({"c": codes[index], "d": ds[index]})
    dup = key.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    first_of = key.assign(i=index).drop_duplicates(["c", "d"]).set_index(["c", "d"])["i"]
    hits = index[dup]
    fix = DUPLICATE_FIX
    out: list[Problem] = []
    for i in hits[:MAX_PROBLEMS_PER_KIND]:
        first = int(first_of.loc[(codes[i], ds[i])])
        out.append(
            Problem.keyed(
                file,
                int(row_numbers[i]),
                column,
                cell(cells, int(i)),
                f"second row for series {names[codes[i]]!r} on this date (first at row "
                f"{int(row_numbers[first])})",
                fix,
                repeated_row=True,
            )
        )
    if len(hits) > MAX_PROBLEMS_PER_KIND:
        out.append(
            Problem.keyed(
                file,
                None,
                column,
                None,
                f"{len(hits) - MAX_PROBLEMS_PER_KIND} more duplicate rows ({len(hits)} in all)",
                fix,
                repeated_row=True,
            )
        )
    return out


NUL = "\x00"
NUL_FIX = (
    "take the NUL out, e.g. export the file again from the program that made it (a NUL is "
    "often the mark of a damaged export)"
)


def nul_cells(column: pd.Series) -> np.ndarray:
    """Per cell of `column`: whether it is text holding a NUL character (U+0000); each distinct
    value is looked at once."""
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return np.zeros(len(column), dtype=bool)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    held = np.fromiter(
        (isinstance(u, str) and NUL in u for u in uniques), dtype=bool, count=len(uniques)
    )
    if not held.any():
        return np.zeros(len(column), dtype=bool)
    return (codes >= 0) & held[np.maximum(codes, 0)]


def header_nul_problems(file: str, columns: Sequence[object], header_row: int) -> list[Problem]:
    """A problem per header cell (`header_row`, the row of the columns' names) whose name holds
    a NUL character: a plan keeps a column's name (an attribute's, a team's, one named in its
    notes as not used), which PostgreSQL does not store with a NUL in it. The name is said back
    with the NUL written as an escape (``\\x00``)."""
    return [
        Problem(
            file,
            header_row,
            str(name),
            str(name),
            "a column's name cannot hold a NUL character (U+0000, shown as \\x00)",
            NUL_FIX,
        )
        for name in columns
        if NUL in str(name)
    ]


def nul_problems(
    file: str, column: str, row_numbers: np.ndarray, cells: pd.Series, mask: np.ndarray, what: str
) -> list[Problem]:
    """A problem per row whose cell of `column` (`what`: a series key, an attribute) holds a NUL
    character: a plan keeps it as a name, which no database stores with a NUL in it
    (PostgreSQL refuses one) and no list prints as it is. The cell is said back with the NUL
    written as an escape (``\\x00``)."""
    return row_problems(
        file,
        column,
        row_numbers,
        mask,
        cells,
        lambda _value: f"{what} cannot hold a NUL character (U+0000, shown as \\x00)",
        NUL_FIX,
    )
