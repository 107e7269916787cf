"""The adapter contract every model follows, and the small helpers they share.

An adapter stores its settings in ``__init__`` and builds its third-party model fresh on every
``fit`` (darts style), so one adapter object can be reused across series without leaking state.
``predict`` returns a dict of float arrays of length ``h``: ``mean`` and ``lo-<level>`` /
``hi-<level>`` for every requested level.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd


class ModelError(RuntimeError):
    """A model could not fit or produced a degenerate forecast on one series."""


@runtime_checkable
class Model(Protocol):
    name: str

    def fit(
        self, y: np.ndarray, ds: pd.DatetimeIndex | None = None, exog: np.ndarray | None = None
    ) -> Model: ...

    def predict(
        self, h: int, levels: Sequence[int] = (80, 95), future_exog: np.ndarray | None = None
    ) -> dict[str, np.ndarray]: ...


def lo_key(level: int) -> str:
    return f"lo-{int(level)}"


def hi_key(level: int) -> str:
    return f"hi-{int(level)}"


def z_value(level: int) -> float:
    """Two-sided normal quantile for a central interval of ``level`` percent."""
    return NormalDist().inv_cdf(0.5 + level / 200.0)


def normal_intervals(
    mean: np.ndarray, sigma: np.ndarray, levels: Sequence[int]
) -> dict[str, np.ndarray]:
    """Point forecast plus symmetric normal intervals with per-step standard deviation ``sigma``."""
    out = {"mean": np.asarray(mean, dtype=float)}
    sigma = np.nan_to_num(np.asarray(sigma, dtype=float), nan=0.0, posinf=0.0)
    for level in levels:
        z = z_value(level)
        out[lo_key(level)] = out["mean"] - z * sigma
        out[hi_key(level)] = out["mean"] + z * sigma
    return out


def as_float_array(y: np.ndarray | Sequence[float]) -> np.ndarray:
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        raise ModelError(f"expected a 1-d series, got shape {arr.shape}")
    return arr
