"""The notes the engine writes in parentheses after a series' ``model`` label that say how the
series stands: it has ended (forecast as 0), it is a special case served before any model is
tried (too short, constant, mostly or all without sales), or the model asked for failed and
another served it. Written here and read back here (`standing`, the one reader), so the services
tell them apart without their wording: the Data page's list of the series the model asked for
did not serve and `plan show --only` name the same series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

ENDED_START = "ended: no rows after "
FALLBACK_START = "fallback: "
SHORT_SERIES = "short series"
CONSTANT_SERIES = "constant series"
INTERMITTENT = "intermittent"
SPECIAL_CASES = (SHORT_SERIES, CONSTANT_SERIES, INTERMITTENT)
"""The notes of the series served before any model is tried (``baseline.special_case``): too
short for a model, constant, or mostly without sales; an all-zero series is "zeros" alone."""
ZEROS = "zeros"
"""The label of a series forecast as 0 before any model is tried: all zero (no note), or ended."""

SPECIAL_CASE = "special case"
ENDED = "ended"
MODEL_FAILED = "model failed"
STANDINGS = (ENDED, SPECIAL_CASE, MODEL_FAILED)
"""How a series the model asked for did not serve stands, in `standing`'s order of precedence."""


def ended_note(last_row: date, periods: int) -> str:
    """``ended: no rows after 2022-12-09, 8 periods before the file's end``."""
    return f"{ENDED_START}{last_row:%Y-%m-%d}, {periods} periods before the file's end"


def unsold_note(last_row: date, up_to: date) -> str:
    """``no rows after 2023-01-20: read as 0 up to 2023-02-03``: a series whose rows stop a few
    periods before the file's end without having ended (``ended_note``), read as no sales up to
    it."""
    return f"no rows after {last_row:%Y-%m-%d}: read as 0 up to {up_to:%Y-%m-%d}"


def fallback_note(failures: Sequence[str]) -> str:
    """``fallback: ets failed: ...; theta failed: ...``."""
    return FALLBACK_START + "; ".join(failures)


def notes_of(label: str) -> tuple[str, list[str]]:
    """A label's model and each of the engine's notes after it, one per parenthesis:
    ``mean (intermittent) (no rows after ...)`` -> ("mean", ["intermittent", "no rows after ..."]);
    combinations have no space before their "(": ``mean(ets,theta)`` has no note."""
    head, _, rest = label.strip().partition(" (")
    notes: list[str] = []
    depth, note = 1, list[str]()
    for char in rest:
        if depth == 0:
            if char == "(":
                depth, note = 1, []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            notes.append("".join(note).strip())
        else:
            note.append(char)
    if depth > 0 and note:  # an unclosed last note is kept as it is
        notes.append("".join(note).strip())
    return head, [n for n in notes if n]


@dataclass(frozen=True)
class Standing:
    """Why the model asked for did not serve a series: `kind` (one of `STANDINGS`), the notes
    that say so in the label's words (none for an all-zero series: its label is "zeros" alone)
    and, for an ended series, the date of its last row."""

    kind: str
    reasons: tuple[str, ...] = ()
    ended: date | None = None


def _ended_date(note: str) -> date | None:
    try:
        return date.fromisoformat(note[len(ENDED_START) :].split(",", 1)[0].strip())
    except ValueError:
        return None


def standing(label: str) -> Standing | None:
    """How the series of a ``model`` label stands when the model asked for did not serve it:
    ended, a special case (all zero included) or the model failed; None when the model asked
    for served it (notes such as a filled gap or a late delivery read as 0 say how, not that
    another model served). The one reader of these notes."""
    head, notes = notes_of(label)
    reasons: list[str] = []
    kinds: set[str] = set()
    ended = None
    for note in notes:
        if note.startswith(FALLBACK_START):
            reasons.append(note)  # whole: a fallback's failures are joined by "; " too
            kinds.add(MODEL_FAILED)
        elif note in SPECIAL_CASES:
            reasons.append(note)
            kinds.add(SPECIAL_CASE)
        else:
            for part in note.split("; "):
                if part.startswith(ENDED_START) and (since := _ended_date(part)) is not None:
                    reasons.append(part)
                    kinds.add(ENDED)
                    ended = ended or since
    if not kinds and head == ZEROS:
        kinds.add(SPECIAL_CASE)
    kind = next((k for k in STANDINGS if k in kinds), None)
    return Standing(kind, tuple(reasons), ended) if kind else None


def ended_since(label: str) -> date | None:
    """The date of a series' last row when its label says it has ended, else None."""
    found = standing(label)
    return found.ended if found is not None and found.kind == ENDED else None


def ended_series(labels: Mapping[str, str]) -> dict[str, date]:
    """Of the series' ``model`` labels (unique_id: label), those that say the series has ended,
    each with the date of its last row: the one reading of "ended" the services share."""
    return {uid: since for uid, label in labels.items() if (since := ended_since(label))}
