"""How large a sales value may be, and why: money in the ledger is int64 minor units (cents).

The ledger turns each series-period's value into minor units (``round(x * 100)``) and sums them in
int64. Two bounds keep every such number exact and every sum below ``2**63``:

- ``MAX_ABS_VALUE`` per row of a sales file (and per series-period of a baseline): 10**12
  currency units, i.e. 10**14 minor units. That is below ``2**53`` (9.007e15), so each value in
  minor units is an exact float and an exact int.
- ``MAX_ABS_TOTAL_MINOR`` for the sum of the absolute values of a plan's history and of its
  baseline, each in minor units: ``2**63 // 100`` (9.2e16 minor units). A team total, the basis
  and the spread's weights are at most that sum.
- ``MAX_ABS_AMOUNT`` for an amount typed by a person (goal, claim, manual share): 10**16 currency
  units, 10**18 minor units. A team's target (basis <= 9.2e16 + claim <= 1e18 + assignment <=
  |goal - basis| <= 1.1e18) then stays below 2.2e18 minor units, and the int64 arrays that spread
  it to series-periods hold at most that: four times below ``2**63`` (9.2e18). Sums over teams
  are Python ints, exact at any size.

- ``MAX_EVENT_PERCENT`` for an event's percent change (a hundredfold), and ``MAX_ABS_VALUE`` for
  the amount an event adds, sets or caps at. Events compound (two +100 % events quadruple a
  cell), so the system plan they make is checked too: every series-period within
  ``MAX_ABS_VALUE`` and the plan's total within ``MAX_ABS_TOTAL_MINOR``, as for a baseline.

Values beyond are refused where they enter, naming the row and column (ingest) or the input.

``MAX_HORIZON`` bounds how far ahead a baseline, backtest or plan forecasts: every series gets
that many rows, and the dates must stay within what a timestamp holds (a monthly horizon of
100,000 ran past the year 2262 and failed inside pandas).
"""

from __future__ import annotations

import unicodedata

MAX_ABS_VALUE = 10**12
MAX_ABS_TOTAL_MINOR = 2**63 // 100
MAX_ABS_AMOUNT = 10**16  # currency units
MAX_EVENT_PERCENT = 10_000
MAX_HORIZON = 1_100  # periods: three years of days, 21 years of weeks


def horizon_problem(horizon: int) -> str | None:
    """Why a horizon is refused (None: it is fine)."""
    if horizon < 1:
        return f"the horizon must be at least 1 period, got {horizon}"
    if horizon > MAX_HORIZON:
        return (
            f"the horizon of {horizon:,} periods is more than the {MAX_HORIZON:,} allowed (three "
            "years of days, 21 years of weeks); plan fewer periods"
        )
    return None


def value_bound_text() -> str:
    return f"{MAX_ABS_VALUE:,}"


# -- a file of events (a promotions calendar) ------------------------------------------------

MAX_EVENT_FILE_BYTES = 10 * 1024 * 1024
"""A file of events to import, as given (a CSV of 5,000 events is about 1 MB; a workbook a plan
exported, whose other sheets come along with its events sheet, a few MB for a thousand series)."""
MAX_EVENT_ROWS = 5_000
"""Events in one imported file: every one is checked against the plan's series and horizon, and
the system plan is computed with all of them before anything is written."""


# -- free text a person types ---------------------------------------------------------------
# Notes, reasons and explanations are stored in the plan document (and in the audit log, before
# and after) and sent to every member on each page load; file names come from the browser.

MAX_TEXT_CHARS = 4_000
"""A claim note, an event's reason, a deviation's explanation, a change's reason."""
MAX_NAME_CHARS = 200
"""An event's or a marked factor's name."""
MAX_FILENAME_CHARS = 200
"""A file name kept with what was read from it (an actuals version, a plan's sales file)."""


# -- how many parts a plan holds (a bundle's plan is held to these before any is read) ----------

MAX_PLAN_EVENTS = 50_000
"""Events of one plan: ten files of ``MAX_EVENT_ROWS`` events; a promotions calendar has
hundreds."""
MAX_PLAN_EXPLANATIONS = 1_000_000
"""Explanations of one plan: one per explained cell (tens of thousands of series, a horizon of
weeks), those replaced since kept too."""
MAX_PLAN_FACTORS = 10_000
"""Factors marked in one plan (each re-forecasts the series it marks)."""
MAX_TEAMS = 100_000
"""Teams of one plan's negotiation, and so its claims and assignments: more than a plan of
tens of thousands of series has even with a team per series."""


def text_problem(
    field: str, text: str | None, limit: int, *, one_line: bool | None = None
) -> str | None:
    """Why `text` is refused as `field` (None: it is within `limit` characters and holds no
    control character, `control_problem`). A name (`limit` up to ``MAX_NAME_CHARS``, unless
    `one_line` says otherwise) is one line."""
    length = len(text or "")
    if length > limit:
        return (
            f"{field} has at most {limit:,} characters; this one has {length:,}: shorten it "
            "(the gist here, the details in a document it names)"
        )
    return control_problem(
        field, text, one_line=limit <= MAX_NAME_CHARS if one_line is None else one_line
    )


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def control_problem(field: str, text: str | None, *, one_line: bool) -> str | None:
    """Why `text` is refused as `field` for a character nobody means to type, which copied text
    can carry: a control character (ESC, which a terminal that lists it obeys; NUL, which
    PostgreSQL refuses to store), and in a name (`one_line`) a line break or a tab too, which
    would break the lists and logs it is printed in. None: it holds none."""
    allowed = "" if one_line else "\t\n\r"
    for char in text or "":
        if char in allowed or not (unicodedata.category(char) == "Cc" or char in _LINE_BREAKS):
            continue
        if char in _LINE_BREAKS:
            what, fix = "a line break", "write it on one line"
        elif char == "\t":
            what, fix = "a tab", "put a space in its place"
        else:
            what, fix = f"the control character U+{ord(char):04X}", "take it out"
        return f"{field} cannot hold {what}: {fix} (copied text can carry one unseen)"
    return None


UNNAMED_FILE = "the uploaded file"
"""What a file is called that came without a name (bytes uploaded without one)."""


def base_filename(name: object, default: str = UNNAMED_FILE) -> str:
    """A file name as a browser or a person gives it, cut to its base name (no folders, either
    slash), without control characters, at most ``MAX_FILENAME_CHARS`` long (the extension kept
    when it is short). Trimmed, never refused: it only names what was read."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if c.isprintable()).strip()
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and len(ext) <= 16:
            text = stem[: MAX_FILENAME_CHARS - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_FILENAME_CHARS]
    return text or default
