"""Learned uplift of 0/1 flags (promo, holiday) in the history, so event effects are not guesses.

Method (pure pandas, no I/O): for each series, the *counterfactual* of a period is the median of
the series' unflagged periods nearby (a centred window of ``2 * window + 1`` periods, flagged and
partly flagged periods left out) that share its other event flags (a holiday week without a
promotion is compared with weeks without one), where two or more do. The ratio ``y / counterfactual`` of every flagged period (flag
>= 0.5) is a measured uplift; a series' uplift is the median of its ratios. Over a group of series
(a segment such as a store type, or an event's scope) the suggestion is the median of the series'
uplifts with the 10 %-90 % quantiles as its range, in percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.money import format_percent_value

UNIQUE_ID = "unique_id"
DS = "ds"
Y = "y"

KIND_FLAG_WORDS: dict[str, tuple[str, ...]] = {
    "promotion": ("promo",),
    "festival": ("holiday", "festival", "feast"),
}
"""Which flag names (case-insensitive substrings) teach the effect of which event kind."""

DEFAULT_WINDOW = 4
MIN_FLAGGED = 2  # flagged periods a series needs before its uplift counts


@dataclass(frozen=True)
class SegmentUplift:
    segment: str
    value: float  # median uplift in percent
    low: float  # 10 % quantile
    high: float  # 90 % quantile
    n_series: int


@dataclass(frozen=True)
class Uplift:
    """A suggestion: ``effect`` percent ``value`` (range ``low``..``high``) learned from `flag`."""

    kind: str
    flag: str
    value: float
    low: float
    high: float
    n_series: int
    n_periods: int
    effect: str = "percent"
    basis: str = ""
    segments: list[SegmentUplift] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        value, low, high = (
            format_percent_value(v, signed=True) for v in (self.value, self.low, self.high)
        )
        return (
            f"{value} (range {low} to {high}) learned from {self.flag} over {self.n_series} series"
        )


def flag_for_kind(flags: Sequence[str], kind: str) -> str | None:
    """The history flag that teaches `kind`'s effect, or None (e.g. purchase limits)."""
    words = KIND_FLAG_WORDS.get(kind, ())
    for word in words:
        for flag in flags:
            if word in flag.lower():
                return flag
    return None


def alongside(flag: str, columns: Sequence[str]) -> list[str]:
    """The flags in `columns` that teach the other event kinds than `flag`'s own (for a holiday
    flag, the promotion flag): a period's counterfactual is taken among periods that share
    them, or a holiday that falls in weeks without promotion more often than others would be
    measured as the promotion it lacks."""
    own = {kind for kind, words in KIND_FLAG_WORDS.items() if any(w in flag.lower() for w in words)}
    others = (flag_for_kind(columns, kind) for kind in KIND_FLAG_WORDS if kind not in own)
    return [other for other in others if other is not None and other != flag]


