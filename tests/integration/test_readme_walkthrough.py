"""The README's command-line walkthrough runs as is, from the project root, in a fresh data dir."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from decimal import Decimal
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
    # Run in a scratch copy of the project root (links) so the exported files land there.
    cwd = tmp_path / "project"
    cwd.mkdir()
    for name in (".venv", "sample_data"):
        (cwd / name).symlink_to(ROOT / name)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "cannot be published" in done.stderr  # the gate refused first
    assert re.search(r"published plan \w+ \(version \d+\)", done.stdout)
    assert "the negotiation goes on" in done.stdout  # publishing freezes the system track only
    assert "publish: publish the system plan" in done.stdout  # the audit log shows it
    # negotiation track: the agreed plan's CSV adds up exactly to the goal
    with (cwd / "agreed_plan.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"unique_id", "ds", "team", "baseline", "system_plan", "target"} <= set(rows[0])
    locked = done.stdout.split("plan agreed and locked")[1]
    goal = re.search(r"goal €([\d,]+\.\d\d)", locked).group(1)  # the plan is in euros
    assert sum(Decimal(r["target"]) for r in rows) == Decimal(goal.replace(",", ""))
    assert "kim is the lead of team 'd' and cannot claim for team 'a'" in done.stderr
    # the purchase limit added after the goal shows as drift, and the rebase clears it
    assert "basis drift: the current system plan differs by -" in done.stdout
    assert "rebased onto the current system plan" in done.stdout
    assert "spared" in done.stdout or "of its pro rata share" in done.stdout
    assert (cwd / "agreed_plan.xlsx").stat().st_size > 0
    excel = (cwd / "agreed_plan_for_excel.csv").read_bytes()
    assert excel == b"\xef\xbb\xbf" + (cwd / "agreed_plan.csv").read_bytes()
