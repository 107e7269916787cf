"""The calibrated stretch: rolling-origin misses of team totals, a t predictive, a clear fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.engine import stretch as st


def _totals(weeks: int, growth: float = 0.0, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2020-01-03", periods=weeks, freq="W-FRI")
    season = 100 + 20 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    trend = (1 + growth) ** (np.arange(weeks) / 52)
    a = season * trend * np.exp(rng.normal(0, noise, weeks))
    b = 2 * season * trend * np.exp(rng.normal(0, noise, weeks))
    return pd.DataFrame({"a": a, "b": b}, index=ds)


def _anchor(cal: st.StretchCalibration, team: str) -> float:
    return cal.anchor[team]


def test_overlapping_windows_start_every_week_and_the_page_says_how_many_horizons_they_span() -> (
    None
):
    cal = st.calibrate(_totals(52 + 6 * 13), 13, "W-FRI", model="snaive")
    assert cal.step == 1 and cal.windows == 6
    assert set(cal.log_ratios) == {"a", "b", "TOTAL"}
    # Origins 52 .. 117, one a week: 66 windows of 13 weeks spanning 6 non-overlapping ones.
    assert len(cal.log_ratios["a"]) == 66
    assert cal.rests_on().startswith("from 6 past 13-week windows of this history")
    assert "one starting every week" in cal.rests_on()


def test_daily_windows_start_a_week_apart_so_each_starts_on_the_same_weekday() -> None:
    assert st.default_step("snaive", 7, 42) == 7
    assert st.default_step("snaive", 52, 13) == 1
    assert st.default_step("ets", 52, 13) == 13  # a costly model is not refitted every period


def test_a_perfect_seasonal_history_has_no_misses() -> None:
    cal = st.calibrate(_totals(52 + 4 * 13), 13, "W-FRI", model="snaive")
    assert all(abs(x) < 1e-12 for v in cal.log_ratios.values() for x in v)
    anchor = _anchor(cal, "a")
    assert st.reach_probability(cal, "a", anchor, anchor * 0.99) == pytest.approx(1.0)
    assert st.reach_probability(cal, "a", anchor, anchor * 1.01) == pytest.approx(0.0, abs=1e-9)


def test_steady_growth_shows_up_as_the_model_bias() -> None:
    # Seasonal naive misses 10 % a year of growth by about 10 %: reaching +5 % over its forecast
    # is likely, +20 % is not.
    cal = st.calibrate(_totals(52 * 3, growth=0.10, noise=0.01), 13, "W-FRI", model="snaive")
    mean = float(np.mean(cal.log_ratios["a"]))
    assert mean == pytest.approx(math.log(1.10), abs=0.02)
    anchor = _anchor(cal, "a")
    assert st.reach_probability(cal, "a", anchor, anchor * 1.05) > 0.8
    assert st.reach_probability(cal, "a", anchor, anchor * 1.2) < 0.2


def test_the_predicted_miss_applies_around_the_baseline_of_the_plans_own_model_family() -> None:
    # The misses are those of the plan's model family: the actual total is the baseline total
    # times the predicted miss, so the probability of +5 % over the baseline does not depend on
    # the baseline's level, and on the backtested forecast itself it equals that forecast's.
    cal = st.calibrate(_totals(52 * 3, growth=0.10, noise=0.01), 13, "W-FRI", model="snaive")
    anchor = _anchor(cal, "a")
    low = st.reach_probability(cal, "a", anchor * 0.5, anchor * 0.5 * 1.05)
    high = st.reach_probability(cal, "a", anchor * 2.0, anchor * 2.0 * 1.05)
    assert low == pytest.approx(high)
    assert anchor == pytest.approx(
        st.forecast_total(
            _totals(52 * 3, growth=0.10, noise=0.01)["a"].to_numpy(), 13, "snaive", 52
        )
    )


def test_growth_that_speeds_up_is_followed_by_the_latest_miss() -> None:
    # Flat for two years, then +15 % a year: the average past miss lags; the latest one does not.
    weeks = 52 * 3 + 26
    ds = pd.date_range("2020-01-03", periods=weeks, freq="W-FRI")
    season = 100 + 20 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    level = np.where(np.arange(weeks) < 104, 1.0, 1.15 ** ((np.arange(weeks) - 104) / 52))
    totals = pd.DataFrame({"a": season * level, "b": 2 * season * level}, index=ds)
    cal = st.calibrate(totals, 13, "W-FRI", model="snaive")
    assert cal.rule == "last"
    latest = cal.log_ratios["a"][-1]
    assert cal.predictive["a"]["centre"] == pytest.approx(latest)
    assert latest > float(np.mean(cal.log_ratios["a"])) + 0.02


def test_probability_falls_as_the_target_rises() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=3), 13, "W-FRI", model="snaive")
    anchor = _anchor(cal, "b")
    probs = [st.reach_probability(cal, "b", anchor, anchor * (1 + u)) for u in (0, 0.02, 0.05, 0.1)]
    assert all(p is not None for p in probs)
    assert probs == sorted(probs, reverse=True)
    assert 0 < probs[-1] < probs[0] < 1


def test_too_short_a_history_is_not_calibrated_and_says_why() -> None:
    cal = st.calibrate(_totals(52 + 2 * 13), 13, "W-FRI", model="snaive")
    assert not cal.usable
    assert st.reach_probability(cal, "a", 1000.0, 1000.0) is None
    assert "Not calibrated" in cal.rests_on() and "13-week window(s)" in cal.rests_on()


def test_a_calibration_stored_by_an_older_method_is_not_used() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=1), 13, "W-FRI", model="snaive")
    old = cal.to_dict()
    for key in ("method", "anchor", "predictive", "rule", "residuals"):
        old.pop(key)
    stale = st.StretchCalibration.from_dict(old)
    assert not stale.usable
    assert st.reach_probability(stale, "a", 1000.0, 1000.0) is None


def test_apply_calibration_replaces_the_probability_and_keeps_the_fallback_for_unknown_teams() -> (
    None
):
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=1), 13, "W-FRI", model="snaive")
    table = pd.DataFrame(
        {
            "team": ["a", "zz"],
            "target": [1050.0, 10.0],
            "expected": [1000.0, 10.0],
            "probability_reach": [0.123, 0.5],
        }
    )
    out = st.apply_calibration(table, cal)
    assert out.loc[0, "probability_reach"] == pytest.approx(
        st.reach_probability(cal, "a", 1000.0, 1050.0)
    )
    assert bool(out.loc[0, "calibrated"]) and not bool(out.loc[1, "calibrated"])
    assert out.loc[1, "probability_reach"] == 0.5


def test_events_in_the_system_plan_count_at_their_stated_size() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=1), 13, "W-FRI", model="snaive")
    base = cal.anchor["a"]
    table = pd.DataFrame(
        {
            "team": ["a", "b"],
            # a: a +30 % promotion in the system plan and a claim of +2 % over it; b: none.
            "target": [base * 1.3 * 1.02, cal.anchor["b"] * 1.02],
            "expected": [base * 1.3, cal.anchor["b"]],
            "expected_baseline": [base, cal.anchor["b"]],
            "probability_reach": [0.0, 0.0],
        }
    )
    out = st.apply_calibration(table, cal).set_index("team")
    # The promotion is not read as a 30 % stretch: +2 % over the system plan is as likely as
    # +2 % over the baseline would be without it.
    assert out.loc["a", "probability_reach"] == pytest.approx(
        st.reach_probability(cal, "a", base, base * 1.02)
    )
    assert 0.05 < out.loc["a", "probability_reach"] < 0.95
    assert "events in the system plan count at their stated size" in out.loc["a", "rests_on"]
    # A purchase limit (-25 %) makes the baseline itself a stretch.
    limited = table.assign(expected=[base * 0.75, cal.anchor["b"]], target=[base, 1.0])
    capped = st.apply_calibration(limited, cal).set_index("team")
    assert capped.loc["a", "probability_reach"] < st.reach_probability(cal, "a", base, base)
    # Events that take a team's whole total to zero (a "set 0" for every week): no target above
    # zero can be reached.
    emptied = st.apply_calibration(table.assign(expected=[0.0, cal.anchor["b"]]), cal)
    assert emptied.loc[0, "probability_reach"] == 0.0 and bool(emptied.loc[0, "calibrated"])
    # Without events the note says nothing about them.
    plain = st.apply_calibration(table.drop(columns="expected_baseline"), cal)
    assert not plain["rests_on"].str.contains("stated size").any()


def test_calibration_survives_the_plan_document_round_trip() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05), 13, "W-FRI", model="snaive")
    assert st.StretchCalibration.from_dict(cal.to_dict()) == cal


def test_the_plans_own_model_family_is_backtested_and_costly_members_get_a_stand_in() -> None:
    assert st.calibration_model("snaive") == ("snaive", True)
    assert st.calibration_model("naive") == ("naive", True)
    assert st.calibration_model("ets") == ("ets", True)
    assert st.calibration_model("theta") == ("theta", True)
    assert st.calibration_model("prophet") == ("fourier_ets", False)
    assert st.calibration_model("arima") == ("ets", False)
    # plans made while auto served the retired holdout-optimised Theta: its replacement
    assert st.calibration_model("mean(ets,opt_theta,arima)") == ("mean(ets,dyn_theta)", False)
    # auto: the label most series got.
    used = {"mean(ets,fourier_ets)": 70, "snaive": 30}
    assert st.calibration_model("auto", used) == ("mean(ets,fourier_ets)", True)
    assert st.calibration_model("auto", {"mean(ets,prophet)": 9}) == (
        "mean(ets,fourier_ets)",
        False,
    )
    assert st.calibration_model("auto", {"median(ets,theta,arima)": 4}) == (
        "mean(ets,theta)",
        False,
    )
    assert st.calibration_model("auto", {}) == ("snaive", False)


def test_the_notes_the_engine_adds_to_a_label_do_not_change_the_model_backtested() -> None:
    # the model column notes a gap, a member left out or an early end after the label
    gap = "snaive (a gap of 25 periods filled from a season before)"
    assert st.calibration_model("auto", {gap: 60, "ets": 40}) == ("snaive", True)
    # a label's series count once whatever their notes
    assert st.calibration_model("auto", {gap: 30, "snaive": 30, "ets": 40}) == ("snaive", True)
    flags = "mean(ets,fourier_ets) (fourier_ets without the file's flags)"
    assert st.calibration_model("auto", {flags: 9}) == ("mean(ets,fourier_ets)", True)


def test_a_combination_forecasts_the_mean_of_its_members_totals() -> None:
    y = _totals(52 * 3, growth=0.10, noise=0.02, seed=4)["a"].to_numpy()
    parts = [st.forecast_total(y, 13, m, 52) for m in ("snaive", "naive")]
    assert st.forecast_total(y, 13, "mean(snaive,naive)", 52) == pytest.approx(np.mean(parts))


def test_a_stand_in_lends_its_own_forecast_and_misses_whatever_the_baseline() -> None:
    # The plan's own misses are unknown when a stand-in is backtested: the actual total is
    # predicted by the stand-in's own forecast and misses (the seasonal naive misses 10 % a year
    # of growth, and corrects for it), wherever the plan's baseline lies.
    totals = _totals(52 * 3, growth=0.10, noise=0.01)
    own = st.calibrate(totals, 13, "W-FRI", model="snaive")
    other = st.calibrate(totals, 13, "W-FRI", model="snaive", plan_model="auto", family=False)
    assert own.backtests_the_plan and not other.backtests_the_plan
    anchor = other.anchor["a"]
    low, high = anchor * 0.9, anchor * 1.3  # two baselines the stand-in knows nothing about
    for target in (anchor, anchor * 1.1, anchor * 1.2):
        expected = st.reach_probability(own, "a", anchor, target)
        assert st.reach_probability(other, "a", low, target) == pytest.approx(expected)
        assert st.reach_probability(other, "a", high, target) == pytest.approx(expected)
    assert st.reach_probability(other, "a", low, low) > 0.95  # a low plan is reached
    assert st.reach_probability(other, "a", high, high) < 0.05  # a high one is not
    assert "its own forecast and misses, not the auto baseline's" in other.rests_on()
    assert st.StretchCalibration.from_dict(other.to_dict()) == other


def test_an_auto_baseline_that_is_exactly_the_backtested_forecast_is_treated_as_it() -> None:
    # auto may pick the seasonal naive: then the misses measured are exactly those of the plan.
    totals = _totals(52 * 3, growth=0.10, noise=0.01)
    own = st.calibrate(totals, 13, "W-FRI", model="snaive")
    other = st.calibrate(totals, 13, "W-FRI", model="snaive", plan_model="auto", family=False)
    anchor = other.anchor["a"]
    assert st.reach_probability(other, "a", anchor, anchor * 1.05) == pytest.approx(
        st.reach_probability(own, "a", anchor, anchor * 1.05)
    )
    table = pd.DataFrame(
        {
            "team": ["a", "b"],
            "target": [anchor * 1.05, other.anchor["b"] * 1.05],
            "expected": [anchor, other.anchor["b"] * 1.01],
            "probability_reach": [0.5, 0.5],
        }
    )
    out = st.apply_calibration(table, other)
    assert "centred on its" in out.loc[0, "rests_on"]
    assert "its own forecast and misses, not the auto baseline's" in out.loc[1, "rests_on"]


def test_a_plan_on_auto_backtests_the_combination_most_series_got() -> None:
    from forecast.services import stretch_calibration

    wide = _totals(130, noise=0.05, seed=2)
    history = (
        wide.rename_axis("ds")
        .reset_index()
        .melt(id_vars="ds", var_name="unique_id", value_name="y")
    )
    teams = pd.Series({"a": "north", "b": "south"})
    cal = stretch_calibration.compute(
        history,
        teams,
        horizon=13,
        freq="W-FRI",
        plan_model="auto",
        models_used={"mean(snaive,naive)": 2},
    )
    # Two and a half years: a fitted model's first origin comes after two seasons, which leaves too few
    # windows; the seasonal naive stands in with its own forecast and misses.
    assert cal.model == "snaive" and cal.plan_model == "auto" and not cal.family
    assert "a stand-in for auto (mean of seasonal naive and naive needs 143 periods" in (
        cal.rests_on()
    )
    longer = _totals(52 * 4, noise=0.05, seed=2)
    history = (
        longer.rename_axis("ds")
        .reset_index()
        .melt(id_vars="ds", var_name="unique_id", value_name="y")
    )
    cal = stretch_calibration.compute(
        history,
        teams,
        horizon=13,
        freq="W-FRI",
        plan_model="auto",
        models_used={"mean(snaive,naive)": 2},
    )
    assert cal.model == "mean(snaive,naive)" and cal.plan_model == "auto" and cal.family
    assert cal.step == 13  # a combination is refitted once a horizon, not every week
    assert set(cal.predictive) == {"north", "south", "TOTAL"}
    assert "mean of seasonal naive and naive" in cal.rests_on()
    assert "centred on its" in cal.rests_on()
    prophet = stretch_calibration.compute(
        history, teams, horizon=13, freq="W-FRI", plan_model="prophet"
    )
    assert prophet.model == "fourier_ets" and not prophet.family
    assert "a stand-in for prophet: its own forecast and misses" in prophet.rests_on()


def test_on_simulated_histories_a_fitted_family_gives_calibrated_probabilities() -> None:
    # 120 pairs of team histories (a random-walk level with drift, a yearly season, noise), each
    # calibrated on four years with a combination refitted once a horizon, then asked about the
    # next 13 weeks, which it never saw. Binned, observed frequency is close to predicted.
    rng = np.random.default_rng(23)
    weeks = 52 * 4
    predicted, reached = [], []
    for _ in range(120):
        n = weeks + 13
        season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(n) / 52 + rng.uniform(0, 6))
        drift, step_sd = rng.normal(0, 0.002), rng.uniform(0.002, 0.01)
        level = np.exp(np.cumsum(rng.normal(drift, step_sd, size=(n, 2)), axis=0))
        y = 100 * season[:, None] * level * np.exp(rng.normal(0, 0.05, size=(n, 2)))
        ds = pd.date_range("2020-01-03", periods=n, freq="W-FRI")
        totals = pd.DataFrame(y, index=ds, columns=["a", "b"])
        cal = st.calibrate(totals.iloc[:weeks], 13, "W-FRI", model="mean(snaive,naive)")
        assert cal.usable
        actual = totals.iloc[weeks:].sum()
        for team in ("a", "b"):
            plan = cal.anchor[team]
            for uplift in (0.0, 0.02, 0.05):
                p = st.reach_probability(cal, team, plan, plan * (1 + uplift))
                assert p is not None
                predicted.append(p)
                reached.append(float(actual[team] >= plan * (1 + uplift)))
    p, hit = np.array(predicted), np.array(reached)
    for lo in np.arange(0.0, 1.0, 0.25):
        inside = (p >= lo) & (p < lo + 0.25)
        if inside.sum() >= 60:
            assert abs(hit[inside].mean() - p[inside].mean()) < 0.12, lo


def test_a_fitted_model_may_be_found_unbiased_while_the_naive_ones_always_correct_a_bias() -> None:
    # Noise around a flat season: nothing to correct. A fitted model's backtest may choose no
    # correction ("centred on its forecast"); the seasonal naive picks one of its bias rules.
    totals = _totals(52 * 4, noise=0.05, seed=9)
    fitted = st.calibrate(totals, 13, "W-FRI", model="mean(snaive,naive)")
    naive = st.calibrate(totals, 13, "W-FRI", model="snaive")
    assert fitted.rule == "zero" and fitted.predictive["a"]["centre"] == 0.0
    assert "centred on its forecast" in fitted.rests_on()
    assert naive.rule in ("mean", "last")


def test_a_yearly_peak_the_weekly_season_misses_is_expected_again_from_the_year_before() -> None:
    # Three years of daily totals with a weekly pattern and a December peak (+40 %): the seasonal
    # naive on a week of days misses the peak by the same amount every December. Planned from
    # the end of November, the six weeks over December are predicted from last year's miss
    # (the rules are compared over the last 8 horizons, which hold last December).
    ds = pd.date_range("2019-01-01", "2021-11-30", freq="D")
    rng = np.random.default_rng(3)
    week = 1 + 0.2 * (ds.day_of_week >= 5)
    peak = np.where(ds.month == 12, 1.4, 1.0)
    y = 100 * week * peak * np.exp(rng.normal(0, 0.02, len(ds)))
    totals = pd.DataFrame({"a": y, "b": 2 * y}, index=ds)
    cal = st.calibrate(totals, 42, "D", model="snaive", season=7)
    assert cal.rule == "year"
    assert "a year before" in cal.rests_on()
    anchor = cal.anchor["a"]
    # The seasonal naive repeats a November week; the six weeks come in 20 to 30 % higher.
    assert st.reach_probability(cal, "a", anchor, anchor * 1.15) > 0.8
    assert st.reach_probability(cal, "a", anchor, anchor * 1.35) < 0.2


def test_the_blend_of_rules_is_stored_with_the_plan_and_named_on_the_page() -> None:
    cal = st.calibrate(_totals(52 * 3, noise=0.05, seed=1), 13, "W-FRI", model="snaive")
    assert cal.weights and sum(cal.weights.values()) == pytest.approx(1.0)
    data = cal.to_dict()
    data["weights"] = {"mean": 0.7, "last": 0.3}
    again = st.StretchCalibration.from_dict(data)
    assert again.usable
    assert "centred on a blend of its average miss (70 %) and its latest miss (30 %)" in (
        again.rests_on()
    )
    assert again.rests_on().startswith(f"from {cal.windows} past 13-week windows")
