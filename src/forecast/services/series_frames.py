"""The rules by which the negotiation's series frame and the plan's team and period totals are
made from the plan's frames (pure pandas): `services.negotiation` and the plan totals read model
(`services.plan_totals`) both use them, so a stored total equals the one computed from the frames.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any, NamedTuple, cast

import numpy as np
import pandas as pd

from forecast import negotiation as domain
from forecast import schema
from forecast.engine import gaps, label_notes
from forecast.engine.aggregate_intervals import sum_with_intervals
from forecast.engine.calendar import season_length

WHOLE_PLAN = None  # the `team` of rows summed over every team


def minor_column(values: pd.Series) -> np.ndarray:
    """Per series-period currency -> int64 minor units (round half to even, as to_minor)."""
    return np.round(values.astype(float).to_numpy() * 100).astype(np.int64)


def team_totals(frame: pd.DataFrame, column: str) -> dict[str, int]:
    """Minor units of `column` per team of a series frame (exact int sums)."""
    minor = pd.Series(minor_column(frame[column]), index=frame.index)
    sums = minor.groupby(frame[schema.TEAM]).sum()
    return {str(team): int(v) for team, v in sums.items()}


def period_sums(frame: pd.DataFrame, column: str) -> dict[str, dict[str, int]]:
    """Minor units of `column` per team and period (ISO date) of a series frame."""
    minor = pd.Series(minor_column(frame[column]), index=frame.index)
    periods = frame[schema.DS].dt.strftime("%Y-%m-%d")
    sums = minor.groupby([frame[schema.TEAM], periods]).sum()
    out: dict[str, dict[str, int]] = {}
    for key, v in sums.items():
        team, period = cast(tuple[Any, Any], key)  # a (team, period) group key
        out.setdefault(str(team), {})[str(period)] = int(v)
    return out


def whole_cells(frame: pd.DataFrame, column: str, quantum: int) -> np.ndarray:
    """A money column of the series frame per series-period in minor units, in whole steps of
    the currency (`quantum`; JPY: one yen): the cells the exports carry. In cents each cell is
    its own amount; in whole yen each team's total is rounded once (as the ledger rounds it) and
    spread back over its periods and series by largest remainder (as targets are), so the cells
    of a team add up to the ledger's figure, not to a sum of cells rounded one by one. Every view
    that shows a cell, or a sum of cells by period, shows these."""
    if quantum == 1:
        return minor_column(frame[column])
    by_period = period_sums(frame, column)
    per_period = {
        (team, period): value
        for team, periods in domain.whole_by_period(by_period, quantum).items()
        for period, value in periods.items()
    }
    totals = {team: domain.round_to(sum(p.values()), quantum) for team, p in by_period.items()}
    spread = domain.spread(
        totals, frame, weight_col=column, team_period_targets=per_period, quantum=quantum
    )
    return spread["target_minor"].astype("int64").to_numpy()


class LastYearCounts(NamedTuple):
    """A team's last year as `last_year_sales` counts it (`domain.LastYear` without the plan)."""

    sales: float | None
    series: int
    comparable: int
    periods: int
    comparable_periods: int


def last_year_offset(freq: str) -> pd.DateOffset:
    code = (freq or "").upper()
    if code.startswith("W"):
        return pd.DateOffset(weeks=52)
    if code.startswith("D"):
        return pd.DateOffset(days=364)  # same weekday
    return pd.DateOffset(months=12)


def last_year_cells(frame: pd.DataFrame, history: pd.DataFrame, freq: str) -> pd.Series:
    """Per row of the series frame (in its order): the series' actual sales in that period
    shifted back one year; NaN where the history has no row then or the series was in a gap
    (a long closure, ``engine.gaps``)."""
    shifted = frame[[schema.UNIQUE_ID, schema.DS]].copy()
    shifted[schema.DS] = shifted[schema.DS] - last_year_offset(freq)
    hist = _gaps_as_missing(history[[schema.UNIQUE_ID, schema.DS, schema.Y]], freq)
    # Only the history's rows of those dates can match: the join runs on a horizon's worth.
    hist = hist[hist[schema.DS].isin(shifted[schema.DS].unique())]
    hist = hist.drop_duplicates([schema.UNIQUE_ID, schema.DS])  # one row per frame row
    merged = shifted.merge(hist, on=[schema.UNIQUE_ID, schema.DS], how="left")
    return pd.Series(merged[schema.Y].to_numpy(dtype=float), index=frame.index)


def last_year_reached(frame: pd.DataFrame, history: pd.DataFrame, freq: str) -> np.ndarray:
    """Per row of the series frame: whether its period a year earlier lies inside the history. A
    horizon longer than a year (8 quarters) reaches periods whose year before is itself in the
    horizon: no sales are known there, so a growth compares the periods a year can reach."""
    if history.empty:
        return np.zeros(len(frame), dtype=bool)
    last = pd.Timestamp(history[schema.DS].max())
    earlier = pd.to_datetime(frame[schema.DS]) - last_year_offset(freq)
    return (earlier <= last).to_numpy(dtype=bool)


