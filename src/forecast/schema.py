"""Column names of the long contract, and the one validation at the boundary.

Every frame that crosses a module boundary uses these names (statsforecast style):
history is ``unique_id, ds, y`` (+ attribute and flag columns), a baseline is
``unique_id, ds, baseline, baseline-lo-80, baseline-hi-80, ..., model``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from forecast.vocabulary import FREQUENCIES as FREQUENCIES  # re-exported: the rule lives here

UNIQUE_ID = "unique_id"
DS = "ds"
Y = "y"
BASELINE = "baseline"
MODEL = "model"
TEAM = "team"
SYSTEM_PLAN = "system_plan"
TARGET = "target"


DEFAULT_LEVELS: tuple[int, ...] = (80, 95)


class SchemaError(ValueError):
    """A frame does not follow the long contract; the message says which column and how to fix it."""


def lo_col(level: int, prefix: str = BASELINE) -> str:
    return f"{prefix}-lo-{int(level)}"


def hi_col(level: int, prefix: str = BASELINE) -> str:
    return f"{prefix}-hi-{int(level)}"


def interval_columns(levels: Iterable[int], prefix: str = BASELINE) -> list[str]:
    cols: list[str] = []
    for level in sorted(levels):
        cols += [lo_col(level, prefix), hi_col(level, prefix)]
    return cols


def levels_in(frame: pd.DataFrame, prefix: str = BASELINE) -> list[int]:
    """The interval levels present in a baseline frame, ascending."""
    found = set()
    for col in frame.columns:
        head = f"{prefix}-lo-"
        if (
            isinstance(col, str)
            and col.startswith(head)
            and hi_col(int(col[len(head) :]), prefix) in frame
        ):
            found.add(int(col[len(head) :]))
    return sorted(found)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what} is missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}. "
            f"Rename the columns to the long contract ({', '.join(columns)})."
        )


def validate_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the long history contract and return it with canonical dtypes (sorted by id, ds).

    A history already sorted (as a Parquet file the engine wrote, or ``forecast ingest``'s
    output) is neither copied nor sorted again (pandas copies on write, so the caller's frame
    is safe): at 100,000 series the copy and the sort cost about a gigabyte."""
    require_columns(frame, [UNIQUE_ID, DS, Y], "history")
    out = frame.copy(deep=False)
    out[UNIQUE_ID] = out[UNIQUE_ID].astype(str)
    out[DS] = pd.to_datetime(out[DS])
    out[Y] = pd.to_numeric(out[Y], errors="raise").astype(float)
    new_id, step = _id_starts_and_date_steps(out)
    if (step[~new_id[1:]] < 0).any() or not out[UNIQUE_ID].is_monotonic_increasing:
        out = out.sort_values([UNIQUE_ID, DS], kind="stable")
        new_id, step = _id_starts_and_date_steps(out)
    out = out.reset_index(drop=True)
    repeated = np.flatnonzero(~new_id[1:] & (step == 0))
    if len(repeated):
        dup = out.iloc[int(repeated[0])]
        raise SchemaError(
            f"history has more than one row for series {dup[UNIQUE_ID]!r} on {dup[DS]:%Y-%m-%d}; "
            "sum or drop duplicates before forecasting (forecast ingest --duplicates sum)."
        )
    return out


def _id_starts_and_date_steps(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Whether each row starts a new id (against the row before), and each row's date step."""
    ids = frame[UNIQUE_ID]
    return ids.ne(ids.shift()).to_numpy(), np.diff(pd.DatetimeIndex(frame[DS]).asi8)


def validate_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a baseline frame: ids, dates, point forecast, paired interval columns, model."""
    require_columns(frame, [UNIQUE_ID, DS, BASELINE, MODEL], "baseline")
    out = frame.copy()
    out[UNIQUE_ID] = out[UNIQUE_ID].astype(str)
    out[DS] = pd.to_datetime(out[DS])
    return out.sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True)
