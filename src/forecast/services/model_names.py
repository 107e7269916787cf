"""What each model name in the ``model`` column means, in a planner's words (pure, no I/O).

The column keeps short machine names (``snaive``, ``median(dyn_theta,stl_ets,stat_ensemble)``), as
statsforecast's column aliases do: scripts and exports read them. ``explain`` turns a label into a
sentence for people: the dashboard shows it beside the label, ``forecast models`` lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forecast.engine import label_notes
from forecast.money import format_percent

NO_SALES = "the series has no sales"
"""Why an all-zero series is served "zeros" (its label has no note): `forecast models`' words."""

MODEL_NAMES: dict[str, str] = {
    "auto": "chosen per run: the model or combination that missed least on backtests of this "
    "history",
    "snaive": "seasonal naive: the same period a season (a year, or a week on daily data) before",
    "naive": "naive: the last value, repeated",
    "mean": "the mean of the recent periods",
    "zeros": f"zero: {NO_SALES}",
    "ets": "exponential smoothing (ETS): level, damped trend and season, additive, "
    "multiplicative or on a Box-Cox scale, chosen per series by AICc",
    "hw": "Holt-Winters exponential smoothing with a damped trend",
    "fourier_ets": "exponential smoothing with the yearly season as Fourier terms (for weekly "
    "and daily data, whose year is too long a season for ETS)",
    "theta": "Theta: exponential smoothing with drift on the seasonally adjusted series",
    "dyn_theta": "Theta models (standard, optimised or dynamic), chosen per series",
    "stl_ets": "STL + ETS: the season taken out by a loess decomposition, the rest forecast by "
    "exponential smoothing",
    "stat_ensemble": "statistical ensemble: the mean of ETS, Theta and STL + ETS",
    "arima": "ARIMA, its orders chosen per series by AIC (seasonal terms or Fourier terms for "
    "the season)",
    "prophet": "Prophet: trend, seasons, the country's holidays and the file's flags",
    "lightgbm": "LightGBM global model: gradient-boosted trees trained across all series of the "
    "run, with lags, rolling means, calendar, holidays and the file's flags",
}
COMBINERS = {"mean": "the mean", "median": "the median"}
SHORT_NAMES: dict[str, str] = {
    "auto": "chosen on backtests",
    "snaive": "seasonal naive",
    "ets": "exponential smoothing",
    "theta": "Theta",
    "arima": "ARIMA",
    "prophet": "Prophet",
    "lightgbm": "gradient-boosted trees across all series",
}
"""A few words per model a plan can be made with (``vocabulary.MODELS``), for choice lists."""


def describe(name: str) -> str:
    """One model name in words; an unknown name is returned as it is."""
    return MODEL_NAMES.get(name.strip(), name.strip())


notes_of = label_notes.notes_of
"""A label's model and each of the engine's notes after it (`label_notes.notes_of`)."""


def split(label: str) -> tuple[str, str | None]:
    """A label's model and the engine's notes after it, joined: ``snaive (a gap ...)`` ->
    ("snaive", "a gap ...")."""
    head, notes = notes_of(label)
    return head, "; ".join(notes) or None


def explain(label: str) -> str:
    """A ``model`` column label in words: ``median(ets,theta) (flags left out)`` -> "the median
    of 2 forecasts: exponential smoothing ...; Theta: ... (flags left out)". The engine's note
    after the label (a fallback, a gap, weekly sums) is kept as it is."""
    head, bare_note = split(label)
    note = f" ({bare_note})" if bare_note else ""
    if "(" in head and head.endswith(")"):
        combiner, inner = head[:-1].split("(", 1)
        members = [m.strip() for m in inner.split(",") if m.strip()]
        if combiner.strip() in COMBINERS and members:
            parts = "; ".join(describe(m) for m in members)
            what = COMBINERS[combiner.strip()]
            return f"{what} of {len(members)} forecasts: {parts}{note}"
    return f"{describe(head)}{note}"


@dataclass(frozen=True)
class FallbackServed:
    """A series the model asked for did not serve, the model that did (the ``model`` column's
    label without its notes) and why, in the notes' words (``short series``, ``ended: no rows
    after ...``, ``fallback: ets failed: ...``)."""

    series: str
    model: str
    reason: str


