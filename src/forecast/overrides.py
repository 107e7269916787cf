"""Event overrides on the baseline, the system plan, and the deviation gate (pure: no I/O).

People translate what the model cannot know into *events*: a kind (festival, promotion,
purchase_limit, other), a scope (all series, ``attribute=value`` selectors, or series ids), a
period range, and an effect (percent, add, cap, set). Overlapping events combine by one
deterministic rule (``COMBINATION_RULE``). The *system plan* is the baseline with the events
applied; where it deviates from the baseline by more than the plan's threshold (per series-period
and per team total per period) the deviation must be *explained* before the plan is published.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from forecast import bounds
from forecast.errors import Fix, FixKey, Refusal
from forecast.money import (
    format_amount,
    format_money,
    format_number,
    format_percent_value,
    shown_text,
)
from forecast.vocabulary import EFFECTS, EVENT_KINDS, REASON_CODES

UNIQUE_ID = "unique_id"
DS = "ds"
BASELINE = "baseline"
TEAM = "team"
SYSTEM_PLAN = "system_plan"

LEVELS = ("series", "team")

COMBINATION_RULE = (
    "Overlapping events combine per series and period in a fixed order: (1) 'set' replaces the "
    "baseline (if several apply, the one added last wins); (2) 'percent' changes multiply "
    "(+10 % and +20 % give +32 %); (3) 'add' amounts are summed, and the result is never below 0; "
    "(4) 'cap' limits the result (if several apply, the lowest cap wins). An event counts in "
    "each period in the share of the period's days it covers: a +40 % promotion over 4 days of "
    "a 30-day month raises that month by 40 % x 4/30 = 5.3 %, 'add' adds 4/30 of its amount, "
    "and 'set' and 'cap' hold for 4/30 of the month. An event that takes the learned uplift "
    "counts whole periods: that uplift is the change of a whole period with the flag."
)
DAYS = "days"  # an event counts in the share of each period's days it covers
PERIODS = "periods"  # in full in every period it touches: see OFFER_COUNTS, and events saved
# before 2026-12-05 (when days were first counted)
DAYS_COUNTED_SINCE = "2026-12-05"  # events created before count whole periods
OFFER_COUNTS = PERIODS
"""How an event that takes the learned uplift counts: that uplift is the change of a whole
period that had the flag (a week with a promotion on some of its days), so it applies to each
period the event touches in full, not in the share of the days the event covers."""

SYSTEM_PLAN_COLUMNS = [
    UNIQUE_ID,
    DS,
    TEAM,
    BASELINE,
    "adjustment",
    SYSTEM_PLAN,
    "deviation_pct",
    "events",
]


# -- errors ----------------------------------------------------------------------------------


class OverrideError(Refusal, ValueError):
    """An event, scope or explanation breaks a rule; the message says what and how to fix it."""


class UnknownScope(OverrideError):
    """The scope names a series, attribute or value the plan does not have."""


class UnknownSeries(UnknownScope):
    """The scope names a series id, or a value of an attribute (a team), that the plan does not
    have: not found (CLI exit code 4), like a plan, event or team that does not exist."""


class PeriodError(OverrideError):
    """The period is empty, reversed, or outside the plan's horizon."""


class EffectError(OverrideError):
    """The effect or its value is not allowed (cap below 0, percent below -100 %, ...)."""


class EventError(OverrideError):
    """The event itself is malformed (empty name, unknown kind, unknown event id)."""


class ExplanationError(OverrideError):
    """An explanation is malformed or explains nothing that needs explaining."""


# -- scope -----------------------------------------------------------------------------------


def _preview(values: Iterable[Any], limit: int = 20) -> str:
    values = list(values)
    shown = ", ".join(map(str, values[:limit]))
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


SELECTOR_EXAMPLE = "StoreType=a, or Assortment=a,c for several values"
"""The selector a refusal of a malformed scope shows where the plan's own names are not at hand."""
ALL_SCOPE_WORDS = frozenset({"all", "all series"})  # a scope typed as words: every series


@dataclass(frozen=True)
class Scope:
    """Which series an event touches. Attribute selectors combine with AND, the values of one
    attribute with OR; ``ids`` lists series directly. Both empty means all series."""

    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        attrs = {str(k): tuple(str(v) for v in vals) for k, vals in dict(self.attributes).items()}
        object.__setattr__(self, "attributes", attrs)
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.attributes.items())), self.ids))

    @property
    def is_all(self) -> bool:
        return not self.attributes and not self.ids

    @staticmethod
    def means_all(words: str) -> bool:
        """``all`` or ``all series`` (as `describe` and the events sheet write it), in any case:
        no restriction."""
        return " ".join(str(words).split()).lower() in ALL_SCOPE_WORDS

    @classmethod
    def parse(
        cls,
        selectors: Sequence[str] = (),
        ids: Sequence[str] | str = (),
        *,
        example: str | None = SELECTOR_EXAMPLE,
    ) -> Scope:
        """From CLI-style selectors ``["StoreType=a", "Assortment=a,c"]`` and ids ``"1,2,3"``.
        A selector that is no attribute=value is refused with `example` (None: without one, for
        a caller that gives its own, in the plan's names)."""
        attributes: dict[str, list[str]] = {}
        for selector in selectors:
            if cls.means_all(selector):
                continue
            if "=" not in selector:
                shown = f" (e.g. {example})" if example else ""
                raise UnknownScope(
                    f"scope {selector!r} is not attribute=value{shown}; no scope at all means "
                    "every series"
                )
            key, _, value = selector.partition("=")
            values = [v.strip() for v in value.split(",") if v.strip()]
            if not key.strip() or not values:
                raise UnknownScope(f"scope {selector!r} needs an attribute and a value")
            attributes.setdefault(key.strip(), []).extend(values)
        if isinstance(ids, str):
            ids = [i for i in ids.split(",")]
        id_list = tuple(str(i).strip() for i in ids if str(i).strip())
        return cls({k: tuple(dict.fromkeys(v)) for k, v in attributes.items()}, id_list)

    def describe(self) -> str:
        if self.is_all:
            return "all series"
        parts = [f"{k}={','.join(v)}" for k, v in self.attributes.items()]
        if self.ids:
            parts.append(f"series {_preview(self.ids, 10)}")
        return " and ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "attributes": {k: list(v) for k, v in self.attributes.items()},
            "ids": list(self.ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scope:
        return cls(
            {k: tuple(v) for k, v in dict(data.get("attributes", {})).items()},
            tuple(data.get("ids", ())),
        )

    def validate(self, attributes: pd.DataFrame) -> None:
        """Refuse unknown attributes, values and ids, naming the valid ones."""
        ScopeMasks(attributes).validate(self)

    def series_mask(self, attributes: pd.DataFrame) -> np.ndarray:
        """Boolean per row of `attributes`: does the scope include that series?"""
        mask = np.ones(len(attributes), dtype=bool)
        for key, values in self.attributes.items():
            mask &= attributes[key].astype(str).isin(values).to_numpy()
        if self.ids:
            mask &= attributes[UNIQUE_ID].astype(str).isin(self.ids).to_numpy()
        return mask

    def series_ids(self, attributes: pd.DataFrame) -> list[str]:
        return attributes.loc[self.series_mask(attributes), UNIQUE_ID].astype(str).tolist()


# -- events ----------------------------------------------------------------------------------


_DATE_TEXT_MAX = 64
"""No date's text is longer (``2024-01-05T00:00:00.000000000+00:00`` is 35 characters)."""


_DAY_TEXT = re.compile(r"\d{4}(?P<sep>[-/]?)\d{1,2}(?P=sep)\d{1,2}(?:[T ].*)?", re.DOTALL)
RELATIVE_DATE_WORDS = ("today", "now")
"""The words pandas reads as the moment it reads them: never a plan's date."""


def is_day_text(text: str) -> bool:
    """Whether `text` names a day by its year, month and day (``2024-01-05``, ``2024/01/05``,
    ``20240105``, a time after it or not): not a word pandas reads as the moment it reads it
    ("today", "now"), nor a time or a month and day it would date in the current year."""
    return _DAY_TEXT.fullmatch(text.strip()) is not None


def not_a_day(text: str, what: str) -> str:
    """Why `text` (`what`: the start, the date of ...) is no date, and the form to use."""
    if text.strip().lower() in RELATIVE_DATE_WORDS:
        return (
            f"{what} {shown_text(text, _DATE_TEXT_MAX)} is not a date but the moment it is read, "
            "so the plan would move with the clock; give the day as YYYY-MM-DD"
        )
    return f"{what} {_shown_date(text)} is not a date; use YYYY-MM-DD"


def _as_date(value: date | str | pd.Timestamp, what: str) -> date:
    if isinstance(value, str):
        if len(value) > _DATE_TEXT_MAX or not is_day_text(value):  # long: kept out of the cache
            raise PeriodError(not_a_day(value, what))
        try:
            return _date_of_text(value.strip())
        except ValueError as exc:
            raise PeriodError(not_a_day(value, what)) from exc
    try:
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):  # None, NaT: no day
            raise ValueError(value)
        return stamp.date()
    except (ValueError, TypeError) as exc:
        raise PeriodError(f"{what} {_shown_date(value)} is not a date; use YYYY-MM-DD") from exc


