"""Column definitions of the System plan page's grids (AG Grid columnDefs)."""

from __future__ import annotations

from typing import Any

from dashboard import components, figures
from forecast.services.types import EFFECTS, EVENT_KINDS, NO_DEVIATION, REASON_CODES

# the symbol comes from each row's ``cur`` field (the plan's currency, see view.py)
MONEY = components.grid_money(0)

DEVIATION_TEXT = "deviation_text"
"""The row field holding a deviation as the one rule words it (``view.deviation``)."""

EDITABLE = {"function": "params.data && params.data.can_edit === true"}
"""Editable for who may edit: each row carries ``can_edit`` (the page's edit permission, from the
role and whether the plan is published); the server refuses the others' edits anyway."""

DAY_CELL = {
    "cellDataType": "text",
    "headerTooltip": "a date as YYYY-MM-DD, e.g. 2015-09-07",
    # a quarter's or month's name with its day ("2018 Q1 (from 2018-01-01)") takes two lines
    # instead of being cut off; a week's day fits on one
    "wrapText": True,
    "autoHeight": True,
}
DAY_WIDTH = 130
"""Wide enough for 2015-09-07 on one line: at 190 px the two day columns with the others pushed
the grid past a laptop's width and squeezed the name and scope to nothing on a tablet."""

SHOWN_DAY = {
    "function": "params.data && params.data[params.colDef.field + '_day'] === params.value "
    "? params.data[params.colDef.field + '_shown'] : params.value"
}
"""A start or end cell shows the period its day falls in, as the row names it (``start_shown``:
a quarterly or monthly plan's ``2018 Q1 (from 2018-01-01)``) while the cell holds the day that
name was made for (``start_day``); the editor still gets the ISO day, and a day just typed shows
as typed."""


def deviation_column(**extra: Any) -> dict[str, Any]:
    """A deviation in percent of the baseline, sorted and filtered as a number: the rows carry
    the fields ``view.deviation`` makes of the one rule (``Deviation``): ``deviation`` (a number,
    None where there is none) and ``new_volume`` (true where events add to a baseline of 0),
    which sorts above every percent; the cell shows the row's ``deviation_text``, the rule's
    words ("+5,000.0 %", "new volume", "–") as the CLI and the exports print them."""
    return {
        "field": "deviation",
        "headerName": "Deviation",
        "type": "numericColumn",
        "cellDataType": "number",
        "valueGetter": {
            "function": "params.data && params.data.new_volume ? 1e308 : "
            "(params.data ? params.data.deviation : null)"
        },
        "valueFormatter": {
            "function": f"params.data && params.data.{DEVIATION_TEXT} != null ? "
            f"params.data.{DEVIATION_TEXT} : '{NO_DEVIATION}'"
        },
        **extra,
    }


def event_columns() -> list[dict[str, Any]]:
    return [
        {"field": "event_id", "headerName": "Id", "width": 80},
        {"field": "name", "editable": EDITABLE, "flex": 2, "minWidth": 140, "tooltipField": "name"},
        {
            "field": "kind",
            "editable": EDITABLE,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(EVENT_KINDS)},
            "width": 130,
        },
        {
            "field": "scope",
            "editable": EDITABLE,
            "flex": 2,
            "minWidth": 120,
            "tooltipField": "scope",
            "headerTooltip": "all, StoreType=a; Assortment=c, or ids=1,2,3",
        },
        # typed as the grid shows them (YYYY-MM-DD): the date editor AG Grid infers from ISO
        # text reads the browser's local order (US: mm/dd/yyyy), so an ISO date typed changed
        # nothing
        {
            "field": "start",
            "editable": EDITABLE,
            "width": DAY_WIDTH,
            "valueFormatter": SHOWN_DAY,
            **DAY_CELL,
        },
        {
            "field": "end",
            "editable": EDITABLE,
            "width": DAY_WIDTH,
            "valueFormatter": SHOWN_DAY,
            **DAY_CELL,
        },
        {
            "field": "effect",
            "editable": EDITABLE,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(EFFECTS)},
            "width": 110,
        },
        {
            "field": "value",
            "editable": EDITABLE,
            "width": 100,
            "valueFormatter": components.grid_event_value(),
            "type": "numericColumn",
            # typed as text and read on the server as the add form's box is (12,5 is 12.5): a
            # number editor (inferred from the numbers shown) drops the decimal comma
            "cellDataType": False,
            "cellEditor": "agTextCellEditor",
            "headerTooltip": "empty the cell to take the system's suggestion (a percent)",
        },
        {
            "field": "suggested",
            "headerName": "Suggested",
            "flex": 2,
            "minWidth": 140,
            "tooltipField": "suggested",
        },
        {
            "field": "reason",
            "editable": EDITABLE,
            "flex": 2,
            "minWidth": 120,
            "tooltipField": "reason",
        },
        {"field": "author", "width": 100},
    ]


