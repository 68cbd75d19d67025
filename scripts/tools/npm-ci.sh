#!/usr/bin/env bash
# Installs the pinned npm packages of a test folder (its package-lock.json) into its node_modules,
# and does nothing when they are already those of the lock file.
#   scripts/tools/npm-ci.sh DIR           install when needed (DIR: e.g. tests/browser)
#   scripts/tools/npm-ci.sh DIR --force   reinstall
set -euo pipefail

usage() {
  sed -n '2,5s/^# \{0,1\}//p' "$0"
}

force=0
dir=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --force) force=1 ;;
    -*) echo "npm-ci.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    *) [ -z "$dir" ] || { echo "npm-ci.sh: one folder only (see --help)" >&2; exit 2; }; dir=$arg ;;
  esac
done
[ -n "$dir" ] || { echo "npm-ci.sh: name the folder holding package-lock.json (see --help)" >&2; exit 2; }
[ -f "$dir/package-lock.json" ] || { echo "npm-ci.sh: $dir/package-lock.json not found" >&2; exit 2; }
dir=$(cd "$dir" && pwd)
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "npm-ci.sh: $tool not found; run scripts/deps.sh test" >&2; exit 1; }
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
echo "npm-ci.sh: installing the npm packages of ${dir#"$PWD"/}" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false >&2)
echo "$want" >"$stamp"
