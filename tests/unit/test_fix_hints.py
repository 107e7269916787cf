"""Refusals say what to do in the terms of the face that shows them.

Every refusal the pages can show is raised for real (services on the in-memory store), then
rendered as the dashboard renders it (`components.error_alert`, `components.role_note`): the text
must name no command-line flag and no `forecast ...` command, and must carry the page's own hint.
The same refusals through the CLI's rendering name the command or the flag instead.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from test_bundle_signing import signed
from test_export import agreed_plan
from test_services_negotiation import team_frames, team_plan

from dashboard import components
from dashboard.fix_hints import PAGE_FIXES, page_text
from forecast import bounds
from forecast.cli.fix_hints import CLI_FIXES, cli_message
from forecast.overrides import Scope
from forecast.services import (
    accounts,
    actuals,
    exports,
    plan_archive,
    plan_checks,
    plan_create,
    plan_frames,
    plan_members,
    plans,
    replay,
    system,
)
from forecast.services import negotiation as nego
from forecast.services.errors import NEUTRAL_FIXES, Fix, FixKey, Invalid, ServiceError
from forecast.services.negotiation_board import negotiation_board
from forecast.store import MemoryStore
from tests.signin import add_accounts

CLI_FLAG = re.compile(r"(?<![\w-])--[a-z]")
CLI_COMMAND = re.compile(r"\bforecast (plan|user|ingest|baseline|backtest|serve|demo|replay)\b")


def text_of(component: Any) -> str:
    """The visible text of a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def assert_page_words(text: str, fix: Fix) -> None:
    assert not CLI_FLAG.search(text), text
    assert not CLI_COMMAND.search(text), text
    assert "FORECAST_" not in text, text
    assert fix.render(PAGE_FIXES) in text, text


# -- the refusals, raised for real ----------------------------------------------------------


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture(scope="module")
def template() -> tuple[MemoryStore, str]:
    """The plan of `plan`, made once for the module (a fifth of a second a plan)."""
    store = MemoryStore()
    plan_id = team_plan(store, "fixes", {"a": "lara", "b": "lena"})
    plan_members.grant(store, plan_id, "olga", "pia", "planner")
    return store, plan_id


@pytest.fixture
def plan(store: MemoryStore, template: tuple[MemoryStore, str]) -> str:
    """Leads lara (a) and lena (b), planner pia, owner olga; no goal yet: the template's plan,
    copied into the test's own empty store (every table deep-copied: nothing is shared)."""
    source, plan_id = template
    for name, table in vars(source).items():
        if name != "_lock":
            setattr(store, name, copy.deepcopy(table))
    return plan_id


def _claiming(store: MemoryStore, plan: str) -> str:
    nego.set_goal(store, plan, "olga", ratio="10/6.5")
    return plan


def _assigning(store: MemoryStore, plan: str) -> str:
    _claiming(store, plan)
    nego.close_round(store, plan, "olga")
    return plan


def _event(store: MemoryStore, plan: str, **kw: Any) -> Any:
    dates = system.horizon_dates(store, plans.get_plan(store, plan))
    fields: dict[str, Any] = {
        "name": "promo",
        "kind": "promotion",
        "scope": Scope(attributes={"Team": ("a",)}),
        "start": dates[0],
        "end": dates[-1],
        "effect": "percent",
        "value": 50.0,
    }
    return system.add_event(store, plan, "olga", **(fields | kw)).event


def _foreign_bundle() -> bytes:
    source = MemoryStore()
    return exports.export_plan(source, agreed_plan(source), "json")


def _over_long_note(store: MemoryStore) -> object:
    """A bundle of this installation whose claim's note is longer than a person may type it."""
    content = json.loads(exports.export_plan(store, agreed_plan(store), "json"))
    content["plan"]["negotiation"]["claims"]["a"]["note"] = "n" * (bounds.MAX_TEXT_CHARS + 1)
    return exports.import_bundle(store, signed(content, store.installation_key()), "olga", name="x")


def _accounts_store() -> MemoryStore:
    store = MemoryStore()
    add_accounts(store, ["ivan", "ada"], admin=["ada"])
    return store


