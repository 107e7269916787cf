"""The README's command-line walkthrough runs as is, from the project root, in a fresh data dir."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def walkthrough_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Walkthrough from the command line", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, flags=re.S)
    assert match, "the walkthrough section has no ```bash block"
    return match.group(1)


def test_readme_walkthrough_runs_and_publishes(tmp_path):
    script = walkthrough_block()
    assert "export FORECAST_DATA_DIR=$(mktemp -d)" in script
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORECAST_")}
    env |= {"TMPDIR": str(tmp_path), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "cannot be published" in done.stderr  # the gate refused first
    assert re.search(r"published plan \w+ \(version \d+\)", done.stdout)
    assert "publish: publish the system plan" in done.stdout  # the audit log shows it
