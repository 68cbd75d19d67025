#!/usr/bin/env bats
# deploy.sh in cluster mode for real, against the fake minikube and kubectl of tests/fakes and a
# loopback registry (scripts/registry.sh): build, push-dev, deploy-dev and verify-dev pass, the
# verification goes through a port-forward to dev's pod and checks its revision and digest, and
# nothing under k8s/releases/ changes. The image is the image.build fixture's (cached layers).

setup_file() {
  export ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
  export PATH="$ROOT/tests/fakes/bin:$PATH"
  export FAKE_CLUSTER_DIR=$BATS_FILE_TMPDIR/clusters
  export KUBECONFIG=$BATS_FILE_TMPDIR/kubeconfig
  export COMMENTSCTL=${COMMENTSCTL:?COMMENTSCTL must name the built commentsctl}
  export STATE=$BATS_FILE_TMPDIR/state
  export PROFILE=pipeline-$$
  export ROLLOUT_TIMEOUT=120s
  [ -s "${IMAGE_REF_FILE:-}" ] || { echo "IMAGE_REF_FILE names no built image (run through ctest)" >&2; return 1; }
  local ref
  ref=$(cat "$IMAGE_REF_FILE")
  export REVISION=${ref##*:}
  local env_line
  env_line=$("$ROOT/scripts/image.sh" --engine podman --print-env)
  [ -z "$env_line" ] || export "${env_line?}"
  minikube start -p "$PROFILE" --driver podman >/dev/null
  export REGISTRY
  REGISTRY=$("$ROOT/scripts/registry.sh" start --dir "$BATS_FILE_TMPDIR/registry")
}

teardown_file() {
  minikube delete -p "$PROFILE" >/dev/null 2>&1 || true
  "$ROOT/scripts/registry.sh" stop --dir "$BATS_FILE_TMPDIR/registry" || true
}

ctl() { "$COMMENTSCTL" --spec "$STATE/comments.yaml" --releases "$STATE/releases" "$@"; }

@test "deploy-dev and verify-dev pass on the cluster, verified through a port-forward to dev's pod" {
  run "$ROOT/deploy.sh" --mode cluster --registry "$REGISTRY" --state "$STATE" --revision "$REVISION" \
    --stages build,push-dev,deploy-dev,verify-dev
  echo "$output" | tail -n 40
  [ "$status" -eq 0 ]
  [[ "$output" == *"deploy.sh: mode cluster"* ]]
  [[ "$output" == *"all 4 stages passed"* ]]
  digest=$(ctl pin dev --field digest)
  [[ "$digest" == sha256:* ]]
  # The cluster runs dev's pinned image by digest, from the registry: the fake kubelet pulled it.
  [ "$(kubectl --context "$PROFILE" -n comments-dev get deployment comments -o json |
    jq -r '.spec.template.spec.containers[0].image')" = "$REGISTRY/comments/dev@$digest" ]
  # verify checked the pod's revision and digest first, then recorded the digest.
  [[ "$output" == *"ok   GET /version: revision $REVISION, digest $digest"* ]]
  grep -q "digest: $digest" <(sed -n '/^verified:/,$p' "$STATE/releases/dev.yaml")
  # Only copies changed: the committed pins are untouched.
  git -C "$ROOT" diff --quiet -- k8s/releases
}

@test "verify-dev refuses when the cluster does not run dev's pin" {
  [ -f "$STATE/releases/dev.yaml" ]
  # dev pinned to another build that was never deployed: what answers is not it.
  ctl pin dev --tag other-build --digest "sha256:$(printf '%064d' 1)" --revision other-build >/dev/null
  run "$ROOT/deploy.sh" --mode cluster --registry "$REGISTRY" --state "$STATE" --revision "$REVISION" \
    --stages verify-dev
  echo "$output" | tail -n 20
  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL GET /version: revision \"$REVISION\", want \"other-build\""* ]]
  [[ "$output" == *"<== verify-dev FAILED"* ]]
}

@test "the port-forward of a stage ends with deploy.sh" {
  run pgrep -f "port-forward svc/comments 0:8000"
  [ "$status" -ne 0 ]
}
