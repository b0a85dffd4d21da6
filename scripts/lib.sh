# Shared by scripts/up.sh, scripts/test.sh and .ci/run. Source it; do not run it.
# Each function prints what it does and, when it cannot do it, exactly what to do instead.

# The pnpm version the workspace pins, from package.json's packageManager (one place says it).
SKYHOOK_PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)

require_node() {
  if ! command -v node >/dev/null 2>&1; then
    echo "skyhook: Node.js >= 20 is required (https://nodejs.org); 'node' is not on PATH." >&2
    exit 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "skyhook: Node.js >= 20 is required; found $(node --version)." >&2
    exit 1
  fi
}

# Sets PNPM to a command running the pinned pnpm major version (the workspace's lockfile format).
find_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && pnpm --version 2>/dev/null | grep -q "^${SKYHOOK_PNPM_VERSION%%.*}\."; then
    PNPM=(pnpm)
  else
    echo "skyhook: pnpm ${SKYHOOK_PNPM_VERSION%%.*} not found; running pnpm@$SKYHOOK_PNPM_VERSION through npx." >&2
    PNPM=(npx -y "pnpm@$SKYHOOK_PNPM_VERSION")
  fi
}

install_dependencies() {
  "${PNPM[@]}" install --frozen-lockfile
}

# REDIS_URL's host and port (defaults 127.0.0.1:6379).
redis_host_port() {
  local rest=${REDIS_URL:-redis://127.0.0.1:6379}
  rest=${rest#*://}
  rest=${rest#*@}
  rest=${rest%%/*}
  REDIS_HOST=${rest%%:*}
  REDIS_PORT=6379
  case "$rest" in *:*) REDIS_PORT=${rest##*:} ;; esac
}

redis_answers() {
  # Bash's /dev/tcp needs no client: any reply (even an auth error) means a server is there.
  (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 && read -r -t 2 reply <&3 && [ -n "$reply" ]) 2>/dev/null
}

# Makes sure Redis answers at REDIS_URL, starting a local redis-server when the URL is local.
# $1: "durable" keeps data in .data/redis with AOF (for a running system); "ephemeral" keeps nothing.
ensure_redis() {
  redis_host_port
  if redis_answers; then
    echo "skyhook: Redis answers on $REDIS_HOST:$REDIS_PORT."
    return 0
  fi
  case "$REDIS_HOST" in 127.0.0.1|localhost) ;; *)
    echo "skyhook: Redis at $REDIS_HOST:$REDIS_PORT does not answer. Start it, or point REDIS_URL at one that does." >&2
    exit 1 ;;
  esac
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "skyhook: nothing answers on $REDIS_HOST:$REDIS_PORT and redis-server is not installed." >&2
    echo "  Install Redis >= 6.2 (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis)," >&2
    echo "  or set REDIS_URL to a Redis you already run." >&2
    exit 1
  fi
  local persistence=(--save "" --appendonly no)
  if [ "${1:-ephemeral}" = durable ]; then
    mkdir -p .data/redis
    persistence=(--save "" --appendonly yes --appendfsync everysec --dir "$PWD/.data/redis")
  fi
  echo "skyhook: starting redis-server on $REDIS_HOST:$REDIS_PORT."
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --maxmemory-policy noeviction "${persistence[@]}" >/dev/null
  for _ in $(seq 1 50); do
    redis_answers && return 0
    sleep 0.1
  done
  echo "skyhook: redis-server did not start on port $REDIS_PORT." >&2
  exit 1
}

# The dashboard browser test drives Chromium at /usr/bin/chromium (Debian's package). Without
# it that test is skipped with a warning (and fails when CI is set). Installs it when it can.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "skyhook: installing Chromium for the dashboard browser test (apt-get, about a minute)."
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; then
      return 0
    fi
    echo "skyhook: apt-get could not install chromium; the dashboard browser test will be skipped." >&2
    return 0
  fi
  echo "skyhook: /usr/bin/chromium not found; the dashboard browser test will be skipped." >&2
  echo "  Install it (Debian: sudo apt-get install -y chromium), then run the tests again." >&2
}

# `pnpm bench` and its smoke test (test/bench-smoke.test.ts) load the ingress with wrk (Debian's
# package). Without it that test is skipped with a warning (and fails when CI is set).
ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "skyhook: installing wrk for the benchmark (apt-get)."
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null 2>&1 &&
      command -v wrk >/dev/null 2>&1; then
      return 0
    fi
    echo "skyhook: apt-get could not install wrk; the benchmark smoke test will be skipped." >&2
    return 0
  fi
  echo "skyhook: wrk not found; the benchmark smoke test will be skipped and pnpm bench cannot run." >&2
  echo "  Install it (Debian: sudo apt-get install -y wrk), then run again." >&2
}
