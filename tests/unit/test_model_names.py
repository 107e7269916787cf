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
