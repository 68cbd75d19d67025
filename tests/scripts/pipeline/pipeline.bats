#!/usr/bin/env bats
# The no-cluster pipeline for real: deploy.sh in local mode builds the image, pushes it to a
# loopback registry, runs dev as a container, verifies it, promotes by digest and runs prod;
# then a second release whose prod rollout fails is rolled back automatically.

setup_file() {
  export ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
  export STATE=$BATS_FILE_TMPDIR/state
  export CTL=${COMMENTSCTL:?COMMENTSCTL must name the built commentsctl}
}

teardown_file() {
  local engine
  engine=$(bash "$ROOT/scripts/image.sh" --print-engine 2>/dev/null || echo podman)
  eval "export $(bash "$ROOT/scripts/image.sh" --print-env 2>/dev/null || true)"
  for env in dev prod; do
    "$engine" rm -f "comments-$env" >/dev/null 2>&1 || true
    "$engine" volume rm -f "comments-$env-data" >/dev/null 2>&1 || true
  done
  bash "$ROOT/scripts/registry.sh" stop --dir "$STATE/registry" || true
}

ctl() { "$CTL" --spec "$STATE/comments.yaml" --releases "$STATE/releases" "$@"; }
stages=build,push-dev,deploy-dev,verify-dev,promote,deploy-prod

@test "a clean run ends with prod running dev's verified image, copied by digest" {
  run "$ROOT/deploy.sh" --mode local --stages "$stages" --state "$STATE" --revision e2e-release-1
  echo "$output" | tail -n 40
  [ "$status" -eq 0 ]
  [[ "$output" == *"deploy.sh: mode local"* ]]
  [[ "$output" == *"all 6 stages passed"* ]]
  for s in build push-dev deploy-dev verify-dev promote deploy-prod; do
    [[ "$output" == *"<== $s ok ("* ]]
  done
  dev_digest=$(ctl pin dev --field digest)
  prod_digest=$(ctl pin prod --field digest)
  [[ "$dev_digest" == sha256:* ]]
  [ "$prod_digest" = "$dev_digest" ]
  # An independent client agrees about the promoted tag.
  registry=$(cat "$STATE/registry/address")
  [ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$registry/comments/prod:e2e-release-1")" = "$prod_digest" ]
  # Prod answers with the promoted build.
  [[ "$(curl -fs "$(cat "$STATE/prod.url")/version")" == *'"revision":"e2e-release-1"'* ]]
  echo "$prod_digest" > "$STATE/first-prod-digest"
}

@test "a release whose prod rollout fails is rolled back to the previous prod pin" {
  [ -f "$STATE/first-prod-digest" ]
  DEPLOY_FAULT=prod-start run "$ROOT/deploy.sh" --mode local --stages "$stages" --state "$STATE" \
    --revision e2e-release-2
  echo "$output" | tail -n 40
  [ "$status" -ne 0 ]
  [[ "$output" == *"<== promote ok"* ]]
  [[ "$output" == *"prod release failed: rolling back"* ]]
  [[ "$output" == *"prod rolled back to"* ]]
  [[ "$output" == *"<== deploy-prod FAILED"* ]]
  [ "$(ctl pin prod --field digest)" = "$(cat "$STATE/first-prod-digest")" ]
  [[ "$(curl -fs "$(cat "$STATE/prod.url")/version")" == *'"revision":"e2e-release-1"'* ]]
  run ctl history prod
  [[ "$output" == *rollback* ]]
}