def fallback_reason(label: str) -> str | None:
    """Why the model asked for did not serve the series of a ``model`` label, in its notes'
    words (`label_notes.standing`: a special case, an all-zero series, an end before the
    others, a model that failed); None when it served it."""
    found = label_notes.standing(label)
    if found is None:
        return None
    return "; ".join(found.reasons) or NO_SALES


def served_by_fallback(labels: Mapping[str, str]) -> tuple[FallbackServed, ...]:
    """Of the series' ``model`` labels (series key: label), those the model asked for did not
    serve (`fallback_reason`), by series key."""
    served = []
    for series, label in sorted(labels.items()):
        reason = fallback_reason(label)
        if reason is not None:
            served.append(FallbackServed(series, notes_of(label)[0], reason))
    return tuple(served)


@dataclass(frozen=True)
class ModelUse:
    """A model (the ``model`` column's label without the engine's note), how many series it
    served, what it means in words, and the notes some of those series carry, with their count
    (``("a gap of 25 periods filled from a season before", 17)``)."""

    label: str
    series: int
    means: str
    notes: tuple[tuple[str, int], ...] = ()

    @property
    def noted(self) -> list[str]:
        """The notes as said to people: ``17 of them: a gap of 25 periods ...``."""
        return [f"{count:,} of them: {note}" for note, count in self.notes]


def model_uses(models_used: dict[str, int]) -> tuple[ModelUse, ...]:
    """``models_used`` (label -> series) as ``ModelUse`` per model, most series first. A note
    of several parts (``no rows after ...; a gap of 43 periods ...``) counts each part, and
    notes that differ in one count only are said once with its range (``a gap of 15 to 63
    periods filled from a season before``): a daily plan's gaps gave a line per length."""
    series: dict[str, int] = {}
    notes: dict[str, dict[str, int]] = {}
    for label, count in models_used.items():
        head, notes_said = notes_of(label)
        series[head] = series.get(head, 0) + count
        for note in (part.strip() for whole in notes_said for part in whole.split("; ")):
            notes.setdefault(head, {})[note] = notes.get(head, {}).get(note, 0) + count
    ranked = sorted(series.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        ModelUse(
            head,
            count,
            explain(head),
            tuple(
                sorted(
                    _merged_counts(notes.get(head, {})).items(),
                    key=lambda item: (-item[1], item[0]),
                )
            ),
        )
        for head, count in ranked
    )


_ONE_COUNT = re.compile(r"(?<![\d.:/-])\d+(?![\d.:/-])")


def _merged_counts(notes: dict[str, int]) -> dict[str, int]:
    """Notes with exactly one number that are the same around it, as one note with the range
    of their numbers and the sum of their series (a note with a date or several numbers is
    kept as it is)."""
    groups: dict[str, list[tuple[int, int]]] = {}
    merged: dict[str, int] = {}
    for note, count in notes.items():
        numbers = _ONE_COUNT.findall(note)
        if len(numbers) == 1 and not re.search(r"\d[-./:]\d", note):
            groups.setdefault(_ONE_COUNT.sub("{}", note), []).append((int(numbers[0]), count))
        else:
            merged[note] = merged.get(note, 0) + count
    for shape, found in groups.items():
        low, high = min(n for n, _ in found), max(n for n, _ in found)
        said = shape.format(str(low) if low == high else f"{low} to {high}")
        merged[said] = merged.get(said, 0) + sum(count for _, count in found)
    return merged


def choice_text(selection: dict[str, Any]) -> str | None:
    """``auto``'s choice in words, from ``BaselineInfo.selection``: what it chose, how it scored
    on the backtests of this history beside seasonal naive, and on how much; None without one."""
    if not selection or selection.get("mase") is None:
        return None
    naive = selection.get("snaive_mase")
    beside = f" (seasonal naive {naive:.3f}; lower is better)" if naive is not None else ""
    worse = format_percent(float(selection.get("worse_than_naive") or 0.0), 0)
    return (
        f"auto chose {selection['label']} among {selection.get('strategies', 0)} models and "
        f"combinations: on {selection.get('windows', 0)} backtest windows of "
        f"{selection.get('series', 0)} series of this history its mean scaled error (MASE) was "
        f"{selection['mase']:.3f}{beside}, worse than seasonal naive on {worse} of them."
    )
