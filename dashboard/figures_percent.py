"""Percentages on Plotly charts in the house style: ``20 %`` (a space before the sign).

Plotly's d3 formats (``.0%``) print ``20%`` and cannot put a space before the sign, so the figure
builders keep their data as fractions and give each percentage axis explicit ticks
(``percent_axis``) and each hover a preformatted text (``percent_texts`` as ``customdata``).
Pure: numbers in, plain values out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from forecast.services.money import format_percent

# Tick steps (fractions) tried from the finest up; the first giving at most MAX_TICKS ticks wins.
_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)
MAX_TICKS = 7


def _big_step(span: float) -> float:
    """A round step past 100 % (a WAPE of 99,900 % when actuals came a thousandfold too small):
    1, 2, 2.5 or 5 times a power of ten, so the axis keeps a handful of ticks, not thousands."""
    base = 10.0 ** math.floor(math.log10(span / (MAX_TICKS - 1)))
    return next(m * base for m in (1, 2, 2.5, 5, 10) if span / (m * base) <= MAX_TICKS - 1)


def _finite(values: Iterable[Any]) -> list[float]:
    out = []
    for v in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(x):
            out.append(x)
    return out


def _decimals(step: float) -> int:
    points = step * 100
    return 0 if points >= 1 else (1 if points * 10 >= 1 - 1e-9 else 2)


def percent_axis(
    values: Iterable[Any] = (), *, fixed: tuple[float, float] | None = None, headroom: float = 0.1
) -> dict[str, Any]:
    """Axis settings (``range``, ``tickmode``, ``tickvals``, ``ticktext``) for fractions shown as
    ``20 %``.

    ``fixed``: the range to show (e.g. ``(0, 1)`` for probabilities); otherwise the range runs from
    min(0, smallest value) to the largest value plus ``headroom`` of the span, out to whole ticks."""
    if fixed is not None:
        lo, hi = fixed
    else:
        data = _finite(values) or [0.0, 1.0]
        lo, hi = min(0.0, min(data)), max(0.0, max(data))
        if hi - lo <= 0:
            hi = lo + 0.01
        hi += headroom * (hi - lo)
    step = next((s for s in _STEPS if (hi - lo) / s <= MAX_TICKS - 1), None) or _big_step(hi - lo)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    if fixed is None:
        lo, hi = first, last
    count = int(round((last - first) / step)) + 1
    ticks = [round(first + i * step, 10) for i in range(count)]
    ticks = [t for t in ticks if lo - 1e-12 <= t <= hi + 1e-12]
    decimals = _decimals(step)
    return {
        "range": [lo, hi],
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [format_percent(t, decimals) for t in ticks],
    }


def percent_texts(values: Iterable[Any], decimals: int = 1, *, signed: bool = False) -> list[str]:
    """Each fraction as ``15.3 %`` (``–`` where there is none), e.g. for hover ``customdata``."""
    out = []
    for v in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            out.append(format_percent(None))
            continue
        out.append(format_percent(x if math.isfinite(x) else None, decimals, signed=signed))
    return out
