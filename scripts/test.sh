#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, starts PostgreSQL, runs pytest
# (unit, integration, browser end-to-end in headless Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
if [ -z "${FORECAST_TEST_PG_URL:-}" ]; then
    if url=$(bash scripts/postgres.sh); then
        export FORECAST_TEST_PG_URL="$url"
    else
        echo "test: could not start PostgreSQL; the PostgreSQL store tests will report themselves as skipped with the reason" >&2
    fi
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
set +e
.venv/bin/python -m pytest --headless -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "test: pytest collected no tests; that counts as a failure" >&2
    exit 1
fi
if [ "$rc" -ne 0 ]; then
    exit "$rc"
fi
# The package as a user installs it: the wheel in a fresh virtualenv, run from another folder.
bash scripts/wheel_smoke.sh
