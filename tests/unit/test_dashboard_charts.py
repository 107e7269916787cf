"""Charts screen readers can name and read: every dcc.Graph of the pages sits in a figure named
after it and described by a hidden caption (assets/a11y.js writes the numbers into it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dash import dcc, html

from dashboard import components
from dashboard.app import PAGES, create_app


def _graphs_with_ancestors(component: Any, ancestors: tuple[Any, ...] = ()) -> Iterator[tuple]:
    if isinstance(component, dcc.Graph):
        yield component, ancestors
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _graphs_with_ancestors(child, (*ancestors, component))


def test_a_described_chart_is_a_figure_named_and_described_by_its_hidden_caption():
    graph = dcc.Graph(id="neg-waterfall")
    chart = components.described_chart("From the baseline to the goal", graph, loading=True)
    props = chart.to_plotly_json()["props"]
    assert isinstance(chart, html.Figure)
    assert props["aria-label"] == "From the baseline to the goal"
    loading, caption = chart.children
    assert isinstance(loading, dcc.Loading) and loading.children is graph
    assert isinstance(caption, html.Figcaption)
    assert caption.id == components.chart_summary_id("neg-waterfall") == props["aria-describedby"]
    assert "visually-hidden" in caption.className  # read out, not shown twice on screen
    assert "described-chart" in chart.className  # what the page's script looks for
    assert components.described_chart("Plain", graph).children[0] is graph


def test_every_chart_of_every_page_is_named_and_described(tmp_path: Path):
    import dash

    app = create_app(data_dir=str(tmp_path))
    charts: dict[str, str] = {}
    with app.server.test_request_context():
        for page in PAGES:
            layout = dash.page_registry[page.__name__]["layout"]()
            for graph, ancestors in _graphs_with_ancestors(layout):
                boxes = [a for a in ancestors if isinstance(a, html.Figure)]
                assert boxes, f"{graph.id} on {page.PATH} has no accessible name"
                props = boxes[-1].to_plotly_json()["props"]
                assert props["aria-describedby"] == components.chart_summary_id(graph.id)
                charts[graph.id] = props["aria-label"]
    assert len(charts) >= 10 and all(charts.values()), charts
