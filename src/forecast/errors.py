"""Errors below the services: refusals that any layer may raise and each face shows in its terms.

They live here, outside ``forecast.services``, so that the store (and any other module under the
services) can raise them without importing the layer above it. ``forecast.services.errors``
re-exports them for the faces (CLI and dashboard).

A refusal says what happened (``reason``, a sentence that fits every face) and, where there is
one, how to put it right (``fix``: a `FixKey` with its parameters, not words). ``str(error)`` is
the reason with the fix in neutral words; each face renders the fix in its own terms instead: the
CLI names its commands and flags (``forecast.cli.fix_hints``), the dashboard says what to do on
which page (``dashboard.fix_hints``). Both faces cover every key (tests/unit/test_fix_hints.py).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Self


class FixKey(StrEnum):
    """The ways to put a refusal right. Parameters in braces come with the `Fix`."""

    ASK_FOR_LEAD = "ask_for_lead"  # {user} {team}: a planner who is no lead wants to claim
    GRANT_LEAD = "grant_lead"  # {team}: the owner wants to claim; a lead must do it
    ASK_TEAM_LEAD = "ask_team_lead"  # {team} {leads}: the team has a lead, who claims for it
    ASK_TEAM_LEAD_TO_WITHDRAW = "ask_team_lead_to_withdraw"  # {team} {leads}: ... who withdraws
    GRANT_ROLE = "grant_role"  # {user} {role}: the user lacks a role on the plan
    CHOOSE_LEAD_TEAM = "choose_lead_team"  # {teams}: a lead needs a team
    SET_GOAL = "set_goal"  # the negotiation has no goal yet
    CLOSE_ROUND = "close_round"  # the claiming round is still open
    REOPEN_ROUND = "reopen_round"  # the claiming round is closed
    KEEP_OVERSUBSCRIPTION = "keep_oversubscription"  # claims in both directions cannot be scaled
    MANUAL_AMOUNTS = "manual_amounts"  # the manual rule without amounts
    MANUAL_TOTAL = "manual_total"  # manual amounts that do not add up to the remainder
    ASSIGN_REMAINDER = "assign_remainder"  # locking before the remainder is assigned
    PUBLISH_FIRST = "publish_first"  # locking a plan whose system plan is a draft
    NEW_VERSION = "new_version"  # the plan is published or agreed
    UNARCHIVE_PLAN = "unarchive_plan"  # the plan is archived
    SET_ZERO = "set_zero"  # a percent below -100
    GIVE_EFFECT = "give_effect"  # an event without an effect
    GIVE_EFFECT_OR_SUGGESTION = "give_effect_or_suggestion"  # {suggestion}: ... or take it
    GIVE_EFFECT_VALUE = "give_effect_value"  # a new effect without its value
    PERIOD_DATE = "period_date"  # a period that is not a date
    LIST_DEVIATIONS = "list_deviations"  # where the marked deviations are listed
    CHOOSE_DEVIATION = "choose_deviation"  # explaining without saying which deviation
    EXPLAIN_DEVIATIONS = "explain_deviations"  # publishing with unexplained deviations
    TRUST_AS_ADMIN = "trust_as_admin"  # a foreign bundle imported on trust by a non-admin
    TRUST_BUNDLE = "trust_bundle"  # a foreign bundle without trust
    EXPORT_BUNDLE = "export_bundle"  # a file that is no (complete) bundle
    SHORTEN_AT_SOURCE = "shorten_at_source"  # a bundle holding a text longer than a plan takes
    IMPORT_UNDER_NAME = "import_under_name"  # a bundle whose plan name is taken here
    ADD_OWNER = "add_owner"  # the last owner of a plan cannot give up the role
    NAME_USER = "name_user"  # no acting user
    ADD_ACCOUNT = "add_account"  # {user}: no such account (the CLI's --as)
    LIST_ACCOUNTS = "list_accounts"  # no such account
    PICK_PLAN = "pick_plan"  # no plan selected
    LIST_PLANS = "list_plans"  # no such plan
    UPLOAD_ACTUALS = "upload_actuals"  # the plan has no actuals yet
    ACTUALS_COLUMNS = "actuals_columns"  # {columns}: actuals without the plan's own columns
    ACTUALS_SCALE = "actuals_scale"  # {plan}: actuals a hundredfold off the plan's numbers
    ACTUALS_DUPLICATES = "actuals_duplicates"  # rows of actuals repeating a series and date
    ACTUALS_WHOLE_PERIODS = "actuals_whole_periods"  # {plan} {which}: nothing kept of partial
    # periods; {which}: "the week is", "the weeks are", "its periods are"
    NAME_PLAN = "name_plan"  # a plan without a name
    GIVE_ATTRIBUTES = "give_attributes"  # no attribute to take teams from
    REPLAY_AT_LEAST_ONE = "replay_at_least_one"  # zero cycles or periods
    SHORTEN_REPLAY = "shorten_replay"  # the history is too short for the replay asked
    RELOAD_PLAN = "reload_plan"  # {plan} {version}: an edit made on an older version
    CHOOSE_PLAN_NAME = "choose_plan_name"  # {plan}: a new plan's name is taken by {plan}
    DASK_SCHEDULER = "dask_scheduler"  # {address}: the Dask cluster's scheduler cannot be reached
    DASK_WORKERS = "dask_workers"  # {address}: the Dask cluster has no workers (or lost them all)
    # The sales file reader's (each face names its own option or field):
    DATE_COLUMN_OF_FILE = "date_column_of_file"  # {columns}: no such date column
    VALUE_COLUMN_OF_FILE = "value_column_of_file"  # {columns}: no such value column
    ID_COLUMN_OF_FILE = "id_column_of_file"  # {columns}: no such series key column
    NAME_DATE_COLUMN = "name_date_column"  # {columns}: no column holds dates
    NAME_VALUE_COLUMN = "name_value_column"  # {columns}: no column holds numbers
    DISTINCT_COLUMNS = "distinct_columns"  # one column given two roles
    NAME_FREQ = "name_freq"  # the frequency cannot be told from the dates
    COARSER_FREQ = "coarser_freq"  # the regular calendar would be too large
    DECIMAL_MARK = "decimal_mark"  # 44.537 in a file whose '.' may group thousands
    SUM_DUPLICATES = "sum_duplicates"  # rows repeating a series and date, refused
    OTHER_VALUE_COLUMN = "other_value_column"  # a note: the sales column was guessed
    SPLIT_SERIES = "split_series"  # a note: no series key, one series
    COARSER_CALENDAR = "coarser_calendar"  # {freq} {period}: a note: mostly empty periods
    # Actuals dated by another weekday than the plan's weeks ({first}, {last}: the plan's
    # weeks' first and last weekday; {dated_by}: "Friday its week starts on"):
    ACTUALS_ONE_DAY = "actuals_one_day"  # {last}: one date read as a week's end
    ACTUALS_WEEKDAY = "actuals_weekday"  # {dated_by} {first} {last}: weeks on another weekday
    ACTUALS_WEEKDAY_OR_END = "actuals_weekday_or_end"  # the same, or dated by their end
    ACTUALS_WEEK_ENDING = "actuals_week_ending"  # {plan} {which} {date}: nothing kept of a
    # partial week, whose one date may be the week's end


# How to put it right, in words that fit every face (what ``str(error)`` says).

# the wordings two fixes begin with (the longer one adds a way out)
_WHOLE_PERIODS = (
    "upload it once {which} complete, or, if {which} complete already (a day without rows had"
    " no sales), upload it again saying its periods are whole"
)
WEEKDAY_FIX = (
    "date each row by the {dated_by}, summing the sales of {first} to {last}, or upload daily"
    " sales (they are summed into the plan's weeks)"
)
"""How to fix actuals whose dates fall on another weekday than the plan's weeks: the same in
every face (it names no command and no page), so the CLI's and the pages' fixes begin with it."""

NEUTRAL_FIXES: Mapping[FixKey, str] = {
    FixKey.ASK_FOR_LEAD: "ask the plan owner to make {user} the lead of team {team}",
    FixKey.GRANT_LEAD: "make a member the lead of team {team} first",
    FixKey.ASK_TEAM_LEAD: "ask {leads}, the lead of team {team}",
    FixKey.ASK_TEAM_LEAD_TO_WITHDRAW: "ask {leads}, the lead of team {team}, to withdraw its claim",
    FixKey.GRANT_ROLE: "the owner can grant {user} the {role} role",
    FixKey.CHOOSE_LEAD_TEAM: "choose the lead's team, one of {teams}",
    FixKey.SET_GOAL: "the owner sets the goal first",
    FixKey.CLOSE_ROUND: "the owner closes the claiming round first",
    FixKey.REOPEN_ROUND: "the owner can reopen it",
    FixKey.KEEP_OVERSUBSCRIPTION: "keep them as they are or ask the leads to change their claims",
    FixKey.MANUAL_AMOUNTS: "give an amount for each team",
    FixKey.MANUAL_TOTAL: "change the amounts so that they add up to the remainder",
    FixKey.ASSIGN_REMAINDER: "assign the remainder before locking",
    FixKey.PUBLISH_FIRST: (
        "the owner publishes the system plan first, once every deviation above the threshold "
        "is explained"
    ),
    FixKey.NEW_VERSION: "make a new version of the plan to change it",
    FixKey.UNARCHIVE_PLAN: "its owner or an admin can unarchive it first",
    FixKey.SET_ZERO: "set the value to 0 to plan no sales",
    FixKey.GIVE_EFFECT: "give an effect (percent, add, cap or set) with a value",
    FixKey.GIVE_EFFECT_OR_SUGGESTION: (
        "give an effect (percent, add, cap or set) with a value, or take the learned "
        "suggestion ({suggestion})"
    ),
    FixKey.GIVE_EFFECT_VALUE: "give the value of the new effect",
    FixKey.PERIOD_DATE: "give the period as YYYY-MM-DD",
    FixKey.LIST_DEVIATIONS: "the marked deviations of the plan are listed with the plan",
    FixKey.CHOOSE_DEVIATION: "name a series or a team and a period, or an event",
    FixKey.EXPLAIN_DEVIATIONS: "explain them and publish again",
    FixKey.TRUST_AS_ADMIN: "an admin can import it on trust",
    FixKey.TRUST_BUNDLE: "import it on trust only if you trust where it came from (an admin's "
    "choice, recorded in the audit log)",
    FixKey.EXPORT_BUNDLE: "export the plan again as a JSON bundle where it came from",
    FixKey.SHORTEN_AT_SOURCE: (
        "shorten that text in the plan the bundle came from (the gist there, the details in a "
        "document it names), then export that plan again as a JSON bundle"
    ),
    FixKey.IMPORT_UNDER_NAME: "import it under another name",
    FixKey.ADD_OWNER: "make another member owner first",
    FixKey.NAME_USER: "say who is acting",
    FixKey.ADD_ACCOUNT: "an admin can add the account {user}",
    FixKey.LIST_ACCOUNTS: "the list of accounts shows who has one",
    FixKey.PICK_PLAN: "pick a plan first",
    FixKey.LIST_PLANS: "the list of plans shows the plan ids",
    FixKey.UPLOAD_ACTUALS: "upload the actuals first",
    FixKey.CHOOSE_PLAN_NAME: (
        "choose another name, or make a new version of that plan, which keeps its name"
    ),
    FixKey.ACTUALS_COLUMNS: "name the file's columns {columns} as in the plan's sales file, "
    "or unique_id, ds, y",
    FixKey.ACTUALS_SCALE: "check the file's unit and decimal mark: re-export it in the plan's "
    "unit, or read it with the decimal mark ',' when '.' groups thousands (44.537 for 44537); "
    "if the numbers are right, upload them again confirming their scale",
    FixKey.ACTUALS_DUPLICATES: "a repeated series and date in actuals is usually a correction: "
    "keep the one right row and upload again; if the rows are parts to add up, sum them",
    FixKey.ACTUALS_WHOLE_PERIODS: _WHOLE_PERIODS,
    FixKey.NAME_PLAN: "give the plan a name",
    FixKey.GIVE_ATTRIBUTES: "give a table of series attributes (e.g. a store table)",
    FixKey.REPLAY_AT_LEAST_ONE: "replay at least one cycle of at least one period",
    FixKey.SHORTEN_REPLAY: "replay fewer cycles or fewer periods per cycle",
    FixKey.RELOAD_PLAN: "reload the plan (version {version}) and make your change again",
    FixKey.DASK_SCHEDULER: (
        "start its scheduler with `dask scheduler` and a worker with `dask worker {address}`, "
        "or fit on this machine without the cluster"
    ),
    FixKey.DASK_WORKERS: (
        "start a worker with `dask worker {address}` (on any machine that reaches the "
        "scheduler), or fit on this machine without the cluster"
    ),
    FixKey.DATE_COLUMN_OF_FILE: "name the date column, one of the columns in the file: {columns}",
    FixKey.VALUE_COLUMN_OF_FILE: "name the value column, one of the columns in the file: {columns}",
    FixKey.ID_COLUMN_OF_FILE: "name the series key columns among the columns in the file: "
    "{columns}",
    FixKey.NAME_DATE_COLUMN: "name the date column; the columns are: {columns}",
    FixKey.NAME_VALUE_COLUMN: "name the sales column; the columns are: {columns}",
    FixKey.DISTINCT_COLUMNS: "give the date, the value and the series key each a different column",
    FixKey.NAME_FREQ: "name the frequency: day, week, month or quarter",
    FixKey.COARSER_FREQ: "read it by a coarser frequency (week or month), or check the dates "
    "for typos",
    FixKey.DECIMAL_MARK: "if the '.' groups thousands (as in files with ';' between columns), "
    "read the file with the decimal mark ','; if it is a decimal point, with the decimal mark "
    "'.'; or re-export the file with plain numbers (44537, or 44.5370 for a decimal point)",
    FixKey.SUM_DUPLICATES: "remove the duplicate row, or read the file summing duplicates",
    FixKey.OTHER_VALUE_COLUMN: "name another to choose it",
    FixKey.SPLIT_SERIES: "name the series key columns to split it",
    FixKey.COARSER_CALENDAR: "{period}s, frequency {freq}",
    FixKey.ACTUALS_ONE_DAY: "if it is one day's sales, read it with week dates 'start' (the "
    "week's first day); if it is a week's, date it by the {last} the week ends on",
    FixKey.ACTUALS_WEEKDAY: WEEKDAY_FIX,
    FixKey.ACTUALS_WEEKDAY_OR_END: WEEKDAY_FIX
    + "; if each date is the {last} that ends a {first}-to-{last} week, read it as week ending",
    FixKey.ACTUALS_WEEK_ENDING: _WHOLE_PERIODS
    + "; if {date} dates a whole week's sales by its last day, read the file as week ending",
}


class _Blanks(dict[str, str]):
    """Format parameters; one the raiser did not know shows as its name in capitals (PLAN)."""

    def __missing__(self, key: str) -> str:
        return key.upper()


class Fix:
    """How to put a refusal right: a key and its parameters (the plan, a team, a user...).

    Faces turn it into words with `render` and their own templates; the domain knows nothing of
    flags or pages. A layer that knows more (the services know the plan) adds it with `given`."""

    __slots__ = ("key", "params")

    def __init__(self, key: FixKey, /, **params: Any) -> None:
        self.key = FixKey(key)
        self.params: dict[str, str] = {k: str(v) for k, v in params.items()}

    def given(self, **params: Any) -> Fix:
        """This fix with parameters it does not have yet (those it has stay)."""
        return Fix(self.key, **({k: str(v) for k, v in params.items()} | self.params))

    def render(self, templates: Mapping[FixKey, str]) -> str:
        """The fix in the words of `templates` (a face's own), else in neutral words."""
        template = templates.get(self.key, NEUTRAL_FIXES[self.key])
        return string.Formatter().vformat(template, (), _Blanks(self.params))

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key.value, "params": dict(self.params)}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fix) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.params.items()))))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in sorted(self.params.items()))
        return f"Fix({self.key.name}{args})"