def _unscalable_claims(store: MemoryStore, plan: str) -> None:
    _claiming(store, plan)
    nego.claim(store, plan, "lara", "a", amount="9000000000", note="new stores")
    nego.claim(store, plan, "lena", "b", amount="-1000", note="a closure")
    nego.close_round(store, plan, "olga", oversubscribed="scale")


def _actuals_without_the_plans_columns(store: MemoryStore, _plan: str) -> None:
    """A plan made from a Store, Date, Sales file; actuals come with other column names."""
    history, _, _ = team_frames()
    sales = history.rename(columns={"unique_id": "Store", "ds": "Date", "y": "Sales"})
    state = plan_create.create_plan(
        store,
        name="from a file",
        source=sales.to_csv(index=False).encode(),
        filename="sales.csv",
        horizon=4,
        team_attr=None,
        actor="olga",
        model="snaive",
    )
    actuals.upload_actuals(
        store,
        state.plan_id,
        b"Shop,Day,Revenue\n1,2024-01-05,100\n",
        filename="later.csv",
        actor="olga",
    )


def _actuals_in_the_wrong_scale(store: MemoryStore, plan: str) -> None:
    """Actuals a thousandfold below the series' sales (as 44.537 read for 44537); this plan's
    forecast is a millionfold its history's sales."""
    forecast = plan_frames.load_blob_frame(store, plan, "baseline")[["unique_id", "ds", "baseline"]]
    small = forecast.rename(columns={"baseline": "y"}).assign(y=lambda f: f["y"] / 1e9)
    actuals.upload_actuals(
        store, plan, small.to_csv(index=False).encode(), filename="small.csv", actor="olga"
    )


def _actuals_of_a_partial_week(store: MemoryStore, plan: str) -> None:
    """Three days of the plan's first week: left out as partial, so nothing is kept."""
    baseline = plan_frames.load_blob_frame(store, plan, "baseline")
    first = pd.Timestamp(baseline["ds"].min())
    days = [f"{first + pd.Timedelta(days=k):%Y-%m-%d}" for k in range(3)]
    series = baseline["unique_id"].unique()[:2]
    rows = "".join(f"{uid},{day},10\n" for uid in series for day in days)
    actuals.upload_actuals(
        store, plan, f"unique_id,ds,y\n{rows}".encode(), filename="days.csv", actor="olga"
    )


def _short_replay() -> None:
    history, attributes, _ = team_frames()
    replay.replay_frames(
        history,
        attributes,
        freq="W-FRI",
        flags=[],
        team_attr="Team",
        cycles=10,
        horizon=13,
        goal_ratio=replay._ratio("1.1"),
        rule="even",
        claims=None,
        model="snaive",
    )


