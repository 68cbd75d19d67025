#!/usr/bin/env bats
# The fakes of tests/fakes fail as the real tools do, so that a test using them can fail: unknown
# flags and commands, no cluster, objects refused by the Kubernetes schemas (and not recorded),
# kinds whose CRDs are missing, a rollout of nothing. No pod is started here.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export PATH="$ROOT/tests/fakes/bin:$PATH"
  export FAKE_CLUSTER_DIR=$BATS_TEST_TMPDIR/clusters KUBECONFIG=$BATS_TEST_TMPDIR/kubeconfig
}

teardown() {
  minikube delete -p fakes >/dev/null 2>&1 || true
}

@test "unknown flags and commands fail as kubectl and minikube do" {
  run kubectl apply --frobnicate
  [ "$status" -eq 1 ]
  [[ "$output" == *"error: unknown flag: --frobnicate"* ]]
  run kubectl frobnicate
  [ "$status" -eq 1 ]
  [[ "$output" == *'error: unknown command "frobnicate" for "kubectl"'* ]]
  run kubectl scale deployment/comments --replicas 2
  [ "$status" -eq 1 ]
  [[ "$output" == *"not emulated"* ]]
  run minikube frobnicate
  [ "$status" -eq 1 ]
  run minikube status -p nowhere
  [ "$status" -eq 85 ]
  [[ "$output" == *'Profile "nowhere" not found'* ]]
}

@test "without a context kubectl reaches no server, as the real one" {
  run kubectl get namespace default
  [ "$status" -eq 1 ]
  [[ "$output" == *"The connection to the server localhost:8080 was refused"* ]]
  run kubectl --context nowhere get namespace default
  [ "$status" -eq 1 ]
  [[ "$output" == *'error: context "nowhere" does not exist'* ]]
}

@test "apply refuses what the schemas refuse and records only valid objects" {
  minikube start -p fakes --driver podman >/dev/null
  cat >"$BATS_TEST_TMPDIR/bad.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: good, namespace: default}
data: {A: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: default}
spec:
  replicas: "three"
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: c, image: "x:1", readOnlyRootFilesytem: true}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: sm, namespace: default}
spec: {selector: {}, endpoints: []}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: missing}
spec: {ports: [{port: 80}]}
YAML
  run kubectl --context fakes apply -f "$BATS_TEST_TMPDIR/bad.yaml"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"configmap/good created"* ]]
  [[ "$output" == *"/spec/replicas: must be integer"* ]]
  [[ "$output" == *'unknown field "readOnlyRootFilesytem"'* ]]
  [[ "$output" == *'no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"'* ]]
  [[ "$output" == *'namespaces "missing" not found'* ]]
  run kubectl --context fakes get deployment bad
  [ "$status" -eq 1 ]
  [[ "$output" == *'deployments.apps "bad" not found'* ]]
  [ "$(kubectl --context fakes get configmap good -o jsonpath='{.data.A}')" = 1 ]
}

@test "rollout status fails when nothing was applied; port-forward needs a running pod" {
  minikube start -p fakes --driver podman >/dev/null
  run kubectl --context fakes -n default rollout status deployment/comments --timeout 5s
  [ "$status" -eq 1 ]
  [[ "$output" == *'Error from server (NotFound): deployments.apps "comments" not found'* ]]
  run kubectl --context fakes -n default port-forward svc/comments 0:8000
  [ "$status" -eq 1 ]
  [[ "$output" == *'services "comments" not found'* ]]
}

@test "minikube delete removes the context; kubectl then reaches no server" {
  minikube start -p fakes --driver podman >/dev/null
  [ "$(kubectl config current-context)" = fakes ]
  minikube delete -p fakes >/dev/null
  run kubectl --context fakes get namespace default
  [ "$status" -eq 1 ]
  [[ "$output" == *'context "fakes" does not exist'* ]]
}
