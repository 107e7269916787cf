"""The dashboard's start-up warm-up: done once by `create_app`, before the server answers.

Plotly builds a figure's validators, templates and JSON encoders the first time a chart type
is drawn, and the services load scipy and pyarrow on first use (`forecast.services.warmup`):
without this, the first user after a restart waited for all of it in their first page. Each
pure figure builder of the pages runs once on a tiny frame and its figure is encoded as a
response would be. Nothing of it is kept: only the libraries' own caches are filled, which
last as long as the process, so a second app made in the same process (the tests make
hundreds) does not draw them again.
"""

from __future__ import annotations

import functools

import pandas as pd
import plotly.io as pio

from dashboard import figures, figures_accuracy
from forecast.services import warmup


def _tiny_frames() -> dict[str, pd.DataFrame]:
    ds = pd.to_datetime(["2024-01-05", "2024-01-12"])
    band = {"baseline-lo-80": [0.9, 1.8], "baseline-hi-80": [1.1, 2.2]}
    band |= {"baseline-lo-95": [0.8, 1.6], "baseline-hi-95": [1.2, 2.4]}
    wapes = {"wape_baseline": [0.2], "wape_system_plan": [0.15], "wape_target": [0.18]}
    return {
        "history": pd.DataFrame({"ds": ds, "y": [1.0, 2.0]}),
        "baseline": pd.DataFrame({"ds": ds, "baseline": [1.0, 2.0], **band}),
        "system_plan": pd.DataFrame({"ds": ds, "system_plan": [1.0, 2.1]}),
        "periods": pd.DataFrame(
            {"ds": ds, "system_plan": [1.0, 2.1], "target": [1.1, 2.2], "baseline": [1.0, 2.0]}
            | band
        ),
        "teams": pd.DataFrame({"team": ["a"], "system_plan": [1.0], "target": [1.1]}),
        "stretch": pd.DataFrame({"team": ["a"], "probability": [0.4], "growth": [0.05]}),
        "layers": pd.DataFrame(
            {"layer": ["baseline", "system_plan"], "label": ["Baseline", "System plan"]}
            | {"wape": [0.2, 0.15]}
        ),
        "track": pd.DataFrame(
            {"scope": ["overall"], "key": [None], "horizon_start": ["2024-01-05"]}
            | {"name": ["plan"]}
            | wapes
        ),
        "score": pd.DataFrame({"team": ["a"], "wape_system_plan": [0.15], "wape_target": [0.18]}),
    }


@functools.cache
def warm_up() -> None:
    """Load the heavy libraries and draw every chart type once (a few tenths of a second at
    start; the first request of each page no longer pays it). Once per process: the caches it
    fills are the libraries' own, filled for every app the process makes."""
    warmup.load_heavy_modules()
    f = _tiny_frames()
    drawn = [
        figures.empty_figure(""),
        figures.in_currency(
            figures.fan_chart(f["history"], f["baseline"], f["system_plan"], title="t"), "USD"
        ),
        figures.gap_waterfall(1.0, {"a": 0.1}, {"a": 0.1}, 1.3, title="t"),
        figures.team_bars(f["teams"], title="t"),
        figures.period_lines(f["periods"], title="t"),
        figures.stretch_chart(f["stretch"], title="t"),
        figures.attainment_bars(f["score"]),
        figures_accuracy.fva_waterfall(f["layers"]),
        figures_accuracy.track_record_chart(f["track"]),
    ]
    for fig in drawn:
        pio.to_json(fig, validate=False)  # the encoder a response uses
