#!/usr/bin/env bash
# Hostile clients against the service on loopback, one attack at a time, each with its figures and
# a PASS/FAIL verdict (tests/reliability/hostile.py does the socket work):
#   large-body   20 clients each send a 2 MiB body whole before reading: all must read the 413
#   forwarded    5000 requests with a 15 KB forged X-Forwarded-For each, then 20000 with forged
#                addresses: RSS must stay under the bound, and a new client must not get 429
#   bodies       2000 connections stall in the middle of 60 KB bodies: RSS must stay under the bound
#   probes       connections held beyond --max-connections: every /healthz on the admin port
#                must answer 200 (--public: probe the public port instead, which must fail)
#   scripts/reliability/hostile.sh [--bin PATH] [--attack NAME|all] [--duration S]
#       [--rss-bound-mb MB] [--public] [--expect-failures]
#   Defaults: all attacks, 15 s each where timed, RSS bound 64 MiB. --expect-failures inverts
#   the verdict, to show an attack does succeed against a build without the defence.
#   --bin defaults to the release preset's comments-service (built if needed).

set -euo pipefail
# shellcheck source=scripts/reliability/lib.bash
source "$(dirname "$0")/lib.bash"

bin="" attack=all duration=15 bound_mb=64 public=no expect=no
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) rel_usage; exit 0 ;;
    --bin) bin=$2; shift 2 ;;
    --attack) attack=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rss-bound-mb) bound_mb=$2; shift 2 ;;
    --public) public=yes; shift ;;
    --expect-failures) expect=yes; shift ;;
    *) rel_die "unknown argument $1 (see --help)" ;;
  esac
done
case "$attack" in
  all|large-body|forwarded|bodies|probes) ;;
  *) rel_die "--attack takes large-body, forwarded, bodies, probes or all" ;;
esac
{ [ "$duration" -ge 5 ] && [ "$duration" -le 600 ]; } || rel_die "--duration must be 5 to 600 seconds"
rel_require python3 curl
bin=$(rel_binary "$bin")
rel_init
tool="$REL_ROOT/tests/reliability/hostile.py"
# 2000 connections on each side of loopback, and the service's own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 4096 ] || rel_die "needs 4096 open files (ulimit -n); the hard limit is $(ulimit -Hn)"

failures=0
verdict() {  # NAME PASSED(yes|no) SUMMARY
  local result=FAIL
  if { [ "$2" = yes ] && [ "$expect" = no ]; } || { [ "$2" = no ] && [ "$expect" = yes ]; }; then
    result=PASS
  else
    failures=$((failures + 1))
  fi
  echo "hostile: $1: $result: $3"
}
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))' "$@"; }

