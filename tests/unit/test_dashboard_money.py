"""The dashboard shows money in the plan's currency through one helper (forecast.money)."""

from __future__ import annotations

from dashboard import components, figures


def test_money_and_percent_follow_the_plan_currency_and_one_percent_style() -> None:
    assert components.money(1234567.8, currency="USD") == "$1,234,568"
    assert components.money(1234.5, decimals=2, currency=None) == "1,234.50"
    assert components.minor_to_money(123456, currency="GBP") == "£1,235"
    assert components.percent(0.153) == "15.3 %"


def test_grid_formatter_takes_the_symbol_from_the_row() -> None:
    formatter = components.grid_money(2, signed=True)["function"]
    assert "params.data.cur" in formatter and "€" not in formatter
    assert components.row_currency("USD") == "$" and components.row_currency(None) == ""


def test_the_events_grid_shows_an_amount_with_the_symbol_its_row_carries() -> None:
    from datetime import date

    from dashboard.system import columns, view
    from forecast.services.types import Event, Scope

    added = Event("E1", "Flyer", "promotion", Scope(), date(2025, 1, 6), date(2025, 1, 12),
                  "add", 5000.0)  # fmt: skip
    (row,) = view.event_rows([added], currency="USD")
    (plain,) = view.event_rows([added], currency=None)
    formatter = next(c for c in columns.event_columns() if c["field"] == "value")["valueFormatter"]

    assert row["cur"] == "$" and plain["cur"] == "" and row["value"] == 5000.0
    assert "params.data.cur" in formatter["function"] and "'percent'" in formatter["function"]


def test_charts_are_redrawn_in_the_plan_currency() -> None:
    fig = figures.in_currency(
        figures.gap_waterfall(100.0, {"a": 5.0}, {"b": 3.0}, 120.0, basis_label="System plan"),
        "USD",
    )
    assert fig.data[0].text[0] == "$100" and fig.data[0].text[1] == "+$5"
    assert fig.layout.yaxis.tickprefix == "$"
    plain = figures.in_currency(
        figures.gap_waterfall(100.0, {}, {}, 120.0, basis_label="Baseline"), None
    )
    assert plain.data[0].text[0] == "100" and not plain.layout.yaxis.tickprefix


def test_the_create_form_offers_iso_codes_and_plain_numbers() -> None:
    values = [o["value"] for o in components.currency_options()]
    assert values[0] == "EUR" and "USD" in values and values[-1] == "none"
    assert [o["value"] for o in components.currency_options("BRL")][:2] == ["BRL", "EUR"]
    assert [o["value"] for o in components.currency_options("USD")].count("USD") == 1
