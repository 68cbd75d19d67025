#!/usr/bin/env bash
# Prepares tests/k8s-schema (the Kubernetes schema validator): installs its pinned npm packages
# into tests/k8s-schema/node_modules, and does nothing when they are already those of the lock file.
#   scripts/tools/k8s-schema.sh           install when needed
#   scripts/tools/k8s-schema.sh --force   reinstall
set -euo pipefail

usage() {
  sed -n '2,5s/^# \{0,1\}//p' "$0"
}

force=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --force) force=1 ;;
  '') ;;
  *) echo "k8s-schema.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

dir=$(cd "$(dirname "$0")/../../tests/k8s-schema" && pwd)
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "k8s-schema.sh: $tool not found; run scripts/deps.sh test" >&2; exit 1; }
done

# The stamp records which lock file the installed tree came from.
stamp="$dir/node_modules/.installed-from-lock"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ "$force" -eq 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

# Several CTest jobs may set the fixture up at once on a fresh tree: one installs, the rest wait.
exec 9<"$dir"
flock 9
if [ "$force" -eq 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "k8s-schema.sh: installing the schema validator's npm packages" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false >&2)
echo "$want" >"$stamp"