def comparable_rows(
    frame: pd.DataFrame,
    cells: pd.Series,
    reached: np.ndarray | None = None,
    *,
    ended: Collection[str],
) -> np.ndarray:
    """Per row of the series frame: whether it counts in a like-for-like growth: its period a
    year earlier lies in the history (`reached`, `last_year_reached`; all when not given) and
    its series was trading in every one of last year's periods so reached (`last_year_cells`
    known in all of them) and has not ended: a series of `ended` (a store the baseline's label
    reads as closed, `ended_of`, as `plan_standing.series_standing` does) is left out, as a new one is,
    so that a closure does not read as a fall of the others. A series forecast to sell nothing
    that has not ended (a product run down, forecast 0 by its model) is compared."""
    reach = np.ones(len(frame), dtype=bool) if reached is None else reached
    unknown = pd.Series(cells.isna().to_numpy(dtype=bool) & reach, index=frame.index)
    ids = frame[schema.UNIQUE_ID].to_numpy()
    missing = unknown.groupby(ids).transform("any").to_numpy(dtype=bool)
    closed = frame[schema.UNIQUE_ID].astype(str).isin(list(ended)).to_numpy(dtype=bool)
    return ~missing & ~closed & reach


def ended_of(baseline: pd.DataFrame) -> dict[str, date]:
    """The series a baseline's ``model`` labels read as ended (`label_notes.ended_series`), with
    the date of each one's last row."""
    if schema.MODEL not in baseline:
        return {}
    return label_notes.ended_series(labels_of(baseline))


def labels_of(baseline: pd.DataFrame) -> dict[str, str]:
    """Each series' ``model`` label in a baseline (its first row's: one model serves a series)."""
    first = baseline.drop_duplicates(schema.UNIQUE_ID)
    ids = first[schema.UNIQUE_ID].astype(str).tolist()
    return dict(zip(ids, first[schema.MODEL].astype(str).tolist(), strict=True))


def last_year_sales(
    frame: pd.DataFrame, cells: pd.Series, comparable: np.ndarray
) -> dict[str, LastYearCounts]:
    """Per team: (last year's sales of its comparable rows, or None without any; its series; its
    comparable series; its periods; the periods a comparable row falls in)."""
    out: dict[str, LastYearCounts] = {}
    rows = pd.DataFrame(
        {
            schema.TEAM: frame[schema.TEAM].to_numpy(),
            schema.UNIQUE_ID: frame[schema.UNIQUE_ID].to_numpy(),
            schema.DS: frame[schema.DS].to_numpy(),
            schema.Y: cells.to_numpy(),
            "comparable": comparable,
        }
    )
    for team, part in rows.groupby(schema.TEAM):
        kept = part[part["comparable"]]
        series = int(part[schema.UNIQUE_ID].nunique())
        count = int(kept[schema.UNIQUE_ID].nunique())
        out[str(team)] = LastYearCounts(
            float(kept[schema.Y].sum()) if count else None,
            series,
            count,
            int(part[schema.DS].nunique()),
            int(kept[schema.DS].nunique()),
        )
    return out


def last_year_by_team(
    frame: pd.DataFrame, history: pd.DataFrame, freq: str, *, ended: Collection[str]
) -> dict[str, domain.LastYear]:
    """Actual sales per team over the horizon's periods shifted back one year, like for like
    (`domain.LastYear`): over the series trading in every one of them, with the system plan
    (the frame's ``system_plan``) of those series and of the team to compare the team's amounts
    with. Sales are None where no series of the team was (no rows: the history does not reach
    back so far, or a long closure, ``engine.gaps``: a growth over a gap would measure it).
    `ended`: the series that have ended (`ended_of`), left out."""
    cells = last_year_cells(frame, history, freq)
    reached = last_year_reached(frame, history, freq)
    comparable = comparable_rows(frame, cells, reached, ended=ended)
    plan = team_totals(frame, schema.SYSTEM_PLAN)
    comparable_plan = team_totals(frame[comparable], schema.SYSTEM_PLAN)
    return {
        team: domain.LastYear(
            counts.sales,
            counts.series,
            counts.comparable,
            comparable_plan.get(team, 0),
            plan.get(team, 0),
            periods=counts.periods,
            comparable_periods=counts.comparable_periods,
        )
        for team, counts in last_year_sales(frame, cells, comparable).items()
    }


def _gaps_as_missing(history: pd.DataFrame, freq: str) -> pd.DataFrame:
    """``history`` with the sales of periods inside a series' gap set to NaN."""
    ordered = history.sort_values([schema.UNIQUE_ID, schema.DS])
    gaps = gap_rows(ordered, freq)
    return ordered.assign(**{schema.Y: ordered[schema.Y].mask(gaps)}) if gaps.any() else history


def gap_rows(history: pd.DataFrame, freq: str) -> pd.Series:
    """``engine.gaps.gap_rows`` with the season of the plan's calendar ``freq``."""
    season = season_length(freq) if freq else 1
    return gaps.gap_rows(history, season)


