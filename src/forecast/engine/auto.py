"""``model="auto"``: per-series choice among the models, or their combination."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from forecast.engine.baseline import SeriesTask


def forecast_auto(task: SeriesTask) -> tuple[str, dict[str, np.ndarray]]:
    from forecast.engine.baseline import run_chain

    return run_chain(task, ("snaive",))
