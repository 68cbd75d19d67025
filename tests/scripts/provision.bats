#!/usr/bin/env bats
# Decisions of provision-k8s.sh, with stub minikube/kubectl/helm/engine/commentsctl on PATH.

setup() {
  load stubs
  make_stubs
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export PATH="$STUBS:$PATH"
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
  PATH=$(stub_path_without minikube) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"minikube not found: install minikube"* ]]
  PATH=$(stub_path_without kubectl) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"kubectl not found"* ]]
  PATH=$(stub_path_without docker podman) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no working container engine"* ]]
}

@test "helm is only required with --with-monitoring" {
  PATH=$(stub_path_without helm) run "$ROOT/provision-k8s.sh" --with-monitoring
  [ "$status" -eq 1 ]
  [[ "$output" == *"helm not found"* ]]
  PATH=$(stub_path_without helm) run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 0 ]
}

@test "a new cluster: start, addons, image, pin, apply, rollout, smoke, in that order" {
  run "$ROOT/provision-k8s.sh" --cpus 3 --memory 5000
  [ "$status" -eq 0 ]
  grep -q "minikube start -p comments --driver docker --cpus 3 --memory 5000" "$CALLS"
  grep -q "minikube addons enable registry -p comments" "$CALLS"
  grep -q "minikube addons enable metrics-server -p comments" "$CALLS"
  grep -q "minikube image build -p comments -t localhost/comments:" "$CALLS"
  grep -q "pin dev --repository localhost/comments" "$CALLS"
  grep -q "kubectl --context comments apply -f -" "$CALLS"
  grep -q "kubectl --context comments -n comments-dev rollout status deployment/comments" "$CALLS"
  grep -q "commentsctl smoke http://127.0.0.1:18000" "$CALLS"
  [ "$(call_line 'minikube start')" -lt "$(call_line 'minikube image build')" ]
  [ "$(call_line 'minikube image build')" -lt "$(call_line 'apply -f -')" ]
  [ "$(call_line 'apply -f -')" -lt "$(call_line 'rollout status')" ]
  [ "$(call_line 'rollout status')" -lt "$(call_line 'commentsctl smoke')" ]
  [[ "$output" == *"port-forward svc/comments 8000:8000"* ]]
  [[ "$output" == *"curl -s localhost:8000/api/comment/list/1"* ]]
}

@test "a running profile is reused, not started again" {
  STUB_MINIKUBE_RUNNING=1 run "$ROOT/provision-k8s.sh"
  [ "$status" -eq 0 ]
  ! grep -q "minikube start" "$CALLS"
  [[ "$output" == *"reusing it"* ]]
  grep -q "rollout status" "$CALLS"
}

@test "a failed rollout stops before the smoke test with a non-zero exit" {
  STUB_ROLLOUT_FAIL=1 run "$ROOT/provision-k8s.sh"
  [ "$status" -ne 0 ]
  ! grep -q "commentsctl smoke" "$CALLS"
}

@test "a failed smoke test fails the provisioning" {
  STUB_SMOKE_FAIL=1 run "$ROOT/provision-k8s.sh"
  [ "$status" -ne 0 ]
  ! [[ "$output" == *"==> Ready"* ]]
}

@test "--with-monitoring installs kube-prometheus-stack and our rules, dashboard and ServiceMonitor" {
  run "$ROOT/provision-k8s.sh" --with-monitoring
  [ "$status" -eq 0 ]
  grep -q "helm upgrade --install monitoring prometheus-community/kube-prometheus-stack" "$CALLS"
  grep -q "helm template comments .*--show-only templates/prometheusrule.yaml" "$CALLS"
  [[ "$output" == *"Grafana:"* ]]
}

@test "--delete deletes the profile and nothing else" {
  run "$ROOT/provision-k8s.sh" --delete --profile laptop
  [ "$status" -eq 0 ]
  [ "$(cat "$CALLS")" = "minikube delete -p laptop" ]
}
