#!/usr/bin/env bash
# The package as a user gets it: build the wheel, install it into a fresh virtualenv in a
# temporary folder (no system site packages, not the project's .venv), then from another folder
# run `forecast --version`, `python -m forecast --help`, `forecast demo --no-serve`, check that
# the dashboard's assets and the sample data were installed, and that `forecast serve` serves
# the stylesheet. Dependency wheels are kept in a local cache (WHEEL_CACHE, by default
# ~/.cache/forecast-planner/wheels): the first run fills it from the package index, later runs
# install from it without the network.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILDER=${BUILDER:-$ROOT/.venv/bin/python}
PY=${PYTHON:-python3}
WHEEL_CACHE=${WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/forecast-planner/wheels}
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
started=$(date +%s)
step() { echo "wheel-smoke: $* ($(( $(date +%s) - started )) s)"; }

step "building the wheel"
"$BUILDER" -m pip wheel --no-deps -q -w "$WORK/dist" "$ROOT" >/dev/null
wheel=$(ls "$WORK"/dist/forecast_planner-*.whl)

step "installing $(basename "$wheel") into a fresh virtualenv"
mkdir -p "$WHEEL_CACHE"
"$PY" -m venv "$WORK/venv"
install() {  # from the cache only; no byte-compiling of a gigabyte of dependencies
    "$WORK/venv/bin/python" -m pip install -q --no-compile --no-index --find-links "$WHEEL_CACHE" "$wheel"
}
if ! install 2>/dev/null; then
    step "filling the wheel cache $WHEEL_CACHE from the package index (once)"
    "$BUILDER" -m pip wheel -q --find-links "$WHEEL_CACHE" -w "$WHEEL_CACHE" "$wheel" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    rm -f "$WHEEL_CACHE"/forecast_planner-*.whl
    install
fi
FORECAST="$WORK/venv/bin/forecast"
if [ ! -x "$FORECAST" ]; then  # say what was installed instead of a bare "command not found"
    echo "wheel-smoke: the install left no $FORECAST; installed:" >&2
    "$WORK/venv/bin/python" -m pip list >&2 || true
    ls "$WORK/venv/bin" >&2
    exit 1
fi

mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"   # not the repo: nothing may come from the checkout
export FORECAST_DATA_DIR="$WORK/data" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
unset PYTHONPATH

step "forecast --version"
version=$("$FORECAST" --version)
echo "$version" | grep -E '^forecast [0-9]'
help=$("$WORK/venv/bin/python" -m forecast --help)
echo "$help" | grep -q "serve"
"$WORK/venv/bin/python" - <<'EOF'
from importlib import resources
from pathlib import Path

import dashboard
import forecast

for part in (dashboard.__file__, forecast.__file__):
    assert "/venv/" in part, f"imported from outside the fresh venv: {part}"
assets = Path(dashboard.__file__).parent / "assets"
for name in ("forecast.css", "forecast.js", "00-bootstrap-flatly-5.3.8.min.css"):
    assert (assets / name).is_file(), f"the wheel lacks dashboard/assets/{name}"
sample = resources.files("forecast") / "sample_data" / "rossmann" / "rossmann_train_100stores.csv"
assert sample.is_file(), "the wheel lacks the sample data"
print("wheel-smoke: assets and sample data are installed")
EOF

step "forecast demo --no-serve"
demo=$("$FORECAST" demo --no-serve --model snaive)
echo "$demo" | grep -E "created sample plan"

step "forecast serve"
port=$("$WORK/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$FORECAST" serve --port "$port" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
"$WORK/venv/bin/python" - "$port" <<'EOF' || { cat "$WORK/serve.log" >&2; exit 1; }
import sys
import time
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(240):
    try:
        css = urllib.request.urlopen(base + "/assets/forecast.css", timeout=5)
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("wheel-smoke: forecast serve did not answer")
assert css.status == 200 and b"{" in css.read(), "the stylesheet is not served"
page = urllib.request.urlopen(base + "/", timeout=10).read().decode()
assert "Forecast planner" in page, "/ is not the dashboard"
print("wheel-smoke: /assets/forecast.css 200, / is the dashboard")
EOF
step "passed"
