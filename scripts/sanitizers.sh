#!/usr/bin/env bash
# Runs the C++ test suites of comments-service and commentsctl under the sanitizers: every unit
# and integration test under AddressSanitizer + UndefinedBehaviorSanitizer (asan preset), and the
# concurrency tests (storage group commit, concurrent writers, kill -9 during writes) under
# ThreadSanitizer (tsan preset). Tests that are not C++ (bats, node, containers) are left out.
#   scripts/sanitizers.sh [--only asan|tsan] [-j N]
# Build trees: build/asan and build/tsan. Exits non-zero on any test failure or sanitizer report.

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
cd "$(dirname "$0")/.."
for tool in cmake ninja ctest g++; do
  command -v "$tool" >/dev/null 2>&1 || { echo "sanitizers.sh: $tool not found; run: bash scripts/deps.sh test" >&2; exit 2; }
done

# Not C++ or needing containers: nothing for a sanitizer to see.
not_cpp='^(scripts|chart|k8s_schema|ctl\.schema|image)\.|^ctl\.cli$'
# The tests where threads meet: storage's writer and readers, the server's I/O threads under
# concurrent writers, and the write path killed mid-flight.
concurrency='service\.unit\..*(concurrent|queue|stop commits|failing backend|cache)|service\.integration\..*(concurrent|kill -9|survive|shutdown|SIGTERM)'

run_asan() {
  local t0=$SECONDS
  cmake --preset asan >/dev/null
  nice cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs" -L 'unit|integration' -E "$not_cpp"
  echo "sanitizers.sh: asan passed in $((SECONDS - t0)) s"
}

run_tsan() {
  local t0=$SECONDS
  cmake --preset tsan >/dev/null
  nice cmake --build --preset tsan -j "$jobs" --target service_unit_tests service_integration_tests comments-service
  ctest --preset tsan -j "$jobs" -R "$concurrency"
  echo "sanitizers.sh: tsan passed in $((SECONDS - t0)) s"
}

case "$only" in
  "") run_asan; run_tsan ;;
  asan) run_asan ;;
  tsan) run_tsan ;;
  *) echo "sanitizers.sh: --only takes asan or tsan" >&2; exit 2 ;;
esac
