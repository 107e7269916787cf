"""``auto``'s windows decide whether the file's flags enter the per-series members.

The file's flags (promo, holiday, markdown amounts...) enter every per-series model as
known-future regressors: an additive effect estimated on the series' own history
(``models.exog``), or Prophet's regressors. Where one series' history cannot tell a flag's
effect apart from its season, the effect hurts: Walmart store x dept's MarkDown1-5 (dollar
amounts, 0 before November 2011) made the stat ensemble 2.46 MASE on auto's windows against
1.21 without them, and every statistical member lost to seasonal naive on every sample store.

So on a file with flags, the cheap statistical members (``PROBES``) are fitted on auto's windows
with and without them; where their mean MASE without the flags is lower by more than ``MARGIN``,
every per-series member of the run (Prophet included) is fitted without them, on the windows and
in production (``SeriesTask.member_flags``). Closures still apply (a closed day stays 0), and the
global model decides for itself on the same windows (``auto_global``). The model column says so
(``Selection.flags_note``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from forecast.engine.metrics import mase
from forecast.engine.runner import map_in_steps

if TYPE_CHECKING:
    from forecast.engine.baseline import SeriesTask
    from forecast.engine.runner import Runner

logger = logging.getLogger(__name__)

PROBES = ("ets", "theta", "stl_ets", "fourier_ets")
"""Members fitted both ways on the windows (a few to tens of ms a fit; Prophet would cost ten
times more and follows their verdict)."""
MARGIN = 0.05
"""The flags are the user's data: they are left out only where the windows say they clearly hurt."""

Window = tuple[int, "SeriesTask", float]
Forecasts = dict[tuple[int, str], dict[str, np.ndarray]]


def has_flags(windows_of: Sequence[Window]) -> bool:
    """Whether any sample window carries a flag that varies (a constant flag has no effect)."""
    return any(
        cut.exog is not None and cut.exog.size > 0 and bool(np.any(cut.exog != cut.exog[0]))
        for _, cut, _ in windows_of
    )


def choose_member_flags(
    runner: Runner,
    windows_of: list[Window],
    actual: dict[int, np.ndarray],
    probes: Sequence[str],
    member_forecast: Callable[[tuple[SeriesTask, str]], dict[str, np.ndarray]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bool, list[Window], Forecasts]:
    """``(member_flags, windows, forecasts)``: whether the per-series members keep the flags,
    the windows' tasks saying so, and the probes' window forecasts under that choice."""
    without = [(i, replace(cut, member_flags=False), scale) for i, cut, scale in windows_of]
    variants = (windows_of, without)
    items = [(cut, m) for windows in variants for _, cut, _ in windows for m in probes]
    results = map_in_steps(runner, member_forecast, items, progress)
    per_variant = len(windows_of) * len(probes)
    found: list[Forecasts] = []
    scores: list[float] = []
    for v, windows in enumerate(variants):
        forecasts = {
            (k, m): results[v * per_variant + k * len(probes) + j]
            for k in range(len(windows))
            for j, m in enumerate(probes)
        }
        errors = [
            mase(actual[k], forecasts[(k, m)]["mean"], scale)
            for k, (_, _, scale) in enumerate(windows)
            for m in probes
        ]
        found.append(forecasts)
        scores.append(float(np.nanmean(errors)) if errors else np.inf)
    keep = not scores[1] < scores[0] * (1 - MARGIN)
    logger.info(
        "auto: per-series members %s the file's flags (windows' MASE of %s: %.3f with them, "
        "%.3f without)",
        "keep" if keep else "leave out",
        ", ".join(probes),
        scores[0],
        scores[1],
    )
    return (True, windows_of, found[0]) if keep else (False, without, found[1])


def flags_note(
    members: Sequence[str], member_flags: bool, global_tuning: dict[str, float] | None
) -> str | None:
    """What the model column says after the strategy when the file's flags were left out."""
    from forecast.engine.models.global_lgbm import NAME as GLOBAL_MODEL

    per_series = [m for m in members if m not in (GLOBAL_MODEL, "snaive")]
    off_members = not member_flags and bool(per_series)
    off_global = (
        GLOBAL_MODEL in members and global_tuning is not None and not global_tuning.get("flags", 1)
    )
    if off_members and (off_global or GLOBAL_MODEL not in members):
        return "without the file's flags"
    if off_members:
        return "per-series members without the file's flags"
    if off_global:
        return f"{GLOBAL_MODEL} without the file's flags"
    return None
