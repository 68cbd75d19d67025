#!/usr/bin/env bash
# Benchmarks comments-service against its peers in one run on this machine, with wrk:
#   - nginx answering a fixed JSON body (the ceiling for an HTTP endpoint here)
#   - the original-behaviour Flask app under gunicorn, one worker (what we replace)
# for GET of a list of 3 comments, the same GET revalidated (If-None-Match, a 304) and POST of a
# new comment (durable; with SQLite both synchronous=normal and synchronous=full, group commit),
# and POST on the same binary with no storage (memory:), the storage-free ceiling of this machine.
# Every round measures every server once; it prints the medians over the rounds of requests/s,
# p99 latency and the ratios taken within each round, then idle memory and time to ready.
#   scripts/bench.sh [--duration 8s] [--connections 64] [--threads 2] [--rounds 3]
#                    [--storage sqlite|memory|postgres] [--replicas 1|2] [--write-docs]
# --replicas 2 (postgres only): two service processes on one database; the GET rows run on
# replica 1 while replica 2 takes a steady stream of writes (scripts/bench/staleness.py, which
# times each write's arrival in replica 1's list: the cross-replica staleness), and a 95/5
# read/write mix (scripts/bench/wrk_mixed.lua) runs through nginx balancing both replicas.
# --write-docs replaces the figures block of that storage (postgres-replicas for --replicas 2) in
# docs/performance.md (between <!-- bench:begin STORAGE --> and <!-- bench:end -->) with this
# run's report, date, machine and command, so the figures there are never typed by hand.
# The service runs with its default settings (log level info: one access line per request,
# written to a file), except the storage and, for the POST rows, synchronous. The peers live in
# scripts/bench/peers; postgres starts a throwaway cluster with scripts/postgres.sh.
# BENCH_BUILD_DIR picks the build (default build/release). Loopback only; everything it starts
# it stops.
set -euo pipefail

duration=8s
connections=64
wrk_threads=2
rounds=3
storage=sqlite
replicas=1
write_docs=""
command_line="scripts/bench.sh $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) wrk_threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --storage) storage=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --write-docs) write_docs=1; shift ;;
    -h|--help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --rounds must be a positive integer" >&2; exit 2; }
case "$replicas" in
  1) doc_block=$storage ;;
  2)
    case "$storage" in
      postgres|postgresql) doc_block=postgres-replicas ;;
      *) echo "bench.sh: --replicas 2 needs --storage postgres (the replicas share one database)" >&2; exit 2 ;;
    esac ;;
  *) echo "bench.sh: --replicas must be 1 or 2" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
peers=$root/scripts/bench/peers
perf_doc=$root/docs/performance.md
if [ -n "$write_docs" ] && ! grep -q "^<!-- bench:begin $doc_block " "$perf_doc"; then
  echo "bench.sh: $perf_doc has no '<!-- bench:begin $doc_block …' block for --write-docs" >&2
  exit 2
fi
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
  for f in "$work/nginx.pid" "$work/balancer.pid"; do
    if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
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

# nginx: the peer config listens on 127.0.0.1:18090; run a private copy on a free port, with
# its pid file and error log in our work directory.
nginx_port=$(free_port)
sed -e "s#127.0.0.1:18090#127.0.0.1:$nginx_port#" -e "s#/tmp/nginx-limit.pid#$work/nginx.pid#" \
  -e "s#/tmp/nginx-limit-error.log#$work/nginx-error.log#" "$peers/nginx_limit.conf" > "$work/nginx.conf"
grep -q "127.0.0.1:$nginx_port" "$work/nginx.conf" || { echo "bench.sh: cannot set the port in $peers/nginx_limit.conf" >&2; exit 1; }
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

# Starts one service process with the defaults and the given flags; sets svc_port and svc_pid.
# LOG_LEVEL and the like are unset so that the defaults apply; the log is appended to a file
# (truncated between runs to bound the disk it takes).
# The time to ready is taken with bash's own clock and socket (EPOCHREALTIME, /dev/tcp), so that
# no process starts per poll: what it measures is the service's start-up, not curl's.
ready_now() {  # port: true once /readyz answers 200
  local status=""
  { printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&9 &&
      IFS= read -r -t 2 status <&9; } 2>/dev/null 9<>"/dev/tcp/127.0.0.1/$1" || return 1
  [[ $status == "HTTP/1.1 200"* ]]
}
start_service() {  # name, flags…
  local name=$1 start_us
  shift
  svc_port=$(free_port)
  start_us=${EPOCHREALTIME/./}
  env -u LOG_LEVEL -u LOG_FORMAT -u SQLITE_SYNCHRONOUS -u THREADS -u READ_THREADS \
    "$service_bin" --port "$svc_port" --listen 127.0.0.1 --shutdown-delay 0s "$@" >> "$work/$name.log" 2>&1 &
  svc_pid=$!
  pids+=("$svc_pid")
  until ready_now "$svc_port"; do
    if [ $(( (${EPOCHREALTIME/./} - start_us) / 1000 )) -gt 10000 ]; then
      echo "bench.sh: service $name not ready after 10 s" >&2; cat "$work/$name.log" >&2; exit 1
    fi
  done
  ready_ms=$(( (${EPOCHREALTIME/./} - start_us) / 1000 ))
}

