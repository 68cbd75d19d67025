#!/usr/bin/env bash
# Runs the tests of comments-service and commentsctl under the sanitizers: every test that runs
# one of the two binaries or their libraries under AddressSanitizer + UndefinedBehaviorSanitizer
# (asan preset, clang), and the concurrency tests under ThreadSanitizer (tsan preset, GCC).
#   scripts/sanitizers.sh [--only asan|tsan] [-j N]
# Build trees: build/asan and build/tsan. Exits non-zero on any test failure or sanitizer report.
# .ci/run runs both; docs/reliability.md says what each covers and how long it takes.

set -euo pipefail
only="" jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --only) only=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    *) echo "sanitizers.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in
  ""|asan|tsan) ;;
  *) echo "sanitizers.sh: --only takes asan or tsan" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
bash scripts/deps.sh test

# The tests that run the project's code: its C++ suites, the command-line, schema and promotion
# tests of commentsctl, and the chart's agreement with commentsctl render. Left out: the tests of
# the chart, scripts and image that run neither binary, the container and pipeline runs (label e2e,
# ctl.promote.apply among them), and the load tests (label reliability), whose latency and RSS
# bounds are for an uninstrumented build (ASan's shadow memory and quarantine alone exceed the
# 64 MiB RSS bound).
asan_tests='^(service|ctl)\.|^chart\.agreement$'
# The tests where threads meet: storage's writer and readers, the server's I/O threads under
# concurrent writers and shared budgets (body bytes, connections per client, the rate limiter's
# table), the admin listener next to a full public one, and the write path killed mid-flight.
tsan_tests='^service\.unit\..*(concurrent|queue|stop commits|failing backend|cache|table is bounded)'
tsan_tests+='|^service\.integration\..*(concurrent|kill -9|survive|SIGTERM|budget|per client address|admin port|rate limit|flood)'

# Builds PRESET and runs the tests matching REGEX. The test presets send every sanitizer report,
# also those of the servers and commentsctl processes the tests start (whose stderr goes to
# temporary files), to build/PRESET/sanitizer-reports/: any file there fails the run.
run() {
  local preset=$1 regex=$2 t0=$SECONDS
  local reports=build/$preset/sanitizer-reports
  # (set -e does not apply in a function called with ||: each step says how it failed.)
  if ! cmake --preset "$preset" >/dev/null || ! nice cmake --build --preset "$preset" -j "$jobs"; then
    echo "sanitizers.sh: $preset FAILED to build"
    return 1
  fi
  rm -rf "$reports"
  mkdir -p "$reports"
  local status=0
  ctest --preset "$preset" -j "$jobs" -R "$regex" -LE e2e || status=1
  if [ -n "$(ls -A "$reports")" ]; then
    status=1
    echo "sanitizers.sh: $preset: sanitizer reports in $reports/:"
    head -n 40 "$reports"/*
  fi
  if [ "$status" -ne 0 ]; then
    echo "sanitizers.sh: $preset FAILED after $((SECONDS - t0)) s"
    return 1
  fi
  echo "sanitizers.sh: $preset passed in $((SECONDS - t0)) s, no sanitizer report"
}

status=0
if [ "$only" != tsan ]; then
  run asan "$asan_tests" || status=1
fi
if [ "$only" != asan ]; then
  run tsan "$tsan_tests" || status=1
fi
exit "$status"
