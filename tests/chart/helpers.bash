# Shared by the chart's bats files: where the chart and the tools are, and small helpers that
# render the chart and read the rendered objects.
# shellcheck shell=bash
# shellcheck disable=SC2034  # CHART, HELM and VALIDATOR are read by the bats files that load this.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CHART=$ROOT/charts/comments
HELM=${HELM:-$ROOT/.tools/helm/helm}
VALIDATOR=$ROOT/tests/k8s-schema/validate.mjs

require_tools() {
  [ -x "$HELM" ] || { echo "helm missing at $HELM: run scripts/tools/helm.sh" >&2; return 1; }
  [ -d "$ROOT/tests/k8s-schema/node_modules" ] ||
    { echo "schema validator not installed: run scripts/tools/k8s-schema.sh" >&2; return 1; }
}

# render OUT [helm template args...]: the chart as release "comments" in namespace "web".
render() {
  local out=$1
  shift
  "$HELM" template comments "$CHART" --namespace web "$@" >"$out"
}

# query FILE KIND NAME EXPR: evaluates the Python expression EXPR on the object `o` of that kind
# and name in the multi-document YAML FILE and prints the result (JSON for lists and maps).
query() {
  python3 - "$@" <<'PY'
import json, sys, yaml
path, kind, name, expr = sys.argv[1:5]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
found = [d for d in docs if d.get("kind") == kind and d["metadata"]["name"] == name]
if len(found) != 1:
    sys.exit(f"{path}: {len(found)} objects {kind}/{name}")
value = eval(expr, {"o": found[0], "json": json, "yaml": yaml})
print(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
PY
}

# kinds FILE: "Kind/name" of every object, one a line, sorted.
kinds() {
  python3 - "$1" <<'PY'
import sys, yaml
for d in sorted(f"{d['kind']}/{d['metadata']['name']}" for d in yaml.safe_load_all(open(sys.argv[1])) if d):
    print(d)
PY
}
