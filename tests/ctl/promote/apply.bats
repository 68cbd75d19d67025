#!/usr/bin/env bats
# promote --apply and rollback --apply against a cluster: the fake minikube and kubectl of
# tests/fakes (no API server runs here), whose pods are the real image run by podman. Each release
# is the image.build fixture's image with its own revision label (so its own digest), pushed to
# a loopback registry; the bad release cannot start (an unusable log level). What the tests see
# is what a user would: the image prod's Deployment names, and the digest the pod answering
# through a port-forward reports on /version. A failed rollout restores the previous pin and
# runs it again. Run through ctest (it needs the image.build fixture's IMAGE_REF_FILE and CTL).

setup_file() {
  export ROOT
  ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
  export CTL=${CTL:?CTL must name the built commentsctl}
  [ -s "${IMAGE_REF_FILE:-}" ] || { echo "IMAGE_REF_FILE names no built image (run through ctest)" >&2; return 1; }
  local image env_line release
  image=$(cat "$IMAGE_REF_FILE")
  env_line=$("$ROOT/scripts/image.sh" --engine podman --print-env)
  [ -z "$env_line" ] || export "${env_line?}"
  export R
  R=$("$ROOT/scripts/registry.sh" start --dir "$BATS_FILE_TMPDIR/registry")
  # Three releases in dev's repository: two good ones, and one whose service refuses to start.
  mkdir -p "$BATS_FILE_TMPDIR/releases"
  for release in good1:aaaaaaa good2:bbbbbbb bad:ccccccc; do
    local tag=${release%%:*} revision=${release##*:} dir=$BATS_FILE_TMPDIR/releases/${release%%:*}
    mkdir -p "$dir"
    {
      echo "FROM $image"
      echo "LABEL org.opencontainers.image.revision=$revision"
      if [ "$tag" = bad ]; then echo 'CMD ["--log-level", "unusable"]'; fi
    } >"$dir/Containerfile"
    podman build --pull=never --quiet -t "localhost/apply-test-$$:$tag" "$dir" >/dev/null
    podman push --quiet --tls-verify=false --digestfile "$dir/digest" \
      "localhost/apply-test-$$:$tag" "docker://$R/dev/comments:$tag"
    podman rmi "localhost/apply-test-$$:$tag" >/dev/null
  done
}

teardown_file() {
  "$ROOT/scripts/registry.sh" stop --dir "$BATS_FILE_TMPDIR/registry" >/dev/null || true
}

setup() {
  export PATH="$ROOT/tests/fakes/bin:$PATH"
  export FAKE_CLUSTER_DIR=$BATS_TEST_TMPDIR/clusters KUBECONFIG=$BATS_TEST_TMPDIR/kubeconfig
  export PROFILE=apply-$$-$BATS_TEST_NUMBER
  minikube start -p "$PROFILE" --driver podman >/dev/null
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  # shellcheck source=tests/ctl/promote/lib.bash
  source "$BATS_TEST_DIRNAME/lib.bash"  # make_project, mark_verified
  make_project "$R/dev/comments" "$R/prod/comments" none none
  P=$WORK/project
}

teardown() {
  if [ -n "${FORWARD:-}" ]; then kill "$FORWARD" 2>/dev/null || true; fi
  minikube delete -p "$PROFILE" >/dev/null 2>&1 || true
  cleanup
}

ctl() { "$CTL" --spec "$P/comments.yaml" "$@"; }
pushed_digest() { cat "$BATS_FILE_TMPDIR/releases/$1/digest"; }

# release NAME: dev pinned to release NAME and marked verified (what `commentsctl verify dev`
# records once dev passed its checks).
release() {
  local revision
  revision=$(sed -n 's/^LABEL org.opencontainers.image.revision=//p' "$BATS_FILE_TMPDIR/releases/$1/Containerfile")
  ctl pin dev --tag "$1" --digest "$(pushed_digest "$1")" --revision "$revision" --from ci >/dev/null
  mark_verified "$(pushed_digest "$1")"
}

# prod_image: the image prod's Deployment names in the cluster.
prod_image() {
  kubectl --context "$PROFILE" -n comments get deployment comments -o jsonpath='{.spec.template.spec.containers[0].image}'
}

# running_digest: the digest the pod behind prod's Service reports, through a port-forward.
running_digest() {
  local log=$BATS_TEST_TMPDIR/forward.log port="" deadline=$((SECONDS + 30))
  kubectl --context "$PROFILE" -n comments port-forward svc/comments 0:8000 >"$log" 2>&1 &
  FORWARD=$!
  until [ -n "$port" ]; do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")
    [ "$SECONDS" -lt "$deadline" ] || { cat "$log" >&2; return 1; }
    [ -n "$port" ] || sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/version" | jq -r .digest
  kill "$FORWARD"
  FORWARD=""
}

@test "promote --apply applies prod and waits until its pod runs the promoted digest" {
  release good1
  run ctl promote dev prod --yes --apply --rollout-timeout 120s
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *'deployment/comments rolled out in namespace comments'* ]]
  [ "$(prod_image)" = "$R/prod/comments@$(pushed_digest good1)" ]
  [ "$(running_digest)" = "$(pushed_digest good1)" ]
}

@test "a failed rollout restores the previous pin and runs it again" {
  release good1
  ctl promote dev prod --yes --apply --rollout-timeout 120s >/dev/null
  release bad
  run ctl promote dev prod --yes --apply --rollout-timeout 20s
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"did not roll out within 20s"* ]]
  [[ "$output" == *"rolling prod back to $R/prod/comments@$(pushed_digest good1)"* ]]
  [[ "$output" == *'deployment/comments rolled out in namespace comments'* ]]
  grep -q "digest: \"*$(pushed_digest good1)" "$P/releases/prod.yaml"
  tail -1 "$P/releases/history/prod.jsonl" | grep -q '"action":"auto-rollback"'
  [ "$(prod_image)" = "$R/prod/comments@$(pushed_digest good1)" ]
  [ "$(running_digest)" = "$(pushed_digest good1)" ]
}

@test "rollback --apply runs the earlier release again" {
  release good1
  ctl promote dev prod --yes --apply --rollout-timeout 120s >/dev/null
  release good2
  ctl promote dev prod --yes --apply --rollout-timeout 120s >/dev/null
  [ "$(running_digest)" = "$(pushed_digest good2)" ]
  run ctl rollback prod --apply --rollout-timeout 120s
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(prod_image)" = "$R/prod/comments@$(pushed_digest good1)" ]
  [ "$(running_digest)" = "$(pushed_digest good1)" ]
}

@test "without a cluster, promote --apply says the apply failed" {
  release good1
  minikube delete -p "$PROFILE" >/dev/null
  run ctl promote dev prod --yes --apply
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"kubectl apply failed (exit 1)"* ]]
}

@test "a missing kubectl is a clear error" {
  release good1
  run ctl promote dev prod --yes --apply --kubectl "$BATS_TEST_TMPDIR/no-such-kubectl"
  [ "$status" -eq 1 ]
  [[ "$output" == *"apply failed (exit 127: not found on PATH)"* ]]
}
