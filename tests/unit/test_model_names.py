"""The model column's names in words: every model the engine can serve has its sentence."""

from __future__ import annotations

import pytest

from forecast import vocabulary
from forecast.engine import auto
from forecast.engine.models import stat_ensemble
from forecast.services import model_names


def test_every_model_the_engine_can_serve_is_explained() -> None:
    served = {
        *vocabulary.MODELS,
        *(name for names in auto.CANDIDATES.values() for name in names),
        *stat_ensemble.MEMBERS,
        "naive",
        "mean",
        "zeros",
        "hw",
    }
    missing = served - set(model_names.MODEL_NAMES)
    assert not missing, f"no words for {sorted(missing)}"
    assert set(model_names.SHORT_NAMES) == set(vocabulary.MODELS)


@pytest.mark.parametrize(
    ("label", "starts", "contains"),
    [
        ("snaive", "seasonal naive", "season"),
        ("median(dyn_theta,stl_ets,stat_ensemble)", "the median of 3 forecasts: Theta", "STL"),
        ("mean(ets,prophet) (flags left out)", "the mean of 2 forecasts", "(flags left out)"),
        ("mean (short series)", "the mean of the recent periods", "(short series)"),
        ("snaive (a gap of 25 periods filled)", "seasonal naive", "(a gap of 25 periods filled)"),
    ],
)
def test_a_label_reads_as_a_sentence_with_the_engines_note_kept(label, starts, contains) -> None:
    text = model_names.explain(label)
    assert text.startswith(starts) and contains in text


def test_an_unknown_name_is_shown_as_it_is() -> None:
    assert model_names.explain("my_model") == "my_model"
    assert model_names.explain("mean(my_model,ets)").startswith(
        "the mean of 2 forecasts: my_model;"
    )


def test_the_models_of_a_plan_are_grouped_by_model_with_the_engines_notes_counted() -> None:
    from forecast.services.model_names import model_uses

    gap = "a gap of 25 periods filled from a season before"
    uses = model_uses({"snaive": 83, f"snaive ({gap})": 17, "mean(ets,theta)": 4})
    assert [(u.label, u.series) for u in uses] == [("snaive", 100), ("mean(ets,theta)", 4)]
    assert uses[0].notes == ((gap, 17),) and uses[1].notes == ()
    assert uses[0].means.startswith("seasonal naive") and gap not in uses[0].means
    assert model_names.split("mean(ets,theta)") == ("mean(ets,theta)", None)


def test_a_label_with_several_notes_counts_each_note_on_its_own() -> None:
    """Superstore weekly: 'mean (intermittent) (no rows after ...)' was read as one note
    'intermittent) (no rows after ...', so the page's counts were paired with the wrong notes."""
    from forecast.services.model_names import model_uses

    late = "no rows after 2021-12-20: read as 0 up to 2021-12-27"
    early = "no rows after 2021-12-06: read as 0 up to 2021-12-27"
    uses = model_uses(
        {
            f"mean (intermittent) ({late})": 15,
            "mean (intermittent)": 9,
            f"mean (intermittent) ({early})": 6,
            "lightgbm": 27,
        }
    )
    mean = next(u for u in uses if u.label == "mean")
    assert mean.series == 30
    assert mean.notes == (("intermittent", 30), (late, 15), (early, 6))
    assert mean.noted == ["30 of them: intermittent", f"15 of them: {late}", f"6 of them: {early}"]
    assert model_names.split(f"mean (intermittent) ({late})") == ("mean", f"intermittent; {late}")
    assert model_names.notes_of("snaive (a gap (25 periods) filled)") == (
        "snaive",
        ["a gap (25 periods) filled"],
    )


def test_autos_choice_reads_as_a_sentence_and_a_named_model_has_none() -> None:
    chosen = {
        "label": "snaive",
        "mase": 0.7787,
        "snaive_mase": 0.7787,
        "worse_than_naive": 0.0,
        "series": 40,
        "windows": 3,
        "strategies": 260,
    }
    said = model_names.choice_text(chosen)
    assert said is not None and said.startswith("auto chose snaive among 260 models")
    assert "3 backtest windows of 40 series" in said and "0.779 (seasonal naive 0.779" in said
    assert said.endswith("worse than seasonal naive on 0 % of them.")
    assert model_names.choice_text({}) is None


def test_the_system_plan_page_shows_autos_choice_under_the_models() -> None:
    import json

    from dashboard.system import view

    uses = model_names.model_uses({"snaive": 3})
    note = json.dumps(
        view.models_note(uses, "auto chose snaive among 2").to_plotly_json(), default=str
    )
    assert "sys-fan-choice" in note and "auto chose snaive among 2" in note
    assert "sys-fan-choice" not in json.dumps(view.models_note(uses).to_plotly_json(), default=str)


def test_the_plan_created_line_groups_the_models_and_says_autos_choice() -> None:
    import json

    from dashboard.data_parts import view
    from forecast.services.types import PlanState

    state = PlanState(
        plan_id="p1", name="Plan", freq="W", horizon=13, team_attr=None, created_by="olga"
    )
    state.baseline.models_used = {"snaive": 83, "snaive (a gap of 25 periods)": 17}
    state.baseline.selection = {"label": "snaive", "mase": 0.78, "snaive_mase": 0.78, "series": 40}
    said = json.dumps(view.created(state).to_plotly_json(), default=str)
    assert "models snaive for 100 (17 of them: a gap of 25 periods)" in said
    assert "Auto chose snaive among" in said


def test_notes_that_differ_in_one_count_are_said_once_with_the_range() -> None:
    """A daily plan of 30 items listed 'a gap of 15 periods ...', 'a gap of 16 periods ...' and
    so on, a line each, and a label's two notes in one parenthesis as one note."""
    from forecast.services.model_names import model_uses

    end = "no rows after 2011-12-08: read as 0 up to 2011-12-09"
    uses = model_uses(
        {
            "mean(prophet,snaive) (a gap of 15 periods filled from a season before)": 2,
            "mean(prophet,snaive) (a gap of 63 periods filled from a season before)": 1,
            f"mean(prophet,snaive) ({end}; a gap of 43 periods filled from a season before)": 1,
            "mean(prophet,snaive)": 3,
        }
    )
    (use,) = uses
    assert use.series == 7
    assert use.notes == (("a gap of 15 to 63 periods filled from a season before", 4), (end, 1))
    one = model_uses({"snaive (a gap of 26 periods filled from a season before)": 5})
    assert one[0].notes == (("a gap of 26 periods filled from a season before", 5),)
