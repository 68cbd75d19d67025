#!/usr/bin/env bash
# Crash durability: ROUNDS times, kill -9 the service while writers post comments as fast as they
# can, restart it on the same data, and check that every comment it acknowledged is stored with
# the id it was given. On SQLite (a file in a scratch directory) and on PostgreSQL (a throwaway
# cluster from scripts/postgres.sh, on loopback). PASS when no acknowledged comment is missing.
#   scripts/reliability/crash.sh [--bin PATH] [--rounds N] [--storage sqlite|postgresql|both]
#       [--writers N]
#   Defaults: 10 rounds, 8 writers, both backends; the kill comes 0.3 to 1.5 s into each round.
#   --bin defaults to the release preset's comments-service (built if needed).

set -euo pipefail
# shellcheck source=scripts/reliability/lib.bash
source "$(dirname "$0")/lib.bash"

bin="" rounds=10 storage=both writers=8
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) rel_usage; exit 0 ;;
    --bin) bin=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --storage) storage=$2; shift 2 ;;
    --writers) writers=$2; shift 2 ;;
    *) rel_die "unknown argument $1 (see --help)" ;;
  esac
done
{ [ "$rounds" -ge 1 ] && [ "$rounds" -le 100 ]; } || rel_die "--rounds must be 1 to 100"
case "$storage" in
  sqlite) backends=(sqlite) ;;
  postgresql) backends=(postgresql) ;;
  both) backends=(sqlite postgresql) ;;
  *) rel_die "--storage takes sqlite, postgresql or both" ;;
esac
rel_require python3 curl
bin=$(rel_binary "$bin")
rel_init
tool="$REL_ROOT/tests/reliability/crash_writer.py"
pg_dir=""
stop_postgres() {
  if [ -n "$pg_dir" ]; then
    bash "$REL_ROOT/scripts/postgres.sh" stop "$pg_dir" --mode immediate >/dev/null 2>&1 || true
  fi
  rel_cleanup
}
trap stop_postgres EXIT

result=PASS
for backend in "${backends[@]}"; do
  if [ "$backend" = sqlite ]; then
    url="sqlite:$REL_WORK/crash.db"
  else
    [ -f "$REL_ROOT/scripts/postgres.sh" ] || rel_die "scripts/postgres.sh is missing: cannot start PostgreSQL"
    chmod 0755 "$REL_WORK"  # PostgreSQL runs as its own user and must reach its directory
    pg_dir="$REL_WORK/pg"
    url=$(bash "$REL_ROOT/scripts/postgres.sh" start "$pg_dir" | tail -n 1)
  fi
  acked_files=() total=0 killed_mid_write=0 verdicts=""
  for round in $(seq 1 "$rounds"); do
    rel_start "$backend-$round" "$bin" --port 0 --storage "$url"
    port=$REL_PORT pid=$REL_PID
    acked="$REL_WORK/$backend-$round.acked"
    : >"$acked"
    acked_files+=("$acked")
    python3 "$tool" write --port "$port" --out "$acked" --tag "r$round" --threads "$writers" \
      --duration 30 >"$REL_WORK/$backend-$round.json" &
    writer=$!
    sleep "$(awk -v r="$RANDOM" 'BEGIN {printf "%.2f", 0.3 + 1.2 * r / 32767}')"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    wait "$writer"
    n=$(wc -l <"$acked")
    total=$((total + n))
    [ "$n" -gt 0 ] && killed_mid_write=$((killed_mid_write + 1))
    # Restart on the same data: everything acknowledged in every round so far must be there.
    rel_start "$backend-$round-check" "$bin" --port 0 --storage "$url" --shutdown-delay 0s
    check_pid=$REL_PID
    if verdict=$(python3 "$tool" verify --port "$REL_PORT" "${acked_files[@]}"); then :; else
      result=FAIL
      echo "  FAIL: $backend round $round: $verdict"
    fi
    verdicts=$verdict
    kill -TERM "$check_pid"
    rel_wait_exit "$check_pid" 10
  done
  echo "crash ($backend): $rounds rounds of kill -9 during writes by $writers writers; $total comments acknowledged ($killed_mid_write rounds killed mid-write); after the last restart: $verdicts"
  if [ "$backend" = postgresql ]; then
    bash "$REL_ROOT/scripts/postgres.sh" stop "$pg_dir" --mode fast >/dev/null
    pg_dir=""
  fi
done
echo "crash: $result"
[ "$result" = PASS ]
