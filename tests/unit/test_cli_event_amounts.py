"""An event's amount on the command line is read as the System plan page's value box reads it,
through the same parser (`money.event_value`): thousands separators, a decimal comma, 40k and
the plan's currency sign or code; another currency's sign is refused, naming the plan's."""

from __future__ import annotations

import json

import pytest
from test_services_negotiation import team_frames, weekly_team_plan
from typer.testing import CliRunner

from dashboard.system import forms
from forecast.cli import app
from forecast.services import system
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store

WINDOW = ["--kind", "other", "--start", "2024-03-01", "--end", "2024-03-07"]


@pytest.fixture(scope="module")
def plans_by_currency(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """A USD plan and a EUR plan (owner olga) in one data dir: currency -> (data dir, plan)."""
    data_dir = tmp_path_factory.mktemp("amounts")
    store = open_store(data_dir=data_dir)
    made = {
        currency: weekly_team_plan(store, team_frames(), name=currency, currency=currency).plan_id
        for currency in ("USD", "EUR")
    }
    store.close()
    return {currency: (str(data_dir), plan) for currency, plan in made.items()}


def add_event(where: tuple[str, str], option: str, typed: str):
    data_dir, plan = where
    command = ["plan", "event", "add", plan, "--name", "x", *WINDOW, option, typed]
    return CliRunner().invoke(app, [*command, "--as", "olga", "--data-dir", data_dir, "--json"])


@pytest.mark.parametrize(
    ("currency", "option", "typed", "value"),
    [
        ("USD", "--add", "$5,000", 5000.0),
        ("USD", "--cap", "USD 1,500.50", 1500.5),
        ("USD", "--set", "40k", 40000.0),
        ("USD", "--add", "-$500", -500.0),
        ("EUR", "--set", "5.000,50 €", 5000.5),
        ("EUR", "--cap", "€12,5", 12.5),
    ],
)
def test_an_amount_with_the_plans_currency_and_separators_is_taken(
    plans_by_currency, currency, option, typed, value
):
    added = add_event(plans_by_currency[currency], option, typed)
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["event"]["value"] == value


def test_an_amount_in_another_currency_is_refused_naming_the_plans_and_nothing_is_saved(
    plans_by_currency,
):
    data_dir, plan = plans_by_currency["USD"]
    store = open_store(data_dir=data_dir)
    before = len(system.list_events(store, plan))
    refused = add_event((data_dir, plan), "--add", "€5,000")
    assert refused.exit_code == 2
    said = " ".join(refused.output.split())
    assert "'€5,000' names €, but the plan is in USD: type the amount with $" in said
    assert "--add" in said
    assert len(system.list_events(store, plan)) == before
    store.close()


@pytest.mark.parametrize("option", ["--add", "--cap", "--set"])
def test_an_amount_that_is_no_number_is_refused_saying_how_to_type_it(plans_by_currency, option):
    refused = add_event(plans_by_currency["EUR"], option, "forty")
    assert refused.exit_code == 2
    said = " ".join(refused.output.split())
    assert "'forty' is not a number: type an amount such as 1250000, 1,250,000.50" in said
    assert "with or without €" in said


@pytest.mark.parametrize(
    "typed", ["€5,000", "5.000,50 €", "1.500", "EUR 1 500", "$5", "12,5,0", "1e400", "-"]
)
def test_the_cli_takes_or_refuses_an_amount_as_the_page_does(plans_by_currency, typed):
    try:
        on_page: float | str = forms.event_value(typed, "cap", "EUR")
    except Invalid as exc:
        on_page = str(exc)
    edited = add_event(plans_by_currency["EUR"], "--cap", typed)
    if isinstance(on_page, float):
        assert edited.exit_code == 0, edited.output
        assert json.loads(edited.stdout)["event"]["value"] == on_page
    else:
        assert edited.exit_code == 2
        assert on_page in " ".join(edited.output.split())


def test_an_edited_amount_is_read_in_the_plans_currency_too(plans_by_currency):
    data_dir, plan = plans_by_currency["USD"]
    event_id = json.loads(add_event((data_dir, plan), "--add", "100").stdout)["event"]["event_id"]
    edited = CliRunner().invoke(
        app,
        ["plan", "event", "edit", plan, event_id, "--set", "$2,500.75", "--as", "olga",
         "--data-dir", data_dir, "--json"],
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.stdout)["event"]["value"] == 2500.75


def test_the_service_reads_an_amount_typed_as_text_in_the_plans_currency(plans_by_currency):
    """`add_event` and `edit_event` take a value typed as text and read it as the CLI and the
    page do (`system.typed_value`), so no face reads the plan first to learn its currency."""
    data_dir, plan = plans_by_currency["EUR"]
    store = open_store(data_dir=data_dir)
    window = {"kind": "other", "start": "2024-03-01", "end": "2024-03-07"}
    saved = system.add_event(store, plan, "olga", name="typed", effect="add", value="5.000,50 €",
                             **window)  # fmt: skip
    assert saved.event is not None and saved.event.value == 5000.5
    edited = system.edit_event(store, plan, "olga", saved.event.event_id, value="€1,250")
    assert edited.event is not None and edited.event.value == 1250.0
    with pytest.raises(system.InvalidValue) as refused:
        system.add_event(store, plan, "olga", name="x", effect="cap", value="$5", **window)
    assert refused.value.effect == "cap" and "the plan is in EUR" in str(refused.value)
    store.close()


@pytest.mark.parametrize("option", ["--add", "--percent"])
def test_a_bad_amount_is_refused_as_a_bad_value_first_whoever_types_it(plans_by_currency, option):
    """A value that is no number is refused as a bad value of its option (exit 2) before who may
    change the plan is asked (exit 3), for an amount as for a percent, on add as on edit: as
    the page reads the value first too."""
    data_dir, plan = plans_by_currency["EUR"]
    event_id = json.loads(add_event((data_dir, plan), "--add", "100").stdout)["event"]["event_id"]
    for command in (["add", plan, "--name", "x", *WINDOW], ["edit", plan, event_id]):
        refused = CliRunner().invoke(
            app,
            ["plan", "event", *command, option, "forty", "--as", "nobody", "--data-dir", data_dir],
        )  # fmt: skip
        assert refused.exit_code == 2, (command, refused.output)
        said = " ".join(refused.output.split())
        assert f"Invalid value for '{option}'" in said and "'forty' is not a" in said
