"""The replay of past cycles on the bundled Rossmann sample: both cultures rebuilt per cycle from
the data before it, scored against what happened; events only where the promo flag differs from
the week the seasonal naive baseline copies."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.cli.fix_hints import cli_message
from forecast.services import replay
from forecast.services.errors import Invalid
from tests.fixtures import six_store_csv


@pytest.fixture(scope="module")
def six_stores(tmp_path_factory, rossmann_train):
    return six_store_csv(rossmann_train, tmp_path_factory.mktemp("replay") / "six.csv")


def test_replay_scores_both_cultures_per_cycle_from_the_cli(six_stores, rossmann_stores):
    result = CliRunner().invoke(
        app,
        [
            "replay", str(six_stores), "--cycles", "2", "--horizon", "8", "--goal-ratio", "1.1",
            "--rule", "pro_rata_baseline", "--attributes", str(rossmann_stores),
            "--team-attr", "StoreType", "--claim", "a=2", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    overall = [c for c in report["cycles"] if c["scope"] == "overall"]
    assert [c["cycle"] for c in overall] == [1, 2]
    assert overall[0]["end"] < overall[1]["start"]  # consecutive cycles, the latest last
    for cycle in report["cycles"]:
        wapes = (cycle["wape_system_plan"], cycle["wape_target"])
        expected = "system_plan" if wapes[0] < wapes[1] else "target"
        assert cycle["closer"] in (expected, "tie")
    assert {c["key"] for c in report["cycles"] if c["scope"] == "team"} == {"a", "c", "d"}
    assert report["settings"]["claims"] == {"a": "2"}
    assert any("goal of 1.1 x the baseline" in a for a in report["assumptions"])
    # the rule by its label, as the Negotiation page offers it (its key stays in the settings)
    assert any(
        "assigns the rest by the rule 'pro rata to basis'" in a for a in report["assumptions"]
    )
    assert not any("pro_rata_baseline" in a for a in report["assumptions"])


def test_rebuilt_events_follow_the_flag_against_the_copied_week(six_stores, rossmann_stores):
    from forecast.engine.ingest import read_sales

    result = replay.replay(
        six_stores, attributes_file=rossmann_stores, team_attr="StoreType", cycles=1, horizon=8
    )
    history = read_sales(six_stores, freq="W", attributes_file=rossmann_stores).history
    history = history.set_index(["unique_id", "ds"])
    weeks = pd.DatetimeIndex(sorted(history.index.get_level_values("ds").unique()))
    assert "Promo" in set(result.events["flag"])
    for event in result.events.to_dict(orient="records"):
        ds = pd.Timestamp(event["ds"])
        copied = weeks[weeks.get_loc(ds) - 52]
        now = history[event["flag"]].xs(ds, level="ds")
        then = history[event["flag"]].xs(copied, level="ds")
        moved = ((now >= 0.5).astype(int) - (then >= 0.5).astype(int)).loc[lambda d: d != 0]
        direction = 1 if event["flag_now"] == "on" else -1
        assert (moved == direction).sum() >= event["series"]


@pytest.fixture(scope="module")
def four_quarters(six_stores, rossmann_stores):
    """Four 13-week cycles of the 133-week sample: the first two start 81 and 94 weeks in,
    under two seasons (104 weeks), so seasonal naive has no season before the one it would copy."""
    return replay.replay(
        six_stores, attributes_file=rossmann_stores, team_attr="StoreType", cycles=4, horizon=13
    )


def test_replay_says_which_cycles_repeated_the_last_value_and_how_many_copy_a_season(
    four_quarters,
):
    overall = four_quarters.cycles[four_quarters.cycles["scope"] == "overall"]
    LAST = "naive (under two seasons)"  # seasonal naive repeated the last value
    assert list(overall["baseline_model"]) == [LAST, LAST, "snaive", "snaive"]
    assert four_quarters.summary()["cycles_on_last_value"] == 2
    said = " ".join(four_quarters.assumptions)
    assert "In cycles 1 and 2 the history before the cycle is under two seasons (104" in said
    assert "replay 2 cycle(s), or shorter cycles, or a longer history" in said


def _weekly(six_stores, rossmann_stores):
    from forecast.engine.ingest import read_sales

    history = read_sales(six_stores, freq="W", attributes_file=rossmann_stores).history
    history = history.set_index(["unique_id", "ds"])
    return history, pd.DatetimeIndex(sorted(history.index.get_level_values("ds").unique()))


def _assert_netted_against(events: pd.DataFrame, history: pd.DataFrame, copied: pd.Timestamp):
    """Each event moves the flag between its week and the `copied` week, in its direction."""
    assert len(events)
    for event in events.to_dict(orient="records"):
        now = history[event["flag"]].xs(pd.Timestamp(event["ds"]), level="ds") >= 0.5
        then = history[event["flag"]].xs(copied, level="ds") >= 0.5
        moved = (now.astype(int) - then.astype(int)).loc[lambda d: d != 0]
        direction = 1 if event["flag_now"] == "on" else -1
        assert (moved == direction).sum() >= event["series"], event


def test_events_of_a_flat_cycle_are_netted_against_the_last_week_not_a_year_before(
    four_quarters, six_stores, rossmann_stores
):
    history, weeks = _weekly(six_stores, rossmann_stores)
    first = four_quarters.cycles.query("cycle == 1 and scope == 'overall'")["start"].iloc[0]
    last_week = weeks[weeks.get_loc(pd.Timestamp(first)) - 1]
    _assert_netted_against(four_quarters.events.query("cycle == 1"), history, last_week)
    # a cycle with two seasons before it is still netted against the week a year before
    assert "the seasonal naive copies the period 52 back" in " ".join(four_quarters.assumptions)


def test_replay_refuses_a_model_the_engine_does_not_fit_and_names_those_it_can(six_stores):
    # "naive" was offered by --help and then failed in the engine naming other models
    with pytest.raises(Invalid, match="unknown replay model 'naive'; use one of snaive, ets"):
        replay.replay(six_stores, cycles=1, horizon=8, model="naive")


def test_replay_cli_shows_the_baseline_model_per_cycle_and_qualifies_the_verdict(
    six_stores, rossmann_stores
):
    result = CliRunner().invoke(
        app,
        [
            "replay", str(six_stores), "--cycles", "3", "--horizon", "13",
            "--attributes", str(rossmann_stores), "--team-attr", "StoreType",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if " overall " in f" {line} "]
    assert rows[0].endswith("naive (under two seasons)") and rows[2].endswith("snaive")
    assert "in 1 of them seasonal naive repeated the last value" in result.stdout


def test_replay_refuses_a_history_too_short_for_its_cycles(six_stores):
    with pytest.raises(Invalid, match="fewer cycles or fewer periods") as refused:
        replay.replay(six_stores, cycles=12, horizon=13)
    assert "lower --cycles or --horizon" in cli_message(refused.value)
    with pytest.raises(Invalid, match="manual rule") as manual:
        replay.replay(six_stores, rule="manual")
    assert "use pro_rata_baseline, even, pro_rata_claims, pro_rata_shortfall" in str(manual.value)


def test_replay_offers_every_rule_but_the_manual_one_on_the_page_and_the_command_line():
    """The rule that spares volunteers was accepted but named nowhere: not in the command's help,
    not in its refusals, not on the Replay form."""
    from typer.testing import CliRunner

    from dashboard.pages.accuracy_replay import RULES
    from forecast.cli import app

    assert list(RULES) == ["pro_rata_baseline", "even", "pro_rata_claims", "pro_rata_shortfall"]
    refused = CliRunner().invoke(app, ["replay", "any.csv", "--rule", "manual"])
    assert refused.exit_code == 2
    assert "'pro_rata_shortfall'" in refused.output


def test_replay_refuses_more_cycles_than_it_allows_before_fitting_anything(six_stores):
    """Each cycle refits the baseline: a thousand daily cycles would hold the server for hours,
    so they are refused at once with the limit, from a file and from a plan alike."""
    with pytest.raises(Invalid, match=f"more than the {replay.MAX_CYCLES} it allows"):
        replay.replay(six_stores, cycles=1000, horizon=1)
    with pytest.raises(Invalid, match=f"more than the {replay.MAX_CYCLES} it allows"):
        replay.replay_plan(None, "any plan", cycles=replay.MAX_CYCLES + 1)  # type: ignore[arg-type]


def test_replay_names_the_attributes_when_the_team_attribute_is_not_there(six_stores):
    """A typo in --team-attr (or no --attributes) had ended in an internal KeyError."""
    with pytest.raises(Invalid, match="there is no attribute 'StoreTyp'"):
        replay.replay(six_stores, cycles=1, horizon=4, team_attr="StoreTyp")


def test_replay_refuses_a_claim_for_a_team_it_does_not_have(six_stores):
    """`--claim z=5` for a team that is not there had been ignored without a word."""
    with pytest.raises(Invalid, match="no team 'z' to claim for; its teams are all"):
        replay.replay(six_stores, cycles=1, horizon=4, claims={"z": Decimal("5")})


def test_replay_refuses_a_goal_ratio_of_zero(six_stores):
    """`--goal-ratio 0` had been accepted: a goal of no sales at all."""
    with pytest.raises(Invalid, match="asks for no sales at all"):
        replay.replay(six_stores, cycles=1, horizon=4, goal_ratio="0")


@pytest.mark.parametrize(
    ("claim", "said"),
    [
        ("a=500", "more than 100 %"),
        ("a=-250%", "more than 100 %"),
        ("a=nan", "is not TEAM=PERCENT"),
        ("a=1e999999999", "is not TEAM=PERCENT"),
        ("a=" + "9" * 1_000_000, "is not TEAM=PERCENT"),
        ("=2", "is not TEAM=PERCENT"),
    ],
)
def test_replay_claims_are_read_within_bounds_and_refused_with_the_form(claim, said):
    """`--claim a=500` was replayed as a team promising six times its baseline; a million-digit
    or infinite percent was read as a number."""
    with pytest.raises(Invalid, match=said) as refused:
        replay.parse_claims([claim])
    assert len(str(refused.value)) < 400  # the long text is quoted by its start only
    assert replay.parse_claims(["a=2", "b = -1.5 %"]) == {"a": Decimal("2"), "b": Decimal("-1.5")}
