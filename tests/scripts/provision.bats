#!/usr/bin/env bats
# provision-k8s.sh as a laptop user runs it, with the real commentsctl and the image built from
# the Dockerfile, against the fakes of minikube, kubectl and helm (tests/fakes): a new cluster is
# provisioned, its smoke step passes through a port-forward to the pod, the printed instructions
# work when followed, and a second run changes nothing. Failures stop it with a reason.

bats_require_minimum_version 1.5.0

setup_file() {
  export ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export PATH="$ROOT/tests/fakes/bin:$PATH"
  export FAKE_CLUSTER_DIR=$BATS_FILE_TMPDIR/clusters
  export KUBECONFIG=$BATS_FILE_TMPDIR/kubeconfig
  export COMMENTSCTL=${COMMENTSCTL:?COMMENTSCTL must name the built commentsctl}
  export SERVICE=${COMMENTS_SERVICE:?COMMENTS_SERVICE must name the built comments-service}
  export MINIKUBE_PROFILE=prov-$$
  export ROLLOUT_TIMEOUT=120s
  local env_line
  env_line=$("$ROOT/scripts/image.sh" --engine podman --print-env)
  [ -z "$env_line" ] || export "${env_line?}"
}

teardown_file() {
  for p in "$MINIKUBE_PROFILE" "$MINIKUBE_PROFILE-fault"; do
    minikube delete -p "$p" >/dev/null 2>&1 || true
    rm -rf "$ROOT/.tools/provision/$p"
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A PATH of the fakes and the system tools the script uses, minus the named commands.
path_without() {
  local dir=$BATS_TEST_TMPDIR/path-without t p
  rm -rf "$dir"
  mkdir -p "$dir"
  for t in minikube kubectl helm podman docker bash env sed cat mktemp rm cp mkdir date git sleep \
    kill printf basename dirname tr id python3 curl cmake; do
    printf '%s\n' "$@" | grep -qx "$t" && continue
    p=$(command -v "$t") && ln -sf "$p" "$dir/$t"
  done
  echo "$dir"
}

@test "--help documents every option and environment variable" {
  run "$ROOT/provision-k8s.sh" --help
  [ "$status" -eq 0 ]
  for word in --with-monitoring --delete --profile --cpus --memory --driver COMMENTSCTL LOCAL_PORT ROLLOUT_TIMEOUT; do
    [[ "$output" == *"$word"* ]]
  done
}

@test "an unknown option is a usage error" {
  run "$ROOT/provision-k8s.sh" --frobnicate
  [ "$status" -eq 2 ]
}

@test "preflight names the missing tool and where to get it" {
  PATH=$(path_without minikube) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"minikube not found: install minikube"* ]]
  PATH=$(path_without kubectl) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"kubectl not found"* ]]
  PATH=$(path_without docker podman) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no working container engine"* ]]
  PATH=$(path_without helm) run "$ROOT/provision-k8s.sh" --with-monitoring
  [ "$status" -eq 1 ]
  [[ "$output" == *"helm not found"* ]]
}

@test "a new cluster: the built image runs, the smoke step reaches its pod, the instructions work" {
  port=$(free_port)
  LOCAL_PORT=$port run "$ROOT/provision-k8s.sh" --cpus 3 --memory 5000
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"==> Ready"* ]]
  printed=$output  # what the user reads; later `run`s replace $output
  revision=$("$COMMENTSCTL" --spec "$ROOT/k8s/comments.yaml" --releases "$ROOT/.tools/provision/$MINIKUBE_PROFILE/releases" pin local --field revision)
  [ -n "$revision" ]
  # The smoke step checked the pod's revision before posting anything.
  [[ "$output" == *"ok   GET /version: revision $revision"* ]]
  [[ "$output" == *"smoke check passed: http://127.0.0.1:$port"* ]]
  # minikube built the image; the Deployment runs it; the committed pins are untouched.
  run minikube image ls -p "$MINIKUBE_PROFILE"
  [[ "$output" == *"localhost/comments:$revision"* ]]
  [ "$(kubectl --context "$MINIKUBE_PROFILE" -n comments-local get deployment comments -o json |
    jq -r '.spec.template.spec.containers[0].image')" = "localhost/comments:$revision" ]
  git -C "$ROOT" diff --quiet -- k8s/releases
  # Follow the printed instructions: the port-forward, then the two curls.
  forward=$(grep -m1 '^kubectl --context' <<<"$printed")
  [ "$forward" = "kubectl --context $MINIKUBE_PROFILE -n comments-local port-forward svc/comments $port:8000" ]
  post=$(sed -n '/^curl -s -X POST/,/-d /p' <<<"$printed")
  list=$(grep '^curl -s localhost' <<<"$printed")
  $forward >"$BATS_TEST_TMPDIR/forward.log" 2>&1 &
  forward_pid=$!
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  [ "$(curl -fs "http://127.0.0.1:$port/version" | jq -r .revision)" = "$revision" ]
  created=$(eval "${post//\\$'\n'/ }")
  listed=$(eval "$list")
  kill "$forward_pid"
  echo "$created"; echo "$listed"
  [[ "$created" == '{"status":"SUCCESS","message":"comment created and associated with content_id 1","id":'* ]]
  jq -e 'length == 1 and .[0].email == "alice@example.com" and .[0].comment == "first post!"' <<<"$listed"
}

