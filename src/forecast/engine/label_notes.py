"""The notes the engine writes in parentheses after a series' ``model`` label that say how the
series stands: it has ended (forecast as 0), or the model asked for failed and another served it.
Written here and read back here, so the services tell them apart without their wording."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

ENDED_START = "ended: no rows after "
FALLBACK_START = "fallback: "
SHORT_SERIES = "short series"
CONSTANT_SERIES = "constant series"
INTERMITTENT = "intermittent"
SPECIAL_CASES = (SHORT_SERIES, CONSTANT_SERIES, INTERMITTENT)
"""The notes of the series served before any model is tried (``baseline.special_case``): too
short for a model, constant, or mostly without sales; an all-zero series is "zeros" alone."""
_ENDED = re.compile(r"\(" + re.escape(ENDED_START) + r"(\d{4}-\d{2}-\d{2}),")


def ended_note(last_row: date, periods: int) -> str:
    """``ended: no rows after 2022-12-09, 8 periods before the file's end``."""
    return f"{ENDED_START}{last_row:%Y-%m-%d}, {periods} periods before the file's end"


def fallback_note(failures: Sequence[str]) -> str:
    """``fallback: ets failed: ...; theta failed: ...``."""
    return FALLBACK_START + "; ".join(failures)


def ended_since(label: str) -> date | None:
    """The date of a series' last row when its label says it has ended, else None."""
    found = _ENDED.search(label)
    return date.fromisoformat(found.group(1)) if found else None


def ended_series(labels: Mapping[str, str]) -> dict[str, date]:
    """Of the series' ``model`` labels (unique_id: label), those that say the series has ended,
    each with the date of its last row: the one reading of "ended" the services share."""
    return {uid: since for uid, label in labels.items() if (since := ended_since(label))}


def on_fallback(label: str) -> bool:
    """Whether the label says the model asked for failed and another served the series."""
    return f"({FALLBACK_START}" in label
