"""auto's windows decide whether the file's flags enter the per-series members: left out where
they make the windows' forecasts clearly worse, kept otherwise; the model column says so, and
closures still apply without them."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecast.engine import auto_flags
from forecast.engine.auto import Selection, window_task
from forecast.engine.baseline import SeriesTask, fit_predict, forecast_series
from forecast.engine.runner import make_runner

HORIZON = 8


def weekly_task(flag: np.ndarray, y: np.ndarray | None = None, uid: str = "s0") -> SeriesTask:
    flags = np.asarray(flag, dtype=float).reshape(len(flag), -1)
    n = len(flag) - HORIZON
    ds = pd.date_range("2020-01-03", periods=n + HORIZON, freq="W-FRI")
    rng = np.random.default_rng(len(uid))
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(n) / 52) + rng.normal(0, 2, n) if y is None else y
    return SeriesTask(
        uid=uid,
        y=np.asarray(y, dtype=float),
        ds=ds[:n],
        future_ds=ds[n:],
        model="auto",
        season=52,
        levels=(80, 95),
        exog=flags[:n],
        future_exog=flags[n:],
        exog_names=("markdown",),
    )


def sample_windows(tasks: list[SeriesTask]) -> tuple[list, dict[int, np.ndarray]]:
    windows, actual = [], {}
    for i, task in enumerate(tasks):
        for w in range(2):
            cut = window_task(task, w * HORIZON, HORIZON)
            assert cut is not None
            start = len(cut.y)
            actual[len(windows)] = task.y[start : start + HORIZON]
            windows.append((i, cut, 1.0))
    return windows, actual


def biased_by_flags(bias_with: float, bias_without: float):
    """A stand-in member whose window error depends only on whether it was given the flags."""

    def forecast(item: tuple[SeriesTask, str]) -> dict[str, np.ndarray]:
        cut, _ = item
        bias = bias_with if cut.member_flags else bias_without
        return {"mean": np.full(cut.horizon, 100.0 + bias)}

    return forecast


def flagged_tasks() -> list[SeriesTask]:
    return [weekly_task(np.r_[np.zeros(100), np.arange(52.0)], uid=f"s{k}") for k in range(3)]


def test_flags_that_make_the_windows_clearly_worse_are_left_out_of_the_members() -> None:
    windows, actual = sample_windows(flagged_tasks())
    keep, chosen, forecasts = auto_flags.choose_member_flags(
        make_runner(1), windows, actual, ("ets",), biased_by_flags(30.0, 2.0)
    )
    assert keep is False
    assert all(not cut.member_flags for _, cut, _ in chosen)
    assert set(forecasts) == {(k, "ets") for k in range(len(windows))}
    assert forecasts[(0, "ets")]["mean"][0] == pytest.approx(102.0)


def test_flags_are_kept_unless_leaving_them_out_is_better_by_the_margin() -> None:
    windows, actual = sample_windows(flagged_tasks())
    keep, chosen, _ = auto_flags.choose_member_flags(
        make_runner(1), windows, actual, ("ets",), biased_by_flags(10.0, 9.9)
    )
    assert keep is True
    assert all(cut.member_flags for _, cut, _ in chosen)


def test_a_flag_that_never_varies_does_not_start_the_probe() -> None:
    constant = [weekly_task(np.ones(152), uid=f"s{k}") for k in range(2)]
    assert not auto_flags.has_flags(sample_windows(constant)[0])
    assert auto_flags.has_flags(sample_windows(flagged_tasks())[0])


def test_the_model_column_says_which_members_ran_without_the_flags() -> None:
    off = {"num_leaves": 15, "flags": 0}
    on = {"num_leaves": 15}

    def note(members: tuple[str, ...], member_flags: bool, tuning: dict | None) -> str | None:
        chosen = ("mean", members)
        selection = Selection(chosen, {}, 0, global_tuning=tuning, member_flags=member_flags)
        return selection.flags_note

    assert note(("prophet", "lightgbm", "snaive"), False, off) == "without the file's flags"
    assert note(("prophet", "snaive"), False, None) == "without the file's flags"
    assert note(("prophet", "lightgbm"), False, on) == (
        "per-series members without the file's flags"
    )
    assert note(("prophet", "lightgbm"), True, off) == "lightgbm without the file's flags"
    assert note(("lightgbm", "snaive"), False, on) is None  # no per-series member uses them
    assert note(("ets", "prophet"), True, None) is None


@pytest.mark.slow
def test_members_without_flags_ignore_them_but_closed_periods_stay_zero() -> None:
    rng = np.random.default_rng(4)
    n = 156
    promo = (rng.random(n + HORIZON) < 0.3).astype(float)
    open_ = np.ones(n + HORIZON)
    open_[::9] = 0.0
    t = np.arange(n + HORIZON)
    y = (100 + 10 * np.sin(2 * np.pi * t / 52) + 40 * promo + rng.normal(0, 2, n + HORIZON)) * open_
    task = weekly_task(np.column_stack([promo, open_]), y[:n])
    task = replace(task, exog_names=("promo", "open"))
    bare = replace(task, exog=None, future_exog=None, exog_names=())
    without = replace(task, member_flags=False)
    # the promo lift is in the forecast only where the member was given the flags
    with_flags = fit_predict(task, "ets")["mean"]
    assert np.ptp(with_flags - fit_predict(bare, "ets")["mean"]) > 10
    np.testing.assert_allclose(
        fit_predict(without, "ets")["mean"], fit_predict(bare, "ets")["mean"]
    )
    served = forecast_series(
        replace(
            without,
            strategy=("single", ("ets",)),
            strategy_note="without the file's flags",
        )
    )
    closed = open_[n:] == 0
    assert closed.any()
    assert np.all(served.values["mean"][closed] == 0.0)
    assert np.all(served.values["mean"][~closed] > 0.0)
    assert served.label == "ets (without the file's flags)"


def markdown_history(series: int = 6, n: int = 150) -> pd.DataFrame:
    """Weekly sales with five markdown amounts that start 70 weeks before the end (0 before)
    and lifted sales only in their first 30 weeks: their effect, estimated per series, misleads
    the windows after it."""
    rng = np.random.default_rng(5)
    ds = pd.date_range("2019-01-04", periods=n, freq="W-FRI")
    t = np.arange(n)
    frames = []
    for k in range(series):
        amount = np.where(t >= n - 70, rng.gamma(2.0, 2000, n), 0.0)
        y = 200 + 30 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 6, n)
        y += np.where((t >= n - 70) & (t < n - 40), 0.02 * amount, 0.0)
        marks = {f"MarkDown{j}": amount * rng.uniform(0.5, 1.5, n) for j in range(1, 6)}
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": y, **marks}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
def test_auto_leaves_out_flags_that_mislead_its_windows_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from forecast.engine.baseline import forecast_baseline

    steps: list[tuple[int, int]] = []
    with caplog.at_level(logging.INFO, logger="forecast.engine"):
        out = forecast_baseline(
            markdown_history(),
            8,
            freq="W-FRI",
            model="auto",
            selection_progress=lambda done, total: steps.append((done, total)),
        )
    labels = set(out["model"])
    assert len(labels) == 1
    assert next(iter(labels)).endswith("without the file's flags)")
    assert "per-series members leave out the file's flags" in caplog.text
    # the backtests' progress runs once from 0 to its total through the probe and the rest
    total = steps[0][1]
    assert steps[0][0] == 0 and steps[-1] == (total, total)
    assert all(t == total for _, t in steps)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)
