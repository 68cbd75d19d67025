#!/usr/bin/env bats
# The alert rules and the dashboard of charts/comments/files/: promtool checks and unit tests,
# only exported metrics queried, and the chart's PrometheusRule equal to the file but scoped.

load helpers

RULES=$ROOT/charts/comments/files/alerts.yaml
DASHBOARD=$ROOT/charts/comments/files/dashboard.json
METRICS=$BATS_TEST_DIRNAME/exported-metrics.txt

setup() {
  command -v promtool >/dev/null || { echo "promtool missing: run scripts/deps.sh test" >&2; return 1; }
}

@test "promtool check rules accepts the alert rules" {
  run promtool check rules "$RULES"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"SUCCESS: 11 rules found"* ]]
}

@test "promtool test rules: every alert fires on its failure and stays silent when healthy" {
  run promtool test rules "$ROOT/k8s/monitoring/alerts.test.yaml"
  echo "$output"
  [ "$status" -eq 0 ]
  # Every alert of the file has a test that expects it to fire.
  local alert
  while read -r alert; do
    grep -A1 "alertname: $alert\$" "$ROOT/k8s/monitoring/alerts.test.yaml" | grep -q 'exp_alerts:$' ||
      { echo "no firing test for $alert"; return 1; }
  done < <(sed -n 's/^ *- alert: //p' "$RULES")
}

@test "promtool test rules fails when a rule no longer fires" {
  mkdir -p "$BATS_TEST_TMPDIR/k8s/monitoring" "$BATS_TEST_TMPDIR/charts/comments/files"
  cp "$ROOT/k8s/monitoring/alerts.test.yaml" "$BATS_TEST_TMPDIR/k8s/monitoring/"
  sed 's/> 0.05$/> 0.5/' "$RULES" >"$BATS_TEST_TMPDIR/charts/comments/files/alerts.yaml"
  run promtool test rules "$BATS_TEST_TMPDIR/k8s/monitoring/alerts.test.yaml"
  [ "$status" -ne 0 ]
  [[ "$output" == *"alertname: CommentsHighErrorRatio"* ]]
}

@test "the dashboard is valid JSON and queries only exported metrics" {
  run python3 -m json.tool "$DASHBOARD"
  [ "$status" -eq 0 ]
  run python3 "$BATS_TEST_DIRNAME/promql_metrics.py" --allowed "$METRICS" "$DASHBOARD" "$RULES"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the dashboard covers traffic, errors, latency, in-flight, comments, storage, memory and CPU" {
  run python3 "$BATS_TEST_DIRNAME/promql_metrics.py" --allowed "$METRICS" "$DASHBOARD"
  [ "$status" -eq 0 ]
  local m
  for m in http_requests_total http_request_duration_seconds_bucket http_requests_in_flight \
    http_connections_open comments_created_total storage_operation_duration_seconds_bucket \
    storage_errors_total process_resident_memory_bytes process_cpu_seconds_total comments_ready; do
    [[ " $output " == *" $m "* ]] || { echo "dashboard does not query $m"; return 1; }
  done
  run python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(sum(1 for p in d["panels"] for t in p.get("targets", []) if "histogram_quantile(0.99, sum by (le, route)" in t["expr"]))' "$DASHBOARD"
  [ "$output" = 1 ]
}

@test "the metric check fails on a metric the service does not export" {
  # shellcheck disable=SC2016  # $job is Grafana's variable, not the shell's.
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["panels"][1]["targets"][0]["expr"] = "sum(rate(http_request_total{job=\"$job\"}[5m]))"; json.dump(d, open(sys.argv[2], "w"))' \
    "$DASHBOARD" "$BATS_TEST_TMPDIR/dashboard.json"
  run python3 "$BATS_TEST_DIRNAME/promql_metrics.py" --allowed "$METRICS" "$BATS_TEST_TMPDIR/dashboard.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown metric http_request_total in: sum(rate(http_request_total"* ]]
}

