"""What a verdict rests on: how many of the plan's series and periods have actuals.

A verdict (which culture came closer, by how much) over 2 of 100 series says little about the
plan: every place that gives one says what it is scored on ("scored on 2 of 100 series, 4 of 13
periods") and calls it provisional while fewer than half of the series, or of the periods, have
actuals (`PROVISIONAL_SHARE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.accuracy.grid import DS, UNIQUE_ID, ScoredGrid

PROVISIONAL_SHARE = 0.5
"""Below this share of the plan's series (or periods) with actuals a verdict is provisional."""


def _count(n: int, total: int, noun: str) -> str:
    return f"{n:,} of {total:,} {noun}"


@dataclass(frozen=True)
class Coverage:
    """Series, periods and series-periods with actuals, of those of the plan (or of a team)."""

    series: int
    series_total: int
    periods: int
    periods_total: int
    series_periods: int
    series_periods_total: int

    @property
    def thin_series(self) -> bool:
        return self.series < PROVISIONAL_SHARE * self.series_total

    @property
    def thin_periods(self) -> bool:
        return self.periods < PROVISIONAL_SHARE * self.periods_total

    @property
    def provisional(self) -> bool:
        return self.thin_series or self.thin_periods

    def text(self) -> str:
        """``scored on 2 of 100 series, 4 of 13 periods``."""
        return (
            f"scored on {_count(self.series, self.series_total, 'series')}, "
            f"{_count(self.periods, self.periods_total, 'periods')}"
        )

    def provisional_because(self) -> str | None:
        """Why the verdict is provisional (None when it is not)."""
        if not self.provisional:
            return None
        thin = []
        if self.thin_series:
            thin.append(f"{_count(self.series, self.series_total, 'series')}")
        if self.thin_periods:
            thin.append(f"{_count(self.periods, self.periods_total, 'periods')}")
        return (
            f"provisional: only {' and '.join(thin)} have actuals (under half); the verdict "
            "may change as more arrive"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "series_total": self.series_total,
            "periods": self.periods,
            "periods_total": self.periods_total,
            "series_periods": self.series_periods,
            "series_periods_total": self.series_periods_total,
            "provisional": self.provisional,
            "text": self.text(),
            "provisional_because": self.provisional_because(),
        }


def grid_coverage(grid: ScoredGrid, rows: np.ndarray | None = None) -> Coverage:
    """The coverage of the grid's actuals, over all its series or the `rows` (a boolean mask,
    e.g. a team's series); a cell counts in the plan where it has a baseline."""
    baseline, y = grid.layers["baseline"], grid.y
    if rows is not None:  # the rows first: a team's share of the grid, not the whole grid
        baseline, y = baseline[rows], y[rows]
    in_plan, has = ~np.isnan(baseline), ~np.isnan(y)
    return Coverage(
        series=int(has.any(axis=1).sum()),
        series_total=int(in_plan.any(axis=1).sum()),
        periods=int(has.any(axis=0).sum()),
        periods_total=int(in_plan.any(axis=0).sum()),
        series_periods=int(has.sum()),
        series_periods_total=int(in_plan.sum()),
    )


def frame_coverage(plan: pd.DataFrame, scored: pd.DataFrame) -> Coverage:
    """The coverage of `scored` (``unique_id, ds`` of the cells with actuals, all in the plan)
    over `plan` (``unique_id, ds`` of the plan's cells)."""
    return Coverage(
        series=int(scored[UNIQUE_ID].nunique()),
        series_total=int(plan[UNIQUE_ID].nunique()),
        periods=int(scored[DS].nunique()),
        periods_total=int(plan[DS].nunique()),
        series_periods=int(len(scored.drop_duplicates([UNIQUE_ID, DS]))),
        series_periods_total=int(len(plan.drop_duplicates([UNIQUE_ID, DS]))),
    )
