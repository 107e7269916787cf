"""Thin model adapters behind one contract (see ``base.Model``).

Prophet is imported only in ``prophet_adapter`` (and only when a Prophet model is fitted)."""

from __future__ import annotations

from forecast.engine.models.base import Model, ModelError, hi_key, lo_key
from forecast.engine.models.naive import Naive, SeasonalNaive, ZeroAwareMean, Zeros

__all__ = [
    "FLAGLESS_MODELS",
    "Model",
    "ModelError",
    "Naive",
    "SeasonalNaive",
    "ZeroAwareMean",
    "Zeros",
    "hi_key",
    "lo_key",
]


FLAGLESS_MODELS: frozenset[str] = frozenset({"snaive", "naive", "mean", "zeros"})
"""Models that read no flag columns (``naive``): planned flags change nothing of theirs. ETS,
Theta, STL-ETS, Fourier-ETS (``exog``), ARIMA, Prophet and LightGBM read them."""

RETIRED: dict[str, str] = {"opt_theta": "dyn_theta"}
"""Model names no longer built, and the model that replaced each (the holdout-optimised Theta
``opt_theta`` gave way to ``dyn_theta`` on 2026-12-02: its optimised Theta model chooses the theta
weight by likelihood, beside the standard and dynamic ones)."""


def make_model(name: str, season_length: int, **options: object) -> Model:
    """Build a fresh adapter by name. Options a model does not use are ignored."""
    if name == "snaive":
        return SeasonalNaive(season_length)
    if name == "naive":
        return Naive()
    if name == "mean":
        return ZeroAwareMean(season_length)
    if name == "ets":
        from forecast.engine.models.ets import ETS

        return ETS(season_length)
    if name == "hw":
        from forecast.engine.models.ets import ETS

        return ETS(season_length, variants=("damped_seasonal",))
    if name == "fourier_ets":
        from forecast.engine.models.fourier_ets import FourierETS

        return FourierETS(season_length, base_freq=str(options.get("base_freq", "W")))
    if name == "theta":
        from forecast.engine.models.theta import Theta

        return Theta(season_length)
    if name in RETIRED:
        raise ModelError(
            f"model {name!r} was retired; use {RETIRED[name]!r} instead (it includes "
            "the optimised Theta and chooses among the Theta variants per series)"
        )
    if name == "dyn_theta":
        from forecast.engine.models.theta_state import DynamicTheta

        return DynamicTheta(season_length)
    if name == "stl_ets":
        from forecast.engine.models.stl_ets import STLETS

        return STLETS(season_length, base_freq=str(options.get("base_freq", "W")))
    if name == "stat_ensemble":
        from forecast.engine.models.stat_ensemble import StatEnsemble

        return StatEnsemble(season_length, base_freq=str(options.get("base_freq", "W")))
    if name == "arima":
        from forecast.engine.models.arima import ARIMA

        return ARIMA(season_length)
    if name == "prophet":
        from forecast.engine.models.prophet_adapter import Prophet

        return Prophet(
            season_length,
            holidays=options.get("holidays"),  # type: ignore[arg-type]
            exog_names=options.get("exog_names", ()),  # type: ignore[arg-type]
            base_freq=str(options.get("base_freq", "W")),
            offset=options.get("offset"),  # type: ignore[arg-type]
        )
    raise ModelError(f"unknown model {name!r}")
