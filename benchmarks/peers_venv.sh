#!/usr/bin/env bash
# A separate virtualenv for the benchmark's statsforecast peers: statsforecast pins pandas<3,
# the project runs on pandas 3. bench_accuracy.py exchanges frames with it by Parquet.
# Usage: bash benchmarks/peers_venv.sh [VENV_DIR]   (default: benchmarks/.peers-venv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/.peers-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "statsforecast>=2" "pyarrow>=15"
"$venv/bin/python" -c "import statsforecast, pandas; print('statsforecast', statsforecast.__version__, 'pandas', pandas.__version__)"
