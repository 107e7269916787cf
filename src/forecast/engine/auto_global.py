"""``auto``'s windows with the global model: trained on all series cut at each window's origin,
its leaves, learning rate, rounds, loss and target form tuned on those windows
(``models.global_lgbm.GRID``), and whether the file's flags are among its features (markdown
amounts that start mid-history, as in Walmart store x dept, made it worse on the windows: 0.383
against 0.259 MASE on the last one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from forecast.engine.metrics import least_biased, mase, pooled_bias, scaled_totals

if TYPE_CHECKING:
    from forecast.engine.baseline import SeriesTask


def with_global_tuned(
    tasks: Sequence[SeriesTask],
    windows_of: list[tuple[int, SeriesTask, float]],
    window_index: list[int],
    horizon: int,
    actual: dict[int, np.ndarray],
) -> tuple[list[tuple[int, SeriesTask, float]], dict[str, float] | None]:
    """Give every sample window the forecast of a global model trained on all series cut at
    that window's origin (one training per window, as production trains once per run), with
    the leaves, learning rate, rounds, loss and target form of ``GRID`` that forecast the sample
    windows best (mean MASE; the windows are auto's own, never the horizon being forecast) among
    those whose windows' total is within ``metrics.BIAS_MARGIN`` of the least biased point's."""
    from forecast.engine.auto import window_task
    from forecast.engine.baseline import special_case
    from forecast.engine.models.global_lgbm import GlobalLightGBM, grid_for

    first = tasks[0]
    trains: dict[int, list[SeriesTask]] = {}
    for w in sorted(set(window_index)):
        cuts = [window_task(t, w * horizon, horizon, strict=False) for t in tasks]
        train = [c for c in cuts if c is not None and special_case(c) is None]
        if train:
            trains[w] = train
    if not trains:
        return list(windows_of), None
    points = grid_for(len(tasks))
    grid: list[dict[str, float]] = [dict(point) for point in points]
    if any(t.exog is not None and t.exog.size for t in tasks):
        grid += [dict(point, flags=0) for point in points]  # the file's flags as features or not
    grid_scores, grid_bias, fits = [], [], []
    for tuning in grid:
        errors, totals = [], []
        model = GlobalLightGBM(first.season, first.base_freq, first.holidays, tuning)
        fits.append({w: model.fit(train) for w, train in trains.items()})
        for w, train in trains.items():
            found = fits[-1][w].predict(train)
            for k, (_, cut, scale) in enumerate(windows_of):
                values = found.values.get(cut.uid)
                if window_index[k] == w and values is not None:
                    errors.append(mase(actual[k], values["mean"], scale))
                    totals.append(scaled_totals(actual[k], values["mean"], scale))
        grid_scores.append(float(np.nanmean(errors)) if errors else np.inf)
        grid_bias.append(pooled_bias(totals))
    # a point whose windows' total is far below (or above) the others' is passed over, however
    # low its MASE: the absolute loss forecasts the median, far below the mean on lumpy sales
    allowed = least_biased(dict(enumerate(grid_bias)))
    pick = min(allowed, key=lambda j: grid_scores[j])
    best = grid[pick]
    model = GlobalLightGBM(first.season, first.base_freq, first.holidays, best)
    out = list(windows_of)
    for w, train in trains.items():
        found = model.calibrate(fits[pick][w], train, first.levels).predict(train)
        for k, (i, cut, scale) in enumerate(windows_of):
            if window_index[k] == w:
                cut = replace(
                    cut,
                    global_values=found.values.get(cut.uid),
                    global_reason=found.reasons.get(cut.uid, "not in the window's training set"),
                )
                out[k] = (i, cut, scale)
    return out, dict(best)
