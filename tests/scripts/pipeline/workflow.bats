#!/usr/bin/env bats
# The GitHub Actions workflows cannot run here; workflows.py checks them: valid YAML, every
# ./deploy.sh and ./provision-k8s.sh call names only stages and flags the scripts have, secrets
# reach steps only as environment variables, credential files live outside the checkout.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
  CHECK=$BATS_TEST_DIRNAME/workflows.py
}

@test "the pipeline and e2e workflows pass the checks" {
  run python3 "$CHECK" "$ROOT" "$ROOT/.github/workflows/pipeline.yml" "$ROOT/.github/workflows/e2e.yml"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "0 problem(s) in 2 workflow(s)" ]
}

@test "the pipeline workflow runs the dev stages on dev and promotes on main" {
  run python3 - "$ROOT/.github/workflows/pipeline.yml" <<'PY'
import sys, yaml
workflow = yaml.safe_load(open(sys.argv[1]))
on = workflow.get("on", workflow.get(True))
assert on["push"]["branches"] == ["dev", "main"], on
runs = {name: " ".join(s.get("run", "") for s in job["steps"]) for name, job in workflow["jobs"].items()}
assert "--stages test,build,push-dev,deploy-dev,verify-dev" in runs["dev"], runs["dev"]
assert "--stages promote,deploy-prod" in runs["prod"], runs["prod"]
PY
  [ "$status" -eq 0 ]
}

@test "the e2e workflow provisions, installs the chart with helm test, and runs deploy.sh on the cluster" {
  run python3 - "$ROOT/.github/workflows/e2e.yml" <<'PY'
import sys, yaml
workflow = yaml.safe_load(open(sys.argv[1]))
runs = " ".join(s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"])
for needed in ("./provision-k8s.sh", "helm install comments charts/comments", "helm test comments",
               "./deploy.sh --mode cluster --registry localhost:5000"):
    assert needed in runs, needed
PY
  [ "$status" -eq 0 ]
}

@test "credential files written beside the checkout are ignored by git" {
  cd "$ROOT"
  git check-ignore -q .docker/config.json
  git check-ignore -q .kubeconfig
}

@test "negative controls: a pasted secret, an in-checkout kubeconfig, unknown stages and flags are refused" {
  cat >"$BATS_TEST_TMPDIR/bad.yml" <<'YAML'
name: bad
on: {push: {branches: [dev]}}
env:
  KUBECONFIG: ${{ github.workspace }}/.kubeconfig
jobs:
  dev:
    runs-on: ubuntu-24.04
    steps:
      - run: printf '%s' '${{ secrets.KUBECONFIG_DEV }}' > "$KUBECONFIG"
      - run: ./deploy.sh --mode cluster --stages build,deploy-staging --fast
      - run: ./provision-k8s.sh --nodes 3
YAML
  run python3 "$CHECK" "$ROOT" "$BATS_TEST_TMPDIR/bad.yml"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"a secret is pasted into a run: script"* ]]
  [[ "$output" == *"KUBECONFIG is inside the checkout"* ]]
  [[ "$output" == *"deploy.sh has no stage deploy-staging"* ]]
  [[ "$output" == *"./deploy.sh has no flag --fast"* ]]
  [[ "$output" == *"./provision-k8s.sh has no flag --nodes"* ]]
}