@test "the chart's PrometheusRule is the rule file, scoped to the release, and passes promtool" {
  require_tools
  local out=$BATS_TEST_TMPDIR/out.yaml rules=$BATS_TEST_TMPDIR/rules.yaml
  render "$out" --set prometheusRule.enabled=true --set prometheusRule.additionalAlertLabels.team=comments
  query "$out" PrometheusRule comments 'yaml.safe_dump(o["spec"])' >"$rules"
  run promtool check rules "$rules"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"SUCCESS: 11 rules found"* ]]
  # Every rule selects the release's namespace: no rule reads another release's pods.
  python3 - "$rules" <<'PY'
import sys, yaml
for group in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for rule in group["rules"]:
        name = rule.get("alert") or rule.get("record")
        if 'namespace="web"' not in rule["expr"] or rule["expr"].count('job="comments"') != rule["expr"].count('job="comments",namespace="web"'):
            sys.exit(f"{name} is not scoped to the release: {rule['expr']}")
PY
  # Same rules as the file once the selector is put back, plus the extra alert label.
  python3 - "$RULES" "$rules" <<'PY'
import json, sys, yaml
want = yaml.safe_load(open(sys.argv[1]))
for group in want["groups"]:
    for rule in group["rules"]:
        if "alert" in rule:
            rule["labels"]["team"] = "comments"
got = json.loads(json.dumps(yaml.safe_load(open(sys.argv[2]))).replace(
    'job=\\"comments\\",namespace=\\"web\\"', 'job=\\"comments\\"'))
if got != want:
    sys.exit("PrometheusRule differs from charts/comments/files/alerts.yaml")
PY
}

@test "the real service's /metrics exports exactly the metrics of exported-metrics.txt" {
  local service=${COMMENTS_SERVICE:-$ROOT/build/chart/bin/comments-service}
  [ -x "$service" ] || {
    echo "comments-service not found at $service: build it or set COMMENTS_SERVICE" >&2
    return 1
  }
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$service" --listen 127.0.0.1 --port "$port" --storage memory: --log-level warn \
    >"$BATS_TEST_TMPDIR/service.log" 2>&1 &
  echo $! >"$BATS_TEST_TMPDIR/service.pid"
  # One comment posted and listed, so every labelled family has a child to show.
  run python3 - "$port" "$METRICS" <<'PY'
import json, re, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 20
while True:
    try:
        urllib.request.urlopen(f"{base}/readyz", timeout=1).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the service did not become ready within 20 s")
        time.sleep(0.1)
body = json.dumps({"email": "metrics@example.com", "comment": "hello", "content_id": 1}).encode()
urllib.request.urlopen(urllib.request.Request(f"{base}/api/comment/new", body, {"Content-Type": "application/json"}), timeout=5).read()
urllib.request.urlopen(f"{base}/api/comment/list/1", timeout=5).read()
exposition = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
exported = set(re.findall(r"^# TYPE (\S+) ", exposition, re.M))
wanted = [l.split()[0] for l in open(sys.argv[2]) if l.split() and not l.startswith("#")]
missing = [m for m in wanted if m != "up" and m not in exported]
# The latency SLO rules count requests within 250 ms: that bucket boundary must exist.
if not re.search(r'^http_request_duration_seconds_bucket\{[^}]*le="0.25"\}', exposition, re.M):
    missing.append('http_request_duration_seconds_bucket{le="0.25"} (the SLO threshold of alerts.yaml)')
for m in missing:
    print(f"/metrics does not export {m}")
# And the other way: a family the service exports but the list lacks is one the dashboard and
# the rules cannot be checked against.
unlisted = sorted(exported - set(wanted))
for m in unlisted:
    print(f"/metrics exports {m}, which exported-metrics.txt does not list")
print(f"{len(wanted) - len(missing)} of {len(wanted)} listed metrics exported, {len(unlisted)} unlisted")
sys.exit(1 if missing or unlisted else 0)
PY
  echo "$output"
  [ "$status" -eq 0 ]
}

teardown() {
  local pidfile=$BATS_TEST_TMPDIR/service.pid
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    wait "$(cat "$pidfile")" 2>/dev/null || true
  fi
}
