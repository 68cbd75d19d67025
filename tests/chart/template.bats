#!/usr/bin/env bats
# `helm template` with the default values and each values file of ci/: every object passes the
# Kubernetes schemas (tests/k8s-schema/validate.mjs), and the objects say what the values ask.

load helpers

setup() {
  require_tools
  out=$BATS_TEST_TMPDIR/out.yaml
}

@test "default values: every rendered object is schema-valid" {
  render "$out"
  run node "$VALIDATOR" "$out"
  echo "$output"
  [ "$status" -eq 0 ]
  run kinds "$out"
  [ "$output" = "$(printf '%s\n' ConfigMap/comments Deployment/comments NetworkPolicy/comments \
    PersistentVolumeClaim/comments-data Pod/comments-smoke Service/comments ServiceAccount/comments)" ]
}

@test "every ci/ values file renders schema-valid objects" {
  local f
  for f in "$CHART"/ci/*-values.yaml; do
    render "$out" -f "$f"
    run node "$VALIDATOR" "$out"
    echo "$f: $output"
    [ "$status" -eq 0 ]
  done
}

@test "the validator catches what the chart could get wrong (the check can fail)" {
  render "$out"
  sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/; s/containerPort: 8000/containerPort: "8000"/' "$out"
  run node "$VALIDATOR" "$out"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *'unknown field "readOnlyRootFilesytem"'* ]]
  [[ "$output" == *"containerPort"* ]]
}

@test "default (SQLite): one replica, Recreate, the PVC mounted at /var/lib/comments" {
  render "$out"
  [ "$(query "$out" Deployment comments 'o["spec"]["replicas"]')" = 1 ]
  [ "$(query "$out" Deployment comments 'o["spec"]["strategy"]')" = '{"type": "Recreate"}' ]
  [ "$(query "$out" Deployment comments 'o["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]')" = \
    '[{"mountPath": "/var/lib/comments", "name": "data"}]' ]
  [ "$(query "$out" Deployment comments 'o["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]')" = comments-data ]
  [ "$(query "$out" ConfigMap comments 'o["data"]["STORAGE_URL"]')" = sqlite:/var/lib/comments/comments.db ]
  [ "$(query "$out" PersistentVolumeClaim comments-data 'o["spec"]["resources"]["requests"]["storage"]')" = 1Gi ]
  # One pod: a PodDisruptionBudget would block drains, spreading has nothing to spread.
  run query "$out" PodDisruptionBudget comments 'o'
  [ "$status" -ne 0 ]
  [ "$(query "$out" Deployment comments 'o["spec"]["template"]["spec"].get("topologySpreadConstraints")')" = null ]
}

@test "default: probes, ports, shutdown timing and hardening as agreed with commentsctl render" {
  render "$out"
  local pod='o["spec"]["template"]["spec"]' c='o["spec"]["template"]["spec"]["containers"][0]'
  [ "$(query "$out" Deployment comments "${c}[\"ports\"]")" = '[{"containerPort": 8000, "name": "http", "protocol": "TCP"}, {"containerPort": 9090, "name": "admin", "protocol": "TCP"}]' ]
  [ "$(query "$out" Deployment comments "{k: ${c}[k + 'Probe'] for k in ('startup', 'liveness', 'readiness')}")" = \
    '{"liveness": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": "admin"}, "initialDelaySeconds": 0, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 2}, "readiness": {"failureThreshold": 2, "httpGet": {"path": "/readyz", "port": "admin"}, "initialDelaySeconds": 0, "periodSeconds": 5, "successThreshold": 1, "timeoutSeconds": 2}, "startup": {"failureThreshold": 30, "httpGet": {"path": "/healthz", "port": "admin"}, "initialDelaySeconds": 0, "periodSeconds": 2, "successThreshold": 1, "timeoutSeconds": 1}}' ]
  [ "$(query "$out" Deployment comments "${pod}[\"terminationGracePeriodSeconds\"]")" = 30 ]
  [ "$(query "$out" ConfigMap comments '[o["data"]["SHUTDOWN_DELAY"], o["data"]["DRAIN_TIMEOUT"], o["data"]["PORT"], o["data"]["ADMIN_PORT"]]')" = '["5s", "10s", "8000", "9090"]' ]
  [ "$(query "$out" Deployment comments "${pod}[\"securityContext\"]")" = \
    '{"fsGroup": 65532, "fsGroupChangePolicy": "OnRootMismatch", "runAsGroup": 65532, "runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}}' ]
  [ "$(query "$out" Deployment comments "${c}[\"securityContext\"]")" = \
    '{"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}' ]
  [ "$(query "$out" Deployment comments "${pod}[\"automountServiceAccountToken\"]")" = false ]
  [ "$(query "$out" ServiceAccount comments 'o["automountServiceAccountToken"]')" = false ]
  [ "$(query "$out" Deployment comments 'o["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]')" = 9090 ]
  [ "$(query "$out" Service comments 'o["spec"]["ports"]')" = '[{"name": "http", "port": 8000, "protocol": "TCP", "targetPort": "http"}, {"name": "admin", "port": 9090, "protocol": "TCP", "targetPort": "admin"}]' ]
}

# exposure FILE: what each port is open to. "ingress" lists every Ingress path with its type and
# backend port; "probes" and "scrape" the ports the kubelet and Prometheus use; "policy" each
# NetworkPolicy rule of the service's pods as port -> sources (null: any source).
exposure() {
  python3 - "$1" <<'PY'
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
def of(kind):
    return [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == "comments"]
c = of("Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
out = {
    "ingress": [[p["path"], p["pathType"], p["backend"]["service"]["port"]["name"]]
                for i in of("Ingress") for r in i["spec"]["rules"] for p in r["http"]["paths"]],
    "probes": sorted({c[k]["httpGet"]["port"] for k in ("startupProbe", "livenessProbe", "readinessProbe")}),
    "scrape": [e["port"] for m in of("ServiceMonitor") for e in m["spec"]["endpoints"]]
              + [of("Deployment")[0]["spec"]["template"]["metadata"]["annotations"].get("prometheus.io/port", "-")],
    "policy": {p["port"]: r.get("from") for n in of("NetworkPolicy") for r in n["spec"]["ingress"]
               for p in r["ports"]},
}
print(json.dumps(out, sort_keys=True))
PY
}

@test "only /api/ is routed publicly; probes and scraping use the admin port, open to the namespace" {
  local monitoring='{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}'
  render "$out" --set ingress.enabled=true
  [ "$(exposure "$out")" = '{"ingress": [["/api/", "Prefix", "http"]], "policy": {"admin": [{"podSelector": {}}], "http": null}, "probes": ["admin"], "scrape": ["9090"]}' ]
  render "$out" -f "$CHART/ci/dev-values.yaml"
  [[ "$(exposure "$out")" == '{"ingress": [["/api/", "Prefix", "http"]], '* ]]
  render "$out" -f "$CHART/ci/prod-values.yaml"
  [ "$(exposure "$out")" = '{"ingress": [["/api/", "Prefix", "http"]], "policy": {"admin": [{"podSelector": {}}, '"$monitoring"'], "http": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}, {"podSelector": {"matchLabels": {"app.kubernetes.io/component": "test", "app.kubernetes.io/instance": "comments", "app.kubernetes.io/name": "comments"}}}]}, "probes": ["admin"], "scrape": ["admin", "-"]}' ]
  # The admin port moves everything that uses it; the Ingress stays on http.
  render "$out" --set ingress.enabled=true --set adminPort=9191
  [ "$(query "$out" ConfigMap comments 'o["data"]["ADMIN_PORT"]')" = 9191 ]
  [ "$(exposure "$out")" = '{"ingress": [["/api/", "Prefix", "http"]], "policy": {"admin": [{"podSelector": {}}], "http": null}, "probes": ["admin"], "scrape": ["9191"]}' ]
  # Negative control: the check sees a public "/" and probes on http (the chart before the admin
  # port).
  render "$out" --set ingress.enabled=true --set 'ingress.hosts[0].host=x' --set 'ingress.hosts[0].paths[0].path=/' \
    --set 'ingress.hosts[0].paths[0].pathType=Prefix'
  sed -i 's/port: admin$/port: http/' "$out"
  [[ "$(exposure "$out")" == *'"ingress": [["/", "Prefix", "http"]]'*'"probes": ["http"]'* ]]
}

@test "a configuration change changes the pod template's checksum (pods roll)" {
  render "$out"
  local before after
  before=$(query "$out" Deployment comments 'o["spec"]["template"]["metadata"]["annotations"]["checksum/config"]')
  render "$out" --set logLevel=debug
  after=$(query "$out" Deployment comments 'o["spec"]["template"]["metadata"]["annotations"]["checksum/config"]')
  [[ "$before" =~ ^[0-9a-f]{64}$ ]]
  [ "$before" != "$after" ]
  render "$out" --set-string config.MAX_IN_FLIGHT=100
  [ "$(query "$out" ConfigMap comments 'o["data"]["MAX_IN_FLIGHT"]')" = 100 ]
}

@test "prod: PostgreSQL URL from the Secret, digest, HPA, rolling update, spread, PDB, monitoring" {
  render "$out" -f "$CHART/ci/prod-values.yaml"
  local c='o["spec"]["template"]["spec"]["containers"][0]'
  # The digest first, reported on /version (what commentsctl verify checks), then the URL.
  [ "$(query "$out" Deployment comments "${c}[\"env\"][0]")" = \
    '{"name": "IMAGE_DIGEST", "value": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}' ]
  [ "$(query "$out" Deployment comments "${c}[\"env\"][1]")" = \
    '{"name": "STORAGE_URL", "valueFrom": {"secretKeyRef": {"key": "url", "name": "comments-postgresql"}}}' ]
  [ "$(query "$out" ConfigMap comments '"STORAGE_URL" in o["data"]')" = false ]
  [ "$(query "$out" Deployment comments "${c}[\"image\"]")" = \
    registry.example.com/prod/comments@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ]
  [ "$(query "$out" Deployment comments '"replicas" in o["spec"]')" = false ]
  [ "$(query "$out" Deployment comments 'o["spec"]["strategy"]')" = \
    '{"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}, "type": "RollingUpdate"}' ]
  # No data volume with PostgreSQL: only the moderation tokens (ci/prod-values.yaml names them).
  [ "$(query "$out" Deployment comments "[m[\"name\"] for m in $c.get(\"volumeMounts\", [])]")" = '["admin-tokens"]' ]
  [ "$(query "$out" HorizontalPodAutoscaler comments '[o["apiVersion"], o["spec"]["minReplicas"], o["spec"]["maxReplicas"]]')" = '["autoscaling/v2", 3, 12]' ]
  [ "$(query "$out" Deployment comments '[(t["topologyKey"], t["whenUnsatisfiable"]) for t in o["spec"]["template"]["spec"]["topologySpreadConstraints"]]')" = \
    '[["kubernetes.io/hostname", "DoNotSchedule"], ["topology.kubernetes.io/zone", "ScheduleAnyway"]]' ]
  [ "$(query "$out" PodDisruptionBudget comments 'o["spec"]["minAvailable"]')" = 2 ]
  [ "$(query "$out" ServiceMonitor comments 'o["spec"]["endpoints"][0]["relabelings"]')" = \
    '[{"action": "replace", "replacement": "comments", "targetLabel": "job"}]' ]
  [ "$(query "$out" Deployment comments '"prometheus.io/scrape" in o["spec"]["template"]["metadata"]["annotations"]')" = false ]
  [ "$(query "$out" PersistentVolumeClaim comments-data o 2>&1)" = "$out: 0 objects PersistentVolumeClaim/comments-data" ]
}

@test "the Grafana ConfigMap holds files/dashboard.json unchanged" {
  render "$out" -f "$CHART/ci/prod-values.yaml"
  query "$out" ConfigMap comments-dashboard 'o["data"]["comments.json"]' >"$BATS_TEST_TMPDIR/dashboard.json"
  diff <(python3 -m json.tool "$CHART/files/dashboard.json") <(python3 -m json.tool "$BATS_TEST_TMPDIR/dashboard.json")
  [ "$(query "$out" ConfigMap comments-dashboard '[o["metadata"]["namespace"], o["metadata"]["labels"]["grafana_dashboard"]]')" = '["monitoring", "1"]' ]
}

@test "bundled PostgreSQL: StatefulSet, Service and a Secret whose URL the service reads" {
  render "$out" -f "$CHART/ci/bundled-postgres-values.yaml" --set postgresql.auth.password=s3cret
  [ "$(query "$out" Secret comments-postgresql 'o["metadata"]["annotations"]["helm.sh/resource-policy"]')" = keep ]
  [ "$(query "$out" Secret comments-postgresql '__import__("base64").b64decode(o["data"]["url"]).decode()')" = \
    postgresql://comments:s3cret@comments-postgresql:5432/comments ]
  [ "$(query "$out" Deployment comments 'o["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]')" = \
    '{"secretKeyRef": {"key": "url", "name": "comments-postgresql"}}' ]
  [ "$(query "$out" Deployment comments 'o["spec"]["replicas"]')" = 2 ]
  [ "$(query "$out" PodDisruptionBudget comments 'o["spec"]')" = \
    '{"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/component": "server", "app.kubernetes.io/instance": "comments", "app.kubernetes.io/name": "comments"}}}' ]
  [ "$(query "$out" Service comments-postgresql 'o["spec"]["selector"]["app.kubernetes.io/component"]')" = database ]
  [ "$(query "$out" Service comments 'o["spec"]["selector"]["app.kubernetes.io/component"]')" = server ]
  [ "$(query "$out" StatefulSet comments-postgresql 'o["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"]')" = true ]
  [ "$(query "$out" NetworkPolicy comments-postgresql 'o["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]')" = server ]
}

@test "PodDisruptionBudget: maxUnavailable 0 stays 0, minAvailable wins when set" {
  render "$out" -f "$CHART/ci/bundled-postgres-values.yaml" --set podDisruptionBudget.maxUnavailable=0
  [ "$(query "$out" PodDisruptionBudget comments '[o["spec"].get("minAvailable"), o["spec"].get("maxUnavailable")]')" = '[null, 0]' ]
  render "$out" -f "$CHART/ci/bundled-postgres-values.yaml" --set-string podDisruptionBudget.minAvailable=50%
  [ "$(query "$out" PodDisruptionBudget comments '[o["spec"].get("minAvailable"), o["spec"].get("maxUnavailable")]')" = '["50%", null]' ]
}

@test "bundled PostgreSQL without a password generates a random one" {
  render "$out" -f "$CHART/ci/bundled-postgres-values.yaml"
  local first second
  first=$(query "$out" Secret comments-postgresql '__import__("base64").b64decode(o["data"]["password"]).decode()')
  render "$out" -f "$CHART/ci/bundled-postgres-values.yaml"
  second=$(query "$out" Secret comments-postgresql '__import__("base64").b64decode(o["data"]["password"]).decode()')
  [[ "$first" =~ ^[A-Za-z0-9]{32}$ ]]
  [ "$first" != "$second" ]
}

@test "helm test pod: our image runs the configured command against the Service URL" {
  render "$out" -f "$CHART/ci/sqlite-values.yaml"
  [ "$(query "$out" Pod comments-smoke 'o["metadata"]["annotations"]["helm.sh/hook"]')" = test ]
  [ "$(query "$out" Pod comments-smoke 'o["spec"]["containers"][0]["image"]')" = ghcr.io/example/comments:0.1.0 ]
  [ "$(query "$out" Pod comments-smoke 'o["spec"]["containers"][0]["command"]')" = \
    '["/usr/local/bin/commentsctl", "smoke", "http://comments.web.svc:80"]' ]
  render "$out" --set 'tests.command={/usr/local/bin/comments-service,healthcheck}' --set tests.image.repository=example/other --set tests.image.tag=v2
  [ "$(query "$out" Pod comments-smoke '[o["spec"]["containers"][0]["image"]] + o["spec"]["containers"][0]["command"]')" = \
    '["example/other:v2", "/usr/local/bin/comments-service", "healthcheck", "http://comments.web.svc:8000"]' ]
  render "$out" --set tests.enabled=false
  run query "$out" Pod comments-smoke o
  [ "$status" -ne 0 ]
}

@test "NOTES.txt tells how to port-forward and curl the API" {
  run "$HELM" install comments "$CHART" --namespace web --dry-run=client
  [ "$status" -eq 0 ]
  [[ "$output" == *"kubectl --namespace web port-forward service/comments 8000:8000"* ]]
  [[ "$output" == *"curl -s http://127.0.0.1:8000/api/comment/list/1"* ]]
  [[ "$output" == *"helm test --namespace web comments"* ]]
}

@test "object names follow the release name and the overrides" {
  render "$out" --set fullnameOverride=talk
  [ "$(query "$out" Deployment talk 'o["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]')" = talk-data ]
  "$HELM" template blog "$CHART" >"$out"
  [ "$(query "$out" Service blog-comments 'o["metadata"]["labels"]["app.kubernetes.io/instance"]')" = blog ]
}

@test "every workload of every values file meets the restricted Pod Security Standard" {
  local f
  for f in "$CHART/values.yaml" "$CHART"/ci/*-values.yaml; do
    render "$out" -f "$f"
    run python3 - "$out" <<'PY'
import sys, yaml
problems = []
for o in yaml.safe_load_all(open(sys.argv[1])):
    if not o or o["kind"] not in ("Deployment", "StatefulSet", "Pod", "CronJob"):
        continue
    pod = {"Pod": lambda: o["spec"], "CronJob": lambda: o["spec"]["jobTemplate"]["spec"]["template"]["spec"]}.get(
        o["kind"], lambda: o["spec"]["template"]["spec"])()
    where = f'{o["kind"]}/{o["metadata"]["name"]}'
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True: problems.append(f"{where}: runAsNonRoot")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault": problems.append(f"{where}: seccompProfile")
    if pod.get("automountServiceAccountToken") is not False: problems.append(f"{where}: automountServiceAccountToken")
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False: problems.append(f"{where}/{c['name']}: allowPrivilegeEscalation")
        if sc.get("readOnlyRootFilesystem") is not True: problems.append(f"{where}/{c['name']}: readOnlyRootFilesystem")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]: problems.append(f"{where}/{c['name']}: capabilities")
        if "limits" not in c.get("resources", {}): problems.append(f"{where}/{c['name']}: no resource limits")
print("\n".join(problems) or "ok")
sys.exit(1 if problems else 0)
PY
    echo "$f: $output"
    [ "$status" -eq 0 ]
  done
}

@test "admin.tokenSecret: the Secret's tokens key mounted read-only, ADMIN_TOKEN_FILE naming it" {
  render "$out" -f "$CHART/ci/prod-values.yaml"
  local pod='o["spec"]["template"]["spec"]'
  [ "$(query "$out" ConfigMap comments 'o["data"]["ADMIN_TOKEN_FILE"]')" = /var/run/secrets/comments-admin/tokens ]
  # The same volume as commentsctl render's (tests/ctl/render/render_test.cpp): key tokens, 0440.
  [ "$(query "$out" Deployment comments "${pod}[\"volumes\"]")" = \
    '[{"name": "admin-tokens", "secret": {"defaultMode": 288, "items": [{"key": "tokens", "path": "tokens"}], "secretName": "comments-admin-tokens"}}]' ]
  [ "$(query "$out" Deployment comments "${pod}[\"containers\"][0][\"volumeMounts\"]")" = \
    '[{"mountPath": "/var/run/secrets/comments-admin", "name": "admin-tokens", "readOnly": true}]' ]
  # With SQLite, beside the data volume.
  render "$out" --set admin.tokenSecret=moderators
  [ "$(query "$out" Deployment comments "[v[\"name\"] for v in ${pod}[\"volumes\"]]")" = '["data", "admin-tokens"]' ]
  # Never the tokens themselves: nothing in the output but the Secret's name.
  ! grep -q 'kind: Secret' "$out"
  # Unset (the default): no variable, no volume; the moderation API answers 404.
  render "$out"
  [ "$(query "$out" ConfigMap comments '"ADMIN_TOKEN_FILE" in o["data"]')" = false ]
  [ "$(query "$out" Deployment comments "[v[\"name\"] for v in ${pod}[\"volumes\"]]")" = '["data"]' ]
}

@test "backup: a CronJob beside the service's pod, on its claim, hardened like the Deployment" {
  render "$out" -f "$CHART/ci/sqlite-values.yaml"
  run node "$VALIDATOR" "$out"
  echo "$output"
  [ "$status" -eq 0 ]
  local job='o["spec"]["jobTemplate"]["spec"]["template"]["spec"]'
  [ "$(query "$out" CronJob comments-backup 'o["spec"]["schedule"]')" = "15 3 * * *" ]
  [ "$(query "$out" CronJob comments-backup 'o["spec"]["concurrencyPolicy"]')" = Forbid ]
  [ "$(query "$out" CronJob comments-backup "${job}[\"containers\"][0][\"args\"]")" = \
    '["backup", "--storage", "sqlite:/var/lib/comments/comments.db", "--to-dir", "/backup", "--keep", "7"]' ]
  # backup.keep reaches --keep.
  render "$out" -f "$CHART/ci/sqlite-values.yaml" --set backup.keep=30
  [ "$(query "$out" CronJob comments-backup "${job}[\"containers\"][0][\"args\"][-1]")" = 30 ]
  render "$out" -f "$CHART/ci/sqlite-values.yaml"
  [ "$(query "$out" CronJob comments-backup "[v[\"persistentVolumeClaim\"][\"claimName\"] for v in ${job}[\"volumes\"]]")" = \
    '["comments-data", "comments-backups"]' ]
  [ "$(query "$out" CronJob comments-backup "${job}[\"containers\"][0][\"image\"]")" = \
    "$(query "$out" Deployment comments 'o["spec"]["template"]["spec"]["containers"][0]["image"]')" ]
  # The claim is ReadWriteOnce: required on the node of a pod the Deployment selects.
  [ "$(query "$out" CronJob comments-backup "${job}[\"affinity\"][\"podAffinity\"][\"requiredDuringSchedulingIgnoredDuringExecution\"][0][\"labelSelector\"][\"matchLabels\"]")" = \
    "$(query "$out" Deployment comments 'o["spec"]["selector"]["matchLabels"]')" ]
  # ...and its own pod is not one of them (the Service would route to it).
  [ "$(query "$out" CronJob comments-backup 'o["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]')" = backup ]
  for field in securityContext; do
    [ "$(query "$out" CronJob comments-backup "${job}[\"$field\"]")" = \
      "$(query "$out" Deployment comments "o[\"spec\"][\"template\"][\"spec\"][\"$field\"]")" ]
    [ "$(query "$out" CronJob comments-backup "${job}[\"containers\"][0][\"$field\"]")" = \
      "$(query "$out" Deployment comments "o[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"$field\"]")" ]
  done
  # Off by default.
  render "$out"
  run query "$out" CronJob comments-backup 'o'
  [ "$status" -ne 0 ]
}
