#!/usr/bin/env bash
# Runs a real OCI registry (Debian's docker-registry, CNCF Distribution) on loopback for tests.
#   scripts/registry.sh start --dir DIR [--port N] [--htpasswd FILE] [--tls CERT KEY]
#       starts one in DIR (config.yml, data/, registry.log, registry.pid), waits until it answers,
#       prints its address (127.0.0.1:PORT); port 0 or none picks a free one. Starting one that
#       already runs in DIR prints its address again.
#   scripts/registry.sh address --dir DIR     prints the address of the one running in DIR
#   scripts/registry.sh stop --dir DIR        stops it (nothing to do when none runs)
#   --htpasswd FILE: clients must log in (FILE from htpasswd -Bbn USER PASS); --tls CERT KEY: HTTPS.
#   REGISTRY_START_TIMEOUT: seconds to wait for it to answer (default 60).
set -euo pipefail

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "$0"
}
die() {
  echo "registry.sh: $*" >&2
  exit 1
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  -h|--help) usage; exit 0 ;;
  start|stop|address) ;;
  *) echo "registry.sh: expected start, stop or address (see --help)" >&2; exit 2 ;;
esac

dir="" port=0 htpasswd="" cert="" key=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dir) dir=${2:?--dir needs a directory}; shift ;;
    --port) port=${2:?--port needs a number}; shift ;;
    --htpasswd) htpasswd=${2:?--htpasswd needs a file}; shift ;;
    --tls) cert=${2:?--tls needs CERT and KEY}; key=${3:?--tls needs CERT and KEY}; shift 2 ;;
    *) echo "registry.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$dir" ] || { echo "registry.sh: --dir is required" >&2; exit 2; }
[[ "$port" =~ ^[0-9]+$ ]] || { echo "registry.sh: --port must be a number, not '$port'" >&2; exit 2; }

# Whether PID is a live registry (not a zombie, not a recycled pid running something else).
is_registry() {
  [[ "$1" =~ ^[0-9]+$ ]] && grep -qa docker-registry "/proc/$1/cmdline" 2>/dev/null
}

# The pid of the registry running in DIR.
running_pid() {
  local pid
  pid=$(cat "$dir/registry.pid" 2>/dev/null) || return 1
  is_registry "$pid" || return 1
  echo "$pid"
}

case "$command" in
  address)
    running_pid >/dev/null || die "no registry runs in $dir"
    cat "$dir/address"
    exit 0
    ;;
  stop)
    if pid=$(running_pid); then
      kill -TERM "$pid"
      for _ in $(seq 100); do
        is_registry "$pid" || break
        sleep 0.1
      done
      if is_registry "$pid"; then
        kill -KILL "$pid"
      fi
    fi
    rm -f "$dir/registry.pid" "$dir/address"
    exit 0
    ;;
esac

if running_pid >/dev/null; then
  cat "$dir/address"
  exit 0
fi
command -v docker-registry >/dev/null 2>&1 || die "docker-registry not found; install it with: scripts/deps.sh test"
for tool in curl ss python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found; install it with: scripts/deps.sh test"
done
for f in "$htpasswd" "$cert" "$key"; do
  [ -z "$f" ] || [ -r "$f" ] || die "cannot read $f"
done
mkdir -p "$dir/data"
dir=$(cd "$dir" && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

scheme=http
# A free port can be taken between choosing it and binding it: choose again a few times.
for attempt in 1 2 3 4 5; do
  p=$port
  if [ "$p" -eq 0 ]; then
    p=$(free_port)
  fi
  {
    echo "# Written by scripts/registry.sh"
    echo "version: 0.1"
    echo "log: { level: warn, accesslog: { disabled: true } }"
    echo "storage: { filesystem: { rootdirectory: \"$dir/data\" }, delete: { enabled: true } }"
    if [ -n "$cert" ]; then
      echo "http: { addr: 127.0.0.1:$p, tls: { certificate: \"$(abs "$cert")\", key: \"$(abs "$key")\" } }"
    else
      echo "http: { addr: 127.0.0.1:$p }"
    fi
    if [ -n "$htpasswd" ]; then
      echo "auth: { htpasswd: { realm: comments-test-registry, path: \"$(abs "$htpasswd")\" } }"
    fi
  } >"$dir/config.yml"
  [ -z "$cert" ] || scheme=https
  # The registry reads every REGISTRY_* variable as configuration (REGISTRY_AUTH_FILE, set for
  # skopeo and podman, would become its auth section): start it without any.
  unset_registry_env=()
  while IFS= read -r name; do
    unset_registry_env+=(-u "$name")
  done < <(compgen -e | grep '^REGISTRY_' || true)
  setsid env "${unset_registry_env[@]}" docker-registry serve "$dir/config.yml" </dev/null \
    >"$dir/registry.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/registry.pid"
  # Up when this process listens on the port (not another one that had it) and /v2/ answers at
  # all: 200 open, 401 with --htpasswd.
  # On a loaded machine the Go binary can start slowly and `ss -p` can miss its socket while
  # /proc is busy: wait by deadline, and after 5 s alive (a registry that could not bind has
  # exited by then) trust an answer on the port without the ss check.
  started=$SECONDS
  deadline=$((SECONDS + ${REGISTRY_START_TIMEOUT:-60}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! is_registry "$pid"; then
      # Just forked and not yet exec'd (its cmdline is still the shell's): give it time. One that
      # exited (a zombie until reaped) is done.
      if [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null &&
        [ $((SECONDS - started)) -lt 5 ]; then
        sleep 0.05
        continue
      fi
      break
    fi
    if [ $((SECONDS - started)) -lt 5 ] && ! ss -Hltnp "sport = :$p" | grep -q "pid=$pid,"; then
      sleep 0.1
      continue
    fi
    code=$(curl -ks --max-time 5 -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$p/v2/" || true)
    if [ "$code" = 200 ] || [ "$code" = 401 ]; then
      echo "127.0.0.1:$p" >"$dir/address"
      echo "127.0.0.1:$p"
      exit 0
    fi
    sleep 0.1
  done
  if is_registry "$pid"; then
    kill -KILL "$pid"
    die "the registry did not answer within ${REGISTRY_START_TIMEOUT:-60} s; see $dir/registry.log"
  fi
  rm -f "$dir/registry.pid"
  if [ "$port" -ne 0 ] || ! grep -q 'address already in use' "$dir/registry.log"; then
    tail -n 5 "$dir/registry.log" >&2
    die "the registry exited (attempt $attempt); see $dir/registry.log"
  fi
done
die "no free port found for the registry"
