#!/usr/bin/env bats
# `helm lint --strict` on the chart with its default values and every values file of ci/.

load helpers

setup() {
  require_tools
}

@test "helm lint --strict passes with the default values" {
  run "$HELM" lint --strict "$CHART"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 chart(s) failed"* ]]
}

@test "helm lint --strict passes with every values file of ci/" {
  local f
  for f in "$CHART"/ci/*-values.yaml; do
    run "$HELM" lint --strict "$CHART" -f "$f"
    echo "$f: $output"
    [ "$status" -eq 0 ]
  done
}

@test "helm lint --strict fails on a broken template" {
  local copy=$BATS_TEST_TMPDIR/comments
  cp -r "$CHART" "$copy"
  printf '{{ .Values.nosuch.key }}\n' >"$copy/templates/broken.yaml"
  run "$HELM" lint --strict "$copy"
  [ "$status" -ne 0 ]
  [[ "$output" == *"nil pointer evaluating interface {}.key"* ]]
}

@test "Chart.yaml declares apiVersion v2, kubeVersion and appVersion" {
  run python3 -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1])); print(c["apiVersion"], c["kubeVersion"], c["appVersion"])' "$CHART/Chart.yaml"
  [ "$status" -eq 0 ]
  [ "$output" = "v2 >=1.29.0-0 0.1.0" ]
}

@test "the chart refuses a Kubernetes older than its kubeVersion" {
  run "$HELM" template comments "$CHART" --kube-version 1.27.0
  [ "$status" -ne 0 ]
  [[ "$output" == *"chart requires kubeVersion: >=1.29.0-0 which is incompatible with Kubernetes v1.27.0"* ]]
}

@test "every value of values.schema.json is described in docs/helm.md" {
  python3 - "$CHART/values.schema.json" "$ROOT/docs/helm.md" <<'PY'
import json, sys
schema = json.load(open(sys.argv[1]))
doc = open(sys.argv[2]).read()
def leaves(node, prefix=""):
    props = node.get("properties")
    # config's keys are the service's settings, documented in docs/configuration.md (generated).
    if props and prefix != "config":
        for key, child in props.items():
            yield from leaves(child, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix
paths = [p for p in leaves(schema) if p != "global"]
missing = [p for p in paths if f"`{p}`" not in doc]
for p in missing:
    print(f"docs/helm.md does not describe `{p}`")
print(f"{len(paths) - len(missing)} of {len(paths)} values described")
sys.exit(1 if missing else 0)
PY
}

@test "the packaged chart carries the monitoring files it loads with .Files.Get" {
  run "$HELM" package "$CHART" --destination "$BATS_TEST_TMPDIR"
  [ "$status" -eq 0 ]
  local tgz=$BATS_TEST_TMPDIR/comments-0.1.0.tgz
  tar -tzf "$tgz" | grep -qx 'comments/files/alerts.yaml'
  tar -tzf "$tgz" | grep -qx 'comments/files/dashboard.json'
  run "$HELM" template comments "$tgz" --set prometheusRule.enabled=true --set grafanaDashboard.enabled=true
  [ "$status" -eq 0 ]
  [[ "$output" == *"alert: CommentsHighErrorRatio"* ]]
  [[ "$output" == *'"uid": "comments-service"'* ]]
}
