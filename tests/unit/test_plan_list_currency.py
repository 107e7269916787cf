"""Every plan list names each plan's currency: the store's summaries (from a column of the plans
table, which a database made before it gets on open, filled from the plans' documents),
`forecast plan list`, the Plans page's grid and the navbar's plan picker."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from plotly.utils import PlotlyJSONEncoder
from typer.testing import CliRunner

from forecast.cli import app as cli
from forecast.services import plan_archive, plan_create, plans
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore, SqlStore

WEEKS = pd.date_range("2024-01-01", periods=30, freq="W-MON")
HORIZON = pd.date_range(WEEKS[-1] + pd.Timedelta(weeks=1), periods=4, freq="W-MON")
CURRENCIES = {"euro plan": "EUR", "dollar plan": "USD", "yen plan": "JPY", "count plan": None}


def new_plan(store, name: str, currency: str | None) -> str:
    ids = ["1", "2"]
    history = pd.DataFrame(
        [{"unique_id": u, "ds": d, "y": 100.0 + i} for u in ids for i, d in enumerate(WEEKS)]
    )
    baseline = pd.DataFrame(
        [
            {"unique_id": u, "ds": d, "baseline": 100.0, "model": "snaive"}
            for u in ids
            for d in HORIZON
        ]
    )
    return plan_create.create_plan_from_frames(
        store,
        name=name,
        history=history,
        attributes=pd.DataFrame({"unique_id": ids, "Region": ["north", "south"]}),
        freq="W-MON",
        horizon=4,
        team_attr="Region",
        actor="olga",
        baseline=baseline,
        currency=currency,
    ).plan_id


def listed_currencies(store) -> dict[str, str | None]:
    return {s.name: s.currency for s in plans.list_plans(store)}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A SQLite store holding a plan in each of EUR, USD, JPY and plain numbers."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    for name, currency in CURRENCIES.items():
        new_plan(store, name, currency)
    store.close()
    return data_dir


def currency_cells(path: Path) -> dict[str, str | None]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT name, currency FROM plans").fetchall())


# -- the store ---------------------------------------------------------------------------------


def test_the_store_lists_each_plans_currency_from_the_plans_table(data_dir: Path):
    store = open_store(data_dir=data_dir)
    try:
        assert listed_currencies(store) == CURRENCIES
        plan_archive.archive(store, plans.get_plan(store, "yen plan").plan_id, "olga")
        assert listed_currencies(store) == CURRENCIES  # a saved change keeps it
    finally:
        store.close()
    # in the row itself, so that a list reads no document ("" for plain numbers)
    cells = currency_cells(data_dir / "forecast.db")
    assert cells == {"euro plan": "EUR", "dollar plan": "USD", "yen plan": "JPY", "count plan": ""}


def test_the_memory_store_lists_each_plans_currency():
    store = MemoryStore()
    for name, currency in CURRENCIES.items():
        new_plan(store, name, currency)
    assert listed_currencies(store) == CURRENCIES


def test_a_database_made_before_the_currency_column_gets_it_filled_from_the_documents(
    data_dir: Path,
):
    path = data_dir / "forecast.db"
    with sqlite3.connect(path) as db:  # the plans table as it was before the column
        db.execute("ALTER TABLE plans DROP COLUMN currency")
        doc = json.loads(db.execute("SELECT doc FROM plans WHERE name = 'euro plan'").fetchone()[0])
        del doc["currency"]  # a document from before plans had a currency: EUR
        db.execute("UPDATE plans SET doc = ? WHERE name = 'euro plan'", (json.dumps(doc),))

    store = SqlStore(f"sqlite:///{path}")
    assert listed_currencies(store) == CURRENCIES
    store.close()
    cells = currency_cells(path)
    assert cells == {"euro plan": "EUR", "dollar plan": "USD", "yen plan": "JPY", "count plan": ""}

    # a row an earlier version's server writes meanwhile lacks it: its document says
    with sqlite3.connect(path) as db:
        db.execute("UPDATE plans SET currency = NULL WHERE name IN ('yen plan', 'count plan')")
    again = SqlStore(f"sqlite:///{path}")
    assert listed_currencies(again) == CURRENCIES
    again.close()


# -- the command line --------------------------------------------------------------------------


def test_plan_list_names_each_plans_currency_in_text_and_json(data_dir: Path):
    runner = CliRunner()
    listing = ["plan", "list", "--data-dir", str(data_dir)]

    text = runner.invoke(cli, listing, catch_exceptions=False)
    as_json = runner.invoke(cli, [*listing, "--json"], catch_exceptions=False)

    assert text.exit_code == 0, text.output
    lines = {line.split("'")[1]: line for line in text.stdout.splitlines()}
    assert "  currency USD  " in lines["dollar plan"]
    assert "  currency JPY  " in lines["yen plan"]
    assert "  currency none (plain numbers)  " in lines["count plan"]
    assert {row["name"]: row["currency"] for row in json.loads(as_json.stdout)} == CURRENCIES


# -- the dashboard -----------------------------------------------------------------------------


@pytest.fixture
def ctx(data_dir: Path):
    from dashboard.context import DashboardContext

    ctx = DashboardContext(data_dir=str(data_dir))
    yield ctx
    ctx.store.close()


def test_the_plans_page_grid_has_each_plans_currency(ctx):
    from dashboard.pages import plans as plans_page
    from tests.signin import acting_as

    with acting_as(ctx.store, "olga"):
        rows, *_ = plans_page.render(ctx, {}, 0, False)
        layout = json.dumps(plans_page.layout(ctx), cls=PlotlyJSONEncoder)

    assert {row["name"]: row["currency"] for row in rows} == {
        "euro plan": "EUR",
        "dollar plan": "USD",
        "yen plan": "JPY",
        "count plan": "none (plain numbers)",
    }
    assert '{"field": "currency"' in layout


def test_the_plan_picker_names_the_currency_only_where_plans_are_in_several(ctx):
    from dashboard import components, shell
    from tests.signin import acting_as

    with acting_as(ctx.store, "olga"):
        options, _ = shell.list_plans(ctx, 0, {})
    labels = {o["label"].split(" · ")[0]: o["label"] for o in options}
    assert " · USD · made " in labels["dollar plan"]
    # as the Plans page grid, `plan list` and the create form's currency choice name it
    assert " · none (plain numbers) · made " in labels["count plan"]
    assert {"label": "none (plain numbers)", "value": "none"} in components.currency_options()

    only_euro = [s for s in plans.list_plans(ctx.store) if s.currency == "EUR"]
    (option,) = shell.plan_options(only_euro)
    assert option["label"].startswith("euro plan · draft · made ")
