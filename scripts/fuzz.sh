#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: the asan tree, ASan + UBSan) and runs each for N s,
# side by side, from the committed seed corpus, with leak detection. Exits non-zero on a crash,
# leak, timeout, OOM or sanitizer report; the input that caused it goes to build/asan/fuzz/artifacts/.
#   scripts/fuzz.sh [--seconds N] [--target http_request_fuzz|spec_loader_fuzz] [-j N]
#   Default 60 s per target. New inputs found go to build/asan/fuzz/corpus/<target>/ (not
#   committed); copy the interesting ones to tests/reliability/fuzz/corpus/<target>/.

set -euo pipefail
seconds=60 only="" jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --seconds) seconds=$2; shift 2 ;;
    --target) only=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    *) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds takes a whole number" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
bash scripts/deps.sh test

cmake --preset asan >/dev/null
nice cmake --build --preset fuzz -j "$jobs"

fuzz_dir=tests/reliability/fuzz
declare -A dict=([http_request_fuzz]=http.dict [spec_loader_fuzz]=spec.dict)
declare -A corpus=([http_request_fuzz]=http [spec_loader_fuzz]=spec)
out=build/asan/fuzz
mkdir -p "$out/artifacts"
# Runs one target for $seconds; its verdict goes to $out/<target>.verdict, its exit code is the
# verdict's.
run_target() {
  local target=$1 work="$out/corpus/${corpus[$1]}" log="$out/$1.log" runs cov
  mkdir -p "$work"
  # -timeout: one input taking 10 s is a bug (a hang), as is 1 GiB of memory (-rss_limit_mb).
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build/asan/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -malloc_limit_mb=512 -print_final_stats=1 -artifact_prefix="$out/artifacts/" \
    -dict="$fuzz_dir/${dict[$target]}" "$work" "$fuzz_dir/corpus/${corpus[$target]}" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "fuzz.sh: $target PASS: $runs inputs in ${seconds}s, $cov, corpus $(find "$work" -type f | wc -l) files" \
      >"$out/$target.verdict"
  else
    { grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -n 20 || true
      echo "fuzz.sh: $target FAIL (full log: $log)"; } >"$out/$target.verdict"
    return 1
  fi
}

# The targets run side by side, one per core (each is one process), so the stage takes N seconds,
# not N per target; the verdicts are printed in order once all have finished.
targets=()
for target in http_request_fuzz spec_loader_fuzz; do
  if [ -z "$only" ] || [ "$only" = "$target" ]; then
    targets+=("$target")
  fi
done
pids=()
for target in "${targets[@]}"; do
  echo "fuzz.sh: $target for ${seconds}s"
  rm -f "$out/$target.verdict"
  run_target "$target" &
  pids+=("$!")
done
status=0
for i in "${!targets[@]}"; do
  wait "${pids[$i]}" || status=1
  cat "$out/${targets[$i]}.verdict"
done
exit "$status"
