"""The predictive distribution of a window's miss, learned from the misses of earlier windows.

Input: ``log(actual total / forecast total)`` of past windows of ``horizon`` periods at origins
``step`` periods apart (overlapping when ``step < horizon``), per team. Rules predict the miss
of the next window from the windows that had ENDED before it started:

- ``mean``: the average miss of the windows of the last ``span`` horizons (a stable bias);
- ``last``: the miss of the latest window (the bias drifts: growth speeds up or slows down);
- ``zero``: no correction, a candidate only for fitted models, which follow a trend themselves
  (the naive models do not, so for them a bias is always corrected).

Each rule is replayed on the past: at every earlier origin it predicts that origin's miss from
what was known then, which gives its out-of-sample errors. The rule with the smaller errors
(pooled over the teams) is used, and its own errors give the spread: a Student t whose scale is
their root mean square (already predictive errors, so no further widening for the centre), shrunk
towards the spread pooled over the teams. Overlapping windows are not independent: they count as
the number of horizons they span (``n_eff``) for the degrees of freedom.

Recent errors weigh more: an error's weight halves every ``half_life`` origins (the caller passes
one year, fixed a priori), so a spread learned in a volatile year fades once calmer years follow,
and the rule is chosen on the same weights. The weights' effective number (Kish:
``(sum w)^2 / sum w^2``) replaces the count of errors in ``n_eff``.

Everything here is learned from windows that ended before the origin it is applied at: nothing
is tuned on the future. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

RULES = ("zero", "mean", "last")
RULE_WORDS = {
    "zero": "centred on its forecast",
    "mean": "centred on its average miss",
    "last": "centred on its latest miss",
}
BIAS_RULES = ("mean", "last")  # for models that do not follow a trend (the naive ones)
# The pooled spread counts as this many windows when a team's spread is shrunk towards it.
POOL_PRIOR = 2.0


@dataclass
class Predictive:
    """Student t of a team's log miss over the next window."""

    centre: float
    scale: float
    df: float

    def reach(self, needed: float) -> float:
        """P(log miss >= needed)."""
        if self.scale <= 0:
            return 1.0 if self.centre >= needed else 0.0
        # The Student t's survival function (scipy.stats.t.sf) without importing all of
        # scipy.stats in the request that needs it first.
        from scipy.special import stdtr

        return float(stdtr(self.df, -(needed - self.centre) / self.scale))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class Fit:
    rule: str
    residuals: int  # past origins whose miss was predicted out of sample
    n_eff: float  # the horizons those residuals span (overlapping windows counted once)
    by_team: dict[str, Predictive]


def _predict(known: np.ndarray) -> dict[str, np.ndarray]:
    """Each rule's prediction from the misses of windows that had ended (oldest first)."""
    cols = known.shape[1]
    if len(known) == 0:
        return {rule: np.full(cols, np.nan) for rule in RULES}
    finite = np.isfinite(known)
    counts = finite.sum(axis=0)
    sums = np.where(finite, known, 0.0).sum(axis=0)
    mean = np.divide(sums, counts, out=np.full(cols, np.nan), where=counts > 0)
    zero = np.where(counts > 0, 0.0, np.nan)
    return {"zero": zero, "mean": mean, "last": known[-1].copy()}


def rule_predictions(
    z: np.ndarray, lag: int, span: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each rule's prediction of z[k] (origins in rows, teams in columns) from the rows at least
    ``lag`` before it (the windows that had ended at origin k; NaN where none had), and of the
    window being planned, which starts when the last row's window ends (every row is known)."""
    rows, cols = z.shape
    past = {rule: np.full((rows, cols), np.nan) for rule in RULES}
    for k in range(lag, rows):
        for rule, value in _predict(z[max(0, k - lag - span + 1) : k - lag + 1]).items():
            past[rule][k] = value
    return past, _predict(z[max(0, rows - span) :])


def recency_weights(count: int, half_life: float | None) -> np.ndarray:
    """Weights of ``count`` errors, oldest first: the newest 1, halving every ``half_life``
    rows (all 1 when ``half_life`` is None)."""
    age = np.arange(count - 1, -1, -1, dtype=float)
    if not half_life or half_life <= 0:
        return np.ones(count)
    return np.asarray(0.5 ** (age / half_life), dtype=float)


def fit(
    z: np.ndarray,
    teams: list[str],
    *,
    lag: int,
    span: int,
    step: int,
    horizon: int,
    total: str,
    half_life: float | None = None,
    rules: tuple[str, ...] = BIAS_RULES,
) -> Fit | None:
    """The predictive of the next window per team from ``z`` (rows: origins ``step`` apart,
    oldest first, the last one ending where the history ends; ``lag`` = origins per horizon).
    ``half_life``: in origins, how fast the weight of older errors falls (None: equal weights).
    ``rules``: the candidates (``zero`` only for models that follow a trend themselves).
    None when no past origin could be predicted out of sample."""
    predictions, planned = rule_predictions(z, lag, span)
    first = max(0, len(z) - span)  # residuals of the last ``span`` origins
    pooled_cols = [j for j, t in enumerate(teams) if t != total] or list(range(len(teams)))
    errors: dict[str, np.ndarray] = {}
    for rule in rules:
        err = z[first:] - predictions[rule][first:]
        err = err[np.isfinite(err).all(axis=1)]
        if len(err):
            errors[rule] = err
    if not errors:
        return None
    weights = {rule: recency_weights(len(e), half_life) for rule, e in errors.items()}
    rms = {
        rule: float(np.sqrt(_weighted_mean(e[:, pooled_cols] ** 2, weights[rule])))
        for rule, e in errors.items()
    }
    rule = min(rms, key=lambda r: (rms[r], RULES.index(r)))
    err = errors[rule]
    w = weights[rule]
    m = len(err)
    kish = float(w.sum() ** 2 / (w**2).sum())
    n_eff = (kish - 1) * min(step, horizon) / horizon + 1
    pooled = rms[rule]
    by_team: dict[str, Predictive] = {}
    for j, team in enumerate(teams):
        centre = float(planned[rule][j])
        if not math.isfinite(centre):
            continue
        var = _weighted_mean(err[:, j] ** 2, w)
        prior = 0.0 if team == total else POOL_PRIOR
        var = (n_eff * var + prior * pooled**2) / (n_eff + prior)
        by_team[team] = Predictive(
            centre=centre, scale=math.sqrt(var), df=max(1.0, n_eff - 1 + prior)
        )
    return Fit(rule=rule, residuals=m, n_eff=n_eff, by_team=by_team)


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Mean over rows (and columns, equally) with row ``weights``."""
    rows = values.reshape(len(values), -1).mean(axis=1)
    return float(np.sum(rows * weights) / np.sum(weights))
