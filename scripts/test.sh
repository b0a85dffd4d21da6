#!/usr/bin/env bash
# Quick start, command 2: installs dependencies, makes sure Redis answers (and Chromium, for
# the dashboard's browser test, and wrk, for the benchmark's smoke test, are there), then
# lints, type-checks and runs every test. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_node
find_pnpm
install_dependencies
ensure_redis ephemeral
ensure_chromium
ensure_wrk
"${PNPM[@]}" run check
"${PNPM[@]}" exec vitest run "$@"
