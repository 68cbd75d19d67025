#!/usr/bin/env bats
# One format per setting, three readers: every value of settings-values.txt gets the same verdict
# from the service (its environment, --check-config), `commentsctl validate` and `helm lint`, and
# the chart hands the service numbers it can read. Also the generated copies of the settings
# table (scripts/settings.py --check) and that the check notices a stale copy.

load helpers

setup() {
  require_tools
  SERVICE=${COMMENTS_SERVICE:-$ROOT/build/dev/bin/comments-service}
  COMMENTSCTL=${COMMENTSCTL:-$ROOT/build/dev/bin/commentsctl}
  for bin in "$SERVICE" "$COMMENTSCTL"; do
    [ -x "$bin" ] || { echo "$bin not found: build the dev preset or set COMMENTS_SERVICE/COMMENTSCTL" >&2; return 1; }
  done
}

# verdict CODE: "accept" for exit code 0, else "refuse".
verdict() {
  if [ "$1" -eq 0 ]; then echo accept; else echo refuse; fi
}

service_verdict() {
  local code=0
  env -i "$1=$2" "$SERVICE" --check-config >/dev/null 2>&1 || code=$?
  [ "$code" -eq 0 ] || [ "$code" -eq 2 ] || { echo "service exit $code" >&2; return 1; }
  verdict "$code"
}

# ctl_verdict DIR: validate DIR/comments.yaml (written by cases below).
ctl_verdict() {
  local code=0
  "$COMMENTSCTL" --spec "$1/comments.yaml" validate >"$1/out" 2>&1 || code=$?
  [ "$code" -le 1 ] || { cat "$1/out" >&2; return 1; }
  verdict "$code"
}

chart_verdict() {
  local code=0
  # --set splits on commas: a list value keeps its own (CORS_ORIGINS) escaped.
  "$HELM" lint "$CHART" --set terminationGracePeriodSeconds=100000 --set-string "$1=${2//,/\\,}" \
    >"$BATS_TEST_TMPDIR/helm.out" 2>&1 || code=$?
  verdict "$code"
}

# cases FILE: for each line "VARIABLE VALUE VERDICT" of FILE, writes a spec setting VALUE at the
# spec key that holds VARIABLE (else config.VARIABLE) with its pin into $BATS_TEST_TMPDIR/<n>/
# (VALUE goes into the pin instead when the pin's key holds VARIABLE), and prints
# "n|VARIABLE|VALUE|VERDICT|chart key" (no value here holds a '|').
cases() {
  python3 - "$ROOT/docs/settings.json" "$BATS_TEST_TMPDIR" "$1" <<'PY'
import json, os, sys
table, out, source = sys.argv[1:4]
settings = {s["env"]: s for s in json.load(open(table))["settings"]}
def key(env, tool):
    src = settings[env][tool] if env in settings else None
    return src["key"] if src and src["verbatim"] else "config." + env
lines = open(source).read().splitlines()
rows = [l.split() for l in lines if l.strip() and not l.startswith("#")]
for n, (env, value, want) in enumerate(rows):
    value = "" if value == "''" else value
    in_pin = env in settings and (settings[env]["spec"] or {}).get("pin", False)
    pin_image = {"repository": "registry.example.com/c", "tag": "1.0"}
    if in_pin:
        # The pin holds image.* (IMAGE_DIGEST: image.digest); the spec gets nothing of its own.
        pin_image[settings[env]["spec"]["key"].split(".", 1)[1]] = value
    parts = key(env, "spec").split(".")
    # Integers the spec reads as YAML integers stay plain; everything else is a quoted string.
    node = value if parts[-1] == "poolSize" and value.isdigit() else json.dumps(value)
    if parts[0] == "config":
        parts = ["config", env]
    for part in reversed(parts[1:]):
        node = "{" + part + ": " + node + "}"
    spec_line = "" if in_pin else f"    {parts[0]}: {node}\n"
    d = os.path.join(out, str(n))
    os.makedirs(os.path.join(d, "releases"), exist_ok=True)
    with open(os.path.join(d, "comments.yaml"), "w") as f:
        f.write("app: {name: comments}\n"
                "defaults:\n"
                "  image: {repository: registry.example.com/c}\n"
                "  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: \"1\", memory: 256Mi}}\n"
                "  terminationGracePeriodSeconds: 3600\n"
                "environments:\n"
                "  dev:\n"
                "    namespace: dev\n"
                + spec_line)
    with open(os.path.join(d, "releases", "dev.yaml"), "w") as f:
        f.write(f"environment: dev\nimage: {json.dumps(pin_image)}\n"
                'source: {from: ci, revision: "5a141f4"}\n')
    print("|".join([str(n), env, value, want, key(env, "chart")]))
PY
}

