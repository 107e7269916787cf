"""The predictive distribution of a window's miss, learned from the misses of earlier windows.

Input: ``log(actual total / forecast total)`` of past windows of ``horizon`` periods at origins
``step`` periods apart (overlapping when ``step < horizon``), per team. Rules predict the miss
of the next window from the windows that had ENDED before it started:

- ``mean``: the average miss of the windows of the last ``span`` horizons (a stable bias);
- ``last``: the miss of the latest window (the bias drifts: growth speeds up or slows down);
- ``zero``: no correction, a candidate only for fitted models, which follow a trend themselves
  (the naive models do not, so for them a bias is always corrected);
- ``year``: the miss of the window over the same weeks a year before, given (``year_ago``) for
  models whose season is shorter than a year: they miss the yearly pattern the same way each year.

Each rule is replayed on the past: at every earlier origin it predicts that origin's miss from
what was known then, which gives its out-of-sample errors. The centre is the blend of the rules
(weights >= 0 summing to 1) whose errors would have been smallest on those rows (pooled over the
teams, on the rows where every candidate has one; stacking): one rule takes all when the others
add nothing, and when each is right part of the time (the latest miss overshoots, the average
lags) the blend hedges between them instead of following whichever was luckiest. The blend's own
errors give the spread: a Student t whose scale is their root mean square (already predictive
errors, so no further widening for the centre), shrunk towards the spread pooled over the teams. Overlapping windows are not independent: they count as
the number of horizons they span (``n_eff``) for the degrees of freedom.

Recent errors weigh more: an error's weight halves every ``half_life`` origins (the caller passes
one year, fixed a priori), so a spread learned in a volatile year fades once calmer years follow,
and the rule is chosen on the same weights. The weights' effective number (Kish:
``(sum w)^2 / sum w^2``) replaces the count of errors in ``n_eff``.

Recalibration: the whole fit (rule choice and spread) is replayed at every earlier origin from
the windows that had ended before it, and the PIT of that origin's actual miss in that predictive
is recorded (as a normal score: N(0, 1) for a calibrated predictive). Their mean and sd (recent
ones weighing more, shrunk towards 0 and 1 with ``RECAL_PRIOR`` windows) shift and stretch the
predictive of the planned window: a bias the rules leave, tails too thin or too thick. The
correction is kept only if, replayed itself (learned at each origin from the PITs known then), it
predicted the later PITs better than none (log score); else the fit stands as it is.

Everything here is learned from windows that ended before the origin it is applied at: nothing
is tuned on the future. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

RULES = ("zero", "mean", "last", "year")
RULE_WORDS = {
    "zero": "centred on its forecast",
    "mean": "centred on its average miss",
    "last": "centred on its latest miss",
    "year": "centred on its miss over the same weeks a year before",
}
RULE_NOUNS = {
    "zero": "its forecast",
    "mean": "its average miss",
    "last": "its latest miss",
    "year": "its miss over the same weeks a year before",
}


def centred_on(rule: str, weights: dict[str, float] | None = None) -> str:
    """In words: what the predictive is centred on (one rule, or the blend of several)."""
    used = {r: w for r, w in (weights or {}).items() if w >= 0.01}  # shown as 1 % or more
    if len(used) <= 1:
        return RULE_WORDS.get(next(iter(used), rule), "")
    parts = [
        f"{RULE_NOUNS.get(r, r)} ({100 * w:.0f} %)"
        for r, w in sorted(used.items(), key=lambda kv: -kv[1])
    ]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"centred on a blend of {listed}, the mix that predicted its past windows best"


BIAS_RULES = ("mean", "last")  # for models that do not follow a trend (the naive ones)
# The ``year`` rule competes once its errors cover this many horizons of the rows compared.
YEAR_MIN_HORIZONS = 4
# The pooled spread counts as this many windows when a team's spread is shrunk towards it.
POOL_PRIOR = 2.0
# A calibrated predictive (PIT normal scores with mean 0, sd 1) counts as this many windows when
# the recalibration learned from past origins is shrunk towards it (fixed a priori).
RECAL_PRIOR = 8.0
PIT_CLIP = 1e-3  # PITs are clipped to [PIT_CLIP, 1 - PIT_CLIP] before their normal score


@dataclass
class Predictive:
    """Student t of a team's log miss over the next window, recalibrated: the normal score of
    its CDF is taken as normal with mean ``shift`` and sd ``stretch`` (0 and 1: as fitted)."""

    centre: float
    scale: float
    df: float
    shift: float = 0.0
    stretch: float = 1.0

    def cdf(self, value: float) -> float:
        """P(log miss <= value) under the Student t as fitted (before the recalibration)."""
        if self.scale <= 0:
            return 1.0 if value >= self.centre else 0.0
        # The Student t's CDF (scipy.stats.t.cdf) without importing all of scipy.stats in the
        # request that needs it first.
        from scipy.special import stdtr

        return float(stdtr(self.df, (value - self.centre) / self.scale))

    def reach(self, needed: float) -> float:
        """P(log miss >= needed), recalibrated."""
        from scipy.special import ndtr

        if self.scale <= 0:
            return 1.0 if self.centre >= needed else 0.0
        if self.shift == 0.0 and self.stretch == 1.0:
            return 1.0 - self.cdf(needed)
        score = _normal_score(self.cdf(needed))
        return float(ndtr((self.shift - score) / max(self.stretch, 1e-9)))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class Fit:
    rule: str
    residuals: int  # past origins whose miss was predicted out of sample
    n_eff: float  # the horizons those residuals span (overlapping windows counted once)
    by_team: dict[str, Predictive]
    replayed: int = 0  # past origins whose predictive was replayed for the recalibration
    recalibrated: bool = False  # whether the recalibration learned from them is applied
    weights: dict[str, float] = field(default_factory=dict)  # each rule's share of the centre


@dataclass
class Recalibration:
    """Where past misses fell in the predictives replayed at their origins: the mean and sd of
    their PITs as normal scores, shrunk towards (0, 1); ``count``: origins replayed."""

    shift: float = 0.0
    stretch: float = 1.0
    count: int = 0
    applied: bool = False  # the correction beat none on the past (else shift 0, stretch 1)


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
    z: np.ndarray,
    lag: int,
    span: int,
    year_ago: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each rule's prediction of z[k] (origins in rows, teams in columns) from the rows at least
    ``lag`` before it (the windows that had ended at origin k; NaN where none had), and of the
    window being planned, which starts when the last row's window ends (every row is known).
    ``year_ago``: the misses of the windows a year before each row's and before the planned one
    (ended by then), for the ``year`` rule; without it the rule predicts nothing."""
    rows, cols = z.shape
    past = {rule: np.full((rows, cols), np.nan) for rule in RULES}
    for k in range(lag, rows):
        for rule, value in _predict(z[max(0, k - lag - span + 1) : k - lag + 1]).items():
            past[rule][k] = value
    planned = _predict(z[max(0, rows - span) :])
    planned["year"] = np.full(cols, np.nan)
    if year_ago is not None:
        past["year"] = np.asarray(year_ago[0], dtype=float).copy()
        planned["year"] = np.asarray(year_ago[1], dtype=float).copy()
    return past, planned


