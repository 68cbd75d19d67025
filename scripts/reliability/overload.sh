#!/usr/bin/env bash
# Overload: far more concurrent work than --max-in-flight allows, then back to normal load, on
# loopback. PASS when the flood gets only 200 or a fast 503 (no timeout, no reset), liveness
# probes keep answering 200, peak RSS stays under the bound, throughput afterwards is back to
# what it was before, and a per-client rate limit answers one greedy client 429 while a polite
# one behind the same proxy is served.
#   scripts/reliability/overload.sh [--bin PATH] [--duration S] [--connections N]
#       [--max-in-flight N] [--rss-bound-mib MIB] [--min-recovery RATIO] [--measure S]
#   Defaults: a 20 s flood from 1024 connections (half POST, half GET) against
#   --max-in-flight 16; RSS ≤ 256 MiB; throughput after ≥ 0.8 × before, each measured for 5 s
#   (the best of up to three measurements after: a busy neighbour can halve one).
#   --bin defaults to the release preset's comments-service (built if needed).

set -euo pipefail
# shellcheck source=scripts/reliability/lib.bash
source "$(dirname "$0")/lib.bash"

bin="" duration=20 connections=1024 max_in_flight=16 rss_bound=256 min_recovery=0.8 measure=5
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) rel_usage; exit 0 ;;
    --bin) bin=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --max-in-flight) max_in_flight=$2; shift 2 ;;
    --rss-bound-mib) rss_bound=$2; shift 2 ;;
    --min-recovery) min_recovery=$2; shift 2 ;;
    --measure) measure=$2; shift 2 ;;
    *) rel_die "unknown argument $1 (see --help)" ;;
  esac
done
{ [ "$duration" -ge 2 ] && [ "$duration" -le 600 ]; } || rel_die "--duration must be 2 to 600 seconds"
rel_require hey curl
bin=$(rel_binary "$bin")
rel_init

rel_start service "$bin" --port 0 --storage "sqlite:$REL_WORK/comments.db" \
  --max-in-flight "$max_in_flight" --shutdown-delay 0s
pid=$REL_PID
url="http://127.0.0.1:$REL_PORT"
for i in $(seq 1 20); do rel_post "$url" hot "comment $i"; done
rel_post "$url" flood first  # the flood reads this content: 404s before its first write are not overload
rss_idle=$(rel_rss_kib "$pid")

capacity() {  # closed-loop GET throughput, the figure compared before and after; 8 connections
  # stay under --max-in-flight, so a 503 here is a failure
  hey -z "${measure}s" -c 8 -t 5 "$url/api/comment/list/hot" >"$REL_WORK/$1.txt"
}
capacity before

# The flood, with RSS sampled and the liveness probe called every 0.2 s while it lasts.
half=$((connections / 2))
hey -z "${duration}s" -c "$half" -t 5 -m POST -T application/json \
  -d '{"email":"flood@example.com","comment":"more","content_id":"flood"}' \
  "$url/api/comment/new" >"$REL_WORK/flood-post.txt" &
flood_post=$!
hey -z "${duration}s" -c $((connections - half)) -t 5 "$url/api/comment/list/flood?limit=5" \
  >"$REL_WORK/flood-get.txt" &
flood_get=$!
rss_peak=0 probes=0 probes_failed=0
while kill -0 "$flood_post" 2>/dev/null || kill -0 "$flood_get" 2>/dev/null; do
  rss=$(rel_rss_kib "$pid" || echo 0)
  [ "${rss:-0}" -gt "$rss_peak" ] && rss_peak=$rss
  probes=$((probes + 1))
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz" || true)
  [ "$code" = 200 ] || probes_failed=$((probes_failed + 1))
  sleep 0.2
done
wait "$flood_post" "$flood_get" || true
sleep 1
# Other work on a shared machine can halve one measurement: up to three tries, the best counts.
# A service that stays degraded fails all three.
capacity after
for _ in 1 2; do
  awk -v a="$(hey_rps "$REL_WORK/after.txt")" -v b="$(hey_rps "$REL_WORK/before.txt")" -v m="$min_recovery" \
    'BEGIN {exit !(a < m * b)}' || break
  mv "$REL_WORK/after.txt" "$REL_WORK/after-low.txt"
  capacity after
done
rss_after=$(rel_rss_kib "$pid")

flood_ok=$(($(hey_status "$REL_WORK/flood-post.txt" 200) + $(hey_status "$REL_WORK/flood-get.txt" 200)))
flood_503=$(($(hey_status "$REL_WORK/flood-post.txt" 503) + $(hey_status "$REL_WORK/flood-get.txt" 503)))
flood_all=$(($(hey_responses "$REL_WORK/flood-post.txt") + $(hey_responses "$REL_WORK/flood-get.txt")))
flood_errors=$(($(hey_errors "$REL_WORK/flood-post.txt") + $(hey_errors "$REL_WORK/flood-get.txt")))
flood_p99=$(hey_p99_ms "$REL_WORK/flood-post.txt")
rps_before=$(hey_rps "$REL_WORK/before.txt")
rps_after=$(hey_rps "$REL_WORK/after.txt")
normal_bad=$(($(hey_non_ok "$REL_WORK/before.txt") + $(hey_non_ok "$REL_WORK/after.txt") +
  $(hey_errors "$REL_WORK/before.txt") + $(hey_errors "$REL_WORK/after.txt")))