REFUSALS: dict[FixKey, Callable[[MemoryStore, str], object]] = {
    FixKey.ASK_FOR_LEAD: lambda s, p: nego.claim(s, _claiming(s, p), "pia", "c", amount="10"),
    FixKey.GRANT_LEAD: lambda s, p: nego.claim(s, _claiming(s, p), "olga", "c", amount="10"),
    FixKey.ASK_TEAM_LEAD: lambda s, p: nego.claim(s, _claiming(s, p), "pia", "a", amount="10"),
    FixKey.ASK_TEAM_LEAD_TO_WITHDRAW: lambda s, p: nego.unclaim(s, _claiming(s, p), "pia", "a"),
    FixKey.GRANT_ROLE: lambda s, p: system.add_event(
        s, p, "lara", name="x", kind="other", start="2024-03-01", end="2024-03-01"
    ),
    FixKey.CHOOSE_LEAD_TEAM: lambda s, p: plan_members.grant(s, p, "olga", "pia", "lead"),
    FixKey.SET_GOAL: lambda s, p: nego.claim(s, p, "lara", "a", amount="10"),
    FixKey.CLOSE_ROUND: lambda s, p: nego.assign(s, _claiming(s, p), "olga", "even"),
    FixKey.REOPEN_ROUND: lambda s, p: nego.claim(s, _assigning(s, p), "lara", "a", amount="1"),
    FixKey.KEEP_OVERSUBSCRIPTION: _unscalable_claims,
    FixKey.MANUAL_AMOUNTS: lambda s, p: nego.assign(s, _assigning(s, p), "olga", "manual"),
    FixKey.MANUAL_TOTAL: lambda s, p: nego.assign(
        s, _assigning(s, p), "olga", "manual", manual={"a": "0", "b": "0", "c": "0"}
    ),
    FixKey.ASSIGN_REMAINDER: lambda s, p: nego.lock(s, _assigning(s, p), "olga"),
    FixKey.PUBLISH_FIRST: lambda s, p: (
        nego.assign(s, _assigning(s, p), "olga", "even"),
        nego.lock(s, p, "olga"),
    ),
    FixKey.NEW_VERSION: lambda s, p: _event(s, agreed_plan(s)),
    FixKey.UNARCHIVE_PLAN: lambda s, p: (plan_archive.archive(s, p, "olga"), _event(s, p)),
    FixKey.SET_ZERO: lambda s, p: _event(s, p, value=-150.0),
    FixKey.GIVE_EFFECT: lambda s, p: _event(s, p, kind="other", effect=None, value=None),
    FixKey.GIVE_EFFECT_VALUE: lambda s, p: system.edit_event(
        s, p, "olga", _event(s, p).event_id, effect="add"
    ),
    FixKey.PERIOD_DATE: lambda s, p: system.explain(
        s, p, "olga", reason_code="promotion", text="x", level="team", key="a", ds="soon"
    ),
    FixKey.LIST_DEVIATIONS: lambda s, p: system.explain(
        s, p, "olga", reason_code="promotion", text="x", event_id=_event(s, p, value=1.0).event_id
    ),
    FixKey.CHOOSE_DEVIATION: lambda s, p: system.explain(
        s, p, "olga", reason_code="promotion", text="x"
    ),
    FixKey.EXPLAIN_DEVIATIONS: lambda s, p: (_event(s, p), system.publish(s, p, "olga")),
    FixKey.TRUST_AS_ADMIN: lambda s, p: exports.import_bundle(
        _accounts_store(), _foreign_bundle(), "ivan", trust=True
    ),
    FixKey.TRUST_BUNDLE: lambda s, p: exports.import_bundle(s, _foreign_bundle(), "olga"),
    FixKey.EXPORT_BUNDLE: lambda s, p: exports.import_bundle(s, b"not json", "olga"),
    FixKey.SHORTEN_AT_SOURCE: lambda s, p: _over_long_note(s),
    FixKey.IMPORT_UNDER_NAME: lambda s, p: exports.import_bundle(
        s, exports.export_plan(s, p, "json"), "olga"
    ),
    FixKey.ADD_OWNER: lambda s, p: plan_members.revoke(s, p, "olga", "olga", "owner"),
    FixKey.NAME_USER: lambda s, p: exports.import_bundle(s, b"{}", " "),
    FixKey.ADD_ACCOUNT: lambda s, p: accounts.check_cli_user(_accounts_store(), "ghost"),
    FixKey.LIST_ACCOUNTS: lambda s, p: accounts.get_user(s, "ghost"),
    FixKey.PICK_PLAN: lambda s, p: plans.get_plan(s, ""),
    FixKey.LIST_PLANS: lambda s, p: plans.get_plan(s, "nope"),
    FixKey.UPLOAD_ACTUALS: lambda s, p: s.get_actuals(p),
    FixKey.ACTUALS_COLUMNS: _actuals_without_the_plans_columns,
    FixKey.ACTUALS_SCALE: _actuals_in_the_wrong_scale,
    FixKey.ACTUALS_WHOLE_PERIODS: _actuals_of_a_partial_week,
    FixKey.NAME_PLAN: lambda s, p: plan_checks.check_plan_name(" "),
    FixKey.GIVE_ATTRIBUTES: lambda s, p: plan_create.create_plan_from_frames(
        s,
        name="no teams",
        history=team_frames()[0],
        attributes=team_frames()[1][["unique_id"]],
        freq="W-FRI",
        horizon=4,
        team_attr="Region",
        actor="olga",
        baseline=team_frames()[2],
    ),
    FixKey.REPLAY_AT_LEAST_ONE: lambda s, p: replay.replay(b"", cycles=0),
    FixKey.SHORTEN_REPLAY: lambda s, p: _short_replay(),
    FixKey.RELOAD_PLAN: lambda s, p: nego.set_goal(s, p, "olga", ratio="2", expected_version=1),
    FixKey.CHOOSE_PLAN_NAME: lambda s, p: plan_create.create_plan_from_frames(
        s,
        name=plans.get_plan(s, p).name,
        history=team_frames()[0],
        attributes=team_frames()[1],
        freq="W-FRI",
        horizon=4,
        team_attr="Region",
        actor="olga",
        baseline=team_frames()[2],
    ),
}


