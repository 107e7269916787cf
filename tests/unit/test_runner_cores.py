"""LocalRunner never starts more workers than the cores this process may use (as `--jobs` on the
command line), whoever builds it. No pool is started here."""

from __future__ import annotations

import pytest

from forecast.engine import runner as runner_module
from forecast.engine.runner import LocalRunner, make_runner, usable_cores


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "usable_cores", lambda: 2)


@pytest.mark.usefixtures("two_cores")
def test_a_runner_asked_for_more_jobs_than_cores_gets_one_per_core() -> None:
    assert LocalRunner(jobs=64).jobs == 2
    assert make_runner(jobs=64).jobs == 2


@pytest.mark.usefixtures("two_cores")
def test_a_runner_within_the_cores_keeps_its_jobs_and_zero_means_every_core() -> None:
    assert LocalRunner(jobs=1).jobs == 1
    assert LocalRunner(jobs=2).jobs == 2
    assert LocalRunner(jobs=0).jobs == 2


def test_usable_cores_is_at_least_one_and_at_most_the_machines() -> None:
    import os

    assert 1 <= usable_cores() <= max(os.cpu_count() or 1, 1)
