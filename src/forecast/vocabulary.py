"""The product's closed vocabularies: the values a user may choose for a model, an event kind, a
remainder rule, a frequency and the like.

They live in this module of plain constants (no imports) at the bottom of the house, so the
domain, the engine and the services define their rules with them and the faces (the CLI's
choices, the dashboard's dropdowns) list them without importing pandas or a model library. The
modules that own the rules re-export them under their old names (``forecast.overrides.EVENT_KINDS``,
``forecast.engine.baseline.MODELS``, ``forecast.negotiation.RemainderRule``, ...).
"""

from __future__ import annotations

from enum import StrEnum


def in_words(code: object) -> str:
    """A code as people read it in a message: ``system_plan`` -> ``system plan``."""
    return str(getattr(code, "value", code)).replace("_", " ")


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(iso_date: str, freq: str | None) -> str:
    """A period as planners name it, from its first day (ISO text): a quarter ``2018 Q1``, a
    month ``Jan 2018``; a day or a week by its date (`freq`: the plan's calendar code, D, W-MON,
    M/MS or Q/QS)."""
    code = (freq or "")[:1].upper()
    if code not in ("Q", "M") or len(iso_date) < 7 or not iso_date[5:7].isdigit():
        return iso_date
    month = int(iso_date[5:7])
    if not 1 <= month <= 12:
        return iso_date
    if code == "Q":
        return f"{iso_date[:4]} Q{(month - 1) // 3 + 1}"
    return f"{MONTH_NAMES[month - 1]} {iso_date[:4]}"


# -- engine ----------------------------------------------------------------------------------

MODELS: tuple[str, ...] = ("auto", "snaive", "ets", "theta", "arima", "prophet", "lightgbm")
"""Model names a user can ask for."""

FREQUENCIES: tuple[str, ...] = ("D", "W", "M", "Q")
"""Supported frequencies of the regular calendar (day, week, month start, quarter start)."""
PERIOD_WORDS = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}
"""A calendar's period in a word, by the first letter of its code (W-FRI: week)."""
WEEKDAY_CODES: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
"""The day a weekly calendar's weeks start on, as its code names it (W-MON), Monday first."""

DUPLICATE_RULES: tuple[str, ...] = ("sum", "refuse")
DECIMAL_MARKS: tuple[str, ...] = (".", ",")
"""The decimal marks a user can name for a CSV file: '.' reads 44.537 as a decimal number;
',' reads 1.234,5 as 1234.5 and 44.537 as 44537 ('.' groups thousands)."""
WEEK_DATES: tuple[str, ...] = (
    "start",
    "end",
)  # a weekly file dates each week by its first/last day
"""What ingest does with rows of the same series and date: add them up, or report each one."""

# -- system track ----------------------------------------------------------------------------

EVENT_KINDS: tuple[str, ...] = ("festival", "promotion", "purchase_limit", "other")
EFFECTS: tuple[str, ...] = ("percent", "add", "cap", "set")
REASON_CODES: dict[str, str] = {
    "promotion": "Promotion",
    "festival": "Festival or holiday",
    "purchase_limit": "Purchase limit",
    "new_listing": "New listing",
    "supply": "Supply constraint",
    "other": "Other (say what in the text)",
}
PLAN_LEVELS: tuple[str, ...] = ("series", "team", "total")
"""Levels the system plan is shown at."""
SERIES_STANDINGS: tuple[str, ...] = ("ended", "special", "fallback", "other-model")
"""The series `plan show --only` lists: those that ended (forecast as 0), the special cases
served before any model is tried (too short, constant, mostly or all without sales), those a
fallback model served (the model asked for failed), and all three together: every series a
model other than the one asked for served, as the Data page lists them."""

# -- plans -----------------------------------------------------------------------------------

ROLES: tuple[str, ...] = ("owner", "planner", "lead")
EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "json")

# -- negotiation track -----------------------------------------------------------------------


class Stage(StrEnum):
    DRAFT = "draft"
    CLAIMING = "claiming"
    ASSIGNING = "assigning"
    AGREED = "agreed"


class RemainderRule(StrEnum):
    PRO_RATA_BASELINE = "pro_rata_baseline"
    EVEN = "even"
    PRO_RATA_CLAIMS = "pro_rata_claims"
    MANUAL = "manual"
    # spares the volunteers: only teams that claimed less than their pro rata share of the gap
    # take the remainder, pro rata to their basis among them
    PRO_RATA_SHORTFALL = "pro_rata_shortfall"
    # spares the volunteers too, but each short team takes the remainder in proportion to its
    # shortfall (the amount it is short of its share), so that without an over-claim every team
    # ends at its pro rata share
    FILL_SHORTFALL = "fill_shortfall"


REPLAY_RULES = tuple(r.value for r in RemainderRule if r is not RemainderRule.MANUAL)
"""The remainder rules a replay can run: every rule but the manual one, which needs a person."""


class Basis(StrEnum):
    BASELINE = "baseline"
    SYSTEM_PLAN = "system_plan"


class Oversubscription(StrEnum):
    KEEP = "keep"
    SCALE = "scale"


# Which of a bundle's members an import keeps: those with an account here, none (the importer
# alone), or all (names without an account too: whoever is made under them later gets the roles).
IMPORT_MEMBERS = ("existing", "none", "all")

# The action of an audit row an import carried in from the source plan (``forecast.store``): its
# own action is kept in ``after["source_action"]``, its before and after (bundles since they carry
# them) in ``after["source_before"]`` and ``after["source_after"]``.
IMPORTED_HISTORY = "imported_history"

# How the dashboard learns who is signed in: its own accounts, or an authenticating proxy's header.
AUTH_MODES = ("password", "header")


# -- an event import's date shift (forecast.services.event_import.DateShift) --

SHIFT_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
MAX_SHIFT = {"d": 36_524, "w": 5_217, "m": 1_200, "y": 100}  # a century in each unit
SHIFT_YEAR = (
    "1y (a year: 52 weeks on a daily or weekly plan, so each date keeps its weekday but not "
    "always its holiday, e.g. Thanksgiving 2012-11-22 moves to 2013-11-21, a week before "
    "Thanksgiving 2013: check the moved dates; 12 months on a monthly or quarterly plan)"
)
"""What a year's shift does: the one wording the CLI's and the dashboard's help use."""
SHIFT_FIX = (
    f"write a whole number and a unit: 52w (weeks), 364d (days), 12m (months) or {SHIFT_YEAR}; "
    "a minus moves dates back (-1y)"
)