def explain(reason: str, fix: Fix | None, templates: Mapping[FixKey, str] = NEUTRAL_FIXES) -> str:
    """The reason and, after a semicolon, the fix in the words of `templates`."""
    if fix is None:
        return reason
    hint = fix.render(templates)
    if not reason.strip():
        return hint
    if reason.endswith("\n"):  # a reason that lists things ends its list with a line break
        return reason + hint
    return f"{reason.rstrip().rstrip('.;:')}; {hint}"


class Refusal(Exception):
    """A refusal with a face-neutral reason and an optional structured fix.

    The base of the services' errors and of the pure domain's (negotiation, overrides, export)."""

    def __init__(self, reason: str = "", fix: Fix | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix

    def __str__(self) -> str:
        return explain(self.reason, self.fix)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.fix))

    @classmethod
    def from_error(cls, exc: BaseException, prefix: str = "", **known: Any) -> Self:
        """This kind of refusal for a lower layer's error, keeping its reason and fix; `known`
        adds what this layer knows to the fix's parameters (e.g. ``plan=state.plan_id``)."""
        fix = fix_of(exc)
        return cls(prefix + reason_of(exc), fix.given(**known) if fix and known else fix)


def reason_of(exc: BaseException) -> str:
    """What happened, without the fix (the whole message for an error that is no `Refusal`)."""
    reason = getattr(exc, "reason", None)
    return str(exc) if reason is None else str(reason)