def _shown_date(value: Any) -> str:
    """A value that is no date as a refusal quotes it: its start only when it is long (a
    damaged store's or bundle's megabytes are not said back whole)."""
    if isinstance(value, str):
        return shown_text(value, _DATE_TEXT_MAX)
    shown = repr(value)
    return shown if len(shown) <= _DATE_TEXT_MAX else f"{shown[:_DATE_TEXT_MAX]}..."


@functools.lru_cache(maxsize=4096)
def _date_of_text(value: str) -> date:
    """``pd.Timestamp(value).date()`` once per text: a plan's explanations and events name the
    same few dates thousands of times (dates are immutable; a text that is no date raises each
    time, never cached). Only texts that name a year, month and day come here (`is_day_text`):
    "today" or "now" would be kept as the day a long-running server first read them."""
    return pd.Timestamp(value).date()


def _plain(value: float, *, signed: bool = False) -> str:
    """5000 -> "5,000", 12.5 -> "12.5", with a sign when asked (never scientific notation)."""
    return format_number(value, 2, signed=signed).rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Event:
    """A human override. ``suggested`` records what the system offered (learned uplift), so the
    plan shows both the suggestion and what the person chose (``effect``/``value``)."""

    event_id: str
    name: str
    kind: str
    scope: Scope
    start: date
    end: date
    effect: str
    value: float
    reason: str = ""
    author: str = ""
    suggested: Mapping[str, Any] | None = None
    created_at: str | None = None
    counts: str = DAYS  # or PERIODS: it takes the learned uplift, or was saved before 2026-12-05

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _as_date(self.start, "start"))
        object.__setattr__(self, "end", _as_date(self.end, "end"))
        object.__setattr__(self, "name", (self.name or "").strip())

    def check(self) -> None:
        """Rules that need no data: name, kind, effect and value, period order."""
        if not self.name:
            raise EventError("an event needs a name (e.g. 'Summer promotion')")
        if self.kind not in EVENT_KINDS:
            raise EventError(
                f"unknown event kind {self.kind!r}; use one of {', '.join(EVENT_KINDS)}"
            )
        if self.effect not in EFFECTS:
            raise EffectError(f"unknown effect {self.effect!r}; use one of {', '.join(EFFECTS)}")
        value = float(self.value)
        if not np.isfinite(value):
            raise EffectError(f"the {self.effect} value must be a number, got {self.value!r}")
        if self.effect == "percent" and value > bounds.MAX_EVENT_PERCENT:
            raise EffectError(
                f"a percent change of {value:+,.6g} % is beyond the largest "
                f"accepted (+{bounds.MAX_EVENT_PERCENT:,} %, a hundredfold); for a value far "
                "from the baseline use 'set' or 'add'"
            )
        if self.effect != "percent" and abs(value) > bounds.MAX_ABS_VALUE:
            raise EffectError(
                f"the {self.effect} value {value:,.6g} is beyond the largest accepted "
                f"({bounds.value_bound_text()} per series and period); report in thousands"
            )
        if self.effect == "percent" and value < -100:
            raise EffectError(
                f"a percent change below -100 % ({value:g} %) would make sales negative",
                Fix(FixKey.SET_ZERO),
            )
        if self.effect == "cap" and value < 0:
            raise EffectError(f"a cap must be 0 or more, got {value:g}")
        if self.effect == "set" and value < 0:
            raise EffectError(f"a set value must be 0 or more, got {value:g}")
        if self.end < self.start:
            raise PeriodError(
                f"the event ends ({self.end}) before it starts ({self.start}); swap the dates"
            )

    def describe_effect(self, *, currency: str | None) -> str:
        """The effect in the plan's values: an amount in the plan's `currency` as every amount
        of the plan is shown ("+$5,000 per series and period"; a plan in plain numbers "+5,000
        per series and period", never "units")."""
        v = float(self.value)
        if self.effect == "percent":
            return f"{_plain(v, signed=True)} %"
        return {
            "add": f"{format_amount(v, currency, signed=True)} per series and period",
            "cap": f"cap at {format_amount(v, currency)}",
            "set": f"set to {format_amount(v, currency)}",
        }.get(self.effect, f"{self.effect} {_plain(v)}")

    def describe(self, *, currency: str | None) -> str:
        whole = ", whole periods" if self.counts == PERIODS else ""
        effect = self.describe_effect(currency=currency)
        return (
            f"{self.event_id} {self.name!r} ({self.kind}, {effect}, "
            f"{self.scope.describe()}, {self.start}..{self.end}{whole})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "name": self.name,
            "kind": self.kind,
            "scope": self.scope.to_dict(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "effect": self.effect,
            "value": float(self.value),
            "reason": self.reason,
            "author": self.author,
            "suggested": dict(self.suggested) if self.suggested else None,
            "created_at": self.created_at,
            "counts": self.counts,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            event_id=str(data["event_id"]),
            name=data["name"],
            kind=data["kind"],
            scope=Scope.from_dict(data.get("scope", {})),
            start=data["start"],
            end=data["end"],
            effect=data["effect"],
            value=float(data["value"]),
            reason=data.get("reason", "") or "",
            author=data.get("author", "") or "",
            suggested=suggestion_record(data.get("suggested")),
            created_at=data.get("created_at"),
            # Stored before days were counted: the event keeps counting in whole periods.
            counts=DAYS if data.get("counts") == DAYS else PERIODS,
        )


SUGGESTION_NUMBERS = ("value", "low", "high", "in_baseline", "net_value")
SUGGESTION_WORDS = ("effect", "flag")


def suggestion_record(data: Any) -> dict[str, Any] | None:
    """An event's stored suggestion with its known keys only, numbers as numbers: a record read
    back (from the store or an imported bundle) is refused with ValueError rather than failing
    later where it is shown or scored."""
    if not data:
        return None
    if not isinstance(data, Mapping):
        raise ValueError(f"an event's suggestion must be a record, not {type(data).__name__}")
    record: dict[str, Any] = {}
    for key in SUGGESTION_NUMBERS:
        if key in data:
            record[key] = float(data[key])
    for key in SUGGESTION_WORDS:
        if key in data:
            record[key] = str(data[key])[:64]
    if "n_series" in data:
        record["n_series"] = int(data["n_series"])
    return record


_PERIOD_STEP = {"D": pd.DateOffset(days=1), "W": pd.DateOffset(days=7)}
_PERIOD_STEP.update({"M": pd.DateOffset(months=1), "Q": pd.DateOffset(months=3)})


def horizon_periods(dates: Iterable[Any], freq: str) -> pd.DataFrame:
    """The horizon's periods: ``ds`` (period start) and ``end`` (last day of the period).

    `dates` are period starts (as a plan keeps them) and `freq` the plan's (D, W-..., M, Q; or
    MS, QS): each period ends on the last day of its own period, however few the periods are.
    The one rule of a plan's horizon (``plans.period_span`` writes it); no caller guesses a
    period's length from the dates (a single date cannot give it)."""
    starts = pd.DatetimeIndex(pd.unique(pd.to_datetime(pd.Index(dates)))).sort_values()
    if len(starts) == 0:
        return pd.DataFrame({DS: starts, "end": starts})
    # The plan's D, W-FRI, M, Q as a page's pandas alias (MS, QS) spells them alike.
    step = starts + _PERIOD_STEP[freq[:1].upper()]
    return pd.DataFrame({DS: starts, "end": step - pd.Timedelta(days=1)})


def period_start(periods: pd.DataFrame, when: pd.Timestamp) -> pd.Timestamp | None:
    """The start of the period of `periods` (``horizon_periods``) that holds the day `when`
    (any day of a week names the week), None outside them."""
    inside = periods.loc[(periods[DS] <= when) & (periods["end"] >= when), DS]
    return pd.Timestamp(inside.iloc[0]) if len(inside) else None


def validate_event(
    event: Event, attributes: pd.DataFrame, horizon_dates: Iterable[Any], freq: str
) -> None:
    """All rules: name, kind, effect, period inside the horizon (of `freq` periods), scope known
    to the plan."""
    event.check()
    periods = horizon_periods(horizon_dates, freq)
    first, last = periods[DS].min().date(), periods["end"].max().date()
    if event.start < first or event.end > last:
        raise PeriodError(
            f"the period {event.start}..{event.end} is outside the plan's horizon "
            f"{first}..{last}; choose dates inside it"
        )
    event.scope.validate(attributes)


def check_plan_bounds(system_plan: pd.DataFrame) -> None:
    """Refuse a system plan (``apply_events``' frame) whose events push a series-period beyond
    ``bounds.MAX_ABS_VALUE`` or the plan's total beyond ``bounds.MAX_ABS_TOTAL_MINOR``: the
    ledger's sums in minor units would no longer be exact."""
    values = system_plan[SYSTEM_PLAN].to_numpy(dtype=float)
    over = ~(np.abs(values) <= bounds.MAX_ABS_VALUE)
    if over.any():
        row = system_plan.loc[over].iloc[0]
        raise EffectError(
            f"with this event series {row[UNIQUE_ID]} at {pd.Timestamp(row[DS]).date()} would be "
            f"planned at {float(row[SYSTEM_PLAN]):,.6g}, beyond the largest value accepted "
            f"({bounds.value_bound_text()}; {int(over.sum())} series-period(s) in all); "
            "choose a smaller effect (events compound: +100 % twice is +300 %)"
        )
    total_minor = float(np.abs(values).sum()) * 100
    if total_minor > bounds.MAX_ABS_TOTAL_MINOR:
        raise EffectError(
            f"with this event the system plan would add up to {total_minor / 100:,.6g}, beyond "
            f"the {bounds.MAX_ABS_TOTAL_MINOR / 100:,.6g} that keeps totals exact to the cent; "
            "choose a smaller effect"
        )


def partly_covered(
    start: Any,
    end: Any,
    horizon_dates: Iterable[Any],
    freq: str,
    *,
    periods: pd.DataFrame | None = None,
) -> list[tuple[date, date, int, int]]:
    """The periods the days ``start``..``end`` touch but do not cover: ``(first day, last day,
    days covered, days in the period)`` each. ``periods``: ``horizon_periods(horizon_dates, freq)``
    when the caller has it already (many events over one horizon)."""
    if periods is None:
        periods = horizon_periods(horizon_dates, freq)
    first = np.datetime64(pd.Timestamp(start).as_unit("ns"))
    last = np.datetime64(pd.Timestamp(end).as_unit("ns"))
    starts = periods[DS].to_numpy(dtype="datetime64[ns]")
    ends = periods["end"].to_numpy(dtype="datetime64[ns]")
    day = np.timedelta64(1, "D")
    covered = (np.minimum(ends, last) - np.maximum(starts, first)) // day + 1
    days = (ends - starts) // day + 1
    return [
        (
            pd.Timestamp(starts[i]).date(),
            pd.Timestamp(ends[i]).date(),
            int(covered[i]),
            int(days[i]),
        )
        for i in np.flatnonzero((covered > 0) & (covered < days))
    ]


def takes_offer(event: Event) -> bool:
    """Whether the event's effect is what the system offered it (the learned uplift, or its
    value net of what the baseline repeats)."""
    offer = event.suggested or {}
    offered = offer.get("net_value", offer.get("value"))
    return (
        offered is not None
        and event.effect == offer.get("effect", event.effect)
        and abs(float(event.value) - float(offered)) < 1e-9
    )


def partly_covered_text(
    event: Event,
    horizon_dates: Iterable[Any],
    freq: str,
    *,
    periods: pd.DataFrame | None = None,
) -> str | None:
    """What to tell the person who adds `event` when it covers periods only in part: the share
    it counts in there (or, for an event made before days were counted, that it counts whole)."""
    partial = partly_covered(event.start, event.end, horizon_dates, freq, periods=periods)
    if not partial:
        return None
    listed = ", ".join(f"{a}..{b} ({n} of {d} days)" for a, b, n, d in partial[:4])
    more = f" and {len(partial) - 4} more" if len(partial) > 4 else ""
    several = len(partial) > 1
    covers = f"{event.event_id} covers {len(partial)} period{'s' if several else ''} in part: "
    if event.counts == PERIODS:
        if takes_offer(event):
            why = "the learned uplift it takes is the change of a whole period with the flag"
        elif (event.created_at or "") < DAYS_COUNTED_SINCE:
            why = "it was saved before days were counted"
        else:  # took an earlier offer, changed since by an older version
            why = (
                "it took the suggestion for other dates; take the one for these "
                "(--use-suggestion), or type a value to count by days"
            )
        return (
            f"{covers}{listed}{more}; it applies to {'each of them' if several else 'that period'}"
            f" in full ({why})"
        )
    return f"{covers}{listed}{more}; it counts there in that share of its effect"


def period_coverage(start: Any, end: Any, starts: Any, ends: Any) -> np.ndarray:
    """The share of each period's days (``starts``..``ends``, inclusive) that the days
    ``start``..``end`` cover: 1 for a period inside them, 0 outside, 4/7 for four days of a week."""
    first = np.datetime64(pd.Timestamp(start).date(), "D")
    last = np.datetime64(pd.Timestamp(end).date(), "D")
    p_first = np.asarray(starts, dtype="datetime64[D]")
    p_last = np.asarray(ends, dtype="datetime64[D]")
    days = (p_last - p_first).astype(np.int64) + 1
    overlap = (np.minimum(p_last, last) - np.maximum(p_first, first)).astype(np.int64) + 1
    return np.clip(overlap, 0, None) / np.maximum(days, 1)


def event_shares(event: Event, starts: Any, ends: Any) -> np.ndarray:
    """In what share `event` counts in each period: the share of its days it covers
    (``COMBINATION_RULE``), or 1 in every period it touches for an event stored before days
    were counted (``PERIODS``)."""
    covered = period_coverage(event.start, event.end, starts, ends)
    return covered if event.counts == DAYS else (covered > 0).astype(float)


class ScopeMasks:
    """Series masks of scopes over one attributes table; each attribute is factorised once so
    that many events cost one small integer lookup each instead of string comparisons."""

    def __init__(self, attrs: pd.DataFrame) -> None:
        self._attrs = attrs
        self._codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        self._valid: dict[str, list[str]] = {}
        self._ids: pd.Index | None = None

    def _factorised(self, column: str) -> tuple[np.ndarray, dict[str, int]]:
        if column not in self._codes:
            if column not in self._attrs:
                raise UnknownScope(f"unknown attribute {column!r} in the scope")
            codes, uniques = pd.factorize(self._attrs[column].astype(str))
            self._codes[column] = (codes, {str(v): i for i, v in enumerate(uniques)})
        return self._codes[column]

    def _select(self, column: str, values: Iterable[str]) -> np.ndarray:
        codes, positions = self._factorised(column)
        wanted = np.zeros(len(positions) + 1, dtype=bool)  # last slot: missing values (code -1)
        for value in values:
            if value in positions:
                wanted[positions[value]] = True
        return wanted[codes]

    def validate(self, scope: Scope) -> None:
        """``Scope.validate``: refuse unknown attributes, values and ids, naming the valid ones."""
        available = [c for c in self._attrs.columns if c != UNIQUE_ID]
        for key, values in scope.attributes.items():
            if key not in available:
                raise UnknownScope(
                    f"unknown attribute {key!r} in the scope; the series have: "
                    f"{_preview(available) or 'no attributes'}"
                )
            valid = self._valid_values(key)
            unknown = [v for v in values if v not in valid]
            if unknown:
                raise UnknownSeries(
                    f"unknown value(s) {', '.join(map(repr, unknown))} of {key} in the scope; "
                    f"valid values: {_preview(valid)}"
                )
        if scope.ids:
            known = self._known_ids()
            unknown_ids = [i for i in scope.ids if i not in known]
            if unknown_ids:
                raise UnknownSeries(
                    f"unknown series {_preview(unknown_ids, 10)} in the scope; series ids look "
                    f"like {_preview(sorted(known)[:5], 5)} ({len(known)} series)"
                )
        if not self.mask(scope).any():
            raise UnknownScope(f"the scope {scope.describe()} matches no series; loosen it")

    def _valid_values(self, column: str) -> list[str]:
        if column not in self._valid:
            self._valid[column] = sorted(self._attrs[column].astype(str).unique())
        return self._valid[column]

    def _known_ids(self) -> pd.Index:
        if self._ids is None:
            self._ids = pd.Index(self._attrs[UNIQUE_ID].astype(str))
        return self._ids

    def mask(self, scope: Scope) -> np.ndarray:
        mask = np.ones(len(self._attrs), dtype=bool)
        for key, values in scope.attributes.items():
            mask &= self._select(key, values)
        if scope.ids:
            mask &= self._select(UNIQUE_ID, scope.ids)
        return mask


def effect_parts(shape: tuple[int, int]) -> list[np.ndarray]:
    """The components the events build on a series x period grid, before any event:
    [set value, share of the period it holds for, factor, addition, cap, share of the cap]."""
    return [
        np.full(shape, np.nan),
        np.zeros(shape),
        np.ones(shape),
        np.zeros(shape),
        np.full(shape, np.inf),
        np.zeros(shape),
    ]


def apply_effect(parts: list[np.ndarray], event: Event, block: Any, shares: np.ndarray) -> None:
    """Add `event` to the components on `block` (an ``np.ix_`` of rows and columns), counting it
    in each column in its share (``event_shares``; one per column of the block)."""
    share = np.asarray(shares, dtype=float)[np.newaxis, :]
    value = float(event.value)
    if event.effect == "set":  # a later set overwrites: the last-added set wins
        parts[0][block] = value
        parts[1][block] = share
    elif event.effect == "percent":
        parts[2][block] *= 1.0 + share * value / 100.0
    elif event.effect == "add":
        parts[3][block] += share * value
    elif event.effect == "cap":  # the lowest cap wins, for the days it holds
        lower = value < parts[4][block]
        parts[4][block] = np.where(lower, value, parts[4][block])
        parts[5][block] = np.where(lower, share, parts[5][block])


def compose(
    base: np.ndarray,
    set_value: np.ndarray,
    set_share: np.ndarray,
    factor: np.ndarray,
    added: np.ndarray,
    cap: np.ndarray,
    cap_share: np.ndarray,
) -> np.ndarray:
    """The system plan from the baseline and the components (``COMBINATION_RULE``): the set value
    for its share of the period, then the factor, the addition (never below 0), the cap for its
    share. An event that covers its periods whole gives the rule as it reads without shares."""
    start = np.where(
        np.isnan(set_value), base, set_share * np.nan_to_num(set_value) + (1 - set_share) * base
    )
    uncapped = np.maximum(start * factor + added, 0.0)
    capped = np.minimum(uncapped, cap)
    return np.where(np.isinf(cap), uncapped, cap_share * capped + (1 - cap_share) * uncapped)


def apply_events(
    baseline: pd.DataFrame,
    attributes: pd.DataFrame,
    events: Sequence[Event],
    team_attr: str | None,
    freq: str,
) -> pd.DataFrame:
    """The system plan per series-period, in the baseline's row order (vectorised; events apply
    in list order). `freq`: the plan's, for the days each period holds (``horizon_periods``).

    Returns ``unique_id, ds, team, baseline, adjustment, system_plan, deviation_pct, events``:
    ``deviation_pct`` is 100 * adjustment / baseline (inf when the baseline is 0 and the plan is
    not), ``events`` the comma-joined ids of the events that touched the cell ('' if none)."""
    frame = baseline[[UNIQUE_ID, DS, BASELINE]].copy()
    if not pd.api.types.is_string_dtype(frame[UNIQUE_ID]):
        frame[UNIQUE_ID] = frame[UNIQUE_ID].astype(str)
    if not pd.api.types.is_datetime64_any_dtype(frame[DS]):
        frame[DS] = pd.to_datetime(frame[DS])
    attrs = attributes.copy()
    attrs[UNIQUE_ID] = attrs[UNIQUE_ID].astype(str)
    attrs = attrs.drop_duplicates(UNIQUE_ID).reset_index(drop=True)
    # Factorise once (hashing), then map the few distinct ids and dates to positions.
    uid_codes, uid_uniques = pd.factorize(frame[UNIQUE_ID])
    series_pos = pd.Index(attrs[UNIQUE_ID]).get_indexer(pd.Index(uid_uniques).astype(str))[
        uid_codes
    ]
    if (series_pos < 0).any():
        missing = frame.loc[series_pos < 0, UNIQUE_ID].unique()
        raise UnknownScope(f"series {_preview(missing, 10)} of the baseline have no attributes")
    # Team and events are categoricals: few distinct values over many rows.
    teams = attrs[team_attr].astype(str) if team_attr else pd.Series(["all"] * len(attrs))
    team_codes, team_names = pd.factorize(teams)
    # pandas accepts any list-like as categories; the stubs only allow an Index.
    frame[TEAM] = pd.Categorical.from_codes(  # type: ignore[call-overload]
        team_codes[series_pos], categories=list(team_names)
    )

    ds_codes, ds_uniques = pd.factorize(frame[DS])
    periods = horizon_periods(ds_uniques, freq)
    period_pos = pd.Index(periods[DS]).get_indexer(pd.DatetimeIndex(ds_uniques))[ds_codes]
    period_starts = periods[DS].to_numpy(dtype="datetime64[ns]")
    period_ends = periods["end"].to_numpy(dtype="datetime64[ns]")

    scope_masks = ScopeMasks(attrs)

    # Effects accumulate on a series x period grid so that each event costs only the cells it
    # touches (np.ix_ on the hit rows and columns); rows read their cell back at the end.
    n_series, n_periods = len(attrs), len(periods)
    cell = series_pos.astype(np.int64) * n_periods + period_pos
    grid = (n_series, n_periods)
    parts = effect_parts(grid)
    words = max(1, (len(events) + 63) // 64)
    touched = np.zeros((n_series, n_periods, words), dtype=np.uint64)

    for i, event in enumerate(events):
        s_idx = np.flatnonzero(scope_masks.mask(event.scope))
        shares = event_shares(event, period_starts, period_ends)
        p_idx = np.flatnonzero(shares > 0)
        if not len(s_idx) or not len(p_idx):
            continue
        block = np.ix_(s_idx, p_idx)
        apply_effect(parts, event, block, shares[p_idx])
        touched[block[0], block[1], i // 64] |= np.uint64(1) << np.uint64(i % 64)

    base = frame[BASELINE].to_numpy(dtype=float)
    final = compose(base, *(part.reshape(-1)[cell] for part in parts))
    touched = touched.reshape(-1, words)[cell]
    adjustment = final - base
    # A baseline near zero makes the percentage overflow to infinity, which is what it means.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        deviation = np.where(
            base > 0,
            100.0 * adjustment / np.where(base > 0, base, 1.0),
            np.where(np.abs(adjustment) > 1e-9, np.inf, 0.0),
        )
    frame["adjustment"] = adjustment
    frame[SYSTEM_PLAN] = final
    frame["deviation_pct"] = deviation
    frame["events"] = _event_labels(touched, [e.event_id for e in events])
    return frame[SYSTEM_PLAN_COLUMNS].reset_index(drop=True)


def cell_without_each(
    baseline: pd.DataFrame,
    attributes: pd.DataFrame,
    events: Sequence[Event],
    row: int,
    left_out: Sequence[Event],
    freq: str,
) -> np.ndarray:
    """The system plan of one series-period, `row` of `baseline`, as ``apply_events(baseline,
    attributes, events, ..., freq)`` makes it with each event of `left_out` left out in turn: one
    value per event of `left_out`. The cell gets the same effects in the same order as there, so
    the values are the same to the bit, on a grid of one cell per event left out instead of a
    system plan each."""
    attrs = attributes.copy()
    attrs[UNIQUE_ID] = attrs[UNIQUE_ID].astype(str)
    attrs = attrs.drop_duplicates(UNIQUE_ID).reset_index(drop=True)
    series = int(
        np.flatnonzero(attrs[UNIQUE_ID].to_numpy() == str(baseline[UNIQUE_ID].iloc[row]))[0]
    )
    periods = horizon_periods(pd.to_datetime(baseline[DS]).unique(), freq)
    starts = periods[DS].to_numpy(dtype="datetime64[ns]")
    ends = periods["end"].to_numpy(dtype="datetime64[ns]")
    period = int(np.flatnonzero(starts == pd.Timestamp(baseline[DS].iloc[row]).to_datetime64())[0])
    scope_masks = ScopeMasks(attrs)
    parts = effect_parts((len(left_out), 1))
    for event in events:
        if not scope_masks.mask(event.scope)[series]:
            continue
        share = event_shares(event, starts, ends)[period : period + 1]
        if not share[0] > 0:
            continue
        kept = [j for j, other in enumerate(left_out) if other is not event]
        if kept:
            apply_effect(parts, event, np.ix_(kept, [0]), share)
    base = np.full(len(left_out), float(baseline[BASELINE].iloc[row]))
    return compose(base, *(part[:, 0] for part in parts))


def _event_labels(touched: np.ndarray, ids: Sequence[str]) -> pd.Categorical:
    """Comma-joined event ids per row, computed once per distinct combination."""
    # Number the distinct combinations exactly, one 64-event word at a time.
    codes = np.zeros(len(touched), dtype=np.int64)
    for word in range(touched.shape[1]):
        word_codes, word_uniques = pd.factorize(touched[:, word])
        codes, _ = pd.factorize(codes * len(word_uniques) + word_codes)
    inverse = codes
    # Row of the first occurrence of each code (writes in reverse order: the first one stays).
    first_rows = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=np.int64)
    first_rows[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    combos = touched[first_rows]
    # Bit i of word w is event 64 w + i: the words' bytes from the lowest, each byte's bits too.
    bits = np.unpackbits(combos.astype("<u8").view(np.uint8), axis=1, bitorder="little")
    labels = []
    for combo_bits in bits:
        hit = [ids[int(i)] for i in np.flatnonzero(combo_bits[: len(ids)])]
        labels.append(",".join(dict.fromkeys(hit)))
    # Repeated ids could make two combinations read the same: categories must be unique.
    label_codes, unique_labels = pd.factorize(np.asarray(labels, dtype=object))
    # pandas accepts any list-like as categories; the stubs only allow an Index.
    return pd.Categorical.from_codes(  # type: ignore[call-overload]
        label_codes[inverse], categories=list(unique_labels)
    )


def _joined_events(labels: pd.Series, groups: np.ndarray, n_groups: int) -> Any:
    """Per group (``groups``: each row's group number, -1 for a row in none), the event ids of
    its rows' labels joined by commas, each once, in the order they first appear (the rows in
    order, each label's ids in order), in the column's dtype where it holds them (as
    ``groupby.agg`` casts). One pass over the distinct (group, label) pairs, not a Python call
    per group: a team-period table has few distinct labels over many rows."""
    values: Any = labels
    if not isinstance(labels.dtype, pd.CategoricalDtype) and labels.hasnans:
        values = labels.to_numpy(dtype=object, copy=True)  # a missing label reads as its text
        missing = pd.isna(values)
        values[missing] = [str(v) for v in values[missing]]
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    ids_of = [[i for i in str(label).split(",") if i] for label in uniques]
    width = max(len(uniques), 1)
    kept = groups >= 0
    first = pd.unique(groups[kept].astype(np.int64) * width + codes[kept])  # first appearances
    seen: list[dict[str, None]] = [{} for _ in range(n_groups)]
    for pair in first[np.argsort(first // width, kind="stable")].tolist():
        group, code = divmod(pair, width)
        seen[group].update(dict.fromkeys(ids_of[code]))
    joined = np.empty(n_groups, dtype=object)
    joined[:] = [",".join(ids) for ids in seen]
    # The cast groupby.agg gives a Python function's results: the column's own dtype (a
    # categorical) where every joined label is one of its values, else strings; a string column
    # keeps its own string dtype (its storage and missing value).
    dtype = labels.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if pd.Index(joined).isin(dtype.categories).all():
            return pd.Categorical(joined, dtype=dtype)
    elif isinstance(dtype, pd.StringDtype):
        return pd.array(joined, dtype=dtype)
    return pd.Series(joined).array  # pandas' inference: text as its default string dtype


def aggregate(system_plan: pd.DataFrame, level: str = "team") -> pd.DataFrame:
    """The system plan per team and period (``level="team"``, key column ``team``) or per period
    (``level="total"``), with the same columns as the series level minus ``unique_id``."""
    keys = [TEAM, DS] if level == "team" else [DS]
    if level not in ("team", "total"):
        raise ValueError(f"level must be 'team' or 'total', got {level!r}")
    grouped = system_plan.groupby(keys, sort=True, observed=True)
    out = grouped[[BASELINE, "adjustment", SYSTEM_PLAN]].sum()
    groups = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)  # -1: a key left out (NaN)
    out["events"] = _joined_events(system_plan["events"], groups, len(out))
    out = out.reset_index()
    base = out[BASELINE].to_numpy(dtype=float)
    adjustment = out["adjustment"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deviation_pct"] = np.where(
            base > 0,
            100.0 * adjustment / np.where(base > 0, base, 1.0),
            np.where(np.abs(adjustment) > 1e-9, np.inf, 0.0),
        )
    if level == "total":
        out.insert(0, TEAM, "total")
    return out[[TEAM, DS, BASELINE, "adjustment", SYSTEM_PLAN, "deviation_pct", "events"]]


# -- deviation gate --------------------------------------------------------------------------

NEW_VOLUME = "new volume"
"""What a deviation from a baseline of 0 is where events add to it (no percent of 0 exists)."""
NO_DEVIATION = "–"
"""What a deviation from a baseline of 0 left at 0 is: none (a series or team that has ended)."""


@dataclass(frozen=True)
class Deviation:
    """A deviation from the baseline as every face shows it: a percent, new volume (a baseline
    of 0 that events add to) or none (a baseline of 0 left at 0, or no percent at all). The one
    rule the System plan page, the CLI, the exports and the gate's messages word it by."""

    percent: float | None = None  # None: new volume or none
    new_volume: bool = False

    @classmethod
    def of(cls, pct: Any, baseline: Any = None, adjustment: Any = None) -> Deviation:
        """The deviation of a cell, series or team: `pct` as computed (infinite where events add
        to a baseline of 0, as ``system_plan`` has it; NaN: none). Where `baseline` is given and
        is 0 the percent says nothing: new volume where `adjustment` (or, not given, the
        percent) is above 0, else none (``team_summary`` keeps 0 there)."""
        value = float(pct)
        if baseline is not None and not float(baseline):
            added = value if adjustment is None else float(adjustment)
            return cls(new_volume=True) if added > 0 else cls()
        if np.isinf(value):
            return cls(new_volume=True)
        return cls() if np.isnan(value) else cls(percent=value)

    @classmethod
    def explained(cls, pct: float | None) -> Deviation:
        """The deviation an explanation was written for: it stores none (None) for new volume."""
        return cls(new_volume=True) if pct is None else cls.of(pct)

    @property
    def text(self) -> str:
        """``+12.3 %``, ``new volume`` or ``–``."""
        if self.new_volume:
            return NEW_VOLUME
        return (
            NO_DEVIATION
            if self.percent is None
            else format_percent_value(self.percent, signed=True)
        )


DEVIATION_COLUMNS = ["level", "key", DS, BASELINE, SYSTEM_PLAN, "deviation_pct", "events"]


def deviations(system_plan: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Cells whose |deviation| exceeds `threshold` (a fraction, 0.2 = 20 %): per series-period
    (level "series", key = unique_id) and per team total per period (level "team", key = team)."""
    limit = 100.0 * float(threshold)
    series = system_plan.loc[system_plan["deviation_pct"].abs() > limit + 1e-9]
    series = series.assign(level="series", key=series[UNIQUE_ID].astype(str))
    teams = aggregate(system_plan, "team")
    teams = teams.loc[teams["deviation_pct"].abs() > limit + 1e-9]
    teams = teams.assign(level="team", key=teams[TEAM].astype(str))
    out = pd.concat([teams[DEVIATION_COLUMNS], series[DEVIATION_COLUMNS]], ignore_index=True)
    return out.reset_index(drop=True)


def event_fingerprint(event: Event) -> str:
    """What `event` is and does, in 12 hex digits: its name, kind, effect, value, scope, dates
    and how it counts (days or whole periods). An explanation keeps the fingerprints of the
    events it was written for; a change of any of these makes it outdated (the name and kind
    too: the text and reason code were written for the event as it was called and meant, and
    a rename could otherwise carry another event's reason through the gate). Its reason note
    and author are not part of it."""
    what = [
        event.name,
        event.kind,
        event.effect,
        float(f"{float(event.value):.12g}"),
        sorted((k, sorted(v)) for k, v in event.scope.attributes.items()),
        sorted(event.scope.ids),
        event.start.isoformat(),
        event.end.isoformat(),
        event.counts,
    ]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:12]


def event_fingerprints(events: Iterable[Event]) -> dict[str, str]:
    """``{event_id: event_fingerprint}`` of the plan's events."""
    return {e.event_id: event_fingerprint(e) for e in events}


def cell_event_ids(label: Any) -> list[str]:
    """The event ids of a cell's ``events`` label ("E1,E3"), in order."""
    return [i for i in str(label).split(",") if i and i != "nan"]


_STORED_REQUIRED = ("level", "key", "ds", "reason_code")
"""The fields a stored explanation cannot be read without."""


def _kind_words(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a record"
    return "nothing" if value is None else type(value).__name__


def _stored_kind(value: Any, kind: type | tuple[type, ...], field: str, words: str) -> None:
    """Refuse a stored explanation's `field` that is not of `kind` (said as `words`)."""
    if not isinstance(value, kind):
        raise ExplanationError(
            f"a stored explanation's {field} must be {words}, not {_kind_words(value)}"
        )


def _stored_number(value: Any, field: str) -> float | None:
    """A stored explanation's number (None kept): an int or a float, never true or false."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExplanationError(
            f"a stored explanation's {field} must be a number, not {_kind_words(value)}"
        )
    return float(value)


def _as_text(value: Any) -> str:
    """A stored explanation's text field as text (nothing: empty), whatever it holds."""
    return value if isinstance(value, str) else "" if value is None else str(value)


def _number_or_none(value: Any) -> float | None:
    """A stored explanation's number, None where it holds none (true or false is none)."""
    if isinstance(value, bool):
        return None
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _event_pairs(events: Any) -> tuple[tuple[str, str], ...] | None:
    """An explanation's events (a record of event id and fingerprint, or such pairs) as pairs of
    text; None kept. Anything else is refused in words (`ExplanationError`)."""
    if events is None:
        return None
    if isinstance(events, Mapping):
        return tuple((str(i), str(f)) for i, f in events.items())
    if not isinstance(events, list | tuple):
        raise ExplanationError(
            "a stored explanation's events must be a record of event ids and their "
            f"fingerprints, not {_kind_words(events)}"
        )
    for number, pair in enumerate(events, 1):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            shown = (
                f"a list of {len(pair)}" if isinstance(pair, list | tuple) else _kind_words(pair)
            )
            raise ExplanationError(
                "a stored explanation's events must be pairs of an event id and its "
                f"fingerprint; its event {number} is {shown}"
            )
    return tuple((str(i), str(f)) for i, f in events)


@dataclass(frozen=True)
class Explanation:
    """Why a marked deviation is right: a reason code, free text, author, time; and what it was
    written for: the deviation, the change from the baseline (``amount``: what a new-volume cell
    with a baseline of 0 is compared by), and the events that made it (``events``: pairs of
    event id and ``event_fingerprint``; None for an explanation stored before they were kept)."""

    level: str
    key: str
    ds: date
    reason_code: str
    text: str
    author: str
    at: str | None = None
    deviation_pct: float | None = None  # the deviation when it was explained
    amount: float | None = None  # system plan minus baseline when it was explained
    events: tuple[tuple[str, str], ...] | None = None

    def __post_init__(self) -> None:
        for name, value in self._normal(self.key, self.ds, self.events).items():
            object.__setattr__(self, name, value)

    @staticmethod
    def _normal(key: Any, ds: Any, events: Any) -> dict[str, Any]:
        """The fields an explanation keeps as given, as it keeps them (``__post_init__`` and
        ``from_dict``): the key as text, the date as a date, the events as (id, fingerprint)
        pairs (from pairs or a mapping of them)."""
        return {"key": str(key), "ds": _as_date(ds, "date"), "events": _event_pairs(events)}

    def check(self) -> None:
        if self.level not in LEVELS:
            raise ExplanationError(f"level must be one of {', '.join(LEVELS)}, got {self.level!r}")
        if self.reason_code not in REASON_CODES:
            raise ExplanationError(
                f"unknown reason code {self.reason_code!r}; use one of {', '.join(REASON_CODES)}"
            )
        if not (self.text or "").strip():
            raise ExplanationError("an explanation needs a text saying why the deviation is right")
        if not (self.author or "").strip():
            raise ExplanationError("an explanation needs an author")

    @property
    def cell(self) -> tuple[str, str, date]:
        return (self.level, self.key, self.ds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "key": self.key,
            "ds": self.ds.isoformat(),
            "reason_code": self.reason_code,
            "text": self.text,
            "author": self.author,
            "at": self.at,
            "deviation_pct": self.deviation_pct,
            "amount": self.amount,
            "events": None if self.events is None else dict(self.events),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Explanation:
        """The explanation a stored plan holds, read so that the plan stays usable: what an
        older import let into the store or a later program no longer accepts (an unknown reason
        code, an empty text, a field of another kind) is read as it is, not refused, so the gate
        still reads the plan and explaining the cell again replaces it (`imported` holds a
        bundle's explanations to the rules). Text fields of another kind are read as text,
        numbers that are none as None, events that are no pairs of id and fingerprint as None
        (an explanation that cannot say whom it was for). A plan's gate reads every stored
        explanation, so this fills the fields directly, as ``__init__`` and ``__post_init__``
        would (the same values, by the same ``_normal``: ``tests/unit/test_overrides.py`` holds
        them equal)."""
        missing = [name for name in _STORED_REQUIRED if name not in data]
        if missing:
            raise ExplanationError(f"a stored explanation lacks its {', '.join(missing)}")
        try:
            events = _event_pairs(data.get("events"))
        except ExplanationError:
            events = None
        at = data.get("at")
        explanation = object.__new__(cls)
        explanation.__dict__.update(
            level=_as_text(data["level"]),
            reason_code=_as_text(data["reason_code"]),
            text=_as_text(data.get("text")),
            author=_as_text(data.get("author")),
            at=at if isinstance(at, str) else None,
            deviation_pct=_number_or_none(data.get("deviation_pct")),
            amount=_number_or_none(data.get("amount")),
            **(cls._normal(data["key"], data["ds"], None) | {"events": events}),
        )
        return explanation

    @classmethod
    def imported(cls, data: Mapping[str, Any]) -> Explanation:
        """The explanation a bundle's plan document holds, held to the rules one written here
        is (`check`; every explanation this program writes passes it): fields missing or of
        another kind, an unknown level or reason code, an empty text or author are refused
        (`ExplanationError`, `PeriodError` for the date), as in a damaged bundle."""
        missing = [name for name in _STORED_REQUIRED if name not in data]
        if missing:
            raise ExplanationError(f"a stored explanation lacks its {', '.join(missing)}")
        for name in ("level", "reason_code", "text", "author"):
            _stored_kind(data.get(name, ""), str, name, "text")
        _stored_kind(data.get("at"), (str, type(None)), "time", "text")
        _stored_number(data.get("deviation_pct"), "deviation")
        _stored_number(data.get("amount"), "amount")
        _event_pairs(data.get("events"))
        explanation = cls.from_dict(data)
        explanation.check()
        return explanation

    @classmethod
    def cell_of(cls, data: Mapping[str, Any]) -> tuple[str, str, date]:
        """``from_dict(data).cell`` without reading the rest of the stored dict."""
        return (_as_text(data["level"]), str(data["key"]), _as_date(data["ds"], "date"))


@dataclass(frozen=True)
class Factor:
    """Series marked with something the model had not seen (from `start` on), re-forecast with a
    0/1 marker; the totals of their baseline before, after, and from the same model without the
    marker (None for factors recorded before it was kept) show what the marker changed."""

    factor_id: str
    name: str
    scope: Scope
    start: str  # ISO date, inside the history
    author: str
    at: str | None
    model: str
    n_series: int
    baseline_before: float
    baseline_after: float
    baseline_without_factor: float | None = None

    @property
    def change(self) -> float | None:
        """After against before as a fraction (0.12 = +12 %); None when there was no volume."""
        if not self.baseline_before:
            return None
        return self.baseline_after / self.baseline_before - 1.0

    def describe(self, *, currency: str | None) -> str:
        return (
            f"{self.factor_id} {self.name!r} from {self.start} on {self.n_series:,} series: "
            f"baseline {format_money(self.baseline_before, currency)} -> "
            f"{format_money(self.baseline_after, currency)}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor_id": self.factor_id,
            "name": self.name,
            "scope": self.scope.to_dict(),
            "start": self.start,
            "author": self.author,
            "at": self.at,
            "model": self.model,
            "n_series": self.n_series,
            "baseline_before": self.baseline_before,
            "baseline_after": self.baseline_after,
            "baseline_without_factor": self.baseline_without_factor,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Factor:
        without = data.get("baseline_without_factor")
        return cls(
            factor_id=str(data["factor_id"]),
            name=str(data["name"]),
            scope=Scope.from_dict(data.get("scope") or {}),
            start=str(data["start"]),
            author=str(data.get("author", "")),
            at=data.get("at"),
            model=str(data.get("model", "")),
            n_series=int(data.get("n_series", 0)),
            baseline_before=float(data["baseline_before"]),
            baseline_after=float(data["baseline_after"]),
            baseline_without_factor=None if without is None else float(without),
        )


def _cells(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays(
        [frame["level"].astype(str), frame["key"].astype(str), pd.to_datetime(frame[DS]).dt.date]
    )


EXPLANATION_TOLERANCE_PCT = 0.5
NEW_VOLUME_TOLERANCE = 0.005
"""A new-volume cell (baseline 0) stays explained while its amount moves by at most half a
percent of the amount explained (and half a cent)."""
LEGACY_EXPLANATION = "explained before the gate recorded its events; explain it again"


def _ids_text(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "no event"


def _pct_text(pct: float | None) -> str:
    """An explanation's deviation (None: it explained new volume) or a cell's."""
    return Deviation.explained(pct).text


def outdated_because(
    explanation: Explanation,
    deviation_pct: float,
    amount: float,
    event_ids: Sequence[str],
    fingerprints: Mapping[str, str],
    *,
    legacy_holds: bool = False,
    currency: str | None = None,
) -> str | None:
    """Why `explanation` no longer covers its cell as it now is (None: it still does); a
    new-volume cell's amounts in the plan's `currency` (``new volume $50 when explained``).

    It holds for the events it was written for, as they were (``event_fingerprint``), and for
    the deviation: within half a percentage point, or for a new-volume cell (baseline 0, an
    infinite percentage) within half a percent of the amount. An explanation stored before the
    events were kept cannot say whom it was for: it is outdated, unless `legacy_holds` (a
    published or agreed plan, whose events can no longer change) keeps the old rule."""
    if explanation.events is None:
        if not legacy_holds:
            return LEGACY_EXPLANATION
    else:
        then = dict(explanation.events)
        if set(then) != set(event_ids):
            return f"explained for {_ids_text(list(then))}, now {_ids_text(list(event_ids))}"
        changed = [i for i in event_ids if fingerprints.get(i) != then[i]]
        if changed:
            return f"{_ids_text(changed)} changed since it was explained"
    if not np.isfinite(deviation_pct):
        if explanation.deviation_pct is not None:
            return f"{_pct_text(explanation.deviation_pct)} when explained, now new volume"
        if explanation.amount is None:
            return None if explanation.events is None else "new volume of an unknown amount"
        was = float(explanation.amount)
        if abs(amount - was) > max(NEW_VOLUME_TOLERANCE * abs(was), 0.005):
            return (
                f"new volume {_cents(was, currency)} when explained, now {_cents(amount, currency)}"
            )
        return None
    if explanation.deviation_pct is None:
        return f"new volume when explained, now {_pct_text(deviation_pct)}"
    if abs(deviation_pct - explanation.deviation_pct) > EXPLANATION_TOLERANCE_PCT:
        return (
            f"{_pct_text(explanation.deviation_pct)} when explained, now {_pct_text(deviation_pct)}"
        )
    return None


def _cents(amount: float, currency: str | None) -> str:
    """An amount of the plan as typed amounts are shown (``format_amount``), to the cent a
    difference of floats leaves it at (89999.99999 reads $90,000)."""
    return format_amount(round(amount, 2), currency)


def mark_explained(
    marked: pd.DataFrame,
    explanations: Sequence[Explanation],
    events: Sequence[Event],
    *,
    legacy_holds: bool = False,
    currency: str | None = None,
) -> pd.DataFrame:
    """`marked` (from ``deviations``) with ``explained`` (bool), ``outdated`` (an explanation
    exists but was written for other events or another deviation: ``outdated_because``),
    ``why_outdated`` (its reason in words, '' otherwise), ``reason_code``, ``text``,
    ``author``; the latest explanation of a cell wins. `events` are the plan's events now;
    `currency` is the plan's, for the amounts ``why_outdated`` names."""
    latest: dict[tuple[str, str, date], Explanation] = {e.cell: e for e in explanations}
    fingerprints = event_fingerprints(events)
    out = marked.copy()
    cells = list(_cells(out)) if len(out) else []
    found = [latest.get(cell) for cell in cells]
    deviation = out["deviation_pct"].to_numpy(dtype=float)
    amount = (out[SYSTEM_PLAN] - out[BASELINE]).to_numpy(dtype=float)
    labels = out["events"].astype(str).tolist()
    why = [
        ""
        if e is None
        else (
            outdated_because(
                e,
                d,
                a,
                cell_event_ids(lab),
                fingerprints,
                legacy_holds=legacy_holds,
                currency=currency,
            )
            or ""
        )
        for e, d, a, lab in zip(found, deviation, amount, labels, strict=True)
    ]
    out["explained"] = np.array(
        [e is not None and not w for e, w in zip(found, why, strict=True)], dtype=bool
    )
    out["outdated"] = np.array([bool(w) for w in why], dtype=bool)
    out["why_outdated"] = why
    out["reason_code"] = [e.reason_code if e else "" for e in found]
    out["text"] = [e.text if e else "" for e in found]
    out["author"] = [e.author if e else "" for e in found]
    return out


def unexplained(
    marked: pd.DataFrame,
    explanations: Sequence[Explanation],
    events: Sequence[Event],
    *,
    legacy_holds: bool = False,
    currency: str | None = None,
) -> pd.DataFrame:
    """The marked deviations that have no (still valid) explanation."""
    annotated = mark_explained(
        marked, explanations, events, legacy_holds=legacy_holds, currency=currency
    )
    return annotated.loc[~annotated["explained"], DEVIATION_COLUMNS].reset_index(drop=True)


def describe_cells(frame: pd.DataFrame, limit: int = 15) -> str:
    """Lines like ``team a 2015-08-07 +35.0 %`` for messages, with why an explanation of the
    cell is outdated where it is (``mark_explained``'s ``why_outdated``)."""
    lines = []
    for row in frame.head(limit).itertuples(index=False):
        pct = cast(float, row.deviation_pct)
        shown = Deviation.of(pct).text
        ds = cast(pd.Timestamp, row.ds)
        why = str(getattr(row, "why_outdated", "") or "")
        outdated = f" (outdated: {why})" if why else ""
        lines.append(f"  {row.level} {row.key} {pd.Timestamp(ds).date()} {shown}{outdated}")
    if len(frame) > limit:
        lines.append(f"  ... and {len(frame) - limit} more")
    return "\n".join(lines)
