"""Negotiation use cases on the in-memory fake repository: roles, stages, audit, stale versions."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from forecast.negotiation import largest_remainder
from forecast.services import negotiation as nego
from forecast.services import system
from forecast.services.errors import Forbidden, Invalid, Locked, NotFound, StaleVersion
from forecast.services.plan_create import create_plan_from_frames
from forecast.services.plan_members import grant
from forecast.services.plans import audit_log, get_plan
from forecast.store import MemoryStore

TEAM_TOTALS = {"a": 3.0e9, "b": 2.0e9, "c": 1.5e9}  # 6.5bn baseline over the horizon
HORIZON = 4


def team_frames(team_totals: dict[str, float] = TEAM_TOTALS, per_team: int = 3, weeks: int = 60):
    """History, attributes and a baseline whose team totals over the horizon are `team_totals`."""
    rng = np.random.default_rng(7)
    ids, teams = [], []
    for team in sorted(team_totals):
        for k in range(per_team):
            ids.append(f"{team}{k}")
            teams.append(team)
    dates = pd.date_range("2023-01-06", periods=weeks, freq="W-FRI")
    horizon = pd.date_range(dates[-1] + pd.Timedelta(weeks=1), periods=HORIZON, freq="W-FRI")
    history = pd.DataFrame(
        [(uid, ds, float(rng.uniform(50, 150))) for uid in ids for ds in dates],
        columns=["unique_id", "ds", "y"],
    )
    rows = []
    for uid, team in zip(ids, teams, strict=True):
        shares = rng.uniform(1, 2, HORIZON)
        for ds, share in zip(horizon, shares, strict=True):
            rows.append((uid, ds, team, share))
    base = pd.DataFrame(rows, columns=["unique_id", "ds", "team", "w"])
    base["baseline"] = 0.0
    for team, rows_of_team in base.groupby("team").groups.items():
        cents = largest_remainder(
            round(team_totals[team] * 100), base.loc[rows_of_team, "w"].tolist()
        )
        base.loc[rows_of_team, "baseline"] = [c / 100 for c in cents]
    spread = base["baseline"] * 0.1
    base["baseline-lo-80"] = base["baseline"] - spread
    base["baseline-hi-80"] = base["baseline"] + spread
    base["baseline-lo-95"] = base["baseline"] - 1.5 * spread
    base["baseline-hi-95"] = base["baseline"] + 1.5 * spread
    base["model"] = "snaive"
    attributes = pd.DataFrame({"unique_id": ids, "Team": teams})
    return history, attributes, base.drop(columns=["w", "team"])


@pytest.fixture
def store():
    return MemoryStore()


def weekly_team_plan(store, frames, *, name: str = "promo", horizon: int = HORIZON, **options):
    """A weekly plan (W-FRI, teams by "Team", owner olga) of `frames` = (history, attributes,
    baseline); `options` go to `create_plan_from_frames` as they are."""
    history, attributes, baseline = frames
    return create_plan_from_frames(
        store,
        name=name,
        history=history,
        attributes=attributes,
        freq="W-FRI",
        horizon=horizon,
        team_attr="Team",
        actor="olga",
        baseline=baseline,
        **options,
    )


def team_plan(store, name: str, leads: dict[str, str]) -> str:
    """A plan of the generated teams (weekly, owner olga) with a lead per team in `leads`."""
    history, attributes, baseline = team_frames()
    state = weekly_team_plan(store, (history, attributes, baseline), name=name)
    for team, lead in leads.items():
        grant(store, state.plan_id, "olga", lead, "lead", team=team)
    return state.plan_id


@pytest.fixture
def plan_id(store):
    return team_plan(store, "promo", {"a": "anna", "b": "bert"})


def test_the_example_negotiation_balances_to_the_goal(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    summary = nego.summary(store, plan_id)
    assert summary["basis_total"] == 650_000_000_000
    assert summary["goal"] == 1_000_000_000_000
    nego.claim(store, plan_id, "anna", "a", amount="2000000000", note="double the promo space")
    nego.claim(store, plan_id, "bert", "b", percent="60", note="new listings")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    state = nego.lock(store, plan_id, "olga")
    assert state.status == "agreed"
    ledger = nego.ledger(store, plan_id).set_index("team")
    assert ledger.loc["TOTAL", "target_minor"] == 1_000_000_000_000
    assert ledger.loc["a", "claim_minor"] == 200_000_000_000
    assert ledger.loc["b", "claim_minor"] == 120_000_000_000
    assert ledger.loc["TOTAL", "assignment_minor"] == 30_000_000_000
    assert ledger.loc["a", "last_year"] > 0  # the generated history reaches back a year
    expected = 100 * ledger.loc["a", "claim"] / ledger.loc["a", "last_year"]
    assert ledger.loc["a", "claim_pct_of_last_year"] == pytest.approx(expected, rel=1e-6)
    assert ledger.loc["TOTAL", "last_year"] == pytest.approx(
        ledger.drop(index="TOTAL")["last_year"].sum()
    )
    plan = nego.negotiated_plan(store, plan_id)
    assert list(plan.columns[:7]) == [
        "unique_id",
        "ds",
        "team",
        "baseline",
        "system_plan",
        "basis",
        "target",
    ]
    assert int(plan["target_minor"].sum()) == 1_000_000_000_000
    by_team = plan.groupby("team")["target_minor"].sum()
    assert by_team.to_dict() == ledger.drop(index="TOTAL")["target_minor"].to_dict()
    assert len(plan) == 9 * HORIZON


def test_every_change_is_audited_with_before_and_after(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total=Decimal("7000000000"))
    nego.claim(store, plan_id, "anna", "a", amount=100, note="x")
    nego.claim(store, plan_id, "anna", "a", amount=150, note="more")
    nego.unclaim(store, plan_id, "anna", "a")
    entries = [e for e in audit_log(store, plan_id) if e.action in ("goal", "claim", "unclaim")]
    assert [e.action for e in entries] == ["goal", "claim", "claim", "unclaim"]
    assert entries[1].before is None and entries[1].after["amount"] == 10000
    assert entries[2].before["amount"] == 10000 and entries[2].after["amount"] == 15000
    assert entries[2].actor == "anna" and "raise claim of team a" in entries[2].what
    assert entries[3].before["amount"] == 15000 and entries[3].after is None


def test_lead_cannot_claim_for_another_team_and_nothing_is_written(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    version = get_plan(store, plan_id).version
    with pytest.raises(Forbidden, match="lead of team 'a'"):
        nego.claim(store, plan_id, "anna", "b", amount=1, note="x")
    with pytest.raises(Forbidden):
        nego.claim(store, plan_id, "mallory", "a", amount=1, note="x")
    with pytest.raises(Forbidden, match="owner"):
        nego.close_round(store, plan_id, "anna")
    assert get_plan(store, plan_id).version == version


def test_bad_input_is_refused_with_a_clear_message(store, plan_id):
    with pytest.raises(Invalid, match="no goal yet"):
        nego.claim(store, plan_id, "anna", "a", amount=1, note="x")
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    with pytest.raises(Invalid, match="not a number"):
        nego.claim(store, plan_id, "anna", "a", amount="lots", note="x")
    with pytest.raises(NotFound, match="a, b, c"):
        nego.claim(store, plan_id, "anna", "zz", amount=1, note="x")
    with pytest.raises(Invalid, match="10 times"):
        nego.claim(store, plan_id, "anna", "a", amount="1e15", note="x")
    with pytest.raises(Invalid, match="still open"):
        nego.assign(store, plan_id, "olga", "even")
    nego.close_round(store, plan_id, "olga")
    with pytest.raises(Invalid, match="unknown remainder rule"):
        nego.assign(store, plan_id, "olga", "fair")
    with pytest.raises(Invalid, match="short"):
        nego.assign(store, plan_id, "olga", "manual", manual={"a": "1"})


def test_an_amount_typed_as_1_500_in_a_euro_plan_is_refused_not_read_as_one_fifty(store, plan_id):
    assert get_plan(store, plan_id).currency == "EUR"
    with pytest.raises(Invalid, match=r"goal total: '7\.000' is ambiguous.*type 7000"):
        nego.set_goal(store, plan_id, "olga", total="7.000")
    nego.set_goal(store, plan_id, "olga", total="7.000.000.000")
    version = get_plan(store, plan_id).version
    with pytest.raises(Invalid, match=r"claim amount: '1\.500' is ambiguous.*1500.*1\.5"):
        nego.claim(store, plan_id, "anna", "a", amount="1.500", note="x")
    assert get_plan(store, plan_id).version == version  # nothing was written
    nego.claim(store, plan_id, "anna", "a", amount="1.500,00", note="x")
    assert nego.ledger(store, plan_id).set_index("team").loc["a", "claim_minor"] == 150000


def test_a_draft_is_not_agreed_past_the_deviation_gate_and_locks_once_published(store, plan_id):
    """Locking agrees both tracks: the system plan is published first, where its deviations
    pass the gate (the demo draft had been locked with an unexplained purchase limit)."""
    from forecast.overrides import Scope
    from forecast.services.errors import FixKey, WrongStage

    first = nego.series_frame(store, plan_id)["ds"].min()
    event = system.add_event(
        store, plan_id, "olga", name="limit", kind="purchase_limit",
        scope=Scope({"Team": ("a",)}), start=first, end=first + pd.Timedelta(days=6),
        effect="percent", value=-50,
        reason="supplier allocation",
    )  # fmt: skip
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    before = get_plan(store, plan_id)
    open_now = system.gate_status(store, plan_id).open
    assert open_now > 0

    with pytest.raises(WrongStage) as refused:
        nego.lock(store, plan_id, "olga")

    said = str(refused.value)
    assert "cannot lock the plan while its system plan is a draft" in said
    assert f"{open_now} of its {open_now} deviation(s) above 20 % have no explanation" in said
    assert refused.value.fix is not None and refused.value.fix.key == FixKey.PUBLISH_FIRST
    after = get_plan(store, plan_id)
    assert (after.version, after.status) == (before.version, "draft")  # nothing was written
    assert nego.summary(store, plan_id)["stage"] == "assigning"
    system.explain(store, plan_id, "olga", reason_code="purchase_limit", text="allocation",
                   event_id=event.event.event_id)  # fmt: skip
    system.publish(store, plan_id, "olga")
    assert nego.lock(store, plan_id, "olga").status == "agreed"


def test_stale_version_is_refused(store, plan_id):
    state = nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.claim(store, plan_id, "anna", "a", amount=5, note="x", expected_version=state.version)
    with pytest.raises(StaleVersion, match="anna"):
        nego.claim(store, plan_id, "bert", "b", amount=5, note="y", expected_version=state.version)
    assert "b" not in nego.negotiation_of(get_plan(store, plan_id)).claims


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@pytest.mark.parametrize("typed", [99, 0])
def test_an_expected_version_the_plan_never_had_is_refused_naming_the_current_one(
    tmp_path, kind, typed
):
    from forecast.services.store_factory import open_store

    store = MemoryStore() if kind == "memory" else open_store(data_dir=tmp_path)
    plan_id = team_plan(store, "p", {"a": "anna"})
    current = get_plan(store, plan_id).version
    with pytest.raises(StaleVersion) as refused:
        nego.set_goal(store, plan_id, "olga", ratio="1.1", expected_version=typed)
    assert str(refused.value).startswith(f"there is no version {typed} of plan {plan_id}")
    assert f"the plan is at version {current}" in str(refused.value)
    assert "no recorded change" not in str(refused.value)


def test_a_period_given_twice_in_two_spellings_is_refused_not_summed(store, plan_id):
    dates = sorted(nego.series_frame(store, plan_id)["ds"].dt.strftime("%Y-%m-%d").unique())
    goals = {d: "1000000000" for d in dates}
    goals[dates[-1].replace("-", "/")] = "1000000000"
    with pytest.raises(Invalid, match=f"are the same period {dates[-1]}"):
        nego.set_goal(store, plan_id, "olga", per_period=goals)
    assert nego.negotiation_of(get_plan(store, plan_id)) is None


@pytest.mark.parametrize("again", ["same", "slashes"])
def test_a_per_period_file_giving_a_period_twice_is_refused_with_the_goals_reason(tmp_path, again):
    # one rule: the command line reads the file's rows as they are and shows the service's
    # refusal (it had its own check, which the service's repeated)
    from typer.testing import CliRunner

    from forecast.cli import app
    from forecast.services.store_factory import open_store

    data = tmp_path / "data"
    store = open_store(data_dir=data)
    plan_id = team_plan(store, "p", {"a": "anna"})
    dates = sorted(nego.series_frame(store, plan_id)["ds"].dt.strftime("%Y-%m-%d").unique())
    store.close()
    last = dates[-1]
    second = last if again == "same" else last.replace("-", "/")
    path = tmp_path / "goals.csv"
    rows = "".join(f"{d},1000000000\n" for d in dates)
    path.write_text(f"ds,goal\n{rows}{second},3000000\n")

    args = ["plan", "goal", plan_id, "--per-period", str(path), "--data-dir", str(data)]
    result = CliRunner().invoke(app, [*args, "--as", "olga"])

    reason = (
        f"per-period goal: '{last}' is given twice"
        if again == "same"
        else f"per-period goal: '{second}' and '{last}' are the same period {last}"
    )
    assert result.exit_code != 0
    assert reason in " ".join(result.output.split())
    assert "give each period's goal once" in result.output
    # the file and both rows of the period (header: row 1; the dates: rows 2 to n + 1)
    where = f"{path} row {len(dates) + 2} (the period's first row: {len(dates) + 1})"
    assert where in " ".join(result.output.split())
    store = open_store(data_dir=data)
    try:
        assert nego.negotiation_of(get_plan(store, plan_id)) is None
    finally:
        store.close()


def test_agreed_plan_is_immutable_and_a_new_version_can_change(store, plan_id):
    from forecast.services.plan_versions import new_version

    nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "even", exclude=["c"])
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    for attempt in (
        lambda: nego.assign(store, plan_id, "olga", "even"),
        lambda: nego.claim(store, plan_id, "anna", "a", amount=1, note="x"),
        lambda: nego.set_goal(store, plan_id, "olga", total="1"),
        lambda: nego.lock(store, plan_id, "olga"),
    ):
        with pytest.raises(Locked, match="new version"):
            attempt()
    copy = new_version(store, plan_id, "olga")
    # the copy carries the negotiation, open again for the owner to reassign or reopen the round
    assert nego.summary(store, copy.plan_id)["stage"] == "assigning"
    assert nego.ledger(store, copy.plan_id).equals(nego.ledger(store, plan_id))
    nego.reopen_round(store, copy.plan_id, "olga")
    nego.claim(store, copy.plan_id, "anna", "a", amount="100", note="second thoughts")
    nego.close_round(store, copy.plan_id, "olga")
    nego.assign(store, copy.plan_id, "olga", "even")
    system.publish(store, copy.plan_id, "olga")  # the new version's system plan, published again
    nego.lock(store, copy.plan_id, "olga")
    assert nego.summary(store, copy.plan_id)["target_total"] == 700_000_000_000
    assert get_plan(store, plan_id).status == "agreed"  # the original is untouched
    assert nego.negotiation_of(get_plan(store, plan_id)).claims == {}


def test_goal_on_system_plan_basis_is_recorded(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000", basis="system_plan")
    assert nego.summary(store, plan_id)["basis"] == "system_plan"


def test_per_period_goal_adds_up_by_period_in_the_spread(store, plan_id):
    frame = nego.series_frame(store, plan_id)
    periods = sorted(frame["ds"].dt.strftime("%Y-%m-%d").unique())
    goals = {p: Decimal("2500000000.01") for p in periods}
    nego.set_goal(store, plan_id, "olga", per_period=goals)
    nego.claim(store, plan_id, "anna", "a", amount="1000000000", note="x")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    plan = nego.negotiated_plan(store, plan_id)
    per_period = plan.groupby(plan["ds"].dt.strftime("%Y-%m-%d"))["target_minor"].sum()
    assert per_period.to_dict() == {p: 250_000_000_001 for p in periods}


def test_goal_by_period_gives_the_basis_and_the_split_goal(store, plan_id):
    frame = nego.series_frame(store, plan_id)
    before = nego.goal_by_period(store, plan_id, "baseline")
    assert before["basis"].sum() == pytest.approx(frame["baseline"].sum())
    assert before["goal"].isna().all()
    goals = {p: Decimal("2500000000.01") for p in before["ds"]}
    nego.set_goal(store, plan_id, "olga", per_period=goals)
    after = nego.goal_by_period(store, plan_id, "system_plan")
    assert list(after["goal"]) == list(goals.values())
    with pytest.raises(Invalid, match="unknown basis"):
        nego.goal_by_period(store, plan_id, "target")


def test_stretch_gives_probabilities_and_growth(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="1")
    table = nego.stretch(store, plan_id).set_index("team")
    assert table.loc["TOTAL", "probability_reach"] == pytest.approx(0.5, abs=0.01)
    assert table.loc["a", "last_year"] is not None
    assert table.loc["a", "growth_vs_last_year"] > 1000  # baselines are billions, history is ~100


def test_stretch_total_target_is_the_goal_before_the_remainder_is_assigned(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="10000000000")
    nego.claim(store, plan_id, "anna", "a", amount="1000000000", note="x")
    before = nego.stretch(store, plan_id).set_index("team")
    assert before.loc["TOTAL", "target"] == pytest.approx(10_000_000_000)
    assert before.drop(index="TOTAL")["target"].sum() < 10_000_000_000  # remainder open
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    after = nego.stretch(store, plan_id).set_index("team")
    assert after.loc["TOTAL", "target"] == pytest.approx(10_000_000_000)
    assert after.drop(index="TOTAL")["target"].sum() == pytest.approx(10_000_000_000)


def test_score_names_the_closer_track(store, plan_id):
    nego.set_goal(store, plan_id, "olga", ratio="10/6.5")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    plan = nego.negotiated_plan(store, plan_id)
    actuals = plan[["unique_id", "ds"]].assign(y=plan["target"] * 0.98)
    result = nego.score(store, plan_id, actuals).set_index("team")
    assert result.loc["TOTAL", "closer"] == "target"
    with pytest.raises(Invalid, match="unique_id"):
        nego.score(store, plan_id, actuals.rename(columns={"unique_id": "id"}))


def test_system_plan_basis_and_spread_follow_the_events(store, plan_id):
    from forecast.overrides import Scope

    frame = nego.series_frame(store, plan_id)
    first = frame["ds"].min()
    system.add_event(
        store,
        plan_id,
        "olga",
        name="big promo",
        kind="promotion",
        scope=Scope({"Team": ("a",)}),
        start=first,
        end=first,
        effect="percent",
        value=50,
        reason="flyer",
    )
    frame = nego.series_frame(store, plan_id)
    promo = (frame["team"] == "a") & (frame["ds"] == first)
    assert (frame.loc[promo, "system_plan"] > frame.loc[promo, "baseline"]).all()
    nego.set_goal(store, plan_id, "olga", ratio="1.2", basis="system_plan")
    neg = nego.negotiation_of(get_plan(store, plan_id))
    assert neg.team_system_plan["a"] > neg.team_baseline["a"]
    assert neg.team_system_plan["b"] == neg.team_baseline["b"]
    assert neg.goal == round(sum(neg.team_system_plan.values()) * 1.2)
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    plan = nego.negotiated_plan(store, plan_id)
    # spread by system plan: the promoted week of team a carries more of the target per unit of baseline
    ratio = plan["target"] / plan["baseline"]
    a = plan["team"] == "a"
    assert ratio[a & (plan["ds"] == first)].min() > ratio[a & (plan["ds"] != first)].max()
    assert int(plan["target_minor"].sum()) == neg.goal


def test_goal_can_change_while_claiming_and_claims_stay(store, plan_id):
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    nego.claim(store, plan_id, "anna", "a", amount="100000000", note="x")
    nego.set_goal(store, plan_id, "olga", total="8000000000")
    summary = nego.summary(store, plan_id)
    assert summary["gap"] == 150_000_000_000 and summary["claimed"] == 10_000_000_000
    nego.close_round(store, plan_id, "olga")
    with pytest.raises(Invalid, match="stage 'assigning'"):
        nego.set_goal(store, plan_id, "olga", total="9000000000")
    nego.reopen_round(store, plan_id, "olga")
    nego.set_goal(store, plan_id, "olga", total="9000000000")
    assert nego.summary(store, plan_id)["goal"] == 900_000_000_000


def test_score_calls_a_difference_under_five_hundredths_of_a_point_a_tie_as_the_track_record_does():
    """`plan score` called 7.51 % against 7.53 % for the system plan while the track record
    called it a tie; one verdict rule now."""
    import pandas as pd

    from forecast import negotiation as domain

    plan = pd.DataFrame(
        {
            "unique_id": ["1", "2"],
            "ds": ["2024-01-01", "2024-01-01"],
            "team": ["a", "a"],
            "system_plan": [107.51, 100.0],
            "target": [107.53, 100.0],
        }
    )
    actuals = pd.DataFrame({"unique_id": ["1", "2"], "ds": ["2024-01-01"] * 2, "y": [100.0] * 2})
    close = domain.attainment(plan, actuals).set_index("team")
    assert close.loc["a", "closer"] == "tie"  # 3.755 % against 3.765 %: 0.01 points apart
    apart = domain.attainment(plan.assign(target=[108.0, 100.0]), actuals).set_index("team")
    assert apart.loc["a", "closer"] == "system_plan"  # 0.245 points apart


def test_a_per_period_goal_dated_by_week_ends_sets_each_weeks_goal(store, plan_id):
    # a planner's file dated as their sales file is (the week's last day): each date names the
    # week it falls in, as `plan explain --ds` reads a day
    starts = sorted(nego.series_frame(store, plan_id)["ds"].unique())
    ends = {
        (pd.Timestamp(d) + pd.Timedelta(days=6)).strftime("%Y-%m-%d"): "2500000000.01"
        for d in starts
    }

    nego.set_goal(store, plan_id, "olga", per_period=ends)

    by_period = nego.goal_by_period(store, plan_id, "baseline")
    assert list(by_period["goal"]) == [Decimal("2500000000.01")] * len(starts)
    first, second = (
        list(ends)[0],
        (pd.Timestamp(starts[0]) + pd.Timedelta(days=2)).strftime("%Y-%m-%d"),
    )
    with pytest.raises(Invalid, match=f"'{first}' and '{second}' fall in the same period"):
        nego.set_goal(store, plan_id, "olga", per_period={first: "1", second: "2"})
