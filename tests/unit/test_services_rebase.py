"""Basis drift and rebase, the rule that spares volunteers, and edits that lose races (services
on the in-memory repository, with the system track's real event use cases)."""

from __future__ import annotations

import io
import re
import threading

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_services_negotiation import HORIZON, team_frames, team_plan, weekly_team_plan

from forecast.overrides import Scope
from forecast.services import exports, system
from forecast.services import negotiation as nego
from forecast.services.errors import Forbidden, Invalid, Locked, StaleVersion, WrongStage
from forecast.services.plan_members import grant
from forecast.services.plans import audit_log, get_plan
from forecast.store import MemoryStore


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def plan_id(store):
    return team_plan(store, "promo", {"a": "anna", "b": "bert"})


def promote_team_c(store, plan_id, percent: float = 25.0):
    """The planner adds a +25 % promotion for team c over the whole horizon (after the goal)."""
    frame = nego.series_frame(store, plan_id)
    return system.add_event(
        store,
        plan_id,
        "olga",
        name="c promo",
        kind="promotion",
        scope=Scope(attributes={"Team": ("c",)}),
        start=frame["ds"].min().date(),
        end=(frame["ds"].max() + pd.Timedelta(days=6)).date(),  # through the last week
        effect="percent",
        value=percent,
        reason="flyer",
    )


def ledger_by_team(store, plan_id):
    return nego.ledger(store, plan_id).set_index("team")


