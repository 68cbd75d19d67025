# Shared by the scripts in scripts/reliability/: a scratch directory, the service binary, starting
# and stopping processes on loopback, reading /proc, and parsing hey's report. Sourced, not run.
# shellcheck shell=bash

REL_NAME=${REL_NAME:-$(basename "$0" .sh)}
REL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REL_PIDS=()
REL_WORK=""
# Results for the calling script: rel_start sets REL_PID and REL_PORT, rel_wait_exit REL_EXIT.
# shellcheck disable=SC2034
REL_PID="" REL_PORT="" REL_EXIT=""

rel_die() {
  echo "$REL_NAME: $*" >&2
  exit 2
}

# One actionable line per missing tool.
rel_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 ||
      rel_die "$tool not found; install the test tools with: bash scripts/deps.sh test"
  done
}

rel_usage() {
  sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

# Stops what this script started (by PID, never by name) and removes the scratch directory. TERM
# first: nginx's master stops its workers on TERM, a KILLed master leaves them behind.
rel_cleanup() {
  local pid _
  for pid in "${REL_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    for pid in "${REL_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null && break
      pid=""
    done
    [ -z "$pid" ] && break
    sleep 0.05
  done
  for pid in "${REL_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$REL_WORK" ] && [ -z "${REL_KEEP:-}" ]; then
    rm -rf "$REL_WORK"
  fi
}

rel_init() {
  REL_WORK=$(mktemp -d "${TMPDIR:-/tmp}/$REL_NAME.XXXXXX")
  trap rel_cleanup EXIT
}

# The service binary: the one given, else the release preset's, built if needed.
rel_binary() {
  local given=$1
  if [ -n "$given" ]; then
    [ -x "$given" ] || rel_die "$given is not an executable comments-service"
    echo "$given"
    return
  fi
  rel_require cmake ninja
  (cd "$REL_ROOT" && cmake --preset release >/dev/null &&
    nice cmake --build --preset release --target comments-service >/dev/null) ||
    rel_die "cannot build the release preset; run: cmake --preset release && cmake --build --preset release"
  echo "$REL_ROOT/build/release/bin/comments-service"
}

# rel_start NAME BIN [flags…]: starts the service on 127.0.0.1, port 0 unless given; sets
# REL_PID and REL_PORT once it logged its port. Output goes to $REL_WORK/NAME.log.
rel_start() {
  local name=$1 bin=$2
  shift 2
  local log="$REL_WORK/$name.log"
  "$bin" --listen 127.0.0.1 --log-level warn --log-format json "$@" >"$log" 2>&1 &
  REL_PID=$!
  REL_PIDS+=("$REL_PID")
  REL_PORT=""
  local _
  for _ in $(seq 1 200); do
    REL_PORT=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$log" | head -n 1)
    if [ -n "$REL_PORT" ]; then
      return 0
    fi
    kill -0 "$REL_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$log" >&2
  rel_die "$name did not start (log above)"
}

# Polls URL until it answers 200 or about 10 s pass.
rel_wait_ok() {
  local url=$1 _
  for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  rel_die "$url did not answer 200"
}

# Waits up to SECONDS for PID (a child of this shell) to exit; sets REL_EXIT to its exit status,
# or "running".
# shellcheck disable=SC2034  # REL_EXIT is read by the caller
rel_wait_exit() {
  local pid=$1 seconds=$2 _
  REL_EXIT=running
  for _ in $(seq 1 $((seconds * 20))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      REL_EXIT=0
      wait "$pid" 2>/dev/null || REL_EXIT=$?
      return 0
    fi
    sleep 0.05
  done
}

rel_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
rel_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# A free loopback port (for nginx, which cannot bind port 0 and report it).
rel_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Posts one comment; used to seed a content id.
rel_post() {
  local url=$1 content=$2 text=$3
  curl -fsS -o /dev/null --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"email\":\"seed@example.com\",\"comment\":\"$text\",\"content_id\":\"$content\"}" \
    "$url/api/comment/new"
}

# From a hey report: responses with STATUS; all responses; transport errors; p99 and mean in ms;
# requests per second.
hey_status() { awk -v s="[$2]" '$1 == s {n += $2} END {print n + 0}' "$1"; }
hey_responses() { awk '/^Status code distribution:/ {on = 1; next} on && /^ *\[[0-9]+\]/ {n += $2} /^Error distribution:/ {on = 0} END {print n + 0}' "$1"; }
hey_errors() { awk '/^Error distribution:/ {on = 1; next} on && /^ *\[[0-9]+\]/ {gsub(/[][]/, "", $1); n += $1} END {print n + 0}' "$1"; }
hey_non_ok() { echo $(($(hey_responses "$1") - $(hey_status "$1" 200))); }
hey_p99_ms() { awk '$1 == "99%" && $2 == "in" {printf "%.1f", $3 * 1000}' "$1"; }
hey_rps() { awk '/Requests\/sec:/ {printf "%.0f", $2}' "$1"; }

# Refuses any target outside 127.0.0.0/8: these tools load and attack what they are pointed at.
rel_loopback_only() {
  case "$1" in
    127.*) ;;
    *) rel_die "refusing $1: load and fault tests run against loopback (127.0.0.0/8) only" ;;
  esac
}