def fix_of(exc: BaseException) -> Fix | None:
    fix = getattr(exc, "fix", None)
    return fix if isinstance(fix, Fix) else None


class ServiceError(Refusal):
    """Base of every refusal a use case makes: what happened (`reason`) and how to fix it (`fix`)."""


class NotFound(ServiceError):
    """The plan, event, team or series named does not exist."""


class Invalid(ServiceError):
    """The input is malformed or breaks a rule of the plan; nothing was written."""


class Forbidden(ServiceError):
    """The acting user's role does not allow this change."""


class StaleVersion(ServiceError):
    """The edit was made against an older version of the plan; someone else changed it since.

    ``expected_version`` (the version the edit was made on) and ``current_version`` (the plan's
    version now) are there when the refusal is about the plan's version, for a script to read
    (the CLI's ``--json`` error carries them)."""

    def __init__(
        self,
        reason: str = "",
        fix: Fix | None = None,
        *,
        expected_version: int | None = None,
        current_version: int | None = None,
    ) -> None:
        super().__init__(reason, fix)
        self.expected_version = expected_version
        self.current_version = current_version

    @property
    def details(self) -> dict[str, int]:
        """The versions, as data: what a face shows besides the reason and the fix."""
        versions = {
            "expected_version": self.expected_version,
            "current_version": self.current_version,
        }
        return {name: version for name, version in versions.items() if version is not None}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_stale_version, (self.reason, self.fix, self.details))


def _stale_version(reason: str, fix: Fix | None, details: dict[str, int]) -> StaleVersion:
    return StaleVersion(reason, fix, **details)


class Locked(ServiceError):
    """The plan is published or agreed and therefore read-only; make a new version to change it."""


class WrongStage(Invalid):
    """The change does not fit the plan's stage now (e.g. assigning while the claiming round is
    open); the message says which step comes first. A refused edit (CLI exit code 3)."""


class Conflict(Invalid):
    """The change is well formed but conflicts with the plan as it stands (its last owner would
    leave, its name is taken ...); nothing was written. A refused edit (CLI exit code 3)."""


class Unavailable(ServiceError):
    """The database could not be reached or stayed busy; nothing was written, try again."""


__all__ = [
    "NEUTRAL_FIXES",
    "WEEKDAY_FIX",
    "Fix",
    "FixKey",
    "Refusal",
    "explain",
    "fix_of",
    "reason_of",
    "Conflict",
    "Forbidden",
    "Invalid",
    "Locked",
    "NotFound",
    "ServiceError",
    "StaleVersion",
    "Unavailable",
    "WrongStage",
]