def _refusal(key: FixKey, store: MemoryStore, plan: str) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        REFUSALS[key](store, plan)
    error = refused.value
    assert error.fix is not None and error.fix.key == key, (key, str(error))
    return error


READER_FIXES = {
    FixKey.DATE_COLUMN_OF_FILE,
    FixKey.VALUE_COLUMN_OF_FILE,
    FixKey.ID_COLUMN_OF_FILE,
    FixKey.NAME_DATE_COLUMN,
    FixKey.NAME_VALUE_COLUMN,
    FixKey.DISTINCT_COLUMNS,
    FixKey.NAME_FREQ,
    FixKey.COARSER_FREQ,
    FixKey.DECIMAL_MARK,
    FixKey.SUM_DUPLICATES,
    FixKey.OTHER_VALUE_COLUMN,
    FixKey.SPLIT_SERIES,
    FixKey.COARSER_CALENDAR,
}
"""The sales file reader's fixes: of its problems (`Problem.fixed_by`) and notes (`NoteFix`)."""


def test_every_fix_is_raised_by_a_refusal_here() -> None:
    """A new FixKey must join the walk below (and the faces' mappings)."""
    # a repeated row's fix is a file problem's (test_actuals_nothing_kept), not a refusal's; so
    # are the sales file reader's, or its notes' (test_readers_fixes_by_face)
    missing = (
        set(FixKey)
        - set(REFUSALS)
        - {
            FixKey.GIVE_EFFECT_OR_SUGGESTION,
            FixKey.ACTUALS_DUPLICATES,
            # a file of actuals on another weekday than the plan's weeks (a file problem's), and
            # a one-date week-ending file left out (test_actuals_week_dates_by_face)
            FixKey.ACTUALS_ONE_DAY,
            FixKey.ACTUALS_WEEKDAY,
            FixKey.ACTUALS_WEEKDAY_OR_END,
            FixKey.ACTUALS_WEEK_ENDING,
            # a Dask cluster down or without workers (tests/integration/test_dask_runner.py)
            FixKey.DASK_SCHEDULER,
            FixKey.DASK_WORKERS,
        }
        - READER_FIXES
    )
    assert not missing


@pytest.mark.parametrize("key", list(REFUSALS), ids=str)
def test_refusals_on_the_page_say_what_to_do_there_and_name_no_flag(
    key: FixKey, store: MemoryStore, plan: str
) -> None:
    error = _refusal(key, store, plan)
    shown = text_of(components.error_alert(error))
    # where a plan stands (no actuals yet) is said of the plan picked in the bar, not by its id
    reason = components.STATE_REASONS.get(key, error.reason)
    assert reason.split(";")[0].strip()[:40].lower() in shown.lower()
    assert_page_words(shown, error.fix)  # type: ignore[arg-type]  # checked in _refusal


@pytest.mark.parametrize("key", list(REFUSALS), ids=str)
def test_the_same_refusals_on_the_command_line_name_the_command_or_flag(
    key: FixKey, store: MemoryStore, plan: str
) -> None:
    error = _refusal(key, store, plan)
    said = cli_message(error)
    assert error.fix is not None and error.fix.render(CLI_FIXES) in said
    if key not in (FixKey.PICK_PLAN, FixKey.LIST_PLANS, FixKey.LIST_ACCOUNTS):
        assert CLI_FLAG.search(said) or "`forecast " in said, said
    neutral = str(error)  # what logs and notes carry: no face's words
    assert not CLI_FLAG.search(neutral) and "page" not in neutral.lower(), neutral


def test_a_planner_who_is_no_lead_is_told_on_the_board_to_ask_for_the_lead_role(
    store: MemoryStore, plan: str
) -> None:
    _claiming(store, plan)
    card = {c.team: c for c in negotiation_board(store, plan, "pia").cards}["c"]
    note = text_of(components.permission_note(card.can_claim))
    assert "pia cannot claim" in note
    assert "ask the plan owner to make you lead of team c on the Plans page" in note
    assert not CLI_FLAG.search(note) and not CLI_COMMAND.search(note)


