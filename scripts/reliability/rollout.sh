#!/usr/bin/env bash
# Zero-downtime rollout: two service processes behind nginx on loopback under steady load;
# one gets SIGTERM while its replacement starts on a new port, and after an endpoint propagation
# delay nginx is reloaded to point at the replacement, as a Service's endpoints would change.
# PASS when no request fails and the old process exits 0 on its own.
#   scripts/reliability/rollout.sh [--bin PATH] [--duration S] [--rate RPS]
#       [--shutdown-delay 3s] [--drain-timeout 5s] [--propagation S] [--expect-failures]
#   Defaults: 12 s of load at 400 req/s (3/4 GET, 1/4 POST), shutdown delay 3 s, drain 5 s,
#   1 s between SIGTERM and the nginx reload.
#   --expect-failures inverts the verdict, to show the test can fail: run it with
#   --shutdown-delay 0s --drain-timeout 0s and it PASSes only when requests failed.
#   nginx models a Service without retries (proxy_next_upstream off): a request sent to a
#   process that stopped listening fails, as it would through kube-proxy.

set -euo pipefail
# shellcheck source=scripts/reliability/lib.bash
source "$(dirname "$0")/lib.bash"

bin="" duration=12 rate=400 delay=3s drain=5s propagation=1 expect_failures=no
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) rel_usage; exit 0 ;;
    --bin) bin=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --shutdown-delay) delay=$2; shift 2 ;;
    --drain-timeout) drain=$2; shift 2 ;;
    --propagation) propagation=$2; shift 2 ;;
    --expect-failures) expect_failures=yes; shift ;;
    *) rel_die "unknown argument $1 (see --help)" ;;
  esac
done
{ [ "$duration" -ge 6 ] && [ "$duration" -le 600 ]; } || rel_die "--duration must be 6 to 600 seconds"
rel_require hey curl nginx python3
bin=$(rel_binary "$bin")
rel_init

start_backend() {  # NAME [flags…]: a backend with its own data, seeded, ready
  local name=$1
  shift
  rel_start "$name" "$bin" --port 0 --storage "sqlite:$REL_WORK/$name.db" "$@"
  rel_wait_ok "http://127.0.0.1:$REL_PORT/readyz"
  rel_post "http://127.0.0.1:$REL_PORT" rollout seeded
}

lb_port=$(rel_free_port)
write_nginx_conf() {  # the upstream ports
  local servers="" port
  for port in "$@"; do servers+="    server 127.0.0.1:$port max_fails=0;"$'\n'; done
  mkdir -p "$REL_WORK/nginx"
  cat >"$REL_WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $REL_WORK/nginx/nginx.pid;
error_log $REL_WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $REL_WORK/nginx/body;
  proxy_temp_path $REL_WORK/nginx/proxy;
  upstream comments {
$servers    keepalive 32;
  }
  server {
    listen 127.0.0.1:$lb_port;
    location / {
      proxy_pass http://comments;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream off;
    }
  }
}
CONF
}

start_backend old --shutdown-delay "$delay" --drain-timeout "$drain"
old_pid=$REL_PID old_port=$REL_PORT
start_backend stays --shutdown-delay "$delay" --drain-timeout "$drain"
stays_port=$REL_PORT
write_nginx_conf "$old_port" "$stays_port"
nginx -p "$REL_WORK/nginx" -e "$REL_WORK/nginx/error.log" -c "$REL_WORK/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
REL_PIDS+=("$nginx_pid")
lb="http://127.0.0.1:$lb_port"
rel_wait_ok "$lb/healthz"

# Steady load through nginx: 3/4 reads, 1/4 writes, at a fixed rate.
hey -z "${duration}s" -c 6 -q $((rate * 3 / 4 / 6)) -t 10 "$lb/api/comment/list/rollout" >"$REL_WORK/read.txt" &
reader=$!
hey -z "${duration}s" -c 2 -q $((rate / 4 / 2)) -t 10 -m POST -T application/json \
  -d '{"email":"rollout@example.com","comment":"during the rollout","content_id":"rollout"}' \
  "$lb/api/comment/new" >"$REL_WORK/write.txt" &
writer=$!
sleep 2

# The rollout: the replacement starts, the old process is told to stop, endpoints follow later.
t0=$(date +%s.%N)
start_backend new --shutdown-delay "$delay" --drain-timeout "$drain"
new_pid=$REL_PID
kill -TERM "$old_pid"
sleep "$propagation"
write_nginx_conf "$stays_port" "$REL_PORT"
kill -HUP "$nginx_pid"
rel_wait_exit "$old_pid" 30
old_exit=$REL_EXIT
t_exit=$(date +%s.%N)
wait "$reader" "$writer"
new_alive=no
kill -0 "$new_pid" 2>/dev/null && new_alive=yes

ok=$(($(hey_status "$REL_WORK/read.txt" 200) + $(hey_status "$REL_WORK/write.txt" 200)))
failed=$(($(hey_non_ok "$REL_WORK/read.txt") + $(hey_non_ok "$REL_WORK/write.txt") +
  $(hey_errors "$REL_WORK/read.txt") + $(hey_errors "$REL_WORK/write.txt")))
statuses=$(cat "$REL_WORK/read.txt" "$REL_WORK/write.txt" | awk '/^ *\[[0-9]+\]\t/ {c[$1] += $2} END {for (k in c) {printf "%s%s×%d", sep, k, c[k]; sep = " "}}' sep="")
p99=$(hey_p99_ms "$REL_WORK/read.txt")
took=$(awk -v a="$t0" -v b="$t_exit" 'BEGIN {printf "%.1f", b - a}')

echo "rollout: ${duration}s at $rate req/s through nginx; old process: shutdown delay $delay, drain $drain; nginx reloaded ${propagation}s after SIGTERM"
echo "  requests: $ok succeeded, $failed failed ($statuses); GET p99 ${p99} ms"
echo "  old process exited with $old_exit ${took}s after its replacement started; replacement serving: $new_alive"

result=PASS
fail() { echo "  FAIL: $*"; result=FAIL; }
if [ "$expect_failures" = yes ]; then
  [ "$failed" -gt 0 ] || fail "expected failed requests without the shutdown delay, saw none"
else
  [ "$failed" -eq 0 ] || fail "$failed requests failed during the rollout"
  [ "$old_exit" = 0 ] || fail "the old process exited with $old_exit"
fi
[ "$ok" -gt 0 ] || fail "no request succeeded"
[ "$new_alive" = yes ] || fail "the replacement is not running"
echo "rollout: $result"
[ "$result" = PASS ]
