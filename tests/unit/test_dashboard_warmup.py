"""The dashboard pays the libraries' first-use costs while it starts, not in a user's first page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import json, sys
import dashboard.app
loaded = lambda: {
    "scipy.special": "scipy.special" in sys.modules,
    "bar charts": "plotly.graph_objs.bar" in sys.modules,
    "axes": "plotly.graph_objs.layout.yaxis" in sys.modules,
}
before = loaded()
dashboard.app.create_app(data_dir=sys.argv[1])
print(json.dumps({"before": before, "after": loaded()}))
"""


def test_create_app_loads_the_stretch_maths_and_the_chart_types_before_the_first_request(
    tmp_path,
) -> None:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert not any(seen["before"].values())  # importing the app loads none of them
    assert all(seen["after"].values())  # starting it does, before it answers anyone
