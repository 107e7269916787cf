"""The dashboard on a phone, a tablet and with a screen reader, as layout properties: grid columns
keep a readable width (the grid scrolls sideways instead of squeezing them to nothing), the
negotiation's cards share rows by the screen's width, every input has a name, and the stage bar
says the stage in words as well as by colour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import dash_ag_grid as dag
import pytest
from dash import dcc, html
from test_services_negotiation import team_plan

from dashboard import components
from dashboard.app import create_app
from dashboard.data_parts import view as data_view
from dashboard.negotiation_parts import view as negotiation_view
from dashboard.system import columns as system_columns
from forecast.services import negotiation as nego
from forecast.services.negotiation_board import negotiation_board
from forecast.store import MemoryStore
from tests.unit.test_fix_hints import text_of

READABLE_COLUMN_PX = 100
"""The least width of a column that takes a share of the grid's width (AG Grid's `flex`): without
one, on a 390 px phone the event's name and scope shrank to two letters."""


def walk(component: Any) -> Iterator[Any]:
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from walk(child)


def page_layouts(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    app = create_app(data_dir=str(tmp_path))
    with app.server.app_context():
        for name, page in dash.page_registry.items():
            layout = page["layout"]
            yield name, layout() if callable(layout) else layout
        yield "shell", app.layout


def squeezable_columns(grid: dag.AgGrid) -> list[str]:
    shared = getattr(grid, "defaultColDef", None) or {}
    return [
        str(column.get("field") or column.get("headerName"))
        for column in (getattr(grid, "columnDefs", None) or [])
        if {**shared, **column}.get("flex")
        and {**shared, **column}.get("minWidth", 0) < READABLE_COLUMN_PX
    ]


def test_every_grid_column_that_shares_the_width_keeps_a_readable_width(tmp_path: Path):
    grids = [
        (name, component)
        for name, layout in page_layouts(tmp_path)
        for component in walk(layout)
        if isinstance(component, dag.AgGrid)
    ]
    problems = data_view.problems_panel("sales.csv", [])
    grids += [("data problems", g) for g in walk(problems) if isinstance(g, dag.AgGrid)]
    squeezed = {name: squeezable_columns(grid) for name, grid in grids}
    built = {
        "system events": system_columns.event_columns(),
        "system deviations": system_columns.deviation_columns(),
        "system teams": system_columns.team_columns(),
        "negotiation ledger": negotiation_view.ledger_columns(),
    }
    squeezed |= {
        name: squeezable_columns(dag.AgGrid(columnDefs=cols)) for name, cols in built.items()
    }
    assert {name: cols for name, cols in squeezed.items() if cols} == {}


INPUTS = (
    dcc.Input,
    dcc.Dropdown,
    dcc.Textarea,
    dcc.DatePickerSingle,
    dcc.RadioItems,
    dcc.Checklist,
)


def unnamed_inputs(layout: Any) -> list[str]:
    """The ids of a layout's inputs that nothing names: no <label for=id>, no aria-label, and (a
    set of radio buttons) no named group around them."""
    import dash_bootstrap_components as dbc

    kinds = (*INPUTS, dbc.Input, dbc.Select, dbc.Textarea, dbc.RadioItems, dbc.Checklist)
    every = list(walk(layout))
    named = {getattr(c, "html_for", None) or getattr(c, "htmlFor", None) for c in every}
    for group in every:
        if getattr(group, "role", None) == "radiogroup" and getattr(group, "aria-label", None):
            named |= {getattr(c, "id", None) for c in walk(group)}
    return [
        str(getattr(c, "id", type(c).__name__))
        for c in every
        if isinstance(c, kinds)
        and getattr(c, "id", None) not in named
        and not getattr(c, "aria-label", None)
    ]


def test_every_input_on_every_page_and_in_the_bar_has_a_name(tmp_path: Path):
    unnamed = {name: unnamed_inputs(layout) for name, layout in page_layouts(tmp_path)}
    assert {name: found for name, found in unnamed.items() if found} == {}


def test_the_pages_sit_in_the_main_landmark_under_one_level_one_heading(tmp_path: Path):
    shell_layout = dict(page_layouts(tmp_path))["shell"]
    assert any(isinstance(c, html.Main) for c in walk(shell_layout))
    header = components.page_header("System plan", "how to read it")
    assert [c.children for c in walk(header) if isinstance(c, html.H1)] == ["System plan"]


@pytest.fixture
def claiming_board():
    store = MemoryStore()
    plan_id = team_plan(store, "narrow", {"a": "anna", "c": "carl"})
    nego.set_goal(store, plan_id, "olga", total="7000000000")
    return negotiation_board(store, plan_id, "olga")


def test_the_negotiation_cards_take_two_a_row_on_a_phone_and_three_on_a_tablet(claiming_board):
    cards = negotiation_view.stat_cards(claiming_board)
    widths = {(col.xs, col.md, col.xl) for col in cards if hasattr(col, "md")}
    assert widths == {(6, 4, 2)}


def test_the_stage_bar_says_in_words_which_stages_are_done_and_which_is_current():
    said = text_of(negotiation_view.stage_bar("claiming"))
    assert "✓ 1. draft" in said and "done" in said
    assert "2. claiming" in said and "current stage" in said
    assert "to come" in said


def test_the_disagreement_grid_keeps_room_for_tens_of_millions_to_the_cent():
    from dashboard.pages import side_by_side

    widths = {c["field"]: c.get("minWidth", 0) for c in side_by_side.difference_columns()}
    amounts = ("system_plan", "target", "difference", "claim", "assignment")
    # about 10 px a character at the grid's font with its cell padding
    assert {f: widths[f] for f in amounts if widths[f] < len("€28,389,345.06") * 10} == {}


def test_the_sign_in_page_has_a_level_one_heading_and_the_dashboards_colours(tmp_path: Path):
    page = create_app(data_dir=str(tmp_path)).server.test_client().get("/login")
    text = page.get_data(as_text=True)
    assert "<h1 class='h2 mb-3'>Sign in</h1>" in text
    # forecast.css darkens the demo note's blue to 4.5:1 (white text on it)
    assert "href='/assets/forecast.css'" in text


HEADINGS = {html.H1: 1, html.H2: 2, html.H3: 3, html.H4: 4, html.H5: 5, html.H6: 6}


def skipped_heading_levels(layout: Any, start: int = 1) -> list[str]:
    """The headings of a layout (in document order, after a heading of level `start`) that go
    more than one level deeper than the heading before them (h1 then h4)."""
    skips, last = [], start
    for component in walk(layout):
        level = HEADINGS.get(type(component))
        if level is None:
            continue
        if level > last + 1:
            skips.append(f"h{last} then h{level} {component.children!r}")
        last = level
    return skips


def test_no_page_skips_a_heading_level_under_its_level_one_heading(tmp_path: Path):
    skipped = {name: skipped_heading_levels(layout) for name, layout in page_layouts(tmp_path)}
    assert {name: found for name, found in skipped.items() if found} == {}
