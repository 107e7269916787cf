"""Refusals of a file of actuals name it as the person gave it: the upload's name, or the path
as typed, the same in every message."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.services import actuals, negotiation
from forecast.services.errors import Invalid
from forecast.services.plan_file import InvalidFile
from forecast.services.store_factory import open_store
from tests.unit.test_cli_actuals_left_out import daily_rows
from tests.unit.test_cli_actuals_left_out import setup as setup  # noqa: F401 (fixture)


def written(setup: dict, rows: list[tuple[str, pd.Timestamp, str]]) -> str:
    folder = setup["base"] / "sent"
    folder.mkdir(exist_ok=True)
    path = folder / "week.csv"
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False)
    return str(path)


def test_a_refused_currency_names_the_path_as_typed(setup):
    week = setup["weeks"][0]
    path = written(setup, [(uid, day, f"${y:.2f}") for uid, day, y in daily_rows(week, 7)])
    store = open_store(data_dir=setup["data_dir"])
    try:
        with pytest.raises(InvalidFile) as refused:
            actuals.read_actuals(store, setup["plan"], path)
    finally:
        store.close()

    assert [problem.file for problem in refused.value.problems] == [path]


def test_nothing_to_score_names_the_path_as_typed(setup):
    path = written(setup, [(u, d, str(y)) for u, d, y in daily_rows(setup["weeks"][0], 3)])
    store = open_store(data_dir=setup["data_dir"])
    try:
        with pytest.raises(Invalid) as refused:
            negotiation.score_file_noted(store, setup["plan"], path)
    finally:
        store.close()

    assert str(refused.value).startswith(f"actuals: {path}: ")