def test_the_owner_is_told_on_the_board_how_to_lock_after_assigning(
    store: MemoryStore, plan: str
) -> None:
    _assigning(store, plan)
    lock = negotiation_board(store, plan, "olga").actions.lock
    assert not lock.allowed and lock.fix == Fix(FixKey.ASSIGN_REMAINDER)
    assert "'Assign'" in page_text(lock.reason, lock.fix)


def test_each_face_words_every_fix_and_only_with_known_parameters() -> None:
    fields = {
        key: {f for _, f, _, _ in __import__("string").Formatter().parse(t) if f}
        for key, t in NEUTRAL_FIXES.items()
    }
    for key in FixKey:
        for templates, face in ((PAGE_FIXES, "page"), (CLI_FIXES, "cli")):
            assert key in templates, f"{face} has no words for {key}"
            used = {f for _, f, _, _ in __import__("string").Formatter().parse(templates[key]) if f}
            assert used <= fields[key] | {"plan"}, (face, key, used)
        page = PAGE_FIXES[key]
        assert not CLI_FLAG.search(page) and not CLI_COMMAND.search(page), page


def test_a_fix_keeps_its_parameters_through_pickling_and_the_services() -> None:
    error = Invalid("the manual rule needs an amount per team", Fix(FixKey.MANUAL_AMOUNTS))
    again = pickle.loads(pickle.dumps(error))
    assert again.reason == error.reason and again.fix == error.fix
    carried = Invalid.from_error(Invalid("r", Fix(FixKey.NEW_VERSION)), "cannot: ", plan="p1")
    assert carried.reason == "cannot: r" and carried.fix == Fix(FixKey.NEW_VERSION, plan="p1")
    assert Fix(FixKey.NEW_VERSION).render(CLI_FIXES).endswith("`forecast plan new-version PLAN`")


def test_a_team_with_a_lead_points_the_owner_and_planners_to_that_lead(store, plan):
    """The owner on a team's card is not told to appoint a lead the team already has."""
    from forecast.negotiation_actions import available_actions

    state = plans.get_plan(store, _claiming(store, plan))
    for user in ("olga", "pia"):
        actions = available_actions(
            nego.negotiation_of(state), nego.actor_of(state, user), ["a", "b", "c"]
        )
        refusal = actions.claim["a"]
        assert not refusal.allowed
        assert refusal.fix is not None and refusal.fix.key == FixKey.ASK_TEAM_LEAD
        assert "ask lara, the lead of team a" in refusal.why_not
        assert actions.claim["c"].fix is not None
        assert actions.claim["c"].fix.key != FixKey.ASK_TEAM_LEAD


def test_a_lead_claiming_for_another_team_is_pointed_to_its_lead_or_the_owner(
    store: MemoryStore, plan: str
) -> None:
    _claiming(store, plan)  # lara leads a, lena leads b, team c has no lead
    with pytest.raises(ServiceError) as led:
        nego.claim(store, plan, "lara", "b", amount="10")
    assert led.value.fix == Fix(FixKey.ASK_TEAM_LEAD, plan=plan, team="b", leads="lena")
    assert cli_message(led.value).endswith(
        f"ask lena, the lead of team b, to claim for it (`forecast plan claim {plan} --team b "
        "--amount AMOUNT --note ...`)"
    )
    with pytest.raises(ServiceError) as leaderless:
        nego.claim(store, plan, "lara", "c", amount="10")
    assert leaderless.value.fix == Fix(FixKey.ASK_FOR_LEAD, plan=plan, user="lara", team="c")
    assert f"`forecast plan grant {plan} lara --role lead --team c`" in cli_message(
        leaderless.value
    )
    assert_page_words(text_of(components.error_alert(leaderless.value)), leaderless.value.fix)


def test_a_taken_plan_name_points_to_making_it_like_that_plan_on_the_command_line_only(
    store: MemoryStore, plan: str
) -> None:
    error = _refusal(FixKey.CHOOSE_PLAN_NAME, store, plan)
    said = cli_message(error)
    assert f"--like {plan}" in said and f"forecast plan new-version {plan}" in said
    shown = text_of(components.error_alert(error))
    assert "--like" not in shown and "Make a new version" in shown
