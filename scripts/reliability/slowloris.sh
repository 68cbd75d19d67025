#!/usr/bin/env bash
# Slowloris: N slow connections (half trickle headers a byte a second, half trickle a body) held
# against the service on loopback while a normal client reads and writes at a fixed rate.
# PASS when the normal client sees no error and its p99 stays under the bound, the attack really
# held its connections open, and the service's timeouts closed them.
#   scripts/reliability/slowloris.sh [--bin PATH] [--connections N] [--duration S]
#       [--header-timeout 10s] [--body-timeout 30s] [--p99-bound-ms MS] [--rate RPS]
#   Defaults: 1000 connections, 40 s, the service's default timeouts, p99 ≤ 50 ms at 200 req/s.
#   --bin defaults to the release preset's comments-service (built if needed).

set -euo pipefail
# shellcheck source=scripts/reliability/lib.bash
source "$(dirname "$0")/lib.bash"

bin="" connections=1000 duration=40 header_timeout=10s body_timeout=30s bound=50 rate=200
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) rel_usage; exit 0 ;;
    --bin) bin=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --header-timeout) header_timeout=$2; shift 2 ;;
    --body-timeout) body_timeout=$2; shift 2 ;;
    --p99-bound-ms) bound=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    *) rel_die "unknown argument $1 (see --help)" ;;
  esac
done
{ [ "$duration" -ge 5 ] && [ "$duration" -le 3600 ]; } || rel_die "--duration must be 5 to 3600 seconds"
rel_require hey curl python3
bin=$(rel_binary "$bin")
rel_init

# The body budget is raised to hold every trickled body: this test is about the timeouts (the
# budget itself is hostile.sh --attack bodies).
rel_start service "$bin" --port 0 --storage memory: --header-timeout "$header_timeout" \
  --body-memory-budget $(((connections / 2 + 1) * 60000)) \
  --body-timeout "$body_timeout" --shutdown-delay 0s
url="http://127.0.0.1:$REL_PORT"
rel_loopback_only 127.0.0.1
rel_post "$url" slow seeded
fds_before=$(rel_fds "$REL_PID")

tool="$REL_ROOT/tests/reliability/slowloris.py"
half=$((connections / 2))
python3 "$tool" --port "$REL_PORT" --connections "$half" --duration "$duration" --mode headers \
  >"$REL_WORK/headers.json" &
attack_headers=$!
python3 "$tool" --port "$REL_PORT" --connections $((connections - half)) --duration "$duration" \
  --mode body >"$REL_WORK/body.json" &
attack_body=$!
sleep 3  # let the attack ramp up before measuring

# The normal client: 4 readers and 1 writer at a fixed total rate, until the attack ends.
measure=$((duration - 4))
peak_conns=0
hey -z "${measure}s" -c 4 -q $((rate * 4 / 5 / 4)) -t 5 "$url/api/comment/list/slow" >"$REL_WORK/read.txt" &
reader=$!
hey -z "${measure}s" -c 1 -q $((rate / 5)) -t 5 -m POST -T application/json \
  -d '{"email":"normal@example.com","comment":"still here","content_id":"normal"}' \
  "$url/api/comment/new" >"$REL_WORK/write.txt" &
writer=$!
for _ in $(seq 1 "$measure"); do
  sleep 1
  open=$(rel_fds "$REL_PID")
  [ "$open" -gt "$peak_conns" ] && peak_conns=$open
done
wait "$reader" "$writer"
wait "$attack_headers" "$attack_body"
alive=no
curl -fsS -o /dev/null --max-time 2 "$url/healthz" && alive=yes

field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(0 if v is None else v)' "$@"; }
p99=$(hey_p99_ms "$REL_WORK/read.txt")
wp99=$(hey_p99_ms "$REL_WORK/write.txt")
ok=$(($(hey_status "$REL_WORK/read.txt" 200) + $(hey_status "$REL_WORK/write.txt" 200)))
bad=$(($(hey_non_ok "$REL_WORK/read.txt") + $(hey_non_ok "$REL_WORK/write.txt")))
errors=$(($(hey_errors "$REL_WORK/read.txt") + $(hey_errors "$REL_WORK/write.txt")))
held=$(($(field "$REL_WORK/headers.json" max_open) + $(field "$REL_WORK/body.json" max_open)))
closed_h=$(field "$REL_WORK/headers.json" closed_by_server)
closed_b=$(field "$REL_WORK/body.json" closed_by_server)
life_h=$(field "$REL_WORK/headers.json" lifetime_max_s)
life_b=$(field "$REL_WORK/body.json" lifetime_max_s)
secs() { local v=${1%s}; echo "${v%m}"; }

echo "slowloris: $connections slow connections for ${duration}s (header timeout $header_timeout, body timeout $body_timeout)"
echo "  attack: at most $held open at once; closed by the service: $closed_h header-trickling (longest lived ${life_h}s), $closed_b body-trickling (longest lived ${life_b}s)"
echo "  service: $peak_conns file descriptors at the peak (${fds_before} before), alive after: $alive"
echo "  normal client: $ok requests answered 200, $bad other statuses, $errors errors; GET p99 ${p99} ms, POST p99 ${wp99} ms (bound $bound ms)"

result=PASS
fail() { echo "  FAIL: $*"; result=FAIL; }
[ $((errors + bad)) -eq 0 ] || fail "the normal client saw errors"
[ "$ok" -gt 0 ] || fail "the normal client got no answer"
awk -v p="$p99" -v b="$bound" 'BEGIN {exit !(p != "" && p <= b)}' || fail "GET p99 ${p99} ms over ${bound} ms"
[ "$held" -ge $((connections * 9 / 10)) ] || fail "the attack held only $held connections open"
[ "$alive" = yes ] || fail "the service stopped answering /healthz"
if [ "$duration" -gt $(($(secs "$header_timeout") + 3)) ]; then
  [ "$closed_h" -gt 0 ] || fail "no header-trickling connection was closed by the header timeout"
  awk -v l="$life_h" -v t="$(secs "$header_timeout")" 'BEGIN {exit !(l <= t + 3)}' ||
    fail "a header-trickling connection lived ${life_h}s, past the header timeout"
fi
if [ "$duration" -gt $(($(secs "$body_timeout") + 3)) ]; then
  [ "$closed_b" -gt 0 ] || fail "no body-trickling connection was closed by the body timeout"
fi
echo "slowloris: $result"
[ "$result" = PASS ]
