"""A sales file with a NUL character (U+0000) in a series key or a team's attribute makes no
plan, on SQLite as on PostgreSQL (which refuses to store a NUL in text): the user is told the
file, row and column, and the store holds nothing of it."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from forecast.services import plan_create, plans
from forecast.services.plan_file import InvalidFile
from forecast.store import SqlStore

WEEKS = pd.date_range("2022-01-03", periods=104, freq="W-MON")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'forecast.db'}", None
    else:
        url, schema = request.getfixturevalue("postgres_url"), f"test_{uuid.uuid4().hex[:10]}"
    made = SqlStore(url, schema=schema)
    yield made
    if schema:
        with made.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    made.close()


def _sales(store_d: str, region_d: str) -> bytes:
    rows = [
        {
            "store": store_d if store == "D" else store,
            "region": region_d if store == "D" else region,
            "date": day.strftime("%Y-%m-%d"),
            "sales": 50 + (i * 7) % 40,
        }
        for store, region in (("A", "north"), ("B", "north"), ("C", "south"), ("D", "south"))
        for i, day in enumerate(WEEKS)
    ]
    data = pd.DataFrame(rows).to_csv(index=False).encode()
    assert data.find(b"\x00") > 4096  # past the look for a binary file: read as a table
    return data


@pytest.mark.parametrize(
    ("store_d", "region_d", "column"),
    [("D\x00x", "south", "store"), ("D", "so\x00uth", "region")],
)
def test_a_nul_in_a_key_or_team_makes_no_plan(store, store_d, region_d, column):
    with pytest.raises(InvalidFile) as caught:
        plan_create.create_plan(
            store,
            name="nul",
            source=_sales(store_d, region_d),
            filename="sales.csv",
            horizon=4,
            team_attr="region",
            actor="ann",
            model="snaive",
        )
    problems = caught.value.problems
    assert {(p.file, p.column) for p in problems} == {("sales.csv", column)}
    assert all(p.row is None or p.row > 1 for p in problems)
    assert "NUL" in str(caught.value)
    assert plans.list_plans(store) == []


def test_a_nul_in_the_team_columns_name_makes_no_plan_and_says_so(store):
    """PostgreSQL refused the plan's team column name (it holds a NUL) when the plan was
    stored, saying to shorten a name; SQLite kept it. The file is refused by its header cell."""
    team = "reg\x00ion"
    frame = pd.DataFrame(
        {"store": store, team: region, "date": day, "sales": 50 + (i * 7) % 40}
        for store, region in (("A", "north"), ("B", "north"), ("C", "south"), ("D", "south"))
        for i, day in enumerate(WEEKS)
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    with pytest.raises(InvalidFile) as caught:
        plan_create.create_plan(
            store,
            name="nul",
            source=buffer.getvalue(),
            filename="sales.parquet",
            horizon=4,
            team_attr=team,
            actor="ann",
            model="snaive",
        )
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("sales.parquet", 1, team)
    ]
    assert "NUL" in str(caught.value) and "shorten" not in str(caught.value)
    assert plans.list_plans(store) == []