@test "the service, commentsctl validate and helm lint give every value the same verdict" {
  local n var value want chart_key got rows=0 wrong=0
  while IFS='|' read -r n var value want chart_key; do
    for reader in service ctl chart; do
      case $reader in
        service) got=$(service_verdict "$var" "$value") ;;
        ctl) got=$(ctl_verdict "$BATS_TEST_TMPDIR/$n") ;;
        chart) got=$(chart_verdict "$chart_key" "$value") ;;
      esac
      if [ "$got" != "$want" ]; then
        echo "$var='$value': $reader says $got, want $want"
        wrong=$((wrong + 1))
      fi
    done
    rows=$((rows + 1))
  done < <(cases "$BATS_TEST_DIRNAME/settings-values.txt")
  echo "$rows values, $wrong wrong verdicts"
  [ "$rows" -ge 40 ]
  [ "$wrong" -eq 0 ]
}

@test "each reader can refuse: a value outside the format fails each of them" {
  [ "$(service_verdict SHUTDOWN_DELAY 1d)" = refuse ]
  printf '%s\n' "SHUTDOWN_DELAY 1d refuse" "NO_SUCH_SETTING 1 refuse" >"$BATS_TEST_TMPDIR/rows"
  cases "$BATS_TEST_TMPDIR/rows" >/dev/null
  [ "$(ctl_verdict "$BATS_TEST_TMPDIR/0")" = refuse ]
  grep -q 'shutdownDelay must be a duration' "$BATS_TEST_TMPDIR/0/out"
  [ "$(ctl_verdict "$BATS_TEST_TMPDIR/1")" = refuse ]
  grep -q 'config.NO_SUCH_SETTING: is not a setting of the service' "$BATS_TEST_TMPDIR/1/out"
  [ "$(chart_verdict shutdown.delay 1d)" = refuse ]
  grep -q "at '/shutdown/delay'" "$BATS_TEST_TMPDIR/helm.out"
  [ "$(chart_verdict config.NO_SUCH_SETTING 1)" = refuse ]
}

@test "numbers written as YAML numbers reach the service as digits it reads" {
  cat >"$BATS_TEST_TMPDIR/values.yaml" <<'EOF'
config:
  MAX_CONNECTIONS: 1000000
  LIST_CACHE_BYTES: 9999999999
  RATE_LIMIT: 250
  RATE_BURST: 0.00001
storage:
  type: postgres
  postgres: {existingSecret: pg, poolSize: 256}
containerPort: 8080
EOF
  render "$BATS_TEST_TMPDIR/out.yaml" -f "$BATS_TEST_TMPDIR/values.yaml"
  local data
  data=$(query "$BATS_TEST_TMPDIR/out.yaml" ConfigMap comments "o['data']")
  echo "$data"
  [[ "$data" == *'"MAX_CONNECTIONS": "1000000"'* ]]
  [[ "$data" == *'"LIST_CACHE_BYTES": "9999999999"'* ]]
  [[ "$data" == *'"RATE_LIMIT": "250"'* ]]
  [[ "$data" == *'"RATE_BURST": "0.000010"'* ]]
  [[ "$data" == *'"DB_POOL_SIZE": "256"'* ]]
  [[ "$data" == *'"PORT": "8080"'* ]]
  mapfile -t vars < <(python3 -c 'import json, sys; [print(f"{k}={v}") for k, v in json.loads(sys.argv[1]).items() if k != "STORAGE_URL"]' "$data")
  run env -i "${vars[@]}" "$SERVICE" --check-config
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the chart refuses a setting it sets itself, naming the value to use" {
  run "$HELM" template comments "$CHART" --set-string config.SHUTDOWN_DELAY=1s
  [ "$status" -ne 0 ]
  [[ "$output" == *"config.SHUTDOWN_DELAY is set by the chart from shutdown.delay; set that value instead"* ]]
}

@test "the generated copies of the settings table are up to date" {
  run python3 "$ROOT/scripts/settings.py" --check --service "$SERVICE"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the check notices a stale copy (negative control)" {
  local copy=$BATS_TEST_TMPDIR/root
  mkdir -p "$copy"
  cp -r "$ROOT/docs" "$ROOT/charts" "$ROOT/README.md" "$copy/"
  sed -i 's/"default": "4096"/"default": "4000"/' "$copy/docs/settings.json"
  run python3 "$ROOT/scripts/settings.py" --check --service "$SERVICE" --root "$copy"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"stale: docs/settings.json"* ]]
  # Writing them makes the copy current again.
  python3 "$ROOT/scripts/settings.py" --service "$SERVICE" --root "$copy"
  run python3 "$ROOT/scripts/settings.py" --check --service "$SERVICE" --root "$copy"
  [ "$status" -eq 0 ]
  # A chart default that is not the service's is reported too.
  sed -i 's/^logFormat: json/logFormat: text/' "$copy/charts/comments/values.yaml"
  run python3 "$ROOT/scripts/settings.py" --check --service "$SERVICE" --root "$copy"
  [ "$status" -eq 1 ]
  [[ "$output" == *"logFormat is 'text', but the service's default for LOG_FORMAT is 'json'"* ]]
}