def deviation_columns() -> list[dict[str, Any]]:
    return [
        {"field": "level", "width": 90},
        {"field": "key", "headerName": "Team / series", "width": 130},
        # sorted by the ISO day, shown by the period's name (a quarter's 2018 Q1)
        {
            "field": "ds",
            "headerName": "Period",
            "width": 120,
            "valueFormatter": {"function": "(params.data && params.data.period) || params.value"},
        },
        {"field": "baseline", "valueFormatter": MONEY, "type": "numericColumn", "width": 130},
        {
            "field": "system_plan",
            "headerName": "System plan",
            "valueFormatter": MONEY,
            "type": "numericColumn",
            "width": 130,
        },
        deviation_column(width=110, filter="agNumberColumnFilter"),
        {"field": "events", "width": 100},
        {"field": "status", "width": 110, "tooltipField": "why"},
        {
            "field": "reason_code",
            "headerName": "Reason code",
            "editable": EDITABLE,
            "cellEditor": "agSelectCellEditor",
            # The empty first value: opening the editor must not preselect a reason.
            "cellEditorParams": {"values": ["", *REASON_CODES]},
            "width": 140,
        },
        {
            "field": "text",
            "headerName": "Explanation",
            "editable": EDITABLE,
            "flex": 2,
            "minWidth": 180,
        },
    ]


def team_columns() -> list[dict[str, Any]]:
    return [
        {"field": "team", "width": 110},
        {
            "field": "baseline",
            "headerName": "Baseline",
            "valueFormatter": MONEY,
            "type": "numericColumn",
        },
        {
            "field": "system_plan",
            "headerName": "System plan",
            "valueFormatter": MONEY,
            "type": "numericColumn",
            "cellStyle": {"color": figures.SYSTEM_COLOUR},
        },
        {
            "field": "adjustment",
            "headerName": "Events add",
            "valueFormatter": MONEY,
            "type": "numericColumn",
        },
        deviation_column(),
        {"field": "events", "headerName": "Events", "flex": 1, "minWidth": 120},
    ]


def factor_columns() -> list[dict[str, Any]]:
    def amount(field: str, header: str) -> dict[str, Any]:
        return {
            "field": field,
            "headerName": header,
            "valueFormatter": MONEY,
            "type": "numericColumn",
        }

    return [
        {"field": "factor_id", "headerName": "Id"},
        {"field": "name", "headerName": "Factor"},
        {"field": "scope", "headerName": "Series"},
        {"field": "start", "headerName": "Since"},
        {"field": "n_series", "headerName": "Series re-forecast", "type": "numericColumn"},
        {"field": "model", "headerName": "Model"},
        amount("baseline_before", "Baseline before"),
        amount("baseline_after", "Baseline after"),
        amount("baseline_without_factor", "Same model, no marker"),
        {"field": "change", "headerName": "After vs before", "type": "numericColumn"},
        {"field": "author", "headerName": "By"},
    ]