def blend(predictions: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted mean of the rules' predictions (any shape), each element over the rules
    whose prediction is finite there (their weights renormalised); NaN where none is."""
    total: np.ndarray | None = None
    mass: np.ndarray | None = None
    for rule, w in weights.items():
        value = np.asarray(predictions[rule], dtype=float)
        ok = np.isfinite(value)
        part = np.where(ok, value, 0.0) * w
        have = ok * w
        total = part if total is None else total + part
        mass = have if mass is None else mass + have
    if total is None or mass is None:
        raise ValueError("no rule to blend")
    return np.divide(total, mass, out=np.full(total.shape, np.nan), where=mass > 0)


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
    recalibrate: bool = True,
    year_ago: tuple[np.ndarray, np.ndarray] | None = None,
) -> Fit | None:
    """The predictive of the next window per team from ``z`` (rows: origins ``step`` apart,
    oldest first, the last one ending where the history ends; ``lag`` = origins per horizon).
    ``half_life``: in origins, how fast the weight of older errors falls (None: equal weights).
    ``rules``: the candidates (``zero`` only for models that follow a trend themselves).
    ``recalibrate``: replay the same fit at every earlier origin and correct the predictive by
    where the misses fell in those past predictives (``Recalibration``).
    ``year_ago``: see ``rule_predictions``; given, the ``year`` rule is a candidate too.
    None when no past origin could be predicted out of sample."""
    predictions, planned = rule_predictions(z, lag, span, year_ago)
    if year_ago is not None and "year" not in rules:
        rules = (*rules, "year")
    errors = {rule: z - predictions[rule] for rule in rules}
    pooled_cols = [j for j, t in enumerate(teams) if t != total] or list(range(len(teams)))
    total_col = teams.index(total) if total in teams else -1
    fitting: dict[str, Any] = dict(
        span=span,
        step=step,
        horizon=horizon,
        half_life=half_life,
        pooled_cols=pooled_cols,
        lag=lag,
    )
    base = _base(errors, len(z), total_col=total_col, **fitting)
    if base is None:
        return None
    rule, weights, residuals, n_eff, spreads = base
    recal = Recalibration()
    if recalibrate:
        # Only origins whose predictive rested on at least half as many windows as the planned
        # one's: a fit on one or two windows is not miscalibrated the way the planned one is.
        recal = _recalibration(z, predictions, errors, lag, total_col, fitting, n_eff / 2)
    centres = blend(planned, weights)
    by_team: dict[str, Predictive] = {}
    for j, team in enumerate(teams):
        centre = float(centres[j])
        if not math.isfinite(centre):
            continue
        scale, df = spreads[j]
        by_team[team] = Predictive(
            centre=centre, scale=scale, df=df, shift=recal.shift, stretch=recal.stretch
        )
    return Fit(
        rule=rule,
        residuals=residuals,
        n_eff=n_eff,
        by_team=by_team,
        replayed=recal.count,
        recalibrated=recal.applied,
        weights=weights,
    )


def _base(
    errors: dict[str, np.ndarray],
    end: int,
    *,
    span: int,
    step: int,
    horizon: int,
    half_life: float | None,
    pooled_cols: list[int],
    total_col: int,
    lag: int = 1,
) -> tuple[str, dict[str, float], int, float, list[tuple[float, float]]] | None:
    """The rules' weights and each team's (scale, df) from the out-of-sample errors of the
    ``span`` rows before ``end``. The rules are compared on the rows where every candidate has an
    error (``year`` a candidate once those rows span ``YEAR_MIN_HORIZONS`` horizons): the blend
    of them (weights >= 0 summing to 1) with the smallest squared error there, pooled over the
    teams, recent rows weighing more (``_stack``). The spread is a Student t on the blend's own
    errors, shrunk towards the pooled spread. Also returned: the rule of the largest weight.
    None when no row has a rule's error."""
    window = {rule: e[max(0, end - span) : max(0, end)] for rule, e in errors.items()}
    finite = {rule: np.isfinite(e).all(axis=1) for rule, e in window.items()}
    candidates = [rule for rule in window if finite[rule].any() and rule != "year"]
    if not candidates:
        return None
    common = np.logical_and.reduce([finite[rule] for rule in candidates])
    if "year" in window:
        with_year = common & finite["year"]
        if with_year.sum() >= YEAR_MIN_HORIZONS * lag:
            candidates.append("year")
            common = with_year
    compared = {rule: window[rule][common] for rule in candidates}
    w_common = recency_weights(int(common.sum()), half_life)
    rms = {
        rule: float(np.sqrt(_weighted_mean(e[:, pooled_cols] ** 2, w_common)))
        for rule, e in compared.items()
    }
    rule = min(rms, key=lambda r: (rms[r], RULES.index(r)))
    if common.any() and len(candidates) > 1:
        weights = _stack(compared, pooled_cols, w_common)
        err = np.sum([w_r * compared[r] for r, w_r in weights.items()], axis=0)
        rule = max(weights, key=lambda r: (weights[r], -RULES.index(r)))
        pooled = float(np.sqrt(_weighted_mean(err[:, pooled_cols] ** 2, w_common)))
    else:
        weights = {rule: 1.0}
        err = window[rule][finite[rule]]
        pooled = rms[rule]
    w = recency_weights(len(err), half_life)
    kish = float(w.sum() ** 2 / (w**2).sum())
    n_eff = (kish - 1) * min(step, horizon) / horizon + 1
    spreads: list[tuple[float, float]] = []
    for j in range(err.shape[1]):
        var = _weighted_mean(err[:, j] ** 2, w)
        prior = 0.0 if j == total_col else POOL_PRIOR
        var = (n_eff * var + prior * pooled**2) / (n_eff + prior)
        spreads.append((math.sqrt(var), max(1.0, n_eff - 1 + prior)))
    return rule, weights, len(err), n_eff, spreads


def _stack(
    compared: dict[str, np.ndarray], cols: list[int], weights: np.ndarray
) -> dict[str, float]:
    """Weights >= 0 summing to 1 whose blend of the rules' errors (rows x teams, ``cols``
    pooled) has the smallest squared error, rows weighted by ``weights`` (stacking: the sum
    constraint is a heavily weighted extra row of a non-negative least squares)."""
    from scipy.optimize import nnls

    rules = list(compared)
    root = np.sqrt(weights)[:, None]
    a = np.column_stack([(compared[r][:, cols] * root).ravel() for r in rules])
    big = 1e3 * max(float(np.abs(a).max()), 1e-12)
    a = np.vstack([a, np.full((1, len(rules)), big)])
    b = np.zeros(len(a))
    b[-1] = big
    w, _ = nnls(a, b)
    w = np.clip(w, 0.0, None)
    if w.sum() <= 0:
        w = np.ones(len(rules))
    w = w / w.sum()
    return {r: float(x) for r, x in zip(rules, w, strict=True) if x > 1e-6}


def _recalibration(
    z: np.ndarray,
    predictions: dict[str, np.ndarray],
    errors: dict[str, np.ndarray],
    lag: int,
    total_col: int,
    fitting: dict[str, Any],
    min_n_eff: float = 0.0,
) -> Recalibration:
    """Replay the fit at every earlier origin k from the errors of windows that had ended
    before it (rows up to k - lag), and record where z[k] fell in that predictive (its PIT, as a
    normal score), for origins whose predictive rested on at least ``min_n_eff`` horizons. The
    normal scores' mean and spread, recent ones weighing more and shrunk towards a calibrated
    predictive's (0, 1), correct the predictive of the planned window, if that correction,
    itself replayed on the past (learned at each origin from the scores known then), predicted
    the later scores better than no correction (log score); else there is none."""
    scores: list[np.ndarray] = []
    rows: list[int] = []
    for k in range(len(z)):
        base = _base(errors, k - lag + 1, total_col=total_col, **fitting)
        if base is None:
            continue
        _rule, weights, _residuals, n_eff, spreads = base
        if n_eff < min_n_eff:  # a predictive on far fewer windows than the planned one
            continue
        centres = blend({r: predictions[r][k] for r in weights}, weights)
        row = []
        for j in fitting["pooled_cols"]:
            centre, actual = centres[j], z[k, j]
            if math.isfinite(centre) and math.isfinite(actual):
                scale, df = spreads[j]
                row.append(_normal_score(Predictive(centre, scale, df).cdf(float(actual))))
        if row:
            scores.append(np.array(row))
            rows.append(k)
    if not scores:
        return Recalibration()
    step, horizon = int(fitting["step"]), int(fitting["horizon"])
    half_life = fitting["half_life"]

    def learn(known: list[np.ndarray]) -> tuple[float, float]:
        w = recency_weights(len(known), half_life)
        means = np.array([r.mean() for r in known])
        squares = np.array([np.square(r).mean() for r in known])
        kish = float(w.sum() ** 2 / (w**2).sum())
        n = (kish - 1) * min(step, horizon) / horizon + 1  # overlapping windows counted once
        mean = float(np.sum(w * means) / w.sum())
        var = max(float(np.sum(w * squares) / w.sum()) - mean**2, 0.0)
        return n * mean / (n + RECAL_PRIOR), math.sqrt((n * var + RECAL_PRIOR) / (n + RECAL_PRIOR))

    gain: list[float] = []  # log score of the replayed correction minus none, per checked row
    for i, k in enumerate(rows):
        known = [scores[m] for m in range(i) if rows[m] <= k - lag]
        if known:
            shift, stretch = learn(known)
            q = scores[i]
            gain.append(
                float(np.mean(0.5 * q**2 - 0.5 * ((q - shift) / stretch) ** 2)) - math.log(stretch)
            )
    if not gain or float(np.dot(recency_weights(len(gain), half_life), gain)) <= 0:
        return Recalibration(count=len(scores))
    shift, stretch = learn(scores)
    return Recalibration(shift=shift, stretch=stretch, count=len(scores), applied=True)


def _normal_score(u: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(min(max(u, PIT_CLIP), 1 - PIT_CLIP)))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Mean over rows (and columns, equally) with row ``weights``."""
    rows = values.reshape(len(values), -1).mean(axis=1)
    return float(np.sum(rows * weights) / np.sum(weights))