@test "a second run is idempotent: nothing is rebuilt under another tag, restarted or lost" {
  port=$(free_port)
  before=$(podman ps --filter "label=fake-cluster=$MINIKUBE_PROFILE" --format '{{.ID}}')
  [ -n "$before" ]
  LOCAL_PORT=$port run "$ROOT/provision-k8s.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"profile $MINIKUBE_PROFILE is running: reusing it"* ]]
  [[ "$output" == *"deployment.apps/comments unchanged"* ]]
  [ "$(podman ps --filter "label=fake-cluster=$MINIKUBE_PROFILE" --format '{{.ID}}')" = "$before" ]
  run minikube image ls -p "$MINIKUBE_PROFILE"
  [ "$(grep -c '^localhost/comments:' <<<"$output")" -eq 1 ]
  # Alice's comment from the first run is still there.
  kubectl --context "$MINIKUBE_PROFILE" -n comments-local port-forward svc/comments "$port:8000" >/dev/null 2>&1 &
  forward_pid=$!
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  listed=$(curl -fs "http://127.0.0.1:$port/api/comment/list/1")
  kill "$forward_pid"
  jq -e '.[0].email == "alice@example.com"' <<<"$listed"
}

@test "a local port held by another process fails the smoke step instead of testing that process" {
  port=$(free_port)
  # Another comments service on 127.0.0.1 only: kubectl still gets [::1]:port and goes on.
  "$SERVICE" --listen 127.0.0.1 --port "$port" --storage memory: --shutdown-delay 0s \
    >"$BATS_TEST_TMPDIR/other.log" 2>&1 &
  other=$!
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  LOCAL_PORT=$port run "$ROOT/provision-k8s.sh"
  kill "$other"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"127.0.0.1:$port is taken by another process"* ]]
  [[ "$output" != *"==> Ready"* ]]
  # Nothing was posted to the other process.
  run grep -c '"method":"POST"' "$BATS_TEST_TMPDIR/other.log"
  [ "$output" = 0 ]
}

@test "a release that cannot start fails the rollout before any smoke step" {
  FAKE_POD_ENV=LOG_LEVEL=unusable ROLLOUT_TIMEOUT=8s LOCAL_PORT=$(free_port) \
    run "$ROOT/provision-k8s.sh" --profile "$MINIKUBE_PROFILE-fault"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: timed out waiting for the condition"* ]]
  [[ "$output" != *"GET /version"* ]]
  [[ "$output" != *"==> Ready"* ]]
}

@test "--with-monitoring installs kube-prometheus-stack, then our rules, dashboard and ServiceMonitor" {
  LOCAL_PORT=$(free_port) run "$ROOT/provision-k8s.sh" --with-monitoring
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"prometheusrule.monitoring.coreos.com/"*" created"* ]]
  [[ "$output" == *"servicemonitor.monitoring.coreos.com/comments created"* ]]
  [[ "$output" == *"configmap/"*"dashboard"*" created"* ]]
  [[ "$output" == *"Grafana:"* ]]
}

@test "--delete removes the profile, its pods and the laptop's pin" {
  run "$ROOT/provision-k8s.sh" --delete
  [ "$status" -eq 0 ]
  run minikube status -p "$MINIKUBE_PROFILE"
  [ "$status" -eq 85 ]
  [ -z "$(podman ps -a --filter "label=fake-cluster=$MINIKUBE_PROFILE" --format '{{.ID}}')" ]
  [ ! -e "$ROOT/.tools/provision/$MINIKUBE_PROFILE" ]
}

@test "no pipeline in the cluster scripts reads only part of its input (SIGPIPE under pipefail)" {
  # `producer | head`, `| grep -q`, `| awk '… exit'`: the reader may leave early and the
  # producer die of SIGPIPE (exit 141), which pipefail turns into a silent failure.
  run grep -nE '\|[[:space:]]*(head|grep[^|]*-[a-zA-Z]*[qm]|awk[^|]*exit|sed[^|]*q)' \
    "$ROOT/provision-k8s.sh" "$ROOT/deploy.sh" "$ROOT/scripts/lib/cluster.bash"
  echo "$output"
  [ "$status" -eq 1 ]
  # Negative control: the check finds the pattern the old provision-k8s.sh had.
  printf '%s\n' "ns=\$(render | awk '/^kind: Namespace/ {ns=1} ns {print \$2; exit}')" >"$BATS_TEST_TMPDIR/old.sh"
  run grep -nE '\|[[:space:]]*(head|grep[^|]*-[a-zA-Z]*[qm]|awk[^|]*exit|sed[^|]*q)' "$BATS_TEST_TMPDIR/old.sh"
  [ "$status" -eq 0 ]
}
