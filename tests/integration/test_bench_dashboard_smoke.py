"""Smoke test of benchmarks/bench_dashboard.py on a small generated plan: every callback it posts
is still one the dashboard registers, with the inputs and states the page sends, and none is
answered with a refusal (the benchmark stops on either). No timing assertions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dashboard.py"


def test_the_dashboard_benchmark_posts_what_the_pages_post_and_gets_renders_not_refusals():
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--case",
            "callbacks",
            "--series",
            "40",
            "--history",
            "60",
            "--cold-runs",
            "0",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for case in (
        "system: add event (edit, no refit)",
        "negotiation: set goal",
        "side by side: render (spread, ledger, stretch)",
        "plans: download XLSX (a sheet per view)",
        "Accuracy: track record",
        "Plans: download XLSX (a sheet per view)",
    ):
        assert case in done.stdout, done.stdout[-3000:]