# Samples the RSS of PID every 0.2 s into FILE (peak in KiB) until the sampler is killed.
sample_rss() {
  local pid=$1 file=$2 peak=0 rss
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(rel_rss_kib "$pid" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$file"
    sleep 0.2
  done
}

attack_large_body() {
  rel_start large "$bin" --port 0 --storage memory: --shutdown-delay 0s
  python3 "$tool" large-body --port "$REL_PORT" --tries 20 --size $((2 * 1024 * 1024)) >"$REL_WORK/large.json"
  local read
  read=$(field "$REL_WORK/large.json" read_413)
  verdict large-body "$([ "$read" -eq 20 ] && echo yes || echo no)" \
    "$read of 20 clients read the 413 for a 2 MiB body sent whole ($(field "$REL_WORK/large.json" statuses))"
}

attack_forwarded() {
  rel_start forwarded "$bin" --port 0 --storage memory: --shutdown-delay 0s --rate-limit 1000 \
    --rate-burst 1000 --trusted-proxy-hops 1
  local pid=$REL_PID idle peak_junk peak_addr newcomer ok=yes
  idle=$(rel_rss_kib "$pid")
  python3 "$tool" forwarded --port "$REL_PORT" --junk --size 15000 --requests 5000 \
    --duration "$duration" >"$REL_WORK/junk.json"
  peak_junk=$(rel_rss_kib "$pid")
  python3 "$tool" forwarded --port "$REL_PORT" --requests 20000 --duration "$duration" >"$REL_WORK/addr.json"
  peak_addr=$(rel_rss_kib "$pid")
  newcomer=$(field "$REL_WORK/addr.json" new_client_status)
  [ "$peak_junk" -le $((bound_mb * 1024)) ] && [ "$peak_addr" -le $((bound_mb * 1024)) ] || ok=no
  [ "$newcomer" != 429 ] || ok=no
  verdict forwarded "$ok" "RSS $((idle / 1024)) MiB idle, $((peak_junk / 1024)) MiB after $(field "$REL_WORK/junk.json" requests) junk 15 KB entries, $((peak_addr / 1024)) MiB after $(field "$REL_WORK/addr.json" requests) forged addresses (bound $bound_mb MiB); a new client got $newcomer"
}

attack_bodies() {
  rel_start bodies "$bin" --port 0 --storage memory: --shutdown-delay 0s --body-timeout 60s
  local pid=$REL_PID idle peak alive=no ok=yes
  idle=$(rel_rss_kib "$pid")
  echo "$idle" >"$REL_WORK/rss"
  sample_rss "$pid" "$REL_WORK/rss" &
  local sampler=$!
  python3 "$tool" stall-bodies --port "$REL_PORT" --connections 2000 --content-length 60000 \
    --sent 30000 --duration "$duration" >"$REL_WORK/bodies.json"
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$REL_PORT/healthz" && alive=yes
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  peak=$(cat "$REL_WORK/rss")
  { [ "$peak" -le $((bound_mb * 1024)) ] && [ "$alive" = yes ]; } || ok=no
  verdict bodies "$ok" "RSS $((idle / 1024)) MiB idle, peak $((peak / 1024)) MiB (bound $bound_mb MiB) with $(field "$REL_WORK/bodies.json" max_open) stalled 60 KB bodies open at once ($(field "$REL_WORK/bodies.json" connections_opened) opened, answers $(field "$REL_WORK/bodies.json" answers)); still serving: $alive"
}

attack_probes() {
  local admin=()
  [ "$public" = yes ] || admin=(--admin-port 0)
  rel_start probes "$bin" --port 0 --storage memory: --shutdown-delay 0s --max-connections 100 \
    --header-timeout 5s "${admin[@]}"
  local admin_port="" ok=yes target
  if [ "$public" = no ]; then
    admin_port=$(sed -n 's/.*"msg":"admin listening".*"admin_port":\([0-9]*\).*/\1/p' "$REL_WORK/probes.log" | head -n 1)
    [ -n "$admin_port" ] || rel_die "the service did not log an admin_port"
  fi
  python3 "$tool" hold --port "$REL_PORT" ${admin_port:+--admin-port "$admin_port"} --connections 300 \
    --duration "$duration" >"$REL_WORK/hold.json"
  local probes probes_ok public_ok public_all
  public_all=$(field "$REL_WORK/hold.json" public_probes)
  public_ok=$(field "$REL_WORK/hold.json" public_probes_ok)
  if [ "$public" = yes ]; then
    target=public probes=$public_all probes_ok=$public_ok
  else
    target=admin probes=$(field "$REL_WORK/hold.json" admin_probes) probes_ok=$(field "$REL_WORK/hold.json" admin_probes_ok)
  fi
  { [ "$probes" -gt 0 ] && [ "$probes_ok" -eq "$probes" ]; } || ok=no
  verdict probes "$ok" "$(field "$REL_WORK/hold.json" max_open) connections held against --max-connections 100; /healthz on the $target port: $probes_ok of $probes answered 200 (public port: $public_ok of $public_all)"
}

for a in large-body forwarded bodies probes; do
  if [ "$attack" = all ] || [ "$attack" = "$a" ]; then
    "attack_${a//-/_}"
    kill "$REL_PID" 2>/dev/null || true  # one service per attack
    wait "$REL_PID" 2>/dev/null || true
  fi
done
[ "$failures" -eq 0 ]
