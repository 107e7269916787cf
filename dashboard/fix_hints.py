"""How to put a refusal right, in the dashboard's terms: what to do on which page.

The services and the domain say what went wrong and give a `Fix` (a key with parameters); this
module words each key for the pages, naming their buttons and fields, never a command or a flag
(the CLI words the same keys in ``forecast/cli/fix_hints.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forecast.services.errors import WEEKDAY_FIX, Fix, FixKey, explain, fix_of, reason_of
from forecast.services.like_notes import LikeFix, WordsOf

# the wording two fixes begin with (the longer one adds a way out); the weekday fixes begin
# with the services' WEEKDAY_FIX, which fits every face
_WHOLE_PERIODS = (
    "upload it once {which} complete, or, if {which} complete already (a day without rows had"
    " no sales), tick 'Whole periods' and drop the file again"
)

PAGE_FIXES: Mapping[FixKey, str] = {
    FixKey.ASK_FOR_LEAD: "ask the plan owner to make you lead of team {team} on the Plans page",
    FixKey.GRANT_LEAD: (
        "make a member lead of team {team} first: under Members on the Plans page, pick the "
        "account, the role lead and the team, then 'Add'"
    ),
    FixKey.ASK_TEAM_LEAD: "ask {leads}, the lead of team {team}, to claim for it",
    FixKey.ASK_TEAM_LEAD_TO_WITHDRAW: (
        "ask {leads}, the lead of team {team}, to withdraw its claim with 'Withdraw' on its card"
    ),
    FixKey.GRANT_ROLE: "the owner can grant it under Members on the Plans page",
    FixKey.CHOOSE_LEAD_TEAM: "pick the lead's team in 'Team (for a lead)' ({teams})",
    FixKey.SET_GOAL: "the owner sets it first with 'Set goal' on the Negotiation page",
    FixKey.CLOSE_ROUND: "the owner closes it first with 'Close round' on the Negotiation page",
    FixKey.REOPEN_ROUND: "the owner can reopen it with 'Reopen round' on the Negotiation page",
    FixKey.KEEP_OVERSUBSCRIPTION: (
        "choose 'keep them (plan above goal)' under 'If the claims exceed the gap', or ask the "
        "leads to change their claims"
    ),
    FixKey.MANUAL_AMOUNTS: "type an amount in the box of each team under the rule, then 'Assign'",
    FixKey.MANUAL_TOTAL: (
        "change the amounts in the teams' boxes under the rule so that they add up to it, then "
        "'Assign'"
    ),
    FixKey.ASSIGN_REMAINDER: (
        "pick a rule and press 'Assign' under '4 · Assign the remainder' before locking"
    ),
    FixKey.PUBLISH_FIRST: (
        "explain every deviation under 'Deviations that need a reason' on the System plan page "
        "and press 'Publish the system plan' there first"
    ),
    FixKey.NEW_VERSION: "use 'Make a new version' on the Plans page to change it",
    FixKey.DASK_SCHEDULER: (
        "this server fits its plans on that cluster: ask whoever runs the server to start it, "
        "then try again"
    ),
    FixKey.DASK_WORKERS: (
        "this server fits its plans on that cluster: ask whoever runs the server to start its "
        "workers, then try again"
    ),
    FixKey.CHOOSE_PLAN_NAME: (
        "type another plan name, or make a new version of that plan with 'Make a new version' "
        "on the Plans page, which keeps its name"
    ),
    FixKey.UNARCHIVE_PLAN: (
        "its owner or an admin can unarchive it first with 'Unarchive' on the Plans page "
        "(tick 'Show archived plans' to find it there)"
    ),
    FixKey.SET_ZERO: "choose the effect set with the value 0 to plan no sales",
    FixKey.GIVE_EFFECT: "choose an effect (percent, add, cap or set) and type its value",
    FixKey.GIVE_EFFECT_OR_SUGGESTION: (
        "choose an effect (percent, add, cap or set) and type its value, or leave the value "
        "empty to take the suggestion ({suggestion})"
    ),
    FixKey.GIVE_EFFECT_VALUE: "type the value next to the effect",
    FixKey.PERIOD_DATE: "pick the period from the list",
    FixKey.LIST_DEVIATIONS: "'Deviations that need a reason' on the System plan page lists them",
    FixKey.CHOOSE_DEVIATION: (
        "tick rows under 'Deviations that need a reason', or pick an event's deviations, then "
        "'Explain'"
    ),
    FixKey.EXPLAIN_DEVIATIONS: (
        "explain them under 'Deviations that need a reason' on the System plan page, then "
        "publish again"
    ),
    FixKey.TRUST_AS_ADMIN: (
        "an admin can import it with 'Trust a bundle exported by another installation' ticked"
    ),
    FixKey.TRUST_BUNDLE: (
        "import it only if you trust where it came from: an admin ticks 'Trust a bundle exported "
        "by another installation' on the Plans page (recorded in the audit log)"
    ),
    FixKey.EXPORT_BUNDLE: "export it again where it came from, with 'JSON bundle' on the Plans page",
    FixKey.SHORTEN_AT_SOURCE: (
        "shorten that text in the plan the bundle came from (the gist there, the details in a "
        "document it names), then export that plan again with 'JSON bundle' on its Plans page"
    ),
    FixKey.IMPORT_UNDER_NAME: (
        "type another name in 'Import under the name' on the Plans page and drop the bundle again"
    ),
    FixKey.ADD_OWNER: (
        "make another member owner first: under Members on the Plans page, pick the account "
        "and the role 'co-owner (goal, rule, lock, members)', then 'Add'"
    ),
    FixKey.NAME_USER: "sign in again",
    FixKey.ADD_ACCOUNT: "an admin adds the account {user} under Accounts on the Plans page",
    FixKey.LIST_ACCOUNTS: "Accounts on the Plans page lists them",
    FixKey.PICK_PLAN: (
        "pick one in the plan selector at the top of the dashboard (or create one on the Data page)"
    ),
    FixKey.LIST_PLANS: "the plan selector at the top of the dashboard lists the plans",
    FixKey.UPLOAD_ACTUALS: "upload them on the Actuals page",
    FixKey.ACTUALS_COLUMNS: "rename the file's columns to {columns}, as in the plan's sales "
    "file (or to unique_id, ds, y) and upload it again",
    FixKey.ACTUALS_SCALE: "check the file's unit and decimal mark: re-export it in the plan's "
    "unit, or choose the decimal mark ',' when '.' groups thousands (44.537 for 44537); if the "
    "numbers are right, tick 'The numbers are right' and drop the file again",
    FixKey.ACTUALS_DUPLICATES: "a repeated series and date in actuals is usually a correction: "
    "keep the one right row and upload again; if the rows are parts to add up (order lines, "
    "say), tick 'Sum rows of the same series and date' above and drop the file again",
    FixKey.ACTUALS_WHOLE_PERIODS: _WHOLE_PERIODS,
    FixKey.NAME_PLAN: "type a plan name",
    FixKey.GIVE_ATTRIBUTES: "drop a series attributes file (e.g. a store table) on the Data page",
    FixKey.REPLAY_AT_LEAST_ONE: "set Cycles and Periods per cycle to 1 or more",
    FixKey.SHORTEN_REPLAY: "lower Cycles or Periods per cycle",
    FixKey.RELOAD_PLAN: "reload the page to see the plan as it is now and make your change again",
    # The sales file reader's, as the fields under Column mapping on the Data page:
    FixKey.DATE_COLUMN_OF_FILE: "pick one of the columns in the file in “Date”: {columns}",
    FixKey.VALUE_COLUMN_OF_FILE: "pick one of the columns in the file in “Value (sales)”: "
    "{columns}",
    FixKey.ID_COLUMN_OF_FILE: "pick one of the columns in the file in “Series key”: {columns}",
    FixKey.NAME_DATE_COLUMN: "pick the date column in “Date”; the columns are: {columns}",
    FixKey.NAME_VALUE_COLUMN: "pick the sales column in “Value (sales)”; the columns are: "
    "{columns}",
    FixKey.DISTINCT_COLUMNS: "give “Date”, “Value (sales)” and “Series key” different columns",
    FixKey.NAME_FREQ: "choose the “Frequency” (day, week, month or quarter)",
    FixKey.COARSER_FREQ: "choose a coarser “Frequency” (week or month), or check the dates for "
    "typos",
    FixKey.DECIMAL_MARK: "if the '.' groups thousands (as in files with ';' between columns), "
    "choose ',' as the Decimal mark; if it is a decimal point, choose '.'; or re-export the file "
    "with plain numbers (44537, or 44.5370 for a decimal point)",
    FixKey.SUM_DUPLICATES: "remove the duplicate row and upload the file again",
    FixKey.OTHER_VALUE_COLUMN: "pick another in “Value (sales)”",
    FixKey.SPLIT_SERIES: "pick the key columns in “Series key” to split it",
    FixKey.COARSER_CALENDAR: "“Frequency” {period}",
    # Actuals dated by another weekday than the plan's weeks, as the Actuals page's Week dates:
    FixKey.ACTUALS_ONE_DAY: "if it is one day's sales, choose Week dates: the week's first day, "
    "and drop the file again; if it is a week's, date it by the {last} the week ends on",
    FixKey.ACTUALS_WEEKDAY: WEEKDAY_FIX,
    FixKey.ACTUALS_WEEKDAY_OR_END: WEEKDAY_FIX
    + "; if each date is the {last} that ends a {first}-to-{last} week, choose Week dates: the "
    "week's last day, and drop the file again",
    FixKey.ACTUALS_WEEK_ENDING: _WHOLE_PERIODS
    + "; if {date} dates a whole week's sales by its last day, choose Week dates: the week's "
    "last day, and drop the file again",
}


PAGE_LIKE_FIXES: WordsOf = {
    LikeFix.EXPLAIN_AGAIN: lambda f: (
        "explain them again under 'Deviations that need a reason' on the System plan page"
    ),
    LikeFix.MARK_FACTORS_AGAIN: lambda f: (
        "mark them again with 'Mark and re-forecast' on the System plan page"
    ),
    LikeFix.SET_GOAL_AGAIN: lambda f: (
        f"set the goal{' per period' * bool(f['per_period'])} {f['against']} with 'Set goal' on "
        "the Negotiation page"
    ),
    LikeFix.UPLOAD_ACTUALS: lambda f: "upload the new periods' actuals on the Actuals page",
    LikeFix.NAME_LEAD: lambda f: "name one under Members on the Plans page",
    LikeFix.TAKE_SUGGESTION: lambda f: (
        f"empty the value of event {f['event_id']} in the events table on the System plan page "
        f"to take the one for {f['days']}"
    ),
    LikeFix.ADD_EVENT_AGAIN: lambda f: (
        "add it to the new plan again as it fits there under 'Add an event' on the System plan page"
    ),
}
"""How to put back what a plan made like another does not take (``plan_like.LikeNote``), as
the pages and their buttons; the CLI words the same keys (``forecast.cli.fix_hints.LIKE_FIXES``)."""


def page_text(reason: str, fix: Fix | None) -> str:
    """A reason and its fix in the pages' words."""
    return explain(reason, fix, PAGE_FIXES)


def page_message(exc: BaseException) -> str:
    """An error's reason and its fix in the pages' words (the message as is for other errors)."""
    return page_text(reason_of(exc), fix_of(exc))


def page_fix(problem: Any) -> str:
    """A file problem's fix in the pages' words: its key's where it has one (a repeated row of
    actuals: the box to tick; the reader's: the field under Column mapping, not the command
    line's option), else as worded."""
    fix_in = getattr(problem, "fix_in", None)
    return str(fix_in(PAGE_FIXES) if fix_in is not None else problem.fix)
