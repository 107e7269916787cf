"""How reachable is the stretch benchmark's own target for a predictive that is calibrated?

The target (observed within 10 points of predicted in every bin of predicted probability that
holds at least 20 cases) is judged on cases that share their luck: consecutive origins' windows
overlap, the four targets of a team and origin share one outcome, and the teams of a set share
their weeks. A perfectly calibrated predictive still misses bins by chance, the more the fewer
independent outcomes a bin rests on.

This module asks how often. It keeps the run's real predicted probabilities (so the bins hold the
same cases) and draws the outcomes from a calibrated world with the run's dependence: one latent
normal score per (origin, team), shared by the team's targets; a moving average over the
origins its luck spans (``persistence``); a share common to the teams (``team_correlation``). A
target is reached when the score's uniform ``Phi(x)`` exceeds ``1 - p``, so each case is reached
with exactly its predicted probability. The dependence is estimated from the run's own cases: the
normal scores of the PITs of the actual totals (``Phi^-1(1 - P(reach the actual total))``), their
autocorrelation across origins fitted by a moving average's, and their mean correlation across
teams at the same origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

BIN_EDGES = np.linspace(0.0, 1.0, 11)
MIN_BIN = 20
TOLERANCE_POINTS = 10.0
PIT_CLIP = 1e-3  # PITs of 0 or 1 (a target at a probability of 0 or 1) would be infinite scores


@dataclass(frozen=True)
class Dependence:
    """How the outcomes of a set's cases hang together."""

    persistence: int  # origins one outcome's luck spans (length of the moving average)
    team_correlation: float  # correlation of the teams' scores at one origin
    overlap: int  # origins a window overlaps: horizon / origin step, rounded up
    persistent_share: float = 1.0  # share of the scores' variance the moving average carries
    autocorrelation: tuple[float, ...] = ()  # mean over teams, lags 1, 2, ...
    origins: int = 0
    teams: int = 0

    def describe(self) -> str:
        acf = ", ".join(f"{a:.2f}" for a in self.autocorrelation[:6])
        more = ", ..." if len(self.autocorrelation) > 6 else ""
        if self.persistence == 1 or self.persistent_share == 0:
            across_origins = "none"
        elif self.persistent_share >= 0.995:
            across_origins = f"a moving average over {self.persistence} origins"
        else:
            across_origins = (
                f"a moving average over {self.persistence} origins carrying "
                f"{100 * self.persistent_share:.0f} % of their variance, the rest fresh at "
                "every origin"
            )
        windows = f"{self.overlap} origin{'s' if self.overlap != 1 else ''}"
        return (
            f"dependence estimated from this run's {self.origins} origins x {self.teams} teams, "
            f"from the normal scores of the actual totals' PITs: across origins, {across_origins} "
            f"(fitted to their autocorrelation at lags 1..{len(self.autocorrelation)}: "
            f"{acf}{more}; a window overlaps {windows}); across teams, correlation "
            f"{self.team_correlation:.2f} (mean over pairs of teams at the same origin)"
        )


@dataclass(frozen=True)
class Reachability:
    """How a calibrated predictive fares against the target on simulated histories."""

    chance: float  # share of histories in which every bin of MIN_BIN+ cases is met
    mean_share: float  # mean over histories of the share of such bins met
    histories: int
    seed: int


def normal_scores(pit: np.ndarray) -> np.ndarray:
    """``Phi^-1`` of PITs, clipped to ``[PIT_CLIP, 1 - PIT_CLIP]``; NaN stays NaN."""
    return np.asarray(ndtri(np.clip(np.asarray(pit, dtype=float), PIT_CLIP, 1 - PIT_CLIP)))


