#!/usr/bin/env bats
# The chart and `commentsctl render` describe the same pods: for each environment of
# k8s/comments.yaml, `helm template` with agreement/<env>-values.yaml (its mirror) and the image
# of k8s/releases/<env>.yaml must match `commentsctl render <env>` in image, ports, environment,
# probes, security, resources, replicas, strategy, volumes and Service (agreement.py).
# The backup CronJob, off in those environments, is compared on the ctl test spec that enables it.

load helpers

setup() {
  require_tools
  COMMENTSCTL=${COMMENTSCTL:-$ROOT/build/chart/bin/commentsctl}
  [ -x "$COMMENTSCTL" ] || {
    echo "commentsctl not found at $COMMENTSCTL: build it (cmake --build build/chart --target commentsctl) or set COMMENTSCTL" >&2
    return 1
  }
}

# helm_for ENV OUT [extra helm args...]: the chart with the mirror values and the pinned image.
helm_for() {
  local env=$1 out=$2
  shift 2
  local ns pin_args
  ns=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["environments"][sys.argv[2]]["namespace"])' \
    "$ROOT/k8s/comments.yaml" "$env")
  mapfile -t pin_args < <(python3 -c '
import sys, yaml
image = yaml.safe_load(open(sys.argv[1]))["image"]
for key in ("repository", "tag", "digest"):
    if image.get(key):
        print(f"--set-string=image.{key}={image[key]}")' "$ROOT/k8s/releases/$env.yaml")
  "$HELM" template comments "$CHART" --namespace "$ns" \
    -f "$BATS_TEST_DIRNAME/agreement/$env-values.yaml" "${pin_args[@]}" "$@" >"$out"
}

compare() {
  python3 "$BATS_TEST_DIRNAME/agreement.py" --settings "$ROOT/docs/settings.json" "$@"
}

# agree ENV: the chart and the live `commentsctl render ENV` show no difference.
agree() {
  helm_for "$1" "$BATS_TEST_TMPDIR/helm.yaml"
  (cd "$ROOT" && "$COMMENTSCTL" render "$1") >"$BATS_TEST_TMPDIR/render.yaml"
  run compare "$BATS_TEST_TMPDIR/helm.yaml" "$BATS_TEST_TMPDIR/render.yaml"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "0 differences in "* ]]
}

@test "dev: helm template and commentsctl render agree" {
  agree dev
}

@test "prod: helm template and commentsctl render agree" {
  agree prod
}

@test "the comparison reports each field that differs" {
  helm_for prod "$BATS_TEST_TMPDIR/helm.yaml" --set probes.readiness.periodSeconds=6 \
    --set securityContext.readOnlyRootFilesystem=false --set rollingUpdate.maxUnavailable=1 \
    --set resources.limits.memory=1Gi --set-string storage.postgres.secretKey=uri
  (cd "$ROOT" && "$COMMENTSCTL" render prod) >"$BATS_TEST_TMPDIR/render.yaml"
  run compare "$BATS_TEST_TMPDIR/helm.yaml" "$BATS_TEST_TMPDIR/render.yaml"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *'probes.readinessProbe.periodSeconds: helm 6 != render 5'* ]]
  [[ "$output" == *'containerSecurity.readOnlyRootFilesystem: helm false != render true'* ]]
  [[ "$output" == *'strategy.rollingUpdate.maxUnavailable: helm 1 != render 0'* ]]
  [[ "$output" == *'resources.limits.memory: helm "1Gi" != render "512Mi"'* ]]
  [[ "$output" == *'env.STORAGE_URL.secretKeyRef.key: helm "uri" != render "url"'* ]]
  [[ "$output" == *"5 differences in "* ]]
}

# cron_args FILE: the backup CronJob's container args, as JSON.
cron_args() {
  python3 -c '
import json, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc["kind"] == "CronJob":
        print(json.dumps(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]))' "$1"
}

@test "the backup CronJob runs the same command from helm and from commentsctl" {
  # The ctl spec keeps 14 dated copies; the chart gets the same through backup.keep.
  (cd "$ROOT" && "$COMMENTSCTL" --spec tests/ctl/specs/sqlite-everything.yaml render guestbook) \
    >"$BATS_TEST_TMPDIR/render.yaml"
  "$HELM" template comments "$CHART" -f "$CHART/ci/sqlite-values.yaml" --set backup.keep=14 \
    >"$BATS_TEST_TMPDIR/helm.yaml"
  local helm render
  helm=$(cron_args "$BATS_TEST_TMPDIR/helm.yaml")
  render=$(cron_args "$BATS_TEST_TMPDIR/render.yaml")
  echo "helm:   $helm"
  echo "render: $render"
  [ "$render" = '["backup", "--storage", "sqlite:/var/lib/comments/comments.db", "--to-dir", "/backup", "--keep", "14"]' ]
  [ "$helm" = "$render" ]
  # Negative control: another keep is seen as a difference.
  "$HELM" template comments "$CHART" -f "$CHART/ci/sqlite-values.yaml" \
    >"$BATS_TEST_TMPDIR/helm.yaml"
  [ "$(cron_args "$BATS_TEST_TMPDIR/helm.yaml")" != "$render" ]
}
