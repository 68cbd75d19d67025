#!/usr/bin/env bash
# Soak: fixed-rate mixed reads and writes against the service on SQLite, on loopback. PASS when
# no request fails, resident memory at the end is within the tolerance of what it was after the
# warm-up, and open file descriptors stay flat under load.
#   scripts/reliability/soak.sh [--bin PATH] [--duration S | --long] [--rss-tolerance-mib MIB]
#   Defaults: 60 s (--long: 600 s) at 300 req/s: 200 cached list reads, 50 paged reads from
#   storage, 50 writes per second; RSS may grow 16 MiB after a warm-up of a tenth of the run;
#   descriptors must stay flat under load, and idle after within 6 of idle before (SQLite reader
#   connections open on demand).
#   --bin defaults to the release preset's comments-service (built if needed).

set -euo pipefail
# shellcheck source=scripts/reliability/lib.bash
source "$(dirname "$0")/lib.bash"

bin="" duration=60 tolerance=16
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) rel_usage; exit 0 ;;
    --bin) bin=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --long) duration=600; shift ;;
    --rss-tolerance-mib) tolerance=$2; shift 2 ;;
    *) rel_die "unknown argument $1 (see --help)" ;;
  esac
done
{ [ "$duration" -ge 10 ] && [ "$duration" -le 7200 ]; } || rel_die "--duration must be 10 to 7200 seconds"
rel_require hey curl
bin=$(rel_binary "$bin")
rel_init

rel_start service "$bin" --port 0 --storage "sqlite:$REL_WORK/soak.db" --shutdown-delay 0s
pid=$REL_PID
url="http://127.0.0.1:$REL_PORT"
for i in $(seq 1 20); do rel_post "$url" read "comment $i"; done
rel_post "$url" write first
fds_before=$(rel_fds "$pid")
fd_list() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null | sed 's/[0-9]\+]$/N]/' | sort; }
fd_list >"$REL_WORK/fds-before.txt"
rss_before=$(rel_rss_kib "$pid")

hey -z "${duration}s" -c 4 -q 50 -t 5 "$url/api/comment/list/read" >"$REL_WORK/cached.txt" &
p1=$!
hey -z "${duration}s" -c 2 -q 25 -t 5 "$url/api/comment/list/write?limit=50" >"$REL_WORK/paged.txt" &
p2=$!
hey -z "${duration}s" -c 2 -q 25 -t 5 -m POST -T application/json \
  -d '{"email":"soak@example.com","comment":"a soak comment of ordinary length, about eighty bytes long","content_id":"write"}' \
  "$url/api/comment/new" >"$REL_WORK/write.txt" &
p3=$!
warmup=$((duration / 10 > 5 ? duration / 10 : 5))
sleep "$warmup"
rss_warm=$(rel_rss_kib "$pid")
fds_warm=$(rel_fds "$pid")
sleep $((duration - warmup - 2))
rss_end=$(rel_rss_kib "$pid")
fds_end=$(rel_fds "$pid")
wait "$p1" "$p2" "$p3"
sleep 1
fds_after=$(rel_fds "$pid")
fd_list >"$REL_WORK/fds-after.txt"
rss_after=$(rel_rss_kib "$pid")

files=("$REL_WORK/cached.txt" "$REL_WORK/paged.txt" "$REL_WORK/write.txt")
ok=0 failed=0
for f in "${files[@]}"; do
  ok=$((ok + $(hey_status "$f" 200)))
  failed=$((failed + $(hey_non_ok "$f") + $(hey_errors "$f")))
done
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
growth=$((rss_end - rss_warm))

echo "soak: ${duration}s at 300 req/s (200 cached reads, 50 paged reads, 50 writes per second)"
echo "  requests: $ok answered 200, $failed failed; p99 cached $(hey_p99_ms "${files[0]}") ms, paged $(hey_p99_ms "${files[1]}") ms, write $(hey_p99_ms "${files[2]}") ms"
echo "  RSS: $(mib "$rss_before") MiB idle before, $(mib "$rss_warm") MiB after ${warmup}s, $(mib "$rss_end") MiB at the end ($(mib "$growth") MiB growth, tolerance $tolerance MiB), $(mib "$rss_after") MiB idle after"
echo "  open fds: $fds_before idle before, $fds_warm / $fds_end under load (after ${warmup}s / at the end), $fds_after idle after"

result=PASS
fail() { echo "  FAIL: $*"; result=FAIL; }
[ "$failed" -eq 0 ] || fail "$failed requests failed"
[ "$ok" -gt $((duration * 200)) ] || fail "only $ok requests answered in ${duration}s: the rate was not held"
[ "$growth" -le $((tolerance * 1024)) ] || fail "RSS grew $(mib "$growth") MiB under steady load"
# SQLite reader connections (the file and its WAL) are opened on demand, at most one per read
# thread and one for the health check: up to 6 more descriptors after the first load are not a
# leak. Under load the count must stay flat.
if [ "$fds_after" -gt $((fds_before + 6)) ]; then
  fail "$((fds_after - fds_before)) file descriptors more than before the load:"
  diff "$REL_WORK/fds-before.txt" "$REL_WORK/fds-after.txt" | sed -n 's/^[<>]/    &/p'
fi
[ "$fds_end" -le $((fds_warm + 2)) ] || fail "file descriptors grew under steady load ($fds_warm → $fds_end)"
kill -0 "$pid" 2>/dev/null || fail "the service died"
echo "soak: $result"
[ "$result" = PASS ]
