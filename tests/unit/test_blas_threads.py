"""The engine's small fits run with one OpenBLAS thread unless the user says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PROBE = "import forecast, os; print(os.environ.get('OPENBLAS_NUM_THREADS'))"


def _blas_threads_after_import(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["PYTHONPATH"] = f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}"
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_importing_forecast_pins_openblas_to_one_thread_by_default() -> None:
    assert _blas_threads_after_import(None) == "1"


def test_a_thread_count_the_user_set_is_kept() -> None:
    assert _blas_threads_after_import("2") == "2"