start_service svc --storage "$storage_url"
get_port=$svc_port
get_pid=$svc_pid
get_ready_ms=$ready_ms
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$get_pid/status")
# POST: with SQLite, one process per synchronous mode, each on its own file; else the same one.
post_targets=()
if [ "$storage" = sqlite ]; then
  for mode in normal full; do
    start_service "post_$mode" --storage "sqlite:$work/post-$mode.db" --sqlite-synchronous "$mode"
    post_targets+=("svc_post_$mode:$svc_port")
  done
else
  post_targets+=("svc_post:$get_port")
fi
# The same binary with no storage at all (memory:): what this machine leaves for the service's own
# HTTP, validation and hand-off work, so the storage's share of a POST shows in the same run.
if [ "$storage" != memory ]; then
  start_service post_nostore --storage memory:
  post_targets+=("svc_post_nostore:$svc_port")
fi

# --replicas 2: replica 2 on the same database, and nginx balancing both (round robin, kept-alive
# upstream connections) for the mixed run. Lists are cached only once a replica's change feed
# vouches for its cache (list_cache_synchronized 1); the bench waits for that on both.
if [ "$replicas" = 2 ]; then
  start_service replica2 --storage "$storage_url"
  replica2_port=$svc_port
  for port in "$get_port" "$replica2_port"; do
    synchronized=""
    for _ in $(seq 300); do
      if curl -fs "http://127.0.0.1:$port/metrics" | grep -q '^list_cache_synchronized 1'; then
        synchronized=1
        break
      fi
      sleep 0.1
    done
    if [ -z "$synchronized" ]; then
      echo "bench.sh: the replica on port $port did not report list_cache_synchronized 1 within 30 s" >&2
      tail -n 5 "$work/svc.log" "$work/replica2.log" >&2
      exit 1
    fi
  done
  balancer_port=$(free_port)
  cat > "$work/balancer.conf" <<EOF