def test_an_event_after_the_goal_shows_as_drift_of_the_teams_it_touches(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", amount="200000000", note="range")
    promote_team_c(store, plan_id)
    summary = nego.summary(store, plan_id)
    assert summary["drifted_teams"] == ["c"]
    # +25 % of team c's 1.5bn in cents (each series-period rounds to the cent on its own)
    assert summary["drift"]["c"] == pytest.approx(37_500_000_000, abs=HORIZON * 3)
    ledger = ledger_by_team(store, plan_id)
    # the ledger shows the current system plan (as the System page does) next to the basis used
    assert ledger.loc["c", "system_plan_minor"] == 150_000_000_000 + summary["drift"]["c"]
    assert ledger.loc["c", "basis_minor"] == 150_000_000_000
    assert ledger.loc["c", "basis_drift_minor"] == summary["drift"]["c"]
    status = nego.basis_status(summary)
    assert "not rebased" in status
    # when the basis was taken, to the minute, as a person reads it
    assert re.search(r"system plan taken \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC differs", status)


def test_rebase_keeps_claims_and_an_amount_goal_and_recomputes_the_remainder(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", amount="200000000", note="range")
    promote_team_c(store, plan_id)
    before = len(audit_log(store, plan_id))
    nego.rebase(store, plan_id, "olga")
    entries = audit_log(store, plan_id)
    assert len(entries) == before + 1 and entries[-1].action == "rebase"
    summary = nego.summary(store, plan_id)
    assert summary["drifted_teams"] == []
    assert summary["goal"] == 700_000_000_000
    assert summary["claimed"] == 20_000_000_000
    assert summary["basis_total"] == summary["system_plan_total"]
    assert summary["remainder"] == 700_000_000_000 - summary["basis_total"] - 20_000_000_000
    ledger = ledger_by_team(store, plan_id)
    assert (ledger["basis_minor"] == ledger["system_plan_minor"]).all()
    assert ledger.loc["a", "claim_minor"] == 20_000_000_000


def test_a_rebase_with_nothing_moved_is_refused_and_writes_no_version(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    version = get_plan(store, plan_id).version
    with pytest.raises(Invalid, match="nothing to rebase"):
        nego.rebase(store, plan_id, "olga")
    assert get_plan(store, plan_id).version == version
    promote_team_c(store, plan_id)
    nego.rebase(store, plan_id, "olga")
    with pytest.raises(Invalid, match="nothing to rebase"):
        nego.rebase(store, plan_id, "olga")


def test_rebase_reapplies_a_goal_given_as_a_ratio(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="1.1", basis="system_plan")
    promote_team_c(store, plan_id)
    nego.rebase(store, plan_id, "olga")
    summary = nego.summary(store, plan_id)
    assert summary["goal"] == round(summary["system_plan_total"] * 1.1)
    assert summary["goal"] == pytest.approx(756_250_000_000, abs=100)


def test_rebase_in_the_assigning_stage_reassigns_by_the_recorded_rule(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "even")
    promote_team_c(store, plan_id)
    nego.rebase(store, plan_id, "olga")
    summary = nego.summary(store, plan_id)
    assert summary["rule"] == "even"
    assert summary["open_remainder"] == 0
    assert summary["target_total"] == summary["goal"]


def test_only_the_owner_rebases(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    promote_team_c(store, plan_id)
    with pytest.raises(Forbidden, match="only the plan owner"):
        nego.rebase(store, plan_id, "anna")


def test_a_lead_asking_to_rebase_with_nothing_moved_is_told_only_the_owner_rebases(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    with pytest.raises(Forbidden, match="only the plan owner"):
        nego.rebase(store, plan_id, "anna")
    with pytest.raises(WrongStage, match="nothing to rebase"):  # a refusal of the state
        nego.rebase(store, plan_id, "olga")


def test_an_agreed_plan_keeps_its_basis_and_its_export_says_so(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    with pytest.raises(Locked):
        nego.rebase(store, plan_id, "olga")
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    status = {row[0]: row[1] for row in book["basis"].iter_rows(min_row=2, values_only=True)}
    assert status["status"].startswith("agreed on the system plan")
    assert "keep the basis they were agreed on" in status["status"]


def _sheet(book, name):
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_one_export_never_gives_a_team_two_system_plan_numbers(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", amount="200000000", note="range")
    promote_team_c(store, plan_id)  # not rebased: the views show the basis they used
    book = load_workbook(io.BytesIO(exports.export_plan(store, plan_id, "xlsx")))
    by_team = {r["team"]: r for r in _sheet(book, "by team")}
    ledger = {r["team"]: r for r in _sheet(book, "ledger")}
    series: dict[str, dict[str, float]] = {}
    for r in _sheet(book, "by series-period"):
        sums = series.setdefault(r["team"], {"system_plan": 0.0, "basis": 0.0})
        sums["system_plan"] += float(r["system_plan"])
        sums["basis"] += float(r["basis"])
    for team in ("a", "b", "c"):
        assert by_team[team]["system_plan"] == pytest.approx(ledger[team]["system_plan"], abs=0.005)
        assert by_team[team]["basis"] == pytest.approx(ledger[team]["basis"], abs=0.005)
        assert series[team]["system_plan"] == pytest.approx(by_team[team]["system_plan"], abs=0.01)
        assert series[team]["basis"] == pytest.approx(by_team[team]["basis"], abs=0.01)
    assert ledger["c"]["system_plan"] - ledger["c"]["basis"] == pytest.approx(375_000_000)


def test_the_rule_that_spares_volunteers_gives_them_nothing_and_says_why(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7800000000")  # gap 1.3bn = 20 % of 6.5bn
    nego.claim(store, plan_id, "anna", "a", amount="1000000000", note="33 % more")  # share 0.6bn
    nego.claim(store, plan_id, "bert", "b", amount="100000000", note="a little")  # share 0.4bn
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_shortfall")
    ledger = ledger_by_team(store, plan_id)
    assert ledger.loc["a", "assignment_minor"] == 0
    remainder = 20_000_000_000  # 1.3bn - 1.1bn
    # b and c share the remainder pro rata to their baseline (2.0 : 1.5)
    assert ledger.loc["b", "assignment_minor"] == round(remainder * 2.0 / 3.5)
    assert ledger.loc["b", "assignment_minor"] + ledger.loc["c", "assignment_minor"] == remainder
    assert "spared" in ledger.loc["a", "why"]
    assert "of its pro rata share" in ledger.loc["b", "why"]
    assert ledger.loc["TOTAL", "target_minor"] == 780_000_000_000


def test_fill_shortfall_splits_the_remainder_by_the_shortfalls(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7800000000")  # gap 1.3bn = 20 % of 6.5bn
    nego.claim(store, plan_id, "anna", "a", amount="1000000000", note="33 % more")  # share 0.6bn
    nego.claim(store, plan_id, "bert", "b", amount="100000000", note="a little")  # share 0.4bn
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "fill_shortfall")
    ledger = ledger_by_team(store, plan_id)
    assert ledger.loc["a", "assignment_minor"] == 0
    remainder = 20_000_000_000  # 1.3bn - 1.1bn
    # b and c share the remainder by their shortfalls: b claimed 0.1bn of its fair 0.4bn and c
    # nothing of its fair 0.3bn, both 0.3bn short, so 1 : 1 (by baseline it would be 2.0 : 1.5)
    assert ledger.loc["b", "assignment_minor"] == remainder // 2
    assert ledger.loc["b", "assignment_minor"] + ledger.loc["c", "assignment_minor"] == remainder
    assert "spared" in ledger.loc["a", "why"]
    assert "in proportion to its shortfall" in ledger.loc["b", "why"]
    assert ledger.loc["TOTAL", "target_minor"] == 780_000_000_000


def test_a_plan_assigned_by_pro_rata_shortfall_keeps_its_split_and_wording_on_rebase(
    store, plan_id
):
    """The plan stores only the rule's name: a rebase re-assigns by the same meaning (pro rata to
    the basis among the short teams) and the ledger's why still says so."""
    nego.set_goal(store, plan_id, "olga", total="8500000000", basis="system_plan")
    nego.claim(store, plan_id, "anna", "a", amount="1000000000", note="more than its share")
    nego.claim(store, plan_id, "bert", "b", amount="100000000", note="a little")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_shortfall")
    promote_team_c(store, plan_id)  # c's system plan 1.5bn -> 1.875bn
    nego.rebase(store, plan_id, "olga")
    ledger = ledger_by_team(store, plan_id)
    remainder = int(nego.summary(store, plan_id)["remainder"])
    assert remainder > 0  # 8.5bn - 6.875bn - 1.1bn claimed
    b, c = int(ledger.loc["b", "basis_minor"]), int(ledger.loc["c", "basis_minor"])
    assert ledger.loc["a", "assignment_minor"] == 0
    assert ledger.loc["b", "assignment_minor"] == pytest.approx(remainder * b / (b + c), abs=1)
    assert ledger.loc["b", "assignment_minor"] + ledger.loc["c", "assignment_minor"] == remainder
    assert (
        "so it takes part of the remainder in proportion to its system plan ("
        in (ledger.loc["b", "why"])
    )
    assert "shortfall" not in ledger.loc["b", "why"]


class RacingStore(MemoryStore):
    """A repository where another writer saves first, `losses` times: before each of the first
    `losses` saves, `rival()` makes a real change through the services."""

    def __init__(self) -> None:
        super().__init__()
        self.losses = 0
        self.rival = None
        self._racing = threading.local()

    def save(self, state, change, *, expected_version, blobs=None):
        if self.losses > 0 and self.rival is not None and not getattr(self._racing, "on", False):
            self.losses -= 1
            self._racing.on = True
            try:
                self.rival()
            finally:
                self._racing.on = False
        return super().save(state, change, expected_version=expected_version, blobs=blobs)


def racing_plan():
    store = RacingStore()
    history, attributes, baseline = team_frames()
    state = weekly_team_plan(store, (history, attributes, baseline), name="race")
    grant(store, state.plan_id, "olga", "anna", "lead", team="a")
    nego.set_goal(store, state.plan_id, "olga", total="7000000000")
    return store, state.plan_id


def test_close_round_without_a_version_wins_after_many_lost_races():
    store, plan_id = racing_plan()
    amounts = iter(range(1, 100))
    store.rival = lambda: nego.claim(
        store, plan_id, "anna", "a", amount=str(1000 * next(amounts)), note="still coming"
    )
    store.losses = 12  # more than the five lost races that used to refuse the edit
    state = nego.close_round(store, plan_id, "olga")
    assert nego.negotiation_of(state).stage.value == "assigning"
    assert nego.negotiation_of(state).claims["a"].amount == 12 * 1000 * 100


def test_a_redone_claim_is_refused_with_the_reason_once_the_round_closed_meanwhile():
    store, plan_id = racing_plan()
    store.rival = lambda: nego.close_round(store, plan_id, "olga")
    store.losses = 1
    with pytest.raises(Invalid, match="stage 'assigning'"):
        nego.claim(store, plan_id, "anna", "a", amount="1000", note="late")


def test_a_goal_redone_after_losing_a_race_to_an_event_is_set_on_the_system_plan_with_the_event():
    store = RacingStore()
    history, attributes, baseline = team_frames()
    plan_id = weekly_team_plan(store, (history, attributes, baseline), name="race").plan_id
    store.rival = lambda: promote_team_c(store, plan_id)
    store.losses = 1
    nego.set_goal(store, plan_id, "olga", ratio="1.1", basis="system_plan")
    summary = nego.summary(store, plan_id)
    assert summary["drifted_teams"] == []  # the goal's basis includes the promotion
    assert summary["basis_total"] == summary["system_plan_total"]
    assert summary["goal"] == round(summary["system_plan_total"] * 1.1)


def test_an_edit_with_a_stale_expected_version_is_refused(store, plan_id):
    state = nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.claim(store, plan_id, "anna", "a", amount="1000", note="first")
    with pytest.raises(StaleVersion):
        nego.rebase(store, plan_id, "olga", expected_version=state.version)
    assert get_plan(store, plan_id).version == state.version + 1


def test_the_command_lines_drift_line_names_the_system_plan_in_words():
    from forecast.cli.plan_negotiation import _drift_lines

    lines = _drift_lines(
        {"basis": "system_plan", "drifted_teams": ["c"], "drift_total": -577_410_00,
         "currency": "JPY", "plan_id": "p1"}
    )  # fmt: skip
    assert lines[0].startswith("  basis drift: the current system plan differs by -¥577,410")


def test_a_rebase_that_drops_a_manual_assignment_says_so_in_its_result(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "manual", manual={"a": "200000000", "b": "300000000"})
    promote_team_c(store, plan_id)
    result = nego.rebase(store, plan_id, "olga")
    summary = nego.summary(store, plan_id)
    assert summary["assigned"] == 0 and summary["open_remainder"] != 0
    assert result.dropped_assignment
    assert result.open_remainder == summary["open_remainder"]
    assert result.version == summary["version"]
    assert result.moved == pytest.approx(37_500_000_000, abs=HORIZON * 3)  # team c's +25 %
    assert result.attention is not None
    assert result.attention.startswith(
        "the assignment was dropped: the manual amounts (€500,000,000.00) no longer add up to "
        "the new remainder €12"
    )
    assert result.attention.endswith("is open; assign it again")
    assert result.attention in audit_log(store, plan_id)[-1].what


def test_a_rebase_that_reassigns_by_the_recorded_rule_needs_no_attention(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "even")
    promote_team_c(store, plan_id)
    result = nego.rebase(store, plan_id, "olga")
    assert not result.dropped_assignment and result.attention is None
    assert any("re-assigned by even" in n for n in result.notes)


def _agreed_plan(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "even")
    system.publish(store, plan_id, "olga")
    return nego.lock(store, plan_id, "olga")


def test_a_stale_edit_of_an_agreed_plan_is_told_it_is_locked_not_to_reload(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    loaded = get_plan(store, plan_id).version  # a page loaded here, before the lock
    locked = _agreed_plan(store, plan_id)
    for edit in (
        lambda: nego.reopen_round(store, plan_id, "olga", expected_version=loaded),
        lambda: nego.claim(
            store, plan_id, "anna", "a", amount="1000", note="x", expected_version=loaded
        ),
        lambda: nego.assign(store, plan_id, "olga", "even", expected_version=loaded),
    ):
        with pytest.raises(Locked, match="agreed and read-only"):
            edit()
    assert get_plan(store, plan_id).version == locked.version


def test_an_edit_that_loses_its_save_to_a_lock_is_told_it_is_locked():
    store, plan_id = racing_plan()
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "even")
    system.publish(store, plan_id, "olga")
    version = get_plan(store, plan_id).version
    store.rival = lambda: nego.lock(store, plan_id, "olga")
    store.losses = 1
    with pytest.raises(Locked, match="agreed and read-only"):
        nego.assign(store, plan_id, "olga", "pro_rata_baseline", expected_version=version)
