#!/usr/bin/env bats
# The GitHub Actions workflow is a thin caller of deploy.sh: valid YAML, and every stage it asks
# for is one deploy.sh has.

@test "the workflow is valid YAML and only calls existing deploy.sh stages" {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
  run python3 - "$ROOT/.github/workflows/pipeline.yml" "$ROOT/deploy.sh" <<'PY'
import re, subprocess, sys, yaml
workflow = yaml.safe_load(open(sys.argv[1]))
known = set(subprocess.run(["bash", sys.argv[2], "--list-stages"], capture_output=True, text=True,
                           check=True).stdout.split())
assert {"test", "build", "promote", "deploy-prod"} <= known, known
runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
calls = [r for r in runs if "./deploy.sh" in r]
assert len(calls) == 2, calls
for call in calls:
    stages = re.search(r"--stages (\S+)", call).group(1).split(",")
    unknown = [s for s in stages if s not in known]
    assert not unknown, f"unknown stages {unknown} in: {call}"
    print("ok:", stages)
on = workflow.get("on", workflow.get(True))
assert on["push"]["branches"] == ["dev", "main"], on
PY
  echo "$output"
  [ "$status" -eq 0 ]
}
