"""A file of actuals whose dates may mark each week's end, refused: the command line names its
option (--week-dates) and the Actuals page its field (Week dates), neither the other's words."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboard.pages import actuals as actuals_page
from forecast.services.store_factory import open_store
from tests.signin import acting_as
from tests.unit.test_cli_actuals_left_out import SERIES, invoke, sales_file
from tests.unit.test_cli_actuals_left_out import setup as setup  # noqa: F401 (fixture)

CLI_FLAG = re.compile(r"(?<![\w-])--[a-z]")


@pytest.fixture
def store(setup):  # noqa: F811
    opened = open_store(data_dir=setup["data_dir"])
    yield opened
    opened.close()


def week_ends(weeks: list[pd.Timestamp]) -> list[tuple[str, pd.Timestamp, float]]:
    """Each week of the plan (Friday to Thursday) dated by its Thursday."""
    return [(uid, week + pd.Timedelta(days=6), 70.0) for uid in SERIES for week in weeks]


def both_faces(setup: dict, store, name: str, rows) -> tuple[str, str]:  # noqa: F811
    path = sales_file(setup, name, rows)
    refused = invoke(setup, "plan", "actuals", setup["plan"], str(path), "--as", "olga")
    assert refused.exit_code == 2, refused.output
    ctx = type("Ctx", (), {"store": store})()
    with acting_as(store, "olga"):
        shown = actuals_page.keep_and_score(ctx, setup["plan"], {}, path.read_bytes(), name)[-1]
    return " ".join(refused.stderr.split()), " ".join(str(shown).split())


@pytest.mark.parametrize("weeks", [2, 1], ids=["weeks dated by their end", "one week's end"])
def test_a_week_ending_file_is_told_each_faces_way_to_read_it_as_week_ending(
    setup,  # noqa: F811
    store,
    weeks,
):
    cli, page = both_faces(setup, store, "ends.csv", week_ends(setup["weeks"][:weeks]))

    assert "read " in cli and "as week ending (--week-dates end)" in cli, cli
    assert "Actuals page" not in cli and "Week dates" not in cli, cli
    assert "choose Week dates: the week's last day" in page, page
    assert not CLI_FLAG.search(page), page
