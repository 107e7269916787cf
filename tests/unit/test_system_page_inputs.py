"""What the System plan page's boxes and grid cells accept: an event's value is read as the CLI
and the Negotiation page read typed numbers, and what is no number is refused, saying so."""

from __future__ import annotations

import pytest

from dashboard.system import events, forms
from forecast.services.errors import Invalid


@pytest.mark.parametrize(
    ("typed", "percent"),
    [("12,5", 12.5), ("12.5", 12.5), ("+12,5 %", 12.5), ("-10", -10.0), ("15%", 15.0), (30, 30.0)],
)
def test_a_percent_with_a_decimal_comma_reads_as_the_cli_reads_it(typed, percent):
    assert forms.event_value(typed, "percent", "EUR") == percent


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("5,000", 5000.0), ("1.250,50", 1250.5), ("€5,000", 5000.0), ("-500", -500.0), (700.0, 700.0)],
)
def test_an_amount_takes_thousands_separators_and_the_plans_currency(typed, amount):
    assert forms.event_value(typed, "cap", "EUR") == amount


@pytest.mark.parametrize("typed", ["abc", "-", "1e400", "nan", "inf", "12,5,0"])
def test_a_value_that_is_no_number_is_refused_saying_what_to_type(typed):
    with pytest.raises(Invalid) as refused:
        forms.event_value(typed, "percent", "EUR")
    said = str(refused.value)
    assert "12,5" in said or "out of range" in said, said


def test_an_amount_in_another_currency_is_refused():
    with pytest.raises(Invalid, match=r"names \$"):
        forms.event_value("$5,000", "add", "EUR")


def test_the_add_form_reads_a_decimal_comma_and_refuses_text():
    form = ["Comma", "promotion", "StoreType=c", "2015-09-07", "2015-09-13", "percent"]
    assert events.event_arguments(*form, "12,5", "flyer")["value"] == 12.5
    with pytest.raises(Invalid, match="'abc' is not a percent"):
        events.event_arguments(*form, "abc", "flyer")
    taken = events.event_arguments(*form, "  ", "flyer")
    assert taken["use_suggestion"] is True and taken["value"] is None


def test_the_grid_reads_a_typed_value_cell_as_the_add_form_does():
    row = {"event_id": "E1", "effect": "percent", "value": "12,5"}
    assert events.edit_arguments({"colId": "value", "data": row}) == {
        "effect": "percent",
        "value": 12.5,
    }
    with pytest.raises(Invalid, match="not a percent"):
        events.edit_arguments({"colId": "value", "data": row | {"value": "-"}})
    row = {"event_id": "E1", "effect": "add", "value": "1.250,50"}
    assert events.edit_arguments({"colId": "value", "data": row}, "EUR")["value"] == 1250.5


@pytest.mark.parametrize("effect", ["cap", "set", "add"])
def test_an_empty_value_with_another_effect_than_percent_is_refused_not_the_suggestion(effect):
    form = ["Limit", "promotion", "StoreType=c", "2015-09-07", "2015-09-13", effect]
    with pytest.raises(Invalid, match=f"give a value for the {effect}"):
        events.event_arguments(*form, "", "flyer")
    row = {"event_id": "E1", "effect": effect, "value": ""}
    with pytest.raises(Invalid, match=f"give a value for the {effect}"):
        events.edit_arguments({"colId": "value", "data": row})
    # the percent effect still takes the suggestion when the value is left empty
    assert events.event_arguments(*form[:-1], "percent", "", "flyer")["use_suggestion"] is True
    row = {"event_id": "E1", "effect": "percent", "value": None}
    assert events.edit_arguments({"colId": "value", "data": row}) == {"use_suggestion": True}


def test_an_emptied_name_in_the_grid_is_refused_saying_a_name_is_needed():
    for name in ("", "   ", None):
        with pytest.raises(Invalid, match="an event needs a name"):
            events.edit_arguments({"colId": "name", "data": {"event_id": "E3", "name": name}})
    renamed = {"colId": "name", "data": {"event_id": "E3", "name": "Flyer"}}
    assert events.edit_arguments(renamed) == {"name": "Flyer"}


def test_a_date_in_the_grid_is_typed_as_iso_and_anything_else_says_the_format():
    cell = {"colId": "start", "data": {"event_id": "E1", "start": "2015-09-07"}}
    assert events.edit_arguments(cell) == {"start": "2015-09-07"}
    for typed in ("09/07/2015", "7.9.2015", "", "2015-13-01"):
        cell = {"colId": "end", "data": {"event_id": "E1", "end": typed}}
        with pytest.raises(Invalid, match="type it as YYYY-MM-DD"):
            events.edit_arguments(cell)


def test_the_grids_date_cells_are_text_not_the_browsers_local_date_editor():
    from dashboard.system import columns

    for column in columns.event_columns():
        if column["field"] in ("start", "end"):
            assert column["cellDataType"] == "text"


def test_every_editable_cell_opens_only_on_rows_its_viewer_may_edit():
    from dashboard.system import columns

    for grid in (columns.event_columns(), columns.deviation_columns()):
        editable = [c for c in grid if "editable" in c]
        assert editable and all(c["editable"] == columns.EDITABLE for c in editable)
    assert "can_edit" in columns.EDITABLE["function"]
