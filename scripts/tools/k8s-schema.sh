#!/usr/bin/env bash
# Prepares tests/k8s-schema (the Kubernetes schema validator): installs its pinned npm packages
# into tests/k8s-schema/node_modules, and does nothing when they are already those of the lock file.
#   scripts/tools/k8s-schema.sh           install when needed
#   scripts/tools/k8s-schema.sh --force   reinstall
set -euo pipefail

case "${1:-}" in
  -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
  --force|'') ;;
  *) echo "k8s-schema.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
here=$(dirname "$0")
exec bash "$here/npm-ci.sh" "$here/../../tests/k8s-schema" "$@"
