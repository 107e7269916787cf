"""Grids a keyboard passes in one Tab: every AG Grid of the pages takes
`components.GRID_ONE_TAB_STOP` (its cells are reached with the arrow keys; AG Grid's own Tab went
cell by cell, 60 presses through the Plans page's audit table to reach the next button)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash_ag_grid as dag
import pandas as pd

from dashboard import components
from dashboard.app import PAGES, create_app
from dashboard.data_parts import view


def _grids(component: Any) -> Iterator[dag.AgGrid]:
    if isinstance(component, dag.AgGrid):
        yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _grids(child)


def test_every_grid_of_every_page_is_one_tab_stop(tmp_path: Path):
    import dash

    app = create_app(data_dir=str(tmp_path))
    grids: dict[str, dict[str, Any]] = {}
    with app.server.test_request_context():
        for page in PAGES:
            layout = dash.page_registry[page.__name__]["layout"]()
            for grid in _grids(layout):
                grids[f"{page.PATH} {grid.id}"] = getattr(grid, "dashGridOptions", None) or {}
    # the Data page's grids are made once a file is read: its preview and its problems
    history = pd.DataFrame({"unique_id": ["1"], "ds": pd.to_datetime(["2024-03-01"]), "y": [1.0]})
    for made in (view.preview_table(history), view.problems_panel("sales.csv", [])):
        for grid in _grids(made):
            grids[f"/data {grid.id}"] = getattr(grid, "dashGridOptions", None) or {}

    assert len(grids) >= 16, sorted(grids)
    left_out = {
        where: options
        for where, options in grids.items()
        if any(options.get(key) != value for key, value in components.GRID_ONE_TAB_STOP.items())
    }
    assert left_out == {}, "grids Tab walks cell by cell"
