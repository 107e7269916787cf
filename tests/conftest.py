"""Fixtures shared by every layer of the suite: shipped data and database URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = ROOT / "sample_data"

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# `plan create` without --currency takes the region of the shell's locale: one that names none
# keeps such plans in the fallback (EUR) on every machine
for _name in ("LC_ALL", "LC_MONETARY"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--without-fast-unit",
        action="store_true",
        help="deselect the tests in tests/unit not marked slow (scripts/test.sh runs them first)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--without-fast-unit"):
        return
    unit = ROOT / "tests" / "unit"
    keep, fast_unit = [], []
    for item in items:
        in_unit = unit in Path(str(item.path)).resolve().parents
        (fast_unit if in_unit and item.get_closest_marker("slow") is None else keep).append(item)
    if fast_unit:
        config.hook.pytest_deselected(items=fast_unit)
        items[:] = keep


@pytest.fixture(scope="session")
def sample_data() -> Path:
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def rossmann_train() -> Path:
    return SAMPLE_DATA / "rossmann" / "rossmann_train_100stores.csv"


@pytest.fixture(scope="session")
def rossmann_stores() -> Path:
    return SAMPLE_DATA / "rossmann" / "rossmann_store_100stores.csv"


@pytest.fixture(scope="session")
def retail_monthly() -> Path:
    return SAMPLE_DATA / "prophet" / "example_retail_sales.csv"


@pytest.fixture(scope="session")
def online_retail_daily() -> Path:
    return SAMPLE_DATA / "prophet" / "example_online_retail_multivariate.csv"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the throw-away PostgreSQL database that scripts/test.sh starts.

    Without it the PostgreSQL variants skip and say why in the summary (-ra)."""
    url = os.environ.get("FORECAST_TEST_PG_URL")
    if not url:
        pytest.skip(
            "FORECAST_TEST_PG_URL is not set: run the suite through `bash scripts/test.sh`, "
            "which starts Debian's PostgreSQL and sets it"
        )
    if not url.startswith("postgresql") or "\n" in url:
        pytest.fail(f"FORECAST_TEST_PG_URL is not a PostgreSQL URL: {url!r}")
    return url