def origin_grid(positions: np.ndarray) -> tuple[np.ndarray, int]:
    """Each position's index on the grid of origins (the smallest step between them), and the
    step. Gaps (origins left out) stay gaps."""
    unique = np.unique(positions)
    step = int(np.gcd.reduce(np.diff(unique))) if len(unique) > 1 else 1
    return ((np.asarray(positions) - unique[0]) // max(step, 1)).astype(int), max(step, 1)


def _score_matrix(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Normal scores as an (origin on the grid, team) matrix, NaN where missing; the step."""
    one = frame.drop_duplicates(["position", "team"])
    index, step = origin_grid(one["position"].to_numpy())
    teams = sorted(one["team"].unique())
    column = one["team"].map({t: j for j, t in enumerate(teams)}).to_numpy()
    z = np.full((int(index.max()) + 1, len(teams)), np.nan)
    z[index, column] = normal_scores(one["pit"].to_numpy())
    return z, step


def _pair_correlation(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    both = ~(np.isnan(a) | np.isnan(b))
    n = int(both.sum())
    if n < 3 or np.std(a[both]) == 0 or np.std(b[both]) == 0:
        return float("nan"), 0
    return float(np.corrcoef(a[both], b[both])[0, 1]), n


def fit_persistence(autocorrelation: np.ndarray, pairs: np.ndarray) -> tuple[int, float]:
    """The length L of an equal-weight moving average and the share w of the variance it carries
    (the rest fresh at every origin) whose autocorrelation at lag k, ``w max(0, 1 - k / L)``, is
    nearest (least squares, weighted by the pairs behind each lag) to the measured one.
    (1, 0.0): no persistence."""
    lags = np.arange(1, len(autocorrelation) + 1)
    keep = ~np.isnan(autocorrelation)
    if not keep.any():
        return 1, 0.0
    a, n = autocorrelation[keep], pairs[keep]
    best, best_error = (1, 0.0), float(np.sum(n * a**2))
    for length in range(2, 2 * len(lags) + 1):
        shape = np.clip(1 - lags[keep] / length, 0.0, None)
        share = float(np.clip(np.sum(n * a * shape) / np.sum(n * shape**2), 0.0, 1.0))
        error = float(np.sum(n * (a - share * shape) ** 2))
        if error < best_error - 1e-12:
            best, best_error = (length, share), error
    return best


def estimate_dependence(frame: pd.DataFrame, horizon: int | None = None) -> Dependence:
    """The dependence of a set's outcomes, from its cases (columns position, team, pit; the rows
    of one origin and team share their PIT). Autocorrelation at lags up to twice the windows'
    overlap (at most a third of the origins), fitted by a moving average (``fit_persistence``);
    team correlation the mean over pairs of teams, floored at 0."""
    z, step = _score_matrix(frame)
    horizon = int(frame["horizon"].iloc[0]) if horizon is None else horizon
    overlap = max(1, -(-horizon // step))
    max_lag = max(1, min(2 * overlap, len(z) // 3))
    acf, pairs = [], []
    for lag in range(1, max_lag + 1):
        values = [_pair_correlation(z[:-lag, j], z[lag:, j]) for j in range(z.shape[1])]
        good = [(r, n) for r, n in values if n > 0]
        acf.append(
            np.average([r for r, _ in good], weights=[n for _, n in good]) if good else np.nan
        )
        pairs.append(sum(n for _, n in good))
    cross = [
        _pair_correlation(z[:, i], z[:, j])[0]
        for i in range(z.shape[1])
        for j in range(i + 1, z.shape[1])
    ]
    cross = [c for c in cross if not np.isnan(c)]
    rho = float(np.clip(np.mean(cross), 0.0, 0.99)) if cross else 0.0
    autocorrelation = np.array(acf, dtype=float)
    length, share = fit_persistence(autocorrelation, np.array(pairs, dtype=float))
    return Dependence(
        persistence=length,
        persistent_share=share,
        team_correlation=rho,
        overlap=overlap,
        autocorrelation=tuple(float(a) for a in autocorrelation),
        origins=int((~np.isnan(z)).any(axis=1).sum()),
        teams=z.shape[1],
    )


def simulate_scores(
    origins: int, teams: int, dependence: Dependence, histories: int, rng: np.random.Generator
) -> np.ndarray:
    """Latent normal scores (histories, origins, teams), each N(0, 1): a moving average over
    ``persistence`` origins (carrying ``persistent_share`` of the variance) plus a fresh draw at
    every origin, all innovations correlated ``team_correlation`` across teams."""
    length = dependence.persistence
    share = dependence.persistent_share if length > 1 else 0.0
    span = origins + length - 1
    innovations = _team_correlated(histories, span, teams, dependence.team_correlation, rng)
    summed = np.cumsum(np.concatenate([np.zeros((histories, 1, teams)), innovations], axis=1), 1)
    moving = (summed[:, length:] - summed[:, :-length]) / np.sqrt(length)
    fresh = _team_correlated(histories, origins, teams, dependence.team_correlation, rng)
    return np.asarray(np.sqrt(share) * moving + np.sqrt(1 - share) * fresh)


def _team_correlated(
    histories: int, periods: int, teams: int, rho: float, rng: np.random.Generator
) -> np.ndarray:
    common = rng.standard_normal((histories, periods, 1))
    own = rng.standard_normal((histories, periods, teams))
    return np.asarray(np.sqrt(rho) * common + np.sqrt(1 - rho) * own)


def bins_met(predicted: np.ndarray, reached: np.ndarray) -> tuple[np.ndarray, int]:
    """Per history (rows of ``reached``; one row for a single history): bins of ``MIN_BIN``+
    cases whose observed frequency is within ``TOLERANCE_POINTS`` of their mean prediction,
    and how many such bins there are. The bins are those of the benchmark's reliability table
    (``pd.cut`` on ``BIN_EDGES``, the first bin closed on the left)."""
    predicted = np.asarray(predicted, dtype=float)
    reached = np.atleast_2d(np.asarray(reached, dtype=float))
    index = np.clip(np.searchsorted(BIN_EDGES, predicted, side="left") - 1, 0, len(BIN_EDGES) - 2)
    onehot = np.zeros((len(predicted), len(BIN_EDGES) - 1))
    onehot[np.arange(len(predicted)), index] = 1.0
    counts = onehot.sum(axis=0)
    big = counts >= MIN_BIN
    mean_predicted = predicted @ onehot / np.maximum(counts, 1)
    observed = reached @ onehot / np.maximum(counts, 1)
    within = 100 * np.abs(observed - mean_predicted) <= TOLERANCE_POINTS
    return (within[:, big]).sum(axis=1), int(big.sum())


def reachability(
    frame: pd.DataFrame,
    dependence: Dependence,
    histories: int = 400,
    seed: int = 0,
    truth: np.ndarray | None = None,
) -> Reachability:
    """Chance that the set's cases meet the target when outcomes come from ``truth`` (default:
    the predictions themselves, a calibrated predictive) with ``dependence``; and the mean share
    of bins met. ``frame``: the set's cases (position, team, predicted)."""
    predicted = frame["predicted"].to_numpy(dtype=float)
    truth = predicted if truth is None else np.asarray(truth, dtype=float)
    index, _ = origin_grid(frame["position"].to_numpy())
    teams = sorted(frame["team"].unique())
    column = frame["team"].map({t: j for j, t in enumerate(teams)}).to_numpy()
    rng = np.random.default_rng(seed)
    x = simulate_scores(int(index.max()) + 1, len(teams), dependence, histories, rng)
    reached = ndtr(x[:, index, column]) > 1 - truth
    met, bins = bins_met(predicted, reached)
    if bins == 0:
        return Reachability(float("nan"), float("nan"), histories, seed)
    return Reachability(
        chance=float(np.mean(met == bins)),
        mean_share=float(np.mean(met / bins)),
        histories=histories,
        seed=seed,
    )
