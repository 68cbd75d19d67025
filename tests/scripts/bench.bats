#!/usr/bin/env bats
# scripts/bench.sh from a copy of the repository's tracked files with nothing beside it: the peers
# it compares against (nginx, the Flask original, the wrk POST script) come from the repository.
# A short run against the built service; the figures are not judged here, only that every peer
# and every row was measured.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  SERVICE=${COMMENTS_SERVICE:?COMMENTS_SERVICE must name the built comments-service}
  CLONE=$BATS_TEST_TMPDIR/clone
  mkdir -p "$CLONE"
  # The tracked files as they are in the work tree (a clone, including uncommitted edits).
  (cd "$ROOT" && git ls-files -z | while IFS= read -r -d '' f; do
     if [ -e "$f" ]; then printf '%s\0' "$f"; fi
   done | xargs -0 cp --parents -t "$CLONE")
}

@test "the benchmark runs from a clone with nothing beside it and measures every peer" {
  [ ! -e "$CLONE/../shared" ]
  BENCH_BUILD_DIR=$(dirname "$(dirname "$SERVICE")") \
    run bash "$CLONE/scripts/bench.sh" --duration 1s --connections 8 --threads 1 --rounds 1 --write-docs
  echo "$output"
  [ "$status" -eq 0 ]
  # --write-docs put this run's report, with its command and machine, into the clone's page,
  # between the markers, and left the rest of the page as it was.
  doc=$CLONE/docs/performance.md
  grep -F 'with `scripts/bench.sh --duration 1s --connections 8 --threads 1 --rounds 1 --write-docs`' "$doc"
  grep -E "^Measured [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z on $(nproc) cores " "$doc"
  block=$(sed -n '/^<!-- bench:begin sqlite /,/^<!-- bench:end -->$/p' "$doc")
  grep -E '^GET +comments-service +[0-9.]*[1-9][0-9.]* ' <<<"$block"
  grep -E '^idle RSS: ' <<<"$block"
  diff <(sed '/^<!-- bench:begin sqlite /,/^<!-- bench:end -->$/d' "$ROOT/docs/performance.md") \
       <(sed '/^<!-- bench:begin sqlite /,/^<!-- bench:end -->$/d' "$doc")
  # Each row carries a request rate above zero and no errors.
  for row in 'GET +nginx \(fixed body\)' 'GET +flask \(1 worker\)' 'GET +comments-service' \
             'GET-304 +comments-service \(If-None-Match\)' \
             'POST +nginx \(fixed body\)' 'POST +flask \(1 worker\)' \
             'POST +comments-service \(synchronous=normal\)' 'POST +comments-service \(synchronous=full\)' \
             'POST +comments-service, no storage \(memory:\)'; do
    grep -E "^$row +[0-9.]*[1-9][0-9.]* +[0-9.]+ +none$" <<<"$output"
  done
  grep -E '^GET list +[0-9.]+ x nginx ceiling' <<<"$output"
  grep -E '^GET list revalidated \(304\) +[0-9.]+ x nginx ceiling' <<<"$output"
  grep -E '^POST new, synchronous=full +[0-9.]+ x nginx ceiling' <<<"$output"
  grep -E '^POST new, synchronous=full +[0-9.]+ x no storage \(rounds: [0-9. ]+\)$' <<<"$output"
  grep -E '^POST new, no storage \(memory:\) +[0-9.]+ x flask \(rounds: [0-9. ]+\)$' <<<"$output"
}

@test "--write-docs refuses a storage the page has no figures block for, before measuring" {
  run bash "$CLONE/scripts/bench.sh" --storage memory --write-docs
  [ "$status" -eq 2 ]
  [[ "$output" == *"has no '<!-- bench:begin memory …' block for --write-docs"* ]]
}

@test "--replicas takes 1 or 2, and 2 only with PostgreSQL, before measuring" {
  run bash "$CLONE/scripts/bench.sh" --replicas 3
  [ "$status" -eq 2 ]
  [ "$output" = "bench.sh: --replicas must be 1 or 2" ]
  run bash "$CLONE/scripts/bench.sh" --replicas 2
  [ "$status" -eq 2 ]
  [ "$output" = "bench.sh: --replicas 2 needs --storage postgres (the replicas share one database)" ]
  run bash "$CLONE/scripts/bench.sh" --storage memory --replicas 2 --write-docs
  [ "$status" -eq 2 ]
  [[ "$output" == *"needs --storage postgres"* ]]
}

@test "two replicas on PostgreSQL: every row, the staleness over 200 samples, the postgres-replicas block" {
  BENCH_BUILD_DIR=$(dirname "$(dirname "$SERVICE")") \
    run bash "$CLONE/scripts/bench.sh" --storage postgres --replicas 2 --duration 1s --connections 8 \
      --threads 1 --rounds 1 --write-docs
  echo "$output"
  [ "$status" -eq 0 ]
  for row in 'GET +nginx \(fixed body\)' 'GET +flask \(1 worker\)' \
             'GET +replica 1 \(replica 2 taking writes\)' 'GET-304 +replica 1 \(If-None-Match, 2 writing\)' \
             'POST +nginx \(fixed body\)' 'POST +flask \(1 worker\)' 'POST +replica 1' \
             'POST +comments-service, no storage \(memory:\)' '95/5-mix +nginx balancing replicas 1 and 2'; do
    grep -E "^$row +[0-9.]*[1-9][0-9.]* +[0-9.]+ +none$" <<<"$output"
  done
  grep -E '^GET list, replica 1 +[0-9.]+ x nginx ceiling .*target >= 0.5\)$' <<<"$output"
  grep -E '^GET list revalidated \(304\) +[0-9.]+ x nginx ceiling .*target >= 0.6\)$' <<<"$output"
  grep -E '^POST new, replica 1 +[0-9.]+ x flask .*target >= 10\)$' <<<"$output"
  grep -E '^POST new, replica 1 +[0-9.]+ x no storage \(rounds: [0-9. ]+\)$' <<<"$output"
  grep -E '^95/5 mix, 2 replicas behind nginx +[0-9.]+ x nginx ceiling \(rounds: [0-9. ]+\)$' <<<"$output"
  # The staleness: percentiles in order, over at least 200 timed writes.
  line=$(grep -E '^staleness, replica 2 to 1 +p99 [0-9.]+ ms \(p50 [0-9.]+ ms, max [0-9.]+ ms, [0-9]+ samples; target <= 50 ms\)$' <<<"$output")
  read -r p99 p50 max samples < <(sed -E 's/.*p99 ([0-9.]+) ms \(p50 ([0-9.]+) ms, max ([0-9.]+) ms, ([0-9]+) samples.*/\1 \2 \3 \4/' <<<"$line")
  [ "$samples" -ge 200 ]
  awk -v a="$p50" -v b="$p99" -v c="$max" 'BEGIN { exit !(a > 0 && a <= b && b <= c) }'
  grep -E '^writes on replica 2 while replica 1 was measured: [1-9][0-9]*/s' <<<"$output"
  doc=$CLONE/docs/performance.md
  block=$(sed -n '/^<!-- bench:begin postgres-replicas /,/^<!-- bench:end -->$/p' "$doc")
  grep -F 'with `scripts/bench.sh --storage postgres --replicas 2 --duration 1s' <<<"$block"
  grep -E '^staleness, replica 2 to 1 ' <<<"$block"
  diff <(sed '/^<!-- bench:begin postgres-replicas /,/^<!-- bench:end -->$/d' "$ROOT/docs/performance.md") \
       <(sed '/^<!-- bench:begin postgres-replicas /,/^<!-- bench:end -->$/d' "$doc")
}
