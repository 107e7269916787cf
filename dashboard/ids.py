"""Component ids, as prefixed constants: `nav-` for the shell, one prefix per page.

Pattern-matching ids (per-team widgets) are dicts built by the helpers at the bottom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dash.dependencies import Wildcard

# -- shell (app.py) -------------------------------------------------------------------------
NAV_URL = "nav-url"
NAV_PLAN = "nav-plan"
NAV_ROLE = "nav-role"  # who is signed in and their role in the current plan
NAV_SIGN_OUT = "nav-sign-out"
NAV_PASSWORD = "nav-password"  # link to the change-your-password page
NAV_SESSION = "nav-session"  # dcc.Store (session storage): {"plan_id": str|None, "plan_name"}
NAV_PLANS_CHANGED = "nav-plans-changed"  # dcc.Store bumped when a plan is created or versioned
NAV_OFFLINE = "nav-offline"  # notice shown by forecast.js while the server cannot be reached
# Notice shown by forecast.js when the server refused a callback: the sign-in ended, or the plan
# the page shows is no longer the person's to see; its text, and the way on (sign in, reload).
NAV_REFUSED = "nav-refused"
NAV_REFUSED_TEXT = "nav-refused-text"
NAV_REFUSED_SIGN_IN = "nav-refused-sign-in"  # link to the sign-in page, back to this page after
NAV_REFUSED_RELOAD = "nav-refused-reload"  # link that reloads the page (the picker: your plans)
NAV_PLAN_NOTE = "nav-plan-note"  # by the plan picker: the plan this tab had open is lost
# Above every page: the negotiation rests on an older basis than the current system plan
# (dashboard/drift_notice.py); the owner's link to the Negotiation page's Rebase in it.
NAV_DRIFT = "nav-drift"
NAV_DRIFT_REBASE = "nav-drift-rebase"
NAV_PLAN_EDITED = "nav-plan-edited"  # dcc.Store bumped when a page moved the plan's basis
# The shell's callbacks that read the session's plan only to compare it with the plans the
# person may see (the picker, who is signed in, the note above): they run when the session names
# a plan the person lost, so that the picker offers the others and says what happened.
SESSION_PLAN_COMPARED_ONLY = frozenset(
    {
        f"..{NAV_PLAN}.options...{NAV_PLAN}.value..",
        f"..{NAV_SESSION}.data...{NAV_ROLE}.children..",
        f"{NAV_PLAN_NOTE}.children",
    }
)

# -- page 1: data (parts in dashboard/data_parts/) ------------------------------------------
DATA_UPLOAD = "data-upload"
DATA_UPLOAD_STATUS = "data-upload-status"
DATA_UPLOAD_TOO_BIG = "data-upload-too-big"  # also written by assets/forecast.js (checkUpload)
DATA_RAW = (
    "data-raw"  # dcc.Store: {"filename", "contents"} set in the browser once the size is checked
)
DATA_FILE = "data-file"  # dcc.Store: {"token", "filename", ...}: the upload as kept on the server
DATA_FILE_READ = "data-file-read"  # dcc.Store: whether the file (as mapped) read without problems
DATA_LIMIT = "data-limit"  # dcc.Store: the upload size limit in bytes
DATA_USE_SAMPLE = "data-use-sample"
DATA_ATTR_UPLOAD = "data-attr-upload"  # the store table (series attributes), read at once
DATA_ATTR_STATUS = "data-attr-status"
DATA_ATTR_TOO_BIG = "data-attr-too-big"
DATA_ATTR_FILE = "data-attr-file"  # dcc.Store: {"token"} of the uploaded attributes file
DATA_MAP_ID = "data-map-id"
DATA_MAP_DATE = "data-map-date"
DATA_MAP_VALUE = "data-map-value"  # picking it reads the file again at once
DATA_MAP_FREQ = "data-map-freq"
DATA_APPLY_MAPPING = "data-apply-mapping"
DATA_REPORT = "data-report"
DATA_REPORT_OK = "data-report-ok"
DATA_REPORT_PROBLEMS = "data-report-problems"
DATA_ASK_VALUE = "data-ask-value"  # the report's question: which column holds the sales?
DATA_STORE_TABLE_HINT = "data-store-table-hint"
DATA_PROBLEMS_GRID = "data-problems-grid"
DATA_SUMMARY_CHART = "data-summary-chart"
DATA_PREVIEW_BOX = "data-preview-box"
DATA_PREVIEW = "data-preview"  # the grid of the first rows, inside DATA_PREVIEW_BOX
DATA_PLAN_NAME = "data-plan-name"
DATA_LIKE = "data-like"  # the plan to make the new one like (its id), or nothing
DATA_LIKE_HINT = "data-like-hint"  # what the form took from that plan
DATA_HORIZON = "data-horizon"
DATA_HORIZON_OFFERED = "data-horizon-offered"  # dcc.Store: the horizon the page last offered
DATA_TEAM_ATTR = "data-team-attr"
DATA_MODEL = "data-model"
DATA_CURRENCY = "data-currency"
DATA_CURRENCY_SET = "data-currency-set"  # dcc.Store: the currency the page itself put in the form
DATA_CURRENCY_SIGN = "data-currency-sign"  # dcc.Store: the currency sign on the file's amounts
DATA_CURRENCY_HINT = "data-currency-hint"  # which currency the sign suggested, and how sure
DATA_MAP_WEEK_DATES = "data-map-week-dates"
DATA_MAP_WEEK_DATES_AREA = "data-map-week-dates-area"
DATA_MAP_DECIMAL = "data-map-decimal"
DATA_CREATE = "data-create"
DATA_CREATE_HINT = "data-create-hint"  # what is missing before a plan can be created
DATA_CANCEL = "data-cancel"
DATA_PROGRESS = "data-progress"
DATA_PROGRESS_TEXT = "data-progress-text"
DATA_CREATE_RESULT = "data-create-result"
DATA_CREATED = "data-created"  # the plan the job made: {"plan_id": ...}
DATA_CREATE_OK = "data-create-ok"
DATA_FALLBACKS = "data-fallbacks"  # inside DATA_CREATE_OK: the series a fallback served
DATA_LIKE_REPORT = "data-like-report"  # inside DATA_CREATE_OK: what a plan made like another took

# -- page 2: system plan --------------------------------------------------------------------
SYS_ALERT = "sys-alert"
SYS_REFRESH = "sys-refresh"  # dcc.Store: a counter edits bump to make the page re-render
SYS_PLANS_CHANGED = "sys-plans-changed"  # dcc.Store: bumped by Publish, passed on to the shell
SYS_VERSION = "sys-version"  # dcc.Store: the plan version the page shows (sent with every edit)
SYS_RULE = "sys-rule"
SYS_ROLE_EVENTS = "sys-role-events"
SYS_ROLE_EXPLAIN = "sys-role-explain"
SYS_ROLE_PUBLISH = "sys-role-publish"
SYS_EXPLAIN_EVENT = "sys-explain-event"
SYS_LEVEL = "sys-level"
SYS_DRILL = "sys-drill"
SYS_FAN = "sys-fan"
SYS_FAN_MODELS = "sys-fan-models"
SYS_TOTALS = "sys-totals"
SYS_TEAM_GRID = "sys-team-grid"
SYS_EVENTS_GRID = "sys-events-grid"
SYS_EVENT_NAME = "sys-event-name"
SYS_EVENT_KIND = "sys-event-kind"
SYS_EVENT_SCOPE = "sys-event-scope"
SYS_EVENT_START = "sys-event-start"
SYS_EVENT_END = "sys-event-end"
SYS_EVENT_EFFECT = "sys-event-effect"
SYS_EVENT_VALUE = "sys-event-value"
SYS_EVENT_REASON = "sys-event-reason"
SYS_EVENT_SUGGESTION = "sys-event-suggestion"
SYS_EVENT_ADD = "sys-event-add"
SYS_EVENT_REMOVE = "sys-event-remove"
SYS_EVENTS_UPLOAD = "sys-events-upload"
SYS_EVENTS_SHIFT = "sys-events-shift"  # move the file's dates by (52w, 1y) before checking
SYS_EVENTS_FILE_ALERT = "sys-events-file-alert"  # what the import did, under the drop zone
SYS_EVENTS_DOWNLOAD_CSV = "sys-events-download-csv"  # the button
SYS_EVENTS_DOWNLOAD_XLSX = "sys-events-download-xlsx"  # the button of a workbook
SYS_EVENTS_DOWNLOAD = "sys-events-download"  # its dcc.Download
SYS_DEVIATIONS_GRID = "sys-deviations-grid"
SYS_EXPLAIN_CODE = "sys-explain-code"
SYS_EXPLAIN_TEXT = "sys-explain-text"
SYS_EXPLAIN = "sys-explain"
SYS_PUBLISH = "sys-publish"
SYS_GATE = "sys-gate"
SYS_THRESHOLD = "sys-threshold"
SYS_THRESHOLD_SET = "sys-threshold-set"
SYS_ROLE_THRESHOLD = "sys-role-threshold"
SYS_FACTOR_NAME = "sys-factor-name"
SYS_FACTOR_SCOPE = "sys-factor-scope"
SYS_FACTOR_START = "sys-factor-start"
SYS_FACTOR_PERIOD = "sys-factor-period"
SYS_FACTOR_DAY_AREA = "sys-factor-day-area"
SYS_FACTOR_PERIOD_AREA = "sys-factor-period-area"
SYS_FACTOR_MARK = "sys-factor-mark"
SYS_FACTOR_ALERT = "sys-factor-alert"
SYS_FACTORS_GRID = "sys-factors-grid"
SYS_ROLE_FACTOR = "sys-role-factor"

# -- page 3: negotiation --------------------------------------------------------------------
NEG_ALERT = "neg-alert"
NEG_REFRESH = "neg-refresh"
NEG_PLANS_CHANGED = "neg-plans-changed"  # dcc.Store: bumped by Lock, passed on to the shell
NEG_VERSION = "neg-version"
NEG_CARDS = "neg-cards"
NEG_EXCLUDE = "neg-exclude"
NEG_MANUAL = "neg-manual"
NEG_ROLE_OWNER = "neg-role-owner"
NEG_STAGE = "neg-stage"
NEG_GOAL = "neg-goal"
NEG_GOAL_BASIS = "neg-goal-basis"
NEG_SET_GOAL = "neg-set-goal"
NEG_SPLIT = "neg-split"
NEG_PERIOD_BOX = "neg-period-box"
NEG_PERIOD_GRID = "neg-period-grid"
NEG_WATERFALL = "neg-waterfall"
NEG_BOARD = "neg-board"
NEG_CLOSE = "neg-close"
NEG_REOPEN = "neg-reopen"
NEG_OVERSUB = "neg-oversub"
NEG_RULE = "neg-rule"
NEG_ASSIGN = "neg-assign"
NEG_LOCK = "neg-lock"
NEG_LEDGER = "neg-ledger"
NEG_REBASE = "neg-rebase"
NEG_DRIFT = "neg-drift"
NEG_POLL = "neg-poll"
NEG_CHANGED = "neg-changed"
NEG_CHANGED_BOX = "neg-changed-box"
NEG_SHOW_CHANGES = "neg-show-changes"
NEG_KEPT_TYPING = "neg-kept-typing"  # dcc.Store: a refused claim's typing, kept for the re-render
NEG_KEPT_MANUAL = "neg-kept-manual"  # dcc.Store: a refused manual assignment's typing, alike
NEG_CLAIM_CLICKED = "neg-claim-clicked"  # dcc.Store: the card's Save claim or Withdraw clicked
# pattern-matching types (one widget per team)
NEG_CLAIM_AMOUNT = "neg-claim-amount"
NEG_CLAIM_NOTE = "neg-claim-note"
NEG_CLAIM_SAVE = "neg-claim-save"
NEG_CLAIM_WITHDRAW = "neg-claim-withdraw"
NEG_MANUAL_AMOUNT = "neg-manual-amount"

# -- page 4: side by side -------------------------------------------------------------------
SBS_ALERT = "sbs-alert"
SBS_PARTS = "sbs-parts"  # everything that compares: hidden before a goal
SBS_TOTALS = "sbs-totals"
SBS_TEAM_BARS = "sbs-team-bars"
SBS_TEAM_PICK = "sbs-team-pick"
SBS_PERIOD_LINES = "sbs-period-lines"
SBS_DIFF_GRID = "sbs-diff-grid"
SBS_STRETCH = "sbs-stretch"
SBS_STRETCH_NOTE = "sbs-stretch-note"  # what the stretch probabilities rest on

# -- page 5: plans --------------------------------------------------------------------------
PLANS_ALERT = "plans-alert"
PLANS_REFRESH = "plans-refresh"
# dcc.Stores passed on to the shell (`relay.select`): the plan list changed (a counter), and the
# session with the plan the page picked (a click in the list, a new version, an import)
PLANS_CHANGED = "plans-changed"
PLANS_PICKED = "plans-picked"
PLANS_ROLE_NOTE = "plans-role-note"
PLANS_DOWNLOAD_STATUS = "plans-download-status"
PLANS_DOWNLOAD_OF = "plans-download-of"  # names the plan the buttons download
PLANS_GRID = "plans-grid"
PLANS_AUDIT_GRID = "plans-audit-grid"
PLANS_NEW_VERSION = "plans-new-version"
PLANS_SHOW_ARCHIVED = "plans-show-archived"  # the plan list shows archived plans too
PLANS_ARCHIVE = "plans-archive"  # Archive / Unarchive the selected plan
PLANS_ARCHIVE_NOTE = "plans-archive-note"
PLANS_IMPORT = "plans-import"
PLANS_IMPORT_TRUST = "plans-import-trust"
PLANS_IMPORT_NAME = "plans-import-name"
PLANS_DOWNLOAD_CSV = "plans-download-csv"
PLANS_DOWNLOAD_XLSX = "plans-download-xlsx"
PLANS_DOWNLOAD_CSV_EXCEL = "plans-download-csv-excel"
PLANS_DOWNLOAD_JSON = "plans-download-json"
PLANS_DOWNLOAD = "plans-download"
# dcc.Stores of the page's Members and Accounts sections (`pages/plans_members`,
# `pages/plans_accounts`): bumped by every change (the table is drawn anew), and the button of
# a row clicked, its id with "clicks" (`relay.clicked`)
PLANS_MEMBERS_REFRESH = "plans-members-refresh"
PLANS_MEMBERS_REMOVE_CLICKED = "plans-members-remove-clicked"
PLANS_ACCOUNTS_REFRESH = "plans-accounts-refresh"
PLANS_ACCOUNTS_SWITCH_CLICKED = "plans-accounts-switch-clicked"
PLANS_ACCOUNTS_ADMIN_SWITCH_CLICKED = "plans-accounts-admin-switch-clicked"

# -- page 6: actuals ------------------------------------------------------------------------
ACTUALS_UPLOAD = "actuals-upload"
ACTUALS_ALERT = "actuals-alert"
ACTUALS_DECIMAL = "actuals-decimal"  # radio: the file's decimal mark (detected, '.' or ',')
ACTUALS_WEEK_DATES = "actuals-week-dates"  # radio: week dates (as the plan, start, end)
ACTUALS_WEEK_DATES_AREA = "actuals-week-dates-area"  # its label and radio (weekly plans only)
ACTUALS_SUM_DUPLICATES = "actuals-sum-duplicates"  # checkbox: sum repeated rows (else refused)
ACTUALS_CONFIRM_SCALE = "actuals-confirm-scale"  # checkbox: keep actuals far off the plan's scale
ACTUALS_WHOLE_PERIODS = "actuals-whole-periods"  # checkbox: a day without rows had no sales
ACTUALS_ROLE = "actuals-role"  # why the signed-in user may not keep actuals (if so)
ACTUALS_VERDICT = "actuals-verdict"
ACTUALS_FIGURE = "actuals-figure"
ACTUALS_GRID = "actuals-grid"
ACTUALS_SCORED_NOTE = "actuals-scored-note"
ACTUALS_VERSIONS = "actuals-versions"  # grid: the plan's kept actuals uploads
ACTUALS_RESTORE_VERSION = "actuals-restore-version"  # dropdown: an earlier version to go back to
ACTUALS_RESTORE = "actuals-restore"  # button: make that version the one in force
ACTUALS_RESTORE_ROW = "actuals-restore-row"  # shown once there is an earlier version

# -- page 7: accuracy (forecast value added, track record, replay) ---------------------------
ACC_ALERT = "acc-alert"
ACC_SCORED_PLANS = "acc-scored-plans"  # plans with actuals, when the selected one has none
ACC_OPEN_PLAN = "acc-open-plan"  # pattern-matching type of its buttons: {"type", "plan"}
ACC_OPENED = "acc-opened"  # dcc.Store beside them: the plan a button opened, for the plan picker
ACC_SCORED_ON = "acc-scored-on"
ACC_SCORED_PARTS = "acc-scored-parts"  # the waterfall, layers and touches: hidden without actuals
ACC_WATERFALL = "acc-waterfall"
ACC_LAYERS_GRID = "acc-layers-grid"
ACC_LAYER_SCOPE = "acc-layer-scope"
ACC_TOUCHES_GRID = "acc-touches-grid"
ACC_TRACK_CHART = "acc-track-chart"
ACC_TRACK_GRID = "acc-track-grid"
ACC_TRACK_TEAM = "acc-track-team"
ACC_DOWNLOAD = "acc-download"
ACC_DOWNLOAD_LAYERS = "acc-download-layers"
ACC_DOWNLOAD_TOUCHES = "acc-download-touches"
ACC_DOWNLOAD_TRACK = "acc-download-track"
ACC_DOWNLOAD_XLSX = "acc-download-xlsx"
ACC_DOWNLOAD_STATUS = "acc-download-status"
ACC_ACTUALS_VERSION = "acc-actuals-version"  # store: the actuals version the page shows
REPLAY_CYCLES = "replay-cycles"
REPLAY_HORIZON = "replay-horizon"
REPLAY_RATIO = "replay-ratio"
REPLAY_RULE = "replay-rule"
REPLAY_MODEL = "replay-model"
REPLAY_RUN = "replay-run"
REPLAY_PROGRESS = "replay-progress"
REPLAY_PROGRESS_TEXT = "replay-progress-text"
REPLAY_ALERT = "replay-alert"
REPLAY_SUMMARY = "replay-summary"
REPLAY_FIGURE = "replay-figure"
REPLAY_GRID = "replay-grid"


def team_widget(kind: str, team: str | Wildcard) -> dict[str, str | Wildcard]:
    """A pattern-matching id for the per-team widget `kind` of `team` (or of `ALL` teams)."""
    return {"type": kind, "team": team}


# System plan page: removing an event asks first and can be undone
SYS_REMOVE_DIALOG = "sys-remove-dialog"
SYS_REMOVE_QUESTION = "sys-remove-question"
SYS_REMOVE_CONFIRM = "sys-remove-confirm"
SYS_REMOVE_CANCEL = "sys-remove-cancel"
SYS_REMOVED = "sys-removed"  # dcc.Store: the event this page last removed, and the version made
SYS_UNDO_AREA = "sys-undo-area"
SYS_UNDO = "sys-undo"

# What a browser sends for the fields a person fills in, checked before any callback runs
# (`auth._values_as_the_page_sends_them`): anything else did not come from the page and gets 400,
# not a callback's error. Per-team widgets by their pattern's type; tests/unit/test_server_hardening
# checks every such component of the dashboard is named here.
#
# The boxes a person types into (dbc.Input, text or number): text or nothing; a number too for the
# boxes of type "number" (NUMBER_FIELDS). A text box sent a number (the goal as 60000000) or a
# list (an event name) did not come from the page.
TEXT_FIELDS = frozenset(
    {
        DATA_PLAN_NAME,
        DATA_HORIZON,
        NEG_GOAL,
        NEG_CLAIM_AMOUNT,
        NEG_CLAIM_NOTE,
        NEG_MANUAL_AMOUNT,
        SYS_EVENT_NAME,
        SYS_EVENT_SCOPE,
        SYS_EVENT_VALUE,
        SYS_EVENT_REASON,
        SYS_EVENTS_SHIFT,
        SYS_THRESHOLD,
        SYS_FACTOR_NAME,
        SYS_FACTOR_SCOPE,
        SYS_FACTOR_START,
        SYS_EXPLAIN_TEXT,
        REPLAY_CYCLES,
        REPLAY_HORIZON,
        REPLAY_RATIO,
        PLANS_IMPORT_NAME,
        "plans-accounts-name",
        "plans-accounts-display",
        "plans-accounts-rename-name",
        "plans-accounts-rename-display",
        "plans-accounts-password",
        "plans-accounts-reset-name",
        "plans-accounts-reset-password",
    }
)

NUMBER_FIELDS = frozenset(
    {DATA_HORIZON, SYS_THRESHOLD, REPLAY_CYCLES, REPLAY_HORIZON}
)  # the TEXT_FIELDS of type "number"

# One choice (dcc.Dropdown, dbc.RadioItems): an option's value or nothing. Their options' values
# are text (plan ids, column and team names, codes, dates), but for NUMBER_CHOICE_FIELDS: a number
# sent for one of the others did not come from the page.
CHOICE_FIELDS = frozenset(
    {
        NAV_PLAN,
        DATA_LIKE,
        DATA_MAP_DATE,
        DATA_MAP_VALUE,
        DATA_MAP_FREQ,
        DATA_MAP_WEEK_DATES,
        DATA_MAP_DECIMAL,
        DATA_TEAM_ATTR,
        DATA_MODEL,
        DATA_CURRENCY,
        NEG_GOAL_BASIS,
        NEG_OVERSUB,
        NEG_RULE,
        SYS_LEVEL,
        SYS_DRILL,
        SYS_EVENT_KIND,
        SYS_EVENT_START,
        SYS_EVENT_END,
        SYS_EVENT_EFFECT,
        SYS_FACTOR_PERIOD,
        SYS_EXPLAIN_EVENT,
        SYS_EXPLAIN_CODE,
        REPLAY_RULE,
        REPLAY_MODEL,
        ACC_LAYER_SCOPE,
        ACC_TRACK_TEAM,
        ACTUALS_RESTORE_VERSION,
        ACTUALS_DECIMAL,
        ACTUALS_WEEK_DATES,
        SBS_TEAM_PICK,
        "plans-members-user",
        "plans-members-role",
        "plans-members-team",
        "plans-members-copy-from",
    }
)
NUMBER_CHOICE_FIELDS = frozenset(
    {ACTUALS_RESTORE_VERSION}
)  # the CHOICE_FIELDS whose options' values are numbers (actuals versions): a number, or nothing
# Several choices (dcc.Dropdown multi=True): a list of option values (text: column and team
# names), or nothing.
MULTI_CHOICE_FIELDS = frozenset({DATA_MAP_ID, NEG_EXCLUDE})
# A tick (dbc.Checkbox, dbc.Switch): true, false or nothing.
TICK_FIELDS = frozenset(
    {
        NEG_SPLIT,
        ACTUALS_CONFIRM_SCALE,
        ACTUALS_SUM_DUPLICATES,
        ACTUALS_WHOLE_PERIODS,
        PLANS_SHOW_ARCHIVED,
        PLANS_IMPORT_TRUST,
        "plans-accounts-admin",
    }
)
# The grids whose rows a callback reads (rowData, selectedRows, cellValueChanged's row,
# cellClicked): each row an object with at least these keys, every value text, a number, true or
# false, or nothing.
GRID_ROW_KEYS: dict[str, frozenset[str]] = {
    NEG_PERIOD_GRID: frozenset({"ds"}),
    SYS_EVENTS_GRID: frozenset({"event_id", "name", "scope", "start", "end"}),
    SYS_DEVIATIONS_GRID: frozenset({"level", "key", "ds", "reason_code", "text"}),
    PLANS_GRID: frozenset(),
}
GRID_ROW_PROPERTIES = frozenset({"rowData", "selectedRows", "virtualRowData"})
GRID_CELL_PROPERTIES = frozenset({"cellValueChanged", "cellClicked", "cellDoubleClicked"})

# Every other value a callback reads, as the page sends it (checked alike, `auth`): a store's data
# as its initial value and the callbacks writing it leave it, a button's clicks, an upload's file,
# the address. A value of another shape did not come from the page: 400 with the kind's reason,
# not a callback's error. The kinds (`auth._SHAPES` checks each):
COUNTER = "counter"  # a whole number from 0 that callbacks bump, or nothing
CLICKS = (
    "clicks"  # a button's n_clicks, an interval's n_intervals: a whole number from 0, or nothing
)
VERSION = "version"  # the plan (or actuals) version the page shows: a whole number, or nothing
SESSION = "session"  # {"plan_id": text or nothing, "plan_name": text or nothing}, or nothing
TEXT = "text"  # text or nothing (a currency kept by the page, a typed search)
YES_NO = "yes-no"  # true, false or nothing
WHOLE = "whole"  # a whole number from 0 the page put in a form (the horizon it offered), or nothing
UPLOAD = "upload"  # dcc.Upload's contents (a data URL) or file name: text, or nothing
RAW_UPLOAD = (
    "raw-upload"  # {"filename": text or nothing, "contents": text} (forecast.js), or nothing
)
UPLOADED = "uploaded"  # {"token": text, ...}: an upload kept on the server (`data_parts.upload`)
KEPT_CLAIM = "kept-claim"  # {"plan_id", "version", "team", "amount", "note"} (`claims.kept_typing`)
KEPT_MANUAL = "kept-manual"  # {"plan_id", "version", "amounts": {team: text}} (`kept_manual`)
REMOVAL = "removal"  # {"event_id": text, "version": whole number} (`events.remove_event`)
CLICKED = "clicked"  # a button a callback drew, clicked (`relay.clicked`): its id, with "clicks"
PLOT_CLICK = "plot-click"  # dcc.Graph's clickData: {"points": [{"x": ..., ...}, ...]}, or nothing
OWN_ID = "own-id"  # the `id` property: the component's own id
PATH = "path"  # dcc.Location's pathname: a path of this site ("/..."), or nothing
QUERY = "query"  # dcc.Location's search: text ("" or "?..."), or nothing
OPTIONS = "options"  # a dropdown's choices: a list of {"label", "value"} of flat values
CONTENT = "content"  # what the server itself put on the page (an alert, a label): read as is

# The dcc.Stores' data, by store.
STORE_SHAPES: dict[str, str] = {
    NAV_SESSION: SESSION,
    NAV_PLANS_CHANGED: COUNTER,
    NAV_PLAN_EDITED: COUNTER,
    DATA_RAW: RAW_UPLOAD,
    DATA_FILE: UPLOADED,
    DATA_ATTR_FILE: UPLOADED,
    DATA_FILE_READ: YES_NO,
    DATA_CREATED: SESSION,  # {"plan_id": ...}, as NAV_SESSION
    DATA_LIMIT: COUNTER,
    DATA_CURRENCY_SET: TEXT,
    DATA_CURRENCY_SIGN: TEXT,
    DATA_HORIZON_OFFERED: WHOLE,
    SYS_REFRESH: COUNTER,
    SYS_PLANS_CHANGED: COUNTER,
    SYS_VERSION: VERSION,
    SYS_REMOVED: REMOVAL,
    NEG_REFRESH: COUNTER,
    NEG_PLANS_CHANGED: COUNTER,
    NEG_VERSION: VERSION,
    NEG_KEPT_TYPING: KEPT_CLAIM,
    NEG_KEPT_MANUAL: KEPT_MANUAL,
    NEG_CLAIM_CLICKED: CLICKED,
    PLANS_REFRESH: COUNTER,
    PLANS_CHANGED: COUNTER,
    PLANS_PICKED: SESSION,  # the session with the plan picked, as NAV_SESSION
    PLANS_MEMBERS_REFRESH: COUNTER,
    PLANS_MEMBERS_REMOVE_CLICKED: CLICKED,
    PLANS_ACCOUNTS_REFRESH: COUNTER,
    PLANS_ACCOUNTS_SWITCH_CLICKED: CLICKED,
    PLANS_ACCOUNTS_ADMIN_SWITCH_CLICKED: CLICKED,
    ACC_ACTUALS_VERSION: VERSION,
    ACC_OPENED: TEXT,  # a plan id
}
# The other properties, whatever component sends them.
PROPERTY_SHAPES: dict[str, str] = {
    "n_clicks": CLICKS,
    "n_intervals": CLICKS,
    "contents": UPLOAD,
    "filename": UPLOAD,
    "search_value": TEXT,
    "clickData": PLOT_CLICK,
    "id": OWN_ID,
    "pathname": PATH,
    "search": QUERY,
    "children": CONTENT,
    "options": OPTIONS,
}
