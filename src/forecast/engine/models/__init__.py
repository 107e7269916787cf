"""Thin model adapters behind one contract (see ``base.Model``).

Prophet is imported only in ``prophet_adapter`` (and only when a Prophet model is fitted)."""

from __future__ import annotations

from forecast.engine.models.base import Model, ModelError, hi_key, lo_key
from forecast.engine.models.naive import Naive, SeasonalNaive, ZeroAwareMean, Zeros

__all__ = [
    "Model",
    "ModelError",
    "Naive",
    "SeasonalNaive",
    "ZeroAwareMean",
    "Zeros",
    "hi_key",
    "lo_key",
]


def make_model(name: str, season_length: int, **options: object) -> Model:
    """Build a fresh adapter by name. Options a model does not use are ignored."""
    if name == "snaive":
        return SeasonalNaive(season_length)
    if name == "naive":
        return Naive()
    if name == "mean":
        return ZeroAwareMean(season_length)
    raise ModelError(f"unknown model {name!r}")
