#!/usr/bin/env bash
# The whole check on a fresh machine: installs what it needs, starts PostgreSQL, then
#   1. lint: ruff check, ruff format --check, mypy (src/ and dashboard/), the import contract
#      (lint-imports: the layers of docs/ARCHITECTURE.md, see [tool.importlinter] in pyproject.toml);
#      mypy and the import contract run beside stage 2, and their verdict is read before stage 3;
#   2. the fast unit tests (tests/unit, not marked slow), so a broken basic fails in seconds;
#   3. the rest: slow unit tests, integration, browser end-to-end in headless Chromium;
#   4. the wheel smoke test (scripts/wheel_smoke.sh), which runs beside stages 1-3 (it mostly
#      waits for pip, while mypy uses one core) and is reported at the end.
# Stages 2 and 3 are one suite: every test runs exactly once, and the script fails if any stage
# fails or if pytest collects nothing at all. Extra pytest options go to both runs
# (e.g. `-k claim`, `-x`); with `--lint-only` only stage 1 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
BIN=.venv/bin
# The project's own modules, compiled once: the tests start a few hundred Python processes (CLI
# walkthroughs, process pools, servers), which would each compile them again where
# PYTHONDONTWRITEBYTECODE is set.
$BIN/python -m compileall -q -j 0 src dashboard >/dev/null

lint_only=0
if [ "${1:-}" = "--lint-only" ]; then
    lint_only=1
    shift
fi

smoke_log=$(mktemp)
smoke_pid=""
stop_smoke() {
    if [ -n "${types_pid:-}" ]; then
        # the subshell's children (mypy, lint-imports) first: killing the subshell leaves them
        pkill -P "$types_pid" 2>/dev/null || true
        kill "$types_pid" 2>/dev/null || true
        rm -f "${types_log:-}"
    fi
    if [ -n "${warm_pid:-}" ]; then
        kill "$warm_pid" 2>/dev/null || true
    fi
    if [ -n "$smoke_pid" ]; then
        kill -- "-$smoke_pid" 2>/dev/null || true
        wait "$smoke_pid" 2>/dev/null || true
    fi
    rm -f "$smoke_log"
}
trap stop_smoke EXIT
if [ "$lint_only" -eq 0 ]; then
    # The package as a user installs it: the wheel in a fresh virtualenv, run from another folder.
    setsid bash scripts/wheel_smoke.sh >"$smoke_log" 2>&1 &  # its own process group, to stop it whole
    smoke_pid=$!
fi

# pytest rewrites the asserts of every test module (and of its plugins) in each of its worker
# processes, five in all, about 6 s each: with PYTHONDONTWRITEBYTECODE set (as in CI) it keeps
# none of them. One collection beside the lint (mypy uses one core) writes them once for all.
warm_pid=""
if [ "$lint_only" -eq 0 ]; then
    env -u PYTHONDONTWRITEBYTECODE $BIN/python -m pytest --collect-only -q -p no:cacheprovider \
        tests >/dev/null 2>&1 &
    warm_pid=$!
fi

echo "test: lint (ruff check, ruff format --check; mypy and the import contract beside the fast unit tests)"
lint_rc=0
$BIN/ruff check src dashboard tests benchmarks || lint_rc=1
$BIN/ruff format --check src dashboard tests benchmarks || lint_rc=1
if [ "$lint_rc" -ne 0 ]; then
    echo "test: lint failed (see above); fix it before the tests run" >&2
    exit 1
fi
# mypy takes most of a minute on one core from a fresh clone (no cache); beside the fast unit
# tests it costs their two workers far less than that, and its verdict is read before the rest.
types_check() { $BIN/mypy && $BIN/lint-imports --no-cache; }
if [ "$lint_only" -eq 1 ]; then
    types_check
    exit $?
fi
types_log=$(mktemp)
types_check >"$types_log" 2>&1 &
types_pid=$!
types_verdict() {
    local rc=0
    wait "$types_pid" || rc=$?
    types_pid=""
    cat "$types_log"
    rm -f "$types_log"
    if [ "$rc" -ne 0 ]; then
        echo "test: lint failed (mypy or the import contract, see above)" >&2
        exit 1
    fi
}

if [ -z "${FORECAST_TEST_PG_URL:-}" ]; then
    if url=$(bash scripts/postgres.sh); then
        export FORECAST_TEST_PG_URL="$url"
    else
        echo "test: could not start PostgreSQL; the PostgreSQL store tests will report themselves as skipped with the reason" >&2
    fi
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# selenium 4.2's urllib3 noise, ignored by pyproject's filterwarnings too: a library that runs
# warnings.catch_warnings in a server thread across a test's start puts back the list without
# pytest's filters, so the ignore must be in the list every other derives from.
export PYTHONWARNINGS="ignore:HTTPResponse.getheader:DeprecationWarning${PYTHONWARNINGS:+,$PYTHONWARNINGS}"

# pytest exit codes: 0 passed, 5 nothing collected (fine for one stage when -k narrows it, a
# failure when both stages collect nothing), anything else a failure.
# pytest-xdist workers (FORECAST_TEST_WORKERS sets both stages; 0 runs in one process): two for
# the fast unit tests, which keep both cores busy; three for the rest (measured on 2 cores: 504 s
# with two workers, 438 s with three, 401 s with four at a load average of 9.5).
# A file's tests stay on one worker (--dist loadfile), so module fixtures are built once.
run_stage() {
    local workers=$1
    shift
    local parallel=()
    # in the order of the collection (tests/conftest.py runs the files of long tests first)
    [ "$workers" != "0" ] && parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)
    set +e
    $BIN/python -m pytest --headless -p no:cacheprovider "${parallel[@]}" "$@"
    local rc=$?
    set -e
    return $rc
}

# (a collection that fails is reported by the stages below, with its error)
[ -n "$warm_pid" ] && { wait "$warm_pid" || true; }

echo "test: fast unit tests"
fast_rc=0
run_stage "${FORECAST_TEST_WORKERS:-2}" -m "not slow" tests/unit "$@" || fast_rc=$?
if [ "$fast_rc" -ne 0 ] && [ "$fast_rc" -ne 5 ]; then
    echo "test: fast unit tests failed; the slow tests were not run" >&2
    types_verdict
    exit "$fast_rc"
fi

types_verdict
echo "test: slow unit tests, integration and browser tests"
rest_rc=0
# The slowest tests are listed, so that the 15-minute budget of CI can be watched.
run_stage "${FORECAST_TEST_WORKERS:-3}" --without-fast-unit --durations=15 "$@" || rest_rc=$?
if [ "$rest_rc" -eq 5 ] && [ "$fast_rc" -eq 5 ]; then
    echo "test: pytest collected no tests; that counts as a failure" >&2
    exit 1
fi
if [ "$rest_rc" -ne 0 ] && [ "$rest_rc" -ne 5 ]; then
    exit "$rest_rc"
fi
echo "test: the wheel smoke test (started beside the lint)"
smoke_rc=0
wait "$smoke_pid" || smoke_rc=$?
smoke_pid=""
cat "$smoke_log"
if [ "$smoke_rc" -ne 0 ]; then
    echo "test: the wheel smoke test failed (see above)" >&2
    exit "$smoke_rc"
fi
