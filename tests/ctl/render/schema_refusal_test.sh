#!/usr/bin/env bash
# The schema validator refuses what a cluster would: wrong types, unknown fields, unknown kinds,
# YAML 1.1 booleans where strings belong. Usage: schema_refusal_test.sh PATH/TO/validate.mjs
set -euo pipefail

validate=${1:?usage: schema_refusal_test.sh VALIDATE_MJS}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/bad.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: "2"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web@sha256:0000
          securityContext: {readOnlyRootFilesytem: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
data: {FLAG: on}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
YAML
status=0
node "$validate" "$tmp/bad.yaml" >"$tmp/out" || status=$?
expected="$tmp/bad.yaml: Deployment/web: /spec/replicas: must be integer
$tmp/bad.yaml: Deployment/web: /spec/template/spec/containers/0/securityContext: unknown field \"readOnlyRootFilesytem\"
$tmp/bad.yaml: ConfigMap/web: /data/FLAG: must be string
$tmp/bad.yaml: Widget/w: unknown kind Widget in apiVersion example.com/v1"
if [ "$status" -ne 1 ] || [ "$(cat "$tmp/out")" != "$expected" ]; then
  echo "FAIL: exit $status, output:"
  cat "$tmp/out"
  echo "expected:"
  echo "$expected"
  exit 1
fi

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\ndata: {FLAG: "on"}\n' |
  node "$validate" - || { echo "FAIL: a valid ConfigMap was refused"; exit 1; }
echo "ok"
