"""A plan made with ``auto`` keeps how the model was chosen (what, on how many backtests, beside
seasonal naive) and says it: on the System plan page, in ``forecast plan show``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import model_names, plan_create, plans, system_views
from forecast.services.store_factory import open_store


def _monthly(stores: int, months: int = 36) -> pd.DataFrame:
    """Three years by month: two backtest windows with two full seasons before each."""
    rng = np.random.default_rng(7)
    ds = pd.date_range("2018-01-01", periods=months, freq="MS")
    wave = 1 + 0.3 * np.sin(2 * np.pi * np.arange(months) / 12)
    return pd.concat(
        pd.DataFrame(
            {
                "unique_id": f"s{k}",
                "ds": ds,
                "y": (500 + 100 * k)
                * wave
                * (1 + 0.004 * np.arange(months))
                * rng.normal(1, 0.04, months),
            }
        )
        for k in range(stores)
    )


def _plan(store, name: str, model: str, stores: int):
    history = _monthly(stores=stores)
    return plan_create.create_plan_from_frames(
        store, name=name, history=history, attributes=None, freq="M", horizon=6,
        team_attr=None, actor="olga", model=model,
    )  # fmt: skip


def test_an_auto_plan_says_what_it_chose_and_how_it_scored_against_seasonal_naive(tmp_path):
    store = open_store(data_dir=tmp_path)
    try:
        # (three series: six backtest windows of all the members; with six series of 54 months
        # auto fitted four times as many, to tell the same story)
        state = _plan(store, "Monthly auto", "auto", stores=3)
        chosen = plans.get_plan(store, state.plan_id).baseline.selection  # stored, read back
        served = {model_names.split(label)[0] for label in state.baseline.models_used}
        assert chosen["label"] in served
        assert chosen["mase"] > 0 and chosen["snaive_mase"] > 0
        assert chosen["mase"] <= chosen["snaive_mase"]  # seasonal naive is a candidate
        assert chosen["series"] == 3 and chosen["windows"] >= 1 and chosen["strategies"] > 1
        said = system_views.fan_frames(store, state.plan_id, "total", None).choice
        assert said is not None and said.startswith(f"auto chose {chosen['label']} among")
        assert f"seasonal naive {chosen['snaive_mase']:.3f}" in said
    finally:
        store.close()
    shown = CliRunner().invoke(app, ["plan", "show", "Monthly auto", "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "auto chose" in shown.output


def test_a_plan_on_a_named_model_has_no_choice_to_tell(tmp_path):
    store = open_store(data_dir=tmp_path)
    try:
        state = _plan(store, "Monthly snaive", "snaive", stores=2)
        assert state.baseline.selection == {}
        assert system_views.fan_frames(store, state.plan_id, "total", None).choice is None
    finally:
        store.close()
