#!/usr/bin/env bats
# Wrong values are refused at install time with a message that says what is wrong: each file of
# invalid/ starts with "# expect: MESSAGE", and `helm template` with it must fail printing MESSAGE.

load helpers

setup() {
  require_tools
}

@test "every invalid/ values file is refused with its expected message" {
  local f expect count=0
  for f in "$BATS_TEST_DIRNAME"/invalid/*.yaml; do
    expect=$(sed -n '1s/^# expect: //p' "$f")
    [ -n "$expect" ] || { echo "$f: first line must be '# expect: MESSAGE'"; return 1; }
    run "$HELM" template comments "$CHART" -f "$f"
    if [ "$status" -eq 0 ] || [[ "$output" != *"$expect"* ]]; then
      echo "$f: exit $status, expected the message: $expect"
      echo "got: $output"
      return 1
    fi
    count=$((count + 1))
  done
  echo "$count invalid values files refused"
  [ "$count" -ge 15 ]
}

@test "schema errors come before rendering: the message names the value's path" {
  run "$HELM" template comments "$CHART" --set replicaCount=three --set service.type=External
  [ "$status" -ne 0 ]
  [[ "$output" == *"values don't meet the specifications of the schema(s)"* ]]
  [[ "$output" == *"at '/service/type': value must be one of 'ClusterIP', 'NodePort', 'LoadBalancer'"* ]]
}

@test "cross-value refusals name the file that checks them, not an object's template" {
  run "$HELM" template comments "$CHART" --set replicaCount=2
  [ "$status" -ne 0 ]
  [[ "$output" == *"execution error at (comments/templates/validate/values.yaml"* ]]
}

@test "the limits are exact: SQLite with 1 replica and a grace period just above delay + drain pass" {
  run "$HELM" template comments "$CHART" --set replicaCount=1 --set terminationGracePeriodSeconds=16
  [ "$status" -eq 0 ]
  run "$HELM" template comments "$CHART" --set terminationGracePeriodSeconds=15
  [ "$status" -ne 0 ]
  run "$HELM" template comments "$CHART" --set shutdown.delay=500ms --set shutdown.drainTimeout=1m --set terminationGracePeriodSeconds=61
  [ "$status" -eq 0 ]
  run "$HELM" template comments "$CHART" --set shutdown.delay=500ms --set shutdown.drainTimeout=1m --set terminationGracePeriodSeconds=60
  [ "$status" -ne 0 ]
  [[ "$output" == *"terminationGracePeriodSeconds=60 must exceed shutdown.delay + shutdown.drainTimeout (500ms + 1m)"* ]]
}
