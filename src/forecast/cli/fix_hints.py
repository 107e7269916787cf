"""How to put a refusal right, in the command line's terms: the command and the flags to use.

The services and the domain say what went wrong and give a `Fix` (a key with parameters); this
module words each key for the CLI. The dashboard words the same keys for its pages
(``dashboard/fix_hints.py``). Parameters a refusal did not know show as their names in capitals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forecast.services.errors import WEEKDAY_FIX, FixKey, explain, fix_of, reason_of
from forecast.services.like_notes import LikeFix, WordsOf

# the wording two fixes begin with (the longer one adds a way out); the weekday fixes begin
# with the services' WEEKDAY_FIX, which fits every face
_WHOLE_PERIODS = (
    "upload it once {which} complete, or, if {which} complete already (a day without rows had"
    " no sales), run `forecast plan actuals {plan} FILE --whole-periods`"
)

CLI_FIXES: Mapping[FixKey, str] = {
    FixKey.ASK_FOR_LEAD: (
        "ask the plan owner to make you its lead with "
        "`forecast plan grant {plan} {user} --role lead --team {team}`"
    ),
    FixKey.GRANT_LEAD: "grant a lead with `forecast plan grant {plan} USER --role lead --team {team}`",
    FixKey.ASK_TEAM_LEAD: (
        "ask {leads}, the lead of team {team}, to claim for it "
        "(`forecast plan claim {plan} --team {team} --amount AMOUNT --note ...`)"
    ),
    FixKey.ASK_TEAM_LEAD_TO_WITHDRAW: (
        "ask {leads}, the lead of team {team}, to withdraw its claim "
        "(`forecast plan unclaim {plan} --team {team}`)"
    ),
    FixKey.GRANT_ROLE: (
        "the owner can grant it with `forecast plan grant {plan} {user} --role {role}`"
    ),
    FixKey.CHOOSE_LEAD_TEAM: "add --team with one of {teams}",
    FixKey.SET_GOAL: "the owner sets it with `forecast plan goal {plan} --total X` (or --ratio R)",
    FixKey.CLOSE_ROUND: "the owner closes it with `forecast plan close-round {plan}`",
    FixKey.REOPEN_ROUND: "the owner can reopen it with `forecast plan reopen-round {plan}`",
    FixKey.KEEP_OVERSUBSCRIPTION: (
        "keep them (--oversubscribed keep) or ask the leads to change their claims"
    ),
    FixKey.MANUAL_AMOUNTS: "give one --manual TEAM=AMOUNT per team",
    FixKey.MANUAL_TOTAL: "change the --manual TEAM=AMOUNT values so that they add up to it",
    FixKey.ASSIGN_REMAINDER: "assign it before locking (`forecast plan assign {plan} --rule RULE`)",
    FixKey.PUBLISH_FIRST: (
        "publish it first with `forecast plan publish {plan}`, once every deviation above the "
        "threshold is explained (`forecast plan deviations {plan}` lists them)"
    ),
    FixKey.NEW_VERSION: "make a new version with `forecast plan new-version {plan}`",
    FixKey.DASK_SCHEDULER: (
        "start its scheduler with `dask scheduler` and a worker with `dask worker {address}`, "
        "or drop --scheduler (and unset FORECAST_DASK_SCHEDULER) to fit on this machine"
    ),
    FixKey.DASK_WORKERS: (
        "start a worker with `dask worker {address}` (on any machine that reaches the "
        "scheduler), or drop --scheduler (and unset FORECAST_DASK_SCHEDULER) to fit on this "
        "machine"
    ),
    FixKey.CHOOSE_PLAN_NAME: (
        "choose another --name (for a longer sales file, `forecast plan create FILE --name NEW "
        "--like {plan}` takes that plan's settings, members and events), or make a new version "
        "of it with `forecast plan new-version {plan}`, which keeps its name"
    ),
    FixKey.UNARCHIVE_PLAN: (
        "its owner or an admin can unarchive it first with `forecast plan unarchive {plan}`"
    ),
    FixKey.SET_ZERO: "use --set 0 to plan no sales",
    FixKey.GIVE_EFFECT: "use --percent, --add, --cap or --set with a value",
    FixKey.GIVE_EFFECT_OR_SUGGESTION: (
        "use --percent, --add, --cap or --set with a value, or --use-suggestion ({suggestion})"
    ),
    FixKey.GIVE_EFFECT_VALUE: "give its value too (e.g. --percent 15)",
    FixKey.PERIOD_DATE: "give --ds as YYYY-MM-DD",
    FixKey.LIST_DEVIATIONS: "`forecast plan deviations {plan}` lists them",
    FixKey.CHOOSE_DEVIATION: "give --series ID or --team T, and --ds DATE (or --all-for-event EVENT_ID)",
    FixKey.EXPLAIN_DEVIATIONS: (
        "explain them with `forecast plan explain {plan} ...` (e.g. --all-for-event EVENT_ID) "
        "and publish again"
    ),
    FixKey.TRUST_AS_ADMIN: "an admin can import it with --trust",
    FixKey.TRUST_BUNDLE: (
        "import it only if you trust where it came from, with `forecast plan import FILE "
        "--trust` (an admin's choice, recorded in the audit log)"
    ),
    FixKey.EXPORT_BUNDLE: "export it again where it came from, with `forecast plan export PLAN --format json`",
    FixKey.SHORTEN_AT_SOURCE: (
        "shorten that text in the plan the bundle came from (the gist there, the details in a "
        "document it names), then export that plan again with "
        "`forecast plan export PLAN --format json`"
    ),
    FixKey.IMPORT_UNDER_NAME: "import it under another name with `forecast plan import FILE --name NEW_NAME`",
    FixKey.ADD_OWNER: (
        "make someone else owner first with `forecast plan grant {plan} USER --role owner`"
    ),
    FixKey.NAME_USER: "pass --as USER or set FORECAST_USER",
    FixKey.ADD_ACCOUNT: (
        "add it with `forecast user add {user}` or pass --as with one of `forecast user list`"
    ),
    FixKey.LIST_ACCOUNTS: "`forecast user list` shows them",
    FixKey.PICK_PLAN: "give a plan id; `forecast plan list` shows them",
    FixKey.LIST_PLANS: "`forecast plan list` shows the plans",
    FixKey.UPLOAD_ACTUALS: "upload them with `forecast plan actuals {plan} FILE`",
    FixKey.ACTUALS_COLUMNS: "rename the file's columns to {columns} (or unique_id, ds, y) and "
    "run `forecast plan actuals {plan} FILE` again",
    FixKey.ACTUALS_SCALE: "check the file's unit and decimal mark: re-export it in the plan's "
    "unit, or pass --decimal , when '.' groups thousands (44.537 for 44537); if the numbers are "
    "right, run `forecast plan actuals {plan} FILE --confirm-scale`",
    FixKey.ACTUALS_DUPLICATES: "a repeated series and date in actuals is usually a correction: "
    "keep the one right row and upload again; if the rows are parts to add up, sum them "
    "(--duplicates sum)",
    FixKey.ACTUALS_WHOLE_PERIODS: _WHOLE_PERIODS,
    FixKey.NAME_PLAN: "pass --name",
    FixKey.GIVE_ATTRIBUTES: "give an attributes file with --attributes",
    FixKey.REPLAY_AT_LEAST_ONE: "give --cycles and --horizon of at least 1",
    FixKey.SHORTEN_REPLAY: "lower --cycles or --horizon",
    FixKey.RELOAD_PLAN: (
        "look at the plan again (`forecast plan show {plan}`) and make your change again with "
        "--expected-version {version}"
    ),
    FixKey.DATE_COLUMN_OF_FILE: "pass --date-col with one of the columns in the file: {columns}",
    FixKey.VALUE_COLUMN_OF_FILE: "pass --value-col with one of the columns in the file: {columns}",
    FixKey.ID_COLUMN_OF_FILE: "pass --id-col with one of the columns in the file: {columns}",
    FixKey.NAME_DATE_COLUMN: "pass --date-col with the date column; the columns are: {columns}",
    FixKey.NAME_VALUE_COLUMN: "pass --value-col with the sales column; the columns are: {columns}",
    FixKey.DISTINCT_COLUMNS: "give each of --date-col, --value-col and --id-col a different column",
    FixKey.NAME_FREQ: "pass --freq D, W, M or Q",
    FixKey.COARSER_FREQ: "pass a coarser --freq (W or M), or check the dates for typos",
    FixKey.DECIMAL_MARK: "if the '.' groups thousands (as in files with ';' between columns), "
    "read the file with the decimal mark ',' (--decimal ,); if it is a decimal point, with the "
    "decimal mark '.'; or re-export the file with plain numbers (44537, or 44.5370 for a "
    "decimal point)",
    FixKey.SUM_DUPLICATES: "remove the duplicate row, or let ingest sum duplicates "
    "(--duplicates sum)",
    FixKey.OTHER_VALUE_COLUMN: "pass --value-col to choose another",
    FixKey.SPLIT_SERIES: "pass --id-col to split",
    FixKey.COARSER_CALENDAR: "--freq {freq}",
    FixKey.ACTUALS_ONE_DAY: "if it is one day's sales, read it with week dates 'start' "
    "(--week-dates start); if it is a week's, date it by the {last} the week ends on",
    FixKey.ACTUALS_WEEKDAY: WEEKDAY_FIX,
    FixKey.ACTUALS_WEEKDAY_OR_END: WEEKDAY_FIX
    + "; if each date is the {last} that ends a {first}-to-{last} week, read it as week ending "
    "(--week-dates end)",
    FixKey.ACTUALS_WEEK_ENDING: _WHOLE_PERIODS
    + "; if {date} dates a whole week's sales by its last day, read the file as week ending "
    "(--week-dates end)",
}


def _goal_options(facts: Mapping[str, Any]) -> str:
    """The options of `forecast plan goal` that set the goal again as the earlier plan had it."""
    ratio = facts["ratio"]
    how = (
        "--per-period FILE" if facts["per_period"] else f"--ratio {ratio}" if ratio else "--total X"
    )
    how += f" --basis {facts['basis']}" * (facts["basis"] != "baseline")
    how += f" --spread-by {facts['spread_by']}" * (facts["spread_by"] != "system_plan")
    return how


LIKE_FIXES: WordsOf = {
    LikeFix.EXPLAIN_AGAIN: lambda f: (
        f"see them with `forecast plan deviations {f['plan']}` and explain them again"
    ),
    LikeFix.MARK_FACTORS_AGAIN: lambda f: (
        f"mark them again with `forecast plan mark-factor {f['plan']} ...`"
    ),
    LikeFix.SET_GOAL_AGAIN: lambda f: (
        f"set the goal{' per period' * bool(f['per_period'])} {f['against']} with "
        f"`forecast plan goal {f['plan']} {_goal_options(f)}`"
    ),
    LikeFix.UPLOAD_ACTUALS: lambda f: (
        f"upload the new periods' actuals with `forecast plan actuals {f['plan']} FILE`"
    ),
    LikeFix.NAME_LEAD: lambda f: (
        f"name one with `forecast plan grant {f['plan']} USER --role lead --team {f['team']}`"
    ),
    LikeFix.TAKE_SUGGESTION: lambda f: (
        f"`forecast plan event edit {f['plan']} {f['event_id']} --use-suggestion` takes the one "
        f"for {f['days']}"
    ),
    LikeFix.ADD_EVENT_AGAIN: lambda f: (
        f"add it to the new plan again as it fits there: `forecast plan event add {f['plan']} ...`"
    ),
}
"""How to put back what a plan made like another does not take (``plan_like.LikeNote``), as
commands; the Data page words the same keys (``dashboard.fix_hints.PAGE_LIKE_FIXES``)."""


def cli_message(exc: BaseException) -> str:
    """The error's reason and its fix in the CLI's words (the message as is for other errors)."""
    return explain(reason_of(exc), fix_of(exc), CLI_FIXES)