worker_processes 2;
error_log $work/balancer-error.log;
pid $work/balancer.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream replicas {
    server 127.0.0.1:$get_port;
    server 127.0.0.1:$replica2_port;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$balancer_port;
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  nginx -c "$work/balancer.conf" -p "$work" 2>/dev/null
  wait_http "http://127.0.0.1:$balancer_port/readyz"
fi
# While replica 1 is measured, replica 2 takes a steady stream of writes: staleness.py posts one
# comment at a time there and times its arrival in replica 1's list; at least 200 samples a run.
staleness_min=$(( (200 + 2 * rounds - 1) / (2 * rounds) ))
start_writes() {
  [ "$replicas" = 2 ] || return 0
  python3 "$root/scripts/bench/staleness.py" --write-port "$replica2_port" --read-port "$get_port" \
    --seconds "$duration" --min-samples "$staleness_min" --out "$work/staleness.samples" >> "$work/writes.txt" &
  writes_pid=$!
  pids+=("$writes_pid")
}
finish_writes() {
  [ "$replicas" = 2 ] || return 0
  wait "$writes_pid" || { echo "bench.sh: the staleness sampler failed" >&2; exit 1; }
}
wait_http "http://127.0.0.1:$flask_port/api/comment/list/0" 100 2>/dev/null || true

# GET reads content 2 (three comments); the POST script writes to content 1, so the list that
# GET reads stays the same from round to round.
for port in "$get_port" "$flask_port"; do
  for i in 1 2 3; do post "$port" 2 "comment $i"; done
done
list_url="http://127.0.0.1:$get_port/api/comment/list/2"
etag=$(curl -fsS -D - -o /dev/null "$list_url" | awk 'tolower($1) == "etag:" { sub(/\r$/, "", $2); print $2 }')
revalidated=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$list_url")

# wrk prints "Requests/sec: N" and, with --latency, a "99%" line in ms/us/s.
run_wrk() {  # name, round, url, [wrk options…]
  local name=$1 round=$2 url=$3 out rps p99 errors
  shift 3
  out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency "$@" "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%s %s %s\n' "$rps" "$p99" "${errors:-none}" > "$work/$name.r$round"
  for f in "$work"/*.log; do : > "$f"; done
}

machine="$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(. /etc/os-release && echo "$PRETTY_NAME"), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
started_at=$(date -u +%Y-%m-%dT%H:%MZ)
echo "bench.sh: $started_at, $machine" >&2
echo "bench.sh: wrk -t$wrk_threads -c$connections -d$duration --latency, $rounds rounds, storage $storage" >&2
for round in $(seq "$rounds"); do
  echo "bench.sh: round $round of $rounds" >&2
  run_wrk nginx_get "$round" "http://127.0.0.1:$nginx_port/api/comment/list/2"
  run_wrk flask_get "$round" "http://127.0.0.1:$flask_port/api/comment/list/2"
  start_writes
  run_wrk svc_get "$round" "$list_url"
  finish_writes
  if [ -n "$etag" ] && [ "$revalidated" = 304 ]; then
    start_writes
    run_wrk svc_304 "$round" "$list_url" -H "If-None-Match: $etag"
    finish_writes
  fi
  run_wrk nginx_post "$round" "http://127.0.0.1:$nginx_port/api/comment/new" -s "$peers/wrk_post.lua"
  run_wrk flask_post "$round" "http://127.0.0.1:$flask_port/api/comment/new" -s "$peers/wrk_post.lua"
  for target in "${post_targets[@]}"; do
    run_wrk "${target%%:*}" "$round" "http://127.0.0.1:${target##*:}/api/comment/new" -s "$peers/wrk_post.lua"
  done
  if [ "$replicas" = 2 ]; then
    run_wrk mixed "$round" "http://127.0.0.1:$balancer_port/api/comment/list/2" -s "$root/scripts/bench/wrk_mixed.lua"
  fi
done
loaded_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$get_pid/status")

median() { sort -g | awk '{v[NR]=$1} END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'; }
field() {  # name, field number: one value per round
  for r in $(seq "$rounds"); do awk -v f="$2" '{print $f}' "$work/$1.r$r"; done
}
ratios() {  # a, b: a/b within each round
  for r in $(seq "$rounds"); do
    awk -v a="$(awk '{print $1}' "$work/$1.r$r")" -v b="$(awk '{print $1}' "$work/$2.r$r")" \
      'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
  done
}
summary() {  # label, a, b, target (none: no target)
  [ -f "$work/$2.r1" ] && [ -f "$work/$3.r1" ] || return 0
  local each
  each=$(ratios "$2" "$3" | tr '\n' ' ')
  printf '%-34s %s x %s (rounds: %s%s)\n' "$1" \
    "$(ratios "$2" "$3" | median | xargs printf '%.2f')" "$4" "${each% }" "${5:+; target >= $5}"
}

row() {  # request, server label, name
  [ -f "$work/$3.r1" ] || return 0
  local errors
  errors=$(for r in $(seq "$rounds"); do cut -d' ' -f3- "$work/$3.r$r"; done | sort -u | tr '\n' ' ')
  printf '%-10s %-38s %12s %10s  %s\n' "$1" "$2" "$(field "$3" 1 | median)" "$(field "$3" 2 | median)" "${errors% }"
}
table_head() {
  printf '%-10s %-38s %12s %10s  %s\n' "request" "server" "req/s" "p99 ms" "errors (every round)"
}
memory_and_start() {
  echo "idle RSS:  $((idle_rss_kb / 1024)) MiB ($idle_rss_kb KiB, target < 16 MiB); after load $((loaded_rss_kb / 1024)) MiB"
  echo "ready in:  $get_ready_ms ms from exec to a 200 on /readyz (target < 100 ms)"
}
# Nearest-rank percentile of the staleness samples (microseconds), in milliseconds.
percentile() {  # p in (0, 1]
  sort -n "$work/staleness.samples" | awk -v p="$1" '{v[NR]=$1}
    END { r = int(p * NR); if (r < p * NR) r++; if (r < 1) r = 1; printf "%.2f", v[r] / 1000 }'
}
# --replicas 2: the rows of replica 1 (replica 2 taking writes), the balanced mix, the staleness.
report_replicas() {
  local samples
  samples=$(wc -l < "$work/staleness.samples")
  table_head
  row GET "nginx (fixed body)" nginx_get
  row GET "flask (1 worker)" flask_get
  row GET "replica 1 (replica 2 taking writes)" svc_get
  row GET-304 "replica 1 (If-None-Match, 2 writing)" svc_304
  row POST "nginx (fixed body)" nginx_post
  row POST "flask (1 worker)" flask_post
  row POST "replica 1" svc_post
  row POST "comments-service, no storage (memory:)" svc_post_nostore
  row 95/5-mix "nginx balancing replicas 1 and 2" mixed
  echo
  echo "medians over $rounds rounds of the ratios within each round:"
  summary "GET list, replica 1" svc_get nginx_get "nginx ceiling" 0.5
  if [ -z "$etag" ] || [ "$revalidated" != 304 ]; then
    echo "GET list revalidated: not measured (ETag '$etag', If-None-Match answered $revalidated)"
  fi
  summary "GET list revalidated (304)" svc_304 nginx_get "nginx ceiling" 0.6
  summary "POST new, replica 1" svc_post flask_post "flask" 10
  summary "POST new, no storage (memory:)" svc_post_nostore flask_post "flask"
  summary "POST new, replica 1" svc_post svc_post_nostore "no storage"
  summary "95/5 mix, 2 replicas behind nginx" mixed nginx_get "nginx ceiling"
  printf '%-34s p99 %s ms (p50 %s ms, max %s ms, %s samples; target <= 50 ms)\n' \
    "staleness, replica 2 to 1" "$(percentile 0.99)" "$(percentile 0.5)" "$(percentile 1)" "$samples"
  awk '{n += $1; s += $2} END { printf "writes on replica 2 while replica 1 was measured: %.0f/s, one at a time\n", n / s }' \
    "$work/writes.txt"
  memory_and_start
}
# The report: one row per server, then the ratios, memory and start-up time.
report() {
  if [ "$replicas" = 2 ]; then report_replicas; return; fi
  table_head
  row GET "nginx (fixed body)" nginx_get
  row GET "flask (1 worker)" flask_get
  row GET "comments-service" svc_get
  row GET-304 "comments-service (If-None-Match)" svc_304
  row POST "nginx (fixed body)" nginx_post
  row POST "flask (1 worker)" flask_post
  row POST "comments-service" svc_post
  row POST "comments-service (synchronous=normal)" svc_post_normal
  row POST "comments-service (synchronous=full)" svc_post_full
  row POST "comments-service, no storage (memory:)" svc_post_nostore
  echo
  echo "medians over $rounds rounds of the ratios within each round:"
  summary "GET list" svc_get nginx_get "nginx ceiling" 0.75
  summary "GET list" svc_get flask_get "flask" 15
  if [ -z "$etag" ] || [ "$revalidated" != 304 ]; then
    echo "GET list revalidated: not measured (ETag '$etag', If-None-Match answered $revalidated)"
  fi
  summary "GET list revalidated (304)" svc_304 nginx_get "nginx ceiling" 0.6
  for p in svc_post svc_post_normal svc_post_full; do
    [ -f "$work/$p.r1" ] || continue
    label="POST new"
    target=0.3
    case "$p" in
      svc_post_normal) label="POST new, synchronous=normal" ;;
      svc_post_full) label="POST new, synchronous=full"; target=0.35 ;;
    esac
    summary "$label" "$p" nginx_post "nginx ceiling" "$target"
    summary "$label" "$p" flask_post "flask" 10
    summary "$label" "$p" svc_post_nostore "no storage"
  done
  summary "POST new, no storage (memory:)" svc_post_nostore flask_post "flask"
  memory_and_start
}
echo
report | tee "$work/report.txt"

# The figures block of docs/performance.md: this run's report, verbatim, with how it was made.
if [ -n "$write_docs" ]; then
  {
    echo "Measured $started_at on $machine, with \`$command_line\`"
    echo "(wrk -t$wrk_threads -c$connections -d$duration --latency, $rounds rounds, build \`${build_dir#"$root"/}\`):"
    echo
    echo '```text'
    cat "$work/report.txt"
    echo '```'
  } > "$work/block.md"
  python3 - "$perf_doc" "$doc_block" "$work/block.md" <<'PY'
import re, sys
path, storage, block = sys.argv[1:]
text = open(path, encoding="utf-8").read()
pattern = re.compile(r"(^<!-- bench:begin " + re.escape(storage) + r" [^\n]*-->\n).*?(^<!-- bench:end -->$)",
                     re.S | re.M)
new, n = pattern.subn(lambda m: m.group(1) + open(block, encoding="utf-8").read() + m.group(2), text)
if n != 1:
    sys.exit(f"bench.sh: expected one bench:begin {storage} … bench:end block in {path}, found {n}")
open(path, "w", encoding="utf-8").write(new)
PY
  echo "bench.sh: wrote the $doc_block figures into ${perf_doc#"$root"/}" >&2
fi
