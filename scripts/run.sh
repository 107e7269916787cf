#!/usr/bin/env bash
# Runs the product on the embedded default (SQLite in the per-user data directory, bundled sample
# data). Installs what it needs on first run. Extra arguments go to `forecast serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
exec .venv/bin/forecast demo "$@"