# Per-client rate limiting behind one trusted proxy: a greedy client and a polite one.
rel_start limited "$bin" --port 0 --storage memory: --rate-limit 50 --rate-burst 50 \
  --trusted-proxy-hops 1 --shutdown-delay 0s
lurl="http://127.0.0.1:$REL_PORT"
rel_post "$lurl" hot seeded
hey -z 3s -c 32 -t 5 -H 'X-Forwarded-For: 192.0.2.66' "$lurl/api/comment/list/hot" >"$REL_WORK/greedy.txt" &
greedy=$!
hey -z 3s -c 1 -q 10 -t 5 -H 'X-Forwarded-For: 192.0.2.10' "$lurl/api/comment/list/hot" >"$REL_WORK/polite.txt"
wait "$greedy"
# The bucket refilled meanwhile: 120 requests on one connection empty it again, and the first
# 429 among them shows its headers.
urls=()
for _ in $(seq 1 120); do urls+=(-o /dev/null "$lurl/api/comment/list/hot"); done
curl -s -D "$REL_WORK/headers.txt" -H 'X-Forwarded-For: 192.0.2.66' "${urls[@]}" || true
retry_after=$(tr -d '\r' <"$REL_WORK/headers.txt" | awk -F': ' 'tolower($1) == "retry-after" {print $2}' | head -n 1)
greedy_429=$(hey_status "$REL_WORK/greedy.txt" 429)
greedy_other=$(($(hey_responses "$REL_WORK/greedy.txt") - greedy_429 - $(hey_status "$REL_WORK/greedy.txt" 200) + $(hey_errors "$REL_WORK/greedy.txt")))
polite_bad=$(($(hey_non_ok "$REL_WORK/polite.txt") + $(hey_errors "$REL_WORK/polite.txt")))
polite_ok=$(hey_status "$REL_WORK/polite.txt" 200)

echo "overload: ${duration}s flood from $connections connections against --max-in-flight $max_in_flight"
echo "  flood: $flood_all answers: $flood_ok 200, $flood_503 503, $((flood_all - flood_ok - flood_503)) other; $flood_errors errors or timeouts; POST p99 ${flood_p99} ms"
echo "  liveness during the flood: $((probes - probes_failed))/$probes probes answered 200"
echo "  RSS: $((rss_idle / 1024)) MiB idle, $((rss_peak / 1024)) MiB peak (bound $rss_bound MiB), $((rss_after / 1024)) MiB after"
echo "  throughput (GET, 8 connections, ${measure}s): $rps_before req/s before, $rps_after req/s after; $normal_bad failures"
echo "  rate limit 50/s: greedy client $greedy_429 × 429 (Retry-After: ${retry_after:-none}), $greedy_other other; polite client $polite_ok × 200, $polite_bad failures"

result=PASS
fail() { echo "  FAIL: $*"; result=FAIL; }
kill -0 "$pid" 2>/dev/null || fail "the service died"
[ "$flood_errors" -eq 0 ] || fail "the flood saw $flood_errors timeouts or connection errors"
[ $((flood_all - flood_ok - flood_503)) -eq 0 ] || fail "the flood got answers other than 200 and 503"
[ "$flood_503" -gt 0 ] || fail "nothing was shed: the flood did not exceed --max-in-flight"
[ "$probes_failed" -eq 0 ] || fail "$probes_failed liveness probes failed during the flood"
[ "$rss_peak" -le $((rss_bound * 1024)) ] || fail "peak RSS over $rss_bound MiB"
if [ "$normal_bad" -gt 0 ]; then
  fail "normal load before or after the flood failed:"
  sed -n '/^Status code distribution:/,$p' "$REL_WORK/before.txt" "$REL_WORK/after.txt" | grep '\[' | sed 's/^/    /'
fi
awk -v a="$rps_after" -v b="$rps_before" -v m="$min_recovery" 'BEGIN {exit !(b > 0 && a >= m * b)}' ||
  fail "throughput after ($rps_after) below $min_recovery × before ($rps_before)"
{ [ "$greedy_429" -gt 0 ] && [ "$greedy_other" -eq 0 ]; } || fail "the greedy client was not answered 429"
[ -n "$retry_after" ] || fail "a 429 without Retry-After"
{ [ "$polite_bad" -eq 0 ] && [ "$polite_ok" -gt 0 ]; } || fail "the polite client was refused"
echo "overload: $result"
[ "$result" = PASS ]
