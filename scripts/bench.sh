#!/usr/bin/env bash
# Benchmarks comments-service against its peers in one run on this machine, with wrk:
#   - nginx answering a fixed JSON body (the ceiling for an HTTP endpoint here)
#   - the original-behaviour Flask app under gunicorn, one worker (what we replace)
# for GET of a list of 3 comments and for POST of a new comment (durable: SQLite, WAL, group
# commit), then prints requests/s, p99 latency, ratios, idle memory and time to ready.
#   scripts/bench.sh [--duration 8s] [--connections 64] [--threads 2] [--storage sqlite|memory|postgres]
# Peers come from ../shared/peers (override with PEERS_DIR); postgres starts a throwaway cluster
# with scripts/postgres.sh. BENCH_BUILD_DIR picks the build (default build/release). Loopback
# only; everything it starts it stops.
set -euo pipefail

duration=8s
connections=64
wrk_threads=2
storage=sqlite
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) wrk_threads=$2; shift 2 ;;
    --storage) storage=$2; shift 2 ;;
    -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_DIR:-$root/../shared/peers}
[ -f "$peers/flask_comments.py" ] || { echo "bench.sh: peers not found in $peers (set PEERS_DIR)" >&2; exit 1; }
bash "$root/scripts/deps.sh" bench
for tool in wrk gunicorn nginx curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench.sh: $tool missing; run scripts/deps.sh bench" >&2; exit 1; }
done
build_dir=${BENCH_BUILD_DIR:-$root/build/release}
if [ ! -x "$build_dir/bin/comments-service" ] || [ -n "${BENCH_REBUILD:-}" ]; then
  cmake --preset release -B "$build_dir" >/dev/null
  cmake --build "$build_dir" --target comments-service >/dev/null
fi
service_bin=$build_dir/bin/comments-service

work=$(mktemp -d)
pids=()
pg_parent=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$pg_parent" ]; then
    bash "$root/scripts/postgres.sh" stop "$pg_parent/cluster" --remove || true
    rm -rf "$pg_parent"
  fi
  if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {  # url, deadline in tenths of a second
  local url=$1 tries=${2:-100}
  for _ in $(seq "$tries"); do
    curl -fs -o /dev/null "$url" && return 0
    sleep 0.1
  done
  echo "bench.sh: $url did not come up" >&2
  return 1
}

post() {  # port, content id, text
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"alice@example.com\",\"comment\":\"$3\",\"content_id\":$2}" \
    "http://127.0.0.1:$1/api/comment/new"
}

# nginx: the peer config listens on 127.0.0.1:18090; run it on a private copy with our pid file.
nginx_port=18090
sed -e "s#/tmp/nginx-limit.pid#$work/nginx.pid#" -e "s#/tmp/nginx-limit-error.log#$work/nginx-error.log#" \
  "$peers/nginx_limit.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" 2>/dev/null
wait_http "http://127.0.0.1:$nginx_port/"

flask_port=$(free_port)
(cd "$peers" && exec gunicorn -w 1 -b "127.0.0.1:$flask_port" --log-level warning flask_comments:app) \
  > "$work/flask.log" 2>&1 &
pids+=($!)

case "$storage" in
  sqlite) storage_url="sqlite:$work/comments.db" ;;
  memory) storage_url="memory:" ;;
  postgres|postgresql)
    # Durable settings (fsync on); world-searchable parent, since as root the server runs as postgres.
    pg_parent=$(mktemp -d)
    chmod 0755 "$pg_parent"
    storage_url=$(bash "$root/scripts/postgres.sh" start "$pg_parent/cluster")
    ;;
  *) storage_url=$storage ;;
esac
svc_port=$(free_port)
start_ns=$(date +%s%N)
LOG_LEVEL=warn "$service_bin" --port "$svc_port" --listen 127.0.0.1 --storage "$storage_url" \
  --shutdown-delay 0s > "$work/service.log" 2>&1 &
svc_pid=$!
pids+=("$svc_pid")
until curl -fs -o /dev/null "http://127.0.0.1:$svc_port/readyz"; do
  if [ $(( ($(date +%s%N) - start_ns) / 1000000 )) -gt 10000 ]; then
    echo "bench.sh: service not ready after 10 s" >&2; cat "$work/service.log" >&2; exit 1
  fi
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$svc_pid/status")
wait_http "http://127.0.0.1:$flask_port/api/comment/list/0" 100 2>/dev/null || true

for port in "$svc_port" "$flask_port"; do
  for i in 1 2 3; do post "$port" 1 "comment $i"; done
done

# wrk prints "Requests/sec: N" and, with --latency, a "99%" line in ms/us/s.
run_wrk() {  # name, url, [lua]
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$3" "$2")
  else
    out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency "$2")
  fi
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%s %s %s\n' "$rps" "$p99" "${errors:-none}" > "$work/$1.result"
}

echo "wrk -t$wrk_threads -c$connections -d$duration, storage $storage, $(nproc) cores" >&2
run_wrk nginx_get "http://127.0.0.1:$nginx_port/api/comment/list/1"
run_wrk flask_get "http://127.0.0.1:$flask_port/api/comment/list/1"
run_wrk svc_get "http://127.0.0.1:$svc_port/api/comment/list/1"
run_wrk nginx_post "http://127.0.0.1:$nginx_port/api/comment/new" "$peers/wrk_post.lua"
run_wrk flask_post "http://127.0.0.1:$flask_port/api/comment/new" "$peers/wrk_post.lua"
run_wrk svc_post "http://127.0.0.1:$svc_port/api/comment/new" "$peers/wrk_post.lua"
loaded_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$svc_pid/status")

field() { awk -v f="$2" '{print $f}' "$work/$1.result"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '\n%-10s %-22s %12s %10s  %s\n' "request" "server" "req/s" "p99 ms" "errors"
for kind in get post; do
  for who in nginx flask svc; do
    name=$who; [ "$who" = svc ] && name="comments-service"; [ "$who" = flask ] && name="flask (1 worker)"; [ "$who" = nginx ] && name="nginx (fixed body)"
    printf '%-10s %-22s %12s %10s  %s\n' "${kind^^}" "$name" "$(field "${who}_$kind" 1)" "$(field "${who}_$kind" 2)" "$(cut -d' ' -f3- "$work/${who}_$kind.result")"
  done
done
echo
echo "GET list:  $(ratio "$(field svc_get 1)" "$(field nginx_get 1)") x nginx ceiling (target >= 0.6), $(ratio "$(field svc_get 1)" "$(field flask_get 1)") x flask (target >= 15)"
echo "POST new:  $(ratio "$(field svc_post 1)" "$(field nginx_post 1)") x nginx ceiling (target >= 0.3), $(ratio "$(field svc_post 1)" "$(field flask_post 1)") x flask (target >= 10)"
echo "idle RSS:  $((idle_rss_kb / 1024)) MiB ($idle_rss_kb KiB, target < 16 MiB); after load $((loaded_rss_kb / 1024)) MiB"
echo "ready in:  $ready_ms ms from exec to a 200 on /readyz (target < 100 ms, includes curl start-up)"