def series_uplift(history: pd.DataFrame, flag: str, window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Per series: ``unique_id, ratio`` (median flagged / counterfactual) and ``n_flagged``.

    The counterfactual of a flagged period is the median of the nearby unflagged periods that
    share its other event flags (``alongside``), where two or more do; else of all nearby
    unflagged periods."""
    others = alongside(flag, [str(c) for c in history.columns])
    frame = history[[UNIQUE_ID, DS, Y, flag, *others]].sort_values([UNIQUE_ID, DS], kind="stable")
    frame = frame.reset_index(drop=True)
    flag_values = frame[flag].astype(float).fillna(0.0)
    unflagged = flag_values.abs() < 1e-9
    counterfactual = _nearby_median(frame, frame[Y].where(unflagged), window)
    if others:
        stratum = (frame[others].astype(float).fillna(0.0) >= 0.5).to_numpy(dtype=np.int64)
        key = pd.Series(stratum @ (1 << np.arange(len(others))), index=frame.index)
        for value in key.unique():
            same = key == value
            matched = _nearby_median(frame, frame[Y].where(unflagged & same), window)
            counterfactual = counterfactual.where(~same | matched.isna(), matched)
    flagged = (flag_values >= 0.5) & (frame[Y] > 0) & (counterfactual > 0)
    ratios = pd.DataFrame(
        {
            UNIQUE_ID: frame.loc[flagged, UNIQUE_ID].astype(str),
            "ratio": (frame.loc[flagged, Y] / counterfactual[flagged]).astype(float),
        }
    )
    grouped = ratios.groupby(UNIQUE_ID, sort=True)["ratio"]
    out = pd.DataFrame({"ratio": grouped.median(), "n_flagged": grouped.size()}).reset_index()
    return out.loc[out["n_flagged"] >= MIN_FLAGGED].reset_index(drop=True)


def _nearby_median(frame: pd.DataFrame, clean: pd.Series, window: int) -> pd.Series:
    """Per series, the median of `clean` (NaN where left out) over a centred window of
    ``2 * window + 1`` periods, where at least two values are there."""
    return (
        clean.groupby(frame[UNIQUE_ID], sort=False)
        .rolling(2 * window + 1, center=True, min_periods=2)
        .median()
        .reset_index(level=0, drop=True)
        .sort_index()
    )


def _summary(ratios: pd.Series | np.ndarray) -> tuple[float, float, float]:
    pct = (np.asarray(ratios, dtype=float) - 1.0) * 100.0
    return (
        round(float(np.median(pct)), 1),
        round(float(np.quantile(pct, 0.1)), 1),
        round(float(np.quantile(pct, 0.9)), 1),
    )


def learned_uplift(
    history: pd.DataFrame,
    attributes: pd.DataFrame,
    kind: str,
    flags: Sequence[str],
    *,
    series: Sequence[str] | None = None,
    segment_attr: str | None = None,
    window: int = DEFAULT_WINDOW,
    per_series: pd.DataFrame | None = None,
) -> Uplift | None:
    """The suggested percent effect of an event of `kind` over `series` (all when None), with a
    breakdown per value of `segment_attr`. None when no flag teaches this kind or too little
    flagged history exists. ``per_series``: `series_uplift` of the same history, flag and window
    when the caller has it already (it is the costly part)."""
    flag = flag_for_kind(flags, kind)
    if flag is None:
        return None
    if per_series is None:
        if flag not in history.columns:
            return None
        per_series = series_uplift(history, flag, window)
    if series is not None:
        per_series = per_series.loc[per_series[UNIQUE_ID].isin([str(s) for s in series])]
    if per_series.empty:
        return None
    segments: list[SegmentUplift] = []
    if segment_attr and segment_attr in attributes.columns:
        seg = attributes[[UNIQUE_ID, segment_attr]].astype(str)
        joined = per_series.merge(seg, on=UNIQUE_ID, how="left")
        for name, group in joined.groupby(segment_attr, sort=True):
            s_value, s_low, s_high = _summary(group["ratio"])
            segments.append(SegmentUplift(str(name), s_value, s_low, s_high, len(group)))
    uplift = pooled_uplift(
        kind,
        flag,
        per_series["ratio"].to_numpy(dtype=float),
        per_series["n_flagged"].to_numpy(),
        window,
    )
    return replace(uplift, segments=segments)


def pooled_uplift(
    kind: str, flag: str, ratios: np.ndarray, n_flagged: np.ndarray, window: int = DEFAULT_WINDOW
) -> Uplift:
    """The suggestion from the per-series uplift (`series_uplift`'s ``ratio`` and ``n_flagged``)
    of the series of a group, without its breakdown by segment."""
    value, low, high = _summary(ratios)
    return Uplift(
        kind=kind,
        flag=flag,
        value=value,
        low=low,
        high=high,
        n_series=len(ratios),
        n_periods=int(n_flagged.sum()),
        basis=(
            f"median of per-series ratios of {flag} periods against nearby periods without "
            f"{flag} (+-{window} periods); range = 10-90 % quantiles across series"
        ),
    )