def series_frame_of(
    baseline: pd.DataFrame,
    attributes: pd.DataFrame,
    team_attr: str | None,
    system_plan: pd.DataFrame | np.ndarray | None,
) -> pd.DataFrame:
    """unique_id, ds, team, baseline, system_plan (+ the baseline's interval columns), sorted by
    unique_id and ds: the negotiation's series frame. `system_plan` is the system plan per
    series-period: a frame (`overrides.apply_events`: unique_id, ds, system_plan), or the values
    of the baseline's rows in their order (a stored read model), or None (no events: the
    baseline)."""
    from forecast.services.plans import teams_of

    teams = teams_of(attributes, team_attr)
    # Series.map on the few distinct ids, then spread to the rows: the same values.
    codes, uniques = pd.factorize(baseline[schema.UNIQUE_ID])
    per_id = pd.Series(uniques).map(teams).astype(str)
    values = baseline[schema.BASELINE]
    if system_plan is None:
        plan = values.astype(float).to_numpy()
    elif isinstance(system_plan, np.ndarray):
        plan = system_plan.astype(float, copy=False)
    elif _aligned(baseline, system_plan):  # apply_events keeps the baseline's rows in order
        plan = system_plan[schema.SYSTEM_PLAN].astype(float).to_numpy()
    else:
        merged = baseline[[schema.UNIQUE_ID, schema.DS]].merge(
            system_plan[[schema.UNIQUE_ID, schema.DS, schema.SYSTEM_PLAN]],
            on=[schema.UNIQUE_ID, schema.DS],
            how="left",
        )
        plan = merged[schema.SYSTEM_PLAN].fillna(values).astype(float).to_numpy()
    # The columns as they are (no conversion of the string columns through Python objects).
    columns = {
        schema.UNIQUE_ID: baseline[schema.UNIQUE_ID].reset_index(drop=True),
        schema.DS: baseline[schema.DS].reset_index(drop=True),
        schema.TEAM: per_id.take(codes).reset_index(drop=True),
        schema.BASELINE: values.reset_index(drop=True),
        schema.SYSTEM_PLAN: pd.Series(plan),
    }
    for column in schema.interval_columns(schema.levels_in(baseline)):
        columns[column] = baseline[column].reset_index(drop=True)
    frame = pd.DataFrame(columns)
    if _sorted(frame):  # stored plans are: sorting would keep every row where it is
        return frame
    return frame.sort_values([schema.UNIQUE_ID, schema.DS]).reset_index(drop=True)


def _sorted(frame: pd.DataFrame) -> bool:
    """Whether the rows are already in (unique_id, ds) order."""
    if len(frame) < 2:
        return True
    ids = frame[schema.UNIQUE_ID].array  # compared as they are stored (Arrow strings)
    ds = frame[schema.DS].to_numpy()
    later, earlier = ids[1:], ids[:-1]
    ahead = np.asarray(later > earlier, dtype=bool)
    same = np.asarray(later == earlier, dtype=bool)
    return bool((ahead | (same & (ds[1:] >= ds[:-1]))).all())


def _aligned(frame: pd.DataFrame, series_plan: pd.DataFrame) -> bool:
    """Whether `series_plan` holds `frame`'s series-periods row by row (then the join by
    unique_id and ds is the identity)."""
    if len(frame) != len(series_plan):
        return False
    ids = frame[schema.UNIQUE_ID].array
    return bool(
        np.asarray(ids == series_plan[schema.UNIQUE_ID].array, dtype=bool).all()
        and (frame[schema.DS].to_numpy() == series_plan[schema.DS].to_numpy()).all()
    )


def fan_sums(
    frame: pd.DataFrame, columns: list[str], team_of: pd.Series, correlation: float = 0.0
) -> pd.DataFrame:
    """`columns` summed per period over the whole plan (team None) and per team (rows in the
    frame's order); the baseline's interval columns among them as the interval of the sum
    (`engine.aggregate_intervals`: the series' half-widths combined at the `correlation` of
    their errors), not the sum of the series' bounds, which on lumpy weekly sales was ten to
    twenty times the baseline."""
    whole = sum_with_intervals(frame, schema.DS, columns, correlation=correlation)
    whole.insert(0, schema.TEAM, WHOLE_PLAN)
    # Series.map on the few distinct ids, then spread to the rows: the same values.
    codes, uniques = pd.factorize(frame[schema.UNIQUE_ID])
    teams = pd.Series(uniques).astype(str).map(team_of).take(codes).reset_index(drop=True)
    teams.index = frame.index
    keys = [teams.rename(schema.TEAM), frame[schema.DS]]
    parts = sum_with_intervals(frame, keys, columns, correlation=correlation)
    parts[schema.TEAM] = parts[schema.TEAM].astype(str)
    return pd.concat([whole, parts[[schema.TEAM, schema.DS, *columns]]], ignore_index=True)
