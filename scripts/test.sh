#!/usr/bin/env bash
# The whole check on a fresh machine: installs what it needs, starts PostgreSQL, then
#   1. lint: ruff check, ruff format --check, mypy (src/ and dashboard/), the import contract
#      (lint-imports: the layers of docs/ARCHITECTURE.md, see [tool.importlinter] in pyproject.toml);
#   2. the fast unit tests (tests/unit, not marked slow), so a broken basic fails in seconds;
#   3. the rest: slow unit tests, integration, browser end-to-end in headless Chromium.
# Stages 2 and 3 are one suite: every test runs exactly once, and the script fails if any stage
# fails or if pytest collects nothing at all. Extra pytest options go to both runs
# (e.g. `-k claim`, `-x`); with `--lint-only` only stage 1 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
BIN=.venv/bin

lint_only=0
if [ "${1:-}" = "--lint-only" ]; then
    lint_only=1
    shift
fi

echo "test: lint (ruff check, ruff format --check, mypy, import contract)"
lint_rc=0
$BIN/ruff check src dashboard tests benchmarks || lint_rc=1
$BIN/ruff format --check src dashboard tests benchmarks || lint_rc=1
$BIN/mypy || lint_rc=1
$BIN/lint-imports --no-cache || lint_rc=1
if [ "$lint_rc" -ne 0 ]; then
    echo "test: lint failed (see above); fix it before the tests run" >&2
    exit 1
fi
[ "$lint_only" -eq 1 ] && exit 0

if [ -z "${FORECAST_TEST_PG_URL:-}" ]; then
    if url=$(bash scripts/postgres.sh); then
        export FORECAST_TEST_PG_URL="$url"
    else
        echo "test: could not start PostgreSQL; the PostgreSQL store tests will report themselves as skipped with the reason" >&2
    fi
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# pytest exit codes: 0 passed, 5 nothing collected (fine for one stage when -k narrows it, a
# failure when both stages collect nothing), anything else a failure.
# Two pytest-xdist workers by default (FORECAST_TEST_WORKERS to change; 0 runs in one process):
# the browser tests spend most of their time waiting for Chromium, the fits use one core each.
# A file's tests stay on one worker (--dist loadfile), so module fixtures are built once.
workers=${FORECAST_TEST_WORKERS:-2}
parallel=()
[ "$workers" != "0" ] && parallel=(-n "$workers" --dist loadfile)
run_stage() {
    set +e
    $BIN/python -m pytest --headless -p no:cacheprovider "${parallel[@]}" "$@"
    local rc=$?
    set -e
    return $rc
}

echo "test: fast unit tests"
fast_rc=0
run_stage -m "not slow" tests/unit "$@" || fast_rc=$?
if [ "$fast_rc" -ne 0 ] && [ "$fast_rc" -ne 5 ]; then
    echo "test: fast unit tests failed; the slow tests were not run" >&2
    exit "$fast_rc"
fi

echo "test: slow unit tests, integration and browser tests"
rest_rc=0
# The slowest tests are listed, so that the 15-minute budget of CI can be watched.
run_stage --without-fast-unit --durations=15 "$@" || rest_rc=$?
if [ "$rest_rc" -eq 5 ] && [ "$fast_rc" -eq 5 ]; then
    echo "test: pytest collected no tests; that counts as a failure" >&2
    exit 1
fi
if [ "$rest_rc" -ne 0 ] && [ "$rest_rc" -ne 5 ]; then
    exit "$rest_rc"
fi
# The package as a user installs it: the wheel in a fresh virtualenv, run from another folder.
bash scripts/wheel_smoke.sh
