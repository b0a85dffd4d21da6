#!/usr/bin/env bash
# Quick start, command 1: installs dependencies, makes sure Redis answers, and runs the whole
# system (ingress :8080, one worker for every installed operation, dashboard :3001). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_node
find_pnpm
install_dependencies
ensure_redis durable
exec node scripts/start-all.mjs
