"""Fixtures shared by every layer of the suite: shipped data and database URLs."""

from __future__ import annotations

import os
from collections import Counter
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


# Files of a few long tests each (real fits, a README walkthrough of CLI processes), longest
# first (stage 3 of scripts/test.sh on 2 cores, 2026-12-06: 40-100 s each). They run before the
# rest, so that under `--dist loadfile` none of them starts last and runs on alone while the
# other workers idle: pytest-xdist would otherwise start the files with the most tests first and
# these last (scripts/test.sh passes --no-loadscope-reorder and the order below stands).
LONG_FILES_FIRST = (
    "tests/integration/test_readme_walkthrough.py",
    "tests/integration/test_baseline_real.py",
    "tests/unit/test_runner.py",
    "tests/unit/test_models_baseline.py",
    "tests/integration/test_baseline_interval_note.py",
    "tests/integration/test_negotiation_cli.py",
    "tests/unit/test_auto_flags.py",
    "tests/integration/test_plan_auto_choice.py",
    "tests/integration/test_dask_runner.py",
    "tests/e2e/test_demo_accuracy.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--without-fast-unit"):
        unit = ROOT / "tests" / "unit"
        keep, fast_unit = [], []
        for item in items:
            in_unit = unit in Path(str(item.path)).resolve().parents
            slow = item.get_closest_marker("slow") is not None
            (keep if slow or not in_unit else fast_unit).append(item)
        if fast_unit:
            config.hook.pytest_deselected(items=fast_unit)
            items[:] = keep
    _long_files_first(items)


def _long_files_first(items: list[pytest.Item]) -> None:
    """The files of LONG_FILES_FIRST in its order, then the others as pytest-xdist orders them
    (most tests first); each file's tests stay together and in their own order."""
    rank = {(ROOT / name).resolve(): i for i, name in enumerate(LONG_FILES_FIRST)}
    counts = Counter(Path(str(item.path)).resolve() for item in items)
    first_seen: dict[Path, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(Path(str(item.path)).resolve(), index)

    def key(item: pytest.Item) -> tuple[int, int, int]:
        path = Path(str(item.path)).resolve()
        return rank.get(path, len(rank)), -counts[path], first_seen[path]

    items.sort(key=key)  # stable: a file's tests keep their order


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
