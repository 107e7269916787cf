"""How reachable the stretch benchmark's target is for a calibrated predictive: the simulation of
``benchmarks/stretch_reachability.py`` and the estimate of the outcomes' dependence it rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from benchmarks import bench_stretch as bench
from benchmarks import stretch_reachability as sr


def _cases(origins: int, teams: int = 1, step: int = 1, seed: int = 0) -> pd.DataFrame:
    """One case per (origin, team), predicted probabilities spread evenly over (0, 1)."""
    rng = np.random.default_rng(seed)
    n = origins * teams
    return pd.DataFrame(
        {
            "position": np.repeat(np.arange(origins) * step, teams),
            "team": np.tile([f"t{j}" for j in range(teams)], origins),
            "horizon": step,
            "predicted": rng.uniform(0.001, 0.999, n),
        }
    )


def _independent() -> sr.Dependence:
    return sr.Dependence(persistence=1, team_correlation=0.0, overlap=1)


def test_independent_cases_with_a_thousand_per_bin_meet_the_target_almost_always() -> None:
    frame = _cases(10_000)
    result = sr.reachability(frame, _independent(), histories=200, seed=1)
    assert result.chance >= 0.97
    assert result.mean_share >= 0.99


def test_one_shared_outcome_per_window_makes_the_target_far_less_reachable() -> None:
    frame = _cases(10_000)
    independent = sr.reachability(frame, _independent(), histories=200, seed=1)
    shared = sr.Dependence(persistence=2_000, team_correlation=0.0, overlap=2_000)
    together = sr.reachability(frame, shared, histories=200, seed=1)
    assert together.chance <= independent.chance - 0.5
    assert together.mean_share < independent.mean_share


def test_teams_that_share_their_luck_make_the_target_less_reachable() -> None:
    frame = _cases(30, teams=40)
    apart = sr.reachability(frame, _independent(), histories=300, seed=2)
    alike = sr.Dependence(persistence=1, team_correlation=0.9, overlap=1)
    together = sr.reachability(frame, alike, histories=300, seed=2)
    assert together.mean_share < apart.mean_share - 0.1


def test_a_miscalibrated_predictive_meets_fewer_bins_than_a_calibrated_one() -> None:
    frame = _cases(5_000)
    calibrated = sr.reachability(frame, _independent(), histories=200, seed=3)
    truth = np.clip(frame["predicted"].to_numpy() + 0.15, 0.0, 1.0)  # reached more often
    over = sr.reachability(frame, _independent(), histories=200, seed=3, truth=truth)
    assert calibrated.chance >= 0.9
    assert over.chance == 0.0
    assert over.mean_share < calibrated.mean_share - 0.5


def test_simulated_outcomes_are_reached_as_often_as_predicted() -> None:
    dependence = sr.Dependence(persistence=4, team_correlation=0.5, overlap=4)
    rng = np.random.default_rng(4)
    x = sr.simulate_scores(50, 3, dependence, 4_000, rng)
    assert abs(x.mean()) < 0.05
    assert abs(x.std() - 1) < 0.05
    reached = ndtr(x) > 1 - 0.3
    assert abs(reached.mean() - 0.3) < 0.02


def test_the_same_seed_gives_the_same_chance() -> None:
    frame = _cases(400, teams=3)
    dependence = sr.Dependence(persistence=6, team_correlation=0.3, overlap=6)
    first = sr.reachability(frame, dependence, histories=100, seed=7)
    again = sr.reachability(frame, dependence, histories=100, seed=7)
    assert first == again


def test_dependence_is_estimated_from_the_pits_of_the_cases() -> None:
    """Scores with a known moving average over 5 origins and teams correlated 0.5: the estimate
    finds both from the PITs alone, on a grid of origins 7 days apart."""
    truth = sr.Dependence(persistence=5, team_correlation=0.5, overlap=5)
    x = sr.simulate_scores(600, 4, truth, 1, np.random.default_rng(5))[0]
    frame = _cases(600, teams=4, step=7).assign(horizon=35, pit=ndtr(x.reshape(-1)))
    found = sr.estimate_dependence(frame)
    assert found.overlap == 5
    assert abs(found.persistence - 5) <= 1
    assert found.persistent_share > 0.8
    assert abs(found.team_correlation - 0.5) < 0.1
    assert found.origins == 600 and found.teams == 4
    assert "a moving average over 5 origins" in found.describe()


def test_a_persistent_part_beside_fresh_luck_is_told_apart() -> None:
    """Scores 60 % of whose variance persists over 8 origins, the rest fresh at every origin: the
    fit finds the share, and the simulated scores keep that autocorrelation."""
    truth = sr.Dependence(persistence=8, team_correlation=0.3, overlap=8, persistent_share=0.6)
    x = sr.simulate_scores(1_500, 4, truth, 1, np.random.default_rng(9))[0]
    lag1 = np.mean([np.corrcoef(x[:-1, j], x[1:, j])[0, 1] for j in range(4)])
    assert abs(lag1 - 0.6 * 7 / 8) < 0.06
    frame = _cases(1_500, teams=4).assign(horizon=8, pit=ndtr(x.reshape(-1)))
    found = sr.estimate_dependence(frame)
    assert abs(found.persistence - 8) <= 2
    assert abs(found.persistent_share - 0.6) < 0.12
    assert "% of their variance, the rest fresh at every origin" in found.describe()


def test_independent_pits_show_no_persistence() -> None:
    rng = np.random.default_rng(6)
    frame = _cases(400, teams=3).assign(horizon=4, pit=rng.uniform(size=1200))
    found = sr.estimate_dependence(frame)
    assert found.persistent_share < 0.1  # whatever length is fitted to the noise carries ~0
    assert found.team_correlation < 0.1


def test_the_bins_met_agree_with_the_benchmarks_reliability_table() -> None:
    rng = np.random.default_rng(8)
    frame = _cases(300, teams=4)
    frame.loc[:5, "predicted"] = [0.0, 0.1, 0.2, 0.5, 1.0, 0.9]  # bin edges
    frame["reached"] = (rng.uniform(size=len(frame)) < frame["predicted"] ** 0.8).astype(float)
    met, bins = sr.bins_met(frame["predicted"].to_numpy(), frame["reached"].to_numpy())
    assert (int(met[0]), bins) == bench.bins_met(frame)
